//! switchyard's reads of one site, warm and in process, for the like-with-like comparison with a
//! boto3 sweep in one Python process (`scripts/bench_sweep.py --warm`): the same emulator, the
//! same latency, clients made before the clock starts.
//!
//! Run by `scripts/bench` against an emulator it started (`switchyard sim`), with the
//! environment a user would have (`AWS_ENDPOINT_URL`, credentials, `SWITCHYARD_DNS_SERVER`):
//!
//! `WARM_CONFIG=assets/configs/alb-cloudfront.toml WARM_SITE=shop WARM_ROUNDS=15 cargo bench --bench warm`
//!
//! Each round makes a new session (clients, an empty snapshot: nothing known from an earlier
//! round) before the clock starts, then times one refresh of the site in detail, as
//! `switchyard status --site` reads it. It prints one JSON object: the seconds of each round and
//! the verdict of the last. Under `cargo test --all-targets` (no `--bench`) it only checks that
//! it runs: one round against an emulator of its own.

use std::time::Instant;

use serde_json::json;
use switchyard::poll::round::Depth;
use switchyard::poll::session::{Overrides, Session};
use time::OffsetDateTime;

#[tokio::main]
async fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let rounds: usize = std::env::var("WARM_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 1 } else { 15 });
    let site = std::env::var("WARM_SITE").unwrap_or_else(|_| "shop".into());
    let config_path = std::env::var("WARM_CONFIG")
        .unwrap_or_else(|_| "assets/configs/alb-cloudfront.toml".into());
    // Without an emulator named by the environment (the smoke test), start one in process.
    let own = if std::env::var_os("AWS_ENDPOINT_URL").is_none() {
        let sim = switchyard_sim::start(switchyard_sim::SimOptions::new(
            switchyard_sim::Scenario::load(std::path::Path::new(
                "assets/scenarios/alb-cloudfront.toml",
            ))
            .unwrap(),
        ))
        .await
        .unwrap();
        Some(sim)
    } else {
        None
    };
    let overrides = match &own {
        Some(sim) => Overrides {
            endpoint_url: Some(sim.endpoint()),
            static_credentials: Some(("switchyard-sim".into(), "switchyard-sim".into())),
            ..Overrides::default()
        },
        None => Overrides::default(),
    };
    let mut seconds = Vec::with_capacity(rounds + 1);
    let mut last = None;
    // One more round than asked, the first a warm-up (TLS and resolver set-up, page cache).
    for _ in 0..=rounds {
        let mut config = switchyard::config::load(std::path::Path::new(&config_path)).unwrap();
        if let Some(sim) = &own {
            config.defaults.dns_server = Some(sim.dns_server());
        }
        let stale_after = config.defaults.stale_after;
        let mut session = Session::start(config, std::slice::from_ref(&site), &overrides)
            .await
            .unwrap();
        let t = Instant::now();
        session.refresh(&|_| Depth::Detail).await;
        seconds.push(t.elapsed().as_secs_f64());
        let i = session.watched()[0];
        let o = &session.observations[i];
        let now = OffsetDateTime::now_utc();
        let v = switchyard::model::completeness::site_verdict(o, now, stale_after);
        last = Some(json!({
            "verdict": format!("{:?}", v.kind),
            "complete": switchyard::model::completeness::completeness(o, now, stale_after).complete,
            "errors": switchyard::model::completeness::unread_lines(o),
        }));
    }
    let out = json!({ "seconds": &seconds[1..], "last": last });
    if quick {
        assert_eq!(seconds.len(), rounds + 1);
    } else {
        println!("{out}");
    }
}
