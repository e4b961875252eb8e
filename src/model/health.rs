//! Health as Route 53 routes on it: of one health check, and of one record set.
//!
//! Encodes AWS's rules: a disabled check is healthy; an endpoint is healthy when more than 18% of
//! checkers report success; `Inverted` flips the result; a CLOUDWATCH_METRIC check follows its
//! alarm (INSUFFICIENT_DATA per InsufficientDataHealthStatus); a CALCULATED check needs
//! HealthThreshold healthy children; an alias with Evaluate Target Health to an ALB/NLB needs a
//! healthy target in every target group of the load balancer.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::cloudwatch::AlarmState;
use super::obs::{Fetched, age_of_data, before, holds_through, human_span, span, within};
use super::route53::{
    AlarmRef, HealthCheck, HealthCheckKind, HealthCheckStatus, InsufficientDataHealth, RecordSet,
};
use super::site::{HealthCheckObservations, SiteObservations};

/// A health as Route 53 sees it for routing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Route 53 answers with this record.
    Healthy,
    /// Route 53 avoids this record.
    Unhealthy,
    /// switchyard cannot tell (data missing, stale, or not observable).
    Unknown,
}

impl Health {
    fn from_bool(healthy: bool) -> Health {
        if healthy {
            Health::Healthy
        } else {
            Health::Unhealthy
        }
    }

    /// `healthy`, `unhealthy` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Unhealthy => "unhealthy",
            Health::Unknown => "unknown",
        }
    }

    fn inverted(self) -> Health {
        match self {
            Health::Healthy => Health::Unhealthy,
            Health::Unhealthy => Health::Healthy,
            Health::Unknown => Health::Unknown,
        }
    }

    /// Both must be healthy (Unhealthy wins over Unknown).
    fn and(self, other: Health) -> Health {
        match (self, other) {
            (Health::Unhealthy, _) | (_, Health::Unhealthy) => Health::Unhealthy,
            (Health::Unknown, _) | (_, Health::Unknown) => Health::Unknown,
            _ => Health::Healthy,
        }
    }
}

/// What an assessment relied on: data that was missing or stale, notes about failing fetches,
/// and the age of the oldest piece used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Needed data that was missing, failed without data, or too old, each with how old.
    pub missing: Vec<String>,
    /// Notes: data used although its latest fetch failed, and similar.
    pub notes: Vec<String>,
    /// The age of the oldest piece used.
    pub oldest: Option<Duration>,
    /// The age of the oldest needed piece that was too old to use.
    pub oldest_stale: Option<Duration>,
}

impl Evidence {
    fn use_age(&mut self, age: Duration) {
        self.oldest = Some(self.oldest.map_or(age, |o| o.max(age)));
    }

    fn stale_age(&mut self, age: Duration) {
        self.oldest_stale = Some(self.oldest_stale.map_or(age, |o| o.max(age)));
    }

    /// How old the data is: the oldest piece used, or the oldest needed piece that was too old.
    pub fn data_age(&self) -> Option<Duration> {
        match (self.oldest, self.oldest_stale) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// The value of `f` if it is usable (present and not older than `stale_after`); otherwise
    /// records why in `missing`. A failing fetch with usable data adds a note.
    pub(crate) fn read<'a, T>(
        &mut self,
        what: &str,
        f: &'a Fetched<T>,
        now: OffsetDateTime,
        stale_after: Duration,
    ) -> Option<&'a T> {
        let error = f.error.as_ref().map(|e| e.error.summary());
        match (&f.value, f.fetched_at) {
            (Some(value), Some(at)) if within(now, at, stale_after) => {
                self.use_age(age_of_data(at, now));
                if let Some(error) = error {
                    self.notes.push(format!(
                        "{what}: latest fetch failed ({error}); using data from {} ago",
                        human_span(span(at, now))
                    ));
                }
                Some(value)
            }
            (Some(_), Some(at)) => {
                // Counted in the data age, so that the operator sees how old it is.
                self.stale_age(age_of_data(at, now));
                let mut s = format!(
                    "{what}: data is {} old (stale after {})",
                    human_span(span(at, now)),
                    human_span(stale_after)
                );
                if let Some(error) = error {
                    s.push_str(&format!("; latest fetch failed: {error}"));
                }
                self.missing.push(s);
                None
            }
            _ => {
                self.missing.push(match error {
                    Some(error) => format!("{what}: {error}"),
                    None => format!("{what}: not fetched yet"),
                });
                None
            }
        }
    }

    /// Like [`Evidence::read`] but optional: an unusable value is skipped silently.
    pub(crate) fn peek<'a, T>(
        &mut self,
        what: &str,
        f: &'a Fetched<T>,
        now: OffsetDateTime,
        stale_after: Duration,
    ) -> Option<&'a T> {
        let mut scratch = Evidence::default();
        let value = scratch.read(what, f, now, stale_after)?;
        self.absorb(scratch, true);
        Some(value)
    }

    /// Takes over another assessment's evidence; its missing data counts as missing here if
    /// `essential`, else it becomes notes.
    pub(crate) fn absorb(&mut self, other: Evidence, essential: bool) {
        if essential {
            self.missing.extend(other.missing);
            if let Some(age) = other.oldest_stale {
                self.stale_age(age);
            }
        } else {
            self.notes.extend(other.missing);
        }
        self.notes.extend(other.notes);
        if let Some(age) = other.oldest {
            self.use_age(age);
        }
    }
}

/// Checker observations counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckerCount {
    /// Checkers whose latest observation is a success.
    pub success: usize,
    /// All checkers with an observation.
    pub total: usize,
    /// The most common failure among the others, briefly (`HTTP 503`).
    pub failure: Option<String>,
}

impl CheckerCount {
    /// More than 18% report success (before inversion).
    pub fn healthy(&self) -> bool {
        self.success * 100 > self.total * 18
    }

    /// The fewest successes that still count as healthy: 2 of 8, 1 of 3.
    pub fn min_success(&self) -> usize {
        self.total * 18 / 100 + 1
    }

    /// `0 of 8 checkers report success (HTTP 503)`.
    pub fn describe(&self) -> String {
        let mut s = format!("{} of {} checkers report success", self.success, self.total);
        if let Some(f) = &self.failure {
            s.push_str(&format!(" ({f})"));
        }
        s
    }
}

/// The health of one Route 53 health check as Route 53 routes on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckHealth {
    /// The health check ID.
    pub id: String,
    /// `name (3f1c9a2e…)` or `3f1c9a2e…`.
    pub label: String,
    /// The final health (disabled and inversion applied).
    pub health: Health,
    /// The health before inversion (equal to `health` if not inverted).
    pub raw: Health,
    /// Why, e.g. `0 of 8 checkers report success (HTTP 503)` or `alarm app-1 in ALARM`.
    pub why: String,
    /// The checker count, for endpoint checks observed per checker.
    pub checkers: Option<CheckerCount>,
    /// Whether the check is disabled.
    pub disabled: bool,
    /// Whether the check is inverted.
    pub inverted: bool,
    /// Worst-case time for this health to change, named: `health check 30 s x 3`.
    pub flip: Option<(String, Duration)>,
    /// For a CALCULATED check judged from its children: how many are healthy, and which fail.
    pub calculated: Option<Calculated>,
    /// When the health came from Route 53's CloudWatch metric: the time of its datapoint. The
    /// metric lags Route 53's own view by a minute or more (see [`METRIC_LAG`]).
    pub metric_at: Option<OffsetDateTime>,
    /// What this assessment relied on.
    pub evidence: Evidence,
}

/// How far Route 53's CloudWatch `HealthCheckStatus` metric lags behind Route 53's own view of
/// a health check: one-minute datapoints, published after their minute has ended.
pub const METRIC_LAG: Duration = Duration::from_secs(120);

/// A CALCULATED check's children, as its status was judged from them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calculated {
    /// Children that are healthy.
    pub healthy: usize,
    /// All children.
    pub total: usize,
    /// HealthThreshold: how many must be healthy.
    pub needed: usize,
    /// The children that are not healthy: label, health and why.
    pub failing: Vec<(String, Health, String)>,
}

/// How the health of one record set's alias target (Evaluate Target Health) was judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetVerdict {
    /// The health of the alias target.
    pub health: Health,
    /// Why, e.g. `ALB app-alb: target group app-tg has 0 of 2 targets healthy`.
    pub why: String,
    /// Worst-case time for the targets to reach their current health, named.
    pub flip: Option<(String, Duration)>,
}

/// The health of one record set as Route 53 routes on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordHealth {
    /// Healthy when its health check (if any) and its alias target (with ETH) are healthy.
    pub health: Health,
    /// Whether Route 53 evaluates the record's health at all (health check or ETH).
    pub evaluated: bool,
    /// Its health check's health.
    pub check: Option<CheckHealth>,
    /// Its alias target's health (Evaluate Target Health).
    pub target: Option<TargetVerdict>,
    /// What this assessment relied on.
    pub evidence: Evidence,
}

impl RecordHealth {
    /// The explanations, health check first: `health check x unhealthy: ...`.
    pub fn explain(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(c) = &self.check {
            out.push(format!(
                "health check {} {}: {}",
                c.label,
                c.health.as_str(),
                c.why
            ));
        }
        if let Some(t) = &self.target {
            out.push(format!("target health {}: {}", t.health.as_str(), t.why));
        }
        if out.is_empty() {
            out.push("no health check and no evaluate target health: always healthy".into());
        }
        out
    }

    /// The worst-case time for this record's health to change, named.
    pub fn flip(&self) -> Option<(String, Duration)> {
        let a = self.check.as_ref().and_then(|c| c.flip.clone());
        let b = self.target.as_ref().and_then(|t| t.flip.clone());
        match (a, b) {
            (Some(a), Some(b)) => Some(if b.1 > a.1 { b } else { a }),
            (a, b) => a.or(b),
        }
    }
}

/// The site's health checks that Route 53 counts healthy, and all of them: `(healthy, all)`,
/// `None` when no status of any of them has been read. One meaning whichever source was read:
/// each health check counts once, healthy as Route 53 routes on it (the metric's final status,
/// or more than 18% of its checkers reporting success with inversion applied; a disabled check
/// is healthy). A check whose status is not known counts in `all` only.
pub fn checks_healthy(site: &SiteObservations) -> Option<(usize, usize)> {
    let ids = site.relevant_health_check_ids();
    let (mut ok, mut seen) = (0, false);
    for id in &ids {
        let Some(o) = site.health_checks.get(id) else {
            continue;
        };
        let config = o.config.get();
        // Disabled counts as healthy, disabled and inverted as unhealthy (AWS-FACTS.md).
        if let Some(hc) = config.filter(|hc| hc.disabled) {
            seen = true;
            ok += usize::from(!hc.inverted);
            continue;
        }
        let healthy = match o.status.get() {
            Some(HealthCheckStatus::Metric { healthy, .. }) => *healthy,
            Some(HealthCheckStatus::Checkers { observations }) if !observations.is_empty() => {
                let success = observations.iter().filter(|c| c.healthy()).count();
                let raw = success * 100 > observations.len() * 18;
                raw != config.is_some_and(|hc| hc.inverted)
            }
            _ => continue,
        };
        seen = true;
        ok += usize::from(healthy);
    }
    seen.then_some((ok, ids.len()))
}

/// The health of health check `id` as Route 53 routes on it, from the site's observations.
pub fn check_health(
    site: &SiteObservations,
    id: &str,
    now: OffsetDateTime,
    stale_after: Duration,
) -> CheckHealth {
    check_health_at(site, id, now, stale_after, 0)
}

fn check_health_at(
    site: &SiteObservations,
    id: &str,
    now: OffsetDateTime,
    stale_after: Duration,
    depth: u8,
) -> CheckHealth {
    let mut ev = Evidence::default();
    let label = site.health_check_label(id);
    let mut out = CheckHealth {
        id: id.to_string(),
        label: label.clone(),
        health: Health::Unknown,
        raw: Health::Unknown,
        why: String::new(),
        checkers: None,
        disabled: false,
        inverted: false,
        flip: None,
        calculated: None,
        metric_at: None,
        evidence: Evidence::default(),
    };
    let Some(obs) = site.health_checks.get(id) else {
        ev.missing
            .push(format!("health check {label}: not observed"));
        out.why = "not observed".into();
        out.evidence = ev;
        return out;
    };
    let Some(hc) = ev.read(
        &format!("health check {label}"),
        &obs.config,
        now,
        stale_after,
    ) else {
        out.why = "configuration unknown".into();
        out.evidence = ev;
        return out;
    };
    out.disabled = hc.disabled;
    out.inverted = hc.inverted;
    if hc.disabled {
        // Route 53 treats a disabled check as healthy, and one that is also inverted as
        // unhealthy (AWS-FACTS.md, "Route 53 health checks").
        out.raw = Health::Healthy;
        if hc.inverted {
            out.health = Health::Unhealthy;
            out.why = "disabled and inverted, and Route 53 treats a disabled, inverted health check as unhealthy".into();
        } else {
            out.health = Health::Healthy;
            out.why = "disabled, and Route 53 treats a disabled health check as healthy".into();
        }
        out.evidence = ev;
        return out;
    }
    let status_what = format!("status of health check {label}");
    // The CloudWatch metric is Route 53's own final status: use it whenever it is fresh.
    let metric = match ev.peek(&status_what, &obs.status, now, stale_after) {
        Some(HealthCheckStatus::Metric {
            healthy,
            percent_healthy,
            at,
        }) => Some((*healthy, *percent_healthy, *at)),
        _ => None,
    };
    if let Some((healthy, percent, at)) = metric {
        out.metric_at = at.or(obs.status.fetched_at);
        // The metric lags: a datapoint a minute old or more says so beside its reading, in
        // whole minutes (a datapoint is of a minute; said to the second, every site's reason
        // would change every second).
        let age = out
            .metric_at
            .filter(|t| !before(now, *t + time::Duration::minutes(1)))
            .map(|t| {
                let minutes = (now - t).whole_minutes();
                holds_through(
                    t + time::Duration::minutes(minutes + 1) - time::Duration::NANOSECOND,
                );
                Duration::from_secs(minutes.unsigned_abs() * 60)
            });
        metric_health(&mut out, hc, healthy, percent, age);
        if hc.kind == HealthCheckKind::Calculated {
            // The metric decides; the children still say which of them fail.
            failing_children_beside_metric(site, hc, &label, now, stale_after, depth, &mut out);
        }
        out.evidence = ev;
        return out;
    }
    let (raw, why) = match &hc.kind {
        HealthCheckKind::CloudWatchMetric => {
            let Some(alarm_ref) = &hc.alarm else {
                ev.missing
                    .push(format!("health check {label}: names no alarm"));
                out.evidence = ev;
                return out;
            };
            let new = super::infer::new_check(&obs.status);
            let (raw, why) = alarm_health(
                site,
                hc,
                alarm_ref,
                now,
                stale_after,
                new,
                &mut ev,
                &mut out,
            );
            // Said with its source when Route 53's own metric was missing.
            match super::infer::metric_gap(&obs.status, now, stale_after) {
                Some(gap) if raw != Health::Unknown => {
                    let age = site.alarm(alarm_ref).and_then(|a| a.alarm.age(now));
                    (raw, super::infer::with_source(&why, "its alarm", age, &gap))
                }
                _ => (raw, why),
            }
        }
        HealthCheckKind::Calculated => {
            let (raw, why) =
                calculated_health(site, hc, &label, now, stale_after, depth, &mut ev, &mut out);
            match super::infer::metric_gap(&obs.status, now, stale_after) {
                Some(gap) if raw != Health::Unknown => {
                    // Said with the children's data age: it changes with the clock.
                    super::obs::holds_through(now);
                    (
                        raw,
                        super::infer::with_source(&why, "its child health checks", ev.oldest, &gap),
                    )
                }
                _ => (raw, why),
            }
        }
        HealthCheckKind::RecoveryControl => (
            Health::Unknown,
            "follows a routing control, whose state switchyard does not observe".into(),
        ),
        _ => {
            let (raw, why) =
                checkers_health(obs, hc, &status_what, now, stale_after, &mut ev, &mut out);
            match &obs.metric_missing {
                Some(missing) if raw != Health::Unknown => (
                    raw,
                    super::infer::checkers_source(&why, missing, &obs.status, now),
                ),
                _ => (raw, why),
            }
        }
    };
    out.raw = raw;
    out.health = if hc.inverted { raw.inverted() } else { raw };
    out.why = if hc.inverted && raw != Health::Unknown {
        format!(
            "{why}; inverted, so Route 53 treats it as {}",
            out.health.as_str()
        )
    } else {
        why
    };
    out.evidence = ev;
    out
}

/// A health check's health from Route 53's own CloudWatch metric (already inverted).
fn metric_health(
    out: &mut CheckHealth,
    hc: &HealthCheck,
    healthy: bool,
    percent: Option<f64>,
    age: Option<Duration>,
) {
    out.health = Health::from_bool(healthy);
    out.raw = if hc.inverted {
        out.health.inverted()
    } else {
        out.health
    };
    let age = age
        .map(|a| format!("; datapoint over {} old", human_span(a)))
        .unwrap_or_default();
    out.why = match percent {
        Some(p) => format!(
            "Route 53 reports it {} (CloudWatch HealthCheckStatus; {p:.0}% of checkers \
             healthy{age})",
            out.health.as_str()
        ),
        None => format!(
            "Route 53 reports it {} (CloudWatch HealthCheckStatus{age})",
            out.health.as_str()
        ),
    };
    out.flip = hc
        .worst_case_flip()
        .map(|d| (flip_name(hc.request_interval, hc.failure_threshold), d));
}

/// The raw health of a CLOUDWATCH_METRIC check from its alarm (sets the flip time). `new`: the
/// check is new (Route 53's metric has no datapoint for it yet), so it has no last known status.
#[allow(clippy::too_many_arguments)]
fn alarm_health(
    site: &SiteObservations,
    hc: &HealthCheck,
    alarm_ref: &AlarmRef,
    now: OffsetDateTime,
    stale_after: Duration,
    new: bool,
    ev: &mut Evidence,
    out: &mut CheckHealth,
) -> (Health, String) {
    let alarm = site.alarm(alarm_ref).and_then(|a| {
        ev.read(
            &format!("alarm {} ({})", alarm_ref.name, alarm_ref.region),
            &a.alarm,
            now,
            stale_after,
        )
    });
    if site.alarm(alarm_ref).is_none() {
        ev.missing.push(format!(
            "alarm {} ({}): not observed",
            alarm_ref.name, alarm_ref.region
        ));
    }
    let Some(alarm) = alarm else {
        return (Health::Unknown, format!("alarm {} unknown", alarm_ref.name));
    };
    out.flip = Some((
        format!(
            "alarm evaluation {} x {}",
            human_span(alarm.period),
            alarm.evaluation_periods.max(1)
        ),
        alarm.worst_case_evaluation(),
    ));
    match alarm.state {
        // Route 53 reads the alarm's state whatever its actions; a muted alarm is said muted.
        AlarmState::Ok if !alarm.actions_enabled => (
            Health::Healthy,
            format!("alarm {} OK, muted (actions disabled)", alarm.name),
        ),
        AlarmState::Ok => (Health::Healthy, format!("alarm {} OK", alarm.name)),
        AlarmState::Alarm => (Health::Unhealthy, format!("alarm {} in ALARM", alarm.name)),
        AlarmState::InsufficientData => {
            let stopped = if alarm.watches_status_check() {
                " (a stopped instance sends no StatusCheckFailed data)"
            } else {
                ""
            };
            let base = format!("alarm {} has INSUFFICIENT_DATA{stopped}", alarm.name);
            match hc.insufficient_data {
                Some(InsufficientDataHealth::Healthy) => (
                    Health::Healthy,
                    format!("{base}, which this check treats as healthy"),
                ),
                Some(InsufficientDataHealth::Unhealthy) => (
                    Health::Unhealthy,
                    format!("{base}, which this check treats as unhealthy"),
                ),
                // A new check has no last known status, and Route 53 then counts it healthy.
                _ if new => (
                    Health::Healthy,
                    format!(
                        "{base}; the check keeps its last known status, and a new check has \
                         none, which Route 53 counts as healthy"
                    ),
                ),
                _ => (
                    Health::Unknown,
                    format!(
                        "{base}; the check keeps its last known status, which switchyard cannot \
                         see"
                    ),
                ),
            }
        }
    }
}

/// The raw health (before inversion) of CALCULATED check `id` from its children, whatever
/// Route 53's metric says: what inverting it would act on. `None` when `id` is not an observed
/// CALCULATED check.
pub fn calculated_raw(
    site: &SiteObservations,
    id: &str,
    now: OffsetDateTime,
    stale_after: Duration,
) -> Option<CheckHealth> {
    let hc = site.health_check(id)?;
    if hc.kind != HealthCheckKind::Calculated {
        return None;
    }
    let mut out = check_health(site, id, now, stale_after);
    let mut ev = Evidence::default();
    let (raw, why) = calculated_health(
        site,
        hc,
        &out.label.clone(),
        now,
        stale_after,
        0,
        &mut ev,
        &mut out,
    );
    out.raw = raw;
    out.why = why;
    out.evidence = ev;
    Some(out)
}

/// A CALCULATED check whose status came from Route 53's metric: which of its children fail
/// (whatever could be read of them), named in its reason.
fn failing_children_beside_metric(
    site: &SiteObservations,
    hc: &HealthCheck,
    label: &str,
    now: OffsetDateTime,
    stale_after: Duration,
    depth: u8,
    out: &mut CheckHealth,
) {
    let mut scratch = Evidence::default();
    let mut children = out.clone();
    calculated_health(
        site,
        hc,
        label,
        now,
        stale_after,
        depth,
        &mut scratch,
        &mut children,
    );
    let Some(calc) = children.calculated else {
        return;
    };
    let failing: Vec<String> = calc
        .failing
        .iter()
        .filter(|(_, h, _)| *h == Health::Unhealthy)
        .map(|(l, h, w)| format!("{l} {}: {w}", h.as_str()))
        .collect();
    if !failing.is_empty() {
        out.why.push_str(&format!("; {}", failing.join("; ")));
    }
    out.calculated = Some(calc);
}

/// The raw health of a CALCULATED check from its children (sets which of them fail).
#[allow(clippy::too_many_arguments)]
fn calculated_health(
    site: &SiteObservations,
    hc: &HealthCheck,
    label: &str,
    now: OffsetDateTime,
    stale_after: Duration,
    depth: u8,
    ev: &mut Evidence,
    out: &mut CheckHealth,
) -> (Health, String) {
    if depth >= 4 {
        ev.missing
            .push(format!("health check {label}: nested too deeply"));
        return (Health::Unknown, "nested too deeply".into());
    }
    let children: Vec<CheckHealth> = hc
        .children
        .iter()
        .map(|c| check_health_at(site, c, now, stale_after, depth + 1))
        .collect();
    let healthy = children
        .iter()
        .filter(|c| c.health == Health::Healthy)
        .count();
    let unknown = children
        .iter()
        .filter(|c| c.health == Health::Unknown)
        .count();
    let needed = hc.health_threshold.unwrap_or(0) as usize;
    let health = if healthy >= needed {
        Health::Healthy
    } else if healthy + unknown < needed {
        Health::Unhealthy
    } else {
        Health::Unknown
    };
    let failing: Vec<(String, Health, String)> = children
        .iter()
        .filter(|c| c.health != Health::Healthy)
        .map(|c| (c.label.clone(), c.health, c.why.clone()))
        .collect();
    let mut why = format!(
        "{healthy} of {} child health checks healthy (needs {needed})",
        hc.children.len()
    );
    if !failing.is_empty() {
        let each: Vec<String> = failing
            .iter()
            .map(|(l, h, w)| format!("{l} {}: {w}", h.as_str()))
            .collect();
        why.push_str(&format!("; {}", each.join("; ")));
    }
    out.calculated = Some(Calculated {
        healthy,
        total: hc.children.len(),
        needed,
        failing,
    });
    for child in children {
        ev.absorb(child.evidence, health == Health::Unknown);
    }
    (health, why)
}

/// The raw health of an endpoint check from its checkers' observations (sets the flip time and
/// the checker count).
fn checkers_health(
    obs: &HealthCheckObservations,
    hc: &HealthCheck,
    status_what: &str,
    now: OffsetDateTime,
    stale_after: Duration,
    ev: &mut Evidence,
    out: &mut CheckHealth,
) -> (Health, String) {
    out.flip = hc
        .worst_case_flip()
        .map(|d| (flip_name(hc.request_interval, hc.failure_threshold), d));
    match ev.read(status_what, &obs.status, now, stale_after) {
        // Route 53 counts a new health check healthy until its checkers have data.
        Some(HealthCheckStatus::Checkers { observations }) if observations.is_empty() => (
            Health::Healthy,
            "no checker has reported yet: Route 53 counts a new health check healthy until it \
             has data"
                .into(),
        ),
        Some(HealthCheckStatus::Checkers { observations }) => {
            let success = observations.iter().filter(|o| o.healthy()).count();
            let mut failures: BTreeMap<String, usize> = BTreeMap::new();
            for o in observations.iter().filter(|o| !o.healthy()) {
                *failures.entry(o.brief()).or_default() += 1;
            }
            let failure = failures.into_iter().max_by_key(|(_, n)| *n).map(|(f, _)| f);
            let count = CheckerCount {
                success,
                total: observations.len(),
                failure,
            };
            let why = count.describe();
            let health = Health::from_bool(count.healthy());
            out.checkers = Some(count);
            (health, why)
        }
        // A metric status was handled above; here it is stale or missing.
        _ => (Health::Unknown, "status unknown".into()),
    }
}

fn flip_name(interval: Duration, threshold: u32) -> String {
    format!(
        "health check {} x {}",
        human_span(interval),
        threshold.max(1)
    )
}

/// The health of a record set as Route 53 routes on it: its health check (if any) and, for an
/// alias with Evaluate Target Health to a load balancer, a healthy target in every target group.
pub fn record_health(
    site: &SiteObservations,
    record: &RecordSet,
    now: OffsetDateTime,
    stale_after: Duration,
) -> RecordHealth {
    let mut ev = Evidence::default();
    let check = record.health_check_id.as_ref().map(|id| {
        let mut c = check_health(site, id, now, stale_after);
        ev.absorb(std::mem::take(&mut c.evidence), true);
        c
    });
    let target = match &record.alias {
        Some(alias) if alias.evaluate_target_health && !alias.is_cloudfront() => Some(
            // Another record of the zone, or an S3 website: see `chain`.
            super::chain::alias_target_health(site, record, now, stale_after, &mut ev)
                .unwrap_or_else(|| target_health(site, &alias.dns_name, now, stale_after, &mut ev)),
        ),
        _ => None,
    };
    let health = check
        .as_ref()
        .map_or(Health::Healthy, |c| c.health)
        .and(target.as_ref().map_or(Health::Healthy, |t| t.health));
    RecordHealth {
        health,
        evaluated: record.is_health_evaluated(),
        check,
        target,
        evidence: ev,
    }
}

pub(crate) fn target_health(
    site: &SiteObservations,
    dns_name: &str,
    now: OffsetDateTime,
    stale_after: Duration,
    ev: &mut Evidence,
) -> TargetVerdict {
    let unknown = |why: String| TargetVerdict {
        health: Health::Unknown,
        why,
        flip: None,
    };
    let Some(lbs) = ev.read("load balancers", &site.load_balancers, now, stale_after) else {
        return unknown("load balancers unknown".into());
    };
    let Some(lb) = lbs.iter().find(|lb| lb.has_dns_name(dns_name)) else {
        let what = super::chain::unobserved_target(dns_name);
        ev.missing.push(what.clone());
        return unknown(what);
    };
    let Some(tgs) = ev.read("target groups", &site.target_groups, now, stale_after) else {
        return unknown("target groups unknown".into());
    };
    let lb_label = format!("{} {}", lb.kind_label(), lb.name);
    let tgs: Vec<_> = tgs
        .iter()
        .filter(|tg| tg.load_balancer_arns.iter().any(|a| a == &lb.arn))
        .collect();
    if tgs.is_empty() {
        return TargetVerdict {
            health: Health::Unhealthy,
            why: format!("{lb_label} routes to no target group"),
            flip: None,
        };
    }
    let never = Fetched::default();
    let mut failing = Vec::new();
    let mut fine = Vec::new();
    let mut unsure = Vec::new();
    let mut health = Health::Healthy;
    let mut flip: Option<(String, Duration)> = None;
    for tg in tgs {
        let what = format!("target health of {}", tg.name);
        let targets = site.target_health.get(&tg.arn).unwrap_or(&never);
        // Known by fresh CloudWatch counts showing every target healthy: the last per-target
        // read stands (the poller skips it only while it, too, has every target healthy).
        let read = if site.targets_known_by_counts(&tg.arn, now, stale_after) {
            targets.get().map(Vec::as_slice)
        } else {
            ev.read(&what, targets, now, stale_after).map(Vec::as_slice)
        };
        let Some(targets) = read else {
            health = health.and(Health::Unknown);
            continue;
        };
        let healthy = targets
            .iter()
            .filter(|t| t.state == super::elb::TargetState::Healthy)
            .count();
        // A minimum that could not be read (the group's attributes): a check not made, unless
        // no healthy target at all decides it.
        let ok = match tg.meets_dns_failover_minimum(targets) {
            Ok(ok) => ok,
            Err(e) => {
                ev.missing.push(format!(
                    "attributes of target group {}: {}",
                    tg.name,
                    e.error.summary()
                ));
                health = health.and(Health::Unknown);
                unsure.push(format!(
                    "target group {} has {healthy} of {} targets healthy, but its minimum for \
                     Evaluate Target Health could not be read",
                    tg.name,
                    targets.len()
                ));
                continue;
            }
        };
        let hc = &tg.health_check;
        // Worst case for the load balancer to have reached the state observed now: Route 53
        // can only follow once the targets got there.
        let (span, name) = if ok {
            (hc.worst_case_healthy(), hc.healthy_threshold)
        } else {
            (hc.worst_case_unhealthy(), hc.unhealthy_threshold)
        };
        if flip.as_ref().is_none_or(|(_, d)| span > *d) {
            flip = Some((
                format!(
                    "target health checks {} x {}",
                    human_span(hc.interval),
                    name.max(1)
                ),
                span,
            ));
        }
        let text = if targets.is_empty() {
            format!("target group {} has no registered targets", tg.name)
        } else {
            format!(
                "target group {} has {healthy} of {} targets healthy",
                tg.name,
                targets.len()
            )
        };
        if ok {
            fine.push(text);
        } else {
            health = Health::Unhealthy;
            failing.push(text);
        }
    }
    let why = if !failing.is_empty() {
        format!("{lb_label}: {}", failing.join(", "))
    } else if !unsure.is_empty() {
        format!("{lb_label}: {}", unsure.join(", "))
    } else {
        format!("{lb_label}: {}", fine.join(", "))
    };
    TargetVerdict { health, why, flip }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::model::fixtures::*;
    use crate::model::obs::Fetched;

    fn primary_health(fx: &Fx) -> CheckHealth {
        check_health(&fx.0, PRIMARY_HC, NOW, STALE)
    }

    #[test]
    fn checks_count_health_checks_whichever_source_was_read() {
        // The full round reads the metric, the detail loop the checkers: CHECKS is the same.
        let metric = Fx::alb_cloudfront().primary_metric(true);
        let checkers = Fx::alb_cloudfront().checkers(8, 8);
        assert_eq!(checks_healthy(&metric.0), Some((1, 1)));
        assert_eq!(checks_healthy(&checkers.0), Some((1, 1)));
        // Failing: 1 of 8 checkers is below Route 53's 18%, as the metric's 0.
        let metric = Fx::alb_cloudfront().primary_metric(false);
        let checkers = Fx::alb_cloudfront().checkers(1, 8);
        assert_eq!(checks_healthy(&metric.0), Some((0, 1)));
        assert_eq!(checks_healthy(&checkers.0), Some((0, 1)));
        // 2 of 8 still count healthy; inverted, the same checkers make it unhealthy.
        assert_eq!(
            checks_healthy(&Fx::alb_cloudfront().checkers(2, 8).0),
            Some((1, 1))
        );
        let inverted = Fx::alb_cloudfront().checkers(8, 8).primary_check_inverted();
        assert_eq!(checks_healthy(&inverted.0), Some((0, 1)));
    }

    #[test]
    fn more_than_18_percent_of_checkers_make_it_healthy() {
        // (success, total, healthy)
        let table = [
            (2, 8, true),  // 25%
            (1, 8, false), // 12.5%
            (0, 8, false),
            (8, 8, true),
            (1, 3, true), // 33%
            (0, 3, false),
            (1, 5, true),   // 20%
            (1, 6, false),  // 16.7%
            (2, 11, true),  // 18.2%
            (1, 11, false), // 9%
        ];
        for (success, total, healthy) in table {
            let c = primary_health(&Fx::alb_cloudfront().checkers(success, total));
            let want = if healthy {
                Health::Healthy
            } else {
                Health::Unhealthy
            };
            assert_eq!(c.health, want, "{success} of {total}: {}", c.why);
            let count = c.checkers.expect("counted");
            assert_eq!(count.healthy(), healthy);
            assert_eq!(
                count.success >= count.min_success(),
                healthy,
                "{success} of {total}"
            );
        }
    }

    #[test]
    fn inversion_flips_healthy_observations() {
        let c = primary_health(&Fx::alb_cloudfront().primary_check_inverted());
        assert_eq!(c.raw, Health::Healthy);
        assert_eq!(c.health, Health::Unhealthy);
        assert_eq!(
            c.why,
            "8 of 8 checkers report success; inverted, so Route 53 treats it as unhealthy"
        );
    }

    #[test]
    fn a_disabled_check_is_healthy_whatever_the_checkers_say_unless_inverted() {
        let c = primary_health(&Fx::alb_cloudfront().checkers(0, 8).primary_check_disabled());
        assert_eq!(c.health, Health::Healthy);
        assert!(c.disabled);
        // Disabled and inverted: unhealthy, as AWS documents it (AWS-FACTS.md).
        let c = primary_health(
            &Fx::alb_cloudfront()
                .primary_check_inverted()
                .primary_check_disabled(),
        );
        assert_eq!(c.health, Health::Unhealthy);
        assert!(c.why.contains("disabled and inverted"), "{}", c.why);
    }

    #[test]
    fn the_cloudwatch_metric_is_final_and_already_inverted() {
        let mut fx = Fx::alb_cloudfront().checkers(8, 8).primary_check_inverted();
        if let Some(o) = fx.0.health_checks.get_mut(PRIMARY_HC) {
            o.status = Fetched::ok(
                HealthCheckStatus::Metric {
                    healthy: true,
                    percent_healthy: Some(0.0),
                    at: Some(ago(60)),
                },
                ago(FRESH),
            );
        }
        let c = primary_health(&fx);
        assert_eq!(c.health, Health::Healthy);
        assert_eq!(c.raw, Health::Unhealthy);
        assert!(
            c.why
                .contains("CloudWatch HealthCheckStatus; 0% of checkers healthy")
        );
    }

    #[test]
    fn calculated_checks_need_health_threshold_children() {
        let child = |id: &str| endpoint_check(id, id);
        let mut calculated = endpoint_check(PRIMARY_HC, "www-calculated");
        calculated.kind = HealthCheckKind::Calculated;
        calculated.children = vec!["c1".into(), "c2".into(), "c3".into()];
        calculated.health_threshold = Some(2);
        let fx = Fx::alb_cloudfront()
            .health_check(calculated)
            .health_check(child("c1"))
            .health_check(child("c2"))
            .health_check(child("c3"))
            .checkers_of("c1", 8, 8)
            .checkers_of("c2", 0, 8)
            .checkers_of("c3", 8, 8);
        assert_eq!(
            fx.0.relevant_health_check_ids(),
            vec![
                PRIMARY_HC.to_string(),
                "c1".into(),
                "c2".into(),
                "c3".into()
            ]
        );
        let c = primary_health(&fx);
        assert_eq!(c.health, Health::Healthy, "{}", c.why);
        // The failing child is named, with why.
        assert_eq!(
            c.why,
            "2 of 3 child health checks healthy (needs 2); c2 (c2) unhealthy: 0 of 8 checkers \
             report success (HTTP 503)"
        );
        let calc = c.calculated.expect("judged from its children");
        assert_eq!((calc.healthy, calc.total, calc.needed), (2, 3, 2));
        assert_eq!(calc.failing.len(), 1);
        let c = primary_health(&fx.clone().checkers_of("c3", 1, 8));
        assert_eq!(c.health, Health::Unhealthy, "{}", c.why);
        // One child unknown: 1 healthy + 1 unknown may or may not reach 2.
        let mut unsure = fx.checkers_of("c3", 0, 8);
        if let Some(o) = unsure.0.health_checks.get_mut("c1") {
            o.status = Fetched::default();
        }
        let c = primary_health(&unsure);
        assert_eq!(c.health, Health::Unhealthy, "{}", c.why);
        let mut unsure = unsure.checkers_of("c2", 8, 8);
        if let Some(o) = unsure.0.health_checks.get_mut("c1") {
            o.status = Fetched::default();
        }
        let c = primary_health(&unsure);
        assert_eq!(c.health, Health::Unknown, "{}", c.why);
        assert!(
            c.evidence
                .missing
                .iter()
                .any(|m| m.contains("status of health check c1 (c1): not fetched yet")),
            "{:?}",
            c.evidence
        );
    }

    #[test]
    fn an_unobserved_check_is_unknown_and_says_so() {
        let fx = Fx::alb_cloudfront();
        let c = check_health(&fx.0, "nope", NOW, STALE);
        assert_eq!(c.health, Health::Unknown);
        assert_eq!(c.evidence.missing, vec!["health check nope: not observed"]);
        let fx = Fx::alb_cloudfront().checkers(0, 0);
        let c = check_health(&fx.0, PRIMARY_HC, NOW, Duration::from_secs(1));
        assert_eq!(c.health, Health::Unknown);
        assert!(c.evidence.missing[0].contains("data is 10 s old (stale after 1 s)"));
    }

    #[test]
    fn a_new_check_without_checker_reports_counts_as_healthy_as_route_53_does() {
        // Route 53 counts a new health check healthy until its checkers have data.
        let c = primary_health(&Fx::alb_cloudfront().checkers(0, 0));
        assert_eq!(c.health, Health::Healthy);
        assert_eq!(
            c.why,
            "no checker has reported yet: Route 53 counts a new health check healthy until it has \
             data"
        );
        assert!(c.evidence.missing.is_empty(), "{:?}", c.evidence);
    }
}
