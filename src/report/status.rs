//! `switchyard status`: every site's verdict, once or on a watch.

use std::io::{IsTerminal, Write};

use time::OffsetDateTime;

use crate::cli::{GlobalArgs, OutputFormat, StatusArgs};
use crate::model::verdict::verdict;
use crate::poll::round::Depth;
use crate::poll::session::{Overrides, Session};

use super::{status_report, table};

/// Loads the config named on the command line (or found by the usual rules).
pub fn load_config(global: &GlobalArgs) -> Result<crate::config::Config, i32> {
    let path = crate::config::locate(global.config.as_deref()).map_err(|e| {
        eprintln!("{e}");
        e.exit_code()
    })?;
    crate::config::load(&path).map_err(|e| {
        eprintln!("{e}");
        e.exit_code()
    })
}

pub fn overrides(global: &GlobalArgs) -> Overrides {
    Overrides {
        profile: global.profile.clone(),
        region: global.region.clone(),
        endpoint_url: global.endpoint_url.clone(),
        static_credentials: None,
    }
}

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
        let report = status_report(&verdicts, now);
        let mut out = std::io::stdout().lock();
        let written = match args.output {
            OutputFormat::Json if args.watch => {
                serde_json::to_string(&report).map(|s| writeln!(out, "{s}"))
            }
            OutputFormat::Json => {
                serde_json::to_string_pretty(&report).map(|s| writeln!(out, "{s}"))
            }
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
                Ok(write!(out, "{}", table(&report, terminal_width())))
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

/// The terminal's width, or 80 columns when there is none.
fn terminal_width() -> usize {
    crossterm::terminal::size()
        .map(|(w, _)| usize::from(w))
        .ok()
        .filter(|w| *w >= 40)
        .unwrap_or(80)
        .min(160)
}
