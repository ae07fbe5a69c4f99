// The copilot toolbar above the reply box (#copilot-bar): a summary of the conversation (shown in
// the context panel), a suggested reply grounded on the articles (put in the reply box for the
// agent to edit and send, its sources listed under the box) and a rephrase of the reply box's
// text. A control is disabled and says it is working while its request runs.

import { post } from "../api.js";
import { h, options, replace } from "../dom.js";
import { t } from "../i18n.js";
import { errorText, toast } from "../notify.js";

const STYLES = ["friendlier", "formal", "shorter", "grammar"];

/** `reply`: the reply box (views/reply.js); `context`: the context panel (views/context.js). */
export function createCopilot(conversationId, reply, context) {
  const summary = h("button", { type: "button", id: "copilot-summary-run", text: t("copilot.summary") });
  const suggest = h("button", { type: "button", id: "copilot-suggest", text: t("copilot.suggest") });
  const rephrase = h(
    "select",
    { id: "copilot-rephrase", title: t("copilot.rephrase") },
    options([["", t("copilot.rephrase")], ...STYLES.map((style) => [style, t("copilot.style." + style)])], ""),
  );
  const toolbar = h("div", { id: "copilot-bar", class: "copilot-bar", attrs: { role: "toolbar", "aria-label": t("copilot.label") } }, summary, suggest, rephrase);
  const sources = h("div", { id: "copilot-sources", class: "copilot-sources", hidden: true });
  reply.attach(toolbar, sources);

  /** Runs `work` with `control` disabled and showing that it works (`label` puts the words back). */
  async function busy(control, label, work) {
    control.disabled = true;
    control.setAttribute("aria-busy", "true");
    control.classList.add("busy");
    label(t("copilot.working"));
    try {
      await work();
    } finally {
      control.disabled = false;
      control.removeAttribute("aria-busy");
      control.classList.remove("busy");
      label(null);
    }
  }

  const buttonLabel = (button, key) => (text) => (button.textContent = text || t(key));
  const placeholder = rephrase.options[0];

  summary.addEventListener("click", () =>
    busy(summary, buttonLabel(summary, "copilot.summary"), async () => {
      try {
        context.showSummary(await post(`/conversations/${conversationId}/copilot/summary`));
      } catch (e) {
        toast(errorText(e));
      }
    }),
  );

  suggest.addEventListener("click", () => {
    if (reply.value().trim() && !window.confirm(t("copilot.replaceDraft"))) return;
    reply.clearError();
    paintSources([]);
    busy(suggest, buttonLabel(suggest, "copilot.suggest"), async () => {
      reply.lock(true);
      try {
        const result = await post(`/conversations/${conversationId}/copilot/suggest`);
        reply.fill(result.text);
        paintSources(result.citations || []);
      } catch (e) {
        reply.showError(e.code === "no_grounded_answer" ? t("copilot.noGroundedAnswer") : errorText(e));
      } finally {
        reply.lock(false);
      }
    });
  });

  rephrase.addEventListener("change", () => {
    const style = rephrase.value;
    rephrase.value = "";
    if (!style) return;
    const text = reply.value();
    reply.clearError();
    if (!text.trim()) {
      reply.showError(t("copilot.emptyText"));
      return;
    }
    busy(rephrase, (label) => (placeholder.textContent = label || t("copilot.rephrase")), async () => {
      reply.lock(true);
      try {
        reply.setText((await post("/copilot/rephrase", { text, style })).text);
      } catch (e) {
        reply.showError(errorText(e));
      } finally {
        reply.lock(false);
      }
    });
  });

  function paintSources(citations) {
    sources.hidden = !citations.length;
    replace(
      sources,
      h("span", { class: "copilot-sources-label", text: t("copilot.sources") }),
      h(
        "ul",
        { class: "chips" },
        citations.map((citation) => {
          const safe = citation.url && /^https?:\/\//i.test(citation.url);
          return h(
            "li",
            { class: "chip", attrs: { "data-article-id": citation.article_id } },
            safe ? h("a", { href: citation.url, text: citation.title, target: "_blank", rel: "noopener noreferrer" }) : citation.title,
          );
        }),
      ),
    );
  }

  return {
    /** The reply went out: its sources no longer apply. */
    clear() {
      paintSources([]);
    },
  };
}
