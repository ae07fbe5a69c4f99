//! Proactive messages: the company writes first, opening a conversation with the bot.

use serde::{Deserialize, Serialize};

/// A message the company sends first, opening a conversation with the bot.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProactiveMessageRequest {
    pub inbox_id: String,
    pub contact_id: String,
    /// The text to send, or, with a template, the text the transcript shows.
    pub text: Option<String>,
    /// A pre-approved WhatsApp template (required outside the 24-hour window).
    pub template: Option<TemplateBody>,
    /// What the campaign is about, kept with the message for agents and reports.
    #[serde(default)]
    pub context: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    pub name: String,
    pub language: String,
    #[serde(default)]
    pub parameters: Vec<String>,
}
