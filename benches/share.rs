//! Consoles sharing one poller (issue 18, goal 6): the AWS API calls that N `status --watch`
//! processes of one user make against one account, when they share one poller (the default: the
//! first offers it, the others join) and when each polls alone (`--no-share`), for N = 1 to 5.
//! Each count is taken over the same number of the first process's rounds (its reports), after
//! every process has printed its first report: a count of calls, not a time.
//!
//! `cargo bench --bench share` prints one JSON object (env: SHARE_SITES=20 sites of the
//! emulator's generated account; SHARE_THROTTLING=1: throttling on at AWS's rates, 0 off;
//! SHARE_ROUNDS=5; SHARE_MAX=5 processes; every site polled every 2 s). Run by `cargo test --benches` (without
//! `--bench`), it counts 3 sites, 2 rounds, 1 and 2 processes, as a smoke test.
//!
//! `calls` leaves out STS's GetCallerIdentity (read once by each process, to key and check the
//! sharing: it has no budget of switchyard's); `route53` is the part that draws on Route 53's
//! account-wide budget; `throttled` counts the calls the emulator refused for the rate.

use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use switchyard_sim::{Control, SimHandle, SimOptions, scenario, start};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The config a user would write for the generated account, every site polled every 2 s.
fn config_text(sites: usize, dns: std::net::SocketAddr) -> String {
    let mut s = format!(
        "[defaults]\nregion = \"eu-west-1\"\ndns_server = \"{dns}\"\npoll_interval = \"2s\"\nstale_after = \"30s\"\n"
    );
    for i in 0..sites {
        s.push_str(&format!(
            "\n[[site]]\nname = \"site{i:03}\"\nzone = \"Z0GENERATED00\"\nrecord = \"site{i:03}.example.com\"\n"
        ));
    }
    s
}

/// A `status --watch --output json` process (killed on drop) and its reports.
struct Watch {
    _child: tokio::process::Child,
    reports: mpsc::Receiver<Value>,
    _home: tempfile::TempDir,
}

impl Watch {
    fn start(sim: &SimHandle, run: &std::path::Path, config: &str, alone: bool) -> Watch {
        let home = tempfile::tempdir().unwrap();
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchyard"));
        for (k, _) in std::env::vars() {
            if k.starts_with("AWS_") || k.to_ascii_lowercase().ends_with("_proxy") {
                cmd.env_remove(k);
            }
        }
        cmd.env("HOME", home.path())
            .env("XDG_STATE_HOME", home.path().join("state"))
            .env("XDG_RUNTIME_DIR", run)
            .envs(sim.env_vars())
            .args(["--log-file"])
            .arg(home.path().join("switchyard.log"))
            .args(["status", "--watch", "--output", "json", "--config", config])
            .args(if alone { &["--no-share"][..] } else { &[][..] })
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, reports) = mpsc::channel(1024);
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(l)) = lines.next_line().await {
                if let Ok(v) = serde_json::from_str::<Value>(&l) {
                    // A process whose reports nobody reads any more is drained all the same.
                    let _ = tx.try_send(v);
                }
            }
        });
        Watch {
            _child: child,
            reports,
            _home: home,
        }
    }

    async fn report(&mut self) -> Value {
        tokio::time::timeout(Duration::from_secs(120), self.reports.recv())
            .await
            .expect("no report within 120 s")
            .expect("the process ended")
    }
}

/// The calls of `n` processes over `rounds` of the first one's reports.
async fn count(sim: &SimHandle, config: &str, n: usize, rounds: usize, alone: bool) -> Value {
    let run = tempfile::tempdir().unwrap();
    std::fs::set_permissions(run.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let mut procs = Vec::new();
    let mut roles = Vec::new();
    for _ in 0..n {
        let mut w = Watch::start(sim, run.path(), config, alone);
        let first = w.report().await;
        roles.push(first["poller"]["role"].as_str().unwrap_or("?").to_string());
        procs.push(w);
    }
    // The first process reported while the others started: its reports so far are dropped,
    // and the count starts at the end of a round (its next report), so that it covers `rounds`
    // rounds made with every process running.
    for p in &mut procs {
        while p.reports.try_recv().is_ok() {}
    }
    procs[0].report().await;
    sim.control(Control::ResetCalls).unwrap();
    for _ in 0..rounds {
        procs[0].report().await;
    }
    let calls = sim.calls();
    let budgeted: u64 = calls
        .calls
        .iter()
        .filter(|(k, _)| !k.starts_with("sts:"))
        .map(|(_, v)| *v)
        .sum();
    let route53: u64 = calls
        .calls
        .iter()
        .filter(|(k, _)| k.starts_with("route53:"))
        .map(|(_, v)| *v)
        .sum();
    let throttled: u64 = calls.errors.values().sum();
    drop(procs);
    json!({
        "calls": budgeted,
        "route53": route53,
        "throttled": throttled,
        "roles": roles,
    })
}

#[tokio::main]
async fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let sites = env_num("SHARE_SITES", if quick { 3 } else { 20 }) as usize;
    let rounds = env_num("SHARE_ROUNDS", if quick { 2 } else { 5 }) as usize;
    let max = env_num("SHARE_MAX", if quick { 2 } else { 5 }) as usize;
    let sim = start(SimOptions::new(scenario::generate(sites)))
        .await
        .unwrap();
    // AWS's rates by default; SHARE_THROTTLING=0 counts what each process would call unhindered.
    let throttling = env_num("SHARE_THROTTLING", 1) != 0;
    sim.control(Control::Throttling {
        enabled: throttling,
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchyard.toml");
    std::fs::write(&path, config_text(sites, sim.dns_server())).unwrap();
    let config = path.display().to_string();
    let mut rows = Vec::new();
    for n in 1..=max {
        let shared = count(&sim, &config, n, rounds, false).await;
        let alone = count(&sim, &config, n, rounds, true).await;
        let ratio = alone["calls"].as_f64().unwrap_or(0.0)
            / shared["calls"].as_f64().unwrap_or(1.0).max(1.0);
        if !quick {
            eprintln!(
                "{n} process(es): sharing {} calls ({} Route 53), alone {} calls ({} Route 53)",
                shared["calls"], shared["route53"], alone["calls"], alone["route53"]
            );
        }
        // One leader and n - 1 joiners when sharing; everyone alone with --no-share.
        assert_eq!(
            shared["roles"]
                .as_array()
                .map(|r| r.iter().filter(|x| *x == "leader").count()),
            Some(1),
            "{shared}"
        );
        rows.push(json!({ "processes": n, "shared": shared, "alone": alone, "alone_over_shared": (ratio * 100.0).round() / 100.0 }));
    }
    let out = json!({
        "what": "API calls of N status --watch processes on one account, sharing one poller and each polling alone",
        "sites": sites,
        "rounds": rounds,
        "poll_interval_seconds": 2,
        "route53_throttling": throttling,
        "rows": rows,
    });
    if quick {
        return;
    }
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
}
