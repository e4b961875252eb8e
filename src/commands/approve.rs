//! `switchyard approve --site S` and `switchyard decline --site S --comment ...`: another
//! identity than the requester reads the pending plan from the journal in AWS, is shown it as
//! the requester saw it with its hash, confirms by typing the site name, and the decision (who,
//! when in AWS's clock, the plan's hash, until when) is written beside the request.

use super::switch::{confirm_by_name, open, print_json, rfc3339};
use crate::cli::{DecideArgs, GlobalArgs, OutputFormat};
use crate::model::approval::{Decision, Standing, short};
use crate::model::history::SwitchResult;
use crate::switch::approval::{self, Event, Verdict};
use crate::switch::error::{SwitchError, exit};

/// `approve` (or, `decline`, `approve --decline`).
pub async fn run(global: &GlobalArgs, args: &DecideArgs, decline: bool) -> i32 {
    let command = if decline { "decline" } else { "approve" };
    // Checked before anything is read: a read-only run writes nothing.
    if global.read_only {
        say_err!(
            "switchyard {command}: --read-only is given: no approval or decline is written (run it without --read-only)"
        );
        return exit::USAGE;
    }
    let one = match open(global, &args.site, command).await {
        Ok(o) => o,
        Err(code) => return code,
    };
    let site = one.site().clone();
    if site.read_only {
        say_err!(
            "switchyard {command}: site {} is read-only in the config: nothing is written",
            site.name
        );
        return exit::USAGE;
    }
    let json = args.output == OutputFormat::Json;
    let clients = one.clients();
    let Some(caller) = one.caller.clone() else {
        return exit::ACCESS;
    };
    let found = match approval::outstanding(clients, &site).await {
        Ok(f) => f,
        Err(e) => {
            say_err!("switchyard {command}: {e}");
            return e.exit_code();
        }
    };
    let Some((a, _, _)) = found else {
        say_err!(
            "switchyard {command}: nothing awaits approval for site {}: its journal {} holds no request; nothing was changed",
            site.name,
            site.journal_record()
        );
        return exit::CONFLICT;
    };
    let head = format!(
        "Request by {} on {} at {} (AWS time): {} of site {} ({}){}\nPlan {} (SHA-256 {})\n",
        a.requested_by,
        a.requested_host,
        rfc3339(a.requested_at),
        a.what(),
        site.name,
        site.record,
        a.reason
            .as_ref()
            .map(|r| format!(", reason {r:?}"))
            .unwrap_or_default(),
        short(&a.hash),
        a.hash
    );
    let shown = format!(
        "{head}{}{}",
        a.plan,
        if a.forced {
            "The requester forces it: the preflight checks above that failed or could not be made are overridden (--force).\n"
        } else {
            ""
        }
    );
    if json {
        say_err_part!("{shown}");
    } else {
        say_part!("{shown}");
    }
    match a.standing(clients.clock.now()) {
        Standing::Pending => {}
        other => {
            say_err!(
                "switchyard {command}: the request no longer awaits a decision ({}); nothing was changed",
                match other {
                    Standing::Approved { by } => format!("approved by {by}"),
                    Standing::Declined { by, .. } => format!("declined by {by}"),
                    Standing::Expired(w) | Standing::Forged(w) => w,
                    Standing::Pending => String::new(),
                }
            );
            return exit::CONFLICT;
        }
    }
    if !decline && a.requested_by == caller.arn {
        say_err!(
            "switchyard approve: refused: you ({}) asked for this switch yourself, and the same identity can never approve its own plan: another person approves it (or declines it). Nothing was changed",
            caller.arn
        );
        return exit::NOT_APPROVED;
    }
    let what = if decline {
        "decline the switch of"
    } else {
        "approve the switch of"
    };
    if let Err(code) = confirm_by_name(command, &site.name, what, args.yes) {
        return code;
    }
    let verdict = if decline {
        Verdict::Decline {
            comment: args.comment.clone(),
        }
    } else {
        Verdict::Approve
    };
    let result = approval::decide(
        clients,
        &site,
        &caller.arn,
        &a.hash,
        &verdict,
        site.approval_ttl,
    )
    .await;
    let code = match &result {
        Ok(_) => exit::OK,
        Err(e) => e.exit_code(),
    };
    if let Ok(decided) = &result {
        let audit_log = super::switch::audit_path(global, Some(&one.session.config));
        let event = Event {
            site: &site,
            direction: match a.direction {
                crate::model::history::Direction::On => crate::switch::Direction::On,
                crate::model::history::Direction::Off => crate::switch::Direction::Off,
            },
            result: if decline {
                SwitchResult::Declined
            } else {
                SwitchResult::Approved
            },
            by: &caller.arn,
            account: Some(caller.account.as_str()),
            reason: a.reason.clone(),
            comment: args.comment.clone().filter(|_| decline),
            hash: Some(decided.hash.clone()),
            plan: None,
        };
        for w in approval::record(clients, audit_log.as_deref(), &event).await {
            say_err!("switchyard {command}: WARNING: {w}");
        }
    }
    match &result {
        Ok(decided) => {
            let (word, until) = match &decided.decision {
                Some(Decision::Approved { expires_at, .. }) => ("approved", Some(*expires_at)),
                _ => ("declined", None),
            };
            if json {
                print_json(&serde_json::json!({
                    "site": site.name,
                    "decision": word,
                    "plan_hash": decided.hash,
                    "requested_by": decided.requested_by,
                    "by": caller.arn,
                    "expires_at": until.map(rfc3339),
                    "comment": args.comment.clone().filter(|_| decline),
                    "exit_code": code,
                }));
            } else if let Some(until) = until {
                say!(
                    "Approved: plan {} of {} for site {}, by {}, valid until {} (AWS time). The requester's run goes on; a plan that changes before its first change needs a new approval.",
                    short(&decided.hash),
                    decided.requested_by,
                    site.name,
                    caller.arn,
                    rfc3339(until)
                );
            } else {
                say!(
                    "Declined: plan {} of {} for site {}, by {}{}. The requester's run stops; nothing was changed.",
                    short(&decided.hash),
                    decided.requested_by,
                    site.name,
                    caller.arn,
                    args.comment
                        .as_ref()
                        .map(|c| format!(" ({c:?})"))
                        .unwrap_or_default()
                );
            }
        }
        Err(e @ SwitchError::NotApproved(_)) => say_err!("switchyard {command}: refused: {e}"),
        Err(e) => say_err!("switchyard {command}: {e}"),
    }
    code
}
