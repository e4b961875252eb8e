//! Time-boxed maintenance (issue 19, item 1): `maintenance on --for` records the window's end in
//! the journal, every reader shows the time left, `maintenance extend` moves it (audited), and
//! past it the site is MAINTENANCE OVERDUE (exit 17) until an operator fails back: nothing fails
//! back on its own. The emulator's clock is moved with `advance`.

use super::support::*;

fn json(out: &Out) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {out}"))
}

async fn status_json(env: &Env) -> (Out, serde_json::Value) {
    let out = env
        .run(&["status", "--site", "web", "--output", "json"])
        .await;
    let j = json(&out);
    (out, j)
}

/// `on --for 2h`: the end is recorded and shown (status JSON and table); `extend --for 30m`
/// moves it, audited; `--read-only` refuses to extend; past the end the site is MAINTENANCE
/// OVERDUE with exit 17, `wait --for expiry` returns 0, and AWS still serves the sorry page
/// until the explicit fail back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_ends_on_time_is_extended_audited_and_overdue_until_failed_back() {
    let env = Env::start_paused("infer-calculated", "infer-calculated").await;
    let on = env
        .switch("on", "web", &["--for", "2h", "--wait", "--timeout", "60s"])
        .await;
    assert_eq!(on.code, 0, "{on}");
    advance(&env.sim, 120.0);
    let (out, j) = status_json(&env).await;
    assert_eq!(out.code, 12, "{out}");
    let m = &j["sites"][0]["maintenance"];
    assert!(m["expires_at"].is_string(), "{out}");
    let left = m["expires_in_seconds"].as_i64().unwrap();
    // 2 h from the switch, 2 min of AWS time later (the Date header counts whole seconds).
    assert!((7000..=7200).contains(&left), "{left}: {out}");
    let reasons = j["sites"][0]["reasons"].to_string();
    assert!(reasons.contains("the maintenance window ends at "), "{out}");
    let table = env.run(&["status", "--site", "web"]).await;
    assert!(
        table.stdout.contains("the maintenance window ends at "),
        "{table}"
    );
    assert!(
        table.stdout.contains("h 58 min left") || table.stdout.contains("h 57 min left"),
        "{table}"
    );
    // `log` shows the end the switch set, and the window in force with its time left, on this
    // machine and on another one (the AWS history and the journal).
    let other = tempfile::tempdir().unwrap();
    for log in [
        env.run(&["log", "--site", "web"]).await,
        env.run_on(other.path(), "bastion-2", &["log", "--site", "web"])
            .await,
    ] {
        assert_eq!(log.code, 0, "{log}");
        assert!(
            log.stdout.contains("    the maintenance window ends at "),
            "the on row says its end: {log}"
        );
        let footer = log
            .stdout
            .lines()
            .find(|l| l.starts_with("web: in maintenance; its window ends at "))
            .unwrap_or_else(|| panic!("no window in force: {log}"));
        assert!(
            footer.contains("h 58 min left)") || footer.contains("h 57 min left)"),
            "{footer}"
        );
        assert!(
            !footer.contains('.'),
            "to the second, as status says it: {footer}"
        );
    }
    let log = json(&env.run(&["log", "--site", "web", "--output", "json"]).await);
    let left = log["windows"][0]["expires_in_seconds"].as_i64().unwrap();
    assert!((7000..=7200).contains(&left), "{left}: {log}");
    assert_eq!(log["windows"][0]["expires_at"], m["expires_at"], "{log}");
    let on_row = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["direction"] == "on")
        .unwrap();
    assert_eq!(on_row["window_ends"], m["expires_at"], "{log}");

    // --read-only refuses to extend, and nothing changes.
    let ro = env
        .run(&[
            "--read-only",
            "maintenance",
            "extend",
            "--site",
            "web",
            "--for",
            "30m",
            "--reason",
            "migration slow",
            "--yes",
        ])
        .await;
    assert_eq!(ro.code, 2, "{ro}");
    // No terminal and no --yes: not confirmed (8).
    let unconfirmed = env
        .run(&["maintenance", "extend", "--site", "web", "--for", "30m"])
        .await;
    assert_eq!(unconfirmed.code, 8, "{unconfirmed}");
    let (_, still) = status_json(&env).await;
    assert_eq!(
        still["sites"][0]["maintenance"]["expires_at"],
        m["expires_at"]
    );

    let ext = env
        .switch(
            "extend",
            "web",
            &["--for", "30m", "--reason", "migration slow"],
        )
        .await;
    assert_eq!(ext.code, 0, "{ext}");
    assert!(
        ext.stdout.contains("maintenance window now ends at"),
        "{ext}"
    );
    let (_, j) = status_json(&env).await;
    let left = j["sites"][0]["maintenance"]["expires_in_seconds"]
        .as_i64()
        .unwrap();
    assert!((8800..=9000).contains(&left), "extended by 30 min: {left}");
    // Audited like any switch, and `log` shows it.
    let log = env.run(&["log", "--site", "web", "--output", "json"]).await;
    let entries = json(&log);
    let extend = entries["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["direction"] == "extend")
        .unwrap_or_else(|| panic!("no extend in the audit log: {log}"));
    assert_eq!(extend["result"], "done", "{log}");
    assert_eq!(extend["reason"], "migration slow", "{log}");
    assert!(extend["window_ends"].is_string(), "{log}");
    let log = env.run(&["log", "--site", "web"]).await;
    assert!(
        log.stdout.contains("the maintenance window now ends at "),
        "{log}"
    );
    // The window in force is the extended one, on any machine (the journal in AWS).
    for log in [
        env.run(&["log", "--site", "web", "--output", "json"]).await,
        env.run_on(
            other.path(),
            "bastion-2",
            &["log", "--site", "web", "--output", "json"],
        )
        .await,
    ] {
        let log = json(&log);
        let left = log["windows"][0]["expires_in_seconds"].as_i64().unwrap();
        assert!((8800..=9000).contains(&left), "extended: {left}: {log}");
        // The extension is in the team's history too: its line and new end on any machine.
        let extend = log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["direction"] == "extend")
            .unwrap_or_else(|| panic!("no extension: {log}"));
        assert_eq!(extend["reason"], "migration slow", "{log}");
        assert_eq!(
            extend["window_ends"], log["windows"][0]["expires_at"],
            "{log}"
        );
    }
    let there = env
        .run_on(other.path(), "bastion-2", &["log", "--site", "web"])
        .await;
    assert!(
        there.stdout.contains("extend done") && there.stdout.contains("[aws]"),
        "{there}"
    );

    // A runbook waiting for the end does not return before it.
    let early = env
        .run(&[
            "wait",
            "--site",
            "web",
            "--for",
            "expiry",
            "--timeout",
            "3s",
        ])
        .await;
    assert_eq!(early.code, 6, "{early}");

    // Past the end: MAINTENANCE OVERDUE, exit 17, and the sorry page is still served.
    advance(&env.sim, 2.0 * 3600.0 + 31.0 * 60.0);
    let (out, j) = status_json(&env).await;
    assert_eq!(out.code, 17, "{out}");
    assert_eq!(j["sites"][0]["verdict"], "MAINTENANCE OVERDUE", "{out}");
    assert!(
        j["sites"][0]["maintenance"]["expires_in_seconds"]
            .as_i64()
            .unwrap()
            < 0,
        "{out}"
    );
    let first = j["sites"][0]["reasons"][0].as_str().unwrap();
    assert!(
        first.starts_with("maintenance overdue: the window ended at "),
        "{out}"
    );
    let w = env
        .run(&[
            "wait",
            "--site",
            "web",
            "--for",
            "expiry",
            "--timeout",
            "30s",
        ])
        .await;
    assert_eq!(w.code, 0, "{w}");
    // Nothing failed back on its own.
    let (out, _) = status_json(&env).await;
    assert_eq!(out.code, 17, "{out}");
    let log = env.run(&["log", "--site", "web"]).await;
    assert!(
        log.stdout.lines().any(
            |l| l.starts_with("web: in maintenance; its window ends at ")
                && l.contains(" ago: MAINTENANCE OVERDUE; nothing fails back on its own)")
        ),
        "{log}"
    );

    let off = env
        .switch("off", "web", &["--wait", "--timeout", "60s"])
        .await;
    assert_eq!(off.code, 0, "{off}");
    // Failed back: no window in force.
    let log = json(&env.run(&["log", "--site", "web", "--output", "json"]).await);
    assert_eq!(log["windows"], serde_json::json!([]), "{log}");
    // The window's report says the end the entry set and the extension's new end, and that
    // the extension wrote the journal only.
    // From this machine and from another one (the AWS history only): the same.
    let (out, out2) = (
        env.report("web", true).await,
        env.report("web", false).await,
    );
    for dir in [out.path(), out2.path()] {
        let md = super::support::report_markdown(dir);
        let enter = md.find("### enter maintenance: done").unwrap();
        let extend = md.find("### extend the window: done").unwrap();
        let back = md.find("### fail back: done").unwrap();
        assert!(enter < extend && extend < back, "{md}");
        let ends = |section: &str, words: &str| {
            section
                .lines()
                .find(|l| l.starts_with(words))
                .unwrap_or_else(|| panic!("{words:?} not in {section}"))
                .to_string()
        };
        let first = ends(&md[enter..extend], "The window ends at ");
        let later = ends(&md[extend..back], "The window now ends at ");
        for line in [&first, &later] {
            // To the second: the one dot ends the sentence.
            assert!(
                line.ends_with("Z.") && line.matches('.').count() == 1,
                "{line}"
            );
        }
        assert_ne!(first.replace("now ", ""), later.replace("now ", ""), "{md}");
        assert!(
        md[extend..back].contains("One journal update (route53:ChangeResourceRecordSets on the site's journal): no change to the site."),
        "{md}"
    );
    }
}

/// `--for` over the site's `max_window` is refused before anything changes; without `--for`
/// the window is `max_window`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_window_caps_for_and_is_the_default() {
    let text = std::fs::read_to_string(format!(
        "{}/assets/configs/infer-calculated.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replacen("[[site]]\n", "[[site]]\nmax_window = \"1h\"\n", 1);
    let env = Env::start_with_config_paused("infer-calculated", &text).await;
    let long = env.switch("on", "web", &["--for", "2h"]).await;
    assert_eq!(long.code, 2, "{long}");
    assert!(long.stderr.contains("max_window (1h)"), "{long}");
    let (out, j) = status_json(&env).await;
    assert!(
        j["sites"][0]["maintenance"].is_null(),
        "nothing changed: {out}"
    );
    let on = env
        .switch("on", "web", &["--wait", "--timeout", "60s"])
        .await;
    assert_eq!(on.code, 0, "{on}");
    advance(&env.sim, 120.0);
    let (out, j) = status_json(&env).await;
    let left = j["sites"][0]["maintenance"]["expires_in_seconds"]
        .as_i64()
        .unwrap();
    assert!((3300..=3600).contains(&left), "{left}: {out}");
    let ext = env.switch("extend", "web", &["--for", "2h"]).await;
    assert_eq!(ext.code, 2, "{ext}");
}

/// Journals written before windows had an end (tests/journals/) still read: no end, never
/// overdue; and a journal with an end writes it as `expires_at` (RFC 3339) beside the rest.
#[test]
fn journals_without_an_end_keep_reading() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/journals");
    let mut read = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let txt: Vec<String> = doc["txt"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let mut j = switchyard::model::journal::Journal::from_txt_values(&txt)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(j.expires_at, None, "{}", path.display());
        assert!(j.marker().expires_at.is_none());
        let end = j.at + time::Duration::hours(2);
        j.expires_at = Some(end);
        let again =
            switchyard::model::journal::Journal::from_txt_values(&j.to_txt_values().unwrap())
                .unwrap();
        assert_eq!(again.expires_at, Some(end), "{}", path.display());
        read += 1;
    }
    assert!(read > 0);
}
