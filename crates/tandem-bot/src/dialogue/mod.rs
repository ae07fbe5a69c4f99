//! The bot's turn as a pure state machine: the conversation's [`BotState`], the profile and
//! the engine's analysis of the customer's message in; replies, an optional HTTP action, an
//! optional handover decision and the next state out. A second function turns an action's
//! outcome into the reply.
//!
//! One customer turn, in order: the handover policy (a firing rule ends the turn with the
//! "a person is coming" message); the greeting, once per conversation; the answer to a
//! pending clarification or slot question; small talk; "did you mean A or B?" when the two
//! best intents are too close; then the intent (slots, action, reply template or article) or
//! the knowledge base, or "I did not understand". Every answer ends with the reminder that a
//! person is available on request, in the customer's language.

mod clarify;
mod external;
mod generated;
mod slots;
mod state;
mod turn;

use tandem_domain::contact::Attributes;
use tandem_domain::event::HandoverReason;
use tandem_nlu::{Analysis, IntentScore, Language};

pub use external::{ExternalHandover, ExternalReply};
pub use state::{Answered, BotState, PendingSlot};
pub use turn::{Bot, BotTurn, CustomerTurn, Generation, Reply, TurnOutcome};

use crate::action::{ActionFailure, ActionFailureKind, ActionOutcome, build_request, result_field};
use crate::messages::{TeamAvailability, render_message, render_text};
use crate::policy::{self, Evidence, HandoverDecision, PolicyInput};
use crate::profile::{Intent, MessageKind};
use crate::small_talk::{self, SmallTalk};
use crate::template::Template;
use slots::SlotAnswer;
use turn::Draft;

/// Where the answer to a slot question leaves the turn.
// A step lives for one call and is matched at once; boxing either variant would only add an
// allocation per customer message.
#[allow(clippy::large_enum_variant)]
enum SlotStep<'d> {
    /// The turn is decided.
    Answered(BotTurn),
    /// The customer changed the subject: the turn goes on as a fresh request.
    ChangedSubject(Draft<'d>),
}

impl<'p> Bot<'p> {
    /// Answers one customer message.
    pub fn turn(&self, state: &BotState, input: &CustomerTurn<'_>) -> BotTurn {
        let profile = self.profile;
        let analysis = input.analysis;
        let language = profile.supported_language(analysis.language.language);
        let expects_answer =
            state.pending_slot.is_some() || !state.pending_clarification.is_empty();
        let policy_input = PolicyInput {
            text: input.text,
            likelihoods: self.likelihoods(input.text, language),
            analysis,
            language,
            attributes: input.attributes,
            memory: &state.memory,
            expects_answer,
            requested_person: input.requested_person,
            action_failure: None,
        };
        let failed = policy::is_failed_turn(profile, &policy_input);
        let mut next = state.clone();
        next.language = Some(language);
        next.memory = state
            .memory
            .after_turn(input.text, language, analysis, failed);
        next.pending_clarification.clear();
        slots::remember_identity(profile, analysis, &mut next.slots);
        let mut draft = Draft {
            state: next,
            language,
            attributes: input.attributes,
            availability: input.availability,
            replies: Vec::new(),
            greeted_now: false,
        };
        if let Some(decision) = policy::evaluate(profile, &policy_input) {
            return self.hand_over(draft, decision);
        }
        if !draft.state.has_greeted {
            let greeting = self.greeting(language, input.attributes);
            draft.say(greeting);
            draft.state.has_greeted = true;
            draft.greeted_now = true;
        }

        if !state.pending_clarification.is_empty()
            && let Some(chosen) = clarify::resolve(
                profile,
                &state.pending_clarification,
                input.text,
                language,
                analysis,
            )
        {
            return self.serve(draft, &chosen, analysis);
        }
        let top = analysis.intents.first();
        let is_confident = !analysis.out_of_scope
            && top.is_some_and(|top| top.confidence >= profile.understanding.minimum_confidence);
        if let [first, second] = state.pending_clarification.as_slice()
            && !is_confident
            && small_talk::detect(input.text, language).is_none()
        {
            // Neither option was picked nor a new subject raised (a CPF, say, which is kept):
            // the question stands.
            return self.ask_to_clarify(draft, input.attributes, first.clone(), second.clone());
        }
        if let Some(pending) = &state.pending_slot {
            draft.state.pending_slot = None;
            draft = match self.answer_pending_slot(draft, pending, input) {
                SlotStep::Answered(turn) => return turn,
                SlotStep::ChangedSubject(draft) => draft,
            };
        }

        match small_talk::detect(input.text, language) {
            Some(SmallTalk::Greeting) => {
                return self.small_talk(draft, SmallTalk::Greeting, state);
            }
            Some(kind) if !is_confident => return self.small_talk(draft, kind, state),
            _ => {}
        }
        if let Some([first, second]) = clarify::candidates(profile, analysis) {
            return self.ask_to_clarify(draft, input.attributes, first.intent, second.intent);
        }
        match top {
            Some(top) if is_confident => self.serve(draft, top, analysis),
            _ => self.answer_from_knowledge_base(draft, analysis),
        }
    }

    /// The intent the bot identified in `analysis`: the best one, when the message is in scope
    /// and it is as confident as the bot must be to act on it (`understanding.
    /// minimum_confidence`). Anything less is shown to people as not identified, never as a
    /// known intent with a low number beside it.
    pub fn identified_intent<'a>(&self, analysis: &'a Analysis) -> Option<&'a IntentScore> {
        analysis.intents.first().filter(|top| {
            !analysis.out_of_scope
                && top.confidence >= self.profile.understanding.minimum_confidence
        })
    }

    /// How the bot names an intent to people and customers, in `language`.
    pub fn intent_label(&self, intent: &str, language: Language) -> String {
        clarify::label(self.profile, intent, language)
    }

    /// How the bot names `options` (intents) when offering them as choices: their labels in
    /// `language`, as the clarifying question does.
    pub fn choice_labels(&self, options: &[String], language: Language) -> Vec<String> {
        options
            .iter()
            .map(|intent| clarify::label(self.profile, intent, language))
            .collect()
    }

    /// Asks which of two intents the customer means.
    fn ask_to_clarify(
        &self,
        mut draft: Draft<'_>,
        attributes: &Attributes,
        first: String,
        second: String,
    ) -> BotTurn {
        let language = draft.language;
        let question = render_message(
            self.profile,
            MessageKind::Clarify,
            language,
            attributes,
            &[
                ("first", clarify::label(self.profile, &first, language)),
                ("second", clarify::label(self.profile, &second, language)),
            ],
        );
        draft.say(question);
        let options = vec![first, second];
        draft.state.pending_clarification.clone_from(&options);
        self.finish(draft, TurnOutcome::Clarifying { options })
    }

    /// Turns an action's outcome into the reply, or into an `action_failed` handover.
    pub fn action_result(
        &self,
        state: &BotState,
        outcome: &ActionOutcome,
        attributes: &Attributes,
        availability: TeamAvailability,
    ) -> BotTurn {
        let language = state.language.unwrap_or(self.profile.languages.default);
        let mut draft = Draft {
            state: state.clone(),
            language,
            attributes,
            availability,
            replies: Vec::new(),
            greeted_now: false,
        };
        if state.pending_action.as_deref() != Some(outcome.intent()) {
            return self.finish(draft, TurnOutcome::Ignored);
        }
        draft.state.pending_action = None;
        let intent_name = outcome.intent().to_owned();
        let failure = match outcome {
            ActionOutcome::Failed { failure, .. } => failure.clone(),
            ActionOutcome::Succeeded { result, .. } => {
                match self.render_action_reply(&draft, &intent_name, result) {
                    Ok(text) => {
                        draft.say(text);
                        draft.state.remember_answer(Answered::Action {
                            intent: intent_name.clone(),
                        });
                        return self.finish(
                            draft,
                            TurnOutcome::Answered {
                                intent: Some(intent_name),
                                article_id: None,
                            },
                        );
                    }
                    Err(failure) => failure,
                }
            }
        };
        if let Some(decision) = policy::on_action_failure(self.profile, &intent_name, &failure) {
            return self.hand_over(draft, decision);
        }
        let apology = render_message(
            self.profile,
            MessageKind::ActionUnavailable,
            language,
            attributes,
            &[],
        );
        draft.say(apology);
        self.finish(draft, TurnOutcome::ActionUnavailable)
    }

    fn greeting(&self, language: Language, attributes: &Attributes) -> String {
        let profile = self.profile;
        let source = profile
            .persona
            .greeting
            .get_or(language, profile.languages.default)
            .map_or("", String::as_str);
        render_text(profile, source, attributes, |_| None)
    }

    /// Handles the answer to a slot question; gives the draft back when the customer changed
    /// the subject and the turn goes on as a fresh request.
    fn answer_pending_slot<'d>(
        &self,
        mut draft: Draft<'d>,
        pending: &PendingSlot,
        input: &CustomerTurn<'_>,
    ) -> SlotStep<'d> {
        let profile = self.profile;
        let Some((intent, slot)) = profile.intent(&pending.intent).and_then(|intent| {
            let slot = intent.slots.iter().find(|slot| slot.name == pending.slot)?;
            Some((intent, slot))
        }) else {
            // The profile changed since the question was asked.
            return SlotStep::ChangedSubject(draft);
        };
        let answer = slots::answer(
            slot,
            &pending.intent,
            input.text,
            input.analysis,
            profile.understanding.minimum_confidence,
        );
        match answer {
            SlotAnswer::ChangedSubject => SlotStep::ChangedSubject(draft),
            SlotAnswer::Filled(value) => {
                draft.state.slots.insert(slot.name.clone(), value);
                let score = IntentScore {
                    intent: pending.intent.clone(),
                    confidence: 1.0,
                };
                SlotStep::Answered(self.serve(draft, &score, input.analysis))
            }
            SlotAnswer::Invalid => {
                let attempts = pending.attempts.saturating_add(1);
                if attempts >= slot.max_attempts {
                    if !profile.handover.bot_failure.enabled {
                        return SlotStep::Answered(self.not_understood(draft));
                    }
                    let decision = HandoverDecision {
                        reason: HandoverReason::BotFailure,
                        evidence: Evidence::SlotAttemptsExhausted {
                            intent: pending.intent.clone(),
                            slot: slot.name.clone(),
                            attempts,
                        },
                    };
                    return SlotStep::Answered(self.hand_over(draft, decision));
                }
                let invalid = render_message(
                    profile,
                    MessageKind::InvalidSlot,
                    draft.language,
                    draft.attributes,
                    &[],
                );
                let prompt = self.slot_prompt(&draft, intent, &slot.name);
                draft.say(format!("{invalid} {prompt}"));
                draft.state.pending_slot = Some(PendingSlot {
                    intent: pending.intent.clone(),
                    slot: slot.name.clone(),
                    attempts,
                });
                let outcome = TurnOutcome::AskedForSlot {
                    intent: pending.intent.clone(),
                    slot: slot.name.clone(),
                };
                SlotStep::Answered(self.finish(draft, outcome))
            }
        }
    }

    /// Answers small talk; `before` is the state the turn started from.
    fn small_talk(&self, mut draft: Draft<'_>, kind: SmallTalk, before: &BotState) -> BotTurn {
        let message = match kind {
            SmallTalk::Greeting if draft.greeted_now => None,
            SmallTalk::Greeting => Some(MessageKind::AnythingElse),
            SmallTalk::Thanks => Some(MessageKind::Thanks),
            SmallTalk::Acknowledgement => None,
        };
        if let Some(message) = message {
            let text = render_message(self.profile, message, draft.language, draft.attributes, &[]);
            draft.say(text);
        }
        let resolves =
            kind == SmallTalk::Thanks && self.profile.closing.on_thanks && before.has_served();
        let mut turn = self.finish(draft, TurnOutcome::SmallTalk);
        turn.resolves = resolves;
        turn
    }

    /// Serves an intent: hand over, collect slots, run the action, or answer.
    fn serve(&self, mut draft: Draft<'_>, score: &IntentScore, analysis: &Analysis) -> BotTurn {
        let profile = self.profile;
        let Some(intent) = profile.intent(&score.intent) else {
            return self.answer_from_knowledge_base(draft, analysis);
        };
        draft.state.last_intent = Some(intent.name.clone());
        if intent.generative {
            return self.serve_generative(draft, intent, analysis);
        }
        if intent.handover {
            // A weak guess at a topic that goes to people is not enough to send it there: the
            // bar is the sensitive-topic rule's.
            if score.confidence < profile.handover.sensitive_topic.minimum_confidence {
                return self.answer_from_knowledge_base(draft, analysis);
            }
            let decision = HandoverDecision {
                reason: HandoverReason::SensitiveTopic,
                evidence: Evidence::IntentHandover {
                    intent: score.clone(),
                },
            };
            return self.hand_over(draft, decision);
        }
        // Everything the message already gives is kept first ("move my appointment to next
        // Tuesday" gives the date even though the CPF is asked for before it).
        for slot in &intent.slots {
            if !draft.state.slots.contains_key(&slot.name)
                && let Some(value) = slots::value_for(slot, analysis)
            {
                draft.state.slots.insert(slot.name.clone(), value);
            }
        }
        for slot in &intent.slots {
            if draft.state.slots.contains_key(&slot.name) {
                continue;
            }
            let prompt = self.slot_prompt(&draft, intent, &slot.name);
            draft.say(prompt);
            draft.state.pending_slot = Some(PendingSlot {
                intent: intent.name.clone(),
                slot: slot.name.clone(),
                attempts: 0,
            });
            return self.finish(
                draft,
                TurnOutcome::AskedForSlot {
                    intent: intent.name.clone(),
                    slot: slot.name.clone(),
                },
            );
        }
        if let Some(action) = &intent.action
            && let Some(method) = action.method.get()
        {
            let request = build_request(profile, &intent.name, action, *method, &draft.state.slots);
            draft.state.pending_action = Some(intent.name.clone());
            let mut turn = self.finish(
                draft,
                TurnOutcome::ActionRequested {
                    intent: intent.name.clone(),
                },
            );
            turn.action = Some(request);
            return turn;
        }
        self.answer_intent(draft, intent, analysis)
    }

    /// Answers an intent with its reply, its article, or the knowledge base.
    fn answer_intent(&self, mut draft: Draft<'_>, intent: &Intent, analysis: &Analysis) -> BotTurn {
        let profile = self.profile;
        if let Some(reply) = &intent.reply {
            let source = reply
                .get_or(draft.language, profile.languages.default)
                .map_or("", String::as_str);
            let slots = &draft.state.slots;
            let text = render_text(profile, source, draft.attributes, |name| {
                slots.get(name).cloned()
            });
            draft.say(text);
            draft.state.remember_answer(Answered::Intent {
                intent: intent.name.clone(),
            });
            return self.finish(
                draft,
                TurnOutcome::Answered {
                    intent: Some(intent.name.clone()),
                    article_id: None,
                },
            );
        }
        if let Some(article_id) = &intent.article {
            return self.cite(draft, Some(&intent.name), article_id);
        }
        self.answer_from_knowledge_base(draft, analysis)
    }

    /// Quotes the article that best answers the message, or says the bot did not understand;
    /// either way the account's model may answer instead (`generative_answers.fallback`).
    fn answer_from_knowledge_base(&self, draft: Draft<'_>, analysis: &Analysis) -> BotTurn {
        if let Some(hit) = &analysis.kb_hit
            && self.profile.article(&hit.article_id).is_some()
        {
            let mut turn = self.cite(draft, None, &hit.article_id);
            if self.profile.generative_answers.fallback {
                turn.generate = Some(Generation {
                    intent: None,
                    has_offline_answer: true,
                });
            }
            return turn;
        }
        self.not_understood(draft)
    }

    fn not_understood(&self, mut draft: Draft<'_>) -> BotTurn {
        let sorry = render_message(
            self.profile,
            MessageKind::NotUnderstood,
            draft.language,
            draft.attributes,
            &[],
        );
        draft.say(sorry);
        let mut turn = self.finish(draft, TurnOutcome::NotUnderstood);
        if self.profile.generative_answers.fallback {
            turn.generate = Some(Generation {
                intent: None,
                has_offline_answer: false,
            });
        }
        turn
    }

    fn cite(&self, mut draft: Draft<'_>, intent: Option<&str>, article_id: &str) -> BotTurn {
        let profile = self.profile;
        let Some(article) = profile.article(article_id) else {
            return self.not_understood(draft);
        };
        let default = profile.languages.default;
        let title = article
            .title
            .get_or(draft.language, default)
            .map_or("", String::as_str);
        let body = article
            .body
            .get_or(draft.language, default)
            .map_or("", String::as_str);
        draft.replies.push(Reply {
            text: format!("{title}\n{body}"),
            cites_article: Some(article.id.clone()),
        });
        draft.state.remember_answer(Answered::Article {
            article_id: article.id.clone(),
        });
        self.finish(
            draft,
            TurnOutcome::Answered {
                intent: intent.map(str::to_owned),
                article_id: Some(article.id.clone()),
            },
        )
    }

    fn slot_prompt(&self, draft: &Draft<'_>, intent: &Intent, slot_name: &str) -> String {
        let profile = self.profile;
        let source = intent
            .slots
            .iter()
            .find(|slot| slot.name == slot_name)
            .and_then(|slot| {
                slot.prompt
                    .get_or(draft.language, profile.languages.default)
            })
            .map_or("", String::as_str);
        let slots = &draft.state.slots;
        render_text(profile, source, draft.attributes, |name| {
            slots.get(name).cloned()
        })
    }

    /// Renders an action's reply from its JSON result; a field the reply needs but the result
    /// lacks is an invalid result.
    fn render_action_reply(
        &self,
        draft: &Draft<'_>,
        intent_name: &str,
        result: &serde_json::Value,
    ) -> Result<String, ActionFailure> {
        let invalid = |detail: String| ActionFailure {
            kind: ActionFailureKind::InvalidResult { detail },
            attempts: 1,
        };
        let profile = self.profile;
        let action = profile
            .intent(intent_name)
            .and_then(|intent| intent.action.as_ref())
            .ok_or_else(|| invalid(format!("intent {intent_name} has no action")))?;
        let source = action
            .reply
            .get_or(draft.language, profile.languages.default)
            .map_or("", String::as_str);
        if let Ok(template) = Template::parse(source) {
            let missing = template
                .variables()
                .filter(|name| name.starts_with("result."))
                .find(|name| result_field(result, name).is_none());
            if let Some(missing) = missing {
                return Err(invalid(format!("the result has no {missing}")));
            }
        }
        let slots = &draft.state.slots;
        Ok(render_text(profile, source, draft.attributes, |name| {
            result_field(result, name).or_else(|| slots.get(name).cloned())
        }))
    }

    /// Ends a turn that stays with the bot: the last reply reminds the customer that a person
    /// is available.
    fn finish(&self, mut draft: Draft<'_>, outcome: TurnOutcome) -> BotTurn {
        if let Some(last) = draft.replies.last_mut() {
            let hint = render_message(
                self.profile,
                MessageKind::PersonHint,
                draft.language,
                draft.attributes,
                &[],
            );
            last.text = format!("{}\n\n{hint}", last.text);
        }
        BotTurn {
            replies: draft.replies,
            action: None,
            handover: None,
            new_state: draft.state,
            language: draft.language,
            outcome,
            generate: None,
            resolves: false,
        }
    }
}

#[cfg(test)]
mod tests;
