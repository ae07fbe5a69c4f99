//! The outbound policy as pure code: which addresses are not public (loopback, private,
//! link-local with the cloud metadata address, CGNAT, multicast, documentation...; IPv6 forms
//! that embed a refused IPv4 address), and the operator's allow-list entries
//! (`host:port`, `CIDR` or `CIDR:port`) that open some of them again.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IPv4 ranges the server never calls on a user's behalf unless allowed: (network, prefix
/// length, what it is).
const REFUSED_V4: [(Ipv4Addr, u8, &str); 15] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8, "an unspecified address"),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "a private address"),
    (
        Ipv4Addr::new(100, 64, 0, 0),
        10,
        "a carrier-grade NAT address",
    ),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "a loopback address"),
    (
        Ipv4Addr::new(169, 254, 0, 0),
        16,
        "a link-local address (cloud metadata)",
    ),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "a private address"),
    (
        Ipv4Addr::new(192, 0, 0, 0),
        24,
        "a protocol assignment address",
    ),
    (Ipv4Addr::new(192, 0, 2, 0), 24, "a documentation address"),
    (Ipv4Addr::new(192, 88, 99, 0), 24, "a 6to4 relay address"),
    (Ipv4Addr::new(192, 168, 0, 0), 16, "a private address"),
    (Ipv4Addr::new(198, 18, 0, 0), 15, "a benchmarking address"),
    (
        Ipv4Addr::new(198, 51, 100, 0),
        24,
        "a documentation address",
    ),
    (Ipv4Addr::new(203, 0, 113, 0), 24, "a documentation address"),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "a multicast address"),
    (
        Ipv4Addr::new(240, 0, 0, 0),
        4,
        "a reserved or broadcast address",
    ),
];

/// IPv6 ranges refused whole (those embedding an IPv4 address are judged by it instead).
const REFUSED_V6: [(Ipv6Addr, u8, &str); 12] = [
    (Ipv6Addr::UNSPECIFIED, 128, "an unspecified address"),
    (Ipv6Addr::LOCALHOST, 128, "a loopback address"),
    (
        Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0),
        48,
        "a local NAT64 address",
    ),
    (
        Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0),
        64,
        "a discard address",
    ),
    (
        Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0),
        32,
        "a Teredo address",
    ),
    (
        Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 0),
        48,
        "a benchmarking address",
    ),
    (
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0),
        32,
        "a documentation address",
    ),
    (
        Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0),
        20,
        "a documentation address",
    ),
    (
        Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0),
        7,
        "a unique local (private) address",
    ),
    (
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0),
        10,
        "a link-local address",
    ),
    (
        Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0),
        10,
        "a site-local address",
    ),
    (
        Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0),
        8,
        "a multicast address",
    ),
];

/// What `address` is when the server must not call it unless allowed; `None` for a public
/// address. IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64
/// (`64:ff9b::/96`) and 6to4 (`2002::/16`) addresses are judged by the IPv4 address inside.
pub fn refused_range(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => REFUSED_V4
            .iter()
            .find(|(network, prefix, _)| v4_in(v4, *network, *prefix))
            .map(|(_, _, what)| *what),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return refused_range(IpAddr::V4(v4));
            }
            REFUSED_V6
                .iter()
                .find(|(network, prefix, _)| v6_in(v6, *network, *prefix))
                .map(|(_, _, what)| *what)
        }
    }
}

/// The IPv4 address an IPv6 address carries by a standard translation, if any.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = u128::from(v6);
    let low32 = Ipv4Addr::from((bits & 0xffff_ffff) as u32);
    if let Some(mapped) = v6.to_ipv4_mapped() {
        return Some(mapped);
    }
    // IPv4-compatible `::a.b.c.d` (deprecated); `::` and `::1` are themselves.
    if bits >> 32 == 0 && bits > 1 {
        return Some(low32);
    }
    if v6_in(v6, Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96) {
        return Some(low32);
    }
    if v6_in(v6, Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16) {
        return Some(Ipv4Addr::from(((bits >> 80) & 0xffff_ffff) as u32));
    }
    None
}

fn v4_in(address: Ipv4Addr, network: Ipv4Addr, prefix: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    u32::from(address) & mask == u32::from(network) & mask
}

fn v6_in(address: Ipv6Addr, network: Ipv6Addr, prefix: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    u128::from(address) & mask == u128::from(network) & mask
}

/// One entry of the operator's allow-list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowEntry {
    /// A host name on one port (`bank.internal:8443`): whatever it resolves to.
    Host { name: String, port: u16 },
    /// Addresses in a network (`10.1.0.0/16`, `127.0.0.1`), on one port or any.
    Network {
        network: IpAddr,
        prefix: u8,
        port: Option<u16>,
    },
}

/// An allow-list entry that does not parse.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{entry:?} is not an allow-list entry: use host:port, an address, or a CIDR such as 10.0.0.0/8, each optionally with :port ([v6]:port for IPv6)"
)]
pub struct InvalidAllowEntry {
    pub entry: String,
}

impl AllowEntry {
    /// Reads `host:port`, `address[:port]`, `CIDR[:port]`, `[v6]:port` or `[v6/len]:port`.
    pub fn parse(raw: &str) -> Result<Self, InvalidAllowEntry> {
        let invalid = || InvalidAllowEntry {
            entry: raw.to_owned(),
        };
        let raw_trimmed = raw.trim();
        let (target, port) = if let Some(rest) = raw_trimmed.strip_prefix('[') {
            let (inside, after) = rest.split_once(']').ok_or_else(invalid)?;
            let port = match after {
                "" => None,
                after => Some(after.strip_prefix(':').ok_or_else(invalid)?),
            };
            (inside, port)
        } else if raw_trimmed.matches(':').count() > 1 {
            // A bare IPv6 address or network, without a port.
            (raw_trimmed, None)
        } else {
            match raw_trimmed.rsplit_once(':') {
                Some((target, port)) => (target, Some(port)),
                None => (raw_trimmed, None),
            }
        };
        let port = port
            .map(|port| port.parse::<u16>().ok().filter(|port| *port != 0))
            .map(|port| port.ok_or_else(invalid))
            .transpose()?;
        let (address, prefix) = match target.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (target, None),
        };
        if let Ok(network) = address.parse::<IpAddr>() {
            let width = if network.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                Some(prefix) => prefix
                    .parse::<u8>()
                    .ok()
                    .filter(|prefix| *prefix <= width)
                    .ok_or_else(invalid)?,
                None => width,
            };
            return Ok(AllowEntry::Network {
                network,
                prefix,
                port,
            });
        }
        let name = normalize_host(target);
        let is_name = prefix.is_none()
            && !name.is_empty()
            && name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.'));
        match (is_name, port) {
            (true, Some(port)) => Ok(AllowEntry::Host { name, port }),
            _ => Err(invalid()),
        }
    }
}

/// A host name as compared: lower case, without a trailing dot.
pub fn normalize_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// The refused ranges and the operator's allow-list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    allowed: Vec<AllowEntry>,
}

impl Policy {
    pub fn new(allowed: Vec<AllowEntry>) -> Self {
        Self { allowed }
    }

    /// Reads the operator's entries, reporting the first that does not parse.
    pub fn parse<'a>(
        entries: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, InvalidAllowEntry> {
        entries
            .into_iter()
            .filter(|entry| !entry.trim().is_empty())
            .map(AllowEntry::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(Self::new)
    }

    /// The ports some entry is limited to, each of which gets its own client.
    pub fn named_ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = self
            .allowed
            .iter()
            .filter_map(|entry| match entry {
                AllowEntry::Host { port, .. } => Some(*port),
                AllowEntry::Network { port, .. } => *port,
            })
            .collect();
        ports.sort_unstable();
        ports.dedup();
        ports
    }

    /// Whether the operator allowed the host name `host` on `port` (`None`: a port no entry
    /// names).
    pub fn allows_name(&self, host: &str, port: Option<u16>) -> bool {
        let host = normalize_host(host);
        self.allowed.iter().any(|entry| {
            matches!(entry, AllowEntry::Host { name, port: allowed } if *name == host && Some(*allowed) == port)
        })
    }

    /// Whether `address` may be called on `port` (`None`: a port no entry names, so only
    /// entries without a port apply), or what it is if not.
    pub fn check_address(&self, address: IpAddr, port: Option<u16>) -> Result<(), &'static str> {
        let address = canonical(address);
        let allowed = self.allowed.iter().any(|entry| match entry {
            AllowEntry::Network {
                network,
                prefix,
                port: allowed_port,
            } => {
                allowed_port.is_none_or(|allowed| Some(allowed) == port)
                    && match (canonical(*network), address) {
                        (IpAddr::V4(network), IpAddr::V4(address)) => {
                            v4_in(address, network, *prefix)
                        }
                        (IpAddr::V6(network), IpAddr::V6(address)) => {
                            v6_in(address, network, *prefix)
                        }
                        _ => false,
                    }
            }
            AllowEntry::Host { .. } => false,
        });
        match refused_range(address) {
            Some(range) if !allowed => Err(range),
            _ => Ok(()),
        }
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is, so allow entries match either form.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn every_non_public_range_is_refused() {
        for address in [
            "127.0.0.1",
            "127.255.255.254",
            "0.0.0.0",
            "10.0.0.5",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "169.254.169.254",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.10",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "198.19.255.255",
            "192.0.0.8",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.5",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2002:a00:5::",
            "2001:db8::1",
            "2001::1",
            "100::1",
        ] {
            assert!(refused_range(ip(address)).is_some(), "{address} is refused");
        }
    }

    #[test]
    fn public_addresses_and_their_translations_pass() {
        for address in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "169.255.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert_eq!(refused_range(ip(address)), None, "{address} is public");
        }
    }

    #[test]
    fn the_metadata_address_is_named_for_the_operator() {
        assert_eq!(
            refused_range(ip("169.254.169.254")),
            Some("a link-local address (cloud metadata)")
        );
    }

    #[test]
    fn allow_entries_parse_in_every_form() {
        let network = |network: &str, prefix, port| AllowEntry::Network {
            network: ip(network),
            prefix,
            port,
        };
        assert_eq!(
            AllowEntry::parse("127.0.0.1:8080").unwrap(),
            network("127.0.0.1", 32, Some(8080))
        );
        assert_eq!(
            AllowEntry::parse("10.0.0.0/8").unwrap(),
            network("10.0.0.0", 8, None)
        );
        assert_eq!(
            AllowEntry::parse(" 10.1.0.0/16:443 ").unwrap(),
            network("10.1.0.0", 16, Some(443))
        );
        assert_eq!(AllowEntry::parse("::1").unwrap(), network("::1", 128, None));
        assert_eq!(
            AllowEntry::parse("[fd00::/8]:443").unwrap(),
            network("fd00::", 8, Some(443))
        );
        assert_eq!(
            AllowEntry::parse("Bank.Internal.:8443").unwrap(),
            AllowEntry::Host {
                name: "bank.internal".into(),
                port: 8443
            }
        );
        for bad in [
            "bank.internal",
            "10.0.0.0/33",
            "127.0.0.1:0",
            "127.0.0.1:http",
            "[::1",
            "[::1]8080",
            "bank internal:80",
            "bank.internal/8:80",
            "",
        ] {
            assert!(AllowEntry::parse(bad).is_err(), "{bad:?} is refused");
        }
    }

    #[test]
    fn the_allow_list_opens_exactly_what_it_names() {
        let policy = Policy::parse([
            "127.0.0.1:8080",
            "10.1.0.0/16",
            "bank.internal:8443",
            "[fd00::/8]:443",
        ])
        .unwrap();
        assert_eq!(policy.check_address(ip("127.0.0.1"), Some(8080)), Ok(()));
        assert_eq!(
            policy.check_address(ip("::ffff:127.0.0.1"), Some(8080)),
            Ok(()),
            "the mapped form of an allowed address is the same address"
        );
        assert!(policy.check_address(ip("127.0.0.1"), Some(22)).is_err());
        assert!(policy.check_address(ip("127.0.0.1"), None).is_err());
        assert!(policy.check_address(ip("127.0.0.2"), Some(8080)).is_err());
        assert_eq!(policy.check_address(ip("10.1.200.3"), None), Ok(()));
        assert_eq!(policy.check_address(ip("10.1.200.3"), Some(5432)), Ok(()));
        assert!(policy.check_address(ip("10.2.0.1"), None).is_err());
        assert_eq!(policy.check_address(ip("fd00::5"), Some(443)), Ok(()));
        assert!(policy.check_address(ip("fd00::5"), Some(80)).is_err());
        assert!(
            policy
                .check_address(ip("169.254.169.254"), Some(80))
                .is_err()
        );
        assert!(policy.allows_name("BANK.internal", Some(8443)));
        assert!(!policy.allows_name("bank.internal", Some(80)));
        assert!(!policy.allows_name("bank.internal", None));
        assert_eq!(policy.named_ports(), [443, 8080, 8443]);
        assert_eq!(Policy::default().check_address(ip("8.8.8.8"), None), Ok(()));
    }
}
