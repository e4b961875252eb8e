//! Adversarial answers from AWS: names with control characters, wide characters and very long
//! values, 10,000 records, empty lists, and enum values no SDK knows. switchyard must answer with
//! a clear result, never a panic and never a garbled terminal.

use std::path::Path;
use std::process::Output;

use serde_json::Value;
use switchyard::sim::{Control, FaultSpec, SimHandle, SimOptions, start};

#[path = "support/binary.rs"]
mod binary;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

async fn sim(scenario: &str) -> SimHandle {
    let path = root().join(format!("assets/scenarios/{scenario}.toml"));
    let mut opts = SimOptions::new(switchyard::sim::Scenario::load(&path).unwrap());
    opts.paused = true;
    start(opts).await.unwrap()
}

async fn status(sim: &SimHandle, config: &str, extra: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let out = binary::switchyard(home.path(), &sim.env_vars())
        .args(["status", "--config", config])
        .args(extra)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    out
}

fn config(name: &str) -> String {
    root()
        .join(format!("assets/configs/{name}.toml"))
        .display()
        .to_string()
}

const EVIL: &str = "\u{1b}[2J\u{1b}[31mEVIL\u{7}\u{0}\u{9b}漢字🙂";

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn control_wide_and_long_names_stay_printable_and_inside_80_columns() {
    let sim = sim("alb-cloudfront").await;
    let long = format!("{EVIL}{}", "x".repeat(5000));
    sim.with_world(|w| {
        for hc in &mut w.r53.health_checks {
            hc.tags.retain(|(k, _)| k != "Name");
            hc.tags.push(("Name".to_string(), long.clone()));
        }
        for a in &mut w.cw.alarms {
            a.name = format!("{EVIL}-{}", a.name);
            a.description = Some(long.clone());
        }
    });
    let out = status(&sim, &config("alb-cloudfront"), &[]).await;
    let table = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{table}");
    for line in table.lines() {
        assert!(
            !line.chars().any(|c| c.is_control()),
            "a control character reached the terminal: {line:?}"
        );
        let cols = unicode_width::UnicodeWidthStr::width(line);
        assert!(cols <= 80, "{cols} columns: {line}");
    }
    assert!(
        table.contains("\u{fffd}[2J"),
        "the name is shown, made printable:\n{table}"
    );
    // JSON keeps the values, escaped as JSON does.
    let out = status(&sim, &config("alb-cloudfront"), &["--output", "json"]).await;
    let raw = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!raw.contains('\u{1b}'), "raw ESC in the JSON");
    let j = json(&out);
    let name = j["sites"][0]["health_checks"][0]["name"].as_str().unwrap();
    // XML cannot carry ESC or NUL: they arrive as U+FFFD; the rest arrives as it is.
    assert!(name.contains("EVIL") && name.contains("漢字🙂"), "{name:?}");
    assert_eq!(name.chars().count(), EVIL.chars().count() + 5000);
}

#[tokio::test]
async fn ten_thousand_records_are_paged_through() {
    let sim = sim("alb-cloudfront").await;
    let zone = sim.with_world(|w| {
        let z = &mut w.r53.zones[0];
        let template = z
            .records
            .iter()
            .find(|r| r.rtype == "A" && r.alias.is_none() && r.set_identifier.is_none())
            .or_else(|| z.records.iter().find(|r| r.rtype == "NS"))
            .cloned()
            .unwrap();
        for i in 0..10_000 {
            let mut r = template.clone();
            r.name = format!("host-{i:05}.{}", z.name);
            r.rtype = "A".to_string();
            r.alias = None;
            r.ttl = Some(300);
            r.values = vec![format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256)];
            z.records.push(r.clone());
            z.published.push(r);
        }
        // Route 53 keeps a zone in its listing order.
        z.records
            .sort_by_key(switchyard::sim::world::route53::record_order);
        z.published
            .sort_by_key(switchyard::sim::world::route53::record_order);
        z.id.clone()
    });
    let out = status(&sim, &config("alb-cloudfront"), &["--output", "json"]).await;
    let j = json(&out);
    assert_eq!(out.status.code(), Some(0), "{j:#}");
    let shop = &j["sites"][0];
    assert_eq!(shop["verdict"], "LIVE");
    assert_eq!(shop["records"].as_array().unwrap().len(), 2);
    assert!(!zone.is_empty());
}

#[tokio::test]
async fn a_record_that_does_not_exist_is_unknown_with_the_reason() {
    let sim = sim("alb-cloudfront").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    let text = std::fs::read_to_string(config("alb-cloudfront"))
        .unwrap()
        .replace(
            "record = \"www.example.com\"",
            "record = \"nothing-here.example.com\"",
        );
    std::fs::write(&path, text).unwrap();
    let out = status(&sim, path.to_str().unwrap(), &["--output", "json"]).await;
    let j = json(&out);
    let site = &j["sites"][0];
    assert_eq!(site["verdict"], "UNKNOWN", "{site:#}");
    assert_eq!(out.status.code(), Some(14));
    let reasons = site["reasons"].to_string();
    assert!(reasons.contains("nothing-here.example.com"), "{reasons}");
}

#[tokio::test]
async fn an_account_with_empty_lists_is_read_without_errors() {
    // No load balancers, no distributions, no alarms, no health checks.
    let sim = sim("dns-name-control").await;
    let out = status(&sim, &config("dns-name-control"), &["--output", "json"]).await;
    let j = json(&out);
    assert_eq!(out.status.code(), Some(0), "{j:#}");
    let s = &j["sites"][0];
    assert!(s["errors"].as_array().unwrap().is_empty());
    assert!(s["listeners"].as_array().unwrap().is_empty());
    assert!(s["alarms"].as_array().unwrap().is_empty());
}

fn rewrite(service: &str, from: &str, to: &str) -> Control {
    Control::Fault(
        serde_json::from_value::<FaultSpec>(serde_json::json!({
            "service": service, "fault": "rewrite", "from": from, "to": to,
        }))
        .unwrap(),
    )
}

#[tokio::test]
async fn enum_values_no_sdk_knows_are_shown_verbatim() {
    let sim = sim("alb-cloudfront").await;
    sim.control(rewrite(
        "elbv2",
        "<State>healthy</State>",
        "<State>hibernating</State>",
    ))
    .unwrap();
    sim.control(rewrite(
        "cloudfront",
        "<Status>Deployed</Status>",
        "<Status>Frozen</Status>",
    ))
    .unwrap();
    sim.control(rewrite(
        "route53",
        "<Type>HTTPS</Type>",
        "<Type>QUANTUM</Type>",
    ))
    .unwrap();
    let out = status(&sim, &config("alb-cloudfront"), &["--output", "json"]).await;
    let j = json(&out);
    let code = out.status.code().unwrap();
    assert!([0, 10, 11, 12, 13, 14].contains(&code), "{code}");
    let s = &j["sites"][0];
    let targets: Vec<&str> = s["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert!(targets.iter().all(|t| *t == "hibernating"), "{targets:?}");
    assert_eq!(s["distribution"]["status"], "Frozen", "{s:#}");
    assert_eq!(s["health_checks"][0]["kind"], "QUANTUM", "{s:#}");
    // The table says it too, within 80 columns.
    let out = status(&sim, &config("alb-cloudfront"), &[]).await;
    let table = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        table
            .lines()
            .all(|l| unicode_width::UnicodeWidthStr::width(l) <= 80),
        "{table}"
    );
}
