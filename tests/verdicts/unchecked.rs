//! Preflight checks and verification conditions that could not be made, in each strategy where
//! that can happen: shown as `[??]` (never `[ok]`), `could_not_check` in the plan JSON and the
//! audit log, refused without `--force` (exit 4), with what would let them be checked; and a
//! verification condition that cannot be checked keeps the switch from being done (exit 6).

use super::support::{Env, advance};
use super::*;

/// The preflight line of a check in `plan`'s text.
fn line<'a>(out: &'a Out, check: &str) -> &'a str {
    out.stdout
        .lines()
        .find(|l| l.contains(check))
        .unwrap_or_else(|| panic!("no preflight line {check:?}:\n{out}"))
}

/// Asserts the plan is refused because `check` could not be made, saying `why`.
fn assert_unchecked(out: &Out, check: &str, why: &str) {
    assert_eq!(out.code, 4, "{out}");
    let l = line(out, check);
    assert!(
        l.starts_with(&format!("  [??] {check}: could not be checked: ")),
        "{l}\n{out}"
    );
    assert!(l.contains(why), "{why:?} not in {l}");
    assert!(
        out.stdout.contains("Refused: ") && out.stdout.contains("could not be checked"),
        "{out}"
    );
}

/// The fail back: the NLB's app target group is used by no listener during
/// maintenance, so AWS does not check its targets. The fail back is not shown a tick, it is
/// refused; forced, it sends the traffic to stopped instances, and the verdict says DOWN.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listener_sorry_with_an_unused_target_group_in_both_directions() {
    let env = Env::start_paused("nlb-sorry", "nlb-sorry").await;
    // Entering: the sorry target group is used by no listener yet.
    let plan = env.run(&["plan", "on", "--site", "pay"]).await;
    assert_unchecked(
        &plan,
        "the sorry target group has healthy targets",
        "pay-sorry: no listener forwards to it, so AWS does not health-check its 1 target(s) \
         (pay-sorry-alb) and switchyard cannot say they are healthy; check them directly",
    );
    let on = env.switch("on", "pay", &[]).await;
    assert_eq!(on.code, 4, "{on}");
    assert!(on.stderr.contains("could not be checked"), "{on}");
    let on = env.switch("on", "pay", &["--force"]).await;
    assert_eq!(on.code, 0, "{on}");
    advance(&env.sim, 60.0);
    let (out, json) = status(&env, &[]).await;
    assert_eq!(site(&json, "pay")["verdict"], "MAINTENANCE", "{out}");
    // The app's instances stop during the window: the sorry page still serves, not DOWN.
    stop(&env, &PAY);
    advance(&env.sim, 300.0);
    let (out, json) = status(&env, &[]).await;
    assert_eq!(site(&json, "pay")["verdict"], "MAINTENANCE", "{out}");
    assert_eq!(out.code, 12, "{out}");
    // Failing back: the app's target group is used by no listener now.
    let plan = env.run(&["plan", "off", "--site", "pay"]).await;
    assert_unchecked(
        &plan,
        "the primary's targets are healthy",
        "pay-app: no listener forwards to it, so AWS does not health-check its 2 target(s) \
         (i-0b0b0b0b0b0b00101, i-0b0b0b0b0b0b00102) and switchyard cannot say they are healthy",
    );
    assert!(
        !plan.stdout.contains("[ok] the primary's targets"),
        "{plan}"
    );
    let json = env
        .run(&["plan", "off", "--site", "pay", "--output", "json"])
        .await;
    assert_eq!(json.code, 4, "{json}");
    let p: Value = serde_json::from_str(&json.stdout).unwrap();
    let check = p["preflight"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "the primary's targets are healthy")
        .unwrap();
    assert_eq!(check["result"], "could_not_check", "{check:#}");
    assert_eq!(check["passed"], false, "{check:#}");
    // Refused without --force, and the audit log says what could not be checked.
    let off = env.switch("off", "pay", &[]).await;
    assert_eq!(off.code, 4, "{off}");
    let audit = std::fs::read_to_string(env.audit_log()).unwrap();
    let refused: Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(refused["result"], "refused", "{refused:#}");
    assert!(
        refused["plan"]["preflight"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["result"] == "could_not_check"),
        "{refused:#}"
    );
    // Forced: the traffic goes to the stopped instances, and the verdict says so.
    let off = env.switch("off", "pay", &["--force"]).await;
    assert_eq!(off.code, 0, "{off}");
    advance(&env.sim, 120.0);
    let (out, json) = status(&env, &[]).await;
    assert_eq!(out.code, 15, "{out}");
    assert_eq!(site(&json, "pay")["verdict"], "DOWN", "{out}");
}

/// The secondary's alias names a distribution this account does not have.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_distribution_that_is_not_found() {
    let config = "[defaults]\nregion = \"eu-west-1\"\n\n[[site]]\nname = \"shop\"\nzone = \
                  \"Z0EXAMPLE00SHOP\"\nrecord = \"www.example.com\"\n\n[[site.maintenance]]\n\
                  strategy = \"route53-invert-health-check\"\n";
    let env = Env::start_with_config_paused("alb-cloudfront", config).await;
    let c = env.clients().await;
    let at = switchyard::aws::route53::records_at(
        &c.route53,
        "Z0EXAMPLE00SHOP",
        "www.example.com",
        "_switchyard.www.example.com",
    )
    .await
    .unwrap();
    let mut secondary = at
        .records
        .into_iter()
        .find(|r| r.failover == Some(switchyard::model::route53::Failover::Secondary))
        .unwrap();
    if let Some(a) = secondary.alias.as_mut() {
        a.dns_name = "dother0000000cd.cloudfront.net".into();
    }
    switchyard::aws::route53::change_records(
        &c.route53,
        "Z0EXAMPLE00SHOP",
        &[(switchyard::aws::route53::RecordAction::Upsert, secondary)],
        "test",
    )
    .await
    .unwrap();
    advance(&env.sim, 120.0);
    let plan = env.run(&["plan", "on", "--site", "shop"]).await;
    assert_unchecked(
        &plan,
        "the secondary's distribution is Deployed and enabled",
        "no CloudFront distribution of this account has the domain name \
         dother0000000cd.cloudfront.net (the SECONDARY's alias target): switchyard cannot see \
         whether it is Deployed and enabled",
    );
    assert!(
        !plan.stdout.contains("[ok] the secondary's distribution"),
        "{plan}"
    );
}

/// DNS name control: no Route 53 health check probes the standby the record moves to; the
/// active node it goes back to has one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_no_health_check_probes() {
    let env = Env::start_paused("dns-name-control", "dns-name-control").await;
    let plan = env.run(&["plan", "on", "--site", "db"]).await;
    assert_unchecked(
        &plan,
        "the standby the record moves to answers",
        "no Route 53 health check probes 203.0.113.20, so switchyard cannot tell whether it \
         answers; check it yourself before switching",
    );
    let on = env.switch("on", "db", &["--force"]).await;
    assert_eq!(on.code, 0, "{on}");
    let plan = env.run(&["plan", "off", "--site", "db"]).await;
    assert_eq!(plan.code, 0, "{plan}");
    let l = line(&plan, "the original the record goes back to answers");
    assert!(
        l.starts_with("  [ok] the original the record goes back to answers: 8 of 8 checkers")
            && l.contains("(TCP 203.0.113.10:5432) reach 203.0.113.10"),
        "{plan}"
    );
}

/// A check whose status cannot be read (the role lacks the permission): could not be checked,
/// with the permission named, in each strategy that needs one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_that_cannot_be_read() {
    // route53-invert-health-check: the checkers of the check to invert.
    let env = Env::start_paused("alb-cloudfront", "alb-cloudfront").await;
    deny(&env, "route53", "GetHealthCheckStatus", "AccessDenied");
    let plan = env.run(&["plan", "on", "--site", "shop"]).await;
    assert_unchecked(
        &plan,
        "the health check is healthy now, so that inverting it fails over",
        "could not be read: access denied: the role lacks route53:GetHealthCheckStatus",
    );
    // The same check of a CLOUDWATCH_METRIC check: its alarm.
    let env = Env::start_paused("cloudwatch-metric", "cloudwatch-metric").await;
    deny(&env, "cloudwatch", "DescribeAlarms", "AccessDenied");
    let plan = env.run(&["plan", "on", "--site", "api"]).await;
    assert_unchecked(
        &plan,
        "the health check is healthy now, so that inverting it fails over",
        "alarm api-1-StatusCheckFailed in eu-central-1 could not be read: access denied: the \
         role lacks cloudwatch:DescribeAlarms",
    );
    // elb-listener-sorry: the sorry target group's targets.
    let env = Env::start_paused("nlb-sorry", "nlb-sorry").await;
    deny(&env, "elbv2", "DescribeTargetHealth", "AccessDenied");
    let plan = env.run(&["plan", "on", "--site", "pay"]).await;
    assert_unchecked(
        &plan,
        "the sorry target group has healthy targets",
        "pay-sorry: target health could not be read: access denied: the role lacks \
         elasticloadbalancing:DescribeTargetHealth",
    );
    // alb-maintenance-rule ahead of every rule: the plan itself needs the rules (which ones move
    // down), so it is not made at all: an access problem (3), the permission named.
    let env = Env::start_paused("demo", "demo").await;
    deny(&env, "elbv2", "DescribeRules", "AccessDenied");
    let plan = env.run(&["plan", "on", "--site", "portal"]).await;
    assert_eq!(plan.code, 3, "{plan}");
    assert!(
        plan.stderr
            .contains("access denied: the role lacks elasticloadbalancing:DescribeRules"),
        "{plan}"
    );
    assert!(
        !plan.stdout.contains("[ok] the maintenance rule priorities"),
        "{plan}"
    );
}

/// Verification: a condition whose read keeps failing (the role lacks
/// cloudfront:GetDistribution) is never taken for converged: when the time is up and everything
/// else converged, the switch is not done and says what could not be verified.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_condition_that_cannot_be_verified_keeps_the_switch_from_done() {
    let env = Env::start("alb-cloudfront", "alb-cloudfront", 60.0).await;
    deny(&env, "cloudfront", "GetDistribution", "AccessDenied");
    // The preflight could not read it either: refused without --force.
    let plan = env.run(&["plan", "on", "--site", "shop"]).await;
    assert_unchecked(
        &plan,
        "the secondary's distribution is Deployed and enabled",
        "the distribution could not be read: access denied: the role lacks \
         cloudfront:GetDistribution",
    );
    let on = env
        .switch("on", "shop", &["--force", "--wait", "--timeout", "8s"])
        .await;
    assert_eq!(on.code, 6, "{on}");
    assert!(
        on.stdout.contains("NOT verified after")
            && on.stdout.contains("1 condition(s) could not be checked"),
        "{on}"
    );
    assert!(
        on.stdout
            .lines()
            .any(|l| l.starts_with("  [could not be checked] distribution ")
                && l.contains(
                    "could not be read: access denied: the role lacks cloudfront:GetDistribution"
                )),
        "{on}"
    );
    assert!(
        !on.stdout.contains("Verified: every change converged"),
        "{on}"
    );
    assert!(
        on.stdout.contains("NOT finished: shop is in maintenance")
            && on
                .stdout
                .contains("NOT verified, could not be checked: distribution"),
        "{on}"
    );
    let audit = std::fs::read_to_string(env.audit_log()).unwrap();
    let entry: Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(entry["result"], "not_verified", "{entry:#}");
    assert!(
        entry["verification"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["result"] == "could_not_check"),
        "{entry:#}"
    );
}
