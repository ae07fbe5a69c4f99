// Short-lived messages in the corner (action failures, confirmations).

import { h } from "./dom.js";

export function toast(text, kind = "error") {
  let box = document.getElementById("toasts");
  if (!box) {
    box = h("div", { id: "toasts", attrs: { role: "status", "aria-live": "polite" } });
    document.body.append(box);
  }
  const item = h("div", { class: `toast toast-${kind}`, text });
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 6000 : 3000);
}

/** The message to show for a failed request. */
export const errorText = (error) => (error && error.message) || String(error);
