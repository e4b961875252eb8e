//! The steps of each strategy: built from fresh observations, applied towards maintenance or
//! back to the original, each idempotently (a step already in the wanted state is skipped, a
//! step whose resource changed behind our back is a conflict, never overwritten).
//!
//! A step is a [`Change`] of the journal (see [`crate::model::journal`] for how it is kept):
//! its kind decides the AWS calls, its typed `before` and `after` values what they send.

use crate::aws::client::Clients;
use crate::aws::route53::RecordAction;
use crate::aws::{cloudfront, cloudwatch, elbv2, route53};
use crate::config::{AlarmRef, OperatorAllow, RulePriority, Site, SorryAction, Strategy};
use crate::model::elb::{ActionKind, Listener, ListenerAction, RuleCondition};
use crate::model::error::AwsError;
use crate::model::journal::{
    self, AlarmActions, Change, DefaultActions, Invalidation, Inversion, NewRule, RecordBatch,
    RecordValue, RuleRole, Step, StepState,
};
use crate::model::route53::{PendingChange, Policy, RecordSet};
use crate::model::site::{RecordLayout, SiteObservations};
use crate::model::stack;

/// The tag that marks the listener rules switchyard creates, with the site's name as value.
pub const RULE_TAG_SITE: &str = "switchyard:site";
/// The tag that tells a site's two rules apart (`allow` or `maintenance`).
pub const RULE_TAG_ROLE: &str = "switchyard:rule";

/// Which way a step goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Towards {
    /// The maintenance value (`after`).
    Maintenance,
    /// The original value (`before`).
    Original,
}

impl Towards {
    /// The value a step goes from and the value it goes to.
    fn pick<'a, T>(self, before: &'a T, after: &'a T) -> (&'a T, &'a T) {
        match self {
            Towards::Maintenance => (before, after),
            Towards::Original => (after, before),
        }
    }

    /// The value a step goes to.
    fn wanted<'a, T>(self, before: &'a T, after: &'a T) -> &'a T {
        self.pick(before, after).1
    }
}

/// What applying a step did.
#[derive(Clone, Debug, Default)]
pub struct Applied {
    /// Already in the wanted state: nothing was called.
    pub skipped: bool,
    /// A note for the operator ("HealthCheckVersion 3 -> 4").
    pub note: String,
    /// The Route 53 change submitted, to wait for INSYNC.
    pub change: Option<PendingChange>,
    /// The step's change, completed with what AWS returned (a rule's ARN, an invalidation ID).
    pub completed: Option<Change>,
}

/// Why a step could not be applied.
#[derive(Clone, Debug)]
pub enum StepError {
    Aws(AwsError),
    /// The resource is neither in the original nor in the maintenance state: someone changed it.
    Conflict(String),
}

impl StepError {
    /// The error may come from a call AWS carried out: the SDK's retry of a call whose answer
    /// was lost fails on the first call's effect, and a dropped connection says nothing either way.
    pub fn may_have_landed(&self) -> bool {
        let StepError::Aws(e) = self else {
            return false;
        };
        e.kind == crate::model::error::ErrorKind::Network
            || matches!(
                e.code.as_deref(),
                Some("HealthCheckVersionMismatch" | "PriorityInUse" | "InvalidChangeBatch")
            )
    }

    /// AWS refused the call for lack of access or credentials.
    pub fn is_access(&self) -> bool {
        matches!(self, StepError::Aws(e) if matches!(e.kind, crate::model::error::ErrorKind::AccessDenied | crate::model::error::ErrorKind::Credentials))
    }
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::Aws(e) => f.write_str(&explain(e)),
            StepError::Conflict(s) => f.write_str(s),
        }
    }
}

/// An AWS error in the operator's words, with the concurrency errors spelled out.
pub fn explain(e: &AwsError) -> String {
    match e.code.as_deref() {
        Some("HealthCheckVersionMismatch") => format!(
            "the health check was changed by someone else since it was read (stale HealthCheckVersion): {}; nothing was changed by this call, plan again",
            e.summary()
        ),
        Some("PreconditionFailed") => format!(
            "the distribution was changed by someone else since it was read (stale ETag / IfMatch): {}; plan again",
            e.summary()
        ),
        Some("PriorityInUse") => format!(
            "a listener rule already uses that priority: {}; choose another `priority` in the config",
            e.summary()
        ),
        Some("InvalidChangeBatch") => format!(
            "Route 53 refused the change batch (the record changed since it was read?): {}",
            e.summary()
        ),
        _ => e.summary(),
    }
}

impl From<AwsError> for StepError {
    fn from(e: AwsError) -> StepError {
        StepError::Aws(e)
    }
}

/// The steps of every strategy of a site, from fresh observations. `stamp` makes the
/// invalidation caller references unique to this maintenance window.
pub fn build(site: &Site, o: &SiteObservations, stamp: &str) -> Result<Vec<Step>, String> {
    let mut out = Vec::new();
    for strategy in &site.maintenance {
        out.extend(build_one(site, o, strategy, stamp)?);
    }
    Ok(out)
}

/// The steps of one of the site's strategies, as it reads the site now.
pub fn build_strategy(
    site: &Site,
    o: &SiteObservations,
    strategy: &Strategy,
    stamp: &str,
) -> Result<Vec<Step>, String> {
    build_one(site, o, strategy, stamp)
}

fn build_one(
    site: &Site,
    o: &SiteObservations,
    strategy: &Strategy,
    stamp: &str,
) -> Result<Vec<Step>, String> {
    let name = strategy.name();
    match strategy {
        Strategy::InvertHealthCheck { health_check } => {
            invert_steps(site, o, name, health_check.as_deref())
        }
        Strategy::SwapPrimary => Ok(vec![swap_primary_step(site, o, name)?]),
        Strategy::SetRecord { values, ttl } => {
            Ok(vec![set_record_step(site, o, name, values, *ttl)?])
        }
        Strategy::WeightedSorry {
            sorry_member,
            weight,
        } => Ok(
            weighted_sorry_step(site, o, name, sorry_member.as_deref(), *weight)?
                .into_iter()
                .collect(),
        ),
        Strategy::ListenerSorry { listener, action } => {
            let l = find_listener(o, listener)?;
            check_restorable(name, &l.default_actions, listener)?;
            let change = Change::ListenerDefaultActions {
                before: DefaultActions {
                    default_actions: l.default_actions.clone(),
                },
                after: DefaultActions {
                    default_actions: vec![sorry_action(action)],
                },
            };
            Ok(vec![Step::planned(name, listener, change)])
        }
        Strategy::MaintenanceRule {
            listener,
            priority,
            allow,
            action,
        } => maintenance_rule_steps(o, name, listener, *priority, allow, action),
        Strategy::SilenceAlarms { alarms } => silence_alarm_steps(site, o, name, alarms),
        Strategy::Invalidate {
            distribution,
            paths,
            on_fail_back,
        } => {
            let id = distribution
                .clone()
                .or_else(|| site.distribution.clone())
                .or_else(|| o.distribution.as_ref().map(|d| d.id.clone()))
                .filter(|id| !id.is_empty())
                .ok_or_else(|| {
                    format!(
                        "{name}: no distribution: name one in the strategy or the site (none was found behind {})",
                        site.record
                    )
                })?;
            let change = Change::Invalidate {
                before: journal::Absent,
                after: Invalidation {
                    paths: paths.clone(),
                    caller_reference: format!("switchyard-{}-{stamp}-on", site.name),
                    on_fail_back: *on_fail_back,
                    invalidation_id: None,
                },
            };
            Ok(vec![Step::planned(name, &id, change)])
        }
    }
}

/// `route53-invert-health-check`: the named health check, or the health check of the PRIMARY
/// record of every record type (one step per distinct check: a dual-stack pair usually shares
/// one).
fn invert_steps(
    site: &Site,
    o: &SiteObservations,
    name: &str,
    health_check: Option<&str>,
) -> Result<Vec<Step>, String> {
    if let Some(id) = health_check {
        return Ok(vec![invert_step(o, name, id)?]);
    }
    let mut ids: Vec<String> = Vec::new();
    for t in o.covered_types() {
        let layout = o.layout_of(&t);
        let RecordLayout::Failover { primary, .. } = &layout else {
            return Err(format!(
                "{name}: {} {t} is {}, not a failover pair: there is no PRIMARY health check to \
                 invert{}",
                site.record,
                describe_layout(&layout),
                other_switch(&layout)
            ));
        };
        let id = primary
            .and_then(|p| p.health_check_id.clone())
            .ok_or_else(|| {
                format!(
                    "{name}: the PRIMARY {t} record of {} has no health check to invert (use \
                     route53-swap-primary, or name the health_check){}",
                    site.record,
                    if o.covered_types().len() > 1 {
                        format!(": {} would keep reaching the app", stack::clients_of(&t))
                    } else {
                        String::new()
                    }
                )
            })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids.iter().map(|id| invert_step(o, name, id)).collect()
}

/// Inverting one health check.
fn invert_step(o: &SiteObservations, name: &str, id: &str) -> Result<Step, String> {
    let hc = o.health_check(id).ok_or_else(|| {
        let why = o
            .health_checks
            .get(id)
            .and_then(|h| h.config.error.as_ref().map(|f| &f.error))
            .map(|e| e.summary())
            .unwrap_or_else(|| "not found".into());
        format!("{name}: cannot read health check {id}: {why}")
    })?;
    let change = Change::InvertHealthCheck {
        before: Inversion {
            inverted: hc.inverted,
            health_check_version: Some(hc.version),
        },
        after: Inversion {
            inverted: true,
            health_check_version: None,
        },
    };
    Ok(Step::planned(name, id, change))
}

/// A layout in words, for refusals: `a weighted record set (members blue, green)`.
pub fn describe_layout(layout: &RecordLayout<'_>) -> String {
    match layout {
        RecordLayout::Failover { primary, secondary } => match (primary, secondary) {
            (Some(_), Some(_)) => "a failover pair".into(),
            (Some(_), None) => "a failover pair without a SECONDARY record".into(),
            (None, _) => "a failover pair without a PRIMARY record".into(),
        },
        RecordLayout::Plain(r) if r.alias.is_some() => "one plain alias record".into(),
        RecordLayout::Plain(_) => "one plain record".into(),
        RecordLayout::Routed { policy, members } => format!(
            "a {} record set (members {})",
            policy.as_str(),
            members
                .iter()
                .map(|m| m.set_identifier.as_deref().unwrap_or("?"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        RecordLayout::Missing => "no record".into(),
        RecordLayout::Unsupported => {
            "record sets of a routing policy switchyard does not model".into()
        }
    }
}

/// What to use instead on a layout a DNS strategy does not fit.
fn other_switch(layout: &RecordLayout<'_>) -> &'static str {
    match layout {
        RecordLayout::Routed {
            policy: Policy::Weighted,
            ..
        } => "; use route53-weighted-sorry, which moves the weight to the sorry member",
        RecordLayout::Routed { .. } | RecordLayout::Unsupported => {
            "; switchyard changes no record of this routing policy: switch behind it (a listener \
             strategy on every load balancer the members point at)"
        }
        RecordLayout::Plain(_) => "; use route53-set-record for a plain record",
        _ => "",
    }
}

/// `route53-swap-primary`: the PRIMARY record of every record type takes its SECONDARY's alias
/// target, all in one batch.
fn swap_primary_step(site: &Site, o: &SiteObservations, name: &str) -> Result<Step, String> {
    let mut pairs = Vec::new();
    for t in o.covered_types() {
        let layout = o.layout_of(&t);
        let RecordLayout::Failover {
            primary: Some(p),
            secondary: Some(s),
        } = layout
        else {
            return Err(format!(
                "{name}: {} {t} is {}, not a failover pair with a PRIMARY and a SECONDARY \
                 record{}",
                site.record,
                describe_layout(&layout),
                other_switch(&layout)
            ));
        };
        let Some(alias) = &s.alias else {
            return Err(format!(
                "{name}: the SECONDARY {t} record of {} is not an alias, nothing to swap to",
                site.record
            ));
        };
        let mut after = p.clone();
        let mut target = alias.clone();
        if target.is_cloudfront() {
            // Evaluate Target Health cannot be true for a CloudFront alias.
            target.evaluate_target_health = false;
        }
        after.alias = Some(target);
        after.values = Vec::new();
        after.ttl = None;
        pairs.push((p.clone(), after));
    }
    Ok(records_step(name, site, pairs))
}

/// `route53-set-record`: the site's plain record of every type takes new values (and TTL):
/// IPv4 addresses the A record, IPv6 addresses the AAAA record, a name the CNAME; all in one
/// batch.
fn set_record_step(
    site: &Site,
    o: &SiteObservations,
    name: &str,
    values: &[String],
    ttl: Option<u32>,
) -> Result<Step, String> {
    let family = |v: &String| match v.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => "A",
        Ok(std::net::IpAddr::V6(_)) => "AAAA",
        Err(_) => "CNAME",
    };
    let types = o.covered_types();
    for v in values {
        let t = family(v);
        if !types.iter().any(|x| x == t) {
            return Err(format!(
                "{name}: {v} is for a {t} record, and {} has none (it has {}): switchyard sets \
                 the values of existing records only",
                site.record,
                types.join(" and ")
            ));
        }
    }
    let mut pairs = Vec::new();
    for t in &types {
        let layout = o.layout_of(t);
        let RecordLayout::Plain(r) = layout else {
            return Err(format!(
                "{name}: {} {t} is {}, not one plain record{}",
                site.record,
                describe_layout(&layout),
                other_switch(&layout)
            ));
        };
        if r.alias.is_some() {
            return Err(format!(
                "{name}: {} {t} is an alias record; route53-set-record sets plain values",
                site.record
            ));
        }
        let mine: Vec<String> = values.iter().filter(|v| family(v) == t).cloned().collect();
        if mine.is_empty() {
            return Err(format!(
                "{name}: no value for the {t} record of {} ({} would keep reaching what it \
                 points at now): add {} values",
                site.record,
                stack::clients_of(t),
                if t == "AAAA" { "IPv6" } else { "IPv4" }
            ));
        }
        let mut after = r.clone();
        after.values = mine;
        if let Some(s) = ttl {
            after.ttl = Some(std::time::Duration::from_secs(u64::from(s)));
        }
        pairs.push((r.clone(), after));
    }
    Ok(records_step(name, site, pairs))
}

/// `route53-weighted-sorry`: in the weighted record set of every type, the app's members go to
/// weight 0 and the sorry member to `weight`, in one batch; `None` when every weight already is
/// so.
fn weighted_sorry_step(
    site: &Site,
    o: &SiteObservations,
    name: &str,
    sorry_member: Option<&str>,
    weight: Option<u8>,
) -> Result<Option<Step>, String> {
    let mut pairs = Vec::new();
    for t in o.covered_types() {
        let layout = o.layout_of(&t);
        let RecordLayout::Routed {
            policy: Policy::Weighted,
            members,
        } = &layout
        else {
            let hint = match &layout {
                RecordLayout::Failover { .. } => {
                    "; use route53-invert-health-check or route53-swap-primary for a failover pair"
                }
                other => other_switch(other),
            };
            return Err(format!(
                "{name}: {} {t} is {}, not a weighted record set{hint}",
                site.record,
                describe_layout(&layout)
            ));
        };
        let is_sorry = |r: &RecordSet| match sorry_member {
            Some(id) => r.set_identifier.as_deref() == Some(id),
            None => o.serves_record(r).is_sorry_page(),
        };
        let sorry: Vec<&RecordSet> = members.iter().copied().filter(|r| is_sorry(r)).collect();
        if sorry.is_empty() {
            let seen: Vec<String> = members
                .iter()
                .map(|m| {
                    format!(
                        "{} -> {}",
                        m.set_identifier.as_deref().unwrap_or("?"),
                        o.serves_record(m).as_str()
                    )
                })
                .collect();
            return Err(match sorry_member {
                Some(id) => format!(
                    "{name}: the weighted {t} record set of {} has no member {id:?} (members: {})",
                    site.record,
                    seen.join(", ")
                ),
                None => format!(
                    "{name}: no member of the weighted {t} record set of {} serves the sorry page \
                     (members: {}): add a member of weight 0 whose target is the sorry page, or \
                     name it with sorry_member",
                    site.record,
                    seen.join(", ")
                ),
            });
        }
        if sorry.len() == members.len() {
            return Err(format!(
                "{name}: every member of the weighted {t} record set of {} is the sorry member: \
                 there is no app member to take the weight from",
                site.record
            ));
        }
        let highest_app = members
            .iter()
            .filter(|m| !is_sorry(m))
            .filter_map(|m| m.weight)
            .max()
            .unwrap_or(0);
        for m in members {
            let want = if is_sorry(m) {
                match weight {
                    Some(w) => i64::from(w),
                    None => m.weight.filter(|w| *w > 0).unwrap_or(highest_app.max(1)),
                }
            } else {
                0
            };
            if m.weight != Some(want) {
                let mut after = (*m).clone();
                after.weight = Some(want);
                pairs.push(((*m).clone(), after));
            }
        }
    }
    if pairs.is_empty() {
        return Ok(None);
    }
    Ok(Some(records_step(name, site, pairs)))
}

/// `alb-maintenance-rule`: the operators' rule at `priority` (when someone is let through),
/// everyone else's at `priority + 1`; for `priority = "first"` (priority 1) after a step that
/// moves the rules in the way down.
fn maintenance_rule_steps(
    o: &SiteObservations,
    name: &str,
    listener: &str,
    priority: RulePriority,
    allow: &OperatorAllow,
    action: &SorryAction,
) -> Result<Vec<Step>, String> {
    let l = find_listener(o, listener)?;
    check_restorable(name, &l.default_actions, listener)?;
    let (allow_at, maintenance_at) =
        super::rules::priorities(priority, !matches!(allow, OperatorAllow::Nobody));
    let mut steps = Vec::new();
    if priority == RulePriority::First {
        steps.extend(super::rules::make_room_step(
            name,
            o,
            listener,
            maintenance_at,
        )?);
    }
    let allow_condition = match allow {
        OperatorAllow::Nobody => None,
        OperatorAllow::SourceIp(cidrs) => Some(RuleCondition {
            field: "source-ip".into(),
            values: cidrs.iter().map(|c| c.to_string()).collect(),
            http_header_name: None,
        }),
        OperatorAllow::ForwardedFor(ips) => Some(RuleCondition {
            field: "http-header".into(),
            values: ips.iter().map(|c| c.to_string()).collect(),
            http_header_name: Some("X-Forwarded-For".into()),
        }),
    };
    if let Some(c) = allow_condition {
        // Operators still reach the app: the listener's own default actions.
        let actions: Vec<ListenerAction> = l
            .default_actions
            .iter()
            .map(|a| ListenerAction {
                order: None,
                ..a.clone()
            })
            .collect();
        steps.push(rule_step(
            name,
            listener,
            allow_at.unwrap_or(maintenance_at),
            c,
            actions,
            RuleRole::Allow,
        ));
    }
    let everyone = RuleCondition {
        field: "path-pattern".into(),
        values: vec!["/*".into()],
        http_header_name: None,
    };
    steps.push(rule_step(
        name,
        listener,
        maintenance_at,
        everyone,
        vec![sorry_action(action)],
        RuleRole::Maintenance,
    ));
    Ok(steps)
}

/// `silence-alarms`: one step per alarm, each in its region.
fn silence_alarm_steps(
    site: &Site,
    o: &SiteObservations,
    name: &str,
    alarms: &[AlarmRef],
) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for a in alarms {
        let region = a
            .region
            .clone()
            .unwrap_or_else(|| site.aws.region.clone().unwrap_or_default());
        let seen = o
            .alarms
            .iter()
            .find(|x| {
                x.alarm_ref.name == a.name
                    && a.region.as_ref().is_none_or(|r| &x.alarm_ref.region == r)
            })
            .and_then(|x| x.alarm.get());
        let Some(alarm) = seen else {
            return Err(format!(
                "{name}: alarm {} was not found{}",
                a.name,
                if region.is_empty() {
                    String::new()
                } else {
                    format!(" in {region}")
                }
            ));
        };
        let change = Change::AlarmActions {
            before: AlarmActions {
                actions_enabled: alarm.actions_enabled,
                region: alarm.region.clone(),
            },
            after: AlarmActions {
                actions_enabled: false,
                region: alarm.region.clone(),
            },
        };
        steps.push(Step::planned(name, &a.name, change));
    }
    Ok(steps)
}

/// The change of several records: one record's change for one, else one atomic batch.
fn records_step(name: &str, site: &Site, pairs: Vec<(RecordSet, RecordSet)>) -> Step {
    if let [(before, after)] = pairs.as_slice() {
        return record_step(name, site, before, after.clone());
    }
    let resource = pairs
        .iter()
        .map(|(b, _)| record_resource(b))
        .collect::<Vec<_>>()
        .join(", ");
    let (before, after): (Vec<RecordSet>, Vec<RecordSet>) = pairs.into_iter().unzip();
    let change = Change::Records {
        before: RecordBatch {
            zone: site.zone_id.clone(),
            records: before,
        },
        after: RecordBatch {
            zone: site.zone_id.clone(),
            records: after,
        },
    };
    Step::planned(name, &resource, change)
}

fn record_resource(r: &RecordSet) -> String {
    match &r.set_identifier {
        Some(id) => format!("{} {} ({id})", r.name, r.rtype),
        None => format!("{} {}", r.name, r.rtype),
    }
}

fn record_step(name: &str, site: &Site, before: &RecordSet, after: RecordSet) -> Step {
    let resource = record_resource(before);
    let change = Change::Record {
        before: Box::new(RecordValue {
            zone: site.zone_id.clone(),
            record: before.clone(),
        }),
        after: Box::new(RecordValue {
            zone: site.zone_id.clone(),
            record: after,
        }),
    };
    Step::planned(name, &resource, change)
}

fn rule_step(
    name: &str,
    listener: &str,
    priority: u32,
    condition: RuleCondition,
    actions: Vec<ListenerAction>,
    role: RuleRole,
) -> Step {
    let change = Change::CreateRule {
        before: journal::Absent,
        after: NewRule {
            priority,
            conditions: vec![condition],
            actions,
            role,
            rule_arn: None,
        },
    };
    Step::planned(name, listener, change)
}

fn find_listener<'a>(o: &'a SiteObservations, arn: &str) -> Result<&'a Listener, String> {
    o.all_listeners()
        .into_iter()
        .find(|l| l.arn == arn)
        .ok_or_else(|| {
            let why = o
                .listeners
                .values()
                .find_map(|f| f.error.as_ref().map(|x| &x.error))
                .map(|e| format!(": {}", e.summary()))
                .unwrap_or_default();
            format!("listener {arn} was not found{why}")
        })
}

fn check_restorable(name: &str, actions: &[ListenerAction], arn: &str) -> Result<(), String> {
    if actions.is_empty() || actions.iter().any(|a| !a.restorable()) {
        return Err(format!(
            "{name}: the default actions of listener {arn} ({}) cannot be saved and restored exactly (authenticate actions carry secrets); switchyard will not touch it",
            show_actions(actions)
        ));
    }
    Ok(())
}

/// The listener action that serves the sorry page.
pub fn sorry_action(action: &SorryAction) -> ListenerAction {
    action.listener_action()
}

/// Whether two record sets are the same to Route 53: names compared without case and trailing
/// dot (Route 53 adds the dot to alias targets), everything else exactly.
pub fn same_record(a: &RecordSet, b: &RecordSet) -> bool {
    fn key(r: &RecordSet) -> RecordSet {
        let mut r = r.clone();
        r.name = crate::model::route53::normalize_dns_name(&r.name);
        if let Some(alias) = &mut r.alias {
            // An alias has no TTL of its own (moto reports 0).
            r.ttl = None;
            alias.dns_name = alias.dns_name.trim_end_matches('.').to_ascii_lowercase();
            alias.hosted_zone_id = alias
                .hosted_zone_id
                .trim_start_matches("/hostedzone/")
                .into();
        }
        for v in &mut r.values {
            if r.rtype == "CNAME" {
                *v = v.trim_end_matches('.').to_ascii_lowercase();
            }
        }
        r
    }
    key(a) == key(b)
}

/// Whether two action lists do the same: compared without `Order` and without the difference
/// between a simple forward and its ForwardConfig, which AWS fills in.
pub fn same_actions(a: &[ListenerAction], b: &[ListenerAction]) -> bool {
    fn key(x: &ListenerAction) -> String {
        let mut tgs: Vec<&str> = x.target_group_arns();
        tgs.sort_unstable();
        format!(
            "{:?}|{:?}|{:?}|{:?}",
            x.kind, tgs, x.fixed_response, x.redirect
        )
    }
    let mut ka: Vec<String> = a.iter().map(key).collect();
    let mut kb: Vec<String> = b.iter().map(key).collect();
    ka.sort();
    kb.sort();
    ka == kb
}

fn show_actions(actions: &[ListenerAction]) -> String {
    actions
        .iter()
        .map(ListenerAction::describe)
        .collect::<Vec<_>>()
        .join(", ")
}

fn show_records(records: &[RecordSet]) -> String {
    records
        .iter()
        .map(RecordSet::describe)
        .collect::<Vec<_>>()
        .join("; ")
}

fn show_inversion(v: &Inversion) -> String {
    match v.health_check_version {
        Some(ver) => format!("Inverted={} (HealthCheckVersion {ver})", v.inverted),
        None => format!("Inverted={}", v.inverted),
    }
}

fn show_alarm(v: &AlarmActions) -> String {
    if v.actions_enabled {
        "actions enabled".into()
    } else {
        "actions disabled".into()
    }
}

fn show_rule(r: &NewRule) -> String {
    let conditions: Vec<String> = r
        .conditions
        .iter()
        .map(|c| match &c.http_header_name {
            Some(h) => format!("{} {h} in {}", c.field, c.values.join(",")),
            None => format!("{} {}", c.field, c.values.join(",")),
        })
        .collect();
    format!(
        "rule {} at priority {}: if {} then {}",
        r.role.as_str(),
        r.priority,
        conditions.join(" and "),
        show_actions(&r.actions)
    )
}

/// One line for the plan: a step's original value; `None` when the step creates something.
pub fn show_before(c: &Change) -> Option<String> {
    match c {
        Change::InvertHealthCheck { before, .. } => Some(show_inversion(before)),
        Change::Record { before, .. } => Some(before.record.describe()),
        Change::Records { before, .. } => Some(show_records(&before.records)),
        Change::ListenerDefaultActions { before, .. } => {
            Some(show_actions(&before.default_actions))
        }
        Change::RulePriorities { before, .. } => Some(super::rules::show(before)),
        Change::AlarmActions { before, .. } => Some(show_alarm(before)),
        Change::CreateRule { .. } | Change::Invalidate { .. } => None,
    }
}

/// One line for the plan: a step's maintenance value.
pub fn show_after(c: &Change) -> String {
    match c {
        Change::InvertHealthCheck { after, .. } => show_inversion(after),
        Change::Record { after, .. } => after.record.describe(),
        Change::Records { after, .. } => show_records(&after.records),
        Change::ListenerDefaultActions { after, .. } => show_actions(&after.default_actions),
        Change::CreateRule { after, .. } => show_rule(after),
        Change::RulePriorities { after, .. } => super::rules::show(after),
        Change::AlarmActions { after, .. } => show_alarm(after),
        Change::Invalidate { after, .. } => format!("invalidate {}", after.paths.join(" ")),
    }
}

/// One line for the plan of a fail back: the original value to restore (a health check's
/// version is whatever it is then, so it is not shown); `None` when the step created something.
pub fn show_original(c: &Change) -> Option<String> {
    match c {
        Change::InvertHealthCheck { before, .. } => Some(format!("Inverted={}", before.inverted)),
        _ => show_before(c),
    }
}

/// For a fail back: the invalidation to make on the way out, if the strategy asks for it.
pub fn fail_back_invalidation(s: &Step, stamp: &str) -> Option<Step> {
    let Change::Invalidate { after, .. } = &s.change else {
        return None;
    };
    if !after.on_fail_back {
        return None;
    }
    let change = Change::Invalidate {
        before: journal::Absent,
        after: Invalidation {
            paths: after.paths.clone(),
            caller_reference: format!("{}-{stamp}-off", after.caller_reference),
            on_fail_back: false,
            invalidation_id: None,
        },
    };
    Some(Step::planned(&s.strategy, &s.resource, change))
}

/// Whether a step changes anything at all (an alarm already silenced does not).
pub fn changes_something(s: &Step) -> bool {
    s.change.changes_something()
}

/// Whether a step of the journal needs taking back on fail back.
pub fn needs_undo(s: &Step) -> bool {
    let taken = matches!(s.state, StepState::Done | StepState::Started);
    match s.change {
        Change::Invalidate { .. } => false,
        Change::InvertHealthCheck { .. }
        | Change::Record { .. }
        | Change::Records { .. }
        | Change::ListenerDefaultActions { .. }
        | Change::CreateRule { .. }
        | Change::RulePriorities { .. }
        | Change::AlarmActions { .. } => taken,
    }
}

/// Applies a step towards maintenance or back to the original, idempotently.
pub async fn apply(
    c: &Clients,
    site_name: &str,
    s: &Step,
    towards: Towards,
) -> Result<Applied, StepError> {
    apply_mode(c, site_name, s, towards, false).await
}

/// Whether AWS still holds what a step towards maintenance goes from: the read each step makes
/// before its call, without the call. `Err` ([`StepError::Conflict`]) says what someone else
/// changed (its maintenance value made meanwhile included). A rule move is not checked here
/// (its step reads the rules before it moves them).
pub async fn check(c: &Clients, site_name: &str, s: &Step) -> Result<(), StepError> {
    if matches!(s.change, Change::RulePriorities { .. }) {
        return Ok(());
    }
    match apply_mode(c, site_name, s, Towards::Maintenance, true).await? {
        // Someone else made it since the plan was read: the plan no longer says what happens.
        a if a.skipped => Err(StepError::Conflict(format!(
            "{} already holds its maintenance value ({})",
            s.resource, a.note
        ))),
        _ => Ok(()),
    }
}

/// The first step of an entry whose resource was checked (`checked`, see [`check`]) or whose
/// call carries its own condition: made at once, without reading first. The condition is the
/// plan's own value: UpdateHealthCheck with the plan's HealthCheckVersion, ChangeResourceRecordSets
/// with a DELETE of the exact record the plan read. Refused (someone changed it since the plan
/// was read), or an answer that may hide the call's effect: the step is read and made once
/// more, as [`apply_checked`] would have, and that says whether it is done or whose change
/// stands in the way.
pub async fn apply_first(
    c: &Clients,
    site_name: &str,
    s: &Step,
    checked: bool,
) -> Result<Applied, StepError> {
    let direct = match &s.change {
        Change::InvertHealthCheck { before, after } => match before.health_check_version {
            Some(v) => route53::set_inverted(&c.route53, &s.resource, v, after.inverted)
                .await
                .map(|u| Applied {
                    note: format!(
                        "Inverted={}, HealthCheckVersion {v} -> {}",
                        u.inverted, u.version
                    ),
                    ..Applied::default()
                })
                .map_err(StepError::from),
            None => return apply_checked(c, site_name, s, Towards::Maintenance).await,
        },
        Change::Record { before, after } => {
            let batch = [
                (RecordAction::Delete, before.record.clone()),
                (RecordAction::Create, after.record.clone()),
            ];
            record_batch(c, site_name, &after.zone, &batch).await
        }
        Change::Records { before, after } => {
            let mut batch = Vec::new();
            for (f, t) in before.records.iter().zip(&after.records) {
                if !same_record(f, t) {
                    batch.push((RecordAction::Delete, f.clone()));
                    batch.push((RecordAction::Create, t.clone()));
                }
            }
            record_batch(c, site_name, &after.zone, &batch).await
        }
        Change::Invalidate { after, .. } => invalidate(c, &s.resource, after).await,
        Change::ListenerDefaultActions { after, .. } if checked => elbv2::set_default_actions(
            &c.elbv2_for(&s.resource),
            &s.resource,
            &after.default_actions,
        )
        .await
        .map(|_| Applied::default())
        .map_err(StepError::from),
        Change::AlarmActions { after, .. } if checked => {
            let client = cloudwatch::client_in(&c.cloudwatch, &after.region);
            cloudwatch::set_alarm_actions(
                &client,
                std::slice::from_ref(&s.resource),
                after.actions_enabled,
            )
            .await
            .map(|()| Applied::default())
            .map_err(StepError::from)
        }
        _ => return apply_checked(c, site_name, s, Towards::Maintenance).await,
    };
    match direct {
        // Read and made once more: the second of apply_checked's two tries.
        Err(first) if first.may_have_landed() => {
            match apply(c, site_name, s, Towards::Maintenance).await {
                Ok(a) if a.skipped => Ok(Applied {
                    skipped: false,
                    note: format!(
                        "made: the answer to the call was lost (its retry met its effect: {first}), \
                         and AWS shows the change"
                    ),
                    ..a
                }),
                other => other,
            }
        }
        other => other,
    }
}

/// ChangeResourceRecordSets of one batch, as a step's call.
async fn record_batch(
    c: &Clients,
    site_name: &str,
    zone: &str,
    batch: &[(RecordAction, RecordSet)],
) -> Result<Applied, StepError> {
    if batch.is_empty() {
        return Ok(Applied {
            skipped: true,
            note: "the records already hold those values".into(),
            ..Applied::default()
        });
    }
    let change =
        route53::change_records(&c.route53, zone, batch, &format!("switchyard: {site_name}"))
            .await?;
    Ok(Applied {
        note: if batch.len() > 2 {
            format!("change {} ({} records)", change.id, batch.len() / 2)
        } else {
            format!("change {}", change.id)
        },
        change: Some(change),
        ..Applied::default()
    })
}

/// [`apply`], or only its read and comparison (`dry`).
async fn apply_mode(
    c: &Clients,
    site_name: &str,
    s: &Step,
    towards: Towards,
    dry: bool,
) -> Result<Applied, StepError> {
    let resource = s.resource.as_str();
    match &s.change {
        Change::InvertHealthCheck { before, after } => {
            apply_inversion(c, resource, before, after, towards, dry).await
        }
        Change::Record { before, after } => {
            let (from, to) = towards.pick(before, after);
            apply_record(c, site_name, resource, from, to, dry).await
        }
        Change::Records { before, after } => {
            let (from, to) = towards.pick(before, after);
            apply_records(c, site_name, from, to, dry).await
        }
        Change::ListenerDefaultActions { before, after } => {
            let (from, to) = towards.pick(before, after);
            apply_default_actions(c, resource, from, to, dry).await
        }
        Change::CreateRule { after, .. } => match towards {
            Towards::Maintenance => create_rule(c, site_name, resource, after, dry).await,
            Towards::Original if dry => Ok(Applied::default()),
            Towards::Original => delete_rule(c, site_name, resource, after).await,
        },
        Change::RulePriorities { before, after } => {
            let (from, to) = towards.pick(before, after);
            super::rules::apply(c, resource, from, to, towards).await
        }
        Change::AlarmActions { before, after } => {
            apply_alarm_actions(c, resource, towards.wanted(before, after), dry).await
        }
        Change::Invalidate { .. } if dry => Ok(Applied::default()),
        Change::Invalidate { after, .. } => match towards {
            Towards::Maintenance => invalidate(c, resource, after).await,
            Towards::Original => Ok(Applied {
                skipped: true,
                note: "an invalidation is not undone".into(),
                ..Applied::default()
            }),
        },
    }
}

/// [`apply`], and once more when its error may hide a change AWS made: an answer lost on the way
/// makes the SDK send the call again, and the second call fails on the first one's effect (a
/// stale HealthCheckVersion, a priority in use, a record batch that no longer matches), or the
/// connection failed after the call arrived. Every step reads AWS before it calls, so the second
/// try finds its change made (and says so) or makes it; a resource someone else changed meanwhile
/// is a conflict, as ever.
pub async fn apply_checked(
    c: &Clients,
    site_name: &str,
    s: &Step,
    towards: Towards,
) -> Result<Applied, StepError> {
    match apply(c, site_name, s, towards).await {
        Err(first) if first.may_have_landed() => match apply(c, site_name, s, towards).await {
            Ok(a) if a.skipped => {
                // AWS's own words: the call's retry met the call's effect.
                let met = match &first {
                    StepError::Aws(e) => e.summary(),
                    other => other.to_string(),
                };
                Ok(Applied {
                    skipped: false,
                    note: format!(
                        "made: the answer to the call was lost (its retry met its effect: \
                         {met}), and AWS shows the change"
                    ),
                    ..a
                })
            }
            Ok(a) => Ok(a),
            Err(_) => Err(first),
        },
        other => other,
    }
}

/// UpdateHealthCheck of the Inverted flag.
async fn apply_inversion(
    c: &Clients,
    id: &str,
    planned: &Inversion,
    maintenance: &Inversion,
    towards: Towards,
    dry: bool,
) -> Result<Applied, StepError> {
    let want = towards.wanted(planned, maintenance);
    let hc = route53::health_check(&c.route53, id).await?;
    if hc.inverted == want.inverted {
        return Ok(Applied {
            skipped: true,
            note: format!("already Inverted={}", hc.inverted),
            ..Applied::default()
        });
    }
    // Towards maintenance, a check edited since the plan was read is someone else's change
    // (UpdateHealthCheck with the plan's version would be refused all the same).
    if let (Towards::Maintenance, Some(v)) = (towards, planned.health_check_version)
        && hc.version != v
    {
        return Err(StepError::Conflict(format!(
            "health check {id} was changed by someone else since the plan was read \
             (HealthCheckVersion {v} in the plan, now {}); not overwritten",
            hc.version
        )));
    }
    if dry {
        return Ok(Applied::default());
    }
    // Towards maintenance, the version read for the plan must still hold: a concurrent edit
    // gives HealthCheckVersionMismatch instead of being overwritten.
    let version = match (towards, planned.health_check_version) {
        (Towards::Maintenance, Some(v)) => v,
        _ => hc.version,
    };
    let updated = route53::set_inverted(&c.route53, id, version, want.inverted).await?;
    Ok(Applied {
        note: format!(
            "Inverted={}, HealthCheckVersion {} -> {}",
            updated.inverted, version, updated.version
        ),
        ..Applied::default()
    })
}

/// ChangeResourceRecordSets: DELETE of the exact current record and CREATE of the wanted one.
async fn apply_record(
    c: &Clients,
    site_name: &str,
    resource: &str,
    from: &RecordValue,
    to: &RecordValue,
    dry: bool,
) -> Result<Applied, StepError> {
    let at = route53::records_at(
        &c.route53,
        &to.zone,
        &to.record.name,
        &journal::record_name(&to.record.name),
    )
    .await?;
    let current = at
        .records
        .iter()
        .find(|r| r.rtype == to.record.rtype && r.set_identifier == to.record.set_identifier);
    if current.is_some_and(|c| same_record(c, &to.record)) {
        return Ok(Applied {
            skipped: true,
            note: "the record already holds that value".into(),
            ..Applied::default()
        });
    }
    let Some(current) = current.filter(|c| same_record(c, &from.record)) else {
        return Err(StepError::Conflict(format!(
            "record {resource} was changed by someone else: it is now {}, expected {}; not overwritten",
            current
                .map(RecordSet::describe)
                .unwrap_or_else(|| "absent".into()),
            from.record.describe()
        )));
    };
    if dry {
        return Ok(Applied::default());
    }
    // DELETE of the exact current record (as Route 53 returned it) and CREATE in one batch: a
    // record changed since it was read makes the whole batch fail instead of being overwritten.
    let change = route53::change_records(
        &c.route53,
        &to.zone,
        &[
            (RecordAction::Delete, current.clone()),
            (RecordAction::Create, to.record.clone()),
        ],
        &format!("switchyard: {site_name}"),
    )
    .await?;
    Ok(Applied {
        note: format!("change {}", change.id),
        change: Some(change),
        ..Applied::default()
    })
}

/// ChangeResourceRecordSets of several records in one batch: for each record not yet at its
/// wanted value, DELETE of its exact current value (which must be the value it goes from) and
/// CREATE of the wanted one. A record changed by someone else refuses the whole batch.
async fn apply_records(
    c: &Clients,
    site_name: &str,
    from: &RecordBatch,
    to: &RecordBatch,
    dry: bool,
) -> Result<Applied, StepError> {
    let Some(first) = to.records.first() else {
        return Ok(Applied {
            skipped: true,
            ..Applied::default()
        });
    };
    let at = route53::records_at(
        &c.route53,
        &to.zone,
        &first.name,
        &journal::record_name(&first.name),
    )
    .await?;
    let mut batch = Vec::new();
    for (f, t) in from.records.iter().zip(&to.records) {
        let current = at
            .records
            .iter()
            .find(|r| r.rtype == t.rtype && r.set_identifier == t.set_identifier);
        if current.is_some_and(|c| same_record(c, t)) {
            continue;
        }
        let Some(current) = current.filter(|c| same_record(c, f)) else {
            return Err(StepError::Conflict(format!(
                "record {} was changed by someone else: it is now {}, expected {}; nothing in \
                 the batch was changed",
                record_resource(t),
                current
                    .map(RecordSet::describe)
                    .unwrap_or_else(|| "absent".into()),
                f.describe()
            )));
        };
        batch.push((RecordAction::Delete, current.clone()));
        batch.push((RecordAction::Create, t.clone()));
    }
    if batch.is_empty() {
        return Ok(Applied {
            skipped: true,
            note: "the records already hold those values".into(),
            ..Applied::default()
        });
    }
    if dry {
        return Ok(Applied::default());
    }
    let change = route53::change_records(
        &c.route53,
        &to.zone,
        &batch,
        &format!("switchyard: {site_name}"),
    )
    .await?;
    Ok(Applied {
        note: format!("change {} ({} records)", change.id, batch.len() / 2),
        change: Some(change),
        ..Applied::default()
    })
}

/// ModifyListener of the default actions.
async fn apply_default_actions(
    c: &Clients,
    arn: &str,
    from: &DefaultActions,
    to: &DefaultActions,
    dry: bool,
) -> Result<Applied, StepError> {
    let current = elbv2::listeners_by_arn(&c.elbv2_for(arn), &[arn.to_string()])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| StepError::Conflict(format!("listener {arn} no longer exists")))?;
    if same_actions(&current.default_actions, &to.default_actions) {
        return Ok(Applied {
            skipped: true,
            note: "the listener already has those default actions".into(),
            ..Applied::default()
        });
    }
    if !same_actions(&current.default_actions, &from.default_actions) {
        return Err(StepError::Conflict(format!(
            "listener {arn} was changed by someone else: its default action is now {}; not overwritten",
            show_actions(&current.default_actions)
        )));
    }
    if dry {
        return Ok(Applied::default());
    }
    elbv2::set_default_actions(&c.elbv2_for(arn), arn, &to.default_actions).await?;
    Ok(Applied::default())
}

/// CreateRule, tagged with the site and the rule's role; a rule already created is kept.
async fn create_rule(
    c: &Clients,
    site_name: &str,
    listener: &str,
    rule: &NewRule,
    dry: bool,
) -> Result<Applied, StepError> {
    let completed = |arn: &str| Change::CreateRule {
        before: journal::Absent,
        after: NewRule {
            rule_arn: Some(arn.to_string()),
            ..rule.clone()
        },
    };
    if let Some(arn) = find_rule(c, site_name, listener, rule).await? {
        return Ok(Applied {
            skipped: true,
            note: format!("rule {arn} already exists"),
            completed: Some(completed(&arn)),
            ..Applied::default()
        });
    }
    if dry {
        return Ok(Applied::default());
    }
    let tags = vec![
        (RULE_TAG_SITE.to_string(), site_name.to_string()),
        (RULE_TAG_ROLE.to_string(), rule.role.as_str().to_string()),
    ];
    let created = elbv2::create_rule(
        &c.elbv2_for(listener),
        listener,
        rule.priority,
        &rule.conditions,
        &rule.actions,
        &tags,
    )
    .await?;
    Ok(Applied {
        note: format!("created rule {}", created.arn),
        completed: Some(completed(&created.arn)),
        ..Applied::default()
    })
}

/// DeleteRule of the rule switchyard created, if it exists.
async fn delete_rule(
    c: &Clients,
    site_name: &str,
    listener: &str,
    rule: &NewRule,
) -> Result<Applied, StepError> {
    match find_rule(c, site_name, listener, rule).await? {
        None => Ok(Applied {
            skipped: true,
            note: "the rule does not exist".into(),
            ..Applied::default()
        }),
        Some(arn) => {
            elbv2::delete_rule(&c.elbv2_for(&arn), &arn).await?;
            Ok(Applied {
                note: format!("deleted rule {arn}"),
                ..Applied::default()
            })
        }
    }
}

/// DisableAlarmActions or EnableAlarmActions, in the alarm's region.
async fn apply_alarm_actions(
    c: &Clients,
    name: &str,
    want: &AlarmActions,
    dry: bool,
) -> Result<Applied, StepError> {
    let client = cloudwatch::client_in(&c.cloudwatch, &want.region);
    let names = [name.to_string()];
    let alarm = cloudwatch::alarms_named(&client, &names)
        .await?
        .into_iter()
        .find(|a| a.name == name)
        .ok_or_else(|| {
            StepError::Conflict(format!("alarm {name} no longer exists in {}", want.region))
        })?;
    if alarm.actions_enabled == want.actions_enabled {
        return Ok(Applied {
            skipped: true,
            note: format!(
                "actions already {}",
                if want.actions_enabled {
                    "enabled"
                } else {
                    "disabled"
                }
            ),
            ..Applied::default()
        });
    }
    if dry {
        return Ok(Applied::default());
    }
    cloudwatch::set_alarm_actions(&client, &names, want.actions_enabled).await?;
    Ok(Applied::default())
}

/// CreateInvalidation; the same caller reference gives back the same invalidation after a
/// crash.
async fn invalidate(
    c: &Clients,
    distribution: &str,
    request: &Invalidation,
) -> Result<Applied, StepError> {
    let inv = cloudfront::invalidate(
        &c.cloudfront,
        distribution,
        &request.paths,
        &request.caller_reference,
    )
    .await?;
    Ok(Applied {
        note: format!("invalidation {}", inv.id),
        completed: Some(Change::Invalidate {
            before: journal::Absent,
            after: Invalidation {
                invalidation_id: Some(inv.id.clone()),
                ..request.clone()
            },
        }),
        ..Applied::default()
    })
}

/// The rule switchyard created for this step: by the ARN recorded in the journal, else by its
/// tags at its priority (a crash between CreateRule and the journal update).
async fn find_rule(
    c: &Clients,
    site_name: &str,
    listener: &str,
    rule: &NewRule,
) -> Result<Option<String>, StepError> {
    let rules = elbv2::rules(&c.elbv2_for(listener), listener).await?;
    if let Some(arn) = &rule.rule_arn {
        return Ok(rules.iter().find(|r| &r.arn == arn).map(|r| r.arn.clone()));
    }
    let candidates: Vec<String> = rules
        .iter()
        .filter(|r| r.priority == Some(rule.priority))
        .map(|r| r.arn.clone())
        .collect();
    if candidates.is_empty() {
        return Ok(None);
    }
    let tags = elbv2::tags(&c.elbv2_for(listener), &candidates).await?;
    for (arn, tags) in tags {
        let has = |k: &str, v: &str| tags.iter().any(|(tk, tv)| tk == k && tv == v);
        if has(RULE_TAG_SITE, site_name) && has(RULE_TAG_ROLE, rule.role.as_str()) {
            return Ok(Some(arn));
        }
    }
    Err(StepError::Conflict(format!(
        "priority {} on listener {listener} is used by a rule switchyard did not create; not touched",
        rule.priority
    )))
}

/// The priority of a rule step, whether it is free on the observed listener once the rules the
/// plan moves (`all`) have moved, and what was seen. Rules that could not be read are not free.
pub fn rule_priority_free(
    s: &Step,
    o: &SiteObservations,
    all: &[(&Step, Towards)],
) -> Option<(bool, String)> {
    let Change::CreateRule { after, .. } = &s.change else {
        return None;
    };
    let p = after.priority;
    let rules = match super::rules::observed(o, &s.resource) {
        Ok(r) => r,
        Err(why) => return Some((false, format!("priority {p}: {why}"))),
    };
    let moving = all.iter().find_map(|(m, _)| match &m.change {
        Change::RulePriorities { before, after } if m.resource == s.resource => {
            Some((before, after))
        }
        _ => None,
    });
    let moved = moving.map(|(_, after)| after);
    let holder = rules.iter().find(|r| {
        let id = journal::RulePriorities::rule_id(&r.arn);
        moved.and_then(|m| m.of(id)).or(r.priority) == Some(p)
    });
    Some(match (holder, moving) {
        (Some(_), _) => (
            false,
            format!("priority {p} on {} is in use by another rule", s.resource),
        ),
        (None, Some((before, after))) if rules.iter().any(|r| r.priority == Some(p)) => (
            true,
            format!(
                "priority {p} on {} is free once the {} move to {}",
                s.resource,
                super::rules::show(before),
                crate::model::listener_rules::ranges(
                    &after.rules.iter().map(|(_, p)| *p).collect::<Vec<_>>()
                )
            ),
        ),
        (None, _) => (true, format!("priority {p} on {} is free", s.resource)),
    })
}

/// The target groups a step's listener actions forward to, towards maintenance or original.
pub fn forwarded_target_groups(s: &Step, towards: Towards) -> Vec<String> {
    let actions: &[ListenerAction] = match (&s.change, towards) {
        (Change::ListenerDefaultActions { before, after }, _) => {
            &towards.wanted(before, after).default_actions
        }
        (Change::CreateRule { after, .. }, Towards::Maintenance) => &after.actions,
        (Change::CreateRule { .. }, Towards::Original)
        | (Change::InvertHealthCheck { .. }, _)
        | (Change::Record { .. }, _)
        | (Change::RulePriorities { .. }, _)
        | (Change::Records { .. }, _)
        | (Change::AlarmActions { .. }, _)
        | (Change::Invalidate { .. }, _) => &[],
    };
    actions
        .iter()
        .filter(|a| a.kind == ActionKind::Forward)
        .flat_map(|a| a.target_group_arns().into_iter().map(str::to_string))
        .collect()
}

/// What the verification expects of a step once applied towards `towards`.
pub enum Expect {
    /// The health check's Inverted flag.
    Inverted { id: String, inverted: bool },
    /// The record's value.
    Record {
        zone: String,
        record: Box<RecordSet>,
    },
    /// The values of several records.
    Records {
        zone: String,
        records: Vec<RecordSet>,
    },
    /// The listener's default actions.
    Listener {
        arn: String,
        actions: Vec<ListenerAction>,
    },
    /// The rule exists (or not): by its ARN, or before AWS gave one, by its priority and
    /// conditions (the site's own rule may hold that priority again after a fail back).
    Rule {
        listener: String,
        arn: Option<String>,
        priority: u32,
        conditions: Vec<RuleCondition>,
        exists: bool,
    },
    /// The rules of a listener at these priorities (rule ID, priority).
    RulePriorities {
        listener: String,
        priorities: Vec<(String, u32)>,
    },
    /// The alarm's actions.
    Alarm {
        name: String,
        region: String,
        enabled: bool,
    },
    /// The invalidation completed.
    Invalidation { distribution: String, id: String },
}

/// What a step applied towards `towards` should leave in AWS (`None`: an invalidation not made
/// yet).
pub fn expectation(s: &Step, towards: Towards) -> Option<Expect> {
    let resource = s.resource.clone();
    Some(match &s.change {
        Change::InvertHealthCheck { before, after } => Expect::Inverted {
            id: resource,
            inverted: towards.wanted(before, after).inverted,
        },
        Change::Record { before, after } => {
            let v = towards.wanted(before, after);
            Expect::Record {
                zone: v.zone.clone(),
                record: Box::new(v.record.clone()),
            }
        }
        Change::Records { before, after } => {
            let v = towards.wanted(before, after);
            Expect::Records {
                zone: v.zone.clone(),
                records: v.records.clone(),
            }
        }
        Change::ListenerDefaultActions { before, after } => Expect::Listener {
            arn: resource,
            actions: towards.wanted(before, after).default_actions.clone(),
        },
        Change::CreateRule { after, .. } => Expect::Rule {
            listener: resource,
            arn: after.rule_arn.clone(),
            priority: after.priority,
            conditions: after.conditions.clone(),
            exists: towards == Towards::Maintenance,
        },
        Change::RulePriorities { before, after } => Expect::RulePriorities {
            listener: resource,
            priorities: towards.wanted(before, after).rules.clone(),
        },
        Change::AlarmActions { before, after } => {
            let v = towards.wanted(before, after);
            Expect::Alarm {
                name: resource,
                region: v.region.clone(),
                enabled: v.actions_enabled,
            }
        }
        Change::Invalidate { after, .. } => Expect::Invalidation {
            distribution: resource,
            id: after.invalidation_id.clone()?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::elb::{ForwardConfig, WeightedTargetGroup};
    use crate::model::error::ErrorKind;

    const APP: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/app/1";
    const SORRY: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/sorry/2";

    #[test]
    fn actions_compare_as_aws_returns_them() {
        let mine = vec![ListenerAction::forward_to(APP)];
        let from_aws = vec![ListenerAction {
            order: Some(1),
            forward: Some(ForwardConfig {
                target_groups: vec![WeightedTargetGroup {
                    target_group_arn: APP.into(),
                    weight: Some(1),
                }],
                stickiness: None,
            }),
            ..ListenerAction::forward_to(APP)
        }];
        assert!(same_actions(&mine, &from_aws));
        assert!(!same_actions(&mine, &[ListenerAction::forward_to(SORRY)]));
        assert!(!same_actions(
            &mine,
            &[ListenerAction::fixed("503", Some("text/html".into()), None)]
        ));
    }

    fn alarm_step(before: bool) -> Step {
        Step::planned(
            "silence-alarms",
            "a",
            Change::AlarmActions {
                before: AlarmActions {
                    actions_enabled: before,
                    region: "eu-west-1".into(),
                },
                after: AlarmActions {
                    actions_enabled: false,
                    region: "eu-west-1".into(),
                },
            },
        )
    }

    #[test]
    fn an_alarm_already_silenced_is_no_step() {
        assert!(changes_something(&alarm_step(true)));
        assert!(!changes_something(&alarm_step(false)));
        let s = alarm_step(true);
        assert_eq!(show_before(&s.change).unwrap(), "actions enabled");
        assert_eq!(show_after(&s.change), "actions disabled");
        assert_eq!(s.call(), "cloudwatch:DisableAlarmActions");
        assert_eq!(s.change.undo_call(), "cloudwatch:EnableAlarmActions");
    }

    #[test]
    fn fail_back_invalidates_only_when_asked() {
        let invalidation = |on_fail_back| Invalidation {
            paths: vec!["/maintenance.html".into()],
            caller_reference: "switchyard-shop-1-on".into(),
            on_fail_back,
            invalidation_id: Some("I1".into()),
        };
        let mut s = Step {
            state: StepState::Done,
            ..Step::planned(
                "cloudfront-invalidate",
                "E1",
                Change::Invalidate {
                    before: journal::Absent,
                    after: invalidation(false),
                },
            )
        };
        assert!(fail_back_invalidation(&s, "2").is_none());
        assert!(!needs_undo(&s));
        assert!(show_before(&s.change).is_none());
        s.change = Change::Invalidate {
            before: journal::Absent,
            after: invalidation(true),
        };
        let back = fail_back_invalidation(&s, "2").unwrap();
        let Change::Invalidate { after, .. } = &back.change else {
            panic!("{back:?}");
        };
        assert_eq!(after.caller_reference, "switchyard-shop-1-on-2-off");
        assert_eq!(after.paths, ["/maintenance.html"]);
        assert_eq!(after.invalidation_id, None);
        assert_eq!(back.state, StepState::Planned);
    }

    #[test]
    fn the_inverted_check_shows_its_version_only_where_it_matters() {
        let change = Change::InvertHealthCheck {
            before: Inversion {
                inverted: false,
                health_check_version: Some(3),
            },
            after: Inversion {
                inverted: true,
                health_check_version: None,
            },
        };
        assert_eq!(
            show_before(&change).unwrap(),
            "Inverted=false (HealthCheckVersion 3)"
        );
        assert_eq!(show_original(&change).unwrap(), "Inverted=false");
        assert_eq!(show_after(&change), "Inverted=true");
    }

    #[test]
    fn a_rule_shows_its_role_conditions_and_actions() {
        let step = rule_step(
            "alb-maintenance-rule",
            "L",
            10,
            RuleCondition {
                field: "http-header".into(),
                values: vec!["203.0.113.7".into()],
                http_header_name: Some("X-Forwarded-For".into()),
            },
            vec![ListenerAction::forward_to(APP)],
            RuleRole::Allow,
        );
        assert_eq!(
            show_after(&step.change),
            format!(
                "rule allow at priority 10: if http-header X-Forwarded-For in 203.0.113.7 then {}",
                ListenerAction::forward_to(APP).describe()
            )
        );
        assert_eq!(show_before(&step.change), None);
        assert_eq!(step.change.undo_call(), "elasticloadbalancing:DeleteRule");
        assert_eq!(
            forwarded_target_groups(&step, Towards::Maintenance),
            [APP.to_string()]
        );
        assert!(forwarded_target_groups(&step, Towards::Original).is_empty());
    }

    #[test]
    fn records_compare_as_route53_normalizes_them() {
        let r = RecordSet {
            name: "www.example.com.".into(),
            rtype: "A".into(),
            set_identifier: Some("p".into()),
            failover: Some(crate::model::route53::Failover::Primary),
            weight: None,
            ttl: None,
            values: vec![],
            alias: Some(crate::model::route53::AliasTarget {
                hosted_zone_id: "Z2FDTNDATAQYW2".into(),
                dns_name: "d1.cloudfront.net".into(),
                evaluate_target_health: false,
            }),
            health_check_id: None,
            routing: Default::default(),
        };
        let mut stored = r.clone();
        stored.name = "WWW.example.com".into();
        stored.ttl = Some(std::time::Duration::ZERO);
        if let Some(a) = &mut stored.alias {
            a.dns_name = "d1.cloudfront.net.".into();
        }
        assert!(same_record(&r, &stored));
        let mut other = r.clone();
        other.health_check_id = Some("hc".into());
        assert!(!same_record(&r, &other));
        let mut other = r.clone();
        if let Some(a) = &mut other.alias {
            a.dns_name = "d2.cloudfront.net".into();
        }
        assert!(!same_record(&r, &other));
    }

    #[test]
    fn concurrency_errors_are_explained() {
        let e = |code: &str| {
            AwsError::new(
                ErrorKind::Invalid,
                "route53",
                "UpdateHealthCheck",
                "mismatch",
            )
            .with_code(code)
        };
        assert!(explain(&e("HealthCheckVersionMismatch")).contains("stale HealthCheckVersion"));
        assert!(explain(&e("PreconditionFailed")).contains("stale ETag / IfMatch"));
        assert!(explain(&e("PriorityInUse")).contains("choose another `priority`"));
    }
}
