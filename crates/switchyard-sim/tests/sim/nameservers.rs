//! Route 53's name servers: the hosted zones' NS names lead to the emulator, which answers as
//! Route 53's authoritative servers do (AA, the record's TTL, TestDNSAnswer's choice among the
//! records), asked with a small client of its own (and with Python's sockets when
//! `SWITCHYARD_PYTHON` names an interpreter: an independent client).

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use aws_sdk_route53::types::RrType;
use switchyard_sim::world::ec2::Behaviour;
use switchyard_sim::{Control, FaultKind, FaultSpec, Scenario, SimHandle, SimOptions, start};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

use crate::common::{T0_MS, advance, route53, sim};

const SCENARIO: &str = r#"
name = "ns"
[[origins]]
name = "primary-origin"
ip = "192.0.2.10"
[[health_checks]]
name = "primary"
id = "11111111-1111-4111-8111-111111111111"
type = "HTTP"
ip = "192.0.2.10"
[[hosted_zones]]
id = "Z0NS"
name = "example.com"
[[hosted_zones.records]]
name = "www.example.com"
set_identifier = "p"
failover = "PRIMARY"
ttl = 45
values = ["192.0.2.10"]
health_check = "primary"
[[hosted_zones.records]]
name = "www.example.com"
set_identifier = "s"
failover = "SECONDARY"
ttl = 120
values = ["192.0.2.20"]
[[hosted_zones.records]]
name = "app.example.com"
type = "CNAME"
ttl = 300
values = ["www.example.net"]
[[hosted_zones.records]]
name = "many.example.com"
ttl = 60
values = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4", "198.51.100.5", "198.51.100.6", "198.51.100.7", "198.51.100.8", "198.51.100.9", "198.51.100.10", "198.51.100.11", "198.51.100.12", "198.51.100.13", "198.51.100.14", "198.51.100.15", "198.51.100.16", "198.51.100.17", "198.51.100.18", "198.51.100.19", "198.51.100.20", "198.51.100.21", "198.51.100.22", "198.51.100.23", "198.51.100.24", "198.51.100.25", "198.51.100.26", "198.51.100.27", "198.51.100.28", "198.51.100.29", "198.51.100.30", "198.51.100.31", "198.51.100.32"]
"#;

async fn ns_sim() -> SimHandle {
    let mut opts = SimOptions::new(Scenario::parse(SCENARIO).unwrap());
    opts.paused = true;
    opts.start = Some(T0_MS);
    start(opts).await.unwrap()
}

/// A DNS query: random-ish ID, one question, RD as asked.
fn query(id: u16, name: &str, qtype: u16, rd: bool) -> Vec<u8> {
    let mut q = id.to_be_bytes().to_vec();
    q.extend_from_slice(&[u8::from(rd), 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.trim_end_matches('.').split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0]);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&[0, 1]);
    q
}

/// What a reply says: flags, response code, and its answers (type, TTL, data as text).
#[derive(Debug)]
struct Reply {
    id: u16,
    aa: bool,
    tc: bool,
    ra: bool,
    rcode: u8,
    answers: Vec<(u16, u32, String)>,
}

/// Reads a name at `pos` (following compression pointers); returns it and where it ends.
fn read_name(m: &[u8], mut pos: usize) -> (String, usize) {
    let mut labels = Vec::new();
    let mut end = None;
    loop {
        let len = m[pos] as usize;
        if len & 0xc0 == 0xc0 {
            end.get_or_insert(pos + 2);
            pos = ((len & 0x3f) << 8) | m[pos + 1] as usize;
            continue;
        }
        if len == 0 {
            end.get_or_insert(pos + 1);
            break;
        }
        labels.push(String::from_utf8_lossy(&m[pos + 1..pos + 1 + len]).into_owned());
        pos += 1 + len;
    }
    (labels.join("."), end.unwrap())
}

fn parse(m: &[u8]) -> Reply {
    let ancount = u16::from_be_bytes([m[6], m[7]]);
    let (_, mut pos) = read_name(m, 12);
    pos += 4;
    let mut answers = Vec::new();
    for _ in 0..ancount {
        let (_, p) = read_name(m, pos);
        let rtype = u16::from_be_bytes([m[p], m[p + 1]]);
        let ttl = u32::from_be_bytes([m[p + 4], m[p + 5], m[p + 6], m[p + 7]]);
        let len = u16::from_be_bytes([m[p + 8], m[p + 9]]) as usize;
        let data = &m[p + 10..p + 10 + len];
        let text = match rtype {
            1 => Ipv4Addr::new(data[0], data[1], data[2], data[3]).to_string(),
            28 => std::net::Ipv6Addr::from(<[u8; 16]>::try_from(data).unwrap()).to_string(),
            _ => read_name(m, p + 10).0,
        };
        answers.push((rtype, ttl, text));
        pos = p + 10 + len;
    }
    Reply {
        id: u16::from_be_bytes([m[0], m[1]]),
        aa: m[2] & 0x04 != 0,
        tc: m[2] & 0x02 != 0,
        ra: m[3] & 0x80 != 0,
        rcode: m[3] & 0x0f,
        answers,
    }
}

async fn ask_udp(server: SocketAddr, q: &[u8]) -> Option<Reply> {
    let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    s.connect(server).await.unwrap();
    s.send(q).await.unwrap();
    let mut buf = [0u8; 4096];
    let n = tokio::time::timeout(Duration::from_millis(500), s.recv(&mut buf))
        .await
        .ok()?
        .ok()?;
    Some(parse(&buf[..n]))
}

async fn ask_tcp(server: SocketAddr, q: &[u8]) -> Reply {
    let mut s = TcpStream::connect(server).await.unwrap();
    let mut framed = (q.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(q);
    s.write_all(&framed).await.unwrap();
    let mut len = [0u8; 2];
    s.read_exact(&mut len).await.unwrap();
    let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
    s.read_exact(&mut buf).await.unwrap();
    parse(&buf)
}

/// The zone's name servers as GetHostedZone gives them, and the address the first resolves to
/// through the emulator's resolver, on the name servers' port.
async fn name_server(sim: &SimHandle, zone: &str) -> (Vec<String>, SocketAddr) {
    let r53 = route53(sim).await;
    let z = r53.get_hosted_zone().id(zone).send().await.unwrap();
    let names: Vec<String> = z.delegation_set().unwrap().name_servers().to_vec();
    assert_eq!(names.len(), 4, "{names:?}");
    let r = ask_udp(sim.dns_server(), &query(7, &names[0], 1, true))
        .await
        .unwrap();
    assert_eq!(r.rcode, 0);
    let [(1, _, ip)] = r.answers.as_slice() else {
        panic!("{r:?}")
    };
    (
        names,
        SocketAddr::new(ip.parse().unwrap(), sim.name_server().port()),
    )
}

async fn test_dns_answer(sim: &SimHandle, zone: &str, name: &str, rtype: RrType) -> Vec<String> {
    route53(sim)
        .await
        .test_dns_answer()
        .hosted_zone_id(zone)
        .record_name(name)
        .record_type(rtype)
        .send()
        .await
        .unwrap()
        .record_data()
        .to_vec()
}

#[tokio::test]
async fn the_name_servers_answer_as_test_dns_answer_does_through_a_failover() {
    let sim = ns_sim().await;
    let (_, ns) = name_server(&sim, "Z0NS").await;
    assert_eq!(ns.ip().to_string(), "127.0.0.1");
    let ask = |id| query(id, "www.example.com", 1, false);
    let r = ask_udp(ns, &ask(0x4242)).await.unwrap();
    assert_eq!(r.id, 0x4242);
    assert!(r.aa, "authoritative");
    assert!(!r.ra, "no recursion offered");
    assert_eq!(r.rcode, 0);
    assert_eq!(
        r.answers,
        [(1, 45, "192.0.2.10".to_string())],
        "the primary, its TTL"
    );
    assert_eq!(
        test_dns_answer(&sim, "Z0NS", "www.example.com", RrType::A).await,
        ["192.0.2.10"]
    );
    // The primary fails: both move to the secondary, with its TTL.
    sim.control(Control::SetBehaviour {
        target: "primary-origin".into(),
        behaviour: Behaviour::Http(503),
    })
    .unwrap();
    advance(&sim, 120.0);
    let r = ask_udp(ns, &ask(0x4343)).await.unwrap();
    assert_eq!(r.answers, [(1, 120, "192.0.2.20".to_string())]);
    assert_eq!(
        test_dns_answer(&sim, "Z0NS", "www.example.com", RrType::A).await,
        ["192.0.2.20"]
    );
    // And back.
    sim.control(Control::SetBehaviour {
        target: "primary-origin".into(),
        behaviour: Behaviour::Http(200),
    })
    .unwrap();
    advance(&sim, 300.0);
    let r = ask_udp(ns, &ask(0x4444)).await.unwrap();
    assert_eq!(r.answers, [(1, 45, "192.0.2.10".to_string())]);
    // Every query counted, apart from the API calls.
    let calls = sim.calls();
    assert!(calls.dns.get("A").copied().unwrap_or(0) >= 3, "{calls:?}");
    assert_eq!(calls.get("dns", "A"), 0);
}

#[tokio::test]
async fn cnames_missing_names_other_zones_and_long_answers() {
    let sim = ns_sim().await;
    let (_, ns) = name_server(&sim, "Z0NS").await;
    // A CNAME answers an A query with the CNAME, as TestDNSAnswer gives its value.
    let r = ask_udp(ns, &query(1, "app.example.com", 1, false))
        .await
        .unwrap();
    assert_eq!(r.answers, [(5, 300, "www.example.net".to_string())]);
    assert_eq!(
        test_dns_answer(&sim, "Z0NS", "app.example.com", RrType::A).await,
        ["www.example.net"]
    );
    // A name that does not exist: NXDOMAIN, with authority.
    let r = ask_udp(ns, &query(2, "nope.example.com", 1, false))
        .await
        .unwrap();
    assert_eq!((r.rcode, r.aa), (3, true));
    // No AAAA at a name that has A: NOERROR, nothing.
    let r = ask_udp(ns, &query(3, "www.example.com", 28, false))
        .await
        .unwrap();
    assert_eq!((r.rcode, r.answers.len()), (0, 0));
    // A name outside its zones: refused, without authority.
    let r = ask_udp(ns, &query(4, "www.example.org", 1, false))
        .await
        .unwrap();
    assert_eq!((r.rcode, r.aa), (5, false));
    // Too long for UDP: truncated, and whole over TCP.
    let r = ask_udp(ns, &query(5, "many.example.com", 1, false))
        .await
        .unwrap();
    assert!(r.tc && r.answers.is_empty(), "{r:?}");
    let r = ask_tcp(ns, &query(6, "many.example.com", 1, false)).await;
    assert!(!r.tc && r.aa);
    assert_eq!(r.answers.len(), 32);
}

#[tokio::test]
async fn aliases_answer_the_addresses_of_their_targets() {
    let sim = sim("alb-cloudfront").await;
    let zone = sim.with_world(|w| w.r53.zones[0].id.clone());
    let (_, ns) = name_server(&sim, &zone).await;
    let r = ask_udp(ns, &query(9, "www.example.com", 1, false))
        .await
        .unwrap();
    assert!(r.aa);
    let mut got: Vec<String> = r.answers.iter().map(|(_, _, v)| v.clone()).collect();
    got.sort();
    let mut want = test_dns_answer(&sim, &zone, "www.example.com", RrType::A).await;
    want.sort();
    assert!(!want.is_empty());
    assert_eq!(got, want);
    assert!(
        r.answers.iter().all(|(t, ttl, _)| (*t, *ttl) == (1, 60)),
        "an alias to an ELB: 60 s"
    );
}

#[tokio::test]
async fn private_zones_are_not_served_and_dns_faults_silence_the_name_servers() {
    let sim = sim("chains-names").await;
    // A private zone has no name servers to ask (GetHostedZone gives its VPCs instead).
    let private = route53(&sim)
        .await
        .get_hosted_zone()
        .id("Z0CHAINSPRIVATE")
        .send()
        .await
        .unwrap();
    assert!(private.delegation_set().is_none());
    // Split horizon: the public zone of the same name answers, never the private one.
    let (_, ns) = name_server(&sim, "Z0CHAINSPUBLIC").await;
    let r = ask_udp(ns, &query(1, "www.example.com", 1, false))
        .await
        .unwrap();
    let mut got: Vec<String> = r.answers.iter().map(|(_, _, v)| v.clone()).collect();
    got.sort();
    let mut want = test_dns_answer(&sim, "Z0CHAINSPUBLIC", "www.example.com", RrType::A).await;
    want.sort();
    assert_eq!(got, want);
    assert!(!got.contains(&"10.6.1.11".to_string()));
    // A timeout fault of service dns: no answer at all, until cleared.
    sim.control(Control::Fault(FaultSpec {
        service: Some("dns".into()),
        operation: None,
        kind: FaultKind::Timeout,
        times: None,
        body_contains: None,
    }))
    .unwrap();
    assert!(
        ask_udp(ns, &query(2, "www.example.com", 1, false))
            .await
            .is_none()
    );
    sim.control(Control::ClearFaults {
        service: Some("dns".into()),
        operation: None,
    })
    .unwrap();
    assert!(
        ask_udp(ns, &query(3, "www.example.com", 1, false))
            .await
            .is_some()
    );
}

/// Python's sockets, as an independent client: the NS name resolves through the emulator's
/// resolver, and the name server answers with AA and the primary's addresses.
#[tokio::test]
async fn an_independent_client_gets_the_same_answer() {
    let Some(python) = std::env::var_os("SWITCHYARD_PYTHON") else {
        eprintln!("SWITCHYARD_PYTHON not set: skipped");
        return;
    };
    let sim = ns_sim().await;
    let (names, ns) = name_server(&sim, "Z0NS").await;
    let script = r#"
import socket, struct, sys, random
def ask(host, port, name, rd):
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0x0100 if rd else 0, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect((host, port))
    s.send(q)
    r = s.recv(4096)
    rid, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", r[:12])
    assert rid == qid, "another ID"
    pos = 12
    while r[pos]: pos += r[pos] + 1
    pos += 5
    out = []
    for _ in range(an):
        if r[pos] & 0xc0 == 0xc0: pos += 2
        else:
            while r[pos]: pos += r[pos] + 1
            pos += 1
        t, c, ttl, ln = struct.unpack(">HHIH", r[pos:pos + 10])
        if t == 1: out.append((ttl, socket.inet_ntoa(r[pos + 10:pos + 14])))
        pos += 10 + ln
    return flags, out
resolver_host, resolver_port, ns_name, ns_port = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
_, addrs = ask(resolver_host, resolver_port, ns_name, True)
flags, answer = ask(addrs[0][1], ns_port, "www.example.com", False)
print("aa" if flags & 0x0400 else "no-aa", " ".join(f"{ttl}/{ip}" for ttl, ip in answer))
"#;
    let out = tokio::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(sim.dns_server().ip().to_string())
        .arg(sim.dns_server().port().to_string())
        .arg(&names[1])
        .arg(ns.port().to_string())
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "aa 45/192.0.2.10"
    );
}

/// Generated account `k` (zone Z0GENERATED0k, account`k`.example.com), clock paused; its name
/// servers relay the zones they do not hold to `next`'s.
async fn chained_account(k: u8, next: Option<&SimHandle>) -> SimHandle {
    let mut opts = SimOptions::new(switchyard_sim::scenario::generate_account(2, k));
    opts.paused = true;
    opts.start = Some(T0_MS);
    opts.name_server_forward = next.map(SimHandle::name_server);
    start(opts).await.unwrap()
}

/// Three accounts' emulators chained (1 -> 2 -> 3): the first one's name servers answer every
/// account's zone, as each account's own emulator answers it (AA, its records, over UDP and
/// TCP); the query is counted and faulted by the emulator that holds the zone only; a name no
/// emulator holds is refused at the end of the chain.
#[tokio::test]
async fn chained_emulators_answer_every_accounts_zone_each_from_its_own() {
    let three = chained_account(3, None).await;
    let two = chained_account(2, Some(&three)).await;
    let one = chained_account(1, Some(&two)).await;
    let first = one.name_server();
    for (k, sim) in [(1u8, &one), (2, &two), (3, &three)] {
        let name = format!("site001.account{k}.example.com");
        let mut want = test_dns_answer(sim, &format!("Z0GENERATED{k:02}"), &name, RrType::A).await;
        want.sort();
        assert!(!want.is_empty(), "{name}");
        let udp = ask_udp(first, &query(u16::from(k), &name, 1, false))
            .await
            .unwrap_or_else(|| panic!("{name}: no answer over UDP"));
        let tcp = ask_tcp(first, &query(u16::from(k) + 10, &name, 1, false)).await;
        for (how, r) in [("udp", udp), ("tcp", tcp)] {
            assert_eq!((r.rcode, r.aa), (0, true), "{name} over {how}: {r:?}");
            let mut got: Vec<String> = r.answers.iter().map(|(_, _, v)| v.clone()).collect();
            got.sort();
            assert_eq!(got, want, "{name} over {how}");
        }
        assert_eq!(
            sim.calls().dns_total(),
            2,
            "account {k} counts its own queries"
        );
    }
    // A name nobody holds: refused (by the last emulator), without authority.
    let r = ask_udp(first, &query(30, "www.example.org", 1, false))
        .await
        .unwrap();
    assert_eq!((r.rcode, r.aa), (5, false));
    // A fault of the first account's name servers does not touch the third's zone: the fault
    // of the emulator that holds the zone does.
    let timeout = || {
        Control::Fault(FaultSpec {
            service: Some("dns".into()),
            operation: None,
            kind: FaultKind::Timeout,
            times: None,
            body_contains: None,
        })
    };
    one.control(timeout()).unwrap();
    assert!(
        ask_udp(first, &query(31, "site000.account1.example.com", 1, false))
            .await
            .is_none()
    );
    let r = ask_udp(first, &query(32, "site000.account3.example.com", 1, false))
        .await
        .unwrap();
    assert_eq!((r.rcode, r.aa), (0, true));
    three.control(timeout()).unwrap();
    assert!(
        ask_udp(first, &query(33, "site000.account3.example.com", 1, false))
            .await
            .is_none()
    );
}
