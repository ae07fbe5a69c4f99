// Two-way translation in the transcript: under a message's own text, its translation into the
// agent's language (the one the workspace is shown in), marked "Translated". A customer message
// in another language that came without one is translated on request, once per message and
// language while the app is open, whether it was loaded with the conversation or arrived live.

import { post } from "../api.js";
import { h, replace } from "../dom.js";
import { lang, t } from "../i18n.js";
import { errorText } from "../notify.js";

const requested = new Map(); // "message id:language" → {promise, result}

/** The block to put under `message`'s text, or null when there is nothing to show. */
export function translationBlock(message) {
  const language = lang();
  if (message.private || message.language === language) return null;
  const known = (message.translations || []).find((item) => item.language === language);
  if (known) return known.text === message.text ? null : paint(h("div"), known);
  // A live message comes without its language: the server answers with the text itself
  // when it is in the agent's language already, and nothing is shown then.
  if (message.direction !== "inbound") return null;
  const request = translate(message, language);
  if (request.result) return request.result.text === message.text ? null : paint(h("div"), request.result);
  const slot = h("div", { class: "message-translation translation-pending", attrs: { "aria-busy": "true" } }, h("span", { class: "translation-label", text: t("translation.working") }));
  request.promise.then(
    (result) => fill(slot, () => (result.text === message.text ? slot.remove() : paint(slot, result))),
    (error) => fill(slot, () => replace(slot, h("span", { class: "translation-failed", text: t("translation.failed", { reason: errorText(error) }) }))),
  );
  return slot;
}

function translate(message, language) {
  const key = `${message.id}:${language}`;
  if (!requested.has(key)) {
    const request = { result: null };
    request.promise = post(`/conversations/${message.conversation_id}/messages/${message.id}/translation`, { to: language }).then(
      (result) => (request.result = result),
      (error) => {
        requested.delete(key); // a later showing of the message tries again
        throw error;
      },
    );
    requested.set(key, request);
  }
  return requested.get(key);
}

/** Shows `translation` in `el`, marked as translated. */
function paint(el, translation) {
  el.className = "message-translation";
  return replace(
    el,
    h("span", { class: "translation-label", text: t("translation.label") }),
    h("div", { class: "translation-text", text: translation.text, attrs: { lang: translation.language } }),
  );
}

/** Fills a pending slot (if it is still shown), keeping the transcript at its end if it was there. */
function fill(slot, change) {
  if (!slot.isConnected) return;
  const transcript = slot.closest(".transcript");
  const atBottom = transcript && transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 80;
  slot.classList.remove("translation-pending");
  slot.removeAttribute("aria-busy");
  change();
  if (atBottom) transcript.scrollTop = transcript.scrollHeight;
}
