// The reply box: text, files (views/reply-files.js), a private-note toggle, canned responses,
// Enter to send (Shift+Enter for a new line), and the WebSocket "typing" frame at most every 3 s
// while typing a reply. With translation on, "Send in the customer's language" (on by default)
// asks the server to translate a public reply; private notes are never translated. Each file is
// uploaded and sent as a message of its own, after the text.

import { post, upload } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { send as sendFrame } from "../live.js";
import { errorText } from "../notify.js";
import { attachCanned } from "./canned.js";
import { createFilePicker } from "./reply-files.js";

const TYPING_EVERY_MS = 3000;
const drafts = new Map(); // conversation id → {text, note, translate, files}, kept while the app is open

/**
 * `sent(result)` gets the POST response ({conversation, message, events}); `options.translation`
 * shows the "send in the customer's language" toggle.
 */
export function createReplyBox(conversationId, sent, options = {}) {
  const draft = drafts.get(conversationId) || { text: "", note: false, translate: true, files: [] };
  const text = h("textarea", { id: "reply-text", rows: 3, value: draft.text, placeholder: t("reply.placeholder") });
  const note = h("input", { type: "checkbox", id: "reply-note", checked: draft.note });
  const translate = h("input", { type: "checkbox", id: "reply-translate", checked: draft.translate !== false });
  const translateToggle = options.translation ? h("label", { class: "translate-toggle" }, translate, " ", t("reply.translate")) : null;
  const button = h("button", { type: "button", id: "reply-send", class: "primary", text: t("reply.send") });
  const error = h("p", { class: "form-error", hidden: true, attrs: { role: "alert" } });
  const suggestions = attachCanned(text);
  const files = createFilePicker(draft.files, () => saveDraft());
  files.acceptPaste(text);
  const box = h(
    "div",
    { class: "reply-box" },
    suggestions,
    text,
    files.chips,
    error,
    h(
      "div",
      { class: "reply-footer" },
      files.button,
      files.input,
      h("label", { class: "note-toggle" }, note, " ", t("reply.note")),
      translateToggle,
      h("span", { class: "reply-hint", text: t("reply.hint") }),
      button,
    ),
  );
  let lastTyping = 0;
  let sending = false;

  function paintMode() {
    box.classList.toggle("note-mode", note.checked);
    button.textContent = note.checked ? t("reply.addNote") : t("reply.send");
    text.placeholder = note.checked ? t("reply.notePlaceholder") : t("reply.placeholder");
    if (translateToggle) translateToggle.hidden = note.checked;
    saveDraft();
  }

  function saveDraft() {
    drafts.set(conversationId, { text: text.value, note: note.checked, translate: translate.checked, files: files.files() });
  }

  /** The text as its own message (so every channel carries it, translated when asked), then
   * each file as a message of its own. A file that fails stays in the list (and the ones after
   * it), with the error shown. The mode (reply or note, translated or not) is the one at the
   * click, whatever is toggled meanwhile. */
  async function submit() {
    const value = text.value;
    const chosen = files.files();
    if ((!value.trim() && !chosen.length) || text.readOnly || sending) return;
    const mode = { private: note.checked, translate: Boolean(translateToggle) && translate.checked && !note.checked };
    sending = true;
    button.disabled = true;
    error.hidden = true;
    let file = null;
    try {
      if (value.trim()) sent(await send(mode, value, null));
      for (const next of chosen) {
        file = next;
        files.busy(file, true);
        const stored = await upload(`/conversations/${conversationId}/files`, file);
        const result = await send(mode, "", stored.id);
        files.done(file);
        sent(result);
      }
    } catch (e) {
      if (file) files.busy(file, false);
      error.textContent = file ? `${file.name || t("attachment.other")}: ${errorText(e)}` : errorText(e);
      error.hidden = false;
    } finally {
      sending = false;
      button.disabled = text.readOnly;
      paintMode();
      text.focus();
    }
  }

  /** Posts one message: `value` (may be "" with a file) and the stored file's id, if any. */
  async function send(mode, value, fileId) {
    const message = { text: value, private: mode.private };
    if (fileId) message.file_id = fileId;
    if (value && mode.translate) message.translate = true;
    const result = await post(`/conversations/${conversationId}/messages`, message);
    if (!fileId) clearSent(value);
    return result;
  }

  /** Takes the sent text out of the box, keeping what was typed after it while it was sent. */
  function clearSent(value) {
    text.value = text.value.startsWith(value) ? text.value.slice(value.length) : text.value;
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
      button.disabled = busy || sending;
      box.classList.toggle("reply-busy", busy);
    },
    showError(message) {
      error.textContent = message;
      error.hidden = false;
    },
    clearError() {
      error.hidden = true;
    },
    /** Files dragged onto `area` (the conversation) are added to the reply. */
    acceptDrops: (area) => files.acceptDrops(area),
    /** Adds tools: `above` the text (a toolbar) and `below` it (e.g. cited sources). */
    attach(above, below) {
      if (above) text.before(above);
      if (below) text.after(below);
    },
  };
}
