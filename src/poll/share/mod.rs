//! One poller for the processes of one user on one machine: the first console, `status --watch`
//! or `wait` offers its poller on a Unix socket, later ones join it and read nothing themselves.
//! Five consoles cost the API budget of one.
//!
//! - Only this user: the socket lives in a folder of the user's own (mode 0700, checked on every
//!   start; anything else and the process polls alone, saying why), and every connection's peer
//!   must be this same user (its kernel credentials).
//! - Only the same data: the socket's name is a hash of the sites' config, the poll settings,
//!   every group's AWS target (profile, region, role, endpoint), the environment that changes
//!   where calls go, and the caller identity each group reads as (GetCallerIdentity, with this
//!   process's own credentials). Both ends check the key and the identities again in the
//!   handshake: a process never receives what its own credentials would not read.
//! - Only reads: the socket carries observations, the sites a process watches and refresh
//!   requests. Switches are made by each process with its own clients.
//! - Never a gap shown as fresh: every observation keeps its own fetch time; a leader that goes
//!   silent for [`SILENT_AFTER`] is left, and a joiner takes over within a few seconds, starting
//!   from the last observations it received (their ages go on growing, true).

pub mod place;
pub mod wire;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Notify, broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::poller::{self, Focus, PollUpdate};
use super::session::Session;
use crate::config::Config;
use crate::model::share::PollerSource;
use wire::{PROTOCOL, ToJoiner, ToLeader};

/// How often the leader says it is still there.
pub const PING_EVERY: Duration = Duration::from_secs(2);
/// A leader not heard from for this long is left (its joiners take over).
pub const SILENT_AFTER: Duration = Duration::from_secs(6);
/// How long connecting and the handshake may take.
pub const HANDSHAKE: Duration = Duration::from_secs(3);
/// How long a process that could not share polls alone before it tries again.
pub const ALONE_FOR: Duration = Duration::from_secs(30);
/// How long one write to a joiner may take before it is dropped.
const WRITE: Duration = Duration::from_secs(5);
/// How often the leader checks that the socket file is still its own.
const OWNER_CHECK: Duration = Duration::from_secs(1);

/// Whether and how a process shares its poller.
#[derive(Clone, Debug)]
pub struct Options {
    /// Why this process polls alone whatever others do (`--no-share`, `share_poller = false`);
    /// `None`: it shares.
    pub off: Option<String>,
    /// What the process is, for the other end's log: `console`, `status`, `wait`.
    pub what: &'static str,
}

impl Options {
    /// Sharing as the command line and the config say.
    pub fn new(what: &'static str, no_share: bool, config: &Config) -> Options {
        let off = if no_share {
            Some("--no-share".to_string())
        } else if !config.defaults.share_poller {
            Some("share_poller = false in the config".to_string())
        } else {
            None
        };
        Options { off, what }
    }
}

/// Where this process shares, worked out once.
#[derive(Clone, Debug)]
struct Place {
    socket: PathBuf,
    key: String,
    identities: Vec<String>,
    uid: u32,
}

/// The socket folder checked, and the key of what this session reads as whom; `Err`: why this
/// process polls alone.
async fn place(session: &Session) -> Result<Place, String> {
    let uid = place::own_uid().map_err(|e| format!("cannot read this process's user: {e}"))?;
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let dir = place::folder(runtime.as_deref(), &std::env::temp_dir(), uid);
    place::check_folder(&dir, uid)?;
    let contexts = super::session::caller_contexts(&session.clients()).await;
    let mut identities = Vec::new();
    for (g, c) in session.groups.iter().zip(contexts) {
        match c.identity {
            Ok(id) => identities.push(format!("{} {}", id.account, id.arn)),
            Err(e) => {
                return Err(format!(
                    "cannot tell who calls AWS for the sites read in {}: {e}",
                    g.fetcher.clients.region
                ));
            }
        }
    }
    let d = &session.config.defaults;
    let mut inputs = vec![
        format!("protocol {PROTOCOL}"),
        format!("switchyard {}", env!("CARGO_PKG_VERSION")),
        format!("{:?}", session.config.sites),
        format!(
            "{:?} {:?} {:?} {:?}",
            d.dns_server, d.poll_interval, d.focus_interval, d.call_timeout
        ),
    ];
    for g in &session.groups {
        let mut t = g.target.clone();
        // The key ID names the credentials; the secret stays out of the hash.
        t.static_credentials = t.static_credentials.map(|(id, _)| (id, String::new()));
        inputs.push(format!("{t:?} {:?}", g.sites));
    }
    inputs.extend(identities.iter().cloned());
    for v in place::ENVIRONMENT {
        inputs.push(format!("{v}={}", std::env::var(v).unwrap_or_default()));
    }
    let key = place::key(&inputs);
    Ok(Place {
        socket: dir.join(format!("{key}.sock")),
        key,
        identities,
        uid,
    })
}

/// How a spell as leader or joiner ended.
enum Ended {
    /// Stopped, or the process's own reader is gone: nothing more to do.
    Done,
    /// The leader is gone (or this leader was displaced): why. Try again.
    Lost(String),
}

/// Runs this process's poller, shared with the other processes of this user that watch the same
/// sites as the same identities: as [`poller::run`] (same `focus` in, same `updates` out), and
/// `source` says where the observations come from now. Runs until `stop` is cancelled or
/// `updates` is dropped.
pub async fn run(
    mut session: Session,
    mut focus: watch::Receiver<Focus>,
    updates: mpsc::Sender<PollUpdate>,
    stop: CancellationToken,
    options: Options,
    source: watch::Sender<PollerSource>,
) {
    let place = match options.off.clone() {
        Some(why) => Err(why),
        None => place(&session).await,
    };
    let place = match place {
        Ok(p) => p,
        Err(why) => {
            tracing::info!("polling alone: {why}");
            source.send_replace(PollerSource::Alone { why });
            poller::run_on(&mut session, focus, updates, stop).await;
            return;
        }
    };
    let mut attempts = 0u32;
    loop {
        if stop.is_cancelled() || updates.is_closed() {
            return;
        }
        let why_alone = match join(&place, &options).await {
            Ok(conn) => {
                tracing::info!(leader = conn.leader_pid, socket = %place.socket.display(), "joined the shared poller");
                source.send_replace(PollerSource::Joined {
                    socket: place.socket.display().to_string(),
                    leader_pid: conn.leader_pid,
                });
                match joined(conn, &mut session, &mut focus, &updates, &stop).await {
                    Ended::Done => return,
                    Ended::Lost(why) => {
                        tracing::warn!("left the shared poller: {why}; taking over");
                        attempts = 0;
                        continue;
                    }
                }
            }
            Err(Join::NoLeader) => match bind(&place).await {
                Ok((listener, ino)) => {
                    tracing::info!(socket = %place.socket.display(), "offering the shared poller");
                    source.send_replace(PollerSource::Leader {
                        socket: place.socket.display().to_string(),
                        joiners: 0,
                    });
                    let lead = Leading {
                        place: &place,
                        ino,
                        focus: &mut focus,
                        updates: &updates,
                        stop: &stop,
                        source: &source,
                    };
                    match lead.run(listener, &mut session).await {
                        Ended::Done => return,
                        Ended::Lost(why) => {
                            tracing::warn!("stopped offering the shared poller: {why}");
                            continue;
                        }
                    }
                }
                Err(Bind::Taken) if attempts < 10 => {
                    // Another process took the socket between our two looks: join it.
                    attempts += 1;
                    let jitter = 50 + u64::from(rand::random::<u8>());
                    tokio::time::sleep(Duration::from_millis(jitter)).await;
                    continue;
                }
                Err(Bind::Taken) => {
                    "the shared poller's socket is taken, and nobody answers on it in time"
                        .to_string()
                }
                Err(Bind::Failed(why)) => why,
            },
            Err(Join::Refused(why)) => why,
        };
        // Alone for a while, then again.
        tracing::warn!("polling alone for {} s: {why_alone}", ALONE_FOR.as_secs());
        source.send_replace(PollerSource::Alone { why: why_alone });
        let alone = stop.child_token();
        let timer = {
            let a = alone.clone();
            AbortOnDrop(tokio::spawn(async move {
                tokio::time::sleep(ALONE_FOR).await;
                a.cancel();
            }))
        };
        poller::run_on(&mut session, focus.clone(), updates.clone(), alone).await;
        drop(timer);
        attempts = 0;
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Reads messages of one kind in a task of their own (a line half read is never lost to a
/// `select!`); the channel closes at the end of the stream or after an error.
fn reader<T>(
    r: tokio::net::unix::OwnedReadHalf,
) -> (mpsc::Receiver<std::io::Result<T>>, AbortOnDrop)
where
    T: for<'de> serde::Deserialize<'de> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(64);
    let task = tokio::spawn(async move {
        let mut r = BufReader::new(r);
        let mut buf = String::new();
        loop {
            match wire::recv::<_, T>(&mut r, &mut buf).await {
                Ok(Some(m)) => {
                    if tx.send(Ok(m)).await.is_err() {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            }
        }
    });
    (rx, AbortOnDrop(task))
}

/// Writes one message within [`WRITE`].
async fn write<T: serde::Serialize>(
    w: &mut tokio::net::unix::OwnedWriteHalf,
    m: &T,
) -> Result<(), String> {
    match tokio::time::timeout(WRITE, wire::send(w, m)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("a write took over {} s", WRITE.as_secs())),
    }
}

/// A connection to a leader, after the handshake.
struct Conn {
    messages: mpsc::Receiver<std::io::Result<ToJoiner>>,
    _reader: AbortOnDrop,
    w: tokio::net::unix::OwnedWriteHalf,
    leader_pid: u32,
}

/// Why joining did not happen.
enum Join {
    /// No leader: no socket, or a socket nobody answers on (its process died).
    NoLeader,
    /// A leader that cannot be joined: why.
    Refused(String),
}

/// Connects to the leader and shakes hands.
async fn join(place: &Place, options: &Options) -> Result<Conn, Join> {
    let shown = place.socket.display();
    let stream = match tokio::time::timeout(HANDSHAKE, UnixStream::connect(&place.socket)).await {
        Err(_) => {
            return Err(Join::Refused(format!(
                "the shared poller at {shown} does not accept connections"
            )));
        }
        Ok(Err(e))
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Err(Join::NoLeader);
        }
        Ok(Err(e)) => return Err(Join::Refused(format!("cannot connect to {shown}: {e}"))),
        Ok(Ok(s)) => s,
    };
    // The other end must be this user's too (the folder's mode says so; the kernel confirms).
    place::check_peer(stream.peer_cred().ok().map(|c| c.uid()), place.uid)
        .map_err(Join::Refused)?;
    let (r, mut w) = stream.into_split();
    let (mut messages, reader) = reader::<ToJoiner>(r);
    let hello = ToLeader::Hello {
        protocol: PROTOCOL,
        key: place.key.clone(),
        pid: std::process::id(),
        identities: place.identities.clone(),
        what: options.what.to_string(),
    };
    // A leader that dies as we connect resets the connection: look again (bounded by the
    // caller's attempts).
    write(&mut w, &hello).await.map_err(|_| Join::NoLeader)?;
    let silent = || {
        Join::Refused(format!(
            "the shared poller at {shown} did not answer within {} s",
            HANDSHAKE.as_secs()
        ))
    };
    match tokio::time::timeout(HANDSHAKE, messages.recv()).await {
        Ok(Some(Ok(ToJoiner::Welcome {
            protocol,
            key,
            pid,
            identities,
        }))) => {
            if protocol != PROTOCOL || key != place.key {
                return Err(Join::Refused(format!(
                    "the shared poller at {shown} serves something else (protocol {protocol})"
                )));
            }
            if identities != place.identities {
                return Err(Join::Refused(format!(
                    "the shared poller at {shown} reads as {}, this process as {}",
                    identities.join(", "),
                    place.identities.join(", ")
                )));
            }
            Ok(Conn {
                messages,
                _reader: reader,
                w,
                leader_pid: pid,
            })
        }
        Ok(Some(Ok(ToJoiner::Refused { reason }))) => Err(Join::Refused(format!(
            "the shared poller at {shown} refused: {reason}"
        ))),
        // Gone between connecting and answering (it stopped, or another process took its
        // place): look again.
        Ok(None) => Err(Join::NoLeader),
        Ok(Some(Err(e)))
            if matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            ) =>
        {
            Err(Join::NoLeader)
        }
        Ok(Some(Err(e))) => Err(Join::Refused(format!(
            "the shared poller at {shown} answered what this process cannot read: {e}"
        ))),
        Ok(Some(Ok(_))) => Err(Join::Refused(format!(
            "the shared poller at {shown} broke the protocol"
        ))),
        // A socket some process holds open without answering: a leader that hangs.
        Err(_) => Err(silent()),
    }
}

/// This process's wants as the leader is told them.
fn want(f: &Focus) -> ToLeader {
    ToLeader::Want {
        only: f.only.as_ref().map(|o| o.iter().cloned().collect()),
        detail: f.detailed().into_iter().collect(),
        round_detail: f.round_detail.iter().cloned().collect(),
    }
}

/// As a joiner: the leader's observations into the session and on to `updates`; this process's
/// focus and refreshes to the leader.
async fn joined(
    mut conn: Conn,
    session: &mut Session,
    focus: &mut watch::Receiver<Focus>,
    updates: &mpsc::Sender<PollUpdate>,
    stop: &CancellationToken,
) -> Ended {
    let mut seen_refresh = focus.borrow().refresh;
    let first = want(&focus.borrow());
    if let Err(e) = write(&mut conn.w, &first).await {
        return Ended::Lost(e);
    }
    loop {
        tokio::select! {
            _ = stop.cancelled() => return Ended::Done,
            changed = focus.changed() => {
                if changed.is_err() {
                    return Ended::Done;
                }
                let f = focus.borrow().clone();
                if let Err(e) = write(&mut conn.w, &want(&f)).await {
                    return Ended::Lost(e);
                }
                if f.refresh != seen_refresh {
                    seen_refresh = f.refresh;
                    if let Err(e) = write(&mut conn.w, &ToLeader::Refresh).await {
                        return Ended::Lost(e);
                    }
                }
            }
            m = tokio::time::timeout(SILENT_AFTER, conn.messages.recv()) => {
                let m = match m {
                    Err(_) => {
                        return Ended::Lost(format!(
                            "no word from the shared poller for {} s",
                            SILENT_AFTER.as_secs()
                        ));
                    }
                    Ok(None) => return Ended::Lost("the shared poller closed the connection".into()),
                    Ok(Some(Err(e))) => return Ended::Lost(e.to_string()),
                    Ok(Some(Ok(m))) => m,
                };
                let update = match m {
                    ToJoiner::Site { index, name, observations, history } => {
                        if session.config.sites.get(index).is_none_or(|s| s.name != name) {
                            continue;
                        }
                        let mut o = Arc::unwrap_or_clone(observations);
                        o.history = history.map(Into::into);
                        session.observations[index] = o.clone();
                        PollUpdate::Site { index, observations: Arc::new(o) }
                    }
                    ToJoiner::Round { started, detail } => PollUpdate::Round { started, detail },
                    ToJoiner::Ping => continue,
                    ToJoiner::Welcome { .. } | ToJoiner::Refused { .. } => {
                        return Ended::Lost("the shared poller broke the protocol".into());
                    }
                };
                if updates.send(update).await.is_err() {
                    return Ended::Done;
                }
            }
        }
    }
}

/// Why this process could not offer the poller.
enum Bind {
    /// Another process holds the socket.
    Taken,
    /// Binding failed: why.
    Failed(String),
}

/// The socket file's inode (to tell our socket from one another process put there since).
fn inode(path: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path).ok().map(|m| m.ino())
}

/// Binds the socket. A socket file left behind is removed only once connecting to it failed:
/// its process is gone.
async fn bind(place: &Place) -> Result<(UnixListener, u64), Bind> {
    let path = &place.socket;
    let bound = |l: UnixListener| match inode(path) {
        Some(ino) => Ok((l, ino)),
        None => Err(Bind::Failed(format!(
            "{} vanished once bound",
            path.display()
        ))),
    };
    match UnixListener::bind(path) {
        Ok(l) => return bound(l),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {}
        Err(e) => {
            return Err(Bind::Failed(format!(
                "cannot offer the poller at {}: {e}",
                path.display()
            )));
        }
    }
    match tokio::time::timeout(HANDSHAKE, UnixStream::connect(path)).await {
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            tracing::info!(socket = %path.display(), "removing the socket of a poller that is gone");
            let _ = std::fs::remove_file(path);
            match UnixListener::bind(path) {
                Ok(l) => bound(l),
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => Err(Bind::Taken),
                Err(e) => Err(Bind::Failed(format!(
                    "cannot offer the poller at {}: {e}",
                    path.display()
                ))),
            }
        }
        _ => Err(Bind::Taken),
    }
}

/// Removes the socket file when the leader stops, if it is still ours.
struct SocketGuard<'a> {
    path: &'a Path,
    ino: u64,
}

impl Drop for SocketGuard<'_> {
    fn drop(&mut self) {
        if inode(self.path) == Some(self.ino) {
            let _ = std::fs::remove_file(self.path);
        }
    }
}

/// What one joiner watches.
#[derive(Clone, Debug, Default)]
struct Want {
    only: Option<BTreeSet<String>>,
    detail: BTreeSet<String>,
    round_detail: BTreeSet<String>,
}

impl Want {
    /// Nothing at all (a joiner that has not said yet).
    fn nothing() -> Want {
        Want {
            only: Some(BTreeSet::new()),
            detail: BTreeSet::new(),
            round_detail: BTreeSet::new(),
        }
    }

    fn wants(&self, name: &str) -> bool {
        self.only.as_ref().is_none_or(|o| o.contains(name))
            || self.detail.contains(name)
            || self.round_detail.contains(name)
    }
}

/// What the leader keeps for its joiners.
#[derive(Default)]
struct Board {
    wants: HashMap<u64, Want>,
    /// Refreshes asked for by joiners, so far.
    refreshes: u64,
    /// The latest of each site, for a joiner that has just come.
    latest: BTreeMap<usize, Latest>,
}

/// A site's latest observations for the joiners: written as a line once someone may read them
/// (with no joiner, the leader spends no JSON serialization per site update, and shares the
/// observations with its own console instead of copying them).
enum Latest {
    Line(Arc<str>),
    Site {
        index: usize,
        name: String,
        observations: Arc<crate::model::site::SiteObservations>,
    },
}

impl Latest {
    /// The line, written now if it was not yet (and kept so).
    fn line(&mut self) -> Option<Arc<str>> {
        match self {
            Latest::Line(t) => Some(t.clone()),
            Latest::Site {
                index,
                name,
                observations,
            } => {
                let m = ToJoiner::Site {
                    index: *index,
                    name: name.clone(),
                    history: observations.history.as_ref().map(Into::into),
                    observations: observations.clone(),
                };
                let text: Arc<str> = wire::line(&m).ok()?.into();
                *self = Latest::Line(text.clone());
                Some(text)
            }
        }
    }
}

/// One line for the joiners: a site's (`index`), or a round's.
#[derive(Clone, Debug)]
struct Shout {
    index: Option<usize>,
    text: Arc<str>,
}

/// The local focus widened by every joiner's wants.
fn union(local: &Focus, board: &Board) -> Focus {
    let mut f = local.clone();
    f.refresh = local.refresh.wrapping_add(board.refreshes);
    for w in board.wants.values() {
        f.detail.extend(w.detail.iter().cloned());
        f.round_detail.extend(w.round_detail.iter().cloned());
        f.only = match (f.only.take(), &w.only) {
            (Some(mut a), Some(b)) => {
                a.extend(b.iter().cloned());
                Some(a)
            }
            _ => None,
        };
    }
    if let Some(s) = &f.site {
        f.detail.remove(s);
    }
    // Read by the detail loop already: not again by the rounds.
    let fast = f.detailed();
    f.round_detail.retain(|s| !fast.contains(s));
    f
}

/// A spell as the leader.
struct Leading<'a> {
    place: &'a Place,
    ino: u64,
    focus: &'a mut watch::Receiver<Focus>,
    updates: &'a mpsc::Sender<PollUpdate>,
    stop: &'a CancellationToken,
    source: &'a watch::Sender<PollerSource>,
}

fn lock(board: &Mutex<Board>) -> std::sync::MutexGuard<'_, Board> {
    board
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Leading<'_> {
    /// Runs the poller over the union of what this process and its joiners watch, and serves
    /// the joiners, until stopped or displaced.
    async fn run(self, listener: UnixListener, session: &mut Session) -> Ended {
        let _guard = SocketGuard {
            path: &self.place.socket,
            ino: self.ino,
        };
        let board = Arc::new(Mutex::new(Board::default()));
        let changed = Arc::new(Notify::new());
        let (lines, _) = broadcast::channel::<Shout>(1024);
        let names: Vec<String> = session
            .config
            .sites
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let names = Arc::new(names);
        let (union_tx, union_rx) = watch::channel(union(&self.focus.borrow(), &lock(&board)));
        let (inner_tx, mut inner_rx) = mpsc::channel::<PollUpdate>(256);
        let inner_stop = self.stop.child_token();
        let mut tasks: Vec<AbortOnDrop> = Vec::new();
        let poller = poller::run_on(session, union_rx, inner_tx, inner_stop.clone());
        tokio::pin!(poller);
        let mut owner_check = tokio::time::interval(OWNER_CHECK);
        let mut next_id = 0u64;
        let ended = loop {
            tokio::select! {
                _ = &mut poller => break Ended::Done,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    next_id += 1;
                    let joiner = Joiner {
                        id: next_id,
                        place: self.place.clone(),
                        board: board.clone(),
                        changed: changed.clone(),
                        lines: lines.subscribe(),
                        names: names.clone(),
                    };
                    tasks.retain(|t| !t.0.is_finished());
                    tasks.push(AbortOnDrop(tokio::spawn(joiner.serve(stream))));
                }
                u = inner_rx.recv() => {
                    let Some(u) = u else { break Ended::Done };
                    let shout = match &u {
                        PollUpdate::Site { index, observations } => {
                            let mut latest = Latest::Site {
                                index: *index,
                                name: names.get(*index).cloned().unwrap_or_default(),
                                observations: observations.clone(),
                            };
                            // Written only when a joiner is connected (a later one writes it
                            // when it asks for it).
                            let shout = if lines.receiver_count() > 0 {
                                latest.line().map(|text| Shout { index: Some(*index), text })
                            } else {
                                None
                            };
                            lock(&board).latest.insert(*index, latest);
                            shout
                        }
                        PollUpdate::Round { .. } if lines.receiver_count() == 0 => None,
                        PollUpdate::Round { started, detail } => wire::line(&ToJoiner::Round {
                            started: *started,
                            detail: *detail,
                        })
                        .ok()
                        .map(|t| Shout { index: None, text: t.into() }),
                    };
                    if let Some(s) = shout {
                        // No joiner is no error.
                        let _ = lines.send(s);
                    }
                    if self.updates.send(u).await.is_err() {
                        break Ended::Done;
                    }
                }
                c = self.focus.changed() => {
                    if c.is_err() {
                        break Ended::Done;
                    }
                    let f = union(&self.focus.borrow(), &lock(&board));
                    union_tx.send_if_modified(|cur| replace_if_new(cur, f));
                }
                _ = changed.notified() => {
                    let (f, joiners) = {
                        let mut b = lock(&board);
                        let mut f = union(&self.focus.borrow(), &b);
                        // Sites nobody watched until now are read at once, not at the next
                        // round: a joiner never waits a poll interval for its first data.
                        if widens(&union_tx.borrow().only, &f.only) {
                            b.refreshes += 1;
                            f = union(&self.focus.borrow(), &b);
                        }
                        (f, b.wants.len())
                    };
                    union_tx.send_if_modified(|cur| replace_if_new(cur, f));
                    self.source.send_if_modified(|s| {
                        let new = PollerSource::Leader {
                            socket: self.place.socket.display().to_string(),
                            joiners,
                        };
                        replace_if_new(s, new)
                    });
                }
                _ = owner_check.tick() => {
                    if inode(&self.place.socket) != Some(self.ino) {
                        break Ended::Lost(
                            "the socket file was replaced or removed by another process".into(),
                        );
                    }
                }
            }
        };
        inner_stop.cancel();
        ended
    }
}

/// Whether `new` reads sites `old` did not (`None`: every site).
fn widens(old: &Option<BTreeSet<String>>, new: &Option<BTreeSet<String>>) -> bool {
    match (old, new) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(o), Some(n)) => !n.is_subset(o),
    }
}

fn replace_if_new<T: PartialEq>(cur: &mut T, new: T) -> bool {
    if *cur == new {
        false
    } else {
        *cur = new;
        true
    }
}

/// One joiner, as the leader serves it.
struct Joiner {
    id: u64,
    place: Place,
    board: Arc<Mutex<Board>>,
    changed: Arc<Notify>,
    lines: broadcast::Receiver<Shout>,
    names: Arc<Vec<String>>,
}

impl Joiner {
    async fn serve(mut self, stream: UnixStream) {
        let peer = stream.peer_cred().ok().map(|c| c.uid());
        let (r, mut w) = stream.into_split();
        // Another user never gets a byte of data: refused, and why (in this user's log).
        if let Err(why) = place::check_peer(peer, self.place.uid) {
            tracing::warn!("refused a connection to the shared poller: {why}");
            let (mut messages, _reader) = reader::<ToLeader>(r);
            refuse(&mut w, &mut messages, why).await;
            return;
        }
        let (mut messages, _reader) = reader::<ToLeader>(r);
        let (pid, what) = match tokio::time::timeout(HANDSHAKE, messages.recv()).await {
            Ok(Some(Ok(ToLeader::Hello {
                protocol,
                key,
                pid,
                identities,
                what,
            }))) => {
                let refusal = if protocol != PROTOCOL {
                    Some(format!(
                        "protocol {protocol}; this poller speaks protocol {PROTOCOL}"
                    ))
                } else if key != self.place.key {
                    Some("another key: other sites, settings or identities".to_string())
                } else if identities != self.place.identities {
                    Some(format!(
                        "this poller reads as {}, the process as {}",
                        self.place.identities.join(", "),
                        identities.join(", ")
                    ))
                } else {
                    None
                };
                if let Some(reason) = refusal {
                    tracing::warn!(pid, "refused a process on the shared poller: {reason}");
                    refuse(&mut w, &mut messages, reason).await;
                    return;
                }
                (pid, what)
            }
            _ => return,
        };
        let welcome = ToJoiner::Welcome {
            protocol: PROTOCOL,
            key: self.place.key.clone(),
            pid: std::process::id(),
            identities: self.place.identities.clone(),
        };
        if write(&mut w, &welcome).await.is_err() {
            return;
        }
        tracing::info!(pid, what, "a process joined the shared poller");
        lock(&self.board).wants.insert(self.id, Want::nothing());
        self.changed.notify_one();
        self.run(&mut messages, &mut w).await;
        lock(&self.board).wants.remove(&self.id);
        self.changed.notify_one();
        tracing::info!(pid, what, "a process left the shared poller");
    }

    async fn run(
        &mut self,
        messages: &mut mpsc::Receiver<std::io::Result<ToLeader>>,
        w: &mut tokio::net::unix::OwnedWriteHalf,
    ) {
        let mut ping = tokio::time::interval(PING_EVERY);
        let mut want = Want::nothing();
        loop {
            tokio::select! {
                m = messages.recv() => match m {
                    Some(Ok(ToLeader::Want {
                        only,
                        detail,
                        round_detail,
                    })) => {
                        let new = Want {
                            only: only.map(|o| o.into_iter().collect()),
                            detail: detail.into_iter().collect(),
                            round_detail: round_detail.into_iter().collect(),
                        };
                        // What it has not had yet: the latest of each site, with its own time.
                        let snapshot: Vec<Arc<str>> = {
                            let mut b = lock(&self.board);
                            b.wants.insert(self.id, new.clone());
                            b.latest
                                .iter_mut()
                                .filter(|(i, _)| {
                                    let name = self.names.get(**i).map(String::as_str).unwrap_or("");
                                    new.wants(name) && !want.wants(name)
                                })
                                .filter_map(|(_, t)| t.line())
                                .collect()
                        };
                        want = new;
                        self.changed.notify_one();
                        for t in snapshot {
                            if write_text(w, &t).await.is_err() {
                                return;
                            }
                        }
                    }
                    Some(Ok(ToLeader::Refresh)) => {
                        lock(&self.board).refreshes += 1;
                        self.changed.notify_one();
                    }
                    Some(Ok(ToLeader::Hello { .. })) => {}
                    Some(Err(_)) | None => return,
                },
                line = self.lines.recv() => match line {
                    Ok(s) => {
                        let wanted = s.index.is_none_or(|i| {
                            want.wants(self.names.get(i).map(String::as_str).unwrap_or(""))
                        });
                        if wanted && write_text(w, &s.text).await.is_err() {
                            return;
                        }
                    }
                    // Too slow to keep up: it reconnects and starts from the latest.
                    Err(broadcast::error::RecvError::Lagged(_)) => return,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = ping.tick() => {
                    if write(w, &ToJoiner::Ping).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// Says why a connection is refused, and closes it once the other end has read it (what it
/// sent is read and dropped: a socket closed with unread data resets, and the reason is lost).
async fn refuse(
    w: &mut tokio::net::unix::OwnedWriteHalf,
    messages: &mut mpsc::Receiver<std::io::Result<ToLeader>>,
    reason: String,
) {
    use tokio::io::AsyncWriteExt;
    if write(w, &ToJoiner::Refused { reason }).await.is_err() {
        return;
    }
    let _ = w.shutdown().await;
    let _ = tokio::time::timeout(HANDSHAKE, async {
        while messages.recv().await.is_some() {}
    })
    .await;
}

/// Writes a line already made within [`WRITE`].
async fn write_text(w: &mut tokio::net::unix::OwnedWriteHalf, text: &str) -> Result<(), ()> {
    use tokio::io::AsyncWriteExt;
    match tokio::time::timeout(WRITE, w.write_all(text.as_bytes())).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests;
