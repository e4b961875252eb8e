//! The freshness rule: a lagging metric never makes a switch on its own.

use crate::model::fixtures::*;
use crate::model::obs::Fetched;

use super::super::{Served, VerdictKind};

const LAGS: &str = "the metric lags Route 53 by 1 min or more";

#[test]
fn after_a_fail_back_a_lagging_metric_that_still_says_unhealthy_is_no_switch() {
    // The fail back is done: Route 53 answers the primary (fresh), the metric's last datapoint
    // is from before (95 s old) and still says unhealthy.
    let v = Fx::alb_cloudfront()
        .primary_metric_aged(false, 95)
        .dns_answers(Served::Primary)
        .verdict();
    assert_eq!(v.kind, VerdictKind::Live, "{:#?}", v.reasons);
    assert_eq!(v.served, Served::Primary);
    assert_eq!(v.eta, None);
    assert!(
        !v.reasons
            .iter()
            .any(|r| r.contains("Route 53 will fail over")),
        "{:#?}",
        v.reasons
    );
    let note = "the CloudWatch metric HealthCheckStatus of primary health check www-primary \
                (3f1c9a2e…) says unhealthy, but its datapoint is 1 min 35 s old and the metric \
                lags Route 53 by 1 min or more; Route 53's DNS answer (10 s old) is fresher and \
                answers the primary: no switch is under way";
    // Right after what Route 53 answers: it explains the health below it.
    assert_eq!(
        v.reasons.get(1).map(String::as_str),
        Some(note),
        "{:#?}",
        v.reasons
    );
}

#[test]
fn after_a_failover_a_lagging_metric_that_still_says_healthy_is_no_fail_back() {
    let v = Fx::alb_cloudfront()
        .primary_metric_aged(true, 80)
        .dns_answers(Served::Secondary)
        .verdict();
    assert_eq!(v.kind, VerdictKind::FailedOver, "{:#?}", v.reasons);
    assert_eq!(v.served, Served::Secondary);
    assert!(
        !v.reasons
            .iter()
            .any(|r| r.contains("Route 53 will answer it")),
        "{:#?}",
        v.reasons
    );
    assert!(
        v.reasons.iter().any(
            |r| r.contains("says healthy, but its datapoint is 1 min 20 s old")
                && r.contains(LAGS)
                && r.contains("answers the secondary")
        ),
        "{:#?}",
        v.reasons
    );
}

#[test]
fn fresh_checkers_that_say_unhealthy_while_the_answer_is_still_the_primary_are_a_switch() {
    // GetHealthCheckStatus is as fresh as the DNS answer: the disagreement is real.
    let v = Fx::alb_cloudfront()
        .checkers(0, 8)
        .dns_answers(Served::Primary)
        .verdict();
    assert_eq!(v.kind, VerdictKind::Switching, "{:#?}", v.reasons);
    assert!(!v.reasons.iter().any(|r| r.contains(LAGS)));
}

#[test]
fn a_metric_newer_than_the_dns_answer_is_believed() {
    let mut fx = Fx::alb_cloudfront()
        .primary_metric_aged(false, 5)
        .dns_answers(Served::Primary);
    if let Some(a) = fx.0.dns_answer.value.clone() {
        fx.0.dns_answer = Fetched::ok(a, ago(20));
    }
    let v = fx.verdict();
    assert_eq!(v.kind, VerdictKind::Switching, "{:#?}", v.reasons);
    assert!(
        v.reasons
            .iter()
            .any(|r| r.contains("Route 53 still answers the primary, but the primary is unhealthy"))
    );
}

#[test]
fn a_metric_that_agrees_with_the_answer_needs_no_note() {
    let v = Fx::alb_cloudfront()
        .primary_metric_aged(true, 95)
        .dns_answers(Served::Primary)
        .verdict();
    assert_eq!(v.kind, VerdictKind::Live, "{:#?}", v.reasons);
    assert!(!v.reasons.iter().any(|r| r.contains(LAGS)));
}
