//! The background poller of the console: every site at the poll interval, the focused site in
//! detail at the focus interval. It never blocks the UI: results arrive on a channel.

use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::round::Depth;
use super::session::Session;
use crate::model::site::SiteObservations;

/// What the poller tells the UI.
#[derive(Debug)]
pub enum PollUpdate {
    /// Fresh observations of one site (index into the config's sites).
    Site {
        index: usize,
        observations: Box<SiteObservations>,
    },
    /// A round started (`detail`: the focused site only) or ended.
    Round { started: bool, detail: bool },
}

/// What the UI tells the poller.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Focus {
    /// The site on screen, by name.
    pub site: Option<String>,
    /// Bumped to ask for a refresh now (`:refresh`, after an action).
    pub refresh: u64,
}

/// Runs until `stop` is cancelled or the UI drops its receiver.
pub async fn run(
    mut session: Session,
    mut focus: watch::Receiver<Focus>,
    updates: mpsc::Sender<PollUpdate>,
    stop: CancellationToken,
) {
    let poll = session
        .config
        .defaults
        .poll_interval
        .max(Duration::from_secs(1));
    let detail = session
        .config
        .defaults
        .focus_interval
        .max(Duration::from_millis(500));
    let mut next_round = tokio::time::Instant::now();
    let mut next_detail = tokio::time::Instant::now();
    let mut seen_refresh = focus.borrow().refresh;
    loop {
        let now = tokio::time::Instant::now();
        let current = focus.borrow().clone();
        let full = now >= next_round || current.refresh != seen_refresh;
        seen_refresh = current.refresh;
        if full {
            next_round = now + poll;
            next_detail = now + detail;
            let focused = current.site.clone();
            if !round(&mut session, &updates, None, &move |name: &str| {
                if focused.as_deref() == Some(name) {
                    Depth::Detail
                } else {
                    Depth::Overview
                }
            })
            .await
            {
                return;
            }
        } else if now >= next_detail {
            next_detail = now + detail;
            if let Some(site) = current.site.clone()
                && !round(&mut session, &updates, Some(&site), &|_| Depth::Detail).await
            {
                return;
            }
        }
        let wake = next_round.min(next_detail);
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep_until(wake) => {}
            changed = focus.changed() => {
                if changed.is_err() {
                    return;
                }
                // A new focus gets its detail at once.
                next_detail = tokio::time::Instant::now();
            }
        }
    }
}

/// One round over every site, or over one site; false once the UI is gone.
async fn round(
    session: &mut Session,
    updates: &mpsc::Sender<PollUpdate>,
    only: Option<&str>,
    depth: &(dyn Fn(&str) -> Depth + Sync),
) -> bool {
    let detail = only.is_some();
    if updates
        .send(PollUpdate::Round {
            started: true,
            detail,
        })
        .await
        .is_err()
    {
        return false;
    }
    match only {
        Some(name) => session.refresh_one(name, depth).await,
        None => session.refresh(depth).await,
    }
    let indices: Vec<usize> = match only {
        Some(name) => session
            .config
            .sites
            .iter()
            .position(|s| s.name == name)
            .into_iter()
            .collect(),
        None => session.watched(),
    };
    for index in indices {
        let observations = Box::new(session.observations[index].clone());
        if updates
            .send(PollUpdate::Site {
                index,
                observations,
            })
            .await
            .is_err()
        {
            return false;
        }
    }
    updates
        .send(PollUpdate::Round {
            started: false,
            detail,
        })
        .await
        .is_ok()
}
