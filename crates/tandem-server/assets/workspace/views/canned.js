// Canned-response suggestions for a textarea: typing "/" and a prefix lists the matching
// shortcuts (#canned-suggestions); Enter, Tab or a click replaces "/prefix" with the text.

import { cannedResponses } from "../directory.js";
import { h } from "../dom.js";

/** The "/prefix" just before the caret, or null. */
function slashToken(textarea) {
  const before = textarea.value.slice(0, textarea.selectionStart);
  const match = /(^|\s)\/([a-z0-9_-]*)$/i.exec(before);
  return match ? { prefix: match[2].toLowerCase(), start: before.length - match[2].length - 1 } : null;
}

export function attachCanned(textarea) {
  const list = h("ul", { id: "canned-suggestions", class: "canned-suggestions", hidden: true, attrs: { role: "listbox" } });
  let matches = [];
  let active = 0;
  let token = null;

  function close() {
    list.hidden = true;
    matches = [];
  }

  function paint() {
    list.replaceChildren(
      ...matches.map((item, index) =>
        h(
          "li",
          {
            class: "canned-option" + (index === active ? " active" : ""),
            attrs: { role: "option", "aria-selected": String(index === active), "data-shortcut": item.shortcut },
            on: {
              mousedown: (event) => event.preventDefault(), // keep the textarea focused
              click: () => choose(index),
            },
          },
          h("span", { class: "canned-shortcut", text: "/" + item.shortcut }),
          h("span", { class: "canned-title", text: item.title }),
          h("span", { class: "canned-text", text: item.text }),
        ),
      ),
    );
    list.hidden = matches.length === 0;
  }

  function choose(index) {
    const item = matches[index];
    if (!item || !token) return;
    const end = textarea.selectionStart;
    textarea.value = textarea.value.slice(0, token.start) + item.text + textarea.value.slice(end);
    const caret = token.start + item.text.length;
    textarea.setSelectionRange(caret, caret);
    close();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    textarea.focus();
  }

  textarea.addEventListener("input", async () => {
    token = slashToken(textarea);
    if (!token) return close();
    const wanted = token.prefix;
    let all = [];
    try {
      all = await cannedResponses();
    } catch {
      return close();
    }
    if (slashToken(textarea)?.prefix !== wanted) return; // typed on meanwhile
    matches = all.filter((item) => item.shortcut.startsWith(wanted)).slice(0, 8);
    active = 0;
    paint();
  });

  // Captures keys before the reply box's own Enter-to-send handler.
  textarea.addEventListener(
    "keydown",
    (event) => {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        active = (active + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
        paint();
      } else if (event.key === "Enter" || event.key === "Tab") {
        choose(active);
      } else if (event.key === "Escape") {
        close();
      } else {
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
    },
    true,
  );
  textarea.addEventListener("blur", () => setTimeout(close, 150));

  return list;
}
