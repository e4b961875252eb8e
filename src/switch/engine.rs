//! Plan and execute: fresh observations -> steps -> preflight -> journal -> steps -> verify.

use std::time::{Duration, Instant};

use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::mpsc::UnboundedSender;

use crate::aws::client::Clients;
use crate::aws::dns::Resolver;
use crate::config::{Site, Strategy};
use crate::model::elb::TargetState;
use crate::model::journal::{self, Change, FORMAT, Journal, Phase, Step, StepState};
use crate::model::maintenance::MaintenancePhase;
use crate::model::route53::{PendingChange, RecordSet};
use crate::model::site::{RecordLayout, SiteObservations};
use crate::model::sts::Identity;
use crate::poll::round::{Depth, Fetcher, blank};

use super::error::SwitchError;
use super::journal::{create_journal, delete_journal, read_journal, update_journal};
use super::plan::{CheckResult, Direction, Plan, PlanStep, PreflightCheck, Progress, StepProgress};
use super::steps::{self, Towards};
use super::verify::{self, DnsExpect, Verification};

/// A journal younger than this may belong to a switchyard that is still running: resuming or
/// failing back from it needs `force`.
pub const BUSY_WINDOW: Duration = Duration::from_secs(60);

/// The loser's message: who holds the site, that this run changed nothing, and what to do.
pub fn held_text(holder: &str, site: &Site, direction: Direction) -> String {
    if holder.ends_with(")") && holder.contains("which awaits approval (plan ") {
        return format!(
            "{holder}: nothing was changed by this run. Another person decides it (`switchyard approve --site {0}` or `switchyard decline --site {0}`), the requester withdraws it (Ctrl-C in the run that asked), or it lapses after approval_ttl",
            site.name
        );
    }
    let follow = match direction {
        Direction::On => "maintenance",
        Direction::Off => "live",
    };
    format!(
        "{holder}: nothing was changed by this run. `switchyard wait --site {0} --for {follow}` \
         follows it; a run that died reads INTERRUPTED after {1} min, and then `maintenance on|off` \
         finishes or undoes it (--force takes over at once)",
        site.name,
        crate::model::journal::ABANDONED_AFTER.whole_minutes()
    )
}

/// How to execute a plan.
#[derive(Clone, Debug)]
pub struct ExecuteOptions {
    /// Run even though a preflight check failed.
    pub force: bool,
    /// Why, recorded in the journal and the audit log.
    pub reason: Option<String>,
    /// Verify until converged (or `timeout`).
    pub wait: bool,
    /// How long to verify.
    pub timeout: Duration,
    /// How often verification looks again.
    pub poll_every: Duration,
    /// Where the audit log goes (`None`: no audit log).
    pub audit_log: Option<std::path::PathBuf>,
    /// Cancelled (by a signal): finish the step running, record it, and stop before the next
    /// one; verification is skipped.
    pub stop: Option<tokio_util::sync::CancellationToken>,
    /// `stop` also ends verification (the console: a quitting operator is not kept waiting
    /// for AWS to converge; `switchyard wait` watches it from there).
    pub stop_verifying: bool,
    /// Cancelled by the operator (the console's `c`): stop as `stop` does (between two steps,
    /// or verifying), then take back what was done with the switch in the other direction,
    /// planned and executed as any switch (its journal, its audit line), forced: it only
    /// returns the site to where it was. Progress says [`Progress::RollingBack`] in between.
    pub roll_back: Option<tokio_util::sync::CancellationToken>,
    /// How long the maintenance window lasts (`maintenance on --for`, else the site's
    /// `max_window`): its end is recorded in the journal, in AWS's time (its responses' `Date`
    /// headers). `None`: no end.
    pub window: Option<Duration>,
    /// `--break-glass "reason"`: a site that needs approval is switched without it; the
    /// journal, the audit log and the AWS history name the caller and the reason.
    pub break_glass: Option<String>,
    /// The way back of a switch the operator cancelled: it returns the site to where it was
    /// minutes before, under the approval (or break-glass) of the switch it takes back.
    pub approval_exempt: bool,
}

impl Default for ExecuteOptions {
    fn default() -> Self {
        ExecuteOptions {
            force: false,
            reason: None,
            wait: false,
            timeout: Duration::from_secs(600),
            poll_every: Duration::from_secs(2),
            audit_log: None,
            stop: None,
            stop_verifying: false,
            roll_back: None,
            window: None,
            break_glass: None,
            approval_exempt: false,
        }
    }
}

/// What a switch's audit line and AWS history entry say beside its plan and outcome, learnt
/// while it runs.
#[derive(Clone, Debug, Default)]
pub struct Recorded {
    /// The approver the approval gate let the switch through with (a protected site).
    pub approved_by: Option<String>,
    /// The end of the maintenance window the entry wrote into the journal (AWS's time).
    pub window_ends: Option<OffsetDateTime>,
}

/// What happened to one step.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepReport {
    /// Index into the plan's steps.
    pub index: usize,
    pub strategy: String,
    pub call: String,
    pub resource: String,
    pub result: StepProgress,
    pub detail: String,
    pub duration_ms: u64,
    /// When the step ended (this machine's clock): the window report's timeline.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// What an execution did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    pub site: String,
    pub direction: Direction,
    /// Set when nothing was done, and why.
    pub nothing_to_do: Option<String>,
    pub steps: Vec<StepReport>,
    /// The verification, when asked for.
    pub verification: Option<Verification>,
    /// One line: what was done.
    pub summary: String,
}

impl Outcome {
    /// False when verification was asked for and did not converge.
    pub fn converged(&self) -> bool {
        self.verification.as_ref().is_none_or(|v| v.converged)
    }

    /// The summary, and what kept the verification from being done: the conditions that
    /// could not be checked (never a pass), or how many did not converge.
    pub fn summary_verified(&self) -> String {
        let Some(v) = self.verification.as_ref().filter(|v| !v.converged) else {
            return self.summary.clone();
        };
        let unverified: Vec<String> = v
            .unverified()
            .iter()
            .map(|i| format!("{} ({})", i.what, i.seen))
            .collect();
        let pending = v.items.iter().filter(|i| !i.converged).count() - unverified.len();
        let mut s = self.summary.clone();
        if !unverified.is_empty() {
            s.push_str(&format!(
                "; NOT verified, could not be checked: {}",
                unverified.join("; ")
            ));
        }
        if pending > 0 {
            s.push_str(&format!(
                "; {pending} condition(s) did not converge in time"
            ));
        }
        s
    }
}

/// What the plan is based on: what execute will do.
pub(crate) enum Basis {
    Nothing,
    /// A new journal with these steps.
    Enter(Vec<Step>),
    /// Maintenance on over a request that awaited approval (the journal as read, replaced by
    /// the entry's journal): the steps, planned fresh.
    EnterRequested {
        request: Journal,
        values: Vec<String>,
        steps: Vec<Step>,
    },
    /// An unfinished entry: the journal as read, and the indices still to do.
    Resume {
        journal: Journal,
        values: Vec<String>,
        todo: Vec<usize>,
    },
    /// A fail back: the journal as read, the indices to undo (in order), and invalidations to
    /// make on the way out.
    Leave {
        journal: Journal,
        values: Vec<String>,
        undo: Vec<usize>,
        extra: Vec<Step>,
    },
}

/// What `execute` needs to make an entry's first change at once (see [`fast_entry`]): the
/// typed steps as planned, and what verification expects.
pub struct Ready {
    steps: Vec<Step>,
    dns: Vec<(String, DnsExpect)>,
    distribution: Option<String>,
    caches: Vec<crate::model::verdict::EtaPart>,
}

/// How long a plan's reads stand for its execution: a plan confirmed within this makes its first
/// change at once, on the conditions of its own values; an older plan reads the site again in
/// full first, as its preflight checks may no longer hold.
pub const PLAN_STANDS_FOR: Duration = Duration::from_secs(60);

pub(crate) struct Prepared {
    pub plan: Plan,
    pub basis: Basis,
    pub dns: Vec<(String, DnsExpect)>,
    pub distribution: Option<String>,
    /// What clients may still hold once the switch converged (the ETA's last parts).
    pub caches: Vec<crate::model::verdict::EtaPart>,
}

/// The end of a window of `window` begun at `t`.
pub(crate) fn window_end(t: OffsetDateTime, window: Option<Duration>) -> Option<OffsetDateTime> {
    window
        .and_then(|w| time::Duration::try_from(w).ok())
        .map(|w| t + w)
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

pub(super) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Reads the site fresh: every piece of its chain, checkers in detail.
pub async fn observe(clients: &Clients, resolver: &Resolver, site: &Site) -> SiteObservations {
    let mut fetcher = Fetcher::new(clients.clone(), resolver.clone());
    let mut obs = vec![blank(site)];
    fetcher.round(&[site], &mut obs, &|_| Depth::Detail).await;
    obs.pop().unwrap_or_else(|| blank(site))
}

/// What a plan shows of a value a step creates from nothing, or takes back to nothing.
const NONE: &str = "(none)";

fn plan_step(s: &Step, towards: Towards) -> PlanStep {
    match towards {
        Towards::Maintenance => PlanStep {
            strategy: s.strategy.clone(),
            call: s.call().to_string(),
            resource: s.resource.clone(),
            before: steps::show_before(&s.change).unwrap_or_else(|| NONE.into()),
            after: steps::show_after(&s.change),
        },
        Towards::Original => PlanStep {
            strategy: s.strategy.clone(),
            call: s.change.undo_call().to_string(),
            resource: s.resource.clone(),
            before: steps::show_after(&s.change),
            after: steps::show_original(&s.change).unwrap_or_else(|| NONE.into()),
        },
    }
}

fn stamp(t: OffsetDateTime) -> String {
    t.unix_timestamp().to_string()
}

/// Builds the plan from fresh observations.
/// Why the steps could not be built: a read that failed (AWS trouble, exit 5 or 3) explains a
/// missing resource better than the config does (exit 2).
fn build_error(o: &SiteObservations, why: String) -> SwitchError {
    let failed = o
        .alarms
        .iter()
        .filter_map(|a| a.alarm.error.as_ref())
        .chain(o.listeners.values().filter_map(|f| f.error.as_ref()))
        .chain(o.rules.values().filter_map(|f| f.error.as_ref()))
        .chain(
            o.health_checks
                .values()
                .filter_map(|h| h.config.error.as_ref()),
        )
        .chain(o.load_balancers.error.as_ref())
        .chain(o.target_groups.error.as_ref())
        .chain(o.dns_answer.error.as_ref())
        .chain(
            o.distribution
                .as_ref()
                .and_then(|d| d.distribution.error.as_ref()),
        )
        .next();
    match failed {
        Some(f) => SwitchError::Read(f.error.clone()),
        None => SwitchError::Usage(why),
    }
}

pub(crate) async fn prepare(
    clients: &Clients,
    resolver: &Resolver,
    site: &Site,
    direction: Direction,
    caller: Option<&Identity>,
) -> Result<Prepared, SwitchError> {
    if site.maintenance.is_empty() {
        return Err(SwitchError::Usage(format!(
            "site {} has no [[site.maintenance]] strategy in the config: nothing says how to switch it",
            site.name
        )));
    }
    let obs = observe(clients, resolver, site).await;
    if let Some(f) = &obs.records.error {
        return Err(SwitchError::Read(f.error.clone()));
    }
    let mut obs = obs;
    let journal = read_journal(clients, site).await?;
    // Only a journal of this site's own strategies is resumed or undone.
    if let Some((j, _)) = &journal {
        super::binding::check(site, &obs, j, caller.map(|c| c.account.as_str()))?;
    }
    let made_at = now();
    let held_by = journal
        .as_ref()
        .and_then(|(j, _)| held(j, direction, caller, clients.clock.now()));
    let mut nothing = None;
    let mut shown = Vec::new();
    let basis = match (direction, journal) {
        (Direction::On, None) => {
            let mut all =
                steps::build(site, &obs, &stamp(made_at)).map_err(|why| build_error(&obs, why))?;
            all.retain(steps::changes_something);
            if all.is_empty() {
                nothing = Some(
                    "every strategy already has its maintenance value (and there is no switchyard journal)"
                        .to_string(),
                );
                Basis::Nothing
            } else {
                shown = all
                    .iter()
                    .map(|s| plan_step(s, Towards::Maintenance))
                    .collect();
                Basis::Enter(all)
            }
        }
        (Direction::On, Some((j, values))) => match j.phase {
            // A request that awaited approval: the entry is planned afresh from AWS as it is
            // now; its hash is what the approval must be of.
            Phase::AwaitingApproval => {
                let mut all = steps::build(site, &obs, &stamp(made_at))
                    .map_err(|why| build_error(&obs, why))?;
                all.retain(steps::changes_something);
                if all.is_empty() {
                    nothing = Some(format!(
                        "every strategy already has its maintenance value (a request by {} awaits approval)",
                        j.by
                    ));
                    Basis::Nothing
                } else {
                    shown = all
                        .iter()
                        .map(|s| plan_step(s, Towards::Maintenance))
                        .collect();
                    Basis::EnterRequested {
                        request: j,
                        values,
                        steps: all,
                    }
                }
            }
            Phase::Active => {
                nothing = Some(format!(
                    "already in maintenance since {} by {}{}",
                    rfc3339(j.at),
                    j.by,
                    j.reason
                        .as_ref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                ));
                Basis::Nothing
            }
            Phase::Leaving if j.interruption_at(now()).is_none() => {
                return Err(SwitchError::Conflict(held_text(
                    &j.holder(),
                    site,
                    direction,
                )));
            }
            // A fail back stopped by a signal, or abandoned: `on` undoes it, putting back every
            // maintenance value it had taken back (the steps not undone are still in place).
            Phase::Leaving => {
                let mut j = j;
                let todo: Vec<usize> = (0..j.steps.len())
                    .filter(|i| j.steps[*i].state != StepState::Done)
                    .collect();
                for i in &todo {
                    // Undoing it changed the check's version: the one read then no longer holds.
                    if let Change::InvertHealthCheck { before, .. } = &mut j.steps[*i].change {
                        before.health_check_version = None;
                    }
                }
                shown = todo
                    .iter()
                    .map(|i| plan_step(&j.steps[*i], Towards::Maintenance))
                    .collect();
                Basis::Resume {
                    journal: j,
                    values,
                    todo,
                }
            }
            Phase::Entering => {
                let todo: Vec<usize> = (0..j.steps.len())
                    .filter(|i| j.steps[*i].state != StepState::Done)
                    .collect();
                shown = todo
                    .iter()
                    .map(|i| plan_step(&j.steps[*i], Towards::Maintenance))
                    .collect();
                Basis::Resume {
                    journal: j,
                    values,
                    todo,
                }
            }
        },
        (Direction::Off, None) => {
            nothing = Some(format!(
                "live: no maintenance journal ({}) for {}",
                site.journal_record(),
                site.name
            ));
            Basis::Nothing
        }
        (Direction::Off, Some((j, _))) if j.phase == Phase::AwaitingApproval => {
            nothing = Some(format!(
                "live: not in maintenance ({} by {} awaits approval; nothing is changed until it is approved)",
                j.approval.as_ref().map_or("maintenance on", |a| a.what()),
                j.by
            ));
            Basis::Nothing
        }
        (Direction::Off, Some((j, values))) => {
            let undo: Vec<usize> = (0..j.steps.len())
                .rev()
                .filter(|i| steps::needs_undo(&j.steps[*i]))
                .collect();
            let extra: Vec<Step> = j
                .steps
                .iter()
                .filter(|s| s.state == StepState::Done)
                .filter_map(|s| steps::fail_back_invalidation(s, &stamp(made_at)))
                .collect();
            shown = undo
                .iter()
                .map(|i| plan_step(&j.steps[*i], Towards::Original))
                .chain(extra.iter().map(|s| plan_step(s, Towards::Maintenance)))
                .collect();
            Basis::Leave {
                journal: j,
                values,
                undo,
                extra,
            }
        }
    };
    // Target groups a listener no longer forwards to are not in the observations: read them.
    for (s, t) in basis_steps(&basis) {
        for tg in steps::forwarded_target_groups(s, t) {
            if let std::collections::btree_map::Entry::Vacant(e) = obs.target_health.entry(tg) {
                let mut slot = crate::model::obs::Fetched::default();
                match crate::aws::elbv2::target_health(&clients.elbv2_for(e.key()), e.key()).await {
                    Ok(v) => slot.set_ok(v, now()),
                    Err(err) => slot.set_failed(err, now()),
                }
                e.insert(slot);
            }
        }
    }
    let preflight = match &basis {
        Basis::Nothing => Vec::new(),
        _ => {
            let mut checks = preflight(site, &obs, direction, &basis);
            checks.extend(record_target_checks(clients, direction, &basis).await);
            checks
        }
    };
    let (dns, distribution) = expectations(site, &obs, direction, &basis);
    let hashed = hashed_steps(&basis);
    let hash = (!hashed.is_empty()).then(|| {
        crate::model::approval::plan_hash(&site.name, history_direction(direction), &hashed)
    });
    let needs_approval = site.approval
        && match &basis {
            Basis::Enter(_) | Basis::EnterRequested { .. } => true,
            Basis::Leave { journal, .. } => journal.phase == Phase::Active,
            Basis::Nothing | Basis::Resume { .. } => false,
        };
    let plan = Plan {
        site: site.name.clone(),
        direction,
        account: caller.map(|c| c.account.clone()),
        caller: caller.map(|c| c.arn.clone()),
        region: plan_regions(&clients.region, &obs, &basis),
        protected: site.protected,
        nothing_to_do: nothing,
        held_by,
        steps: shown,
        preflight,
        made_at,
        hash,
        needs_approval,
        carried: Default::default(),
    };
    let caches = client_caches(&obs, direction);
    let mut plan = plan;
    if let Basis::Enter(all) = &basis {
        plan.carried = super::plan::Carried(Some(std::sync::Arc::new(Ready {
            steps: all.clone(),
            dns: dns.clone(),
            distribution: distribution.clone(),
            caches: caches.clone(),
        })));
    }
    Ok(Prepared {
        plan,
        basis,
        dns,
        distribution,
        caches,
    })
}

fn check(name: &str, passed: bool, detail: String) -> PreflightCheck {
    PreflightCheck::new(name, CheckResult::from_passed(passed), detail)
}

/// A check that could not be made: why, and what would let it be made. Never a pass.
fn unchecked(name: &str, detail: String) -> PreflightCheck {
    PreflightCheck::new(name, CheckResult::CouldNotCheck, detail)
}

/// The regions the plan works in: those of its steps' load balancers and alarms and of the
/// site's chain (a site may span regions); the clients' own when none is regional.
fn plan_regions(home: &str, obs: &SiteObservations, basis: &Basis) -> String {
    let mut regions = obs.chain_regions();
    for (s, _) in basis_steps(basis) {
        if let Some(r) = crate::model::chain::region_of_arn(&s.resource) {
            regions.insert(r.to_string());
        }
        if let Change::AlarmActions { before, .. } = &s.change {
            regions.insert(before.region.clone());
        }
    }
    regions.retain(|r| !r.is_empty());
    if regions.is_empty() {
        home.to_string()
    } else {
        regions.into_iter().collect::<Vec<_>>().join(", ")
    }
}

/// Which way a switch goes, as the history and approvals say it.
pub(crate) fn history_direction(d: Direction) -> crate::model::history::Direction {
    match d {
        Direction::On => crate::model::history::Direction::On,
        Direction::Off => crate::model::history::Direction::Off,
    }
}

/// Every step the plan makes, with its way (`true`: towards maintenance): what its hash is of.
fn hashed_steps(basis: &Basis) -> Vec<(&Step, bool)> {
    let mut out: Vec<(&Step, bool)> = basis_steps(basis)
        .into_iter()
        .map(|(s, t)| (s, t == Towards::Maintenance))
        .collect();
    if let Basis::Leave { extra, .. } = basis {
        out.extend(extra.iter().map(|s| (s, true)));
    }
    out
}

fn basis_steps(basis: &Basis) -> Vec<(&Step, Towards)> {
    match basis {
        Basis::Nothing => Vec::new(),
        Basis::Enter(s) | Basis::EnterRequested { steps: s, .. } => {
            s.iter().map(|s| (s, Towards::Maintenance)).collect()
        }
        Basis::Resume { journal, todo, .. } => todo
            .iter()
            .map(|i| (&journal.steps[*i], Towards::Maintenance))
            .collect(),
        Basis::Leave { journal, undo, .. } => undo
            .iter()
            .map(|i| (&journal.steps[*i], Towards::Original))
            .collect(),
    }
}

fn failover_strategy(site: &Site) -> bool {
    site.maintenance.iter().any(|s| {
        matches!(
            s,
            Strategy::InvertHealthCheck { .. } | Strategy::SwapPrimary
        )
    })
}

/// The preflight checks of the issue, each passed or failed with the values seen.
fn preflight(
    site: &Site,
    o: &SiteObservations,
    direction: Direction,
    basis: &Basis,
) -> Vec<PreflightCheck> {
    let mut out = Vec::new();
    let all = basis_steps(basis);
    out.extend(nobody_at_work(basis));
    match direction {
        Direction::On => out.extend(entering_checks(site, o, &all)),
        Direction::Off => out.extend(leaving_checks(site, o, &all)),
    }
    // Listener rules that would bypass the maintenance page, or the rules it covers.
    if let Basis::Enter(_) | Basis::EnterRequested { .. } = basis {
        out.extend(super::rules::preflight(site, o, &all));
    }
    // The inverted check's own status must be healthy in both directions: entering, inverting
    // an unhealthy check makes it healthy (Route 53 would answer the primary, which is down);
    // failing back, un-inverting it would keep the site failed over, now without a journal.
    let name = match direction {
        Direction::On => "the health check is healthy now, so that inverting it fails over",
        Direction::Off => "the raw checker observations of the inverted check are healthy",
    };
    for (s, _) in &all {
        if let Change::InvertHealthCheck { .. } = s.change {
            let (result, detail) = raw_status(o, &s.resource);
            out.push(PreflightCheck::new(name, result, detail));
        }
    }
    out
}

/// Whether another run holds the site, as `j` says: the holder, in the words the loser of a
/// race is told. A switch under way (an unfinished journal written in the last minute and not
/// stopped) holds it in either direction; maintenance in effect holds it against an `on` from
/// another caller or machine (the same operator running `on` again has nothing to do). A fail
/// back of maintenance in effect is not held: any operator may fail back.
fn held(
    j: &Journal,
    direction: Direction,
    caller: Option<&Identity>,
    aws_now: OffsetDateTime,
) -> Option<String> {
    // A request that awaits approval holds the site against every other caller's switch, while
    // it stands (a declined or lapsed one is replaced).
    if let Some(a) = j.request() {
        let mine = caller.is_some_and(|c| c.arn == a.requested_by);
        let stands = matches!(
            a.standing(aws_now),
            crate::model::approval::Standing::Pending
                | crate::model::approval::Standing::Approved { .. }
        );
        if stands && !mine && (j.phase == Phase::AwaitingApproval || direction == Direction::Off) {
            return Some(format!(
                "site {} is held by {}'s request for {} since {}, which awaits approval (plan {})",
                j.site,
                a.requested_by,
                a.what(),
                rfc3339(a.requested_at),
                crate::model::approval::short(&a.hash)
            ));
        }
        if j.phase == Phase::AwaitingApproval {
            return None;
        }
    }
    let busy = j.phase != Phase::Active
        && j.stopped.is_none()
        && now() - j.updated_at < time::Duration::try_from(BUSY_WINDOW).unwrap_or_default();
    let someone_else = match caller {
        Some(c) => c.arn != j.by || j.host != host(),
        None => true,
    };
    let held = busy || (direction == Direction::On && j.phase == Phase::Active && someone_else);
    held.then(|| j.holder())
}

/// Another switchyard may still be at work on an unfinished journal.
fn nobody_at_work(basis: &Basis) -> Option<PreflightCheck> {
    let (Basis::Resume { journal, .. } | Basis::Leave { journal, .. }) = basis else {
        return None;
    };
    if journal.phase == Phase::Active {
        return None;
    }
    let age = now() - journal.updated_at;
    let busy = age < time::Duration::try_from(BUSY_WINDOW).unwrap_or(time::Duration::ZERO)
        && journal.stopped.is_none();
    Some(check(
        "no other switchyard is working on the site",
        !busy,
        format!(
            "the journal ({:?}) was last updated by {} on {} {}s ago{}",
            journal.phase,
            journal.updated_by,
            journal.host,
            age.whole_seconds(),
            match (&journal.stopped, busy) {
                (Some(why), _) => format!("; it was stopped: {why}"),
                (None, true) => {
                    "; it may still be running: wait a minute, or --force if it was killed"
                        .to_string()
                }
                (None, false) => String::new(),
            }
        ),
    ))
}

/// The checks before entering maintenance: the sorry page's distribution and target groups,
/// the secondary's health check, the rule priorities.
fn entering_checks(
    site: &Site,
    o: &SiteObservations,
    all: &[(&Step, Towards)],
) -> Vec<PreflightCheck> {
    let mut out = Vec::new();
    let failover = failover_strategy(site);
    // The sorry page's distribution.
    let dist = o.sorry_distribution().cloned().or_else(|| {
        o.distribution
            .as_ref()
            .and_then(|d| d.distribution.get().cloned())
    });
    if failover || site.distribution.is_some() {
        match dist {
            Some(d) => out.push(check(
                "the secondary's distribution is Deployed and enabled",
                d.is_ready(),
                format!(
                    "{} is {} and {}",
                    d.id,
                    d.status.as_str(),
                    if d.enabled { "enabled" } else { "disabled" }
                ),
            )),
            None => out.extend(no_distribution_check(o, failover)),
        }
    }
    // Sorry target groups.
    let mut tgs: Vec<String> = Vec::new();
    for (s, t) in all {
        for tg in steps::forwarded_target_groups(s, *t) {
            if matches!(s.change, Change::ListenerDefaultActions { .. }) && !tgs.contains(&tg) {
                tgs.push(tg);
            }
        }
    }
    for tg in crate::poll::round::sorry_target_groups(site) {
        if !tgs.contains(&tg) {
            tgs.push(tg);
        }
    }
    for tg in tgs {
        out.push(healthy_targets(
            o,
            &tg,
            "the sorry target group has healthy targets",
        ));
    }
    // A secondary with an unhealthy health check drags DNS back to the primary.
    let several = o.covered_types().len() > 1;
    for (t, sec) in secondaries(o).into_iter().filter(|_| failover) {
        let which = if several {
            format!("SECONDARY {t}")
        } else {
            "SECONDARY".to_string()
        };
        match &sec.health_check_id {
            None => out.push(check(
                "no unhealthy secondary health check would drag DNS back to the primary",
                true,
                format!("the {which} record has no health check"),
            )),
            Some(id) => {
                let name = "no unhealthy secondary health check would drag DNS back to the primary";
                out.push(match route53_healthy(o, id) {
                    Some(true) => check(
                        name,
                        true,
                        format!("health check {id} of the {which} is healthy"),
                    ),
                    Some(false) => check(
                        name,
                        false,
                        format!(
                            "health check {id} of the {which} is unhealthy: Route 53 would keep answering the primary"
                        ),
                    ),
                    None => unchecked(name, status_unknown(o, id)),
                });
            }
        }
    }
    out.extend(weighted_checks(o, all));
    out.extend(uncovered_check(site, o));
    // Listener rule priorities.
    for (s, _) in all {
        if let Some(why) = rules_unread(o, s) {
            out.push(unchecked("the maintenance rule priorities are free", why));
            continue;
        }
        if let Some((free, detail)) = steps::rule_priority_free(s, o, all) {
            out.push(check(
                "the maintenance rule priorities are free",
                free,
                detail,
            ));
        }
    }
    out
}

/// The checks before failing back: the app's targets must be healthy before it is served
/// again.
fn leaving_checks(
    site: &Site,
    o: &SiteObservations,
    all: &[(&Step, Towards)],
) -> Vec<PreflightCheck> {
    let mut tgs: Vec<String> = Vec::new();
    for (s, t) in all {
        for tg in steps::forwarded_target_groups(s, *t) {
            if !tgs.contains(&tg) {
                tgs.push(tg);
            }
        }
    }
    // The load balancers the app's records point at: the PRIMARY of every type, and the
    // members of a weighted set that will get weight back.
    let mut app_records: Vec<RecordSet> = Vec::new();
    if failover_strategy(site) {
        for t in o.covered_types() {
            if let RecordLayout::Failover {
                primary: Some(p), ..
            } = o.layout_of(&t)
            {
                app_records.push(p.clone());
            }
        }
    }
    for (s, t) in all {
        if let Some(steps::Expect::Records { records, .. }) = steps::expectation(s, *t) {
            app_records.extend(
                records
                    .into_iter()
                    .filter(|r| r.weight.is_some_and(|w| w > 0)),
            );
        }
    }
    for p in &app_records {
        let Some(lb) = p.alias.as_ref().and_then(|a| o.load_balancer_for_alias(a)) else {
            continue;
        };
        for tg in o.target_groups_of(&lb.arn) {
            if !tgs.contains(&tg.arn) && !o.sorry_target_groups.contains(&tg.arn) {
                tgs.push(tg.arn.clone());
            }
        }
    }
    tgs.iter()
        .map(|tg| healthy_targets(o, tg, "the primary's targets are healthy"))
        .collect()
}

/// The SECONDARY record of every record type the site covers.
fn secondaries(o: &SiteObservations) -> Vec<(String, &RecordSet)> {
    o.covered_types()
        .into_iter()
        .filter_map(|t| match o.layout_of(&t) {
            RecordLayout::Failover {
                secondary: Some(s), ..
            } => Some((t, s)),
            _ => None,
        })
        .collect()
}

/// Before moving the weight of a weighted set to its sorry member: the sorry member must be
/// healthy, or Route 53 sends clients back to the app's members (weight 0 records are answered
/// when every other one is unhealthy).
fn weighted_checks(o: &SiteObservations, all: &[(&Step, Towards)]) -> Vec<PreflightCheck> {
    let mut out = Vec::new();
    let now = now();
    let stale = std::time::Duration::from_secs(3600);
    for (s, t) in all {
        let Some(steps::Expect::Records { records, .. }) = steps::expectation(s, *t) else {
            continue;
        };
        for r in records.iter().filter(|r| r.weight.is_some_and(|w| w > 0)) {
            if !o.serves_record(r).is_sorry_page() {
                continue;
            }
            let h = crate::model::health::record_health(o, r, now, stale);
            let id = r.set_identifier.as_deref().unwrap_or("?");
            let name = "the sorry member is healthy, so that Route 53 answers it";
            let detail = format!("{} member {id}: {}", r.rtype, h.explain().join("; "));
            out.push(match h.health {
                crate::model::health::Health::Unknown => unchecked(name, detail),
                health => check(
                    name,
                    health == crate::model::health::Health::Healthy,
                    detail,
                ),
            });
        }
    }
    out
}

/// For a plain record moved to other addresses (DNS name control): whether each address it
/// will answer with answers, as a Route 53 health check that probes it sees it (raw, before
/// inversion). Could not be checked when no health check probes it, or its status cannot be
/// read: then the operator checks it before forcing the switch.
async fn record_target_checks(
    clients: &Clients,
    direction: Direction,
    basis: &Basis,
) -> Vec<PreflightCheck> {
    let mut values: Vec<String> = Vec::new();
    for (s, t) in basis_steps(basis) {
        if let Some(steps::Expect::Record { record, .. }) = steps::expectation(s, t)
            && record.failover.is_none()
            && record.alias.is_none()
        {
            for v in &record.values {
                if !values.contains(v) {
                    values.push(v.clone());
                }
            }
        }
    }
    if values.is_empty() {
        return Vec::new();
    }
    let name = match direction {
        Direction::On => "the standby the record moves to answers",
        Direction::Off => "the original the record goes back to answers",
    };
    let checks = match crate::aws::route53::health_checks(&clients.route53).await {
        Ok(c) => c,
        Err(e) => {
            return vec![unchecked(
                name,
                format!(
                    "the health checks that could probe {} could not be listed: {}",
                    values.join(", "),
                    e.summary()
                ),
            )];
        }
    };
    let mut out = Vec::new();
    for v in &values {
        let wanted = crate::model::route53::normalize_dns_name(v);
        let probing = checks.iter().find(|h| {
            h.kind.probes_endpoint()
                && !h.disabled
                && (h.target.ip_address.as_deref() == Some(v.as_str())
                    || h.target
                        .fqdn
                        .as_deref()
                        .is_some_and(|f| crate::model::route53::normalize_dns_name(f) == wanted))
        });
        let Some(hc) = probing else {
            out.push(unchecked(
                name,
                format!(
                    "no Route 53 health check probes {v}, so switchyard cannot tell whether it answers; check it yourself before switching (or create a health check on it)"
                ),
            ));
            continue;
        };
        out.push(
            match crate::aws::route53::health_check_status(&clients.route53, &hc.id).await {
                Ok(obs) if !obs.is_empty() => {
                    let ok = obs.iter().filter(|o| o.healthy()).count();
                    check(
                        name,
                        verify::share_healthy(ok, obs.len()),
                        format!(
                            "{ok} of {} checkers of health check {} ({}) reach {v} (raw, before inversion)",
                            obs.len(),
                            hc.label(),
                            hc.describe_target()
                        ),
                    )
                }
                Ok(_) => unchecked(
                    name,
                    format!(
                        "health check {} probes {v}, but no checker has reported yet; try again in a minute",
                        hc.label()
                    ),
                ),
                Err(e) => unchecked(
                    name,
                    format!(
                        "the status of health check {}, which probes {v}, could not be read: {}",
                        hc.label(),
                        e.summary()
                    ),
                ),
            },
        );
    }
    out
}

/// A site of one record type whose name has records of another address type: its DNS switch
/// leaves those clients on the app.
fn uncovered_check(site: &Site, o: &SiteObservations) -> Option<PreflightCheck> {
    let dns = site.maintenance.iter().any(|s| {
        s.changes_records() || matches!(s, Strategy::InvertHealthCheck { health_check: None })
    });
    if !dns {
        return None;
    }
    let uncovered = o.uncovered_types();
    if uncovered.is_empty() {
        return None;
    }
    Some(check(
        "every address type at the name is switched",
        false,
        {
            format!(
                "{} also has {} records, which this site does not switch (record_type = \"{}\"): \
                 {} would keep reaching the app. Remove record_type so that the site switches \
                 every type in one batch, or --force if another site switches them",
                site.record,
                uncovered.join(" and "),
                site.record_type.as_str(),
                uncovered
                    .iter()
                    .map(|t| crate::model::stack::clients_of(t))
                    .collect::<Vec<_>>()
                    .join(" and ")
            )
        },
    ))
}

/// Whether a health check's own (raw, before inversion) status is healthy, and what was seen:
/// the checkers' observations, or for a CloudWatch metric check its alarm. Could not be checked
/// when what it follows cannot be read or seen.
fn raw_status(o: &SiteObservations, id: &str) -> (CheckResult, String) {
    let hc = o.health_checks.get(id);
    let config = hc.and_then(|h| h.config.get());
    // A CALCULATED check: from its children and HealthThreshold (Route 53 has no
    // GetHealthCheckStatus for it).
    if let Some(c) = crate::model::health::calculated_raw(o, id, now(), Duration::MAX) {
        return (
            match c.raw {
                crate::model::health::Health::Unknown => CheckResult::CouldNotCheck,
                raw => CheckResult::from_passed(raw == crate::model::health::Health::Healthy),
            },
            format!(
                "health check {id} is CALCULATED, {} (raw, before inversion): {}",
                c.raw.as_str(),
                c.why
            ),
        );
    }
    if let Some(cfg) = config
        && !cfg.kind.probes_endpoint()
    {
        let alarm = cfg
            .alarm
            .as_ref()
            .and_then(|r| o.alarm(r))
            .and_then(|a| a.alarm.get());
        return match (alarm, &cfg.alarm) {
            (Some(a), _) => (
                CheckResult::from_passed(a.state == crate::model::cloudwatch::AlarmState::Ok),
                format!(
                    "health check {id} follows alarm {}, which is {}",
                    a.name,
                    a.state.as_str()
                ),
            ),
            (None, Some(r)) => (
                CheckResult::CouldNotCheck,
                format!(
                    "alarm {} in {} could not be read{}; with cloudwatch:DescribeAlarms on it, it can be",
                    r.name,
                    r.region,
                    o.alarm(r)
                        .and_then(|a| a.alarm.error.as_ref())
                        .map(|e| format!(": {}", e.error.summary()))
                        .unwrap_or_default()
                ),
            ),
            (None, None) => (
                CheckResult::CouldNotCheck,
                format!(
                    "health check {id} is {} and follows no alarm: Route 53 does not report its raw status; check what it follows in the Route 53 console",
                    cfg.kind
                ),
            ),
        };
    }
    match hc.and_then(|h| h.status.get()) {
        Some(crate::model::route53::HealthCheckStatus::Checkers { observations })
            if !observations.is_empty() =>
        {
            let ok = observations.iter().filter(|x| x.healthy()).count();
            (
                CheckResult::from_passed(verify::share_healthy(ok, observations.len())),
                format!(
                    "{ok} of {} checkers see health check {id} healthy (raw, before inversion)",
                    observations.len()
                ),
            )
        }
        Some(crate::model::route53::HealthCheckStatus::Metric { healthy, .. }) => {
            let inverted = config.is_some_and(|c| c.inverted);
            (
                CheckResult::from_passed(*healthy != inverted),
                format!(
                    "Route 53 reports health check {id} {} (Inverted={inverted})",
                    if *healthy { "healthy" } else { "unhealthy" }
                ),
            )
        }
        _ => (CheckResult::CouldNotCheck, status_unknown(o, id)),
    }
}

/// Why a health check's status is not known, and what would let it be read.
fn status_unknown(o: &SiteObservations, id: &str) -> String {
    match o
        .health_checks
        .get(id)
        .and_then(|h| h.status.error.as_ref())
    {
        Some(e) => format!(
            "the status of health check {id} could not be read: {}",
            e.error.summary()
        ),
        None => format!(
            "Route 53 reported no checker observations of health check {id} (a new check has none yet); try again in a minute"
        ),
    }
}

/// Why the listener rules a rule step needs could not be read, if they were not: then whether
/// its priority is free cannot be told.
fn rules_unread(o: &SiteObservations, s: &Step) -> Option<String> {
    if !matches!(s.change, Change::CreateRule { .. }) {
        return None;
    }
    match o.rules.get(&s.resource) {
        Some(f) if f.get().is_some() => None,
        Some(f) => Some(format!(
            "the rules of listener {} could not be read{}; with elasticloadbalancing:DescribeRules, they can be",
            s.resource,
            f.error
                .as_ref()
                .map(|e| format!(": {}", e.error.summary()))
                .unwrap_or_default()
        )),
        None => Some(format!(
            "the rules of listener {} were not read, so whether the priority is free is not known",
            s.resource
        )),
    }
}

/// The distribution check when no distribution was read: what stands behind the SECONDARY
/// record instead, or why the distribution could not be read.
fn no_distribution_check(o: &SiteObservations, failover: bool) -> Option<PreflightCheck> {
    let name = "the secondary's distribution is Deployed and enabled";
    if let Some(e) = o
        .distribution
        .as_ref()
        .and_then(|d| d.distribution.error.as_ref())
    {
        return Some(unchecked(
            name,
            format!("the distribution could not be read: {}", e.error.summary()),
        ));
    }
    if !failover {
        return Some(unchecked(
            name,
            "the distribution named in the config was not read".into(),
        ));
    }
    let Some(sec) = o.secondary() else {
        return Some(check(
            name,
            false,
            "there is no SECONDARY record: nothing to fail over to".into(),
        ));
    };
    if let Some(a) = sec.alias.as_ref().filter(|a| a.is_cloudfront()) {
        return Some(unchecked(
            name,
            format!(
                "no CloudFront distribution of this account has the domain name {} (the SECONDARY's alias target): switchyard cannot see whether it is Deployed and enabled; check it in the account that owns it",
                crate::model::route53::normalize_dns_name(&a.dns_name)
            ),
        ));
    }
    use crate::model::chain::Endpoint;
    let chain = o.chain_of(sec);
    let cloudfront: Vec<String> = chain
        .ends
        .iter()
        .filter_map(|e| match e {
            Endpoint::CloudFront { name } => Some(name.clone()),
            _ => None,
        })
        .collect();
    if !cloudfront.is_empty() {
        return Some(unchecked(
            name,
            format!(
                "the SECONDARY record leads to {}, but no CloudFront distribution of this account has that domain name: switchyard cannot see whether it is Deployed and enabled; check it in the account that owns it",
                cloudfront.join(", ")
            ),
        ));
    }
    let ends: Vec<String> = chain.ends.iter().map(|e| e.describe()).collect();
    Some(unchecked(
        name,
        format!(
            "the SECONDARY record ({}) leads to {}, no CloudFront distribution: switchyard cannot check that its sorry page serves; request it yourself before switching",
            sec.describe(),
            if ends.is_empty() {
                "nothing switchyard could read".to_string()
            } else {
                ends.join(", ")
            }
        ),
    ))
}

/// Route 53's view of a health check from the observations: checkers (raw, then inverted).
fn route53_healthy(o: &SiteObservations, id: &str) -> Option<bool> {
    let h = o.health_checks.get(id)?;
    let inverted = h.config.get().is_some_and(|c| c.inverted);
    match h.status.get()? {
        crate::model::route53::HealthCheckStatus::Checkers { observations } => {
            if observations.is_empty() {
                return None;
            }
            let ok = observations.iter().filter(|x| x.healthy()).count();
            Some(verify::share_healthy(ok, observations.len()) != inverted)
        }
        crate::model::route53::HealthCheckStatus::Metric { healthy, .. } => Some(*healthy),
    }
}

/// A target as the operator knows it: an instance ID or address, or a load balancer's name
/// rather than its ARN.
fn target_name(id: &str) -> &str {
    match id.split_once(":loadbalancer/") {
        Some((_, rest)) => rest.split('/').nth(1).unwrap_or(id),
        None => id,
    }
}

fn healthy_targets(o: &SiteObservations, tg: &str, name: &str) -> PreflightCheck {
    let label = o.target_group_label(tg);
    match o
        .target_health
        .get(tg)
        .map(|f| (f.get(), f.error.as_ref().map(|x| &x.error)))
    {
        Some((Some(targets), _)) => {
            let healthy = targets
                .iter()
                .filter(|t| t.state == TargetState::Healthy)
                .count();
            // A target group no listener forwards to has its targets `unused`
            // (Target.NotInUse): AWS does not health-check them, so nobody can say they are
            // healthy.
            let not_in_use = !targets.is_empty()
                && targets.iter().all(|t| {
                    t.state == TargetState::Unused && t.reason.as_deref() == Some("Target.NotInUse")
                });
            if not_in_use {
                return unchecked(
                    name,
                    format!(
                        "{label}: no listener forwards to it, so AWS does not health-check its {} target(s) ({}) and switchyard cannot say they are healthy; check them directly (the instances running, the service answering on its port) before forcing the switch; verification watches them once a listener forwards to it",
                        targets.len(),
                        targets
                            .iter()
                            .map(|t| target_name(&t.id))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            check(
                name,
                healthy > 0,
                format!(
                    "{label}: {healthy} of {} targets healthy{}",
                    targets.len(),
                    targets
                        .iter()
                        .filter(|t| t.state != TargetState::Healthy)
                        .map(|t| format!(
                            "; {} {}{}",
                            t.id,
                            t.state.as_str(),
                            t.reason
                                .as_ref()
                                .map(|r| format!(" ({r})"))
                                .unwrap_or_default()
                        ))
                        .collect::<String>()
                ),
            )
        }
        Some((None, Some(e))) => unchecked(
            name,
            format!("{label}: target health could not be read: {}", e.summary()),
        ),
        _ => unchecked(name, format!("{label}: target health was not read")),
    }
}

/// What clients may still hold once the switch converged: the TTL of the record Route 53 will
/// answer, and after a fail back from a CloudFront sorry page, its cached error page.
fn client_caches(
    o: &SiteObservations,
    direction: Direction,
) -> Vec<crate::model::verdict::EtaPart> {
    let record = match o.layout() {
        RecordLayout::Failover { primary, secondary } => match direction {
            Direction::On => secondary,
            Direction::Off => primary,
        },
        RecordLayout::Plain(r) => Some(r),
        _ => None,
    };
    let sorry_page = match direction {
        Direction::Off => o.sorry_distribution(),
        Direction::On => None,
    };
    crate::model::eta::client_caches(record, sorry_page)
}

/// What the DNS answer of each record type should be once converged, and the distribution to
/// see Deployed.
fn expectations(
    site: &Site,
    o: &SiteObservations,
    direction: Direction,
    basis: &Basis,
) -> (Vec<(String, DnsExpect)>, Option<String>) {
    let mut dns: Vec<(String, DnsExpect)> = Vec::new();
    let record_of = |r: &RecordSet| match &r.alias {
        Some(a) => DnsExpect::Alias(a.dns_name.clone()),
        None => DnsExpect::Values(r.values.clone()),
    };
    fn set(dns: &mut Vec<(String, DnsExpect)>, t: &str, e: DnsExpect) {
        dns.retain(|(x, _)| x != t);
        dns.push((t.to_string(), e));
    }
    let steps = basis_steps(basis);
    for (s, t) in &steps {
        let wanted = match steps::expectation(s, *t) {
            Some(steps::Expect::Record { record, .. }) => vec![*record],
            Some(steps::Expect::Records { records, .. }) => records,
            _ => continue,
        };
        for rtype in wanted
            .iter()
            .map(|r| r.rtype.clone())
            .collect::<std::collections::BTreeSet<_>>()
        {
            let mine: Vec<&RecordSet> = wanted.iter().filter(|r| r.rtype == rtype).collect();
            if mine.iter().any(|r| r.weight.is_some()) {
                // A weighted set: any member that keeps a weight answers.
                let members: Vec<RecordSet> = o
                    .records_of_type(&rtype)
                    .into_iter()
                    .map(|m| {
                        mine.iter()
                            .find(|w| w.set_identifier == m.set_identifier)
                            .map_or_else(|| m.clone(), |w| (*w).clone())
                    })
                    .collect();
                let weighted: Vec<&RecordSet> = members
                    .iter()
                    .filter(|m| m.weight.unwrap_or(0) > 0)
                    .collect();
                let answering = if weighted.is_empty() {
                    members.iter().collect()
                } else {
                    weighted
                };
                set(
                    &mut dns,
                    &rtype,
                    DnsExpect::Any(answering.into_iter().map(record_of).collect()),
                );
            } else if let Some(r) = mine.first() {
                set(&mut dns, &rtype, record_of(r));
            }
        }
    }
    if dns.is_empty()
        && steps
            .iter()
            .any(|(s, _)| matches!(s.change, Change::InvertHealthCheck { .. }))
    {
        for t in o.covered_types() {
            if let RecordLayout::Failover { primary, secondary } = o.layout_of(&t) {
                let r = match direction {
                    Direction::On => secondary,
                    Direction::Off => primary,
                };
                if let Some(r) = r {
                    set(&mut dns, &t, record_of(r));
                }
            }
        }
    }
    let distribution = if failover_strategy(site) || direction == Direction::On {
        o.sorry_distribution()
            .map(|d| d.id.clone())
            .or_else(|| site.distribution.clone())
            // Found but not read (denied, say): still verified, never skipped.
            .or_else(|| {
                o.distribution
                    .as_ref()
                    .map(|d| d.id.clone())
                    .filter(|id| !id.is_empty())
            })
    } else {
        None
    };
    (dns, distribution)
}

/// The plan for switching `site` in `direction`, from fresh observations (read calls only).
pub async fn plan(
    clients: &Clients,
    resolver: &Resolver,
    site: &Site,
    direction: Direction,
    caller: Option<&Identity>,
) -> Result<Plan, SwitchError> {
    Ok(prepare(clients, resolver, site, direction, caller)
        .await?
        .plan)
}

pub(crate) fn host() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|s| s.trim().to_string())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

fn first_difference(a: &Plan, b: &Plan) -> Option<String> {
    if a.nothing_to_do != b.nothing_to_do {
        return Some(format!(
            "was {:?}, now {:?}",
            a.nothing_to_do.as_deref().unwrap_or("something to do"),
            b.nothing_to_do.as_deref().unwrap_or("something to do")
        ));
    }
    if a.steps.len() != b.steps.len() {
        return Some(format!(
            "the plan had {} steps, it now has {}",
            a.steps.len(),
            b.steps.len()
        ));
    }
    a.steps
        .iter()
        .zip(&b.steps)
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| {
            format!(
                "step {} ({} {}) was {} -> {}, now {} -> {}",
                i + 1,
                x.call,
                x.resource,
                x.before,
                x.after,
                y.before,
                y.after
            )
        })
}

/// Executes a plan the operator confirmed. The site is read again first: when AWS no longer
/// matches the plan, nothing is done ([`SwitchError::Conflict`]). Every step is recorded in the
/// journal before and after its call; a failing step undoes the steps done before it. Progress
/// goes to `progress` (a closed receiver is fine). The audit log gets one line whatever
/// happens.
pub async fn execute(
    clients: &Clients,
    resolver: &Resolver,
    site: &Site,
    plan: &Plan,
    opts: &ExecuteOptions,
    progress: UnboundedSender<Progress>,
) -> Result<Outcome, SwitchError> {
    let mut result = execute_audited(clients, resolver, site, plan, opts, &progress).await;
    // A cancel that was rolled back, and whether the way back is done.
    let mut back_ok = None;
    if cancelled(opts) && matches!(result, Err(SwitchError::Cancelled(_))) {
        let (r, ok) =
            roll_back_cancelled(clients, resolver, site, plan, opts, &progress, result).await;
        result = r;
        back_ok = Some(ok);
    }
    let (ok, summary) = match &result {
        Ok(o) => (o.converged(), o.summary_verified()),
        Err(e) => (back_ok.unwrap_or(false), e.to_string()),
    };
    let _ = progress.send(Progress::Finished { ok, summary });
    result
}

/// Whether the operator cancelled the switch (to roll it back).
fn cancelled(opts: &ExecuteOptions) -> bool {
    opts.roll_back.as_ref().is_some_and(|t| t.is_cancelled())
}

/// One switch and its audit line (no `Finished`).
async fn execute_audited(
    clients: &Clients,
    resolver: &Resolver,
    site: &Site,
    plan: &Plan,
    opts: &ExecuteOptions,
    progress: &UnboundedSender<Progress>,
) -> Result<Outcome, SwitchError> {
    let started = Instant::now();
    // Who approved the switch, the window's end: its history entry and audit line say them
    // (`log`, and the window report's "approver").
    let mut rec = Recorded::default();
    let mut result = execute_inner(clients, resolver, site, plan, opts, progress, &mut rec).await;
    // Cancelled once every step was made (while verifying): it is taken back all the same.
    if cancelled(opts)
        && let Ok(o) = &result
        && o.nothing_to_do.is_none()
    {
        result = Err(SwitchError::Cancelled(format!(
            "{} was cancelled by the operator once its steps were made ({})",
            plan.direction.verb(),
            o.summary
        )));
    }
    let id = switch_id();
    let mut warnings = Vec::new();
    if let Some(entry) =
        super::history::entry(&id, &host(), plan, opts, &result, started.elapsed(), &rec)
    {
        let name = super::history::record_name(site);
        let word = entry.result.as_str();
        match super::history::append(clients, site, entry).await {
            Ok(w) if w.rotated_now > 0 => {
                let _ = progress.send(Progress::Notice {
                    warning: false,
                    text: format!(
                        "the switch history {name} is full: its {} oldest entr{} rotated out",
                        w.rotated_now,
                        if w.rotated_now == 1 {
                            "y was"
                        } else {
                            "ies were"
                        }
                    ),
                });
            }
            Ok(_) => {}
            // Never fails or undoes the switch: said, nothing more.
            Err(e) => {
                let text = format!(
                    "the switch history {name} could not be written ({e}); the switch itself is {word}, and this machine's audit log holds it"
                );
                tracing::warn!("{text}");
                let _ = progress.send(Progress::Notice {
                    warning: true,
                    text: text.clone(),
                });
                warnings.push(text);
            }
        }
    }
    if let Some(path) = &opts.audit_log
        && let Err(e) = super::audit::append(
            path,
            plan,
            opts,
            &result,
            started.elapsed(),
            Some(&id),
            &warnings,
            &rec,
        )
    {
        tracing::warn!("cannot write the audit log {}: {e}", path.display());
    }
    result
}

/// An ID for one switch, shared by its audit line and its entry in the AWS history.
fn switch_id() -> String {
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    format!("{}{nanos:x}", switch_id_prefix())
}

/// The start of the IDs of every switch this process makes: its machine and process.
pub fn switch_id_prefix() -> String {
    format!("{}-{}-", host(), std::process::id())
}

/// A switch the operator cancelled has stopped (`stopped` says how far it got): the switch in
/// the other direction, planned from AWS as it is now, takes back what it did. It is forced:
/// the preflight checks guard going somewhere new, and this goes back to where the site was
/// minutes ago (its checks are in the plan and the audit line all the same). Returns
/// [`SwitchError::Cancelled`] saying where the site is, and whether the way back is done.
async fn roll_back_cancelled(
    clients: &Clients,
    resolver: &Resolver,
    site: &Site,
    plan: &Plan,
    opts: &ExecuteOptions,
    progress: &UnboundedSender<Progress>,
    stopped: Result<Outcome, SwitchError>,
) -> (Result<Outcome, SwitchError>, bool) {
    let said = match &stopped {
        Ok(o) => o.summary.clone(),
        Err(e) => e.to_string(),
    };
    let caller = Identity {
        account: plan.account.clone().unwrap_or_default(),
        arn: plan.caller.clone().unwrap_or_default(),
        user_id: String::new(),
    };
    let back = match prepare(
        clients,
        resolver,
        site,
        plan.direction.opposite(),
        Some(&caller),
    )
    .await
    {
        Ok(p) => p.plan,
        Err(e) => {
            let e = SwitchError::Cancelled(format!(
                "{said}; the roll back could not be planned ({e}): `{}` takes it back",
                undo_command(site, plan.direction)
            ));
            return (Err(e), false);
        }
    };
    if let Some(why) = &back.nothing_to_do {
        let e = SwitchError::Cancelled(format!(
            "cancelled before anything changed: {} is as before ({why})",
            site.name
        ));
        return (Err(e), true);
    }
    let _ = progress.send(Progress::RollingBack {
        plan: Box::new(back.clone()),
        stopped: said.clone(),
    });
    let reason = format!(
        "roll back of a cancelled {}{}",
        plan.direction.verb(),
        opts.reason
            .as_ref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default()
    );
    let reason: String = reason.chars().take(journal::REASON_MAX).collect();
    let back_opts = ExecuteOptions {
        force: true,
        reason: Some(reason),
        roll_back: None,
        approval_exempt: true,
        ..opts.clone()
    };
    match execute_audited(clients, resolver, site, &back, &back_opts, progress).await {
        Ok(o) => {
            let e = SwitchError::Cancelled(format!(
                "cancelled and rolled back: {}",
                o.summary_verified()
            ));
            (Err(e), o.converged())
        }
        Err(e) => {
            let e =
                SwitchError::Cancelled(format!("cancelled, and the roll back did not finish: {e}"));
            (Err(e), false)
        }
    }
}

/// The command that undoes a switch in `direction` of `site`.
fn undo_command(site: &Site, direction: Direction) -> String {
    format!(
        "switchyard maintenance {} --site {}",
        direction.opposite().as_str(),
        site.name
    )
}

async fn execute_inner(
    clients: &Clients,
    resolver: &Resolver,
    site: &Site,
    plan: &Plan,
    opts: &ExecuteOptions,
    progress: &UnboundedSender<Progress>,
    rec: &mut Recorded,
) -> Result<Outcome, SwitchError> {
    if site.read_only {
        return Err(SwitchError::Usage(format!(
            "site {} is read-only in the config: no switch is made",
            site.name
        )));
    }
    let caller = Identity {
        account: plan.account.clone().unwrap_or_default(),
        arn: plan.caller.clone().unwrap_or_default(),
        user_id: String::new(),
    };
    if let Some(ready) = fast_ready(plan, opts) {
        match fast_entry(clients, resolver, site, plan, opts, progress, &ready, rec).await {
            Fast::Done(result) => return *result,
            // Nothing was written: the site is read again in full, as ever.
            Fast::ReadAgain => {}
        }
    }
    let fresh = prepare(clients, resolver, site, plan.direction, Some(&caller)).await?;
    // Another run took the site since the plan was read (or held it then): that is the one
    // thing the loser of a race is told.
    if let Some(holder) = &fresh.plan.held_by
        && !opts.force
    {
        return Err(SwitchError::Conflict(held_text(
            holder,
            site,
            plan.direction,
        )));
    }
    // Two-person approval, right before the first change, on the plan as AWS is now: the
    // approval must be another identity's, unexpired (AWS's clock), and of this very plan.
    if fresh.plan.needs_approval && !opts.approval_exempt && opts.break_glass.is_none() {
        rec.approved_by = Some(super::approval::gate(
            site,
            &fresh,
            &caller.arn,
            clients.clock.now(),
        )?);
    }
    if let Some(diff) = first_difference(plan, &fresh.plan) {
        return Err(SwitchError::Conflict(format!(
            "AWS changed since the plan was made ({diff}); nothing was done: plan again"
        )));
    }
    let mut run = Run {
        stop: opts.stop.clone(),
        cancel: opts.roll_back.clone(),
        clients,
        site,
        progress,
        reports: Vec::new(),
        undoing: false,
        changes: Vec::new(),
        by: plan
            .caller
            .clone()
            .unwrap_or_else(|| "unknown caller".into()),
        first_ready: false,
    };
    if let Some(why) = &fresh.plan.nothing_to_do {
        return Ok(Outcome {
            site: site.name.clone(),
            direction: plan.direction,
            nothing_to_do: Some(why.clone()),
            steps: Vec::new(),
            verification: None,
            summary: format!("nothing to do: {why}"),
        });
    }
    if fresh.plan.refused() && !opts.force {
        return Err(SwitchError::Refused(fresh.plan.preflight.clone()));
    }
    let undone: Vec<(Step, Towards)> = basis_steps(&fresh.basis)
        .into_iter()
        .map(|(s, t)| (s.clone(), t))
        .collect();
    let summary = match fresh.basis {
        Basis::Nothing => String::new(),
        basis @ (Basis::Enter(_) | Basis::EnterRequested { .. }) => {
            let t = now();
            let (all, request) = match basis {
                Basis::EnterRequested {
                    request,
                    values,
                    steps,
                } => (steps, Some((request, values))),
                Basis::Enter(all) => (all, None),
                _ => (Vec::new(), None),
            };
            let mut j = entry_journal(
                clients,
                site,
                plan,
                opts,
                &run.by,
                t,
                all,
                request.as_ref().and_then(|(r, _)| r.approval.clone()),
            );
            j.fits_route53()
                .map_err(|why| SwitchError::Usage(format!("{why}; nothing was changed")))?;
            rec.window_ends = j.expires_at;
            let mut values = match &request {
                None => create_journal(clients, site, &j).await?,
                // The request becomes the entry's journal: DELETE of its exact values and
                // CREATE, so that a request changed meanwhile (withdrawn, declined) stops it.
                Some((_, old)) => update_journal(clients, site, old, &j)
                    .await
                    .map_err(|e| {
                        if e.code.as_deref() == Some("InvalidChangeBatch") {
                            SwitchError::Conflict(format!(
                                "the request for approval of site {} changed since it was read (withdrawn, declined or replaced): nothing was changed",
                                site.name
                            ))
                        } else {
                            SwitchError::JournalWrite {
                                error: e,
                                detail: format!(
                                    "the request for approval of site {} is as it was and nothing was changed; run the same command again",
                                    site.name
                                ),
                            }
                        }
                    })?,
            };
            let todo: Vec<usize> = (0..j.steps.len()).collect();
            run.forward(&mut j, &mut values, &todo).await?;
            format!(
                "{} is in maintenance: steps done: {}",
                site.name,
                j.steps.len()
            )
        }
        Basis::Resume {
            mut journal,
            mut values,
            todo,
        } => {
            if let Some(r) = &opts.reason
                && journal.reason.is_none()
            {
                journal.reason = Some(r.clone());
            }
            if journal.expires_at.is_none() {
                journal.expires_at = window_end(clients.clock.now(), opts.window);
            }
            rec.window_ends = journal.expires_at;
            // A stopped fail back taken back is an entry again.
            let was_leaving = journal.phase == Phase::Leaving;
            journal.phase = Phase::Entering;
            run.forward(&mut journal, &mut values, &todo).await?;
            if was_leaving {
                format!(
                    "{} is in maintenance again: the stopped fail back was undone, steps redone: {}",
                    site.name,
                    todo.len()
                )
            } else {
                format!(
                    "{} is in maintenance: resumed the entry started by {} at {}, steps done: {}",
                    site.name,
                    journal.by,
                    rfc3339(journal.at),
                    todo.len()
                )
            }
        }
        Basis::Leave {
            mut journal,
            mut values,
            undo,
            extra,
        } => {
            if let Some(reason) = &opts.break_glass {
                journal.break_glass = Some(crate::model::approval::BreakGlass {
                    direction: crate::model::history::Direction::Off,
                    by: run.by.clone(),
                    at: super::approval::whole_seconds(clients.clock.now()),
                    reason: reason.clone(),
                });
            }
            run.backward(&mut journal, &mut values, &undo, &extra)
                .await?;
            format!(
                "{} failed back: steps undone: {}, every original value restored",
                site.name,
                undo.len()
            )
        }
    };
    conclude(
        clients,
        resolver,
        site,
        plan,
        opts,
        progress,
        run,
        undone,
        (fresh.dns, fresh.distribution, fresh.caches),
        summary,
    )
    .await
}

/// After the steps: verification when asked for, and the outcome.
#[allow(clippy::too_many_arguments)]
async fn conclude(
    clients: &Clients,
    resolver: &Resolver,
    site: &Site,
    plan: &Plan,
    opts: &ExecuteOptions,
    progress: &UnboundedSender<Progress>,
    run: Run<'_>,
    undone: Vec<(Step, Towards)>,
    (dns, distribution, caches): (
        Vec<(String, DnsExpect)>,
        Option<String>,
        Vec<crate::model::verdict::EtaPart>,
    ),
    summary: String,
) -> Result<Outcome, SwitchError> {
    let stopped = opts.stop.as_ref().is_some_and(|t| t.is_cancelled()) || cancelled(opts);
    let verification = if opts.wait && !stopped {
        let wanted = verify::Wanted {
            steps: undone,
            changes: run.changes.clone(),
            dns,
            zone_id: site.zone_id.clone(),
            record: site.record.clone(),
            distribution,
            caches,
            probe: site.probe.clone().map(|spec| {
                let side = crate::model::probe::expected_side(plan.direction == Direction::On);
                (spec, side)
            }),
        };
        Some(
            verify_switch(
                clients,
                resolver,
                site,
                plan.direction,
                wanted,
                opts,
                progress,
            )
            .await,
        )
    } else {
        None
    };
    let mut summary = summary;
    if opts.stop_verifying
        && opts.stop.as_ref().is_some_and(|t| t.is_cancelled())
        && verification.as_ref().is_some_and(|v| !v.converged)
    {
        summary.push_str(&format!(
            "; verification was left before it converged: `switchyard wait --site {}` waits for it",
            site.name
        ));
    }
    Ok(Outcome {
        site: site.name.clone(),
        direction: plan.direction,
        nothing_to_do: None,
        steps: run.reports,
        verification,
        summary,
    })
}

/// The journal of an entry, before its first change: every step to do.
#[allow(clippy::too_many_arguments)]
fn entry_journal(
    clients: &Clients,
    site: &Site,
    plan: &Plan,
    opts: &ExecuteOptions,
    by: &str,
    t: OffsetDateTime,
    all: Vec<Step>,
    approval: Option<crate::model::approval::Approval>,
) -> Journal {
    Journal {
        format: FORMAT,
        site: site.name.clone(),
        record: site.record.clone(),
        scope: Some(site.scope()),
        zone: Some(site.zone_id.clone()),
        account: plan.account.clone().filter(|a| !a.is_empty()),
        by: by.to_string(),
        host: host(),
        at: t,
        reason: opts.reason.clone(),
        phase: Phase::Entering,
        expires_at: window_end(clients.clock.now(), opts.window),
        steps: all,
        // The approval that let the entry through stays with it (who approved).
        approval,
        break_glass: opts
            .break_glass
            .as_ref()
            .map(|reason| crate::model::approval::BreakGlass {
                direction: crate::model::history::Direction::On,
                by: by.to_string(),
                at: super::approval::whole_seconds(clients.clock.now()),
                reason: reason.clone(),
            }),
        stopped: None,
        updated_by: by.to_string(),
        updated_host: Some(host()),
        updated_at: t,
    }
}

/// What [`fast_entry`] did.
enum Fast {
    Done(Box<Result<Outcome, SwitchError>>),
    /// Nothing was written: read the site again in full.
    ReadAgain,
}

/// The steps of a plan that may make its first change at once: an entry (maintenance on over no
/// journal) planned within [`PLAN_STANDS_FOR`], that needs no approval, is held by nobody, has
/// something to do and passed its checks (or is forced).
fn fast_ready(plan: &Plan, opts: &ExecuteOptions) -> Option<std::sync::Arc<Ready>> {
    let ready = plan.carried.0.clone()?;
    let age = (now() - plan.made_at).try_into().unwrap_or(Duration::MAX);
    // Rule steps depend on each other (a priority is free once the rules ahead have moved):
    // their checks cannot be made side by side before the first change.
    let rules = ready.steps.iter().any(|s| {
        matches!(
            s.change,
            Change::RulePriorities { .. } | Change::CreateRule { .. }
        )
    });
    (plan.direction == Direction::On
        && age <= PLAN_STANDS_FOR
        && !rules
        && !ready.steps.is_empty()
        && !plan.needs_approval
        && plan.held_by.is_none()
        && plan.nothing_to_do.is_none()
        && (opts.force || !plan.refused()))
    .then_some(ready)
}

/// Whether the first step's call carries its own condition (the plan's HealthCheckVersion, an
/// exact DELETE), so that it needs no read before it.
fn conditional(s: &Step) -> bool {
    match &s.change {
        Change::InvertHealthCheck { before, .. } => before.health_check_version.is_some(),
        Change::Record { .. } | Change::Records { .. } | Change::Invalidate { .. } => true,
        _ => false,
    }
}

/// An entry made on the plan's own reads instead of a second full read: in one round trip, the
/// journal is created (its first step Started; the CREATE fails if another run holds the site)
/// while every step but a first one whose call carries its own condition is checked against
/// AWS (what ELBv2 and CloudWatch calls cannot be conditioned on, and every later step, so that
/// nothing is changed when any of it moved). Then the first change, at once: UpdateHealthCheck
/// with the plan's HealthCheckVersion, or ChangeResourceRecordSets with a DELETE of the exact
/// record the plan read. Anything that moved since the plan: the journal is removed, nothing was
/// changed, and the operator is told to plan again.
#[allow(clippy::too_many_arguments)]
async fn fast_entry(
    clients: &Clients,
    resolver: &Resolver,
    site: &Site,
    plan: &Plan,
    opts: &ExecuteOptions,
    progress: &UnboundedSender<Progress>,
    ready: &Ready,
    rec: &mut Recorded,
) -> Fast {
    let by = plan
        .caller
        .clone()
        .unwrap_or_else(|| "unknown caller".into());
    let t = now();
    let mut j = entry_journal(clients, site, plan, opts, &by, t, ready.steps.clone(), None);
    rec.window_ends = j.expires_at;
    if let Err(why) = j.fits_route53() {
        return Fast::Done(Box::new(Err(SwitchError::Usage(format!(
            "{why}; nothing was changed"
        )))));
    }
    if let Some(first) = j.steps.first_mut() {
        first.state = StepState::Started;
    }
    let checks =
        futures::future::join_all(ready.steps.iter().enumerate().map(|(i, s)| async move {
            if i == 0 && conditional(s) {
                Ok(())
            } else {
                steps::check(clients, &site.name, s).await
            }
        }));
    let legacy = async {
        match site.scope() {
            journal::Scope::Only(_) => super::journal::read_legacy(clients, site).await,
            _ => Ok(None),
        }
    };
    let (created, checks, legacy) = tokio::join!(create_journal(clients, site, &j), checks, legacy);
    // Not created: nothing was written (another run holds the site, or Route 53 refused).
    let mut values = match created {
        Ok(v) => v,
        Err(e) => return Fast::Done(Box::new(Err(e))),
    };
    let moved = checks
        .iter()
        .zip(&ready.steps)
        .enumerate()
        .find_map(|(i, (r, s))| match r {
            Err(steps::StepError::Conflict(why)) => Some(format!(
                "step {} ({} {}): {why}",
                i + 1,
                s.call(),
                s.resource
            )),
            _ => None,
        })
        .or_else(|| match &legacy {
            Ok(Some((other, _))) => Some(format!(
                "a journal of an earlier switchyard appeared at {} ({})",
                journal::record_name(&site.record),
                other.holder()
            )),
            _ => None,
        });
    let unread = checks.iter().any(Result::is_err) || legacy.is_err();
    if moved.is_some() || unread {
        // Take the journal back: nothing was changed.
        let name = journal::record_name_of(&site.record, &j);
        if let Err(e) = delete_journal(clients, site, &j, &values).await {
            return Fast::Done(Box::new(Err(SwitchError::JournalWrite {
                error: e,
                detail: format!(
                    "nothing was changed, but the journal {name} this run created could not be removed: `switchyard maintenance off --site {}` removes it",
                    site.name
                ),
            })));
        }
        return match moved {
            Some(why) => Fast::Done(Box::new(Err(SwitchError::Conflict(format!(
                "AWS changed since the plan was made ({why}); nothing was done: plan again"
            ))))),
            // A check that could not read: the full read says what is wrong.
            None => Fast::ReadAgain,
        };
    }
    let mut run = Run {
        stop: opts.stop.clone(),
        cancel: opts.roll_back.clone(),
        clients,
        site,
        progress,
        reports: Vec::new(),
        undoing: false,
        changes: Vec::new(),
        by,
        first_ready: true,
    };
    let todo: Vec<usize> = (0..j.steps.len()).collect();
    if let Err(e) = run.forward(&mut j, &mut values, &todo).await {
        return Fast::Done(Box::new(Err(e)));
    }
    let summary = format!(
        "{} is in maintenance: steps done: {}",
        site.name,
        j.steps.len()
    );
    let undone = ready
        .steps
        .iter()
        .map(|s| (s.clone(), Towards::Maintenance))
        .collect();
    Fast::Done(Box::new(
        conclude(
            clients,
            resolver,
            site,
            plan,
            opts,
            progress,
            run,
            undone,
            (
                ready.dns.clone(),
                ready.distribution.clone(),
                ready.caches.clone(),
            ),
            summary,
        )
        .await,
    ))
}

/// Verifies a switch just made. After an entry, the steps are verified as the journal now holds
/// them, with what AWS returned (rule ARNs, invalidations).
async fn verify_switch(
    clients: &Clients,
    resolver: &Resolver,
    site: &Site,
    direction: Direction,
    mut wanted: verify::Wanted,
    opts: &ExecuteOptions,
    progress: &UnboundedSender<Progress>,
) -> Verification {
    if direction == Direction::On
        && let Ok(Some((j, _))) = read_journal(clients, site).await
    {
        wanted.steps = j
            .steps
            .into_iter()
            .map(|s| (s, Towards::Maintenance))
            .collect();
    }
    // What ends verification early: the operator's cancel, and the console's quitting.
    let halt: Vec<tokio_util::sync::CancellationToken> = opts
        .roll_back
        .iter()
        .chain(opts.stop.iter().filter(|_| opts.stop_verifying))
        .cloned()
        .collect();
    verify::run(
        clients,
        resolver,
        wanted,
        opts.timeout,
        opts.poll_every,
        progress,
        &halt,
    )
    .await
}

struct Run<'a> {
    stop: Option<tokio_util::sync::CancellationToken>,
    /// The operator's cancel: stops as `stop` does, said as such.
    cancel: Option<tokio_util::sync::CancellationToken>,
    clients: &'a Clients,
    site: &'a Site,
    progress: &'a UnboundedSender<Progress>,
    reports: Vec<StepReport>,
    /// The steps reported now are undone (a fail back): their call is the one that takes the
    /// change back (EnableAlarmActions, DeleteRule), not the one that made it.
    undoing: bool,
    changes: Vec<PendingChange>,
    by: String,
    /// The journal was created with the first step Started, and every other step was checked
    /// against AWS (see [`fast_entry`]): the first step is made at once.
    first_ready: bool,
}

impl Run<'_> {
    /// Between two steps: when asked to stop, say what is recorded and how to go on.
    async fn check_stop(
        &mut self,
        j: &mut Journal,
        values: &mut Vec<String>,
        what: &str,
    ) -> Result<(), SwitchError> {
        let cancel = self.cancel.as_ref().is_some_and(|t| t.is_cancelled());
        if !cancel && !self.stop.as_ref().is_some_and(|t| t.is_cancelled()) {
            return Ok(());
        }
        let by = if cancel {
            "by the operator, to roll back"
        } else {
            "by a signal"
        };
        // Say in the journal that nobody is at work any more.
        j.stopped = Some(format!("{by}, {} ({what})", rfc3339(now())));
        self.save(j, values).await?;
        // How far it got, in its own direction: steps done entering, steps undone failing back.
        let phase = j.marker().phase;
        let (done, total) = j
            .interruption()
            .map_or_else(|| (j.done_steps(), j.steps.len()), |i| (i.done, i.total));
        let verb = match phase {
            MaintenancePhase::Leaving => "undone",
            MaintenancePhase::Entering | MaintenancePhase::Active => "done",
        };
        if cancel {
            return Err(SwitchError::Cancelled(format!(
                "{what} for {} was cancelled by the operator between two steps: {done} of {total} steps were {verb}, recorded in the journal {}",
                self.site.name,
                journal::record_name_of(&self.site.record, j),
            )));
        }
        Err(SwitchError::Stopped(format!(
            "{what} for {} stopped by a signal between two steps: {done} of {total} steps are {verb} and recorded in the journal {}; `{}` finishes it, `{}` undoes it",
            self.site.name,
            journal::record_name_of(&self.site.record, j),
            phase.finish_command(&self.site.name),
            phase.undo_command(&self.site.name),
        )))
    }

    fn report(
        &mut self,
        index: usize,
        s: &Step,
        result: StepProgress,
        detail: &str,
        took: Duration,
    ) {
        let _ = self.progress.send(Progress::Step {
            index,
            state: result,
            detail: detail.to_string(),
            elapsed: took,
        });
        if result == StepProgress::Running {
            return;
        }
        self.reports.push(StepReport {
            index,
            strategy: s.strategy.clone(),
            call: if self.undoing {
                s.change.undo_call()
            } else {
                s.call()
            }
            .to_string(),
            resource: s.resource.clone(),
            result,
            detail: detail.to_string(),
            duration_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
            at: OffsetDateTime::now_utc(),
        });
    }

    /// Reports a step applied: done, or skipped when it was already so.
    fn report_applied(
        &mut self,
        index: usize,
        s: &Step,
        note: &str,
        skipped: bool,
        took: Duration,
    ) {
        let state = if skipped {
            StepProgress::Skipped
        } else {
            StepProgress::Done
        };
        self.report(index, s, state, note, took);
    }

    /// Writes the journal; a failure means someone else changed it.
    async fn save(&self, j: &mut Journal, values: &mut Vec<String>) -> Result<(), SwitchError> {
        j.updated_by = self.by.clone();
        j.updated_host = Some(host());
        j.updated_at = now();
        match update_journal(self.clients, self.site, values, j).await {
            Ok(v) => {
                *values = v;
                Ok(())
            }
            Err(e) => {
                let name = journal::record_name_of(&self.site.record, j);
                // Someone else's change, or only a write that failed (the journal as it was)?
                let now_there = match read_journal(self.clients, self.site).await {
                    Ok(Some((_, found))) if found == *values => None,
                    Ok(Some((other, _))) => Some(format!(
                        "it is now {:?}, last updated by {} at {}",
                        other.phase,
                        other.updated_by,
                        rfc3339(other.updated_at)
                    )),
                    Ok(None) => Some("it no longer exists".into()),
                    Err(_) => None,
                };
                match now_there {
                    Some(now_there) => Err(SwitchError::Conflict(format!(
                        "the maintenance journal {name} was changed by someone else ({now_there}): stopped here without touching anything more ({})",
                        e.summary()
                    ))),
                    None => {
                        let again = match j.phase {
                            Phase::Leaving => "off",
                            Phase::AwaitingApproval | Phase::Entering | Phase::Active => "on",
                        };
                        Err(SwitchError::JournalWrite {
                            error: e,
                            detail: format!(
                                "stopped here without changing anything more; the journal {name} records every step done before (a step that was running is checked by the next run): run `switchyard maintenance {again} --site {}` again once Route 53 accepts the write",
                                self.site.name
                            ),
                        })
                    }
                }
            }
        }
    }

    /// A step was applied but the journal could not record it. If the journal is gone (another
    /// operator failed back meanwhile), nothing would remember the original: the step is taken
    /// back at once. Otherwise the journal says Started and the next run checks it.
    async fn orphaned(&self, s: &Step, e: SwitchError) -> SwitchError {
        if !matches!(read_journal(self.clients, self.site).await, Ok(None)) {
            return e;
        }
        let what = match steps::apply(self.clients, &self.site.name, s, Towards::Original).await {
            Ok(_) => format!(
                "the journal is gone (another operator failed back meanwhile), so this step ({} {}) was undone",
                s.call(),
                s.resource
            ),
            Err(u) => format!(
                "the journal is gone and undoing this step failed ({u}): restore {} by hand to {}",
                s.resource,
                steps::show_original(&s.change).unwrap_or_else(|| NONE.into())
            ),
        };
        SwitchError::Conflict(format!("{e}; {what}"))
    }

    /// Carries out the steps `todo` towards maintenance; on failure undoes what was done.
    async fn forward(
        &mut self,
        j: &mut Journal,
        values: &mut Vec<String>,
        todo: &[usize],
    ) -> Result<(), SwitchError> {
        j.stopped = None;
        for (index, &i) in todo.iter().enumerate() {
            let first_ready = std::mem::take(&mut self.first_ready) && index == 0;
            if !first_ready {
                self.check_stop(j, values, "maintenance on").await?;
            }
            let t0 = Instant::now();
            j.steps[i].state = StepState::Started;
            j.steps[i].error = None;
            if !first_ready {
                self.save(j, values).await?;
            }
            let s = j.steps[i].clone();
            self.report(index, &s, StepProgress::Running, "", t0.elapsed());
            let applied = if first_ready {
                let checked = true;
                steps::apply_first(self.clients, &self.site.name, &s, checked).await
            } else {
                steps::apply_checked(self.clients, &self.site.name, &s, Towards::Maintenance).await
            };
            match applied {
                Ok(a) => {
                    j.steps[i].state = StepState::Done;
                    if let Some(change) = a.completed {
                        j.steps[i].change = change;
                    }
                    if let Some(c) = a.change {
                        j.steps[i].change_id = Some(c.id.clone());
                        self.changes.push(c);
                    }
                    if let Err(e) = self.save(j, values).await {
                        let e = self.orphaned(&s, e).await;
                        self.report(
                            index,
                            &s,
                            StepProgress::Failed,
                            &e.to_string(),
                            t0.elapsed(),
                        );
                        return Err(e);
                    }
                    self.report_applied(index, &s, &a.note, a.skipped, t0.elapsed());
                }
                Err(e) => {
                    let error = e.to_string();
                    j.steps[i].error = Some(error.clone());
                    // Someone else's change stood in the way and the step made no call: it has
                    // nothing to undo (undoing it would meet that change).
                    if matches!(e, steps::StepError::Conflict(_)) {
                        j.steps[i].state = StepState::Planned;
                    }
                    self.report(index, &s, StepProgress::Failed, &error, t0.elapsed());
                    let detail = self.roll_back(j, values, todo, index).await;
                    // The first change, made on the plan's own values, met someone else's
                    // change: the plan was stale. Nothing was changed (the journal is gone).
                    if first_ready && matches!(e, steps::StepError::Conflict(_)) {
                        return Err(SwitchError::Conflict(format!(
                            "AWS changed since the plan was made ({error}); {detail}: plan again"
                        )));
                    }
                    return Err(SwitchError::StepFailed {
                        index,
                        call: s.call().to_string(),
                        error,
                        detail,
                        access: e.is_access(),
                    });
                }
            }
        }
        j.phase = Phase::Active;
        self.save(j, values).await
    }

    /// Undoes the steps done before the failed one (and the failed one, which may have taken
    /// effect), newest first. Says what the state is now.
    async fn roll_back(
        &mut self,
        j: &mut Journal,
        values: &mut Vec<String>,
        todo: &[usize],
        failed: usize,
    ) -> String {
        let mut undone = 0;
        let back: Vec<usize> = (0..j.steps.len())
            .rev()
            .filter(|i| matches!(j.steps[*i].state, StepState::Done | StepState::Started))
            .collect();
        for i in back {
            let index = todo.iter().position(|t| *t == i).unwrap_or(i);
            let s = j.steps[i].clone();
            let t0 = Instant::now();
            match steps::apply(self.clients, &self.site.name, &s, Towards::Original).await {
                Ok(a) => {
                    j.steps[i].state = StepState::Undone;
                    // A step that had changed nothing (the one that failed, as a rule) needed
                    // no undoing.
                    if !a.skipped {
                        undone += 1;
                    }
                    if self.save(j, values).await.is_err() {
                        return format!(
                            "undone {undone} steps, then the journal could not be updated: run `switchyard maintenance off --site {}` to finish",
                            self.site.name
                        );
                    }
                    if index != failed {
                        self.report(index, &s, StepProgress::RolledBack, "", t0.elapsed());
                    }
                }
                Err(e) => {
                    j.steps[i].error = Some(e.to_string());
                    let _ = self.save(j, values).await;
                    return format!(
                        "undoing step {} ({}) failed too: {e}; the journal {} records what was done: run `switchyard maintenance off --site {}` once the cause is fixed",
                        index + 1,
                        s.call(),
                        journal::record_name_of(&self.site.record, j),
                        self.site.name
                    );
                }
            }
        }
        let taken = match undone {
            0 => "no step had changed anything".to_string(),
            1 => "the 1 step taken was undone".to_string(),
            n => format!("the {n} steps taken were undone"),
        };
        match delete_journal(self.clients, self.site, j, values).await {
            Ok(()) => format!(
                "{taken} and the journal removed: {} is as before",
                self.site.name
            ),
            Err(e) => format!(
                "{taken}, but the journal could not be removed ({}): `switchyard maintenance off --site {}` removes it",
                e.summary(),
                self.site.name
            ),
        }
    }

    /// Fail back: undoes `undo` (journal indices, newest first), makes the `extra`
    /// invalidations, removes the journal.
    async fn backward(
        &mut self,
        j: &mut Journal,
        values: &mut Vec<String>,
        undo: &[usize],
        extra: &[Step],
    ) -> Result<(), SwitchError> {
        j.phase = Phase::Leaving;
        j.stopped = None;
        self.save(j, values).await?;
        self.undoing = true;
        let undone = self.undo_steps(j, values, undo).await;
        self.undoing = false;
        undone?;
        self.after_undo(j, values, undo, extra).await
    }

    /// The undo loop of [`Run::backward`]: each step taken back, in order.
    async fn undo_steps(
        &mut self,
        j: &mut Journal,
        values: &mut Vec<String>,
        undo: &[usize],
    ) -> Result<(), SwitchError> {
        for (index, &i) in undo.iter().enumerate() {
            self.check_stop(j, values, "maintenance off").await?;
            let t0 = Instant::now();
            let s = j.steps[i].clone();
            self.report(index, &s, StepProgress::Running, "", t0.elapsed());
            match steps::apply_checked(self.clients, &self.site.name, &s, Towards::Original).await {
                Ok(a) => {
                    j.steps[i].state = StepState::Undone;
                    j.steps[i].error = None;
                    if let Some(c) = a.change {
                        self.changes.push(c);
                    }
                    self.save(j, values).await?;
                    self.report_applied(index, &s, &a.note, a.skipped, t0.elapsed());
                }
                Err(e) => {
                    let error = e.to_string();
                    j.steps[i].error = Some(error.clone());
                    let _ = self.save(j, values).await;
                    self.report(index, &s, StepProgress::Failed, &error, t0.elapsed());
                    return Err(SwitchError::StepFailed {
                        index,
                        call: s.change.undo_call().to_string(),
                        access: e.is_access(),
                        error,
                        detail: format!(
                            "{} of {} steps were undone; the journal {} keeps the originals of the rest: fix the cause and run `switchyard maintenance off --site {}` again",
                            index,
                            undo.len(),
                            journal::record_name_of(&self.site.record, j),
                            self.site.name
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// What follows the undo loop of [`Run::backward`]: the extra steps (invalidations), then
    /// the journal removed.
    async fn after_undo(
        &mut self,
        j: &mut Journal,
        values: &[String],
        undo: &[usize],
        extra: &[Step],
    ) -> Result<(), SwitchError> {
        for (k, s) in extra.iter().enumerate() {
            let index = undo.len() + k;
            let t0 = Instant::now();
            self.report(index, s, StepProgress::Running, "", t0.elapsed());
            match steps::apply(self.clients, &self.site.name, s, Towards::Maintenance).await {
                Ok(a) => self.report(index, s, StepProgress::Done, &a.note, t0.elapsed()),
                // The site is back; a failed invalidation only leaves a cached sorry page.
                Err(e) => self.report(
                    index,
                    s,
                    StepProgress::Failed,
                    &format!("{e} (the site is back; browsers may see the cached sorry page)"),
                    t0.elapsed(),
                ),
            }
        }
        delete_journal(self.clients, self.site, j, values)
            .await
            .map_err(|e| SwitchError::StepFailed {
                index: undo.len() + extra.len(),
                call: "route53:ChangeResourceRecordSets".into(),
                access: matches!(
                    e.kind,
                    crate::model::error::ErrorKind::AccessDenied
                        | crate::model::error::ErrorKind::Credentials
                ),
                error: e.summary(),
                detail: format!(
                    "every original value is restored, but the journal {} could not be removed: run `switchyard maintenance off --site {}` again",
                    journal::record_name_of(&self.site.record, j),
                    self.site.name
                ),
            })
    }
}
