/* diary service worker (classic script, served at /sw.js with Service-Worker-Allowed: /).
 * Pages: network first, then the cached copy. Static files: stale-while-revalidate.
 * Writes are never touched: the outbox (outbox-core.js) queues them, and `sync` replays them. */
'use strict';

importScripts('/static/js/outbox-core.js');

const VERSION = 'v2';
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
  '/static/manifest.webmanifest',
];
// Nice to have; a failure here must not stop install. /diary needs a session (it redirects to
// /login when signed out), so it is cached only when it answers 200 without a redirect.
const OPTIONAL = [
  '/diary',
  '/static/css/print.css',
  '/static/css/plotly-csp.css',
  '/static/vendor/plotly-diary.min.js',
  '/static/js/charts.js',
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
    await shell.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' })));
    const pages = await caches.open(PAGE_CACHE);
    await Promise.all(OPTIONAL.map(async (url) => {
      try {
        const res = await fetch(new Request(url, { cache: 'reload', credentials: 'same-origin' }));
        if (cacheable(res)) await (url.startsWith('/static/') ? shell : pages).put(url, res);
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

async function navigate(event, request, url) {
  try {
    const response = await fetch(request);
    if (cacheable(response) && !NO_CACHE_PAGES.test(url.pathname)) {
      const copy = response.clone();
      event.waitUntil(caches.open(PAGE_CACHE).then((cache) => cache.put(request.url, copy)));
    }
    return response;
  } catch (err) {
    const pages = await caches.open(PAGE_CACHE);
    const cached = (await pages.match(request.url)) || (await pages.match(request.url, { ignoreSearch: true }));
    if (cached) return cached;
    // Today's form works offline; other pages not kept say so and link to it (/offline).
    if (url.pathname === '/diary' || url.pathname === '/') {
      const diary = await caches.match('/diary');
      if (diary) return diary;
    }
    const offline = await caches.match('/offline');
    if (offline) return offline;
    return new Response('<!doctype html><meta charset="utf-8"><title>Offline</title><p>You are offline.</p>', {
      status: 503,
      headers: { 'Content-Type': 'text/html; charset=utf-8' },
    });
  }
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

// Background Sync: the page registered 'outbox-sync' after queueing an entry.
self.addEventListener('sync', (event) => {
  if (event.tag === 'outbox-sync') event.waitUntil(syncOutbox());
});

async function syncOutbox() {
  const token = await self.DiaryOutbox.fetchCsrfToken();
  if (!token) throw new Error('no CSRF token (offline or signed out); retry later');
  // Only the signed-in user's entries: the session would file anyone else's under them.
  const userId = await self.DiaryOutbox.fetchUserId();
  if (!userId) throw new Error('signed-in user unknown; retry later');
  const summary = await self.DiaryOutbox.flush(token, userId);
  const clients = await self.clients.matchAll({ includeUncontrolled: true, type: 'window' });
  clients.forEach((client) => client.postMessage({ type: 'outbox-synced', summary }));
  // Rejecting asks the browser to retry the sync later.
  if (summary.offline) throw new Error('outbox: server unreachable, will retry');
}

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'clear-pages') {
    event.waitUntil(caches.delete(PAGE_CACHE));
  } else if (data.type === 'skip-waiting') {
    self.skipWaiting();
  }
});
