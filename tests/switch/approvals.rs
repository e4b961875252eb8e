//! Two-person approval of a protected site (issue 19, item 2): the requester's plan waits in the
//! journal in AWS until a different caller identity approves it; the same identity can never
//! approve its own plan; an approval expires and is bound to the plan's hash; a decline stops the
//! run; `--break-glass` skips the approval, audited and shown as BREAK-GLASS. Two identities are
//! two processes with different `AWS_ACCESS_KEY_ID`s against one emulator, which answers
//! GetCallerIdentity per access key.

use super::support::*;
use switchyard_sim::Control;

pub(super) const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
pub(super) const BOB: &str = "arn:aws:iam::123456789012:user/bob";
const BOB_KEY: &str = "AKIASIMBOB";

/// [`MULTI`] (invert, silence an alarm, invalidate) with approval, requests and approvals
/// valid 2 h of AWS time (2 min at 60x).
fn config() -> String {
    MULTI.replacen(
        "[[site]]\n",
        "[[site]]\napproval = true\napproval_ttl = \"2h\"\n",
        1,
    )
}

pub(super) async fn start() -> Env {
    let env = Env::start_with_config("demo", &config(), 60.0).await;
    // The emulator's default key is alice's; bob signs with his own.
    env.sim
        .control(Control::SetCaller {
            access_key: "switchyard-sim".into(),
            arn: ALICE.into(),
        })
        .unwrap();
    env.sim
        .control(Control::SetCaller {
            access_key: BOB_KEY.into(),
            arn: BOB.into(),
        })
        .unwrap();
    env
}

/// Runs the binary as bob (another person, another machine).
pub(super) async fn as_bob(env: &Env, args: &[&str]) -> Out {
    env.spawn_output_env(
        args,
        &[("AWS_ACCESS_KEY_ID", BOB_KEY), ("HOSTNAME", "bastion-bob")],
    )
    .await
}

fn json(out: &Out) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {out}"))
}

async fn status(env: &Env) -> (Out, serde_json::Value) {
    let out = env
        .run(&["status", "--site", "shop", "--output", "json"])
        .await;
    let j = json(&out);
    (out, j)
}

/// Waits until the site's journal holds a request awaiting approval.
async fn until_awaiting(env: &Env) -> serde_json::Value {
    for _ in 0..120 {
        let (_, j) = status(env).await;
        if j["sites"][0]["approval"]["state"] == "awaiting_approval" {
            return j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    panic!("no request awaiting approval");
}

/// Alice asks; bob is shown the same plan with its hash and approves; alice's waiting run
/// re-plans, finds the same plan and switches: the site reads MAINTENANCE, approved by bob. The
/// fail back asked with --no-wait (exit 18) is picked up by the same command once approved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_identity_approves_and_the_run_that_asked_proceeds() {
    let env = start().await;
    let alice = env.spawn_output(&[
        "maintenance",
        "on",
        "--site",
        "shop",
        "--yes",
        "--reason",
        "CHG-1042 kernel",
        "--wait",
        "--timeout",
        "60s",
    ]);
    let alice = tokio::spawn(alice);
    let j = until_awaiting(&env).await;
    let site = &j["sites"][0];
    assert_eq!(site["approval"]["requested_by"], ALICE, "{j}");
    assert_eq!(site["approval"]["direction"], "on", "{j}");
    assert!(site["maintenance"].is_null(), "nothing changed yet: {j}");
    assert_eq!(site["verdict"], "LIVE", "a request changes nothing: {j}");
    let first = site["reasons"][0].as_str().unwrap();
    assert!(
        first.starts_with(&format!(
            "awaiting approval by another person: maintenance on requested by {ALICE}"
        )),
        "{first}"
    );
    let hash = site["approval"]["plan_hash"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 64);
    assert!(first.contains(&hash[..12]), "the short hash: {first}");

    let approved = as_bob(&env, &["approve", "--site", "shop", "--yes"]).await;
    assert_eq!(approved.code, 0, "{approved}");
    // The plan bob is shown is the one alice saw, with its hash.
    assert!(
        approved
            .stdout
            .contains("Plan: enter maintenance for site shop")
            && approved.stdout.contains("route53:UpdateHealthCheck")
            && approved.stdout.contains(&format!("(SHA-256 {hash})"))
            && approved.stdout.contains(&format!("Request by {ALICE}")),
        "{approved}"
    );
    assert!(approved.stdout.contains("Approved: plan"), "{approved}");

    let alice = alice.await.unwrap();
    assert_eq!(alice.code, 0, "{alice}");
    assert!(
        alice.stdout.contains("Awaiting approval by another person")
            && alice.stdout.contains(&format!("Approved by {BOB}")),
        "{alice}"
    );
    let (out, j) = status(&env).await;
    assert_eq!(out.code, 12, "{out}");
    assert_eq!(j["sites"][0]["verdict"], "MAINTENANCE", "{out}");
    assert_eq!(j["sites"][0]["maintenance"]["approved_by"], BOB, "{out}");
    assert!(j["sites"][0]["approval"].is_null(), "{out}");

    // The log, from alice's machine: the request, bob's approval (from AWS), the switch.
    let log = env
        .run(&["log", "--site", "shop", "--output", "json"])
        .await;
    let results: Vec<String> = json(&log)["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["result"].as_str().unwrap(),
                e["by"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            format!("awaiting_approval {ALICE}"),
            format!("approved {BOB}"),
            format!("done {ALICE}"),
        ],
        "{log}"
    );

    // The fail back needs approval too: --no-wait leaves the request (exit 18) ...
    let off = env.switch("off", "shop", &["--no-wait"]).await;
    assert_eq!(off.code, 18, "{off}");
    assert!(off.stdout.contains("Not waiting (--no-wait)"), "{off}");
    let (out, j) = status(&env).await;
    assert_eq!(out.code, 12, "still in maintenance: {out}");
    assert_eq!(j["sites"][0]["approval"]["direction"], "off", "{out}");
    // ... bob approves it, and the same command picks the approval up.
    let approved = as_bob(&env, &["approve", "--site", "shop", "--yes"]).await;
    assert_eq!(approved.code, 0, "{approved}");
    assert!(
        approved.stdout.contains("Plan: fail back site shop")
            || approved.stdout.contains("Plan: fail back for site shop"),
        "{approved}"
    );
    let off = env
        .switch("off", "shop", &["--wait", "--timeout", "60s"])
        .await;
    assert_eq!(off.code, 0, "{off}");
    assert!(off.stdout.contains(&format!("Approved by {BOB}")), "{off}");
    let (out, _) = status(&env).await;
    assert_eq!(out.code, 0, "LIVE again: {out}");
}

/// The same identity can never approve its own plan (exit 19, nothing changed); a decline with
/// a comment stops the waiting run (exit 19), removes the request, and AWS is as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_approval_is_refused_and_a_decline_stops_the_run() {
    let env = start().await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    let asked = env
        .switch("on", "shop", &["--no-wait", "--reason", "CHG-7"])
        .await;
    assert_eq!(asked.code, 18, "{asked}");
    let mine = env.run(&["approve", "--site", "shop", "--yes"]).await;
    assert_eq!(mine.code, 19, "{mine}");
    assert!(
        mine.stderr
            .contains("the same identity can never approve its own plan"),
        "{mine}"
    );
    let (_, j) = status(&env).await;
    assert_eq!(
        j["sites"][0]["approval"]["state"], "awaiting_approval",
        "nothing changed: {j}"
    );
    // Another operator's switch is held by the request while it stands.
    let other = as_bob(&env, &["maintenance", "on", "--site", "shop", "--yes"]).await;
    assert_eq!(other.code, 7, "{other}");
    assert!(
        other
            .stderr
            .contains(&format!("held by {ALICE}'s request for maintenance on")),
        "{other}"
    );
    // Read-only: no decision is written.
    let ro = as_bob(&env, &["--read-only", "approve", "--site", "shop", "--yes"]).await;
    assert_eq!(ro.code, 2, "{ro}");
    let ro = as_bob(&env, &["--read-only", "decline", "--site", "shop", "--yes"]).await;
    assert_eq!(ro.code, 2, "{ro}");

    // The requester waits again (the same command picks its request up); bob declines.
    let alice = tokio::spawn(env.spawn_output(&["maintenance", "on", "--site", "shop", "--yes"]));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let declined = as_bob(
        &env,
        &[
            "decline",
            "--site",
            "shop",
            "--comment",
            "not during the sale",
            "--yes",
        ],
    )
    .await;
    assert_eq!(declined.code, 0, "{declined}");
    assert!(declined.stdout.contains("Declined: plan"), "{declined}");
    let alice = alice.await.unwrap();
    assert_eq!(alice.code, 19, "{alice}");
    assert!(
        alice.stderr.contains(&format!(
            "not approved: {BOB} declined it: \"not during the sale\""
        )),
        "{alice}"
    );
    assert_eq!(before, snapshot(&c).await, "nothing changed");
    let log = env.run(&["log", "--site", "shop"]).await;
    assert!(
        log.stdout.contains("declined") && log.stdout.contains("comment: not during the sale"),
        "{log}"
    );
}

/// An approval expires (AWS's clock): the run that picks it up after is refused (exit 19), the
/// request is removed, and nothing is changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_approval_is_refused() {
    let env = start().await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    let asked = env.switch("on", "shop", &["--no-wait"]).await;
    assert_eq!(asked.code, 18, "{asked}");
    let approved = as_bob(&env, &["approve", "--site", "shop", "--yes"]).await;
    assert_eq!(approved.code, 0, "{approved}");
    advance(&env.sim, 3.0 * 3600.0);
    let late = env.switch("on", "shop", &[]).await;
    assert_eq!(late.code, 19, "{late}");
    assert!(
        late.stderr.contains("expired at") && late.stderr.contains("a new approval is needed"),
        "{late}"
    );
    assert_eq!(before, snapshot(&c).await, "nothing changed");
}

/// An approval is bound to the plan's hash: when AWS changes between the request and the run
/// (an alarm silenced by hand: the plan loses a step), the approval does not let the run
/// through: a changed plan needs a new approval.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_of_another_plan_is_refused() {
    let env = start().await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    let asked = env.switch("on", "shop", &["--no-wait"]).await;
    assert_eq!(asked.code, 18, "{asked}");
    let approved = as_bob(&env, &["approve", "--site", "shop", "--yes"]).await;
    assert_eq!(approved.code, 0, "{approved}");
    let alarm = vec!["shop-app-1-StatusCheckFailed".to_string()];
    switchyard::aws::cloudwatch::set_alarm_actions(&c.cloudwatch, &alarm, false)
        .await
        .unwrap();
    let run = env.switch("on", "shop", &[]).await;
    assert_eq!(run.code, 19, "{run}");
    assert!(
        run.stderr.contains("a changed plan needs a new approval"),
        "{run}"
    );
    switchyard::aws::cloudwatch::set_alarm_actions(&c.cloudwatch, &alarm, true)
        .await
        .unwrap();
    assert_eq!(before, snapshot(&c).await, "nothing changed by the run");
}

/// `--break-glass "reason"` switches without approval: the audit line and the AWS history name
/// the caller and the reason, and status and log say BREAK-GLASS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn break_glass_skips_the_approval_and_is_audited() {
    let env = start().await;
    let on = env
        .switch(
            "on",
            "shop",
            &[
                "--break-glass",
                "payment outage, approver unreachable",
                "--wait",
                "--timeout",
                "60s",
            ],
        )
        .await;
    assert_eq!(on.code, 0, "{on}");
    assert!(on.stderr.contains("BREAK-GLASS"), "{on}");
    let audit = std::fs::read_to_string(env.audit_log()).unwrap();
    let line: serde_json::Value = audit
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|l| l["result"] == "done")
        .unwrap_or_else(|| panic!("no switch in the audit log: {audit}"));
    assert_eq!(
        line["break_glass"], "payment outage, approver unreachable",
        "{line}"
    );
    assert_eq!(line["caller"], ALICE, "{line}");
    let history = switchyard::switch::history::read(&c_of(&env).await, &env.site("shop"))
        .await
        .unwrap()
        .unwrap()
        .0;
    let entry = &history.entries[0];
    assert_eq!(
        entry.break_glass.as_deref(),
        Some("payment outage, approver unreachable")
    );
    assert_eq!(entry.by, ALICE);
    let (out, j) = status(&env).await;
    assert_eq!(out.code, 12, "{out}");
    assert_eq!(
        j["sites"][0]["maintenance"]["break_glass"]["reason"],
        "payment outage, approver unreachable",
        "{out}"
    );
    let table = env.run(&["status", "--site", "shop"]).await;
    assert!(
        table.stdout.contains(&format!(
            "BREAK-GLASS: maintenance entered without approval by {ALICE}"
        )),
        "{table}"
    );
    let log = env.run(&["log", "--site", "shop"]).await;
    assert!(
        log.stdout.contains(&format!(
            "BREAK-GLASS: made without a second person's approval by {ALICE}: payment outage, approver unreachable"
        )),
        "{log}"
    );
    // On a site that needs no approval, --break-glass is refused.
    let plain = Env::start_with_config("demo", MULTI, 60.0).await;
    let refused = plain
        .switch("on", "shop", &["--break-glass", "why not"])
        .await;
    assert_eq!(refused.code, 2, "{refused}");
}

async fn c_of(env: &Env) -> switchyard::aws::client::Clients {
    env.clients().await
}

/// A journal edited to carry an approval switchyard never writes (by the requester itself) lets
/// nothing through: status reads the request as forged, and the run stops with exit 19.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_self_approval_never_lets_the_run_through() {
    use switchyard::aws::route53::{self, RecordAction};
    use switchyard::model::approval::Decision;
    use switchyard::model::journal::Journal;
    let env = start().await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    let asked = env.switch("on", "shop", &["--no-wait"]).await;
    assert_eq!(asked.code, 18, "{asked}");
    let site = env.site("shop");
    let name = site.journal_record();
    let values = route53::records_at(&c.route53, &site.zone_id, &site.record, &name)
        .await
        .unwrap()
        .beside
        .unwrap();
    let mut j = Journal::from_txt_values(&values).unwrap();
    let a = j.approval.as_mut().unwrap();
    a.decision = Some(Decision::Approved {
        by: a.requested_by.clone(),
        at: a.requested_at,
        hash: a.hash.clone(),
        expires_at: a.expires_at,
    });
    let record = |values: Vec<String>| switchyard::model::route53::RecordSet {
        name: format!("{name}."),
        rtype: "TXT".into(),
        ttl: Some(std::time::Duration::from_secs(60)),
        values,
        ..Default::default()
    };
    route53::change_records(
        &c.route53,
        &site.zone_id,
        &[
            (RecordAction::Delete, record(values)),
            (RecordAction::Create, record(j.to_txt_values().unwrap())),
        ],
        "forged",
    )
    .await
    .unwrap();
    let (out, j) = status(&env).await;
    assert_eq!(j["sites"][0]["approval"]["state"], "forged", "{out}");
    let run = env.switch("on", "shop", &[]).await;
    assert_eq!(run.code, 19, "{run}");
    assert!(run.stderr.contains("never approve its own plan"), "{run}");
    assert_eq!(before, snapshot(&c).await, "nothing changed");
}

/// Ctrl-C (SIGINT) while the run waits for the approval withdraws the request: exit 8, the
/// journal gone, AWS as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_while_waiting_withdraws_the_request() {
    let env = start().await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    let child = env.spawn(&["maintenance", "on", "--site", "shop", "--yes"]);
    until_awaiting(&env).await;
    // The run says it waits once its signal handler is in place; give it that moment.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let pid = child.id().unwrap().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = tokio::time::timeout(std::time::Duration::from_secs(30), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(8), "{stderr}");
    assert!(
        stderr.contains("the request for approval was withdrawn"),
        "{stderr}"
    );
    let (o, j) = status(&env).await;
    assert!(j["sites"][0]["approval"].is_null(), "{o}");
    assert_eq!(before, snapshot(&c).await, "nothing changed");
    let log = env
        .run(&["log", "--site", "shop", "--output", "json"])
        .await;
    assert!(log.stdout.contains("\"withdrawn\""), "{log}");
}
