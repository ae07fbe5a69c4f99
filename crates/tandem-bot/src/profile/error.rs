//! Profile problems: each with the path of the offending value (`intents[3].action.url`), all
//! of them collected in one [`ProfileErrors`] that displays one problem per line.

use std::fmt;

use tandem_nlu::Language;

use crate::template::TemplateError;

/// What is wrong at one place of a profile.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProfileErrorKind {
    /// The YAML does not parse, or a value has the wrong type; nothing else was checked.
    #[error("{message}")]
    Yaml {
        /// The parser's message, with line and column.
        message: String,
    },
    /// A key the schema does not have.
    #[error("unknown key")]
    UnknownKey,
    /// A key of a per-language map that is not `pt`, `es` or `en`.
    #[error("unknown language `{code}` (expected pt, es or en)")]
    UnknownLanguage {
        /// The key as written.
        code: String,
    },
    /// A text in a language the profile does not declare.
    #[error("language {language} is not in languages.supported")]
    UndeclaredLanguage {
        /// The language.
        language: Language,
    },
    /// A supported language without its text.
    #[error("missing the {language} text")]
    MissingTranslation {
        /// The language.
        language: Language,
    },
    /// The default language is not supported.
    #[error("{language} is not in languages.supported")]
    DefaultLanguageNotSupported {
        /// The default language.
        language: Language,
    },
    /// A value that must not be blank.
    #[error("must not be empty")]
    Empty,
    /// A name that is not an identifier.
    #[error("`{name}` is not a valid name (letters, digits and _, starting with a letter)")]
    InvalidName {
        /// The name as written.
        name: String,
    },
    /// Two intents with one name.
    #[error("duplicate intent name `{name}` (first at intents[{first}])")]
    DuplicateIntent {
        /// The repeated name.
        name: String,
        /// The index of the first intent with it.
        first: usize,
    },
    /// Two articles with one id.
    #[error("duplicate article id `{id}` (first at articles[{first}])")]
    DuplicateArticle {
        /// The repeated id.
        id: String,
        /// The index of the first article with it.
        first: usize,
    },
    /// A value listed twice.
    #[error("`{name}` appears twice")]
    Duplicate {
        /// The repeated value.
        name: String,
    },
    /// Too few examples to learn an intent in a language.
    #[error("{found} examples, at least {required} needed")]
    TooFewExamples {
        /// How many there are.
        found: usize,
        /// How many are needed.
        required: usize,
    },
    /// A slot's entity kind that tandem-nlu does not extract.
    #[error("unknown entity kind `{raw}` (expected one of {expected})")]
    UnknownEntityKind {
        /// The kind as written.
        raw: String,
        /// The valid kinds.
        expected: &'static str,
    },
    /// An action's HTTP method that is not supported.
    #[error("unknown HTTP method `{raw}` (expected one of {expected})")]
    UnknownMethod {
        /// The method as written.
        raw: String,
        /// The valid methods.
        expected: &'static str,
    },
    /// An action URL that is not an absolute http(s) URL once its variables are filled.
    #[error("not a URL")]
    NotAUrl,
    /// An action header name that is not an HTTP token, or one the server sets itself.
    #[error("`{name}` cannot be set: use an HTTP header name other than {reserved}")]
    InvalidHeaderName {
        /// The name as written.
        name: String,
        /// The headers the server sets itself.
        reserved: &'static str,
    },
    /// An action header value that uses a variable other than the profile's `variables`, or
    /// holds a line break or control character once filled.
    #[error("a header value may use only the profile's variables and no control characters")]
    InvalidHeaderValue,
    /// A template that does not parse.
    #[error("{0}")]
    Template(#[from] TemplateError),
    /// A template variable that is neither a slot of the intent, a declared contact
    /// attribute, a built-in variable nor (in action replies) `result.*`.
    #[error("unknown variable {{{name}}}")]
    UnknownVariable {
        /// The variable's name.
        name: String,
    },
    /// A slot name that the intent does not declare.
    #[error("`{name}` is not a slot of this intent")]
    UnknownSlot {
        /// The name as written.
        name: String,
    },
    /// One slot name used for two entity kinds.
    #[error("slot `{name}` is a {other} at {other_path}; a slot name must mean one entity kind")]
    ConflictingSlot {
        /// The slot's name.
        name: String,
        /// The other entity kind.
        other: String,
        /// Where the other declaration is.
        other_path: String,
    },
    /// An article id that does not exist.
    #[error("unknown article `{id}`")]
    UnknownArticle {
        /// The id as written.
        id: String,
    },
    /// A reference pattern name that does not exist.
    #[error("unknown reference pattern `{name}`")]
    UnknownPattern {
        /// The name as written.
        name: String,
    },
    /// A `reference` slot without `pattern`, or a `pattern` on another kind of slot.
    #[error("{0}")]
    SlotPattern(&'static str),
    /// A regular expression that does not compile.
    #[error("not a valid regular expression: {reason}")]
    InvalidPattern {
        /// The compiler's complaint (first line).
        reason: String,
    },
    /// A contact attribute that is not declared in `contact_attributes`.
    #[error("contact attribute `{name}` is not declared in contact_attributes")]
    UndeclaredAttribute {
        /// The attribute's name.
        name: String,
    },
    /// A `high_value` rule that does not parse.
    #[error("`{raw}` is not a rule (expected {expected})")]
    InvalidRule {
        /// The rule as written.
        raw: String,
        /// The accepted forms.
        expected: &'static str,
    },
    /// A number outside its range.
    #[error("unknown time zone `{name}` (expected an IANA name such as America/Sao_Paulo)")]
    UnknownTimeZone {
        /// The name as written.
        name: String,
    },
    #[error("must be at least {min} characters")]
    TooShort {
        /// The fewest characters accepted.
        min: usize,
    },
    #[error("must be between {min} and {max}, got {value}")]
    OutOfRange {
        /// The value.
        value: f64,
        /// The smallest valid value.
        min: f64,
        /// The largest valid value.
        max: f64,
    },
    /// An intent that hands over but also answers.
    #[error(
        "an intent with `handover: true` cannot also have a reply, an article, slots, an action or `generative: true`"
    )]
    HandoverWithAnswer,
    /// A generative intent that also collects slots or calls an action.
    #[error("an intent with `generative: true` cannot also have slots or an action")]
    GenerativeWithAction,
    /// A name that refers to nothing the profile or the product has.
    #[error("unknown {what} `{name}`")]
    UnknownName {
        /// What kind of name (`intent`, `channel`).
        what: &'static str,
        /// The name as written.
        name: String,
    },
    /// A label that cannot be one.
    #[error("`{label}` is not a label (1 to 40 lower-case letters, digits, spaces, - or _)")]
    InvalidLabel {
        /// The label as written.
        label: String,
    },
    /// An intent with no way to answer.
    #[error("needs a reply, an article, an action, `generative: true` or `handover: true`")]
    NoAnswer,
}

/// One problem of a profile and where it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {kind}")]
pub struct ProfileError {
    /// Where: `intents[3].action.url`, `handover.bot_failure.consecutive_failures`.
    pub path: String,
    /// What.
    pub kind: ProfileErrorKind,
}

/// Every problem found in a profile, in document order; displays one per line.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileErrors {
    errors: Vec<ProfileError>,
}

impl ProfileErrors {
    pub(crate) fn new(errors: Vec<ProfileError>) -> Self {
        ProfileErrors { errors }
    }

    /// The problems.
    pub fn errors(&self) -> &[ProfileError] {
        &self.errors
    }

    /// How many problems there are (at least one).
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Always false: a `ProfileErrors` holds at least one problem.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}

impl fmt::Display for ProfileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.errors.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ProfileErrors {}

impl IntoIterator for ProfileErrors {
    type Item = ProfileError;
    type IntoIter = std::vec::IntoIter<ProfileError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}
