// The contacts list (#/contacts): a search box (GET /contacts?q=, best matches first) and, when not
// searching, every contact page by page (cursor / next_cursor).

import { get, query } from "../api.js";
import { debounce } from "../debounce.js";
import { h } from "../dom.js";
import { formatTime, t } from "../i18n.js";
import { errorText } from "../notify.js";
import { contactSummary } from "./contact-parts.js";

const PAGE = 50;
const TYPING_MS = 250;

/** Returns {el, reload(), select(id), destroy()}: `reload` keeps the search, `select` marks the open
 * contact. */
export function createContactList() {
  let cursor = null;
  let seq = 0;
  let selectedId = null;
  const search = h("input", {
    type: "search",
    id: "contact-search",
    placeholder: t("contacts.searchPlaceholder"),
    attrs: { autocomplete: "off" },
  });
  const list = h("ul", { id: "contact-list", class: "plain-list" });
  const empty = h("p", { class: "empty-note", hidden: true });
  const error = h("p", { class: "form-error", hidden: true, attrs: { role: "alert" } });
  const more = h("button", { type: "button", id: "contacts-load-more", class: "load-more", text: t("inbox.loadMore"), hidden: true });
  const el = h(
    "aside",
    { class: "contacts-sidebar" },
    h(
      "div",
      { class: "contacts-search" },
      h("h2", { text: t("contacts.title") }),
      h("label", { class: "visually-hidden", attrs: { for: "contact-search" }, text: t("contacts.search") }),
      search,
    ),
    error,
    list,
    empty,
    more,
  );

  const text = () => search.value.trim();
  const searchSoon = debounce(reload, TYPING_MS);
  search.addEventListener("input", searchSoon);
  search.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !search.value) return;
    event.preventDefault();
    search.value = "";
    searchSoon.cancel();
    reload();
  });
  more.onclick = () => loadPage(seq);

  function reload() {
    seq += 1;
    cursor = undefined;
    list.replaceChildren();
    return loadPage(seq);
  }

  /** Loads the next page (the search's one page when searching); drops a stale answer. */
  async function loadPage(mine) {
    error.hidden = true;
    more.disabled = true;
    const q = text();
    try {
      const page = await get("/contacts" + query({ q: q || undefined, limit: PAGE, cursor: q ? undefined : cursor }));
      if (mine !== seq) return;
      list.append(...page.data.map(row));
      cursor = q ? null : page.next_cursor;
      more.hidden = !cursor;
      empty.textContent = q ? t("contacts.noMatch", { q }) : t("contacts.none");
      empty.hidden = list.children.length > 0;
      paintSelected();
    } catch (e) {
      if (mine !== seq) return;
      error.textContent = errorText(e);
      error.hidden = false;
    } finally {
      more.disabled = false;
    }
  }

  function row(contact) {
    return h(
      "li",
      {},
      h(
        "a",
        { class: "contact-row", href: `#/contacts/${contact.id}`, attrs: { "data-contact-id": contact.id } },
        contactSummary(contact),
        h("span", { class: "contact-created", text: t("contacts.created", { time: formatTime(contact.created_at) }) }),
      ),
    );
  }

  function paintSelected() {
    for (const link of list.querySelectorAll(".contact-row")) {
      const on = link.dataset.contactId === selectedId;
      link.classList.toggle("selected", on);
      if (on) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  }

  reload();
  return {
    el,
    reload,
    select(id) {
      selectedId = id;
      paintSelected();
    },
    destroy: () => searchSoon.cancel(),
  };
}
