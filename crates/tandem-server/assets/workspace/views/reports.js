// The reports dashboard of the supervisor view: a range and a grouping, hand-drawn SVG charts
// with their axes and values (the daily trend of conversations, containment and CSAT; the
// handover reasons), a table of the groups, a CSV download of the same summary, and a table of
// the agents (handled, handle time, occupancy...) whose rows open one agent's drill-down
// (report-agent.js). Figures come from /reports/*.

import { get, query } from "../api.js";
import { h, options, replace, svg, table } from "../dom.js";
import { formatDay, formatDuration, formatTime, t, tv } from "../i18n.js";
import { errorText, toast } from "../notify.js";
import { agentDrilldown, drillableRow } from "./report-agent.js";

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
/** Chart size in SVG units (the charts scale to their column) and the room kept for the axes. */
const WIDTH = 360;
const HEIGHT = 200;
const MARGIN = { top: 30, right: 24, bottom: 40, left: 46 };
const MOST_X_LABELS = 6;
/** Up to this many points each show their value; longer series label their highest and latest. */
const MOST_VALUE_LABELS = 10;

/** A date as YYYY-MM-DD in the browser's calendar. */
function isoDate(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

const isRate = (name) => name.endsWith("_rate") || name === "sla_compliance" || name === "occupancy";

/** A metric's value as people read it. */
function formatMetric(name, value) {
  if (value === null || value === undefined) return "—";
  if (isRate(name)) return `${Math.round(value * 1000) / 10}%`;
  if (name.endsWith("_seconds")) return formatDuration(value);
  if (name === "csat_mean") return value.toFixed(2);
  return String(Math.round(value));
}

/** What the vertical axis of a trend counts. */
function axisTitle(name) {
  if (name === "csat_positive_rate") return t("reports.axis.percentAnswers");
  return isRate(name) ? t("reports.axis.percent") : t("reports.axis.count");
}

/** The top of a count axis: 1, 2 or 5 times a power of ten, at least `max`. */
function niceTop(max) {
  if (max <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((step) => step * power).find((top) => top >= max);
}

/** Axis ticks from 0 to `top`: the middle one only where it is a whole count (or a rate). */
function ticks(top, rate) {
  return rate || Number.isInteger(top / 2) ? [0, top / 2, top] : [0, top];
}

/** Indexes of the points whose day is written under the axis: evenly spread, first and last included. */
function labelledIndexes(count) {
  if (count <= MOST_X_LABELS) return [...Array(count).keys()];
  const step = (count - 1) / (MOST_X_LABELS - 1);
  return [...Array(MOST_X_LABELS).keys()].map((index) => Math.round(index * step));
}

/** Indexes of the points that show their value: all of a short series, else the highest and the latest. */
function valueIndexes(values) {
  const known = values.map((value, index) => [value, index]).filter(([value]) => value !== null && value !== undefined);
  if (known.length <= MOST_VALUE_LABELS) return new Set(known.map(([, index]) => index));
  const highest = known.reduce((best, item) => (item[0] > best[0] ? item : best));
  return new Set([highest[1], known[known.length - 1][1]]);
}

/** A line over the buckets of a trend with both axes, a point per bucket and values written. */
function trendChart(name, points) {
  const values = points.map((point) => point.metrics[name]);
  const known = values.filter((value) => value !== null && value !== undefined);
  const rate = isRate(name);
  const top = rate ? 1 : niceTop(Math.max(0, ...known));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (index) => MARGIN.left + (points.length < 2 ? plotWidth / 2 : (index * plotWidth) / (points.length - 1));
  const y = (value) => MARGIN.top + plotHeight - (value / top) * plotHeight;
  const segments = [];
  let current = [];
  values.forEach((value, index) => {
    if (value === null || value === undefined) {
      if (current.length > 1) segments.push(current);
      current = [];
    } else current.push(`${x(index).toFixed(1)},${y(value).toFixed(1)}`);
  });
  if (current.length > 1) segments.push(current);
  const shown = valueIndexes(values);
  const label = `${t("reports.metric." + name)}: ${points.map((point, index) => t("reports.pointValue", { day: formatDay(point.start), value: formatMetric(name, values[index]) })).join(", ")}`;
  const bottom = MARGIN.top + plotHeight;
  return h(
    "figure",
    { class: "report-chart" },
    h("figcaption", { text: t("reports.metric." + name) }),
    svg(
      "svg",
      { class: "trend-chart", "data-metric": name, viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": label },
      svg("title", {}, label),
      svg("text", { class: "chart-axis-title", x: 4, y: 14 }, axisTitle(name)),
      ticks(top, rate).map((tick) => [
        svg("line", { class: tick ? "chart-grid" : "chart-axis", x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(tick), y2: y(tick) }),
        svg("text", { class: "chart-tick", x: MARGIN.left - 6, y: y(tick) + 4, "text-anchor": "end" }, formatMetric(name, tick)),
      ]),
      svg("line", { class: "chart-axis", x1: MARGIN.left, x2: MARGIN.left, y1: MARGIN.top, y2: bottom }),
      labelledIndexes(points.length).map((index) => [
        svg("line", { class: "chart-axis", x1: x(index), x2: x(index), y1: bottom, y2: bottom + 4 }),
        svg("text", { class: "chart-tick", x: x(index), y: bottom + 16, "text-anchor": "middle" }, formatDay(points[index].start)),
      ]),
      svg("text", { class: "chart-axis-title", x: MARGIN.left + plotWidth / 2, y: HEIGHT - 4, "text-anchor": "middle" }, t("reports.axis.day")),
      !known.length && svg("text", { class: "chart-empty", x: MARGIN.left + plotWidth / 2, y: MARGIN.top + plotHeight / 2, "text-anchor": "middle" }, t("reports.noData")),
      segments.map((segment) => svg("polyline", { class: "chart-line", points: segment.join(" ") })),
      values.map((value, index) =>
        value === null || value === undefined
          ? null
          : [
              svg(
                "circle",
                { class: "chart-point", cx: x(index).toFixed(1), cy: y(value).toFixed(1), r: 3 },
                svg("title", {}, t("reports.pointValue", { day: formatDay(points[index].start), value: formatMetric(name, value) })),
              ),
              shown.has(index) &&
                svg("text", { class: "chart-value", x: x(index).toFixed(1), y: (y(value) - 7).toFixed(1), "text-anchor": valueAnchor(index, points.length) }, formatMetric(name, value)),
            ],
      ),
    ),
  );
}

/** Values at the ends of the axis are written inwards, so that they stay inside the chart. */
function valueAnchor(index, count) {
  if (count > 1 && index === 0) return "start";
  if (count > 1 && index === count - 1) return "end";
  return "middle";
}

/** Horizontal bars: conversations per handover reason, with the count axis below. */
function reasonsChart(groups) {
  const rows = groups.filter((group) => group.key !== null);
  const top = niceTop(Math.max(0, ...rows.map((group) => group.metrics.conversations || 0)));
  const rowHeight = 32;
  const left = 8;
  const plotWidth = WIDTH - left - 40;
  const bottom = rows.length * rowHeight + 6;
  const height = bottom + 40;
  const x = (value) => left + (value / top) * plotWidth;
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
          ticks(top, false).map((tick) => [
            svg("line", { class: tick ? "chart-grid" : "chart-axis", x1: x(tick), x2: x(tick), y1: 4, y2: bottom }),
            svg("text", { class: "chart-tick", x: x(tick), y: bottom + 16, "text-anchor": "middle" }, String(tick)),
          ]),
          svg("line", { class: "chart-axis", x1: left, x2: left + plotWidth, y1: bottom, y2: bottom }),
          svg("text", { class: "chart-axis-title", x: left + plotWidth / 2, y: height - 4, "text-anchor": "middle" }, t("reports.axis.count")),
          rows.map((group, index) => {
            const count = group.metrics.conversations || 0;
            const y = index * rowHeight;
            return [
              svg("text", { class: "chart-label", x: left + 2, y: y + 15 }, tv("reason", group.key)),
              svg("rect", { class: "chart-bar", x: left, y: y + 19, width: Math.max(1, x(count) - left).toFixed(1), height: 10 }),
              svg("text", { class: "chart-value", x: (x(count) + 4).toFixed(1), y: y + 28 }, String(count)),
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
      const [summary, trend, reasons, agents, surveys] = await Promise.all([
        get("/reports/summary" + query({ ...range, group_by: groupBy.value })),
        get("/reports/trend" + query({ ...range, bucket: "day", metric: TRENDS.join(",") })),
        get("/reports/summary" + query({ ...range, group_by: "handover_reason" })),
        get("/reports/agents" + query(range)),
        get("/reports/survey_responses" + query(range)),
      ]);
      paint(summary, trend, reasons, agents, surveys);
    } catch (e) {
      replace(body, h("p", { class: "empty-note", text: errorText(e) }));
      toast(errorText(e));
    }
  }

  function paint(summary, trend, reasons, agents, surveys) {
    const cells = (columns) => (name, metrics, cls) =>
      h("tr", { class: cls }, h("td", { text: name }), columns.map((column) => h("td", { class: "number", attrs: { "data-metric": column }, text: formatMetric(column, metrics[column]) })));
    const row = cells(COLUMNS);
    const agentRow = cells(AGENT_COLUMNS);
    const drilldown = agentDrilldown({ from: agents.from, to: agents.to, timeZone: agents.time_zone });
    /** An agent's row, which opens their drill-down with the row's figures. */
    const agentGroupRow = (group) => {
      const name = group.label || group.key;
      const figures = AGENT_COLUMNS.map((column) => [t("reports.metric." + column), formatMetric(column, group.metrics[column])]);
      return drillableRow(agentRow(name, group.metrics, "report-agent"), () => drilldown.show({ id: group.key, name, figures }));
    };
    replace(
      body,
      h("p", { class: "reports-zone", text: t("reports.zone", { zone: summary.time_zone }) }),
      h("div", { class: "reports-charts" }, TRENDS.map((name) => trendChart(name, trend.points)), reasonsChart(reasons.groups)),
      h(
        "div",
        { class: "table-scroll" },
        table(
          [t("reports.group." + summary.group_by), ...COLUMNS.map((column) => t("reports.metric." + column))],
          [row(t("reports.total"), summary.total, "report-total"), ...summary.groups.map((group) => row(groupLabel(summary.group_by, group), group.metrics, "report-group"))],
        ),
      ),
      h("h3", { text: t("reports.agents") }),
      h(
        "div",
        { id: "reports-agents", class: "table-scroll" },
        table(
          [t("reports.group.agent"), ...AGENT_COLUMNS.map((column) => t("reports.metric." + column))],
          [agentRow(t("reports.total"), agents.total, "report-total"), ...agents.groups.map(agentGroupRow)],
        ),
      ),
      drilldown.el,
      h("h3", { text: t("reports.surveys") }),
      surveyTable(surveys.data, agents.groups),
    );
  }

  /** The customers' answers with their comments, newest first; each links to its conversation. */
  function surveyTable(responses, agentGroups) {
    if (responses.length === 0) return h("p", { id: "reports-surveys", class: "empty-note", text: t("reports.noSurveys") });
    const names = new Map(agentGroups.map((group) => [group.key, group.label]));
    return h(
      "div",
      { id: "reports-surveys", class: "table-scroll" },
      table(
        [t("reports.survey.when"), t("reports.survey.score"), t("reports.survey.comment"), t("reports.group.agent"), t("reports.group.channel")],
        responses.map((response) =>
          h(
            "tr",
            { class: "survey-response", attrs: { "data-survey": response.survey } },
            h("td", {}, h("a", { href: `#/conversations/${response.conversation_id}`, text: formatTime(response.answered_at) })),
            h("td", { class: "number", text: `${response.score} (${response.survey.toUpperCase()})` }),
            h("td", { class: "survey-comment", text: response.comment || "—" }),
            h("td", { text: response.agent_id ? names.get(response.agent_id) || "—" : t("reports.survey.bot") }),
            h("td", { text: tv("channel", response.channel) }),
          ),
        ),
      ),
    );
  }

  load();
  return section;
}
