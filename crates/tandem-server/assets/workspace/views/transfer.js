// The transfer dialog: send a conversation to a team's queue with a note for whoever takes it
// (the customer is told which team continues), or (supervisors and admins) assign it to an
// agent, optionally beyond their capacity. Teams are read fresh each time, so a team created a
// moment ago is there without a reload.

import { get, post } from "../api.js";
import * as directory from "../directory.js";
import { h } from "../dom.js";
import { t, tv } from "../i18n.js";
import { errorText } from "../notify.js";
import { isSupervisor } from "../session.js";

/** Opens the dialog; resolves to the change ({conversation, events}) or null if cancelled. */
export async function transferDialog(conversationId) {
  const [teams, users, agents] = await Promise.all([
    get("/teams").then((r) => r.data),
    directory.users(),
    isSupervisor() ? get("/agents").then((r) => r.data) : [],
  ]);
  const target = h("select", { id: "transfer-target" });
  target.append(
    h("optgroup", { label: t("transfer.teams") }, teams.map((team) => h("option", { value: "team:" + team.id, text: team.name }))),
  );
  if (isSupervisor()) {
    const status = new Map(agents.map((a) => [a.user_id, a]));
    target.append(
      h(
        "optgroup",
        { label: t("transfer.agents") },
        users.map((u) => {
          const s = status.get(u.id);
          const detail = s ? ` (${tv("presence", s.presence)}, ${s.load}/${s.effective_capacity})` : "";
          return h("option", { value: "agent:" + u.id, text: u.name + detail });
        }),
      ),
    );
  }
  const note = h("textarea", { id: "transfer-note", rows: 3, attrs: { maxlength: "2000", placeholder: t("transfer.notePlaceholder") } });
  const override = h("input", { type: "checkbox", id: "transfer-override" });
  const error = h("p", { class: "form-error", hidden: true, attrs: { role: "alert" } });
  const confirm = h("button", { type: "button", id: "transfer-confirm", class: "primary", text: t("transfer.confirm") });
  const cancel = h("button", { type: "button", id: "transfer-cancel", text: t("common.cancel") });
  const dialog = h(
    "dialog",
    { id: "transfer-dialog", class: "dialog" },
    h("h2", { text: t("transfer.title") }),
    h("label", { attrs: { for: "transfer-target" }, text: t("transfer.to") }),
    target,
    h("label", { attrs: { for: "transfer-note" }, text: t("transfer.note") }),
    note,
    isSupervisor() && h("label", { class: "inline" }, override, " ", t("transfer.override")),
    error,
    h("div", { class: "dialog-buttons" }, cancel, confirm),
  );
  document.body.append(dialog);
  dialog.showModal();

  return new Promise((resolve) => {
    const finish = (result) => {
      dialog.close();
      dialog.remove();
      resolve(result);
    };
    cancel.onclick = () => finish(null);
    dialog.addEventListener("cancel", () => finish(null));
    confirm.onclick = async () => {
      const [kind, id] = target.value.split(":");
      if (!id) return;
      confirm.disabled = true;
      error.hidden = true;
      try {
        const result =
          kind === "team"
            ? await post(`/conversations/${conversationId}/transfer`, { team_id: id, ...(note.value.trim() ? { note: note.value } : {}) })
            : await post(`/conversations/${conversationId}/assign`, { agent_id: id, override_capacity: override.checked });
        finish(result);
      } catch (e) {
        error.textContent = errorText(e);
        error.hidden = false;
        confirm.disabled = false;
      }
    };
  });
}
