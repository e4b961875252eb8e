//! The audit log: one JSON line per switch, whatever happened (done, refused, failed), with the
//! time, the caller ARN, the site, the plan, each step's result and duration, and the final
//! verification. It holds no credentials: only what the plan and the outcome show.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::engine::{ExecuteOptions, Outcome, Recorded};
use super::error::SwitchError;
use super::plan::Plan;

/// One line of the audit log.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    pub caller: Option<String>,
    pub account: Option<String>,
    pub site: String,
    /// `on` or `off`.
    pub direction: String,
    pub reason: Option<String>,
    pub forced: bool,
    /// `done`, `nothing_to_do`, `not_converged`, `not_verified` (a condition could not be
    /// checked), `refused`, `conflict`, `failed`, `stopped`, `cancelled` (the console's
    /// roll back: the switch back has a line of its own), ...
    pub result: String,
    /// The error, when there was one.
    pub error: Option<String>,
    pub duration_ms: u64,
    pub plan: Value,
    /// Each step's result and duration.
    pub steps: Value,
    /// The final verification, when there was one.
    pub verification: Value,
    /// The switch's ID, shared with its entry in the AWS history (`switchyard log` shows the
    /// two once). Lines written before it was kept lack it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What went wrong beside the switch without failing it (the AWS history not written).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// A switch made without approval on a site that needs it (`--break-glass "reason"`): the
    /// reason. Shown in red (`BREAK-GLASS`) by `log`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub break_glass: Option<String>,
    /// Approval events (`direction` on or off, `result` `awaiting_approval`, `approved`,
    /// `declined`, `withdrawn`, `not_approved`): the plan's hash, and the approver's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// A protected site's switch: who approved the plan it made (the approval gate's approver).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// The end of the maintenance window (AWS's time): the one an entry into maintenance
    /// recorded in the journal (`--for`, `max_window`), or an extension's new end.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub window_ends: Option<OffsetDateTime>,
}

/// The default audit log: `$XDG_STATE_HOME/switchyard/audit.jsonl`, else
/// `~/.local/state/switchyard/audit.jsonl`.
pub fn default_path() -> Option<PathBuf> {
    let abs = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    abs("XDG_STATE_HOME")
        .or_else(|| abs("HOME").map(|h| h.join(".local").join("state")))
        .map(|d| d.join("switchyard").join("audit.jsonl"))
}

/// Appends one entry (`rec`: the approver and the window's end, learnt while it ran).
#[allow(clippy::too_many_arguments)]
pub fn append(
    path: &Path,
    plan: &Plan,
    opts: &ExecuteOptions,
    result: &Result<Outcome, SwitchError>,
    took: Duration,
    id: Option<&str>,
    warnings: &[String],
    rec: &Recorded,
) -> std::io::Result<()> {
    let (result_word, error, steps, verification) = match result {
        Ok(o) => (
            if o.nothing_to_do.is_some() {
                "nothing_to_do"
            } else if o.converged() {
                "done"
            } else if o.verification.as_ref().is_some_and(|v| {
                !v.unverified().is_empty()
                    && v.items
                        .iter()
                        .all(|i| i.converged || i.result == super::plan::CheckResult::CouldNotCheck)
            }) {
                // Every condition converged but some could not be checked: not done either.
                "not_verified"
            } else {
                "not_converged"
            },
            None,
            serde_json::to_value(&o.steps).unwrap_or(Value::Null),
            serde_json::to_value(&o.verification).unwrap_or(Value::Null),
        ),
        Err(e) => (
            match e {
                SwitchError::Usage(_) => "usage",
                SwitchError::Read(_) => "read_failed",
                SwitchError::Refused(_) => "refused",
                SwitchError::Conflict(_) => "conflict",
                SwitchError::NotApproved(_) => "not_approved",
                SwitchError::StepFailed { .. } => "failed",
                SwitchError::Stopped(_) => "stopped",
                SwitchError::Cancelled(_) => "cancelled",
                SwitchError::JournalWrite { .. } => "journal_write_failed",
            },
            Some(e.to_string()),
            Value::Null,
            Value::Null,
        ),
    };
    let entry = Entry {
        time: OffsetDateTime::now_utc(),
        caller: plan.caller.clone(),
        account: plan.account.clone(),
        site: plan.site.clone(),
        direction: plan.direction.as_str().to_string(),
        reason: opts.reason.clone(),
        forced: opts.force,
        result: result_word.to_string(),
        error,
        duration_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
        plan: serde_json::to_value(plan).unwrap_or(Value::Null),
        steps,
        verification,
        id: id.map(str::to_string),
        warnings: warnings.to_vec(),
        break_glass: opts.break_glass.clone(),
        plan_hash: plan.hash.clone(),
        comment: None,
        approved_by: rec.approved_by.clone(),
        window_ends: rec.window_ends,
    };
    append_entry(path, &entry)
}

/// Appends an entry made elsewhere (a journal repair).
pub fn append_entry(path: &Path, entry: &Entry) -> std::io::Result<()> {
    let line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
    let mut f = crate::files::open_append(path)?;
    // One write per line, so that two processes appending at once do not interleave lines.
    f.write_all(format!("{line}\n").as_bytes())
}

/// Reads the audit log; lines that do not parse are skipped and counted.
pub fn read(path: &Path) -> std::io::Result<(Vec<Entry>, usize)> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(e),
    };
    let mut bad = 0;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str(line) {
            Ok(e) => out.push(e),
            Err(_) => bad += 1,
        }
    }
    Ok((out, bad))
}
