// Conversation labels: their chips, the text box that edits them (comma-separated) and the small
// dialog both the conversation's "Edit labels" and the inbox's bulk "Add label" open.

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { errorText } from "../notify.js";

/** One chip per label (class label-chip). */
export function labelChips(labels) {
  return (labels || []).map((label) => h("span", { class: "label-chip", text: label }));
}

/** "vip, segunda via" → ["vip", "segunda via"] (the server trims, lower-cases and sorts). */
export function parseLabels(text) {
  return text
    .split(",")
    .map((label) => label.trim())
    .filter(Boolean);
}

/** A failed save as the dialog shows it: each detail with the label it names ("labels[1]: …"). */
export function labelErrorText(error) {
  const details = error?.details || [];
  if (!details.length) return errorText(error);
  return details.map((detail) => (detail.field ? `${detail.field}: ${detail.message}` : detail.message)).join("; ");
}

/**
 * Opens `<dialog id="{id}-dialog">` with a text input `#{id}-input`, Save `#{id}-save` and Cancel
 * `#{id}-cancel`. `save(text)` runs on Save: it resolves to what the dialog resolves to, or throws
 * an error the dialog shows while it stays open. Resolves to null when cancelled.
 */
export function labelsDialog({ id, title, label, hint, value = "", save }) {
  const input = h("input", { type: "text", id: `${id}-input`, value, attrs: { autocomplete: "off" } });
  const error = h("p", { class: "form-error", hidden: true, attrs: { role: "alert" } });
  const confirm = h("button", { type: "submit", id: `${id}-save`, class: "primary", text: t("labels.save") });
  const cancel = h("button", { type: "button", id: `${id}-cancel`, text: t("common.cancel") });
  const form = h(
    "form",
    { class: "labels-form", noValidate: true },
    h("h2", { text: title }),
    h("label", { attrs: { for: `${id}-input` }, text: label }),
    input,
    hint && h("small", { class: "hint", text: hint }),
    error,
    h("div", { class: "dialog-buttons" }, cancel, confirm),
  );
  const dialog = h("dialog", { id: `${id}-dialog`, class: "dialog labels-dialog" }, form);
  document.body.append(dialog);
  dialog.showModal();
  input.focus();
  input.select();

  return new Promise((resolve) => {
    const finish = (result) => {
      dialog.close();
      dialog.remove();
      resolve(result);
    };
    cancel.onclick = () => finish(null);
    dialog.addEventListener("cancel", () => finish(null));
    form.onsubmit = async (event) => {
      event.preventDefault();
      confirm.disabled = true;
      error.hidden = true;
      try {
        finish(await save(input.value));
      } catch (e) {
        error.textContent = labelErrorText(e);
        error.hidden = false;
        confirm.disabled = false;
        input.focus();
      }
    };
  });
}
