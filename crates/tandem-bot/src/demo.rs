//! The demo profile: "Banco Aurora", a fictional Brazilian digital bank with a trilingual
//! (pt/es/en) bot, shipped with the product so the demo works offline.

use crate::profile::BotProfile;

/// The demo profile's YAML source, as shipped (`profiles/demo-bank.yaml`).
pub const DEMO_PROFILE_YAML: &str = include_str!("../profiles/demo-bank.yaml");

/// Where the shipped demo profile expects the demo core-banking API.
pub const DEMO_CORE_BANKING_URL: &str = "http://127.0.0.1:8081/core-banking";

/// The key the shipped demo profile sends to the demo core-banking API.
pub const DEMO_CORE_BANKING_KEY: &str = "demo-core-banking-key";

/// The demo profile's YAML with the demo core-banking API at `url`, called with `key` (the
/// server mounts the API on its own address and gives it its key).
pub fn demo_profile_yaml_with_core_banking(url: &str, key: &str) -> String {
    DEMO_PROFILE_YAML
        .replacen(
            &format!("core_banking_url: \"{DEMO_CORE_BANKING_URL}\""),
            &format!("core_banking_url: \"{url}\""),
            1,
        )
        .replacen(
            &format!("core_banking_key: \"{DEMO_CORE_BANKING_KEY}\""),
            &format!("core_banking_key: \"{key}\""),
            1,
        )
}

/// The demo profile, parsed and validated.
pub fn demo_profile() -> BotProfile {
    match BotProfile::from_yaml(DEMO_PROFILE_YAML) {
        Ok(profile) => profile,
        // The YAML is compiled in and `the_demo_profile_validates` checks it, so a failure
        // here is a build that never passed its tests.
        Err(errors) => unreachable!("the bundled demo profile is invalid:\n{errors}"),
    }
}

#[cfg(test)]
mod tests {
    use tandem_nlu::{EntityKind, Language};

    use super::*;
    use crate::testing::analyze;

    #[test]
    fn the_demo_profile_validates() {
        if let Err(errors) = BotProfile::from_yaml(DEMO_PROFILE_YAML) {
            panic!("{errors}");
        }
    }

    #[test]
    fn the_demo_core_banking_url_can_be_moved() {
        let url = "http://127.0.0.1:9999/demo/core-banking";
        let profile = BotProfile::from_yaml(&demo_profile_yaml_with_core_banking(url, "k3y"))
            .expect("still valid");
        assert_eq!(
            profile
                .variables
                .get("core_banking_url")
                .map(String::as_str),
            Some(url)
        );
        assert_eq!(
            profile
                .variables
                .get("core_banking_key")
                .map(String::as_str),
            Some("k3y")
        );
        assert_eq!(
            demo_profile()
                .variables
                .get("core_banking_url")
                .map(String::as_str),
            Some(DEMO_CORE_BANKING_URL)
        );
    }

    #[test]
    fn the_demo_bank_is_trilingual_and_complete() {
        let profile = demo_profile();
        assert_eq!(
            profile.languages.supported,
            [Language::Portuguese, Language::Spanish, Language::English]
        );
        assert!(
            profile.intents.len() >= 25,
            "{} intents",
            profile.intents.len()
        );
        assert!(
            profile.articles.len() >= 30,
            "{} articles",
            profile.articles.len()
        );
        for intent in &profile.intents {
            for language in Language::ALL {
                let examples = intent.examples.get(language).map_or(0, Vec::len);
                assert!(
                    examples >= 8,
                    "{} has {examples} {language} examples",
                    intent.name
                );
            }
        }
        for sensitive in ["cancel_account", "complaint", "fraud_unknown_charge"] {
            assert!(
                profile.intent(sensitive).is_some_and(|i| i.sensitive),
                "{sensitive}"
            );
        }
        let actions: Vec<&str> = profile
            .intents
            .iter()
            .filter_map(|intent| intent.action.as_ref())
            .map(|action| action.url.as_str())
            .collect();
        assert!(actions.len() >= 5);
        assert!(
            actions
                .iter()
                .all(|url| url.starts_with("{core_banking_url}/"))
        );
        assert!(
            profile
                .intents
                .iter()
                .filter_map(|intent| intent.action.as_ref())
                .all(
                    |action| action.headers.get("authorization").map(String::as_str)
                        == Some("Bearer {core_banking_key}")
                ),
            "every action carries the API key"
        );
        let boleto = profile.intent("second_copy_boleto").unwrap();
        assert_eq!(boleto.slots[0].entity_kind(), Some(EntityKind::Cpf));
    }

    #[test]
    fn paraphrases_outside_the_examples_find_their_intent() {
        let cases = [
            (
                "preciso gerar de novo o boleto que venceu",
                "second_copy_boleto",
            ),
            ("quanto eu tenho de saldo agora?", "balance"),
            (
                "até quanto dá pra mandar de pix de madrugada?",
                "pix_limits",
            ),
            ("vcs cobram alguma tarifa pra ter conta?", "fees"),
            ("mudei de endereço", "update_address"),
            (
                "quero remarcar meu horário na agência",
                "reschedule_appointment",
            ),
            (
                "quiero sacar la segunda vía de mi boleto",
                "second_copy_boleto",
            ),
            ("cuánta plata tengo en la cuenta?", "balance"),
            ("me robaron la cartera con la tarjeta", "card_lost"),
            (
                "pueden subirme el límite de la tarjeta?",
                "card_limit_increase",
            ),
            (
                "I need a new copy of the boleto, the old one expired",
                "second_copy_boleto",
            ),
            ("how much money is in my account?", "balance"),
            ("someone stole my card", "card_lost"),
            ("do you charge any monthly fees?", "fees"),
            (
                "I'd like to reschedule my visit to the branch",
                "reschedule_appointment",
            ),
        ];
        for (text, intent) in cases {
            let analysis = analyze(text, None);
            assert!(!analysis.out_of_scope, "{text}");
            assert_eq!(analysis.intents[0].intent, intent, "{text}");
        }
    }

    #[test]
    fn the_profile_round_trips_through_json() {
        let profile = demo_profile();
        let json = serde_json::to_string(&profile).unwrap();
        let back = BotProfile::from_yaml(&json).unwrap();
        assert_eq!(back, profile);
    }
}
