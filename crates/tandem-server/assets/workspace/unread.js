// Unread counts: customer messages received since this agent last opened the conversation.
// When each conversation was last opened is kept per user in localStorage; `onSeen` tells the
// tab title's count (attention.js) when a conversation is read.

import { user } from "./session.js";

const storageKey = () => `tandem.seen.${user()?.id}`;
const seenListeners = new Set();

/** Calls `fn(conversationId)` whenever a conversation is marked read; returns the unsubscriber. */
export function onSeen(fn) {
  seenListeners.add(fn);
  return () => seenListeners.delete(fn);
}

function load() {
  try {
    return JSON.parse(localStorage.getItem(storageKey())) || {};
  } catch {
    return {};
  }
}

/** Records that the conversation was read up to `latest` (a message time) or now. */
export function markSeen(conversationId, latest) {
  const seen = load();
  seen[conversationId] = Math.max(Date.now(), latest ? Date.parse(latest) : 0);
  localStorage.setItem(storageKey(), JSON.stringify(seen));
  for (const fn of seenListeners) fn(conversationId);
}

/** When this agent last read the conversation (ms since the epoch; 0 for never). */
export function seenAt(conversationId) {
  return load()[conversationId] || 0;
}

/** Whether `message` counts as unread in its conversation. */
export function isUnread(message) {
  if (message.direction !== "inbound" || message.private) return false;
  const seenAt = load()[message.conversation_id] || 0;
  return Date.parse(message.created_at) > seenAt;
}
