//! Two small DNS servers beside the HTTP port.
//!
//! - A resolver (UDP): it answers A and AAAA queries for the names the simulated account owns
//!   (load balancers, distributions, records in its hosted zones, and the names of its hosted
//!   zones' name servers, which lead to 127.0.0.1), as the internet's resolvers would.
//!   switchyard resolves alias targets with it in the demo and the tests
//!   (`SWITCHYARD_DNS_SERVER`), to tell which record an answer's addresses belong to.
//! - Route 53's name servers (UDP and TCP, on a port of their own: `SWITCHYARD_NAME_SERVER_PORT`):
//!   authoritative for the public hosted zones, as `ns-….awsdns-….` answer on the internet. The
//!   answer is TestDNSAnswer's (the same failover, weighted and alias logic, over the published
//!   records), with the record's TTL and the AA flag; a CNAME is answered as the CNAME record;
//!   names outside the public zones are REFUSED. Queries are counted
//!   ([`super::faults::CallCounts::dns`]) and hit the faults of service `dns` (operation: the
//!   query type): latency, drop or timeout (no answer), error (`REFUSED`, else SERVFAIL).
//!
//! Several emulators, one per account, are chained: on the internet each zone's delegation set
//! leads to the name servers that hold it, while here every emulator's name servers resolve to
//! 127.0.0.1 and a client asks them on one port. So an emulator given the next one's name
//! servers ([`super::SimOptions::name_server_forward`]) relays a query for a name outside its
//! public zones to them, over the transport it came by, and returns their answer as it is (AA,
//! TTL, truncation): every account's zones are answered, each by its own emulator. A relayed
//! query is not this emulator's: it is neither counted nor hit by its faults (the emulator that
//! holds the zone counts it and applies its own). A query that comes back round a ring of
//! emulators is REFUSED (no emulator has the name).

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

use super::faults::FaultKind;
use super::server::{Shared, lock};
use super::world::World;
use super::world::route53::fqdn;

/// How long a forwarded query waits for the other server's answer.
const FORWARD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Answers queries until the shutdown token is cancelled. A name this account does not have
/// (NXDOMAIN) is asked of `forward`, when given, and its answer relayed.
pub async fn serve(socket: UdpSocket, shared: Arc<Shared>, forward: Option<SocketAddr>) {
    let socket = Arc::new(socket);
    let mut buf = [0u8; 512];
    loop {
        let received = tokio::select! {
            _ = shared.shutdown.cancelled() => break,
            r = socket.recv_from(&mut buf) => r,
        };
        let Ok((len, peer)) = received else { continue };
        let reply = {
            let mut w = lock(&shared.world);
            w.sync();
            answer(&w, &buf[..len])
        };
        let Some(reply) = reply else { continue };
        match forward {
            Some(upstream) if reply.get(3).is_some_and(|b| b & 0x0f == 3) => {
                let query = buf[..len].to_vec();
                let socket = socket.clone();
                tokio::spawn(async move {
                    let relayed = ask(upstream, &query).await;
                    let _ = socket
                        .send_to(relayed.as_deref().unwrap_or(&reply), peer)
                        .await;
                });
            }
            _ => {
                let _ = socket.send_to(&reply, peer).await;
            }
        }
    }
}

/// `query` asked of `server`: its answer, when one with the query's ID came from it in time.
async fn ask(server: SocketAddr, query: &[u8]) -> Option<Vec<u8>> {
    let local: SocketAddr = if server.is_ipv4() {
        ([127, 0, 0, 1], 0).into()
    } else {
        (std::net::Ipv6Addr::LOCALHOST, 0).into()
    };
    let s = UdpSocket::bind(local).await.ok()?;
    s.connect(server).await.ok()?;
    s.send(query).await.ok()?;
    let mut buf = [0u8; 512];
    let n = tokio::time::timeout(FORWARD_TIMEOUT, s.recv(&mut buf))
        .await
        .ok()?
        .ok()?;
    (n >= 12 && buf[..2] == query[..2]).then(|| buf[..n].to_vec())
}

/// The addresses a name resolves to in the simulated world (`rtype` "A" or "AAAA" for records
/// of its zones); None when it does not exist.
pub fn resolve(w: &World, name: &str, rtype: &str) -> Option<Vec<String>> {
    resolve_with_ttl(w, name, rtype).map(|(values, _)| values)
}

/// [`resolve`], with the TTL of the answer: the record's own TTL (for an alias, its target's
/// rules: see [`World::record_ttl`]); along a CNAME chain, the shortest, since a resolver keeps
/// the answer no longer than any record of the chain. Load balancer and distribution names
/// themselves are answered with 60 s.
pub fn resolve_with_ttl(w: &World, name: &str, rtype: &str) -> Option<(Vec<String>, u32)> {
    resolve_at(w, name, rtype, 0)
}

/// [`resolve_with_ttl`], following CNAMEs (as a resolver does) up to a depth.
fn resolve_at(w: &World, name: &str, rtype: &str, depth: u8) -> Option<(Vec<String>, u32)> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    // The hosted zones' name servers: this machine (their port is the emulator's own).
    if w.r53.zones.iter().any(|z| {
        z.name_servers
            .iter()
            .any(|n| n.trim_end_matches('.').eq_ignore_ascii_case(&name))
    }) {
        let v4 = if rtype == "A" {
            vec!["127.0.0.1".to_string()]
        } else {
            Vec::new()
        };
        return Some((v4, NAME_SERVER_TTL));
    }
    if let Some(lb) = w.elb.lb_by_dns(&name) {
        return Some((w.lb_addresses(lb, rtype), 60));
    }
    if let Some(d) = w.cf.by_domain(&name) {
        return Some((d.addresses(rtype), 60));
    }
    let zone = w.r53.zone_for_name(&name)?;
    let a = w.dns_answer(zone, &fqdn(&name), rtype, 0);
    if a.code != "NOERROR" {
        return None;
    }
    let ttl = a.record.as_ref().map_or(60, |r| {
        u32::try_from(w.record_ttl(r, rtype, 0)).unwrap_or(60)
    });
    let is_cname = a
        .record
        .as_ref()
        .is_some_and(|r| r.rtype == "CNAME" && r.alias.is_none());
    if !is_cname || rtype == "CNAME" {
        return Some((a.values, ttl));
    }
    if depth >= 8 {
        return Some((Vec::new(), ttl));
    }
    let mut out = Vec::new();
    let mut shortest = ttl;
    for target in &a.values {
        if let Some((values, t)) = resolve_at(w, target, rtype, depth + 1) {
            out.extend(values);
            shortest = shortest.min(t);
        }
    }
    Some((out, shortest))
}

/// The TTL of the name servers' addresses (Route 53's NS records have two days).
const NAME_SERVER_TTL: u32 = 172_800;

/// The largest answer sent over UDP (no EDNS): a longer one is truncated, to be asked over TCP.
pub const UDP_LIMIT: usize = 512;

/// The question of a query: its name (labels joined by dots), type, and the question's bytes;
/// None for messages that are not a query with one question.
fn question(query: &[u8]) -> Option<(String, u16, &[u8])> {
    if query.len() < 12 || query[2] & 0x80 != 0 || u16::from_be_bytes([query[4], query[5]]) != 1 {
        return None;
    }
    let mut pos = 12;
    let mut labels = Vec::new();
    loop {
        let len = *query.get(pos)? as usize;
        pos += 1;
        if len == 0 {
            break;
        }
        if len > 63 {
            return None;
        }
        labels.push(String::from_utf8_lossy(query.get(pos..pos + len)?).into_owned());
        pos += len;
    }
    let qtype = u16::from_be_bytes([*query.get(pos)?, *query.get(pos + 1)?]);
    Some((labels.join("."), qtype, query.get(12..pos + 4)?))
}

/// The record type of a query type number, for the types the name servers answer with data.
fn type_name(qtype: u16) -> Option<&'static str> {
    match qtype {
        1 => Some("A"),
        2 => Some("NS"),
        5 => Some("CNAME"),
        16 => Some("TXT"),
        28 => Some("AAAA"),
        _ => None,
    }
}

/// A DNS name in wire form, uncompressed.
fn wire_name(name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 2);
    for label in name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        let label = &label.as_bytes()[..label.len().min(63)];
        out.push(label.len() as u8);
        out.extend_from_slice(label);
    }
    out.push(0);
    out
}

/// The data of one record of type `qtype` holding `value`; None when the value is not of it.
fn rdata(qtype: u16, value: &str) -> Option<Vec<u8>> {
    match qtype {
        1 => match value.parse::<IpAddr>().ok()? {
            IpAddr::V4(v4) => Some(v4.octets().to_vec()),
            IpAddr::V6(_) => None,
        },
        28 => match value.parse::<IpAddr>().ok()? {
            IpAddr::V6(v6) => Some(v6.octets().to_vec()),
            IpAddr::V4(_) => None,
        },
        2 | 5 => Some(wire_name(value)),
        16 => {
            // Route 53 keeps TXT values as quoted strings: one character string each.
            let text = value.trim().trim_matches('"');
            let bytes = &text.as_bytes()[..text.len().min(255)];
            let mut out = vec![bytes.len() as u8];
            out.extend_from_slice(bytes);
            Some(out)
        }
        _ => None,
    }
}

/// The answer of Route 53's name servers to one query: authoritative (AA) for the public hosted
/// zones, REFUSED for other names; `rcode` forces a response code (an injected fault). Over UDP
/// (`udp_limit`), an answer that does not fit is sent truncated (TC), without its records.
pub fn authoritative(
    w: &World,
    query: &[u8],
    udp_limit: Option<usize>,
    rcode: Option<u8>,
) -> Option<Vec<u8>> {
    if query.len() < 12 || query[2] & 0x80 != 0 {
        return None;
    }
    let mut reply = Vec::with_capacity(128);
    reply.extend_from_slice(&query[..2]);
    let Some((name, qtype, question)) = question(query) else {
        // FORMERR
        reply.extend_from_slice(&[0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]);
        return Some(reply);
    };
    let zone = w.r53.zone_for_name(&name);
    let mut records: Vec<(u16, u32, Vec<u8>)> = Vec::new();
    let code = match (rcode, zone) {
        (Some(code), _) => code,
        (None, None) => 5,
        (None, Some(zone)) => match type_name(qtype) {
            None => 0,
            Some(rtype) => {
                let a = w.dns_answer(zone, &fqdn(&name), rtype, 0);
                if a.code == "NXDOMAIN" {
                    3
                } else {
                    if let Some(r) = &a.record {
                        let ttl = u32::try_from(w.record_ttl(r, rtype, 0)).unwrap_or(60);
                        // A name that holds a CNAME answers with it, whatever the type asked.
                        let as_type = if r.rtype == "CNAME" && r.alias.is_none() {
                            5
                        } else {
                            qtype
                        };
                        records.extend(
                            a.values
                                .iter()
                                .filter_map(|v| rdata(as_type, v))
                                .map(|d| (as_type, ttl, d)),
                        );
                    }
                    0
                }
            }
        },
    };
    // QR, the opcode and RD copied, AA for the zones it serves; no recursion available.
    let aa = if code == 5 { 0 } else { 0x04 };
    reply.push(0x80 | aa | (query[2] & 0x79));
    reply.push(code);
    reply.extend_from_slice(&1u16.to_be_bytes());
    reply.extend_from_slice(&(records.len() as u16).to_be_bytes());
    reply.extend_from_slice(&[0, 0, 0, 0]);
    reply.extend_from_slice(question);
    let header = reply.len();
    for (rtype, ttl, data) in records {
        // A pointer to the name in the question, the type, class IN, the TTL, the data.
        reply.extend_from_slice(&[0xc0, 12]);
        reply.extend_from_slice(&rtype.to_be_bytes());
        reply.extend_from_slice(&[0, 1]);
        reply.extend_from_slice(&ttl.to_be_bytes());
        reply.extend_from_slice(&(data.len() as u16).to_be_bytes());
        reply.extend_from_slice(&data);
    }
    if udp_limit.is_some_and(|limit| reply.len() > limit) {
        reply.truncate(header);
        reply[2] |= 0x02;
        reply[6] = 0;
        reply[7] = 0;
    }
    Some(reply)
}

/// What the faults of service `dns` do to one query: its latency, and whether it is answered
/// (`Err`: not at all), with a forced response code.
fn fault_of(shared: &Shared, query: &[u8]) -> (u64, Result<Option<u8>, ()>) {
    let operation = question(query)
        .map(|(_, qtype, _)| type_name(qtype).map_or_else(|| qtype.to_string(), str::to_string))
        .unwrap_or_default();
    lock(&shared.calls).dns_query(&operation);
    let verdict = lock(&shared.faults).take_body("dns", &operation, query);
    let outcome = match verdict.outcome {
        Some(FaultKind::Drop | FaultKind::Timeout | FaultKind::LoseAnswer) => Err(()),
        Some(FaultKind::Error { code, .. }) => Ok(Some(if code.eq_ignore_ascii_case("REFUSED") {
            5
        } else {
            2
        })),
        _ => Ok(None),
    };
    (verdict.latency_ms, outcome)
}

/// The next emulator's name servers, asked for the names this one does not hold.
struct Chain {
    next: SocketAddr,
    /// The queries being relayed now (their whole message): one that arrives again went round
    /// a ring of emulators.
    relaying: Mutex<HashSet<Vec<u8>>>,
}

/// Whether this emulator answers `query` itself: a name of its public hosted zones, or a
/// message it cannot read (answered here, FORMERR).
fn holds(w: &World, query: &[u8]) -> bool {
    question(query).is_none_or(|(name, _, _)| w.r53.zone_for_name(&name).is_some())
}

/// `query` relayed to the next emulator's name servers over UDP (`udp_limit`) or TCP; their
/// answer as it is, None when they gave none.
async fn relay(
    shared: &Shared,
    chain: &Chain,
    query: &[u8],
    udp_limit: Option<usize>,
) -> Option<Vec<u8>> {
    if !lock(&chain.relaying).insert(query.to_vec()) {
        let w = lock(&shared.world);
        return authoritative(&w, query, udp_limit, Some(5));
    }
    let answer = match udp_limit {
        Some(_) => ask(chain.next, query).await,
        None => ask_tcp(chain.next, query).await,
    };
    lock(&chain.relaying).remove(query);
    answer
}

/// `query` asked of `server` over TCP (RFC 7766 framing): its answer, when one with the query's
/// ID came in time.
async fn ask_tcp(server: SocketAddr, query: &[u8]) -> Option<Vec<u8>> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(server).await.ok()?;
        let mut framed = u16::try_from(query.len()).ok()?.to_be_bytes().to_vec();
        framed.extend_from_slice(query);
        stream.write_all(&framed).await.ok()?;
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).await.ok()?;
        let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut buf).await.ok()?;
        (buf.len() >= 12 && buf[..2] == query[..2]).then_some(buf)
    };
    tokio::time::timeout(FORWARD_TIMEOUT, exchange)
        .await
        .ok()
        .flatten()
}

/// The answer of the name servers to one query, after its faults; None: no answer. A name this
/// emulator does not hold goes to the next one in the `chain`, when there is one.
async fn name_server_reply(
    shared: &Shared,
    chain: Option<&Chain>,
    query: &[u8],
    udp_limit: Option<usize>,
) -> Option<Vec<u8>> {
    if let Some(chain) = chain {
        let held = holds(&lock(&shared.world), query);
        if !held {
            return relay(shared, chain, query, udp_limit).await;
        }
    }
    let (latency, outcome) = fault_of(shared, query);
    if latency > 0 {
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_millis(latency)) => {}
            _ = shared.shutdown.cancelled() => return None,
        }
    }
    let rcode = outcome.ok()?;
    let mut w = lock(&shared.world);
    w.sync();
    authoritative(&w, query, udp_limit, rcode)
}

/// Serves Route 53's name servers over UDP and TCP until the shutdown token is cancelled; the
/// names of zones it does not hold are relayed to the name servers at `forward`, when given
/// (see the module's documentation).
pub async fn serve_name_servers(
    udp: UdpSocket,
    tcp: TcpListener,
    shared: Arc<Shared>,
    forward: Option<SocketAddr>,
) {
    let udp = Arc::new(udp);
    let chain = forward.map(|next| {
        Arc::new(Chain {
            next,
            relaying: Mutex::default(),
        })
    });
    let over_tcp = {
        let shared = shared.clone();
        let chain = chain.clone();
        async move {
            loop {
                let accepted = tokio::select! {
                    _ = shared.shutdown.cancelled() => break,
                    a = tcp.accept() => a,
                };
                let Ok((mut stream, _)) = accepted else {
                    continue;
                };
                let (shared, chain) = (shared.clone(), chain.clone());
                tokio::spawn(async move {
                    // Each message preceded by its length (RFC 7766), until the client closes.
                    loop {
                        let mut len = [0u8; 2];
                        if stream.read_exact(&mut len).await.is_err() {
                            break;
                        }
                        let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
                        if stream.read_exact(&mut buf).await.is_err() {
                            break;
                        }
                        let Some(reply) =
                            name_server_reply(&shared, chain.as_deref(), &buf, None).await
                        else {
                            break;
                        };
                        let mut framed = (reply.len() as u16).to_be_bytes().to_vec();
                        framed.extend_from_slice(&reply);
                        if stream.write_all(&framed).await.is_err() {
                            break;
                        }
                    }
                });
            }
        }
    };
    let over_udp = async move {
        let mut buf = [0u8; 512];
        loop {
            let received = tokio::select! {
                _ = shared.shutdown.cancelled() => break,
                r = udp.recv_from(&mut buf) => r,
            };
            let Ok((len, peer)) = received else { continue };
            let query = buf[..len].to_vec();
            let (shared, udp, chain) = (shared.clone(), udp.clone(), chain.clone());
            tokio::spawn(async move {
                let reply =
                    name_server_reply(&shared, chain.as_deref(), &query, Some(UDP_LIMIT)).await;
                if let Some(reply) = reply {
                    let _ = udp.send_to(&reply, peer).await;
                }
            });
        }
    };
    tokio::join!(over_tcp, over_udp);
}

/// Builds the reply to one query message; None for messages that are not queries.
pub fn answer(w: &World, query: &[u8]) -> Option<Vec<u8>> {
    if query.len() < 12 || query[2] & 0x80 != 0 {
        return None;
    }
    let qdcount = u16::from_be_bytes([query[4], query[5]]);
    let mut reply = Vec::with_capacity(128);
    reply.extend_from_slice(&query[..2]);
    if qdcount != 1 {
        // FORMERR
        reply.extend_from_slice(&[0x81, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]);
        return Some(reply);
    }
    let (name, qtype, question) = question(query)?;
    let found = resolve_with_ttl(w, &name, if qtype == 28 { "AAAA" } else { "A" });
    let ttl = found.as_ref().map_or(60, |(_, ttl)| *ttl);
    let addresses: Vec<IpAddr> = found
        .iter()
        .flat_map(|(values, _)| values)
        .filter_map(|v| v.parse().ok())
        .filter(|ip| matches!((ip, qtype), (IpAddr::V4(_), 1) | (IpAddr::V6(_), 28)))
        .collect();
    let rcode = if found.is_some() { 0 } else { 3 };
    // QR, opcode 0, AA; RD copied; RA.
    reply.push(0x84 | (query[2] & 0x01));
    reply.push(0x80 | rcode);
    reply.extend_from_slice(&1u16.to_be_bytes());
    reply.extend_from_slice(&(addresses.len() as u16).to_be_bytes());
    reply.extend_from_slice(&[0, 0, 0, 0]);
    reply.extend_from_slice(question);
    for ip in addresses {
        // A pointer to the name in the question, type A or AAAA, class IN, the TTL, the address.
        let data = match ip {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        reply.extend_from_slice(&[0xc0, 12]);
        reply.extend_from_slice(&qtype.to_be_bytes());
        reply.extend_from_slice(&[0, 1]);
        reply.extend_from_slice(&ttl.to_be_bytes());
        reply.extend_from_slice(&[0, data.len() as u8]);
        reply.extend_from_slice(&data);
    }
    Some(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(name: &str) -> Vec<u8> {
        query_type(name, 1)
    }

    fn query_type(name: &str, qtype: u8) -> Vec<u8> {
        let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        for label in name.split('.') {
            q.push(label.len() as u8);
            q.extend_from_slice(label.as_bytes());
        }
        q.extend_from_slice(&[0, 0, qtype, 0, 1]);
        q
    }

    fn world() -> World {
        let scenario = super::super::Scenario::parse(
            r#"
name = "dns"
[[hosted_zones]]
id = "Z1"
name = "example.com"
[[hosted_zones.records]]
name = "www.example.com"
ttl = 300
values = ["192.0.2.1", "192.0.2.2"]
[[hosted_zones.records]]
name = "www.example.com"
type = "AAAA"
values = ["2001:db8::1"]
"#,
        )
        .unwrap();
        scenario.build(0, 1.0, true).unwrap()
    }

    #[test]
    fn answers_a_records_of_the_zone() {
        let w = world();
        let reply = answer(&w, &query("www.example.com")).unwrap();
        assert_eq!(&reply[..2], &[0x12, 0x34]);
        assert_eq!(reply[3] & 0x0f, 0, "NOERROR");
        assert_eq!(u16::from_be_bytes([reply[6], reply[7]]), 2);
        assert_eq!(&reply[reply.len() - 4..], &[192, 0, 2, 2]);
        // The record's own TTL, not a fixed 60 s.
        assert_eq!(
            &reply[reply.len() - 10..reply.len() - 6],
            &300u32.to_be_bytes()
        );
    }

    #[test]
    fn answers_aaaa_records_and_no_a_record_to_an_aaaa_query() {
        let w = world();
        let reply = answer(&w, &query_type("www.example.com", 28)).unwrap();
        assert_eq!(reply[3] & 0x0f, 0, "NOERROR");
        assert_eq!(u16::from_be_bytes([reply[6], reply[7]]), 1);
        let mut v6 = [0u8; 16];
        v6[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        v6[15] = 1;
        assert_eq!(&reply[reply.len() - 18..reply.len() - 16], &[0, 16]);
        assert_eq!(&reply[reply.len() - 16..], &v6);
    }

    /// An emulator whose name servers relay to themselves (a ring of one): a name it does not
    /// hold comes back while it is being relayed, and is refused instead of going round.
    #[tokio::test]
    async fn a_query_that_comes_back_round_a_ring_is_refused() {
        let shared = Arc::new(Shared::new(world()));
        // A port free for both (another test may hold the UDP port's number over TCP).
        let (udp, tcp, addr) = crate::name_server_sockets().await.unwrap();
        tokio::spawn(serve_name_servers(udp, tcp, shared.clone(), Some(addr)));
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        client.connect(addr).await.unwrap();
        let ask = |q: Vec<u8>| {
            let client = &client;
            async move {
                client.send(&q).await.unwrap();
                let mut buf = [0u8; 512];
                let n =
                    tokio::time::timeout(std::time::Duration::from_secs(3), client.recv(&mut buf))
                        .await
                        .expect("an answer")
                        .unwrap();
                buf[..n].to_vec()
            }
        };
        let reply = ask(query("www.example.org")).await;
        assert_eq!((reply[3] & 0x0f, reply[2] & 0x04), (5, 0), "REFUSED, no AA");
        // Its own zone is answered by itself, with authority.
        let reply = ask(query("www.example.com")).await;
        assert_eq!((reply[3] & 0x0f, reply[2] & 0x04), (0, 0x04));
        assert_eq!(
            lock(&shared.calls).dns_total(),
            1,
            "the query for its own zone only: a relayed one is not this emulator's"
        );
        shared.shutdown.cancel();
    }

    #[test]
    fn unknown_names_are_nxdomain_and_garbage_is_ignored() {
        let w = world();
        let reply = answer(&w, &query("nope.example.org")).unwrap();
        assert_eq!(reply[3] & 0x0f, 3);
        assert!(answer(&w, &[1, 2, 3]).is_none());
        let mut truncated = query("www.example.com");
        truncated.truncate(20);
        assert!(answer(&w, &truncated).is_none());
    }
}
