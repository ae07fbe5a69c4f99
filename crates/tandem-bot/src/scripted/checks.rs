//! What each turn and each conversation is held to: the dialogue's structural promises (hard:
//! a broken one is a violation), the script's per-turn expectations and the expected outcome
//! (soft: a miss), and the short descriptions the findings use.

use serde_json::Value;
use tandem_domain::event::HandoverReason;
use tandem_nlu::Language;

use super::run::{ActualOutcome, ConversationRun, Finding};
use super::script::{
    Conversation, ExpectedOutcome, ExpectedTurnKind, ScriptedTurn, availability_of,
};
use crate::action::ActionOutcome;
use crate::dialogue::{BotTurn, Reply, TurnOutcome};
use crate::messages::handover_message;
use crate::profile::{BotProfile, MessageKind};
use crate::template::Template;

/// Everything a turn's checks look at.
pub(super) struct TurnRecord<'a> {
    pub(super) number: usize,
    pub(super) turn: &'a BotTurn,
    pub(super) action_turn: Option<&'a BotTurn>,
    pub(super) simulated: Option<&'a ActionOutcome>,
}

impl TurnRecord<'_> {
    /// The turn's last word: the action's turn when there was one, else the turn itself.
    pub(super) fn final_turn(&self) -> &BotTurn {
        self.action_turn.unwrap_or(self.turn)
    }

    /// Every reply of the turn, the action's included.
    fn replies(&self) -> impl Iterator<Item = &Reply> {
        self.turn
            .replies
            .iter()
            .chain(self.action_turn.into_iter().flat_map(|turn| &turn.replies))
    }

    /// The replies' texts, one per line.
    fn text(&self) -> String {
        self.replies()
            .map(|reply| reply.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The structural promises of one turn; returns 1 when the turn greeted.
pub(super) fn check_structure(
    profile: &BotProfile,
    today: jiff::civil::Date,
    run: &mut ConversationRun,
    conversation: &Conversation,
    record: &TurnRecord<'_>,
    said_digits: &[String],
) -> usize {
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
                    &availability_of(conversation, today),
                    &conversation.attributes,
                    Some(decision.reason),
                );
                if turn.replies.last().map(|reply| reply.text.as_str()) != Some(expected.as_str()) {
                    violate(format!(
                        "the {} handover does not end with the handover message",
                        decision.reason
                    ));
                }
                if turn.action.is_some() {
                    violate("a handover turn also requests an action".to_owned());
                }
                if turn.new_state.pending_slot.is_some() || turn.new_state.pending_action.is_some()
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
        match result_values(profile, outcome, action_turn.language) {
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
    profile: &BotProfile,
    outcome: &ActionOutcome,
    language: Language,
) -> Option<Result<Vec<String>, String>> {
    let ActionOutcome::Succeeded { intent, result } = outcome else {
        return None;
    };
    let source = profile
        .intent(intent)
        .and_then(|intent| intent.action.as_ref())
        .and_then(|action| action.reply.get_or(language, profile.languages.default))
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
pub(super) fn check_expectations(
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
pub(super) fn check_outcome(run: &mut ConversationRun) {
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
