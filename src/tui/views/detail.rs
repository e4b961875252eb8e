//! Site detail: the whole chain on one screen. Records, health checks with their checkers,
//! alarms with a sparkline, load balancers with listeners, rules and targets, the sorry-page
//! distribution, and the site's latest events. Two columns from 120 columns on, one below.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::widgets::{badge, clock, fetch_note, first_rows, short_span, shown, wrap_indented};
use crate::model::cloudwatch::AlarmState;
use crate::model::elb::TargetState;
use crate::model::health::{Health, check_health};
use crate::model::listener_rules;
use crate::model::obs::human_span;
use crate::model::route53::{Failover, HealthCheckStatus};
use crate::model::serves::Serves;
use crate::model::verdict::{Eta, Served};
use crate::tui::app::{App, SiteState};
use crate::tui::theme::{GLUE, Theme};

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let Some(site) = app.selected_site() else {
        frame.render_widget(Paragraph::new("No site selected."), area);
        return;
    };
    let t = &app.theme;
    let mut area = area;
    if site.obs.protected {
        let banner = t.text(&format!(
            " PROTECTED SITE {}: production; every action needs the site name typed ",
            site.obs.name
        ));
        let line = Line::styled(
            format!("{banner:^w$}", w = usize::from(area.width)),
            t.protected(),
        );
        frame.render_widget(Paragraph::new(line), Rect { height: 1, ..area });
        area = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        };
    }
    // The summary: at most half the height, the verdict and the ETA first.
    let max_rows = usize::from((area.height / 2).saturating_sub(2)).max(1);
    let head = summary(
        app,
        site,
        usize::from(area.width.saturating_sub(2)),
        max_rows,
    );
    let head_h = (head.len() as u16 + 2).min(area.height / 2).max(3);
    let [top, body] =
        Layout::vertical([Constraint::Length(head_h), Constraint::Min(0)]).areas(area);
    frame.render_widget(
        Paragraph::new(head).block(
            Block::default()
                .borders(Borders::ALL)
                .border_set(t.border())
                .title(Span::styled(title(t, site, area.width), t.title())),
        ),
        top,
    );
    let left = [
        records(app, site),
        health_checks(app, site, area.width >= 100 && area.width < 120),
        alarms(app, site),
    ]
    .concat();
    // The width the load balancers get: half from 120 columns on, all of it below.
    let lb_width = if area.width >= 120 {
        area.width / 2
    } else {
        area.width
    };
    let right = [
        load_balancers(app, site, usize::from(lb_width.saturating_sub(2))),
        distribution(app, site),
        events(app, site),
    ]
    .concat();
    if area.width >= 120 {
        let [l, r] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(body);
        column(frame, l, left, app, "Route 53 · alarms");
        column(frame, r, right, app, "Load balancers · CloudFront · events");
    } else {
        column(frame, body, [left, right].concat(), app, "The chain");
    }
}

fn column(frame: &mut Frame, area: Rect, lines: Vec<Line<'static>>, app: &App, title: &str) {
    let t = &app.theme;
    let inner_w = usize::from(area.width.saturating_sub(2));
    let lines: Vec<Line<'static>> = lines
        .into_iter()
        .flat_map(|l| wrap_indented(shown(t, l), inner_w))
        .collect();
    let inner_h = area.height.saturating_sub(2);
    let max_scroll = (lines.len() as u16).saturating_sub(inner_h);
    let scroll = app.scroll.min(max_scroll);
    let more = if max_scroll > scroll {
        " (j: more)"
    } else {
        ""
    };
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .border_set(t.border())
                .title(Span::styled(t.text(&format!(" {title}{more} ")), t.title())),
        ),
        area,
    );
}

fn section(t: &Theme, title: &str) -> Line<'static> {
    Line::styled(title.to_string(), t.title())
}

/// The block's title: the site and its record; a long site name is cut so that the record
/// still shows.
fn title(t: &Theme, site: &SiteState, width: u16) -> String {
    let record = t.text(&crate::model::names::readable(&site.obs.record_name));
    let room = usize::from(width.saturating_sub(4));
    let record_w = record.chars().count();
    // " name — record ": the name gets what the record and the separators leave.
    let name_room = room.saturating_sub(record_w + 5);
    if name_room >= 8 || name_room >= site.obs.name.chars().count() {
        t.text(&format!(
            " {} — {record} ",
            t.fit(&site.obs.name, name_room.max(1))
        ))
    } else {
        format!(" {} ", t.fit(&site.obs.name, room.saturating_sub(2)))
    }
}

/// An ETA as an operator reads it: each part's figure and its worst case, the parts in the
/// order they happen, never wrapped inside a part: `ETA ≤ 3 min: alarm evaluation 1 min x 2 =
/// 2 min, then DNS TTL of the primary 1 min`. The total is on the wall clock: where AWS's clock
/// runs at `speed` (the emulator's), it is divided by it and the AWS time is named beside it;
/// the parts stay in AWS's terms (a health check's interval is what AWS is configured with).
pub fn eta_text(t: &Theme, eta: &Eta, speed: f64) -> String {
    let parts: Vec<String> = eta
        .parts
        .iter()
        .map(|p| {
            let part = if p.what.contains(" x ") {
                // A product: "alarm evaluation 1 min x 2" = its worst case.
                format!("{} = {}", p.what, human_span(p.duration))
            } else {
                format!("{} {}", p.what, human_span(p.duration))
            };
            part.replace(' ', &GLUE.to_string())
        })
        .collect();
    let total = if (speed - 1.0).abs() < 1e-9 || !speed.is_finite() || speed <= 0.0 {
        human_span(eta.total)
    } else {
        format!(
            "{} ({} of AWS time at {speed}x)",
            human_span(crate::model::eta::wall(eta.total, speed)),
            human_span(eta.total)
        )
    };
    format!(
        "ETA {} {total}: {}",
        t.at_most(),
        parts.join(&format!(", then{GLUE}"))
    )
}

/// The verdict, why, what is served, the ETA, the data age and the maintenance marker, wrapped
/// to `width` in at most `max_rows` rows (the reasons are cut first).
fn summary(app: &App, site: &SiteState, width: usize, max_rows: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let v = &site.verdict;
    let age = match (site.received, site.data_age(app.now)) {
        (false, _) => "waiting for the first poll".to_string(),
        (true, Some(a)) => format!("data {} old", human_span(a)),
        (true, None) => "no data".to_string(),
    };
    let mut served = v.served.as_str().to_string();
    if v.served_inferred {
        served.push_str(" (inferred from the failover rules)");
    }
    let wrap = |l: Line<'static>| wrap_indented(shown(t, l), width);
    let mut top = wrap(Line::from(vec![
        badge(t, v.kind),
        Span::raw(format!("  serving the {served}  ·  {age}")),
    ]));
    // One ETA per site: while a switch of this site counts down, its countdown is the ETA.
    let countdown = app
        .countdown
        .as_ref()
        .filter(|(name, c)| *name == site.obs.name && !c.clients_see_it(app.now))
        .map(|(_, c)| c);
    if let Some(c) = countdown {
        top.extend(wrap(Line::raw(super::progress::countdown_text(
            t, c, app.now,
        ))));
    } else if let Some(eta) = &v.eta {
        top.extend(wrap(Line::raw(eta_text(t, eta, site.obs.aws_speed))));
    }
    // What a client gets, next to the verdict it is checked against.
    if let Some(p) = &site.obs.probe {
        use crate::model::probe::Side;
        let style = match (&p.seen.error, p.seen.get().map(|v| v.side)) {
            (Some(_), _) | (None, Some(Side::Neither)) => t.bad(),
            (None, Some(Side::Sorry)) => t.warn(),
            _ => t.dim(),
        };
        top.extend(wrap(Line::styled(format!(" {}", p.line(app.now)), style)));
    }
    let mut bottom = Vec::new();
    if let Some(m) = site.obs.marker() {
        let reason = m
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        bottom.extend(wrap(Line::styled(
            format!(
                "maintenance {} by {} since {}{reason}",
                m.phase.as_str(),
                m.by,
                clock(m.at)
            ),
            t.warn(),
        )));
        // The window's end: the time left, a warning 15 minutes before it, and past it.
        use crate::model::verdict::expiry::{WindowState, window};
        if let Some(w) = window(m, app.now) {
            let (text, style) = match w {
                WindowState::Open(_) => (format!("window: {}", w.text()), t.warn()),
                WindowState::EndingSoon(_) => (
                    format!(
                        "window ends soon: {}; fail back on time (nothing fails back on its own)",
                        w.text()
                    ),
                    t.bad(),
                ),
                // The verdict's reasons say it, with the commands, in red (below).
                WindowState::Ended(_) => (String::new(), t.bad()),
            };
            if !text.is_empty() {
                bottom.extend(wrap(Line::styled(text, style)));
            }
        }
    }
    if !app.actions_for(site) {
        bottom.push(Line::styled("read-only: no actions", t.dim()));
    }
    let reasons: Vec<Line<'static>> = v
        .reasons
        .iter()
        .take(4)
        .flat_map(|r| {
            // A switch made without approval, and a window past its end, stand out.
            if r.starts_with("BREAK-GLASS")
                || r.starts_with("maintenance overdue")
                || r.starts_with("fail back: ")
            {
                wrap(Line::styled(format!("• {r}"), t.bad()))
            } else {
                wrap(Line::raw(format!("• {r}")))
            }
        })
        .collect();
    let room = max_rows.saturating_sub(top.len() + bottom.len()).max(1);
    let mut lines = top;
    lines.extend(first_rows(t, reasons, room, width));
    lines.extend(bottom);
    lines
}

fn records(app: &App, site: &SiteState) -> Vec<Line<'static>> {
    let t = &app.theme;
    let o = &site.obs;
    let mut out = vec![section(t, "Records")];
    out.extend(fetch_note(
        t,
        "records",
        &o.records,
        app.now,
        app.stale_after,
    ));
    let recs = o.site_records();
    if recs.is_empty() && o.records.get().is_some() {
        out.push(Line::styled(
            format!("  no {} record named {}", o.record_type, o.record_name),
            t.bad(),
        ));
    }
    // Members of a routing policy: who gets traffic, and how much.
    let traffic = crate::model::policy::traffic_of(o, app.now, app.stale_after);
    let several = o.covered_types().len() > 1;
    for r in recs {
        let member = traffic.iter().find(|(m, ..)| std::ptr::eq(*m, r));
        let answered = member.is_some_and(|(_, gets, _)| *gets)
            || ((!several || r.rtype == o.record_type)
                && matches!(
                    (r.failover, site.verdict.served),
                    (Some(Failover::Primary), Served::Primary)
                        | (Some(Failover::Secondary), Served::Secondary)
                        | (None, Served::Plain)
                ));
        let mut spans = vec![Span::styled(format!("  {}", r.describe()), t.title())];
        if answered {
            spans.push(Span::styled(format!(" {}", t.answered()), t.good()));
        }
        out.push(Line::from(spans));
        let hc = r.health_check_id.as_deref().map_or_else(
            || "no health check".to_string(),
            |id| format!("check {}", o.health_check_label(id)),
        );
        let eth = r
            .alias
            .as_ref()
            .map(|a| {
                if a.evaluate_target_health {
                    ", evaluate target health"
                } else {
                    ""
                }
            })
            .unwrap_or("");
        // Plain records name their TTL already; an alias's is fixed by AWS.
        let ttl = if r.alias.is_some() {
            format!("TTL {} s, ", r.effective_ttl().as_secs())
        } else {
            String::new()
        };
        let share = match member {
            Some((_, _, Some(p))) => format!(", {p} % of the traffic"),
            Some((_, true, None)) => ", gets traffic".to_string(),
            Some((_, false, None)) => ", no traffic".to_string(),
            None => String::new(),
        };
        out.push(Line::styled(format!("    {ttl}{hc}{eth}{share}"), t.dim()));
    }
    out.extend(fetch_note(
        t,
        "DNS answer",
        &o.dns_answer,
        app.now,
        app.stale_after,
    ));
    let answers = std::iter::once((o.record_type.clone(), &o.dns_answer))
        .chain(o.other_answers.iter().map(|(t, f)| (t.clone(), f)));
    for (rtype, f) in answers {
        let Some(a) = f.get() else { continue };
        let which = if several {
            format!("{rtype} ")
        } else {
            String::new()
        };
        out.push(Line::raw(format!(
            "  Route 53 answers {which}{} ({})",
            if a.values.is_empty() {
                "nothing".to_string()
            } else {
                a.values.join(", ")
            },
            a.response_code
        )));
    }
    if let Some(a) = o.dns_answer.get() {
        let age = o
            .dns_answer
            .age(app.now)
            .map(|a| format!(", {} old", human_span(a)))
            .unwrap_or_default();
        out.push(Line::styled(
            format!("    {}{age}", a.source.read_text()),
            t.dim(),
        ));
    }
    out.push(Line::raw(""));
    out
}

fn health_checks(app: &App, site: &SiteState, wide: bool) -> Vec<Line<'static>> {
    let t = &app.theme;
    let o = &site.obs;
    let ids = o.relevant_health_check_ids();
    if ids.is_empty() {
        return Vec::new();
    }
    let mut out = vec![section(t, "Health checks")];
    for id in ids {
        let h = check_health(o, &id, app.now, app.stale_after);
        let (sym, style) = match h.health {
            Health::Healthy => (t.ok_symbol(), t.good()),
            Health::Unhealthy => (t.fail_symbol(), t.bad()),
            _ => ("?", t.warn()),
        };
        out.push(Line::from(vec![
            Span::styled(format!("  {sym} "), style),
            Span::styled(h.label.clone(), t.title()),
            Span::styled(format!(" {}", h.health.as_str()), style),
        ]));
        let Some(obs) = o.health_checks.get(&id) else {
            continue;
        };
        if let Some(cfg) = obs.config.get() {
            let mut flags = Vec::new();
            if cfg.inverted {
                flags.push("INVERTED");
            }
            if cfg.disabled {
                flags.push("DISABLED (treated healthy)");
            }
            let flags = if flags.is_empty() {
                String::new()
            } else {
                format!(", {}", flags.join(", "))
            };
            let what = match &cfg.alarm {
                Some(a) => format!("{} alarm {}", cfg.kind, a.name),
                None => cfg.describe_target(),
            };
            out.push(Line::raw(format!("    {what}")));
            if cfg.kind.probes_endpoint() {
                out.push(Line::raw(format!(
                    "    every {} s x {} failures{flags}",
                    cfg.request_interval.as_secs(),
                    cfg.failure_threshold
                )));
            } else if !flags.is_empty() {
                out.push(Line::raw(format!("    {}", flags.trim_start_matches(", "))));
            }
        }
        out.extend(fetch_note(
            t,
            "config",
            &obs.config,
            app.now,
            app.stale_after,
        ));
        out.push(Line::styled(format!("    {}", h.why), t.dim()));
        out.extend(fetch_note(
            t,
            "status",
            &obs.status,
            app.now,
            app.stale_after,
        ));
        match obs.status.get() {
            Some(HealthCheckStatus::Checkers { observations }) => {
                for c in observations {
                    let (sym, style) = if c.healthy() {
                        (t.ok_symbol(), t.good())
                    } else {
                        (t.fail_symbol(), t.bad())
                    };
                    let at = c
                        .checked_at
                        .map(|a| {
                            format!("{} ago", short_span(crate::tui::views::since(a, app.now)))
                        })
                        .unwrap_or_default();
                    out.push(Line::from(vec![
                        Span::styled(format!("    {sym} "), style),
                        Span::raw(if wide {
                            format!("{:<15} {:<15} {:<22} {at}", c.region, c.ip, c.brief())
                        } else {
                            format!("{:<15} {:<14} {at}", c.region, c.brief())
                        }),
                    ]));
                }
            }
            Some(HealthCheckStatus::Metric {
                healthy,
                percent_healthy,
                at,
            }) => {
                let pct = percent_healthy
                    .map(|p| format!(", {p:.0}% of checkers healthy"))
                    .unwrap_or_default();
                // Its source and age: the metric lags Route 53 by a minute or more.
                let age = at
                    .map(|at| {
                        format!(
                            " (datapoint {} old; the metric lags)",
                            human_span(super::since(at, app.now))
                        )
                    })
                    .unwrap_or_default();
                out.push(Line::raw(format!(
                    "    metric: {}{pct}{age}",
                    if *healthy { "healthy" } else { "unhealthy" }
                )));
            }
            None => {}
        }
        if let Some(f) = obs
            .last_failures
            .get()
            .and_then(|v| v.iter().max_by_key(|c| c.checked_at))
        {
            out.push(Line::styled(
                format!("    last failure: {} ({})", f.status, f.region),
                t.warn(),
            ));
        }
    }
    out.push(Line::raw(""));
    out
}

fn alarms(app: &App, site: &SiteState) -> Vec<Line<'static>> {
    let t = &app.theme;
    let o = &site.obs;
    if o.alarms.is_empty() {
        return Vec::new();
    }
    let mut out = vec![section(t, "Alarms")];
    for a in &o.alarms {
        let Some(al) = a.alarm.get() else {
            out.push(Line::raw(format!(
                "  {} ({})",
                a.alarm_ref.name, a.alarm_ref.region
            )));
            out.extend(fetch_note(t, "alarm", &a.alarm, app.now, app.stale_after));
            continue;
        };
        let style = match al.state {
            AlarmState::Ok => t.good(),
            AlarmState::Alarm => t.bad(),
            AlarmState::InsufficientData => t.warn(),
        };
        let since = al
            .state_updated
            .map(|s| {
                format!(
                    " since {} ({} ago)",
                    clock(s),
                    short_span(crate::tui::views::since(s, app.now))
                )
            })
            .unwrap_or_default();
        let actions = if al.actions_enabled {
            ""
        } else {
            ", MUTED (actions disabled)"
        };
        let spark = a
            .series
            .get()
            .and_then(|s| s.first())
            .map(|s| {
                let values: Vec<f64> = s.points.iter().map(|p| p.1).collect();
                format!(" {}", t.sparkline(&values, 20))
            })
            .unwrap_or_default();
        out.push(Line::from(vec![
            Span::raw(format!("  {} ", al.name)),
            Span::styled(al.state.as_str().to_string(), style),
            Span::raw(format!("{since}{actions}{spark}")),
        ]));
        out.push(Line::styled(format!("    {}", al.reason), t.dim()));
        out.extend(fetch_note(t, "alarm", &a.alarm, app.now, app.stale_after));
        out.extend(alarm_history(t, a, app));
    }
    out.push(Line::raw(""));
    out
}

/// How many of an alarm's last state changes the detail shows.
const ALARM_CHANGES_SHOWN: usize = 3;

/// An alarm's last state changes, newest first, with their times and CloudWatch's reasons
/// (`02:01:00 OK → ALARM: Threshold Crossed: …`), or why they could not be read.
fn alarm_history(
    t: &Theme,
    a: &crate::model::site::AlarmObservations,
    app: &App,
) -> Vec<Line<'static>> {
    // Read on the detail's cadence: nothing to say until the first read.
    if a.history.is_never_fetched() {
        return Vec::new();
    }
    let mut out = Vec::new();
    out.extend(fetch_note(
        t,
        "alarm history",
        &a.history,
        app.now,
        app.stale_after,
    ));
    let Some(changes) = a.history.get() else {
        return out;
    };
    if changes.is_empty() {
        out.push(Line::styled(
            "    no state change in the last two weeks",
            t.dim(),
        ));
        return out;
    }
    out.push(Line::styled("    last state changes:", t.dim()));
    let state = |s: Option<AlarmState>| s.map_or("?", AlarmState::as_str);
    for c in changes.iter().take(ALARM_CHANGES_SHOWN) {
        let style = match c.to {
            Some(AlarmState::Ok) => t.good(),
            Some(AlarmState::Alarm) => t.bad(),
            _ => t.warn(),
        };
        out.push(Line::from(vec![
            Span::styled(format!("      {} ", clock(c.at)), t.dim()),
            Span::styled(
                format!("{} {} {}", state(c.from), t.arrow(), state(c.to)),
                style,
            ),
            Span::styled(format!(": {}", c.reason), t.dim()),
        ]));
    }
    out
}

fn load_balancers(app: &App, site: &SiteState, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let o = &site.obs;
    let lbs = o.load_balancers.get().cloned().unwrap_or_default();
    let note = fetch_note(
        t,
        "load balancers",
        &o.load_balancers,
        app.now,
        app.stale_after,
    );
    if lbs.is_empty() && note.is_none() {
        return Vec::new();
    }
    let mut out = vec![section(t, "Load balancers")];
    out.extend(note);
    for lb in &lbs {
        out.push(Line::from(vec![
            Span::styled(format!("  {} {}", lb.kind_label(), lb.name), t.title()),
            Span::raw(format!(" ({})", lb.state)),
        ]));
        if let Some(ls) = o.listeners.get(&lb.arn) {
            out.extend(fetch_note(t, "listeners", ls, app.now, app.stale_after));
            for l in ls.get().into_iter().flatten() {
                let serves = o.serves_listener(l);
                let style = serves_style(t, &serves);
                let action = l
                    .default_action()
                    .map_or_else(|| "none".to_string(), |a| a.describe());
                out.push(Line::from(vec![
                    Span::raw(format!(
                        "    listener {} {} {action} ",
                        l.label(),
                        t.arrow()
                    )),
                    Span::styled(format!("[{}]", serves.as_str()), style),
                ]));
                if let Some(rules) = o.rules.get(&l.arn) {
                    out.extend(fetch_note(t, "rules", rules, app.now, app.stale_after));
                    if let Some(rules) = rules.get() {
                        out.extend(rule_lines(t, o, rules, width));
                    }
                }
            }
        }
        for tg in o.target_groups_of(&lb.arn) {
            let sorry = if o.sorry_target_groups.contains(&tg.arn) {
                " (sorry)"
            } else {
                ""
            };
            out.push(target_group_line(
                t,
                o,
                tg,
                format!("    target group {}{sorry}", tg.name),
            ));
            targets(app, site, &tg.arn, &mut out);
        }
    }
    // The app's target groups no listener uses (a listener switched to the sorry page): still
    // shown with their targets, to watch the app recover before failing back.
    if let Some(tgs) = o.target_groups.get() {
        for tg in tgs {
            let attached = lbs
                .iter()
                .any(|lb| o.target_groups_of(&lb.arn).iter().any(|x| x.arn == tg.arn));
            if !attached && !o.sorry_target_groups.contains(&tg.arn) {
                out.push(target_group_line(
                    t,
                    o,
                    tg,
                    format!("    app target group {} (no listener uses it now)", tg.name),
                ));
                targets(app, site, &tg.arn, &mut out);
            }
        }
    }
    // Sorry target groups not attached to a load balancer of the site.
    for arn in &o.sorry_target_groups {
        let attached = lbs
            .iter()
            .any(|lb| o.target_groups_of(&lb.arn).iter().any(|tg| &tg.arn == arn));
        if !attached && o.target_health.contains_key(arn) {
            out.push(Line::raw(format!(
                "    sorry target group {}",
                o.target_group_label(arn)
            )));
            targets(app, site, arn, &mut out);
        }
    }
    out.push(Line::raw(""));
    out
}

/// At most this many lines of rules per listener: runs of rules that do the same share one.
const RULE_LINES: usize = 6;

/// A listener's rules in priority order, in runs that do the same (`4–35  [app] forward to
/// shop-web if path /static/*; … 31 more`), the rules behind one that takes every
/// request as one line, and how many are left over: 40 rules fit in a few lines.
fn rule_lines(
    t: &Theme,
    o: &crate::model::site::SiteObservations,
    rules: &[crate::model::elb::Rule],
    width: usize,
) -> Vec<Line<'static>> {
    let groups = listener_rules::groups(o, rules);
    if groups.is_empty() {
        return Vec::new();
    }
    let total: usize = groups.iter().map(listener_rules::RuleGroup::len).sum();
    let to_app = listener_rules::reaching_the_app(o, rules).len();
    let mut out = vec![Line::styled(
        format!("      {total} rules by priority, {to_app} to the app:"),
        t.dim(),
    )];
    let (shown, more) = listener_rules::fit(&groups, RULE_LINES);
    // The priorities label each line; how many rules a run holds is in its conditions
    // (`…; … 31 more`).
    let label_w = shown
        .iter()
        .map(|g| g.priorities().chars().count())
        .max()
        .unwrap_or(0);
    for g in shown {
        let label = Span::styled(format!("      {:<label_w$} ", g.priorities()), t.dim());
        if let Some(p) = g.behind {
            out.push(Line::from(vec![
                label,
                Span::styled(
                    format!("{} rules not reached (rule {p} takes all)", g.len()),
                    t.dim(),
                ),
            ]));
            continue;
        }
        let tag = format!("[{}]", listener_rules::serves_word(&g.serves));
        let action = format!(" {}", g.action);
        let style = match g.serves {
            Serves::App => t.good(),
            ref s if s.is_sorry_page() || matches!(s, Serves::Mixed { .. }) => t.warn(),
            _ => t.dim(),
        };
        // The conditions after the action when they have room, else on a line of their own.
        let used = 7 + label_w + tag.chars().count() + action.chars().count() + 4;
        let room = width.saturating_sub(used);
        let mut line = vec![label, Span::styled(tag, style), Span::raw(action)];
        if room >= 24 || g.conditions_within(usize::MAX).chars().count() <= room {
            line.push(Span::styled(
                format!(" if {}", g.conditions_within(room)),
                t.dim(),
            ));
            out.push(Line::from(line));
        } else {
            out.push(Line::from(line));
            let pad = " ".repeat(7 + label_w);
            out.push(Line::styled(
                format!(
                    "{pad}if {}",
                    g.conditions_within(width.saturating_sub(pad.len() + 3).max(12))
                ),
                t.dim(),
            ));
        }
    }
    if let Some(m) = more {
        out.push(Line::styled(format!("      {m}"), t.dim()));
    }
    out
}

/// The sorry page (all of it or part of it) in the warning colour, the rest as usual.
fn serves_style(t: &Theme, serves: &Serves) -> ratatui::style::Style {
    if serves.is_sorry_page() || matches!(serves, Serves::Mixed { .. }) {
        t.warn()
    } else {
        t.good()
    }
}

/// A target group's line (`label`) and, when its load balancer fails open onto it (fewer healthy
/// targets than its unhealthy state routing minimum), that it does; else a minimum above AWS's
/// default of 1, so that the operator knows where the line is; when its minimums (attributes)
/// could not be read, that and why.
fn target_group_line(
    t: &Theme,
    o: &crate::model::site::SiteObservations,
    tg: &crate::model::elb::TargetGroup,
    label: String,
) -> Line<'static> {
    let targets = o.target_health.get(&tg.arn).and_then(|f| f.get());
    if let Some(e) = tg.minimums_unread() {
        // AWS's defaults are not the group's minimums: neither failing open nor the line.
        return Line::from(vec![
            Span::raw(label),
            Span::styled(
                format!("  minimums not read: {}", e.error.summary()),
                t.warn(),
            ),
        ]);
    }
    let open = targets.and_then(|th| tg.fails_open(th));
    match (open, targets) {
        (Some(open), _) if open.healthy == 0 => Line::from(vec![
            Span::raw(label),
            Span::styled(
                format!(
                    "  fails open: no target healthy, routes to all {}",
                    open.registered
                ),
                t.bad(),
            ),
        ]),
        (Some(open), _) => Line::from(vec![
            Span::raw(label),
            Span::styled(
                format!(
                    "  fails open: {} of {} healthy, below the minimum of {}",
                    open.healthy, open.registered, open.minimum
                ),
                t.bad(),
            ),
        ]),
        (None, Some(th)) if tg.fail_open_minimum(th.len()) > 1 => Line::from(vec![
            Span::raw(label),
            Span::styled(
                format!(
                    " (fails open below {} healthy)",
                    tg.fail_open_minimum(th.len())
                ),
                t.dim(),
            ),
        ]),
        _ => Line::raw(label),
    }
}

fn targets(app: &App, site: &SiteState, arn: &str, out: &mut Vec<Line<'static>>) {
    let t = &app.theme;
    let Some(th) = site.obs.target_health.get(arn) else {
        return;
    };
    out.extend(fetch_note(t, "targets", th, app.now, app.stale_after));
    for target in th.get().into_iter().flatten() {
        let (sym, style) = match target.state {
            TargetState::Healthy => (t.ok_symbol(), t.good()),
            TargetState::Unhealthy | TargetState::Unavailable => (t.fail_symbol(), t.bad()),
            _ => ("~", t.warn()),
        };
        out.push(Line::from(vec![
            Span::styled(format!("      {sym} "), style),
            Span::raw(format!("{} ", target.label())),
            Span::styled(target.describe_state(), style),
        ]));
        if let Some(d) = &target.description {
            out.push(Line::styled(format!("        {d}"), t.dim()));
        }
    }
}

fn distribution(app: &App, site: &SiteState) -> Vec<Line<'static>> {
    let t = &app.theme;
    let Some(d) = &site.obs.distribution else {
        return Vec::new();
    };
    let mut out = vec![section(t, "Sorry page (CloudFront)")];
    out.extend(fetch_note(
        t,
        "distribution",
        &d.distribution,
        app.now,
        app.stale_after,
    ));
    match d.distribution.get() {
        Some(dist) => {
            let style = if dist.is_ready() { t.good() } else { t.warn() };
            out.push(Line::from(vec![
                Span::raw(format!("  {} {} ", dist.id, dist.domain_name)),
                Span::styled(
                    format!(
                        "{}{}",
                        dist.status,
                        if dist.enabled { "" } else { ", DISABLED" }
                    ),
                    style,
                ),
            ]));
            if !dist.aliases.is_empty() {
                out.push(Line::raw(format!(
                    "    aliases {}",
                    dist.aliases.join(", ")
                )));
            }
            for e in &dist.error_responses {
                let ttl = e
                    .min_ttl
                    .map(|d| format!(", cached {}", short_span(d)))
                    .unwrap_or_default();
                out.push(Line::raw(format!(
                    "    error {} {} {} ({}{ttl})",
                    e.error_code,
                    t.arrow(),
                    e.page.as_deref().unwrap_or("-"),
                    e.response_code
                        .map_or_else(|| "-".to_string(), |c| c.to_string()),
                )));
            }
        }
        None => out.push(Line::raw(format!("  {}", d.id))),
    }
    out.extend(fetch_note(
        t,
        "invalidations",
        &d.invalidations,
        app.now,
        app.stale_after,
    ));
    for inv in d.invalidations.get().into_iter().flatten().take(3) {
        let at = inv.created.map(clock).unwrap_or_default();
        out.push(Line::styled(
            format!("    invalidation {} {} {at}", inv.id, inv.status),
            t.dim(),
        ));
    }
    out.push(Line::raw(""));
    out
}

fn events(app: &App, site: &SiteState) -> Vec<Line<'static>> {
    let t = &app.theme;
    let evs: Vec<_> = app.events_of(&site.obs.name).collect();
    let mut out = vec![section(t, "Latest events")];
    if evs.is_empty() {
        out.push(Line::styled("  none since the console started", t.dim()));
    }
    for e in evs.iter().rev().take(8) {
        out.push(Line::raw(format!("  {} {}", clock(e.at), e.message)));
    }
    out
}
