// The context panel beside the transcript: the copilot's summary when an agent asks for one, the
// bot's handover context, routing and SLA clocks, the contact's profile and identities, and
// their past conversations.

import { ApiError, get, query } from "../api.js";
import * as directory from "../directory.js";
import { h, replace } from "../dom.js";
import { formatDuration, formatTime, t, tv } from "../i18n.js";
import { paintClock } from "../sla.js";
import { sentimentChart } from "./sentiment.js";

/** `useReply(text)` fills the reply box with the suggested reply. */
export function createContextPanel(useReply) {
  const summary = h("section", { id: "copilot-summary", class: "context-section", hidden: true });
  const handover = h("section", { id: "handover-section", class: "context-section" });
  const routing = h("section", { id: "routing-section", class: "context-section" });
  const profile = h("section", { id: "contact-profile", class: "context-section" });
  const identities = h("section", { id: "contact-identities", class: "context-section" });
  const past = h("section", { id: "past-conversations", class: "context-section" });
  const el = h("aside", { id: "context-panel", class: "context-panel" }, summary, handover, routing, profile, identities, past);
  let clocks = []; // [{clock, el}] repainted every second

  function paintHandover(context) {
    if (!context) {
      replace(handover, h("h3", { text: t("context.handover") }), h("p", { class: "empty-note", text: t("context.noHandover") }));
      return;
    }
    const summary = context.summary || {};
    const intent = context.top_intent
      ? t("context.intentValue", {
          intent: context.top_intent.label || context.top_intent.intent,
          confidence: Math.round(context.top_intent.confidence * 100),
        })
      : t("context.noIntent");
    const entities = [...(context.entities || [])];
    for (const [name, value] of Object.entries(context.slots || {})) entities.push({ kind: name, value });
    const trajectory = (context.sentiment_trajectory || []).map((point) => point.score);
    const scores = trajectory.length ? trajectory : [context.sentiment ?? 0];
    const tried = [
      ...(summary.bot_attempts || []),
      ...(context.bot_answered || []).map((item) => t("context.answered." + item.type, item)),
    ];
    const suggestion = context.suggested_first_reply;
    replace(
      handover,
      h("h3", { text: t("context.handover") }),
      field(t("context.reason"), h("span", { id: "handover-reason", class: "reason-badge", text: tv("reason", context.reason) })),
      field(t("context.summary"), h("p", { id: "handover-summary", text: summary.text || summary.customer_request || "—" })),
      field(t("context.intent"), h("span", { id: "handover-intent", text: intent })),
      field(
        t("context.entities"),
        h(
          "ul",
          { id: "handover-entities", class: "chips" },
          entities.length
            ? entities.map((e) => h("li", { class: "chip" }, h("b", { text: e.kind }), " ", e.value))
            : h("li", { class: "empty-note", text: "—" }),
        ),
      ),
      field(t("context.sentiment"), sentimentChart(scores)),
      field(
        t("context.botTried"),
        h("ul", { id: "handover-bot-tried", class: "plain-list" }, tried.length ? tried.map((line) => h("li", { text: line })) : h("li", { text: "—" })),
      ),
      suggestion &&
        field(
          t("context.suggested"),
          h(
            "div",
            { id: "suggested-reply" },
            h("blockquote", { class: "suggested-reply-text", text: suggestion }),
            h("button", { type: "button", id: "suggested-reply-use", text: t("context.use"), on: { click: () => useReply(suggestion) } }),
          ),
        ),
    );
  }

  async function paintRouting(conv) {
    const [info, teams] = await Promise.all([get(`/conversations/${conv.id}/routing`), directory.teams()]);
    const team = teams.find((item) => item.id === info.team_id);
    const queue = info.queue;
    clocks = info.sla.map((clock) => ({ clock, el: h("span", { class: "sla-timer" }) }));
    replace(
      routing,
      h("h3", { text: t("context.routing") }),
      field(t("context.team"), team ? team.name : t("context.noTeam")),
      queue &&
        field(
          t("context.queue"),
          t("context.position", { position: queue.position }) +
            (queue.estimated_wait_seconds !== null ? " · " + t("context.wait", { time: formatDuration(queue.estimated_wait_seconds) }) : "") +
            (queue.team_open ? "" : " · " + t("context.closed", { time: queue.reopens_at_local || "—" })),
        ),
      clocks.map(({ clock, el: timer }) =>
        field(t("sla.target." + clock.target), clock.stopped_at ? t("sla.stopped", { time: formatTime(clock.stopped_at) }) : timer),
      ),
    );
    tick();
  }

  function paintContact(contact) {
    const attributes = Object.entries(contact.attributes || {});
    replace(
      profile,
      h("h3", { text: t("context.contact") }),
      h("p", { class: "contact-title" }, h("a", { id: "context-contact-link", href: `#/contacts/${contact.id}`, text: directory.contactName(contact) })),
      attributes.length
        ? h("dl", { class: "attributes" }, attributes.map(([key, value]) => [h("dt", { text: key }), h("dd", { text: typeof value === "string" ? value : JSON.stringify(value) })]))
        : h("p", { class: "empty-note", text: t("context.noAttributes") }),
    );
    replace(
      identities,
      h("h3", { text: t("context.identities") }),
      h("ul", { class: "plain-list" }, (contact.identities || []).map((id) => h("li", {}, h("span", { class: "identity-kind", text: tv("identity", id.kind) }), " ", id.value))),
    );
  }

  async function paintPast(conv) {
    const [page, inboxes] = await Promise.all([
      get("/conversations" + query({ contact_id: conv.contact_id, limit: 20 })),
      directory.inboxes(),
    ]);
    const others = page.data.filter((item) => item.id !== conv.id);
    const channels = directory.byId(inboxes);
    replace(
      past,
      h("h3", { text: t("context.past") }),
      others.length
        ? h(
            "ul",
            { class: "plain-list" },
            others.map((item) =>
              h(
                "li",
                { attrs: { "data-conversation-id": item.id } },
                h("a", { href: `#/conversations/${item.id}`, text: formatTime(item.created_at) }),
                " ",
                h("span", { class: "channel-badge", text: tv("channel", channels.get(item.inbox_id)?.channel || "") }),
                " ",
                h("span", { class: `status-badge status-${item.status}`, text: tv("status", item.status) }),
              ),
            ),
          )
        : h("p", { class: "empty-note", text: t("context.noPast") }),
    );
  }

  function tick() {
    for (const { clock, el: timer } of clocks) if (!clock.stopped_at) paintClock(timer, clock);
  }

  const ticker = setInterval(tick, 1000);

  return {
    el,
    /** Loads every part for `conv` (a failed part shows its error in place). */
    load(conv, contact) {
      paintContact(contact);
      get(`/conversations/${conv.id}/handover_context`)
        .then(paintHandover)
        .catch((e) => (e instanceof ApiError && e.status === 404 ? paintHandover(null) : failed(handover, e)));
      this.refresh(conv);
      paintPast(conv).catch((e) => failed(past, e));
    },
    /** Reloads what changes with the conversation's status. */
    refresh(conv) {
      paintRouting(conv).catch((e) => failed(routing, e));
    },
    /** A handover context that came with a live frame. */
    showHandover: paintHandover,
    /** The copilot's summary: "AI summary" when a model wrote it, "Summary" when not. */
    showSummary(result) {
      replace(
        summary,
        h("h3", { text: result.generated ? t("copilot.summaryGenerated") : t("copilot.summaryPlain") }),
        h("p", { id: "copilot-summary-text", class: "copilot-summary-text", text: result.summary }),
      );
      summary.classList.toggle("copilot-summary-generated", Boolean(result.generated));
      summary.hidden = false;
      el.scrollTop = 0; // the summary is the panel's first section
    },
    destroy() {
      clearInterval(ticker);
    },
  };
}

function field(label, ...content) {
  return h("div", { class: "context-field" }, h("div", { class: "field-label", text: label }), h("div", { class: "field-value" }, content));
}

function failed(section, error) {
  section.append(h("p", { class: "form-error", text: error.message }));
}
