// Admin: inboxes (create, edit, delete) with a settings form per channel (inbox-form.js), the web
// widget's snippet, the API token right after it is issued, what to paste at the provider, and the
// channel's health.

import { del, get, patch, post } from "../api.js";
import * as directory from "../directory.js";
import { h } from "../dom.js";
import { t, tv } from "../i18n.js";
import { errorText, toast } from "../notify.js";
import { crudPage } from "./admin-crud.js";
import { channelHealth } from "./channel-health.js";
import { channelSetup } from "./channel-setup.js";
import { copyable } from "./copyable.js";
import { createInboxForm } from "./inbox-form.js";

export function renderInboxes(container) {
  // The settings sent with each save, by the saved inbox: the server shows their secrets masked,
  // and the setup steps show the verify token once.
  const entered = new WeakMap();
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
    form: createInboxForm,
    save: async (inbox, values) => {
      const body = {
        name: values.name,
        first_responder: values.first_responder,
        webhook_url: values.webhook_url,
        channel_config: values.channel_config,
      };
      const saved = inbox ? await patch(`/inboxes/${inbox.id}`, body) : await post("/inboxes", { ...body, channel: values.channel });
      if (values.channel_config) entered.set(saved, values.channel_config);
      return saved;
    },
    remove: (inbox) => del(`/inboxes/${inbox.id}`),
    details: (inbox, saved, reopen) => details(inbox, saved, reopen, entered.get(saved)),
  });
}

function details(inbox, saved, reopen, enteredConfig) {
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
    channelSetup(inbox, enteredConfig, saved?.webhook_registration),
    inbox.widget_snippet && copyable("widget-snippet", t("admin.inboxes.snippet"), inbox.widget_snippet, t("admin.inboxes.snippetHint")),
    saved?.api_token && copyable("inbox-api-token", t("admin.inboxes.apiToken"), saved.api_token, t("admin.inboxes.tokenOnce")),
    inbox.webhook_secret && copyable("inbox-webhook-secret", t("admin.inboxes.webhookSecret"), inbox.webhook_secret),
    inbox.channel === "api" && rotate,
    channelHealth(inbox),
  );
}
