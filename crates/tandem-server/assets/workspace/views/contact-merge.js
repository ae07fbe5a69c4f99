// Merging another contact into the open one (supervisors and admins): find it by searching, read
// the preview (GET /contacts/{id}/merge_preview: what this contact becomes, which one is deleted,
// which attribute values are dropped), then confirm (POST /contacts/{id}/merge).

import { get, post, query } from "../api.js";
import { debounce } from "../debounce.js";
import * as directory from "../directory.js";
import { h, replace, table } from "../dom.js";
import { t } from "../i18n.js";
import { errorText, toast } from "../notify.js";
import { attributeList, contactSummary, identityList, valueText } from "./contact-parts.js";

const TYPING_MS = 250;
const MATCHES = 10;

/** The merge section for `contact`; `merged()` runs once the other contact is merged in. */
export function mergeSection(contact, merged) {
  const search = h("input", { type: "search", id: "contact-merge-search", placeholder: t("contacts.searchPlaceholder"), attrs: { autocomplete: "off" } });
  const results = h("ul", { id: "contact-merge-results", class: "plain-list merge-results" });
  const error = h("p", { class: "form-error", hidden: true, attrs: { role: "alert" } });
  const preview = h("div", { id: "contact-merge-preview", class: "merge-preview", hidden: true, tabIndex: -1 });
  const el = h(
    "section",
    { id: "contact-merge", class: "card contact-section" },
    h("h3", { text: t("contacts.merge.title") }),
    h("p", { class: "hint", text: t("contacts.merge.explain") }),
    h("label", { attrs: { for: "contact-merge-search" }, text: t("contacts.merge.search") }),
    search,
    results,
    error,
    preview,
  );
  let seq = 0;

  function showError(e) {
    error.textContent = errorText(e);
    error.hidden = false;
  }

  async function find() {
    const mine = ++seq;
    const q = search.value.trim();
    error.hidden = true;
    if (!q) {
      results.replaceChildren();
      return;
    }
    try {
      const page = await get("/contacts" + query({ q, limit: MATCHES }));
      if (mine !== seq) return;
      const others = page.data.filter((item) => item.id !== contact.id);
      replace(
        results,
        others.length
          ? others.map((other) => h("li", {}, h("button", { type: "button", class: "contact-merge-option", attrs: { "data-contact-id": other.id }, on: { click: () => showPreview(other) } }, contactSummary(other))))
          : h("li", { class: "empty-note", text: t("contacts.merge.noMatch", { q }) }),
      );
    } catch (e) {
      if (mine === seq) showError(e);
    }
  }

  async function showPreview(other) {
    const mine = ++seq;
    error.hidden = true;
    try {
      const result = await get(`/contacts/${contact.id}/merge_preview` + query({ contact_id: other.id }));
      if (mine !== seq) return;
      results.replaceChildren();
      paintPreview(result, other.id);
      preview.focus();
    } catch (e) {
      if (mine === seq) showError(e);
    }
  }

  function closePreview() {
    seq += 1;
    preview.hidden = true;
    preview.replaceChildren();
    search.focus();
  }

  function paintPreview({ result, removed, conversations_moved: moved, conflicts = [] }, otherId) {
    const removedName = directory.contactName(removed);
    const confirm = h("button", { type: "button", id: "contact-merge-confirm", class: "danger", text: t("contacts.merge.confirm", { name: removedName }) });
    const cancel = h("button", { type: "button", id: "contact-merge-cancel", text: t("common.cancel"), on: { click: closePreview } });
    confirm.onclick = async () => {
      confirm.disabled = cancel.disabled = true;
      try {
        await post(`/contacts/${contact.id}/merge`, { contact_id: otherId });
        directory.invalidate("contact:");
        toast(t("contacts.merge.done", { name: removedName }), "ok");
        merged();
      } catch (e) {
        showError(e);
        confirm.disabled = cancel.disabled = false;
      }
    };
    replace(
      preview,
      h("h4", { text: t("contacts.merge.preview") }),
      h(
        "div",
        { id: "contact-merge-removed", class: "merge-removed" },
        h("p", { class: "merge-warning" }, h("strong", { text: t("contacts.merge.deleted", { name: removedName }) })),
        identityList(removed),
        h("p", { id: "contact-merge-moved", text: t("contacts.merge.moved", { count: moved }) }),
      ),
      h(
        "div",
        { id: "contact-merge-result", class: "merge-result" },
        h("p", { class: "merge-kept" }, h("strong", { text: t("contacts.merge.after", { name: directory.contactName(result) }) })),
        identityList(result),
        attributeList(result),
      ),
      conflicts.length
        ? h(
            "div",
            { id: "contact-merge-conflicts", class: "merge-conflicts" },
            h("p", { text: t("contacts.merge.conflicts", { name: removedName }) }),
            table(
              [t("contacts.attributes.name"), t("contacts.merge.kept"), t("contacts.merge.dropped")],
              conflicts.map((conflict) =>
                h(
                  "tr",
                  { class: "merge-conflict", attrs: { "data-attribute": conflict.attribute } },
                  h("td", { text: conflict.attribute }),
                  h("td", { class: "merge-kept-value", text: valueText(conflict.kept) }),
                  h("td", {}, h("del", { class: "merge-dropped-value", text: valueText(conflict.dropped) })),
                ),
              ),
            ),
          )
        : h("p", { class: "hint", text: t("contacts.merge.noConflicts") }),
      h("div", { class: "form-buttons" }, cancel, confirm),
    );
    preview.hidden = false;
  }

  const findSoon = debounce(find, TYPING_MS);
  search.addEventListener("input", findSoon);
  search.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !search.value) return;
    event.preventDefault();
    search.value = "";
    findSoon.cancel();
    find();
  });

  return el;
}
