//! Route 53's answer read from the hosted zone's own name servers by DNS: what resolvers get,
//! and free of the account's API budget (TestDNSAnswer costs one call per site and type).
//!
//! A zone's name servers come from GetHostedZone (its DelegationSet), read once per zone and
//! kept: they do not change for the zone's life. Their names are resolved with the configured
//! resolver ([`Resolver`]) and kept for [`ADDRESSES_KEPT`]. Each is asked on port 53, or on
//! `SWITCHYARD_NAME_SERVER_PORT` (a DNS path through a port forward; the built-in emulator,
//! whose name servers' names lead to 127.0.0.1 through its resolver, sets it).
//!
//! TestDNSAnswer stays the fallback ([`Fallback`]), and the answer says which source it came
//! from ([`AnswerSource`]):
//! - a private hosted zone: its name servers answer only inside its VPCs (split horizon);
//! - a record type other than A, AAAA or CNAME;
//! - GetHostedZone denied or failing (asked again next time: one call per zone);
//! - DNS blocked or not answering here: remembered for [`BLOCKED_FOR`], so that a blocked
//!   bastion does not wait for a timeout every round; said once in the log.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::OnceCell;
use tokio::time::Instant;

use super::dns::{Resolver, ask_authoritative};
use super::route53::Delegation;
use crate::model::error::AwsError;
use crate::model::route53::{AnswerSource, DnsAnswer};

/// How long DNS that did not answer is not asked again.
pub const BLOCKED_FOR: Duration = Duration::from_secs(300);

/// How long the name servers' addresses are kept.
pub const ADDRESSES_KEPT: Duration = Duration::from_secs(3600);

/// The variable that names the port the name servers are asked on.
pub const PORT_VAR: &str = "SWITCHYARD_NAME_SERVER_PORT";

/// A port set by this process for an emulator it runs (see [`use_emulator`]).
static OWN_PORT: OnceLock<u16> = OnceLock::new();

/// Asks the name servers of an emulator this process runs (the demo, a rehearsal) on its port:
/// `env` is its environment ([`PORT_VAR`] is taken from it).
pub fn use_emulator(env: &[(String, String)]) {
    if let Some(port) = env
        .iter()
        .find(|(k, _)| k == PORT_VAR)
        .and_then(|(_, v)| v.trim().parse::<u16>().ok())
    {
        let _ = OWN_PORT.set(port);
    }
}

/// The port the name servers are asked on: [`use_emulator`]'s, else [`PORT_VAR`], else 53.
pub fn port_from_env() -> Result<u16, String> {
    if let Some(p) = OWN_PORT.get() {
        return Ok(*p);
    }
    match std::env::var(PORT_VAR) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("{PORT_VAR}: {v:?} is not a port number")),
        _ => Ok(53),
    }
}

/// Why the answer is to be read with TestDNSAnswer instead, and whether it is because DNS does
/// not answer from here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fallback {
    pub why: String,
    pub dns_blocked: bool,
}

impl Fallback {
    fn not_asked(why: impl Into<String>) -> Fallback {
        Fallback {
            why: why.into(),
            dns_blocked: false,
        }
    }

    fn blocked(why: impl Into<String>) -> Fallback {
        Fallback {
            why: why.into(),
            dns_blocked: true,
        }
    }

    /// The source an answer read with TestDNSAnswer instead has.
    pub fn source(&self) -> AnswerSource {
        AnswerSource::TestDnsAnswer {
            why: Some(self.why.clone()),
            dns_blocked: self.dns_blocked,
        }
    }
}

/// What is known of one zone's name servers.
#[derive(Debug)]
enum Zone {
    /// Not asked by DNS: why (a private zone, no name servers given, GetHostedZone denied).
    Not(String),
    /// The names of its name servers, and their addresses once resolved.
    Servers {
        names: Vec<String>,
        addresses: Mutex<Option<Resolved>>,
    },
}

/// The name servers' addresses (name, address to ask), and when they were resolved.
type Resolved = (Vec<(String, SocketAddr)>, Instant);

/// DNS that did not answer, until when it is not asked again.
#[derive(Debug)]
struct Blocked {
    until: Instant,
    why: String,
}

/// The name servers of the zones read so far, and whether DNS answers here. Shared by the
/// fetchers of one process (cheap to clone).
#[derive(Clone, Debug)]
pub struct NameServers {
    resolver: Resolver,
    port: u16,
    zones: Arc<Mutex<HashMap<String, Arc<OnceCell<Zone>>>>>,
    blocked: Arc<Mutex<Option<Blocked>>>,
    /// Whether "DNS does not answer" was said (in the log) since it last answered.
    said: Arc<Mutex<bool>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl NameServers {
    pub fn new(resolver: Resolver, port: u16) -> NameServers {
        NameServers {
            resolver,
            port,
            zones: Arc::default(),
            blocked: Arc::default(),
            said: Arc::default(),
        }
    }

    /// With the port of [`port_from_env`] (53 when it is not usable: said in the log). One per
    /// resolver and port in a process: what is known of the zones, and whether DNS answers
    /// here, is shared by every fetcher (a switch's reads too), and said once.
    pub fn from_env(resolver: Resolver) -> NameServers {
        static SHARED: OnceLock<Mutex<HashMap<(Resolver, u16), NameServers>>> = OnceLock::new();
        let port = port_from_env().unwrap_or_else(|e| {
            tracing::warn!("{e}; the name servers are asked on port 53");
            53
        });
        lock(SHARED.get_or_init(Mutex::default))
            .entry((resolver.clone(), port))
            .or_insert_with(|| NameServers::new(resolver, port))
            .clone()
    }

    /// Why DNS is not asked now, if it did not answer a moment ago.
    fn blocked(&self) -> Option<String> {
        let b = lock(&self.blocked);
        b.as_ref()
            .filter(|b| Instant::now() < b.until)
            .map(|b| b.why.clone())
    }

    fn block(&self, why: &str) {
        let text = format!(
            "Route 53's name servers do not answer by DNS from here ({why}): its answers are read \
             with TestDNSAnswer, and DNS is tried again in {} min",
            BLOCKED_FOR.as_secs() / 60
        );
        *lock(&self.blocked) = Some(Blocked {
            until: Instant::now() + BLOCKED_FOR,
            why: why.to_string(),
        });
        let mut said = lock(&self.said);
        if !*said {
            *said = true;
            tracing::warn!("{text}");
        }
    }

    fn answered(&self) {
        lock(&self.blocked).take();
        let mut said = lock(&self.said);
        if *said {
            *said = false;
            tracing::info!("Route 53's name servers answer by DNS again");
        }
    }

    /// What Route 53 answers for `name` and `rtype` in zone `zone_id`, from the zone's name
    /// servers; `delegation` reads the zone's name servers (GetHostedZone, in the caller's
    /// budget) the first time. `Err`: read it with TestDNSAnswer, for this reason.
    pub async fn answer<F, Fut>(
        &self,
        zone_id: &str,
        name: &str,
        rtype: &str,
        delegation: F,
    ) -> Result<DnsAnswer, Fallback>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Delegation, AwsError>>,
    {
        let rtype = rtype.to_ascii_uppercase();
        if !matches!(rtype.as_str(), "A" | "AAAA" | "CNAME") {
            return Err(Fallback::not_asked(format!(
                "{rtype} answers are read with TestDNSAnswer"
            )));
        }
        if let Some(why) = self.blocked() {
            return Err(Fallback::blocked(format!(
                "Route 53's name servers do not answer by DNS from here: {why}"
            )));
        }
        let cell = lock(&self.zones)
            .entry(zone_id.to_string())
            .or_default()
            .clone();
        let zone = cell
            .get_or_try_init(|| async {
                match delegation().await {
                    Ok(d) if d.private => Ok(Zone::Not(
                        "a private hosted zone: its name servers answer only inside its VPCs"
                            .into(),
                    )),
                    Ok(d) if d.name_servers.is_empty() => Ok(Zone::Not(
                        "GetHostedZone gave the zone no name servers".into(),
                    )),
                    Ok(d) => Ok(Zone::Servers {
                        names: d.name_servers,
                        addresses: Mutex::new(None),
                    }),
                    // Not kept: asked again next time (one call per zone, not per site), so
                    // that access granted or a fault cleared shows at once.
                    Err(e) => Err(e),
                }
            })
            .await
            .map_err(|e| {
                Fallback::not_asked(format!(
                    "the zone's name servers could not be read: {}",
                    e.summary()
                ))
            })?;
        let (names, addresses) = match zone {
            Zone::Not(why) => return Err(Fallback::not_asked(why.clone())),
            Zone::Servers { names, addresses } => (names, addresses),
        };
        let known = lock(addresses)
            .as_ref()
            .filter(|(_, at)| at.elapsed() < ADDRESSES_KEPT)
            .map(|(a, _)| a.clone());
        let servers = match known {
            Some(a) => a,
            None => {
                let found = self.resolve(names).await;
                if found.is_empty() {
                    let why = format!(
                        "the name servers' names do not resolve ({})",
                        names.join(", ")
                    );
                    self.block(&why);
                    return Err(Fallback::blocked(format!(
                        "Route 53's name servers do not answer by DNS from here: {why}"
                    )));
                }
                *lock(addresses) = Some((found.clone(), Instant::now()));
                found
            }
        };
        // Two of the name servers at most, starting at one the name picks (the load spread);
        // the second only when the first answered with an error: one that does not answer at
        // all says DNS is blocked here, without a second wait.
        let start = name.bytes().fold(0usize, |h, b| {
            h.wrapping_mul(31).wrapping_add(usize::from(b))
        }) % servers.len();
        let mut errors: Vec<String> = Vec::new();
        for (ns, addr) in servers
            .iter()
            .cycle()
            .skip(start)
            .take(servers.len().min(2))
        {
            if errors.last().is_some_and(|e| no_answer(e)) {
                break;
            }
            match ask_authoritative(*addr, name, &rtype).await {
                Ok(a) => {
                    self.answered();
                    return Ok(DnsAnswer {
                        record_name: name.to_string(),
                        record_type: rtype.clone(),
                        values: a.values,
                        response_code: a.response_code,
                        source: AnswerSource::NameServers {
                            server: format!("{ns}, {addr}"),
                        },
                    });
                }
                Err(e) => errors.push(e),
            }
        }
        let why = errors.join("; ");
        // Nothing answered at all: DNS is blocked or down here. An answer that was an error
        // (REFUSED, SERVFAIL, no authority) is not: only this answer falls back.
        if errors.iter().all(|e| no_answer(e)) {
            self.block(&why);
            return Err(Fallback::blocked(format!(
                "Route 53's name servers do not answer by DNS from here: {why}"
            )));
        }
        Err(Fallback::not_asked(format!(
            "Route 53's name servers did not answer by DNS: {why}"
        )))
    }

    /// The address of each name server (IPv4 first), by name.
    async fn resolve(&self, names: &[String]) -> Vec<(String, SocketAddr)> {
        let found = futures::future::join_all(names.iter().map(|n| async move {
            let addrs = self.resolver.resolve(n).await.unwrap_or_default();
            let ip = addrs
                .iter()
                .filter_map(|a| a.parse::<std::net::IpAddr>().ok())
                .min_by_key(|ip| ip.is_ipv6())?;
            Some((
                n.trim_end_matches('.').to_string(),
                SocketAddr::new(ip, self.port),
            ))
        }))
        .await;
        found.into_iter().flatten().collect()
    }
}

/// Whether a query's error says that nothing answered (a timeout, a refused or unreachable
/// port), rather than an answer that was an error.
fn no_answer(e: &str) -> bool {
    !(e.contains(" answered ") || e.contains("no AA flag") || e.contains("malformed"))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::model::error::ErrorKind;

    const SCENARIO: &str = "name = \"ns\"\n[[hosted_zones]]\nid = \"Z1\"\nname = \"example.com\"\n[[hosted_zones.records]]\nname = \"www.example.com\"\nttl = 90\nvalues = [\"192.0.2.44\"]\n[[hosted_zones.records]]\nname = \"www.example.com\"\ntype = \"AAAA\"\nvalues = [\"2001:db8::44\"]\n[[hosted_zones.records]]\nname = \"app.example.com\"\ntype = \"CNAME\"\nvalues = [\"www.example.com\"]\n";

    async fn sim() -> switchyard_sim::SimHandle {
        let scenario = switchyard_sim::Scenario::parse(SCENARIO).unwrap();
        switchyard_sim::start(switchyard_sim::SimOptions::new(scenario))
            .await
            .unwrap()
    }

    fn servers(sim: &switchyard_sim::SimHandle) -> NameServers {
        NameServers::new(Resolver::Server(sim.dns_server()), sim.name_server().port())
    }

    /// GetHostedZone as the emulator would answer it, counted.
    fn delegation<'a>(
        sim: &'a switchyard_sim::SimHandle,
        calls: &'a AtomicUsize,
    ) -> impl FnOnce() -> std::future::Ready<Result<Delegation, AwsError>> + 'a {
        move || {
            calls.fetch_add(1, Ordering::SeqCst);
            let d = sim.with_world(|w| {
                let z = w.r53.zones.iter().find(|z| z.id == "Z1").unwrap();
                Delegation {
                    private: z.private,
                    name_servers: z.name_servers.clone(),
                }
            });
            std::future::ready(Ok(d))
        }
    }

    #[tokio::test]
    async fn answers_come_from_the_zones_name_servers_and_the_zone_is_read_once() {
        let sim = sim().await;
        let ns = servers(&sim);
        let calls = AtomicUsize::new(0);
        let a = ns
            .answer("Z1", "www.example.com.", "A", delegation(&sim, &calls))
            .await
            .unwrap();
        assert_eq!(a.values, ["192.0.2.44"]);
        assert_eq!(a.response_code, "NOERROR");
        let AnswerSource::NameServers { server } = &a.source else {
            panic!("{:?}", a.source)
        };
        assert!(
            server.contains(".awsdns-") && server.contains("127.0.0.1:"),
            "{server}"
        );
        assert!(
            a.source
                .describe()
                .starts_with("Route 53's name servers by DNS (ns-")
        );
        let aaaa = ns
            .answer("Z1", "www.example.com.", "AAAA", delegation(&sim, &calls))
            .await
            .unwrap();
        assert_eq!(aaaa.values, ["2001:db8::44"]);
        // A CNAME is answered with its target, as TestDNSAnswer gives it.
        let cname = ns
            .answer("Z1", "app.example.com", "A", delegation(&sim, &calls))
            .await
            .unwrap();
        assert_eq!(cname.values, ["www.example.com."]);
        let missing = ns
            .answer("Z1", "nope.example.com", "A", delegation(&sim, &calls))
            .await
            .unwrap();
        assert_eq!(
            (missing.response_code.as_str(), missing.values.len()),
            ("NXDOMAIN", 0)
        );
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "GetHostedZone once per zone"
        );
        assert_eq!(sim.calls().get("route53", "TestDNSAnswer"), 0);
        assert!(sim.calls().dns_total() >= 4);
    }

    #[tokio::test]
    async fn a_private_zone_and_a_zone_that_cannot_be_read_fall_back_to_test_dns_answer() {
        let sim = sim().await;
        let ns = servers(&sim);
        let private = || {
            std::future::ready(Ok(Delegation {
                private: true,
                name_servers: Vec::new(),
            }))
        };
        let f = ns
            .answer("ZPRIVATE", "www.example.com", "A", private)
            .await
            .unwrap_err();
        assert!(f.why.starts_with("a private hosted zone"), "{f:?}");
        assert!(!f.dns_blocked);
        assert_eq!(
            f.source().describe(),
            "TestDNSAnswer (a private hosted zone: its name servers answer only inside its VPCs)"
        );
        let denied = || {
            std::future::ready(Err(AwsError::new(
                ErrorKind::AccessDenied,
                "route53",
                "GetHostedZone",
                "not authorized",
            )))
        };
        let f = ns
            .answer("ZDENIED", "www.example.com", "A", denied)
            .await
            .unwrap_err();
        assert!(
            f.why
                .starts_with("the zone's name servers could not be read: access denied"),
            "{f:?}"
        );
        // A read that failed (denied, throttled) is asked again next time.
        let throttled = || {
            std::future::ready(Err(AwsError::new(
                ErrorKind::Throttled,
                "route53",
                "GetHostedZone",
                "Rate exceeded",
            )))
        };
        assert!(
            ns.answer("Z1", "www.example.com", "A", throttled)
                .await
                .is_err()
        );
        let calls = AtomicUsize::new(0);
        assert!(
            ns.answer("Z1", "www.example.com", "A", delegation(&sim, &calls))
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn dns_that_does_not_answer_is_remembered_and_not_waited_for_again() {
        let sim = sim().await;
        let ns = servers(&sim);
        sim.control(switchyard_sim::Control::Fault(switchyard_sim::FaultSpec {
            service: Some("dns".into()),
            operation: None,
            kind: switchyard_sim::FaultKind::Timeout,
            times: None,
            body_contains: None,
        }))
        .unwrap();
        let calls = AtomicUsize::new(0);
        let f = ns
            .answer("Z1", "www.example.com", "A", delegation(&sim, &calls))
            .await
            .unwrap_err();
        assert!(f.dns_blocked, "{f:?}");
        assert!(
            f.why
                .starts_with("Route 53's name servers do not answer by DNS from here"),
            "{f:?}"
        );
        let asked = sim.calls().dns_total();
        assert_eq!(asked, 1, "one name server was asked: no second wait");
        // The next answer does not ask (nor wait): DNS is known not to answer, for a while.
        let f = ns
            .answer("Z1", "www.example.com", "AAAA", delegation(&sim, &calls))
            .await
            .unwrap_err();
        assert!(f.dns_blocked);
        assert_eq!(sim.calls().dns_total(), asked);
        assert_eq!(
            f.source().dns_blocked(),
            Some(f.why.as_str()),
            "the table says it once, above the sites"
        );
    }
}
