//! The client's address, for throttling logins: the TCP peer, or, when the peer is a proxy the
//! operator trusts (`trusted_proxies`), the nearest address in `X-Forwarded-For` that is not
//! one of those proxies. Without trusted proxies the header is ignored, so a client cannot
//! name its own address.

use std::net::IpAddr;
use std::str::FromStr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

/// A `trusted_proxies` entry that is neither an address nor a network.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not an IP address or a network like 10.0.0.0/8")]
pub struct BadProxy(String);

impl TrustedProxies {
    /// Reads addresses (`10.0.0.1`) and networks (`10.0.0.0/8`, `fd00::/8`).
    pub fn parse(entries: &[String]) -> Result<Self, BadProxy> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                IpNet::from_str(entry)
                    .or_else(|_| IpAddr::from_str(entry).map(IpNet::from))
                    .map_err(|_| BadProxy(entry.to_owned()))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client behind `peer`: walking `X-Forwarded-For` from the right while the hop that
    /// added an entry is trusted.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        let mut client = canonical(peer);
        for entry in forwarded.iter().rev() {
            if !self.trusts(client) {
                break;
            }
            match IpAddr::from_str(entry) {
                Ok(address) => client = canonical(address),
                Err(_) => break,
            }
        }
        client
    }
}

/// IPv4 clients of a dual-stack socket arrive as `::ffff:a.b.c.d`.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(forwarded: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(forwarded).unwrap());
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_header_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("198.51.100.9"), &headers("203.0.113.7")),
            ip("198.51.100.9")
        );
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".into(), "192.0.2.1".into()]).unwrap();
        assert_eq!(
            proxies.client(ip("198.51.100.9"), &headers("203.0.113.7")),
            ip("198.51.100.9")
        );
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &headers("203.0.113.7")),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn the_rightmost_untrusted_entry_is_the_client_and_a_forged_left_part_is_ignored() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".into()]).unwrap();
        let forged = headers("1.1.1.1, 203.0.113.7, 10.0.0.5");
        assert_eq!(proxies.client(ip("10.0.0.9"), &forged), ip("203.0.113.7"));
        assert_eq!(
            proxies.client(ip("10.0.0.9"), &headers("junk")),
            ip("10.0.0.9")
        );
        assert_eq!(
            proxies.client(ip("::ffff:10.0.0.9"), &headers("203.0.113.7")),
            ip("203.0.113.7")
        );
        assert!(TrustedProxies::parse(&["nowhere".into()]).is_err());
    }
}
