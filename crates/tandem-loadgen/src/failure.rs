//! What went wrong, for the report's "errors by kind": the operation that failed and how.

use std::fmt;

/// What the generator was doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// `POST /api/v1/channel/messages`.
    ApiMessage,
    /// A signed WhatsApp webhook to the inbox's channel URL.
    WhatsappWebhook,
    /// `POST /api/v1/widget/{inbox}/visitors`.
    WidgetVisitor,
    /// `POST /api/v1/widget/{inbox}/messages`.
    WidgetMessage,
    /// The widget's WebSocket.
    WidgetSocket,
    /// An agent's WebSocket.
    AgentSocket,
    /// An agent's reply, `POST /api/v1/conversations/{id}/messages`.
    AgentReply,
    /// `POST /api/v1/conversations/{id}/resolve`.
    AgentResolve,
    /// Waiting for the bot's answer to a customer message.
    BotReply,
    /// Waiting for an agent's answer after a handover.
    AgentAnswer,
    /// Waiting to see a handed-over conversation resolved.
    Resolution,
    /// A request the server made to the generator (webhooks, Graph API sends).
    Incoming,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::ApiMessage => "api_message",
            Operation::WhatsappWebhook => "whatsapp_webhook",
            Operation::WidgetVisitor => "widget_visitor",
            Operation::WidgetMessage => "widget_message",
            Operation::WidgetSocket => "widget_socket",
            Operation::AgentSocket => "agent_socket",
            Operation::AgentReply => "agent_reply",
            Operation::AgentResolve => "agent_resolve",
            Operation::BotReply => "bot_reply",
            Operation::AgentAnswer => "agent_answer",
            Operation::Resolution => "resolution",
            Operation::Incoming => "incoming",
        }
    }
}

/// How it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FailureKind {
    /// No TCP connection (refused, reset while connecting, too many open files).
    Connect,
    /// The request took longer than its timeout.
    Timeout,
    /// A 4xx answer.
    Status4xx,
    /// A 5xx answer.
    Status5xx,
    /// Any other unexpected status (1xx, 3xx).
    StatusOther,
    /// The request failed in another way (the connection broke mid-way, ...).
    Request,
    /// The answer was not what the API documents.
    BadBody,
    /// The WebSocket was closed or broke.
    SocketClosed,
    /// The awaited message never arrived within its time limit.
    NotSeenInTime,
    /// An incoming webhook's signature or a Graph call's token did not check out.
    BadCredentials,
}

impl FailureKind {
    /// The kind of an HTTP status that is not a success.
    pub fn of_status(status: u16) -> Self {
        match status {
            400..=499 => FailureKind::Status4xx,
            500..=599 => FailureKind::Status5xx,
            _ => FailureKind::StatusOther,
        }
    }

    fn name(self) -> &'static str {
        match self {
            FailureKind::Connect => "connect",
            FailureKind::Timeout => "timeout",
            FailureKind::Status4xx => "http_4xx",
            FailureKind::Status5xx => "http_5xx",
            FailureKind::StatusOther => "http_other",
            FailureKind::Request => "request",
            FailureKind::BadBody => "bad_body",
            FailureKind::SocketClosed => "socket_closed",
            FailureKind::NotSeenInTime => "not_seen_in_time",
            FailureKind::BadCredentials => "bad_credentials",
        }
    }
}

/// One failure: an operation and how it failed, written `operation: kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Failure {
    pub operation: Operation,
    pub kind: FailureKind,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.operation.name(), self.kind.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_fall_into_classes() {
        assert_eq!(FailureKind::of_status(404), FailureKind::Status4xx);
        assert_eq!(FailureKind::of_status(503), FailureKind::Status5xx);
        assert_eq!(FailureKind::of_status(302), FailureKind::StatusOther);
    }

    #[test]
    fn failures_read_as_operation_and_kind() {
        let failure = Failure {
            operation: Operation::BotReply,
            kind: FailureKind::NotSeenInTime,
        };
        assert_eq!(failure.to_string(), "bot_reply: not_seen_in_time");
    }
}
