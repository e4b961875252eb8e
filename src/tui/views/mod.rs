//! The views: pure functions of the [`App`] state (no I/O, no clock), one file per panel.

pub mod detail;
pub mod help;
pub mod modal;
pub mod overview;
pub mod progress;
pub mod timeline;
pub mod widgets;

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use time::OffsetDateTime;

use super::app::{App, Screen};

/// The span from `from` to `now`, zero if `from` is later.
pub fn since(from: OffsetDateTime, now: OffsetDateTime) -> Duration {
    Duration::try_from(now - from).unwrap_or(Duration::ZERO)
}

/// Draws the whole console.
pub fn render(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.height < 3 || area.width < 20 {
        // Too small for anything but a note; resizing back brings everything back.
        let text = format!("{} site(s); enlarge", app.sites.len());
        frame.render_widget(ratatui::widgets::Paragraph::new(text), area);
        return;
    }
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    widgets::header(frame, head, app);
    match app.screen {
        Screen::Overview => overview::render(frame, body, app),
        Screen::Detail => detail::render(frame, body, app),
        Screen::Timeline => timeline::render(frame, body, app),
        Screen::Help => help::render(frame, body, app),
    }
    widgets::footer(frame, foot, app);
    if let Some(run) = &app.running {
        progress::render(frame, centered(body, 100, 30), app, run);
    } else if let Some(m) = &app.modal {
        modal::render(frame, centered(body, 100, 30), app, m);
    }
    printable_cells(frame);
}

/// AWS names and messages can hold control characters (a tag with ESC or BEL): drawn raw they
/// would move the cursor and garble the screen. Every cell is checked once per frame.
fn printable_cells(frame: &mut Frame) {
    for cell in frame.buffer_mut().content.iter_mut() {
        if cell.symbol().chars().any(char::is_control) {
            cell.set_symbol("\u{fffd}");
        }
    }
}

/// A rectangle of at most `w` x `h` in the middle of `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
