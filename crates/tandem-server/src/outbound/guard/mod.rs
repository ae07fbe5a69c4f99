//! The outbound request guard: the one way the server builds a client for calls made on a
//! user's behalf (bot actions, external bots, webhooks, channel providers) and finds the
//! address of a user's mail server. Only public addresses over `http`/`https` are called,
//! unless the operator's `outbound_allow` names them; a URL's IP literal is checked before
//! the request, a name when it is resolved (once: the checked address is the one connected
//! to). The same checks run when a user saves such an address ([`OutboundPolicy`]).

pub mod policy;
mod resolver;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::dns::Resolve;
use reqwest::redirect::Policy as RedirectPolicy;
use tandem_app::ports::{AddressRefused, BoxFuture, OutboundPolicy};

use policy::Policy;
use resolver::{CheckingResolver, resolve_checked};

/// Longest time a save waits for a name to resolve before it is left to the call-time check.
const SAVE_LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

/// The refused ranges and the operator's allow-list, shared by every guarded client.
#[derive(Clone, Debug, Default)]
pub struct OutboundGuard {
    policy: Arc<Policy>,
}

impl OutboundGuard {
    pub fn new(policy: Policy) -> Self {
        Self {
            policy: Arc::new(policy),
        }
    }

    /// A client that follows no redirects (a redirect could lead anywhere), uses no proxy
    /// from the environment (the proxy would resolve names unchecked), names itself
    /// `user_agent` and bounds each whole request by `timeout`.
    pub fn client(
        &self,
        user_agent: &str,
        timeout: Option<Duration>,
    ) -> reqwest::Result<GuardedClient> {
        let build = |port: Option<u16>| {
            let resolver: Arc<dyn Resolve> = Arc::new(CheckingResolver {
                policy: self.policy.clone(),
                port,
            });
            let builder = reqwest::Client::builder()
                .redirect(RedirectPolicy::none())
                .no_proxy()
                .dns_resolver(resolver)
                .user_agent(user_agent);
            match timeout {
                Some(timeout) => builder.timeout(timeout),
                None => builder,
            }
            .build()
        };
        let by_port = self
            .policy
            .named_ports()
            .into_iter()
            .map(|port| Ok((port, build(Some(port))?)))
            .collect::<reqwest::Result<HashMap<_, _>>>()?;
        Ok(GuardedClient {
            policy: self.policy.clone(),
            other_ports: build(None)?,
            by_port: Arc::new(by_port),
        })
    }

    /// The checked address to connect to for a mail server.
    pub async fn mail_server_address(
        &self,
        host: &str,
        port: u16,
    ) -> Result<SocketAddr, AddressRefused> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(address) = host.parse::<IpAddr>() {
            check_literal(&self.policy, host, address, port)?;
            return Ok(SocketAddr::new(address, port));
        }
        let addresses = resolve_checked(&self.policy, host, Some(port)).await?;
        addresses
            .first()
            .map(|address| SocketAddr::new(address.ip(), port))
            .ok_or_else(|| AddressRefused::Unresolved(host.to_owned()))
    }
}

/// Refuses an IP literal the policy does not allow on `port`, logging it for the operator.
fn check_literal(
    policy: &Policy,
    host: &str,
    address: IpAddr,
    port: u16,
) -> Result<(), AddressRefused> {
    policy.check_address(address, Some(port)).map_err(|range| {
        tracing::warn!(%host, %address, range, "outbound call refused");
        AddressRefused::Address {
            host: host.to_owned(),
            address,
            range,
        }
    })
}

/// The URL parsed, if its form may be called: `http`/`https`, no credentials, a host, and an
/// IP literal host allowed on its port. A host name is checked when it is resolved.
fn check_url_form(policy: &Policy, url: &str) -> Result<(Url, u16), AddressRefused> {
    let parsed = Url::parse(url).map_err(|_| AddressRefused::InvalidUrl)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(AddressRefused::Scheme(parsed.scheme().to_owned()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(AddressRefused::Credentials);
    }
    let port = parsed
        .port_or_known_default()
        .ok_or(AddressRefused::InvalidUrl)?;
    match parsed.host() {
        None => return Err(AddressRefused::NoHost),
        Some(url::Host::Ipv4(address)) => {
            check_literal(policy, &address.to_string(), IpAddr::V4(address), port)?;
        }
        Some(url::Host::Ipv6(address)) => {
            check_literal(policy, &address.to_string(), IpAddr::V6(address), port)?;
        }
        Some(url::Host::Domain(_)) => {}
    }
    Ok((parsed, port))
}

impl OutboundPolicy for OutboundGuard {
    fn check_url<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<(), AddressRefused>> {
        Box::pin(async move {
            let (parsed, port) = check_url_form(&self.policy, url)?;
            match parsed.host() {
                Some(url::Host::Domain(host)) => self.check_host(host, port).await,
                _ => Ok(()),
            }
        })
    }

    fn check_host<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, Result<(), AddressRefused>> {
        Box::pin(async move {
            match tokio::time::timeout(SAVE_LOOKUP_TIMEOUT, self.mail_server_address(host, port))
                .await
            {
                Ok(Err(refused @ AddressRefused::Address { .. })) => Err(refused),
                // A name that does not resolve now is checked again when it is called.
                Ok(Err(AddressRefused::Unresolved(_)) | Ok(_)) | Err(_) => Ok(()),
                Ok(Err(other)) => Err(other),
            }
        })
    }
}

/// An HTTP client whose every request is checked by the guard: one reqwest client per port
/// an allow-list entry names (their resolvers apply those entries), one for every other port.
#[derive(Clone, Debug)]
pub struct GuardedClient {
    policy: Arc<Policy>,
    other_ports: reqwest::Client,
    by_port: Arc<HashMap<u16, reqwest::Client>>,
}

impl GuardedClient {
    /// A request to `url`, once its form and any IP literal in it pass.
    pub fn request(
        &self,
        method: reqwest::Method,
        url: &str,
    ) -> Result<reqwest::RequestBuilder, AddressRefused> {
        let (parsed, port) = check_url_form(&self.policy, url)?;
        let client = self.by_port.get(&port).unwrap_or(&self.other_ports);
        Ok(client.request(method, parsed))
    }

    pub fn post(&self, url: &str) -> Result<reqwest::RequestBuilder, AddressRefused> {
        self.request(reqwest::Method::POST, url)
    }
}

/// The guard's refusal inside a failed request's causes, if that is why it failed.
pub fn refusal(error: &reqwest::Error) -> Option<AddressRefused> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<AddressRefused>() {
            return Some(refused.clone());
        }
        source = cause.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_urls_pass_their_form_check() {
        let policy = Policy::default();
        for (url, refused) in [
            ("ftp://example.com/x", AddressRefused::Scheme("ftp".into())),
            ("file:///etc/passwd", AddressRefused::Scheme("file".into())),
            ("http://user:pw@example.com/", AddressRefused::Credentials),
            ("not a url", AddressRefused::InvalidUrl),
        ] {
            assert_eq!(check_url_form(&policy, url).unwrap_err(), refused, "{url}");
        }
        for url in [
            "http://127.0.0.1:8080/x",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://10.0.0.5/",
        ] {
            assert!(
                matches!(
                    check_url_form(&policy, url),
                    Err(AddressRefused::Address { .. })
                ),
                "{url} is refused"
            );
        }
        assert!(check_url_form(&policy, "https://api.example.com/v1").is_ok());
        assert!(check_url_form(&policy, "http://8.8.8.8/").is_ok());
    }

    #[tokio::test]
    async fn a_name_for_loopback_is_refused_at_save_and_when_called() {
        let guard = OutboundGuard::default();
        assert!(matches!(
            guard.check_url("http://localhost:8080/x").await,
            Err(AddressRefused::Address { .. })
        ));
        assert!(matches!(
            guard.mail_server_address("localhost", 993).await,
            Err(AddressRefused::Address { .. })
        ));
        let allowed = OutboundGuard::new(Policy::parse(["localhost:8080"]).unwrap());
        assert_eq!(allowed.check_url("http://localhost:8080/x").await, Ok(()));
        assert!(allowed.check_url("http://localhost:8081/x").await.is_err());
    }

    #[tokio::test]
    async fn a_refused_request_says_why() {
        let client = OutboundGuard::default().client("test", None).unwrap();
        let error = client
            .post("http://localhost:9/")
            .unwrap()
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(refusal(&error), Some(AddressRefused::Address { .. })),
            "{error:?}"
        );
    }
}
