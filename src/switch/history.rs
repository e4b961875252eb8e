//! Reading and writing a site's switch history in Route 53 (its types and encoding:
//! [`crate::model::history`]). Written at the end of every switch, with the exact DELETE of the
//! values read plus the CREATE of the new ones in one batch (CREATE alone when there is none),
//! so that two operators finishing at once never overwrite each other: the loser reads again and
//! retries. A failure here never fails or undoes the switch: the caller says it, nothing more.

use std::time::Duration;

use crate::aws::client::Clients;
use crate::aws::route53::{self, RecordAction};
use crate::config::Site;
use crate::model::error::AwsError;
use crate::model::history::{self, Entry, History, StepEntry, StepResult, SwitchResult};
use crate::model::route53::RecordSet;

use super::engine::{ExecuteOptions, Outcome, Recorded};
use super::error::SwitchError;
use super::plan::{Direction, Plan, StepProgress};

/// The name of the site's history record.
pub fn record_name(site: &Site) -> String {
    history::record_name(&site.record, &site.scope())
}

/// The site's history as Route 53 holds it (`None`: none written yet), with its exact values.
pub async fn read(c: &Clients, site: &Site) -> Result<Option<(History, Vec<String>)>, AwsError> {
    let name = record_name(site);
    let at = route53::records_at(&c.route53, &site.zone_id, &site.record, &name).await?;
    match at.beside {
        None => Ok(None),
        Some(values) => History::from_txt_values(&values)
            .map(|h| Some((h, values)))
            .map_err(|e| {
                AwsError::new(
                    crate::model::error::ErrorKind::Unreadable,
                    "route53",
                    "ListResourceRecordSets",
                    format!("the history {name} cannot be read: {e}"),
                )
            }),
    }
}

/// The history entry of a switch that ended with `result`; `None` for a switch that changed
/// nothing and was never started (refused, held by another, nothing to do, a read that failed).
pub fn entry(
    id: &str,
    host: &str,
    plan: &Plan,
    opts: &ExecuteOptions,
    result: &Result<Outcome, SwitchError>,
    took: Duration,
    rec: &Recorded,
) -> Option<Entry> {
    let (word, error, steps) = match result {
        Ok(o) if o.nothing_to_do.is_some() => return None,
        Ok(o) => {
            let word = if o.converged() {
                SwitchResult::Done
            } else if o
                .verification
                .as_ref()
                .is_some_and(|v| !v.unverified().is_empty())
            {
                SwitchResult::NotVerified
            } else {
                SwitchResult::NotConverged
            };
            let steps = o
                .steps
                .iter()
                .map(|s| {
                    let planned = plan.steps.get(s.index);
                    StepEntry {
                        // The plan names the call made (a fail back's own call).
                        call: planned.map_or_else(|| s.call.clone(), |p| p.call.clone()),
                        resource: s.resource.clone(),
                        result: step_result(s.result),
                        before: planned.map(|p| p.before.clone()),
                        after: planned.map(|p| p.after.clone()),
                        at: Some(s.at),
                    }
                })
                .collect();
            (word, None, steps)
        }
        Err(e) => {
            let word = match e {
                SwitchError::StepFailed { .. } => SwitchResult::Failed,
                SwitchError::Stopped(_) => SwitchResult::Stopped,
                SwitchError::Cancelled(_) => SwitchResult::Cancelled,
                SwitchError::JournalWrite { .. } => SwitchResult::JournalWriteFailed,
                SwitchError::Usage(_)
                | SwitchError::Read(_)
                | SwitchError::Refused(_)
                | SwitchError::Conflict(_)
                | SwitchError::NotApproved(_) => return None,
            };
            let steps = plan
                .steps
                .iter()
                .map(|s| StepEntry {
                    call: s.call.clone(),
                    resource: s.resource.clone(),
                    result: StepResult::NotRun,
                    before: Some(s.before.clone()),
                    after: Some(s.after.clone()),
                    at: None,
                })
                .collect();
            (word, Some(e.to_string()), steps)
        }
    };
    Some(Entry {
        id: id.to_string(),
        site: plan.site.clone(),
        direction: match plan.direction {
            Direction::On => history::Way::On,
            Direction::Off => history::Way::Off,
        },
        result: word,
        by: plan.caller.clone().unwrap_or_else(|| "unknown".into()),
        host: host.to_string(),
        at: time::OffsetDateTime::now_utc(),
        duration_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
        reason: opts.reason.clone(),
        error,
        steps,
        steps_omitted: 0,
        converged_at: result
            .as_ref()
            .ok()
            .and_then(|o| o.verification.as_ref())
            .filter(|v| v.converged)
            .and_then(|v| v.items.iter().filter_map(|i| i.converged_at).max()),
        insync_at: result
            .as_ref()
            .ok()
            .and_then(|o| o.verification.as_ref())
            .and_then(|v| insync_at(&v.items)),
        break_glass: opts.break_glass.clone(),
        approved_by: rec.approved_by.clone(),
        window_ends: rec.window_ends,
    })
}

/// When the last Route 53 change of a verification was seen INSYNC (`None`: no change was
/// waited for, or one never was).
pub fn insync_at(items: &[super::plan::VerifyItem]) -> Option<time::OffsetDateTime> {
    let changes: Vec<_> = items
        .iter()
        .filter(|i| i.what.starts_with("Route 53 change ") && i.what.ends_with(" INSYNC"))
        .collect();
    if changes.is_empty() {
        return None;
    }
    changes
        .iter()
        .map(|i| i.converged_at)
        .collect::<Option<Vec<_>>>()
        .and_then(|v| v.into_iter().max())
}

fn step_result(p: StepProgress) -> StepResult {
    match p {
        StepProgress::Done => StepResult::Done,
        StepProgress::Skipped => StepResult::Skipped,
        StepProgress::Failed => StepResult::Failed,
        StepProgress::RolledBack => StepResult::RolledBack,
        StepProgress::Running => StepResult::NotRun,
    }
}

fn record(site: &Site, values: Vec<String>) -> RecordSet {
    RecordSet {
        name: format!("{}.", record_name(site)),
        rtype: "TXT".into(),
        ttl: Some(Duration::from_secs(history::TTL.unsigned_abs())),
        values,
        ..RecordSet::default()
    }
}

/// What writing the history did: how many older switches were rotated out by this write.
#[derive(Debug, Default)]
pub struct Written {
    pub rotated_now: u64,
}

/// Adds `entry` to the site's history in Route 53. Another writer in between makes the exact
/// DELETE fail: the history is read again and the write retried (three tries in all).
pub async fn append(c: &Clients, site: &Site, entry: Entry) -> Result<Written, String> {
    let mut last = String::new();
    for _ in 0..3 {
        let (mut h, old) = match read(c, site).await {
            Ok(Some((h, v))) => (h, Some(v)),
            Ok(None) => (History::new(&site.name), None),
            // A record that is not a history is never overwritten.
            Err(e) => return Err(e.summary()),
        };
        let before = h.rotated_out;
        h.push(entry.clone());
        let values = h.to_txt_values()?;
        let mut batch = Vec::new();
        if let Some(old) = old {
            batch.push((RecordAction::Delete, record(site, old)));
        }
        batch.push((RecordAction::Create, record(site, values.clone())));
        match route53::change_records(
            &c.route53,
            &site.zone_id,
            &batch,
            &format!("switchyard: {} history", site.name),
        )
        .await
        {
            Ok(_) => {
                return Ok(Written {
                    rotated_now: h.rotated_out - before,
                });
            }
            Err(e) => {
                // Applied with its answer lost: the record holds what was written.
                if let Ok(Some((_, now))) = read(c, site).await
                    && now == values
                {
                    return Ok(Written {
                        rotated_now: h.rotated_out - before,
                    });
                }
                last = e.summary();
                if e.code.as_deref() != Some("InvalidChangeBatch") {
                    break;
                }
            }
        }
    }
    Err(last)
}
