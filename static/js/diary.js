// /diary: the "log a day" form, made to work offline. Without JS (or without IndexedDB or
// crypto.randomUUID, e.g. on plain http) the form is left alone and posts to /diary as usual.
//
// Saving puts the entry in the outbox (IndexedDB) and says "Saved on this phone" at once; the
// send runs after that and ends in "Sent" or in a state the patient can act on (see
// docs/architecture.md, "The phone's outbox").
import { checkSession, csrfToken, isLocked, lockPage } from './app.js';
import { add, all, flush, remove, resendAsNew } from './outbox.js';

// The measures (diary/measures.py) come with the page as JSON: this script holds no list of
// fields, so a measure added to the registry is sent without a change here.
function readConfig() {
  const el = document.getElementById('entry-config');
  if (!el) return null;
  try {
    return JSON.parse(el.textContent);
  } catch {
    return null;
  }
}
const config = readConfig();
// After the server had a problem or did not answer: try again after these waits (ms), the last
// one repeating.
const RETRY_DELAYS = [15000, 30000, 60000, 120000, 300000];

const form = document.getElementById('entry-form');
const statusEl = document.getElementById('save-status');
const outboxEl = document.getElementById('outbox');
const outboxSection = document.getElementById('outbox-section');
const outboxStatus = document.getElementById('outbox-status');
const fixNotice = document.getElementById('fix-notice');
// Outbox records belong to the user who saved them; only theirs are shown and sent.
const userId = form ? form.dataset.userId : undefined;
// A carer's page for a patient: the entry names the patient (the server checks that the carer
// logs for them); the outbox's owner stays the carer who saved it (X-Diary-Owner).
const patientId = form && form.dataset.patientId ? Number(form.dataset.patientId) : undefined;
// The records this page shows: the patient's own page, the patient's; a carer's page, those
// the carer saved for this patient (all of theirs are sent, each to its own patient).
const forThisPage = (record) => (record.entry.patient_id ?? undefined) === patientId;

const STATES = {
  offline: 'No connection: your entries are safe on this phone and will be sent when the connection is back.',
  serverError: 'The server has a problem. Your entry is safe on this phone and will be sent when the server works again.',
  authRequired: 'You are signed out. Sign in to send the entries saved on this phone.',
};

/* ---- the day, from the phone's own clock and time zone ------------------------------------- */

function isoDay(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function daysAgo(n, now = new Date()) {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() - n);
}

function formatDay(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
  if (!m) return iso || 'No date';
  const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return date.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
}

// "Today" and "Yesterday" are the phone's today and yesterday, whatever day the page was made
// on (a copy from the service worker's cache may be days old). The chip that was chosen stays
// chosen; the value saved is the date shown next to it.
function applyPhoneDays() {
  if (!form) return;
  const now = new Date();
  form.querySelectorAll('input[name="day"][data-days-ago]').forEach((radio) => {
    const day = daysAgo(Number(radio.dataset.daysAgo), now);
    radio.value = isoDay(day);
    const label = radio.closest('label');
    const dateEl = label && label.querySelector('[data-day-date]');
    if (dateEl) dateEl.textContent = formatDay(radio.value);
  });
  const today = isoDay(now);
  const section = document.getElementById('today-so-far');
  if (section) {
    const stale = section.dataset.day !== today;
    const list = document.getElementById('today-list');
    const staleText = document.getElementById('today-stale');
    if (list) list.hidden = stale;
    if (staleText) staleText.hidden = !stale;
  }
}

// At the phone's next local midnight (and again every midnight after it).
let midnightTimer = 0;
function armMidnightTimer() {
  clearTimeout(midnightTimer);
  const now = new Date();
  const next = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 0, 0, 1);
  midnightTimer = setTimeout(() => { applyPhoneDays(); armMidnightTimer(); }, Math.max(1000, next - now));
}

function wake() {
  if (document.visibilityState && document.visibilityState !== 'visible') return;
  if (!checkSession()) return;
  applyPhoneDays();
  armMidnightTimer();
}

/* ---- the form as the API's JSON body, and back ------------------------------------------- */

// Lines into the controls named `name`: a tick box whose value is a line (a usual medication)
// is ticked, the other lines go into the text box, one per line.
export function writeLines(formEl, name, lines) {
  const boxes = [...formEl.querySelectorAll(`input[type="checkbox"][name="${CSS.escape(name)}"]`)];
  const ticked = new Set();
  boxes.forEach((box) => {
    box.checked = lines.includes(box.value);
    if (box.checked) ticked.add(box.value);
  });
  const text = formEl.querySelector(`textarea[name="${CSS.escape(name)}"], input[type="text"][name="${CSS.escape(name)}"]`);
  if (text) text.value = lines.filter((line) => !ticked.has(line)).join('\n');
}

function intOrNull(value) {
  if (value === null || value === undefined || String(value).trim() === '') return null;
  const n = Number(value);
  return Number.isInteger(n) ? n : null;
}

function readMeasure(data, field, prefix) {
  switch (field.kind) {
    case 'scale':
      return intOrNull(data.get(field.code));
    case 'decimal': {
      const raw = (data.get(field.code) || '').toString().trim().replace(',', '.');
      return raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : null;
    }
    case 'codes': {
      const values = data.getAll(field.code).map(String).filter(Boolean);
      return values.length ? [...new Set(values)] : null;
    }
    case 'lines': {
      // The usual medications' ticks and the textarea share the name: every line once.
      const lines = data.getAll(field.code).flatMap((raw) => raw.toString().split(/\r?\n/))
        .map((s) => s.trim()).filter(Boolean);
      return lines.length ? [...new Set(lines)] : null;
    }
    case 'severities': {
      const severities = {};
      for (const [name, value] of data.entries()) {
        if (!name.startsWith(prefix)) continue;
        const severity = intOrNull(value);
        if (severity) severities[name.slice(prefix.length)] = severity;
      }
      return Object.keys(severities).length ? severities : null;
    }
    default: {
      const text = (data.get(field.code) || '').toString().trim();
      return text || null;
    }
  }
}

// The form as the API's JSON body, one field per measure; empty optional fields are left out.
export function entryFromForm(formEl, measures = config) {
  const data = new FormData(formEl);
  const entry = {};
  const day = (data.get('day') || '').toString().trim();
  if (day) entry.day = day;
  for (const field of measures.fields) {
    const value = readMeasure(data, field, measures.severityPrefix);
    if (value !== null) entry[field.code] = value;
  }
  return entry;
}

function checkValue(name, value) {
  const field = form.elements.namedItem(name);
  if (!field) return;
  const inputs = field instanceof RadioNodeList ? [...field] : [field];
  inputs.forEach((input) => { if (input.value === String(value)) input.checked = true; });
}

// A day the chips do not offer (an entry queued days ago): an extra chip for it.
function chooseDay(day) {
  const radios = [...form.querySelectorAll('input[name="day"]')];
  const match = radios.find((r) => r.value === day);
  if (match) { match.checked = true; return; }
  const first = radios[0];
  if (!first) return;
  const label = first.closest('label').cloneNode(true);
  label.dataset.extraDay = 'true';
  const input = label.querySelector('input');
  input.removeAttribute('data-days-ago');
  input.value = day;
  input.checked = true;
  label.querySelector('.chip__label').textContent = formatDay(day);
  first.closest('.chips').append(label);
}

// The inverse of entryFromForm: put a queued entry back into the form, measure by measure.
function writeMeasure(field, value) {
  if (value === undefined || value === null) return;
  switch (field.kind) {
    case 'scale':
      checkValue(field.code, value);
      break;
    case 'codes':
      value.forEach((code) => checkValue(field.code, code));
      break;
    case 'lines':
      writeLines(form, field.code, value);
      break;
    case 'severities':
      Object.entries(value).forEach(([code, severity]) => checkValue(config.severityPrefix + code, severity));
      break;
    default: {
      const input = form.elements.namedItem(field.code);
      if (input) input.value = String(value);
    }
  }
}

function fillForm(entry) {
  form.reset();
  form.querySelectorAll('[data-extra-day]').forEach((el) => el.remove());
  applyPhoneDays();
  if (entry.day) chooseDay(entry.day);
  config.fields.forEach((field) => writeMeasure(field, entry[field.code]));
  form.dispatchEvent(new Event('diary:filled'));
}

// The control (or group of controls) of a field the server named.
function fieldElement(name) {
  const field = config.fields.find((f) => f.code === name);
  const byName = field && field.kind === 'severities'
    ? `[name^="${CSS.escape(config.severityPrefix)}"]`
    : `[name="${CSS.escape(name)}"]`;
  return document.getElementById(`${name}-group`) || form.querySelector(byName);
}

function markErrors(errors) {
  form.querySelectorAll('[data-outbox-invalid]').forEach((el) => {
    el.removeAttribute('aria-invalid');
    el.removeAttribute('data-outbox-invalid');
  });
  for (const name of Object.keys(errors || {})) {
    const el = fieldElement(name);
    if (!el) continue;
    el.setAttribute('aria-invalid', 'true');
    el.dataset.outboxInvalid = 'true';
    const details = el.closest('details');
    if (details) details.open = true;
  }
}

// Open a refused entry in the form: its values, the server's messages; Save sends it again
// with the same id (the server never stored it).
function openForFix(record) {
  fillForm(record.entry);
  form.dataset.fixing = record.id;
  markErrors(record.errors);
  if (fixNotice) {
    fixNotice.textContent = `Fix this entry and save it again. The server said: ${record.error}`;
    fixNotice.hidden = false;
    fixNotice.focus();
  }
  announce('The entry is open in the form: fix it and tap Save.');
}

function endFix() {
  delete form.dataset.fixing;
  markErrors(null);
  form.querySelectorAll('[data-extra-day]').forEach((el) => el.remove());
  if (fixNotice) { fixNotice.hidden = true; fixNotice.textContent = ''; }
}

/* ---- what the patient is told ------------------------------------------------------------- */

// Announce in the polite live region, at once (the save confirmation has 100 ms); the same
// message twice is cleared first so a screen reader reads it again.
let announceTimer = 0;
function announce(message) {
  if (!statusEl) return;
  clearTimeout(announceTimer);
  if (statusEl.textContent === message) {
    statusEl.textContent = '';
    announceTimer = setTimeout(() => { statusEl.textContent = message; }, 30);
  } else {
    statusEl.textContent = message;
  }
}

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

function requestBackgroundSync() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.ready
    .then((reg) => (reg.sync ? reg.sync.register('outbox-sync') : undefined))
    .catch(() => undefined);
}

// Send what waits. `quiet`: the caller (a save) reports the result itself.
async function sync(quiet = false) {
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

// The end of one save: what happened to that entry.
async function reportSave(id, summary) {
  if (isLocked()) return;
  const records = await all(userId).catch(() => []);
  const mine = records.find((r) => r.id === id);
  if (!mine) {
    announce('Sent'); // by this page, or by another sender (tab or service worker) in turn
  } else if (mine.state === 'refused') {
    openForFix(mine);
    announce(`Saved on this phone, not sent: ${mine.error}`);
  } else if (mine.state === 'conflict') {
    announce(`Saved on this phone, not sent: ${mine.error}`);
  } else if (summary && (summary.authRequired || summary.locked === 'signed-out')) {
    announce('Saved on this phone. Sign in again to send it.');
  } else if (summary && summary.serverError) {
    announce('Saved on this phone. The server has a problem: your entry is safe on this phone and will be sent later.');
  } else {
    announce('Saved on this phone - waiting to sync: it will be sent when the connection is back.');
  }
}

function focusFirst(name) {
  const field = form.elements.namedItem(name);
  const el = field instanceof RadioNodeList ? field[0] : field;
  if (el && typeof el.focus === 'function') el.focus();
}

let saving = false;

async function onSubmit(event) {
  if (event.defaultPrevented) return;
  event.preventDefault();
  if (saving || isLocked()) return;
  if (!checkSession()) return;
  announce(''); // the last save's message is not this one's
  const entry = entryFromForm(form);
  const missing = config.fields.find((field) => field.required && entry[field.code] === undefined);
  if (missing) {
    announce(config.requiredMessage);
    focusFirst(missing.code);
    return;
  }
  // A fixed entry keeps its id: the server refused it, so it never stored it.
  entry.id = form.dataset.fixing || crypto.randomUUID();
  // The moment of saving: a late sync still shows when the entry was really written.
  entry.recorded_at = new Date().toISOString();
  // The phone's zone: the day is checked against it and on-time is judged in it (travel).
  entry.timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (patientId !== undefined) entry.patient_id = patientId;

  const submitButtons = [...form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]')];
  saving = true;
  submitButtons.forEach((b) => { b.disabled = true; b.setAttribute('aria-busy', 'true'); });
  try {
    await add(entry, userId);
  } catch (err) {
    // Cannot store on this device: fall back to the plain form post (no submit event).
    console.warn('outbox unavailable, posting the form', err);
    saving = false;
    HTMLFormElement.prototype.submit.call(form);
    return;
  } finally {
    saving = false;
    submitButtons.forEach((b) => { b.disabled = false; b.removeAttribute('aria-busy'); });
  }
  // On the phone now, whatever the connection does next.
  announce('Saved on this phone - sending…');
  endFix();
  form.reset();
  form.dispatchEvent(new Event('diary:filled'));
  applyPhoneDays();
  await renderOutbox();
  const summary = await sync(true);
  await reportSave(entry.id, summary);
}

function init() {
  if (!form || !userId || !config) return;
  if (!('indexedDB' in self) || !self.crypto || typeof crypto.randomUUID !== 'function') return;
  applyPhoneDays();
  armMidnightTimer();
  document.addEventListener('visibilitychange', wake);
  window.addEventListener('pageshow', wake);
  form.addEventListener('submit', onSubmit);
  window.addEventListener('diary:locked', () => { clearTimeout(retryTimer); clearTimeout(midnightTimer); });
  renderOutbox().then((records) => {
    if (records.some((r) => r.state === 'waiting') && navigator.onLine) sync();
  });
  window.addEventListener('online', () => { retryStep = 0; sync(); });
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', (event) => {
      if (event.data && event.data.type === 'outbox-synced') {
        renderOutbox().then((records) => {
          if (event.data.summary && event.data.summary.sent && !records.length) announce('All entries sent');
        });
      }
    });
  }
}

init();
