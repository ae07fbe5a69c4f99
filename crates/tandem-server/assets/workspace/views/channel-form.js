// The channel settings part of the inbox form: one labelled, explained input per setting of the
// channel kind (channel-fields.js), secrets in password inputs that can be shown, random tokens
// filled in, every missing setting found at once, 422 details (`channel_config.bot_token`) shown
// next to their settings, and an "advanced: JSON" view for what the form lacks.

import { h, options } from "../dom.js";
import { parseJsonField } from "../forms.js";
import { t, tv } from "../i18n.js";
import { detailText } from "../notify.js";
import { MASK, channelLayout, getAt, randomSecret, setAt } from "./channel-fields.js";

/** The request field the settings travel in; details name settings under it. */
export const CONFIG_FIELD = "channel_config";

/** A detail's text; a verification's codes carry the provider's own reason. */
export function settingErrorText(detail, error) {
  if (detail.code === "rejected_by_provider") return t("channel.verify.rejected", { reason: detail.message || "" });
  if (detail.code === "provider_unreachable") return t("channel.verify.unreachable", { reason: detail.message || "" });
  return detailText(detail, error);
}

const label = (field) => t(`channelField.${field.text}`);
const isEmpty = (value) => value === undefined || value === null || value === "" || Number.isNaN(value);
/** Passwords may begin or end with spaces; ids and tokens pasted with them may not. */
const keepsSpaces = (field) => field.key.endsWith("password");

/**
 * The settings form of a `channel` inbox, filled from `stored` (the inbox's masked settings) or,
 * for a new inbox, with defaults and random tokens. Returns {el, value(), missing(),
 * showErrors(details, error) → details it did not place, clearErrors(),
 * onChange(fn)}.
 */
export function createChannelForm(channel, stored) {
  const layout = channelLayout(channel);
  const fields = layout.filter((item) => item.key);
  const isNew = !stored;
  let draft = {};
  const toggles = new Map();
  const rows = new Map(); // key → {row, input, slot}
  const listeners = new Set();
  let jsonMode = false;

  const fieldList = h("div", { class: "channel-fields" });
  const jsonInput = h("textarea", { id: "channel-config-json", class: "code-editor", rows: 12, spellcheck: false, attrs: { "aria-describedby": "channel-config-json-hint" } });
  const jsonSlot = h("p", { class: "field-error", hidden: true });
  const jsonPane = h(
    "div",
    { class: "form-row channel-json", hidden: true },
    h("label", { attrs: { for: "channel-config-json" }, text: t("channel.json.label") }),
    jsonInput,
    h("small", { id: "channel-config-json-hint", class: "hint", text: t("channel.json.hint") }),
    jsonSlot,
  );
  const general = h("p", { id: "channel-settings-error", class: "form-error", hidden: true, attrs: { role: "alert" } });
  const jsonToggle = h("button", { type: "button", id: "channel-json-toggle", class: "link-button", text: t("channel.json.toggle"), attrs: { "aria-pressed": "false" } });
  jsonToggle.addEventListener("click", () => (jsonMode ? leaveJson() : enterJson()));

  const el = h(
    "fieldset",
    { id: "channel-settings", class: "channel-settings", attrs: { "data-channel": channel } },
    h("legend", { text: t("channel.settings", { channel: tv("channel", channel) }) }),
    h("p", { class: "hint", text: t(isNew ? "channel.settingsHint" : "channel.settingsHintSaved") }),
    fieldList,
    jsonPane,
    general,
    h("div", { class: "channel-json-switch" }, jsonToggle),
  );

  /** Takes `config` as the draft: toggles from what it has, defaults and random tokens for what it lacks. */
  function start(config) {
    draft = structuredClone(config || {});
    for (const field of fields) {
      if (field.type === "toggle") toggles.set(field.key, Boolean(getAt(draft, field.key)));
      else if (getAt(draft, field.key) !== undefined) continue;
      else if (field.fallback !== undefined) setAt(draft, field.key, field.fallback);
      else if (field.generate && field.required && isNew) setAt(draft, field.key, randomSecret());
    }
    renderFields();
  }

  function shown(field) {
    if (field.within && !toggles.get(field.within)) return false;
    if (field.when && getAt(draft, field.when[0]) !== field.when[1]) return false;
    return true;
  }

  function required(field) {
    return typeof field.required === "function" ? field.required(draft) : Boolean(field.required);
  }

  function changed() {
    for (const field of fields) rows.get(field.key).row.hidden = !shown(field);
    for (const fn of listeners) fn();
  }

  function renderFields() {
    rows.clear();
    fieldList.replaceChildren(...layout.map((item) => (item.heading ? h("h4", { class: "channel-group-heading", text: t(`channelField.${item.heading}`) }) : fieldRow(item))));
    for (const field of fields) rows.get(field.key).row.hidden = !shown(field);
  }

  function fieldRow(field) {
    const id = `channel-field-${field.key.replace(/\./g, "-")}`;
    const hintId = `${id}-hint`;
    const input = control(field, id, hintId);
    const slot = h("p", { class: "field-error", hidden: true });
    const labelEl = h("label", { attrs: { for: id }, text: label(field) });
    const hint = h("small", { id: hintId, class: "hint", text: t(`channelField.${field.text}.hint`) });
    const isToggle = field.type === "toggle";
    const row = h(
      "div",
      { class: `form-row channel-field-row${isToggle ? " checkbox-row" : ""}`, attrs: { "data-key": field.key } },
      isToggle ? [input, labelEl] : [labelEl, field.secret ? secretControl(field, input) : input],
      hint,
      slot,
    );
    rows.set(field.key, { row, input, slot });
    return row;
  }

  function control(field, id, hintId) {
    const common = { id, class: "channel-field", attrs: { "data-key": field.key, "aria-describedby": hintId, "aria-required": field.required === true ? "true" : null } };
    const value = getAt(draft, field.key);
    if (field.type === "toggle") {
      const input = h("input", { ...common, type: "checkbox", checked: toggles.get(field.key) });
      input.addEventListener("change", () => {
        toggles.set(field.key, input.checked);
        changed();
      });
      return input;
    }
    if (field.type === "select") {
      const input = h("select", common, options(field.options.map((option) => [option, t(`channelField.${field.text}.${option}`)]), value));
      input.addEventListener("change", () => {
        setAt(draft, field.key, input.value);
        changed();
      });
      return input;
    }
    const kept = field.secret && value === MASK;
    const input = h("input", {
      ...common,
      type: field.secret ? "password" : field.type || "text",
      value: kept || value === undefined ? "" : String(value),
      placeholder: kept ? t("channel.secretKept") : field.placeholder || "",
      autocomplete: field.secret ? "new-password" : "off",
      spellcheck: false,
      attrs: { ...common.attrs, inputmode: field.inputmode, min: field.type === "number" ? 1 : null, max: field.type === "number" ? 65535 : null },
    });
    input.addEventListener("input", () => {
      if (field.type === "number") setAt(draft, field.key, input.value === "" ? "" : input.valueAsNumber);
      else setAt(draft, field.key, input.value === "" && kept ? MASK : input.value);
      changed();
    });
    return input;
  }

  /** The password input with "Show" and, for tokens the admin chooses, "New random". */
  function secretControl(field, input) {
    const show = h("button", { type: "button", class: "secret-show", text: t("channel.secret.show"), attrs: { "aria-pressed": "false", "aria-controls": input.id } });
    show.addEventListener("click", () => {
      const showing = input.type === "password";
      input.type = showing ? "text" : "password";
      show.textContent = t(showing ? "channel.secret.hide" : "channel.secret.show");
      show.setAttribute("aria-pressed", String(showing));
    });
    const generate =
      field.generate &&
      h("button", {
        type: "button",
        class: "secret-generate",
        text: t("channel.secret.generate"),
        attrs: { "aria-controls": input.id },
        on: {
          click: () => {
            input.value = randomSecret();
            input.dispatchEvent(new Event("input"));
          },
        },
      });
    return h("div", { class: "secret-input" }, input, show, generate);
  }

  /**
   * The settings as the request sends them, in the form's order: hidden settings and empty
   * optional ones left out, those the form does not know (typed in the JSON view) kept.
   */
  function formValue() {
    const config = {};
    for (const field of fields) {
      if (field.type === "toggle" || !shown(field)) continue;
      let value = getAt(draft, field.key);
      if (typeof value === "string" && !keepsSpaces(field)) value = value.trim();
      if (value !== undefined && !(field.optional && isEmpty(value))) setAt(config, field.key, value);
    }
    copyUnknown(draft, config, "");
    return config;
  }

  /** Copies what `source` holds beyond the form's settings (and the groups its toggles turn off). */
  function copyUnknown(source, config, prefix) {
    for (const [name, value] of Object.entries(source)) {
      const key = prefix ? `${prefix}.${name}` : name;
      if (toggles.has(key) && !toggles.get(key)) continue;
      const field = fields.find((item) => item.key === key);
      if (field && field.type !== "toggle") continue;
      if (fields.some((item) => item.key.startsWith(key + ".")) && value && typeof value === "object") copyUnknown(value, config, key);
      else setAt(config, key, value);
    }
  }

  /** The settings to send; in the JSON view an unreadable text throws an error on the field. */
  function value() {
    return jsonMode ? parseJsonField(CONFIG_FIELD, jsonInput.value) : formValue();
  }

  /** A "required" detail for every shown setting left empty (none in the JSON view). */
  function missing() {
    if (jsonMode) return [];
    const config = formValue();
    return fields
      .filter((field) => field.type !== "toggle" && shown(field) && required(field) && isEmpty(getAt(config, field.key)))
      .map((field) => ({ field: `${CONFIG_FIELD}.${field.key}`, code: "required", message: t("error.field.required"), label: label(field) }));
  }

  function enterJson() {
    jsonInput.value = JSON.stringify(formValue(), null, 2);
    setJsonMode(true);
    jsonInput.focus();
  }

  function leaveJson() {
    clearErrors();
    let config;
    try {
      config = parseJsonField(CONFIG_FIELD, jsonInput.value) ?? {};
    } catch (error) {
      showErrors(error.details, error);
      return;
    }
    if (typeof config !== "object" || Array.isArray(config)) {
      showErrors([{ field: CONFIG_FIELD, code: "invalid_config", message: t("channel.json.notObject") }]);
      return;
    }
    start(config);
    setJsonMode(false);
    changed();
  }

  function setJsonMode(on) {
    jsonMode = on;
    fieldList.hidden = on;
    jsonPane.hidden = !on;
    jsonToggle.setAttribute("aria-pressed", String(on));
    jsonToggle.textContent = t(on ? "channel.json.back" : "channel.json.toggle");
  }

  jsonInput.addEventListener("input", () => {
    for (const fn of listeners) fn();
  });

  function clearErrors() {
    general.hidden = true;
    jsonSlot.hidden = true;
    for (const { input, slot } of rows.values()) {
      slot.hidden = true;
      slot.replaceChildren();
      input.removeAttribute("aria-invalid");
    }
  }

  /** The row of the longest key that `path` starts with ("handover" finds nothing; "smtp.port" its row). */
  function rowFor(path) {
    let key = path;
    while (key && !rows.has(key)) key = key.includes(".") ? key.slice(0, key.lastIndexOf(".")) : "";
    const found = key && rows.get(key);
    return found && !found.row.hidden ? found : null;
  }

  /**
   * Shows the details about the settings next to their settings (in the JSON view, under the
   * text), the others of them on top of the settings; returns the details about other fields.
   */
  function showErrors(details, error = {}) {
    const others = [];
    const loose = [];
    for (const detail of details) {
      const field = String(detail.field || "");
      if (field !== CONFIG_FIELD && !field.startsWith(CONFIG_FIELD + ".")) {
        others.push(detail);
        continue;
      }
      const path = field.slice(CONFIG_FIELD.length + 1);
      const text = settingErrorText(detail, error);
      const found = !jsonMode && rowFor(path);
      if (found) {
        const rest = path.slice(found.row.dataset.key.length + 1);
        found.slot.append(h("span", { class: "channel-error-line", text: rest ? `${rest}: ${text}` : text }));
        found.slot.hidden = false;
        found.input.setAttribute("aria-invalid", "true");
      } else loose.push(path ? `${path}: ${text}` : text);
    }
    const target = jsonMode ? jsonSlot : general;
    if (loose.length) {
      target.textContent = loose.join("; ");
      target.hidden = false;
    }
    return others;
  }

  start(stored);
  return {
    el,
    value,
    missing,
    showErrors,
    clearErrors,
    onChange: (fn) => listeners.add(fn),
  };
}
