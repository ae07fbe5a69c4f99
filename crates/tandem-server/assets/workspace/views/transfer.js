// The transfer dialog: send a conversation to a team's queue, or (supervisors and admins)
// assign it to an agent, optionally beyond their capacity.

import { get, post } from "../api.js";
import * as directory from "../directory.js";
import { h } from "../dom.js";
import { t, tv } from "../i18n.js";
import { errorText } from "../notify.js";
import { isSupervisor } from "../session.js";

/** Opens the dialog; resolves to the change ({conversation, events}) or null if cancelled. */
export async function transferDialog(conversationId) {
  const [teams, users, agents] = await Promise.all([
    directory.teams(),
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
            ? await post(`/conversations/${conversationId}/transfer`, { team_id: id })
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
