// One contact's profile (#/contacts/{id}): the name (editable), identities, attributes (editable),
// notes, every conversation on every channel and, for supervisors and admins, merging another
// contact into this one.

import { get, getAll, patch } from "../api.js";
import * as directory from "../directory.js";
import { h, replace } from "../dom.js";
import { formatTime, t, tv } from "../i18n.js";
import { errorText, toast } from "../notify.js";
import { isSupervisor } from "../session.js";
import { attributesEditor } from "./contact-attributes.js";
import { mergeSection } from "./contact-merge.js";
import { notesSection } from "./contact-notes.js";
import { identityList } from "./contact-parts.js";

/** Shows the contact `id` in `pane`; `hooks.changed()` reports a change the list may show. */
export function mountProfile(pane, id, hooks) {
  let alive = true;
  const body = h("div", { id: "contact-profile-page", class: "contact-profile", attrs: { "data-contact-id": id } });
  pane.append(body);

  async function load() {
    replace(body, h("p", { class: "empty-note", text: t("common.loading") }));
    try {
      const contact = await get(`/contacts/${id}`);
      if (alive) paint(contact);
    } catch (e) {
      if (alive) replace(body, backLink(), h("p", { class: "form-error", attrs: { role: "alert" }, text: errorText(e) }));
    }
  }

  function paint(contact) {
    const title = h("h2", { id: "contact-title", text: directory.contactName(contact) });
    const attributes = h("section", { id: "contact-attributes-section", class: "card contact-section" });
    const paintAttributes = (current) =>
      replace(
        attributes,
        h("h3", { text: t("contacts.attributes.title") }),
        attributesEditor(current, (saved) => {
          toast(t("contacts.saved"), "ok");
          directory.invalidate("contact:" + id);
          paintAttributes(saved);
        }),
      );
    paintAttributes(contact);
    replace(
      body,
      backLink(),
      h(
        "header",
        { class: "contact-header card" },
        title,
        h("p", { class: "hint", text: t("contacts.created", { time: formatTime(contact.created_at) }) }),
        nameForm(contact, (saved) => {
          title.textContent = directory.contactName(saved);
          directory.invalidate("contact:" + id);
          hooks.changed();
        }),
      ),
      h("section", { id: "contact-identities-section", class: "card contact-section" }, h("h3", { text: t("context.identities") }), identityList(contact)),
      attributes,
      notesSection(id),
      conversationsSection(id),
      isSupervisor() &&
        mergeSection(contact, () => {
          hooks.changed();
          load();
        }),
    );
  }

  load();
  return {
    unmount() {
      alive = false;
    },
  };
}

/** The link back to the list (shown at phone width, where the list is another screen). */
function backLink() {
  return h("a", { class: "contact-back", href: "#/contacts", text: t("contacts.back") });
}

/** The name field and its Save button (PATCH /contacts/{id} {name}); `saved(contact)` after. */
function nameForm(contact, saved) {
  const input = h("input", { type: "text", id: "contact-name", value: contact.name || "", attrs: { autocomplete: "off" } });
  const error = h("p", { class: "field-error", hidden: true, attrs: { role: "alert" } });
  const save = h("button", { type: "submit", id: "contact-name-save", text: t("contacts.saveName") });
  const form = h(
    "form",
    { class: "contact-name-form", noValidate: true },
    h("label", { attrs: { for: "contact-name" }, text: t("contacts.name") }),
    h("div", { class: "inline-form" }, input, save),
    error,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    save.disabled = true;
    try {
      saved(await patch(`/contacts/${contact.id}`, { name: input.value.trim() }));
      toast(t("contacts.saved"), "ok");
    } catch (e) {
      error.textContent = errorText(e);
      error.hidden = false;
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

/** Every conversation of the contact, on every channel, latest activity first. */
function conversationsSection(contactId) {
  const list = h("ul", { id: "contact-conversations", class: "plain-list contact-conversations" }, h("li", { class: "empty-note", text: t("common.loading") }));
  const el = h("section", { id: "contact-conversations-section", class: "card contact-section" }, h("h3", { text: t("contacts.conversations") }), list);
  Promise.all([getAll("/conversations", { contact_id: contactId }), directory.inboxes()])
    .then(([conversations, inboxes]) => {
      const byId = directory.byId(inboxes);
      conversations.sort((a, b) => Date.parse(b.last_activity_at) - Date.parse(a.last_activity_at));
      replace(
        list,
        conversations.length
          ? conversations.map((conv) => conversationItem(conv, byId.get(conv.inbox_id)))
          : h("li", { class: "empty-note", text: t("contacts.noConversations") }),
      );
    })
    .catch((e) => replace(list, h("li", { class: "form-error", text: errorText(e) })));
  return el;
}

function conversationItem(conv, inbox) {
  const channel = conv.channel || inbox?.channel || "";
  return h(
    "li",
    {},
    h(
      "a",
      { class: "contact-conversation", href: `#/conversations/${conv.id}`, attrs: { "data-conversation-id": conv.id } },
      h("span", { class: "conversation-inbox", text: inbox?.name || t("contacts.unknownInbox") }),
      channel && h("span", { class: `channel-badge channel-${channel}`, text: tv("channel", channel) }),
      h("span", { class: `status-badge status-${conv.status}`, text: tv("status", conv.status) }),
      h("span", { class: "conversation-time", text: t("contacts.lastActivity", { time: formatTime(conv.last_activity_at) }) }),
    ),
  );
}
