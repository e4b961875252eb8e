//! `switchyard rehearse` against an emulator standing in for production: the copy is saved and
//! loads, a maintenance window on the copy changes the copy only (the source emulator sees read
//! calls only), and the example runbook runs green. Also: `status --watch` and `wait` write
//! plain lines when stdout is not a terminal.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use switchyard_sim::{Scenario, SimHandle, SimOptions, start};

const SHOP_CHECK: &str = "0b6f2e4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b";

fn asset(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets")
        .join(path)
}

async fn production(speed: f64) -> SimHandle {
    let mut opts = SimOptions::new(Scenario::load(&asset("scenarios/demo.toml")).unwrap());
    opts.speed = speed;
    start(opts).await.unwrap()
}

/// The binary with this environment, a private HOME and audit log, and no proxy.
fn switchyard(vars: &[(String, String)], dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchyard"));
    cmd.args(args);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.env("HOME", dir)
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("SWITCHYARD_AUDIT_LOG", dir.join("audit.jsonl"))
        .env("SWITCHYARD_CONFIG", asset("configs/demo.toml"))
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .stdin(Stdio::null());
    cmd
}

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs a blocking command off the runtime's threads (the emulator serves on them).
async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// A running `rehearse --no-console`, stopped (SIGTERM, then wait) when dropped.
struct Rehearsal {
    child: Child,
    env: Vec<(String, String)>,
}

impl Drop for Rehearsal {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// Starts `rehearse --no-console` and reads the environment it prints.
async fn rehearse(source: &SimHandle, dir: &Path, more: &[&str]) -> Rehearsal {
    let mut args = vec!["rehearse", "--site", "shop", "--no-console"];
    args.extend_from_slice(more);
    let mut cmd = switchyard(&source.env_vars(), dir, &args);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (env, seen) = tokio::task::spawn_blocking(move || {
        let mut env = Vec::new();
        let mut seen = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            seen.push_str(&line);
            seen.push('\n');
            if let Some((k, v)) = line
                .trim()
                .strip_prefix("export ")
                .and_then(|kv| kv.split_once('='))
            {
                env.push((k.to_string(), v.to_string()));
            }
            if line.starts_with("Serving until Ctrl-C") {
                break;
            }
        }
        (env, seen)
    })
    .await
    .unwrap();
    let r = Rehearsal { child, env };
    assert!(
        r.env.iter().any(|(k, _)| k == "AWS_ENDPOINT_URL"),
        "no endpoint printed:\n{seen}"
    );
    r
}

fn endpoint(env: &[(String, String)]) -> String {
    env.iter()
        .find(|(k, _)| k == "AWS_ENDPOINT_URL")
        .map(|(_, v)| v.clone())
        .unwrap()
}

/// GET /_sim/calls of an emulator in another process.
fn calls_of(endpoint: &str) -> serde_json::Value {
    let addr = endpoint.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET /_sim/calls HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn is_read(op: &str) -> bool {
    let name = op.rsplit(':').next().unwrap_or(op);
    ["Describe", "List", "Get", "Test"]
        .iter()
        .any(|p| name.starts_with(p))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_on_the_copy_never_touches_production() {
    let source = production(1.0).await;
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("shop-copy.toml");
    let copy = rehearse(
        &source,
        dir.path(),
        &["--save", saved.to_str().unwrap(), "--speed", "30"],
    )
    .await;

    // The saved copy loads, with production's IDs.
    let scenario = Scenario::load(&saved).unwrap();
    assert!(
        scenario
            .health_checks
            .iter()
            .any(|h| h.id.as_deref() == Some(SHOP_CHECK))
    );
    assert_eq!(scenario.hosted_zones[0].id, "Z0DEMO0EXAMPLE");

    // A window on the copy, with the site's own config.
    for direction in ["on", "off"] {
        let mut cmd = switchyard(
            &copy.env,
            dir.path(),
            &[
                "maintenance",
                direction,
                "--site",
                "shop",
                "--yes",
                "--wait",
                "--timeout",
                "10m",
            ],
        );
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let out = run(cmd).await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "maintenance {direction}\n{}",
            show(&out)
        );
    }

    // Production saw read calls only; the copy saw the switch.
    let prod = source.calls();
    let writes: Vec<&String> = prod.calls.keys().filter(|op| !is_read(op)).collect();
    assert!(
        writes.is_empty(),
        "production got mutating calls: {writes:?}"
    );
    assert!(!prod.calls.is_empty());
    let copied = calls_of(&endpoint(&copy.env));
    let copy_writes: Vec<String> = copied["calls"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|op| !is_read(op))
        .cloned()
        .collect();
    assert!(
        copy_writes
            .iter()
            .any(|op| op.ends_with("UpdateHealthCheck")),
        "{copy_writes:?}"
    );
    // Stopping the rehearsal writes the report of the rehearsed window next to the copy
    // (issue 19, item 4), from the copy's AWS history: the switches were made by other
    // commands.
    drop(copy);
    let reports: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("shop-"))
        })
        .collect();
    let md = reports
        .iter()
        .find(|p| p.extension().is_some_and(|x| x == "md"))
        .unwrap_or_else(|| panic!("no report next to the copy: {reports:?}"));
    assert!(
        reports
            .iter()
            .any(|p| p.extension().is_some_and(|x| x == "html")),
        "{reports:?}"
    );
    let text = std::fs::read_to_string(md).unwrap();
    assert!(
        text.contains("**REHEARSAL**: a copy of the site, not production."),
        "{text}"
    );
    assert!(
        text.contains("| 1 | route53:UpdateHealthCheck | "),
        "{text}"
    );
    assert!(text.contains("### fail back: done"), "{text}");
    assert!(
        text.contains("**identical: every field is as it was before the window**"),
        "{text}"
    );
    source.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_that_is_not_in_the_config_is_a_usage_error() {
    let source = production(1.0).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = switchyard(
        &source.env_vars(),
        dir.path(),
        &["rehearse", "--site", "nope", "--no-console"],
    );
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no site named"));
    source.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_runbook_runs_green() {
    // A fast clock: health checks flip and changes go INSYNC in seconds.
    let source = production(30.0).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg(asset("runbooks/maintenance-window.sh")).args([
        "--site",
        "shop",
        "--reason",
        "runbook test",
        "--timeout",
        "10m",
    ]);
    for (k, v) in source.env_vars() {
        cmd.env(k, v);
    }
    cmd.env("SWITCHYARD", env!("CARGO_BIN_EXE_switchyard"))
        .env("SWITCHYARD_CONFIG", asset("configs/demo.toml"))
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("SWITCHYARD_AUDIT_LOG", dir.path().join("audit.jsonl"))
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = run(cmd).await;
    let text = show(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for step in [
        "$ switchyard status",
        "$ switchyard plan on",
        "$ switchyard maintenance on",
        "is in MAINTENANCE",
        "doing the work",
        "$ switchyard maintenance off",
        "the window is over",
    ] {
        assert!(text.contains(step), "{step:?} missing:\n{text}");
    }
    source.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runbook_stops_with_the_step_code_when_a_step_fails() {
    let source = production(30.0).await;
    // A site the config does not have: the first step fails with its usage code, 2.
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg(asset("runbooks/maintenance-window.sh"))
        .args(["--site", "nope", "--reason", "x"]);
    for (k, v) in source.env_vars() {
        cmd.env(k, v);
    }
    cmd.env("SWITCHYARD", env!("CARGO_BIN_EXE_switchyard"))
        .env("SWITCHYARD_CONFIG", asset("configs/demo.toml"))
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("FAILED"),
        "{}",
        show(&out)
    );
    // Missing arguments: the script's own usage error.
    let out = run({
        let mut c = Command::new("bash");
        c.arg(asset("runbooks/maintenance-window.sh"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    })
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    source.shutdown().await;
}

/// `status --watch` and `wait` into a pipe (a log file): plain lines, no escapes, no spinners.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_and_wait_write_plain_lines_into_a_pipe() {
    let source = production(1.0).await;
    let dir = tempfile::tempdir().unwrap();
    let mut watch = switchyard(
        &source.env_vars(),
        dir.path(),
        &["status", "--watch", "--site", "shop"],
    );
    watch.stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = watch.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let text = tokio::task::spawn_blocking(move || {
        let mut text = String::new();
        for line in BufReader::new(stdout).lines().take(6) {
            text.push_str(&line.unwrap());
            text.push('\n');
        }
        text
    })
    .await
    .unwrap();
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = child.wait();
    assert!(text.contains("shop"), "{text}");
    assert!(!text.contains('\x1b') && !text.contains('\r'), "{text:?}");

    let mut wait = switchyard(
        &source.env_vars(),
        dir.path(),
        &[
            "wait",
            "--site",
            "shop",
            "--for",
            "live",
            "--timeout",
            "60s",
        ],
    );
    wait.stdout(Stdio::piped()).stderr(Stdio::piped());
    let out = run(wait).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(text.contains("shop LIVE"), "{text}");
    assert!(!text.contains('\x1b') && !text.contains('\r'), "{text:?}");
    source.shutdown().await;
}
