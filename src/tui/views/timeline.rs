//! The event timeline: every change the console detected and every action taken, newest first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::widgets::{clock, shown, wrap_hanging};
use crate::model::event::EventKind;
use crate::tui::app::App;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(t.border())
        .title(Span::styled(
            format!(" Events ({}) newest first ", app.events.len()),
            t.title(),
        ));
    if app.events.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                "No changes since the console started. Changes of checks, alarms, targets, the DNS answer and every action appear here.",
                t.dim(),
            ))
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(block),
            area,
        );
        return;
    }
    // Each event on as many rows as it needs, continuation rows under the message: the end
    // of a transition ("healthy → unused") is never cut off.
    let name_w = app
        .events
        .iter()
        .map(|e| e.site.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 14);
    let inner_w = usize::from(area.width.saturating_sub(2));
    let rows: Vec<Line> = app
        .events
        .iter()
        .rev()
        .flat_map(|e| {
            let style = match &e.kind {
                EventKind::Action { .. } => t.key(),
                EventKind::VerdictChanged { to, .. } => super::widgets::verdict_text(t, *to),
                _ => ratatui::style::Style::new(),
            };
            let line = Line::from(vec![
                Span::styled(format!(" {} ", clock(e.at)), t.dim()),
                Span::styled(format!("{:<name_w$} ", t.fit(&e.site, name_w)), t.title()),
                Span::styled(e.message.clone(), style),
            ]);
            wrap_hanging(shown(t, line), inner_w, name_w + 11)
        })
        .collect();
    let inner_h = usize::from(area.height.saturating_sub(2));
    let max_scroll = rows.len().saturating_sub(inner_h);
    let skip = usize::from(app.scroll).min(max_scroll);
    let rows: Vec<Line> = rows.into_iter().skip(skip).take(inner_h).collect();
    frame.render_widget(Paragraph::new(rows).block(block), area);
}
