// /diary: the page's parts its modules share (diary.js, diary-days.js, diary-form.js,
// diary-outbox.js, yesterday.js): the measures' configuration, the form and its status
// regions, whose outbox records this page shows, and the live region every message goes to.

// Data the page carries as JSON (<script type="application/json" id=...>: CSP allows no inline
// script); null when it is missing or unreadable.
export function readJson(id) {
  const el = document.getElementById(id);
  if (!el) return null;
  try {
    return JSON.parse(el.textContent);
  } catch {
    return null;
  }
}

// The measures (diary/measures.py) come with the page as JSON: no script holds a list of
// fields, so a measure added to the registry is sent without a change here.
export const config = readJson('entry-config');

export const form = document.getElementById('entry-form');
export const statusEl = document.getElementById('save-status');
export const outboxEl = document.getElementById('outbox');
export const outboxSection = document.getElementById('outbox-section');
export const outboxStatus = document.getElementById('outbox-status');
export const fixNotice = document.getElementById('fix-notice');
// Outbox records belong to the user who saved them; only theirs are shown and sent.
export const userId = form ? form.dataset.userId : undefined;
// A carer's page for a patient: the entry names the patient (the server checks that the carer
// logs for them); the outbox's owner stays the carer who saved it (X-Diary-Owner).
export const patientId = form && form.dataset.patientId ? Number(form.dataset.patientId) : undefined;
// The records this page shows: the patient's own page, the patient's; a carer's page, those
// the carer saved for this patient (all of theirs are sent, each to its own patient).
export const forThisPage = (record) => (record.entry.patient_id ?? undefined) === patientId;

// Announce in the polite live region, at once (the save confirmation has 100 ms); the same
// message twice is cleared first so a screen reader reads it again.
let announceTimer = 0;
export function announce(message) {
  if (!statusEl) return;
  clearTimeout(announceTimer);
  if (statusEl.textContent === message) {
    statusEl.textContent = '';
    announceTimer = setTimeout(() => { statusEl.textContent = message; }, 30);
  } else {
    statusEl.textContent = message;
  }
}
