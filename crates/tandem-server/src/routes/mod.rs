//! The HTTP routes of the API, one module per resource.

mod account;
mod ai;
mod audit;
mod auth;
mod bot;
mod call_handover;
mod canned;
mod channel;
mod channel_setup;
mod channel_webhooks;
mod contacts;
mod conversations;
mod credentials;
pub(crate) mod files;
mod health;
mod inboxes;
mod learning;
mod proactive;
mod reports;
mod routing;
mod search;
mod session;
mod teams;
mod two_factor;
mod users;
mod views;

use axum::Router;
use axum::routing::{delete, get, post, put};

use crate::error::ApiError;
use crate::state::AppState;
use crate::{assets, widget, ws};

pub use bot::{MAX_REPLAY_LIMIT, replay_report};

/// Default and largest page sizes of list endpoints.
const DEFAULT_LIMIT: u32 = 25;
const MAX_LIMIT: u32 = 100;

/// Reads a `limit` query parameter.
fn page_limit(raw: Option<&str>) -> Result<u32, ApiError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(raw) => match raw.parse::<u32>() {
            Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
            _ => Err(ApiError::invalid_field(
                "limit",
                "out_of_range",
                format!("must be a whole number from 1 to {MAX_LIMIT}"),
            )),
        },
    }
}

/// Every route of the server.
pub fn router() -> Router<AppState> {
    let api = Router::new()
        .route(
            "/auth/session",
            get(session::show)
                .post(session::create)
                .delete(session::delete),
        )
        .route("/auth/login", post(auth::login))
        .route("/auth/sessions", get(credentials::list_own))
        .route(
            "/auth/sessions/revoke-others",
            post(credentials::revoke_others),
        )
        .route(
            "/auth/sessions/{session_id}",
            delete(credentials::revoke_own),
        )
        .route("/auth/password", post(credentials::change_password))
        .route("/auth/password-reset", post(credentials::request_reset))
        .route(
            "/auth/password-reset/confirm",
            post(credentials::confirm_reset),
        )
        .route("/users/{user_id}/sessions", get(credentials::list_users))
        .route(
            "/users/{user_id}/sessions/{session_id}",
            delete(credentials::revoke_users),
        )
        .route("/auth/logout", post(auth::logout))
        .route("/auth/2fa", get(two_factor::status))
        .route("/auth/2fa/setup", post(two_factor::setup))
        .route("/auth/2fa/enable", post(two_factor::enable))
        .route("/auth/2fa/disable", post(two_factor::disable))
        .route("/auth/2fa/verify", post(two_factor::verify))
        .route("/me", get(auth::me))
        .route(
            "/me/tokens",
            get(auth::list_tokens).post(auth::create_token),
        )
        .route("/me/tokens/{token_id}", delete(auth::delete_token))
        .route("/users", get(users::list).post(users::create))
        .route(
            "/users/{user_id}",
            get(users::show).patch(users::update).delete(users::remove),
        )
        .route("/teams", get(teams::list).post(teams::create))
        .route(
            "/teams/{team_id}",
            get(teams::show).patch(teams::update).delete(teams::remove),
        )
        .route("/teams/{team_id}/members", get(teams::members))
        .route(
            "/teams/{team_id}/members/{user_id}",
            put(teams::add_member).delete(teams::remove_member),
        )
        .route("/inboxes", get(inboxes::list).post(inboxes::create))
        .route(
            "/inboxes/{inbox_id}",
            get(inboxes::show)
                .patch(inboxes::update)
                .delete(inboxes::remove),
        )
        .route("/inboxes/{inbox_id}/token", post(inboxes::rotate_token))
        .route("/inboxes/verify", post(channel_setup::verify))
        .route("/inboxes/{inbox_id}/health", get(channel_setup::health))
        .route(
            "/inboxes/{inbox_id}/bot/profile",
            get(bot::show_for_inbox)
                .put(bot::replace_for_inbox)
                .delete(bot::remove_for_inbox),
        )
        .route("/contacts", get(contacts::list).post(contacts::create))
        .route(
            "/contacts/{contact_id}",
            get(contacts::show)
                .patch(contacts::update)
                .delete(contacts::remove),
        )
        .route("/ai/settings", get(ai::settings).put(ai::update_settings))
        .route("/ai/test", post(ai::test))
        .route("/ai/usage", get(ai::usage))
        .route("/ai/capabilities", get(ai::capabilities))
        .route("/copilot/rephrase", post(ai::rephrase))
        .route(
            "/conversations/{conversation_id}/copilot/summary",
            post(ai::summary),
        )
        .route(
            "/conversations/{conversation_id}/copilot/suggest",
            post(ai::suggest),
        )
        .route(
            "/conversations/{conversation_id}/messages/{message_id}/translation",
            post(ai::translate_message),
        )
        .route("/conversations", get(conversations::list))
        .route("/conversations/{conversation_id}", get(conversations::show))
        .route(
            "/conversations/{conversation_id}/messages",
            get(conversations::messages).post(conversations::create_message),
        )
        .route(
            "/conversations/{conversation_id}/events",
            get(conversations::events),
        )
        .route(
            "/conversations/{conversation_id}/files",
            post(files::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/files/{file_id}", get(files::open))
        .route("/file_links/{file_id}", get(files::linked))
        .route(
            "/conversations/{conversation_id}/assign",
            post(conversations::assign),
        )
        .route(
            "/conversations/{conversation_id}/unassign",
            post(conversations::unassign),
        )
        .route(
            "/conversations/{conversation_id}/resolve",
            post(conversations::resolve),
        )
        .route(
            "/conversations/{conversation_id}/reopen",
            post(conversations::reopen),
        )
        .route(
            "/conversations/{conversation_id}/transfer",
            post(conversations::transfer),
        )
        .route(
            "/conversations/{conversation_id}/labels",
            put(conversations::set_labels),
        )
        .route("/labels", get(conversations::labels))
        .route(
            "/conversations/{conversation_id}/routing",
            get(routing::conversation_routing),
        )
        .route("/me/presence", put(routing::set_presence))
        .route("/agents", get(routing::agents))
        .route("/agents/{user_id}/capacity", put(routing::set_capacity))
        .route(
            "/routing/settings",
            get(routing::settings).put(routing::replace_settings),
        )
        .route("/queue", get(routing::queue))
        .route(
            "/conversations/{conversation_id}/handover_context",
            get(conversations::handover_context),
        )
        .route(
            "/conversations/{conversation_id}/hand_back_to_bot",
            post(conversations::hand_back_to_bot),
        )
        .route("/bot/profile", get(bot::show).put(bot::replace))
        .route("/bot/replay", post(bot::replay))
        .route("/bot/try", post(bot::try_bot))
        .route("/bot/profile/convert", post(bot::convert))
        .route("/learning/groups", get(learning::groups))
        .route("/learning/suggestions", get(learning::list))
        .route("/learning/suggestions/refresh", post(learning::refresh))
        .route(
            "/learning/suggestions/{suggestion_id}",
            get(learning::show).patch(learning::edit),
        )
        .route(
            "/learning/suggestions/{suggestion_id}/preview",
            post(learning::preview),
        )
        .route(
            "/learning/suggestions/{suggestion_id}/approve",
            post(learning::approve),
        )
        .route(
            "/learning/suggestions/{suggestion_id}/dismiss",
            post(learning::dismiss),
        )
        .route(
            "/conversations/{conversation_id}/messages/{message_id}/teach",
            post(learning::teach),
        )
        .route("/canned-responses", get(canned::list).post(canned::create))
        .route(
            "/canned-responses/{canned_id}",
            axum::routing::patch(canned::update).delete(canned::remove),
        )
        .route(
            "/bot/conversations/{conversation_id}/reply",
            post(bot::external_reply),
        )
        .route("/channel/messages", post(channel::receive_message))
        .route(
            "/channels/{inbox_id}/webhook",
            get(channel_webhooks::verify).post(channel_webhooks::receive),
        )
        .route("/channels/{inbox_id}/voice", post(channel_webhooks::voice))
        .route("/contacts/{contact_id}/merge", post(contacts::merge))
        .route("/contacts/{contact_id}/export", get(contacts::export))
        .route(
            "/contacts/{contact_id}/merge_preview",
            get(contacts::merge_preview),
        )
        .route(
            "/contacts/{contact_id}/notes",
            get(contacts::notes).post(contacts::add_note),
        )
        .route(
            "/contacts/{contact_id}/notes/{note_id}",
            delete(contacts::delete_note),
        )
        .route("/views", get(views::list).post(views::create))
        .route("/search", get(search::search))
        .route("/search/rebuild", post(search::rebuild))
        .route("/views/{view_id}", delete(views::remove))
        .route("/audit-log", get(audit::list))
        .route("/proactive-messages", post(proactive::send))
        .route("/account", get(account::show).patch(account::update))
        .route("/reports/summary", get(reports::summary))
        .route("/reports/summary.csv", get(reports::summary_csv))
        .route("/reports/trend", get(reports::trend))
        .route("/reports/agents", get(reports::agents))
        .route("/reports/survey_responses", get(reports::survey_responses))
        .route("/ws", get(ws::upgrade))
        .route("/openapi.json", get(health::openapi))
        .nest("/widget/{inbox_id}", widget_routes());
    Router::new()
        .nest("/api/v1", api)
        .route("/", get(assets::root))
        .route("/app", get(assets::root))
        .route("/app/", get(assets::workspace_index))
        .route("/app/{*path}", get(assets::workspace_file))
        .route("/widget.js", get(assets::widget))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .route("/readyz", get(health::readyz))
        .fallback(|| async { ApiError::RouteNotFound })
}

/// The widget's calls: public, cross-origin (any site may embed the widget), authenticated by
/// the visitor token rather than cookies.
fn widget_routes() -> Router<AppState> {
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([
            axum::http::header::AUTHORIZATION,
            axum::http::header::CONTENT_TYPE,
        ])
        .max_age(std::time::Duration::from_secs(3600));
    Router::new()
        .route("/visitors", post(widget::start_visitor))
        .route("/conversation", get(widget::conversation))
        .route("/messages", post(widget::send_message))
        .route(
            "/files",
            post(widget::upload_file).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/files/{file_id}", get(widget::open_file))
        .route("/handover", post(widget::ask_for_person))
        .route("/rating", post(widget::rate))
        .route("/ws", get(widget::upgrade))
        .layer(cors)
}
