// After a channel inbox is saved, what to give the provider: the URL to paste, with a copy button,
// and where to paste it; the verify token from the settings just entered (the server only ever
// shows them masked); for Telegram, whether the server's registration (setWebhook) was taken,
// with the command to run by hand when it was not.

import { h } from "../dom.js";
import { t, tv } from "../i18n.js";
import { MASK } from "./channel-fields.js";
import { copyable } from "./copyable.js";

const META = new Set(["whatsapp", "messenger", "instagram"]);

/** A setting as just entered; null when it was not (a stored one comes masked). */
function entered(config, key) {
  const value = config?.[key];
  return typeof value === "string" && value.trim() && value !== MASK ? value.trim() : null;
}

/**
 * The setup steps of `inbox` (as an admin reads it, with channel_webhook_url and voice_url);
 * `enteredConfig` is the settings sent with the save just made, if any, and `registration` what
 * the provider answered to the server's registration then ({registered, error}). Null for inboxes
 * without a provider.
 */
export function channelSetup(inbox, enteredConfig, registration) {
  if (!inbox.channel_webhook_url) return null;
  const kind = inbox.channel;
  return h(
    "section",
    { id: "channel-setup", class: "channel-setup", attrs: { "data-channel": kind } },
    h("h4", { text: t("channel.setup.title", { channel: tv("channel", kind) }) }),
    h("p", { class: "channel-setup-step", text: t(`channel.setup.${kind}`) }),
    // Twilio calls the voice URL; the webhook URL serves the other channels only.
    kind === "voice"
      ? inbox.voice_url && copyable("channel-voice-url", t("channel.setup.voiceUrl"), inbox.voice_url, null, "channel-voice-copy")
      : copyable("channel-webhook-url", t("channel.setup.webhookUrl"), inbox.channel_webhook_url, null, "channel-webhook-copy"),
    META.has(kind) && verifyToken(entered(enteredConfig, "verify_token")),
    kind === "telegram" && telegramRegistration(registration, inbox.channel_webhook_url, enteredConfig),
  );
}

function verifyToken(token) {
  return token ? copyable("channel-verify-token", t("channel.setup.verifyToken"), token, t("channel.setup.shownOnce")) : h("p", { class: "hint", text: t("channel.setup.verifyTokenKept") });
}

/** Whether Telegram took the address; when it did not (or it is not known), the call to make by hand. */
function telegramRegistration(registration, url, config) {
  if (registration?.registered) return h("p", { id: "channel-telegram-registered", class: "hint", text: t("channel.setup.telegramRegistered") });
  return [
    registration && h("p", { id: "channel-telegram-refused", class: "verify-warning", text: t("channel.setup.telegramRefused", { reason: registration.error || "" }) }),
    telegramCommand(url, config),
  ];
}

/** The call that registers the webhook with Telegram by hand. */
function telegramCommand(url, config) {
  const token = entered(config, "bot_token");
  const secret = entered(config, "secret_token");
  const command = `curl "https://api.telegram.org/bot${token || "<bot_token>"}/setWebhook?url=${encodeURIComponent(url)}&secret_token=${secret || "<secret_token>"}"`;
  return copyable("channel-telegram-command", t("channel.setup.command"), command, t(token && secret ? "channel.setup.commandSecret" : "channel.setup.commandFill"));
}
