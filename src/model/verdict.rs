//! The verdict: one word per site, derived from the whole chain, with the reasons why.
//!
//! Precedence: UNKNOWN (the data that decides routing is missing or stale) > SWITCHING (a change
//! is under way) > MAINTENANCE (forced) > FAILED OVER (automatic) > DEGRADED > LIVE.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::alarm_texts::alarm_reason;
use super::cloudfront::{Distribution, DistributionStatus};
use super::cloudwatch::AlarmState;
use super::elb::{Listener, TargetState};
use super::health::{Evidence, Health, RecordHealth, record_health};
use super::maintenance::{MaintenanceMarker, MaintenancePhase};
use super::obs::{Fetched, human_span, span};
use super::route53::{
    CHANGE_PROPAGATION, HealthCheckStatus, InsufficientDataHealth, PendingChange, RecordSet,
    normalize_dns_name,
};
use super::serde_util::{secs, secs_opt};
use super::site::{RecordLayout, SiteObservations};

/// The state of a site in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VerdictKind {
    /// The app is served and nothing is wrong.
    Live,
    /// The app is served, but something is wrong or failover would not work.
    Degraded,
    /// Route 53 failed over to the sorry page on its own (no switchyard maintenance).
    FailedOver,
    /// The sorry page is served on purpose.
    Maintenance,
    /// A change is still propagating (health check flip, Route 53 change, CloudFront deploy).
    Switching,
    /// The data that decides routing is missing or too old.
    Unknown,
}

impl VerdictKind {
    /// `LIVE`, `DEGRADED`, `FAILED OVER`, `MAINTENANCE`, `SWITCHING`, `UNKNOWN`.
    pub fn label(self) -> &'static str {
        match self {
            VerdictKind::Live => "LIVE",
            VerdictKind::Degraded => "DEGRADED",
            VerdictKind::FailedOver => "FAILED OVER",
            VerdictKind::Maintenance => "MAINTENANCE",
            VerdictKind::Switching => "SWITCHING",
            VerdictKind::Unknown => "UNKNOWN",
        }
    }

    /// The process exit code for runbooks: 0 LIVE, 10 DEGRADED, 11 FAILED OVER,
    /// 12 MAINTENANCE, 13 SWITCHING, 14 UNKNOWN.
    pub fn exit_code(self) -> i32 {
        match self {
            VerdictKind::Live => 0,
            VerdictKind::Degraded => 10,
            VerdictKind::FailedOver => 11,
            VerdictKind::Maintenance => 12,
            VerdictKind::Switching => 13,
            VerdictKind::Unknown => 14,
        }
    }

    /// How bad it is, for aggregating many sites: LIVE 0 < MAINTENANCE 1 (intended) <
    /// SWITCHING 2 (transient) < DEGRADED 3 < FAILED OVER 4 (outage) < UNKNOWN 5 (cannot
    /// even tell).
    pub fn severity(self) -> u8 {
        match self {
            VerdictKind::Live => 0,
            VerdictKind::Maintenance => 1,
            VerdictKind::Switching => 2,
            VerdictKind::Degraded => 3,
            VerdictKind::FailedOver => 4,
            VerdictKind::Unknown => 5,
        }
    }

    /// The worst of many (by [`VerdictKind::severity`]); `None` for no sites.
    pub fn worst(kinds: impl IntoIterator<Item = VerdictKind>) -> Option<VerdictKind> {
        kinds.into_iter().max()
    }
}

impl PartialOrd for VerdictKind {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Orders by [`VerdictKind::severity`].
impl Ord for VerdictKind {
    fn cmp(&self, other: &Self) -> Ordering {
        self.severity().cmp(&other.severity())
    }
}

/// Which record Route 53 answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Served {
    /// The PRIMARY of the failover pair (the app).
    Primary,
    /// The SECONDARY of the failover pair (the sorry page).
    Secondary,
    /// The one plain record.
    Plain,
    /// Cannot tell.
    Unknown,
}

impl Served {
    /// `primary`, `secondary`, `plain record`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Served::Primary => "primary",
            Served::Secondary => "secondary",
            Served::Plain => "plain record",
            Served::Unknown => "unknown",
        }
    }
}

/// One named part of an ETA.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EtaPart {
    /// What is waited for, e.g. `health check 30 s x 3`, `Route 53 change INSYNC`, `DNS TTL`.
    pub what: String,
    /// Worst-case time it still takes.
    #[serde(with = "secs")]
    pub duration: Duration,
}

/// A worst-case estimate of when a transition under way has converged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eta {
    /// The sum of the parts.
    #[serde(with = "secs")]
    pub total: Duration,
    /// The parts, in the order they happen.
    pub parts: Vec<EtaPart>,
}

impl Eta {
    fn from_parts(parts: Vec<EtaPart>) -> Option<Eta> {
        if parts.is_empty() {
            return None;
        }
        let total = parts.iter().map(|p| p.duration).sum();
        Some(Eta { total, parts })
    }
}

/// The verdict on one site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// The state in one word.
    pub kind: VerdictKind,
    /// Which record Route 53 answers with.
    pub served: Served,
    /// Whether `served` was inferred from health because the DNS answer could not be matched.
    pub served_inferred: bool,
    /// Why, most important first, in the operator's words.
    pub reasons: Vec<String>,
    /// For SWITCHING: the worst-case time until the change has converged.
    pub eta: Option<Eta>,
    /// The age of the oldest piece of data the verdict relied on.
    #[serde(with = "secs_opt")]
    pub data_age: Option<Duration>,
}

/// How the DNS answer relates to the site's records.
#[derive(Clone, Debug, PartialEq)]
enum Mapping {
    /// The answer is this record's.
    Mapped(Served),
    /// The answer's values match no current record (compared exactly): a change propagating.
    NoMatch(Vec<String>),
    /// Cannot tell, and why.
    Unmapped(String),
}

/// Everything the verdict is derived from.
struct Chain<'a> {
    site: &'a SiteObservations,
    now: OffsetDateTime,
    stale_after: Duration,
    primary: Option<&'a RecordSet>,
    secondary: Option<&'a RecordSet>,
    plain: Option<&'a RecordSet>,
    p: Option<RecordHealth>,
    s: Option<RecordHealth>,
    inferred: Served,
    mapping: Mapping,
    served: Served,
    marker: Option<&'a MaintenanceMarker>,
    sorry_listeners: Vec<&'a Listener>,
    pending: Vec<&'a PendingChange>,
    distribution: Option<&'a Distribution>,
}

/// The verdict on a site from its observations at `now`; data older than `stale_after` is not
/// relied on.
pub fn verdict(site: &SiteObservations, now: OffsetDateTime, stale_after: Duration) -> Verdict {
    let mut ev = Evidence::default();
    let what = format!("record sets of {}", site.record_name);
    if ev.read(&what, &site.records, now, stale_after).is_none() {
        return unknown(Served::Unknown, true, Vec::new(), ev);
    }
    let (primary, secondary, plain) = match site.layout() {
        RecordLayout::Failover { primary, secondary } => (primary, secondary, None),
        RecordLayout::Plain(r) => (None, None, Some(r)),
        RecordLayout::Missing => {
            ev.missing.push(format!(
                "no {} record named {} in hosted zone {}",
                site.record_type, site.record_name, site.zone_id
            ));
            return unknown(Served::Unknown, true, Vec::new(), ev);
        }
        RecordLayout::Unsupported => {
            ev.missing.push(format!(
                "the {} records of {} use a routing policy switchyard does not handle (only a \
                 failover pair or one plain record)",
                site.record_type, site.record_name
            ));
            return unknown(Served::Unknown, true, Vec::new(), ev);
        }
    };

    // Health of the records, as Route 53 routes on it.
    let p = primary.map(|r| record_health(site, r, now, stale_after));
    let s = secondary.map(|r| record_health(site, r, now, stale_after));
    if let Some(p) = &p {
        ev.absorb(p.evidence.clone(), true);
    }
    if let Some(s) = &s {
        // The secondary's health decides routing only while the primary is not healthy.
        let decides = p.as_ref().is_none_or(|p| p.health != Health::Healthy);
        ev.absorb(s.evidence.clone(), decides);
    }
    let inferred = if plain.is_some() {
        Served::Plain
    } else {
        route(p.as_ref(), s.as_ref())
    };

    // What Route 53 actually answers.
    let mut candidates: Vec<(Served, &RecordSet)> = Vec::new();
    if let Some(r) = plain {
        candidates.push((Served::Plain, r));
    }
    if let Some(r) = primary {
        candidates.push((Served::Primary, r));
    }
    if let Some(r) = secondary {
        candidates.push((Served::Secondary, r));
    }
    let mapping = map_answer(site, &candidates, now, stale_after, &mut ev);
    let (served, served_inferred) = match (&mapping, plain) {
        (_, Some(_)) => (Served::Plain, false),
        (Mapping::Mapped(s), _) => (*s, false),
        _ => (inferred, true),
    };

    let served_line = served_text(served, primary, secondary, plain, served_inferred, &mapping);
    if !ev.missing.is_empty() {
        let context = if served_inferred {
            Vec::new()
        } else {
            vec![served_line]
        };
        return unknown(served, served_inferred, context, ev);
    }
    if served == Served::Unknown {
        let mut reasons = vec![format!(
            "cannot tell which record Route 53 answers: {}",
            match &mapping {
                Mapping::Unmapped(why) => why.clone(),
                _ => "the DNS answer is not usable".into(),
            }
        )];
        if let Some(p) = &p {
            reasons.extend(p.explain().into_iter().map(|e| format!("primary {e}")));
        }
        return unknown(served, true, reasons, ev);
    }

    // The marker and the listeners: which of them must be known depends on the other.
    let mut marker_ev = Evidence::default();
    let marker = marker_ev.read("maintenance marker", &site.maintenance, now, stale_after);
    let mut listener_ev = Evidence::default();
    let mut sorry_listeners = Vec::new();
    for (lb_arn, f) in &site.listeners {
        let what = match site.load_balancer(lb_arn) {
            Some(lb) => format!("listeners of {} {}", lb.kind_label(), lb.name),
            None => format!("listeners of {lb_arn}"),
        };
        if let Some(listeners) = listener_ev.read(&what, f, now, stale_after) {
            sorry_listeners.extend(
                listeners
                    .iter()
                    .filter(|l| l.default_action().is_some_and(|a| site.is_sorry_action(a))),
            );
        }
    }
    // The marker tells FAILED OVER from MAINTENANCE once the sorry page is served; the listeners
    // tell whether a maintenance is in effect.
    let marker_decides = served == Served::Secondary || !sorry_listeners.is_empty();
    let marker_present = marker.is_some_and(|m| m.is_some());
    ev.absorb(marker_ev, marker_decides);
    ev.absorb(listener_ev, marker_present);

    // Alarms, load balancers and targets: what is wrong beside routing.
    for a in &site.alarms {
        let what = format!("alarm {} ({})", a.alarm_ref.name, a.alarm_ref.region);
        optional(&mut ev, &what, &a.alarm, now, stale_after);
    }
    if !site.target_health.is_empty() {
        optional(
            &mut ev,
            "load balancers",
            &site.load_balancers,
            now,
            stale_after,
        );
        optional(
            &mut ev,
            "target groups",
            &site.target_groups,
            now,
            stale_after,
        );
    }
    for (arn, f) in &site.target_health {
        let what = format!("target health of {}", site.target_group_label(arn));
        optional(&mut ev, &what, f, now, stale_after);
    }

    // Changes and the distribution.
    let mut pending = Vec::new();
    for (id, f) in &site.changes {
        if let Some(change) = optional(
            &mut ev,
            &format!("Route 53 change {id}"),
            f,
            now,
            stale_after,
        ) {
            if change.status == super::route53::ChangeStatus::Pending {
                pending.push(change);
            }
        }
    }
    let distribution = site
        .distribution
        .as_ref()
        .and_then(|d| optional(&mut ev, &d.label(), &d.distribution, now, stale_after));
    if !ev.missing.is_empty() {
        return unknown(served, served_inferred, vec![served_line], ev);
    }
    let marker = marker.and_then(|m| m.as_ref());

    let chain = Chain {
        site,
        now,
        stale_after,
        primary,
        secondary,
        plain,
        p,
        s,
        inferred,
        mapping,
        served,
        marker,
        sorry_listeners,
        pending,
        distribution,
    };
    let (kind, reasons, eta) = chain.classify(served_line);
    let mut reasons = reasons;
    reasons.extend(ev.notes.iter().cloned());
    Verdict {
        kind,
        served,
        served_inferred,
        reasons: dedup(reasons),
        eta,
        data_age: ev.data_age(),
    }
}

/// What Route 53 answers according to health (AWS's failover rules).
fn route(p: Option<&RecordHealth>, s: Option<&RecordHealth>) -> Served {
    match (p, s) {
        (None, None) => Served::Unknown,
        (None, Some(_)) => Served::Secondary,
        (Some(p), _) if p.health == Health::Healthy => Served::Primary,
        (Some(p), _) if p.health == Health::Unknown => Served::Unknown,
        // An unhealthy primary without a secondary is still the only answer.
        (Some(_), None) => Served::Primary,
        // A secondary with a health check (or ETH) that is unhealthy: Route 53 answers the
        // primary regardless. A secondary without one is answered whenever the primary is not.
        (Some(_), Some(s)) if s.evaluated => match s.health {
            Health::Healthy => Served::Secondary,
            Health::Unhealthy => Served::Primary,
            Health::Unknown => Served::Unknown,
        },
        (Some(_), Some(_)) => Served::Secondary,
    }
}

/// Reads a piece the verdict can do without: missing or stale data becomes a note.
fn optional<'a, T>(
    ev: &mut Evidence,
    what: &str,
    f: &'a Fetched<T>,
    now: OffsetDateTime,
    stale_after: Duration,
) -> Option<&'a T> {
    let mut scratch = Evidence::default();
    let value = scratch.read(what, f, now, stale_after);
    ev.absorb(scratch, false);
    value
}

fn normalized_set(values: &[String]) -> BTreeSet<String> {
    values.iter().map(|v| normalize_dns_name(v)).collect()
}

/// Which record the DNS answer belongs to: a value record whose values equal the answer, or an
/// alias whose target's resolved addresses intersect it.
fn map_answer(
    site: &SiteObservations,
    candidates: &[(Served, &RecordSet)],
    now: OffsetDateTime,
    stale_after: Duration,
    ev: &mut Evidence,
) -> Mapping {
    let what = format!("DNS answer for {}", site.record_name);
    let Some(answer) = optional(ev, &what, &site.dns_answer, now, stale_after) else {
        return Mapping::Unmapped("no usable DNS answer".into());
    };
    if !answer.has_values() {
        return Mapping::Unmapped(format!(
            "Route 53 answers {} without values",
            answer.response_code
        ));
    }
    let answered = normalized_set(&answer.values);
    let mut matches = Vec::new();
    let mut exact = true;
    let mut unresolved = Vec::new();
    for (served, record) in candidates {
        match &record.alias {
            None => {
                if normalized_set(&record.values) == answered {
                    matches.push(*served);
                }
            }
            Some(alias) => {
                exact = false;
                let name = normalize_dns_name(&alias.dns_name);
                let addresses = site.alias_addresses_of(alias).and_then(|f| {
                    optional(ev, &format!("addresses of {name}"), f, now, stale_after)
                });
                match addresses {
                    Some(addrs)
                        if addrs
                            .iter()
                            .any(|a| answered.contains(&normalize_dns_name(a))) =>
                    {
                        matches.push(*served)
                    }
                    Some(_) => {}
                    None => unresolved.push(name),
                }
            }
        }
    }
    match matches.as_slice() {
        [one] => Mapping::Mapped(*one),
        [] if exact => Mapping::NoMatch(answer.values.clone()),
        [] if !unresolved.is_empty() => Mapping::Unmapped(format!(
            "the addresses of {} are not known",
            unresolved.join(", ")
        )),
        [] => Mapping::Unmapped(format!(
            "the answer ({}) matches none of the resolved alias targets",
            answer.values.join(", ")
        )),
        _ => Mapping::Unmapped("the answer matches more than one record".into()),
    }
}

fn served_text(
    served: Served,
    primary: Option<&RecordSet>,
    secondary: Option<&RecordSet>,
    plain: Option<&RecordSet>,
    inferred: bool,
    mapping: &Mapping,
) -> String {
    let record = match served {
        Served::Primary => primary,
        Served::Secondary => secondary,
        Served::Plain => plain,
        Served::Unknown => None,
    };
    let what = match (served, record) {
        (Served::Secondary, Some(r)) => format!("the secondary, the sorry page ({})", r.describe()),
        (Served::Primary, Some(r)) => format!("the primary ({})", r.describe()),
        (Served::Plain, Some(r)) => format!("the plain record ({})", r.describe()),
        _ => "an unknown record".into(),
    };
    if let Mapping::NoMatch(_) = mapping {
        let what = match served {
            Served::Primary => "the primary record",
            Served::Secondary => "the secondary record",
            _ => "the record",
        };
        let now_holds = record.map(|r| r.describe()).unwrap_or_default();
        return format!("{what} now holds {now_holds}");
    }
    if inferred {
        let why = match mapping {
            Mapping::Unmapped(why) => why.clone(),
            _ => "the DNS answer could not be matched".into(),
        };
        format!("Route 53 answers {what}, inferred from health ({why})")
    } else {
        format!("Route 53 answers {what}")
    }
}

fn unknown(served: Served, served_inferred: bool, context: Vec<String>, ev: Evidence) -> Verdict {
    let data_age = ev.data_age();
    let mut reasons: Vec<String> = ev.missing;
    reasons.extend(context);
    reasons.extend(ev.notes);
    Verdict {
        kind: VerdictKind::Unknown,
        served,
        served_inferred,
        reasons: dedup(reasons),
        eta: None,
        data_age,
    }
}

fn dedup(reasons: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    reasons
        .into_iter()
        .filter(|r| seen.insert(r.clone()))
        .collect()
}

impl Chain<'_> {
    fn classify(&self, served_line: String) -> (VerdictKind, Vec<String>, Option<Eta>) {
        let switching = self.switching_reasons();
        if !switching.is_empty() {
            let mut reasons = switching;
            reasons.push(served_line);
            return (VerdictKind::Switching, reasons, self.eta());
        }
        let shows_sorry = self.served == Served::Secondary || !self.sorry_listeners.is_empty();
        let sorry_path = self.sorry_path_problems();
        if let Some(marker) = self.marker {
            // Only Active is left here: Entering and Leaving are SWITCHING.
            // A plain record without load balancer listeners (DNS name control): nothing in
            // the chain can show the sorry page, the marker is all there is.
            let unverifiable = self.plain.is_some() && self.site.listeners.is_empty();
            if shows_sorry || unverifiable {
                let mut reasons = vec![self.marker_line(marker)];
                reasons.extend(self.sorry_evidence(served_line));
                if unverifiable {
                    reasons.push(
                        "the plain record's value cannot be checked against the sorry page".into(),
                    );
                }
                reasons.extend(sorry_path);
                return (VerdictKind::Maintenance, reasons, None);
            }
            let mut reasons = vec![format!(
                "the maintenance marker says maintenance is active, but the chain serves the app: \
                 failed back outside switchyard, or maintenance not applied ({})",
                self.marker_line(marker)
            )];
            reasons.push(served_line);
            reasons.extend(self.degradations());
            return (VerdictKind::Degraded, reasons, None);
        }
        if !self.sorry_listeners.is_empty() {
            let mut reasons = vec![
                "the sorry page is served without a switchyard maintenance marker: switched \
                 outside switchyard"
                    .to_string(),
            ];
            reasons.extend(self.sorry_evidence(served_line));
            reasons.extend(sorry_path);
            return (VerdictKind::Maintenance, reasons, None);
        }
        if self.served == Served::Secondary {
            let forced_by_inversion =
                self.p
                    .as_ref()
                    .and_then(|p| p.check.as_ref())
                    .is_some_and(|c| {
                        c.inverted && c.raw == Health::Healthy && c.health == Health::Unhealthy
                    });
            let mut reasons = Vec::new();
            if forced_by_inversion {
                if let Some(c) = self.p.as_ref().and_then(|p| p.check.as_ref()) {
                    reasons.push(format!(
                        "failover forced outside switchyard: primary health check {} is inverted \
                         while its checkers succeed (no maintenance marker)",
                        c.label
                    ));
                }
                reasons.push(served_line);
                reasons.extend(sorry_path);
                return (VerdictKind::Maintenance, reasons, None);
            }
            reasons.push(served_line);
            reasons.extend(self.failover_causes());
            reasons.extend(self.alarm_problems(true));
            reasons.extend(sorry_path);
            return (VerdictKind::FailedOver, reasons, None);
        }
        let problems = self.degradations();
        let mut reasons = Vec::new();
        if problems.is_empty() {
            reasons.push(served_line);
            if let Some(p) = &self.p {
                reasons.extend(p.explain().into_iter().map(|e| format!("primary {e}")));
            }
            return (VerdictKind::Live, reasons, None);
        }
        reasons.extend(problems);
        reasons.push(served_line);
        (VerdictKind::Degraded, reasons, None)
    }

    fn marker_line(&self, m: &MaintenanceMarker) -> String {
        let ago = human_span(span(m.at, self.now));
        let reason = m
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        let phase = match m.phase {
            MaintenancePhase::Entering => "maintenance being entered",
            MaintenancePhase::Active => "maintenance forced",
            MaintenancePhase::Leaving => "failing back",
        };
        format!("{phase} by {} {ago} ago{reason}", m.by)
    }

    /// What shows the sorry page is served: the DNS answer and/or listeners.
    fn sorry_evidence(&self, served_line: String) -> Vec<String> {
        let mut out = Vec::new();
        if self.served == Served::Secondary || self.plain.is_some() {
            out.push(served_line);
        }
        for l in &self.sorry_listeners {
            let lb = self
                .site
                .load_balancer(&l.lb_arn)
                .map(|lb| format!("{} {}", lb.kind_label(), lb.name))
                .unwrap_or_else(|| l.lb_arn.clone());
            let action = l
                .default_action()
                .map(|a| self.describe_action(a))
                .unwrap_or_default();
            out.push(format!(
                "listener {} of {lb} serves the sorry page: {action}",
                l.label()
            ));
        }
        out
    }

    fn describe_action(&self, a: &super::elb::ListenerAction) -> String {
        let tgs = a.target_group_arns();
        if tgs.is_empty() {
            a.describe()
        } else {
            let names: Vec<String> = tgs
                .iter()
                .map(|t| self.site.target_group_label(t))
                .collect();
            format!("forward to {}", names.join(", "))
        }
    }

    /// Reasons the site is in transition; empty if it is not.
    fn switching_reasons(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(m) = self.marker.filter(|m| m.phase != MaintenancePhase::Active) {
            out.push(format!(
                "{} (step {} of {})",
                self.marker_line(m),
                m.done_steps,
                m.total_steps
            ));
        }
        for c in &self.pending {
            let age = span(c.submitted_at, self.now);
            let mut s = format!(
                "Route 53 change {} PENDING for {} (usually INSYNC within 60 s)",
                c.id,
                human_span(age)
            );
            if age > CHANGE_PROPAGATION * 2 {
                s.push_str(": longer than usual");
            }
            out.push(s);
        }
        match &self.mapping {
            Mapping::Mapped(answered)
                if self.plain.is_none()
                    && self.inferred != Served::Unknown
                    && *answered != self.inferred =>
            {
                let health = match self.inferred {
                    Served::Secondary => {
                        "the primary is unhealthy, so Route 53 will fail over".to_string()
                    }
                    _ => "the primary is healthy again, so Route 53 will answer it".to_string(),
                };
                let mut s = format!(
                    "Route 53 still answers the {}, but {health}",
                    answered.as_str()
                );
                if let Some(why) = self.p.as_ref().and_then(|p| p.explain().into_iter().next()) {
                    s.push_str(&format!(" (primary {why})"));
                }
                out.push(s);
            }
            Mapping::NoMatch(values) => out.push(format!(
                "Route 53 answers {}, which matches no current record: a change is propagating",
                values.join(", ")
            )),
            _ => {}
        }
        if let Some(d) = self.distribution {
            if d.status == DistributionStatus::InProgress && self.marker.is_some() {
                out.push(format!(
                    "sorry page distribution {} is deploying (InProgress; CloudFront takes minutes, \
                     not part of the ETA)",
                    d.id
                ));
            }
        }
        out
    }

    /// The worst-case time until the transition under way has converged.
    fn eta(&self) -> Option<Eta> {
        let mut parts = Vec::new();
        let dns_disagrees = matches!(&self.mapping, Mapping::Mapped(a) if self.plain.is_none()
            && self.inferred != Served::Unknown && *a != self.inferred);
        let transitional = self.marker.filter(|m| m.phase != MaintenancePhase::Active);
        let awaiting_flip = dns_disagrees
            || transitional.is_some_and(|m| {
                let goal = match m.phase {
                    MaintenancePhase::Leaving => Served::Primary,
                    _ => Served::Secondary,
                };
                self.primary.is_some() && self.served != goal
            });
        if awaiting_flip {
            if let Some((what, d)) = self.p.as_ref().and_then(|p| p.flip()) {
                parts.push(EtaPart { what, duration: d });
            }
        }
        let insync = self
            .pending
            .iter()
            .map(|c| CHANGE_PROPAGATION.saturating_sub(span(c.submitted_at, self.now)))
            .max();
        if let Some(d) = insync {
            parts.push(EtaPart {
                what: "Route 53 change INSYNC".into(),
                duration: d,
            });
        }
        let dns_changes = awaiting_flip
            || !self.pending.is_empty()
            || matches!(self.mapping, Mapping::NoMatch(_));
        if dns_changes {
            let record = match self.served {
                Served::Primary => self.primary,
                Served::Secondary => self.secondary,
                Served::Plain => self.plain,
                Served::Unknown => None,
            };
            if let Some(r) = record {
                parts.push(EtaPart {
                    what: format!("DNS TTL of the {}", self.served.as_str()),
                    duration: r.effective_ttl(),
                });
            }
        }
        Eta::from_parts(parts)
    }

    /// Why the primary is not answered (for FAILED OVER).
    fn failover_causes(&self) -> Vec<String> {
        let Some(p) = &self.p else {
            return vec!["there is no primary record".into()];
        };
        let mut out = Vec::new();
        if let Some(c) = &p.check {
            if c.health != Health::Healthy {
                out.push(format!(
                    "primary health check {} {}: {}",
                    c.label,
                    c.health.as_str(),
                    c.why
                ));
            }
        }
        if let Some(t) = &p.target {
            if t.health != Health::Healthy {
                out.push(format!(
                    "primary target health {}: {}",
                    t.health.as_str(),
                    t.why
                ));
            }
        }
        if out.is_empty() {
            out.extend(p.explain().into_iter().map(|e| format!("primary {e}")));
        }
        out
    }

    /// Problems of the sorry path: failover would serve a broken sorry page.
    fn sorry_path_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(d) = self.distribution {
            if !d.enabled {
                out.push(format!(
                    "sorry page distribution {} is disabled: the sorry page is not served",
                    d.id
                ));
            }
            if d.status == DistributionStatus::InProgress && self.marker.is_none() {
                out.push(format!(
                    "sorry page distribution {} is deploying (InProgress): the sorry page may be \
                     old or broken until it is Deployed",
                    d.id
                ));
            }
        }
        for arn in &self.site.sorry_target_groups {
            let Some(targets) = self.fresh_targets(arn) else {
                continue;
            };
            let name = self.site.target_group_label(arn);
            if targets.is_empty() {
                out.push(format!(
                    "sorry target group {name} has no registered targets: it would serve nothing"
                ));
            } else if targets.iter().all(|t| t.state.is_problem()) {
                out.push(format!("sorry target group {name} has no healthy target"));
            }
        }
        out
    }

    fn fresh_targets(&self, tg_arn: &str) -> Option<&Vec<super::elb::TargetHealth>> {
        let f = self.site.target_health.get(tg_arn)?;
        if f.is_stale(self.now, self.stale_after) {
            None
        } else {
            f.get()
        }
    }

    /// Alarms in ALARM (and, unless `alarm_only`, INSUFFICIENT_DATA).
    fn alarm_problems(&self, alarm_only: bool) -> Vec<String> {
        let primary_check = self.p.as_ref().and_then(|p| p.check.as_ref());
        let mut out = Vec::new();
        for a in &self.site.alarms {
            if a.alarm.is_stale(self.now, self.stale_after) {
                continue;
            }
            let Some(alarm) = a.alarm.get() else { continue };
            // The primary's own alarm is already explained by its health check.
            let bound_to_primary = primary_check.is_some_and(|c| {
                self.site
                    .health_check(&c.id)
                    .and_then(|hc| hc.alarm.as_ref())
                    .is_some_and(|r| r == &a.alarm_ref)
            });
            match alarm.state {
                AlarmState::Alarm if !(alarm_only && bound_to_primary) => {
                    out.push(alarm_reason(alarm))
                }
                AlarmState::InsufficientData if !alarm_only => {
                    let mut s = alarm_reason(alarm);
                    let treated_healthy = bound_to_primary
                        && primary_check
                            .and_then(|c| self.site.health_check(&c.id))
                            .is_some_and(|hc| {
                                hc.insufficient_data == Some(InsufficientDataHealth::Healthy)
                            });
                    if treated_healthy {
                        s.push_str(
                            ", which the primary health check treats as healthy: Route 53 keeps \
                             answering the primary",
                        );
                    }
                    out.push(s);
                }
                _ => {}
            }
        }
        out
    }

    /// What is wrong while the app is served, most important first.
    fn degradations(&self) -> Vec<String> {
        let mut out = Vec::new();
        let pc = self.p.as_ref().and_then(|p| p.check.as_ref());
        if let (Some(p), Some(s)) = (&self.p, &self.s) {
            if p.health == Health::Unhealthy && s.evaluated && s.health == Health::Unhealthy {
                out.push(
                    "PRIMARY AND SECONDARY ARE BOTH UNHEALTHY: Route 53 answers the primary \
                     regardless"
                        .to_string(),
                );
                out.extend(self.failover_causes());
                out.extend(s.explain().into_iter().map(|e| format!("secondary {e}")));
            }
        }
        if let Some(c) = pc {
            if c.disabled {
                let mut s = format!(
                    "primary health check {} is disabled: Route 53 treats it as healthy and will \
                     not fail over",
                    c.label
                );
                if let Some(count) = self.raw_checkers(&c.id) {
                    s.push_str(&format!(" (checkers: {})", count));
                }
                out.push(s);
            }
            if c.inverted && c.raw == Health::Unhealthy && c.health == Health::Healthy {
                out.push(format!(
                    "primary health check {} is inverted: Route 53 counts it healthy because its \
                     checkers fail ({}); when they succeed again, Route 53 fails over",
                    c.label, c.why
                ));
            }
        }
        out.extend(self.target_problems());
        out.extend(self.alarm_problems(false));
        if let Some(c) = pc {
            if let Some(count) = &c.checkers {
                if !c.inverted && count.healthy() && count.success < count.total {
                    out.push(format!(
                        "primary health check {}: {} of {} checkers report failure{}; Route 53 \
                         fails over below {} reporting success",
                        c.label,
                        count.total - count.success,
                        count.total,
                        count
                            .failure
                            .as_deref()
                            .map(|f| format!(" ({f})"))
                            .unwrap_or_default(),
                        count.min_success()
                    ));
                }
            }
        }
        if let (Some(p), Some(s)) = (&self.p, &self.s) {
            if p.health == Health::Healthy && s.evaluated && s.health == Health::Unhealthy {
                let why = s.explain().join("; ");
                out.push(format!(
                    "the secondary is unhealthy ({why}): if the primary fails, Route 53 keeps \
                     answering the primary"
                ));
            }
        }
        out.extend(self.sorry_path_problems());
        if let Some(lbs) = self.site.load_balancers.get() {
            for lb in lbs {
                if lb.state != "active" && !lb.state.is_empty() {
                    out.push(format!("{} {} is {}", lb.kind_label(), lb.name, lb.state));
                }
            }
        }
        if self.secondary.is_none() && self.primary.is_some() {
            out.push(
                "the failover pair has no secondary record: there is nothing to fail over to"
                    .into(),
            );
        }
        out
    }

    /// Raw checker counts of a (disabled) health check, if observed.
    fn raw_checkers(&self, id: &str) -> Option<String> {
        let status = self.site.health_checks.get(id)?.status.get()?;
        match status {
            HealthCheckStatus::Checkers { observations } if !observations.is_empty() => {
                let ok = observations.iter().filter(|o| o.healthy()).count();
                Some(format!("{ok} of {} report success", observations.len()))
            }
            _ => None,
        }
    }

    /// Unhealthy, draining or unavailable targets of the app's target groups, and target groups
    /// whose targets are all unhealthy (the load balancer fails open).
    fn target_problems(&self) -> Vec<String> {
        let mut fail_open = Vec::new();
        let mut targets_out = Vec::new();
        for (arn, f) in &self.site.target_health {
            if self.site.sorry_target_groups.iter().any(|s| s == arn) {
                continue;
            }
            if f.is_stale(self.now, self.stale_after) {
                continue;
            }
            let Some(targets) = f.get() else { continue };
            let name = self.site.target_group_label(arn);
            let tg = self.site.target_group(arn);
            let lbs: Vec<String> = tg
                .map(|tg| {
                    tg.load_balancer_arns
                        .iter()
                        .map(|a| match self.site.load_balancer(a) {
                            Some(lb) => format!("{} {}", lb.kind_label(), lb.name),
                            None => "load balancer".to_string(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let routed = targets
                .iter()
                .filter(|t| matches!(t.state, TargetState::Unhealthy | TargetState::Initial))
                .count();
            let all_unhealthy = !targets.is_empty()
                && !targets.iter().any(|t| t.state == TargetState::Healthy)
                && targets.iter().any(|t| t.state == TargetState::Unhealthy);
            if all_unhealthy && !lbs.is_empty() {
                let reasons: BTreeSet<String> =
                    targets.iter().filter_map(|t| t.reason.clone()).collect();
                let reasons = if reasons.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", reasons.into_iter().collect::<Vec<_>>().join(", "))
                };
                fail_open.push(format!(
                    "all {} targets of target group {name} are unhealthy{reasons}: the {} fails \
                     open and routes to all {routed} of them",
                    targets.len(),
                    lbs.join(", ")
                ));
                continue;
            }
            for t in targets.iter().filter(|t| t.state.is_problem()) {
                targets_out.push(format!(
                    "target {} of {name} is {}",
                    t.label(),
                    t.describe_state()
                ));
            }
        }
        fail_open.extend(targets_out);
        fail_open
    }
}

#[cfg(test)]
mod tests;
