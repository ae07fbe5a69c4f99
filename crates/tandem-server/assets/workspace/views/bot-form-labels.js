// The bot profile form's label rules: the label a conversation gets when a customer message
// is identified as one of the intents, arrives on one of the channels, or has one of the words.

import { h } from "../dom.js";
import { t, tv } from "../i18n.js";
import { errorSlot, getAt, linesField, namesField, note, pathText, section, setAt, textField } from "./bot-form-fields.js";
import { editableList } from "./bot-form-list.js";

const CHANNELS = ["web", "api", "whatsapp", "messenger", "instagram", "telegram", "sms", "voice", "email"];

const newRule = () => ({ label: "", intents: [], channels: [], keywords: [] });

export function labelRulesSection(ctx) {
  const list = editableList(ctx, ["label_rules"], {
    itemClass: "bot-label-rule",
    addId: "bot-label-rule-add",
    addLabel: t("admin.bot.labelRule.add"),
    title: (rule) => rule.label,
    create: newRule,
    render: (rule, path, retitle) => [
      textField(ctx, [...path, "label"], { label: t("admin.bot.labelRule.label"), className: "bot-label-rule-label", hint: t("admin.bot.labelRule.labelHint"), onInput: retitle }),
      namesField(ctx, [...path, "intents"], { label: t("admin.bot.labelRule.intents"), className: "bot-label-rule-intents", hint: t("admin.bot.labelRule.intentsHint") }),
      channelsField(ctx, [...path, "channels"]),
      linesField(ctx, [...path, "keywords"], { label: t("admin.bot.labelRule.keywords"), className: "bot-label-rule-keywords", hint: t("admin.bot.labelRule.keywordsHint"), rows: 3 }),
    ],
  });
  return section(null, t("admin.bot.section.labelRules"), note("admin.bot.labelRule.hint"), list.el);
}

/** A checkbox per channel; channels the form does not know stay as they are. */
function channelsField(ctx, path) {
  const chosen = () => getAt(ctx.doc, path) || [];
  const boxes = CHANNELS.map((channel) => {
    const input = h("input", { type: "checkbox", value: channel, checked: chosen().includes(channel) });
    input.addEventListener("change", () => {
      const others = chosen().filter((value) => value !== channel);
      setAt(ctx.doc, path, input.checked ? [...others, channel] : others);
      ctx.changed();
    });
    return h("label", { class: "bot-choice" }, input, " ", tv("channel", channel));
  });
  return h(
    "fieldset",
    { class: "bot-choices bot-channels bot-field", attrs: { "data-path": pathText(path) } },
    h("legend", { text: t("admin.bot.labelRule.channels") }),
    boxes,
    errorSlot(),
  );
}
