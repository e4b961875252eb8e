//! Why Route 53 will or will not fail over, in the operator's words: the sentences the verdict
//! gives when the cause sits in a health check's settings rather than in what is served (an
//! alarm without data and `InsufficientDataHealthStatus`, the secondary's own check, Evaluate
//! Target Health, Route 53 failing open, the children of a calculated check, muted alarms).

use super::cloudwatch::Alarm;
use super::health::Health;
use super::route53::InsufficientDataHealth;

/// `(INSUFFICIENT_DATA: instance stopped?)` for an alarm on an EC2 status check (a stopped
/// instance sends no data), `(INSUFFICIENT_DATA: no datapoints)` for any other.
fn no_data_hint(alarm: &Alarm) -> &'static str {
    if alarm.watches_status_check() {
        "(INSUFFICIENT_DATA: instance stopped?)"
    } else {
        "(INSUFFICIENT_DATA: no datapoints)"
    }
}

/// What a CLOUDWATCH_METRIC check makes of its alarm's INSUFFICIENT_DATA, and so whether Route 53
/// fails over: `Route 53 will not fail over: alarm api-1 has no data (instance stopped?) and
/// health check api-1-status treats missing data as LastKnownStatus=healthy`. `health` is the
/// check's health as Route 53 routes on it (before inversion does not matter here: an inverted
/// CLOUDWATCH_METRIC check is rare and its reason says so).
pub(crate) fn insufficient_data(
    alarm: &Alarm,
    check: &str,
    setting: Option<InsufficientDataHealth>,
    health: Health,
) -> String {
    let no_data = format!("alarm {} has no data {}", alarm.name, no_data_hint(alarm));
    let mut s = match (setting, health) {
        (Some(InsufficientDataHealth::Healthy), _) => format!(
            "Route 53 will not fail over: {no_data} and health check {check} treats missing data \
             as Healthy"
        ),
        (Some(InsufficientDataHealth::Unhealthy), _) => format!(
            "Route 53 fails over: {no_data} and health check {check} treats missing data as \
             Unhealthy"
        ),
        // LastKnownStatus, which is also what an unset setting means.
        (_, Health::Healthy) => format!(
            "Route 53 will not fail over: {no_data} and health check {check} treats missing data \
             as LastKnownStatus=healthy"
        ),
        (_, Health::Unhealthy) => format!(
            "Route 53 fails over: {no_data} and health check {check} treats missing data as \
             LastKnownStatus=unhealthy"
        ),
        (_, Health::Unknown) => format!(
            "Route 53 may not fail over: {no_data} and health check {check} keeps its last known \
             status (LastKnownStatus), which switchyard cannot see"
        ),
    };
    if !alarm.actions_enabled {
        s.push_str(&format!("; {}", muted_clause()));
    }
    s
}

/// `the alarm is muted (its actions are disabled), so nobody is notified`.
fn muted_clause() -> &'static str {
    "the alarm is muted (its actions are disabled), so nobody is notified"
}

/// A muted alarm: `alarm app-1 is muted: its actions are disabled, so it notifies nobody`.
pub(crate) fn muted(alarm: &Alarm) -> String {
    format!(
        "alarm {} is muted: its actions are disabled, so it notifies nobody",
        alarm.name
    )
}

/// An alarm line made to say that it is muted, when it is.
pub(crate) fn with_muted(line: String, alarm: &Alarm) -> String {
    if alarm.actions_enabled {
        line
    } else {
        format!("{line} ({})", muted_clause())
    }
}

/// The secondary's own check keeps Route 53 from failing over.
pub(crate) fn secondary_blocks(why: &str) -> String {
    format!(
        "Route 53 will not fail over: the secondary is unhealthy ({why}), so if the primary \
         fails, Route 53 keeps answering the primary"
    )
}

/// Every record of the pair is unhealthy: Route 53 fails open and answers the primary.
pub(crate) fn both_unhealthy() -> String {
    "PRIMARY AND SECONDARY ARE BOTH UNHEALTHY: Route 53 answers the primary regardless (it fails \
     open when every record of the pair is unhealthy)"
        .into()
}

/// The primary is never evaluated: nothing makes Route 53 fail over on its own.
pub(crate) fn never_evaluated() -> String {
    "Route 53 will not fail over on its own: the primary has no health check and no Evaluate \
     Target Health, so it always counts as healthy"
        .into()
}

/// Evaluate Target Health on the primary's alias decides: `primary target health unhealthy
/// (Evaluate Target Health): ALB app-alb: target group app-tg has 0 of 2 targets healthy`.
pub(crate) fn target_health(health: Health, why: &str) -> String {
    format!(
        "primary target health {} (Evaluate Target Health): {why}",
        health.as_str()
    )
}

/// One failing child of a calculated check that is still healthy: Route 53 does not fail over
/// yet, and says when it would.
pub(crate) fn failing_child(
    calculated: &str,
    child: &str,
    child_health: Health,
    child_why: &str,
    healthy: usize,
    total: usize,
    needed: usize,
) -> String {
    format!(
        "child health check {child} of calculated health check {calculated} is {} ({child_why}): \
         {healthy} of {total} children healthy; Route 53 fails over below {needed}",
        child_health.as_str()
    )
}
