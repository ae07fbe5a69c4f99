//! The channel providers over their real APIs (`ports::ChannelProvider`), one per channel
//! kind: WhatsApp Cloud API, Messenger/Instagram Send API (Graph), Telegram Bot API, Twilio
//! SMS, and e-mail over SMTP. Each builds its provider's request with `tandem-channels`' pure
//! adapters, performs it, and reads the provider's answer into a `SendAttempt`.

use std::sync::Arc;
use std::time::Duration;

use tandem_app::ports::{BoxFuture, ChannelProvider, ChannelProviders, Outbound, SendAttempt};
use tandem_channels::config::{
    ChannelConfig, EmailConfig, MetaPageConfig, TelegramConfig, TwilioSmsConfig, WhatsappConfig,
};
use tandem_channels::{
    HttpMethod, OutboundError, ProviderRequest, RequestBody, SendOutcome, meta, telegram, twilio,
};
use tandem_domain::inbox::Inbox;

/// The base URLs of the providers' APIs (configurable, so tests point them at stand-ins).
#[derive(Clone, Debug)]
pub struct ProviderApis {
    pub meta_graph_url: String,
    pub telegram_api_url: String,
    pub twilio_api_url: String,
}

/// Builds each inbox's provider over one shared HTTP client (no redirects, a 10 s timeout).
#[derive(Debug)]
pub struct HttpProviders {
    apis: ProviderApis,
    /// How providers reach this server, for delivery-status callbacks.
    public_url: String,
    http: reqwest::Client,
}

impl HttpProviders {
    pub fn new(apis: ProviderApis, public_url: String) -> reqwest::Result<Self> {
        let http = super::client(
            concat!("Tandem/", env!("CARGO_PKG_VERSION")),
            Some(Duration::from_secs(10)),
        )?;
        Ok(Self {
            apis,
            public_url,
            http,
        })
    }
}

impl ChannelProviders for HttpProviders {
    fn provider(
        &self,
        inbox: &Inbox,
        config: ChannelConfig,
    ) -> Result<Box<dyn ChannelProvider>, String> {
        let api = |base: &str| ProviderApi {
            base_url: base.to_owned(),
            http: self.http.clone(),
        };
        Ok(match config {
            ChannelConfig::Whatsapp(config) => Box::new(Whatsapp {
                api: api(&self.apis.meta_graph_url),
                config,
            }),
            ChannelConfig::MetaPage(config) => Box::new(MessengerInstagram {
                api: api(&self.apis.meta_graph_url),
                config,
            }),
            ChannelConfig::Telegram(config) => Box::new(Telegram {
                api: api(&self.apis.telegram_api_url),
                config,
            }),
            ChannelConfig::TwilioSms(config) => Box::new(TwilioSms {
                api: api(&self.apis.twilio_api_url),
                config,
                status_callback: format!(
                    "{}/api/v1/channels/{}/webhook",
                    self.public_url, inbox.id
                ),
            }),
            ChannelConfig::Email(config) => Box::new(Email {
                config: Arc::new(config),
            }),
            ChannelConfig::TwilioVoice(_) => {
                return Err("this channel does not deliver queued messages".to_owned());
            }
        })
    }
}

/// One provider's HTTP API.
struct ProviderApi {
    base_url: String,
    http: reqwest::Client,
}

impl ProviderApi {
    /// Sends a built request and reads the answer with the provider's own rules.
    async fn send(
        &self,
        request: Result<ProviderRequest, OutboundError>,
        read: fn(u16, &str, Option<&str>) -> SendOutcome,
    ) -> SendAttempt {
        let request = match request {
            Ok(request) => request,
            Err(error) => return SendAttempt::Failed(error.to_string()),
        };
        let (status, body, retry_after) = match self.perform(request).await {
            Ok(answer) => answer,
            Err(reason) => {
                return SendAttempt::Retry {
                    reason,
                    retry_after: None,
                };
            }
        };
        match read(status, &body, retry_after.as_deref()) {
            SendOutcome::Accepted { external_id } => SendAttempt::Sent(external_id),
            SendOutcome::Retry {
                reason,
                retry_after_seconds,
            } => SendAttempt::Retry {
                reason,
                retry_after: retry_after_seconds.map(Duration::from_secs),
            },
            SendOutcome::Rejected { reason } => SendAttempt::Failed(reason),
        }
    }

    /// Performs a provider request: the status, the body and the `Retry-After` header, or why
    /// no answer came.
    async fn perform(
        &self,
        request: ProviderRequest,
    ) -> Result<(u16, String, Option<String>), String> {
        let mut builder = match request.method {
            HttpMethod::Get => self.http.get(&request.url),
            HttpMethod::Post => self.http.post(&request.url),
        };
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        builder = match request.body {
            RequestBody::Json(json) => builder
                .header("content-type", "application/json")
                .body(json.to_string()),
            RequestBody::Form(pairs) => {
                let body = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish();
                builder
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
            }
        };
        let response = builder
            .send()
            .await
            .map_err(|error| format!("request failed: {}", error.without_url()))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response
            .text()
            .await
            .map_err(|error| format!("reading the answer failed: {}", error.without_url()))?;
        Ok((status, body, retry_after))
    }
}

/// A chat provider asked to send an e-mail, or the reverse: the worker never does this.
fn wrong_kind() -> SendAttempt {
    SendAttempt::Failed("this message does not fit the inbox's channel".to_owned())
}

/// WhatsApp Cloud API.
struct Whatsapp {
    api: ProviderApi,
    config: WhatsappConfig,
}

impl ChannelProvider for Whatsapp {
    fn send<'a>(&'a self, message: &'a Outbound) -> BoxFuture<'a, SendAttempt> {
        Box::pin(async move {
            let Outbound::Chat(message) = message else {
                return wrong_kind();
            };
            let request = meta::whatsapp_request(&self.api.base_url, &self.config, message);
            self.api.send(request, meta::send_outcome).await
        })
    }
}

/// Messenger and Instagram through a Facebook Page (Graph Send API).
struct MessengerInstagram {
    api: ProviderApi,
    config: MetaPageConfig,
}

impl ChannelProvider for MessengerInstagram {
    fn send<'a>(&'a self, message: &'a Outbound) -> BoxFuture<'a, SendAttempt> {
        Box::pin(async move {
            let Outbound::Chat(message) = message else {
                return wrong_kind();
            };
            let request = meta::page_request(&self.api.base_url, &self.config, message);
            self.api.send(request, meta::send_outcome).await
        })
    }
}

/// Telegram Bot API.
struct Telegram {
    api: ProviderApi,
    config: TelegramConfig,
}

impl ChannelProvider for Telegram {
    fn send<'a>(&'a self, message: &'a Outbound) -> BoxFuture<'a, SendAttempt> {
        Box::pin(async move {
            let Outbound::Chat(message) = message else {
                return wrong_kind();
            };
            let request = telegram::send_request(&self.api.base_url, &self.config, message);
            self.api.send(request, telegram::send_outcome).await
        })
    }
}

/// Twilio Programmable Messaging (SMS), reporting delivery to the inbox's webhook.
struct TwilioSms {
    api: ProviderApi,
    config: TwilioSmsConfig,
    status_callback: String,
}

impl ChannelProvider for TwilioSms {
    fn send<'a>(&'a self, message: &'a Outbound) -> BoxFuture<'a, SendAttempt> {
        Box::pin(async move {
            let Outbound::Chat(message) = message else {
                return wrong_kind();
            };
            let request = twilio::sms_request(
                &self.api.base_url,
                &self.config,
                message,
                Some(&self.status_callback),
            );
            self.api.send(request, twilio::send_outcome).await
        })
    }
}

/// E-mail over the inbox's SMTP server.
struct Email {
    config: Arc<EmailConfig>,
}

impl ChannelProvider for Email {
    fn send<'a>(&'a self, message: &'a Outbound) -> BoxFuture<'a, SendAttempt> {
        Box::pin(async move {
            let Outbound::Email(email) = message else {
                return wrong_kind();
            };
            match tandem_mail::send(&self.config.smtp, email).await {
                Ok(()) => SendAttempt::Sent(email.message_id.clone()),
                Err(error) if error.is_permanent() => SendAttempt::Failed(error.to_string()),
                Err(error) => SendAttempt::Retry {
                    reason: error.to_string(),
                    retry_after: None,
                },
            }
        })
    }
}
