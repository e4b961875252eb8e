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
    out.push(Line::styled(
        "Beside a site: [P] protected, [ro] read-only, [incomplete] or [?] part of its chain was \
         not read.",
        t.dim(),
    ));
    out
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let inner_w = usize::from(area.width.saturating_sub(2));
    let lines: Vec<Line<'static>> = lines(app)
        .into_iter()
        .flat_map(|l| super::widgets::wrap_indented(t.line(l), inner_w))
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
