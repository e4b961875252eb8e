//! Issue 14, items 4 and 5 through the binary: a fail back never shows a false SWITCHING or
//! FAILED OVER (a lagging metric is not compared with the fresh DNS answer as if of the same
//! moment), and the switch has one ETA that counts down, on the wall clock at any emulator
//! speed, to the "clients see it by" time the switch states at the end.

use switchyard_sim::Control;

use super::recognised::{asset_config, asset_config_without_probes, fast, settles};
use super::support::*;

/// `HH:MM:SS` as seconds of the day.
fn secs_of(hms: &str) -> i64 {
    let p: Vec<i64> = hms.split(':').map(|x| x.parse().unwrap()).collect();
    p[0] * 3600 + p[1] * 60 + p[2]
}

/// `1m05s` / `7s` as seconds.
fn dur(s: &str) -> i64 {
    match s.split_once('m') {
        Some((m, rest)) => m.parse::<i64>().unwrap() * 60 + dur(rest.trim_end_matches('s')),
        None => s.trim_end_matches('s').parse().unwrap_or(0),
    }
}

/// From the CLI's verify lines: (printed at, ETA, clients see it by), in order.
fn countdown(out: &Out) -> Vec<(i64, i64, i64)> {
    out.stdout
        .lines()
        .chain(out.stderr.lines())
        .filter(|l| l.contains("] verify: "))
        .filter_map(|l| {
            let at = secs_of(&l[1..9]);
            let eta = l.split(", ETA ").nth(1)?.split(',').next()?;
            let by = l.split("clients see it by ").nth(1)?.get(..8)?;
            Some((at, dur(eta), secs_of(by)))
        })
        .collect()
}

/// The one ETA counts down: its remaining time never goes up, "clients see it by" never moves
/// on, each line's ETA ends at the time it states (to the second it was printed in), and the
/// switch's end states that same time.
fn counts_down_to_what_it_states(out: &Out) -> i64 {
    let lines = countdown(out);
    assert!(!lines.is_empty(), "no ETA in the verify lines:\n{out}");
    for w in lines.windows(2) {
        assert!(w[1].1 <= w[0].1, "the ETA went up: {w:?}\n{out}");
        assert!(w[1].2 <= w[0].2, "clients see it later: {w:?}\n{out}");
    }
    for (at, eta, by) in &lines {
        assert!(
            (at + eta - by).abs() <= 1,
            "ETA {eta} s at {at} does not end at {by}\n{out}"
        );
    }
    let last = lines.last().unwrap().2;
    let stated = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Clients see it by "))
        .unwrap_or_else(|| panic!("the end does not say when clients see it:\n{out}"));
    assert_eq!(secs_of(&stated[..8]), last, "{out}");
    assert!(stated.contains("start work (or announce it) then"), "{out}");
    last
}

/// A fail back at 10 times real time: the ETA counts down in wall-clock seconds (a tenth of
/// the AWS seconds it adds up), and from the end of the switch, the site's status looked at
/// every other second of emulator time (the clock paused between looks) until clients see it and the
/// metric's lag has passed: never SWITCHING, never FAILED OVER.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fail_back_at_speed_10_counts_down_and_is_never_falsely_switching() {
    let env = Env::start_with_config(
        "alb-cloudfront",
        &fast(&asset_config_without_probes("alb-cloudfront")),
        10.0,
    )
    .await;
    settles(&env, "shop", "LIVE", "before").await;
    let args = ["--wait", "--timeout", "50s"];
    let on = env.switch("on", "shop", &args).await;
    assert_eq!(on.code, 0, "{on}");
    counts_down_to_what_it_states(&on);
    settles(&env, "shop", "MAINTENANCE", "in maintenance").await;
    let off = env.switch("off", "shop", &args).await;
    assert_eq!(off.code, 0, "{off}");
    let by = counts_down_to_what_it_states(&off);
    // A fail back from the CloudFront sorry page: its cached error page counts too.
    assert!(off.stdout.contains("error caching"), "{off}");
    // At speed 10, the 60 s DNS TTL and 10 s error caching are 7 wall seconds (stated to the
    // second, rounded up, from a line printed within its second).
    let (at, _, _) = *countdown(&off).last().unwrap();
    assert!(by - at <= 8, "{off}");

    // Every other emulator second from here (each look is a whole `status` process: every
    // second would take the test past the suite's time limit on a loaded machine), for longer
    // than the metric lags (2 min) and the clients' caches last (70 s).
    env.sim.control(Control::PauseClock).unwrap();
    let mut seen = Vec::new();
    for second in (0..130).step_by(2) {
        let out = env.run(&["status", "--output", "json"]).await;
        let report: serde_json::Value =
            serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"));
        let shop = report["sites"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "shop")
            .unwrap()
            .clone();
        let verdict = shop["verdict"].as_str().unwrap().to_string();
        assert!(
            verdict != "SWITCHING" && verdict != "FAILED OVER",
            "{second} s after the fail back: {verdict}\n{}",
            serde_json::to_string_pretty(&shop).unwrap()
        );
        assert_eq!(verdict, "LIVE", "{second} s after: {shop}");
        if let Some(hc) = shop["health_checks"].as_array().and_then(|h| h.first()) {
            seen.push(hc["status_source"].clone());
        }
        env.sim
            .control(Control::AdvanceClock { seconds: 2.0 })
            .unwrap();
    }
    // The overview's source is the metric, with its age.
    assert!(seen.iter().all(|s| s == "cloudwatch_metric"), "{seen:?}");
}

/// At real speed, a listener switch (no health check to wait for): the countdown is the NLB
/// alias's 60 s TTL, in wall-clock seconds, and the end states when clients see it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_speed_1_the_countdown_is_in_wall_clock_seconds() {
    let env = Env::start_with_config("nlb-sorry", &fast(&asset_config("nlb-sorry")), 1.0).await;
    settles(&env, "pay", "LIVE", "before").await;
    let on = env
        .switch_past_unchecked("on", "pay", &["--wait", "--timeout", "30s"])
        .await;
    assert_eq!(on.code, 0, "{on}");
    let by = counts_down_to_what_it_states(&on);
    let (at, eta, _) = countdown(&on)[0];
    // 60 AWS seconds of TTL are 60 wall seconds at speed 1.
    assert!(eta >= 58, "{on}");
    assert!(by - at >= 58, "{on}");
}
