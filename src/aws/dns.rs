//! Resolving the DNS names of alias targets (load balancers, distributions), to tell which
//! record of a failover pair the addresses in a `TestDNSAnswer` belong to.
//!
//! By default the system resolver is used. A resolver can be named instead (`dns_server` in the
//! config, or `SWITCHYARD_DNS_SERVER`), for bastions whose resolver answers differently, and for
//! the built-in emulator, which answers for the names of its account.
//!
//! A named server is asked for A and AAAA records over UDP, with a random query ID; an answer
//! counts only when it comes from the address asked, with that ID and that question. A truncated
//! answer is asked again over TCP. Messages are built and read by `hickory-proto`.
//!
//! The same rules ask a hosted zone's own name servers what Route 53 answers ([`ask_authoritative`],
//! without recursion; see [`super::nameservers`]).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::Instant;

/// How long one query may take before it is retried once.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// Where names are resolved.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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

    /// The IPv4 and IPv6 addresses of a name, sorted; an empty list when it does not exist.
    pub async fn resolve(&self, name: &str) -> Result<Vec<String>, String> {
        self.resolve_with_ttl(name).await.map(|(a, _)| a)
    }

    /// [`Resolver::resolve`], with how long the answer may be kept: the shortest TTL of its
    /// records (a name that does not exist, 60 s). The system's resolver keeps its own answers:
    /// its answers are given with a TTL of 0 (asked again each time).
    pub async fn resolve_with_ttl(&self, name: &str) -> Result<(Vec<String>, u32), String> {
        let name = name.trim_end_matches('.');
        let (mut out, ttl) = match self {
            Resolver::System => {
                match tokio::time::timeout(QUERY_TIMEOUT * 2, tokio::net::lookup_host((name, 0)))
                    .await
                {
                    Ok(Ok(addrs)) => (addrs.map(|a| a.ip().to_string()).collect(), 0),
                    Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => (Vec::new(), 0),
                    Ok(Err(e)) => return Err(format!("cannot resolve {name}: {e}")),
                    Err(_) => {
                        return Err(format!(
                            "resolving {name} took longer than {} s",
                            (QUERY_TIMEOUT * 2).as_secs()
                        ));
                    }
                }
            }
            Resolver::Server(addr) => {
                let fqdn = dns_name(name)?;
                let (v4, v6) = tokio::join!(
                    lookup(*addr, &fqdn, RecordType::A),
                    lookup(*addr, &fqdn, RecordType::AAAA)
                );
                let (mut out, ttl4) = v4?;
                let (v6, ttl6) = v6?;
                out.extend(v6);
                (out, ttl4.into_iter().chain(ttl6).min().unwrap_or(60))
            }
        };
        out.sort();
        out.dedup();
        Ok((out, ttl))
    }
}

/// `name` as an absolute DNS name.
fn dns_name(name: &str) -> Result<Name, String> {
    let bad = || format!("{name:?} is not a DNS name");
    if name.is_empty() || name.split('.').any(|l| l.is_empty() || l.len() > 63) {
        return Err(bad());
    }
    let mut n = Name::from_ascii(name).map_err(|_| bad())?;
    n.set_fqdn(true);
    Ok(n)
}

/// The addresses of one record type, and the shortest TTL of the records answered (none when
/// none was), asking twice before giving up.
async fn lookup(
    server: SocketAddr,
    name: &Name,
    rtype: RecordType,
) -> Result<(Vec<String>, Option<u32>), String> {
    let mut last = String::new();
    for _ in 0..2 {
        match exchange(server, name, rtype).await {
            Ok(answer) => match addresses(&answer, rtype) {
                Ok(found) => return Ok((found, answer.answers().iter().map(|r| r.ttl()).min())),
                Err(e) => last = format!("DNS server {server}: {e}"),
            },
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// One query over UDP, and over TCP when the UDP answer is truncated.
async fn exchange(server: SocketAddr, name: &Name, rtype: RecordType) -> Result<Message, String> {
    exchange_with(server, name, rtype, true).await
}

/// [`exchange`], asking for recursion or not.
async fn exchange_with(
    server: SocketAddr,
    name: &Name,
    rtype: RecordType,
    recursion: bool,
) -> Result<Message, String> {
    let query = Query::query(name.clone(), rtype);
    let mut msg = Message::new();
    msg.set_id(rand::random())
        .set_message_type(MessageType::Query)
        .set_op_code(OpCode::Query)
        .set_recursion_desired(recursion)
        .add_query(query);
    let bytes = msg
        .to_vec()
        .map_err(|e| format!("cannot build a DNS query for {name}: {e}"))?;
    let answer = over_udp(server, &msg, &bytes).await?;
    if answer.truncated() {
        over_tcp(server, &msg, &bytes).await
    } else {
        Ok(answer)
    }
}

fn no_answer(server: SocketAddr) -> String {
    format!(
        "DNS server {server} did not answer within {} s",
        QUERY_TIMEOUT.as_secs()
    )
}

/// Sends the query and waits for its answer, ignoring datagrams from other addresses and
/// answers to other questions (late, spoofed or garbled).
async fn over_udp(server: SocketAddr, query: &Message, bytes: &[u8]) -> Result<Message, String> {
    let bind: SocketAddr = if server.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        ([0u16; 8], 0).into()
    };
    let socket = UdpSocket::bind(bind)
        .await
        .map_err(|e| format!("cannot open a UDP socket: {e}"))?;
    // Connected: the kernel passes on only datagrams from the server, and says at once when
    // nothing listens there (an ICMP refusal), instead of a wait for the timeout.
    socket
        .connect(server)
        .await
        .map_err(|e| format!("cannot reach DNS server {server}: {e}"))?;
    socket
        .send(bytes)
        .await
        .map_err(|e| format!("cannot reach DNS server {server}: {e}"))?;
    let deadline = Instant::now() + QUERY_TIMEOUT;
    let mut buf = vec![0u8; 4096];
    loop {
        let (n, from) = tokio::time::timeout_at(deadline, socket.recv_from(&mut buf))
            .await
            .map_err(|_| no_answer(server))?
            .map_err(|e| format!("DNS server {server}: {e}"))?;
        if from != server {
            continue;
        }
        if let Some(answer) = Message::from_vec(&buf[..n])
            .ok()
            .filter(|a| answers(a, query))
        {
            return Ok(answer);
        }
    }
}

/// Asks again over TCP (RFC 7766): each message preceded by its length.
async fn over_tcp(server: SocketAddr, query: &Message, bytes: &[u8]) -> Result<Message, String> {
    let len = u16::try_from(bytes.len()).map_err(|_| "DNS query too long".to_string())?;
    let exchange = async {
        let mut stream = TcpStream::connect(server)
            .await
            .map_err(|e| format!("cannot reach DNS server {server} over TCP: {e}"))?;
        let mut framed = Vec::with_capacity(bytes.len() + 2);
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(bytes);
        let io = |e: std::io::Error| format!("DNS server {server} over TCP: {e}");
        stream.write_all(&framed).await.map_err(io)?;
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).await.map_err(io)?;
        let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut buf).await.map_err(io)?;
        Message::from_vec(&buf)
            .ok()
            .filter(|a| answers(a, query))
            .ok_or_else(|| format!("DNS server {server}: malformed answer over TCP"))
    };
    tokio::time::timeout(QUERY_TIMEOUT, exchange)
        .await
        .map_err(|_| no_answer(server))?
}

/// What a hosted zone's name server answers for one name and type, read as TestDNSAnswer reads
/// it: the values of the records of that type at the name (addresses; a name for a CNAME), or
/// the CNAME the name holds; the response code; the shortest TTL of those records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authoritative {
    pub values: Vec<String>,
    /// `NOERROR` or `NXDOMAIN`.
    pub response_code: String,
    pub ttl: Option<u32>,
}

/// Asks a name server that is authoritative for `name` (a hosted zone's own), without
/// recursion, with the rules of every query here (a random ID; an answer only from the address
/// asked, with that ID and question; TCP when truncated). An answer without the AA flag (the
/// server does not serve the zone), or with an error code, is an error; so is no answer.
pub async fn ask_authoritative(
    server: SocketAddr,
    name: &str,
    rtype: &str,
) -> Result<Authoritative, String> {
    let fqdn = dns_name(name.trim_end_matches('.'))?;
    let qtype: RecordType = rtype
        .parse()
        .map_err(|_| format!("{rtype:?} is not a DNS record type"))?;
    let answer = exchange_with(server, &fqdn, qtype, false).await?;
    let code = answer.response_code();
    let response_code = match code {
        ResponseCode::NoError => "NOERROR",
        ResponseCode::NXDomain => "NXDOMAIN",
        code => {
            return Err(format!(
                "name server {server} answered {rtype} {name} with error code {} ({code})",
                u16::from(code)
            ));
        }
    };
    if !answer.authoritative() {
        return Err(format!(
            "name server {server} does not answer for {name} with authority (no AA flag)"
        ));
    }
    let at_name = |r: &&hickory_proto::rr::Record| r.name() == &fqdn;
    let text = |data: &RData| match data {
        RData::A(a) => Some(a.0.to_string()),
        RData::AAAA(a) => Some(a.0.to_string()),
        RData::CNAME(c) => Some(c.0.to_ascii()),
        _ => None,
    };
    let mut used: Vec<&hickory_proto::rr::Record> = answer
        .answers()
        .iter()
        .filter(at_name)
        .filter(|r| r.record_type() == qtype)
        .collect();
    if used.is_empty() {
        used = answer
            .answers()
            .iter()
            .filter(at_name)
            .filter(|r| r.record_type() == RecordType::CNAME)
            .collect();
    }
    let values = used.iter().filter_map(|r| text(r.data())).collect();
    Ok(Authoritative {
        values,
        response_code: response_code.to_string(),
        ttl: used.iter().map(|r| r.ttl()).min(),
    })
}

/// Whether `answer` is the response to `query`: same ID, same question (names compare without
/// regard to case).
fn answers(answer: &Message, query: &Message) -> bool {
    let same_question = match (answer.queries(), query.queries()) {
        ([a], [q]) => {
            a.name() == q.name()
                && a.query_type() == q.query_type()
                && a.query_class() == q.query_class()
        }
        _ => false,
    };
    answer.id() == query.id() && answer.message_type() == MessageType::Response && same_question
}

/// The addresses of type `rtype` in an answer; none for a name that does not exist.
fn addresses(answer: &Message, rtype: RecordType) -> Result<Vec<String>, String> {
    match answer.response_code() {
        ResponseCode::NoError => {}
        ResponseCode::NXDomain => return Ok(Vec::new()),
        code => {
            return Err(format!(
                "answered {rtype} query with error code {} ({code})",
                u16::from(code)
            ));
        }
    }
    Ok(answer
        .answers()
        .iter()
        .filter_map(|r| match r.data() {
            RData::A(a) if rtype == RecordType::A => Some(a.0.to_string()),
            RData::AAAA(a) if rtype == RecordType::AAAA => Some(a.0.to_string()),
            _ => None,
        })
        .collect())
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

    use std::sync::{Arc, Mutex};

    use hickory_proto::rr::Record;
    use hickory_proto::rr::rdata::{A, AAAA};
    use tokio::net::TcpListener;

    /// The answer to `query` with those of `ips` that are of the type asked.
    fn reply(query: &Message, ips: &[&str]) -> Message {
        let q = &query.queries()[0];
        let mut m = Message::new();
        m.set_id(query.id())
            .set_message_type(MessageType::Response)
            .set_op_code(OpCode::Query)
            .set_recursion_desired(true)
            .set_recursion_available(true)
            .add_query(q.clone());
        for ip in ips {
            let data = match (ip.parse::<IpAddr>().unwrap(), q.query_type()) {
                (IpAddr::V4(v4), RecordType::A) => RData::A(A(v4)),
                (IpAddr::V6(v6), RecordType::AAAA) => RData::AAAA(AAAA(v6)),
                _ => continue,
            };
            m.add_answer(Record::from_rdata(q.name().clone(), 60, data));
        }
        m
    }

    /// A UDP socket and a TCP listener on the same port of 127.0.0.1, as a DNS server has.
    async fn server_sockets() -> (UdpSocket, TcpListener, SocketAddr) {
        loop {
            let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let addr = udp.local_addr().unwrap();
            if let Ok(tcp) = TcpListener::bind(addr).await {
                return (udp, tcp, addr);
            }
        }
    }

    #[tokio::test]
    async fn a_truncated_answer_is_asked_again_over_tcp() {
        let (udp, tcp, addr) = server_sockets().await;
        // Over UDP: the start of the answer, marked truncated.
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            while let Ok((n, peer)) = udp.recv_from(&mut buf).await {
                let q = Message::from_vec(&buf[..n]).unwrap();
                let mut r = reply(&q, &["198.51.100.7", "2001:db8::7"]);
                r.set_truncated(true);
                udp.send_to(&r.to_vec().unwrap(), peer).await.unwrap();
            }
        });
        // Over TCP: all of it.
        let over_tcp = Arc::new(Mutex::new(Vec::new()));
        let seen = over_tcp.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = tcp.accept().await {
                let mut len = [0u8; 2];
                stream.read_exact(&mut len).await.unwrap();
                let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
                stream.read_exact(&mut buf).await.unwrap();
                let q = Message::from_vec(&buf).unwrap();
                seen.lock().unwrap().push(q.queries()[0].query_type());
                let all: Vec<String> = (1..=40).map(|i| format!("192.0.2.{i}")).collect();
                let mut ips: Vec<&str> = all.iter().map(String::as_str).collect();
                ips.push("2001:db8::1");
                let r = reply(&q, &ips).to_vec().unwrap();
                let mut framed = u16::try_from(r.len()).unwrap().to_be_bytes().to_vec();
                framed.extend_from_slice(&r);
                stream.write_all(&framed).await.unwrap();
            }
        });
        let got = Resolver::Server(addr)
            .resolve("big.example.com")
            .await
            .unwrap();
        assert_eq!(got.len(), 41, "{got:?}");
        assert!(got.contains(&"192.0.2.40".to_string()), "{got:?}");
        assert!(got.contains(&"2001:db8::1".to_string()), "{got:?}");
        assert!(
            !got.iter()
                .any(|a| a.ends_with("::7") || a == "198.51.100.7")
        );
        let mut asked = over_tcp.lock().unwrap().clone();
        asked.sort();
        assert_eq!(asked, [RecordType::A, RecordType::AAAA]);
    }

    #[tokio::test]
    async fn spoofed_stray_and_garbled_answers_are_ignored_and_ids_are_random() {
        let (udp, _tcp, addr) = server_sockets().await;
        let ids = Arc::new(Mutex::new(Vec::new()));
        let seen = ids.clone();
        tokio::spawn(async move {
            let other = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let mut buf = [0u8; 512];
            while let Ok((n, peer)) = udp.recv_from(&mut buf).await {
                let q = Message::from_vec(&buf[..n]).unwrap();
                seen.lock().unwrap().push(q.id());
                // From another port: the right ID and question, but not the server asked.
                let spoof = reply(&q, &["203.0.113.1", "2001:db8::bad:1"]);
                other.send_to(&spoof.to_vec().unwrap(), peer).await.unwrap();
                // From the server: another ID.
                let mut wrong_id = reply(&q, &["203.0.113.2", "2001:db8::bad:2"]);
                wrong_id.set_id(q.id().wrapping_add(1));
                udp.send_to(&wrong_id.to_vec().unwrap(), peer)
                    .await
                    .unwrap();
                // From the server: the right ID, another question.
                let mut other_q = q.clone();
                other_q.take_queries();
                other_q.add_query(Query::query(
                    Name::from_ascii("other.example.com.").unwrap(),
                    q.queries()[0].query_type(),
                ));
                let stray = reply(&other_q, &["203.0.113.3", "2001:db8::bad:3"]);
                udp.send_to(&stray.to_vec().unwrap(), peer).await.unwrap();
                // Garbage.
                udp.send_to(&[0xde, 0xad], peer).await.unwrap();
                // The answer.
                let real = reply(&q, &["192.0.2.10", "2001:db8::10"]);
                udp.send_to(&real.to_vec().unwrap(), peer).await.unwrap();
            }
        });
        let r = Resolver::Server(addr);
        for _ in 0..3 {
            assert_eq!(
                r.resolve("www.Example.com.").await.unwrap(),
                ["192.0.2.10", "2001:db8::10"]
            );
        }
        let mut ids = ids.lock().unwrap().clone();
        assert_eq!(ids.len(), 6, "one A and one AAAA query each time");
        ids.sort();
        ids.dedup();
        assert!(ids.len() > 1, "every query had the ID {ids:?}");
    }

    #[tokio::test]
    async fn a_server_failure_is_an_error_that_names_the_server() {
        let (udp, _tcp, addr) = server_sockets().await;
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            while let Ok((n, peer)) = udp.recv_from(&mut buf).await {
                let q = Message::from_vec(&buf[..n]).unwrap();
                let mut r = reply(&q, &[]);
                r.set_response_code(ResponseCode::ServFail);
                udp.send_to(&r.to_vec().unwrap(), peer).await.unwrap();
            }
        });
        let e = Resolver::Server(addr)
            .resolve("x.example.com")
            .await
            .unwrap_err();
        assert!(
            e.starts_with(&format!("DNS server {addr}: answered")) && e.contains("Server Failure"),
            "{e}"
        );
        assert!(
            Resolver::Server(addr)
                .resolve("bad..name")
                .await
                .unwrap_err()
                .contains("not a DNS name")
        );
    }

    #[tokio::test]
    async fn resolves_through_the_emulator() {
        let scenario = switchyard_sim::Scenario::parse(
            "name = \"d\"\n[[hosted_zones]]\nid = \"Z1\"\nname = \"example.com\"\n[[hosted_zones.records]]\nname = \"x.example.com\"\nvalues = [\"192.0.2.44\"]\n[[hosted_zones.records]]\nname = \"x.example.com\"\ntype = \"AAAA\"\nvalues = [\"2001:db8::44\"]\n",
        )
        .unwrap();
        let sim = switchyard_sim::start(switchyard_sim::SimOptions::new(scenario))
            .await
            .unwrap();
        let r = Resolver::Server(sim.dns_server());
        assert_eq!(
            r.resolve("x.example.com.").await.unwrap(),
            ["192.0.2.44", "2001:db8::44"]
        );
        assert!(r.resolve("nope.example.com").await.unwrap().is_empty());
    }
}
