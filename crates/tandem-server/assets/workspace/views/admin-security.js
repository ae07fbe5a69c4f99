// Admin: account security. Whether every user must use two-factor authentication, changed only
// with the admin's own password again.

import { get, patch } from "../api.js";
import { h } from "../dom.js";
import { buildForm, reauthenticated } from "../forms.js";
import { t } from "../i18n.js";
import { errorText, toast } from "../notify.js";

export function renderAccountSecurity(container) {
  const section = h("section", { class: "admin-section" }, h("h2", { text: t("admin.security.title") }));
  container.append(section);
  get("/account")
    .then((account) => {
      const form = buildForm(
        [
          { name: "require_two_factor", label: t("admin.security.requireTwoFactor"), type: "checkbox", value: account.require_two_factor },
          { name: "current_password", label: t("reauth.yourPassword"), type: "password" },
        ],
        {
          submitLabel: t("admin.save"),
          idPrefix: "admin-security",
          onSubmit: async (values) => {
            await reauthenticated(patch("/account", values));
            form.el.querySelector("#admin-security-current_password").value = "";
            toast(t("admin.saved"), "info");
          },
        },
      );
      section.append(h("p", { class: "hint", text: t("admin.security.hint") }), form.el);
    })
    .catch((error) => toast(errorText(error)));
  return {};
}
