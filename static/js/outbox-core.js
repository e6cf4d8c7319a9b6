/* The outbox: diary entries saved on this device until the server has them.
 *
 * One file for two worlds: pages import it as an ES module for its side effect, the service
 * worker (a classic script) loads it with importScripts(). So no `export` here: it assigns
 * self.DiaryOutbox, and static/js/outbox.js re-exports that for modules.
 *
 * A record is {id, userId, entry, queuedAt, state, error, errors, errorStatus, lastStatus}.
 *  - `userId` is the user who saved it. A record is sent only while the browser's session is
 *    that user's (the `diary_user` cookie names them) and every send says so in `X-Diary-Owner`:
 *    the server answers 409 `owner_mismatch` instead of filing it under someone else.
 *  - `entry` is the exact JSON body for POST /api/v1/entries with the client-made UUID `id`; the
 *    server treats a repeated id as the same entry, so resending is safe and a retry never mints
 *    a new id. The outbox only creates entries (POST), it never edits (PATCH).
 *  - `state`: 'waiting' (to send), 'refused' (422: the patient fixes it in the form and saves
 *    again), 'conflict' (409: the id is taken; sent again only as a new entry, never retried on
 *    its own). See docs/architecture.md, "The phone's outbox".
 * One sender at a time: every flush, in any tab or the service worker, holds the Web Lock
 * SEND_LOCK and reads the records only once it has it.
 */
(function (global) {
  'use strict';
  if (global.DiaryOutbox) return;

  var DB_NAME = 'diary';
  var DB_VERSION = 1;
  var STORE = 'outbox';
  var ENDPOINT = '/api/v1/entries';
  var CSRF_ENDPOINT = '/api/v1/auth/csrf';
  var OWNER_HEADER = 'X-Diary-Owner';
  var SEND_LOCK = 'diary-outbox-send';
  var USER_COOKIE = 'diary_user';
  var SIGNOUT_COOKIE = 'diary_signout';
  var SEND_TIMEOUT_MS = 15000;
  var TOKEN_TIMEOUT_MS = 5000;

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

  function stateOf(record) {
    if (record.state) return record.state;
    return record.error ? 'refused' : 'waiting'; // records queued before states existed
  }

  // Queue (or replace, after a fix) an entry of `userId`; resolves once it is on the device.
  function add(entry, userId) {
    if (!entry || typeof entry.id !== 'string' || !entry.id) {
      return Promise.reject(new TypeError('outbox entry needs a string id'));
    }
    if (userId === undefined || userId === null || userId === '') {
      return Promise.reject(new TypeError('outbox entry needs the user id'));
    }
    var record = {
      id: entry.id, userId: String(userId), entry: entry, queuedAt: Date.now(),
      state: 'waiting', error: null, errors: null, errorStatus: null, lastStatus: null
    };
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
        .map(function (r) { r.state = stateOf(r); return r; })
        .sort(function (a, b) { return a.queuedAt - b.queuedAt; });
    });
  }

  function remove(id) {
    return tx('readwrite', function (store) { return store.delete(id); });
  }

  function put(record) {
    return tx('readwrite', function (store) { return store.put(record); });
  }

  // A conflicting record (its id is taken on the server) sent again as a new entry.
  function resendAsNew(id, newId) {
    return get(id).then(function (record) {
      if (!record) return null;
      var entry = Object.assign({}, record.entry, { id: newId });
      return remove(id).then(function () { return add(entry, record.userId); });
    });
  }

  /* ---- who the session belongs to (cookies set by the server; see diary/auth/phone_session.py) */

  function cookieFrom(text, name) {
    var parts = (text || '').split(';');
    for (var i = 0; i < parts.length; i++) {
      var kv = parts[i].trim();
      if (kv.indexOf(name + '=') === 0) return decodeURIComponent(kv.slice(name.length + 1));
    }
    return null;
  }

  // The id of the user whose session this browser holds, null when signed out (or a sign-out is
  // waiting to reach the server), undefined when it cannot be told (no cookie access here).
  function sessionOwner() {
    if (global.document && typeof global.document.cookie === 'string') {
      var cookies = global.document.cookie;
      if (cookieFrom(cookies, SIGNOUT_COOKIE)) return Promise.resolve(null);
      return Promise.resolve(cookieFrom(cookies, USER_COOKIE) || null);
    }
    if (global.cookieStore && global.cookieStore.get) {
      return Promise.all([global.cookieStore.get(SIGNOUT_COOKIE), global.cookieStore.get(USER_COOKIE)])
        .then(function (found) {
          if (found[0] && found[0].value) return null;
          return (found[1] && found[1].value) || null;
        })
        .catch(function () { return undefined; });
    }
    return Promise.resolve(undefined);
  }

  /* ---- sending ------------------------------------------------------------------------------ */

  // The message shown for a refused entry: per-field errors when the API gives them.
  // The server's messages are written for the patient ("Least pain cannot be more than worst
  // pain."): shown as they are, in order, without the fields' codes; nested ones (a measure's
  // options) flattened to their texts.
  function messagesOf(node, out) {
    if (typeof node === 'string') out.push(node);
    else if (Array.isArray(node)) node.forEach(function (n) { messagesOf(n, out); });
    else if (node && typeof node === 'object') Object.keys(node).forEach(function (k) { messagesOf(node[k], out); });
    return out;
  }

  function errorMessage(body, status) {
    if (body && body.errors && typeof body.errors === 'object') {
      var parts = messagesOf(body.errors, []);
      if (parts.length) return parts.join(' ');
    }
    if (body && body.error) {
      if (typeof body.error === 'string') return body.error;
      if (body.error.message) return body.error.message;
    }
    return 'The server refused this entry (HTTP ' + status + ').';
  }

  function errorCode(body) {
    return (body && body.error && typeof body.error === 'object' && body.error.code) || null;
  }

  function readJson(response) {
    return response.json().catch(function () { return null; });
  }

  // A hanging connection counts as offline. A timed-out POST may still have arrived; sending the
  // same id again later is safe.
  function timeoutSignal(ms) {
    return (global.AbortSignal && AbortSignal.timeout) ? AbortSignal.timeout(ms) : undefined;
  }

  function send(record, csrfToken) {
    var headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (csrfToken) headers['X-CSRFToken'] = csrfToken;
    headers[OWNER_HEADER] = record.userId;
    return fetch(ENDPOINT, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: headers,
      body: JSON.stringify(record.entry),
      signal: timeoutSignal(SEND_TIMEOUT_MS)
    });
  }

  // A fresh CSRF token from the server (a cached page may carry a stale one). Null when offline
  // or signed out.
  function fetchCsrfToken() {
    return fetch(CSRF_ENDPOINT, {
      credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' },
      signal: timeoutSignal(TOKEN_TIMEOUT_MS)
    })
      .then(function (res) { return res.ok ? readJson(res) : null; })
      .then(function (body) { return (body && body.csrf_token) || null; })
      .catch(function () { return null; });
  }

  // The signed-in user's id from the server (used where cookies cannot be read).
  function fetchUserId() {
    return fetch('/api/v1/me', {
      credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' },
      signal: timeoutSignal(TOKEN_TIMEOUT_MS)
    })
      .then(function (res) { return res.ok ? readJson(res) : null; })
      .then(function (body) { return body && body.id !== undefined ? String(body.id) : null; })
      .catch(function () { return null; });
  }

  // Run fn while holding the one sender lock shared by every tab and the service worker.
  var localChain = Promise.resolve();
  function withSendLock(fn) {
    var locks = global.navigator && global.navigator.locks;
    if (locks && locks.request) return locks.request(SEND_LOCK, function () { return fn(); });
    var run = localChain.then(fn, fn);
    localChain = run.catch(function () { return undefined; });
    return run;
  }

  /* Send the waiting records of `userId`, oldest first. options: {csrfToken, checkOwner}.
   *  200/201 -> removed (sent);
   *  422 (or another 4xx a retry cannot fix) -> state 'refused' with the server's messages;
   *  409 `owner_mismatch` -> stop: the session is someone else's (ownerMismatch);
   *  other 409 -> state 'conflict' (the id is taken), never retried on its own;
   *  401/403 -> stop (authRequired); 400 `csrf_failed` -> one fresh token, then authRequired;
   *  5xx, 408, 429 -> stop (serverError: the server answered, but has a problem);
   *  no answer (network error or timeout) -> stop (offline).
   * Before sending, the session must be the records' owner (else `locked`: 'signed-out' or
   * 'other-user'). Resolves {sent, failed, pending, conflicts, offline, serverError,
   * authRequired, ownerMismatch, locked, sentIds, lastStatus}. */
  function flush(userId, options) {
    if (userId === undefined || userId === null || userId === '') {
      return Promise.reject(new TypeError('flush needs the user id of the records to send'));
    }
    options = options || {};
    return withSendLock(function () { return doFlush(String(userId), options); });
  }

  function doFlush(userId, options) {
    var summary = {
      sent: 0, failed: 0, pending: 0, conflicts: 0, offline: false, serverError: false,
      authRequired: false, ownerMismatch: false, locked: null, sentIds: [], lastStatus: null
    };
    var token = options.csrfToken || null;
    var freshToken = false;

    function withToken() {
      if (token) return Promise.resolve(token);
      freshToken = true;
      return fetchCsrfToken().then(function (t) { token = t; return t; });
    }

    function sendOne(record) {
      return withToken().then(function (t) { return send(record, t); }).then(function (res) {
        summary.lastStatus = res.status;
        if (res.status === 200 || res.status === 201) {
          summary.sent++;
          summary.sentIds.push(record.id);
          return remove(record.id).then(function () { return 'next'; });
        }
        if (res.status >= 500 || res.status === 408 || res.status === 429) {
          summary.serverError = true;
          record.lastStatus = res.status;
          return put(record).then(function () { return 'stop'; });
        }
        return readJson(res).then(function (body) {
          var code = errorCode(body);
          if (res.status === 400 && code === 'csrf_failed' && !freshToken) {
            token = null;
            return sendOne(record);
          }
          if (res.status === 400 && code === 'csrf_failed') { summary.authRequired = true; return 'stop'; }
          if (res.status === 401 || res.status === 403) { summary.authRequired = true; return 'stop'; }
          if (res.status === 409 && code === 'owner_mismatch') { summary.ownerMismatch = true; return 'stop'; }
          record.state = res.status === 409 ? 'conflict' : 'refused';
          record.error = errorMessage(body, res.status);
          record.errors = (body && body.errors) || null;
          record.errorStatus = res.status;
          return put(record).then(function () { return 'next'; });
        });
      }, function () {
        summary.offline = true; // fetch rejects only on network failure (or our timeout)
        return 'stop';
      });
    }

    var check = options.checkOwner === false ? Promise.resolve(userId) : sessionOwner();
    return check.then(function (owner) {
      if (owner === null) { summary.locked = 'signed-out'; return; }
      if (owner !== undefined && owner !== userId) { summary.locked = 'other-user'; return; }
      return all(userId).then(function (records) {
        var queue = records.filter(function (r) { return r.state === 'waiting'; });
        var i = 0;
        function next() {
          if (i >= queue.length) return Promise.resolve();
          return sendOne(queue[i++]).then(function (outcome) { return outcome === 'next' ? next() : undefined; });
        }
        return next();
      });
    }).then(function () { return all(userId); }).then(function (records) {
      records.forEach(function (r) {
        if (r.state === 'waiting') summary.pending++;
        else if (r.state === 'conflict') summary.conflicts++;
        else summary.failed++;
      });
      return summary;
    });
  }

  global.DiaryOutbox = {
    SEND_LOCK: SEND_LOCK,
    OWNER_HEADER: OWNER_HEADER,
    add: add,
    all: all,
    get: get,
    remove: remove,
    resendAsNew: resendAsNew,
    flush: flush,
    sessionOwner: sessionOwner,
    fetchCsrfToken: fetchCsrfToken,
    fetchUserId: fetchUserId
  };
})(self);
