//! The report of a maintenance window (`switchyard report`, and `rehearse --save` when the
//! rehearsal stops): who, why, approver; every step with its AWS call and its values before and
//! after; a timeline chart of the chain; the measured times; and the final state compared with
//! the state before the window, field by field. As Markdown for the change ticket
//! ([`markdown`]) and as one self-contained HTML file ([`html`]).
//!
//! Everything here is pure: the command reads the sources (the AWS history, this machine's
//! audit log, its events) and hands them over as [`Switch`]es and [`Observed`] changes. The
//! chart's lanes are whatever components the sources name, so a new kind of event (a client
//! probe, say) gets its lane without a change here.

pub mod chart;
pub mod html;
pub mod markdown;

use std::collections::BTreeMap;
use std::time::Duration;

use time::OffsetDateTime;

/// One source of the report and whether it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceNote {
    /// What it is, in words: "the AWS history", "this machine's audit log", "this machine's
    /// events".
    pub name: String,
    /// Where: a record name or a path.
    pub from: String,
    pub state: Availability,
}

/// Whether a source was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Availability {
    /// Read; how many of its entries belong to the window.
    Read { in_window: usize },
    /// Not on this machine (no such file): a report made elsewhere than the switch's machine.
    NotAvailable(String),
    /// There, but it could not be read: the report is incomplete.
    Unreadable(String),
}

impl SourceNote {
    /// `read (3 entries in the window)`, `not available: ...`, `COULD NOT BE READ: ...`.
    pub fn describe(&self) -> String {
        match &self.state {
            Availability::Read { in_window: 1 } => "read (1 entry in the window)".into(),
            Availability::Read { in_window } => {
                format!("read ({in_window} entries in the window)")
            }
            Availability::NotAvailable(why) => format!("not available: {why}"),
            Availability::Unreadable(why) => format!("COULD NOT BE READ: {why}"),
        }
    }
}

/// One step of a switch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// `service:Operation`.
    pub call: String,
    pub resource: String,
    /// The value before the call, as the plan showed it (`None`: the source does not hold it).
    pub before: Option<String>,
    pub after: Option<String>,
    /// `done`, `skipped`, `failed`, `rolled back`, `not run`.
    pub result: String,
    /// When it ended.
    pub at: Option<OffsetDateTime>,
}

/// One switch (or extension) of the site, merged from the sources that hold it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Switch {
    pub id: Option<String>,
    /// `on`, `off`, `extend`, ...
    pub direction: String,
    /// `done`, `failed`, `refused`, ...
    pub result: String,
    pub by: Option<String>,
    pub host: Option<String>,
    pub reason: Option<String>,
    /// Who approved it, when a source records it.
    pub approver: Option<String>,
    /// A break-glass override and its reason, when a source records one.
    pub break_glass: Option<String>,
    /// The decision: when the operator confirmed (the switch's start).
    pub decided: OffsetDateTime,
    /// When it ended.
    pub ended: OffsetDateTime,
    pub steps: Vec<Step>,
    /// Steps the AWS history left out to fit.
    pub steps_omitted: usize,
    /// When the last Route 53 change was seen INSYNC (`None`: none waited for, or not recorded).
    pub insync_at: Option<OffsetDateTime>,
    /// Whether the verification waited for a Route 53 change (`None`: not recorded).
    pub waited_for_change: Option<bool>,
    /// When verification saw every condition converged.
    pub converged_at: Option<OffsetDateTime>,
    pub error: Option<String>,
    /// An extension's new end.
    pub window_ends: Option<String>,
    /// Which sources hold it: `aws`, `local`.
    pub sources: Vec<&'static str>,
}

impl Switch {
    /// It changed something in AWS (a step done).
    pub fn changed(&self) -> bool {
        self.steps.iter().any(|s| s.result == "done")
    }

    /// What a switch's window end is: the end an entry set, or an extension's new end.
    pub fn window_words(&self) -> &'static str {
        if self.direction == "extend" {
            "The window now ends at"
        } else {
            "The window ends at"
        }
    }

    /// What a switch without steps did: an extension wrote the journal only.
    pub fn no_steps_words(&self) -> &'static str {
        if self.direction == "extend" {
            "One journal update (route53:ChangeResourceRecordSets on the site's journal): no change to the site."
        } else {
            "No AWS call."
        }
    }

    /// "enter maintenance", "fail back", or the direction as recorded; an approval event says
    /// what it was ("approve: enter maintenance"), so that its caller (the approver, say) never
    /// reads as who made the switch.
    pub fn verb(&self) -> String {
        let base = match self.direction.as_str() {
            "on" => "enter maintenance".to_string(),
            "off" => "fail back".to_string(),
            "extend" => "extend the window".to_string(),
            other => other.replace(['-', '_'], " "),
        };
        match self.result.as_str() {
            "awaiting_approval" => format!("ask approval: {base}"),
            "approved" => format!("approve: {base}"),
            "declined" => format!("decline: {base}"),
            "withdrawn" => format!("withdraw the request: {base}"),
            _ => base,
        }
    }
}

/// How a state reads: what the chart colours it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tone {
    /// The app is served, healthy, enabled: as in normal operation.
    Normal,
    /// The sorry page is served, or switchyard's maintenance value.
    Sorry,
    /// Unhealthy, in alarm, failed.
    Bad,
    /// Changing, pending, not known.
    Pending,
}

impl Tone {
    /// The CSS class and legend word.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Normal => "normal",
            Tone::Sorry => "sorry",
            Tone::Bad => "bad",
            Tone::Pending => "pending",
        }
    }

    /// A state's tone from its words.
    pub fn of(state: &str) -> Tone {
        let s = state.to_ascii_lowercase();
        let has = |w: &[&str]| w.iter().any(|x| s.contains(x));
        if has(&[
            "sorry",
            "secondary",
            "maintenance",
            "inverted=true",
            "disabled",
        ]) {
            Tone::Sorry
        } else if has(&[
            "unhealthy",
            "alarm",
            "fail",
            "down",
            "error",
            "timeout",
            "refused",
        ]) && !s.starts_with("ok")
        {
            Tone::Bad
        } else if has(&[
            "not verified",
            "not observed",
            "not recorded",
            "pending",
            "progress",
            "insufficient",
            "initial",
            "draining",
            "unknown",
            "switching",
            "not registered",
            "unused",
        ]) {
            Tone::Pending
        } else {
            Tone::Normal
        }
    }
}

/// One observed change of a component of the chain, from the events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observed {
    pub at: OffsetDateTime,
    /// The component: the chart's lane ("health check 0b6f2e4a…", "DNS answer", "client probe").
    pub lane: String,
    /// The lane's group, for ordering: "DNS answer", "health checks", "alarms", ...
    pub group: String,
    /// The state before, when the event says it.
    pub from: Option<String>,
    /// The state after.
    pub to: String,
    pub tone: Tone,
    pub message: String,
    /// A client probe: what a client got (the sorry page or the app).
    pub probe: bool,
    /// `events` (this machine's events) or `verification` (a switch's verification, as it saw
    /// the condition converge: no state before it).
    pub source: &'static str,
}

/// Which window to report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// The last maintenance window: from entering maintenance to the fail back that followed,
    /// or to now while still in maintenance.
    Last,
    /// From this time to now.
    Since(OffsetDateTime),
}

/// The window's bounds, and whether it is still open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
    /// Still in maintenance at `end` (now).
    pub open: bool,
}

/// The bounds of the selected window among `switches` (any order), `None` when there is none.
pub fn bounds(switches: &[Switch], selection: Selection, now: OffsetDateTime) -> Option<Bounds> {
    let mut sorted: Vec<&Switch> = switches.iter().collect();
    sorted.sort_by_key(|s| s.decided);
    match selection {
        Selection::Since(t) => {
            let open = sorted
                .iter()
                .rev()
                .find(|s| s.changed() && (s.direction == "on" || s.direction == "off"))
                .is_some_and(|s| s.direction == "on");
            Some(Bounds {
                start: t,
                end: now,
                open,
            })
        }
        Selection::Last => {
            let on = sorted
                .iter()
                .rposition(|s| s.direction == "on" && s.changed())?;
            let back = sorted[on + 1..]
                .iter()
                .find(|s| s.direction == "off" && s.changed());
            Some(Bounds {
                start: sorted[on].decided,
                end: back.map_or(now, |s| s.ended.max(s.converged_at.unwrap_or(s.ended))),
                open: back.is_none(),
            })
        }
    }
}

/// The report of one window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub site: String,
    pub record: String,
    pub bounds: Bounds,
    /// The switches in the window, oldest first.
    pub switches: Vec<Switch>,
    /// The chain's changes, from a little before the window to its end, oldest first.
    pub observed: Vec<Observed>,
    pub sources: Vec<SourceNote>,
    pub made_at: OffsetDateTime,
    /// The machine the report was made on.
    pub made_on: String,
    /// A rehearsal's window (on a copy, never production).
    pub rehearsal: bool,
}

impl Window {
    /// Every source was read (those absent from this machine aside).
    pub fn complete(&self) -> bool {
        !self
            .sources
            .iter()
            .any(|s| matches!(s.state, Availability::Unreadable(_)))
    }

    /// The switch that entered maintenance, and the fail back.
    fn enter_and_back(&self) -> (Option<&Switch>, Option<&Switch>) {
        let on = self
            .switches
            .iter()
            .find(|s| s.direction == "on" && s.changed());
        let back = self
            .switches
            .iter()
            .rev()
            .find(|s| s.direction == "off" && s.changed());
        (on, back)
    }

    /// Who, why and the approver, one line each, from the switches of the window.
    pub fn people(&self) -> People {
        let mut by = Vec::new();
        let mut why = Vec::new();
        let mut approvers = Vec::new();
        let mut break_glass = Vec::new();
        for s in &self.switches {
            let who = match (&s.by, &s.host) {
                (Some(b), Some(h)) => format!("{b} on {h}"),
                (Some(b), None) => b.clone(),
                (None, Some(h)) => format!("unknown caller on {h}"),
                (None, None) => "unknown caller".into(),
            };
            by.push((s.verb(), who));
            if let Some(r) = &s.reason {
                why.push((s.verb(), r.clone()));
            }
            if let Some(a) = &s.approver {
                approvers.push((s.verb(), a.clone()));
            }
            if let Some(b) = &s.break_glass {
                break_glass.push((s.verb(), b.clone()));
            }
        }
        People {
            by,
            why,
            approvers,
            break_glass,
        }
    }

    /// The measured times, in order.
    pub fn measures(&self) -> Vec<Measure> {
        let (on, back) = self.enter_and_back();
        let mut out = Vec::new();
        let probes: Vec<&Observed> = self.observed.iter().filter(|o| o.probe).collect();
        for (switch, sees, tone, when) in [
            (on, "clients see the sorry page", Tone::Sorry, "entering"),
            (back, "clients see the app again", Tone::Normal, "fail back"),
        ] {
            let Some(s) = switch else {
                out.push(Measure {
                    label: format!("{when}: decision to first change"),
                    value: Err(if when == "entering" {
                        "no switch into maintenance in the window".into()
                    } else if self.bounds.open {
                        "not failed back yet: the site is still in maintenance".into()
                    } else {
                        "no fail back in the window".into()
                    }),
                });
                continue;
            };
            let from = s.decided;
            let first = s
                .steps
                .iter()
                .filter(|st| st.result == "done")
                .filter_map(|st| st.at)
                .min();
            out.push(Measure {
                label: format!("{when}: decision (confirmation) to first change"),
                value: first
                    .map(|t| span(from, t))
                    .ok_or_else(|| "not measured: the sources hold no step times".into()),
            });
            out.push(Measure {
                label: format!("{when}: decision to Route 53 change INSYNC"),
                value: match (s.insync_at, s.waited_for_change) {
                    (Some(t), _) => Ok(span(from, t)),
                    (None, Some(false)) => Err(
                        "not applicable: the switch made no Route 53 record change to wait for"
                            .into(),
                    ),
                    (None, _) => Err(
                        "not measured: no verification recorded (run without --wait, or a source \
                         that does not keep it)"
                            .into(),
                    ),
                },
            });
            out.push(Measure {
                label: format!("{when}: decision to every change verified"),
                value: s.converged_at.map(|t| span(from, t)).ok_or_else(|| {
                    "not measured: the switch was not verified (no --wait), or did not converge"
                        .into()
                }),
            });
            let seen = probes
                .iter()
                .find(|p| p.at >= from && p.tone == tone)
                .map(|p| span(from, p.at));
            out.push(Measure {
                label: format!("{when}: decision to {sees}"),
                value: match (seen, probes.is_empty()) {
                    (Some(d), _) => Ok(d),
                    (None, true) => Err("not measured: no probe".into()),
                    (None, false) => Err("not seen by the probe in the window".into()),
                },
            });
        }
        out.push(Measure {
            label: if self.bounds.open {
                "window so far (still in maintenance)".into()
            } else {
                "window: entering to fail back verified".into()
            },
            value: Ok(span(self.bounds.start, self.bounds.end)),
        });
        out
    }

    /// The final state compared with the state before the window, field by field.
    pub fn comparison(&self) -> Comparison {
        let (on, back) = self.enter_and_back();
        let Some(on) = on else {
            return Comparison::NotComparable(
                "no switch into maintenance in the window: nothing to compare".into(),
            );
        };
        if back.is_none() {
            return Comparison::NotComparable(
                "the site is still in maintenance: there is no final state yet".into(),
            );
        }
        let mut fields: Vec<Field> = Vec::new();
        // Each resource the window changed: its value before the first change, and after the
        // last change of the fail back.
        let mut order: Vec<String> = Vec::new();
        let mut before: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
        for st in on.steps.iter().filter(|s| s.result == "done") {
            if !before.contains_key(&st.resource) {
                order.push(st.resource.clone());
                before.insert(st.resource.clone(), (st.call.clone(), st.before.clone()));
            }
        }
        let mut last: BTreeMap<String, Option<String>> = BTreeMap::new();
        for s in self
            .switches
            .iter()
            .filter(|s| s.decided > on.decided && s.changed())
        {
            for st in s.steps.iter().filter(|s| s.result == "done") {
                last.insert(st.resource.clone(), st.after.clone());
            }
        }
        for r in order {
            let Some((call, was)) = before.get(&r) else {
                continue;
            };
            let now = last.get(&r);
            let (was_text, now_text, same) = match (was, now) {
                (Some(w), Some(Some(n))) => {
                    let same = normalise(w) == normalise(n);
                    (w.clone(), n.clone(), Some(same))
                }
                (_, None) if call.ends_with("CreateInvalidation") => (
                    was.clone().unwrap_or_else(|| "(none)".into()),
                    "an invalidation: nothing to restore".into(),
                    Some(true),
                ),
                (_, None) => (
                    was.clone().unwrap_or_else(|| "not recorded".into()),
                    "not changed back: no step after entering names it".into(),
                    Some(false),
                ),
                _ => (
                    was.clone().unwrap_or_else(|| "not recorded".into()),
                    now.cloned()
                        .flatten()
                        .unwrap_or_else(|| "not recorded".into()),
                    None,
                ),
            };
            fields.push(Field {
                what: format!("{r} ({call})"),
                before: was_text,
                after: now_text,
                same,
                source: "steps",
            });
        }
        // The chain as the events saw it: each lane before the window and at its end.
        let mut lanes: Vec<String> = Vec::new();
        for o in &self.observed {
            if !lanes.contains(&o.lane) && !o.probe && o.source == "events" {
                lanes.push(o.lane.clone());
            }
        }
        for lane in lanes {
            let of_lane: Vec<&Observed> = self.observed.iter().filter(|o| o.lane == lane).collect();
            let was = of_lane
                .iter()
                .rev()
                .find(|o| o.at < self.bounds.start)
                .map(|o| o.to.clone())
                .or_else(|| of_lane.first().and_then(|o| o.from.clone()));
            // The events lag behind the switch (a console polls): the state they last saw,
            // after the window too, is the one compared, and when it was seen is said.
            let Some(last) = of_lane.last() else {
                continue;
            };
            let Some(was) = was else {
                continue;
            };
            fields.push(Field {
                same: Some(was == last.to),
                what: lane,
                before: was,
                after: format!("{} (last seen {})", last.to, utc(last.at)),
                source: "events",
            });
        }
        if fields.iter().any(|f| f.same == Some(false)) {
            Comparison::Differs(fields)
        } else if fields.iter().any(|f| f.same.is_none()) || fields.is_empty() {
            Comparison::Unknown(fields)
        } else {
            Comparison::Identical(fields)
        }
    }
}

/// A value as compared: the health check version AWS bumps on every update left out.
fn normalise(v: &str) -> String {
    match v.find(" (HealthCheckVersion ") {
        Some(i) if v.ends_with(')') => v[..i].to_string(),
        _ => v.to_string(),
    }
}

fn span(from: OffsetDateTime, to: OffsetDateTime) -> Duration {
    Duration::try_from(to - from).unwrap_or_default()
}

/// Who, why and the approver of each switch: (the switch's verb, the text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct People {
    pub by: Vec<(String, String)>,
    pub why: Vec<(String, String)>,
    pub approvers: Vec<(String, String)>,
    pub break_glass: Vec<(String, String)>,
}

/// One measured time, or why it was not measured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measure {
    pub label: String,
    pub value: Result<Duration, String>,
}

impl Measure {
    /// `3.2 s`, `2 min 5 s`, or the reason it was not measured.
    pub fn text(&self) -> String {
        match &self.value {
            Ok(d) => duration_text(*d),
            Err(why) => why.clone(),
        }
    }
}

/// A duration for people: `0.4 s`, `12.3 s`, `2 min 5 s`, `1 h 4 min`.
pub fn duration_text(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 60_000 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        let s = d.as_secs();
        if s < 3600 {
            format!("{} min {} s", s / 60, s % 60)
        } else {
            format!("{} h {} min", s / 3600, s / 60 % 60)
        }
    }
}

/// One field compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub what: String,
    pub before: String,
    pub after: String,
    /// `None`: a value is not recorded, so it could not be compared.
    pub same: Option<bool>,
    /// `steps` (the values the switches recorded) or `events` (the chain as observed).
    pub source: &'static str,
}

/// The final state against the state before the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// Every field as before.
    Identical(Vec<Field>),
    /// Some field differs.
    Differs(Vec<Field>),
    /// Some field could not be compared (a value not recorded), none differs.
    Unknown(Vec<Field>),
    /// No final state (still in maintenance) or nothing to compare.
    NotComparable(String),
}

impl Comparison {
    /// The verdict in a few words.
    pub fn headline(&self) -> String {
        match self {
            Comparison::Identical(_) => {
                "identical: every field is as it was before the window".into()
            }
            Comparison::Differs(f) => format!(
                "DIFFERENT: {} field(s) differ from the state before the window",
                f.iter().filter(|f| f.same == Some(false)).count()
            ),
            Comparison::Unknown(f) if f.is_empty() => {
                "not compared: the sources hold no values to compare".into()
            }
            Comparison::Unknown(f) => format!(
                "not fully compared: {} field(s) lack a recorded value; the others are identical",
                f.iter().filter(|f| f.same.is_none()).count()
            ),
            Comparison::NotComparable(why) => format!("not compared: {why}"),
        }
    }

    pub fn fields(&self) -> &[Field] {
        match self {
            Comparison::Identical(f) | Comparison::Differs(f) | Comparison::Unknown(f) => f,
            Comparison::NotComparable(_) => &[],
        }
    }
}

/// A time as the report shows it: `2026-12-01 10:33:47 UTC`.
pub fn utc(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The file name stem: `<site>-<start>` with the start as `20261201T103347Z`, and every
/// character a file name should not hold replaced.
pub fn file_stem(site: &str, start: OffsetDateTime) -> String {
    let t = start.to_offset(time::UtcOffset::UTC);
    let safe: String = site
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{}-{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        safe.trim_start_matches('.'),
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests;
