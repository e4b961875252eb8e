//! `switchyard status`: every site's verdict, once or on a watch.

use std::io::{IsTerminal, Write};

use time::OffsetDateTime;

use crate::cli::{GlobalArgs, OutputFormat, StatusArgs};
use crate::model::verdict::verdict;
use crate::poll::round::Depth;
use crate::poll::session::Session;

use super::{load_config, overrides};

use crate::report::{access_problems, status_report, table, table_detail};

/// Runs `status`. Returns the exit code.
pub async fn run(global: &GlobalArgs, args: &StatusArgs) -> i32 {
    let config = match load_config(global) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let stale_after = config.defaults.stale_after;
    let interval = config.defaults.poll_interval;
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
        let now = OffsetDateTime::now_utc();
        let watched = session.watched();
        let verdicts: Vec<_> = watched
            .iter()
            .map(|i| {
                (
                    &session.observations[*i],
                    verdict(&session.observations[*i], now, stale_after),
                )
            })
            .collect();
        let report = status_report(&verdicts, now, stale_after);
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
                    let obs: Vec<_> = watched.iter().map(|i| &session.observations[*i]).collect();
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
            // stdout closed (a pipe into `head`): nothing more to say.
            return report.exit_code;
        }
        let _ = out.flush();
        if !args.watch {
            return report.exit_code;
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = tokio::signal::ctrl_c() => return report.exit_code,
        }
    }
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
