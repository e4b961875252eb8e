//! Inference where a source is missing, always said as such.
//!
//! - Which record Route 53 answers, when its answer (TestDNSAnswer) cannot be read (denied by
//!   IAM, or an endpoint that does not implement it) or matched: from the failover rules and the
//!   records' health. The verdict marks it `served_inferred` and says why and by which rule.
//! - Where a health check's status comes from when Route 53's own `HealthCheckStatus` metric has
//!   no datapoint (a new check) or could not be read: GetHealthCheckStatus for an endpoint check,
//!   the alarm and `InsufficientDataHealthStatus` for a CLOUDWATCH_METRIC check, the children and
//!   `HealthThreshold` for a CALCULATED one. The reasons name that source and its age.
//!
//! An inferred answer is not a check that was made: [`super::completeness`] never lets it alone
//! make a site LIVE.

use std::time::Duration;

use time::OffsetDateTime;

use super::error::{AwsError, ErrorKind};
use super::health::{Health, RecordHealth, check_health};
use super::obs::{Fetched, human_span};
use super::route53::HealthCheckStatus;
use super::site::SiteObservations;
use super::verdict::Served;

/// Whether `e` says that Route 53's `HealthCheckStatus` metric has no datapoint: a new health
/// check (the poller's GetMetricData found no value for it).
pub(crate) fn no_datapoint(e: &AwsError) -> bool {
    e.kind == ErrorKind::NotFound && e.service == "cloudwatch" && e.operation == "GetMetricData"
}

/// Whether a health check's status slot says that Route 53's metric has no datapoint yet, and
/// nothing else stands in it: the check is new.
pub(crate) fn new_check(status: &Fetched<HealthCheckStatus>) -> bool {
    status.value.is_none()
        && status
            .error
            .as_ref()
            .is_some_and(|e| no_datapoint(&e.error))
}

/// Why the status could not be had from Route 53's metric: `no HealthCheckStatus datapoint
/// yet: a new check`, `HealthCheckStatus metric unread: access denied: ...`.
fn metric_gap_text(e: &AwsError) -> String {
    if no_datapoint(e) {
        "no HealthCheckStatus datapoint yet: a new check".into()
    } else if e.operation == "GetMetricData" {
        format!("HealthCheckStatus metric unread: {}", e.summary())
    } else {
        format!("status unread: {}", e.summary())
    }
}

/// Why Route 53's `HealthCheckStatus` metric is not what a check's status comes from, when it
/// was tried and is not usable (failed, or too old); `None` when it is usable, holds the
/// checkers' observations, or was never tried.
pub(crate) fn metric_gap(
    status: &Fetched<HealthCheckStatus>,
    now: OffsetDateTime,
    stale_after: Duration,
) -> Option<String> {
    match (&status.value, status.fetched_at) {
        (Some(HealthCheckStatus::Checkers { .. }), _) => None,
        (Some(HealthCheckStatus::Metric { .. }), Some(at))
            if super::obs::within(now, at, stale_after) =>
        {
            None
        }
        (Some(HealthCheckStatus::Metric { .. }), Some(at)) => Some(format!(
            "HealthCheckStatus metric {} old",
            human_span(super::obs::span(at, now))
        )),
        _ => status.error.as_ref().map(|e| metric_gap_text(&e.error)),
    }
}

/// A health check's reason with the source that stood in for Route 53's metric, and its age:
/// `alarm api-1 OK (source: its alarm, 10 s old; no HealthCheckStatus datapoint yet: a new
/// check)`.
pub(crate) fn with_source(why: &str, source: &str, age: Option<Duration>, gap: &str) -> String {
    let age = age
        .map(|a| format!(", {} old", human_span(a)))
        .unwrap_or_default();
    format!("{why} (source: {source}{age}; {gap})")
}

/// The stand-in note of an endpoint check whose status is GetHealthCheckStatus's observations
/// because the metric was missing.
pub(crate) fn checkers_source(
    why: &str,
    missing: &AwsError,
    status: &Fetched<HealthCheckStatus>,
    now: OffsetDateTime,
) -> String {
    with_source(
        why,
        "GetHealthCheckStatus",
        status.age(now),
        &metric_gap_text(missing),
    )
}

/// Whether the status of health check `id` could not be read but was not needed: another source
/// decided the check's health (its alarm, its children, a disabled flag), so the check was made.
pub(crate) fn status_stood_in(
    site: &SiteObservations,
    id: &str,
    now: OffsetDateTime,
    stale_after: Duration,
) -> bool {
    check_health(site, id, now, stale_after).health != Health::Unknown
}

/// Whether TestDNSAnswer cannot be had from this endpoint at all (denied by IAM, or not
/// implemented by an emulator or peer), rather than failing for a while (throttled, network,
/// 5xx): the answer is then inferred instead of waited for.
pub(crate) fn answer_unavailable(e: &AwsError) -> bool {
    matches!(
        e.kind,
        ErrorKind::AccessDenied | ErrorKind::Invalid | ErrorKind::NotFound
    )
}

/// Why Route 53's answer cannot be used: it could not be read (and why), or it is too old.
pub(crate) fn dns_answer_gap(
    site: &SiteObservations,
    now: OffsetDateTime,
    stale_after: Duration,
) -> String {
    let f = &site.dns_answer;
    let error = f.error.as_ref().map(|e| e.error.summary());
    match (f.value.as_ref(), f.age(now), error) {
        (Some(a), Some(age), error) if age > stale_after => format!(
            "Route 53's answer ({}) is {} old{}",
            a.source.label(),
            human_span(age),
            error
                .map(|e| format!("; its latest read failed: {e}"))
                .unwrap_or_default()
        ),
        (_, _, Some(e)) => format!("Route 53's answer (TestDNSAnswer) could not be read: {e}"),
        _ => "Route 53's answer (TestDNSAnswer) was not read".into(),
    }
}

/// The failover rule by which Route 53 answers `served`, from the records' health: the primary
/// while it is healthy (a record without a health check, and a new check without data, count as
/// healthy); else the secondary when it is healthy or not evaluated; else the primary (Route 53
/// fails open when every record is unhealthy).
pub(crate) fn failover_rule(
    p: Option<&RecordHealth>,
    s: Option<&RecordHealth>,
    served: Served,
) -> String {
    match (served, p, s) {
        (Served::Primary, Some(p), _) if p.health == Health::Healthy => {
            if p.evaluated {
                "the primary is healthy".into()
            } else {
                "the primary has no health check and no Evaluate Target Health, so it always \
                 counts as healthy"
                    .into()
            }
        }
        (Served::Primary, Some(_), None) => {
            "the primary is unhealthy, but there is no secondary to answer instead".into()
        }
        (Served::Primary, Some(_), Some(_)) => "the primary and the secondary are both unhealthy, \
                                                and then Route 53 answers the primary (it fails \
                                                open)"
            .into(),
        (Served::Secondary, None, _) => "there is only a secondary record".into(),
        (Served::Secondary, Some(_), Some(s)) if !s.evaluated => {
            "the primary is unhealthy, and the secondary has no health check, so it is answered \
             instead"
                .into()
        }
        (Served::Secondary, _, _) => "the primary is unhealthy and the secondary is healthy".into(),
        (Served::Plain, _, _) => "it is the only record".into(),
        _ => "the records' health does not tell".into(),
    }
}

/// The sentence for an answer inferred rather than read: `Route 53 answers the primary (...),
/// inferred from the failover rules (the primary is healthy), because Route 53's answer
/// (TestDNSAnswer) could not be read: access denied: the role lacks route53:TestDNSAnswer`.
pub(crate) fn inferred_served_line(what: &str, rule: &str, gap: &str) -> String {
    format!("Route 53 answers {what}, inferred from the failover rules ({rule}), because {gap}")
}

/// The lead reason of a site that is LIVE only by an inferred answer (see
/// [`super::completeness`]).
pub(crate) fn live_by_inference(served: Served) -> String {
    format!(
        "LIVE by inference only: the {} is inferred from the failover rules, not read from Route \
         53's answer, and an inference is not a check that was made",
        match served {
            Served::Primary => "primary",
            Served::Secondary => "secondary",
            Served::Plain => "plain record",
            Served::Members => "answer among the members",
            Served::Unknown => "record",
        }
    )
}
