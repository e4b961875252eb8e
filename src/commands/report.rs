//! `switchyard report`: the report of a maintenance window, as Markdown for the change ticket and
//! as one self-contained HTML file ([`crate::report::window`]). Its sources: the site's history
//! in AWS (read as `log` reads it, from any machine), this machine's audit log, and this
//! machine's events (recorded while a console runs). A source absent from this machine is said
//! in the report ("not available"); one that could not be read makes the exit code 3.

use std::path::{Path, PathBuf};

use serde_json::Value;
use time::OffsetDateTime;

use super::log::{SourceRead, read_aws};
use super::overrides;
use crate::cli::{GlobalArgs, ReportArgs};
use crate::config::Config;
use crate::model::history;
use crate::poll::session::Overrides;
use crate::report::window::{
    Availability, Observed, Selection, SourceNote, Step, Switch, Tone, Window, bounds, file_stem,
    html, markdown,
};
use crate::switch::audit;
use crate::switch::error::exit;

/// How long after the window its events are read: the chain settles after the fail back
/// (health checks, DNS caches), and a console sees it a poll later.
const SETTLE: time::Duration = time::Duration::minutes(5);

/// Exit code: no maintenance window of the site in the sources read; nothing written.
pub const NO_WINDOW: i32 = 4;

/// Where a report's sources are.
pub struct Inputs<'a> {
    pub config: Config,
    pub site: String,
    pub overrides: Overrides,
    /// The audit log to read (`None`: no path).
    pub audit: Option<PathBuf>,
    /// The event log to read.
    pub events: PathBuf,
    pub selection: Selection,
    pub out: &'a Path,
    pub rehearsal: bool,
    /// Only the switches after this time (a rehearsal's: its audit log keeps earlier ones).
    pub not_before: Option<OffsetDateTime>,
}

/// What making a report did: the files written, and whether every source was read.
pub struct Made {
    pub files: Vec<PathBuf>,
    pub complete: bool,
    pub window: Window,
}

/// `switchyard report --site S [--since TIME | --window last] [--out DIR]`.
pub async fn run(global: &GlobalArgs, args: &ReportArgs) -> i32 {
    let config = match super::load_config(global) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if config.site(&args.site).is_none() {
        let names: Vec<&str> = config.sites.iter().map(|s| s.name.as_str()).collect();
        say_err!(
            "switchyard report: there is no site {:?} in the config; its sites: {}",
            args.site,
            names.join(", ")
        );
        return exit::USAGE;
    }
    let now = OffsetDateTime::now_utc();
    let selection = match &args.since {
        Some(s) => match parse_since(s, now) {
            Ok(t) => Selection::Since(t),
            Err(e) => {
                say_err!("switchyard report: --since {e}");
                return exit::USAGE;
            }
        },
        None => Selection::Last,
    };
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("."));
    if !out.is_dir() {
        say_err!(
            "switchyard report: --out {} is not a directory",
            out.display()
        );
        return exit::USAGE;
    }
    let inputs = Inputs {
        audit: super::switch::audit_path(global, Some(&config)),
        events: config.defaults.event_log.clone(),
        config,
        site: args.site.clone(),
        overrides: overrides(global),
        selection,
        out: &out,
        rehearsal: false,
        not_before: None,
    };
    match make(inputs).await {
        Ok(made) => {
            for f in &made.files {
                say!("{}", f.display());
            }
            say_err!(
                "switchyard report: the final state against the state before the window: {}",
                made.window.comparison().headline()
            );
            let unread: Vec<&SourceNote> = made
                .window
                .sources
                .iter()
                .filter(|s| matches!(s.state, Availability::Unreadable(_)))
                .collect();
            for s in &unread {
                say_err!(
                    "switchyard report: {} ({}) could not be read: the report is incomplete: {}",
                    s.name,
                    s.from,
                    s.describe()
                );
            }
            if made.complete {
                exit::OK
            } else {
                exit::ACCESS
            }
        }
        Err(code) => code,
    }
}

/// Reads the sources and writes the report of the selected window into `inputs.out`. Err is
/// the exit code, after a message.
pub async fn make(inputs: Inputs<'_>) -> Result<Made, i32> {
    let now = OffsetDateTime::now_utc();
    let Some(site) = inputs.config.site(&inputs.site).cloned() else {
        say_err!("switchyard report: there is no site {:?}", inputs.site);
        return Err(exit::USAGE);
    };
    let mut sources = Vec::new();

    // The AWS history, read as `log` reads it.
    let mut reads: Vec<SourceRead> = Vec::new();
    let mut aws: Vec<history::Entry> = Vec::new();
    let mut config = inputs.config.clone();
    config.sites.retain(|s| s.name == site.name);
    read_aws_with(&inputs.overrides, config, &site.name, &mut reads, &mut aws).await;
    let aws_read = reads.iter().all(|r| r.read) && !reads.is_empty();
    let aws_from = crate::switch::history::record_name(&site);
    let aws_error = reads
        .iter()
        .find_map(|r| r.error.clone())
        .unwrap_or_else(|| "not read".into());

    // This machine's audit log.
    let mut local = Vec::new();
    let audit_state = match &inputs.audit {
        None => Err(Availability::NotAvailable(
            "no audit log path on this machine (--audit-log, SWITCHYARD_AUDIT_LOG, HOME)".into(),
        )),
        Some(p) if !p.exists() => Err(Availability::NotAvailable(
            "no audit log on this machine (the switches were made elsewhere)".into(),
        )),
        Some(p) => match audit::read(p) {
            Ok((entries, _bad)) => {
                local = entries
                    .into_iter()
                    .filter(|e| e.site == site.name)
                    .collect();
                Ok(())
            }
            Err(e) => Err(Availability::Unreadable(format!("cannot read it: {e}"))),
        },
    };

    // This machine's events.
    let (events, events_state) = read_events(&inputs.events, &site.name);

    let mut switches = merge(&local, &aws);
    if let Some(t) = inputs.not_before {
        switches.retain(|s| s.decided >= t);
    }
    let Some(b) = bounds(&switches, inputs.selection, now) else {
        if aws_read {
            say_err!(
                "switchyard report: no maintenance window of site {} in the sources read (the AWS history {aws_from}{}): nothing to report",
                site.name,
                inputs
                    .audit
                    .as_ref()
                    .map(|p| format!(" and {}", p.display()))
                    .unwrap_or_default()
            );
            return Err(NO_WINDOW);
        }
        say_err!(
            "switchyard report: no maintenance window of site {} found, and its AWS history {aws_from} could not be read: {aws_error}",
            site.name
        );
        return Err(exit::ACCESS);
    };
    let in_window = |t: OffsetDateTime| t >= b.start && t <= b.end;
    let window_switches: Vec<Switch> = switches
        .into_iter()
        .filter(|s| in_window(s.decided) || (s.decided <= b.end && s.ended >= b.start))
        .collect();
    let count = |src: &str| {
        window_switches
            .iter()
            .filter(|s| s.sources.contains(&src))
            .count()
    };
    sources.push(SourceNote {
        name: "the AWS history".into(),
        from: aws_from,
        state: if aws_read {
            Availability::Read {
                in_window: count("aws"),
            }
        } else {
            Availability::Unreadable(aws_error)
        },
    });
    sources.push(SourceNote {
        name: "this machine's audit log".into(),
        from: inputs
            .audit
            .as_ref()
            .map_or_else(|| "(none)".into(), |p| p.display().to_string()),
        state: match audit_state {
            Ok(()) => Availability::Read {
                in_window: count("local"),
            },
            Err(a) => a,
        },
    });
    // The chain's changes: from a little before the window (the state it started from) to its
    // end.
    let margin = time::Duration::hours(1).max((b.end - b.start) / 10);
    let mut observed: Vec<Observed> = events
        .into_iter()
        // From before the window (the state it started from) to a while after it (the chain
        // settles after the fail back, and a console sees it a poll later).
        .filter(|o| o.at >= b.start - margin && o.at <= b.end + SETTLE)
        .collect();
    let events_in_window = observed.iter().filter(|o| in_window(o.at)).count();
    // What the switches' verifications saw converge, when this machine audited them.
    for e in &local {
        if e.id.is_some()
            && window_switches
                .iter()
                .any(|s| s.id == e.id && s.sources.contains(&"local"))
        {
            observed.extend(verified(e));
        }
    }
    observed.sort_by_key(|o| o.at);
    sources.push(SourceNote {
        name: "this machine's events".into(),
        from: inputs.events.display().to_string(),
        state: match events_state {
            Ok(()) => Availability::Read {
                in_window: events_in_window,
            },
            Err(a) => a,
        },
    });
    let window = Window {
        site: site.name.clone(),
        record: site.record.clone(),
        bounds: b,
        switches: window_switches,
        observed,
        sources,
        made_at: now,
        made_on: crate::switch::engine::host(),
        rehearsal: inputs.rehearsal,
    };
    let files = write(&window, inputs.out)?;
    let complete = window.complete();
    Ok(Made {
        files,
        complete,
        window,
    })
}

/// Writes `<site>-<start>.md` and `.html` into `dir`.
fn write(w: &Window, dir: &Path) -> Result<Vec<PathBuf>, i32> {
    let stem = file_stem(&w.site, w.bounds.start);
    let mut files = Vec::new();
    for (ext, text) in [("md", markdown::render(w)), ("html", html::render(w))] {
        let path = dir.join(format!("{stem}.{ext}"));
        if let Err(e) = std::fs::write(&path, text) {
            say_err!("switchyard report: cannot write {}: {e}", path.display());
            return Err(exit::USAGE);
        }
        files.push(path);
    }
    Ok(files)
}

/// The AWS history of one site, through `log`'s reader, with these AWS settings.
async fn read_aws_with(
    overrides: &Overrides,
    config: Config,
    site: &str,
    reads: &mut Vec<SourceRead>,
    aws: &mut Vec<history::Entry>,
) {
    read_aws(overrides, config, &[site.to_string()], reads, aws, false).await;
}

/// `--since`: RFC 3339 (`2026-12-01T10:00:00Z`), or a time ago (`90m`, `2h`, `1d`).
pub fn parse_since(s: &str, now: OffsetDateTime) -> Result<OffsetDateTime, String> {
    if let Ok(t) = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        if t > now {
            return Err(format!("{s} is in the future"));
        }
        return Ok(t);
    }
    let ago = match s.strip_suffix('d').and_then(|n| n.parse::<u64>().ok()) {
        Some(days) => Ok(std::time::Duration::from_secs(days.saturating_mul(86_400))),
        None => crate::config::ids::parse_duration(s),
    };
    match ago {
        Ok(d) => Ok(now - d),
        Err(_) => Err(format!(
            "{s:?} is neither a time (RFC 3339, such as 2026-12-01T10:00:00Z) nor a time ago \
             (a whole number followed by s, m, h or d, such as 90m or 2h)"
        )),
    }
}

// --- the sources as the report's switches -------------------------------------------------------

/// A window's end as the report says it: RFC 3339 to the second.
fn rfc3339_seconds(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn time_of(v: &Value) -> Option<OffsetDateTime> {
    v.as_str()
        .and_then(|s| OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok())
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// Who approved, and a break-glass override, from whichever fields a source has.
fn approval(v: &Value) -> (Option<String>, Option<String>) {
    let approver = ["approver", "approved_by"]
        .iter()
        .find_map(|k| match &v[*k] {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o
                .get("by")
                .or_else(|| o.get("caller"))
                .and_then(Value::as_str)
                .map(str::to_string),
            _ => None,
        })
        .or_else(|| {
            v["approval"]["approver"]
                .as_str()
                .or_else(|| v["approval"]["by"].as_str())
                .map(str::to_string)
        });
    let glass = match &v["break_glass"] {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o
            .get("reason")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| Some("used".into())),
        Value::Bool(true) => Some("used".into()),
        _ => None,
    };
    (approver, glass)
}

/// A switch from this machine's audit log: the plan's calls and values, each step's result
/// and time, the verification's times.
pub fn from_audit(e: &audit::Entry) -> Switch {
    let v = serde_json::to_value(e).unwrap_or(Value::Null);
    let (approver, break_glass) = approval(&v);
    let planned = e.plan["steps"].as_array().cloned().unwrap_or_default();
    let reports = e.steps.as_array().cloned().unwrap_or_default();
    let mut steps: Vec<Step> = Vec::new();
    if reports.is_empty() {
        // Refused, failed or stopped: the plan, each step's fate not recorded here.
        for p in &planned {
            steps.push(Step {
                call: text(&p["call"]).unwrap_or_default(),
                resource: text(&p["resource"]).unwrap_or_default(),
                before: text(&p["before"]),
                after: text(&p["after"]),
                result: if e.result == "refused" {
                    "not run".into()
                } else {
                    "not recorded".into()
                },
                at: None,
            });
        }
    }
    for r in &reports {
        let p = r["index"]
            .as_u64()
            .and_then(|i| planned.get(usize::try_from(i).ok()?));
        let from_plan = |k: &str| p.and_then(|p| text(&p[k]));
        steps.push(Step {
            // The plan names the call made (a fail back's own call).
            call: from_plan("call")
                .or_else(|| text(&r["call"]))
                .unwrap_or_default(),
            resource: text(&r["resource"]).unwrap_or_default(),
            before: from_plan("before"),
            after: from_plan("after"),
            result: text(&r["result"]).unwrap_or_default().replace('_', " "),
            at: time_of(&r["at"]),
        });
    }
    let ver = &e.verification;
    let items = ver["items"].as_array().cloned().unwrap_or_default();
    let converged_at = if ver["converged"] == Value::Bool(true) {
        items
            .iter()
            .filter_map(|i| time_of(&i["converged_at"]))
            .max()
    } else {
        None
    };
    let changes: Vec<&Value> = items
        .iter()
        .filter(|i| {
            i["what"]
                .as_str()
                .is_some_and(|w| w.starts_with("Route 53 change ") && w.ends_with(" INSYNC"))
        })
        .collect();
    let insync_at = if changes.is_empty() {
        None
    } else {
        changes
            .iter()
            .map(|i| time_of(&i["converged_at"]))
            .collect::<Option<Vec<_>>>()
            .and_then(|v| v.into_iter().max())
    };
    let duration = time::Duration::milliseconds(i64::try_from(e.duration_ms).unwrap_or(0));
    Switch {
        id: e.id.clone(),
        direction: e.direction.clone(),
        result: e.result.clone(),
        by: e.caller.clone(),
        host: None,
        reason: e.reason.clone(),
        approver,
        break_glass,
        decided: e.time - duration,
        ended: e.time,
        steps,
        steps_omitted: 0,
        insync_at,
        waited_for_change: (!ver.is_null()).then_some(!changes.is_empty()),
        converged_at,
        error: e.error.clone(),
        window_ends: e.window_ends.map(rfc3339_seconds).or_else(|| {
            (e.direction == "extend")
                .then(|| time_of(&e.verification["expires_at"]))
                .flatten()
                .map(rfc3339_seconds)
        }),
        sources: vec!["local"],
    }
}

/// A switch from the site's history in AWS.
pub fn from_history(e: &history::Entry) -> Switch {
    let v = serde_json::to_value(e).unwrap_or(Value::Null);
    let (approver, break_glass) = approval(&v);
    let duration = time::Duration::milliseconds(i64::try_from(e.duration_ms).unwrap_or(0));
    Switch {
        id: Some(e.id.clone()),
        direction: e.direction.as_str().into(),
        result: e.result.as_str().into(),
        by: Some(e.by.clone()),
        host: Some(e.host.clone()),
        reason: e.reason.clone(),
        approver,
        break_glass,
        decided: e.at - duration,
        ended: e.at,
        steps: e
            .steps
            .iter()
            .map(|s| Step {
                call: s.call.clone(),
                resource: s.resource.clone(),
                before: s.before.clone(),
                after: s.after.clone(),
                result: s.result.as_str().into(),
                at: s.at,
            })
            .collect(),
        steps_omitted: e.steps_omitted,
        insync_at: e.insync_at,
        // A verified switch keeps when its Route 53 change was INSYNC: none kept, none
        // waited for (as the audit log says it).
        waited_for_change: e.converged_at.map(|_| e.insync_at.is_some()),
        converged_at: e.converged_at,
        error: e.error.clone(),
        window_ends: e.window_ends.map(rfc3339_seconds),
        sources: vec!["aws"],
    }
}

/// The switches of both sources, each once (by its ID), oldest first: the audit log's detail,
/// with what only the history holds (the machine, values it lacks).
pub fn merge(local: &[audit::Entry], aws: &[history::Entry]) -> Vec<Switch> {
    let mut out: Vec<Switch> = local.iter().map(from_audit).collect();
    for e in aws {
        let h = from_history(e);
        match out.iter_mut().find(|s| s.id.is_some() && s.id == h.id) {
            Some(s) => {
                s.sources.push("aws");
                s.host = h.host.clone();
                s.approver = s.approver.take().or(h.approver);
                s.break_glass = s.break_glass.take().or(h.break_glass);
                s.insync_at = s.insync_at.or(h.insync_at);
                s.converged_at = s.converged_at.or(h.converged_at);
                s.window_ends = s.window_ends.take().or(h.window_ends);
                if s.steps.is_empty() {
                    s.steps = h.steps;
                }
            }
            None => out.push(h),
        }
    }
    out.sort_by_key(|s| s.decided);
    out
}

// --- the events as observed changes of the chain -----------------------------------------------

/// This machine's events of `site`, as the chain's changes, oldest first.
fn read_events(path: &Path, site: &str) -> (Vec<Observed>, Result<(), Availability>) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return (
                Vec::new(),
                Err(Availability::NotAvailable(
                    "no event log on this machine (events are recorded while a console runs)"
                        .into(),
                )),
            );
        }
        Err(e) => {
            return (
                Vec::new(),
                Err(Availability::Unreadable(format!("cannot read it: {e}"))),
            );
        }
    };
    let mut out: Vec<Observed> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["site"].as_str() == Some(site))
        .filter_map(|v| observed(&v))
        .collect();
    out.sort_by_key(|o| o.at);
    (out, Ok(()))
}

fn state_word(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => Some("not registered".into()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

fn short_id(s: &str) -> String {
    // An ARN's last parts say which one it is.
    if s.starts_with("arn:") {
        let parts: Vec<&str> = s.split('/').collect();
        if parts.len() > 2 {
            return parts[parts.len().saturating_sub(3)..].join("/");
        }
    }
    s.to_string()
}

/// One event as a change of a component, `None` for events that are not (actions, notices,
/// fetch errors: the switches come from the audit log and the history).
pub fn observed(v: &Value) -> Option<Observed> {
    let at = time_of(&v["at"])?;
    let kind = &v["kind"];
    let ty = kind["type"].as_str()?;
    let message = text(&v["message"]).unwrap_or_default();
    let make = |lane: String, group: &str, from: Option<String>, to: String| {
        let tone = Tone::of(&to);
        Some(Observed {
            at,
            lane,
            group: group.into(),
            from,
            to,
            tone,
            message: message.clone(),
            probe: false,
            source: "events",
        })
    };
    let hl = |b: bool| if b { "healthy" } else { "unhealthy" }.to_string();
    match ty {
        "health_check_flipped" => {
            let healthy = kind["healthy"].as_bool()?;
            make(
                format!("health check {}", kind["id"].as_str()?),
                "health checks",
                Some(hl(!healthy)),
                hl(healthy),
            )
        }
        "alarm_state_changed" => make(
            format!("alarm {}", kind["name"].as_str()?),
            "alarms",
            state_word(&kind["from"]),
            state_word(&kind["to"])?,
        ),
        "target_health_changed" => {
            let port = kind["port"]
                .as_u64()
                .map(|p| format!(":{p}"))
                .unwrap_or_default();
            make(
                format!(
                    "target {}{port} ({})",
                    kind["target"].as_str()?,
                    short_id(kind["target_group_arn"].as_str().unwrap_or(""))
                ),
                "targets",
                state_word(&kind["from"]),
                state_word(&kind["to"])?,
            )
        }
        "dns_answer_changed" => make(
            "DNS answer".into(),
            "DNS answer",
            state_word(&kind["from"]),
            state_word(&kind["to"])?,
        ),
        "listener_action_changed" => {
            let sorry = kind["sorry"].as_bool().unwrap_or(false);
            let mut o = make(
                format!(
                    "listener {}",
                    short_id(kind["listener_arn"].as_str().unwrap_or(""))
                ),
                "listeners",
                text(&kind["from"]),
                text(&kind["to"])?,
            )?;
            o.tone = if sorry { Tone::Sorry } else { Tone::Normal };
            Some(o)
        }
        "distribution_deployed" => make(
            format!("CloudFront {}", kind["id"].as_str()?),
            "CloudFront",
            Some("InProgress".into()),
            "Deployed".into(),
        ),
        "change_insync" => make(
            "Route 53 changes".into(),
            "Route 53 changes",
            Some("PENDING".into()),
            format!("{} INSYNC", kind["id"].as_str()?),
        )
        .map(|mut o| {
            o.tone = Tone::Normal;
            o
        }),
        "verdict_changed" => make(
            "verdict".into(),
            "verdict",
            state_word(&kind["from"]),
            state_word(&kind["to"])?,
        ),
        t if t.contains("probe") => {
            // What a client got: the sorry page or the app.
            let got = match kind["sorry"].as_bool() {
                Some(true) => "sorry page".to_string(),
                Some(false) => "app".to_string(),
                None => [
                    "gets", "got", "serves", "sees", "page", "result", "state", "to",
                ]
                .iter()
                .find_map(|k| kind[*k].as_str().map(str::to_string))
                .unwrap_or_else(|| message.clone()),
            };
            let tone = match kind["sorry"].as_bool() {
                Some(true) => Tone::Sorry,
                Some(false) => Tone::Normal,
                None => Tone::of(&got),
            };
            Some(Observed {
                at,
                lane: "client probe".into(),
                group: "client probe".into(),
                from: None,
                to: got,
                tone,
                message,
                probe: true,
                source: "events",
            })
        }
        "action"
        | "notice"
        | "fetch_failing"
        | "fetch_recovered"
        | "switched"
        | "fault_injected"
        | "invalidation_completed"
        | "maintenance_marker_appeared"
        | "maintenance_phase_changed"
        | "maintenance_marker_removed" => None,
        // A kind this version does not know, with a before and an after: its own lane.
        other => {
            let to = kind["to"].as_str()?.to_string();
            make(other.replace('_', " "), "other", text(&kind["from"]), to)
        }
    }
}

/// What a switch's verification saw converge, and when: the DNS answer, the health checks as
/// Route 53 routes on them, the listeners (from this machine's audit log only).
fn verified(e: &audit::Entry) -> Vec<Observed> {
    let items = e.verification["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let sorry = e.direction == "on";
    let mut out = Vec::new();
    for i in &items {
        let (Some(what), Some(at)) = (i["what"].as_str(), time_of(&i["converged_at"])) else {
            continue;
        };
        let (lane, group, to, tone) = if let Some(rest) = what.strip_prefix("Route 53 answers ") {
            let answer = rest.split_once(" with ").map_or(rest, |(_, a)| a);
            (
                "DNS answer (verified)".to_string(),
                "DNS answer",
                answer.to_string(),
                if sorry { Tone::Sorry } else { Tone::Normal },
            )
        } else if let Some(rest) = what.strip_prefix("health check ")
            && let Some(hc) = rest.strip_suffix(" to Route 53")
        {
            let Some((id, state)) = hc.rsplit_once(' ') else {
                continue;
            };
            (
                format!("health check {id} (verified)"),
                "health checks",
                state.to_string(),
                if sorry { Tone::Sorry } else { Tone::Normal },
            )
        } else if let Some(rest) = what.strip_prefix("listener ")
            && let Some((arn, action)) = rest.split_once(": ")
        {
            (
                format!("listener {} (verified)", short_id(arn)),
                "listeners",
                action.to_string(),
                if sorry { Tone::Sorry } else { Tone::Normal },
            )
        } else {
            continue;
        };
        out.push(Observed {
            at,
            lane,
            group: group.into(),
            from: None,
            to,
            tone,
            message: format!("{what}: {}", i["seen"].as_str().unwrap_or("")),
            probe: false,
            source: "verification",
        });
    }
    out
}

/// The report of a rehearsal's window, written next to `--save FILE` when the rehearsal stops:
/// the copy's AWS history, the rehearsal's audit log and events. Says what it wrote, or why
/// nothing; never changes the rehearsal's exit code.
pub async fn after_rehearsal(
    config: &Config,
    site: &str,
    overrides: &Overrides,
    audit: Option<PathBuf>,
    started: OffsetDateTime,
    save: &Path,
) {
    let dir = match save.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let inputs = Inputs {
        config: config.clone(),
        site: site.to_string(),
        overrides: overrides.clone(),
        audit,
        events: config.defaults.event_log.clone(),
        selection: Selection::Last,
        out: &dir,
        rehearsal: true,
        not_before: Some(started),
    };
    match make(inputs).await {
        Ok(made) => {
            for f in &made.files {
                eprintln!(
                    "switchyard rehearse: the report of the rehearsed window is in {}",
                    f.display()
                );
            }
            if !made.complete {
                eprintln!(
                    "switchyard rehearse: the report is incomplete: a source could not be read (said in it)"
                );
            }
        }
        Err(NO_WINDOW) => {
            eprintln!("switchyard rehearse: no maintenance window was rehearsed: no report written")
        }
        Err(_) => eprintln!("switchyard rehearse: the report of the rehearsal was not written"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> OffsetDateTime {
        OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
    }

    #[test]
    fn since_reads_a_time_or_a_time_ago_and_refuses_the_rest() {
        let now = t("2026-12-01T12:00:00Z");
        assert_eq!(parse_since("2h", now).unwrap(), t("2026-12-01T10:00:00Z"));
        assert_eq!(parse_since("1d", now).unwrap(), t("2026-11-30T12:00:00Z"));
        assert_eq!(
            parse_since("2026-12-01T09:30:00Z", now).unwrap(),
            t("2026-12-01T09:30:00Z")
        );
        assert!(
            parse_since("yesterday", now)
                .unwrap_err()
                .contains("neither a time")
        );
        assert!(
            parse_since("2026-12-02T00:00:00Z", now)
                .unwrap_err()
                .contains("in the future")
        );
    }

    #[test]
    fn events_become_lanes_and_a_probe_says_what_clients_got() {
        let probe = serde_json::json!({
            "at": "2026-12-01T10:00:05Z", "site": "shop", "message": "a client gets the sorry page",
            "kind": {"type": "client_probe", "sorry": true, "status": 503}
        });
        let o = observed(&probe).unwrap();
        assert!(o.probe);
        assert_eq!(
            (o.lane.as_str(), o.to.as_str(), o.tone),
            ("client probe", "sorry page", Tone::Sorry)
        );
        let hc = serde_json::json!({
            "at": "2026-12-01T10:00:05Z", "site": "shop", "message": "m",
            "kind": {"type": "health_check_flipped", "id": "hc-1", "healthy": false}
        });
        let o = observed(&hc).unwrap();
        assert_eq!(
            (o.lane.as_str(), o.from.as_deref(), o.to.as_str()),
            ("health check hc-1", Some("healthy"), "unhealthy")
        );
        // A kind this version does not know, with a before and an after, gets its own lane;
        // the operator's actions do not (the switches come from the audit log and history).
        let new = serde_json::json!({
            "at": "2026-12-01T10:00:05Z", "site": "shop", "message": "m",
            "kind": {"type": "origin_shield_changed", "from": "on", "to": "off"}
        });
        assert_eq!(observed(&new).unwrap().lane, "origin shield changed");
        let action = serde_json::json!({
            "at": "2026-12-01T10:00:05Z", "site": "shop", "message": "m",
            "kind": {"type": "action", "action": {"action": "fail_back"}, "outcome": "started"}
        });
        assert!(observed(&action).is_none());
    }

    #[test]
    fn an_approver_and_break_glass_are_read_from_whichever_field_a_source_has() {
        assert_eq!(
            approval(&serde_json::json!({"approver": "arn:bob"})),
            (Some("arn:bob".into()), None)
        );
        assert_eq!(
            approval(
                &serde_json::json!({"approval": {"by": "arn:bob"}, "break_glass": {"reason": "outage"}})
            ),
            (Some("arn:bob".into()), Some("outage".into()))
        );
        assert_eq!(approval(&serde_json::json!({})), (None, None));
    }
}
