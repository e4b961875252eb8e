//! Verification after a switch: looks again and again until every change has converged (the
//! Route 53 change INSYNC, the health check flipped, TestDNSAnswer giving the expected record,
//! the listener's action as planned, the distribution Deployed), or the time is up.

use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::mpsc::UnboundedSender;

use crate::aws::client::Clients;
use crate::aws::dns::Resolver;
use crate::aws::{cloudfront, cloudwatch, elbv2, route53};
use crate::model::cloudfront::InvalidationStatus;
use crate::model::route53::{ChangeStatus, PendingChange, normalize_dns_name};

use super::journal::Step;
use super::plan::{Progress, VerifyItem};
use super::steps::{self, Expect, Towards};

/// What the DNS answer should be.
#[derive(Clone, Debug, PartialEq)]
pub enum DnsExpect {
    /// The addresses this alias target resolves to.
    Alias(String),
    /// These values exactly.
    Values(Vec<String>),
}

/// Everything verification waits for.
pub struct Wanted {
    pub steps: Vec<(Step, Towards)>,
    pub changes: Vec<PendingChange>,
    pub dns: Option<DnsExpect>,
    pub zone_id: String,
    pub record: String,
    pub record_type: String,
    pub distribution: Option<String>,
}

/// The result of a verification.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verification {
    /// Every item converged.
    pub converged: bool,
    /// The last look at each item.
    pub items: Vec<VerifyItem>,
    /// How long verification took.
    pub waited_ms: u64,
}

/// Route 53's rule: an endpoint is healthy when more than 18% of its checkers say so.
pub fn share_healthy(ok: usize, total: usize) -> bool {
    total > 0 && (ok as f64) / (total as f64) > crate::model::route53::HEALTHY_CHECKER_SHARE
}

fn item(what: String, converged: bool, seen: String) -> VerifyItem {
    VerifyItem {
        what,
        converged,
        seen,
    }
}

/// How long an item usually takes at most, for the ETA.
struct Estimate(Option<Duration>);

/// Looks once at everything wanted.
async fn look(c: &Clients, resolver: &Resolver, w: &Wanted) -> Vec<(VerifyItem, Estimate)> {
    let mut out = Vec::new();
    let change_eta = Estimate(Some(crate::model::route53::CHANGE_PROPAGATION));
    for ch in &w.changes {
        let it = match route53::get_change(&c.route53, &ch.id).await {
            Ok(p) => item(
                format!("Route 53 change {} INSYNC", ch.id),
                p.status == ChangeStatus::Insync,
                format!("{:?}", p.status).to_uppercase(),
            ),
            Err(e) => item(
                format!("Route 53 change {} INSYNC", ch.id),
                false,
                e.summary(),
            ),
        };
        out.push((it, Estimate(change_eta.0)));
    }
    let mut flip = None;
    for (s, towards) in &w.steps {
        let Some(expect) = steps::expectation(s, *towards) else {
            continue;
        };
        match expect {
            Expect::Inverted { id, inverted } => {
                let what = format!("health check {id} Inverted={inverted}");
                match route53::health_check(&c.route53, &id).await {
                    Err(e) => out.push((item(what, false, e.summary()), Estimate(None))),
                    Ok(hc) => {
                        let period = hc.request_interval * hc.failure_threshold.max(1);
                        flip = Some(period);
                        out.push((
                            item(
                                what,
                                hc.inverted == inverted,
                                format!("Inverted={}", hc.inverted),
                            ),
                            Estimate(Some(Duration::ZERO)),
                        ));
                        let want_healthy = !inverted;
                        let what = format!(
                            "health check {id} {} to Route 53",
                            if want_healthy { "healthy" } else { "unhealthy" }
                        );
                        let it = match route53::health_check_status(&c.route53, &id).await {
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
                            Ok(_) => item(
                                what,
                                true,
                                "no checker observations (a metric check): judged by the DNS answer"
                                    .into(),
                            ),
                            Err(e) => item(what, false, e.summary()),
                        };
                        out.push((it, Estimate(Some(period))));
                    }
                }
            }
            Expect::Record { zone, record } => {
                let what = format!("record {} {}", record.name, record.describe());
                let at = route53::records_at(
                    &c.route53,
                    &zone,
                    &record.name,
                    &super::journal::record_name(&record.name),
                )
                .await;
                let it = match at {
                    Ok(at) => {
                        let cur = at.records.iter().find(|r| {
                            r.rtype == record.rtype && r.set_identifier == record.set_identifier
                        });
                        item(
                            what,
                            cur.is_some_and(|c| steps::same_record(c, &record)),
                            cur.map(|r| r.describe()).unwrap_or_else(|| "absent".into()),
                        )
                    }
                    Err(e) => item(what, false, e.summary()),
                };
                out.push((it, Estimate(Some(Duration::ZERO))));
            }
            Expect::Listener { arn, actions } => {
                for tg in steps::forwarded_target_groups(s, *towards) {
                    out.push((target_group_item(c, &tg).await, Estimate(None)));
                }
                let shown: Vec<String> = actions
                    .iter()
                    .map(crate::model::elb::ListenerAction::describe)
                    .collect();
                let what = format!("listener {arn}: {}", shown.join(", "));
                let it = match elbv2::listeners_by_arn(&c.elbv2, std::slice::from_ref(&arn)).await {
                    Ok(ls) => match ls.first() {
                        Some(l) => item(
                            what,
                            steps::same_actions(&l.default_actions, &actions),
                            l.default_actions
                                .iter()
                                .map(crate::model::elb::ListenerAction::describe)
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                        None => item(what, false, "the listener does not exist".into()),
                    },
                    Err(e) => item(what, false, e.summary()),
                };
                out.push((it, Estimate(Some(Duration::ZERO))));
            }
            Expect::Rule {
                listener,
                arn,
                priority,
                exists,
            } => {
                let what = format!(
                    "maintenance rule at priority {priority} on {listener} {}",
                    if exists { "present" } else { "removed" }
                );
                let it = match elbv2::rules(&c.elbv2, &listener).await {
                    Ok(rules) => {
                        let found = rules.iter().any(|r| match &arn {
                            Some(a) => &r.arn == a,
                            None => r.priority == Some(priority),
                        });
                        item(
                            what,
                            found == exists,
                            if found { "present" } else { "absent" }.into(),
                        )
                    }
                    Err(e) => item(what, false, e.summary()),
                };
                out.push((it, Estimate(Some(Duration::ZERO))));
            }
            Expect::Alarm {
                name,
                region,
                enabled,
            } => {
                let what = format!(
                    "alarm {name} actions {}",
                    if enabled { "enabled" } else { "disabled" }
                );
                let client = cloudwatch::client_in(&c.cloudwatch, &region);
                let it = match cloudwatch::alarms_named(&client, std::slice::from_ref(&name)).await
                {
                    Ok(a) => match a.iter().find(|a| a.name == name) {
                        Some(a) => item(
                            what,
                            a.actions_enabled == enabled,
                            if a.actions_enabled {
                                "enabled"
                            } else {
                                "disabled"
                            }
                            .into(),
                        ),
                        None => item(what, false, "the alarm does not exist".into()),
                    },
                    Err(e) => item(what, false, e.summary()),
                };
                out.push((it, Estimate(Some(Duration::ZERO))));
            }
            Expect::Invalidation { distribution, id } => {
                let what = format!("invalidation {id} of {distribution} completed");
                let it = match cloudfront::invalidation(&c.cloudfront, &distribution, &id).await {
                    Ok(inv) => item(
                        what,
                        inv.status == InvalidationStatus::Completed,
                        inv.status.as_str().to_string(),
                    ),
                    Err(e) => item(what, false, e.summary()),
                };
                out.push((it, Estimate(None)));
            }
        }
    }
    if let Some(dns) = &w.dns {
        let (what, expected) = match dns {
            DnsExpect::Alias(name) => (
                format!(
                    "Route 53 answers {} with {}",
                    w.record,
                    normalize_dns_name(name)
                ),
                resolver.resolve(name).await,
            ),
            DnsExpect::Values(v) => (
                format!("Route 53 answers {} with {}", w.record, v.join(" ")),
                Ok(v.clone()),
            ),
        };
        let answer =
            route53::test_dns_answer(&c.route53, &w.zone_id, &w.record, &w.record_type).await;
        let it = match (answer, expected) {
            (Ok(a), Ok(expected)) => {
                let ok = !a.values.is_empty()
                    && a.values.iter().all(|v| expected.contains(v))
                    && match dns {
                        DnsExpect::Values(v) => v.iter().all(|x| a.values.contains(x)),
                        DnsExpect::Alias(_) => true,
                    };
                item(what, ok, a.values.join(" "))
            }
            (Err(e), _) => item(what, false, e.summary()),
            (_, Err(e)) => item(
                what,
                false,
                format!("cannot resolve the expected target: {e}"),
            ),
        };
        let eta = flip.unwrap_or_default() + crate::model::route53::CHANGE_PROPAGATION;
        out.push((it, Estimate(Some(eta))));
    }
    if let Some(id) = &w.distribution {
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
            Err(e) => item(what, false, e.summary()),
        };
        out.push((it, Estimate(None)));
    }
    out
}

/// The target group the listener now forwards to has a healthy target.
async fn target_group_item(c: &Clients, tg: &str) -> VerifyItem {
    let what = format!(
        "target group {} has healthy targets",
        crate::model::elb::target_group_name(tg)
    );
    match elbv2::target_health(&c.elbv2, tg).await {
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
        Err(e) => item(what, false, e.summary()),
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
) -> Verification {
    let t0 = Instant::now();
    loop {
        let looked = look(c, resolver, &wanted).await;
        let elapsed = t0.elapsed();
        let converged = looked.iter().all(|(i, _)| i.converged);
        let eta = looked
            .iter()
            .filter(|(i, _)| !i.converged)
            .filter_map(|(_, e)| e.0)
            .max()
            .map(|d| d.saturating_sub(elapsed));
        let items: Vec<VerifyItem> = looked.into_iter().map(|(i, _)| i).collect();
        let _ = progress.send(Progress::Verify {
            items: items.clone(),
            eta: if converged { Some(Duration::ZERO) } else { eta },
        });
        if converged || elapsed >= timeout {
            return Verification {
                converged,
                items,
                waited_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            };
        }
        tokio::time::sleep(every.min(timeout.saturating_sub(elapsed))).await;
    }
}
