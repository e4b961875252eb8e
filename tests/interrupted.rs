//! A switch stopped halfway by a signal is INTERRUPTED, in both directions and for more than one
//! strategy: `status` (text and JSON) and `wait` say so with exit 16, name who stopped where and
//! how far, and the exact commands that finish and undo it; the finishing command reaches the
//! target state, and the undoing command puts back exactly what was there before.

use std::time::{Duration, Instant};

use switchyard_sim::{Control, FaultSpec, SimHandle, SimOptions, start};

#[path = "support/binary.rs"]
mod binary;

#[path = "switch/support.rs"]
#[allow(dead_code)]
mod support;

fn root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn config() -> String {
    root()
        .join("assets/configs/demo.toml")
        .to_str()
        .unwrap()
        .to_string()
}

async fn sim() -> SimHandle {
    let mut opts = SimOptions::new(
        switchyard_sim::Scenario::load(&root().join("assets/scenarios/demo.toml")).unwrap(),
    );
    opts.paused = true;
    start(opts).await.unwrap()
}

/// What a command said and how it ended.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

async fn run(sim: &SimHandle, home: &std::path::Path, args: &[&str]) -> Ran {
    let config = config();
    let mut cmd = binary::switchyard(home, &sim.env_vars());
    // The table as an 80-column terminal gets it (into a pipe it is not cut without COLUMNS).
    cmd.env("COLUMNS", "80");
    cmd.args(args).args(["--config", &config]);
    let out = cmd.output().await.unwrap();
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

async fn maintenance(sim: &SimHandle, home: &std::path::Path, direction: &str, site: &str) -> Ran {
    run(
        sim,
        home,
        &["maintenance", direction, "--site", site, "--yes"],
    )
    .await
}

fn hold(sim: &SimHandle, service: &str, operation: &str) {
    sim.control(Control::Fault(
        serde_json::from_value::<FaultSpec>(serde_json::json!({
            "service": service, "operation": operation, "fault": "hold",
        }))
        .unwrap(),
    ))
    .unwrap();
}

fn release(sim: &SimHandle, service: &str, operation: &str) {
    sim.control(Control::ClearFaults {
        service: Some(service.into()),
        operation: Some(operation.into()),
    })
    .unwrap();
}

/// Runs `maintenance <direction> --site <site>` with `service:operation` held by the emulator,
/// sends `signal` once that call is in flight, lets the call finish, and returns what the
/// command said: the step in flight is the last one made.
async fn stopped_in(
    sim: &SimHandle,
    home: &std::path::Path,
    direction: &str,
    site: &str,
    (service, operation): (&str, &str),
    signal: &str,
) -> Ran {
    use tokio::io::AsyncBufReadExt;
    hold(sim, service, operation);
    let key = format!("{service}:{operation}");
    let calls_before = sim.calls().calls.get(&key).copied().unwrap_or(0);
    let config = config();
    let mut cmd = binary::switchyard(home, &sim.env_vars());
    cmd.args([
        "maintenance",
        direction,
        "--config",
        &config,
        "--site",
        site,
        "--yes",
    ])
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let t0 = Instant::now();
    while sim.calls().calls.get(&key).copied().unwrap_or(0) == calls_before {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "{key} was never called"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = child.id().unwrap().to_string();
    let kill = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut stderr = String::new();
    while !stderr.contains("stopping after the step that is running") {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("SIG{signal} not acknowledged: {stderr}"))
            .unwrap();
        let Some(line) = line else {
            panic!("stderr ended before SIG{signal} was acknowledged: {stderr}")
        };
        stderr.push_str(&line);
        stderr.push('\n');
    }
    release(sim, service, operation);
    while let Some(line) = lines.next_line().await.unwrap() {
        stderr.push_str(&line);
        stderr.push('\n');
    }
    let out = child.wait_with_output().await.unwrap();
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    }
}

/// What `status` and `wait` must say of an interrupted switch.
struct Expect<'a> {
    site: &'a str,
    first: &'a str,
    finish: &'a str,
    undo: &'a str,
    direction: &'a str,
    done: u64,
    total: u64,
}

async fn reads_interrupted(sim: &SimHandle, home: &std::path::Path, e: &Expect<'_>) {
    // Text.
    let text = run(sim, home, &["status", "--site", e.site]).await;
    assert_eq!(text.code, Some(16), "{}", text.text());
    let line = text
        .stdout
        .lines()
        .find(|l| l.starts_with(e.site))
        .unwrap_or_default();
    assert!(line.contains("INTERRUPTED"), "{}", text.stdout);
    for said in [
        format!("  - {}", e.first),
        format!("  - to finish it: {}", e.finish),
        format!("  - to undo it: {}", e.undo),
    ] {
        assert!(
            text.stdout.lines().any(|l| l.starts_with(&said)),
            "no line starts with {said:?}:\n{}",
            text.stdout
        );
    }
    // Who and where, whole (wrapped, never cut): the time to the second.
    let stop_line = text
        .stdout
        .lines()
        .find(|l| l.starts_with("  stopped at "))
        .unwrap_or_default()
        .trim_end();
    assert!(
        stop_line.ends_with(" by") && stop_line.contains("Z on ") && !stop_line.contains('.'),
        "who and where:\n{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("\n    arn:aws:sts::123456789012:assumed-role/OpsAdmin/demo\n"),
        "{}",
        text.stdout
    );
    // JSON.
    let json = run(sim, home, &["status", "--site", e.site, "--output", "json"]).await;
    assert_eq!(json.code, Some(16), "{}", json.text());
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["exit_code"], 16);
    let s = &v["sites"][0];
    assert_eq!(s["verdict"], "INTERRUPTED", "{s:#}");
    assert_eq!(s["exit_code"], 16);
    assert_eq!(s["eta_seconds"], serde_json::Value::Null);
    let i = &s["maintenance"]["interrupted"];
    assert_eq!(i["direction"], e.direction, "{i:#}");
    assert_eq!(i["done_steps"], e.done, "{i:#}");
    assert_eq!(i["total_steps"], e.total, "{i:#}");
    assert_eq!(i["finish"], e.finish);
    assert_eq!(i["undo"], e.undo);
    assert_eq!(
        i["by"],
        "arn:aws:sts::123456789012:assumed-role/OpsAdmin/demo"
    );
    assert!(!i["host"].as_str().unwrap_or_default().is_empty(), "{i:#}");
    assert!(i["at"].as_str().is_some_and(|t| t.ends_with('Z')), "{i:#}");
    // `wait` says it at once instead of running out its ten minutes.
    for goal in ["live", "maintenance"] {
        let w = run(
            sim,
            home,
            &["wait", "--site", e.site, "--for", goal, "--timeout", "10m"],
        )
        .await;
        assert_eq!(w.code, Some(16), "{}", w.text());
        assert!(
            w.stdout
                .contains(&format!("{} is INTERRUPTED, not {goal}", e.site)),
            "{}",
            w.stdout
        );
        assert!(
            w.stdout.contains(&format!("to finish it: {}", e.finish)),
            "{}",
            w.stdout
        );
    }
}

async fn verdict_of(sim: &SimHandle, home: &std::path::Path, site: &str) -> String {
    let json = run(sim, home, &["status", "--site", site, "--output", "json"]).await;
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    v["sites"][0]["verdict"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// shop (health check inverted, two alarms silenced, an invalidation): maintenance on stopped
/// by SIGINT after 2 of 4 steps; `maintenance off` undoes it exactly.
#[tokio::test]
async fn an_entry_stopped_midway_is_interrupted_and_off_undoes_it_exactly() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let clients = support::clients_at(&sim.endpoint(), sim.region()).await;
    let before = support::snapshot(&clients).await;
    let stopped = stopped_in(
        &sim,
        home.path(),
        "on",
        "shop",
        ("cloudwatch", "DisableAlarmActions"),
        "INT",
    )
    .await;
    assert_eq!(stopped.code, Some(9), "{}", stopped.text());
    assert!(
        stopped.stderr.contains(
            "2 of 4 steps are done and recorded in the journal _switchyard.www.example.com; \
             `switchyard maintenance on --site shop` finishes it, \
             `switchyard maintenance off --site shop` undoes it"
        ),
        "{}",
        stopped.stderr
    );
    reads_interrupted(
        &sim,
        home.path(),
        &Expect {
            site: "shop",
            first: "maintenance on stopped after 2 of 4 steps done,",
            finish: "switchyard maintenance on --site shop",
            undo: "switchyard maintenance off --site shop",
            direction: "on",
            done: 2,
            total: 4,
        },
    )
    .await;
    let off = maintenance(&sim, home.path(), "off", "shop").await;
    assert_eq!(off.code, Some(0), "{}", off.text());
    assert_eq!(
        before,
        support::snapshot(&clients).await,
        "AWS is not as before"
    );
    assert_ne!(verdict_of(&sim, home.path(), "shop").await, "INTERRUPTED");
}

/// portal (two maintenance rules on an ALB): maintenance on stopped by SIGTERM after the first
/// rule; `maintenance on` finishes it (MAINTENANCE), and `maintenance off` afterwards puts the
/// listener back exactly.
#[tokio::test]
async fn an_entry_stopped_midway_is_finished_by_on() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let clients = support::clients_at(&sim.endpoint(), sim.region()).await;
    let before = support::snapshot(&clients).await;
    let stopped = stopped_in(
        &sim,
        home.path(),
        "on",
        "portal",
        ("elbv2", "CreateRule"),
        "TERM",
    )
    .await;
    assert_eq!(stopped.code, Some(9), "{}", stopped.text());
    assert!(
        stopped
            .stderr
            .contains("1 of 2 steps are done and recorded in the journal"),
        "{}",
        stopped.stderr
    );
    reads_interrupted(
        &sim,
        home.path(),
        &Expect {
            site: "portal",
            first: "maintenance on stopped after 1 of 2 steps done,",
            finish: "switchyard maintenance on --site portal",
            undo: "switchyard maintenance off --site portal",
            direction: "on",
            done: 1,
            total: 2,
        },
    )
    .await;
    let on = maintenance(&sim, home.path(), "on", "portal").await;
    assert_eq!(on.code, Some(0), "{}", on.text());
    assert_eq!(verdict_of(&sim, home.path(), "portal").await, "MAINTENANCE");
    let off = maintenance(&sim, home.path(), "off", "portal").await;
    assert_eq!(off.code, Some(0), "{}", off.text());
    assert_eq!(
        before,
        support::snapshot(&clients).await,
        "AWS is not as before"
    );
}

/// shop in maintenance, its fail back stopped by SIGHUP after 1 of 3 undos: `maintenance on`
/// undoes the stopped fail back (exactly the maintenance configuration again), and `maintenance
/// off` then fails back in full.
#[tokio::test]
async fn a_fail_back_stopped_midway_is_interrupted_and_on_undoes_it_exactly() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let clients = support::clients_at(&sim.endpoint(), sim.region()).await;
    let before = support::snapshot(&clients).await;
    let on = maintenance(&sim, home.path(), "on", "shop").await;
    assert_eq!(on.code, Some(0), "{}", on.text());
    let in_maintenance = support::snapshot(&clients).await;
    let stopped = stopped_in(
        &sim,
        home.path(),
        "off",
        "shop",
        ("cloudwatch", "EnableAlarmActions"),
        "HUP",
    )
    .await;
    assert_eq!(stopped.code, Some(9), "{}", stopped.text());
    assert!(
        stopped.stderr.contains(
            "maintenance off for shop stopped by a signal between two steps: 1 of 3 steps are \
             undone and recorded in the journal _switchyard.www.example.com; \
             `switchyard maintenance off --site shop` finishes it, \
             `switchyard maintenance on --site shop` undoes it"
        ),
        "{}",
        stopped.stderr
    );
    reads_interrupted(
        &sim,
        home.path(),
        &Expect {
            site: "shop",
            first: "maintenance off (fail back) stopped after 1 of 3 steps undone,",
            finish: "switchyard maintenance off --site shop",
            undo: "switchyard maintenance on --site shop",
            direction: "off",
            done: 1,
            total: 3,
        },
    )
    .await;
    let undo = maintenance(&sim, home.path(), "on", "shop").await;
    assert_eq!(undo.code, Some(0), "{}", undo.text());
    assert!(
        undo.stdout
            .contains("shop is in maintenance again: the stopped fail back was undone"),
        "{}",
        undo.text()
    );
    let again = support::snapshot(&clients).await;
    assert_eq!(
        in_maintenance.health_checks, again.health_checks,
        "the health checks are not as in maintenance"
    );
    assert_eq!(
        in_maintenance.alarms, again.alarms,
        "the alarms are not as in maintenance"
    );
    assert_eq!(in_maintenance.listeners, again.listeners);
    assert_eq!(in_maintenance.rules, again.rules);
    assert_ne!(verdict_of(&sim, home.path(), "shop").await, "INTERRUPTED");
    let off = maintenance(&sim, home.path(), "off", "shop").await;
    assert_eq!(off.code, Some(0), "{}", off.text());
    assert_eq!(
        before,
        support::snapshot(&clients).await,
        "AWS is not as before"
    );
}

/// portal in maintenance, its fail back stopped by SIGINT after the first rule is deleted:
/// `maintenance off` finishes it, and the listener is exactly as before the maintenance.
#[tokio::test]
async fn a_fail_back_stopped_midway_is_finished_by_off() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let clients = support::clients_at(&sim.endpoint(), sim.region()).await;
    let before = support::snapshot(&clients).await;
    let on = maintenance(&sim, home.path(), "on", "portal").await;
    assert_eq!(on.code, Some(0), "{}", on.text());
    let stopped = stopped_in(
        &sim,
        home.path(),
        "off",
        "portal",
        ("elbv2", "DeleteRule"),
        "INT",
    )
    .await;
    assert_eq!(stopped.code, Some(9), "{}", stopped.text());
    assert!(
        stopped.stderr.contains(
            "`switchyard maintenance off --site portal` finishes it, \
             `switchyard maintenance on --site portal` undoes it"
        ),
        "{}",
        stopped.stderr
    );
    reads_interrupted(
        &sim,
        home.path(),
        &Expect {
            site: "portal",
            first: "maintenance off (fail back) stopped after 1 of 2 steps undone,",
            finish: "switchyard maintenance off --site portal",
            undo: "switchyard maintenance on --site portal",
            direction: "off",
            done: 1,
            total: 2,
        },
    )
    .await;
    let off = maintenance(&sim, home.path(), "off", "portal").await;
    assert_eq!(off.code, Some(0), "{}", off.text());
    assert_eq!(
        before,
        support::snapshot(&clients).await,
        "AWS is not as before"
    );
    assert_ne!(verdict_of(&sim, home.path(), "portal").await, "INTERRUPTED");
}
