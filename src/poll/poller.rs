//! The background poller of the console: every site at the poll interval, the focused site in
//! detail at the focus interval. It never blocks the UI: results arrive on a channel.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
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
        /// Shared, not copied, by every reader (the console, the joiners' latest).
        observations: Arc<SiteObservations>,
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
    /// More sites read in detail beside `site` (`status --watch --site`, and the sites on screen
    /// in the other processes that share this poller: see `poll::share`).
    pub detail: BTreeSet<String>,
    /// The sites read at all, by name; `None`: every site of the session.
    pub only: Option<BTreeSet<String>>,
    /// Sites the full rounds read in detail, at the poll interval (`status --watch --site`),
    /// rather than the detail loop at the focus interval.
    pub round_detail: BTreeSet<String>,
}

impl Focus {
    /// Every site read in detail: `site` and `detail`.
    pub fn detailed(&self) -> BTreeSet<String> {
        let mut all = self.detail.clone();
        all.extend(self.site.iter().cloned());
        all
    }
}

/// Runs until `stop` is cancelled or the UI drops its receiver.
pub async fn run(
    mut session: Session,
    focus: watch::Receiver<Focus>,
    updates: mpsc::Sender<PollUpdate>,
    stop: CancellationToken,
) {
    run_on(&mut session, focus, updates, stop).await;
}

/// [`run`] on a session that outlives it: its observations are where the poller starts from
/// (and what it leaves behind when it stops).
pub async fn run_on(
    session: &mut Session,
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
        DetailSource::of(session),
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
            if !round(session, &updates, &current).await {
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
    /// The session's observations when the poller started: where a site's first detail read
    /// starts from (the last good values, with their times, after the shared poller's leader
    /// left: see `poll::share`).
    start: Vec<SiteObservations>,
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
                    (g.sites.clone(), f)
                })
                .collect(),
            start: session.observations.clone(),
        }
    }
}

/// Every `interval`, and at once when the focus changes: the focused sites in detail (each
/// read again once its last read is `interval` old).
async fn detail_loop(
    mut source: DetailSource,
    mut focus: watch::Receiver<Focus>,
    updates: mpsc::Sender<PollUpdate>,
    stop: CancellationToken,
    interval: Duration,
) {
    // Per site: its last detail, and when that read started.
    let mut last: HashMap<usize, (SiteObservations, tokio::time::Instant)> = HashMap::new();
    // The next detail is read so that it arrives within `interval` of this one: data on
    // screen is never older than the focus interval (a read takes a second or two).
    let every = interval.mul_f64(0.8);
    loop {
        let names = focus.borrow().detailed();
        // (site index, group index) of every site wanted in detail.
        let wanted: Vec<(usize, usize)> = names
            .iter()
            .filter_map(|name| {
                let i = source.sites.iter().position(|s| &s.name == name)?;
                let g = source
                    .groups
                    .iter()
                    .position(|(sites, _)| sites.contains(&i))?;
                Some((i, g))
            })
            .collect();
        last.retain(|i, _| wanted.iter().any(|(w, _)| w == i));
        let now = tokio::time::Instant::now();
        let mut due: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, g) in &wanted {
            if last.get(i).is_none_or(|(_, at)| now >= *at + every) {
                due.entry(*g).or_default().push(*i);
            }
        }
        if !due.is_empty() {
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
            for (g, indices) in due {
                let started = tokio::time::Instant::now();
                let sites: Vec<crate::config::Site> =
                    indices.iter().map(|i| source.sites[*i].clone()).collect();
                let refs: Vec<&crate::config::Site> = sites.iter().collect();
                let mut obs: Vec<SiteObservations> = indices
                    .iter()
                    .map(|i| match last.remove(i) {
                        Some((o, _)) => o,
                        None => source
                            .start
                            .get(*i)
                            .cloned()
                            .unwrap_or_else(|| super::round::blank(&source.sites[*i])),
                    })
                    .collect();
                let fetcher = &mut source.groups[g].1;
                fetcher.round(&refs, &mut obs, &|_| Depth::Detail).await;
                for (index, o) in indices.into_iter().zip(obs) {
                    if updates
                        .send(PollUpdate::Site {
                            index,
                            observations: Arc::new(o.clone()),
                        })
                        .await
                        .is_err()
                    {
                        return;
                    }
                    last.insert(index, (o, started));
                }
            }
            if updates
                .send(PollUpdate::Round {
                    started: false,
                    detail: true,
                })
                .await
                .is_err()
            {
                return;
            }
        }
        let next = last
            .values()
            .map(|(_, at)| *at + every)
            .min()
            .unwrap_or_else(|| tokio::time::Instant::now() + every);
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep_until(next) => {}
            changed = focus.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

/// One round over every site (of `only`, when given) at overview depth (the sites of
/// `round_detail` in detail); false once the UI is gone. The focused sites' observations are
/// not sent: the detail loop sends its fuller ones, which these would replace. With `only`,
/// they are not read either (the console reads every site, its focused one too, as before).
async fn round(session: &mut Session, updates: &mpsc::Sender<PollUpdate>, focus: &Focus) -> bool {
    let focused = focus.detailed();
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
    let only: Option<BTreeSet<usize>> = focus.only.as_ref().map(|names| {
        session
            .config
            .sites
            .iter()
            .enumerate()
            .filter(|(_, s)| names.contains(&s.name) && !focused.contains(&s.name))
            .map(|(i, _)| i)
            .collect()
    });
    let in_detail = &focus.round_detail;
    let depth = |name: &str| {
        if in_detail.contains(name) {
            Depth::Detail
        } else {
            Depth::Overview
        }
    };
    if only.as_ref().is_none_or(|o| !o.is_empty()) {
        session.refresh_some(only.as_ref(), &depth).await;
    }
    for index in session.watched() {
        if focused.contains(&session.config.sites[index].name)
            || only.as_ref().is_some_and(|o| !o.contains(&index))
        {
            continue;
        }
        let observations = Arc::new(session.observations[index].clone());
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
