// The reply box: text, a private-note toggle, canned responses, Enter to send (Shift+Enter
// for a new line), and the WebSocket "typing" frame at most every 3 s while typing a reply.
// With translation on, "Send in the customer's language" (on by default) asks the server to
// translate a public reply; private notes are never translated.

import { post } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { send as sendFrame } from "../live.js";
import { errorText } from "../notify.js";
import { attachCanned } from "./canned.js";

const TYPING_EVERY_MS = 3000;
const drafts = new Map(); // conversation id → {text, note, translate}, kept while the app is open

/**
 * `sent(result)` gets the POST response ({conversation, message, events}); `options.translation`
 * shows the "send in the customer's language" toggle.
 */
export function createReplyBox(conversationId, sent, options = {}) {
  const draft = drafts.get(conversationId) || { text: "", note: false, translate: true };
  const text = h("textarea", { id: "reply-text", rows: 3, value: draft.text, placeholder: t("reply.placeholder") });
  const note = h("input", { type: "checkbox", id: "reply-note", checked: draft.note });
  const translate = h("input", { type: "checkbox", id: "reply-translate", checked: draft.translate !== false });
  const translateToggle = options.translation ? h("label", { class: "translate-toggle" }, translate, " ", t("reply.translate")) : null;
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
      translateToggle,
      h("span", { class: "reply-hint", text: t("reply.hint") }),
      button,
    ),
  );
  let lastTyping = 0;

  function paintMode() {
    box.classList.toggle("note-mode", note.checked);
    button.textContent = note.checked ? t("reply.addNote") : t("reply.send");
    text.placeholder = note.checked ? t("reply.notePlaceholder") : t("reply.placeholder");
    if (translateToggle) translateToggle.hidden = note.checked;
    saveDraft();
  }

  function saveDraft() {
    drafts.set(conversationId, { text: text.value, note: note.checked, translate: translate.checked });
  }

  async function submit() {
    const value = text.value;
    if (!value.trim() || text.readOnly) return;
    button.disabled = true;
    error.hidden = true;
    try {
      const message = { text: value, private: note.checked };
      if (translateToggle && translate.checked && !note.checked) message.translate = true;
      const result = await post(`/conversations/${conversationId}/messages`, message);
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
    saveDraft();
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
  translate.addEventListener("change", saveDraft);
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
    /** Replaces the text and keeps the mode (reply or note). */
    setText(value) {
      text.value = value;
      saveDraft();
      text.focus();
    },
    /** The text as typed. */
    value: () => text.value,
    /** While `busy`, the text cannot be edited or sent (a copilot request will replace it). */
    lock(busy) {
      text.readOnly = busy;
      button.disabled = busy;
      box.classList.toggle("reply-busy", busy);
    },
    showError(message) {
      error.textContent = message;
      error.hidden = false;
    },
    clearError() {
      error.hidden = true;
    },
    /** Adds tools: `above` the text (a toolbar) and `below` it (e.g. cited sources). */
    attach(above, below) {
      if (above) text.before(above);
      if (below) text.after(below);
    },
  };
}
