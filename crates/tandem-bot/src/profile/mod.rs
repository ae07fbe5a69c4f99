//! The bot profile: its schema, loading from YAML with every problem reported by path, and
//! the understanding engine's configuration derived from it.

mod attribute_rule;
mod checked;
mod document;
mod engine;
mod error;
mod load;
mod localized;
mod message_kind;
mod schema;
mod validate;

pub use attribute_rule::{AttributeCondition, Operator};
pub use checked::{Checked, HttpMethod, ParseName};
pub use document::{document_from_yaml, yaml_from_document};
pub use error::{ProfileError, ProfileErrorKind, ProfileErrors};
pub use localized::Localized;
pub use message_kind::MessageKind;
pub use schema::{
    Action, ActionFailedRule, Article, BotFailureRule, BotProfile, BusinessHoursMessages, Closing,
    ComplexityRule, CustomerRequestRule, ExternalBot, HandoverRules, HighValueRule, Intent,
    LabelRule, Languages, MIN_EXTERNAL_SECRET_CHARS, Messages, NegativeSentimentRule, Persona,
    SensitiveTopicRule, Slot, Tone, Understanding,
};
pub use validate::MIN_EXAMPLES_PER_LANGUAGE;
