// The modal dialog of the workspace's small forms: a title, fields, Cancel and a confirm button;
// Escape closes it, Tab stays inside it and focus goes back to where it was.

import { h } from "./dom.js";
import { t } from "./i18n.js";
import { errorText } from "./notify.js";

const FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])";

/**
 * Opens `<dialog id="{id}">` holding a form: an `<h2>` title, the `body` nodes, an error line,
 * Cancel (`#{cancelId}`) and the confirm button (`#{confirmId}`, labelled `confirmLabel`).
 * Confirming runs `confirm()`: the dialog closes and resolves to what it returns, or stays open
 * showing the error it throws, worded by `describe` (errorText unless given). Cancel and Escape
 * resolve to null. `focus` is the element focused first, else the first field; `returnTo` the one
 * focused after, else the one focused when the dialog opened (a caller that reads data first
 * names the button that opened it, which may have been disabled meanwhile).
 */
export function openDialog({ id, title, body, className = "", confirmId, confirmLabel, cancelId, focus, returnTo, describe = errorText, confirm }) {
  const previous = returnTo || document.activeElement;
  const error = h("p", { class: "form-error", hidden: true, attrs: { role: "alert" } });
  const confirmButton = h("button", { type: "submit", id: confirmId, class: "primary", text: confirmLabel });
  const cancel = h("button", { type: "button", id: cancelId, text: t("common.cancel") });
  const form = h(
    "form",
    { noValidate: true },
    h("h2", { id: `${id}-title`, text: title }),
    body,
    error,
    h("div", { class: "dialog-buttons" }, cancel, confirmButton),
  );
  const dialog = h("dialog", { id, class: `dialog ${className}`.trim(), attrs: { "aria-labelledby": `${id}-title` } }, form);
  const first = () => focus || focusable(dialog)[0];
  let result = null;

  document.body.append(dialog);
  dialog.showModal();
  first()?.focus();
  dialog.addEventListener("keydown", (event) => keepTabInside(event, dialog));
  cancel.onclick = () => dialog.close();
  form.onsubmit = async (event) => {
    event.preventDefault();
    confirmButton.disabled = true;
    error.hidden = true;
    try {
      result = await confirm();
      dialog.close();
    } catch (e) {
      error.textContent = describe(e);
      error.hidden = false;
      confirmButton.disabled = false;
      first()?.focus();
    }
  };

  return new Promise((resolve) => {
    // Cancel, Escape and a confirmed form all end here.
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(result);
      // Once the caller has run: the button that opened the dialog may be disabled until then.
      setTimeout(() => {
        if (previous instanceof HTMLElement && previous.isConnected) previous.focus();
      });
    });
  });
}

/** The dialog's controls that Tab can reach now: enabled, shown, and of radio buttons the chosen one. */
function focusable(dialog) {
  return [...dialog.querySelectorAll(FOCUSABLE)].filter(
    (el) => !el.disabled && el.getClientRects().length > 0 && (el.type !== "radio" || el.checked),
  );
}

/** Tab from the last control goes to the first, Shift+Tab from the first to the last. */
function keepTabInside(event, dialog) {
  if (event.key !== "Tab") return;
  const controls = focusable(dialog);
  if (!controls.length) return;
  const [head, tail] = [controls[0], controls[controls.length - 1]];
  if (event.shiftKey && document.activeElement === head) {
    event.preventDefault();
    tail.focus();
  } else if (!event.shiftKey && document.activeElement === tail) {
    event.preventDefault();
    head.focus();
  }
}
