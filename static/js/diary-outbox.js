// /diary: the outbox on the page. The entries saved on this phone and not sent yet, listed with
// what the patient can do about each (fix, send as new, discard), the state of the connection,
// and the sending: now, after a back-off when the server had a problem or did not answer, and
// through the service worker's background sync (see docs/architecture.md, "The phone's outbox").
import { checkSession, csrfToken, isLocked, lockPage } from './app.js';
import { all, flush, remove, resendAsNew } from './outbox.js';
import {
  announce, config, form, forThisPage, outboxEl, outboxSection, outboxStatus, userId,
} from './diary-page.js';
import { formatDay } from './diary-days.js';
import { endFix, openForFix } from './diary-form.js';

// After the server had a problem or did not answer: try again after these waits (ms), the last
// one repeating.
const RETRY_DELAYS = [15000, 30000, 60000, 120000, 300000];

const STATES = {
  offline: 'No connection: your entries are safe on this phone and will be sent when the connection is back.',
  serverError: 'The server has a problem. Your entry is safe on this phone and will be sent when the server works again.',
  authRequired: 'You are signed out. Sign in to send the entries saved on this phone.',
};

function showOutboxState(summary) {
  if (!outboxStatus) return;
  outboxStatus.replaceChildren();
  outboxStatus.className = 'outbox__status';
  if (!summary) return;
  let text = '';
  if (summary.authRequired || summary.locked === 'signed-out') text = STATES.authRequired;
  else if (summary.serverError) text = STATES.serverError;
  else if (summary.offline) text = STATES.offline;
  if (!text) return;
  outboxStatus.classList.add('outbox__status--problem');
  outboxStatus.append(text);
  if (text === STATES.authRequired) {
    const link = document.createElement('a');
    link.className = 'btn btn--secondary btn--block';
    link.href = '/login';
    link.textContent = 'Sign in';
    outboxStatus.append(link);
  }
}

function button(text, className, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = `btn ${className}`;
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}

function statusOf(record) {
  const status = document.createElement('span');
  if (record.state === 'refused') {
    status.className = 'status--error';
    status.textContent = `Not sent, needs a fix: ${record.error}`;
  } else if (record.state === 'conflict') {
    status.className = 'status--conflict';
    status.textContent = `Not sent, conflict: ${record.error}`;
  } else if (record.lastStatus >= 500) {
    status.className = 'status--waiting';
    status.textContent = 'Waiting: the server has a problem';
  } else {
    status.className = 'status--waiting';
    status.textContent = 'Waiting to sync';
  }
  return status;
}

async function discard(record) {
  if (!window.confirm('Discard this entry? It has not been saved on the server.')) return;
  await remove(record.id);
  if (form.dataset.fixing === record.id) endFix();
  await renderOutbox();
  announce('Entry discarded');
}

export async function renderOutbox() {
  if (!outboxEl || isLocked()) return [];
  let records = [];
  try {
    records = (await all(userId)).filter(forThisPage);
  } catch {
    return [];
  }
  const items = records.map((record) => {
    const { entry } = record;
    const li = document.createElement('li');
    li.className = 'outbox__item';
    li.dataset.id = record.id;
    li.dataset.state = record.state;
    const main = document.createElement('span');
    main.className = 'entry__main';
    const { summary } = config;
    main.textContent = `${formatDay(entry.day)} - ${summary.label.toLowerCase()} ${entry[summary.code] ?? '?'}/${summary.maximum}`;
    li.append(main, statusOf(record));
    const actions = document.createElement('span');
    actions.className = 'entry__actions';
    if (record.state === 'refused') {
      actions.append(button('Fix and resend', 'btn--secondary', () => openForFix(record)));
    } else if (record.state === 'conflict') {
      actions.append(button('Send as a new entry', 'btn--secondary', async () => {
        await resendAsNew(record.id, crypto.randomUUID());
        await sync();
      }));
    }
    if (record.state !== 'waiting') {
      actions.append(button('Discard', 'btn--danger', () => discard(record)));
      li.append(actions);
    }
    return li;
  });
  outboxEl.replaceChildren(...items);
  const empty = records.length === 0;
  if (outboxSection) outboxSection.hidden = empty;
  else outboxEl.hidden = empty;
  return records;
}

/* ---- sending -------------------------------------------------------------------------------- */

let retryTimer = 0;
let retryStep = 0;

function scheduleRetry(summary) {
  clearTimeout(retryTimer);
  if (!summary || !(summary.offline || summary.serverError) || !summary.pending) {
    retryStep = 0;
    return;
  }
  const delay = RETRY_DELAYS[Math.min(retryStep, RETRY_DELAYS.length - 1)];
  retryStep += 1;
  retryTimer = setTimeout(() => { sync(); }, delay);
}

// The connection is back: the next problem waits the first delay again.
export function resetRetries() {
  retryStep = 0;
}

export function stopRetries() {
  clearTimeout(retryTimer);
}

function requestBackgroundSync() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.ready
    .then((reg) => (reg.sync ? reg.sync.register('outbox-sync') : undefined))
    .catch(() => undefined);
}

// Send what waits. `quiet`: the caller (a save) reports the result itself.
export async function sync(quiet = false) {
  if (isLocked() || !checkSession()) return null;
  let summary = null;
  try {
    summary = await flush(userId, { csrfToken: csrfToken() });
  } catch (err) {
    console.warn('outbox flush failed', err);
  }
  if (summary && (summary.ownerMismatch || summary.locked === 'other-user')) {
    // The session is someone else's: this page closes, the records wait for their owner.
    lockPage('other-user');
    return summary;
  }
  await renderOutbox();
  showOutboxState(summary);
  scheduleRetry(summary);
  if (summary && summary.pending) requestBackgroundSync();
  if (!quiet && summary && summary.sent && !summary.pending) announce('All entries sent');
  return summary;
}
