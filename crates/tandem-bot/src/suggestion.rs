//! The first reply suggested to the person taking a conversation over: it greets the customer
//! by name, shows that the person has read what was said, and names the request when the bot
//! identified it, in the customer's language — so the customer never repeats anything. A
//! request the bot did not identify is not guessed at: a suggestion on the wrong topic is worse
//! than none.

use tandem_domain::event::HandoverReason;
use tandem_nlu::Language;

use crate::profile::BotProfile;

/// A first reply for the agent, from the contact's first name (if known), the handover reason
/// and the identified intent's label ("a segunda via de um boleto"), if any.
pub fn suggested_first_reply(
    profile: &BotProfile,
    language: Language,
    first_name: Option<&str>,
    reason: HandoverReason,
    topic: Option<&str>,
) -> String {
    let bot = profile.persona.name.as_str();
    let name = first_name
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| format!(", {name}"))
        .unwrap_or_default();
    let opening = match language {
        Language::Portuguese => {
            format!("Olá{name}! Já li sua conversa com {bot} e vou continuar daqui.")
        }
        Language::Spanish => {
            format!("¡Hola{name}! Ya leí tu conversación con {bot} y sigo desde aquí.")
        }
        Language::English => {
            format!("Hi{name}! I've read your conversation with {bot} and I'll take it from here.")
        }
    };
    let follow_up = match (reason, language) {
        (HandoverReason::NegativeSentiment, Language::Portuguese) => {
            "Sinto muito pelo transtorno; vamos resolver isso juntos."
        }
        (HandoverReason::NegativeSentiment, Language::Spanish) => {
            "Lamento mucho las molestias; vamos a resolverlo juntos."
        }
        (HandoverReason::NegativeSentiment, Language::English) => {
            "I'm sorry about the trouble; let's sort it out together."
        }
        (HandoverReason::ActionFailed, Language::Portuguese) => {
            "Nosso sistema não respondeu agora há pouco, então vou verificar isso pessoalmente."
        }
        (HandoverReason::ActionFailed, Language::Spanish) => {
            "Nuestro sistema no respondió hace un momento, así que lo reviso personalmente."
        }
        (HandoverReason::ActionFailed, Language::English) => {
            "Our system didn't answer a moment ago, so I'll check this myself."
        }
        (_, Language::Portuguese) => "Vou te ajudar com isso agora.",
        (_, Language::Spanish) => "Te ayudo con eso ahora.",
        (_, Language::English) => "I'll help you with that now.",
    };
    match topic.map(str::trim).filter(|topic| !topic.is_empty()) {
        Some(topic) => {
            let about = match language {
                Language::Portuguese => "Sobre",
                Language::Spanish => "Sobre",
                Language::English => "About",
            };
            format!("{opening} {about} {topic}: {follow_up}")
        }
        None => format!("{opening} {follow_up}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo_profile;

    #[test]
    fn the_suggestion_speaks_the_customers_language_and_uses_their_name() {
        let profile = demo_profile();
        let pt = suggested_first_reply(
            &profile,
            Language::Portuguese,
            Some("Maria"),
            HandoverReason::CustomerRequest,
            Some("a segunda via de um boleto"),
        );
        assert!(pt.starts_with("Olá, Maria!"), "{pt}");
        assert!(pt.contains("Sobre a segunda via de um boleto: "), "{pt}");
        let es = suggested_first_reply(
            &profile,
            Language::Spanish,
            None,
            HandoverReason::NegativeSentiment,
            None,
        );
        assert!(es.starts_with("¡Hola!"), "{es}");
        assert!(es.contains("Lamento"), "{es}");
        let en = suggested_first_reply(
            &profile,
            Language::English,
            Some("  "),
            HandoverReason::ActionFailed,
            None,
        );
        assert!(en.starts_with("Hi! "), "{en}");
        assert!(en.contains("check this myself"), "{en}");
    }
}
