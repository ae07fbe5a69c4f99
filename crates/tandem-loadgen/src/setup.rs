//! The setup phase, as the admin over the REST API: a bot-first API inbox whose webhooks come to
//! the generator, a bot-first WhatsApp inbox whose sends go to the generator's fake Graph API,
//! the account's web (widget) inbox, and the simulated agents, logged in with their capacity set.
//! New inboxes are made for every run (named with the run tag); agents are reused across runs.

use anyhow::{Context, bail};
use serde_json::json;

use crate::address::Addresses;
use crate::api::Api;

/// The API-channel inbox the run made.
#[derive(Debug, Clone)]
pub struct ApiInbox {
    /// The `tdm_i_...` token customers post with.
    pub token: String,
    /// Signs the webhooks the server sends to the generator.
    pub webhook_secret: String,
}

/// The WhatsApp inbox the run made.
#[derive(Debug, Clone)]
pub struct WhatsappInbox {
    pub id: String,
    pub phone_number_id: String,
    /// Signs the webhooks the generator posts.
    pub app_secret: String,
    /// What the server must present to the fake Graph API.
    pub access_token: String,
}

/// A simulated agent, logged in.
#[derive(Debug, Clone)]
pub struct AgentAccount {
    pub user_id: String,
    pub email: String,
    pub token: String,
}

/// What setup asks for.
#[derive(Debug, Clone)]
pub struct SetupRequest<'a> {
    /// The server the admin talks to (any node of the deployment).
    pub base: &'a str,
    pub admin_email: &'a str,
    pub admin_password: &'a str,
    /// Where the generator's receiver is reached from the server.
    pub callback_url: &'a str,
    pub addresses: Addresses,
    pub needs_api: bool,
    pub needs_whatsapp: bool,
    pub needs_web: bool,
    pub agents: usize,
    pub agent_password: &'a str,
    pub agent_capacity: u32,
}

/// Everything the run drives.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub api_inbox: Option<ApiInbox>,
    pub whatsapp_inbox: Option<WhatsappInbox>,
    /// The account's first `web` inbox.
    pub web_inbox_id: Option<String>,
    pub agents: Vec<AgentAccount>,
}

/// The path of the generator's receiver for Tandem's outgoing webhooks.
pub const WEBHOOK_PATH: &str = "/webhooks/tandem";

/// Runs the setup phase.
pub async fn prepare(api: &Api, request: &SetupRequest<'_>) -> anyhow::Result<Deployment> {
    let base = request.base;
    let admin = api
        .login(base, request.admin_email, request.admin_password)
        .await
        .with_context(|| format!("logging in as {} on {base}", request.admin_email))?
        .token;
    let tag = request.addresses.tag();
    let api_inbox = if request.needs_api {
        Some(create_api_inbox(api, base, &admin, request.callback_url, tag).await?)
    } else {
        None
    };
    let whatsapp_inbox = if request.needs_whatsapp {
        Some(create_whatsapp_inbox(api, base, &admin, tag).await?)
    } else {
        None
    };
    let web_inbox_id = if request.needs_web {
        let inboxes = api.inboxes(base, &admin).await.context("listing inboxes")?;
        let Some(web) = inboxes.into_iter().find(|inbox| inbox.channel == "web") else {
            bail!("the account has no web inbox for widget customers (the demo account has one)");
        };
        Some(web.id)
    } else {
        None
    };
    let mut agents = Vec::with_capacity(request.agents);
    for index in 0..request.agents {
        agents.push(prepare_agent(api, request, &admin, index).await?);
    }
    Ok(Deployment {
        api_inbox,
        whatsapp_inbox,
        web_inbox_id,
        agents,
    })
}

async fn create_api_inbox(
    api: &Api,
    base: &str,
    admin: &str,
    callback_url: &str,
    tag: u32,
) -> anyhow::Result<ApiInbox> {
    let inbox = api
        .create_inbox(
            base,
            admin,
            &json!({
                "name": format!("loadgen {tag:06} api"),
                "channel": "api",
                "first_responder": "bot",
                "webhook_url": format!("{}{WEBHOOK_PATH}", callback_url.trim_end_matches('/')),
            }),
        )
        .await
        .context("creating the API inbox")?;
    let (Some(token), Some(webhook_secret)) = (inbox.api_token, inbox.webhook_secret) else {
        bail!("the new API inbox came without its token or webhook secret");
    };
    Ok(ApiInbox {
        token,
        webhook_secret,
    })
}

async fn create_whatsapp_inbox(
    api: &Api,
    base: &str,
    admin: &str,
    tag: u32,
) -> anyhow::Result<WhatsappInbox> {
    let phone_number_id = format!("7{tag:06}00000001");
    let app_secret = format!("loadgen-app-secret-{tag:06}");
    let access_token = format!("loadgen-graph-token-{tag:06}");
    let inbox = api
        .create_inbox(
            base,
            admin,
            &json!({
                "name": format!("loadgen {tag:06} whatsapp"),
                "channel": "whatsapp",
                "first_responder": "bot",
                "channel_config": {
                    "phone_number_id": phone_number_id,
                    "access_token": access_token,
                    "app_secret": app_secret,
                    "verify_token": format!("loadgen-verify-{tag:06}"),
                },
            }),
        )
        .await
        .context("creating the WhatsApp inbox")?;
    Ok(WhatsappInbox {
        id: inbox.id,
        phone_number_id,
        app_secret,
        access_token,
    })
}

/// The e-mail address of simulated agent `index`.
fn agent_email(index: usize) -> String {
    format!("loadgen-agent-{index:03}@loadgen.example")
}

async fn prepare_agent(
    api: &Api,
    request: &SetupRequest<'_>,
    admin: &str,
    index: usize,
) -> anyhow::Result<AgentAccount> {
    let base = request.base;
    let email = agent_email(index);
    match api
        .create_agent(
            base,
            admin,
            &email,
            &format!("Load Agent {index}"),
            request.agent_password,
        )
        .await
    {
        Ok(_) => {}
        // An earlier run made this agent: log in with the same password.
        Err(error) if error.is_status(409) => {}
        Err(error) => return Err(error).with_context(|| format!("creating agent {email}")),
    }
    let session = api
        .login(base, &email, request.agent_password)
        .await
        .with_context(|| format!("logging in as agent {email}"))?;
    api.set_capacity(base, admin, &session.user.id, request.agent_capacity)
        .await
        .with_context(|| format!("setting the capacity of {email}"))?;
    Ok(AgentAccount {
        user_id: session.user.id,
        email: session.user.email,
        token: session.token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_addresses_are_stable_across_runs() {
        assert_eq!(agent_email(7), "loadgen-agent-007@loadgen.example");
    }
}
