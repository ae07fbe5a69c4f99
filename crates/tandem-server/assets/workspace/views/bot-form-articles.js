// The bot profile form's knowledge-base articles: id, title and text per language, the
// questions customers ask that each one answers, and its public address.

import { t } from "../i18n.js";
import { localizedField, section, textField } from "./bot-form-fields.js";
import { editableList } from "./bot-form-list.js";

const newArticle = () => ({ id: "", title: {}, body: {} });

/** `articleIdsChanged()` is called when an article's id is edited or the list changes. */
export function articlesSection(ctx, articleIdsChanged) {
  const list = editableList(ctx, ["articles"], {
    itemClass: "bot-article",
    addId: "bot-article-add",
    addLabel: t("admin.bot.article.add"),
    title: (article) => article.id,
    create: newArticle,
    render: (article, path, retitle) => [
      textField(ctx, [...path, "id"], {
        label: t("admin.bot.article.id"),
        className: "bot-article-id",
        hint: t("admin.bot.article.idHint"),
        onInput: () => {
          retitle();
          articleIdsChanged();
        },
      }),
      localizedField(ctx, [...path, "title"], { label: t("admin.bot.article.title"), kind: "text", className: "bot-article-title" }),
      localizedField(ctx, [...path, "body"], { label: t("admin.bot.article.body"), className: "bot-article-body", rows: 6 }),
      localizedField(ctx, [...path, "questions"], { label: t("admin.bot.article.questions"), kind: "lines", className: "bot-article-questions", hint: t("admin.bot.article.questionsHint") }),
      textField(ctx, [...path, "url"], { label: t("admin.bot.article.url"), className: "bot-article-url", whenEmpty: "remove", placeholder: "https://" }),
    ],
  });
  list.el.addEventListener("click", (event) => {
    if (event.target.closest(".bot-list-add, .bot-item-remove")) articleIdsChanged();
  });
  return section(null, t("admin.bot.section.articles"), list.el);
}
