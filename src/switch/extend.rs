//! `maintenance extend`: the end of a maintenance window moved later, as a journal update (DELETE
//! of the exact values read plus CREATE, as every journal write), so that an extension based on
//! a stale read fails instead of overwriting another operator's change.

use std::time::Duration;

use time::OffsetDateTime;

use crate::aws::client::Clients;
use crate::config::Site;
use crate::model::journal::{Phase, REASON_MAX};

use super::error::SwitchError;
use super::journal::{read_journal, update_journal};

/// A window extended: its end before and after (AWS time).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Extended {
    pub site: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_before: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// Moves the end of `site`'s window `by` later than it is (or than now, once it has ended, or
/// when the window had no end), recording `reason` and `caller` in the journal.
pub async fn extend(
    clients: &Clients,
    site: &Site,
    by: Duration,
    caller: &str,
    reason: Option<&str>,
) -> Result<Extended, SwitchError> {
    let Some((mut j, values)) = read_journal(clients, site).await? else {
        return Err(SwitchError::Conflict(format!(
            "site {} is not in maintenance (it has no journal): there is no window to extend; nothing was changed",
            site.name
        )));
    };
    if j.phase != Phase::Active || j.stopped.is_some() {
        return Err(SwitchError::Conflict(format!(
            "site {} is not in maintenance but {} (by {}): only a window in maintenance is extended; nothing was changed",
            site.name,
            match j.phase {
                Phase::AwaitingApproval => "awaiting approval to enter maintenance",
                Phase::Entering => "entering maintenance",
                Phase::Active => "stopped halfway",
                Phase::Leaving => "failing back",
            },
            j.by
        )));
    }
    let now = clients.clock.now();
    let by = time::Duration::try_from(by)
        .map_err(|e| SwitchError::Usage(format!("--for is out of range: {e}")))?;
    let from = j.expires_at.filter(|t| *t > now).unwrap_or(now);
    let before = j.expires_at;
    let end = from + by;
    j.expires_at = Some(end);
    if let Some(r) = reason {
        let r: String = r.chars().take(REASON_MAX).collect();
        j.reason = Some(match &j.reason {
            Some(old) if !old.is_empty() => {
                let both = format!("{old}; extended: {r}");
                both.chars().take(REASON_MAX).collect()
            }
            _ => format!("extended: {r}"),
        });
    }
    j.updated_by = caller.to_string();
    j.updated_host = Some(super::engine::host());
    j.updated_at = OffsetDateTime::now_utc();
    j.fits_route53()
        .map_err(|why| SwitchError::Usage(format!("{why}; nothing was changed")))?;
    update_journal(clients, site, &values, &j)
        .await
        .map_err(|e| {
            if e.code.as_deref() == Some("InvalidChangeBatch") {
                SwitchError::Conflict(format!(
                    "the journal of site {} changed since it was read (another operator): nothing was changed; read `switchyard status --site {}` and try again",
                    site.name, site.name
                ))
            } else {
                SwitchError::JournalWrite {
                    error: e,
                    detail: format!(
                        "the window of site {} was not extended; it still ends as before",
                        site.name
                    ),
                }
            }
        })?;
    Ok(Extended {
        site: site.name.clone(),
        expires_before: before,
        expires_at: end,
    })
}
