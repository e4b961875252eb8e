//! The record types of a site (dual stack). A name usually holds an A record set and often an
//! AAAA one beside it, each with its own failover pair (or routing policy): IPv4 clients follow
//! the A records, IPv6 clients the AAAA records. A site covers every address type at its name
//! unless its config names one `record_type`; a name with a CNAME holds nothing else.
//!
//! The verdict of a site of several types is the verdict of each type (a view of the site with
//! that type's records and DNS answer), combined: the site is MAINTENANCE only when every type
//! serves the sorry page, and a type that still answers the app is named.

use std::time::Duration;

use time::OffsetDateTime;

use super::site::{RecordLayout, SiteObservations};
use super::verdict::{Served, Verdict, VerdictKind};

/// The record types that carry a site's address, in the order they are shown.
pub const ADDRESS_TYPES: [&str; 3] = ["A", "AAAA", "CNAME"];

/// `IPv4 (A)`, `IPv6 (AAAA)`, `CNAME`: a record type as clients feel it.
pub fn type_label(rtype: &str) -> String {
    match rtype {
        "A" => "IPv4 (A)".into(),
        "AAAA" => "IPv6 (AAAA)".into(),
        other => other.to_string(),
    }
}

/// Who follows the records of a type: `IPv4 clients`, `IPv6 clients`, `clients`.
pub fn clients_of(rtype: &str) -> &'static str {
    match rtype {
        "A" => "IPv4 clients",
        "AAAA" => "IPv6 clients",
        _ => "clients",
    }
}

impl SiteObservations {
    /// Whether records of this type are part of the site.
    pub fn covers(&self, rtype: &str) -> bool {
        if self.every_type {
            ADDRESS_TYPES.iter().any(|t| t.eq_ignore_ascii_case(rtype))
        } else {
            rtype.eq_ignore_ascii_case(&self.record_type)
        }
    }

    /// The address types with records at the site's name, in [`ADDRESS_TYPES`] order.
    pub fn address_types_at_name(&self) -> Vec<String> {
        let records = self.records.get().map(Vec::as_slice).unwrap_or(&[]);
        ADDRESS_TYPES
            .iter()
            .filter(|t| {
                records
                    .iter()
                    .any(|r| r.is_named(&self.record_name) && r.rtype.eq_ignore_ascii_case(t))
            })
            .map(|t| (*t).to_string())
            .collect()
    }

    /// The record types the site covers: those at its name (every address type), or its one
    /// `record_type`. Never empty: `record_type` while nothing is known.
    pub fn covered_types(&self) -> Vec<String> {
        if !self.every_type {
            return vec![self.record_type.to_ascii_uppercase()];
        }
        let found = self.address_types_at_name();
        if found.is_empty() {
            vec![self.record_type.to_ascii_uppercase()]
        } else {
            found
        }
    }

    /// Address types at the name that the site does not cover (its config names another
    /// `record_type`): clients of those types are not switched by this site.
    pub fn uncovered_types(&self) -> Vec<String> {
        self.address_types_at_name()
            .into_iter()
            .filter(|t| !self.covers(t))
            .collect()
    }

    /// The record sets of the site's name of one type.
    pub fn records_of_type(&self, rtype: &str) -> Vec<&super::route53::RecordSet> {
        self.site_records()
            .into_iter()
            .filter(|r| r.rtype.eq_ignore_ascii_case(rtype))
            .collect()
    }

    /// The DNS answer observed for one type.
    pub fn answer_of(
        &self,
        rtype: &str,
    ) -> Option<&super::obs::Fetched<super::route53::DnsAnswer>> {
        if rtype.eq_ignore_ascii_case(&self.record_type) {
            Some(&self.dns_answer)
        } else {
            self.other_answers.get(&rtype.to_ascii_uppercase())
        }
    }

    /// The site as seen through one record type: its records of that type and that type's DNS
    /// answer, everything behind them unchanged.
    pub fn view(&self, rtype: &str) -> SiteObservations {
        let mut v = self.clone();
        v.every_type = false;
        v.record_type = rtype.to_ascii_uppercase();
        // The other address types are other views' (and not records this one leaves out).
        if let Some(records) = v.records.value.as_mut() {
            records.retain(|r| {
                r.rtype.eq_ignore_ascii_case(rtype)
                    || !ADDRESS_TYPES
                        .iter()
                        .any(|t| t.eq_ignore_ascii_case(&r.rtype))
            });
        }
        v.dns_answer = self.answer_of(rtype).cloned().unwrap_or_default();
        v.other_answers.clear();
        v
    }

    /// One view per covered type.
    pub fn views(&self) -> Vec<SiteObservations> {
        self.covered_types().iter().map(|t| self.view(t)).collect()
    }

    /// The layout of each covered type.
    pub fn layouts(&self) -> Vec<(String, RecordLayout<'_>)> {
        self.covered_types()
            .into_iter()
            .map(|t| {
                let layout = self.layout_of(&t);
                (t, layout)
            })
            .collect()
    }
}

/// The verdict of a site that is not one failover pair or plain record of one type: several
/// types (a verdict per type, combined) or a routing policy. `None`: the plain verdict applies.
pub fn verdict(
    site: &SiteObservations,
    now: OffsetDateTime,
    stale_after: Duration,
) -> Option<Verdict> {
    let types = site.covered_types();
    if types.len() > 1 {
        let per_type: Vec<(String, Verdict)> = types
            .iter()
            .map(|t| {
                (
                    t.clone(),
                    super::verdict::verdict(&site.view(t), now, stale_after),
                )
            })
            .collect();
        return Some(combine(&per_type));
    }
    let mut v = match site.layout() {
        RecordLayout::Routed { policy, members } => {
            super::policy::verdict(site, &policy, &members, now, stale_after)
        }
        _ => return None,
    };
    note_uncovered(site, &mut v);
    Some(v)
}

/// Adds a reason when the name holds address records the site does not cover.
pub fn note_uncovered(site: &SiteObservations, v: &mut Verdict) {
    for t in site.uncovered_types() {
        v.reasons.push(format!(
            "the {t} records of {} are not part of this site (its config says record_type = \
             \"{}\"): {} follow them whatever this site serves",
            site.record_name,
            site.record_type,
            clients_of(&t)
        ));
    }
}

fn serves_app(kind: VerdictKind) -> bool {
    matches!(kind, VerdictKind::Live | VerdictKind::Degraded)
}

fn serves_sorry(kind: VerdictKind) -> bool {
    matches!(kind, VerdictKind::Maintenance | VerdictKind::FailedOver)
}

/// The verdicts of each record type as one: the same word when they agree; UNKNOWN or
/// SWITCHING when one type is; DEGRADED, naming the type, when one type serves the sorry page
/// and another the app; else the worst. Reasons shared by every type are said once, the others
/// are marked with their type.
pub fn combine(per_type: &[(String, Verdict)]) -> Verdict {
    let kinds: Vec<VerdictKind> = per_type.iter().map(|(_, v)| v.kind).collect();
    let split = kinds.iter().any(|k| serves_app(*k)) && kinds.iter().any(|k| serves_sorry(*k));
    let kind = if kinds.windows(2).all(|w| w[0] == w[1]) {
        kinds.first().copied().unwrap_or(VerdictKind::Unknown)
    } else if kinds.contains(&VerdictKind::Unknown) {
        VerdictKind::Unknown
    } else if kinds.contains(&VerdictKind::Switching) {
        VerdictKind::Switching
    } else if split {
        VerdictKind::Degraded
    } else {
        VerdictKind::worst(kinds.iter().copied()).unwrap_or(VerdictKind::Unknown)
    };
    let agree = kinds.windows(2).all(|w| w[0] == w[1]);
    let mut reasons = Vec::new();
    if split {
        let sorry: Vec<&str> = per_type
            .iter()
            .filter(|(_, v)| serves_sorry(v.kind))
            .map(|(t, _)| t.as_str())
            .collect();
        for (t, v) in per_type.iter().filter(|(_, v)| serves_app(v.kind)) {
            reasons.push(format!(
                "the {t} records still answer the app ({}) while the {} records serve the sorry \
                 page: {} reach the app",
                v.kind.label(),
                sorry.join(" and "),
                clients_of(t)
            ));
        }
    } else if !agree {
        for (t, v) in per_type {
            reasons.push(format!("{}: {}", type_label(t), v.kind.label()));
        }
    }
    for (i, (t, v)) in per_type.iter().enumerate() {
        for r in &v.reasons {
            let everywhere = per_type.iter().all(|(_, o)| o.reasons.contains(r));
            let line = if everywhere {
                r.clone()
            } else {
                format!("{t}: {r}")
            };
            if !reasons.contains(&line) && (i == 0 || !everywhere) {
                reasons.push(line);
            }
        }
    }
    let served = match per_type.first() {
        Some((_, first)) if per_type.iter().all(|(_, v)| v.served == first.served) => first.served,
        _ => Served::Unknown,
    };
    let eta = per_type
        .iter()
        .filter_map(|(_, v)| v.eta.clone())
        .max_by_key(|e| e.total);
    let data_age = per_type.iter().filter_map(|(_, v)| v.data_age).max();
    Verdict {
        kind,
        served,
        served_inferred: per_type.iter().any(|(_, v)| v.served_inferred),
        reasons,
        eta: if kind == VerdictKind::Switching {
            eta
        } else {
            None
        },
        data_age,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{ALB_DNS, CF_IPS, Fx, NOW, STALE};
    use crate::model::maintenance::MaintenancePhase;
    use crate::model::obs::Fetched;
    use crate::model::route53::{DnsAnswer, normalize_dns_name};

    fn verdict_of(kind: VerdictKind, reasons: &[&str]) -> Verdict {
        Verdict {
            kind,
            served: Served::Primary,
            served_inferred: false,
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
            eta: None,
            data_age: None,
        }
    }

    #[test]
    fn the_site_is_in_maintenance_only_when_every_type_is() {
        let both = combine(&[
            (
                "A".into(),
                verdict_of(VerdictKind::Maintenance, &["marker", "a"]),
            ),
            (
                "AAAA".into(),
                verdict_of(VerdictKind::Maintenance, &["marker", "b"]),
            ),
        ]);
        assert_eq!(both.kind, VerdictKind::Maintenance);
        assert_eq!(both.reasons, ["marker", "A: a", "AAAA: b"]);
        let split = combine(&[
            (
                "A".into(),
                verdict_of(VerdictKind::Maintenance, &["marker"]),
            ),
            ("AAAA".into(), verdict_of(VerdictKind::Live, &["primary"])),
        ]);
        assert_eq!(split.kind, VerdictKind::Degraded);
        assert_eq!(
            split.reasons[0],
            "the AAAA records still answer the app (LIVE) while the A records serve the sorry \
             page: IPv6 clients reach the app"
        );
        let unknown = combine(&[
            ("A".into(), verdict_of(VerdictKind::Live, &[])),
            (
                "AAAA".into(),
                verdict_of(VerdictKind::Unknown, &["no answer"]),
            ),
        ]);
        assert_eq!(unknown.kind, VerdictKind::Unknown);
        assert_eq!(
            unknown.reasons[..2],
            ["IPv4 (A): LIVE", "IPv6 (AAAA): UNKNOWN"]
        );
        let worse = combine(&[
            ("A".into(), verdict_of(VerdictKind::Live, &[])),
            ("AAAA".into(), verdict_of(VerdictKind::Degraded, &[])),
        ]);
        assert_eq!(worse.kind, VerdictKind::Degraded);
    }

    /// A pair of the fixtures, with an AAAA pair beside the A pair; `eth_only_v6`: the AAAA
    /// primary has no health check, Evaluate Target Health instead.
    fn dual_stack_of(mut fx: Fx, eth_only_v6: bool) -> Fx {
        let o = &mut fx.0;
        o.every_type = true;
        if let Some(records) = o.records.value.as_mut() {
            let v6: Vec<_> = records
                .iter()
                .map(|r| {
                    let mut r = r.clone();
                    r.rtype = "AAAA".into();
                    if eth_only_v6 && r.failover == Some(crate::model::route53::Failover::Primary) {
                        r.health_check_id = None;
                        if let Some(a) = r.alias.as_mut() {
                            a.evaluate_target_health = true;
                        }
                    }
                    r
                })
                .collect();
            records.extend(v6);
        }
        if let Some(a) = o
            .alias_addresses
            .get_mut(&normalize_dns_name(ALB_DNS))
            .and_then(|f| f.value.as_mut())
        {
            a.push("2001:db8::10".into());
        }
        let mut answer = o.dns_answer.clone();
        if let Some(a) = answer.value.as_mut() {
            *a = DnsAnswer {
                record_type: "AAAA".into(),
                values: vec!["2001:db8::10".into()],
                ..a.clone()
            };
        }
        o.other_answers.insert("AAAA".into(), answer);
        fx
    }

    fn dual_stack(marker: bool) -> Fx {
        let mut fx = Fx::alb_cloudfront_eth();
        if marker {
            fx = fx.marker(MaintenancePhase::Active);
        }
        dual_stack_of(fx, false)
    }

    #[test]
    fn a_site_of_every_type_is_judged_per_type() {
        let fx = dual_stack(false);
        assert_eq!(fx.0.covered_types(), ["A", "AAAA"]);
        assert_eq!(fx.0.site_records().len(), 4);
        let view = fx.0.view("AAAA");
        assert_eq!(view.site_records().len(), 2);
        assert_eq!(view.dns_answer.get().unwrap().values, ["2001:db8::10"]);
        let v = crate::model::verdict::verdict(&fx.0, NOW, STALE);
        assert_eq!(v.kind, VerdictKind::Live, "{v:#?}");
        assert!(
            v.reasons
                .iter()
                .any(|r| r.starts_with("AAAA: Route 53 answers the primary (PRIMARY AAAA")),
            "{v:#?}"
        );
        // The A primary's check is inverted, the AAAA primary has none: the A pair answers the
        // sorry page, the AAAA pair still the app.
        let base = Fx::alb_cloudfront()
            .primary_check_inverted()
            .marker(MaintenancePhase::Active);
        let mut fx = dual_stack_of(base, true);
        fx.0.dns_answer = Fetched::ok(
            DnsAnswer {
                record_name: "www.example.com.".into(),
                record_type: "A".into(),
                values: CF_IPS.iter().map(|s| s.to_string()).collect(),
                response_code: "NOERROR".into(),
                source: Default::default(),
            },
            crate::model::fixtures::ago(5),
        );
        let v = crate::model::verdict::verdict(&fx.0, NOW, STALE);
        assert_eq!(v.kind, VerdictKind::Degraded, "{v:#?}");
        assert_eq!(
            v.reasons[0],
            "the AAAA records still answer the app (DEGRADED) while the A records serve the \
             sorry page: IPv6 clients reach the app"
        );
        assert!(
            v.reasons
                .iter()
                .any(|r| r.starts_with("A: Route 53 answers the secondary, the sorry page")),
            "{v:#?}"
        );
    }

    #[test]
    fn a_site_of_one_type_names_the_types_it_leaves_out() {
        let mut fx = dual_stack(false);
        fx.0.every_type = false;
        assert_eq!(fx.0.covered_types(), ["A"]);
        assert_eq!(fx.0.uncovered_types(), ["AAAA"]);
        let v = crate::model::verdict::verdict(&fx.0, NOW, STALE);
        assert_eq!(v.kind, VerdictKind::Live);
        assert!(
            v.reasons.last().unwrap().starts_with(
                "the AAAA records of www.example.com. are not part of this site (its config says \
                 record_type = \"A\"): IPv6 clients follow them"
            ),
            "{v:#?}"
        );
    }
}
