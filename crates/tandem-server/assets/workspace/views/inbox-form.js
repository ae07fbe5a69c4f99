// The inbox editor's form: name, channel, first responder and outgoing webhook, then the channel's
// settings (channel-form.js) with "Verify" (channel-verify.js). Every missing field is listed at
// once before anything is sent, and each 422 detail is shown next to its field.

import { h, options } from "../dom.js";
import { t, tv } from "../i18n.js";
import { errorText } from "../notify.js";
import { hasSettings } from "./channel-fields.js";
import { createChannelForm, settingErrorText } from "./channel-form.js";
import { createVerify } from "./channel-verify.js";

const CHANNELS = ["web", "api", "whatsapp", "messenger", "instagram", "telegram", "sms", "voice", "email"];

/** Code of the client-side error that lists the missing fields. */
const MISSING = "missing_fields";

function missingError(details) {
  return { code: MISSING, message: t("channel.missing", { fields: details.map((detail) => detail.label).join(", ") }), details };
}

/**
 * The form of `inbox` (null: a new one). `submit(values)` takes {name, channel, first_responder,
 * webhook_url, channel_config} and throws the API's error when it is refused. Returns {el}.
 */
export function createInboxForm(inbox, submit) {
  const slots = new Map();
  const inputs = new Map();

  function row(name, labelText, input, hint) {
    const slot = h("p", { class: "field-error", hidden: true });
    slots.set(name, slot);
    inputs.set(name, input);
    const hintEl = hint && h("small", { id: `${input.id}-hint`, class: "hint", text: hint });
    if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
    return h("div", { class: "form-row" }, h("label", { attrs: { for: input.id }, text: labelText }), input, hintEl, slot);
  }

  const name = h("input", { id: "admin-inboxes-name", type: "text", value: inbox?.name || "", attrs: { "aria-required": "true" } });
  const channel = h("select", { id: "inbox-channel", disabled: Boolean(inbox) }, options(CHANNELS.map((kind) => [kind, tv("channel", kind)]), inbox?.channel || "web"));
  const firstResponder = h("select", { id: "admin-inboxes-first_responder" }, options(["bot", "human"].map((responder) => [responder, tv("responder", responder)]), inbox?.first_responder || "bot"));
  const webhookUrl = h("input", { id: "admin-inboxes-webhook_url", type: "url", value: inbox?.webhook_url || "", placeholder: "https://" });
  const settingsPlace = h("div", { class: "channel-settings-place" });
  const warningPlace = h("div", { class: "channel-warning-place" });
  const general = h("p", { class: "form-error", hidden: true, tabIndex: -1, attrs: { role: "alert" } });
  const submitButton = h("button", { type: "submit", class: "primary", text: inbox ? t("admin.save") : t("admin.create") });
  let settings = null;

  /** Shows the settings of `kind`: the inbox's own when editing, else a new form. */
  function showChannel(kind) {
    settings = null;
    settingsPlace.replaceChildren();
    warningPlace.replaceChildren();
    if (!hasSettings(kind)) return;
    const stored = inbox?.channel_config;
    // Settings the server could not open come as {error}: they are typed again.
    const unreadable = stored && typeof stored.error === "string" ? stored.error : null;
    settings = createChannelForm(kind, unreadable ? null : stored);
    const editing = inbox ? { inbox_id: inbox.id } : {};
    const verify = createVerify(() => ({ channel: kind, channel_config: checkedSettings(), ...editing }), settings);
    if (unreadable) settingsPlace.append(h("p", { class: "verify-warning", text: t("channel.unreadable", { reason: unreadable }) }));
    settingsPlace.append(settings.el, verify.el);
    warningPlace.append(verify.warning);
  }

  /** The settings to send; throws the list of missing ones. */
  function checkedSettings() {
    const missing = settings.missing();
    if (missing.length) throw missingError(missing);
    return settings.value();
  }

  function clearErrors() {
    general.hidden = true;
    for (const slot of slots.values()) slot.hidden = true;
    for (const input of inputs.values()) input.removeAttribute("aria-invalid");
    settings?.clearErrors();
  }

  function showError(error) {
    clearErrors();
    const details = Array.isArray(error.details) ? error.details : [];
    const others = settings ? settings.showErrors(details, error) : details;
    const loose = [];
    for (const detail of others) {
      const fieldName = String(detail.field || "").split(/[.[]/)[0];
      const slot = slots.get(fieldName);
      if (!slot) {
        loose.push(detail.field ? `${detail.field}: ${settingErrorText(detail, error)}` : settingErrorText(detail, error));
        continue;
      }
      slot.textContent = (slot.hidden ? "" : slot.textContent + " ") + settingErrorText(detail, error);
      slot.hidden = false;
      inputs.get(fieldName).setAttribute("aria-invalid", "true");
    }
    const summary = [error.code === MISSING ? error.message : null, ...loose].filter(Boolean);
    if (summary.length || !details.length) {
      general.textContent = summary.length ? summary.join("; ") : errorText(error);
      general.hidden = false;
    }
    (el.querySelector("[aria-invalid='true']") || general).focus();
  }

  const el = h(
    "form",
    { id: "inbox-form", class: "admin-form inbox-form", noValidate: true },
    row("name", t("admin.name"), name),
    row("channel", t("admin.inboxes.channel"), channel),
    row("first_responder", t("admin.inboxes.firstResponder"), firstResponder),
    row("webhook_url", t("admin.inboxes.webhookUrl"), webhookUrl, t("admin.inboxes.webhookUrlHint")),
    settingsPlace,
    general,
    h("div", { class: "form-buttons inbox-form-buttons" }, warningPlace, submitButton),
  );

  channel.addEventListener("change", () => showChannel(channel.value));
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    const missing = name.value.trim() ? [] : [{ field: "name", code: "required", message: t("error.field.required"), label: t("admin.name") }];
    if (settings) missing.push(...settings.missing());
    if (missing.length) {
      showError(missingError(missing));
      return;
    }
    submitButton.disabled = true;
    try {
      await submit({
        name: name.value,
        channel: channel.value,
        first_responder: firstResponder.value,
        webhook_url: webhookUrl.value.trim() || null,
        channel_config: settings ? settings.value() : undefined,
      });
    } catch (error) {
      showError(error);
    } finally {
      submitButton.disabled = false;
    }
  });

  showChannel(channel.value);
  return { el };
}
