// Loaded on every page: service worker, CSRF token, and the small behaviours templates ask for
// with data attributes (the CSP forbids inline handlers).

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
      signal: AbortSignal.timeout ? AbortSignal.timeout(8000) : undefined,
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
  // Signing out: drop cached pages (they hold this person's data) from the service worker cache.
  if (isLogoutForm(form) && navigator.serviceWorker && navigator.serviceWorker.controller) {
    navigator.serviceWorker.controller.postMessage({ type: 'clear-pages' });
  }
}

function onClick(event) {
  const target = event.target instanceof Element ? event.target.closest('[data-print]') : null;
  if (target) {
    event.preventDefault();
    window.print();
  }
}

// Guard: if a template loads this module under another URL (e.g. with ?v=), init only once.
if (!self.__diaryAppStarted) {
  self.__diaryAppStarted = true;
  document.addEventListener('submit', onSubmit, true);
  document.addEventListener('click', onClick);
  if (document.readyState === 'complete') registerServiceWorker();
  else window.addEventListener('load', registerServiceWorker, { once: true });
}
