//! Tests of the console: the pure update (keys, focus, filter, staleness, errors, actions) and
//! insta snapshots of every screen at 80x24 and 120x40 with ratatui's TestBackend, plus style
//! checks of the verdict colours and the protected banner.

#[path = "../../tests/support/configs.rs"]
mod configs;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use super::actions::{ActionRequest, ActionUpdate};
use super::app::{App, Button, Cancel, Effect, Fault, Modal, Msg, Screen, SortKey, update};
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
    CheckResult, Direction, Plan, PlanStep, PreflightCheck, Progress, StepProgress, VerifyItem,
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

/// Who the test console calls AWS as: an SSO role in a production account, its credentials
/// good for 45 more minutes.
fn context() -> crate::model::sts::CallerContext {
    crate::model::sts::CallerContext {
        profile: Some("prod-ops".into()),
        role_arn: None,
        region: "eu-west-1".into(),
        endpoint: None,
        identity: Ok(crate::model::sts::Identity {
            account: "123456789012".into(),
            arn: "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_OpsAdmin/alice".into(),
            user_id: "AROAEXAMPLE:alice".into(),
        }),
        expires_at: Some(NOW + time::Duration::minutes(45)),
    }
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
    a.contexts = vec![context()];
    for (index, s) in sites.into_iter().enumerate() {
        update(
            &mut a,
            Msg::Poll(PollUpdate::Site {
                index,
                observations: Arc::new(s),
            }),
        );
    }
    a
}

/// The app in the config's order with the cursor on the first site, as after `s` pressed
/// three times and the cursor moved there: tests of keys that walk the sites in a known order.
fn in_config_order(mut a: App) -> App {
    a.sort = SortKey::Config;
    a.selected = a.sites.first().map(|s| s.obs.name.clone());
    a.cursor_moved = true;
    a
}

/// The word of `site`'s overview row under the column titled `column` (the table's header).
fn overview_cell(overview: &str, site: &str, column: &str) -> String {
    let header = overview
        .lines()
        .find(|l| l.contains("VERDICT") && l.contains(column))
        .unwrap_or_else(|| panic!("no {column} column:\n{overview}"));
    let col = header
        .find(column)
        .map(|b| header[..b].chars().count())
        .unwrap_or_default();
    let row = overview
        .lines()
        .find(|l| l.split_whitespace().nth(2) == Some(site))
        .unwrap_or_else(|| panic!("no row for {site}:\n{overview}"));
    row.chars()
        .skip(col)
        .skip_while(|c| c.is_whitespace())
        .take_while(|c| !c.is_whitespace())
        .collect()
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

/// Snapshots of a new screen at 80x24 and 200x60.
fn snap_large(name: &str, a: &App) {
    for (w, h) in [(80, 24), (200, 60)] {
        let t = draw(a, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

/// Snapshots of a state at 80x24, 120x40 and 200x60.
fn snap(name: &str, a: &App) {
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let t = draw(a, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

fn plan(site: &str, protected: bool, refused: bool) -> Plan {
    Plan {
        site: site.into(),
        direction: Direction::On,
        account: Some("123456789012".into()),
        caller: Some("arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_OpsAdmin/alice".into()),
        region: "eu-west-1".into(),
        protected,
        nothing_to_do: None,
        held_by: None,
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
            PreflightCheck::new(
                "the sorry page's distribution is deployed",
                CheckResult::Passed,
                "E2QWRUHAPOMQZL Deployed",
            ),
            PreflightCheck::new(
                "no Route 53 change is pending",
                CheckResult::from_passed(!refused),
                if refused {
                    "change C0123 PENDING since 01:59:30"
                } else {
                    "none pending"
                },
            ),
        ],
        made_at: NOW,
        hash: None,
        needs_approval: false,
        carried: Default::default(),
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
    let mut a = in_config_order(app(demo_sites(), false));
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

/// A list longer than the screen: the rows in sight follow the cursor down and back up, in
/// order, with the selected row always among them (only the rows in sight are built).
#[test]
fn a_list_longer_than_the_screen_scrolls_with_the_cursor() {
    let sites: Vec<SiteObservations> = (0..40)
        .map(|i| named(Fx::alb_cloudfront(), &format!("site{i:02}")))
        .collect();
    let mut a = in_config_order(app(sites, false));
    let rows = |a: &App| -> Vec<String> {
        text(draw(a, 80, 24).backend().buffer())
            .lines()
            .filter_map(|l| {
                l.split_whitespace()
                    .find(|w| w.starts_with("site"))
                    .map(str::to_string)
            })
            .collect()
    };
    let first = rows(&a);
    assert_eq!(
        first.first().map(String::as_str),
        Some("site00"),
        "{first:?}"
    );
    let in_sight = first.len();
    assert!((10..40).contains(&in_sight), "{first:?}");
    for _ in 0..30 {
        key(&mut a, KeyCode::Char('j'));
    }
    assert_eq!(a.selected.as_deref(), Some("site30"));
    let down = rows(&a);
    let expected: Vec<String> = (31 - in_sight..=30)
        .map(|i| format!("site{i:02}"))
        .collect();
    assert_eq!(
        down, expected,
        "the selected row last in sight, the rows before it in order"
    );
    for _ in 0..39 {
        key(&mut a, KeyCode::Char('j'));
    }
    let bottom = rows(&a);
    assert_eq!(
        bottom.last().map(String::as_str),
        Some("site39"),
        "{bottom:?}"
    );
    assert_eq!(bottom.len(), in_sight);
    for _ in 0..39 {
        key(&mut a, KeyCode::Char('k'));
    }
    assert_eq!(rows(&a), first, "back at the top: the first rows again");
}

#[test]
fn opening_a_site_focuses_the_poller_on_it_and_back_unfocuses() {
    let mut a = in_config_order(app(demo_sites(), false));
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
    let mut a = in_config_order(app(demo_sites(), false));
    key(&mut a, KeyCode::Char('s'));
    assert_eq!(a.sort, SortKey::Severity);
    let first = a.visible()[0];
    let worst = a.sites.iter().map(|s| s.verdict.kind).max().unwrap();
    assert_eq!(a.sites[first].verdict.kind, worst);
    assert_eq!(a.selected.as_deref(), Some("shop"));
    keys(&mut a, "sss");
    assert_eq!(a.sort, SortKey::Config);
}

/// The first screen answers "what is wrong": worst first, the cursor on the worst site (and
/// its reasons below the table), following it as verdicts change until the operator moves.
#[test]
fn the_overview_starts_worst_first_with_the_cursor_on_the_worst_site() {
    let mut sites = demo_sites();
    sites[0] = failed_over();
    let mut a = app(sites, false);
    assert_eq!(a.sort, SortKey::Severity);
    assert_eq!(
        a.selected.as_deref(),
        Some("shop"),
        "FAILED OVER is the worst"
    );
    assert_eq!(visible_names(&a)[0], "shop");
    // shop comes back; portal (MAINTENANCE) and api (ALARM) now lead, and the cursor follows.
    update(
        &mut a,
        Msg::Poll(PollUpdate::Site {
            index: 0,
            observations: Arc::new(live()),
        }),
    );
    let first = visible_names(&a)[0].to_string();
    assert_ne!(first, "shop");
    assert_eq!(a.selected.as_deref(), Some(first.as_str()));
    // Once the operator moves, the cursor stays where they put it.
    key(&mut a, KeyCode::Char('j'));
    let chosen = a.selected.clone();
    let mut sites = demo_sites();
    sites[0] = failed_over();
    update(
        &mut a,
        Msg::Poll(PollUpdate::Site {
            index: 0,
            observations: Arc::new(sites.remove(0)),
        }),
    );
    assert_eq!(a.selected, chosen);
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
fn an_idle_console_judges_a_site_again_only_when_time_changes_its_verdict() {
    // Fixture data is FRESH (10 s) old at NOW and stale after STALE (120 s).
    let mut a = app(vec![live()], false);
    let judged = a.sites[0].judged_at;
    let age_at = |a: &App| overview_cell(&text(draw(a, 200, 60).backend().buffer()), "shop", "AGE");
    assert_eq!(age_at(&a), "10s");
    // Seconds go by: the verdict holds as judged, and its data age still counts up.
    for s in 1..=100 {
        update(&mut a, Msg::Tick(NOW + Duration::from_secs(s)));
    }
    assert_eq!(
        a.sites[0].judged_at, judged,
        "judged again with nothing changed"
    );
    assert_eq!(a.sites[0].verdict.kind, VerdictKind::Live);
    assert_eq!(age_at(&a), "1m50s");
    // The first second its data is too old, it is judged again: UNKNOWN, and why.
    for s in 101..=111 {
        update(&mut a, Msg::Tick(NOW + Duration::from_secs(s)));
    }
    assert_eq!(a.sites[0].verdict.kind, VerdictKind::Unknown);
    assert!(
        a.sites[0]
            .unread
            .iter()
            .any(|u| u.contains("data is 2 min 1 s old")),
        "{:?}",
        a.sites[0].unread
    );
}

#[test]
fn a_new_poll_yields_events_with_records_for_the_log() {
    let mut a = app(vec![live()], false);
    let fx = update(
        &mut a,
        Msg::Poll(PollUpdate::Site {
            index: 0,
            observations: Arc::new(failed_over()),
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
            observations: Arc::new(live()),
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
    let t = draw(&a, 120, 40);
    let footer = rows(&t).pop().unwrap_or_default();
    assert!(!footer.contains("maint"), "{footer}");
    key(&mut a, KeyCode::Char('?'));
    let s: Vec<String> = views::help::lines(&a)
        .iter()
        .map(|l| l.to_string())
        .collect();
    let s = s.join("\n");
    assert!(!s.contains("maintenance on"), "{s}");
    assert!(s.contains("Maintenance actions are hidden"), "{s}");
}

#[test]
fn a_read_only_site_hides_the_actions_for_that_site_only() {
    let mut a = in_config_order(app(demo_sites(), true));
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
    // No key stops it by accident: q asks first, c asks once more, m does nothing.
    assert!(key(&mut a, KeyCode::Char('q')).is_empty());
    assert!(a.quit_prompt && !a.quit);
    assert!(key(&mut a, KeyCode::Esc).is_empty());
    assert!(!a.quit_prompt);
    assert!(key(&mut a, KeyCode::Char('c')).is_empty());
    assert!(key(&mut a, KeyCode::Char('n')).is_empty());
    assert!(key(&mut a, KeyCode::Char('m')).is_empty());
    assert!(a.running.as_ref().is_some_and(|r| r.cancel == Cancel::No));
    // The engine's order: each step running then done, verification, the end.
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
    update(&mut a, step(1, StepProgress::Running));
    update(&mut a, step(1, StepProgress::Done));
    update(
        &mut a,
        Msg::Action(ActionUpdate::Progress(Progress::Verify {
            items: vec![VerifyItem::new(
                "alarm app-1-StatusCheckFailed actions disabled".into(),
                true,
                "disabled".into(),
            )],
            eta: Some(Duration::ZERO),
            countdown: None,
        })),
    );
    let fx = update(
        &mut a,
        Msg::Action(ActionUpdate::Progress(Progress::Finished {
            ok: true,
            summary: "blog is in maintenance: steps done: 2".into(),
        })),
    );
    assert!(fx.contains(&Effect::Refresh));
    let actions = a
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Action { .. }))
        .count();
    assert_eq!(actions, 4, "started, steps 1 and 2 done, succeeded");
    key(&mut a, KeyCode::Enter);
    assert!(a.running.is_none());
}

#[test]
fn a_protected_site_needs_a_reason_and_its_name_typed() {
    let mut a = confirming(plan("pay", true, false));
    let Some(Modal::Confirm(c)) = &a.modal else {
        panic!("no confirmation")
    };
    assert_eq!(c.focus, Button::Reason, "the reason is asked first");
    // Straight to the confirm button: refused, and the focus goes back to what is missing.
    key(&mut a, KeyCode::BackTab);
    assert!(key(&mut a, KeyCode::Enter).is_empty(), "no reason yet");
    assert!(a.message.as_deref().unwrap().contains("say why"));
    // h, l, j, k and q are typed, not shortcuts.
    keys(&mut a, "hotfix: queue jam");
    key(&mut a, KeyCode::Enter);
    keys(&mut a, "pyq");
    let Some(Modal::Confirm(c)) = &a.modal else {
        panic!("the confirmation closed")
    };
    assert_eq!(c.reason, "hotfix: queue jam");
    assert!(c.wrong_name(), "a wrong name says so");
    let s = text(draw(&a, 80, 24).backend().buffer());
    assert!(s.contains("not the site's name"), "{s}");
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Tab);
    assert!(key(&mut a, KeyCode::Enter).is_empty());
    assert!(
        a.message
            .as_deref()
            .unwrap()
            .contains("\"pyq\" is not the site's name")
    );
    key(&mut a, KeyCode::Backspace);
    key(&mut a, KeyCode::Backspace);
    keys(&mut a, "ay");
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Tab);
    let fx = key(&mut a, KeyCode::Enter);
    assert!(
        fx.iter().any(|f| matches!(
            f,
            Effect::Request(ActionRequest::Execute { reason: Some(r), .. }) if r == "hotfix: queue jam"
        )),
        "{fx:?}"
    );
    assert!(
        a.events
            .iter()
            .any(|e| e.message.contains("(hotfix: queue jam)"))
    );
}

#[test]
fn the_reason_is_prefilled_and_keys_go_only_to_the_focused_field() {
    let mut a = app(demo_sites(), true);
    a.reason = Some("release 42".into());
    a.selected = Some("blog".into());
    key(&mut a, KeyCode::Char('m'));
    update(
        &mut a,
        Msg::Action(ActionUpdate::Planned(Ok(plan("blog", false, false)))),
    );
    // Cancel has the focus: j scrolls the plan, it is not typed anywhere.
    keys(&mut a, "jx");
    let Some(Modal::Confirm(c)) = &a.modal else {
        panic!("no confirmation")
    };
    assert_eq!((c.reason.as_str(), c.typed.as_str()), ("release 42", ""));
    assert_eq!(c.scroll, 1);
    // Shift-tab back into the reason, then typed there.
    key(&mut a, KeyCode::BackTab);
    keys(&mut a, "b");
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Tab);
    let fx = key(&mut a, KeyCode::Enter);
    assert!(
        fx.iter().any(|f| matches!(
            f,
            Effect::Request(ActionRequest::Execute { reason: Some(r), .. }) if r == "release 42b"
        )),
        "{fx:?}"
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

/// The ALB listener's rules were read: these.
fn with_rules(fx: Fx, rules: Vec<crate::model::elb::Rule>) -> Fx {
    let mut fx = fx;
    fx.0.rules.insert(
        crate::model::fixtures::ALB_LISTENER.into(),
        crate::model::obs::Fetched::ok(rules, crate::model::fixtures::ago(10)),
    );
    fx
}

/// The overview's LISTENER column, the detail's listener tag, `status`'s `serves` and the verdict
/// give one answer: a listener forwarding to the app and the sorry page at once is mixed (not
/// the sorry page, not the app), and a fixed 503 is the sorry page.
#[test]
fn the_listener_column_the_detail_status_and_the_verdict_agree() {
    let sites = vec![
        named(
            Fx::nlb_listener().listener_forwards_to_app_and_sorry(),
            "half",
        ),
        named(
            with_rules(
                Fx::alb_cloudfront().alb_listener_fixed_response("503"),
                Vec::new(),
            ),
            "closed",
        ),
        named(
            with_rules(
                Fx::alb_cloudfront().alb_listener_fixed_response("404"),
                Vec::new(),
            ),
            "notfound",
        ),
        named(Fx::nlb_listener().listener_forwards_to_sorry(), "sorry"),
    ];
    // site, verdict, LISTENER column, detail tag, status's `serves`
    let expected = [
        ("half", VerdictKind::Degraded, "mixed", "[mixed]", "mixed"),
        (
            "closed",
            VerdictKind::Maintenance,
            "sorry",
            "[sorry]",
            "sorry",
        ),
        (
            "notfound",
            VerdictKind::Live,
            "fixed",
            "[fixed-response]",
            "fixed-response",
        ),
        (
            "sorry",
            VerdictKind::Maintenance,
            "sorry",
            "[sorry]",
            "sorry",
        ),
    ];
    let a = app(sites, true);
    let overview = text(draw(&a, 120, 40).backend().buffer());
    for (index, (name, kind, column, tag, serves)) in expected.into_iter().enumerate() {
        let site = &a.sites[index];
        assert_eq!(
            site.verdict.kind, kind,
            "{name}: {:?}",
            site.verdict.reasons
        );
        assert_eq!(
            overview_cell(&overview, name, "VERDICT"),
            kind.label().split(' ').next().unwrap_or_default(),
            "{name}"
        );
        assert_eq!(overview_cell(&overview, name, "LISTENER"), column, "{name}");
        let report = crate::report::site_report(&site.obs, &site.verdict, NOW, STALE);
        assert_eq!(report.listeners.len(), 1, "{name}");
        assert_eq!(report.listeners[0].serves, serves, "{name}");
        assert_eq!(
            report.listeners[0].serves_with_rules.as_deref(),
            Some(serves),
            "{name}"
        );
        let mut detail = app(vec![(*site.obs).clone()], true);
        key(&mut detail, KeyCode::Enter);
        let shown = text(draw(&detail, 120, 40).backend().buffer());
        // The listener's tag (it may wrap below the listener's line).
        assert!(shown.contains(tag), "{name}: no {tag} in\n{shown}");
    }
}

/// Rules decide what clients get: a default action on the sorry page with a rule ahead of it that
/// still forwards to the app is mixed in the LISTENER column, in `status`'s `serves_with_rules`
/// (which names the rule) and DEGRADED in the verdict; with the rules unread, the column says
/// unknown and the verdict does not claim maintenance.
#[test]
fn the_listener_column_status_and_the_verdict_follow_the_rules() {
    use crate::model::elb::{ListenerAction, Rule, RuleCondition};
    let to_app = Rule {
        arn: "rule-1".into(),
        priority: Some(1),
        conditions: vec![RuleCondition {
            field: "host-header".into(),
            values: vec!["api.example.com".into()],
            http_header_name: None,
        }],
        actions: vec![ListenerAction::forward_to(crate::model::fixtures::APP_TG)],
        is_default: false,
    };
    let closed = || Fx::alb_cloudfront().alb_listener_fixed_response("503");
    let a = app(
        vec![
            named(with_rules(closed(), vec![to_app]), "bypassed"),
            named(closed(), "unread"),
        ],
        true,
    );
    let overview = text(draw(&a, 120, 40).backend().buffer());
    for (index, (name, kind, column, with_rules)) in [
        ("bypassed", VerdictKind::Degraded, "mixed", Some("mixed")),
        ("unread", VerdictKind::Unknown, "unknown", None),
    ]
    .into_iter()
    .enumerate()
    {
        let site = &a.sites[index];
        assert_eq!(
            site.verdict.kind, kind,
            "{name}: {:?}",
            site.verdict.reasons
        );
        assert_eq!(overview_cell(&overview, name, "LISTENER"), column, "{name}");
        let report = crate::report::site_report(&site.obs, &site.verdict, NOW, STALE);
        let l = &report.listeners[0];
        assert_eq!(l.serves, "sorry", "{name}");
        assert_eq!(l.serves_with_rules.as_deref(), with_rules, "{name}");
        if name == "bypassed" {
            assert_eq!(l.rules_to_app.len(), 1);
            assert_eq!(l.rules_to_app[0].priority, Some(1));
            assert_eq!(l.rules_to_app[0].conditions, "host-header api.example.com");
            assert_eq!(l.rules_to_app[0].action, "forward to app-tg");
            assert!(!l.rules_to_app[0].allow_list);
        }
    }
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

/// shop's maintenance on stopped after 1 of 3 steps (the check inverted, DNS still on the app);
/// pay's fail back stopped after 1 of 2 steps undone (the listener still on the sorry page).
fn interrupted_sites() -> Vec<SiteObservations> {
    let mut sites = demo_sites();
    sites[0] = named(
        Fx::alb_cloudfront()
            .marker(MaintenancePhase::Entering)
            .primary_check_inverted()
            .interrupted(1, 3),
        "shop",
    );
    let mut pay = named(
        Fx::nlb_listener()
            .listener_forwards_to_sorry()
            .marker(MaintenancePhase::Leaving)
            .interrupted(1, 2),
        "pay",
    );
    pay.protected = true;
    sites[3] = pay;
    sites
}

#[test]
fn snapshot_overview_interrupted() {
    let a = app(interrupted_sites(), true);
    snap("overview_interrupted", &a);
    let s = text(draw(&a, 80, 24).backend().buffer());
    assert!(s.contains("2 INTERRUPTED"), "{s}");
}

#[test]
fn snapshot_detail_interrupted_entry() {
    let mut a = app(interrupted_sites(), true);
    key(&mut a, KeyCode::Enter);
    snap("detail_interrupted_entry", &a);
    let s = text(draw(&a, 120, 40).backend().buffer());
    assert!(
        s.contains("to finish it: switchyard maintenance on --site shop"),
        "{s}"
    );
    assert!(
        s.contains("to undo it: switchyard maintenance off --site shop"),
        "{s}"
    );
}

#[test]
fn snapshot_detail_interrupted_fail_back() {
    let sites = interrupted_sites();
    let mut a = app(vec![sites[3].clone()], true);
    key(&mut a, KeyCode::Enter);
    snap("detail_interrupted_fail_back", &a);
    let s = text(draw(&a, 120, 40).backend().buffer());
    assert!(
        s.contains("to finish it: switchyard maintenance off --site pay"),
        "{s}"
    );
    assert!(
        s.contains("to undo it: switchyard maintenance on --site pay"),
        "{s}"
    );
}

#[test]
fn snapshot_detail_live_protected() {
    let mut site = live();
    site.protected = true;
    let mut a = app(vec![site], true);
    key(&mut a, KeyCode::Enter);
    snap("detail_live_protected", &a);
}

/// The ALB's target group asks for 3 healthy targets before the ALB stops failing open; one
/// zone's 2 targets time out: the detail says on the target group's line that the ALB fails
/// open, with the count and the minimum, and the summary says it routes to the failing targets.
#[test]
fn snapshot_detail_fail_open() {
    let fx = Fx::alb_two_azs().fail_open_minimum(3).az_targets(
        "eu-west-1b",
        crate::model::elb::TargetState::Unhealthy,
        Some("Target.Timeout"),
    );
    let mut a = app(vec![named(fx, "app")], true);
    key(&mut a, KeyCode::Enter);
    snap("detail_fail_open", &a);
    let s = text(draw(&a, 200, 60).backend().buffer());
    assert!(
        s.contains("target group app-tg  fails open: 2 of 4 healthy, below the minimum of 3"),
        "{s}"
    );
    assert!(s.contains("the ALB app-alb fails open"), "{s}");
    // At AWS's default minimum (1 healthy target) nothing fails open.
    let fx = Fx::alb_two_azs().az_targets(
        "eu-west-1b",
        crate::model::elb::TargetState::Unhealthy,
        Some("Target.Timeout"),
    );
    let mut a = app(vec![named(fx, "app")], true);
    key(&mut a, KeyCode::Enter);
    let s = text(draw(&a, 200, 60).backend().buffer());
    assert!(!s.contains("fails open"), "{s}");
}

/// The target group's minimums could not be read (the role lacks
/// DescribeTargetGroupAttributes): the detail says so on the target group's line, with the
/// permission, and the verdict's reasons say what was not read; nothing says it fails open or
/// not on AWS's defaults.
#[test]
fn detail_says_a_target_groups_minimums_were_not_read() {
    let fx = Fx::alb_two_azs().minimums_unread();
    let mut a = app(vec![named(fx, "app")], true);
    key(&mut a, KeyCode::Enter);
    let s = text(draw(&a, 200, 60).backend().buffer());
    assert!(
        s.contains("target group app-tg  minimums not read: access denied: the role lacks"),
        "{s}"
    );
    assert!(
        s.contains(
            "attributes of target group app-tg: access denied: the role lacks \
             elasticloadbalancing:DescribeTargetGroupAttributes"
        ),
        "{s}"
    );
    assert!(!s.contains("fails open"), "{s}");
}

/// The alarm's last state changes, read for the detail: newest first, with their times and
/// CloudWatch's reasons, under the alarm's current state; the oldest of four is left out.
#[test]
fn snapshot_detail_alarm_history() {
    use crate::model::cloudwatch::AlarmStateChange;
    use crate::model::fixtures::{ALARM, ago};
    let change = |secs, from, to, reason: &str| AlarmStateChange {
        at: ago(secs),
        from: Some(from),
        to: Some(to),
        reason: reason.into(),
    };
    let fx = Fx::cloudwatch_metric()
        .alarm(AlarmState::Alarm)
        .alarm_history(
            ALARM,
            vec![
                change(
                    180,
                    AlarmState::Ok,
                    AlarmState::Alarm,
                    "Threshold Crossed: 2 out of the last 2 datapoints [1.0 (22/11/26 01:56:00), \
                     1.0 (22/11/26 01:55:00)] were greater than or equal to the threshold (1.0)",
                ),
                change(
                    2400,
                    AlarmState::InsufficientData,
                    AlarmState::Ok,
                    "Threshold Crossed: 1 out of the last 1 datapoints [0.0 (22/11/26 01:19:00)] \
                     was not greater than or equal to the threshold (1.0)",
                ),
                change(
                    2460,
                    AlarmState::Ok,
                    AlarmState::InsufficientData,
                    "Insufficient Data: 1 datapoint was unknown.",
                ),
                change(
                    7200,
                    AlarmState::Alarm,
                    AlarmState::Ok,
                    "the oldest change, not shown",
                ),
            ],
        );
    // The alarm's own state agrees with its newest change.
    let mut fx = fx;
    for a in &mut fx.0.alarms {
        if let (Some(al), Some(newest)) = (
            a.alarm.value.as_mut(),
            a.history.value.as_ref().and_then(|h| h.first()),
        ) {
            al.state_updated = Some(newest.at);
            al.reason = newest.reason.clone();
        }
    }
    let mut a = app(vec![named(fx, "shop")], true);
    key(&mut a, KeyCode::Enter);
    snap("detail_alarm_history", &a);
    let s = text(draw(&a, 200, 60).backend().buffer());
    assert!(s.contains("last state changes:"), "{s}");
    assert!(
        s.contains("01:57:00 OK → ALARM: Threshold Crossed: 2 out of the last 2 datapoints"),
        "{s}"
    );
    assert!(
        s.contains("01:19:00 OK → INSUFFICIENT_DATA: Insufficient Data"),
        "{s}"
    );
    assert!(!s.contains("the oldest change"), "{s}");
    let newest = s.find("01:57:00 OK → ALARM").unwrap_or(usize::MAX);
    let older = s.find("01:20:00 INSUFFICIENT_DATA → OK").unwrap_or(0);
    assert!(newest < older, "newest first: {s}");
}

/// The usual source of Route 53's answer: one of the zone's own name servers, asked by DNS.
#[test]
fn snapshot_detail_answer_from_the_name_servers() {
    let mut site = live();
    if let Some(answer) = site.dns_answer.value.as_mut() {
        answer.source = crate::model::route53::AnswerSource::NameServers {
            server: "ns-868.awsdns-44.org, 205.251.195.100:53".into(),
        };
    }
    let mut a = app(vec![site], true);
    key(&mut a, KeyCode::Enter);
    snap("detail_answer_from_the_name_servers", &a);
}

#[test]
fn snapshot_detail_failed_over_with_events() {
    let mut a = app(vec![live()], true);
    update(
        &mut a,
        Msg::Poll(PollUpdate::Site {
            index: 0,
            observations: Arc::new(failed_over()),
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
    // Scrolled to the end: the sorry target group's target, an ALB (by its ARN).
    for _ in 0..10 {
        key(&mut a, KeyCode::Char('j'));
    }
    snap("detail_nlb_maintenance_scrolled", &a);
    let s = text(draw(&a, 80, 24).backend().buffer());
    assert!(
        s.contains("loadbalancer/app/sorry-alb/1:80 (eu-west-1a)"),
        "{s}"
    );
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
            observations: Arc::new(failed_over()),
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

/// Every cell of the screen is ASCII (what `--ascii` promises a serial-like terminal).
fn assert_ascii(t: &Terminal<TestBackend>, what: &str) {
    let buf = t.backend().buffer();
    let bad: Vec<&str> = buf
        .content()
        .iter()
        .map(|c| c.symbol())
        .filter(|s| !s.is_ascii())
        .collect();
    assert!(bad.is_empty(), "{what}: not ASCII: {bad:?}\n{}", text(buf));
}

/// Snapshots of an `--ascii` state at 80x24 and 120x40, each asserted pure ASCII.
fn snap_ascii(name: &str, a: &App) {
    assert!(a.theme.ascii, "{name}: not an --ascii theme");
    for (w, h) in [(80, 24), (120, 40)] {
        let t = draw(a, w, h);
        assert_ascii(&t, &format!("{name} at {w}x{h}"));
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

/// Draws a state at every size the snapshots use and the smallest one, asserting pure ASCII.
fn all_ascii(a: &App, what: &str) {
    for (w, h) in [(80, 24), (120, 40), (50, 12)] {
        assert_ascii(&draw(a, w, h), &format!("{what} at {w}x{h}"));
    }
}

#[test]
fn snapshot_ascii_no_color() {
    let mut a = app(demo_sites(), true);
    a.theme = Theme::new(true, true);
    snap_ascii("overview_ascii", &a);
    key(&mut a, KeyCode::Enter);
    snap_ascii("detail_ascii", &a);
}

/// `--ascii` draws nothing but ASCII on any screen: every site's detail, the timeline with
/// events, help, the confirmations, the fault menu, a name in another script.
#[test]
fn ascii_screens_are_ascii_everywhere() {
    let mut sites = demo_sites();
    sites.push(named(Fx::alb_cloudfront(), "漢字-shop—🙂"));
    let mut a = app(sites, true);
    a.theme = Theme::new(false, true);
    a.rehearsal = true;
    update(
        &mut a,
        Msg::Poll(PollUpdate::Site {
            index: 0,
            observations: Arc::new(failed_over()),
        }),
    );
    all_ascii(&a, "overview");
    for i in 0..a.sites.len() {
        a.selected = Some(a.sites[i].obs.name.clone());
        key(&mut a, KeyCode::Enter);
        all_ascii(&a, &format!("detail of site {i}"));
        key(&mut a, KeyCode::Esc);
    }
    key(&mut a, KeyCode::Char('t'));
    let s = text(draw(&a, 120, 40).backend().buffer());
    assert!(s.contains("LIVE -> FAILED OVER"), "{s}");
    all_ascii(&a, "timeline");
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Char('?'));
    all_ascii(&a, "help");
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Char('x'));
    all_ascii(&a, "fault menu");
    for p in [plan("pay", true, false), plan("blog", false, true)] {
        let mut c = confirming(p);
        c.theme = a.theme;
        all_ascii(&c, "confirmation");
        key(&mut c, KeyCode::Tab);
        key(&mut c, KeyCode::Enter);
        all_ascii(&c, "confirmation, force armed");
    }
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
    keys(&mut a, "quarterly patch");
    key(&mut a, KeyCode::Enter);
    keys(&mut a, "pa");
    snap("modal_protected", &a);
    snap_large("modal_protected", &a);
    let mut a = confirming(plan("blog", false, true));
    snap("modal_refused", &a);
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Enter);
    snap("modal_refused_force_armed", &a);
}

/// A switch of the demo's `shop` (invert its health check, silence two alarms, invalidate the
/// sorry page) made by the console's own engine (`tui::switching::serve`) against the
/// emulator, as the console receives it: the plan, then every progress update in order.
/// `fault` is injected first. The emulator's clock moves on after each verification round, so
/// that the next one converges. Only the timings are made fixed (for the snapshots).
async fn recorded_switch(fault: Option<switchyard_sim::FaultSpec>) -> (Plan, Vec<Progress>) {
    use crate::poll::session::{Overrides, Session};
    use switchyard_sim::{Control, Scenario, SimOptions};
    let scenario = Scenario::parse(include_str!("../../assets/scenarios/demo.toml")).unwrap();
    let mut opts = SimOptions::new(scenario);
    opts.paused = true;
    opts.start = Some(1_795_312_800_000);
    let sim = switchyard_sim::start(opts).await.unwrap();
    let mut config = crate::config::parse(
        &configs::without_probes(include_str!("../../assets/configs/demo.toml")),
        std::path::Path::new("demo.toml"),
    )
    .unwrap();
    config.defaults.dns_server = Some(sim.dns_server());
    let overrides = Overrides {
        profile: None,
        region: None,
        endpoint_url: Some(sim.endpoint()),
        static_credentials: Some(("switchyard-sim".into(), "switchyard-sim".into())),
        journal_check: None,
    };
    let session = Session::start(config, &["shop".to_string()], &overrides)
        .await
        .unwrap();
    let (link, server) = super::actions::link();
    let engine = tokio::spawn(crate::tui::switching::serve(
        server,
        crate::tui::switching::switchable(&session),
        session.resolver.clone(),
        None,
    ));
    let (updates_tx, mut updates) = tokio::sync::mpsc::channel(64);
    link.connect.send(updates_tx).unwrap();
    let requests = link.requests;
    requests
        .send(ActionRequest::Plan {
            site: "shop".into(),
            direction: Direction::On,
        })
        .await
        .unwrap();
    let Some(ActionUpdate::Planned(Ok(plan))) = updates.recv().await else {
        panic!("no plan")
    };
    if let Some(f) = fault {
        sim.control(Control::Fault(f)).unwrap();
    }
    requests
        .send(ActionRequest::Execute {
            plan: plan.clone(),
            force: false,
            reason: None,
        })
        .await
        .unwrap();
    let mut seen = Vec::new();
    loop {
        let Some(u) = tokio::time::timeout(Duration::from_secs(120), updates.recv())
            .await
            .unwrap_or_else(|_| panic!("the switch stalled after {seen:#?}"))
        else {
            break;
        };
        let ActionUpdate::Progress(mut p) = u else {
            panic!("{u:?} while the switch runs")
        };
        match &mut p {
            Progress::Step { elapsed, .. } => *elapsed = Duration::from_millis(300),
            Progress::Verify { eta, .. } => {
                *eta = eta.map(|e| Duration::from_secs(e.as_secs().div_ceil(10) * 10));
                sim.control(Control::AdvanceClock { seconds: 300.0 })
                    .unwrap();
            }
            Progress::Finished { .. } | Progress::RollingBack { .. } | Progress::Notice { .. } => {}
        }
        let last = matches!(p, Progress::Finished { .. });
        seen.push(p);
        if last {
            break;
        }
    }
    drop(requests);
    engine.await.unwrap();
    sim.shutdown().await;
    (plan, seen)
}

/// The states of each step in the order the engine reported them.
fn step_states(updates: &[Progress]) -> Vec<(usize, StepProgress)> {
    updates
        .iter()
        .filter_map(|p| match p {
            Progress::Step { index, state, .. } => Some((*index, *state)),
            _ => None,
        })
        .collect()
}

/// The confirmation of `plan` (a protected site: a reason and its name typed) confirmed.
fn running(p: Plan) -> App {
    let site = p.site.clone();
    let protected = p.protected;
    let mut a = confirming(p);
    if protected {
        // The focus starts in the reason; enter goes on to the name, then to Cancel.
        keys(&mut a, "quarterly patch");
        key(&mut a, KeyCode::Enter);
        keys(&mut a, &site);
        key(&mut a, KeyCode::Enter);
    }
    key(&mut a, KeyCode::Tab);
    let fx = key(&mut a, KeyCode::Enter);
    assert!(
        fx.iter()
            .any(|f| matches!(f, Effect::Request(ActionRequest::Execute { .. }))),
        "{fx:?}"
    );
    update(&mut a, Msg::Tick(NOW + Duration::from_secs(12)));
    a
}

fn feed(a: &mut App, updates: &[Progress]) {
    for p in updates {
        let mut p = p.clone();
        // The countdown was started on the wall clock, and how long the emulator took varies:
        // the same countdown (its caches) started on the test's clock.
        if let Progress::Verify {
            countdown: Some(c),
            eta,
            ..
        } = &mut p
        {
            let mut same =
                crate::model::eta::Countdown::start(a.now, 1.0, Duration::ZERO, c.caches.clone());
            if c.converged {
                same.converged_at(a.now);
            }
            *eta = Some(same.remaining(a.now));
            *c = same;
        }
        update(a, Msg::Action(ActionUpdate::Progress(p)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_progress_of_a_real_switch() {
    let (plan, updates) = recorded_switch(None).await;
    // What the engine sends: each step running then done, in order; verification after the
    // last step; the end last.
    let n = plan.steps.len();
    assert_eq!(n, 4, "{plan:#?}");
    let expected: Vec<(usize, StepProgress)> = (0..n)
        .flat_map(|i| [(i, StepProgress::Running), (i, StepProgress::Done)])
        .collect();
    assert_eq!(step_states(&updates), expected);
    let first_verify = updates
        .iter()
        .position(|p| matches!(p, Progress::Verify { .. }))
        .unwrap();
    assert_eq!(first_verify, 2 * n, "{updates:#?}");
    assert!(matches!(
        updates.last(),
        Some(Progress::Finished { ok: true, .. })
    ));

    let mut a = running(plan.clone());
    feed(&mut a, &updates[..=first_verify]);
    snap("progress_running", &a);
    let mut b = a.clone();
    b.theme = Theme::new(true, true);
    all_ascii(&b, "progress, running");
    feed(&mut a, &updates[first_verify + 1..]);
    snap("progress_done", &a);
    a.theme = Theme::new(true, true);
    all_ascii(&a, "progress, done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_progress_of_a_failed_switch() {
    // Step 2 (silence the first alarm) is refused: step 1 is rolled back.
    let fault: switchyard_sim::FaultSpec = serde_json::from_value(serde_json::json!({
        "service": "cloudwatch", "operation": "DisableAlarmActions",
        "fault": "error", "code": "AccessDenied",
    }))
    .unwrap();
    let (plan, updates) = recorded_switch(Some(fault)).await;
    assert_eq!(
        step_states(&updates),
        [
            (0, StepProgress::Running),
            (0, StepProgress::Done),
            (1, StepProgress::Running),
            (1, StepProgress::Failed),
            (0, StepProgress::RolledBack),
        ]
    );
    assert!(!updates.iter().any(|p| matches!(p, Progress::Verify { .. })));
    assert!(matches!(
        updates.last(),
        Some(Progress::Finished { ok: false, .. })
    ));
    let mut a = running(plan);
    feed(&mut a, &updates);
    snap("progress_failed", &a);
    a.theme = Theme::new(true, true);
    all_ascii(&a, "progress, failed");
}

/// The rows of a screen, without trailing blanks.
fn rows(t: &Terminal<TestBackend>) -> Vec<String> {
    text(t.backend().buffer())
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect()
}

#[test]
fn a_terminal_too_small_says_so_and_resizing_back_restores_the_screen() {
    let mut a = in_config_order(app(demo_sites(), true));
    let too_small = |a: &App, w: u16, h: u16| {
        let t = draw(a, w, h);
        let r = rows(&t);
        // Nothing but the note, from the top-left corner.
        let note = ["terminal too small:", &format!("{w}x{h}, need 50x12")];
        assert_eq!(r[..2], note, "{w}x{h}:\n{}", r.join("\n"));
        assert_eq!(r[2], "enlarge it (q quits)", "{w}x{h}");
        assert!(
            r[3..].iter().all(|l| l.is_empty()),
            "{w}x{h}:\n{}",
            r.join("\n")
        );
    };
    for (w, h) in [(20, 5), (30, 10), (49, 12), (50, 11), (200, 11)] {
        too_small(&a, w, h);
    }
    // Smaller than the note itself: what fits of it, no panic.
    assert_eq!(rows(&draw(&a, 1, 1)), ["t"]);
    assert_eq!(rows(&draw(&a, 12, 3))[0], "terminal too");
    // From 50x12 on, the screens.
    let s = text(draw(&a, 50, 12).backend().buffer());
    assert!(s.contains("Sites (6)") && s.contains(" shop "), "{s}");
    key(&mut a, KeyCode::Enter);
    too_small(&a, 20, 5);
    let s = text(draw(&a, 80, 24).backend().buffer());
    assert!(s.contains("shop — www.example.com"), "{s}");
    let mut a = confirming(plan("pay", true, true));
    too_small(&a, 40, 8);
    let s = text(draw(&a, 80, 24).backend().buffer());
    assert!(s.contains("enter maintenance pay?"), "{s}");
    key(&mut a, KeyCode::Esc);
    assert!(a.modal.is_none());
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
fn interrupted_has_a_colour_of_its_own() {
    let a = app(interrupted_sites(), true);
    let t = draw(&a, 120, 40);
    let buf = t.backend().buffer();
    let (_, y) = find(buf, " shop ");
    let badge = (0..buf.area.width)
        .map(|x| &buf[(x, y)])
        .find(|c| c.bg != Color::Reset)
        .map(|c| (c.bg, c.fg));
    assert_eq!(badge, Some((Color::LightYellow, Color::Black)));
    let others = [
        VerdictKind::Live,
        VerdictKind::Degraded,
        VerdictKind::FailedOver,
        VerdictKind::Maintenance,
        VerdictKind::Switching,
        VerdictKind::Unknown,
        VerdictKind::Down,
    ];
    for k in others {
        assert_ne!(
            Theme::verdict_color(k),
            Theme::verdict_color(VerdictKind::Interrupted),
            "{k:?}"
        );
    }
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
        VerdictKind::Down,
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
            "    alarm app-1 has",
            "      INSUFFICIENT_DATA (a",
            "      stopped instance sends",
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

#[test]
fn elb_arns_are_shown_by_their_meaningful_tail() {
    use views::widgets::short_elb_arns;
    let arn =
        "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/pay-app/6f5e4d3c2b1a0987";
    assert_eq!(short_elb_arns(arn, "…"), "targetgroup/pay-app/…");
    assert_eq!(
        short_elb_arns(
            &format!(
                "target arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/sorry-alb/50dc6c495c0c9188:80 (eu-west-1a) of {arn}: healthy"
            ),
            "..."
        ),
        "target loadbalancer/app/sorry-alb/...:80 (eu-west-1a) of targetgroup/pay-app/...: healthy"
    );
    assert_eq!(
        short_elb_arns(
            "step 1/1 (elasticloadbalancing:ModifyListener arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/pay-nlb/2b3c4d5e6f708192/8a9b0c1d2e3f4a5b) succeeded",
            "…"
        ),
        "step 1/1 (elasticloadbalancing:ModifyListener listener/net/pay-nlb/…) succeeded"
    );
    // Other ARNs (who did it) stay whole.
    let sts = "by arn:aws:sts::111122223333:assumed-role/ops/alice";
    assert_eq!(short_elb_arns(sts, "…"), sts);
}

#[test]
fn long_words_wrap_at_separators_and_glued_text_stays_together() {
    use ratatui::text::Line;
    let rows: Vec<String> = views::widgets::wrap_indented(
        Line::raw("      ok arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/sorry-alb/1:80"),
        40,
    )
    .iter()
    .map(|l| l.to_string())
    .collect();
    assert_eq!(
        rows,
        [
            "      ok arn:aws:elasticloadbalancing:",
            "        eu-west-1:111122223333:",
            "        loadbalancer/app/sorry-alb/1:80",
        ]
    );
    let glued = views::widgets::glue_units("target of app-tg: healthy → unused after 10 min");
    let rows: Vec<String> = views::widgets::wrap_indented(Line::raw(glued), 30)
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert_eq!(
        rows,
        [
            "target of app-tg:",
            "  healthy\u{a0}→\u{a0}unused after",
            "  10\u{a0}min"
        ]
    );
}

#[test]
fn an_eta_names_each_part_and_its_worst_case() {
    use crate::model::verdict::{Eta, EtaPart};
    let eta = Eta {
        total: Duration::from_secs(210),
        parts: vec![
            EtaPart {
                what: "alarm evaluation 1 min x 2".into(),
                duration: Duration::from_secs(120),
            },
            EtaPart {
                what: "Route 53 change INSYNC".into(),
                duration: Duration::from_secs(30),
            },
            EtaPart {
                what: "DNS TTL of the primary".into(),
                duration: Duration::from_secs(60),
            },
        ],
    };
    let shown =
        views::detail::eta_text(&Theme::new(false, false), &eta, 1.0).replace('\u{a0}', " ");
    assert_eq!(
        shown,
        "ETA ≤ 3 min 30 s: alarm evaluation 1 min x 2 = 2 min, then Route 53 change INSYNC 30 s, \
         then DNS TTL of the primary 1 min"
    );
    // On an emulator running 60 times faster, the total is in wall-clock seconds, its AWS time
    // named beside it.
    let fast =
        views::detail::eta_text(&Theme::new(false, false), &eta, 60.0).replace('\u{a0}', " ");
    assert!(
        fast.starts_with("ETA ≤ 3 s (3 min 30 s of AWS time at 60x): alarm evaluation"),
        "{fast}"
    );
    let ascii = views::detail::eta_text(&Theme::new(false, true), &eta, 1.0);
    assert!(ascii.starts_with("ETA <= 3 min 30 s: "), "{ascii}");
    // Wrapped, a part is never split.
    let rows: Vec<String> = views::widgets::wrap_indented(ratatui::text::Line::raw(ascii), 40)
        .iter()
        .map(|l| l.to_string().replace('\u{a0}', " "))
        .collect();
    assert_eq!(
        rows,
        [
            "ETA <= 3 min 30 s:",
            "  alarm evaluation 1 min x 2 = 2 min,",
            "  then Route 53 change INSYNC 30 s,",
            "  then DNS TTL of the primary 1 min"
        ]
    );
}

// ----- listener rules --------------------------------------------------------------------------

/// A rule of the ALB's listener.
fn rule(
    priority: u32,
    conditions: &[(&str, &str)],
    action: crate::model::elb::ListenerAction,
) -> crate::model::elb::Rule {
    crate::model::elb::Rule {
        arn: format!("{}/{priority:016x}", crate::model::fixtures::ALB_LISTENER),
        priority: Some(priority),
        conditions: conditions
            .iter()
            .map(|(field, value)| crate::model::elb::RuleCondition {
                field: (*field).into(),
                values: vec![(*value).into()],
                http_header_name: (*field == "http-header").then(|| "X-Canary".to_string()),
            })
            .collect(),
        actions: vec![action],
        is_default: false,
    }
}

/// 40 host and path rules ahead of the listener's default action, as production ALBs have
/// them: most to the app's target group, some to its API group, a redirect and a 404. In
/// maintenance, switchyard's two rules come first and the rest moved down behind them.
fn forty_rules(maintenance: bool) -> Vec<crate::model::elb::Rule> {
    use crate::model::elb::ListenerAction;
    use crate::model::fixtures::APP_TG;
    const API_TG: &str =
        "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/api-tg/1a2b3c4d5e6f7081";
    let app = || ListenerAction::forward_to(APP_TG);
    let api = || ListenerAction::forward_to(API_TG);
    let shift = if maintenance { 2 } else { 0 };
    let mut rules = vec![
        rule(
            1 + shift,
            &[
                ("host-header", "api.example.com"),
                ("path-pattern", "/v2/*"),
            ],
            api(),
        ),
        rule(2 + shift, &[("host-header", "api.example.com")], api()),
        rule(3 + shift, &[("path-pattern", "/api/*")], api()),
        rule(4 + shift, &[("http-header", "1")], app()),
    ];
    for (i, path) in [
        "/static/*",
        "/assets/*",
        "/img/*",
        "/fonts/*",
        "/cart",
        "/cart/*",
        "/checkout/*",
        "/account/*",
        "/login",
        "/logout",
        "/search*",
        "/product/*",
        "/category/*",
        "/brand/*",
        "/sale/*",
        "/gift-cards/*",
        "/help/*",
        "/contact",
        "/stores/*",
        "/careers/*",
        "/press/*",
        "/sitemap.xml",
        "/robots.txt",
        "/favicon.ico",
        "/wishlist/*",
        "/orders/*",
        "/reviews/*",
        "/promo/*",
        "/partners/*",
        "/deals/*",
        "/m/*",
        "/shop/*",
    ]
    .iter()
    .enumerate()
    {
        rules.push(rule(5 + i as u32 + shift, &[("path-pattern", path)], app()));
    }
    let mut redirect = ListenerAction::forward_to(APP_TG);
    redirect.kind = crate::model::elb::ActionKind::Redirect;
    redirect.target_group_arn = None;
    redirect.redirect = Some(crate::model::elb::Redirect {
        protocol: None,
        port: None,
        host: Some("blog.example.com".into()),
        path: None,
        query: None,
        status_code: "HTTP_301".into(),
    });
    rules.push(rule(40, &[("path-pattern", "/blog/*")], redirect));
    rules.push(rule(
        45,
        &[("path-pattern", "/wp-admin*")],
        ListenerAction::fixed("404", Some("text/plain".into()), Some("Not found".into())),
    ));
    rules.push(rule(50, &[("host-header", "www.example.com")], app()));
    rules.push(rule(100, &[("host-header", "example.com")], app()));
    if maintenance {
        rules.push(rule(1, &[("source-ip", "203.0.113.0/24")], app()));
        rules.push(rule(
            2,
            &[("path-pattern", "/*")],
            ListenerAction::fixed(
                "503",
                Some("text/html".into()),
                Some("<h1>Back soon</h1>".into()),
            ),
        ));
    }
    rules
}

fn with_forty_rules(mut o: SiteObservations, maintenance: bool) -> SiteObservations {
    o.rules.insert(
        crate::model::fixtures::ALB_LISTENER.to_string(),
        crate::model::obs::Fetched::ok(forty_rules(maintenance), crate::model::fixtures::ago(10)),
    );
    o
}

/// 40 rules do not flood the detail: runs that do the same share a line, the rest is counted;
/// in maintenance the rules behind the catch-all are one line.
#[test]
fn snapshot_detail_alb_rules() {
    let mut a = app(vec![with_forty_rules(live(), false)], true);
    key(&mut a, KeyCode::Enter);
    snap("detail_alb_rules", &a);
    let s = text(draw(&a, 120, 40).backend().buffer());
    assert!(s.contains("40 rules by priority, 38 to the app:"), "{s}");
    assert!(s.contains("1–3    [app] forward to api-tg"), "{s}");
    assert!(s.contains("if host api.example.com and path"), "{s}");
    assert!(s.contains("4–36   [app] forward to app-tg"), "{s}");
    assert!(
        s.contains("[other] redirect HTTP_301 to blog.example.com"),
        "{s}"
    );
    assert!(s.contains("if path /wp-admin*"), "{s}");
    // At 80x24 the rules are below the health checks: scrolled to.
    for _ in 0..18 {
        key(&mut a, KeyCode::Char('j'));
    }
    insta::assert_snapshot!(
        "detail_alb_rules_scrolled_80x24",
        draw(&a, 80, 24).backend()
    );

    let mut a = app(
        vec![named(
            Fx::alb_cloudfront().marker(MaintenancePhase::Active),
            "shop",
        )],
        true,
    );
    let site = with_forty_rules(
        named(
            Fx::alb_cloudfront().marker(MaintenancePhase::Active),
            "shop",
        ),
        true,
    );
    update(
        &mut a,
        Msg::Poll(PollUpdate::Site {
            index: 0,
            observations: Arc::new(site),
        }),
    );
    key(&mut a, KeyCode::Enter);
    snap("detail_alb_rules_maintenance", &a);
    let s = text(draw(&a, 120, 40).backend().buffer());
    assert!(s.contains("42 rules by priority, 1 to the app:"), "{s}");
    assert!(s.contains("2     [sorry] fixed-response 503"), "{s}");
    assert!(
        s.contains("3–100 40 rules not reached (rule 2 takes all)"),
        "{s}"
    );
}

/// A weighted set: blue (the ALB, with the primary's health check) at weight 90 and a sorry
/// member of weight 0 (the sorry distribution).
fn weighted() -> SiteObservations {
    use crate::model::route53::{AliasTarget, CLOUDFRONT_HOSTED_ZONE_ID, RecordSet};
    let mut o = named(
        Fx::alb_cloudfront().dns_answers_values(&crate::model::fixtures::ALB_IPS),
        "store",
    );
    let alias = |zone: &str, dns: String| {
        Some(AliasTarget {
            hosted_zone_id: zone.into(),
            dns_name: dns,
            evaluate_target_health: false,
        })
    };
    if let Some(r) = o.records.value.as_mut() {
        *r = vec![
            RecordSet {
                name: "www.example.com.".into(),
                rtype: "A".into(),
                set_identifier: Some("blue".into()),
                weight: Some(90),
                alias: alias(
                    "Z32O12XQLNTSW2",
                    format!("dualstack.{}.", crate::model::fixtures::ALB_DNS),
                ),
                health_check_id: Some(crate::model::fixtures::PRIMARY_HC.into()),
                ..RecordSet::default()
            },
            RecordSet {
                name: "www.example.com.".into(),
                rtype: "A".into(),
                set_identifier: Some("sorry".into()),
                weight: Some(0),
                alias: alias(
                    CLOUDFRONT_HOSTED_ZONE_ID,
                    format!("{}.", crate::model::fixtures::CF_DNS),
                ),
                ..RecordSet::default()
            },
        ];
    }
    o
}

#[test]
fn snapshot_detail_weighted_members() {
    let mut a = app(vec![weighted()], true);
    assert_eq!(a.sites[0].verdict.kind, VerdictKind::Live);
    key(&mut a, KeyCode::Enter);
    snap("detail_weighted", &a);
    let s = text(draw(&a, 80, 24).backend().buffer());
    assert!(
        s.contains("blue: A alias app-alb-1234567890.eu-west-1.elb.amazonaws.com, weight 90"),
        "{s}"
    );
    assert!(s.contains("100 % of the traffic"), "{s}");
    assert!(
        s.contains("sorry: A alias d111111abcdef8.cloudfront.net, weight 0"),
        "{s}"
    );
}

// ----- incomplete chains and DOWN ---------------------------------------------------------------

/// A site whose piece `f` could not be read: denied, with nothing to stand in for it.
fn denied_piece<T>(f: &mut crate::model::obs::Fetched<T>, service: &str, action: &str) {
    *f = crate::model::obs::Fetched::default();
    f.set_failed(
        crate::model::error::AwsError::new(
            crate::model::error::ErrorKind::AccessDenied,
            service,
            action,
            "Access denied",
        )
        .with_iam_action(format!(
            "{}:{action}",
            crate::aws::error::iam_prefix(service)
        )),
        crate::model::fixtures::ago(1),
    );
}

fn incomplete_sites() -> Vec<SiteObservations> {
    let mut shop = named(Fx::alb_cloudfront(), "shop");
    shop.protected = true;
    for th in shop.target_health.values_mut() {
        denied_piece(th, "elbv2", "DescribeTargetHealth");
    }
    let mut blog = named(
        Fx::alb_cloudfront_eth().az_targets(
            "eu-west-1b",
            crate::model::elb::TargetState::Unhealthy,
            Some("Target.ResponseCodeMismatch"),
        ),
        "blog",
    );
    if let Some(d) = blog.distribution.as_mut() {
        denied_piece(&mut d.distribution, "cloudfront", "GetDistribution");
    }
    vec![
        shop,
        blog,
        named(
            Fx::nlb_listener().all_app_targets(
                crate::model::elb::TargetState::Unused,
                Some("Target.InvalidState"),
            ),
            "pay",
        ),
        named(Fx::dns_name_control(), "db"),
    ]
}

#[test]
fn an_incomplete_site_is_marked_in_its_overview_row() {
    let mut a = app(incomplete_sites(), true);
    let kinds: Vec<VerdictKind> = a.sites.iter().map(|s| s.verdict.kind).collect();
    assert_eq!(
        kinds,
        [
            VerdictKind::Unknown,
            VerdictKind::Degraded,
            VerdictKind::Down,
            VerdictKind::Live
        ]
    );
    for (w, h, mark) in [(80, 24, "[?]"), (120, 40, "[incomplete]")] {
        let s = text(draw(&a, w, h).backend().buffer());
        let row = |name: &str| {
            s.lines()
                .find(|l| l.contains(&format!(" {name} ")))
                .unwrap_or_else(|| panic!("no row for {name}:\n{s}"))
                .to_string()
        };
        // Whatever its verdict, a site not read in full says so on its own row.
        assert!(row("shop").contains(&format!("shop [P] {mark}")), "{s}");
        assert!(row("blog").contains(&format!("blog {mark}")), "{s}");
        assert!(!row("pay").contains(mark), "{s}");
        assert!(!row("db").contains(mark), "{s}");
        // DOWN leads the header's counts.
        assert!(
            s.lines().next().unwrap().contains(" 1 DOWN 1 UNKNOWN"),
            "{s}"
        );
    }
    // The selected site's reasons say what was not read, with the permission.
    a.selected = Some("blog".into());
    let s = text(draw(&a, 120, 40).backend().buffer());
    assert!(
        s.contains(
            "distribution E2QWRUHAPOMQZL: access denied: the role lacks cloudfront:GetDistribution"
        ),
        "{s}"
    );
    snap("overview_incomplete", &a);
    a.selected = Some("pay".into());
    snap("overview_down", &a);
}

// ----- checks that could not be made ----------------------------------------------------------------

/// A fail back whose check of the primary's targets could not be made: never a tick, it says
/// why and what would let it be checked, and it needs "force" chosen twice like a failure.
#[test]
fn a_check_that_could_not_be_made_is_never_a_tick_and_needs_force() {
    let mut p = plan("pay", false, false);
    p.direction = Direction::Off;
    p.preflight.push(PreflightCheck::new(
        "the primary's targets are healthy",
        CheckResult::CouldNotCheck,
        "pay-app: no listener forwards to it, and AWS does not health-check the targets of a \
         target group until a listener forwards to it, so switchyard cannot say its 2 target(s) \
         are healthy; check them directly before switching",
    ));
    assert!(p.refused());
    let mut a = app(demo_sites(), true);
    a.selected = Some(p.site.clone());
    let fx = key(&mut a, KeyCode::Char('f'));
    assert!(fx.contains(&Effect::Request(ActionRequest::Plan {
        site: p.site.clone(),
        direction: Direction::Off
    })));
    update(&mut a, Msg::Action(ActionUpdate::Planned(Ok(p))));
    for (w, h) in [(80, 24), (120, 40)] {
        let s = text(draw(&a, w, h).backend().buffer());
        let line = s
            .lines()
            .find(|l| l.contains("the primary's targets are healthy"))
            .unwrap_or_else(|| panic!("no check line:\n{s}"));
        assert!(line.contains(" ? the primary's targets are healthy"), "{s}");
        assert!(!line.contains('✓'), "{s}");
        assert!(s.contains("could not be checked"), "{s}");
    }
    snap("modal_could_not_check", &a);
    // Confirm once arms the force (and focuses Cancel again), the second runs it.
    key(&mut a, KeyCode::Tab);
    let fx = key(&mut a, KeyCode::Enter);
    assert!(
        !fx.iter()
            .any(|f| matches!(f, Effect::Request(ActionRequest::Execute { .. }))),
        "{fx:?}"
    );
    key(&mut a, KeyCode::Tab);
    let fx = key(&mut a, KeyCode::Enter);
    assert!(
        fx.iter().any(|f| matches!(
            f,
            Effect::Request(ActionRequest::Execute { force: true, .. })
        )),
        "{fx:?}"
    );
}

/// A plan too long for the screen is cut above its end: why it is refused, the site name to
/// type and the buttons stay in view, and the cut says so.
#[test]
fn a_long_confirmation_keeps_its_buttons_in_view() {
    let mut p = plan("pay", true, true);
    for i in 0..6 {
        p.preflight.push(PreflightCheck::new(
            format!("check {i}"),
            CheckResult::CouldNotCheck,
            "a long explanation of why this check could not be made and what would let it be \
             made, long enough to wrap over a few lines of a narrow terminal",
        ));
    }
    let mut a = confirming(p);
    let s = text(draw(&a, 80, 24).backend().buffer());
    assert!(s.contains("more line(s): ↑/↓ scrolls"), "{s}");
    assert!(s.contains("Reason (required): _"), "{s}");
    assert!(s.contains("Type the site name (pay) to confirm"), "{s}");
    assert!(s.contains("[ Cancel ]"), "{s}");
    assert!(
        s.contains("Refused: 1 preflight check(s) failed, 6 could not be checked"),
        "{s}"
    );
    snap("modal_long", &a);
    // Scrolled to its end: the last check is in view, and what is above says so.
    for _ in 0..40 {
        key(&mut a, KeyCode::Down);
    }
    let s = text(draw(&a, 80, 24).backend().buffer());
    assert!(s.contains("line(s) above: ↑/↓ scrolls"), "{s}");
    assert!(s.contains("lines of a narrow terminal"), "{s}");
    assert!(s.contains("check 5"), "{s}");
    assert!(s.contains("[ Cancel ]"), "{s}");
    snap_large("modal_long_scrolled", &a);
}

/// One ETA per site: the switch's countdown, in the progress window and in the site's header
/// (also once the window is closed), the same value, counting down on the console's clock, at
/// the emulator's speed (10 here: 120 s to converge and 70 s of caches are 19 wall seconds).
#[test]
fn snapshot_detail_header_shows_the_switchs_one_countdown() {
    use crate::model::eta::Countdown;
    use crate::model::verdict::EtaPart;
    let mut a = confirming(plan("blog", false, false));
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Enter);
    assert!(a.running.is_some());
    update(&mut a, Msg::Tick(NOW + Duration::from_secs(12)));
    let c = Countdown::start(
        a.now,
        10.0,
        Duration::from_secs(120),
        vec![
            EtaPart {
                what: "DNS TTL of the primary in clients' caches".into(),
                duration: Duration::from_secs(60),
            },
            EtaPart {
                what: "CloudFront E1SHOPSORRY0AB error caching".into(),
                duration: Duration::from_secs(10),
            },
        ],
    );
    update(
        &mut a,
        Msg::Action(ActionUpdate::Progress(Progress::Verify {
            items: vec![VerifyItem::new(
                "Route 53 answers blog.example.com with the primary".into(),
                false,
                "198.51.100.7".into(),
            )],
            eta: Some(c.remaining(NOW + Duration::from_secs(12))),
            countdown: Some(c),
        })),
    );
    let said = "ETA ≤ 19 s, clients see it by 02:00:31 UTC";
    let progress = text(draw(&a, 120, 40).backend().buffer());
    assert!(progress.contains(said), "{progress}");
    // The window closed (the switch over), the site's detail open: the same ETA.
    a.running = None;
    a.selected = Some("blog".into());
    key(&mut a, KeyCode::Enter);
    snap("detail_countdown", &a);
    let detail = text(draw(&a, 120, 40).backend().buffer());
    assert!(detail.contains(said), "{detail}");
    // Five seconds on, it has counted down to the same time.
    update(&mut a, Msg::Tick(NOW + Duration::from_secs(17)));
    let later = text(draw(&a, 120, 40).backend().buffer());
    assert!(
        later.contains("ETA ≤ 14 s, clients see it by 02:00:31 UTC"),
        "{later}"
    );
    // Seen converged at 02:00:20: clients see it 7 s later; after that the header has no ETA.
    if let Some((_, c)) = a.countdown.as_mut() {
        c.converged_at(NOW + Duration::from_secs(20));
    }
    update(&mut a, Msg::Tick(NOW + Duration::from_secs(40)));
    let after = text(draw(&a, 120, 40).backend().buffer());
    assert!(!after.contains("clients see it by"), "{after}");
}

/// Just after a fail back: Route 53 answers the primary (fresh), the metric's last datapoint
/// (95 s old) still says unhealthy. LIVE, and the header says which source is older; the
/// health check says its metric's age.
#[test]
fn snapshot_detail_a_lagging_metric_after_a_fail_back() {
    let site = named(
        Fx::alb_cloudfront()
            .primary_metric_aged(false, 95)
            .dns_answers(Served::Primary),
        "shop",
    );
    let mut a = app(vec![site], true);
    key(&mut a, KeyCode::Enter);
    snap("detail_metric_lags", &a);
    let s = text(draw(&a, 120, 40).backend().buffer());
    assert!(s.contains("LIVE"), "{s}");
    assert!(!s.contains("SWITCHING"), "{s}");
    assert!(s.contains("the metric lags"), "{s}");
}

// ----- a switch never holds the operator hostage -----------------------------------------------

fn step_msg(index: usize, state: StepProgress) -> Msg {
    Msg::Action(ActionUpdate::Progress(Progress::Step {
        index,
        state,
        detail: String::new(),
        elapsed: Duration::from_millis(400),
    }))
}

fn verify_msg(converged: bool) -> Msg {
    Msg::Action(ActionUpdate::Progress(Progress::Verify {
        items: vec![
            VerifyItem::new(
                "health check 3f1c9a2e… inverted".into(),
                true,
                "Inverted=true".into(),
            ),
            VerifyItem::new(
                "DNS answers the secondary".into(),
                converged,
                "the primary".into(),
            ),
        ],
        eta: Some(Duration::from_secs(90)),
        countdown: None,
    }))
}

fn ctrl_c(a: &mut App) -> Vec<Effect> {
    update(
        a,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    )
}

/// `blog` entering maintenance, its first step done and the second running.
fn halfway() -> App {
    let mut a = running(plan("blog", false, false));
    update(&mut a, step_msg(0, StepProgress::Running));
    update(&mut a, step_msg(0, StepProgress::Done));
    update(&mut a, step_msg(1, StepProgress::Running));
    a
}

/// The way back of `blog`'s entry: the fail back of its first step.
fn way_back() -> Plan {
    let mut p = plan("blog", false, false);
    p.direction = Direction::Off;
    p.steps.truncate(1);
    p.steps[0].before = "Inverted=true".into();
    p.steps[0].after = "Inverted=false".into();
    p
}

#[test]
fn cancel_asks_once_more_then_the_engine_rolls_the_switch_back() {
    let mut a = halfway();
    assert!(key(&mut a, KeyCode::Char('c')).is_empty(), "asked first");
    snap_large("progress_cancel_asked", &a);
    let fx = key(&mut a, KeyCode::Char('y'));
    assert_eq!(fx, vec![Effect::Request(ActionRequest::RollBack)]);
    // Asked once: c again sends nothing more.
    assert!(key(&mut a, KeyCode::Char('c')).is_empty());
    update(&mut a, step_msg(1, StepProgress::Done));
    let fx = update(
        &mut a,
        Msg::Action(ActionUpdate::Progress(Progress::RollingBack {
            plan: Box::new(way_back()),
            stopped: "maintenance on for blog was cancelled by the operator between two steps: 2 of 2 steps were done, recorded in the journal _switchyard.blog.example.com".into(),
        })),
    );
    assert!(fx.iter().any(
        |f| matches!(f, Effect::Record(e) if e.message.contains("cancelled by the operator"))
    ));
    let run = a.running.as_ref().unwrap();
    assert_eq!(run.plan.direction, Direction::Off);
    assert_eq!(run.steps.len(), 1);
    update(&mut a, step_msg(0, StepProgress::Running));
    snap_large("progress_rolling_back", &a);
    update(&mut a, step_msg(0, StepProgress::Done));
    update(
        &mut a,
        Msg::Action(ActionUpdate::Progress(Progress::Finished {
            ok: true,
            summary: "cancelled and rolled back: blog failed back: steps undone: 2, every original value restored".into(),
        })),
    );
    let s = text(draw(&a, 80, 24).backend().buffer());
    assert!(
        s.contains("Cancelled and rolled back: blog failed back"),
        "{s}"
    );
    snap_large("progress_rolled_back", &a);
    key(&mut a, KeyCode::Esc);
    assert!(a.running.is_none());
}

#[test]
fn esc_sends_the_switch_to_the_background_and_w_shows_it_again() {
    let mut a = halfway();
    key(&mut a, KeyCode::Esc);
    let run = a.running.as_ref().unwrap();
    assert!(run.background && run.active());
    // The console is the operator's again; the status bar says how the switch goes.
    key(&mut a, KeyCode::Char('j'));
    assert_eq!(a.selected.as_deref(), Some("api"));
    let s = text(draw(&a, 80, 24).backend().buffer());
    let bottom = s.lines().last().unwrap();
    assert!(
        bottom.contains("enter maintenance blog: step 2 of 2") && bottom.contains("w show"),
        "{s}"
    );
    snap_large("overview_switch_in_background", &a);
    // One switch at a time.
    key(&mut a, KeyCode::Char('m'));
    assert!(a.modal.is_none());
    assert!(
        a.message
            .as_deref()
            .unwrap()
            .contains("one switch at a time")
    );
    // Verifying, then done in the background: the status bar follows.
    update(&mut a, step_msg(1, StepProgress::Done));
    update(&mut a, verify_msg(false));
    a.message = None;
    let s = text(draw(&a, 80, 24).backend().buffer());
    assert!(s.contains("verifying, 1 of 2 to converge"), "{s}");
    update(
        &mut a,
        Msg::Action(ActionUpdate::Progress(Progress::Finished {
            ok: true,
            summary: "blog is in maintenance: steps done: 2".into(),
        })),
    );
    let s = text(draw(&a, 80, 24).backend().buffer());
    assert!(s.contains("enter maintenance blog: done"), "{s}");
    key(&mut a, KeyCode::Char('w'));
    let s = text(draw(&a, 80, 24).backend().buffer());
    assert!(s.contains("Done: blog is in maintenance"), "{s}");
    key(&mut a, KeyCode::Enter);
    assert!(a.running.is_none());
}

#[test]
fn q_during_a_switch_asks_and_finish_quits_once_the_steps_are_made() {
    let mut a = halfway();
    assert!(key(&mut a, KeyCode::Char('q')).is_empty());
    assert!(a.quit_prompt);
    snap_large("quit_during_a_switch", &a);
    // Stay.
    key(&mut a, KeyCode::Esc);
    assert!(!a.quit_prompt && !a.quit);
    // Detach: stay, the switch in the background.
    key(&mut a, KeyCode::Char('q'));
    key(&mut a, KeyCode::Char('b'));
    assert!(a.running.as_ref().unwrap().background && !a.quit);
    // Quitting from the overview asks as well; f: quit once the steps are made.
    key(&mut a, KeyCode::Char('q'));
    assert!(a.quit_prompt);
    assert!(key(&mut a, KeyCode::Char('f')).is_empty());
    assert!(
        !a.running.as_ref().unwrap().background,
        "shown while it finishes"
    );
    assert!(
        update(&mut a, step_msg(1, StepProgress::Done))
            .iter()
            .all(|f| *f != Effect::Quit)
    );
    let fx = update(&mut a, verify_msg(false));
    assert!(fx.contains(&Effect::Quit), "{fx:?}");
}

#[test]
fn q_then_r_rolls_back_and_quits_once_the_way_back_is_made() {
    let mut a = halfway();
    key(&mut a, KeyCode::Char('q'));
    let fx = key(&mut a, KeyCode::Char('r'));
    assert_eq!(fx, vec![Effect::Request(ActionRequest::RollBack)]);
    // The cancelled switch's own verification does not count.
    update(&mut a, step_msg(1, StepProgress::Done));
    assert!(
        update(&mut a, verify_msg(false))
            .iter()
            .all(|f| *f != Effect::Quit)
    );
    update(
        &mut a,
        Msg::Action(ActionUpdate::Progress(Progress::RollingBack {
            plan: Box::new(way_back()),
            stopped: "2 of 2 steps were done".into(),
        })),
    );
    update(&mut a, step_msg(0, StepProgress::Running));
    let s = text(draw(&a, 80, 24).backend().buffer());
    assert!(
        s.contains("Quitting once the roll back's steps are made"),
        "{s}"
    );
    update(&mut a, step_msg(0, StepProgress::Done));
    let fx = update(&mut a, verify_msg(false));
    assert!(fx.contains(&Effect::Quit), "{fx:?}");
}

#[test]
fn ctrl_c_during_a_switch_asks_and_again_quits_at_once() {
    let mut a = halfway();
    assert!(ctrl_c(&mut a).is_empty());
    assert!(a.quit_prompt);
    assert_eq!(ctrl_c(&mut a), vec![Effect::Quit]);
    // SIGINT behaves as ctrl-c; with nothing running it quits at once.
    let mut b = halfway();
    assert!(update(&mut b, Msg::Interrupt).is_empty());
    assert!(b.quit_prompt);
    let mut c = app(demo_sites(), true);
    assert_eq!(update(&mut c, Msg::Interrupt), vec![Effect::Quit]);
}

#[test]
fn the_new_screens_are_pure_ascii_with_ascii() {
    let mut a = halfway();
    a.theme = Theme::new(true, true);
    key(&mut a, KeyCode::Char('c'));
    all_ascii(&a, "progress, cancel asked");
    key(&mut a, KeyCode::Char('n'));
    key(&mut a, KeyCode::Char('q'));
    all_ascii(&a, "quit prompt");
    key(&mut a, KeyCode::Char('b'));
    all_ascii(&a, "switch in the background");
    let mut b = confirming(plan("pay", true, true));
    b.theme = Theme::new(true, true);
    keys(&mut b, "why");
    all_ascii(&b, "confirmation with its fields");
}

/// The console's engine (`tui::switching::serve`) against the emulator: shop's entry is
/// cancelled while its second step is in flight. The step finishes, the switch stops, and the
/// fail back takes back both steps; AWS is then as before: the plan to enter maintenance is
/// the one made before the switch (every resource at its original value, no journal).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_switch_is_rolled_back_by_the_engine_and_aws_is_as_before() {
    use crate::poll::session::{Overrides, Session};
    use switchyard_sim::{Control, Scenario, SimOptions};
    let scenario = Scenario::parse(include_str!("../../assets/scenarios/demo.toml")).unwrap();
    let mut opts = SimOptions::new(scenario);
    opts.paused = true;
    opts.start = Some(1_795_312_800_000);
    let sim = switchyard_sim::start(opts).await.unwrap();
    let mut config = crate::config::parse(
        &configs::without_probes(include_str!("../../assets/configs/demo.toml")),
        std::path::Path::new("demo.toml"),
    )
    .unwrap();
    config.defaults.dns_server = Some(sim.dns_server());
    let overrides = Overrides {
        profile: None,
        region: None,
        endpoint_url: Some(sim.endpoint()),
        static_credentials: Some(("switchyard-sim".into(), "switchyard-sim".into())),
        journal_check: None,
    };
    let session = Session::start(config, &["shop".to_string()], &overrides)
        .await
        .unwrap();
    let audit = tempfile::tempdir().unwrap();
    let audit_log = audit.path().join("audit.jsonl");
    let (link, server) = super::actions::link();
    let engine = tokio::spawn(crate::tui::switching::serve(
        server,
        crate::tui::switching::switchable(&session),
        session.resolver.clone(),
        Some(audit_log.clone()),
    ));
    let (updates_tx, mut updates) = tokio::sync::mpsc::channel(64);
    link.connect.send(updates_tx).unwrap();
    let requests = link.requests;
    let plan_now = async |updates: &mut tokio::sync::mpsc::Receiver<ActionUpdate>| {
        requests
            .send(ActionRequest::Plan {
                site: "shop".into(),
                direction: Direction::On,
            })
            .await
            .unwrap();
        let Some(ActionUpdate::Planned(Ok(plan))) = updates.recv().await else {
            panic!("no plan")
        };
        plan
    };
    let before = plan_now(&mut updates).await;
    assert_eq!(before.steps.len(), 4, "{before:#?}");
    // Step 2 (silence the first alarm) is held until the cancel is asked for.
    let hold: switchyard_sim::FaultSpec = serde_json::from_value(serde_json::json!({
        "service": "cloudwatch", "operation": "DisableAlarmActions", "fault": "hold",
    }))
    .unwrap();
    sim.control(Control::Fault(hold)).unwrap();
    requests
        .send(ActionRequest::Execute {
            plan: before.clone(),
            force: false,
            reason: Some("cancel drill".into()),
        })
        .await
        .unwrap();
    let mut seen = Vec::new();
    loop {
        let Some(u) = tokio::time::timeout(Duration::from_secs(120), updates.recv())
            .await
            .unwrap_or_else(|_| panic!("the switch stalled after {seen:#?}"))
        else {
            panic!("the engine ended")
        };
        let ActionUpdate::Progress(p) = u else {
            panic!("{u:?} while the switch runs")
        };
        match &p {
            Progress::Step {
                index: 1,
                state: StepProgress::Running,
                ..
            } if !seen
                .iter()
                .any(|p| matches!(p, Progress::RollingBack { .. })) =>
            {
                requests.send(ActionRequest::RollBack).await.unwrap();
                // The engine takes the cancel before the held call is let go.
                tokio::time::sleep(Duration::from_millis(200)).await;
                sim.control(Control::ClearFaults {
                    service: None,
                    operation: None,
                })
                .unwrap();
            }
            Progress::Verify { .. } => {
                sim.control(Control::AdvanceClock { seconds: 300.0 })
                    .unwrap();
            }
            _ => {}
        }
        let last = matches!(p, Progress::Finished { .. });
        seen.push(p);
        if last {
            break;
        }
    }
    // Steps 1 and 2 done, nothing after; the way back undoes both, newest first.
    let back_at = seen
        .iter()
        .position(|p| matches!(p, Progress::RollingBack { .. }))
        .unwrap_or_else(|| panic!("no roll back: {seen:#?}"));
    assert_eq!(
        step_states(&seen[..back_at]),
        [
            (0, StepProgress::Running),
            (0, StepProgress::Done),
            (1, StepProgress::Running),
            (1, StepProgress::Done),
        ]
    );
    let Progress::RollingBack {
        plan: back,
        stopped,
    } = &seen[back_at]
    else {
        unreachable!()
    };
    assert_eq!(back.direction, Direction::Off);
    assert!(stopped.contains("cancelled by the operator"), "{stopped}");
    assert!(stopped.contains("2 of 4 steps were done"), "{stopped}");
    let undone: Vec<(usize, StepProgress)> = step_states(&seen[back_at..])
        .into_iter()
        .filter(|(_, s)| *s != StepProgress::Running)
        .collect();
    assert_eq!(undone, [(0, StepProgress::Done), (1, StepProgress::Done)]);
    let Some(Progress::Finished { ok, summary }) = seen.last() else {
        unreachable!()
    };
    assert!(ok, "{summary}");
    assert!(
        summary.starts_with("cancelled and rolled back"),
        "{summary}"
    );
    // AWS as before: the same plan to enter maintenance (the health check's version moved on
    // with the two updates, as AWS's does).
    let after = plan_now(&mut updates).await;
    assert!(after.nothing_to_do.is_none(), "{after:#?}");
    let values = |p: &Plan| -> Vec<(String, String, String, String)> {
        p.steps
            .iter()
            .map(|s| {
                let unversioned = |v: &str| {
                    v.split(" (HealthCheckVersion")
                        .next()
                        .unwrap_or(v)
                        .to_string()
                };
                (
                    s.call.clone(),
                    s.resource.clone(),
                    unversioned(&s.before),
                    unversioned(&s.after),
                )
            })
            .collect()
    };
    assert_eq!(values(&after), values(&before));
    assert_eq!(
        before.steps[0].before,
        "Inverted=false (HealthCheckVersion 1)"
    );
    assert_eq!(
        after.steps[0].before,
        "Inverted=false (HealthCheckVersion 3)"
    );
    // The audit: the cancelled entry and the fail back that took it back, each with the reason.
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&audit_log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0]["direction"], "on");
    assert_eq!(lines[0]["result"], "cancelled");
    assert_eq!(lines[0]["reason"], "cancel drill");
    assert_eq!(lines[1]["direction"], "off");
    assert_eq!(lines[1]["result"], "done");
    assert_eq!(
        lines[1]["reason"],
        "roll back of a cancelled enter maintenance: cancel drill"
    );
    drop(requests);
    engine.await.unwrap();
    sim.shutdown().await;
}

/// The console's engine on the demo (paused, its clock moved on at each verification round).
struct Drill {
    sim: switchyard_sim::SimHandle,
    requests: tokio::sync::mpsc::Sender<ActionRequest>,
    updates: tokio::sync::mpsc::Receiver<ActionUpdate>,
    engine: tokio::task::JoinHandle<bool>,
    audit: tempfile::TempDir,
}

impl Drill {
    async fn start() -> Drill {
        use crate::poll::session::{Overrides, Session};
        use switchyard_sim::{Scenario, SimOptions};
        let scenario = Scenario::parse(include_str!("../../assets/scenarios/demo.toml")).unwrap();
        let mut opts = SimOptions::new(scenario);
        opts.paused = true;
        opts.start = Some(1_795_312_800_000);
        let sim = switchyard_sim::start(opts).await.unwrap();
        let mut config = crate::config::parse(
            &configs::without_probes(include_str!("../../assets/configs/demo.toml")),
            std::path::Path::new("demo.toml"),
        )
        .unwrap();
        config.defaults.dns_server = Some(sim.dns_server());
        let overrides = Overrides {
            profile: None,
            region: None,
            endpoint_url: Some(sim.endpoint()),
            static_credentials: Some(("switchyard-sim".into(), "switchyard-sim".into())),
            journal_check: None,
        };
        let session = Session::start(config, &["shop".to_string()], &overrides)
            .await
            .unwrap();
        let audit = tempfile::tempdir().unwrap();
        let (link, server) = super::actions::link();
        let engine = tokio::spawn(crate::tui::switching::serve(
            server,
            crate::tui::switching::switchable(&session),
            session.resolver.clone(),
            Some(audit.path().join("audit.jsonl")),
        ));
        let (updates_tx, updates) = tokio::sync::mpsc::channel(64);
        link.connect.send(updates_tx).unwrap();
        Drill {
            sim,
            requests: link.requests,
            updates,
            engine,
            audit,
        }
    }

    async fn plan(&mut self, direction: Direction) -> Plan {
        self.requests
            .send(ActionRequest::Plan {
                site: "shop".into(),
                direction,
            })
            .await
            .unwrap();
        let Some(ActionUpdate::Planned(Ok(plan))) = self.updates.recv().await else {
            panic!("no plan")
        };
        plan
    }

    /// Runs `plan`; when `cancel_at` says so of an update, the switch is cancelled, then the
    /// calls held by the emulator are let go. Returns every update.
    async fn run(
        &mut self,
        plan: &Plan,
        mut cancel_at: impl FnMut(&Progress) -> bool,
    ) -> Vec<Progress> {
        self.requests
            .send(ActionRequest::Execute {
                plan: plan.clone(),
                force: true,
                reason: Some("drill".into()),
            })
            .await
            .unwrap();
        let mut seen = Vec::new();
        loop {
            let u = tokio::time::timeout(Duration::from_secs(120), self.updates.recv())
                .await
                .unwrap_or_else(|_| panic!("the switch stalled after {seen:#?}"));
            let Some(ActionUpdate::Progress(p)) = u else {
                panic!("{u:?} while the switch runs")
            };
            if let Progress::Verify { .. } = p {
                self.sim
                    .control(switchyard_sim::Control::AdvanceClock { seconds: 300.0 })
                    .unwrap();
            }
            if cancel_at(&p) {
                self.requests.send(ActionRequest::RollBack).await.unwrap();
                // The engine takes the cancel before the held call is let go.
                tokio::time::sleep(Duration::from_millis(300)).await;
                self.sim
                    .control(switchyard_sim::Control::ClearFaults {
                        service: None,
                        operation: None,
                    })
                    .unwrap();
            }
            let last = matches!(p, Progress::Finished { .. });
            seen.push(p);
            if last {
                return seen;
            }
        }
    }

    fn audit(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.audit.path().join("audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    async fn end(self) {
        drop(self.requests);
        self.engine.await.unwrap();
        self.sim.shutdown().await;
    }
}

/// A fail back cancelled with its first step in flight: the step finishes, and the way back
/// (maintenance on, resuming from the journal) puts it back; shop is in maintenance as before
/// (the plan to fail back is the one made before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_fail_back_is_taken_back_into_maintenance() {
    let mut d = Drill::start().await;
    let on = d.plan(Direction::On).await;
    let seen = d.run(&on, |_| false).await;
    assert!(
        matches!(seen.last(), Some(Progress::Finished { ok: true, .. })),
        "{seen:#?}"
    );
    let before = d.plan(Direction::Off).await;
    assert!(before.nothing_to_do.is_none(), "{before:#?}");
    // Its first step (the second alarm's actions back on) is held until the cancel is asked.
    let hold: switchyard_sim::FaultSpec = serde_json::from_value(serde_json::json!({
        "service": "cloudwatch", "operation": "EnableAlarmActions", "fault": "hold",
    }))
    .unwrap();
    d.sim.control(switchyard_sim::Control::Fault(hold)).unwrap();
    let mut asked = false;
    let seen = d
        .run(&before, |p| {
            let now = !asked
                && matches!(
                    p,
                    Progress::Step {
                        index: 0,
                        state: StepProgress::Running,
                        ..
                    }
                );
            asked |= now;
            now
        })
        .await;
    let back_at = seen
        .iter()
        .position(|p| matches!(p, Progress::RollingBack { .. }))
        .unwrap_or_else(|| panic!("no roll back: {seen:#?}"));
    let Progress::RollingBack {
        plan: back,
        stopped,
    } = &seen[back_at]
    else {
        unreachable!()
    };
    assert_eq!(back.direction, Direction::On);
    assert!(stopped.contains("1 of 3 steps were undone"), "{stopped}");
    assert_eq!(
        back.steps.len(),
        1,
        "only the step undone is redone: {back:#?}"
    );
    let Some(Progress::Finished { ok, summary }) = seen.last() else {
        unreachable!()
    };
    assert!(ok, "{summary}");
    assert!(
        summary.contains("is in maintenance again: the stopped fail back was undone"),
        "{summary}"
    );
    let after = d.plan(Direction::Off).await;
    let values = |p: &Plan| -> Vec<(String, String, String, String)> {
        p.steps
            .iter()
            .map(|s| {
                (
                    s.call.clone(),
                    s.resource.clone(),
                    s.before.clone(),
                    s.after.clone(),
                )
            })
            .collect()
    };
    assert_eq!(values(&after), values(&before));
    let audit = d.audit();
    let results: Vec<(&str, &str)> = audit
        .iter()
        .map(|l| {
            (
                l["direction"].as_str().unwrap(),
                l["result"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [("on", "done"), ("off", "cancelled"), ("on", "done")]
    );
    d.end().await;
}

#[test]
fn help_says_what_the_keys_do_while_a_switch_runs() {
    let mut a = app(demo_sites(), true);
    key(&mut a, KeyCode::Char('?'));
    let s = text(draw(&a, 200, 60).backend().buffer());
    for said in [
        "While a switch runs (its window)",
        "send it to the background: the status bar follows it, w shows it again",
        "cancel it (y confirms)",
        "show the switch running in the background",
    ] {
        assert!(s.contains(said), "{said}:\n{s}");
    }
    let t = draw(&a, 200, 60);
    insta::assert_snapshot!("help_200x60", t.backend());
    // Read-only: no switch, no word of one.
    let mut b = app(demo_sites(), false);
    key(&mut b, KeyCode::Char('?'));
    let s = text(draw(&b, 200, 60).backend().buffer());
    assert!(!s.contains("While a switch runs"), "{s}");
}

#[test]
fn at_the_smallest_size_the_confirmation_keeps_its_fields_and_buttons() {
    let mut p = plan("pay", true, true);
    p.preflight[1].detail = "a long explanation that wraps over many rows of a narrow window, \
        and then some more words to be sure of it"
        .into();
    let mut a = confirming(p);
    keys(&mut a, "why");
    let s = text(draw(&a, 50, 12).backend().buffer());
    assert!(s.contains("Reason (required): why_"), "{s}");
    assert!(s.contains("Type the site name (pay)"), "{s}");
    assert!(s.contains("[ Cancel ]"), "{s}");
}

// ----- the context header ---------------------------------------------------------------------

fn demo_app() -> App {
    let mut a = app(demo_sites(), true);
    a.demo_speed = Some(10.0);
    a.contexts = vec![crate::model::sts::CallerContext {
        profile: None,
        endpoint: Some("http://127.0.0.1:4566".into()),
        identity: Ok(crate::model::sts::Identity {
            account: "123456789012".into(),
            arn: "arn:aws:sts::123456789012:assumed-role/OpsAdmin/demo".into(),
            user_id: "AROADEMO:demo".into(),
        }),
        expires_at: None,
        ..context()
    }];
    a
}

fn header_rows(a: &App, w: u16) -> Vec<String> {
    rows(&draw(a, w, 24)).into_iter().take(2).collect()
}

/// A demo console never looks like a production one: DEMO and its speed, the emulator's
/// endpoint; production names its account, region, profile, caller and the credentials' end.
#[test]
fn the_header_says_where_the_console_calls_and_as_whom() {
    let a = demo_app();
    let h = header_rows(&a, 200).join("\n");
    for part in [
        "DEMO x10",
        "account 123456789012",
        "region eu-west-1",
        "caller assumed-role/OpsAdmin/demo",
        "endpoint http://127.0.0.1:4566",
    ] {
        assert!(h.contains(part), "no {part:?} in\n{h}");
    }
    assert!(!h.contains("READ-ONLY"), "{h}");
    // At 80 columns the labels go first, the values stay.
    let h = header_rows(&a, 80).join("\n");
    for part in [
        "DEMO x10",
        "123456789012",
        "eu-west-1",
        "http://127.0.0.1:4566",
    ] {
        assert!(h.contains(part), "no {part:?} at 80 columns in\n{h}");
    }
    let prod = app(demo_sites(), false);
    let h = header_rows(&prod, 200).join("\n");
    for part in [
        "READ-ONLY",
        "account 123456789012",
        "profile prod-ops",
        "caller assumed-role/AWSReservedSSO_OpsAdmin/alice",
        "credentials until 02:45 UTC",
    ] {
        assert!(h.contains(part), "no {part:?} in\n{h}");
    }
    assert!(!h.contains("DEMO") && !h.contains("endpoint"), "{h}");
    let mut r = rehearsal();
    r.actions = false;
    let h = header_rows(&r, 80).join("\n");
    assert!(h.contains("REHEARSAL") && h.contains("READ-ONLY"), "{h}");
    snap("header_demo", &a);
}

#[test]
fn credentials_about_to_expire_lead_the_header_in_red() {
    let mut a = app(demo_sites(), true);
    a.contexts[0].expires_at = Some(NOW + time::Duration::minutes(8));
    let t = draw(&a, 80, 24);
    let h = rows(&t)[1].clone();
    assert!(
        h.starts_with(" credentials expire in 8m"),
        "the warning leads:\n{h}"
    );
    let (x, y) = find(t.backend().buffer(), "8m");
    assert_eq!(t.backend().buffer()[(x, y)].fg, Color::Red);
    snap("header_expiring", &a);
    a.contexts[0].expires_at = Some(NOW - time::Duration::minutes(1));
    let h = header_rows(&a, 80).join("\n");
    assert!(h.contains("credentials EXPIRED"), "{h}");
    // Not read: said, not hidden.
    a.contexts[0].identity = Err("sts GetCallerIdentity: ExpiredToken".into());
    let h = header_rows(&a, 200).join("\n");
    assert!(h.contains("caller not read: sts GetCallerIdentity"), "{h}");
}

/// A console whose data comes through another process's poller says so, and whose: it leads
/// the context row (kept at any width); a console whose poller others share says how many.
#[test]
fn a_console_on_the_shared_poller_says_whose_data_it_shows() {
    use crate::model::share::PollerSource;
    let mut a = demo_app();
    let alone = header_rows(&a, 200).join("\n");
    update(
        &mut a,
        Msg::Poller(PollerSource::Alone {
            why: "--no-share".into(),
        }),
    );
    assert_eq!(
        header_rows(&a, 200).join("\n"),
        alone,
        "alone: nothing to say"
    );
    update(
        &mut a,
        Msg::Poller(PollerSource::Joined {
            socket: "/run/user/1000/switchyard/0bc2.sock".into(),
            leader_pid: 4242,
        }),
    );
    for w in [200, 80] {
        let h = header_rows(&a, w)[1].clone();
        assert!(
            h.starts_with(" data via shared poller (pid 4242)"),
            "at {w} columns:\n{h}"
        );
    }
    snap("header_shared", &a);
    update(
        &mut a,
        Msg::Poller(PollerSource::Leader {
            socket: "/run/user/1000/switchyard/0bc2.sock".into(),
            joiners: 2,
        }),
    );
    let h = header_rows(&a, 200).join("\n");
    assert!(h.contains("poller shared with 2 more"), "{h}");
    assert!(!h.contains("data via"), "{h}");
}

#[test]
fn help_explains_every_badge_and_mark() {
    let mut a = demo_app();
    key(&mut a, KeyCode::Char('?'));
    let help: Vec<String> = views::help::lines(&a)
        .iter()
        .map(|l| l.to_string())
        .collect();
    let help = help.join("\n");
    for mark in [
        "DEMO xN",
        "REHEARSAL",
        "READ-ONLY",
        "[P]",
        "[ro]",
        "[incomplete]",
        "[?]",
        "credentials",
        "data via",
        "endpoint",
    ] {
        assert!(help.contains(mark), "help does not explain {mark}:\n{help}");
    }
    // Its end, where the legend is.
    for _ in 0..80 {
        key(&mut a, KeyCode::Char('j'));
    }
    let t = draw(&a, 80, 24);
    let s = rows(&t).join("\n");
    assert!(s.contains("protected site"), "{s}");
    snap("help_legend", &a);
}

/// The reason column says what is wrong beside each site that is not LIVE, and the site
/// column is no wider than the names: no 130 blank columns at 200.
#[test]
fn a_wide_overview_gives_the_room_to_the_reasons() {
    let a = app(demo_sites(), true);
    let t = draw(&a, 200, 60);
    let r = rows(&t);
    let header = r.iter().find(|l| l.contains("VERDICT")).unwrap();
    let site = header.find("SITE").unwrap();
    let served = header.find("SERVED").unwrap();
    assert!(
        served - site <= 16,
        "the site column is {} wide:\n{header}",
        served - site
    );
    assert!(header.contains("REASON"), "{header}");
    let blog = r.iter().find(|l| l.contains(" blog ")).unwrap();
    assert!(blog.contains("Target.ResponseCodeMismatch"), "{blog}");
    // At 80 columns there is no room: the reasons stay below the table.
    let narrow = rows(&draw(&a, 80, 24));
    assert!(!narrow.iter().any(|l| l.contains("REASON")));
}

// ----- k9s habits -----------------------------------------------------------------------------

fn command_line(a: &mut App, text: &str) -> Vec<Effect> {
    key(a, KeyCode::Char(':'));
    keys(a, text);
    key(a, KeyCode::Enter)
}

#[test]
fn colon_commands_have_aliases_and_tab_completes_commands_and_sites() {
    let mut a = in_config_order(app(demo_sites(), true));
    // Completion: the command, then the site.
    key(&mut a, KeyCode::Char(':'));
    keys(&mut a, "ma");
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.input, Some(super::app::Input::Command("maint ".into())));
    keys(&mut a, "po");
    key(&mut a, KeyCode::Tab);
    assert_eq!(
        a.input,
        Some(super::app::Input::Command("maint portal ".into()))
    );
    // The footer shows what tab would complete to.
    key(&mut a, KeyCode::Backspace);
    for _ in 0.."portal".len() {
        key(&mut a, KeyCode::Backspace);
    }
    keys(&mut a, "p");
    let footer = rows(&draw(&a, 80, 24)).pop().unwrap_or_default();
    assert!(footer.contains("tab: pay | portal"), "{footer}");
    key(&mut a, KeyCode::Esc);
    // Aliases.
    command_line(&mut a, "ev");
    assert_eq!(a.screen, Screen::Timeline);
    command_line(&mut a, "o");
    assert_eq!(a.screen, Screen::Overview);
    let fx = command_line(&mut a, "maint pay");
    assert_eq!(a.selected.as_deref(), Some("pay"));
    assert!(
        matches!(a.modal, Some(Modal::Planning { ref site, direction: Direction::On }) if site == "pay"),
        "{:?}",
        a.modal
    );
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Request(ActionRequest::Plan { .. })))
    );
    key(&mut a, KeyCode::Esc);
    command_line(&mut a, "fb");
    assert!(matches!(
        a.modal,
        Some(Modal::Planning {
            direction: Direction::Off,
            ..
        })
    ));
    key(&mut a, KeyCode::Esc);
    // A site's name alone opens it; :q quits.
    command_line(&mut a, "blog");
    assert_eq!(a.screen, Screen::Detail);
    assert_eq!(a.selected.as_deref(), Some("blog"));
    command_line(&mut a, "nope");
    assert!(a.message.as_deref().unwrap_or("").contains("tab completes"));
    assert_eq!(command_line(&mut a, "q"), vec![Effect::Quit]);
    // Read-only: :maint says why nothing happens.
    let mut ro = app(demo_sites(), false);
    command_line(&mut ro, "maint shop");
    assert!(ro.modal.is_none());
    assert!(ro.message.as_deref().unwrap_or("").contains("read-only"));
}

#[test]
fn n_and_p_walk_the_sites_in_the_detail_and_the_footer_says_so() {
    let mut a = app(demo_sites(), true);
    key(&mut a, KeyCode::Enter);
    let first = a.selected.clone();
    key(&mut a, KeyCode::Char('n'));
    assert_ne!(a.selected, first);
    key(&mut a, KeyCode::Char('p'));
    assert_eq!(a.selected, first);
    let footer = rows(&draw(&a, 80, 24)).pop().unwrap_or_default();
    assert!(footer.contains("n/p sites"), "{footer}");
}

#[test]
fn the_timeline_filters_and_expands_an_event() {
    let mut a = app(vec![live(), named(Fx::alb_cloudfront(), "blog")], true);
    update(
        &mut a,
        Msg::Poll(PollUpdate::Site {
            index: 0,
            observations: Arc::new(failed_over()),
        }),
    );
    let all = a.events.len();
    assert!(all >= 3, "{all}");
    key(&mut a, KeyCode::Char('t'));
    key(&mut a, KeyCode::Char('/'));
    keys(&mut a, "unused");
    key(&mut a, KeyCode::Enter);
    let shown = a.timeline_events();
    assert!(!shown.is_empty() && shown.len() < all);
    assert!(shown.iter().all(|e| e.message.contains("unused")));
    let s = text(draw(&a, 80, 24).backend().buffer());
    assert!(s.contains("matching /unused"), "{s}");
    // j moves to the next event, enter expands it: every field.
    key(&mut a, KeyCode::Char('j'));
    assert_eq!(a.timeline_sel, 1);
    key(&mut a, KeyCode::Enter);
    assert!(a.timeline_open);
    let s = text(draw(&a, 120, 40).backend().buffer());
    assert!(s.contains("at: 2026-") || s.contains("at: "), "{s}");
    assert!(s.contains("site: shop"), "{s}");
    snap("timeline_expanded", &a);
    key(&mut a, KeyCode::Enter);
    assert!(!a.timeline_open);
    // Esc on the filter line clears it.
    key(&mut a, KeyCode::Char('/'));
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.timeline_events().len(), all);
}

/// A silenced alarm (its actions disabled, as maintenance does) reads muted, never a plain ok.
#[test]
fn muted_alarms_read_muted_in_the_overview_and_the_detail() {
    let mut a = app(
        vec![named(Fx::cloudwatch_metric().alarms_muted(), "api")],
        true,
    );
    let s = text(draw(&a, 120, 40).backend().buffer());
    let row = s.lines().find(|l| l.contains(" api ")).unwrap_or_default();
    assert!(row.contains("muted"), "{row}");
    assert_eq!(overview_cell(&s, "api", "ALARMS"), "1");
    key(&mut a, KeyCode::Enter);
    let s = text(draw(&a, 120, 40).backend().buffer());
    assert!(s.contains("MUTED (actions disabled)"), "{s}");
    snap("detail_muted", &a);
}

/// A site in maintenance by a listener switch: the app's target group, which no listener uses
/// now, stays in the detail with its targets and in the overview's TARGETS, so that the
/// operator sees the app recover before failing back.
#[test]
fn the_app_side_of_a_site_in_maintenance_stays_visible() {
    let mut o = named(
        Fx::nlb_listener()
            .listener_forwards_to_sorry()
            .marker(MaintenancePhase::Active),
        "pay",
    );
    let app_tg = crate::model::fixtures::APP_TG;
    if let Some(tgs) = o.target_groups.value.as_mut() {
        for tg in tgs.iter_mut().filter(|t| t.arn == app_tg) {
            tg.load_balancer_arns.clear();
        }
    }
    let mut a = app(vec![o], true);
    let s = text(draw(&a, 120, 40).backend().buffer());
    assert_eq!(overview_cell(&s, "pay", "TARGETS"), "2/2", "{s}");
    key(&mut a, KeyCode::Enter);
    let s = text(draw(&a, 120, 40).backend().buffer());
    assert!(s.contains("app target group"), "{s}");
    snap("detail_maintenance_app_side", &a);
}

#[test]
fn only_a_dumb_terminal_or_none_at_all_is_refused() {
    use super::unusable_terminal;
    assert!(unusable_terminal(Some("dumb"), true, true).is_some_and(|w| w.contains("TERM=dumb")));
    assert!(unusable_terminal(Some("xterm"), true, false).is_some_and(|w| w.contains("stdout")));
    assert!(unusable_terminal(Some("xterm"), false, true).is_some_and(|w| w.contains("stdin")));
    assert_eq!(unusable_terminal(Some("xterm-256color"), true, true), None);
    assert_eq!(
        unusable_terminal(None, true, true),
        None,
        "no TERM: crossterm draws anyway"
    );
    let m = super::no_console_message("TERM=dumb cannot draw a full-screen console");
    assert!(m.contains("switchyard status --watch"), "{m}");
}

// ----- the team's switches, from the AWS history ---------------------------------------------

fn history_entry(
    id: &str,
    minutes_ago: i64,
    direction: crate::model::history::Direction,
    by: &str,
    host: &str,
) -> crate::model::history::Entry {
    use crate::model::history::{Entry, StepEntry, StepResult, SwitchResult};
    Entry {
        id: id.into(),
        site: "shop".into(),
        direction: direction.into(),
        result: SwitchResult::Done,
        by: by.into(),
        host: host.into(),
        at: NOW - time::Duration::minutes(minutes_ago),
        duration_ms: 2300,
        reason: Some("CHG-1042 database upgrade".into()),
        error: None,
        steps: vec![StepEntry {
            call: "route53:UpdateHealthCheck".into(),
            resource: "3f1c9a2e-0000-4000-8000-000000000001".into(),
            result: StepResult::Done,
            before: None,
            after: None,
            at: None,
        }],
        steps_omitted: 0,
        converged_at: None,
        insync_at: None,
        break_glass: None,
        approved_by: None,
        window_ends: None,
    }
}

fn with_history(entries: Vec<crate::model::history::Entry>) -> SiteObservations {
    let mut o = live();
    let mut h = crate::model::history::History::new("shop");
    for e in entries.into_iter().rev() {
        h.push(e);
    }
    o.history = Some(h);
    o
}

/// Another operator's switch, read from the AWS history with the journal, is in the timeline
/// (who, from which machine, which way, why); one seen once is not shown again; this console's
/// own switches are not doubled (their events come from the engine).
#[test]
fn timeline_shows_other_operators_switches_from_the_aws_history() {
    use crate::model::history::Direction as D;
    let bob = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_OpsAdmin/bob";
    let mut a = app(vec![live()], true);
    a.own_switches = Some("this-host-42-".into());
    let first = with_history(vec![
        history_entry("bastion-2-7-a", 30, D::On, bob, "bastion-2"),
        history_entry("this-host-42-b", 20, D::Off, "me", "this-host"),
    ]);
    for _ in 0..2 {
        update(
            &mut a,
            Msg::Poll(PollUpdate::Site {
                index: 0,
                observations: Arc::new(first.clone()),
            }),
        );
    }
    let shown: Vec<&str> = a.events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        shown,
        vec![format!(
            "maintenance on done by {bob} on bastion-2 (CHG-1042 database upgrade) [AWS history]"
        )],
        "once, and never this console's own"
    );
    // Bob fails back from his machine: the next round holds it.
    let mut second = first.clone();
    if let Some(h) = second.history.as_mut() {
        h.push(history_entry("bastion-2-9-c", 1, D::Off, bob, "bastion-2"));
    }
    update(
        &mut a,
        Msg::Poll(PollUpdate::Site {
            index: 0,
            observations: Arc::new(second),
        }),
    );
    assert_eq!(a.events.len(), 2);
    assert!(
        a.events[1].message.starts_with("fail back done by"),
        "{}",
        a.events[1].message
    );
    assert!(matches!(a.events[1].kind, EventKind::Switched { .. }));
    key(&mut a, KeyCode::Char('t'));
    snap_large("timeline_team_switches", &a);
    key(&mut a, KeyCode::Enter);
    snap_large("timeline_team_switch_expanded", &a);
}

#[test]
fn the_demo_writes_its_events_apart() {
    let real = std::path::Path::new("/home/op/.local/state/switchyard/events.jsonl");
    assert_eq!(
        super::demo_event_log(real),
        std::path::PathBuf::from("/home/op/.local/state/switchyard/demo-events.jsonl")
    );
}

/// A history that could not be written is a warning in the timeline, never a failed switch.
#[test]
fn a_history_not_written_is_a_warning_in_the_timeline_not_a_failed_switch() {
    let mut a = confirming(plan("blog", false, false));
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Enter);
    assert!(a.running.is_some());
    update(
        &mut a,
        Msg::Action(ActionUpdate::Progress(Progress::Notice {
            warning: true,
            text: "the switch history _switchyard-log.www.example.com could not be written (AccessDenied); the switch itself is done, and this machine's audit log holds it".into(),
        })),
    );
    let last = a.events.last().expect("an event");
    assert!(
        last.message.starts_with("WARNING: the switch history"),
        "{}",
        last.message
    );
    assert!(!last.message.contains("failed"), "{}", last.message);
}

// ----- Time-boxed maintenance (issue 19, item 1) -----

/// demo_sites with portal's maintenance window ending `minutes` after NOW (negative: ended).
fn with_window(minutes: i64) -> Vec<SiteObservations> {
    let mut sites = demo_sites();
    for s in &mut sites {
        if s.name == "portal"
            && let Some(Some(m)) = s.maintenance.value.as_mut()
        {
            m.expires_at = Some(NOW + time::Duration::minutes(minutes));
        }
    }
    sites
}

#[test]
fn the_console_says_the_time_left_warns_15_minutes_before_and_marks_an_overdue_window() {
    // Two hours left: the detail says so, the overview has no mark yet.
    let a = in_config_order(app(with_window(120), true));
    let portal = a.sites.iter().find(|s| s.obs.name == "portal").unwrap();
    assert_eq!(portal.verdict.kind, VerdictKind::Maintenance);
    let s = text(draw(&a, 200, 60).backend().buffer());
    assert!(!s.contains("portal [120m]"), "{s}");
    assert!(
        portal
            .verdict
            .reasons
            .iter()
            .any(|r| r.contains("(2 h left)")),
        "{:?}",
        portal.verdict.reasons
    );
    let mut d = app(with_window(120), true);
    d.selected = Some("portal".into());
    key(&mut d, KeyCode::Enter);
    let t = draw(&d, 200, 60);
    let (x, y) = find(t.backend().buffer(), "window: 2 h left");
    assert_eq!(
        t.backend().buffer()[(x, y)].fg,
        Color::Yellow,
        "no warning yet"
    );
    // 12 minutes left: warned beside the name, and in the detail.
    let a = in_config_order(app(with_window(12), true));
    let s = text(draw(&a, 80, 24).backend().buffer());
    assert!(s.contains("portal [12m]"), "{s}");
    snap_large("window_ending_soon", &a);
    let mut d = app(with_window(12), true);
    d.selected = Some("portal".into());
    key(&mut d, KeyCode::Enter);
    let t = draw(&d, 200, 60);
    let s = text(t.backend().buffer());
    assert!(s.contains("window ends soon: 12 min left"), "{s}");
    // The warning is red, as the README says (the time left before it is not).
    let (x, y) = find(t.backend().buffer(), "window ends soon: 12 min left");
    assert_eq!(t.backend().buffer()[(x, y)].fg, Color::Red);
    snap_large("window_ending_soon_detail", &d);
    // Ended 5 minutes ago: MAINTENANCE OVERDUE, its badge, its count, the mark and the detail.
    let a = in_config_order(app(with_window(-5), true));
    let portal = a.sites.iter().find(|s| s.obs.name == "portal").unwrap();
    assert_eq!(portal.verdict.kind, VerdictKind::Overdue);
    let s = text(draw(&a, 200, 60).backend().buffer());
    assert!(s.contains(" OVERDUE "), "{s}");
    assert!(s.contains("1 MAINTENANCE OVERDUE"), "{s}");
    snap_large("window_overdue", &a);
    let mut d = app(with_window(-5), true);
    d.selected = Some("portal".into());
    key(&mut d, KeyCode::Enter);
    let t = draw(&d, 200, 60);
    let s = text(t.backend().buffer());
    // The verdict's reasons say it once, in red, with both ways out (no second line saying
    // the same, so that they fit whole at 80x24).
    assert!(
        s.contains("maintenance overdue: the window ended at") && s.contains("(overdue by 5 min)"),
        "{s}"
    );
    assert!(!s.contains("window ended:"), "{s}");
    let (x, y) = find(t.backend().buffer(), "maintenance overdue:");
    assert_eq!(t.backend().buffer()[(x, y)].fg, Color::Red);
    let (x, y) = find(t.backend().buffer(), "fail back: ");
    assert_eq!(t.backend().buffer()[(x, y)].fg, Color::Red);
    assert!(
        s.contains("switchyard maintenance extend --site portal"),
        "{s}"
    );
    let small = text(draw(&d, 80, 24).backend().buffer());
    assert!(
        small.contains("maintenance extend") && !small.contains("extend the …"),
        "{small}"
    );
    snap_large("window_overdue_detail", &d);
}

fn probed(
    mut site: SiteObservations,
    seen: crate::model::obs::Fetched<crate::model::probe::ClientView>,
) -> SiteObservations {
    site.probe = Some(crate::model::probe::ProbeObservation {
        url: "https://www.example.com/".into(),
        every: Duration::from_secs(30),
        seen,
    });
    site
}

/// After a fail back AWS serves the app (LIVE), but CloudFront still hands clients its cached
/// sorry page: the detail says so beside the verdict, with the page's age in the cache.
#[test]
fn snapshot_detail_clients_still_get_a_cached_sorry_page() {
    use crate::model::probe::{ClientView, Side, Via};
    let view = ClientView {
        side: Side::Sorry,
        status: 503,
        size: 1234,
        via: Via::Cloudfront,
        matched: Some("maintenance".into()),
        cached_secs: Some(40),
        elapsed_ms: 85,
        addresses: Vec::new(),
        proxy: Some("http://proxy.corp:3128".into()),
    };
    let site = probed(
        live(),
        crate::model::obs::Fetched::ok(view, crate::model::fixtures::ago(4)),
    );
    let mut a = app(vec![site], true);
    key(&mut a, KeyCode::Enter);
    snap("detail_clients_get_cached_sorry_page", &a);
    let s = text(draw(&a, 80, 24).backend().buffer());
    assert!(
        s.contains("clients get: the sorry page (503, 'maintenance', 1.2 KB,"),
        "{s}"
    );
}

/// A probe that could not run says why, never what clients get.
#[test]
fn snapshot_detail_a_probe_that_could_not_run() {
    let mut seen = crate::model::obs::Fetched::default();
    seen.set_failed(
        crate::model::error::AwsError::new(
            crate::model::error::ErrorKind::Network,
            "HTTP",
            "GET",
            "no complete answer within 10 s (through http://proxy.corp:3128)",
        ),
        crate::model::fixtures::ago(2),
    );
    let site = probed(live(), seen);
    let mut a = app(vec![site], true);
    key(&mut a, KeyCode::Enter);
    snap("detail_probe_could_not_run", &a);
    let s = text(draw(&a, 120, 40).backend().buffer());
    assert!(
        s.contains("clients get: could not be checked: no complete answer"),
        "{s}"
    );
}

/// A request for approval, as the poller reads it from the journal: alice asked 4 minutes ago.
fn pending_request() -> crate::model::approval::ApprovalMarker {
    use crate::model::approval::{Approval, ApprovalMarker};
    let a = Approval {
        direction: crate::model::history::Direction::On,
        requested_by: "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_OpsAdmin/bob".into(),
        requested_host: "bastion-2".into(),
        requested_at: NOW - time::Duration::minutes(4),
        expires_at: NOW + time::Duration::minutes(26),
        reason: Some("CHG-1042 kernel patch".into()),
        hash: "3f2a9c1e4b5d60718293a4b5c6d7e8f90123456789abcdef0123456789abcdef".into(),
        plan: "Plan: enter maintenance for site shop (www.example.com)\n  account 123456789012, region eu-west-1, as arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_OpsAdmin/bob (protected site)\n  plan 3f2a9c1e4b5d (needs a second person's approval: approval = true)\n  1. [route53-invert-health-check] route53:UpdateHealthCheck 0b6f2e4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b\n       before: Inverted=false (HealthCheckVersion 1)\n       after:  Inverted=true\nPreflight checks:\n  [ok] the secondary's distribution is Deployed and enabled: E1SHOPSORRY0AB is Deployed and enabled\n".into(),
        forced: false,
        decision: None,
    };
    ApprovalMarker::of(&a, NOW)
}

fn awaiting_approval() -> SiteObservations {
    let mut o = live();
    o.protected = true;
    o.approval = Some(pending_request());
    o
}

/// A site whose switch awaits approval says so first, with who asked, how long ago and the
/// plan's hash; `a` opens the same plan with approve and decline, the site name to type.
#[test]
fn a_switch_awaiting_approval_is_shown_and_a_opens_it_to_approve_or_decline() {
    let mut a = app(vec![awaiting_approval()], true);
    let screen = text(draw(&a, 80, 24).backend().buffer());
    assert!(
        screen.contains("awaiting approval by another person"),
        "{screen}"
    );
    snap_large("approval_pending", &a);
    assert!(key(&mut a, KeyCode::Char('a')).is_empty());
    let Some(Modal::Confirm(c)) = &a.modal else {
        panic!("no approval modal: {:?}", a.modal);
    };
    assert!(c.approving.is_some());
    assert_eq!(c.focus, Button::Name);
    snap_large("approval_modal", &a);
    // Approve needs the site's name typed; then enter on approve writes it.
    keys(&mut a, "shop");
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Tab);
    let fx = key(&mut a, KeyCode::Enter);
    assert_eq!(
        fx,
        vec![Effect::Request(ActionRequest::Decide {
            site: "shop".into(),
            hash: pending_request().hash,
            approve: true,
            comment: None,
        })]
    );
    assert!(a.modal.is_none());
    update(
        &mut a,
        Msg::Action(ActionUpdate::Decided(Ok(
            "shop: approved plan 3f2a9c1e4b5d".into(),
        ))),
    );
    assert_eq!(
        a.message.as_deref(),
        Some("shop: approved plan 3f2a9c1e4b5d")
    );
}

/// Decline with a comment: the comment field, the name, then the decline button.
#[test]
fn a_decline_carries_its_comment() {
    let mut a = app(vec![awaiting_approval()], true);
    key(&mut a, KeyCode::Char('a'));
    key(&mut a, KeyCode::BackTab);
    keys(&mut a, "not during the sale");
    key(&mut a, KeyCode::Tab);
    keys(&mut a, "shop");
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Tab);
    let fx = key(&mut a, KeyCode::Enter);
    assert_eq!(
        fx,
        vec![Effect::Request(ActionRequest::Decide {
            site: "shop".into(),
            hash: pending_request().hash,
            approve: false,
            comment: Some("not during the sale".into()),
        })]
    );
}

/// Read-only: `a` does nothing (no approval is written), and nothing awaiting says so.
#[test]
fn read_only_offers_no_approval_and_a_site_without_a_request_says_so() {
    let mut a = app(vec![awaiting_approval()], false);
    key(&mut a, KeyCode::Char('a'));
    assert!(a.modal.is_none());
    let mut a = app(vec![live()], true);
    key(&mut a, KeyCode::Char('a'));
    assert!(a.modal.is_none());
    assert_eq!(
        a.message.as_deref(),
        Some("shop: no switch awaits approval")
    );
}

/// A switch made by break-glass stands out in the timeline: the word, and red.
#[test]
fn break_glass_is_red_in_the_timeline() {
    use crate::model::history::Direction as D;
    let bob = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_OpsAdmin/bob";
    let mut e = history_entry("bastion-2-7-a", 30, D::On, bob, "bastion-2");
    e.break_glass = Some("payment outage".into());
    let mut a = app(vec![live()], true);
    update(
        &mut a,
        Msg::Poll(PollUpdate::Site {
            index: 0,
            observations: Arc::new(with_history(vec![e])),
        }),
    );
    assert!(
        a.events[0]
            .message
            .starts_with("BREAK-GLASS: maintenance on done by")
    );
    key(&mut a, KeyCode::Char('t'));
    let t = draw(&a, 120, 40);
    let (x, y) = find(t.backend().buffer(), "BREAK-GLASS");
    assert_eq!(t.backend().buffer()[(x, y)].fg, Color::Red);
}

/// A site put into maintenance by break-glass says so first among its reasons, in red.
#[test]
fn break_glass_leads_the_reasons_in_red() {
    let mut o = named(
        Fx::nlb_listener()
            .listener_forwards_to_sorry()
            .marker(MaintenancePhase::Active),
        "portal",
    );
    let at = o.maintenance.age(NOW).map(|_| NOW).unwrap_or(NOW);
    let mut m = o.maintenance.get().cloned().flatten().unwrap();
    m.break_glass = Some(crate::model::approval::BreakGlass {
        direction: crate::model::history::Direction::On,
        by: "arn:aws:iam::123456789012:user/alice".into(),
        at: NOW - time::Duration::minutes(5),
        reason: "payment outage".into(),
    });
    o.maintenance.set_ok(Some(m), at);
    let a = app(vec![o], true);
    let t = draw(&a, 120, 40);
    let screen = text(t.backend().buffer());
    assert!(
        screen.contains("BREAK-GLASS: maintenance entered without approval by"),
        "{screen}"
    );
    let (x, y) = find(t.backend().buffer(), "BREAK-GLASS");
    assert_eq!(t.backend().buffer()[(x, y)].fg, Color::Red);
}
