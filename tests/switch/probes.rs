//! The client's-eye probe (issue 16): what a client that fetches the site's URL gets, through the
//! emulator's data plane (DNS caches kept for their TTL, load balancers answering as their
//! listeners decide, CloudFront with its error caching). Each demo setup is probed entering and
//! leaving maintenance; a CloudFront-cached sorry page keeps a fail back unverified until it
//! expires; a fail-open ALB serves the app while every target is unhealthy; a probe that cannot
//! run is a check not made.

use serde_json::Value;

use super::recognised::{SPEED, asset_config, fast, status_of};
use super::support::*;

fn probe(site: &Value) -> &Value {
    &site["probe"]
}

fn side(site: &Value) -> String {
    probe(site)["side"].as_str().unwrap_or("none").to_string()
}

/// `maintenance on --wait`, then `off --wait`, on a site of the demo: before, clients get the app;
/// verify's last condition is that clients get the sorry page, and status says so with the
/// page's text and who served it; after the fail back, clients get the app again.
async fn probed_round_trip(site: &str, sorry_via: &str) {
    let env = Env::start_with_config("demo", &fast(&asset_config("demo")), SPEED).await;
    let before = status_of(&env, site).await;
    assert_eq!(side(&before), "app", "{site} before: {before}");
    let line = probe(&before)["line"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(line.starts_with("clients get: the app (200, "), "{line}");

    let on = env
        .switch(
            "on",
            site,
            &["--wait", "--timeout", "60s", "--force", "--output", "json"],
        )
        .await;
    assert_eq!(on.code, 0, "{site} on: {on}");
    let report: Value = serde_json::from_str(&on.stdout).unwrap_or_else(|e| panic!("{e}: {on}"));
    let items = report["outcome"]["verification"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let last = items.last().cloned().unwrap_or_default();
    assert_eq!(
        last["what"],
        format!(
            "clients get the sorry page at https://{}/",
            before["record"].as_str().unwrap_or_default()
        ),
        "verify's last condition is the probe's: {on}"
    );
    assert_eq!(last["result"], "passed", "{on}");
    let during = status_of(&env, site).await;
    assert_eq!(during["verdict"], "MAINTENANCE", "{during}");
    assert_eq!(side(&during), "sorry", "{site} during: {during}");
    let seen = &probe(&during)["seen"];
    assert_eq!(seen["matched"], "maintenance", "{during}");
    assert_eq!(seen["via"], sorry_via, "{site}: {during}");
    let table = env.run(&["status", "--site", site]).await;
    assert!(
        table.stdout.contains("clients get: the sorry page ("),
        "{table}"
    );

    let off = env
        .switch("off", site, &["--wait", "--timeout", "60s", "--force"])
        .await;
    assert_eq!(off.code, 0, "{site} off: {off}");
    let after = status_of(&env, site).await;
    assert_eq!(side(&after), "app", "{site} after: {after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shop_clients_get_the_cloudfront_sorry_page_then_the_app() {
    probed_round_trip("shop", "cloudfront").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blog_clients_get_the_cloudfront_sorry_page_then_the_app() {
    probed_round_trip("blog", "cloudfront").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_clients_get_the_cloudfront_sorry_page_then_the_app() {
    probed_round_trip("api", "cloudfront").await;
}

/// The NLB's listener forwards to the sorry ALB, whose fixed response is the maintenance page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_clients_get_the_sorry_albs_page_then_the_app() {
    probed_round_trip("pay", "load_balancer").await;
}

/// The maintenance rule's fixed response, from the ALB itself (the probe is not on the
/// operators' allow-list).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_clients_get_the_maintenance_rules_page_then_the_app() {
    probed_round_trip("portal", "load_balancer").await;
}

/// CloudFront in front of the ALB keeps the error page for ErrorCachingMinTTL (300 s): after the
/// fail back AWS serves the app, the verdict is LIVE, but clients still get the cached sorry page
/// (said with its age), so the fail back is not verified until the cached error expires.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cloudfront_cached_sorry_page_keeps_the_fail_back_unverified_until_it_expires() {
    let env =
        Env::start_with_config_paused("cloudfront-front", &asset_config("cloudfront-front")).await;
    let before = status_of(&env, "docs").await;
    assert_eq!(
        before["verdict"], "LIVE",
        "CloudFront in front of the app is the app: {before}"
    );
    assert_eq!(side(&before), "app", "{before}");
    assert_eq!(probe(&before)["seen"]["via"], "cloudfront", "{before}");

    let on = env
        .switch("on", "docs", &["--wait", "--timeout", "30s"])
        .await;
    assert_eq!(on.code, 0, "{on}");
    let during = status_of(&env, "docs").await;
    assert_eq!(during["verdict"], "MAINTENANCE", "{during}");
    assert_eq!(side(&during), "sorry", "{during}");
    assert_eq!(probe(&during)["seen"]["status"], 503, "{during}");

    advance(&env.sim, 20.0);
    // The clock stands still: the cached error outlives the wait.
    let off = env
        .switch("off", "docs", &["--wait", "--timeout", "3s"])
        .await;
    assert_eq!(
        off.code, 6,
        "not verified while clients get the cached page: {off}"
    );
    assert!(
        off.stdout
            .contains("clients get the app at https://docs.example.com/")
            || off
                .stderr
                .contains("clients get the app at https://docs.example.com/"),
        "{off}"
    );
    let after = status_of(&env, "docs").await;
    assert_eq!(
        after["verdict"], "LIVE",
        "AWS serves the app again: {after}"
    );
    assert_eq!(
        side(&after),
        "sorry",
        "clients still get the cached page: {after}"
    );
    let cached = probe(&after)["seen"]["cached_secs"].as_u64().unwrap_or(0);
    assert!(cached >= 20, "the cached page's age is shown: {after}");
    let table = env.run(&["status", "--site", "docs"]).await;
    assert!(table.stdout.contains("via CloudFront, cached "), "{table}");

    advance(&env.sim, 300.0);
    let later = status_of(&env, "docs").await;
    assert_eq!(side(&later), "app", "the cached error expired: {later}");
}

/// Every target unhealthy (the health check's matcher no longer matches what the app answers):
/// the ALB fails open and routes to them anyway, so clients still get the app, which the probe
/// shows beside the unhealthy targets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fail_open_alb_serves_the_app_while_every_target_is_unhealthy() {
    let env = Env::start_paused("alb-cloudfront", "alb-cloudfront").await;
    let c = env.clients().await;
    let tg = switchyard::aws::elbv2::all_target_groups(&c.elbv2)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "shop-app")
        .unwrap();
    c.elbv2
        .modify_target_group()
        .target_group_arn(&tg.arn)
        .matcher(
            aws_sdk_elasticloadbalancingv2::types::Matcher::builder()
                .http_code("204")
                .build(),
        )
        .send()
        .await
        .unwrap();
    for _ in 0..4 {
        advance(&env.sim, 30.0);
    }
    let s = status_of(&env, "shop").await;
    let targets = s["targets"].as_array().cloned().unwrap_or_default();
    assert!(
        !targets.is_empty() && targets.iter().all(|t| t["state"] == "unhealthy"),
        "every target unhealthy: {s}"
    );
    assert_eq!(side(&s), "app", "the ALB fails open: {s}");
    assert_eq!(probe(&s)["seen"]["status"], 200, "{s}");
}

/// A probe that cannot run (nothing listens where the probe proxy should be) is a check not
/// made: the site is never LIVE on it, status exits non-zero and says why, and verify reports
/// the condition as not checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_that_cannot_run_is_never_a_pass() {
    let env = Env::start_with_config("demo", &fast(&asset_config("demo")), SPEED).await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let nowhere = format!("http://127.0.0.1:{port}");
    let out = env
        .spawn_output_env(
            &["status", "--site", "shop", "--output", "json"],
            &[("SWITCHYARD_PROBE_PROXY", nowhere.as_str())],
        )
        .await;
    assert_ne!(out.code, 0, "{out}");
    let j: Value = serde_json::from_str(&out.stdout).unwrap();
    let s = &j["sites"][0];
    assert_eq!(s["verdict"], "UNKNOWN", "{out}");
    assert!(s["probe"]["side"].is_null(), "{out}");
    assert!(
        s["probe"]["error"]
            .as_str()
            .unwrap_or_default()
            .contains(&nowhere),
        "the error names the proxy: {out}"
    );
    assert!(
        s["unread"]
            .to_string()
            .contains("probe of https://www.example.com/"),
        "{out}"
    );
    let on = env
        .spawn_output_env(
            &[
                "maintenance",
                "on",
                "--site",
                "shop",
                "--yes",
                "--wait",
                "--timeout",
                "5s",
            ],
            &[("SWITCHYARD_PROBE_PROXY", nowhere.as_str())],
        )
        .await;
    assert_eq!(on.code, 6, "a condition not checked is not verified: {on}");
    assert!(
        on.stdout.contains("the probe could not run")
            || on.stderr.contains("the probe could not run"),
        "{on}"
    );
}
