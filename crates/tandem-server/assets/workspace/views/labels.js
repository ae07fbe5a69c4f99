// Conversation labels: their chips, the text box that edits them (comma-separated) and the small
// dialog both the conversation's "Edit labels" and the inbox's bulk "Add label" open.

import { openDialog } from "../dialog.js";
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
  const saved = openDialog({
    id: `${id}-dialog`,
    className: "labels-dialog",
    title,
    body: [h("label", { attrs: { for: `${id}-input` }, text: label }), input, hint && h("small", { class: "hint", text: hint })],
    confirmId: `${id}-save`,
    confirmLabel: t("labels.save"),
    cancelId: `${id}-cancel`,
    focus: input,
    describe: labelErrorText,
    confirm: () => save(input.value),
  });
  input.select();
  return saved;
}
