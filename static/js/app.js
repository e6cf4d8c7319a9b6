// Loaded on every page: service worker, CSRF token, who the page belongs to, sign-out (also
// offline), and the small behaviours templates ask for with data attributes (the CSP forbids
// inline handlers).

const SESSION_CHANNEL = 'diary-session';
const SESSION_KEY = 'diary-session'; // localStorage: the same news for browsers without channels
const USER_COOKIE = 'diary_user';
const SIGNOUT_COOKIE = 'diary_signout';
const PAGE_CACHE_PREFIX = 'diary-pages-';
const SIGNOUT_TIMEOUT_MS = 4000;

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

// A token fresh from the server, falling back to the page's own. A page served from the service
// worker cache while offline may carry a token that has since expired.
export async function freshCsrfToken() {
  try {
    const res = await fetch('/api/v1/auth/csrf', {
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { Accept: 'application/json' },
      signal: AbortSignal.timeout ? AbortSignal.timeout(5000) : undefined,
    });
    if (res.ok) {
      const body = await res.json();
      if (body && body.csrf_token) {
        const meta = document.querySelector('meta[name="csrf-token"]');
        if (meta) meta.content = body.csrf_token;
        return body.csrf_token;
      }
    }
  } catch {
    // offline: use what the page has
  }
  return csrfToken();
}

/* ---- who this page belongs to, and who the browser's session belongs to -------------------- */

function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const kv = part.trim();
    if (kv.startsWith(`${name}=`)) return decodeURIComponent(kv.slice(name.length + 1));
  }
  return null;
}

// The user the page was made for (data-user-id on <body>), '' on a signed-out page.
export function pageUser() {
  return (document.body && document.body.dataset.userId) || '';
}

// The user whose session this browser holds now; null when signed out or a sign-out is waiting
// to reach the server.
export function sessionUser() {
  if (cookie(SIGNOUT_COOKIE)) return null;
  return cookie(USER_COOKIE) || null;
}

let locked = false;
export function isLocked() {
  return locked;
}

const LOCK_TEXT = {
  'signed-out': ['You are signed out', 'Sign in to open your diary. Entries saved on this phone and not sent yet stay on it, and are sent once their owner signs in again.'],
  'signed-out-offline': ['You are signed out', 'You are signed out on this phone. The server will be told as soon as there is a connection. Entries saved on this phone and not sent yet stay on it, and are sent once their owner signs in again.'],
  'other-user': ['This page is closed', 'Someone else signed in on this phone, so this diary page is closed: nobody sees another person\'s diary. Sign in to continue.'],
};

// Take everything of the patient off the screen and say why; only "Sign in" is left.
export function lockPage(reason = 'signed-out') {
  const [title, text] = LOCK_TEXT[reason] || LOCK_TEXT['signed-out'];
  const main = document.getElementById('main') || document.body;
  const section = document.createElement('section');
  section.className = 'card locked';
  section.id = 'locked';
  section.setAttribute('role', 'alert');
  const h1 = document.createElement('h1');
  h1.textContent = title;
  const p = document.createElement('p');
  p.textContent = text;
  const link = document.createElement('a');
  link.className = 'btn btn--primary btn--block';
  link.href = '/login';
  link.textContent = 'Sign in';
  section.append(h1, p, link);
  main.replaceChildren(section);
  document.querySelectorAll('.site-nav').forEach((nav) => nav.remove());
  document.title = `${title} · diary`;
  if (!locked) {
    locked = true;
    window.dispatchEvent(new CustomEvent('diary:locked', { detail: { reason } }));
  }
}

// The page's user is no longer the session's: lock. Returns true when the page may stay.
export function checkSession() {
  const mine = pageUser();
  if (!mine || locked) return !locked;
  const owner = sessionUser();
  if (owner === mine) return true;
  lockPage(owner ? 'other-user' : 'signed-out');
  return false;
}

let channel = null;
function tellOtherTabs(news) {
  try {
    if (!channel && 'BroadcastChannel' in self) channel = new BroadcastChannel(SESSION_CHANNEL);
    if (channel) channel.postMessage(news);
  } catch {
    // no channel: localStorage below still tells them
  }
  try {
    localStorage.setItem(SESSION_KEY, JSON.stringify({ ...news, at: Date.now() }));
  } catch {
    // private mode without storage
  }
}

function listenToOtherTabs() {
  try {
    if ('BroadcastChannel' in self) {
      channel = channel || new BroadcastChannel(SESSION_CHANNEL);
      channel.addEventListener('message', () => checkSession());
    }
  } catch {
    // ignore
  }
  window.addEventListener('storage', (event) => {
    if (event.key === SESSION_KEY) checkSession();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') checkSession();
  });
  window.addEventListener('pageshow', () => checkSession());
  window.addEventListener('focus', () => checkSession());
}

async function dropCachedPages() {
  if (navigator.serviceWorker && navigator.serviceWorker.controller) {
    navigator.serviceWorker.controller.postMessage({ type: 'clear-pages' });
  }
  if (!('caches' in self)) return;
  try {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith(PAGE_CACHE_PREFIX)).map((n) => caches.delete(n)));
  } catch {
    // nothing cached
  }
}

// Any request carries the pending-sign-out cookie to the server, which ends the session.
function finishSignOutOnServer() {
  if (!cookie(SIGNOUT_COOKIE) || !navigator.onLine) return;
  fetch('/api/v1/me', { credentials: 'same-origin', cache: 'no-store' }).catch(() => undefined);
}

/* Signing out works without a connection: at once the session cookie's companion is dropped and
 * a pending sign-out is noted (cookies, so the service worker and the server see them), other tabs
 * lock, cached pages are deleted and this page shows only "Sign in". Then the server is told; if it
 * cannot be reached, the next request that reaches it finishes the sign-out. */
async function signOut(form) {
  const secure = location.protocol === 'https:' ? '; secure' : '';
  document.cookie = `${SIGNOUT_COOKIE}=1; path=/; max-age=2592000; samesite=lax${secure}`;
  document.cookie = `${USER_COOKIE}=; path=/; max-age=0; samesite=lax${secure}`;
  tellOtherTabs({ type: 'signed-out' });
  lockPage('signed-out');
  await dropCachedPages();
  try {
    const res = await fetch(form.action, {
      method: 'POST',
      body: new FormData(form),
      credentials: 'same-origin',
      redirect: 'manual',
      signal: AbortSignal.timeout ? AbortSignal.timeout(SIGNOUT_TIMEOUT_MS) : undefined,
    });
    if (res.type === 'opaqueredirect' || res.ok) {
      location.replace('/login');
      return;
    }
  } catch {
    // no connection: the pending sign-out waits for one
  }
  lockPage('signed-out-offline');
}

function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((err) => {
    console.warn('service worker registration failed', err);
  });
}

function isLogoutForm(form) {
  try {
    return new URL(form.action, location.href).pathname.replace(/\/$/, '') === '/logout';
  } catch {
    return false;
  }
}

// <form data-confirm="..."> or <button data-confirm="..."> asks before submitting. Capture phase
// on the document, so it runs before any listener on the form itself.
function onSubmit(event) {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const submitter = event.submitter;
  const question = (submitter && submitter.dataset && submitter.dataset.confirm) || form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
    return;
  }
  if (isLogoutForm(form)) {
    event.preventDefault();
    event.stopImmediatePropagation();
    signOut(form);
  }
}

function onClick(event) {
  const target = event.target instanceof Element ? event.target.closest('[data-print]') : null;
  if (target) {
    event.preventDefault();
    window.print();
  }
}

function startSession() {
  const mine = pageUser();
  if (mine) {
    if (checkSession()) tellOtherTabs({ type: 'user', userId: mine });
  } else if (!sessionUser()) {
    tellOtherTabs({ type: 'signed-out' });
  }
  listenToOtherTabs();
  finishSignOutOnServer();
  window.addEventListener('online', finishSignOutOnServer);
}

// Guard: if a template loads this module under another URL (e.g. with ?v=), init only once.
if (!self.__diaryAppStarted) {
  self.__diaryAppStarted = true;
  document.addEventListener('submit', onSubmit, true);
  document.addEventListener('click', onClick);
  startSession();
  if (document.readyState === 'complete') registerServiceWorker();
  else window.addEventListener('load', registerServiceWorker, { once: true });
}
