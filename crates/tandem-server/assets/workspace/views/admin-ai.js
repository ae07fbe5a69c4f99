// Admin: AI (#/admin/ai). The provider (none, the model built into this server, or an
// OpenAI-compatible API with its URL, model and key), limits and features; a connection test
// that says in plain words what failed; and today's use against the budget with the last calls.
// The stored API key is never shown: the field stays empty and only says whether one is stored.

import { get, post, put } from "../api.js";
import * as directory from "../directory.js";
import { h, replace, table } from "../dom.js";
import { buildForm } from "../forms.js";
import { formatTime, lang, t, tv } from "../i18n.js";
import { errorText, toast } from "../notify.js";

const PROVIDERS = ["none", "embedded", "openai"];
const OPENAI_FIELDS = ["base_url", "model", "api_key", "clear_api_key"];
const FAILURES = new Set([
  "dns",
  "connect",
  "tls",
  "unauthorized",
  "model_not_found",
  "timeout",
  "rate_limited",
  "server_error",
  "bad_response",
  "not_configured",
  "over_budget",
  "embedded_failed",
]);

const number = (value) => new Intl.NumberFormat(lang()).format(value);

export function renderAi(container) {
  const settings = h("section", { id: "admin-ai-settings", class: "admin-section" }, h("h2", { text: t("admin.ai.settings") }));
  const test = h("section", { id: "admin-ai-test", class: "admin-section" }, h("h2", { text: t("admin.ai.testTitle") }));
  const usage = h("section", { id: "admin-ai-usage", class: "admin-section" }, h("h2", { text: t("admin.ai.usage") }));
  container.append(h("div", { class: "admin-page" }, settings, test, usage));
  let alive = true;

  function paintSettings(current) {
    const form = buildForm(
      [
        { name: "provider", label: t("admin.ai.provider"), type: "select", value: current.provider, options: providerOptions(current), hint: t("admin.ai.providerHint") },
        { name: "base_url", label: t("admin.ai.baseUrl"), value: current.base_url ?? "", placeholder: "https://api.openai.com/v1", hint: t("admin.ai.baseUrlHint") },
        { name: "model", label: t("admin.ai.model"), value: current.model ?? "" },
        { name: "api_key", label: t("admin.ai.apiKey"), type: "password", hint: current.api_key_set ? t("admin.ai.apiKeyStored") : t("admin.ai.apiKeyNone") },
        { name: "clear_api_key", label: t("admin.ai.clearKey"), type: "checkbox", value: false },
        { name: "timeout_ms", label: t("admin.ai.timeout"), type: "number", value: current.timeout_ms },
        { name: "daily_token_budget", label: t("admin.ai.budget"), type: "number", value: current.daily_token_budget ?? "", hint: t("admin.ai.budgetHint") },
        { name: "generative_answers", label: t("admin.ai.generativeAnswers"), type: "checkbox", value: current.generative_answers },
        { name: "translation", label: t("admin.ai.translation"), type: "checkbox", value: current.translation },
      ],
      {
        submitLabel: t("admin.save"),
        idPrefix: "admin-ai",
        onSubmit: async (values) => {
          const saved = await put("/ai/settings", body(values));
          directory.invalidate("ai:");
          if (!alive) return;
          paintSettings(saved);
          toast(t("admin.saved"), "ok");
        },
      },
    );
    const input = (name) => form.el.querySelector(`#admin-ai-${name}`);
    const embedded = input("provider").querySelector('option[value="embedded"]');
    if (embedded) embedded.disabled = !current.embedded_model;
    input("api_key").autocomplete = "new-password";
    function paintProvider() {
      const openai = input("provider").value === "openai";
      for (const name of OPENAI_FIELDS) input(name).closest(".form-row").hidden = !openai || (name === "clear_api_key" && !current.api_key_set);
    }
    input("provider").addEventListener("change", paintProvider);
    paintProvider();
    replace(settings, h("h2", { text: t("admin.ai.settings") }), form.el);
  }

  const testButton = h("button", { type: "button", id: "admin-ai-test-run", text: t("admin.ai.test") });
  const testResult = h("p", { id: "admin-ai-test-result", class: "ai-test-result", hidden: true, attrs: { role: "status" } });
  testButton.addEventListener("click", async () => {
    testButton.disabled = true;
    testButton.textContent = t("admin.ai.testing");
    testResult.hidden = true;
    try {
      const result = await post("/ai/test");
      if (!alive) return;
      testResult.className = "ai-test-result " + (result.ok ? "ai-test-ok" : "ai-test-failed");
      if (result.ok) replace(testResult, t("admin.ai.testOk", { model: result.model, latency: number(result.latency_ms) }));
      else replace(testResult, failureText(result.failure), result.message && h("small", { class: "ai-test-detail", text: result.message }));
      testResult.hidden = false;
      loadUsage();
    } catch (error) {
      toast(errorText(error));
    } finally {
      testButton.disabled = false;
      testButton.textContent = t("admin.ai.test");
    }
  });
  test.append(h("p", { class: "hint", text: t("admin.ai.testHint") }), h("div", { class: "form-buttons ai-test-buttons" }, testButton), testResult);

  const today = h("p", { id: "admin-ai-today" });
  const meter = h("progress", { id: "admin-ai-budget", class: "ai-budget", hidden: true });
  const calls = h("div", { id: "admin-ai-calls" });
  const refresh = h("button", { type: "button", id: "admin-ai-refresh", text: t("admin.ai.refresh") });
  refresh.addEventListener("click", () => loadUsage());
  const containment = h("div", { id: "admin-ai-containment" });
  usage.append(
    today,
    meter,
    h("div", { class: "admin-head" }, h("h3", { text: t("admin.ai.lastCalls") }), refresh),
    calls,
    h("h3", { text: t("admin.ai.containment") }),
    h("p", { class: "hint", text: t("admin.ai.containmentHint") }),
    containment,
  );

  async function loadUsage() {
    refresh.disabled = true;
    try {
      const [data, users] = await Promise.all([get("/ai/usage"), directory.users().catch(() => [])]);
      if (alive) paintUsage(data, directory.byId(users));
    } catch (error) {
      toast(errorText(error));
    } finally {
      refresh.disabled = false;
    }
  }

  function paintUsage(data, users) {
    const budget = data.daily_token_budget;
    const used = data.today.tokens;
    today.textContent =
      budget === null || budget === undefined
        ? t("admin.ai.todayNoBudget", { calls: number(data.today.calls), tokens: number(used) })
        : t("admin.ai.today", { calls: number(data.today.calls), tokens: number(used), budget: number(budget), percent: budget ? Math.round((used / budget) * 100) : 100 });
    meter.hidden = !budget;
    if (budget) {
      meter.max = budget;
      meter.value = Math.min(used, budget);
      meter.classList.toggle("ai-budget-over", used >= budget);
    }
    paintContainment(data.containment || []);
    if (!data.calls.length) return replace(calls, h("p", { class: "empty-note", text: t("admin.ai.noCalls") }));
    const who = (id) => (id ? users.get(id)?.name || id.slice(0, 8) : "—");
    replace(
      calls,
      table(
        ["when", "purpose", "user", "conversation", "model", "tokens", "latency", "outcome"].map((column) => t("admin.ai.column." + column)),
        data.calls.map((call) =>
          h(
            "tr",
            { class: `ai-call ai-outcome-${call.outcome === "ok" ? "ok" : "failed"}`, attrs: { "data-call-id": call.id } },
            h("td", { text: formatTime(call.created_at), title: call.created_at }),
            h("td", { text: tv("ai.purpose", call.purpose) }),
            h("td", { text: who(call.user_id) }),
            h("td", {}, call.conversation_id ? h("a", { href: `#/conversations/${call.conversation_id}`, text: t("admin.ai.open") }) : "—"),
            h("td", { text: [call.provider, call.model].filter(Boolean).join(" · ") }),
            h("td", { class: "number", text: `${number(call.prompt_tokens)} + ${number(call.completion_tokens)}` }),
            h("td", { class: "number", text: `${number(call.latency_ms)} ms` }),
            h("td", { class: "ai-outcome", text: tv("ai.outcome", call.outcome) }),
          ),
        ),
      ),
    );
  }

  /** Contained / resolved per intent, with and without a generated answer. */
  function paintContainment(rows) {
    if (!rows.length) return replace(containment, h("p", { class: "empty-note", text: t("admin.ai.noContainment") }));
    const intents = [...new Set(rows.map((row) => row.intent))];
    const cell = (intent, generated) => {
      const row = rows.find((item) => item.intent === intent && item.generated === generated);
      if (!row) return h("td", { class: "number", text: "—" });
      const percent = row.resolved ? Math.round((row.contained / row.resolved) * 100) : 0;
      return h("td", { class: "number", text: `${number(row.contained)} / ${number(row.resolved)} (${percent}%)` });
    };
    replace(
      containment,
      table(
        ["intent", "withGenerated", "withoutGenerated"].map((column) => t("admin.ai.column." + column)),
        intents.map((intent) => h("tr", {}, h("td", { text: intent || t("admin.ai.noIntent") }), cell(intent, true), cell(intent, false))),
      ),
    );
  }

  get("/ai/settings")
    .then((current) => alive && paintSettings(current))
    .catch((error) => toast(errorText(error)));
  loadUsage();
  return {
    destroy: () => {
      alive = false;
    },
  };
}

function providerOptions(current) {
  return PROVIDERS.map((provider) => {
    if (provider !== "embedded") return [provider, t("admin.ai.provider." + provider)];
    return [provider, current.embedded_model ? t("admin.ai.provider.embedded", { model: current.embedded_model }) : t("admin.ai.provider.embeddedMissing")];
  });
}

/** The PUT body: the URL, model and key only matter for "openai"; an empty key field keeps the stored one. */
function body(values) {
  const result = {
    provider: values.provider,
    base_url: values.base_url.trim() || null,
    model: values.model.trim() || null,
    timeout_ms: values.timeout_ms,
    daily_token_budget: values.daily_token_budget,
    generative_answers: values.generative_answers,
    translation: values.translation,
  };
  if (values.provider === "openai") {
    if (values.clear_api_key) result.api_key = "";
    else if (values.api_key) result.api_key = values.api_key;
  }
  return result;
}

/** A sentence for a failed test, by its kind. */
function failureText(kind) {
  return FAILURES.has(kind) ? t("admin.ai.failure." + kind) : t("admin.ai.failure.other", { kind: String(kind) });
}
