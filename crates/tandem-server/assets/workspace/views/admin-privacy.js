// Admin: privacy. How long resolved conversations are kept (retention days, then delete or
// anonymise), whether webhooks carry personal data masked, and a contact's export (JSON
// download) or erasure by id.

import { del, get, patch } from "../api.js";
import { h } from "../dom.js";
import { buildForm, confirmDelete } from "../forms.js";
import { t } from "../i18n.js";
import { errorText, toast } from "../notify.js";

export function renderPrivacy(container) {
  const retention = h("section", { class: "admin-section" }, h("h2", { text: t("admin.privacy.retention") }));
  const contacts = h("section", { class: "admin-section" }, h("h2", { text: t("admin.privacy.contact") }));
  container.append(retention, contacts);

  get("/account")
    .then((account) => {
      const form = buildForm(
        [
          { name: "retention_days", label: t("admin.privacy.days"), type: "number", value: account.retention_days ?? "", hint: t("admin.privacy.daysHint") },
          {
            name: "retention_action",
            label: t("admin.privacy.action"),
            type: "select",
            value: account.retention_action,
            options: [["delete", t("admin.privacy.delete")], ["anonymise", t("admin.privacy.anonymise")]],
          },
          { name: "webhook_mask_personal_data", label: t("admin.privacy.webhookMask"), type: "checkbox", value: account.webhook_mask_personal_data },
        ],
        {
          submitLabel: t("admin.save"),
          idPrefix: "admin-privacy",
          onSubmit: async (values) => {
            await patch("/account", values);
            toast(t("admin.saved"), "info");
          },
        },
      );
      retention.append(form.el);
    })
    .catch((error) => toast(errorText(error)));

  const id = h("input", { id: "admin-privacy-contact", type: "text", placeholder: t("admin.privacy.contactId") });
  const exportButton = h("button", { type: "button", text: t("admin.privacy.export") });
  const eraseButton = h("button", { type: "button", class: "danger", text: t("admin.privacy.erase") });
  exportButton.addEventListener("click", async () => {
    try {
      const data = await get(`/contacts/${encodeURIComponent(id.value.trim())}/export`);
      const link = h("a", {
        href: URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" })),
        attrs: { download: `contact-${id.value.trim()}.json` },
      });
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (error) {
      toast(errorText(error));
    }
  });
  eraseButton.addEventListener("click", async () => {
    if (!confirmDelete(id.value.trim())) return;
    try {
      await del(`/contacts/${encodeURIComponent(id.value.trim())}`);
      toast(t("admin.privacy.erased"), "info");
    } catch (error) {
      toast(errorText(error));
    }
  });
  contacts.append(h("p", { class: "hint", text: t("admin.privacy.contactHint") }), h("div", { class: "form-row" }, id, exportButton, eraseButton));
  return {};
}
