//! Route 53: record sets, DNS answers, health checks, checker observations and changes.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::serde_util::{secs, secs_opt};
use super::strings::aws_string_enum;

/// The hosted zone ID every alias to a CloudFront distribution uses.
pub const CLOUDFRONT_HOSTED_ZONE_ID: &str = "Z2FDTNDATAQYW2";

/// The fixed TTL Route 53 answers alias records to AWS resources (ELB, S3, CloudFront) with.
pub const ALIAS_TTL: Duration = Duration::from_secs(60);

/// Route 53's "more than 18% of checkers report healthy" rule, as a fraction.
pub const HEALTHY_CHECKER_SHARE: f64 = 0.18;

/// Whether two DNS names are the same name as [`normalize_dns_name`] sees them (case, a final
/// dot, a `dualstack.` prefix aside), without allocating: the poller compares every site's
/// names with every load balancer and distribution of the account each round.
pub fn same_dns_name(a: &str, b: &str) -> bool {
    dns_key(a).eq_ignore_ascii_case(dns_key(b))
}

/// Whether the DNS name ends with `suffix` (lower case, starting with a dot) as
/// [`normalize_dns_name`] sees it, without allocating.
pub fn dns_name_ends_with(name: &str, suffix: &str) -> bool {
    let k = dns_key(name);
    k.len()
        .checked_sub(suffix.len())
        .and_then(|at| k.get(at..))
        .is_some_and(|end| end.eq_ignore_ascii_case(suffix))
}

/// The name as [`normalize_dns_name`] gives it, but for its case.
fn dns_key(name: &str) -> &str {
    let t = name.trim().trim_end_matches('.');
    match t.get(..10) {
        Some(p) if p.eq_ignore_ascii_case("dualstack.") => &t[10..],
        _ => t,
    }
}

/// A DNS name in one spelling for comparisons: lower case, no trailing dot, no `dualstack.`
/// prefix (Route 53 aliases to load balancers are often written `dualstack.<lb dns name>`).
pub fn normalize_dns_name(name: &str) -> String {
    let lower = name.trim().trim_end_matches('.').to_ascii_lowercase();
    match lower.strip_prefix("dualstack.") {
        Some(rest) => rest.to_string(),
        None => lower,
    }
}

/// The role of a record set in a failover pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Failover {
    /// Answered while it is healthy.
    Primary,
    /// Answered when the primary is unhealthy (and this one is not known to be unhealthy).
    Secondary,
}

impl Failover {
    /// `PRIMARY` or `SECONDARY`.
    pub fn as_str(self) -> &'static str {
        match self {
            Failover::Primary => "PRIMARY",
            Failover::Secondary => "SECONDARY",
        }
    }
}

/// Where an alias record points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasTarget {
    /// The target's hosted zone ID (for CloudFront always [`CLOUDFRONT_HOSTED_ZONE_ID`]).
    pub hosted_zone_id: String,
    /// The target's DNS name, as written in the record (may carry `dualstack.` and a dot).
    pub dns_name: String,
    /// Whether the record inherits the target's health (never true for CloudFront).
    pub evaluate_target_health: bool,
}

impl AliasTarget {
    /// Whether the alias points at a CloudFront distribution.
    pub fn is_cloudfront(&self) -> bool {
        self.hosted_zone_id == CLOUDFRONT_HOSTED_ZONE_ID
            || normalize_dns_name(&self.dns_name).ends_with(".cloudfront.net")
    }

    #[cfg(test)]
    /// Whether the alias points at an Elastic Load Balancing load balancer.
    pub fn is_load_balancer(&self) -> bool {
        normalize_dns_name(&self.dns_name).ends_with(".elb.amazonaws.com")
    }

    /// The DNS name in comparable form (see [`normalize_dns_name`]).
    pub fn normalized_dns_name(&self) -> String {
        normalize_dns_name(&self.dns_name)
    }
}

/// Where a geolocation record applies: a continent, a country, or a country's subdivision
/// (`CountryCode = "*"` is the default location).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GeoLocation {
    /// `AF`, `AN`, `AS`, `EU`, `OC`, `NA` or `SA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continent_code: Option<String>,
    /// ISO 3166 alpha-2, or `*` for the default location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// A subdivision of the country (US states, Ukrainian oblasts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdivision_code: Option<String>,
}

impl GeoLocation {
    /// `continent EU`, `country DE`, `US-CA`, or `default location` (`*`).
    pub fn describe(&self) -> String {
        match (
            self.continent_code.as_deref(),
            self.country_code.as_deref(),
            self.subdivision_code.as_deref(),
        ) {
            (_, Some("*"), _) => "default location".to_string(),
            (_, Some(c), Some(s)) => format!("{c}-{s}"),
            (_, Some(c), None) => format!("country {c}"),
            (Some(c), None, _) => format!("continent {c}"),
            _ => "no location".to_string(),
        }
    }
}

/// The routing keys of a record set beside failover and weight: what latency, geolocation and
/// multivalue records carry (and policies switchyard only names). Kept so that a record is
/// shown truthfully and can be written back exactly.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingKeys {
    /// The AWS region of a latency record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Where a geolocation record applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_location: Option<GeoLocation>,
    /// Set on a multivalue answer record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_value_answer: Option<bool>,
    /// A routing policy switchyard does not model (`geoproximity`, `IP-based`): the record is
    /// shown, never changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_policy: Option<String>,
}

impl RoutingKeys {
    /// Whether no key is set.
    pub fn is_empty(&self) -> bool {
        *self == RoutingKeys::default()
    }
}

/// The routing policy of a record set, from the keys it carries.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Policy {
    /// One record, no set identifier.
    Simple,
    /// PRIMARY or SECONDARY.
    Failover,
    /// A weight.
    Weighted,
    /// A latency region.
    Latency,
    /// A geolocation.
    Geolocation,
    /// A multivalue answer record.
    MultiValue,
    /// A policy switchyard does not model, by name.
    Other(String),
}

impl Policy {
    /// `simple`, `failover`, `weighted`, `latency`, `geolocation`, `multivalue`, or the other
    /// policy's name.
    pub fn as_str(&self) -> &str {
        match self {
            Policy::Simple => "simple",
            Policy::Failover => "failover",
            Policy::Weighted => "weighted",
            Policy::Latency => "latency",
            Policy::Geolocation => "geolocation",
            Policy::MultiValue => "multivalue",
            Policy::Other(name) => name,
        }
    }
}

/// One Route 53 resource record set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSet {
    /// The record name as Route 53 returns it, e.g. `www.example.com.`.
    pub name: String,
    /// The record type: `A`, `AAAA`, `CNAME`, `TXT`, ...
    pub rtype: String,
    /// Tells records of one name and type apart (failover, weighted, ...).
    pub set_identifier: Option<String>,
    /// PRIMARY or SECONDARY for a failover record.
    pub failover: Option<Failover>,
    /// The weight of a weighted record.
    pub weight: Option<i64>,
    /// The TTL of a non-alias record.
    #[serde(with = "secs_opt")]
    pub ttl: Option<Duration>,
    /// The values of a non-alias record (addresses, a CNAME target, quoted TXT strings).
    pub values: Vec<String>,
    /// The target of an alias record.
    pub alias: Option<AliasTarget>,
    /// The Route 53 health check the record is associated with.
    pub health_check_id: Option<String>,
    /// Latency, geolocation and multivalue keys (none for failover, weighted and simple
    /// records). In JSON, its fields sit beside the others, and only when set.
    #[serde(flatten, default)]
    pub routing: RoutingKeys,
}

impl RecordSet {
    /// The routing policy the record belongs to.
    pub fn policy(&self) -> Policy {
        if let Some(other) = &self.routing.other_policy {
            Policy::Other(other.clone())
        } else if self.failover.is_some() {
            Policy::Failover
        } else if self.weight.is_some() {
            Policy::Weighted
        } else if self.routing.region.is_some() {
            Policy::Latency
        } else if self.routing.geo_location.is_some() {
            Policy::Geolocation
        } else if self.routing.multi_value_answer.is_some() {
            Policy::MultiValue
        } else {
            Policy::Simple
        }
    }

    /// What the record's routing policy keys say, for the operator: `weight 90`,
    /// `latency eu-west-1`, `country DE`, `multivalue`; empty for failover and simple records.
    pub fn routing_label(&self) -> String {
        match self.policy() {
            Policy::Weighted => format!("weight {}", self.weight.unwrap_or_default()),
            Policy::Latency => format!(
                "latency {}",
                self.routing.region.as_deref().unwrap_or_default()
            ),
            Policy::Geolocation => self
                .routing
                .geo_location
                .as_ref()
                .map(GeoLocation::describe)
                .unwrap_or_default(),
            Policy::MultiValue => "multivalue".to_string(),
            Policy::Other(name) => format!("{name} routing"),
            Policy::Simple | Policy::Failover => String::new(),
        }
    }

    /// Whether Route 53 looks at the record's health for routing: it has a health check, or it
    /// is an alias with Evaluate Target Health.
    pub fn is_health_evaluated(&self) -> bool {
        self.health_check_id.is_some()
            || self
                .alias
                .as_ref()
                .is_some_and(|a| a.evaluate_target_health)
    }

    /// The TTL resolvers get: the record's own, or for an alias to an AWS resource 60 s.
    /// (An alias to another record in the zone gets that record's TTL; we assume 60 s.)
    pub fn effective_ttl(&self) -> Duration {
        match (&self.alias, self.ttl) {
            (Some(_), _) => ALIAS_TTL,
            (None, Some(ttl)) => ttl,
            (None, None) => Duration::ZERO,
        }
    }

    /// Whether this record's name is `name` (compared without case and trailing dot).
    pub fn is_named(&self, name: &str) -> bool {
        normalize_dns_name(&self.name) == normalize_dns_name(name)
    }

    /// One line for the operator: `PRIMARY alias app-alb-1.eu-west-1.elb.amazonaws.com
    /// (evaluate target health)`, `A 203.0.113.10, TTL 60 s`.
    pub fn describe(&self) -> String {
        let routing = self.routing_label();
        let role = match (self.failover, &self.set_identifier) {
            (Some(f), _) => format!("{} ", f.as_str()),
            // A member of a routing policy: its set identifier says which.
            (None, Some(id)) if !routing.is_empty() => format!("{id}: "),
            _ => String::new(),
        };
        let described = self.describe_value(&role);
        if routing.is_empty() {
            described
        } else {
            format!("{described}, {routing}")
        }
    }

    fn describe_value(&self, role: &str) -> String {
        match &self.alias {
            Some(alias) => {
                let eth = if alias.evaluate_target_health {
                    " (evaluate target health)"
                } else {
                    ""
                };
                format!(
                    "{role}{} alias {}{eth}",
                    self.rtype,
                    normalize_dns_name(&alias.dns_name)
                )
            }
            None => format!(
                "{role}{} {}, TTL {} s",
                self.rtype,
                self.values.join(", "),
                self.effective_ttl().as_secs()
            ),
        }
    }
}

/// What Route 53 would answer for a name and type right now: read from the hosted zone's own
/// name servers by DNS, or with TestDNSAnswer (see [`AnswerSource`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsAnswer {
    /// The name asked for.
    pub record_name: String,
    /// The type asked for.
    pub record_type: String,
    /// The values in the answer (addresses for an alias).
    pub values: Vec<String>,
    /// The DNS response code: `NOERROR`, `NXDOMAIN`, `SERVFAIL`, ...
    pub response_code: String,
    /// Where the answer was read.
    #[serde(default)]
    pub source: AnswerSource,
}

/// Where Route 53's answer was read. Either way it is what Route 53 answers at the time read:
/// the classification of the answer is the same.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum AnswerSource {
    /// Asked of one of the hosted zone's own name servers by DNS, without recursion: what
    /// resolvers get, and free of the API budget. `server`: its name and the address asked.
    NameServers { server: String },
    /// Route 53's TestDNSAnswer API (one call of the account's budget); `why`: why not the
    /// name servers (a private hosted zone, DNS blocked here), if they were not asked.
    TestDnsAnswer {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<String>,
        /// Whether the name servers were not asked because DNS does not answer from here (for
        /// a while): said once above every site's line.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        dns_blocked: bool,
    },
}

impl Default for AnswerSource {
    fn default() -> AnswerSource {
        AnswerSource::TestDnsAnswer {
            why: None,
            dns_blocked: false,
        }
    }
}

impl AnswerSource {
    /// The source in a few words: `Route 53's name servers by DNS` or `TestDNSAnswer`.
    pub fn label(&self) -> &'static str {
        match self {
            AnswerSource::NameServers { .. } => "Route 53's name servers by DNS",
            AnswerSource::TestDnsAnswer { .. } => "TestDNSAnswer",
        }
    }

    /// The source whole: `Route 53's name servers by DNS (ns-1.awsdns-01.org, 205.251.192.1)`,
    /// `TestDNSAnswer (a private hosted zone: ...)`.
    pub fn describe(&self) -> String {
        match self {
            AnswerSource::NameServers { server } => format!("{} ({server})", self.label()),
            AnswerSource::TestDnsAnswer { why: Some(why), .. } => {
                format!("{} ({why})", self.label())
            }
            AnswerSource::TestDnsAnswer { why: None, .. } => self.label().to_string(),
        }
    }

    /// How the answer was read, for a line under it: `read from Route 53's name servers by DNS
    /// (ns-1.awsdns-01.org, 205.251.192.1:53)`, `read with TestDNSAnswer (...)`.
    pub fn read_text(&self) -> String {
        match self {
            AnswerSource::NameServers { .. } => format!("read from {}", self.describe()),
            AnswerSource::TestDnsAnswer { .. } => format!("read with {}", self.describe()),
        }
    }

    /// Why DNS is not asked from here, when that is why TestDNSAnswer was used.
    pub fn dns_blocked(&self) -> Option<&str> {
        match self {
            AnswerSource::TestDnsAnswer {
                why: Some(why),
                dns_blocked: true,
            } => Some(why),
            _ => None,
        }
    }
}

impl DnsAnswer {
    /// Whether the answer carries values with `NOERROR`.
    pub fn has_values(&self) -> bool {
        self.response_code.eq_ignore_ascii_case("NOERROR") && !self.values.is_empty()
    }
}

aws_string_enum! {
    /// The type of a Route 53 health check.
    HealthCheckKind {
        /// Probes an endpoint over HTTP.
        Http => "HTTP",
        /// Probes an endpoint over HTTPS (the certificate is not validated).
        Https => "HTTPS",
        /// HTTP, and the body must contain the search string.
        HttpStrMatch => "HTTP_STR_MATCH",
        /// HTTPS, and the body must contain the search string.
        HttpsStrMatch => "HTTPS_STR_MATCH",
        /// Opens a TCP connection.
        Tcp => "TCP",
        /// Follows a CloudWatch alarm.
        CloudWatchMetric => "CLOUDWATCH_METRIC",
        /// Combines child health checks.
        Calculated => "CALCULATED",
        /// Follows a Route 53 ARC routing control.
        RecoveryControl => "RECOVERY_CONTROL",
    }
}

impl HealthCheckKind {
    /// Whether checkers in several regions probe an endpoint (HTTP(S), string match, TCP).
    pub fn probes_endpoint(&self) -> bool {
        matches!(
            self,
            HealthCheckKind::Http
                | HealthCheckKind::Https
                | HealthCheckKind::HttpStrMatch
                | HealthCheckKind::HttpsStrMatch
                | HealthCheckKind::Tcp
        )
    }
}

/// What an endpoint health check probes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheckTarget {
    /// The IP address probed, if the check names one.
    pub ip_address: Option<String>,
    /// The domain name probed (or sent as Host/SNI with an IP address).
    pub fqdn: Option<String>,
    /// The port probed.
    pub port: Option<u16>,
    /// The path requested by HTTP(S) checks.
    pub resource_path: Option<String>,
    /// The string the first 5,120 bytes of the body must contain (string-match checks).
    pub search_string: Option<String>,
}

/// The alarm a CLOUDWATCH_METRIC health check follows.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AlarmRef {
    /// The alarm's region.
    pub region: String,
    /// The alarm's name.
    pub name: String,
}

/// What a CLOUDWATCH_METRIC health check is while its alarm has INSUFFICIENT_DATA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InsufficientDataHealth {
    /// Treated as healthy.
    Healthy,
    /// Treated as unhealthy.
    Unhealthy,
    /// Keeps the status it had before (which switchyard cannot observe directly).
    LastKnownStatus,
}

impl InsufficientDataHealth {
    /// Reads AWS's spelling (`Healthy`, `Unhealthy`, `LastKnownStatus`).
    pub fn from_aws(s: &str) -> Option<Self> {
        match s {
            "Healthy" => Some(InsufficientDataHealth::Healthy),
            "Unhealthy" => Some(InsufficientDataHealth::Unhealthy),
            "LastKnownStatus" => Some(InsufficientDataHealth::LastKnownStatus),
            _ => None,
        }
    }
}

/// A Route 53 health check's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    /// The health check ID (a UUID).
    pub id: String,
    /// The `Name` tag, if any.
    pub name: Option<String>,
    /// The type.
    pub kind: HealthCheckKind,
    /// What an endpoint check probes.
    pub target: HealthCheckTarget,
    /// Seconds between two probes of one checker (10 or 30).
    #[serde(with = "secs")]
    pub request_interval: Duration,
    /// Consecutive results a checker needs to change its view (1–10).
    pub failure_threshold: u32,
    /// Whether the status is reversed (the way to force failover).
    pub inverted: bool,
    /// Whether the check is disabled: Route 53 then treats it as healthy.
    pub disabled: bool,
    /// The checker regions.
    pub regions: Vec<String>,
    /// The alarm a CLOUDWATCH_METRIC check follows.
    pub alarm: Option<AlarmRef>,
    /// What a CLOUDWATCH_METRIC check is while its alarm has INSUFFICIENT_DATA.
    pub insufficient_data: Option<InsufficientDataHealth>,
    /// The child health check IDs of a CALCULATED check.
    pub children: Vec<String>,
    /// How many children must be healthy for a CALCULATED check to be healthy.
    pub health_threshold: Option<u32>,
    /// `HealthCheckVersion`, needed by UpdateHealthCheck.
    pub version: i64,
    /// All tags.
    pub tags: BTreeMap<String, String>,
}

impl HealthCheck {
    /// The first 8 characters of the ID and an ellipsis, e.g. `3f1c9a2e…`.
    pub fn short_id(&self) -> String {
        short_id(&self.id)
    }

    /// How the operator knows it: `app-www (3f1c9a2e…)` or just `3f1c9a2e…`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) if !name.is_empty() => format!("{name} ({})", self.short_id()),
            _ => self.short_id(),
        }
    }

    /// Worst-case time for the checkers to change their view: RequestInterval x
    /// FailureThreshold (endpoint checks only).
    pub fn worst_case_flip(&self) -> Option<Duration> {
        self.kind
            .probes_endpoint()
            .then(|| self.request_interval * self.failure_threshold.max(1))
    }

    /// The probed endpoint as a URL-ish string, e.g. `HTTPS app.example.com:443/health`.
    pub fn describe_target(&self) -> String {
        let t = &self.target;
        let host = t.fqdn.as_deref().or(t.ip_address.as_deref()).unwrap_or("?");
        let port = t.port.map(|p| format!(":{p}")).unwrap_or_default();
        let path = t.resource_path.as_deref().unwrap_or("");
        format!("{} {host}{port}{path}", self.kind)
    }
}

/// The first 8 characters of an ID followed by an ellipsis (the whole ID if it is short).
pub fn short_id(id: &str) -> String {
    if id.chars().count() <= 8 {
        id.to_string()
    } else {
        let head: String = id.chars().take(8).collect();
        format!("{head}…")
    }
}

/// The latest observation of one Route 53 health checker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckerObservation {
    /// The checker's region, e.g. `us-east-1`.
    pub region: String,
    /// The checker's IP address.
    pub ip: String,
    /// AWS's status text, e.g. `Success: HTTP Status Code 200, OK` or
    /// `Failure: HTTP Status Code 503, Service Unavailable`.
    pub status: String,
    /// When the checker made the observation.
    #[serde(with = "time::serde::rfc3339::option")]
    pub checked_at: Option<OffsetDateTime>,
}

impl CheckerObservation {
    /// Whether this checker reported success (before any inversion).
    pub fn healthy(&self) -> bool {
        self.status.starts_with("Success")
    }

    /// The status in a few words: `HTTP 503`, `connection timed out`, `TCP connection
    /// established`.
    pub fn brief(&self) -> String {
        brief_status(&self.status)
    }
}

/// A checker status text in a few words (see [`CheckerObservation::brief`]).
pub fn brief_status(status: &str) -> String {
    let rest = status
        .strip_prefix("Success:")
        .or_else(|| status.strip_prefix("Failure:"))
        .unwrap_or(status)
        .trim();
    if let Some(code) = rest.strip_prefix("HTTP Status Code ") {
        let code = code.split([',', ' ']).next().unwrap_or("");
        return format!("HTTP {code}");
    }
    let first = rest.split(". ").next().unwrap_or(rest);
    let first = first.split(": ").next().unwrap_or(first);
    let first = first.trim_end_matches('.');
    // "Connection timed out" reads as "connection timed out"; "DNS ..." and "TCP ..." stay.
    let mut chars = first.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if b.is_lowercase() => {
            a.to_lowercase().chain([b]).chain(chars).collect()
        }
        _ => first.to_string(),
    }
}

/// What is known of a health check's status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum HealthCheckStatus {
    /// GetHealthCheckStatus: the latest observation of each checker, raw (before inversion).
    /// Polled for the focused site (the API allows 1 call per second).
    Checkers {
        /// One observation per checker.
        observations: Vec<CheckerObservation>,
    },
    /// CloudWatch `AWS/Route53` `HealthCheckStatus` (1/0) and `HealthCheckPercentageHealthy`
    /// from us-east-1: Route 53's own final status, inversion already applied.
    Metric {
        /// `HealthCheckStatus` was 1.
        healthy: bool,
        /// `HealthCheckPercentageHealthy`, 0–100, when published (endpoint checks only).
        percent_healthy: Option<f64>,
        /// The timestamp of the datapoint, on switchyard's clock (what fetch times are on): as
        /// old as the datapoint is on AWS's clock. The metric lags: see
        /// [`METRIC_LAG`](super::health::METRIC_LAG).
        #[serde(with = "time::serde::rfc3339::option")]
        at: Option<OffsetDateTime>,
    },
}

/// The status of a Route 53 change batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeStatus {
    /// Not yet on all authoritative servers.
    Pending,
    /// On all authoritative servers.
    Insync,
}

/// A Route 53 change batch submitted for the site, as GetChange reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingChange {
    /// The change ID, e.g. `C2682N5HXP0BZ4`.
    pub id: String,
    /// PENDING or INSYNC.
    pub status: ChangeStatus,
    /// When the change was submitted.
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
}

/// How long a change usually stays PENDING before it is INSYNC.
pub const CHANGE_PROPAGATION: Duration = Duration::from_secs(60);

/// Route 53's longest string in a TXT value.
pub const TXT_STRING_MAX: usize = 255;

/// Splits text into the quoted strings of a TXT value, each of at most 255 characters,
/// escaping quotes and backslashes, and everything but printable ASCII as octal escapes of its
/// UTF-8 (as Route 53 keeps it).
pub fn quote_strings(text: &str) -> String {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut len = 0;
    for c in text.chars() {
        let escaped = match c {
            '"' => "\\\"".to_string(),
            '\\' => "\\\\".to_string(),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u8; 4];
                c.encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("\\{b:03o}"))
                    .collect()
            }
            c => c.to_string(),
        };
        // The limit counts the characters of the string once unescaped.
        let units = if escaped.starts_with('\\') && escaped.len() > 2 {
            escaped.len() / 4
        } else {
            1
        };
        if len + units > TXT_STRING_MAX {
            parts.push(std::mem::take(&mut current));
            len = 0;
        }
        current.push_str(&escaped);
        len += units;
    }
    parts.push(current);
    parts
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Joins the quoted strings of a TXT value, undoing the escapes (`\"`, `\\`, and octal `\ddd`,
/// which Route 53 also uses in record names).
pub fn unquote_strings(value: &str) -> String {
    let mut out = Vec::new();
    let mut in_string = false;
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !in_string {
            if b == b'"' {
                in_string = true;
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = false,
            b'\\' if i + 3 < bytes.len() && bytes[i + 1..i + 4].iter().all(u8::is_ascii_digit) => {
                let code = std::str::from_utf8(&bytes[i + 1..i + 4])
                    .ok()
                    .and_then(|s| u8::from_str_radix(s, 8).ok());
                out.push(code.unwrap_or(b'?'));
                i += 3;
            }
            b'\\' if i + 1 < bytes.len() => {
                out.push(bytes[i + 1]);
                i += 1;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names_are_the_same_whatever_their_case_final_dot_or_dualstack_prefix() {
        let names = [
            "app-alb-1234567890.eu-west-1.elb.amazonaws.com",
            "dualstack.APP-alb-1234567890.eu-west-1.elb.amazonaws.com.",
            " App-Alb-1234567890.EU-west-1.elb.amazonaws.com ",
            "DualStack.app-alb-1234567890.eu-west-1.elb.amazonaws.com",
            "dualstack.",
            "dualstack",
            "other-alb.eu-west-1.elb.amazonaws.com",
            "d111111abcdef8.cloudfront.net.",
            "café.example.com",
            "",
        ];
        for a in names {
            for b in names {
                assert_eq!(
                    same_dns_name(a, b),
                    normalize_dns_name(a) == normalize_dns_name(b),
                    "{a:?} and {b:?}"
                );
            }
        }
        for a in names {
            assert_eq!(
                dns_name_ends_with(a, ".elb.amazonaws.com"),
                normalize_dns_name(a).ends_with(".elb.amazonaws.com"),
                "{a:?}"
            );
        }
        assert!(same_dns_name(names[0], names[1]));
        assert!(!same_dns_name(names[0], names[6]));
    }

    #[test]
    fn quoting_round_trips_any_text() {
        for text in [
            "plain",
            "with \"quotes\" and \\ backslash",
            "naïve ☕ café",
            &"x".repeat(600),
        ] {
            assert_eq!(unquote_strings(&quote_strings(text)), text);
        }
    }

    #[test]
    fn checker_statuses_read_briefly() {
        assert_eq!(
            brief_status("Success: HTTP Status Code 200, OK"),
            "HTTP 200"
        );
        assert_eq!(
            brief_status("Failure: HTTP Status Code 503, Service Unavailable"),
            "HTTP 503"
        );
        assert_eq!(
            brief_status(
                "Failure: Connection timed out. The endpoint or the internet connection is down."
            ),
            "connection timed out"
        );
        assert_eq!(
            brief_status("Failure: DNS resolution failed: app.example.com"),
            "DNS resolution failed"
        );
        assert_eq!(
            brief_status("Success: TCP connection established"),
            "TCP connection established"
        );
    }

    #[test]
    fn dns_names_compare_without_dualstack_case_and_dot() {
        assert_eq!(
            normalize_dns_name("dualstack.App-ALB-1.eu-west-1.elb.amazonaws.com."),
            "app-alb-1.eu-west-1.elb.amazonaws.com"
        );
        let alias = AliasTarget {
            hosted_zone_id: CLOUDFRONT_HOSTED_ZONE_ID.into(),
            dns_name: "d111.cloudfront.net.".into(),
            evaluate_target_health: false,
        };
        assert!(alias.is_cloudfront());
        assert!(!alias.is_load_balancer());
    }

    #[test]
    fn kinds_read_and_write_aws_spelling() {
        assert_eq!(
            HealthCheckKind::from_aws("HTTPS_STR_MATCH"),
            HealthCheckKind::HttpsStrMatch
        );
        assert_eq!(
            HealthCheckKind::from_aws("NEW_KIND"),
            HealthCheckKind::Other("NEW_KIND".into())
        );
        let json = serde_json::to_string(&HealthCheckKind::CloudWatchMetric).unwrap();
        assert_eq!(json, "\"CLOUDWATCH_METRIC\"");
        let back: HealthCheckKind = serde_json::from_str("\"NEW_KIND\"").unwrap();
        assert_eq!(back, HealthCheckKind::Other("NEW_KIND".into()));
    }
}
