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
        // The question was answered: it does not count towards `bot_failure`.
        turn.new_state.memory.failure_streak = 0;
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
        let message = handover_message(
            self.profile,
            turn.language,
            availability,
            attributes,
            Some(HandoverReason::AiUnavailable),
        );
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

#[cfg(test)]
mod tests {
    use tandem_domain::contact::Attributes;

    use super::*;
    use crate::dialogue::{BotState, CustomerTurn};
    use crate::testing::{ENGINE, PROFILE, today};

    fn turn(text: &str) -> BotTurn {
        let state = BotState::new();
        let analysis = ENGINE
            .analyze(text, &state.analysis_context(today()))
            .unwrap();
        Bot::new(&PROFILE).turn(
            &state,
            &CustomerTurn {
                text,
                analysis: &analysis,
                attributes: &Attributes::new(),
                requested_person: false,
                availability: TeamAvailability::default(),
            },
        )
    }

    #[test]
    fn a_generative_intent_asks_for_a_generated_answer_and_keeps_its_article() {
        let fees = turn("vocês cobram tarifa de manutenção da conta?");
        assert_eq!(
            fees.generate,
            Some(Generation {
                intent: Some("fees".into()),
                has_offline_answer: true,
            })
        );
        assert_eq!(
            fees.replies.last().unwrap().cites_article.as_deref(),
            Some("fees")
        );
    }

    #[test]
    fn an_ordinary_intent_asks_for_nothing() {
        assert_eq!(turn("qual o limite do pix à noite?").generate, None);
    }

    #[test]
    fn passages_come_from_the_articles_in_the_customers_language() {
        let bot = Bot::new(&PROFILE);
        let passages = bot.passages(
            &ENGINE,
            "quanto custa sacar no caixa 24 horas?",
            Language::Portuguese,
        );
        assert!(!passages.is_empty());
        assert!(passages.len() <= PROFILE.generative_answers.passages);
        assert!(
            passages.iter().any(|p| p.article_id == "fees"),
            "{passages:?}"
        );
        assert!(passages[0].body.contains("R$"));
        assert!(
            bot.passages(&ENGINE, "zzzz qqqq", Language::Portuguese)
                .is_empty()
        );
    }

    #[test]
    fn a_generated_answer_replaces_the_turns_own_and_cites_its_sources() {
        let bot = Bot::new(&PROFILE);
        let fees = turn("vocês cobram tarifa de manutenção da conta?");
        let citations = [Citation {
            article_id: "fees".into(),
            title: "Tarifas e taxas da conta".into(),
            url: Some("https://aurora.example/ajuda/tarifas".into()),
        }];
        let answered = bot.with_generated_answer(
            fees,
            "A conta Aurora não tem mensalidade.",
            &citations,
            &Attributes::new(),
        );
        let last = answered.replies.last().unwrap();
        assert!(last.text.starts_with("A conta Aurora não tem mensalidade.\n\nFonte: Tarifas e taxas da conta (https://aurora.example/ajuda/tarifas)"), "{}", last.text);
        assert_eq!(last.cites_article.as_deref(), Some("fees"));
        assert_eq!(answered.generate, None);
        assert_eq!(
            answered.outcome,
            TurnOutcome::Answered {
                intent: Some("fees".into()),
                article_id: Some("fees".into()),
            }
        );
    }

    #[test]
    fn without_a_model_the_turns_own_answer_stands_unless_it_has_none() {
        let bot = Bot::new(&PROFILE);
        let fees = turn("vocês cobram tarifa de manutenção da conta?");
        let replies = fees.replies.clone();
        let kept = bot.without_model(
            fees,
            "timeout",
            &TeamAvailability::default(),
            &Attributes::new(),
        );
        assert_eq!(kept.replies, replies);
        assert_eq!(kept.handover, None);

        let mut nothing_else = turn("vocês cobram tarifa de manutenção da conta?");
        nothing_else.generate = Some(Generation {
            intent: Some("fees".into()),
            has_offline_answer: false,
        });
        let handed = bot.without_model(
            nothing_else,
            "over_budget",
            &TeamAvailability::default(),
            &Attributes::new(),
        );
        let decision = handed.handover.expect("a handover");
        assert_eq!(decision.reason, HandoverReason::AiUnavailable);
        assert_eq!(handed.outcome, TurnOutcome::HandedOver);
        assert!(
            handed.replies.last().unwrap().text.contains("pessoa"),
            "{:?}",
            handed.replies
        );
    }
}
