//! The window report as Markdown, for the change ticket. Every text from AWS, the config or an
//! operator is escaped (a `|` would break a table, a backtick a code span, a `<` start HTML).
//! The chart is inline SVG (shown where the renderer allows HTML) and, for those that strip it,
//! the same lanes as text.

use std::fmt::Write as _;

use super::chart::chart;
use super::html::{svg, utc_ms};
use super::{Comparison, Window, utc};

/// Text escaped for Markdown, on one line: every character Markdown gives a meaning inside a
/// line is backslash-escaped (and those that mean something at its start, when first), `<`,
/// `>` and `&` written as entities, line breaks as spaces.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '#' | '+' | '-' | '.' | '!' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// The report as Markdown.
pub fn render(w: &Window) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "# Maintenance window of {}", md(&w.site));
    if w.rehearsal {
        m.push_str("\n**REHEARSAL**: a copy of the site, not production.\n");
    }
    let _ = writeln!(
        m,
        "\n- record: {}\n- window: {} to {}{}\n- report made {} on {}",
        md(&w.record),
        md(&utc(w.bounds.start)),
        md(&utc(w.bounds.end)),
        if w.bounds.open {
            " (still in maintenance)"
        } else {
            ""
        },
        md(&utc(w.made_at)),
        md(&w.made_on)
    );

    m.push_str("\n## Who, why, approver\n\n| switch | who | why | approver |\n|---|---|---|---|\n");
    for s in &w.switches {
        let who = match (&s.by, &s.host) {
            (Some(b), Some(h)) => format!("{} on {}", md(b), md(h)),
            (Some(b), None) => md(b),
            (None, _) => "unknown".into(),
        };
        let mut approver = s
            .approver
            .as_deref()
            .map_or_else(|| "none recorded".into(), md);
        if let Some(b) = &s.break_glass {
            let _ = write!(approver, " **BREAK-GLASS: {}**", md(b));
        }
        let _ = writeln!(
            m,
            "| {} {} | {who} | {} | {approver} |",
            md(&s.verb()),
            md(&utc(s.decided)),
            s.reason
                .as_deref()
                .map_or_else(|| "no reason given".into(), md),
        );
    }
    if w.switches.is_empty() {
        m.push_str("| no switch in the window | | | |\n");
    }

    m.push_str("\n## Sources\n\n| source | from | state |\n|---|---|---|\n");
    for s in &w.sources {
        let _ = writeln!(
            m,
            "| {} | {} | {} |",
            md(&s.name),
            md(&s.from),
            md(&s.describe())
        );
    }

    m.push_str("\n## Measured times\n\n| from the decision (confirmation) | time |\n|---|---|\n");
    for x in w.measures() {
        let _ = writeln!(m, "| {} | {} |", md(&x.label), md(&x.text()));
    }

    m.push_str("\n## Steps\n");
    let mut n = 0;
    for s in &w.switches {
        let _ = writeln!(
            m,
            "\n### {}: {}, confirmed {}, ended {}, from {}\n",
            md(&s.verb()),
            md(&s.result.replace('_', " ")),
            md(&utc(s.decided)),
            md(&utc(s.ended)),
            md(&s.sources.join(" + "))
        );
        if let Some(e) = &s.error {
            let _ = writeln!(m, "Error: {}\n", md(e));
        }
        if let Some(end) = &s.window_ends {
            let _ = writeln!(m, "{} {}.\n", s.window_words(), md(end));
        }
        if s.steps.is_empty() {
            m.push_str(s.no_steps_words());
            m.push('\n');
            continue;
        }
        m.push_str("| # | AWS call | resource | before → after | result | at |\n|---|---|---|---|---|---|\n");
        for st in &s.steps {
            let num = if st.result == "done" {
                n += 1;
                n.to_string()
            } else {
                "–".into()
            };
            let _ = writeln!(
                m,
                "| {num} | {} | {} | {} → {} | {} | {} |",
                md(&st.call),
                md(&st.resource),
                md(st.before.as_deref().unwrap_or("not recorded")),
                md(st.after.as_deref().unwrap_or("not recorded")),
                md(&st.result),
                st.at
                    .map(|t| md(&utc_ms(t)))
                    .unwrap_or_else(|| "not recorded".into())
            );
        }
        if s.steps_omitted > 0 {
            let _ = writeln!(
                m,
                "\n{} more step(s) left out of the AWS history to fit.",
                s.steps_omitted
            );
        }
    }

    let c = chart(w);
    m.push_str("\n## Timeline of the chain\n\n");
    m.push_str(&svg(&c));
    m.push_str("\nThe same lanes as text (each state from the time it began):\n\n");
    for lane in &c.lanes {
        let states: Vec<String> = lane
            .segments
            .iter()
            .map(|s| format!("{} {}", md(&short_time(s.from)), md(&s.state)))
            .collect();
        let _ = writeln!(m, "- {}: {}", md(&lane.label), states.join(" → "));
    }
    let steps: Vec<String> = c
        .markers
        .iter()
        .filter(|x| x.order > 0)
        .map(|x| format!("{} at {}", md(&x.label), md(&utc_ms(x.at))))
        .collect();
    if !steps.is_empty() {
        let _ = writeln!(m, "\nSteps in order: {}", steps.join("; "));
    }
    if !w.observed.iter().any(|o| !o.probe && o.source == "events") {
        m.push_str("\nNo chain events in the window on this machine (they are recorded while a console runs): the lanes show the values the switches set.\n");
    }
    if !w.observed.iter().any(|o| o.probe) {
        m.push_str("\nNo client probe in the window: what clients got is not measured.\n");
    }

    let cmp = w.comparison();
    let _ = writeln!(
        m,
        "\n## Final state against the state before the window\n\n**{}**",
        md(&cmp.headline())
    );
    if !cmp.fields().is_empty() {
        m.push_str(
            "\n| field | before the window | at the end | | from |\n|---|---|---|---|---|\n",
        );
        for f in cmp.fields() {
            let word = match f.same {
                Some(true) => "same",
                Some(false) => "**DIFFERENT**",
                None => "not compared",
            };
            let _ = writeln!(
                m,
                "| {} | {} | {} | {word} | {} |",
                md(&f.what),
                md(&f.before),
                md(&f.after),
                f.source
            );
        }
    }
    if matches!(cmp, Comparison::NotComparable(_)) {
        m.push('\n');
    }
    if !w.observed.is_empty() {
        m.push_str(
            "\n## What was observed\n\n| at | component | change | from |\n|---|---|---|---|\n",
        );
        for o in &w.observed {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} |",
                md(&utc_ms(o.at)),
                md(&o.lane),
                md(&o.message),
                o.source
            );
        }
    }
    m
}

fn short_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}
