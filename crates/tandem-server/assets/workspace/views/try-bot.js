// "Try the bot": a test conversation replayed by POST /bot/try from a fresh bot state, with the
// saved profile (the account's, or the inbox's own one being edited) or the unsaved draft; each
// turn shows what the bot understood (language, intent, confidence, entities), its replies, the
// choices it offered (clickable) and any handover. Nothing is stored.

import { post } from "../api.js";
import { h, replace } from "../dom.js";
import { t, tv } from "../i18n.js";
import { errorText } from "../notify.js";
import { isProfileError } from "./bot-form-errors.js";

const MAX_MESSAGES = 20;

/**
 * `draft()` → {changed, body, saved}: whether the editor's draft differs from the saved profile,
 * the draft as {source} or {document}, and what tries the saved profile ({}: the account's,
 * which the server uses when no draft is sent). `onProfileError(error)` shows a 422 about the
 * draft in the editor. Returns {el, draftChanged(changed)}: the page calls the latter after each edit.
 */
export function createTryBot({ draft, onProfileError }) {
  let messages = [];
  let draftChosen = false;
  const input = h("input", { id: "bot-try-text", type: "text", placeholder: t("tryBot.placeholder"), autocomplete: "off", attrs: { "aria-label": t("tryBot.placeholder") } });
  const send = h("button", { type: "button", id: "bot-try-send", class: "primary", text: t("tryBot.send") });
  const reset = h("button", { type: "button", id: "bot-try-reset", text: t("tryBot.reset") });
  const useDraft = h("input", { type: "checkbox", id: "bot-try-draft", checked: draft().changed });
  const turns = h("ol", { id: "bot-try-turns", class: "try-turns" });
  const error = h("p", { id: "bot-try-error", class: "form-error", hidden: true, attrs: { role: "alert" } });
  const el = h(
    "section",
    { id: "bot-try", class: "card try-bot" },
    h("h2", { text: t("tryBot.title") }),
    h("p", { class: "hint", text: t("tryBot.hint") }),
    h("div", { class: "checkbox-row try-draft" }, useDraft, h("label", { attrs: { for: "bot-try-draft" }, text: t("tryBot.useDraft") })),
    turns,
    error,
    h("div", { class: "inline-form" }, input, send, reset),
  );
  useDraft.addEventListener("change", () => (draftChosen = true));

  async function say(text) {
    if (!text.trim() || messages.length >= MAX_MESSAGES) return;
    const next = [...messages, text];
    send.disabled = true;
    error.hidden = true;
    try {
      const { body, saved } = draft();
      const result = await post("/bot/try", { messages: next, ...(useDraft.checked ? body : saved) });
      messages = next;
      input.value = "";
      replace(turns, result.turns.map(renderTurn));
      turns.lastElementChild?.scrollIntoView({ block: "nearest" });
    } catch (e) {
      if (isProfileError(e)) onProfileError(e);
      error.textContent = isProfileError(e) ? t("tryBot.draftInvalid") : errorText(e);
      error.hidden = false;
    } finally {
      send.disabled = messages.length >= MAX_MESSAGES;
      input.focus();
    }
  }

  function renderTurn(turn) {
    const entities = Object.entries(turn.entities || {});
    const understanding = [
      t("tryBot.language", { language: tv("language", turn.language) }),
      t("tryBot.intent", { intent: turn.intent ?? t("tryBot.noIntent") }),
      t("tryBot.confidence", { value: Math.round((turn.confidence || 0) * 100) }),
    ].join(" · ");
    return h(
      "li",
      { class: "try-turn bot-try-turn" },
      h("div", { class: "message message-customer try-customer" }, h("div", { class: "message-text", text: turn.text })),
      h(
        "div",
        { class: "try-understanding" },
        h("span", { class: "try-summary", text: understanding }),
        entities.length > 0 &&
          h(
            "ul",
            { class: "chips try-entities" },
            entities.map(([kind, value]) => h("li", { class: "chip" }, h("b", { text: kind }), " ", typeof value === "string" ? value : JSON.stringify(value))),
          ),
      ),
      (turn.replies || []).map((reply) => h("div", { class: "message message-bot try-reply" }, h("div", { class: "message-text", text: reply }))),
      turn.choices?.length > 0 &&
        h(
          "div",
          { class: "try-choices" },
          turn.choices.map((choice) => h("button", { type: "button", class: "try-choice", text: choice, on: { click: () => say(choice) } })),
        ),
      turn.handover && h("div", { class: "try-handover", text: t("tryBot.handover", { reason: tv("reason", turn.handover.reason) }) }),
    );
  }

  send.onclick = () => say(input.value);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      say(input.value);
    }
  });
  reset.onclick = () => {
    messages = [];
    turns.replaceChildren();
    error.hidden = true;
    send.disabled = false;
  };

  return {
    el,
    /** Follows the draft's state until the admin sets the checkbox themselves. */
    draftChanged(changed) {
      if (!draftChosen) useDraft.checked = changed;
    },
  };
}
