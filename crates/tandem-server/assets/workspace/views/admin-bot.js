// Admin: the bot profile editor (the YAML source as the API gives it, with every validation
// error from a 422 listed by field path) and the "try the bot" box.

import { ApiError, get, put } from "../api.js";
import { h, replace } from "../dom.js";
import { formatTime, t } from "../i18n.js";
import { errorText, toast } from "../notify.js";
import { createTryBot } from "./try-bot.js";

export function renderBot(container) {
  const summary = h("p", { id: "bot-profile-summary", class: "hint" });
  const source = h("textarea", { id: "bot-profile-source", class: "code-editor", rows: 28, spellcheck: false });
  const errors = h("ul", { id: "bot-profile-errors", class: "error-list", hidden: true, attrs: { role: "alert" } });
  const save = h("button", { type: "button", id: "bot-profile-save", class: "primary", text: t("admin.bot.save") });
  const tryBot = createTryBot();
  replace(
    container,
    h(
      "div",
      { id: "admin-bot", class: "bot-layout" },
      h(
        "section",
        { class: "card bot-editor" },
        h("h2", { text: t("admin.bot.profile") }),
        summary,
        h("div", { class: "editor-with-errors" }, source, errors),
        h("div", { class: "form-buttons" }, save),
      ),
      tryBot.el,
    ),
  );

  function paintSummary(profile) {
    summary.textContent = t("admin.bot.summary", {
      name: profile.bot_name,
      languages: profile.languages.join(", "),
      intents: profile.intents,
      articles: profile.articles,
      time: formatTime(profile.updated_at),
    });
  }

  function paintErrors(error) {
    const details = error.details?.length ? error.details : [{ field: "source", message: error.message }];
    replace(
      errors,
      details.map((detail) =>
        h(
          "li",
          { class: "profile-error", attrs: { "data-field": detail.field || "" } },
          h("code", { class: "error-field", text: detail.field || "source" }),
          " ",
          h("span", { text: detail.message }),
        ),
      ),
    );
    errors.hidden = false;
  }

  save.onclick = async () => {
    save.disabled = true;
    errors.hidden = true;
    try {
      const profile = await put("/bot/profile", { source: source.value });
      paintSummary(profile);
      toast(t("admin.saved"), "ok");
    } catch (e) {
      paintErrors(e);
    } finally {
      save.disabled = false;
    }
  };

  get("/bot/profile")
    .then((profile) => {
      source.value = profile.source;
      paintSummary(profile);
    })
    .catch((e) => {
      if (e instanceof ApiError && e.status === 404) summary.textContent = t("admin.bot.none");
      else toast(errorText(e));
    });
}
