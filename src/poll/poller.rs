//! The background poller of the console: every site at the poll interval, the focused site in
//! detail at the focus interval. It never blocks the UI: results arrive on a channel.

use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::round::{Depth, Fetcher};
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
    // The focused site in detail runs beside the full rounds, so that a long round over many
    // sites never makes it wait; both draw on the same API budgets.
    let details = tokio::spawn(detail_loop(
        DetailSource::of(&session),
        focus.clone(),
        updates.clone(),
        stop.clone(),
        detail,
    ));
    let _details = AbortOnDrop(details);
    let mut next_round = tokio::time::Instant::now();
    let mut seen_refresh = focus.borrow().refresh;
    loop {
        let now = tokio::time::Instant::now();
        let current = focus.borrow().clone();
        let full = now >= next_round || current.refresh != seen_refresh;
        seen_refresh = current.refresh;
        if full {
            next_round = now + poll;
            // Every site at overview depth: the focused one gets its detail from the detail
            // loop (GetHealthCheckStatus allows one call a second: it is not spent twice).
            let focused = current.site.clone();
            if !round(&mut session, &updates, focused.as_deref()).await {
                return;
            }
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep_until(next_round) => {}
            changed = focus.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

/// Aborts a task when dropped (the poller's detail loop ends with the poller).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What the detail loop reads with: each group's clients and budgets, in a fetcher of its own.
struct DetailSource {
    sites: Vec<crate::config::Site>,
    /// (indices of the group's sites, its fetcher)
    groups: Vec<(Vec<usize>, Fetcher)>,
}

impl DetailSource {
    fn of(session: &Session) -> DetailSource {
        DetailSource {
            sites: session.config.sites.clone(),
            groups: session
                .groups
                .iter()
                .map(|g| {
                    let mut f = Fetcher::new(g.fetcher.clients.clone(), session.resolver.clone())
                        .with_journal_check(g.fetcher.journal_check());
                    f.budgets = g.fetcher.budgets.clone();
                    f.app_target_groups = g.fetcher.app_target_groups.clone();
                    f.tg_minimums = g.fetcher.tg_minimums.clone();
                    f.name_servers = g.fetcher.name_servers.clone();
                    (g.sites.clone(), f)
                })
                .collect(),
        }
    }
}

/// Every `interval`, and at once when the focus changes: the focused site in detail.
async fn detail_loop(
    mut source: DetailSource,
    mut focus: watch::Receiver<Focus>,
    updates: mpsc::Sender<PollUpdate>,
    stop: CancellationToken,
    interval: Duration,
) {
    let mut last: Option<(usize, SiteObservations)> = None;
    loop {
        let started = tokio::time::Instant::now();
        let site = focus.borrow().site.clone();
        let wanted = site.as_deref().and_then(|name| {
            source
                .sites
                .iter()
                .position(|s| s.name == name)
                .and_then(|i| {
                    source
                        .groups
                        .iter()
                        .position(|(sites, _)| sites.contains(&i))
                        .map(|g| (i, g))
                })
        });
        if let Some((index, g)) = wanted {
            let site = source.sites[index].clone();
            let mut obs = match last.take() {
                Some((i, o)) if i == index => vec![o],
                _ => vec![super::round::blank(&site)],
            };
            if updates
                .send(PollUpdate::Round {
                    started: true,
                    detail: true,
                })
                .await
                .is_err()
            {
                return;
            }
            let fetcher = &mut source.groups[g].1;
            fetcher.round(&[&site], &mut obs, &|_| Depth::Detail).await;
            if let Some(o) = obs.pop() {
                let sent = updates
                    .send(PollUpdate::Site {
                        index,
                        observations: Box::new(o.clone()),
                    })
                    .await;
                let ended = updates
                    .send(PollUpdate::Round {
                        started: false,
                        detail: true,
                    })
                    .await;
                if sent.is_err() || ended.is_err() {
                    return;
                }
                last = Some((index, o));
            }
        }
        // The next detail is read so that it arrives within `interval` of this one: data on
        // screen is never older than the focus interval (a read takes a second or two).
        let wait = interval.mul_f64(0.8).saturating_sub(started.elapsed());
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
            changed = focus.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

/// One round over every site at overview depth; false once the UI is gone. The focused site's
/// observations are not sent: the detail loop sends its fuller ones, which these would replace.
async fn round(
    session: &mut Session,
    updates: &mpsc::Sender<PollUpdate>,
    focused: Option<&str>,
) -> bool {
    if updates
        .send(PollUpdate::Round {
            started: true,
            detail: false,
        })
        .await
        .is_err()
    {
        return false;
    }
    session.refresh(&|_| Depth::Overview).await;
    for index in session.watched() {
        if focused.is_some_and(|f| session.config.sites[index].name == f) {
            continue;
        }
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
            detail: false,
        })
        .await
        .is_ok()
}
