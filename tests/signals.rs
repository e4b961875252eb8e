//! Signals during a switch: SIGINT, SIGTERM and SIGHUP (what an SSM disconnect sends) while
//! `maintenance on` is in a step. The step finishes and is recorded, the switch stops before the
//! next one, and `maintenance off` afterwards puts every AWS value back.

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

async fn sim() -> SimHandle {
    let mut opts = SimOptions::new(
        switchyard_sim::Scenario::load(&root().join("assets/scenarios/demo.toml")).unwrap(),
    );
    opts.paused = true;
    start(opts).await.unwrap()
}

fn maintenance(
    sim: &SimHandle,
    home: &std::path::Path,
    direction: &str,
) -> tokio::process::Command {
    let mut cmd = binary::switchyard(home, &sim.env_vars());
    cmd.args([
        "maintenance",
        direction,
        "--config",
        root().join("assets/configs/demo.toml").to_str().unwrap(),
        "--site",
        "shop",
        "--yes",
    ])
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    cmd
}

/// Waits until the emulator has received `key` (`service:Operation`) at least once.
async fn until_called(sim: &SimHandle, key: &str) {
    let start = Instant::now();
    while sim.calls().calls.get(key).copied().unwrap_or(0) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{key} was never called"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn stopped_by(signal: &str) {
    use tokio::io::AsyncBufReadExt;
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let clients = support::clients_at(&sim.endpoint(), sim.region()).await;
    let before = support::snapshot(&clients).await;
    // Step 2 of shop's switch (silence its first alarm) is held by the emulator until the
    // binary has said that the signal stops it after that step: the signal lands in the step,
    // whatever the machine's speed.
    let (service, operation) = ("cloudwatch", "DisableAlarmActions");
    sim.control(Control::Fault(
        serde_json::from_value::<FaultSpec>(serde_json::json!({
            "service": service, "operation": operation, "fault": "hold",
        }))
        .unwrap(),
    ))
    .unwrap();
    let mut child = maintenance(&sim, home.path(), "on").spawn().unwrap();
    until_called(&sim, "cloudwatch:DisableAlarmActions").await;
    let pid = child.id().unwrap().to_string();
    let kill = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut stderr = String::new();
    let heard = "stopping after the step that is running";
    while !stderr.contains(heard) {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("SIG{signal} not acknowledged: {stderr}"))
            .unwrap();
        let Some(line) = line else {
            panic!("SIG{signal}: stderr ended before the signal was acknowledged: {stderr}")
        };
        stderr.push_str(&line);
        stderr.push('\n');
    }
    // The step goes on, and is the last.
    sim.control(Control::ClearFaults {
        service: Some(service.into()),
        operation: Some(operation.into()),
    })
    .unwrap();
    while let Some(line) = lines.next_line().await.unwrap() {
        stderr.push_str(&line);
        stderr.push('\n');
    }
    let out = child.wait_with_output().await.unwrap();
    assert_eq!(out.status.code(), Some(9), "SIG{signal}: {stderr}");
    assert!(
        stderr.contains("stopped by a signal between two steps"),
        "{stderr}"
    );
    assert!(stderr.contains("2 of 4 steps are done"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The step in flight finished: the first alarm is silenced, the second is not.
    let calls = sim.calls().calls;
    assert_eq!(
        calls.get("cloudwatch:DisableAlarmActions"),
        Some(&1),
        "{calls:?}"
    );
    assert_eq!(
        calls.get("cloudfront:CreateInvalidation"),
        None,
        "{calls:?}"
    );
    // And maintenance off undoes exactly what was done.
    let out = maintenance(&sim, home.path(), "off")
        .output()
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let after = support::snapshot(&clients).await;
    assert_eq!(before, after, "SIG{signal}: AWS is not as before");
}

#[tokio::test]
async fn sigint_stops_between_steps_and_off_restores() {
    stopped_by("INT").await;
}

#[tokio::test]
async fn sigterm_stops_between_steps_and_off_restores() {
    stopped_by("TERM").await;
}

#[tokio::test]
async fn sighup_stops_between_steps_and_off_restores() {
    stopped_by("HUP").await;
}
