/* diary service worker (classic script, served at /sw.js with Service-Worker-Allowed: /).
 * Sections: install/activate (precache), fetch (pages and static files), sync (the outbox),
 * message. Writes are never touched: the outbox (outbox-core.js) queues them, `sync` replays
 * them. */
'use strict';

importScripts('/static/js/outbox-core.js');

const VERSION = 'v8'; // v8: the Today page's fixes of 7 Dec 2026 reach phones at once
const SHELL_CACHE = `diary-shell-${VERSION}`;
const PAGE_CACHE = `diary-pages-${VERSION}`;
const CURRENT = [SHELL_CACHE, PAGE_CACHE];

// Install fails if one of these cannot be fetched: the app is useless offline without them.
const SHELL = [
  '/offline',
  '/static/css/app.css',
  '/static/js/app.js',
  '/static/js/outbox.js',
  '/static/js/outbox-core.js',
  '/static/js/diary.js',
  '/static/js/diary-page.js',
  '/static/js/diary-days.js',
  '/static/js/diary-form.js',
  '/static/js/diary-outbox.js',
  '/static/js/push.js',
  '/static/js/bodymap.js',
  '/static/js/yesterday.js',
  '/static/manifest.webmanifest',
];
// The clinician's chart files are not here: plotly and charts.js (only the printed report draws
// with them) and review-charts.js (the review's charts are SVG from the server); no patient page
// uses them (the trends chart is SVG from the server too), so a phone would carry 1 MB it never
// uses; a clinician's browser keeps them when a page first asks (staleWhileRevalidate below).
// Nice to have; a failure here must not stop install. /diary needs a session (it redirects to
// /login when signed out), so it is cached only when it answers 200 without a redirect.
const OPTIONAL = [
  '/diary',
  '/static/css/print.css',
  '/static/icons/icon.svg',
  '/static/icons/icon-192.png',
  '/static/icons/icon-512.png',
  '/static/icons/icon-maskable-512.png',
  '/static/icons/apple-touch-icon.png',
];

// Pages never stored: they hold secrets or change who is signed in.
const NO_CACHE_PAGES = /^\/(login|logout|join)(\/|$)/;

function cacheable(response) {
  if (!response || response.status !== 200 || response.redirected || response.type !== 'basic') return false;
  const cc = response.headers.get('Cache-Control') || '';
  return !/no-store/i.test(cc);
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const shell = await caches.open(SHELL_CACHE);
    // Without cookies: the shell (and /offline) is the same for whoever uses the phone.
    await shell.addAll(SHELL.map((url) => new Request(url, { cache: 'reload', credentials: 'omit' })));
    await Promise.all(OPTIONAL.map(async (url) => {
      try {
        const res = await fetch(new Request(url, { cache: 'reload', credentials: 'same-origin' }));
        if (!cacheable(res)) return;
        if (url.startsWith('/static/')) await shell.put(url, res);
        else await keepPage(new Request(new URL(url, self.location.href).href), res);
      } catch {
        // optional: ignore
      }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith('diary-') && !CURRENT.includes(name))
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

/* ---- fetch: pages and static files --------------------------------------------------------
 * Pages: network first with a deadline. A cached copy is used when the network has not answered
 * within NAV_DEADLINE_MS (the network answer still refreshes the cache), when it fails, or when
 * the server errs; but only a copy made for the user whose session the browser holds now
 * (cookie `diary_user`), so a signed-out or expired session never shows anyone's cached diary.
 * Static files: stale-while-revalidate. Writes are never touched. */
const NAV_DEADLINE_MS = 1500;
const NAV_NO_CACHE_WAIT_MS = 20000;
const PAGE_OWNER_HEADER = 'X-Diary-Page-Owner';

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/sw.js') return;

  if (request.mode === 'navigate') {
    event.respondWith(navigate(event, request, url));
  } else if (url.pathname.startsWith('/static/') || url.pathname === '/manifest.webmanifest') {
    event.respondWith(staleWhileRevalidate(event, request));
  }
});

function delay(ms) {
  return new Promise((resolve) => { setTimeout(() => resolve(null), ms); });
}

// The page as stored: the server's answer plus whose page it is (X-Diary-User from the server).
async function keepPage(request, response) {
  const owner = response.headers.get('X-Diary-User');
  if (!owner) return;
  const headers = new Headers(response.headers);
  headers.set(PAGE_OWNER_HEADER, owner);
  const body = await response.blob();
  const cache = await caches.open(PAGE_CACHE);
  await cache.put(request.url, new Response(body, { status: response.status, statusText: response.statusText, headers }));
}

// A cached page of `owner`; the diary's own copy stands in for / and /diary. `owner` null: the
// browser holds no session, nothing is served. undefined: this browser does not let the worker
// read cookies, so the page's own script (app.js) checks and locks instead.
async function cachedPage(url, owner) {
  if (owner === null) return null;
  const pages = await caches.open(PAGE_CACHE);
  let cached = (await pages.match(url.href)) || (await pages.match(url.href, { ignoreSearch: true }));
  if (!cached && (url.pathname === '/diary' || url.pathname === '/')) cached = await pages.match(new URL('/diary', url).href);
  if (!cached) return null;
  return owner === undefined || cached.headers.get(PAGE_OWNER_HEADER) === owner ? cached : null;
}

async function dropPages() {
  await caches.delete(PAGE_CACHE);
}

function signedOutPage() {
  const html = '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    + '<meta name="viewport" content="width=device-width, initial-scale=1">'
    + '<title>Signed out · diary</title><link rel="stylesheet" href="/static/css/app.css"></head>'
    + '<body><main id="main" class="container"><section class="card locked" id="locked">'
    + '<h1>You are signed out</h1><p>Sign in to open your diary. Entries saved on this phone and '
    + 'not sent yet stay on it, and are sent once their owner signs in again.</p>'
    + '<a class="btn btn--primary btn--block" href="/login">Sign in</a></section></main></body></html>';
  return new Response(html, { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' } });
}

async function offlinePage(url, owner) {
  // Nobody signed in: nothing of anyone's diary, only "Sign in".
  if (owner === null && !NO_CACHE_PAGES.test(url.pathname)) return signedOutPage();
  const shell = await caches.match('/offline');
  if (shell) return shell;
  return new Response('<!doctype html><meta charset="utf-8"><title>Offline</title><p>You are offline.</p>', {
    status: 503,
    headers: { 'Content-Type': 'text/html; charset=utf-8' },
  });
}

async function navigate(event, request, url) {
  const owner = await self.DiaryOutbox.sessionOwner();
  const network = fetch(request).then((response) => {
    if (response.redirected && new URL(response.url).pathname === '/login') {
      event.waitUntil(dropPages()); // the session is gone: so are its pages
    } else if (cacheable(response) && !NO_CACHE_PAGES.test(url.pathname)) {
      event.waitUntil(keepPage(request, response.clone()));
    }
    return response;
  });
  network.catch(() => undefined);
  const cached = NO_CACHE_PAGES.test(url.pathname) ? null : await cachedPage(url, owner);
  if (!cached) {
    const answer = await Promise.race([network.catch(() => null), delay(NAV_NO_CACHE_WAIT_MS)]);
    return answer || offlinePage(url, owner);
  }
  const answer = await Promise.race([network.catch(() => null), delay(NAV_DEADLINE_MS)]);
  if (answer && answer.status < 500) return answer;
  event.waitUntil(network.catch(() => undefined));
  return cached;
}

async function staleWhileRevalidate(event, request) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(request, { ignoreVary: true });
  const network = fetch(request).then(async (response) => {
    if (cacheable(response)) await cache.put(request, response.clone());
    return response;
  });
  if (cached) {
    event.waitUntil(network.catch(() => undefined));
    return cached;
  }
  return network;
}

/* ---- sync: the outbox sent by the worker --------------------------------------------------
 * Background Sync: the page registered 'outbox-sync' after queueing an entry. Only the records
 * of the user whose session the browser holds are sent, each with its owner in X-Diary-Owner;
 * the send holds the same Web Lock as the pages' (one sender at a time). */
self.addEventListener('sync', (event) => {
  if (event.tag === 'outbox-sync') event.waitUntil(syncOutbox());
});

async function syncOutbox() {
  let owner = await self.DiaryOutbox.sessionOwner();
  if (owner === undefined) owner = await self.DiaryOutbox.fetchUserId(); // no cookie access
  if (!owner) return; // signed out: the records wait for their owner to sign in again
  const summary = await self.DiaryOutbox.flush(owner);
  const clients = await self.clients.matchAll({ includeUncontrolled: true, type: 'window' });
  clients.forEach((client) => client.postMessage({ type: 'outbox-synced', summary }));
  // Rejecting asks the browser to retry the sync later.
  if (summary.offline || summary.serverError) throw new Error('outbox: not sent yet, will retry');
}

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'clear-pages') {
    event.waitUntil(dropPages());
  } else if (data.type === 'skip-waiting') {
    self.skipWaiting();
  }
});

/* ---- push: reminders ----------------------------------------------------------------------
 * `send-reminders` pushes {title, body, url, tag} (encrypted; the browser decrypts it). The
 * notification says nothing about the patient's health; one tap opens `url` (today's entry,
 * or the check-in), in the diary's open window when there is one. */
const REMINDER_ICON = '/static/icons/icon-192.png';

// The path (and query) of `url` on the diary's own origin; '/diary' for anything else: another
// site, a malformed address, no address at all.
function sameOriginPath(url, origin = self.location.origin) {
  try {
    const target = new URL(url || '/diary', origin);
    return target.origin === origin ? target.pathname + target.search : '/diary';
  } catch {
    return '/diary';
  }
}

// Where a tap on a reminder goes, from plain values (the listener below only carries it out;
// tests/browser/test_push.py asks the installed worker). `windowUrls`: the open windows'
// addresses in the order clients.matchAll gives them; `url`: the notification's. A window
// already on the path is brought to the front as it is; else the first diary window is, and
// goes to the path; else a new window opens on it. Returns {focus: index of the window,
// navigate: path or null} or {open: path}.
function notificationTarget(windowUrls, url, origin = self.location.origin) {
  const path = sameOriginPath(url, origin);
  const windows = windowUrls.map((address) => new URL(address));
  const there = windows.findIndex((w) => w.pathname + w.search === path);
  if (there >= 0) return { focus: there, navigate: null };
  const diary = windows.findIndex((w) => w.pathname.startsWith('/diary'));
  if (diary >= 0) return { focus: diary, navigate: path };
  return { open: path };
}

self.addEventListener('push', (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = {};
  }
  const title = message.title || 'Time for your diary';
  event.waitUntil(self.registration.showNotification(title, {
    body: message.body || 'Tap to log today.',
    tag: message.tag || 'diary-reminder',
    icon: REMINDER_ICON,
    badge: REMINDER_ICON,
    data: { url: sameOriginPath(message.url) },
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = event.notification.data && event.notification.data.url;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const target = notificationTarget(windows.map((client) => client.url), url);
    if (target.open) {
      await self.clients.openWindow(target.open);
      return;
    }
    const focused = await windows[target.focus].focus();
    if (target.navigate && focused && 'navigate' in focused) await focused.navigate(target.navigate);
  })());
});
