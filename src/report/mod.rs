//! Non-interactive output shared by the CLI subcommands: the status report as a table that fits
//! 80 columns, and as JSON, a stable contract for runbooks (documented in the README).

pub mod discover;
pub mod doctor;
pub mod manual;
pub mod permissions;
pub mod rehearse;
pub mod status;

use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use crate::model::elb::ActionKind;
use crate::model::obs::{Fetched, human_span};
use crate::model::route53::HealthCheckStatus;
use crate::model::site::SiteObservations;
use crate::model::verdict::{Verdict, VerdictKind};

/// The version of the JSON contract; bumped only for changes that break readers.
pub const JSON_VERSION: u32 = 1;

/// Exit codes of `status` and `wait`, documented in the README.
pub mod exit {
    pub const LIVE: i32 = 0;
    pub const USAGE: i32 = 2;
    pub const ACCESS: i32 = 3;
}

#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub version: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    /// The worst verdict's code (or 3 when credentials or access kept the data away).
    pub exit_code: i32,
    pub sites: Vec<SiteReport>,
}

#[derive(Debug, Serialize)]
pub struct SiteReport {
    pub name: String,
    pub zone_id: String,
    pub record: String,
    /// LIVE, DEGRADED, FAILED OVER, MAINTENANCE, SWITCHING or UNKNOWN.
    pub verdict: String,
    pub exit_code: i32,
    /// primary, secondary, plain record or unknown.
    pub served: String,
    /// Whether `served` was inferred from health rather than read from the DNS answer.
    pub served_inferred: bool,
    pub reasons: Vec<String>,
    pub eta_seconds: Option<u64>,
    pub data_age_seconds: Option<u64>,
    pub protected: bool,
    pub records: Vec<RecordReport>,
    pub dns_answer: Option<Vec<String>>,
    pub health_checks: Vec<HealthCheckReport>,
    pub alarms: Vec<AlarmReport>,
    pub listeners: Vec<ListenerReport>,
    pub targets: Vec<TargetReport>,
    pub distribution: Option<DistributionReport>,
    pub maintenance: Option<MaintenanceReport>,
    /// One line per piece that could not be fetched: what, and the classified error.
    pub errors: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct RecordReport {
    pub role: Option<String>,
    pub set_identifier: Option<String>,
    pub target: String,
    pub health_check_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct HealthCheckReport {
    pub id: String,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub inverted: Option<bool>,
    pub disabled: Option<bool>,
    /// Route 53's status: already inverted where the source is the metric.
    pub healthy: Option<bool>,
    /// From per-region observations: how many checkers report success, of how many.
    pub checkers_healthy: Option<usize>,
    pub checkers_total: Option<usize>,
    pub percent_healthy: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct AlarmReport {
    pub name: String,
    pub region: String,
    pub state: Option<String>,
    pub reason: Option<String>,
    pub actions_enabled: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct ListenerReport {
    pub arn: String,
    pub load_balancer: String,
    pub port: u16,
    pub protocol: String,
    pub default_action: String,
    /// app, sorry or fixed-response: what the default action sends traffic to.
    pub serves: String,
}

#[derive(Debug, Serialize)]
pub struct TargetReport {
    pub target_group: String,
    pub id: String,
    pub state: String,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DistributionReport {
    pub id: String,
    pub domain_name: Option<String>,
    pub status: Option<String>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct MaintenanceReport {
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub reason: Option<String>,
    pub phase: String,
    pub strategies: Vec<String>,
}

fn failing<T>(what: &str, f: &Fetched<T>, errors: &mut Vec<String>) {
    if let Some(e) = &f.error {
        errors.push(format!("{what}: {}", e.error.summary()));
    }
}

/// The report of one site.
pub fn site_report(o: &SiteObservations, v: &Verdict) -> SiteReport {
    let mut errors = Vec::new();
    failing("records", &o.records, &mut errors);
    failing("DNS answer", &o.dns_answer, &mut errors);
    failing("maintenance journal", &o.maintenance, &mut errors);
    failing("load balancers", &o.load_balancers, &mut errors);
    failing("target groups", &o.target_groups, &mut errors);
    let records = o
        .site_records()
        .into_iter()
        .map(|r| RecordReport {
            role: r.failover.map(|f| f.as_str().to_string()),
            set_identifier: r.set_identifier.clone(),
            target: r.describe(),
            health_check_id: r.health_check_id.clone(),
        })
        .collect();
    let health_checks = o
        .health_checks
        .iter()
        .map(|(id, h)| {
            failing(&format!("health check {id}"), &h.config, &mut errors);
            failing(
                &format!("status of health check {id}"),
                &h.status,
                &mut errors,
            );
            let cfg = h.config.get();
            let (healthy, checkers_healthy, checkers_total, percent) = match h.status.get() {
                Some(HealthCheckStatus::Metric {
                    healthy,
                    percent_healthy,
                    ..
                }) => (Some(*healthy), None, None, *percent_healthy),
                Some(HealthCheckStatus::Checkers { observations }) => {
                    let ok = observations.iter().filter(|o| o.healthy()).count();
                    (None, Some(ok), Some(observations.len()), None)
                }
                None => (None, None, None, None),
            };
            HealthCheckReport {
                id: id.clone(),
                name: cfg.and_then(|c| c.name.clone()),
                kind: cfg.map(|c| c.kind.to_string()),
                inverted: cfg.map(|c| c.inverted),
                disabled: cfg.map(|c| c.disabled),
                healthy,
                checkers_healthy,
                checkers_total,
                percent_healthy: percent,
            }
        })
        .collect();
    let alarms = o
        .alarms
        .iter()
        .map(|a| {
            failing(
                &format!("alarm {}", a.alarm_ref.name),
                &a.alarm,
                &mut errors,
            );
            let al = a.alarm.get();
            AlarmReport {
                name: a.alarm_ref.name.clone(),
                region: a.alarm_ref.region.clone(),
                state: al.map(|x| x.state.as_str().to_string()),
                reason: al.map(|x| x.reason.clone()),
                actions_enabled: al.map(|x| x.actions_enabled),
            }
        })
        .collect();
    let lb_name = |arn: &str| {
        o.load_balancers
            .get()
            .and_then(|l| l.iter().find(|x| x.arn == arn))
            .map_or_else(|| arn.to_string(), |l| l.name.clone())
    };
    let mut listeners = Vec::new();
    for (lb, ls) in &o.listeners {
        failing(&format!("listeners of {}", lb_name(lb)), ls, &mut errors);
        for l in ls.get().into_iter().flatten() {
            let action = l.default_action();
            let serves = listener_serves(o, l);
            listeners.push(ListenerReport {
                arn: l.arn.clone(),
                load_balancer: lb_name(lb),
                port: l.port,
                protocol: l.protocol.clone(),
                default_action: action.map_or_else(|| "none".to_string(), |a| a.describe()),
                serves,
            });
        }
    }
    let tg_name = |arn: &str| crate::model::elb::target_group_name(arn);
    let mut targets = Vec::new();
    for (tg, th) in &o.target_health {
        failing(&format!("targets of {}", tg_name(tg)), th, &mut errors);
        for t in th.get().into_iter().flatten() {
            targets.push(TargetReport {
                target_group: tg_name(tg),
                id: t.id.clone(),
                state: t.state.to_string(),
                reason: t.reason.clone(),
            });
        }
    }
    let distribution = o.distribution.as_ref().map(|d| {
        failing(&d.label(), &d.distribution, &mut errors);
        let dist = d.distribution.get();
        DistributionReport {
            id: d.id.clone(),
            domain_name: dist.map(|x| x.domain_name.clone()),
            status: dist.map(|x| x.status.to_string()),
            enabled: dist.map(|x| x.enabled),
        }
    });
    let maintenance = o
        .maintenance
        .get()
        .cloned()
        .flatten()
        .map(|m| MaintenanceReport {
            by: m.by,
            at: m.at,
            reason: m.reason,
            phase: m.phase.as_str().to_string(),
            strategies: m.strategies,
        });
    SiteReport {
        name: o.name.clone(),
        zone_id: o.zone_id.clone(),
        record: o.record_name.clone(),
        verdict: v.kind.label().to_string(),
        exit_code: v.kind.exit_code(),
        served: v.served.as_str().to_string(),
        served_inferred: v.served_inferred,
        reasons: v.reasons.clone(),
        eta_seconds: v.eta.as_ref().map(|e| e.total.as_secs()),
        data_age_seconds: v.data_age.map(|d| d.as_secs()),
        protected: o.protected,
        records,
        dns_answer: o.dns_answer.get().map(|a| a.values.clone()),
        health_checks,
        alarms,
        listeners,
        targets,
        distribution,
        maintenance,
        errors,
    }
}

/// What a listener's default action sends traffic to: `app`, `sorry`, `fixed-response`, another
/// action kind, or `nothing`.
pub fn listener_serves(o: &SiteObservations, l: &crate::model::elb::Listener) -> String {
    match l.default_action() {
        Some(a) if a.kind == ActionKind::FixedResponse => "fixed-response".to_string(),
        Some(a)
            if a.target_group_arns()
                .iter()
                .any(|t| o.sorry_target_groups.iter().any(|s| s == t)) =>
        {
            "sorry".to_string()
        }
        Some(a) if a.kind == ActionKind::Forward => "app".to_string(),
        Some(a) => a.kind.to_string(),
        None => "nothing".to_string(),
    }
}

/// Whether credentials or access kept the data away (exit code 3 rather than UNKNOWN's 14).
pub fn access_problem(o: &SiteObservations) -> bool {
    use crate::model::error::ErrorKind;
    let bad = |e: &Option<crate::model::obs::FetchError>| {
        e.as_ref().is_some_and(|e| {
            matches!(
                e.error.kind,
                ErrorKind::Credentials | ErrorKind::AccessDenied
            )
        })
    };
    bad(&o.records.error) || bad(&o.dns_answer.error)
}

/// The report of several sites, with the exit code of the whole.
pub fn status_report(sites: &[(&SiteObservations, Verdict)], now: OffsetDateTime) -> StatusReport {
    let worst = VerdictKind::worst(sites.iter().map(|(_, v)| v.kind));
    let access = sites
        .iter()
        .any(|(o, v)| v.kind == VerdictKind::Unknown && access_problem(o));
    let exit_code = if access {
        exit::ACCESS
    } else {
        worst.map_or(exit::LIVE, VerdictKind::exit_code)
    };
    StatusReport {
        version: JSON_VERSION,
        generated_at: now,
        exit_code,
        sites: sites.iter().map(|(o, v)| site_report(o, v)).collect(),
    }
}

/// `s` cut to `width` characters, with an ellipsis when cut.
/// The text made printable and cut to `width` terminal columns.
pub fn truncate(s: &str, width: usize) -> String {
    crate::model::strings::fit(s, width)
}

/// The status table: one line per site, its first reasons below, within `width` columns.
pub fn table(report: &StatusReport, width: usize) -> String {
    let width = width.max(60);
    let mut out = String::new();
    let name_w = report
        .sites
        .iter()
        .map(|s| crate::model::strings::columns(&crate::model::strings::printable(&s.name)))
        .max()
        .unwrap_or(4)
        .clamp(4, 16);
    out.push_str(&format!(
        "{:<name_w$}  {:<11}  {:<9}  {:>5}  {}\n",
        "SITE", "VERDICT", "SERVED", "AGE", "RECORD"
    ));
    for s in &report.sites {
        let age = s.data_age_seconds.map_or_else(
            || "-".to_string(),
            |a| human_span(Duration::from_secs(a)).replace(' ', ""),
        );
        let served = if s.served_inferred && s.served != "unknown" {
            format!("{}?", s.served)
        } else {
            s.served.clone()
        };
        let served = served.replace("plain record", "plain");
        let head = format!(
            "{}  {:<11}  {:<9}  {:>5}  ",
            crate::model::strings::pad(&s.name, name_w),
            s.verdict,
            truncate(&served, 9),
            truncate(&age, 5)
        );
        let rest = width.saturating_sub(crate::model::strings::columns(&head));
        out.push_str(&head);
        out.push_str(&truncate(&s.record, rest));
        out.push('\n');
        for reason in s.reasons.iter().take(3) {
            out.push_str(&truncate(&format!("  - {reason}"), width));
            out.push('\n');
        }
        if let Some(m) = &s.maintenance {
            out.push_str(&truncate(
                &format!("  maintenance {} by {}", m.phase, m.by),
                width,
            ));
            out.push('\n');
        }
        for e in s.errors.iter().take(2) {
            out.push_str(&truncate(&format!("  ! {e}"), width));
            out.push('\n');
        }
    }
    out
}
