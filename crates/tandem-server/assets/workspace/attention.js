// What needs the agent: the conversations assigned to them and their unread customer messages
// (counted as unread.js counts them for the inbox's badges). It keeps the total in the tab title,
// "(3) Tandem", and alerts — a sound, then a desktop notification when the tab is hidden or the
// window is in the background, else an alert in the page — when a conversation is assigned or
// transferred to the agent, and when a customer writes in one of their conversations that they
// are not looking at. Every alert follows the agent's settings (alert-settings.js).

import { getAll } from "./api.js";
import { alertSettings, onAlertSettingsChange } from "./alert-settings.js";
import { playChime } from "./chime.js";
import { showDesktopNotification } from "./desktop.js";
import * as directory from "./directory.js";
import { lang, t } from "./i18n.js";
import { alertToast } from "./notify.js";
import { user } from "./session.js";
import { isUnread, onSeen, seenAt } from "./unread.js";

const TITLE = "Tandem";
const ASSIGNING_EVENTS = new Set(["assigned", "transferred"]);
/** A burst of messages rings once. */
const CHIME_GAP_MS = 1500;
const PREVIEW_CHARS = 140;

const unread = new Map(); // id of a conversation assigned to the agent → unread customer messages
let replay = null; // while the list loads: the frames that came meanwhile, handled after it
let generation = 0; // bumped by every (re)load and stop, so that a late answer is dropped
let loaded = false; // the first load is done: later ones announce what they find new
let hold = null; // while going online: {onAssigned} (holdAssignmentAlerts)
let lastChime = 0;
let unsubscribe = [];

const isMine = (conv) => conv.status === "assigned" && conv.assignee_id === user()?.id;
const isOpen = (id) => location.hash === `#/conversations/${id}`;
/** The agent is looking at the conversation: it is open and the tab is visible. */
const isLooking = (id) => !document.hidden && isOpen(id);

/** Starts counting for the logged-in agent. */
export function startAttention() {
  stopAttention();
  unsubscribe = [onSeen(seen), onAlertSettingsChange(paintTitle)];
  document.addEventListener("visibilitychange", becameVisible);
  load();
}

/** Stops counting and alerting (logout) and gives the tab its plain title back. */
export function stopAttention() {
  generation++;
  replay = null;
  loaded = false;
  hold = null;
  unread.clear();
  for (const stop of unsubscribe) stop();
  unsubscribe = [];
  document.removeEventListener("visibilitychange", becameVisible);
  document.title = TITLE;
}

/** Takes every live frame (live.js). */
export function attentionFrame(frame) {
  // Not started: logged out, or still enrolling in two-factor authentication.
  if (!user() || !unsubscribe.length) return;
  if (frame.type === "resync") {
    load();
    return;
  }
  if (!frame.conversation) return;
  if (replay) replay.push(frame);
  else handle(frame);
}

/**
 * Collects the assignments instead of alerting for each (going-online.js announces them together):
 * `onAssigned(id)` hears each one; the returned `release()` ends the hold.
 */
export function holdAssignmentAlerts(onAssigned) {
  const mine = { onAssigned };
  hold = mine;
  return () => {
    if (hold === mine) hold = null;
  };
}

/**
 * Reads the agent's assigned conversations and counts their unread messages. After a resync, the
 * conversations assigned while the socket was down are announced as assignments.
 */
async function load() {
  const mine = ++generation;
  const before = loaded ? new Set(unread.keys()) : null;
  replay = [];
  try {
    const conversations = await getAll("/conversations", { status: "assigned", assignee_id: "me" });
    const counts = await Promise.all(conversations.map((conv) => countUnread(conv.id, conv.last_message)));
    if (mine !== generation) return;
    unread.clear();
    conversations.forEach((conv, index) => unread.set(conv.id, counts[index]));
    loaded = true;
    for (const conv of conversations) if (before && !before.has(conv.id) && !isLooking(conv.id)) assigned(conv);
  } catch {
    // The title goes without a count until the next resync; alerts still come.
  }
  if (mine !== generation) return;
  const frames = replay;
  replay = null;
  paintTitle();
  for (const frame of frames) handle(frame);
}

/**
 * The unread customer messages of one conversation. `last`, the list's preview of its latest
 * message (undefined: not known), saves reading them when nothing came since it was read.
 */
async function countUnread(id, last) {
  if (isLooking(id)) return 0;
  if (last !== undefined && (!last || Date.parse(last.created_at) <= seenAt(id))) return 0;
  const messages = await getAll(`/conversations/${id}/messages`);
  return messages.filter(isUnread).length;
}

function handle(frame) {
  const conv = frame.conversation;
  if (!isMine(conv)) {
    if (unread.delete(conv.id)) paintTitle();
    return;
  }
  const message = frame.type === "message.created" ? frame.message : null;
  const fromCustomer = Boolean(message && message.direction === "inbound" && !message.private);
  const known = unread.has(conv.id);
  if (!known) {
    unread.set(conv.id, 0);
    recount(conv.id);
  } else if (fromCustomer && !isLooking(conv.id)) {
    unread.set(conv.id, unread.get(conv.id) + 1);
    paintTitle();
  }
  if (isLooking(conv.id)) return;
  if (!known && (frame.events || []).some((name) => ASSIGNING_EVENTS.has(name))) assigned(conv);
  else if (fromCustomer) announce("message", conv, message.text);
}

async function recount(id) {
  const mine = generation;
  try {
    const count = await countUnread(id);
    if (mine !== generation || !unread.has(id)) return;
    unread.set(id, count);
    paintTitle();
  } catch {
    // Counted again at the next message or resync.
  }
}

function assigned(conv) {
  if (hold) hold.onAssigned(conv.id);
  else announce("assigned", conv);
}

/** Rings and shows the alert for a conversation: `kind` is "assigned" or "message". */
async function announce(kind, conv, text) {
  const settings = alertSettings();
  const now = Date.now();
  if (settings.sound && now - lastChime >= CHIME_GAP_MS) {
    lastChime = now;
    playChime(kind);
  }
  const mine = generation;
  const contact = await directory.contact(conv.contact_id).catch(() => null);
  if (mine !== generation) return;
  const name = directory.contactName(contact);
  const title = kind === "assigned" ? t("alerts.assigned") : t("alerts.message", { name });
  const body = kind === "assigned" ? name : preview(text);
  const href = `#/conversations/${conv.id}`;
  if (document.hidden || !document.hasFocus()) {
    if (settings.desktop) showDesktopNotification({ title, body, tag: conv.id, lang: lang(), open: () => (location.hash = href) });
  } else if (kind === "assigned" || !listOnScreen()) {
    // A message in another of the agent's conversations already shows in the list beside them.
    alertToast(title, body, href);
  }
}

const listOnScreen = () => Boolean(document.getElementById("conversation-list")?.offsetParent);

function preview(text) {
  const line = String(text || "").replace(/\s+/g, " ").trim();
  return line.length > PREVIEW_CHARS ? line.slice(0, PREVIEW_CHARS - 1) + "…" : line;
}

/** A conversation read in a visible tab has nothing unread; a hidden tab reads nothing. */
function seen(id) {
  if (document.hidden || !unread.has(id)) return;
  unread.set(id, 0);
  paintTitle();
}

/** Back in the tab: the open conversation is read (its view marked it so). */
function becameVisible() {
  if (document.hidden) return;
  const id = location.hash.match(/^#\/conversations\/([^/]+)/)?.[1];
  if (id) seen(id);
}

function paintTitle() {
  let total = 0;
  for (const count of unread.values()) total += count;
  const shown = alertSettings().title && total > 0;
  document.title = shown ? `(${total > 99 ? "99+" : total}) ${TITLE}` : TITLE;
}
