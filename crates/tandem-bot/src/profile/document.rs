//! The profile as a JSON document, for editors that work on structure rather than text, and
//! such a document written back as the YAML source that is stored.

use super::schema::BotProfile;

impl BotProfile {
    /// The profile as a JSON object with exactly the YAML's structure (defaults filled in).
    #[must_use]
    pub fn to_document(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// Writes an edited document as YAML source. The result is checked like any source
/// ([`BotProfile::from_yaml`]), so a document with unknown keys or bad values is refused with
/// the same paths as the YAML would be.
///
/// # Errors
/// The document cannot be written as YAML (the serializer's reason).
pub fn yaml_from_document(document: &serde_json::Value) -> Result<String, String> {
    serde_saphyr::to_string(document).map_err(|error| error.to_string())
}

/// Reads YAML source as a JSON document without checking it as a profile (an editor switching
/// views carries a draft that may not be valid yet).
///
/// # Errors
/// The source is not YAML (the parser's reason, with the line).
pub fn document_from_yaml(yaml: &str) -> Result<serde_json::Value, String> {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    serde_saphyr::from_str_with_options(yaml, options).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::demo::DEMO_PROFILE_YAML as DEMO;

    #[test]
    fn a_profile_survives_the_trip_through_its_document() {
        let profile = BotProfile::from_yaml(DEMO).expect("demo profile");
        let yaml = yaml_from_document(&profile.to_document()).expect("written");
        assert_eq!(BotProfile::from_yaml(&yaml).expect("reloaded"), profile);
    }

    #[test]
    fn yaml_reads_as_the_document_it_writes() {
        let profile = BotProfile::from_yaml(DEMO).expect("demo profile");
        let document = profile.to_document();
        let yaml = yaml_from_document(&document).expect("written");
        assert_eq!(document_from_yaml(&yaml).expect("read"), document);
        assert!(document_from_yaml("persona: [unclosed").is_err());
    }

    #[test]
    fn an_edited_document_is_checked_like_source() {
        let mut document = BotProfile::from_yaml(DEMO).expect("demo").to_document();
        document["intents"][0]["bogus"] = serde_json::json!(true);
        let yaml = yaml_from_document(&document).expect("written");
        let errors = BotProfile::from_yaml(&yaml).expect_err("unknown key");
        assert!(
            errors
                .errors()
                .iter()
                .any(|error| error.path == "intents[0].bogus"),
            "{errors}"
        );
    }
}
