//! The bot's own messages (not understood, clarify, a person is coming, we are back at...):
//! built-in pt/es/en texts that a profile may override, and how they are rendered.

use jiff::SignedDuration;
use jiff::civil::{Date, DateTime, Weekday};
use tandem_domain::contact::Attributes;
use tandem_domain::event::HandoverReason;
use tandem_nlu::Language;

use crate::profile::{BotProfile, MessageKind};
use crate::template::Template;

// The texts stay here, beside their rendering; where a profile overrides them is
// `profile/message_kind.rs`.
impl MessageKind {
    /// The built-in text.
    pub fn built_in(self, language: Language) -> &'static str {
        use Language::{English as En, Portuguese as Pt, Spanish as Es};
        match (self, language) {
            (MessageKind::PersonComing, Pt) => {
                "Vou passar a conversa para uma pessoa da nossa equipe. Em instantes alguém fala com você por aqui."
            }
            (MessageKind::PersonComing, Es) => {
                "Voy a pasar la conversación a una persona de nuestro equipo. En breve alguien te atenderá por aquí."
            }
            (MessageKind::PersonComing, En) => {
                "I'm passing you to a person on our team. Someone will be with you here shortly."
            }
            (MessageKind::PersonComingUpset, Pt) => {
                "Sinto muito por isso. Vou passar a conversa agora para uma pessoa da nossa equipe, que já vai ver tudo o que você contou."
            }
            (MessageKind::PersonComingUpset, Es) => {
                "Lamento mucho lo ocurrido. Paso ahora la conversación a una persona de nuestro equipo, que ya verá todo lo que contaste."
            }
            (MessageKind::PersonComingUpset, En) => {
                "I'm sorry about this. I'm passing you to a person on our team now, who will see everything you've told me."
            }
            (MessageKind::PersonComingSensitive, Pt) => {
                "Entendi. Esse assunto precisa de uma pessoa da nossa equipe: vou passar a conversa agora, com tudo o que você contou."
            }
            (MessageKind::PersonComingSensitive, Es) => {
                "Entendido. Este tema necesita a una persona de nuestro equipo: paso ahora la conversación, con todo lo que contaste."
            }
            (MessageKind::PersonComingSensitive, En) => {
                "Understood. This needs a person on our team: I'm passing the conversation on now, with everything you've told me."
            }
            (MessageKind::PersonComingAfterFailure, Pt) => {
                "Não consegui resolver isso por aqui, então vou passar a conversa para uma pessoa da nossa equipe, que vai conferir para você."
            }
            (MessageKind::PersonComingAfterFailure, Es) => {
                "No pude resolver esto por aquí, así que paso la conversación a una persona de nuestro equipo, que lo revisará por ti."
            }
            (MessageKind::PersonComingAfterFailure, En) => {
                "I couldn't sort this out here, so I'm passing you to a person on our team who will check it for you."
            }
            (MessageKind::QueuePosition, Pt) => "Você é o número {position} da fila.",
            (MessageKind::QueuePosition, Es) => "Eres el número {position} en la fila.",
            (MessageKind::QueuePosition, En) => "You are number {position} in line.",
            (MessageKind::QueueWait, Pt) => "O tempo estimado de espera é de {wait}.",
            (MessageKind::QueueWait, Es) => "El tiempo estimado de espera es de {wait}.",
            (MessageKind::QueueWait, En) => "The estimated wait is {wait}.",
            (MessageKind::ClosedBotStays, Pt) => {
                "Nossa equipe está fora do horário de atendimento e volta {reopens_at}. Enquanto isso, sigo aqui para ajudar no que eu puder."
            }
            (MessageKind::ClosedBotStays, Es) => {
                "Nuestro equipo está fuera de horario y vuelve {reopens_at}. Mientras tanto, sigo aquí para ayudarte en lo que pueda."
            }
            (MessageKind::ClosedBotStays, En) => {
                "Our team is away right now and will be back {reopens_at}. Meanwhile, I'm here to help with whatever I can."
            }
            (MessageKind::Closed, Pt) => {
                "Nossa equipe está fora do horário de atendimento e volta {reopens_at}. Sua mensagem fica registrada e uma pessoa responde assim que voltarmos."
            }
            (MessageKind::Closed, Es) => {
                "Nuestro equipo está fuera de horario y vuelve {reopens_at}. Tu mensaje queda registrado y una persona te responderá en cuanto volvamos."
            }
            (MessageKind::Closed, En) => {
                "Our team is away right now and will be back {reopens_at}. Your message is saved and a person will answer as soon as we're back."
            }
            (MessageKind::NotUnderstood, Pt) => {
                "Desculpe, não entendi. Pode escrever de outro jeito?"
            }
            (MessageKind::NotUnderstood, Es) => {
                "Perdona, no entendí. ¿Puedes escribirlo de otra forma?"
            }
            (MessageKind::NotUnderstood, En) => {
                "Sorry, I didn't get that. Could you put it another way?"
            }
            (MessageKind::PersonHint, Pt) => "Se preferir, é só pedir para falar com uma pessoa.",
            (MessageKind::PersonHint, Es) => "Si prefieres, pide hablar con una persona.",
            (MessageKind::PersonHint, En) => "If you'd rather, just ask to talk to a person.",
            (MessageKind::Clarify, Pt) => "Você quis dizer {first} ou {second}?",
            (MessageKind::Clarify, Es) => "¿Quisiste decir {first} o {second}?",
            (MessageKind::Clarify, En) => "Did you mean {first} or {second}?",
            (MessageKind::InvalidSlot, Pt) => "Hmm, isso não parece válido.",
            (MessageKind::InvalidSlot, Es) => "Hmm, eso no parece válido.",
            (MessageKind::InvalidSlot, En) => "Hmm, that doesn't look valid.",
            (MessageKind::AnythingElse, Pt) => "Como posso ajudar?",
            (MessageKind::AnythingElse, Es) => "¿Cómo puedo ayudarte?",
            (MessageKind::AnythingElse, En) => "How can I help?",
            (MessageKind::Thanks, Pt) => "Por nada! Se precisar de mais alguma coisa, é só chamar.",
            (MessageKind::Thanks, Es) => "¡De nada! Si necesitas algo más, aquí estoy.",
            (MessageKind::Thanks, En) => "You're welcome! If you need anything else, just ask.",
            (MessageKind::Transferred, Pt) => {
                "Transferi sua conversa para a equipe {team}. Em instantes alguém continua com você por aqui."
            }
            (MessageKind::Transferred, Es) => {
                "Transferí tu conversación al equipo {team}. En breve alguien continúa contigo por aquí."
            }
            (MessageKind::Transferred, En) => {
                "I've passed your conversation to the {team} team. Someone will continue with you here shortly."
            }
            (MessageKind::TransferredToAgent, Pt) => {
                "{agent} vai continuar o seu atendimento por aqui, com todo o histórico da conversa."
            }
            (MessageKind::TransferredToAgent, Es) => {
                "{agent} continuará tu atención por aquí, con todo el historial de la conversación."
            }
            (MessageKind::TransferredToAgent, En) => {
                "{agent} will continue helping you here, with the whole conversation at hand."
            }
            (MessageKind::VoiceNoteUnheard, Pt) => {
                "Não consegui entender o seu áudio. Pode escrever a sua mensagem? Se preferir falar com uma pessoa, é só pedir."
            }
            (MessageKind::VoiceNoteUnheard, Es) => {
                "No pude entender tu audio. ¿Puedes escribir tu mensaje? Si prefieres hablar con una persona, solo pídelo."
            }
            (MessageKind::VoiceNoteUnheard, En) => {
                "I couldn't make out your voice message. Could you type it instead? If you'd rather talk to a person, just ask."
            }
            (MessageKind::ClosedAfterSilence, Pt) => {
                "Como não tivemos mais notícias, vou encerrar esta conversa. Se precisar, é só escrever de novo."
            }
            (MessageKind::ClosedAfterSilence, Es) => {
                "Como no tuvimos más noticias, cierro esta conversación. Si necesitas algo, escríbenos de nuevo."
            }
            (MessageKind::ClosedAfterSilence, En) => {
                "Since we haven't heard back, I'm closing this conversation. Just write again if you need anything."
            }
            (MessageKind::ActionUnavailable, Pt) => {
                "Não consegui consultar isso agora. Tente de novo daqui a pouco."
            }
            (MessageKind::ActionUnavailable, Es) => {
                "No pude consultarlo ahora. Inténtalo de nuevo en un rato."
            }
            (MessageKind::ActionUnavailable, En) => {
                "I couldn't look that up right now. Please try again in a little while."
            }
        }
    }
}

/// Whether the team is there to take the conversation, for the handover message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamAvailability {
    /// Within business hours; the queue position when routing knows it.
    Open {
        /// 1 for the first in line.
        queue_position: Option<u32>,
    },
    /// Outside business hours.
    Closed {
        /// When the team is back, in the team's time zone.
        reopens_at: DateTime,
        /// The current day in the team's time zone ("today at 08:00").
        today: Date,
        /// The bot keeps the conversation until then instead of handing it over.
        bot_stays: bool,
    },
}

impl Default for TeamAvailability {
    fn default() -> Self {
        TeamAvailability::Open {
            queue_position: None,
        }
    }
}

/// Renders one of the bot's messages in `language`: the profile's override or the built-in
/// text, with `{bot_name}`, the contact's attributes and `extra` variables filled (a missing
/// value renders empty).
pub fn render_message(
    profile: &BotProfile,
    kind: MessageKind,
    language: Language,
    attributes: &Attributes,
    extra: &[(&str, String)],
) -> String {
    let language = profile.supported_language(language);
    let source = kind
        .override_in(profile)
        .and_then(|texts| texts.get_or(language, profile.languages.default))
        .map_or(kind.built_in(language), String::as_str);
    render_text(profile, source, attributes, |name| {
        extra
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    })
}

/// Renders a profile text: `{bot_name}`, contact attributes (empty when the contact lacks
/// one) and whatever `more` knows. A text that does not parse (only in an unvalidated
/// profile) is returned as written.
pub(crate) fn render_text(
    profile: &BotProfile,
    source: &str,
    attributes: &Attributes,
    more: impl Fn(&str) -> Option<String>,
) -> String {
    let Ok(template) = Template::parse(source) else {
        return source.to_owned();
    };
    let rendered = template.render(|name| {
        if let Some(value) = more(name) {
            return Some(value);
        }
        if name == "bot_name" {
            return Some(profile.persona.name.clone());
        }
        if profile.contact_attributes.iter().any(|a| a == name) {
            return Some(attributes.get(name).map(attribute_text).unwrap_or_default());
        }
        None
    });
    rendered.unwrap_or_else(|_| source.to_owned())
}

fn attribute_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The customer-facing handover message: a person is coming — worded for why (`reason`: sorry
/// to an upset customer, plain for a sensitive topic, saying the bot could not complete it after
/// a failure) — with the queue position when known, or, out of hours, when the team is back.
pub fn handover_message(
    profile: &BotProfile,
    language: Language,
    availability: &TeamAvailability,
    attributes: &Attributes,
    reason: Option<HandoverReason>,
) -> String {
    match *availability {
        TeamAvailability::Open { queue_position } => {
            let coming = render_message(profile, person_coming(reason), language, attributes, &[]);
            match queue_position {
                Some(position) => {
                    let place = render_message(
                        profile,
                        MessageKind::QueuePosition,
                        language,
                        attributes,
                        &[("position", position.to_string())],
                    );
                    format!("{coming} {place}")
                }
                None => coming,
            }
        }
        TeamAvailability::Closed {
            reopens_at,
            today,
            bot_stays,
        } => render_message(
            profile,
            if bot_stays {
                MessageKind::ClosedBotStays
            } else {
                MessageKind::Closed
            },
            language,
            attributes,
            &[(
                "reopens_at",
                describe_reopening(profile.supported_language(language), reopens_at, today),
            )],
        ),
    }
}

/// How "a person is coming" is worded for a handover's reason.
fn person_coming(reason: Option<HandoverReason>) -> MessageKind {
    match reason {
        Some(HandoverReason::NegativeSentiment) => MessageKind::PersonComingUpset,
        Some(HandoverReason::SensitiveTopic) => MessageKind::PersonComingSensitive,
        Some(
            HandoverReason::ActionFailed
            | HandoverReason::BotFailure
            | HandoverReason::AiUnavailable,
        ) => MessageKind::PersonComingAfterFailure,
        Some(
            HandoverReason::CustomerRequest
            | HandoverReason::Complexity
            | HandoverReason::HighValue,
        )
        | None => MessageKind::PersonComing,
    }
}

/// The customer's place in the queue, with the estimated wait when there is one.
pub fn queue_notice(
    profile: &BotProfile,
    language: Language,
    position: u32,
    wait: Option<SignedDuration>,
    attributes: &Attributes,
) -> String {
    let place = render_message(
        profile,
        MessageKind::QueuePosition,
        language,
        attributes,
        &[("position", position.to_string())],
    );
    match wait {
        Some(wait) => {
            let wait_text = describe_wait(profile.supported_language(language), wait);
            let wait = render_message(
                profile,
                MessageKind::QueueWait,
                language,
                attributes,
                &[("wait", wait_text)],
            );
            format!("{place} {wait}")
        }
        None => place,
    }
}

/// "cerca de 5 minutos", "unos 5 minutos", "about 5 minutes" (minutes rounded up; hours
/// past 90 minutes).
pub fn describe_wait(language: Language, wait: SignedDuration) -> String {
    let minutes = (wait.as_secs().max(0) + 59) / 60;
    let minutes = minutes.max(1);
    let hours = (minutes + 30) / 60;
    match language {
        Language::Portuguese => match minutes {
            1 => "cerca de 1 minuto".to_owned(),
            2..=90 => format!("cerca de {minutes} minutos"),
            _ => format!("cerca de {hours} horas"),
        },
        Language::Spanish => match minutes {
            1 => "alrededor de 1 minuto".to_owned(),
            2..=90 => format!("unos {minutes} minutos"),
            _ => format!("unas {hours} horas"),
        },
        Language::English => match minutes {
            1 => "about a minute".to_owned(),
            2..=90 => format!("about {minutes} minutes"),
            _ => format!("about {hours} hours"),
        },
    }
}

/// "amanhã às 08:00", "el lunes a las 09:30", "on Dec 25 at 08:00".
pub fn describe_reopening(language: Language, reopens_at: DateTime, today: Date) -> String {
    let time = format!("{:02}:{:02}", reopens_at.hour(), reopens_at.minute());
    let date = reopens_at.date();
    let days = today
        .until(date)
        .map(|span| span.get_days())
        .unwrap_or(i32::MAX);
    let weekday = date.weekday();
    match language {
        Language::Portuguese => match days {
            0 => format!("hoje às {time}"),
            1 => format!("amanhã às {time}"),
            2..=6 => format!("{} às {time}", weekday_pt(weekday)),
            _ => format!("em {:02}/{:02} às {time}", date.day(), date.month()),
        },
        Language::Spanish => match days {
            0 => format!("hoy a las {time}"),
            1 => format!("mañana a las {time}"),
            2..=6 => format!("el {} a las {time}", weekday_es(weekday)),
            _ => format!("el {:02}/{:02} a las {time}", date.day(), date.month()),
        },
        Language::English => match days {
            0 => format!("today at {time}"),
            1 => format!("tomorrow at {time}"),
            2..=6 => format!("on {} at {time}", weekday_en(weekday)),
            _ => format!("on {} {} at {time}", month_en(date.month()), date.day()),
        },
    }
}

fn weekday_pt(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "na segunda-feira",
        Weekday::Tuesday => "na terça-feira",
        Weekday::Wednesday => "na quarta-feira",
        Weekday::Thursday => "na quinta-feira",
        Weekday::Friday => "na sexta-feira",
        Weekday::Saturday => "no sábado",
        Weekday::Sunday => "no domingo",
    }
}

fn weekday_es(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "lunes",
        Weekday::Tuesday => "martes",
        Weekday::Wednesday => "miércoles",
        Weekday::Thursday => "jueves",
        Weekday::Friday => "viernes",
        Weekday::Saturday => "sábado",
        Weekday::Sunday => "domingo",
    }
}

fn weekday_en(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

fn month_en(month: i8) -> &'static str {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    usize::try_from(month - 1)
        .ok()
        .and_then(|index| MONTHS.get(index))
        .copied()
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn reopening_times_read_naturally_in_each_language() {
        let friday = date(2026, 11, 20);
        let cases = [
            (
                Language::Portuguese,
                date(2026, 11, 20).at(18, 0, 0, 0),
                "hoje às 18:00",
            ),
            (
                Language::Portuguese,
                date(2026, 11, 21).at(8, 0, 0, 0),
                "amanhã às 08:00",
            ),
            (
                Language::Portuguese,
                date(2026, 11, 23).at(8, 0, 0, 0),
                "na segunda-feira às 08:00",
            ),
            (
                Language::Spanish,
                date(2026, 11, 23).at(9, 30, 0, 0),
                "el lunes a las 09:30",
            ),
            (
                Language::English,
                date(2026, 11, 23).at(8, 0, 0, 0),
                "on Monday at 08:00",
            ),
            (
                Language::English,
                date(2026, 12, 25).at(8, 0, 0, 0),
                "on Dec 25 at 08:00",
            ),
        ];
        for (language, reopens_at, expected) in cases {
            assert_eq!(describe_reopening(language, reopens_at, friday), expected);
        }
    }

    #[test]
    fn waits_read_naturally_in_each_language() {
        let cases = [
            (Language::Portuguese, 30, "cerca de 1 minuto"),
            (Language::Portuguese, 241, "cerca de 5 minutos"),
            (Language::Spanish, 600, "unos 10 minutos"),
            (Language::English, 60, "about a minute"),
            (Language::English, 3 * 3600, "about 3 hours"),
        ];
        for (language, seconds, expected) in cases {
            assert_eq!(
                describe_wait(language, SignedDuration::from_secs(seconds)),
                expected
            );
        }
    }

    #[test]
    fn a_queue_notice_gives_the_place_and_the_wait_when_known() {
        let profile = &*crate::testing::PROFILE;
        let attributes = Attributes::default();
        let with_wait = queue_notice(
            profile,
            Language::Portuguese,
            3,
            Some(SignedDuration::from_mins(10)),
            &attributes,
        );
        assert_eq!(
            with_wait,
            "Você é o número 3 da fila. O tempo estimado de espera é de cerca de 10 minutos."
        );
        let without = queue_notice(profile, Language::English, 1, None, &attributes);
        assert_eq!(without, "You're number 1 in line.");
    }
}
