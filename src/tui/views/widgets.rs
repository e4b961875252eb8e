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
use crate::model::serves::Serves;
use crate::model::share::PollerSource;
use crate::model::site::SiteObservations;
use crate::model::verdict::VerdictKind;
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

/// Where a site's maintenance window stands, when it is worth a mark beside its name: ending
/// within 15 minutes (`12m`: the time left; the reasons say the rest); `None` otherwise (an
/// ended window has its own badge, OVERDUE).
pub fn window_mark(
    m: Option<&crate::model::maintenance::MaintenanceMarker>,
    now: time::OffsetDateTime,
) -> Option<String> {
    use crate::model::verdict::expiry::{WindowState, window};
    match window(m?, now)? {
        WindowState::Open(_) | WindowState::Ended(_) => None,
        WindowState::EndingSoon(d) => Some(short_left(d)),
    }
}

/// `12m`, `40s`: the minutes left, rounded up (seconds under one).
fn short_left(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else {
        format!("{}m", s.div_ceil(60))
    }
}

/// The verdict badge.
pub fn badge(theme: &Theme, kind: VerdictKind) -> Span<'static> {
    Span::styled(Theme::badge_text(kind), theme.verdict(kind))
}

/// Health checks: the site's health checks Route 53 counts healthy out of all of them (see
/// [`crate::model::health::checks_healthy`]: the same number from the metric or the checkers);
/// `-` when there is none.
pub fn health_checks(o: &SiteObservations) -> String {
    if o.relevant_health_check_ids().is_empty() {
        return "-".into();
    }
    match crate::model::health::checks_healthy(o) {
        Some((ok, all)) => format!("{ok}/{all}"),
        None => "?".into(),
    }
}

/// Alarms in ALARM or INSUFFICIENT_DATA, and muted ones (actions disabled): `ok`, `2 ALARM`,
/// `1 INSUF`, `1 muted`, `1A 1M`; `-` when none.
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
    // Muted: its actions disabled (silenced, as maintenance does): it changes state but
    // triggers nothing. Never shown as a plain `ok`.
    let muted = o
        .alarms
        .iter()
        .filter(|a| a.alarm.get().is_some_and(|x| !x.actions_enabled))
        .count();
    match (alarm, insufficient, muted) {
        (0, 0, _) if known == 0 => "?".into(),
        (0, 0, 0) => "ok".into(),
        (0, 0, m) => format!("{m} muted"),
        (a, 0, 0) => format!("{a} ALARM"),
        (0, i, 0) => format!("{i} INSUF"),
        (a, 0, m) => format!("{a}A {m}M"),
        (0, i, m) => format!("{i}I {m}M"),
        (a, i, _) => format!("{a}A {i}I"),
    }
}

/// Healthy app targets out of all (sorry target groups left out).
pub fn targets(o: &SiteObservations) -> String {
    let (mut ok, mut all, mut seen) = (0, 0, false);
    for (arn, th) in &o.target_health {
        if o.sorry_target_groups.iter().any(|s| s == arn) {
            continue;
        }
        // Where the CloudWatch counts were read after the last DescribeTargetHealth (the
        // overview reads that only where the counts show something wrong), the counts.
        if let Some(f) = o.host_counts.get(arn)
            && let Some(c) = f.get()
            && f.fetched_at > th.fetched_at
        {
            seen = true;
            ok += c.healthy as usize;
            all += (c.healthy + c.unhealthy) as usize;
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

/// What clients get from the listeners, their rules in priority order, together (see
/// [`Serves::combine`]): `app`, `sorry`, `mixed` (also when rules reach the app ahead of the
/// sorry page), `fixed`, `redirect`, `nothing`, `unknown` (a default action on the sorry page
/// whose rules are not known); `-` without listeners.
pub fn listeners(o: &SiteObservations) -> String {
    let all = o.all_listeners();
    if all.is_empty() {
        return "-".into();
    }
    let each: Vec<Serves> = all
        .into_iter()
        .map(|l| o.listener_gets(l).serves(o, l))
        .collect();
    if each.contains(&Serves::Unknown) {
        return Serves::Unknown.short().to_string();
    }
    Serves::combine(each).short().to_string()
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

/// The rows of the header: the mode and the verdicts, then who the console is calling AWS as.
pub const HEADER_ROWS: u16 = 2;

/// The header: product, mode badges (DEMO xN, REHEARSAL, READ-ONLY), verdict counts and clock on
/// the first row; the context on the second ([`context_line`]).
pub fn header(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut spans = vec![Span::styled(" switchyard ", t.title())];
    let mut badges = Vec::new();
    if app.rehearsal {
        // On every screen: this is a copy, and nothing done here reaches production.
        badges.push(Span::styled(" REHEARSAL ", t.protected()));
    } else if let Some(speed) = app.demo_speed {
        // The built-in emulator: nothing here is AWS.
        badges.push(Span::styled(
            format!(" DEMO x{} ", speed_text(speed)),
            t.demo(),
        ));
    }
    if !app.actions {
        badges.push(Span::styled(" READ-ONLY ", t.read_only()));
    }
    for (i, b) in badges.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        spans.push(b);
    }
    let kinds = [
        VerdictKind::Down,
        VerdictKind::FailedOver,
        VerdictKind::Unknown,
        VerdictKind::Interrupted,
        VerdictKind::Overdue,
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
    // The clock on the right: shorter forms when the line is full, the time itself last.
    let left_len: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let room = usize::from(area.width).saturating_sub(left_len);
    let time = clock(app.now);
    let polling = if app.polling { "polling  " } else { "" };
    let right = [
        format!("{polling}{time} UTC "),
        format!("{time} UTC "),
        format!("{time} "),
    ]
    .into_iter()
    .find(|r| r.chars().count() < room);
    if let Some(right) = right {
        spans.push(Span::raw(" ".repeat(room - right.chars().count())));
        spans.push(Span::styled(right, t.dim()));
    }
    let lines = vec![
        t.line(Line::from(spans)),
        t.line(context_line(app, usize::from(area.width))),
    ];
    frame.render_widget(Paragraph::new(lines), area);
}

/// An emulator speed as the badge shows it: `10`, `0.5`.
pub fn speed_text(speed: f64) -> String {
    if speed.fract() == 0.0 && speed.abs() < 1e9 {
        format!("{speed:.0}")
    } else {
        format!("{speed}")
    }
}

/// The second row of the header: account, region, profile or role, caller, endpoint (when it
/// is not AWS), the credentials' expiry; whatever does not fit in `width` is left out, the
/// least telling first, and the labels go before the values do. An expiry less than ten
/// minutes away leads the row.
pub fn context_line(app: &App, width: usize) -> Line<'static> {
    use crate::model::sts::Expiry;
    let t = &app.theme;
    let Some(c) = app.contexts.first() else {
        return Line::styled(" reading who this console calls AWS as...", t.dim());
    };
    // (label, value, style, priority: lower is kept longer)
    let mut items: Vec<(&str, String, Style, u8)> = Vec::new();
    if let Some(account) = c.account() {
        items.push(("account", account.to_string(), Style::new(), 0));
    }
    items.push(("region", c.region.clone(), Style::new(), 1));
    if let Some(p) = &c.profile {
        items.push(("profile", p.clone(), Style::new(), 4));
    }
    if let Some(r) = &c.role_arn {
        let short = r.rsplit_once(":role/").map_or(r.as_str(), |(_, n)| n);
        items.push(("role", short.to_string(), Style::new(), 3));
    }
    match (&c.identity, c.caller()) {
        (Ok(_), Some(caller)) => items.push(("caller", caller, Style::new(), 2)),
        (Err(e), _) => items.push(("caller", format!("not read: {e}"), t.bad(), 2)),
        _ => {}
    }
    if let Some(e) = &c.endpoint {
        items.push(("endpoint", e.clone(), t.warn(), 3));
    }
    if let Some(at) = c.expires_at {
        match c.expiry(app.now) {
            Expiry::Expired => items.insert(0, ("credentials", "EXPIRED".to_string(), t.bad(), 0)),
            Expiry::Soon(left) => {
                items.insert(0, ("credentials expire in", short_span(left), t.bad(), 0))
            }
            Expiry::Fine => items.push((
                "credentials until",
                format!("{} UTC", &clock(at)[..5]),
                Style::new(),
                5,
            )),
        }
    }
    // Observations that came through another process's poller say so; a console whose poller
    // others share says how many.
    match &app.poller {
        Some(PollerSource::Joined { leader_pid, .. }) => items.insert(
            0,
            (
                "data via",
                format!("shared poller (pid {leader_pid})"),
                t.warn(),
                0,
            ),
        ),
        Some(PollerSource::Leader { joiners, .. }) if *joiners > 0 => {
            items.push(("poller shared with", format!("{joiners} more"), t.dim(), 4))
        }
        _ => {}
    }
    let others = app
        .contexts
        .iter()
        .skip(1)
        .filter(|o| (o.account(), &o.region) != (c.account(), &c.region))
        .count();
    if others > 0 {
        items.push(("", format!("+{others} more"), t.dim(), 1));
    }
    let render = |items: &[(&str, String, Style, u8)], labels: bool| -> Line<'static> {
        let mut spans = vec![Span::raw(" ")];
        for (i, (label, value, style, _)) in items.iter().enumerate() {
            if i > 0 {
                spans.push(Span::raw("  "));
            }
            // A warning, and a time, keep their words: "8m" or "02:45 UTC" alone say nothing.
            let needs_label = *style == t.bad()
                || label.starts_with("credentials")
                || label.starts_with("data via")
                || label.starts_with("poller");
            if (labels || needs_label) && !label.is_empty() {
                spans.push(Span::styled(format!("{label} "), t.dim()));
            }
            spans.push(Span::styled(value.clone(), *style));
        }
        Line::from(spans)
    };
    let fits = |l: &Line| l.width() <= width;
    let mut kept = items;
    loop {
        let with = render(&kept, true);
        if fits(&with) {
            return with;
        }
        let without = render(&kept, false);
        if fits(&without) || kept.len() <= 1 {
            return without;
        }
        // Leave out the least telling item (the last of the lowest priority).
        if let Some(pos) = kept
            .iter()
            .enumerate()
            .max_by_key(|(i, it)| (it.3, *i))
            .map(|(i, _)| i)
        {
            kept.remove(pos);
        }
    }
}

/// A verdict as coloured text (not a badge).
pub fn verdict_text(t: &Theme, k: VerdictKind) -> Style {
    match Theme::verdict_text_color(k) {
        Some(c) if t.color => Style::new().fg(c),
        _ => Style::new(),
    }
}

/// The bottom line: the input being typed, a message, or the main keys of the screen.
pub fn footer(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let width = usize::from(area.width);
    let line = match (&app.input, &app.message) {
        (Some(Input::Filter), _) => Line::from(vec![
            Span::styled("/", t.key()),
            Span::raw(if app.screen == Screen::Timeline {
                app.timeline_filter.clone()
            } else {
                app.filter.clone()
            }),
            Span::styled("_", t.dim()),
            Span::styled("   enter: keep  esc: clear", t.dim()),
        ]),
        (Some(Input::Command(line)), _) => {
            // What tab completes to, as it is typed.
            let candidates = crate::tui::app::completions(app, line);
            let hint = if candidates.is_empty() {
                "   enter: run  esc: cancel".to_string()
            } else {
                format!("   tab: {}", candidates.join(" | "))
            };
            Line::from(vec![
                Span::styled(":", t.key()),
                Span::raw(line.clone()),
                Span::styled("_", t.dim()),
                Span::styled(hint, t.dim()),
            ])
        }
        (None, Some(m)) => Line::styled(format!(" {m}"), t.warn()),
        (None, None) if app.quit_prompt => Line::styled(
            " f: finish, then quit   r: roll back, then quit   esc: stay",
            t.dim(),
        ),
        (None, None) => match (&app.running, &app.modal) {
            (Some(r), None) if r.background => background(app, r, width),
            (Some(r), _) if r.finished.is_some() => Line::styled(" enter/esc: close", t.dim()),
            (Some(_), _) => Line::styled(" a switch runs: esc sends it to the background", t.dim()),
            (None, Some(_)) => Line::styled(" esc: cancel", t.dim()),
            (None, None) => hints(app, width),
        },
    };
    frame.render_widget(Paragraph::new(t.line(line)), area);
}

/// The status bar while a switch is in the background: the site, what runs and how far (or
/// how it ended), `w` to show it, then the screen's keys that fit.
fn background(app: &App, run: &crate::tui::app::Running, width: usize) -> Line<'static> {
    let t = &app.theme;
    let style = match &run.finished {
        None => t.warn(),
        Some((true, _)) => t.good(),
        Some((false, _)) => t.bad(),
    };
    let status = format!(" {} ", run.status());
    let used = status.chars().count() + 3 + 6;
    let mut spans = vec![
        Span::styled(
            status,
            style.add_modifier(ratatui::style::Modifier::REVERSED),
        ),
        Span::raw(" "),
        Span::styled("w", t.key()),
        Span::raw(" show  "),
    ];
    let rest = hints(app, width.saturating_sub(used));
    spans.extend(rest.spans.into_iter().skip(1));
    Line::from(spans)
}

/// The keys of the current screen, from the keymap (actions only when offered), as many as
/// fit in `width` columns (whole, never cut).
fn hints(app: &App, width: usize) -> Line<'static> {
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
        Screen::Timeline => &[
            Action::Back,
            Action::Down,
            Action::Filter,
            Action::Open,
            Action::Quit,
        ],
        Screen::Help => &[Action::Back, Action::Down, Action::Quit],
    };
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
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
        // n and p share one hint: "n/p sites" (next, previous).
        let key = if *action == Action::NextSite {
            "n/p".to_string()
        } else {
            short_key(b.label)
        };
        let word = if app.screen == Screen::Timeline && *action == Action::Open {
            "expand"
        } else {
            short_help(*action)
        };
        let word = format!(" {word}  ");
        // Whole hints only: one that does not fit is left out with the rest.
        used += key.chars().count() + word.chars().count();
        if used > width + 2 {
            break;
        }
        spans.push(Span::styled(key, t.key()));
        spans.push(Span::raw(word));
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
        Action::NextSite => "sites",
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
    let indent = line
        .spans
        .iter()
        .flat_map(|s| s.content.chars())
        .take_while(|c| *c == ' ')
        .count()
        + 2;
    wrap_hanging(line, width, indent)
}

/// Where a word too long for a row (an ARN, a DNS name) may be broken: after one of these,
/// the first ones preferred.
const STRONG_BREAKS: [char; 3] = ['/', ':', ','];
const WEAK_BREAKS: [char; 3] = ['.', '-', '_'];

/// How many of the first `avail` cells of `text` (which goes on past them) to keep on a row: up
/// to the last space, unless the word after it would not fit on a row of its own
/// (`next_avail` wide) either; such a word is broken after its last `/` or `:` in the row, else
/// its last `.`, `-` or `_`. `None`: cut at `avail`.
fn break_at(text: &[(char, Style)], avail: usize, next_avail: usize) -> Option<usize> {
    let row = &text[..avail];
    let space = row
        .iter()
        .rposition(|(c, _)| *c == ' ')
        .filter(|p| *p > 0)
        .map(|p| p + 1);
    let word_start = space.unwrap_or(0);
    let word_len = text[word_start..]
        .iter()
        .position(|(c, _)| *c == ' ')
        .unwrap_or(text.len() - word_start);
    if space.is_some() && word_len <= next_avail {
        return space;
    }
    let last = |set: &[char]| {
        row[word_start..]
            .iter()
            .rposition(|(c, _)| set.contains(c))
            .map(|p| word_start + p + 1)
            .filter(|p| *p > word_start.max(1))
    };
    last(&STRONG_BREAKS)
        .filter(|p| *p > avail / 2)
        .or_else(|| last(&WEAK_BREAKS).filter(|p| *p > avail / 2))
        .or_else(|| last(&STRONG_BREAKS))
        .or_else(|| last(&WEAK_BREAKS))
        .or(space)
}

/// A line wrapped at word boundaries to `width` columns, continuation rows indented by
/// `indent` (at most half the width). A word longer than a row is broken after a `/`, `:`,
/// `.`, `-` or `_` when it has one; text joined with [`GLUE`](crate::tui::theme::GLUE) stays together.
pub fn wrap_hanging(line: Line<'static>, width: usize, indent: usize) -> Vec<Line<'static>> {
    let base = line.style;
    let cells: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| s.content.chars().map(move |c| (c, base.patch(s.style))))
        .collect();
    if cells.len() <= width || width < 12 {
        return vec![line];
    }
    let indent = indent.min(width / 2);
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
        let cut = if end < cells.len() && cells[end].0 != ' ' {
            from + break_at(&cells[from..], end - from, width - indent).unwrap_or(end - from)
        } else {
            end
        };
        let mut row: Vec<(char, Style)> = if first {
            Vec::new()
        } else {
            vec![(' ', Style::default()); indent]
        };
        row.extend_from_slice(&cells[from..cut]);
        while row.len() > indent && row.last().is_some_and(|(c, _)| *c == ' ') {
            row.pop();
        }
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

/// The text with every Elastic Load Balancing ARN cut to its meaningful tail: the region and
/// account (the site's own) dropped, and long hexadecimal IDs shown as `ellipsis`:
/// `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/pay-app/6f5e4d3c2b1a0987`
/// reads `targetgroup/pay-app/…`.
pub fn short_elb_arns(s: &str, ellipsis: &str) -> String {
    const MARK: &str = ":elasticloadbalancing:";
    if !s.contains(MARK) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find("arn:") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| c.is_whitespace() || "()[],;\"'".contains(c))
            .unwrap_or(tail.len());
        let arn = &tail[..end];
        // arn:partition:service:region:account:resource
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        match parts.as_slice() {
            [_, _, "elasticloadbalancing", _, _, resource] if !resource.is_empty() => {
                let segments: Vec<String> = resource
                    .split('/')
                    .map(|seg| {
                        let is_id =
                            |id: &str| id.len() >= 8 && id.chars().all(|c| c.is_ascii_hexdigit());
                        match seg.split_once(':') {
                            // An ID and what follows it (a port, or the text's colon).
                            Some((id, rest)) if is_id(id) => format!("{ellipsis}:{rest}"),
                            None if is_id(seg) => ellipsis.to_string(),
                            _ => seg.to_string(),
                        }
                    })
                    .collect();
                // The IDs after the name as one ellipsis: `listener/net/pay-nlb/…`.
                let mut joined = segments.join("/");
                let twice = format!("{ellipsis}/{ellipsis}");
                while joined.contains(&twice) {
                    joined = joined.replace(&twice, ellipsis);
                }
                out.push_str(&joined);
            }
            _ => out.push_str(arn),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// The text with a number and its unit ("10 min", "60 s"), "Route 53" and the two sides of a
/// transition ("healthy → unused") joined by [`GLUE`](crate::tui::theme::GLUE), so that
/// wrapping never puts them on two rows.
pub fn glue_units(s: &str) -> String {
    const UNITS: [&str; 5] = ["ms", "s", "min", "h", "d"];
    let glue = crate::tui::theme::GLUE;
    // "Route 53", and a transition's arrow with the words on each side ("healthy → unused").
    let s = s
        .replace("Route 53", &format!("Route{glue}53"))
        .replace(" → ", &format!("{glue}→{glue}"));
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, c) in chars.iter().enumerate() {
        let joins = *c == ' '
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && UNITS.iter().any(|u| {
                let n = u.chars().count();
                chars.len() >= i + 1 + n
                    && chars[i + 1..i + 1 + n].iter().copied().eq(u.chars())
                    && chars
                        .get(i + 1 + n)
                        .is_none_or(|next| !next.is_alphanumeric())
            });
        out.push(if joins { glue } else { *c });
    }
    out
}

/// A line of AWS facts as the console shows it: ELB ARNs cut to their tail, numbers kept with
/// their units, then [`Theme::text`].
pub fn shown(t: &Theme, line: Line<'static>) -> Line<'static> {
    let spans: Vec<Span<'static>> = line
        .spans
        .into_iter()
        .map(|s| {
            Span::styled(
                t.text(&glue_units(&short_elb_arns(&s.content, "…"))),
                s.style,
            )
        })
        .collect();
    Line {
        spans,
        style: line.style,
        alignment: line.alignment,
    }
}

/// At most `rows` of `lines` (each at most `width` wide); when some are left out, the last row
/// kept ends with the theme's ellipsis, cut back to a word boundary to make room.
pub fn first_rows(
    t: &Theme,
    mut lines: Vec<Line<'static>>,
    rows: usize,
    width: usize,
) -> Vec<Line<'static>> {
    if lines.len() <= rows {
        return lines;
    }
    lines.truncate(rows);
    if let Some(last) = lines.pop() {
        let base = last.style;
        let mut cells: Vec<(char, Style)> = last
            .spans
            .iter()
            .flat_map(|s| s.content.chars().map(move |c| (c, base.patch(s.style))))
            .collect();
        let mark = format!(" {}", t.ellipsis());
        let room = width.saturating_sub(mark.chars().count());
        if cells.len() > room {
            let keep = cells[..room]
                .iter()
                .rposition(|(c, _)| *c == ' ')
                .filter(|p| *p > room / 2)
                .unwrap_or(room);
            cells.truncate(keep);
        }
        while cells.last().is_some_and(|(c, _)| *c == ' ') {
            cells.pop();
        }
        let style = cells.last().map(|(_, s)| *s).unwrap_or(base);
        cells.extend(mark.chars().map(|c| (c, style)));
        lines.push(cells_to_line(&cells));
    }
    lines
}

#[cfg(test)]
mod tests {
    use crate::model::elb::{HostCounts, TargetHealth, TargetState};
    use crate::model::obs::Fetched;
    use crate::model::site::SiteObservations;
    use time::macros::datetime;

    /// TARGETS shows the CloudWatch counts where they were read after the last
    /// DescribeTargetHealth (the overview reads that only where the counts show something
    /// wrong), and the per-target read where it is the newer.
    #[test]
    fn targets_shows_the_newer_of_the_counts_and_the_per_target_read() {
        let tg = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/app/1";
        let t0 = datetime!(2026-03-14 02:00:00 UTC);
        let target = |id: &str, state| TargetHealth {
            id: id.into(),
            port: Some(80),
            az: None,
            state,
            reason: None,
            description: None,
        };
        let mut o = SiteObservations::new("app", "Z1", "app.example.com.", "A");
        o.target_health.insert(
            tg.into(),
            Fetched::ok(
                vec![
                    target("i-1", TargetState::Healthy),
                    target("i-2", TargetState::Unhealthy),
                ],
                t0,
            ),
        );
        assert_eq!(super::targets(&o), "1/2");
        let counts = HostCounts {
            healthy: 2,
            unhealthy: 0,
            minute: t0,
        };
        o.host_counts.insert(
            tg.into(),
            Fetched::ok(counts.clone(), t0 + time::Duration::minutes(3)),
        );
        assert_eq!(super::targets(&o), "2/2", "the counts, read later");
        o.host_counts.insert(
            tg.into(),
            Fetched::ok(counts, t0 - time::Duration::minutes(1)),
        );
        assert_eq!(super::targets(&o), "1/2", "the per-target read, newer");
    }
}
