// The sentiment trajectory as a small SVG line chart: one point per customer message, from
// -1 (negative, bottom) to +1 (positive, top), with the neutral line dashed.

import { svg } from "../dom.js";
import { t } from "../i18n.js";

const WIDTH = 240;
const HEIGHT = 64;
const PAD = 6;

/** `scores`: numbers in [-1, 1], oldest first. */
export function sentimentChart(scores) {
  const y = (score) => PAD + ((1 - Math.max(-1, Math.min(1, score))) / 2) * (HEIGHT - 2 * PAD);
  const x = (index) => (scores.length < 2 ? WIDTH / 2 : PAD + (index * (WIDTH - 2 * PAD)) / (scores.length - 1));
  const points = scores.map((score, index) => `${x(index).toFixed(1)},${y(score).toFixed(1)}`).join(" ");
  const label = t("context.sentimentLabel", { values: scores.map((s) => s.toFixed(2)).join(", ") });
  return svg(
    "svg",
    { id: "sentiment-chart", class: "sentiment-chart", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": label },
    svg("title", {}, label),
    svg("line", { class: "chart-zero", x1: 0, x2: WIDTH, y1: y(0), y2: y(0) }),
    scores.length > 1 && svg("polyline", { class: "chart-line", points }),
    scores.map((score, index) =>
      svg("circle", {
        class: score < -0.1 ? "chart-point negative" : score > 0.1 ? "chart-point positive" : "chart-point",
        cx: x(index).toFixed(1),
        cy: y(score).toFixed(1),
        r: 3,
      }),
    ),
  );
}
