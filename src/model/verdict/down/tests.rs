//! DOWN in every way it can arise, and the states that look like it and are not.

use crate::model::cloudwatch::{AlarmState, MetricSeries};
use crate::model::elb::{ListenerAction, Rule, TargetState};
use crate::model::fixtures::*;
use crate::model::maintenance::MaintenancePhase::Active;
use crate::model::obs::Fetched;
use crate::model::route53::InsufficientDataHealth;
use crate::model::verdict::{Served, Verdict, VerdictKind};

fn fresh<T>(value: T) -> Fetched<T> {
    let mut f = Fetched::default();
    f.set_ok(value, ago(FRESH));
    f
}

fn show(v: &Verdict) -> String {
    format!(
        "{} served={:?}\n  {}",
        v.kind.label(),
        v.served,
        v.reasons.join("\n  ")
    )
}

/// The verdict is `kind`, and (for DOWN) its first reason is exactly `first`.
fn expect(name: &str, fx: &Fx, kind: VerdictKind, first: Option<&str>) -> Verdict {
    let v = fx.verdict();
    assert_eq!(v.kind, kind, "{name}: {}", show(&v));
    if let Some(first) = first {
        assert_eq!(v.reasons[0], first, "{name}: {}", show(&v));
    }
    if kind == VerdictKind::Down {
        assert!(v.reasons[0].starts_with("users get errors: "), "{name}");
    } else {
        assert!(
            !v.reasons.iter().any(|r| r.contains("users get errors")),
            "{name}: {}",
            show(&v)
        );
    }
    v
}

/// The ALB's listener answers this fixed response, and the config names it (or not) as the
/// maintenance response.
fn alb_answers(fx: Fx, code: &str, configured: bool) -> Fx {
    let mut fx = fx.alb_listener_fixed_response(code);
    // The listener's rules were read: none, so its default action answers every request.
    fx.0.rules
        .insert(ALB_LISTENER.into(), fresh(Vec::<Rule>::new()));
    if configured {
        let page = ListenerAction::fixed(
            code,
            Some("text/html".into()),
            Some("<h1>Back soon</h1>".into()),
        );
        fx.0.maintenance_responses.extend(page.fixed_response);
    }
    fx
}

#[test]
fn no_healthy_target_behind_the_answered_load_balancer() {
    // The NLB's instances are stopped: it fails open onto targets that do not answer.
    let v = expect(
        "stopped instances behind a plain record",
        &Fx::nlb_listener().all_app_targets(TargetState::Unused, Some("Target.InvalidState")),
        VerdictKind::Down,
        Some(
            "users get errors: listener TCP 443 of NLB app-nlb forwards to target group app-tg, \
             which has no healthy target (0 of 2: 2 unused (Target.InvalidState))",
        ),
    );
    assert_eq!(v.served, Served::Plain);
    assert!(v.reasons[1].starts_with("Route 53 answers the plain record"));
    assert_eq!(v.kind.exit_code(), 15);
    expect(
        "every target unhealthy",
        &Fx::nlb_listener().all_app_targets(TargetState::Unhealthy, Some("Target.Timeout")),
        VerdictKind::Down,
        Some(
            "users get errors: listener TCP 443 of NLB app-nlb forwards to target group app-tg, \
             which has no healthy target (0 of 2: 2 unhealthy (Target.Timeout))",
        ),
    );
    expect(
        "every target draining",
        &Fx::nlb_listener().all_app_targets(
            TargetState::Draining,
            Some("Target.DeregistrationInProgress"),
        ),
        VerdictKind::Down,
        None,
    );
    expect(
        "no target registered",
        &Fx::nlb_listener().app_targets(Vec::new()),
        VerdictKind::Down,
        Some(
            "users get errors: listener TCP 443 of NLB app-nlb forwards to target group app-tg, \
             which has no registered target",
        ),
    );
    // One target left answers: degraded, not down.
    expect(
        "one of two targets unhealthy",
        &Fx::nlb_listener().app_targets(vec![
            target(
                "i-0aaa0000000000001",
                "eu-west-1a",
                TargetState::Healthy,
                None,
            ),
            target(
                "i-0bbb0000000000002",
                "eu-west-1b",
                TargetState::Unhealthy,
                Some("Target.Timeout"),
            ),
        ]),
        VerdictKind::Degraded,
        None,
    );
    // Registering targets may serve in a moment: not down.
    expect(
        "targets registering",
        &Fx::nlb_listener()
            .all_app_targets(TargetState::Initial, Some("Elb.RegistrationInProgress")),
        VerdictKind::Live,
        None,
    );
    // AWS does not check a target group no listener used a moment ago: cannot tell.
    let v = expect(
        "targets not in use yet",
        &Fx::nlb_listener().all_app_targets(TargetState::Unused, Some("Target.NotInUse")),
        VerdictKind::Live,
        None,
    );
    assert_eq!(v.served, Served::Plain);
    // Target health that could not be read says nothing either way.
    expect(
        "target health never read",
        &Fx::alb_cloudfront_eth().app_target_health_unknown(),
        VerdictKind::Unknown,
        None,
    );
}

#[test]
fn route53_about_to_fail_over_is_down_until_it_has() {
    // Evaluate Target Health: every target unhealthy, Route 53 still answers the primary.
    let v = expect(
        "ETH primary with no healthy target, still answered",
        &Fx::alb_cloudfront_eth().all_app_targets(TargetState::Unhealthy, Some("Target.Timeout")),
        VerdictKind::Down,
        Some(
            "users get errors: listener HTTPS 443 of ALB app-alb forwards to target group app-tg, \
             which has no healthy target (0 of 2: 2 unhealthy (Target.Timeout))",
        ),
    );
    assert!(
        v.reasons
            .iter()
            .any(|r| r.contains("so Route 53 will fail over")),
        "{}",
        show(&v)
    );
    assert!(v.eta.is_some(), "when users stop getting errors");
    // Once it answers the sorry page: failed over, the sorry page serves.
    expect(
        "failed over",
        &Fx::alb_cloudfront_eth()
            .all_app_targets(TargetState::Unhealthy, Some("Target.Timeout"))
            .dns_answers(Served::Secondary),
        VerdictKind::FailedOver,
        None,
    );
    // Route 53's own checkers reach the endpoint: something answers there after all.
    expect(
        "checkers succeed although every target is unhealthy",
        &Fx::alb_cloudfront()
            .all_app_targets(TargetState::Unhealthy, Some("Target.ResponseCodeMismatch")),
        VerdictKind::Degraded,
        None,
    );
    expect(
        "checkers fail too, Route 53 about to fail over",
        &Fx::alb_cloudfront()
            .checkers(0, 8)
            .all_app_targets(TargetState::Unhealthy, Some("Target.ResponseCodeMismatch")),
        VerdictKind::Down,
        None,
    );
}

#[test]
fn a_fixed_5xx_where_the_app_should_be() {
    expect(
        "a fixed 503 that is not the configured maintenance response",
        &alb_answers(Fx::alb_cloudfront().checkers(0, 8), "503", false),
        VerdictKind::Down,
        Some(
            "users get errors: listener HTTPS 443 of ALB app-alb answers a fixed 503, which is \
             not the site's maintenance response: the app is not served",
        ),
    );
    expect(
        "the same with switchyard's marker",
        &alb_answers(
            Fx::alb_cloudfront().checkers(0, 8).marker(Active),
            "503",
            false,
        ),
        VerdictKind::Down,
        None,
    );
    // The configured maintenance response is a working sorry page.
    expect(
        "the configured maintenance response, with the marker",
        &alb_answers(Fx::alb_cloudfront().marker(Active), "503", true),
        VerdictKind::Maintenance,
        None,
    );
    expect(
        "the configured maintenance response, without the marker",
        &alb_answers(Fx::alb_cloudfront(), "503", true),
        VerdictKind::Maintenance,
        None,
    );
    // The ALB's usual 404 is no error page of the site.
    expect(
        "a fixed 404",
        &Fx::alb_cloudfront().alb_listener_fixed_response("404"),
        VerdictKind::Live,
        None,
    );
    // A rule that answers the configured maintenance page: everyone gets the sorry page,
    // although the default action forwards to targets that are all stopped.
    let page = ListenerAction::fixed(
        "503",
        Some("text/html".into()),
        Some("<h1>Back soon</h1>".into()),
    );
    let mut fx = Fx::alb_cloudfront_eth()
        .all_app_targets(TargetState::Unused, Some("Target.InvalidState"))
        .marker(Active);
    fx.0.maintenance_responses
        .extend(page.fixed_response.clone());
    let stopped = fx.clone();
    fx.0.rules.insert(
        ALB_LISTENER.into(),
        fresh(vec![Rule {
            arn: "rule-maintenance".into(),
            priority: Some(11),
            conditions: Vec::new(),
            actions: vec![page],
            is_default: false,
        }]),
    );
    let v = fx.verdict();
    assert_ne!(v.kind, VerdictKind::Down, "{}", show(&v));
    // Without the rule, nothing serves.
    expect("the rule is gone", &stopped, VerdictKind::Down, None);
}

#[test]
fn a_sorry_page_that_cannot_serve() {
    expect(
        "failed over to a disabled distribution",
        &Fx::alb_cloudfront()
            .checkers(0, 8)
            .dns_answers(Served::Secondary)
            .distribution_disabled(),
        VerdictKind::Down,
        Some(
            "users get errors: sorry page distribution E2QWRUHAPOMQZL is disabled: CloudFront \
             serves nothing for it",
        ),
    );
    let v = expect(
        "maintenance on a disabled distribution",
        &Fx::alb_cloudfront()
            .marker(Active)
            .primary_check_inverted()
            .dns_answers(Served::Secondary)
            .distribution_disabled(),
        VerdictKind::Down,
        None,
    );
    assert!(
        v.reasons
            .iter()
            .any(|r| r.starts_with("maintenance forced by")),
        "{}",
        show(&v)
    );
    // While the app is served, a disabled sorry page only means failover would not work.
    expect(
        "disabled distribution while live",
        &Fx::alb_cloudfront().distribution_disabled(),
        VerdictKind::Degraded,
        None,
    );
    // The NLB's sorry target group has no healthy target during maintenance.
    expect(
        "the sorry target group cannot serve",
        &Fx::nlb_listener()
            .marker(Active)
            .listener_forwards_to_sorry()
            .sorry_targets(vec![target(
                "sorry-alb",
                "eu-west-1a",
                TargetState::Unhealthy,
                Some("Target.ResponseCodeMismatch"),
            )]),
        VerdictKind::Down,
        Some(
            "users get errors: listener TCP 443 of NLB app-nlb forwards to sorry target group \
             sorry-tg, which has no healthy target (0 of 1: 1 unhealthy \
             (Target.ResponseCodeMismatch))",
        ),
    );
    // A working sorry page is never down, whatever the app's targets are doing.
    expect(
        "maintenance with the app stopped",
        &Fx::nlb_listener()
            .all_app_targets(TargetState::Unused, Some("Target.InvalidState"))
            .marker(Active)
            .listener_forwards_to_sorry(),
        VerdictKind::Maintenance,
        None,
    );
    expect(
        "maintenance on CloudFront with the app stopped",
        &Fx::alb_cloudfront()
            .marker(Active)
            .primary_check_inverted()
            .dns_answers(Served::Secondary)
            .all_app_targets(TargetState::Unused, Some("Target.InvalidState")),
        VerdictKind::Maintenance,
        None,
    );
}

#[test]
fn no_address_no_listener() {
    // The NLB behind a plain alias is gone: Route 53 answers without values.
    let mut fx = Fx::nlb_listener().dns_answers_values(&[]);
    fx.0.load_balancers = fresh(Vec::new());
    fx.0.listeners.clear();
    let v = expect(
        "the load balancer does not exist",
        &fx,
        VerdictKind::Down,
        Some(
            "users get errors: Route 53 answers www.example.com. with no address (NOERROR \
             without values): clients cannot connect",
        ),
    );
    assert!(
        v.reasons.iter().any(|r| r
            == "the plain record is an alias to app-nlb-73e2d6bc24d8a067.elb.eu-west-1.amazonaws.com, \
                which is no load balancer switchyard finds in the account"),
        "{}",
        show(&v)
    );
    // The sorry distribution behind the answered secondary is gone.
    let mut fx = Fx::alb_cloudfront().checkers(0, 8).dns_answers_values(&[]);
    fx.0.distribution = None;
    let v = expect(
        "the distribution does not exist",
        &fx,
        VerdictKind::Down,
        None,
    );
    assert!(
        v.reasons.iter().any(|r| r
            == "the secondary is an alias to d111111abcdef8.cloudfront.net, which is no \
                distribution switchyard finds"),
        "{}",
        show(&v)
    );
    // A change still pending may explain an empty answer for a moment.
    expect(
        "empty answer while a change is pending",
        &Fx::nlb_listener()
            .dns_answers_values(&[])
            .pending_change(10),
        VerdictKind::Switching,
        None,
    );
    // The NLB has no listener left.
    let mut fx = Fx::nlb_listener();
    for f in fx.0.listeners.values_mut() {
        *f = fresh(Vec::new());
    }
    expect(
        "no listener",
        &fx,
        VerdictKind::Down,
        Some("users get errors: NLB app-nlb has no listener: it accepts no connection"),
    );
}

#[test]
fn a_stopped_instance_behind_a_cloudwatch_metric_check_route53_still_answers() {
    let stopped = |h| {
        Fx::cloudwatch_metric()
            .alarm(AlarmState::InsufficientData)
            .insufficient_data_is(h)
    };
    let v = expect(
        "missing data treated as healthy",
        &stopped(InsufficientDataHealth::Healthy),
        VerdictKind::Down,
        Some(
            "users get errors: instance i-0aaa0000000000001 behind the answered record sends no \
             StatusCheckFailed data (alarm app-1-StatusCheckFailed has INSUFFICIENT_DATA for 1 \
             h): it is stopped or gone, and health check app-1-status (3f1c9a2e…) reads missing \
             data as healthy, so Route 53 keeps answering it",
        ),
    );
    assert_eq!(v.served, Served::Primary);
    expect(
        "missing data keeps the last known status",
        &stopped(InsufficientDataHealth::LastKnownStatus),
        VerdictKind::Down,
        None,
    );
    // Missing data counts as unhealthy: Route 53 fails over to the sorry page.
    expect(
        "missing data treated as unhealthy",
        &stopped(InsufficientDataHealth::Unhealthy).dns_answers(Served::Secondary),
        VerdictKind::FailedOver,
        None,
    );
    // Datapoints still arrive: the instance reports, the alarm is only late.
    let mut fx = stopped(InsufficientDataHealth::Healthy);
    fx.0.alarms[0].series = fresh(vec![MetricSeries {
        label: "StatusCheckFailed".into(),
        points: vec![(ago(30), 0.0)],
    }]);
    expect("recent datapoints", &fx, VerdictKind::Degraded, None);
    // In ALARM, the instance runs (its status check fails): Route 53 fails over.
    expect(
        "alarm in ALARM",
        &Fx::cloudwatch_metric().alarm(AlarmState::Alarm),
        VerdictKind::Switching,
        None,
    );
}
