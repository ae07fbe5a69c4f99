//! Extractive conversation summaries for the handover context, in the order a person taking over
//! reads them: what the customer wants (their most representative sentence), what the bot
//! already tried, what is still pending (the customer's last words, when they say something
//! else), and the key entities — every personal value masked, each shown once.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::entities::{EntityExtractor, EntityKind};
use crate::language::Language;
use crate::masking::mask_text;
use crate::normalize::{Normalizer, Token};

/// Who wrote a turn of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    /// The customer.
    Customer,
    /// The bot.
    Bot,
    /// A human agent.
    Agent,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationTurn {
    /// Who wrote it.
    pub speaker: Speaker,
    /// What was written.
    pub text: String,
}

/// An entity as shown in a summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryEntity {
    /// What it is.
    pub kind: EntityKind,
    /// For references, the name of the pattern that matched.
    pub name: Option<String>,
    /// The normalized value, masked when sensitive.
    pub value: String,
}

/// An extractive summary of a conversation. Personal values are masked everywhere in it
/// ([`mask_text`]), so it may be shown to any agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The customer sentence that best states what they want, personal values masked.
    pub customer_request: Option<String>,
    /// Up to three representative customer sentences, in conversation order, masked.
    pub key_sentences: Vec<String>,
    /// Up to three distinct things the bot said or tried (the first substantive sentence of
    /// each bot turn), most recent last, masked.
    pub bot_attempts: Vec<String>,
    /// What the customer said last, when it is not the request itself: what the person taking
    /// over answers first. Masked.
    pub pending: Option<String>,
    /// Entities the customer gave, deduplicated, sensitive values masked.
    pub entities: Vec<SummaryEntity>,
    /// The above as a few labelled lines; an entity the quoted sentences already show is not
    /// listed again.
    pub text: String,
}

const KEY_SENTENCES: usize = 3;
const BOT_ATTEMPTS: usize = 3;
/// Words shorter than this carry little topic (articles, pronouns, "oi", "ok").
const SHORTEST_CONTENT_WORD: usize = 4;
/// Extra weight of the customer's first substantive sentence, which usually states the issue.
const OPENING_BONUS: f32 = 0.5;

struct CandidateSentence {
    order: usize,
    text: String,
    stems: Vec<String>,
}

/// Summarizes `turns`. Every turn is masked first ([`mask_text`]). Sentences are scored by how many of the conversation's recurring
/// content words they contain, normalized by length, with a bonus for the first substantive
/// customer sentence; the best are kept in their original order. `language` drives stemming;
/// `today` resolves relative dates among the entities.
pub fn summarize(
    turns: &[ConversationTurn],
    language: Language,
    entity_extractor: &EntityExtractor,
    today: jiff::civil::Date,
) -> Summary {
    let normalizer = Normalizer::new(language);
    // Masked before anything is taken from them: a sentence is quoted as written.
    let masked: Vec<(Speaker, String)> = turns
        .iter()
        .map(|turn| (turn.speaker, mask_text(&turn.text)))
        .collect();
    let mut candidates: Vec<CandidateSentence> = Vec::new();
    for (_, text) in masked
        .iter()
        .filter(|(speaker, _)| *speaker == Speaker::Customer)
    {
        for sentence in split_sentences(text) {
            let stems = content_stems(&normalizer.tokenize(sentence));
            if stems.len() >= 2 {
                candidates.push(CandidateSentence {
                    order: candidates.len(),
                    text: sentence.to_owned(),
                    stems,
                });
            }
        }
    }
    let mut frequency: HashMap<&str, f32> = HashMap::new();
    for candidate in &candidates {
        for stem in &candidate.stems {
            *frequency.entry(stem).or_default() += 1.0;
        }
    }
    let mut scored: Vec<(f32, &CandidateSentence)> = candidates
        .iter()
        .map(|candidate| {
            let weight: f32 = candidate
                .stems
                .iter()
                .map(|s| frequency.get(s.as_str()).copied().unwrap_or(1.0))
                .sum();
            let mut score = weight / (candidate.stems.len() as f32).sqrt();
            if candidate.order == 0 {
                score *= 1.0 + OPENING_BONUS;
            }
            (score, candidate)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.order.cmp(&b.1.order)));
    let customer_request = scored.first().map(|(_, c)| c.text.clone());
    let mut key: Vec<&CandidateSentence> =
        scored.iter().take(KEY_SENTENCES).map(|(_, c)| *c).collect();
    key.sort_by_key(|c| c.order);
    let key_sentences: Vec<String> = key.iter().map(|c| c.text.clone()).collect();

    let mut bot_attempts: Vec<String> = Vec::new();
    for (_, text) in masked
        .iter()
        .filter(|(speaker, _)| *speaker == Speaker::Bot)
    {
        // The first sentence with some substance: "Olá!" alone says nothing about what was tried.
        let substantive =
            split_sentences(text).find(|s| content_stems(&normalizer.tokenize(s)).len() >= 2);
        if let Some(first) = substantive {
            let first = first.to_owned();
            bot_attempts.retain(|a| *a != first);
            bot_attempts.push(first);
        }
    }
    let skip = bot_attempts.len().saturating_sub(BOT_ATTEMPTS);
    bot_attempts.drain(..skip);

    let mut entities: Vec<SummaryEntity> = Vec::new();
    for turn in turns.iter().filter(|t| t.speaker == Speaker::Customer) {
        for entity in entity_extractor.extract(&turn.text, language, today) {
            let shown = SummaryEntity {
                kind: entity.kind,
                name: entity.name.clone(),
                value: entity.masked(),
            };
            if !entities.contains(&shown) {
                entities.push(shown);
            }
        }
    }
    let pending = masked
        .iter()
        .rev()
        .find(|(speaker, _)| *speaker == Speaker::Customer)
        .and_then(|(_, text)| {
            split_sentences(text)
                .filter(|s| content_stems(&normalizer.tokenize(s)).len() >= 2)
                .last()
                .map(str::to_owned)
        })
        .filter(|last| customer_request.as_deref() != Some(last.as_str()));
    let quoted: Vec<&str> = customer_request
        .iter()
        .chain(pending.iter())
        .map(String::as_str)
        .collect();
    // A value the quoted sentences already show (masked) is not listed again in the text.
    let unquoted: Vec<SummaryEntity> = entities
        .iter()
        .filter(|entity| {
            !quoted
                .iter()
                .any(|sentence| sentence.contains(&entity.value))
        })
        .cloned()
        .collect();
    let text = render(
        language,
        customer_request.as_deref(),
        &bot_attempts,
        pending.as_deref(),
        &unquoted,
    );
    Summary {
        customer_request,
        key_sentences,
        bot_attempts,
        pending,
        entities,
        text,
    }
}

/// The summary's line labels in the conversation's language: wants, tried, pending, data.
fn labels(language: Language) -> [&'static str; 4] {
    match language {
        Language::Portuguese => ["Cliente quer", "O bot tentou", "Pendente", "Dados"],
        Language::Spanish => ["El cliente quiere", "El bot intentó", "Pendiente", "Datos"],
        Language::English => ["Customer wants", "Bot tried", "Pending", "Details"],
    }
}

fn render(
    language: Language,
    request: Option<&str>,
    bot_attempts: &[String],
    pending: Option<&str>,
    entities: &[SummaryEntity],
) -> String {
    let [wants, tried, open, data] = labels(language);
    let mut parts: Vec<String> = Vec::new();
    if let Some(request) = request {
        parts.push(format!(
            "{wants}: {}",
            join_sentences(&[request.to_owned()])
        ));
    }
    if !bot_attempts.is_empty() {
        parts.push(format!("{tried}: {}", join_sentences(bot_attempts)));
    }
    if let Some(pending) = pending {
        parts.push(format!("{open}: {}", join_sentences(&[pending.to_owned()])));
    }
    if !entities.is_empty() {
        let listed: Vec<String> = entities
            .iter()
            .map(|e| {
                let label = e.name.clone().unwrap_or_else(|| {
                    serde_json::to_value(e.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                });
                format!("{label} {}", e.value)
            })
            .collect();
        parts.push(format!("{data}: {}.", listed.join(", ")));
    }
    parts.join("\n")
}

fn join_sentences(sentences: &[String]) -> String {
    sentences
        .iter()
        .map(|s| {
            if s.ends_with(['.', '!', '?']) {
                s.clone()
            } else {
                format!("{s}.")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits after line breaks and after sentence-ending punctuation followed by a space or the
/// end, keeping the punctuation: a full stop inside a number or a mask (`R$ 1.234,56`,
/// `***.***.***-09`) does not end a sentence.
fn split_sentences(text: &str) -> impl Iterator<Item = &str> {
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut characters = text.char_indices().peekable();
    while let Some((index, character)) = characters.next() {
        let is_followed_by_space = characters
            .peek()
            .is_none_or(|(_, next)| next.is_whitespace());
        let ends_sentence =
            character == '\n' || (matches!(character, '.' | '!' | '?') && is_followed_by_space);
        if ends_sentence {
            let end = index + character.len_utf8();
            sentences.push(&text[start..end]);
            start = end;
        }
    }
    sentences.push(&text[start..]);
    sentences
        .into_iter()
        .map(str::trim)
        .filter(|s| s.chars().any(char::is_alphanumeric))
}

fn content_stems(tokens: &[Token]) -> Vec<String> {
    tokens
        .iter()
        .filter(|t| !t.is_emoji && t.folded.chars().count() >= SHORTEST_CONTENT_WORD)
        .map(|t| t.stem.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn turn(speaker: Speaker, text: &str) -> ConversationTurn {
        ConversationTurn {
            speaker,
            text: text.to_owned(),
        }
    }

    #[test]
    fn summary_states_the_request_the_attempts_and_masked_entities() {
        let turns = [
            turn(Speaker::Customer, "Oi, bom dia"),
            turn(Speaker::Bot, "Olá! Como posso ajudar?"),
            turn(
                Speaker::Customer,
                "Meu cartão foi bloqueado depois de uma compra. Não consigo usar o cartão.",
            ),
            turn(
                Speaker::Bot,
                "Para desbloquear o cartão, acesse o app em Cartões > Desbloquear.",
            ),
            turn(
                Speaker::Customer,
                "Já tentei desbloquear no app e o cartão continua bloqueado!! Meu CPF é 529.982.247-25",
            ),
            turn(
                Speaker::Bot,
                "Para desbloquear o cartão, acesse o app em Cartões > Desbloquear.",
            ),
        ];
        let extractor = EntityExtractor::new(&[]).unwrap();
        let summary = summarize(&turns, Language::Portuguese, &extractor, date(2026, 11, 21));
        let request = summary.customer_request.clone().unwrap();
        assert!(request.contains("cartão"), "{request}");
        assert!(!summary.key_sentences.iter().any(|s| s.contains("bom dia")));
        assert!(summary.key_sentences.len() <= KEY_SENTENCES);
        assert_eq!(
            summary.bot_attempts,
            [
                "Como posso ajudar?",
                "Para desbloquear o cartão, acesse o app em Cartões > Desbloquear."
            ]
        );
        assert_eq!(
            summary.entities,
            [SummaryEntity {
                kind: EntityKind::Cpf,
                name: None,
                value: "***.***.***-25".to_owned()
            }]
        );
        assert!(!summary.text.contains("529.982"));
        assert!(summary.text.contains("cpf ***.***.***-25"));
        assert!(
            summary.text.starts_with("Cliente quer: ")
                && summary.text.contains("\nO bot tentou: Como posso ajudar?")
                && summary
                    .text
                    .contains("\nPendente: Já tentei desbloquear no app")
                && summary.text.contains("\nDados: cpf"),
            "the summary speaks the conversation's language: {}",
            summary.text
        );
    }

    #[test]
    fn personal_values_are_masked_in_every_part_of_the_summary() {
        let turns = [
            turn(
                Speaker::Customer,
                "Meu cartão 4111 1111 1111 1111 foi clonado, o CPF é 123.456.789-09. Cancela o cartão clonado!",
            ),
            turn(
                Speaker::Bot,
                "Vou bloquear o cartão **** **** **** 1111 e avisar cliente@example.com agora.",
            ),
            turn(
                Speaker::Customer,
                "Cartão clonado de novo, manda o protocolo para cliente@example.com",
            ),
        ];
        let extractor = EntityExtractor::new(&[]).unwrap();
        let summary = summarize(&turns, Language::Portuguese, &extractor, date(2026, 11, 21));
        assert_eq!(
            summary.customer_request.as_deref(),
            Some("Meu cartão **** **** **** 1111 foi clonado, o CPF é ***.***.***-09.")
        );
        let everything = serde_json::to_string(&summary).unwrap();
        for clear in [
            "4111 1111",
            "4111111111111111",
            "123.456.789",
            "12345678909",
            "cliente@",
        ] {
            assert!(!everything.contains(clear), "{clear} in {everything}");
        }
        assert_eq!(
            summary.bot_attempts,
            ["Vou bloquear o cartão **** **** **** 1111 e avisar c***@example.com agora."]
        );
        let values: Vec<&str> = summary.entities.iter().map(|e| e.value.as_str()).collect();
        assert_eq!(
            values,
            ["**** **** **** 1111", "***.***.***-09", "c***@example.com"]
        );
    }

    #[test]
    fn sentences_end_at_punctuation_followed_by_a_space_or_the_end() {
        let cases: &[(&str, &[&str])] = &[
            ("Oi. Tudo bem?", &["Oi.", "Tudo bem?"]),
            (
                "paguei R$ 1.234,56 ontem. E aí?",
                &["paguei R$ 1.234,56 ontem.", "E aí?"],
            ),
            ("CPF ***.***.***-09!! Ok", &["CPF ***.***.***-09!!", "Ok"]),
            ("linha um\nlinha dois", &["linha um", "linha dois"]),
            ("...", &[]),
        ];
        for (text, expected) in cases {
            let sentences: Vec<&str> = split_sentences(text).collect();
            assert_eq!(sentences, *expected, "{text}");
        }
    }

    #[test]
    fn an_empty_conversation_has_an_empty_summary() {
        let extractor = EntityExtractor::new(&[]).unwrap();
        let summary = summarize(&[], Language::English, &extractor, date(2026, 11, 21));
        assert_eq!(summary.customer_request, None);
        assert!(summary.key_sentences.is_empty() && summary.text.is_empty());
    }

    #[test]
    fn amounts_stay_whole_and_a_personal_value_is_shown_once() {
        let turns = [
            turn(
                Speaker::Customer,
                "Fizeram um pix de R$ 5.000 da minha conta que eu não reconheço. Meu CPF é 529.982.247-25",
            ),
            turn(
                Speaker::Bot,
                "Vou chamar uma pessoa do time para ver isso com você.",
            ),
            turn(
                Speaker::Customer,
                "Por favor, preciso desses R$ 5.000,00 de volta hoje, meu cpf 52998224725",
            ),
        ];
        let extractor = EntityExtractor::new(&[]).unwrap();
        let summary = summarize(&turns, Language::Portuguese, &extractor, date(2026, 11, 21));
        assert!(
            summary.text.contains("R$ 5.000 da minha conta"),
            "{}",
            summary.text
        );
        assert!(
            summary.text.contains("R$ 5.000,00 de volta"),
            "{}",
            summary.text
        );
        assert!(!summary.text.contains("529.982") && !summary.text.contains("52998"));
        assert!(
            !summary.text.contains("****-4725"),
            "one mask per value: {}",
            summary.text
        );
        assert!(
            summary.text.matches("***.***.***-25").count() <= 1,
            "the CPF once: {}",
            summary.text
        );
    }
}
