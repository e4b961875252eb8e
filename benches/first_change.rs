//! Confirmation to the first mutating call, at a realistic round trip: the emulator's latency
//! fault adds 80 ms to every call (and every name server query), the demo's `shop` is planned
//! into maintenance (invert its health check, silence an alarm, invalidate the sorry page), and
//! `switch::execute` runs the confirmed plan. A watcher reads the emulator's call counter (calls
//! are counted when they arrive, before their latency) every half millisecond.
//!
//! Two mutating calls are timed: the journal's CREATE (ChangeResourceRecordSets: the first
//! mutating call, the record that makes the switch resumable), and the first change to the site
//! (UpdateHealthCheck). Each is given in ms and as a ratio to the 80 ms round trip, with the
//! calls made before it. Two ways are measured side by side:
//! - `fresh`: the plan confirmed at once (within `PLAN_STANDS_FOR`): the first change made on the
//!   plan's own values, with AWS's conditions;
//! - `read_again`: the same plan made older than `PLAN_STANDS_FOR`: the site is read again in
//!   full first, as every execution did before.
//!
//! `cargo bench --bench first_change` (env: FIRST_CHANGE_LATENCY_MS=80, FIRST_CHANGE_RUNS=3; the
//! median of the runs). Prints one JSON object.

use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};
use serde_json::json;
use switchyard::aws::client::{Clients, Target, clients};
use switchyard::aws::dns::Resolver;
use switchyard::aws::proxy::ProxySettings;
use switchyard::switch::{Direction, ExecuteOptions};
use switchyard_sim::{Control, FaultKind, FaultSpec, Scenario, SimHandle, SimOptions, start};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn clients_at(sim: &SimHandle) -> Clients {
    let region = sim.region().to_string();
    let target = Target {
        region: Some(region.clone()),
        endpoint_url: Some(sim.endpoint()),
        ..Target::default()
    };
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .http_client(ProxySettings::default().http_client().unwrap())
        .region(Region::new(region))
        .endpoint_url(sim.endpoint())
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            "bench", "bench", None, None, "bench",
        ))
        .load()
        .await;
    clients(&target, &sdk)
}

/// When a call matching `hit` first arrived, in ms after `t0`, and how many calls had arrived
/// before it.
#[derive(Clone, Copy, Debug, Default)]
struct Seen {
    ms: f64,
    calls_before: u64,
}

/// One execution: (the journal's CREATE, the first change to the site).
async fn run(stale: bool, latency: u64) -> (Seen, Seen) {
    let mut opts =
        SimOptions::new(Scenario::parse(include_str!("../assets/scenarios/demo.toml")).unwrap());
    opts.speed = 1.0;
    let sim = start(opts).await.unwrap();
    let c = clients_at(&sim).await;
    let config = switchyard::config::parse(
        include_str!("../assets/configs/demo.toml"),
        std::path::Path::new("assets/configs/demo.toml"),
    )
    .unwrap();
    let site = config.site("shop").unwrap().clone();
    let resolver = Resolver::Server(sim.dns_server());
    let mut plan = switchyard::switch::plan(&c, &resolver, &site, Direction::On, None)
        .await
        .unwrap();
    assert!(plan.nothing_to_do.is_none() && !plan.refused(), "{plan:?}");
    if stale {
        plan.made_at -= time::Duration::seconds(
            i64::try_from(switchyard::switch::engine::PLAN_STANDS_FOR.as_secs()).unwrap() + 60,
        );
    }
    sim.control(Control::Fault(FaultSpec {
        service: None,
        operation: None,
        kind: FaultKind::Latency { millis: latency },
        times: None,
        body_contains: None,
    }))
    .unwrap();
    sim.control(Control::ResetCalls).unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let t0 = Instant::now();
    let exec = tokio::spawn({
        let c = c.clone();
        let plan = plan.clone();
        async move {
            switchyard::switch::execute(&c, &resolver, &site, &plan, &ExecuteOptions::default(), tx)
                .await
        }
    });
    let (mut journal, mut change) = (None, None);
    while journal.is_none() || change.is_none() {
        let calls = sim.calls();
        let now = t0.elapsed().as_secs_f64() * 1000.0;
        if journal.is_none() && calls.mutating() >= 1 {
            journal = Some(Seen {
                ms: now,
                calls_before: calls.total() - 1,
            });
        }
        if change.is_none() && calls.get("route53", "UpdateHealthCheck") >= 1 {
            change = Some(Seen {
                ms: now,
                calls_before: calls.total() - 1,
            });
        }
        if t0.elapsed() > Duration::from_secs(60) {
            panic!("no mutating call within 60 s: {calls:?}");
        }
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
    let result = exec.await.unwrap();
    assert!(result.is_ok(), "{result:?}");
    sim.shutdown().await;
    (journal.unwrap_or_default(), change.unwrap_or_default())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let latency = env_num("FIRST_CHANGE_LATENCY_MS", 80);
    let runs = env_num("FIRST_CHANGE_RUNS", 3).max(1);
    let mut out = serde_json::Map::new();
    for (name, stale) in [("fresh", false), ("read_again", true)] {
        let mut seen = Vec::new();
        for _ in 0..runs {
            seen.push(run(stale, latency).await);
        }
        let ms =
            |pick: fn(&(Seen, Seen)) -> Seen| median(seen.iter().map(|s| pick(s).ms).collect());
        let before =
            |pick: fn(&(Seen, Seen)) -> Seen| seen.iter().map(|s| pick(s).calls_before).max();
        let journal_ms = ms(|s| s.0);
        let change_ms = ms(|s| s.1);
        out.insert(
            name.into(),
            json!({
                "first_mutating_call_ms": journal_ms,
                "first_mutating_call_ratio": journal_ms / latency as f64,
                "calls_before_first_mutating_call": before(|s| s.0),
                "first_site_change_ms": change_ms,
                "first_site_change_ratio": change_ms / latency as f64,
                "calls_before_first_site_change": before(|s| s.1),
            }),
        );
    }
    out.insert("latency_ms".into(), json!(latency));
    out.insert("runs".into(), json!(runs));
    out.insert("target_ratio".into(), json!(2.0));
    println!("{}", serde_json::Value::Object(out));
}
