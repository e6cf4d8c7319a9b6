// "Same as yesterday" on /diary: one tap copies the symptoms, body sites and medications of the
// day before the chosen day into the form (the measures named by the page's configuration,
// `sameAsYesterday`); pain is never copied, it is chosen fresh.
//
// It works offline, from what the phone knows: the page carries the last days' values as JSON
// (<script type="application/json" id="recent-days">, services/yesterday.py), and entries still
// waiting in the outbox (saved offline, not sent yet) are added to them. Without JavaScript the
// button is a link to /diary?copy=yesterday, which the server fills the same way.
import { config, form, forThisPage, readJson } from './diary-page.js';
import { isoDay } from './diary-days.js';
import { writeLines } from './diary-form.js';
import { all } from './outbox.js';

const trigger = document.getElementById('same-as-yesterday');
const statusEl = document.getElementById('copy-status');
const recent = readJson('recent-days') || {};

function dayBefore(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return isoDay(new Date(y, m - 1, d - 1));
}

function shownDay(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(y, m - 1, d).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
}

function chosenDay() {
  const radio = form.querySelector('input[name="day"]:checked');
  return radio ? radio.value : isoDay(new Date());
}

// The day's values: the server's (as the page was made) and the outbox's entries for that day,
// of this page's patient only (a carer's phone holds entries waiting for each child it logs
// for: another child's never fill this one's form).
async function known(day) {
  const sources = recent[day] ? [recent[day]] : [];
  try {
    const waiting = (await all(form.dataset.userId)).filter((record) => record.entry && forThisPage(record));
    waiting.forEach((record) => { if (record.entry.day === day) sources.push(record.entry); });
  } catch {
    // No IndexedDB on this browser: the server's values alone.
  }
  if (!sources.length) return null;
  const values = {};
  for (const code of config.sameAsYesterday) {
    for (const source of sources) {
      const value = source[code];
      if (Array.isArray(value)) values[code] = [...new Set([...(values[code] || []), ...value])];
      else if (value) values[code] = value;
    }
  }
  return values;
}

function say(message) {
  if (!statusEl) return;
  statusEl.textContent = '';
  setTimeout(() => { statusEl.textContent = message; }, 30);
}

function fill(values) {
  const opened = new Set();
  for (const code of config.sameAsYesterday) {
    const field = config.fields.find((f) => f.code === code);
    if (!field) continue;
    const value = values[code];
    const name = CSS.escape(code);
    if (field.kind === 'codes') {
      form.querySelectorAll(`input[type="checkbox"][name="${name}"]`).forEach((box) => {
        box.checked = Array.isArray(value) && value.includes(box.value);
      });
    } else if (field.kind === 'lines') {
      writeLines(form, code, value || []);
    } else {
      const input = form.querySelector(`[name="${name}"]`);
      if (input) input.value = value || '';
    }
    if (value && value.length) {
      const control = form.querySelector(`[name="${name}"]`);
      const details = control && control.closest('details');
      if (details) opened.add(details);
    }
  }
  opened.forEach((details) => { details.open = true; });
  form.dispatchEvent(new Event('diary:filled'));
}

async function copy(event) {
  event.preventDefault();
  const from = dayBefore(chosenDay());
  const values = await known(from);
  if (!values) {
    say(`Nothing was saved for ${shownDay(from)} on this phone, so there is nothing to copy.`);
    return;
  }
  fill(values);
  say(`Copied from ${shownDay(from)}: symptoms, body sites and medications. Choose the pain for this entry.`);
}

function init() {
  if (!form || !trigger || !config || !config.sameAsYesterday) return;
  trigger.setAttribute('role', 'button');
  trigger.addEventListener('click', copy);
  trigger.addEventListener('keydown', (event) => { if (event.key === ' ') copy(event); });
}

init();
