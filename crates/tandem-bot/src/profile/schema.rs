//! The bot profile's schema, as written in YAML. Every field an author may omit has a
//! documented default; `validate.rs` checks what types alone cannot.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tandem_nlu::{Analysis, EntityKind, IntentScore, Language, ReferencePattern};

use crate::profile::attribute_rule::AttributeCondition;
use crate::profile::checked::{Checked, HttpMethod};
use crate::profile::localized::Localized;

/// One account's bot: who it is, what it understands and answers, and when it hands over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotProfile {
    /// Name, tone and greeting.
    pub persona: Persona,
    /// The languages the bot speaks.
    pub languages: Languages,
    /// The customers' time zone (IANA name): "today" for relative dates such as "amanhã".
    /// UTC when left out.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Contact attributes that templates and `high_value` rules may use (`first_name`,
    /// `tier`...). Declaring them lets validation catch typos.
    #[serde(default)]
    pub contact_attributes: Vec<String>,
    /// Values for `{name}` placeholders in action URLs (`core_banking_url`); the server may
    /// override them per deployment with [`BotProfile::set_variable`].
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// Classifier and dialogue thresholds.
    #[serde(default)]
    pub understanding: Understanding,
    /// Order/protocol number patterns for the entity extractor.
    #[serde(default)]
    pub reference_patterns: Vec<ReferencePattern>,
    /// Messages known to be out of scope, per language.
    #[serde(default)]
    pub out_of_scope_examples: Localized<Vec<String>>,
    /// Knowledge-base articles.
    #[serde(default)]
    pub articles: Vec<Article>,
    /// What the bot recognizes and how it answers each.
    #[serde(default)]
    pub intents: Vec<Intent>,
    /// The handover rules and their thresholds.
    #[serde(default)]
    pub handover: HandoverRules,
    /// What the customer is told when a person is coming, or when the team is away.
    #[serde(default)]
    pub business_hours: BusinessHoursMessages,
    /// Overrides of the bot's built-in messages.
    #[serde(default)]
    pub messages: Messages,
    /// The company's own bot, which answers instead of the built-in dialogue while Tandem's
    /// handover rules still apply (the protocol is in `docs/external-bots.md`).
    #[serde(default)]
    pub external_bot: Option<ExternalBot>,
    /// Answers written by the account's language model from the articles, when the account
    /// has one and switched generative answers on.
    #[serde(default)]
    pub generative_answers: GenerativeAnswers,
    /// When the bot itself resolves a conversation it served.
    #[serde(default)]
    pub closing: Closing,
    /// Labels put on a conversation from what the customer writes.
    #[serde(default)]
    pub label_rules: Vec<LabelRule>,
}

/// A label the conversation gets when any of the rule's conditions holds for a customer message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelRule {
    /// The label, in its one shape (lower case: `tandem_domain::label`).
    pub label: String,
    /// The intents (by name) whose identification gives the label.
    #[serde(default)]
    pub intents: Vec<String>,
    /// The channels (`whatsapp`, `web`, `email`...) whose messages get it.
    #[serde(default)]
    pub channels: Vec<String>,
    /// Words or phrases whose presence gives it, in any language ("procon", "segunda via").
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// When the bot resolves a conversation it served, so that containment, resolution time and
/// first-contact resolution count it. A profile is given to inboxes, so these are settings per
/// inbox; a customer message reopens the conversation as it does after an agent resolved it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Closing {
    /// The customer's thanks after the bot answered resolves the conversation. Default true.
    pub on_thanks: bool,
    /// Minutes of customer silence after a bot answer that resolve the conversation (with
    /// `messages.closed_after_silence`); 0 never does. Default 30, at most a week.
    pub after_silence_minutes: u32,
    /// Ask the satisfaction survey (CSAT) when the bot resolves, on channels that carry it.
    /// Default true.
    pub survey: bool,
}

/// The longest silence setting: a week.
pub const MAX_SILENCE_MINUTES: u32 = 7 * 24 * 60;

impl Default for Closing {
    fn default() -> Self {
        Closing {
            on_thanks: true,
            after_silence_minutes: 30,
            survey: true,
        }
    }
}

/// How the bot uses the account's language model to answer from the articles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GenerativeAnswers {
    /// Questions the profile has no intent or article for are answered from the articles.
    /// Default true.
    pub fallback: bool,
    /// The least share of a question's terms the best article must contain for the model to
    /// be asked at all; below it retrieval is weak and the bot says it does not know. Default
    /// 0.2.
    pub minimum_coverage: f32,
    /// How many articles the model is given, best first. Default 3.
    pub passages: usize,
}

impl Default for GenerativeAnswers {
    fn default() -> Self {
        GenerativeAnswers {
            fallback: true,
            minimum_coverage: 0.2,
            passages: 3,
        }
    }
}

/// Where and how Tandem talks to an external bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalBot {
    /// Each customer turn the rules let through is POSTed here, signed.
    pub url: String,
    /// Signs the webhook (`X-Tandem-Signature`); at least 16 characters.
    pub secret: String,
    /// How long Tandem waits for the reply before handing over (`bot_failure`), 1–120 s.
    #[serde(default = "default_external_timeout")]
    pub timeout_seconds: u32,
}

fn default_external_timeout() -> u32 {
    10
}

/// The shortest external-bot secret accepted.
pub const MIN_EXTERNAL_SECRET_CHARS: usize = 16;

/// Who the bot is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Persona {
    /// The bot's name, available to templates as `{bot_name}`.
    pub name: String,
    /// The style of its writing (for authors and the optional LLM mode; the built-in messages
    /// are neutral).
    #[serde(default)]
    pub tone: Tone,
    /// The first message of a conversation, per language.
    pub greeting: Localized<String>,
}

/// The style of the bot's writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    /// Warm and informal.
    #[default]
    Friendly,
    /// Polite and formal.
    Formal,
    /// Plain and short.
    Neutral,
}

/// The languages the bot speaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Languages {
    /// Every language the bot answers in; every text of the profile exists in each.
    pub supported: Vec<Language>,
    /// The language used before the customer's is known, and for languages not supported.
    pub default: Language,
}

/// Thresholds of understanding and dialogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Understanding {
    /// The classifier's out-of-scope threshold (best intent probability below it is out of
    /// scope). Default 0.15, as measured in tandem-nlu.
    pub out_of_scope_threshold: f32,
    /// The best intent's confidence below which the bot does not act on it (a low-confidence
    /// turn, which counts towards `bot_failure`). Default 0.35.
    pub minimum_confidence: f32,
    /// When the two best intents are closer than this, the bot asks which one was meant.
    /// Default 0.12.
    pub clarify_margin: f32,
    /// Also train the out-of-scope class on tandem-nlu's built-in chit-chat. Default true.
    pub include_built_in_off_topic_examples: bool,
}

impl Default for Understanding {
    fn default() -> Self {
        Understanding {
            out_of_scope_threshold: 0.15,
            minimum_confidence: 0.35,
            clarify_margin: 0.12,
            include_built_in_off_topic_examples: true,
        }
    }
}

/// A knowledge-base article, in one or more of the supported languages (an article learned
/// from Portuguese conversations may exist in Portuguese only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// A stable id, cited in replies (`pix-limits`).
    pub id: String,
    /// The title per language.
    pub title: Localized<String>,
    /// The text per language, in the same languages as the title.
    pub body: Localized<String>,
    /// Questions customers ask that the article answers, per language: searched with the
    /// title, never shown.
    #[serde(default, skip_serializing_if = "Localized::is_empty")]
    pub questions: Localized<Vec<String>>,
    /// Where customers can read the article, cited with generated answers on channels that
    /// show links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Something customers ask for, and how the bot answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    /// A snake_case name (`second_copy_boleto`).
    pub name: String,
    /// A short description per language, used when the bot asks "did you mean A or B?";
    /// defaults to the first example.
    #[serde(default)]
    pub label: Localized<String>,
    /// Example messages per language, at least [`crate::profile::MIN_EXAMPLES_PER_LANGUAGE`]
    /// in each supported language.
    pub examples: Localized<Vec<String>>,
    /// A sensitive topic (complaint, fraud, cancellation...): the `sensitive_topic` rule hands
    /// it to a person.
    #[serde(default)]
    pub sensitive: bool,
    /// The answer per language, a template over contact attributes, the intent's slots and
    /// `{bot_name}`.
    #[serde(default)]
    pub reply: Option<Localized<String>>,
    /// A knowledge-base article that answers the intent (cited), when there is no reply.
    #[serde(default)]
    pub article: Option<String>,
    /// Entities to collect before answering.
    #[serde(default)]
    pub slots: Vec<Slot>,
    /// An HTTP call to the company's API once the slots are filled.
    #[serde(default)]
    pub action: Option<Action>,
    /// Hand the conversation to a person instead of answering (reason `sensitive_topic`,
    /// evidence `intent_handover`: the profile marks the topic as one for people), even when
    /// the `sensitive_topic` rule is switched off.
    #[serde(default)]
    pub handover: bool,
    /// Answer from the articles with the account's language model (when it has one); the
    /// reply or article, if any, is the answer when the model is off, fails or declines.
    #[serde(default)]
    pub generative: bool,
}

/// An entity the bot asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    /// The slot's name, a template variable (`cpf`). A slot name means the same entity in
    /// every intent, so a value given once is reused for the rest of the conversation.
    pub name: String,
    /// The entity kind that fills it (`cpf`, `date`, `reference`...).
    pub entity: Checked<EntityKind>,
    /// For `reference` slots: the name of the reference pattern that fills it.
    #[serde(default)]
    pub pattern: Option<String>,
    /// The question per language.
    pub prompt: Localized<String>,
    /// How many times the bot asks before handing over (`bot_failure`). Default 3.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u8,
}

fn default_max_attempts() -> u8 {
    3
}

impl Slot {
    /// The entity kind, or `None` in a profile that failed validation.
    pub fn entity_kind(&self) -> Option<EntityKind> {
        self.entity.get().copied()
    }
}

/// An HTTP call to the company's API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: Checked<HttpMethod>,
    /// The URL, a template over [`BotProfile::variables`] and the intent's slots
    /// (`{core_banking_url}/accounts/{cpf}/balance`).
    pub url: String,
    /// How long one attempt may take, in milliseconds. Default 5000.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u32,
    /// How many times a failed attempt is retried. Default 1.
    #[serde(default = "default_retries")]
    pub retries: u8,
    /// The slots sent (as a JSON body, or query parameters for `GET`/`DELETE`).
    #[serde(default)]
    pub send: Vec<String>,
    /// Request headers, e.g. `authorization: "Bearer {api_key}"`: templates over
    /// [`BotProfile::variables`] only, so a customer's words never reach a header.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The answer per language, a template that may also use the JSON result's fields as
    /// `{result.field}` (`{result.items.0.name}` for arrays).
    pub reply: Localized<String>,
}

fn default_timeout_ms() -> u32 {
    5000
}

fn default_retries() -> u8 {
    1
}

/// The handover rules of PRODUCT.md, each individually switchable.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct HandoverRules {
    /// An explicit ask for a person.
    pub customer_request: CustomerRequestRule,
    /// An angry message, or two unhappy ones in a row.
    pub negative_sentiment: NegativeSentimentRule,
    /// The bot keeps not understanding, or the customer repeats the question.
    pub bot_failure: BotFailureRule,
    /// An intent marked `sensitive`.
    pub sensitive_topic: SensitiveTopicRule,
    /// A contact attribute rule such as `tier = vip`.
    pub high_value: HighValueRule,
    /// The company API behind an action failed or timed out.
    pub action_failed: ActionFailedRule,
    /// Several intents in one message, or a very long message.
    pub complexity: ComplexityRule,
}

fn enabled() -> bool {
    true
}

/// `customer_request`: built-in pt/es/en phrasings plus the profile's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomerRequestRule {
    /// Whether the rule runs.
    pub enabled: bool,
    /// Extra phrases per language; a message containing one (after folding case, accents
    /// and chat spelling) is a request for a person.
    pub phrases: Localized<Vec<String>>,
}

impl Default for CustomerRequestRule {
    fn default() -> Self {
        CustomerRequestRule {
            enabled: enabled(),
            phrases: Localized::default(),
        }
    }
}

/// `negative_sentiment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NegativeSentimentRule {
    /// Whether the rule runs.
    pub enabled: bool,
    /// A message scoring at or below this (−1 to 0) hands over. Default −0.5.
    pub threshold: f32,
    /// Two messages in a row at or below `two_in_a_row_threshold` hand over. Default true.
    pub two_in_a_row: bool,
    /// The milder score (−1 to 0) that counts for two in a row. Default −0.3.
    pub two_in_a_row_threshold: f32,
}

impl Default for NegativeSentimentRule {
    fn default() -> Self {
        NegativeSentimentRule {
            enabled: enabled(),
            threshold: -0.5,
            two_in_a_row: true,
            two_in_a_row_threshold: -0.3,
        }
    }
}

/// `bot_failure`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BotFailureRule {
    /// Whether the rule runs.
    pub enabled: bool,
    /// Consecutive out-of-scope or low-confidence turns that hand over. Default 2.
    pub consecutive_failures: u32,
    /// Whether repeating a recent question hands over. Default true.
    pub repeated_question: bool,
    /// Word-overlap (Dice) similarity, 0–1, from which two messages are the same question.
    /// Default 0.8.
    pub repeated_question_similarity: f32,
}

impl Default for BotFailureRule {
    fn default() -> Self {
        BotFailureRule {
            enabled: enabled(),
            consecutive_failures: 2,
            repeated_question: true,
            repeated_question_similarity: 0.8,
        }
    }
}

/// `sensitive_topic`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SensitiveTopicRule {
    /// Whether the rule runs.
    pub enabled: bool,
    /// The confidence (0–1) a sensitive intent needs (among the best three). Default 0.5:
    /// unhappy chit-chat ("que chato") leans towards complaint and fraud intents with
    /// confidences around 0.35, and belongs to `negative_sentiment` instead.
    pub minimum_confidence: f32,
}

impl Default for SensitiveTopicRule {
    fn default() -> Self {
        SensitiveTopicRule {
            enabled: enabled(),
            minimum_confidence: 0.5,
        }
    }
}

/// `high_value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HighValueRule {
    /// Whether the rule runs.
    pub enabled: bool,
    /// Conditions on contact attributes (`tier = vip`); any one that holds hands over. The
    /// rule does not fire again after an agent hands the conversation back to the bot.
    pub rules: Vec<Checked<AttributeCondition>>,
}

impl Default for HighValueRule {
    fn default() -> Self {
        HighValueRule {
            enabled: enabled(),
            rules: Vec::new(),
        }
    }
}

/// `action_failed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActionFailedRule {
    /// Whether the rule runs; when off, the bot apologizes instead.
    pub enabled: bool,
}

impl Default for ActionFailedRule {
    fn default() -> Self {
        ActionFailedRule { enabled: enabled() }
    }
}

/// `complexity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ComplexityRule {
    /// Whether the rule runs.
    pub enabled: bool,
    /// Whether a message with several distinct requests hands over. Default true.
    pub multiple_intents: bool,
    /// The confidence (0–1) the second intent needs to count as a second request, when the
    /// message also joins two requests ("e também", "además", "and also") or has two
    /// sentences. Default 0.1.
    pub second_intent_confidence: f32,
    /// A message longer than this many characters hands over. Default 600.
    pub max_message_chars: usize,
}

impl Default for ComplexityRule {
    fn default() -> Self {
        ComplexityRule {
            enabled: enabled(),
            multiple_intents: true,
            second_intent_confidence: 0.1,
            max_message_chars: 600,
        }
    }
}

/// What the customer is told at handover; each has a built-in default per language.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BusinessHoursMessages {
    /// Within business hours: a person is coming.
    pub person_coming: Option<Localized<String>>,
    /// A person is coming for an upset customer (anger, despair): sorry first, no cheer.
    pub person_coming_upset: Option<Localized<String>>,
    /// A person is coming because the topic needs one (a sensitive intent).
    pub person_coming_sensitive: Option<Localized<String>>,
    /// A person is coming because what was asked could not be completed here (an action failed
    /// or found nothing, a high-value case).
    pub person_coming_after_failure: Option<Localized<String>>,
    /// Added when the queue position is known: a template over `{position}`.
    pub queue_position: Option<Localized<String>>,
    /// Added when the wait can be estimated: a template over `{wait}` ("cerca de 5 minutos").
    pub queue_wait: Option<Localized<String>>,
    /// Outside business hours: a template over `{reopens_at}` ("segunda-feira às 08:00").
    pub closed: Option<Localized<String>>,
    /// Outside business hours for a team whose conversations stay with the bot meanwhile: a
    /// template over `{reopens_at}`.
    pub closed_bot_stays: Option<Localized<String>>,
}

/// Overrides of the bot's built-in messages, per language.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Messages {
    /// When the bot did not understand.
    pub not_understood: Option<Localized<String>>,
    /// The reminder, at the end of each answer, that a person is available on request.
    pub person_hint: Option<Localized<String>>,
    /// The clarifying question, a template over `{first}` and `{second}`.
    pub clarify: Option<Localized<String>>,
    /// When a slot's answer is not valid (followed by the slot's prompt again).
    pub invalid_slot: Option<Localized<String>>,
    /// The answer to greetings once the bot has already greeted.
    pub anything_else: Option<Localized<String>>,
    /// The answer to thanks and goodbyes.
    pub thanks: Option<Localized<String>>,
    /// When an action failed and `action_failed` is switched off.
    pub action_unavailable: Option<Localized<String>>,
    /// When the bot resolves a conversation the customer went quiet in.
    pub closed_after_silence: Option<Localized<String>>,
    /// When a person sends the conversation to another team, a template over `{team}`.
    pub transferred: Option<Localized<String>>,
    /// When a person hands the conversation to a colleague, a template over `{agent}`.
    pub transferred_to_agent: Option<Localized<String>>,
    /// When a voice note could not be made out (or transcribed at all).
    pub voice_note_unheard: Option<Localized<String>>,
}

impl BotProfile {
    /// The intent named `name`.
    pub fn intent(&self, name: &str) -> Option<&Intent> {
        self.intents.iter().find(|intent| intent.name == name)
    }

    /// The intent identified in `analysis`: the best one, when the message is in scope and it
    /// is as confident as the bot must be to act on it (`understanding.minimum_confidence`).
    pub fn identified_intent<'a>(&self, analysis: &'a Analysis) -> Option<&'a IntentScore> {
        analysis.intents.first().filter(|top| {
            !analysis.out_of_scope && top.confidence >= self.understanding.minimum_confidence
        })
    }

    /// The article with id `id`.
    pub fn article(&self, id: &str) -> Option<&Article> {
        self.articles.iter().find(|article| article.id == id)
    }

    /// Sets an action URL variable (`core_banking_url`), e.g. from the server's configuration.
    pub fn set_variable(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.variables.insert(name.into(), value.into());
    }

    /// The customers' current day at `now`, in the profile's time zone (UTC without one, or
    /// with a name that does not resolve, which validation refuses).
    pub fn today(&self, now: jiff::Timestamp) -> jiff::civil::Date {
        let zone = self
            .time_zone
            .as_deref()
            .and_then(|name| jiff::tz::TimeZone::get(name).ok())
            .unwrap_or(jiff::tz::TimeZone::UTC);
        now.to_zoned(zone).date()
    }

    /// `language` if the bot speaks it, else the profile's default language.
    pub fn supported_language(&self, language: Language) -> Language {
        if self.languages.supported.contains(&language) {
            language
        } else {
            self.languages.default
        }
    }
}
