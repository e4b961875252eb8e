//! `alb-maintenance-rule` on a listener that answers most requests by its 40 host and path rules
//! (assets/scenarios/alb-rules.toml): the maintenance rule goes ahead of all of them, the rules
//! in the way move down and back exactly, a client gets the maintenance page on every host and
//! path, and the preflight names every rule that would bypass it.

use switchyard::aws::{elbv2, route53};
use switchyard::model::journal::{self, Change, Journal, StepState};
use switchyard_sim::FaultKind;
use switchyard_sim::world::ec2::Probe;
use switchyard_sim::world::elb::Request;

use super::support::*;
use super::{Kill, calls_reach};

const LISTENER: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop-alb/8e9f0a1b2c3d4e5f/6a7b8c9d0e1f2a3b";

/// The scenario's config with another maintenance table.
fn config(maintenance: &str) -> String {
    format!(
        r#"
[defaults]
region = "eu-west-1"

[[site]]
name = "shop"
zone = "Z0EXAMPLE0RULES"
record = "www.example.com"

[[site.maintenance]]
{maintenance}
"#
    )
}

/// Everyone is sent the maintenance page, nobody let through: one rule, at priority 2.
fn nobody() -> String {
    config(&format!(
        "strategy = \"alb-maintenance-rule\"\nlistener = \"{LISTENER}\"\n"
    ))
}

/// What a client from `ip` gets for `https://host/path`, through DNS as the internet resolves it.
fn client(env: &Env, host: &str, path: &str, ip: &str) -> Probe {
    env.sim
        .with_world(|w| w.probe_host(host, 443, &Request::get(Some(host), path).from_ip(ip), 0))
}

/// Requests that each a different rule (or the default action) answers.
const REQUESTS: [(&str, &str); 8] = [
    ("www.example.com", "/"),
    ("www.example.com", "/checkout/pay"),
    ("www.example.com", "/api/cart"),
    ("api.example.com", "/v2/orders"),
    ("api.example.com", "/v1/orders"),
    ("m.example.com", "/"),
    ("www.example.com", "/static/app.js"),
    ("www.example.com", "/promo/spring"),
];

/// The listener's rules: (priority, rule ARN), by priority, the default rule left out.
async fn priorities(env: &Env) -> Vec<(u32, String)> {
    let c = env.clients().await;
    elbv2::rules(&c.elbv2, LISTENER)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| !r.is_default)
        .map(|r| (r.priority.unwrap(), r.arn))
        .collect()
}

async fn journal_of(env: &Env) -> Journal {
    let c = env.clients().await;
    let values = route53::records_at(
        &c.route53,
        "Z0EXAMPLE0RULES",
        "www.example.com",
        "_switchyard.www.example.com",
    )
    .await
    .unwrap()
    .beside
    .unwrap();
    Journal::from_txt_values(&values).unwrap()
}

/// `maintenance on` puts the operators' rule at 1 and the maintenance rule at 2, ahead of all 40
/// rules (rules 1–36 moved to 3–38 in one call, their order kept, 40 to 100 left where they
/// are); every client outside the office gets the maintenance page on every host and path, the
/// office gets the app; `maintenance off` puts every priority back exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maintenance_ahead_of_forty_rules_and_back_exactly() {
    let env = Env::start("alb-rules", "alb-rules", 60.0).await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    let rules_before = priorities(&env).await;
    assert_eq!(rules_before.len(), 40);
    for (host, path) in REQUESTS {
        assert_eq!(
            client(&env, host, path, "192.0.2.44"),
            Probe::Http(200),
            "{host}{path}"
        );
    }
    let plan = env.run(&["plan", "on", "--site", "shop"]).await;
    assert_eq!(plan.code, 0, "{plan}");
    assert!(
        plan.stdout
            .contains("elasticloadbalancing:SetRulePriorities"),
        "{plan}"
    );
    assert!(
        plan.stdout.contains("before: 36 rules at priorities 1–36"),
        "{plan}"
    );
    assert!(
        plan.stdout.contains("after:  36 rules at priorities 3–38"),
        "{plan}"
    );
    assert!(
        plan.stdout.contains("[ok] no listener rule bypasses the maintenance page: the maintenance rule at priority 2 comes before all 40 rules"),
        "{plan}"
    );
    let on = env
        .switch("on", "shop", &["--wait", "--timeout", "60s"])
        .await;
    assert_eq!(on.code, 0, "{on}");
    assert!(
        on.stdout
            .contains("moved 36 rules from priorities 1–36 to 3–38"),
        "{on}"
    );
    let during = priorities(&env).await;
    assert_eq!(during.len(), 42);
    assert_eq!(
        during.iter().map(|(p, _)| *p).take(2).collect::<Vec<_>>(),
        [1, 2]
    );
    // The site's own rules in the same order, behind switchyard's two.
    let arns = |r: &[(u32, String)]| r.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>();
    assert_eq!(arns(&during[2..]), arns(&rules_before));
    let moved: Vec<u32> = during[2..].iter().map(|(p, _)| *p).collect();
    let mut want: Vec<u32> = (3..=38).collect();
    want.extend([40, 45, 50, 100]);
    assert_eq!(moved, want);
    for (host, path) in REQUESTS {
        assert_eq!(
            client(&env, host, path, "192.0.2.44"),
            Probe::Http(503),
            "{host}{path}: a client still reaches the app during maintenance"
        );
        assert_eq!(
            client(&env, host, path, "203.0.113.9"),
            Probe::Http(200),
            "{host}{path}: the office does not reach the app"
        );
    }
    // The journal holds the exact priorities before and after, by rule ID.
    let j = journal_of(&env).await;
    let Change::RulePriorities {
        before: b,
        after: a,
    } = &j.steps[0].change
    else {
        panic!("{:?}", j.steps[0]);
    };
    assert_eq!(j.steps[0].state, StepState::Done);
    assert_eq!(j.steps[0].resource, LISTENER);
    let id = |arn: &str| journal::RulePriorities::rule_id(arn).to_string();
    assert_eq!(
        b.rules,
        rules_before[..36]
            .iter()
            .map(|(p, arn)| (id(arn), *p))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        a.rules,
        rules_before[..36]
            .iter()
            .map(|(p, arn)| (id(arn), *p + 2))
            .collect::<Vec<_>>()
    );
    let off = env
        .switch("off", "shop", &["--wait", "--timeout", "60s"])
        .await;
    assert_eq!(off.code, 0, "{off}");
    assert_eq!(
        before,
        snapshot(&c).await,
        "fail back did not restore every rule and priority exactly"
    );
    for (host, path) in REQUESTS {
        assert_eq!(
            client(&env, host, path, "192.0.2.44"),
            Probe::Http(200),
            "{host}{path}"
        );
    }
}

/// A maintenance rule at a fixed priority behind rules that reach the app, and a listener
/// switch whose rules keep serving the app: the preflight names each of those rules (priority,
/// conditions, target) as a failed check, and `maintenance on` needs `--force`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_names_every_rule_that_bypasses_the_maintenance_page() {
    // Priorities 37 (operators) and 38 (everyone): rules 1 to 36 come first.
    let fixed = config(&format!(
        "strategy = \"alb-maintenance-rule\"\nlistener = \"{LISTENER}\"\npriority = 37\nallow_cidrs = [\"203.0.113.0/24\"]\n"
    ));
    let env = Env::start_with_config_paused("alb-rules", &fixed).await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    let plan = env.run(&["plan", "on", "--site", "shop"]).await;
    assert_eq!(plan.code, 4, "{plan}");
    let failed: Vec<&str> = plan
        .stdout
        .lines()
        .filter(|l| l.contains("[FAILED] no listener rule bypasses the maintenance page"))
        .collect();
    // Rules 1 to 36 all forward to the app (shop-web or shop-api).
    assert_eq!(failed.len(), 36, "{plan}");
    assert!(failed[0].contains("rule 1 (host api.example.com and path /v2/*) forwards to shop-api ahead of the maintenance rule at priority 38"), "{plan}");
    assert!(
        failed[3].contains("rule 4 (header X-Canary 1) forwards to shop-web"),
        "{plan}"
    );
    assert!(
        failed[35].contains(
            "rule 36 (path /partners/* and source-ip 198.51.100.0/24) forwards to shop-api"
        ),
        "{plan}"
    );
    let on = env.switch("on", "shop", &[]).await;
    assert_eq!(on.code, 4, "{on}");
    assert_eq!(before, snapshot(&c).await);

    // The default action alone: every rule that forwards is named, the redirect and the 404
    // are not.
    let sorry = config(&format!(
        "strategy = \"elb-listener-sorry\"\nlistener = \"{LISTENER}\"\nfixed_response = {{ status = 503 }}\n"
    ));
    let env = Env::start_with_config_paused("alb-rules", &sorry).await;
    let plan = env.run(&["plan", "on", "--site", "shop"]).await;
    assert_eq!(plan.code, 4, "{plan}");
    let failed: Vec<&str> = plan
        .stdout
        .lines()
        .filter(|l| l.contains("[FAILED] no listener rule bypasses the maintenance page"))
        .collect();
    assert_eq!(failed.len(), 38, "{plan}");
    assert!(failed[0].contains("rule 1 (host api.example.com and path /v2/*) forwards to shop-api on arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop-alb/8e9f0a1b2c3d4e5f/6a7b8c9d0e1f2a3b: elb-listener-sorry changes only the default action"), "{plan}");
    assert!(
        failed[37].contains("rule 100 (host www.example.com, example.com)"),
        "{plan}"
    );
    assert!(!plan.stdout.contains("rule 40 ("), "{plan}");
    assert!(!plan.stdout.contains("rule 45 ("), "{plan}");
    let forced = env.switch("on", "shop", &["--force"]).await;
    assert_eq!(forced.code, 0, "{forced}");
}

/// A kill -9 while the rules are being moved (before or after AWS took the move), and while the
/// first maintenance rule is being created: `maintenance off` restores every priority exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_around_the_move_then_fail_back_restores_every_priority() {
    let cases = [
        ("SetRulePriorities", Kill::DuringCall),
        ("SetRulePriorities", Kill::AfterCall),
        ("CreateRule", Kill::DuringCall),
    ];
    for (operation, how) in cases {
        let case = format!("{operation} {how:?}");
        let env = Env::start_with_config("alb-rules", &nobody(), 60.0).await;
        let c = env.clients().await;
        let before = snapshot(&c).await;
        match how {
            Kill::DuringCall => env.fault("elbv2", operation, FaultKind::Timeout, None),
            Kill::AfterCall => env.fault("elbv2", operation, FaultKind::Hold, None),
        }
        let mut child = env.spawn(&["maintenance", "on", "--site", "shop", "--yes"]);
        calls_reach(&env, "elbv2", operation, 1).await;
        if let Kill::AfterCall = how {
            let n = env.sim.calls().get("route53", "ChangeResourceRecordSets");
            env.fault(
                "route53",
                "ChangeResourceRecordSets",
                FaultKind::Timeout,
                None,
            );
            env.sim
                .control(switchyard_sim::Control::ClearFaults {
                    service: Some("elbv2".into()),
                    operation: Some(operation.into()),
                })
                .unwrap();
            calls_reach(&env, "route53", "ChangeResourceRecordSets", n + 1).await;
        }
        child.start_kill().unwrap();
        let status = child.wait().await.unwrap();
        assert_eq!(status.code(), None, "{case}: the process was not killed");
        env.clear_faults();
        let moved = priorities(&env).await.first().map(|(p, _)| *p);
        match (operation, how) {
            ("SetRulePriorities", Kill::DuringCall) => assert_eq!(moved, Some(1), "{case}"),
            _ => assert_eq!(moved, Some(3), "{case}: the move took effect"),
        }
        let j = journal_of(&env).await;
        assert_eq!(j.steps[0].call(), "elasticloadbalancing:SetRulePriorities");
        let plan = env.run(&["plan", "off", "--site", "shop"]).await;
        assert!(
            plan.stdout.contains("before: 36 rules at priorities 3–38"),
            "{case}: {plan}"
        );
        let off = env
            .switch("off", "shop", &["--force", "--wait", "--timeout", "60s"])
            .await;
        assert_eq!(off.code, 0, "{case}: {off}");
        assert_eq!(
            before,
            snapshot(&c).await,
            "{case}: not restored after kill -9"
        );
    }
}

/// Killed after the move, `maintenance on` resumes without moving again; a step that fails
/// afterwards takes the move back, exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_entry_does_not_move_twice_and_a_failure_moves_back() {
    let env = Env::start_with_config("alb-rules", &nobody(), 60.0).await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    env.fault("elbv2", "CreateRule", FaultKind::Timeout, None);
    let mut child = env.spawn(&["maintenance", "on", "--site", "shop", "--yes"]);
    calls_reach(&env, "elbv2", "CreateRule", 1).await;
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    env.clear_faults();
    let plan = env.run(&["plan", "on", "--site", "shop"]).await;
    assert!(!plan.stdout.contains("SetRulePriorities"), "{plan}");
    assert!(plan.stdout.contains("CreateRule"), "{plan}");
    let on = env
        .switch("on", "shop", &["--force", "--wait", "--timeout", "60s"])
        .await;
    assert_eq!(on.code, 0, "{on}");
    assert!(on.stdout.contains("resumed the entry"), "{on}");
    assert_eq!(env.sim.calls().get("elbv2", "SetRulePriorities"), 1);
    let now = priorities(&env).await;
    assert_eq!(now[0].0, 2, "the maintenance rule");
    assert_eq!(now[1].0, 3, "the site's first rule moved by two, once");
    let off = env
        .switch("off", "shop", &["--wait", "--timeout", "60s"])
        .await;
    assert_eq!(off.code, 0, "{off}");
    assert_eq!(before, snapshot(&c).await);

    // The maintenance rule cannot be created: the move is taken back and the journal removed.
    env.fault(
        "elbv2",
        "CreateRule",
        FaultKind::Error {
            code: "TooManyRules".into(),
            message: Some("The listener already has the maximum number of rules".into()),
            status: Some(400),
        },
        None,
    );
    let on = env.switch("on", "shop", &[]).await;
    assert_ne!(on.code, 0, "{on}");
    assert!(on.stdout.contains("SetRulePriorities"), "{on}");
    assert!(on.stdout.contains("rolled back"), "{on}");
    assert!(on.stderr.contains("undone and the journal removed"), "{on}");
    env.clear_faults();
    assert_eq!(before, snapshot(&c).await, "rollback did not restore");
}

use super::peers::moto;

/// A second opinion on the wire: moto's listener given rules at 1, 2 and 10, switched with the
/// maintenance rule first and back: rules 1 and 2 move to 3 and 4 and return exactly. (moto
/// checks each new priority against the priorities before the call, so a move onto priorities
/// that other moved rules give up, which AWS allows, is left to the emulator's tests.) Skipped
/// with a printed reason when moto is not installed (see tests/support/moto.rs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rules_move_and_return_in_moto_too() {
    let Some(moto) = tokio::task::spawn_blocking(moto::Moto::start)
        .await
        .unwrap()
    else {
        return;
    };
    let c = clients_at(&moto.endpoint, "eu-west-1").await;
    let listener = moto.seed_str("listener_arn");
    let app = switchyard::model::elb::ListenerAction::forward_to(moto.seed_str("target_group_arn"));
    for (priority, field, value) in [
        (1, "host-header", "api.example.com"),
        (2, "path-pattern", "/static/*"),
        (10, "path-pattern", "/checkout/*"),
    ] {
        let condition = switchyard::model::elb::RuleCondition {
            field: field.into(),
            values: vec![value.into()],
            http_header_name: None,
        };
        elbv2::create_rule(
            &c.elbv2,
            &listener,
            priority,
            &[condition],
            std::slice::from_ref(&app),
            &[],
        )
        .await
        .unwrap();
    }
    let read = || async { elbv2::rules(&c.elbv2, &listener).await.unwrap() };
    let before = read().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[defaults]
region = "eu-west-1"

[[site]]
name = "shop"
zone = "{}"
record = "www.example.com"

[[site.maintenance]]
strategy = "alb-maintenance-rule"
listener = "{listener}"
"#,
            moto.seed_str("zone_id")
        ),
    )
    .unwrap();
    let switch = |direction: &'static str| {
        output(command(
            &moto.env(),
            dir.path(),
            &path,
            &[
                "maintenance",
                direction,
                "--site",
                "shop",
                "--yes",
                "--force",
            ],
        ))
    };
    let on = switch("on").await;
    assert_eq!(on.code, 0, "{on}");
    let during: Vec<Option<u32>> = read().await.iter().map(|r| r.priority).collect();
    assert_eq!(during, [Some(2), Some(3), Some(4), Some(10), None], "{on}");
    let off = switch("off").await;
    assert_eq!(off.code, 0, "{off}");
    assert_eq!(before, read().await, "not restored in moto");
}
