//! A switch while it runs: each step's state, what verification waits for, the ETA, and the
//! summary at the end.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::widgets::short_span;
use crate::model::obs::human_span;
use crate::switch::plan::StepProgress;
use crate::tui::app::{App, Running};

pub fn lines(app: &App, run: &Running) -> Vec<Line<'static>> {
    let t = &app.theme;
    let p = &run.plan;
    let mut out = vec![Line::raw(format!(
        "{} {} started {} ago{}",
        p.direction.verb(),
        p.site,
        human_span(super::since(run.started_at, app.now)),
        if run.force { " (FORCED)" } else { "" }
    ))];
    out.push(Line::raw(""));
    for (i, (step, st)) in p.steps.iter().zip(&run.steps).enumerate() {
        let (label, style) = match st.state {
            None => ("waiting".to_string(), t.dim()),
            Some(StepProgress::Running) => ("running".to_string(), t.warn()),
            Some(StepProgress::Done) => (format!("{} done", t.ok_symbol()), t.good()),
            Some(StepProgress::Skipped) => ("skipped".to_string(), t.dim()),
            Some(StepProgress::Failed) => (format!("{} FAILED", t.fail_symbol()), t.bad()),
            Some(StepProgress::RolledBack) => ("rolled back".to_string(), t.warn()),
        };
        let elapsed = if st.state.is_some() {
            format!(" {}", short_span(st.elapsed))
        } else {
            String::new()
        };
        out.push(Line::from(vec![
            Span::styled(format!("{:>2}. {label:<11}", i + 1), style),
            Span::raw(format!(" {} {}{elapsed}", step.call, step.resource)),
        ]));
        if !st.detail.is_empty() {
            out.push(Line::styled(format!("      {}", st.detail), t.dim()));
        }
    }
    if !run.verify.is_empty() {
        out.push(Line::raw(""));
        let eta = run
            .eta
            .map(|e| format!(", ETA ≤ {}", human_span(e)))
            .unwrap_or_default();
        out.push(Line::styled(format!("Verification{eta}:"), t.title()));
        for v in &run.verify {
            let (sym, style) = if v.converged {
                (t.ok_symbol(), t.good())
            } else {
                ("…", t.warn())
            };
            let sym = if t.ascii && !v.converged { ".." } else { sym };
            out.push(Line::from(vec![
                Span::styled(format!(" {sym} "), style),
                Span::raw(v.what.clone()),
                Span::styled(format!(": {}", v.seen), t.dim()),
            ]));
        }
    }
    out.push(Line::raw(""));
    match &run.finished {
        Some((true, summary)) => {
            out.push(Line::styled(format!("Done: {summary}"), t.good()));
            out.push(Line::styled("enter/esc: close", t.dim()));
        }
        Some((false, summary)) => {
            out.push(Line::styled(format!("FAILED: {summary}"), t.bad()));
            out.push(Line::styled("enter/esc: close", t.dim()));
        }
        None if run.cancel_requested => {
            out.push(Line::styled(
                "Cancel asked for; waiting for the engine...",
                t.warn(),
            ));
        }
        None => out.push(Line::styled("c: cancel (rolls back)", t.dim())),
    }
    out
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, run: &Running) {
    let t = &app.theme;
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines(app, run))
            .wrap(Wrap { trim: false })
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_set(t.border())
                    .title(Span::styled(
                        format!(
                            " {} {}: progress ",
                            run.plan.direction.verb(),
                            run.plan.site
                        ),
                        t.title(),
                    )),
            ),
        area,
    );
}
