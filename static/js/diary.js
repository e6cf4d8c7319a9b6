// /diary: the "log a day" form, made to work offline. Without JS (or without IndexedDB or
// crypto.randomUUID, e.g. on plain http) the form is left alone and posts to /diary as usual.
//
// Saving puts the entry in the outbox (IndexedDB) and says "Saved on this phone" at once; the
// send runs after that and ends in "Sent" or in a state the patient can act on (see
// docs/architecture.md, "The phone's outbox"). The page's parts are in diary-page.js, the
// phone's days in diary-days.js, the form and its JSON in diary-form.js, the outbox's list and
// sending in diary-outbox.js; this module saves and starts them.
import { checkSession, isLocked } from './app.js';
import { add, all } from './outbox.js';
import { announce, config, form, patientId, userId } from './diary-page.js';
import { applyPhoneDays, armMidnightTimer, isoDay, stopMidnightTimer, wake } from './diary-days.js';
import { endFix, entryFromForm, openForFix } from './diary-form.js';
import { renderOutbox, resetRetries, stopRetries, sync } from './diary-outbox.js';

// A sent entry of today joins "Today so far" as the server lists it (patient/_today_list.html),
// newest first: the page, made before it, would still say "Nothing saved yet today."
function listSent(entry) {
  const list = document.getElementById('today-list');
  if (!list || list.hidden || entry.day !== isoDay(new Date())) return;
  const { code, maximum } = config.summary;
  if (entry[code] === undefined) return;
  let items = list.querySelector('ul.entry-list');
  if (!items) {
    list.textContent = '';
    items = document.createElement('ul');
    items.className = 'entry-list';
    list.append(items);
  }
  const at = new Date(entry.recorded_at);
  const time = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
  const item = document.createElement('li');
  item.className = 'entry';
  const text = document.createElement('span');
  text.className = 'entry__main';
  text.textContent = `Pain ${entry[code]} out of ${maximum}, saved at ${time}`;
  item.append(text);
  items.prepend(item);
}

// The end of one save: what happened to that entry.
async function reportSave(id, summary, entry) {
  if (isLocked()) return;
  const records = await all(userId).catch(() => []);
  const mine = records.find((r) => r.id === id);
  if (!mine) {
    if (entry) listSent(entry);
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
  await reportSave(entry.id, summary, entry);
}

function init() {
  if (!form || !userId || !config) return;
  if (!('indexedDB' in self) || !self.crypto || typeof crypto.randomUUID !== 'function') return;
  applyPhoneDays();
  armMidnightTimer();
  document.addEventListener('visibilitychange', wake);
  window.addEventListener('pageshow', wake);
  form.addEventListener('submit', onSubmit);
  window.addEventListener('diary:locked', () => { stopRetries(); stopMidnightTimer(); });
  renderOutbox().then((records) => {
    if (records.some((r) => r.state === 'waiting') && navigator.onLine) sync();
  });
  window.addEventListener('online', () => { resetRetries(); sync(); });
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
