//! The channel providers over their real APIs (`ports::ChannelProvider`), one per channel
//! kind: WhatsApp Cloud API, Messenger/Instagram Send API (Graph), Telegram Bot API, Twilio
//! SMS, and e-mail over SMTP. Each builds its provider's request with `tandem-channels`' pure
//! adapters, performs it through the outbound guard, and reads the provider's answer into a
//! `SendAttempt`. A refused address fails the message for good. The same client asks each
//! provider whether an admin's credentials work before an inbox is saved, registers the
//! inbox's webhook with providers told it by API (Telegram), and downloads customers' media.

use std::sync::Arc;
use std::time::Duration;

use tandem_app::ports::{
    AddressRefused, BoxFuture, ChannelProvider, ChannelProviders, Outbound, SendAttempt,
};
use tandem_channels::config::{
    ChannelConfig, EmailConfig, MetaPageConfig, TelegramConfig, TwilioSmsConfig, WhatsappConfig,
};
use tandem_channels::media::{
    MediaError, MediaRequest, download_failure, media_request, read_lookup,
};
use tandem_channels::register::{read_registration, register_request};
use tandem_channels::verify::{ProviderUrls, Verification, read_verification, verify_request};
use tandem_channels::{
    HttpMethod, OutboundError, ProviderRequest, RequestBody, SendOutcome, meta, telegram, twilio,
};
use tandem_domain::inbox::Inbox;
use tandem_domain::message::Attachment;

use super::guard::{GuardedClient, OutboundGuard, refusal};

/// The base URLs of the providers' APIs (configurable, so tests point them at stand-ins).
#[derive(Clone, Debug)]
pub struct ProviderApis {
    pub meta_graph_url: String,
    pub telegram_api_url: String,
    pub twilio_api_url: String,
}

/// Builds each inbox's provider over one shared guarded HTTP client (no redirects, a 10 s
/// timeout); e-mail inboxes find their SMTP server's address through the same guard.
#[derive(Debug)]
pub struct HttpProviders {
    apis: ProviderApis,
    /// How providers reach this server, for delivery-status callbacks.
    public_url: String,
    http: GuardedClient,
    guard: OutboundGuard,
}

impl HttpProviders {
    pub fn new(
        guard: &OutboundGuard,
        apis: ProviderApis,
        public_url: String,
    ) -> reqwest::Result<Self> {
        let http = guard.client(
            concat!("Tandem/", env!("CARGO_PKG_VERSION")),
            Some(Duration::from_secs(10)),
        )?;
        Ok(Self {
            apis,
            public_url,
            http,
            guard: guard.clone(),
        })
    }
}

impl HttpProviders {
    /// The providers' API addresses, as the request builders take them.
    fn urls(&self) -> ProviderUrls<'_> {
        ProviderUrls {
            meta_graph: &self.apis.meta_graph_url,
            telegram: &self.apis.telegram_api_url,
            twilio: &self.apis.twilio_api_url,
        }
    }
}

impl ChannelProviders for HttpProviders {
    fn verify<'a>(&'a self, config: &'a ChannelConfig) -> BoxFuture<'a, Option<Verification>> {
        Box::pin(async move {
            let request = verify_request(config, self.urls())?;
            Some(match perform(&self.http, request).await {
                Ok((status, body, _)) => read_verification(config, status, &body),
                Err(SendAttempt::Failed(reason) | SendAttempt::Retry { reason, .. }) => {
                    Verification::Unavailable { reason }
                }
                Err(SendAttempt::Sent(_)) => Verification::Unavailable {
                    reason: "no answer".to_owned(),
                },
            })
        })
    }

    fn register_webhook<'a>(
        &'a self,
        config: &'a ChannelConfig,
        webhook_url: &'a str,
    ) -> BoxFuture<'a, Option<Result<(), String>>> {
        Box::pin(async move {
            let request = register_request(config, self.urls(), webhook_url)?;
            Some(match perform(&self.http, request).await {
                Ok((status, body, _)) => read_registration(status, &body),
                Err(SendAttempt::Failed(reason) | SendAttempt::Retry { reason, .. }) => Err(reason),
                Err(SendAttempt::Sent(_)) => Err("no answer".to_owned()),
            })
        })
    }

    fn fetch_media<'a>(
        &'a self,
        config: &'a ChannelConfig,
        attachment: &'a Attachment,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Vec<u8>, MediaError>> {
        Box::pin(async move {
            let download = match media_request(config, attachment, self.urls())? {
                MediaRequest::Download(request) => request,
                MediaRequest::Lookup(request) => {
                    let (status, body, _) =
                        perform(&self.http, request).await.map_err(media_failure)?;
                    read_lookup(config, self.urls(), status, &body)?
                }
            };
            download_capped(&self.http, download, max_bytes).await
        })
    }

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
                guard: self.guard.clone(),
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
    http: GuardedClient,
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
        let (status, body, retry_after) = match perform(&self.http, request).await {
            Ok(answer) => answer,
            Err(attempt) => return attempt,
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
}

/// Performs a provider request: the status, the body and the `Retry-After` header, or what to
/// do without an answer (retry; fail for good when the guard refused the address).
async fn perform(
    http: &GuardedClient,
    request: ProviderRequest,
) -> Result<(u16, String, Option<String>), SendAttempt> {
    let method = match request.method {
        HttpMethod::Get => reqwest::Method::GET,
        HttpMethod::Post => reqwest::Method::POST,
    };
    let retry = |reason: String| SendAttempt::Retry {
        reason,
        retry_after: None,
    };
    let mut builder = http
        .request(method, &request.url)
        .map_err(|refused| SendAttempt::Failed(refused.to_string()))?;
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    builder = match request.body {
        RequestBody::Empty => builder,
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
        .map_err(|error| match refusal(&error) {
            Some(refused) => SendAttempt::Failed(refused.to_string()),
            None => retry(format!("request failed: {}", error.without_url())),
        })?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = response.text().await.map_err(|error| {
        retry(format!(
            "reading the answer failed: {}",
            error.without_url()
        ))
    })?;
    Ok((status, body, retry_after))
}

/// A request that got no answer, as a media fetch's failure.
fn media_failure(attempt: SendAttempt) -> MediaError {
    match attempt {
        SendAttempt::Failed(reason) => MediaError::Unavailable(reason),
        SendAttempt::Retry { reason, .. } => MediaError::Retry(reason),
        SendAttempt::Sent(_) => MediaError::Retry("no answer".to_owned()),
    }
}

/// Redirects a download follows (Twilio serves media from a storage address it redirects to).
const MAX_REDIRECTS: usize = 3;

/// Downloads a provider's media, refusing it whole beyond `max_bytes`. Redirects are followed
/// through the guard, and credentials go only to the host they were given for.
async fn download_capped(
    http: &GuardedClient,
    request: ProviderRequest,
    max_bytes: u64,
) -> Result<Vec<u8>, MediaError> {
    let mut url = request.url;
    let mut headers = request.headers;
    for _ in 0..=MAX_REDIRECTS {
        let mut builder = http
            .request(reqwest::Method::GET, &url)
            .map_err(|refused| MediaError::Unavailable(refused.to_string()))?;
        for (name, value) in &headers {
            builder = builder.header(name, value);
        }
        let mut response = builder
            .send()
            .await
            .map_err(|error| match refusal(&error) {
                Some(refused) => MediaError::Unavailable(refused.to_string()),
                None => MediaError::Retry(format!("request failed: {}", error.without_url())),
            })?;
        let status = response.status();
        if status.is_redirection() {
            let next = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|location| location.to_str().ok())
                .and_then(|location| response.url().join(location).ok())
                .ok_or_else(|| {
                    MediaError::Unavailable(format!("HTTP {status} without a location"))
                })?;
            if next.host_str() != response.url().host_str() {
                headers.clear();
            }
            url = next.to_string();
            continue;
        }
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(download_failure(status.as_u16(), &body));
        }
        let too_large =
            || MediaError::Unavailable(format!("the file is larger than {max_bytes} bytes"));
        if response
            .content_length()
            .is_some_and(|length| length > max_bytes)
        {
            return Err(too_large());
        }
        let mut content = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|error| {
            MediaError::Retry(format!("reading the file failed: {}", error.without_url()))
        })? {
            if (content.len() + chunk.len()) as u64 > max_bytes {
                return Err(too_large());
            }
            content.extend_from_slice(&chunk);
        }
        return Ok(content);
    }
    Err(MediaError::Unavailable(format!(
        "more than {MAX_REDIRECTS} redirects"
    )))
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

/// E-mail over the inbox's SMTP server, at the address the guard checked.
struct Email {
    config: Arc<EmailConfig>,
    guard: OutboundGuard,
}

impl ChannelProvider for Email {
    fn send<'a>(&'a self, message: &'a Outbound) -> BoxFuture<'a, SendAttempt> {
        Box::pin(async move {
            let Outbound::Email(email) = message else {
                return wrong_kind();
            };
            let smtp = &self.config.smtp;
            let address = match self.guard.mail_server_address(&smtp.host, smtp.port).await {
                Ok(address) => address,
                Err(refused @ AddressRefused::Unresolved(_)) => {
                    return SendAttempt::Retry {
                        reason: refused.to_string(),
                        retry_after: None,
                    };
                }
                Err(refused) => return SendAttempt::Failed(refused.to_string()),
            };
            match tandem_mail::send(smtp, address, email).await {
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
