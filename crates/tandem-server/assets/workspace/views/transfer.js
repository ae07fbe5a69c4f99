// The transfer dialog: send a conversation to a team's queue or to a named agent, with a note for
// whoever takes it (the customer is told which team, or who, continues); supervisors and admins may
// give it to an agent beyond their capacity. Teams and agents (with presence and load) are read
// fresh each time, so a team created a moment ago is there without a reload.

import { get, post } from "../api.js";
import { openDialog } from "../dialog.js";
import { h } from "../dom.js";
import { t, tv } from "../i18n.js";
import { isSupervisor, user } from "../session.js";

const PRESENCE_ORDER = ["online", "away", "offline"];

/** Opens the dialog; resolves to the change ({conversation, events}) or null if cancelled. */
export async function transferDialog(conversationId) {
  const opener = document.activeElement;
  const [teams, agents, users] = await Promise.all([get("/teams"), get("/agents"), get("/users")].map((request) => request.then((r) => r.data)));
  const kind = (value) => h("input", { type: "radio", name: "transfer-kind", id: `transfer-kind-${value}`, value, checked: value === "team" });
  const toTeam = kind("team");
  const toAgent = kind("agent");
  // Team options are "team:{id}", as they were when agents shared the list.
  const team = h("select", { id: "transfer-target" }, teams.map((item) => h("option", { value: "team:" + item.id, text: item.name })));
  const others = agentChoices(agents, users);
  const agent = h("select", { id: "transfer-agent" }, others.map(([id, label]) => h("option", { value: id, text: label })));
  const note = h("textarea", { id: "transfer-note", rows: 3, attrs: { maxlength: "2000", placeholder: t("transfer.notePlaceholder") } });
  const override = h("input", { type: "checkbox", id: "transfer-override" });
  const teamField = h("div", { class: "transfer-field" }, h("label", { attrs: { for: "transfer-target" }, text: t("transfer.teams") }), team);
  const agentField = h(
    "div",
    { class: "transfer-field", hidden: true },
    h("label", { attrs: { for: "transfer-agent" }, text: t("transfer.agents") }),
    agent,
    !others.length && h("p", { class: "hint", text: t("transfer.noAgents") }),
    isSupervisor() && h("label", { class: "inline" }, override, " ", t("transfer.override")),
  );
  const showKind = () => {
    teamField.hidden = !toTeam.checked;
    agentField.hidden = !toAgent.checked;
  };
  toTeam.onchange = showKind;
  toAgent.onchange = showKind;

  return openDialog({
    id: "transfer-dialog",
    title: t("transfer.title"),
    body: [
      h(
        "fieldset",
        { class: "transfer-kind" },
        h("legend", { text: t("transfer.to") }),
        h("label", { class: "inline" }, toTeam, " ", t("transfer.kind.team")),
        h("label", { class: "inline" }, toAgent, " ", t("transfer.kind.agent")),
      ),
      teamField,
      agentField,
      h("label", { attrs: { for: "transfer-note" }, text: t("transfer.note") }),
      note,
    ],
    confirmId: "transfer-confirm",
    confirmLabel: t("transfer.confirm"),
    cancelId: "transfer-cancel",
    focus: toTeam,
    returnTo: opener,
    confirm: () => {
      const withNote = note.value.trim() ? { note: note.value } : {};
      const path = `/conversations/${conversationId}`;
      if (toAgent.checked) {
        if (!agent.value) throw new Error(t("transfer.pickAgent"));
        const beyondCapacity = override.checked ? { override_capacity: true } : {};
        return post(`${path}/transfer`, { agent_id: agent.value, ...withNote, ...beyondCapacity });
      }
      if (!team.value) throw new Error(t("transfer.pickTeam"));
      return post(`${path}/transfer`, { team_id: team.value.replace(/^team:/, ""), ...withNote });
    },
  });
}

/** [user id, "name — presence, load/capacity"] for everyone but the caller: available first, then by name. */
function agentChoices(agents, users) {
  const names = new Map(users.map((item) => [item.id, item.name]));
  return agents
    .filter((agent) => agent.user_id !== user().id)
    .map((agent) => ({ ...agent, name: names.get(agent.user_id) || agent.user_id }))
    .sort((a, b) => PRESENCE_ORDER.indexOf(a.presence) - PRESENCE_ORDER.indexOf(b.presence) || a.name.localeCompare(b.name))
    .map((agent) => [
      agent.user_id,
      t("transfer.agentOption", { name: agent.name, presence: tv("presence", agent.presence), load: agent.load, capacity: agent.effective_capacity }),
    ]);
}
