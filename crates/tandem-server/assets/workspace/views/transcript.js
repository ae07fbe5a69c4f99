// The transcript: messages (customer, bot, agent, system, private notes) with their files
// (views/attachments.js) and the event log, in time order, with each message's translation under
// it when translation is on. Every text is set with textContent.

import { post } from "../api.js";
import { h } from "../dom.js";
import { formatTime, t, tv } from "../i18n.js";
import { errorText, toast } from "../notify.js";
import { attachmentList, sameAttachments } from "./attachments.js";
import { translationBlock } from "./translation.js";

const KIND = { contact: "customer", bot: "bot", user: "agent", system: "system" };
const QUIET_EVENTS = new Set(["first_agent_reply"]);
/** How long a reply may stay pending before it shows as not delivered yet. */
const LATE_MS = 60_000;

/**
 * `names`: {user(id) → name, contact → name, channel → channel kind of the inbox};
 * `options.translation`: show translations into the agent's language (and ask for missing ones).
 */
export function createTranscript(names, options = {}) {
  const el = h("div", { id: "transcript", class: "transcript", attrs: { "aria-live": "polite" } });
  const nodes = new Map(); // message or event id → element
  const shown = new Map(); // message id → the message as last rendered
  const nearBottom = () => el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  let stick = true; // the reader is at the end (as of the last scroll)
  el.addEventListener("scroll", () => (stick = nearBottom()));
  // A picture or video that loads after its message was placed makes the transcript taller: a
  // reader at the end stays there.
  for (const type of ["load", "loadedmetadata"]) el.addEventListener(type, () => stick && scrollToEnd(), true);

  function insert(node, time) {
    node.dataset.time = String(Date.parse(time));
    const after = [...el.children].find((child) => Number(child.dataset.time) > Number(node.dataset.time));
    el.insertBefore(node, after || null);
  }

  function addMessage(message) {
    const existing = nodes.get(message.id);
    if (existing) return updateMessage(message);
    const node = renderMessage(message, names, options);
    nodes.set(message.id, node);
    shown.set(message.id, message);
    const atBottom = nearBottom();
    insert(node, message.created_at);
    if (atBottom) el.scrollTop = el.scrollHeight;
  }

  /** A newer state of a message (its delivery, its files fetched): rendered again, but files that
   * did not change keep their elements, so that a playing audio or video goes on. A state
   * without `attachments` keeps the ones shown. */
  function updateMessage(message) {
    const old = nodes.get(message.id);
    if (!old) return addMessage(message);
    const before = shown.get(message.id);
    if (message.attachments === undefined && before) message = { ...message, attachments: before.attachments };
    const node = renderMessage(message, names, options);
    if (before && sameAttachments(before.attachments, message.attachments)) keepAttachments(old, node);
    node.dataset.time = old.dataset.time;
    old.replaceWith(node);
    nodes.set(message.id, node);
    shown.set(message.id, message);
  }

  function addEvent(event) {
    if (nodes.has(event.id) || QUIET_EVENTS.has(event.type)) return;
    const node = h("div", { class: `event-line event-${event.type}` }, h("span", { text: eventText(event, names) }), " ", h("time", { text: formatTime(event.created_at) }));
    nodes.set(event.id, node);
    insert(node, event.created_at);
  }

  function reset(messages, events) {
    el.replaceChildren();
    nodes.clear();
    shown.clear();
    for (const message of messages) addMessage(message);
    for (const event of events) addEvent(event);
  }

  const scrollToEnd = () => (el.scrollTop = el.scrollHeight);

  return { el, reset, addMessage, updateMessage, addEvent, scrollToEnd };
}

function renderMessage(message, names, options) {
  const kind = message.private ? "note" : KIND[message.sender.type] || "system";
  const author =
    message.sender.type === "contact"
      ? names.contact
      : message.sender.type === "user"
        ? names.user(message.sender.id)
        : t("author." + message.sender.type);
  const meta = h(
    "div",
    { class: "message-meta" },
    message.private && h("span", { class: "note-label", text: t("message.note") }),
    h("span", { class: "message-author", text: author }),
    names.channel && h("span", { class: `channel-badge channel-${names.channel}`, text: tv("channel", names.channel) }),
    h("time", { text: formatTime(message.created_at), title: new Date(message.created_at).toLocaleString() }),
    deliveryBadge(message),
    teachButton(message),
  );
  return h(
    "div",
    {
      class: `message message-${kind} message-${message.direction}`,
      attrs: { "data-message-id": message.id, "data-author": KIND[message.sender.type] },
    },
    meta,
    h("div", { class: "message-text", text: message.text, attrs: { lang: message.language } }),
    options.translation && translationBlock(message),
    attachmentList(message.attachments),
    deliveryProblem(message),
  );
}

/** "Teach the bot" on a person's public reply: an admin reviews it under Admin > Learning. */
function teachButton(message) {
  if (message.sender.type !== "user" || message.private || message.direction !== "outbound") return null;
  const button = h("button", { type: "button", class: "teach-bot link-button", text: t("message.teach") });
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await post(`/conversations/${message.conversation_id}/messages/${message.id}/teach`, {});
      toast(t("message.taught"), "ok");
    } catch (e) {
      toast(errorText(e));
      button.disabled = false;
    }
  });
  return button;
}

/** The delivery status of a reply; one still pending a minute after it was written says so. */
function deliveryBadge(message) {
  if (message.direction !== "outbound" || message.private || !message.delivery_status) return null;
  const status = message.delivery_status;
  const badge = h("span", { class: `delivery-status delivery-${status}`, text: tv("delivery", status) });
  if (status !== "pending") return badge;
  const late = () => {
    badge.className = "delivery-status delivery-late";
    badge.textContent = t("delivery.late");
  };
  const wait = Date.parse(message.created_at) + LATE_MS - Date.now();
  // A newer state of the message replaces the badge, which then is no longer in the page.
  if (wait > 0) setTimeout(() => badge.isConnected && late(), wait);
  else late();
  return badge;
}

/** Why a reply did not reach the customer: the provider's reason when the channel gave up. */
function deliveryProblem(message) {
  const failed = message.delivery_status === "failed";
  if (!failed && !message.delivery_error) return null;
  const text = message.delivery_error ? t("delivery.error", { reason: message.delivery_error }) : t("delivery.failedNoReason");
  return h(
    "div",
    { class: failed ? "delivery-error message-delivery-failed" : "delivery-error" },
    failed && h("span", { class: "delivery-warning-icon", attrs: { "aria-hidden": "true" }, text: "⚠" }),
    text,
  );
}

/** Moves the attachments of the message's old element into its new one. */
function keepAttachments(old, node) {
  const kept = old.querySelector(":scope > .message-attachments");
  const fresh = node.querySelector(":scope > .message-attachments");
  if (kept && fresh) fresh.replaceWith(kept);
}

function eventText(event, names) {
  const data = event.data || {};
  const params = {
    agent: names.user(data.agent_id),
    from: names.user(data.from_agent_id),
    to: names.user(data.to_agent_id),
    team: names.team(data.team_id),
    reason: tv("reason", data.reason),
    target: tv("sla.target", data.target),
    priority: data.priority,
    score: data.score,
  };
  const key = event.type === "routed" && !data.team_id ? "routedAny" : event.type;
  const text = t("event." + key, params);
  return event.actor?.type === "user" ? t("event.by", { text, name: names.user(event.actor.id) }) : text;
}
