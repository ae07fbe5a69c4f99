// The supervisor view: live queues per team, agents with presence and load, SLA breaches,
// reassigning a conversation, and the reports dashboard (`reports.js`). The live parts reload
// (debounced) on every live frame; reports load when their form changes.

import { get, query } from "../api.js";
import * as directory from "../directory.js";
import { h, replace, table } from "../dom.js";
import { formatDuration, t, tv } from "../i18n.js";
import { errorText, toast } from "../notify.js";
import { clockState, nextClock, routingOf } from "../sla.js";
import { reportsPanel } from "./reports.js";
import { transferDialog } from "./transfer.js";

export function mount(root) {
  const queues = h("section", { id: "supervisor-queues", class: "card" });
  const waiting = h("section", { id: "supervisor-waiting", class: "card" });
  const agents = h("section", { id: "supervisor-agents", class: "card" });
  const breaches = h("section", { id: "supervisor-sla", class: "card" });
  root.append(h("div", { class: "supervisor-grid" }, queues, agents, waiting, breaches, reportsPanel()));
  let timers = []; // [{el, since}] or [{el, clock}] repainted every second
  let reloadTimer = null;
  let alive = true;

  async function reload() {
    const [queue, agentList, users, teams] = await Promise.all([
      get("/queue").then((r) => r.data),
      get("/agents").then((r) => r.data),
      directory.users(),
      directory.teams(),
    ]);
    const open = await openConversations();
    if (!alive) return;
    timers = [];
    const userNames = directory.byId(users);
    paintQueues(queue, teams);
    paintWaiting(queue, teams);
    paintAgents(agentList, userNames);
    await paintBreaches(open, userNames);
    tick();
  }

  /** Queued and assigned conversations (the ones with running SLA clocks). */
  async function openConversations() {
    const pages = await Promise.all(["queued", "assigned"].map((status) => get("/conversations" + query({ status, limit: 100 }))));
    return pages.flatMap((page) => page.data);
  }

  function paintQueues(queue, teams) {
    const groups = [...teams.map((team) => ({ id: team.id, name: team.name })), { id: null, name: t("supervisor.anyTeam") }].map((group) => ({
      ...group,
      items: queue.filter((item) => item.team_id === group.id),
    }));
    replace(
      queues,
      h("h2", { text: t("supervisor.queues") }),
      table(
        [t("supervisor.team"), t("supervisor.waitingCount"), t("supervisor.longestWait")],
        groups.map((group) => {
          const oldest = group.items.reduce((min, item) => Math.min(min, Date.parse(item.queued_at)), Infinity);
          const wait = h("span", { class: "wait-time", text: "—" });
          if (group.items.length) timers.push({ el: wait, since: oldest });
          return h("tr", { attrs: { "data-team-id": group.id || "" } }, h("td", { text: group.name }), h("td", { class: "queue-count", text: String(group.items.length) }), h("td", {}, wait));
        }),
      ),
    );
  }

  function paintWaiting(queue, teams) {
    const teamNames = directory.byId(teams);
    replace(
      waiting,
      h("h2", { text: t("supervisor.waiting") }),
      queue.length
        ? table(
            [t("supervisor.position"), t("supervisor.contact"), t("supervisor.team"), t("supervisor.priority"), t("supervisor.wait"), ""],
            queue.map((item) => {
              const wait = h("span", { class: "wait-time" });
              timers.push({ el: wait, since: Date.parse(item.queued_at) });
              return h(
                "tr",
                { attrs: { "data-conversation-id": item.conversation_id } },
                h("td", { text: String(item.position) }),
                h("td", {}, conversationLink(item.conversation_id)),
                h("td", { text: teamNames.get(item.team_id)?.name || t("supervisor.anyTeam") }),
                h("td", { text: String(item.priority) }),
                h("td", {}, wait),
                h("td", {}, reassignButton(item.conversation_id)),
              );
            }),
          )
        : h("p", { class: "empty-note", text: t("supervisor.noneWaiting") }),
    );
  }

  function paintAgents(list, userNames) {
    replace(
      agents,
      h("h2", { text: t("supervisor.agents") }),
      table(
        [t("supervisor.agent"), t("supervisor.role"), t("supervisor.presence"), t("supervisor.load")],
        list.map((agent) => {
          const u = userNames.get(agent.user_id);
          const full = agent.load >= agent.effective_capacity;
          return h(
            "tr",
            { class: "agent-row", attrs: { "data-user-id": agent.user_id } },
            h("td", { text: u?.name || agent.user_id }),
            h("td", { text: tv("role", u?.role) }),
            h("td", {}, h("span", { class: `presence-badge presence-${agent.presence}`, text: tv("presence", agent.presence) })),
            h("td", { class: full ? "load capacity-full" : "load", text: `${agent.load} / ${agent.effective_capacity}` }),
          );
        }),
      ),
    );
  }

  async function paintBreaches(open, userNames) {
    const routed = await Promise.all(open.map(async (conv) => ({ conv, clock: nextClock((await routingOf(conv.id))?.sla) })));
    const late = routed.filter(({ clock }) => clock && clockState(clock).level !== "ok");
    late.sort((a, b) => Date.parse(a.clock.due_at) - Date.parse(b.clock.due_at));
    if (!alive) return;
    replace(
      breaches,
      h("h2", { text: t("supervisor.sla") }),
      late.length
        ? table(
            [t("supervisor.contact"), t("supervisor.status"), t("supervisor.agent"), t("supervisor.target"), t("supervisor.clock"), ""],
            late.map(({ conv, clock }) => {
              const timer = h("span", { class: "sla-timer" });
              timers.push({ el: timer, clock });
              return h(
                "tr",
                { class: "sla-row", attrs: { "data-conversation-id": conv.id } },
                h("td", {}, conversationLink(conv.id, conv.contact_id)),
                h("td", { text: tv("status", conv.status) }),
                h("td", { text: conv.assignee_id ? userNames.get(conv.assignee_id)?.name || "—" : "—" }),
                h("td", { text: t("sla.target." + clock.target) }),
                h("td", {}, timer),
                h("td", {}, reassignButton(conv.id)),
              );
            }),
          )
        : h("p", { class: "empty-note", text: t("supervisor.noBreaches") }),
    );
  }

  function reassignButton(conversationId) {
    const button = h("button", { type: "button", class: "reassign", text: t("supervisor.reassign") });
    button.onclick = async () => {
      try {
        if (await transferDialog(conversationId)) scheduleReload();
      } catch (e) {
        toast(errorText(e));
      }
    };
    return button;
  }

  function tick() {
    const now = Date.now();
    for (const timer of timers) {
      if (timer.clock) {
        const state = clockState(timer.clock, now);
        timer.el.textContent = state.text;
        timer.el.className = `sla-timer sla-${state.level}`;
      } else {
        timer.el.textContent = formatDuration((now - timer.since) / 1000);
      }
    }
  }

  function scheduleReload() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => reload().catch((e) => toast(errorText(e))), 1000);
  }

  const ticker = setInterval(tick, 1000);
  reload().catch((e) => toast(errorText(e)));

  return {
    frame(frame) {
      if (frame.type !== "pong" && frame.type !== "hello") scheduleReload();
    },
    unmount() {
      alive = false;
      clearInterval(ticker);
      clearTimeout(reloadTimer);
    },
  };
}

/** A link to the conversation, labelled with its contact's name once loaded. */
function conversationLink(conversationId, contactId) {
  const link = h("a", { href: `#/conversations/${conversationId}`, text: conversationId.slice(0, 8) });
  const load = contactId ? Promise.resolve(contactId) : get(`/conversations/${conversationId}`).then((c) => c.contact_id);
  load
    .then(directory.contact)
    .then((contact) => (link.textContent = directory.contactName(contact)))
    .catch(() => {});
  return link;
}
