// One row of the inbox list: a checkbox for bulk actions beside the link that opens the
// conversation (contact, channel, preview, labels, status, priority, SLA timer, unread).

import { contactName } from "../directory.js";
import { h, replace } from "../dom.js";
import { formatTime, t, tv } from "../i18n.js";
import { paintClock } from "../sla.js";
import { labelChips } from "./labels.js";

/**
 * The row's element is a list item holding the checkbox (class row-select) and the link
 * (a.conversation-row), so that ticking the box never opens the conversation. `toggled(id,
 * checked)` reports the box's changes.
 */
export function createRow(id, toggled = () => {}) {
  const parts = {
    name: h("span", { class: "contact-name" }),
    channel: h("span", { class: "channel-badge" }),
    priority: h("span", { class: "priority-badge", hidden: true }),
    unread: h("span", { class: "unread-badge", hidden: true }),
    preview: h("div", { class: "conversation-preview" }),
    labels: h("div", { class: "row-labels", hidden: true }),
    status: h("span", { class: "conversation-status" }),
    sla: h("span", { class: "sla-timer", hidden: true }),
    time: h("span", { class: "conversation-time" }),
  };
  const link = h(
    "a",
    { class: "conversation-row", href: `#/conversations/${id}`, attrs: { "data-conversation-id": id } },
    h("div", { class: "row-line" }, parts.name, parts.channel, parts.priority, parts.unread),
    parts.preview,
    parts.labels,
    h("div", { class: "row-line row-meta" }, parts.status, parts.sla, parts.time),
  );
  const select = h("input", { type: "checkbox", class: "row-select", attrs: { "aria-label": t("bulk.select") } });
  select.addEventListener("change", () => toggled(id, select.checked));
  const el = h("div", { class: "conversation-item", attrs: { role: "listitem", "data-conversation-id": id } }, select, link);
  return { el, link, select, parts };
}

/** Ticks or clears the row's checkbox (without reporting it). */
export function setRowChecked(row, checked) {
  row.select.checked = checked;
  row.el.classList.toggle("checked", checked);
}

/** Priority as a level: "high" from 20 (a high-value contact), "raised" above 0. */
function priorityLevel(priority) {
  if (!priority) return null;
  return priority >= 20 ? "high" : "raised";
}

/** Paints `row` from an entry: {conv, contact, inbox, last, unread, priority, clock}. */
export function paintRow(row, entry, selected) {
  const { parts, el, link } = row;
  const { conv } = entry;
  link.classList.toggle("selected", selected);
  link.classList.toggle("has-unread", entry.unread > 0);
  el.classList.toggle("selected", selected);
  link.dataset.status = conv.status;
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
  const labels = conv.labels || [];
  parts.labels.hidden = !labels.length;
  replace(parts.labels, labelChips(labels));
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
