//! Adversarial answers from AWS: names with control characters, wide characters and very long
//! values, 10,000 records, empty lists, and enum values no SDK knows. switchyard must answer with
//! a clear result, never a panic and never a garbled terminal.

use std::path::Path;
use std::process::Output;

use serde_json::Value;
use switchyard_sim::{Control, FaultSpec, SimHandle, SimOptions, start};

#[path = "support/binary.rs"]
mod binary;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

async fn sim(scenario: &str) -> SimHandle {
    let path = root().join(format!("assets/scenarios/{scenario}.toml"));
    let mut opts = SimOptions::new(switchyard_sim::Scenario::load(&path).unwrap());
    opts.paused = true;
    start(opts).await.unwrap()
}

async fn status(sim: &SimHandle, config: &str, extra: &[&str]) -> Output {
    let args: Vec<&str> = ["status", "--config", config]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    run(sim, &args).await
}

async fn run(sim: &SimHandle, args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    // The table as an 80-column terminal gets it (into a pipe it is not cut without COLUMNS).
    let out = binary::switchyard(home.path(), &sim.env_vars())
        .env("COLUMNS", "80")
        .args(args)
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

/// Each site's verdict and record sets, as `status --output json` shows them.
fn sites(j: &Value) -> Vec<(String, Value, Value)> {
    j["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["verdict"].clone(),
                s["records"].clone(),
            )
        })
        .collect()
}

fn list_calls(sim: &SimHandle) -> u64 {
    sim.calls()
        .calls
        .get("route53:ListResourceRecordSets")
        .copied()
        .unwrap_or_default()
}

#[tokio::test]
async fn ten_thousand_records_are_paged_through() {
    // The demo has six sites in one zone: the poller lists the zone whole, 300 record sets a
    // page as Route 53 does, rather than asking for each site's name.
    let sim = sim("demo").await;
    let config = config("demo");
    let before = status(&sim, &config, &["--output", "json"]).await;
    let expected = sites(&json(&before));
    let discover = [
        "discover",
        "--zone",
        "example.com",
        "--record",
        "pay.example.com",
    ];
    let discovered = run(&sim, &discover).await;
    assert_eq!(discovered.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&discovered.stdout).contains("record = \"pay.example.com\""),
        "{discovered:?}"
    );
    // 10,000 record sets that Route 53 lists after db.example.com and before pay, portal and
    // www: those three sites' records are then on the 34th page.
    let zone_size = sim.with_world(|w| {
        let z = &mut w.r53.zones[0];
        let template = z
            .records
            .iter()
            .find(|r| r.rtype == "A" && r.alias.is_none() && r.set_identifier.is_none())
            .cloned()
            .unwrap();
        for i in 0..10_000 {
            let mut r = template.clone();
            r.name = format!("host-{i:05}.{}", z.name);
            r.ttl = Some(300);
            r.values = vec![format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256)];
            z.records.push(r.clone());
            z.published.push(r);
        }
        // Route 53 keeps a zone in its listing order.
        z.records
            .sort_by_key(switchyard_sim::world::route53::record_order);
        z.published
            .sort_by_key(switchyard_sim::world::route53::record_order);
        let first_page = &z.records[..300];
        for late in ["pay", "portal", "www"] {
            let name = format!("{late}.{}", z.name);
            assert!(
                !first_page.iter().any(|r| r.name == name),
                "{name} is on the first page"
            );
        }
        z.records.len() as u64
    });
    let calls_before = list_calls(&sim);
    let out = status(&sim, &config, &["--output", "json"]).await;
    let j = json(&out);
    // What the operator sees is what they saw before the 10,000 records: every site found,
    // with the same verdict and the same record sets; the demo's blog is DEGRADED by design.
    assert_eq!(out.status.code(), Some(10), "{j:#}");
    assert_eq!(out.status.code(), before.status.code());
    for s in j["sites"].as_array().unwrap() {
        assert!(
            s["errors"].as_array().unwrap().is_empty(),
            "{}: {}",
            s["name"],
            s["errors"]
        );
    }
    let got = sites(&j);
    assert_eq!(got.len(), 6);
    for ((name, verdict, records), (_, want_verdict, want_records)) in got.iter().zip(&expected) {
        assert_eq!(verdict, want_verdict, "{name}");
        assert_eq!(records, want_records, "{name}");
        assert!(
            !records.as_array().unwrap().is_empty(),
            "{name}: no record sets"
        );
        assert_ne!(verdict, "UNKNOWN", "{name}");
    }
    let shop = &j["sites"][0];
    assert_eq!(shop["name"], "shop");
    assert_eq!(shop["verdict"], "LIVE");
    assert_eq!(shop["records"].as_array().unwrap().len(), 2);
    // discover finds a record that lists after the 10,000 as it did before them.
    let again = run(&sim, &discover).await;
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        String::from_utf8_lossy(&discovered.stdout)
    );
    // And the zone was read through its pages, not by name.
    let pages = list_calls(&sim) - calls_before;
    assert!(
        pages >= zone_size.div_ceil(300),
        "{pages} ListResourceRecordSets calls for {zone_size} record sets"
    );
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
    // States no version of switchyard knew: not known to be healthy, so not LIVE. The primary
    // still answers (its health check is healthy to Route 53): DEGRADED, with the reasons.
    let s = &j["sites"][0];
    assert_eq!(out.status.code(), Some(10), "{s:#}");
    assert_eq!(s["verdict"], "DEGRADED", "{s:#}");
    assert_eq!(s["served"], "primary", "{s:#}");
    let reasons: Vec<&str> = s["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    for word in [
        "hibernating, a state switchyard does not know",
        "Frozen, a status",
    ] {
        assert!(
            reasons.iter().any(|r| r.contains(word)),
            "{word}: {reasons:#?}"
        );
    }
    let targets: Vec<&str> = s["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["hibernating", "hibernating"]);
    assert_eq!(s["distribution"]["status"], "Frozen", "{s:#}");
    assert_eq!(s["health_checks"][0]["kind"], "QUANTUM", "{s:#}");
    // The table says it too, within 80 columns.
    let out = status(&sim, &config("alb-cloudfront"), &[]).await;
    let table = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(10), "{table}");
    assert!(
        table.contains("DEGRADED") && table.contains("hibernating"),
        "{table}"
    );
    assert!(
        table
            .lines()
            .all(|l| unicode_width::UnicodeWidthStr::width(l) <= 80),
        "{table}"
    );
}

/// Control characters in AWS answers (a health check's Name tag, an alarm's description) and in
/// a journal's reason reach no terminal through the command line: `plan`, `maintenance`, `wait`,
/// `log`, `doctor` and `discover` show them as `�`, and still show the rest of the text.
#[tokio::test]
async fn no_command_prints_a_control_character_from_aws_or_a_journal() {
    // A reason given on the command line cannot hold NUL; everything else of EVIL it can.
    const REASON: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31mkernel update";
    let sim = sim("demo").await;
    sim.with_world(|w| {
        for hc in &mut w.r53.health_checks {
            hc.tags.retain(|(k, _)| k != "Name");
            hc.tags.push(("Name".to_string(), format!("{EVIL}-check")));
        }
        for a in &mut w.cw.alarms {
            a.description = Some(format!("{EVIL}-alarm"));
        }
    });
    let config = config("demo");
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl").display().to_string();
    let c = ["--config", config.as_str(), "--audit-log", audit.as_str()];
    let runs: Vec<Vec<&str>> = vec![
        vec!["plan", "on", "--site", "shop"],
        vec![
            "maintenance",
            "on",
            "--site",
            "shop",
            "--yes",
            "--force",
            "--reason",
            REASON,
        ],
        vec![
            "wait",
            "--site",
            "shop",
            "--for",
            "maintenance",
            "--timeout",
            "2s",
        ],
        vec!["log", "--site", "shop"],
        vec!["plan", "off", "--site", "shop"],
        vec!["doctor"],
        vec![
            "discover",
            "--zone",
            "example.com",
            "--record",
            "www.example.com",
        ],
    ];
    let mut seen_reason = false;
    for args in runs {
        let all: Vec<&str> = args.iter().copied().chain(c).collect();
        let out = run(&sim, &all).await;
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            for line in text.lines() {
                assert!(
                    !line.chars().any(|ch| ch.is_control() && ch != '\t'),
                    "`{}` printed a control character on {stream}: {line:?}",
                    args.join(" ")
                );
            }
            seen_reason |=
                text.contains("\u{fffd}]0;pwned\u{fffd}\u{fffd}[2J\u{fffd}31mkernel update");
        }
    }
    assert!(
        seen_reason,
        "the reason was shown (made printable) somewhere"
    );
}

/// A trace log (`SWITCHYARD_LOG=trace`, where the SDK logs its credentials and each signed
/// request) holds no access key ID, signature or session token: they are redacted as the log is
/// written.
#[tokio::test]
async fn a_trace_log_holds_no_credentials() {
    const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
    const TOKEN: &str = "FwoGZXIvYXdzEXAMPLETOKEN";
    let sim = sim("demo").await;
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("trace.log");
    let out = binary::switchyard(home.path(), &sim.env_vars())
        .env("SWITCHYARD_LOG", "trace")
        .env("AWS_ACCESS_KEY_ID", KEY)
        .env("AWS_SESSION_TOKEN", TOKEN)
        .args(["status", "--site", "shop", "--config", &config("demo")])
        .arg("--log-file")
        .arg(&log)
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("<redacted>"),
        "the credentials were logged, redacted"
    );
    for secret in [KEY, TOKEN, "Signature=0", "Signature=1", "Signature=a"] {
        assert!(!text.contains(secret), "{secret} in the trace log");
    }
}
