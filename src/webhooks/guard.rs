//! The SSRF guard: webhooks go to public addresses only. A URL is refused when its host is,
//! or resolves to, a loopback, private, link-local, shared (CGNAT), multicast, reserved or
//! otherwise non-public address: when it is created or changed, and again at every attempt,
//! where the client's resolver drops such addresses, so the address checked is the address
//! connected to (no window for DNS rebinding). `TENANTPILOT_WEBHOOK_ALLOW_PRIVATE=1` turns
//! the guard off (development, tests, `serve --demo`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// How long a create or update waits for DNS before refusing the URL.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether `ip` is an address webhooks must never reach.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_forbidden_v4(v4),
        IpAddr::V6(v6) => is_forbidden_v6(v6),
    }
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT), RFC 6598
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking, RFC 2544
        || a >= 240 // reserved
}

fn is_forbidden_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_forbidden_v4(v4);
    }
    let segments = ip.segments();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00 // unique local, fc00::/7
        || (segments[0] & 0xffc0) == 0xfe80 // link-local, fe80::/10
        || (segments[0] & 0xffc0) == 0xfec0 // site-local (deprecated), fec0::/10
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        // NAT64 (64:ff9b::/96) and IPv4-compatible (::/96) forms reach the embedded IPv4
        || (segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
            && is_forbidden_v4(embedded_v4(segments)))
        || (segments[..6] == [0, 0, 0, 0, 0, 0] && is_forbidden_v4(embedded_v4(segments)))
}

fn embedded_v4(segments: [u16; 8]) -> Ipv4Addr {
    let [hi, lo] = [segments[6], segments[7]];
    Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)
}

/// Why a URL's host is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostRefused {
    #[error("{host} is (or resolves to) {address}, which is not a public address")]
    NotPublic { host: String, address: IpAddr },
    #[error("{host} does not resolve to any address")]
    Unresolvable { host: String },
}

/// The create/update check: the host is an allowed IP literal, or a name whose every
/// address is allowed. Does nothing when private addresses are allowed.
pub async fn check_host(url: &url::Url, allow_private: bool) -> Result<(), HostRefused> {
    if allow_private {
        return Ok(());
    }
    let host = url.host_str().unwrap_or_default().to_owned();
    let addresses: Vec<IpAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
        Some(url::Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
        Some(url::Host::Domain(name)) => {
            let lookup = tokio::net::lookup_host((name, 0));
            match tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await {
                Ok(Ok(found)) => found.map(|address| address.ip()).collect(),
                _ => Vec::new(),
            }
        }
        None => Vec::new(),
    };
    if addresses.is_empty() {
        return Err(HostRefused::Unresolvable { host });
    }
    match addresses.into_iter().find(|ip| is_forbidden(*ip)) {
        Some(address) => Err(HostRefused::NotPublic { host, address }),
        None => Ok(()),
    }
}

/// The literal-address half of the delivery-time check (the resolver sees names only).
pub fn literal_refused(url: &url::Url, allow_private: bool) -> Option<IpAddr> {
    if allow_private {
        return None;
    }
    let ip = match url.host()? {
        url::Host::Ipv4(ip) => IpAddr::V4(ip),
        url::Host::Ipv6(ip) => IpAddr::V6(ip),
        url::Host::Domain(_) => return None,
    };
    is_forbidden(ip).then_some(ip)
}

/// A name that resolved to no allowed address (the delivery-time refusal). Recognised in
/// the error chain of a failed attempt and logged as `address_not_allowed`.
#[derive(Debug, thiserror::Error)]
#[error("{0} resolves to no public address")]
pub struct AddressNotAllowed(pub String);

/// The webhook client's resolver: the system's, minus every forbidden address.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnlyResolver {
    pub allow_private: bool,
}

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|address| allow_private || !is_forbidden(address.ip()))
                .collect();
            if found.is_empty() {
                return Err(Box::new(AddressNotAllowed(host)) as _);
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forbidden(text: &str) -> bool {
        is_forbidden(text.parse().unwrap())
    }

    #[test]
    fn private_and_special_addresses_are_forbidden() {
        for address in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.10",
            "198.18.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(forbidden(address), "{address} must be refused");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for address in [
            "93.184.216.34",
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700:4700::1111",
            "::ffff:93.184.216.34",
        ] {
            assert!(!forbidden(address), "{address} is public");
        }
    }

    #[tokio::test]
    async fn hosts_are_checked_after_resolution_unless_private_is_allowed() {
        let url = |text: &str| url::Url::parse(text).unwrap();
        assert!(matches!(
            check_host(&url("http://127.0.0.1:9/"), false).await,
            Err(HostRefused::NotPublic { .. })
        ));
        assert!(matches!(
            check_host(&url("http://localhost:9/"), false).await,
            Err(HostRefused::NotPublic { .. })
        ));
        assert!(matches!(
            check_host(&url("http://[::1]:9/"), false).await,
            Err(HostRefused::NotPublic { .. })
        ));
        assert!(check_host(&url("https://93.184.216.34/"), false)
            .await
            .is_ok());
        assert!(check_host(&url("http://127.0.0.1:9/"), true).await.is_ok());
        assert_eq!(
            literal_refused(&url("http://10.0.0.1/"), false),
            Some("10.0.0.1".parse().unwrap())
        );
        assert_eq!(literal_refused(&url("http://10.0.0.1/"), true), None);
        assert_eq!(literal_refused(&url("http://localhost/"), false), None);
    }
}
