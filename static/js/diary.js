// /diary: the "log a day" form, made to work offline. Without JS (or without IndexedDB or
// crypto.randomUUID, e.g. on plain http) the form is left alone and posts to /diary as usual.
import { freshCsrfToken } from './app.js';
import { add, all, flush, remove, retry } from './outbox.js';

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

const form = document.getElementById('entry-form');
const statusEl = document.getElementById('save-status');
const outboxEl = document.getElementById('outbox');
const outboxSection = document.getElementById('outbox-section');
// Outbox records belong to the user who saved them; only theirs are shown and sent.
const userId = form ? form.dataset.userId : undefined;

function localToday() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
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
      const lines = (data.get(field.code) || '').toString().split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
      return lines.length ? lines : null;
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

// Announce in the polite live region; clearing first makes a repeated message be read again.
let announceTimer = 0;
function announce(message) {
  if (!statusEl) return;
  clearTimeout(announceTimer);
  statusEl.textContent = '';
  announceTimer = setTimeout(() => { statusEl.textContent = message; }, 50);
}

function formatDay(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
  if (!m) return iso || 'No date';
  const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return date.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
}

function button(text, className, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = `btn ${className}`;
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}

export async function renderOutbox() {
  if (!outboxEl) return [];
  let records = [];
  try {
    records = await all(userId);
  } catch {
    return [];
  }
  const items = records.map((record) => {
    const { entry } = record;
    const li = document.createElement('li');
    li.className = 'outbox__item';
    li.dataset.id = record.id;
    const main = document.createElement('span');
    main.className = 'entry__main';
    const { summary } = config;
    main.textContent = `${formatDay(entry.day)} - ${summary.label.toLowerCase()} ${entry[summary.code] ?? '?'}/${summary.maximum}`;
    const status = document.createElement('span');
    if (record.error) {
      status.className = 'status--error';
      status.textContent = `Not saved: ${record.error}`;
    } else {
      status.className = 'status--waiting';
      status.textContent = 'Waiting to sync';
    }
    li.append(main, status);
    if (record.error) {
      const actions = document.createElement('span');
      actions.className = 'entry__actions';
      actions.append(
        button('Try again', 'btn--secondary', async () => {
          await retry(record.id);
          await sync();
        }),
        button('Discard', 'btn--danger', async () => {
          if (!window.confirm('Discard this entry? It has not been saved on the server.')) return;
          await remove(record.id);
          await renderOutbox();
          announce('Entry discarded');
        }),
      );
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

async function sync() {
  let summary = null;
  try {
    summary = await flush(await freshCsrfToken(), userId);
  } catch (err) {
    console.warn('outbox flush failed', err);
  }
  await renderOutbox();
  return summary;
}

function requestBackgroundSync() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.ready
    .then((reg) => (reg.sync ? reg.sync.register('outbox-sync') : undefined))
    .catch(() => undefined);
}

// A page served from the service worker cache on a later day still has that day as default.
function defaultDayToToday(formEl) {
  const today = localToday();
  const pageToday = formEl.dataset.today;
  if (!pageToday || pageToday === today) return;
  const field = formEl.elements.namedItem('day');
  if (!field) return;
  if (field instanceof HTMLInputElement && field.type !== 'radio') {
    if (field.value === pageToday) { field.value = today; field.defaultValue = today; }
    return;
  }
  const radios = field instanceof RadioNodeList ? [...field] : [field];
  const match = radios.find((r) => r.value === today);
  if (match) {
    radios.forEach((r) => { r.defaultChecked = r === match; r.checked = r === match; });
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
  if (saving) return;
  const entry = entryFromForm(form);
  const missing = config.fields.find((field) => field.required && entry[field.code] === undefined);
  if (missing) {
    announce(config.requiredMessage);
    focusFirst(missing.code);
    return;
  }
  entry.id = crypto.randomUUID();
  // The moment of saving: a late sync still shows when the entry was really written.
  entry.recorded_at = new Date().toISOString();

  const submitButtons = [...form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]')];
  saving = true;
  submitButtons.forEach((b) => { b.disabled = true; b.setAttribute('aria-busy', 'true'); });
  try {
    try {
      await add(entry, userId);
    } catch (err) {
      // Cannot store on this device: fall back to the plain form post (no submit event).
      console.warn('outbox unavailable, posting the form', err);
      saving = false;
      HTMLFormElement.prototype.submit.call(form);
      return;
    }
    await renderOutbox();
    const summary = await sync();
    const records = await all(userId).catch(() => []);
    const mine = records.find((r) => r.id === entry.id);
    // Not sent now: let the browser send it later, even if this page is closed by then.
    if (mine && !mine.error) requestBackgroundSync();
    if (!mine) {
      announce('Saved');
      form.reset();
    } else if (mine.error) {
      // Refused as it stands: drop the queued copy and keep the form filled so it can be fixed.
      await remove(mine.id);
      await renderOutbox();
      announce(`Not saved: ${mine.error}`);
    } else {
      announce(summary && summary.authRequired
        ? 'Saved on this phone - waiting to sync. Sign in again to send it.'
        : 'Saved on this phone - waiting to sync');
      form.reset();
    }
  } finally {
    saving = false;
    submitButtons.forEach((b) => { b.disabled = false; b.removeAttribute('aria-busy'); });
  }
}

function init() {
  if (!form || !userId || !config) return;
  if (!('indexedDB' in self) || !self.crypto || typeof crypto.randomUUID !== 'function') return;
  defaultDayToToday(form);
  form.addEventListener('submit', onSubmit);
  renderOutbox().then((records) => {
    if (records.length && navigator.onLine) sync();
  });
  window.addEventListener('online', () => { sync(); });
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', (event) => {
      if (event.data && event.data.type === 'outbox-synced') {
        renderOutbox().then((records) => {
          if (event.data.summary && event.data.summary.sent && !records.length) announce('All entries synced');
        });
      }
    });
  }
}

init();
