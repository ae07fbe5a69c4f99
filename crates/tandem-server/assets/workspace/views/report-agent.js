// One agent's drill-down in the reports (#agent-drilldown): their figures from the agents table
// and the conversations assigned to them (assigned or resolved) that opened in the report's period.

import { get, query } from "../api.js";
import { contactName } from "../directory.js";
import { h, replace } from "../dom.js";
import { formatDay, formatTime, t, tv } from "../i18n.js";
import { errorText } from "../notify.js";

const STATUSES = ["assigned", "resolved"];
const MOST_PAGES = 20;

/**
 * The agent's conversations with `status` that opened between the days `from` and `to` (inclusive,
 * in the account's time zone, as the report reads them), every page of them up to MOST_PAGES.
 */
async function conversationsIn(agentId, status, { from, to }) {
  const found = [];
  let cursor = null;
  for (let page = 0; page < MOST_PAGES; page++) {
    const result = await get("/conversations" + query({ assignee_id: agentId, status, opened_from: from, opened_to: to, limit: 100, cursor }));
    found.push(...result.data);
    cursor = result.next_cursor;
    if (!cursor) break;
  }
  return found;
}

/** One conversation of the list: a link to it with its contact, channel, status and opening time. */
function conversationItem(conv) {
  return h(
    "li",
    {},
    h(
      "a",
      { class: "agent-drilldown-conversation", href: `#/conversations/${conv.id}`, attrs: { "data-conversation-id": conv.id } },
      h("span", { class: "contact-name", text: contactName({ id: conv.contact_id, name: conv.contact_name }) }),
      conv.channel && h("span", { class: `channel-badge channel-${conv.channel}`, text: tv("channel", conv.channel) }),
      h("span", { class: `conversation-status status-${conv.status}`, text: tv("status", conv.status) }),
      h("span", { class: "conversation-time", text: t("reports.agent.opened", { time: formatTime(conv.created_at) }) }),
    ),
  );
}

/**
 * The drill-down panel, empty until `show` fills it. `period` is the report's {from, to,
 * timeZone}. Returns {el, show({id, name, figures})}: `figures` are [label, value] pairs.
 */
export function agentDrilldown(period) {
  const el = h("section", { id: "agent-drilldown", class: "agent-drilldown", hidden: true, attrs: { "aria-labelledby": "agent-drilldown-title" } });
  let shown = 0; // which call of show() may still paint

  async function show(agent) {
    const call = ++shown;
    const heading = h("h3", { id: "agent-drilldown-title", text: agent.name, tabIndex: -1 });
    const close = h("button", { type: "button", id: "agent-drilldown-close", text: t("common.close") });
    close.onclick = () => {
      shown++;
      el.hidden = true;
      replace(el);
    };
    const conversations = h("div", { class: "agent-drilldown-conversations" }, h("p", { class: "empty-note", text: t("common.loading") }));
    replace(
      el,
      h("div", { class: "agent-drilldown-head" }, heading, close),
      h("dl", { class: "attributes agent-drilldown-figures" }, agent.figures.map(([label, value]) => [h("dt", { text: label }), h("dd", { text: value })])),
      h("h4", { text: t("reports.agent.conversations", { from: formatDay(period.from), to: formatDay(period.to) }) }),
      conversations,
    );
    el.hidden = false;
    heading.focus();
    try {
      const lists = await Promise.all(STATUSES.map((status) => conversationsIn(agent.id, status, period)));
      if (call !== shown) return;
      const found = lists.flat().sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
      replace(
        conversations,
        found.length
          ? [
              h("p", { class: "hint", text: t("reports.agent.count", { count: found.length }) }),
              h("ul", { class: "plain-list agent-drilldown-list" }, found.map(conversationItem)),
            ]
          : h("p", { class: "empty-note", text: t("reports.agent.none") }),
      );
    } catch (e) {
      if (call === shown) replace(conversations, h("p", { class: "form-error", text: errorText(e) }));
    }
  }

  return { el, show };
}

/** Makes a row of the agents table open its drill-down: a click anywhere on it, or its name, which
 * becomes a button (for the keyboard). */
export function drillableRow(row, open) {
  const name = row.firstElementChild;
  name.replaceChildren(h("button", { type: "button", class: "link-button report-agent-open", text: name.textContent, attrs: { "aria-controls": "agent-drilldown" } }));
  row.classList.add("report-agent-row");
  row.addEventListener("click", open);
  return row;
}
