// Admin: teams (name, description, routing settings as JSON) and their members.

import { del, get, patch, post, put } from "../api.js";
import * as directory from "../directory.js";
import { h, options, replace } from "../dom.js";
import { t } from "../i18n.js";
import { errorText, toast } from "../notify.js";
import { parseJsonField } from "../forms.js";
import { crudPage } from "./admin-crud.js";

export function renderTeams(container) {
  crudPage(container, {
    id: "admin-teams",
    title: t("admin.tab.teams"),
    newLabel: t("admin.teams.new"),
    load: () => {
      directory.invalidate("teams");
      return directory.teams();
    },
    columns: [
      [t("admin.name"), (team) => team.name],
      [t("admin.description"), (team) => team.description],
      [t("admin.teams.strategy"), (team) => team.routing?.strategy || ""],
    ],
    name: (team) => team.name,
    fields: (team) => [
      { name: "name", label: t("admin.name"), value: team?.name, required: true },
      { name: "description", label: t("admin.description"), type: "textarea", value: team?.description, rows: 2 },
      {
        name: "routing",
        label: t("admin.teams.routing"),
        type: "textarea",
        rows: 10,
        value: team ? JSON.stringify(team.routing, null, 2) : "",
        hint: t("admin.teams.routingHint"),
      },
    ],
    save: (team, values) => {
      const body = { name: values.name, description: values.description, routing: parseJsonField("routing", values.routing) };
      return team ? patch(`/teams/${team.id}`, body) : post("/teams", body);
    },
    remove: (team) => del(`/teams/${team.id}`),
    details: (team) => members(team),
  });
}

/** The team's members, with add and remove. */
function members(team) {
  const box = h("section", { id: "team-members", class: "team-members" });
  async function paint() {
    const [current, users] = await Promise.all([get(`/teams/${team.id}/members`).then((r) => r.data), directory.users()]);
    const ids = new Set(current.map((u) => u.id));
    const select = h("select", { id: "team-member-add" }, options(users.filter((u) => !ids.has(u.id)).map((u) => [u.id, u.name])));
    const add = h("button", { type: "button", text: t("admin.teams.addMember") });
    add.onclick = () => change(() => put(`/teams/${team.id}/members/${select.value}`));
    replace(
      box,
      h("h4", { text: t("admin.teams.members") }),
      h(
        "ul",
        { class: "plain-list" },
        current.map((u) =>
          h("li", {}, u.name, " ", h("button", { type: "button", class: "link-button", text: t("admin.teams.removeMember"), on: { click: () => change(() => del(`/teams/${team.id}/members/${u.id}`)) } })),
        ),
      ),
      select.options.length ? h("div", { class: "inline-form" }, select, add) : null,
    );
  }
  async function change(run) {
    try {
      await run();
      directory.invalidate("teams");
      await paint();
    } catch (e) {
      toast(errorText(e));
    }
  }
  paint().catch((e) => box.append(h("p", { class: "form-error", text: errorText(e) })));
  return box;
}
