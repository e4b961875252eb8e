//! The verdict: one word per site, derived from the whole chain, with the reasons why.
//!
//! Precedence: DOWN (the answered record leads to nothing that serves: users get errors, see
//! [`down`]) > UNKNOWN (the data that decides routing is missing or stale) > INTERRUPTED (a
//! switch stopped before its last step, nobody at work on it, see [`interrupted`]) > SWITCHING
//! (a change is under way) > MAINTENANCE (forced) > FAILED OVER (automatic) > DEGRADED > LIVE.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::alarm_texts::alarm_reason;
use super::cloudfront::{Distribution, DistributionStatus};
use super::cloudwatch::AlarmState;
use super::elb::{Listener, Rule, TargetState};
use super::failover_texts;
use super::health::{Evidence, Health, RecordHealth, record_health};
use super::maintenance::{MaintenanceMarker, MaintenancePhase};
use super::obs::{Fetched, human_span, span};
use super::precedence::{ListenerGets, SorryAt, rule_label};
use super::route53::{
    CHANGE_PROPAGATION, HealthCheckStatus, PendingChange, RecordSet, normalize_dns_name,
};
use super::serde_util::{secs, secs_opt};
use super::serves::Serves;
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
    /// Users get errors: the record Route 53 answers leads to nothing that serves.
    Down,
    /// A switch was stopped before its last step (a signal) and nobody is at work on it: it
    /// waits for an operator to finish or undo it.
    Interrupted,
    /// The sorry page is served on purpose, and the maintenance window has ended: an operator
    /// must fail back (or extend the window). Nothing fails back on its own.
    Overdue,
}

impl VerdictKind {
    /// `LIVE`, `DEGRADED`, `FAILED OVER`, `MAINTENANCE`, `SWITCHING`, `UNKNOWN`, `DOWN`,
    /// `INTERRUPTED`.
    pub fn label(self) -> &'static str {
        match self {
            VerdictKind::Live => "LIVE",
            VerdictKind::Degraded => "DEGRADED",
            VerdictKind::FailedOver => "FAILED OVER",
            VerdictKind::Maintenance => "MAINTENANCE",
            VerdictKind::Switching => "SWITCHING",
            VerdictKind::Unknown => "UNKNOWN",
            VerdictKind::Down => "DOWN",
            VerdictKind::Interrupted => "INTERRUPTED",
            VerdictKind::Overdue => "MAINTENANCE OVERDUE",
        }
    }

    /// The process exit code for runbooks: 0 LIVE, 10 DEGRADED, 11 FAILED OVER,
    /// 12 MAINTENANCE, 13 SWITCHING, 14 UNKNOWN, 15 DOWN, 16 INTERRUPTED, 17 MAINTENANCE
    /// OVERDUE.
    pub fn exit_code(self) -> i32 {
        match self {
            VerdictKind::Live => 0,
            VerdictKind::Degraded => 10,
            VerdictKind::FailedOver => 11,
            VerdictKind::Maintenance => 12,
            VerdictKind::Switching => 13,
            VerdictKind::Unknown => 14,
            VerdictKind::Down => 15,
            VerdictKind::Interrupted => 16,
            VerdictKind::Overdue => 17,
        }
    }

    /// How bad it is, for aggregating many sites: LIVE 0 < MAINTENANCE 1 (intended) <
    /// SWITCHING 2 (transient) < DEGRADED 3 < MAINTENANCE OVERDUE 4 (the window ended, an
    /// operator must fail back) < INTERRUPTED 5 (half switched, an operator must act) < FAILED
    /// OVER 6 (outage) < UNKNOWN 7 (cannot even tell) < DOWN 8 (users get errors: whatever else
    /// is known, this decides).
    pub fn severity(self) -> u8 {
        match self {
            VerdictKind::Live => 0,
            VerdictKind::Maintenance => 1,
            VerdictKind::Switching => 2,
            VerdictKind::Degraded => 3,
            VerdictKind::Overdue => 4,
            VerdictKind::Interrupted => 5,
            VerdictKind::FailedOver => 6,
            VerdictKind::Unknown => 7,
            VerdictKind::Down => 8,
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
    /// The members of a routing policy (weighted, latency, ...) that get traffic: the reasons
    /// name them.
    Members,
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
            Served::Members => "members",
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
    /// Route 53's answer could not be read (or is too old), and why.
    Unread(String),
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
    /// The listeners that serve the sorry page.
    sorry_listeners: Vec<&'a Listener>,
    /// The listeners that forward to the app and the sorry page at once.
    mixed_listeners: Vec<&'a Listener>,
    /// Whether the plain record points at the sorry page.
    plain_sorry: bool,
    /// Whether the PRIMARY that Route 53 answers leads to the sorry page.
    primary_sorry: PrimarySorry,
    /// What clients get from each listener, its rules in priority order.
    listener_gets: Vec<(&'a Listener, ListenerGets<'a>)>,
    pending: Vec<&'a PendingChange>,
    distribution: Option<&'a Distribution>,
}

/// The verdict on a site from its observations at `now`; data older than `stale_after` is not
/// relied on.
pub fn verdict(site: &SiteObservations, now: OffsetDateTime, stale_after: Duration) -> Verdict {
    // Several record types, or a routing policy: see `stack` and `policy`.
    let v = match super::stack::verdict(site, now, stale_after) {
        Some(v) => v,
        None => {
            let mut v = verdict_of_one_type(site, now, stale_after);
            super::stack::note_uncovered(site, &mut v);
            v
        }
    };
    let v = interrupted::overlay(site, now, stale_after, v);
    let v = expiry::overlay(site, now, stale_after, v);
    approval_overlay(site, now, v)
}

/// A request for approval, and a switch made by break-glass, said first: the verdict itself is
/// what AWS serves (a request changes nothing until approved).
fn approval_overlay(site: &SiteObservations, now: OffsetDateTime, mut v: Verdict) -> Verdict {
    let mut first = Vec::new();
    if let Some(bg) = site.marker().and_then(|m| m.break_glass.as_ref()) {
        first.push(format!(
            "BREAK-GLASS: {} without approval by {} at {}: {}",
            match bg.direction {
                super::history::Direction::On => "maintenance entered",
                super::history::Direction::Off => "fail back started",
            },
            bg.by,
            bg.at
                .replace_nanosecond(0)
                .unwrap_or(bg.at)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            bg.reason
        ));
    }
    if let Some(a) = &site.approval {
        first.push(a.line(&site.name, now));
    }
    if !first.is_empty() {
        first.append(&mut v.reasons);
        v.reasons = first;
    }
    v
}

/// The verdict on a site of one record type with a failover pair or a plain record.
fn verdict_of_one_type(
    site: &SiteObservations,
    now: OffsetDateTime,
    stale_after: Duration,
) -> Verdict {
    let mut ev = Evidence::default();
    let records = match read_records(site, now, stale_after, &mut ev) {
        Some(r) => r,
        None => return unknown(Served::Unknown, true, Vec::new(), ev),
    };
    let routing = read_routing(site, &records, now, stale_after, &mut ev);
    let Routing {
        p,
        s,
        inferred,
        mapping,
        served,
        served_inferred,
    } = routing;
    let served_line = served_text(
        served,
        &records,
        served_inferred,
        &mapping,
        (p.as_ref(), s.as_ref()),
    );
    if !ev.missing.is_empty() {
        let context = if served_inferred {
            Vec::new()
        } else {
            vec![served_line]
        };
        return unknown(served, served_inferred, context, ev);
    }
    if served == Served::Unknown {
        return unknown(
            served,
            true,
            unknown_served_reasons(&mapping, p.as_ref()),
            ev,
        );
    }
    let plain_sorry = records
        .plain
        .is_some_and(|r| site.serves_record(r).is_sorry_page());
    let primary_sorry = primary_sorry(site, &records, served, now, stale_after);
    let ListenerSides {
        marker,
        sorry_listeners,
        mixed_listeners,
        listener_gets,
    } = read_maintenance(
        site,
        served,
        plain_sorry,
        primary_sorry == PrimarySorry::Served,
        now,
        stale_after,
        &mut ev,
    );
    read_beside_routing(site, now, stale_after, &mut ev);
    let (pending, distribution) = read_changes(site, now, stale_after, &mut ev);
    if !ev.missing.is_empty() {
        return unknown(served, served_inferred, vec![served_line], ev);
    }

    let chain = Chain {
        site,
        now,
        stale_after,
        primary: records.primary,
        secondary: records.secondary,
        plain: records.plain,
        p,
        s,
        inferred,
        mapping,
        served,
        marker,
        sorry_listeners,
        mixed_listeners,
        plain_sorry,
        primary_sorry,
        listener_gets,
        pending,
        distribution,
    };
    let (kind, reasons, eta) = chain.classify(served_line);
    let mut reasons = reasons;
    // Right after what is served: it says why health that disagrees is not believed.
    if let Some(note) = chain.metric_lags() {
        reasons.insert(reasons.len().min(1), note);
    }
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

/// The site's records by role.
struct Records<'a> {
    primary: Option<&'a RecordSet>,
    secondary: Option<&'a RecordSet>,
    plain: Option<&'a RecordSet>,
}

impl<'a> Records<'a> {
    /// The record that is answered when `served` is.
    fn of(&self, served: Served) -> Option<&'a RecordSet> {
        match served {
            Served::Primary => self.primary,
            Served::Secondary => self.secondary,
            Served::Plain => self.plain,
            Served::Members | Served::Unknown => None,
        }
    }
}

/// Reads the site's records; `None` (with why in `ev`) when they are missing, stale or of a
/// layout switchyard does not handle.
fn read_records<'a>(
    site: &'a SiteObservations,
    now: OffsetDateTime,
    stale_after: Duration,
    ev: &mut Evidence,
) -> Option<Records<'a>> {
    let what = format!("record sets of {}", site.record_name);
    ev.read(&what, &site.records, now, stale_after)?;
    match site.layout() {
        RecordLayout::Failover { primary, secondary } => Some(Records {
            primary,
            secondary,
            plain: None,
        }),
        RecordLayout::Plain(r) => Some(Records {
            primary: None,
            secondary: None,
            plain: Some(r),
        }),
        RecordLayout::Missing => {
            ev.missing.push(format!(
                "no {} record named {} in hosted zone {}{}",
                site.record_type,
                site.record_name,
                site.zone_id,
                super::chain::missing_record_hint(site)
            ));
            None
        }
        RecordLayout::Unsupported | RecordLayout::Routed { .. } => {
            ev.missing
                .push(super::policy::unsupported_why(site, &site.record_type));
            None
        }
    }
}

/// How Route 53 routes: the records' health, what health says is answered, and what the DNS
/// answer says is.
struct Routing {
    p: Option<RecordHealth>,
    s: Option<RecordHealth>,
    inferred: Served,
    mapping: Mapping,
    served: Served,
    served_inferred: bool,
}

fn read_routing(
    site: &SiteObservations,
    records: &Records<'_>,
    now: OffsetDateTime,
    stale_after: Duration,
    ev: &mut Evidence,
) -> Routing {
    // Health of the records, as Route 53 routes on it.
    let p = records
        .primary
        .map(|r| record_health(site, r, now, stale_after));
    let s = records
        .secondary
        .map(|r| record_health(site, r, now, stale_after));
    if let Some(p) = &p {
        ev.absorb(p.evidence.clone(), true);
    }
    if let Some(s) = &s {
        // The secondary's health decides routing only while the primary is not healthy.
        let decides = p.as_ref().is_none_or(|p| p.health != Health::Healthy);
        ev.absorb(s.evidence.clone(), decides);
    }
    let inferred = if records.plain.is_some() {
        Served::Plain
    } else {
        route(p.as_ref(), s.as_ref())
    };

    // What Route 53 actually answers.
    let candidates: Vec<(Served, &RecordSet)> = [Served::Plain, Served::Primary, Served::Secondary]
        .into_iter()
        .filter_map(|served| records.of(served).map(|r| (served, r)))
        .collect();
    let mapping = map_answer(site, &candidates, now, stale_after, ev);
    let (served, served_inferred) = match (&mapping, records.plain) {
        (_, Some(_)) => (Served::Plain, false),
        (Mapping::Mapped(s), _) => (*s, false),
        _ => (inferred, true),
    };
    Routing {
        p,
        s,
        inferred,
        mapping,
        served,
        served_inferred,
    }
}

/// Why it cannot be told which record is answered.
fn unknown_served_reasons(mapping: &Mapping, p: Option<&RecordHealth>) -> Vec<String> {
    let mut reasons = vec![format!(
        "cannot tell which record Route 53 answers: {}",
        match mapping {
            Mapping::Unmapped(why) | Mapping::Unread(why) => why.clone(),
            _ => "the DNS answer is not usable".into(),
        }
    )];
    if let Some(p) = p {
        reasons.extend(p.explain().into_iter().map(|e| format!("primary {e}")));
    }
    reasons
}

/// The maintenance marker, and what the listeners serve.
struct ListenerSides<'a> {
    marker: Option<&'a MaintenanceMarker>,
    /// The listeners that serve the sorry page.
    sorry_listeners: Vec<&'a Listener>,
    /// The listeners that forward to the app and the sorry page at once.
    mixed_listeners: Vec<&'a Listener>,
    /// What clients get from each listener, its rules in priority order.
    listener_gets: Vec<(&'a Listener, ListenerGets<'a>)>,
}

/// The marker and what the listeners serve: which of them must be known depends on the other
/// (and on whether the plain record leads to the sorry page).
fn read_maintenance<'a>(
    site: &'a SiteObservations,
    served: Served,
    plain_sorry: bool,
    primary_sorry: bool,
    now: OffsetDateTime,
    stale_after: Duration,
    ev: &mut Evidence,
) -> ListenerSides<'a> {
    let mut marker_ev = Evidence::default();
    let marker = marker_ev.read("maintenance marker", &site.maintenance, now, stale_after);
    let mut listener_ev = Evidence::default();
    let mut listeners = Vec::new();
    for (lb_arn, f) in &site.listeners {
        let what = match site.load_balancer(lb_arn) {
            Some(lb) => format!("listeners of {} {}", lb.kind_label(), lb.name),
            None => format!("listeners of {lb_arn}"),
        };
        listeners.extend(
            listener_ev
                .read(&what, f, now, site.listener_read_max_age(f, stale_after))
                .into_iter()
                .flatten(),
        );
    }
    let marker_present = marker.is_some_and(|m| m.is_some());
    let elsewhere = served == Served::Secondary || plain_sorry || primary_sorry;
    let listener_gets = read_listener_rules(
        site,
        &listeners,
        RulesDecide {
            routed_to_listeners: served != Served::Secondary,
            marker_present,
            sorry_elsewhere: elsewhere,
        },
        now,
        stale_after,
        ev,
    );
    let mut sorry_listeners = Vec::new();
    let mut mixed_listeners = Vec::new();
    for (l, gets) in &listener_gets {
        match gets {
            ListenerGets::Sorry { .. } => sorry_listeners.push(*l),
            ListenerGets::Other(Serves::Mixed { .. }) => mixed_listeners.push(*l),
            _ => {}
        }
    }
    // The marker tells FAILED OVER from MAINTENANCE once the sorry page is served; the listeners
    // tell whether a maintenance is in effect.
    let marker_decides = elsewhere || !sorry_listeners.is_empty();
    ev.absorb(marker_ev, marker_decides);
    ev.absorb(listener_ev, marker_present || plain_sorry);
    ListenerSides {
        marker: marker.and_then(|m| m.as_ref()),
        sorry_listeners,
        mixed_listeners,
        listener_gets,
    }
}

/// The strategies that switch no traffic: they go along with one that does.
const BESIDE_TRAFFIC: [&str; 2] = ["silence-alarms", "cloudfront-invalidate"];

/// For a maintenance whose strategies all leave the traffic alone (silencing alarms,
/// invalidating the sorry page): why the app is still served.
fn traffic_untouched(m: &MaintenanceMarker) -> Option<String> {
    let all_beside = !m.strategies.is_empty()
        && m.strategies
            .iter()
            .all(|s| BESIDE_TRAFFIC.contains(&s.as_str()));
    all_beside.then(|| {
        format!(
            "the maintenance marker says maintenance is active, but its strategies ({}) switch no \
             traffic: the app is still served",
            m.strategies.join(", ")
        )
    })
}

/// When a listener's rules decide the verdict.
struct RulesDecide {
    /// Route 53 answers a record that leads to the listeners (not the secondary).
    routed_to_listeners: bool,
    /// switchyard's maintenance marker is there.
    marker_present: bool,
    /// The sorry page is served before any listener (the secondary, or a record pointing at it).
    sorry_elsewhere: bool,
}

/// What clients get from each listener, its rules read in priority order. Rules that could not
/// be read (or are too old) are missing evidence when they decide: for a listener whose default
/// action serves the sorry page (rules ahead of it may still reach the app), and, under a
/// maintenance marker with nothing else showing the sorry page, for a listener whose rules were
/// asked for (a maintenance rule may be there). A listener whose rules are unread is never
/// counted as serving the sorry page.
fn read_listener_rules<'a>(
    site: &'a SiteObservations,
    listeners: &[&'a Listener],
    decide: RulesDecide,
    now: OffsetDateTime,
    stale_after: Duration,
    ev: &mut Evidence,
) -> Vec<(&'a Listener, ListenerGets<'a>)> {
    struct Read<'a> {
        listener: &'a Listener,
        rules: Option<&'a [Rule]>,
        /// Whether the rules were asked for (a read, failed or not, is on record).
        asked: bool,
        scratch: Evidence,
    }
    let mut reads = Vec::new();
    for l in listeners {
        let mut scratch = Evidence::default();
        let entry = site.rules.get(&l.arn);
        let rules = match entry {
            Some(f) if site.listener_has_rules(l) => {
                let what = format!("rules of listener {} of {}", l.label(), lb_label(site, l));
                // Rules are read with their listeners, on the same cadence.
                scratch
                    .read(&what, f, now, site.listener_read_max_age(f, stale_after))
                    .map(Vec::as_slice)
            }
            _ => None,
        };
        reads.push(Read {
            listener: l,
            rules,
            asked: entry.is_some(),
            scratch,
        });
    }
    let out: Vec<(&Listener, ListenerGets)> = reads
        .iter()
        .map(|r| (r.listener, site.listener_gets_with(r.listener, r.rules)))
        .collect();
    let sorry_shown = decide.sorry_elsewhere || out.iter().any(|(_, g)| g.is_sorry_page());
    for (r, (l, gets)) in reads.into_iter().zip(&out) {
        let ListenerGets::Unread(default) = gets else {
            ev.absorb(r.scratch, false);
            continue;
        };
        let decides = decide.routed_to_listeners
            && (default.is_sorry_page() || (decide.marker_present && !sorry_shown && r.asked));
        if decides && !r.asked {
            ev.missing.push(format!(
                "rules of listener {} of {}: not read, and rules ahead of its sorry page may \
                 still reach the app",
                l.label(),
                lb_label(site, l)
            ));
        }
        ev.absorb(r.scratch, decides);
    }
    out
}

/// `ALB app-alb`: the load balancer of a listener, for sentences.
fn lb_label(site: &SiteObservations, l: &Listener) -> String {
    site.load_balancer(&l.lb_arn)
        .map(|lb| format!("{} {}", lb.kind_label(), lb.name))
        .unwrap_or_else(|| l.lb_arn.clone())
}

/// Whether the PRIMARY that Route 53 answers leads to the sorry page.
#[derive(Clone, Debug, PartialEq)]
enum PrimarySorry {
    /// It does not (or the primary is not answered).
    No,
    /// It points at the sorry page, and the DNS answer agrees (or cannot be compared).
    Served,
    /// It points at the sorry page, but Route 53 still answers these values, none of them the
    /// sorry page's: the change is propagating.
    Propagating(Vec<String>),
}

/// Whether the PRIMARY record that Route 53 answers points at the sorry page (see
/// [`SiteObservations::serves_primary`]), and whether the DNS answer shows it yet: a usable
/// answer none of whose values is the sorry page's address is a change still propagating.
fn primary_sorry(
    site: &SiteObservations,
    records: &Records<'_>,
    served: Served,
    now: OffsetDateTime,
    stale_after: Duration,
) -> PrimarySorry {
    let Some(primary) = records.primary.filter(|_| served == Served::Primary) else {
        return PrimarySorry::No;
    };
    // Where the secondary points is the sorry page. Otherwise, a primary on a load balancer
    // serves what its listeners serve: they are judged as such.
    let as_secondary = records
        .secondary
        .is_some_and(|s| super::serves::same_target(primary, s));
    let on_load_balancer = primary
        .alias
        .as_ref()
        .is_some_and(|a| site.load_balancer_for_alias(a).is_some());
    if !as_secondary && (on_load_balancer || !site.serves_primary(primary).is_sorry_page()) {
        return PrimarySorry::No;
    }
    let answer = Some(&site.dns_answer)
        .filter(|f| !f.is_stale(now, stale_after))
        .and_then(|f| f.get())
        .filter(|a| a.has_values());
    let Some(answer) = answer else {
        return PrimarySorry::Served;
    };
    let expected = match &primary.alias {
        Some(alias) => site
            .alias_addresses_of(alias)
            .filter(|f| !f.is_stale(now, stale_after))
            .and_then(|f| f.get())
            .map(|v| normalized_set(v)),
        None => Some(normalized_set(&primary.values)),
    };
    match expected {
        Some(expected)
            if !expected.is_empty() && normalized_set(&answer.values).is_disjoint(&expected) =>
        {
            PrimarySorry::Propagating(answer.values.clone())
        }
        _ => PrimarySorry::Served,
    }
}

/// Alarms, load balancers and targets: what is wrong beside routing (notes when missing).
fn read_beside_routing(
    site: &SiteObservations,
    now: OffsetDateTime,
    stale_after: Duration,
    ev: &mut Evidence,
) {
    for a in &site.alarms {
        let what = format!("alarm {} ({})", a.alarm_ref.name, a.alarm_ref.region);
        optional(ev, &what, &a.alarm, now, stale_after);
    }
    if !site.target_health.is_empty() {
        optional(ev, "load balancers", &site.load_balancers, now, stale_after);
        optional(ev, "target groups", &site.target_groups, now, stale_after);
    }
    for (arn, f) in &site.target_health {
        // Known by fresh CloudWatch counts, every target healthy: not missing.
        if site.targets_known_by_counts(arn, now, stale_after) {
            continue;
        }
        let what = format!("target health of {}", site.target_group_label(arn));
        optional(ev, &what, f, now, stale_after);
    }
}

/// The Route 53 changes still PENDING, and the sorry page's distribution.
fn read_changes<'a>(
    site: &'a SiteObservations,
    now: OffsetDateTime,
    stale_after: Duration,
    ev: &mut Evidence,
) -> (Vec<&'a PendingChange>, Option<&'a Distribution>) {
    let mut pending = Vec::new();
    for (id, f) in &site.changes {
        let what = format!("Route 53 change {id}");
        if let Some(change) = optional(ev, &what, f, now, stale_after)
            && change.status == super::route53::ChangeStatus::Pending
        {
            pending.push(change);
        }
    }
    let distribution = site
        .distribution
        .as_ref()
        .and_then(|d| optional(ev, &d.label(), &d.distribution, now, stale_after));
    (pending, distribution)
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
        return Mapping::Unread(super::infer::dns_answer_gap(site, now, stale_after));
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
    records: &Records<'_>,
    inferred: bool,
    mapping: &Mapping,
    (p, s): (Option<&RecordHealth>, Option<&RecordHealth>),
) -> String {
    let record = records.of(served);
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
        let gap = match mapping {
            Mapping::Unread(why) => why.clone(),
            Mapping::Unmapped(why) => {
                format!("Route 53's answer could not be matched to a record: {why}")
            }
            _ => "Route 53's answer could not be matched to a record".into(),
        };
        let rule = super::infer::failover_rule(p, s, served);
        super::infer::inferred_served_line(&what, &rule, &gap)
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
        if let Some(down) = self.down(&served_line) {
            return down;
        }
        let mut switching = self.switching_reasons();
        switching.extend(self.primary_propagating());
        if !switching.is_empty() {
            let mut reasons = switching;
            reasons.push(served_line);
            return (VerdictKind::Switching, reasons, self.eta());
        }
        let shows_sorry = self.served == Served::Secondary
            || !self.sorry_listeners.is_empty()
            || self.plain_sorry
            || self.primary_sorry == PrimarySorry::Served;
        let sorry_path = self.sorry_path_problems();
        if let Some(marker) = self.marker {
            // Only Active is left here: Entering and Leaving are SWITCHING.
            // A plain record without load balancer listeners (DNS name control): nothing in
            // the chain can show the sorry page, the marker is all there is.
            let unverifiable =
                self.plain.is_some() && self.site.listeners.is_empty() && !self.plain_sorry;
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
            let bypassed = self.bypass_lines();
            let mut reasons = if let Some(line) = traffic_untouched(marker) {
                vec![format!("{line} ({})", self.marker_line(marker))]
            } else if bypassed.is_empty() {
                vec![format!(
                    "the maintenance marker says maintenance is active, but the chain serves the \
                     app: failed back outside switchyard, or maintenance not applied ({})",
                    self.marker_line(marker)
                )]
            } else {
                let mut r = vec![format!(
                    "the maintenance marker says maintenance is active, but listener rules ahead \
                     of the sorry page still reach the app ({})",
                    self.marker_line(marker)
                )];
                r.extend(bypassed);
                r
            };
            reasons.push(served_line);
            reasons.extend(self.degradations());
            return (VerdictKind::Degraded, reasons, None);
        }
        if !self.sorry_listeners.is_empty()
            || self.plain_sorry
            || self.primary_sorry == PrimarySorry::Served
        {
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
            reasons.extend(self.failover_notes());
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
        } else if self.primary_sorry == PrimarySorry::Served {
            out.push(served_line);
            out.extend(self.primary_sorry_line());
        }
        for l in &self.sorry_listeners {
            out.push(self.sorry_listener_line(l));
        }
        out
    }

    /// How a listener serves the sorry page: its default action, or the rule that matches every
    /// request, and the operators' allow-list rules ahead of it.
    fn sorry_listener_line(&self, l: &Listener) -> String {
        let lb = self.lb_label(l);
        let gets = self
            .listener_gets
            .iter()
            .find(|(x, _)| std::ptr::eq(*x, l))
            .map(|(_, g)| g);
        let (how, allowed) = match gets {
            Some(ListenerGets::Sorry {
                at: SorryAt::Rule(r),
                allowed,
            }) => (
                format!("{}: {}", rule_label(r), self.describe_actions(&r.actions)),
                allowed.as_slice(),
            ),
            Some(ListenerGets::Sorry { allowed, .. }) => (
                self.describe_actions(&l.default_actions),
                allowed.as_slice(),
            ),
            _ => (self.describe_actions(&l.default_actions), &[][..]),
        };
        let mut s = format!(
            "listener {} of {lb} serves the sorry page: {how}",
            l.label()
        );
        if !allowed.is_empty() {
            s.push_str(&format!(
                "; allow-listed clients still reach the app: {}",
                self.rule_list(allowed)
            ));
        }
        s
    }

    /// `forward to app-tg`: the deciding action of a list, in words.
    fn describe_actions(&self, actions: &[super::elb::ListenerAction]) -> String {
        super::elb::deciding_action(actions)
            .map(|a| self.describe_action(a))
            .unwrap_or_default()
    }

    /// `rule 1 (host-header api.example.com): forward to api-tg, ...`: at most five rules, then
    /// how many more.
    fn rule_list(&self, rules: &[&Rule]) -> String {
        const SHOWN: usize = 5;
        let mut parts: Vec<String> = rules
            .iter()
            .take(SHOWN)
            .map(|r| format!("{}: {}", rule_label(r), self.describe_actions(&r.actions)))
            .collect();
        if rules.len() > SHOWN {
            parts.push(format!("and {} more", rules.len() - SHOWN));
        }
        parts.join("; ")
    }

    /// For each listener whose sorry page is bypassed: which rules ahead of it still reach the
    /// app, by priority and condition.
    fn bypass_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (l, gets) in &self.listener_gets {
            let ListenerGets::Bypassed { at, bypass, .. } = gets else {
                continue;
            };
            let by = match at {
                SorryAt::Default => "by default".to_string(),
                SorryAt::Rule(r) => format!("by {}", rule_label(r)),
            };
            out.push(format!(
                "listener {} of {} serves the sorry page {by}, but {} ahead of it still {}: {}",
                l.label(),
                self.lb_label(l),
                if bypass.len() == 1 {
                    "1 rule".to_string()
                } else {
                    format!("{} rules", bypass.len())
                },
                if bypass.len() == 1 {
                    "reaches the app"
                } else {
                    "reach the app"
                },
                self.rule_list(bypass)
            ));
        }
        out
    }

    /// The PRIMARY record points where the secondary does: the sorry page, whichever is answered.
    fn primary_sorry_line(&self) -> Option<String> {
        let p = self.primary?;
        let target = match &p.alias {
            Some(a) => normalize_dns_name(&a.dns_name),
            None => p.values.join(", "),
        };
        let as_secondary = self
            .secondary
            .is_some_and(|s| super::serves::same_target(p, s));
        Some(if as_secondary {
            format!(
                "the PRIMARY record points where the SECONDARY does, at the sorry page \
                 ({target}): Route 53 answers the sorry page whichever record it answers"
            )
        } else {
            format!("the PRIMARY record points at the sorry page ({target})")
        })
    }

    /// While the PRIMARY points at the sorry page but Route 53 still answers something else.
    fn primary_propagating(&self) -> Option<String> {
        let PrimarySorry::Propagating(values) = &self.primary_sorry else {
            return None;
        };
        let target = self
            .primary
            .and_then(|p| p.alias.as_ref())
            .map(|a| format!(" ({})", normalize_dns_name(&a.dns_name)))
            .unwrap_or_default();
        Some(format!(
            "the PRIMARY record points at the sorry page{target}, but Route 53 still answers {}: \
             the change is propagating",
            values.join(", ")
        ))
    }

    /// `ALB app-alb`: the load balancer of a listener, for sentences.
    fn lb_label(&self, l: &Listener) -> String {
        self.site
            .load_balancer(&l.lb_arn)
            .map(|lb| format!("{} {}", lb.kind_label(), lb.name))
            .unwrap_or_else(|| l.lb_arn.clone())
    }

    /// A listener that forwards to the app and the sorry page at once, in words.
    fn mixed_line(&self, l: &Listener) -> Option<String> {
        let Serves::Mixed { sorry, app } = self.site.serves_listener(l) else {
            return None;
        };
        let groups: Vec<String> = app
            .iter()
            .chain(&sorry)
            .map(|a| self.site.target_group_label(a))
            .collect();
        Some(format!(
            "listener {} of {} sends part of the traffic to the sorry page: forward to {}",
            l.label(),
            self.lb_label(l),
            groups.join(", ")
        ))
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
                    && *answered != self.inferred
                    && self.metric_lags().is_none() =>
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
            && self.inferred != Served::Unknown && *a != self.inferred)
            && self.metric_lags().is_none();
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
                Served::Members | Served::Unknown => None,
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
                out.push(failover_texts::target_health(t.health, &t.why));
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
            if let DistributionStatus::Other(status) = &d.status {
                out.push(format!(
                    "sorry page distribution {} is {status}, a status switchyard does not know: \
                     the sorry page may not be served",
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
                    out.push(failover_texts::with_muted(alarm_reason(alarm), alarm))
                }
                // The primary's own alarm without data: said by `failover_blockers`.
                AlarmState::InsufficientData if !alarm_only && !bound_to_primary => {
                    out.push(failover_texts::with_muted(alarm_reason(alarm), alarm));
                }
                AlarmState::Ok if !alarm_only && !alarm.actions_enabled => {
                    out.push(failover_texts::muted(alarm));
                }
                _ => {}
            }
        }
        out
    }

    /// What keeps Route 53 from failing over although the primary's own check has lost its data:
    /// a CLOUDWATCH_METRIC check whose alarm has INSUFFICIENT_DATA, and what its
    /// `InsufficientDataHealthStatus` makes of it.
    fn failover_blockers(&self) -> Vec<String> {
        let Some(c) = self.p.as_ref().and_then(|p| p.check.as_ref()) else {
            return Vec::new();
        };
        let Some(hc) = self.site.health_check(&c.id) else {
            return Vec::new();
        };
        let Some(alarm) = hc
            .alarm
            .as_ref()
            .and_then(|r| self.site.alarm(r))
            .filter(|a| !a.alarm.is_stale(self.now, self.stale_after))
            .and_then(|a| a.alarm.get())
        else {
            return Vec::new();
        };
        if alarm.state != AlarmState::InsufficientData || c.disabled {
            return Vec::new();
        }
        vec![failover_texts::insufficient_data(
            alarm,
            &c.label,
            hc.insufficient_data,
            c.health,
        )]
    }

    /// Notes on a LIVE site about how it would fail over.
    fn failover_notes(&self) -> Vec<String> {
        match (&self.p, self.secondary) {
            (Some(p), Some(_)) if !p.evaluated => vec![failover_texts::never_evaluated()],
            _ => Vec::new(),
        }
    }

    /// The failing children of the primary's calculated check while it is still healthy.
    fn failing_children(&self) -> Vec<String> {
        let Some(c) = self.p.as_ref().and_then(|p| p.check.as_ref()) else {
            return Vec::new();
        };
        let Some(calc) = c.calculated.as_ref().filter(|_| c.raw == Health::Healthy) else {
            return Vec::new();
        };
        calc.failing
            .iter()
            .filter(|(_, health, _)| *health == Health::Unhealthy)
            .map(|(child, health, why)| {
                failover_texts::failing_child(
                    &c.label,
                    child,
                    *health,
                    why,
                    calc.healthy,
                    calc.total,
                    calc.needed,
                )
            })
            .collect()
    }

    /// What is wrong while the app is served, most important first.
    fn degradations(&self) -> Vec<String> {
        let mut out = self.failover_blockers();
        let pc = self.p.as_ref().and_then(|p| p.check.as_ref());
        if let (Some(p), Some(s)) = (&self.p, &self.s) {
            if p.health == Health::Unhealthy && s.evaluated && s.health == Health::Unhealthy {
                out.push(failover_texts::both_unhealthy());
                out.extend(self.failover_causes());
                out.extend(s.explain().into_iter().map(|e| format!("secondary {e}")));
            }
        }
        out.extend(
            self.mixed_listeners
                .iter()
                .filter_map(|l| self.mixed_line(l)),
        );
        out.extend(self.bypass_lines());
        if let Some(c) = pc {
            if c.disabled && !c.inverted {
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
        out.extend(self.failing_children());
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
                out.push(failover_texts::secondary_blocks(&why));
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
            // Some healthy, but fewer than the target group's unhealthy state routing minimum:
            // the load balancer fails open all the same, onto the failing targets too.
            let open = match tg.map(|tg| tg.fails_open_checked(targets)) {
                Some(Ok(open)) => open,
                // Its minimum could not be read, and the targets alone do not decide it.
                Some(Err(e)) => {
                    if !lbs.is_empty() {
                        fail_open.push(format!(
                            "whether the {} fails open could not be checked: target group \
                             {name}'s minimum could not be read ({})",
                            lbs.join(", "),
                            e.error.summary()
                        ));
                    }
                    None
                }
                None => None,
            };
            if let Some(open) = open
                && !lbs.is_empty()
            {
                fail_open.push(format!(
                    "the {} fails open: target group {name} has {} of {} targets healthy, below \
                     the minimum of {}, so it routes to all {routed} of them, the unhealthy ones \
                     too",
                    lbs.join(", "),
                    open.healthy,
                    open.registered,
                    open.minimum,
                    routed = routed + open.healthy,
                ));
            }
            for t in targets {
                if t.state.is_problem() {
                    targets_out.push(format!(
                        "target {} of {name} is {}",
                        t.label(),
                        t.describe_state()
                    ));
                } else if matches!(t.state, TargetState::Other(_)) {
                    // Newer than this version: not known to be healthy, so not LIVE.
                    targets_out.push(format!(
                        "target {} of {name} is {}, a state switchyard does not know: its \
                         health is unknown",
                        t.label(),
                        t.describe_state()
                    ));
                }
            }
        }
        fail_open.extend(targets_out);
        fail_open
    }
}

mod down;
pub mod expiry;
mod freshness;
mod interrupted;

#[cfg(test)]
mod tests;
