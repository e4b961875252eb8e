//! Tests of the console: the pure update (keys, focus, filter, staleness, errors, actions) and
//! insta snapshots of every screen at 80x24 and 120x40 with ratatui's TestBackend, plus style
//! checks of the verdict colours and the protected banner.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use super::actions::{ActionRequest, ActionUpdate};
use super::app::{App, Button, Effect, Fault, Modal, Msg, Screen, SortKey, update};
use super::theme::Theme;
use super::views;
use crate::model::cloudwatch::AlarmState;
use crate::model::event::EventKind;
use crate::model::fixtures::{Fx, NOW, STALE, denied, throttled};
use crate::model::maintenance::MaintenancePhase;
use crate::model::site::SiteObservations;
use crate::model::verdict::{Served, VerdictKind};
use crate::poll::poller::PollUpdate;
use crate::switch::plan::{
    Direction, Plan, PlanStep, PreflightCheck, Progress, StepProgress, VerifyItem,
};

// ----- building apps -------------------------------------------------------------------------

fn named(fx: Fx, name: &str) -> SiteObservations {
    let mut o = fx.0;
    o.name = name.to_string();
    o
}

fn live() -> SiteObservations {
    named(Fx::alb_cloudfront(), "shop")
}

fn failed_over() -> SiteObservations {
    named(
        Fx::alb_cloudfront()
            .checkers(0, 8)
            .all_app_targets(
                crate::model::elb::TargetState::Unused,
                Some("Target.InvalidState"),
            )
            .dns_answers(Served::Secondary),
        "shop",
    )
}

fn demo_sites() -> Vec<SiteObservations> {
    let mut protected = named(Fx::nlb_listener(), "pay");
    protected.protected = true;
    vec![
        live(),
        named(
            Fx::alb_cloudfront_eth().az_targets(
                "eu-west-1b",
                crate::model::elb::TargetState::Unhealthy,
                Some("Target.ResponseCodeMismatch"),
            ),
            "blog",
        ),
        named(Fx::cloudwatch_metric().alarm(AlarmState::Alarm), "api"),
        protected,
        named(
            Fx::nlb_listener()
                .listener_forwards_to_sorry()
                .marker(MaintenancePhase::Active),
            "portal",
        ),
        named(Fx::dns_name_control(), "db"),
    ]
}

/// An app on these sites with their first poll received, at the fixtures' NOW.
fn app(sites: Vec<SiteObservations>, actions: bool) -> App {
    let mut a = App::new(
        sites.iter().cloned().map(|s| (s, false)).collect(),
        STALE,
        NOW,
        actions,
        Theme::new(false, false),
    );
    for (index, s) in sites.into_iter().enumerate() {
        update(
            &mut a,
            Msg::Poll(PollUpdate::Site {
                index,
                observations: Box::new(s),
            }),
        );
    }
    a
}

fn key(a: &mut App, code: KeyCode) -> Vec<Effect> {
    update(a, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn keys(a: &mut App, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| key(a, KeyCode::Char(c)))
        .collect()
}

fn visible_names(a: &App) -> Vec<&str> {
    a.visible()
        .iter()
        .map(|i| a.sites[*i].obs.name.as_str())
        .collect()
}

fn draw(a: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| views::render(f, a)).unwrap();
    t
}

fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// Snapshots of a state at 80x24 and 120x40.
fn snap(name: &str, a: &App) {
    for (w, h) in [(80, 24), (120, 40)] {
        let t = draw(a, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

fn plan(site: &str, protected: bool, refused: bool) -> Plan {
    Plan {
        site: site.into(),
        direction: Direction::On,
        account: Some("111122223333".into()),
        caller: Some("arn:aws:sts::111122223333:assumed-role/ops/alice".into()),
        region: "eu-west-1".into(),
        protected,
        nothing_to_do: None,
        steps: vec![
            PlanStep {
                strategy: "route53-invert-health-check".into(),
                call: "route53:UpdateHealthCheck".into(),
                resource: "3f1c9a2e…".into(),
                before: "Inverted=false".into(),
                after: "Inverted=true".into(),
            },
            PlanStep {
                strategy: "silence-alarms".into(),
                call: "cloudwatch:DisableAlarmActions".into(),
                resource: "app-1-StatusCheckFailed".into(),
                before: "actions enabled".into(),
                after: "actions disabled".into(),
            },
        ],
        preflight: vec![
            PreflightCheck {
                name: "the sorry page's distribution is deployed".into(),
                passed: true,
                detail: "E2QWRUHAPOMQZL Deployed".into(),
            },
            PreflightCheck {
                name: "no Route 53 change is pending".into(),
                passed: !refused,
                detail: if refused {
                    "change C0123 PENDING since 01:59:30".into()
                } else {
                    "none pending".into()
                },
            },
        ],
        made_at: NOW,
    }
}

/// An app with the confirmation of `plan` open.
fn confirming(p: Plan) -> App {
    let mut a = app(demo_sites(), true);
    a.selected = Some(p.site.clone());
    let fx = key(&mut a, KeyCode::Char('m'));
    assert!(fx.contains(&Effect::Request(ActionRequest::Plan {
        site: p.site.clone(),
        direction: Direction::On
    })));
    update(&mut a, Msg::Action(ActionUpdate::Planned(Ok(p))));
    a
}

// ----- update: keys, focus, filter, staleness, errors ------------------------------------------

#[test]
fn arrows_and_vim_keys_move_the_selection_and_stop_at_the_ends() {
    let mut a = app(demo_sites(), false);
    assert_eq!(a.selected.as_deref(), Some("shop"));
    key(&mut a, KeyCode::Char('k'));
    assert_eq!(a.selected.as_deref(), Some("shop"));
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Char('j'));
    assert_eq!(a.selected.as_deref(), Some("api"));
    key(&mut a, KeyCode::Up);
    assert_eq!(a.selected.as_deref(), Some("blog"));
    for _ in 0..10 {
        key(&mut a, KeyCode::Char('j'));
    }
    assert_eq!(a.selected.as_deref(), Some("db"));
}

#[test]
fn opening_a_site_focuses_the_poller_on_it_and_back_unfocuses() {
    let mut a = app(demo_sites(), false);
    key(&mut a, KeyCode::Char('j'));
    let fx = key(&mut a, KeyCode::Enter);
    assert_eq!(a.screen, Screen::Detail);
    assert_eq!(fx, vec![Effect::Focus(Some("blog".into()))]);
    let fx = key(&mut a, KeyCode::Char('n'));
    assert_eq!(fx, vec![Effect::Focus(Some("api".into()))]);
    let fx = key(&mut a, KeyCode::Char('p'));
    assert_eq!(fx, vec![Effect::Focus(Some("blog".into()))]);
    let fx = key(&mut a, KeyCode::Esc);
    assert_eq!(a.screen, Screen::Overview);
    assert_eq!(fx, vec![Effect::Focus(None)]);
    assert_eq!(a.selected.as_deref(), Some("blog"));
}

#[test]
fn help_and_timeline_return_where_they_were_opened() {
    let mut a = app(demo_sites(), false);
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Char('?'));
    assert_eq!(a.screen, Screen::Help);
    key(&mut a, KeyCode::Char('t'));
    assert_eq!(a.screen, Screen::Timeline);
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.screen, Screen::Detail);
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut a = app(demo_sites(), false);
    assert_eq!(key(&mut a, KeyCode::Char('q')), vec![Effect::Quit]);
    let mut a = app(demo_sites(), false);
    let fx = update(
        &mut a,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert_eq!(fx, vec![Effect::Quit]);
    assert!(a.quit);
}

#[test]
fn the_filter_narrows_as_typed_and_keeps_the_selection_visible() {
    let mut a = app(demo_sites(), false);
    key(&mut a, KeyCode::Char('/'));
    keys(&mut a, "pa");
    assert_eq!(visible_names(&a), ["pay"]);
    assert_eq!(a.selected.as_deref(), Some("pay"));
    // q is typed into the filter, not a quit.
    assert!(keys(&mut a, "q").is_empty());
    assert!(a.visible().is_empty());
    key(&mut a, KeyCode::Backspace);
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.filter, "pa");
    assert!(a.input.is_none());
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.filter, "");
    assert_eq!(a.visible().len(), 6);
}

#[test]
fn the_filter_matches_verdicts_too() {
    let mut a = app(demo_sites(), false);
    key(&mut a, KeyCode::Char('/'));
    keys(&mut a, "maint");
    assert_eq!(visible_names(&a), ["portal"]);
}

#[test]
fn sorting_by_severity_puts_the_worst_first_and_the_selection_stays() {
    let mut a = app(demo_sites(), false);
    key(&mut a, KeyCode::Char('s'));
    assert_eq!(a.sort, SortKey::Severity);
    let first = a.visible()[0];
    let worst = a.sites.iter().map(|s| s.verdict.kind).max().unwrap();
    assert_eq!(a.sites[first].verdict.kind, worst);
    assert_eq!(a.selected.as_deref(), Some("shop"));
    keys(&mut a, "sss");
    assert_eq!(a.sort, SortKey::Config);
}

#[test]
fn commands_open_a_site_refresh_and_quit() {
    let mut a = app(demo_sites(), false);
    keys(&mut a, ":site api");
    let fx = key(&mut a, KeyCode::Enter);
    assert_eq!(fx, vec![Effect::Focus(Some("api".into()))]);
    assert_eq!(a.screen, Screen::Detail);
    keys(&mut a, ":nope");
    key(&mut a, KeyCode::Enter);
    assert!(a.message.as_deref().unwrap().contains("unknown command"));
    keys(&mut a, ":site nowhere");
    key(&mut a, KeyCode::Enter);
    let m = a.message.clone().unwrap();
    assert!(
        m.contains("no site named") && m.contains("shop, blog"),
        "{m}"
    );
    keys(&mut a, ":refresh");
    assert_eq!(key(&mut a, KeyCode::Enter), vec![Effect::Refresh]);
    keys(&mut a, ":quit");
    assert_eq!(key(&mut a, KeyCode::Enter), vec![Effect::Quit]);
}

#[test]
fn data_getting_old_turns_the_verdict_unknown_and_the_clock_redraws_once_a_second() {
    let mut a = app(vec![live()], false);
    assert_eq!(a.sites[0].verdict.kind, VerdictKind::Live);
    a.dirty = false;
    update(&mut a, Msg::Tick(NOW + Duration::from_millis(300)));
    assert!(!a.dirty, "no redraw within the same second");
    update(&mut a, Msg::Tick(NOW + Duration::from_secs(1)));
    assert!(a.dirty);
    update(&mut a, Msg::Tick(NOW + Duration::from_secs(600)));
    assert_eq!(a.sites[0].verdict.kind, VerdictKind::Unknown);
    let t = draw(&a, 120, 40);
    assert!(text(t.backend().buffer()).contains("UNKNOWN"));
}

#[test]
fn a_new_poll_yields_events_with_records_for_the_log() {
    let mut a = app(vec![live()], false);
    let fx = update(
        &mut a,
        Msg::Poll(PollUpdate::Site {
            index: 0,
            observations: Box::new(failed_over()),
        }),
    );
    assert_eq!(a.sites[0].verdict.kind, VerdictKind::FailedOver);
    assert!(a.events.iter().any(|e| matches!(
        e.kind,
        EventKind::VerdictChanged {
            to: VerdictKind::FailedOver,
            ..
        }
    )));
    let records = fx.iter().filter(|f| matches!(f, Effect::Record(_))).count();
    assert_eq!(records, a.events.len());
    // Unknown indices are ignored.
    let fx = update(
        &mut a,
        Msg::Poll(PollUpdate::Site {
            index: 9,
            observations: Box::new(live()),
        }),
    );
    assert!(fx.is_empty());
}

#[test]
fn a_failed_fetch_shows_the_classified_error_and_the_age_of_the_data() {
    let site = named(
        Fx::alb_cloudfront().status_fetch_failed(denied(), 200),
        "shop",
    );
    let mut a = app(vec![site], false);
    key(&mut a, KeyCode::Enter);
    let t = draw(&a, 120, 40);
    let s = text(t.backend().buffer());
    assert!(s.contains("access denied"), "{s}");
    assert!(s.contains("old"), "{s}");
}

#[test]
fn read_only_hides_and_ignores_the_actions() {
    let mut a = app(demo_sites(), false);
    assert!(key(&mut a, KeyCode::Char('m')).is_empty());
    assert!(key(&mut a, KeyCode::Char('f')).is_empty());
    assert!(a.modal.is_none());
    let s = text(draw(&a, 120, 40).backend().buffer());
    assert!(!s.contains("maint"), "{s}");
    key(&mut a, KeyCode::Char('?'));
    let s = text(draw(&a, 120, 40).backend().buffer());
    assert!(!s.contains("maintenance on"), "{s}");
    assert!(s.contains("Maintenance actions are hidden"), "{s}");
}

#[test]
fn a_read_only_site_hides_the_actions_for_that_site_only() {
    let mut a = app(demo_sites(), true);
    a.sites[0].read_only = true;
    assert!(key(&mut a, KeyCode::Char('m')).is_empty());
    key(&mut a, KeyCode::Char('j'));
    assert!(!key(&mut a, KeyCode::Char('f')).is_empty());
}

#[test]
fn cancel_has_the_focus_and_enter_on_it_does_nothing() {
    let mut a = confirming(plan("blog", false, false));
    let Some(Modal::Confirm(c)) = &a.modal else {
        panic!("no confirmation")
    };
    assert_eq!(c.focus, Button::Cancel);
    let fx = key(&mut a, KeyCode::Enter);
    assert!(fx.is_empty());
    assert!(a.modal.is_none() && a.running.is_none());
}

#[test]
fn confirming_runs_the_plan_and_progress_goes_to_the_timeline() {
    let mut a = confirming(plan("blog", false, false));
    key(&mut a, KeyCode::Tab);
    let fx = key(&mut a, KeyCode::Enter);
    assert!(fx.iter().any(|f| matches!(
        f,
        Effect::Request(ActionRequest::Execute { force: false, .. })
    )));
    assert!(a.running.is_some());
    // Keys other than c do nothing while it runs; q does not quit.
    assert!(key(&mut a, KeyCode::Char('q')).is_empty());
    let step = |index, state| {
        Msg::Action(ActionUpdate::Progress(Progress::Step {
            index,
            state,
            detail: String::new(),
            elapsed: Duration::from_millis(400),
        }))
    };
    update(&mut a, step(0, StepProgress::Running));
    let fx = update(&mut a, step(0, StepProgress::Done));
    assert!(fx.iter().any(|f| matches!(f, Effect::Record(_))));
    let fx = update(
        &mut a,
        Msg::Action(ActionUpdate::Progress(Progress::Finished {
            ok: true,
            summary: "blog serves the sorry page".into(),
        })),
    );
    assert!(fx.contains(&Effect::Refresh));
    let actions = a
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Action { .. }))
        .count();
    assert_eq!(actions, 3, "started, step 1 done, succeeded");
    key(&mut a, KeyCode::Enter);
    assert!(a.running.is_none());
}

#[test]
fn a_protected_site_needs_its_name_typed() {
    let mut a = confirming(plan("pay", true, false));
    key(&mut a, KeyCode::Tab);
    assert!(key(&mut a, KeyCode::Enter).is_empty(), "not typed yet");
    assert!(a.message.as_deref().unwrap().contains("type the site name"));
    // h, l and q are typed, not shortcuts.
    keys(&mut a, "pyq");
    key(&mut a, KeyCode::Backspace);
    key(&mut a, KeyCode::Backspace);
    keys(&mut a, "ay");
    let fx = key(&mut a, KeyCode::Enter);
    assert!(
        fx.iter()
            .any(|f| matches!(f, Effect::Request(ActionRequest::Execute { .. })))
    );
}

#[test]
fn a_refused_preflight_needs_force_chosen_twice() {
    let mut a = confirming(plan("blog", false, true));
    key(&mut a, KeyCode::Right);
    assert!(key(&mut a, KeyCode::Enter).is_empty());
    let Some(Modal::Confirm(c)) = &a.modal else {
        panic!("the confirmation closed")
    };
    assert!(c.force_armed);
    assert_eq!(c.focus, Button::Cancel, "cancel focused again");
    key(&mut a, KeyCode::Char('l'));
    let fx = key(&mut a, KeyCode::Enter);
    assert!(fx.iter().any(|f| matches!(
        f,
        Effect::Request(ActionRequest::Execute { force: true, .. })
    )));
}

#[test]
fn a_failed_plan_is_shown_and_recorded() {
    let mut a = app(demo_sites(), true);
    key(&mut a, KeyCode::Char('f'));
    let fx = update(
        &mut a,
        Msg::Action(ActionUpdate::Planned(Err(
            "no original values recorded".into()
        ))),
    );
    assert!(matches!(a.modal, Some(Modal::PlanFailed { .. })));
    assert!(fx.iter().any(|f| matches!(f, Effect::Record(_))));
    key(&mut a, KeyCode::Esc);
    assert!(a.modal.is_none());
}

#[test]
fn closing_the_planning_modal_cancels_and_a_late_plan_is_dropped() {
    let mut a = app(demo_sites(), true);
    key(&mut a, KeyCode::Char('m'));
    assert_eq!(
        key(&mut a, KeyCode::Esc),
        vec![Effect::Request(ActionRequest::Cancel)]
    );
    update(
        &mut a,
        Msg::Action(ActionUpdate::Planned(Ok(plan("shop", false, false)))),
    );
    assert!(a.modal.is_none());
}

// ----- snapshots -------------------------------------------------------------------------------

#[test]
fn snapshot_overview() {
    snap("overview", &app(demo_sites(), true));
}

#[test]
fn snapshot_overview_read_only() {
    snap("overview_read_only", &app(demo_sites(), false));
}

#[test]
fn snapshot_overview_errors_and_stale() {
    let sites = vec![
        named(
            Fx::alb_cloudfront().status_fetch_failed(throttled(), 30),
            "throttled",
        ),
        named(Fx::alb_cloudfront().all_fetched(600), "stale"),
        named(Fx::alb_cloudfront().records_never_fetched(), "waiting"),
    ];
    snap("overview_errors", &app(sites, true));
}

#[test]
fn snapshot_overview_empty_and_no_match() {
    snap("overview_empty", &app(Vec::new(), true));
    let mut a = app(demo_sites(), true);
    key(&mut a, KeyCode::Char('/'));
    keys(&mut a, "zzz");
    snap("overview_no_match", &a);
}

#[test]
fn snapshot_overview_long_names() {
    let long = "checkout-payments-eu-west-1-production-blue-green-canary-2026";
    let mut sites = demo_sites();
    sites[0].name = long.to_string();
    let mut a = app(sites, true);
    a.selected = Some(long.to_string());
    snap("overview_long_name", &a);
    key(&mut a, KeyCode::Enter);
    snap("detail_long_name", &a);
}

#[test]
fn snapshot_detail_live_protected() {
    let mut site = live();
    site.protected = true;
    let mut a = app(vec![site], true);
    key(&mut a, KeyCode::Enter);
    snap("detail_live_protected", &a);
}

#[test]
fn snapshot_detail_failed_over_with_events() {
    let mut a = app(vec![live()], true);
    update(
        &mut a,
        Msg::Poll(PollUpdate::Site {
            index: 0,
            observations: Box::new(failed_over()),
        }),
    );
    key(&mut a, KeyCode::Enter);
    snap("detail_failed_over", &a);
}

#[test]
fn snapshot_detail_errors_and_stale() {
    let site = named(
        Fx::cloudwatch_metric()
            .alarm(AlarmState::InsufficientData)
            .status_fetch_failed(denied(), 200),
        "api",
    );
    let mut a = app(vec![site], true);
    key(&mut a, KeyCode::Enter);
    snap("detail_errors", &a);
}

#[test]
fn snapshot_detail_nlb_maintenance_scrolled() {
    let site = named(
        Fx::nlb_listener()
            .listener_forwards_to_sorry()
            .marker(MaintenancePhase::Active),
        "pay",
    );
    let mut a = app(vec![site], true);
    key(&mut a, KeyCode::Enter);
    snap("detail_nlb_maintenance", &a);
    key(&mut a, KeyCode::Char('j'));
    key(&mut a, KeyCode::Char('j'));
    snap("detail_nlb_maintenance_scrolled", &a);
}

#[test]
fn snapshot_timeline() {
    let mut a = app(vec![live()], true);
    snap("timeline_empty", &{
        let mut b = a.clone();
        key(&mut b, KeyCode::Char('t'));
        b
    });
    update(
        &mut a,
        Msg::Poll(PollUpdate::Site {
            index: 0,
            observations: Box::new(failed_over()),
        }),
    );
    key(&mut a, KeyCode::Char('t'));
    snap("timeline", &a);
}

#[test]
fn snapshot_help() {
    let mut a = app(demo_sites(), true);
    key(&mut a, KeyCode::Char('?'));
    snap("help", &a);
    let mut a = app(demo_sites(), false);
    key(&mut a, KeyCode::Char('?'));
    snap("help_read_only", &a);
}

#[test]
fn snapshot_ascii_no_color() {
    let mut a = app(demo_sites(), true);
    a.theme = Theme::new(true, true);
    snap("overview_ascii", &a);
    key(&mut a, KeyCode::Enter);
    snap("detail_ascii", &a);
}

#[test]
fn snapshot_modal() {
    snap("modal_planning", &{
        let mut a = app(demo_sites(), true);
        key(&mut a, KeyCode::Char('m'));
        a
    });
    snap("modal_normal", &confirming(plan("blog", false, false)));
    let mut a = confirming(plan("pay", true, false));
    keys(&mut a, "pa");
    snap("modal_protected", &a);
    let mut a = confirming(plan("blog", false, true));
    snap("modal_refused", &a);
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Enter);
    snap("modal_refused_force_armed", &a);
}

#[test]
fn snapshot_progress() {
    let mut a = confirming(plan("blog", false, false));
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Enter);
    update(&mut a, Msg::Tick(NOW + Duration::from_secs(12)));
    for (index, state) in [(0, StepProgress::Done), (1, StepProgress::Running)] {
        update(
            &mut a,
            Msg::Action(ActionUpdate::Progress(Progress::Step {
                index,
                state,
                detail: if index == 0 {
                    "HealthCheckVersion 3 -> 4".into()
                } else {
                    String::new()
                },
                elapsed: Duration::from_secs(2),
            })),
        );
    }
    update(
        &mut a,
        Msg::Action(ActionUpdate::Progress(Progress::Verify {
            items: vec![
                VerifyItem {
                    what: "health check 3f1c9a2e… unhealthy".into(),
                    converged: true,
                    seen: "0 of 8 checkers report success".into(),
                },
                VerifyItem {
                    what: "DNS answers the secondary".into(),
                    converged: false,
                    seen: "198.51.100.10, 198.51.100.11".into(),
                },
            ],
            eta: Some(Duration::from_secs(95)),
        })),
    );
    snap("progress_running", &a);
    update(
        &mut a,
        Msg::Action(ActionUpdate::Progress(Progress::Finished {
            ok: false,
            summary: "step 2 failed: AccessDenied; step 1 rolled back".into(),
        })),
    );
    snap("progress_finished", &a);
}

#[test]
fn tiny_and_resized_terminals_do_not_panic() {
    let mut a = app(demo_sites(), true);
    for (w, h) in [(20, 5), (1, 1), (80, 24), (30, 10), (200, 60)] {
        draw(&a, w, h);
    }
    key(&mut a, KeyCode::Enter);
    for (w, h) in [(20, 5), (40, 8), (200, 60)] {
        draw(&a, w, h);
    }
    let mut a = confirming(plan("pay", true, true));
    for (w, h) in [(20, 5), (40, 8)] {
        draw(&a, w, h);
    }
    key(&mut a, KeyCode::Esc);
}

// ----- styles ---------------------------------------------------------------------------------

/// The cell where `needle` starts in the buffer.
fn find(buf: &Buffer, needle: &str) -> (u16, u16) {
    let s = text(buf);
    for (y, line) in s.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let n: Vec<char> = needle.chars().collect();
        if let Some(x) = chars.windows(n.len()).position(|w| w == n.as_slice()) {
            return (x as u16, y as u16);
        }
    }
    panic!("{needle:?} not on screen:\n{s}");
}

#[test]
fn verdict_badges_have_their_colours() {
    let a = app(
        vec![live(), {
            let mut s = failed_over();
            s.name = "down".into();
            s
        }],
        true,
    );
    let t = draw(&a, 120, 40);
    let buf = t.backend().buffer();
    // The badge is the first coloured cell of the site's row.
    let badge = |site: &str| {
        let (_, y) = find(buf, &format!(" {site} "));
        (0..buf.area.width)
            .map(|x| &buf[(x, y)])
            .find(|c| c.bg != Color::Reset)
            .map(|c| (c.bg, c.fg))
    };
    assert_eq!(badge("shop"), Some((Color::Green, Color::Black)));
    assert_eq!(badge("down"), Some((Color::Red, Color::Black)));
    for kind in [
        VerdictKind::Live,
        VerdictKind::Degraded,
        VerdictKind::FailedOver,
        VerdictKind::Maintenance,
        VerdictKind::Switching,
        VerdictKind::Unknown,
    ] {
        let style = Theme::new(false, false).verdict(kind);
        assert_eq!(style.bg, Some(Theme::verdict_color(kind)));
        // Without colours: no colour at all, and the label says it.
        let plain = Theme::new(true, false).verdict(kind);
        assert_eq!((plain.fg, plain.bg), (None, None));
        assert!(Theme::badge_text(kind).contains(kind.label()));
    }
}

#[test]
fn no_color_draws_without_any_colour() {
    let mut a = app(demo_sites(), true);
    a.theme = Theme::new(true, false);
    key(&mut a, KeyCode::Enter);
    let t = draw(&a, 120, 40);
    for cell in t.backend().buffer().content() {
        assert_eq!(cell.fg, Color::Reset, "{cell:?}");
        assert_eq!(cell.bg, Color::Reset, "{cell:?}");
    }
}

#[test]
fn the_protected_banner_is_unmistakable() {
    let mut site = live();
    site.protected = true;
    let mut a = app(vec![site], true);
    key(&mut a, KeyCode::Enter);
    let t = draw(&a, 80, 24);
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "PROTECTED SITE shop");
    let cell = &buf[(x, y)];
    assert_eq!(cell.bg, Color::Red);
    assert!(cell.modifier.contains(Modifier::BOLD));
    // The banner spans the whole width.
    assert_eq!(buf[(0, y)].bg, Color::Red);
    assert_eq!(buf[(79, y)].bg, Color::Red);
    // Without colours it is reversed.
    a.theme = Theme::new(true, false);
    let t = draw(&a, 80, 24);
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "PROTECTED SITE shop");
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn wrapped_lines_stay_indented_under_their_heading() {
    use ratatui::text::Line;
    let line =
        Line::raw("    alarm app-1 has INSUFFICIENT_DATA (a stopped instance sends no data)");
    let rows: Vec<String> = views::widgets::wrap_indented(line, 30)
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert_eq!(
        rows,
        [
            "    alarm app-1 has ",
            "      INSUFFICIENT_DATA (a ",
            "      stopped instance sends ",
            "      no data)"
        ]
    );
    assert!(rows.iter().all(|r| r.chars().count() <= 30));
    let short = Line::raw("short");
    assert_eq!(
        views::widgets::wrap_indented(short.clone(), 30),
        vec![short]
    );
}

#[test]
fn control_characters_in_aws_names_never_reach_the_terminal() {
    let evil = "\u{1b}[2J\u{1b}[31mEVIL\u{7}\u{9b}漢字🙂";
    let mut a = app(
        vec![named(
            Fx::alb_cloudfront(),
            &format!("{evil}{}", "y".repeat(300)),
        )],
        true,
    );
    for screen in 0..3 {
        for (w, h) in [(80, 24), (120, 40), (33, 9)] {
            let t = draw(&a, w, h);
            let buf = t.backend().buffer();
            for cell in buf.content.iter() {
                assert!(
                    !cell.symbol().chars().any(char::is_control),
                    "screen {screen} at {w}x{h}: {:?}",
                    cell.symbol()
                );
            }
            if screen < 2 && w >= 80 {
                assert!(
                    text(buf).contains("[31mEVI"),
                    "the name is still shown:\n{}",
                    text(buf)
                );
            }
        }
        key(
            &mut a,
            [KeyCode::Enter, KeyCode::Char('t'), KeyCode::Char('?')][screen],
        );
    }
}

/// A rehearsal console: the banner on every screen, the fault menu behind `x`.
fn rehearsal() -> App {
    let mut a = app(demo_sites(), false);
    a.rehearsal = true;
    a
}

#[test]
fn snapshot_rehearsal_screens() {
    let mut a = rehearsal();
    snap("rehearsal_overview", &a);
    key(&mut a, KeyCode::Char('x'));
    snap("rehearsal_faults", &a);
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Char('?'));
    snap("rehearsal_help", &a);
}

#[test]
fn the_banner_says_rehearsal_on_every_screen() {
    let mut a = rehearsal();
    for k in [
        KeyCode::Null,
        KeyCode::Enter,
        KeyCode::Char('t'),
        KeyCode::Char('?'),
    ] {
        key(&mut a, k);
        let t = draw(&a, 80, 24);
        let first = text(t.backend().buffer());
        assert!(
            first.lines().next().unwrap().contains("REHEARSAL"),
            "{k:?}: {first}"
        );
    }
    // Not outside a rehearsal.
    let plain = app(demo_sites(), false);
    let t = draw(&plain, 120, 40);
    assert!(!text(t.backend().buffer()).contains("REHEARSAL"));
}

#[test]
fn the_fault_menu_exists_only_in_a_rehearsal_and_applies_to_the_timeline() {
    let mut plain = app(demo_sites(), true);
    assert!(key(&mut plain, KeyCode::Char('x')).is_empty());
    assert!(plain.modal.is_none());
    keys(&mut plain, "?");
    let t = draw(&plain, 120, 40);
    assert!(!text(t.backend().buffer()).contains("inject a fault"));

    let mut a = rehearsal();
    key(&mut a, KeyCode::Char('x'));
    assert_eq!(a.modal, Some(Modal::Faults));
    let fx = key(&mut a, KeyCode::Char('1'));
    assert_eq!(fx, vec![Effect::Fault(Fault::StopPrimary)]);
    assert!(a.modal.is_none());
    let fx = update(
        &mut a,
        Msg::Faulted {
            fault: Fault::StopPrimary,
            result: Ok("stopping i-1".into()),
        },
    );
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Record(ev) if ev.message.contains("stopping i-1")))
    );
    assert!(fx.contains(&Effect::Refresh));
    let last = a.events.last().unwrap();
    assert!(matches!(
        &last.kind,
        crate::model::event::EventKind::FaultInjected { error: None, .. }
    ));
    // A fault that could not be applied says why.
    update(
        &mut a,
        Msg::Faulted {
            fault: Fault::StopPrimary,
            result: Err("no instances".into()),
        },
    );
    assert!(
        a.message
            .as_deref()
            .unwrap_or_default()
            .contains("no instances")
    );
    // Other keys keep the menu open; esc closes it without a fault.
    key(&mut a, KeyCode::Char('x'));
    assert!(key(&mut a, KeyCode::Char('9')).is_empty());
    assert_eq!(a.modal, Some(Modal::Faults));
    assert!(key(&mut a, KeyCode::Esc).is_empty());
    assert!(a.modal.is_none());
}
