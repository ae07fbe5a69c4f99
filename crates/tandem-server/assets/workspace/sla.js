// SLA clocks from GET /conversations/{id}/routing, and how a running clock reads.

import { get } from "./api.js";
import { formatDuration, t } from "./i18n.js";

/** The conversation's routing: {team_id, queue, sla: [clock]}; null when it cannot be read. */
export async function routingOf(conversationId) {
  try {
    return await get(`/conversations/${conversationId}/routing`);
  } catch {
    return null;
  }
}

/** The running clock due first, or null. */
export function nextClock(clocks) {
  const running = (clocks || []).filter((clock) => !clock.stopped_at);
  running.sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
  return running[0] || null;
}

/** {text, level} for a clock at `now`: level is "ok", "near" or "breached". */
export function clockState(clock, now = Date.now()) {
  const due = Date.parse(clock.due_at);
  const left = (due - now) / 1000;
  if (left <= 0 || clock.stage === "breached") {
    return { text: t("sla.overdue", { time: formatDuration(-left) }), level: "breached" };
  }
  const near = clock.stage === "near_breach" || now >= Date.parse(clock.near_breach_at);
  return { text: t("sla.left", { time: formatDuration(left) }), level: near ? "near" : "ok" };
}

/** Sets a timer element's text and class for `clock` (hides it without a running clock). */
export function paintClock(el, clock) {
  el.hidden = !clock;
  if (!clock) return;
  const { text, level } = clockState(clock);
  el.textContent = text;
  el.title = t("sla.target." + clock.target);
  el.className = `sla-timer sla-${level}`;
}
