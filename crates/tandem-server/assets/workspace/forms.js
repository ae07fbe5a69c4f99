// Forms built from field descriptions, with each 422 error shown next to its field.

import { h, options } from "./dom.js";
import { t } from "./i18n.js";
import { detailText, errorText } from "./notify.js";

/**
 * fields: [{name, label, type ("text", "email", "password", "number", "select", "textarea",
 * "checkbox"), value, options: [[value, label]], required, rows, hint}]
 * Returns {el, values(), showError(error), clearErrors()}.
 */
export function buildForm(fields, { submitLabel, onSubmit, idPrefix }) {
  const inputs = new Map();
  const slots = new Map();
  const general = h("p", { class: "form-error", hidden: true, attrs: { role: "alert" } });
  const submit = h("button", { type: "submit", class: "primary", text: submitLabel });
  const rows = fields.map((field) => {
    const id = `${idPrefix}-${field.name}`;
    const input = control(field, id);
    inputs.set(field.name, input);
    const slot = h("p", { class: "field-error", hidden: true });
    slots.set(field.name, slot);
    const label = h("label", { attrs: { for: id }, text: field.label });
    return field.type === "checkbox"
      ? h("div", { class: "form-row checkbox-row" }, input, label, slot)
      : h("div", { class: "form-row" }, label, input, field.hint && h("small", { class: "hint", text: field.hint }), slot);
  });
  const el = h("form", { class: "admin-form", noValidate: true }, rows, general, h("div", { class: "form-buttons" }, submit));

  function values() {
    const result = {};
    for (const field of fields) {
      const input = inputs.get(field.name);
      if (field.type === "checkbox") result[field.name] = input.checked;
      else if (field.type === "number") result[field.name] = input.value === "" ? null : Number(input.value);
      else result[field.name] = input.value;
    }
    return result;
  }

  function clearErrors() {
    general.hidden = true;
    for (const slot of slots.values()) slot.hidden = true;
  }

  /** Puts each detail under its field (by the first segment of its path), the rest on top. */
  function showError(error) {
    clearErrors();
    const loose = [];
    for (const detail of error.details || []) {
      const slot = slots.get(String(detail.field || "").split(/[.[]/)[0]);
      if (!slot) {
        loose.push(detail);
        continue;
      }
      slot.textContent = (slot.hidden ? "" : slot.textContent + " ") + `${detail.field}: ${detailText(detail, error)}`;
      slot.hidden = false;
    }
    if (loose.length || !(error.details || []).length) {
      general.textContent = loose.length ? loose.map((d) => `${d.field || ""} ${detailText(d, error)}`.trim()).join("; ") : errorText(error);
      general.hidden = false;
    }
  }

  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    submit.disabled = true;
    try {
      await onSubmit(values());
    } catch (error) {
      showError(error);
    } finally {
      submit.disabled = false;
    }
  });

  return { el, values, showError, clearErrors };
}

function control(field, id) {
  const value = field.value ?? "";
  if (field.type === "select") {
    return h("select", { id, name: field.name }, options(field.options, value));
  }
  if (field.type === "textarea") {
    return h("textarea", { id, name: field.name, value, rows: field.rows || 4, spellcheck: false });
  }
  if (field.type === "checkbox") {
    return h("input", { id, name: field.name, type: "checkbox", checked: Boolean(field.value) });
  }
  return h("input", { id, name: field.name, type: field.type || "text", value, required: field.required, placeholder: field.placeholder || "" });
}

/** Asks before a destructive action. */
export const confirmDelete = (name) => window.confirm(t("admin.confirmDelete", { name }));

/** Parses a JSON textarea (empty: undefined); a syntax error becomes an error on that field. */
export function parseJsonField(name, text) {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw { message: e.message, details: [{ field: name, message: t("admin.invalidJson", { reason: e.message }) }] };
  }
}

/** The request's result; a missing or wrong `current_password` becomes an error on that field. */
export async function reauthenticated(request) {
  try {
    return await request;
  } catch (e) {
    if (e.code !== "reauthentication_required") throw e;
    throw { code: e.code, message: t("reauth.wrong"), details: [{ field: "current_password", message: t("reauth.wrong") }] };
  }
}
