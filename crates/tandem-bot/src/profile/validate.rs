//! Profile validation: every rule the schema's types cannot express, each problem reported
//! with its path, all of them in one pass.

use std::collections::{BTreeMap, HashMap};

use tandem_domain::inbox::ChannelKind;
use tandem_domain::label::normalize_label;
use tandem_nlu::{EntityKind, Language};

use crate::profile::attribute_rule::AttributeCondition;
use crate::profile::checked::{HttpMethod, ParseName};
use crate::profile::error::{ProfileError, ProfileErrorKind};
use crate::profile::localized::Localized;
use crate::profile::message_kind::MessageKind;
use crate::profile::schema::{
    BotProfile, HandoverRules, Intent, MAX_SILENCE_MINUTES, MIN_EXTERNAL_SECRET_CHARS,
};
use crate::template::Template;

/// The fewest examples an intent needs in each supported language.
pub const MIN_EXAMPLES_PER_LANGUAGE: usize = 5;

/// The variable every profile text may use besides contact attributes.
const BOT_NAME: &str = "bot_name";

/// Checks `profile` and returns every problem, in document order.
pub(crate) fn validate(profile: &BotProfile) -> Vec<ProfileError> {
    let mut validator = Validator {
        profile,
        errors: Vec::new(),
    };
    validator.persona();
    validator.languages();
    validator.names("contact_attributes", &profile.contact_attributes);
    validator.variables();
    validator.understanding();
    validator.closing();
    validator.label_rules();
    validator.reference_patterns();
    validator.examples("out_of_scope_examples", &profile.out_of_scope_examples, 0);
    validator.articles();
    validator.intents();
    validator.handover(&profile.handover);
    validator.messages();
    validator.external_bot();
    validator.time_zone();
    validator.errors
}

struct Validator<'p> {
    profile: &'p BotProfile,
    errors: Vec<ProfileError>,
}

impl Validator<'_> {
    fn push(&mut self, path: impl Into<String>, kind: ProfileErrorKind) {
        self.errors.push(ProfileError {
            path: path.into(),
            kind,
        });
    }

    fn supported(&self) -> &[Language] {
        &self.profile.languages.supported
    }

    fn is_common_variable(&self, name: &str) -> bool {
        name == BOT_NAME || self.profile.contact_attributes.iter().any(|a| a == name)
    }

    fn persona(&mut self) {
        if self.profile.persona.name.trim().is_empty() {
            self.push("persona.name", ProfileErrorKind::Empty);
        }
        let greeting = &self.profile.persona.greeting;
        self.texts("persona.greeting", greeting, &|v, name| {
            v.is_common_variable(name)
        });
    }

    fn languages(&mut self) {
        let languages = &self.profile.languages;
        if languages.supported.is_empty() {
            self.push("languages.supported", ProfileErrorKind::Empty);
        }
        for (index, language) in languages.supported.iter().enumerate() {
            if languages.supported[..index].contains(language) {
                self.push(
                    format!("languages.supported[{index}]"),
                    ProfileErrorKind::Duplicate {
                        name: language.code().to_owned(),
                    },
                );
            }
        }
        if !languages.supported.is_empty() && !languages.supported.contains(&languages.default) {
            self.push(
                "languages.default",
                ProfileErrorKind::DefaultLanguageNotSupported {
                    language: languages.default,
                },
            );
        }
    }

    /// A list of identifiers without repeats.
    fn names(&mut self, path: &str, names: &[String]) {
        for (index, name) in names.iter().enumerate() {
            if !is_identifier(name) {
                self.push(
                    format!("{path}[{index}]"),
                    ProfileErrorKind::InvalidName { name: name.clone() },
                );
            } else if names[..index].contains(name) {
                self.push(
                    format!("{path}[{index}]"),
                    ProfileErrorKind::Duplicate { name: name.clone() },
                );
            }
        }
    }

    fn variables(&mut self) {
        for (name, value) in &self.profile.variables {
            if !is_identifier(name) {
                self.push(
                    format!("variables.{name}"),
                    ProfileErrorKind::InvalidName { name: name.clone() },
                );
            }
            if value.trim().is_empty() {
                self.push(format!("variables.{name}"), ProfileErrorKind::Empty);
            }
        }
    }

    fn label_rules(&mut self) {
        for (index, rule) in self.profile.label_rules.iter().enumerate() {
            let path = format!("label_rules[{index}]");
            if normalize_label(&rule.label).as_deref() != Some(rule.label.as_str()) {
                self.push(
                    format!("{path}.label"),
                    ProfileErrorKind::InvalidLabel {
                        label: rule.label.clone(),
                    },
                );
            }
            for (n, intent) in rule.intents.iter().enumerate() {
                if self.profile.intent(intent).is_none() {
                    self.push(
                        format!("{path}.intents[{n}]"),
                        ProfileErrorKind::UnknownName {
                            what: "intent",
                            name: intent.clone(),
                        },
                    );
                }
            }
            for (n, channel) in rule.channels.iter().enumerate() {
                if channel.parse::<ChannelKind>().is_err() {
                    self.push(
                        format!("{path}.channels[{n}]"),
                        ProfileErrorKind::UnknownName {
                            what: "channel",
                            name: channel.clone(),
                        },
                    );
                }
            }
            for (n, keyword) in rule.keywords.iter().enumerate() {
                if keyword.trim().is_empty() {
                    self.push(format!("{path}.keywords[{n}]"), ProfileErrorKind::Empty);
                }
            }
            if rule.intents.is_empty() && rule.channels.is_empty() && rule.keywords.is_empty() {
                self.push(path, ProfileErrorKind::Empty);
            }
        }
    }

    fn closing(&mut self) {
        self.range(
            "closing.after_silence_minutes",
            f64::from(self.profile.closing.after_silence_minutes),
            0.0,
            f64::from(MAX_SILENCE_MINUTES),
        );
    }

    fn understanding(&mut self) {
        let understanding = &self.profile.understanding;
        self.range(
            "understanding.out_of_scope_threshold",
            understanding.out_of_scope_threshold.into(),
            0.0,
            1.0,
        );
        self.range(
            "understanding.minimum_confidence",
            understanding.minimum_confidence.into(),
            0.0,
            1.0,
        );
        self.range(
            "understanding.clarify_margin",
            understanding.clarify_margin.into(),
            0.0,
            1.0,
        );
    }

    fn reference_patterns(&mut self) {
        let patterns = &self.profile.reference_patterns;
        for (index, pattern) in patterns.iter().enumerate() {
            let path = format!("reference_patterns[{index}]");
            if !is_identifier(&pattern.name) {
                self.push(
                    format!("{path}.name"),
                    ProfileErrorKind::InvalidName {
                        name: pattern.name.clone(),
                    },
                );
            } else if patterns[..index].iter().any(|p| p.name == pattern.name) {
                self.push(
                    format!("{path}.name"),
                    ProfileErrorKind::Duplicate {
                        name: pattern.name.clone(),
                    },
                );
            }
            if let Err(error) = regex::Regex::new(&pattern.pattern) {
                let reason = error.to_string();
                let reason = reason.lines().last().unwrap_or_default().trim().to_owned();
                self.push(
                    format!("{path}.pattern"),
                    ProfileErrorKind::InvalidPattern { reason },
                );
            }
        }
    }

    fn articles(&mut self) {
        let mut first_by_id: HashMap<&str, usize> = HashMap::new();
        for (index, article) in self.profile.articles.iter().enumerate() {
            let path = format!("articles[{index}]");
            if article.id.trim().is_empty() {
                self.push(format!("{path}.id"), ProfileErrorKind::Empty);
            } else if let Some(&first) = first_by_id.get(article.id.as_str()) {
                self.push(
                    format!("{path}.id"),
                    ProfileErrorKind::DuplicateArticle {
                        id: article.id.clone(),
                        first,
                    },
                );
            } else {
                first_by_id.insert(&article.id, index);
            }
            // Articles are quoted as written: braces are text, not variables. An article may
            // cover only some of the supported languages, the same ones in title and body.
            let title_path = format!("{path}.title");
            let body_path = format!("{path}.body");
            self.some_languages_of(&title_path, &article.title);
            self.some_languages_of(&body_path, &article.body);
            for (path, texts, other) in [
                (&title_path, &article.title, &article.body),
                (&body_path, &article.body, &article.title),
            ] {
                for language in other.languages() {
                    if texts.get(language).is_none() {
                        self.push(
                            path.clone(),
                            ProfileErrorKind::MissingTranslation { language },
                        );
                    }
                }
            }
            self.examples(&format!("{path}.questions"), &article.questions, 0);
        }
    }

    fn intents(&mut self) {
        let mut first_by_name: HashMap<&str, usize> = HashMap::new();
        // Slot name → (entity kind as written, path), to keep one meaning per slot name.
        let mut slot_kinds: BTreeMap<&str, (&str, String)> = BTreeMap::new();
        for (index, intent) in self.profile.intents.iter().enumerate() {
            let path = format!("intents[{index}]");
            if !is_identifier(&intent.name) {
                self.push(
                    format!("{path}.name"),
                    ProfileErrorKind::InvalidName {
                        name: intent.name.clone(),
                    },
                );
            } else if let Some(&first) = first_by_name.get(intent.name.as_str()) {
                self.push(
                    format!("{path}.name"),
                    ProfileErrorKind::DuplicateIntent {
                        name: intent.name.clone(),
                        first,
                    },
                );
            } else {
                first_by_name.insert(&intent.name, index);
            }
            if !intent.label.is_empty() {
                self.texts(&format!("{path}.label"), &intent.label, &|_, _| false);
            }
            self.examples(
                &format!("{path}.examples"),
                &intent.examples,
                MIN_EXAMPLES_PER_LANGUAGE,
            );
            self.intent_answer(&path, intent);
            for (slot_index, slot) in intent.slots.iter().enumerate() {
                let slot_path = format!("{path}.slots[{slot_index}]");
                match slot_kinds.get(slot.name.as_str()) {
                    Some((other, other_path)) if *other != slot.entity.raw() => {
                        let kind = ProfileErrorKind::ConflictingSlot {
                            name: slot.name.clone(),
                            other: (*other).to_owned(),
                            other_path: other_path.clone(),
                        };
                        self.push(format!("{slot_path}.entity"), kind);
                    }
                    Some(_) => {}
                    None => {
                        slot_kinds.insert(&slot.name, (slot.entity.raw(), slot_path.clone()));
                    }
                }
            }
        }
    }

    fn intent_answer(&mut self, path: &str, intent: &Intent) {
        let slot_names: Vec<&str> = intent.slots.iter().map(|s| s.name.as_str()).collect();
        let is_slot = |name: &str| slot_names.contains(&name);
        if intent.handover {
            if intent.reply.is_some()
                || intent.article.is_some()
                || intent.action.is_some()
                || !intent.slots.is_empty()
                || intent.generative
            {
                self.push(path, ProfileErrorKind::HandoverWithAnswer);
            }
        } else if intent.reply.is_none()
            && intent.article.is_none()
            && intent.action.is_none()
            && !intent.generative
        {
            self.push(path, ProfileErrorKind::NoAnswer);
        }
        if intent.generative && (intent.action.is_some() || !intent.slots.is_empty()) {
            self.push(path, ProfileErrorKind::GenerativeWithAction);
        }
        if let Some(reply) = &intent.reply {
            self.texts(&format!("{path}.reply"), reply, &|v, name| {
                v.is_common_variable(name) || is_slot(name)
            });
        }
        if let Some(id) = &intent.article
            && self.profile.article(id).is_none()
        {
            self.push(
                format!("{path}.article"),
                ProfileErrorKind::UnknownArticle { id: id.clone() },
            );
        }
        for (index, slot) in intent.slots.iter().enumerate() {
            let slot_path = format!("{path}.slots[{index}]");
            if !is_identifier(&slot.name) {
                self.push(
                    format!("{slot_path}.name"),
                    ProfileErrorKind::InvalidName {
                        name: slot.name.clone(),
                    },
                );
            } else if slot_names[..index].contains(&slot.name.as_str()) {
                self.push(
                    format!("{slot_path}.name"),
                    ProfileErrorKind::Duplicate {
                        name: slot.name.clone(),
                    },
                );
            }
            match (slot.entity_kind(), &slot.pattern) {
                (None, _) => self.push(
                    format!("{slot_path}.entity"),
                    ProfileErrorKind::UnknownEntityKind {
                        raw: slot.entity.raw().to_owned(),
                        expected: EntityKind::expected(),
                    },
                ),
                (Some(EntityKind::Reference), None) => self.push(
                    format!("{slot_path}.pattern"),
                    ProfileErrorKind::SlotPattern(
                        "a reference slot names the reference pattern that fills it",
                    ),
                ),
                (Some(EntityKind::Reference), Some(pattern)) => {
                    let known = self
                        .profile
                        .reference_patterns
                        .iter()
                        .any(|p| &p.name == pattern);
                    if !known {
                        self.push(
                            format!("{slot_path}.pattern"),
                            ProfileErrorKind::UnknownPattern {
                                name: pattern.clone(),
                            },
                        );
                    }
                }
                (Some(_), Some(_)) => self.push(
                    format!("{slot_path}.pattern"),
                    ProfileErrorKind::SlotPattern("only reference slots have a pattern"),
                ),
                (Some(_), None) => {}
            }
            self.texts(&format!("{slot_path}.prompt"), &slot.prompt, &|v, name| {
                v.is_common_variable(name) || is_slot(name)
            });
            self.range(
                &format!("{slot_path}.max_attempts"),
                slot.max_attempts.into(),
                1.0,
                10.0,
            );
        }
        if let Some(action) = &intent.action {
            let action_path = format!("{path}.action");
            if action.method.get().is_none() {
                self.push(
                    format!("{action_path}.method"),
                    ProfileErrorKind::UnknownMethod {
                        raw: action.method.raw().to_owned(),
                        expected: HttpMethod::expected(),
                    },
                );
            }
            self.url(&format!("{action_path}.url"), &action.url, &slot_names);
            for (name, value) in &action.headers {
                self.header(&format!("{action_path}.headers.{name}"), name, value);
            }
            self.range(
                &format!("{action_path}.timeout_ms"),
                action.timeout_ms.into(),
                100.0,
                60_000.0,
            );
            self.range(
                &format!("{action_path}.retries"),
                action.retries.into(),
                0.0,
                5.0,
            );
            for (index, sent) in action.send.iter().enumerate() {
                if !is_slot(sent) {
                    self.push(
                        format!("{action_path}.send[{index}]"),
                        ProfileErrorKind::UnknownSlot { name: sent.clone() },
                    );
                }
            }
            self.texts(
                &format!("{action_path}.reply"),
                &action.reply,
                &|v, name| {
                    v.is_common_variable(name) || is_slot(name) || name.starts_with("result.")
                },
            );
        }
    }

    fn url(&mut self, path: &str, url: &str, slot_names: &[&str]) {
        let template = match Template::parse(url) {
            Ok(template) => template,
            Err(error) => return self.push(path, error.into()),
        };
        let mut all_known = true;
        for name in template.variables() {
            if !self.profile.variables.contains_key(name) && !slot_names.contains(&name) {
                all_known = false;
                self.push(
                    path,
                    ProfileErrorKind::UnknownVariable {
                        name: name.to_owned(),
                    },
                );
            }
        }
        if !all_known {
            return;
        }
        let filled = template.render(|name| {
            Some(
                self.profile
                    .variables
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| "x".to_owned()),
            )
        });
        if !filled.is_ok_and(|filled| is_http_url(&filled)) {
            self.push(path, ProfileErrorKind::NotAUrl);
        }
    }

    /// An action header: a token name the server does not set itself, and a value over the
    /// profile's variables that stays on one line.
    fn header(&mut self, path: &str, name: &str, value: &str) {
        let is_token = !name.is_empty()
            && name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte));
        if !is_token || RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            self.push(
                path,
                ProfileErrorKind::InvalidHeaderName {
                    name: name.to_owned(),
                    reserved: "host, content-length, content-type, transfer-encoding, connection and accept-language",
                },
            );
        }
        let filled = Template::parse(value).ok().and_then(|template| {
            template
                .render(|name| self.profile.variables.get(name).cloned())
                .ok()
        });
        if filled.is_none_or(|filled| filled.chars().any(char::is_control)) {
            self.push(path, ProfileErrorKind::InvalidHeaderValue);
        }
    }

    fn handover(&mut self, rules: &HandoverRules) {
        let phrases = &rules.customer_request.phrases;
        self.examples("handover.customer_request.phrases", phrases, 0);
        let sentiment = &rules.negative_sentiment;
        self.range(
            "handover.negative_sentiment.threshold",
            sentiment.threshold.into(),
            -1.0,
            0.0,
        );
        self.range(
            "handover.negative_sentiment.two_in_a_row_threshold",
            sentiment.two_in_a_row_threshold.into(),
            -1.0,
            0.0,
        );
        let failure = &rules.bot_failure;
        self.range(
            "handover.bot_failure.consecutive_failures",
            failure.consecutive_failures.into(),
            1.0,
            10.0,
        );
        self.range(
            "handover.bot_failure.repeated_question_similarity",
            failure.repeated_question_similarity.into(),
            0.1,
            1.0,
        );
        self.range(
            "handover.sensitive_topic.minimum_confidence",
            rules.sensitive_topic.minimum_confidence.into(),
            0.0,
            1.0,
        );
        for (index, rule) in rules.high_value.rules.iter().enumerate() {
            let path = format!("handover.high_value.rules[{index}]");
            match rule.get() {
                None => self.push(
                    path,
                    ProfileErrorKind::InvalidRule {
                        raw: rule.raw().to_owned(),
                        expected: AttributeCondition::expected(),
                    },
                ),
                Some(condition) => {
                    let declared = self
                        .profile
                        .contact_attributes
                        .contains(&condition.attribute);
                    if !declared {
                        self.push(
                            path,
                            ProfileErrorKind::UndeclaredAttribute {
                                name: condition.attribute.clone(),
                            },
                        );
                    }
                }
            }
        }
        let complexity = &rules.complexity;
        self.range(
            "handover.complexity.second_intent_confidence",
            complexity.second_intent_confidence.into(),
            0.0,
            1.0,
        );
        // usize → f64 loses precision only past 2^53 characters, far beyond any message.
        #[allow(clippy::cast_precision_loss)]
        let max_chars = complexity.max_message_chars as f64;
        self.range(
            "handover.complexity.max_message_chars",
            max_chars,
            20.0,
            100_000.0,
        );
    }

    fn messages(&mut self) {
        for kind in MessageKind::ALL {
            if let Some(texts) = kind.override_in(self.profile) {
                self.texts(kind.path(), texts, &|v, name| {
                    v.is_common_variable(name) || kind.own_variables().contains(&name)
                });
            }
        }
    }

    fn time_zone(&mut self) {
        if let Some(name) = &self.profile.time_zone
            && jiff::tz::TimeZone::get(name).is_err()
        {
            self.push(
                "time_zone",
                ProfileErrorKind::UnknownTimeZone { name: name.clone() },
            );
        }
    }

    fn external_bot(&mut self) {
        let Some(external) = &self.profile.external_bot else {
            return;
        };
        if !is_http_url(&external.url) {
            self.push("external_bot.url", ProfileErrorKind::NotAUrl);
        }
        if external.secret.chars().count() < MIN_EXTERNAL_SECRET_CHARS {
            self.push(
                "external_bot.secret",
                ProfileErrorKind::TooShort {
                    min: MIN_EXTERNAL_SECRET_CHARS,
                },
            );
        }
        self.range(
            "external_bot.timeout_seconds",
            f64::from(external.timeout_seconds),
            1.0,
            120.0,
        );
    }

    fn range(&mut self, path: &str, value: f64, min: f64, max: f64) {
        // Thresholds are f32: widen through their shortest text so 0.4 reads "0.4", not
        // "0.4000000059604645".
        let value = if value.is_finite() {
            format!("{}", value as f32).parse().unwrap_or(value)
        } else {
            value
        };
        if !(min..=max).contains(&value) {
            self.push(path, ProfileErrorKind::OutOfRange { value, min, max });
        }
    }

    /// Checks that every language of `texts` is known and supported, and no text is blank.
    fn known_languages_of(&mut self, path: &str, texts: &Localized<String>) {
        for code in texts.unknown_languages() {
            self.push(
                format!("{path}.{code}"),
                ProfileErrorKind::UnknownLanguage { code: code.clone() },
            );
        }
        for (language, text) in texts.iter() {
            if !self.supported().contains(&language) {
                self.push(
                    format!("{path}.{language}"),
                    ProfileErrorKind::UndeclaredLanguage { language },
                );
            } else if text.trim().is_empty() {
                self.push(format!("{path}.{language}"), ProfileErrorKind::Empty);
            }
        }
    }

    /// Checks that `texts` has exactly the supported languages, none blank.
    fn languages_of(&mut self, path: &str, texts: &Localized<String>) {
        self.known_languages_of(path, texts);
        let missing: Vec<Language> = self
            .supported()
            .iter()
            .copied()
            .filter(|language| texts.get(*language).is_none())
            .collect();
        for language in missing {
            self.push(path, ProfileErrorKind::MissingTranslation { language });
        }
    }

    /// Texts in at least one supported language: no unknown or undeclared language, none
    /// blank.
    fn some_languages_of(&mut self, path: &str, texts: &Localized<String>) {
        self.known_languages_of(path, texts);
        if texts.languages().next().is_none() && texts.unknown_languages().is_empty() {
            self.push(path, ProfileErrorKind::Empty);
        }
    }

    /// A template per supported language whose variables satisfy `is_allowed`.
    fn texts(
        &mut self,
        path: &str,
        texts: &Localized<String>,
        is_allowed: &dyn Fn(&Self, &str) -> bool,
    ) {
        self.languages_of(path, texts);
        for (language, text) in texts.iter() {
            let text_path = format!("{path}.{language}");
            match Template::parse(text) {
                Err(error) => self.push(text_path, error.into()),
                Ok(template) => {
                    let mut reported: Vec<&str> = Vec::new();
                    for name in template.variables() {
                        if !is_allowed(self, name) && !reported.contains(&name) {
                            reported.push(name);
                            self.push(
                                text_path.clone(),
                                ProfileErrorKind::UnknownVariable {
                                    name: name.to_owned(),
                                },
                            );
                        }
                    }
                }
            }
        }
    }

    /// Lists of phrases per language: languages declared, each phrase non-blank, at least
    /// `minimum` per supported language (0: the language may be absent).
    fn examples(&mut self, path: &str, lists: &Localized<Vec<String>>, minimum: usize) {
        for code in lists.unknown_languages() {
            self.push(
                format!("{path}.{code}"),
                ProfileErrorKind::UnknownLanguage { code: code.clone() },
            );
        }
        for (language, list) in lists.iter() {
            let list_path = format!("{path}.{language}");
            if !self.supported().contains(&language) {
                self.push(list_path, ProfileErrorKind::UndeclaredLanguage { language });
                continue;
            }
            for (index, phrase) in list.iter().enumerate() {
                if phrase.trim().is_empty() {
                    self.push(format!("{list_path}[{index}]"), ProfileErrorKind::Empty);
                }
            }
        }
        if minimum == 0 {
            return;
        }
        let supported = self.supported().to_vec();
        for language in supported {
            let found = lists.get(language).map_or(0, |list| {
                list.iter().filter(|p| !p.trim().is_empty()).count()
            });
            if found < minimum {
                self.push(
                    format!("{path}.{language}"),
                    ProfileErrorKind::TooFewExamples {
                        found,
                        required: minimum,
                    },
                );
            }
        }
    }
}

/// Letters, digits and `_`, starting with a letter.
fn is_identifier(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An absolute `http`/`https` URL with a host, an optional port and no credentials or
/// whitespace. A full URL parser would be a dependency for one check; the server's HTTP
/// client parses the URL again before calling it.
/// Headers the server's HTTP client sets itself for an action.
const RESERVED_HEADERS: [&str; 6] = [
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "accept-language",
];

fn is_http_url(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    if authority.contains('@') {
        return false;
    }
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let Some((address, after)) = bracketed.split_once(']') else {
            return false;
        };
        let is_address = !address.is_empty()
            && address
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
        if !is_address {
            return false;
        }
        (address, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if port.is_some_and(|port| port.parse::<u16>().is_err()) {
        return false;
    }
    let is_host = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    is_host || authority.starts_with('[')
}

#[cfg(test)]
mod tests {
    use super::is_http_url;

    #[test]
    fn urls_are_recognized() {
        for url in [
            "http://localhost:8081/boletos",
            "https://api.aurora.example/v1/accounts/x/balance?full=1",
            "http://127.0.0.1:9000",
            "http://[::1]:8080/x",
        ] {
            assert!(is_http_url(url), "{url}");
        }
        for url in [
            "ftp://example.com",
            "boletos/second-copy",
            "http://",
            "http://exa mple.com",
            "http://user:pw@example.com",
            "http://example.com:99999/",
            "http://-bad-.com",
            "/second-copy",
        ] {
            assert!(!is_http_url(url), "{url}");
        }
    }
}
