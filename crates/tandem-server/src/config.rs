//! Configuration: defaults, then a TOML file, then `TANDEM_*` environment variables, then
//! command-line flags, each overriding the one before. Secrets are wrapped so `Debug` and logs
//! never show them.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// A value that must never be printed.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// One line of text per event, for people.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Everything `tandem serve` can be told.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub listen: SocketAddr,
    /// `postgres://...` or `sqlite://PATH`; default: `tandem.db` in `data_dir`.
    pub database_url: Option<Secret>,
    /// Where the embedded SQLite database lives.
    pub data_dir: PathBuf,
    /// Where stored files' content lives; default: `files` in `data_dir`. Every node of one
    /// database must see the same directory (a shared volume).
    pub files_dir: Option<PathBuf>,
    /// The largest file kept, uploaded or fetched from a provider, in bytes.
    pub max_file_bytes: u64,
    /// A `tracing` filter such as `info` or `tandem_server=debug,info`.
    pub log_level: String,
    pub log_format: LogFormat,
    /// The demo users' password on first start; random when unset.
    pub demo_password: Option<Secret>,
    /// Seed the demo account when the database has no account.
    pub seed_demo: bool,
    /// Most database connections per pool.
    pub database_max_connections: u32,
    /// How long an agent stays online after their last connection drops.
    pub presence_grace_seconds: u64,
    /// Least time between two "you are now number N" updates to a waiting customer.
    pub queue_notice_interval_seconds: u64,
    /// 64 hex characters: the key channel credentials are encrypted with. Every node of one
    /// database needs the same key. With SQLite and no key, one is generated into
    /// `data_dir/secret.key` on first start.
    pub secret_key: Option<Secret>,
    /// The address providers reach this server at, e.g. `https://tandem.example.com`: webhook
    /// URLs shown to admins, Twilio's signature checks and status callbacks use it. Default:
    /// `http://` and the listen address.
    pub public_url: Option<String>,
    /// The Meta Graph API base (WhatsApp, Messenger, Instagram).
    pub meta_graph_url: String,
    /// The Telegram Bot API base.
    pub telegram_api_url: String,
    /// The Twilio REST API base.
    pub twilio_api_url: String,
    /// How often e-mail inboxes with an IMAP server are polled.
    pub mail_poll_seconds: u64,
    /// A bearer token that lets a scraper read `GET /metrics`; an admin's token is always
    /// accepted too, and without either the answer is 401.
    pub metrics_token: Option<Secret>,
    /// Non-public addresses the server may call on users' behalf (bot actions, external
    /// bots, webhooks, channel providers, mail servers): `host:port`, an address, or a CIDR
    /// such as `10.0.0.0/8`, each optionally with `:port` (`[v6]:port` for IPv6). Everything
    /// else that is not a public address is refused.
    pub outbound_allow: Vec<String>,
    /// The share of resolved conversations (0–100) asked the NPS question after the CSAT.
    pub nps_sample_percent: u8,
    /// The SMTP server for the server's own e-mail (password reset links):
    /// `smtps://user:password@host:465` (implicit TLS), `smtp://user:password@host:587`
    /// (STARTTLS required) or `smtp://host:25?tls=none` (a local relay, no TLS). Without it,
    /// password resets cannot be mailed (asking still answers 202; the server logs a warning).
    pub smtp_url: Option<Secret>,
    /// The sender of the server's own e-mail, e.g. `Tandem <no-reply@example.com>`; required
    /// with `smtp_url`.
    pub mail_from: Option<String>,
    /// Reverse proxies (addresses or networks) whose `X-Forwarded-For` names the client, for
    /// login throttling; empty: the TCP peer is the client.
    pub trusted_proxies: Vec<String>,
    /// New widget visitors one client address may start a minute (0: no limit).
    pub widget_new_visitors_per_minute: u32,
    /// Messages one widget visitor may send a minute (0: no limit).
    pub widget_messages_per_minute: u32,
    /// A GGUF language model file run inside the server (accounts may then choose the
    /// "embedded" AI provider); none by default. Nothing is downloaded: the file is all.
    pub ai_model_path: Option<PathBuf>,
    /// The embedded model's context window in tokens.
    pub ai_context_tokens: u32,
    /// A Whisper model directory in CTranslate2 form (`model.bin`, `config.json`,
    /// `vocabulary.*`) heard inside the server: voice notes are transcribed offline. Nothing
    /// is downloaded.
    pub speech_model_dir: Option<PathBuf>,
    /// Instead, an OpenAI-compatible transcription server, up to and including `/v1` (its
    /// `/audio/transcriptions` is called through the outbound guard).
    pub speech_url: Option<String>,
    /// The model's name on `speech_url`.
    pub speech_api_model: String,
    /// The key for `speech_url`, if it wants one.
    pub speech_api_key: Option<Secret>,
    /// The longest recording transcribed, in seconds.
    pub speech_max_seconds: u32,
    /// Recordings transcribed at once on one node.
    pub speech_concurrency: usize,
    /// The least confidence (0–100) at which the bot answers a transcript; below it the
    /// customer is asked to type (the agent sees the transcript either way).
    pub speech_min_confidence_percent: u8,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: None,
            data_dir: PathBuf::from("tandem-data"),
            files_dir: None,
            max_file_bytes: 20 * 1024 * 1024,
            log_level: "info".into(),
            log_format: LogFormat::Text,
            demo_password: None,
            seed_demo: true,
            database_max_connections: 16,
            presence_grace_seconds: 60,
            queue_notice_interval_seconds: 60,
            secret_key: None,
            public_url: None,
            meta_graph_url: "https://graph.facebook.com/v21.0".into(),
            telegram_api_url: "https://api.telegram.org".into(),
            twilio_api_url: "https://api.twilio.com".into(),
            mail_poll_seconds: 30,
            metrics_token: None,
            outbound_allow: Vec::new(),
            nps_sample_percent: 20,
            smtp_url: None,
            mail_from: None,
            trusted_proxies: Vec::new(),
            widget_new_visitors_per_minute: 10,
            ai_model_path: None,
            ai_context_tokens: 4096,
            speech_model_dir: None,
            speech_url: None,
            speech_api_model: "whisper-1".into(),
            speech_api_key: None,
            speech_max_seconds: 300,
            speech_concurrency: 1,
            speech_min_confidence_percent: 30,
            widget_messages_per_minute: 30,
        }
    }
}

/// Values given on the command line, which win over everything else.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub log_level: Option<String>,
}

impl Config {
    /// Builds the configuration from `file` (if given), the environment and `overrides`.
    pub fn load(
        file: Option<&Path>,
        environment: impl Fn(&str) -> Option<String>,
        overrides: Overrides,
    ) -> anyhow::Result<Self> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str::<Config>(&text)
                    .with_context(|| format!("in config file {}", path.display()))?
            }
            None => Config::default(),
        };
        config.apply_environment(&environment)?;
        if let Some(listen) = overrides.listen {
            config.listen = listen;
        }
        if let Some(data_dir) = overrides.data_dir {
            config.data_dir = data_dir;
        }
        if let Some(url) = overrides.database_url {
            config.database_url = Some(Secret(url));
        }
        if let Some(level) = overrides.log_level {
            config.log_level = level;
        }
        Ok(config)
    }

    fn apply_environment(
        &mut self,
        environment: &impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<()> {
        if let Some(listen) = environment("TANDEM_LISTEN") {
            self.listen = listen.parse().with_context(|| {
                format!("TANDEM_LISTEN={listen:?} is not an address like 127.0.0.1:8080")
            })?;
        }
        if let Some(url) =
            environment("TANDEM_DATABASE_URL").or_else(|| environment("DATABASE_URL"))
        {
            self.database_url = Some(Secret(url));
        }
        if let Some(dir) = environment("TANDEM_DATA_DIR") {
            self.data_dir = PathBuf::from(dir);
        }
        if let Some(dir) = environment("TANDEM_FILES_DIR") {
            self.files_dir = Some(PathBuf::from(dir));
        }
        if let Some(max) = environment("TANDEM_MAX_FILE_BYTES") {
            self.max_file_bytes = max
                .parse()
                .with_context(|| format!("TANDEM_MAX_FILE_BYTES={max:?} is not a number"))?;
        }
        if let Some(level) = environment("TANDEM_LOG_LEVEL") {
            self.log_level = level;
        }
        if let Some(format) = environment("TANDEM_LOG_FORMAT") {
            self.log_format = match format.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => anyhow::bail!("TANDEM_LOG_FORMAT={other:?}: use text or json"),
            };
        }
        if let Some(password) = environment("TANDEM_DEMO_PASSWORD") {
            self.demo_password = Some(Secret(password));
        }
        if let Some(seed) = environment("TANDEM_SEED_DEMO") {
            self.seed_demo = seed
                .parse()
                .with_context(|| format!("TANDEM_SEED_DEMO={seed:?}: use true or false"))?;
        }
        if let Some(max) = environment("TANDEM_DATABASE_MAX_CONNECTIONS") {
            self.database_max_connections = max.parse().with_context(|| {
                format!("TANDEM_DATABASE_MAX_CONNECTIONS={max:?} is not a number")
            })?;
        }
        if let Some(grace) = environment("TANDEM_PRESENCE_GRACE_SECONDS") {
            self.presence_grace_seconds = grace.parse().with_context(|| {
                format!("TANDEM_PRESENCE_GRACE_SECONDS={grace:?} is not a number")
            })?;
        }
        if let Some(interval) = environment("TANDEM_QUEUE_NOTICE_INTERVAL_SECONDS") {
            self.queue_notice_interval_seconds = interval.parse().with_context(|| {
                format!("TANDEM_QUEUE_NOTICE_INTERVAL_SECONDS={interval:?} is not a number")
            })?;
        }
        if let Some(key) = environment("TANDEM_SECRET_KEY") {
            self.secret_key = Some(Secret(key));
        }
        if let Some(path) = environment("TANDEM_AI_MODEL") {
            self.ai_model_path = Some(PathBuf::from(path));
        }
        if let Some(tokens) = environment("TANDEM_AI_CONTEXT_TOKENS") {
            self.ai_context_tokens = tokens
                .parse()
                .with_context(|| format!("TANDEM_AI_CONTEXT_TOKENS={tokens:?} is not a number"))?;
        }
        if let Some(dir) = environment("TANDEM_SPEECH_MODEL") {
            self.speech_model_dir = Some(PathBuf::from(dir));
        }
        if let Some(url) = environment("TANDEM_SPEECH_URL") {
            self.speech_url = Some(url);
        }
        if let Some(model) = environment("TANDEM_SPEECH_API_MODEL") {
            self.speech_api_model = model;
        }
        if let Some(key) = environment("TANDEM_SPEECH_API_KEY") {
            self.speech_api_key = Some(Secret(key));
        }
        if let Some(seconds) = environment("TANDEM_SPEECH_MAX_SECONDS") {
            self.speech_max_seconds = seconds.parse().with_context(|| {
                format!("TANDEM_SPEECH_MAX_SECONDS={seconds:?} is not a number")
            })?;
        }
        if let Some(concurrency) = environment("TANDEM_SPEECH_CONCURRENCY") {
            self.speech_concurrency = concurrency.parse().with_context(|| {
                format!("TANDEM_SPEECH_CONCURRENCY={concurrency:?} is not a number")
            })?;
        }
        if let Some(percent) = environment("TANDEM_SPEECH_MIN_CONFIDENCE_PERCENT") {
            self.speech_min_confidence_percent = percent
                .parse()
                .ok()
                .filter(|percent| *percent <= 100)
                .with_context(|| {
                    format!(
                        "TANDEM_SPEECH_MIN_CONFIDENCE_PERCENT={percent:?} is not a number from 0 to 100"
                    )
                })?;
        }
        if let Some(url) = environment("TANDEM_PUBLIC_URL") {
            self.public_url = Some(url);
        }
        if let Some(url) = environment("TANDEM_META_GRAPH_URL") {
            self.meta_graph_url = url;
        }
        if let Some(url) = environment("TANDEM_TELEGRAM_API_URL") {
            self.telegram_api_url = url;
        }
        if let Some(url) = environment("TANDEM_TWILIO_API_URL") {
            self.twilio_api_url = url;
        }
        if let Some(percent) = environment("TANDEM_NPS_SAMPLE_PERCENT") {
            self.nps_sample_percent = percent
                .parse()
                .ok()
                .filter(|percent| *percent <= 100)
                .with_context(|| {
                    format!("TANDEM_NPS_SAMPLE_PERCENT={percent:?} is not a number from 0 to 100")
                })?;
        }
        for (name, value) in [
            (
                "TANDEM_WIDGET_NEW_VISITORS_PER_MINUTE",
                &mut self.widget_new_visitors_per_minute,
            ),
            (
                "TANDEM_WIDGET_MESSAGES_PER_MINUTE",
                &mut self.widget_messages_per_minute,
            ),
        ] {
            if let Some(raw) = environment(name) {
                *value = raw
                    .parse()
                    .with_context(|| format!("{name}={raw:?} is not a number"))?;
            }
        }
        if let Some(token) = environment("TANDEM_METRICS_TOKEN") {
            self.metrics_token = Some(Secret(token));
        }
        if let Some(url) = environment("TANDEM_SMTP_URL") {
            self.smtp_url = Some(Secret(url));
        }
        if let Some(from) = environment("TANDEM_MAIL_FROM") {
            self.mail_from = Some(from);
        }
        if let Some(entries) = environment("TANDEM_OUTBOUND_ALLOW") {
            self.outbound_allow = entries
                .split(',')
                .map(str::trim)
                .filter(|entry| !entry.is_empty())
                .map(str::to_owned)
                .collect();
        }
        if let Some(proxies) = environment("TANDEM_TRUSTED_PROXIES") {
            self.trusted_proxies = proxies
                .split(',')
                .map(str::trim)
                .filter(|proxy| !proxy.is_empty())
                .map(str::to_owned)
                .collect();
        }
        if let Some(seconds) = environment("TANDEM_MAIL_POLL_SECONDS") {
            self.mail_poll_seconds = seconds
                .parse()
                .with_context(|| format!("TANDEM_MAIL_POLL_SECONDS={seconds:?} is not a number"))?;
        }
        Ok(())
    }

    /// The directory of stored files' content.
    pub fn resolved_files_dir(&self) -> PathBuf {
        self.files_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("files"))
    }

    /// The database URL to open: the configured one, or SQLite in the data directory.
    pub fn resolved_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose().to_owned(),
            None => format!("sqlite://{}", self.data_dir.join("tandem.db").display()),
        }
    }
}

impl Config {
    /// The key that seals channel credentials: the configured one, or with SQLite the one in
    /// `data_dir/secret.key`, generated on first start. PostgreSQL needs it configured, because
    /// every node must share it.
    pub fn resolved_secret_key(&self) -> anyhow::Result<String> {
        if let Some(key) = &self.secret_key {
            return Ok(key.expose().to_owned());
        }
        if !self.resolved_database_url().starts_with("sqlite:") {
            anyhow::bail!(
                "secret_key (TANDEM_SECRET_KEY) must be set when the database is shared: every node needs the same key; \
                 generate one with `openssl rand -hex 32`"
            );
        }
        let path = self.data_dir.join("secret.key");
        match std::fs::read_to_string(&path) {
            Ok(key) => Ok(key.trim().to_owned()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key = tandem_app::sealing::Sealer::generate_key();
                write_private(&path, &key)
                    .with_context(|| format!("writing {}", path.display()))?;
                tracing::info!(path = %path.display(), "generated the key that encrypts channel credentials; back it up with the database");
                Ok(key)
            }
            Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// The address providers reach this server at, without a trailing slash.
    pub fn resolved_public_url(&self, listening: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{listening}"),
        }
    }
}

/// Creates a file only its owner can read.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}

/// The example configuration shipped as `tandem.example.toml`, matching the defaults.
pub const EXAMPLE: &str = include_str!("../../../tandem.example.toml");

#[cfg(test)]
mod tests {
    use super::*;

    fn environment(
        pairs: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Option<String> {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_example_file_is_exactly_the_defaults() {
        assert_eq!(
            toml::from_str::<Config>(EXAMPLE).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn flags_beat_environment_which_beats_defaults() {
        let env = environment(&[
            ("TANDEM_LISTEN", "0.0.0.0:9000"),
            ("TANDEM_LOG_LEVEL", "debug"),
            ("DATABASE_URL", "postgres://db/x"),
        ]);
        let overrides = Overrides {
            log_level: Some("warn".into()),
            ..Overrides::default()
        };
        let config = Config::load(None, env, overrides).unwrap();
        assert_eq!(config.listen, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(config.log_level, "warn");
        assert_eq!(config.resolved_database_url(), "postgres://db/x");
    }

    #[test]
    fn the_outbound_allow_list_comes_comma_separated_from_the_environment() {
        let env = environment(&[(
            "TANDEM_OUTBOUND_ALLOW",
            "127.0.0.1:8080, 10.0.0.0/8,,bank.internal:8443",
        )]);
        let config = Config::load(None, env, Overrides::default()).unwrap();
        assert_eq!(
            config.outbound_allow,
            ["127.0.0.1:8080", "10.0.0.0/8", "bank.internal:8443"]
        );
        assert!(Config::default().outbound_allow.is_empty());
    }

    #[test]
    fn tandem_database_url_wins_over_database_url() {
        let env = environment(&[
            ("TANDEM_DATABASE_URL", "sqlite://a.db"),
            ("DATABASE_URL", "postgres://b"),
        ]);
        assert_eq!(
            Config::load(None, env, Overrides::default())
                .unwrap()
                .resolved_database_url(),
            "sqlite://a.db"
        );
    }

    #[test]
    fn bad_values_are_reported_by_name() {
        let error = Config::load(
            None,
            environment(&[("TANDEM_LISTEN", "nowhere")]),
            Overrides::default(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("TANDEM_LISTEN"));
        assert!(
            toml::from_str::<Config>("listen_port = 1").is_err(),
            "unknown keys are rejected"
        );
    }

    #[test]
    fn speech_settings_come_from_the_environment() {
        let env = environment(&[
            ("TANDEM_SPEECH_URL", "http://127.0.0.1:9000/v1"),
            ("TANDEM_SPEECH_API_KEY", "sk-speech"),
            ("TANDEM_SPEECH_MAX_SECONDS", "120"),
            ("TANDEM_SPEECH_CONCURRENCY", "2"),
            ("TANDEM_SPEECH_MIN_CONFIDENCE_PERCENT", "45"),
        ]);
        let config = Config::load(None, env, Overrides::default()).unwrap();
        assert_eq!(
            config.speech_url.as_deref(),
            Some("http://127.0.0.1:9000/v1")
        );
        assert_eq!(config.speech_max_seconds, 120);
        assert_eq!(config.speech_concurrency, 2);
        assert_eq!(config.speech_min_confidence_percent, 45);
        assert!(!format!("{config:?}").contains("sk-speech"));
        let error = Config::load(
            None,
            environment(&[("TANDEM_SPEECH_MIN_CONFIDENCE_PERCENT", "130")]),
            Overrides::default(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("from 0 to 100"), "{error}");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let config = Config {
            database_url: Some(Secret::new("postgres://u:hunter2@db/x")),
            ..Config::default()
        };
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
