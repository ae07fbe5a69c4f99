// A list-and-editor admin page: a table of items, a "new" button, and an editor form with
// field errors; optional extra details under the editor (members, snippets, tokens...).

import { h, replace, table } from "../dom.js";
import { confirmDelete, buildForm } from "../forms.js";
import { t } from "../i18n.js";
import { errorText, toast } from "../notify.js";

/**
 * spec: {id, title, newLabel, load() → items, columns: [[heading, item → text|node]],
 * open?(item) → full item, fields(item|null) → field list (or form(item|null, submit(values)) →
 * {el}, a form of the page's own that calls submit), save(item|null, values) → saved,
 * remove?(item), name(item), details?(item, saved, reopen(saved)) → node}
 */
export function crudPage(container, spec) {
  const list = h("div", { class: "admin-list" });
  const editor = h("section", { id: `${spec.id}-editor`, class: "admin-editor card", hidden: true });
  const newButton = h("button", { type: "button", id: `${spec.id}-new`, class: "primary", text: spec.newLabel });
  newButton.onclick = () => edit(null);
  replace(
    container,
    h("div", { id: spec.id, class: "admin-page" }, h("div", { class: "admin-head" }, h("h2", { text: spec.title }), newButton), list, editor),
  );

  async function refresh() {
    try {
      const items = await spec.load();
      replace(
        list,
        items.length
          ? table(
              [...spec.columns.map(([heading]) => heading), ""],
              items.map((item) => h("tr", { attrs: { "data-id": item.id } }, spec.columns.map(([, cell]) => h("td", {}, cell(item))), h("td", { class: "row-actions" }, rowButtons(item)))),
            )
          : h("p", { class: "empty-note", text: t("admin.none") }),
      );
    } catch (e) {
      replace(list, h("p", { class: "form-error", text: errorText(e) }));
    }
  }

  function rowButtons(item) {
    const editButton = h("button", { type: "button", class: "edit", text: t("admin.edit"), on: { click: () => edit(item) } });
    if (!spec.remove) return editButton;
    const removeButton = h("button", { type: "button", class: "danger delete", text: t("admin.delete") });
    removeButton.onclick = async () => {
      if (!confirmDelete(spec.name(item))) return;
      try {
        await spec.remove(item);
        editor.hidden = true;
        await refresh();
      } catch (e) {
        toast(errorText(e));
      }
    };
    return [editButton, " ", removeButton];
  }

  async function edit(item, saved = null) {
    let full = item;
    try {
      if (item && spec.open) full = await spec.open(item);
    } catch (e) {
      toast(errorText(e));
      return;
    }
    const submit = async (values) => {
      const result = await spec.save(full, values);
      toast(t("admin.saved"), "ok");
      await refresh();
      edit(result, result);
    };
    const form = spec.form
      ? spec.form(full, submit)
      : buildForm(spec.fields(full), { idPrefix: spec.id, submitLabel: full ? t("admin.save") : t("admin.create"), onSubmit: submit });
    const close = h("button", { type: "button", class: "close-editor", text: t("common.close"), on: { click: () => (editor.hidden = true) } });
    replace(
      editor,
      h("div", { class: "admin-head" }, h("h3", { text: full ? spec.name(full) : spec.newLabel }), close),
      form.el,
      full && spec.details && spec.details(full, saved, (next) => edit(full, next)),
    );
    editor.hidden = false;
    editor.scrollIntoView({ block: "nearest" });
  }

  refresh();
}
