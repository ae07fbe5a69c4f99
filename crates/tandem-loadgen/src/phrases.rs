//! What simulated people say: routine questions the demo bot answers itself and requests for a
//! person that make it hand over, in Portuguese, Spanish and English, and the agents' answer.
//!
//! Every routine question was checked against the demo profile
//! (`crates/tandem-bot/profiles/demo-bank.yaml`) with `POST /api/v1/bot/try`: it is understood
//! in its own language, answered from a reply template without asking for data (no CPF slot),
//! and no two of them read as the same question to the bot's repeated-question rule.

use serde::Serialize;

/// A customer's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Pt,
    Es,
    En,
}

impl Language {
    /// Every language, in the order the language shares are written.
    pub const ALL: [Language; 3] = [Language::Pt, Language::Es, Language::En];

    /// The code used on the command line and in reports.
    pub fn code(self) -> &'static str {
        match self {
            Language::Pt => "pt",
            Language::Es => "es",
            Language::En => "en",
        }
    }
}

/// The text every simulated agent replies with; the fake WhatsApp Graph API tells an agent's
/// message from the bot's by it, since a Cloud API send does not say who wrote it.
pub const AGENT_REPLY: &str = "Olá! Sou do time Aurora e já estou cuidando do seu caso. / ¡Hola! Ya estoy con tu caso. / Hi! I'm on it.";

const ROUTINE_PT: [&str; 15] = [
    "qual o horário de atendimento?",
    "qual o limite do pix?",
    "como cadastro uma chave pix?",
    "quais são as tarifas da conta?",
    "como abro uma conta?",
    "como peço aumento do limite do cartão?",
    "esqueci a senha do app",
    "como funciona o cdb?",
    "como cadastro débito automático?",
    "como faço uma ted?",
    "o app está travando",
    "como crio um cartão virtual?",
    "onde pego o informe de rendimentos?",
    "quanto é o iof em compras internacionais?",
    "como funciona o cashback das compras no cartão?",
];

const ROUTINE_ES: [&str; 15] = [
    "¿cuál es el horario de atención?",
    "¿cuál es el límite de pix?",
    "¿cómo registro una clave pix?",
    "¿cuáles son las tarifas de la cuenta?",
    "¿cómo abro una cuenta?",
    "quiero aumentar el límite de la tarjeta",
    "olvidé la contraseña de la app",
    "¿cómo funciona el cdb?",
    "¿cómo registro un débito automático?",
    "¿cómo hago una transferencia ted?",
    "la app se cuelga todo el tiempo",
    "¿cómo creo una tarjeta virtual?",
    "¿dónde está el informe de rendimientos?",
    "¿cuánto es el iof en compras internacionales?",
    "¿cómo funciona el cashback de las compras?",
];

const ROUTINE_EN: [&str; 15] = [
    "what are your opening hours?",
    "what is the pix limit?",
    "how do I register a pix key?",
    "what are the account fees?",
    "how do I open an account?",
    "I want to increase my card limit",
    "I forgot my app password",
    "how does the cdb investment work?",
    "how do I set up automatic debit?",
    "how do I make a ted transfer?",
    "the app keeps freezing",
    "how do I create a virtual card?",
    "where do I find my income report?",
    "how much is the iof on international purchases?",
    "how does the cashback on purchases work?",
];

const HANDOVER_PT: [&str; 3] = [
    "quero falar com um atendente",
    "quero falar com uma pessoa",
    "preciso falar com um atendente humano",
];

const HANDOVER_ES: [&str; 3] = [
    "quiero hablar con un agente",
    "quiero hablar con una persona",
    "necesito hablar con un asesor",
];

const HANDOVER_EN: [&str; 3] = [
    "I want to talk to a person",
    "can I speak to a human agent?",
    "I need to talk to someone from your team",
];

/// Questions the bot answers by itself.
pub fn routine_questions(language: Language) -> &'static [&'static str] {
    match language {
        Language::Pt => &ROUTINE_PT,
        Language::Es => &ROUTINE_ES,
        Language::En => &ROUTINE_EN,
    }
}

/// Requests for a person (the bot's `customer_request` handover rule).
pub fn handover_requests(language: Language) -> &'static [&'static str] {
    match language {
        Language::Pt => &HANDOVER_PT,
        Language::Es => &HANDOVER_ES,
        Language::En => &HANDOVER_EN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_distinct_questions() {
        for language in Language::ALL {
            let questions = routine_questions(language);
            let mut unique = questions.to_vec();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), questions.len(), "{language:?}");
            assert!(!handover_requests(language).is_empty());
        }
    }
}
