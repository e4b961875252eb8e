//! The engine behind the console's `m` and `f`: serves the console's action requests (see
//! [`crate::tui::actions`]) with [`crate::switch::engine::plan`] and [`crate::switch::engine::execute`], with the
//! clients of each site's AWS account, role and region.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

use super::actions::{ActionRequest, ActionServer, ActionUpdate};
use crate::aws::client::Clients;
use crate::aws::dns::Resolver;
use crate::config::Site;
use crate::model::maintenance::MaintenancePhase;
use crate::poll::session::Session;
use crate::switch::engine::{self, ExecuteOptions};
use crate::switch::error::SwitchError;
use crate::switch::plan::Progress;

/// How long the console's switch verifies before it reports what has not converged.
pub const VERIFY_TIMEOUT: Duration = Duration::from_secs(900);

/// A site and the clients to switch it with.
#[derive(Clone, Debug)]
pub struct Switchable {
    pub site: Site,
    pub clients: Clients,
}

/// What the console's actions need of a session: each watched site with its group's clients.
pub fn switchable(session: &Session) -> Vec<Switchable> {
    session
        .groups
        .iter()
        .flat_map(|g| {
            g.sites.iter().filter_map(|i| {
                session.config.sites.get(*i).map(|site| Switchable {
                    site: site.clone(),
                    clients: g.fetcher.clients.clone(),
                })
            })
        })
        .collect()
}

/// Serves the console's requests until it quits.
///
/// `RollBack` while a switch runs cancels it: the engine stops it between two steps (or while
/// it verifies) and takes back what it did with the switch in the other direction
/// ([`ExecuteOptions::roll_back`]), each with its journal and audit line.
///
/// When the console quits (the operator chose to, or a signal), a switch still running stops
/// between two steps, recorded in the journal; one that is verifying stops verifying. Returns
/// whether the quitting stopped a switch before its last step: the console then exits as
/// `maintenance` does when a signal stops it (exit 9), and `status` reads INTERRUPTED.
pub async fn serve(
    server: ActionServer,
    sites: Vec<Switchable>,
    resolver: Resolver,
    audit_log: Option<PathBuf>,
) -> bool {
    let Ok(updates) = server.connect.await else {
        return false;
    };
    let mut requests = server.requests;
    // The switch running, its site, and the commands that finish and undo it.
    let mut running: Option<(Ended, (String, String, String))> = None;
    let mut stop = tokio_util::sync::CancellationToken::new();
    let mut roll_back = tokio_util::sync::CancellationToken::new();
    while let Some(request) = requests.recv().await {
        match request {
            ActionRequest::Plan { site, direction } => {
                let answer = match sites.iter().find(|s| s.site.name == site) {
                    None => Err(format!("no site named {site:?} can be switched here")),
                    Some(s) => {
                        let caller = crate::aws::sts::identity(&s.clients.sts).await.ok();
                        engine::plan(&s.clients, &resolver, &s.site, direction, caller.as_ref())
                            .await
                            .map_err(|e| e.to_string())
                    }
                };
                if updates.send(ActionUpdate::Planned(answer)).await.is_err() {
                    break;
                }
            }
            ActionRequest::Execute {
                plan,
                force,
                reason,
            } => {
                if running.as_ref().is_some_and(|(h, _)| !h.is_finished()) {
                    let _ = updates
                        .send(ActionUpdate::Progress(Progress::Finished {
                            ok: false,
                            summary: "another switch is still running in this console: wait for it to finish".into(),
                        }))
                        .await;
                    continue;
                }
                let Some(s) = sites.iter().find(|s| s.site.name == plan.site).cloned() else {
                    let _ = updates
                        .send(ActionUpdate::Progress(Progress::Finished {
                            ok: false,
                            summary: format!("no site named {:?} can be switched here", plan.site),
                        }))
                        .await;
                    continue;
                };
                stop = tokio_util::sync::CancellationToken::new();
                roll_back = tokio_util::sync::CancellationToken::new();
                let opts = ExecuteOptions {
                    force,
                    reason,
                    wait: true,
                    timeout: VERIFY_TIMEOUT,
                    audit_log: audit_log.clone(),
                    stop: Some(stop.clone()),
                    stop_verifying: true,
                    roll_back: Some(roll_back.clone()),
                    ..ExecuteOptions::default()
                };
                let phase = match plan.direction {
                    crate::switch::plan::Direction::On => MaintenancePhase::Entering,
                    crate::switch::plan::Direction::Off => MaintenancePhase::Leaving,
                };
                let ends = (
                    plan.site.clone(),
                    phase.finish_command(&plan.site),
                    phase.undo_command(&plan.site),
                );
                let resolver = resolver.clone();
                let updates = updates.clone();
                let task = tokio::spawn(async move {
                    let (tx, mut rx) = mpsc::unbounded_channel();
                    let forward = async {
                        while let Some(p) = rx.recv().await {
                            if updates.send(ActionUpdate::Progress(p)).await.is_err() {
                                break;
                            }
                        }
                    };
                    let run = engine::execute(&s.clients, &resolver, &s.site, &plan, &opts, tx);
                    // `execute` drops its sender when done, which ends `forward`.
                    let (result, ()) = tokio::join!(run, forward);
                    if let Err(e) = &result {
                        tracing::warn!(site = %plan.site, "switch from the console ended: {e}");
                    }
                    match result {
                        Err(SwitchError::Stopped(_)) => Ending::Stopped,
                        Err(SwitchError::Cancelled(said)) => Ending::Cancelled(said),
                        Ok(o) if o.verification.as_ref().is_some_and(|v| !v.converged) => {
                            Ending::Unverified
                        }
                        _ => Ending::Over,
                    }
                });
                running = Some((task, ends));
            }
            ActionRequest::RollBack => {
                if running.as_ref().is_some_and(|(h, _)| !h.is_finished()) {
                    roll_back.cancel();
                }
            }
            ActionRequest::Cancel => {}
            ActionRequest::Decide {
                site,
                hash,
                approve,
                comment,
            } => {
                let answer = match sites.iter().find(|s| s.site.name == site) {
                    None => Err(format!("no site named {site:?} can be switched here")),
                    Some(s) => {
                        decide(
                            &s.clients,
                            &s.site,
                            &hash,
                            approve,
                            comment,
                            audit_log.as_deref(),
                        )
                        .await
                    }
                };
                if updates.send(ActionUpdate::Decided(answer)).await.is_err() {
                    break;
                }
            }
        }
    }
    // The console quit (q, or SIGINT, SIGTERM, SIGHUP): a switch still running finishes the step
    // it is in, records it, and stops before the next one; verifying, it stops verifying.
    let Some((h, (site, finish, undo))) = running else {
        return false;
    };
    if h.is_finished() {
        return false;
    }
    stop.cancel();
    eprintln!("switchyard: letting the running switch reach a recorded state...");
    match tokio::time::timeout(STOP_GRACE, h).await {
        Ok(Ok(Ending::Stopped)) => {
            eprintln!(
                "switchyard: the switch was stopped between two steps and is recorded in the journal: `{finish}` finishes it, `{undo}` undoes it"
            );
            true
        }
        Ok(Ok(Ending::Unverified)) => {
            eprintln!(
                "switchyard: every step of the switch is made; it was not verified to the end: `switchyard wait --site {site}` waits until it has converged"
            );
            false
        }
        Ok(Ok(Ending::Cancelled(said))) => {
            eprintln!("switchyard: {said}");
            false
        }
        // It ended on its own (done, or failed and rolled back) before the next step.
        Ok(Ok(Ending::Over)) => false,
        Ok(Err(_)) | Err(_) => {
            eprintln!(
                "switchyard: the switch did not stop within {} s; the journal says what was started: `{finish}` finishes it, `{undo}` undoes it",
                STOP_GRACE.as_secs()
            );
            true
        }
    }
}

/// How a console's switch ended.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ending {
    /// Stopped between two steps (the console quit): the journal records it.
    Stopped,
    /// Every step made, verification left before it converged.
    Unverified,
    /// Cancelled by the operator: how far the roll back got, in the engine's words.
    Cancelled(String),
    /// Done, failed or refused: nothing is left running.
    Over,
}

type Ended = tokio::task::JoinHandle<Ending>;

/// How long a quitting console waits for a running switch to reach a recorded state: one AWS
/// call's whole budget (30 s) and a journal update, twice over.
pub const STOP_GRACE: Duration = Duration::from_secs(75);

/// The console's approve or decline (`a`): as `switchyard approve` and `decline` do it, audited.
async fn decide(
    clients: &Clients,
    site: &Site,
    hash: &str,
    approve: bool,
    comment: Option<String>,
    audit_log: Option<&std::path::Path>,
) -> Result<String, String> {
    use crate::model::history::SwitchResult;
    use crate::switch::approval::{self, Event, Verdict};
    if site.read_only {
        return Err(format!("{} is read-only: nothing is written", site.name));
    }
    let caller = crate::aws::sts::identity(&clients.sts)
        .await
        .map_err(|e| format!("cannot tell who is calling AWS: {}", e.summary()))?;
    let verdict = if approve {
        Verdict::Approve
    } else {
        Verdict::Decline {
            comment: comment.clone(),
        }
    };
    let decided = approval::decide(
        clients,
        site,
        &caller.arn,
        hash,
        &verdict,
        site.approval_ttl,
    )
    .await
    .map_err(|e| format!("{}: not written: {e}", site.name))?;
    let event = Event {
        site,
        direction: match decided.direction {
            crate::model::history::Direction::On => crate::switch::plan::Direction::On,
            crate::model::history::Direction::Off => crate::switch::plan::Direction::Off,
        },
        result: if approve {
            SwitchResult::Approved
        } else {
            SwitchResult::Declined
        },
        by: &caller.arn,
        account: Some(caller.account.as_str()),
        reason: decided.reason.clone(),
        comment,
        hash: Some(decided.hash.clone()),
        plan: None,
    };
    let warnings = approval::record(clients, audit_log, &event).await;
    let short = crate::model::approval::short(&decided.hash);
    let mut said = if approve {
        format!(
            "{}: approved plan {short} of {}; their run goes on",
            site.name, decided.requested_by
        )
    } else {
        format!(
            "{}: declined plan {short} of {}; nothing is changed",
            site.name, decided.requested_by
        )
    };
    if let Some(w) = warnings.first() {
        said.push_str(&format!(" (warning: {w})"));
    }
    Ok(said)
}
