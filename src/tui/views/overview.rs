//! The overview: one row per site, worst news readable at a glance.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use super::widgets::{self, badge, short_span};
use crate::report::truncate;
use crate::tui::app::App;

/// The columns, and from which width on each is shown.
struct Column {
    title: &'static str,
    width: u16,
    /// The terminal width from which the column is shown.
    from: u16,
}

const COLUMNS: [Column; 9] = [
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
        .title(Span::styled(title, t.title()));
    if visible.is_empty() {
        let text = if app.sites.is_empty() {
            "No sites in the config."
        } else {
            "No site matches the filter (esc clears it)."
        };
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    }
    let shown: Vec<&Column> = COLUMNS.iter().filter(|c| area.width >= c.from).collect();
    let widths: Vec<Constraint> = shown
        .iter()
        .map(|c| {
            if c.width == 0 {
                Constraint::Min(8)
            } else {
                Constraint::Length(c.width)
            }
        })
        .collect();
    // The site column gets what the others leave; long names are cut with an ellipsis, after
    // which the markers still show.
    let fixed: u16 = shown.iter().map(|c| c.width).sum::<u16>() + shown.len() as u16 - 1;
    let site_w = usize::from(area.width.saturating_sub(2 + fixed)).max(8);
    let header = Row::new(shown.iter().map(|c| Cell::from(c.title))).style(t.title());
    let selected = app.selected_index();
    let rows: Vec<Row> = visible
        .iter()
        .map(|i| {
            let s = &app.sites[*i];
            let o = &s.obs;
            let v = &s.verdict;
            let cells: Vec<Cell> = shown
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
                        let marks_w: usize = marks.iter().map(|m| m.content.chars().count()).sum();
                        let name = truncate(&o.name, site_w.saturating_sub(marks_w).max(4));
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
                    _ => {
                        let age = if s.received {
                            v.data_age.map_or_else(|| "-".to_string(), short_span)
                        } else {
                            "...".to_string()
                        };
                        // A failing fetch: "!" beside the age (the detail says which and why).
                        if o.fetch_states().iter().any(|f| f.failing.is_some()) {
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
    // Below the table: the selected site's first reasons.
    let reasons: Vec<Line> = selected
        .map(|i| {
            let s = &app.sites[i];
            let mut lines: Vec<Line> = s
                .verdict
                .reasons
                .iter()
                .take(3)
                .map(|r| Line::raw(format!(" • {r}")))
                .collect();
            if let Some(e) = &s.obs.records.error {
                lines.push(Line::styled(
                    format!(" ! records: {}", e.error.summary()),
                    t.bad(),
                ));
            }
            lines
        })
        .unwrap_or_default();
    // The table as high as its rows, the reasons right below it.
    let table_h = (visible.len() as u16 + 3).min(area.height);
    let n = (reasons.len() as u16).min(area.height - table_h);
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
    let mut state = TableState::default()
        .with_selected(selected.and_then(|i| visible.iter().position(|v| *v == i)));
    frame.render_stateful_widget(table, table_area, &mut state);
    if reasons_area.height > 0 {
        frame.render_widget(Paragraph::new(reasons).style(t.dim()), reasons_area);
    }
}
