//! The maintenance journal: a site's maintenance state, kept in AWS so that every operator on
//! every machine sees it and any of them can fail back.
//!
//! It lives in a TXT record beside the site's record, `_switchyard.<record>`. The first value is a
//! line for humans (`dig TXT _switchyard.www.example.com` says who and why); the others carry the
//! journal itself as base64 of JSON, in numbered chunks: who, when, why, which strategies, every
//! step with its state, and every original value needed to fail back.
//!
//! It is created with a CREATE, so that of two operators entering maintenance at once exactly one
//! wins; it is updated with DELETE of the exact current values plus CREATE in one batch, so that
//! an update based on a stale read fails instead of overwriting.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The journal format this code writes; older and newer ones are refused with a clear message.
pub const FORMAT: u32 = 1;
/// The TTL of the journal record.
pub const TTL: i64 = 60;
const CHUNK_PREFIX: &str = "sy1:";
/// Route 53 takes at most 255 characters per string in a TXT value.
const STRING_MAX: usize = 255;
/// Strings per value: a value stays under Route 53's 4,000 characters.
const STRINGS_PER_VALUE: usize = 14;

/// The name of a site's journal record.
pub fn record_name(site_record: &str) -> String {
    format!(
        "_switchyard.{}",
        site_record.trim_end_matches('.').to_ascii_lowercase()
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Steps toward maintenance are being carried out.
    Entering,
    /// Every step toward maintenance is done.
    Active,
    /// Failing back: steps are being undone.
    Leaving,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Not started.
    Planned,
    /// Started and not known to be done: the next run checks AWS to see whether it took effect.
    Started,
    Done,
    /// Failed back: the original value is in place again.
    Undone,
}

/// One change to AWS, with everything needed to make it and to take it back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The strategy it belongs to, by its config name.
    pub strategy: String,
    /// The AWS call, e.g. `route53:UpdateHealthCheck`.
    pub call: String,
    /// The resource it changes: an ID or ARN.
    pub resource: String,
    /// The original value, restored on fail back.
    pub before: serde_json::Value,
    /// The maintenance value.
    pub after: serde_json::Value,
    pub state: StepState,
    /// The last error, if the step failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The whole maintenance state of a site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    pub format: u32,
    pub site: String,
    pub record: String,
    /// The caller ARN of who entered maintenance.
    pub by: String,
    /// The machine it was entered from.
    pub host: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub phase: Phase,
    pub steps: Vec<Step>,
    /// Set when a switch was stopped between two steps by a signal: nobody is working on the
    /// site, so the next run need not wait for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// Who last changed the journal, and when.
    pub updated_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Journal {
    /// The human line: the first TXT value.
    pub fn summary(&self) -> String {
        let state = match self.phase {
            Phase::Entering => "entering maintenance",
            Phase::Active => "in maintenance",
            Phase::Leaving => "failing back",
        };
        let at = self
            .at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let mut s = format!(
            "switchyard: {} {state} since {at} by {}",
            self.site, self.by
        );
        if let Some(r) = &self.reason {
            s.push_str(": ");
            s.push_str(r);
        }
        s
    }

    /// The strategies of the journal, in order, without repeats.
    pub fn strategies(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in &self.steps {
            if !out.contains(&s.strategy) {
                out.push(s.strategy.clone());
            }
        }
        out
    }

    pub fn done_steps(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.state == StepState::Done)
            .count()
    }

    /// What the model needs to know of the journal.
    pub fn marker(&self) -> crate::model::maintenance::MaintenanceMarker {
        use crate::model::maintenance::{MaintenanceMarker, MaintenancePhase};
        MaintenanceMarker {
            by: self.by.clone(),
            at: self.at,
            reason: self.reason.clone(),
            strategies: self.strategies(),
            phase: match self.phase {
                Phase::Entering => MaintenancePhase::Entering,
                Phase::Active => MaintenancePhase::Active,
                Phase::Leaving => MaintenancePhase::Leaving,
            },
            done_steps: self.done_steps(),
            total_steps: self.steps.len(),
        }
    }

    /// Encodes the journal as TXT record values, each already quoted for Route 53.
    pub fn to_txt_values(&self) -> Result<Vec<String>, String> {
        let json =
            serde_json::to_vec(self).map_err(|e| format!("cannot encode the journal: {e}"))?;
        let payload = URL_SAFE_NO_PAD.encode(json);
        let per_value = STRING_MAX * STRINGS_PER_VALUE - 16;
        let chunks: Vec<&str> = payload
            .as_bytes()
            .chunks(per_value)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        let n = chunks.len();
        let mut values = vec![quote_strings(&truncate(&self.summary(), 3 * STRING_MAX))];
        for (i, chunk) in chunks.iter().enumerate() {
            values.push(quote_strings(&format!(
                "{CHUNK_PREFIX}{}/{n}:{chunk}",
                i + 1
            )));
        }
        Ok(values)
    }

    /// Reads a journal back from the TXT values of its record, in any order.
    pub fn from_txt_values(values: &[String]) -> Result<Journal, String> {
        let mut chunks: Vec<(usize, usize, String)> = Vec::new();
        for v in values {
            let text = unquote_strings(v);
            let Some(rest) = text.strip_prefix(CHUNK_PREFIX) else {
                continue;
            };
            let (head, data) = rest
                .split_once(':')
                .ok_or("a journal chunk has no header")?;
            let (i, n) = head
                .split_once('/')
                .ok_or("a journal chunk header is not i/n")?;
            let i: usize = i
                .parse()
                .map_err(|_| "a journal chunk index is not a number")?;
            let n: usize = n
                .parse()
                .map_err(|_| "a journal chunk count is not a number")?;
            chunks.push((i, n, data.to_string()));
        }
        if chunks.is_empty() {
            return Err("the record holds no switchyard journal (is it from another tool?)".into());
        }
        chunks.sort_by_key(|c| c.0);
        let n = chunks[0].1;
        if chunks.len() != n
            || chunks
                .iter()
                .enumerate()
                .any(|(k, c)| c.0 != k + 1 || c.1 != n)
        {
            return Err(format!(
                "the journal is incomplete: {} of {n} chunks",
                chunks.len()
            ));
        }
        let payload: String = chunks.into_iter().map(|c| c.2).collect();
        let json = URL_SAFE_NO_PAD
            .decode(payload.as_bytes())
            .map_err(|e| format!("the journal is not valid base64: {e}"))?;
        let probe: serde_json::Value = serde_json::from_slice(&json)
            .map_err(|e| format!("the journal is not valid JSON: {e}"))?;
        let format = probe
            .get("format")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        if format != u64::from(FORMAT) {
            return Err(format!(
                "the journal was written in format {format} and this switchyard reads format {FORMAT}: use the switchyard version that wrote it"
            ));
        }
        serde_json::from_value(probe)
            .map_err(|e| format!("the journal does not read as a journal: {e}"))
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max - 1).collect::<String>() + "…"
    }
}

/// Splits text into quoted strings of at most 255 characters, escaping quotes and backslashes.
pub fn quote_strings(text: &str) -> String {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut len = 0;
    for c in text.chars() {
        let escaped = match c {
            '"' => "\\\"".to_string(),
            '\\' => "\\\\".to_string(),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                // Route 53 keeps printable ASCII; other characters as octal escapes of their UTF-8.
                let mut buf = [0u8; 4];
                c.encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("\\{b:03o}"))
                    .collect()
            }
            c => c.to_string(),
        };
        // The limit counts the characters of the string once unescaped.
        let units = if escaped.starts_with('\\') && escaped.len() > 2 {
            escaped.len() / 4
        } else {
            1
        };
        if len + units > STRING_MAX {
            parts.push(std::mem::take(&mut current));
            len = 0;
        }
        current.push_str(&escaped);
        len += units;
    }
    parts.push(current);
    parts
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Joins the quoted strings of a TXT value, undoing the escapes.
pub fn unquote_strings(value: &str) -> String {
    let mut out = Vec::new();
    let mut in_string = false;
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !in_string {
            if b == b'"' {
                in_string = true;
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = false,
            b'\\' if i + 3 < bytes.len() && bytes[i + 1..i + 4].iter().all(u8::is_ascii_digit) => {
                let code = std::str::from_utf8(&bytes[i + 1..i + 4])
                    .ok()
                    .and_then(|s| u8::from_str_radix(s, 8).ok());
                out.push(code.unwrap_or(b'?'));
                i += 3;
            }
            b'\\' if i + 1 < bytes.len() => {
                out.push(bytes[i + 1]);
                i += 1;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal(reason: &str, steps: usize) -> Journal {
        let at = OffsetDateTime::from_unix_timestamp(1_795_312_800).unwrap();
        Journal {
            format: FORMAT,
            site: "shop".into(),
            record: "www.example.com".into(),
            by: "arn:aws:sts::123456789012:assumed-role/OpsAdmin/night-shift".into(),
            host: "bastion-1".into(),
            at,
            reason: Some(reason.into()),
            phase: Phase::Active,
            steps: (0..steps)
                .map(|i| Step {
                    strategy: "elb-listener-sorry".into(),
                    call: "elasticloadbalancing:ModifyListener".into(),
                    resource: format!("arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop/0123456789abcdef/{i:016x}"),
                    before: serde_json::json!({"Type": "forward", "TargetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-app/0123456789abcdef", "Order": 1}),
                    after: serde_json::json!({"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503", "ContentType": "text/html", "MessageBody": "<h1>back soon</h1>"}}),
                    state: StepState::Done,
                    error: None,
                })
                .collect(),
            stopped: None,
            updated_by: "arn:aws:sts::123456789012:assumed-role/OpsAdmin/night-shift".into(),
            updated_at: at,
        }
    }

    #[test]
    fn a_journal_survives_the_txt_record() {
        let j = journal("DB migration \"v42\" — ticket OPS-1234", 3);
        let values = j.to_txt_values().unwrap();
        assert!(values[0].starts_with("\"switchyard: shop in maintenance since 2026-11-22T02:00:00Z by arn:aws:sts::123456789012:assumed-role/OpsAdmin/night-shift: DB migration \\\"v42\\\""));
        let mut shuffled = values.clone();
        shuffled.reverse();
        assert_eq!(Journal::from_txt_values(&shuffled).unwrap(), j);
    }

    #[test]
    fn a_large_journal_is_split_into_values_within_route53_limits() {
        let j = journal("big", 40);
        let values = j.to_txt_values().unwrap();
        assert!(values.len() > 2, "{} values", values.len());
        for v in &values {
            assert!(v.len() <= 4000, "value of {} characters", v.len());
            for s in v.split("\" \"") {
                assert!(s.trim_matches('"').len() <= 255);
            }
        }
        assert_eq!(Journal::from_txt_values(&values).unwrap(), j);
    }

    #[test]
    fn damaged_journals_say_what_is_wrong() {
        let values = journal("x", 40).to_txt_values().unwrap();
        let missing: Vec<String> = values
            .iter()
            .filter(|v| !v.contains("sy1:2/"))
            .cloned()
            .collect();
        assert!(
            Journal::from_txt_values(&missing)
                .unwrap_err()
                .contains("incomplete")
        );
        assert!(
            Journal::from_txt_values(&["\"v=spf1 -all\"".into()])
                .unwrap_err()
                .contains("no switchyard journal")
        );
        assert!(
            Journal::from_txt_values(&["\"sy1:1/1:!!!\"".into()])
                .unwrap_err()
                .contains("base64")
        );
        let future = URL_SAFE_NO_PAD.encode(br#"{"format":9}"#);
        let err = Journal::from_txt_values(&[format!("\"sy1:1/1:{future}\"")]).unwrap_err();
        assert!(err.contains("format 9"), "{err}");
    }

    #[test]
    fn quoting_round_trips_any_text() {
        for text in [
            "plain",
            "with \"quotes\" and \\ backslash",
            "naïve ☕ café",
            &"x".repeat(600),
        ] {
            assert_eq!(unquote_strings(&quote_strings(text)), text);
        }
        assert_eq!(
            record_name("WWW.Example.com."),
            "_switchyard.www.example.com"
        );
    }
}
