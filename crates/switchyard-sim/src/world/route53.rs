//! Route 53: hosted zones, record sets, change batches, health checks and their checkers.

use std::collections::{BTreeMap, VecDeque};

use crate::proto::xml::XmlEl;

use super::Ms;

/// The regions Route 53 checks from when a health check names none.
pub const DEFAULT_CHECKER_REGIONS: [&str; 8] = [
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
];

/// The first three octets of the checker addresses Route 53 publishes for a region.
pub fn checker_prefix(region: &str) -> &'static str {
    match region {
        "us-east-1" => "54.243.31",
        "us-west-1" => "54.183.255",
        "us-west-2" => "54.244.52",
        "eu-west-1" => "54.228.16",
        "ap-southeast-1" => "54.251.31",
        "ap-southeast-2" => "54.252.79",
        "ap-northeast-1" => "54.248.220",
        "sa-east-1" => "54.232.40",
        _ => "15.177.2",
    }
}

/// The alias hosted zone ID of every CloudFront distribution.
pub const CLOUDFRONT_ZONE_ID: &str = "Z2FDTNDATAQYW2";

/// Lower-cases a DNS name and makes it fully qualified; Route 53's octal escapes (`\052` for
/// `*`) are read as the characters they stand for.
pub fn fqdn(name: &str) -> String {
    let mut n = unescape_name(name.trim()).to_ascii_lowercase();
    if !n.ends_with('.') {
        n.push('.');
    }
    n
}

/// A name with Route 53's `\DDD` octal escapes of ASCII characters undone.
pub fn unescape_name(name: &str) -> String {
    let b = name.as_bytes();
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let code = u32::from(b[i + 1] - b'0') * 64
                + u32::from(b[i + 2] - b'0') * 8
                + u32::from(b[i + 3] - b'0');
            if let Some(c) = char::from_u32(code).filter(char::is_ascii) {
                out.push(c);
                i += 4;
                continue;
            }
        }
        let ch = name[i..].chars().next().unwrap_or('?');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// A name as Route 53 lists it: `*` (and other characters outside `a-z 0-9 - _ .`) as `\DDD`
/// octal escapes.
pub fn escape_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            out.push(c);
        } else if c.is_ascii() {
            out.push_str(&format!("\\{:03o}", c as u32));
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\{byte:03o}"));
            }
        }
    }
    out
}

/// Whether `name` is answered by the wildcard record name `pattern` (`*.example.com.`): one or
/// more labels in place of the `*`.
pub fn wildcard_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(rest) => name.len() > rest.len() + 1 && name.ends_with(&format!(".{rest}")),
        None => false,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AliasTarget {
    pub zone_id: String,
    pub dns_name: String,
    pub evaluate_target_health: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RecordSet {
    /// Fully qualified and lower-case.
    pub name: String,
    pub rtype: String,
    pub set_identifier: Option<String>,
    pub weight: Option<i64>,
    pub region: Option<String>,
    /// PRIMARY or SECONDARY.
    pub failover: Option<String>,
    pub multi_value: Option<bool>,
    pub ttl: Option<i64>,
    pub values: Vec<String>,
    pub alias: Option<AliasTarget>,
    pub health_check_id: Option<String>,
    /// Other elements (GeoLocation, CidrRoutingConfig, ...), kept and returned as they came.
    pub extra: Vec<XmlEl>,
}

impl RecordSet {
    /// The identity of a record set within a zone.
    pub fn key(&self) -> (String, String, Option<String>) {
        (
            self.name.clone(),
            self.rtype.clone(),
            self.set_identifier.clone(),
        )
    }

    /// How AWS names a record set in its error messages.
    pub fn describe(&self) -> String {
        match &self.set_identifier {
            Some(id) => format!(
                "[name='{}', type='{}', set-identifier='{}']",
                self.name, self.rtype, id
            ),
            None => format!("[name='{}', type='{}']", self.name, self.rtype),
        }
    }

    fn routing_kind(&self) -> &'static str {
        if self.failover.is_some() {
            "failover"
        } else if self.weight.is_some() {
            "weighted"
        } else if self.region.is_some() {
            "latency"
        } else if self.multi_value.is_some() {
            "multivalue"
        } else if !self.extra.is_empty() {
            "other"
        } else {
            "simple"
        }
    }
}

/// The sort order of ListResourceRecordSets: labels reversed, then type, then set identifier.
pub fn record_order(r: &RecordSet) -> (Vec<String>, String, String) {
    let labels = r
        .name
        .trim_end_matches('.')
        .split('.')
        .rev()
        .map(str::to_string)
        .collect();
    (
        labels,
        r.rtype.clone(),
        r.set_identifier.clone().unwrap_or_default(),
    )
}

#[derive(Clone, Debug)]
pub struct Zone {
    /// Without the `/hostedzone/` prefix.
    pub id: String,
    pub name: String,
    pub caller_reference: String,
    pub comment: Option<String>,
    pub private: bool,
    /// The VPCs a private zone is associated with: (VPC ID, region).
    pub vpcs: Vec<(String, String)>,
    /// What the API shows: every accepted change at once.
    pub records: Vec<RecordSet>,
    /// What the name servers answer: changes arrive when they turn INSYNC.
    pub published: Vec<RecordSet>,
    pending: VecDeque<(Ms, Vec<RecordSet>)>,
    pub name_servers: Vec<String>,
    /// Until when Route 53 is still processing the last ChangeResourceRecordSets request.
    pub processing_until: Ms,
}

impl Zone {
    pub fn new(
        id: String,
        name: &str,
        caller_reference: String,
        private: bool,
        records: Vec<RecordSet>,
    ) -> Zone {
        let n = id.bytes().fold(0u32, |acc, b| {
            acc.wrapping_mul(31).wrapping_add(u32::from(b))
        });
        let name_servers = (0..4)
            .map(|i| {
                let tld = ["com", "net", "org", "co.uk"][i];
                format!(
                    "ns-{}.awsdns-{:02}.{tld}",
                    (n as usize + i * 509) % 2048,
                    (n as usize + i) % 64
                )
            })
            .collect();
        let mut zone = Zone {
            id,
            name: fqdn(name),
            caller_reference,
            comment: None,
            private,
            vpcs: Vec::new(),
            published: records.clone(),
            records,
            pending: VecDeque::new(),
            name_servers,
            processing_until: Ms::MIN,
        };
        zone.records.sort_by_key(record_order);
        zone.published.sort_by_key(record_order);
        zone
    }

    /// When the newest accepted version reaches the name servers, if one is still on its way.
    /// A later change turns INSYNC no sooner (versions propagate in order).
    pub fn last_pending_at(&self) -> Option<Ms> {
        self.pending.back().map(|(at, _)| *at)
    }

    /// Applies versions whose change has turned INSYNC by time `t`.
    pub fn publish_until(&mut self, t: Ms) {
        while self.pending.front().is_some_and(|(at, _)| *at <= t) {
            if let Some((_, records)) = self.pending.pop_front() {
                self.published = records;
            }
        }
    }

    pub fn contains_name(&self, name: &str) -> bool {
        let name = fqdn(name);
        name == self.name || name.ends_with(&format!(".{}", self.name))
    }

    /// Validates and applies a change batch, all or nothing. On success the new version is
    /// published at `insync_at`.
    pub fn apply(
        &mut self,
        changes: &[(String, RecordSet)],
        health_check_exists: impl Fn(&str) -> bool,
        insync_at: Ms,
    ) -> Result<(), Vec<String>> {
        let mut working = self.records.clone();
        let mut errors = Vec::new();
        for (action, rrs) in changes {
            if let Err(e) = self.validate_record(rrs, &health_check_exists) {
                errors.push(e);
                continue;
            }
            let existing = working.iter().position(|r| r.key() == rrs.key());
            match (action.as_str(), existing) {
                ("CREATE", Some(_)) => errors.push(format!(
                    "Tried to create resource record set {} but it already exists",
                    rrs.describe()
                )),
                ("CREATE", None) | ("UPSERT", None) => match conflict(&working, rrs) {
                    Some(e) => errors.push(e),
                    None => working.push(rrs.clone()),
                },
                ("UPSERT", Some(i)) => working[i] = rrs.clone(),
                ("DELETE", None) => errors.push(format!(
                    "Tried to delete resource record set {} but it was not found",
                    rrs.describe()
                )),
                ("DELETE", Some(i)) => {
                    if same_record(&working[i], rrs) {
                        working.remove(i);
                    } else {
                        errors.push(format!(
                            "Tried to delete resource record set {} but the values provided do not match the current values",
                            rrs.describe()
                        ));
                    }
                }
                (other, _) => errors.push(format!("Invalid change action {other}")),
            }
        }
        if let Some(e) = check_failover_pairs(&working) {
            errors.push(e);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        working.sort_by_key(record_order);
        self.records = working.clone();
        self.pending.push_back((insync_at, working));
        Ok(())
    }

    fn validate_record(
        &self,
        r: &RecordSet,
        health_check_exists: &impl Fn(&str) -> bool,
    ) -> Result<(), String> {
        if !self.contains_name(&r.name) {
            return Err(format!(
                "RRSet with DNS name {} is not permitted in zone {}",
                r.name, self.name
            ));
        }
        const TYPES: [&str; 13] = [
            "A", "AAAA", "CAA", "CNAME", "DS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV",
            "TXT",
        ];
        if !TYPES.contains(&r.rtype.as_str()) {
            return Err(format!(
                "Invalid type {} for resource record set {}",
                r.rtype, r.name
            ));
        }
        if r.routing_kind() != "simple" && r.set_identifier.is_none() {
            return Err(format!(
                "Invalid request: Missing field 'SetIdentifier' in Change with [Action=?, Name={}]",
                r.name
            ));
        }
        if r.routing_kind() == "simple" && r.set_identifier.is_some() {
            return Err(format!(
                "Invalid request: Missing field 'Weight', 'Region', 'Failover' or other routing field for record {} with SetIdentifier",
                r.name
            ));
        }
        if let Some(f) = &r.failover
            && f != "PRIMARY"
            && f != "SECONDARY"
        {
            return Err(format!(
                "Invalid failover value {f}: expected PRIMARY or SECONDARY"
            ));
        }
        match &r.alias {
            Some(alias) => {
                if r.ttl.is_some() || !r.values.is_empty() {
                    return Err(format!(
                        "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in Change with [Action=?, Name={}, Type={}]",
                        r.name, r.rtype
                    ));
                }
                if alias.zone_id == CLOUDFRONT_ZONE_ID && alias.evaluate_target_health {
                    return Err(format!(
                        "Tried to create an alias that targets {}, type {} in zone {}, but Evaluate Target Health is not supported for CloudFront distributions",
                        alias.dns_name, r.rtype, alias.zone_id
                    ));
                }
            }
            None => {
                if r.ttl.is_none() || r.values.is_empty() {
                    return Err(format!(
                        "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=?, Name={}, Type={}]",
                        r.name, r.rtype
                    ));
                }
                for v in &r.values {
                    validate_value(&r.rtype, v).map_err(|why| {
                        format!(
                            "Invalid Resource Record: 'FATAL problem: {why} encountered with '{v}''"
                        )
                    })?;
                }
            }
        }
        if let Some(hc) = &r.health_check_id
            && !health_check_exists(hc)
        {
            return Err(format!("The health check {hc} does not exist"));
        }
        Ok(())
    }
}

fn validate_value(rtype: &str, v: &str) -> Result<(), &'static str> {
    match rtype {
        "A" => v
            .parse::<std::net::Ipv4Addr>()
            .map(|_| ())
            .map_err(|_| "ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address)"),
        "AAAA" => v
            .parse::<std::net::Ipv6Addr>()
            .map(|_| ())
            .map_err(|_| "AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address)"),
        "TXT" | "SPF" => {
            if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
                Ok(())
            } else {
                Err("InvalidCharacterString (Value should be enclosed in quotation marks)")
            }
        }
        _ if v.is_empty() => Err("EmptyValue (Value is empty)"),
        _ => Ok(()),
    }
}

/// Record sets that cannot live beside each other.
fn conflict(records: &[RecordSet], new: &RecordSet) -> Option<String> {
    for r in records.iter().filter(|r| r.name == new.name) {
        if (r.rtype == "CNAME") != (new.rtype == "CNAME") {
            return Some(format!(
                "RRSet of type {} with DNS name {} is not permitted because a conflicting RRSet of type {} with the same DNS name already exists in zone",
                new.rtype, new.name, r.rtype
            ));
        }
        if r.rtype == new.rtype && r.routing_kind() != new.routing_kind() {
            return Some(format!(
                "RRSet with DNS name {}, type {}{} cannot be created because a {} RRSet with the same name and type already exists",
                new.name,
                new.rtype,
                new.set_identifier
                    .as_ref()
                    .map(|s| format!(", SetIdentifier {s}"))
                    .unwrap_or_default(),
                if r.routing_kind() == "simple" {
                    "non-".to_string() + new.routing_kind()
                } else {
                    r.routing_kind().to_string()
                }
            ));
        }
    }
    None
}

/// At most one PRIMARY and one SECONDARY per name and type.
fn check_failover_pairs(records: &[RecordSet]) -> Option<String> {
    let mut seen: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for r in records {
        if let Some(f) = &r.failover {
            let n = seen
                .entry((r.name.clone(), r.rtype.clone(), f.clone()))
                .or_default();
            *n += 1;
            if *n > 1 {
                return Some(format!(
                    "A record set with the same DNS name, type and failover value {f} already exists: {}",
                    r.describe()
                ));
            }
        }
    }
    None
}

/// Whether a DELETE names a record set exactly as it is.
fn same_record(current: &RecordSet, given: &RecordSet) -> bool {
    let mut a = current.values.clone();
    let mut b = given.values.clone();
    a.sort();
    b.sort();
    let alias_same = match (&current.alias, &given.alias) {
        (Some(x), Some(y)) => {
            fqdn(&x.dns_name) == fqdn(&y.dns_name)
                && x.zone_id == y.zone_id
                && x.evaluate_target_health == y.evaluate_target_health
        }
        (None, None) => true,
        _ => false,
    };
    a == b
        && alias_same
        && current.ttl == given.ttl
        && current.failover == given.failover
        && current.weight == given.weight
        && current.region == given.region
        && current.health_check_id == given.health_check_id
        && current.multi_value == given.multi_value
        && current.extra == given.extra
}

/// A submitted change batch.
#[derive(Clone, Debug)]
pub struct Change {
    pub id: String,
    pub submitted: Ms,
    pub insync_at: Ms,
    pub comment: Option<String>,
}

impl Change {
    pub fn status_at(&self, t: Ms) -> &'static str {
        if t >= self.insync_at {
            "INSYNC"
        } else {
            "PENDING"
        }
    }
}

/// A health check's settings, as CreateHealthCheck and UpdateHealthCheck take them.
#[derive(Clone, Debug, PartialEq)]
pub struct HcConfig {
    pub kind: String,
    pub ip: Option<String>,
    pub port: Option<i64>,
    pub resource_path: Option<String>,
    pub fqdn: Option<String>,
    pub search_string: Option<String>,
    pub request_interval: i64,
    pub failure_threshold: i64,
    pub measure_latency: bool,
    pub inverted: bool,
    pub disabled: bool,
    pub health_threshold: Option<i64>,
    pub children: Vec<String>,
    pub enable_sni: Option<bool>,
    pub regions: Vec<String>,
    /// (region, alarm name) of a CLOUDWATCH_METRIC check.
    pub alarm: Option<(String, String)>,
    pub insufficient_data: Option<String>,
}

impl HcConfig {
    pub fn probes_an_endpoint(&self) -> bool {
        !matches!(
            self.kind.as_str(),
            "CALCULATED" | "CLOUDWATCH_METRIC" | "RECOVERY_CONTROL"
        )
    }

    pub fn default_port(&self) -> i64 {
        self.port.unwrap_or(if self.kind.starts_with("HTTPS") {
            443
        } else {
            80
        })
    }
}

/// Why Route 53 refuses this address as a health check's `IPAddress`, if it does.
///
/// The Route 53 API reference (HealthCheckConfig, IPAddress): "Route 53 can't check the health of
/// endpoints for which the IP address is in local, private, non-routable, or multicast ranges"
/// (RFC 5735, RFC 6598, RFC 5156). The documentation ranges (192.0.2.0/24, 198.51.100.0/24,
/// 203.0.113.0/24, 2001:db8::/32) and the benchmark range 198.18.0.0/15 are let through on
/// purpose: the simulated world gives its public addresses from them, so that no real address is
/// ever named; they stand for public addresses here.
pub fn refused_health_check_ip(ip: &str) -> Option<String> {
    use std::net::IpAddr;
    let addr: IpAddr = match ip.trim().parse() {
        Ok(a) => a,
        Err(_) => return Some(format!("{ip} is not a valid IP address")),
    };
    let why = match addr {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            if v4.is_private() {
                Some("private (RFC 1918)")
            } else if v4.is_loopback() {
                Some("loopback")
            } else if v4.is_link_local() {
                Some("link-local")
            } else if o[0] == 100 && (64..128).contains(&o[1]) {
                Some("shared address space (RFC 6598)")
            } else if v4.is_multicast() {
                Some("multicast")
            } else if o[0] == 0 || o[0] >= 240 {
                Some("reserved (RFC 5735)")
            } else if o[0] == 192 && o[1] == 0 && o[2] == 0 {
                Some("reserved for protocol assignments (RFC 5735)")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            if v6.is_loopback() || v6.is_unspecified() {
                Some("loopback or unspecified")
            } else if v6.is_multicast() {
                Some("multicast")
            } else if seg[0] & 0xfe00 == 0xfc00 {
                Some("unique local (RFC 5156)")
            } else if seg[0] & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if v6.to_ipv4_mapped().is_some() {
                Some("IPv4-mapped (RFC 5156)")
            } else {
                None
            }
        }
    }?;
    Some(format!(
        "IP address {ip} is {why}: Route 53 health checkers cannot reach local, private, non-routable or multicast addresses"
    ))
}

/// The settings Route 53 refuses in a health check, as CreateHealthCheck and UpdateHealthCheck
/// refuse them (`InvalidInput`); scenarios are checked with the same rules.
pub fn validate_hc_config(cfg: &HcConfig) -> Result<(), String> {
    if let Some(ip) = &cfg.ip
        && let Some(why) = refused_health_check_ip(ip)
    {
        return Err(format!("Invalid parameter : {why}."));
    }
    if cfg.probes_an_endpoint() {
        // The HealthCheckRegion enum of the Route 53 API reference.
        if let Some(bad) = cfg
            .regions
            .iter()
            .find(|r| !DEFAULT_CHECKER_REGIONS.contains(&r.as_str()))
        {
            return Err(format!(
                "1 validation error detected: Value '{bad}' at 'healthCheckConfig.regions.member' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                DEFAULT_CHECKER_REGIONS.join(", ")
            ));
        }
        if cfg.regions.len() < 3 {
            return Err("You must specify at least three regions for a health check.".into());
        }
        if ![10, 30].contains(&cfg.request_interval) {
            return Err(format!(
                "Invalid value for RequestInterval: {}. It must be 10 or 30.",
                cfg.request_interval
            ));
        }
        if !(1..=10).contains(&cfg.failure_threshold) {
            return Err(format!(
                "Invalid value for FailureThreshold: {}. It must be between 1 and 10.",
                cfg.failure_threshold
            ));
        }
        if cfg.ip.is_none() && cfg.fqdn.is_none() {
            return Err(
                "Invalid parameter : An IP address or a fully qualified domain name is required."
                    .into(),
            );
        }
        if cfg.kind.ends_with("_STR_MATCH") && cfg.search_string.is_none() {
            return Err(format!(
                "Invalid parameter : A search string is required for health checks of type {}.",
                cfg.kind
            ));
        }
    }
    Ok(())
}

/// One observation of one checker.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    pub status: String,
    pub at: Ms,
}

/// The health checker of one region.
#[derive(Clone, Debug)]
pub struct Checker {
    pub region: String,
    pub ip: String,
    /// What this checker considers the endpoint to be.
    pub healthy: bool,
    /// Consecutive results that disagree with `healthy`.
    pub streak: i64,
    pub last: Option<Observation>,
    pub last_failure: Option<Observation>,
    /// For the checker of a region removed from the check's `Regions`: when it stops.
    pub retire_at: Option<Ms>,
    /// Which run of this region's checker it is (0: not started yet); its task carries it.
    pub generation: u64,
}

impl Checker {
    pub fn new(region: &str, index: usize) -> Checker {
        Checker {
            region: region.to_string(),
            ip: format!("{}.{}", checker_prefix(region), 200 + (index % 50)),
            healthy: true,
            streak: 0,
            last: None,
            last_failure: None,
            retire_at: None,
            generation: 0,
        }
    }

    /// Takes one probe result; the view flips after `threshold` consecutive results against it.
    pub fn record(&mut self, success: bool, status: String, at: Ms, threshold: i64) {
        if success == self.healthy {
            self.streak = 0;
        } else {
            self.streak += 1;
            if self.streak >= threshold.max(1) {
                self.healthy = success;
                self.streak = 0;
            }
        }
        let obs = Observation { status, at };
        if !success {
            self.last_failure = Some(obs.clone());
        }
        self.last = Some(obs);
    }
}

#[derive(Clone, Debug)]
pub struct HealthCheck {
    pub id: String,
    pub caller_reference: String,
    pub version: i64,
    pub cfg: HcConfig,
    pub checkers: Vec<Checker>,
    pub tags: Vec<(String, String)>,
    /// For a CLOUDWATCH_METRIC check with LastKnownStatus: the last status it had from a definite
    /// alarm state.
    pub last_known_healthy: bool,
    /// Route 53 publishes its `HealthCheckStatus` metric only for minutes ending at or after
    /// this instant: a new check has no datapoint yet.
    pub metrics_from: super::Ms,
}

impl HealthCheck {
    pub fn new(id: String, caller_reference: String, cfg: HcConfig) -> HealthCheck {
        let checkers = if cfg.probes_an_endpoint() {
            cfg.regions
                .iter()
                .enumerate()
                .map(|(i, r)| Checker::new(r, i))
                .collect()
        } else {
            Vec::new()
        };
        HealthCheck {
            id,
            caller_reference,
            version: 1,
            cfg,
            checkers,
            tags: Vec::new(),
            last_known_healthy: true,
            metrics_from: super::Ms::MIN,
        }
    }

    /// The share of checkers that consider the endpoint healthy, in percent.
    pub fn percent_healthy(&self) -> f64 {
        if self.checkers.is_empty() {
            return 0.0;
        }
        let healthy = self.checkers.iter().filter(|c| c.healthy).count();
        100.0 * healthy as f64 / self.checkers.len() as f64
    }

    /// Route 53 considers an endpoint healthy when more than 18% of its checkers do.
    pub fn checkers_say_healthy(&self) -> bool {
        self.percent_healthy() > 18.0
    }
}

#[derive(Default)]
pub struct Route53 {
    pub zones: Vec<Zone>,
    pub changes: BTreeMap<String, Change>,
    pub health_checks: Vec<HealthCheck>,
    /// Tags of hosted zones, by zone ID.
    pub zone_tags: BTreeMap<String, Vec<(String, String)>>,
    /// The caller references of deleted health checks: CreateHealthCheck refuses them again.
    pub deleted_caller_references: Vec<String>,
}

impl Route53 {
    pub fn zone(&self, id: &str) -> Option<&Zone> {
        self.zones.iter().find(|z| z.id == id)
    }

    pub fn zone_mut(&mut self, id: &str) -> Option<&mut Zone> {
        self.zones.iter_mut().find(|z| z.id == id)
    }

    pub fn health_check(&self, id: &str) -> Option<&HealthCheck> {
        self.health_checks.iter().find(|h| h.id == id)
    }

    pub fn health_check_mut(&mut self, id: &str) -> Option<&mut HealthCheck> {
        self.health_checks.iter_mut().find(|h| h.id == id)
    }

    /// The public zone with the longest name that holds `name`.
    pub fn zone_for_name(&self, name: &str) -> Option<&Zone> {
        self.zones
            .iter()
            .filter(|z| !z.private && z.contains_name(name))
            .max_by_key(|z| z.name.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str, rtype: &str, values: &[&str]) -> RecordSet {
        RecordSet {
            name: fqdn(name),
            rtype: rtype.into(),
            set_identifier: None,
            weight: None,
            region: None,
            failover: None,
            multi_value: None,
            ttl: Some(60),
            values: values.iter().map(|s| s.to_string()).collect(),
            alias: None,
            health_check_id: None,
            extra: Vec::new(),
        }
    }

    fn zone() -> Zone {
        Zone::new(
            "Z1".into(),
            "example.com",
            "ref".into(),
            false,
            vec![rec("www.example.com", "A", &["192.0.2.1"])],
        )
    }

    #[test]
    fn create_of_an_existing_txt_record_is_refused() {
        let mut z = zone();
        let txt = rec("_lock.example.com", "TXT", &["\"a\""]);
        z.apply(&[("CREATE".into(), txt.clone())], |_| true, 10)
            .unwrap();
        let err = z
            .apply(&[("CREATE".into(), txt)], |_| true, 20)
            .unwrap_err();
        assert_eq!(
            err,
            vec![
                "Tried to create resource record set [name='_lock.example.com.', type='TXT'] but it already exists"
            ]
        );
    }

    #[test]
    fn a_batch_applies_whole_or_not_at_all() {
        let mut z = zone();
        let before = z.records.clone();
        let good = rec("new.example.com", "A", &["192.0.2.9"]);
        let bad = rec("gone.example.com", "A", &["192.0.2.9"]);
        let err = z
            .apply(
                &[("CREATE".into(), good), ("DELETE".into(), bad)],
                |_| true,
                10,
            )
            .unwrap_err();
        assert!(err[0].contains("but it was not found"));
        assert_eq!(z.records, before);
    }

    #[test]
    fn delete_must_match_exactly() {
        let mut z = zone();
        let err = z
            .apply(
                &[("DELETE".into(), rec("www.example.com", "A", &["192.0.2.2"]))],
                |_| true,
                10,
            )
            .unwrap_err();
        assert!(err[0].contains("do not match the current values"));
        z.apply(
            &[("DELETE".into(), rec("www.example.com", "A", &["192.0.2.1"]))],
            |_| true,
            10,
        )
        .unwrap();
        assert!(z.records.is_empty());
    }

    #[test]
    fn changes_reach_the_name_servers_when_insync() {
        let mut z = zone();
        z.apply(
            &[("UPSERT".into(), rec("www.example.com", "A", &["192.0.2.7"]))],
            |_| true,
            100,
        )
        .unwrap();
        assert_eq!(z.records[0].values, vec!["192.0.2.7"]);
        z.publish_until(99);
        assert_eq!(z.published[0].values, vec!["192.0.2.1"]);
        z.publish_until(100);
        assert_eq!(z.published[0].values, vec!["192.0.2.7"]);
    }

    #[test]
    fn txt_values_need_quotes_and_names_must_be_in_the_zone() {
        let mut z = zone();
        let err = z
            .apply(
                &[("CREATE".into(), rec("t.example.com", "TXT", &["bare"]))],
                |_| true,
                1,
            )
            .unwrap_err();
        assert!(err[0].contains("enclosed in quotation marks"));
        let err = z
            .apply(
                &[("CREATE".into(), rec("www.example.org", "A", &["192.0.2.1"]))],
                |_| true,
                1,
            )
            .unwrap_err();
        assert!(err[0].contains("is not permitted in zone example.com."));
    }

    #[test]
    fn a_checker_flips_after_threshold_consecutive_results() {
        let mut c = Checker::new("us-east-1", 0);
        c.record(false, "Failure".into(), 1, 3);
        c.record(false, "Failure".into(), 2, 3);
        assert!(c.healthy);
        c.record(false, "Failure".into(), 3, 3);
        assert!(!c.healthy);
        c.record(true, "Success".into(), 4, 3);
        assert!(!c.healthy);
    }
}
