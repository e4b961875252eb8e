//! Help, generated from the keymap: what it shows is what the keys do.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::tui::app::App;
use crate::tui::keymap::{Context, KEYMAP};

/// The help text's lines (actions only when offered for the selected site).
pub fn lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let offered = app.actions_offered();
    let mut out = Vec::new();
    for ctx in [
        Context::Global,
        Context::Overview,
        Context::Detail,
        Context::Timeline,
        Context::Help,
        Context::Switch,
    ] {
        let bindings: Vec<_> = KEYMAP
            .iter()
            .filter(|b| b.context == ctx && (offered || !b.action.is_switch()))
            .filter(|b| app.rehearsal || !b.action.is_rehearsal())
            .filter(|b| app.actions || !(b.action.needs_engine() || b.context == Context::Switch))
            .collect();
        if bindings.is_empty() {
            continue;
        }
        out.push(Line::styled(ctx.title().to_string(), t.title()));
        for b in bindings {
            let label = if t.ascii {
                b.label
                    .replace('↑', "up")
                    .replace('↓', "down")
                    .replace('→', "right")
                    .replace('←', "left")
            } else {
                b.label.to_string()
            };
            let label = t.text(&label);
            out.push(Line::from(vec![
                Span::styled(format!("  {label:<12}"), t.key()),
                Span::raw(b.help.to_string()),
            ]));
        }
        out.push(Line::raw(""));
    }
    out.push(Line::styled(
        "Ctrl-C quits from anywhere; while a switch runs it asks first, as q does (ctrl-c again quits at once).",
        t.dim(),
    ));

    if !offered {
        out.push(Line::styled(
            "Maintenance actions are hidden: read-only (--read-only, the config's read_only) or no switch engine.",
            t.dim(),
        ));
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Badges and marks".to_string(), t.title()));
    for (mark, meaning) in LEGEND {
        out.push(Line::from(vec![
            Span::styled(format!("  {mark:<17}"), t.key()),
            Span::raw(meaning.to_string()),
        ]));
    }
    out
}

/// Every badge and mark the console draws, and what it means.
pub const LEGEND: [(&str, &str); 13] = [
    (
        "DEMO xN",
        "the built-in emulator, its clock N times real time: nothing here is AWS",
    ),
    (
        "REHEARSAL",
        "a copy of a site on the emulator: nothing done here reaches production",
    ),
    (
        "READ-ONLY",
        "no maintenance actions (--read-only, or the config's read_only)",
    ),
    (
        "endpoint",
        "every AWS call goes to this endpoint instead of AWS (--endpoint-url, the emulator)",
    ),
    (
        "credentials",
        "when the credentials expire (SSO, assumed roles); red from 10 minutes before",
    ),
    (
        "data via",
        "this console reads nothing itself: another of your processes here polls for it",
    ),
    ("[P]", "protected site: every action needs its name typed"),
    (
        "[ro]",
        "read-only site: the config's read_only for this site",
    ),
    (
        "[incomplete] [?]",
        "part of the site's chain was not read (the reasons say which)",
    ),
    (
        "primary?",
        "a ? after SERVED: inferred from health, Route 53's answer could not be matched",
    ),
    (
        "12s!",
        "a ! after AGE: a fetch is failing; the detail says which and why",
    ),
    ("...", "a site's data not received yet (AGE)"),
    (
        "muted",
        "ALARMS: alarms whose actions are disabled (silenced); 1A\u{a0}1M: one in ALARM, one muted",
    ),
];

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let inner_w = usize::from(area.width.saturating_sub(2));
    // A key's or a mark's text wraps under itself, not under the key.
    let lines: Vec<Line<'static>> = lines(app)
        .into_iter()
        .flat_map(|l| {
            let l = t.line(l);
            match l.spans.first() {
                Some(key) if l.spans.len() >= 2 && key.content.starts_with("  ") => {
                    let indent = key.content.chars().count();
                    super::widgets::wrap_hanging(l, inner_w, indent)
                }
                _ => super::widgets::wrap_indented(l, inner_w),
            }
        })
        .collect();
    let inner_h = area.height.saturating_sub(2);
    let max_scroll = (lines.len() as u16).saturating_sub(inner_h);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((app.scroll.min(max_scroll), 0))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_set(t.border())
                    .title(Span::styled(" Help: keys ", t.title())),
            ),
        area,
    );
}
