// The bot profile's form view: it edits the draft document in place, section by section
// (persona, languages, intents, articles, handover, understanding, business hours, closing,
// label rules); every key it does not show stays in the document as it was.

import { h, options, replace } from "../dom.js";
import { t, tv } from "../i18n.js";
import { articlesSection } from "./bot-form-articles.js";
import { errorSlot, getAt, localizedField, note, section, selectField, setAt, textField } from "./bot-form-fields.js";
import { ENTITY_KINDS, intentsSection } from "./bot-form-intents.js";
import { labelRulesSection } from "./bot-form-labels.js";
import { businessHoursSection, closingSection, handoverSection, understandingSection } from "./bot-form-settings.js";

const LANGUAGE_CODES = ["pt", "es", "en"];
const TONES = ["friendly", "formal", "neutral"];
/** Maps under these keys are named by the author, not by language: never stripped of one. */
const NOT_LOCALIZED = new Set(["variables", "headers"]);

/** `changed()` is called after every edit. Returns {el}. */
export function createBotForm(doc, { changed }) {
  const el = h("div", { id: "bot-form", class: "bot-form" });
  const articleIds = h("datalist", { id: "bot-article-ids" });
  const ctx = { doc, languages: [], changed };

  function paintArticleIds() {
    const ids = (Array.isArray(doc.articles) ? doc.articles : []).map((article) => article?.id).filter(Boolean);
    replace(articleIds, ids.map((id) => h("option", { value: id })));
  }

  function render() {
    const supported = (getAt(doc, ["languages", "supported"]) || []).filter((code) => LANGUAGE_CODES.includes(code));
    ctx.languages = supported.length ? supported : [LANGUAGE_CODES[0]];
    paintArticleIds();
    replace(
      el,
      note("admin.bot.formHint"),
      personaSection(ctx),
      languagesSection(ctx, render),
      intentsSection(ctx),
      articlesSection(ctx, paintArticleIds),
      handoverSection(ctx),
      understandingSection(ctx),
      businessHoursSection(ctx),
      closingSection(ctx),
      labelRulesSection(ctx),
      articleIds,
      h("datalist", { id: "bot-entity-kinds" }, ENTITY_KINDS.map((kind) => h("option", { value: kind }))),
    );
  }

  render();
  return { el };
}

function personaSection(ctx) {
  return section(
    ["persona"],
    t("admin.bot.section.persona"),
    textField(ctx, ["persona", "name"], { label: t("admin.bot.persona.name"), className: "bot-persona-name" }),
    selectField(ctx, ["persona", "tone"], { label: t("admin.bot.persona.tone"), className: "bot-persona-tone", fallback: "friendly", choices: TONES.map((tone) => [tone, t(`admin.bot.tone.${tone}`)]) }),
    localizedField(ctx, ["persona", "greeting"], { label: t("admin.bot.persona.greeting"), className: "bot-persona-greeting", rows: 2 }),
  );
}

/** The languages spoken (a checkbox each) and the default one; a change redraws the form. */
function languagesSection(ctx, redraw) {
  const supported = () => getAt(ctx.doc, ["languages", "supported"]) || [];
  const boxes = LANGUAGE_CODES.map((code) => {
    const input = h("input", { type: "checkbox", class: "bot-language", value: code, checked: supported().includes(code) });
    input.addEventListener("change", () => {
      if (input.checked) setAt(ctx.doc, ["languages", "supported"], [...supported(), code]);
      else if (!dropLanguage(ctx.doc, code, supported())) {
        input.checked = true;
        return;
      }
      const now = supported();
      if (!now.includes(getAt(ctx.doc, ["languages", "default"]))) setAt(ctx.doc, ["languages", "default"], now[0]);
      ctx.changed();
      redraw();
      document.querySelector(`.bot-language[value="${code}"]`)?.focus();
    });
    return h("label", { class: "bot-choice" }, input, " ", tv("language", code));
  });
  const defaultLanguage = h("select", { id: "bot-default-language" }, options(supported().map((code) => [code, tv("language", code)]), getAt(ctx.doc, ["languages", "default"])));
  defaultLanguage.addEventListener("change", () => {
    setAt(ctx.doc, ["languages", "default"], defaultLanguage.value);
    ctx.changed();
  });
  return section(
    ["languages"],
    t("admin.bot.section.languages"),
    h("fieldset", { class: "bot-choices bot-field", attrs: { "data-path": "languages.supported" } }, h("legend", { text: t("admin.bot.languages.supported") }), boxes, errorSlot()),
    h("div", { class: "form-row bot-field", attrs: { "data-path": "languages.default" } }, h("label", { attrs: { for: "bot-default-language" }, text: t("admin.bot.languages.default") }), defaultLanguage, errorSlot()),
  );
}

/**
 * Takes `code` out of the languages spoken, after the admin agrees to remove its texts from the
 * whole profile; false when they do not, or when it is the last language.
 */
function dropLanguage(doc, code, supported) {
  if (supported.length <= 1) {
    window.alert(t("admin.bot.languages.last"));
    return false;
  }
  if (!window.confirm(t("admin.bot.languages.confirmDrop", { language: tv("language", code) }))) return false;
  setAt(
    doc,
    ["languages", "supported"],
    supported.filter((other) => other !== code),
  );
  stripLanguage(doc, code);
  return true;
}

/** Removes `code` from every map of texts per language in `node`. */
function stripLanguage(node, code) {
  if (!node || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const item of node) stripLanguage(item, code);
    return;
  }
  const keys = Object.keys(node);
  if (keys.length && keys.every((key) => LANGUAGE_CODES.includes(key))) {
    delete node[code];
    return;
  }
  for (const key of keys) if (!NOT_LOCALIZED.has(key)) stripLanguage(node[key], code);
}
