//! Two-person approval of a protected site's switches (`approval = true`): the request written
//! into the journal in AWS with the exact plan and its hash, the decision another identity
//! writes beside it (`switchyard approve`, `decline`), and the gate every switch of such a site
//! passes right before its first change (see [`crate::model::approval`]).
//!
//! Every write is a journal write (CREATE, or DELETE of the exact values read plus CREATE), so
//! that a request decided, withdrawn or replaced meanwhile makes the write fail instead of
//! being overwritten.

use std::path::Path;

use time::OffsetDateTime;

use crate::aws::client::Clients;
use crate::aws::dns::Resolver;
use crate::config::Site;
use crate::model::approval::{self, Approval, Decision, Standing, short};
use crate::model::history::{self as hist, SwitchResult};
use crate::model::journal::{FORMAT, Journal, Phase, REASON_MAX};
use crate::model::sts::Identity;

use super::engine::{Basis, Prepared, history_direction, host, prepare};
use super::error::SwitchError;
use super::journal::{create_journal, delete_journal, read_journal, update_journal};
use super::plan::{Direction, Plan};

/// The longest comment a decline takes, in characters.
pub const COMMENT_MAX: usize = 512;

/// Lets a switch of a site that needs approval through only with an approval of this very plan
/// (the hash of the plan as AWS is now), by another identity than the requester, unexpired in
/// AWS's clock (`now`), asked by this caller: returns the approver's ARN. Anything else is
/// [`SwitchError::NotApproved`], with nothing changed.
pub(crate) fn gate(
    site: &Site,
    fresh: &Prepared,
    caller: &str,
    now: OffsetDateTime,
) -> Result<String, SwitchError> {
    let request = match &fresh.basis {
        Basis::EnterRequested { request, .. } => request.request(),
        Basis::Leave { journal, .. } => journal.request(),
        _ => None,
    };
    let what = fresh.plan.direction.verb();
    let Some(a) = request.filter(|a| a.direction == history_direction(fresh.plan.direction)) else {
        return Err(SwitchError::NotApproved(format!(
            "site {} needs a second person's approval to {what}, and none was asked for: `switchyard maintenance {} --site {}` asks for it (`--break-glass \"reason\"` in an emergency); nothing was changed",
            site.name,
            fresh.plan.direction.as_str(),
            site.name
        )));
    };
    if a.requested_by != caller {
        return Err(SwitchError::NotApproved(format!(
            "the approval of site {}'s switch was asked for by {}, not by this caller ({caller}): an approval lets only the run that asked go on; nothing was changed",
            site.name, a.requested_by
        )));
    }
    let now_hash = fresh.plan.hash.as_deref().unwrap_or_default();
    match a.standing(now) {
        Standing::Approved { by } => match &a.decision {
            Some(Decision::Approved { hash, .. }) if hash == now_hash => Ok(by),
            _ => Err(SwitchError::NotApproved(format!(
                "the plan changed since {by} approved it (approved plan {}, the plan as AWS is now {}): a changed plan needs a new approval; nothing was changed. `switchyard maintenance {} --site {}` asks again",
                short(&a.hash),
                short(now_hash),
                fresh.plan.direction.as_str(),
                site.name
            ))),
        },
        Standing::Pending => Err(SwitchError::NotApproved(format!(
            "the request to {what} site {} (plan {}) still awaits approval; nothing was changed",
            site.name,
            short(&a.hash)
        ))),
        Standing::Declined { by, comment } => Err(SwitchError::NotApproved(format!(
            "{by} declined the request to {what} site {}{}; nothing was changed",
            site.name,
            comment.map(|c| format!(": {c:?}")).unwrap_or_default()
        ))),
        Standing::Expired(why) => Err(SwitchError::NotApproved(format!(
            "the approval to {what} site {} is not valid: {why}; a new approval is needed; nothing was changed",
            site.name
        ))),
        Standing::Forged(why) => Err(SwitchError::NotApproved(format!(
            "the approval in the journal of site {} is refused: {why}; switchyard never writes such an approval; nothing was changed",
            site.name
        ))),
    }
}

/// A time as the journal keeps it: whole seconds.
pub(crate) fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}

/// What the requester's run asks for.
#[derive(Clone, Debug)]
pub struct Ask {
    pub reason: Option<String>,
    pub forced: bool,
    /// The plan as the requester saw it.
    pub text: String,
    /// How long the request waits for a decision.
    pub ttl: std::time::Duration,
}

/// Writes the request for approval of `plan` into the journal (a new journal awaiting approval
/// for `on`; the journal in effect for `off`), replacing a request of the same caller, or one
/// that no longer stands. The site is read again first: a plan that no longer matches AWS is
/// refused ([`SwitchError::Conflict`]). Returns the request written.
pub async fn request(
    clients: &Clients,
    resolver: &Resolver,
    site: &Site,
    plan: &Plan,
    caller: &Identity,
    ask: &Ask,
) -> Result<Approval, SwitchError> {
    let fresh = prepare(clients, resolver, site, plan.direction, Some(caller)).await?;
    if let Some(holder) = &fresh.plan.held_by {
        return Err(SwitchError::Conflict(super::engine::held_text(
            holder,
            site,
            plan.direction,
        )));
    }
    let Some(hash) = fresh
        .plan
        .hash
        .clone()
        .filter(|_| fresh.plan.needs_approval)
    else {
        return Err(SwitchError::Usage(format!(
            "there is nothing to ask approval for: {}",
            fresh
                .plan
                .nothing_to_do
                .as_deref()
                .unwrap_or("the switch needs no approval")
        )));
    };
    if plan.hash.as_deref() != Some(hash.as_str()) {
        return Err(SwitchError::Conflict(format!(
            "AWS changed since the plan was made (plan {} is now {}); nothing was asked: plan again",
            short(plan.hash.as_deref().unwrap_or_default()),
            short(&hash)
        )));
    }
    let now = whole_seconds(clients.clock.now());
    let ttl = time::Duration::try_from(ask.ttl).unwrap_or(time::Duration::minutes(30));
    let approval = Approval {
        direction: history_direction(plan.direction),
        requested_by: caller.arn.clone(),
        requested_host: host(),
        requested_at: now,
        expires_at: now + ttl,
        reason: ask
            .reason
            .as_ref()
            .map(|r| r.chars().take(REASON_MAX).collect()),
        hash,
        plan: ask.text.clone(),
        forced: ask.forced,
        decision: None,
    };
    let t = OffsetDateTime::now_utc();
    let written = match fresh.basis {
        Basis::Enter(steps) => {
            let j = Journal {
                format: FORMAT,
                site: site.name.clone(),
                record: site.record.clone(),
                scope: Some(site.scope()),
                zone: Some(site.zone_id.clone()),
                account: Some(caller.account.clone()).filter(|a| !a.is_empty()),
                by: caller.arn.clone(),
                host: host(),
                at: t,
                reason: approval.reason.clone(),
                phase: Phase::AwaitingApproval,
                expires_at: None,
                steps,
                approval: Some(approval.clone()),
                break_glass: None,
                stopped: None,
                updated_by: caller.arn.clone(),
                updated_host: Some(host()),
                updated_at: t,
            };
            fits(&j)?;
            create_journal(clients, site, &j).await.map(|_| ())
        }
        Basis::EnterRequested {
            mut request,
            values,
            steps,
        } => {
            request.by = caller.arn.clone();
            request.host = host();
            request.at = t;
            request.reason = approval.reason.clone();
            request.steps = steps;
            request.approval = Some(approval.clone());
            request.updated_by = caller.arn.clone();
            request.updated_host = Some(host());
            request.updated_at = t;
            fits(&request)?;
            replace(clients, site, &values, &request).await
        }
        Basis::Leave {
            mut journal,
            values,
            ..
        } => {
            journal.approval = Some(approval.clone());
            journal.updated_by = caller.arn.clone();
            journal.updated_host = Some(host());
            journal.updated_at = t;
            fits(&journal)?;
            replace(clients, site, &values, &journal).await
        }
        Basis::Nothing | Basis::Resume { .. } => {
            return Err(SwitchError::Usage(
                "there is nothing to ask approval for".into(),
            ));
        }
    };
    written.map(|()| approval)
}

fn fits(j: &Journal) -> Result<(), SwitchError> {
    j.fits_route53().map_err(|why| {
        SwitchError::Usage(format!(
            "{why}; the plan is too large to ask approval for in the journal; nothing was changed"
        ))
    })
}

/// A journal update that fails when the journal changed since it was read.
async fn replace(
    clients: &Clients,
    site: &Site,
    old: &[String],
    j: &Journal,
) -> Result<(), SwitchError> {
    update_journal(clients, site, old, j)
        .await
        .map(|_| ())
        .map_err(|e| {
            if e.code.as_deref() == Some("InvalidChangeBatch") {
                SwitchError::Conflict(format!(
                    "the journal of site {} changed since it was read (another operator): nothing was changed; try again",
                    site.name
                ))
            } else {
                SwitchError::JournalWrite {
                    error: e,
                    detail: format!(
                        "the journal of site {} is as it was; nothing was changed",
                        site.name
                    ),
                }
            }
        })
}

/// The request that awaits approval beside `site`, if any, with its journal and exact values.
pub async fn outstanding(
    clients: &Clients,
    site: &Site,
) -> Result<Option<(Approval, Journal, Vec<String>)>, SwitchError> {
    Ok(read_journal(clients, site)
        .await?
        .and_then(|(j, v)| j.request().cloned().map(|a| (a, j, v))))
}

/// What the approver decides.
#[derive(Clone, Debug)]
pub enum Verdict {
    Approve,
    Decline { comment: Option<String> },
}

/// Writes `verdict` on the request of `site` whose plan hash is `hash` (the one the approver
/// was shown), as `caller`, with AWS's clock. Refused when nothing awaits approval, when the
/// request is not the one shown, and (approving) when the caller asked for it itself.
pub async fn decide(
    clients: &Clients,
    site: &Site,
    caller: &str,
    hash: &str,
    verdict: &Verdict,
    ttl: std::time::Duration,
) -> Result<Approval, SwitchError> {
    let Some((a, mut j, values)) = outstanding(clients, site).await? else {
        return Err(SwitchError::Conflict(format!(
            "nothing awaits approval for site {}: no request in its journal {}; nothing was changed",
            site.name,
            site.journal_record()
        )));
    };
    if a.hash != hash {
        return Err(SwitchError::Conflict(format!(
            "the request of site {} changed since it was shown (plan {} is now {}): nothing was changed; look again",
            site.name,
            short(hash),
            short(&a.hash)
        )));
    }
    let now = whole_seconds(clients.clock.now());
    match a.standing(now) {
        Standing::Pending => {}
        Standing::Expired(why) => {
            return Err(SwitchError::Conflict(format!(
                "the request of site {} lapsed: {why}; the requester asks again; nothing was changed",
                site.name
            )));
        }
        other => {
            return Err(SwitchError::Conflict(format!(
                "the request of site {} is already decided ({other:?}); nothing was changed",
                site.name
            )));
        }
    }
    if matches!(verdict, Verdict::Approve) {
        if a.requested_by == caller {
            return Err(SwitchError::NotApproved(format!(
                "you ({caller}) asked for this switch yourself: the same identity can never approve its own plan; another person approves it. Nothing was changed"
            )));
        }
        // The request's hash must be that of the steps it holds (an entry's journal carries
        // them): a request whose plan and hash disagree is never approved.
        if j.phase == Phase::AwaitingApproval {
            let steps: Vec<(&crate::model::journal::Step, bool)> =
                j.steps.iter().map(|s| (s, true)).collect();
            let own = approval::plan_hash(&site.name, a.direction, &steps);
            if own != a.hash {
                return Err(SwitchError::Usage(format!(
                    "the request in the journal of site {} names plan {}, but its steps are plan {}: it was not written by switchyard as it stands, and is not approved; nothing was changed",
                    site.name,
                    short(&a.hash),
                    short(&own)
                )));
            }
        }
    }
    let ttl = time::Duration::try_from(ttl).unwrap_or(time::Duration::minutes(30));
    let decision = match verdict {
        Verdict::Approve => Decision::Approved {
            by: caller.to_string(),
            at: now,
            hash: a.hash.clone(),
            expires_at: now + ttl,
        },
        Verdict::Decline { comment } => Decision::Declined {
            by: caller.to_string(),
            at: now,
            comment: comment
                .as_ref()
                .map(|c| c.chars().take(COMMENT_MAX).collect()),
        },
    };
    let mut decided = a.clone();
    decided.decision = Some(decision);
    j.approval = Some(decided.clone());
    j.updated_by = caller.to_string();
    j.updated_host = Some(host());
    j.updated_at = OffsetDateTime::now_utc();
    fits(&j)?;
    replace(clients, site, &values, &j).await?;
    Ok(decided)
}

/// Takes the request of `site` back (Ctrl-C in the run that asked, or a request that was
/// declined, lapsed or refused): a request to enter maintenance is removed with its journal
/// (nothing was changed yet); a fail back's request is removed from the journal in effect.
/// Returns whether there was one to take back.
pub async fn withdraw(clients: &Clients, site: &Site, hash: &str) -> Result<bool, SwitchError> {
    let Some((a, mut j, values)) = outstanding(clients, site).await? else {
        return Ok(false);
    };
    if a.hash != hash {
        return Ok(false);
    }
    if j.phase == Phase::AwaitingApproval {
        delete_journal(clients, site, &j, &values)
            .await
            .map_err(|e| SwitchError::JournalWrite {
                error: e,
                detail: format!(
                    "the request of site {} is still in its journal {}",
                    site.name,
                    site.journal_record()
                ),
            })?;
    } else {
        j.approval = None;
        j.updated_at = OffsetDateTime::now_utc();
        replace(clients, site, &values, &j).await?;
    }
    Ok(true)
}

/// One approval event for the audit log and the site's AWS history.
#[derive(Clone, Debug)]
pub struct Event<'a> {
    pub site: &'a Site,
    pub direction: Direction,
    pub result: SwitchResult,
    /// Who acted: the requester, the approver, or who declined.
    pub by: &'a str,
    pub account: Option<&'a str>,
    pub reason: Option<String>,
    pub comment: Option<String>,
    pub hash: Option<String>,
    pub plan: Option<&'a Plan>,
}

/// Records `e` in the site's AWS history and this machine's audit log. Never fails the action:
/// what could not be written is returned as warnings to say.
pub async fn record(clients: &Clients, audit_log: Option<&Path>, e: &Event<'_>) -> Vec<String> {
    let id = format!(
        "{}{:x}",
        super::engine::switch_id_prefix(),
        OffsetDateTime::now_utc().unix_timestamp_nanos()
    );
    let mut warnings = Vec::new();
    let entry = hist::Entry {
        reason: e.reason.clone(),
        error: e.comment.clone(),
        ..hist::Entry::new(
            id.clone(),
            e.site.name.clone(),
            history_direction(e.direction).into(),
            e.result,
            e.by,
            host(),
            OffsetDateTime::now_utc(),
        )
    };
    if let Err(why) = super::history::append(clients, e.site, entry).await {
        warnings.push(format!(
            "the switch history {} could not be written ({why}); this machine's audit log holds it",
            super::history::record_name(e.site)
        ));
    }
    if let Some(path) = audit_log {
        let line = super::audit::Entry {
            time: OffsetDateTime::now_utc(),
            caller: Some(e.by.to_string()),
            account: e.account.map(str::to_string),
            site: e.site.name.clone(),
            direction: e.direction.as_str().into(),
            reason: e.reason.clone(),
            forced: false,
            result: e.result.as_str().into(),
            error: None,
            duration_ms: 0,
            plan: e
                .plan
                .and_then(|p| serde_json::to_value(p).ok())
                .unwrap_or(serde_json::Value::Null),
            steps: serde_json::Value::Null,
            verification: serde_json::Value::Null,
            id: Some(id),
            warnings: warnings.clone(),
            break_glass: None,
            plan_hash: e.hash.clone(),
            comment: e.comment.clone(),
            approved_by: None,
            window_ends: None,
        };
        if let Err(err) = super::audit::append_entry(path, &line) {
            warnings.push(format!(
                "cannot write the audit log {}: {err}",
                path.display()
            ));
        }
    }
    warnings
}
