// /diary: the day, from the phone's own clock and time zone. "Today" and "Yesterday" are the
// phone's today and yesterday, whatever day the page was made on (a copy from the service
// worker's cache may be days old), and they move on at midnight and when the page wakes.
import { checkSession } from './app.js';
import { form } from './diary-page.js';

export function isoDay(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function daysAgo(n, now = new Date()) {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() - n);
}

export function formatDay(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
  if (!m) return iso || 'No date';
  const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return date.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
}

// The chip that was chosen stays chosen; the value saved is the date shown next to it.
export function applyPhoneDays() {
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
    // A copy made on an earlier day of the phone's own clock (the service worker's, days
    // old) lists another day's entries. A fresh page whose patient's zone is not the phone's
    // is not stale: its day is the patient's (data-day), made today here.
    const made = section.dataset.madeAt ? new Date(section.dataset.madeAt) : null;
    const madeDay = made && !Number.isNaN(made.getTime()) ? isoDay(made) : section.dataset.day;
    const stale = madeDay !== today;
    const list = document.getElementById('today-list');
    const staleText = document.getElementById('today-stale');
    if (list) list.hidden = stale;
    if (staleText) staleText.hidden = !stale;
  }
}

// At the phone's next local midnight (and again every midnight after it).
let midnightTimer = 0;
export function armMidnightTimer() {
  clearTimeout(midnightTimer);
  const now = new Date();
  const next = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 0, 0, 1);
  midnightTimer = setTimeout(() => { applyPhoneDays(); armMidnightTimer(); }, Math.max(1000, next - now));
}

export function stopMidnightTimer() {
  clearTimeout(midnightTimer);
}

export function wake() {
  if (document.visibilityState && document.visibilityState !== 'visible') return;
  if (!checkSession()) return;
  applyPhoneDays();
  armMidnightTimer();
}
