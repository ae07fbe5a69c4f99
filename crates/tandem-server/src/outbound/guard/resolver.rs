//! The DNS resolver of every guarded HTTP client: it resolves a name once and hands reqwest
//! only checked addresses, so the address connected to is the address checked (no window for
//! DNS rebinding between a check and the connection).

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tandem_app::ports::AddressRefused;

use super::policy::Policy;

/// Resolves for a client that calls one port (`None`: the ports no allow entry names).
#[derive(Debug)]
pub struct CheckingResolver {
    pub policy: Arc<Policy>,
    pub port: Option<u16>,
}

impl Resolve for CheckingResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let port = self.port;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses = resolve_checked(&policy, &host, port).await?;
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

/// The addresses of `host` if every one may be called on `port`: a name that answers with
/// any refused address is refused whole, since mixing public and private answers is how a
/// rebinding attack starts.
pub async fn resolve_checked(
    policy: &Policy,
    host: &str,
    port: Option<u16>,
) -> Result<Vec<SocketAddr>, AddressRefused> {
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port.unwrap_or(0)))
        .await
        .map_err(|_| AddressRefused::Unresolved(host.to_owned()))?
        .collect();
    if addresses.is_empty() {
        return Err(AddressRefused::Unresolved(host.to_owned()));
    }
    if policy.allows_name(host, port) {
        return Ok(addresses);
    }
    for address in &addresses {
        if let Err(range) = policy.check_address(address.ip(), port) {
            let refused = AddressRefused::Address {
                host: host.to_owned(),
                address: address.ip(),
                range,
            };
            tracing::warn!(%host, address = %address.ip(), range, "outbound call refused");
            return Err(refused);
        }
    }
    Ok(addresses)
}
