//! `switchyard journal show|repair`: the recovery procedure for a maintenance journal that cannot
//! be read, or that does not belong to its site (forged, copied, left by another config).
//!
//! `show` prints each journal record beside the site as Route 53 holds it, decoded when it can
//! be, with whether it is the site's own (the switch engine's binding rules). `repair` removes a
//! journal that cannot be read or does not belong to the site, and only such a one: a valid
//! journal is the state of a switch, finished or undone by `maintenance on|off`. The removal is
//! confirmed, conditional on the exact values read (a journal changed meanwhile is left alone),
//! and audited with those values, so that it can be put back from any machine.

use std::time::Instant;

use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use super::switch::{One, audit_path, confirm_by_name, open};
use crate::aws::route53::{self, RecordAction};
use crate::cli::OutputFormat;
use crate::cli::{GlobalArgs, JournalAction, JournalArgs, JournalRepairArgs, JournalShowArgs};
use crate::model::journal::{self, Journal};
use crate::model::route53::RecordSet;
use crate::poll::round::Depth;
use crate::switch::audit;
use crate::switch::binding;
use crate::switch::error::{SwitchError, exit};

/// Exit code of `show` for a journal that cannot be read or is not the site's: the site reads
/// UNKNOWN in `status` for the same reason.
const UNKNOWN: i32 = 14;

pub async fn run(global: &GlobalArgs, args: &JournalArgs) -> i32 {
    match &args.action {
        JournalAction::Show(a) => show(global, a).await,
        JournalAction::Repair(a) => repair(global, a).await,
    }
}

/// One journal record beside the site, and what it is.
#[derive(Debug, Serialize)]
struct Found {
    /// The record's name (without the trailing dot).
    record: String,
    zone: String,
    ttl: Option<u64>,
    /// The TXT values as Route 53 holds them.
    values: Vec<String>,
    /// `valid` (the site's own), `unreadable`, or `foreign` (not the site's).
    state: &'static str,
    /// Why it cannot be read, or why it is not the site's.
    problems: Vec<String>,
    /// The journal, decoded, when it can be.
    journal: Option<Journal>,
    #[serde(skip)]
    set: RecordSet,
}

/// Every TXT record at the site's journal names (its own, and the shared one earlier versions
/// wrote), judged.
async fn found(one: &mut One) -> Result<Vec<Found>, i32> {
    let site = one.site().clone();
    // The chain as it is now: the binding rules match each step against what the site's
    // strategies would switch.
    one.session
        .refresh_one(&site.name, &|_| Depth::Detail)
        .await;
    let obs = one.session.observations[one.site].clone();
    let account = one.caller.as_ref().map(|c| c.account.clone());
    let mut names = vec![site.journal_record()];
    let shared = journal::record_name(&site.record);
    if !names.contains(&shared) {
        names.push(shared);
    }
    let mut out = Vec::new();
    for name in names {
        let sets = route53::records_named(&one.clients().route53, &site.zone_id, &name)
            .await
            .map_err(|e| {
                say_err!(
                    "switchyard journal: the journal record {name} could not be read: {}",
                    e.summary()
                );
                SwitchError::Read(e).exit_code()
            })?;
        for set in sets.into_iter().filter(|r| r.rtype == "TXT") {
            let (state, problems, decoded) = match Journal::from_txt_values(&set.values) {
                Err(e) => ("unreadable", vec![e], None),
                Ok(j) => {
                    let mut problems = binding::problems(&site, &obs, &j, account.as_deref());
                    if j.site != site.name || !same_name(&j.record, &site.record) {
                        problems.insert(
                            0,
                            format!(
                                "it names site {} and record {}, not site {} and record {}",
                                j.site, j.record, site.name, site.record
                            ),
                        );
                    }
                    if problems.is_empty() {
                        ("valid", problems, Some(j))
                    } else {
                        ("foreign", problems, Some(j))
                    }
                }
            };
            out.push(Found {
                record: set.name.trim_end_matches('.').to_string(),
                zone: site.zone_id.clone(),
                ttl: set.ttl.map(|t| t.as_secs()),
                values: set.values.clone(),
                state,
                problems,
                journal: decoded,
                set,
            });
        }
    }
    Ok(out)
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The journal as text: its record, its state, its decoded fields, its raw values.
fn found_text(f: &Found) -> String {
    let mut out = format!("journal {} (TXT, hosted zone {})\n", f.record, f.zone);
    let state = match f.state {
        "valid" => "valid: the site's own".to_string(),
        "unreadable" => "cannot be read".to_string(),
        _ => "does not belong to this site".to_string(),
    };
    out.push_str(&format!("  state:  {state}\n"));
    for p in &f.problems {
        out.push_str(&format!("          - {p}\n"));
    }
    if let Some(j) = &f.journal {
        out.push_str(&format!(
            "  site:   {} (record {})\n  phase:  {:?}\n  by:     {} on {} at {}\n",
            j.site,
            j.record,
            j.phase,
            j.by,
            j.host,
            rfc3339(j.at)
        ));
        if let Some(r) = &j.reason {
            out.push_str(&format!("  reason: {r}\n"));
        }
        out.push_str(&format!(
            "  updated by {} at {}\n",
            j.updated_by,
            rfc3339(j.updated_at)
        ));
        if let Some(a) = &j.approval {
            out.push_str(&format!(
                "  approval: {} requested by {} at {} (AWS time), plan {}: {}\n",
                a.what(),
                a.requested_by,
                rfc3339(a.requested_at),
                crate::model::approval::short(&a.hash),
                match &a.decision {
                    None => "awaiting approval".to_string(),
                    Some(crate::model::approval::Decision::Approved { by, expires_at, .. }) => {
                        format!("approved by {by}, valid until {}", rfc3339(*expires_at))
                    }
                    Some(crate::model::approval::Decision::Declined { by, comment, .. }) => {
                        format!(
                            "declined by {by}{}",
                            comment
                                .as_ref()
                                .map(|c| format!(": {c:?}"))
                                .unwrap_or_default()
                        )
                    }
                }
            ));
        }
        if let Some(b) = &j.break_glass {
            out.push_str(&format!(
                "  BREAK-GLASS: {} without approval by {} at {}: {}\n",
                match b.direction {
                    crate::model::history::Direction::On => "maintenance on",
                    crate::model::history::Direction::Off => "fail back",
                },
                b.by,
                rfc3339(b.at),
                b.reason
            ));
        }
        for (n, s) in j.steps.iter().enumerate() {
            out.push_str(&format!(
                "  {:>2}. {} {} ({}): {:?}\n",
                n + 1,
                s.call(),
                s.resource,
                s.strategy,
                s.state
            ));
        }
    }
    out.push_str("  raw values:\n");
    for v in &f.values {
        out.push_str(&format!("    {v}\n"));
    }
    out
}

async fn show(global: &GlobalArgs, args: &JournalShowArgs) -> i32 {
    let mut one = match open(global, &args.site, "journal show").await {
        Ok(o) => o,
        Err(code) => return code,
    };
    let found = match found(&mut one).await {
        Ok(f) => f,
        Err(code) => return code,
    };
    let code = if found.iter().all(|f| f.state == "valid") {
        exit::OK
    } else {
        UNKNOWN
    };
    match args.output {
        OutputFormat::Json => {
            let v = json!({ "site": args.site, "journals": found });
            say!(
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into())
            );
        }
        OutputFormat::Table => {
            if found.is_empty() {
                say!(
                    "site {} has no maintenance journal: no switchyard switch is under way or in effect",
                    args.site
                );
            }
            for f in &found {
                say!(
                    "{}",
                    super::red_break_glass(&found_text(f), super::colour_stdout())
                );
            }
            if code != exit::OK {
                say!(
                    "`switchyard journal repair --site {}` removes what cannot be read or is not the site's (audited with its exact values).",
                    args.site
                );
            }
        }
    }
    code
}

async fn repair(global: &GlobalArgs, args: &JournalRepairArgs) -> i32 {
    let mut one = match open(global, &args.site, "journal repair").await {
        Ok(o) => o,
        Err(code) => return code,
    };
    let site = one.site().clone();
    if global.read_only || site.read_only {
        say_err!(
            "switchyard journal repair: {} is read-only: nothing is removed",
            if global.read_only {
                "this run (--read-only)".to_string()
            } else {
                format!("site {} (in the config)", site.name)
            }
        );
        return exit::USAGE;
    }
    if let Some(r) = &args.reason
        && r.chars().count() > journal::REASON_MAX
    {
        say_err!(
            "switchyard journal repair: --reason is {} characters; at most {} are kept",
            r.chars().count(),
            journal::REASON_MAX
        );
        return exit::USAGE;
    }
    let found = match found(&mut one).await {
        Ok(f) => f,
        Err(code) => return code,
    };
    let (valid, broken): (Vec<&Found>, Vec<&Found>) =
        found.iter().partition(|f| f.state == "valid");
    if broken.is_empty() {
        if valid.is_empty() {
            say!(
                "site {} has no maintenance journal: nothing to repair",
                site.name
            );
            return exit::OK;
        }
        say_err!(
            "switchyard journal repair: the journal {} of site {} is valid: it is the state of a \
             switch and is never removed by repair; `maintenance on --site {1}` finishes \
             entering maintenance, `maintenance off --site {1}` fails back",
            valid[0].record,
            site.name
        );
        return exit::USAGE;
    }
    for f in &broken {
        say!("{}", found_text(f));
    }
    say!(
        "Repair removes {} from hosted zone {} (and nothing else). Its exact values go to the \
         audit log, from which it can be put back.",
        broken
            .iter()
            .map(|f| f.record.as_str())
            .collect::<Vec<_>>()
            .join(" and "),
        site.zone_id
    );
    if let Err(code) = confirm_by_name(
        "journal repair",
        &site.name,
        "remove the journal of",
        args.yes,
    ) {
        return code;
    }
    let started = Instant::now();
    let batch: Vec<(RecordAction, RecordSet)> = broken
        .iter()
        .map(|f| (RecordAction::Delete, f.set.clone()))
        .collect();
    let result = route53::change_records(
        &one.clients().route53,
        &site.zone_id,
        &batch,
        &format!("switchyard: journal of {} repaired", site.name),
    )
    .await;
    // A DELETE of values that changed since they were read fails as a whole: someone wrote
    // the journal meanwhile.
    let (code, word, error) = match &result {
        Ok(_) => (exit::OK, "done", None),
        Err(e) if e.code.as_deref() == Some("InvalidChangeBatch") => (
            exit::CONFLICT,
            "conflict",
            Some(format!(
                "the journal changed since it was read; nothing was removed ({})",
                e.summary()
            )),
        ),
        Err(e) => (
            SwitchError::Read(e.clone()).exit_code(),
            "failed",
            Some(format!("nothing was removed: {}", e.summary())),
        ),
    };
    let entry = audit::Entry {
        time: OffsetDateTime::now_utc(),
        caller: one.caller.as_ref().map(|c| c.arn.clone()),
        account: one.caller.as_ref().map(|c| c.account.clone()),
        site: site.name.clone(),
        direction: "journal-repair".into(),
        reason: args.reason.clone(),
        forced: false,
        result: word.into(),
        error: error.clone(),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        plan: json!({
            "removed": broken.iter().map(|f| json!({
                "record": f.record,
                "zone": f.zone,
                "type": "TXT",
                "ttl": f.ttl,
                "values": f.values,
                "state": f.state,
                "problems": f.problems,
            })).collect::<Vec<_>>(),
        }),
        steps: serde_json::Value::Null,
        verification: serde_json::Value::Null,
        id: None,
        warnings: Vec::new(),
        break_glass: None,
        plan_hash: None,
        comment: None,
        approved_by: None,
        window_ends: None,
    };
    let audited = match audit_path(global, Some(&one.session.config)) {
        Some(path) => audit::append_entry(&path, &entry)
            .map(|()| path.display().to_string())
            .map_err(|e| format!("{}: {e}", path.display())),
        None => Err("no audit log path (set HOME, XDG_STATE_HOME or --audit-log)".into()),
    };
    match (&error, &audited) {
        (None, Ok(path)) => say!(
            "Removed. The values are in the audit log {path}; `switchyard status --site {}` reads the site again.",
            site.name
        ),
        (None, Err(why)) => say_err!(
            "switchyard journal repair: removed, but the audit log could not be written ({why}); the values removed are printed above"
        ),
        (Some(e), _) => say_err!("switchyard journal repair: {e}"),
    }
    if error.is_none() && audited.is_err() {
        return exit::STEP_FAILED;
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::strings::terminal_safe;

    #[test]
    fn a_journal_names_its_record_in_any_case_and_with_or_without_the_dot() {
        assert!(same_name("WWW.example.com.", "www.example.com"));
        assert!(!same_name("api.example.com", "www.example.com"));
    }

    #[test]
    fn the_text_of_an_unreadable_journal_says_so_and_shows_its_values() {
        let f = Found {
            record: "_switchyard.www.example.com".into(),
            zone: "Z1".into(),
            ttl: Some(60),
            values: vec!["\"{not a journal\"".into()],
            state: "unreadable",
            problems: vec!["the record holds no switchyard journal".into()],
            journal: None,
            set: RecordSet::default(),
        };
        let text = terminal_safe(&found_text(&f));
        assert!(text.contains("state:  cannot be read"), "{text}");
        assert!(
            text.contains("- the record holds no switchyard journal"),
            "{text}"
        );
        assert!(text.contains("\"{not a journal\""), "{text}");
    }
}
