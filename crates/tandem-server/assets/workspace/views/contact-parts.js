// Pieces the contact views share: an identity as a line, a contact's main identity, an attribute's
// value as text, a contact's name with its main identity, and read-only lists of identities and
// attributes.

import { contactName } from "../directory.js";
import { h } from "../dom.js";
import { t, tv } from "../i18n.js";

/** The identity kinds in the order that best tells people apart (an e-mail before a visitor id). */
const MAIN_KINDS = ["email", "phone", "whatsapp", "telegram", "messenger", "instagram", "external", "web_visitor"];

/** The identity that names the contact best, or null. */
export function mainIdentity(contact) {
  const identities = contact.identities || [];
  const rank = (identity) => {
    const index = MAIN_KINDS.indexOf(identity.kind);
    return index < 0 ? MAIN_KINDS.length : index;
  };
  return identities.reduce((best, identity) => (!best || rank(identity) < rank(best) ? identity : best), null);
}

/** "E-mail: ana@example.com" as a span (kind muted, value plain). */
export function identityLine(identity) {
  return h("span", { class: "identity" }, h("span", { class: "identity-kind", text: tv("identity", identity.kind) }), " ", h("span", { class: "identity-value", text: identity.value }));
}

/** An attribute's value as text: a string as it is, anything else as JSON. */
export function valueText(value) {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The contact's name with their main identity under it (unless the name is that identity). */
export function contactSummary(contact) {
  const name = contactName(contact);
  const identity = mainIdentity(contact);
  const showIdentity = identity && identity.value !== name;
  return [h("span", { class: "contact-name", text: name }), showIdentity && h("span", { class: "contact-main-identity" }, identityLine(identity))];
}

/** The contact's identities as a list (or a note that there are none). */
export function identityList(contact) {
  const identities = contact.identities || [];
  return identities.length
    ? h("ul", { class: "plain-list identity-list" }, identities.map((identity) => h("li", {}, identityLine(identity))))
    : h("p", { class: "empty-note", text: t("contacts.identities.none") });
}

/** The contact's attributes as a name/value list (or a note that there are none). */
export function attributeList(contact) {
  const attributes = Object.entries(contact.attributes || {});
  return attributes.length
    ? h("dl", { class: "attributes" }, attributes.map(([key, value]) => [h("dt", { text: key }), h("dd", { text: valueText(value) })]))
    : h("p", { class: "empty-note", text: t("context.noAttributes") });
}
