//! Test fixtures: the setups of DESIGN.md as small builders, so that a test reads like a
//! sentence: `Fx::alb_cloudfront().checkers(0, 8).dns_answers(Served::Secondary)`.

#![allow(dead_code)]

use std::time::Duration;

use time::OffsetDateTime;
use time::macros::datetime;

use super::cloudfront::{Distribution, DistributionStatus, ErrorResponse, Invalidation, Origin};
use super::cloudwatch::{Alarm, AlarmState};
use super::elb::{
    Listener, ListenerAction, LoadBalancer, LoadBalancerKind, TargetGroup, TargetGroupHealthCheck,
    TargetHealth, TargetState,
};
use super::error::{AwsError, ErrorKind};
use super::maintenance::{MaintenanceMarker, MaintenancePhase};
use super::obs::Fetched;
use super::route53::{
    AlarmRef, AliasTarget, CLOUDFRONT_HOSTED_ZONE_ID, ChangeStatus, CheckerObservation, DnsAnswer,
    Failover, HealthCheck, HealthCheckKind, HealthCheckStatus, HealthCheckTarget,
    InsufficientDataHealth, PendingChange, RecordSet, normalize_dns_name,
};
use super::site::{AlarmObservations, DistributionObservations, SiteObservations};
use super::verdict::{Served, Verdict, verdict};

/// The instant every fixture is judged at.
pub const NOW: OffsetDateTime = datetime!(2026-03-14 02:00:00 UTC);
/// The staleness limit every fixture is judged with.
pub const STALE: Duration = Duration::from_secs(120);
/// How old fixture data is unless a test says otherwise.
pub const FRESH: u64 = 10;

pub const ZONE: &str = "Z0123456789ABCDEFGHIJ";
pub const NAME: &str = "www.example.com.";
pub const PRIMARY_HC: &str = "3f1c9a2e-5b7d-4c1e-9f0a-1234567890ab";
pub const SECONDARY_HC: &str = "7a2b4c6d-0000-4000-8000-0000000000ff";
pub const ALB_ARN: &str =
    "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/app-alb/50dc6c495c0c9188";
pub const ALB_DNS: &str = "app-alb-1234567890.eu-west-1.elb.amazonaws.com";
pub const ALB_IPS: [&str; 2] = ["198.51.100.10", "198.51.100.11"];
pub const NLB_ARN: &str =
    "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/app-nlb/73e2d6bc24d8a067";
pub const NLB_DNS: &str = "app-nlb-73e2d6bc24d8a067.elb.eu-west-1.amazonaws.com";
pub const NLB_IPS: [&str; 1] = ["198.51.100.20"];
pub const ALB_LISTENER: &str = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/app/app-alb/50dc6c495c0c9188/f2f7dc8efc522ab2";
pub const NLB_LISTENER: &str = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/net/app-nlb/73e2d6bc24d8a067/0467ef3c8400ae65";
pub const APP_TG: &str =
    "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/app-tg/6d0ecf831eec9f09";
pub const SORRY_TG: &str =
    "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/sorry-tg/943f017f100becff";
pub const CF_ID: &str = "E2QWRUHAPOMQZL";
pub const CF_DNS: &str = "d111111abcdef8.cloudfront.net";
pub const CF_IPS: [&str; 2] = ["13.224.0.1", "13.224.0.2"];
pub const INSTANCE_IP: &str = "203.0.113.10";
pub const ALARM: &str = "app-1-StatusCheckFailed";
pub const NODE_A: &str = "192.0.2.11";
pub const NODE_B: &str = "192.0.2.12";
pub const OPERATOR: &str = "arn:aws:sts::111122223333:assumed-role/ops/alice";

/// `secs` seconds before [`NOW`].
pub fn ago(secs: u64) -> OffsetDateTime {
    NOW - Duration::from_secs(secs)
}

fn ok<T>(value: T) -> Fetched<T> {
    Fetched::ok(value, ago(FRESH))
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| s.to_string()).collect()
}

fn alias_record(failover: Option<Failover>, zone: &str, dns: &str, eth: bool) -> RecordSet {
    RecordSet {
        name: NAME.into(),
        rtype: "A".into(),
        set_identifier: failover.map(|f| f.as_str().to_lowercase()),
        failover,
        weight: None,
        ttl: None,
        values: Vec::new(),
        alias: Some(AliasTarget {
            hosted_zone_id: zone.into(),
            dns_name: dns.into(),
            evaluate_target_health: eth,
        }),
        health_check_id: None,
    }
}

fn value_record(failover: Option<Failover>, values: &[&str]) -> RecordSet {
    RecordSet {
        name: NAME.into(),
        rtype: "A".into(),
        set_identifier: failover.map(|f| f.as_str().to_lowercase()),
        failover,
        weight: None,
        ttl: Some(Duration::from_secs(60)),
        values: strings(values),
        alias: None,
        health_check_id: None,
    }
}

pub fn endpoint_check(id: &str, name: &str) -> HealthCheck {
    HealthCheck {
        id: id.into(),
        name: Some(name.into()),
        kind: HealthCheckKind::Https,
        target: HealthCheckTarget {
            ip_address: None,
            fqdn: Some("origin.example.com".into()),
            port: Some(443),
            resource_path: Some("/health".into()),
            search_string: None,
        },
        request_interval: Duration::from_secs(30),
        failure_threshold: 3,
        inverted: false,
        disabled: false,
        regions: strings(&[
            "us-east-1",
            "us-west-1",
            "us-west-2",
            "eu-west-1",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-northeast-1",
            "sa-east-1",
        ]),
        alarm: None,
        insufficient_data: None,
        children: Vec::new(),
        health_threshold: None,
        version: 1,
        tags: [("Name".to_string(), name.to_string())]
            .into_iter()
            .collect(),
    }
}

/// `success` of `total` checkers report success; the others see `failure`.
pub fn observations(success: usize, total: usize, failure: &str) -> Vec<CheckerObservation> {
    (0..total)
        .map(|i| CheckerObservation {
            region: format!("region-{i}"),
            ip: format!("15.177.{i}.10"),
            status: if i < success {
                "Success: HTTP Status Code 200, OK".to_string()
            } else {
                failure.to_string()
            },
            checked_at: Some(ago(FRESH + 5)),
        })
        .collect()
}

pub const HTTP_503: &str = "Failure: HTTP Status Code 503, Service Unavailable";

fn load_balancer(arn: &str, name: &str, kind: LoadBalancerKind, dns: &str) -> LoadBalancer {
    LoadBalancer {
        arn: arn.into(),
        name: name.into(),
        kind,
        dns_name: dns.into(),
        canonical_zone_id: "Z32O12XQLNTSW2".into(),
        scheme: "internet-facing".into(),
        state: "active".into(),
    }
}

fn target_group(arn: &str, name: &str, lbs: &[&str], target_type: &str) -> TargetGroup {
    TargetGroup {
        arn: arn.into(),
        name: name.into(),
        protocol: Some("HTTP".into()),
        port: Some(80),
        target_type: target_type.into(),
        health_check: TargetGroupHealthCheck {
            enabled: true,
            protocol: Some("HTTP".into()),
            path: Some("/health".into()),
            port: Some("traffic-port".into()),
            interval: Duration::from_secs(30),
            timeout: Duration::from_secs(5),
            healthy_threshold: 5,
            unhealthy_threshold: 2,
            matcher: Some("200".into()),
        },
        load_balancer_arns: strings(lbs),
        dns_failover_minimum_healthy_targets: None,
    }
}

/// A target in an AZ with a state and reason.
pub fn target(id: &str, az: &str, state: TargetState, reason: Option<&str>) -> TargetHealth {
    TargetHealth {
        id: id.into(),
        port: Some(80),
        az: Some(az.into()),
        state,
        reason: reason.map(str::to_string),
        description: None,
    }
}

fn healthy(id: &str, az: &str) -> TargetHealth {
    target(id, az, TargetState::Healthy, None)
}

fn distribution() -> DistributionObservations {
    DistributionObservations {
        id: CF_ID.into(),
        distribution: ok(Distribution {
            id: CF_ID.into(),
            arn: format!("arn:aws:cloudfront::111122223333:distribution/{CF_ID}"),
            domain_name: CF_DNS.into(),
            status: DistributionStatus::Deployed,
            enabled: true,
            aliases: strings(&["www.example.com"]),
            origins: vec![Origin {
                id: "sorry-bucket".into(),
                domain_name: "sorry-bucket.s3.eu-west-1.amazonaws.com".into(),
            }],
            error_responses: vec![ErrorResponse {
                error_code: 403,
                page: Some("/maintenance.html".into()),
                response_code: Some(503),
                min_ttl: Some(Duration::from_secs(10)),
            }],
            etag: Some("E2QWRUHEXAMPLE".into()),
            last_modified: Some(ago(86_400)),
            comment: "sorry page".into(),
        }),
        invalidations: ok(Vec::new()),
    }
}

/// A site under construction.
#[derive(Clone, Debug)]
pub struct Fx(pub SiteObservations);

impl Fx {
    fn base() -> Fx {
        let mut site = SiteObservations::new("www", ZONE, NAME, "A");
        site.maintenance = ok(None);
        Fx(site)
    }

    fn with_alb(mut self, eth_targets: bool) -> Fx {
        let s = &mut self.0;
        s.load_balancers = ok(vec![load_balancer(
            ALB_ARN,
            "app-alb",
            LoadBalancerKind::Application,
            ALB_DNS,
        )]);
        s.target_groups = ok(vec![target_group(APP_TG, "app-tg", &[ALB_ARN], "instance")]);
        let targets = if eth_targets {
            vec![
                healthy("i-0aaa0000000000001", "eu-west-1a"),
                healthy("i-0aaa0000000000002", "eu-west-1a"),
                healthy("i-0bbb0000000000003", "eu-west-1b"),
                healthy("i-0bbb0000000000004", "eu-west-1b"),
            ]
        } else {
            vec![
                healthy("i-0aaa0000000000001", "eu-west-1a"),
                healthy("i-0bbb0000000000002", "eu-west-1b"),
            ]
        };
        s.target_health.insert(APP_TG.into(), ok(targets));
        s.listeners.insert(
            ALB_ARN.into(),
            ok(vec![Listener {
                arn: ALB_LISTENER.into(),
                lb_arn: ALB_ARN.into(),
                port: 443,
                protocol: "HTTPS".into(),
                default_actions: vec![ListenerAction::forward_to(APP_TG)],
            }]),
        );
        s.alias_addresses
            .insert(normalize_dns_name(ALB_DNS), ok(strings(&ALB_IPS)));
        self
    }

    fn with_cloudfront_secondary(mut self) -> Fx {
        let s = &mut self.0;
        s.distribution = Some(distribution());
        s.alias_addresses
            .insert(normalize_dns_name(CF_DNS), ok(strings(&CF_IPS)));
        self
    }

    fn records(mut self, records: Vec<RecordSet>) -> Fx {
        self.0.records = ok(records);
        self
    }

    /// Setup 1: PRIMARY alias to an ALB with a Route 53 HTTPS health check on the origin,
    /// SECONDARY alias to the CloudFront sorry page. All healthy, DNS answers the primary.
    pub fn alb_cloudfront() -> Fx {
        let mut primary = alias_record(
            Some(Failover::Primary),
            "Z32O12XQLNTSW2",
            &format!("dualstack.{ALB_DNS}."),
            false,
        );
        primary.health_check_id = Some(PRIMARY_HC.into());
        let secondary = alias_record(
            Some(Failover::Secondary),
            CLOUDFRONT_HOSTED_ZONE_ID,
            &format!("{CF_DNS}."),
            false,
        );
        Fx::base()
            .with_alb(false)
            .with_cloudfront_secondary()
            .records(vec![primary, secondary])
            .health_check(endpoint_check(PRIMARY_HC, "www-primary"))
            .checkers(8, 8)
            .dns_answers(Served::Primary)
    }

    /// Setup 1 with Evaluate Target Health on the ALB alias instead of a health check.
    pub fn alb_cloudfront_eth() -> Fx {
        let primary = alias_record(
            Some(Failover::Primary),
            "Z32O12XQLNTSW2",
            &format!("dualstack.{ALB_DNS}."),
            true,
        );
        let secondary = alias_record(
            Some(Failover::Secondary),
            CLOUDFRONT_HOSTED_ZONE_ID,
            &format!("{CF_DNS}."),
            false,
        );
        Fx::base()
            .with_alb(false)
            .with_cloudfront_secondary()
            .records(vec![primary, secondary])
            .dns_answers(Served::Primary)
    }

    /// Setup 2: PRIMARY A record of one instance with a CLOUDWATCH_METRIC health check on its
    /// StatusCheckFailed alarm (INSUFFICIENT_DATA counts as unhealthy), SECONDARY CloudFront.
    pub fn cloudwatch_metric() -> Fx {
        let mut primary = value_record(Some(Failover::Primary), &[INSTANCE_IP]);
        primary.health_check_id = Some(PRIMARY_HC.into());
        let secondary = alias_record(
            Some(Failover::Secondary),
            CLOUDFRONT_HOSTED_ZONE_ID,
            &format!("{CF_DNS}."),
            false,
        );
        let mut hc = endpoint_check(PRIMARY_HC, "app-1-status");
        hc.kind = HealthCheckKind::CloudWatchMetric;
        hc.target = HealthCheckTarget::default();
        hc.regions = Vec::new();
        hc.alarm = Some(AlarmRef {
            region: "eu-west-1".into(),
            name: ALARM.into(),
        });
        hc.insufficient_data = Some(InsufficientDataHealth::Unhealthy);
        let mut fx = Fx::base()
            .with_cloudfront_secondary()
            .records(vec![primary, secondary])
            .health_check(hc)
            .dns_answers(Served::Primary);
        fx.0.alarms.push(AlarmObservations {
            alarm_ref: AlarmRef {
                region: "eu-west-1".into(),
                name: ALARM.into(),
            },
            alarm: ok(Alarm {
                name: ALARM.into(),
                region: "eu-west-1".into(),
                arn: format!("arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{ALARM}"),
                state: AlarmState::Ok,
                reason: String::new(),
                state_updated: Some(ago(3600)),
                actions_enabled: true,
                namespace: Some("AWS/EC2".into()),
                metric: Some("StatusCheckFailed".into()),
                dimensions: vec![("InstanceId".into(), "i-0aaa0000000000001".into())],
                statistic: Some("Maximum".into()),
                period: Duration::from_secs(60),
                evaluation_periods: 2,
                datapoints_to_alarm: Some(2),
                threshold: Some(1.0),
                comparison: "GreaterThanOrEqualToThreshold".into(),
                treat_missing_data: Some("missing".into()),
            }),
            series: ok(Vec::new()),
        });
        fx
    }

    /// Setup 3: PRIMARY alias with Evaluate Target Health to an ALB whose target group has two
    /// targets in each of two AZs; SECONDARY CloudFront.
    pub fn alb_two_azs() -> Fx {
        let primary = alias_record(
            Some(Failover::Primary),
            "Z32O12XQLNTSW2",
            &format!("dualstack.{ALB_DNS}."),
            true,
        );
        let secondary = alias_record(
            Some(Failover::Secondary),
            CLOUDFRONT_HOSTED_ZONE_ID,
            &format!("{CF_DNS}."),
            false,
        );
        Fx::base()
            .with_alb(true)
            .with_cloudfront_secondary()
            .records(vec![primary, secondary])
            .dns_answers(Served::Primary)
    }

    /// Setup 4: a plain alias to an NLB whose listener forwards to the app's target group; the
    /// sorry target group (an ALB answering a fixed-response page) waits unused.
    pub fn nlb_listener() -> Fx {
        let record = alias_record(None, "Z2IFOLAFXWLO4F", &format!("{NLB_DNS}."), false);
        let mut fx = Fx::base().records(vec![record]);
        let s = &mut fx.0;
        s.sorry_target_groups = vec![SORRY_TG.into()];
        s.load_balancers = ok(vec![load_balancer(
            NLB_ARN,
            "app-nlb",
            LoadBalancerKind::Network,
            NLB_DNS,
        )]);
        s.target_groups = ok(vec![
            target_group(APP_TG, "app-tg", &[NLB_ARN], "instance"),
            target_group(SORRY_TG, "sorry-tg", &[], "alb"),
        ]);
        s.target_health.insert(
            APP_TG.into(),
            ok(vec![
                healthy("i-0aaa0000000000001", "eu-west-1a"),
                healthy("i-0bbb0000000000002", "eu-west-1b"),
            ]),
        );
        s.target_health.insert(
            SORRY_TG.into(),
            ok(vec![target(
                "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/sorry-alb/1",
                "eu-west-1a",
                TargetState::Unused,
                Some("Target.NotInUse"),
            )]),
        );
        s.listeners.insert(
            NLB_ARN.into(),
            ok(vec![Listener {
                arn: NLB_LISTENER.into(),
                lb_arn: NLB_ARN.into(),
                port: 443,
                protocol: "TCP".into(),
                default_actions: vec![ListenerAction::forward_to(APP_TG)],
            }]),
        );
        s.alias_addresses
            .insert(normalize_dns_name(NLB_DNS), ok(strings(&NLB_IPS)));
        fx.dns_answers_values(&NLB_IPS)
    }

    /// Setup 6: a plain A record that an HA cluster moves between two nodes; node A is active.
    pub fn dns_name_control() -> Fx {
        Fx::base()
            .records(vec![value_record(None, &[NODE_A])])
            .dns_answers_values(&[NODE_A])
    }

    // ----- Route 53 -----

    /// Adds (or replaces) a health check's configuration.
    pub fn health_check(mut self, hc: HealthCheck) -> Fx {
        let id = hc.id.clone();
        self.0.health_checks.entry(id).or_default().config = ok(hc);
        self
    }

    fn edit_check(mut self, id: &str, f: impl FnOnce(&mut HealthCheck)) -> Fx {
        if let Some(hc) = self
            .0
            .health_checks
            .get_mut(id)
            .and_then(|o| o.config.value.as_mut())
        {
            f(hc);
        }
        self
    }

    /// `success` of `total` checkers of the primary's health check report success (HTTP 503
    /// for the others).
    pub fn checkers(self, success: usize, total: usize) -> Fx {
        self.checkers_of(PRIMARY_HC, success, total)
    }

    /// Like [`Fx::checkers`] for any health check.
    pub fn checkers_of(mut self, id: &str, success: usize, total: usize) -> Fx {
        self.0.health_checks.entry(id.into()).or_default().status =
            ok(HealthCheckStatus::Checkers {
                observations: observations(success, total, HTTP_503),
            });
        self
    }

    /// The primary's health check is disabled.
    pub fn primary_check_disabled(self) -> Fx {
        self.edit_check(PRIMARY_HC, |hc| hc.disabled = true)
    }

    /// The primary's health check is inverted.
    pub fn primary_check_inverted(self) -> Fx {
        self.edit_check(PRIMARY_HC, |hc| hc.inverted = true)
    }

    /// The secondary gets an HTTPS health check with `success` of `total` checkers succeeding.
    pub fn secondary_check(mut self, success: usize, total: usize) -> Fx {
        if let Some(records) = self.0.records.value.as_mut() {
            for r in records.iter_mut() {
                if r.failover == Some(Failover::Secondary) {
                    r.health_check_id = Some(SECONDARY_HC.into());
                }
            }
        }
        self.health_check(endpoint_check(SECONDARY_HC, "www-sorry"))
            .checkers_of(SECONDARY_HC, success, total)
    }

    /// Route 53 answers with the addresses of this record.
    pub fn dns_answers(self, served: Served) -> Fx {
        match served {
            Served::Primary if self.0.primary().is_some_and(|r| r.alias.is_none()) => {
                let values = self
                    .0
                    .primary()
                    .map(|r| r.values.clone())
                    .unwrap_or_default();
                let values: Vec<&str> = values.iter().map(String::as_str).collect();
                let answered = self.clone();
                answered.dns_answers_values(&values)
            }
            Served::Primary => self.dns_answers_values(&ALB_IPS),
            Served::Secondary => self.dns_answers_values(&CF_IPS),
            _ => self.no_dns_answer(),
        }
    }

    /// Route 53 answers these values.
    pub fn dns_answers_values(mut self, values: &[&str]) -> Fx {
        self.0.dns_answer = ok(DnsAnswer {
            record_name: NAME.into(),
            record_type: "A".into(),
            values: strings(values),
            response_code: "NOERROR".into(),
        });
        self
    }

    /// No DNS answer was fetched.
    pub fn no_dns_answer(mut self) -> Fx {
        self.0.dns_answer = Fetched::default();
        self
    }

    /// A Route 53 change submitted `secs` ago is still PENDING.
    pub fn pending_change(mut self, secs: u64) -> Fx {
        self.0.changes.insert(
            "C2682N5HXP0BZ4".into(),
            ok(PendingChange {
                id: "C2682N5HXP0BZ4".into(),
                status: ChangeStatus::Pending,
                submitted_at: ago(secs),
            }),
        );
        self
    }

    /// The change is INSYNC.
    pub fn change_insync(mut self, secs: u64) -> Fx {
        self.0.changes.insert(
            "C2682N5HXP0BZ4".into(),
            ok(PendingChange {
                id: "C2682N5HXP0BZ4".into(),
                status: ChangeStatus::Insync,
                submitted_at: ago(secs),
            }),
        );
        self
    }

    /// The plain record now holds these values (the answer is unchanged).
    pub fn plain_record_values(mut self, values: &[&str]) -> Fx {
        if let Some(records) = self.0.records.value.as_mut() {
            for r in records.iter_mut() {
                r.values = strings(values);
            }
        }
        self
    }

    // ----- CloudWatch -----

    /// The alarm is in `state`.
    pub fn alarm(mut self, state: AlarmState) -> Fx {
        for a in &mut self.0.alarms {
            if let Some(alarm) = a.alarm.value.as_mut() {
                alarm.state = state;
                alarm.reason = match state {
                    AlarmState::Alarm => "Threshold Crossed: 2 datapoints [1.0, 1.0] were greater \
                                          than or equal to the threshold (1.0)."
                        .into(),
                    AlarmState::InsufficientData => {
                        "Insufficient Data: 2 datapoints were unknown.".into()
                    }
                    AlarmState::Ok => String::new(),
                };
            }
        }
        self
    }

    /// Adds an alarm not bound to any health check (5xx of the ALB's targets) in `state`.
    pub fn extra_alarm(mut self, state: AlarmState) -> Fx {
        let name = "app-alb-target-5xx";
        self.0.alarms.push(AlarmObservations {
            alarm_ref: AlarmRef {
                region: "eu-west-1".into(),
                name: name.into(),
            },
            alarm: ok(Alarm {
                name: name.into(),
                region: "eu-west-1".into(),
                arn: format!("arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{name}"),
                state,
                reason: match state {
                    AlarmState::Alarm => "Threshold Crossed: 1 datapoint [57.0] was greater than \
                                          the threshold (10.0)."
                        .into(),
                    _ => String::new(),
                },
                state_updated: Some(ago(120)),
                actions_enabled: true,
                namespace: Some("AWS/ApplicationELB".into()),
                metric: Some("HTTPCode_Target_5XX_Count".into()),
                dimensions: vec![("LoadBalancer".into(), "app/app-alb/50dc6c495c0c9188".into())],
                statistic: Some("Sum".into()),
                period: Duration::from_secs(60),
                evaluation_periods: 1,
                datapoints_to_alarm: None,
                threshold: Some(10.0),
                comparison: "GreaterThanThreshold".into(),
                treat_missing_data: Some("notBreaching".into()),
            }),
            series: ok(Vec::new()),
        });
        self
    }

    /// What the CLOUDWATCH_METRIC check makes of INSUFFICIENT_DATA.
    pub fn insufficient_data_is(self, h: InsufficientDataHealth) -> Fx {
        self.edit_check(PRIMARY_HC, |hc| hc.insufficient_data = Some(h))
    }

    // ----- ELB -----

    /// Sets the target health of the app's target group.
    pub fn app_targets(mut self, targets: Vec<TargetHealth>) -> Fx {
        self.0.target_health.insert(APP_TG.into(), ok(targets));
        self
    }

    /// Sets the target health of the sorry target group.
    pub fn sorry_targets(mut self, targets: Vec<TargetHealth>) -> Fx {
        self.0.target_health.insert(SORRY_TG.into(), ok(targets));
        self
    }

    /// Every app target is in `state` with `reason`.
    pub fn all_app_targets(mut self, state: TargetState, reason: Option<&str>) -> Fx {
        if let Some(ts) = self
            .0
            .target_health
            .get_mut(APP_TG)
            .and_then(|f| f.value.as_mut())
        {
            for t in ts.iter_mut() {
                t.state = state.clone();
                t.reason = reason.map(str::to_string);
            }
        }
        self
    }

    /// The targets in `az` are in `state` with `reason`.
    pub fn az_targets(mut self, az: &str, state: TargetState, reason: Option<&str>) -> Fx {
        if let Some(ts) = self
            .0
            .target_health
            .get_mut(APP_TG)
            .and_then(|f| f.value.as_mut())
        {
            for t in ts.iter_mut().filter(|t| t.az.as_deref() == Some(az)) {
                t.state = state.clone();
                t.reason = reason.map(str::to_string);
            }
        }
        self
    }

    /// The NLB listener forwards to the sorry target group (whose target is then healthy).
    pub fn listener_forwards_to_sorry(mut self) -> Fx {
        self.set_listener_action(NLB_ARN, ListenerAction::forward_to(SORRY_TG));
        if let Some(ts) = self
            .0
            .target_health
            .get_mut(SORRY_TG)
            .and_then(|f| f.value.as_mut())
        {
            for t in ts.iter_mut() {
                t.state = TargetState::Healthy;
                t.reason = None;
            }
        }
        self
    }

    /// The ALB listener answers a fixed response.
    pub fn alb_listener_fixed_response(mut self, code: &str) -> Fx {
        self.set_listener_action(
            ALB_ARN,
            ListenerAction::fixed(
                code,
                Some("text/html".into()),
                Some("<h1>Back soon</h1>".into()),
            ),
        );
        self
    }

    fn set_listener_action(&mut self, lb: &str, action: ListenerAction) {
        if let Some(ls) = self.0.listeners.get_mut(lb).and_then(|f| f.value.as_mut()) {
            for l in ls.iter_mut() {
                l.default_actions = vec![action.clone()];
            }
        }
    }

    /// The app target group needs `n` healthy targets for DNS failover.
    pub fn dns_failover_minimum(mut self, n: u32) -> Fx {
        if let Some(tgs) = self.0.target_groups.value.as_mut() {
            for tg in tgs.iter_mut().filter(|tg| tg.arn == APP_TG) {
                tg.dns_failover_minimum_healthy_targets = Some(n);
            }
        }
        self
    }

    // ----- CloudFront -----

    /// The distribution is in `status`.
    pub fn distribution_status(mut self, status: DistributionStatus) -> Fx {
        if let Some(d) = self
            .0
            .distribution
            .as_mut()
            .and_then(|d| d.distribution.value.as_mut())
        {
            d.status = status;
        }
        self
    }

    /// The distribution is disabled.
    pub fn distribution_disabled(mut self) -> Fx {
        if let Some(d) = self
            .0
            .distribution
            .as_mut()
            .and_then(|d| d.distribution.value.as_mut())
        {
            d.enabled = false;
        }
        self
    }

    /// The distribution has these invalidations.
    pub fn invalidations(mut self, invs: Vec<Invalidation>) -> Fx {
        if let Some(d) = self.0.distribution.as_mut() {
            d.invalidations = ok(invs);
        }
        self
    }

    // ----- Maintenance -----

    /// switchyard's maintenance marker is in `phase`.
    pub fn marker(mut self, phase: MaintenancePhase) -> Fx {
        self.0.maintenance = ok(Some(MaintenanceMarker {
            by: OPERATOR.into(),
            at: ago(600),
            reason: Some("database upgrade".into()),
            strategies: vec!["dns-failover".into()],
            phase,
            done_steps: if phase == MaintenancePhase::Active {
                2
            } else {
                1
            },
            total_steps: 2,
        }));
        self
    }

    // ----- Freshness -----

    /// Every piece was fetched `secs` ago.
    pub fn all_fetched(mut self, secs: u64) -> Fx {
        let at = Some(ago(secs));
        let s = &mut self.0;
        s.records.fetched_at = at;
        s.dns_answer.fetched_at = s.dns_answer.fetched_at.and(at);
        s.maintenance.fetched_at = at;
        s.load_balancers.fetched_at = s.load_balancers.fetched_at.and(at);
        s.target_groups.fetched_at = s.target_groups.fetched_at.and(at);
        for f in s.alias_addresses.values_mut() {
            f.fetched_at = at;
        }
        for o in s.health_checks.values_mut() {
            o.config.fetched_at = o.config.fetched_at.and(at);
            o.status.fetched_at = o.status.fetched_at.and(at);
        }
        for a in &mut s.alarms {
            a.alarm.fetched_at = at;
        }
        for f in s.listeners.values_mut() {
            f.fetched_at = at;
        }
        for f in s.target_health.values_mut() {
            f.fetched_at = at;
        }
        if let Some(d) = &mut s.distribution {
            d.distribution.fetched_at = at;
        }
        self
    }

    /// The alarm was fetched `secs` ago.
    pub fn alarm_fetched(mut self, secs: u64) -> Fx {
        for a in &mut self.0.alarms {
            a.alarm.fetched_at = Some(ago(secs));
        }
        self
    }

    /// The listeners were fetched `secs` ago.
    pub fn listeners_fetched(mut self, secs: u64) -> Fx {
        for f in self.0.listeners.values_mut() {
            f.fetched_at = Some(ago(secs));
        }
        self
    }

    /// The maintenance marker was never read.
    pub fn marker_never_read(mut self) -> Fx {
        self.0.maintenance = Fetched::default();
        self
    }

    /// The primary health check's status was fetched `secs` ago.
    pub fn status_fetched(mut self, secs: u64) -> Fx {
        if let Some(o) = self.0.health_checks.get_mut(PRIMARY_HC) {
            o.status.fetched_at = Some(ago(secs));
        }
        self
    }

    /// The latest fetch of the primary health check's status failed `secs` ago with `err`
    /// (the last good value stays).
    pub fn status_fetch_failed(mut self, err: AwsError, secs: u64) -> Fx {
        if let Some(o) = self.0.health_checks.get_mut(PRIMARY_HC) {
            o.status.set_failed(err, ago(secs));
        }
        self
    }

    /// The primary health check's status was never fetched successfully.
    pub fn status_never_fetched(mut self) -> Fx {
        if let Some(o) = self.0.health_checks.get_mut(PRIMARY_HC) {
            o.status = Fetched::default();
        }
        self
    }

    /// The target health of the app's target group was never fetched.
    pub fn app_target_health_unknown(mut self) -> Fx {
        self.0
            .target_health
            .insert(APP_TG.into(), Fetched::default());
        self
    }

    /// The secondary's health check status is `secs` old.
    pub fn secondary_status_fetched(mut self, secs: u64) -> Fx {
        if let Some(o) = self.0.health_checks.get_mut(SECONDARY_HC) {
            o.status.fetched_at = Some(ago(secs));
        }
        self
    }

    /// The record sets hold only other names.
    pub fn records_without_site_record(mut self) -> Fx {
        if let Some(records) = self.0.records.value.as_mut() {
            for r in records.iter_mut() {
                r.name = "other.example.com.".into();
            }
        }
        self
    }

    /// The record sets were never fetched.
    pub fn records_never_fetched(mut self) -> Fx {
        self.0.records = Fetched::default();
        self
    }

    /// The addresses of alias targets are not known.
    pub fn alias_addresses_unknown(mut self) -> Fx {
        self.0.alias_addresses.clear();
        self
    }

    /// The verdict at [`NOW`] with [`STALE`].
    pub fn verdict(&self) -> Verdict {
        verdict(&self.0, NOW, STALE)
    }
}

/// An access-denied error on GetHealthCheckStatus.
pub fn denied() -> AwsError {
    AwsError::new(
        ErrorKind::AccessDenied,
        "route53",
        "GetHealthCheckStatus",
        "User: arn:aws:sts::111122223333:assumed-role/ops/alice is not authorized to perform: \
         route53:GetHealthCheckStatus on resource: arn:aws:route53:::healthcheck/3f1c",
    )
    .with_code("AccessDenied")
}

/// A throttling error on GetHealthCheckStatus.
pub fn throttled() -> AwsError {
    AwsError::new(
        ErrorKind::Throttled,
        "route53",
        "GetHealthCheckStatus",
        "Rate exceeded",
    )
    .with_code("Throttling")
}
