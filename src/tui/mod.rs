//! The live console: app state and its pure update ([`app`]), one view file per panel
//! ([`views`]), the keymap ([`keymap`]), the theme ([`theme`]) and the maintenance actions hook
//! ([`actions`]). This file holds the event loop and the terminal's setup and restoration.
//!
//! The loop is one `tokio::select!` over the terminal's events, a one-second tick, the poller's
//! updates, the switch engine's updates and the signals (SIGINT, SIGTERM, SIGHUP: an SSM
//! disconnect). It renders only when the state says something changed. SIGINT is ctrl-c: while
//! a switch runs it asks first (see [`app::interrupt`]); SIGTERM and SIGHUP quit at once. The
//! terminal is restored before anything is waited for.

pub mod actions;
pub(crate) mod ansi16;
pub mod app;
pub(crate) mod keymap;
pub(crate) mod switching;
pub mod theme;
pub mod views;

#[cfg(test)]
mod tests;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use crossterm::{cursor, execute, terminal};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use time::OffsetDateTime;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::cli::{DemoArgs, GlobalArgs};
use crate::commands::{load_config, overrides};
use crate::model::event::Event;
use crate::poll::poller::{self, Focus};
use crate::poll::session::{Overrides, Session};

use actions::{ActionLink, ActionUpdate};

/// How often the console draws what only the poller or the clock changed (see `run`).
const POLL_FRAME: Duration = Duration::from_millis(500);
use app::{App, Effect, Fault, Msg, update};
use theme::Theme;

/// How the console looks and what it allows.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--read-only`: no actions at all.
    pub read_only: bool,
    /// `--ascii`: nothing but ASCII (borders, symbols, text).
    pub ascii: bool,
    /// NO_COLOR: no colours.
    pub no_color: bool,
    /// `switchyard rehearse`: the console is on a copy; a REHEARSAL banner on every screen, and
    /// the fault menu acting on the copy.
    pub rehearsal: Option<Rehearsal>,
    /// `--reason`: what every confirmation's reason field starts with.
    pub reason: Option<String>,
    /// `switchyard demo`: the built-in emulator's speed (the header's DEMO badge).
    pub demo_speed: Option<f64>,
    /// Whether the poller is shared with this user's other processes on this machine (the
    /// console on the config; `None` for `demo` and `rehearse`, whose emulators are their own).
    pub share: Option<crate::poll::share::Options>,
}

/// What a rehearsal console needs: how to apply a fault to the copy.
#[derive(Clone)]
pub struct Rehearsal {
    /// Applies a fault to the copy (through the emulator's control API); says what it did.
    pub faults: Arc<dyn Fn(Fault) -> Result<String, String> + Send + Sync>,
}

impl std::fmt::Debug for Rehearsal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rehearsal")
    }
}

impl Options {
    pub fn from_args(global: &GlobalArgs) -> Options {
        Options {
            read_only: global.read_only,
            ascii: global.ascii,
            no_color: Theme::no_color_from_env(),
            rehearsal: None,
            reason: None,
            demo_speed: None,
            share: None,
        }
    }

    /// With `--reason`, bounded as `maintenance --reason` is; `Err` is the exit code (2),
    /// said on stderr.
    pub fn with_reason(mut self, reason: Option<&str>) -> Result<Options, i32> {
        let max = crate::model::journal::REASON_MAX;
        if let Some(n) = reason.map(|r| r.chars().count())
            && n > max
        {
            eprintln!(
                "switchyard: --reason is {n} characters; the journal takes at most {max}: shorten it"
            );
            return Err(crate::switch::error::exit::USAGE);
        }
        self.reason = reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(String::from);
        Ok(self)
    }
}

/// `switchyard` without a subcommand: the console on the config. Returns the exit code.
pub async fn console(global: &GlobalArgs, reason: Option<&str>, no_share: bool) -> i32 {
    let mut options = match Options::from_args(global).with_reason(reason) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let config = match load_config(global) {
        Ok(c) => c,
        Err(code) => return code,
    };
    options.share = Some(crate::poll::share::Options::new(
        "console", no_share, &config,
    ));
    let audit_log = crate::commands::switch::audit_path(global, Some(&config));
    start(config, &overrides(global), options, audit_log).await
}

/// `switchyard demo`: the built-in emulator on the demo scenario, and the console on it.
/// The demo's event log: `demo-events.jsonl` beside the real one.
pub fn demo_event_log(real: &Path) -> std::path::PathBuf {
    let name = real
        .file_name()
        .map(|n| format!("demo-{}", n.to_string_lossy()))
        .unwrap_or_else(|| "demo-events.jsonl".into());
    real.with_file_name(name)
}

pub async fn demo(global: &GlobalArgs, args: &DemoArgs) -> i32 {
    let options = match Options::from_args(global).with_reason(args.reason.as_deref()) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let scenario =
        match switchyard_sim::Scenario::parse(include_str!("../../assets/scenarios/demo.toml")) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("switchyard demo: the demo scenario: {e}");
                return 1;
            }
        };
    let mut opts = switchyard_sim::SimOptions::new(scenario);
    opts.port = args.port;
    opts.speed = args.speed;
    let sim = match switchyard_sim::start(opts).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("switchyard demo: {e}");
            return 2;
        }
    };
    let mut config = match crate::config::parse(
        include_str!("../../assets/configs/demo.toml"),
        Path::new("assets/configs/demo.toml"),
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return e.exit_code();
        }
    };
    config.defaults.dns_server = Some(sim.dns_server());
    // Probes see what clients of the demo account get: through the emulator's data plane;
    // Route 53's answers come from its name servers.
    crate::aws::probe::use_emulator(&sim.env_vars());
    crate::aws::nameservers::use_emulator(&sim.env_vars());
    // The demo's events go beside the real ones, never into them.
    config.defaults.event_log = demo_event_log(&config.defaults.event_log);
    tracing::info!(endpoint = %sim.endpoint(), "demo emulator started");
    let overrides = Overrides {
        profile: None,
        region: None,
        endpoint_url: Some(sim.endpoint()),
        static_credentials: Some(("switchyard-sim".into(), "switchyard-sim".into())),
        journal_check: Some(crate::switch::binding::for_readers()),
    };
    // The demo's switches are audited apart from real ones.
    let audit_log = global.audit_log.clone().or_else(|| {
        crate::switch::audit::default_path().map(|p| p.with_file_name("demo-audit.jsonl"))
    });
    let mut options = options;
    options.demo_speed = Some(args.speed);
    let code = start(config, &overrides, options, audit_log).await;
    sim.shutdown().await;
    code
}

/// `switchyard rehearse`: the console on a rehearsal's copy, with a banner and the fault menu.
pub async fn rehearse(
    global: &GlobalArgs,
    copy: &crate::commands::rehearse::Copy,
    reason: Option<&str>,
) -> i32 {
    let mut options = match Options::from_args(global).with_reason(reason) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let sim = copy.sim.clone();
    // Probes see what clients of the copy get: through its data plane.
    crate::aws::probe::use_emulator(&sim.env_vars());
    let primary = copy.primary.clone();
    options.rehearsal = Some(Rehearsal {
        faults: Arc::new(move |f| crate::commands::rehearse::apply_fault(&sim, &primary, f)),
    });
    // Switches on the copy are audited apart from real ones.
    let audit_log = crate::commands::rehearse::rehearsal_audit_log();
    start(copy.config.clone(), &copy.overrides, options, audit_log).await
}

/// Why the console cannot be drawn here, if it cannot: `TERM=dumb`, or no terminal on stdin
/// or stdout (a pipe, a script, cron).
pub fn unusable_terminal(term: Option<&str>, stdin_tty: bool, stdout_tty: bool) -> Option<String> {
    // No TERM at all is common in containers and some remote shells whose terminal draws
    // fine: only an explicit dumb terminal is refused.
    if term == Some("dumb") {
        return Some("TERM=dumb cannot draw a full-screen console".into());
    }
    if !stdout_tty {
        return Some("stdout is not a terminal".into());
    }
    if !stdin_tty {
        return Some("stdin is not a terminal".into());
    }
    None
}

/// What is printed when the console cannot be drawn: why, and what to use instead.
pub fn no_console_message(why: &str) -> String {
    format!(
        "switchyard: the console needs a terminal that answers ({why}).\n\
         Use `switchyard status --watch` to follow the sites in this terminal, or \
         `switchyard status` (exit codes, --output json) in scripts."
    )
}

/// Exit code when the console cannot be drawn: a usage error.
pub const NO_TERMINAL: i32 = 2;

/// [`unusable_terminal`] for this process.
fn check_terminal() -> Option<String> {
    use std::io::IsTerminal;
    let term = std::env::var("TERM").ok();
    unusable_terminal(
        term.as_deref(),
        std::io::stdin().is_terminal(),
        std::io::stdout().is_terminal(),
    )
}

async fn start(
    config: crate::config::Config,
    overrides: &Overrides,
    options: Options,
    audit_log: Option<std::path::PathBuf>,
) -> i32 {
    if let Some(why) = check_terminal() {
        eprintln!("{}", no_console_message(&why));
        return NO_TERMINAL;
    }
    let session = match Session::start(config, &[], overrides).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("switchyard: {e}");
            return e.exit_code();
        }
    };
    // The switch engine serves `m` and `f`, unless the console is read-only.
    let actions = if options.read_only || session.config.defaults.read_only {
        None
    } else {
        let (link, server) = actions::link();
        let sites = switching::switchable(&session);
        Some((
            link,
            tokio::spawn(switching::serve(
                server,
                sites,
                session.resolver.clone(),
                audit_log,
            )),
        ))
    };
    let (link, server) = match actions {
        Some((l, s)) => (Some(l), Some(s)),
        None => (None, None),
    };
    let result = run(session, options, link).await;
    // The terminal is restored: a switch still running stops at a recorded state first. One
    // stopped before its last step exits as `maintenance` stopped by a signal does.
    let stopped = match server {
        Some(server) => server.await.unwrap_or(false),
        None => false,
    };
    match result {
        Ok(_) if stopped => crate::switch::error::exit::STOPPED,
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", no_console_message(&e.to_string()));
            NO_TERMINAL
        }
    }
}

/// Puts the terminal back: raw mode off, the main screen back, the cursor shown. Safe to call
/// more than once and when the terminal is gone (errors are ignored).
pub fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let mut out = std::io::stdout();
    let _ = execute!(out, terminal::LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
}

/// Restores the terminal when dropped (every return path, and unwinding).
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Restores the terminal before the previous panic hook prints the report.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
}

/// Appends events to the event log, one JSON line each.
struct EventLog {
    path: PathBuf,
    file: Option<std::fs::File>,
    failed: bool,
}

impl EventLog {
    fn new(path: PathBuf) -> EventLog {
        EventLog {
            path,
            file: None,
            failed: false,
        }
    }

    fn append(&mut self, event: &Event) {
        if self.failed {
            return;
        }
        if self.file.is_none() {
            match crate::files::open_append(&self.path) {
                Ok(f) => self.file = Some(f),
                Err(e) => {
                    tracing::warn!(path = %self.path.display(), "cannot open the event log: {e}");
                    self.failed = true;
                    return;
                }
            }
        }
        let line = match event.to_json_line() {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!("cannot write an event as JSON: {e}");
                return;
            }
        };
        if let Some(f) = self.file.as_mut()
            && let Err(e) = writeln!(f, "{line}")
        {
            tracing::warn!(path = %self.path.display(), "cannot write the event log: {e}");
            self.failed = true;
        }
    }
}

/// How often the caller identity and the credentials' expiry are read again.
const CONTEXT_EVERY: Duration = Duration::from_secs(60);

/// Runs the console on a started session until the operator quits or a signal comes.
///
/// `actions`: the link to the switch engine (see [`actions`]); `None` hides every action, as
/// `--read-only` and the config's `read_only` do. Returns the exit code (0 on quit and on
/// SIGTERM and SIGHUP, and on SIGINT unless a switch runs: then it asks as ctrl-c does; the
/// caller makes it 9 when quitting stopped a switch, see [`switching::serve`]).
pub async fn run(
    session: Session,
    options: Options,
    actions: Option<ActionLink>,
) -> std::io::Result<i32> {
    let config = session.config.clone();
    let sites = session
        .observations
        .iter()
        .cloned()
        .zip(config.sites.iter().map(|s| s.read_only))
        .collect();
    let actions_on = actions.is_some() && !options.read_only && !config.defaults.read_only;
    let mut app = App::new(
        sites,
        config.defaults.stale_after,
        OffsetDateTime::now_utc(),
        actions_on,
        Theme::new(options.no_color, options.ascii),
    );
    app.rehearsal = options.rehearsal.is_some();
    app.reason = options.reason.clone();
    app.demo_speed = options.demo_speed;
    app.own_switches = Some(crate::switch::engine::switch_id_prefix());
    let clients = session.clients();
    let mut event_log = EventLog::new(config.defaults.event_log.clone());

    // Signals first: a failure here leaves the terminal untouched.
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;

    let (poll_tx, mut poll_rx) = mpsc::channel(256);
    let (focus_tx, focus_rx) = watch::channel(Focus::default());
    let stop = CancellationToken::new();
    // Where the observations come from: this console's poller, or one shared with this user's
    // other consoles, `status --watch` and `wait` processes (`poll::share`).
    let (source_tx, mut source_rx) = watch::channel(crate::model::share::PollerSource::Alone {
        why: "starting".into(),
    });
    let poller = match options.share.clone() {
        Some(share) => tokio::spawn(crate::poll::share::run(
            session,
            focus_rx,
            poll_tx,
            stop.clone(),
            share,
            source_tx,
        )),
        None => {
            drop(source_tx);
            tokio::spawn(poller::run(session, focus_rx, poll_tx, stop.clone()))
        }
    };
    // Who the calls are made as, and until when: read at once, then every minute (the SDK
    // refreshes SSO and assumed-role credentials, and their expiry moves with them).
    let (context_tx, mut context_rx) = mpsc::channel(4);
    let context_task = tokio::spawn(async move {
        loop {
            let contexts = crate::poll::session::caller_contexts(&clients).await;
            if context_tx.send(contexts).await.is_err() {
                return;
            }
            tokio::time::sleep(CONTEXT_EVERY).await;
        }
    });

    let (update_tx, mut update_rx) = mpsc::channel::<ActionUpdate>(64);
    let requests = match actions {
        Some(link) if actions_on => {
            let _ = link.connect.send(update_tx.clone());
            Some(link.requests)
        }
        _ => None,
    };
    drop(update_tx);

    install_panic_hook();
    terminal::enable_raw_mode()?;
    let guard = TerminalGuard;
    execute!(
        std::io::stdout(),
        terminal::EnterAlternateScreen,
        cursor::Hide
    )?;
    // Cleared without asking the terminal where its cursor is: a terminal that does not
    // answer (a serial line, some SSM sessions) must not stop the console.
    execute!(
        std::io::stdout(),
        terminal::Clear(terminal::ClearType::All),
        cursor::MoveTo(0, 0)
    )?;
    let mut term = Terminal::new(CrosstermBackend::new(
        ansi16::Ansi16::new(std::io::stdout()),
    ))?;

    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // What the operator does is drawn at once. What only the poller or the clock changed (a
    // round brings one update per site) is drawn at most every POLL_FRAME: one frame for many
    // updates, so that an idle console at 200 sites costs next to nothing.
    let mut drawn_at: Option<tokio::time::Instant> = None;
    let mut urgent = true;

    'main: loop {
        let due = drawn_at.map(|t| t + POLL_FRAME);
        if app.dirty && (urgent || due.is_none_or(|d| d <= tokio::time::Instant::now())) {
            term.draw(|f| views::render(f, &app))?;
            app.dirty = false;
            drawn_at = Some(tokio::time::Instant::now());
        }
        let wait_to_draw = app.dirty;
        let draw_at = due.unwrap_or_else(tokio::time::Instant::now);
        let msg = tokio::select! {
            // A frame held back for the poller's updates: draw it now.
            () = tokio::time::sleep_until(draw_at), if wait_to_draw => {
                urgent = false;
                continue 'main;
            }
            // SIGINT is ctrl-c from outside the terminal: while a switch runs, the console
            // asks first, as for ctrl-c and q.
            _ = sigint.recv() => Msg::Interrupt,
            _ = sigterm.recv() => break 'main,
            _ = sighup.recv() => break 'main,
            ev = input.next() => match ev {
                Some(Ok(TermEvent::Key(k))) if k.kind == KeyEventKind::Press => Msg::Key(k),
                Some(Ok(TermEvent::Resize(..))) => Msg::Resize,
                Some(Ok(_)) => continue,
                // The terminal is gone (a hangup closes it): leave quietly.
                Some(Err(e)) => {
                    tracing::info!("terminal input ended: {e}");
                    break 'main;
                }
                None => break 'main,
            },
            _ = tick.tick() => Msg::Tick(OffsetDateTime::now_utc()),
            Some(p) = poll_rx.recv() => Msg::Poll(p),
            Some(u) = update_rx.recv() => Msg::Action(u),
            Some(c) = context_rx.recv() => Msg::Context(c),
            Ok(()) = source_rx.changed() => Msg::Poller(source_rx.borrow_and_update().clone()),
        };
        urgent = !matches!(msg, Msg::Tick(_) | Msg::Poll(_) | Msg::Poller(_));
        // Every message sees the current time first, so ages never go backwards.
        if !matches!(msg, Msg::Tick(_)) {
            update(&mut app, Msg::Tick(OffsetDateTime::now_utc()));
        }
        for effect in update(&mut app, msg) {
            match effect {
                Effect::Quit => break 'main,
                Effect::Focus(site) => focus_tx.send_modify(|f| f.site = site),
                Effect::Refresh => focus_tx.send_modify(|f| f.refresh += 1),
                Effect::Request(r) => match &requests {
                    Some(tx) => {
                        if tx.try_send(r).is_err() {
                            app.message = Some("the switch engine is not answering".into());
                            app.modal = None;
                        }
                    }
                    None => tracing::warn!("an action without a switch engine: {r:?}"),
                },
                Effect::Record(e) => {
                    tracing::info!(site = %e.site, "{}", e.message);
                    event_log.append(&e);
                }
                Effect::Fault(fault) => {
                    let result = match &options.rehearsal {
                        Some(r) => (r.faults)(fault),
                        None => Err("faults exist only in a rehearsal".into()),
                    };
                    for more in update(&mut app, Msg::Faulted { fault, result }) {
                        match more {
                            Effect::Record(e) => {
                                tracing::info!(site = %e.site, "{}", e.message);
                                event_log.append(&e);
                            }
                            Effect::Refresh => focus_tx.send_modify(|f| f.refresh += 1),
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    stop.cancel();
    context_task.abort();
    drop(term);
    drop(guard);
    // The poller stops at its next await; do not wait on a slow AWS call.
    let _ = tokio::time::timeout(Duration::from_secs(2), poller).await;
    Ok(0)
}
