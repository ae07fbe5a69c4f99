// Short-lived messages: toasts in the bottom corner (action failures, confirmations) and alerts
// at the top (a conversation assigned to the agent, a customer's message), which open the
// conversation when clicked.

import { h } from "./dom.js";
import { hasText, t } from "./i18n.js";

const ALERT_MS = 8000;
const MOST_ALERTS = 3;

/** The page's live regions (index.html): "toasts" and "alerts". They are there from the start so
 * that screen readers announce what is added to them. */
const region = (id) => document.getElementById(id);

/** `kind`: "error" (the default, shown longer), "ok" or "info". */
export function toast(text, kind = "error") {
  const item = h("div", { class: `toast toast-${kind}`, text });
  region("toasts").append(item);
  setTimeout(() => item.remove(), kind === "error" ? 6000 : 3000);
}

/** An alert linking to `href`; the newest few stay, each for a few seconds. */
export function alertToast(title, body, href) {
  const box = region("alerts");
  const item = h("a", { class: "alert-toast", href }, h("strong", { class: "alert-title", text: title }), body && h("span", { class: "alert-body", text: body }));
  item.addEventListener("click", () => item.remove());
  box.append(item);
  const items = box.querySelectorAll(".alert-toast");
  for (let extra = items.length - MOST_ALERTS; extra > 0; extra--) items[extra - 1].remove();
  setTimeout(() => item.remove(), ALERT_MS);
}

/** Puts a panel (going-online.js's list of assigned conversations) above the alerts; it stays. */
export function showAlertPanel(panel) {
  region("alerts").prepend(panel);
}

/** Removes every alert and alert panel (at logout: they name the user's conversations). */
export function clearAlerts() {
  region("alerts").replaceChildren();
}

/** The text of a key if it has one, else null. */
const known = (key) => (hasText(key) ? t(key) : null);

/**
 * The message to show for a failed request, in the user's language: for an ApiError with
 * `details`, "field: text" per detail (the text of `error.field.<code>`, else of `error.<code>` —
 * a conflict about one field carries the error's own code — else the server's message); otherwise
 * the text of `error.<code>`, else the server's message. A plain Error or a string shows as is.
 */
export function errorText(error) {
  if (error == null) return String(error);
  if (typeof error !== "object") return String(error);
  const details = Array.isArray(error.details) ? error.details : [];
  if (details.length) {
    return details
      .map((detail) => {
        const text = detailText(detail, error);
        return detail && detail.field ? `${detail.field}: ${text}` : text;
      })
      .join("; ");
  }
  return (error.code && known(`error.${error.code}`)) || error.message || String(error);
}

/** One detail of `error` in the user's language, without its field (as errorText words it). */
export function detailText(detail, error = {}) {
  const code = detail && detail.code;
  return (code && (known(`error.field.${code}`) || known(`error.${code}`))) || (detail && detail.message) || known(`error.${error.code}`) || error.message || "";
}
