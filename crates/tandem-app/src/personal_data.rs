//! How the use cases show a contact's personal data to people and integrations, by the one
//! masking rule of `tandem_nlu::masking`: identities by their kind, free text and JSON by
//! what is found in them.

use serde_json::Value;

use tandem_domain::contact::{Contact, Identity, IdentityKind};
use tandem_nlu::masking::{PersonalDataKind, mask_text, mask_value};

/// An identity as people see it: phone numbers (WhatsApp's too) and e-mail addresses masked
/// by their kind's rule; the platforms' opaque ids (Instagram, Messenger, Telegram, widget
/// visitor, the company's external id) as they are, since they say nothing about the person
/// outside the platform.
pub(crate) fn masked_identity(identity: &Identity) -> String {
    match identity.kind {
        IdentityKind::Phone | IdentityKind::Whatsapp => {
            mask_value(PersonalDataKind::Phone, &identity.value)
        }
        IdentityKind::Email => mask_value(PersonalDataKind::Email, &identity.value),
        IdentityKind::Instagram
        | IdentityKind::Messenger
        | IdentityKind::Telegram
        | IdentityKind::WebVisitor
        | IdentityKind::External => identity.value.clone(),
    }
}

/// Masks the personal values in every string of a JSON value (a contact's attributes, a
/// message's channel particulars).
pub(crate) fn mask_strings(value: &mut Value) {
    match value {
        Value::String(text) => *text = mask_text(text),
        Value::Array(items) => items.iter_mut().for_each(mask_strings),
        Value::Object(fields) => fields.values_mut().for_each(mask_strings),
        _ => {}
    }
}

/// The contact with identities and attributes masked; the name stays (people address the
/// customer by it).
pub(crate) fn masked_contact(contact: &mut Contact) {
    for identity in &mut contact.identities {
        identity.value = masked_identity(identity);
    }
    let mut attributes = Value::Object(std::mem::take(&mut contact.attributes));
    mask_strings(&mut attributes);
    if let Value::Object(attributes) = attributes {
        contact.attributes = attributes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_are_masked_by_kind_and_opaque_ids_kept() {
        let cases = [
            (IdentityKind::Phone, "+5511987654321", "****-4321"),
            (IdentityKind::Whatsapp, "+5511987654321", "****-4321"),
            (IdentityKind::Email, "maria@example.com", "m***@example.com"),
            (IdentityKind::Telegram, "800000009", "800000009"),
            (IdentityKind::External, "crm-42", "crm-42"),
        ];
        for (kind, value, expected) in cases {
            let identity = Identity {
                kind,
                value: value.to_owned(),
            };
            assert_eq!(masked_identity(&identity), expected, "{kind:?}");
        }
    }

    #[test]
    fn every_string_of_a_json_value_is_masked() {
        let mut value = serde_json::json!({"cpf": "123.456.789-09", "list": ["c@example.com", 3]});
        mask_strings(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"cpf": "***.***.***-09", "list": ["c***@example.com", 3]})
        );
    }
}
