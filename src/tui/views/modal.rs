//! The confirmation of a switch: what will be called (before → after), the preflight checks,
//! where and as whom. Cancel has the focus; a protected site needs its name typed; a failed
//! preflight needs "force" chosen twice.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::widgets::wrap_indented;
use crate::switch::plan::CheckResult;
use crate::tui::app::{App, Button, Cancel, Confirm, Fault, Modal, Running};

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
        Modal::Confirm(c) => {
            confirm(frame, area, app, c);
            return;
        }
    };
    frame.render_widget(Clear, area);
    let inner_w = usize::from(area.width.saturating_sub(2));
    let lines: Vec<Line<'static>> = lines
        .into_iter()
        .flat_map(|l| wrap_indented(t.line(l), inner_w))
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_set(t.border())
                .border_style(t.title())
                .title(Span::styled(t.text(&title), t.title())),
        ),
        area,
    );
}

/// The confirmation: the plan and its checks scroll; why it is refused, the reason and name
/// fields and the buttons stay in view at the bottom, whatever the terminal's size.
fn confirm(frame: &mut Frame, area: Rect, app: &App, c: &Confirm) {
    let t = &app.theme;
    frame.render_widget(Clear, area);
    let border_style = if c.plan.protected {
        t.protected()
    } else {
        t.title()
    };
    let title = match &c.approving {
        Some(a) => format!(" approve {} of {}? ", a_what(a), c.plan.site),
        None => format!(" {} {}? ", c.plan.direction.verb(), c.plan.site),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(t.border())
        .border_style(border_style)
        .title(Span::styled(t.text(&title), t.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let inner_w = usize::from(inner.width);
    let inner_h = usize::from(inner.height);
    let wrap = |ls: Vec<Line<'static>>| -> Vec<Line<'static>> {
        ls.into_iter()
            .flat_map(|l| wrap_indented(t.line(l), inner_w))
            .collect()
    };
    let body = wrap(confirm_lines(app, c, inner_w.saturating_sub(2)));
    let mut foot = confirm_footer(app, c, inner_w);
    let hint = foot.pop().map(|h| wrap(vec![h])).unwrap_or_default();
    let mut foot = wrap(foot);
    // The keys' hint goes first when the fields and buttons need its rows (the bottom line
    // says esc), then the rule above them; on a tiny terminal the fields and buttons stay.
    if foot.len() + hint.len() + 2 <= inner_h {
        foot.extend(hint);
    }
    if foot.len() + 1 > inner_h && foot.len() > 1 {
        foot.remove(0);
    }
    if foot.len() > inner_h {
        foot.drain(..foot.len() - inner_h);
    }
    let foot_h = foot.len();
    let room = inner_h - foot_h;
    // The plan scrolls: what is above or below the window says so, on its first or last row.
    let most = body.len().saturating_sub(room);
    let top = usize::from(c.scroll).min(most);
    let mut shown: Vec<Line<'static>> = body.iter().skip(top).take(room).cloned().collect();
    let below = body.len().saturating_sub(top + room);
    if room >= 2 && top > 0 {
        shown[0] = Line::styled(
            format!(
                "{} {} line(s) above: {} scrolls",
                t.text("↑"),
                top + 1,
                t.text("↑/↓")
            ),
            t.warn(),
        );
    }
    if room >= 2 && below > 0 {
        let last = shown.len() - 1;
        shown[last] = Line::styled(
            format!(
                "{} {} more line(s): {} scrolls",
                t.text("↓"),
                below + 1,
                t.text("↑/↓")
            ),
            t.warn(),
        );
    }
    frame.render_widget(
        Paragraph::new(shown),
        Rect {
            height: u16::try_from(room).unwrap_or(0),
            ..inner
        },
    );
    frame.render_widget(
        Paragraph::new(foot),
        Rect {
            y: inner.y + u16::try_from(room).unwrap_or(0),
            height: u16::try_from(foot_h).unwrap_or(0),
            ..inner
        },
    );
}

/// What a request asks for, in words.
fn a_what(a: &crate::model::approval::ApprovalMarker) -> &'static str {
    match a.direction {
        crate::model::history::Direction::On => "maintenance on",
        crate::model::history::Direction::Off => "the fail back",
    }
}

/// Another operator's request: who asked, why, the plan's hash, and the plan as they saw it.
fn approving_lines(
    app: &App,
    a: &crate::model::approval::ApprovalMarker,
    site: &str,
    width: usize,
) -> Vec<Line<'static>> {
    let t = &app.theme;
    let age = (app.now - a.requested_local.unwrap_or(a.requested_at)).max(time::Duration::ZERO);
    let mut out = vec![
        Line::styled(
            format!("{:^width$}", format!("APPROVAL FOR {site}")),
            t.protected(),
        ),
        Line::raw(format!(
            "Requested by {} {} ago",
            a.requested_by,
            crate::model::approval::age_text(age)
        )),
    ];
    if let Some(r) = &a.reason {
        out.push(Line::raw(format!("Reason: {r}")));
    }
    out.push(Line::from(vec![
        Span::styled(
            format!("Plan {}", crate::model::approval::short(&a.hash)),
            t.title(),
        ),
        Span::styled(format!(" (SHA-256 {})", a.hash), t.dim()),
    ]));
    out.push(Line::styled(
        "Only another person approves it: not who asked.",
        t.dim(),
    ));
    out.push(Line::raw(""));
    out.extend(a.plan.lines().map(|l| Line::raw(l.to_string())));
    out
}

/// The plan's lines: where, as whom, each call (before -> after), the preflight checks.
pub fn confirm_lines(app: &App, c: &Confirm, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let p = &c.plan;
    if let Some(a) = &c.approving {
        return approving_lines(app, a, &p.site, width);
    }
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
    if p.needs_approval {
        out.push(Line::styled(
            format!(
                "Needs a second person's approval (approval = true): ask for it with `switchyard maintenance {} --site {}`; here it is refused without one",
                p.direction.as_str(),
                p.site
            ),
            t.warn(),
        ));
    }
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
        // The checks that stop the switch first: in view on the smallest screen.
        let mut checks: Vec<_> = p.preflight.iter().collect();
        checks.sort_by_key(|ch| match ch.result {
            CheckResult::Failed => 0,
            CheckResult::CouldNotCheck => 1,
            CheckResult::Passed => 2,
        });
        for ch in checks {
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
    out
}

/// What stays in view under the plan: why it is refused, the reason and the name to type,
/// the buttons, and their keys (last: the first thing left out when rows are short).
pub fn confirm_footer(app: &App, c: &Confirm, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let p = &c.plan;
    let mut out = vec![Line::styled("─".repeat(width), t.dim())];
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
    if c.approving.is_some() {
        out.push(field(
            app,
            "Comment (for a decline): ",
            &c.reason,
            c.focus == Button::Reason,
            width,
            None,
        ));
        let label = format!("Type the site name ({}) to approve or decline: ", p.site);
        let note = c.wrong_name().then_some("not the site's name");
        out.push(field(
            app,
            &label,
            &c.typed,
            c.focus == Button::Name,
            width,
            note,
        ));
    } else if c.has_fields() {
        let label = if p.protected {
            "Reason (required): "
        } else {
            "Reason (optional): "
        };
        out.push(field(
            app,
            label,
            &c.reason,
            c.focus == Button::Reason,
            width,
            c.reason_missing().then_some("say why: it is recorded"),
        ));
        if p.protected {
            let label = format!("Type the site name ({}) to confirm: ", p.site);
            let note = c.wrong_name().then_some("not the site's name");
            out.push(field(
                app,
                &label,
                &c.typed,
                c.focus == Button::Name,
                width,
                note,
            ));
        }
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
    let mut buttons = vec![
        button("Cancel".into(), c.focus == Button::Cancel, true),
        Span::raw("   "),
    ];
    if c.approving.is_some() {
        buttons.push(button(
            "decline".into(),
            c.focus == Button::Decline,
            c.can_confirm(),
        ));
        buttons.push(Span::raw("   "));
    }
    buttons.push(button(
        c.confirm_label(),
        c.focus == Button::Confirm,
        c.can_confirm(),
    ));
    out.push(Line::from(buttons));
    let hint = if c.has_fields() {
        format!(
            "tab: next field   {}: scroll   enter: do it   esc: cancel",
            t.text("↑/↓")
        )
    } else {
        format!(
            "tab/{}: choose   {}: scroll   enter: do it   esc: cancel",
            t.text("←/→"),
            t.text("↑/↓")
        )
    };
    out.push(Line::styled(hint, t.dim()));
    out
}

/// One text field on one row: its label, then what was typed (its end, when longer than the
/// row), a cursor when it has the focus, and a note when something is wrong.
fn field(
    app: &App,
    label: &str,
    value: &str,
    focused: bool,
    width: usize,
    note: Option<&str>,
) -> Line<'static> {
    let t = &app.theme;
    let note = note.map(|n| format!("  {n}")).unwrap_or_default();
    let room = width
        .saturating_sub(label.chars().count() + note.chars().count() + 2)
        .max(8);
    let n = value.chars().count();
    let shown: String = if n > room {
        let tail: String = value.chars().skip(n - (room - 1)).collect();
        format!("{}{tail}", t.ellipsis())
    } else {
        value.to_string()
    };
    let style = if focused { t.focused() } else { t.title() };
    let label_style = if focused { t.key() } else { t.dim() };
    Line::from(vec![
        Span::styled(label.to_string(), label_style),
        Span::styled(format!("{shown}{}", if focused { "_" } else { "" }), style),
        Span::styled(note, t.warn()),
    ])
}

/// `q` or ctrl-c while a switch runs: what to do with it before quitting. The operator is
/// never kept: each choice says where AWS is left, and ctrl-c again quits at once.
pub fn quit_prompt(frame: &mut Frame, body: Rect, app: &App, run: &Running) {
    let t = &app.theme;
    let area = super::centered(body, 72, 14);
    let inner_w = usize::from(area.width.saturating_sub(2));
    let rolling_back = matches!(run.cancel, Cancel::RollingBack { .. } | Cancel::Asked);
    let choice = |k: &str, what: &str| {
        Line::from(vec![
            Span::styled(format!("  {k:<5}"), t.key()),
            Span::raw(what.to_string()),
        ])
    };
    let mut lines = vec![
        Line::styled(format!("A switch is running: {}.", run.status()), t.warn()),
        Line::raw(""),
    ];
    if rolling_back {
        lines.push(choice("f", "let the roll back make its steps, then quit"));
    } else {
        lines.push(choice(
            "f",
            "let it make its steps, then quit (`switchyard wait` follows the rest)",
        ));
        lines.push(choice(
            "r",
            "roll it back (its steps undone, AWS as before), then quit",
        ));
    }
    lines.push(choice("b", "stay, with the switch in the background"));
    lines.push(choice("esc", "stay"));
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "ctrl-c again quits now: the switch stops after the step running, recorded in the journal (the site reads INTERRUPTED).",
        t.dim(),
    ));
    let lines: Vec<Line<'static>> = lines
        .into_iter()
        .flat_map(|l| wrap_indented(t.line(l), inner_w))
        .collect();
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let area = super::centered(body, area.width, h);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_set(t.border())
                .border_style(t.warn())
                .title(Span::styled(" quit? ", t.title())),
        ),
        area,
    );
}
