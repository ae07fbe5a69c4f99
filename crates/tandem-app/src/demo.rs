//! The demo account seeded on a new database: Banco Aurora, a fictional Brazilian fintech, with
//! an admin, two agents in two teams, an API inbox and a web-chat inbox.

use tandem_domain::Timestamp;
use tandem_domain::id::InboxId;
use tandem_domain::inbox::ChannelKind;
use tandem_domain::password::{PasswordOwner, password_problem};
use tandem_domain::user::Role;
use tandem_routing::team::RoutingSpec;
use tandem_store::{AccountSeed, NewInbox, StoreError, UserSeed};

use crate::App;
use crate::secret::{PasswordError, generate_token, hash_password, token_hash};

/// Prefix of API-channel inbox tokens.
pub const INBOX_TOKEN_PREFIX: &str = "tdm_i_";

/// The demo users' e-mail addresses and roles.
pub const DEMO_USERS: [(&str, &str, Role); 3] = [
    ("admin@aurora.example", "Helena Prado", Role::Admin),
    ("ana@aurora.example", "Ana Souza", Role::Agent),
    ("bruno@aurora.example", "Bruno Lima", Role::Agent),
];

/// The demo account's canned responses: shortcut, title, text.
const DEMO_CANNED_RESPONSES: [(&str, &str, &str); 4] = [
    (
        "boleto",
        "Segunda via do boleto",
        "Você pode emitir a segunda via do boleto no app, em Pagamentos > Boletos, ou eu envio agora por aqui. Pode me confirmar o seu CPF?",
    ),
    (
        "cartao",
        "Cartão bloqueado",
        "Para sua segurança, o cartão foi bloqueado. Já vou conferir com você as últimas compras para desbloquear.",
    ),
    (
        "prazo",
        "Prazo de análise",
        "A análise leva até 2 dias úteis. Você recebe o resultado por aqui e no app.",
    ),
    (
        "obrigado",
        "Encerramento",
        "Obrigada pelo contato! Se precisar de mais alguma coisa, é só chamar por aqui.",
    ),
];

/// The demo teams: name, description, the intents they serve (none: every intent). They serve
/// the web chat inbox (the demo site's widget); both demo agents are in both, so routing reaches
/// either of them, and the API inbox is served by the whole staff.
const DEMO_TEAMS: [(&str, &str, &[&str]); 2] = [
    (
        "Atendimento geral",
        "Conta, pagamentos e tudo o que nenhuma outra equipe atende",
        &[],
    ),
    (
        "Cartões e segurança",
        "Cartões, compras não reconhecidas e contestações",
        &[
            "card_lost",
            "card_blocked",
            "fraud_unknown_charge",
            "dispute_chargeback",
        ],
    ),
];

/// What was created, with the secrets to show once.
#[derive(Debug)]
pub struct DemoAccount {
    pub account_name: String,
    pub password: String,
    pub inbox_name: String,
    pub inbox_token: String,
}

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// The configured demo password breaks the password policy.
    #[error("the demo password is refused for {email}: {problem}")]
    WeakPassword {
        email: String,
        problem: &'static str,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl App {
    /// Seeds the demo account if the database has no account yet. The users' password is
    /// `password` when given, else random; either way it is returned for printing once.
    pub async fn seed_demo_account(
        &self,
        password: Option<String>,
        bot_profile: String,
        now: Timestamp,
    ) -> Result<Option<DemoAccount>, DemoError> {
        let password = password.unwrap_or_else(|| generate_token("")[..20].to_owned());
        for (email, name, _) in DEMO_USERS {
            if let Some(problem) = password_problem(&password, PasswordOwner { email, name }) {
                return Err(DemoError::WeakPassword {
                    email: email.to_owned(),
                    problem: problem.code(),
                });
            }
        }
        let password_for_hash = password.clone();
        let password_hash = tokio::task::spawn_blocking(move || hash_password(&password_for_hash))
            .await
            .map_err(|error| PasswordError::from_join(&error))??;
        let inbox_token = generate_token(INBOX_TOKEN_PREFIX);
        let seed = AccountSeed {
            name: "Banco Aurora".into(),
            users: DEMO_USERS
                .iter()
                .map(|(email, name, role)| UserSeed {
                    email: (*email).into(),
                    name: (*name).into(),
                    role: *role,
                    password_hash: password_hash.clone(),
                })
                .collect(),
            inboxes: vec![
                NewInbox::api(
                    "Aurora app (API)",
                    token_hash(&inbox_token),
                    generate_token("whsec_"),
                ),
                NewInbox::web(
                    "Site Banco Aurora (chat)",
                    token_hash(&generate_token(INBOX_TOKEN_PREFIX)),
                    generate_token("whsec_"),
                ),
            ],
            bot_profile: Some(bot_profile),
        };
        let Some((account, users, inboxes)) = self.store.create_first_account(&seed, now).await?
        else {
            return Ok(None);
        };
        let web_inboxes: Vec<InboxId> = inboxes
            .iter()
            .filter(|inbox| inbox.channel == ChannelKind::Web)
            .map(|inbox| inbox.id)
            .collect();
        for (name, description, intents) in DEMO_TEAMS {
            let routing = RoutingSpec {
                intents: intents.iter().map(|intent| (*intent).to_owned()).collect(),
                inbox_ids: web_inboxes.clone(),
                ..RoutingSpec::default()
            };
            let team = self
                .store
                .create_team(account.id, name, description, &routing, now)
                .await?;
            for agent in users.iter().filter(|user| user.role == Role::Agent) {
                self.store
                    .add_team_member(account.id, team.id, agent.id)
                    .await?;
            }
        }
        for (shortcut, title, text) in DEMO_CANNED_RESPONSES {
            self.store
                .create_canned_response(account.id, shortcut, title, text, now)
                .await?;
        }
        if self.ports.ai.embedded().is_some() {
            // The operator gave the server a model: the demo uses it from the start.
            self.store
                .save_ai_settings(account.id, &crate::ai::embedded_demo_settings(now))
                .await?;
        }
        Ok(Some(DemoAccount {
            account_name: account.name,
            password,
            inbox_name: inboxes
                .first()
                .map(|inbox| inbox.name.clone())
                .unwrap_or_default(),
            inbox_token,
        }))
    }
}
