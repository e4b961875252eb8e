//! Config validation at scale: the time to parse and validate a config of N sites, for N from
//! 1,000 to 50,000, and the time per site at each size. Validation is linear when the time per
//! site stays flat: the ratio of the largest size's time per site to the smallest's is printed
//! (1.0 is perfectly linear; the quadratic duplicate checks of an earlier version gave about 9
//! at 20,000 sites against 2,500).
//!
//! `cargo bench --bench config` prints one JSON object. Run once by `cargo test --bench config`
//! (scripts/test), it uses small sizes as a smoke test. It measures parsing and validation
//! only: not reading the file (the same for any config of that size), not AWS.

use std::path::Path;
use std::time::Instant;

/// A config a user would write for `n` sites of one zone, each with a strategy.
fn config_text(n: usize) -> String {
    let mut s = String::from("[defaults]\nregion = \"eu-west-1\"\n");
    for i in 0..n {
        s.push_str(&format!(
            "\n[[site]]\nname = \"site{i:05}\"\nzone = \"Z0GENERATED00\"\nrecord = \"site{i:05}.example.com\"\n\
             [[site.maintenance]]\nstrategy = \"route53-invert-health-check\"\n"
        ));
    }
    s
}

/// The fastest of `runs` parses of `text`, in seconds.
fn best_of(runs: usize, text: &str) -> f64 {
    (0..runs)
        .map(|_| {
            let t0 = Instant::now();
            let c = switchyard::config::parse(text, Path::new("bench.toml"));
            let took = t0.elapsed().as_secs_f64();
            assert!(c.is_ok(), "the generated config is valid");
            took
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if full {
        &[1_000, 5_000, 20_000, 50_000]
    } else {
        &[200, 2_000]
    };
    let mut rows = Vec::new();
    for &n in sizes {
        let text = config_text(n);
        let secs = best_of(if full { 3 } else { 1 }, &text);
        rows.push(serde_json::json!({
            "sites": n,
            "bytes": text.len(),
            "seconds": secs,
            "microseconds_per_site": secs * 1e6 / n as f64,
        }));
    }
    let per = |r: &serde_json::Value| r["microseconds_per_site"].as_f64().unwrap_or(f64::NAN);
    let ratio = match (rows.first(), rows.last()) {
        (Some(a), Some(b)) => per(b) / per(a),
        _ => f64::NAN,
    };
    println!(
        "{}",
        serde_json::json!({
            "bench": "config",
            "sizes": rows,
            "per_site_ratio_largest_to_smallest": ratio,
        })
    );
}
