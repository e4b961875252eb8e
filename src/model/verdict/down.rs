//! DOWN: users get errors. The record Route 53 answers leads to nothing that can serve: no
//! address at all, a load balancer without a listener, listeners whose target groups have no
//! healthy target (unhealthy, unused or draining: the load balancer fails open onto targets that
//! do not answer), a fixed 5xx that is not the site's maintenance response where the app should
//! be, a disabled sorry page distribution, or an instance that sends no data (stopped) behind a
//! CLOUDWATCH_METRIC check that Route 53 still answers.
//!
//! DOWN is said only when it is certain: every path the answered record opens is known, and
//! none of them serves. A path switchyard cannot see (addresses of its own, rules not read, a
//! target group AWS does not check yet) keeps it from saying DOWN, and so does a Route 53
//! endpoint check of the answered record whose checkers reach it. Maintenance with a working
//! sorry page is never DOWN; a sorry page that cannot serve is, with the reason.

use std::collections::BTreeMap;

use super::{Chain, Eta, Mapping, VerdictKind};
use crate::model::cloudwatch::AlarmState;
use crate::model::elb::{ActionKind, Listener, ListenerAction, LoadBalancer, TargetState};
use crate::model::health::{Health, check_health};
use crate::model::maintenance::MaintenancePhase;
use crate::model::obs::{Fetched, human_span};
use crate::model::route53::{
    HealthCheckKind, InsufficientDataHealth, RecordSet, normalize_dns_name,
};
use crate::model::serves::Serves;

/// Where a piece of the chain leads a request.
#[derive(Clone, Debug, PartialEq)]
enum Leads {
    /// Something serves it (the app or a sorry page), or may: not known to fail.
    Serves,
    /// Neither serves nor fails by itself: a redirect, a fixed response that is no error.
    Neutral,
    /// Nothing serves it; why, in the operator's words.
    Fails(Vec<String>),
    /// switchyard cannot tell.
    Unknown,
}

impl Leads {
    /// Alternatives a request may take (listeners, rules, target groups of one forward): it is
    /// served if one of them serves; it fails only if every one is known and none serves.
    fn any(all: impl IntoIterator<Item = Leads>) -> Leads {
        let mut causes = Vec::new();
        let (mut unknown, mut failed) = (false, false);
        for l in all {
            match l {
                Leads::Serves => return Leads::Serves,
                Leads::Unknown => unknown = true,
                Leads::Fails(c) => {
                    failed = true;
                    for c in c {
                        if !causes.contains(&c) {
                            causes.push(c);
                        }
                    }
                }
                Leads::Neutral => {}
            }
        }
        match (unknown, failed) {
            (true, _) => Leads::Unknown,
            (false, true) => Leads::Fails(causes),
            (false, false) => Leads::Neutral,
        }
    }
}

impl Chain<'_> {
    /// DOWN, when the answered record leads to nothing that serves: why (what fails, then
    /// which record is answered, then a maintenance in effect and a change under way), and,
    /// while a change is under way (Route 53 about to fail over), when it has converged.
    pub(super) fn down(
        &self,
        served_line: &str,
    ) -> Option<(VerdictKind, Vec<String>, Option<Eta>)> {
        let mut reasons = self.down_reasons();
        if reasons.is_empty() {
            return None;
        }
        reasons.insert(1, served_line.to_string());
        // Why Route 53 does not fail over away from it (an alarm without data, a muted alarm).
        reasons.extend(self.failover_blockers());
        if let Some(m) = self.marker.filter(|m| m.phase == MaintenancePhase::Active) {
            reasons.push(self.marker_line(m));
        }
        let switching = self.switching_reasons();
        let eta = if switching.is_empty() {
            None
        } else {
            self.eta()
        };
        reasons.extend(switching);
        Some((VerdictKind::Down, reasons, eta))
    }

    /// Why users get errors, most important first (the first starts with `users get errors:`);
    /// empty when the answered record leads to something that serves, or when that cannot be
    /// told for certain.
    pub(super) fn down_reasons(&self) -> Vec<String> {
        let causes = match self.empty_answer() {
            Some(causes) => causes,
            None => match self.answered_record().map(|r| (r, self.record_leads(r))) {
                Some((r, Leads::Fails(causes))) if !self.reached_by_checkers(r) => causes,
                _ => return Vec::new(),
            },
        };
        let mut out = Vec::new();
        for (i, c) in causes.into_iter().enumerate() {
            out.push(if i == 0 {
                format!("users get errors: {c}")
            } else {
                c
            });
        }
        out
    }

    /// The record Route 53 answers, when that is known from the DNS answer (a plain record is
    /// the only answer there is).
    fn answered_record(&self) -> Option<&RecordSet> {
        if let Some(plain) = self.plain {
            return Some(plain);
        }
        match self.mapping {
            Mapping::Mapped(super::Served::Primary) => self.primary,
            Mapping::Mapped(super::Served::Secondary) => self.secondary,
            _ => None,
        }
    }

    /// Route 53 answers the name with no address at all (NOERROR, no values) while no change is
    /// pending: clients cannot connect, whichever record it is. The alias targets that lead
    /// nowhere say why.
    fn empty_answer(&self) -> Option<Vec<String>> {
        let answer = fresh(&self.site.dns_answer, self)?;
        if answer.has_values()
            || !answer.response_code.eq_ignore_ascii_case("NOERROR")
            || !self.pending.is_empty()
        {
            return None;
        }
        let mut causes = vec![format!(
            "Route 53 answers {} with no address ({} without values): clients cannot connect",
            self.site.record_name, answer.response_code
        )];
        let lbs = fresh(&self.site.load_balancers, self);
        for (role, r) in [
            ("plain record", self.plain),
            ("primary", self.primary),
            ("secondary", self.secondary),
        ] {
            let Some(alias) = r.and_then(|r| r.alias.as_ref()) else {
                continue;
            };
            let name = normalize_dns_name(&alias.dns_name);
            let known_lb = lbs.is_some_and(|l| l.iter().any(|lb| lb.has_dns_name(&name)));
            let known_cdn = self
                .site
                .sorry_distribution()
                .is_some_and(|d| d.has_domain(&name));
            if alias.is_cloudfront() && !known_cdn {
                causes.push(format!(
                    "the {role} is an alias to {name}, which is no distribution switchyard finds"
                ));
            } else if is_elb_name(&name) && lbs.is_some() && !known_lb {
                causes.push(format!(
                    "the {role} is an alias to {name}, which is no load balancer switchyard finds \
                     in the account"
                ));
            }
        }
        Some(causes)
    }

    /// Where the answered record leads.
    fn record_leads(&self, r: &RecordSet) -> Leads {
        let Some(alias) = &r.alias else {
            return self.instance_leads(r);
        };
        let name = normalize_dns_name(&alias.dns_name);
        if let Some(lb) = fresh(&self.site.load_balancers, self)
            .and_then(|lbs| lbs.iter().find(|lb| lb.has_dns_name(&name)))
        {
            return self.load_balancer_leads(lb);
        }
        if let Some(d) = self.site.distribution.as_ref()
            && let Some(dist) = fresh(&d.distribution, self)
            && dist.has_domain(&name)
        {
            if !dist.enabled {
                return Leads::Fails(vec![format!(
                    "sorry page distribution {} is disabled: CloudFront serves nothing for it",
                    dist.id
                )]);
            }
            return Leads::Serves;
        }
        Leads::Unknown
    }

    /// Where a load balancer leads: any of its listeners (what they and their rules forward to).
    fn load_balancer_leads(&self, lb: &LoadBalancer) -> Leads {
        let Some(listeners) = self
            .site
            .listeners
            .get(&lb.arn)
            .and_then(|f| fresh(f, self))
        else {
            return Leads::Unknown;
        };
        let label = format!("{} {}", lb.kind_label(), lb.name);
        if listeners.is_empty() {
            return Leads::Fails(vec![format!(
                "{label} has no listener: it accepts no connection"
            )]);
        }
        match Leads::any(listeners.iter().map(|l| self.listener_leads(l, &label))) {
            // Only redirects and fixed responses that are no errors: it cannot be told.
            Leads::Neutral => Leads::Unknown,
            other => other,
        }
    }

    /// Where a listener leads: its default action, or any of its rules (when they were read).
    fn listener_leads(&self, l: &Listener, lb: &str) -> Leads {
        let Some(default) = l.default_action() else {
            return Leads::Unknown;
        };
        let mut actions = vec![default];
        if let Some(rules) = self.site.rules.get(&l.arn).and_then(|f| fresh(f, self)) {
            actions.extend(
                rules
                    .iter()
                    .filter(|r| !r.is_default)
                    .filter_map(|r| crate::model::elb::deciding_action(&r.actions)),
            );
        }
        let where_ = format!("listener {} of {lb}", l.label());
        Leads::any(actions.into_iter().map(|a| self.action_leads(a, &where_)))
    }

    /// Where one action leads.
    fn action_leads(&self, a: &ListenerAction, where_: &str) -> Leads {
        match a.kind {
            ActionKind::Forward => {
                let tgs = a.target_group_arns();
                if tgs.is_empty() {
                    return Leads::Unknown;
                }
                match Leads::any(tgs.iter().map(|tg| self.target_group_leads(tg))) {
                    Leads::Fails(causes) => Leads::Fails(
                        causes
                            .into_iter()
                            .map(|c| format!("{where_} forwards to {c}"))
                            .collect(),
                    ),
                    other => other,
                }
            }
            ActionKind::FixedResponse => {
                let Serves::FixedResponse { status, .. } = self.site.serves_action(a) else {
                    return Leads::Unknown;
                };
                if self.configured_response(a) {
                    return Leads::Serves;
                }
                match status {
                    Some(code) if (500..600).contains(&code) => Leads::Fails(vec![format!(
                        "{where_} answers a fixed {code}, which is not the site's maintenance \
                         response: the app is not served"
                    )]),
                    Some(_) => Leads::Neutral,
                    None => Leads::Unknown,
                }
            }
            ActionKind::Redirect => Leads::Neutral,
            _ => Leads::Unknown,
        }
    }

    /// Whether a fixed response is one the site's strategies answer with during maintenance.
    fn configured_response(&self, a: &ListenerAction) -> bool {
        let Some(f) = &a.fixed_response else {
            return false;
        };
        let status = a.fixed_status();
        self.site.maintenance_responses.iter().any(|m| {
            status.is_some()
                && m.status_code.trim().parse::<u16>().ok() == status
                && m.message_body == f.message_body
        })
    }

    /// Where a target group leads: a target that is healthy (or may serve: registering, health
    /// checks off, a state switchyard does not know) serves; none of them fails; a group AWS
    /// does not check yet (`Target.NotInUse`) cannot be told.
    fn target_group_leads(&self, arn: &str) -> Leads {
        let Some(targets) = self
            .site
            .target_health
            .get(arn)
            .and_then(|f| fresh(f, self))
        else {
            return Leads::Unknown;
        };
        let sorry = self.site.sorry_target_groups.iter().any(|s| s == arn);
        let name = format!(
            "{}target group {}",
            if sorry { "sorry " } else { "" },
            self.site.target_group_label(arn)
        );
        if targets.is_empty() {
            return Leads::Fails(vec![format!("{name}, which has no registered target")]);
        }
        let may_serve = targets.iter().any(|t| match &t.state {
            TargetState::Healthy | TargetState::Initial | TargetState::Unavailable => true,
            TargetState::Other(s) => !s.starts_with("unhealthy"),
            TargetState::Unhealthy | TargetState::Unused | TargetState::Draining => false,
        });
        if may_serve {
            return Leads::Serves;
        }
        if targets
            .iter()
            .any(|t| t.reason.as_deref() == Some("Target.NotInUse"))
        {
            return Leads::Unknown;
        }
        let mut states: BTreeMap<String, usize> = BTreeMap::new();
        for t in targets {
            *states.entry(t.describe_state()).or_default() += 1;
        }
        let states: Vec<String> = states
            .into_iter()
            .map(|(state, n)| format!("{n} {state}"))
            .collect();
        Leads::Fails(vec![format!(
            "{name}, which has no healthy target (0 of {}: {})",
            targets.len(),
            states.join(", ")
        )])
    }

    /// Where a record of addresses leads: known to fail only when its CLOUDWATCH_METRIC health
    /// check follows an instance's status check alarm that gets no data (the instance is
    /// stopped or gone) and Route 53 still answers it.
    fn instance_leads(&self, r: &RecordSet) -> Leads {
        let Some(id) = &r.health_check_id else {
            return Leads::Unknown;
        };
        let Some(hc) = self.site.health_check(id) else {
            return Leads::Unknown;
        };
        if hc.kind != HealthCheckKind::CloudWatchMetric || hc.disabled {
            return Leads::Unknown;
        }
        let Some(obs) = hc.alarm.as_ref().and_then(|a| self.site.alarm(a)) else {
            return Leads::Unknown;
        };
        let Some(alarm) = fresh(&obs.alarm, self) else {
            return Leads::Unknown;
        };
        if alarm.state != AlarmState::InsufficientData
            || !alarm.watches_status_check()
            // A new alarm has no data yet either.
            || alarm.reason.starts_with("Unchecked")
        {
            return Leads::Unknown;
        }
        // Recent datapoints say the instance still reports.
        let window = alarm.worst_case_evaluation();
        if let Some(series) = fresh(&obs.series, self)
            && series
                .iter()
                .filter_map(|s| s.latest())
                .any(|(at, _)| crate::model::obs::within(self.now, at, window))
        {
            return Leads::Unknown;
        }
        let instance = alarm
            .dimensions
            .iter()
            .find(|(k, _)| k == "InstanceId")
            .map_or_else(
                || "its instance".to_string(),
                |(_, v)| format!("instance {v}"),
            );
        let treats = match hc.insufficient_data {
            Some(InsufficientDataHealth::Unhealthy) => return Leads::Unknown,
            Some(InsufficientDataHealth::Healthy) => "as healthy",
            _ => "by its last known status",
        };
        let since = alarm
            .state_updated
            .map(|at| format!(" for {}", human_span(crate::model::obs::span(at, self.now))))
            .unwrap_or_default();
        Leads::Fails(vec![format!(
            "{instance} behind the answered record sends no {} data (alarm {} has \
             INSUFFICIENT_DATA{since}): it is stopped or gone, and health check {} reads missing \
             data {treats}, so Route 53 keeps answering it",
            alarm.metric.as_deref().unwrap_or("StatusCheckFailed"),
            alarm.name,
            hc.label()
        )])
    }

    /// Whether the answered record's own Route 53 endpoint check reaches it (raw, fresh): then
    /// something answers there after all, and it is not DOWN.
    fn reached_by_checkers(&self, r: &RecordSet) -> bool {
        let Some(id) = &r.health_check_id else {
            return false;
        };
        if !self
            .site
            .health_check(id)
            .is_some_and(|hc| hc.kind.probes_endpoint() && !hc.disabled)
        {
            return false;
        }
        let c = check_health(self.site, id, self.now, self.stale_after);
        c.evidence.missing.is_empty() && c.raw == Health::Healthy
    }
}

/// Whether a DNS name is a load balancer's (`x.eu-west-1.elb.amazonaws.com` of an ALB,
/// `x.elb.eu-west-1.amazonaws.com` of an NLB).
fn is_elb_name(name: &str) -> bool {
    name.ends_with(".amazonaws.com") && name.split('.').any(|label| label == "elb")
}

/// A value younger than the chain's `stale_after`, if any.
fn fresh<'a, T>(f: &'a Fetched<T>, chain: &Chain<'_>) -> Option<&'a T> {
    if f.is_stale(chain.now, chain.stale_after) {
        None
    } else {
        f.get()
    }
}

#[cfg(test)]
mod tests;
