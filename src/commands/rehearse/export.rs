//! A site's chain as observed, written as an emulator scenario: the copy a rehearsal runs on.
//!
//! Pure: [`SiteObservations`] (read with read-only calls) in, a [`Scenario`] out. The copy keeps
//! the same IDs and ARNs (hosted zone, health checks, load balancers, listeners, target groups,
//! distribution), so that the site's own config, whose maintenance strategies may name them,
//! works unchanged against it. What cannot be observed (instance addresses, the endpoints behind
//! a health check) is made up so that the copy answers as production did when it was read; what
//! cannot be copied exactly is said in [`Export::notes`].

use std::collections::{BTreeMap, BTreeSet};

use crate::model::cloudfront::DistributionStatus;
use crate::model::cloudwatch::{Alarm, AlarmState};
use crate::model::elb::{ActionKind, ListenerAction, LoadBalancerKind, TargetHealth, TargetState};
use crate::model::route53::{
    HealthCheck, HealthCheckStatus, InsufficientDataHealth, RecordSet, normalize_dns_name,
};
use crate::model::site::{RecordLayout, SiteObservations};

use switchyard_sim::scenario::{
    ActionSpec, AlarmSpec, AliasSpec, CfOriginSpec, ConditionSpec, DistributionSpec,
    ErrorResponseSpec, FixedResponseSpec, GeoLocationSpec, HealthCheckSpec, InstanceSpec,
    ListenerSpec, LoadBalancerSpec, OriginSpec, RecordSpec, RedirectSpec, RuleSpec, Scenario,
    TargetGroupSpec, TargetSpec, TgHealthCheckSpec, ZoneSpec,
};
use switchyard_sim::world::Timing;
use switchyard_sim::world::ec2::{Behaviour, InstanceState};

/// The copy of a site, with what a rehearsal's faults act on.
#[derive(Clone, Debug)]
pub struct Export {
    pub scenario: Scenario,
    /// What could not be copied exactly, in the operator's words.
    pub notes: Vec<String>,
    /// What stands behind the primary (the app), for the rehearsal's faults.
    pub primary: PrimaryParts,
}

/// The parts of the copy that serve the primary: instances, and how each answered when read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PrimaryParts {
    /// Instance IDs behind the primary.
    pub instances: Vec<String>,
    /// Instances (by ID) and endpoints (by IP or DNS name) behind the primary, with how they
    /// answered when production was read: what "clear faults" puts back.
    pub behaviours: Vec<(String, Behaviour)>,
    /// The instances of `instances` that ran when production was read.
    pub running: Vec<String>,
}

/// The target health that `state` stands for, as an instance's state and its app's answer.
fn target_behaviour(t: &TargetHealth) -> (InstanceState, Behaviour) {
    let desc = t.description.as_deref().unwrap_or_default();
    match &t.state {
        TargetState::Unhealthy => {
            let reason = t.reason.as_deref().unwrap_or_default();
            let b = if reason == "Target.ResponseCodeMismatch" {
                http_code(desc).map_or(Behaviour::Http(500), Behaviour::Http)
            } else if reason == "Target.Timeout" {
                Behaviour::Timeout
            } else {
                Behaviour::Refused
            };
            (InstanceState::Running, b)
        }
        TargetState::Unused
            if t.reason.as_deref() == Some("Target.InvalidState") && !desc.contains("running") =>
        {
            (InstanceState::Stopped, Behaviour::Healthy)
        }
        _ => (InstanceState::Running, Behaviour::Healthy),
    }
}

/// The first HTTP status code in a text: `[503]` or `HTTP Status Code 503`.
fn http_code(text: &str) -> Option<u16> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|s| s.len() == 3)
        .filter_map(|s| s.parse::<u16>().ok())
        .find(|c| (100..600).contains(c))
}

/// How an endpoint answered its health check's checkers (before inversion).
fn checked_behaviour(hc: &HealthCheck, status: Option<&HealthCheckStatus>) -> Behaviour {
    let failing = |text: &str| {
        if let Some(code) = text.split("HTTP Status Code ").nth(1).and_then(http_code) {
            Behaviour::Http(code)
        } else if text.contains("refused") {
            Behaviour::Refused
        } else {
            Behaviour::Timeout
        }
    };
    match status {
        Some(HealthCheckStatus::Checkers { observations }) => {
            let ok = observations.iter().filter(|o| o.healthy()).count();
            if observations.is_empty() || ok * 2 >= observations.len() {
                Behaviour::Healthy
            } else {
                observations
                    .iter()
                    .find(|o| !o.healthy())
                    .map_or(Behaviour::Timeout, |o| failing(&o.status))
            }
        }
        // The metric is Route 53's final status, inversion applied.
        Some(HealthCheckStatus::Metric { healthy, .. }) if *healthy != hc.inverted => {
            Behaviour::Healthy
        }
        Some(HealthCheckStatus::Metric { .. }) => Behaviour::Timeout,
        None => Behaviour::Healthy,
    }
}

/// The account in an ARN (`arn:aws:service:region:account:...`).
fn arn_account(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(4)
        .filter(|a| a.len() == 12 && a.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
}

/// The name in an ELB ARN: `.../loadbalancer/app/NAME/ID` or `.../targetgroup/NAME/ID`.
fn elb_arn_name(arn: &str) -> String {
    let parts: Vec<&str> = arn.split('/').collect();
    match parts.as_slice() {
        [.., name, _id] if parts.len() >= 3 => (*name).to_string(),
        _ => arn.to_string(),
    }
}

struct Builder<'a> {
    obs: &'a SiteObservations,
    s: Scenario,
    notes: Vec<String>,
    /// Instance ID -> its spec, in order of appearance.
    instances: BTreeMap<String, InstanceSpec>,
    origins: BTreeMap<String, OriginSpec>,
    /// Target group ARN -> name in the scenario.
    tg_names: BTreeMap<String, String>,
    /// Health check ID -> name in the scenario.
    hc_names: BTreeMap<String, String>,
}

/// The copy of one site: see the module's documentation. `zone_name` is the hosted zone's name
/// (GetHostedZone), `region` the region of the site's load balancers and alarms.
pub fn export(obs: &SiteObservations, zone_name: &str, region: &str) -> Export {
    let account = obs
        .load_balancers
        .get()
        .into_iter()
        .flatten()
        .map(|l| l.arn.as_str())
        .chain(
            obs.alarms
                .iter()
                .filter_map(|a| a.alarm.get().map(|a| a.arn.as_str())),
        )
        .find_map(arn_account)
        .unwrap_or_else(|| "123456789012".to_string());
    let mut b = Builder {
        obs,
        s: Scenario {
            name: format!("rehearse-{}", obs.name),
            description: format!(
                "A copy of site {} ({}) for a rehearsal, made by switchyard rehearse",
                obs.name,
                obs.record_name.trim_end_matches('.')
            ),
            account_id: account,
            caller_arn: None,
            callers: Default::default(),
            region: region.to_string(),
            timing: Timing::default(),
            ..Scenario::default()
        },
        notes: Vec::new(),
        instances: BTreeMap::new(),
        origins: BTreeMap::new(),
        tg_names: BTreeMap::new(),
        hc_names: BTreeMap::new(),
    };
    b.target_groups();
    b.load_balancers();
    b.distribution();
    b.alarms();
    b.health_checks();
    b.zone(zone_name);
    let primary = b.primary();
    let Builder {
        mut s,
        notes,
        instances,
        origins,
        ..
    } = b;
    s.instances = instances.into_values().collect();
    s.origins = origins.into_values().collect();
    Export {
        scenario: s,
        notes,
        primary,
    }
}

impl Builder<'_> {
    fn note(&mut self, text: String) {
        if !self.notes.contains(&text) {
            self.notes.push(text);
        }
    }

    fn instance(&mut self, id: &str, state: InstanceState, app: Behaviour, az: Option<String>) {
        let n = self.instances.len();
        self.instances
            .entry(id.to_string())
            .or_insert_with(|| InstanceSpec {
                id: id.to_string(),
                name: String::new(),
                az,
                // Instance addresses are not read (no EC2 calls): made up, unique in the copy.
                private_ip: format!("10.254.{}.{}", n / 250, n % 250 + 1),
                public_ip: None,
                state,
                impaired: false,
                host_failure: false,
                app,
                body: None,
                tls_names: Vec::new(),
                sni_required: false,
            });
    }

    fn target_groups(&mut self) {
        let tgs = self.obs.target_groups.get().cloned().unwrap_or_default();
        if self.obs.target_groups.is_failing() {
            self.note(
                "the target groups could not all be read; the copy has those that were".into(),
            );
        }
        for tg in tgs {
            self.tg_names.insert(tg.arn.clone(), tg.name.clone());
            let health = self
                .obs
                .target_health
                .get(&tg.arn)
                .and_then(|h| h.get())
                .cloned()
                .unwrap_or_default();
            let mut targets = Vec::new();
            for t in &health {
                if matches!(t.state, TargetState::Draining) {
                    self.note(format!(
                        "target {} of {} was draining; in the copy it is registered",
                        t.id, tg.name
                    ));
                }
                let (state, app) = target_behaviour(t);
                match tg.target_type.as_str() {
                    "instance" => self.instance(&t.id, state, app, t.az.clone()),
                    "alb" => {}
                    _ => {
                        self.origins
                            .entry(t.id.clone())
                            .or_insert_with(|| OriginSpec {
                                name: t.id.clone(),
                                fqdn: None,
                                ip: Some(t.id.clone()),
                                behaviour: app,
                                body: None,
                                tls_names: Vec::new(),
                                sni_required: false,
                            });
                    }
                }
                targets.push(TargetSpec {
                    id: t.id.clone(),
                    port: t.port.map(i64::from),
                    az: t.az.clone(),
                });
            }
            let h = &tg.health_check;
            self.s.target_groups.push(TargetGroupSpec {
                name: tg.name.clone(),
                arn: Some(tg.arn.clone()),
                region: region_of(&tg.arn),
                protocol: tg.protocol.clone().unwrap_or_else(|| "HTTP".into()),
                port: tg.port.map_or(80, i64::from),
                target_type: tg.target_type.clone(),
                health_check: Some(TgHealthCheckSpec {
                    enabled: h.enabled,
                    protocol: h.protocol.clone(),
                    port: h.port.clone(),
                    path: h.path.clone(),
                    interval: Some(h.interval.as_secs() as i64),
                    timeout: Some(h.timeout.as_secs() as i64),
                    healthy_threshold: Some(i64::from(h.healthy_threshold)),
                    unhealthy_threshold: Some(i64::from(h.unhealthy_threshold)),
                    matcher: h.matcher.clone(),
                }),
                deregistration_delay: 300,
                targets,
                attributes: Default::default(),
            });
        }
    }

    /// An action of the copy; forward actions name target groups of the copy.
    fn action(&mut self, actions: &[ListenerAction], what: &str) -> ActionSpec {
        let mut ordered: Vec<&ListenerAction> = actions.iter().collect();
        ordered.sort_by_key(|a| a.order.unwrap_or(0));
        let terminal = ordered.into_iter().find(|a| a.is_terminal());
        match terminal {
            Some(a) if a.kind == ActionKind::Forward => {
                let arns = a.target_group_arns();
                if arns.len() > 1 {
                    self.note(format!(
                        "{what} forwards to {} target groups; the copy forwards to the first",
                        arns.len()
                    ));
                }
                let arn = arns.first().map(|s| s.to_string()).unwrap_or_default();
                let name = match self.tg_names.get(&arn) {
                    Some(n) => n.clone(),
                    None => {
                        // A target group that was not read: an empty one with the same ARN.
                        let name = elb_arn_name(&arn);
                        self.note(format!(
                            "target group {name} of {what} was not read; the copy has it empty"
                        ));
                        self.tg_names.insert(arn.clone(), name.clone());
                        self.s.target_groups.push(TargetGroupSpec {
                            name: name.clone(),
                            region: region_of(&arn),
                            arn: Some(arn.clone()),
                            protocol: "HTTP".into(),
                            port: 80,
                            target_type: "instance".into(),
                            health_check: None,
                            deregistration_delay: 300,
                            targets: Vec::new(),
                            attributes: Default::default(),
                        });
                        name
                    }
                };
                ActionSpec {
                    forward: Some(name),
                    ..ActionSpec::default()
                }
            }
            Some(a) if a.kind == ActionKind::FixedResponse => {
                let f =
                    a.fixed_response
                        .clone()
                        .unwrap_or_else(|| crate::model::elb::FixedResponse {
                            status_code: "503".into(),
                            content_type: None,
                            message_body: None,
                        });
                ActionSpec {
                    fixed_response: Some(FixedResponseSpec {
                        status: f.status_code.parse().unwrap_or(503),
                        content_type: f.content_type.unwrap_or_else(|| "text/plain".into()),
                        body: f.message_body.unwrap_or_default(),
                    }),
                    ..ActionSpec::default()
                }
            }
            Some(a) if a.kind == ActionKind::Redirect && a.redirect.is_some() => {
                let r = a
                    .redirect
                    .clone()
                    .unwrap_or_else(|| crate::model::elb::Redirect {
                        protocol: None,
                        port: None,
                        host: None,
                        path: None,
                        query: None,
                        status_code: "HTTP_301".into(),
                    });
                ActionSpec {
                    redirect: Some(RedirectSpec {
                        status: if r.status_code == "HTTP_302" {
                            302
                        } else {
                            301
                        },
                        protocol: r.protocol,
                        host: r.host,
                        port: r.port,
                        path: r.path,
                        query: r.query,
                    }),
                    ..ActionSpec::default()
                }
            }
            other => {
                let kind = other.map_or("no".to_string(), |a| a.kind.as_str().to_string());
                self.note(format!(
                    "{what} has a {kind} action, which the emulator does not model; the copy answers 503"
                ));
                ActionSpec {
                    fixed_response: Some(FixedResponseSpec {
                        status: 503,
                        content_type: "text/plain".into(),
                        body: String::new(),
                    }),
                    ..ActionSpec::default()
                }
            }
        }
    }

    fn load_balancers(&mut self) {
        let lbs = self.obs.load_balancers.get().cloned().unwrap_or_default();
        for lb in &lbs {
            let kind = match &lb.kind {
                LoadBalancerKind::Application => "application",
                LoadBalancerKind::Network => "network",
                LoadBalancerKind::Other(k) => {
                    self.note(format!(
                        "load balancer {} is of type {k}, which the emulator does not model; left out",
                        lb.name
                    ));
                    continue;
                }
            };
            let listeners = self
                .obs
                .listeners
                .get(&lb.arn)
                .and_then(|l| l.get())
                .cloned()
                .unwrap_or_default();
            let mut specs = Vec::new();
            for l in &listeners {
                let what = format!("listener {}:{}", lb.name, l.port);
                let default_action = self.action(&l.default_actions, &what);
                let rules = self
                    .obs
                    .rules
                    .get(&l.arn)
                    .and_then(|r| r.get())
                    .cloned()
                    .unwrap_or_default();
                let mut rule_specs = Vec::new();
                for r in rules.iter().filter(|r| !r.is_default) {
                    let Some(priority) = r.priority else { continue };
                    let action = self.action(&r.actions, &format!("rule {priority} of {what}"));
                    rule_specs.push(RuleSpec {
                        priority: i64::from(priority),
                        conditions: r
                            .conditions
                            .iter()
                            .map(|c| ConditionSpec {
                                field: c.field.clone(),
                                values: c.values.clone(),
                                header: c.http_header_name.clone(),
                            })
                            .collect(),
                        action,
                    });
                }
                specs.push(ListenerSpec {
                    arn: Some(l.arn.clone()),
                    port: i64::from(l.port),
                    protocol: l.protocol.clone(),
                    default_action,
                    certificate_arn: None,
                    rules: rule_specs,
                });
            }
            // AAAA records of the site that alias it: it answers IPv6 clients.
            let dualstack = self.obs.site_records().iter().any(|r| {
                r.rtype == "AAAA"
                    && r.alias
                        .as_ref()
                        .is_some_and(|a| lb.has_dns_name(&a.dns_name))
            });
            self.s.load_balancers.push(LoadBalancerSpec {
                name: lb.name.clone(),
                kind: kind.into(),
                scheme: lb.scheme.clone(),
                azs: Vec::new(),
                arn: Some(lb.arn.clone()),
                dns_name: Some(lb.dns_name.clone()),
                ip_address_type: if dualstack { "dualstack" } else { "ipv4" }.into(),
                region: region_of(&lb.arn),
                cross_zone: None,
                listeners: specs,
            });
        }
        // Targets that are load balancers not read (the ALB behind a sorry target group): a
        // stand-in with the same ARN that answers as the target did.
        let mut stand_ins: Vec<(String, i64, bool, String)> = Vec::new();
        for tg in self
            .s
            .target_groups
            .iter()
            .filter(|t| t.target_type == "alb")
        {
            let arn = self
                .tg_names
                .iter()
                .find(|(_, n)| **n == tg.name)
                .map(|(a, _)| a.clone())
                .unwrap_or_default();
            let health = self
                .obs
                .target_health
                .get(&arn)
                .and_then(|h| h.get())
                .cloned()
                .unwrap_or_default();
            for t in &tg.targets {
                if lbs.iter().any(|l| l.arn == t.id) || stand_ins.iter().any(|(a, ..)| a == &t.id) {
                    continue;
                }
                let healthy = health
                    .iter()
                    .find(|h| h.id == t.id)
                    .is_none_or(|h| !matches!(h.state, TargetState::Unhealthy));
                stand_ins.push((
                    t.id.clone(),
                    t.port.unwrap_or(tg.port),
                    healthy,
                    tg.name.clone(),
                ));
            }
        }
        for (arn, port, healthy, tg) in stand_ins {
            let name = elb_arn_name(&arn);
            self.note(format!(
                "load balancer {name} (a target of {tg}) was not read; the copy has a stand-in that answers {}",
                if healthy { "200" } else { "503" }
            ));
            self.s.load_balancers.push(LoadBalancerSpec {
                name,
                kind: "application".into(),
                scheme: "internal".into(),
                azs: Vec::new(),
                region: region_of(&arn),
                arn: Some(arn),
                dns_name: None,
                ip_address_type: "ipv4".into(),
                cross_zone: None,
                listeners: vec![ListenerSpec {
                    arn: None,
                    port,
                    protocol: "HTTP".into(),
                    default_action: ActionSpec {
                        fixed_response: Some(FixedResponseSpec {
                            status: if healthy { 200 } else { 503 },
                            content_type: "text/plain".into(),
                            body: if healthy { "ok" } else { "unavailable" }.into(),
                        }),
                        ..ActionSpec::default()
                    },
                    certificate_arn: None,
                    rules: Vec::new(),
                }],
            });
        }
    }

    fn distribution(&mut self) {
        let Some(d) = self
            .obs
            .distribution
            .as_ref()
            .and_then(|d| d.distribution.get())
        else {
            return;
        };
        self.s.distributions.push(DistributionSpec {
            name: d.id.clone(),
            id: Some(d.id.clone()),
            domain_name: Some(d.domain_name.clone()),
            aliases: d.aliases.clone(),
            enabled: d.enabled,
            comment: d.comment.clone(),
            default_root_object: None,
            origins: d
                .origins
                .iter()
                .map(|o| CfOriginSpec {
                    id: o.id.clone(),
                    domain: o.domain_name.clone(),
                })
                .collect(),
            error_responses: d
                .error_responses
                .iter()
                .map(|e| ErrorResponseSpec {
                    error_code: i64::from(e.error_code),
                    page: e.page.clone().unwrap_or_default(),
                    response_code: e.response_code.map(|c| c.to_string()).unwrap_or_default(),
                    min_ttl: e.min_ttl.map_or(10, |t| t.as_secs() as i64),
                })
                .collect(),
            certificate_arn: None,
            price_class: "PriceClass_100".into(),
            config_xml: None,
            deploying_secs: if d.status == DistributionStatus::InProgress {
                self.s.timing.distribution_deploy_secs
            } else {
                0
            },
        });
    }

    fn alarms(&mut self) {
        let alarms: Vec<Alarm> = self
            .obs
            .alarms
            .iter()
            .filter_map(|a| a.alarm.get().cloned())
            .collect();
        for a in alarms {
            if self.s.alarms.iter().any(|x| x.name == a.name) {
                continue;
            }
            let (Some(namespace), Some(metric)) = (a.namespace.clone(), a.metric.clone()) else {
                self.note(format!(
                    "alarm {} is a metric-math alarm, which the emulator does not model; left out",
                    a.name
                ));
                continue;
            };
            // An instance's alarm follows the instance: it exists in the copy, impaired when
            // its status checks failed.
            let instance = a
                .dimensions
                .iter()
                .find(|(k, _)| k == "InstanceId")
                .map(|(_, v)| v.clone());
            if let Some(id) = &instance
                && namespace == "AWS/EC2"
            {
                let stopped = a.state == AlarmState::InsufficientData;
                self.instance(
                    id,
                    if stopped {
                        InstanceState::Stopped
                    } else {
                        InstanceState::Running
                    },
                    Behaviour::Healthy,
                    None,
                );
                if a.state == AlarmState::Alarm
                    && let Some(i) = self.instances.get_mut(id)
                {
                    i.impaired = true;
                }
            } else if !matches!(a.state, AlarmState::Ok) {
                self.note(format!(
                    "alarm {} watches {namespace} {metric}, which the emulator does not publish; in the copy it starts without data",
                    a.name
                ));
            }
            self.s.alarms.push(AlarmSpec {
                name: a.name.clone(),
                region: (a.region != self.s.region).then(|| a.region.clone()),
                description: None,
                namespace,
                metric,
                dimensions: a.dimensions.iter().cloned().collect(),
                statistic: a.statistic.clone().unwrap_or_else(|| "Maximum".into()),
                period: (a.period.as_secs() as i64).max(10),
                evaluation_periods: i64::from(a.evaluation_periods.max(1)),
                datapoints_to_alarm: a.datapoints_to_alarm.map(i64::from),
                threshold: a.threshold.unwrap_or(1.0),
                comparison: a.comparison.clone(),
                treat_missing_data: a.treat_missing_data.clone(),
                actions_enabled: a.actions_enabled,
                alarm_actions: Vec::new(),
                ok_actions: Vec::new(),
                insufficient_data_actions: Vec::new(),
            });
        }
    }

    /// Whether the copy answers for a host by itself (a load balancer or distribution of the
    /// copy, or the site's own name).
    fn resolves(&self, host: &str) -> bool {
        let h = normalize_dns_name(host);
        self.s
            .load_balancers
            .iter()
            .filter_map(|l| l.dns_name.as_deref())
            .any(|d| normalize_dns_name(d) == h)
            || self
                .s
                .distributions
                .iter()
                .filter_map(|d| d.domain_name.as_deref())
                .any(|d| normalize_dns_name(d) == h)
            || normalize_dns_name(&self.obs.record_name) == h
    }

    fn health_checks(&mut self) {
        let checks: Vec<(HealthCheck, Option<HealthCheckStatus>)> = self
            .obs
            .health_checks
            .values()
            .filter_map(|h| h.config.get().map(|c| (c.clone(), h.status.get().cloned())))
            .collect();
        for (id, h) in &self.obs.health_checks {
            if h.config.get().is_none() {
                let id = id.clone();
                self.note(format!(
                    "health check {id} could not be read; the copy goes without it"
                ));
            }
        }
        let mut used = BTreeSet::new();
        for (hc, _) in &checks {
            let name = match &hc.name {
                Some(n) if !n.is_empty() && used.insert(n.clone()) => n.clone(),
                _ => hc.id.clone(),
            };
            self.hc_names.insert(hc.id.clone(), name);
        }
        // Children first would not matter: the loader resolves names across all checks.
        for (hc, status) in &checks {
            let host = hc
                .target
                .ip_address
                .clone()
                .or_else(|| hc.target.fqdn.clone());
            if hc.kind.probes_endpoint()
                && let Some(host) = host
                && !self.resolves(&host)
            {
                let behaviour = checked_behaviour(hc, status.as_ref());
                let is_ip = host.parse::<std::net::IpAddr>().is_ok();
                self.origins
                    .entry(host.clone())
                    .or_insert_with(|| OriginSpec {
                        name: host.clone(),
                        fqdn: (!is_ip).then(|| host.clone()),
                        ip: is_ip.then(|| host.clone()),
                        behaviour,
                        // A string-matching check found its string in the page (as far as its
                        // status tells): the copy's page holds it.
                        body: hc.target.search_string.clone(),
                        tls_names: Vec::new(),
                        sni_required: false,
                    });
            }
            let children: Vec<String> = hc
                .children
                .iter()
                .filter_map(|c| self.hc_names.get(c).cloned())
                .collect();
            if children.len() < hc.children.len() {
                self.note(format!(
                    "health check {} has children that were not read; the copy has those that were",
                    hc.id
                ));
            }
            let alarm = hc.alarm.as_ref().filter(|a| {
                self.s.alarms.iter().any(|x| {
                    x.name == a.name && x.region.as_deref().unwrap_or(&self.s.region) == a.region
                })
            });
            if hc.alarm.is_some() && alarm.is_none() {
                self.note(format!(
                    "the alarm of health check {} was not read; the copy's check has none",
                    hc.id
                ));
            }
            let mut tags: BTreeMap<String, String> = hc.tags.clone();
            tags.remove("Name");
            self.s.health_checks.push(HealthCheckSpec {
                name: self.hc_names.get(&hc.id).cloned().unwrap_or_default(),
                id: Some(hc.id.clone()),
                kind: hc.kind.as_str().to_string(),
                ip: hc.target.ip_address.clone(),
                fqdn: hc.target.fqdn.clone(),
                load_balancer: None,
                distribution: None,
                port: hc.target.port.map(i64::from),
                path: hc.target.resource_path.clone(),
                search_string: hc.target.search_string.clone(),
                interval: if hc.request_interval.as_secs() == 10 {
                    10
                } else {
                    30
                },
                failure_threshold: i64::from(hc.failure_threshold.max(1)),
                inverted: hc.inverted,
                disabled: hc.disabled,
                regions: hc.regions.clone(),
                alarm: alarm.map(|a| a.name.clone()),
                alarm_region: alarm
                    .filter(|a| a.region != self.s.region)
                    .map(|a| a.region.clone()),
                insufficient_data: hc.insufficient_data.map(|i| {
                    match i {
                        InsufficientDataHealth::Healthy => "Healthy",
                        InsufficientDataHealth::Unhealthy => "Unhealthy",
                        InsufficientDataHealth::LastKnownStatus => "LastKnownStatus",
                    }
                    .to_string()
                }),
                children,
                health_threshold: hc.health_threshold.map(i64::from),
                measure_latency: false,
                no_metric_secs: None,
                enable_sni: None,
                tags,
            });
        }
    }

    fn record(&mut self, r: &RecordSet) -> RecordSpec {
        let health_check = r.health_check_id.as_ref().and_then(|id| {
            let name = self.hc_names.get(id).cloned();
            if name.is_none() {
                self.note(format!(
                    "health check {id} of record {} was not read; the copy's record has none",
                    r.describe()
                ));
            }
            name
        });
        RecordSpec {
            name: r.name.trim_end_matches('.').to_string(),
            rtype: r.rtype.clone(),
            ttl: r.ttl.map(|t| t.as_secs() as i64),
            values: r.values.clone(),
            set_identifier: r.set_identifier.clone(),
            failover: r.failover.map(|f| f.as_str().to_string()),
            weight: r.weight,
            region: r.routing.region.clone(),
            geo_location: r.routing.geo_location.as_ref().map(|g| GeoLocationSpec {
                continent: g.continent_code.clone(),
                country: g.country_code.clone(),
                subdivision: g.subdivision_code.clone(),
            }),
            multi_value: r.routing.multi_value_answer,
            health_check,
            alias: r.alias.as_ref().map(|a| AliasSpec {
                load_balancer: None,
                distribution: None,
                dns_name: Some(a.dns_name.clone()),
                zone_id: Some(a.hosted_zone_id.clone()),
                evaluate_target_health: a.evaluate_target_health,
            }),
        }
    }

    fn zone(&mut self, zone_name: &str) {
        let records: Vec<RecordSet> = self.obs.site_records().into_iter().cloned().collect();
        if records.is_empty() {
            self.note(format!(
                "no record {} {} was read; the copy's zone is empty",
                self.obs.record_name, self.obs.record_type
            ));
        }
        let mut specs: Vec<RecordSpec> = records.iter().map(|r| self.record(r)).collect();
        // The records of the zone the site's records lead to (the chain through the zone).
        let linked: Vec<RecordSet> = self
            .obs
            .linked
            .records
            .values()
            .filter_map(|f| f.get())
            .flatten()
            .cloned()
            .collect();
        specs.extend(linked.iter().map(|r| self.record(r)));
        self.s.hosted_zones.push(ZoneSpec {
            id: self.obs.zone_id.clone(),
            name: zone_name.trim_end_matches('.').to_string(),
            private: false,
            vpcs: Vec::new(),
            comment: None,
            records: specs,
        });
    }

    /// The instances and endpoints behind the primary: the primary record's (or the plain
    /// record's) load balancers and their app target groups, its health check's endpoint,
    /// alarm instance and children.
    fn primary(&self) -> PrimaryParts {
        let record = match self.obs.layout() {
            RecordLayout::Failover { primary, .. } => primary.cloned(),
            RecordLayout::Plain(r) => Some(r.clone()),
            _ => None,
        };
        let mut parts = PrimaryParts::default();
        let Some(record) = record else {
            return parts;
        };
        let sorry: BTreeSet<&str> = self
            .obs
            .sorry_target_groups
            .iter()
            .map(String::as_str)
            .collect();
        let mut hosts: Vec<String> = record.values.clone();
        if let Some(a) = &record.alias {
            hosts.push(a.dns_name.clone());
        }
        // Health checks of the record, with their children.
        let mut checks: Vec<String> = record.health_check_id.iter().cloned().collect();
        let mut i = 0;
        while let Some(id) = checks.get(i).cloned() {
            i += 1;
            if let Some(hc) = self.obs.health_checks.get(&id).and_then(|h| h.config.get()) {
                hosts.extend(hc.target.ip_address.clone());
                hosts.extend(hc.target.fqdn.clone());
                checks.extend(hc.children.iter().cloned());
                if let Some(a) = &hc.alarm
                    && let Some(spec) = self.s.alarms.iter().find(|x| x.name == a.name)
                    && let Some(id) = spec.dimensions.get("InstanceId")
                {
                    parts.instances.push(id.clone());
                }
            }
        }
        let add = |parts: &mut PrimaryParts, key: &str, b: Behaviour| {
            if !parts.behaviours.iter().any(|(k, _)| k == key) {
                parts.behaviours.push((key.to_string(), b));
            }
        };
        for host in &hosts {
            let h = normalize_dns_name(host);
            if let Some(o) = self.origins.values().find(|o| {
                o.ip.as_deref() == Some(host.as_str())
                    || o.fqdn.as_deref().map(normalize_dns_name).as_deref() == Some(h.as_str())
            }) {
                add(&mut parts, &o.name, o.behaviour);
            }
            let Some(lb) = self
                .s
                .load_balancers
                .iter()
                .find(|l| l.dns_name.as_deref().map(normalize_dns_name).as_deref() == Some(&h))
            else {
                continue;
            };
            for l in &lb.listeners {
                let forwards = std::iter::once(&l.default_action)
                    .chain(l.rules.iter().map(|r| &r.action))
                    .filter_map(|a| a.forward.clone());
                for tg_name in forwards {
                    let Some(tg) = self.s.target_groups.iter().find(|t| t.name == tg_name) else {
                        continue;
                    };
                    if tg.arn.as_deref().is_some_and(|a| sorry.contains(a)) {
                        continue;
                    }
                    for t in &tg.targets {
                        if tg.target_type == "instance" {
                            parts.instances.push(t.id.clone());
                        } else if let Some(o) = self.origins.get(&t.id) {
                            add(&mut parts, &o.name, o.behaviour);
                        }
                    }
                }
            }
        }
        let mut seen = BTreeSet::new();
        parts.instances.retain(|i| seen.insert(i.clone()));
        for id in parts.instances.clone() {
            if let Some(i) = self.instances.get(&id) {
                add(&mut parts, &id, i.app);
                if i.state == InstanceState::Running {
                    parts.running.push(id);
                }
            }
        }
        parts
    }
}

/// The region an ARN names, for a resource of the copy (the copy keeps each in its region).
fn region_of(arn: &str) -> Option<String> {
    crate::model::chain::region_of_arn(arn).map(str::to_string)
}
