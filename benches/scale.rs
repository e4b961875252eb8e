//! The console's poller at scale: `poll::poller::run` against the emulator's generated account
//! (200 sites, 400 health checks, 200 target groups by default) with Route 53 throttling on at
//! AWS's rates, one site focused, for a while. It records how old the focused site's per-region
//! detail and every health check's status get, and prints one JSON object (scripts/bench reads
//! it into BENCHMARKS.md).
//!
//! `cargo bench --bench scale` (env: SCALE_SITES=200, SCALE_ROUNDS=2, SCALE_SECONDS=420,
//! SCALE_FOCUS=site000): it stops once SCALE_ROUNDS full rounds have ended, or after
//! SCALE_SECONDS. Ages are sampled every 100 ms; only after the first full round has ended,
//! since before it there is no data to be old.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;
use switchyard::model::route53::HealthCheckStatus;
use switchyard::model::site::SiteObservations;
use switchyard::poll::poller::{Focus, PollUpdate, run};
use switchyard::poll::session::{Overrides, Session};
use switchyard_sim::{Control, SimOptions, scenario, start};
use time::OffsetDateTime;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn secs(d: time::Duration) -> f64 {
    d.as_seconds_f64()
}

/// The config a user would write for the generated account: every site, default intervals.
fn config_text(sites: usize, dns: std::net::SocketAddr) -> String {
    let mut s = format!("[defaults]\nregion = \"eu-west-1\"\ndns_server = \"{dns}\"\n");
    for i in 0..sites {
        s.push_str(&format!(
            "\n[[site]]\nname = \"site{i:03}\"\nzone = \"Z0GENERATED00\"\nrecord = \"site{i:03}.example.com\"\n"
        ));
    }
    s
}

/// Ages (seconds) of a site's health check statuses at `now`: since fetched, and for the
/// CloudWatch metric also since its datapoint. `detail_only` keeps the per-region (checker)
/// statuses only.
fn status_ages(o: &SiteObservations, now: OffsetDateTime, detail_only: bool) -> Vec<(f64, f64)> {
    o.health_checks
        .values()
        .filter_map(|h| {
            let at = h.status.fetched_at?;
            let fetched = secs(now - at);
            match h.status.value.as_ref()? {
                HealthCheckStatus::Checkers { .. } => Some((fetched, fetched)),
                HealthCheckStatus::Metric { at: point, .. } if !detail_only => {
                    Some((fetched, point.map_or(fetched, |p| secs(now - p))))
                }
                HealthCheckStatus::Metric { .. } => None,
            }
        })
        .collect()
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this as a quick smoke test of
    // a few sites (a debug build, in the test suite's time).
    let quick = !std::env::args().any(|a| a == "--bench");
    let sites = env_num("SCALE_SITES", if quick { 3 } else { 200 }) as usize;
    let seconds = env_num("SCALE_SECONDS", if quick { 60 } else { 420 });
    let rounds = env_num("SCALE_ROUNDS", if quick { 1 } else { 2 }) as usize;
    let focus_name = std::env::var("SCALE_FOCUS").unwrap_or_else(|_| "site000".into());

    let sim = start(SimOptions::new(scenario::generate(sites)))
        .await
        .unwrap();
    sim.control(Control::Throttling { enabled: true }).unwrap();
    // Route 53's answers from the emulator's name servers, as the product reads AWS's.
    switchyard::aws::nameservers::use_emulator(&sim.env_vars());
    let (checks, tgs) = sim.with_world(|w| (w.r53.health_checks.len(), w.elb.tgs.len()));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchyard.toml");
    std::fs::write(&path, config_text(sites, sim.dns_server())).unwrap();
    let config = switchyard::config::load(&path).unwrap();
    let focus_index = config
        .sites
        .iter()
        .position(|s| s.name == focus_name)
        .unwrap();
    let overrides = Overrides {
        endpoint_url: Some(sim.endpoint()),
        static_credentials: Some(("switchyard-sim".into(), "switchyard-sim".into())),
        ..Overrides::default()
    };
    let session = Session::start(config, &[], &overrides).await.unwrap();
    let stale_after = session.config.defaults.stale_after;
    sim.control(Control::ResetCalls).unwrap();

    let (focus_tx, focus_rx) = watch::channel(Focus {
        site: Some(focus_name.clone()),
        ..Focus::default()
    });
    let (tx, mut rx) = mpsc::channel(1024);
    let stop = CancellationToken::new();
    // The poller's future is not Send (as in the console): it runs beside the observer in
    // this task rather than spawned.
    let poller = run(session, focus_rx, tx, stop.clone());
    let observer = async {
        let started = Instant::now();
        let deadline = started + Duration::from_secs(seconds);
        let mut latest: BTreeMap<usize, SiteObservations> = BTreeMap::new();
        let mut full_rounds: Vec<f64> = Vec::new();
        let mut detail_rounds: Vec<f64> = Vec::new();
        let mut round_start: [Option<Instant>; 2] = [None, None];
        // ELBv2 calls the emulator served during each full round (the detail rounds' beside
        // it included): what ELBv2's budget, 10 a second per account and region, has to carry.
        let elbv2_calls = || -> u64 {
            sim.calls()
                .calls
                .iter()
                .filter(|(op, _)| op.starts_with("elbv2:"))
                .map(|(_, n)| n)
                .sum()
        };
        let mut elbv2_at_start = 0u64;
        let mut elbv2_per_round: Vec<u64> = Vec::new();
        let mut first_full_end: Option<f64> = None;
        let (mut max_focus, mut max_fetched, mut max_point) = (0.0f64, 0.0f64, 0.0f64);
        let (mut max_targets, mut max_listeners) = (0.0f64, 0.0f64);
        let (mut max_counts, mut max_counts_point) = (0.0f64, 0.0f64);
        let mut throttled_updates = 0usize;
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        while Instant::now() < deadline && full_rounds.len() < rounds {
            tokio::select! {
                update = rx.recv() => match update {
                    Some(PollUpdate::Site { index, observations }) => {
                        // A throttled fetch the user would see, in any update during the run.
                        let text = serde_json::to_string(&observations).unwrap_or_default();
                        if text.contains("\"kind\":\"throttled\"") {
                            throttled_updates += 1;
                        }
                        latest.insert(index, std::sync::Arc::unwrap_or_clone(observations));
                    }
                    // Full rounds and the focused site's detail rounds run side by side: each
                    // kind has its own start.
                    Some(PollUpdate::Round { started: true, detail }) => {
                        round_start[usize::from(detail)] = Some(Instant::now());
                        if !detail {
                            elbv2_at_start = elbv2_calls();
                        }
                    }
                    Some(PollUpdate::Round { started: false, detail }) => {
                        if let Some(t) = round_start[usize::from(detail)].take() {
                            let took = t.elapsed().as_secs_f64();
                            if detail {
                                detail_rounds.push(took);
                            } else {
                                full_rounds.push(took);
                                elbv2_per_round.push(elbv2_calls() - elbv2_at_start);
                            }
                        }
                        if !detail && first_full_end.is_none() {
                            first_full_end = Some(started.elapsed().as_secs_f64());
                        }
                    }
                    None => break,
                },
                _ = tick.tick() => {
                    if first_full_end.is_none() {
                        continue;
                    }
                    let now = OffsetDateTime::now_utc();
                    if let Some(o) = latest.get(&focus_index) {
                        // The oldest per-region status of the focused site's checks.
                        for (fetched, _) in status_ages(o, now, true) {
                            max_focus = max_focus.max(fetched);
                        }
                    }
                    for o in latest.values() {
                        for (fetched, point) in status_ages(o, now, false) {
                            max_fetched = max_fetched.max(fetched);
                            max_point = max_point.max(point);
                        }
                        // Read at their own cadence outside the detail: their true ages.
                        for at in o.target_health.values().filter_map(|f| f.fetched_at) {
                            max_targets = max_targets.max(secs(now - at));
                        }
                        for at in o.listeners.values().filter_map(|f| f.fetched_at) {
                            max_listeners = max_listeners.max(secs(now - at));
                        }
                        // The CloudWatch counts: when read, and their datapoint's minute.
                        for f in o.host_counts.values() {
                            if let Some(at) = f.fetched_at {
                                max_counts = max_counts.max(secs(now - at));
                            }
                            if let Some(c) = f.get() {
                                max_counts_point = max_counts_point.max(secs(now - c.minute));
                            }
                        }
                    }
                }
            }
        }
        stop.cancel();
        // The verdicts at the end, as status gives them (completeness applied).
        let now = OffsetDateTime::now_utc();
        let mut verdicts: BTreeMap<String, usize> = BTreeMap::new();
        for o in latest.values() {
            let v = switchyard::model::completeness::site_verdict(o, now, stale_after);
            *verdicts.entry(format!("{:?}", v.kind)).or_default() += 1;
        }
        json!({
            "verdicts_at_end": verdicts,
            "max_host_counts_read_age_s": max_counts,
            "max_host_counts_datapoint_age_s": max_counts_point,
            "ran_s": started.elapsed().as_secs_f64(),
            "first_full_round_end_s": first_full_end,
            "full_rounds_s": full_rounds,
            "elbv2_calls_per_full_round": elbv2_per_round,
            "detail_rounds_s": detail_rounds,
            "max_focused_detail_age_s": max_focus,
            "max_health_check_status_age_s": max_fetched,
            "max_health_check_datapoint_age_s": max_point,
            // A datapoint is stamped with the start of its minute and covers the whole minute:
            // what it says is as new as the minute's end.
            "max_health_check_datapoint_since_minute_end_s": (max_point - 60.0).max(0.0),
            "max_target_health_age_s": max_targets,
            "max_listeners_age_s": max_listeners,
            "site_updates_with_throttled_errors": throttled_updates,
        })
    };
    // The poller sees `stop` only between rounds; a round in flight is dropped with it.
    let mut out = tokio::select! {
        () = poller => json!({ "error": "the poller stopped by itself" }),
        out = observer => out,
    };
    let calls = sim.calls();
    drop(focus_tx); // kept until here: a dropped focus sender stops the poller
    let about = json!({
        "sites": sites,
        "health_checks": checks,
        "target_groups": tgs,
        "seconds": seconds,
        "focus": focus_name,
        "calls": calls,
    });
    if let (Some(out), Some(about)) = (out.as_object_mut(), about.as_object()) {
        out.extend(about.clone());
    }
    // Under `cargo test`, a check that runs: nothing to read in the test output.
    if !quick {
        println!("{out}");
    }
    sim.shutdown().await;
}
