//! Recognizing an explicit ask for a person in pt/es/en ("quero falar com um atendente",
//! "quiero hablar con un agente", "talk to a human", "atendente por favor", "pessoa de
//! verdade") on folded words, so accents, capitals and chat spelling do not matter.
//!
//! Four patterns, tried on the words of every language at once because short messages are
//! often detected in the wrong language:
//! 1. a request verb ("falar", "hablar", "talk", "transfer"...) followed within five words by
//!    a person noun ("atendente", "agente", "human"...), unless a negation precedes the verb;
//! 2. a short message made only of person nouns and politeness ("atendente por favor",
//!    "I want a human"), which rules out remarks like "o atendente foi ótimo";
//! 3. fixed phrases ("pessoa de verdade", "live agent", "atención humana");
//! 4. a negated bot ("não quero falar com robô", "no quiero un bot").
//!
//! Profile phrases are matched as contiguous folded word sequences.

use tandem_nlu::Language;

use crate::profile::Localized;
use crate::words::folded_words;

/// Words that only ever mean a support person.
const PERSON_NOUNS: &[&str] = &[
    // pt
    "atendente",
    "atendentes",
    "humano",
    "humana",
    "humanos",
    "operador",
    "operadora",
    "agente",
    "agentes",
    "funcionario",
    "funcionaria",
    "consultor",
    "consultora",
    "gerente",
    "especialista",
    "representante",
    "supervisor",
    "supervisora",
    // es
    "asesor",
    "asesora",
    "ejecutivo",
    "ejecutiva",
    "operadores",
    "encargado",
    "encargada",
    // en
    "human",
    "humans",
    "agent",
    "agents",
    "representative",
    "rep",
    "operator",
    "staff",
    "manager",
    "advisor",
    "employee",
];

/// Words for any person: "transferir para outra pessoa" is a Pix, not a handover.
const WEAK_PERSON_NOUNS: &[&str] = &[
    "pessoa", "pessoas", "alguem", "persona", "personas", "alguien", "person", "people", "someone",
    "somebody", "anyone", "anybody", "gente", "pessoal",
];

/// Words that may stand between a verb of wanting and a weak person noun ("quero uma pessoa").
const ARTICLES: &[&str] = &[
    "um", "uma", "alguma", "algum", "de", "a", "an", "some", "un", "una", "alguna", "algun",
];

/// Words for a service desk or a department: a person when asked for ("comunícame con atención
/// al cliente", "me transfere pro SAC"), not when only mentioned ("horário do SAC").
const DESK_NOUNS: &[&str] = &[
    "sac",
    "central",
    "atencion",
    "servicio",
    "service",
    "support",
    "suporte",
    "soporte",
    "area",
    "departamento",
    "department",
    "setor",
    "sector",
    "equipe",
    "equipo",
    "team",
];

const REQUEST_VERBS: &[&str] = &[
    // pt
    "falar",
    "conversar",
    "chamar",
    "chama",
    "chame",
    "passar",
    "passa",
    "passe",
    "transferir",
    "transfere",
    "transfira",
    "encaminhar",
    "encaminha",
    "encaminhe",
    "colocar",
    "coloca",
    "coloque",
    "atender",
    "atenda",
    "atendam",
    // es
    "hablar",
    "comunicar",
    "comunicarme",
    "comunicame",
    "pasar",
    "pasame",
    "pase",
    "pasa",
    "transfiereme",
    "transfiere",
    "transfieres",
    "transfiera",
    "transfieran",
    "comunicas",
    "comunican",
    "comuniquen",
    "comunique",
    "poner",
    "ponme",
    "pones",
    "ponga",
    "pongan",
    "atiendan",
    "llamar",
    "contactar",
    "contactame",
    "derivar",
    "derivame",
    "atienda",
    "atiende",
    // en
    "talk",
    "speak",
    "chat",
    "connect",
    "transfer",
    "get",
    "reach",
    "contact",
    "escalate",
    "put",
    "transferred",
    "transferido",
    "transferida",
    "conectar",
    "conectarme",
    "conectame",
    "conecten",
    "conectes",
];

/// Verbs of wanting that ask for a person when one follows closely ("preciso de um atendente",
/// "quisiera que un asesor..."); only strong person nouns count after them.
const NEED_VERBS: &[&str] = &[
    "preciso",
    "precisava",
    "necessito",
    "quero",
    "queria",
    "gostaria",
    "necesito",
    "necesitaria",
    "quiero",
    "quisiera",
    "requiero",
    "kiero",
    "qiero",
    "kero",
    "need",
    "needs",
    "want",
    "wanted",
];

/// How far after a verb of wanting the person noun may come.
const NEED_WINDOW: usize = 3;

/// Asks to be called back: a person will have to do it.
const CALLBACK_PHRASES: &[&[&str]] = &[
    &["me", "liga"],
    &["me", "ligue"],
    &["me", "ligar"],
    &["me", "ligam"],
    &["me", "liguem"],
    &["liga", "pra", "mim"],
    &["ligue", "pra", "mim"],
    &["liga", "para", "mim"],
    &["ligue", "para", "mim"],
    &["me", "retorna"],
    &["me", "retorne"],
    &["me", "retornar"],
    &["me", "retornasse"],
    &["me", "retornem"],
    &["me", "telefona"],
    &["me", "telefonar"],
    &["me", "llamen"],
    &["me", "llames"],
    &["me", "llamas"],
    &["me", "llama"],
    &["me", "llamaran"],
    &["llamame"],
    &["llamenme"],
    &["me", "marquen"],
    &["me", "marcas"],
    &["me", "marques"],
    &["me", "pueden", "marcar"],
    &["me", "puedes", "marcar"],
    &["devuelva", "la", "llamada"],
    &["devuelvan", "la", "llamada"],
    &["call", "me"],
    &["ring", "me"],
    &["phone", "me"],
    &["give", "me", "a", "call"],
    &["call", "back"],
    &["callback"],
    &["reach", "out", "to", "me"],
    &["contact", "me"],
    &["contactenme"],
    &["llamarme"],
    &["marcarme"],
    &["ligarem", "pra", "mim"],
    &["on", "the", "line"],
    &["me", "contacten"],
    &["me", "contactem"],
];

/// Asks whether a person is there: one of these, then a person within two words ("tem
/// alguém aí?", "¿hay algún asesor?", "is there a person I can talk to?").
const PRESENCE_WORDS: &[&[&str]] = &[
    &["tem"],
    &["tiene"],
    &["tienen"],
    &["hay"],
    &["existe"],
    &["is", "there"],
    &["are", "there"],
    &["do", "you", "have"],
    &["voces", "tem"],
];

/// How far after a presence word the person may come.
const PRESENCE_WINDOW: usize = 2;

/// Request verbs that also move money or things ("transferir para outra pessoa"): with a
/// weak person noun they count only next to "me" ("me transfere para alguém").
const AMBIGUOUS_VERBS: &[&str] = &[
    "passar",
    "passa",
    "passe",
    "transferir",
    "transfere",
    "transfira",
    "colocar",
    "coloca",
    "coloque",
    "pasar",
    "pasa",
    "pase",
    "transfiere",
    "transfer",
    "get",
    "put",
    "connect",
];

const NEGATIONS: &[&str] = &[
    "nao", "nem", "nunca", "no", "not", "dont", "never", "doesnt", "didnt", "wont", "jamais",
    "tampoco",
];

const POLITE_FILLERS: &[&str] = &[
    // pt
    "um",
    "uma",
    "o",
    "a",
    "os",
    "as",
    "por",
    "favor",
    "quero",
    "queria",
    "preciso",
    "gostaria",
    "eu",
    "me",
    "de",
    "verdade",
    "real",
    "carne",
    "osso",
    "agora",
    "ja",
    "urgente",
    "com",
    "algum",
    "alguma",
    "oi",
    "ola",
    "pode",
    "poderia",
    "ser",
    "e",
    "possivel",
    "porfavor", // es
    "un",
    "una",
    "el",
    "la",
    "los",
    "las",
    "quiero",
    "necesito",
    "quisiera",
    "yo",
    "verdad",
    "hueso",
    "ahora",
    "ya",
    "con",
    "algun",
    "hola",
    "puede",
    "puedo",
    "posible",
    "y",
    // en
    "an",
    "the",
    "please",
    "want",
    "need",
    "would",
    "like",
    "i",
    "live",
    "now",
    "with",
    "to",
    "some",
    "any",
    "hi",
    "hello",
    "can",
    "could",
    "may",
    "have",
    "get",
    "talk",
    "speak",
    "actual",
    "x",
    "xfa",
    "porfa",
    "pf",
    "pfvr",
    "gentileza",
    "here",
    "aqui",
    "ahi",
    "ai",
    "your",
    "my",
    "meu",
    "mi",
    "al",
    "ao",
    "cliente",
    "customer",
    "de",
    "do",
    "da",
    "del",
];

const FIXED_PHRASES: &[&[&str]] = &[
    &["atendimento", "humano"],
    &["atendente", "humano"],
    &["pessoa", "de", "verdade"],
    &["pessoa", "real"],
    &["ser", "humano"],
    &["gente", "de", "verdade"],
    &["atencion", "humana"],
    &["agente", "humano"],
    &["persona", "real"],
    &["persona", "de", "verdad"],
    &["real", "person"],
    &["real", "human"],
    &["live", "agent"],
    &["live", "person"],
    &["live", "chat"],
    &["human", "being"],
    &["human", "agent"],
    &["customer", "service", "representative"],
    &["live", "representative"],
    &["actual", "human"],
    &["actual", "person"],
    &["alguem", "real"],
    &["alguien", "real"],
    &["someone", "real"],
    &["anyone", "real"],
    &["ser", "atendido"],
    &["ser", "atendida"],
    &["anyone", "there"],
    &["anybody", "there"],
    &["someone", "there"],
    &["alguem", "ai"],
    &["alguien", "ahi"],
    &["carne", "e", "osso"],
    &["carne", "y", "hueso"],
    &["flesh", "and", "blood"],
    &["alguien", "que", "me", "atienda"],
    &["alguem", "que", "me", "atenda"],
    &["alguien", "que", "me", "ayude"],
    &["alguem", "que", "me", "ajude"],
    &["someone", "who", "can", "help"],
    &["someone", "to", "help", "me"],
];

const BOT_WORDS: &[&str] = &[
    "robo", "robot", "robos", "robots", "bot", "bots", "chatbot", "maquina", "machine",
];

const BOT_REJECTIONS: &[&str] = &[
    "chega", "basta", "stop", "enough", "cansei", "harto", "sai", "para", "deja", "quit",
];

/// The longest message (in words) read as a bare request ("atendente por favor").
const LONGEST_BARE_REQUEST: usize = 8;
/// How far after a request verb the person noun may come.
const VERB_WINDOW: usize = 5;
/// How far before a request verb a negation cancels it.
const NEGATION_WINDOW: usize = 3;

/// The words that ask for a person, if `text` does; `extra` holds the profile's phrases.
pub(crate) fn find_person_request(
    text: &str,
    language: Language,
    extra: &Localized<Vec<String>>,
) -> Option<String> {
    let words = folded_words(text, language);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    verb_then_person(&words)
        .or_else(|| need_then_person(&words))
        .or_else(|| callback(&words))
        .or_else(|| presence(&words))
        .or_else(|| bare_request(&words))
        .or_else(|| fixed_phrase(&words))
        .or_else(|| rejected_bot(&words))
        .or_else(|| profile_phrase(&words, extra))
}

/// Whether `text` names a person, a service desk, the bot or a call at all: the learned model
/// reads a request for a person only in a message that does ("¿operan con criptomonedas?"
/// looks like "operador" to it, and asks for no one).
pub(crate) fn mentions_a_person(text: &str, language: Language) -> bool {
    const CALL_WORDS: &[&str] = &[
        "ligar",
        "ligue",
        "liga",
        "ligacao",
        "telefone",
        "telefonema",
        "retorno",
        "llamar",
        "llamada",
        "llamen",
        "telefono",
        "call",
        "phone",
        "line",
        "ring",
        "callback",
    ];
    folded_words(text, language).iter().any(|word| {
        let word = word.as_str();
        is_person(word)
            || DESK_NOUNS.contains(&word)
            || BOT_WORDS.contains(&word)
            || AUTOMATIC_WORDS.contains(&word)
            || CALL_WORDS.contains(&word)
    })
}

fn is_negated(words: &[&str], index: usize, window: usize) -> bool {
    words[index.saturating_sub(window)..index]
        .iter()
        .any(|word| NEGATIONS.contains(word))
}

fn is_person(word: &str) -> bool {
    PERSON_NOUNS.contains(&word) || WEAK_PERSON_NOUNS.contains(&word)
}

fn verb_then_person(words: &[&str]) -> Option<String> {
    words.iter().enumerate().find_map(|(index, word)| {
        let is_reflexive = index > 0 && words[index - 1] == "se";
        if !REQUEST_VERBS.contains(word)
            || is_reflexive
            || is_negated(words, index, NEGATION_WINDOW)
        {
            return None;
        }
        let has_me = (index > 0 && words[index - 1] == "me")
            || words.get(index + 1).is_some_and(|next| *next == "me");
        let accepts_weak = has_me || !AMBIGUOUS_VERBS.contains(word);
        let end = (index + 1 + VERB_WINDOW).min(words.len());
        words[index + 1..end]
            .iter()
            .position(|candidate| {
                PERSON_NOUNS.contains(candidate)
                    || (accepts_weak
                        && (WEAK_PERSON_NOUNS.contains(candidate)
                            || DESK_NOUNS.contains(candidate)))
            })
            .map(|offset| words[index..=index + 1 + offset].join(" "))
    })
}

fn need_then_person(words: &[&str]) -> Option<String> {
    words.iter().enumerate().find_map(|(index, word)| {
        if !NEED_VERBS.contains(word) || is_negated(words, index, NEGATION_WINDOW) {
            return None;
        }
        let end = (index + 1 + NEED_WINDOW).min(words.len());
        words[index + 1..end]
            .iter()
            .enumerate()
            .position(|(offset, candidate)| {
                PERSON_NOUNS.contains(candidate)
                    || (WEAK_PERSON_NOUNS.contains(candidate)
                        && words[index + 1..index + 1 + offset]
                            .iter()
                            .all(|between| ARTICLES.contains(between)))
            })
            .map(|offset| words[index..=index + 1 + offset].join(" "))
    })
}

fn callback(words: &[&str]) -> Option<String> {
    CALLBACK_PHRASES.iter().find_map(|phrase| {
        let start = words
            .windows(phrase.len())
            .position(|window| window == *phrase)?;
        (!is_negated(words, start, NEGATION_WINDOW)).then(|| phrase.join(" "))
    })
}

fn presence(words: &[&str]) -> Option<String> {
    PRESENCE_WORDS.iter().find_map(|phrase| {
        let start = words
            .windows(phrase.len())
            .position(|window| window == *phrase)?;
        let after = start + phrase.len();
        let end = (after + PRESENCE_WINDOW).min(words.len());
        words[after..end]
            .iter()
            .position(|candidate| is_person(candidate))
            .map(|offset| words[start..=after + offset].join(" "))
    })
}

fn bare_request(words: &[&str]) -> Option<String> {
    if words.is_empty() || words.len() > LONGEST_BARE_REQUEST {
        return None;
    }
    let person = words
        .iter()
        .find(|word| is_person(word) || DESK_NOUNS.contains(word))?;
    let only_request = words
        .iter()
        .all(|word| is_person(word) || DESK_NOUNS.contains(word) || POLITE_FILLERS.contains(word));
    (only_request && !words.iter().any(|word| NEGATIONS.contains(word)))
        .then(|| (*person).to_owned())
}

fn contains_sequence(words: &[&str], phrase: &[&str]) -> bool {
    !phrase.is_empty() && words.windows(phrase.len()).any(|window| window == phrase)
}

fn fixed_phrase(words: &[&str]) -> Option<String> {
    FIXED_PHRASES
        .iter()
        .find(|phrase| contains_sequence(words, phrase))
        .map(|phrase| phrase.join(" "))
}

/// Words for automatic answers: they name the bot only next to a word for replies ("chega de
/// resposta automática", not "stop an automatic debit").
const AUTOMATIC_WORDS: &[&str] = &[
    "automatico",
    "automatica",
    "automaticos",
    "automaticas",
    "automatic",
    "automated",
];

const REPLY_NOUNS: &[&str] = &[
    "resposta",
    "respostas",
    "mensagem",
    "mensagens",
    "respuesta",
    "respuestas",
    "mensaje",
    "mensajes",
    "answer",
    "answers",
    "reply",
    "replies",
    "responses",
    "messages",
];

fn names_the_bot(words: &[&str], index: usize) -> bool {
    let word = words[index];
    if AUTOMATIC_WORDS.contains(&word) {
        let before = index.checked_sub(1).map(|i| words[i]);
        let after = words.get(index + 1).copied();
        return [before, after]
            .into_iter()
            .flatten()
            .any(|neighbour| REPLY_NOUNS.contains(&neighbour));
    }
    BOT_WORDS.contains(&word)
}

fn rejected_bot(words: &[&str]) -> Option<String> {
    words.iter().enumerate().find_map(|(index, _)| {
        if !names_the_bot(words, index) {
            return None;
        }
        let start = index.saturating_sub(4);
        words[start..index]
            .iter()
            .position(|w| NEGATIONS.contains(w) || BOT_REJECTIONS.contains(w))
            .map(|offset| words[start + offset..=index].join(" "))
    })
}

fn profile_phrase(words: &[&str], extra: &Localized<Vec<String>>) -> Option<String> {
    extra.iter().find_map(|(language, phrases)| {
        phrases.iter().find_map(|phrase| {
            let folded = folded_words(phrase, language);
            let folded: Vec<&str> = folded.iter().map(String::as_str).collect();
            contains_sequence(words, &folded).then(|| folded.join(" "))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asks(text: &str, language: Language) -> Option<String> {
        find_person_request(text, language, &Localized::default())
    }

    #[test]
    fn explicit_asks_are_recognized_with_accents_and_chat_spelling_folded() {
        let cases = [
            ("quero falar com um atendente", Language::Portuguese),
            ("Quero falar c/ um ATENDENTE!!", Language::Portuguese),
            ("atendente por favor", Language::Portuguese),
            ("pessoa de verdade", Language::Portuguese),
            ("me passa pra um humano pfv", Language::Portuguese),
            (
                "vc pode me transferir para um atendente?",
                Language::Portuguese,
            ),
            ("não quero falar com robô", Language::Portuguese),
            ("quiero hablar con un agente", Language::Spanish),
            ("¿Puedo hablar con una persona?", Language::Spanish),
            ("pásame con un asesor porfa", Language::Spanish),
            ("talk to a human", Language::English),
            ("can I speak to someone please", Language::English),
            ("I want a real person", Language::English),
            ("agent pls", Language::English),
            ("get me a live agent", Language::English),
        ];
        for (text, language) in cases {
            assert!(asks(text, language).is_some(), "{text}");
        }
    }

    #[test]
    fn mentions_of_people_that_are_not_asks_are_ignored() {
        let cases = [
            ("o atendente foi ótimo, obrigado", Language::Portuguese),
            (
                "falei com um atendente ontem e não resolveu",
                Language::Portuguese,
            ),
            ("não consigo pagar o boleto", Language::Portuguese),
            ("qual o horário de atendimento?", Language::Portuguese),
            (
                "não quero falar com atendente, só quero o boleto",
                Language::Portuguese,
            ),
            ("el agente fue muy amable", Language::Spanish),
            ("the agent was great, thanks", Language::English),
            ("I talked to an agent yesterday", Language::English),
            ("obrigado!", Language::Portuguese),
            ("quero transferir para outra pessoa", Language::Portuguese),
            (
                "how do I transfer money to another person",
                Language::English,
            ),
            (
                "como se chama a pessoa que me atendeu?",
                Language::Portuguese,
            ),
        ];
        for (text, language) in cases {
            assert_eq!(asks(text, language), None, "{text}");
        }
    }

    #[test]
    fn profile_phrases_extend_the_built_in_ones() {
        let extra = Localized::new([(
            Language::Portuguese,
            vec!["código vermelho Aurora".to_owned()],
        )]);
        assert_eq!(
            find_person_request(
                "Oi, CÓDIGO VERMELHO AURORA agora",
                Language::Portuguese,
                &extra
            )
            .as_deref(),
            Some("codigo vermelho aurora")
        );
    }
}
