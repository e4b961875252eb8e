//! The switch history: the last switches of a site (who, when, why, which way, how it ended, and
//! each step's call and resource), kept in AWS beside the journal so that every operator on every
//! machine sees the team's switches (`switchyard log`, the console's timeline). The switch engine
//! writes it at the end of every switch (`switch::history`); this module holds its types and its
//! encoding.
//!
//! It lives in a TXT record beside the journal: `_switchyard-log.<record>` for a site of every
//! record type, `_switchyard-log-aaaa.<record>` for a site of the AAAA records only. The first
//! value is a line for humans (`dig TXT`); each other value is one switch, base64 of JSON, newest
//! first. The record stays within Route 53's limits: each string at most 255 characters, and the
//! record small enough that the exact DELETE of the old values plus the CREATE of the new ones
//! fit in one change ([`HISTORY_VALUES_MAX`]). Older switches are rotated out, and the record
//! says how many were.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::journal::Scope;
use super::route53::{quote_strings, unquote_strings};

/// The history format this code writes.
pub const FORMAT: u32 = 1;
/// The TTL of the history record.
pub const TTL: i64 = 60;
/// The most characters of values the history record holds: its old values (DELETE) and its new
/// ones (CREATE) stay within Route 53's 32,000 characters per change, with room to spare.
pub const HISTORY_VALUES_MAX: usize = 15_000;
/// A value stays under Route 53's 4,000 characters.
const VALUE_MAX: usize = 3_800;
const ENTRY_PREFIX: &str = "syh1:";
const HEAD_PREFIX: &str = "syh1-head:";
/// The longest text kept for a reason or an error in one entry.
const TEXT_MAX: usize = 300;
/// The longest text kept for a step's value before or after.
pub const VALUE_TEXT_MAX: usize = 80;

/// The name of a site's history record, beside its journal record.
pub fn record_name(site_record: &str, scope: &Scope) -> String {
    let record = site_record.trim_end_matches('.').to_ascii_lowercase();
    match scope {
        Scope::Every => format!("_switchyard-log.{record}"),
        Scope::Only(t) => format!("_switchyard-log-{}.{record}", t.to_ascii_lowercase()),
    }
}

/// Which way a switch went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Into maintenance.
    On,
    /// Fail back.
    Off,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::On => "on",
            Direction::Off => "off",
        }
    }
}

/// What an entry of the history records: a switch either way, or a window's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Way {
    /// Into maintenance.
    On,
    /// Fail back.
    Off,
    /// The maintenance window's end moved later (`maintenance extend`): one journal update,
    /// no change to the site.
    Extend,
}

impl Way {
    pub fn as_str(self) -> &'static str {
        match self {
            Way::On => "on",
            Way::Off => "off",
            Way::Extend => "extend",
        }
    }

    /// The switch's direction; `None` for an extension.
    pub fn direction(self) -> Option<Direction> {
        match self {
            Way::On => Some(Direction::On),
            Way::Off => Some(Direction::Off),
            Way::Extend => None,
        }
    }
}

impl From<Direction> for Way {
    fn from(d: Direction) -> Way {
        match d {
            Direction::On => Way::On,
            Direction::Off => Way::Off,
        }
    }
}

impl PartialEq<Direction> for Way {
    fn eq(&self, d: &Direction) -> bool {
        self.direction() == Some(*d)
    }
}

/// How a switch ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SwitchResult {
    /// Every step made and verified (or not asked to verify).
    Done,
    /// Every step made; verification did not converge in time.
    NotConverged,
    /// Every step made; some condition could not be checked.
    NotVerified,
    /// A step failed (the steps before it were undone).
    Failed,
    /// Stopped between two steps by a signal.
    Stopped,
    /// Cancelled by the operator (the roll back has an entry of its own).
    Cancelled,
    /// The journal could not be written.
    JournalWriteFailed,
    /// A protected site's switch was asked for; it awaits a second person's approval.
    AwaitingApproval,
    /// Approved by another identity (`by` is the approver).
    Approved,
    /// Declined (`by` is who declined; `error` holds the comment).
    Declined,
    /// The request was withdrawn (Ctrl-C in the run that asked).
    Withdrawn,
}

impl SwitchResult {
    /// The word the audit log uses for the same result.
    pub fn as_str(self) -> &'static str {
        match self {
            SwitchResult::Done => "done",
            SwitchResult::NotConverged => "not_converged",
            SwitchResult::NotVerified => "not_verified",
            SwitchResult::Failed => "failed",
            SwitchResult::Stopped => "stopped",
            SwitchResult::Cancelled => "cancelled",
            SwitchResult::JournalWriteFailed => "journal_write_failed",
            SwitchResult::AwaitingApproval => "awaiting_approval",
            SwitchResult::Approved => "approved",
            SwitchResult::Declined => "declined",
            SwitchResult::Withdrawn => "withdrawn",
        }
    }
}

/// What happened to one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepResult {
    Done,
    Skipped,
    Failed,
    RolledBack,
    /// Not reached.
    NotRun,
}

impl StepResult {
    pub fn as_str(self) -> &'static str {
        match self {
            StepResult::Done => "done",
            StepResult::Skipped => "skipped",
            StepResult::Failed => "failed",
            StepResult::RolledBack => "rolled back",
            StepResult::NotRun => "not run",
        }
    }
}

/// One step of a switch: the AWS call and the resource it changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepEntry {
    /// `service:Operation`.
    pub call: String,
    pub resource: String,
    pub result: StepResult,
    /// The value before the call, as the plan showed it (cut to [`VALUE_TEXT_MAX`]); left out
    /// of old entries and of entries too big for one value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// The value after the call, as the plan showed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// When the step ended (the switching machine's clock).
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub at: Option<OffsetDateTime>,
}

/// One switch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Shared with the audit line of the same switch, so that `log` shows it once.
    pub id: String,
    pub site: String,
    pub direction: Way,
    pub result: SwitchResult,
    /// The caller ARN.
    pub by: String,
    pub host: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default)]
    pub steps: Vec<StepEntry>,
    /// Steps left out so that the entry fits one value.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub steps_omitted: usize,
    /// When verification saw every condition converged (the switching machine's clock).
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub converged_at: Option<OffsetDateTime>,
    /// When the last Route 53 change of the switch was seen INSYNC.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub insync_at: Option<OffsetDateTime>,
    /// Made without approval on a site that needs it (`--break-glass`): the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub break_glass: Option<String>,
    /// A protected site's switch: who approved the plan it made (the ARN the approval gate let
    /// it through with). Left out of entries written before it was kept.
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

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The record's header: how many switches were rotated out over its life.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub format: u32,
    pub site: String,
    pub rotated_out: u64,
}

/// A site's history: newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    pub site: String,
    pub entries: Vec<Entry>,
    /// Switches rotated out so far (older than every entry kept).
    pub rotated_out: u64,
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(3)).collect();
    out.push_str("...");
    out
}

fn encode_json<T: Serialize>(prefix: &str, v: &T) -> Result<String, String> {
    let json = serde_json::to_vec(v).map_err(|e| format!("cannot encode the history: {e}"))?;
    Ok(quote_strings(&format!(
        "{prefix}{}",
        URL_SAFE_NO_PAD.encode(json)
    )))
}

impl Entry {
    /// A switch's entry as most are made: who did what to which site, where and when; no
    /// steps, no reason, error, times of convergence, approval or window (set them after, or
    /// with `..Entry::new(…)`).
    pub fn new(
        id: impl Into<String>,
        site: impl Into<String>,
        direction: Way,
        result: SwitchResult,
        by: impl Into<String>,
        host: impl Into<String>,
        at: OffsetDateTime,
    ) -> Entry {
        Entry {
            id: id.into(),
            site: site.into(),
            direction,
            result,
            by: by.into(),
            host: host.into(),
            at,
            duration_ms: 0,
            reason: None,
            error: None,
            steps: Vec::new(),
            steps_omitted: 0,
            converged_at: None,
            insync_at: None,
            break_glass: None,
            approved_by: None,
            window_ends: None,
        }
    }

    /// The entry as one TXT value: texts cut, steps left out until it fits.
    fn to_value(&self) -> Result<String, String> {
        let mut e = self.clone();
        e.reason = e.reason.map(|r| cut(&r, TEXT_MAX));
        e.error = e.error.map(|r| cut(&r, TEXT_MAX));
        for s in &mut e.steps {
            s.before = s.before.take().map(|v| cut(&v, VALUE_TEXT_MAX));
            s.after = s.after.take().map(|v| cut(&v, VALUE_TEXT_MAX));
        }
        loop {
            let v = encode_json(ENTRY_PREFIX, &e)?;
            if v.len() <= VALUE_MAX || e.steps.is_empty() {
                return Ok(v);
            }
            // The values go before the steps do: every step's call and resource are kept
            // as long as they fit.
            if let Some(s) = e
                .steps
                .iter_mut()
                .rev()
                .find(|s| s.before.is_some() || s.after.is_some())
            {
                s.before = None;
                s.after = None;
                continue;
            }
            e.steps.pop();
            e.steps_omitted += 1;
        }
    }
}

impl History {
    pub fn new(site: &str) -> History {
        History {
            site: site.to_string(),
            ..History::default()
        }
    }

    /// Adds a switch as the newest entry.
    pub fn push(&mut self, entry: Entry) {
        self.entries.retain(|e| e.id != entry.id);
        self.entries.insert(0, entry);
    }

    /// The TXT values: the human line, then the newest entries that fit in
    /// [`HISTORY_VALUES_MAX`]; the entries that do not fit are dropped from `self` and counted in
    /// `rotated_out`.
    pub fn to_txt_values(&mut self) -> Result<Vec<String>, String> {
        let encoded: Vec<String> = self
            .entries
            .iter()
            .map(Entry::to_value)
            .collect::<Result<_, _>>()?;
        // Room for the two first values, whose counts may grow by a few digits.
        let mut used = 800;
        let mut keep = 0;
        for v in &encoded {
            if used + v.len() > HISTORY_VALUES_MAX {
                break;
            }
            used += v.len();
            keep += 1;
        }
        let dropped = self.entries.len() - keep;
        self.entries.truncate(keep);
        self.rotated_out += dropped as u64;
        let mut values = vec![quote_strings(&cut(&self.summary(), 250))];
        values.push(encode_json(
            HEAD_PREFIX,
            &Head {
                format: FORMAT,
                site: self.site.clone(),
                rotated_out: self.rotated_out,
            },
        )?);
        values.extend(encoded.into_iter().take(keep));
        Ok(values)
    }

    /// The human line.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "switchyard history of {}: {} switch(es)",
            self.site,
            self.entries.len()
        );
        if let Some(e) = self.entries.first() {
            s.push_str(&format!(
                ", last {} {} by {}",
                e.direction.as_str(),
                e.result.as_str(),
                e.by
            ));
        }
        if self.rotated_out > 0 {
            s.push_str(&format!("; {} older rotated out", self.rotated_out));
        }
        s
    }

    /// Reads the record's values. Values that are not history entries are refused (the record
    /// is someone else's); an entry of a newer format is refused.
    pub fn from_txt_values(values: &[String]) -> Result<History, String> {
        let mut head: Option<Head> = None;
        let mut entries = Vec::new();
        for v in values {
            let text = unquote_strings(v);
            if let Some(b) = text.strip_prefix(HEAD_PREFIX) {
                let h: Head = decode(b)?;
                if h.format != FORMAT {
                    return Err(format!(
                        "the history was written in format {} and this switchyard reads format {FORMAT}",
                        h.format
                    ));
                }
                head = Some(h);
            } else if let Some(b) = text.strip_prefix(ENTRY_PREFIX) {
                entries.push(decode::<Entry>(b)?);
            }
        }
        let head =
            head.ok_or("the record holds no switchyard history (is it from another tool?)")?;
        entries.sort_by_key(|e| std::cmp::Reverse(e.at));
        Ok(History {
            site: head.site,
            entries,
            rotated_out: head.rotated_out,
        })
    }
}

fn decode<T: serde::de::DeserializeOwned>(b64: &str) -> Result<T, String> {
    let json = URL_SAFE_NO_PAD
        .decode(b64.trim())
        .map_err(|e| format!("a history value is not base64: {e}"))?;
    serde_json::from_slice(&json).map_err(|e| format!("a history value does not read: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::route53::TXT_STRING_MAX;

    fn entry(i: u32, steps: usize) -> Entry {
        Entry {
            duration_ms: 1200,
            reason: Some(format!("window {i}: \"quoted\" and é")),
            steps: (0..steps)
                .map(|k| StepEntry {
                    call: "route53:UpdateHealthCheck".into(),
                    resource: format!("hc-{k}-0123456789abcdef"),
                    result: StepResult::Done,
                    before: None,
                    after: None,
                    at: None,
                })
                .collect(),
            ..Entry::new(
                format!("id-{i}"),
                "shop",
                if i % 2 == 0 { Way::On } else { Way::Off },
                SwitchResult::Done,
                "arn:aws:iam::123456789012:user/ana",
                "bastion-1",
                OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(i64::from(i)),
            )
        }
    }

    #[test]
    fn round_trips_newest_first() {
        let mut h = History::new("shop");
        h.push(entry(1, 2));
        h.push(entry(2, 3));
        let values = h.to_txt_values().unwrap();
        let back = History::from_txt_values(&values).unwrap();
        assert_eq!(back.entries, vec![entry(2, 3), entry(1, 2)]);
        assert_eq!(back.rotated_out, 0);
        assert!(unquote_strings(&values[0]).contains("2 switch(es), last on done"));
    }

    /// An extension and an approved switch keep their new fields; an entry written before
    /// them (no `window_ends`, no `approved_by`) still reads, without them.
    #[test]
    fn an_extension_and_an_approver_round_trip_and_older_entries_read() {
        let end = time::macros::datetime!(2026-12-01 12:30:00 UTC);
        let mut ext = entry(2, 0);
        ext.direction = Way::Extend;
        ext.window_ends = Some(end);
        let mut on = entry(1, 1);
        on.direction = Way::On;
        on.approved_by = Some("arn:aws:iam::123456789012:user/bob".into());
        on.window_ends = Some(end);
        let mut h = History::new("shop");
        h.push(on.clone());
        h.push(ext.clone());
        let back = History::from_txt_values(&h.to_txt_values().unwrap()).unwrap();
        assert_eq!(back.entries, vec![ext, on]);
        assert_eq!(back.entries[0].direction.as_str(), "extend");
        assert_eq!(back.entries[0].direction.direction(), None);
        assert!(back.entries[1].direction == Direction::On);
        let old = serde_json::json!({
            "id": "old", "site": "shop", "direction": "on", "result": "done", "by": "arn:x",
            "host": "h", "at": "2026-11-01T10:00:00Z", "duration_ms": 5, "steps": []
        });
        let e: Entry = serde_json::from_value(old).unwrap();
        assert_eq!((e.window_ends, e.approved_by), (None, None));
    }

    #[test]
    fn stays_within_route53_limits_and_rotates_the_oldest_out() {
        let mut h = History::new("shop");
        for i in 0..200 {
            h.push(entry(i, 6));
            let values = h.clone().to_txt_values().unwrap();
            let total: usize = values.iter().map(String::len).sum();
            assert!(total <= HISTORY_VALUES_MAX, "{total}");
            assert!(2 * total <= super::super::journal::CHANGE_VALUES_MAX);
            for v in &values {
                assert!(v.len() < 4000);
                for s in v.split("\" \"") {
                    assert!(s.trim_matches('"').len() <= TXT_STRING_MAX, "{s}");
                }
            }
            h = History::from_txt_values(&values).unwrap();
        }
        assert!(h.rotated_out > 0);
        assert_eq!(h.entries.len() as u64 + h.rotated_out, 200);
        assert_eq!(h.entries[0].id, "id-199", "the newest is kept");
        assert!(h.summary().contains("older rotated out"));
    }

    #[test]
    fn an_entry_too_big_for_one_value_keeps_its_first_steps() {
        let mut h = History::new("shop");
        h.push(entry(1, 80));
        let values = h.to_txt_values().unwrap();
        let back = History::from_txt_values(&values).unwrap();
        let e = &back.entries[0];
        assert!(e.steps_omitted > 0);
        assert_eq!(e.steps.len() + e.steps_omitted, 80);
        assert_eq!(e.steps[0].resource, "hc-0-0123456789abcdef");
    }

    #[test]
    fn values_are_cut_and_left_out_before_any_step_is() {
        let mut e = entry(1, 20);
        for s in &mut e.steps {
            s.before = Some("b".repeat(200));
            s.after = Some("a".repeat(200));
            s.at = Some(OffsetDateTime::UNIX_EPOCH);
        }
        let mut h = History::new("shop");
        h.push(e);
        let back = History::from_txt_values(&h.to_txt_values().unwrap()).unwrap();
        let e = &back.entries[0];
        assert_eq!(e.steps.len(), 20, "every step kept");
        assert_eq!(e.steps_omitted, 0);
        let first = e.steps[0].before.as_deref().unwrap();
        assert_eq!(first.chars().count(), VALUE_TEXT_MAX, "cut");
        assert!(
            e.steps.iter().any(|s| s.before.is_none()),
            "some values left out"
        );
        assert!(e.steps.iter().all(|s| s.at.is_some()));
    }

    #[test]
    fn a_record_of_another_tool_is_refused() {
        assert!(History::from_txt_values(&["\"v=spf1 -all\"".into()]).is_err());
    }

    #[test]
    fn names_sit_beside_the_journal() {
        assert_eq!(
            record_name("www.Example.com.", &Scope::Every),
            "_switchyard-log.www.example.com"
        );
        assert_eq!(
            record_name("www.example.com", &Scope::Only("AAAA".into())),
            "_switchyard-log-aaaa.www.example.com"
        );
    }
}
