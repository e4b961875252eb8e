//! Routing policies beside failover: weighted, latency, geolocation and multivalue record sets.
//! Each member of such a set is a record with a set identifier and its own health (its health
//! check, or its alias target with Evaluate Target Health).
//!
//! Which members get traffic follows Route 53's rules ("How Amazon Route 53 chooses records when
//! health checking is configured"): a record without a health check is healthy; weighted
//! records with weight 0 are considered only when every record of a non-zero weight is
//! unhealthy; and when no record of the group is healthy, Route 53 considers all of them
//! healthy. Latency and geolocation members each serve their own clients, so every healthy one
//! gets traffic; multivalue answers hold up to eight healthy records.
//!
//! The verdict follows from the members that get traffic and what each serves. Only a weighted
//! set can be switched (its weight moved to a member that serves the sorry page, see
//! `route53-weighted-sorry`); latency, geolocation and multivalue sets are shown as they are.

use std::collections::BTreeSet;
use std::time::Duration;

use time::OffsetDateTime;

use super::health::{Evidence, Health, RecordHealth, record_health};
use super::maintenance::{MaintenanceMarker, MaintenancePhase};
use super::obs::{human_span, span};
use super::route53::{CHANGE_PROPAGATION, ChangeStatus, Policy, RecordSet, normalize_dns_name};
use super::serves::Serves;
use super::site::{RecordLayout, SiteObservations};
use super::verdict::{Eta, EtaPart, Served, Verdict, VerdictKind};

/// The layout of several record sets of one type that are not a failover pair: the members of
/// their routing policy when they share one that switchyard models, else unsupported.
pub fn routed_layout(records: Vec<&RecordSet>) -> RecordLayout<'_> {
    let Some(first) = records.first() else {
        return RecordLayout::Missing;
    };
    let policy = first.policy();
    let modelled = matches!(
        policy,
        Policy::Weighted | Policy::Latency | Policy::Geolocation | Policy::MultiValue
    );
    if !modelled || records.iter().any(|r| r.policy() != policy) {
        return RecordLayout::Unsupported;
    }
    RecordLayout::Routed {
        policy,
        members: records,
    }
}

/// Why a layout of several records is not handled, for the operator.
pub fn unsupported_why(site: &SiteObservations, rtype: &str) -> String {
    let records = site.records_of_type(rtype);
    let policies: BTreeSet<String> = records
        .iter()
        .map(|r| r.policy().as_str().to_string())
        .collect();
    let policies: Vec<String> = policies.into_iter().collect();
    let how = if policies.len() > 1 {
        format!("mix {} routing", policies.join(" and "))
    } else {
        format!(
            "use {} routing, which switchyard does not model",
            policies.join("")
        )
    };
    format!(
        "the {rtype} records of {} {how} (it handles failover pairs, plain records, and \
         weighted, latency, geolocation and multivalue sets)",
        site.record_name
    )
}

/// A member's weight as Route 53 uses it (a missing weight counts as 0).
fn weight(r: &RecordSet) -> i64 {
    r.weight.unwrap_or(0).max(0)
}

/// The members Route 53 answers with, by index, from each member's health (an unknown health
/// counts as healthy: the verdict does not rely on it, it is UNKNOWN then).
pub fn traffic(policy: &Policy, members: &[(&RecordSet, Health)]) -> Vec<usize> {
    let healthy = |i: &usize| members[*i].1 != Health::Unhealthy;
    let all: Vec<usize> = (0..members.len()).collect();
    if *policy == Policy::Weighted {
        let (nonzero, zero): (Vec<usize>, Vec<usize>) =
            all.iter().partition(|i| weight(members[**i].0) > 0);
        if nonzero.is_empty() {
            let up: Vec<usize> = zero.iter().copied().filter(healthy).collect();
            return if up.is_empty() { zero } else { up };
        }
        let up: Vec<usize> = nonzero.iter().copied().filter(healthy).collect();
        if !up.is_empty() {
            return up;
        }
        let up_zero: Vec<usize> = zero.iter().copied().filter(healthy).collect();
        if !up_zero.is_empty() {
            return up_zero;
        }
        return nonzero;
    }
    let up: Vec<usize> = all.iter().copied().filter(healthy).collect();
    if up.is_empty() { all } else { up }
}

/// The share of the traffic each member of `chosen` gets, in percent (weighted: by weight, all
/// zero: evenly; other policies: `None`, it depends on the client).
fn shares(policy: &Policy, members: &[(&RecordSet, Health)], chosen: &[usize]) -> Vec<Option<u32>> {
    if *policy != Policy::Weighted || chosen.is_empty() {
        return vec![None; members.len()];
    }
    let total: i64 = chosen.iter().map(|i| weight(members[*i].0)).sum();
    (0..members.len())
        .map(|i| {
            if !chosen.contains(&i) {
                return Some(0);
            }
            let share = if total == 0 {
                100.0 / chosen.len() as f64
            } else {
                100.0 * weight(members[i].0) as f64 / total as f64
            };
            Some(share.round() as u32)
        })
        .collect()
}

/// One member of a routing policy as the operator sees it.
#[derive(Clone, Debug)]
pub struct Member<'a> {
    pub record: &'a RecordSet,
    pub health: RecordHealth,
    pub serves: Serves,
    /// Whether Route 53 answers with it now.
    pub gets_traffic: bool,
    /// Its share of the traffic in percent (weighted sets).
    pub share: Option<u32>,
}

impl Member<'_> {
    /// The set identifier, or `?`.
    pub fn id(&self) -> &str {
        self.record.set_identifier.as_deref().unwrap_or("?")
    }
}

fn serves_words(s: &Serves) -> &'static str {
    match s {
        s if s.is_sorry_page() => "the sorry page",
        Serves::App => "the app",
        Serves::Mixed { .. } => "the app and the sorry page",
        Serves::Nothing => "nothing",
        Serves::Redirect => "a redirect",
        Serves::FixedResponse { .. } => "a fixed response",
        _ => "unobserved addresses",
    }
}

/// The members of a routed layout with their health, what they serve and who gets traffic.
pub fn members<'a>(
    site: &SiteObservations,
    policy: &Policy,
    records: &[&'a RecordSet],
    now: OffsetDateTime,
    stale_after: Duration,
) -> Vec<Member<'a>> {
    let health: Vec<RecordHealth> = records
        .iter()
        .map(|r| record_health(site, r, now, stale_after))
        .collect();
    let pairs: Vec<(&RecordSet, Health)> = records
        .iter()
        .zip(&health)
        .map(|(r, h)| (*r, h.health))
        .collect();
    let chosen = traffic(policy, &pairs);
    let shares = shares(policy, &pairs, &chosen);
    records
        .iter()
        .zip(health)
        .zip(shares)
        .enumerate()
        .map(|(i, ((r, h), share))| Member {
            record: r,
            health: h,
            serves: site.serves_record(r),
            gets_traffic: chosen.contains(&i),
            share,
        })
        .collect()
}

/// For every member of a routing policy among the site's records (every type): whether it gets
/// traffic and its share, for the detail view.
pub fn traffic_of(
    site: &SiteObservations,
    now: OffsetDateTime,
    stale_after: Duration,
) -> Vec<(&RecordSet, bool, Option<u32>)> {
    let mut out = Vec::new();
    for (_, layout) in site.layouts() {
        if let RecordLayout::Routed { policy, members: m } = layout {
            for member in members(site, &policy, &m, now, stale_after) {
                out.push((member.record, member.gets_traffic, member.share));
            }
        }
    }
    out
}

/// Which members the DNS answer's values belong to; `Err` says why it cannot be told.
fn answered(
    site: &SiteObservations,
    members: &[Member<'_>],
    now: OffsetDateTime,
    stale_after: Duration,
    ev: &mut Evidence,
) -> Result<BTreeSet<usize>, String> {
    let what = format!("DNS answer for {}", site.record_name);
    let mut scratch = Evidence::default();
    let answer = scratch.read(&what, &site.dns_answer, now, stale_after);
    ev.absorb(scratch, false);
    let Some(answer) = answer else {
        return Err("no usable DNS answer".into());
    };
    if !answer.has_values() {
        return Err(format!(
            "Route 53 answers {} without values",
            answer.response_code
        ));
    }
    let mut found = BTreeSet::new();
    let mut unmatched = Vec::new();
    for value in &answer.values {
        let v = normalize_dns_name(value);
        let owners: Vec<usize> = members
            .iter()
            .enumerate()
            .filter(|(_, m)| match &m.record.alias {
                None => m.record.values.iter().any(|x| normalize_dns_name(x) == v),
                Some(alias) => site
                    .alias_addresses_of(alias)
                    .and_then(|f| f.get())
                    .is_some_and(|addrs| addrs.iter().any(|a| normalize_dns_name(a) == v)),
            })
            .map(|(i, _)| i)
            .collect();
        if owners.is_empty() {
            unmatched.push(value.clone());
        }
        found.extend(owners);
    }
    if !unmatched.is_empty() {
        return Err(format!(
            "the answer {} matches no member",
            unmatched.join(", ")
        ));
    }
    Ok(found)
}

fn marker_line(m: &MaintenanceMarker, now: OffsetDateTime) -> String {
    let phase = match m.phase {
        MaintenancePhase::Entering => "maintenance being entered",
        MaintenancePhase::Active => "maintenance forced",
        MaintenancePhase::Leaving => "failing back",
    };
    let reason = m
        .reason
        .as_deref()
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    format!(
        "{phase} by {} {} ago{reason}",
        m.by,
        human_span(span(m.at, now))
    )
}

/// The verdict on a site whose records are the members of a routing policy.
pub fn verdict(
    site: &SiteObservations,
    policy: &Policy,
    records: &[&RecordSet],
    now: OffsetDateTime,
    stale_after: Duration,
) -> Verdict {
    let mut ev = Evidence::default();
    let what = format!("record sets of {}", site.record_name);
    let _ = ev.read(&what, &site.records, now, stale_after);
    let members = members(site, policy, records, now, stale_after);
    for m in &members {
        ev.absorb(m.health.evidence.clone(), true);
    }
    let kind_words = format!("{} {} record set", policy.as_str(), site.record_type);
    let traffic: Vec<&Member<'_>> = members.iter().filter(|m| m.gets_traffic).collect();
    let lines = vec![format!(
        "Route 53 answers the members of a {kind_words}: {}",
        traffic
            .iter()
            .map(|m| match m.share {
                Some(p) => format!("{} ({p} %, {})", m.id(), serves_words(&m.serves)),
                None => format!("{} ({})", m.id(), serves_words(&m.serves)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    )];
    let sorry_traffic = traffic.iter().any(|m| m.serves.is_sorry_page());
    let app_traffic: Vec<&&Member<'_>> = traffic
        .iter()
        .filter(|m| !m.serves.is_sorry_page())
        .collect();
    // The marker decides between FAILED OVER and MAINTENANCE once the sorry page is served.
    let mut marker_ev = Evidence::default();
    let marker = marker_ev
        .read("maintenance marker", &site.maintenance, now, stale_after)
        .and_then(|m| m.as_ref());
    ev.absorb(marker_ev, sorry_traffic);
    let unknown = |ev: Evidence, lines: Vec<String>| {
        let data_age = ev.data_age();
        let mut reasons = ev.missing;
        reasons.extend(lines);
        reasons.extend(ev.notes);
        Verdict {
            kind: VerdictKind::Unknown,
            served: Served::Members,
            served_inferred: true,
            reasons: dedup(reasons),
            eta: None,
            data_age,
        }
    };
    if !ev.missing.is_empty() {
        return unknown(ev, lines);
    }
    let answer = answered(site, &members, now, stale_after, &mut ev);
    let pending: Vec<_> = site
        .changes
        .values()
        .filter_map(|f| f.get())
        .filter(|c| c.status == ChangeStatus::Pending)
        .collect();
    let mut switching = Vec::new();
    if let Some(m) = marker.filter(|m| m.phase != MaintenancePhase::Active) {
        switching.push(format!(
            "{} (step {} of {})",
            marker_line(m, now),
            m.done_steps,
            m.total_steps
        ));
    }
    for c in &pending {
        switching.push(format!(
            "Route 53 change {} PENDING for {} (usually INSYNC within 60 s)",
            c.id,
            human_span(span(c.submitted_at, now))
        ));
    }
    match &answer {
        Ok(found) => {
            let outside: Vec<&str> = found
                .iter()
                .filter(|i| !members[**i].gets_traffic)
                .map(|i| members[*i].id())
                .collect();
            if !outside.is_empty() {
                switching.push(format!(
                    "Route 53 still answers {}, which by weight and health gets no traffic now: a \
                     change is propagating",
                    outside.join(", ")
                ));
            }
        }
        Err(why)
            if why.contains("matches no member")
                && members.iter().all(|m| m.record.alias.is_none()) =>
        {
            switching.push(format!("{why}: a change is propagating"));
        }
        Err(why) => ev.notes.push(format!("the DNS answer is not used: {why}")),
    }
    let data_age = ev.data_age();
    let finish = |kind: VerdictKind, mut reasons: Vec<String>, eta: Option<Eta>, ev: &Evidence| {
        reasons.extend(ev.notes.iter().cloned());
        Verdict {
            kind,
            served: Served::Members,
            served_inferred: answer.is_err(),
            reasons: dedup(reasons),
            eta,
            data_age,
        }
    };
    if !switching.is_empty() {
        let mut parts = Vec::new();
        if let Some(d) = pending
            .iter()
            .map(|c| CHANGE_PROPAGATION.saturating_sub(span(c.submitted_at, now)))
            .max()
        {
            parts.push(EtaPart {
                what: "Route 53 change INSYNC".into(),
                duration: d,
            });
        }
        if let Some(ttl) = members.iter().map(|m| m.record.effective_ttl()).max() {
            parts.push(EtaPart {
                what: "DNS TTL of the members".into(),
                duration: ttl,
            });
        }
        let total = parts.iter().map(|p| p.duration).sum();
        let mut reasons = switching;
        reasons.extend(lines);
        return finish(
            VerdictKind::Switching,
            reasons,
            Some(Eta { total, parts }),
            &ev,
        );
    }
    let problems = problems(policy, &members);
    if sorry_traffic && app_traffic.is_empty() {
        // Every client gets the sorry page: on purpose (a weight moved, or the marker says so)
        // or because the app's members are unhealthy.
        let app: Vec<&Member<'_>> = members
            .iter()
            .filter(|m| !m.serves.is_sorry_page() && weight_or_one(policy, m.record) > 0)
            .collect();
        let app_down = !app.is_empty() && app.iter().all(|m| m.health.health == Health::Unhealthy);
        let mut reasons = Vec::new();
        let kind = match marker {
            Some(m) => {
                reasons.push(marker_line(m, now));
                VerdictKind::Maintenance
            }
            None if app_down => {
                reasons.push(
                    "Route 53 sends every client to the sorry page because the app's members are \
                     unhealthy (no maintenance marker)"
                        .to_string(),
                );
                VerdictKind::FailedOver
            }
            None => {
                reasons.push(
                    "the sorry page is served without a switchyard maintenance marker: switched \
                     outside switchyard"
                        .to_string(),
                );
                VerdictKind::Maintenance
            }
        };
        reasons.extend(lines);
        if kind == VerdictKind::FailedOver {
            reasons.extend(problems);
        } else {
            reasons.extend(sorry_problems(policy, &members));
        }
        return finish(kind, reasons, None, &ev);
    }
    if sorry_traffic {
        let mut reasons = vec![format!(
            "part of the traffic gets the sorry page: {} still {} the app",
            app_traffic
                .iter()
                .map(|m| m.id())
                .collect::<Vec<_>>()
                .join(", "),
            if app_traffic.len() == 1 {
                "serves"
            } else {
                "serve"
            }
        )];
        if let Some(m) = marker {
            reasons.push(format!(
                "the maintenance marker says maintenance is active ({})",
                marker_line(m, now)
            ));
        }
        reasons.extend(lines);
        reasons.extend(problems);
        return finish(VerdictKind::Degraded, reasons, None, &ev);
    }
    if let Some(m) = marker {
        let mut reasons = vec![format!(
            "the maintenance marker says maintenance is active, but the members that get traffic \
             serve the app: failed back outside switchyard, or maintenance not applied ({})",
            marker_line(m, now)
        )];
        reasons.extend(lines);
        reasons.extend(problems);
        return finish(VerdictKind::Degraded, reasons, None, &ev);
    }
    if problems.is_empty() {
        finish(VerdictKind::Live, lines, None, &ev)
    } else {
        let mut reasons = problems;
        reasons.extend(lines);
        finish(VerdictKind::Degraded, reasons, None, &ev)
    }
}

/// A member's weight, or 1 for policies without weights.
fn weight_or_one(policy: &Policy, r: &RecordSet) -> i64 {
    if *policy == Policy::Weighted {
        weight(r)
    } else {
        1
    }
}

/// What is wrong among the members while the app is served.
fn problems(policy: &Policy, members: &[Member<'_>]) -> Vec<String> {
    let mut out = Vec::new();
    let app: Vec<&Member<'_>> = members
        .iter()
        .filter(|m| !m.serves.is_sorry_page())
        .collect();
    if !members.is_empty() && members.iter().all(|m| m.health.health == Health::Unhealthy) {
        out.push(
            "EVERY MEMBER IS UNHEALTHY: Route 53 answers them regardless, as if all were healthy"
                .to_string(),
        );
    }
    for m in app {
        if m.health.health != Health::Unhealthy {
            continue;
        }
        let why = m.health.explain().join("; ");
        let effect = match policy {
            Policy::Weighted if weight(m.record) > 0 => "Route 53 sends its share to the others",
            Policy::Weighted => "it gets no traffic",
            Policy::Latency => "its clients go to the next closest region",
            Policy::Geolocation => {
                "its clients fall back to a broader location, or get no answer when none covers \
                 them"
            }
            _ => "Route 53 leaves it out of its answers",
        };
        out.push(format!("member {} is unhealthy ({why}): {effect}", m.id()));
    }
    out
}

/// Problems of the sorry members during maintenance: an unhealthy sorry member of a weighted
/// set lets Route 53 answer the app's members of weight 0.
fn sorry_problems(policy: &Policy, members: &[Member<'_>]) -> Vec<String> {
    if *policy != Policy::Weighted || members.iter().all(|m| m.serves.is_sorry_page()) {
        return Vec::new();
    }
    members
        .iter()
        .filter(|m| m.serves.is_sorry_page() && m.gets_traffic)
        .filter(|m| m.health.evaluated && m.health.health == Health::Unhealthy)
        .map(|m| {
            format!(
                "the sorry member {} is unhealthy ({}): while it is, Route 53 may send clients \
                 back to the app's members",
                m.id(),
                m.health.explain().join("; ")
            )
        })
        .collect()
}

fn dedup(reasons: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    reasons
        .into_iter()
        .filter(|r| seen.insert(r.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, w: Option<i64>) -> RecordSet {
        RecordSet {
            name: "www.example.com.".into(),
            rtype: "A".into(),
            set_identifier: Some(id.into()),
            weight: w,
            ttl: Some(Duration::from_secs(60)),
            values: vec![format!("192.0.2.{}", id.len())],
            ..RecordSet::default()
        }
    }

    fn chosen(policy: Policy, m: &[(RecordSet, Health)]) -> Vec<usize> {
        let pairs: Vec<(&RecordSet, Health)> = m.iter().map(|(r, h)| (r, *h)).collect();
        traffic(&policy, &pairs)
    }

    use Health::{Healthy as H, Unhealthy as U};

    #[test]
    fn weighted_traffic_follows_route53s_rules() {
        let (a, b, z) = (
            member("a", Some(1)),
            member("b", Some(1)),
            member("z", Some(0)),
        );
        let set = |ha, hb, hz| vec![(a.clone(), ha), (b.clone(), hb), (z.clone(), hz)];
        // AWS's table for a zero-weight record with a health check.
        assert_eq!(chosen(Policy::Weighted, &set(U, U, H)), [2]);
        assert_eq!(chosen(Policy::Weighted, &set(U, U, U)), [0, 1]);
        assert_eq!(chosen(Policy::Weighted, &set(U, H, U)), [1]);
        assert_eq!(chosen(Policy::Weighted, &set(H, H, U)), [0, 1]);
        assert_eq!(chosen(Policy::Weighted, &set(H, H, H)), [0, 1]);
        // Every weight 0: the healthy ones evenly, or all of them.
        let zeros = vec![(member("x", Some(0)), U), (member("y", Some(0)), H)];
        assert_eq!(chosen(Policy::Weighted, &zeros), [1]);
    }

    #[test]
    fn other_policies_answer_the_healthy_members_or_all() {
        let m = vec![(member("eu", None), U), (member("us", None), H)];
        assert_eq!(chosen(Policy::Latency, &m), [1]);
        let m = vec![(member("eu", None), U), (member("us", None), U)];
        assert_eq!(chosen(Policy::MultiValue, &m), [0, 1]);
    }

    use crate::model::fixtures::{ALB_DNS, ALB_IPS, CF_DNS, CF_IPS, Fx, NOW, PRIMARY_HC, STALE};
    use crate::model::maintenance::MaintenancePhase;
    use crate::model::route53::{AliasTarget, CLOUDFRONT_HOSTED_ZONE_ID};

    /// blue (the ALB, with the primary's health check) and sorry (the sorry distribution) as
    /// a weighted set of these weights.
    fn weighted(blue: i64, sorry: i64) -> Fx {
        let mut fx = Fx::alb_cloudfront();
        let alias = |zone: &str, dns: &str| AliasTarget {
            hosted_zone_id: zone.into(),
            dns_name: dns.into(),
            evaluate_target_health: false,
        };
        let records = vec![
            RecordSet {
                name: "www.example.com.".into(),
                rtype: "A".into(),
                set_identifier: Some("blue".into()),
                weight: Some(blue),
                alias: Some(alias("Z32O12XQLNTSW2", &format!("dualstack.{ALB_DNS}."))),
                health_check_id: Some(PRIMARY_HC.into()),
                ..RecordSet::default()
            },
            RecordSet {
                name: "www.example.com.".into(),
                rtype: "A".into(),
                set_identifier: Some("sorry".into()),
                weight: Some(sorry),
                alias: Some(alias(CLOUDFRONT_HOSTED_ZONE_ID, &format!("{CF_DNS}."))),
                ..RecordSet::default()
            },
        ];
        if let Some(r) = fx.0.records.value.as_mut() {
            *r = records;
        }
        fx
    }

    fn judge(fx: &Fx) -> Verdict {
        crate::model::verdict::verdict(&fx.0, NOW, STALE)
    }

    #[test]
    fn a_weighted_set_is_live_in_maintenance_or_failed_over_by_its_members() {
        let v = judge(&weighted(90, 0).dns_answers_values(&ALB_IPS));
        assert_eq!(v.kind, VerdictKind::Live, "{v:#?}");
        assert_eq!(v.served, Served::Members);
        assert_eq!(
            v.reasons[0],
            "Route 53 answers the members of a weighted A record set: blue (100 %, the app)"
        );
        // The weight moved to the sorry member by switchyard.
        let v = judge(
            &weighted(0, 90)
                .dns_answers_values(&CF_IPS)
                .marker(MaintenancePhase::Active),
        );
        assert_eq!(v.kind, VerdictKind::Maintenance, "{v:#?}");
        // ... or by hand.
        let v = judge(&weighted(0, 90).dns_answers_values(&CF_IPS));
        assert_eq!(v.kind, VerdictKind::Maintenance, "{v:#?}");
        assert!(
            v.reasons[0].contains("switched outside switchyard"),
            "{v:#?}"
        );
        // The app's member unhealthy: Route 53 answers the member of weight 0 on its own.
        let v = judge(&weighted(90, 0).checkers(0, 8).dns_answers_values(&CF_IPS));
        assert_eq!(v.kind, VerdictKind::FailedOver, "{v:#?}");
        assert!(
            v.reasons
                .iter()
                .any(|r| r.starts_with("member blue is unhealthy")),
            "{v:#?}"
        );
        // Part of the traffic on each side.
        let v = judge(&weighted(90, 10).dns_answers_values(&ALB_IPS));
        assert_eq!(v.kind, VerdictKind::Degraded, "{v:#?}");
        assert_eq!(
            v.reasons[0],
            "part of the traffic gets the sorry page: blue still serves the app"
        );
        // The marker says maintenance, the members serve the app.
        let v = judge(
            &weighted(90, 0)
                .dns_answers_values(&ALB_IPS)
                .marker(MaintenancePhase::Active),
        );
        assert_eq!(v.kind, VerdictKind::Degraded, "{v:#?}");
    }

    #[test]
    fn an_answer_of_a_member_without_traffic_is_a_change_propagating() {
        let v = judge(&weighted(0, 90).dns_answers_values(&ALB_IPS));
        assert_eq!(v.kind, VerdictKind::Switching, "{v:#?}");
        assert!(
            v.reasons[0].starts_with("Route 53 still answers blue, which by weight and health"),
            "{v:#?}"
        );
        assert!(v.eta.is_some());
        // Data missing: UNKNOWN, never a guess.
        let mut fx = weighted(90, 0);
        fx.0.health_checks.clear();
        let v = judge(&fx.dns_answers_values(&ALB_IPS));
        assert_eq!(v.kind, VerdictKind::Unknown, "{v:#?}");
    }

    #[test]
    fn other_policies_are_unsupported_with_their_name() {
        let mut fx = weighted(90, 0);
        if let Some(r) = fx.0.records.value.as_mut() {
            for m in r.iter_mut() {
                m.weight = None;
                m.routing.other_policy = Some("geoproximity".into());
            }
        }
        let v = judge(&fx);
        assert_eq!(v.kind, VerdictKind::Unknown);
        assert!(
            v.reasons[0].contains("use geoproximity routing, which switchyard does not model"),
            "{v:#?}"
        );
    }

    #[test]
    fn weighted_shares_are_percentages_of_the_chosen() {
        let m = [
            (member("blue", Some(90)), H),
            (member("green", Some(10)), H),
        ];
        let pairs: Vec<(&RecordSet, Health)> = m.iter().map(|(r, h)| (r, *h)).collect();
        assert_eq!(
            shares(&Policy::Weighted, &pairs, &[0, 1]),
            [Some(90), Some(10)]
        );
        assert_eq!(
            shares(&Policy::Weighted, &pairs, &[1]),
            [Some(0), Some(100)]
        );
    }
}
