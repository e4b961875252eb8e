//! Verification after a switch: looks again and again until every change has converged (the
//! Route 53 change INSYNC, the health check flipped, TestDNSAnswer giving the expected record,
//! the listener's action as planned, the distribution Deployed), or the time is up.

use crate::model::eta::Countdown;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

use serde::Serialize;
use tokio::sync::mpsc::UnboundedSender;

use crate::aws::client::Clients;
use crate::aws::dns::Resolver;
use crate::aws::{cloudfront, cloudwatch, elbv2, route53};
use crate::model::cloudfront::InvalidationStatus;
use crate::model::elb::ListenerAction;
use crate::model::route53::{ChangeStatus, PendingChange, RecordSet, normalize_dns_name};

use super::plan::{CheckResult, Progress, VerifyItem};
use super::steps::{self, Expect, Towards};
use crate::aws::probe::Prober;
use crate::model::journal::{self, Step};
use crate::model::probe::{ProbeSpec, Side};

/// What the DNS answer should be.
#[derive(Clone, Debug, PartialEq)]
pub enum DnsExpect {
    /// The addresses this alias target resolves to.
    Alias(String),
    /// These values exactly.
    Values(Vec<String>),
    /// Any of these (the members of a weighted set that keep a weight).
    Any(Vec<DnsExpect>),
}

impl DnsExpect {
    /// In words: the alias target, the values, or the members.
    fn describe(&self) -> String {
        match self {
            DnsExpect::Alias(name) => normalize_dns_name(name),
            DnsExpect::Values(v) => v.join(" "),
            DnsExpect::Any(all) => all
                .iter()
                .map(DnsExpect::describe)
                .collect::<Vec<_>>()
                .join(" or "),
        }
    }
}

/// Everything verification waits for.
pub struct Wanted {
    pub steps: Vec<(Step, Towards)>,
    pub changes: Vec<PendingChange>,
    /// What the DNS answer of each record type should be.
    pub dns: Vec<(String, DnsExpect)>,
    pub zone_id: String,
    pub record: String,
    pub distribution: Option<String>,
    /// What clients may still hold once it converged (AWS time): the countdown's last parts.
    pub caches: Vec<crate::model::verdict::EtaPart>,
    /// The site's probe and the side clients should get: the last condition (what a client
    /// actually gets, through every cache between Route 53 and it).
    pub probe: Option<(ProbeSpec, Side)>,
}

/// The result of a verification.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verification {
    /// Every item converged (none could not be checked).
    pub converged: bool,
    /// The last look at each item.
    pub items: Vec<VerifyItem>,
    /// How long verification took.
    pub waited_ms: u64,
    /// The switch's ETA: when it converged, and by when clients see it (`clients_see_by`).
    pub countdown: Option<crate::model::eta::Countdown>,
}

/// Route 53's rule: an endpoint is healthy when more than 18% of its checkers say so.
pub fn share_healthy(ok: usize, total: usize) -> bool {
    total > 0 && (ok as f64) / (total as f64) > crate::model::route53::HEALTHY_CHECKER_SHARE
}

fn item(what: String, converged: bool, seen: String) -> VerifyItem {
    VerifyItem::new(what, converged, seen)
}

/// A condition whose read failed: it could not be checked this time, and is looked at again
/// until the time is up (then reported as not checked, never as converged).
fn unreadable(what: String, e: &crate::model::error::AwsError) -> VerifyItem {
    VerifyItem::unreadable(what, format!("could not be read: {}", e.summary()))
}

impl Verification {
    /// The conditions that could not be checked: the switch is not done while there are any.
    pub fn unverified(&self) -> Vec<&VerifyItem> {
        self.items
            .iter()
            .filter(|i| i.result == CheckResult::CouldNotCheck)
            .collect()
    }
}

/// How long an item usually takes at most, for the ETA.
struct Estimate(Option<Duration>);

/// Looks once at everything wanted.
async fn look(
    c: &Clients,
    resolver: &Resolver,
    prober: &Result<Prober, String>,
    w: &Wanted,
) -> Vec<(VerifyItem, Estimate)> {
    let mut out = Vec::new();
    for ch in &w.changes {
        out.push(look_change(c, ch).await);
    }
    // How long an inverted check takes to flip, which delays the DNS answer.
    let mut flip = None;
    for (s, towards) in &w.steps {
        let Some(expect) = steps::expectation(s, *towards) else {
            continue;
        };
        match expect {
            Expect::Inverted { id, inverted } => {
                let (items, period) = look_inverted(c, &id, inverted).await;
                if period.is_some() {
                    flip = period;
                }
                out.extend(items);
            }
            Expect::Record { zone, record } => out.push(look_record(c, &zone, &record).await),
            Expect::Records { zone, records } => {
                for record in &records {
                    out.push(look_record(c, &zone, record).await);
                }
            }
            Expect::Listener { arn, actions } => {
                for tg in steps::forwarded_target_groups(s, *towards) {
                    let it = target_group_item(c, &tg).await;
                    let estimate = if it.converged {
                        Estimate(Some(Duration::ZERO))
                    } else {
                        target_group_estimate(c, &tg).await
                    };
                    out.push((it, estimate));
                }
                out.push(look_listener(c, &arn, &actions).await);
            }
            Expect::Rule {
                listener,
                arn,
                priority,
                conditions,
                exists,
            } => out
                .push(look_rule(c, &listener, arn.as_deref(), priority, &conditions, exists).await),
            Expect::RulePriorities {
                listener,
                priorities,
            } => out.push(look_rule_priorities(c, &listener, &priorities).await),
            Expect::Alarm {
                name,
                region,
                enabled,
            } => out.push(look_alarm(c, &name, &region, enabled).await),
            Expect::Invalidation { distribution, id } => {
                out.push(look_invalidation(c, &distribution, &id).await);
            }
        }
    }
    for (rtype, dns) in &w.dns {
        out.push(look_dns(c, resolver, w, rtype, dns, flip).await);
    }
    if let Some(id) = &w.distribution {
        out.push(look_distribution(c, id).await);
    }
    if let Some((spec, side)) = &w.probe {
        out.push(look_probe(prober, spec, *side).await);
    }
    out
}

/// What a client gets is the side wanted: the probe fetched the URL and found the page's text.
/// A probe that could not run is looked at again until the time is up, and is never a pass.
async fn look_probe(
    prober: &Result<Prober, String>,
    spec: &ProbeSpec,
    want: Side,
) -> (VerifyItem, Estimate) {
    let what = format!("clients get {} at {}", want.words(), spec.url);
    let fetched = match prober {
        Ok(p) => p.fetch(spec).await,
        Err(e) => Err(e.clone()),
    };
    match fetched {
        Ok(r) => {
            let v = crate::model::probe::classify(spec, &r);
            (item(what, v.side == want, v.describe()), Estimate(None))
        }
        Err(e) => (
            VerifyItem::unreadable(what, format!("the probe could not run: {e}")),
            Estimate(None),
        ),
    }
}

/// A Route 53 change is INSYNC.
async fn look_change(c: &Clients, ch: &PendingChange) -> (VerifyItem, Estimate) {
    let what = format!("Route 53 change {} INSYNC", ch.id);
    let it = match route53::get_change(&c.route53, &ch.id).await {
        Ok(p) => item(
            what,
            p.status == ChangeStatus::Insync,
            format!("{:?}", p.status).to_uppercase(),
        ),
        Err(e) => unreadable(what, &e),
    };
    (
        it,
        Estimate(Some(crate::model::route53::CHANGE_PROPAGATION)),
    )
}

/// A health check's Inverted flag, and what Route 53 makes of it: the items, and how long the
/// check takes to flip (when it could be read).
async fn look_inverted(
    c: &Clients,
    id: &str,
    inverted: bool,
) -> (Vec<(VerifyItem, Estimate)>, Option<Duration>) {
    let what = format!("health check {id} Inverted={inverted}");
    let hc = match route53::health_check(&c.route53, id).await {
        Err(e) => return (vec![(unreadable(what, &e), Estimate(None))], None),
        Ok(hc) => hc,
    };
    let period = hc.request_interval * hc.failure_threshold.max(1);
    let flag = item(
        what,
        hc.inverted == inverted,
        format!("Inverted={}", hc.inverted),
    );
    let want_healthy = !inverted;
    let what = format!(
        "health check {id} {} to Route 53",
        if want_healthy { "healthy" } else { "unhealthy" }
    );
    // Route 53 refuses GetHealthCheckStatus for a CALCULATED check: from its children.
    if hc.kind == crate::model::route53::HealthCheckKind::Calculated {
        let status = calculated_item(c, &hc, what, want_healthy).await;
        return (
            vec![
                (flag, Estimate(Some(Duration::ZERO))),
                (status, Estimate(Some(period))),
            ],
            Some(period),
        );
    }
    let status = match route53::health_check_status(&c.route53, id).await {
        Ok(obs) if !obs.is_empty() => {
            let ok = obs.iter().filter(|o| o.healthy()).count();
            let healthy = share_healthy(ok, obs.len()) != hc.inverted;
            item(
                what,
                healthy == want_healthy,
                format!(
                    "{ok} of {} checkers see it healthy (raw), so it is {}",
                    obs.len(),
                    if healthy { "healthy" } else { "unhealthy" }
                ),
            )
        }
        // No checker observes a check that probes no endpoint: judged by what it follows.
        Ok(_) => follows(c, &hc, &what, want_healthy).await,
        Err(e) => unreadable(what, &e),
    };
    (
        vec![
            (flag, Estimate(Some(Duration::ZERO))),
            (status, Estimate(Some(period))),
        ],
        Some(period),
    )
}

/// A CALCULATED check as Route 53 routes on it, from its children's checkers (each child
/// healthy when more than 18% of its checkers are, inverted or disabled as configured) and
/// HealthThreshold, then its own Inverted flag. A child that probes no endpoint cannot be seen
/// this way: the DNS answer is then what tells.
async fn calculated_item(
    c: &Clients,
    hc: &crate::model::route53::HealthCheck,
    what: String,
    want_healthy: bool,
) -> VerifyItem {
    let mut healthy = 0usize;
    let mut unseen = Vec::new();
    for child in &hc.children {
        let cfg = match route53::health_check(&c.route53, child).await {
            Ok(cfg) => cfg,
            Err(e) => return item(what, false, format!("child {child}: {}", e.summary())),
        };
        if cfg.disabled {
            healthy += usize::from(!cfg.inverted);
            continue;
        }
        if !cfg.kind.probes_endpoint() {
            unseen.push(child.clone());
            continue;
        }
        match route53::health_check_status(&c.route53, child).await {
            Ok(obs) if !obs.is_empty() => {
                let ok = obs.iter().filter(|o| o.healthy()).count();
                healthy += usize::from(share_healthy(ok, obs.len()) != cfg.inverted);
            }
            // A new check without reports yet: Route 53 counts it healthy.
            Ok(_) => healthy += 1,
            Err(e) => return item(what, false, format!("child {child}: {}", e.summary())),
        }
    }
    let needed = hc.health_threshold.unwrap_or(0) as usize;
    let total = hc.children.len();
    if !unseen.is_empty() && healthy < needed && healthy + unseen.len() >= needed {
        return item(
            what,
            true,
            format!(
                "{healthy} of {total} children healthy, {} not observable ({}): judged by the \
                 DNS answer",
                unseen.len(),
                unseen.join(", ")
            ),
        );
    }
    let raw = healthy >= needed;
    let routed = raw != hc.inverted;
    item(
        what,
        routed == want_healthy,
        format!(
            "{healthy} of {total} children healthy (needs {needed}), so it is {}",
            if routed { "healthy" } else { "unhealthy" }
        ),
    )
}

/// Whether a health check that probes no endpoint is as wanted to Route 53: a CLOUDWATCH_METRIC
/// check by its alarm's state (and what it makes of missing data), inversion applied; a check
/// that follows something else (children, a routing control) cannot be checked here.
async fn follows(
    c: &Clients,
    hc: &crate::model::route53::HealthCheck,
    what: &str,
    want_healthy: bool,
) -> VerifyItem {
    use crate::model::cloudwatch::AlarmState;
    use crate::model::route53::{HealthCheckKind, InsufficientDataHealth};
    let what = what.to_string();
    if hc.kind.probes_endpoint() {
        return item(what, false, "no checker has reported yet".into());
    }
    let alarm_ref = match (&hc.kind, &hc.alarm) {
        (HealthCheckKind::CloudWatchMetric, Some(a)) => a,
        _ => {
            return VerifyItem::could_not_check(
                what,
                format!(
                    "a {} check has no checkers, and switchyard does not evaluate what it follows: \
                     the DNS answer is the evidence; check the health check in the Route 53 console",
                    hc.kind
                ),
            );
        }
    };
    let client = cloudwatch::client_in(&c.cloudwatch, &alarm_ref.region);
    let alarm = match cloudwatch::alarms_named(&client, std::slice::from_ref(&alarm_ref.name)).await
    {
        Ok(list) => list.into_iter().find(|a| a.name == alarm_ref.name),
        Err(e) => return unreadable(what, &e),
    };
    let Some(alarm) = alarm else {
        return VerifyItem::could_not_check(
            what,
            format!(
                "alarm {} does not exist in {}: the check's status cannot be told",
                alarm_ref.name, alarm_ref.region
            ),
        );
    };
    let raw = match alarm.state {
        AlarmState::Ok => Some(true),
        AlarmState::Alarm => Some(false),
        AlarmState::InsufficientData => match hc.insufficient_data {
            Some(InsufficientDataHealth::Healthy) => Some(true),
            Some(InsufficientDataHealth::Unhealthy) => Some(false),
            // The last known status is Route 53's own, which it does not report here.
            _ => None,
        },
    };
    match raw {
        Some(raw) => {
            let healthy = raw != hc.inverted;
            item(
                what,
                healthy == want_healthy,
                format!(
                    "alarm {} is {}, so the check is {}",
                    alarm.name,
                    alarm.state.as_str(),
                    if healthy { "healthy" } else { "unhealthy" }
                ),
            )
        }
        None => VerifyItem::could_not_check(
            what,
            format!(
                "alarm {} has INSUFFICIENT_DATA and the check keeps its last known status, which \
                 Route 53 does not report: the DNS answer is the evidence",
                alarm.name
            ),
        ),
    }
}

/// A record holds its wanted value.
async fn look_record(c: &Clients, zone: &str, record: &RecordSet) -> (VerifyItem, Estimate) {
    let what = format!("record {} {}", record.name, record.describe());
    let at = route53::records_at(
        &c.route53,
        zone,
        &record.name,
        &journal::record_name(&record.name),
    )
    .await;
    let it = match at {
        Ok(at) => {
            let cur = at
                .records
                .iter()
                .find(|r| r.rtype == record.rtype && r.set_identifier == record.set_identifier);
            item(
                what,
                cur.is_some_and(|c| steps::same_record(c, record)),
                cur.map(|r| r.describe()).unwrap_or_else(|| "absent".into()),
            )
        }
        Err(e) => unreadable(what, &e),
    };
    (it, Estimate(Some(Duration::ZERO)))
}

fn describe_actions(actions: &[ListenerAction]) -> String {
    actions
        .iter()
        .map(ListenerAction::describe)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A listener has its wanted default actions.
async fn look_listener(
    c: &Clients,
    arn: &str,
    actions: &[ListenerAction],
) -> (VerifyItem, Estimate) {
    let what = format!("listener {arn}: {}", describe_actions(actions));
    let it = match elbv2::listeners_by_arn(&c.elbv2_for(arn), &[arn.to_string()]).await {
        Ok(ls) => match ls.first() {
            Some(l) => item(
                what,
                steps::same_actions(&l.default_actions, actions),
                describe_actions(&l.default_actions),
            ),
            None => item(what, false, "the listener does not exist".into()),
        },
        Err(e) => unreadable(what, &e),
    };
    (it, Estimate(Some(Duration::ZERO)))
}

/// A maintenance rule exists, or is gone.
async fn look_rule(
    c: &Clients,
    listener: &str,
    arn: Option<&str>,
    priority: u32,
    conditions: &[crate::model::elb::RuleCondition],
    exists: bool,
) -> (VerifyItem, Estimate) {
    let what = format!(
        "maintenance rule at priority {priority} on {listener} {}",
        if exists { "present" } else { "removed" }
    );
    let it = match elbv2::rules(&c.elbv2_for(listener), listener).await {
        Ok(rules) => {
            let found = rules.iter().any(|r| match arn {
                Some(a) => r.arn == a,
                None => r.priority == Some(priority) && r.conditions == conditions,
            });
            item(
                what,
                found == exists,
                if found { "present" } else { "absent" }.into(),
            )
        }
        Err(e) => unreadable(what, &e),
    };
    (it, Estimate(Some(Duration::ZERO)))
}

/// The rules a step moved are at their wanted priorities (a rule deleted meanwhile is not
/// waited for).
async fn look_rule_priorities(
    c: &Clients,
    listener: &str,
    priorities: &[(String, u32)],
) -> (VerifyItem, Estimate) {
    let wanted: Vec<u32> = priorities.iter().map(|(_, p)| *p).collect();
    let what = format!(
        "{} rules of {listener} at priorities {}",
        priorities.len(),
        crate::model::listener_rules::ranges(&wanted)
    );
    let it = match elbv2::rules(&c.elbv2, listener).await {
        Ok(rules) => {
            let off: Vec<String> = priorities
                .iter()
                .filter_map(|(id, want)| {
                    let r = rules
                        .iter()
                        .find(|r| journal::RulePriorities::rule_id(&r.arn) == id)?;
                    (r.priority != Some(*want)).then(|| {
                        format!(
                            "rule {id} at {}",
                            r.priority.map_or_else(|| "-".into(), |p| p.to_string())
                        )
                    })
                })
                .collect();
            item(
                what,
                off.is_empty(),
                if off.is_empty() {
                    "all there".into()
                } else {
                    off.join(", ")
                },
            )
        }
        Err(e) => item(what, false, e.summary()),
    };
    (it, Estimate(Some(Duration::ZERO)))
}

/// An alarm's actions are enabled, or disabled.
async fn look_alarm(
    c: &Clients,
    name: &str,
    region: &str,
    enabled: bool,
) -> (VerifyItem, Estimate) {
    let on_off = |on: bool| if on { "enabled" } else { "disabled" };
    let what = format!("alarm {name} actions {}", on_off(enabled));
    let client = cloudwatch::client_in(&c.cloudwatch, region);
    let it = match cloudwatch::alarms_named(&client, &[name.to_string()]).await {
        Ok(a) => match a.iter().find(|a| a.name == name) {
            Some(a) => item(
                what,
                a.actions_enabled == enabled,
                on_off(a.actions_enabled).into(),
            ),
            None => item(what, false, "the alarm does not exist".into()),
        },
        Err(e) => unreadable(what, &e),
    };
    (it, Estimate(Some(Duration::ZERO)))
}

/// An invalidation has completed.
async fn look_invalidation(c: &Clients, distribution: &str, id: &str) -> (VerifyItem, Estimate) {
    let what = format!("invalidation {id} of {distribution} completed");
    let it = match cloudfront::invalidation(&c.cloudfront, distribution, id).await {
        Ok(inv) => item(
            what,
            inv.status == InvalidationStatus::Completed,
            inv.status.as_str().to_string(),
        ),
        Err(e) => unreadable(what, &e),
    };
    (
        it,
        Estimate(Some(crate::model::cloudfront::INVALIDATION_USUAL)),
    )
}

/// The addresses (or values) an expected answer may hold.
async fn expected_values(resolver: &Resolver, dns: &DnsExpect) -> Result<Vec<String>, String> {
    match dns {
        DnsExpect::Alias(name) => resolver.resolve(name).await,
        DnsExpect::Values(v) => Ok(v.clone()),
        DnsExpect::Any(all) => {
            let mut out = Vec::new();
            for d in all {
                out.extend(Box::pin(expected_values(resolver, d)).await?);
            }
            Ok(out)
        }
    }
}

/// Route 53 answers the record of `rtype` with what is expected; `flip` is how long an inverted
/// check takes to flip first.
async fn look_dns(
    c: &Clients,
    resolver: &Resolver,
    w: &Wanted,
    rtype: &str,
    dns: &DnsExpect,
    flip: Option<Duration>,
) -> (VerifyItem, Estimate) {
    let which = if w.dns.len() > 1 {
        format!(" {rtype}")
    } else {
        String::new()
    };
    let what = format!(
        "Route 53 answers {}{which} with {}",
        w.record,
        dns.describe()
    );
    let expected = expected_values(resolver, dns).await;
    let answer = route53::test_dns_answer(&c.route53, &w.zone_id, &w.record, rtype).await;
    let it = match (answer, expected) {
        (Ok(a), Ok(expected)) => {
            let ok = !a.values.is_empty()
                && a.values.iter().all(|v| expected.contains(v))
                && match dns {
                    DnsExpect::Values(v) => v.iter().all(|x| a.values.contains(x)),
                    DnsExpect::Alias(_) | DnsExpect::Any(_) => true,
                };
            item(what, ok, a.values.join(" "))
        }
        // Not to be had at all: the answer follows from the other items (the Route 53 changes
        // INSYNC, the records and health checks as planned), and is said to be inferred.
        (Err(e), _) if crate::model::infer::answer_unavailable(&e) => item(
            what,
            true,
            format!(
                "inferred, not read ({}): follows from the changes INSYNC and the health checks",
                e.summary()
            ),
        ),
        (Err(e), _) => unreadable(what, &e),
        (_, Err(e)) => item(
            what,
            false,
            format!("cannot resolve the expected target: {e}"),
        ),
    };
    let eta = flip.unwrap_or_default() + crate::model::route53::CHANGE_PROPAGATION;
    (it, Estimate(Some(eta)))
}

/// The distribution is Deployed and enabled.
async fn look_distribution(c: &Clients, id: &str) -> (VerifyItem, Estimate) {
    let what = format!("distribution {id} Deployed and enabled");
    let it = match cloudfront::distribution(&c.cloudfront, id).await {
        Ok(d) => item(
            what,
            d.is_ready(),
            format!(
                "{}, {}",
                d.status.as_str(),
                if d.enabled { "enabled" } else { "disabled" }
            ),
        ),
        Err(e) => unreadable(what, &e),
    };
    (it, Estimate(Some(crate::model::cloudfront::DEPLOY_USUAL)))
}

/// How long a target of the group takes at most to be seen healthy: its health check's interval
/// x healthy threshold, and one interval more for the check under way.
async fn target_group_estimate(c: &Clients, tg: &str) -> Estimate {
    match elbv2::target_groups_by_arn(&c.elbv2_for(tg), &[tg.to_string()]).await {
        Ok(groups) => Estimate(
            groups
                .first()
                .map(|g| g.health_check.worst_case_healthy() + g.health_check.interval),
        ),
        Err(_) => Estimate(None),
    }
}

/// The target group the listener now forwards to has a healthy target.
async fn target_group_item(c: &Clients, tg: &str) -> VerifyItem {
    let what = format!(
        "target group {} has healthy targets",
        crate::model::elb::target_group_name(tg)
    );
    match elbv2::target_health(&c.elbv2_for(tg), tg).await {
        Ok(targets) => {
            let healthy = targets
                .iter()
                .filter(|t| t.state == crate::model::elb::TargetState::Healthy)
                .count();
            item(
                what,
                healthy > 0,
                format!(
                    "{healthy} of {} healthy{}",
                    targets.len(),
                    targets
                        .iter()
                        .filter(|t| t.state != crate::model::elb::TargetState::Healthy)
                        .map(|t| format!("; {} {}", t.id, t.state.as_str()))
                        .collect::<String>()
                ),
            )
        }
        Err(e) => unreadable(what, &e),
    }
}

/// Verifies until everything converged or `timeout`, sending a [`Progress::Verify`] after each
/// look.
pub async fn run(
    c: &Clients,
    resolver: &Resolver,
    wanted: Wanted,
    timeout: Duration,
    every: Duration,
    progress: &UnboundedSender<Progress>,
    halt: &[tokio_util::sync::CancellationToken],
) -> Verification {
    let t0 = Instant::now();
    let speed = c.clock.speed();
    let mut countdown: Option<Countdown> = None;
    let prober = Prober::from_env(resolver.clone());
    // When each condition was first seen converged.
    let mut first_converged: std::collections::HashMap<String, OffsetDateTime> =
        std::collections::HashMap::new();
    loop {
        let mut looked = look(c, resolver, &prober, &wanted).await;
        let elapsed = t0.elapsed();
        let wall_now = OffsetDateTime::now_utc();
        for (i, _) in &mut looked {
            if i.converged {
                i.converged_at = Some(*first_converged.entry(i.what.clone()).or_insert(wall_now));
            }
        }
        let converged = looked.iter().all(|(i, _)| i.converged);
        // Nothing left to wait for: every condition converged or cannot be checked at all (a
        // condition that cannot be checked is reported, never waited for nor passed).
        let settled = looked
            .iter()
            .all(|(i, _)| i.result != CheckResult::Failed && !i.retry);
        // What is left of the worst case, in AWS time (the estimates are AWS durations).
        let left = looked
            .iter()
            .filter(|(i, _)| i.result == CheckResult::Failed || i.retry)
            .filter_map(|(_, e)| e.0)
            .max()
            .map(|d| d.saturating_sub(elapsed.mul_f64(speed.max(0.0))))
            .unwrap_or_default();
        let cd = countdown
            .get_or_insert_with(|| Countdown::start(wall_now, speed, left, wanted.caches.clone()));
        // AWS converged once every condition but the probe did: clients see it by then plus
        // what their caches hold; the probe (a client) seeing it too does not move that on.
        let aws_items = if wanted.probe.is_some() {
            &looked[..looked.len().saturating_sub(1)]
        } else {
            &looked[..]
        };
        if aws_items.iter().all(|(i, _)| i.converged) {
            cd.converged_at(wall_now);
        } else {
            cd.update(wall_now, left);
        }
        let cd = cd.clone();
        let items: Vec<VerifyItem> = looked.into_iter().map(|(i, _)| i).collect();
        let _ = progress.send(Progress::Verify {
            items: items.clone(),
            eta: Some(cd.remaining(wall_now)),
            countdown: Some(cd.clone()),
        });
        let halted = halt.iter().any(|t| t.is_cancelled());
        if settled || elapsed >= timeout || halted {
            return Verification {
                converged,
                items,
                waited_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
                countdown: Some(cd),
            };
        }
        let nap = tokio::time::sleep(every.min(timeout.saturating_sub(elapsed)));
        if halt.is_empty() {
            nap.await;
        } else {
            // Halting wakes it at once (the look that follows is the last).
            let any = futures::future::select_all(halt.iter().map(|t| Box::pin(t.cancelled())));
            tokio::select! {
                () = nap => {}
                _ = any => {}
            }
        }
    }
}
