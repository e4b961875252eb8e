//! Scenario files: a TOML description of an AWS account, loaded into a [`World`].
//!
//! Resources refer to each other by name (a record's `health_check = "www-primary"`, a listener's
//! `forward = "app-tg"`); IDs and ARNs are given or made up deterministically from the scenario
//! name, so that a scenario has the same IDs on every run.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::proto::Doc;
use super::world::cloudfront::{Distribution, DistributionSpec as CfSpec, build_config};
use super::world::cloudwatch::Alarm;
use super::world::ec2::{Behaviour, Instance, InstanceState, Origin, Tls};
use super::world::elb::{
    Listener, LoadBalancer, Rule, Target, TargetGroup, TgHealthCheck, canonical_zone_ids,
    normalize_action,
};
use super::world::route53::{
    AliasTarget, CLOUDFRONT_ZONE_ID, DEFAULT_CHECKER_REGIONS, HcConfig, HealthCheck, RecordSet,
    Zone, fqdn,
};
use super::world::{IdGen, Ms, Timing, World};
use crate::proto::xml::XmlEl;

#[derive(Clone, Debug, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_account")]
    pub account_id: String,
    /// The identity GetCallerIdentity returns.
    #[serde(default)]
    pub caller_arn: Option<String>,
    /// More callers, by access key ID: `callers = { "AKIASIMALICE" = "arn:aws:iam::123456789012:user/alice" }`.
    /// GetCallerIdentity answers a request signed with one of these keys with its ARN, any
    /// other with `caller_arn`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub callers: std::collections::BTreeMap<String, String>,
    /// The region of the load balancers, instances and their alarms.
    #[serde(default = "default_region")]
    pub region: String,
    #[serde(default)]
    pub timing: Timing,
    #[serde(default)]
    pub instances: Vec<InstanceSpec>,
    #[serde(default)]
    pub origins: Vec<OriginSpec>,
    #[serde(default)]
    pub target_groups: Vec<TargetGroupSpec>,
    #[serde(default)]
    pub load_balancers: Vec<LoadBalancerSpec>,
    #[serde(default)]
    pub distributions: Vec<DistributionSpec>,
    #[serde(default)]
    pub alarms: Vec<AlarmSpec>,
    #[serde(default)]
    pub health_checks: Vec<HealthCheckSpec>,
    #[serde(default)]
    pub hosted_zones: Vec<ZoneSpec>,
}

fn default_account() -> String {
    "123456789012".into()
}

fn default_region() -> String {
    "eu-west-1".into()
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceSpec {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub az: Option<String>,
    pub private_ip: String,
    #[serde(default)]
    pub public_ip: Option<String>,
    #[serde(default = "running")]
    pub state: InstanceState,
    #[serde(default)]
    pub impaired: bool,
    /// Its host has failed: StatusCheckFailed_System (and StatusCheckFailed) report 1, and it
    /// answers nothing.
    #[serde(default, skip_serializing_if = "is_false")]
    pub host_failure: bool,
    #[serde(default)]
    pub app: Behaviour,
    /// The page its application answers with (HTTP(S)_STR_MATCH checks search it); a default
    /// page when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The names of its TLS certificate (none: any name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tls_names: Vec<String>,
    /// It refuses a TLS client_hello without SNI (handshake_failure).
    #[serde(default, skip_serializing_if = "is_false")]
    pub sni_required: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn running() -> InstanceState {
    InstanceState::Running
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OriginSpec {
    pub name: String,
    #[serde(default)]
    pub fqdn: Option<String>,
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default)]
    pub behaviour: Behaviour,
    /// The page it answers with (HTTP(S)_STR_MATCH checks search it); a default page when not
    /// given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The names of its TLS certificate (none: any name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tls_names: Vec<String>,
    /// It refuses a TLS client_hello without SNI (handshake_failure).
    #[serde(default, skip_serializing_if = "is_false")]
    pub sni_required: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TgHealthCheckSpec {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub protocol: Option<String>,
    #[serde(default)]
    pub port: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub interval: Option<i64>,
    #[serde(default)]
    pub timeout: Option<i64>,
    #[serde(default)]
    pub healthy_threshold: Option<i64>,
    #[serde(default)]
    pub unhealthy_threshold: Option<i64>,
    #[serde(default)]
    pub matcher: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// An instance ID, an IP address, or for `alb` target groups the name of a load balancer.
    pub id: String,
    #[serde(default)]
    pub port: Option<i64>,
    #[serde(default)]
    pub az: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetGroupSpec {
    pub name: String,
    #[serde(default)]
    pub arn: Option<String>,
    /// Its region; the scenario's when not given.
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default = "http")]
    pub protocol: String,
    #[serde(default = "port_80")]
    pub port: i64,
    #[serde(default = "instance")]
    pub target_type: String,
    #[serde(default)]
    pub health_check: Option<TgHealthCheckSpec>,
    #[serde(default = "dereg_delay")]
    pub deregistration_delay: i64,
    #[serde(default)]
    pub targets: Vec<TargetSpec>,
    /// Target group attributes (`target_group_health.dns_failover.minimum_healthy_targets.count`,
    /// ...), checked as ModifyTargetGroupAttributes checks them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

fn http() -> String {
    "HTTP".into()
}

fn port_80() -> i64 {
    80
}

fn instance() -> String {
    "instance".into()
}

fn dereg_delay() -> i64 {
    300
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FixedResponseSpec {
    pub status: u16,
    #[serde(default = "text_html")]
    pub content_type: String,
    #[serde(default)]
    pub body: String,
}

fn text_html() -> String {
    "text/html".into()
}

/// A redirect: the parts not given keep the request's (`#{host}`, `/#{path}`, ...).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RedirectSpec {
    /// 301 or 302.
    #[serde(default = "moved_permanently")]
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

fn moved_permanently() -> u16 {
    301
}

/// A listener or rule action: forward to a target group (by name), a fixed response or a
/// redirect.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    #[serde(default)]
    pub forward: Option<String>,
    #[serde(default)]
    pub fixed_response: Option<FixedResponseSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<RedirectSpec>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionSpec {
    pub field: String,
    pub values: Vec<String>,
    /// For `http-header` conditions.
    #[serde(default)]
    pub header: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub priority: i64,
    pub conditions: Vec<ConditionSpec>,
    pub action: ActionSpec,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerSpec {
    /// The listener's ARN; made up from the load balancer's when not given.
    #[serde(default)]
    pub arn: Option<String>,
    pub port: i64,
    pub protocol: String,
    pub default_action: ActionSpec,
    #[serde(default)]
    pub certificate_arn: Option<String>,
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerSpec {
    pub name: String,
    /// `application` or `network`.
    #[serde(rename = "type", default = "application")]
    pub kind: String,
    #[serde(default = "internet_facing")]
    pub scheme: String,
    #[serde(default)]
    pub azs: Vec<String>,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub dns_name: Option<String>,
    /// `ipv4` (the default) or `dualstack` (its name answers AAAA queries too).
    #[serde(default = "ipv4")]
    pub ip_address_type: String,
    /// Its region (in its ARN and DNS name); the scenario's when not given.
    #[serde(default)]
    pub region: Option<String>,
    /// Cross-zone load balancing of a network load balancer (off by default; an ALB's is
    /// always on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_zone: Option<bool>,
    #[serde(default)]
    pub listeners: Vec<ListenerSpec>,
}

fn ipv4() -> String {
    "ipv4".into()
}

fn application() -> String {
    "application".into()
}

fn internet_facing() -> String {
    "internet-facing".into()
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CfOriginSpec {
    pub id: String,
    pub domain: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorResponseSpec {
    pub error_code: i64,
    pub page: String,
    pub response_code: String,
    #[serde(default = "ten")]
    pub min_ttl: i64,
}

fn ten() -> i64 {
    10
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DistributionSpec {
    /// A name other resources use to refer to it.
    pub name: String,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub domain_name: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub default_root_object: Option<String>,
    #[serde(default)]
    pub origins: Vec<CfOriginSpec>,
    #[serde(default)]
    pub error_responses: Vec<ErrorResponseSpec>,
    #[serde(default)]
    pub certificate_arn: Option<String>,
    #[serde(default = "price_class")]
    pub price_class: String,
    /// The whole DistributionConfig as XML, for copies of real distributions.
    #[serde(default)]
    pub config_xml: Option<String>,
    /// When the last change reaches every edge, in seconds from the start (0: already deployed).
    #[serde(default)]
    pub deploying_secs: i64,
}

fn price_class() -> String {
    "PriceClass_100".into()
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmSpec {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub namespace: String,
    pub metric: String,
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    #[serde(default = "maximum")]
    pub statistic: String,
    #[serde(default = "sixty")]
    pub period: i64,
    #[serde(default = "two")]
    pub evaluation_periods: i64,
    #[serde(default)]
    pub datapoints_to_alarm: Option<i64>,
    pub threshold: f64,
    #[serde(default = "gte")]
    pub comparison: String,
    #[serde(default)]
    pub treat_missing_data: Option<String>,
    #[serde(default = "yes")]
    pub actions_enabled: bool,
    #[serde(default)]
    pub alarm_actions: Vec<String>,
    #[serde(default)]
    pub ok_actions: Vec<String>,
    #[serde(default)]
    pub insufficient_data_actions: Vec<String>,
}

fn maximum() -> String {
    "Maximum".into()
}

fn sixty() -> i64 {
    60
}

fn two() -> i64 {
    2
}

fn gte() -> String {
    "GreaterThanOrEqualToThreshold".into()
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckSpec {
    /// Its Name tag, and how records refer to it.
    pub name: String,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default)]
    pub fqdn: Option<String>,
    /// Check this load balancer (by name): its DNS name becomes the checked domain name.
    #[serde(default)]
    pub load_balancer: Option<String>,
    /// Check this distribution (by name): its domain name becomes the checked domain name.
    #[serde(default)]
    pub distribution: Option<String>,
    #[serde(default)]
    pub port: Option<i64>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub search_string: Option<String>,
    #[serde(default = "thirty")]
    pub interval: i64,
    #[serde(default = "three")]
    pub failure_threshold: i64,
    #[serde(default)]
    pub inverted: bool,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub regions: Vec<String>,
    /// The alarm of a CLOUDWATCH_METRIC check, by name.
    #[serde(default)]
    pub alarm: Option<String>,
    #[serde(default)]
    pub alarm_region: Option<String>,
    #[serde(default)]
    pub insufficient_data: Option<String>,
    /// The children of a CALCULATED check, by name.
    #[serde(default)]
    pub children: Vec<String>,
    #[serde(default)]
    pub health_threshold: Option<i64>,
    #[serde(default)]
    pub measure_latency: bool,
    /// A new check: for this many seconds from the scenario's start, Route 53 publishes no
    /// `HealthCheckStatus` datapoint for it (and none from before).
    #[serde(default)]
    pub no_metric_secs: Option<i64>,
    #[serde(default)]
    pub enable_sni: Option<bool>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn thirty() -> i64 {
    30
}

fn three() -> i64 {
    3
}

/// Where an alias record points: a load balancer or distribution by name, or a DNS name.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AliasSpec {
    #[serde(default)]
    pub load_balancer: Option<String>,
    #[serde(default)]
    pub distribution: Option<String>,
    #[serde(default)]
    pub dns_name: Option<String>,
    #[serde(default)]
    pub zone_id: Option<String>,
    #[serde(default)]
    pub evaluate_target_health: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecordSpec {
    pub name: String,
    #[serde(rename = "type", default = "a")]
    pub rtype: String,
    #[serde(default)]
    pub ttl: Option<i64>,
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub set_identifier: Option<String>,
    #[serde(default)]
    pub failover: Option<String>,
    #[serde(default)]
    pub weight: Option<i64>,
    /// The region of a latency record.
    #[serde(default)]
    pub region: Option<String>,
    /// Where a geolocation record applies.
    #[serde(default)]
    pub geo_location: Option<GeoLocationSpec>,
    /// A multivalue answer record.
    #[serde(default)]
    pub multi_value: Option<bool>,
    /// A health check by name.
    #[serde(default)]
    pub health_check: Option<String>,
    #[serde(default)]
    pub alias: Option<AliasSpec>,
}

fn a() -> String {
    "A".into()
}

/// A geolocation: a continent, a country (`*`: the default location), or a subdivision.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GeoLocationSpec {
    #[serde(default)]
    pub continent: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub subdivision: Option<String>,
}

impl GeoLocationSpec {
    /// The `GeoLocation` element of a record set.
    fn element(&self) -> XmlEl {
        let mut el = XmlEl::new("GeoLocation");
        for (name, v) in [
            ("ContinentCode", &self.continent),
            ("CountryCode", &self.country),
            ("SubdivisionCode", &self.subdivision),
        ] {
            if let Some(v) = v {
                el = el.child(XmlEl::leaf(name, v.clone()));
            }
        }
        el
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneSpec {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub private: bool,
    /// The VPCs a private zone is associated with (default: the scenario's VPC in its region).
    #[serde(default)]
    pub vpcs: Vec<VpcSpec>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub records: Vec<RecordSpec>,
}

/// A VPC a private hosted zone is associated with.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VpcSpec {
    pub id: String,
    pub region: String,
}

impl Scenario {
    /// Reads a scenario file; errors name the file, line and column.
    pub fn load(path: &Path) -> Result<Scenario, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read scenario {}: {e}", path.display()))?;
        // Positions read as file:line:col; other messages as file: message.
        Scenario::parse(&text).map_err(|e| {
            let sep = if e.starts_with(|c: char| c.is_ascii_digit()) {
                ":"
            } else {
                ": "
            };
            format!("{}{sep}{e}", path.display())
        })
    }

    pub fn parse(text: &str) -> Result<Scenario, String> {
        toml::from_str(text).map_err(|e| {
            let pos = e.span().map(|s| line_col(text, s.start));
            match pos {
                Some((line, col)) => format!("{line}:{col}: {}", e.message()),
                None => e.message().to_string(),
            }
        })
    }

    /// Builds the world: created `warmup_secs` before `start`, then run up to `start`, so that it
    /// begins settled. The clock then runs at `speed` (or stays paused).
    pub fn build(&self, start: Ms, speed: f64, paused: bool) -> Result<World, String> {
        let warmup = self.timing.warmup_secs.max(0) * 1000;
        let mut w = World::new(&self.name, start - warmup, speed, true);
        w.timing = self.timing.clone();
        w.account_id = self.account_id.clone();
        w.caller_arn = self
            .caller_arn
            .clone()
            .unwrap_or_else(|| format!("arn:aws:iam::{}:user/operator", self.account_id));
        w.callers = self.callers.clone();
        w.region = self.region.clone();
        self.load_instances(&mut w)?;
        self.load_target_groups(&mut w)?;
        self.load_load_balancers(&mut w)?;
        self.load_distributions(&mut w)?;
        self.load_alarms(&mut w)?;
        self.load_health_checks(&mut w)?;
        self.load_zones(&mut w)?;
        w.elb.invalidate();
        w.start_tasks();
        w.step_to(start);
        w.clock = super::world::Clock::new(start, speed, paused);
        Ok(w)
    }

    fn load_instances(&self, w: &mut World) -> Result<(), String> {
        let t = w.now;
        for i in &self.instances {
            if w.instances.iter().any(|x| x.id == i.id) {
                return Err(format!("instance {} is defined twice", i.id));
            }
            w.instances.push(Instance {
                id: i.id.clone(),
                name: i.name.clone(),
                az: i.az.clone().unwrap_or_else(|| format!("{}a", self.region)),
                private_ip: i.private_ip.clone(),
                public_ip: i.public_ip.clone(),
                state: i.state,
                until: t,
                impaired: i.impaired,
                host_failed: i.host_failure,
                tls: Tls {
                    names: i.tls_names.clone(),
                    sni_required: i.sni_required,
                },
                app: i.app,
                body: i.body.clone(),
            });
        }
        for o in &self.origins {
            w.origins.push(Origin {
                name: o.name.clone(),
                fqdn: o.fqdn.clone(),
                ip: o.ip.clone(),
                behaviour: o.behaviour,
                body: o.body.clone(),
                tls: Tls {
                    names: o.tls_names.clone(),
                    sni_required: o.sni_required,
                },
            });
        }
        Ok(())
    }

    fn tg_arn(&self, w: &mut World, name: &str, region: &str) -> String {
        format!(
            "arn:aws:elasticloadbalancing:{region}:{}:targetgroup/{name}/{}",
            self.account_id,
            w.ids.hex(16)
        )
    }

    fn load_target_groups(&self, w: &mut World) -> Result<(), String> {
        let t = w.now;
        for tg in &self.target_groups {
            let region = tg.region.clone().unwrap_or_else(|| self.region.clone());
            let arn = match &tg.arn {
                Some(a) => a.clone(),
                None => self.tg_arn(w, &tg.name, &region),
            };
            let network = matches!(tg.protocol.as_str(), "TCP" | "UDP" | "TLS" | "TCP_UDP");
            let spec = tg.health_check.clone();
            let hc = TgHealthCheck {
                enabled: spec.as_ref().is_none_or(|s| s.enabled),
                protocol: spec
                    .as_ref()
                    .and_then(|s| s.protocol.clone())
                    .unwrap_or_else(|| tg.protocol.clone()),
                port: spec
                    .as_ref()
                    .and_then(|s| s.port.clone())
                    .unwrap_or_else(|| "traffic-port".into()),
                path: spec
                    .as_ref()
                    .and_then(|s| s.path.clone())
                    .or_else(|| (!network).then(|| "/".to_string())),
                interval: spec.as_ref().and_then(|s| s.interval).unwrap_or(30),
                timeout: spec.as_ref().and_then(|s| s.timeout).unwrap_or(if network {
                    10
                } else {
                    5
                }),
                healthy_threshold: spec.as_ref().and_then(|s| s.healthy_threshold).unwrap_or(5),
                unhealthy_threshold: spec
                    .as_ref()
                    .and_then(|s| s.unhealthy_threshold)
                    .unwrap_or(2),
                matcher: spec
                    .as_ref()
                    .and_then(|s| s.matcher.clone())
                    .or_else(|| (!network).then(|| "200".to_string())),
            };
            let mut targets = Vec::new();
            for ts in &tg.targets {
                let az = ts.az.clone().or_else(|| {
                    w.instances
                        .iter()
                        .find(|i| i.id == ts.id)
                        .map(|i| i.az.clone())
                });
                if tg.target_type == "instance" && !w.instances.iter().any(|i| i.id == ts.id) {
                    return Err(format!(
                        "target group {}: target {} is not an instance of the scenario",
                        tg.name, ts.id
                    ));
                }
                targets.push(Target::new(&ts.id, ts.port.unwrap_or(tg.port), az, t));
            }
            let mut attributes = super::world::elb::default_tg_attributes(network);
            for (key, value) in &tg.attributes {
                super::world::elb::check_tg_attribute(&attributes, key, value)
                    .map_err(|m| format!("target group {}: AWS would refuse it: {m}", tg.name))?;
                if key != "deregistration_delay.timeout_seconds" {
                    attributes.insert(key.clone(), value.clone());
                }
            }
            w.elb.tgs.push(TargetGroup {
                arn,
                name: tg.name.clone(),
                protocol: tg.protocol.clone(),
                port: tg.port,
                vpc_id: "vpc-0a1b2c3d4e5f60718".into(),
                target_type: tg.target_type.clone(),
                hc,
                deregistration_delay: tg
                    .attributes
                    .get("deregistration_delay.timeout_seconds")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(tg.deregistration_delay),
                targets,
                attributes,
            });
        }
        Ok(())
    }

    fn action(&self, w: &World, a: &ActionSpec, what: &str) -> Result<Doc, String> {
        if let Some(r) = &a.redirect {
            if a.forward.is_some() || a.fixed_response.is_some() {
                return Err(format!(
                    "{what}: an action needs exactly one of forward, fixed_response or redirect"
                ));
            }
            if !matches!(r.status, 301 | 302) {
                return Err(format!(
                    "{what}: a redirect's status is 301 or 302, not {}",
                    r.status
                ));
            }
            let part = |v: &Option<String>, keep: &str| v.clone().unwrap_or_else(|| keep.into());
            return Ok(Doc::map().with("Type", "redirect").with(
                "RedirectConfig",
                Doc::map()
                    .with("Protocol", part(&r.protocol, "#{protocol}"))
                    .with("Port", part(&r.port, "#{port}"))
                    .with("Host", part(&r.host, "#{host}"))
                    .with("Path", part(&r.path, "/#{path}"))
                    .with("Query", part(&r.query, "#{query}"))
                    .with("StatusCode", format!("HTTP_{}", r.status)),
            ));
        }
        match (&a.forward, &a.fixed_response) {
            (Some(tg), None) => {
                let arn = w
                    .elb
                    .tgs
                    .iter()
                    .find(|t| &t.name == tg)
                    .map(|t| t.arn.clone())
                    .ok_or_else(|| format!("{what}: no target group named {tg}"))?;
                Ok(normalize_action(
                    &Doc::map()
                        .with("Type", "forward")
                        .with("TargetGroupArn", arn),
                ))
            }
            (None, Some(f)) => Ok(Doc::map().with("Type", "fixed-response").with(
                "FixedResponseConfig",
                Doc::map()
                    .with("MessageBody", f.body.as_str())
                    .with("StatusCode", f.status.to_string())
                    .with("ContentType", f.content_type.as_str()),
            )),
            _ => Err(format!(
                "{what}: an action needs exactly one of forward, fixed_response or redirect"
            )),
        }
    }

    fn load_load_balancers(&self, w: &mut World) -> Result<(), String> {
        let t = w.now;
        for spec in &self.load_balancers {
            let network = match spec.kind.as_str() {
                "application" => false,
                "network" => true,
                other => {
                    return Err(format!(
                        "load balancer {}: type {other:?} is not application or network",
                        spec.name
                    ));
                }
            };
            if !network && spec.cross_zone == Some(false) {
                return Err(format!(
                    "load balancer {}: an application load balancer's cross-zone load balancing is always on (AWS); turn it off per target group (load_balancing.cross_zone.enabled)",
                    spec.name
                ));
            }
            let lb_id = w.ids.hex(16);
            let short = if network { "net" } else { "app" };
            let region = spec.region.clone().unwrap_or_else(|| self.region.clone());
            let arn = spec.arn.clone().unwrap_or_else(|| {
                format!(
                    "arn:aws:elasticloadbalancing:{region}:{}:loadbalancer/{short}/{}/{lb_id}",
                    self.account_id, spec.name
                )
            });
            let dns_name = spec.dns_name.clone().unwrap_or_else(|| {
                if network {
                    format!("{}-{}.elb.{region}.amazonaws.com", spec.name, w.ids.hex(16))
                } else {
                    format!(
                        "{}-{}.{region}.elb.amazonaws.com",
                        spec.name,
                        w.ids.digits(10)
                    )
                }
            });
            let azs = if spec.azs.is_empty() {
                vec![format!("{region}a"), format!("{region}b")]
            } else {
                spec.azs.clone()
            };
            let (alb_zone, nlb_zone) = canonical_zone_ids(&region);
            let ips: Vec<String> = azs.iter().map(|_| w.ids.ip()).collect();
            let ipv6 = match spec.ip_address_type.as_str() {
                "ipv4" => Vec::new(),
                "dualstack" => ips.iter().map(|ip| IdGen::ipv6_of(ip)).collect(),
                other => {
                    return Err(format!(
                        "load balancer {}: ip_address_type {other:?} is not ipv4 or dualstack",
                        spec.name
                    ));
                }
            };
            for l in &spec.listeners {
                if network && !l.rules.is_empty() {
                    return Err(format!(
                        "listener {}:{}: a network load balancer's listeners have no rules",
                        spec.name, l.port
                    ));
                }
                self.load_listener(w, &spec.name, &arn, l)?;
            }
            w.elb.lbs.push(LoadBalancer {
                arn,
                name: spec.name.clone(),
                kind: spec.kind.clone(),
                scheme: spec.scheme.clone(),
                dns_name,
                zone_id: if network { nlb_zone } else { alb_zone }.to_string(),
                region,
                azs,
                vpc_id: "vpc-0a1b2c3d4e5f60718".into(),
                created: t - 90 * 86_400_000,
                ips,
                ipv6,
                cross_zone: !network || spec.cross_zone.unwrap_or(false),
            });
        }
        // Every listener's and rule's actions as ModifyListener and CreateRule would take them:
        // a scenario holds only what AWS would accept.
        for l in &w.elb.listeners {
            let Some(lb) = w.elb.lb(&l.lb_arn) else {
                continue;
            };
            let what = format!("listener {}:{}", lb.name, l.port);
            crate::api::elbv2::validate_actions(w, lb, &l.default_actions, "defaultActions")
                .map_err(|e| {
                    format!(
                        "{what}: AWS would refuse its action: {} ({})",
                        e.message, e.code
                    )
                })?;
            for r in w.elb.rules.iter().filter(|r| r.listener_arn == l.arn) {
                crate::api::elbv2::validate_actions(w, lb, &r.actions, "actions").map_err(|e| {
                    format!(
                        "rule {} of {what}: AWS would refuse its action: {} ({})",
                        r.priority, e.message, e.code
                    )
                })?;
            }
        }
        // Targets of `alb` target groups name a load balancer; use its ARN.
        let lbs: Vec<(String, String)> = w
            .elb
            .lbs
            .iter()
            .map(|l| (l.name.clone(), l.arn.clone()))
            .collect();
        for tg in w.elb.tgs.iter_mut().filter(|t| t.target_type == "alb") {
            for target in &mut tg.targets {
                if let Some((_, arn)) = lbs.iter().find(|(n, _)| *n == target.id) {
                    target.id = arn.clone();
                } else if !target.id.starts_with("arn:") {
                    return Err(format!(
                        "target group {}: no load balancer named {}",
                        tg.name, target.id
                    ));
                }
            }
        }
        Ok(())
    }

    /// One listener of load balancer `lb_name` (ARN `lb_arn`), with its rules.
    fn load_listener(
        &self,
        w: &mut World,
        lb_name: &str,
        lb_arn: &str,
        l: &ListenerSpec,
    ) -> Result<(), String> {
        let listener_id = w.ids.hex(16);
        let listener_arn = l.arn.clone().unwrap_or_else(|| {
            lb_arn.replacen(":loadbalancer/", ":listener/", 1) + "/" + &listener_id
        });

        let default_action = self.action(
            w,
            &l.default_action,
            &format!("listener {}:{}", lb_name, l.port),
        )?;
        let default_rule_arn = format!(
            "{}/{}",
            listener_arn.replacen(":listener/", ":listener-rule/", 1),
            w.ids.hex(16)
        );
        for (i, r) in l.rules.iter().enumerate() {
            let what = format!("rule {} of {}:{}", r.priority, lb_name, l.port);
            if !(1..=50_000).contains(&r.priority) {
                return Err(format!(
                    "{what}: a rule's priority is 1 to 50000 (AWS), not {}",
                    r.priority
                ));
            }
            if l.rules[..i].iter().any(|o| o.priority == r.priority) {
                return Err(format!(
                    "{what}: priority {} is used twice on the listener (AWS: PriorityInUse)",
                    r.priority
                ));
            }
            if r.conditions.is_empty() {
                return Err(format!("{what}: a rule has at least one condition"));
            }
            for c in &r.conditions {
                if !matches!(
                    c.field.as_str(),
                    "host-header"
                        | "path-pattern"
                        | "source-ip"
                        | "http-header"
                        | "http-request-method"
                        | "query-string"
                ) {
                    return Err(format!(
                        "{what}: condition field {:?} is not one of host-header, path-pattern, source-ip, http-header, http-request-method, query-string",
                        c.field
                    ));
                }
            }
            let values: usize = r.conditions.iter().map(|c| c.values.len()).sum();
            if values > 5 {
                return Err(format!(
                    "{what}: {values} condition values; a rule holds at most 5 (AWS)"
                ));
            }
            let action = self.action(
                w,
                &r.action,
                &format!("rule {} of {}:{}", r.priority, lb_name, l.port),
            )?;
            let conditions = r.conditions.iter().map(condition_doc).collect();
            let rule_arn = format!(
                "{}/{}",
                listener_arn.replacen(":listener/", ":listener-rule/", 1),
                w.ids.hex(16)
            );
            w.elb.rules.push(Rule {
                arn: rule_arn,
                listener_arn: listener_arn.clone(),
                priority: r.priority,
                conditions,
                actions: vec![action],
            });
        }
        w.elb.listeners.push(Listener {
            arn: listener_arn,
            lb_arn: lb_arn.to_string(),
            port: l.port,
            protocol: l.protocol.clone(),
            default_actions: vec![default_action],
            certificates: l.certificate_arn.iter().cloned().collect(),
            ssl_policy: l
                .certificate_arn
                .as_ref()
                .map(|_| "ELBSecurityPolicy-TLS13-1-2-2021-06".to_string()),
            default_rule_arn,
        });
        Ok(())
    }

    fn load_distributions(&self, w: &mut World) -> Result<(), String> {
        let t = w.now;
        for d in &self.distributions {
            let id =
                d.id.clone()
                    .unwrap_or_else(|| format!("E{}", w.ids.upper(13)));
            let domain_name = d
                .domain_name
                .clone()
                .unwrap_or_else(|| format!("d{}.cloudfront.net", w.ids.lower(13)));
            let config = match &d.config_xml {
                Some(xml) => XmlEl::parse(xml.as_bytes())
                    .map_err(|e| format!("distribution {}: config_xml: {e}", d.name))?,
                None => {
                    let origins: Vec<(String, String)> = d
                        .origins
                        .iter()
                        .map(|o| (o.id.clone(), o.domain.clone()))
                        .collect();
                    let errors: Vec<(i64, String, String, i64)> = d
                        .error_responses
                        .iter()
                        .map(|e| {
                            (
                                e.error_code,
                                e.page.clone(),
                                e.response_code.clone(),
                                e.min_ttl,
                            )
                        })
                        .collect();
                    let reference = format!("{}-{}", self.name, d.name);
                    build_config(&CfSpec {
                        caller_reference: &reference,
                        aliases: &d.aliases,
                        comment: &d.comment,
                        enabled: d.enabled,
                        default_root_object: d.default_root_object.as_deref(),
                        origins: &origins,
                        error_responses: &errors,
                        certificate_arn: d.certificate_arn.as_deref(),
                        price_class: &d.price_class,
                    })
                }
            };
            if let Some(m) = crate::api::cloudfront::viewer_certificate_problem(&config) {
                return Err(format!(
                    "distribution {}: AWS would refuse its certificate: {m} (InvalidViewerCertificate)",
                    d.name
                ));
            }
            let ips = (0..4).map(|_| w.ids.ip()).collect();
            let etag = format!("E{}", w.ids.upper(13));
            let warmup = self.timing.warmup_secs.max(0) * 1000;
            w.cf.distributions.push(Distribution {
                arn: format!("arn:aws:cloudfront::{}:distribution/{id}", self.account_id),
                id,
                domain_name,
                config,
                etag,
                deployed_at: t + warmup + d.deploying_secs * 1000,
                last_modified: t - 86_400_000,
                invalidations: Vec::new(),
                ips,
            });
        }
        Ok(())
    }

    fn load_alarms(&self, w: &mut World) -> Result<(), String> {
        let t = w.now;
        for a in &self.alarms {
            let region = a.region.clone().unwrap_or_else(|| self.region.clone());
            if !super::world::cloudwatch::COMPARISONS.contains(&a.comparison.as_str()) {
                return Err(format!(
                    "alarm {}: unknown comparison {}",
                    a.name, a.comparison
                ));
            }
            w.cw.alarms.push(Alarm {
                arn: format!(
                    "arn:aws:cloudwatch:{region}:{}:alarm:{}",
                    self.account_id, a.name
                ),
                region,
                name: a.name.clone(),
                description: a.description.clone(),
                namespace: a.namespace.clone(),
                metric: a.metric.clone(),
                dims: a
                    .dimensions
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                statistic: Some(a.statistic.clone()),
                extended_statistic: None,
                period: a.period,
                unit: None,
                evaluation_periods: a.evaluation_periods,
                datapoints_to_alarm: a.datapoints_to_alarm,
                threshold: a.threshold,
                comparison: a.comparison.clone(),
                treat_missing_data: a.treat_missing_data.clone(),
                actions_enabled: a.actions_enabled,
                ok_actions: a.ok_actions.clone(),
                alarm_actions: a.alarm_actions.clone(),
                insufficient_data_actions: a.insufficient_data_actions.clone(),
                state: "INSUFFICIENT_DATA".into(),
                reason: "Unchecked: Initial alarm creation".into(),
                reason_data: None,
                state_updated: t,
                state_transitioned: t,
                config_updated: t,
                last_definite_state: None,
            });
            let region =
                w.cw.alarms
                    .last()
                    .map(|x| x.region.clone())
                    .unwrap_or_default();
            w.cw.record_configuration(&region, &a.name, true, t);
        }
        Ok(())
    }

    fn load_health_checks(&self, w: &mut World) -> Result<(), String> {
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        for h in &self.health_checks {
            let id = h.id.clone().unwrap_or_else(|| w.ids.uuid());
            if ids.insert(h.name.clone(), id).is_some() {
                return Err(format!("health check {} is defined twice", h.name));
            }
        }
        for h in &self.health_checks {
            const KINDS: [&str; 8] = [
                "HTTP",
                "HTTPS",
                "HTTP_STR_MATCH",
                "HTTPS_STR_MATCH",
                "TCP",
                "CLOUDWATCH_METRIC",
                "CALCULATED",
                "RECOVERY_CONTROL",
            ];
            if !KINDS.contains(&h.kind.as_str()) {
                return Err(format!("health check {}: unknown type {}", h.name, h.kind));
            }
            if ![10, 30].contains(&h.interval) {
                return Err(format!(
                    "health check {}: interval must be 10 or 30",
                    h.name
                ));
            }
            let alarm = match &h.alarm {
                Some(name) => {
                    let region = h
                        .alarm_region
                        .clone()
                        .unwrap_or_else(|| self.region.clone());
                    if w.cw.alarm(&region, name).is_none() {
                        return Err(format!(
                            "health check {}: no alarm named {name} in {region}",
                            h.name
                        ));
                    }
                    Some((region, name.clone()))
                }
                None => None,
            };
            let children = h
                .children
                .iter()
                .map(|c| {
                    ids.get(c).cloned().ok_or_else(|| {
                        format!("health check {}: no child health check named {c}", h.name)
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let fqdn = match (&h.load_balancer, &h.distribution) {
                (Some(lb), _) => Some(
                    w.elb
                        .lbs
                        .iter()
                        .find(|l| &l.name == lb)
                        .map(|l| l.dns_name.clone())
                        .ok_or_else(|| {
                            format!("health check {}: no load balancer named {lb}", h.name)
                        })?,
                ),
                (None, Some(d)) => Some(
                    self.distributions
                        .iter()
                        .position(|x| &x.name == d)
                        .and_then(|i| w.cf.distributions.get(i))
                        .map(|x| x.domain_name.clone())
                        .ok_or_else(|| {
                            format!("health check {}: no distribution named {d}", h.name)
                        })?,
                ),
                (None, None) => h.fqdn.clone(),
            };

            let cfg = HcConfig {
                kind: h.kind.clone(),
                ip: h.ip.clone(),
                port: h.port.or_else(|| {
                    matches!(
                        h.kind.as_str(),
                        "HTTP" | "HTTPS" | "HTTP_STR_MATCH" | "HTTPS_STR_MATCH" | "TCP"
                    )
                    .then(|| if h.kind.starts_with("HTTPS") { 443 } else { 80 })
                }),
                resource_path: h.path.clone(),
                fqdn,
                search_string: h.search_string.clone(),
                request_interval: h.interval,
                failure_threshold: h.failure_threshold,
                measure_latency: h.measure_latency,
                inverted: h.inverted,
                disabled: h.disabled,
                health_threshold: h.health_threshold,
                children,
                enable_sni: h
                    .enable_sni
                    .or_else(|| h.kind.starts_with("HTTPS").then_some(true)),
                regions: if h.regions.is_empty() {
                    DEFAULT_CHECKER_REGIONS
                        .iter()
                        .map(|s| s.to_string())
                        .collect()
                } else {
                    h.regions.clone()
                },
                alarm,
                insufficient_data: h.insufficient_data.clone().or_else(|| {
                    (h.kind == "CLOUDWATCH_METRIC").then(|| "LastKnownStatus".to_string())
                }),
            };
            // As CreateHealthCheck would refuse it (the same rules).
            super::world::route53::validate_hc_config(&cfg).map_err(|m| {
                format!(
                    "health check {}: AWS would refuse it: {m} (InvalidInput)",
                    h.name
                )
            })?;
            let id = ids.get(&h.name).cloned().unwrap_or_default();
            let mut hc = HealthCheck::new(id.clone(), format!("{}-{}", self.name, h.name), cfg);
            if let Some(secs) = h.no_metric_secs {
                let warmup = self.timing.warmup_secs.max(0) * 1000;
                hc.metrics_from = w.now + warmup + secs.max(0) * 1000;
            }
            hc.tags.push(("Name".into(), h.name.clone()));
            hc.tags
                .extend(h.tags.iter().map(|(k, v)| (k.clone(), v.clone())));
            w.r53.health_checks.push(hc);
        }
        Ok(())
    }

    fn load_zones(&self, w: &mut World) -> Result<(), String> {
        for z in &self.hosted_zones {
            let zone_name = fqdn(&z.name);
            let mut records = vec![
                RecordSet {
                    name: zone_name.clone(),
                    rtype: "NS".into(),
                    ttl: Some(172_800),
                    values: Vec::new(),
                    ..empty_record()
                },
                RecordSet {
                    name: zone_name.clone(),
                    rtype: "SOA".into(),
                    ttl: Some(900),
                    values: Vec::new(),
                    ..empty_record()
                },
            ];
            for r in &z.records {
                let name = fqdn(&r.name);
                let health_check_id = match &r.health_check {
                    Some(hc) => Some(
                        self.health_checks
                            .iter()
                            .position(|h| &h.name == hc)
                            .and_then(|i| w.r53.health_checks.get(i))
                            .map(|h| h.id.clone())
                            .ok_or_else(|| format!("record {name}: no health check named {hc}"))?,
                    ),
                    None => None,
                };
                let alias = match &r.alias {
                    Some(a) => Some(self.alias(w, a, &name)?),
                    None => None,
                };
                records.push(RecordSet {
                    name,
                    rtype: r.rtype.clone(),
                    set_identifier: r.set_identifier.clone(),
                    weight: r.weight,
                    region: r.region.clone(),
                    failover: r.failover.clone(),
                    multi_value: r.multi_value,
                    ttl: if alias.is_some() {
                        None
                    } else {
                        Some(r.ttl.unwrap_or(300))
                    },
                    values: r.values.clone(),
                    alias,
                    health_check_id,
                    extra: r
                        .geo_location
                        .iter()
                        .map(GeoLocationSpec::element)
                        .collect(),
                });
            }
            let mut zone = Zone::new(
                z.id.clone(),
                &z.name,
                format!("{}-{}", self.name, z.id),
                z.private,
                Vec::new(),
            );
            zone.comment = z.comment.clone();
            if z.private {
                zone.vpcs = if z.vpcs.is_empty() {
                    vec![("vpc-0a1b2c3d4e5f60718".to_string(), self.region.clone())]
                } else {
                    z.vpcs
                        .iter()
                        .map(|v| (v.id.clone(), v.region.clone()))
                        .collect()
                };
            } else if !z.vpcs.is_empty() {
                return Err(format!(
                    "hosted zone {}: only a private zone is associated with VPCs",
                    z.name
                ));
            }
            // The apex NS and SOA records carry the zone's own name servers.
            for r in &mut records {
                if r.rtype == "NS" && r.name == zone_name {
                    r.values = zone.name_servers.iter().map(|n| format!("{n}.")).collect();
                } else if r.rtype == "SOA" && r.name == zone_name {
                    r.values = vec![format!(
                        "{}. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400",
                        zone.name_servers.first().cloned().unwrap_or_default()
                    )];
                }
            }
            // Load the records through the same validation as ChangeResourceRecordSets.
            let changes: Vec<(String, RecordSet)> = records
                .into_iter()
                .map(|r| ("CREATE".to_string(), r))
                .collect();
            let hc_ids: Vec<String> = w.r53.health_checks.iter().map(|h| h.id.clone()).collect();
            zone.apply(&changes, |id| hc_ids.iter().any(|h| h == id), w.now)
                .map_err(|errors| format!("hosted zone {}: {}", z.name, errors.join("; ")))?;
            zone.publish_until(w.now);
            w.r53.zones.push(zone);
        }
        Ok(())
    }

    fn alias(&self, w: &World, a: &AliasSpec, record: &str) -> Result<AliasTarget, String> {
        let (dns_name, zone_id) = if let Some(lb) = &a.load_balancer {
            let lb = w
                .elb
                .lbs
                .iter()
                .find(|l| &l.name == lb)
                .ok_or_else(|| format!("record {record}: no load balancer named {lb}"))?;
            (format!("dualstack.{}", lb.dns_name), lb.zone_id.clone())
        } else if let Some(d) = &a.distribution {
            let index = self
                .distributions
                .iter()
                .position(|x| &x.name == d)
                .ok_or_else(|| format!("record {record}: no distribution named {d}"))?;
            (
                w.cf.distributions
                    .get(index)
                    .map(|x| x.domain_name.clone())
                    .unwrap_or_default(),
                CLOUDFRONT_ZONE_ID.to_string(),
            )
        } else {
            match (&a.dns_name, &a.zone_id) {
                (Some(n), Some(z)) => (n.clone(), z.clone()),
                _ => {
                    return Err(format!(
                        "record {record}: an alias needs load_balancer, distribution, or dns_name and zone_id"
                    ));
                }
            }
        };
        Ok(AliasTarget {
            zone_id,
            dns_name: fqdn(&dns_name),
            evaluate_target_health: a.evaluate_target_health,
        })
    }
}

fn empty_record() -> RecordSet {
    RecordSet {
        name: String::new(),
        rtype: String::new(),
        set_identifier: None,
        weight: None,
        region: None,
        failover: None,
        multi_value: None,
        ttl: None,
        values: Vec::new(),
        alias: None,
        health_check_id: None,
        extra: Vec::new(),
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.chars().count(), |i| before[i + 1..].chars().count())
        + 1;
    (line, col)
}

/// A rule condition as ELBv2 describes it.
fn condition_doc(c: &ConditionSpec) -> Doc {
    let values = super::proto::doc::str_list(&c.values);
    match c.field.as_str() {
        "path-pattern" => Doc::map()
            .with("Field", "path-pattern")
            .with("Values", values.clone())
            .with("PathPatternConfig", Doc::map().with("Values", values)),
        "host-header" => Doc::map()
            .with("Field", "host-header")
            .with("Values", values.clone())
            .with("HostHeaderConfig", Doc::map().with("Values", values)),
        "source-ip" => Doc::map()
            .with("Field", "source-ip")
            .with("SourceIpConfig", Doc::map().with("Values", values)),
        "http-header" => Doc::map().with("Field", "http-header").with(
            "HttpHeaderConfig",
            Doc::map()
                .with(
                    "HttpHeaderName",
                    c.header.clone().unwrap_or_else(|| "X-Forwarded-For".into()),
                )
                .with("Values", values),
        ),
        other => Doc::map().with("Field", other).with("Values", values),
    }
}

/// A generated account of `sites` sites for scale tests and benchmarks. Each site has an ALB
/// over two AZs with a target group of two instances and their StatusCheckFailed alarms, a
/// failover pair whose primary has an HTTPS health check and whose secondary (a CloudFront sorry
/// page) has one too: 2 health checks and 1 target group per site.
pub fn generate(sites: usize) -> Scenario {
    generate_account(sites, 0)
}

/// Generated account number `account` of several (each its own emulator, as each AWS account
/// is its own endpoint of budgets): the same shape as [`generate`], with an account ID, hosted
/// zone ID and domain of its own (`account3.example.com` for 3; account 0 is [`generate`]'s), so
/// that a config may name the sites of several accounts side by side.
pub fn generate_account(sites: usize, account: u8) -> Scenario {
    let (account_id, zone_id, domain) = if account == 0 {
        (
            default_account(),
            "Z0GENERATED00".to_string(),
            "example.com".to_string(),
        )
    } else {
        (
            format!("2109876543{account:02}"),
            format!("Z0GENERATED{account:02}"),
            format!("account{account}.example.com"),
        )
    };
    let mut s = Scenario {
        name: if account == 0 {
            format!("generated-{sites}")
        } else {
            format!("generated-{sites}-account{account}")
        },
        description: format!("{sites} generated sites, each an ALB with a CloudFront sorry page"),
        account_id,
        region: default_region(),
        ..Scenario::default()
    };
    let mut zone = ZoneSpec {
        id: zone_id,
        name: domain,
        private: false,
        vpcs: Vec::new(),
        comment: None,
        records: Vec::new(),
    };
    for i in 0..sites {
        generate_site(&mut s, &mut zone, i);
    }
    s.hosted_zones.push(zone);
    s
}

/// One generated site: two instances with their status check alarms behind an ALB, a sorry
/// distribution, a health check on each, and the failover pair.
fn generate_site(s: &mut Scenario, zone: &mut ZoneSpec, i: usize) {
    let site = format!("site{i:03}");
    let ids = [
        format!("i-0{:08x}{:08x}", i, 1),
        format!("i-0{:08x}{:08x}", i, 2),
    ];
    for (k, id) in ids.iter().enumerate() {
        s.instances.push(generated_instance(&site, i, k, id));
        s.alarms.push(generated_alarm(&site, k, id));
    }
    s.target_groups.push(TargetGroupSpec {
        name: format!("{site}-app"),
        arn: None,
        region: None,
        protocol: http(),
        port: 8080,
        target_type: instance(),
        health_check: None,
        deregistration_delay: 300,
        targets: ids
            .iter()
            .map(|id| TargetSpec {
                id: id.clone(),
                port: None,
                az: None,
            })
            .collect(),
        attributes: BTreeMap::new(),
    });
    s.load_balancers.push(LoadBalancerSpec {
        name: format!("{site}-alb"),
        kind: application(),
        scheme: internet_facing(),
        azs: Vec::new(),
        arn: None,
        dns_name: None,
        ip_address_type: ipv4(),
        region: None,
        cross_zone: None,
        listeners: vec![ListenerSpec {
            arn: None,

            port: 443,
            protocol: "HTTPS".into(),
            default_action: ActionSpec {
                forward: Some(format!("{site}-app")),
                ..ActionSpec::default()
            },
            certificate_arn: None,
            rules: Vec::new(),
        }],
    });
    let host = format!("{site}.{}", zone.name);
    s.distributions.push(DistributionSpec {
        name: format!("{site}-sorry"),
        id: None,
        domain_name: None,
        aliases: vec![host.clone()],
        enabled: true,
        comment: format!("{site} sorry page"),
        default_root_object: Some("maintenance.html".into()),
        origins: vec![CfOriginSpec {
            id: "S3-sorry".into(),
            domain: format!("{site}-sorry.s3.eu-west-1.amazonaws.com"),
        }],
        error_responses: vec![ErrorResponseSpec {
            error_code: 403,
            page: "/maintenance.html".into(),
            response_code: "503".into(),
            min_ttl: 10,
        }],
        certificate_arn: None,
        price_class: price_class(),
        config_xml: None,
        deploying_secs: 0,
    });
    for (which, target) in [("primary", "lb"), ("secondary", "cf")] {
        s.health_checks
            .push(generated_health_check(&site, which, target));
    }
    for (which, lb, dist) in [
        ("primary", Some(format!("{site}-alb")), None),
        ("secondary", None, Some(format!("{site}-sorry"))),
    ] {
        zone.records
            .push(generated_record(&site, &host, which, lb, dist));
    }
}

fn generated_instance(site: &str, i: usize, k: usize, id: &str) -> InstanceSpec {
    InstanceSpec {
        id: id.to_string(),
        name: format!("{site}-app-{}", k + 1),
        az: Some(format!("eu-west-1{}", ['a', 'b'][k])),
        private_ip: format!("10.{}.{}.{}", 1 + k, i / 250, 10 + i % 250),
        public_ip: None,
        state: InstanceState::Running,
        impaired: false,
        host_failure: false,
        app: Behaviour::Healthy,
        body: None,
        tls_names: Vec::new(),
        sni_required: false,
    }
}

fn generated_alarm(site: &str, k: usize, id: &str) -> AlarmSpec {
    AlarmSpec {
        name: format!("{site}-app-{}-StatusCheckFailed", k + 1),
        region: None,
        description: None,
        namespace: "AWS/EC2".into(),
        metric: "StatusCheckFailed".into(),
        dimensions: [("InstanceId".to_string(), id.to_string())]
            .into_iter()
            .collect(),
        statistic: maximum(),
        period: 60,
        evaluation_periods: 2,
        datapoints_to_alarm: None,
        threshold: 1.0,
        comparison: gte(),
        treat_missing_data: None,
        actions_enabled: true,
        alarm_actions: vec![],
        ok_actions: vec![],
        insufficient_data_actions: vec![],
    }
}

fn generated_health_check(site: &str, which: &str, target: &str) -> HealthCheckSpec {
    HealthCheckSpec {
        name: format!("{site}-{which}"),
        id: None,
        kind: "HTTPS".into(),
        ip: None,
        fqdn: None,
        load_balancer: (target == "lb").then(|| format!("{site}-alb")),
        distribution: (target == "cf").then(|| format!("{site}-sorry")),
        port: Some(443),
        path: Some("/health".into()),
        search_string: None,
        interval: 30,
        failure_threshold: 3,
        inverted: false,
        disabled: false,
        regions: Vec::new(),
        alarm: None,
        alarm_region: None,
        insufficient_data: None,
        children: Vec::new(),
        health_threshold: None,
        measure_latency: false,
        no_metric_secs: None,
        enable_sni: None,
        tags: BTreeMap::new(),
    }
}

fn generated_record(
    site: &str,
    host: &str,
    which: &str,
    load_balancer: Option<String>,
    distribution: Option<String>,
) -> RecordSpec {
    RecordSpec {
        name: host.to_string(),
        rtype: a(),
        ttl: None,
        values: Vec::new(),
        set_identifier: Some(format!("{site}-{which}")),
        failover: Some(which.to_ascii_uppercase()),
        weight: None,
        region: None,
        geo_location: None,
        multi_value: None,
        health_check: Some(format!("{site}-{which}")),
        alias: Some(AliasSpec {
            load_balancer,
            distribution,
            dns_name: None,
            zone_id: None,
            evaluate_target_health: false,
        }),
    }
}
