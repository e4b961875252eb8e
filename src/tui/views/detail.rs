//! Site detail: the whole chain on one screen. Records, health checks with their checkers,
//! alarms with a sparkline, load balancers with listeners, rules and targets, the sorry-page
//! distribution, and the site's latest events. Two columns from 120 columns on, one below.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::widgets::{badge, clock, fetch_note, short_span, wrap_indented};
use crate::model::cloudwatch::AlarmState;
use crate::model::elb::TargetState;
use crate::model::health::{Health, check_health};
use crate::model::obs::human_span;
use crate::model::route53::{Failover, HealthCheckStatus};
use crate::model::verdict::Served;
use crate::report::{listener_serves, truncate};
use crate::tui::app::{App, SiteState};
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let Some(site) = app.selected_site() else {
        frame.render_widget(Paragraph::new("No site selected."), area);
        return;
    };
    let t = &app.theme;
    let mut area = area;
    if site.obs.protected {
        let banner = format!(
            " PROTECTED SITE {}: production; every action needs the site name typed ",
            site.obs.name
        );
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
    let width = usize::from(area.width);
    let head = summary(app, site, width);
    let head_h = (head.len() as u16 + 2).min(area.height / 2).max(3);
    let [top, body] =
        Layout::vertical([Constraint::Length(head_h), Constraint::Min(0)]).areas(area);
    let title = format!(
        " {} — {} ",
        site.obs.name,
        site.obs.record_name.trim_end_matches('.')
    );
    frame.render_widget(
        Paragraph::new(head).block(
            Block::default()
                .borders(Borders::ALL)
                .border_set(t.border())
                .title(Span::styled(title, t.title())),
        ),
        top,
    );
    let left = [
        records(app, site),
        health_checks(app, site, area.width >= 100 && area.width < 120),
        alarms(app, site),
    ]
    .concat();
    let right = [
        load_balancers(app, site),
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
        .flat_map(|l| wrap_indented(l, inner_w))
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
                .title(Span::styled(format!(" {title}{more} "), t.title())),
        ),
        area,
    );
}

fn section(t: &Theme, title: &str) -> Line<'static> {
    Line::styled(title.to_string(), t.title())
}

/// The verdict, why, what is served, the ETA, the data age and the maintenance marker.
fn summary(app: &App, site: &SiteState, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let v = &site.verdict;
    let age = match (site.received, v.data_age) {
        (false, _) => "waiting for the first poll".to_string(),
        (true, Some(a)) => format!("data {} old", human_span(a)),
        (true, None) => "no data".to_string(),
    };
    let mut served = v.served.as_str().to_string();
    if v.served_inferred {
        served.push_str(" (inferred from health)");
    }
    let mut lines = vec![Line::from(vec![
        badge(t, v.kind),
        Span::raw(format!("  serving the {served}  ·  {age}")),
    ])];
    if let Some(eta) = &v.eta {
        let parts: Vec<String> = eta
            .parts
            .iter()
            .map(|p| format!("{} {}", p.what, short_span(p.duration)))
            .collect();
        lines.push(Line::raw(format!(
            "ETA ≤ {} ({})",
            human_span(eta.total),
            parts.join(" + ")
        )));
    }
    for r in v.reasons.iter().take(4) {
        lines.push(Line::raw(truncate(
            &format!("• {r}"),
            width.saturating_sub(2),
        )));
    }
    if let Some(m) = site.obs.marker() {
        let reason = m
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        lines.push(Line::styled(
            truncate(
                &format!(
                    "maintenance {} by {} since {}{reason}",
                    m.phase.as_str(),
                    m.by,
                    clock(m.at)
                ),
                width.saturating_sub(2),
            ),
            t.warn(),
        ));
    }
    if !app.actions_for(site) {
        lines.push(Line::styled("read-only: no actions", t.dim()));
    }
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
    for r in recs {
        let answered = matches!(
            (r.failover, site.verdict.served),
            (Some(Failover::Primary), Served::Primary)
                | (Some(Failover::Secondary), Served::Secondary)
                | (None, Served::Plain)
        );
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
        out.push(Line::styled(format!("    {ttl}{hc}{eth}"), t.dim()));
    }
    out.extend(fetch_note(
        t,
        "DNS answer",
        &o.dns_answer,
        app.now,
        app.stale_after,
    ));
    if let Some(a) = o.dns_answer.get() {
        out.push(Line::raw(format!(
            "  Route 53 answers {} ({})",
            if a.values.is_empty() {
                "nothing".to_string()
            } else {
                a.values.join(", ")
            },
            a.response_code
        )));
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
                ..
            }) => {
                let pct = percent_healthy
                    .map(|p| format!(", {p:.0}% of checkers healthy"))
                    .unwrap_or_default();
                out.push(Line::raw(format!(
                    "    metric: {}{pct}",
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
            Span::raw(spark),
        ]));
        let actions = if al.actions_enabled {
            ""
        } else {
            ", actions DISABLED"
        };
        out.push(Line::styled(
            format!("    {}{since}{actions}", al.reason),
            t.dim(),
        ));
        out.extend(fetch_note(t, "alarm", &a.alarm, app.now, app.stale_after));
    }
    out.push(Line::raw(""));
    out
}

fn load_balancers(app: &App, site: &SiteState) -> Vec<Line<'static>> {
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
                let serves = match l.default_action() {
                    Some(a) if o.is_sorry_action(a) => "sorry".to_string(),
                    _ => listener_serves(o, l),
                };
                let style = if serves == "sorry" {
                    t.warn()
                } else {
                    t.good()
                };
                let action = l
                    .default_action()
                    .map_or_else(|| "none".to_string(), |a| a.describe());
                out.push(Line::from(vec![
                    Span::raw(format!(
                        "    listener {} {} {action} ",
                        l.label(),
                        t.arrow()
                    )),
                    Span::styled(format!("[{serves}]"), style),
                ]));
                if let Some(rules) = o.rules.get(&l.arn) {
                    for r in rules.get().into_iter().flatten().filter(|r| !r.is_default) {
                        let acts: Vec<String> = r.actions.iter().map(|a| a.describe()).collect();
                        out.push(Line::styled(
                            format!(
                                "      rule {} {} {}",
                                r.priority
                                    .map_or_else(|| "-".to_string(), |p| p.to_string()),
                                t.arrow(),
                                acts.join(", ")
                            ),
                            t.dim(),
                        ));
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
            out.push(Line::raw(format!("    target group {}{sorry}", tg.name)));
            targets(app, site, &tg.arn, &mut out);
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
