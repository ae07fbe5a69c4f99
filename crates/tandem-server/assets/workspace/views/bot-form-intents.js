// The bot profile form's intents: a search by name, label or example, and the list of intents
// (name, label, examples and answer per language, article, flags, slots, the action's answer).

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { checkField, getAt, localizedField, note, numberField, section, textField } from "./bot-form-fields.js";
import { editableList } from "./bot-form-list.js";

/** Opened for the search's matches when there are at most this many. */
const MOST_OPENED_MATCHES = 5;
export const ENTITY_KINDS = ["cpf", "cnpj", "email", "phone", "money", "date", "reference", "card_number"];

const newIntent = () => ({ name: "", label: {}, examples: {}, sensitive: false, reply: null, article: null, slots: [], action: null, handover: false, generative: false });
const newSlot = () => ({ name: "", entity: "cpf", prompt: {}, max_attempts: 3 });

/** Lower case without accents, for matching what the admin types. */
const folded = (text) => String(text).normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase();

export function intentsSection(ctx) {
  const list = editableList(ctx, ["intents"], {
    itemClass: "bot-intent",
    addId: "bot-intent-add",
    addLabel: t("admin.bot.intent.add"),
    title: (intent) => intent.name,
    create: newIntent,
    render: (intent, path, retitle) => intentFields(ctx, intent, path, retitle),
  });
  const search = h("input", { type: "search", id: "bot-intent-search", placeholder: t("admin.bot.intent.searchPlaceholder"), autocomplete: "off" });
  const count = h("span", { id: "bot-intent-count", class: "hint", attrs: { "aria-live": "polite" } });

  function filter() {
    const query = folded(search.value.trim());
    const cards = list.cards();
    const matches = cards.filter((card, index) => {
      const match = !query || folded(searchText(list.items()[index])).includes(query);
      card.hidden = !match;
      return match;
    });
    if (query && matches.length <= MOST_OPENED_MATCHES) for (const card of matches) card.open = true;
    count.textContent = t("admin.bot.intent.count", { shown: matches.length, total: cards.length });
  }
  search.addEventListener("input", filter);
  list.el.addEventListener("click", (event) => {
    if (event.target.closest(".bot-list-add, .bot-item-remove, .bot-item-move-up, .bot-item-move-down")) setTimeout(filter);
  });
  filter();

  return section(
    null,
    t("admin.bot.section.intents"),
    h("div", { class: "bot-search" }, h("label", { attrs: { for: "bot-intent-search" }, class: "visually-hidden", text: t("admin.bot.intent.search") }), search, count),
    list.el,
  );
}

function searchText(intent) {
  const values = (map) => Object.values(map || {}).flat();
  return [intent.name, ...values(intent.label), ...values(intent.examples)].join("\n");
}

function intentFields(ctx, intent, path, retitle) {
  const slots = getAt(ctx.doc, [...path, "slots"]);
  return [
    textField(ctx, [...path, "name"], { label: t("admin.bot.intent.name"), className: "bot-intent-name", hint: t("admin.bot.intent.nameHint"), onInput: retitle }),
    localizedField(ctx, [...path, "label"], { label: t("admin.bot.intent.label"), kind: "text", className: "bot-intent-label", hint: t("admin.bot.intent.labelHint") }),
    localizedField(ctx, [...path, "examples"], { label: t("admin.bot.intent.examples"), kind: "lines", className: "bot-intent-examples", hint: t("admin.bot.intent.examplesHint"), rows: 6 }),
    localizedField(ctx, [...path, "reply"], { label: t("admin.bot.intent.answer"), className: "bot-intent-answer", hint: t("admin.bot.intent.answerHint"), optional: true }),
    textField(ctx, [...path, "article"], { label: t("admin.bot.intent.article"), className: "bot-intent-article", whenEmpty: "null", list: "bot-article-ids", hint: t("admin.bot.intent.articleHint") }),
    h(
      "div",
      { class: "bot-flags" },
      checkField(ctx, [...path, "handover"], { label: t("admin.bot.intent.handover"), className: "bot-intent-handover" }),
      checkField(ctx, [...path, "sensitive"], { label: t("admin.bot.intent.sensitive"), className: "bot-intent-sensitive" }),
      checkField(ctx, [...path, "generative"], { label: t("admin.bot.intent.generative"), className: "bot-intent-generative" }),
    ),
    intent.action &&
      localizedField(ctx, [...path, "action", "reply"], { label: t("admin.bot.intent.actionAnswer"), className: "bot-intent-action-answer", hint: t("admin.bot.intent.actionHint") }),
    (Array.isArray(slots) && slots.length > 0) || intent.action ? slotsPart(ctx, path) : null,
  ];
}

function slotsPart(ctx, path) {
  const list = editableList(ctx, [...path, "slots"], {
    itemClass: "bot-slot",
    addLabel: t("admin.bot.slot.add"),
    title: (slot) => slot.name,
    create: newSlot,
    render: (slot, slotPath, retitle) => [
      textField(ctx, [...slotPath, "name"], { label: t("admin.bot.slot.name"), className: "bot-slot-name", onInput: retitle }),
      textField(ctx, [...slotPath, "entity"], { label: t("admin.bot.slot.entity"), className: "bot-slot-entity", list: "bot-entity-kinds" }),
      textField(ctx, [...slotPath, "pattern"], { label: t("admin.bot.slot.pattern"), className: "bot-slot-pattern", whenEmpty: "null", hint: t("admin.bot.slot.patternHint") }),
      localizedField(ctx, [...slotPath, "prompt"], { label: t("admin.bot.slot.prompt"), className: "bot-slot-prompt", rows: 2 }),
      numberField(ctx, [...slotPath, "max_attempts"], { label: t("admin.bot.slot.maxAttempts"), fallback: 3, min: 1, max: 255, step: 1 }),
    ],
  });
  return h("div", { class: "bot-slots" }, h("h4", { text: t("admin.bot.slot.title") }), note("admin.bot.slot.hint"), list.el);
}
