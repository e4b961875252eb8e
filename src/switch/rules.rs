//! The listener rules of a switch. An ALB listener answers most requests by its rules, not by its
//! default action: the maintenance page covers the site only when it comes before every rule
//! that reaches the app. This module makes room at the top of a listener for
//! `alb-maintenance-rule` (moving the rules in the way down with one SetRulePriorities call, and
//! back on fail back), and names in the preflight every rule that would bypass the maintenance
//! page.

use crate::aws::client::Clients;
use crate::aws::elbv2;
use crate::config::{RulePriority, Site, Strategy};
use crate::model::elb::{LoadBalancerKind, Rule};
use crate::model::journal::{Change, RulePriorities, RuleRole, Step};
use crate::model::listener_rules::{self, ranges};
use crate::model::site::SiteObservations;

use super::plan::{CheckResult, PreflightCheck};
use super::steps::{Applied, StepError, Towards};

/// The rules of a listener as observed, or why they are not known.
pub fn observed<'a>(o: &'a SiteObservations, listener: &str) -> Result<&'a [Rule], String> {
    let slot = o
        .rules
        .get(listener)
        .ok_or_else(|| format!("the rules of listener {listener} were not read"))?;
    match (slot.get(), &slot.error) {
        (Some(rules), _) => Ok(rules.as_slice()),
        (None, Some(e)) => Err(format!(
            "the rules of listener {listener} cannot be read: {}",
            e.error.summary()
        )),
        (None, None) => Err(format!("the rules of listener {listener} were not read")),
    }
}

/// The priorities `alb-maintenance-rule` gives its rules on a listener: the operators' rule (if
/// someone is let through) and everyone else's. `first` is priority 1, as an omitted priority
/// always was: the operators' rule at 1, everyone else's at 2 (1 stays free when nobody is let
/// through, so that a journal of either kind names the same priorities).
pub fn priorities(priority: RulePriority, allow: bool) -> (Option<u32>, u32) {
    let base = match priority {
        RulePriority::First => 1,
        RulePriority::At(p) => p,
    };
    (allow.then_some(base), base.saturating_add(1))
}

/// The step that moves the listener's rules out of priorities 1 to `n`, keeping their order;
/// `None` when those priorities are free.
pub fn make_room_step(
    strategy: &str,
    o: &SiteObservations,
    listener: &str,
    n: u32,
) -> Result<Option<Step>, String> {
    let rules = observed(o, listener).map_err(|why| {
        format!(
            "{strategy}: {why}; the rules must be known to put the maintenance rule ahead of them"
        )
    })?;
    let moves = listener_rules::make_room_first(rules, n)
        .map_err(|why| format!("{strategy}: listener {listener}: {why}"))?;
    if moves.is_empty() {
        return Ok(None);
    }
    let id = |arn: &str| RulePriorities::rule_id(arn).to_string();
    let change = Change::RulePriorities {
        before: RulePriorities {
            rules: moves
                .iter()
                .map(|(arn, from, _)| (id(arn), *from))
                .collect(),
        },
        after: RulePriorities {
            rules: moves.iter().map(|(arn, _, to)| (id(arn), *to)).collect(),
        },
    };
    Ok(Some(Step::planned(strategy, listener, change)))
}

/// One line for the plan: `36 rules at priorities 1–36`.
pub fn show(v: &RulePriorities) -> String {
    let priorities: Vec<u32> = v.rules.iter().map(|(_, p)| *p).collect();
    format!(
        "{} rule{} at priorit{} {}",
        v.rules.len(),
        if v.rules.len() == 1 { "" } else { "s" },
        if priorities.len() == 1 { "y" } else { "ies" },
        ranges(&priorities)
    )
}

/// SetRulePriorities towards `to`, from `from`: every rule of the step that is at its `from`
/// priority moves, in one call. A rule at neither priority was moved by someone else: a conflict,
/// never overwritten. Going back, a rule deleted meanwhile is left out (said in the note); going
/// forward it is a conflict.
pub async fn apply(
    c: &Clients,
    listener: &str,
    from: &RulePriorities,
    to: &RulePriorities,
    towards: Towards,
) -> Result<Applied, StepError> {
    let current = elbv2::rules(&c.elbv2, listener).await?;
    let now_at = |id: &str| {
        current
            .iter()
            .filter(|r| !r.is_default)
            .find(|r| RulePriorities::rule_id(&r.arn) == id)
    };
    let mut pairs: Vec<(String, u32)> = Vec::new();
    let mut gone: Vec<&str> = Vec::new();
    for (id, want) in &to.rules {
        let was = from.of(id);
        match now_at(id).map(|r| (r, r.priority)) {
            None if towards == Towards::Original => gone.push(id),
            None => {
                return Err(StepError::Conflict(format!(
                    "rule {id} of listener {listener} no longer exists; nothing was moved"
                )));
            }
            Some((_, Some(p))) if p == *want => {}
            Some((r, Some(p))) if Some(p) == was => pairs.push((r.arn.clone(), *want)),
            Some((_, p)) => {
                return Err(StepError::Conflict(format!(
                    "rule {id} of listener {listener} is at priority {}, expected {} or {want}: someone else moved it; not overwritten",
                    p.map_or_else(|| "none".to_string(), |p| p.to_string()),
                    was.map_or_else(|| "none".to_string(), |p| p.to_string()),
                )));
            }
        }
    }
    let gone_note = if gone.is_empty() {
        String::new()
    } else {
        format!(
            "; {} rule(s) deleted meanwhile, not restored: {}",
            gone.len(),
            gone.join(", ")
        )
    };
    if pairs.is_empty() {
        return Ok(Applied {
            skipped: true,
            note: format!("the rules are already at those priorities{gone_note}"),
            ..Applied::default()
        });
    }
    // A priority wanted that a rule outside the step holds: say which, instead of AWS's bare
    // PriorityInUse.
    for (arn, want) in &pairs {
        if let Some(other) = current.iter().find(|r| {
            r.priority == Some(*want)
                && !r.is_default
                && to.of(RulePriorities::rule_id(&r.arn)).is_none()
        }) {
            return Err(StepError::Conflict(format!(
                "priority {want} on listener {listener}, wanted for rule {}, is taken by rule {} ({}), which this step does not move; nothing was moved",
                RulePriorities::rule_id(arn),
                RulePriorities::rule_id(&other.arn),
                listener_rules::conditions_text(other)
            )));
        }
    }
    elbv2::set_rule_priorities(&c.elbv2, &pairs).await?;
    let before: Vec<u32> = pairs
        .iter()
        .filter_map(|(arn, _)| from.of(RulePriorities::rule_id(arn)))
        .collect();
    let after: Vec<u32> = pairs.iter().map(|(_, p)| *p).collect();
    Ok(Applied {
        note: format!(
            "moved {} rules from priorities {} to {}{gone_note}",
            pairs.len(),
            ranges(&before),
            ranges(&after)
        ),
        ..Applied::default()
    })
}

/// Where the maintenance rule of a plan goes on a listener: its priority in the steps, and the
/// rules switchyard creates there (which are not the site's own).
fn maintenance_priority(all: &[(&Step, Towards)], listener: &str) -> Option<u32> {
    all.iter().find_map(|(s, _)| match &s.change {
        Change::CreateRule { after, .. }
            if s.resource == listener && after.role == RuleRole::Maintenance =>
        {
            Some(after.priority)
        }
        _ => None,
    })
}

/// The rules a plan moves on a listener: rule ID -> priority after.
fn moved<'a>(all: &'a [(&Step, Towards)], listener: &str) -> Option<&'a RulePriorities> {
    all.iter().find_map(|(s, _)| match &s.change {
        Change::RulePriorities { after, .. } if s.resource == listener => Some(after),
        _ => None,
    })
}

/// One rule for a preflight line: `rule 3 (path /api/*) forwards to shop-api`.
fn rule_line(r: &Rule) -> String {
    format!(
        "rule {} ({}) {}",
        r.priority
            .map_or_else(|| "-".to_string(), |p| p.to_string()),
        listener_rules::conditions_text(r),
        listener_rules::action_text(r).replacen("forward to", "forwards to", 1)
    )
}

fn check(name: &str, passed: bool, detail: String) -> PreflightCheck {
    PreflightCheck::new(name, CheckResult::from_passed(passed), detail)
}

const BYPASS: &str = "no listener rule bypasses the maintenance page";

/// The preflight checks on the listener rules before entering maintenance (a new entry; a
/// resumed one was checked when it began), for each listener strategy of the site: one failed check for every rule that would still send requests to the
/// app (it needs `--force`), or one passed check that says which rules the switch covers. A
/// listener whose rules cannot be read is a failed check: a check not made is never a pass.
pub fn preflight(
    site: &Site,
    o: &SiteObservations,
    all: &[(&Step, Towards)],
) -> Vec<PreflightCheck> {
    let mut out = Vec::new();
    for strategy in &site.maintenance {
        match strategy {
            Strategy::MaintenanceRule { listener, .. } => {
                let Some(at) = maintenance_priority(all, listener) else {
                    continue;
                };
                out.extend(maintenance_rule_checks(
                    o,
                    listener,
                    at,
                    moved(all, listener),
                ));
            }
            Strategy::ListenerSorry { listener, .. } => {
                let is_alb = o
                    .all_listeners()
                    .into_iter()
                    .find(|l| &l.arn == listener)
                    .and_then(|l| o.load_balancer(&l.lb_arn))
                    .map_or(listener.contains(":listener/app/"), |lb| {
                        lb.kind == LoadBalancerKind::Application
                    });
                if is_alb
                    && all.iter().any(|(s, _)| {
                        &s.resource == listener
                            && matches!(s.change, Change::ListenerDefaultActions { .. })
                    })
                {
                    out.extend(listener_sorry_checks(o, listener));
                }
            }
            _ => {}
        }
    }
    out
}

/// `alb-maintenance-rule` with its maintenance rule at `at`: every existing rule before it that
/// reaches the app bypasses it (rules the plan moves are counted where they will be).
fn maintenance_rule_checks(
    o: &SiteObservations,
    listener: &str,
    at: u32,
    moved: Option<&RulePriorities>,
) -> Vec<PreflightCheck> {
    let rules = match observed(o, listener) {
        Ok(r) => r,
        Err(why) => return vec![check(BYPASS, false, why)],
    };
    let place = |r: &Rule| -> Option<u32> {
        moved
            .and_then(|m| m.of(RulePriorities::rule_id(&r.arn)))
            .or(r.priority)
    };
    let mut ahead: Vec<&Rule> = listener_rules::reaching_the_app(o, rules)
        .into_iter()
        .filter(|r| place(r).is_some_and(|p| p < at))
        .collect();
    ahead.sort_by_key(|r| r.priority);
    if !ahead.is_empty() {
        return ahead
            .iter()
            .map(|r| {
                check(
                    BYPASS,
                    false,
                    format!(
                        "{} ahead of the maintenance rule at priority {at} on {listener}: those requests still reach the app (priority = \"first\" puts the maintenance rule ahead of every rule)",
                        rule_line(r)
                    ),
                )
            })
            .collect();
    }
    let all = listener_rules::ordered(rules);
    let to_app = listener_rules::reaching_the_app(o, rules).len();
    let detail = if all.is_empty() {
        format!(
            "listener {listener} has no rules: the maintenance rule at priority {at} takes every request"
        )
    } else {
        let moving = moved.map_or(String::new(), |m| {
            let from: Vec<u32> = m
                .rules
                .iter()
                .filter_map(|(id, _)| {
                    all.iter()
                        .find(|r| RulePriorities::rule_id(&r.arn) == id)
                        .and_then(|r| r.priority)
                })
                .collect();
            let to: Vec<u32> = m.rules.iter().map(|(_, p)| *p).collect();
            format!(
                "; {} of them move from priorities {} to {} (SetRulePriorities, put back on fail back)",
                m.rules.len(),
                ranges(&from),
                ranges(&to)
            )
        });
        format!(
            "the maintenance rule at priority {at} comes before all {} rules of listener {listener} ({to_app} of them forward to the app){moving}",
            all.len()
        )
    };
    vec![check(BYPASS, true, detail)]
}

/// `elb-listener-sorry` on an ALB listener: its default action takes only the requests no rule
/// matches, so every rule that reaches the app bypasses the sorry page.
fn listener_sorry_checks(o: &SiteObservations, listener: &str) -> Vec<PreflightCheck> {
    let rules = match observed(o, listener) {
        Ok(r) => r,
        Err(why) => return vec![check(BYPASS, false, why)],
    };
    let ahead = listener_rules::reaching_the_app(o, rules);
    if ahead.is_empty() {
        let n = listener_rules::ordered(rules).len();
        if n == 0 {
            return Vec::new();
        }
        return vec![check(
            BYPASS,
            true,
            format!(
                "none of the {n} rules of listener {listener} forwards to the app: the default action covers the site"
            ),
        )];
    }
    ahead
        .iter()
        .map(|r| {
            check(
                BYPASS,
                false,
                format!(
                    "{} on {listener}: elb-listener-sorry changes only the default action, so those requests still reach the app (alb-maintenance-rule with priority = \"first\" covers every rule)",
                    rule_line(r)
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_take_the_lowest_priorities_when_first() {
        assert_eq!(priorities(RulePriority::First, true), (Some(1), 2));
        assert_eq!(priorities(RulePriority::First, false), (None, 2));
        assert_eq!(priorities(RulePriority::At(10), true), (Some(10), 11));
        assert_eq!(priorities(RulePriority::At(10), false), (None, 11));
    }

    #[test]
    fn a_plan_line_says_how_many_rules_and_where() {
        let v = RulePriorities {
            rules: vec![
                ("a".into(), 1),
                ("b".into(), 2),
                ("c".into(), 3),
                ("d".into(), 7),
            ],
        };
        assert_eq!(show(&v), "4 rules at priorities 1–3, 7");
        let one = RulePriorities {
            rules: vec![("a".into(), 5)],
        };
        assert_eq!(show(&one), "1 rule at priority 5");
    }
}
