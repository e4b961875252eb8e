//! Elastic Load Balancing v2: load balancers, listeners, rules, target groups and targets.
//!
//! Actions and rule conditions are kept as the query protocol sends them ([`Doc`]s of strings),
//! normalised once, so that what DescribeListeners returns can be sent back to ModifyListener and
//! gives the same listener again.

use std::collections::BTreeMap;

use crate::proto::Doc;

use super::Ms;

/// The alias hosted zone IDs of load balancers per region: (application, network).
pub fn canonical_zone_ids(region: &str) -> (&'static str, &'static str) {
    match region {
        "us-east-1" => ("Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI"),
        "us-east-2" => ("Z3AADJGX6KTTL2", "ZLMOA37VPKANP"),
        "us-west-1" => ("Z368ELLRRE2KJ0", "Z24FKFUX50B4VW"),
        "us-west-2" => ("Z1H1FL5HABSF5", "Z18D5FSROUN65G"),
        "eu-west-1" => ("Z32O12XQLNTSW2", "Z2IFOLAFXWLO4F"),
        "eu-west-2" => ("ZHURV8PSTC4K8", "ZD4D7Y8KGAS4G"),
        "eu-central-1" => ("Z215JYRZR1TBD5", "Z3F0SRJ5LGBH90"),
        "ap-northeast-1" => ("Z14GRHDCWA56QT", "Z31USIVHYNEOWT"),
        "ap-southeast-1" => ("Z1LMS91P8CMLE5", "ZKVM4W9LS7TM"),
        "ap-southeast-2" => ("Z1GM3OXH4ZPM65", "ZCT6FZBF4DROD"),
        _ => ("Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI"),
    }
}

#[derive(Clone, Debug)]
pub struct LoadBalancer {
    pub arn: String,
    pub name: String,
    /// `application` or `network`.
    pub kind: String,
    pub scheme: String,
    pub dns_name: String,
    pub zone_id: String,
    pub region: String,
    pub azs: Vec<String>,
    pub vpc_id: String,
    pub created: Ms,
    /// The addresses its DNS name resolves to.
    pub ips: Vec<String>,
    /// Its IPv6 addresses (`dualstack` load balancers only).
    pub ipv6: Vec<String>,
    /// Cross-zone load balancing (`load_balancing.cross_zone.enabled`): always on for an ALB,
    /// off by default for an NLB (ELB user guides, "Cross-zone load balancing").
    pub cross_zone: bool,
}

impl LoadBalancer {
    /// The addresses of its DNS name for an A or AAAA query.
    pub fn addresses(&self, rtype: &str) -> Vec<String> {
        if rtype == "AAAA" {
            self.ipv6.clone()
        } else {
            self.ips.clone()
        }
    }

    pub fn is_network(&self) -> bool {
        self.kind == "network"
    }

    /// The short type used in ARNs: `app` or `net`.
    pub fn arn_kind(&self) -> &'static str {
        if self.is_network() { "net" } else { "app" }
    }
}

#[derive(Clone, Debug)]
pub struct Listener {
    pub arn: String,
    pub lb_arn: String,
    pub port: i64,
    pub protocol: String,
    pub default_actions: Vec<Doc>,
    pub certificates: Vec<String>,
    pub ssl_policy: Option<String>,
    /// The ARN DescribeRules gives the default rule.
    pub default_rule_arn: String,
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub arn: String,
    pub listener_arn: String,
    pub priority: i64,
    pub conditions: Vec<Doc>,
    pub actions: Vec<Doc>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TgHealthCheck {
    pub enabled: bool,
    pub protocol: String,
    /// A port number, or `traffic-port`.
    pub port: String,
    pub path: Option<String>,
    pub interval: i64,
    pub timeout: i64,
    pub healthy_threshold: i64,
    pub unhealthy_threshold: i64,
    /// HTTP codes such as `200`, `200,202` or `200-399`.
    pub matcher: Option<String>,
}

impl TgHealthCheck {
    pub fn matches(&self, code: u16) -> bool {
        let Some(matcher) = &self.matcher else {
            return (200..400).contains(&code);
        };
        matcher.split(',').any(|part| match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (a.trim().parse().unwrap_or(0), b.trim().parse().unwrap_or(0));
                (a..=b).contains(&code)
            }
            None => part.trim().parse::<u16>().is_ok_and(|c| c == code),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TState {
    Initial,
    Healthy,
    Unhealthy,
}

#[derive(Clone, Debug)]
pub struct Target {
    pub id: String,
    pub port: i64,
    pub az: Option<String>,
    pub registered_at: Ms,
    pub deregistered_at: Option<Ms>,
    pub state: TState,
    pub ok_streak: i64,
    pub fail_streak: i64,
    /// Reason code and description of the last failed check.
    pub failure: Option<(String, String)>,
    /// Whether it was being checked at the last round (false resets it to initial).
    pub active: bool,
    /// Whether at least one check round has run since it became active.
    pub checked: bool,
}

impl Target {
    pub fn new(id: &str, port: i64, az: Option<String>, t: Ms) -> Target {
        Target {
            id: id.to_string(),
            port,
            az,
            registered_at: t,
            deregistered_at: None,
            state: TState::Initial,
            ok_streak: 0,
            fail_streak: 0,
            failure: None,
            active: true,
            checked: false,
        }
    }

    /// Takes one health check result.
    pub fn record(&mut self, ok: bool, failure: Option<(String, String)>, hc: &TgHealthCheck) {
        self.checked = true;
        if ok {
            self.ok_streak += 1;
            self.fail_streak = 0;
            // A new target (initial) is healthy after one passed check; only an unhealthy one
            // needs HealthyThresholdCount consecutive passes (AWS-FACTS.md, "Elastic Load
            // Balancing v2"; ELB user guide, "Health checks for your target groups").
            let needed = if self.state == TState::Initial {
                1
            } else {
                hc.healthy_threshold
            };
            if self.state != TState::Healthy && self.ok_streak >= needed {
                self.state = TState::Healthy;
                self.failure = None;
            }
        } else {
            self.fail_streak += 1;
            self.ok_streak = 0;
            self.failure = failure;
            if self.state != TState::Unhealthy && self.fail_streak >= hc.unhealthy_threshold {
                self.state = TState::Unhealthy;
            }
        }
    }

    pub fn reset(&mut self) {
        self.state = TState::Initial;
        self.ok_streak = 0;
        self.fail_streak = 0;
        self.failure = None;
        self.active = false;
        self.checked = false;
    }
}

#[derive(Clone, Debug)]
pub struct TargetGroup {
    pub arn: String,
    pub name: String,
    pub protocol: String,
    pub port: i64,
    pub vpc_id: String,
    /// `instance`, `ip` or `alb`.
    pub target_type: String,
    pub hc: TgHealthCheck,
    pub deregistration_delay: i64,
    pub targets: Vec<Target>,
    /// Attributes other than the deregistration delay, as DescribeTargetGroupAttributes lists
    /// them (AWS's defaults unless changed).
    pub attributes: BTreeMap<String, String>,
}

/// Whether ModifyTargetGroupAttributes takes `key` = `value` for a target group whose
/// attributes are `known` (scenarios are checked the same way); the message AWS gives if not.
pub fn check_tg_attribute(
    known: &BTreeMap<String, String>,
    key: &str,
    value: &str,
) -> Result<(), String> {
    let bad = || format!("The value '{value}' is not valid for target group attribute '{key}'");
    let count_ok = value.parse::<i64>().is_ok_and(|n| n >= 1);
    let percent_ok = value == "off" || value.parse::<i64>().is_ok_and(|n| (1..=100).contains(&n));
    let ok = match key {
        "deregistration_delay.timeout_seconds" => {
            value.parse::<i64>().is_ok_and(|n| (0..=3600).contains(&n))
        }
        "target_group_health.dns_failover.minimum_healthy_targets.count"
        | "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count" => {
            count_ok || (value == "off" && key.contains("dns_failover"))
        }
        "target_group_health.dns_failover.minimum_healthy_targets.percentage"
        | "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage" => {
            percent_ok
        }
        "load_balancing.cross_zone.enabled" => {
            matches!(value, "true" | "false" | "use_load_balancer_configuration")
        }
        "stickiness.enabled"
        | "preserve_client_ip.enabled"
        | "proxy_protocol_v2.enabled"
        | "deregistration_delay.connection_termination.enabled" => {
            matches!(value, "true" | "false")
        }
        k if known.contains_key(k) => true,
        _ => {
            return Err(format!(
                "Target group attribute key '{key}' is not recognized"
            ));
        }
    };
    if ok { Ok(()) } else { Err(bad()) }
}

/// The attributes of a new target group and their defaults (ELB user guide, "Target group
/// attributes"); the deregistration delay is [`TargetGroup::deregistration_delay`].
pub fn default_tg_attributes(network: bool) -> BTreeMap<String, String> {
    let mut a: BTreeMap<String, String> = [
        ("stickiness.enabled", "false"),
        (
            "load_balancing.cross_zone.enabled",
            "use_load_balancer_configuration",
        ),
        (
            "target_group_health.dns_failover.minimum_healthy_targets.count",
            "1",
        ),
        (
            "target_group_health.dns_failover.minimum_healthy_targets.percentage",
            "off",
        ),
        (
            "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count",
            "1",
        ),
        (
            "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage",
            "off",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if network {
        a.insert("stickiness.type".into(), "source_ip".into());
        a.insert(
            "deregistration_delay.connection_termination.enabled".into(),
            "false".into(),
        );
        a.insert("preserve_client_ip.enabled".into(), "true".into());
        a.insert("proxy_protocol_v2.enabled".into(), "false".into());
    } else {
        a.insert("stickiness.type".into(), "lb_cookie".into());
        a.insert(
            "stickiness.lb_cookie.duration_seconds".into(),
            "86400".into(),
        );
        a.insert("slow_start.duration_seconds".into(), "0".into());
        a.insert("load_balancing.algorithm.type".into(), "round_robin".into());
    }
    a
}

impl TargetGroup {
    /// How many healthy targets the target group health setting `setting` (`dns_failover` or
    /// `unhealthy_state_routing`) asks for out of `total`: the larger of its count and its
    /// percentage (rounded up) when set (ELB user guide, "Target group health": the defaults are
    /// a count of 1 and no percentage).
    pub fn minimum_healthy(&self, setting: &str, total: usize) -> usize {
        let get = |what: &str| {
            self.attributes
                .get(&format!(
                    "target_group_health.{setting}.minimum_healthy_targets.{what}"
                ))
                .map(String::as_str)
        };
        let count = get("count")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(1);
        let percent = get("percentage")
            .and_then(|v| v.parse::<usize>().ok())
            .map_or(0, |p| (total * p).div_ceil(100));
        count.max(percent)
    }

    pub fn is_network_protocol(&self) -> bool {
        matches!(self.protocol.as_str(), "TCP" | "UDP" | "TLS" | "TCP_UDP")
    }
}

/// A target's health as DescribeTargetHealth reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetHealth {
    pub state: &'static str,
    pub reason: Option<String>,
    pub description: Option<String>,
}

impl TargetHealth {
    pub fn new(state: &'static str, reason: &str, description: &str) -> TargetHealth {
        TargetHealth {
            state,
            reason: Some(reason.into()),
            description: Some(description.into()),
        }
    }
}

#[derive(Default)]
pub struct Elb {
    pub lbs: Vec<LoadBalancer>,
    pub listeners: Vec<Listener>,
    pub rules: Vec<Rule>,
    pub tgs: Vec<TargetGroup>,
    pub tags: BTreeMap<String, Vec<(String, String)>>,
    /// Derived lookups, rebuilt after any change to load balancers, listeners or rules
    /// ([`Elb::invalidate`]): probes and health reads use them thousands of times a second.
    index: std::sync::OnceLock<Index>,
}

#[derive(Default)]
struct Index {
    associations: Vec<(String, String)>,
    lbs_of_tg: std::collections::HashMap<String, Vec<String>>,
    tgs_of_lb: std::collections::HashMap<String, Vec<String>>,
    lb_by_dns: std::collections::HashMap<String, usize>,
}

/// An HTTP request as a listener's rules see it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Request {
    /// The Host header, without a port.
    pub host: Option<String>,
    /// The path, without the query string.
    pub path: String,
    /// `GET` unless said otherwise.
    pub method: String,
    /// The address the load balancer sees the request come from (the client's, or a proxy's).
    pub source_ip: Option<String>,
    /// Request headers, as sent.
    pub headers: Vec<(String, String)>,
    /// Query string parameters, as sent.
    pub query: Vec<(String, String)>,
}

impl Request {
    /// A `GET` of `path` with this Host header.
    pub fn get(host: Option<&str>, path: &str) -> Request {
        Request {
            host: host.map(|h| h.trim_end_matches('.').to_string()),
            path: if path.is_empty() {
                "/".into()
            } else {
                path.to_string()
            },
            method: "GET".into(),
            ..Request::default()
        }
    }

    pub fn from_ip(mut self, ip: &str) -> Request {
        self.source_ip = Some(ip.to_string());
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// The values of a condition: the typed config's, else the legacy `Values`.
fn condition_values_of(c: &Doc, config: &str) -> Vec<String> {
    let typed = c
        .get(config)
        .map(|k| k.strings("Values"))
        .unwrap_or_default();
    if typed.is_empty() {
        c.strings("Values")
    } else {
        typed
    }
}

/// Whether `ip` lies in `cidr` (IPv4 or IPv6; a bare address is a /32 or /128).
pub fn in_cidr(ip: &str, cidr: &str) -> bool {
    let (net, bits) = match cidr.split_once('/') {
        Some((n, b)) => (n, b.parse::<u32>().ok()),
        None => (cidr, None),
    };
    match (
        ip.parse::<std::net::IpAddr>(),
        net.parse::<std::net::IpAddr>(),
    ) {
        (Ok(std::net::IpAddr::V4(a)), Ok(std::net::IpAddr::V4(n))) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (Ok(std::net::IpAddr::V6(a)), Ok(std::net::IpAddr::V6(n))) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// `*` and `?` wildcards as listener rules use them, with or without regard to case.
pub fn wildcard(pattern: &str, text: &str, case_sensitive: bool) -> bool {
    fn go(p: &[u8], t: &[u8], cs: bool) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], t, cs) || (!t.is_empty() && go(p, &t[1..], cs)),
            (Some(b'?'), Some(_)) => go(&p[1..], &t[1..], cs),
            (Some(a), Some(b)) if (cs && a == b) || (!cs && a.eq_ignore_ascii_case(b)) => {
                go(&p[1..], &t[1..], cs)
            }
            _ => false,
        }
    }
    go(pattern.as_bytes(), text.as_bytes(), case_sensitive)
}

/// Whether one rule condition matches a request, as an ALB decides: host names and header
/// values without regard to case, paths and methods with it, source addresses by CIDR. A
/// condition matches when any of its values does.
pub fn condition_matches(c: &Doc, req: &Request) -> bool {
    match c.str("Field").unwrap_or_default() {
        "host-header" => req.host.as_deref().is_some_and(|h| {
            condition_values_of(c, "HostHeaderConfig")
                .iter()
                .any(|p| wildcard(p, h, false))
        }),
        "path-pattern" => condition_values_of(c, "PathPatternConfig")
            .iter()
            .any(|p| wildcard(p, &req.path, true)),
        "http-request-method" => condition_values_of(c, "HttpRequestMethodConfig")
            .iter()
            .any(|m| m == &req.method),
        "source-ip" => req.source_ip.as_deref().is_some_and(|ip| {
            condition_values_of(c, "SourceIpConfig")
                .iter()
                .any(|cidr| in_cidr(ip, cidr))
        }),
        "http-header" => {
            let Some(cfg) = c.get("HttpHeaderConfig") else {
                return false;
            };
            let name = cfg.str("HttpHeaderName").unwrap_or_default();
            let values = cfg.strings("Values");
            req.headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .any(|(_, v)| values.iter().any(|p| wildcard(p, v, false)))
        }
        "query-string" => {
            let pairs = c
                .get("QueryStringConfig")
                .map(|q| q.list("Values").to_vec())
                .unwrap_or_default();
            pairs.iter().any(|kv| {
                let key = kv.str("Key");
                let value = kv.str("Value").unwrap_or_default();
                req.query.iter().any(|(k, v)| {
                    key.is_none_or(|key| wildcard(key, k, false)) && wildcard(value, v, false)
                })
            })
        }
        _ => false,
    }
}

/// Whether a rule matches a request: every one of its conditions does.
pub fn rule_matches(rule: &Rule, req: &Request) -> bool {
    !rule.conditions.is_empty() && rule.conditions.iter().all(|c| condition_matches(c, req))
}

/// The target group ARNs an action forwards to.
pub fn action_target_groups(action: &Doc) -> Vec<String> {
    if action.str("Type") != Some("forward") {
        return Vec::new();
    }
    let mut out: Vec<String> = action
        .get("ForwardConfig")
        .map(|fc| {
            fc.list("TargetGroups")
                .iter()
                .filter_map(|t| t.str("TargetGroupArn").map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if let Some(arn) = action.str("TargetGroupArn")
        && !out.iter().any(|a| a == arn)
    {
        out.insert(0, arn.to_string());
    }
    out
}

/// Normalises a forward action the way ELB reports it back: `TargetGroupArn` (for one target
/// group) and a `ForwardConfig` with weights and stickiness. Other actions are kept as they are.
pub fn normalize_action(action: &Doc) -> Doc {
    if action.str("Type") != Some("forward") {
        return action.clone();
    }
    let tgs = action_target_groups(action);
    let given = action.get("ForwardConfig");
    let weight_of = |arn: &str| -> String {
        given
            .map(|fc| fc.list("TargetGroups"))
            .and_then(|l| l.iter().find(|t| t.str("TargetGroupArn") == Some(arn)))
            .and_then(|t| t.str("Weight").map(str::to_string))
            .unwrap_or_else(|| "1".to_string())
    };
    let stickiness = given
        .and_then(|fc| fc.get("TargetGroupStickinessConfig"))
        .cloned()
        .unwrap_or_else(|| Doc::map().with("Enabled", "false"));
    let fc = Doc::map()
        .with(
            "TargetGroups",
            Doc::List(
                tgs.iter()
                    .map(|arn| {
                        Doc::map()
                            .with("TargetGroupArn", arn.as_str())
                            .with("Weight", weight_of(arn))
                    })
                    .collect(),
            ),
        )
        .with("TargetGroupStickinessConfig", stickiness);
    let mut out = Doc::map().with("Type", "forward");
    if tgs.len() == 1 {
        out = out.with("TargetGroupArn", tgs[0].as_str());
    }
    out = out.with("ForwardConfig", fc);
    if let Some(order) = action.get("Order") {
        out = out.with("Order", order.clone());
    }
    out
}

impl Elb {
    pub fn lb(&self, arn: &str) -> Option<&LoadBalancer> {
        self.lbs.iter().find(|l| l.arn == arn)
    }

    pub fn lb_by_dns(&self, dns: &str) -> Option<&LoadBalancer> {
        let dns = dns.trim_end_matches('.').to_ascii_lowercase();
        let dns = dns.strip_prefix("dualstack.").unwrap_or(&dns);
        self.index()
            .lb_by_dns
            .get(dns)
            .and_then(|i| self.lbs.get(*i))
    }

    /// Drops the derived lookups; call after changing load balancers, listeners or rules.
    pub fn invalidate(&mut self) {
        self.index = std::sync::OnceLock::new();
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let associations = self.compute_associations();
            let mut index = Index {
                associations: associations.clone(),
                ..Index::default()
            };
            for (lb, tg) in associations {
                index
                    .lbs_of_tg
                    .entry(tg.clone())
                    .or_default()
                    .push(lb.clone());
                index.tgs_of_lb.entry(lb).or_default().push(tg);
            }
            for (i, lb) in self.lbs.iter().enumerate() {
                index.lb_by_dns.insert(lb.dns_name.to_ascii_lowercase(), i);
            }
            index
        })
    }

    pub fn listener(&self, arn: &str) -> Option<&Listener> {
        self.listeners.iter().find(|l| l.arn == arn)
    }

    pub fn tg(&self, arn: &str) -> Option<&TargetGroup> {
        self.tgs.iter().find(|t| t.arn == arn)
    }

    pub fn tg_mut(&mut self, arn: &str) -> Option<&mut TargetGroup> {
        self.tgs.iter_mut().find(|t| t.arn == arn)
    }

    /// Rules of a listener, by priority.
    pub fn rules_of(&self, listener_arn: &str) -> Vec<&Rule> {
        let mut rules: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| r.listener_arn == listener_arn)
            .collect();
        rules.sort_by_key(|r| r.priority);
        rules
    }

    /// The rule of a listener that takes a request (the lowest priority that matches); `None`:
    /// the default action takes it.
    pub fn matching_rule(&self, listener_arn: &str, req: &Request) -> Option<&Rule> {
        self.rules_of(listener_arn)
            .into_iter()
            .find(|r| rule_matches(r, req))
    }

    /// Every (load balancer ARN, target group ARN) pair that a listener or rule forwards along.
    pub fn associations(&self) -> Vec<(String, String)> {
        self.index().associations.clone()
    }

    fn compute_associations(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for l in &self.listeners {
            let actions = l.default_actions.iter().chain(
                self.rules
                    .iter()
                    .filter(|r| r.listener_arn == l.arn)
                    .flat_map(|r| r.actions.iter()),
            );
            for a in actions {
                for tg in action_target_groups(a) {
                    if !out.contains(&(l.lb_arn.clone(), tg.clone())) {
                        out.push((l.lb_arn.clone(), tg));
                    }
                }
            }
        }
        out
    }

    /// The load balancers that send traffic to a target group.
    pub fn lbs_of_tg(&self, tg_arn: &str) -> &[String] {
        self.index()
            .lbs_of_tg
            .get(tg_arn)
            .map_or(&[], Vec::as_slice)
    }

    /// The target groups a load balancer sends traffic to.
    pub fn tgs_of_lb(&self, lb_arn: &str) -> &[String] {
        self.index()
            .tgs_of_lb
            .get(lb_arn)
            .map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matcher_understands_lists_and_ranges() {
        let mut hc = TgHealthCheck {
            enabled: true,
            protocol: "HTTP".into(),
            port: "traffic-port".into(),
            path: Some("/".into()),
            interval: 30,
            timeout: 5,
            healthy_threshold: 5,
            unhealthy_threshold: 2,
            matcher: Some("200,300-302".into()),
        };
        assert!(hc.matches(200) && hc.matches(301) && !hc.matches(503));
        hc.matcher = None;
        assert!(hc.matches(204) && !hc.matches(500));
    }

    #[test]
    fn normalising_a_forward_action_is_idempotent() {
        let given = Doc::map()
            .with("Type", "forward")
            .with("TargetGroupArn", "tg-1");
        let once = normalize_action(&given);
        assert_eq!(normalize_action(&once), once);
        assert_eq!(action_target_groups(&once), vec!["tg-1"]);
        assert_eq!(
            once.get("ForwardConfig").unwrap().list("TargetGroups")[0].str("Weight"),
            Some("1")
        );
    }

    #[test]
    fn a_target_turns_unhealthy_after_the_threshold() {
        let hc = TgHealthCheck {
            enabled: true,
            protocol: "HTTP".into(),
            port: "traffic-port".into(),
            path: None,
            interval: 10,
            timeout: 5,
            healthy_threshold: 2,
            unhealthy_threshold: 2,
            matcher: None,
        };
        let mut t = Target::new("i-1", 80, None, 0);
        // A new target is healthy after one passed check (AWS-FACTS.md).
        t.record(true, None, &hc);
        assert_eq!(t.state, TState::Healthy);
        let why = Some((
            "Target.Timeout".to_string(),
            "Request timed out".to_string(),
        ));
        t.record(false, why.clone(), &hc);
        assert_eq!(t.state, TState::Healthy);
        t.record(false, why, &hc);
        assert_eq!(t.state, TState::Unhealthy);
        // An unhealthy one needs HealthyThresholdCount consecutive passes.
        t.record(true, None, &hc);
        assert_eq!(t.state, TState::Unhealthy);
        t.record(true, None, &hc);
        assert_eq!(t.state, TState::Healthy);
    }
}
