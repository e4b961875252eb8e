//! The switch engine and its commands against the built-in emulator: round trips that leave
//! AWS exactly as it was, kill -9 between steps, two operators at once, stale versions, every
//! preflight refusal, and `--wait` on every scenario.

mod approvals;
mod chains;
#[path = "../support/configs.rs"]
mod configs;
mod eta;
mod journals;
mod peers;
mod probes;
mod races;
mod recognised;
mod records;
mod report;
mod rules;
mod support;
mod team;
mod windows;

use std::time::Duration;

use recognised::{SPEED, asset_config, fast, round_trip};
use support::*;
use switchyard_sim::{Control, FaultKind};

/// One site of the demo with its own strategy (the six sites cover every one of the seven):
/// `maintenance on --wait` changes AWS and converges, the verdict is MAINTENANCE and `wait`
/// reaches it, `maintenance off --wait` puts every field back (the health check's version aside,
/// which AWS bumps on every update) and the verdict back (see [`round_trip`]). Each site has an
/// emulator of its own, so the six run side by side. Returns the environment and the site's
/// audit lines of the switches made (refusals left out), four of them, without credentials.
async fn demo_round_trip(site: &str) -> (Env, Vec<serde_json::Value>) {
    let env = Env::start_with_config("demo", &fast(&asset_config("demo")), SPEED).await;
    let portal = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/portal-alb/7e6d5c4b3a291807/5a6b7c8d9e0f1a2b";
    let pay = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/pay-nlb/2b3c4d5e6f708192/8a9b0c1d2e3f4a5b";
    // One of blog's two instances answers 500: DEGRADED before and after.
    let before = if site == "blog" { "DEGRADED" } else { "LIVE" };
    let listener = match site {
        "portal" => Some(portal),
        "pay" => Some(pay),
        _ => None,
    };
    round_trip(&env, site, before, listener).await;
    // The audit log has every switch, with the caller, and no credentials.
    let log = std::fs::read_to_string(env.audit_log()).unwrap();
    assert!(
        !log.contains("switchyard-sim"),
        "credentials in the audit log"
    );
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        // A switch refused for checks that could not be made, then forced (pay, db).
        .filter(|l| l["result"] != "refused")
        .collect();
    assert_eq!(lines.len(), 4, "{log}");
    assert!(lines.iter().all(|l| l["site"] == site), "{log}");
    (env, lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shops_round_trip_leaves_aws_exactly_as_before() {
    let (_env, lines) = demo_round_trip("shop").await;
    let first = &lines[0];
    assert_eq!(first["result"], "done");
    assert_eq!(first["reason"], "round trip");
    assert_eq!(
        first["caller"],
        "arn:aws:sts::123456789012:assumed-role/OpsAdmin/demo"
    );
    assert!(first["steps"].as_array().unwrap().len() >= 3, "{first}");
    assert_eq!(first["verification"]["converged"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blogs_round_trip_leaves_aws_exactly_as_before() {
    demo_round_trip("blog").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apis_round_trip_leaves_aws_exactly_as_before() {
    demo_round_trip("api").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pays_round_trip_leaves_aws_exactly_as_before() {
    let (env, _) = demo_round_trip("pay").await;
    let shown = env.run(&["log", "--site", "pay"]).await;
    assert_eq!(shown.code, 0, "{shown}");
    // Its four switches, and the two refusals before they were forced.
    let entries = shown.stdout.lines().filter(|l| !l.starts_with(' ')).count();
    assert_eq!(entries, 6, "{shown}");
    assert_eq!(
        shown
            .stdout
            .lines()
            .filter(|l| !l.starts_with(' ') && l.contains(" refused "))
            .count(),
        2,
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portals_round_trip_leaves_aws_exactly_as_before() {
    demo_round_trip("portal").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dbs_round_trip_leaves_aws_exactly_as_before() {
    demo_round_trip("db").await;
}

/// `--wait` on every scenario with its config, on and off, each converging, the verdict
/// MAINTENANCE then back to LIVE, and AWS as before (see [`round_trip`]).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_converges_on_every_scenario() {
    for (scenario, site, listener) in [
        ("alb-cloudfront", "shop", None),
        ("cloudwatch-metric", "api", None),
        ("dns-name-control", "db", None),
        (
            "nlb-sorry",
            "pay",
            Some(
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/pay-nlb/2b3c4d5e6f708192/8a9b0c1d2e3f4a5b",
            ),
        ),
    ] {
        let env = Env::start_with_config(scenario, &fast(&asset_config(scenario)), SPEED).await;
        round_trip(&env, site, "LIVE", listener).await;
    }
}

/// `wait` gives up with exit 6 and says what the site is instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_times_out_with_exit_6() {
    let env = Env::start("demo", "demo", 1.0).await;
    let w = env
        .run(&[
            "wait",
            "--site",
            "db",
            "--for",
            "maintenance",
            "--timeout",
            "2s",
        ])
        .await;
    assert_eq!(w.code, 6, "{w}");
    assert!(w.stdout.contains("Timed out after"), "{w}");
    assert!(w.stdout.contains("not maintenance"), "{w}");
}

/// A switch that cannot converge in time exits 6 with what has and has not converged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_switch_that_does_not_converge_in_time_reports_what_is_missing() {
    // Real-time clock: the change stays PENDING for a minute.
    let env = Env::start("demo", "demo", 1.0).await;
    let on = env
        .switch("on", "db", &["--wait", "--timeout", "2s", "--force"])
        .await;
    assert_eq!(on.code, 6, "{on}");
    assert!(on.stdout.contains("NOT converged after"), "{on}");
    // While it waited, progress said what it waited for and how long it should take.
    assert!(on.stdout.contains("verify: "), "{on}");
    assert!(on.stdout.contains(", ETA "), "{on}");
    assert!(
        on.stdout.contains("[NOT converged] Route 53 change"),
        "{on}"
    );
    assert!(
        on.stdout.contains("[converged] record db.example.com."),
        "{on}"
    );
}

/// How a kill -9 case stops the process.
#[derive(Clone, Copy, Debug)]
enum Kill {
    /// While the step's call hangs: it never takes effect, the journal says Started.
    DuringCall,
    /// After the step's call took effect, while the journal update that records it as Done
    /// hangs: AWS is changed, the journal still says Started.
    AfterCall,
}

async fn calls_reach(env: &Env, service: &str, operation: &str, n: u64) {
    let t0 = std::time::Instant::now();
    while env.sim.calls().get(service, operation) < n {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "{operation} never called"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Starts `maintenance on --site shop` with `operation` hanging, kills it -9 once the
/// operation has been called, then clears the faults.
async fn on_killed_at(env: &Env, service: &str, operation: &str) {
    env.fault(service, operation, FaultKind::Timeout, None);
    let mut child = env.spawn(&["maintenance", "on", "--site", "shop", "--yes"]);
    calls_reach(env, service, operation, 1).await;
    child.start_kill().unwrap();
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), None, "the process was not killed");
    env.clear_faults();
}

/// A kill -9 of `maintenance on` at every point between the steps of a three-strategy switch
/// (invert the health check, silence an alarm, invalidate the sorry page), each step either
/// not yet applied or applied but not recorded; `maintenance off` then restores everything.
/// The kill lands at a known point, whatever the machine's speed: the emulator holds the call
/// it is to land in (no call answers until the test has seen it arrive).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_between_every_pair_of_steps_then_fail_back_restores_everything() {
    let steps = [
        ("route53", "UpdateHealthCheck"),
        ("cloudwatch", "DisableAlarmActions"),
        ("cloudfront", "CreateInvalidation"),
    ];
    let mut cases = Vec::new();
    for (k, step) in steps.iter().enumerate() {
        cases.push((k, *step, Kill::DuringCall));
        cases.push((k, *step, Kill::AfterCall));
    }
    for (k, (service, operation), how) in cases {
        let case = format!("step {} {operation} {how:?}", k + 1);
        let env = Env::start_with_config("demo", MULTI, 60.0).await;
        let c = env.clients().await;
        let before = snapshot(&c).await;
        let journal = || env.sim.calls().get("route53", "ChangeResourceRecordSets");
        match how {
            // The step's call never answers: it has not taken effect when the process dies.
            Kill::DuringCall => env.fault(service, operation, FaultKind::Timeout, None),
            // The step's call waits until the journal update after it is made to hang.
            Kill::AfterCall => env.fault(service, operation, FaultKind::Hold, None),
        }
        let mut child = env.spawn(&["maintenance", "on", "--site", "shop", "--yes"]);
        calls_reach(&env, service, operation, 1).await;
        // The steps before this one are done and recorded, none after it started.
        for later in &steps[k + 1..] {
            assert_eq!(env.sim.calls().get(later.0, later.1), 0, "{case}");
        }
        if let Kill::AfterCall = how {
            let n = journal();
            env.fault(
                "route53",
                "ChangeResourceRecordSets",
                FaultKind::Timeout,
                None,
            );
            env.sim
                .control(Control::ClearFaults {
                    service: Some(service.into()),
                    operation: Some(operation.into()),
                })
                .unwrap();
            // The step's call answered (the engine only records a step after its answer): the
            // journal update that would record it as done is the one that hangs.
            calls_reach(&env, "route53", "ChangeResourceRecordSets", n + 1).await;
            assert_eq!(env.sim.calls().get(service, operation), 1, "{case}");
        }
        child.start_kill().unwrap();
        let status = child.wait().await.unwrap();
        assert_eq!(status.code(), None, "{case}: the process was not killed");
        env.clear_faults();
        assert_ne!(before, snapshot(&c).await, "{case}: no journal left behind");
        let plan = env.run(&["plan", "off", "--site", "shop"]).await;
        assert!(plan.stdout.contains("Plan: fail back"), "{case}: {plan}");
        assert!(!plan.stdout.contains("Nothing to do"), "{case}: {plan}");
        // A journal a few seconds old may belong to a running switchyard: it holds the site,
        // as the loser of a race is told, unless forced.
        let off = env.switch("off", "shop", &[]).await;
        assert_eq!(off.code, 7, "{case}: {off}");
        assert!(
            off.stdout.contains("it may still be running")
                && off.stderr.contains("site shop is held by")
                && off.stderr.contains("--force takes over at once"),
            "{case}: {off}"
        );
        let off = env
            .switch("off", "shop", &["--force", "--wait", "--timeout", "60s"])
            .await;
        assert_eq!(off.code, 0, "{case}: {off}");
        assert_eq!(
            before,
            snapshot(&c).await,
            "{case}: not restored after kill -9"
        );
    }
}

/// A switch killed with -9 records no stop. Once its journal has gone two minutes without an
/// update, nobody is at work on it: `status` says INTERRUPTED (exit 16) with the commands, and
/// `maintenance on` finishes it (no --force needed), `off` then restores everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_switch_killed_without_a_word_reads_interrupted_once_abandoned() {
    use switchyard::aws::route53::{self as r53, RecordAction};
    use switchyard::model::journal::{self, Journal};
    use switchyard::model::route53::RecordSet;
    let env = Env::start_with_config("demo", MULTI, 60.0).await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    on_killed_at(&env, "cloudwatch", "DisableAlarmActions").await;
    // Fresh: someone may still be at work on it.
    let status = env
        .run(&["status", "--site", "shop", "--output", "json"])
        .await;
    assert_ne!(status.code, 16, "{status}");
    // Two minutes and more without an update (its writer's clock, as the journal says).
    let name = journal::record_name("www.example.com");
    let at = r53::records_at(&c.route53, "Z0DEMO0EXAMPLE", "www.example.com", &name)
        .await
        .unwrap();
    let values = at.beside.unwrap();
    let mut j = Journal::from_txt_values(&values).unwrap();
    j.updated_at -= time::Duration::minutes(3);
    let txt = |values: Vec<String>| RecordSet {
        name: format!("{name}."),
        rtype: "TXT".into(),
        ttl: Some(Duration::from_secs(60)),
        values,
        ..RecordSet::default()
    };
    r53::change_records(
        &c.route53,
        "Z0DEMO0EXAMPLE",
        &[
            (RecordAction::Delete, txt(values)),
            (RecordAction::Create, txt(j.to_txt_values().unwrap())),
        ],
        "the journal of a switch killed 3 minutes ago",
    )
    .await
    .unwrap();
    let status = env.run(&["status", "--site", "shop"]).await;
    assert_eq!(status.code, 16, "{status}");
    let words = status
        .stdout
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for said in [
        "maintenance on stopped after 1 of 3 steps done",
        "to finish it: switchyard maintenance on --site shop",
        "to undo it: switchyard maintenance off --site shop",
        "then nothing: its process ended (killed, or its session or machine lost); run by \
         arn:aws:sts::123456789012:assumed-role/OpsAdmin/demo",
    ] {
        assert!(words.contains(said), "{said:?}:\n{status}");
    }
    let json = env
        .run(&["status", "--site", "shop", "--output", "json"])
        .await;
    assert!(json.stdout.contains("\"how\": \"abandoned\""), "{json}");
    let on = env.switch("on", "shop", &[]).await;
    assert_eq!(on.code, 0, "{on}");
    let status = env.run(&["status", "--site", "shop"]).await;
    assert!(status.stdout.contains("MAINTENANCE"), "{status}");
    let off = env
        .switch("off", "shop", &["--wait", "--timeout", "60s"])
        .await;
    assert_eq!(off.code, 0, "{off}");
    assert_eq!(before, snapshot(&c).await);
}

/// A kill -9 while the journal is being created: either nothing happened, or `off` removes
/// the journal; either way AWS is as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_before_the_first_step_leaves_aws_as_before() {
    let env = Env::start_with_config("demo", MULTI, 60.0).await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    on_killed_at(&env, "route53", "ChangeResourceRecordSets").await;
    assert_eq!(before, snapshot(&c).await);
    let off = env.switch("off", "shop", &[]).await;
    assert_eq!(off.code, 0, "{off}");
    assert!(off.stdout.contains("Nothing to do: live"), "{off}");
}

/// After a kill -9 halfway, `maintenance on` resumes the unfinished entry, and `off` then
/// restores everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maintenance_on_resumes_an_entry_killed_halfway() {
    let env = Env::start_with_config("demo", MULTI, 60.0).await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    on_killed_at(&env, "cloudwatch", "DisableAlarmActions").await;
    let plan = env.run(&["plan", "on", "--site", "shop"]).await;
    assert_eq!(plan.code, 4, "{plan}");
    // The step already done is not in the plan again.
    assert!(!plan.stdout.contains("UpdateHealthCheck"), "{plan}");
    assert!(plan.stdout.contains("DisableAlarmActions"), "{plan}");
    let on = env
        .switch("on", "shop", &["--force", "--wait", "--timeout", "60s"])
        .await;
    assert_eq!(on.code, 0, "{on}");
    assert!(on.stdout.contains("resumed the entry started by"), "{on}");
    let hc = switchyard::aws::route53::health_check(&c.route53, SHOP_CHECK)
        .await
        .unwrap();
    assert!(hc.inverted);
    let off = env.switch("off", "shop", &["--wait"]).await;
    assert_eq!(off.code, 0, "{off}");
    assert_eq!(before, snapshot(&c).await);
}

/// Two operators at once: exactly one enters maintenance, the other is told who did.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_maintenance_on_exactly_one_wins() {
    let env = Env::start("demo", "demo", 60.0).await;
    // Hold both journal CREATEs for a moment so that both processes have planned.
    env.fault(
        "route53",
        "ChangeResourceRecordSets",
        FaultKind::Latency { millis: 1500 },
        Some(2),
    );
    let a = env.spawn_output(&[
        "maintenance",
        "on",
        "--site",
        "db",
        "--yes",
        "--force",
        "--reason",
        "first",
    ]);
    let b = env.spawn_output(&[
        "maintenance",
        "on",
        "--site",
        "db",
        "--yes",
        "--force",
        "--reason",
        "second",
    ]);
    let (a, b) = tokio::join!(a, b);
    let mut codes = [a.code, b.code];
    codes.sort_unstable();
    assert_eq!(codes, [0, 7], "a: {a}\nb: {b}");
    let loser = if a.code == 7 { &a } else { &b };
    assert!(
        loser.stderr.contains(
            "site db is held by arn:aws:sts::123456789012:assumed-role/OpsAdmin/demo since"
        ),
        "{loser}"
    );
    assert!(loser.stderr.contains("nothing was changed"), "{loser}");
    // The record is the winner's, changed once.
    let c = env.clients().await;
    let s = snapshot(&c).await;
    let db = s
        .records
        .iter()
        .find(|r| r.name == "db.example.com.")
        .unwrap();
    assert_eq!(db.values, vec!["10.9.0.20".to_string()]);
}

/// The plan is what runs: a health check edited between plan and execute stops the switch.
/// A HealthCheckVersion that goes stale at the last moment gives AWS's mismatch, explained,
/// and the steps already done are undone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_health_check_version_gives_a_clear_error() {
    use switchyard::switch::{Direction, ExecuteOptions, SwitchError};
    let env = Env::start_with_config("demo", MULTI, 60.0).await;
    let c = env.clients().await;
    let site = env.site("shop");
    let resolver = switchyard::aws::dns::Resolver::Server(env.sim.dns_server());
    let plan = switchyard::switch::plan(&c, &resolver, &site, Direction::On, None)
        .await
        .unwrap();
    // Someone edits the check (a new version) after the plan was shown.
    c.route53
        .update_health_check()
        .health_check_id(SHOP_CHECK)
        .failure_threshold(4)
        .send()
        .await
        .unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let err =
        switchyard::switch::execute(&c, &resolver, &site, &plan, &ExecuteOptions::default(), tx)
            .await
            .unwrap_err();
    assert!(matches!(err, SwitchError::Conflict(_)), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("AWS changed since the plan was made"), "{msg}");
    assert!(msg.contains("HealthCheckVersion 1"), "{msg}");
    assert_eq!(err.exit_code(), 7);
    // The version goes stale between the read and the call: AWS's mismatch, explained; the
    // journal is removed and nothing is left changed.
    let before = snapshot(&c).await;
    let plan = switchyard::switch::plan(&c, &resolver, &site, Direction::On, None)
        .await
        .unwrap();
    // (Twice: a mismatch once is tried again, as a lost answer's retry would meet one.)
    env.fault("route53", "UpdateHealthCheck", FaultKind::Error {
                code: "HealthCheckVersionMismatch".into(),
                message: Some("The value of HealthCheckVersion in the request doesn't match the value of HealthCheckVersion in the health check.".into()),
                status: Some(409),
            }, Some(2));
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let err =
        switchyard::switch::execute(&c, &resolver, &site, &plan, &ExecuteOptions::default(), tx)
            .await
            .unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, SwitchError::StepFailed { index: 0, .. }),
        "{msg}"
    );
    assert!(msg.contains("stale HealthCheckVersion"), "{msg}");
    // The first step failed: nothing had been changed, so nothing is said to be undone.
    assert!(
        msg.contains("no step had changed anything and the journal removed: shop is as before"),
        "{msg}"
    );
    assert_eq!(err.exit_code(), 5);
    assert_eq!(before, snapshot(&c).await);
}

/// The record a plan swaps, edited by someone else between plan and confirmation: the first
/// change (ChangeResourceRecordSets with a DELETE of the exact record the plan read) is refused
/// by Route 53, the journal is removed, and the operator is told to plan again (exit 7). AWS is
/// as the other edit left it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_edited_after_the_plan_refuses_the_exact_batch_and_nothing_is_changed() {
    use switchyard::aws::route53::{self, RecordAction};
    use switchyard::switch::{Direction, ExecuteOptions, SwitchError};
    let env = Env::start("demo", "demo", 60.0).await;
    let c = env.clients().await;
    let site = env.site("blog");
    let resolver = switchyard::aws::dns::Resolver::Server(env.sim.dns_server());
    let plan = switchyard::switch::plan(&c, &resolver, &site, Direction::On, None)
        .await
        .unwrap();
    // Someone edits the PRIMARY record after the plan was shown.
    let at = route53::records_at(&c.route53, "Z0DEMO0EXAMPLE", "blog.example.com", "x")
        .await
        .unwrap();
    let mut primary = at
        .records
        .iter()
        .find(|r| r.set_identifier.is_some() && r.failover.is_some_and(|f| f.as_str() == "PRIMARY"))
        .cloned()
        .unwrap();
    let alias = primary.alias.as_mut().unwrap();
    alias.evaluate_target_health = !alias.evaluate_target_health;
    route53::change_records(
        &c.route53,
        "Z0DEMO0EXAMPLE",
        &[(RecordAction::Upsert, primary)],
        "someone else",
    )
    .await
    .unwrap();
    let before = snapshot(&c).await;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let err =
        switchyard::switch::execute(&c, &resolver, &site, &plan, &ExecuteOptions::default(), tx)
            .await
            .unwrap_err();
    assert!(matches!(err, SwitchError::Conflict(_)), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("AWS changed since the plan was made"), "{msg}");
    assert!(msg.contains("was changed by someone else"), "{msg}");
    assert!(msg.contains("plan again"), "{msg}");
    assert_eq!(err.exit_code(), 7);
    let after = snapshot(&c).await;
    let moved: Vec<_> = after
        .records
        .iter()
        .filter(|r| !before.records.contains(r))
        .chain(before.records.iter().filter(|r| !after.records.contains(r)))
        .collect();
    assert!(moved.is_empty(), "records changed: {moved:?}");
    assert_eq!(before, after, "nothing changed, the journal removed");
    assert_eq!(
        env.sim.calls().get("route53", "ChangeResourceRecordSets"),
        4,
        "the other edit, the journal CREATE, the refused batch, the journal removed"
    );
}

/// A listener switched by someone else between plan and confirmation (ModifyListener has no
/// condition: the listener is read beside the journal CREATE): refused before any change, the
/// journal removed, plan again (exit 7).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_switched_after_the_plan_is_read_before_the_first_change_and_refused() {
    use switchyard::switch::{Direction, ExecuteOptions, SwitchError};
    let env = Env::start("demo", "demo", 60.0).await;
    let c = env.clients().await;
    let site = env.site("pay");
    let resolver = switchyard::aws::dns::Resolver::Server(env.sim.dns_server());
    let plan = switchyard::switch::plan(&c, &resolver, &site, Direction::On, None)
        .await
        .unwrap();
    // Another operator switches the listener to the sorry target group by hand.
    let listener = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/pay-nlb/2b3c4d5e6f708192/8a9b0c1d2e3f4a5b";
    let sorry = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/pay-sorry/0f1e2d3c4b5a6978";
    c.elbv2
        .modify_listener()
        .listener_arn(listener)
        .default_actions(
            aws_sdk_elasticloadbalancingv2::types::Action::builder()
                .r#type(aws_sdk_elasticloadbalancingv2::types::ActionTypeEnum::Forward)
                .target_group_arn(sorry)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let before = snapshot(&c).await;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let err =
        switchyard::switch::execute(&c, &resolver, &site, &plan, &ExecuteOptions::default(), tx)
            .await
            .unwrap_err();
    assert!(matches!(err, SwitchError::Conflict(_)), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(
            "AWS changed since the plan was made (step 1 (elasticloadbalancing:ModifyListener"
        ),
        "{msg}"
    );
    assert!(msg.contains("nothing was done: plan again"), "{msg}");
    assert_eq!(err.exit_code(), 7);
    assert_eq!(
        before,
        snapshot(&c).await,
        "nothing changed, the journal removed"
    );
    assert_eq!(
        env.sim.calls().get("elbv2", "ModifyListener"),
        1,
        "only the other operator's"
    );
}

/// A step that fails after others were done undoes them, newest first, and removes the journal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_step_rolls_back_the_steps_done() {
    let env = Env::start_with_config("demo", MULTI, 60.0).await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    env.fault(
        "cloudfront",
        "CreateInvalidation",
        FaultKind::Error {
            code: "AccessDenied".into(),
            message: Some(
                "User is not authorized to perform: cloudfront:CreateInvalidation".into(),
            ),
            status: Some(403),
        },
        None,
    );
    let on = env.switch("on", "shop", &[]).await;
    // Refused for lack of access: exit 3, the code of access problems, not 5.
    assert_eq!(on.code, 3, "{on}");
    assert!(
        on.stdout
            .contains("step 3/3 cloudfront:CreateInvalidation E1SHOPSORRY0AB: FAILED"),
        "{on}"
    );
    assert!(
        on.stdout.contains(
            "step 2/3 cloudwatch:DisableAlarmActions shop-app-1-StatusCheckFailed: rolled back"
        ),
        "{on}"
    );
    assert!(
        on.stdout.contains("step 1/3 route53:UpdateHealthCheck"),
        "{on}"
    );
    assert!(
        on.stderr
            .contains("the 2 steps taken were undone and the journal removed: shop is as before"),
        "{on}"
    );
    assert_eq!(before, snapshot(&c).await);
}

/// Route 53 applies a journal write but its answer is lost (the SDK retries, and the retry
/// finds the record created, or the values it was to delete gone): that is this run's own
/// change, never "maintenance already entered by" itself or someone else's edit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_write_whose_answer_was_lost_is_this_runs_own() {
    let env = Env::start_with_config("demo", MULTI, 60.0).await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    // The journal's CREATE.
    env.fault(
        "route53",
        "ChangeResourceRecordSets",
        FaultKind::LoseAnswer,
        Some(1),
    );
    let on = env.switch("on", "shop", &[]).await;
    assert_eq!(on.code, 0, "{on}");
    assert!(!on.stderr.contains("already entered"), "{on}");
    let status = env
        .run(&["status", "--site", "shop", "--output", "json"])
        .await;
    assert!(
        status.stdout.contains("\"verdict\": \"MAINTENANCE\""),
        "{status}"
    );
    // The first update of the fail back (the journal marked Leaving).
    env.fault(
        "route53",
        "ChangeResourceRecordSets",
        FaultKind::LoseAnswer,
        Some(1),
    );
    let off = env.switch("off", "shop", &[]).await;
    assert_eq!(off.code, 0, "{off}");
    assert!(!off.stderr.contains("someone else"), "{off}");
    assert_eq!(before, snapshot(&c).await);
}

/// AWS carries out a step's call but its answer is lost: the SDK sends it again, and the second
/// call fails on the first one's effect (a stale HealthCheckVersion, a priority in use). The step
/// is tried once more, finds its change made, and says so; nothing is blamed on someone else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_whose_answer_was_lost_is_found_made() {
    let env = Env::start_paused("demo", "demo").await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    for (site, service, operation) in [
        ("shop", "route53", "UpdateHealthCheck"),
        ("portal", "elbv2", "CreateRule"),
    ] {
        env.fault(service, operation, FaultKind::LoseAnswer, Some(1));
        let on = env.switch_past_unchecked("on", site, &[]).await;
        assert_eq!(on.code, 0, "{site}: {on}");
        assert!(
            on.stdout.contains("the answer to the call was lost"),
            "{site}: {on}"
        );
        let status = env.run(&["status", "--site", site]).await;
        assert!(status.stdout.contains("MAINTENANCE"), "{site}: {status}");
    }
    for site in ["shop", "portal"] {
        let off = env.switch_past_unchecked("off", site, &[]).await;
        assert_eq!(off.code, 0, "{site}: {off}");
    }
    assert_eq!(before, snapshot(&c).await);
}

/// Every answer of Route 53's ChangeResourceRecordSets lost, while each call is applied: the
/// journal writes and the record swaps alike (swap-primary, a plain record's values). Each is
/// found made by reading the zone again, the switch goes on, and nobody is blamed: "the record
/// changed since it was read" is never said of this run's own change. The fail back, under
/// the same fault, puts every record back exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_swap_whose_answer_was_lost_is_found_made() {
    every_record_answer_lost_round_trip("blog").await;
}

/// [`a_record_swap_whose_answer_was_lost_is_found_made`] for a plain record's values.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_rewrite_whose_answer_was_lost_is_found_made() {
    every_record_answer_lost_round_trip("db").await;
}

async fn every_record_answer_lost_round_trip(site: &str) {
    let env = Env::start_paused("demo", "demo").await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    let lose_every_answer = || {
        env.fault(
            "route53",
            "ChangeResourceRecordSets",
            FaultKind::LoseAnswer,
            None,
        )
    };
    lose_every_answer();
    let on = env.switch_past_unchecked("on", site, &[]).await;
    assert_eq!(on.code, 0, "{site}: {on}");
    for blamed in [
        "changed since",
        "someone else",
        "already entered",
        "held by",
    ] {
        assert!(!on.stderr.contains(blamed), "{site}: {on}");
    }
    env.clear_faults();
    // The change propagates (the emulator's clock is paused).
    advance(&env.sim, 120.0);
    let status = env.run(&["status", "--site", site]).await;
    assert!(status.stdout.contains("MAINTENANCE"), "{site}: {status}");
    lose_every_answer();
    let off = env.switch_past_unchecked("off", site, &[]).await;
    assert_eq!(off.code, 0, "{site}: {off}");
    env.clear_faults();
    assert_eq!(before, snapshot(&c).await);
}

/// A journal write that fails (here access denied, after the step it records was applied) is
/// said as such, exit 3, never "changed by someone else" (exit 7, another operator); the journal
/// still records the step as running, and the next run checks it and goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_write_that_fails_is_not_a_conflict() {
    let env = Env::start_with_config("demo", MULTI, 60.0).await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    env.fault("route53", "UpdateHealthCheck", FaultKind::Hold, None);
    let child = env.spawn_output(&["maintenance", "on", "--site", "shop", "--yes"]);
    let child = tokio::spawn(child);
    calls_reach(&env, "route53", "UpdateHealthCheck", 1).await;
    env.fault(
        "route53",
        "ChangeResourceRecordSets",
        FaultKind::Error {
            code: "AccessDenied".into(),
            message: Some(
                "User is not authorized to perform: route53:ChangeResourceRecordSets".into(),
            ),
            status: Some(403),
        },
        None,
    );
    env.sim
        .control(Control::ClearFaults {
            service: Some("route53".into()),
            operation: Some("UpdateHealthCheck".into()),
        })
        .unwrap();
    let on = child.await.unwrap();
    assert_eq!(on.code, 3, "{on}");
    assert!(
        on.stderr
            .contains("the maintenance journal could not be updated"),
        "{on}"
    );
    assert!(
        on.stderr.contains(
            "run `switchyard maintenance on --site shop` again once Route 53 accepts the write"
        ),
        "{on}"
    );
    assert!(!on.stderr.contains("someone else"), "{on}");
    env.clear_faults();
    // The journal is seconds old: the next run asks for --force, then goes on from the step
    // it finds running (already applied).
    let on = env.switch("on", "shop", &["--force"]).await;
    assert_eq!(on.code, 0, "{on}");
    let off = env.switch("off", "shop", &[]).await;
    assert_eq!(off.code, 0, "{off}");
    assert_eq!(before, snapshot(&c).await);
}

/// Every preflight refusal, shown by `plan`, refusing `maintenance` with exit 4, and `--force`
/// overriding it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_refusals_and_force() {
    // The secondary's distribution is not Deployed.
    let env = Env::start_paused("demo", "demo").await;
    let c = env.clients().await;
    redeploy_distribution(&c, "E1SHOPSORRY0AB").await;
    let plan = env.run(&["plan", "on", "--site", "shop"]).await;
    assert_eq!(plan.code, 4, "{plan}");
    assert!(plan.stdout.contains("[FAILED] the secondary's distribution is Deployed and enabled: E1SHOPSORRY0AB is InProgress"), "{plan}");
    let on = env.switch("on", "shop", &[]).await;
    assert_eq!(on.code, 4, "{on}");
    assert!(on.stderr.contains("refused by preflight checks"), "{on}");
    let refusal = std::fs::read_to_string(env.audit_log()).unwrap();
    assert!(refusal.contains(r#""result":"refused""#), "{refusal}");
    let forced = env.switch("on", "shop", &["--force"]).await;
    assert_eq!(forced.code, 0, "{forced}");
    // Fail back while the primary's targets are down: both fail-back checks refuse.
    for i in ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"] {
        env.sim
            .control(Control::StopInstance { instance: i.into() })
            .unwrap();
    }
    advance(&env.sim, 600.0);
    let plan = env.run(&["plan", "off", "--site", "shop"]).await;
    assert_eq!(plan.code, 4, "{plan}");
    assert!(
        plan.stdout.contains(
            "[FAILED] the primary's targets are healthy: shop-app: 0 of 2 targets healthy"
        ),
        "{plan}"
    );
    assert!(
        plan.stdout.contains(
            "[FAILED] the raw checker observations of the inverted check are healthy: 0 of"
        ),
        "{plan}"
    );
    let off = env.switch("off", "shop", &[]).await;
    assert_eq!(off.code, 4, "{off}");
    let off = env.switch("off", "shop", &["--force"]).await;
    assert_eq!(off.code, 0, "{off}");

    // The sorry target group has no healthy target; an unhealthy secondary health check.
    let env = Env::start_with_config_paused("demo", REFUSALS).await;
    env.sim
        .control(Control::StopInstance {
            instance: "i-0f0f0f0f0f0f00401".into(),
        })
        .unwrap();
    env.sim
        .control(Control::StopInstance {
            instance: "i-0d0d0d0d0d0d00201".into(),
        })
        .unwrap();
    // The primary is down already: inverting its check would make Route 53 answer it.
    for i in ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"] {
        env.sim
            .control(Control::StopInstance { instance: i.into() })
            .unwrap();
    }
    advance(&env.sim, 600.0);
    let c = env.clients().await;
    give_secondary_a_health_check(&c, "2c4e6a8b-0d1f-4a3c-9e5b-7d9f1a3c5e7b").await;
    let plan = env.run(&["plan", "on", "--site", "pay"]).await;
    assert_eq!(plan.code, 4, "{plan}");
    assert!(plan.stdout.contains("[FAILED] the sorry target group has healthy targets: portal-app: 0 of 1 targets healthy"), "{plan}");
    let plan = env.run(&["plan", "on", "--site", "shop"]).await;
    assert_eq!(plan.code, 4, "{plan}");
    assert!(plan.stdout.contains("[FAILED] no unhealthy secondary health check would drag DNS back to the primary: health check 2c4e6a8b-0d1f-4a3c-9e5b-7d9f1a3c5e7b of the SECONDARY is unhealthy"), "{plan}");
    assert!(
        plan.stdout.contains(
            "[FAILED] the health check is healthy now, so that inverting it fails over: 0 of"
        ),
        "{plan}"
    );
    let on = env.switch("on", "pay", &["--output", "json"]).await;
    assert_eq!(on.code, 4, "{on}");
    let report: serde_json::Value = serde_json::from_str(&on.stdout).unwrap();
    assert_eq!(report["exit_code"], 4);
    assert_eq!(report["plan"]["preflight"][0]["passed"], false);
}

/// Without a terminal and without `--yes`, nothing happens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_terminal_and_no_yes_refuses() {
    let env = Env::start_paused("demo", "demo").await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    let on = env
        .run(&["maintenance", "on", "--site", "db", "--force"])
        .await;
    assert_eq!(on.code, 8, "{on}");
    assert!(
        on.stderr
            .contains("there is no terminal to ask on; pass --yes"),
        "{on}"
    );
    assert_eq!(before, snapshot(&c).await);
    let unknown = env.switch("on", "nope", &[]).await;
    assert_eq!(unknown.code, 2, "{unknown}");
    assert!(
        unknown.stderr.contains("no site named \"nope\""),
        "{unknown}"
    );
}

/// `--read-only` and the config's `read_only` stop a switch from the command line before it
/// makes any change: only read calls reach AWS, and AWS is as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_every_switch_from_the_command_line() {
    let env = Env::start_paused("demo", "demo").await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    for direction in ["on", "off"] {
        for site in ["shop", "db", "pay"] {
            let out = env
                .run(&[
                    "--read-only",
                    "maintenance",
                    direction,
                    "--site",
                    site,
                    "--yes",
                    "--force",
                ])
                .await;
            assert_eq!(out.code, 2, "{out}");
            assert!(
                out.stderr.contains(&format!(
                    "--read-only is given: no switch is made (run it without --read-only to \
                     switch site {site})"
                )),
                "{out}"
            );
        }
    }
    // The variable does what the flag does, and `journal repair` (the other command that
    // writes to AWS) refuses as well.
    for args in [
        &["maintenance", "on", "--site", "shop", "--yes", "--force"][..],
        &["journal", "repair", "--site", "shop", "--yes"][..],
    ] {
        let mut cmd = command(&env.sim.env_vars(), env.dir.path(), &env.config, args);
        cmd.env("SWITCHYARD_READ_ONLY", "1");
        let out = output(cmd).await;
        assert_eq!(out.code, 2, "{args:?}: {out}");
        assert!(out.stderr.contains("read-only"), "{args:?}: {out}");
    }
    let out = env
        .run(&[
            "--read-only",
            "journal",
            "repair",
            "--site",
            "shop",
            "--yes",
        ])
        .await;
    assert_eq!(out.code, 2, "{out}");
    let text = std::fs::read_to_string(&env.config).unwrap().replacen(
        "[defaults]\n",
        "[defaults]\nread_only = true\n",
        1,
    );
    let in_config = Env::start_with_config_paused("demo", &text).await;
    let out = in_config.switch("on", "shop", &[]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr
            .contains("site shop is read-only in the config: no switch is made"),
        "{out}"
    );
    assert_eq!(
        in_config
            .sim
            .calls()
            .get("route53", "ChangeResourceRecordSets"),
        0
    );
    let changed: Vec<_> = env
        .sim
        .calls()
        .calls
        .keys()
        .filter(|k| {
            let op = k.split(':').nth(1).unwrap_or_default();
            !["Get", "List", "Describe", "Test"]
                .iter()
                .any(|read| op.starts_with(read))
        })
        .cloned()
        .collect();
    assert!(changed.is_empty(), "calls that change AWS: {changed:?}");
    assert_eq!(before, snapshot(&c).await);
}

/// `plan --output json` is the plan the console shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_json_names_every_call_with_before_and_after() {
    let env = Env::start_paused("demo", "demo").await;
    let plan = env
        .run(&["plan", "on", "--site", "portal", "--output", "json"])
        .await;
    assert_eq!(plan.code, 0, "{plan}");
    let p: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(p["direction"], "on");
    assert_eq!(p["account"], "123456789012");
    let steps = p["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["call"], "elasticloadbalancing:CreateRule");
    assert_eq!(
        steps[0]["after"],
        "rule allow at priority 1: if source-ip 203.0.113.0/24 then forward to portal-app"
    );
    assert_eq!(
        steps[1]["after"],
        "rule maintenance at priority 2: if path-pattern /* then fixed-response 503 (text/html)"
    );
}

// ----- CALCULATED checks and missing sources (issue 13 items 7 and 9) -----

fn json(out: &Out) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {out}"))
}

/// The invert strategy on a CALCULATED primary check, in both directions, without --force: the
/// preflight works out the check's raw status from its children (Route 53 has no
/// GetHealthCheckStatus for it), verification follows it the same way, and fail back leaves AWS
/// exactly as before. A failing child is named in the reasons.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invert_works_on_a_calculated_check_in_both_directions_without_force() {
    let env = Env::start_paused("infer-calculated", "infer-calculated").await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    let plan = env.run(&["plan", "on", "--site", "web"]).await;
    assert_eq!(plan.code, 0, "{plan}");
    assert!(
        plan.stdout.contains(
            "[ok] the health check is healthy now, so that inverting it fails over: health check \
             5a1cca1c-0000-4000-8000-00000000ca1c is CALCULATED, healthy (raw, before \
             inversion): 2 of 2 child health checks healthy (needs 1)"
        ),
        "{plan}"
    );
    let on = env
        .switch("on", "web", &["--wait", "--timeout", "60s"])
        .await;
    assert_eq!(on.code, 0, "{on}");
    assert!(
        on.stdout.contains("Verified: every change converged"),
        "{on}"
    );
    // Route 53's metric follows within a minute.
    advance(&env.sim, 120.0);
    let w = env
        .run(&[
            "wait",
            "--site",
            "web",
            "--for",
            "maintenance",
            "--timeout",
            "30s",
        ])
        .await;
    assert_eq!(w.code, 0, "{w}");
    let status = env
        .run(&["status", "--site", "web", "--output", "json"])
        .await;
    assert_eq!(status.code, 12, "{status}");
    let during = snapshot(&c).await;
    let calc = during
        .health_checks
        .iter()
        .find(|h| h.id == "5a1cca1c-0000-4000-8000-00000000ca1c")
        .unwrap();
    assert!(calc.inverted, "the calculated check itself is inverted");
    let off = env
        .switch("off", "web", &["--wait", "--timeout", "60s"])
        .await;
    assert_eq!(off.code, 0, "{off}");
    assert!(
        off.stdout.contains(
            "[ok] the raw checker observations of the inverted check are healthy: health check \
             5a1cca1c-0000-4000-8000-00000000ca1c is CALCULATED, healthy (raw, before inversion)"
        ),
        "{off}"
    );
    assert_eq!(before, snapshot(&c).await, "fail back did not restore AWS");
    advance(&env.sim, 120.0);
    let status = env
        .run(&["status", "--site", "web", "--output", "json"])
        .await;
    assert_eq!(status.code, 0, "{status}");
    // One web server fails: the calculated check stays healthy (1 of 2 needed), and the
    // failing child is named.
    env.sim
        .control(Control::SetBehaviour {
            target: "web-2".into(),
            behaviour: switchyard_sim::world::ec2::Behaviour::Refused,
        })
        .unwrap();
    advance(&env.sim, 120.0);
    let status = env
        .run(&["status", "--site", "web", "--output", "json"])
        .await;
    let j = json(&status);
    let web = &j["sites"][0];
    assert_eq!(web["verdict"], "DEGRADED", "{status}");
    assert!(
        web["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().starts_with(
                "child health check web-2 (5a1c0002…) of calculated health check web-calculated \
                 (5a1cca1c…) is unhealthy"
            )),
        "{status}"
    );
}

/// TestDNSAnswer denied (and the zone's name servers refusing to answer from here):
/// `maintenance on|off --wait` and `wait` converge on the answer inferred from the failover
/// rules (the health check flipped), say that it is inferred, and fail back leaves AWS as
/// before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_converges_on_inferred_answers_when_test_dns_answer_is_denied() {
    let env = Env::start("alb-cloudfront", "alb-cloudfront", 60.0).await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    env.fault(
        "dns",
        "A",
        FaultKind::Error {
            code: "REFUSED".into(),
            message: None,
            status: None,
        },
        None,
    );
    env.fault(
        "route53",
        "TestDNSAnswer",
        FaultKind::Error {
            code: "AccessDenied".into(),
            message: None,
            status: None,
        },
        None,
    );
    let on = env
        .switch("on", "shop", &["--wait", "--timeout", "90s"])
        .await;
    assert_eq!(on.code, 0, "{on}");
    assert!(
        on.stdout.contains("Verified: every change converged"),
        "{on}"
    );
    // Verification says that the answer was inferred.
    let log = std::fs::read_to_string(env.audit_log()).unwrap();
    let entry: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    let dns = entry["verification"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["what"].as_str().unwrap().starts_with("Route 53 answers"))
        .unwrap_or_else(|| panic!("no DNS item: {entry:#}"));
    assert_eq!(dns["converged"], true, "{dns}");
    assert_eq!(
        dns["seen"],
        "inferred, not read (access denied: the role lacks route53:TestDNSAnswer): follows from \
         the changes INSYNC and the health checks",
        "{dns}"
    );
    let w = env
        .run(&[
            "wait",
            "--site",
            "shop",
            "--for",
            "maintenance",
            "--timeout",
            "90s",
            "--output",
            "json",
        ])
        .await;
    assert_eq!(w.code, 0, "{w}");
    assert_eq!(json(&w)["verdict"], "MAINTENANCE", "{w}");
    let status = env
        .run(&["status", "--site", "shop", "--output", "json"])
        .await;
    let j = json(&status);
    assert_eq!(j["sites"][0]["verdict"], "MAINTENANCE", "{status}");
    assert_eq!(j["sites"][0]["served"], "secondary", "{status}");
    assert_eq!(j["sites"][0]["served_inferred"], true, "{status}");
    // Access kept the answer away: 3.
    assert_eq!(status.code, 3, "{status}");
    let off = env
        .switch("off", "shop", &["--wait", "--timeout", "90s"])
        .await;
    assert_eq!(off.code, 0, "{off}");
    let w = env
        .run(&[
            "wait",
            "--site",
            "shop",
            "--for",
            "live",
            "--timeout",
            "90s",
            "--output",
            "json",
        ])
        .await;
    assert_eq!(w.code, 0, "{w}");
    assert!(
        json(&w)["reasons"][0]
            .as_str()
            .unwrap()
            .starts_with("LIVE by inference only"),
        "{w}"
    );
    env.clear_faults();
    assert_eq!(before, snapshot(&c).await, "fail back did not restore AWS");
}

/// Without TestDNSAnswer, a record change is not taken as answered before Route 53 has it
/// INSYNC: the journal carries the change's ID, and status (from any machine) follows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inferred_answer_waits_for_the_record_change_to_be_insync() {
    let env = Env::start_paused("demo", "demo").await;
    env.fault(
        "dns",
        "A",
        FaultKind::Error {
            code: "REFUSED".into(),
            message: None,
            status: None,
        },
        None,
    );
    env.fault(
        "route53",
        "TestDNSAnswer",
        FaultKind::Error {
            code: "AccessDenied".into(),
            message: None,
            status: None,
        },
        None,
    );
    let on = env.switch("on", "blog", &[]).await;
    assert_eq!(on.code, 0, "{on}");
    let status = env
        .run(&["status", "--site", "blog", "--output", "json"])
        .await;
    let j = json(&status);
    let blog = &j["sites"][0];
    assert_eq!(blog["verdict"], "SWITCHING", "{status}");
    assert!(
        blog["reasons"][0].as_str().unwrap().contains("PENDING for"),
        "{status}"
    );
    advance(&env.sim, 90.0);
    let status = env
        .run(&["status", "--site", "blog", "--output", "json"])
        .await;
    let j = json(&status);
    let blog = &j["sites"][0];
    assert_ne!(blog["verdict"], "SWITCHING", "{status}");
    assert!(
        !blog["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("PENDING")),
        "{status}"
    );
    env.clear_faults();
    let off = env.switch("off", "blog", &[]).await;
    assert_eq!(off.code, 0, "{off}");
}

/// The journal's size is bounded before anything changes: a reason over 1024 characters is
/// refused with exit 2 (a journal too large for Route 53's limit per change is refused when it
/// is made: see the tests of `model::journal`), and one of 1024 goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_journal_is_refused_before_any_change() {
    let env = Env::start_paused("demo", "demo").await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    let reason = "x".repeat(12_000);
    let on = env
        .switch("on", "shop", &["--reason", &reason, "--force"])
        .await;
    assert_eq!(on.code, 2, "{on}");
    assert!(
        on.stderr.contains(
            "--reason is 12000 characters; the journal takes at most 1024 (every operator reads it, and Route 53 limits the journal's size): shorten it; nothing was changed"
        ),
        "{on}"
    );
    let reason = "y".repeat(1024);
    let on = env
        .switch_past_unchecked("on", "shop", &["--reason", &reason])
        .await;
    assert_eq!(on.code, 0, "{on}");
    let off = env.switch_past_unchecked("off", "shop", &[]).await;
    assert_eq!(off.code, 0, "{off}");
    assert_eq!(before, snapshot(&c).await);
}

/// On and off for `site` while its zone is slow to take changes: both exit 0, some of the
/// calls to ChangeResourceRecordSets were refused and retried, and AWS ends as it was.
async fn both_ways_through_a_busy_zone(env: &Env, site: &str) {
    let c = env.clients().await;
    let before = snapshot(&c).await;
    let accepted_before = env.sim.with_world(|w| w.r53.changes.len());
    let on = env.switch_past_unchecked("on", site, &[]).await;
    assert_eq!(on.code, 0, "{on}");
    let off = env.switch_past_unchecked("off", site, &[]).await;
    assert_eq!(off.code, 0, "{off}");
    let accepted = env.sim.with_world(|w| w.r53.changes.len()) - accepted_before;
    let calls = env.sim.calls().get("route53", "ChangeResourceRecordSets");
    assert!(
        calls > accepted as u64,
        "some calls were refused and retried: {calls} calls, {accepted} changes accepted"
    );
    assert_eq!(before, snapshot(&c).await);
}

/// Route 53 refuses a change to a hosted zone that is still processing the previous one
/// (PriorRequestNotComplete, HTTP 400; its API reference, ChangeResourceRecordSets): a switch
/// writes its journal and then the record in the same zone, one right after the other. The
/// error is throttling-class, so the SDK's retries wait it out; the switch goes through both
/// ways and AWS ends as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zone_still_processing_the_previous_change_is_waited_for() {
    let env = Env::start("dns-name-control", "dns-name-control", 60.0).await;
    // 3 s of the emulator's clock: 50 ms of real time at 60 times.
    env.sim
        .with_world(|w| w.timing.change_processing_ms = 3_000);
    both_ways_through_a_busy_zone(&env, "db").await;
}

/// The same from a scenario's own `[timing] change_processing_ms` (target-health: 1.5 s a change,
/// 75 ms of real time at 20 times): the swap of a failover pair's PRIMARY right after the
/// journal is refused and retried, and both ways go through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scenario_zone_slow_to_take_changes_is_waited_for() {
    let env = Env::start("target-health", "target-health", 20.0).await;
    assert_eq!(env.sim.with_world(|w| w.timing.change_processing_ms), 1_500);
    both_ways_through_a_busy_zone(&env, "app").await;
}

/// When Route 53 keeps refusing (a zone still processing longer than the SDK's retries wait),
/// nothing is changed and the operator is told what happened and to run again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zone_that_stays_busy_changes_nothing_and_says_why() {
    let env = Env::start_paused("dns-name-control", "dns-name-control").await;
    env.sim
        .with_world(|w| w.timing.change_processing_ms = 3_600_000);
    let c = env.clients().await;
    let before = snapshot(&c).await;
    // Someone else's change to the zone, still being processed.
    let zone = "Z0EXAMPLE0000DB";
    let other = switchyard::model::route53::RecordSet {
        name: "other.internal.example.com.".into(),
        rtype: "TXT".into(),
        ttl: Some(Duration::from_secs(60)),
        values: vec!["\"x\"".into()],
        ..Default::default()
    };
    switchyard::aws::route53::change_records(
        &c.route53,
        zone,
        &[(switchyard::aws::route53::RecordAction::Create, other)],
        "someone else",
    )
    .await
    .unwrap();
    let after_other = snapshot(&c).await;
    let on = env.switch_past_unchecked("on", "db", &[]).await;
    assert_eq!(on.code, 5, "{on}");
    assert!(
        on.stderr.contains(
            "the maintenance journal could not be updated: Route 53 was still processing a prior \
             change to the hosted zone (PriorRequestNotComplete, route53 ChangeResourceRecordSets)"
        ),
        "{on}"
    );
    assert!(
        on.stderr
            .contains("no journal was created and nothing was changed"),
        "{on}"
    );
    assert_eq!(after_other, snapshot(&c).await);
    // Once Route 53 has caught up, the same command goes through, and fail back restores.
    env.sim.with_world(|w| w.timing.change_processing_ms = 0);
    advance(&env.sim, 3_600.0);
    let on = env.switch_past_unchecked("on", "db", &[]).await;
    assert_eq!(on.code, 0, "{on}");
    let off = env.switch_past_unchecked("off", "db", &[]).await;
    assert_eq!(off.code, 0, "{off}");
    assert_eq!(after_other, snapshot(&c).await);
    assert_ne!(before, after_other);
}

/// Evaluate Target Health with a raised minimum (the target group attribute
/// `target_group_health.dns_failover.minimum_healthy_targets.count`): blog's app has 1 healthy
/// target of 2; with 2 required, Route 53 counts the primary unhealthy and answers the sorry
/// page, and `status` says FAILED OVER on its own, never "the primary is healthy again".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raised_minimum_of_healthy_targets_reads_as_the_failover_it_is() {
    let env = Env::start_paused("demo", "demo").await;
    let c = env.clients().await;
    let tg = c
        .elbv2
        .describe_target_groups()
        .names("blog-app")
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string();
    c.elbv2
        .modify_target_group_attributes()
        .target_group_arn(&tg)
        .attributes(
            aws_sdk_elasticloadbalancingv2::types::TargetGroupAttribute::builder()
                .key("target_group_health.dns_failover.minimum_healthy_targets.count")
                .value("2")
                .build(),
        )
        .send()
        .await
        .unwrap();
    advance(&env.sim, 120.0);
    let status = env
        .run(&["status", "--site", "blog", "--output", "json"])
        .await;
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let site = &json["sites"][0];
    assert_eq!(site["verdict"], "FAILED OVER", "{status}");
    assert_eq!(site["served"], "secondary", "{status}");
    assert!(
        !site["reasons"].to_string().contains("healthy again"),
        "{status}"
    );
}
