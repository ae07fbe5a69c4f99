//! The handover: when the bot hands a conversation to people, what the person taking over
//! sees first (the handover context), what routing needs to place it, and the handover made
//! when the bot itself cannot help.

use std::sync::Arc;

use serde_json::{Value, json};

use tandem_bot::{BotState, HandoverDecision, suggested_first_reply};
use tandem_domain::contact::Contact;
use tandem_domain::conversation::Conversation;
use tandem_domain::event::{Actor, HandoverReason};
use tandem_domain::id::ConversationId;
use tandem_domain::message::Direction;
use tandem_nlu::masking::mask_text;
use tandem_nlu::{Analysis, ConversationTurn, Language, Speaker};
use tandem_store::{BotHandover, BotTurnRecord, ConversationFilter, RoutingFacts, Store};

use crate::loaded_bot::{LoadedBot, TurnError};
use crate::personal_data::{mask_strings, masked_identity};

/// What the person taking over sees first: why, what the customer wants (summary), how
/// their mood went (sentiment per message), what the bot knows (personal numbers masked)
/// and already answered, the contact's other conversations, and a suggested first reply.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn handover_context(
    store: &Store,
    bot: &Arc<LoadedBot>,
    conversation: &Conversation,
    contact: &Contact,
    decision: &HandoverDecision,
    analysis: Analysis,
    state: &BotState,
    today: jiff::civil::Date,
) -> Result<Value, TurnError> {
    let account_id = conversation.account_id;
    let transcript = store
        .messages(account_id, conversation.id, None, 200)
        .await?
        .messages;
    let filter = ConversationFilter {
        contact_id: Some(conversation.contact_id),
        ..ConversationFilter::default()
    };
    let previous: Vec<Value> = store
        .conversations(account_id, &filter, None, 20)
        .await?
        .conversations
        .into_iter()
        .filter(|other| other.id != conversation.id)
        .map(|other| {
            json!({
                "id": other.id,
                "inbox_id": other.inbox_id,
                "status": other.status.as_str(),
                "created_at": other.created_at,
                "resolved_at": other.resolved_at,
            })
        })
        .collect();
    let bot = Arc::clone(bot);
    let decision = decision.clone();
    let state = state.clone();
    let contact = contact.clone();
    tokio::task::spawn_blocking(move || {
        let context = state.analysis_context(today);
        let turns: Vec<ConversationTurn> = transcript
            .iter()
            .filter(|message| !message.is_private)
            .map(|message| ConversationTurn {
                speaker: match message.sender {
                    Actor::Contact(_) => Speaker::Customer,
                    Actor::Bot | Actor::System => Speaker::Bot,
                    Actor::User(_) => Speaker::Agent,
                },
                text: message.text.clone(),
            })
            .collect();
        let summary = bot.engine.summarize(&turns, &context);
        let trajectory: Vec<Value> = transcript
            .iter()
            .filter(|message| message.direction == Direction::Inbound)
            .filter_map(|message| {
                let score = bot
                    .engine
                    .analyze(&message.text, &context)
                    .ok()?
                    .sentiment
                    .score;
                Some(json!({"message_id": message.id, "at": message.created_at, "score": score}))
            })
            .collect();
        let language = analysis.language.language;
        let first_name = contact
            .attributes
            .get("first_name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| {
                contact
                    .name
                    .as_deref()
                    .and_then(|name| name.split_whitespace().next())
                    .map(str::to_owned)
            });
        let responder = bot.bot();
        let identified = responder.identified_intent(&analysis);
        let topic = identified.map(|score| responder.intent_label(&score.intent, language));
        // The agent may send the suggestion as it is: nothing personal goes back in clear.
        let suggestion = mask_text(&suggested_first_reply(
            &bot.profile,
            language,
            first_name.as_deref(),
            decision.reason,
            topic.as_deref(),
        ));
        let entities: Vec<Value> = analysis
            .entities
            .iter()
            .map(|entity| json!({"kind": entity.kind, "value": entity.masked()}))
            .collect();
        let identities: Vec<Value> = contact
            .identities
            .iter()
            .map(|identity| json!({"kind": identity.kind, "value": masked_identity(identity)}))
            .collect();
        let mut attributes = Value::Object(contact.attributes.clone());
        mask_strings(&mut attributes);
        json!({
            "reason": decision.reason,
            "evidence": decision.evidence_json(),
            "language": language.code(),
            "summary": summary,
            "top_intent": identified.map(|top| json!({
                "intent": top.intent,
                "label": topic,
                "confidence": top.confidence,
            })),
            "out_of_scope": analysis.out_of_scope,
            "sentiment": analysis.sentiment.score,
            "sentiment_trajectory": trajectory,
            "entities": entities,
            "slots": state.masked_slots(&bot.profile),
            "bot_answered": state.answered,
            "contact": {
                "id": contact.id,
                "name": contact.name,
                "attributes": attributes,
                "identities": identities,
            },
            "previous_conversations": previous,
            "suggested_first_reply": suggestion,
        })
    })
    .await
    .map_err(|error| TurnError::Engine(error.to_string()))
}

/// When the bot cannot help (no profile, or it broke), the conversation goes to a person with
/// `bot_failure` and the `trigger` as evidence; the bot's memory is kept as it was.
pub(crate) fn failure_handover(
    conversation_id: ConversationId,
    version: i64,
    state: Value,
    trigger: &str,
) -> BotTurnRecord {
    let evidence = json!({"trigger": trigger});
    BotTurnRecord {
        conversation_id,
        based_on_version: version,
        replies: Vec::new(),
        choices: Vec::new(),
        state,
        handover: Some(BotHandover {
            reason: HandoverReason::BotFailure,
            evidence: evidence.clone(),
            context: json!({"reason": "bot_failure", "evidence": evidence}),
            routing: RoutingFacts::default(),
        }),
        answers: None,
        unanswered: None,
        resolves: None,
    }
}

/// What routing needs from a handover: the intent understood, the language, and whether the
/// reason or the mood make it urgent.
pub(crate) fn routing_facts(
    decision: &HandoverDecision,
    analysis: &Analysis,
    language: Language,
) -> RoutingFacts {
    RoutingFacts {
        intent: analysis
            .intents
            .first()
            .filter(|_| !analysis.out_of_scope)
            .map(|top| top.intent.clone()),
        language: Some(language.code().to_owned()),
        high_value: decision.reason == HandoverReason::HighValue,
        negative_sentiment: decision.reason == HandoverReason::NegativeSentiment
            || analysis.sentiment.score <= NEGATIVE_MOOD,
    }
}

/// A sentiment score at or below which the customer counts as upset for queue priority.
const NEGATIVE_MOOD: f32 = -0.5;
