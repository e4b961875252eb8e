//! The fault matrix: every service (Route 53, CloudWatch, ELBv2, CloudFront, STS) times every
//! fault (timeout, dropped connection, HTTP 500, Throttling, AccessDenied, ExpiredToken), injected
//! by the emulator into every call of that service. For each, `switchyard status` must exit with a
//! documented code and say the cause in one line, and the next run after the fault clears must be
//! clean.
//!
//! The sites assume a role (`role_arn`), as operators' configs do, so that STS is on the path.
//! The table in the README's reliability section is written by this test from what it observed.

use std::path::Path;

use serde_json::Value;
use switchyard::sim::{Control, FaultSpec, SimHandle, SimOptions, start};

const SERVICES: [&str; 5] = ["route53", "cloudwatch", "elbv2", "cloudfront", "sts"];
const FAULTS: [&str; 6] = [
    "timeout",
    "dropped connection",
    "HTTP 500",
    "Throttling",
    "AccessDenied",
    "ExpiredToken",
];
/// The exit codes `status` documents.
const DOCUMENTED: [i32; 8] = [0, 10, 11, 12, 13, 14, 2, 3];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn spec(service: &str, fault: &str) -> FaultSpec {
    let kind = match fault {
        "timeout" => serde_json::json!({"fault": "timeout"}),
        "dropped connection" => serde_json::json!({"fault": "drop"}),
        "HTTP 500" => serde_json::json!({"fault": "error", "code": "InternalFailure"}),
        code => serde_json::json!({"fault": "error", "code": code}),
    };
    let mut v = kind;
    v["service"] = service.into();
    serde_json::from_value(v).unwrap()
}

/// What a user sees of one case.
struct Seen {
    exit: i32,
    verdict: String,
    cause: String,
    recovered: bool,
}

async fn sim() -> SimHandle {
    let path = root().join("assets/scenarios/alb-cloudfront.toml");
    let mut opts = SimOptions::new(switchyard::sim::Scenario::load(&path).unwrap());
    opts.paused = true;
    start(opts).await.unwrap()
}

/// The alb-cloudfront config with a role to assume.
fn config(dir: &Path) -> String {
    let text = std::fs::read_to_string(root().join("assets/configs/alb-cloudfront.toml")).unwrap();
    let text = text.replacen(
        "[defaults]\n",
        "[defaults]\nrole_arn = \"arn:aws:iam::123456789012:role/switchyard-operator\"\n",
        1,
    );
    assert!(
        text.contains("role_arn"),
        "the config has a [defaults] table"
    );
    let path = dir.join("alb-cloudfront.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

async fn status(sim: &SimHandle, config: &str) -> (i32, Value, String) {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchyard"));
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") || k.to_ascii_lowercase().ends_with("_proxy") {
            cmd.env_remove(k);
        }
    }
    let out = cmd
        .env("HOME", home.path())
        .envs(sim.env_vars())
        .arg("--log-file")
        .arg(home.path().join("log"))
        .args(["status", "--config", config, "--output", "json"])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

async fn case(service: &'static str, fault: &'static str) -> Seen {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    sim.control(Control::Fault(spec(service, fault))).unwrap();
    let (exit, json, stderr) = status(&sim, &config).await;
    let site = &json["sites"][0];
    let verdict = site["verdict"].as_str().unwrap_or("-").to_string();
    let cause = site["errors"][0]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| stderr.lines().next().unwrap_or("(none)").to_string());
    sim.control(Control::ClearFaults {
        service: None,
        operation: None,
    })
    .unwrap();
    let (after, json, _) = status(&sim, &config).await;
    let recovered = after == 0
        && json["sites"][0]["errors"]
            .as_array()
            .is_some_and(Vec::is_empty);
    Seen {
        exit,
        verdict,
        cause,
        recovered,
    }
}

/// The words a cause must hold for each fault.
fn expected_words(fault: &str) -> &'static [&'static str] {
    match fault {
        "timeout" => &["network", "time"],
        "dropped connection" => &["network"],
        "HTTP 500" => &["InternalFailure"],
        "Throttling" => &["throttled"],
        "AccessDenied" => &["access denied", ":"],
        _ => &["credentials missing or expired"],
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_service_and_every_fault() {
    let mut cases = Vec::new();
    for service in SERVICES {
        for fault in FAULTS {
            cases.push(async move { (service, fault, case(service, fault).await) });
        }
    }
    let results = futures::future::join_all(cases).await;
    let mut problems = Vec::new();
    let mut table = String::from(
        "| service | fault | `status` exit | verdict | the one-line cause | next run after the fault clears |\n|---|---|---|---|---|---|\n",
    );
    for (service, fault, seen) in &results {
        table.push_str(&format!(
            "| {service} | {fault} | {} | {} | {} | {} |\n",
            seen.exit,
            seen.verdict,
            cell(&seen.cause),
            if seen.recovered {
                "clean, exit 0"
            } else {
                "NOT CLEAN"
            }
        ));
        if !DOCUMENTED.contains(&seen.exit) {
            problems.push(format!(
                "{service} {fault}: undocumented exit {}",
                seen.exit
            ));
        }
        let lower = seen.cause.to_ascii_lowercase();
        for w in expected_words(fault) {
            if !lower.contains(&w.to_ascii_lowercase()) {
                problems.push(format!(
                    "{service} {fault}: cause lacks {w:?}: {}",
                    seen.cause
                ));
            }
        }
        if !seen.recovered {
            problems.push(format!(
                "{service} {fault}: the run after clearing was not clean"
            ));
        }
        // Losing Route 53, or the credentials, leaves nothing to judge by.
        if (*service == "route53" || *service == "sts") && seen.verdict != "UNKNOWN" {
            problems.push(format!(
                "{service} {fault}: verdict {} not UNKNOWN",
                seen.verdict
            ));
        }
    }
    write_readme(&table);
    assert!(problems.is_empty(), "\n{}\n\n{table}", problems.join("\n"));
}

const START: &str = "<!-- fault-matrix:start (written by tests/faults/main.rs) -->";
const END: &str = "<!-- fault-matrix:end -->";

/// Puts the table between the README's markers when it changed.
fn write_readme(table: &str) {
    let path = root().join("README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (Some(a), Some(b)) = (text.find(START), text.find(END)) else {
        panic!("README.md lacks the fault-matrix markers");
    };
    let new = format!("{}{START}\n{table}{}", &text[..a], &text[b..]);
    if new != text {
        std::fs::write(&path, new).unwrap();
        eprintln!("README.md: fault matrix updated");
    }
}
