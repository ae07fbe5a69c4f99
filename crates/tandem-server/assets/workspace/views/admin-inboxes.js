// Admin: inboxes (create, edit, delete), with the web widget's snippet, the API token right
// after it is issued, and the URLs and secrets to configure providers with.

import { del, get, patch, post } from "../api.js";
import * as directory from "../directory.js";
import { h } from "../dom.js";
import { parseJsonField } from "../forms.js";
import { t, tv } from "../i18n.js";
import { errorText, toast } from "../notify.js";
import { crudPage } from "./admin-crud.js";

const CHANNELS = ["web", "api", "whatsapp", "messenger", "instagram", "telegram", "sms", "voice", "email"];

export function renderInboxes(container) {
  crudPage(container, {
    id: "admin-inboxes",
    title: t("admin.tab.inboxes"),
    newLabel: t("admin.inboxes.new"),
    load: () => {
      directory.invalidate("inboxes");
      return directory.inboxes();
    },
    open: (inbox) => get(`/inboxes/${inbox.id}`),
    columns: [
      [t("admin.name"), (inbox) => inbox.name],
      [t("admin.inboxes.channel"), (inbox) => h("span", { class: `channel-badge channel-${inbox.channel}`, text: tv("channel", inbox.channel) })],
      [t("admin.inboxes.firstResponder"), (inbox) => tv("responder", inbox.first_responder)],
    ],
    name: (inbox) => inbox.name,
    fields: (inbox) => [
      { name: "name", label: t("admin.name"), value: inbox?.name, required: true },
      ...(inbox ? [] : [{ name: "channel", label: t("admin.inboxes.channel"), type: "select", value: "web", options: CHANNELS.map((c) => [c, tv("channel", c)]) }]),
      { name: "first_responder", label: t("admin.inboxes.firstResponder"), type: "select", value: inbox?.first_responder || "bot", options: ["bot", "human"].map((r) => [r, tv("responder", r)]) },
      { name: "webhook_url", label: t("admin.inboxes.webhookUrl"), type: "url", value: inbox?.webhook_url || "", placeholder: "https://" },
      !["api", "web"].includes(inbox?.channel) && {
        name: "channel_config",
        label: t("admin.inboxes.channelConfig"),
        type: "textarea",
        rows: 6,
        value: inbox?.channel_config ? JSON.stringify(inbox.channel_config, null, 2) : "",
        hint: t("admin.inboxes.channelConfigHint"),
      },
    ].filter(Boolean),
    save: (inbox, values) => {
      const body = {
        name: values.name,
        first_responder: values.first_responder,
        webhook_url: values.webhook_url.trim() || null,
        channel_config: parseJsonField("channel_config", values.channel_config || ""),
      };
      return inbox ? patch(`/inboxes/${inbox.id}`, body) : post("/inboxes", { ...body, channel: values.channel });
    },
    remove: (inbox) => del(`/inboxes/${inbox.id}`),
    details,
  });
}

function details(inbox, saved, reopen) {
  const rotate = h("button", { type: "button", id: "inbox-rotate-token", text: t("admin.inboxes.rotate") });
  rotate.onclick = async () => {
    if (!window.confirm(t("admin.inboxes.rotateConfirm"))) return;
    try {
      reopen(await post(`/inboxes/${inbox.id}/token`));
    } catch (e) {
      toast(errorText(e));
    }
  };
  return h(
    "section",
    { class: "inbox-details" },
    inbox.widget_snippet && copyable("widget-snippet", t("admin.inboxes.snippet"), inbox.widget_snippet, t("admin.inboxes.snippetHint")),
    saved?.api_token && copyable("inbox-api-token", t("admin.inboxes.apiToken"), saved.api_token, t("admin.inboxes.tokenOnce")),
    inbox.channel_webhook_url && copyable("inbox-webhook-url", t("admin.inboxes.providerUrl"), inbox.channel_webhook_url),
    inbox.voice_url && copyable("inbox-voice-url", t("admin.inboxes.voiceUrl"), inbox.voice_url),
    inbox.webhook_secret && copyable("inbox-webhook-secret", t("admin.inboxes.webhookSecret"), inbox.webhook_secret),
    inbox.channel === "api" && rotate,
  );
}

/** A read-only value with a copy button. */
function copyable(id, label, value, hint) {
  const code = h("pre", { id, class: "copy-value" }, h("code", { text: value }));
  const button = h("button", { type: "button", id: `${id}-copy`, class: "copy-button", text: t("admin.copy") });
  button.onclick = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // Without the async clipboard (plain http), copy the selection.
      const range = document.createRange();
      range.selectNodeContents(code);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      document.execCommand("copy");
    }
    button.textContent = t("admin.copied");
    setTimeout(() => (button.textContent = t("admin.copy")), 2000);
  };
  return h("div", { class: "copyable" }, h("div", { class: "field-label", text: label }), code, hint && h("small", { class: "hint", text: hint }), button);
}
