//! The `tandem` command: `serve` runs the platform; `accounts create` adds a tenant;
//! `check-profile` checks a bot profile; `nlu-eval` measures the understanding engine.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

use tandem_app::secret::hash_password;
use tandem_domain::user::{NewUser, Role};
use tandem_server::ai_eval;
use tandem_server::config::{Config, Overrides};
use tandem_server::webhook::WebhookSettings;
use tandem_store::{AccountSeed, Store, StoreOptions, UserSeed};

#[derive(Debug, Parser)]
#[command(
    name = "tandem",
    version,
    about = "Hybrid customer service: a bot and people, in tandem"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Args)]
struct CommonArgs {
    /// A TOML configuration file (see tandem.example.toml).
    #[arg(long, env = "TANDEM_CONFIG")]
    config: Option<PathBuf>,
    /// Where the embedded SQLite database lives.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// postgres://... or sqlite://PATH.
    #[arg(long)]
    database_url: Option<String>,
    /// A tracing filter such as info or debug.
    #[arg(long)]
    log_level: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// Address to listen on.
        #[arg(long)]
        listen: Option<SocketAddr>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Train and evaluate the understanding engine on the public datasets.
    NluEval {
        /// The folder holding `clinc150/` and `banking77/`.
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        /// One JSON object per dataset and line, for tools.
        #[arg(long)]
        json: bool,
    },
    /// Ask a language model the question set built from the demo bank's articles, the
    /// personal-data samples and the prompt-injection samples, and report the figures.
    AiEval {
        /// The question set.
        #[arg(long, default_value = "crates/tandem-ai/eval/questions.jsonl")]
        questions: PathBuf,
        /// The folder holding pii_samples.jsonl and prompt_injection_samples.jsonl.
        #[arg(long, default_value = "../shared/fixtures")]
        fixtures: PathBuf,
        /// A GGUF model file to run embedded.
        #[arg(
            long,
            conflicts_with = "base_url",
            required_unless_present = "base_url"
        )]
        model_path: Option<PathBuf>,
        /// An OpenAI-compatible server's base URL (up to and including /v1).
        #[arg(long, requires = "model")]
        base_url: Option<String>,
        /// The model's name at that server.
        #[arg(long)]
        model: Option<String>,
        /// The server's API key.
        #[arg(long, env = "TANDEM_AI_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
        /// The longest one call may take.
        #[arg(long, default_value_t = 120)]
        timeout_seconds: u64,
        /// The embedded model's context window, in tokens.
        #[arg(long, default_value_t = 4096)]
        context_tokens: u32,
        /// Ask only the first N questions.
        #[arg(long)]
        limit: Option<usize>,
        /// One JSON object, for tools.
        #[arg(long)]
        json: bool,
    },
    /// Check a bot profile (YAML): every problem is printed with its path.
    CheckProfile {
        /// The profile file.
        file: PathBuf,
    },
    /// Replay a draft bot profile against an account's past conversations and report what
    /// would change; nothing is saved.
    BotReplay {
        /// The draft profile (YAML).
        #[arg(long)]
        profile: PathBuf,
        /// A user of the account to replay (its admin, say).
        #[arg(long)]
        user_email: String,
        /// How many of the most recent conversations to consider.
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Manage accounts (tenants).
    Accounts {
        #[command(subcommand)]
        command: AccountsCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AccountsCommand {
    /// Create an account with its first admin.
    Create {
        /// The company's name.
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long, default_value = "Admin")]
        admin_name: String,
        /// The admin's password (at least 10 characters).
        #[arg(long, env = "TANDEM_ADMIN_PASSWORD")]
        admin_password: String,
        #[command(flatten)]
        common: CommonArgs,
    },
}

fn load_config(common: CommonArgs, listen: Option<SocketAddr>) -> anyhow::Result<Config> {
    let overrides = Overrides {
        listen,
        data_dir: common.data_dir,
        database_url: common.database_url,
        log_level: common.log_level,
    };
    Config::load(
        common.config.as_deref(),
        |key| std::env::var(key).ok(),
        overrides,
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve { listen, common } => serve(load_config(common, listen)?).await,
        Command::NluEval { data, json } => nlu_eval(&data, json),
        Command::CheckProfile { file } => check_profile(&file),
        Command::AiEval {
            questions,
            fixtures,
            model_path,
            base_url,
            model,
            api_key,
            timeout_seconds,
            context_tokens,
            limit,
            json,
        } => {
            let model = match (model_path, base_url, model) {
                (Some(path), _, _) => ai_eval::embedded_model(&path, context_tokens)?,
                (None, Some(base_url), Some(model)) => ai_eval::openai_model(
                    &base_url,
                    &model,
                    api_key,
                    Duration::from_secs(timeout_seconds),
                )?,
                _ => anyhow::bail!("give --model-path, or --base-url with --model"),
            };
            let inputs = ai_eval::EvalInputs {
                questions,
                fixtures,
                limit,
            };
            let report = ai_eval::run(model, &inputs).await?;
            ai_eval::print(&report, json)
        }
        Command::BotReplay {
            profile,
            user_email,
            limit,
            common,
        } => {
            let config = load_config(common, None)?;
            bot_replay(&config, &profile, &user_email, limit).await
        }
        Command::Accounts {
            command:
                AccountsCommand::Create {
                    name,
                    admin_email,
                    admin_name,
                    admin_password,
                    common,
                },
        } => {
            let config = load_config(common, None)?;
            tandem_server::telemetry::init(&config)?;
            create_account(&config, &name, &admin_email, &admin_name, &admin_password).await
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    tandem_server::telemetry::init(&config)?;
    let server = tandem_server::start(&config, WebhookSettings::default()).await?;
    let url = format!("http://{}", server.addr);
    if let Some(demo) = &server.demo {
        println!(
            "A new database: seeded the demo account \"{}\".",
            demo.account_name
        );
        println!("  Log in at {url}/app/ (or POST {url}/api/v1/auth/login) as one of");
        for (email, name, role) in tandem_app::demo::DEMO_USERS {
            println!("            {email} ({name}, {role})");
        }
        println!("  Password: {}", demo.password);
        println!(
            "  API channel inbox \"{}\" token (shown once): {}",
            demo.inbox_name, demo.inbox_token
        );
        println!("  API reference: {url}/api/v1/openapi.json\n");
    }
    println!("Workspace for agents: {url}/app/");
    if config.seed_demo {
        println!("Demo site with the chat widget: {url}/demo");
    }
    // The last line of start-up output: scripts wait for it.
    tracing::info!(%url, "listening");
    println!("Tandem is listening on {url}");
    shutdown_signal().await;
    tracing::info!("shutting down: finishing in-flight requests");
    server.shutdown().await
}

fn check_profile(file: &Path) -> anyhow::Result<()> {
    let source =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let (profile, _engine) = tandem_bot::ready_profile(&source)
        .with_context(|| format!("checking {}", file.display()))?;
    println!(
        "{}: valid; bot {:?}, {} intents, {} articles",
        file.display(),
        profile.persona.name,
        profile.intents.len(),
        profile.articles.len()
    );
    Ok(())
}

async fn bot_replay(
    config: &Config,
    profile: &Path,
    user_email: &str,
    limit: u32,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        (1..=tandem_server::MAX_REPLAY_LIMIT).contains(&limit),
        "--limit must be from 1 to {}",
        tandem_server::MAX_REPLAY_LIMIT
    );
    let source = std::fs::read_to_string(profile)
        .with_context(|| format!("reading {}", profile.display()))?;
    let store = Store::connect(&config.resolved_database_url(), &StoreOptions::default())
        .await
        .context("opening the database")?;
    let report = tandem_server::replay_bot_profile(&store, user_email, source, limit).await;
    store.close().await;
    println!("{}", serde_json::to_string_pretty(&report?)?);
    Ok(())
}

fn nlu_eval(data: &Path, json: bool) -> anyhow::Result<()> {
    let reports = tandem_nlu::eval::run_evaluation(data)
        .with_context(|| format!("evaluating on {}", data.display()))?;
    tandem_nlu::eval::write_reports(&reports, json, &mut std::io::stdout().lock())?;
    Ok(())
}

async fn create_account(
    config: &Config,
    name: &str,
    email: &str,
    admin_name: &str,
    password: &str,
) -> anyhow::Result<()> {
    let admin = NewUser::parse(email, admin_name, Role::Admin, password)?;
    let store = Store::connect(&config.resolved_database_url(), &StoreOptions::default())
        .await
        .context("opening the database")?;
    let seed = AccountSeed {
        name: name.trim().to_owned(),
        users: vec![UserSeed {
            email: admin.email,
            name: admin.name,
            role: Role::Admin,
            password_hash: hash_password(&admin.password)?,
        }],
        inboxes: Vec::new(),
        bot_profile: None,
    };
    let (account, users, _) = store.create_account(&seed, tandem_app::now()).await?;
    println!(
        "Created account {} ({}) with admin {}",
        account.name, account.id, users[0].email
    );
    store.close().await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
