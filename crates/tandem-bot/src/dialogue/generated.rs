//! Answers written by the account's language model: the intents marked `generative`, the
//! passages a model may answer from, and the turn rewritten with a checked answer — or, when
//! the model is unavailable and nothing else answers, handed to a person (`ai_unavailable`).

use tandem_ai::{Citation, Passage};
use tandem_domain::contact::Attributes;
use tandem_domain::event::HandoverReason;
use tandem_nlu::{Analysis, Engine, Language};

use super::state::Answered;
use super::turn::{Bot, BotTurn, Draft, Generation, Reply, TurnOutcome};
use crate::messages::{TeamAvailability, handover_message, render_message};
use crate::policy::{Evidence, HandoverDecision};
use crate::profile::{Intent, MessageKind};

/// "Source" in each language, before the articles a generated answer cites.
fn source_label(language: Language) -> &'static str {
    match language {
        Language::Portuguese => "Fonte",
        Language::Spanish => "Fuente",
        Language::English => "Source",
    }
}

impl Bot<'_> {
    /// Serves an intent marked `generative`: its reply or article (or the knowledge base)
    /// as the answer without a model, and the request that the model answer instead.
    pub(super) fn serve_generative(
        &self,
        draft: Draft<'_>,
        intent: &Intent,
        analysis: &Analysis,
    ) -> BotTurn {
        let mut turn = self.answer_intent(draft, intent, analysis);
        let has_offline_answer = matches!(turn.outcome, TurnOutcome::Answered { .. });
        turn.generate = Some(Generation {
            intent: Some(intent.name.clone()),
            has_offline_answer,
        });
        turn
    }

    /// The articles a model may answer `text` from, in `language`, best first: at most the
    /// profile's `generative_answers.passages`, and none when even the best one covers less
    /// than `minimum_coverage` of the question (weak retrieval: the bot says it does not
    /// know rather than let a model guess).
    pub fn passages(&self, engine: &Engine, text: &str, language: Language) -> Vec<Passage> {
        let settings = &self.profile.generative_answers;
        let Ok(hits) = engine.related_articles(text, language, settings.passages) else {
            return Vec::new();
        };
        if hits
            .first()
            .is_none_or(|best| best.coverage < settings.minimum_coverage)
        {
            return Vec::new();
        }
        let default = self.profile.languages.default;
        hits.iter()
            .filter_map(|hit| self.profile.article(&hit.article_id))
            .filter_map(|article| {
                Some(Passage {
                    article_id: article.id.clone(),
                    title: article.title.get_or(language, default)?.clone(),
                    body: article.body.get_or(language, default)?.clone(),
                    url: article.url.clone(),
                })
            })
            .collect()
    }

    /// `turn` with its answer replaced by a checked generated `text` citing `citations` (title,
    /// and link when the article has one), followed by the reminder that a person is
    /// available.
    pub fn with_generated_answer(
        &self,
        mut turn: BotTurn,
        text: &str,
        citations: &[Citation],
        attributes: &Attributes,
    ) -> BotTurn {
        let language = turn.language;
        let sources: Vec<String> = citations
            .iter()
            .map(|citation| match &citation.url {
                Some(url) => format!("{} ({url})", citation.title),
                None => citation.title.clone(),
            })
            .collect();
        let hint = render_message(
            self.profile,
            MessageKind::PersonHint,
            language,
            attributes,
            &[],
        );
        let mut answer = text.trim().to_owned();
        if !sources.is_empty() {
            answer = format!(
                "{answer}\n\n{}: {}",
                source_label(language),
                sources.join("; ")
            );
        }
        let reply = Reply {
            text: format!("{answer}\n\n{hint}"),
            cites_article: citations.first().map(|c| c.article_id.clone()),
        };
        match turn.replies.last_mut() {
            Some(last) => *last = reply,
            None => turn.replies.push(reply),
        }
        let intent = turn
            .generate
            .take()
            .and_then(|generation| generation.intent);
        if let Some(first) = citations.first() {
            turn.new_state.remember_answer(Answered::Article {
                article_id: first.article_id.clone(),
            });
        }
        turn.outcome = TurnOutcome::Answered {
            intent,
            article_id: citations.first().map(|c| c.article_id.clone()),
        };
        turn
    }

    /// `turn` when the model could not be used (`failure`: down, slow, over budget): its
    /// own answer when it has one, otherwise a handover with the reason `ai_unavailable`, and
    /// the customer is told a person is coming.
    pub fn without_model(
        &self,
        mut turn: BotTurn,
        failure: &str,
        availability: &TeamAvailability,
        attributes: &Attributes,
    ) -> BotTurn {
        let Some(generation) = turn.generate.take() else {
            return turn;
        };
        if generation.has_offline_answer || generation.intent.is_none() {
            return turn;
        }
        let message = handover_message(self.profile, turn.language, availability, attributes);
        turn.replies.pop();
        turn.replies.push(Reply {
            text: message,
            cites_article: None,
        });
        turn.new_state.pending_slot = None;
        turn.new_state.pending_clarification.clear();
        turn.new_state.pending_action = None;
        turn.handover = Some(HandoverDecision {
            reason: HandoverReason::AiUnavailable,
            evidence: Evidence::AiUnavailable {
                intent: generation.intent,
                failure: failure.to_owned(),
            },
        });
        turn.outcome = TurnOutcome::HandedOver;
        turn
    }
}
