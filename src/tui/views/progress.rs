//! A switch while it runs: each step's state, what verification waits for, the ETA, and the
//! summary at the end.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::widgets::{first_rows, short_span, wrap_indented};
use time::OffsetDateTime;

use crate::model::eta::Countdown;
use crate::model::obs::human_span;
use crate::switch::plan::{CheckResult, StepProgress, VerifyItem};
use crate::tui::app::{App, Cancel, Running};
use crate::tui::theme::{GLUE, Theme};

/// The steps and the verification in at most `rows` rows of `width` columns. When they do not
/// fit, the items that converged are counted on one row: what is still awaited stays in view.
pub fn body(app: &App, run: &Running, width: usize, rows: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let p = &run.plan;
    let wrap = |lines: Vec<Line<'static>>| -> Vec<Line<'static>> {
        lines
            .into_iter()
            .flat_map(|l| wrap_indented(t.line(l), width))
            .collect()
    };
    let mut head = match &run.cancel {
        Cancel::RollingBack { stopped, .. } => vec![
            Line::styled(capitalized(stopped), t.warn()),
            Line::raw(format!(
                "Rolling back ({}), started {} ago:",
                p.direction.verb(),
                human_span(super::since(run.started_at, app.now)),
            )),
            Line::raw(""),
        ],
        _ => vec![
            Line::raw(format!(
                "{} {} started {} ago{}",
                p.direction.verb(),
                p.site,
                human_span(super::since(run.started_at, app.now)),
                if run.force { " (FORCED)" } else { "" }
            )),
            Line::raw(""),
        ],
    };
    for (i, (step, st)) in p.steps.iter().zip(&run.steps).enumerate() {
        let (label, style) = match st.state {
            None => ("waiting".to_string(), t.dim()),
            Some(StepProgress::Running) => ("running".to_string(), t.warn()),
            Some(StepProgress::Done) => (format!("{} done", t.ok_symbol()), t.good()),
            Some(StepProgress::Skipped) => ("skipped".to_string(), t.dim()),
            Some(StepProgress::Failed) => (format!("{} FAILED", t.fail_symbol()), t.bad()),
            Some(StepProgress::RolledBack) => ("rolled back".to_string(), t.warn()),
        };
        // How long a finished step took, when it is worth saying.
        let took = match st.state {
            Some(StepProgress::Running) | None => String::new(),
            Some(_) if st.elapsed < Duration::from_secs(1) => String::new(),
            Some(_) => format!(" ({})", short_span(st.elapsed)),
        };
        let prefix = format!("{:>2}. {label:<11} ", i + 1);
        // The resource (a long ID, an ARN) is cut rather than the line wrapped.
        let room = width
            .saturating_sub(prefix.chars().count() + step.call.chars().count() + 1)
            .saturating_sub(took.chars().count())
            .max(12);
        head.push(Line::from(vec![
            Span::styled(prefix, style),
            Span::raw(format!(
                "{} {}{took}",
                step.call,
                t.fit(&step.resource, room)
            )),
        ]));
        if !st.detail.is_empty() {
            head.push(Line::styled(format!("      {}", st.detail), t.dim()));
        }
    }
    let mut head = wrap(head);
    if run.verify.is_empty() {
        return first_rows(t, head, rows, width);
    }
    // The switch's one ETA, counting down on the console's clock to when clients see it.
    let eta = match &run.countdown {
        Some(c) => format!(", {}", countdown_text(t, c, app.now)),
        None => run
            .eta
            .filter(|e| !e.is_zero())
            .map(|e| format!(", ETA {} {}", t.at_most(), human_span(round_up(e))))
            .unwrap_or_default(),
    };
    let item = |v: &VerifyItem| {
        let (sym, style, said) = match v.result {
            CheckResult::Passed => (t.ok_symbol(), t.good(), ""),
            CheckResult::Failed => (t.ellipsis(), t.warn(), ""),
            // Never waited for, never a tick: reported.
            CheckResult::CouldNotCheck => ("?", t.bad(), " could not be checked:"),
        };
        Line::from(vec![
            Span::styled(format!(" {sym} "), style),
            Span::raw(v.what.clone()),
            Span::styled(":".to_string(), t.dim()),
            Span::styled(said.to_string(), t.bad()),
            Span::styled(format!(" {}", v.seen), t.dim()),
        ])
    };
    let (done, pending): (Vec<&VerifyItem>, Vec<&VerifyItem>) =
        run.verify.iter().partition(|v| v.converged);
    let unchecked = pending
        .iter()
        .filter(|v| v.result == CheckResult::CouldNotCheck)
        .count();
    let heading = if pending.is_empty() {
        match &run.countdown {
            Some(c) if !c.clients_see_it(app.now) => {
                format!(
                    "Verification: every item converged; {}",
                    countdown_text(t, c, app.now)
                )
            }
            Some(c) => format!("Verification: every item converged; {}", clients_saw(c)),
            None => "Verification: every item converged".to_string(),
        }
    } else if unchecked == pending.len() {
        format!(
            "Verification: {unchecked} of {} items could not be checked",
            run.verify.len()
        )
    } else {
        format!(
            "Verification: {} of {} items to converge{eta}",
            pending.len(),
            run.verify.len()
        )
    };
    head.extend(wrap(vec![Line::raw(""), Line::styled(heading, t.title())]));
    // What is awaited first.
    head.extend(wrap(pending.into_iter().map(item).collect()));
    let converged = wrap(done.iter().map(|v| item(v)).collect());
    if head.len() + converged.len() <= rows {
        head.extend(converged);
    } else if !done.is_empty() {
        head.push(t.line(Line::from(vec![
            Span::styled(format!(" {} ", t.ok_symbol()), t.good()),
            Span::raw(format!("{} converged", done.len())),
        ])));
    }
    first_rows(t, head, rows, width)
}

/// The last lines, always in view: the outcome, or what the operator can do meanwhile.
fn footer(app: &App, run: &Running) -> Vec<Line<'static>> {
    let t = &app.theme;
    let rolled_back = matches!(run.cancel, Cancel::RollingBack { .. });
    match &run.finished {
        Some((ok, summary)) if rolled_back => vec![
            Line::styled(capitalized(summary), if *ok { t.good() } else { t.bad() }),
            Line::styled("enter/esc: close", t.dim()),
        ],
        Some((true, summary)) => vec![
            Line::styled(format!("Done: {summary}"), t.good()),
            Line::styled("enter/esc: close", t.dim()),
        ],
        Some((false, summary)) => vec![
            Line::styled(format!("FAILED: {summary}"), t.bad()),
            Line::styled("enter/esc: close", t.dim()),
        ],
        None if app.quit_after_steps => vec![Line::styled(
            if run.steps_made() || rolled_back {
                "Quitting once the roll back's steps are made (its verification is left to `switchyard wait`)."
            } else if run.cancel == Cancel::Asked {
                "Quitting once it is rolled back: it stops after the step running."
            } else {
                "Quitting once every step is made (verification is left to `switchyard wait`)."
            },
            t.warn(),
        )],
        None => match &run.cancel {
            Cancel::Confirming => vec![
                Line::styled(
                    "Cancel: stop after the step running and undo every step made, so that AWS is as before?",
                    t.warn(),
                ),
                keys_line(t, &[("y", "roll back"), ("n", "keep going")]),
            ],
            Cancel::Asked => vec![
                Line::styled(
                    "Cancelling: the switch stops after the step running, then its steps are undone.",
                    t.warn(),
                ),
                keys_line(t, &[("esc", "background"), ("q", "quit...")]),
            ],
            Cancel::RollingBack { .. } => {
                vec![keys_line(t, &[("esc", "background"), ("q", "quit...")])]
            }
            Cancel::No => vec![keys_line(
                t,
                &[
                    ("esc", "background"),
                    ("c", "cancel (roll back)"),
                    ("q", "quit..."),
                ],
            )],
        },
    }
}

/// The engine's sentence with its first letter in capitals.
fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `esc background  c cancel`: keys and what they do.
fn keys_line(t: &Theme, keys: &[(&str, &str)]) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, (k, what)) in keys.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("   "));
        }
        spans.push(Span::styled(k.to_string(), t.key()));
        spans.push(Span::raw(format!(": {what}")));
    }
    Line::from(spans)
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, run: &Running) {
    let t = &app.theme;
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(t.border())
        .title(Span::styled(
            t.text(&match run.cancel {
                Cancel::RollingBack { .. } => format!(" rolling back {} ", run.plan.site),
                _ => format!(
                    " {} {}: progress ",
                    run.plan.direction.verb(),
                    run.plan.site
                ),
            }),
            t.title(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    // The outcome stays in view at the bottom; the steps and verification get the rest.
    let bottom: Vec<Line<'static>> = footer(app, run)
        .into_iter()
        .flat_map(|l| wrap_indented(t.line(l), width))
        .collect();
    let bottom_h = (bottom.len() as u16).min(inner.height);
    let room = usize::from(inner.height - bottom_h).saturating_sub(1);
    let top = body(app, run, width, room);
    frame.render_widget(
        Paragraph::new(top),
        Rect {
            height: inner.height - bottom_h,
            ..inner
        },
    );
    frame.render_widget(
        Paragraph::new(bottom),
        Rect {
            y: inner.y + inner.height - bottom_h,
            height: bottom_h,
            ..inner
        },
    );
}

/// A duration rounded up to whole seconds (an upper bound).
fn round_up(e: Duration) -> Duration {
    Duration::from_secs(e.as_secs() + u64::from(e.subsec_nanos() > 0))
}

/// `ETA ≤ 1 min 5 s, clients see it by 02:01:50 UTC`: the switch's one ETA at `now`.
/// The ETA and "clients see it by" each stay on one row when wrapped.
pub fn countdown_text(t: &Theme, c: &Countdown, now: OffsetDateTime) -> String {
    let glue = |s: String| s.replace(' ', &GLUE.to_string());
    format!(
        "{}, {}",
        glue(format!(
            "ETA {} {}",
            t.at_most(),
            human_span(round_up(c.remaining(now)))
        )),
        glue(c.clients_line())
    )
}

/// `clients see it since 02:01:50 UTC`.
pub fn clients_saw(c: &Countdown) -> String {
    format!(
        "clients see it since {}",
        crate::model::eta::hms(c.clients_see_by)
    )
}
