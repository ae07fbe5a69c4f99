// One row of the inbox list: contact, channel, preview, status, priority, SLA timer, unread.

import { contactName } from "../directory.js";
import { h } from "../dom.js";
import { formatTime, t, tv } from "../i18n.js";
import { paintClock } from "../sla.js";

export function createRow(id) {
  const parts = {
    name: h("span", { class: "contact-name" }),
    channel: h("span", { class: "channel-badge" }),
    priority: h("span", { class: "priority-badge", hidden: true }),
    unread: h("span", { class: "unread-badge", hidden: true }),
    preview: h("div", { class: "conversation-preview" }),
    status: h("span", { class: "conversation-status" }),
    sla: h("span", { class: "sla-timer", hidden: true }),
    time: h("span", { class: "conversation-time" }),
  };
  const el = h(
    "a",
    { class: "conversation-row", href: `#/conversations/${id}`, attrs: { "data-conversation-id": id } },
    h("div", { class: "row-line" }, parts.name, parts.channel, parts.priority, parts.unread),
    parts.preview,
    h("div", { class: "row-line row-meta" }, parts.status, parts.sla, parts.time),
  );
  return { el, parts };
}

/** Priority as a level: "high" from 20 (a high-value contact), "raised" above 0. */
function priorityLevel(priority) {
  if (!priority) return null;
  return priority >= 20 ? "high" : "raised";
}

/** Paints `row` from an entry: {conv, contact, inbox, last, unread, priority, clock}. */
export function paintRow(row, entry, selected) {
  const { parts, el } = row;
  const { conv } = entry;
  el.classList.toggle("selected", selected);
  el.classList.toggle("has-unread", entry.unread > 0);
  el.dataset.status = conv.status;
  parts.name.textContent = contactName(entry.contact);
  const channel = entry.inbox?.channel;
  parts.channel.textContent = channel ? tv("channel", channel) : "";
  parts.channel.className = `channel-badge channel-${channel || "unknown"}`;
  const level = priorityLevel(entry.priority);
  parts.priority.hidden = !level;
  if (level) {
    parts.priority.textContent = t("priority." + level);
    parts.priority.title = t("priority.value", { value: entry.priority });
    parts.priority.className = `priority-badge priority-${level}`;
  }
  parts.unread.hidden = !entry.unread;
  parts.unread.textContent = entry.unread > 99 ? "99+" : String(entry.unread || "");
  parts.unread.title = t("inbox.unread", { count: entry.unread || 0 });
  const last = entry.last;
  parts.preview.textContent = last ? (last.private ? t("message.notePrefix") + " " : "") + last.text : "";
  parts.preview.classList.toggle("preview-note", Boolean(last?.private));
  parts.status.textContent = tv("status", conv.status);
  parts.status.className = `conversation-status status-${conv.status}`;
  parts.status.dataset.status = conv.status;
  parts.time.textContent = formatTime(conv.last_activity_at);
  paintClock(parts.sla, entry.clock);
}

/** Repaints only the SLA timer (called every second). */
export function tickRow(row, entry) {
  paintClock(row.parts.sla, entry.clock);
}
