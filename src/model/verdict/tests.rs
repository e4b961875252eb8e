//! The verdict on every setup of DESIGN.md in each relevant state, and the gotchas.

use std::time::Duration;

use crate::model::cloudfront::DistributionStatus;
use crate::model::cloudwatch::AlarmState;
use crate::model::elb::{ListenerAction, Rule, RuleCondition, TargetState};
use crate::model::error::{AwsError, ErrorKind};
use crate::model::fixtures::*;
use crate::model::maintenance::MaintenancePhase::{Active, Entering, Leaving};
use crate::model::obs::Fetched;
use crate::model::route53::Failover;
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

/// A site judged as the console does, once a second for ten minutes from [`NOW`], but judged
/// again only when its judgement stops holding (`obs::tracked`): it must read every second as
/// judged afresh, its data age grown by the time since. A reading of the clock the judgement
/// did not note would show here as a verdict or a missing piece gone out of date.
fn holds_as_judged(name: &str, fx: &Fx) -> Result<(), String> {
    use crate::model::completeness::{completeness, site_verdict};
    let judge = |now| {
        crate::model::obs::tracked(|| {
            (
                site_verdict(&fx.0, now, STALE),
                completeness(&fx.0, now, STALE).unread,
            )
        })
    };
    let ((mut verdict, mut unread), mut holds) = judge(NOW);
    let mut judged_at = NOW;
    for s in 1..=600 {
        let now = NOW + Duration::from_secs(s);
        if holds.is_some_and(|t| now > t) {
            ((verdict, unread), holds) = judge(now);
            judged_at = now;
        }
        let ((fresh, fresh_unread), _) = judge(now);
        let mut kept = verdict.clone();
        kept.data_age = kept
            .data_age
            .map(|a| a + Duration::try_from(now - judged_at).unwrap_or_default());
        if kept != fresh || unread != fresh_unread {
            return Err(format!(
                "{name}: at NOW + {s} s the verdict judged at NOW + {} s (held through {holds:?}) \
                 is out of date:\n    kept  {}\n    fresh {}\n    unread kept {unread:?}\n    \
                 unread fresh {fresh_unread:?}",
                (judged_at - NOW).whole_seconds(),
                show(&kept),
                show(&fresh),
            ));
        }
    }
    Ok(())
}

/// Runs every case and reports all mismatches at once.
fn check(cases: Vec<Case>) {
    let mut failures = Vec::new();
    for c in &cases {
        if let Err(e) = holds_as_judged(c.name, &c.site) {
            failures.push(e);
        }
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
        if !matches!(v.kind, Switching | VerdictKind::Down) && v.eta.is_some() {
            wrong.push("an ETA outside SWITCHING and DOWN".into());
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
                "Route 53 answers the secondary, the sorry page (SECONDARY A alias \
                 d111111abcdef8.cloudfront.net), inferred from the failover rules (the primary is \
                 unhealthy, and the secondary has no health check, so it is answered instead), \
                 because Route 53's answer (TestDNSAnswer) was not read",
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
                "inferred from the failover rules (the primary is healthy), because Route 53's \
                 answer could not be matched to a record: the addresses of \
                 app-alb-1234567890.eu-west-1.elb.amazonaws.com",
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
            "failed over to a disabled distribution: users get errors",
            Fx::alb_cloudfront()
                .checkers(0, 8)
                .dns_answers(Secondary)
                .distribution_disabled(),
            VerdictKind::Down,
            Secondary,
            &["users get errors: sorry page distribution E2QWRUHAPOMQZL is disabled"],
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
            with_rules(
                Fx::alb_cloudfront()
                    .marker(Active)
                    .alb_listener_fixed_response("503"),
                Vec::new(),
            ),
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
                "primary target health unhealthy (Evaluate Target Health): ALB app-alb: target \
                 group app-tg has 0 of 2 targets healthy",
            ],
        ),
        case(
            "every target unhealthy, no DNS answer: failed over, inferred",
            Fx::alb_cloudfront_eth()
                .all_app_targets(TargetState::Unhealthy, Some("Target.Timeout"))
                .no_dns_answer(),
            FailedOver,
            Secondary,
            &["inferred from the failover rules"],
        ),
        case(
            "every target unhealthy, DNS still answers the primary: down until it fails over",
            Fx::alb_cloudfront_eth()
                .all_app_targets(TargetState::Unhealthy, Some("Target.Timeout")),
            VerdictKind::Down,
            Primary,
            &["users get errors", "Route 53 still answers the primary"],
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
            VerdictKind::Down,
            Primary,
            &[
                "Route 53 will not fail over: alarm app-1-StatusCheckFailed has no data \
                 (INSUFFICIENT_DATA: instance stopped?) and health check app-1-status (3f1c9a2e…) \
                 treats missing data as Healthy",
                "users get errors: instance i-0aaa0000000000001 behind the answered record sends \
                 no StatusCheckFailed data",
                "reads missing data as healthy, so Route 53 keeps answering it",
            ],
        ),
        case(
            "INSUFFICIENT_DATA with last known status, DNS answers the instance",
            Fx::cloudwatch_metric()
                .alarm(AlarmState::InsufficientData)
                .insufficient_data_is(InsufficientDataHealth::LastKnownStatus),
            VerdictKind::Down,
            Primary,
            &[
                "Route 53 may not fail over: alarm app-1-StatusCheckFailed has no data \
                 (INSUFFICIENT_DATA: instance stopped?) and health check app-1-status (3f1c9a2e…) \
                 keeps its last known status (LastKnownStatus), which switchyard cannot see",
                "has INSUFFICIENT_DATA",
                "by its last known status",
            ],
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
        case(
            "the ALB fails open below 3 healthy targets, 2 are: degraded, and it says so",
            Fx::alb_two_azs().fail_open_minimum(3).az_targets(
                "eu-west-1b",
                TargetState::Unhealthy,
                Some("Target.Timeout"),
            ),
            Degraded,
            Primary,
            &[
                "the ALB app-alb fails open: target group app-tg has 2 of 4 targets healthy, \
                 below the minimum of 3, so it routes to all 4 of them, the unhealthy ones too",
                "target i-0bbb0000000000003:80 (eu-west-1b) of app-tg is unhealthy (Target.Timeout)",
            ],
        ),
    ]);
}

/// AWS's default fail-open minimum is 1 healthy target: with 2 of 4 healthy the load balancer
/// does not fail open, and nothing says it does; with a minimum of 2 it still does not.
#[test]
fn no_fail_open_is_said_at_or_above_the_minimum() {
    for fx in [Fx::alb_two_azs(), Fx::alb_two_azs().fail_open_minimum(2)] {
        let v = fx
            .az_targets("eu-west-1b", TargetState::Unhealthy, Some("Target.Timeout"))
            .verdict();
        assert_eq!(v.kind, Degraded, "{}", show(&v));
        assert!(
            !v.reasons.iter().any(|r| r.contains("fails open")),
            "{}",
            show(&v)
        );
    }
}

/// A target group whose attributes (its minimums) could not be read: AWS's defaults are not
/// taken for them. Route 53 evaluating it with all targets healthy: not LIVE but UNKNOWN, the
/// unread attributes said, also as status gives it (completeness); with no healthy target, failed
/// over all the same (every minimum is at least 1). Not evaluated (a health check decides), with
/// a target failing: DEGRADED, and whether the ALB fails open is said to be unknown, not "no".
#[test]
fn target_group_minimums_not_read_are_a_check_not_made() {
    use Served::{Primary, Secondary};
    const UNREAD: &str = "attributes of target group app-tg: access denied: the role lacks \
                          elasticloadbalancing:DescribeTargetGroupAttributes";
    let unread = UNREAD;
    check(vec![
        case(
            "evaluated, all healthy, minimums not read: unknown",
            Fx::alb_two_azs().minimums_unread(),
            Unknown,
            Primary,
            &[UNREAD],
        ),
        case(
            "evaluated, no target healthy, minimums not read: failed over all the same",
            Fx::alb_two_azs()
                .minimums_unread()
                .all_app_targets(TargetState::Unhealthy, Some("Target.ResponseCodeMismatch"))
                .dns_answers(Secondary),
            FailedOver,
            Secondary,
            &["target group app-tg has 0 of 4 targets healthy"],
        ),
    ]);
    let fx = Fx::alb_two_azs().minimums_unread();
    let v = as_status(&fx);
    assert_eq!(v.kind, Unknown, "{}", show(&v));
    assert!(v.reasons.iter().any(|r| r == unread), "{}", show(&v));
    let c = crate::model::completeness::completeness(&fx.0, NOW, STALE);
    assert_eq!(c.unread, vec![unread.to_string()]);
    assert!(!c.complete);
    // Read: LIVE and complete (the fixture's minimums are AWS's defaults).
    let fx = Fx::alb_two_azs();
    assert_eq!(as_status(&fx).kind, Live, "{}", show(&as_status(&fx)));
    assert!(crate::model::completeness::completeness(&fx.0, NOW, STALE).complete);

    // Not evaluated: a target failing is DEGRADED whatever the minimum; whether it fails open
    // could not be checked.
    let v = Fx::alb_cloudfront()
        .minimums_unread()
        .az_targets("eu-west-1b", TargetState::Unhealthy, Some("Target.Timeout"))
        .verdict();
    assert_eq!(v.kind, Degraded, "{}", show(&v));
    assert!(
        v.reasons.iter().any(|r| r
            == "whether the ALB app-alb fails open could not be checked: target group app-tg's \
                minimum could not be read (access denied: the role lacks \
                elasticloadbalancing:DescribeTargetGroupAttributes)"),
        "{}",
        show(&v)
    );
    assert!(
        !v.reasons.iter().any(|r| r.contains("app-alb fails open:")),
        "{}",
        show(&v)
    );
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
            "stopped instances: the NLB fails open onto them, users get errors",
            Fx::nlb_listener().all_app_targets(TargetState::Unhealthy, Some("Target.InvalidState")),
            VerdictKind::Down,
            Plain,
            &[
                "users get errors: listener TCP 443 of NLB app-nlb forwards to target group \
                 app-tg, which has no healthy target (0 of 2: 2 unhealthy (Target.InvalidState))",
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
        case(
            "the listener forwards to the app and the sorry target group at once: degraded",
            Fx::nlb_listener().listener_forwards_to_app_and_sorry(),
            Degraded,
            Plain,
            &[
                "listener TCP 443 of NLB app-nlb sends part of the traffic to the sorry page: \
                 forward to app-tg, sorry-tg",
            ],
        ),
        case(
            "marker active and the listener half on the sorry page: not maintenance",
            Fx::nlb_listener()
                .marker(Active)
                .listener_forwards_to_app_and_sorry(),
            Degraded,
            Plain,
            &[
                "the chain serves the app",
                "sends part of the traffic to the sorry page",
            ],
        ),
    ]);
}

#[test]
fn plain_record_pointing_at_the_sorry_distribution() {
    use Served::Plain;
    check(vec![
        case(
            "without a marker: the sorry page is served, switched outside switchyard",
            Fx::plain_alias_to_sorry_distribution(),
            Maintenance,
            Plain,
            &[
                "the sorry page is served without a switchyard maintenance marker",
                "Route 53 answers the plain record (A alias d111111abcdef8.cloudfront.net)",
            ],
        ),
        case(
            "with the marker: maintenance",
            Fx::plain_alias_to_sorry_distribution().marker(Active),
            Maintenance,
            Plain,
            &["maintenance forced by"],
        ),
    ]);
    // The record's target is known to be the sorry page: nothing left unchecked.
    let v = Fx::plain_alias_to_sorry_distribution()
        .marker(Active)
        .verdict();
    assert!(
        !v.reasons.iter().any(|r| r.contains("cannot be checked")),
        "{v:?}"
    );
    // A plain record with addresses still cannot be checked.
    let v = Fx::dns_name_control().marker(Active).verdict();
    assert!(
        v.reasons
            .iter()
            .any(|r| r.contains("the plain record's value cannot be checked")),
        "{v:?}"
    );
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
            &["inferred from the failover rules"],
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
    let all = [
        Live,
        Degraded,
        FailedOver,
        Maintenance,
        Switching,
        Unknown,
        VerdictKind::Down,
    ];
    let labels: Vec<&str> = all.iter().map(|k| k.label()).collect();
    assert_eq!(
        labels,
        [
            "LIVE",
            "DEGRADED",
            "FAILED OVER",
            "MAINTENANCE",
            "SWITCHING",
            "UNKNOWN",
            "DOWN"
        ]
    );
    let codes: Vec<i32> = all.iter().map(|k| k.exit_code()).collect();
    assert_eq!(codes, [0, 10, 11, 12, 13, 14, 15]);
    assert_eq!(
        VerdictKind::worst([Live, Maintenance, Degraded]),
        Some(Degraded)
    );
    assert_eq!(
        VerdictKind::worst([Switching, FailedOver, Live]),
        Some(FailedOver)
    );
    assert_eq!(VerdictKind::worst([FailedOver, Unknown]), Some(Unknown));
    // DOWN decides whatever else is known or not.
    assert_eq!(
        VerdictKind::worst([Unknown, VerdictKind::Down, FailedOver]),
        Some(VerdictKind::Down)
    );
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

// ----- Every state a strategy creates: the swapped primary, listener rules -----

fn condition(field: &str, values: &[&str]) -> RuleCondition {
    RuleCondition {
        field: field.into(),
        values: values.iter().map(|v| v.to_string()).collect(),
        http_header_name: None,
    }
}

fn rule(priority: u32, conditions: Vec<RuleCondition>, action: ListenerAction) -> Rule {
    Rule {
        arn: format!("{ALB_LISTENER}/rule-{priority}"),
        priority: Some(priority),
        conditions,
        actions: vec![action],
        is_default: false,
    }
}

fn page_503() -> ListenerAction {
    ListenerAction::fixed(
        "503",
        Some("text/html".into()),
        Some("<h1>Back soon</h1>".into()),
    )
}

fn to_app() -> ListenerAction {
    ListenerAction::forward_to(APP_TG)
}

/// The ALB listener's rules were read: these (the default rule aside).
fn with_rules(mut fx: Fx, rules: Vec<Rule>) -> Fx {
    fx.0.rules
        .insert(ALB_LISTENER.into(), Fetched::ok(rules, ago(FRESH)));
    fx
}

/// The ALB listener's rules were asked for, and the read was denied.
fn rules_denied(mut fx: Fx) -> Fx {
    let mut f = Fetched::default();
    f.set_failed(
        AwsError::new(
            ErrorKind::AccessDenied,
            "elbv2",
            "DescribeRules",
            "not authorized to perform: elasticloadbalancing:DescribeRules",
        ),
        ago(FRESH),
    );
    fx.0.rules.insert(ALB_LISTENER.into(), f);
    fx
}

/// What `alb-maintenance-rule` creates: the operators' network still reaches the app at
/// `priority`, everyone else gets the 503 page at `priority + 1`.
fn maintenance_rules(priority: u32) -> Vec<Rule> {
    vec![
        rule(
            priority + 1,
            vec![condition("path-pattern", &["/*"])],
            page_503(),
        ),
        rule(
            priority,
            vec![condition("source-ip", &["203.0.113.0/24"])],
            to_app(),
        ),
    ]
}

/// The production rules of an ALB: by host and by path, to the app.
fn host_and_path_rules(n: u32) -> Vec<Rule> {
    (1..=n)
        .map(|i| {
            let c = if i % 2 == 1 {
                condition("host-header", &[&format!("h{i}.example.com")])
            } else {
                condition("path-pattern", &[&format!("/p{i}/*")])
            };
            rule(i, vec![c], to_app())
        })
        .collect()
}

#[test]
fn alb_maintenance_rules_decide_in_priority_order() {
    use Served::{Primary, Secondary};
    let rules_and = |mut extra: Vec<Rule>, more: Vec<Rule>| {
        extra.extend(more);
        extra
    };
    check(vec![
        case(
            "marker active, the maintenance rule behind the operators' allow-list: maintenance",
            with_rules(Fx::alb_cloudfront().marker(Active), maintenance_rules(1)),
            Maintenance,
            Primary,
            &[
                "maintenance forced by",
                "listener HTTPS 443 of ALB app-alb serves the sorry page: rule 2 (path-pattern /*): \
                 fixed-response 503 (text/html); allow-listed clients still reach the app: rule 1 \
                 (source-ip 203.0.113.0/24): forward to app-tg",
            ],
        ),
        case(
            "a maintenance rule that lets nobody through",
            with_rules(
                Fx::alb_cloudfront().marker(Active),
                vec![rule(
                    1,
                    vec![condition("path-pattern", &["/*"])],
                    page_503(),
                )],
            ),
            Maintenance,
            Primary,
            &["serves the sorry page: rule 1 (path-pattern /*): fixed-response 503"],
        ),
        case(
            "the maintenance rule without a marker: switched outside switchyard",
            with_rules(Fx::alb_cloudfront(), maintenance_rules(10)),
            Maintenance,
            Primary,
            &["without a switchyard maintenance marker: switched outside switchyard"],
        ),
        case(
            "host and path rules ahead of the maintenance rule still reach the app",
            with_rules(
                Fx::alb_cloudfront().marker(Active),
                rules_and(host_and_path_rules(3), maintenance_rules(4)),
            ),
            Degraded,
            Primary,
            &[
                "the maintenance marker says maintenance is active, but listener rules ahead of \
                 the sorry page still reach the app",
                "listener HTTPS 443 of ALB app-alb serves the sorry page by rule 5 (path-pattern \
                 /*), but 3 rules ahead of it still reach the app: rule 1 (host-header \
                 h1.example.com): forward to app-tg; rule 2 (path-pattern /p2/*): forward to \
                 app-tg; rule 3 (host-header h3.example.com): forward to app-tg",
            ],
        ),
        case(
            "forty rules ahead: the first five are named, then how many more",
            with_rules(
                Fx::alb_cloudfront().marker(Active),
                rules_and(host_and_path_rules(40), maintenance_rules(41)),
            ),
            Degraded,
            Primary,
            &[
                "but 40 rules ahead of it still reach the app",
                "; and 35 more",
            ],
        ),
        case(
            "the listener's default action on the sorry page, rules still forward: not maintenance",
            with_rules(
                Fx::alb_cloudfront()
                    .marker(Active)
                    .alb_listener_fixed_response("503"),
                host_and_path_rules(2),
            ),
            Degraded,
            Primary,
            &[
                "listener HTTPS 443 of ALB app-alb serves the sorry page by default, but 2 rules \
                 ahead of it still reach the app: rule 1 (host-header h1.example.com)",
            ],
        ),
        case(
            "the default action on the sorry page, rules forward, no marker: degraded",
            with_rules(
                Fx::alb_cloudfront().alb_listener_fixed_response("503"),
                host_and_path_rules(1),
            ),
            Degraded,
            Primary,
            &["serves the sorry page by default, but 1 rule ahead of it still reaches the app"],
        ),
        case(
            "the default action on the sorry page, rules unread: not claimed",
            Fx::alb_cloudfront()
                .marker(Active)
                .alb_listener_fixed_response("503"),
            Unknown,
            Primary,
            &["rules of listener HTTPS 443 of ALB app-alb: not read"],
        ),
        case(
            "the default action on the sorry page, the rules read denied: not claimed",
            rules_denied(
                Fx::alb_cloudfront()
                    .marker(Active)
                    .alb_listener_fixed_response("503"),
            ),
            Unknown,
            Primary,
            &["rules of listener HTTPS 443 of ALB app-alb: access denied"],
        ),
        case(
            "marker active, the rules that hold the maintenance rule could not be read",
            rules_denied(Fx::alb_cloudfront().marker(Active)),
            Unknown,
            Primary,
            &["rules of listener HTTPS 443 of ALB app-alb: access denied"],
        ),
        case(
            "no marker, the rules could not be read: they decide nothing",
            rules_denied(Fx::alb_cloudfront()),
            Live,
            Primary,
            &["rules of listener HTTPS 443 of ALB app-alb: access denied"],
        ),
        case(
            "Route 53 answers the sorry page: the listener's rules do not matter",
            Fx::alb_cloudfront()
                .marker(Active)
                .primary_check_inverted()
                .alb_listener_fixed_response("503")
                .dns_answers(Secondary),
            Maintenance,
            Secondary,
            &["maintenance forced by"],
        ),
        case(
            "a rule matching every request forwards to the app ahead of the maintenance rule",
            with_rules(
                Fx::alb_cloudfront().marker(Active),
                rules_and(
                    vec![rule(1, vec![condition("path-pattern", &["*"])], to_app())],
                    maintenance_rules(2),
                ),
            ),
            Degraded,
            Primary,
            &["1 rule ahead of it still reaches the app: rule 1 (path-pattern *)"],
        ),
    ]);
}

/// `route53-swap-primary`: the PRIMARY takes the SECONDARY's alias target (Evaluate Target
/// Health off for CloudFront), keeping its health check.
fn swapped(mut fx: Fx) -> Fx {
    let target = fx.0.secondary().and_then(|s| s.alias.clone());
    if let Some(records) = fx.0.records.value.as_mut() {
        for r in records.iter_mut() {
            if r.failover == Some(Failover::Primary) {
                r.alias = target.clone().map(|mut a| {
                    a.evaluate_target_health = false;
                    a
                });
                r.values = Vec::new();
                r.ttl = None;
            }
        }
    }
    // Both records now lead to the sorry page's addresses.
    fx.dns_answers_values(&CF_IPS)
}

#[test]
fn a_swapped_primary_serves_the_sorry_page() {
    use Served::{Primary, Secondary};
    check(vec![
        case(
            "Evaluate Target Health primary swapped, marker active: maintenance",
            swapped(Fx::alb_cloudfront_eth()).marker(Active),
            Maintenance,
            Primary,
            &[
                "maintenance forced by",
                "the PRIMARY record points where the SECONDARY does, at the sorry page \
                 (d111111abcdef8.cloudfront.net): Route 53 answers the sorry page whichever \
                 record it answers",
            ],
        ),
        case(
            "a primary with a health check swapped: maintenance",
            swapped(Fx::alb_cloudfront()).marker(Active),
            Maintenance,
            Primary,
            &["the PRIMARY record points where the SECONDARY does"],
        ),
        case(
            "a value primary with a metric check swapped: maintenance",
            swapped(Fx::cloudwatch_metric()).marker(Active),
            Maintenance,
            Primary,
            &["the PRIMARY record points where the SECONDARY does"],
        ),
        case(
            "swapped without a marker: switched outside switchyard",
            swapped(Fx::alb_cloudfront_eth()),
            Maintenance,
            Primary,
            &["the sorry page is served without a switchyard maintenance marker"],
        ),
        case(
            "swapped, no DNS answer: maintenance, inferred",
            swapped(Fx::alb_cloudfront_eth())
                .marker(Active)
                .no_dns_answer(),
            Maintenance,
            Primary,
            &[
                "the PRIMARY record points where the SECONDARY does",
                "inferred from the failover rules",
            ],
        ),
        case(
            "swapped, Route 53 still answers the load balancer: switching",
            swapped(Fx::alb_cloudfront_eth())
                .marker(Active)
                .dns_answers_values(&ALB_IPS),
            Switching,
            Primary,
            &[
                "the PRIMARY record points at the sorry page (d111111abcdef8.cloudfront.net), but \
                 Route 53 still answers 198.51.100.10, 198.51.100.11: the change is propagating",
            ],
        ),
        case(
            "swapped and the primary's check fails: the secondary, the same sorry page",
            swapped(Fx::alb_cloudfront()).marker(Active).checkers(0, 8),
            Maintenance,
            Secondary,
            &["maintenance forced by"],
        ),
        case(
            "swapped to a sorry load balancer the config does not name: maintenance",
            swapped_to_a_sorry_alb(),
            Maintenance,
            Primary,
            &[
                "the PRIMARY record points where the SECONDARY does, at the sorry page \
               (sorry-alb-1.eu-west-1.elb.amazonaws.com)",
            ],
        ),
        case(
            "swapped back: live again",
            Fx::alb_cloudfront_eth(),
            Live,
            Primary,
            &["Route 53 answers the primary"],
        ),
    ]);
}

#[test]
fn a_maintenance_that_switches_no_traffic_says_so() {
    let mut fx = Fx::alb_cloudfront().marker(Active);
    if let Some(Some(m)) = fx.0.maintenance.value.as_mut() {
        m.strategies = vec!["silence-alarms".into()];
    }
    check(vec![case(
        "only alarms silenced: the app is served",
        fx,
        Degraded,
        Served::Primary,
        &[
            "the maintenance marker says maintenance is active, but its strategies \
             (silence-alarms) switch no traffic: the app is still served (maintenance forced by",
        ],
    )]);
}

/// A failover pair whose SECONDARY is an alias to a sorry ALB (forwarding to a target group the
/// config does not name), the PRIMARY swapped to it, the marker active.
fn swapped_to_a_sorry_alb() -> Fx {
    use crate::model::elb::{Listener, LoadBalancer, LoadBalancerKind};
    const SORRY_ALB: &str =
        "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/sorry-alb/1";
    const SORRY_ALB_DNS: &str = "sorry-alb-1.eu-west-1.elb.amazonaws.com";
    let mut fx = Fx::alb_cloudfront_eth().marker(Active);
    let s = &mut fx.0;
    s.distribution = None;
    if let Some(lbs) = s.load_balancers.value.as_mut() {
        lbs.push(LoadBalancer {
            arn: SORRY_ALB.into(),
            name: "sorry-alb".into(),
            kind: LoadBalancerKind::Application,
            dns_name: SORRY_ALB_DNS.into(),
            canonical_zone_id: "Z32O12XQLNTSW2".into(),
            scheme: "internet-facing".into(),
            state: "active".into(),
        });
    }
    let listener = format!("{SORRY_ALB}/listener-1");
    s.listeners.insert(
        SORRY_ALB.into(),
        Fetched::ok(
            vec![Listener {
                arn: listener.clone(),
                lb_arn: SORRY_ALB.into(),
                port: 443,
                protocol: "HTTPS".into(),
                default_actions: vec![ListenerAction::forward_to(
                    "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/sorry-web/1",
                )],
            }],
            ago(FRESH),
        ),
    );
    s.rules
        .insert(listener, Fetched::ok(Vec::new(), ago(FRESH)));
    s.alias_addresses.insert(
        SORRY_ALB_DNS.into(),
        Fetched::ok(vec!["198.51.100.99".into()], ago(FRESH)),
    );
    if let Some(records) = s.records.value.as_mut() {
        for r in records.iter_mut() {
            if let Some(a) = r.alias.as_mut() {
                a.dns_name = format!("dualstack.{SORRY_ALB_DNS}.");
                a.evaluate_target_health = false;
            }
        }
    }
    fx.dns_answers_values(&["198.51.100.99"])
}

// ----- Missing sources: inferred, and said (model::infer) -----

/// The verdict as status, wait and the console give it (completeness applied).
fn as_status(fx: &Fx) -> Verdict {
    crate::model::completeness::site_verdict(&fx.0, NOW, STALE)
}

/// Like [`check`], judging each case with `judge`, and asserting whether the answer is inferred.
fn check_by(cases: Vec<(Case, bool)>, judge: impl Fn(&Fx) -> Verdict) {
    let mut failures = Vec::new();
    let total = cases.len();
    for (c, inferred) in &cases {
        if let Err(e) = holds_as_judged(c.name, &c.site) {
            failures.push(e);
        }
        let v = judge(&c.site);
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
        if v.served_inferred != *inferred {
            wrong.push(format!("served_inferred {}", v.served_inferred));
        }
        for s in c.says {
            if !v.reasons.iter().any(|r| r.contains(s)) {
                wrong.push(format!("no reason says {s:?}"));
            }
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
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn without_test_dns_answer_the_answer_follows_the_failover_rules_and_is_said() {
    use Served::{Primary, Secondary};
    check_by(
        vec![
            (
                case(
                    "denied, primary healthy: the primary, by the rules",
                    Fx::alb_cloudfront().dns_answer_denied(),
                    Live,
                    Primary,
                    &["Route 53 answers the primary (PRIMARY A alias \
                         app-alb-1234567890.eu-west-1.elb.amazonaws.com), inferred from \
                         the failover rules (the primary is healthy), because Route 53's answer \
                         (TestDNSAnswer) could not be read: access denied: the role lacks \
                         route53:TestDNSAnswer"],
                ),
                true,
            ),
            (
                case(
                    "not implemented by the endpoint, primary unhealthy: the secondary",
                    Fx::alb_cloudfront()
                        .checkers(0, 8)
                        .dns_answer_not_implemented(),
                    FailedOver,
                    Secondary,
                    &[
                        "inferred from the failover rules (the primary is unhealthy, and the \
                         secondary has no health check, so it is answered instead), because Route \
                         53's answer (TestDNSAnswer) could not be read",
                        "primary health check www-primary (3f1c9a2e…) unhealthy: 0 of 8 checkers",
                    ],
                ),
                true,
            ),
            (
                case(
                    "denied, primary and secondary unhealthy: Route 53 fails open to the primary",
                    Fx::alb_cloudfront()
                        .checkers(0, 8)
                        .secondary_check(0, 8)
                        .dns_answer_denied(),
                    Degraded,
                    Primary,
                    &[
                        "the primary and the secondary are both unhealthy, and then Route 53 \
                         answers the primary (it fails open)",
                        "it fails open when every record of the pair is unhealthy",
                    ],
                ),
                true,
            ),
            (
                case(
                    "denied, primary unhealthy, secondary healthy: the secondary",
                    Fx::alb_cloudfront()
                        .checkers(0, 8)
                        .secondary_check(8, 8)
                        .dns_answer_denied(),
                    FailedOver,
                    Secondary,
                    &["(the primary is unhealthy and the secondary is healthy)"],
                ),
                true,
            ),
            (
                case(
                    "denied, a primary without a check: always healthy",
                    Fx::alb_cloudfront()
                        .primary_without_check()
                        .dns_answer_denied(),
                    Live,
                    Primary,
                    &[
                        "(the primary has no health check and no Evaluate Target Health, so it \
                         always counts as healthy)",
                    ],
                ),
                true,
            ),
            (
                case(
                    "denied, Evaluate Target Health with every target unhealthy: the secondary",
                    Fx::alb_cloudfront_eth()
                        .all_app_targets(TargetState::Unhealthy, Some("Target.Timeout"))
                        .dns_answer_denied(),
                    FailedOver,
                    Secondary,
                    &[
                        "inferred from the failover rules",
                        "primary target health unhealthy (Evaluate Target Health): ALB app-alb",
                    ],
                ),
                true,
            ),
            (
                case(
                    "denied, with maintenance on: maintenance, the answer inferred",
                    Fx::nlb_listener()
                        .listener_forwards_to_sorry()
                        .marker(Active)
                        .dns_answer_denied(),
                    Maintenance,
                    Served::Plain,
                    &["maintenance forced by"],
                ),
                // A plain record is the answer whatever TestDNSAnswer says.
                false,
            ),
            (
                case(
                    "denied, the primary's check status unknown: cannot infer",
                    Fx::alb_cloudfront()
                        .status_never_fetched()
                        .dns_answer_denied(),
                    Unknown,
                    Served::Unknown,
                    &["status of health check www-primary (3f1c9a2e…): not fetched yet"],
                ),
                true,
            ),
        ],
        Fx::verdict,
    );
}

#[test]
fn an_inferred_answer_never_makes_a_site_live_with_exit_0() {
    use Served::{Primary, Secondary};
    check_by(
        vec![
            (
                case(
                    "LIVE by inference: DEGRADED, led by why",
                    Fx::alb_cloudfront().dns_answer_denied(),
                    Degraded,
                    Primary,
                    &[
                        "LIVE by inference only: the primary is inferred from the failover rules, \
                         not read from Route 53's answer, and an inference is not a check that \
                         was made",
                        "because Route 53's answer (TestDNSAnswer) could not be read: access \
                         denied: the role lacks route53:TestDNSAnswer",
                    ],
                ),
                true,
            ),
            (
                case(
                    "FAILED OVER by inference stays FAILED OVER (not exit 0 anyway)",
                    Fx::alb_cloudfront().checkers(0, 8).dns_answer_denied(),
                    FailedOver,
                    Secondary,
                    &["inferred from the failover rules"],
                ),
                true,
            ),
            (
                case(
                    "an unmatched answer is inferred too: not LIVE",
                    Fx::alb_cloudfront().alias_addresses_unknown(),
                    Degraded,
                    Primary,
                    &["LIVE by inference only"],
                ),
                true,
            ),
            (
                case(
                    "read and matched: LIVE",
                    Fx::alb_cloudfront(),
                    Live,
                    Primary,
                    &["Route 53 answers the primary"],
                ),
                false,
            ),
        ],
        as_status,
    );
    let v = as_status(&Fx::alb_cloudfront().dns_answer_denied());
    assert_ne!(v.kind.exit_code(), 0);
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["served_inferred"], true);
}

#[test]
fn without_a_metric_datapoint_the_status_comes_from_another_source_and_says_which() {
    use Served::Primary;
    check_by(
        vec![
            (
                case(
                    "an endpoint check: GetHealthCheckStatus, and its age",
                    Fx::alb_cloudfront().checkers_for_missing_metric(PRIMARY_HC, 8, 8),
                    Live,
                    Primary,
                    &[
                        "primary health check www-primary (3f1c9a2e…) healthy: 8 of 8 checkers \
                         report success (source: GetHealthCheckStatus, 10 s old; no \
                         HealthCheckStatus datapoint yet: a new check)",
                    ],
                ),
                false,
            ),
            (
                case(
                    "an endpoint check with neither: a check not made",
                    Fx::alb_cloudfront().metric_without_datapoint(PRIMARY_HC),
                    Unknown,
                    Primary,
                    &[
                        "status of health check www-primary (3f1c9a2e…): not found (cloudwatch \
                         GetMetricData)",
                    ],
                ),
                false,
            ),
            (
                case(
                    "a CLOUDWATCH_METRIC check: its alarm, and its age",
                    Fx::cloudwatch_metric().metric_without_datapoint(PRIMARY_HC),
                    Live,
                    Primary,
                    &[
                        "primary health check app-1-status (3f1c9a2e…) healthy: alarm \
                         app-1-StatusCheckFailed OK (source: its alarm, 10 s old; no \
                         HealthCheckStatus datapoint yet: a new check)",
                    ],
                ),
                false,
            ),
            (
                case(
                    "a new CLOUDWATCH_METRIC check, no data, LastKnownStatus: none known, healthy",
                    Fx::cloudwatch_metric()
                        .alarm(AlarmState::InsufficientData)
                        .insufficient_data_is(InsufficientDataHealth::LastKnownStatus)
                        .metric_without_datapoint(PRIMARY_HC),
                    VerdictKind::Down,
                    Primary,
                    &[
                        "Route 53 will not fail over: alarm app-1-StatusCheckFailed has no data \
                         (INSUFFICIENT_DATA: instance stopped?) and health check app-1-status \
                         (3f1c9a2e…) treats missing data as LastKnownStatus=healthy",
                    ],
                ),
                false,
            ),
            (
                case(
                    "a CALCULATED check: its children",
                    Fx::alb_cloudfront()
                        .calculated_primary(2)
                        .metric_without_datapoint(PRIMARY_HC),
                    Live,
                    Primary,
                    &[
                        "healthy: 3 of 3 child health checks healthy (needs 2) (source: its child \
                         health checks, 10 s old; no HealthCheckStatus datapoint yet: a new check)",
                    ],
                ),
                false,
            ),
        ],
        as_status,
    );
}

#[test]
fn reasons_say_why_route_53_will_or_will_not_fail_over() {
    use Served::{Primary, Secondary};
    check_by(
        vec![
            (
                case(
                    "stopped instance, LastKnownStatus healthy: no failover, said",
                    {
                        let mut fx = Fx::cloudwatch_metric()
                            .alarm(AlarmState::InsufficientData)
                            .insufficient_data_is(InsufficientDataHealth::LastKnownStatus);
                        if let Some(o) = fx.0.health_checks.get_mut(PRIMARY_HC) {
                            o.status = crate::model::obs::Fetched::ok(
                                crate::model::route53::HealthCheckStatus::Metric {
                                    healthy: true,
                                    percent_healthy: None,
                                    at: Some(ago(60)),
                                },
                                ago(FRESH),
                            );
                        }
                        fx
                    },
                    VerdictKind::Down,
                    Primary,
                    &[
                        "Route 53 will not fail over: alarm app-1-StatusCheckFailed has no data \
                         (INSUFFICIENT_DATA: instance stopped?) and health check app-1-status \
                         (3f1c9a2e…) treats missing data as LastKnownStatus=healthy",
                    ],
                ),
                false,
            ),
            (
                case(
                    "stopped instance, Unhealthy: Route 53 fails over",
                    Fx::cloudwatch_metric()
                        .alarm(AlarmState::InsufficientData)
                        .dns_answers(Secondary),
                    FailedOver,
                    Secondary,
                    &["which this check treats as unhealthy"],
                ),
                false,
            ),
            (
                case(
                    "the secondary's own check is unhealthy",
                    Fx::alb_cloudfront().secondary_check(0, 8),
                    Degraded,
                    Primary,
                    &[
                        "Route 53 will not fail over: the secondary is unhealthy (health check \
                         www-sorry (7a2b4c6d…) unhealthy: 0 of 8 checkers report success (HTTP \
                         503)), so if the primary fails, Route 53 keeps answering the primary",
                    ],
                ),
                false,
            ),
            (
                case(
                    "fail-open: both unhealthy",
                    Fx::alb_cloudfront().checkers(0, 8).secondary_check(0, 8),
                    Degraded,
                    Primary,
                    &[
                        "PRIMARY AND SECONDARY ARE BOTH UNHEALTHY: Route 53 answers the primary \
                         regardless (it fails open when every record of the pair is unhealthy)",
                    ],
                ),
                false,
            ),
            (
                case(
                    "Evaluate Target Health decides the failover",
                    Fx::alb_cloudfront_eth()
                        .all_app_targets(TargetState::Unhealthy, Some("Target.Timeout"))
                        .dns_answers(Secondary),
                    FailedOver,
                    Secondary,
                    &["primary target health unhealthy (Evaluate Target Health)"],
                ),
                false,
            ),
            (
                case(
                    "a primary without health check and ETH: said on a live site",
                    Fx::alb_cloudfront().primary_without_check(),
                    Live,
                    Primary,
                    &[
                        "Route 53 will not fail over on its own: the primary has no health check \
                         and no Evaluate Target Health, so it always counts as healthy",
                    ],
                ),
                false,
            ),
            (
                case(
                    "one failing child of a healthy calculated check: named",
                    Fx::alb_cloudfront()
                        .calculated_primary(2)
                        .checkers_of("c2", 0, 8),
                    Degraded,
                    Primary,
                    &[
                        "child health check www-child-2 (c2) of calculated health check \
                         www-calculated (3f1c9a2e…) is unhealthy (0 of 8 checkers report success \
                         (HTTP 503)): 2 of 3 children healthy; Route 53 fails over below 2",
                    ],
                ),
                false,
            ),
            (
                case(
                    "a failing child while Route 53's metric says the calculated check is healthy",
                    Fx::alb_cloudfront()
                        .calculated_primary(2)
                        .primary_metric(true)
                        .checkers_of("c3", 0, 8),
                    Degraded,
                    Primary,
                    &[
                        "child health check www-child-3 (c3) of calculated health check \
                         www-calculated (3f1c9a2e…) is unhealthy (0 of 8 checkers report success \
                         (HTTP 503)): 2 of 3 children healthy; Route 53 fails over below 2",
                    ],
                ),
                false,
            ),
            (
                case(
                    "a calculated check below its threshold: each failing child named",
                    Fx::alb_cloudfront()
                        .calculated_primary(2)
                        .checkers_of("c2", 0, 8)
                        .checkers_of("c3", 1, 8)
                        .dns_answers(Secondary),
                    FailedOver,
                    Secondary,
                    &[
                        "primary health check www-calculated (3f1c9a2e…) unhealthy: 1 of 3 child \
                         health checks healthy (needs 2); www-child-2 (c2) unhealthy: 0 of 8 \
                         checkers report success (HTTP 503); www-child-3 (c3) unhealthy: 1 of 8 \
                         checkers report success (HTTP 503)",
                    ],
                ),
                false,
            ),
            (
                case(
                    "a muted alarm on a live site",
                    Fx::alb_cloudfront()
                        .extra_alarm(AlarmState::Ok)
                        .alarms_muted(),
                    Degraded,
                    Primary,
                    &[
                        "alarm app-alb-target-5xx is muted: its actions are disabled, so it \
                         notifies nobody",
                    ],
                ),
                false,
            ),
            (
                case(
                    "a muted alarm in ALARM",
                    Fx::alb_cloudfront()
                        .extra_alarm(AlarmState::Alarm)
                        .alarms_muted(),
                    Degraded,
                    Primary,
                    &[
                        "alarm app-alb-target-5xx in ALARM: Threshold Crossed: 1 datapoint [57.0] \
                         was greater than the threshold (10.0). (the alarm is muted (its actions \
                         are disabled), so nobody is notified)",
                    ],
                ),
                false,
            ),
            (
                case(
                    "the stopped instance's alarm is muted too",
                    Fx::cloudwatch_metric()
                        .alarm(AlarmState::InsufficientData)
                        .insufficient_data_is(InsufficientDataHealth::Healthy)
                        .alarms_muted(),
                    VerdictKind::Down,
                    Primary,
                    &[
                        "treats missing data as Healthy; the alarm is muted (its actions are \
                       disabled), so nobody is notified",
                    ],
                ),
                false,
            ),
        ],
        Fx::verdict,
    );
}

/// The overview reads the targets' health in bulk (CloudWatch counts) and listeners on its own
/// cadence: an old per-target read with fresh counts showing every target healthy, and listeners
/// (and their rules) older than `stale_after` but within the poller's cadence, leave the site
/// LIVE and complete. Counts that show a target unhealthy, or could not be read, do not stand in
/// for the old read; a listener whose last read failed is unread whatever the cadence.
#[test]
fn fresh_counts_and_listeners_within_their_cadence_are_not_stale() {
    use crate::model::elb::HostCounts;
    let old = STALE.as_secs() * 5;
    let aged = || {
        let mut fx = Fx::nlb_listener();
        assert!(!fx.0.listeners.is_empty());
        for f in fx.0.target_health.values_mut() {
            f.fetched_at = Some(ago(old));
        }
        for f in fx.0.listeners.values_mut() {
            f.fetched_at = Some(ago(old));
        }
        for f in fx.0.rules.values_mut() {
            f.fetched_at = Some(ago(old));
        }
        fx
    };
    let counts = |healthy, unhealthy| {
        Fetched::ok(
            HostCounts {
                healthy,
                unhealthy,
                minute: ago(130),
            },
            ago(FRESH),
        )
    };
    let fx = aged();
    let c = crate::model::completeness::completeness(&fx.0, NOW, STALE);
    assert!(!c.complete, "old reads and nothing else: {c:?}");
    assert_eq!(as_status(&fx).kind, Unknown);

    let mut fx = aged();
    fx.0.listeners_max_age_secs = old + 60;
    let tgs: Vec<String> = fx.0.target_health.keys().cloned().collect();
    for tg in &tgs {
        fx.0.host_counts.insert(tg.clone(), counts(2, 0));
    }
    let c = crate::model::completeness::completeness(&fx.0, NOW, STALE);
    assert!(c.complete, "{c:?}");
    assert_eq!(as_status(&fx).kind, Live, "{}", show(&as_status(&fx)));

    // Counts read just now whose newest datapoint is from minutes ago (the newest in the
    // poller's window): they say how the targets were, not how they are, and stand in for
    // nothing.
    let mut lagging = fx.clone();
    for tg in &tgs {
        let mut c = counts(2, 0);
        if let Some(v) = c.value.as_mut() {
            v.minute = ago(STALE.as_secs() + HostCounts::LAG.as_secs() + 60);
        }
        lagging.0.host_counts.insert(tg.clone(), c);
    }
    let c = crate::model::completeness::completeness(&lagging.0, NOW, STALE);
    assert!(
        c.unread.iter().any(|u| u.starts_with("targets of")),
        "an old datapoint is not the targets' health now: {c:?}"
    );
    assert_eq!(as_status(&lagging).kind, Unknown);

    // Listeners older than their cadence allows: stale again.
    let mut late = fx.clone();
    late.0.listeners_max_age_secs = old - 60;
    let c = crate::model::completeness::completeness(&late.0, NOW, STALE);
    assert!(
        c.unread
            .iter()
            .any(|u| u.starts_with("listeners of") && u.ends_with("(stale after 9 min)")),
        "said with the cadence's limit: {c:?}"
    );

    // Counts showing a target unhealthy, or not read: the old per-target read is stale.
    for bad in [
        counts(1, 1),
        Fetched::default().failed(
            AwsError::new(
                ErrorKind::Network,
                "cloudwatch",
                "GetMetricData",
                "timed out",
            ),
            NOW,
        ),
    ] {
        let mut fx = fx.clone();
        fx.0.host_counts.insert(tgs[0].clone(), bad);
        let c = crate::model::completeness::completeness(&fx.0, NOW, STALE);
        assert!(
            c.unread.iter().any(|u| u.starts_with("targets of")),
            "{c:?}"
        );
        assert_eq!(as_status(&fx).kind, Unknown, "{}", show(&as_status(&fx)));
    }

    let timed_out =
        |operation: &str| AwsError::new(ErrorKind::Network, "elbv2", operation, "timed out");
    // A DescribeTargetHealth that failed is unread, fresh counts or not.
    let mut failed = fx.clone();
    for f in failed.0.target_health.values_mut() {
        f.set_failed(timed_out("DescribeTargetHealth"), NOW);
    }
    let c = crate::model::completeness::completeness(&failed.0, NOW, STALE);
    assert!(
        c.unread.iter().any(|u| u.starts_with("targets of")),
        "{c:?}"
    );

    // A listener whose last read failed is unread, within its cadence or not.
    let mut fx = fx.clone();
    for f in fx.0.listeners.values_mut() {
        f.set_failed(timed_out("DescribeListeners"), NOW);
    }
    let c = crate::model::completeness::completeness(&fx.0, NOW, STALE);
    assert!(
        c.unread.iter().any(|u| u.starts_with("listeners of")),
        "{c:?}"
    );
}
