//! Instances and plain origins: the things that answer (or do not answer) a probe.

use serde::{Deserialize, Serialize};

use super::Ms;

/// How an endpoint answers an HTTP or TCP probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(try_from = "String", into = "String")]
pub enum Behaviour {
    /// Answers 200 OK.
    #[default]
    Healthy,
    /// Answers with this HTTP status code.
    Http(u16),
    /// Accepts nothing: the connection times out.
    Timeout,
    /// Refuses the connection.
    Refused,
    /// Answers 200 OK, its first byte this many milliseconds after the connection is made
    /// (`slow:2500`): a Route 53 HTTP(S) checker gives up after 2 s.
    Slow(u32),
    /// Accepts the connection this many milliseconds after the client tries (`slow_connect:5000`),
    /// then answers 200 OK: a Route 53 HTTP(S) checker gives up after 4 s, a TCP one after 10 s.
    SlowConnect(u32),
}

impl TryFrom<String> for Behaviour {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Behaviour::parse(&s)
    }
}

impl From<Behaviour> for String {
    fn from(b: Behaviour) -> String {
        b.to_string()
    }
}

impl Behaviour {
    pub fn parse(s: &str) -> Result<Behaviour, String> {
        match s {
            "healthy" | "ok" => Ok(Behaviour::Healthy),
            "timeout" => Ok(Behaviour::Timeout),
            "refused" => Ok(Behaviour::Refused),
            other if other.starts_with("slow:") || other.starts_with("slow_connect:") => {
                let (kind, ms) = other.split_once(':').unwrap_or_default();
                let ms = ms.parse::<u32>().map_err(|_| {
                    format!("{other:?}: {kind}:<milliseconds> takes a whole number of milliseconds")
                })?;
                Ok(if kind == "slow" {
                    Behaviour::Slow(ms)
                } else {
                    Behaviour::SlowConnect(ms)
                })
            }
            other => other
                .strip_prefix("http:")
                .and_then(|code| code.parse::<u16>().ok())
                .filter(|code| (100..600).contains(code))
                .map(Behaviour::Http)
                .ok_or_else(|| {
                    format!("unknown behaviour {other:?}: expected healthy, timeout, refused, http:<status>, slow:<ms> or slow_connect:<ms>")
                }),
        }
    }

    /// The result of probing an endpoint that behaves like this.
    pub fn probe(self) -> Probe {
        match self {
            Behaviour::Healthy | Behaviour::Slow(_) | Behaviour::SlowConnect(_) => Probe::Http(200),
            Behaviour::Http(code) => Probe::Http(code),
            Behaviour::Timeout => Probe::Timeout,
            Behaviour::Refused => Probe::Refused,
        }
    }
}

impl std::fmt::Display for Behaviour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Behaviour::Healthy => f.write_str("healthy"),
            Behaviour::Http(code) => write!(f, "http:{code}"),
            Behaviour::Timeout => f.write_str("timeout"),
            Behaviour::Refused => f.write_str("refused"),
            Behaviour::Slow(ms) => write!(f, "slow:{ms}"),
            Behaviour::SlowConnect(ms) => write!(f, "slow_connect:{ms}"),
        }
    }
}

/// What one probe saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    Http(u16),
    Timeout,
    Refused,
    /// The name did not resolve.
    NoDns,
}

impl Probe {
    pub fn http_ok(self) -> bool {
        matches!(self, Probe::Http(code) if (200..400).contains(&code))
    }

    pub fn connected(self) -> bool {
        matches!(self, Probe::Http(_))
    }
}

/// Who made a response, as a client can tell it from the response's headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Server {
    /// The application (an instance, a target, an origin).
    #[default]
    App,
    /// The load balancer itself: a fixed response, a redirect, or its own 502/503/504.
    LoadBalancer,
}

/// What a probe saw, with the response body when there was one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub probe: Probe,
    pub body: String,
    pub from: Server,
    /// How long the connection took to open, in milliseconds (0: at once).
    pub connect_ms: u32,
    /// How long after the connection the first byte of the answer came, in milliseconds.
    pub first_byte_ms: u32,
}

impl Page {
    pub fn new(probe: Probe, body: &str) -> Page {
        Page {
            probe,
            body: body.to_string(),
            from: Server::App,
            connect_ms: 0,
            first_byte_ms: 0,
        }
    }

    /// A result without a body (a timeout, a refusal, an empty error page).
    pub fn none(probe: Probe) -> Page {
        Page {
            probe,
            body: String::new(),
            from: Server::App,
            connect_ms: 0,
            first_byte_ms: 0,
        }
    }

    /// The same response, made by the load balancer itself.
    pub fn by_lb(mut self) -> Page {
        self.from = Server::LoadBalancer;
        self
    }

    /// The same answer as a proxy (a load balancer) passes it on: the client's connection opens
    /// at once, and the proxy's wait for its target comes before the first byte.
    pub fn proxied(mut self) -> Page {
        self.first_byte_ms = self.first_byte_ms.saturating_add(self.connect_ms);
        self.connect_ms = 0;
        self
    }
}

/// The page an application answers with when the scenario gives it no body of its own.
pub const APP_PAGE: &str = "<!doctype html><html><body><h1>It works</h1></body></html>";

/// The page a CloudFront distribution of the world serves: the sorry page.
pub const SORRY_PAGE: &str = "<!doctype html><html><body><h1>Down for maintenance</h1><p>We will be back soon.</p></body></html>";

/// The body of an endpoint that behaves like `b`, with `body` its configured page.
fn page_of(b: Behaviour, body: Option<&str>) -> Page {
    let probe = b.probe();
    let mut page = match probe {
        Probe::Http(200) => Page::new(probe, body.unwrap_or(APP_PAGE)),
        Probe::Http(_) => Page::new(probe, body.unwrap_or("")),
        _ => Page::none(probe),
    };
    match b {
        Behaviour::Slow(ms) => page.first_byte_ms = ms,
        Behaviour::SlowConnect(ms) => page.connect_ms = ms,
        _ => {}
    }
    page
}

/// How an endpoint that terminates TLS itself answers a handshake: the names its certificate
/// holds, and whether it refuses a client_hello without a server name (SNI).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tls {
    /// The DNS names of its certificate (Common Name and Subject Alternative Names; `*.` for a
    /// wildcard). Empty: not said, taken to match any name.
    pub names: Vec<String>,
    /// It answers a client_hello without SNI with a handshake_failure alert.
    pub sni_required: bool,
}

impl Tls {
    /// Whether the certificate holds `name` (a leading `*.` matches one label).
    pub fn covers(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.names.is_empty()
            || self.names.iter().any(|n| {
                let n = n.trim_end_matches('.').to_ascii_lowercase();
                match n.strip_prefix("*.") {
                    Some(rest) => name
                        .split_once('.')
                        .is_some_and(|(label, tail)| !label.is_empty() && tail == rest),
                    None => n == name,
                }
            })
    }
}

/// The reason phrase AWS shows next to an HTTP status code.
pub fn reason_phrase(code: u16) -> &'static str {
    match code {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InstanceState {
    Pending,
    Running,
    Stopping,
    Stopped,
}

impl InstanceState {
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceState::Pending => "pending",
            InstanceState::Running => "running",
            InstanceState::Stopping => "stopping",
            InstanceState::Stopped => "stopped",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Instance {
    pub id: String,
    pub name: String,
    pub az: String,
    pub private_ip: String,
    pub public_ip: Option<String>,
    /// The state it is in or moving to; `until` says when a transition ends.
    pub state: InstanceState,
    pub until: Ms,
    /// Impaired status checks: the instance answers nothing and reports StatusCheckFailed = 1.
    pub impaired: bool,
    /// Its host failed (loss of power or network, hardware): the instance answers nothing and
    /// reports StatusCheckFailed_System = 1 (and StatusCheckFailed = 1), while
    /// StatusCheckFailed_Instance stays 0.
    pub host_failed: bool,
    /// How it answers a TLS handshake.
    pub tls: Tls,
    /// How the application on it answers.
    pub app: Behaviour,
    /// The body the application answers with (a default page when not given).
    pub body: Option<String>,
}

impl Instance {
    /// The state at time `t`, with transitions that have ended applied.
    pub fn state_at(&self, t: Ms) -> InstanceState {
        match self.state {
            InstanceState::Pending if t >= self.until => InstanceState::Running,
            InstanceState::Stopping if t >= self.until => InstanceState::Stopped,
            s => s,
        }
    }

    pub fn running_at(&self, t: Ms) -> bool {
        self.state_at(t) == InstanceState::Running
    }

    /// How a probe of this instance ends at time `t`.
    pub fn probe_at(&self, t: Ms) -> Probe {
        if !self.running_at(t) || self.impaired || self.host_failed {
            Probe::Timeout
        } else {
            self.app.probe()
        }
    }

    /// What a client gets from this instance at time `t`, body included.
    pub fn page_at(&self, t: Ms) -> Page {
        match self.probe_at(t) {
            Probe::Timeout => Page::none(Probe::Timeout),
            _ => page_of(self.app, self.body.as_deref()),
        }
    }

    pub fn has_ip(&self, ip: &str) -> bool {
        self.private_ip == ip || self.public_ip.as_deref() == Some(ip)
    }
}

/// An endpoint that is neither an instance nor a load balancer (an external origin, a host).
#[derive(Clone, Debug)]
pub struct Origin {
    pub name: String,
    pub fqdn: Option<String>,
    pub ip: Option<String>,
    pub behaviour: Behaviour,
    /// The body it answers with (a default page when not given).
    pub body: Option<String>,
    /// How it answers a TLS handshake.
    pub tls: Tls,
}

impl Origin {
    /// What a client gets from this origin, body included.
    pub fn page(&self) -> Page {
        page_of(self.behaviour, self.body.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaviour_parses_its_own_rendering() {
        for b in [
            Behaviour::Healthy,
            Behaviour::Http(503),
            Behaviour::Timeout,
            Behaviour::Refused,
            Behaviour::Slow(2500),
            Behaviour::SlowConnect(5000),
        ] {
            assert_eq!(Behaviour::parse(&b.to_string()), Ok(b));
        }
        assert!(Behaviour::parse("http:999").is_err());
        assert!(
            Behaviour::parse("sick")
                .unwrap_err()
                .contains("expected healthy")
        );
    }

    #[test]
    fn a_stopping_instance_stops_when_its_transition_ends() {
        let i = Instance {
            id: "i-1".into(),
            name: String::new(),
            az: "a".into(),
            private_ip: "10.0.0.1".into(),
            public_ip: None,
            state: InstanceState::Stopping,
            until: 100,
            impaired: false,
            host_failed: false,
            tls: Tls::default(),
            app: Behaviour::Healthy,
            body: None,
        };
        assert_eq!(i.state_at(99), InstanceState::Stopping);
        assert_eq!(i.state_at(100), InstanceState::Stopped);
        assert_eq!(i.probe_at(100), Probe::Timeout);
    }

    #[test]
    fn a_certificate_covers_its_names_and_wildcards() {
        let tls = Tls {
            names: vec!["www.example.com".into(), "*.api.example.com".into()],
            sni_required: true,
        };
        assert!(tls.covers("WWW.example.com."));
        assert!(tls.covers("eu.api.example.com"));
        assert!(!tls.covers("api.example.com"));
        assert!(!tls.covers("a.b.api.example.com"));
        assert!(Tls::default().covers("anything.example"));
    }
}
