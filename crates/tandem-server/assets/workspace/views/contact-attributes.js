// A contact's attributes as editable name/value rows, saved together with PATCH /contacts/{id}
// {attributes} (the map replaces the old one, so removed rows are removed attributes).

import { patch } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { errorText } from "../notify.js";
import { valueText } from "./contact-parts.js";

const MAX_NAME_CHARS = 64;

/** The editor for `contact`'s attributes; `saved(contact)` gets the contact the server returns. */
export function attributesEditor(contact, saved) {
  // One grid for the heading and every row (display: contents), so that their columns line up.
  const rows = h(
    "div",
    { id: "contact-attributes", class: "attribute-rows" },
    h("div", { class: "attribute-head", attrs: { "aria-hidden": "true" } }, h("span", { text: t("contacts.attributes.name") }), h("span", { text: t("contacts.attributes.value") }), h("span")),
  );
  const error = h("p", { id: "contact-attributes-error", class: "form-error", hidden: true, attrs: { role: "alert" } });
  const add = h("button", { type: "button", id: "contact-attribute-add", text: t("contacts.attributes.add") });
  const save = h("button", { type: "submit", id: "contact-attributes-save", class: "primary", text: t("contacts.attributes.save") });
  const form = h(
    "form",
    { class: "contact-attributes-form", noValidate: true },
    rows,
    error,
    h("div", { class: "form-buttons" }, add, save),
  );
  const entries = []; // [{el, key, value, original}]

  function addRow(name = "", original = undefined) {
    const key = h("input", { type: "text", class: "attribute-key", value: name, attrs: { "aria-label": t("contacts.attributes.name"), autocomplete: "off" } });
    const value = h("input", { type: "text", class: "attribute-value", value: original === undefined ? "" : valueText(original), attrs: { "aria-label": t("contacts.attributes.value"), autocomplete: "off" } });
    const remove = h("button", { type: "button", class: "attribute-remove", text: t("contacts.attributes.remove") });
    const entry = { el: h("div", { class: "attribute-row" }, key, value, remove), key, value, original };
    remove.onclick = () => {
      entries.splice(entries.indexOf(entry), 1);
      entry.el.remove();
      add.focus();
    };
    entries.push(entry);
    rows.append(entry.el);
    return entry;
  }

  /** The attributes the rows describe; throws a message for a missing, long or repeated name. */
  function collect() {
    const attributes = {};
    for (const entry of entries) {
      const name = entry.key.value.trim();
      if (!name && !entry.value.value) continue;
      if (!name) throw t("contacts.attributes.nameRequired");
      if (Array.from(name).length > MAX_NAME_CHARS) throw t("contacts.attributes.nameTooLong", { name });
      if (name in attributes) throw t("contacts.attributes.duplicate", { name });
      attributes[name] = parseValue(entry.value.value, entry.original);
    }
    return attributes;
  }

  add.onclick = () => addRow().key.focus();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    let attributes;
    try {
      attributes = collect();
    } catch (message) {
      error.textContent = message;
      error.hidden = false;
      return;
    }
    save.disabled = true;
    try {
      saved(await patch(`/contacts/${contact.id}`, { attributes }));
    } catch (e) {
      error.textContent = errorText(e);
      error.hidden = false;
    } finally {
      save.disabled = false;
    }
  });

  for (const [name, value] of Object.entries(contact.attributes || {})) addRow(name, value);
  return form;
}

/**
 * The value to save for `text` typed over `original`: the original itself while the text still
 * shows it, a value of the original's kind (number, true/false, list, object) when the text reads
 * as one, else the text as a string.
 */
function parseValue(text, original) {
  if (original === undefined || typeof original === "string") return text;
  if (valueText(original) === text) return original;
  try {
    const parsed = JSON.parse(text);
    if (typeof parsed === typeof original && Array.isArray(parsed) === Array.isArray(original)) return parsed;
  } catch {
    // Not JSON: kept as the text.
  }
  return text;
}
