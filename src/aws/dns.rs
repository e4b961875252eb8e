//! Resolving the DNS names of alias targets (load balancers, distributions), to tell which
//! record of a failover pair the addresses in a `TestDNSAnswer` belong to.
//!
//! By default the system resolver is used. A resolver can be named instead (`dns_server` in the
//! config, or `SWITCHYARD_DNS_SERVER`), for bastions whose resolver answers differently, and for
//! the built-in emulator, which answers for the names of its account.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::net::UdpSocket;

/// How long one query may take before it is retried once.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// Where names are resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolver {
    System,
    Server(SocketAddr),
}

impl Resolver {
    /// Parses `ip`, `ip:port` or `[ipv6]:port`; port 53 when none is given.
    pub fn parse(s: &str) -> Result<Resolver, String> {
        let s = s.trim();
        if let Ok(addr) = s.parse::<SocketAddr>() {
            return Ok(Resolver::Server(addr));
        }
        s.parse::<IpAddr>()
            .map(|ip| Resolver::Server(SocketAddr::new(ip, 53)))
            .map_err(|_| format!("{s:?} is not a DNS server address (expected an IP address, with an optional :port)"))
    }

    /// The resolver named by `SWITCHYARD_DNS_SERVER`, else the system's.
    pub fn from_env() -> Result<Resolver, String> {
        match std::env::var("SWITCHYARD_DNS_SERVER") {
            Ok(v) if !v.trim().is_empty() => {
                Resolver::parse(&v).map_err(|e| format!("SWITCHYARD_DNS_SERVER: {e}"))
            }
            _ => Ok(Resolver::System),
        }
    }

    /// The IPv4 and IPv6 addresses of a name; an empty list when it does not exist.
    pub async fn resolve(&self, name: &str) -> Result<Vec<String>, String> {
        let name = name.trim_end_matches('.');
        match self {
            Resolver::System => {
                match tokio::time::timeout(QUERY_TIMEOUT * 2, tokio::net::lookup_host((name, 0)))
                    .await
                {
                    Ok(Ok(addrs)) => {
                        let mut out: Vec<String> = addrs.map(|a| a.ip().to_string()).collect();
                        out.sort();
                        out.dedup();
                        Ok(out)
                    }
                    Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
                    Ok(Err(e)) => Err(format!("cannot resolve {name}: {e}")),
                    Err(_) => Err(format!(
                        "resolving {name} took longer than {} s",
                        (QUERY_TIMEOUT * 2).as_secs()
                    )),
                }
            }
            Resolver::Server(addr) => {
                let mut last = String::new();
                for attempt in 0..2u16 {
                    match query(*addr, name, 0x5300 + attempt).await {
                        Ok(ips) => return Ok(ips),
                        Err(e) => last = e,
                    }
                }
                Err(last)
            }
        }
    }
}

/// One A query over UDP.
async fn query(server: SocketAddr, name: &str, id: u16) -> Result<Vec<String>, String> {
    let bind: SocketAddr = if server.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        ([0u16; 8], 0).into()
    };
    let socket = UdpSocket::bind(bind)
        .await
        .map_err(|e| format!("cannot open a UDP socket: {e}"))?;
    let msg = encode_query(name, id)?;
    socket
        .send_to(&msg, server)
        .await
        .map_err(|e| format!("cannot reach DNS server {server}: {e}"))?;
    let mut buf = [0u8; 1500];
    let (n, _) = tokio::time::timeout(QUERY_TIMEOUT, socket.recv_from(&mut buf))
        .await
        .map_err(|_| {
            format!(
                "DNS server {server} did not answer within {} s",
                QUERY_TIMEOUT.as_secs()
            )
        })?
        .map_err(|e| format!("DNS server {server}: {e}"))?;
    decode_answer(&buf[..n], id).map_err(|e| format!("DNS server {server}: {e}"))
}

pub fn encode_query(name: &str, id: u16) -> Result<Vec<u8>, String> {
    let mut q = Vec::with_capacity(name.len() + 18);
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(format!("{name:?} is not a DNS name"));
        }
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    Ok(q)
}

/// The A records of an answer (NXDOMAIN: none).
pub fn decode_answer(msg: &[u8], id: u16) -> Result<Vec<String>, String> {
    let err = || "malformed answer".to_string();
    if msg.len() < 12 || msg[..2] != id.to_be_bytes() {
        return Err(err());
    }
    match msg[3] & 0x0f {
        0 => {}
        3 => return Ok(Vec::new()),
        code => return Err(format!("answered with error code {code}")),
    }
    let qd = u16::from_be_bytes([msg[4], msg[5]]);
    let an = u16::from_be_bytes([msg[6], msg[7]]);
    let mut pos = 12;
    for _ in 0..qd {
        pos = skip_name(msg, pos).ok_or_else(err)? + 4;
    }
    let mut out = Vec::new();
    for _ in 0..an {
        pos = skip_name(msg, pos).ok_or_else(err)?;
        let header = msg.get(pos..pos + 10).ok_or_else(err)?;
        let rtype = u16::from_be_bytes([header[0], header[1]]);
        let len = u16::from_be_bytes([header[8], header[9]]) as usize;
        let data = msg.get(pos + 10..pos + 10 + len).ok_or_else(err)?;
        if rtype == 1 && len == 4 {
            out.push(format!("{}.{}.{}.{}", data[0], data[1], data[2], data[3]));
        }
        pos += 10 + len;
    }
    Ok(out)
}

fn skip_name(msg: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let len = *msg.get(pos)?;
        if len & 0xc0 == 0xc0 {
            return Some(pos + 2);
        }
        pos += 1 + len as usize;
        if len == 0 {
            return Some(pos);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_server_addresses() {
        assert_eq!(
            Resolver::parse("10.0.0.2").unwrap(),
            Resolver::Server("10.0.0.2:53".parse().unwrap())
        );
        assert_eq!(
            Resolver::parse("127.0.0.1:5300").unwrap(),
            Resolver::Server("127.0.0.1:5300".parse().unwrap())
        );
        assert!(
            Resolver::parse("dns.corp")
                .unwrap_err()
                .contains("not a DNS server address")
        );
    }

    #[test]
    fn decodes_what_it_encodes_against_a_real_answer_shape() {
        let q = encode_query("a.example.com", 7).unwrap();
        let mut a = q.clone();
        a[2] = 0x81;
        a[3] = 0x80;
        a[7] = 1;
        a.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 9]);
        assert_eq!(decode_answer(&a, 7).unwrap(), ["192.0.2.9"]);
        assert!(decode_answer(&a, 8).is_err(), "another query's answer");
        assert!(decode_answer(&a[..20], 7).is_err());
        assert!(encode_query("bad..name", 1).is_err());
    }

    #[tokio::test]
    async fn resolves_through_the_emulator() {
        let scenario = crate::sim::Scenario::parse(
            "name = \"d\"\n[[hosted_zones]]\nid = \"Z1\"\nname = \"example.com\"\n[[hosted_zones.records]]\nname = \"x.example.com\"\nvalues = [\"192.0.2.44\"]\n",
        )
        .unwrap();
        let sim = crate::sim::start(crate::sim::SimOptions::new(scenario))
            .await
            .unwrap();
        let r = Resolver::Server(sim.dns_server());
        assert_eq!(r.resolve("x.example.com.").await.unwrap(), ["192.0.2.44"]);
        assert!(r.resolve("nope.example.com").await.unwrap().is_empty());
    }
}
