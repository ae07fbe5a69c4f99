//! The registry of every table and column the store keeps, each column classified (personal
//! data of a contact, of the account's people, or not personal), with the rows each table
//! holds about one contact: what an export gathers (LGPD art. 18 V) and an erasure removes
//! (art. 18 VI). `unclassified_columns` holds the registry to the live schema.

use serde_json::{Map, Value};

use crate::db::{Backend, Conn, args};

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Personal data of a contact (a customer): exported with them and erased with them.
    Contact,
    /// Personal data of the account's own people (users' names, e-mail addresses).
    Staff,
    /// Not personal: ids, statuses, timestamps, counts, settings.
    NotPersonal,
}

/// How a column's value is read into an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// As the engine gives it (text, number, id, boolean).
    Plain,
    /// JSON (JSONB on PostgreSQL, JSON text on SQLite).
    Json,
}

/// One column of a table.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub name: &'static str,
    pub class: Class,
    pub format: Format,
}

/// What an erasure does to a table's rows about the contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Erase {
    /// The rows are deleted.
    Delete,
    /// The rows stay (the audit trail) with their particulars replaced by a note.
    Redact,
    /// Quotes of the contact's messages are taken out of the rows (learning suggestions).
    Unquote,
}

/// One table: its columns and, when it can hold rows about a contact, a condition selecting
/// them (`$1` the account, `$2` the contact).
#[derive(Clone, Copy, Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    pub of_contact: Option<(&'static str, Erase)>,
}

const fn contact(name: &'static str) -> Column {
    Column {
        name,
        class: Class::Contact,
        format: Format::Plain,
    }
}

const fn contact_json(name: &'static str) -> Column {
    Column {
        name,
        class: Class::Contact,
        format: Format::Json,
    }
}

const fn staff(name: &'static str) -> Column {
    Column {
        name,
        class: Class::Staff,
        format: Format::Plain,
    }
}

const fn plain(name: &'static str) -> Column {
    Column {
        name,
        class: Class::NotPersonal,
        format: Format::Plain,
    }
}

const fn plain_json(name: &'static str) -> Column {
    Column {
        name,
        class: Class::NotPersonal,
        format: Format::Json,
    }
}

/// The contact's conversations, for tables that hang from them.
const OF_CONVERSATIONS: &str = "account_id = $1 AND conversation_id IN \
     (SELECT id FROM conversations WHERE account_id = $1 AND contact_id = $2)";

/// Every table of the schema. The order is the erasure's: rows that point at others first.
pub const REGISTRY: &[Table] = &[
    Table {
        name: "accounts",
        columns: &[
            plain("id"),
            plain("name"),
            plain("created_at"),
            plain("default_capacity"),
            plain("time_zone"),
            plain("retention_days"),
            plain("retention_action"),
            plain("webhook_mask_personal_data"),
            plain("require_two_factor"),
        ],
        of_contact: None,
    },
    Table {
        name: "users",
        columns: &[
            plain("id"),
            plain("account_id"),
            staff("email"),
            staff("name"),
            plain("role"),
            plain("password_hash"),
            plain("created_at"),
            plain("presence"),
            plain("presence_changed_at"),
            plain("capacity"),
            plain("last_assigned_at"),
            staff("phone"),
        ],
        of_contact: None,
    },
    Table {
        name: "auth_tokens",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("user_id"),
            plain("kind"),
            plain("name"),
            plain("token_hash"),
            plain("created_at"),
            plain("expires_at"),
            plain("last_used_at"),
            staff("client_ip"),
            staff("user_agent"),
        ],
        of_contact: None,
    },
    Table {
        name: "password_resets",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("user_id"),
            plain("token_hash"),
            plain("created_at"),
            plain("expires_at"),
        ],
        of_contact: None,
    },
    Table {
        name: "login_throttles",
        columns: &[
            plain("key_hash"),
            plain("failures"),
            plain("locked_until"),
            plain("last_failure_at"),
        ],
        of_contact: None,
    },
    Table {
        name: "two_factor",
        columns: &[
            plain("user_id"),
            plain("account_id"),
            staff("sealed_secret"),
            plain("enabled_at"),
            plain("last_used_step"),
            plain("created_at"),
        ],
        of_contact: None,
    },
    Table {
        name: "two_factor_recovery_codes",
        columns: &[plain("account_id"), plain("user_id"), plain("code_hash")],
        of_contact: None,
    },
    Table {
        name: "two_factor_challenges",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("user_id"),
            plain("token_hash"),
            plain("flow"),
            plain("expires_at"),
        ],
        of_contact: None,
    },
    Table {
        name: "teams",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("name"),
            plain("description"),
            plain("created_at"),
            plain_json("routing"),
        ],
        of_contact: None,
    },
    Table {
        name: "team_members",
        columns: &[plain("team_id"), plain("user_id"), plain("account_id")],
        of_contact: None,
    },
    Table {
        name: "inboxes",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("name"),
            plain("channel"),
            plain("first_responder"),
            plain("webhook_url"),
            plain("webhook_secret"),
            plain("api_token_hash"),
            plain("created_at"),
            plain("channel_config"),
        ],
        of_contact: None,
    },
    Table {
        name: "bot_profiles",
        columns: &[
            plain("account_id"),
            plain("source"),
            plain("updated_at"),
            plain("updated_by"),
        ],
        of_contact: None,
    },
    Table {
        name: "inbox_bot_profiles",
        columns: &[
            plain("inbox_id"),
            plain("account_id"),
            plain("source"),
            plain("updated_at"),
            plain("updated_by"),
        ],
        of_contact: None,
    },
    Table {
        name: "canned_responses",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("shortcut"),
            plain("title"),
            plain("text"),
            plain("created_at"),
            plain("updated_at"),
        ],
        of_contact: None,
    },
    Table {
        name: "agent_connections",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("user_id"),
            plain("node"),
            plain("opened_at"),
            plain("last_seen_at"),
            plain("closed_at"),
        ],
        of_contact: None,
    },
    Table {
        name: "presence_periods",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("user_id"),
            plain("presence"),
            plain("started_at"),
            plain("ended_at"),
        ],
        of_contact: None,
    },
    Table {
        name: "channel_cursors",
        columns: &[
            plain("inbox_id"),
            plain("account_id"),
            plain_json("cursor"),
            plain("lease_until"),
            plain("updated_at"),
        ],
        of_contact: None,
    },
    Table {
        name: "learning_suggestions",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("group_key"),
            plain("language"),
            contact_json("questions"),
            plain("question_count"),
            plain_json("proposal"),
            plain("edited"),
            plain("source_message_id"),
            plain("source_conversation_id"),
            plain("status"),
            plain("created_by"),
            plain("decided_by"),
            plain("decided_at"),
            plain("created_at"),
            plain("updated_at"),
        ],
        // Every suggestion of the account: those quoting the contact are picked by their text.
        of_contact: Some((
            "account_id = $1 AND CAST($2 AS TEXT) IS NOT NULL",
            Erase::Unquote,
        )),
    },
    Table {
        name: "unanswered_questions",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("inbox_id"),
            plain("conversation_id"),
            plain("message_id"),
            plain("language"),
            contact("text"),
            plain("reason"),
            plain("confidence_permille"),
            plain("created_at"),
        ],
        of_contact: Some((OF_CONVERSATIONS, Erase::Delete)),
    },
    Table {
        name: "webhook_deliveries",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("inbox_id"),
            plain("subject_kind"),
            plain("subject_id"),
            plain("status"),
            plain("attempts"),
            plain("next_attempt_at"),
            plain("last_error"),
            plain("created_at"),
            plain("finished_at"),
            plain("conversation_id"),
        ],
        of_contact: Some((OF_CONVERSATIONS, Erase::Delete)),
    },
    Table {
        name: "channel_deliveries",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("inbox_id"),
            plain("message_id"),
            plain("status"),
            plain("attempts"),
            plain("next_attempt_at"),
            plain("last_error"),
            plain("created_at"),
            plain("finished_at"),
            plain("conversation_id"),
        ],
        of_contact: Some((OF_CONVERSATIONS, Erase::Delete)),
    },
    Table {
        name: "media_fetches",
        columns: &[
            plain("message_id"),
            plain("attachment_index"),
            plain("account_id"),
            plain("inbox_id"),
            plain("conversation_id"),
            plain("attempts"),
            plain("next_attempt_at"),
            plain("task"),
        ],
        of_contact: Some((OF_CONVERSATIONS, Erase::Delete)),
    },
    Table {
        name: "files",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("inbox_id"),
            plain("contact_id"),
            plain("conversation_id"),
            plain("message_id"),
            plain("kind"),
            plain("mime_type"),
            contact("file_name"),
            plain("size_bytes"),
            plain("sha256"),
            plain("created_at"),
        ],
        of_contact: Some(("account_id = $1 AND contact_id = $2", Erase::Delete)),
    },
    Table {
        name: "sla_clocks",
        columns: &[
            plain("conversation_id"),
            plain("account_id"),
            plain("target"),
            plain("started_at"),
            plain("near_breach_at"),
            plain("due_at"),
            plain("stage"),
            plain("stopped_at"),
        ],
        of_contact: Some((OF_CONVERSATIONS, Erase::Delete)),
    },
    Table {
        name: "conversation_facts",
        columns: &[
            plain("conversation_id"),
            plain("account_id"),
            plain("inbox_id"),
            plain("channel"),
            plain("contact_id"),
            plain("team_id"),
            plain("agent_id"),
            plain("intent"),
            plain("handover_reason"),
            plain("opened_at"),
            plain("bot_first"),
            plain("first_response_ms"),
            plain("queued_at"),
            plain("time_to_agent_ms"),
            plain("abandoned_at"),
            plain("first_human_response_ms"),
            plain("resolution_ms"),
            plain("resolved_at"),
            plain("reopens"),
            plain("handle_ms"),
            plain("has_sla"),
            plain("sla_breached"),
            plain("csat_sent"),
            contact("csat_score"),
            plain("nps_sent"),
            contact("nps_score"),
            plain("bot_customer_messages"),
            plain("bot_answered_messages"),
            plain("out_of_scope_handover"),
            plain("asked_again"),
            plain("next_same_intent_at"),
            plain("bot_out_of_scope_messages"),
        ],
        of_contact: Some(("account_id = $1 AND contact_id = $2", Erase::Delete)),
    },
    Table {
        name: "facts_stale",
        columns: &[
            plain("conversation_id"),
            plain("account_id"),
            plain("marked_at"),
            plain("version"),
        ],
        of_contact: Some((OF_CONVERSATIONS, Erase::Delete)),
    },
    Table {
        name: "events",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("conversation_id"),
            plain("actor_kind"),
            plain("actor_id"),
            plain("kind"),
            contact_json("data"),
            plain("created_at"),
        ],
        of_contact: Some((OF_CONVERSATIONS, Erase::Delete)),
    },
    Table {
        name: "message_translations",
        columns: &[
            plain("account_id"),
            plain("conversation_id"),
            plain("message_id"),
            plain("language"),
            contact("text"),
            plain("created_at"),
        ],
        of_contact: Some((OF_CONVERSATIONS, Erase::Delete)),
    },
    Table {
        name: "contact_notes",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("contact_id"),
            plain("author_id"),
            contact("text"),
            plain("created_at"),
        ],
        of_contact: Some(("account_id = $1 AND contact_id = $2", Erase::Delete)),
    },
    Table {
        name: "saved_views",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("user_id"),
            plain("name"),
            plain_json("filters"),
            plain("created_at"),
        ],
        of_contact: None,
    },
    Table {
        name: "conversation_labels",
        columns: &[
            plain("account_id"),
            plain("conversation_id"),
            staff("label"),
            plain("created_at"),
        ],
        of_contact: None,
    },
    Table {
        name: "ai_calls",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("user_id"),
            plain("conversation_id"),
            plain("purpose"),
            plain("provider"),
            plain("model"),
            plain("prompt_tokens"),
            plain("completion_tokens"),
            plain("latency_ms"),
            plain("outcome"),
            plain("created_at"),
        ],
        of_contact: None,
    },
    Table {
        name: "ai_settings",
        columns: &[
            plain("account_id"),
            plain("provider"),
            plain("base_url"),
            plain("model"),
            plain("api_key_sealed"),
            plain("timeout_ms"),
            plain("daily_token_budget"),
            plain("generative_answers"),
            plain("translation"),
            plain("updated_at"),
        ],
        of_contact: None,
    },
    Table {
        name: "messages",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("conversation_id"),
            plain("inbox_id"),
            plain("direction"),
            plain("sender_kind"),
            plain("sender_id"),
            plain("is_private"),
            contact("text"),
            plain("external_id"),
            plain("delivery_status"),
            plain("created_at"),
            contact_json("attachments"),
            contact_json("channel_data"),
            plain("delivery_error"),
        ],
        of_contact: Some((OF_CONVERSATIONS, Erase::Delete)),
    },
    Table {
        name: "conversations",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("inbox_id"),
            plain("contact_id"),
            plain("status"),
            plain("assignee_id"),
            plain("team_id"),
            plain("first_agent_reply_at"),
            plain("last_activity_at"),
            plain("created_at"),
            plain("resolved_at"),
            contact_json("bot_state"),
            plain("bot_state_version"),
            contact_json("handover_context"),
            plain("priority"),
            plain("escalations"),
            plain("queued_at"),
            plain("assigned_at"),
            plain("awaiting_answer_since"),
            plain("not_to_agent_id"),
            plain("queue_notice_position"),
            plain("queue_notice_at"),
            contact("channel_address"),
            plain("bot_answered_message_id"),
            plain("anonymised_at"),
        ],
        of_contact: Some(("account_id = $1 AND contact_id = $2", Erase::Delete)),
    },
    Table {
        name: "contact_identities",
        columns: &[
            plain("account_id"),
            plain("kind"),
            contact("value"),
            plain("contact_id"),
        ],
        of_contact: Some(("account_id = $1 AND contact_id = $2", Erase::Delete)),
    },
    Table {
        name: "contacts",
        columns: &[
            plain("id"),
            plain("account_id"),
            contact("name"),
            contact_json("attributes"),
            plain("created_at"),
        ],
        of_contact: Some(("account_id = $1 AND id = $2", Erase::Delete)),
    },
    Table {
        name: "audit_log",
        columns: &[
            plain("id"),
            plain("account_id"),
            plain("actor_id"),
            staff("actor_email"),
            staff("actor_name"),
            staff("ip"),
            staff("user_agent"),
            plain("action"),
            plain("subject_kind"),
            plain("subject_id"),
            contact_json("before_data"),
            contact_json("after_data"),
            plain("created_at"),
        ],
        of_contact: Some(("account_id = $1 AND subject_id = $2", Erase::Redact)),
    },
];

/// Tables kept by the migration tool, not by Tandem.
const NOT_OURS: &[&str] = &["_sqlx_migrations"];

/// A table of the registry by name.
pub(crate) fn table(name: &str) -> Option<&'static Table> {
    REGISTRY.iter().find(|table| table.name == name)
}

/// Every `(table, column)` of the live schema, sorted.
pub(crate) async fn schema_columns(conn: &mut Conn) -> Result<Vec<(String, String)>, sqlx::Error> {
    let sql = match conn.backend() {
        Backend::Sqlite => {
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1, 2"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) \
             FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1, 2"
        }
    };
    let columns = conn.fetch_all::<(String, String)>(sql, args![]).await?;
    Ok(columns
        .into_iter()
        .filter(|(table, _)| !NOT_OURS.contains(&table.as_str()))
        .collect())
}

/// Where the registry and the live schema disagree, one sentence per problem, each saying
/// what to change in `REGISTRY`.
pub(crate) fn registry_problems(schema: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (table_name, column) in schema {
        match table(table_name) {
            None => problems.push(format!(
                "table `{table_name}` is not in the registry: add `Table {{ name: \"{table_name}\", \
                 columns: &[...], of_contact: ... }}` to REGISTRY in \
                 crates/tandem-store/src/personal_data.rs, classifying each of its columns, and \
                 `of_contact: Some((condition, Erase::...))` if its rows can be about a contact"
            )),
            Some(known) if !known.columns.iter().any(|c| c.name == column) => {
                problems.push(format!(
                    "column `{table_name}.{column}` is not classified: add `contact(\"{column}\")` \
                     (a contact's personal data), `staff(\"{column}\")` (the account's people's) or \
                     `plain(\"{column}\")` (not personal; `*_json` for JSON) to the `{table_name}` \
                     entry of REGISTRY in crates/tandem-store/src/personal_data.rs"
                ))
            }
            Some(_) => {}
        }
    }
    for known in REGISTRY {
        for column in known.columns {
            if !schema
                .iter()
                .any(|(t, c)| t == known.name && c == column.name)
            {
                problems.push(format!(
                    "REGISTRY names `{}.{}`, which the schema does not have: remove it",
                    known.name, column.name
                ));
            }
        }
    }
    problems
}

/// Reads `value` as stored into JSON for an export.
pub(crate) fn export_value(format: Format, value: Value) -> Value {
    match (format, value) {
        (Format::Json, Value::String(text)) => {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        }
        (_, value) => value,
    }
}

/// `row` (column name → value) with JSON columns read as JSON.
pub(crate) fn export_row(table: &Table, row: Vec<(String, Value)>) -> Value {
    let mut object = Map::new();
    for (name, value) in row {
        let format = table
            .columns
            .iter()
            .find(|column| column.name == name)
            .map_or(Format::Plain, |column| column.format);
        object.insert(name, export_value(format, value));
    }
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_and_column_is_named_once() {
        let mut tables: Vec<&str> = REGISTRY.iter().map(|t| t.name).collect();
        tables.sort_unstable();
        tables.dedup();
        assert_eq!(tables.len(), REGISTRY.len());
        for table in REGISTRY {
            let mut columns: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
            columns.sort_unstable();
            columns.dedup();
            assert_eq!(columns.len(), table.columns.len(), "{}", table.name);
        }
    }

    #[test]
    fn a_missing_column_or_table_says_what_to_add() {
        let schema = vec![
            ("contacts".to_owned(), "birthday".to_owned()),
            ("login_attempts".to_owned(), "email".to_owned()),
        ];
        let problems = registry_problems(&schema);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("`contacts.birthday` is not classified")
                    && p.contains("contact(\"birthday\")"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("table `login_attempts` is not in the registry"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("REGISTRY names `contacts.name`"))
        );
    }

    #[test]
    fn json_columns_are_read_as_json_and_others_as_they_are() {
        assert_eq!(
            export_value(Format::Json, Value::from("{\"a\":1}")),
            serde_json::json!({"a": 1})
        );
        assert_eq!(
            export_value(Format::Plain, Value::from("[1]")),
            Value::from("[1]")
        );
    }
}
