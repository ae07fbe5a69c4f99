// A bot profile's validation errors (a 422's details, paths such as
// `source.intents[2].examples.pt`): each shown next to the form field whose data-path is the
// longest prefix of its path, the others in the list at the top.

import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { detailText } from "../notify.js";

/** The path inside the profile: without the request's `source.` or `document.`. */
export const profilePath = (field) => String(field || "").replace(/^(source|document)(\.|$)/, "");

/** Whether the error is about the profile (rather than another part of the request). */
export const isProfileError = (error) => error?.status === 422 && (error.details || []).some((detail) => /^(source|document)\b/.test(detail.field || ""));

/** "intents[2].examples" for "intents[2].examples.pt", "" at the top. */
const parentPath = (path) => path.replace(/(\.[^.[\]]+|\[\d+\]|^[^.[\]]+)$/, "");

/** Removes what showErrors wrote. */
export function clearErrors(form, list) {
  list.hidden = true;
  list.replaceChildren();
  for (const slot of form?.querySelectorAll(".bot-field-error") || []) {
    slot.hidden = true;
    slot.replaceChildren();
  }
}

/**
 * Shows `error` in `form` (null in the YAML view: all go to the list) and `list`; opens the
 * cards that hold a field with an error and brings the first error into view.
 */
export function showErrors(form, list, error) {
  clearErrors(form, list);
  const fields = new Map();
  for (const el of form?.querySelectorAll("[data-path]") || []) {
    const slot = el.querySelector(":scope > .bot-field-error");
    if (slot && !fields.has(el.dataset.path)) fields.set(el.dataset.path, { el, slot });
  }
  const details = error.details?.length ? error.details : [{ field: "", message: error.message }];
  const loose = [];
  for (const detail of details) {
    const path = profilePath(detail.field);
    let at = path;
    while (at && !fields.has(at)) at = parentPath(at);
    const field = at && fields.get(at);
    if (!field) {
      loose.push(h("li", { class: "profile-error", attrs: { "data-field": path } }, h("code", { class: "error-field", text: path || t("admin.bot.profileLevel") }), " ", detailText(detail, error)));
      continue;
    }
    const rest = path.slice(at.length).replace(/^\./, "");
    field.slot.append(h("span", { class: "bot-error-line", attrs: { "data-field": path } }, rest && h("code", { class: "error-field", text: rest }), rest && " ", detailText(detail, error)));
    field.slot.hidden = false;
    for (let open = field.el.closest("details"); open; open = open.parentElement.closest("details")) {
      open.open = true;
      open.hidden = false;
    }
  }
  if (loose.length) {
    replace(list, loose);
    list.hidden = false;
  }
  const first = loose.length ? list : form?.querySelector(".bot-field-error:not([hidden])");
  first?.scrollIntoView({ block: "center" });
}
