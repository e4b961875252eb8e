//! Journals written by an older switchyard (tests/journals/, see its README): this version reads
//! them, writes the same JSON back (so that the older version reads this one's), and fails back
//! from them to exactly the original AWS state.

use std::path::{Path, PathBuf};

use switchyard::aws::route53::{self, RecordAction};
use switchyard::config::schema::STRATEGY_NAMES;
use switchyard::model::journal::{self, Change, Journal};
use switchyard::model::route53::RecordSet;

use super::support::*;

/// One journal of tests/journals/.
struct Fixture {
    file: String,
    scenario: String,
    /// The config, relative to the crate root.
    config: String,
    site: String,
    /// The TXT values as Route 53 returned them.
    txt: Vec<String>,
    /// The JSON they carry.
    json: serde_json::Value,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> Vec<Fixture> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/journals"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let doc: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let text = |k: &str| doc[k].as_str().unwrap().to_string();
            Fixture {
                file: path.file_name().unwrap().to_string_lossy().into_owned(),
                scenario: text("scenario"),
                config: text("config"),
                site: text("site"),
                txt: doc["txt"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect(),
                json: doc["journal"].clone(),
            }
        })
        .collect()
}

/// Every old journal reads, and is written back as the same JSON: the older switchyard reads
/// what this one writes.
#[test]
fn old_journals_read_and_are_written_back_unchanged() {
    let all = fixtures();
    assert!(all.len() >= 10, "{} journals in tests/journals", all.len());
    let mut strategies = Vec::new();
    for f in &all {
        let j = Journal::from_txt_values(&f.txt)
            .unwrap_or_else(|e| panic!("{}: does not read: {e}", f.file));
        assert_eq!(j.phase, journal::Phase::Active, "{}", f.file);
        assert!(!j.steps.is_empty(), "{}", f.file);
        assert_eq!(
            serde_json::to_value(&j).unwrap(),
            f.json,
            "{}: written back differently",
            f.file
        );
        // And through the TXT record again.
        let again = Journal::from_txt_values(&j.to_txt_values().unwrap()).unwrap();
        assert_eq!(again, j, "{}", f.file);
        strategies.extend(j.strategies());
    }
    // Strategies added after the fixtures were captured: no older version wrote their journals.
    const NEWER: [&str; 1] = ["route53-weighted-sorry"];
    for name in STRATEGY_NAMES.iter().filter(|n| !NEWER.contains(n)) {
        assert!(
            strategies.iter().any(|s| s == name),
            "no journal of strategy {name} in tests/journals"
        );
    }
}

fn journal_record(record: &str, values: Vec<String>) -> RecordSet {
    RecordSet {
        name: format!("{}.", journal::record_name(record)),
        rtype: "TXT".into(),
        set_identifier: None,
        failover: None,
        weight: None,
        ttl: Some(std::time::Duration::from_secs(60)),
        values,
        alias: None,
        health_check_id: None,
        routing: Default::default(),
    }
}

/// The old journal's TXT values for the emulator at hand: as they are, unless they name rules
/// the emulator gave other ARNs (its IDs are random): then with the ARNs of `now`, the journal
/// this version wrote for the same switch.
fn for_this_emulator(f: &Fixture, now: &Journal) -> Vec<String> {
    let mut old = Journal::from_txt_values(&f.txt).unwrap();
    let mut patched = false;
    for (o, n) in old.steps.iter_mut().zip(&now.steps) {
        match (&mut o.change, &n.change) {
            (Change::CreateRule { after: o, .. }, Change::CreateRule { after: n, .. }) => {
                assert_eq!(o.priority, n.priority, "{}", f.file);
                o.rule_arn = n.rule_arn.clone();
                patched = true;
            }
            // The rules moved: the same priorities, named by this emulator's rule IDs.
            (
                Change::RulePriorities {
                    before: ob,
                    after: oa,
                },
                Change::RulePriorities {
                    before: nb,
                    after: na,
                },
            ) => {
                let priorities =
                    |v: &journal::RulePriorities| v.rules.iter().map(|r| r.1).collect::<Vec<_>>();
                assert_eq!(priorities(ob), priorities(nb), "{}", f.file);
                assert_eq!(priorities(oa), priorities(na), "{}", f.file);
                if ob != nb || oa != na {
                    *ob = nb.clone();
                    *oa = na.clone();
                    patched = true;
                }
            }
            _ => {}
        }
    }
    if patched {
        old.to_txt_values().unwrap()
    } else {
        f.txt.clone()
    }
}

/// `maintenance off` from each old journal puts every original value back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maintenance_off_from_an_old_journal_restores_aws_exactly() {
    for f in fixtures() {
        let config = std::fs::read_to_string(root().join(&f.config)).unwrap();
        let env = Env::start_with_config(&f.scenario, &config, 60.0).await;
        let c = env.clients().await;
        let site = env.site(&f.site);
        let before = snapshot(&c).await;
        // Into maintenance with this version, then its journal replaced by the old one.
        // Preflight checks that cannot be made (a target group no listener uses) are forced:
        // what is tested here is the journal.
        let on = env.switch("on", &f.site, &["--force"]).await;
        assert_eq!(on.code, 0, "{}: {on}", f.file);
        let name = journal::record_name(&site.record);
        let written = route53::records_at(&c.route53, &site.zone_id, &site.record, &name)
            .await
            .unwrap()
            .beside
            .unwrap();
        let now = Journal::from_txt_values(&written).unwrap();
        assert_eq!(
            now.steps.iter().map(|s| s.call()).collect::<Vec<_>>(),
            f.json["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["call"].as_str().unwrap())
                .collect::<Vec<_>>(),
            "{}: this version plans other steps than the old one did",
            f.file
        );
        let old = for_this_emulator(&f, &now);
        route53::change_records(
            &c.route53,
            &site.zone_id,
            &[
                (RecordAction::Delete, journal_record(&site.record, written)),
                (RecordAction::Create, journal_record(&site.record, old)),
            ],
            "an older switchyard's journal",
        )
        .await
        .unwrap();
        let off = env.switch("off", &f.site, &["--force"]).await;
        assert_eq!(off.code, 0, "{}: {off}", f.file);
        assert!(off.stdout.contains("failed back"), "{}: {off}", f.file);
        assert_eq!(
            before,
            snapshot(&c).await,
            "{}: fail back from the old journal did not restore AWS exactly",
            f.file
        );
    }
}

/// A journal that cannot be read (damaged, or not switchyard's) never reads as a healthy site:
/// `status` says so, names the record, and does not exit 0; a switch refuses to touch it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_journal_is_never_a_healthy_site() {
    let env = Env::start_paused("demo", "demo").await;
    let c = env.clients().await;
    damage_shops_journal(&c).await;
    let status = env
        .run(&["status", "--site", "shop", "--output", "json"])
        .await;
    assert_eq!(status.code, 14, "{status}");
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let site = &json["sites"][0];
    assert_eq!(site["verdict"], "UNKNOWN", "{status}");
    assert_eq!(site["complete"], false, "{status}");
    let errors = site["errors"].to_string();
    assert!(
        errors.contains("maintenance journal: _switchyard.www.example.com cannot be read: the record holds no switchyard journal"),
        "{status}"
    );
    assert!(!errors.contains("rejected by route53"), "{status}");
    let on = env.switch("on", "shop", &[]).await;
    assert_ne!(on.code, 0, "{on}");
    assert!(on.stderr.contains("cannot be read"), "{on}");
}

/// The recovery of a journal that cannot be read: `journal show` prints it raw and says why, with
/// exit 14 like `status`; `journal repair` asks, removes exactly it, audits its values, and the
/// site reads LIVE again. A valid journal is never removed by repair, and read-only refuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_journal_is_shown_and_repaired_with_its_values_audited() {
    let env = Env::start_paused("demo", "demo").await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    damage_shops_journal(&c).await;
    let show = env.run(&["journal", "show", "--site", "shop"]).await;
    assert_eq!(show.code, 14, "{show}");
    assert!(
        show.stdout
            .contains("journal _switchyard.www.example.com (TXT, hosted zone Z0DEMO0EXAMPLE)")
            && show.stdout.contains("state:  cannot be read")
            && show.stdout.contains("\"{not a journal\"")
            && show.stdout.contains("journal repair --site shop"),
        "{show}"
    );
    let read_only = env
        .run(&[
            "--read-only",
            "journal",
            "repair",
            "--site",
            "shop",
            "--yes",
        ])
        .await;
    assert_eq!(read_only.code, 2, "{read_only}");
    // No terminal to ask on and no --yes: nothing is removed.
    let unasked = env.run(&["journal", "repair", "--site", "shop"]).await;
    assert_eq!(unasked.code, 8, "{unasked}");
    assert_eq!(
        env.run(&["journal", "show", "--site", "shop"]).await.code,
        14
    );
    let repair = env
        .run(&[
            "journal",
            "repair",
            "--site",
            "shop",
            "--yes",
            "--reason",
            "CHG-7 garbled by a script",
        ])
        .await;
    assert_eq!(repair.code, 0, "{repair}");
    assert!(repair.stdout.contains("Removed."), "{repair}");
    assert_eq!(
        before,
        snapshot(&c).await,
        "repair removed more than the journal"
    );
    let status = env.run(&["status", "--site", "shop"]).await;
    assert_eq!(status.code, 0, "{status}");
    let audit = std::fs::read_to_string(env.audit_log()).unwrap();
    let line: serde_json::Value = serde_json::from_str(
        audit
            .lines()
            .find(|l| l.contains("journal-repair"))
            .expect("the repair is audited"),
    )
    .unwrap();
    assert_eq!(line["result"], "done");
    assert_eq!(line["reason"], "CHG-7 garbled by a script");
    assert_eq!(
        line["plan"]["removed"][0]["record"],
        "_switchyard.www.example.com"
    );
    assert_eq!(
        line["plan"]["removed"][0]["values"][0],
        "\"{not a journal\""
    );
    // A valid journal is the state of a switch: repair leaves it alone.
    let on = env.switch_past_unchecked("on", "shop", &[]).await;
    assert_eq!(on.code, 0, "{on}");
    let show = env.run(&["journal", "show", "--site", "shop"]).await;
    assert_eq!(show.code, 0, "{show}");
    assert!(show.stdout.contains("valid: the site's own"), "{show}");
    let refused = env
        .run(&["journal", "repair", "--site", "shop", "--yes"])
        .await;
    assert_eq!(refused.code, 2, "{refused}");
    assert!(
        refused.stderr.contains("is valid")
            && refused.stderr.contains("maintenance off --site shop"),
        "{refused}"
    );
    let off = env.switch_past_unchecked("off", "shop", &[]).await;
    assert_eq!(off.code, 0, "{off}");
    assert_eq!(before, snapshot(&c).await);
}

/// Writes a TXT record that is no journal where shop's journal goes.
async fn damage_shops_journal(c: &switchyard::aws::client::Clients) {
    route53::change_records(
        &c.route53,
        "Z0DEMO0EXAMPLE",
        &[(
            RecordAction::Create,
            journal_record("www.example.com", vec!["\"{not a journal\"".into()]),
        )],
        "a damaged journal",
    )
    .await
    .unwrap();
}

/// Reads the journal beside `record`.
async fn journal_at(c: &switchyard::aws::client::Clients, record: &str) -> (Journal, Vec<String>) {
    let at = route53::records_at(
        &c.route53,
        "Z0DEMO0EXAMPLE",
        record,
        &journal::record_name(record),
    )
    .await
    .unwrap();
    let values = at.beside.unwrap();
    (Journal::from_txt_values(&values).unwrap(), values)
}

/// A journal is bound to its site: one copied from beside another site (its record field made to
/// match) or forged with another site's resources is refused by `maintenance off` and `on`, even
/// with --force, with nothing changed; the real owner still fails back exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_of_another_sites_resources_is_refused() {
    let env = Env::start_paused("demo", "demo").await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    let shop = env.switch_past_unchecked("on", "shop", &[]).await;
    assert_eq!(shop.code, 0, "{shop}");
    let pay = env.switch_past_unchecked("on", "pay", &[]).await;
    assert_eq!(pay.code, 0, "{pay}");
    let in_maintenance = snapshot(&c).await;
    // shop's journal beside api (which inverts a health check too), pay's beside db.
    for (from, to) in [
        ("www.example.com", "api.example.com"),
        ("pay.example.com", "db.example.com"),
    ] {
        let (mut j, _) = journal_at(&c, from).await;
        j.record = to.to_string();
        j.site = to.split('.').next().unwrap().to_string();
        route53::change_records(
            &c.route53,
            "Z0DEMO0EXAMPLE",
            &[(
                RecordAction::Create,
                journal_record(to, j.to_txt_values().unwrap()),
            )],
            "a forged journal",
        )
        .await
        .unwrap();
    }
    for (site, says) in [
        (
            "api",
            "is not what the route53-invert-health-check strategy of site api switches",
        ),
        (
            "db",
            "strategy elb-listener-sorry is not configured for site db",
        ),
    ] {
        for direction in ["off", "on"] {
            let out = env.switch(direction, site, &["--force"]).await;
            assert_eq!(out.code, 2, "{site} {direction}: {out}");
            assert!(
                out.stderr
                    .contains(&format!("is not site {site}'s to resume or undo"))
                    && out.stderr.contains(says),
                "{site} {direction}: {out}"
            );
        }
    }
    // `status` does not trust them either: what the engine refuses to undo is not read as
    // maintenance; the site is UNKNOWN, and the reason names the journal and the way out.
    for (site, says) in [
        (
            "api",
            "is not what the route53-invert-health-check strategy",
        ),
        (
            "db",
            "strategy elb-listener-sorry is not configured for site db",
        ),
    ] {
        let status = env
            .run(&["status", "--site", site, "--output", "json"])
            .await;
        assert_eq!(status.code, 14, "{site}: {status}");
        let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
        assert_eq!(json["sites"][0]["verdict"], "UNKNOWN", "{site}: {status}");
        let errors = json["sites"][0]["errors"].to_string();
        assert!(
            errors.contains(&format!("does not belong to site {site}")) && errors.contains(says),
            "{site}: {status}"
        );
        assert!(
            errors.contains(&format!("journal show --site {site}")),
            "{site}: {status}"
        );
    }
    // Nothing of shop's or pay's was touched: only the two forged records are new.
    let now = snapshot(&c).await;
    assert_eq!(now.health_checks, in_maintenance.health_checks);
    assert_eq!(now.listeners, in_maintenance.listeners);
    assert_eq!(now.alarms, in_maintenance.alarms);
    // shop's own journal names its zone and account; one that names another account is not
    // this caller's to undo.
    let (j, values) = journal_at(&c, "www.example.com").await;
    assert_eq!(j.zone.as_deref(), Some("Z0DEMO0EXAMPLE"));
    assert_eq!(j.account.as_deref(), Some("123456789012"));
    let mut other = j.clone();
    other.account = Some("999999999999".into());
    let swap = |from: Vec<String>, to: Vec<String>| {
        let c = c.clone();
        async move {
            route53::change_records(
                &c.route53,
                "Z0DEMO0EXAMPLE",
                &[
                    (
                        RecordAction::Delete,
                        journal_record("www.example.com", from),
                    ),
                    (RecordAction::Create, journal_record("www.example.com", to)),
                ],
                "shop's journal edited",
            )
            .await
            .unwrap();
        }
    };
    let edited = other.to_txt_values().unwrap();
    swap(values.clone(), edited.clone()).await;
    let off = env.switch("off", "shop", &["--force"]).await;
    assert_eq!(off.code, 2, "{off}");
    assert!(
        off.stderr.contains(
            "it was written in account 999999999999, and this caller is in account 123456789012"
        ),
        "{off}"
    );
    swap(edited, values).await;
    for site in ["shop", "pay"] {
        let off = env.switch_past_unchecked("off", site, &[]).await;
        assert_eq!(off.code, 0, "{off}");
    }
    for to in ["api.example.com", "db.example.com"] {
        let (_, values) = journal_at(&c, to).await;
        route53::change_records(
            &c.route53,
            "Z0DEMO0EXAMPLE",
            &[(RecordAction::Delete, journal_record(to, values))],
            "the forged journal removed",
        )
        .await
        .unwrap();
    }
    assert_eq!(before, snapshot(&c).await);
}
