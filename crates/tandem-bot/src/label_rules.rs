//! Labels by rule: the profile's `label_rules` put labels on a conversation from what the
//! customer wrote — the intent the bot identified, the channel, or words in the message
//! ("procon", "segunda via"). A rule fires when any of its conditions holds.

use tandem_nlu::{Analysis, Language};

use crate::profile::BotProfile;
use crate::words::folded_words;

/// The labels `profile`'s rules give a customer message on `channel` (`whatsapp`, `web`...),
/// once each, in rule order.
pub fn labels_for(
    profile: &BotProfile,
    text: &str,
    language: Language,
    analysis: &Analysis,
    channel: &str,
) -> Vec<String> {
    let words = folded_words(text, language);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let intent = profile
        .identified_intent(analysis)
        .map(|score| score.intent.clone());
    let mut labels: Vec<String> = Vec::new();
    for rule in &profile.label_rules {
        let by_intent = intent
            .as_ref()
            .is_some_and(|intent| rule.intents.contains(intent));
        let by_channel = rule.channels.iter().any(|listed| listed == channel);
        let by_words = rule.keywords.iter().any(|keyword| {
            let folded = folded_words(keyword, language);
            let folded: Vec<&str> = folded.iter().map(String::as_str).collect();
            !folded.is_empty() && words.windows(folded.len()).any(|window| window == folded)
        });
        if (by_intent || by_channel || by_words) && !labels.contains(&rule.label) {
            labels.push(rule.label.clone());
        }
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::LabelRule;
    use crate::testing::{PROFILE, analyze};

    fn rule(label: &str, intents: &[&str], channels: &[&str], keywords: &[&str]) -> LabelRule {
        let owned = |items: &[&str]| items.iter().map(|item| (*item).to_owned()).collect();
        LabelRule {
            label: label.to_owned(),
            intents: owned(intents),
            channels: owned(channels),
            keywords: owned(keywords),
        }
    }

    #[test]
    fn rules_label_by_intent_channel_and_words() {
        let mut profile = PROFILE.clone();
        profile.label_rules = vec![
            rule("boleto", &["second_copy_boleto"], &[], &[]),
            rule("whatsapp", &[], &["whatsapp"], &[]),
            rule("procon", &[], &[], &["procon", "reclame aqui"]),
        ];
        let labels = |text: &str, channel: &str| {
            let analysis = analyze(text, Some(Language::Portuguese));
            labels_for(&profile, text, Language::Portuguese, &analysis, channel)
        };
        assert_eq!(labels("quero a segunda via do boleto", "web"), ["boleto"]);
        assert_eq!(labels("oi", "whatsapp"), ["whatsapp"]);
        assert_eq!(
            labels("vou reclamar no Reclame Aqui", "web"),
            ["procon"],
            "a phrase, folded"
        );
        assert!(labels("qual o horário de atendimento?", "web").is_empty());
    }

    #[test]
    fn a_rule_must_name_what_exists() {
        let mut profile = PROFILE.clone();
        profile.label_rules = vec![
            rule("Not A Label!", &["no_such_intent"], &["fax"], &[]),
            rule("empty", &[], &[], &[]),
        ];
        let paths: Vec<String> = profile
            .validate()
            .expect_err("refused")
            .errors()
            .iter()
            .map(|error| error.path.clone())
            .collect();
        for path in [
            "label_rules[0].label",
            "label_rules[0].intents[0]",
            "label_rules[0].channels[0]",
            "label_rules[1]",
        ] {
            assert!(paths.iter().any(|p| p == path), "{path}: {paths:?}");
        }
    }
}
