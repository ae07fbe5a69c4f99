// The inbox's search (GET /search): a field over the conversation list and, while it holds two
// characters or more, the matching conversations (with their highlighted snippets) and contacts in
// place of the list. Escape or clearing the field brings the list back.

import { get, query } from "../api.js";
import { contactNameSpan } from "../contact-name.js";
import { debounce } from "../debounce.js";
import * as directory from "../directory.js";
import { h, replace } from "../dom.js";
import { formatTime, t, tv } from "../i18n.js";
import { errorText } from "../notify.js";
import { contactSummary } from "./contact-parts.js";

const TYPING_MS = 250;
const MIN_CHARS = 2;
const SNIPPETS = 3;

/**
 * `filters()` gives the list's server filters (status, inbox_id, label, assignee_id), passed
 * along; `matches(conv)` applies the list's other filters to the conversations found;
 * `showing(on)` hides the list while results are shown. Returns {field, results, refresh(),
 * destroy()}: `refresh` searches again (the filters changed).
 */
export function createSearch({ filters, matches, showing }) {
  const input = h("input", {
    type: "search",
    id: "conversation-search",
    placeholder: t("search.placeholder"),
    attrs: { autocomplete: "off", "aria-controls": "search-results" },
  });
  const field = h("div", { class: "conversation-search" }, h("label", { class: "visually-hidden", attrs: { for: "conversation-search" }, text: t("search.label") }), input);
  const status = h("p", { id: "search-status", class: "search-status", attrs: { role: "status" } });
  const content = h("div", { class: "search-content" });
  const results = h("div", { id: "search-results", class: "search-results", hidden: true, attrs: { role: "region", "aria-label": t("search.results") } }, status, content);
  let seq = 0;
  let active = false;

  const text = () => input.value.trim();
  const longEnough = () => Array.from(text()).length >= MIN_CHARS;

  function show(on) {
    if (active === on) return;
    active = on;
    results.hidden = !on;
    showing(on);
  }

  /** Back to the list: drops a pending or running search. */
  function stop() {
    runSoon.cancel();
    seq += 1;
    show(false);
    content.replaceChildren();
    status.textContent = "";
  }

  async function run() {
    if (!longEnough()) return stop();
    const mine = ++seq;
    const q = text();
    show(true);
    status.textContent = t("search.searching");
    try {
      const [found, inboxes] = await Promise.all([get("/search" + query({ ...filters(), q })), directory.inboxes()]);
      if (mine !== seq) return;
      paint(q, found, directory.byId(inboxes));
    } catch (e) {
      if (mine !== seq) return;
      status.textContent = "";
      replace(content, h("p", { class: "form-error", text: errorText(e) }));
    }
  }

  function paint(q, found, inboxes) {
    const conversations = (found.conversations || []).filter((item) => matches(item.conversation));
    const contacts = found.contacts || [];
    status.textContent = conversations.length || contacts.length ? t("search.found", { conversations: conversations.length, contacts: contacts.length }) : "";
    if (!conversations.length && !contacts.length) {
      replace(content, h("p", { id: "search-empty", class: "empty-note", text: t("search.nothing", { q }) }));
      return;
    }
    replace(
      content,
      conversations.length > 0 && [
        h("h3", { class: "search-heading", text: t("search.conversations") }),
        h("ul", { class: "plain-list search-list" }, conversations.map((item) => h("li", {}, conversationHit(item, inboxes)))),
      ],
      contacts.length > 0 && [
        h("h3", { class: "search-heading", text: t("search.contacts") }),
        h("ul", { class: "plain-list search-list" }, contacts.map((contact) => h("li", {}, contactHit(contact)))),
      ],
    );
  }

  const runSoon = debounce(run, TYPING_MS);
  input.addEventListener("input", () => (longEnough() ? runSoon() : stop()));
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || (!input.value && !active)) return;
    event.preventDefault();
    input.value = "";
    stop();
  });

  return {
    field,
    results,
    refresh: () => active && run(),
    destroy: () => {
      runSoon.cancel();
      seq += 1;
    },
  };
}

/** A conversation found: contact, channel, status, time, and the snippets around its matches. */
function conversationHit({ conversation: conv, hits = [] }, inboxes) {
  const name = contactNameSpan(conv);
  const channel = conv.channel || inboxes.get(conv.inbox_id)?.channel || "";
  return h(
    "a",
    { class: "search-hit", href: `#/conversations/${conv.id}`, attrs: { "data-conversation-id": conv.id } },
    h(
      "div",
      { class: "row-line" },
      name,
      channel && h("span", { class: `channel-badge channel-${channel}`, text: tv("channel", channel) }),
      h("span", { class: `conversation-status status-${conv.status}`, text: tv("status", conv.status) }),
      h("span", { class: "conversation-time", text: formatTime(conv.last_activity_at) }),
    ),
    hits.slice(0, SNIPPETS).map((hit) => markedSnippet(hit)),
  );
}

function contactHit(contact) {
  return h("a", { class: "search-contact", href: `#/contacts/${contact.id}`, attrs: { "data-contact-id": contact.id } }, contactSummary(contact));
}

/**
 * The hit's snippet with each highlighted range in a <mark>. The ranges count Unicode code points
 * (not UTF-16 units), so the snippet is split with Array.from; ranges out of bounds are clipped
 * and overlapping ones joined.
 */
function markedSnippet(hit) {
  const chars = Array.from(hit.snippet || "");
  const ranges = (hit.highlights || [])
    .filter((range) => Array.isArray(range) && Number.isInteger(range[0]) && Number.isInteger(range[1]))
    .map(([start, end]) => [Math.max(0, start), Math.min(chars.length, end)])
    .sort((a, b) => a[0] - b[0]);
  const parts = [];
  let at = 0;
  for (const [start, end] of ranges) {
    const from = Math.max(start, at);
    if (end <= from) continue;
    if (from > at) parts.push(chars.slice(at, from).join(""));
    parts.push(h("mark", { text: chars.slice(from, end).join("") }));
    at = end;
  }
  if (at < chars.length) parts.push(chars.slice(at).join(""));
  return h("p", { class: "search-snippet", attrs: { "data-message-id": hit.message_id } }, parts);
}
