//! The scripted demo conversations (`scripts/demo-conversations.yaml`, at least 60, pt/es/en,
//! half routine and half needing a person) played through the real engine and dialogue.
//!
//! What is asserted hard, and what only in aggregate:
//!
//! * **Hard** — the script itself (size, language mix, every handover reason covered) and
//!   the dialogue's *structural* promises on every turn of every conversation: the last
//!   reply reminds the customer a person is available, the bot greets once, a handover ends
//!   with the handover message and leaves nothing pending, an action carries a CPF the
//!   customer actually typed, a complete action result is rendered with every field and a
//!   failed or incomplete one hands over for `action_failed`, no `{variable}` leaks into a
//!   reply, and two plays are identical (the bot is pure). None of these depends on how the
//!   classifier scores a sentence, so one broken conversation is one bug.
//! * **Floors** — whether each conversation ends as a good bot would (contained, or handed
//!   over for the right reason on the right turn) and the per-turn expectations (asks for the
//!   CPF, cites the right article...). These rest on a statistical engine: a profile edit or
//!   a retrained model legitimately moves a conversation or two either way, and failing CI
//!   for that would push people to rewrite expectations to match the bot. So the test asserts
//!   floors set one conversation (or a few checks) below what the bot reaches today: a real
//!   regression fails, noise does not. Every failure message lists each conversation that
//!   missed, with its id and turn, so the regression is visible at once.
//!
//! Latency is not asserted here (debug build, shared CI cores); `examples/bot_eval.rs`
//! measures it in release.

use std::sync::LazyLock;
use std::time::Duration;

use tandem_bot::scripted::{
    self, ConversationRun, ExpectedOutcome, Figures, Player, Script, SimulatedAction,
};
use tandem_bot::{BotProfile, demo_profile};
use tandem_domain::event::HandoverReason;
use tandem_nlu::{Engine, Language};

static PROFILE: LazyLock<BotProfile> = LazyLock::new(demo_profile);

static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    Engine::new(&PROFILE.engine_config()).expect("the demo profile trains an engine")
});

static SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    scripted::load_script(scripted::SCRIPT_YAML, &PROFILE)
        .unwrap_or_else(|problems| panic!("scripts/demo-conversations.yaml:\n{problems}"))
});

static RUNS: LazyLock<Vec<ConversationRun>> = LazyLock::new(|| player().play_all());

fn player() -> Player<'static> {
    Player {
        profile: &PROFILE,
        engine: &ENGINE,
        script: &SCRIPT,
    }
}

fn figures() -> Figures {
    Figures::of(&RUNS)
}

/// Every miss of the runs `select` keeps, one line each: `id turn N: what happened`.
fn misses(select: impl Fn(&ConversationRun) -> bool) -> String {
    let lines: Vec<String> = RUNS
        .iter()
        .filter(|run| select(run))
        .flat_map(|run| {
            run.misses
                .iter()
                .map(move |miss| format!("  {} {miss}", run.id))
        })
        .collect();
    if lines.is_empty() {
        "  (none)".to_owned()
    } else {
        lines.join("\n")
    }
}

// ── Floors ──────────────────────────────────────────────────────────────────────────────
// Measured on the demo profile (79 conversations), each floor a conversation or two below
// today's figure: e.g. containment is 42/42 today; the floor 0.95 lets two routine
// conversations slip (40/42 = 95.2%) and fails on a third (39/42 = 92.9%).
// Raise a floor when the bot gets better; never lower one to make a regression pass.

/// Routine conversations kept by the bot (today 42/42).
const CONTAINMENT_FLOOR: f64 = 0.95;
/// Routine conversations kept with every per-turn expectation met (today 38/42).
const RESOLUTION_FLOOR: f64 = 0.85;
/// Conversations needing a person that the bot handed over, whatever the reason (today 37/37).
const HANDED_OVER_FLOOR: f64 = 0.94;
/// Conversations with the right label, contained or the right reason (today 79/79).
const LABEL_ACCURACY_FLOOR: f64 = 0.96;
/// Per-turn expectations met (today 268/276): a few checks of slack.
const CHECK_RATE_FLOOR: f64 = 0.95;

/// (reason, precision floor, recall floor), one conversation of slack on each side. Today:
/// customer_request 8/8 and 8/8; negative_sentiment 5/5 and 5/5; bot_failure 5/5 and 5/5;
/// sensitive_topic 8/8 and 8/8;
/// high_value 3/3 and 3/3; action_failed 4/4 and 4/4; complexity 4/4 and 4/4.
const REASON_FLOORS: [(HandoverReason, f64, f64); 7] = [
    (HandoverReason::CustomerRequest, 0.87, 0.87),
    (HandoverReason::NegativeSentiment, 0.8, 0.8),
    (HandoverReason::BotFailure, 0.8, 0.8),
    (HandoverReason::SensitiveTopic, 0.85, 0.85),
    (HandoverReason::HighValue, 0.75, 0.66),
    (HandoverReason::ActionFailed, 0.75, 0.75),
    (HandoverReason::Complexity, 0.75, 0.75),
];

#[test]
fn the_script_has_sixty_mixed_conversations_half_routine_covering_every_reason() {
    let conversations = &SCRIPT.conversations;
    assert!(
        conversations.len() >= 60,
        "{} conversations",
        conversations.len()
    );
    for language in Language::ALL {
        let count = conversations
            .iter()
            .filter(|conversation| conversation.language == language)
            .count();
        assert!(count >= 15, "only {count} {language:?} conversations");
    }
    let routine = conversations
        .iter()
        .filter(|conversation| conversation.expect == ExpectedOutcome::Contained)
        .count();
    let share = routine as f64 / conversations.len() as f64;
    assert!(
        (0.4..=0.6).contains(&share),
        "{routine} of {} conversations are routine",
        conversations.len()
    );
    // The script runs offline: no language model there can be unavailable.
    for reason in HandoverReason::ALL
        .into_iter()
        .filter(|reason| *reason != HandoverReason::AiUnavailable)
    {
        let count = conversations
            .iter()
            .filter(|conversation| conversation.expect.label() == scripted::Label::Handover(reason))
            .count();
        assert!(count >= 3, "only {count} conversations expect {reason}");
    }
    let simulated: Vec<&SimulatedAction> = conversations
        .iter()
        .flat_map(|conversation| &conversation.turns)
        .filter_map(|turn| turn.action.as_ref())
        .collect();
    let has = |wanted: fn(&SimulatedAction) -> bool| simulated.iter().any(|action| wanted(action));
    assert!(has(|action| matches!(
        action,
        SimulatedAction::Word(scripted::ActionWord::Ok)
    )));
    assert!(has(|action| matches!(
        action,
        SimulatedAction::Result { .. }
    )));
    assert!(has(|action| matches!(
        action,
        SimulatedAction::Word(scripted::ActionWord::Timeout)
    )));
    assert!(has(|action| matches!(
        action,
        SimulatedAction::Word(scripted::ActionWord::Network)
    )));
    assert!(has(|action| matches!(
        action,
        SimulatedAction::Status { .. }
    )));
}

#[test]
fn no_conversation_breaks_a_structural_promise_of_the_dialogue() {
    let violations: Vec<String> = RUNS
        .iter()
        .flat_map(|run| {
            run.violations
                .iter()
                .map(move |violation| format!("  {} {violation}", run.id))
        })
        .collect();
    assert!(
        violations.is_empty(),
        "structural violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn playing_the_script_twice_gives_the_same_conversations() {
    let again = player().play_all();
    for (first, second) in RUNS.iter().zip(&again) {
        assert_eq!(first.actual, second.actual, "{}", first.id);
        assert_eq!(first.transcript, second.transcript, "{}", first.id);
    }
}

#[test]
fn routine_conversations_stay_with_the_bot() {
    let figures = figures();
    let routine_misses = misses(|run| run.expected == ExpectedOutcome::Contained);
    assert!(
        figures.containment() >= CONTAINMENT_FLOOR,
        "containment {}/{} = {:.3} < {CONTAINMENT_FLOOR}; routine misses:\n{routine_misses}",
        figures.routine_contained,
        figures.routine,
        figures.containment(),
    );
    assert!(
        figures.resolution() >= RESOLUTION_FLOOR,
        "routine conversations resolved as scripted {}/{} = {:.3} < {RESOLUTION_FLOOR}; \
         routine misses:\n{routine_misses}",
        figures.routine_resolved,
        figures.routine,
        figures.resolution(),
    );
}

#[test]
fn conversations_needing_a_person_are_handed_over_for_the_right_reason() {
    let figures = figures();
    let all_outcome_misses = misses(|run| !run.outcome_matches());
    assert!(
        figures.handover_recall() >= HANDED_OVER_FLOOR,
        "handed over {}/{} = {:.3} < {HANDED_OVER_FLOOR}; misclassified:\n{all_outcome_misses}",
        figures.needing_person_handed_over,
        figures.needing_person,
        figures.handover_recall(),
    );
    assert!(
        figures.label_accuracy() >= LABEL_ACCURACY_FLOOR,
        "label accuracy {}/{} = {:.3} < {LABEL_ACCURACY_FLOOR}; misclassified:\n{all_outcome_misses}",
        figures.label_matches,
        figures.conversations,
        figures.label_accuracy(),
    );
    let mut failures = Vec::new();
    for (reason, precision_floor, recall_floor) in REASON_FLOORS {
        let measured = figures.reason(reason);
        // No handover for this reason at all is a recall problem, reported below.
        let precision = measured.precision().unwrap_or(1.0);
        let recall = measured.recall().unwrap_or(1.0);
        if precision < precision_floor || recall < recall_floor {
            let label = scripted::Label::Handover(reason);
            failures.push(format!(
                "{reason}: precision {}/{} = {precision:.3} (floor {precision_floor}), \
                 recall {}/{} = {recall:.3} (floor {recall_floor}); its misses:\n{}",
                measured.correct,
                measured.predicted,
                measured.correct,
                measured.expected,
                misses(|run| {
                    !run.outcome_matches()
                        && (run.expected.label() == label || run.actual.label() == label)
                }),
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn per_turn_expectations_are_met_above_the_floor() {
    let figures = figures();
    assert!(
        figures.check_rate() >= CHECK_RATE_FLOOR,
        "per-turn expectations met {}/{} = {:.3} < {CHECK_RATE_FLOOR}; misses:\n{}",
        figures.checks_met,
        figures.checks,
        figures.check_rate(),
        misses(|_| true),
    );
}

#[test]
fn unrendered_template_variables_are_spotted() {
    assert!(scripted::has_unrendered_variable("R$ {result.amount} até"));
    assert!(scripted::has_unrendered_variable(
        "Olá {first_name|cliente}!"
    ));
    assert!(!scripted::has_unrendered_variable("R$ 189,90 {"));
    assert!(!scripted::has_unrendered_variable("um { solto } e {}"));
}

#[test]
fn percentiles_are_nearest_rank() {
    let values: Vec<Duration> = (1..=20).map(Duration::from_millis).collect();
    assert_eq!(
        scripted::percentile(&values, 50.0),
        Duration::from_millis(10)
    );
    assert_eq!(
        scripted::percentile(&values, 95.0),
        Duration::from_millis(19)
    );
    assert_eq!(
        scripted::percentile(&values, 100.0),
        Duration::from_millis(20)
    );
    assert_eq!(scripted::percentile(&[], 50.0), Duration::ZERO);
}
