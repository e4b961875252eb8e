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
    let events = app.timeline_events();
    let title = if app.timeline_filter.is_empty() {
        format!(" Events ({}) newest first ", app.events.len())
    } else {
        format!(
            " Events {}/{} matching /{} newest first ",
            events.len(),
            app.events.len(),
            app.timeline_filter
        )
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(t.border())
        .title(Span::styled(t.text(&title), t.title()));
    if events.is_empty() {
        let text = if app.events.is_empty() {
            "No changes since the console started. Changes of checks, alarms, targets, the DNS answer and every action appear here."
        } else {
            "No event matches the filter (esc clears it)."
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, t.dim()))
                .wrap(ratatui::widgets::Wrap { trim: true })
                .block(block),
            area,
        );
        return;
    }
    // Each event on as many rows as it needs, continuation rows under the message: the end
    // of a transition ("healthy → unused") is never cut off. The selected event is marked;
    // expanded (enter), every field of it follows.
    let name_w = events
        .iter()
        .map(|e| e.site.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 14);
    let inner_w = usize::from(area.width.saturating_sub(2));
    let sel = app.timeline_sel.min(events.len() - 1);
    let mut rows: Vec<Line> = Vec::new();
    let mut sel_rows = (0, 0);
    for (i, e) in events.iter().enumerate() {
        let style = match &e.kind {
            _ if e.message.starts_with("BREAK-GLASS") => t.bad(),
            EventKind::Action { .. } => t.key(),
            EventKind::VerdictChanged { to, .. } => super::widgets::verdict_text(t, *to),
            _ => ratatui::style::Style::new(),
        };
        let start = rows.len();
        let line = Line::from(vec![
            Span::styled(format!(" {} ", clock(e.at)), t.dim()),
            Span::styled(format!("{:<name_w$} ", t.fit(&e.site, name_w)), t.title()),
            Span::styled(e.message.clone(), style),
        ]);
        let mut lines = wrap_hanging(shown(t, line), inner_w, name_w + 11);
        if i == sel {
            if let Some(first) = lines.first_mut() {
                *first = first.clone().patch_style(t.selected());
            }
            if app.timeline_open {
                for l in details(e) {
                    lines.extend(wrap_hanging(
                        shown(t, Line::styled(l, t.dim())),
                        inner_w,
                        name_w + 13,
                    ));
                }
            }
        }
        rows.extend(lines);
        if i == sel {
            sel_rows = (start, rows.len());
        }
    }
    // The selected event in view, its expansion too when it fits.
    let inner_h = usize::from(area.height.saturating_sub(2));
    let mut skip = sel_rows.1.saturating_sub(inner_h);
    if sel_rows.0 < skip {
        skip = sel_rows.0;
    }
    let rows: Vec<Line> = rows.into_iter().skip(skip).take(inner_h).collect();
    frame.render_widget(Paragraph::new(rows).block(block), area);
}

/// Every field of an event, one per line: the time in full, then what the event holds (who,
/// the outcome, the detail, the states before and after).
fn details(e: &crate::model::event::Event) -> Vec<String> {
    let indent = "    ";
    let mut out = vec![format!(
        "{indent}at: {}",
        e.at.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    )];
    out.push(format!("{indent}site: {}", e.site));
    if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(&e.kind) {
        let mut fields: Vec<_> = fields.into_iter().collect();
        // A tagged kind's tag first.
        fields.sort_by_key(|(k, _)| k != "kind" && k != "type");
        for (k, v) in fields {
            let v = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => continue,
                other => other.to_string(),
            };
            out.push(format!("{indent}{k}: {v}"));
        }
    }
    out
}
