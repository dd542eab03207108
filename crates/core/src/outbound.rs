//! Which addresses outbound requests (webhooks, later bots and avatar fetches) may reach.
//! Loopback, private, link-local (cloud metadata lives there), shared and unspecified
//! addresses are refused unless `ALLOWED_PRIVATE_ADDRESSES` lists them, so that a URL an
//! account administrator types cannot probe the network the server runs in.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

/// An IP network, `10.0.0.0/8` or a single address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (ip, prefix) = match s.split_once('/') {
            Some((ip, p)) => (ip, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = ip
            .parse()
            .map_err(|_| format!("'{s}' is not an IP address or CIDR range"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("'{s}' has a bad prefix length"))?,
        };
        Ok(Cidr { addr, prefix })
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Parses `ALLOWED_PRIVATE_ADDRESSES`: comma-separated IPs or CIDR ranges.
pub fn parse_list(s: &str) -> Result<Vec<Cidr>, String> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(str::parse)
        .collect()
}

/// An IPv4 address written as IPv6 (`::ffff:127.0.0.1`) is judged as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// Whether `ip` is one an outside service must never make us call.
pub fn is_internal(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || o[0] == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique local fc00::/7 and link-local fe80::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
}

/// The addresses outbound requests may reach besides public ones, and the one pooled
/// HTTP client that reaches them.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    allowed: Vec<Cidr>,
    /// Built on first use and shared by every clone: a client per request would set up
    /// TLS and a connection each time, which capped webhook deliveries at about a hundred
    /// a second.
    pooled: Arc<OnceLock<reqwest::Client>>,
}

fn permits(allowed: &[Cidr], ip: IpAddr) -> bool {
    !is_internal(ip) || allowed.iter().any(|c| c.contains(ip))
}

/// The pooled client's DNS: every answer is checked when the connection is made, so a
/// host that resolved to a public address for `Policy::resolve` cannot switch to an
/// internal one for the connection (DNS rebinding).
struct Guarded(Vec<Cidr>);

impl reqwest::dns::Resolve for Guarded {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allowed = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(bad) = addrs.iter().find(|a| !permits(&allowed, a.ip())) {
                return Err(format!(
                    "{host} resolves to {}, a private address (see ALLOWED_PRIVATE_ADDRESSES)",
                    bad.ip()
                )
                .into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

impl Policy {
    pub fn new(allowed: Vec<Cidr>) -> Policy {
        Policy {
            allowed,
            pooled: Arc::default(),
        }
    }

    pub fn permits(&self, ip: IpAddr) -> bool {
        permits(&self.allowed, ip)
    }

    /// Resolves `url`'s host and returns the address to connect to, refusing internal
    /// ones. The caller connects to exactly this address, so a second DNS answer cannot
    /// swap in another.
    pub async fn resolve(&self, url: &url::Url) -> Result<SocketAddr, String> {
        let host = url.host_str().ok_or("the URL has no host")?;
        let port = url.port_or_known_default().ok_or("the URL has no port")?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| format!("cannot resolve {host}: {e}"))?
                .collect(),
        };
        if addrs.is_empty() {
            return Err(format!("cannot resolve {host}"));
        }
        // Every answer must be allowed, not only the first.
        if let Some(bad) = addrs.iter().find(|a| !self.permits(a.ip())) {
            return Err(format!(
                "{host} resolves to {}, a private address (see ALLOWED_PRIVATE_ADDRESSES)",
                bad.ip()
            ));
        }
        Ok(addrs[0])
    }

    /// A request to `url` once its address is checked (a clear error otherwise), on the
    /// pooled client, which checks again whatever it connects to and follows no
    /// redirects (a redirect could point anywhere).
    pub async fn request(
        &self,
        method: reqwest::Method,
        url: url::Url,
        timeout: std::time::Duration,
    ) -> Result<reqwest::RequestBuilder, String> {
        self.resolve(&url).await?;
        let client = match self.pooled.get() {
            Some(c) => c,
            None => {
                let built = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .dns_resolver(Arc::new(Guarded(self.allowed.clone())))
                    .build()
                    .map_err(|e| e.to_string())?;
                self.pooled.get_or_init(|| built)
            }
        };
        Ok(client.request(method, url).timeout(timeout))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_refused() {
        let p = Policy::default();
        for s in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!p.permits(ip(s)), "{s} should be refused");
        }
        for s in ["8.8.8.8", "1.1.1.1", "2606:4700::1111"] {
            assert!(p.permits(ip(s)), "{s} should be allowed");
        }
    }

    #[test]
    fn the_allow_list_opens_exactly_what_it_names() {
        let p = Policy::new(parse_list("127.0.0.1, 10.0.0.0/8,fd00::/8").unwrap());
        assert!(p.permits(ip("127.0.0.1")));
        assert!(!p.permits(ip("127.0.0.2")));
        assert!(p.permits(ip("10.200.1.1")));
        assert!(!p.permits(ip("192.168.0.1")));
        assert!(p.permits(ip("fd12::1")));
        assert!(parse_list("10.0.0.0/33").is_err());
        assert!(parse_list("nonsense").is_err());
        assert_eq!(parse_list("").unwrap(), vec![]);
    }
}
