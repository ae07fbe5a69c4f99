//! Whether an agent's message asks the customer for something the bot had already collected
//! (an entity or slot in the handover context): a keyword for the thing, in pt/es/en, in a
//! message that is a question or a request.

/// Words naming each entity kind (as `tandem-nlu` names them) or common slot name.
const NAMES: [(&str, &[&str]); 8] = [
    ("cpf", &["cpf"]),
    ("cnpj", &["cnpj"]),
    ("email", &["e-mail", "email", "correo"]),
    (
        "phone",
        &["telefone", "celular", "phone", "teléfono", "telefono"],
    ),
    (
        "card_number",
        &["cartão", "cartao", "card number", "tarjeta"],
    ),
    ("date", &["data", "date", "fecha"]),
    (
        "reference",
        &[
            "protocolo",
            "pedido",
            "order number",
            "ticket",
            "número de pedido",
        ],
    ),
    ("money", &["valor", "amount", "monto", "importe"]),
];

/// Phrases that make a message a request even without a question mark.
const REQUESTS: [&str; 14] = [
    "informe",
    "informar",
    "me passa",
    "me passe",
    "envie",
    "confirme",
    "digite",
    "please provide",
    "please send",
    "please confirm",
    "send me",
    "indique",
    "envíe",
    "confirme su",
];

/// The words naming a collected item, if Tandem knows them (`cpf`, `email`, ... or a slot of
/// that name).
fn names_of(item: &str) -> Option<&'static [&'static str]> {
    NAMES
        .iter()
        .find(|(kind, _)| *kind == item)
        .map(|(_, words)| *words)
}

/// Whether `text` (an agent's message) asks for `item`, an entity kind or slot name.
pub fn asks_for(item: &str, text: &str) -> bool {
    let lower = text.to_lowercase();
    let Some(words) = names_of(item) else {
        return false;
    };
    let is_request = lower.contains('?') || REQUESTS.iter().any(|phrase| lower.contains(phrase));
    is_request && words.iter().any(|word| contains_word(&lower, word))
}

/// `word` in `text` with no letter or digit right before or after it.
fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_or_request_naming_a_collected_item_asks_for_it() {
        let cases = [
            ("cpf", "Qual é o seu CPF?", true),
            ("cpf", "Por favor, informe o cpf do titular", true),
            ("email", "Could you tell me your e-mail?", true),
            ("phone", "¿Cuál es su teléfono?", true),
            ("cpf", "Obrigado, já localizei seu CPF.", false),
            ("cpf", "Seu cadastro está ok?", false),
            ("email", "Qual o emailing?", false),
            ("unknown_slot", "Qual o unknown_slot?", false),
        ];
        for (item, text, expected) in cases {
            assert_eq!(asks_for(item, text), expected, "{item} in {text:?}");
        }
    }
}
