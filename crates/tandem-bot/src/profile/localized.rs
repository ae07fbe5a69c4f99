//! `Localized<T>`: one value per language, written in YAML as a map keyed by `pt`, `es`,
//! `en`. Unknown language keys are kept aside instead of failing the parse, so validation can
//! report them together with every other problem.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tandem_nlu::Language;

/// A value per language.
#[derive(Debug, Clone, PartialEq)]
pub struct Localized<T> {
    values: BTreeMap<Language, T>,
    unknown_languages: Vec<String>,
}

impl<T> Default for Localized<T> {
    fn default() -> Self {
        Localized {
            values: BTreeMap::new(),
            unknown_languages: Vec::new(),
        }
    }
}

impl<T> Localized<T> {
    /// A value per language from pairs.
    pub fn new(values: impl IntoIterator<Item = (Language, T)>) -> Self {
        Localized {
            values: values.into_iter().collect(),
            unknown_languages: Vec::new(),
        }
    }

    /// The value in `language`, if there is one.
    pub fn get(&self, language: Language) -> Option<&T> {
        self.values.get(&language)
    }

    /// The value in `language`, else in `fallback`, else in any language.
    pub fn get_or(&self, language: Language, fallback: Language) -> Option<&T> {
        self.get(language)
            .or_else(|| self.get(fallback))
            .or_else(|| self.values.values().next())
    }

    /// The languages with a value, in a fixed order.
    pub fn languages(&self) -> impl Iterator<Item = Language> + '_ {
        self.values.keys().copied()
    }

    /// Every (language, value) pair.
    pub fn iter(&self) -> impl Iterator<Item = (Language, &T)> {
        self.values
            .iter()
            .map(|(language, value)| (*language, value))
    }

    /// True when no language has a value.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.unknown_languages.is_empty()
    }

    /// Keys of the YAML map that are not language codes (reported by validation).
    pub fn unknown_languages(&self) -> &[String] {
        &self.unknown_languages
    }
}

impl<T: Serialize> Serialize for Localized<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.values.len()))?;
        for (language, value) in &self.values {
            map.serialize_entry(language.code(), value)?;
        }
        map.end()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Localized<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LocalizedVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for LocalizedVisitor<T> {
            type Value = Localized<T>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a map from language code (pt, es, en) to a value")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut localized = Localized::default();
                while let Some(key) = map.next_key::<String>()? {
                    let language = Language::ALL
                        .into_iter()
                        .find(|language| language.code() == key);
                    match language {
                        Some(language) => {
                            let value = map.next_value::<T>()?;
                            localized.values.insert(language, value);
                        }
                        None => {
                            // Read rather than ignored, so the unknown-key collector does not
                            // report it a second time.
                            map.next_value::<serde_json::Value>()?;
                            localized.unknown_languages.push(key);
                        }
                    }
                }
                Ok(localized)
            }
        }

        deserializer.deserialize_map(LocalizedVisitor(PhantomData))
    }
}
