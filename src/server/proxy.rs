//! The client's address. Behind a reverse proxy the TCP peer is the proxy, so
//! the login throttle and the audit trail would see one address for everyone;
//! `TRUSTED_PROXIES` names the proxies whose `X-Forwarded-For` is believed.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request};
use ipnet::IpNet;

/// The address a request came from, decided once per request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The proxies whose `X-Forwarded-For` header is trusted. Empty by default:
/// a client could write anything into that header.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

impl TrustedProxies {
    /// Parses a comma-separated list of addresses and CIDR ranges
    /// (`10.0.0.0/8, 192.168.1.7`).
    pub fn parse(list: &str) -> Result<Self, String> {
        let nets = list
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{item:?} is neither an IP address nor a CIDR range"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(Arc::new(nets)))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind any trusted proxies: reading `X-Forwarded-For` from
    /// the right (the entry our own proxy appended), the first address that
    /// is not a trusted proxy. Entries further left were written by whoever
    /// sent the request and prove nothing.
    pub fn client_ip(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        if !self.trusts(peer) {
            return peer.to_canonical();
        }
        let mut client = peer.to_canonical();
        for entry in forwarded_for
            .iter()
            .flat_map(|header| header.split(','))
            .rev()
        {
            let Ok(ip) = entry.trim().parse::<IpAddr>() else {
                break;
            };
            client = ip.to_canonical();
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// Puts the request's [`ClientIp`] into its extensions.
pub fn resolve_client_ip(proxies: &TrustedProxies, req: &mut Request) {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let ip = proxies.client_ip(peer.ip(), &forwarded);
        req.extensions_mut().insert(ClientIp(ip));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(none.client_ip(ip("10.0.0.5"), &["1.2.3.4"]), ip("10.0.0.5"));
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_spoofed_entries_are_skipped() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").unwrap();
        // The client wrote "6.6.6.6" itself; our proxy appended the real peer.
        assert_eq!(
            proxies.client_ip(ip("10.0.0.5"), &["6.6.6.6, 203.0.113.9"]),
            ip("203.0.113.9")
        );
        // Two proxies of ours in a row.
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), &["203.0.113.9", "10.1.2.3"]),
            ip("203.0.113.9")
        );
        // An untrusted peer cannot use the header at all.
        assert_eq!(
            proxies.client_ip(ip("198.51.100.1"), &["203.0.113.9"]),
            ip("198.51.100.1")
        );
        // Garbage stops the walk at the last good address.
        assert_eq!(
            proxies.client_ip(ip("10.0.0.5"), &["not-an-ip"]),
            ip("10.0.0.5")
        );
        // IPv4-mapped IPv6 peers count as their IPv4 address.
        assert_eq!(
            proxies.client_ip(ip("::ffff:10.0.0.5"), &["203.0.113.9"]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_list_must_be_addresses_or_ranges() {
        assert!(TrustedProxies::parse("10.0.0.0/8,::1").is_ok());
        assert!(TrustedProxies::parse("").unwrap().0.is_empty());
        assert!(TrustedProxies::parse("proxy.local").is_err());
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }
}
