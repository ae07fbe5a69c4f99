// A contact's internal notes, newest first (GET/POST /contacts/{id}/notes): add one, and delete
// one's own (supervisors and admins may delete any).

import { del, get, post } from "../api.js";
import { h, replace } from "../dom.js";
import { formatTime, t } from "../i18n.js";
import { errorText, toast } from "../notify.js";
import { isSupervisor, user } from "../session.js";

const MAX_CHARS = 2000;

/** The notes section for the contact `contactId`. */
export function notesSection(contactId) {
  const list = h("ul", { id: "contact-notes", class: "contact-notes plain-list" });
  const text = h("textarea", { id: "contact-note-text", rows: 3, attrs: { "aria-describedby": "contact-note-count" } });
  const count = h("small", { id: "contact-note-count", class: "hint", attrs: { "aria-live": "polite" } });
  const error = h("p", { class: "form-error", hidden: true, attrs: { role: "alert" } });
  const add = h("button", { type: "submit", id: "contact-note-add", class: "primary", text: t("contacts.notes.add") });
  const form = h(
    "form",
    { class: "contact-note-form", noValidate: true },
    h("label", { attrs: { for: "contact-note-text" }, text: t("contacts.notes.new") }),
    text,
    count,
    error,
    h("div", { class: "form-buttons" }, add),
  );
  const el = h("section", { id: "contact-notes-section", class: "card contact-section" }, h("h3", { text: t("contacts.notes.title") }), form, list);

  const length = () => Array.from(text.value.trim()).length;
  const paintCount = () => {
    count.textContent = t("contacts.notes.count", { count: length(), max: MAX_CHARS });
    count.classList.toggle("over-limit", length() > MAX_CHARS);
  };
  text.addEventListener("input", paintCount);
  paintCount();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    if (length() === 0 || length() > MAX_CHARS) {
      error.textContent = t("contacts.notes.length", { max: MAX_CHARS });
      error.hidden = false;
      text.focus();
      return;
    }
    add.disabled = true;
    try {
      const note = await post(`/contacts/${contactId}/notes`, { text: text.value.trim() });
      text.value = "";
      paintCount();
      list.querySelector(".empty-note")?.remove();
      list.prepend(noteItem(note));
    } catch (e) {
      error.textContent = errorText(e);
      error.hidden = false;
    } finally {
      add.disabled = false;
    }
  });

  function noteItem(note) {
    const mayDelete = note.author_id === user().id || isSupervisor();
    const remove = mayDelete && h("button", { type: "button", class: "contact-note-delete danger", text: t("contacts.notes.delete") });
    const item = h(
      "li",
      { class: "contact-note", attrs: { "data-note-id": note.id } },
      h("p", { class: "contact-note-text", text: note.text }),
      h("div", { class: "contact-note-meta" }, h("span", { class: "contact-note-author", text: note.author_name || "—" }), " · ", h("time", { attrs: { datetime: note.created_at }, text: formatTime(note.created_at) }), remove),
    );
    if (remove) {
      remove.onclick = async () => {
        if (!window.confirm(t("contacts.notes.confirmDelete"))) return;
        remove.disabled = true;
        try {
          await del(`/contacts/${contactId}/notes/${note.id}`);
          item.remove();
          paintEmpty();
        } catch (e) {
          toast(errorText(e));
          remove.disabled = false;
        }
      };
    }
    return item;
  }

  function paintEmpty() {
    if (!list.children.length) list.append(h("li", { class: "empty-note", text: t("contacts.notes.none") }));
  }

  get(`/contacts/${contactId}/notes`)
    .then((result) => {
      replace(list, result.data.map(noteItem));
      paintEmpty();
    })
    .catch((e) => replace(list, h("li", { class: "form-error", text: errorText(e) })));

  return el;
}
