//! The timeline chart of a window, laid out in time (no drawing): one lane per component the
//! sources name, each a row of state bands, and the switches' markers in order.

use time::OffsetDateTime;

use super::{Observed, Tone, Window};

/// A state over a span of time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
    pub state: String,
    pub tone: Tone,
}

/// One component's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lane {
    pub label: String,
    /// `events` (observed by a console) or `steps` (the values the switches set).
    pub source: &'static str,
    pub segments: Vec<Segment>,
}

/// What a marker marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerKind {
    /// The operator's confirmation of a switch.
    Decision,
    /// A step done.
    Step,
    /// Every Route 53 change INSYNC.
    Insync,
    /// Every change verified.
    Verified,
}

impl MarkerKind {
    pub fn class(self) -> &'static str {
        match self {
            MarkerKind::Decision => "decision",
            MarkerKind::Step => "step",
            MarkerKind::Insync => "insync",
            MarkerKind::Verified => "verified",
        }
    }
}

/// A moment on the time axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    /// Steps: 1, 2, 3 ... across the window, in the order they ran; others 0.
    pub order: usize,
    pub at: OffsetDateTime,
    pub kind: MarkerKind,
    pub label: String,
}

/// The chart: its time span, its lanes, its markers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chart {
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
    pub lanes: Vec<Lane>,
    pub markers: Vec<Marker>,
}

/// The order of the lanes' groups, the chain from the client inwards; other groups after.
const GROUPS: &[&str] = &[
    "client probe",
    "DNS answer",
    "Route 53 changes",
    "health checks",
    "alarms",
    "listeners",
    "targets",
    "CloudFront",
    "verdict",
];

fn group_rank(g: &str) -> usize {
    GROUPS.iter().position(|x| *x == g).unwrap_or(GROUPS.len())
}

/// The chart of a window.
pub fn chart(w: &Window) -> Chart {
    let (start, end) = (w.bounds.start, w.bounds.end);
    let mut first = start;
    let mut last = end;
    for s in &w.switches {
        first = first.min(s.decided);
        last = last.max(s.ended);
    }
    // The chain settles after the last switch: what was seen of it is shown.
    for o in w.observed.iter().filter(|o| o.at >= start) {
        last = last.max(o.at);
    }
    let len = (last - first).max(time::Duration::seconds(10));
    let pad = len / 20;
    let from = first - pad;
    let to = last + pad;

    let mut lanes = Vec::new();
    // The chain as observed, lane by lane.
    let mut names: Vec<(&str, &str, &'static str)> = Vec::new();
    for o in &w.observed {
        if !names.iter().any(|(l, _, _)| *l == o.lane) {
            names.push((&o.lane, &o.group, o.source));
        }
    }
    names.sort_by_key(|(_, g, _)| group_rank(g));
    for (name, _, source) in names {
        let of: Vec<&Observed> = w.observed.iter().filter(|o| o.lane == name).collect();
        let mut segments = Vec::new();
        let mut at = from;
        // The state at the chart's start: the last change before it, else the first
        // change's own "before".
        let mut state = of
            .iter()
            .rev()
            .find(|o| o.at <= from)
            .map(|o| o.to.clone())
            .or_else(|| of.first().and_then(|o| o.from.clone()))
            .unwrap_or_else(|| {
                if source == "verification" {
                    "not verified yet".into()
                } else {
                    "not observed".into()
                }
            });
        let mut tone = of
            .iter()
            .rev()
            .find(|o| o.at <= from)
            .map_or_else(|| Tone::of(&state), |o| o.tone);
        for o in of.iter().filter(|o| o.at > from && o.at < to) {
            push(&mut segments, at, o.at, &state, tone);
            at = o.at;
            state = o.to.clone();
            tone = o.tone;
        }
        push(&mut segments, at, to, &state, tone);
        lanes.push(Lane {
            label: name.to_string(),
            source,
            segments,
        });
    }
    // The values the switches set, resource by resource.
    let mut resources: Vec<(String, String)> = Vec::new();
    for s in &w.switches {
        for st in &s.steps {
            if !resources.iter().any(|(r, _)| *r == st.resource) {
                resources.push((st.resource.clone(), st.call.clone()));
            }
        }
    }
    for (r, call) in resources {
        let mut segments = Vec::new();
        let mut at = from;
        let mut state: Option<String> = None;
        for s in &w.switches {
            for st in s
                .steps
                .iter()
                .filter(|st| st.resource == r && st.result == "done")
            {
                let when = st.at.unwrap_or(s.ended).clamp(from, to);
                if state.is_none() {
                    state = Some(st.before.clone().unwrap_or_else(|| "not recorded".into()));
                }
                let was = state.clone().unwrap_or_default();
                push(&mut segments, at, when, &was, Tone::of(&was));
                at = when;
                state = Some(st.after.clone().unwrap_or_else(|| "not recorded".into()));
            }
        }
        let Some(state) = state else { continue };
        push(&mut segments, at, to, &state, Tone::of(&state));
        let service = call.split(':').next().unwrap_or("");
        lanes.push(Lane {
            label: format!("{service} {r}"),
            source: "steps",
            segments,
        });
    }

    let mut markers = Vec::new();
    let mut order = 0;
    for s in &w.switches {
        markers.push(Marker {
            order: 0,
            at: s.decided,
            kind: MarkerKind::Decision,
            label: format!("{} confirmed", s.verb()),
        });
        for st in s.steps.iter().filter(|st| st.result == "done") {
            order += 1;
            markers.push(Marker {
                order,
                at: st.at.unwrap_or(s.ended),
                kind: MarkerKind::Step,
                label: format!("{order}. {} {}", st.call, st.resource),
            });
        }
        if let Some(t) = s.insync_at {
            markers.push(Marker {
                order: 0,
                at: t,
                kind: MarkerKind::Insync,
                label: "Route 53 change INSYNC".into(),
            });
        }
        if let Some(t) = s.converged_at {
            markers.push(Marker {
                order: 0,
                at: t,
                kind: MarkerKind::Verified,
                label: format!("{}: every change verified", s.verb()),
            });
        }
    }
    Chart {
        from,
        to,
        lanes,
        markers,
    }
}

fn push(
    segments: &mut Vec<Segment>,
    from: OffsetDateTime,
    to: OffsetDateTime,
    state: &str,
    tone: Tone,
) {
    if to <= from {
        return;
    }
    if let Some(last) = segments.last_mut()
        && last.state == state
    {
        last.to = to;
        return;
    }
    segments.push(Segment {
        from,
        to,
        state: state.to_string(),
        tone,
    });
}

/// Tick marks for the time axis: about `n` of them at a round step, as (time, `HH:MM:SS`).
pub fn ticks(from: OffsetDateTime, to: OffsetDateTime, n: i64) -> Vec<(OffsetDateTime, String)> {
    let total = (to - from).whole_seconds().max(1);
    let steps = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400,
    ];
    let step = steps
        .iter()
        .copied()
        .find(|s| total / s <= n)
        .unwrap_or(86400);
    let start = from.unix_timestamp();
    let mut t = (start / step + 1) * step;
    let mut out = Vec::new();
    while t < to.unix_timestamp() {
        if let Ok(at) = OffsetDateTime::from_unix_timestamp(t) {
            out.push((
                at,
                format!("{:02}:{:02}:{:02}", at.hour(), at.minute(), at.second()),
            ));
        }
        t += step;
    }
    out
}
