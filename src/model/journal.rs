//! The maintenance journal: a site's maintenance state, kept in AWS so that every operator on
//! every machine sees it and any of them can fail back. This module holds its types and its
//! encoding; the switch engine reads and writes it (`switch::journal`).
//!
//! It lives in a TXT record beside the site's record, `_switchyard.<record>`. The first value is a
//! line for humans (`dig TXT _switchyard.www.example.com` says who and why); the others carry the
//! journal itself as base64 of JSON, in numbered chunks: who, when, why, which strategies, every
//! step with its state, and every original value needed to fail back.
//!
//! A journal may have been written by an older switchyard on another machine, and an older
//! switchyard may have to read this one's: the JSON keeps its shape (a step is
//! `{"strategy", "call", "resource", "before", "after", "state", "error"}`, with `call` the AWS
//! call and `before`/`after` the values below). `tests/journals/` holds journals written by the
//! version before the steps were typed.
//!
//! | call | before | after |
//! |---|---|---|
//! | `route53:UpdateHealthCheck` | `{"Inverted":false,"HealthCheckVersion":3}` | `{"Inverted":true}` |
//! | `route53:ChangeResourceRecordSets` | `{"Zone":..,"Record":{..}}` | `{"Zone":..,"Record":{..}}` |
//! | `elasticloadbalancing:ModifyListener` | `{"DefaultActions":[..]}` | `{"DefaultActions":[..]}` |
//! | `elasticloadbalancing:CreateRule` | `null` | `{"Priority":..,"Conditions":[..],"Actions":[..],"Role":..,"RuleArn":..}` |
//! | `elasticloadbalancing:SetRulePriorities` | `{"Rules":[["<rule id>",1],..]}` | `{"Rules":[["<rule id>",3],..]}` |
//! | `cloudwatch:DisableAlarmActions` | `{"ActionsEnabled":true,"Region":..}` | `{"ActionsEnabled":false,"Region":..}` |
//! | `cloudfront:CreateInvalidation` | `null` | `{"Paths":[..],"CallerReference":..,"OnFailBack":..}` |

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::elb::{ListenerAction, RuleCondition};
use super::maintenance::{Interruption, MaintenanceMarker, MaintenancePhase, StopKind};
use super::route53::{RecordSet, TXT_STRING_MAX as STRING_MAX, quote_strings, unquote_strings};

/// The journal format this code writes; older and newer ones are refused with a clear message.
pub const FORMAT: u32 = 1;
/// The TTL of the journal record.
pub const TTL: i64 = 60;
/// The longest reason a journal takes, in characters: it is read by every operator (`dig TXT`),
/// and the journal, with the old one beside it in each update, must stay within Route 53's limit
/// per change.
pub const REASON_MAX: usize = 1024;
/// How long a switch at work goes at the most without updating its journal: one step's call
/// and the journal write after it, each bounded by the call time limit (30 s unless set), with
/// room to spare. Older, an entry or fail back with no stop recorded was abandoned.
pub const ABANDONED_AFTER: time::Duration = time::Duration::minutes(2);
/// The journal's word for a switch abandoned (see [`Journal::interruption_at`]).
pub const ABANDONED: &str =
    "without a word: its process ended (killed, or its session or machine lost)";
const CHUNK_PREFIX: &str = "sy1:";
/// Route 53's limit on the characters of all values in one ChangeResourceRecordSets call.
pub const CHANGE_VALUES_MAX: usize = 32_000;
/// Strings per value: a value stays under Route 53's 4,000 characters.
const STRINGS_PER_VALUE: usize = 14;

/// The name of the journal record of a site that covers every record type at its name, and
/// of every journal written before sites had a [`Scope`].
pub fn record_name(site_record: &str) -> String {
    format!(
        "_switchyard.{}",
        site_record.trim_end_matches('.').to_ascii_lowercase()
    )
}

/// Which records at its name a journal's site covers: the site's identity beside its name, so
/// that two sites of one name never share a journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every address type at the name (the config names no `record_type`).
    Every,
    /// Only the records of this type (the config's `record_type`).
    Only(String),
}

impl Scope {
    /// `every record type` or `the AAAA records`.
    pub fn describe(&self) -> String {
        match self {
            Scope::Every => "every record type".into(),
            Scope::Only(t) => format!("the {t} records"),
        }
    }

    /// Whether records of this type are the scope's.
    pub fn covers(&self, rtype: &str) -> bool {
        match self {
            Scope::Every => true,
            Scope::Only(t) => t.eq_ignore_ascii_case(rtype),
        }
    }
}

/// The name of the journal record of a site of `scope`: `_switchyard.<record>` for a site of
/// every type, `_switchyard-aaaa.<record>` for a site of the AAAA records only.
pub fn scoped_record_name(site_record: &str, scope: &Scope) -> String {
    match scope {
        Scope::Every => record_name(site_record),
        Scope::Only(t) => format!(
            "_switchyard-{}.{}",
            t.to_ascii_lowercase(),
            site_record.trim_end_matches('.').to_ascii_lowercase()
        ),
    }
}

/// The name of the record that holds `journal`: where its scope says, or for a journal written
/// before sites had a scope, where every journal was then.
pub fn record_name_of(site_record: &str, journal: &Journal) -> String {
    match &journal.scope {
        Some(scope) => scoped_record_name(site_record, scope),
        None => record_name(site_record),
    }
}

/// The journal of a site among those found: the one at its own record name, else (for a site of
/// one type) one written at the shared name before sites had a scope, if that one is the site's.
/// `Err` when the journal at its own name belongs to another site.
pub fn pick_journal(
    own: Option<Journal>,
    legacy: Option<Journal>,
    site: &str,
    record: &str,
    scope: &Scope,
) -> Result<Option<Journal>, String> {
    if let Some(j) = own {
        j.belongs_to(site, record, scope)?;
        return Ok(Some(j));
    }
    Ok(legacy.filter(|j| {
        *scope != Scope::Every
            && j.scope.is_none()
            && j.site == site
            && j.belongs_to(site, record, scope).is_ok()
    }))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// A protected site's `maintenance on` waits for a second person's approval
    /// ([`Journal::approval`]): nothing is changed yet, and the site is not in maintenance.
    AwaitingApproval,
    /// Steps toward maintenance are being carried out.
    Entering,
    /// Every step toward maintenance is done.
    Active,
    /// Failing back: steps are being undone.
    Leaving,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Not started.
    Planned,
    /// Started and not known to be done: the next run checks AWS to see whether it took effect.
    Started,
    Done,
    /// Failed back: the original value is in place again.
    Undone,
}

/// One change to AWS, with everything needed to make it and to take it back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The strategy it belongs to, by its config name.
    pub strategy: String,
    /// What it changes, with the original value (restored on fail back) and the maintenance
    /// value. In the JSON: `call`, `before` and `after`.
    #[serde(flatten)]
    pub change: Change,
    /// The resource it changes: an ID or ARN, or for a record its name, type and set identifier.
    pub resource: String,
    pub state: StepState,
    /// The last error, if the step failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The Route 53 change ID of a record change toward maintenance: followed to INSYNC by every
    /// reader of the journal, so that an answer inferred from the records (without TestDNSAnswer)
    /// is not taken as served before the change has reached Route 53's servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_id: Option<String>,
}

impl Step {
    /// A step not started yet.
    pub fn planned(strategy: &str, resource: &str, change: Change) -> Step {
        Step {
            strategy: strategy.to_string(),
            change,
            resource: resource.to_string(),
            state: StepState::Planned,
            error: None,
            change_id: None,
        }
    }

    /// The AWS call that makes the change, `service:Operation`.
    pub fn call(&self) -> &'static str {
        self.change.call()
    }
}

/// The kinds of change the strategies make, each with its original value (`before`) and its
/// maintenance value (`after`). In the journal the variant is the `call`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call")]
pub enum Change {
    /// A health check's Inverted flag (UpdateHealthCheck).
    #[serde(rename = "route53:UpdateHealthCheck")]
    InvertHealthCheck {
        /// With the HealthCheckVersion read for the plan.
        before: Inversion,
        after: Inversion,
    },
    /// A record set replaced (DELETE of the exact current value and CREATE, in one batch).
    #[serde(rename = "route53:ChangeResourceRecordSets")]
    Record {
        before: Box<RecordValue>,
        after: Box<RecordValue>,
    },
    /// Several record sets replaced in one atomic batch, each a DELETE of its exact current value
    /// and a CREATE: the records of every type of a dual-stack site, or the members of a
    /// weighted set. (Its own `call` in the journal, so that a switchyard that knows only one
    /// record a step refuses the journal instead of restoring part of it.)
    #[serde(rename = "route53:ChangeResourceRecordSets:batch")]
    Records {
        before: RecordBatch,
        after: RecordBatch,
    },
    /// A listener's default actions (ModifyListener).
    #[serde(rename = "elasticloadbalancing:ModifyListener")]
    ListenerDefaultActions {
        before: DefaultActions,
        after: DefaultActions,
    },
    /// A listener rule created for the maintenance (CreateRule; DeleteRule takes it back).
    #[serde(rename = "elasticloadbalancing:CreateRule")]
    CreateRule {
        #[serde(default)]
        before: Absent,
        after: NewRule,
    },
    /// A listener's rules moved to other priorities, all at once (SetRulePriorities; the same
    /// call with the original priorities takes it back). The step's resource is the listener.
    #[serde(rename = "elasticloadbalancing:SetRulePriorities")]
    RulePriorities {
        before: RulePriorities,
        after: RulePriorities,
    },
    /// An alarm's actions (DisableAlarmActions; EnableAlarmActions takes it back).
    #[serde(rename = "cloudwatch:DisableAlarmActions")]
    AlarmActions {
        before: AlarmActions,
        after: AlarmActions,
    },
    /// A CloudFront invalidation (never taken back).
    #[serde(rename = "cloudfront:CreateInvalidation")]
    Invalidate {
        #[serde(default)]
        before: Absent,
        after: Invalidation,
    },
}

impl Change {
    /// The AWS call that makes the change, `service:Operation`.
    pub fn call(&self) -> &'static str {
        match self {
            Change::InvertHealthCheck { .. } => "route53:UpdateHealthCheck",
            Change::Record { .. } | Change::Records { .. } => "route53:ChangeResourceRecordSets",
            Change::ListenerDefaultActions { .. } => "elasticloadbalancing:ModifyListener",
            Change::CreateRule { .. } => "elasticloadbalancing:CreateRule",
            Change::RulePriorities { .. } => "elasticloadbalancing:SetRulePriorities",
            Change::AlarmActions { .. } => "cloudwatch:DisableAlarmActions",
            Change::Invalidate { .. } => "cloudfront:CreateInvalidation",
        }
    }

    /// The AWS call that takes the change back.
    pub fn undo_call(&self) -> &'static str {
        match self {
            Change::InvertHealthCheck { .. }
            | Change::Record { .. }
            | Change::Records { .. }
            | Change::ListenerDefaultActions { .. }
            | Change::RulePriorities { .. } => self.call(),
            Change::CreateRule { .. } => "elasticloadbalancing:DeleteRule",
            Change::AlarmActions { .. } => "cloudwatch:EnableAlarmActions",
            Change::Invalidate { .. } => "(none: an invalidation is not undone)",
        }
    }

    /// Whether making the change changes anything: its maintenance value differs from the
    /// original (an alarm already silenced does not), or it creates something. A health check's
    /// original carries its version, so inverting one is always a step.
    pub fn changes_something(&self) -> bool {
        match self {
            Change::InvertHealthCheck { before, after } => before != after,
            Change::Record { before, after } => before != after,
            Change::Records { before, after } => before != after,
            Change::ListenerDefaultActions { before, after } => before != after,
            Change::RulePriorities { before, after } => before != after,
            Change::AlarmActions { before, after } => before != after,
            Change::CreateRule { .. } | Change::Invalidate { .. } => true,
        }
    }
}

/// The `before` of a change that creates something: `null` in the journal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absent;

/// A health check's Inverted flag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Inversion {
    pub inverted: bool,
    /// The version read when the step was planned (original values only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_version: Option<i64>,
}

/// A record set and its zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecordValue {
    pub zone: String,
    pub record: RecordSet,
}

/// Record sets of one zone, changed together; `before` and `after` list them in the same order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecordBatch {
    pub zone: String,
    pub records: Vec<RecordSet>,
}

/// A listener's default actions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DefaultActions {
    pub default_actions: Vec<ListenerAction>,
}

/// What a maintenance rule switchyard creates lets through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleRole {
    /// The operators' rule: their requests still reach the app.
    Allow,
    /// Everyone else's: the sorry page.
    Maintenance,
}

impl RuleRole {
    /// `allow` or `maintenance`: the value of the rule's `switchyard:rule` tag.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleRole::Allow => "allow",
            RuleRole::Maintenance => "maintenance",
        }
    }
}

/// A listener rule to create.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NewRule {
    pub priority: u32,
    pub conditions: Vec<RuleCondition>,
    pub actions: Vec<ListenerAction>,
    pub role: RuleRole,
    /// The ARN AWS gave the rule, once created.
    #[serde(default)]
    pub rule_arn: Option<String>,
}

/// The priorities of some rules of a listener. Each rule is named by its ID, the last part of
/// its ARN (`arn:...:listener-rule/app/<lb>/<lb id>/<listener id>/<rule id>`), so that a journal
/// that moves a hundred rules stays within what a Route 53 change holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RulePriorities {
    /// `[rule ID, priority]`, by priority.
    pub rules: Vec<(String, u32)>,
}

impl RulePriorities {
    /// The ARN of a rule of `listener` by its ID.
    pub fn rule_arn(listener: &str, id: &str) -> String {
        format!(
            "{}/{id}",
            listener.replacen(":listener/", ":listener-rule/", 1)
        )
    }

    /// The ID of a rule: the last part of its ARN.
    pub fn rule_id(arn: &str) -> &str {
        arn.rsplit('/').next().unwrap_or(arn)
    }

    /// The priority of a rule, by its ID.
    pub fn of(&self, id: &str) -> Option<u32> {
        self.rules.iter().find(|(r, _)| r == id).map(|(_, p)| *p)
    }
}

/// Whether an alarm's actions are enabled, and the alarm's region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmActions {
    pub actions_enabled: bool,
    pub region: String,
}

/// A CloudFront invalidation to make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Invalidation {
    pub paths: Vec<String>,
    /// Unique to the maintenance window: the same reference gives back the same invalidation.
    pub caller_reference: String,
    /// Invalidate again on fail back.
    pub on_fail_back: bool,
    /// The ID AWS gave the invalidation, once made.
    #[serde(default)]
    pub invalidation_id: Option<String>,
}

/// The whole maintenance state of a site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    pub format: u32,
    pub site: String,
    pub record: String,
    /// Which records at the name the site covers (`None`: written before sites had a scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// The hosted zone of the site's record (journals written before it was kept lack it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// The AWS account the switch was made in, as STS named the caller's (journals written
    /// before it was kept lack it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The caller ARN of who entered maintenance.
    pub by: String,
    /// The machine it was entered from.
    pub host: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub phase: Phase,
    /// When the maintenance window ends (`maintenance on --for`, the site's `max_window`,
    /// `maintenance extend`): past it the site is MAINTENANCE OVERDUE. Nothing fails back on its
    /// own. Journals written before windows had an end lack it: they never expire.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub expires_at: Option<OffsetDateTime>,
    pub steps: Vec<Step>,
    /// A protected site's request for approval of a switch (`maintenance on` while the journal
    /// awaits approval, `maintenance off` while in maintenance), and its decision; kept once
    /// the approved switch is under way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<super::approval::Approval>,
    /// The switch was made without approval, by `--break-glass`: who and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub break_glass: Option<super::approval::BreakGlass>,
    /// Set when a switch was stopped between two steps by a signal: nobody is working on the
    /// site, so the next run need not wait for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// Who last changed the journal, and when.
    pub updated_by: String,
    /// The machine it was last changed from (journals written before it was kept lack it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_host: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Phase {
    /// `entering maintenance`, `in maintenance`, ...
    pub fn words(self) -> &'static str {
        match self {
            Phase::AwaitingApproval => "awaiting approval to enter maintenance",
            Phase::Entering => "entering maintenance",
            Phase::Active => "in maintenance",
            Phase::Leaving => "failing back",
        }
    }
}

impl Journal {
    /// Whether the journal records maintenance (entering, in effect, or failing back), rather
    /// than only a request to enter it that awaits approval (nothing changed yet).
    pub fn in_effect(&self) -> bool {
        self.phase != Phase::AwaitingApproval
    }

    /// The request for approval that is outstanding, if any: `maintenance on` awaiting
    /// approval, or the fail back of maintenance in effect. (An approval kept in the journal of
    /// the switch it let through is not outstanding.)
    pub fn request(&self) -> Option<&super::approval::Approval> {
        let a = self.approval.as_ref()?;
        match (self.phase, a.direction) {
            (Phase::AwaitingApproval, super::history::Direction::On)
            | (Phase::Active, super::history::Direction::Off) => Some(a),
            _ => None,
        }
    }

    /// The human line: the first TXT value.
    pub fn summary(&self) -> String {
        let state = self.phase.words();
        let at = self
            .at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let mut s = format!(
            "switchyard: {} {state} since {at} by {}",
            self.site, self.by
        );
        if let Some(r) = &self.reason {
            s.push_str(": ");
            s.push_str(r);
        }
        s
    }

    /// Who holds the site, as the loser of a race is told: "held by X since T, reason R", then
    /// what the holder is doing and when it last wrote.
    pub fn holder(&self) -> String {
        let rfc = |t: OffsetDateTime| {
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        let doing = match (&self.approval, self.phase) {
            (Some(a), Phase::Active)
                if a.decision.is_none() && a.direction == super::history::Direction::Off =>
            {
                "in maintenance; its fail back awaits approval"
            }
            _ => self.phase.words(),
        };
        format!(
            "site {} is held by {} since {}, reason {} ({doing}; journal last written by {} on {} at {})",
            self.site,
            self.by,
            rfc(self.at),
            self.reason
                .as_ref()
                .map(|r| format!("{r:?}"))
                .unwrap_or_else(|| "none given".into()),
            self.updated_by,
            self.updated_host.as_deref().unwrap_or(&self.host),
            rfc(self.updated_at)
        )
    }

    /// Whether the journal is that of the site `site` of `record` and `scope`: written for the
    /// same record and scope (a journal written before sites had a scope: one that changed no
    /// record outside the scope). `Err` says whose it is.
    pub fn belongs_to(&self, site: &str, record: &str, scope: &Scope) -> Result<(), String> {
        let norm = |r: &str| r.trim_end_matches('.').to_ascii_lowercase();
        let whose = |what: String| {
            format!(
                "the journal was written by site {} for {what}, not for site {site} ({} of {}): \
                 it is not this site's to resume or undo",
                self.site,
                scope.describe(),
                norm(record)
            )
        };
        if norm(&self.record) != norm(record) {
            return Err(whose(norm(&self.record)));
        }
        match &self.scope {
            Some(s) if s == scope => Ok(()),
            Some(s) => Err(whose(format!("{} of {}", s.describe(), norm(&self.record)))),
            None => match self.record_types().iter().find(|t| !scope.covers(t)) {
                Some(t) => Err(whose(format!("the {t} records of {}", norm(&self.record)))),
                None => Ok(()),
            },
        }
    }

    /// The record types the journal's steps change.
    pub fn record_types(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in &self.steps {
            let records: Vec<&RecordSet> = match &s.change {
                Change::Record { before, .. } => vec![&before.record],
                Change::Records { before, .. } => before.records.iter().collect(),
                _ => Vec::new(),
            };
            for r in records {
                if !out.contains(&r.rtype) {
                    out.push(r.rtype.clone());
                }
            }
        }
        out
    }

    /// The strategies of the journal, in order, without repeats.
    pub fn strategies(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in &self.steps {
            if !out.contains(&s.strategy) {
                out.push(s.strategy.clone());
            }
        }
        out
    }

    pub fn done_steps(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.state == StepState::Done)
            .count()
    }

    /// What the rest of the model needs to know of the journal.
    pub fn marker(&self) -> MaintenanceMarker {
        MaintenanceMarker {
            by: self.by.clone(),
            at: self.at,
            reason: self.reason.clone(),
            strategies: self.strategies(),
            phase: match self.phase {
                Phase::AwaitingApproval | Phase::Entering => MaintenancePhase::Entering,
                Phase::Active => MaintenancePhase::Active,
                Phase::Leaving => MaintenancePhase::Leaving,
            },
            done_steps: self.done_steps(),
            total_steps: self.steps.len(),
            interrupted: self.interruption(),
            expires_at: self.expires_at,
            expires_local: None,
            break_glass: self.break_glass.clone(),
            approved_by: self.approval.as_ref().and_then(|a| match &a.decision {
                Some(super::approval::Decision::Approved { by, .. }) => Some(by.clone()),
                _ => None,
            }),
            changes: self
                .steps
                .iter()
                .filter_map(|s| s.change_id.clone())
                .collect(),
        }
    }

    /// The switch the journal records as stopped before its last step, if any: who ran it, on
    /// which machine, when it stopped, and how far it got. `None` when it is not stopped, or
    /// once every step of it is done (an entry) or undone (a fail back).
    pub fn interruption(&self) -> Option<Interruption> {
        let why = self.stopped.as_ref()?;
        self.unfinished(why.clone(), StopKind::Signal)
    }

    /// [`Journal::interruption`], or a switch abandoned: still entering or failing back, no stop
    /// recorded, and no update for [`ABANDONED_AFTER`] before `now` (the reader's clock): the
    /// process that ran it ended without a word (killed, its session or machine lost). Nobody is
    /// at work on it any more than on a stopped one.
    pub fn interruption_at(&self, now: OffsetDateTime) -> Option<Interruption> {
        if let Some(i) = self.interruption() {
            return Some(i);
        }
        if self.stopped.is_some() || super::obs::before(now, self.updated_at + ABANDONED_AFTER) {
            return None;
        }
        self.unfinished(ABANDONED.to_string(), StopKind::Abandoned)
    }

    /// The marker, with a switch abandoned before `now` counted as interrupted.
    pub fn marker_at(&self, now: OffsetDateTime) -> MaintenanceMarker {
        MaintenanceMarker {
            interrupted: self.interruption_at(now),
            ..self.marker()
        }
    }

    /// How far the switch got, as an interruption for `why`; `None` when it is not unfinished.
    fn unfinished(&self, why: String, how: StopKind) -> Option<Interruption> {
        let (done, total) = match self.phase {
            Phase::Active | Phase::AwaitingApproval => return None,
            Phase::Entering => (self.done_steps(), self.steps.len()),
            Phase::Leaving => {
                let undone = self
                    .steps
                    .iter()
                    .filter(|s| s.state == StepState::Undone)
                    .count();
                let left = self
                    .steps
                    .iter()
                    .filter(|s| {
                        !matches!(s.change, Change::Invalidate { .. })
                            && matches!(s.state, StepState::Done | StepState::Started)
                    })
                    .count();
                (undone, undone + left)
            }
        };
        if done >= total {
            return None;
        }
        Some(Interruption {
            by: self.updated_by.clone(),
            host: self
                .updated_host
                .clone()
                .unwrap_or_else(|| self.host.clone()),
            at: self.updated_at,
            done,
            total,
            why,
            how,
        })
    }

    /// Encodes the journal as TXT record values, each already quoted for Route 53.
    pub fn to_txt_values(&self) -> Result<Vec<String>, String> {
        let json =
            serde_json::to_vec(self).map_err(|e| format!("cannot encode the journal: {e}"))?;
        let payload = URL_SAFE_NO_PAD.encode(json);
        let per_value = STRING_MAX * STRINGS_PER_VALUE - 16;
        let chunks: Vec<&str> = payload
            .as_bytes()
            .chunks(per_value)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        let n = chunks.len();
        let mut values = vec![quote_strings(&truncate(&self.summary(), 3 * STRING_MAX))];
        for (i, chunk) in chunks.iter().enumerate() {
            values.push(quote_strings(&format!(
                "{CHUNK_PREFIX}{}/{n}:{chunk}",
                i + 1
            )));
        }
        Ok(values)
    }

    /// Whether the journal fits its TXT record as switchyard changes it: Route 53 takes at most
    /// 32,000 characters of values in one change, and an update DELETEs the old values and
    /// CREATEs the new ones in the same change. `Err` says how large it is. A margin is kept for
    /// what the steps add as they are done (rule ARNs, invalidation IDs).
    pub fn fits_route53(&self) -> Result<(), String> {
        const MAX: usize = CHANGE_VALUES_MAX / 2 - 1_000;
        let chars: usize = self.to_txt_values()?.iter().map(String::len).sum();
        if chars <= MAX {
            Ok(())
        } else {
            Err(format!(
                "the maintenance journal would take {chars} characters in its TXT record; switchyard keeps it under {MAX} (Route 53 takes {CHANGE_VALUES_MAX} per change, and a journal update replaces the old values with the new ones in one change)"
            ))
        }
    }

    /// Reads a journal back from the TXT values of its record, in any order.
    pub fn from_txt_values(values: &[String]) -> Result<Journal, String> {
        let json = payload(values)?;
        let probe: serde_json::Value = serde_json::from_slice(&json)
            .map_err(|e| format!("the journal is not valid JSON: {e}"))?;
        let format = probe
            .get("format")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        if format != u64::from(FORMAT) {
            return Err(format!(
                "the journal was written in format {format} and this switchyard reads format {FORMAT}: use the switchyard version that wrote it"
            ));
        }
        if let Some(call) = unknown_call(&probe) {
            return Err(format!(
                "the journal holds a step this switchyard does not know ({call}): use the switchyard version that wrote it"
            ));
        }
        serde_json::from_value(probe)
            .map_err(|e| format!("the journal does not read as a journal: {e}"))
    }
}

/// The JSON the journal's chunks carry, joined in order.
fn payload(values: &[String]) -> Result<Vec<u8>, String> {
    let mut chunks: Vec<(usize, usize, String)> = Vec::new();
    for v in values {
        let text = unquote_strings(v);
        let Some(rest) = text.strip_prefix(CHUNK_PREFIX) else {
            continue;
        };
        let (head, data) = rest
            .split_once(':')
            .ok_or("a journal chunk has no header")?;
        let (i, n) = head
            .split_once('/')
            .ok_or("a journal chunk header is not i/n")?;
        let i: usize = i
            .parse()
            .map_err(|_| "a journal chunk index is not a number")?;
        let n: usize = n
            .parse()
            .map_err(|_| "a journal chunk count is not a number")?;
        chunks.push((i, n, data.to_string()));
    }
    if chunks.is_empty() {
        return Err("the record holds no switchyard journal (is it from another tool?)".into());
    }
    chunks.sort_by_key(|c| c.0);
    let n = chunks[0].1;
    if chunks.len() != n
        || chunks
            .iter()
            .enumerate()
            .any(|(k, c)| c.0 != k + 1 || c.1 != n)
    {
        return Err(format!(
            "the journal is incomplete: {} of {n} chunks",
            chunks.len()
        ));
    }
    let payload: String = chunks.into_iter().map(|c| c.2).collect();
    URL_SAFE_NO_PAD
        .decode(payload.as_bytes())
        .map_err(|e| format!("the journal is not valid base64: {e}"))
}

/// The `call` of the first step of a journal's JSON that is none of [`Change`]'s.
fn unknown_call(journal: &serde_json::Value) -> Option<String> {
    const KNOWN: [&str; 8] = [
        "route53:UpdateHealthCheck",
        "route53:ChangeResourceRecordSets",
        "route53:ChangeResourceRecordSets:batch",
        "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:CreateRule",
        "elasticloadbalancing:SetRulePriorities",
        "cloudwatch:DisableAlarmActions",
        "cloudfront:CreateInvalidation",
    ];
    journal
        .get("steps")?
        .as_array()?
        .iter()
        .filter_map(|s| s.get("call")?.as_str())
        .find(|c| !KNOWN.contains(c))
        .map(str::to_string)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max - 1).collect::<String>() + "…"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::elb::{ListenerAction, RuleCondition};

    fn journal(reason: &str, steps: usize) -> Journal {
        let at = OffsetDateTime::from_unix_timestamp(1_795_312_800).unwrap();
        Journal {
            format: FORMAT,
            site: "shop".into(),
            record: "www.example.com".into(),
            scope: None,
            zone: None,
            account: None,
            by: "arn:aws:sts::123456789012:assumed-role/OpsAdmin/night-shift".into(),
            host: "bastion-1".into(),
            at,
            reason: Some(reason.into()),
            phase: Phase::Active,
            expires_at: None,
            steps: (0..steps)
                .map(|i| Step {
                    state: StepState::Done,
                    ..Step::planned(
                        "elb-listener-sorry",
                        &format!("arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop/0123456789abcdef/{i:016x}"),
                        Change::ListenerDefaultActions {
                            before: DefaultActions {
                                default_actions: vec![ListenerAction {
                                    order: Some(1),
                                    ..ListenerAction::forward_to("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-app/0123456789abcdef")
                                }],
                            },
                            after: DefaultActions {
                                default_actions: vec![ListenerAction::fixed(
                                    "503",
                                    Some("text/html".into()),
                                    Some("<h1>back soon</h1>".into()),
                                )],
                            },
                        },
                    )
                })
                .collect(),
            approval: None,
            break_glass: None,
            stopped: None,
            updated_by: "arn:aws:sts::123456789012:assumed-role/OpsAdmin/night-shift".into(),
            updated_host: None,
            updated_at: at,
        }
    }

    #[test]
    fn a_switch_stopped_before_its_last_step_is_an_interruption_until_finished_or_undone() {
        // Entering, stopped after 2 of 4 steps.
        let mut j = journal("x", 4);
        j.phase = Phase::Entering;
        j.steps[2].state = StepState::Planned;
        j.steps[3].state = StepState::Planned;
        assert_eq!(j.interruption(), None, "not stopped: someone is at work");
        j.stopped = Some("by a signal".into());
        j.updated_host = Some("bastion-2".into());
        let i = j.interruption().unwrap();
        assert_eq!((i.done, i.total), (2, 4));
        assert_eq!(i.host, "bastion-2");
        assert_eq!(j.marker().interrupted, Some(i));
        // Every step done (the same command again): not interrupted any more.
        j.steps[2].state = StepState::Done;
        j.steps[3].state = StepState::Done;
        assert_eq!(j.interruption(), None);
        // Failing back, stopped after 1 of 3 undone (an invalidation is never undone).
        let mut j = journal("x", 3);
        j.phase = Phase::Leaving;
        j.stopped = Some("by a signal".into());
        j.steps[2].state = StepState::Undone;
        j.steps.push(Step {
            state: StepState::Done,
            ..Step::planned(
                "cloudfront-invalidate",
                "E1",
                Change::Invalidate {
                    before: Absent,
                    after: Invalidation {
                        paths: vec!["/*".into()],
                        caller_reference: "r".into(),
                        on_fail_back: false,
                        invalidation_id: None,
                    },
                },
            )
        });
        let i = j.interruption().unwrap();
        assert_eq!((i.done, i.total), (1, 3));
        assert_eq!(
            i.host, "bastion-1",
            "without updated_host: the journal's host"
        );
        // Active: never interrupted.
        j.phase = Phase::Active;
        assert_eq!(j.interruption(), None);
    }

    #[test]
    fn a_switch_left_without_a_word_is_an_interruption_once_nobody_updated_it_for_2_minutes() {
        // Entering, 2 of 4 steps done, no stop recorded (the process was killed).
        let mut j = journal("x", 4);
        j.phase = Phase::Entering;
        j.steps[2].state = StepState::Planned;
        j.steps[3].state = StepState::Planned;
        let last = j.updated_at;
        // Within two minutes of its last update, someone may be at work on it.
        assert_eq!(j.interruption_at(last + time::Duration::seconds(119)), None);
        let i = j
            .interruption_at(last + time::Duration::seconds(121))
            .unwrap();
        assert_eq!((i.done, i.total, i.at), (2, 4, last));
        assert_eq!((i.why.as_str(), i.how), (ABANDONED, StopKind::Abandoned));
        assert_eq!(
            j.marker_at(last + time::Duration::minutes(5)).interrupted,
            Some(i)
        );
        // A stop recorded is said as such, whenever it is read.
        j.stopped = Some("by a signal".into());
        assert_eq!(
            j.interruption_at(last).map(|i| i.why),
            Some("by a signal".into())
        );
        // In maintenance (every step done), nothing is unfinished however old.
        j.stopped = None;
        j.phase = Phase::Active;
        j.steps[2].state = StepState::Done;
        j.steps[3].state = StepState::Done;
        assert_eq!(j.interruption_at(last + time::Duration::days(3)), None);
    }

    #[test]
    fn a_journal_survives_the_txt_record() {
        let j = journal("DB migration \"v42\" — ticket OPS-1234", 3);
        let values = j.to_txt_values().unwrap();
        assert!(values[0].starts_with("\"switchyard: shop in maintenance since 2026-11-22T02:00:00Z by arn:aws:sts::123456789012:assumed-role/OpsAdmin/night-shift: DB migration \\\"v42\\\""));
        let mut shuffled = values.clone();
        shuffled.reverse();
        assert_eq!(Journal::from_txt_values(&shuffled).unwrap(), j);
    }

    #[test]
    fn a_large_journal_is_split_into_values_within_route53_limits() {
        let j = journal("big", 40);
        let values = j.to_txt_values().unwrap();
        assert!(values.len() > 2, "{} values", values.len());
        for v in &values {
            assert!(v.len() <= 4000, "value of {} characters", v.len());
            for s in v.split("\" \"") {
                assert!(s.trim_matches('"').len() <= 255);
            }
        }
        assert_eq!(Journal::from_txt_values(&values).unwrap(), j);
    }

    #[test]
    fn damaged_journals_say_what_is_wrong() {
        let values = journal("x", 40).to_txt_values().unwrap();
        let missing: Vec<String> = values
            .iter()
            .filter(|v| !v.contains("sy1:2/"))
            .cloned()
            .collect();
        assert!(
            Journal::from_txt_values(&missing)
                .unwrap_err()
                .contains("incomplete")
        );
        assert!(
            Journal::from_txt_values(&["\"v=spf1 -all\"".into()])
                .unwrap_err()
                .contains("no switchyard journal")
        );
        assert!(
            Journal::from_txt_values(&["\"sy1:1/1:!!!\"".into()])
                .unwrap_err()
                .contains("base64")
        );
        let future = URL_SAFE_NO_PAD.encode(br#"{"format":9}"#);
        let err = Journal::from_txt_values(&[format!("\"sy1:1/1:{future}\"")]).unwrap_err();
        assert!(err.contains("format 9"), "{err}");
    }

    #[test]
    fn a_step_of_an_unknown_kind_is_named() {
        let mut json = serde_json::to_value(journal("x", 2)).unwrap();
        json["steps"][1]["call"] = "route53:DeleteHealthCheck".into();
        let encoded = URL_SAFE_NO_PAD.encode(json.to_string());
        let err = Journal::from_txt_values(&[format!("\"sy1:1/1:{encoded}\"")]).unwrap_err();
        assert!(
            err.contains("a step this switchyard does not know (route53:DeleteHealthCheck)"),
            "{err}"
        );
    }

    #[test]
    fn a_step_keeps_the_journal_shape_of_call_before_and_after() {
        let json = serde_json::to_value(&journal("x", 1).steps[0]).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["after", "before", "call", "resource", "state", "strategy"]
        );
        assert_eq!(json["call"], "elasticloadbalancing:ModifyListener");
        assert_eq!(json["after"]["DefaultActions"][0]["kind"], "fixed-response");
        let created = Step::planned(
            "cloudfront-invalidate",
            "E1",
            Change::Invalidate {
                before: Absent,
                after: Invalidation {
                    paths: vec!["/*".into()],
                    caller_reference: "r".into(),
                    on_fail_back: false,
                    invalidation_id: None,
                },
            },
        );
        let json = serde_json::to_value(&created).unwrap();
        assert_eq!(json["before"], serde_json::Value::Null);
        assert_eq!(json["after"]["InvalidationId"], serde_json::Value::Null);
    }

    /// `alb-maintenance-rule` ahead of 100 rules (AWS's default limit per load balancer) with a
    /// full-length maintenance page: the journal still fits a Route 53 change twice over.
    #[test]
    fn a_journal_that_moves_a_hundred_rules_fits_route53() {
        let listener = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop-alb/0123456789abcdef/0123456789abcdef";
        let id = |i: u32| format!("{:016x}", u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let moved = Step {
            state: StepState::Done,
            ..Step::planned(
                "alb-maintenance-rule",
                listener,
                Change::RulePriorities {
                    before: RulePriorities {
                        rules: (1..=100).map(|i| (id(i), i)).collect(),
                    },
                    after: RulePriorities {
                        rules: (1..=100).map(|i| (id(i), i + 2)).collect(),
                    },
                },
            )
        };
        let rule = |priority, role, actions| Step {
            state: StepState::Done,
            ..Step::planned(
                "alb-maintenance-rule",
                listener,
                Change::CreateRule {
                    before: Absent,
                    after: NewRule {
                        priority,
                        conditions: vec![RuleCondition {
                            field: "source-ip".into(),
                            values: vec!["203.0.113.0/24".into(); 5],
                            http_header_name: None,
                        }],
                        actions,
                        role,
                        rule_arn: Some(RulePriorities::rule_arn(listener, &id(1000 + priority))),
                    },
                },
            )
        };
        let page = ListenerAction::fixed(
            "503",
            Some("text/html".into()),
            Some("<p>\"maintenance\"</p>".repeat(60)[..1024].to_string()),
        );
        let mut j = journal("a reason an operator would give, with a ticket OPS-1234", 0);
        j.steps = vec![
            moved,
            rule(
                1,
                RuleRole::Allow,
                vec![ListenerAction::forward_to(listener)],
            ),
            rule(2, RuleRole::Maintenance, vec![page]),
        ];
        j.fits_route53().unwrap();
        let again = Journal::from_txt_values(&j.to_txt_values().unwrap()).unwrap();
        assert_eq!(again, j);
        let Change::RulePriorities { after, .. } = &again.steps[0].change else {
            panic!()
        };
        assert_eq!(after.of(&id(7)), Some(9));
        assert_eq!(
            RulePriorities::rule_arn(listener, &id(7)),
            format!(
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/shop-alb/0123456789abcdef/0123456789abcdef/{}",
                id(7)
            )
        );
        assert_eq!(
            RulePriorities::rule_id(&RulePriorities::rule_arn(listener, "abc")),
            "abc"
        );
        // A journal too large for a Route 53 change is refused before anything is changed.
        j.steps[0] = Step {
            state: StepState::Done,
            ..Step::planned(
                "alb-maintenance-rule",
                listener,
                Change::RulePriorities {
                    before: RulePriorities {
                        rules: (1..=1000).map(|i| (id(i), i)).collect(),
                    },
                    after: RulePriorities {
                        rules: (1..=1000).map(|i| (id(i), i + 2)).collect(),
                    },
                },
            )
        };
        assert!(j.fits_route53().unwrap_err().contains("32000 per change"));
    }

    fn record_step(rtype: &str) -> Step {
        let record = RecordSet {
            name: "www.example.com.".into(),
            rtype: rtype.into(),
            set_identifier: Some("primary".into()),
            ..RecordSet::default()
        };
        let value = |r: &RecordSet| {
            Box::new(RecordValue {
                zone: "Z1".into(),
                record: r.clone(),
            })
        };
        Step::planned(
            "route53-swap-primary",
            "www.example.com. AAAA",
            Change::Record {
                before: value(&record),
                after: value(&record),
            },
        )
    }

    #[test]
    fn a_journal_belongs_to_one_site_of_a_name() {
        let only = |t: &str| Scope::Only(t.into());
        assert_eq!(
            scoped_record_name("WWW.Example.com.", &Scope::Every),
            "_switchyard.www.example.com"
        );
        assert_eq!(
            scoped_record_name("www.example.com", &only("AAAA")),
            "_switchyard-aaaa.www.example.com"
        );
        let mut v6 = journal("x", 0);
        v6.scope = Some(only("AAAA"));
        v6.steps = vec![record_step("AAAA")];
        assert_eq!(
            record_name_of("www.example.com", &v6),
            "_switchyard-aaaa.www.example.com"
        );
        assert!(
            v6.belongs_to("v6", "www.example.com.", &only("AAAA"))
                .is_ok()
        );
        let err = v6
            .belongs_to("v4", "www.example.com", &only("A"))
            .unwrap_err();
        assert!(
            err.starts_with("the journal was written by site shop for the AAAA records of www.example.com, not for site v4 (the A records of www.example.com)"),
            "{err}"
        );
        assert!(
            v6.belongs_to("all", "www.example.com", &Scope::Every)
                .is_err()
        );
        assert!(
            v6.belongs_to("v6", "api.example.com", &only("AAAA"))
                .is_err()
        );
        // The scope is kept through the TXT record.
        let back = Journal::from_txt_values(&v6.to_txt_values().unwrap()).unwrap();
        assert_eq!(back.scope, Some(only("AAAA")));
    }

    #[test]
    fn a_journal_written_before_scopes_goes_to_the_site_it_fits() {
        let mut old = journal("x", 0);
        old.steps = vec![record_step("A")];
        assert_eq!(
            record_name_of("www.example.com", &old),
            "_switchyard.www.example.com"
        );
        assert_eq!(old.record_types(), ["A"]);
        // At its own name, a site of every type takes it.
        let picked = pick_journal(
            Some(old.clone()),
            None,
            "shop",
            "www.example.com",
            &Scope::Every,
        );
        assert_eq!(picked.unwrap(), Some(old.clone()));
        // A site of one type takes it from the shared name only when it wrote it: same site
        // name, and no record of another type changed.
        let a = Scope::Only("A".into());
        let aaaa = Scope::Only("AAAA".into());
        assert_eq!(
            pick_journal(None, Some(old.clone()), "shop", "www.example.com", &a).unwrap(),
            Some(old.clone())
        );
        assert_eq!(
            pick_journal(None, Some(old.clone()), "shop", "www.example.com", &aaaa).unwrap(),
            None
        );
        assert_eq!(
            pick_journal(None, Some(old.clone()), "other", "www.example.com", &a).unwrap(),
            None
        );
        // Its own journal first; one of another site at its own name is refused.
        let mut mine = journal("mine", 0);
        mine.scope = Some(a.clone());
        assert_eq!(
            pick_journal(Some(mine.clone()), Some(old), "shop", "www.example.com", &a).unwrap(),
            Some(mine.clone())
        );
        assert!(pick_journal(Some(mine), None, "shop", "www.example.com", &aaaa).is_err());
    }

    #[test]
    fn a_batch_of_records_is_a_call_of_its_own_in_the_journal() {
        let mut j = journal("x", 0);
        let r = record_step("A");
        let Change::Record { before, .. } = &r.change else {
            panic!()
        };
        let batch = RecordBatch {
            zone: "Z1".into(),
            records: vec![before.record.clone(), before.record.clone()],
        };
        j.steps = vec![Step::planned(
            "route53-swap-primary",
            "www A, www AAAA",
            Change::Records {
                before: batch.clone(),
                after: batch,
            },
        )];
        let json = serde_json::to_value(&j.steps[0]).unwrap();
        assert_eq!(json["call"], "route53:ChangeResourceRecordSets:batch");
        assert_eq!(j.steps[0].call(), "route53:ChangeResourceRecordSets");
        assert_eq!(json["before"]["Records"].as_array().unwrap().len(), 2);
        let back = Journal::from_txt_values(&j.to_txt_values().unwrap()).unwrap();
        assert_eq!(back, j);
    }

    #[test]
    fn journal_record_names_are_lower_case_without_the_final_dot() {
        assert_eq!(
            record_name("WWW.Example.com."),
            "_switchyard.www.example.com"
        );
    }
}
