//! Small talk that is neither a request nor a failure to understand: greetings, thanks and
//! goodbyes, and acknowledgements ("ok", "entendi").

use tandem_nlu::Language;

use crate::words::folded_words;

/// What kind of small talk a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SmallTalk {
    /// "oi", "hola, buenas tardes", "hi there".
    Greeting,
    /// "obrigado!", "valeu", "gracias", "thanks, bye"; also a short message that thanks
    /// ("o atendente foi ótimo, obrigado").
    Thanks,
    /// "ok", "entendi", "perfecto", "got it".
    Acknowledgement,
}

const GREETINGS: &[&str] = &[
    "oi",
    "oie",
    "ola",
    "opa",
    "eai",
    "alo",
    "bom",
    "boa",
    "dia",
    "tarde",
    "noite",
    "hola",
    "buenas",
    "buenos",
    "buen",
    "dias",
    "tardes",
    "noches",
    "hi",
    "hello",
    "hey",
    "hiya",
    "morning",
    "afternoon",
    "evening",
    "good",
];

const GREETING_FILLERS: &[&str] = &[
    "tudo", "bem", "bom", "como", "vai", "voce", "ai", "e", "pessoal", "ae", "que", "tal", "estas",
    "esta", "y", "there", "how", "are", "you", "and", "aurora", "bot",
];

const THANKS: &[&str] = &[
    "obrigado",
    "obrigada",
    "obrigadao",
    "valeu",
    "vlw",
    "obg",
    "brigado",
    "brigada",
    "agradeco",
    "grato",
    "grata",
    "tchau",
    "gracias",
    "agradezco",
    "adios",
    "chao",
    "chau",
    "thanks",
    "thank",
    "thx",
    "bye",
    "goodbye",
    "cheers",
    "appreciate",
];

const ACKNOWLEDGEMENTS: &[&str] = &[
    "ok",
    "okay",
    "okk",
    "certo",
    "entendi",
    "beleza",
    "blz",
    "tranquilo",
    "sim",
    "legal",
    "show",
    "perfeito",
    "otimo",
    "combinado",
    "claro",
    "joia",
    "si",
    "vale",
    "perfecto",
    "genial",
    "entendido",
    "dale",
    "listo",
    "yes",
    "cool",
    "great",
    "perfect",
    "got",
    "it",
    "fine",
    "alright",
    "sure",
    "ah",
    "ta",
    "esta",
    "bom",
    "bueno",
    "muy",
    "bien",
    "good",
];

/// The longest message (in words) still read as thanks when it also says something else.
const LONGEST_THANKS: usize = 10;

/// The small talk `text` is, if any.
pub(crate) fn detect(text: &str, language: Language) -> Option<SmallTalk> {
    let words = folded_words(text, language);
    if words.is_empty() {
        return None;
    }
    let all_in = |vocabulary: &[&[&str]]| {
        words
            .iter()
            .all(|word| vocabulary.iter().any(|list| list.contains(&word.as_str())))
    };
    let any_in = |list: &[&str]| words.iter().any(|word| list.contains(&word.as_str()));
    if any_in(GREETINGS) && all_in(&[GREETINGS, GREETING_FILLERS]) {
        return Some(SmallTalk::Greeting);
    }
    if any_in(THANKS) && words.len() <= LONGEST_THANKS {
        return Some(SmallTalk::Thanks);
    }
    if all_in(&[ACKNOWLEDGEMENTS]) {
        return Some(SmallTalk::Acknowledgement);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_talk_is_recognized_in_each_language() {
        let cases = [
            (
                "Oi, tudo bem?",
                Language::Portuguese,
                Some(SmallTalk::Greeting),
            ),
            ("bom dia!", Language::Portuguese, Some(SmallTalk::Greeting)),
            (
                "hola, buenas tardes",
                Language::Spanish,
                Some(SmallTalk::Greeting),
            ),
            ("hi there", Language::English, Some(SmallTalk::Greeting)),
            ("obrigado!", Language::Portuguese, Some(SmallTalk::Thanks)),
            ("vlw", Language::Portuguese, Some(SmallTalk::Thanks)),
            (
                "blz",
                Language::Portuguese,
                Some(SmallTalk::Acknowledgement),
            ),
            ("vlw", Language::Portuguese, Some(SmallTalk::Thanks)),
            (
                "o atendente foi ótimo, obrigado",
                Language::Portuguese,
                Some(SmallTalk::Thanks),
            ),
            ("muchas gracias", Language::Spanish, Some(SmallTalk::Thanks)),
            ("thanks, bye", Language::English, Some(SmallTalk::Thanks)),
            ("ok", Language::Portuguese, Some(SmallTalk::Acknowledgement)),
            (
                "got it",
                Language::English,
                Some(SmallTalk::Acknowledgement),
            ),
            (
                "oi, quero a segunda via do boleto",
                Language::Portuguese,
                None,
            ),
            ("não consigo pagar o boleto", Language::Portuguese, None),
        ];
        for (text, language, expected) in cases {
            assert_eq!(detect(text, language), expected, "{text}");
        }
    }
}
