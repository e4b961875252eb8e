//! The steps of each strategy: built from fresh observations, applied towards maintenance or
//! back to the original, each idempotently (a step already in the wanted state is skipped, a
//! step whose resource changed behind our back is a conflict, never overwritten).
//!
//! A step's `before` and `after` in the journal hold the exact values as JSON:
//!
//! | call | before | after |
//! |---|---|---|
//! | `route53:UpdateHealthCheck` | `{"Inverted":false,"HealthCheckVersion":3}` | `{"Inverted":true}` |
//! | `route53:ChangeResourceRecordSets` | `{"Zone":..,"Record":{..}}` | `{"Zone":..,"Record":{..}}` |
//! | `elasticloadbalancing:ModifyListener` | `{"DefaultActions":[..]}` | `{"DefaultActions":[..]}` |
//! | `elasticloadbalancing:CreateRule` | `null` | `{"Priority":..,"Conditions":[..],"Actions":[..],"Role":..,"RuleArn":..}` |
//! | `cloudwatch:DisableAlarmActions` | `{"ActionsEnabled":true,"Region":..}` | `{"ActionsEnabled":false,"Region":..}` |
//! | `cloudfront:CreateInvalidation` | `null` | `{"Paths":[..],"CallerReference":..,"OnFailBack":..}` |

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aws::client::Clients;
use crate::aws::route53::RecordAction;
use crate::aws::{cloudfront, cloudwatch, elbv2, route53};
use crate::config::{OperatorAllow, Site, SorryAction, Strategy};
use crate::model::elb::{ActionKind, ListenerAction, RuleCondition};
use crate::model::error::AwsError;
use crate::model::route53::{PendingChange, RecordSet};
use crate::model::site::{RecordLayout, SiteObservations};

use super::journal::{Step, StepState};

pub const CALL_INVERT: &str = "route53:UpdateHealthCheck";
pub const CALL_RECORD: &str = "route53:ChangeResourceRecordSets";
pub const CALL_LISTENER: &str = "elasticloadbalancing:ModifyListener";
pub const CALL_RULE: &str = "elasticloadbalancing:CreateRule";
pub const CALL_ALARM: &str = "cloudwatch:DisableAlarmActions";
pub const CALL_INVALIDATE: &str = "cloudfront:CreateInvalidation";

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

/// What applying a step did.
#[derive(Clone, Debug, Default)]
pub struct Applied {
    /// Already in the wanted state: nothing was called.
    pub skipped: bool,
    /// A note for the operator ("HealthCheckVersion 3 -> 4").
    pub note: String,
    /// The Route 53 change submitted, to wait for INSYNC.
    pub change: Option<PendingChange>,
    /// The step's `after`, completed with what AWS returned (a rule's ARN, an invalidation ID).
    pub after: Option<Value>,
}

/// Why a step could not be applied.
#[derive(Clone, Debug)]
pub enum StepError {
    Aws(AwsError),
    /// The resource is neither in the original nor in the maintenance state: someone changed it.
    Conflict(String),
    /// The journal's values do not read as this step.
    Invalid(String),
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::Aws(e) => f.write_str(&explain(e)),
            StepError::Conflict(s) | StepError::Invalid(s) => f.write_str(s),
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

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InvertState {
    inverted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    health_check_version: Option<i64>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RecordState {
    zone: String,
    record: RecordSet,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListenerState {
    default_actions: Vec<ListenerAction>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RuleState {
    priority: u32,
    conditions: Vec<RuleCondition>,
    actions: Vec<ListenerAction>,
    role: String,
    #[serde(default)]
    rule_arn: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AlarmState {
    actions_enabled: bool,
    region: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InvalidateState {
    paths: Vec<String>,
    caller_reference: String,
    on_fail_back: bool,
    #[serde(default)]
    invalidation_id: Option<String>,
}

fn read<T: for<'de> Deserialize<'de>>(v: &Value, what: &str) -> Result<T, StepError> {
    serde_json::from_value(v.clone())
        .map_err(|e| StepError::Invalid(format!("the journal's {what} does not read: {e}")))
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn step(strategy: &Strategy, call: &str, resource: &str, before: Value, after: Value) -> Step {
    Step {
        strategy: strategy.name().to_string(),
        call: call.to_string(),
        resource: resource.to_string(),
        before,
        after,
        state: StepState::Planned,
        error: None,
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

fn build_one(
    site: &Site,
    o: &SiteObservations,
    strategy: &Strategy,
    stamp: &str,
) -> Result<Vec<Step>, String> {
    let name = strategy.name();
    match strategy {
        Strategy::InvertHealthCheck { health_check } => {
            let id = match health_check {
                Some(id) => id.clone(),
                None => o
                    .primary()
                    .and_then(|p| p.health_check_id.clone())
                    .ok_or_else(|| {
                        format!(
                            "{name}: the PRIMARY record of {} has no health check to invert (use route53-swap-primary, or name the health_check)",
                            site.record
                        )
                    })?,
            };
            let hc = o.health_check(&id).ok_or_else(|| {
                let why = o
                    .health_checks
                    .get(&id)
                    .and_then(|h| h.config.error.as_ref().map(|f| &f.error))
                    .map(|e| e.summary())
                    .unwrap_or_else(|| "not found".into());
                format!("{name}: cannot read health check {id}: {why}")
            })?;
            let before = InvertState {
                inverted: hc.inverted,
                health_check_version: Some(hc.version),
            };
            let after = InvertState {
                inverted: true,
                health_check_version: None,
            };
            Ok(vec![step(
                strategy,
                CALL_INVERT,
                &id,
                to_value(&before),
                to_value(&after),
            )])
        }
        Strategy::SwapPrimary => {
            let RecordLayout::Failover {
                primary: Some(p),
                secondary: Some(s),
            } = o.layout()
            else {
                return Err(format!(
                    "{name}: {} is not a failover pair with a PRIMARY and a SECONDARY record",
                    site.record
                ));
            };
            let Some(alias) = &s.alias else {
                return Err(format!(
                    "{name}: the SECONDARY record of {} is not an alias, nothing to swap to",
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
            Ok(vec![record_step(strategy, site, p, after)])
        }
        Strategy::SetRecord { values, ttl } => {
            let RecordLayout::Plain(r) = o.layout() else {
                return Err(format!(
                    "{name}: {} {} is not one plain record",
                    site.record,
                    site.record_type.as_str()
                ));
            };
            if r.alias.is_some() {
                return Err(format!(
                    "{name}: {} is an alias record; route53-set-record sets plain values",
                    site.record
                ));
            }
            let mut after = r.clone();
            after.values = values.clone();
            if let Some(t) = ttl {
                after.ttl = Some(std::time::Duration::from_secs(u64::from(*t)));
            }
            Ok(vec![record_step(strategy, site, r, after)])
        }
        Strategy::ListenerSorry { listener, action } => {
            let l = find_listener(o, listener)?;
            check_restorable(name, &l.default_actions, listener)?;
            let after = vec![sorry_action(action)];
            Ok(vec![step(
                strategy,
                CALL_LISTENER,
                listener,
                to_value(&ListenerState {
                    default_actions: l.default_actions.clone(),
                }),
                to_value(&ListenerState {
                    default_actions: after,
                }),
            )])
        }
        Strategy::MaintenanceRule {
            listener,
            priority,
            allow,
            action,
        } => {
            let l = find_listener(o, listener)?;
            check_restorable(name, &l.default_actions, listener)?;
            let mut steps = Vec::new();
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
                    strategy, listener, *priority, c, actions, "allow",
                ));
            }
            let everyone = RuleCondition {
                field: "path-pattern".into(),
                values: vec!["/*".into()],
                http_header_name: None,
            };
            steps.push(rule_step(
                strategy,
                listener,
                priority.saturating_add(1),
                everyone,
                vec![sorry_action(action)],
                "maintenance",
            ));
            Ok(steps)
        }
        Strategy::SilenceAlarms { alarms } => {
            let mut steps = Vec::new();
            for a in alarms {
                let region = a
                    .region
                    .clone()
                    .unwrap_or_else(|| site.aws.region.clone().unwrap_or_default());
                let seen = o
                    .alarms
                    .iter()
                    .find(|x| x.alarm_ref.name == a.name)
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
                steps.push(step(
                    strategy,
                    CALL_ALARM,
                    &a.name,
                    to_value(&AlarmState {
                        actions_enabled: alarm.actions_enabled,
                        region: alarm.region.clone(),
                    }),
                    to_value(&AlarmState {
                        actions_enabled: false,
                        region: alarm.region.clone(),
                    }),
                ));
            }
            Ok(steps)
        }
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
            Ok(vec![step(
                strategy,
                CALL_INVALIDATE,
                &id,
                Value::Null,
                to_value(&InvalidateState {
                    paths: paths.clone(),
                    caller_reference: format!("switchyard-{}-{stamp}-on", site.name),
                    on_fail_back: *on_fail_back,
                    invalidation_id: None,
                }),
            )])
        }
    }
}

fn record_step(strategy: &Strategy, site: &Site, before: &RecordSet, after: RecordSet) -> Step {
    let resource = match &before.set_identifier {
        Some(id) => format!("{} {} ({id})", before.name, before.rtype),
        None => format!("{} {}", before.name, before.rtype),
    };
    step(
        strategy,
        CALL_RECORD,
        &resource,
        to_value(&RecordState {
            zone: site.zone_id.clone(),
            record: before.clone(),
        }),
        to_value(&RecordState {
            zone: site.zone_id.clone(),
            record: after,
        }),
    )
}

fn rule_step(
    strategy: &Strategy,
    listener: &str,
    priority: u32,
    condition: RuleCondition,
    actions: Vec<ListenerAction>,
    role: &str,
) -> Step {
    step(
        strategy,
        CALL_RULE,
        listener,
        Value::Null,
        to_value(&RuleState {
            priority,
            conditions: vec![condition],
            actions,
            role: role.to_string(),
            rule_arn: None,
        }),
    )
}

fn find_listener<'a>(
    o: &'a SiteObservations,
    arn: &str,
) -> Result<&'a crate::model::elb::Listener, String> {
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
            actions
                .iter()
                .map(ListenerAction::describe)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(())
}

/// The listener action that serves the sorry page.
pub fn sorry_action(action: &SorryAction) -> ListenerAction {
    match action {
        SorryAction::TargetGroup(arn) => ListenerAction::forward_to(arn.clone()),
        SorryAction::FixedResponse {
            status,
            content_type,
            body,
        } => ListenerAction::fixed(
            status.to_string(),
            Some(content_type.clone()),
            Some(body.clone()),
        ),
    }
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

/// One line for the plan: a step's value before or after.
pub fn show(call: &str, v: &Value) -> String {
    match call {
        CALL_INVERT => match serde_json::from_value::<InvertState>(v.clone()) {
            Ok(s) => match s.health_check_version {
                Some(ver) => format!("Inverted={} (HealthCheckVersion {ver})", s.inverted),
                None => format!("Inverted={}", s.inverted),
            },
            Err(_) => v.to_string(),
        },
        CALL_RECORD => match serde_json::from_value::<RecordState>(v.clone()) {
            Ok(s) => s.record.describe(),
            Err(_) => v.to_string(),
        },
        CALL_LISTENER => match serde_json::from_value::<ListenerState>(v.clone()) {
            Ok(s) => s
                .default_actions
                .iter()
                .map(ListenerAction::describe)
                .collect::<Vec<_>>()
                .join(", "),
            Err(_) => v.to_string(),
        },
        CALL_RULE => match serde_json::from_value::<RuleState>(v.clone()) {
            Ok(s) => {
                let conditions: Vec<String> = s
                    .conditions
                    .iter()
                    .map(|c| match &c.http_header_name {
                        Some(h) => format!("{} {h} in {}", c.field, c.values.join(",")),
                        None => format!("{} {}", c.field, c.values.join(",")),
                    })
                    .collect();
                let actions: Vec<String> = s.actions.iter().map(ListenerAction::describe).collect();
                format!(
                    "rule {} at priority {}: if {} then {}",
                    s.role,
                    s.priority,
                    conditions.join(" and "),
                    actions.join(", ")
                )
            }
            Err(_) => v.to_string(),
        },
        CALL_ALARM => match serde_json::from_value::<AlarmState>(v.clone()) {
            Ok(s) if s.actions_enabled => "actions enabled".into(),
            Ok(_) => "actions disabled".into(),
            Err(_) => v.to_string(),
        },
        CALL_INVALIDATE => match serde_json::from_value::<InvalidateState>(v.clone()) {
            Ok(s) => format!("invalidate {}", s.paths.join(" ")),
            Err(_) => v.to_string(),
        },
        _ => v.to_string(),
    }
}

/// One line for the plan of a fail back: the original value to restore (a health check's
/// version is whatever it is then, so it is not shown).
pub fn show_original(call: &str, v: &Value) -> String {
    match (call, serde_json::from_value::<InvertState>(v.clone())) {
        (CALL_INVERT, Ok(s)) => format!("Inverted={}", s.inverted),
        _ => show(call, v),
    }
}

/// The call made to take a step back.
pub fn undo_call(call: &str) -> &'static str {
    match call {
        CALL_INVERT => CALL_INVERT,
        CALL_RECORD => CALL_RECORD,
        CALL_LISTENER => CALL_LISTENER,
        CALL_RULE => "elasticloadbalancing:DeleteRule",
        CALL_ALARM => "cloudwatch:EnableAlarmActions",
        CALL_INVALIDATE => "(none: an invalidation is not undone)",
        _ => "(unknown)",
    }
}

/// For a fail back: the invalidation to make on the way out, if the strategy asks for it.
pub fn fail_back_invalidation(s: &Step, stamp: &str) -> Option<Step> {
    if s.call != CALL_INVALIDATE {
        return None;
    }
    let st: InvalidateState = serde_json::from_value(s.after.clone()).ok()?;
    if !st.on_fail_back {
        return None;
    }
    Some(Step {
        strategy: s.strategy.clone(),
        call: CALL_INVALIDATE.into(),
        resource: s.resource.clone(),
        before: Value::Null,
        after: to_value(&InvalidateState {
            paths: st.paths,
            caller_reference: format!("{}-{stamp}-off", st.caller_reference),
            on_fail_back: false,
            invalidation_id: None,
        }),
        state: StepState::Planned,
        error: None,
    })
}

/// Whether a step changes anything at all (an alarm already silenced does not).
pub fn changes_something(s: &Step) -> bool {
    s.before != s.after || s.call == CALL_INVALIDATE || s.call == CALL_RULE
}

/// Applies a step towards maintenance or back to the original, idempotently.
pub async fn apply(
    c: &Clients,
    site_name: &str,
    s: &Step,
    towards: Towards,
) -> Result<Applied, StepError> {
    let (from, to) = match towards {
        Towards::Maintenance => (&s.before, &s.after),
        Towards::Original => (&s.after, &s.before),
    };
    match s.call.as_str() {
        CALL_INVERT => {
            let want: InvertState = read(to, "health check value")?;
            let planned: InvertState = read(&s.before, "health check value")?;
            let hc = route53::health_check(&c.route53, &s.resource).await?;
            if hc.inverted == want.inverted {
                return Ok(Applied {
                    skipped: true,
                    note: format!("already Inverted={}", hc.inverted),
                    ..Applied::default()
                });
            }
            // Towards maintenance, the version read for the plan must still hold: a concurrent
            // edit gives HealthCheckVersionMismatch instead of being overwritten.
            let version = match (towards, planned.health_check_version) {
                (Towards::Maintenance, Some(v)) => v,
                _ => hc.version,
            };
            let updated =
                route53::set_inverted(&c.route53, &s.resource, version, want.inverted).await?;
            Ok(Applied {
                note: format!(
                    "Inverted={}, HealthCheckVersion {} -> {}",
                    updated.inverted, version, updated.version
                ),
                ..Applied::default()
            })
        }
        CALL_RECORD => {
            let from: RecordState = read(from, "record")?;
            let to: RecordState = read(to, "record")?;
            let at = route53::records_at(
                &c.route53,
                &to.zone,
                &to.record.name,
                &super::journal::record_name(&to.record.name),
            )
            .await?;
            let current = at.records.iter().find(|r| {
                r.rtype == to.record.rtype && r.set_identifier == to.record.set_identifier
            });
            if current.is_some_and(|c| same_record(c, &to.record)) {
                return Ok(Applied {
                    skipped: true,
                    note: "the record already holds that value".into(),
                    ..Applied::default()
                });
            }
            let Some(current) = current.filter(|c| same_record(c, &from.record)) else {
                return Err(StepError::Conflict(format!(
                    "record {} was changed by someone else: it is now {}, expected {}; not overwritten",
                    s.resource,
                    current
                        .map(RecordSet::describe)
                        .unwrap_or_else(|| "absent".into()),
                    from.record.describe()
                )));
            };
            // DELETE of the exact current record (as Route 53 returned it) and CREATE in one
            // batch: a record changed since it was read makes the whole batch fail instead of
            // being overwritten.
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
        CALL_LISTENER => {
            let from: ListenerState = read(from, "listener actions")?;
            let to: ListenerState = read(to, "listener actions")?;
            let current = elbv2::listeners_by_arn(&c.elbv2, std::slice::from_ref(&s.resource))
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| {
                    StepError::Conflict(format!("listener {} no longer exists", s.resource))
                })?;
            if same_actions(&current.default_actions, &to.default_actions) {
                return Ok(Applied {
                    skipped: true,
                    note: "the listener already has those default actions".into(),
                    ..Applied::default()
                });
            }
            if !same_actions(&current.default_actions, &from.default_actions) {
                return Err(StepError::Conflict(format!(
                    "listener {} was changed by someone else: its default action is now {}; not overwritten",
                    s.resource,
                    current
                        .default_actions
                        .iter()
                        .map(ListenerAction::describe)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            elbv2::set_default_actions(&c.elbv2, &s.resource, &to.default_actions).await?;
            Ok(Applied::default())
        }
        CALL_RULE => {
            let mut st: RuleState = read(&s.after, "listener rule")?;
            let existing = find_rule(c, site_name, &s.resource, &st).await?;
            match towards {
                Towards::Maintenance => {
                    if let Some(arn) = existing {
                        st.rule_arn = Some(arn.clone());
                        return Ok(Applied {
                            skipped: true,
                            note: format!("rule {arn} already exists"),
                            after: Some(to_value(&st)),
                            ..Applied::default()
                        });
                    }
                    let tags = vec![
                        (RULE_TAG_SITE.to_string(), site_name.to_string()),
                        (RULE_TAG_ROLE.to_string(), st.role.clone()),
                    ];
                    let rule = elbv2::create_rule(
                        &c.elbv2,
                        &s.resource,
                        st.priority,
                        &st.conditions,
                        &st.actions,
                        &tags,
                    )
                    .await?;
                    st.rule_arn = Some(rule.arn.clone());
                    Ok(Applied {
                        note: format!("created rule {}", rule.arn),
                        after: Some(to_value(&st)),
                        ..Applied::default()
                    })
                }
                Towards::Original => match existing {
                    None => Ok(Applied {
                        skipped: true,
                        note: "the rule does not exist".into(),
                        ..Applied::default()
                    }),
                    Some(arn) => {
                        elbv2::delete_rule(&c.elbv2, &arn).await?;
                        Ok(Applied {
                            note: format!("deleted rule {arn}"),
                            ..Applied::default()
                        })
                    }
                },
            }
        }
        CALL_ALARM => {
            let want: AlarmState = read(to, "alarm value")?;
            let client = cloudwatch::client_in(&c.cloudwatch, &want.region);
            let alarm = cloudwatch::alarms_named(&client, std::slice::from_ref(&s.resource))
                .await?
                .into_iter()
                .find(|a| a.name == s.resource)
                .ok_or_else(|| {
                    StepError::Conflict(format!(
                        "alarm {} no longer exists in {}",
                        s.resource, want.region
                    ))
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
            cloudwatch::set_alarm_actions(
                &client,
                std::slice::from_ref(&s.resource),
                want.actions_enabled,
            )
            .await?;
            Ok(Applied::default())
        }
        CALL_INVALIDATE => {
            if towards == Towards::Original {
                return Ok(Applied {
                    skipped: true,
                    note: "an invalidation is not undone".into(),
                    ..Applied::default()
                });
            }
            let mut st: InvalidateState = read(&s.after, "invalidation")?;
            // The same caller reference gives back the same invalidation after a crash.
            let inv =
                cloudfront::invalidate(&c.cloudfront, &s.resource, &st.paths, &st.caller_reference)
                    .await?;
            st.invalidation_id = Some(inv.id.clone());
            Ok(Applied {
                note: format!("invalidation {}", inv.id),
                after: Some(to_value(&st)),
                ..Applied::default()
            })
        }
        other => Err(StepError::Invalid(format!(
            "the journal holds a step this switchyard does not know: {other}"
        ))),
    }
}

/// The rule switchyard created for this step: by the ARN recorded in the journal, else by its
/// tags at its priority (a crash between CreateRule and the journal update).
async fn find_rule(
    c: &Clients,
    site_name: &str,
    listener: &str,
    st: &RuleState,
) -> Result<Option<String>, StepError> {
    let rules = elbv2::rules(&c.elbv2, listener).await?;
    if let Some(arn) = &st.rule_arn {
        return Ok(rules.iter().find(|r| &r.arn == arn).map(|r| r.arn.clone()));
    }
    let candidates: Vec<String> = rules
        .iter()
        .filter(|r| r.priority == Some(st.priority))
        .map(|r| r.arn.clone())
        .collect();
    if candidates.is_empty() {
        return Ok(None);
    }
    let tags = elbv2::tags(&c.elbv2, &candidates).await?;
    for (arn, tags) in tags {
        let has = |k: &str, v: &str| tags.iter().any(|(tk, tv)| tk == k && tv == v);
        if has(RULE_TAG_SITE, site_name) && has(RULE_TAG_ROLE, &st.role) {
            return Ok(Some(arn));
        }
    }
    Err(StepError::Conflict(format!(
        "priority {} on listener {listener} is used by a rule switchyard did not create; not touched",
        st.priority
    )))
}

/// The priority of a rule step and whether it is free on the observed listener.
pub fn rule_priority_free(s: &Step, o: &SiteObservations) -> Option<(u32, bool)> {
    if s.call != CALL_RULE {
        return None;
    }
    let st: RuleState = serde_json::from_value(s.after.clone()).ok()?;
    let used = o
        .rules
        .get(&s.resource)
        .and_then(|f| f.get())
        .is_some_and(|rules| rules.iter().any(|r| r.priority == Some(st.priority)));
    Some((st.priority, !used))
}

/// The target groups a step's listener actions forward to, towards maintenance or original.
pub fn forwarded_target_groups(s: &Step, towards: Towards) -> Vec<String> {
    let v = match towards {
        Towards::Maintenance => &s.after,
        Towards::Original => &s.before,
    };
    let actions: Vec<ListenerAction> = match s.call.as_str() {
        CALL_LISTENER => serde_json::from_value::<ListenerState>(v.clone())
            .map(|l| l.default_actions)
            .unwrap_or_default(),
        CALL_RULE if towards == Towards::Maintenance => {
            serde_json::from_value::<RuleState>(v.clone())
                .map(|r| r.actions)
                .unwrap_or_default()
        }
        _ => Vec::new(),
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
    Record { zone: String, record: RecordSet },
    /// The listener's default actions.
    Listener {
        arn: String,
        actions: Vec<ListenerAction>,
    },
    /// The rule exists (or not).
    Rule {
        listener: String,
        arn: Option<String>,
        priority: u32,
        exists: bool,
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

/// What a step applied towards `towards` should leave in AWS.
pub fn expectation(s: &Step, towards: Towards) -> Option<Expect> {
    let v = match towards {
        Towards::Maintenance => &s.after,
        Towards::Original => &s.before,
    };
    match s.call.as_str() {
        CALL_INVERT => {
            let st: InvertState = serde_json::from_value(v.clone()).ok()?;
            Some(Expect::Inverted {
                id: s.resource.clone(),
                inverted: st.inverted,
            })
        }
        CALL_RECORD => {
            let st: RecordState = serde_json::from_value(v.clone()).ok()?;
            Some(Expect::Record {
                zone: st.zone,
                record: st.record,
            })
        }
        CALL_LISTENER => {
            let st: ListenerState = serde_json::from_value(v.clone()).ok()?;
            Some(Expect::Listener {
                arn: s.resource.clone(),
                actions: st.default_actions,
            })
        }
        CALL_RULE => {
            let st: RuleState = serde_json::from_value(s.after.clone()).ok()?;
            Some(Expect::Rule {
                listener: s.resource.clone(),
                arn: st.rule_arn,
                priority: st.priority,
                exists: towards == Towards::Maintenance,
            })
        }
        CALL_ALARM => {
            let st: AlarmState = serde_json::from_value(v.clone()).ok()?;
            Some(Expect::Alarm {
                name: s.resource.clone(),
                region: st.region,
                enabled: st.actions_enabled,
            })
        }
        CALL_INVALIDATE => {
            let st: InvalidateState = serde_json::from_value(s.after.clone()).ok()?;
            Some(Expect::Invalidation {
                distribution: s.resource.clone(),
                id: st.invalidation_id?,
            })
        }
        _ => None,
    }
}

/// Whether a step of the journal needs taking back on fail back.
pub fn needs_undo(s: &Step) -> bool {
    matches!(s.state, StepState::Done | StepState::Started) && s.call != CALL_INVALIDATE
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
        Step {
            strategy: "silence-alarms".into(),
            call: CALL_ALARM.into(),
            resource: "a".into(),
            before: to_value(&AlarmState {
                actions_enabled: before,
                region: "eu-west-1".into(),
            }),
            after: to_value(&AlarmState {
                actions_enabled: false,
                region: "eu-west-1".into(),
            }),
            state: StepState::Planned,
            error: None,
        }
    }

    #[test]
    fn an_alarm_already_silenced_is_no_step() {
        assert!(changes_something(&alarm_step(true)));
        assert!(!changes_something(&alarm_step(false)));
        assert_eq!(
            show(CALL_ALARM, &alarm_step(true).before),
            "actions enabled"
        );
        assert_eq!(undo_call(CALL_ALARM), "cloudwatch:EnableAlarmActions");
    }

    #[test]
    fn fail_back_invalidates_only_when_asked() {
        let mut s = Step {
            strategy: "cloudfront-invalidate".into(),
            call: CALL_INVALIDATE.into(),
            resource: "E1".into(),
            before: Value::Null,
            after: to_value(&InvalidateState {
                paths: vec!["/maintenance.html".into()],
                caller_reference: "switchyard-shop-1-on".into(),
                on_fail_back: false,
                invalidation_id: Some("I1".into()),
            }),
            state: StepState::Done,
            error: None,
        };
        assert!(fail_back_invalidation(&s, "2").is_none());
        assert!(!needs_undo(&s));
        s.after["OnFailBack"] = Value::Bool(true);
        let back = fail_back_invalidation(&s, "2").unwrap();
        assert_eq!(back.after["CallerReference"], "switchyard-shop-1-on-2-off");
        assert_eq!(back.after["Paths"][0], "/maintenance.html");
    }

    #[test]
    fn the_inverted_check_shows_its_version_only_where_it_matters() {
        let before = to_value(&InvertState {
            inverted: false,
            health_check_version: Some(3),
        });
        assert_eq!(
            show(CALL_INVERT, &before),
            "Inverted=false (HealthCheckVersion 3)"
        );
        assert_eq!(show_original(CALL_INVERT, &before), "Inverted=false");
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
