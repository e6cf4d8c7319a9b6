// /diary: the form as the API's JSON body, and back (a queued entry put into the form again to be
// fixed), guided by the measures' configuration the page carries; the server's messages marked
// on the fields they name.
import { announce, config, fixNotice, form } from './diary-page.js';
import { applyPhoneDays, formatDay } from './diary-days.js';

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
export function openForFix(record) {
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

export function endFix() {
  delete form.dataset.fixing;
  markErrors(null);
  form.querySelectorAll('[data-extra-day]').forEach((el) => el.remove());
  if (fixNotice) { fixNotice.hidden = true; fixNotice.textContent = ''; }
}
