// The reply box: text, a private-note toggle, canned responses, Enter to send (Shift+Enter
// for a new line), and the WebSocket "typing" frame at most every 3 s while typing a reply.

import { post } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { send as sendFrame } from "../live.js";
import { errorText } from "../notify.js";
import { attachCanned } from "./canned.js";

const TYPING_EVERY_MS = 3000;
const drafts = new Map(); // conversation id → {text, note}, kept while the app is open

/** `sent(result)` gets the POST response ({conversation, message, events}). */
export function createReplyBox(conversationId, sent) {
  const draft = drafts.get(conversationId) || { text: "", note: false };
  const text = h("textarea", { id: "reply-text", rows: 3, value: draft.text, placeholder: t("reply.placeholder") });
  const note = h("input", { type: "checkbox", id: "reply-note", checked: draft.note });
  const button = h("button", { type: "button", id: "reply-send", class: "primary", text: t("reply.send") });
  const error = h("p", { class: "form-error", hidden: true, attrs: { role: "alert" } });
  const suggestions = attachCanned(text);
  const box = h(
    "div",
    { class: "reply-box" },
    suggestions,
    text,
    error,
    h(
      "div",
      { class: "reply-footer" },
      h("label", { class: "note-toggle" }, note, " ", t("reply.note")),
      h("span", { class: "reply-hint", text: t("reply.hint") }),
      button,
    ),
  );
  let lastTyping = 0;

  function paintMode() {
    box.classList.toggle("note-mode", note.checked);
    button.textContent = note.checked ? t("reply.addNote") : t("reply.send");
    text.placeholder = note.checked ? t("reply.notePlaceholder") : t("reply.placeholder");
    drafts.set(conversationId, { text: text.value, note: note.checked });
  }

  async function submit() {
    const value = text.value;
    if (!value.trim()) return;
    button.disabled = true;
    error.hidden = true;
    try {
      const result = await post(`/conversations/${conversationId}/messages`, { text: value, private: note.checked });
      text.value = "";
      drafts.delete(conversationId);
      paintMode();
      sent(result);
    } catch (e) {
      error.textContent = errorText(e);
      error.hidden = false;
    } finally {
      button.disabled = false;
      text.focus();
    }
  }

  text.addEventListener("input", () => {
    drafts.set(conversationId, { text: text.value, note: note.checked });
    const now = Date.now();
    if (!note.checked && text.value && now - lastTyping >= TYPING_EVERY_MS) {
      if (sendFrame({ type: "typing", conversation_id: conversationId })) lastTyping = now;
    }
  });
  text.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    submit();
  });
  note.addEventListener("change", paintMode);
  button.addEventListener("click", submit);
  paintMode();

  return {
    el: box,
    /** Puts `value` in the box (e.g. the bot's suggested reply) as a reply, not a note. */
    fill(value) {
      text.value = value;
      note.checked = false;
      paintMode();
      text.focus();
    },
  };
}
