// /diary, "Daily reminder": reminders as notifications on this phone (Web Push), also when the
// diary is closed. Where the browser cannot (no PushManager: e.g. Safari on an iPhone before the
// diary is added to the Home Screen), the patient is told how, and the in-app reminder on
// opening the diary stays. The server's part: /api/v1/me/push/*, `flask send-reminders`.
import { freshCsrfToken } from './app.js';

const box = document.getElementById('push-reminders');
const statusEl = document.getElementById('push-status');
const onButton = document.getElementById('push-on');
const offButton = document.getElementById('push-off');
const iosHint = document.getElementById('push-ios-hint');
const SYNC_KEY = 'diary-push-synced';

function say(text) {
  if (statusEl) statusEl.textContent = text;
}

export function pushSupported(win = window) {
  return 'serviceWorker' in win.navigator && 'PushManager' in win && 'Notification' in win;
}

export function standalone(win = window) {
  return (win.matchMedia && win.matchMedia('(display-mode: standalone)').matches)
    || win.navigator.standalone === true;
}

export function appleMobile(nav = navigator) {
  return /iPhone|iPad|iPod/.test(nav.userAgent)
    || (nav.platform === 'MacIntel' && nav.maxTouchPoints > 1); // iPadOS asks for the desktop site
}

function keyBytes(base64url) {
  const base64 = (base64url + '='.repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function sameKey(subscription, publicKey) {
  const current = subscription.options && subscription.options.applicationServerKey;
  if (!current) return true;
  const wanted = keyBytes(publicKey);
  const have = new Uint8Array(current);
  return have.length === wanted.length && have.every((b, i) => b === wanted[i]);
}

async function post(url, body) {
  const res = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': await freshCsrfToken() },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`the server answered ${res.status}`);
  return res;
}

function show(subscribed) {
  onButton.hidden = subscribed;
  offButton.hidden = !subscribed;
  const time = box.dataset.reminderTime;
  if (subscribed) {
    say(time
      ? `This phone gets a notification at ${time} on days without an entry, and on check-in days.`
      : 'This phone gets notifications, once you choose a reminder time above.');
  } else {
    say('This phone gets no notifications. The diary still reminds you when you open it.');
  }
}

async function registration() {
  return navigator.serviceWorker.ready;
}

async function turnOn() {
  onButton.disabled = true;
  try {
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') {
      say('Notifications are blocked for the diary. Allow them in this browser\'s settings for this site, then try again.');
      return;
    }
    const reg = await registration();
    const subscription = await reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(box.dataset.publicKey),
    });
    await post('/api/v1/me/push/subscriptions', subscription.toJSON());
    localStorage.setItem(SYNC_KEY, `${box.dataset.userId}:${new Date().toDateString()}`);
    show(true);
  } catch (err) {
    say(`Reminders could not be turned on here (${err.message || err}). The diary still reminds you when you open it.`);
  } finally {
    onButton.disabled = false;
  }
}

async function turnOff() {
  offButton.disabled = true;
  try {
    const reg = await registration();
    const subscription = await reg.pushManager.getSubscription();
    if (subscription) {
      const { endpoint } = subscription;
      await subscription.unsubscribe();
      await post('/api/v1/me/push/unsubscribe', { endpoint });
    }
    show(false);
  } catch (err) {
    say(`Could not stop the reminders just now (${err.message || err}). Try again when online.`);
  } finally {
    offButton.disabled = false;
  }
}

// Once a day, tell the server again about this phone's subscription: it may have been removed
// (the push service said it was gone) or belong to someone else who used this phone before.
async function resync(subscription) {
  const stamp = `${box.dataset.userId}:${new Date().toDateString()}`;
  if (localStorage.getItem(SYNC_KEY) === stamp || !navigator.onLine) return;
  try {
    await post('/api/v1/me/push/subscriptions', subscription.toJSON());
    localStorage.setItem(SYNC_KEY, stamp);
  } catch {
    // offline or signed out: tried again next time
  }
}

async function init() {
  box.hidden = false;
  if (!pushSupported()) {
    if (appleMobile() && !standalone()) {
      iosHint.hidden = false;
      say('Safari sends the diary\'s reminders only once the diary is on your Home Screen.');
    } else {
      say('This browser cannot show the diary\'s reminders when the diary is closed. The diary reminds you when you open it.');
    }
    return;
  }
  if (!box.dataset.publicKey) {
    say('Reminders on phones are not set up by your clinic yet. The diary reminds you when you open it.');
    return;
  }
  onButton.addEventListener('click', turnOn);
  offButton.addEventListener('click', turnOff);
  const reg = await registration();
  let subscription = await reg.pushManager.getSubscription();
  if (subscription && !sameKey(subscription, box.dataset.publicKey)) {
    // The clinic changed its keys: this subscription can no longer receive anything.
    await subscription.unsubscribe();
    subscription = null;
  }
  if (subscription && Notification.permission === 'granted') {
    show(true);
    resync(subscription);
  } else {
    show(false);
  }
}

if (box) init();
