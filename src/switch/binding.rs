//! A journal is bound to its site. The journal is a TXT record that anyone who can edit the zone
//! can write, so before switchyard resumes or undoes one, every step in it must be one the
//! site's configured strategies make: the strategy is configured for the site, and the resource
//! is the one that strategy switches (as it reads the site now, or as the config names it).
//! A journal forged beside a site, or copied from beside another one, is refused with nothing
//! changed: it cannot drive a switch of another site's check, listener, alarm or record.

use crate::config::{Site, Strategy};
use crate::model::journal::{Change, Journal, Step, record_name_of};
use crate::model::site::SiteObservations;
use crate::poll::round::JournalCheck;

use super::error::SwitchError;
use super::steps;

/// Ok when `j` names the site's zone and the caller's account (when it names them: journals of
/// earlier versions do not), and every step of it is one of `site`'s strategies would make; else
/// why not.
pub(crate) fn check(
    site: &Site,
    obs: &SiteObservations,
    j: &Journal,
    account: Option<&str>,
) -> Result<(), SwitchError> {
    let problems = problems(site, obs, j, account);
    if problems.is_empty() {
        return Ok(());
    }
    Err(SwitchError::Usage(format!(
        "the maintenance journal {} is not site {}'s to resume or undo: {}; nothing was changed. \
         A journal can be written by anyone who can edit the zone; if the config changed since \
         maintenance was entered, put the strategy back as it was to fail back",
        record_name_of(&site.record, j),
        site.name,
        problems.join("; ")
    )))
}

/// The same rules for a reader (`status`, the console): `Err` says why the journal beside `site`
/// is not to be trusted, and what to do. The site then reads UNKNOWN rather than what the
/// journal claims.
pub fn check_read(site: &Site, obs: &SiteObservations, j: &Journal) -> Result<(), String> {
    let problems = problems(site, obs, j, None);
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{} does not belong to site {}: {}; switchyard will neither trust nor undo it \
         (`switchyard journal show --site {}` prints it, `journal repair` removes it)",
        record_name_of(&site.record, j),
        site.name,
        problems.join("; "),
        site.name
    ))
}

/// [`check_read`] for the poller of `status`, `wait` and the console.
pub fn for_readers() -> JournalCheck {
    JournalCheck(std::sync::Arc::new(check_read))
}

/// Why `j` is not `site`'s journal, one reason per problem; empty when it is.
pub(crate) fn problems(
    site: &Site,
    obs: &SiteObservations,
    j: &Journal,
    account: Option<&str>,
) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(zone) = &j.zone
        && zone != &site.zone_id
    {
        problems.push(format!(
            "it was written for hosted zone {zone}, not the site's {}",
            site.zone_id
        ));
    }
    if let (Some(written), Some(now)) = (&j.account, account)
        && !now.is_empty()
        && written != now
    {
        problems.push(format!(
            "it was written in account {written}, and this caller is in account {now}"
        ));
    }
    problems.extend(j.steps.iter().enumerate().filter_map(|(n, s)| {
        foreign(site, obs, s).map(|why| format!("step {} ({}): {why}", n + 1, s.call()))
    }));
    problems
}

/// Why `s` is not a step of `site`'s strategies, if it is not (a site may configure one
/// strategy more than once, e.g. a listener in each region: any of them may have made it).
fn foreign(site: &Site, obs: &SiteObservations, s: &Step) -> Option<String> {
    let candidates: Vec<&Strategy> = site
        .maintenance
        .iter()
        .filter(|st| st.name() == s.strategy)
        .collect();
    if candidates.is_empty() {
        return Some(format!(
            "strategy {} is not configured for site {}",
            s.strategy, site.name
        ));
    }
    let mut why = Vec::new();
    for strategy in candidates {
        match made_by(site, obs, strategy, s) {
            None => return None,
            Some(w) => why.push(w),
        }
    }
    why.dedup();
    Some(why.join("; "))
}

/// Why `s` is not a step `strategy` of `site` makes, if it is not.
fn made_by(site: &Site, obs: &SiteObservations, strategy: &Strategy, s: &Step) -> Option<String> {
    let built = steps::build_strategy(site, obs, strategy, "binding");
    if let Some(zone) = zone_of(&s.change)
        && zone != site.zone_id
    {
        return Some(format!(
            "it changes records in hosted zone {zone}, not the site's {}",
            site.zone_id
        ));
    }
    let names = record_names(&s.change);
    if !names.is_empty() {
        let ours: Vec<String> = std::iter::once(norm(&site.record))
            .chain(built.iter().flatten().flat_map(|b| record_names(&b.change)))
            .collect();
        return names
            .iter()
            .find(|n| !ours.contains(n))
            .map(|n| format!("it changes record {n}, which is not site {}'s", site.name));
    }
    let mut ours: Vec<String> = configured(strategy);
    if let Ok(b) = &built {
        ours.extend(b.iter().map(|b| b.resource.clone()));
    }
    if ours.iter().any(|r| r == &s.resource) {
        return None;
    }
    Some(match built {
        Err(why) => format!(
            "{} cannot be matched with the {} strategy of site {} ({why})",
            s.resource, s.strategy, site.name
        ),
        Ok(_) => format!(
            "{} is not what the {} strategy of site {} switches",
            s.resource, s.strategy, site.name
        ),
    })
}

/// The resources a strategy names in the config itself.
fn configured(strategy: &Strategy) -> Vec<String> {
    match strategy {
        Strategy::InvertHealthCheck {
            health_check: Some(id),
        } => vec![id.clone()],
        Strategy::ListenerSorry { listener, .. } | Strategy::MaintenanceRule { listener, .. } => {
            vec![listener.clone()]
        }
        Strategy::SilenceAlarms { alarms } => alarms.iter().map(|a| a.name.clone()).collect(),
        Strategy::Invalidate {
            distribution: Some(d),
            ..
        } => vec![d.clone()],
        _ => Vec::new(),
    }
}

fn zone_of(c: &Change) -> Option<&str> {
    match c {
        Change::Record { before, .. } => Some(&before.zone),
        Change::Records { before, .. } => Some(&before.zone),
        _ => None,
    }
}

/// The names of the records a change writes (before and after), normalised.
fn record_names(c: &Change) -> Vec<String> {
    let mut out: Vec<String> = match c {
        Change::Record { before, after } => {
            vec![norm(&before.record.name), norm(&after.record.name)]
        }
        Change::Records { before, after } => before
            .records
            .iter()
            .chain(&after.records)
            .map(|r| norm(&r.name))
            .collect(),
        _ => Vec::new(),
    };
    out.dedup();
    out
}

fn norm(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}
