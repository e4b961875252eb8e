//! The window report as one self-contained HTML file: inline CSS, the chart as inline SVG, no
//! script, no font, no image and no address of anything outside the file. Every text from AWS,
//! the config or an operator is escaped.

use std::fmt::Write as _;

use time::OffsetDateTime;

use super::chart::{Chart, MarkerKind, chart, ticks};
use super::{Availability, Comparison, Window, utc};

/// Text escaped for HTML (element content and quoted attribute values).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#1b1f24;background:#fff;max-width:1180px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:14px;margin:16px 0 6px}
table{border-collapse:collapse;font-size:13px;margin:4px 0}
th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
code,.mono{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:12px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.rehearsal{background:#ddf4ff;color:#0969da}
.glass{background:#cf222e;color:#fff}
.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}.unk{color:#9a6700;font-weight:600}
.muted{color:#57606a}
svg text{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:11px}
.seg.normal{fill:#2da44e}.seg.sorry{fill:#e3b341}.seg.bad{fill:#cf222e}.seg.pending{fill:#8c959f}
.lg{display:inline-block;width:12px;height:12px;vertical-align:middle;margin:0 4px 0 12px}
.lg.normal{background:#2da44e}.lg.sorry{background:#e3b341}.lg.bad{background:#cf222e}.lg.pending{background:#8c959f}
";

/// The report as an HTML document.
pub fn render(w: &Window) -> String {
    let mut h = String::new();
    let title = format!("Maintenance window of {}", w.site);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    let _ = write!(h, "<h1>{}", esc(&title));
    if w.rehearsal {
        h.push_str(" <span class=\"badge rehearsal\">REHEARSAL (a copy, not production)</span>");
    }
    h.push_str("</h1>\n");
    let _ = writeln!(
        h,
        "<p class=\"muted\">record <code>{}</code> &middot; {} &rarr; {} &middot; made {} on {}</p>",
        esc(&w.record),
        esc(&utc(w.bounds.start)),
        if w.bounds.open {
            format!("{} (still in maintenance)", esc(&utc(w.bounds.end)))
        } else {
            esc(&utc(w.bounds.end))
        },
        esc(&utc(w.made_at)),
        esc(&w.made_on)
    );

    // Who, why, approver.
    let p = w.people();
    h.push_str("<h2>Who, why, approver</h2>\n<table>\n<tr><th>switch</th><th>who</th><th>why</th><th>approver</th></tr>\n");
    for s in &w.switches {
        let who = match (&s.by, &s.host) {
            (Some(b), Some(host)) => format!("{} on {}", esc(b), esc(host)),
            (Some(b), None) => esc(b),
            (None, _) => "<span class=\"unk\">unknown</span>".into(),
        };
        let why = s.reason.as_deref().map_or_else(
            || "<span class=\"muted\">no reason given</span>".into(),
            esc,
        );
        let mut approver = s
            .approver
            .as_deref()
            .map_or_else(|| "<span class=\"muted\">none recorded</span>".into(), esc);
        if let Some(b) = &s.break_glass {
            let _ = write!(
                approver,
                " <span class=\"badge glass\">BREAK-GLASS: {}</span>",
                esc(b)
            );
        }
        let _ = writeln!(
            h,
            "<tr><td>{} <span class=\"muted\">{}</span></td><td>{who}</td><td>{why}</td><td>{approver}</td></tr>",
            esc(&s.verb()),
            esc(&utc(s.decided))
        );
    }
    if p.by.is_empty() {
        h.push_str("<tr><td colspan=\"4\">no switch in the window</td></tr>\n");
    }
    h.push_str("</table>\n");

    // Sources.
    h.push_str("<h2>Sources</h2>\n<table>\n<tr><th>source</th><th>from</th><th>state</th></tr>\n");
    for s in &w.sources {
        let class = match s.state {
            Availability::Read { .. } => "ok",
            Availability::NotAvailable(_) => "unk",
            Availability::Unreadable(_) => "bad",
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"{class}\">{}</td></tr>",
            esc(&s.name),
            esc(&s.from),
            esc(&s.describe())
        );
    }
    h.push_str("</table>\n");

    // Measured times.
    h.push_str("<h2>Measured times</h2>\n<table>\n<tr><th>from the decision (confirmation)</th><th>time</th></tr>\n");
    for m in w.measures() {
        let class = if m.value.is_ok() {
            ""
        } else {
            " class=\"muted\""
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td{class}>{}</td></tr>",
            esc(&m.label),
            esc(&m.text())
        );
    }
    h.push_str("</table>\n");

    // Steps.
    h.push_str("<h2>Steps</h2>\n");
    let mut n = 0;
    for s in &w.switches {
        let _ = writeln!(
            h,
            "<h3>{}: {} &middot; confirmed {} &middot; ended {} &middot; from {}</h3>",
            esc(&s.verb()),
            esc(&s.result.replace('_', " ")),
            esc(&utc(s.decided)),
            esc(&utc(s.ended)),
            esc(&s.sources.join(" + "))
        );
        if let Some(e) = &s.error {
            let _ = writeln!(h, "<p class=\"bad\">{}</p>", esc(e));
        }
        if let Some(end) = &s.window_ends {
            let _ = writeln!(h, "<p>{} {}</p>", esc(s.window_words()), esc(end));
        }
        if s.steps.is_empty() {
            let _ = writeln!(h, "<p class=\"muted\">{}</p>", esc(s.no_steps_words()));
            continue;
        }
        h.push_str("<table>\n<tr><th>#</th><th>AWS call</th><th>resource</th><th>before &rarr; after</th><th>result</th><th>at</th></tr>\n");
        for st in &s.steps {
            let num = if st.result == "done" {
                n += 1;
                n.to_string()
            } else {
                "&ndash;".into()
            };
            let _ = writeln!(
                h,
                "<tr><td>{num}</td><td><code>{}</code></td><td><code>{}</code></td><td>{} &rarr; {}</td><td>{}</td><td>{}</td></tr>",
                esc(&st.call),
                esc(&st.resource),
                esc(st.before.as_deref().unwrap_or("not recorded")),
                esc(st.after.as_deref().unwrap_or("not recorded")),
                esc(&st.result),
                st.at
                    .map(|t| esc(&utc_ms(t)))
                    .unwrap_or_else(|| "not recorded".into())
            );
        }
        h.push_str("</table>\n");
        if s.steps_omitted > 0 {
            let _ = writeln!(
                h,
                "<p class=\"unk\">{} more step(s) left out of the AWS history to fit</p>",
                s.steps_omitted
            );
        }
    }

    // The chart.
    h.push_str("<h2>Timeline of the chain</h2>\n");
    h.push_str(&svg(&chart(w)));
    h.push_str("<p><span class=\"lg normal\"></span>as in normal operation<span class=\"lg sorry\"></span>sorry page / maintenance value<span class=\"lg bad\"></span>unhealthy, alarm, failed<span class=\"lg pending\"></span>changing or not known</p>\n");
    if !w.observed.iter().any(|o| !o.probe && o.source == "events") {
        h.push_str("<p class=\"muted\">No chain events in the window on this machine (they are recorded while a console runs): the lanes show the values the switches set.</p>\n");
    }
    if !w.observed.iter().any(|o| o.probe) {
        h.push_str("<p class=\"muted\">No client probe in the window: what clients got is not measured.</p>\n");
    }

    // Comparison.
    let c = w.comparison();
    h.push_str("<h2>Final state against the state before the window</h2>\n");
    let class = match c {
        Comparison::Identical(_) => "ok",
        Comparison::Differs(_) => "bad",
        _ => "unk",
    };
    let _ = writeln!(h, "<p class=\"{class}\">{}</p>", esc(&c.headline()));
    if !c.fields().is_empty() {
        h.push_str("<table>\n<tr><th>field</th><th>before the window</th><th>at the end</th><th></th><th>from</th></tr>\n");
        for f in c.fields() {
            let (cls, word) = match f.same {
                Some(true) => ("ok", "same"),
                Some(false) => ("bad", "DIFFERENT"),
                None => ("unk", "not compared"),
            };
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"{cls}\">{word}</td><td>{}</td></tr>",
                esc(&f.what),
                esc(&f.before),
                esc(&f.after),
                f.source
            );
        }
        h.push_str("</table>\n");
    }

    // The chain's changes, as text.
    if !w.observed.is_empty() {
        h.push_str("<h2>What was observed</h2>\n<table>\n<tr><th>at</th><th>component</th><th>change</th><th>from</th></tr>\n");
        for o in &w.observed {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&utc_ms(o.at)),
                esc(&o.lane),
                esc(&o.message),
                o.source
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("<p class=\"muted\">Made by switchyard report. Times are UTC; step and verification times are the switching machine's clock.</p>\n</body>\n</html>\n");
    h
}

/// `10:33:47.123 UTC`.
pub fn utc_ms(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:02}:{:02}:{:02}.{:03} UTC",
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

const WIDTH: f64 = 1120.0;
const LABEL: f64 = 330.0;
const RIGHT: f64 = 20.0;
const LANE: f64 = 22.0;
const GAP: f64 = 6.0;
const TOP: f64 = 64.0;

/// The chart as an inline SVG element (no namespace address: HTML5 needs none).
pub fn svg(c: &Chart) -> String {
    let plot = WIDTH - LABEL - RIGHT;
    let total = (c.to - c.from).as_seconds_f64().max(1.0);
    let x =
        |t: OffsetDateTime| LABEL + plot * ((t - c.from).as_seconds_f64() / total).clamp(0.0, 1.0);
    let lanes_h = c.lanes.len() as f64 * (LANE + GAP);
    let axis_y = TOP + lanes_h + 8.0;
    let height = axis_y + 40.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg id=\"timeline\" role=\"img\" aria-label=\"timeline of the chain\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\">"
    );
    let _ = writeln!(
        s,
        "<rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{height}\" fill=\"#fff\"/>"
    );
    // Lanes.
    for (i, lane) in c.lanes.iter().enumerate() {
        let y = TOP + i as f64 * (LANE + GAP);
        let _ = writeln!(
            s,
            "<g class=\"lane\" data-lane=\"{}\" data-source=\"{}\"><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            esc(&lane.label),
            lane.source,
            LABEL - 8.0,
            y + LANE * 0.7,
            esc(&short(&lane.label, 44))
        );
        for seg in &lane.segments {
            let (x0, x1) = (x(seg.from), x(seg.to));
            let wdt = (x1 - x0).max(1.0);
            let _ = writeln!(
                s,
                "<rect class=\"seg {}\" x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{wdt:.1}\" height=\"{LANE}\" data-state=\"{}\"><title>{}: {}</title></rect>",
                seg.tone.class(),
                esc(&seg.state),
                esc(&lane.label),
                esc(&seg.state)
            );
            if wdt > 7.0 * seg.state.chars().count().min(30) as f64 + 8.0 {
                let _ = writeln!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#fff\">{}</text>",
                    x0 + 4.0,
                    y + LANE * 0.7,
                    esc(&short(&seg.state, 30))
                );
            }
        }
        s.push_str("</g>\n");
    }
    // Markers: a line across the lanes, and a label or number on top.
    let mut steps_seen = 0usize;
    for m in &c.markers {
        let mx = x(m.at);
        let (colour, dash) = match m.kind {
            MarkerKind::Decision => ("#0969da", "4 3"),
            MarkerKind::Step => ("#1b1f24", ""),
            MarkerKind::Insync => ("#8250df", "2 2"),
            MarkerKind::Verified => ("#1a7f37", "2 2"),
        };
        let _ = write!(
            s,
            "<g class=\"marker {}\" data-order=\"{}\" data-at=\"{}\" data-x=\"{mx:.2}\"><title>{} at {}</title>",
            m.kind.class(),
            m.order,
            esc(&utc_ms(m.at)),
            esc(&m.label),
            esc(&utc_ms(m.at))
        );
        let _ = write!(
            s,
            "<line x1=\"{mx:.2}\" y1=\"{:.1}\" x2=\"{mx:.2}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"1\"{}/>",
            TOP - 6.0,
            axis_y,
            if dash.is_empty() {
                String::new()
            } else {
                format!(" stroke-dasharray=\"{dash}\"")
            }
        );
        if m.kind == MarkerKind::Step {
            // Numbers of steps close together are staggered so that each stays readable.
            let row = steps_seen % 4;
            steps_seen += 1;
            let cy = 10.0 + row as f64 * 13.0;
            let _ = write!(
                s,
                "<circle cx=\"{mx:.2}\" cy=\"{cy:.1}\" r=\"7\" fill=\"#1b1f24\"/><text x=\"{mx:.2}\" y=\"{:.1}\" fill=\"#fff\" text-anchor=\"middle\" font-size=\"9\">{}</text>",
                cy + 3.0,
                m.order
            );
        }
        s.push_str("</g>\n");
    }
    // The time axis.
    let _ = writeln!(
        s,
        "<line x1=\"{LABEL}\" y1=\"{axis_y:.1}\" x2=\"{:.1}\" y2=\"{axis_y:.1}\" stroke=\"#57606a\"/>",
        WIDTH - RIGHT
    );
    for (t, label) in ticks(c.from, c.to, 8) {
        let tx = x(t);
        let _ = writeln!(
            s,
            "<g class=\"tick\"><line x1=\"{tx:.1}\" y1=\"{axis_y:.1}\" x2=\"{tx:.1}\" y2=\"{:.1}\" stroke=\"#57606a\"/><text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text></g>",
            axis_y + 5.0,
            axis_y + 18.0
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">UTC</text>",
        WIDTH - RIGHT,
        axis_y + 34.0
    );
    s.push_str("</svg>\n");
    s
}

/// At most `max` characters: the start and the end kept, the middle cut (an ID's end and a
/// label's "(verified)" say as much as its start).
fn short(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let head = max / 2;
    let tail = max.saturating_sub(head + 1);
    let mut out: String = s.chars().take(head).collect();
    out.push('…');
    out.extend(s.chars().skip(n - tail));
    out
}
