//! The script file's shape (`scripts/demo-conversations.yaml`: the day, the core-banking
//! fixtures, the conversations with their turns and expectations) and its loading, checked
//! against the profile.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde_json::Value;
use tandem_domain::contact::Attributes;
use tandem_domain::event::HandoverReason;
use tandem_nlu::Language;

use crate::messages::TeamAvailability;
use crate::profile::BotProfile;

/// The scripted conversations, compiled in so the test and the example need no path.
pub const SCRIPT_YAML: &str = include_str!("../../scripts/demo-conversations.yaml");

/// The whole script file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// The day the conversations happen.
    pub today: jiff::civil::Date,
    /// The usual JSON answer of the demo core-banking API, per action intent.
    pub fixtures: BTreeMap<String, Value>,
    /// The conversations.
    pub conversations: Vec<Conversation>,
}

/// One scripted conversation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conversation {
    /// A stable, readable id (`pt-boleto-timeout`).
    pub id: String,
    /// The customer's language; every reply should be in it.
    pub language: Language,
    /// Why the conversation is there.
    #[serde(default)]
    pub note: Option<String>,
    /// The contact's attributes.
    #[serde(default)]
    pub attributes: Attributes,
    /// Out of hours: when the team is back.
    #[serde(default)]
    pub team_back_at: Option<jiff::civil::DateTime>,
    /// What should come of the conversation.
    pub expect: ExpectedOutcome,
    /// The customer's messages.
    pub turns: Vec<ScriptedTurn>,
}

/// What a good bot does with a conversation: keeps it, or hands it over on a given turn.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawOutcome")]
pub enum ExpectedOutcome {
    /// The bot resolves it.
    Contained,
    /// A person should take over on turn `turn` (from 1) for `reason`.
    Handover {
        /// The reason code.
        reason: HandoverReason,
        /// The turn, counted from 1.
        turn: usize,
        /// The evidence's `trigger`, when the script says which one.
        trigger: Option<String>,
    },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawOutcome {
    Word(String),
    Handover(RawHandover),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHandover {
    handover: String,
    turn: usize,
    #[serde(default)]
    trigger: Option<String>,
}

impl TryFrom<RawOutcome> for ExpectedOutcome {
    type Error = String;

    fn try_from(raw: RawOutcome) -> Result<Self, Self::Error> {
        match raw {
            RawOutcome::Word(word) if word == "contained" => Ok(ExpectedOutcome::Contained),
            RawOutcome::Word(word) => Err(format!(
                "expect: `{word}` is neither `contained` nor {{handover, turn}}"
            )),
            RawOutcome::Handover(handover) => Ok(ExpectedOutcome::Handover {
                reason: handover
                    .handover
                    .parse()
                    .map_err(|_| format!("unknown handover reason `{}`", handover.handover))?,
                turn: handover.turn,
                trigger: handover.trigger,
            }),
        }
    }
}

/// One customer message and what should happen on it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedTurn {
    /// The customer's text.
    pub say: String,
    /// The widget's "talk to a person" button came with the message.
    #[serde(default)]
    pub button: bool,
    /// The simulated outcome of the action the bot should request on this turn.
    #[serde(default)]
    pub action: Option<SimulatedAction>,
    /// Per-turn expectations.
    #[serde(default)]
    pub expect: TurnExpectation,
}

/// The simulated core-banking answer to an action.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SimulatedAction {
    /// `ok` (the fixture), `timeout` or `network`.
    Word(ActionWord),
    /// `{ok: {...}}`: a 200 with this JSON body.
    Result {
        /// The body.
        ok: Value,
    },
    /// `{status: 503}`: every attempt answered this status.
    Status {
        /// The HTTP status.
        status: u16,
    },
}

/// The one-word simulated outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionWord {
    /// A 200 with the intent's fixture.
    Ok,
    /// Every attempt timed out.
    Timeout,
    /// Every attempt failed to connect.
    Network,
}

/// What should happen on one turn; every field is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurnExpectation {
    /// The bot asks for this slot.
    #[serde(default)]
    pub asks_slot: Option<String>,
    /// The bot requests this intent's action.
    #[serde(default)]
    pub action: Option<String>,
    /// The turn ends with this intent answered.
    #[serde(default)]
    pub answers: Option<String>,
    /// A reply cites this article.
    #[serde(default)]
    pub cites: Option<String>,
    /// The kind of turn.
    #[serde(default)]
    pub outcome: Option<ExpectedTurnKind>,
    /// Substrings of the replies (case-insensitive).
    #[serde(default)]
    pub contains: Vec<String>,
}

/// Kinds of turn worth expecting by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedTurnKind {
    /// Greetings, thanks, acknowledgements.
    SmallTalk,
    /// "Sorry, I did not understand".
    NotUnderstood,
    /// "Did you mean A or B?".
    Clarifies,
}

/// The label of a conversation: contained, or handed over for a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// Stayed with the bot to the end.
    Contained,
    /// Handed over.
    Handover(HandoverReason),
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Label::Contained => f.write_str("contained"),
            Label::Handover(reason) => f.write_str(reason.as_str()),
        }
    }
}

impl ExpectedOutcome {
    /// The label, without the turn.
    pub fn label(&self) -> Label {
        match self {
            ExpectedOutcome::Contained => Label::Contained,
            ExpectedOutcome::Handover { reason, .. } => Label::Handover(*reason),
        }
    }
}

impl fmt::Display for ExpectedOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedOutcome::Contained => f.write_str("contained"),
            ExpectedOutcome::Handover { reason, turn, .. } => write!(f, "{reason} @{turn}"),
        }
    }
}

/// Loads and checks the script: ids unique, handovers on the last turn, actions scripted
/// only for intents the profile has.
///
/// # Errors
/// A YAML error, or every inconsistency found, one per line.
pub fn load_script(yaml: &str, profile: &BotProfile) -> Result<Script, String> {
    let script: Script = serde_saphyr::from_str(yaml).map_err(|error| error.to_string())?;
    let mut problems = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    for (intent, fixture) in &script.fixtures {
        if profile
            .intent(intent)
            .and_then(|intent| intent.action.as_ref())
            .is_none()
        {
            problems.push(format!("fixtures.{intent}: no such intent with an action"));
        }
        if !fixture.is_object() {
            problems.push(format!("fixtures.{intent}: not a JSON object"));
        }
    }
    for conversation in &script.conversations {
        let id = &conversation.id;
        if !ids.insert(id.clone()) {
            problems.push(format!("{id}: the id repeats"));
        }
        if conversation.turns.is_empty() {
            problems.push(format!("{id}: no turns"));
        }
        if let ExpectedOutcome::Handover { turn, .. } = conversation.expect
            && turn != conversation.turns.len()
        {
            problems.push(format!(
                "{id}: the handover is expected on turn {turn} but the script has {} turns \
                 (a handover ends the bot's part: it must be the last turn)",
                conversation.turns.len()
            ));
        }
        for (index, turn) in conversation.turns.iter().enumerate() {
            let number = index + 1;
            for name in [&turn.expect.action, &turn.expect.answers]
                .into_iter()
                .flatten()
            {
                if profile.intent(name).is_none() {
                    problems.push(format!("{id} turn {number}: no intent `{name}`"));
                }
            }
            if let Some(article) = &turn.expect.cites
                && profile.article(article).is_none()
            {
                problems.push(format!("{id} turn {number}: no article `{article}`"));
            }
            if turn.action.is_some() && turn.expect.action.is_none() {
                problems.push(format!(
                    "{id} turn {number}: an action outcome is scripted but `expect.action` does \
                     not say which intent's"
                ));
            }
            if let (Some(SimulatedAction::Word(ActionWord::Ok)), Some(intent)) =
                (&turn.action, &turn.expect.action)
                && !script.fixtures.contains_key(intent)
            {
                problems.push(format!("{id} turn {number}: no fixture for `{intent}`"));
            }
        }
    }
    if problems.is_empty() {
        Ok(script)
    } else {
        Err(problems.join("\n"))
    }
}

/// Whether the team is there during `conversation`: closed until `team_back_at` when the
/// script says so, else open.
pub(super) fn availability_of(
    conversation: &Conversation,
    today: jiff::civil::Date,
) -> TeamAvailability {
    match conversation.team_back_at {
        Some(reopens_at) => TeamAvailability::Closed {
            reopens_at,
            today,
            bot_stays: false,
        },
        None => TeamAvailability::Open {
            queue_position: None,
        },
    }
}
