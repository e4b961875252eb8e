//! The event timeline: every change the console detected and every action taken, newest first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::widgets::clock;
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
    let name_w = app
        .events
        .iter()
        .map(|e| e.site.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 14);
    let inner_h = usize::from(area.height.saturating_sub(2));
    let max_scroll = app.events.len().saturating_sub(inner_h);
    let skip = usize::from(app.scroll).min(max_scroll);
    let lines: Vec<Line> = app
        .events
        .iter()
        .rev()
        .skip(skip)
        .take(inner_h)
        .map(|e| {
            let style = match &e.kind {
                EventKind::Action { .. } => t.key(),
                EventKind::VerdictChanged { to, .. } => super::widgets::verdict_text(t, *to),
                _ => ratatui::style::Style::new(),
            };
            Line::from(vec![
                Span::styled(format!(" {} ", clock(e.at)), t.dim()),
                Span::styled(
                    format!("{:<name_w$} ", crate::report::truncate(&e.site, name_w)),
                    t.title(),
                ),
                Span::styled(e.message.clone(), style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
