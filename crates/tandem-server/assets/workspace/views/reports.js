// The reports dashboard of the supervisor view: a range and a grouping, hand-drawn SVG charts
// (the daily trend of conversations, containment and CSAT; the handover reasons), a table of
// the groups, a CSV download of the same summary, and a table of the agents (handled, handle
// time, occupancy...). Figures come from /reports/*.

import { get, query } from "../api.js";
import { h, options, replace, svg, table } from "../dom.js";
import { formatDuration, t, tv } from "../i18n.js";
import { errorText, toast } from "../notify.js";

const GROUPS = ["channel", "inbox", "team", "agent", "intent", "handover_reason"];
const COLUMNS = [
  "conversations",
  "containment_rate",
  "handover_rate",
  "out_of_scope_rate",
  "first_response_seconds",
  "time_to_agent_seconds",
  "resolution_seconds",
  "handover_abandonment_rate",
  "csat_positive_rate",
  "nps",
  "sla_compliance",
];
const AGENT_COLUMNS = [
  "handled_conversations",
  "handle_seconds",
  "first_human_response_seconds",
  "occupancy",
  "csat_positive_rate",
  "asked_again_rate",
];
const TRENDS = ["conversations", "containment_rate", "csat_positive_rate"];
const WIDTH = 320;
const HEIGHT = 90;
const PAD = 8;

/** A date as YYYY-MM-DD in the browser's calendar. */
function isoDate(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A metric's value as people read it. */
function formatMetric(name, value) {
  if (value === null || value === undefined) return "—";
  if (name.endsWith("_rate") || name === "sla_compliance" || name === "occupancy") return `${Math.round(value * 1000) / 10}%`;
  if (name.endsWith("_seconds")) return formatDuration(value);
  if (name === "csat_mean") return value.toFixed(2);
  return String(Math.round(value));
}

/** A line over the buckets of a trend; gaps where a bucket had nothing to count. */
function trendChart(name, points) {
  const values = points.map((point) => point.metrics[name]);
  const known = values.filter((value) => value !== null && value !== undefined);
  const top = name.endsWith("_rate") ? 1 : Math.max(1, ...known);
  const x = (index) => (points.length < 2 ? WIDTH / 2 : PAD + (index * (WIDTH - 2 * PAD)) / (points.length - 1));
  const y = (value) => HEIGHT - PAD - (value / top) * (HEIGHT - 2 * PAD);
  const segments = [];
  let current = [];
  values.forEach((value, index) => {
    if (value === null || value === undefined) {
      if (current.length) segments.push(current);
      current = [];
    } else current.push(`${x(index).toFixed(1)},${y(value).toFixed(1)}`);
  });
  if (current.length) segments.push(current);
  const label = `${t("reports.metric." + name)}: ${values.map((value) => formatMetric(name, value)).join(", ")}`;
  return h(
    "figure",
    { class: "report-chart" },
    h("figcaption", { text: t("reports.metric." + name) }),
    svg(
      "svg",
      { class: "trend-chart", "data-metric": name, viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": label },
      svg("title", {}, label),
      svg("line", { class: "chart-zero", x1: 0, x2: WIDTH, y1: y(0), y2: y(0) }),
      segments.map((segment) =>
        segment.length > 1 ? svg("polyline", { class: "chart-line", points: segment.join(" ") }) : svg("circle", { class: "chart-point", cx: segment[0].split(",")[0], cy: segment[0].split(",")[1], r: 2.5 }),
      ),
    ),
  );
}

/** Horizontal bars: conversations per handover reason. */
function reasonsChart(groups) {
  const rows = groups.filter((group) => group.key !== null);
  const top = Math.max(1, ...rows.map((group) => group.metrics.conversations || 0));
  const rowHeight = 30;
  const height = Math.max(rowHeight, rows.length * rowHeight);
  const label = rows.map((group) => `${tv("reason", group.key)}: ${group.metrics.conversations}`).join(", ") || t("reports.noHandovers");
  return h(
    "figure",
    { class: "report-chart" },
    h("figcaption", { text: t("reports.reasons") }),
    rows.length
      ? svg(
          "svg",
          { class: "reasons-chart", viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-label": label },
          svg("title", {}, label),
          rows.map((group, index) => {
            const width = ((group.metrics.conversations || 0) / top) * (WIDTH * 0.85);
            const y = index * rowHeight;
            return [
              svg("text", { class: "chart-label", x: 2, y: y + 11 }, tv("reason", group.key)),
              svg("rect", { class: "chart-bar", x: 2, y: y + 15, width: Math.max(1, width).toFixed(1), height: 10 }),
              svg("text", { class: "chart-label", x: width + 6, y: y + 24 }, String(group.metrics.conversations)),
            ];
          }),
        )
      : h("p", { class: "empty-note", text: t("reports.noHandovers") }),
  );
}

/** How a group's key reads: a channel or reason translated, a name, or "none". */
function groupLabel(groupBy, group) {
  if (group.key === null) return t("reports.none");
  if (groupBy === "channel") return tv("channel", group.key);
  if (groupBy === "handover_reason") return tv("reason", group.key);
  return group.label || group.key;
}

/** The reports card; loads on creation and whenever the form changes. */
export function reportsPanel() {
  const section = h("section", { id: "supervisor-reports", class: "card reports-card" });
  const today = new Date();
  const monthAgo = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 29);
  const from = h("input", { type: "date", id: "reports-from", value: isoDate(monthAgo) });
  const to = h("input", { type: "date", id: "reports-to", value: isoDate(today) });
  const groupBy = h("select", { id: "reports-group" }, options(GROUPS.map((group) => [group, t("reports.group." + group)]), "channel"));
  const csv = h("a", { id: "reports-csv", class: "button-link", download: "", text: t("reports.csv") });
  const body = h("div", { class: "reports-body" }, h("p", { class: "empty-note", text: t("common.loading") }));
  const form = h(
    "form",
    { class: "reports-form" },
    h("label", {}, t("reports.from"), " ", from),
    h("label", {}, t("reports.to"), " ", to),
    h("label", {}, t("reports.groupBy"), " ", groupBy),
    h("button", { type: "submit", text: t("reports.apply") }),
    csv,
  );
  form.onsubmit = (event) => {
    event.preventDefault();
    load();
  };
  groupBy.onchange = () => load();
  replace(section, h("h2", { text: t("reports.title") }), form, body);

  async function load() {
    const range = { from: from.value, to: to.value };
    csv.href = "/api/v1/reports/summary.csv" + query({ ...range, group_by: groupBy.value });
    try {
      const [summary, trend, reasons, agents] = await Promise.all([
        get("/reports/summary" + query({ ...range, group_by: groupBy.value })),
        get("/reports/trend" + query({ ...range, bucket: "day", metric: TRENDS.join(",") })),
        get("/reports/summary" + query({ ...range, group_by: "handover_reason" })),
        get("/reports/agents" + query(range)),
      ]);
      paint(summary, trend, reasons, agents);
    } catch (e) {
      replace(body, h("p", { class: "empty-note", text: errorText(e) }));
      toast(errorText(e));
    }
  }

  function paint(summary, trend, reasons, agents) {
    const cells = (columns) => (name, metrics, cls) =>
      h("tr", { class: cls }, h("td", { text: name }), columns.map((column) => h("td", { class: "number", attrs: { "data-metric": column }, text: formatMetric(column, metrics[column]) })));
    const row = cells(COLUMNS);
    const agentRow = cells(AGENT_COLUMNS);
    replace(
      body,
      h("p", { class: "reports-zone", text: t("reports.zone", { zone: summary.time_zone }) }),
      h("div", { class: "reports-charts" }, TRENDS.map((name) => trendChart(name, trend.points)), reasonsChart(reasons.groups)),
      table(
        [t("reports.group." + summary.group_by), ...COLUMNS.map((column) => t("reports.metric." + column))],
        [row(t("reports.total"), summary.total, "report-total"), ...summary.groups.map((group) => row(groupLabel(summary.group_by, group), group.metrics, "report-group"))],
      ),
      h("h3", { text: t("reports.agents") }),
      h(
        "div",
        { id: "reports-agents" },
        table(
          [t("reports.group.agent"), ...AGENT_COLUMNS.map((column) => t("reports.metric." + column))],
          [agentRow(t("reports.total"), agents.total, "report-total"), ...agents.groups.map((group) => agentRow(group.label || group.key, group.metrics, "report-agent"))],
        ),
      ),
    );
  }

  load();
  return section;
}
