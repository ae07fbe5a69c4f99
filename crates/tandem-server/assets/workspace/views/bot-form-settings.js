// The bot profile form's settings: understanding thresholds, the handover rules with their
// thresholds, the business-hours messages and closing. Defaults are those of the profile schema
// (crates/tandem-bot/src/profile/schema.rs), shown where a value is left out.

import { h } from "../dom.js";
import { t, tv } from "../i18n.js";
import { checkField, linesField, localizedField, note, numberField, section } from "./bot-form-fields.js";

const UNIT = { min: 0, max: 1, step: 0.01 };
const SENTIMENT = { min: -1, max: 0, step: 0.05 };
const COUNT = { min: 0, step: 1 };

/** [key, default, number limits (a checkbox when absent)] of each setting. */
const UNDERSTANDING = [
  ["out_of_scope_threshold", 0.15, UNIT],
  ["minimum_confidence", 0.35, UNIT],
  ["clarify_margin", 0.12, UNIT],
  ["include_built_in_off_topic_examples", true],
];

const HANDOVER_RULES = {
  customer_request: [],
  negative_sentiment: [
    ["threshold", -0.5, SENTIMENT],
    ["two_in_a_row", true],
    ["two_in_a_row_threshold", -0.3, SENTIMENT],
  ],
  bot_failure: [
    ["consecutive_failures", 2, COUNT],
    ["repeated_question", true],
    ["repeated_question_similarity", 0.8, UNIT],
  ],
  sensitive_topic: [["minimum_confidence", 0.5, UNIT]],
  high_value: [],
  action_failed: [],
  complexity: [
    ["multiple_intents", true],
    ["second_intent_confidence", 0.1, UNIT],
    ["max_message_chars", 600, COUNT],
  ],
};

const BUSINESS_HOURS = ["person_coming", "queue_position", "queue_wait", "closed", "closed_bot_stays"];

function settingFields(ctx, path, settings) {
  return settings.map(([key, fallback, limits]) => {
    const options = { label: t(`admin.bot.setting.${key}`), fallback, className: `bot-setting-${key}` };
    return limits ? numberField(ctx, [...path, key], { ...options, ...limits }) : checkField(ctx, [...path, key], options);
  });
}

export function understandingSection(ctx) {
  return section(["understanding"], t("admin.bot.section.understanding"), note("admin.bot.understandingHint"), h("div", { class: "bot-settings" }, settingFields(ctx, ["understanding"], UNDERSTANDING)));
}

export function handoverSection(ctx) {
  const rules = Object.entries(HANDOVER_RULES).map(([rule, settings]) => {
    const path = ["handover", rule];
    return h(
      "fieldset",
      { class: "bot-rule", attrs: { "data-rule": rule } },
      h("legend", { text: tv("reason", rule) }),
      checkField(ctx, [...path, "enabled"], { label: t("admin.bot.rule.enabled"), fallback: true, className: "bot-rule-enabled" }),
      h("div", { class: "bot-settings" }, settingFields(ctx, path, settings)),
      rule === "customer_request" && localizedField(ctx, [...path, "phrases"], { label: t("admin.bot.rule.phrases"), kind: "lines", className: "bot-rule-phrases", hint: t("admin.bot.rule.phrasesHint") }),
      rule === "high_value" && linesField(ctx, [...path, "rules"], { label: t("admin.bot.rule.conditions"), className: "bot-rule-conditions", hint: t("admin.bot.rule.conditionsHint"), rows: 3 }),
    );
  });
  return section(["handover"], t("admin.bot.section.handover"), rules);
}

export function businessHoursSection(ctx) {
  return section(
    ["business_hours"],
    t("admin.bot.section.businessHours"),
    note("admin.bot.businessHoursHint"),
    BUSINESS_HOURS.map((key) =>
      localizedField(ctx, ["business_hours", key], { label: t(`admin.bot.hours.${key}`), className: `bot-hours-${key}`, optional: true, rows: 2 }),
    ),
  );
}

export function closingSection(ctx) {
  return section(
    ["closing"],
    t("admin.bot.section.closing"),
    h(
      "div",
      { class: "bot-settings" },
      checkField(ctx, ["closing", "on_thanks"], { label: t("admin.bot.closing.onThanks"), fallback: true, className: "bot-closing-on-thanks" }),
      numberField(ctx, ["closing", "after_silence_minutes"], { label: t("admin.bot.closing.afterSilence"), fallback: 30, min: 0, max: 10080, step: 1, className: "bot-closing-after-silence", hint: t("admin.bot.closing.afterSilenceHint") }),
      checkField(ctx, ["closing", "survey"], { label: t("admin.bot.closing.survey"), fallback: true, className: "bot-closing-survey" }),
    ),
  );
}
