//! Small pieces shared by the panels: summaries of a site's chain, the freshness note of a
//! fetched piece, the verdict badge, the header and the footer.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use time::OffsetDateTime;

use crate::model::cloudwatch::AlarmState;
use crate::model::obs::{Fetched, human_span};
use crate::model::route53::HealthCheckStatus;
use crate::model::site::SiteObservations;
use crate::model::verdict::VerdictKind;
use crate::report::listener_serves;
use crate::tui::app::{App, Input, Screen};
use crate::tui::keymap::{Action, Context, KEYMAP};
use crate::tui::theme::Theme;

/// A span compact enough for a table cell: `45s`, `5m12s`, `2h3m`.
pub fn short_span(d: Duration) -> String {
    human_span(d).replace(" min", "m").replace(' ', "")
}

/// `HH:MM:SS` of an instant (UTC).
pub fn clock(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// The verdict badge.
pub fn badge(theme: &Theme, kind: VerdictKind) -> Span<'static> {
    Span::styled(Theme::badge_text(kind), theme.verdict(kind))
}

/// Health checks: healthy checkers out of all (summed over the site's checks), or the
/// metric's view; `-` when there is none.
pub fn health_checks(o: &SiteObservations) -> String {
    let ids = o.relevant_health_check_ids();
    if ids.is_empty() {
        return "-".into();
    }
    let (mut ok, mut all, mut seen) = (0, 0, false);
    for id in &ids {
        match o.health_checks.get(id).and_then(|h| h.status.get()) {
            Some(HealthCheckStatus::Checkers { observations }) => {
                seen = true;
                ok += observations.iter().filter(|c| c.healthy()).count();
                all += observations.len();
            }
            Some(HealthCheckStatus::Metric { healthy, .. }) => {
                seen = true;
                ok += usize::from(*healthy);
                all += 1;
            }
            None => {}
        }
    }
    if seen {
        format!("{ok}/{all}")
    } else {
        "?".into()
    }
}

/// Alarms in ALARM or INSUFFICIENT_DATA: `ok`, `2 ALARM`, `1 INSUF`; `-` when none.
pub fn alarms(o: &SiteObservations) -> String {
    if o.alarms.is_empty() {
        return "-".into();
    }
    let count = |st| {
        o.alarms
            .iter()
            .filter(|a| a.alarm.get().is_some_and(|x| x.state == st))
            .count()
    };
    let (alarm, insufficient) = (
        count(AlarmState::Alarm),
        count(AlarmState::InsufficientData),
    );
    let known = o.alarms.iter().filter(|a| a.alarm.get().is_some()).count();
    match (alarm, insufficient) {
        (0, 0) if known == 0 => "?".into(),
        (0, 0) => "ok".into(),
        (a, 0) => format!("{a} ALARM"),
        (0, i) => format!("{i} INSUF"),
        (a, i) => format!("{a}A {i}I"),
    }
}

/// Healthy app targets out of all (sorry target groups left out).
pub fn targets(o: &SiteObservations) -> String {
    let (mut ok, mut all, mut seen) = (0, 0, false);
    for (arn, th) in &o.target_health {
        if o.sorry_target_groups.iter().any(|s| s == arn) {
            continue;
        }
        if let Some(ts) = th.get() {
            seen = true;
            ok += ts
                .iter()
                .filter(|t| t.state == crate::model::elb::TargetState::Healthy)
                .count();
            all += ts.len();
        }
    }
    if seen {
        format!("{ok}/{all}")
    } else {
        "-".into()
    }
}

/// What the listeners forward to: `app`, `sorry`, `mixed`; `-` without listeners.
pub fn listeners(o: &SiteObservations) -> String {
    let mut kinds: Vec<String> = o
        .all_listeners()
        .into_iter()
        .map(|l| match l.default_action() {
            Some(a) if o.is_sorry_action(a) => "sorry".to_string(),
            _ => listener_serves(o, l),
        })
        .collect();
    kinds.sort();
    kinds.dedup();
    match kinds.as_slice() {
        [] => "-".into(),
        [one] => one.replace("fixed-response", "fixed"),
        _ => "mixed".into(),
    }
}

/// The distribution's state: `Deployed`, `InProgress`, `disabled`; `-` without one.
pub fn distribution(o: &SiteObservations) -> String {
    match (&o.distribution, o.sorry_distribution()) {
        (None, _) => "-".into(),
        (Some(_), None) => "?".into(),
        (Some(_), Some(d)) if !d.enabled => "disabled".into(),
        (Some(_), Some(d)) => d.status.to_string(),
    }
}

/// The freshness of a fetched piece, when it needs saying: the classified error and how old the
/// data is, "stale", or "not fetched yet".
pub fn fetch_note<T>(
    theme: &Theme,
    what: &str,
    f: &Fetched<T>,
    now: OffsetDateTime,
    stale_after: Duration,
) -> Option<Line<'static>> {
    let age = f.age(now);
    let age_text = match age {
        Some(a) => format!("data {} old", human_span(a)),
        None => "no data yet".to_string(),
    };
    if let Some(e) = &f.error {
        return Some(Line::from(vec![
            Span::styled(format!("  ! {what}: "), theme.bad()),
            Span::styled(e.error.summary(), theme.bad()),
            Span::styled(format!(" ({age_text})"), theme.warn()),
        ]));
    }
    if f.is_never_fetched() {
        return Some(Line::styled(
            format!("  {what}: not fetched yet"),
            theme.dim(),
        ));
    }
    if f.is_stale(now, stale_after) {
        return Some(Line::styled(
            format!("  ~ {what}: stale, {age_text}"),
            theme.warn(),
        ));
    }
    None
}

/// The top line: product, verdict counts, mode, clock.
pub fn header(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut spans = vec![Span::styled(" switchyard ", t.title())];
    if app.rehearsal {
        // On every screen: this is a copy, and nothing done here reaches production.
        spans.push(Span::styled(" REHEARSAL ", t.protected()));
    }
    let kinds = [
        VerdictKind::FailedOver,
        VerdictKind::Unknown,
        VerdictKind::Degraded,
        VerdictKind::Switching,
        VerdictKind::Maintenance,
        VerdictKind::Live,
    ];
    for k in kinds {
        let n = app.sites.iter().filter(|s| s.verdict.kind == k).count();
        if n > 0 {
            spans.push(Span::raw(" "));
            spans.push(Span::styled(
                format!("{n} {}", k.label()),
                verdict_text(t, k),
            ));
        }
    }
    if !app.actions {
        spans.push(Span::raw("  "));
        spans.push(Span::styled("[READ-ONLY]", t.warn()));
    }
    let right = format!(
        "{}{} UTC ",
        if app.polling { "polling  " } else { "" },
        clock(app.now)
    );
    let left_len: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let pad = usize::from(area.width).saturating_sub(left_len + right.chars().count());
    if pad > 0 {
        spans.push(Span::raw(" ".repeat(pad)));
        spans.push(Span::styled(right, t.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A verdict as coloured text (not a badge).
pub fn verdict_text(t: &Theme, k: VerdictKind) -> Style {
    if t.color {
        Style::new().fg(Theme::verdict_color(k))
    } else {
        Style::new()
    }
}

/// The bottom line: the input being typed, a message, or the main keys of the screen.
pub fn footer(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let line = match (&app.input, &app.message) {
        (Some(Input::Filter), _) => Line::from(vec![
            Span::styled("/", t.key()),
            Span::raw(app.filter.clone()),
            Span::styled("_", t.dim()),
            Span::styled("   enter: keep  esc: clear", t.dim()),
        ]),
        (Some(Input::Command(line)), _) => Line::from(vec![
            Span::styled(":", t.key()),
            Span::raw(line.clone()),
            Span::styled("_", t.dim()),
            Span::styled("   site NAME | refresh | quit", t.dim()),
        ]),
        (None, Some(m)) => Line::styled(format!(" {m}"), t.warn()),
        (None, None) => match (&app.running, &app.modal) {
            (Some(r), _) if r.finished.is_some() => Line::styled(" enter/esc: close", t.dim()),
            (Some(_), _) => Line::styled(" c: cancel the switch (rolls back)", t.dim()),
            (None, Some(_)) => Line::styled(" esc: cancel", t.dim()),
            (None, None) => hints(app),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The keys of the current screen, from the keymap (actions only when offered).
fn hints(app: &App) -> Line<'static> {
    let t = &app.theme;
    let ctx = app.context();
    let offered = app.actions_offered();
    let wanted: &[Action] = match app.screen {
        Screen::Overview => &[
            Action::Open,
            Action::Filter,
            Action::Sort,
            Action::MaintenanceOn,
            Action::FailBack,
            Action::Faults,
            Action::Timeline,
            Action::Help,
            Action::Quit,
        ],
        Screen::Detail => &[
            Action::Back,
            Action::Down,
            Action::NextSite,
            Action::MaintenanceOn,
            Action::FailBack,
            Action::Faults,
            Action::Timeline,
            Action::Help,
            Action::Quit,
        ],
        Screen::Timeline | Screen::Help => &[Action::Back, Action::Down, Action::Quit],
    };
    let mut spans = vec![Span::raw(" ")];
    for action in wanted {
        if (action.is_switch() && !offered) || (action.is_rehearsal() && !app.rehearsal) {
            continue;
        }
        let Some(b) = KEYMAP
            .iter()
            .find(|b| b.action == *action && (b.context == ctx || b.context == Context::Global))
        else {
            continue;
        };
        let key = short_key(b.label);
        let word = short_help(*action);
        spans.push(Span::styled(key, t.key()));
        spans.push(Span::raw(format!(" {word}  ")));
    }
    Line::from(spans)
}

fn short_help(a: Action) -> &'static str {
    match a {
        Action::Open => "open",
        Action::Filter => "filter",
        Action::Sort => "sort",
        Action::MaintenanceOn => "maint",
        Action::FailBack => "failback",
        Action::Faults => "faults",
        Action::Timeline => "events",
        Action::Help => "help",
        Action::Quit => "quit",
        Action::Back => "back",
        Action::Down => "scroll",
        Action::NextSite => "next",
        _ => "",
    }
}

/// The first ASCII alternative of a key label: `↑/k` → `k`, `enter/→/l` → `enter`, `/` → `/`.
pub fn short_key(label: &str) -> String {
    label
        .split('/')
        .find(|p| !p.is_empty() && p.is_ascii())
        .unwrap_or(label)
        .to_string()
}

/// A line wrapped at word boundaries to `width` columns, continuation rows indented two more
/// than the line's own indentation, so that wrapped text stays under its heading.
pub fn wrap_indented(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    let base = line.style;
    let cells: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| s.content.chars().map(move |c| (c, base.patch(s.style))))
        .collect();
    if cells.len() <= width || width < 12 {
        return vec![line];
    }
    let indent = (cells.iter().take_while(|(c, _)| *c == ' ').count() + 2).min(width / 2);
    let mut out = Vec::new();
    let mut start = 0;
    while start < cells.len() {
        let first = out.is_empty();
        let mut from = start;
        if !first {
            while from < cells.len() && cells[from].0 == ' ' {
                from += 1;
            }
            if from == cells.len() {
                break;
            }
        }
        let avail = if first { width } else { width - indent };
        let end = (from + avail).min(cells.len());
        let mut cut = end;
        if end < cells.len()
            && let Some(p) = cells[from..end].iter().rposition(|(c, _)| *c == ' ')
            && p > 0
        {
            cut = from + p + 1;
        }
        let mut row: Vec<(char, Style)> = if first {
            Vec::new()
        } else {
            vec![(' ', Style::default()); indent]
        };
        row.extend_from_slice(&cells[from..cut]);
        out.push(cells_to_line(&row));
        start = cut;
    }
    out
}

fn cells_to_line(cells: &[(char, Style)]) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for (c, st) in cells {
        if style.is_some_and(|s| s != *st) {
            spans.push(Span::styled(
                std::mem::take(&mut text),
                style.unwrap_or_default(),
            ));
        }
        style = Some(*st);
        text.push(*c);
    }
    if !text.is_empty() {
        spans.push(Span::styled(text, style.unwrap_or_default()));
    }
    Line::from(spans)
}
