//! The player of the scripted demo conversations (`scripts/demo-conversations.yaml`): loads
//! them, plays each through the understanding engine and the bot exactly as the server
//! would (analysis with the conversation's context, `Bot::turn`, then `Bot::action_result`
//! with a simulated core-banking answer), checks every expectation and computes the
//! figures of issue 4: containment of routine conversations, handover precision and recall
//! per reason, outcome accuracy and per-turn latency.
//!
//! Shared by `tests/scripted.rs` and `examples/bot_eval.rs` through
//! `#[path = "../scripts/runner.rs"] mod runner;` (an example cannot import a test module,
//! and the crate's `src/` is not the place for evaluation code). Each includer uses a
//! different part of it, hence the `dead_code` allowance on the includes.
//!
//! Two kinds of findings come out of a run:
//! * **misses** — the bot did something else than a good bot should (another intent, no
//!   handover, a late one...). They depend on the engine's statistics and are what the
//!   aggregate floors measure;
//! * **violations** — a structural promise of the dialogue was broken (no person hint, a
//!   second greeting, an action sent with a CPF the customer never typed, a failed action
//!   that did not hand over, a template variable left unrendered...). These hold whatever
//!   the classifier decides, so the test treats each one as a bug.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;
use tandem_bot::{
    ActionFailure, ActionFailureKind, ActionOutcome, ActionRequest, Bot, BotProfile, BotState,
    BotTurn, CustomerTurn, MessageKind, TeamAvailability, Template, TurnOutcome, handover_message,
};
use tandem_domain::contact::Attributes;
use tandem_domain::event::HandoverReason;
use tandem_nlu::{Engine, Language};

/// The scripted conversations, compiled in so the test and the example need no path.
pub const SCRIPT_YAML: &str = include_str!("demo-conversations.yaml");

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

/// What the bot did with a conversation.
#[derive(Debug, Clone, PartialEq)]
pub enum ActualOutcome {
    /// No handover on any turn.
    Contained,
    /// Handed over on `turn`.
    Handover {
        /// The reason code.
        reason: HandoverReason,
        /// The turn, from 1.
        turn: usize,
        /// The evidence as stored on the `handover_requested` event.
        evidence: Value,
    },
}

impl ActualOutcome {
    /// The label, without the turn.
    pub fn label(&self) -> Label {
        match self {
            ActualOutcome::Contained => Label::Contained,
            ActualOutcome::Handover { reason, .. } => Label::Handover(*reason),
        }
    }

    fn turn(&self) -> Option<usize> {
        match self {
            ActualOutcome::Contained => None,
            ActualOutcome::Handover { turn, .. } => Some(*turn),
        }
    }
}

impl fmt::Display for ActualOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActualOutcome::Contained => f.write_str("contained"),
            ActualOutcome::Handover {
                reason,
                turn,
                evidence,
            } => {
                let trigger = evidence
                    .get("trigger")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                write!(f, "{reason} @{turn} ({trigger})")
            }
        }
    }
}

/// Something that went differently than scripted, on a turn (0: the conversation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The turn, from 1; 0 for the conversation as a whole.
    pub turn: usize,
    /// What happened.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.turn == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "turn {}: {}", self.turn, self.message)
        }
    }
}

/// The result of playing one conversation.
#[derive(Debug, Clone)]
pub struct ConversationRun {
    /// The conversation's id.
    pub id: String,
    /// The customer's language.
    pub language: Language,
    /// What should have happened.
    pub expected: ExpectedOutcome,
    /// What happened.
    pub actual: ActualOutcome,
    /// Expectations the bot did not meet (soft: measured by the floors).
    pub misses: Vec<Finding>,
    /// Structural promises the bot broke (hard: each one is a bug).
    pub violations: Vec<Finding>,
    /// How many per-turn checks were made, and how many passed.
    pub checks: usize,
    /// See `checks`.
    pub checks_met: usize,
    /// Bot time per turn: analysis + dialogue (+ turning an action's JSON into the reply),
    /// never the simulated HTTP call.
    pub latencies: Vec<Duration>,
    /// A readable transcript with the engine's view of each message, for `--trace`.
    pub transcript: Vec<String>,
}

impl ConversationRun {
    /// The outcome is the expected one: same label and, for a handover, same turn.
    pub fn outcome_matches(&self) -> bool {
        match (&self.expected, &self.actual) {
            (ExpectedOutcome::Contained, ActualOutcome::Contained) => true,
            (
                ExpectedOutcome::Handover { reason, turn, .. },
                ActualOutcome::Handover {
                    reason: actual_reason,
                    turn: actual_turn,
                    ..
                },
            ) => reason == actual_reason && turn == actual_turn,
            _ => false,
        }
    }

    /// Why the outcome differs, in one line, if it does.
    pub fn outcome_problem(&self) -> Option<String> {
        (!self.outcome_matches()).then(|| {
            let mut problem = format!("expected {}, got {}", self.expected, self.actual);
            if self.expected.label() == self.actual.label() {
                problem.push_str(" (right reason, wrong turn)");
            }
            problem
        })
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

/// Plays scripted conversations through one engine and profile.
#[derive(Debug, Clone, Copy)]
pub struct Player<'a> {
    /// The profile.
    pub profile: &'a BotProfile,
    /// Its engine.
    pub engine: &'a Engine,
    /// The script (for `today` and the fixtures).
    pub script: &'a Script,
}

/// Everything a turn's checks look at.
struct TurnRecord<'a> {
    number: usize,
    turn: &'a BotTurn,
    action_turn: Option<&'a BotTurn>,
    simulated: Option<&'a ActionOutcome>,
}

impl TurnRecord<'_> {
    fn final_turn(&self) -> &BotTurn {
        self.action_turn.unwrap_or(self.turn)
    }

    fn replies(&self) -> impl Iterator<Item = &tandem_bot::Reply> {
        self.turn
            .replies
            .iter()
            .chain(self.action_turn.into_iter().flat_map(|turn| &turn.replies))
    }

    fn text(&self) -> String {
        self.replies()
            .map(|reply| reply.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Player<'_> {
    /// Plays every conversation of the script.
    pub fn play_all(&self) -> Vec<ConversationRun> {
        self.script
            .conversations
            .iter()
            .map(|conversation| self.play(conversation))
            .collect()
    }

    /// Plays one conversation until its last turn or a handover.
    pub fn play(&self, conversation: &Conversation) -> ConversationRun {
        let bot = Bot::new(self.profile);
        let today = self.script.today;
        let availability = availability_of(conversation, today);
        let mut run = ConversationRun {
            id: conversation.id.clone(),
            language: conversation.language,
            expected: conversation.expect.clone(),
            actual: ActualOutcome::Contained,
            misses: Vec::new(),
            violations: Vec::new(),
            checks: 0,
            checks_met: 0,
            latencies: Vec::with_capacity(conversation.turns.len()),
            transcript: Vec::new(),
        };
        let mut state = BotState::new();
        let mut said_digits: Vec<String> = Vec::new();
        let mut greetings = 0_usize;
        for (index, scripted) in conversation.turns.iter().enumerate() {
            let number = index + 1;
            said_digits.push(scripted.say.chars().filter(char::is_ascii_digit).collect());

            let started = Instant::now();
            let analysis = match self
                .engine
                .analyze(&scripted.say, &state.analysis_context(today))
            {
                Ok(analysis) => analysis,
                Err(error) => {
                    run.violations.push(Finding {
                        turn: number,
                        message: format!("the engine failed: {error}"),
                    });
                    break;
                }
            };
            let turn = bot.turn(
                &state,
                &CustomerTurn {
                    text: &scripted.say,
                    analysis: &analysis,
                    attributes: &conversation.attributes,
                    requested_person: scripted.button,
                    availability,
                },
            );
            let mut elapsed = started.elapsed();

            run.transcript
                .push(format!("[{number}] customer: {}", scripted.say));
            run.transcript.push(format!(
                "      engine: {} ({:.2}) out_of_scope={} sentiment={:.2}{} intents=[{}] kb={} entities=[{}]",
                analysis.language.language.code(),
                analysis.language.confidence,
                analysis.out_of_scope,
                analysis.sentiment.score,
                if analysis.sentiment.has_insult { " insult" } else { "" },
                analysis
                    .intents
                    .iter()
                    .take(3)
                    .map(|score| format!("{} {:.2}", score.intent, score.confidence))
                    .collect::<Vec<_>>()
                    .join(", "),
                analysis
                    .kb_hit
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), |hit| hit.article_id.clone()),
                analysis
                    .entities
                    .iter()
                    .map(|entity| format!("{:?}={}", entity.kind, entity.normalized))
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
            push_replies(&mut run.transcript, &turn);

            let simulated = turn.action.as_ref().map(|request| {
                if scripted.action.is_none() {
                    run.misses.push(Finding {
                        turn: number,
                        message: format!(
                            "the bot requested the `{}` action, which the script did not expect",
                            request.intent
                        ),
                    });
                }
                self.simulate(request, scripted.action.as_ref())
            });
            let action_turn = simulated.as_ref().map(|outcome| {
                let started = Instant::now();
                let action_turn = bot.action_result(
                    &turn.new_state,
                    outcome,
                    &conversation.attributes,
                    availability,
                );
                elapsed += started.elapsed();
                action_turn
            });
            run.latencies.push(elapsed);
            if let Some(action_turn) = &action_turn {
                run.transcript.push(format!(
                    "      action {}: {}",
                    simulated.as_ref().map_or("", ActionOutcome::intent),
                    describe_simulated(simulated.as_ref())
                ));
                push_replies(&mut run.transcript, action_turn);
            }

            let record = TurnRecord {
                number,
                turn: &turn,
                action_turn: action_turn.as_ref(),
                simulated: simulated.as_ref(),
            };
            greetings += self.check_structure(&mut run, conversation, &record, &said_digits);
            self.check_expectations(&mut run, conversation, scripted, &record);

            let last = record.final_turn();
            state = last.new_state.clone();
            if let Some(decision) = &last.handover {
                run.actual = ActualOutcome::Handover {
                    reason: decision.reason,
                    turn: number,
                    evidence: decision.evidence_json(),
                };
                run.transcript
                    .push(format!("      handover: {}", decision.evidence_json()));
                break;
            }
        }
        if greetings > 1 {
            run.violations.push(Finding {
                turn: 0,
                message: format!("the bot greeted {greetings} times"),
            });
        }
        self.check_outcome(&mut run);
        run
    }

    /// The simulated answer of the core-banking API to `request`.
    fn simulate(
        &self,
        request: &ActionRequest,
        scripted: Option<&SimulatedAction>,
    ) -> ActionOutcome {
        let intent = request.intent.clone();
        // Every attempt failed: the first one and each retry.
        let attempts = u32::from(request.retries) + 1;
        let failed = |kind| ActionOutcome::Failed {
            intent: intent.clone(),
            failure: ActionFailure { kind, attempts },
        };
        match scripted {
            None | Some(SimulatedAction::Word(ActionWord::Ok)) => ActionOutcome::Succeeded {
                intent: intent.clone(),
                result: self
                    .script
                    .fixtures
                    .get(&intent)
                    .cloned()
                    .unwrap_or(Value::Object(serde_json::Map::new())),
            },
            Some(SimulatedAction::Result { ok }) => ActionOutcome::Succeeded {
                intent: intent.clone(),
                result: ok.clone(),
            },
            Some(SimulatedAction::Word(ActionWord::Timeout)) => failed(ActionFailureKind::Timeout),
            Some(SimulatedAction::Word(ActionWord::Network)) => failed(ActionFailureKind::Network),
            Some(SimulatedAction::Status { status }) => {
                failed(ActionFailureKind::Status { status: *status })
            }
        }
    }

    /// The structural promises of one turn; returns 1 when the turn greeted.
    fn check_structure(
        &self,
        run: &mut ConversationRun,
        conversation: &Conversation,
        record: &TurnRecord<'_>,
        said_digits: &[String],
    ) -> usize {
        let profile = self.profile;
        let number = record.number;
        let mut violate = |message: String| {
            run.violations.push(Finding {
                turn: number,
                message,
            });
        };
        let mut greeted = 0;
        for turn in std::iter::once(record.turn).chain(record.action_turn) {
            let language = turn.language;
            if let Some(greeting) = profile.persona.greeting.get(language)
                && turn
                    .replies
                    .iter()
                    .any(|reply| reply.text.starts_with(greeting.as_str()))
            {
                greeted += 1;
            }
            for reply in &turn.replies {
                if has_unrendered_variable(&reply.text) {
                    violate(format!(
                        "a reply has an unrendered variable: {:?}",
                        reply.text
                    ));
                }
            }
            match &turn.handover {
                Some(decision) => {
                    let expected = handover_message(
                        profile,
                        language,
                        &availability_of(conversation, self.script.today),
                        &conversation.attributes,
                    );
                    if turn.replies.last().map(|reply| reply.text.as_str())
                        != Some(expected.as_str())
                    {
                        violate(format!(
                            "the {} handover does not end with the handover message",
                            decision.reason
                        ));
                    }
                    if turn.action.is_some() {
                        violate("a handover turn also requests an action".to_owned());
                    }
                    if turn.new_state.pending_slot.is_some()
                        || turn.new_state.pending_action.is_some()
                    {
                        violate("a handover leaves a question or an action pending".to_owned());
                    }
                    if turn.outcome != TurnOutcome::HandedOver {
                        violate(format!("a handover turn's outcome is {:?}", turn.outcome));
                    }
                }
                None => {
                    let hint = MessageKind::PersonHint
                        .override_in(profile)
                        .and_then(|messages| messages.get(language))
                        .map_or_else(
                            || MessageKind::PersonHint.built_in(language).to_owned(),
                            Clone::clone,
                        );
                    if let Some(last) = turn.replies.last()
                        && !last.text.ends_with(&hint)
                    {
                        violate(format!(
                            "the last reply does not remind the customer a person is available: {:?}",
                            last.text
                        ));
                    }
                    if turn.outcome == TurnOutcome::HandedOver {
                        violate("the outcome is HandedOver without a handover decision".to_owned());
                    }
                }
            }
        }
        if number == 1 && record.turn.handover.is_none() && greeted == 0 {
            violate("the first turn stays with the bot but does not greet".to_owned());
        }
        if number > 1 && greeted > 0 {
            violate("the bot greeted again after the first turn".to_owned());
        }

        if let Some(request) = &record.turn.action {
            if record.turn.new_state.pending_action.as_deref() != Some(request.intent.as_str()) {
                violate(format!(
                    "the `{}` action is requested but the state waits for {:?}",
                    request.intent, record.turn.new_state.pending_action
                ));
            }
            let base = profile
                .variables
                .get("core_banking_url")
                .map_or("", String::as_str);
            if !request.url.starts_with(base) || request.url.contains('{') {
                violate(format!("the action URL is not filled in: {}", request.url));
            }
            if let Some(cpf) = record.turn.new_state.slots.get("cpf") {
                let sent = request.url.contains(cpf.as_str())
                    || request
                        .body
                        .as_ref()
                        .and_then(|body| body.get("cpf"))
                        .and_then(Value::as_str)
                        == Some(cpf.as_str());
                if !sent {
                    violate(format!(
                        "the `{}` action does not carry the CPF",
                        request.intent
                    ));
                }
                if !said_digits
                    .iter()
                    .any(|digits| digits.contains(cpf.as_str()))
                {
                    violate(format!(
                        "the `{}` action carries a CPF the customer never typed",
                        request.intent
                    ));
                }
            }
        }

        if let (Some(outcome), Some(action_turn)) = (record.simulated, record.action_turn) {
            let reason = action_turn
                .handover
                .as_ref()
                .map(|decision| decision.reason);
            match self.result_values(outcome, action_turn.language) {
                Some(Ok(values)) => {
                    if let Some(reason) = reason {
                        violate(format!(
                            "a complete `{}` result was handed over for {reason} instead of answered",
                            outcome.intent()
                        ));
                    }
                    let text = action_turn
                        .replies
                        .iter()
                        .map(|reply| reply.text.as_str())
                        .collect::<String>();
                    for value in values {
                        if !text.contains(&value) {
                            violate(format!("the action reply lacks the result's {value:?}"));
                        }
                    }
                }
                Some(Err(missing)) if reason != Some(HandoverReason::ActionFailed) => {
                    violate(format!(
                        "a `{}` result without {missing} did not hand over for action_failed \
                         (got {reason:?})",
                        outcome.intent()
                    ));
                }
                None if reason != Some(HandoverReason::ActionFailed) => {
                    violate(format!(
                        "a failed `{}` action did not hand over for action_failed (got {reason:?})",
                        outcome.intent()
                    ));
                }
                Some(Err(_)) | None => {}
            }
        }
        greeted
    }

    /// For a successful outcome: `Ok(the rendered values the reply must show)` when the
    /// result has every field the reply template uses, `Err(the first missing one)` when it
    /// lacks one; `None` for a failed outcome.
    fn result_values(
        &self,
        outcome: &ActionOutcome,
        language: Language,
    ) -> Option<Result<Vec<String>, String>> {
        let ActionOutcome::Succeeded { intent, result } = outcome else {
            return None;
        };
        let source = self
            .profile
            .intent(intent)
            .and_then(|intent| intent.action.as_ref())
            .and_then(|action| {
                action
                    .reply
                    .get_or(language, self.profile.languages.default)
            })
            .map_or("", String::as_str);
        let Ok(template) = Template::parse(source) else {
            return Some(Ok(Vec::new()));
        };
        let mut values = Vec::new();
        for variable in template.variables() {
            let Some(path) = variable.strip_prefix("result.") else {
                continue;
            };
            let mut current = Some(result);
            for segment in path.split('.') {
                current = current.and_then(|value| value.get(segment));
            }
            match current {
                Some(Value::String(text)) => values.push(text.clone()),
                Some(value @ (Value::Number(_) | Value::Bool(_))) => values.push(value.to_string()),
                Some(Value::Null) | None => return Some(Err(variable.to_owned())),
                Some(_) => {}
            }
        }
        Some(Ok(values))
    }

    /// The per-turn expectations of the script (soft).
    fn check_expectations(
        &self,
        run: &mut ConversationRun,
        conversation: &Conversation,
        scripted: &ScriptedTurn,
        record: &TurnRecord<'_>,
    ) {
        let expect = &scripted.expect;
        let final_turn = record.final_turn();
        let mut results: Vec<(bool, String)> = Vec::new();

        // Every reply in the customer's language.
        results.push((
            final_turn.language == conversation.language,
            format!(
                "replied in {} instead of {}",
                final_turn.language.code(),
                conversation.language.code()
            ),
        ));
        if let Some(slot) = &expect.asks_slot {
            let asked = match &record.turn.outcome {
                TurnOutcome::AskedForSlot { slot: asked, .. } => Some(asked.as_str()),
                _ => None,
            };
            results.push((
                asked == Some(slot.as_str()),
                format!(
                    "expected the bot to ask for `{slot}`; it did {}",
                    describe_outcome(&record.turn.outcome)
                ),
            ));
        }
        if let Some(intent) = &expect.action {
            let requested = record
                .turn
                .action
                .as_ref()
                .map(|request| request.intent.as_str());
            results.push((
                requested == Some(intent.as_str()),
                match requested {
                    Some(other) => {
                        format!("expected the `{intent}` action; the bot requested `{other}`")
                    }
                    None => format!(
                        "expected the `{intent}` action; the bot did {}",
                        describe_outcome(&record.turn.outcome)
                    ),
                },
            ));
        }
        if let Some(intent) = &expect.answers {
            let answered = match &final_turn.outcome {
                TurnOutcome::Answered {
                    intent: Some(answered),
                    ..
                } => Some(answered.as_str()),
                _ => None,
            };
            results.push((
                answered == Some(intent.as_str()),
                format!(
                    "expected an answer for `{intent}`; the bot did {}",
                    describe_outcome(&final_turn.outcome)
                ),
            ));
        }
        if let Some(article) = &expect.cites {
            let cited: Vec<&str> = record
                .replies()
                .filter_map(|reply| reply.cites_article.as_deref())
                .collect();
            results.push((
                cited.contains(&article.as_str()),
                format!(
                    "expected a citation of `{article}`; the bot did {}",
                    describe_outcome(&final_turn.outcome)
                ),
            ));
        }
        if let Some(kind) = expect.outcome {
            let met = matches!(
                (kind, &final_turn.outcome),
                (ExpectedTurnKind::SmallTalk, TurnOutcome::SmallTalk)
                    | (ExpectedTurnKind::NotUnderstood, TurnOutcome::NotUnderstood)
                    | (ExpectedTurnKind::Clarifies, TurnOutcome::Clarifying { .. })
            );
            results.push((
                met,
                format!(
                    "expected {kind:?}; the bot did {}",
                    describe_outcome(&final_turn.outcome)
                ),
            ));
        }
        if !expect.contains.is_empty() {
            let text = record.text().to_lowercase();
            for needle in &expect.contains {
                results.push((
                    text.contains(&needle.to_lowercase()),
                    format!("the replies lack {needle:?}"),
                ));
            }
        }
        if scripted.action.is_some() && record.turn.action.is_none() {
            // Counted by `expect.action` already; say that the simulated answer was unused.
            run.transcript
                .push("      (the scripted action outcome was not used)".to_owned());
        }
        for (met, message) in results {
            run.checks += 1;
            if met {
                run.checks_met += 1;
            } else {
                run.misses.push(Finding {
                    turn: record.number,
                    message,
                });
            }
        }
    }

    /// The conversation's outcome against the script.
    fn check_outcome(&self, run: &mut ConversationRun) {
        if let Some(problem) = run.outcome_problem() {
            // The turn the bot handed over on, else the one it should have.
            let expected_turn = match run.expected {
                ExpectedOutcome::Handover { turn, .. } => Some(turn),
                ExpectedOutcome::Contained => None,
            };
            let turn = run.actual.turn().or(expected_turn).unwrap_or(0);
            run.misses.push(Finding {
                turn,
                message: problem,
            });
        }
        if let (
            ExpectedOutcome::Handover {
                trigger: Some(trigger),
                ..
            },
            ActualOutcome::Handover { evidence, turn, .. },
        ) = (&run.expected, &run.actual)
            && run.expected.label() == run.actual.label()
        {
            let actual = evidence
                .get("trigger")
                .and_then(Value::as_str)
                .unwrap_or("");
            run.checks += 1;
            if actual == trigger {
                run.checks_met += 1;
            } else {
                run.misses.push(Finding {
                    turn: *turn,
                    message: format!("expected the `{trigger}` trigger, got `{actual}`"),
                });
            }
        }
    }
}

fn availability_of(conversation: &Conversation, today: jiff::civil::Date) -> TeamAvailability {
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

fn push_replies(transcript: &mut Vec<String>, turn: &BotTurn) {
    for reply in &turn.replies {
        let cites = reply
            .cites_article
            .as_ref()
            .map(|article| format!(" [cites {article}]"))
            .unwrap_or_default();
        transcript.push(format!(
            "      bot ({}): {}{cites}",
            turn.language.code(),
            reply.text.replace('\n', " ⏎ ")
        ));
    }
    transcript.push(format!("      → {}", describe_outcome(&turn.outcome)));
}

fn describe_simulated(outcome: Option<&ActionOutcome>) -> String {
    match outcome {
        Some(ActionOutcome::Succeeded { result, .. }) => format!("200 {result}"),
        Some(ActionOutcome::Failed { failure, .. }) => {
            format!(
                "failed {:?} after {} attempts",
                failure.kind, failure.attempts
            )
        }
        None => String::new(),
    }
}

/// A short description of what a turn did, for messages.
pub fn describe_outcome(outcome: &TurnOutcome) -> String {
    match outcome {
        TurnOutcome::SmallTalk => "small talk".to_owned(),
        TurnOutcome::Answered { intent, article_id } => format!(
            "answer{}{}",
            intent
                .as_ref()
                .map(|intent| format!(" `{intent}`"))
                .unwrap_or_default(),
            article_id
                .as_ref()
                .map(|article| format!(" citing `{article}`"))
                .unwrap_or_default()
        ),
        TurnOutcome::AskedForSlot { intent, slot } => format!("ask for `{slot}` of `{intent}`"),
        TurnOutcome::Clarifying { options } => format!("clarify between {}", options.join(" / ")),
        TurnOutcome::ActionRequested { intent } => format!("request the `{intent}` action"),
        TurnOutcome::NotUnderstood => "not understand".to_owned(),
        TurnOutcome::ActionUnavailable => "apologize for an unavailable action".to_owned(),
        TurnOutcome::HandedOver => "hand over".to_owned(),
        TurnOutcome::Ignored => "ignore the action outcome".to_owned(),
        TurnOutcome::Forwarded => "forward to the external bot".to_owned(),
        TurnOutcome::ExternalAnswer { understood: true } => "relay the external bot".to_owned(),
        TurnOutcome::ExternalAnswer { understood: false } => {
            "relay the external bot, which did not understand".to_owned()
        }
    }
}

/// `{name}` or `{result.field}` left in a reply (`{{` and `}}` are escapes, rendered as
/// single braces, and never followed by an identifier in the demo's texts).
pub fn has_unrendered_variable(text: &str) -> bool {
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '|')))
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with('}') {
            return true;
        }
        rest = after;
    }
    false
}

/// Precision and recall of one handover reason over the whole set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReasonFigures {
    /// The reason.
    pub reason: HandoverReason,
    /// Conversations that should hand over for it.
    pub expected: usize,
    /// Conversations the bot handed over for it.
    pub predicted: usize,
    /// Both.
    pub correct: usize,
}

impl ReasonFigures {
    /// Of the bot's handovers for this reason, the share that were right; `None` when the
    /// bot never gave it.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.correct, self.predicted)
    }

    /// Of the conversations that should hand over for this reason, the share the bot did;
    /// `None` when the script has none.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.correct, self.expected)
    }
}

/// The aggregate figures of a set of runs.
#[derive(Debug, Clone)]
pub struct Figures {
    /// Conversations played.
    pub conversations: usize,
    /// Routine conversations (expected contained).
    pub routine: usize,
    /// Routine conversations the bot kept to the end.
    pub routine_contained: usize,
    /// Routine conversations kept and with every per-turn expectation met.
    pub routine_resolved: usize,
    /// Conversations that need a person.
    pub needing_person: usize,
    /// Of those, the ones the bot handed over at all (any reason, any turn).
    pub needing_person_handed_over: usize,
    /// Per reason, in `HandoverReason::ALL` order.
    pub reasons: Vec<ReasonFigures>,
    /// Conversations whose label (contained or reason) is right.
    pub label_matches: usize,
    /// Conversations whose label and handover turn are right.
    pub outcome_matches: usize,
    /// Conversations where the handover-or-not decision is right.
    pub decision_matches: usize,
    /// Per-turn checks made and met.
    pub checks: usize,
    /// See `checks`.
    pub checks_met: usize,
    /// Every turn's latency, sorted.
    pub latencies: Vec<Duration>,
}

impl Figures {
    /// Computes the figures of `runs`.
    pub fn of(runs: &[ConversationRun]) -> Figures {
        let routine: Vec<&ConversationRun> = runs
            .iter()
            .filter(|run| run.expected == ExpectedOutcome::Contained)
            .collect();
        let reasons = HandoverReason::ALL
            .iter()
            .map(|reason| {
                let label = Label::Handover(*reason);
                ReasonFigures {
                    reason: *reason,
                    expected: runs
                        .iter()
                        .filter(|run| run.expected.label() == label)
                        .count(),
                    predicted: runs
                        .iter()
                        .filter(|run| run.actual.label() == label)
                        .count(),
                    correct: runs
                        .iter()
                        .filter(|run| run.expected.label() == label && run.actual.label() == label)
                        .count(),
                }
            })
            .collect();
        let mut latencies: Vec<Duration> = runs
            .iter()
            .flat_map(|run| run.latencies.iter().copied())
            .collect();
        latencies.sort_unstable();
        let needing: Vec<&ConversationRun> = runs
            .iter()
            .filter(|run| run.expected != ExpectedOutcome::Contained)
            .collect();
        Figures {
            conversations: runs.len(),
            routine: routine.len(),
            routine_contained: routine
                .iter()
                .filter(|run| run.actual == ActualOutcome::Contained)
                .count(),
            routine_resolved: routine
                .iter()
                .filter(|run| run.actual == ActualOutcome::Contained && run.misses.is_empty())
                .count(),
            needing_person: needing.len(),
            needing_person_handed_over: needing
                .iter()
                .filter(|run| run.actual != ActualOutcome::Contained)
                .count(),
            reasons,
            label_matches: runs
                .iter()
                .filter(|run| run.expected.label() == run.actual.label())
                .count(),
            outcome_matches: runs.iter().filter(|run| run.outcome_matches()).count(),
            decision_matches: runs
                .iter()
                .filter(|run| {
                    (run.expected == ExpectedOutcome::Contained)
                        == (run.actual == ActualOutcome::Contained)
                })
                .count(),
            checks: runs.iter().map(|run| run.checks).sum(),
            checks_met: runs.iter().map(|run| run.checks_met).sum(),
            latencies,
        }
    }

    /// Share of routine conversations the bot kept.
    pub fn containment(&self) -> f64 {
        ratio(self.routine_contained, self.routine).unwrap_or(0.0)
    }

    /// Share of routine conversations kept with every expectation met.
    pub fn resolution(&self) -> f64 {
        ratio(self.routine_resolved, self.routine).unwrap_or(0.0)
    }

    /// Share of conversations needing a person that the bot handed over (any reason).
    pub fn handover_recall(&self) -> f64 {
        ratio(self.needing_person_handed_over, self.needing_person).unwrap_or(0.0)
    }

    /// Share of conversations with the right label (contained, or the right reason).
    pub fn label_accuracy(&self) -> f64 {
        ratio(self.label_matches, self.conversations).unwrap_or(0.0)
    }

    /// Share of conversations with the right label and, for handovers, the right turn.
    pub fn outcome_accuracy(&self) -> f64 {
        ratio(self.outcome_matches, self.conversations).unwrap_or(0.0)
    }

    /// Share of conversations where handing over or not was the right call.
    pub fn decision_accuracy(&self) -> f64 {
        ratio(self.decision_matches, self.conversations).unwrap_or(0.0)
    }

    /// Share of per-turn checks met.
    pub fn check_rate(&self) -> f64 {
        ratio(self.checks_met, self.checks).unwrap_or(0.0)
    }

    /// The figures of one reason.
    pub fn reason(&self, reason: HandoverReason) -> ReasonFigures {
        self.reasons
            .iter()
            .copied()
            .find(|figures| figures.reason == reason)
            .unwrap_or(ReasonFigures {
                reason,
                expected: 0,
                predicted: 0,
                correct: 0,
            })
    }

    /// The `percent`-th percentile of the turn latencies (nearest rank).
    pub fn latency_percentile(&self, percent: f64) -> Duration {
        percentile(&self.latencies, percent)
    }
}

/// The nearest-rank percentile of sorted `values`.
pub fn percentile(sorted: &[Duration], percent: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // The rank is at most the length, so the cast cannot truncate anything that matters.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let rank = ((percent / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[allow(clippy::cast_precision_loss)] // counts of conversations, far below 2^52
fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}
