//! Round-trip depth of one site's full status (issue 18, goal 2): the alb-cloudfront scenario's
//! `shop`, read in detail (what `status --site shop` reads) against the emulator with a latency
//! fault of 80 ms on every call, as on real AWS, and without it. For each: the wall time, the
//! calls made, and the stages in a row the emulator's call log shows (a call counts as after
//! every call whose answer had left before it arrived: an upper bound of the depth).
//! `(wall at 80 ms - wall at 0 ms) / 80 ms` is how many round trips the read waits for in a row.
//!
//! In process: a fresh session per run (its first round, as `status` makes), clients made
//! before the clock starts. Whole process: the binary (`DEPTH_BIN`, else target/release, else
//! target/debug) running `status --site shop --output json`, process start included.
//!
//! `cargo bench --bench depth` (env: DEPTH_RUNS=7, DEPTH_LATENCY_MS=80). Prints one JSON object.

use std::time::Instant;

use serde_json::json;
use switchyard::poll::round::Depth;
use switchyard::poll::session::{Overrides, Session};
use switchyard_sim::faults::{FaultKind, by_wave};
use switchyard_sim::{Control, FaultSpec, SimHandle, SimOptions, start};

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The alb-cloudfront config without its probe (an HTTP fetch through the emulator's data
/// plane, beside the reads and not an API call).
fn config_text() -> String {
    let text = std::fs::read_to_string(root().join("assets/configs/alb-cloudfront.toml")).unwrap();
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.trim() == "[site.probe]" {
            skipping = true;
            continue;
        }
        if skipping && line.trim().is_empty() {
            skipping = false;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn latency(sim: &SimHandle, millis: u64) {
    sim.control(Control::ClearFaults {
        service: None,
        operation: None,
    })
    .unwrap();
    if millis > 0 {
        sim.control(Control::Fault(FaultSpec {
            service: None,
            operation: None,
            kind: FaultKind::Latency { millis },
            times: None,
            body_contains: None,
        }))
        .unwrap();
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

struct Runs {
    wall_ms: Vec<f64>,
    calls: u64,
    waves: Vec<Vec<String>>,
    /// Of the last run, from the start of the clock (the emulator's log is reset just before
    /// it): the first call's arrival and the last answer.
    first_call_ms: f64,
    last_answer_ms: f64,
}

fn span_of(log: &[switchyard_sim::faults::CallSpan]) -> (f64, f64) {
    let first = log
        .iter()
        .map(|c| c.arrived_ms)
        .fold(f64::INFINITY, f64::min);
    let last = log.iter().filter_map(|c| c.answered_ms).fold(0.0, f64::max);
    (first, last)
}

async fn in_process(sim: &SimHandle, path: &std::path::Path, runs: usize) -> Runs {
    let overrides = Overrides {
        endpoint_url: Some(sim.endpoint()),
        static_credentials: Some(("switchyard-sim".into(), "switchyard-sim".into())),
        ..Overrides::default()
    };
    let mut out = Runs {
        wall_ms: Vec::new(),
        calls: 0,
        waves: Vec::new(),
        first_call_ms: 0.0,
        last_answer_ms: 0.0,
    };
    for _ in 0..runs {
        let config = switchyard::config::load(path).unwrap();
        let mut session = Session::start(config, &["shop".to_string()], &overrides)
            .await
            .unwrap();
        sim.control(Control::ResetCalls).unwrap();
        let t = Instant::now();
        session.refresh(&|_| Depth::Detail).await;
        out.wall_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        out.calls = sim.calls().total();
        let log = sim.call_log();
        out.waves = by_wave(&log);
        (out.first_call_ms, out.last_answer_ms) = span_of(&log);
    }
    out
}

fn binary() -> Option<std::path::PathBuf> {
    if let Ok(p) = std::env::var("DEPTH_BIN") {
        return Some(p.into());
    }
    ["target/release/switchyard", "target/debug/switchyard"]
        .iter()
        .map(|p| root().join(p))
        .find(|p| p.exists())
}

async fn whole_process(
    sim: &SimHandle,
    bin: &std::path::Path,
    path: &std::path::Path,
    runs: usize,
) -> Runs {
    let home = tempfile::tempdir().unwrap();
    let mut out = Runs {
        wall_ms: Vec::new(),
        calls: 0,
        waves: Vec::new(),
        first_call_ms: 0.0,
        last_answer_ms: 0.0,
    };
    for _ in 0..runs {
        sim.control(Control::ResetCalls).unwrap();
        let mut cmd = tokio::process::Command::new(bin);
        for (k, _) in std::env::vars() {
            if k.starts_with("AWS_") || k.to_ascii_lowercase().ends_with("_proxy") {
                cmd.env_remove(k);
            }
        }
        cmd.env("HOME", home.path())
            .env("XDG_STATE_HOME", home.path().join("state"))
            .envs(sim.env_vars())
            .args(["status", "--site", "shop", "--output", "json", "--config"])
            .arg(path);
        let t = Instant::now();
        let done = cmd.output().await.unwrap();
        out.wall_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(
            done.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
        out.calls = sim.calls().total();
        let log = sim.call_log();
        out.waves = by_wave(&log);
        (out.first_call_ms, out.last_answer_ms) = span_of(&log);
    }
    out
}

#[tokio::main]
async fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let runs = std::env::var("DEPTH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 1 } else { 7 });
    let millis: u64 = std::env::var("DEPTH_LATENCY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(80);
    let scenario =
        switchyard_sim::Scenario::load(&root().join("assets/scenarios/alb-cloudfront.toml"))
            .unwrap();
    let sim = start(SimOptions::new(scenario)).await.unwrap();
    // In process as the whole process does: Route 53's answer from the emulator's name servers.
    switchyard::aws::nameservers::use_emulator(&sim.env_vars());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alb-cloudfront.toml");
    std::fs::write(&path, config_text()).unwrap();

    let mut report = serde_json::Map::new();
    report.insert("latency_ms".into(), json!(millis));
    report.insert("runs".into(), json!(runs));
    let mut measure = |name: &str, at0: &Runs, at: &Runs| {
        let (w0, w) = (median(at0.wall_ms.clone()), median(at.wall_ms.clone()));
        report.insert(
            name.into(),
            json!({
                "wall_ms_no_latency": w0,
                "wall_ms": w,
                "round_trips_in_a_row": (w - w0) / millis as f64,
                "wall_over_latency": w / millis as f64,
                "calls": at.calls,
                "first_call_ms": at.first_call_ms,
                "last_answer_ms": at.last_answer_ms,
                "stages_in_call_log": at.waves.len(),
                "calls_per_stage": at.waves,
            }),
        );
    };
    latency(&sim, 0);
    let at0 = in_process(&sim, &path, runs).await;
    latency(&sim, millis);
    let at = in_process(&sim, &path, runs).await;
    measure("in_process", &at0, &at);
    if let Some(bin) = binary() {
        latency(&sim, 0);
        let at0 = whole_process(&sim, &bin, &path, runs).await;
        latency(&sim, millis);
        let at = whole_process(&sim, &bin, &path, runs).await;
        measure("whole_process", &at0, &at);
        report.insert("binary".into(), json!(bin.display().to_string()));
    }
    if !quick {
        println!("{}", serde_json::Value::Object(report));
    }
    sim.shutdown().await;
}
