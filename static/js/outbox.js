// ES-module face of the outbox. The logic lives in outbox-core.js, which the service worker also
// loads with importScripts(); importing it here runs it once and fills self.DiaryOutbox.
import './outbox-core.js';

const core = self.DiaryOutbox;

export const add = (entry, userId) => core.add(entry, userId);
export const all = (userId) => core.all(userId);
export const get = (id) => core.get(id);
export const remove = (id) => core.remove(id);
export const resendAsNew = (id, newId) => core.resendAsNew(id, newId);
export const flush = (userId, options) => core.flush(userId, options);
export const sessionOwner = () => core.sessionOwner();
export const fetchCsrfToken = () => core.fetchCsrfToken();
