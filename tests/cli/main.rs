//! The read commands as a user runs them: the real binary against the built-in emulator (and
//! against moto for a second opinion), `status --output json` on every scenario, healthy and
//! failing, every bad config, and `doctor`.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use switchyard::sim::{Control, FaultSpec, SimHandle, SimOptions, start};

#[path = "../support/moto.rs"]
mod moto;

#[path = "../support/binary.rs"]
mod binary;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The emulator on a scenario, its clock paused (moved by `advance`).
async fn sim(scenario: &str) -> SimHandle {
    let path = root().join(format!("assets/scenarios/{scenario}.toml"));
    let mut opts = SimOptions::new(switchyard::sim::Scenario::load(&path).unwrap());
    opts.paused = true;
    start(opts).await.unwrap()
}

fn advance(sim: &SimHandle, seconds: f64) {
    sim.control(Control::AdvanceClock { seconds }).unwrap();
}

/// Runs the binary with only the given environment for AWS (none of the caller's AWS_* or
/// proxy variables), a private HOME and log file.
async fn run(env: &[(String, String)], args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = binary::switchyard(home.path(), env);
    cmd.current_dir(root()).args(args);
    cmd.output().await.unwrap()
}

fn config(name: &str) -> String {
    root()
        .join(format!("assets/configs/{name}.toml"))
        .display()
        .to_string()
}

async fn status_json(sim: &SimHandle, scenario: &str) -> (i32, Value) {
    let out = run(
        &sim.env_vars(),
        &["status", "--config", &config(scenario), "--output", "json"],
    )
    .await;
    let code = out.status.code().unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "status printed no JSON ({e}); exit {code}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(json["version"], 1);
    assert_eq!(
        json["exit_code"], code,
        "the JSON's exit code is the process's"
    );
    (code, json)
}

fn site<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no site {name} in {json:#}"))
}

fn errors(site: &Value) -> String {
    site["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|x| x.as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// What a healthy scenario's sites must show: LIVE, the expected record served, no errors, and
/// the chain's parts filled in.
fn assert_healthy(json: &Value, sites: &[(&str, &str)]) {
    for (name, served) in sites {
        let s = site(json, name);
        assert_eq!(s["verdict"], "LIVE", "{name}: {s:#}");
        assert_eq!(s["served"], *served, "{name}");
        assert_eq!(errors(s), "", "{name} has errors");
        assert!(!s["records"].as_array().unwrap().is_empty(), "{name}");
        assert!(!s["dns_answer"].as_array().unwrap().is_empty(), "{name}");
        assert!(
            s["data_age_seconds"].as_u64().unwrap() < 30,
            "{name}: fresh data"
        );
        assert!(!s["reasons"].as_array().unwrap().is_empty(), "{name}");
    }
}

fn stop(sim: &SimHandle, ids: &[&str]) {
    for id in ids {
        sim.control(Control::StopInstance {
            instance: (*id).into(),
        })
        .unwrap();
    }
}

const SHOP: [&str; 2] = ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"];
const PAY: [&str; 2] = ["i-0b0b0b0b0b0b00101", "i-0b0b0b0b0b0b00102"];

#[tokio::test]
async fn alb_cloudfront_fails_over_when_its_instances_stop() {
    let sim = sim("alb-cloudfront").await;
    let (code, json) = status_json(&sim, "alb-cloudfront").await;
    assert_eq!(code, 0);
    assert_healthy(&json, &[("shop", "primary")]);
    let shop = site(&json, "shop");
    assert_eq!(shop["health_checks"][0]["healthy"], true);
    assert_eq!(shop["alarms"].as_array().unwrap().len(), 2);
    let serves: Vec<&str> = shop["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["serves"].as_str().unwrap())
        .collect();
    // HTTPS forwards to the app; port 80 redirects to it.
    assert_eq!(serves, ["app", "fixed-response"]);
    assert_eq!(shop["protected"], true);

    stop(&sim, &SHOP);
    advance(&sim, 300.0);
    let (code, json) = status_json(&sim, "alb-cloudfront").await;
    let shop = site(&json, "shop");
    assert_eq!(code, 11, "{shop:#}");
    assert_eq!(shop["verdict"], "FAILED OVER");
    assert_eq!(shop["served"], "secondary");
    assert_eq!(shop["health_checks"][0]["healthy"], false);
    let alarms: Vec<&str> = shop["alarms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["state"].as_str().unwrap())
        .collect();
    assert!(
        alarms.iter().all(|s| *s != "OK"),
        "stopped instances leave their alarms OK: {alarms:?}"
    );
}

#[tokio::test]
async fn a_cloudwatch_metric_check_fails_over_on_an_impaired_instance() {
    let sim = sim("cloudwatch-metric").await;
    let (code, json) = status_json(&sim, "cloudwatch-metric").await;
    assert_eq!(code, 0);
    assert_healthy(&json, &[("api", "primary")]);
    assert_eq!(
        site(&json, "api")["health_checks"][0]["kind"],
        "CLOUDWATCH_METRIC"
    );
    sim.control(Control::ImpairInstance {
        instance: "i-0c0ffee0000000001".into(),
        impaired: true,
    })
    .unwrap();
    advance(&sim, 400.0);
    let (code, json) = status_json(&sim, "cloudwatch-metric").await;
    let api = site(&json, "api");
    assert_eq!(code, 11, "{api:#}");
    assert_eq!(api["served"], "secondary");
    assert!(
        api["alarms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["state"] == "ALARM"),
        "{api:#}"
    );
}

#[tokio::test]
async fn an_nlb_with_stopped_targets_is_degraded_not_failed_over() {
    let sim = sim("nlb-sorry").await;
    let (code, json) = status_json(&sim, "nlb-sorry").await;
    assert_eq!(code, 0);
    assert_healthy(&json, &[("pay", "plain record")]);
    let pay = site(&json, "pay");
    assert!(
        pay["targets"].as_array().unwrap().len() >= 2,
        "targets are listed: {pay:#}"
    );
    stop(&sim, &PAY);
    advance(&sim, 300.0);
    let (code, json) = status_json(&sim, "nlb-sorry").await;
    let pay = site(&json, "pay");
    assert_eq!(code, 10, "{pay:#}");
    assert_eq!(pay["verdict"], "DEGRADED");
    assert_eq!(
        pay["served"], "plain record",
        "no DNS change in an NLB setup"
    );
}

#[tokio::test]
async fn a_plain_record_is_live() {
    let sim = sim("dns-name-control").await;
    let (code, json) = status_json(&sim, "dns-name-control").await;
    assert_eq!(code, 0);
    assert_healthy(&json, &[("db", "plain record")]);
    assert_eq!(site(&json, "db")["dns_answer"][0], "10.9.0.10");
}

#[tokio::test]
async fn the_demo_account_shows_one_failed_site_among_live_ones() {
    let sim = sim("demo").await;
    let (code, json) = status_json(&sim, "demo").await;
    // The demo's blog has one target answering 500: DEGRADED, by design of the demo.
    assert_eq!(code, 10, "{json:#}");
    let blog = site(&json, "blog");
    assert_eq!(blog["verdict"], "DEGRADED");
    assert!(
        blog["reasons"][0]
            .as_str()
            .unwrap()
            .contains("of blog-app is unhealthy (Target.ResponseCodeMismatch)")
    );
    assert_healthy(
        &json,
        &[
            ("shop", "primary"),
            ("api", "primary"),
            ("pay", "plain record"),
            ("portal", "plain record"),
            ("db", "plain record"),
        ],
    );
    stop(&sim, &SHOP);
    advance(&sim, 300.0);
    let (code, json) = status_json(&sim, "demo").await;
    assert_eq!(code, 11);
    assert_eq!(site(&json, "shop")["verdict"], "FAILED OVER");
    assert_eq!(site(&json, "blog")["verdict"], "DEGRADED");
    for other in ["api", "pay", "portal", "db"] {
        assert_eq!(site(&json, other)["verdict"], "LIVE", "{other}");
    }
}

fn fault(service: &str, operation: &str, code: &str) -> Control {
    Control::Fault(
        serde_json::from_value::<FaultSpec>(serde_json::json!({
            "service": service,
            "operation": operation,
            "fault": "error",
            "code": code,
        }))
        .unwrap(),
    )
}

#[tokio::test]
async fn api_faults_show_up_classified_and_named_in_status() {
    let sim = sim("alb-cloudfront").await;
    // (service, operation, error code) -> exit code, verdict, and what the site's errors say.
    let cases = [
        (
            ("route53", "ListResourceRecordSets", "AccessDenied"),
            3,
            "UNKNOWN",
            "access denied: the role lacks route53:ListResourceRecordSets",
        ),
        (
            ("elbv2", "DescribeTargetHealth", "InternalFailure"),
            0,
            "LIVE",
            "elbv2 error (DescribeTargetHealth): InternalFailure",
        ),
        (
            ("cloudfront", "ListDistributions", "Throttling"),
            0,
            "LIVE",
            "throttled by cloudfront (ListDistributions)",
        ),
        (
            ("cloudwatch", "DescribeAlarms", "ExpiredToken"),
            0,
            "LIVE",
            "credentials missing or expired (cloudwatch DescribeAlarms)",
        ),
        (
            ("cloudwatch", "GetMetricData", "InternalFailure"),
            14,
            "UNKNOWN",
            "cloudwatch error (GetMetricData)",
        ),
    ];
    for ((service, operation, code), exit, verdict, says) in cases {
        sim.control(Control::ClearFaults {
            service: None,
            operation: None,
        })
        .unwrap();
        sim.control(fault(service, operation, code)).unwrap();
        let (got, json) = status_json(&sim, "alb-cloudfront").await;
        let shop = site(&json, "shop");
        assert_eq!(got, exit, "{service} {operation} {code}: {shop:#}");
        assert_eq!(shop["verdict"], verdict, "{service} {operation} {code}");
        let errors = errors(shop);
        assert!(
            errors.contains(says),
            "{service} {operation} {code}: expected {says:?} in\n{errors}"
        );
    }
    // Once the faults clear, the next run is clean again.
    sim.control(Control::ClearFaults {
        service: None,
        operation: None,
    })
    .unwrap();
    let (code, json) = status_json(&sim, "alb-cloudfront").await;
    assert_eq!(code, 0);
    assert_healthy(&json, &[("shop", "primary")]);
}

#[tokio::test]
async fn every_bad_config_exits_2_with_its_message_from_the_binary() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/bad-configs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 15);
    for file in files {
        let expected = std::fs::read_to_string(file.with_extension("expected")).unwrap();
        let first = expected.lines().next().unwrap_or_default().to_string();
        // As the .expected files were written: relative to the repository.
        let relative = file.strip_prefix(root()).unwrap().to_str().unwrap();
        for args in [
            vec!["status", "--config", relative],
            vec!["doctor", "--config", relative],
        ] {
            let out = run(&[], &args).await;
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{}: {stderr}", file.display());
            assert!(
                stderr.contains(&first),
                "{}: expected {first:?} in stderr:\n{stderr}",
                file.display()
            );
            assert!(!stderr.contains("panicked"), "{stderr}");
            assert!(out.stdout.is_empty(), "nothing on stdout for a bad config");
        }
    }
}

#[tokio::test]
async fn a_missing_config_and_an_unknown_site_are_usage_errors() {
    let out = run(&[], &["status", "--config", "/nonexistent/switchyard.toml"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/switchyard.toml"));
    let sim = sim("nlb-sorry").await;
    let out = run(
        &sim.env_vars(),
        &["status", "--config", &config("nlb-sorry"), "--site", "nope"],
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no site named \"nope\""), "{stderr}");
    assert!(stderr.contains("the sites are: pay"), "{stderr}");
}

#[tokio::test]
async fn doctor_passes_on_a_healthy_account_and_lists_the_write_actions() {
    let sim = sim("demo").await;
    let out = run(&sim.env_vars(), &["doctor", "--config", &config("demo")]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("identity  ok    arn:aws:sts::123456789012:"),
        "{stdout}"
    );
    assert!(!stdout.contains("FAIL"), "{stdout}");
    for action in [
        "route53:GetHealthCheckStatus",
        "elasticloadbalancing:DescribeTargetHealth",
        "cloudfront:GetDistribution",
        "cloudwatch:GetMetricData",
    ] {
        assert!(
            stdout
                .lines()
                .any(|l| l.contains("ok ") && l.contains(action)),
            "{action} tried: {stdout}"
        );
    }
    // The writes are listed with the sites that need them, never tried.
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("elasticloadbalancing:ModifyListener") && l.contains("pay")),
        "{stdout}"
    );
    let calls = sim.calls();
    let calls = serde_json::to_string(&calls).unwrap();
    for write in [
        "ModifyListener",
        "UpdateHealthCheck",
        "ChangeResourceRecordSets",
    ] {
        assert!(!calls.contains(write), "doctor called {write}: {calls}");
    }
}

#[tokio::test]
async fn doctor_names_the_one_api_the_emulator_denies() {
    let sim = sim("demo").await;
    sim.control(fault("elbv2", "DescribeTargetHealth", "AccessDenied"))
        .unwrap();
    let out = run(
        &sim.env_vars(),
        &["doctor", "--config", &config("demo"), "--output", "json"],
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["missing_actions"],
        serde_json::json!(["elasticloadbalancing:DescribeTargetHealth"])
    );
    let read = json["targets"][0]["read"].as_array().unwrap();
    let failed: Vec<&str> = read
        .iter()
        .filter(|a| a["result"] == "failed")
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["elasticloadbalancing:DescribeTargetHealth"]);
    // The endpoint answered: it is reachable, just not permitted.
    let elb = json["targets"][0]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["service"] == "elasticloadbalancing")
        .unwrap();
    assert_eq!(elb["reachable"], true);
    // And the table says it in words.
    let out = run(&sim.env_vars(), &["doctor", "--config", &config("demo")]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("missing IAM actions: elasticloadbalancing:DescribeTargetHealth"),
        "{stdout}"
    );
}

#[tokio::test]
async fn doctor_says_when_no_endpoint_answers() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let env = vec![
        (
            "AWS_ENDPOINT_URL".to_string(),
            format!("http://127.0.0.1:{port}"),
        ),
        ("AWS_ACCESS_KEY_ID".to_string(), "x".to_string()),
        ("AWS_SECRET_ACCESS_KEY".to_string(), "y".to_string()),
        ("AWS_REGION".to_string(), "eu-west-1".to_string()),
        ("AWS_EC2_METADATA_DISABLED".to_string(), "true".to_string()),
        (
            "SWITCHYARD_DNS_SERVER".to_string(),
            format!("127.0.0.1:{port}"),
        ),
    ];
    let out = run(&env, &["doctor", "--config", &config("nlb-sorry")]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(8), "{stdout}");
    assert!(stdout.contains("endpoint  FAIL  sts"), "{stdout}");
}

/// moto as a second opinion: the same reads of Route 53, ELBv2 and CloudFront through the real
/// binary. moto cannot speak the RPCv2-CBOR protocol of the Rust CloudWatch client, so CloudWatch
/// is left out: its calls fail against moto, and (with moto's missing TestDNSAnswer) that is the
/// only failure allowed here.
#[tokio::test]
async fn status_reads_the_moto_site_too() {
    let Some(moto) = tokio::task::spawn_blocking(moto::Moto::start)
        .await
        .unwrap()
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("moto.toml");
    std::fs::write(
        &path,
        format!(
            "[defaults]\nregion = \"eu-west-1\"\n\n[[site]]\nname = \"moto\"\nzone = \"{}\"\nrecord = \"{}\"\n",
            moto.seed_str("zone_id").trim_start_matches("/hostedzone/"),
            moto.seed_str("record"),
        ),
    )
    .unwrap();
    let out = run(
        &moto.env(),
        &[
            "status",
            "--config",
            path.to_str().unwrap(),
            "--output",
            "json",
        ],
    )
    .await;
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "no JSON: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let s = site(&json, "moto");
    // Route 53: the failover pair and its health check.
    let roles: Vec<&str> = s["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["PRIMARY", "SECONDARY"], "{s:#}");
    assert_eq!(
        s["records"][0]["health_check_id"],
        moto.seed_str("health_check_id").as_str()
    );
    assert!(
        s["health_checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["id"] == moto.seed_str("health_check_id").as_str())
    );
    // ELBv2: the listener behind the primary's alias, and its targets.
    assert!(
        s["listeners"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["arn"] == moto.seed_str("listener_arn").as_str()),
        "{s:#}"
    );
    assert!(!s["targets"].as_array().unwrap().is_empty(), "{s:#}");
    // CloudFront: the secondary's distribution.
    assert_eq!(
        s["distribution"]["id"],
        moto.seed_str("distribution_id").as_str(),
        "{s:#}"
    );
    let errors = errors(s);
    // moto 5.2.5 also has no TestDNSAnswer (it answers 404): the DNS answer is the one other
    // read that may fail here.
    for line in errors.lines() {
        assert!(
            line.to_ascii_lowercase().contains("cloudwatch") || line.contains("TestDNSAnswer"),
            "only CloudWatch and TestDNSAnswer may fail against moto: {line}"
        );
    }
}

#[tokio::test]
async fn discover_prints_a_config_that_loads_with_the_switch_that_fits() {
    let sim = sim("demo").await;
    // (record, the first strategy proposed)
    let cases = [
        ("www.example.com", "route53-invert-health-check"),
        ("blog.example.com", "route53-swap-primary"),
        ("api.example.com", "route53-invert-health-check"),
        ("pay.example.com", "elb-listener-sorry"),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (record, strategy) in cases {
        let out = run(
            &sim.env_vars(),
            &["discover", "--zone", "example.com", "--record", record],
        )
        .await;
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{record}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = dir.path().join(format!("{record}.toml"));
        std::fs::write(&path, &text).unwrap();
        let config = switchyard::config::load(&path).unwrap_or_else(|e| {
            panic!("{record}: the discovered config does not load:\n{e}\n{text}")
        });
        let site = &config.sites[0];
        assert_eq!(site.zone_id, "Z0DEMO0EXAMPLE");
        assert_eq!(site.record, record);
        assert_eq!(
            site.maintenance.first().map(|s| s.name()),
            Some(strategy),
            "{record}:\n{text}"
        );
    }
    // The NLB's sorry target group is attached to nothing: discovery finds it by its name.
    let pay = std::fs::read_to_string(dir.path().join("pay.example.com.toml")).unwrap();
    assert!(pay.contains("targetgroup/pay-sorry/"), "{pay}");
    // Only read calls were made.
    let calls = serde_json::to_string(&sim.calls()).unwrap();
    for write in [
        "ModifyListener",
        "UpdateHealthCheck",
        "ChangeResourceRecordSets",
        "CreateRule",
    ] {
        assert!(!calls.contains(write), "discover called {write}");
    }
    let out = run(
        &sim.env_vars(),
        &[
            "discover",
            "--zone",
            "nope.example",
            "--record",
            "www.nope.example",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no hosted zone named nope.example"));
}

/// The IAM action of an emulator call counter key (`elbv2:DescribeRules`).
fn iam_action(key: &str) -> String {
    let (service, operation) = key.split_once(':').unwrap();
    let prefix = match service {
        "elbv2" => "elasticloadbalancing",
        other => other,
    };
    format!("{prefix}:{operation}")
}

fn called_actions(sim: &SimHandle) -> std::collections::BTreeSet<String> {
    sim.calls().calls.keys().map(|k| iam_action(k)).collect()
}

#[tokio::test]
async fn the_read_policy_is_exactly_what_the_read_commands_call() {
    let sim = sim("demo").await;
    let env = sim.env_vars();
    let demo = config("demo");
    run(&env, &["status", "--config", &demo]).await;
    for site in ["shop", "blog", "api", "pay", "portal", "db"] {
        run(&env, &["status", "--config", &demo, "--site", site]).await;
    }
    run(&env, &["doctor", "--config", &demo]).await;
    run(
        &env,
        &[
            "discover",
            "--zone",
            "example.com",
            "--record",
            "www.example.com",
        ],
    )
    .await;
    let called = called_actions(&sim);
    let out = run(&[], &["iam-policy", "--config", &demo, "--read-only"]).await;
    assert_eq!(out.status.code(), Some(0));
    let policy: Value = serde_json::from_slice(&out.stdout).unwrap();
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 1, "--read-only: the read statement only");
    let read: std::collections::BTreeSet<String> = statements[0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    let missing: Vec<&String> = called.difference(&read).collect();
    assert!(
        missing.is_empty(),
        "called but not in the policy: {missing:?}"
    );
    let extra: Vec<&String> = read.difference(&called).collect();
    // GetChange is read only after a switch, to follow the change to INSYNC.
    assert_eq!(
        extra,
        ["route53:GetChange"],
        "in the policy but never called"
    );
}

#[tokio::test]
async fn iam_policy_refuses_an_unknown_site() {
    let out = run(
        &[],
        &["iam-policy", "--config", &config("demo"), "--site", "nope"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no site named \"nope\""));
}

/// Runs `maintenance on` then `off` (with --wait) on one site of the emulator.
async fn round_trip(sim: &SimHandle, site: &str) {
    for direction in ["on", "off"] {
        let out = run(
            &sim.env_vars(),
            &[
                "maintenance",
                direction,
                "--config",
                &config("demo"),
                "--site",
                site,
                "--yes",
                "--force",
                "--wait",
                "--timeout",
                "5m",
            ],
        )
        .await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "maintenance {direction} {site}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test]
async fn the_operator_policy_is_exactly_what_status_and_every_round_trip_call() {
    let mut opts = SimOptions::new(
        switchyard::sim::Scenario::load(&root().join("assets/scenarios/demo.toml")).unwrap(),
    );
    opts.speed = 60.0;
    let sim = start(opts).await.unwrap();
    let env = sim.env_vars();
    let demo = config("demo");
    run(&env, &["status", "--config", &demo]).await;
    for site in ["shop", "blog", "api", "pay", "portal", "db"] {
        run(&env, &["status", "--config", &demo, "--site", site]).await;
        round_trip(&sim, site).await;
    }
    run(&env, &["doctor", "--config", &demo]).await;
    run(
        &env,
        &[
            "discover",
            "--zone",
            "example.com",
            "--record",
            "www.example.com",
        ],
    )
    .await;
    let called = called_actions(&sim);
    let out = run(&[], &["iam-policy", "--config", &demo]).await;
    assert_eq!(out.status.code(), Some(0));
    let policy: Value = serde_json::from_slice(&out.stdout).unwrap();
    let allowed: std::collections::BTreeSet<String> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().clone())
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    let missing: Vec<&String> = called.difference(&allowed).collect();
    assert!(missing.is_empty(), "called but not allowed: {missing:?}");
    let extra: Vec<&String> = allowed.difference(&called).collect();
    // Tags given to CreateRule are authorised as AddTags: IAM needs it, though no AddTags
    // call of its own is made.
    assert_eq!(
        extra,
        ["elasticloadbalancing:AddTags"],
        "allowed but never called"
    );
}
