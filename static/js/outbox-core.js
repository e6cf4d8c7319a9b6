/* The outbox: diary entries saved on this device until the server has them.
 *
 * One file for two worlds: pages import it as an ES module for its side effect, the service
 * worker (a classic script) loads it with importScripts(). So no `export` here: it assigns
 * self.DiaryOutbox, and static/js/outbox.js re-exports that for modules.
 *
 * Each record is {id, userId, entry, queuedAt, error}. `userId` is the signed-in user who saved
 * it: a shared phone never shows or sends one person's entries under another's session.
 * `entry` is the exact JSON body for
 * POST /api/v1/entries and carries the client-made UUID `id`; the server treats a repeated id as
 * the same entry, so resending is safe and a retry must never mint a new id.
 */
(function (global) {
  'use strict';
  if (global.DiaryOutbox) return;

  var DB_NAME = 'diary';
  var DB_VERSION = 1;
  var STORE = 'outbox';
  var ENDPOINT = '/api/v1/entries';
  var CSRF_ENDPOINT = '/api/v1/auth/csrf';
  var SEND_TIMEOUT_MS = 20000;

  var dbPromise = null;

  function openDb() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      if (!global.indexedDB) { reject(new Error('IndexedDB is not available')); return; }
      var req = global.indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'id' });
      };
      req.onsuccess = function () {
        var db = req.result;
        // Another tab upgrading the schema: let it, and reopen on next use.
        db.onversionchange = function () { db.close(); dbPromise = null; };
        resolve(db);
      };
      req.onerror = function () { reject(req.error); };
      req.onblocked = function () { reject(new Error('IndexedDB open blocked')); };
    });
    dbPromise.catch(function () { dbPromise = null; });
    return dbPromise;
  }

  // Run fn(store) in one transaction; resolve with the value of the request fn returns (if any)
  // once the transaction has committed, so callers never see a write that could still roll back.
  function tx(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var req = fn(t.objectStore(STORE));
        t.oncomplete = function () { resolve(req ? req.result : undefined); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error || new Error('transaction aborted')); };
      });
    });
  }

  function add(entry, userId) {
    if (!entry || typeof entry.id !== 'string' || !entry.id) {
      return Promise.reject(new TypeError('outbox entry needs a string id'));
    }
    if (userId === undefined || userId === null || userId === '') {
      return Promise.reject(new TypeError('outbox entry needs the user id'));
    }
    var record = { id: entry.id, userId: String(userId), entry: entry, queuedAt: Date.now(), error: null };
    return tx('readwrite', function (store) { return store.put(record); }).then(function () { return record; });
  }

  function get(id) {
    return tx('readonly', function (store) { return store.get(id); });
  }

  // The records of `userId`, oldest first (every user's when userId is undefined).
  function all(userId) {
    return tx('readonly', function (store) { return store.getAll(); }).then(function (rows) {
      return (rows || [])
        .filter(function (r) { return userId === undefined || r.userId === String(userId); })
        .sort(function (a, b) { return a.queuedAt - b.queuedAt; });
    });
  }

  function remove(id) {
    return tx('readwrite', function (store) { return store.delete(id); });
  }

  function put(record) {
    return tx('readwrite', function (store) { return store.put(record); });
  }

  // Clear an error so the next flush sends the entry again (after the user chose "Try again").
  function retry(id) {
    return get(id).then(function (record) {
      if (!record) return;
      record.error = null;
      return put(record);
    });
  }

  // The message shown for a refused entry: per-field errors when the API gives them.
  function errorMessage(body, status) {
    if (body && body.errors && typeof body.errors === 'object') {
      var parts = [];
      Object.keys(body.errors).forEach(function (field) {
        var msgs = body.errors[field];
        if (Array.isArray(msgs)) msgs = msgs.join(' ');
        else if (msgs && typeof msgs === 'object') msgs = JSON.stringify(msgs);
        parts.push(field + ': ' + msgs);
      });
      if (parts.length) return parts.join('; ');
    }
    if (body && body.error) {
      if (typeof body.error === 'string') return body.error;
      if (body.error.message) return body.error.message;
    }
    return 'The server refused this entry (HTTP ' + status + ').';
  }

  function readJson(response) {
    return response.json().catch(function () { return null; });
  }

  function send(entry, csrfToken) {
    var headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (csrfToken) headers['X-CSRFToken'] = csrfToken;
    return fetch(ENDPOINT, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: headers,
      body: JSON.stringify(entry),
      signal: timeoutSignal(SEND_TIMEOUT_MS)
    });
  }

  // A hanging connection counts as offline. A timed-out POST may still have arrived; sending the
  // same id again later is safe.
  function timeoutSignal(ms) {
    return (global.AbortSignal && AbortSignal.timeout) ? AbortSignal.timeout(ms) : undefined;
  }

  /* Send every entry of `userId` without an error, oldest first (the session must be theirs).
   *  200/201 -> removed; 422/409 (or another 4xx that a retry cannot fix) -> kept with `error`;
   *  network error, 5xx, 408, 429 -> stop, keep the rest (offline: true);
   *  400/401/403 (expired session or CSRF token) -> stop, keep the rest (authRequired: true).
   * Resolves {sent, failed, pending, offline, authRequired}: failed = records with an error,
   * pending = records still waiting to be sent (failed ones not counted). */
  var inFlight = null;

  function flush(csrfToken, userId) {
    if (userId === undefined || userId === null || userId === '') {
      return Promise.reject(new TypeError('flush needs the signed-in user id'));
    }
    if (inFlight) return inFlight;
    inFlight = doFlush(csrfToken, String(userId)).finally(function () { inFlight = null; });
    return inFlight;
  }

  function doFlush(csrfToken, userId) {
    var summary = { sent: 0, failed: 0, pending: 0, offline: false, authRequired: false };
    return all(userId).then(function (records) {
      var queue = records.filter(function (r) { return !r.error; });
      var i = 0;
      function next() {
        if (i >= queue.length) return Promise.resolve();
        var record = queue[i++];
        return send(record.entry, csrfToken).then(function (res) {
          if (res.status === 200 || res.status === 201) {
            summary.sent++;
            return remove(record.id).then(next);
          }
          if (res.status >= 500 || res.status === 408 || res.status === 429) {
            summary.offline = true;
            return;
          }
          if (res.status === 400 || res.status === 401 || res.status === 403) {
            summary.authRequired = true;
            return;
          }
          return readJson(res).then(function (body) {
            record.error = errorMessage(body, res.status);
            record.errorStatus = res.status;
            return put(record);
          }).then(next);
        }, function () {
          summary.offline = true; // fetch rejects only on network failure
        });
      }
      return next();
    }).then(function () { return all(userId); }).then(function (records) {
      records.forEach(function (r) { if (r.error) summary.failed++; else summary.pending++; });
      return summary;
    });
  }

  // A fresh CSRF token from the server (a cached page may carry a stale one). Null when offline
  // or signed out.
  function fetchCsrfToken() {
    return fetch(CSRF_ENDPOINT, {
      credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' },
      signal: timeoutSignal(8000)
    })
      .then(function (res) { return res.ok ? readJson(res) : null; })
      .then(function (body) { return (body && body.csrf_token) || null; })
      .catch(function () { return null; });
  }

  // The signed-in user's id, for the service worker (which has no page to read it from).
  function fetchUserId() {
    return fetch('/api/v1/me', {
      credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' },
      signal: timeoutSignal(8000)
    })
      .then(function (res) { return res.ok ? readJson(res) : null; })
      .then(function (body) { return body && body.id !== undefined ? String(body.id) : null; })
      .catch(function () { return null; });
  }

  global.DiaryOutbox = {
    add: add,
    all: all,
    get: get,
    remove: remove,
    retry: retry,
    flush: flush,
    fetchCsrfToken: fetchCsrfToken,
    fetchUserId: fetchUserId
  };
})(self);
