// The Contacts page: the list (#/contacts) beside the open contact's profile (#/contacts/{id}). At
// phone width they are two screens (the body's data-screen "contacts" or "contact", app.css).

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { createContactList } from "./contact-list.js";
import { mountProfile } from "./contact-profile.js";

export function mount(root, openId) {
  const list = createContactList();
  const pane = h("section", { id: "contact-pane", class: "contact-pane" });
  root.append(h("div", { class: "contacts-layout" }, list.el, pane));
  let profile = null;

  function open(id) {
    profile?.unmount();
    profile = null;
    pane.replaceChildren();
    list.select(id);
    if (!id) {
      pane.append(h("p", { class: "empty-note pane-placeholder", text: t("contacts.pick") }));
      return;
    }
    profile = mountProfile(pane, id, { changed: () => list.reload() });
  }

  open(openId);
  return {
    update: open,
    unmount() {
      profile?.unmount();
      list.destroy();
    },
  };
}
