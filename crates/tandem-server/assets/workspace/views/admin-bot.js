// Admin: the bot profile editor, for the account's profile or an inbox's own one (chosen on top,
// bot-profile-target.js). A form (the default view) or the YAML source ("Advanced"), the draft
// carried across both; validation errors of a 422 next to their fields (the rest listed on top);
// "try the bot" on the saved profile or the unsaved draft; and a question before unsaved changes
// are left (also when another profile is chosen).

import { put } from "../api.js";
import { h, replace } from "../dom.js";
import { formatTime, t } from "../i18n.js";
import { guardUnsavedChanges } from "../leave-guard.js";
import { errorText, toast } from "../notify.js";
import { createDraft } from "./bot-draft.js";
import { createBotForm } from "./bot-form.js";
import { clearErrors, showErrors } from "./bot-form-errors.js";
import { createProfileTarget } from "./bot-profile-target.js";
import { createTryBot } from "./try-bot.js";

export function renderBot(container) {
  const draft = createDraft();
  let savedProfile = null;
  let form = null;
  /** The data-paths of the form's open cards, kept across the YAML view. */
  let openCards = [];

  const summary = h("p", { id: "bot-profile-summary", class: "hint" });
  const tab = (view, text) => h("button", { type: "button", id: `bot-view-${view}`, class: "bot-view-tab", text, attrs: { role: "tab", "aria-controls": `bot-pane-${view}` } });
  const formTab = tab("form", t("admin.bot.view.form"));
  const yamlTab = tab("yaml", t("admin.bot.view.yaml"));
  const viewError = h("p", { id: "bot-view-error", class: "form-error", hidden: true, attrs: { role: "alert" } });
  const errors = h("ul", { id: "bot-profile-errors", class: "error-list", hidden: true, attrs: { role: "alert" } });
  const formPane = h("div", { id: "bot-pane-form", attrs: { role: "tabpanel", "aria-labelledby": "bot-view-form" } });
  const source = h("textarea", { id: "bot-profile-source", class: "code-editor", rows: 28, spellcheck: false, attrs: { "aria-label": t("admin.bot.view.yaml") } });
  const yamlPane = h("div", { id: "bot-pane-yaml", hidden: true, attrs: { role: "tabpanel", "aria-labelledby": "bot-view-yaml" } }, h("p", { class: "hint", text: t("admin.bot.yamlHint") }), source);
  const status = h("span", { id: "bot-draft-status", class: "bot-draft-status", attrs: { role: "status" } });
  const save = h("button", { type: "button", id: "bot-save", class: "primary", text: t("admin.bot.save"), disabled: true });
  const discard = h("button", { type: "button", id: "bot-discard", text: t("admin.bot.discard"), disabled: true });
  const target = createProfileTarget({ load, startOwn });
  // An inbox's saved profile is tried as a draft: the server tries the account's when sent none.
  const savedBody = () => (target.inbox() && savedProfile ? { document: savedProfile.document } : {});
  const tryBot = createTryBot({ draft: () => ({ changed: draft.changed(), body: draft.body(), saved: savedBody() }), onProfileError: paintErrors });
  const editor = h(
    "section",
    { id: "bot-editor", class: "card bot-editor" },
    h("h2", { text: t("admin.bot.profile") }),
    summary,
    h("div", { class: "bot-view-tabs", attrs: { role: "tablist", "aria-label": t("admin.bot.view.label") } }, formTab, yamlTab),
    viewError,
    errors,
    formPane,
    yamlPane,
    h("div", { class: "form-buttons bot-save-bar" }, save, discard, status),
  );

  replace(container, h("div", { id: "admin-bot", class: "bot-layout" }, target.el, editor, tryBot.el));

  function changed() {
    const dirty = draft.changed();
    status.textContent = dirty ? t("admin.bot.unsaved") : "";
    discard.disabled = !dirty;
    tryBot.draftChanged(dirty);
  }

  /** Shows the draft's view; the cards that were open in the form stay open. */
  function paint() {
    const isForm = draft.view() === "form";
    if (form) openCards = [...formPane.querySelectorAll("details[open]")].map((card) => card.dataset.path);
    for (const [button, selected] of [
      [formTab, isForm],
      [yamlTab, !isForm],
    ]) {
      button.setAttribute("aria-selected", String(selected));
      button.classList.toggle("active", selected);
    }
    formPane.hidden = !isForm;
    yamlPane.hidden = isForm;
    viewError.hidden = true;
    clearErrors(null, errors);
    if (isForm) {
      form = createBotForm(draft.document(), { changed });
      replace(formPane, form.el);
      for (const path of openCards) formPane.querySelector(`details[data-path="${CSS.escape(path)}"]`)?.setAttribute("open", "");
    } else {
      form = null;
      formPane.replaceChildren();
      source.value = draft.source();
    }
    changed();
  }

  function paintErrors(error) {
    showErrors(form ? formPane : null, errors, error);
  }

  function paintSummary(profile) {
    summary.textContent = profile
      ? t("admin.bot.summary", {
          name: profile.bot_name,
          languages: profile.languages.join(", "),
          intents: profile.intents,
          articles: profile.articles,
          time: formatTime(profile.updated_at),
        })
      : t("admin.bot.none");
  }

  /** Puts a saved profile (null: none) in the editor; an inbox using the account's has none to edit. */
  function load(profile) {
    savedProfile = profile;
    save.disabled = false;
    draft.reset(profile);
    editor.hidden = !target.shown(profile);
    paintSummary(profile);
    paint();
  }

  /** Starts the chosen inbox's own profile, unsaved, from the account's (null: from nothing). */
  function startOwn(accountProfile) {
    draft.reset(accountProfile, true);
    target.started();
    editor.hidden = false;
    summary.textContent = t(accountProfile ? "admin.bot.inbox.draft" : "admin.bot.none");
    paint();
  }

  formTab.onclick = async () => {
    if (draft.view() === "form") return;
    try {
      await draft.toForm();
    } catch (e) {
      viewError.textContent = t("admin.bot.yamlUnreadable", { reason: errorText(e) });
      viewError.hidden = false;
      return;
    }
    paint();
  };
  yamlTab.onclick = async () => {
    try {
      await draft.toYaml();
    } catch (e) {
      toast(errorText(e));
      return;
    }
    paint();
  };
  source.addEventListener("input", () => {
    draft.setSource(source.value);
    changed();
  });

  save.onclick = async () => {
    save.disabled = true;
    clearErrors(form && formPane, errors);
    try {
      load(await put(target.path(), draft.body()));
      toast(t("admin.saved"), "ok");
    } catch (e) {
      paintErrors(e);
    } finally {
      save.disabled = false;
    }
  };
  discard.onclick = () => {
    if (window.confirm(t("admin.bot.confirmDiscard"))) load(savedProfile);
  };

  target.load();

  return { destroy: guardUnsavedChanges(() => draft.changed()) };
}
