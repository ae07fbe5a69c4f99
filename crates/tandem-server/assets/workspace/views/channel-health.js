// An inbox's channel health on its admin page (GET /inboxes/{id}/health): when a message last came
// in and was last delivered, the last 24 hours' delivered and failed counts, and the messages that
// are failing, each with the provider's reason and a link to its conversation.

import { get } from "../api.js";
import { h, replace } from "../dom.js";
import { formatTime, t } from "../i18n.js";
import { errorText } from "../notify.js";

/** Channels whose replies go to a provider one by one (the widget and the API read theirs; calls speak them). */
const DELIVERS = new Set(["whatsapp", "messenger", "instagram", "telegram", "sms", "email"]);

export function channelHealth(inbox) {
  const body = h("div", { class: "health-body" }, h("p", { class: "empty-note", text: t("common.loading") }));
  const refresh = h("button", { type: "button", id: "inbox-health-refresh", text: t("health.refresh") });
  const el = h(
    "section",
    { id: "inbox-health", class: "inbox-health", attrs: { "data-state": "loading", "aria-labelledby": "inbox-health-title", "aria-busy": "true" } },
    h("div", { class: "admin-head" }, h("h4", { id: "inbox-health-title", text: t("health.title") }), refresh),
    body,
  );
  const delivers = DELIVERS.has(inbox.channel);

  async function load() {
    refresh.disabled = true;
    el.setAttribute("aria-busy", "true");
    try {
      show(await get(`/inboxes/${encodeURIComponent(inbox.id)}/health`));
    } catch (error) {
      el.dataset.state = "error";
      replace(body, h("p", { class: "form-error", text: errorText(error) }));
    } finally {
      refresh.disabled = false;
      el.setAttribute("aria-busy", "false");
    }
  }

  function show(health) {
    const failing = health.failing || [];
    const failed = failing.length || health.failed_24h || 0;
    el.dataset.state = failed ? "failing" : "healthy";
    replace(
      body,
      h("p", { class: `health-state health-state-${failed ? "failing" : "healthy"}`, text: failed ? t("health.failing", { count: failing.length || health.failed_24h }) : t("health.healthy") }),
      h(
        "dl",
        { class: "health-facts" },
        fact("health.lastInbound", health.last_inbound_at ? formatTime(health.last_inbound_at) : t("health.never")),
        delivers && fact("health.lastDelivered", health.last_delivered_at ? formatTime(health.last_delivered_at) : t("health.never")),
        delivers && fact("health.delivered24h", health.delivered_24h ?? 0),
        delivers && fact("health.failed24h", health.failed_24h ?? 0),
      ),
      !health.last_inbound_at && h("p", { class: "hint", text: t("health.noInbound") }),
      failing.length > 0 && h("h5", { class: "health-failing-title", text: t("health.failingTitle") }),
      failing.length > 0 && h("ul", { class: "health-failing-list" }, failing.map(failingItem)),
    );
  }

  refresh.addEventListener("click", load);
  load();
  return el;
}

function fact(key, value) {
  return h("div", { class: "health-fact" }, h("dt", { text: t(key) }), h("dd", { text: String(value) }));
}

function failingItem(message) {
  return h(
    "li",
    { class: "health-failing-item", attrs: { "data-message-id": message.message_id } },
    h("p", { class: "health-reason", text: message.error || t("health.noReason") }),
    h("p", { class: "hint", text: t("health.attempts", { count: message.attempts, time: formatTime(message.last_attempt_at) }) }),
    h("a", { href: `#/conversations/${encodeURIComponent(message.conversation_id)}`, text: t("health.open") }),
  );
}
