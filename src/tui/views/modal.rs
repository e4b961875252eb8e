//! The confirmation of a switch: what will be called (before → after), the preflight checks,
//! where and as whom. Cancel has the focus; a protected site needs its name typed; a failed
//! preflight needs "force" chosen twice.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::widgets::wrap_indented;
use crate::switch::plan::CheckResult;
use crate::tui::app::{App, Button, Confirm, Fault, Modal};

pub fn render(frame: &mut Frame, area: Rect, app: &App, modal: &Modal) {
    let t = &app.theme;
    let (title, lines) = match modal {
        Modal::Planning { site, direction } => (
            format!(" {} {site} ", direction.verb()),
            vec![
                Line::raw(format!("Planning how to {} {site}...", direction.verb())),
                Line::raw(""),
                Line::styled("esc: cancel", t.dim()),
            ],
        ),
        Modal::PlanFailed {
            site,
            direction,
            error,
        } => (
            format!(" {} {site}: no plan ", direction.verb()),
            vec![
                Line::styled(format!("No plan to {} {site}:", direction.verb()), t.bad()),
                Line::raw(error.clone()),
                Line::raw(""),
                Line::raw("Nothing was changed."),
                Line::styled("esc/enter: close", t.dim()),
            ],
        ),
        Modal::Faults => (
            " rehearsal: inject a fault into the copy ".to_string(),
            std::iter::once(Line::raw("Production is not touched: the copy changes."))
                .chain(std::iter::once(Line::raw("")))
                .chain(Fault::ALL.iter().enumerate().map(|(i, f)| {
                    Line::from(vec![
                        Span::styled(format!("{} ", i + 1), t.key()),
                        Span::raw(f.label()),
                    ])
                }))
                .chain([
                    Line::raw(""),
                    Line::styled("1-4: apply  esc: close", t.dim()),
                ])
                .collect(),
        ),
        Modal::Confirm(c) => (
            format!(" {} {}? ", c.plan.direction.verb(), c.plan.site),
            confirm_lines(app, c, usize::from(area.width.saturating_sub(4))),
        ),
    };
    let footer = match modal {
        Modal::Confirm(c) => confirm_footer_len(c),
        _ => 0,
    };
    frame.render_widget(Clear, area);
    let border_style = if matches!(modal, Modal::Confirm(c) if c.plan.protected) {
        t.protected()
    } else {
        t.title()
    };
    let inner_w = usize::from(area.width.saturating_sub(2));
    let inner_h = usize::from(area.height.saturating_sub(2));
    // The end of a confirmation (why it is refused, the name to type, the buttons) stays in
    // view: a plan too long for the screen is cut above it, and says so.
    let split = lines.len().saturating_sub(footer);
    let wrap = |ls: Vec<Line<'static>>| -> Vec<Line<'static>> {
        ls.into_iter()
            .flat_map(|l| wrap_indented(t.line(l), inner_w))
            .collect()
    };
    let mut body = lines;
    let mut footer = wrap(body.split_off(split));
    let mut lines = wrap(body);
    if lines.len() + footer.len() > inner_h && !footer.is_empty() {
        // The keys' hint goes first (the footer line below the box says esc), then the plan's
        // last lines.
        footer.pop();
        if lines.len() + footer.len() > inner_h {
            let room = inner_h.saturating_sub(footer.len() + 1);
            let cut = lines.len() - room.min(lines.len());
            lines.truncate(room);
            lines.push(Line::styled(
                format!(
                    "{} {cut} more line(s): a larger terminal shows them",
                    t.ellipsis()
                ),
                t.warn(),
            ));
        }
    }
    lines.extend(footer);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_set(t.border())
                .border_style(border_style)
                .title(Span::styled(t.text(&title), t.title())),
        ),
        area,
    );
}

/// How many lines at the end of [`confirm_lines`] are its footer (why it is refused, the name
/// to type, the buttons and their keys): what must stay in view.
fn confirm_footer_len(c: &Confirm) -> usize {
    let p = &c.plan;
    2 + usize::from(p.refused()) + usize::from(p.protected && p.nothing_to_do.is_none())
}

/// The lines of the confirmation.
pub fn confirm_lines(app: &App, c: &Confirm, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let p = &c.plan;
    let mut out = Vec::new();
    if p.protected {
        out.push(Line::styled(
            format!("{:^width$}", format!("PROTECTED SITE {}", p.site)),
            t.protected(),
        ));
    }
    out.push(Line::raw(format!(
        "Account {}  region {}",
        p.account.as_deref().unwrap_or("unknown"),
        p.region
    )));
    out.push(Line::raw(format!(
        "As {}",
        p.caller.as_deref().unwrap_or("unknown caller")
    )));
    if let Some(why) = &p.nothing_to_do {
        out.push(Line::raw(""));
        out.push(Line::styled(format!("Nothing to do: {why}"), t.warn()));
    } else {
        out.push(Line::raw(""));
        out.push(Line::styled(
            format!("{} call(s), in order:", p.steps.len()),
            t.title(),
        ));
        for (i, s) in p.steps.iter().enumerate() {
            out.push(Line::raw(format!(
                "{:>2}. {} {}",
                i + 1,
                s.call,
                s.resource
            )));
            out.push(Line::from(vec![
                Span::raw("      "),
                Span::styled(s.before.clone(), t.dim()),
                Span::raw(format!(" {} ", t.arrow())),
                Span::styled(s.after.clone(), t.title()),
            ]));
        }
    }
    if !p.preflight.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled("Preflight:", t.title()));
        for ch in &p.preflight {
            // A check that could not be made is never a tick: its own mark, and it says so.
            let (sym, style, said) = match ch.result {
                CheckResult::Passed => (t.ok_symbol(), t.good(), String::new()),
                CheckResult::Failed => (t.fail_symbol(), t.bad(), String::new()),
                CheckResult::CouldNotCheck => ("?", t.bad(), " could not be checked:".into()),
            };
            out.push(Line::from(vec![
                Span::styled(format!(" {sym} "), style),
                Span::raw(ch.name.clone()),
                Span::styled(":".to_string(), t.dim()),
                Span::styled(said, t.bad()),
                Span::styled(format!(" {}", ch.detail), t.dim()),
            ]));
        }
    }
    out.push(Line::raw(""));
    if p.refused() {
        let n = p.refusal();
        let text = if c.force_armed {
            format!(
                "{}. Choose FORCE once more to run anyway.",
                n.replace("check(s) failed", "check(s) FAILED")
            )
        } else {
            format!("Refused: {n}. Cancel, or force (asked twice).")
        };
        out.push(Line::styled(text, t.bad()));
    }
    if p.protected && p.nothing_to_do.is_none() {
        let ok = c.typed == p.site;
        out.push(Line::from(vec![
            Span::raw(format!("Type the site name ({}) to confirm: ", p.site)),
            Span::styled(
                format!("{}_", c.typed),
                if ok { t.good() } else { t.warn() },
            ),
        ]));
    }
    let button = |label: String, focused: bool, enabled: bool| {
        let text = format!("[ {label} ]");
        if focused {
            Span::styled(text, t.focused())
        } else if enabled {
            Span::raw(text)
        } else {
            Span::styled(text, t.dim())
        }
    };
    out.push(Line::from(vec![
        button("Cancel".into(), c.focus == Button::Cancel, true),
        Span::raw("   "),
        button(
            c.confirm_label(),
            c.focus == Button::Confirm,
            c.can_confirm(),
        ),
    ]));
    out.push(Line::styled(
        "tab/←/→: choose   enter: do it   esc: cancel",
        t.dim(),
    ));
    out
}
