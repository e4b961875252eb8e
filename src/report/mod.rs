//! Non-interactive output shared by the CLI subcommands: the status report as a table that fits
//! 80 columns, and as JSON, a stable contract for runbooks (documented in the README).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use crate::model::completeness::{access_lines, completeness, trusted, unread_lines};
use crate::model::elb::{Rule, deciding_action};
use crate::model::listener_rules;
use crate::model::obs::{human_span, span};
use crate::model::precedence::{ListenerGets, describe_conditions};
use crate::model::route53::HealthCheckStatus;
use crate::model::site::SiteObservations;
use crate::model::verdict::{Verdict, VerdictKind};

pub mod window;

/// The version of the JSON contract; bumped only for changes that break readers.
pub const JSON_VERSION: u32 = 1;

/// Exit codes of `status` and `wait`, documented in the README.
pub(crate) mod exit {
    pub const LIVE: i32 = 0;
    pub const ACCESS: i32 = 3;
}

/// Which access problem kept which piece of which site away, for stderr: `site: what: access
/// denied: the role lacks ...`.
pub fn access_problems(report: &StatusReport) -> Vec<String> {
    report
        .sites
        .iter()
        .flat_map(|s| s.access.iter().map(move |a| format!("{}: {a}", s.name)))
        .collect()
}

#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub version: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    /// The worst verdict's code; 3 when credentials or access kept a piece of a chain away
    /// (unless a site is DOWN: 15 decides).
    pub exit_code: i32,
    pub sites: Vec<SiteReport>,
    /// Where the observations came from: this process's own poller, or the shared poller of
    /// another process of this user (see `poll::share`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poller: Option<crate::model::share::PollerSource>,
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
    /// The record types the site covers (A and AAAA for a dual-stack name).
    pub record_types: Vec<String>,
    pub dns_answer: Option<Vec<String>>,
    /// How old the DNS answer (current when read) is, in seconds of AWS time.
    pub dns_answer_age_seconds: Option<u64>,
    /// Where the DNS answer was read: `Route 53's name servers by DNS (name, address)`, or
    /// `TestDNSAnswer`, with why not the name servers when they were not asked.
    pub dns_answer_source: Option<String>,
    /// Why Route 53's name servers are not asked from here (DNS blocked or not answering), when
    /// that is why the answer was read with TestDNSAnswer. Said once above the table.
    #[serde(skip)]
    pub dns_blocked: Option<String>,
    /// The values Route 53 answers with now, by record type.
    pub dns_answers: std::collections::BTreeMap<String, Vec<String>>,
    pub health_checks: Vec<HealthCheckReport>,
    pub alarms: Vec<AlarmReport>,
    pub listeners: Vec<ListenerReport>,
    pub targets: Vec<TargetReport>,
    pub target_groups: Vec<TargetGroupReport>,
    pub distribution: Option<DistributionReport>,
    pub maintenance: Option<MaintenanceReport>,
    /// A request for a second person's approval of a switch (`approval = true`), or `null`.
    pub approval: Option<ApprovalReport>,
    /// One line per piece that could not be fetched: what, and the classified error.
    pub errors: Vec<String>,
    /// Whether every piece of the site's chain was read, recently enough to rely on. A site
    /// whose chain is incomplete is never LIVE and never exits 0.
    pub complete: bool,
    /// What was not read, and why: `what: the classified error`, `what: data is 5 min old
    /// (stale after 1 min)` or `what: not read yet`.
    pub unread: Vec<String>,
    /// The pieces credentials or access kept away, each with the IAM action the role lacks (or
    /// that the credentials are missing or expired): these make the exit code 3.
    #[serde(skip)]
    pub access: Vec<String>,
    /// What a client gets (the site's probe), or `null` when the config names no probe.
    pub probe: Option<ProbeReport>,
}

/// What the site's probe got: the side a client sees, or why it could not be checked.
#[derive(Debug, Serialize)]
pub struct ProbeReport {
    pub url: String,
    /// `sorry`, `app` or `neither`; `null` when the probe could not be checked.
    pub side: Option<crate::model::probe::Side>,
    /// What the client got, classified; `null` when the probe could not be checked.
    pub seen: Option<crate::model::probe::ClientView>,
    /// When the probe last got an answer.
    #[serde(with = "time::serde::rfc3339::option")]
    pub at: Option<OffsetDateTime>,
    pub age_seconds: Option<u64>,
    /// Why the latest probe could not be checked, or `null`.
    pub error: Option<String>,
    /// The line the table shows: `clients get: ...`.
    pub line: String,
}

fn probe_report(o: &SiteObservations, now: OffsetDateTime) -> Option<ProbeReport> {
    let p = o.probe.as_ref()?;
    let failed = p.seen.error.as_ref();
    let seen = if failed.is_some() {
        None
    } else {
        p.seen.value.clone()
    };
    Some(ProbeReport {
        url: p.url.clone(),
        side: seen.as_ref().map(|v| v.side),
        seen,
        at: p.seen.fetched_at,
        age_seconds: p
            .seen
            .fetched_at
            .map(|t| (now - t).whole_seconds().max(0).unsigned_abs()),
        error: failed.map(|e| e.error.message.clone()),
        line: p.line(now),
    })
}

#[derive(Debug, Serialize)]
pub struct RecordReport {
    pub role: Option<String>,
    pub set_identifier: Option<String>,
    pub target: String,
    pub health_check_id: Option<String>,
    /// A, AAAA or CNAME.
    #[serde(rename = "type")]
    pub record_type: String,
    /// simple, failover, weighted, latency, geolocation, multivalue (or another's name).
    pub policy: String,
    pub weight: Option<i64>,
    /// The region of a latency record.
    pub region: Option<String>,
    /// Where a geolocation record applies.
    pub location: Option<String>,
    /// Members of a routing policy: whether Route 53 answers with it now.
    pub gets_traffic: Option<bool>,
    /// Members of a weighted set: their share of the traffic, in percent.
    pub traffic_percent: Option<u32>,
    /// Members of a routing policy: healthy, unhealthy or unknown, as Route 53 routes.
    pub health: Option<String>,
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
    /// Where the status comes from: `cloudwatch_metric` (Route 53's `HealthCheckStatus`
    /// metric, which lags a minute or more) or `get_health_check_status` (the checkers now).
    pub status_source: Option<String>,
    /// When the status was observed, in AWS time: the metric's datapoint time, or when
    /// GetHealthCheckStatus was called.
    #[serde(with = "time::serde::rfc3339::option")]
    pub status_observed_at: Option<OffsetDateTime>,
    /// How old the status is (seconds of AWS time).
    pub status_age_seconds: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct AlarmReport {
    pub name: String,
    pub region: String,
    pub state: Option<String>,
    pub reason: Option<String>,
    pub actions_enabled: Option<bool>,
    /// Its last state changes, newest first (DescribeAlarmHistory), read for one site asked for
    /// by name (`--site`); `null` when not read.
    pub history: Option<Vec<AlarmChangeReport>>,
}

/// One state change of an alarm.
#[derive(Debug, Serialize)]
pub struct AlarmChangeReport {
    /// When it changed (AWS's time).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`; `null` when the history does not say.
    pub from: Option<crate::model::cloudwatch::AlarmState>,
    pub to: Option<crate::model::cloudwatch::AlarmState>,
    /// CloudWatch's reason for the new state.
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct ListenerReport {
    pub arn: String,
    pub load_balancer: String,
    pub port: u16,
    pub protocol: String,
    pub default_action: String,
    /// What the default action serves (see [`crate::model::serves::Serves::as_str`]): app,
    /// sorry (the sorry target groups or the maintenance fixed response), mixed (app and sorry
    /// target groups at once), fixed-response, redirect or nothing.
    pub serves: String,
    /// What clients get, the listener's rules tried in priority order before the default action:
    /// sorry (everyone but the operators' allow-lists gets the sorry page), mixed (rules ahead of
    /// the sorry page still reach the app, or a forward to app and sorry at once), app,
    /// fixed-response, redirect or nothing. `None` when the listener's rules were not read; the
    /// same as `serves` for a listener without rules (an NLB's).
    pub serves_with_rules: Option<String>,
    /// The rules ahead of the sorry page that still reach the app, by priority: those that
    /// bypass it, and the operators' allow-lists (`allow_list`). Empty when nothing serves the
    /// sorry page or the rules were not read.
    pub rules_to_app: Vec<RuleReport>,
    /// The listener's rules by priority (its default rule left out); `null` when they were not
    /// read (the rules of an NLB listener: empty).
    pub rules: Option<Vec<ListenerRuleReport>>,
}

#[derive(Debug, Serialize)]
pub struct RuleReport {
    /// The rule's priority.
    pub priority: Option<u32>,
    /// Its conditions in words: `host-header api.example.com and path-pattern /v1/*`.
    pub conditions: String,
    /// Its deciding action in words: `forward to app-tg`.
    pub action: String,
    /// Whether it lets only given client addresses through (source-ip, X-Forwarded-For): an
    /// operator allow-list, expected during maintenance.
    pub allow_list: bool,
}

/// One listener rule.
#[derive(Debug, Serialize)]
pub struct ListenerRuleReport {
    pub priority: u32,
    /// Each condition in words (`host api.example.com`, `path /v2/*`, `source-ip 10.0.0.0/8`);
    /// all of them must match.
    pub conditions: Vec<String>,
    /// What the rule does (`forward to shop-api`).
    pub action: String,
    /// What it serves, in the words of `serves` above.
    pub serves: String,
}

/// A target group whose targets were read: how many are healthy, and the minimums its health
/// settings set.
#[derive(Debug, Serialize)]
pub struct TargetGroupReport {
    pub name: String,
    pub healthy: usize,
    pub registered: usize,
    /// Healthy targets Route 53's Evaluate Target Health requires
    /// (`target_group_health.dns_failover`; AWS's default 1); `None` when the group's
    /// attributes could not be read.
    pub dns_failover_minimum: Option<usize>,
    /// Healthy targets below which the load balancer fails open and routes to every target
    /// (`target_group_health.unhealthy_state_routing`; AWS's default 1); `None` when the
    /// group's attributes could not be read.
    pub fail_open_minimum: Option<usize>,
    /// Whether the load balancer fails open onto its targets now: some unhealthy and fewer
    /// than `fail_open_minimum` healthy; `None` when that could not be checked (the minimum
    /// not read, and the targets alone do not decide it).
    pub fails_open: Option<bool>,
    /// Why the group's attributes (the two minimums) could not be read; `None` when they were.
    pub attributes_error: Option<String>,
    /// The group's CloudWatch host counts, when the overview read them (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_counts: Option<HostCountsReport>,
}

/// A target group's HealthyHostCount / UnHealthyHostCount: a lagging source, with its own age.
#[derive(Debug, Serialize)]
pub struct HostCountsReport {
    /// `CloudWatch, 1-minute counts`.
    pub source: String,
    pub healthy: Option<u32>,
    pub unhealthy: Option<u32>,
    /// The datapoint's minute (`None`: no datapoint was read).
    #[serde(with = "time::serde::rfc3339::option")]
    pub minute: Option<OffsetDateTime>,
    /// How old the datapoint is.
    pub age_seconds: Option<u64>,
    /// Why the counts could not be read (or there was no datapoint); `None` when they were.
    pub error: Option<String>,
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
    /// A switch stopped before its last step (the site is INTERRUPTED), or `null`.
    pub interrupted: Option<InterruptedReport>,
    /// When the maintenance window ends (`maintenance on --for`, `max_window`, `maintenance
    /// extend`), or `null`: no end. Past it the site is MAINTENANCE OVERDUE.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Seconds until the window ends: negative once it has ended; `null` with no end, or
    /// while failing back.
    pub expires_in_seconds: Option<i64>,
    /// The switch was made without approval (`--break-glass`): `direction`, `by`, `at`,
    /// `reason`; `null` otherwise.
    pub break_glass: Option<crate::model::approval::BreakGlass>,
    /// Who approved the switch into maintenance (a site with `approval = true`), or `null`.
    pub approved_by: Option<String>,
}

/// A request for approval, as the journal holds it.
#[derive(Debug, Serialize)]
pub struct ApprovalReport {
    /// `on` or `off`: the switch asked for.
    pub direction: String,
    /// `awaiting_approval` (awaiting approval by another person), `approved`, `declined`,
    /// `expired`, or `forged` (an approval switchyard never writes: it lets nothing through).
    pub state: String,
    pub requested_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// Seconds since it was asked.
    pub age_seconds: i64,
    pub reason: Option<String>,
    /// The plan's SHA-256.
    pub plan_hash: String,
    /// Who approved or declined it, and a decline's comment.
    pub decided_by: Option<String>,
    pub comment: Option<String>,
}

/// A switch stopped before its last step, as the journal records it.
#[derive(Debug, Serialize)]
pub struct InterruptedReport {
    /// `on` (entering maintenance) or `off` (failing back).
    pub direction: String,
    /// Who ran the switch that stopped, and on which machine.
    pub by: String,
    pub host: String,
    /// When it stopped.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Steps done (entering) or undone (failing back), of how many.
    pub done_steps: usize,
    pub total_steps: usize,
    /// The command that finishes the switch, and the one that undoes it.
    pub finish: String,
    pub undo: String,
    /// How it stopped: `signal` (stopped between two steps by SIGINT, SIGTERM or SIGHUP, as
    /// the journal records), or `abandoned` (no stop recorded and no update for two minutes:
    /// its process was killed, or its session or machine lost).
    pub how: String,
}

/// The rules of a listener that reach the app ahead of its sorry page, by priority.
fn rules_to_app(gets: &ListenerGets<'_>) -> Vec<RuleReport> {
    let (bypass, allowed): (&[&Rule], &[&Rule]) = match gets {
        ListenerGets::Sorry { allowed, .. } => (&[], allowed),
        ListenerGets::Bypassed {
            bypass, allowed, ..
        } => (bypass, allowed),
        _ => (&[], &[]),
    };
    let mut out: Vec<RuleReport> = bypass
        .iter()
        .map(|r| (r, false))
        .chain(allowed.iter().map(|r| (r, true)))
        .map(|(r, allow_list)| RuleReport {
            priority: r.priority,
            conditions: describe_conditions(r),
            action: deciding_action(&r.actions)
                .map_or_else(|| "none".to_string(), |a| a.describe()),
            allow_list,
        })
        .collect();
    out.sort_by_key(|r| r.priority.unwrap_or(u32::MAX));
    out
}

/// The report of one site at `now`.
pub fn site_report(
    o: &SiteObservations,
    v: &Verdict,
    now: OffsetDateTime,
    stale_after: Duration,
) -> SiteReport {
    let errors = unread_lines(o);
    let read = completeness(o, now, stale_after);
    let access = access_lines(o, now, stale_after);
    let records = o
        .site_records()
        .into_iter()
        .map(|r| RecordReport {
            role: r.failover.map(|f| f.as_str().to_string()),
            set_identifier: r.set_identifier.clone(),
            target: r.describe(),
            health_check_id: r.health_check_id.clone(),
            record_type: r.rtype.clone(),
            policy: r.policy().as_str().to_string(),
            weight: r.weight,
            region: r.routing.region.clone(),
            location: r.routing.geo_location.as_ref().map(|g| g.describe()),
            gets_traffic: None,
            traffic_percent: None,
            health: None,
        })
        .collect();
    let health_checks = o
        .health_checks
        .iter()
        .map(|(id, h)| {
            let cfg = h.config.get();
            let (status_source, status_observed_at) = match h.status.get() {
                Some(HealthCheckStatus::Metric { at, .. }) => {
                    (Some("cloudwatch_metric"), at.or(h.status.fetched_at))
                }
                Some(HealthCheckStatus::Checkers { .. }) => {
                    (Some("get_health_check_status"), h.status.fetched_at)
                }
                None => (None, None),
            };
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
                status_source: status_source.map(str::to_string),
                status_observed_at,
                status_age_seconds: status_observed_at.map(|at| span(at, now).as_secs()),
            }
        })
        .collect();
    let alarms = o
        .alarms
        .iter()
        .map(|a| {
            let al = a.alarm.get();
            AlarmReport {
                name: a.alarm_ref.name.clone(),
                region: a.alarm_ref.region.clone(),
                state: al.map(|x| x.state.as_str().to_string()),
                reason: al.map(|x| x.reason.clone()),
                actions_enabled: al.map(|x| x.actions_enabled),
                history: a.history.get().map(|h| {
                    h.iter()
                        .map(|c| AlarmChangeReport {
                            at: c.at,
                            from: c.from,
                            to: c.to,
                            reason: c.reason.clone(),
                        })
                        .collect()
                }),
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
        for l in ls.get().into_iter().flatten() {
            let action = l.default_action();
            let serves = o.serves_listener(l).as_str().to_string();
            let gets = o.listener_gets(l);
            listeners.push(ListenerReport {
                arn: l.arn.clone(),
                load_balancer: lb_name(lb),
                port: l.port,
                protocol: l.protocol.clone(),
                default_action: action.map_or_else(|| "none".to_string(), |a| a.describe()),
                serves,
                serves_with_rules: match &gets {
                    ListenerGets::Unread(_) => None,
                    g => Some(g.serves(o, l).as_str().to_string()),
                },
                rules_to_app: rules_to_app(&gets),
                rules: listener_rules_report(o, lb, &l.arn),
            });
        }
    }
    let tg_name = |arn: &str| crate::model::elb::target_group_name(arn);
    let mut targets = Vec::new();
    for (tg, th) in &o.target_health {
        for t in th.get().into_iter().flatten() {
            targets.push(TargetReport {
                target_group: tg_name(tg),
                id: t.id.clone(),
                state: t.state.to_string(),
                reason: t.reason.clone(),
            });
        }
    }
    let target_groups = o
        .target_health
        .iter()
        .filter_map(|(arn, th)| {
            let tg = o.target_group(arn)?;
            let th = th.get()?;
            let unread = tg.minimums_unread();
            Some(TargetGroupReport {
                name: tg.name.clone(),
                healthy: th
                    .iter()
                    .filter(|t| t.state == crate::model::elb::TargetState::Healthy)
                    .count(),
                registered: th.len(),
                dns_failover_minimum: unread
                    .is_none()
                    .then(|| tg.minimum_healthy_targets(th.len())),
                fail_open_minimum: unread.is_none().then(|| tg.fail_open_minimum(th.len())),
                fails_open: tg.fails_open_checked(th).ok().map(|o| o.is_some()),
                attributes_error: unread.map(|e| e.error.summary()),
                host_counts: o.host_counts.get(arn).map(|f| {
                    let c = f.get();
                    HostCountsReport {
                        source: crate::model::elb::HostCounts::SOURCE.into(),
                        healthy: c.map(|c| c.healthy),
                        unhealthy: c.map(|c| c.unhealthy),
                        minute: c.map(|c| c.minute),
                        age_seconds: c.map(|c| crate::model::obs::span(c.minute, now).as_secs()),
                        error: f.error.as_ref().map(|e| e.error.summary()),
                    }
                }),
            })
        })
        .collect();
    let distribution = o.distribution.as_ref().map(|d| {
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
            expires_in_seconds: crate::model::verdict::expiry::window(&m, now)
                .map(crate::model::verdict::expiry::WindowState::seconds_left),
            expires_at: m.expires_at,
            interrupted: m.interrupted.as_ref().map(|i| InterruptedReport {
                direction: match m.phase {
                    crate::model::maintenance::MaintenancePhase::Leaving => "off",
                    _ => "on",
                }
                .into(),
                by: i.by.clone(),
                host: i.host.clone(),
                at: i.at,
                done_steps: i.done,
                total_steps: i.total,
                finish: m.phase.finish_command(&o.name),
                undo: m.phase.undo_command(&o.name),
                how: i.how.as_str().into(),
            }),
            by: m.by,
            at: m.at,
            reason: m.reason,
            phase: m.phase.as_str().to_string(),
            strategies: m.strategies,
            break_glass: m.break_glass,
            approved_by: m.approved_by,
        });
    let approval = o.approval.as_ref().map(|a| ApprovalReport {
        direction: a.direction.as_str().into(),
        state: a.state.clone(),
        requested_by: a.requested_by.clone(),
        requested_at: a.requested_at,
        age_seconds: (now - a.requested_local.unwrap_or(a.requested_at))
            .whole_seconds()
            .max(0),
        reason: a.reason.clone(),
        plan_hash: a.hash.clone(),
        decided_by: a.decided_by.clone(),
        comment: a.comment.clone(),
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
        // On the wall clock, at the speed of AWS's clock (the emulator's may run faster).
        eta_seconds: v
            .eta
            .as_ref()
            .map(|e| crate::model::eta::wall(e.total, o.aws_speed).as_secs()),
        data_age_seconds: v.data_age.map(|d| d.as_secs()),
        protected: o.protected,
        records,
        record_types: o.covered_types(),
        dns_answer: o.dns_answer.get().map(|a| a.values.clone()),
        dns_answer_age_seconds: o
            .dns_answer
            .get()
            .and(o.dns_answer.age(now))
            .map(|d| d.as_secs()),
        dns_answer_source: o.dns_answer.get().map(|a| a.source.describe()),
        dns_blocked: o
            .dns_answer
            .get()
            .and_then(|a| a.source.dns_blocked())
            .map(str::to_string),
        dns_answers: std::iter::once((o.record_type.clone(), &o.dns_answer))
            .chain(o.other_answers.iter().map(|(t, f)| (t.clone(), f)))
            .filter_map(|(t, f)| f.get().map(|a| (t, a.values.clone())))
            .collect(),
        health_checks,
        alarms,
        listeners,
        targets,
        target_groups,
        distribution,
        maintenance,
        approval,
        errors,
        complete: read.complete,
        unread: read.unread,
        access,
        probe: probe_report(o, now),
    }
}

/// The rules of a listener for the report: `None` when not read (an NLB's listener has none).
fn listener_rules_report(
    o: &SiteObservations,
    lb_arn: &str,
    listener: &str,
) -> Option<Vec<ListenerRuleReport>> {
    let is_nlb = o
        .load_balancer(lb_arn)
        .is_some_and(|lb| lb.kind == crate::model::elb::LoadBalancerKind::Network);
    let rules = match o.rules.get(listener).and_then(|f| f.get()) {
        Some(r) => r,
        None if is_nlb => return Some(Vec::new()),
        None => return None,
    };
    Some(
        listener_rules::ordered(rules)
            .into_iter()
            .map(|r| ListenerRuleReport {
                priority: r.priority.unwrap_or_default(),
                conditions: r
                    .conditions
                    .iter()
                    .map(listener_rules::condition_text)
                    .collect(),
                action: listener_rules::action_text(r),
                serves: o.serves_rule(r).as_str().to_string(),
            })
            .collect(),
    )
}

/// The report of several sites, with the exit code of the whole. Verdicts are first made
/// [`trusted`].
pub fn status_report(
    sites: &[(&SiteObservations, Verdict)],
    now: OffsetDateTime,
    stale_after: Duration,
) -> StatusReport {
    let sites: Vec<(&SiteObservations, Verdict)> = sites
        .iter()
        .map(|(o, v)| (*o, trusted(o, v.clone(), now, stale_after)))
        .collect();
    let worst = VerdictKind::worst(sites.iter().map(|(_, v)| v.kind));
    let reports: Vec<SiteReport> = sites
        .iter()
        .map(|(o, v)| {
            let mut r = site_report(o, v, now, stale_after);
            add_traffic(&mut r, o, now, stale_after);
            r
        })
        .collect();
    // Access kept a piece of some chain away: 3, whatever that site's verdict, so that a
    // runbook never takes a partial read for the truth. Only DOWN says more: users get errors.
    let access = reports.iter().any(|s| !s.access.is_empty());
    let exit_code = match worst {
        Some(VerdictKind::Down) => VerdictKind::Down.exit_code(),
        _ if access => exit::ACCESS,
        worst => worst.map_or(exit::LIVE, VerdictKind::exit_code),
    };
    StatusReport {
        version: JSON_VERSION,
        generated_at: now,
        exit_code,
        sites: reports,
        poller: None,
    }
}

/// Who of the members of a routing policy gets traffic, their share and health.
fn add_traffic(r: &mut SiteReport, o: &SiteObservations, now: OffsetDateTime, stale: Duration) {
    for (t, layout) in o.layouts() {
        let crate::model::site::RecordLayout::Routed { policy, members } = layout else {
            continue;
        };
        for m in crate::model::policy::members(o, &policy, &members, now, stale) {
            if let Some(rep) = r
                .records
                .iter_mut()
                .find(|x| x.record_type == t && x.set_identifier == m.record.set_identifier)
            {
                rep.gets_traffic = Some(m.gets_traffic);
                rep.traffic_percent = m.share;
                rep.health = Some(m.health.health.as_str().to_string());
            }
        }
    }
}

/// `s` cut to `width` characters, with an ellipsis when cut.
/// The text made printable and cut to `width` terminal columns.
pub fn truncate(s: &str, width: usize) -> String {
    crate::model::strings::fit(s, width)
}

/// The members of a routing policy in one line: `members: blue (weight 90, 90 %, healthy), ...`.
fn members_line(s: &SiteReport) -> Option<String> {
    let several = s.record_types.len() > 1;
    let members: Vec<String> = s
        .records
        .iter()
        .filter(|r| r.gets_traffic.is_some())
        .map(|r| {
            let id = r.set_identifier.as_deref().unwrap_or("?");
            let what = match (&r.weight, &r.region, &r.location) {
                (Some(w), _, _) => format!("weight {w}"),
                (_, Some(region), _) => region.clone(),
                (_, _, Some(l)) => l.clone(),
                _ => r.policy.clone(),
            };
            let share = match (r.traffic_percent, r.gets_traffic) {
                (Some(p), _) => format!(", {p} %"),
                (None, Some(false)) => ", no traffic".into(),
                _ => String::new(),
            };
            let kind = if several {
                format!("{} ", r.record_type)
            } else {
                String::new()
            };
            format!(
                "{kind}{id} ({what}{share}, {})",
                r.health.as_deref().unwrap_or("unknown")
            )
        })
        .collect();
    (!members.is_empty()).then(|| format!("  members: {}", members.join(", ")))
}

/// The text made printable and wrapped at spaces into lines of at most `width` columns, the
/// lines after the first indented by `indent` spaces (a word longer than a line is cut).
fn wrap(s: &str, width: usize, indent: usize) -> Vec<String> {
    use crate::model::strings::{columns, printable};
    let text = printable(s);
    let lead = text.len() - text.trim_start().len();
    let mut lines = Vec::new();
    let mut line = text[..lead].to_string();
    let mut empty = true;
    for word in text[lead..].split(' ').filter(|w| !w.is_empty()) {
        if !empty && columns(&line) + 1 + columns(word) > width {
            lines.push(line);
            line = " ".repeat(indent);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    lines.push(line);
    lines.into_iter().map(|l| truncate(&l, width)).collect()
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
        // Long names are cut on a terminal, never in an unbounded table (a pipe, --wide).
        .clamp(4, if width > 1000 { usize::MAX } else { 16 });
    // DNS blocked here: said once, not on every site.
    if let Some(why) = report.sites.iter().find_map(|s| s.dns_blocked.as_ref()) {
        for l in wrap(
            &format!(
                "note: {why}; Route 53's answers are read with TestDNSAnswer (one API call each)"
            ),
            width,
            6,
        ) {
            out.push_str(&l);
            out.push('\n');
        }
    }
    out.push_str(&format!(
        "{:<name_w$}  {:<11}  {:<10}  {:>5}  {}\n",
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
            "{}  {:<11}  {:<10}  {:>5}  ",
            crate::model::strings::pad(&s.name, name_w),
            s.verdict,
            truncate(&served, 10),
            truncate(&age, 5)
        );
        let rest = width.saturating_sub(crate::model::strings::columns(&head));
        out.push_str(&head);
        // An incomplete chain is said on the site's own line, before anything is cut; an
        // internationalised name in its own letters (JSON keeps Route 53's punycode).
        let readable = crate::model::names::readable(&s.record);
        let record = if s.complete {
            readable
        } else {
            format!("[INCOMPLETE] {readable}")
        };
        out.push_str(&truncate(&record, rest));
        out.push('\n');
        // Reasons wrap under their dash: never cut.
        for reason in s.reasons.iter().take(3) {
            for l in wrap(&format!("  - {reason}"), width, 4) {
                out.push_str(&l);
                out.push('\n');
            }
        }
        if let Some(line) = members_line(s) {
            out.push_str(&truncate(&line, width));
            out.push('\n');
        }
        // What a client gets, whole: it is what the operator checks the verdict against.
        if let Some(p) = &s.probe {
            for l in wrap(&format!("  {}", p.line), width, 4) {
                out.push_str(&l);
                out.push('\n');
            }
        }
        if let Some(m) = &s.maintenance {
            match &m.interrupted {
                // Who stopped where, whole: the ARN is the end of the line.
                Some(i) => {
                    let at =
                        i.at.replace_nanosecond(0)
                            .unwrap_or(i.at)
                            .format(&time::format_description::well_known::Rfc3339)
                            .unwrap_or_default();
                    let line = if i.how == "abandoned" {
                        format!(
                            "  last recorded at {at} on {}, then nothing: its process ended \
                             (killed, or its session or machine lost); run by {}",
                            i.host, i.by
                        )
                    } else {
                        format!("  stopped at {at} on {} by {}", i.host, i.by)
                    };
                    for l in wrap(&line, width, 4) {
                        out.push_str(&l);
                        out.push('\n');
                    }
                }
                None => {
                    let approved = m
                        .approved_by
                        .as_ref()
                        .map(|b| format!(", approved by {b}"))
                        .unwrap_or_default();
                    out.push_str(&truncate(
                        &format!("  maintenance {} by {}{approved}", m.phase, m.by),
                        width,
                    ));
                    out.push('\n');
                }
            }
        }
        // What was not read first, access problems (the IAM action the role lacks) leading;
        // then failed reads whose last value still stands in.
        let mut not_read: Vec<&String> = s.access.iter().collect();
        not_read.extend(s.unread.iter().filter(|u| !s.access.contains(u)));
        // Whole, wrapped: the IAM action the role lacks is at the end of the line.
        for u in not_read.iter().take(2) {
            for l in wrap(&format!("  ! not read: {u}"), width, 6) {
                out.push_str(&l);
                out.push('\n');
            }
        }
        if not_read.len() > 2 {
            out.push_str(&format!("  ! and {} more not read\n", not_read.len() - 2));
        }
        for e in s
            .errors
            .iter()
            .filter(|e| !s.unread.contains(e))
            .take(2usize.saturating_sub(not_read.len().min(2)))
        {
            out.push_str(&truncate(&format!("  ! {e}"), width));
            out.push('\n');
        }
    }
    out
}

/// The status table of sites asked for by name: each site's line, then its listeners with
/// their rules, grouped (see [`rule_lines`]).
pub fn table_detail(report: &StatusReport, o: &[&SiteObservations], width: usize) -> String {
    let width = width.max(60);
    let mut out = table(report, width);
    for site in &report.sites {
        let Some(obs) = o.iter().find(|x| x.name == site.name) else {
            continue;
        };
        if report.sites.len() > 1 && !site.listeners.is_empty() {
            out.push_str(&truncate(&format!("{}:", site.name), width));
            out.push('\n');
        }
        if let (Some(values), Some(source)) = (&site.dns_answer, &site.dns_answer_source) {
            let age = site
                .dns_answer_age_seconds
                .map(|a| format!(", {} old", human_span(Duration::from_secs(a))))
                .unwrap_or_default();
            let values = if values.is_empty() {
                "nothing".to_string()
            } else {
                values.join(", ")
            };
            for l in wrap(
                &format!("  DNS answer: {values}; source: {source}{age}"),
                width,
                4,
            ) {
                out.push_str(&l);
                out.push('\n');
            }
        }
        for line in checker_lines(obs, report.generated_at, width) {
            out.push_str(&line);
            out.push('\n');
        }
        for line in alarm_history_lines(site, width) {
            out.push_str(&line);
            out.push('\n');
        }
        for l in &site.listeners {
            out.push_str(&truncate(
                &format!(
                    "  listener {} {} {}: default {} [{}]",
                    l.load_balancer, l.protocol, l.port, l.default_action, l.serves
                ),
                width,
            ));
            out.push('\n');
            for line in rule_lines(obs, &l.arn, width, 8) {
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    out
}

/// How many of an alarm's last state changes the table shows.
const ALARM_CHANGES_SHOWN: usize = 3;

/// The last state changes of each alarm whose history was read (a site asked for by name),
/// newest first: `    2026-11-22 02:01:00 OK -> ALARM: Threshold Crossed: ...`, wrapped to `width`.
pub fn alarm_history_lines(site: &SiteReport, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for a in &site.alarms {
        let Some(history) = &a.history else { continue };
        if history.is_empty() {
            out.push(truncate(
                &format!("  alarm {}: no state change in the last two weeks", a.name),
                width,
            ));
            continue;
        }
        out.push(truncate(
            &format!("  alarm {}: last state changes, newest first", a.name),
            width,
        ));
        let state = |s: Option<crate::model::cloudwatch::AlarmState>| {
            s.map_or("?", crate::model::cloudwatch::AlarmState::as_str)
        };
        for c in history.iter().take(ALARM_CHANGES_SHOWN) {
            let at = c.at.to_offset(time::UtcOffset::UTC);
            let line = format!(
                "    {:04}-{:02}-{:02} {:02}:{:02}:{:02} {} -> {}: {}",
                at.year(),
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second(),
                state(c.from),
                state(c.to),
                c.reason
            );
            out.extend(wrap(&line, width, 6));
        }
    }
    out
}

/// Each health check read checker by checker (a site asked for by name), region by region:
/// how many of the region's checkers report success, and what a failing one (else the first)
/// says; each line cut to `width`.
pub fn checker_lines(o: &SiteObservations, now: OffsetDateTime, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (id, h) in &o.health_checks {
        let Some(HealthCheckStatus::Checkers { observations }) = h.status.get() else {
            continue;
        };
        let name = h
            .config
            .get()
            .and_then(|c| c.name.clone())
            .map(|n| format!("{n} ({id})"))
            .unwrap_or_else(|| id.clone());
        let age = h
            .status
            .fetched_at
            .map(|t| human_span((now - t).try_into().unwrap_or_default()))
            .map(|a| format!(", read {a} ago"))
            .unwrap_or_default();
        out.push(truncate(
            &format!(
                "  health check {name}: {} checkers{age} (raw, before any inversion)",
                observations.len()
            ),
            width,
        ));
        let mut regions: BTreeMap<&str, Vec<&crate::model::route53::CheckerObservation>> =
            BTreeMap::new();
        for c in observations {
            regions.entry(c.region.as_str()).or_default().push(c);
        }
        for (region, cs) in regions {
            let ok = cs.iter().filter(|c| c.healthy()).count();
            let said = cs
                .iter()
                .find(|c| !c.healthy())
                .or(cs.first())
                .map(|c| c.brief())
                .unwrap_or_default();
            out.push(truncate(
                &format!(
                    "    {region:<16} {ok} of {} {}  {said}",
                    cs.len(),
                    if ok == cs.len() {
                        "success"
                    } else {
                        "success, FAILING"
                    }
                ),
                width,
            ));
        }
    }
    out
}

/// A listener's rules in at most `max` lines of `width` columns (plus a heading): runs of
/// rules that do the same on one line each (`rules 4–35 (32)  [app] forward to shop-web if
/// path /static/*; … 31 more`), rules after one that takes every request as one line, and what
/// is left over counted. Nothing when it has no rules; a line that says so when they were not read.
pub fn rule_lines(o: &SiteObservations, listener: &str, width: usize, max: usize) -> Vec<String> {
    let Some(slot) = o.rules.get(listener) else {
        return Vec::new();
    };
    let Some(rules) = slot.get() else {
        return slot
            .error
            .as_ref()
            .map(|e| {
                vec![truncate(
                    &format!("    rules: cannot be read: {}", e.error.summary()),
                    width,
                )]
            })
            .unwrap_or_default();
    };
    let groups = listener_rules::groups(o, rules);
    if groups.is_empty() {
        return Vec::new();
    }
    let total: usize = groups.iter().map(listener_rules::RuleGroup::len).sum();
    let to_app = listener_rules::reaching_the_app(o, rules).len();
    let mut out = vec![truncate(
        &format!(
            "    {total} rules by priority ({to_app} {} to the app):",
            if to_app == 1 { "forwards" } else { "forward" }
        ),
        width,
    )];
    let (shown, more) = listener_rules::fit(&groups, max);
    let label_w = shown
        .iter()
        .map(|g| g.label().chars().count())
        .max()
        .unwrap_or(0);
    for g in shown {
        let label = format!("{:<label_w$}", g.label());
        let line = match g.behind {
            Some(p) => format!("    {label}  not reached: rule {p} takes every request"),
            None => {
                // What it serves and where first: the conditions are what a narrow screen cuts.
                let head = format!(
                    "    {label}  [{}] {} if ",
                    listener_rules::serves_word(&g.serves),
                    g.action
                );
                let room = width.saturating_sub(head.chars().count()).max(16);
                format!("{head}{}", g.conditions_within(room))
            }
        };
        out.push(truncate(&line, width));
    }
    if let Some(m) = more {
        out.push(truncate(&format!("    {m}"), width));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::error::{AwsError, ErrorKind};
    use crate::model::fixtures::{Fx, NOW, STALE, ago, denied, throttled};
    use crate::model::obs::FetchError;
    use crate::model::obs::Fetched;

    fn report(fx: &Fx) -> StatusReport {
        status_report(&[(&fx.0, fx.verdict())], NOW, STALE)
    }

    fn failed<T>(f: &mut Fetched<T>, error: AwsError) {
        f.error = Some(FetchError { error, at: ago(1) });
    }

    fn elb_denied() -> AwsError {
        AwsError::new(
            ErrorKind::AccessDenied,
            "elbv2",
            "DescribeTargetHealth",
            "Access denied",
        )
        .with_code("AccessDenied")
        .with_iam_action("elasticloadbalancing:DescribeTargetHealth")
    }

    #[test]
    fn a_live_site_with_every_piece_read_is_live() {
        let r = report(&Fx::alb_cloudfront());
        assert_eq!(r.sites[0].verdict, "LIVE");
        assert_eq!(r.exit_code, 0);
        assert!(r.sites[0].errors.is_empty());
    }

    #[test]
    fn a_piece_that_could_not_be_read_is_never_a_pass() {
        // Targets denied: everything else says LIVE.
        let mut fx = Fx::alb_cloudfront();
        assert_eq!(fx.verdict().kind, VerdictKind::Live);
        for th in fx.0.target_health.values_mut() {
            *th = Fetched::default();
            failed(th, elb_denied());
        }
        let r = report(&fx);
        let site = &r.sites[0];
        assert_eq!(site.verdict, "UNKNOWN");
        assert_eq!(site.exit_code, 14);
        // Access kept it away: 3, as for the records.
        assert_eq!(r.exit_code, 3);
        assert_eq!(
            site.reasons[0],
            "targets of app-tg: access denied: the role lacks \
             elasticloadbalancing:DescribeTargetHealth"
        );
        assert!(site.reasons[1].contains("not a pass"), "{:?}", site.reasons);
        // What the rest says is kept below.
        assert!(
            site.reasons
                .iter()
                .any(|r| r.starts_with("Route 53 answers the primary")),
            "{:?}",
            site.reasons
        );

        // Throttled past the retries: UNKNOWN too, with UNKNOWN's own code.
        let mut fx = Fx::alb_cloudfront();
        if let Some(d) = fx.0.distribution.as_mut() {
            d.distribution = Fetched::default();
            failed(&mut d.distribution, throttled());
        }
        let r = report(&fx);
        assert_eq!(r.sites[0].verdict, "UNKNOWN");
        assert_eq!(r.exit_code, 14);
    }

    #[test]
    fn a_failed_read_with_a_recent_value_still_counts_as_read() {
        let mut fx = Fx::alb_cloudfront();
        for th in fx.0.target_health.values_mut() {
            failed(th, elb_denied());
        }
        let r = report(&fx);
        assert_eq!(r.sites[0].verdict, "LIVE");
        assert_eq!(r.exit_code, 0);
        // The error is still listed.
        assert_eq!(r.sites[0].errors.len(), 1);
    }

    #[test]
    fn verdicts_that_already_say_something_is_wrong_stay() {
        let mut fx = Fx::alb_cloudfront().checkers(0, 8);
        let before = fx.verdict().kind;
        assert_ne!(before, VerdictKind::Live);
        if let Some(d) = fx.0.distribution.as_mut() {
            d.distribution = Fetched::default();
            failed(&mut d.distribution, denied());
        }
        let r = report(&fx);
        assert_eq!(r.sites[0].verdict, before.label());
        // Access kept a piece away: 3, whatever the verdict.
        assert_eq!(r.exit_code, 3);
        assert!(!r.sites[0].complete);
    }

    #[test]
    fn every_site_says_whether_its_chain_was_read_in_full_and_what_was_not() {
        let r = report(&Fx::alb_cloudfront());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["sites"][0]["complete"], true);
        assert_eq!(json["sites"][0]["unread"], serde_json::json!([]));
        // The internal list of access problems is no part of the contract.
        assert!(json["sites"][0].get("access").is_none());
        assert!(!table(&r, 80).contains("INCOMPLETE"));

        // ELBv2 denied (targets) and CloudFront denied: both named, the site incomplete, exit 3.
        let mut fx = Fx::alb_cloudfront();
        for th in fx.0.target_health.values_mut() {
            *th = Fetched::default();
            failed(th, elb_denied());
        }
        if let Some(d) = fx.0.distribution.as_mut() {
            d.distribution = Fetched::default();
            failed(
                &mut d.distribution,
                AwsError::new(
                    ErrorKind::AccessDenied,
                    "cloudfront",
                    "GetDistribution",
                    "Access denied",
                )
                .with_iam_action("cloudfront:GetDistribution"),
            );
        }
        let r = report(&fx);
        let json = serde_json::to_value(&r).unwrap();
        let site = &json["sites"][0];
        assert_eq!(site["complete"], false);
        assert_eq!(
            site["unread"],
            serde_json::json!([
                "targets of app-tg: access denied: the role lacks \
                 elasticloadbalancing:DescribeTargetHealth",
                "distribution E2QWRUHAPOMQZL: access denied: the role lacks \
                 cloudfront:GetDistribution"
            ])
        );
        assert_eq!(r.exit_code, 3);
        assert_eq!(
            access_problems(&r),
            [
                "www: targets of app-tg: access denied: the role lacks \
                 elasticloadbalancing:DescribeTargetHealth",
                "www: distribution E2QWRUHAPOMQZL: access denied: the role lacks \
                 cloudfront:GetDistribution"
            ]
        );
        let text = table(&r, 120);
        assert!(text.contains("UNKNOWN      primary"), "{text}");
        assert!(text.contains("[INCOMPLETE] www.example.com"), "{text}");
        assert!(
            text.contains(
                "  ! not read: targets of app-tg: access denied: the role lacks \
                 elasticloadbalancing:DescribeTargetHealth"
            ),
            "{text}"
        );

        // A piece not read recently enough (no error) is not read either.
        let mut fx = Fx::alb_cloudfront()
            .alarm_fetched(600)
            .extra_alarm(crate::model::cloudwatch::AlarmState::Ok);
        for a in &mut fx.0.alarms {
            a.alarm.fetched_at = Some(ago(600));
        }
        let r = report(&fx);
        assert!(!r.sites[0].complete);
        assert_eq!(
            r.sites[0].unread,
            ["alarm app-alb-target-5xx: data is 10 min old (stale after 2 min)"]
        );
        assert_eq!(r.sites[0].verdict, "UNKNOWN");
        assert_eq!(r.exit_code, 14);
    }

    #[test]
    fn down_decides_the_exit_code_even_over_access() {
        let down = Fx::nlb_listener().all_app_targets(
            crate::model::elb::TargetState::Unused,
            Some("Target.InvalidState"),
        );
        let mut denied_site = Fx::alb_cloudfront();
        for th in denied_site.0.target_health.values_mut() {
            *th = Fetched::default();
            failed(th, elb_denied());
        }
        let r = status_report(
            &[
                (&denied_site.0, denied_site.verdict()),
                (&down.0, down.verdict()),
            ],
            NOW,
            STALE,
        );
        assert_eq!(r.sites[1].verdict, "DOWN");
        assert_eq!(r.sites[1].exit_code, 15);
        assert_eq!(r.exit_code, 15);
        // Without the DOWN site, access decides.
        let r = status_report(&[(&denied_site.0, denied_site.verdict())], NOW, STALE);
        assert_eq!(r.exit_code, 3);
    }

    #[test]
    fn an_answer_inferred_because_test_dns_answer_is_denied_is_said_and_exits_3() {
        let r = report(&Fx::alb_cloudfront().dns_answer_denied());
        let site = &r.sites[0];
        // Not UNKNOWN: the answer follows from the failover rules; not LIVE: it was not read.
        assert_eq!(site.verdict, "DEGRADED");
        assert_eq!(site.served, "primary");
        assert!(site.served_inferred);
        assert!(
            site.reasons[0].starts_with("LIVE by inference only"),
            "{site:?}"
        );
        // Access kept the answer away: 3, naming the permission.
        assert_eq!(r.exit_code, 3);
        assert_eq!(
            site.errors,
            ["DNS answer: access denied: the role lacks route53:TestDNSAnswer"]
        );
        // Not implemented by the endpoint: no access problem, DEGRADED's code.
        let r = report(&Fx::alb_cloudfront().dns_answer_not_implemented());
        assert_eq!(r.sites[0].verdict, "DEGRADED");
        assert_eq!(r.exit_code, 10);
        // The table marks the served record as inferred, in full.
        let t = table(&r, 100);
        assert!(t.contains("DEGRADED     primary?  "), "{t}");
        let r = report(&Fx::alb_cloudfront().checkers(0, 8).dns_answer_denied());
        let t = table(&r, 100);
        assert!(t.contains("FAILED OVER  secondary?  "), "{t}");
    }
}
