//! The SSRF guard: a webhook reaches only public addresses over `https`, unless the district
//! lists its host in `WEBHOOK_ALLOWED_HOSTS` (on-premises receivers, tests on loopback).
//! Checked when an endpoint is saved, and again at every delivery, where the name is resolved
//! by [`GuardedResolver`] so a name that later points inside the network is refused.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

/// The URL, when it is an absolute `http` or `https` URL with a host and no credentials.
pub fn parse(url: &str) -> Result<Url, String> {
    let parsed = Url::parse(url).map_err(|e| format!("not an absolute URL: {e}"))?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err("the URL must be https".into());
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("the URL has no host".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("the URL may not carry credentials: verify the signature instead".into());
    }
    Ok(parsed)
}

/// Whether `host` (and `port`) is listed: an entry is a host name or address, optionally with
/// `:port`.
fn listed(host: &str, port: Option<u16>, allowed: &[String]) -> bool {
    allowed.iter().any(|entry| {
        let entry = entry.trim().to_ascii_lowercase();
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        match entry.rsplit_once(':').filter(|(h, p)| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with(':')
        }) {
            Some((h, p)) => {
                let h = h.trim_start_matches('[').trim_end_matches(']');
                h == bare && p.parse::<u16>().ok() == port
            }
            None => entry.trim_start_matches('[').trim_end_matches(']') == bare,
        }
    })
}

/// Whether the district allows events to go to `url`: its host is listed, or it is `https`
/// and not an internal address or name.
pub fn allowed(url: &str, allowed_hosts: &[String]) -> Result<(), String> {
    let parsed = parse(url)?;
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    if listed(&host, parsed.port_or_known_default(), allowed_hosts) {
        return Ok(());
    }
    if parsed.scheme() != "https" {
        return Err("the URL must be https (http only for hosts in WEBHOOK_ALLOWED_HOSTS)".into());
    }
    let internal = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost"
                || name.ends_with(".localhost")
                || name.ends_with(".internal")
                || name.ends_with(".local")
                || !name.contains('.')
        }
        None => true,
    };
    if internal {
        return Err(format!(
            "{host} is not a public address; list it in WEBHOOK_ALLOWED_HOSTS to allow it"
        ));
    }
    Ok(())
}

/// Whether the internet routes to `ip`: not this host, a private or shared network, link-local
/// (the cloud metadata service), multicast, documentation or reserved space.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => public_v6(v6),
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (b == 18 || b == 19))
        || (a == 192 && b == 0 && c == 0))
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let embedded_v4 = |high: u16, low: u16| {
        Ipv4Addr::new(
            (high >> 8) as u8,
            (high & 0xff) as u8,
            (low >> 8) as u8,
            (low & 0xff) as u8,
        )
    };
    if let Some(v4) = ip.to_ipv4_mapped() {
        return public_v4(v4);
    }
    match segments {
        // NAT64 and 6to4 reach the IPv4 address inside.
        [0x64, 0xff9b, 0, 0, 0, 0, high, low] => return public_v4(embedded_v4(high, low)),
        [0x2002, high, low, ..] => return public_v4(embedded_v4(high, low)),
        _ => {}
    }
    // Only global unicast (2000::/3) is routed on the internet; within it, documentation,
    // Teredo and ORCHID space are not receivers.
    (segments[0] & 0xe000) == 0x2000
        && !(segments[0] == 0x2001 && segments[1] == 0x0db8)
        && !(segments[0] == 0x2001 && segments[1] == 0)
        && !(segments[0] == 0x2001 && (segments[1] & 0xfff0) == 0x0010)
}

/// Resolves names for deliveries, refusing any name with an address that is not public unless
/// the name is listed.
pub struct GuardedResolver {
    pub allowed_hosts: Vec<String>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let listed = self.allowed_hosts.iter().any(|entry| {
            let entry = entry.trim().to_ascii_lowercase();
            entry == host
                || entry
                    .rsplit_once(':')
                    .is_some_and(|(h, p)| h == host && p.bytes().all(|b| b.is_ascii_digit()))
        });
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !listed {
                if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
                    return Err(format!(
                        "{host} resolves to {}, which is not a public address",
                        bad.ip()
                    )
                    .into());
                }
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_refused() {
        for url in [
            "https://127.0.0.1/hook",
            "https://10.1.2.3/hook",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::1]/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://[fd00::1]/hook",
            "https://[fec0::1]/hook",
            "https://[::ffff:0:7f00:1]/hook",
            "https://[64:ff9b:1::a00:1]/hook",
            "https://[2001:0:4136:e378::1]/hook",
            "https://[2001:db8::1]/hook",
            "https://100.64.0.1/hook",
            "https://0.0.0.0/hook",
            "https://localhost/hook",
            "https://metadata.google.internal/hook",
            "https://intranet/hook",
            "http://sis.district.example.org/hook",
        ] {
            assert!(allowed(url, &[]).is_err(), "{url} was allowed");
        }
    }

    #[test]
    fn public_https_and_listed_hosts_are_allowed() {
        assert!(allowed("https://sis.district.example.org/hook", &[]).is_ok());
        assert!(allowed("https://93.184.216.34/hook", &[]).is_ok());
        assert!(allowed("https://[2606:4700::1111]/hook", &[]).is_ok());
        assert!(allowed("https://[64:ff9b::5db8:d822]/hook", &[]).is_ok());
        let listed = vec!["127.0.0.1:8099".to_owned(), "sis.local".to_owned()];
        assert!(allowed("http://127.0.0.1:8099/hook", &listed).is_ok());
        assert!(allowed("http://127.0.0.1:8100/hook", &listed).is_err());
        assert!(allowed("http://sis.local/hook", &listed).is_ok());
    }

    #[test]
    fn urls_are_absolute_without_credentials() {
        assert!(parse("/relative").is_err());
        assert!(parse("ftp://example.org/").is_err());
        assert!(parse("https://user:pw@example.org/").is_err());
        assert!(parse("https://example.org/hook?x=1").is_ok());
    }
}
