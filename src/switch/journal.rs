//! Reading and writing a site's maintenance journal in Route 53. The journal's types and its
//! encoding are model ([`crate::model::journal`]).
//!
//! It is created with a CREATE, so that of two operators entering maintenance at once exactly one
//! wins; it is updated with DELETE of the exact current values plus CREATE in one batch, so that
//! an update based on a stale read fails instead of overwriting.

use std::time::Duration;

use crate::aws::client::Clients;
use crate::aws::route53::{self, RecordAction};
use crate::config::Site;
use crate::model::error::{AwsError, ErrorKind};
use crate::model::journal::{self, Journal};
use crate::model::route53::RecordSet;

use super::error::SwitchError;

/// The journal record of a site as Route 53 holds it, if any: the journal and its exact values.
/// The site's journal is at its own name (see [`Site::journal_record`]); a site of one record
/// type also takes a journal an earlier switchyard wrote for it at the shared name. A journal of
/// another site is refused, never resumed or undone.
pub async fn read_journal(
    clients: &Clients,
    site: &Site,
) -> Result<Option<(Journal, Vec<String>)>, SwitchError> {
    let own = read_at(clients, site, &site.journal_record()).await?;
    let legacy = match (&own, site.scope()) {
        (None, journal::Scope::Only(_)) => {
            read_at(clients, site, &journal::record_name(&site.record)).await?
        }
        _ => None,
    };
    let values_of = |found: &Option<(Journal, Vec<String>)>| found.as_ref().map(|f| f.1.clone());
    let (own_values, legacy_values) = (values_of(&own), values_of(&legacy));
    let picked = journal::pick_journal(
        own.map(|f| f.0),
        legacy.map(|f| f.0),
        &site.name,
        &site.record,
        &site.scope(),
    )
    .map_err(|e| {
        SwitchError::Conflict(format!(
            "the maintenance journal {}: {e}; nothing was changed",
            site.journal_record()
        ))
    })?;
    Ok(picked.map(|j| {
        let values = if j.scope.is_none() && site.scope() != journal::Scope::Every {
            legacy_values.or(own_values)
        } else {
            own_values.or(legacy_values)
        };
        (j, values.unwrap_or_default())
    }))
}

/// The journal an earlier switchyard wrote at the shared name of the site's record, if any.
pub(crate) async fn read_legacy(
    clients: &Clients,
    site: &Site,
) -> Result<Option<(Journal, Vec<String>)>, SwitchError> {
    read_at(clients, site, &journal::record_name(&site.record)).await
}

/// The journal at one record name, decoded.
async fn read_at(
    clients: &Clients,
    site: &Site,
    name: &str,
) -> Result<Option<(Journal, Vec<String>)>, SwitchError> {
    let at = route53::records_at(&clients.route53, &site.zone_id, &site.record, name)
        .await
        .map_err(SwitchError::Read)?;
    match at.beside {
        None => Ok(None),
        Some(values) => {
            let j = Journal::from_txt_values(&values).map_err(|e| {
                SwitchError::Usage(format!(
                    "the maintenance journal {name} cannot be read: {e}; it was not changed"
                ))
            })?;
            Ok(Some((j, values)))
        }
    }
}

/// The journal record of `j`: at the site's own name, or where an earlier switchyard wrote it.
fn journal_record(site: &Site, j: &Journal, values: Vec<String>) -> RecordSet {
    RecordSet {
        name: format!("{}.", journal::record_name_of(&site.record, j)),
        rtype: "TXT".into(),
        ttl: Some(Duration::from_secs(journal::TTL.unsigned_abs())),
        values,
        ..RecordSet::default()
    }
}

fn encode(j: &Journal) -> Result<Vec<String>, AwsError> {
    j.to_txt_values()
        .map_err(|e| AwsError::new(ErrorKind::Invalid, "route53", "ChangeResourceRecordSets", e))
}

/// Creates the journal: fails if one exists (another operator), atomically.
pub(crate) async fn create_journal(
    c: &Clients,
    site: &Site,
    j: &Journal,
) -> Result<Vec<String>, SwitchError> {
    let values = encode(j).map_err(SwitchError::Read)?;
    let result = route53::change_records(
        &c.route53,
        &site.zone_id,
        &[(
            RecordAction::Create,
            journal_record(site, j, values.clone()),
        )],
        &format!("switchyard: {} enters maintenance", site.name),
    )
    .await;
    match result {
        Ok(_) => Ok(values),
        // Applied, with its answer lost: the SDK's retry then found the record there.
        Err(_) if landed(c, site, j, Some(&values)).await => Ok(values),
        Err(e) if e.code.as_deref() == Some("InvalidChangeBatch") => {
            let who = match read_journal(c, site).await {
                Ok(Some((other, _))) => {
                    super::engine::held_text(&other.holder(), site, super::plan::Direction::On)
                }
                _ => format!(
                    "the journal record could not be created: {}; nothing was changed by this run",
                    e.summary()
                ),
            };
            Err(SwitchError::Conflict(who))
        }
        // Nothing was written (a refusal such as PriorRequestNotComplete, throttling, access):
        // said as a failed write, not as a failed read.
        Err(e) => Err(SwitchError::JournalWrite {
            error: e,
            detail: format!(
                "no journal was created and nothing was changed; run the same command for site {} again once Route 53 accepts the write",
                site.name
            ),
        }),
    }
}

/// Replaces the journal: DELETE of the exact values read or written last, CREATE of the new
/// ones, in one batch. A journal changed by someone else makes the batch fail.
pub(crate) async fn update_journal(
    c: &Clients,
    site: &Site,
    old: &[String],
    j: &Journal,
) -> Result<Vec<String>, AwsError> {
    let values = encode(j)?;
    let result = route53::change_records(
        &c.route53,
        &site.zone_id,
        &[
            (RecordAction::Delete, journal_record(site, j, old.to_vec())),
            (
                RecordAction::Create,
                journal_record(site, j, values.clone()),
            ),
        ],
        &format!("switchyard: {} journal", site.name),
    )
    .await;
    match result {
        Err(e) if !landed(c, site, j, Some(&values)).await => Err(e),
        _ => Ok(values),
    }
}

/// Whether a change of the journal whose answer was an error took effect all the same: the
/// journal record holds exactly `values` (`None`: it is gone). A call applied by Route 53 whose
/// answer was lost on the way is retried by the SDK, and the retry fails (the record to delete
/// is gone, the record to create exists): that is this run's own change, not someone else's.
async fn landed(c: &Clients, site: &Site, j: &Journal, values: Option<&Vec<String>>) -> bool {
    let name = journal::record_name_of(&site.record, j);
    match read_at(c, site, &name).await {
        Ok(found) => found.as_ref().map(|f| &f.1) == values,
        Err(_) => false,
    }
}

pub(crate) async fn delete_journal(
    c: &Clients,
    site: &Site,
    j: &Journal,
    old: &[String],
) -> Result<(), AwsError> {
    let result = route53::change_records(
        &c.route53,
        &site.zone_id,
        &[(RecordAction::Delete, journal_record(site, j, old.to_vec()))],
        &format!("switchyard: {} is live again", site.name),
    )
    .await;
    match result {
        Err(e) if !landed(c, site, j, None).await => Err(e),
        _ => Ok(()),
    }
}
