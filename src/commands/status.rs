//! `switchyard status`: every site's verdict, once or on a watch.

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use time::OffsetDateTime;

use tokio::sync::{mpsc, watch};

use crate::cli::{GlobalArgs, OutputFormat, StatusArgs};
use crate::model::share::PollerSource;
use crate::model::site::SiteObservations;
use crate::model::verdict::verdict;
use crate::poll::poller::{Focus, PollUpdate};
use crate::poll::round::Depth;
use crate::poll::session::Session;
use crate::poll::share;

use super::{load_config, overrides};

use crate::report::{access_problems, status_report, table, table_detail};

/// Runs `status`. Returns the exit code.
pub async fn run(global: &GlobalArgs, args: &StatusArgs) -> i32 {
    let config = match load_config(global) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut alone = None;
    if args.watch {
        let options = share::Options::new("status", args.no_share, &config);
        match &options.off {
            None => {
                // Every site's clients: the shared poller may read for other processes too.
                match Session::start(config.clone(), &[], &overrides(global)).await {
                    Ok(session) => return watch_shared(args, session, options).await,
                    // A site this command does not watch cannot be read here: it polls alone.
                    Err(e) if !args.site.is_empty() => {
                        alone = Some(format!("not every site of the config can be read: {e}"));
                    }
                    Err(e) => {
                        eprintln!("switchyard status: {e}");
                        return e.exit_code();
                    }
                }
            }
            Some(why) => alone = Some(why.clone()),
        }
    }
    let stale_after = config.defaults.stale_after;
    let interval = config.defaults.poll_interval;
    let poller = PollerSource::Alone {
        why: alone.unwrap_or_else(|| "status without --watch reads once, by itself".into()),
    };
    let mut session = match Session::start(config, &args.site, &overrides(global)).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("switchyard status: {e}");
            return e.exit_code();
        }
    };
    // One site asked for: its checkers region by region; many: their metrics.
    let depth = if args.site.is_empty() {
        Depth::Overview
    } else {
        Depth::Detail
    };
    let tty = std::io::stdout().is_terminal();
    loop {
        session.refresh(&|_| depth).await;
        let watched = session.watched();
        let code = match print(
            &session.observations,
            &watched,
            args,
            stale_after,
            tty,
            &poller,
        ) {
            Ok(code) => code,
            Err(code) => return code,
        };
        if !args.watch {
            return code;
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = tokio::signal::ctrl_c() => return code,
        }
    }
}

/// `status --watch` on the poller shared with this user's other processes (see
/// [`crate::poll::share`]): a report each time every watched site has been read again, at most
/// one a poll interval; one with what there is (ages true) when the poller stays silent.
async fn watch_shared(args: &StatusArgs, session: Session, options: share::Options) -> i32 {
    let stale_after = session.config.defaults.stale_after;
    let interval = session.config.defaults.poll_interval;
    let patience = interval * 2 + session.config.defaults.call_timeout;
    let mut watched: Vec<usize> = Vec::new();
    for name in &args.site {
        match session.config.sites.iter().position(|s| &s.name == name) {
            Some(i) => watched.push(i),
            None => {
                let names: Vec<&str> = session
                    .config
                    .sites
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect();
                eprintln!(
                    "switchyard status: no site named {name:?} in {}; the sites are: {}",
                    session.config.path.display(),
                    names.join(", ")
                );
                return crate::switch::error::exit::USAGE;
            }
        }
    }
    if watched.is_empty() {
        watched = session.watched();
    }
    watched.sort_unstable();
    watched.dedup();
    let named: std::collections::BTreeSet<String> = args.site.iter().cloned().collect();
    // Sites named: read in detail at the poll interval, as `status --watch --site` always did.
    let focus = Focus {
        only: (!named.is_empty()).then(|| named.clone()),
        round_detail: named,
        ..Focus::default()
    };
    let (_focus_tx, focus_rx) = watch::channel(focus);
    let (tx, mut rx) = mpsc::channel(256);
    let (source_tx, source_rx) = watch::channel(PollerSource::Alone {
        why: "starting".into(),
    });
    let stop = tokio_util::sync::CancellationToken::new();
    let mut observations = session.observations.clone();
    let poller = tokio::spawn(share::run(
        session,
        focus_rx,
        tx,
        stop.clone(),
        options,
        source_tx,
    ));
    let tty = std::io::stdout().is_terminal();
    let started = tokio::time::Instant::now();
    let mut pending: std::collections::BTreeSet<usize> = watched.iter().copied().collect();
    let mut last: Option<tokio::time::Instant> = None;
    let mut code = crate::model::verdict::VerdictKind::Unknown.exit_code();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        // Every site read again: the report once the interval since the last is over; else
        // what there is once the poller has been silent too long.
        let deadline = match last {
            Some(t) if pending.is_empty() => t + interval.mul_f64(0.9),
            _ => last.unwrap_or(started) + patience,
        };
        tokio::select! {
            u = rx.recv() => match u {
                Some(PollUpdate::Site { index, observations: o }) => {
                    if let Some(slot) = observations.get_mut(index) {
                        *slot = Arc::unwrap_or_clone(o);
                    }
                    pending.remove(&index);
                }
                Some(PollUpdate::Round { .. }) => {}
                None => break,
            },
            // Nothing new for long: what there is, with its true ages.
            _ = tokio::time::sleep_until(deadline) => pending.clear(),
            _ = &mut ctrl_c => break,
        }
        let due = pending.is_empty() && last.is_none_or(|t| t.elapsed() >= interval.mul_f64(0.9));
        if due {
            let source = source_rx.borrow().clone();
            code = match print(&observations, &watched, args, stale_after, tty, &source) {
                Ok(c) => c,
                Err(c) => {
                    code = c;
                    break;
                }
            };
            last = Some(tokio::time::Instant::now());
            pending = watched.iter().copied().collect();
        }
    }
    stop.cancel();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), poller).await;
    code
}

/// Prints one report of the `watched` sites (config indices into `observations`). `Ok`: its
/// exit code; `Err`: stdout is closed (a pipe into `head`), nothing more to say.
fn print(
    observations: &[SiteObservations],
    watched: &[usize],
    args: &StatusArgs,
    stale_after: std::time::Duration,
    tty: bool,
    poller: &PollerSource,
) -> Result<i32, i32> {
    let now = OffsetDateTime::now_utc();
    let verdicts: Vec<_> = watched
        .iter()
        .map(|i| {
            (
                &observations[*i],
                verdict(&observations[*i], now, stale_after),
            )
        })
        .collect();
    let mut report = status_report(&verdicts, now, stale_after);
    report.poller = Some(poller.clone());
    // Exit 3 says access kept part of a chain away: which permission, said where a runbook
    // that only reads the exit code and stderr sees it.
    if !args.watch || report.exit_code != 0 {
        for line in access_problems(&report) {
            eprintln!("{}", super::shown(&format!("switchyard status: {line}")));
        }
    }
    let mut out = std::io::stdout().lock();
    let written = match args.output {
        OutputFormat::Json if args.watch => {
            serde_json::to_string(&report).map(|s| writeln!(out, "{}", super::shown_json(&s)))
        }
        OutputFormat::Json => serde_json::to_string_pretty(&report)
            .map(|s| writeln!(out, "{}", super::shown_json(&s))),
        OutputFormat::Table => {
            if args.watch && tty {
                // Redraw in place on a terminal; plain appended blocks in a log file.
                let _ = write!(out, "\x1b[2J\x1b[H");
            }
            if args.watch {
                let _ = writeln!(
                    out,
                    "{}",
                    now.format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default()
                );
                // Data that came through another process says so.
                if matches!(
                    poller,
                    PollerSource::Joined { .. } | PollerSource::Leader { joiners: 1.., .. }
                ) {
                    let _ = writeln!(out, "{}", super::shown(&poller.words()));
                }
            }
            // Cut to the terminal's width on a terminal; whole with --wide and into a
            // pipe or a file (a runbook's log keeps every reason), unless COLUMNS is
            // exported for it.
            let width = if args.wide {
                UNLIMITED
            } else if tty {
                terminal_width()
            } else {
                columns_from_env().unwrap_or(UNLIMITED)
            };
            let text = if args.site.is_empty() {
                table(&report, width)
            } else {
                // Sites asked for by name: their listeners and rules too.
                let obs: Vec<_> = watched.iter().map(|i| &observations[*i]).collect();
                table_detail(&report, &obs, width)
            };
            let text = if super::ascii() {
                crate::model::strings::ascii(&text)
            } else {
                text
            };
            let text = super::red_break_glass(&text, tty && super::colour_stdout());
            Ok(write!(out, "{text}"))
        }
    };
    if !matches!(written, Ok(Ok(()))) {
        return Err(report.exit_code);
    }
    let _ = out.flush();
    Ok(report.exit_code)
}

/// The width of a table that is never cut (`--wide`, stdout not a terminal).
const UNLIMITED: usize = 100_000;

/// `COLUMNS` from the environment (at least 40), for a pipe that wants a width.
fn columns_from_env() -> Option<usize> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|w| *w >= 40)
}

/// The terminal's width, or 80 columns when there is none.
fn terminal_width() -> usize {
    crossterm::terminal::size()
        .map(|(w, _)| usize::from(w))
        .ok()
        .filter(|w| *w >= 40)
        .unwrap_or(80)
        .min(160)
}
