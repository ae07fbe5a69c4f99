// Admin: users (create, rename, set the phone or SIP address handed-over calls ring, change role
// or password with the admin's own password again, delete).

import { del, patch, post } from "../api.js";
import * as directory from "../directory.js";
import { t, tv } from "../i18n.js";
import { reauthenticated } from "../forms.js";
import { crudPage } from "./admin-crud.js";

const ROLES = ["agent", "supervisor", "admin"];

export function renderUsers(container) {
  crudPage(container, {
    id: "admin-users",
    title: t("admin.tab.users"),
    newLabel: t("admin.users.new"),
    load: () => {
      directory.invalidate("users");
      return directory.users();
    },
    columns: [
      [t("admin.name"), (u) => u.name],
      [t("admin.email"), (u) => u.email],
      [t("admin.role"), (u) => tv("role", u.role)],
    ],
    name: (u) => u.name,
    fields: (u) => [
      ...(u ? [] : [{ name: "email", label: t("admin.email"), type: "email", required: true }]),
      { name: "name", label: t("admin.name"), value: u?.name, required: true },
      { name: "role", label: t("admin.role"), type: "select", value: u?.role || "agent", options: ROLES.map((r) => [r, tv("role", r)]) },
      ...(u ? [{ name: "phone", label: t("admin.users.phone"), value: u.phone || "", hint: t("admin.users.phoneHint") }] : []),
      { name: "password", label: u ? t("admin.users.newPassword") : t("admin.password"), type: "password", hint: t("admin.users.passwordHint") },
      ...(u ? [{ name: "current_password", label: t("reauth.yourPassword"), type: "password", hint: t("admin.users.currentPasswordHint") }] : []),
    ],
    save: (u, values) => {
      if (!u) return post("/users", values);
      const change = { name: values.name };
      if ((values.phone || "") !== (u.phone || "")) change.phone = values.phone ? values.phone : null;
      if (values.role !== u.role) change.role = values.role;
      if (values.password) change.password = values.password;
      if (change.role || change.password) change.current_password = values.current_password;
      return reauthenticated(patch(`/users/${u.id}`, change));
    },
    remove: (u) => del(`/users/${u.id}`),
  });
}
