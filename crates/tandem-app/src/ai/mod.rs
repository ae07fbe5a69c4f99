//! The AI layer's use cases. `settings.rs`: each account's provider (none, the model embedded
//! in the server, or an OpenAI-compatible server), tested and used within a daily token budget.
//! `calls.rs`: every call goes through [`AiService::call`]: bounded by the account's timeout,
//! refused over budget, recorded (who, which model, tokens, latency, outcome) and observed.
//! `answers.rs`: the bot's generated answers. `copilot.rs`: the agent's summary, suggested
//! reply, rephrasing and translation, and translated messages both ways.
//!
//! Text reaches a model only through `tandem_ai`, which shields personal data first.

mod answers;
mod calls;
mod copilot;
mod settings;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tandem_ai::LanguageModel;
use tandem_domain::Timestamp;
use tandem_domain::id::AccountId;
use tandem_store::Store;

use crate::Ports;
use crate::channels::ChannelSettings;

pub use calls::{CallSubject, Purpose};
pub use copilot::{CopilotSummary, Suggestion, TranslatedText, language_of};
pub(crate) use settings::embedded_demo_settings;
pub use settings::{
    AiCapabilities, AiSettings, AiSettingsUpdate, AiUsage, ConnectionTest, ProviderChoice,
};

/// Each account's client of its OpenAI-compatible server, with the settings version it was
/// built for.
type Clients = HashMap<AccountId, (Timestamp, Arc<dyn LanguageModel>)>;

/// The AI layer shared by the use cases and the bot runner.
#[derive(Clone)]
pub struct AiService {
    store: Store,
    ports: Ports,
    channels: Arc<ChannelSettings>,
    /// Each account's client of its OpenAI-compatible server, built once per settings version.
    clients: Arc<Mutex<Clients>>,
}

impl std::fmt::Debug for AiService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AiService").finish_non_exhaustive()
    }
}

impl AiService {
    /// The AI layer over `store`, with the ports' providers and the installation's sealer
    /// (in `channels`).
    pub fn new(store: Store, ports: Ports, channels: Arc<ChannelSettings>) -> Self {
        Self {
            store,
            ports,
            channels,
            clients: Arc::new(Mutex::new(HashMap::new())),
        }
    }
}
