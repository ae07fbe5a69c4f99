// Admin: the learning loop. Questions the bot could not answer, grouped and ranked; the
// suggestions made from people's answers, each editable, with a preview of what it would change
// on past questions, and approve (the bot learns it at once) or dismiss.

import { get, patch, post } from "../api.js";
import { h, replace, table } from "../dom.js";
import { t, tv } from "../i18n.js";
import { errorText, toast } from "../notify.js";

const lines = (text) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);

export function renderLearning(container) {
  const refresh = h("button", { type: "button", id: "learning-refresh", class: "primary", text: t("learning.refresh") });
  const suggestions = h("div", { id: "learning-suggestions", class: "learning-suggestions" });
  const groups = h("div", { id: "learning-groups" });
  container.append(
    h("section", { class: "card" }, h("h2", { text: t("learning.suggestions") }), h("p", { class: "hint", text: t("learning.hint") }), refresh, suggestions),
    h("section", { class: "card" }, h("h2", { text: t("learning.groups") }), groups),
  );

  async function load() {
    try {
      const [pending, grouped] = await Promise.all([get("/learning/suggestions?status=pending"), get("/learning/groups")]);
      showSuggestions(pending.data);
      showGroups(grouped.data);
    } catch (e) {
      toast(errorText(e));
    }
  }

  function showSuggestions(items) {
    replace(suggestions, items.length ? items.map(renderSuggestion) : h("p", { class: "empty", text: t("learning.noSuggestions") }));
  }

  function showGroups(items) {
    if (!items.length) return replace(groups, h("p", { class: "empty", text: t("learning.noGroups") }));
    const rows = items.map((group) =>
      h(
        "tr",
        {},
        h("td", { text: String(group.count) }),
        h("td", { text: tv("language", group.language) }),
        h("td", {}, h("ul", { class: "learning-samples" }, group.samples.map((text) => h("li", { text })))),
        h("td", { text: String(group.answered) }),
        h("td", { text: group.suggestion_status ? tv("learning.status", group.suggestion_status) : "—" }),
      ),
    );
    replace(groups, table([t("learning.count"), t("learning.language"), t("learning.samples"), t("learning.answered"), t("learning.status")], rows));
  }

  function renderSuggestion(suggestion) {
    const proposal = suggestion.proposal;
    const error = h("p", { class: "form-error", hidden: true, attrs: { role: "alert" } });
    const preview = h("div", { class: "learning-preview" });
    const fields = {};
    let editor;
    if (proposal.kind === "article") {
      fields.title = h("input", { type: "text", value: proposal.title, class: "learning-title" });
      fields.questions = h("textarea", { rows: 3, value: proposal.questions.join("\n") });
      fields.body = h("textarea", { rows: 4, value: proposal.body, class: "learning-body" });
      editor = [
        h("label", {}, t("learning.articleTitle"), fields.title),
        h("label", {}, t("learning.questions"), fields.questions),
        h("label", {}, t("learning.answer"), fields.body),
      ];
    } else {
      fields.examples = h("textarea", { rows: 4, value: proposal.examples.join("\n") });
      editor = [h("p", { text: t("learning.intent", { intent: proposal.intent }) }), h("label", {}, t("learning.examples"), fields.examples)];
    }
    const edited = () =>
      proposal.kind === "article"
        ? { ...proposal, title: fields.title.value, questions: lines(fields.questions.value), body: fields.body.value }
        : { ...proposal, examples: lines(fields.examples.value) };
    const changed = () => JSON.stringify(edited()) !== JSON.stringify(proposal);

    async function act(button, work) {
      button.disabled = true;
      error.hidden = true;
      try {
        if (changed()) await patch(`/learning/suggestions/${suggestion.id}`, { proposal: edited() });
        await work();
      } catch (e) {
        error.textContent = [errorText(e), ...(e.details || []).map((d) => `${d.field}: ${d.message}`)].join("\n");
        error.hidden = false;
      } finally {
        button.disabled = false;
      }
    }

    const previewButton = h("button", { type: "button", class: "learning-preview-button", text: t("learning.preview") });
    const approve = h("button", { type: "button", class: "primary learning-approve", text: t("learning.approve") });
    const dismiss = h("button", { type: "button", class: "learning-dismiss", text: t("learning.dismiss") });
    previewButton.addEventListener("click", () =>
      act(previewButton, async () => replace(preview, renderImpact(await post(`/learning/suggestions/${suggestion.id}/preview`, {})))),
    );
    approve.addEventListener("click", () =>
      act(approve, async () => {
        const url = `/learning/suggestions/${suggestion.id}/approve`;
        try {
          await post(url, {});
        } catch (e) {
          // The bot would keep customers a rule sends to a person: only on an explicit override.
          if (e.code !== "stops_handovers") throw e;
          replace(preview, renderImpact(await post(`/learning/suggestions/${suggestion.id}/preview`, {})));
          if (!window.confirm(t("learning.overrideConfirm"))) return;
          await post(url, { override_handover_guard: true });
        }
        toast(t("learning.approved"), "ok");
        await load();
      }),
    );
    dismiss.addEventListener("click", () =>
      act(dismiss, async () => {
        await post(`/learning/suggestions/${suggestion.id}/dismiss`, {});
        await load();
      }),
    );
    return h(
      "article",
      { class: "learning-suggestion", attrs: { "data-suggestion-id": suggestion.id } },
      h(
        "h3",
        { text: t("learning.heading", { count: suggestion.question_count, language: tv("language", suggestion.language), kind: tv("learning.kind", proposal.kind) }) },
      ),
      h("ul", { class: "learning-samples" }, suggestion.questions.map((text) => h("li", { text }))),
      editor,
      error,
      h("div", { class: "form-buttons" }, previewButton, approve, dismiss),
      preview,
    );
  }

  function renderImpact(impact) {
    const item = (entry) =>
      h("li", {}, h("b", { text: entry.text }), " — ", tv("learning.verdict", entry.before.kind), " → ", tv("learning.verdict", entry.after.kind), entry.reply && h("div", { class: "hint", text: entry.reply }));
    return [
      h("p", { text: t("learning.checked", { checked: impact.checked, gained: impact.now_answered.length, changed: impact.changed.length }) }),
      impact.now_answered.length > 0 && h("h4", { text: t("learning.nowAnswered") }),
      impact.now_answered.length > 0 && h("ul", { class: "learning-gained" }, impact.now_answered.map(item)),
      impact.changed.length > 0 && h("h4", { text: t("learning.changed") }),
      impact.changed.length > 0 && h("ul", { class: "learning-changed" }, impact.changed.map(item)),
      impact.stops_handovers.length > 0 && h("h4", { class: "learning-warning", text: t("learning.stopsHandovers") }),
      impact.stops_handovers.length > 0 && h("ul", { class: "learning-stops" }, impact.stops_handovers.map(item)),
    ];
  }

  refresh.addEventListener("click", async () => {
    refresh.disabled = true;
    try {
      showSuggestions((await post("/learning/suggestions/refresh", {})).data);
      showGroups((await get("/learning/groups")).data);
    } catch (e) {
      toast(errorText(e));
    } finally {
      refresh.disabled = false;
    }
  });

  load();
  return {};
}
