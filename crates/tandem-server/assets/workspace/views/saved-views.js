// Saved views of the inbox: the caller's named sets of filters (GET/POST/DELETE /views), applied in
// one click, saved from the current filters in a small dialog, deleted; the applied view's name is
// the list's title.

import { del, get, post } from "../api.js";
import { openDialog } from "../dialog.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { errorText, toast } from "../notify.js";

const NAME_MAX = 60;
/** How many views a user may keep (the server answers `too_many` beyond). */
const MOST_VIEWS = 30;

/** What a view keeps of the inbox's filters (the channel and "my teams" have no place in it). */
function viewFilters(filters) {
  const kept = { status: filters.status, assignee_id: filters.assignee, team_id: filters.team, inbox_id: filters.inbox, label: filters.label };
  return Object.fromEntries(Object.entries(kept).filter(([, value]) => value));
}

/** Sets the inbox's filters to the view's, clearing the others. */
function applyView(filters, view) {
  const kept = view.filters || {};
  Object.assign(filters, {
    status: kept.status || "",
    assignee: kept.assignee_id || "",
    team: kept.team_id || "",
    inbox: kept.inbox_id || "",
    label: kept.label || "",
    channel: "",
    teams: false,
    view: { id: view.id, name: view.name },
  });
}

/** Forgets the applied view, and with it the team and inbox it narrowed the list to (the filter
 * bar offers neither). */
export function leaveView(filters) {
  Object.assign(filters, { view: null, team: "", inbox: "" });
}

/**
 * The bar above the inbox's filters: the list's title (#inbox-title: the applied view's name),
 * the saved views (button.saved-view, each beside its button.saved-view-delete) and Save view
 * (#view-save). It reads and sets the inbox's `filters` ({status, assignee, team, inbox, label,
 * channel, teams, view}); `changed()` is called after a view changed them. Returns {el, paint()}.
 */
export function savedViewsBar(filters, changed) {
  let views = [];
  const title = h("h2", { id: "inbox-title", class: "inbox-title" });
  const save = h("button", { type: "button", id: "view-save", text: t("views.save"), on: { click: () => saveDialog() } });
  const list = h("ul", { class: "saved-view-list", attrs: { "aria-label": t("views.list") } });
  const error = h("p", { class: "form-error", hidden: true });
  const el = h("div", { class: "saved-views" }, h("div", { class: "saved-views-head" }, title, save), list, error);

  async function load() {
    try {
      views = (await get("/views")).data;
      error.hidden = true;
    } catch (e) {
      error.textContent = errorText(e);
      error.hidden = false;
    }
    paint();
  }

  function paint() {
    title.textContent = filters.view?.name || "";
    title.hidden = !filters.view;
    list.hidden = !views.length;
    replace(
      list,
      views.map((view) =>
        h(
          "li",
          { class: "saved-view-item" },
          h("button", {
            type: "button",
            class: "saved-view",
            text: view.name,
            attrs: { "aria-pressed": String(view.id === filters.view?.id), "data-view-id": view.id },
            on: { click: () => apply(view) },
          }),
          h("button", {
            type: "button",
            class: "saved-view-delete",
            text: "×",
            attrs: { "aria-label": t("views.delete", { name: view.name }), title: t("views.delete", { name: view.name }) },
            on: { click: () => remove(view) },
          }),
        ),
      ),
    );
  }

  function apply(view) {
    applyView(filters, view);
    paint();
    changed();
  }

  async function remove(view) {
    try {
      await del(`/views/${view.id}`);
    } catch (e) {
      toast(errorText(e));
      return;
    }
    if (filters.view?.id === view.id) {
      leaveView(filters);
      changed();
    }
    toast(t("views.deleted"), "ok");
    await load();
    // The deleted view's button went with it.
    save.focus();
  }

  /** Asks for a name and saves the current filters under it; the list then shows that view. */
  async function saveDialog() {
    const name = h("input", { type: "text", id: "view-name", attrs: { maxlength: String(NAME_MAX), autocomplete: "off" } });
    const saved = await openDialog({
      id: "view-save-dialog",
      title: t("views.saveTitle"),
      body: [
        h("label", { attrs: { for: "view-name" }, text: t("views.name") }),
        name,
        h("small", { class: "hint", text: t("views.nameHint") }),
        (filters.channel || filters.teams) && h("p", { class: "hint", text: t("views.notSaved") }),
      ],
      className: "view-save-dialog",
      confirmId: "view-save-confirm",
      confirmLabel: t("views.saveConfirm"),
      cancelId: "view-save-cancel",
      focus: name,
      describe: (e) => (e.code === "too_many" ? t("views.tooMany", { max: MOST_VIEWS }) : errorText(e)),
      confirm: () => {
        const text = name.value.trim();
        if (!text || text.length > NAME_MAX) throw new Error(t("views.nameRequired", { max: NAME_MAX }));
        return post("/views", { name: text, filters: viewFilters(filters) });
      },
    });
    if (!saved) return;
    filters.view = { id: saved.id, name: saved.name };
    toast(t("views.saved"), "ok");
    await load();
  }

  load();
  return { el, paint };
}
