//! The verdict on every setup of DESIGN.md in each relevant state, and the gotchas.

use std::time::Duration;

use crate::model::cloudfront::DistributionStatus;
use crate::model::cloudwatch::AlarmState;
use crate::model::elb::TargetState;
use crate::model::fixtures::*;
use crate::model::maintenance::MaintenancePhase::{Active, Entering, Leaving};
use crate::model::route53::InsufficientDataHealth;

use super::{Served, Verdict, VerdictKind};
use VerdictKind::{Degraded, FailedOver, Live, Maintenance, Switching, Unknown};

/// One row of a table: a site in a state, and what the verdict must say.
struct Case {
    name: &'static str,
    site: Fx,
    kind: VerdictKind,
    served: Served,
    says: &'static [&'static str],
}

fn case(
    name: &'static str,
    site: Fx,
    kind: VerdictKind,
    served: Served,
    says: &'static [&'static str],
) -> Case {
    Case {
        name,
        site,
        kind,
        served,
        says,
    }
}

fn show(v: &Verdict) -> String {
    let mut s = format!("{} served={:?}", v.kind.label(), v.served);
    if v.served_inferred {
        s.push_str(" (inferred)");
    }
    for r in &v.reasons {
        s.push_str(&format!("\n      - {r}"));
    }
    s
}

/// Runs every case and reports all mismatches at once.
fn check(cases: Vec<Case>) {
    let mut failures = Vec::new();
    for c in &cases {
        let v = c.site.verdict();
        let mut wrong = Vec::new();
        if v.kind != c.kind {
            wrong.push(format!(
                "kind {} instead of {}",
                v.kind.label(),
                c.kind.label()
            ));
        }
        if v.served != c.served {
            wrong.push(format!("served {:?} instead of {:?}", v.served, c.served));
        }
        for s in c.says {
            if !v.reasons.iter().any(|r| r.contains(s)) {
                wrong.push(format!("no reason says {s:?}"));
            }
        }
        if v.kind != Switching && v.eta.is_some() {
            wrong.push("an ETA outside SWITCHING".into());
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{}: {}\n    got {}",
                c.name,
                wrong.join("; "),
                show(&v)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn alb_with_cloudfront_sorry_page_and_a_health_check() {
    use Served::{Primary, Secondary};
    check(vec![
        case(
            "every checker succeeds: live",
            Fx::alb_cloudfront(),
            Live,
            Primary,
            &[
                "Route 53 answers the primary",
                "8 of 8 checkers report success",
            ],
        ),
        case(
            "no checker succeeds and DNS answers the sorry page: failed over",
            Fx::alb_cloudfront().checkers(0, 8).dns_answers(Secondary),
            FailedOver,
            Secondary,
            &[
                "Route 53 answers the secondary, the sorry page",
                "primary health check www-primary (3f1c9a2e…) unhealthy: 0 of 8 checkers report \
                 success (HTTP 503)",
            ],
        ),
        case(
            "no checker succeeds but DNS still answers the primary: failover under way",
            Fx::alb_cloudfront().checkers(0, 8),
            Switching,
            Primary,
            &["Route 53 still answers the primary, but the primary is unhealthy"],
        ),
        case(
            "no checker succeeds and no DNS answer: failed over, inferred",
            Fx::alb_cloudfront().checkers(0, 8).no_dns_answer(),
            FailedOver,
            Secondary,
            &[
                "inferred from health (no usable DNS answer)",
                "0 of 8 checkers",
            ],
        ),
        case(
            "checkers succeed again but DNS still answers the sorry page: fail back under way",
            Fx::alb_cloudfront().dns_answers(Secondary),
            Switching,
            Secondary,
            &["Route 53 still answers the secondary, but the primary is healthy again"],
        ),
        case(
            "a checker fails, still above the flip point: degraded",
            Fx::alb_cloudfront().checkers(7, 8),
            Degraded,
            Primary,
            &[
                "1 of 8 checkers report failure (HTTP 503); Route 53 fails over below 2 reporting \
               success",
            ],
        ),
        case(
            "the addresses of the alias targets are unknown: inferred",
            Fx::alb_cloudfront().alias_addresses_unknown(),
            Live,
            Primary,
            &[
                "inferred from health (the addresses of app-alb-1234567890.eu-west-1.elb.amazonaws.com",
            ],
        ),
        case(
            "a Route 53 change is pending",
            Fx::alb_cloudfront().pending_change(20),
            Switching,
            Primary,
            &["Route 53 change C2682N5HXP0BZ4 PENDING for 20 s (usually INSYNC within 60 s)"],
        ),
        case(
            "the sorry page distribution is disabled: failover would serve nothing",
            Fx::alb_cloudfront().distribution_disabled(),
            Degraded,
            Primary,
            &["sorry page distribution E2QWRUHAPOMQZL is disabled"],
        ),
        case(
            "the sorry page distribution is deploying while live",
            Fx::alb_cloudfront().distribution_status(DistributionStatus::InProgress),
            Degraded,
            Primary,
            &["sorry page distribution E2QWRUHAPOMQZL is deploying (InProgress)"],
        ),
        case(
            "failed over to a disabled distribution: say so",
            Fx::alb_cloudfront()
                .checkers(0, 8)
                .dns_answers(Secondary)
                .distribution_disabled(),
            FailedOver,
            Secondary,
            &["is disabled: the sorry page is not served"],
        ),
        case(
            "a healthy secondary health check does not stop failover",
            Fx::alb_cloudfront()
                .checkers(0, 8)
                .secondary_check(8, 8)
                .dns_answers(Secondary),
            FailedOver,
            Secondary,
            &["0 of 8 checkers report success"],
        ),
        case(
            "an alarm in ALARM while the primary is served: degraded",
            Fx::alb_cloudfront().extra_alarm(AlarmState::Alarm),
            Degraded,
            Primary,
            &["alarm app-alb-target-5xx in ALARM: Threshold Crossed: 1 datapoint [57.0]"],
        ),
        case(
            "an alarm with INSUFFICIENT_DATA while the primary is served: degraded",
            Fx::alb_cloudfront().extra_alarm(AlarmState::InsufficientData),
            Degraded,
            Primary,
            &["alarm app-alb-target-5xx has INSUFFICIENT_DATA"],
        ),
        case(
            "an alarm in ALARM after failover is a reason too",
            Fx::alb_cloudfront()
                .checkers(0, 8)
                .dns_answers(Secondary)
                .extra_alarm(AlarmState::Alarm),
            FailedOver,
            Secondary,
            &["alarm app-alb-target-5xx in ALARM"],
        ),
        case(
            "the ALB answers its usual fixed 404 by default: not a sorry page",
            Fx::alb_cloudfront().alb_listener_fixed_response("404"),
            Live,
            Primary,
            &[],
        ),
    ]);
}

#[test]
fn maintenance_forced_by_switchyard() {
    use Served::{Plain, Primary, Secondary};
    check(vec![
        case(
            "marker active, health check inverted, DNS answers the sorry page",
            Fx::alb_cloudfront()
                .marker(Active)
                .primary_check_inverted()
                .dns_answers(Secondary),
            Maintenance,
            Secondary,
            &[
                "maintenance forced by arn:aws:sts::111122223333:assumed-role/ops/alice 10 min \
                 ago: database upgrade",
                "Route 53 answers the secondary",
            ],
        ),
        case(
            "marker entering, DNS still answers the primary",
            Fx::alb_cloudfront()
                .marker(Entering)
                .primary_check_inverted(),
            Switching,
            Primary,
            &["maintenance being entered by", "(step 1 of 2)"],
        ),
        case(
            "marker leaving, DNS still answers the sorry page",
            Fx::alb_cloudfront().marker(Leaving).dns_answers(Secondary),
            Switching,
            Secondary,
            &["failing back by"],
        ),
        case(
            "marker active but the app is served",
            Fx::alb_cloudfront().marker(Active),
            Degraded,
            Primary,
            &["the maintenance marker says maintenance is active, but the chain serves the app"],
        ),
        case(
            "marker active and the ALB answers a fixed 503",
            Fx::alb_cloudfront()
                .marker(Active)
                .alb_listener_fixed_response("503"),
            Maintenance,
            Primary,
            &[
                "listener HTTPS 443 of ALB app-alb serves the sorry page: fixed-response 503 (text/html)",
            ],
        ),
        case(
            "marker active and the ALB answers its usual 404: not maintenance",
            Fx::alb_cloudfront()
                .marker(Active)
                .alb_listener_fixed_response("404"),
            Degraded,
            Primary,
            &["the chain serves the app"],
        ),
        case(
            "the sorry page deploys during maintenance",
            Fx::alb_cloudfront()
                .marker(Active)
                .primary_check_inverted()
                .dns_answers(Secondary)
                .distribution_status(DistributionStatus::InProgress),
            Switching,
            Secondary,
            &["sorry page distribution E2QWRUHAPOMQZL is deploying"],
        ),
        case(
            "inverted check with healthy observations and no marker: forced outside switchyard",
            Fx::alb_cloudfront()
                .primary_check_inverted()
                .dns_answers(Secondary),
            Maintenance,
            Secondary,
            &[
                "failover forced outside switchyard: primary health check www-primary (3f1c9a2e…) \
               is inverted while its checkers succeed",
            ],
        ),
        case(
            "inverted check with healthy observations, DNS still primary: switching",
            Fx::alb_cloudfront().primary_check_inverted(),
            Switching,
            Primary,
            &["the primary is unhealthy, so Route 53 will fail over"],
        ),
        case(
            "the marker cannot be read while the sorry page is served",
            Fx::alb_cloudfront()
                .checkers(0, 8)
                .dns_answers(Secondary)
                .marker_never_read(),
            Unknown,
            Secondary,
            &["maintenance marker: not fetched yet"],
        ),
        case(
            "the marker cannot be read while the app is served: it does not matter",
            Fx::alb_cloudfront().marker_never_read(),
            Live,
            Primary,
            &["maintenance marker: not fetched yet"],
        ),
        case(
            "a plain record under maintenance cannot be checked",
            Fx::dns_name_control().marker(Active),
            Maintenance,
            Plain,
            &["cannot be checked against the sorry page"],
        ),
    ]);
}

#[test]
fn alb_with_evaluate_target_health_only() {
    use Served::{Primary, Secondary};
    check(vec![
        case(
            "every target healthy: live",
            Fx::alb_cloudfront_eth(),
            Live,
            Primary,
            &["target health healthy: ALB app-alb: target group app-tg has 2 of 2 targets healthy"],
        ),
        case(
            "every target unhealthy and DNS answers the sorry page: failed over",
            Fx::alb_cloudfront_eth()
                .all_app_targets(TargetState::Unhealthy, Some("Target.Timeout"))
                .dns_answers(Secondary),
            FailedOver,
            Secondary,
            &[
                "primary target health unhealthy: ALB app-alb: target group app-tg has 0 of 2 targets healthy",
            ],
        ),
        case(
            "every target unhealthy, no DNS answer: failed over, inferred",
            Fx::alb_cloudfront_eth()
                .all_app_targets(TargetState::Unhealthy, Some("Target.Timeout"))
                .no_dns_answer(),
            FailedOver,
            Secondary,
            &["inferred from health"],
        ),
        case(
            "every target unhealthy, DNS still answers the primary: switching",
            Fx::alb_cloudfront_eth()
                .all_app_targets(TargetState::Unhealthy, Some("Target.Timeout")),
            Switching,
            Primary,
            &["Route 53 still answers the primary"],
        ),
        case(
            "one target unhealthy: degraded, Route 53 still answers the primary",
            Fx::alb_cloudfront_eth().az_targets(
                "eu-west-1b",
                TargetState::Unhealthy,
                Some("Target.Timeout"),
            ),
            Degraded,
            Primary,
            &["target i-0bbb0000000000002:80 (eu-west-1b) of app-tg is unhealthy (Target.Timeout)"],
        ),
        case(
            "target health never fetched: unknown",
            Fx::alb_cloudfront_eth().app_target_health_unknown(),
            Unknown,
            Primary,
            &["target health of app-tg: not fetched yet"],
        ),
    ]);
}

#[test]
fn cloudwatch_metric_health_check_on_status_check_failed() {
    use Served::{Primary, Secondary, Unknown as Unsure};
    check(vec![
        case(
            "alarm OK: live",
            Fx::cloudwatch_metric(),
            Live,
            Primary,
            &["health check app-1-status (3f1c9a2e…) healthy: alarm app-1-StatusCheckFailed OK"],
        ),
        case(
            "alarm in ALARM and DNS answers the sorry page: failed over",
            Fx::cloudwatch_metric()
                .alarm(AlarmState::Alarm)
                .dns_answers(Secondary),
            FailedOver,
            Secondary,
            &[
                "primary health check app-1-status (3f1c9a2e…) unhealthy: alarm \
               app-1-StatusCheckFailed in ALARM",
            ],
        ),
        case(
            "alarm in ALARM, DNS still answers the instance: switching",
            Fx::cloudwatch_metric().alarm(AlarmState::Alarm),
            Switching,
            Primary,
            &["Route 53 still answers the primary"],
        ),
        case(
            "stopped instance, INSUFFICIENT_DATA counts as unhealthy: failed over",
            Fx::cloudwatch_metric()
                .alarm(AlarmState::InsufficientData)
                .dns_answers(Secondary),
            FailedOver,
            Secondary,
            &[
                "alarm app-1-StatusCheckFailed has INSUFFICIENT_DATA (a stopped instance sends no \
               StatusCheckFailed data), which this check treats as unhealthy",
            ],
        ),
        case(
            "stopped instance, INSUFFICIENT_DATA counts as healthy: Route 53 keeps the dead instance",
            Fx::cloudwatch_metric()
                .alarm(AlarmState::InsufficientData)
                .insufficient_data_is(InsufficientDataHealth::Healthy),
            Degraded,
            Primary,
            &[
                "alarm app-1-StatusCheckFailed has INSUFFICIENT_DATA (a stopped instance sends no \
               StatusCheckFailed data), which the primary health check treats as healthy: Route \
               53 keeps answering the primary",
            ],
        ),
        case(
            "INSUFFICIENT_DATA with last known status, DNS answers the instance",
            Fx::cloudwatch_metric()
                .alarm(AlarmState::InsufficientData)
                .insufficient_data_is(InsufficientDataHealth::LastKnownStatus),
            Degraded,
            Primary,
            &["has INSUFFICIENT_DATA"],
        ),
        case(
            "INSUFFICIENT_DATA with last known status and no DNS answer: cannot tell",
            Fx::cloudwatch_metric()
                .alarm(AlarmState::InsufficientData)
                .insufficient_data_is(InsufficientDataHealth::LastKnownStatus)
                .no_dns_answer(),
            Unknown,
            Unsure,
            &[
                "cannot tell which record Route 53 answers",
                "keeps its last known status, which switchyard cannot see",
            ],
        ),
        case(
            "the alarm is stale: unknown",
            Fx::cloudwatch_metric().alarm_fetched(600),
            Unknown,
            Primary,
            &["alarm app-1-StatusCheckFailed (eu-west-1): data is 10 min old (stale after 2 min)"],
        ),
    ]);
}

#[test]
fn alb_over_two_azs() {
    use Served::{Primary, Secondary};
    check(vec![
        case(
            "four healthy targets: live",
            Fx::alb_two_azs(),
            Live,
            Primary,
            &["4 of 4 targets healthy"],
        ),
        case(
            "one AZ's targets time out: degraded, both named",
            Fx::alb_two_azs().az_targets(
                "eu-west-1b",
                TargetState::Unhealthy,
                Some("Target.Timeout"),
            ),
            Degraded,
            Primary,
            &[
                "target i-0bbb0000000000003:80 (eu-west-1b) of app-tg is unhealthy (Target.Timeout)",
                "target i-0bbb0000000000004:80 (eu-west-1b) of app-tg is unhealthy (Target.Timeout)",
            ],
        ),
        case(
            "a target drains: degraded",
            Fx::alb_two_azs().app_targets(vec![
                target(
                    "i-0aaa0000000000001",
                    "eu-west-1a",
                    TargetState::Healthy,
                    None,
                ),
                target(
                    "i-0bbb0000000000003",
                    "eu-west-1b",
                    TargetState::Draining,
                    Some("Target.DeregistrationInProgress"),
                ),
            ]),
            Degraded,
            Primary,
            &["is draining (Target.DeregistrationInProgress)"],
        ),
        case(
            "every target unhealthy: failed over",
            Fx::alb_two_azs()
                .all_app_targets(TargetState::Unhealthy, Some("Target.ResponseCodeMismatch"))
                .dns_answers(Secondary),
            FailedOver,
            Secondary,
            &["target group app-tg has 0 of 4 targets healthy"],
        ),
        case(
            "the target group requires 3 healthy targets for DNS failover, 2 are",
            Fx::alb_two_azs()
                .dns_failover_minimum(3)
                .az_targets("eu-west-1b", TargetState::Unhealthy, Some("Target.Timeout"))
                .dns_answers(Secondary),
            FailedOver,
            Secondary,
            &["target group app-tg has 2 of 4 targets healthy"],
        ),
    ]);
}

#[test]
fn nlb_listener_switched_to_a_sorry_target_group() {
    use Served::Plain;
    check(vec![
        case(
            "the listener forwards to the app: live",
            Fx::nlb_listener(),
            Live,
            Plain,
            &["Route 53 answers the plain record"],
        ),
        case(
            "marker active and the listener forwards to the sorry target group",
            Fx::nlb_listener()
                .marker(Active)
                .listener_forwards_to_sorry(),
            Maintenance,
            Plain,
            &["listener TCP 443 of NLB app-nlb serves the sorry page: forward to sorry-tg"],
        ),
        case(
            "marker entering, listener still on the app",
            Fx::nlb_listener().marker(Entering),
            Switching,
            Plain,
            &["maintenance being entered"],
        ),
        case(
            "marker leaving, listener still on the sorry page",
            Fx::nlb_listener()
                .marker(Leaving)
                .listener_forwards_to_sorry(),
            Switching,
            Plain,
            &["failing back"],
        ),
        case(
            "the listener forwards to the sorry page without a marker",
            Fx::nlb_listener().listener_forwards_to_sorry(),
            Maintenance,
            Plain,
            &["without a switchyard maintenance marker: switched outside switchyard"],
        ),
        case(
            "marker active but the listener forwards to the app",
            Fx::nlb_listener().marker(Active),
            Degraded,
            Plain,
            &["the chain serves the app"],
        ),
        case(
            "stopped instances: the NLB fails open",
            Fx::nlb_listener().all_app_targets(TargetState::Unhealthy, Some("Target.InvalidState")),
            Degraded,
            Plain,
            &[
                "all 2 targets of target group app-tg are unhealthy (Target.InvalidState): the NLB \
               app-nlb fails open and routes to all 2 of them",
            ],
        ),
        case(
            "marker active but the listeners are stale: cannot tell",
            Fx::nlb_listener()
                .marker(Active)
                .listener_forwards_to_sorry()
                .listeners_fetched(600),
            Unknown,
            Plain,
            &["listeners of NLB app-nlb: data is 10 min old (stale after 2 min)"],
        ),
        case(
            "no marker and the listeners are stale: the listeners do not decide",
            Fx::nlb_listener().listeners_fetched(600),
            Live,
            Plain,
            &["listeners of NLB app-nlb: data is 10 min old"],
        ),
        case(
            "the sorry target group is empty: maintenance would serve nothing",
            Fx::nlb_listener().sorry_targets(Vec::new()),
            Degraded,
            Plain,
            &["sorry target group sorry-tg has no registered targets"],
        ),
    ]);
}

#[test]
fn dns_name_control_with_a_plain_record() {
    use Served::{Plain, Unknown as Unsure};
    check(vec![
        case(
            "the answer is the record's value: live",
            Fx::dns_name_control(),
            Live,
            Plain,
            &["Route 53 answers the plain record (A 192.0.2.11, TTL 60 s)"],
        ),
        case(
            "the record moved to node B, change pending",
            Fx::dns_name_control()
                .plain_record_values(&[NODE_B])
                .pending_change(10),
            Switching,
            Plain,
            &[
                "PENDING for 10 s",
                "Route 53 answers 192.0.2.11, which matches no current record",
                "the record now holds A 192.0.2.12, TTL 60 s",
            ],
        ),
        case(
            "the record moved to node B and the change is INSYNC, the answer not yet",
            Fx::dns_name_control()
                .plain_record_values(&[NODE_B])
                .change_insync(70),
            Switching,
            Plain,
            &["which matches no current record: a change is propagating"],
        ),
        case(
            "node B answers: live",
            Fx::dns_name_control()
                .plain_record_values(&[NODE_B])
                .dns_answers_values(&[NODE_B]),
            Live,
            Plain,
            &["192.0.2.12"],
        ),
        case(
            "record sets never fetched: unknown",
            Fx::dns_name_control().records_never_fetched(),
            Unknown,
            Unsure,
            &["record sets of www.example.com.: not fetched yet"],
        ),
        case(
            "no record of the name: unknown",
            Fx::dns_name_control()
                .plain_record_values(&[])
                .records_without_site_record(),
            Unknown,
            Unsure,
            &["no A record named www.example.com. in hosted zone Z0123456789ABCDEFGHIJ"],
        ),
    ]);
}

#[test]
fn gotchas() {
    use Served::{Primary, Secondary};
    check(vec![
        case(
            "a disabled health check counts as healthy: no failover",
            Fx::alb_cloudfront().primary_check_disabled().checkers(0, 8),
            Degraded,
            Primary,
            &[
                "primary health check www-primary (3f1c9a2e…) is disabled: Route 53 treats it as \
               healthy and will not fail over (checkers: 0 of 8 report success)",
            ],
        ),
        case(
            "a disabled health check, no DNS answer: inferred primary",
            Fx::alb_cloudfront()
                .primary_check_disabled()
                .checkers(0, 8)
                .no_dns_answer(),
            Degraded,
            Primary,
            &["is disabled"],
        ),
        case(
            "an unhealthy secondary drags DNS back to the primary",
            Fx::alb_cloudfront().checkers(0, 8).secondary_check(0, 8),
            Degraded,
            Primary,
            &[
                "PRIMARY AND SECONDARY ARE BOTH UNHEALTHY: Route 53 answers the primary regardless",
                "secondary health check www-sorry (7a2b4c6d…) unhealthy",
            ],
        ),
        case(
            "an unhealthy secondary, no DNS answer: inferred primary",
            Fx::alb_cloudfront()
                .checkers(0, 8)
                .secondary_check(0, 8)
                .no_dns_answer(),
            Degraded,
            Primary,
            &["BOTH UNHEALTHY"],
        ),
        case(
            "an unhealthy secondary while the primary is live: failover would not happen",
            Fx::alb_cloudfront().secondary_check(0, 8),
            Degraded,
            Primary,
            &[
                "the secondary is unhealthy",
                "if the primary fails, Route 53 keeps answering the primary",
            ],
        ),
        case(
            "the ALB fails open: the health check passes but every target is unhealthy",
            Fx::alb_cloudfront()
                .all_app_targets(TargetState::Unhealthy, Some("Target.ResponseCodeMismatch")),
            Degraded,
            Primary,
            &[
                "all 2 targets of target group app-tg are unhealthy (Target.ResponseCodeMismatch): \
               the ALB app-alb fails open and routes to all 2 of them",
            ],
        ),
        case(
            "18% rule: 2 of 8 checkers (25%) succeed: healthy",
            Fx::alb_cloudfront().checkers(2, 8),
            Degraded,
            Primary,
            &[
                "6 of 8 checkers report failure (HTTP 503); Route 53 fails over below 2 reporting success",
            ],
        ),
        case(
            "18% rule: 1 of 8 checkers (12.5%) succeed: unhealthy",
            Fx::alb_cloudfront().checkers(1, 8).dns_answers(Secondary),
            FailedOver,
            Secondary,
            &["1 of 8 checkers report success (HTTP 503)"],
        ),
        case(
            "18% rule: 1 of 8, no DNS answer: inferred secondary",
            Fx::alb_cloudfront().checkers(1, 8).no_dns_answer(),
            FailedOver,
            Secondary,
            &["inferred from health"],
        ),
        case(
            "inverted check whose checkers fail: Route 53 sees it healthy",
            Fx::alb_cloudfront().primary_check_inverted().checkers(0, 8),
            Degraded,
            Primary,
            &["is inverted: Route 53 counts it healthy because its checkers fail"],
        ),
        case(
            "stale data: unknown, and how old",
            Fx::alb_cloudfront().all_fetched(600),
            Unknown,
            Served::Unknown,
            &["record sets of www.example.com.: data is 10 min old (stale after 2 min)"],
        ),
        case(
            "stale health check status: unknown, which and how old",
            Fx::alb_cloudfront().status_fetched(300),
            Unknown,
            Primary,
            &[
                "status of health check www-primary (3f1c9a2e…): data is 5 min old (stale after 2 min)",
                "Route 53 answers the primary",
            ],
        ),
        case(
            "a fetch error with data still fresh: verdict as usual, error noted",
            Fx::alb_cloudfront()
                .status_fetched(60)
                .status_fetch_failed(throttled(), 5),
            Live,
            Primary,
            &[
                "status of health check www-primary (3f1c9a2e…): latest fetch failed (throttled by \
               route53 (GetHealthCheckStatus)); using data from 1 min ago",
            ],
        ),
        case(
            "a fetch error with old data: unknown, with the error",
            Fx::alb_cloudfront()
                .status_fetched(300)
                .status_fetch_failed(throttled(), 5),
            Unknown,
            Primary,
            &[
                "data is 5 min old (stale after 2 min); latest fetch failed: throttled by route53 \
               (GetHealthCheckStatus)",
            ],
        ),
        case(
            "a fetch error without data: unknown, with the missing permission",
            Fx::alb_cloudfront()
                .status_never_fetched()
                .status_fetch_failed(denied(), 5),
            Unknown,
            Primary,
            &[
                "status of health check www-primary (3f1c9a2e…): access denied: the role lacks \
               route53:GetHealthCheckStatus",
            ],
        ),
        case(
            "the secondary's status is stale while the primary is healthy: still live",
            Fx::alb_cloudfront()
                .secondary_check(8, 8)
                .secondary_status_fetched(600),
            Live,
            Primary,
            &["status of health check www-sorry (7a2b4c6d…): data is 10 min old"],
        ),
        case(
            "the secondary's status is stale while the primary is unhealthy: unknown",
            Fx::alb_cloudfront()
                .checkers(0, 8)
                .secondary_check(8, 8)
                .secondary_status_fetched(600),
            Unknown,
            Primary,
            &["status of health check www-sorry (7a2b4c6d…): data is 10 min old"],
        ),
    ]);
}

#[test]
fn the_eta_names_each_part() {
    let parts = |fx: Fx| -> Vec<(String, u64)> {
        fx.verdict()
            .eta
            .map(|e| {
                let sum: Duration = e.parts.iter().map(|p| p.duration).sum();
                assert_eq!(sum, e.total);
                e.parts
                    .into_iter()
                    .map(|p| (p.what, p.duration.as_secs()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let owned = |v: &[(&str, u64)]| -> Vec<(String, u64)> {
        v.iter().map(|(s, d)| (s.to_string(), *d)).collect()
    };
    assert_eq!(
        parts(Fx::alb_cloudfront().checkers(0, 8)),
        owned(&[
            ("health check 30 s x 3", 90),
            ("DNS TTL of the primary", 60)
        ])
    );
    assert_eq!(
        parts(
            Fx::alb_cloudfront()
                .marker(Entering)
                .primary_check_inverted()
                .pending_change(0)
        ),
        owned(&[
            ("health check 30 s x 3", 90),
            ("Route 53 change INSYNC", 60),
            ("DNS TTL of the primary", 60)
        ])
    );
    assert_eq!(
        parts(Fx::cloudwatch_metric().alarm(AlarmState::Alarm)),
        owned(&[
            ("alarm evaluation 1 min x 2", 120),
            ("DNS TTL of the primary", 60)
        ])
    );
    assert_eq!(
        parts(
            Fx::alb_cloudfront_eth()
                .all_app_targets(TargetState::Unhealthy, Some("Target.Timeout"))
        ),
        owned(&[
            ("target health checks 30 s x 2", 60),
            ("DNS TTL of the primary", 60)
        ])
    );
    assert_eq!(
        parts(
            Fx::dns_name_control()
                .plain_record_values(&[NODE_B])
                .pending_change(25)
        ),
        owned(&[
            ("Route 53 change INSYNC", 35),
            ("DNS TTL of the plain record", 60)
        ])
    );
    // An overdue change has nothing left to wait for but the TTL.
    assert_eq!(
        parts(
            Fx::dns_name_control()
                .plain_record_values(&[NODE_B])
                .pending_change(200)
        ),
        owned(&[
            ("Route 53 change INSYNC", 0),
            ("DNS TTL of the plain record", 60)
        ])
    );
    // A listener switch has no DNS part.
    assert_eq!(parts(Fx::nlb_listener().marker(Entering)), owned(&[]));
}

#[test]
fn data_age_is_the_oldest_piece_relied_on() {
    let v = Fx::alb_cloudfront().verdict();
    assert_eq!(v.data_age, Some(Duration::from_secs(FRESH)));
    let v = Fx::alb_cloudfront().status_fetched(75).verdict();
    assert_eq!(v.data_age, Some(Duration::from_secs(75)));
    let v = Fx::alb_cloudfront().records_never_fetched().verdict();
    assert_eq!(v.data_age, None);
    // A stale piece the verdict can do without is noted, not counted.
    let v = Fx::alb_cloudfront()
        .extra_alarm(crate::model::cloudwatch::AlarmState::Alarm)
        .alarm_fetched(600)
        .verdict();
    assert_eq!(v.kind, Live, "{}", show(&v));
    assert_eq!(v.data_age, Some(Duration::from_secs(FRESH)));
    assert!(
        v.reasons
            .iter()
            .any(|r| r
                == "alarm app-alb-target-5xx (eu-west-1): data is 10 min old (stale after 2 min)"),
        "{}",
        show(&v)
    );
    // Stale data is not relied on, but its age is what the operator needs to see.
    let v = Fx::alb_cloudfront().all_fetched(600).verdict();
    assert_eq!(v.data_age, Some(Duration::from_secs(600)));
}

#[test]
fn labels_exit_codes_and_the_worst_of_many() {
    let all = [Live, Degraded, FailedOver, Maintenance, Switching, Unknown];
    let labels: Vec<&str> = all.iter().map(|k| k.label()).collect();
    assert_eq!(
        labels,
        [
            "LIVE",
            "DEGRADED",
            "FAILED OVER",
            "MAINTENANCE",
            "SWITCHING",
            "UNKNOWN"
        ]
    );
    let codes: Vec<i32> = all.iter().map(|k| k.exit_code()).collect();
    assert_eq!(codes, [0, 10, 11, 12, 13, 14]);
    assert_eq!(
        VerdictKind::worst([Live, Maintenance, Degraded]),
        Some(Degraded)
    );
    assert_eq!(
        VerdictKind::worst([Switching, FailedOver, Live]),
        Some(FailedOver)
    );
    assert_eq!(VerdictKind::worst([FailedOver, Unknown]), Some(Unknown));
    assert_eq!(
        VerdictKind::worst([Maintenance, Switching]),
        Some(Switching)
    );
    assert_eq!(VerdictKind::worst([]), None);
}

#[test]
fn verdicts_and_snapshots_round_trip_through_json() {
    for fx in [
        Fx::alb_cloudfront().checkers(0, 8),
        Fx::cloudwatch_metric().marker(Active),
        Fx::nlb_listener().listener_forwards_to_sorry(),
        Fx::dns_name_control().pending_change(10),
        Fx::alb_cloudfront().status_fetch_failed(denied(), 3),
    ] {
        let v = fx.verdict();
        let json = serde_json::to_string(&v).unwrap();
        let back: Verdict = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v, "{json}");
        let json = serde_json::to_string(&fx.0).unwrap();
        let back: crate::model::site::SiteObservations = serde_json::from_str(&json).unwrap();
        assert_eq!(back, fx.0);
    }
    let v = Fx::alb_cloudfront().checkers(0, 8).verdict();
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["kind"], "SWITCHING");
    assert_eq!(json["served"], "primary");
    assert_eq!(json["eta"]["total"], 150);
    assert_eq!(json["data_age"], 10);
}
