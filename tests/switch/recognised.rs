//! Every state a maintenance strategy creates is recognised: for each of the seven strategies on
//! each emulator shape where it applies, `maintenance on --wait` converges (the engine's verify),
//! the verdict is MAINTENANCE and `wait --for maintenance` reaches it, what `status` says of the
//! switched listener agrees, and `maintenance off --wait` puts AWS back exactly and the verdict
//! back to what it was.

use std::time::Duration;

use serde_json::Value;
use switchyard::aws::elbv2;

use super::support::*;

/// The emulator runs this many times real time: a health check flips in well under a second.
pub const SPEED: f64 = 600.0;

/// A config that looks again every second (`wait`, the engine's verify): the smallest interval.
pub fn fast(config: &str) -> String {
    let fast = config
        .lines()
        .filter(|l| !l.trim_start().starts_with("focus_interval"))
        .map(|l| {
            if l.trim() == "[defaults]" {
                format!("{l}\nfocus_interval = \"1s\"")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        fast.contains("focus_interval"),
        "no [defaults] in\n{config}"
    );
    fast
}

/// [`asset_config`] without its sites' probes: for tests of something else (the ETA, say) on
/// an emulator whose clock they drive; the probes have their own tests (`probes.rs`).
pub fn asset_config_without_probes(name: &str) -> String {
    super::configs::without_probes(&asset_config(name))
}

/// The text of a config in `assets/configs`.
pub fn asset_config(name: &str) -> String {
    let path = format!("{}/assets/configs/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap()
}

/// `status --site S --output json`: the site's report.
pub async fn status_of(env: &Env, site: &str) -> Value {
    let out = env
        .run(&["status", "--site", site, "--output", "json"])
        .await;
    let report: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"));
    report["sites"][0].clone()
}

/// Looks at the site's status until its verdict is `verdict` (a switch may still be settling: a
/// health check failing over behind a maintenance page); the report that says it.
pub async fn settles(env: &Env, site: &str, verdict: &str, what: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..40 {
        last = status_of(env, site).await;
        if last["verdict"] == verdict {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!(
        "{what}: the verdict is not {verdict}:\n{}",
        serde_json::to_string_pretty(&last).unwrap()
    );
}

/// The ARN of a load balancer's listener on `port`, as the emulator made it.
pub async fn listener_arn(env: &Env, lb_name: &str, port: u16) -> String {
    let c = env.clients().await;
    let lb = elbv2::load_balancers(&c.elbv2)
        .await
        .unwrap()
        .into_iter()
        .find(|lb| lb.name == lb_name)
        .unwrap_or_else(|| panic!("no load balancer {lb_name}"));
    elbv2::listeners(&c.elbv2, &lb.arn)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.port == port)
        .unwrap_or_else(|| panic!("no listener {port} on {lb_name}"))
        .arn
}

fn listener_in<'a>(report: &'a Value, arn: &str) -> &'a Value {
    report["listeners"]
        .as_array()
        .and_then(|ls| ls.iter().find(|l| l["arn"] == arn))
        .unwrap_or_else(|| panic!("no listener {arn} in {report}"))
}

/// One site's maintenance and fail back, checked end to end (see the module's documentation).
/// `before` is the site's verdict before and after; `listener` the listener a listener strategy
/// switches, if any.
pub async fn round_trip(env: &Env, site: &str, before: &str, listener: Option<&str>) {
    let what = format!("{site} ({})", env.config.display());
    let c = env.clients().await;
    let aws_before = snapshot(&c).await;
    let status = settles(env, site, before, &format!("{what} before")).await;
    if let Some(arn) = listener {
        assert_eq!(
            listener_in(&status, arn)["serves_with_rules"],
            "app",
            "{what}"
        );
    }

    let args = ["--wait", "--timeout", "60s", "--reason", "round trip"];
    let on = env.switch_past_unchecked("on", site, &args).await;
    assert_eq!(on.code, 0, "{what} on: {on}");
    assert!(
        on.stdout.contains("Verified: every change converged"),
        "{what}: {on}"
    );
    let during = snapshot(&c).await;
    assert_ne!(aws_before, during, "{what}: maintenance on changed nothing");
    assert!(
        during
            .records
            .iter()
            .any(|r| r.name.starts_with("_switchyard.") && r.rtype == "TXT"),
        "{what}: no journal record while in maintenance"
    );
    // Again: nothing to do, and it says so.
    let again = env.switch("on", site, &[]).await;
    assert_eq!(again.code, 0, "{what}: {again}");
    assert!(
        again
            .stdout
            .contains("Nothing to do: already in maintenance since"),
        "{what}: {again}"
    );
    let w = env
        .run(&[
            "wait",
            "--site",
            site,
            "--for",
            "maintenance",
            "--timeout",
            "30s",
        ])
        .await;
    assert_eq!(w.code, 0, "{what} wait for maintenance: {w}");
    let status = settles(env, site, "MAINTENANCE", &format!("{what} during")).await;
    assert_eq!(status["exit_code"], 12, "{what}: {status}");
    assert!(
        status["reasons"][0]
            .as_str()
            .is_some_and(|r| r.starts_with("maintenance forced by")),
        "{what}: {status}"
    );
    if let Some(arn) = listener {
        let l = listener_in(&status, arn);
        assert_eq!(l["serves_with_rules"], "sorry", "{what}: {l}");
        // Only the operators' allow-list still reaches the app.
        for r in l["rules_to_app"].as_array().unwrap() {
            assert_eq!(r["allow_list"], true, "{what}: {l}");
        }
    }

    let args = ["--wait", "--timeout", "60s"];
    let off = env.switch_past_unchecked("off", site, &args).await;
    assert_eq!(off.code, 0, "{what} off: {off}");
    assert!(
        off.stdout.contains("Verified: every change converged"),
        "{what}: {off}"
    );
    let w = env
        .run(&["wait", "--site", site, "--for", "live", "--timeout", "30s"])
        .await;
    assert_eq!(w.code, 0, "{what} wait for live: {w}");
    let status = settles(env, site, before, &format!("{what} after")).await;
    assert!(status["maintenance"].is_null(), "{what}: {status}");
    if let Some(arn) = listener {
        assert_eq!(
            listener_in(&status, arn)["serves_with_rules"],
            "app",
            "{what}"
        );
    }
    assert_eq!(
        aws_before,
        snapshot(&c).await,
        "{what}: fail back did not restore AWS exactly"
    );
    let live = env.switch("off", site, &[]).await;
    assert_eq!(live.code, 0, "{what}: {live}");
    assert!(
        live.stdout.contains("Nothing to do: live"),
        "{what}: {live}"
    );
}

/// A strategy (with the ones that go along with it) on a shape its scenario's config does not
/// use. `{listener}` in the config stands for the ARN of `listener`'s (load balancer, port).
struct Case {
    scenario: &'static str,
    site: &'static str,
    before: &'static str,
    listener: Option<(&'static str, u16)>,
    config: String,
}

async fn run_cases(cases: &[Case]) {
    for case in cases {
        let env = Env::start_with_config(case.scenario, "", SPEED).await;
        let arn = match case.listener {
            Some((lb, port)) => Some(listener_arn(&env, lb, port).await),
            None => None,
        };
        let text = case
            .config
            .replace("{listener}", arn.as_deref().unwrap_or_default());
        std::fs::write(&env.config, fast(&text)).unwrap();
        round_trip(&env, case.site, case.before, arn.as_deref()).await;
    }
}

const SHOP: &str = r#"
[defaults]
region = "eu-west-1"

[[site]]
name = "shop"
zone = "Z0EXAMPLE00SHOP"
record = "www.example.com"
"#;

/// The ALB and CloudFront shape: the PRIMARY swapped to the sorry page's distribution, the
/// ALB's listener switched to a fixed 503 page, and maintenance rules on it (the health check
/// on the ALB then fails over to the sorry page too).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_strategy_is_recognised_on_the_alb_cloudfront_shape() {
    let swap = format!(
        "{SHOP}
[[site.maintenance]]
strategy = \"route53-swap-primary\"

[[site.maintenance]]
strategy = \"cloudfront-invalidate\"
paths = [\"/maintenance.html\"]
"
    );
    let listener = format!(
        "{SHOP}
[[site.maintenance]]
strategy = \"elb-listener-sorry\"
listener = \"{{listener}}\"
fixed_response = {{ status = 503, content_type = \"text/html\", body = \"<h1>Back soon</h1>\" }}

[[site.maintenance]]
strategy = \"silence-alarms\"
alarms = [\"shop-app-1-StatusCheckFailed\"]
"
    );
    let rule = format!(
        "{SHOP}
[[site.maintenance]]
strategy = \"alb-maintenance-rule\"
listener = \"{{listener}}\"
allow_cidrs = [\"203.0.113.0/24\"]
"
    );
    run_cases(&[
        Case {
            scenario: "alb-cloudfront",
            site: "shop",
            before: "LIVE",
            listener: None,
            config: swap,
        },
        Case {
            scenario: "alb-cloudfront",
            site: "shop",
            before: "LIVE",
            listener: Some(("shop-alb", 443)),
            config: listener,
        },
        Case {
            scenario: "alb-cloudfront",
            site: "shop",
            before: "LIVE",
            listener: Some(("shop-alb", 443)),
            config: rule,
        },
    ])
    .await;
}

/// The CloudWatch-metric shape (a PRIMARY of values with a metric health check) swapped to the
/// sorry page, alarms silenced, the page invalidated; DNS name control with alarms silenced; the
/// NLB shape with alarms silenced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_strategy_is_recognised_on_the_metric_dns_and_nlb_shapes() {
    run_cases(&[
        Case {
            scenario: "cloudwatch-metric",
            site: "api",
            before: "LIVE",
            listener: None,
            config: r#"
[defaults]
region = "eu-central-1"

[[site]]
name = "api"
zone = "Z0EXAMPLE000API"
record = "api.example.org"

[[site.maintenance]]
strategy = "route53-swap-primary"

[[site.maintenance]]
strategy = "silence-alarms"
alarms = ["api-1-StatusCheckFailed"]

[[site.maintenance]]
strategy = "cloudfront-invalidate"
paths = ["/maintenance.html"]
on_fail_back = true
"#
            .into(),
        },
        Case {
            scenario: "dns-name-control",
            site: "db",
            before: "LIVE",
            listener: None,
            config: r#"
[defaults]
region = "us-east-1"

[[site]]
name = "db"
zone = "Z0EXAMPLE0000DB"
record = "db.internal.example.com"

[[site.maintenance]]
strategy = "route53-set-record"
values = ["203.0.113.20"]
ttl = 30

[[site.maintenance]]
strategy = "silence-alarms"
alarms = ["db-active-StatusCheckFailed"]
"#
            .into(),
        },
        Case {
            scenario: "nlb-sorry",
            site: "pay",
            before: "LIVE",
            listener: Some(("pay-nlb", 443)),
            config: r#"
[defaults]
region = "eu-west-1"

[[site]]
name = "pay"
zone = "Z0EXAMPLE000PAY"
record = "pay.example.net"

[[site.maintenance]]
strategy = "elb-listener-sorry"
listener = "{listener}"
sorry_target_group = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/pay-sorry/0f1e2d3c4b5a6978"

[[site.maintenance]]
strategy = "silence-alarms"
alarms = ["pay-1-StatusCheckFailed", "pay-2-StatusCheckFailed"]
"#
            .into(),
        },
    ])
    .await;
}

/// The demo's sites with the strategies its config does not give them: a fixed 503 page on
/// blog's ALB listener, maintenance rules by X-Forwarded-For on portal's and for nobody on
/// shop's (tests/journals/more-strategies.toml), and api's PRIMARY swapped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_strategy_is_recognised_on_the_demo() {
    let env = Env::start_with_config("demo", "", SPEED).await;
    let more = std::fs::read_to_string(format!(
        "{}/tests/journals/more-strategies.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let more = format!(
        "{more}
[[site]]
name = \"api\"
zone = \"Z0DEMO0EXAMPLE\"
record = \"api.example.com\"

[[site.maintenance]]
strategy = \"route53-swap-primary\"
"
    );
    std::fs::write(&env.config, fast(&more)).unwrap();
    for (site, before, lb) in [
        ("blog", "DEGRADED", Some("blog-alb")),
        ("portal", "LIVE", Some("portal-alb")),
        ("shop", "LIVE", Some("shop-alb")),
        ("api", "LIVE", None),
    ] {
        let arn = match lb {
            Some(lb) => Some(listener_arn(&env, lb, 443).await),
            None => None,
        };
        round_trip(&env, site, before, arn.as_deref()).await;
    }
}
