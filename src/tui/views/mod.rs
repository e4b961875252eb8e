//! The views: pure functions of the [`App`] state (no I/O, no clock), one file per panel.

pub(crate) mod detail;
pub(crate) mod help;
pub(crate) mod modal;
pub(crate) mod overview;
pub(crate) mod progress;
pub(crate) mod timeline;
pub(crate) mod widgets;

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use time::OffsetDateTime;

use super::app::{App, Screen};

/// The smallest terminal the screens are drawn in; below it, a note says so.
pub const MIN_WIDTH: u16 = 50;
pub const MIN_HEIGHT: u16 = 12;

/// The span from `from` to `now`, zero if `from` is later.
pub fn since(from: OffsetDateTime, now: OffsetDateTime) -> Duration {
    Duration::try_from(now - from).unwrap_or(Duration::ZERO)
}

/// Draws the whole console.
pub fn render(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        // Too small to draw the screens legibly: say so (the state is kept, and resizing back
        // brings everything back).
        let lines = vec![
            Line::raw("terminal too small:"),
            Line::raw(format!(
                "{}x{}, need {MIN_WIDTH}x{MIN_HEIGHT}",
                area.width, area.height
            )),
            Line::raw("enlarge it (q quits)"),
        ];
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
        return;
    }
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(widgets::HEADER_ROWS),
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
    if app.running.as_ref().is_some_and(|r| !r.background) || app.modal.is_some() {
        // The rows behind the window are cleared from edge to edge: no cut-off fragments of the
        // screen below beside it.
        let window = centered(body, 100, 30);
        frame.render_widget(
            ratatui::widgets::Clear,
            Rect {
                x: body.x,
                width: body.width,
                ..window
            },
        );
        match (&app.running, &app.modal) {
            (Some(run), _) if !run.background => progress::render(frame, window, app, run),
            (_, Some(m)) => modal::render(frame, window, app, m),
            _ => {}
        }
    }
    if app.quit_prompt
        && let Some(run) = &app.running
    {
        modal::quit_prompt(frame, body, app, run);
    }
    printable_cells(frame, app.theme.ascii);
}

/// AWS names and messages can hold control characters (a tag with ESC or BEL): drawn raw they
/// would move the cursor and garble the screen. Every cell is checked once per frame, and the
/// views' no-break spaces ([`GLUE`](crate::tui::theme::GLUE)) are drawn as spaces.
fn printable_cells(frame: &mut Frame, ascii: bool) {
    for cell in frame.buffer_mut().content.iter_mut() {
        if cell.symbol().chars().any(char::is_control) {
            cell.set_symbol(if ascii { "?" } else { "\u{fffd}" });
        } else if cell.symbol() == "\u{a0}" {
            cell.set_symbol(" ");
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
