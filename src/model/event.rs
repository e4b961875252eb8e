//! Events: what changed between two polls of a site, and what the operator did. One event is one
//! line of the console's timeline and one JSON line of the event log.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::alarm_texts::alarm_reason;
use super::cloudfront::{DistributionStatus, InvalidationStatus};
use super::cloudwatch::AlarmState;
use super::elb::{Listener, TargetHealth, TargetState};
use super::health::{Health, check_health};
use super::maintenance::MaintenancePhase;
use super::obs::{human_span, span};
use super::route53::ChangeStatus;
use super::site::SiteObservations;
use super::verdict::{Served, Verdict, VerdictKind};

/// Something that happened to a site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When it was observed (or done).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The site's name.
    pub site: String,
    /// What happened, as data.
    pub kind: EventKind,
    /// What happened, in one line for the operator.
    pub message: String,
}

impl Event {
    /// The event as one line of JSON (no newline).
    pub fn to_json_line(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// An event for something the operator did, with a message built from it.
    pub fn action(
        at: OffsetDateTime,
        site: impl Into<String>,
        action: OperatorAction,
        outcome: ActionOutcome,
        by: Option<String>,
        detail: Option<String>,
    ) -> Event {
        let what = match &action {
            OperatorAction::MaintenanceOn { reason: Some(r) } => format!("maintenance on ({r})"),
            OperatorAction::MaintenanceOn { reason: None } => "maintenance on".to_string(),
            OperatorAction::FailBack => "fail back".to_string(),
            OperatorAction::Step {
                index,
                total,
                description,
            } => format!("step {index}/{total} ({description})"),
            OperatorAction::Aborted => "switch aborted".to_string(),
        };
        let mut message = format!("{what} {}", outcome.as_str());
        if let Some(by) = &by {
            message.push_str(&format!(" by {by}"));
        }
        if let Some(detail) = &detail {
            message.push_str(&format!(": {detail}"));
        }
        Event {
            at,
            site: site.into(),
            kind: EventKind::Action {
                action,
                outcome,
                by,
                detail,
            },
            message,
        }
    }
}

impl Event {
    /// A switch from the site's history in AWS, as a timeline line: who, from where, which way,
    /// how it ended and why.
    pub fn switched(e: &super::history::Entry) -> Event {
        let what = match e.direction {
            super::history::Way::On => "maintenance on",
            super::history::Way::Off => "fail back",
            super::history::Way::Extend => "maintenance window extension",
        };
        let result = e.result.as_str().replace('_', " ");
        let mut message = format!("{what} {result} by {} on {}", e.by, e.host);
        if let Some(r) = &e.reason {
            message.push_str(&format!(" ({r})"));
        }
        if e.direction == super::history::Way::Extend
            && let Some(end) = e.window_ends
        {
            message.push_str(&format!(
                ": it now ends at {}",
                end.replace_nanosecond(0)
                    .unwrap_or(end)
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            ));
        }
        // A switch made without approval stands out: the word, its reason, and red in the
        // console.
        if let Some(bg) = &e.break_glass {
            message = format!("BREAK-GLASS: {message}, without approval: {bg}");
        }
        message.push_str(" [AWS history]");
        Event {
            at: e.at,
            site: e.site.clone(),
            kind: EventKind::Switched {
                direction: e.direction,
                result: e.result,
                by: e.by.clone(),
                host: e.host.clone(),
                reason: e.reason.clone(),
                steps: e
                    .steps
                    .iter()
                    .map(|s| format!("{} {}: {}", s.call, s.resource, s.result.as_str()))
                    .collect(),
                error: e.error.clone(),
            },
            message,
        }
    }
}

/// What the operator did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum OperatorAction {
    /// Put the site into maintenance.
    MaintenanceOn {
        /// Why, as typed.
        reason: Option<String>,
    },
    /// Fail the site back to the app.
    FailBack,
    /// One step of a plan.
    Step {
        /// 1-based.
        index: usize,
        /// Steps in the plan.
        total: usize,
        /// What the step does, e.g. `invert health check 3f1c9a2e…`.
        description: String,
    },
    /// The operator (or a failed step) stopped the switch.
    Aborted,
}

/// How an action went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionOutcome {
    /// Begun.
    Started,
    /// Done.
    Succeeded,
    /// Failed.
    Failed,
    /// Not needed or not done.
    Skipped,
}

impl ActionOutcome {
    /// `started`, `succeeded`, `failed`, `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionOutcome::Started => "started",
            ActionOutcome::Succeeded => "succeeded",
            ActionOutcome::Failed => "failed",
            ActionOutcome::Skipped => "skipped",
        }
    }
}

/// What happened, as data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// What a client gets changed (the site's probe): the sorry page, the app, or neither.
    ClientProbe {
        /// The side the client gets now.
        side: super::probe::Side,
        /// Whether it is the sorry page.
        sorry: bool,
        /// The HTTP status the client got.
        status: u16,
    },
    /// The verdict changed.
    VerdictChanged {
        /// Before.
        from: VerdictKind,
        /// After.
        to: VerdictKind,
    },
    /// A health check's health as Route 53 routes on it changed.
    HealthCheckFlipped {
        /// The health check ID.
        id: String,
        /// Healthy now.
        healthy: bool,
    },
    /// An alarm changed state.
    AlarmStateChanged {
        /// The alarm's region.
        region: String,
        /// The alarm's name.
        name: String,
        /// Before.
        from: AlarmState,
        /// After.
        to: AlarmState,
    },
    /// A target's health changed, or it was registered (`from` None) or deregistered (`to` None).
    TargetHealthChanged {
        /// The target group ARN.
        target_group_arn: String,
        /// The target ID.
        target: String,
        /// The target's port.
        port: Option<u16>,
        /// Before.
        from: Option<TargetState>,
        /// After.
        to: Option<TargetState>,
        /// The reason code now, e.g. `Target.Timeout`.
        reason: Option<String>,
    },
    /// Route 53 now answers another record (or a plain record's values moved).
    DnsAnswerChanged {
        /// Before.
        from: Served,
        /// After.
        to: Served,
        /// The values answered now.
        values: Vec<String>,
    },
    /// A listener's default action changed (app ↔ sorry).
    ListenerActionChanged {
        /// The listener ARN.
        listener_arn: String,
        /// The old default action, described.
        from: String,
        /// The new default action, described.
        to: String,
        /// Whether it serves the sorry page now.
        sorry: bool,
    },
    /// A distribution finished deploying.
    DistributionDeployed {
        /// The distribution ID.
        id: String,
    },
    /// An invalidation completed.
    InvalidationCompleted {
        /// The distribution ID.
        distribution_id: String,
        /// The invalidation ID.
        id: String,
    },
    /// A Route 53 change went INSYNC.
    ChangeInsync {
        /// The change ID.
        id: String,
    },
    /// A maintenance marker appeared.
    MaintenanceMarkerAppeared {
        /// Who forced it.
        by: String,
        /// Its phase.
        phase: MaintenancePhase,
    },
    /// The maintenance marker's phase changed.
    MaintenancePhaseChanged {
        /// Before.
        from: MaintenancePhase,
        /// After.
        to: MaintenancePhase,
    },
    /// The maintenance marker disappeared.
    MaintenanceMarkerRemoved,
    /// Fetching a piece started failing.
    FetchFailing {
        /// What, e.g. `status of health check 3f1c9a2e…`.
        what: String,
        /// The error summary.
        error: String,
    },
    /// Fetching a piece works again.
    FetchRecovered {
        /// What.
        what: String,
    },
    /// A fault injected into a rehearsal's copy (never production).
    FaultInjected {
        /// The fault, in words.
        fault: String,
        /// Why it could not be applied, if it could not.
        error: Option<String>,
    },
    /// A switch read from the site's history in AWS: made by another operator, another
    /// machine or another console (built from the history, not by [`diff`]).
    Switched {
        /// `on`, `off`, or `extend` (a window's end moved).
        direction: super::history::Way,
        /// How it ended.
        result: super::history::SwitchResult,
        /// The caller ARN.
        by: String,
        /// The machine it was made from.
        host: String,
        /// Why, as given.
        reason: Option<String>,
        /// The steps made, `call resource: result`.
        steps: Vec<String>,
        /// The error, when it failed.
        error: Option<String>,
    },
    /// Something beside a switch the operator must know, which changes nothing of it (its
    /// history in AWS not written, or full and rotated).
    Notice {
        /// A warning (something did not happen), or only information.
        warning: bool,
        /// What, in one line.
        text: String,
    },
    /// Something the operator did (built by the switch engine, not by [`diff`]).
    Action {
        /// The action.
        action: OperatorAction,
        /// How it went.
        outcome: ActionOutcome,
        /// The caller ARN.
        by: Option<String>,
        /// Details, e.g. the error.
        detail: Option<String>,
    },
}

/// What changed between two snapshots of a site, most important first.
pub fn diff(
    prev: &SiteObservations,
    prev_verdict: &Verdict,
    next: &SiteObservations,
    next_verdict: &Verdict,
    at: OffsetDateTime,
) -> Vec<Event> {
    let mut d = Diff {
        prev,
        next,
        at,
        out: Vec::new(),
    };
    d.verdict(prev_verdict, next_verdict);
    d.dns_answer(prev_verdict, next_verdict);
    d.health_checks();
    d.alarms();
    d.targets();
    d.listeners();
    d.distribution();
    d.route53_changes();
    d.marker();
    d.probe();
    d.fetches();
    d.out
}

/// The two snapshots being compared, and the events found so far.
struct Diff<'a> {
    prev: &'a SiteObservations,
    next: &'a SiteObservations,
    at: OffsetDateTime,
    out: Vec<Event>,
}

impl Diff<'_> {
    fn push(&mut self, kind: EventKind, message: String) {
        self.out.push(Event {
            at: self.at,
            site: self.next.name.clone(),
            kind,
            message,
        });
    }

    /// A change of verdict, with its first reason.
    fn verdict(&mut self, prev_verdict: &Verdict, next_verdict: &Verdict) {
        if prev_verdict.kind != next_verdict.kind {
            let why = next_verdict
                .reasons
                .first()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            self.push(
                EventKind::VerdictChanged {
                    from: prev_verdict.kind,
                    to: next_verdict.kind,
                },
                format!(
                    "{} → {}{why}",
                    prev_verdict.kind.label(),
                    next_verdict.kind.label()
                ),
            );
        }
    }

    /// The DNS answer: which record Route 53 answers, or the plain record's new values.
    fn dns_answer(&mut self, prev_verdict: &Verdict, next_verdict: &Verdict) {
        let (prev, next) = (self.prev, self.next);
        if let (Some(a), Some(b)) = (prev.dns_answer.get(), next.dns_answer.get()) {
            let known = |v: &Verdict| v.served != Served::Unknown && !v.served_inferred;
            let switched = known(prev_verdict)
                && known(next_verdict)
                && prev_verdict.served != next_verdict.served;
            let plain_moved = next_verdict.served == Served::Plain
                && next.plain().is_some_and(|r| r.alias.is_none())
                && sorted(&a.values) != sorted(&b.values);
            if switched || plain_moved {
                let message = if switched {
                    format!(
                        "Route 53 now answers the {} (was the {}): {}",
                        next_verdict.served.as_str(),
                        prev_verdict.served.as_str(),
                        b.values.join(", ")
                    )
                } else {
                    format!(
                        "Route 53 now answers {} (was {})",
                        b.values.join(", "),
                        a.values.join(", ")
                    )
                };
                self.push(
                    EventKind::DnsAnswerChanged {
                        from: prev_verdict.served,
                        to: next_verdict.served,
                        values: b.values.clone(),
                    },
                    message,
                );
            }
        }
    }

    /// Health checks that flipped, as Route 53 routes on them.
    fn health_checks(&mut self) {
        let (prev, next, at) = (self.prev, self.next, self.at);
        for id in next.health_checks.keys() {
            if !prev.health_checks.contains_key(id) {
                continue;
            }
            let before = check_health(prev, id, at, Duration::MAX);
            let after = check_health(next, id, at, Duration::MAX);
            if before.health != after.health
                && before.health != Health::Unknown
                && after.health != Health::Unknown
            {
                self.push(
                    EventKind::HealthCheckFlipped {
                        id: id.clone(),
                        healthy: after.health == Health::Healthy,
                    },
                    format!(
                        "health check {} became {}: {}",
                        after.label,
                        after.health.as_str(),
                        after.why
                    ),
                );
            }
        }
    }

    /// Alarms that changed state.
    fn alarms(&mut self) {
        let (prev, next) = (self.prev, self.next);
        for b in &next.alarms {
            let Some(after) = b.alarm.get() else { continue };
            let Some(before) = prev.alarm(&b.alarm_ref).and_then(|a| a.alarm.get()) else {
                continue;
            };
            if before.state != after.state {
                self.push(
                    EventKind::AlarmStateChanged {
                        region: after.region.clone(),
                        name: after.name.clone(),
                        from: before.state,
                        to: after.state,
                    },
                    format!("{} (was {})", alarm_reason(after), before.state.as_str()),
                );
            }
        }
    }

    /// Targets that changed state, registered or left.
    fn targets(&mut self) {
        let (prev, next) = (self.prev, self.next);
        for (arn, f) in &next.target_health {
            let (Some(after), Some(before)) =
                (f.get(), prev.target_health.get(arn).and_then(|p| p.get()))
            else {
                continue;
            };
            let tg = next.target_group_label(arn);
            let index = |ts: &Vec<TargetHealth>| -> BTreeMap<(String, Option<u16>), TargetHealth> {
                ts.iter()
                    .map(|t| ((t.id.clone(), t.port), t.clone()))
                    .collect()
            };
            let (before, after) = (index(before), index(after));
            let keys: std::collections::BTreeSet<_> =
                before.keys().chain(after.keys()).cloned().collect();
            for key in keys {
                let (b, a) = (before.get(&key), after.get(&key));
                if b.map(|t| &t.state) == a.map(|t| &t.state) {
                    continue;
                }
                let label = a.or(b).map(|t| t.label()).unwrap_or_default();
                let message = match (b, a) {
                    (Some(b), Some(a)) => format!(
                        "target {label} of {tg}: {} → {}",
                        b.state,
                        a.describe_state()
                    ),
                    (None, Some(a)) => {
                        format!("target {label} registered in {tg}: {}", a.describe_state())
                    }
                    (Some(b), None) => format!("target {label} left {tg} (was {})", b.state),
                    (None, None) => continue,
                };
                self.push(
                    EventKind::TargetHealthChanged {
                        target_group_arn: arn.clone(),
                        target: key.0.clone(),
                        port: key.1,
                        from: b.map(|t| t.state.clone()),
                        to: a.map(|t| t.state.clone()),
                        reason: a.and_then(|t| t.reason.clone()),
                    },
                    message,
                );
            }
        }
    }

    /// Listener default actions that changed.
    fn listeners(&mut self) {
        let (prev, next) = (self.prev, self.next);
        let prev_listeners: BTreeMap<&str, &Listener> = prev
            .all_listeners()
            .into_iter()
            .map(|l| (l.arn.as_str(), l))
            .collect();
        for l in next.all_listeners() {
            let Some(before) = prev_listeners.get(l.arn.as_str()) else {
                continue;
            };
            if before.default_actions == l.default_actions {
                continue;
            }
            let describe = |site: &SiteObservations, l: &Listener| {
                l.default_action()
                    .map(|a| {
                        let tgs = a.target_group_arns();
                        if tgs.is_empty() {
                            a.describe()
                        } else {
                            let names: Vec<String> =
                                tgs.iter().map(|t| site.target_group_label(t)).collect();
                            format!("forward to {}", names.join(", "))
                        }
                    })
                    .unwrap_or_else(|| "no action".to_string())
            };
            let (from, to) = (describe(prev, before), describe(next, l));
            let sorry = next.serves_listener(l).is_sorry_page();
            let lb = next
                .load_balancer(&l.lb_arn)
                .map(|lb| format!("{} {}", lb.kind_label(), lb.name))
                .unwrap_or_else(|| l.lb_arn.clone());
            let role = if sorry { " (sorry page)" } else { "" };
            self.push(
                EventKind::ListenerActionChanged {
                    listener_arn: l.arn.clone(),
                    from: from.clone(),
                    to: to.clone(),
                    sorry,
                },
                format!("listener {} of {lb}: {from} → {to}{role}", l.label()),
            );
        }
    }

    /// What a client gets changed side (between two answers of the probe).
    fn probe(&mut self) {
        let seen = |o: &SiteObservations| {
            o.probe
                .as_ref()
                .filter(|p| p.seen.error.is_none())
                .and_then(|p| p.seen.get().cloned())
        };
        if let (Some(b), Some(a)) = (seen(self.prev), seen(self.next))
            && b.side != a.side
        {
            self.push(
                EventKind::ClientProbe {
                    side: a.side,
                    sorry: a.side == super::probe::Side::Sorry,
                    status: a.status,
                },
                format!("clients get {} now: {}", a.side.words(), a.describe()),
            );
        }
    }

    /// The distribution deployed, and its invalidations completed.
    fn distribution(&mut self) {
        let (prev, next) = (self.prev, self.next);
        if let (Some(pd), Some(nd)) = (&prev.distribution, &next.distribution) {
            if let (Some(b), Some(a)) = (pd.distribution.get(), nd.distribution.get()) {
                if b.status == DistributionStatus::InProgress
                    && a.status == DistributionStatus::Deployed
                {
                    self.push(
                        EventKind::DistributionDeployed { id: a.id.clone() },
                        format!("distribution {} finished deploying", a.id),
                    );
                }
            }
            if let (Some(b), Some(a)) = (pd.invalidations.get(), nd.invalidations.get()) {
                for inv in a
                    .iter()
                    .filter(|i| i.status == InvalidationStatus::Completed)
                {
                    let was_running = b
                        .iter()
                        .any(|p| p.id == inv.id && p.status != InvalidationStatus::Completed);
                    if was_running {
                        self.push(
                            EventKind::InvalidationCompleted {
                                distribution_id: nd.id.clone(),
                                id: inv.id.clone(),
                            },
                            format!(
                                "invalidation {} of distribution {} completed",
                                inv.id, nd.id
                            ),
                        );
                    }
                }
            }
        }
    }

    /// Route 53 changes that turned INSYNC.
    fn route53_changes(&mut self) {
        let (prev, next, at) = (self.prev, self.next, self.at);
        for (id, f) in &next.changes {
            let Some(after) = f.get() else { continue };
            let Some(before) = prev.changes.get(id).and_then(|p| p.get()) else {
                continue;
            };
            if before.status == ChangeStatus::Pending && after.status == ChangeStatus::Insync {
                self.push(
                    EventKind::ChangeInsync { id: id.clone() },
                    format!(
                        "Route 53 change {id} is INSYNC ({} after submission)",
                        human_span(span(after.submitted_at, at))
                    ),
                );
            }
        }
    }

    /// The maintenance marker appearing, going, or changing phase.
    fn marker(&mut self) {
        let (prev, next) = (self.prev, self.next);
        if let (Some(b), Some(a)) = (prev.maintenance.get(), next.maintenance.get()) {
            match (b, a) {
                (None, Some(m)) => self.push(
                    EventKind::MaintenanceMarkerAppeared {
                        by: m.by.clone(),
                        phase: m.phase,
                    },
                    format!(
                        "maintenance marker appeared: {} by {}{}",
                        m.phase.as_str(),
                        m.by,
                        m.reason
                            .as_deref()
                            .map(|r| format!(" ({r})"))
                            .unwrap_or_default()
                    ),
                ),
                (Some(_), None) => self.push(
                    EventKind::MaintenanceMarkerRemoved,
                    "maintenance marker removed".to_string(),
                ),
                (Some(b), Some(a)) if b.phase != a.phase => self.push(
                    EventKind::MaintenancePhaseChanged {
                        from: b.phase,
                        to: a.phase,
                    },
                    format!("maintenance {} → {}", b.phase.as_str(), a.phase.as_str()),
                ),
                _ => {}
            }
        }
    }

    /// Fetches failing and recovering.
    fn fetches(&mut self) {
        let (prev, next) = (self.prev, self.next);
        let before: BTreeMap<String, Option<String>> = prev
            .fetch_states()
            .into_iter()
            .map(|s| (s.key, s.failing))
            .collect();
        for state in next.fetch_states() {
            let Some(was_failing) = before.get(&state.key) else {
                continue;
            };
            match (was_failing, &state.failing) {
                (None, Some(error)) => self.push(
                    EventKind::FetchFailing {
                        what: state.what.clone(),
                        error: error.clone(),
                    },
                    format!("{}: fetch failing: {error}", state.what),
                ),
                (Some(_), None) => self.push(
                    EventKind::FetchRecovered {
                        what: state.what.clone(),
                    },
                    format!("{}: fetch works again", state.what),
                ),
                _ => {}
            }
        }
    }
}

fn sorted(values: &[String]) -> Vec<String> {
    let mut v = values.to_vec();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cloudfront::Invalidation;
    use crate::model::error::{AwsError, ErrorKind};
    use crate::model::fixtures::*;

    /// The events between two fixtures, judged at NOW.
    fn events(prev: Fx, next: Fx) -> Vec<Event> {
        let (pv, nv) = (prev.verdict(), next.verdict());
        diff(&prev.0, &pv, &next.0, &nv, NOW)
    }

    fn kinds(events: &[Event]) -> Vec<&EventKind> {
        events.iter().map(|e| &e.kind).collect()
    }

    fn messages(events: &[Event]) -> Vec<&str> {
        events.iter().map(|e| e.message.as_str()).collect()
    }

    #[test]
    fn nothing_changed_nothing_to_tell() {
        assert_eq!(events(Fx::alb_cloudfront(), Fx::alb_cloudfront()), vec![]);
        assert_eq!(events(Fx::nlb_listener(), Fx::nlb_listener()), vec![]);
    }

    #[test]
    fn an_automatic_failover_reads_as_a_story() {
        let e = events(
            Fx::alb_cloudfront(),
            Fx::alb_cloudfront()
                .checkers(0, 8)
                .dns_answers(Served::Secondary),
        );
        assert_eq!(
            kinds(&e),
            vec![
                &EventKind::VerdictChanged {
                    from: VerdictKind::Live,
                    to: VerdictKind::FailedOver
                },
                &EventKind::DnsAnswerChanged {
                    from: Served::Primary,
                    to: Served::Secondary,
                    values: vec![CF_IPS[0].into(), CF_IPS[1].into()],
                },
                &EventKind::HealthCheckFlipped {
                    id: PRIMARY_HC.into(),
                    healthy: false
                },
            ]
        );
        assert_eq!(
            messages(&e),
            vec![
                "LIVE → FAILED OVER: Route 53 answers the secondary, the sorry page (SECONDARY A \
                 alias d111111abcdef8.cloudfront.net)",
                "Route 53 now answers the secondary (was the primary): 13.224.0.1, 13.224.0.2",
                "health check www-primary (3f1c9a2e…) became unhealthy: 0 of 8 checkers report \
                 success (HTTP 503)",
            ]
        );
        assert!(e.iter().all(|e| e.site == "www" && e.at == NOW));
    }

    #[test]
    fn alarms_and_targets_changing_state() {
        let e = events(
            Fx::cloudwatch_metric(),
            Fx::cloudwatch_metric().alarm(AlarmState::InsufficientData),
        );
        assert!(e.iter().any(|e| e.kind
            == EventKind::AlarmStateChanged {
                region: "eu-west-1".into(),
                name: ALARM.into(),
                from: AlarmState::Ok,
                to: AlarmState::InsufficientData,
            }
            && e.message
                == "alarm app-1-StatusCheckFailed has INSUFFICIENT_DATA (a stopped instance \
                    sends no StatusCheckFailed data) (was OK)"));

        let e = events(
            Fx::alb_two_azs(),
            Fx::alb_two_azs().az_targets(
                "eu-west-1b",
                TargetState::Unhealthy,
                Some("Target.Timeout"),
            ),
        );
        let targets: Vec<&Event> = e
            .iter()
            .filter(|e| matches!(e.kind, EventKind::TargetHealthChanged { .. }))
            .collect();
        assert_eq!(targets.len(), 2);
        assert_eq!(
            targets[0].kind,
            EventKind::TargetHealthChanged {
                target_group_arn: APP_TG.into(),
                target: "i-0bbb0000000000003".into(),
                port: Some(80),
                from: Some(TargetState::Healthy),
                to: Some(TargetState::Unhealthy),
                reason: Some("Target.Timeout".into()),
            }
        );
        assert_eq!(
            targets[0].message,
            "target i-0bbb0000000000003:80 (eu-west-1b) of app-tg: healthy → unhealthy \
             (Target.Timeout)"
        );
        assert!(
            e.iter()
                .any(|e| e.message.starts_with("LIVE → DEGRADED: target"))
        );

        let e = events(
            Fx::alb_two_azs(),
            Fx::alb_two_azs().app_targets(vec![target(
                "i-0aaa0000000000001",
                "eu-west-1a",
                TargetState::Healthy,
                None,
            )]),
        );
        let left: Vec<&str> = e
            .iter()
            .filter(|e| matches!(e.kind, EventKind::TargetHealthChanged { to: None, .. }))
            .map(|e| e.message.as_str())
            .collect();
        assert_eq!(left.len(), 3);
        assert!(left[0].contains("left app-tg (was healthy)"), "{left:?}");
    }

    #[test]
    fn a_listener_switched_to_the_sorry_page() {
        let e = events(
            Fx::nlb_listener().marker(MaintenancePhase::Entering),
            Fx::nlb_listener()
                .marker(MaintenancePhase::Active)
                .listener_forwards_to_sorry(),
        );
        let m = messages(&e);
        assert!(m.contains(&"SWITCHING → MAINTENANCE: maintenance forced by arn:aws:sts::111122223333:assumed-role/ops/alice 10 min ago: database upgrade"), "{m:#?}");
        assert!(m.contains(&"listener TCP 443 of NLB app-nlb: forward to app-tg → forward to sorry-tg (sorry page)"), "{m:#?}");
        assert!(m.contains(&"maintenance entering → active"), "{m:#?}");
        assert!(e.iter().any(|e| e.kind
            == EventKind::ListenerActionChanged {
                listener_arn: NLB_LISTENER.into(),
                from: "forward to app-tg".into(),
                to: "forward to sorry-tg".into(),
                sorry: true,
            }));
        // The sorry target group's target comes into use.
        assert!(
            m.iter()
                .any(|m| m.contains("of sorry-tg: unused → healthy")),
            "{m:#?}"
        );
    }

    fn probed(mut fx: Fx, side: crate::model::probe::Side, status: u16) -> Fx {
        use crate::model::probe::{ClientView, ProbeObservation, Via};
        let view = ClientView {
            side,
            status,
            size: 98,
            via: Via::Cloudfront,
            matched: None,
            cached_secs: None,
            elapsed_ms: 20,
            addresses: Vec::new(),
            proxy: None,
        };
        fx.0.probe = Some(ProbeObservation {
            url: "https://www.example.com/".into(),
            every: std::time::Duration::from_secs(30),
            seen: crate::model::obs::Fetched::ok(view, NOW),
        });
        fx
    }

    #[test]
    fn what_clients_get_changing_side_is_an_event_and_a_failed_probe_is_not() {
        use crate::model::probe::Side;
        let e = events(
            probed(Fx::alb_cloudfront(), Side::App, 200),
            probed(Fx::alb_cloudfront(), Side::Sorry, 503),
        );
        assert!(kinds(&e).contains(&&EventKind::ClientProbe {
            side: Side::Sorry,
            sorry: true,
            status: 503
        }));
        assert!(
            messages(&e)
                .iter()
                .any(|m| m.starts_with("clients get the sorry page now: the sorry page (503")),
            "{e:#?}"
        );
        // The same side again, or a probe that failed: nothing to tell.
        let same = events(
            probed(Fx::alb_cloudfront(), Side::App, 200),
            probed(Fx::alb_cloudfront(), Side::App, 200),
        );
        assert!(
            !kinds(&same)
                .iter()
                .any(|k| matches!(k, EventKind::ClientProbe { .. }))
        );
        let mut failed = probed(Fx::alb_cloudfront(), Side::Sorry, 503);
        if let Some(p) = failed.0.probe.as_mut() {
            p.seen.set_failed(crate::model::fixtures::denied(), NOW);
        }
        let e = events(probed(Fx::alb_cloudfront(), Side::App, 200), failed);
        assert!(
            !kinds(&e)
                .iter()
                .any(|k| matches!(k, EventKind::ClientProbe { .. }))
        );
    }

    #[test]
    fn the_marker_appears_and_disappears() {
        let e = events(
            Fx::alb_cloudfront(),
            Fx::alb_cloudfront().marker(MaintenancePhase::Entering),
        );
        assert!(e.iter().any(|e| e.kind
            == EventKind::MaintenanceMarkerAppeared {
                by: OPERATOR.into(),
                phase: MaintenancePhase::Entering
            }
            && e.message
                == "maintenance marker appeared: entering by \
                    arn:aws:sts::111122223333:assumed-role/ops/alice (database upgrade)"));
        let e = events(
            Fx::alb_cloudfront().marker(MaintenancePhase::Leaving),
            Fx::alb_cloudfront(),
        );
        assert!(kinds(&e).contains(&&EventKind::MaintenanceMarkerRemoved));
        // A marker that could not be read is not a marker that disappeared.
        let e = events(
            Fx::alb_cloudfront().marker(MaintenancePhase::Active),
            Fx::alb_cloudfront().marker_never_read(),
        );
        assert!(!kinds(&e).contains(&&EventKind::MaintenanceMarkerRemoved));
    }

    #[test]
    fn deploys_invalidations_and_changes_completing() {
        let e = events(
            Fx::alb_cloudfront().distribution_status(DistributionStatus::InProgress),
            Fx::alb_cloudfront(),
        );
        assert!(e.iter().any(
            |e| e.kind == EventKind::DistributionDeployed { id: CF_ID.into() }
                && e.message == "distribution E2QWRUHAPOMQZL finished deploying"
        ));

        let inv = |status| Invalidation {
            id: "I2J0I21PCUYOIK".into(),
            status,
            created: Some(ago(300)),
        };
        let e = events(
            Fx::alb_cloudfront().invalidations(vec![inv(InvalidationStatus::InProgress)]),
            Fx::alb_cloudfront().invalidations(vec![inv(InvalidationStatus::Completed)]),
        );
        assert_eq!(
            messages(&e),
            vec!["invalidation I2J0I21PCUYOIK of distribution E2QWRUHAPOMQZL completed"]
        );

        let e = events(
            Fx::dns_name_control()
                .plain_record_values(&[NODE_B])
                .pending_change(40),
            Fx::dns_name_control()
                .plain_record_values(&[NODE_B])
                .change_insync(40)
                .dns_answers_values(&[NODE_B]),
        );
        let m = messages(&e);
        assert!(
            m.contains(&"Route 53 change C2682N5HXP0BZ4 is INSYNC (40 s after submission)"),
            "{m:#?}"
        );
        assert!(
            m.contains(&"Route 53 now answers 192.0.2.12 (was 192.0.2.11)"),
            "{m:#?}"
        );
        assert!(
            m.iter().any(|m| m.starts_with("SWITCHING → LIVE")),
            "{m:#?}"
        );
    }

    #[test]
    fn fetches_failing_and_recovering() {
        let err = AwsError::new(
            ErrorKind::Network,
            "route53",
            "GetHealthCheckStatus",
            "proxy CONNECT failed: 407",
        );
        let failing = Fx::alb_cloudfront().status_fetch_failed(err, 2);
        let e = events(Fx::alb_cloudfront(), failing.clone());
        assert_eq!(
            kinds(&e),
            vec![&EventKind::FetchFailing {
                what: "status of health check www-primary (3f1c9a2e…)".into(),
                error: "network: proxy CONNECT failed: 407 (route53 GetHealthCheckStatus)".into(),
            }]
        );
        let e = events(failing, Fx::alb_cloudfront());
        assert_eq!(
            messages(&e),
            vec!["status of health check www-primary (3f1c9a2e…): fetch works again"]
        );
    }

    #[test]
    fn events_are_one_json_line_each() {
        let mut e = events(
            Fx::alb_cloudfront(),
            Fx::alb_cloudfront()
                .checkers(0, 8)
                .dns_answers(Served::Secondary),
        );
        e.push(Event::action(
            NOW,
            "www",
            OperatorAction::Step {
                index: 2,
                total: 3,
                description: "invert health check 3f1c9a2e…".into(),
            },
            ActionOutcome::Failed,
            Some(OPERATOR.into()),
            Some("HealthCheckVersionMismatch".into()),
        ));
        e.push(Event::action(
            NOW,
            "www",
            OperatorAction::MaintenanceOn {
                reason: Some("database upgrade".into()),
            },
            ActionOutcome::Started,
            Some(OPERATOR.into()),
            None,
        ));
        e.push(Event::action(
            NOW,
            "www",
            OperatorAction::FailBack,
            ActionOutcome::Succeeded,
            None,
            None,
        ));
        assert_eq!(
            e[3].message,
            "step 2/3 (invert health check 3f1c9a2e…) failed by \
             arn:aws:sts::111122223333:assumed-role/ops/alice: HealthCheckVersionMismatch"
        );
        assert_eq!(
            e[4].message,
            "maintenance on (database upgrade) started by arn:aws:sts::111122223333:assumed-role/ops/alice"
        );
        assert_eq!(e[5].message, "fail back succeeded");
        for event in &e {
            let line = event.to_json_line().unwrap();
            assert!(!line.contains('\n'));
            let back: Event = serde_json::from_str(&line).unwrap();
            assert_eq!(&back, event, "{line}");
        }
        let line = e[0].to_json_line().unwrap();
        assert_eq!(
            line,
            "{\"at\":\"2026-03-14T02:00:00Z\",\"site\":\"www\",\"kind\":{\"type\":\"verdict_changed\",\
             \"from\":\"LIVE\",\"to\":\"FAILED_OVER\"},\"message\":\"LIVE → FAILED OVER: Route 53 \
             answers the secondary, the sorry page (SECONDARY A alias d111111abcdef8.cloudfront.net)\"}"
        );
        let line = e[3].to_json_line().unwrap();
        assert!(
            line.contains("\"kind\":{\"type\":\"action\",\"action\":{\"action\":\"step\""),
            "{line}"
        );
    }
}
