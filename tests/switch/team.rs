//! The team sees one history: every switch is kept in AWS beside the journal, `log` on any
//! machine shows every operator's switches, the history rotates its oldest entries out within
//! Route 53's limits, and a history that cannot be written never fails the switch.

use std::time::Duration;

use switchyard::aws::route53::{self, RecordAction};
use switchyard::model::history::{self, History};
use switchyard::model::route53::RecordSet;
use switchyard_sim::FaultKind;

use super::support::*;

const HISTORY: &str = "_switchyard-log.www.example.com";

fn json(out: &Out) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"))
}

async fn history_of(env: &Env) -> History {
    let c = env.clients().await;
    let at = route53::records_at(&c.route53, "Z0DEMO0EXAMPLE", "www.example.com", HISTORY)
        .await
        .unwrap();
    History::from_txt_values(&at.beside.expect("a history record")).unwrap()
}

/// Two machines (two HOMEs, two host names): one switches, the other, which never switched,
/// sees it with `log`, from AWS; the one that switched sees it once, from both sources. AWS
/// that cannot be read leaves the audit log shown and says what is missing; nothing read at
/// all is exit 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_machines_log_shows_a_teammates_switch() {
    let env = Env::start_with_config("demo", MULTI, 60.0).await;
    let a = env.dir.path().to_path_buf();
    let b = tempfile::tempdir().unwrap();
    let on = env
        .run_on(
            &a,
            "bastion-a",
            &[
                "maintenance",
                "on",
                "--site",
                "shop",
                "--yes",
                "--reason",
                "CHG-7 db upgrade",
            ],
        )
        .await;
    assert_eq!(on.code, 0, "{on}");
    assert!(!on.stderr.contains("WARNING"), "{on}");

    let seen = env.run_on(b.path(), "bastion-b", &["log"]).await;
    assert_eq!(seen.code, 0, "{seen}");
    let line = seen
        .stdout
        .lines()
        .find(|l| l.contains(" shop ") && l.contains(" on "))
        .unwrap_or_else(|| panic!("no switch of shop: {seen}"));
    assert!(line.contains(" done "), "{line}");
    assert!(line.contains("on bastion-a [aws]"), "{line}");
    assert!(line.contains("(CHG-7 db upgrade)"), "{line}");
    assert!(line.contains("assumed-role/OpsAdmin/demo"), "{line}");

    let report = json(
        &env.run_on(b.path(), "bastion-b", &["log", "--output", "json"])
            .await,
    );
    assert_eq!(report["complete"], true, "{report}");
    assert_eq!(report["entries"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["entries"][0]["source"], "aws");
    assert_eq!(report["entries"][0]["host"], "bastion-a");

    // The machine that switched: one line, from both sources.
    let own = env.run_on(&a, "bastion-a", &["log"]).await;
    assert_eq!(own.code, 0, "{own}");
    let lines: Vec<&str> = own.stdout.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(lines.len(), 1, "{own}");
    assert!(lines[0].contains("[aws+local]"), "{own}");

    // AWS cannot be read: the audit log is shown, the missing source said, exit 3 (not the whole log).
    env.fault(
        "route53",
        "ListResourceRecordSets",
        FaultKind::Error {
            code: "AccessDenied".into(),
            message: Some("not authorized to perform: route53:ListResourceRecordSets".into()),
            status: Some(403),
        },
        None,
    );
    let soft = env.run_on(&a, "bastion-a", &["log"]).await;
    assert_eq!(soft.code, 3, "{soft}");
    assert!(soft.stdout.contains("[local]"), "{soft}");
    assert!(
        soft.stderr.contains(
            "the AWS history of shop (_switchyard-log.www.example.com) could not be read"
        ),
        "{soft}"
    );
    let report = json(
        &env.run_on(&a, "bastion-a", &["log", "--output", "json"])
            .await,
    );
    assert_eq!(report["complete"], false, "{report}");
    // Nothing readable at all (the audit log a folder, AWS refusing): exit 2.
    let none = env
        .run_on(
            b.path(),
            "bastion-b",
            &["--audit-log", b.path().to_str().unwrap(), "log"],
        )
        .await;
    assert_eq!(none.code, 2, "{none}");
    assert!(none.stderr.contains("nothing could be read"), "{none}");
    env.clear_faults();
    let off = env.switch("off", "shop", &[]).await;
    assert_eq!(off.code, 0, "{off}");
    assert_eq!(history_of(&env).await.entries.len(), 2);
}

/// A full history: the switch's entry goes in, the oldest go out, the record stays within
/// Route 53's limits, and the switch says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_history_rotates_its_oldest_entries_out() {
    let env = Env::start_with_config("demo", MULTI, 60.0).await;
    let c = env.clients().await;
    // Written by teammates: as many switches as the record holds.
    let mut h = History::new("shop");
    for i in 0..200u32 {
        h.push(history::Entry {
            duration_ms: 1000,
            reason: Some("an earlier window, with a reason long enough to take room".into()),
            ..history::Entry::new(
                format!("old-{i}"),
                "shop",
                history::Way::On,
                history::SwitchResult::Done,
                "arn:aws:sts::123456789012:assumed-role/OpsAdmin/bob",
                "bastion-b",
                time::OffsetDateTime::now_utc() - time::Duration::days(1)
                    + time::Duration::minutes(i64::from(i)),
            )
        });
    }
    let values = h.to_txt_values().unwrap();
    let kept = h.entries.len();
    assert!(h.rotated_out > 0, "the record is full");
    route53::change_records(
        &c.route53,
        "Z0DEMO0EXAMPLE",
        &[(
            RecordAction::Create,
            RecordSet {
                name: format!("{HISTORY}."),
                rtype: "TXT".into(),
                ttl: Some(Duration::from_secs(60)),
                values,
                ..RecordSet::default()
            },
        )],
        "a full history",
    )
    .await
    .unwrap();
    let on = env.switch("on", "shop", &[]).await;
    assert_eq!(on.code, 0, "{on}");
    assert!(
        on.stdout
            .contains("the switch history _switchyard-log.www.example.com is full: its"),
        "{on}"
    );
    let after = history_of(&env).await;
    assert_eq!(after.entries[0].site, "shop");
    assert!(
        !after.entries[0].id.starts_with("old-"),
        "the newest is this switch"
    );
    assert!(after.entries.len() <= kept);
    assert!(after.rotated_out > h.rotated_out);
    assert!(
        !after.entries.iter().any(|e| e.id == "old-0"),
        "the oldest went out"
    );
    let log = env.run(&["log"]).await;
    assert!(
        log.stdout
            .contains("older switch(es) of shop were rotated out of the AWS history"),
        "{log}"
    );
    let off = env.switch("off", "shop", &[]).await;
    assert_eq!(off.code, 0, "{off}");
}

/// The history write refused (here on that one record only): the switch is done all the same,
/// exit 0, and the warning is said on stderr and kept in the audit line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_write_that_fails_leaves_the_switch_done_and_says_so() {
    let env = Env::start_with_config("demo", MULTI, 60.0).await;
    env.fault_body(
        "route53",
        "ChangeResourceRecordSets",
        "_switchyard-log.",
        FaultKind::Error {
            code: "AccessDenied".into(),
            message: Some("not authorized to perform: route53:ChangeResourceRecordSets".into()),
            status: Some(403),
        },
    );
    let on = env
        .switch("on", "shop", &["--wait", "--timeout", "5m"])
        .await;
    assert_eq!(on.code, 0, "{on}");
    assert!(
        on.stderr.contains(
            "WARNING: the switch history _switchyard-log.www.example.com could not be written"
        ),
        "{on}"
    );
    assert!(on.stderr.contains("the switch itself is done"), "{on}");
    let status = env.run(&["status", "--site", "shop"]).await;
    assert!(status.stdout.contains("MAINTENANCE"), "{status}");
    let audit = std::fs::read_to_string(env.audit_log()).unwrap();
    let line: serde_json::Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(line["result"], "done");
    assert!(
        line["warnings"][0]
            .as_str()
            .unwrap()
            .contains("could not be written"),
        "{line}"
    );
    // `log` shows it from this machine, with its warning.
    let log = env.run(&["log"]).await;
    assert!(log.stdout.contains("[local]"), "{log}");
    assert!(
        log.stdout.contains("    warning: the switch history"),
        "{log}"
    );
    env.clear_faults();
    let off = env.switch("off", "shop", &[]).await;
    assert_eq!(off.code, 0, "{off}");
}

/// The poller reads the history with the journal, from the listing it makes anyway: a site
/// with a history costs no ListResourceRecordSets call more than one without.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poller_reads_the_history_with_the_journal_at_no_extra_call() {
    let env = Env::start_with_config("demo", MULTI, 60.0).await;
    let c = env.clients().await;
    let site = env.site("shop");
    let resolver = switchyard::aws::dns::Resolver::Server(env.sim.dns_server());
    let listings = || {
        env.sim
            .calls()
            .calls
            .get("route53:ListResourceRecordSets")
            .copied()
            .unwrap_or(0)
    };
    let n0 = listings();
    let before = switchyard::switch::engine::observe(&c, &resolver, &site).await;
    let without = listings() - n0;
    assert!(before.history.is_none());
    let on = env
        .switch("on", "shop", &["--reason", "poller drill"])
        .await;
    assert_eq!(on.code, 0, "{on}");
    let off = env.switch("off", "shop", &[]).await;
    assert_eq!(off.code, 0, "{off}");
    let n1 = listings();
    let after = switchyard::switch::engine::observe(&c, &resolver, &site).await;
    assert_eq!(listings() - n1, without, "no extra listing for the history");
    let h = after.history.expect("the history read with the journal");
    assert_eq!(h.entries.len(), 2);
    assert_eq!(h.entries[1].reason.as_deref(), Some("poller drill"));
}
