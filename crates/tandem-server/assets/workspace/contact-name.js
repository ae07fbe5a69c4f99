// A conversation's contact name for a link or row: the list's own line when the server sent it,
// else "…" until the contact is read (once, through directory.js).

import * as directory from "./directory.js";
import { h } from "./dom.js";

/** A span.contact-name for `conv` ({contact_id, contact_name?}). */
export function contactNameSpan(conv) {
  const name = h("span", { class: "contact-name", text: conv.contact_name || "…" });
  if (!conv.contact_name) {
    directory
      .contact(conv.contact_id)
      .then((contact) => (name.textContent = directory.contactName(contact)))
      .catch(() => {});
  }
  return name;
}
