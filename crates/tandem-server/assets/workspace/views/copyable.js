// A read-only value (a URL, a token, a snippet) with a label, an optional hint and a copy button.

import { h } from "../dom.js";
import { t } from "../i18n.js";

/** The value shows in `<pre id="{id}">`; the button is `#{buttonId}` (`{id}-copy` unless given). */
export function copyable(id, label, value, hint, buttonId = `${id}-copy`) {
  const code = h("pre", { id, class: "copy-value" }, h("code", { text: value }));
  const button = h("button", { type: "button", id: buttonId, class: "copy-button", text: t("admin.copy") });
  button.onclick = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // Without the async clipboard (plain http), copy the selection.
      const range = document.createRange();
      range.selectNodeContents(code);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      document.execCommand("copy");
    }
    button.textContent = t("admin.copied");
    setTimeout(() => (button.textContent = t("admin.copy")), 2000);
  };
  return h("div", { class: "copyable" }, h("div", { class: "field-label", text: label }), code, hint && h("small", { class: "hint", text: hint }), button);
}
