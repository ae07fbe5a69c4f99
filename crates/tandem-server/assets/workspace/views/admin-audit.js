// Admin: the audit trail (#/admin/audit): filters (who, what, subject, when), a table of who did
// what, when, from where, with the values before and after, older pages on demand, and a CSV
// download of the same filters. Every value is shown as text.

import { get, query } from "../api.js";
import * as directory from "../directory.js";
import { h, options, replace, table } from "../dom.js";
import { formatTime, t } from "../i18n.js";
import { errorText, toast } from "../notify.js";

const PAGE = 50;

/** A date-time input's local value as an RFC 3339 instant, or undefined when empty. */
function instant(value) {
  return value ? new Date(value).toISOString() : undefined;
}

/** A before/after object as short "field: value" lines. */
function values(object) {
  if (!object || typeof object !== "object") return "—";
  const entries = Object.entries(object);
  if (!entries.length) return "—";
  return entries.map(([field, value]) => `${field}: ${typeof value === "string" ? value : JSON.stringify(value)}`).join("\n");
}

function row(entry) {
  const who = entry.actor_name || entry.actor_email ? `${entry.actor_name || ""} <${entry.actor_email || ""}>` : t("admin.audit.anonymous");
  const subject = entry.subject_id ? `${entry.subject_kind} ${entry.subject_id}` : entry.subject_kind;
  return h(
    "tr",
    { class: "audit-row" },
    h("td", { text: formatTime(entry.created_at), title: entry.created_at }),
    h("td", { text: who }),
    h("td", { text: entry.ip || "—", title: entry.user_agent || "" }),
    h("td", { text: entry.action }),
    h("td", { text: subject }),
    h("td", {}, h("pre", { class: "audit-values", text: values(entry.before) })),
    h("td", {}, h("pre", { class: "audit-values", text: values(entry.after) })),
  );
}

export function renderAudit(container) {
  const actor = h("select", { id: "audit-actor" });
  const action = h("input", { id: "audit-action", type: "text", placeholder: "user." });
  const subjectKind = h("input", { id: "audit-subject-kind", type: "text", placeholder: "inbox" });
  const subjectId = h("input", { id: "audit-subject-id", type: "text" });
  const from = h("input", { id: "audit-from", type: "datetime-local" });
  const to = h("input", { id: "audit-to", type: "datetime-local" });
  const apply = h("button", { id: "audit-apply", type: "submit", text: t("admin.audit.apply") });
  const csv = h("a", { id: "audit-csv", class: "button-link", download: "", text: t("reports.csv") });
  const body = h("tbody", {});
  const more = h("button", { id: "audit-more", type: "button", hidden: true, text: t("admin.audit.more") });
  const empty = h("p", { id: "audit-empty", class: "muted", hidden: true, text: t("admin.audit.empty") });
  const label = (text, input) => h("label", {}, h("span", { text }), input);
  const form = h(
    "form",
    { id: "audit-filters", class: "audit-filters" },
    label(t("admin.audit.actor"), actor),
    label(t("admin.audit.action"), action),
    label(t("admin.audit.subjectKind"), subjectKind),
    label(t("admin.audit.subjectId"), subjectId),
    label(t("reports.from"), from),
    label(t("reports.to"), to),
    apply,
    csv,
  );
  const grid = table(
    ["when", "who", "where", "what", "subject", "before", "after"].map((column) => t("admin.audit.column." + column)),
    [],
  );
  grid.querySelector("tbody").replaceWith(body);
  container.append(h("h2", { text: t("admin.tab.audit") }), form, grid, empty, more);

  let cursor = null;
  let alive = true;

  function filters() {
    return {
      actor_id: actor.value,
      action: action.value.trim(),
      subject_kind: subjectKind.value.trim(),
      subject_id: subjectId.value.trim(),
      from: instant(from.value),
      to: instant(to.value),
    };
  }

  async function load(append) {
    const params = filters();
    csv.href = "/api/v1/audit-log" + query({ ...params, format: "csv" });
    try {
      const page = await get("/audit-log" + query({ ...params, limit: PAGE, cursor: append ? cursor : null }));
      if (!alive) return;
      if (!append) replace(body);
      body.append(...page.data.map(row));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      empty.hidden = body.children.length > 0;
    } catch (error) {
      toast(errorText(error), "error");
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load(false);
  });
  more.addEventListener("click", () => load(true));
  directory
    .users()
    .then((users) => {
      if (!alive) return;
      replace(actor, options([["", t("admin.audit.anyone")], ...users.map((user) => [user.id, `${user.name} <${user.email}>`])], ""));
    })
    .catch((error) => toast(errorText(error), "error"));
  load(false);
  return {
    destroy: () => {
      alive = false;
    },
  };
}
