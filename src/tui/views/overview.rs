//! The overview: one row per site, worst news readable at a glance.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use super::widgets::{self, badge, first_rows, short_span, shown, wrap_hanging};
use crate::tui::app::App;

/// The mark of a site whose chain was not read in full, and its short form where the site
/// column is narrow (the reasons below the table say what was not read).
const INCOMPLETE: [&str; 2] = [" [incomplete]", " [?]"];

/// The columns, and from which width on each is shown.
struct Column {
    title: &'static str,
    width: u16,
    /// The terminal width from which the column is shown.
    from: u16,
}

/// The narrowest reason column worth showing (a reason's first words say little); below it
/// the selected site's reasons stay below the table only.
const REASON_MIN: usize = 40;

const COLUMNS: [Column; 10] = [
    Column {
        title: "VERDICT",
        width: 13,
        from: 0,
    },
    Column {
        title: "SITE",
        width: 0,
        from: 0,
    },
    Column {
        title: "SERVED",
        width: 10,
        from: 0,
    },
    Column {
        title: "CHECKS",
        width: 6,
        from: 60,
    },
    Column {
        title: "ALARMS",
        width: 8,
        from: 76,
    },
    Column {
        title: "TARGETS",
        width: 7,
        from: 70,
    },
    Column {
        title: "LISTENER",
        width: 8,
        from: 80,
    },
    Column {
        title: "SORRY CDN",
        width: 10,
        from: 90,
    },
    Column {
        title: "AGE",
        width: 6,
        from: 50,
    },
    // What is wrong, in short: what the other columns leave once the site names fit.
    Column {
        title: "REASON",
        width: 0,
        from: 0,
    },
];

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let visible = app.visible();
    let title = if app.filter.is_empty() {
        format!(
            " Sites ({}) sorted by {} ",
            app.sites.len(),
            app.sort.label()
        )
    } else {
        format!(
            " Sites {}/{} matching /{} sorted by {} ",
            visible.len(),
            app.sites.len(),
            app.filter,
            app.sort.label()
        )
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(t.border())
        .title(Span::styled(t.text(&title), t.title()));
    if visible.is_empty() {
        let text = if app.sites.is_empty() {
            "No sites in the config."
        } else {
            "No site matches the filter (esc clears it)."
        };
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    }
    let fixed_cols: Vec<&Column> = COLUMNS
        .iter()
        .filter(|c| area.width >= c.from && c.width > 0)
        .collect();
    // The site column is as wide as the longest name with its marks, at most what the fixed
    // columns leave; the reason column gets the rest when it is wide enough to say something.
    // Long names are cut with an ellipsis, after which the markers still show.
    let fixed: u16 = fixed_cols.iter().map(|c| c.width).sum::<u16>() + fixed_cols.len() as u16;
    let avail = usize::from(area.width.saturating_sub(2 + fixed)).max(8);
    let natural = visible
        .iter()
        .map(|i| {
            let s = &app.sites[*i];
            let marks = if s.obs.protected { 4 } else { 0 } + if s.read_only { 5 } else { 0 };
            let incomplete = if s.unread.is_empty() {
                0
            } else {
                INCOMPLETE[0].len()
            };
            let window =
                widgets::window_mark(s.obs.marker(), app.now).map_or(0, |w| w.chars().count() + 3);
            t.text(&s.obs.name).chars().count() + marks + incomplete + window
        })
        .max()
        .unwrap_or(4)
        .max(4);
    let (site_w, reason_w) = if avail >= natural + 1 + REASON_MIN {
        (natural, avail - natural - 1)
    } else {
        (avail, 0)
    };
    let cols: Vec<&Column> = COLUMNS
        .iter()
        .filter(|c| area.width >= c.from)
        .filter(|c| c.title != "REASON" || reason_w > 0)
        .collect();
    let widths: Vec<Constraint> = cols
        .iter()
        .map(|c| match c.title {
            "SITE" => Constraint::Length(site_w as u16),
            "REASON" => Constraint::Length(reason_w as u16),
            _ => Constraint::Length(c.width),
        })
        .collect();
    // One form of the incomplete mark per screen: the word when it fits beside a short name
    // and the protected mark.
    let incomplete_mark = if site_w >= 4 + 4 + INCOMPLETE[0].len() {
        INCOMPLETE[0]
    } else {
        INCOMPLETE[1]
    };
    let header = Row::new(cols.iter().map(|c| Cell::from(c.title))).style(t.title());
    let selected = app.selected_index();
    // The table as high as its rows, the reasons right below it. Only the rows the table shows
    // are built (a frame of 200 sites built 200 rows to show 20): the window that keeps the
    // selected row in sight, as the table itself would place it.
    let table_h = (visible.len() as u16 + 3).min(area.height);
    let in_sight = usize::from(table_h.saturating_sub(3)).max(1);
    let position = selected.and_then(|i| visible.iter().position(|v| *v == i));
    let offset = position.map_or(0, |p| (p + 1).saturating_sub(in_sight));
    let rows: Vec<Row> = visible
        .iter()
        .skip(offset)
        .take(in_sight)
        .map(|i| {
            let s = &app.sites[*i];
            let o = &s.obs;
            let v = &s.verdict;
            let incomplete = !s.unread.is_empty();
            let cells: Vec<Cell> = cols
                .iter()
                .map(|c| match c.title {
                    "VERDICT" => Cell::from(Line::from(badge(t, v.kind))),
                    "SITE" => {
                        let mut marks = Vec::new();
                        if o.protected {
                            marks.push(Span::styled(" [P]", t.bad()));
                        }
                        if s.read_only {
                            marks.push(Span::styled(" [ro]", t.dim()));
                        }
                        if incomplete {
                            marks.push(Span::styled(incomplete_mark, t.bad()));
                        }
                        // The window's end near or past: said beside the name, whatever else.
                        if let Some(w) = widgets::window_mark(o.marker(), app.now) {
                            marks.push(Span::styled(format!(" [{w}]"), t.bad()));
                        }
                        let marks_w: usize = marks.iter().map(|m| m.content.chars().count()).sum();
                        let name = t.fit(&o.name, site_w.saturating_sub(marks_w).max(4));
                        let mut spans = vec![Span::raw(name)];
                        spans.extend(marks);
                        Cell::from(Line::from(spans))
                    }
                    "SERVED" => {
                        let mut served = v.served.as_str().replace("plain record", "plain");
                        if v.served_inferred && served != "unknown" {
                            served.push('?');
                        }
                        Cell::from(served)
                    }
                    "CHECKS" => Cell::from(widgets::health_checks(o)),
                    "ALARMS" => Cell::from(widgets::alarms(o)),
                    "TARGETS" => Cell::from(widgets::targets(o)),
                    "LISTENER" => Cell::from(widgets::listeners(o)),
                    "SORRY CDN" => Cell::from(widgets::distribution(o)),
                    "REASON" => Cell::from(Span::styled(
                        fit_words(t, &short_reason(s), reason_w),
                        t.dim(),
                    )),
                    _ => {
                        let age = if s.received {
                            s.data_age(app.now)
                                .map_or_else(|| "-".to_string(), short_span)
                        } else {
                            "...".to_string()
                        };
                        // A failing fetch: "!" beside the age (the detail says which and why).
                        if s.fetch_failing {
                            Cell::from(Span::styled(format!("{age}!"), t.bad()))
                        } else {
                            Cell::from(age)
                        }
                    }
                })
                .collect();
            let row = Row::new(cells);
            if Some(*i) == selected {
                row.style(t.selected())
            } else {
                row
            }
        })
        .collect();
    // Below the table: the selected site's first reasons, wrapped under their bullet.
    let width = usize::from(area.width);
    let reasons: Vec<Line> = selected
        .map(|i| {
            let s = &app.sites[i];
            let mut lines: Vec<Line<'static>> = s
                .verdict
                .reasons
                .iter()
                .take(3)
                .map(|r| {
                    // A switch made without approval stands out.
                    if r.starts_with("BREAK-GLASS") {
                        Line::styled(format!(" • {r}"), t.bad())
                    } else {
                        Line::raw(format!(" • {r}"))
                    }
                })
                .collect();
            // What was not read, unless the reasons already lead with it.
            let unread = &s.unread;
            for u in unread
                .iter()
                .filter(|u| !s.verdict.reasons.iter().take(3).any(|r| r == *u))
                .take(2)
            {
                lines.push(Line::styled(format!(" ! not read: {u}"), t.bad()));
            }
            if let Some(e) = &s.obs.records.error
                && !unread.iter().any(|u| u.starts_with("records: "))
            {
                lines.push(Line::styled(
                    format!(" ! records: {}", e.error.summary()),
                    t.bad(),
                ));
            }
            lines
                .into_iter()
                .flat_map(|l| wrap_hanging(shown(t, l), width, 3))
                .collect()
        })
        .unwrap_or_default();
    let reasons = first_rows(t, reasons, usize::from(area.height - table_h), width);
    let n = reasons.len() as u16;
    let table_area = Rect {
        height: table_h,
        ..area
    };
    let reasons_area = Rect {
        y: area.y + table_h,
        height: n,
        ..area
    };
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(1);
    let mut state = TableState::default().with_selected(position.map(|p| p - offset));
    frame.render_stateful_widget(table, table_area, &mut state);
    if reasons_area.height > 0 {
        frame.render_widget(Paragraph::new(reasons).style(t.dim()), reasons_area);
    }
}

/// The reason column: what is wrong with a site in a line, nothing for a LIVE site whose
/// chain was read in full (its reasons say what is right; the detail has them).
fn short_reason(s: &crate::tui::app::SiteState) -> String {
    use crate::model::verdict::VerdictKind;
    if !s.received {
        return String::new();
    }
    if s.verdict.kind == VerdictKind::Live {
        return String::new();
    }
    s.verdict.reasons.first().cloned().unwrap_or_default()
}

/// `text` in at most `width` columns: whole, or cut after its last whole word that fits, with
/// the theme's ellipsis (a word is never cut in two, unless it is the only one).
fn fit_words(t: &crate::tui::theme::Theme, text: &str, width: usize) -> String {
    let text = t.text(text);
    if text.chars().count() <= width {
        return text;
    }
    let mark = t.ellipsis();
    let room = width.saturating_sub(mark.chars().count() + 1);
    let head: String = text.chars().take(room + 1).collect();
    match head.rfind(' ') {
        Some(at) if at > 0 => format!("{} {mark}", head[..at].trim_end()),
        _ => t.fit(&text, width),
    }
}
