//! What switchyard shows of the AWS behaviours the emulator added for issue 16, through the real
//! binary: an NLB that takes a zone out of DNS, the checkers of a removed region, a health check
//! failing on a slow answer or on SNI, a host failure seen through late status metrics, and a
//! target group's raised minimums of healthy targets (fail open, then fail over).

use aws_sdk_route53::types::HealthCheckRegion;
use switchyard_sim::world::ec2::Behaviour;

use super::support::{Env, advance};
use super::*;

const WEB_CHECK: &str = "5e1c2d3b-4a59-4c7d-8e6f-0a1b2c3d4e01";
const WEB: &str = "i-0e0e0e0e0e0e00001";
const DB: &str = "i-0e0e0e0e0e0e00002";

fn behave(env: &Env, target: &str, b: &str) {
    env.sim
        .control(switchyard_sim::Control::SetBehaviour {
            target: target.into(),
            behaviour: Behaviour::parse(b).unwrap(),
        })
        .unwrap();
}

/// The status table of one site (with its checker lines).
async fn table(env: &Env, site: &str) -> Out {
    env.run(&["status", "--site", site]).await
}

/// An NLB whose zone a has no healthy target answers with zone b's address only: status still
/// reads the plain record as answered, with that address, and does not call it down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_nlb_zone_out_of_dns_still_reads_as_the_record_answered() {
    let env = Env::start_paused("nlb-sorry", "nlb-sorry").await;
    let zone_b = env.sim.with_world(|w| {
        let lb = w.elb.lbs.iter().find(|l| l.name == "pay-nlb").unwrap();
        lb.ips[1].clone()
    });
    stop(&env, &PAY[..1]);
    advance(&env.sim, 60.0);
    let (out, json) = status(&env, &[]).await;
    let s = site(&json, "pay");
    assert_eq!(s["served"], "plain record", "{out}");
    assert_eq!(s["dns_answer"], serde_json::json!([zone_b]), "{s:#}");
    assert_ne!(s["verdict"], "DOWN", "{s:#}");
    assert_ne!(s["verdict"], "UNKNOWN", "{s:#}");
    assert_eq!(s["complete"], true, "{s:#}");
}

/// A region taken out of a health check's Regions keeps checking for a while (AWS: "briefly"):
/// the checker lines keep showing it, with fresh observations, and then drop it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_checker_region_stays_in_the_checker_lines_for_a_while() {
    let env = Env::start_paused("endpoint-checks", "endpoint-checks").await;
    let c = env.clients().await;
    c.route53
        .update_health_check()
        .health_check_id(WEB_CHECK)
        .set_regions(Some(vec![
            HealthCheckRegion::UsEast1,
            HealthCheckRegion::UsWest2,
            HealthCheckRegion::EuWest1,
        ]))
        .send()
        .await
        .unwrap();
    behave(&env, WEB, "http:503");
    advance(&env.sim, 60.0);
    let out = table(&env, "web").await;
    assert!(out.stdout.contains(": 8 checkers"), "{out}");
    let line = out
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("ap-northeast-1"))
        .unwrap_or_else(|| panic!("no ap-northeast-1 checker line:\n{out}"));
    assert!(line.contains("HTTP 503"), "{line}");
    advance(&env.sim, 600.0);
    let out = table(&env, "web").await;
    assert!(out.stdout.contains(": 3 checkers"), "{out}");
    assert!(!out.stdout.contains("ap-northeast-1"), "{out}");
}

/// A health check whose endpoint answers too slowly (first byte after 2.5 s, or the connection
/// after 5 s) or refuses the handshake without SNI goes unhealthy: the site fails over, and the checker lines say why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_endpoint_or_a_missing_sni_fails_the_check_with_the_reason_shown() {
    let env = Env::start_paused("endpoint-checks", "endpoint-checks").await;
    let (_, json) = status(&env, &[]).await;
    assert_eq!(site(&json, "web")["verdict"], "LIVE", "{json:#}");
    behave(&env, WEB, "slow:2500");
    advance(&env.sim, 40.0);
    let out = table(&env, "web").await;
    assert!(out.stdout.contains("FAILED OVER"), "{out}");
    assert!(out.stdout.contains("response timed out"), "{out}");
    let (_, json) = status(&env, &[]).await;
    assert_eq!(site(&json, "web")["verdict"], "FAILED OVER", "{json:#}");

    // A connection that takes over 4 s.
    behave(&env, WEB, "slow_connect:5000");
    advance(&env.sim, 40.0);
    let out = table(&env, "web").await;
    assert!(out.stdout.contains("FAILED OVER"), "{out}");
    assert!(out.stdout.contains("connection timed out"), "{out}");
    assert!(!out.stdout.contains("response timed out"), "{out}");

    behave(&env, WEB, "healthy");
    let c = env.clients().await;
    c.route53
        .update_health_check()
        .health_check_id(WEB_CHECK)
        .enable_sni(false)
        .send()
        .await
        .unwrap();
    advance(&env.sim, 40.0);
    let out = table(&env, "web").await;
    assert!(out.stdout.contains("FAILED OVER"), "{out}");
    assert!(out.stdout.contains("SSL alert handshake_failure"), "{out}");
}

/// A host failure: StatusCheckFailed_System and StatusCheckFailed go ALARM (the instance check
/// stays OK) once the late datapoints arrive; the site fails over through its CLOUDWATCH_METRIC
/// check, and the alarms' reasons carry the datapoints' own minutes, older than the reading.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_failure_reads_in_the_system_alarm_with_its_datapoints_minutes() {
    let env = Env::start_paused("endpoint-checks", "endpoint-checks").await;
    env.sim
        .control(switchyard_sim::Control::HostFailure {
            instance: DB.into(),
            failed: true,
        })
        .unwrap();
    // 02:02:30: the failed minutes have not reached CloudWatch: nothing shows yet.
    advance(&env.sim, 150.0);
    let (_, json) = status(&env, &[]).await;
    assert_eq!(site(&json, "db")["verdict"], "LIVE", "{json:#}");
    // 02:04:30: they have.
    advance(&env.sim, 120.0);
    let (out, json) = status(&env, &[]).await;
    let s = site(&json, "db");
    assert_eq!(s["verdict"], "FAILED OVER", "{out}");
    let alarm = |name: &str| {
        s["alarms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("no alarm {name} in {s:#}"))
            .clone()
    };
    let system = alarm("db-1-StatusCheckFailed_System");
    assert_eq!(system["state"], "ALARM", "{system:#}");
    let reason = system["reason"].as_str().unwrap();
    assert!(
        reason.contains("(22/11/26 02:01:00)") && reason.contains("(22/11/26 02:00:00)"),
        "the datapoints' minutes, 3 minutes before the reading: {reason}"
    );
    assert_eq!(alarm("db-1-StatusCheckFailed_Instance")["state"], "OK");
    assert_eq!(alarm("db-1-StatusCheckFailed")["state"], "ALARM");
    assert!(
        reasons(s).contains("alarm db-1-StatusCheckFailed_System in ALARM: Threshold Crossed"),
        "{}",
        reasons(s)
    );
}

/// An alarm's last state changes, read where an operator needs them: for one site asked for by
/// name (`status --site`, as the console's detail), newest first, with the time and CloudWatch's
/// reason; never for the overview (`status` of every site calls no DescribeAlarmHistory).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alarms_last_state_changes_show_in_the_sites_detail_only() {
    let env = Env::start_paused("endpoint-checks", "endpoint-checks").await;
    env.sim
        .control(switchyard_sim::Control::HostFailure {
            instance: DB.into(),
            failed: true,
        })
        .unwrap();
    advance(&env.sim, 270.0);
    env.sim
        .control(switchyard_sim::Control::ResetCalls)
        .unwrap();
    let (out, json) = status(&env, &[]).await;
    assert_eq!(site(&json, "db")["verdict"], "FAILED OVER", "{out}");
    assert_eq!(
        env.sim.calls().get("cloudwatch", "DescribeAlarmHistory"),
        0,
        "the overview reads no alarm history"
    );
    let system = |s: &serde_json::Value| {
        s["alarms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "db-1-StatusCheckFailed_System")
            .unwrap_or_else(|| panic!("{s:#}"))
            .clone()
    };
    assert!(system(site(&json, "db"))["history"].is_null(), "{json:#}");

    let (out, json) = status(&env, &["--site", "db"]).await;
    assert!(env.sim.calls().get("cloudwatch", "DescribeAlarmHistory") >= 1);
    let alarm = system(site(&json, "db"));
    let newest = &alarm["history"][0];
    assert_eq!(
        newest["to"], "ALARM",
        "{alarm:#}
{out}"
    );
    assert_ne!(newest["from"], "ALARM", "{alarm:#}");
    assert!(
        newest["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("Threshold Crossed") && r == alarm["reason"]),
        "the reason CloudWatch gave for the change: {alarm:#}"
    );
    assert!(
        newest["at"].as_str().is_some_and(|a| a.starts_with("20")),
        "{alarm:#}"
    );
    // The change before it, older: the alarm's first OK once the instance reported.
    let before = &alarm["history"][1];
    assert_eq!(
        (&before["from"], &before["to"]),
        (
            &serde_json::json!("INSUFFICIENT_DATA"),
            &serde_json::json!("OK")
        ),
        "{alarm:#}"
    );
    assert!(before["at"].as_str() < newest["at"].as_str(), "{alarm:#}");

    let out = table(&env, "db").await;
    assert!(
        out.stdout
            .contains("  alarm db-1-StatusCheckFailed_System: last state changes, newest first"),
        "{out}"
    );
    let change = format!(
        "{} -> ALARM: Threshold Crossed",
        newest["from"].as_str().unwrap_or("?")
    );
    assert!(out.stdout.contains(&change), "{change}: {out}");
}

/// target-health's app target group asks for 2 healthy targets for DNS failover and 3 before the
/// ALB stops failing open. Two targets failing: Route 53 still answers the ALB (2 healthy are
/// enough), which fails open and sends clients to the failing targets too: status says the site
/// is DEGRADED, that the ALB fails open (2 of 4 healthy, below the minimum of 3) with the failing
/// targets named, and the probe shows what clients get: app-1's 500,
/// which is not the app serving even though it carries the app's text. A third failing: 1 healthy
/// of the 2 required, Route 53 answers the sorry page; status says FAILED OVER with the count,
/// and clients get the sorry page once their cached answer has run out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raised_target_group_minimums_show_as_fail_open_then_failover() {
    let env = Env::start_paused("target-health", "target-health").await;
    let (out, json) = status(&env, &[]).await;
    let s = site(&json, "app");
    assert_eq!(s["verdict"], "LIVE", "{out}");
    assert_eq!(s["probe"]["side"], "app", "{s:#}");
    assert!(!reasons(s).contains("fails open"), "{}", reasons(s));
    for id in ["i-07a4e000000000001", "i-07a4e000000000002"] {
        behave(&env, id, "http:500");
    }
    for _ in 0..4 {
        advance(&env.sim, 10.0);
    }
    let out = table(&env, "app").await;
    assert!(out.stdout.contains("app   DEGRADED     primary"), "{out}");
    for id in ["i-07a4e000000000001", "i-07a4e000000000002"] {
        assert!(
            out.stdout.contains(&format!("target {id}:8080 (eu-west-1"))
                && out
                    .stdout
                    .contains("of app is unhealthy (Target.ResponseCodeMismatch)"),
            "{out}"
        );
    }
    assert!(
        out.stdout
            .contains("clients get: neither page (500, 62 B, from the origin)"),
        "the ALB fails open to a failing target: {out}"
    );
    // Not just DEGRADED: below the fail-open minimum the ALB routes to the failing targets too,
    // and status says so, with the count and the minimum read from the target group.
    let fail_open = "the ALB app-alb fails open: target group app has 2 of 4 targets healthy, \
                     below the minimum of 3, so it routes to all 4 of them, the unhealthy ones too";
    assert!(out.stdout.contains(fail_open), "{out}");
    let (_, json) = status(&env, &[]).await;
    let s = site(&json, "app");
    assert!(reasons(s).contains(fail_open), "{}", reasons(s));
    let app = s["target_groups"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == "app"))
        .unwrap_or_else(|| panic!("{s:#}"));
    assert_eq!(app["fails_open"], true, "{app:#}");
    assert_eq!(app["healthy"], 2, "{app:#}");
    assert_eq!(s["served"], "primary", "{s:#}");
    assert_eq!(s["probe"]["side"], "neither", "{s:#}");
    assert_eq!(s["probe"]["seen"]["status"], 500, "{s:#}");

    behave(&env, "i-07a4e000000000003", "http:500");
    for _ in 0..4 {
        advance(&env.sim, 10.0);
    }
    let (out, json) = status(&env, &[]).await;
    let s = site(&json, "app");
    assert_eq!(s["verdict"], "FAILED OVER", "{out}");
    assert!(
        reasons(s).contains(
            "primary target health unhealthy (Evaluate Target Health): ALB app-alb: target group \
             app has 1 of 4 targets healthy"
        ),
        "{}",
        reasons(s)
    );
    let app = s["target_groups"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == "app"))
        .unwrap_or_else(|| panic!("{s:#}"));
    assert_eq!(
        (
            &app["healthy"],
            &app["registered"],
            &app["dns_failover_minimum"],
            &app["fail_open_minimum"],
            &app["fails_open"]
        ),
        (
            &serde_json::json!(1),
            &serde_json::json!(4),
            &serde_json::json!(2),
            &serde_json::json!(3),
            &serde_json::json!(true)
        ),
        "the ALB still fails open, for clients whose cached answer is the ALB's: {app:#}"
    );
    advance(&env.sim, 61.0);
    let out = table(&env, "app").await;
    assert!(
        out.stdout
            .contains("clients get: the sorry page (200, 'maintenance', 98 B, via CloudFront)"),
        "{out}"
    );
}

/// target-health's app target group with its attributes unreadable (the role lacks
/// DescribeTargetGroupAttributes): AWS's defaults (1 healthy target for DNS failover, fail open
/// only with none healthy) are not the group's (2 and 3), so neither what Route 53 makes of the
/// group nor whether the ALB fails open is taken from them. All healthy: not LIVE but UNKNOWN,
/// exit 3 with the permission named, the minimums `null` in the JSON. Two failing (2 healthy meet
/// AWS's default): still UNKNOWN, whether the ALB fails open `null` (not `false`), and the detail
/// table says what was not read. Once the role has it again: LIVE, the minimums read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn target_group_minimums_that_could_not_be_read_are_a_check_not_made() {
    let env = Env::start_paused("target-health", "target-health").await;
    deny(
        &env,
        "elbv2",
        "DescribeTargetGroupAttributes",
        "AccessDenied",
    );
    let lacks = "access denied: the role lacks elasticloadbalancing:DescribeTargetGroupAttributes";
    let (out, json) = status(&env, &[]).await;
    let s = site(&json, "app");
    assert_eq!(s["verdict"], "UNKNOWN", "{out}");
    assert_eq!(out.code, 3, "{out}");
    assert_eq!(s["complete"], false, "{s:#}");
    let unread = format!("attributes of target group app: {lacks}");
    assert!(
        s["unread"]
            .as_array()
            .is_some_and(|u| u.iter().any(|u| u.as_str() == Some(unread.as_str()))),
        "{s:#}"
    );
    assert!(reasons(s).contains(&unread), "{}", reasons(s));
    assert!(
        out.stderr
            .lines()
            .any(|l| l.starts_with("switchyard status: app: ") && l.ends_with(lacks)),
        "{out}"
    );
    let tg = |s: &Value| {
        s["target_groups"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["name"] == "app"))
            .cloned()
            .unwrap_or_else(|| panic!("{s:#}"))
    };
    let app = tg(s);
    assert_eq!(
        (
            &app["dns_failover_minimum"],
            &app["fail_open_minimum"],
            &app["fails_open"],
            &app["attributes_error"]
        ),
        (
            &Value::Null,
            &Value::Null,
            &serde_json::json!(false),
            &serde_json::json!(lacks)
        ),
        "no target unhealthy: it does not fail open, whatever the minimum: {app:#}"
    );

    // Two targets set to `b`, then `steps` x 10 s for the ALB and the poller to follow.
    let two = |b: &str, steps: usize| {
        for id in ["i-07a4e000000000001", "i-07a4e000000000002"] {
            behave(&env, id, b);
        }
        for _ in 0..steps {
            advance(&env.sim, 10.0);
        }
    };
    two("http:500", 4);
    // Two failing: 2 healthy would meet AWS's default of 1 (and the group's 2), but the group's
    // minimum is not known: not taken as met.
    let (out, json) = status(&env, &[]).await;
    let s = site(&json, "app");
    assert_eq!(s["verdict"], "UNKNOWN", "{out}");
    assert_eq!(out.code, 3, "{out}");
    assert!(reasons(s).contains(&unread), "{}", reasons(s));
    let app = tg(s);
    assert_eq!(app["fails_open"], Value::Null, "{app:#}");
    assert_eq!(app["healthy"], 2, "{app:#}");
    let out = table(&env, "app").await;
    assert_eq!(out.code, 3, "{out}");
    let unwrapped = out.stdout.replace("\n      ", " ");
    assert!(
        unwrapped
            .lines()
            .any(|l| l.starts_with("  ! not read: ") && l.ends_with(&unread)),
        "{out}"
    );

    env.clear_faults();
    two("ok", 10);
    let (out, json) = status(&env, &[]).await;
    let s = site(&json, "app");
    assert_eq!(s["verdict"], "LIVE", "{out}");
    assert_eq!(out.code, 0, "{out}");
    let app = tg(s);
    assert_eq!(
        (&app["dns_failover_minimum"], &app["fail_open_minimum"]),
        (&serde_json::json!(2), &serde_json::json!(3)),
        "{app:#}"
    );
    assert_eq!(app["attributes_error"], Value::Null, "{app:#}");
}

/// A partial, regional outage of Route 53's checkers (the emulator's `region_outage`), read by
/// status: with 6 of the 8 checker regions losing shop's endpoint, 2 of 8 (25%, more than 18%)
/// still report success, so the check is healthy and the site is served by its primary (DEGRADED,
/// with how far it is from failing over), the failing regions named in the checker lines; with 7 of 8 (12.5%), the check is unhealthy and
/// the site FAILED OVER, the count said.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_regional_checker_outage_reads_by_the_18_percent_rule() {
    let env = Env::start_paused("demo", "demo").await;
    let regions = [
        "us-east-1",
        "us-west-1",
        "us-west-2",
        "eu-west-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
    ];
    let outage = |regions: &[&str]| {
        env.sim
            .control(switchyard_sim::Control::RegionOutage {
                regions: regions.iter().map(|r| r.to_string()).collect(),
                down: true,
            })
            .unwrap();
    };
    outage(&regions[..6]);
    advance(&env.sim, 95.0);
    let out = table(&env, "shop").await;
    assert!(out.stdout.contains("shop  DEGRADED     primary"), "{out}");
    assert!(
        out.stdout.contains(
            "6 of 8 checkers report failure (connection timed out); Route 53 fails over below 2 \
             reporting success"
        ),
        "{out}"
    );
    let failing = out
        .stdout
        .lines()
        .filter(|l| l.contains("0 of 1 success, FAILING"))
        .count();
    assert_eq!(failing, 6, "{out}");
    let (_, json) = status(&env, &["--site", "shop"]).await;
    let s = site(&json, "shop");
    assert_eq!(s["served"], "primary", "{s:#}");
    assert_ne!(s["verdict"], "FAILED OVER", "{s:#}");

    outage(&regions[6..]);
    advance(&env.sim, 95.0);
    let (out, json) = status(&env, &["--site", "shop"]).await;
    let s = site(&json, "shop");
    assert_eq!(s["verdict"], "FAILED OVER", "{out}");
    assert!(
        reasons(s).contains(
            "primary health check shop-primary (0b6f2e4a…) unhealthy: 1 of 8 checkers report \
             success (connection timed out)"
        ),
        "{}",
        reasons(s)
    );
}

/// Added behaviour (issue 18): the overview reads the targets' health in bulk from CloudWatch.
/// Status JSON shows each target group's HealthyHostCount/UnHealthyHostCount with their source
/// and the datapoint's minute and age (a lagging source, a minute or more old); a target going
/// unhealthy shows in the counts a minute later, beside the fresh per-target read that gives
/// its reason.
#[tokio::test]
async fn the_overview_shows_a_target_groups_cloudwatch_counts_with_their_source_and_age() {
    let env = Env::start_paused("target-health", "target-health").await;
    advance(&env.sim, 61.0);
    let counts = |json: &serde_json::Value| {
        let s = site(json, "app");
        let app = s["target_groups"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["name"] == "app"))
            .unwrap_or_else(|| panic!("{s:#}"));
        app["host_counts"].clone()
    };
    let (out, json) = status(&env, &[]).await;
    assert_eq!(site(&json, "app")["verdict"], "LIVE", "{out}");
    let c = counts(&json);
    assert_eq!(c["source"], "CloudWatch, 1-minute counts", "{c:#}");
    assert_eq!(
        (c["healthy"].as_u64(), c["unhealthy"].as_u64()),
        (Some(4), Some(0)),
        "{c:#}"
    );
    assert!(c["minute"].is_string(), "{c:#}");
    assert!(
        c["age_seconds"].as_u64().is_some_and(|a| a >= 60),
        "the datapoint is as old as its minute: {c:#}"
    );
    assert!(c["error"].is_null(), "{c:#}");

    behave(&env, "i-07a4e000000000001", "http:500");
    for _ in 0..12 {
        advance(&env.sim, 10.0);
    }
    let (out, json) = status(&env, &[]).await;
    let c = counts(&json);
    assert_eq!(
        (c["healthy"].as_u64(), c["unhealthy"].as_u64()),
        (Some(3), Some(1)),
        "{c:#} {out}"
    );
    let s = site(&json, "app");
    let failing = s["targets"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["id"] == "i-07a4e000000000001"))
        .unwrap_or_else(|| panic!("{s:#}"));
    assert_eq!(failing["state"], "unhealthy", "{failing:#}");
    assert_eq!(
        failing["reason"], "Target.ResponseCodeMismatch",
        "{failing:#}"
    );
}
