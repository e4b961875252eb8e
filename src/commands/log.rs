//! `switchyard log`: every operator's switches, from any machine. The AWS history of the
//! configured sites (the `_switchyard-log` TXT records beside their journals) merged with this
//! machine's audit log, each switch once, each saying where it came from. AWS that cannot be
//! read leaves the audit log shown and the missing source said.

use std::collections::BTreeMap;

use futures::future::join_all;
use serde::Serialize;
use time::OffsetDateTime;

use super::overrides;
use super::switch::{audit_path, print_json, rfc3339};
use crate::cli::{GlobalArgs, LogArgs, OutputFormat};
use crate::model::history;
use crate::poll::session::Session;
use crate::switch::audit;
use crate::switch::error::exit;

/// Where a switch shown by `log` was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The site's history in AWS only (another machine's switch, or this machine's audit log
    /// lost it).
    Aws,
    /// This machine's audit log only (a refusal, a switch before the history was kept, or one
    /// whose history write failed).
    Local,
    /// Both.
    Both,
}

impl Source {
    fn label(self) -> &'static str {
        match self {
            Source::Aws => "aws",
            Source::Local => "local",
            Source::Both => "aws+local",
        }
    }
}

/// One switch as `log` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    pub site: String,
    /// `on`, `off` (or `journal-repair`, from the audit log).
    pub direction: String,
    pub result: String,
    pub by: Option<String>,
    /// The machine (AWS history only: the audit log is this machine's).
    pub host: Option<String>,
    pub reason: Option<String>,
    pub error: Option<String>,
    pub steps: usize,
    pub duration_ms: u64,
    pub source: Source,
    pub id: Option<String>,
    /// What went wrong beside the switch (the audit log's warnings).
    pub warnings: Vec<String>,
    /// The end of the maintenance window this switch set (RFC 3339, AWS's time): an entry
    /// into maintenance with an end (`--for`, `max_window`), or an extension's new end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_ends: Option<String>,
    /// A switch made without approval (`--break-glass`): its reason. Shown as BREAK-GLASS, in
    /// red on a terminal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub break_glass: Option<String>,
    /// Approval events: the plan's hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_hash: Option<String>,
    /// A decline's comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// One source `log` read, or could not.
#[derive(Clone, Debug, Serialize)]
pub struct SourceRead {
    /// `local` (the audit log) or `aws` (one site's history).
    pub source: &'static str,
    /// The audit log's path, or the history record's name.
    pub from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    pub read: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Older switches the history rotated out (AWS only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotated_out: Option<u64>,
    /// The site's maintenance window in force, from its journal (AWS only, when asked).
    #[serde(skip)]
    pub window: Option<Window>,
}

/// A site's maintenance window in force, as its journal in AWS says it: the end, and the time
/// left in AWS's clock (negative once ended).
#[derive(Clone, Debug, Serialize)]
pub struct Window {
    pub site: String,
    pub expires_at: String,
    pub expires_in_seconds: i64,
}

/// The window in force of `site`: its journal holds maintenance (not a fail back under way)
/// with an end. `None` when there is none, or the journal could not be read (said by `status`).
async fn window_in_force(
    c: &crate::aws::client::Clients,
    site: &crate::config::Site,
) -> Option<Window> {
    let (journal, _) = crate::switch::journal::read_journal(c, site).await.ok()??;
    let now = c.clock.now();
    let m = journal.marker_at(now);
    let state = crate::model::verdict::expiry::window(&m, now)?;
    Some(Window {
        site: site.name.clone(),
        expires_at: rfc3339(m.expires_at?),
        expires_in_seconds: state.seconds_left(),
    })
}

/// An RFC 3339 time to the second, as `status` says it (`2026-12-01T12:00:00Z`).
fn whole_seconds(t: &str) -> String {
    OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
        .ok()
        .and_then(|t| t.replace_nanosecond(0).ok())
        .map_or_else(|| t.to_string(), rfc3339)
}

/// `1 h 45 min left`, `ended 5 min ago: MAINTENANCE OVERDUE until failed back ...`.
fn left_text(seconds: i64) -> String {
    let span =
        crate::model::obs::human_span(std::time::Duration::from_secs(seconds.unsigned_abs()));
    if seconds > 0 {
        format!("{span} left")
    } else {
        format!("ended {span} ago: MAINTENANCE OVERDUE; nothing fails back on its own")
    }
}

#[derive(Serialize)]
struct Report<'a> {
    entries: &'a [Row],
    sources: &'a [SourceRead],
    /// Every source was read.
    complete: bool,
    /// Each site's maintenance window in force (its journal in AWS): its end and the time left.
    windows: Vec<&'a Window>,
    exit_code: i32,
}

fn from_audit(e: &audit::Entry) -> Row {
    Row {
        time: e.time,
        site: e.site.clone(),
        direction: e.direction.clone(),
        result: e.result.clone(),
        by: e.caller.clone(),
        host: None,
        reason: e.reason.clone(),
        error: e.error.clone(),
        steps: e.steps.as_array().map(Vec::len).unwrap_or(0),
        duration_ms: e.duration_ms,
        source: Source::Local,
        id: e.id.clone(),
        warnings: e.warnings.clone(),
        window_ends: e.window_ends.map(rfc3339).or_else(|| {
            (e.direction == "extend")
                .then(|| e.verification["expires_at"].as_str().map(str::to_string))
                .flatten()
        }),
        break_glass: e.break_glass.clone(),
        plan_hash: e.plan_hash.clone(),
        comment: e.comment.clone(),
    }
}

fn from_history(e: &history::Entry) -> Row {
    Row {
        time: e.at,
        site: e.site.clone(),
        direction: e.direction.as_str().into(),
        result: e.result.as_str().into(),
        by: Some(e.by.clone()),
        host: Some(e.host.clone()),
        reason: e.reason.clone(),
        // A decline's comment is kept where a switch keeps its error.
        error: e
            .error
            .clone()
            .filter(|_| e.result != history::SwitchResult::Declined),
        steps: e.steps.len() + e.steps_omitted,
        duration_ms: e.duration_ms,
        source: Source::Aws,
        id: Some(e.id.clone()),
        warnings: Vec::new(),
        window_ends: e.window_ends.map(rfc3339),
        break_glass: e.break_glass.clone(),
        plan_hash: None,
        comment: e
            .error
            .clone()
            .filter(|_| e.result == history::SwitchResult::Declined),
    }
}

/// The switches of both sources, each once (by its ID), oldest first.
pub fn merge(local: &[audit::Entry], aws: &[history::Entry]) -> Vec<Row> {
    let mut rows: Vec<Row> = local.iter().map(from_audit).collect();
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(id) = &r.id {
            by_id.insert(id.clone(), i);
        }
    }
    for e in aws {
        match by_id.get(&e.id) {
            Some(&i) => {
                let r = &mut rows[i];
                r.source = Source::Both;
                r.host = Some(e.host.clone());
                if r.window_ends.is_none() {
                    r.window_ends = e.window_ends.map(rfc3339);
                }
            }
            None => {
                by_id.insert(e.id.clone(), rows.len());
                rows.push(from_history(e));
            }
        }
    }
    rows.sort_by_key(|r| r.time);
    rows
}

/// `switchyard log [--site S] [--local]`.
pub async fn run(global: &GlobalArgs, args: &LogArgs) -> i32 {
    // The config supplies the default path and the sites: a missing config is fine here.
    let config = crate::config::locate(global.config.as_deref())
        .ok()
        .and_then(|p| crate::config::load(&p).ok());
    let mut sources = Vec::new();
    let mut local = Vec::new();
    match audit_path(global, config.as_ref()) {
        None => sources.push(SourceRead {
            source: "local",
            from: "(none)".into(),
            site: None,
            read: false,
            error: Some(
                "no audit log path: pass --audit-log FILE, or set SWITCHYARD_AUDIT_LOG or HOME"
                    .into(),
            ),
            rotated_out: None,
            window: None,
        }),
        Some(path) => match audit::read(&path) {
            Ok((entries, bad)) => {
                if bad > 0 {
                    say_err!(
                        "switchyard log: {bad} lines of {} are not audit entries and were skipped",
                        path.display()
                    );
                }
                local = entries;
                sources.push(SourceRead {
                    source: "local",
                    from: path.display().to_string(),
                    site: None,
                    read: true,
                    error: None,
                    rotated_out: None,
                    window: None,
                });
            }
            Err(e) => sources.push(SourceRead {
                source: "local",
                from: path.display().to_string(),
                site: None,
                read: false,
                error: Some(format!("cannot read it: {e}")),
                rotated_out: None,
                window: None,
            }),
        },
    }
    let mut aws = Vec::new();
    if let (Some(config), false) = (config, args.local) {
        let sites: Vec<String> = config
            .sites
            .iter()
            .filter(|s| args.site.as_ref().is_none_or(|n| &s.name == n))
            .map(|s| s.name.clone())
            .collect();
        if !sites.is_empty() {
            // The journals too: the window in force and its time left.
            read_aws(
                &overrides(global),
                config,
                &sites,
                &mut sources,
                &mut aws,
                true,
            )
            .await;
        }
    }
    let local: Vec<audit::Entry> = local
        .into_iter()
        .filter(|e| args.site.as_ref().is_none_or(|s| &e.site == s))
        .collect();
    let rows = merge(&local, &aws);
    let unread: Vec<&SourceRead> = sources.iter().filter(|s| !s.read).collect();
    let any_read = sources.iter().any(|s| s.read);
    // Incomplete is never 0: what is shown is what could be read, and the exit code says the
    // rest is missing (a runbook that checks "did anyone switch?" must not take a partial log
    // for the whole).
    let code = if !any_read {
        exit::USAGE
    } else if unread.is_empty() {
        exit::OK
    } else {
        exit::ACCESS
    };
    for s in &unread {
        let what = match s.source {
            "local" => format!("this machine's audit log {}", s.from),
            _ => format!(
                "the AWS history of {} ({})",
                s.site.as_deref().unwrap_or("?"),
                s.from
            ),
        };
        say_err!(
            "switchyard log: {what} could not be read: {}; {}",
            s.error.as_deref().unwrap_or("unknown error"),
            if any_read {
                "the switches shown are those of the other sources"
            } else {
                "nothing could be read"
            }
        );
    }
    match args.output {
        OutputFormat::Json => print_json(&Report {
            entries: &rows,
            sources: &sources,
            complete: unread.is_empty(),
            windows: sources.iter().filter_map(|s| s.window.as_ref()).collect(),
            exit_code: code,
        }),
        OutputFormat::Table => {
            table(&rows, &sources);
            for w in sources.iter().filter_map(|s| s.window.as_ref()) {
                say!(
                    "{}: in maintenance; its window ends at {} ({}), as its journal in AWS says",
                    w.site,
                    whole_seconds(&w.expires_at),
                    left_text(w.expires_in_seconds)
                );
            }
        }
    }
    code
}

/// Reads the history of `sites` in AWS, each site apart: one that cannot be read is said.
pub(crate) async fn read_aws(
    overrides: &crate::poll::session::Overrides,
    config: crate::config::Config,
    sites: &[String],
    sources: &mut Vec<SourceRead>,
    aws: &mut Vec<history::Entry>,
    journals: bool,
) {
    let records: Vec<(String, String)> = sites
        .iter()
        .filter_map(|n| config.site(n))
        .map(|s| (s.name.clone(), crate::switch::history::record_name(s)))
        .collect();
    let session = match Session::start(config, sites, overrides).await {
        Ok(s) => s,
        Err(e) => {
            for (site, record) in records {
                sources.push(SourceRead {
                    source: "aws",
                    from: record,
                    site: Some(site),
                    read: false,
                    error: Some(e.to_string()),
                    rotated_out: None,
                    window: None,
                });
            }
            return;
        }
    };
    let clients = session.clients();
    let reads = session.watched().into_iter().filter_map(|i| {
        let site = session.config.sites.get(i)?;
        let group = session.groups.iter().position(|g| g.sites.contains(&i))?;
        let c = clients.get(group)?;
        Some(async move {
            let read = crate::switch::history::read(c, site).await;
            let window = match (&read, journals) {
                (Ok(_), true) => window_in_force(c, site).await,
                _ => None,
            };
            (site, read, window)
        })
    });
    for (site, read, window) in join_all(reads).await {
        let record = crate::switch::history::record_name(site);
        match read {
            Ok(found) => {
                let rotated = found.as_ref().map(|(h, _)| h.rotated_out).unwrap_or(0);
                if let Some((h, _)) = found {
                    aws.extend(h.entries);
                }
                sources.push(SourceRead {
                    source: "aws",
                    from: record,
                    site: Some(site.name.clone()),
                    read: true,
                    error: None,
                    rotated_out: Some(rotated),
                    window,
                });
            }
            Err(e) => sources.push(SourceRead {
                source: "aws",
                from: record,
                site: Some(site.name.clone()),
                read: false,
                error: Some(e.summary()),
                rotated_out: None,
                window: None,
            }),
        }
    }
}

fn table(rows: &[Row], sources: &[SourceRead]) {
    let colour = super::colour_stdout();
    if rows.is_empty() {
        let read: Vec<String> = sources
            .iter()
            .filter(|s| s.read)
            .map(|s| match s.source {
                "local" => s.from.clone(),
                _ => format!("the AWS history of {}", s.site.as_deref().unwrap_or("?")),
            })
            .collect();
        if !read.is_empty() {
            say!("No switches recorded in {}.", read.join(", "));
        }
    }
    for r in rows {
        // An approval event (a request, an approval, a decline, a withdrawal) made no call.
        if matches!(
            r.result.as_str(),
            "awaiting_approval" | "approved" | "declined" | "withdrawn"
        ) {
            say!(
                "{}  {:<12} {:<6} {:<14} by {}{} [{}]{}",
                rfc3339(r.time),
                r.site,
                r.direction,
                r.result,
                r.by.as_deref().unwrap_or("unknown"),
                r.host
                    .as_ref()
                    .map(|h| format!(" on {h}"))
                    .unwrap_or_default(),
                r.source.label(),
                r.reason
                    .as_ref()
                    .map(|x| format!(" ({x})"))
                    .unwrap_or_default(),
            );
            if let Some(h) = &r.plan_hash {
                say!("    plan {}", crate::model::approval::short(h));
            }
            if let Some(c) = &r.comment {
                say!("    comment: {c}");
            }
            continue;
        }
        say!(
            "{}  {:<12} {:<6} {:<14} {} steps {:>6} ms  by {}{} [{}]{}{}",
            rfc3339(r.time),
            r.site,
            r.direction,
            r.result,
            r.steps,
            r.duration_ms,
            r.by.as_deref().unwrap_or("unknown"),
            r.host
                .as_ref()
                .map(|h| format!(" on {h}"))
                .unwrap_or_default(),
            r.source.label(),
            r.reason
                .as_ref()
                .map(|x| format!(" ({x})"))
                .unwrap_or_default(),
            r.error
                .as_ref()
                .map(|x| format!("\n    {x}"))
                .unwrap_or_default(),
        );
        if let Some(end) = &r.window_ends {
            say!(
                "    the maintenance window {}ends at {}",
                if r.direction == "extend" { "now " } else { "" },
                whole_seconds(end)
            );
        }
        if let Some(why) = &r.break_glass {
            let line = super::shown(&format!(
                "    BREAK-GLASS: made without a second person's approval by {}: {why}",
                r.by.as_deref().unwrap_or("unknown")
            ));
            println!("{}", super::red_break_glass(&line, colour));
        }
        if let Some(h) = &r.plan_hash {
            say!("    plan {}", crate::model::approval::short(h));
        }
        if let Some(c) = &r.comment {
            say!("    comment: {c}");
        }
        for w in &r.warnings {
            say!("    warning: {w}");
        }
    }
    for s in sources {
        if let (Some(n), Some(site)) = (s.rotated_out.filter(|n| *n > 0), &s.site) {
            say!(
                "  {n} older switch(es) of {site} were rotated out of the AWS history {}: this machine's audit log keeps its own",
                s.from
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(id: Option<&str>, minute: i64) -> audit::Entry {
        audit::Entry {
            time: OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(minute),
            caller: Some("arn:me".into()),
            account: None,
            site: "shop".into(),
            direction: "on".into(),
            reason: None,
            forced: false,
            result: "done".into(),
            error: None,
            duration_ms: 5,
            plan: serde_json::Value::Null,
            steps: serde_json::Value::Null,
            verification: serde_json::Value::Null,
            id: id.map(str::to_string),
            warnings: Vec::new(),
            break_glass: None,
            plan_hash: None,
            comment: None,
            approved_by: None,
            window_ends: None,
        }
    }

    fn remote(id: &str, minute: i64) -> history::Entry {
        history::Entry {
            duration_ms: 7,
            ..history::Entry::new(
                id,
                "shop",
                history::Way::Off,
                history::SwitchResult::Done,
                "arn:bob",
                "bastion-2",
                OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(minute),
            )
        }
    }

    #[test]
    fn each_switch_once_saying_where_it_came_from_oldest_first() {
        let rows = merge(
            &[local(Some("a"), 1), local(None, 0)],
            &[remote("a", 1), remote("b", 3)],
        );
        let seen: Vec<(Option<&str>, Source)> =
            rows.iter().map(|r| (r.id.as_deref(), r.source)).collect();
        assert_eq!(
            seen,
            vec![
                (None, Source::Local),
                (Some("a"), Source::Both),
                (Some("b"), Source::Aws)
            ]
        );
        assert_eq!(rows[1].host.as_deref(), Some("bastion-2"));
    }
}
