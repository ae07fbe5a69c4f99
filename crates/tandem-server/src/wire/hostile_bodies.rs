//! Every request body type against arbitrary bytes and arbitrary JSON built from the API's own
//! field names: `parse_json` answers the value, a 400 `malformed_json` or a 422 naming a field,
//! never anything else, and never panics.

use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::*;
use crate::error::{ApiError, BadRequestKind};
use crate::extract::parse_json;

/// Field names the API's bodies use, so generated objects reach past the top level.
const FIELDS: &[&str] = &[
    "text",
    "name",
    "email",
    "password",
    "role",
    "contact",
    "identity",
    "kind",
    "value",
    "external_id",
    "channel",
    "channel_config",
    "first_responder",
    "webhook_url",
    "routing",
    "intents",
    "languages",
    "inboxes",
    "strategy",
    "business_hours",
    "time_zone",
    "weekly",
    "mon",
    "holidays",
    "team_id",
    "user_id",
    "agent_id",
    "override_capacity",
    "capacity",
    "presence",
    "source",
    "limit",
    "messages",
    "template",
    "parameters",
    "language",
    "inbox_id",
    "contact_id",
    "is_private",
    "attributes",
    "identities",
    "token",
    "replies",
    "handover",
    "reason",
    "examples",
    "answer",
    "shortcut",
    "title",
    "default_capacity",
    "fallback_team_id",
    "first_response_sla_seconds",
    "answer_timeout_seconds",
    "timezone",
];

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        prop::sample::select(FIELDS).prop_map(|name| Value::String(name.to_owned())),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(FIELDS), inner), 0..8).prop_map(|fields| {
                Value::Object(
                    fields
                        .into_iter()
                        .map(|(name, value)| (name.to_owned(), value))
                        .collect(),
                )
            }),
        ]
    })
}

/// A body of type `T` parses, or is refused the way the API documents.
fn check<T: DeserializeOwned>(bytes: &[u8]) -> Result<(), TestCaseError> {
    match parse_json::<T>(bytes) {
        Ok(_) => {}
        Err(ApiError::BadRequest {
            kind: BadRequestKind::MalformedJson,
            ..
        }) => {}
        Err(ApiError::Validation(error)) => {
            prop_assert!(error.0.iter().all(|field| !field.field.is_empty()));
        }
        Err(other) => prop_assert!(false, "unexpected refusal: {other:?}"),
    }
    Ok(())
}

fn check_every_body(bytes: &[u8]) -> Result<(), TestCaseError> {
    check::<UpdateAccountRequest>(bytes)?;
    check::<LoginRequest>(bytes)?;
    check::<CreateTokenRequest>(bytes)?;
    check::<SaveBotProfileRequest>(bytes)?;
    check::<ReplayRequest>(bytes)?;
    check::<TryBotRequest>(bytes)?;
    check::<CannedResponseRequest>(bytes)?;
    check::<ChannelMessageRequest>(bytes)?;
    check::<CreateContactRequest>(bytes)?;
    check::<UpdateContactRequest>(bytes)?;
    check::<MergeContactRequest>(bytes)?;
    check::<AssignRequest>(bytes)?;
    check::<TransferRequest>(bytes)?;
    check::<ExternalReplyRequest>(bytes)?;
    check::<ExternalHandoverRequest>(bytes)?;
    check::<CreateInboxRequest>(bytes)?;
    check::<UpdateInboxRequest>(bytes)?;
    check::<EditSuggestionRequest>(bytes)?;
    check::<CreateMessageRequest>(bytes)?;
    check::<ProactiveMessageRequest>(bytes)?;
    check::<PresenceRequest>(bytes)?;
    check::<CapacityRequest>(bytes)?;
    check::<RoutingSettings>(bytes)?;
    check::<CreateTeamRequest>(bytes)?;
    check::<UpdateTeamRequest>(bytes)?;
    check::<CreateUserRequest>(bytes)?;
    check::<UpdateUserRequest>(bytes)?;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_are_a_body_or_a_documented_refusal(
        bytes in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        check_every_body(&bytes)?;
    }

    #[test]
    fn arbitrary_json_is_a_body_or_a_documented_refusal(value in any_json()) {
        check_every_body(value.to_string().as_bytes())?;
    }
}
