// Admin: canned responses (shortcut, title, text).

import { del, patch, post } from "../api.js";
import * as directory from "../directory.js";
import { t } from "../i18n.js";
import { crudPage } from "./admin-crud.js";

export function renderCanned(container) {
  crudPage(container, {
    id: "admin-canned",
    title: t("admin.tab.canned"),
    newLabel: t("admin.canned.new"),
    load: () => {
      directory.invalidate("canned");
      return directory.cannedResponses();
    },
    columns: [
      [t("admin.canned.shortcut"), (c) => "/" + c.shortcut],
      [t("admin.canned.title"), (c) => c.title],
      [t("admin.canned.text"), (c) => (c.text.length > 80 ? c.text.slice(0, 80) + "…" : c.text)],
    ],
    name: (c) => "/" + c.shortcut,
    fields: (c) => [
      { name: "shortcut", label: t("admin.canned.shortcut"), value: c?.shortcut, required: true, hint: t("admin.canned.shortcutHint") },
      { name: "title", label: t("admin.canned.title"), value: c?.title, required: true },
      { name: "text", label: t("admin.canned.text"), type: "textarea", value: c?.text, rows: 5 },
    ],
    save: (c, values) => (c ? patch(`/canned-responses/${c.id}`, values) : post("/canned-responses", values)),
    remove: (c) => del(`/canned-responses/${c.id}`),
  });
}
