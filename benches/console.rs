//! The console's own costs, measured in-process (`scripts/bench console` adds the costs seen from
//! outside: first frame, idle CPU, peak RSS, binary size):
//!
//! - drawing the overview of 200 sites (real observations, read by the real poller from the
//!   emulator's generated account) into a 200x60 and an 80x24 buffer, per frame;
//! - the once-a-second tick of an idle console at 200 sites between two rounds of the poller:
//!   only what time can change is judged again (a site's verdict and what was not read hold
//!   until something goes stale or a text says an age), and apart, a round's arrival: every
//!   site judged again; costs the idle CPU figure includes;
//! - from the operator's confirmation to the first mutating AWS call (`engine::execute` on a
//!   confirmed plan until the emulator has counted the journal's CREATE).
//!
//! `cargo bench --bench console` prints one JSON object. Medians over many runs; the machine is
//! shared, so the figures are for ratios against the targets, not absolutes. Run by `cargo test`
//! (without `--bench`), it measures a few sites, frames and switches, and prints nothing.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use switchyard::poll::poller::PollUpdate;
use switchyard::poll::round::Depth;
use switchyard::poll::session::{Overrides, Session};
use switchyard::switch::engine::{self, ExecuteOptions};
use switchyard::switch::plan::Direction;
use switchyard::tui::app::{App, Msg, update};
use switchyard::tui::theme::Theme;
use switchyard_sim::{SimHandle, SimOptions, scenario, start};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn p95(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[(v.len() * 95 / 100).min(v.len() - 1)]
}

fn overrides(sim: &SimHandle) -> Overrides {
    Overrides {
        endpoint_url: Some(sim.endpoint()),
        static_credentials: Some(("bench".into(), "bench".into())),
        ..Overrides::default()
    }
}

/// How much each measurement does: the real figures, or a quick check under `cargo test`.
#[derive(Clone, Copy)]
struct Size {
    sites: usize,
    warm_up: usize,
    frames: usize,
    switches: usize,
}

const FULL: Size = Size {
    sites: 200,
    warm_up: 20,
    frames: 300,
    switches: 10,
};

const QUICK: Size = Size {
    sites: 3,
    warm_up: 1,
    frames: 3,
    switches: 2,
};

async fn render_overview(size: Size) -> serde_json::Value {
    let sites = size.sites;
    let sim = start(SimOptions::new(scenario::generate(sites)))
        .await
        .unwrap();
    let mut text = format!(
        "[defaults]\nregion = \"eu-west-1\"\ndns_server = \"{}\"\n",
        sim.dns_server()
    );
    for i in 0..sites {
        text.push_str(&format!(
            "\n[[site]]\nname = \"site{i:03}\"\nzone = \"Z0GENERATED00\"\nrecord = \"site{i:03}.example.com\"\n"
        ));
    }
    let config = switchyard::config::parse(&text, std::path::Path::new("bench.toml")).unwrap();
    let mut session = Session::start(config, &[], &overrides(&sim)).await.unwrap();
    session.refresh(&|_| Depth::Overview).await;
    let now = time::OffsetDateTime::now_utc();
    let mut app = App::new(
        session
            .observations
            .iter()
            .map(|o| (o.clone(), false))
            .collect(),
        session.config.defaults.stale_after,
        now,
        true,
        Theme::new(false, false),
    );
    // A round of the poller: every site's observations delivered (and judged) at `at`.
    // The poller's own copies are made in the poller; here, before the clock starts.
    let updates = || -> Vec<Msg> {
        session
            .observations
            .iter()
            .enumerate()
            .map(|(index, o)| {
                Msg::Poll(PollUpdate::Site {
                    index,
                    observations: std::sync::Arc::new(o.clone()),
                })
            })
            .collect()
    };
    let round = |app: &mut App, at: time::OffsetDateTime, updates: Vec<Msg>| {
        update(app, Msg::Tick(at));
        for u in updates {
            update(app, u);
        }
    };
    round(&mut app, now, updates());
    let mut out = serde_json::Map::new();
    let mut round_ms = Vec::new();
    for (w, h) in [(200u16, 60u16), (80, 24)] {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        // Warm up, then time single frames.
        for _ in 0..size.warm_up {
            term.draw(|f| switchyard::tui::views::render(f, &app))
                .unwrap();
        }
        let mut ms = Vec::new();
        let mut tick_ms = Vec::new();
        for i in 0..size.frames {
            // The seconds of an idle console between two rounds of the poller (15 s apart):
            // each a tick (what time changed is judged again, timed apart from the drawing),
            // then a frame. Every 14 ticks, the next round arrives (timed apart: every site
            // judged again, once a round).
            let second = i % 14;
            if second == 0 && i > 0 {
                let next = updates();
                let t = Instant::now();
                round(&mut app, now, next);
                round_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            let t = Instant::now();
            update(
                &mut app,
                Msg::Tick(now + time::Duration::seconds(second as i64 + 1)),
            );
            tick_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            term.draw(|f| switchyard::tui::views::render(f, &app))
                .unwrap();
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        out.insert(
            format!("overview_{w}x{h}_ms"),
            json!({"median": median(ms.clone()), "p95": p95(ms), "frames": size.frames}),
        );
        out.insert(
            "tick_ms".to_string(),
            json!({"median": median(tick_ms.clone()), "p95": p95(tick_ms), "ticks": size.frames}),
        );
    }
    if !round_ms.is_empty() {
        let rounds = round_ms.len();
        out.insert(
            "round_ms".to_string(),
            json!({"median": median(round_ms.clone()), "p95": p95(round_ms), "rounds": rounds}),
        );
    }
    sim.shutdown().await;
    json!({"sites": sites, "render": out})
}

async fn confirm_to_first_mutation(size: Size) -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios/demo.toml");
    let mut opts = SimOptions::new(switchyard_sim::Scenario::load(&path).unwrap());
    opts.speed = 60.0;
    let sim = start(opts).await.unwrap();
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/configs/demo.toml"),
    )
    .unwrap();
    let mut config =
        switchyard::config::parse(&text, std::path::Path::new("assets/configs/demo.toml")).unwrap();
    config.defaults.dns_server = Some(sim.dns_server());
    let session = Session::start(config, &[], &overrides(&sim)).await.unwrap();
    let site = session.config.site("pay").unwrap().clone();
    let clients = session.groups[0].fetcher.clients.clone();
    let mutating = |sim: &SimHandle| {
        sim.calls()
            .calls
            .iter()
            .filter(|(k, _)| {
                k.contains("ChangeResourceRecordSets")
                    || k.contains("ModifyListener")
                    || k.contains("UpdateHealthCheck")
            })
            .map(|(_, n)| *n)
            .sum::<u64>()
    };
    let mut ms = Vec::new();
    for round in 0..size.switches {
        let direction = if round % 2 == 0 {
            Direction::On
        } else {
            Direction::Off
        };
        let plan = engine::plan(&clients, &session.resolver, &site, direction, None)
            .await
            .unwrap();
        let before = mutating(&sim);
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        // The demo's pay site serves its sorry page from a target group no listener uses yet:
        // AWS does not health-check its targets, so that preflight check cannot be made, and the
        // operator confirms past it (as `--force` does). What is timed starts after that.
        let opts = ExecuteOptions {
            force: true,
            ..ExecuteOptions::default()
        };
        let t = Instant::now();
        let finished = std::sync::atomic::AtomicBool::new(false);
        let run = async {
            let result =
                engine::execute(&clients, &session.resolver, &site, &plan, &opts, tx).await;
            finished.store(true, std::sync::atomic::Ordering::SeqCst);
            result
        };
        // Stops when the switch ends too: a switch that fails before its first change must fail
        // the bench, not keep it waiting for a call that never comes.
        let watch = async {
            while mutating(&sim) == before {
                if finished.load(std::sync::atomic::Ordering::SeqCst) {
                    return None;
                }
                tokio::time::sleep(Duration::from_micros(200)).await;
            }
            Some(t.elapsed())
        };
        let (result, first) = tokio::join!(run, watch);
        if let Err(e) = result {
            panic!("maintenance {direction:?} of pay failed: {e}");
        }
        let Some(first) = first else {
            panic!("maintenance {direction:?} of pay made no mutating call");
        };
        ms.push(first.as_secs_f64() * 1000.0);
    }
    sim.shutdown().await;
    json!({"confirm_to_first_mutation_ms": {"median": median(ms.clone()), "p95": p95(ms), "runs": size.switches}})
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs the same code on a few
    // sites, frames and switches, as a check, and prints nothing.
    let full = std::env::args().any(|a| a == "--bench");
    let size = if full { FULL } else { QUICK };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let render = rt.block_on(render_overview(size));
    let confirm = rt.block_on(confirm_to_first_mutation(size));
    if full {
        println!("{}", json!({"render": render, "confirm": confirm}));
    }
}
