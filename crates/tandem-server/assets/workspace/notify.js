// Short-lived messages: toasts in the bottom corner (action failures, confirmations) and alerts
// at the top (a conversation assigned to the agent, a customer's message), which open the
// conversation when clicked.

import { h } from "./dom.js";

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

/** The message to show for a failed request. */
export const errorText = (error) => (error && error.message) || String(error);
