//! The profile loader against anything an admin (or an attacker with an admin's session) can
//! send: arbitrary text, and the demo profile with any stretch of it replaced. It answers a
//! profile or `ProfileErrors`, each with a path, and never panics. `fuzz/` fuzzes it too.

use proptest::prelude::*;

use tandem_bot::{BotProfile, DEMO_PROFILE_YAML};

/// YAML's own trouble makers: anchors and aliases, tags, flow collections, deep nesting.
fn yamlish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("&a ".to_owned()),
            Just("*a ".to_owned()),
            Just("!!binary ".to_owned()),
            Just("[".to_owned()),
            Just("{".to_owned()),
            Just("- ".to_owned()),
            Just(": ".to_owned()),
            Just("\n  ".to_owned()),
            Just("<<: *a\n".to_owned()),
            Just("'".to_owned()),
            Just("\"\\u0000\"".to_owned()),
            "[a-z_]{1,10}",
            any::<String>(),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

fn check(source: &str) {
    if let Err(errors) = BotProfile::from_yaml(source) {
        for error in errors.errors() {
            assert!(!error.path.is_empty(), "an error without a path: {error:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_text_is_a_profile_or_errors_with_paths(source in any::<String>()) {
        check(&source);
    }

    #[test]
    fn yaml_constructs_are_a_profile_or_errors_with_paths(source in yamlish()) {
        check(&source);
    }

    #[test]
    fn the_demo_profile_with_any_stretch_replaced_is_a_profile_or_errors(
        start in 0..DEMO_PROFILE_YAML.len(),
        length in 0usize..64,
        replacement in yamlish(),
    ) {
        let start = (0..=start).rev().find(|&i| DEMO_PROFILE_YAML.is_char_boundary(i)).unwrap_or(0);
        let end = (start + length).min(DEMO_PROFILE_YAML.len());
        let end = (end..=DEMO_PROFILE_YAML.len())
            .find(|&i| DEMO_PROFILE_YAML.is_char_boundary(i))
            .unwrap_or(DEMO_PROFILE_YAML.len());
        let source = format!("{}{replacement}{}", &DEMO_PROFILE_YAML[..start], &DEMO_PROFILE_YAML[end..]);
        check(&source);
    }
}
