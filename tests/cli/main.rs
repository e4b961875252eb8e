//! The read commands as a user runs them: the real binary against the built-in emulator (and
//! against moto for a second opinion), `status --output json` on every scenario, healthy and
//! failing, every bad config, and `doctor`.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use switchyard_sim::{Control, FaultSpec, SimHandle, SimOptions, start};

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
    let mut opts = SimOptions::new(switchyard_sim::Scenario::load(&path).unwrap());
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
    assert_eq!(serves, ["app", "redirect"]);
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
async fn an_nlb_with_stopped_targets_is_down_not_failed_over() {
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
    // The NLB fails open onto instances that do not answer: users get errors.
    assert_eq!(code, 15, "{pay:#}");
    assert_eq!(pay["verdict"], "DOWN");
    assert_eq!(pay["complete"], true, "{pay:#}");
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
    assert_eq!(site(&json, "db")["dns_answer"][0], "203.0.113.10");
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
        // A piece of the chain that could not be read leaves the verdict UNKNOWN, whatever the
        // rest says: a check not made is not a pass.
        (
            ("elbv2", "DescribeTargetHealth", "InternalFailure"),
            14,
            "UNKNOWN",
            "elbv2 error (DescribeTargetHealth): InternalFailure",
        ),
        (
            ("cloudfront", "ListDistributions", "Throttling"),
            14,
            "UNKNOWN",
            "throttled by cloudfront (ListDistributions)",
        ),
        // Credentials kept a piece away: 3, as for the records.
        (
            ("cloudwatch", "DescribeAlarms", "ExpiredToken"),
            3,
            "UNKNOWN",
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
        // The verdict's first reason says it too (the table shows it under the site).
        let first = shop["reasons"][0].as_str().unwrap_or_default();
        assert!(
            first.contains(says),
            "{service} {operation} {code}: first reason {first:?}"
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
        switchyard_sim::Scenario::load(&root().join("assets/scenarios/demo.toml")).unwrap(),
    );
    opts.speed = 60.0;
    let sim = start(opts).await.unwrap();
    let env = sim.env_vars();
    let demo = config("demo");
    run(&env, &["status", "--config", &demo]).await;
    // The sites side by side (each its own journal and changes): the policy is about which
    // calls are made, not their order.
    let trips = ["shop", "blog", "api", "pay", "portal", "db"].map(|site| {
        let (env, demo, sim) = (&env, &demo, &sim);
        async move {
            run(env, &["status", "--config", demo, "--site", site]).await;
            round_trip(sim, site).await;
        }
    });
    futures::future::join_all(trips).await;
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
    let out = run(&env, &["iam-policy", "--config", &demo]).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "AWS was read: nothing is granted wide: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let policy: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Every resource is named: no health check, distribution or listener is granted as `*`,
    // and record changes are limited to the sites' records and journals.
    for st in policy["Statement"].as_array().unwrap().iter().skip(1) {
        for r in st["Resource"].as_array().unwrap() {
            let r = r.as_str().unwrap();
            assert!(
                !r.ends_with("/*") || r.contains(":listener-rule/"),
                "{r} in {st}"
            );
        }
    }
    let records = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Action"] == serde_json::json!(["route53:ChangeResourceRecordSets"]))
        .unwrap();
    let names = &records["Condition"]["ForAllValues:StringEquals"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"];
    for name in [
        "_switchyard.www.example.com",
        // The switch history beside the journal, written at the end of every switch.
        "_switchyard-log.www.example.com",
        "blog.example.com",
        "db.example.com",
    ] {
        assert!(
            names.as_array().unwrap().contains(&Value::from(name)),
            "{name}: {names}"
        );
    }
    assert!(
        !names
            .as_array()
            .unwrap()
            .contains(&Value::from("www.example.com")),
        "shop's strategies change no record of its own: {names}"
    );
    let offline = run(&[], &["iam-policy", "--config", &demo, "--offline"]).await;
    assert_eq!(offline.status.code(), Some(0));
    let said = String::from_utf8_lossy(&offline.stderr);
    assert!(
        said.contains("the policy grants [\"route53:GetHealthCheck\",\"route53:UpdateHealthCheck\"] on every health check")
            && said.contains("--offline: AWS was not read"),
        "{said}"
    );
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
    // call of its own is made. Portal's maintenance rule goes ahead of every rule of its
    // listener: the demo's has none to move, but rules may be added before the next switch.
    assert_eq!(
        extra,
        [
            "elasticloadbalancing:AddTags",
            "elasticloadbalancing:SetRulePriorities"
        ],
        "allowed but never called"
    );
}

// ----- Missing sources, inferred and said (issue 13 item 9, issue 14 item 7) -----

fn reasons(site: &Value) -> Vec<String> {
    site["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect()
}

fn says(site: &Value, what: &str) -> bool {
    reasons(site).iter().any(|r| r.contains(what))
}

/// TestDNSAnswer denied by IAM (and the name servers not answering by DNS): the answer follows
/// from the failover rules and the health checks, marked inferred in the JSON and the table and
/// said in the reasons; the site is not UNKNOWN, and not LIVE either (an inference is not a
/// check that was made): exit 3, naming the permission.
#[tokio::test]
async fn status_infers_the_answer_when_test_dns_answer_is_denied_and_says_so() {
    let sim = sim("alb-cloudfront").await;
    // The zone's name servers refuse to answer from here: TestDNSAnswer is the one source.
    sim.control(fault("dns", "A", "REFUSED")).unwrap();
    sim.control(fault("route53", "TestDNSAnswer", "AccessDenied"))
        .unwrap();
    let (code, json) = status_json(&sim, "alb-cloudfront").await;
    let shop = site(&json, "shop");
    assert_eq!(code, 3, "{shop:#}");
    assert_eq!(shop["verdict"], "DEGRADED", "{shop:#}");
    assert_eq!(shop["served"], "primary");
    assert_eq!(shop["served_inferred"], true);
    assert!(
        reasons(shop)[0].starts_with("LIVE by inference only: the primary is inferred"),
        "{shop:#}"
    );
    assert!(
        says(
            shop,
            "inferred from the failover rules (the primary is healthy), because Route 53's \
             answer (TestDNSAnswer) could not be read: access denied: the role lacks \
             route53:TestDNSAnswer"
        ),
        "{shop:#}"
    );
    assert_eq!(
        errors(shop),
        "DNS answer: access denied: the role lacks route53:TestDNSAnswer"
    );
    // The table marks it too.
    let out = run(
        &sim.env_vars(),
        &["status", "--config", &config("alb-cloudfront")],
    )
    .await;
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("shop  DEGRADED     primary?"), "{table}");
    // The instances stop: Route 53 fails over, and that is inferred as well.
    stop(&sim, &SHOP);
    advance(&sim, 300.0);
    let (code, json) = status_json(&sim, "alb-cloudfront").await;
    let shop = site(&json, "shop");
    assert_eq!(code, 3, "{shop:#}");
    assert_eq!(shop["verdict"], "FAILED OVER", "{shop:#}");
    assert_eq!(shop["served"], "secondary");
    assert_eq!(shop["served_inferred"], true);
    assert!(
        says(
            shop,
            "(the primary is unhealthy, and the secondary has no health check, so it is answered \
             instead)"
        ),
        "{shop:#}"
    );
}

/// Health checks created a moment ago have no HealthCheckStatus datapoint: the endpoint check's
/// status comes from its checkers, the CLOUDWATCH_METRIC check's from its alarm, each said with
/// its source and age; once Route 53 publishes the metric, it is the source again.
#[tokio::test]
async fn new_health_checks_take_their_status_from_another_source_and_say_which() {
    let sim = sim("infer-new-checks").await;
    let (code, json) = status_json(&sim, "infer-new-checks").await;
    let new = site(&json, "new");
    let cw = site(&json, "cw");
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(new["verdict"], "LIVE", "{new:#}");
    assert!(
        says(
            new,
            "primary health check new-web (5e0c0001…) healthy: 8 of 8 checkers report success \
             (source: GetHealthCheckStatus, "
        ),
        "{new:#}"
    );
    assert!(
        says(new, "no HealthCheckStatus datapoint yet: a new check)"),
        "{new:#}"
    );
    assert_eq!(errors(new), "", "the checkers stood in: nothing unread");
    assert_eq!(cw["verdict"], "LIVE", "{cw:#}");
    assert!(
        says(
            cw,
            "primary health check cw-1-status (5e0c0002…) healthy: alarm cw-1-StatusCheckFailed \
             OK (source: its alarm, "
        ),
        "{cw:#}"
    );
    // Route 53 publishes the metric (after `no_metric_secs`): it is the source again.
    advance(&sim, 960.0);
    let (code, json) = status_json(&sim, "infer-new-checks").await;
    assert_eq!(code, 0, "{json:#}");
    for name in ["new", "cw"] {
        let s = site(&json, name);
        assert!(
            says(
                s,
                "Route 53 reports it healthy (CloudWatch HealthCheckStatus"
            ),
            "{s:#}"
        );
        assert!(!says(s, "(source: "), "{s:#}");
    }
}

/// A stopped instance behind a CLOUDWATCH_METRIC check whose alarm has no data: the reasons say
/// that Route 53 will not fail over, and why (InsufficientDataHealthStatus=LastKnownStatus).
#[tokio::test]
async fn a_stopped_instance_says_why_route_53_will_not_fail_over() {
    let sim = sim("cloudwatch-metric").await;
    stop(&sim, &["i-0c0ffee0000000001"]);
    advance(&sim, 400.0);
    let (code, json) = status_json(&sim, "cloudwatch-metric").await;
    let api = site(&json, "api");
    assert_ne!(code, 0, "{api:#}");
    // DEGRADED here; a verdict for "users get errors" may say DOWN: either way, the cause.
    assert!(
        ["DEGRADED", "DOWN"].contains(&api["verdict"].as_str().unwrap()),
        "{api:#}"
    );
    assert_eq!(api["served"], "primary");
    assert!(
        says(
            api,
            "Route 53 will not fail over: alarm api-1-StatusCheckFailed has no data \
             (INSUFFICIENT_DATA: instance stopped?) and health check api-1-status (7d3e9f1a…) \
             treats missing data as LastKnownStatus=healthy"
        ),
        "{api:#}"
    );
}

/// An ALB listener with 40 host and path rules (assets/scenarios/alb-rules.toml): discover lists
/// every rule with what it serves and proposes the maintenance rule ahead of all of them (never
/// the listener's default action alone); the config it prints switches as it is; `status
/// --site` shows the rules in a few lines, and the JSON has each of them.
#[tokio::test]
async fn discover_and_status_show_the_listener_rules() {
    let sim = sim("alb-rules").await;
    let env = sim.env_vars();
    let out = run(
        &env,
        &[
            "discover",
            "--zone",
            "example.com",
            "--record",
            "api.example.com",
        ],
    )
    .await;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("#     40 rules before the default action, 38 of them reach the app:"),
        "{text}"
    );
    assert!(
        text.contains(
            "#     rule 1: host api.example.com and path /v2/* -> forward to shop-api (app)"
        ),
        "{text}"
    );
    assert!(
        text.contains("#     rule 45: path /wp-admin*, /.env -> fixed-response 404 (text/plain) (fixed-response)"),
        "{text}"
    );
    assert!(
        text.contains("#     rule 100: host www.example.com, example.com"),
        "{text}"
    );
    assert!(!text.contains("elb-listener-sorry"), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("api.toml");
    std::fs::write(&path, &text).unwrap();
    let discovered = switchyard::config::load(&path)
        .unwrap_or_else(|e| panic!("the discovered config does not load:\n{e}\n{text}"));
    let Some(switchyard::config::Strategy::MaintenanceRule { priority, .. }) =
        discovered.sites[0].maintenance.first()
    else {
        panic!("{text}");
    };
    assert_eq!(*priority, switchyard::config::RulePriority::First);
    // The discovered config plans as it is: the rules in the way move, nothing bypasses.
    let plan = run(
        &env,
        &[
            "plan",
            "on",
            "--config",
            path.to_str().unwrap(),
            "--site",
            "api",
        ],
    )
    .await;
    let plan_text = String::from_utf8_lossy(&plan.stdout).to_string();
    assert_eq!(plan.status.code(), Some(0), "{plan_text}");
    assert!(
        plan_text.contains("elasticloadbalancing:SetRulePriorities"),
        "{plan_text}"
    );
    assert!(
        plan_text.contains("[ok] no listener rule bypasses the maintenance page"),
        "{plan_text}"
    );
    // The failover pair's site: the DNS switch first, the rule switch beside it.
    let out = run(
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
    let www = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(www.contains("# strategy = \"alb-maintenance-rule\"   # ahead of the listener's 40 rules (38 reach the app)"), "{www}");
    assert!(!www.contains("elb-listener-sorry"), "{www}");

    let status = run(
        &env,
        &["status", "--config", &config("alb-rules"), "--site", "shop"],
    )
    .await;
    let table = String::from_utf8_lossy(&status.stdout).to_string();
    assert!(
        table.contains("  listener shop-alb HTTPS 443: default forward to shop-web [app]"),
        "{table}"
    );
    assert!(
        table.contains("    40 rules by priority (38 forward to the app):"),
        "{table}"
    );
    assert!(
        table.contains("    rules 4–35 (32)   [app] forward to shop-web if"),
        "{table}"
    );
    assert!(
        table.contains("    rule 45           [other] fixed-response 404"),
        "{table}"
    );
    assert!(
        table.lines().count() < 20,
        "40 rules flood the table:\n{table}"
    );
    // Without --site: one line per site, no rules.
    let all = run(&env, &["status", "--config", &config("alb-rules")]).await;
    assert!(!String::from_utf8_lossy(&all.stdout).contains("rules by priority"));
    let (_, json) = status_json(&sim, "alb-rules").await;
    let listeners = site(&json, "shop")["listeners"].as_array().unwrap();
    let https = listeners.iter().find(|l| l["port"] == 443).unwrap();
    let rules = https["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 40);
    assert_eq!(rules[0]["priority"], 1);
    assert_eq!(
        rules[0]["conditions"],
        serde_json::json!(["host api.example.com", "path /v2/*"])
    );
    assert_eq!(rules[0]["action"], "forward to shop-api");
    assert_eq!(rules[0]["serves"], "app");
    assert_eq!(rules[39]["priority"], 100);
    // Without --site, only the rules of a listener a maintenance rule works on are read: the
    // others are null (not read), never an empty list.
    let http = listeners.iter().find(|l| l["port"] == 80).unwrap();
    assert!(http["rules"].is_null(), "{http}");
}

/// `status` into a pipe (a runbook's log) keeps every reason whole, however long; `--wide`
/// does the same on a terminal. `--ascii` makes the table, the detail and the JSON pure ASCII
/// (the JSON the same document, its non-ASCII escaped).
#[tokio::test]
async fn status_in_a_pipe_cuts_nothing_and_ascii_is_pure_ascii() {
    let sim = sim("demo").await;
    let env = sim.env_vars();
    let demo = config("demo");
    let out = run(&env, &["status", "--config", &demo]).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let long = text
        .lines()
        .find(|l| l.contains("of blog-app is unhealthy"))
        .unwrap_or_else(|| panic!("no reason for blog:\n{text}"));
    assert!(
        long.ends_with("(Target.ResponseCodeMismatch)"),
        "the reason whole: {long}"
    );
    assert!(
        text.lines().any(|l| l.chars().count() > 80),
        "lines longer than 80 columns stay whole:\n{text}"
    );
    let wide = run(&env, &["status", "--config", &demo, "--wide"]).await;
    assert_eq!(wide.status.code(), out.status.code());

    for args in [
        vec!["--ascii", "status", "--config", &demo],
        vec!["--ascii", "status", "--config", &demo, "--site", "shop"],
        vec!["--ascii", "plan", "--config", &demo, "--site", "shop", "on"],
    ] {
        let out = run(&env, &args).await;
        for (what, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            assert!(!text.is_empty() || what == "stderr", "{args:?}: no output");
            assert!(text.is_ascii(), "{args:?} {what} is not ASCII:\n{text}");
        }
    }
    let plain = run(&env, &["status", "--config", &demo, "--output", "json"]).await;
    let ascii = run(
        &env,
        &["--ascii", "status", "--config", &demo, "--output", "json"],
    )
    .await;
    assert!(ascii.stdout.is_ascii());
    let a: Value = serde_json::from_slice(&plain.stdout).unwrap();
    let mut b: Value = serde_json::from_slice(&ascii.stdout).unwrap();
    // The same document (its clock aside).
    b["generated_at"] = a["generated_at"].clone();
    for (i, s) in a["sites"].as_array().unwrap().iter().enumerate() {
        b["sites"][i]["data_age_seconds"] = s["data_age_seconds"].clone();
    }
    assert_eq!(a["sites"][0]["name"], b["sites"][0]["name"]);
    assert_eq!(a["sites"][0]["record"], b["sites"][0]["record"]);
    assert_eq!(a["sites"][0]["verdict"], b["sites"][0]["verdict"]);
    // Escaped, not replaced: the JSON read back holds the same characters (`…`).
    let reasons = b["sites"][0]["reasons"].to_string();
    assert!(reasons.contains('…'), "{reasons}");
    // COLUMNS exported for a pipe: cut to it.
    let narrow = binary::switchyard(tempfile::tempdir().unwrap().path(), &env)
        .env("COLUMNS", "80")
        .current_dir(root())
        .args(["status", "--config", &demo])
        .output()
        .await
        .unwrap();
    let narrow = String::from_utf8_lossy(&narrow.stdout);
    assert!(narrow.lines().all(|l| l.chars().count() <= 80), "{narrow}");
}

/// `status --site` shows each health check checker by checker, region by region (what the
/// README promises), with a failing region said as failing.
#[tokio::test]
async fn status_of_one_site_shows_every_checker_region() {
    let sim = sim("demo").await;
    let env = sim.env_vars();
    let demo = config("demo");
    let out = run(&env, &["status", "--config", &demo, "--site", "shop"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "health check shop-primary (0b6f2e4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b): 8 checkers"
        ),
        "{text}"
    );
    for region in [
        "us-east-1",
        "us-west-1",
        "us-west-2",
        "eu-west-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "sa-east-1",
    ] {
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(region) && l.contains("1 of 1 success")),
            "{region}:\n{text}"
        );
    }
    // The checkers of two regions lose the endpoint: those regions say so.
    sim.control(Control::RegionOutage {
        regions: vec!["us-east-1".into(), "sa-east-1".into()],
        down: true,
    })
    .unwrap();
    advance(&sim, 120.0);
    let out = run(&env, &["status", "--config", &demo, "--site", "shop"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("us-east-1"))
        .unwrap_or_default();
    assert!(line.contains("0 of 1 success, FAILING"), "{text}");
}

/// An emulator serving generated account `k` (its own account ID, zone and domain), clock
/// paused; names it does not have are asked of `forward`, by its resolver and by its name servers.
async fn generated_account(sites: usize, k: u8, forward: Option<&SimHandle>) -> SimHandle {
    let mut opts = SimOptions::new(switchyard_sim::scenario::generate_account(sites, k));
    opts.paused = true;
    opts.dns_forward = forward.map(SimHandle::dns_server);
    opts.name_server_forward = forward.map(SimHandle::name_server);
    start(opts).await.unwrap()
}

#[tokio::test]
async fn sites_of_three_accounts_are_each_read_with_their_own_profile_and_answered_by_dns() {
    // Three accounts, each its own endpoint (as each AWS account is its own set of budgets), and
    // a profile per account in the AWS config file: the sites name their profile.
    // The first account's DNS server asks the second's for names it does not have (and the
    // second the third's), as a resolver finds every account's load balancers and name servers;
    // its name servers relay the zones they do not hold the same way, so that every zone's
    // answer is read by DNS, as each zone's own name servers give it on the internet.
    let three = generated_account(2, 3, None).await;
    let two = generated_account(2, 2, Some(&three)).await;
    let one = generated_account(2, 1, Some(&two)).await;
    let accounts = [(1, &one), (2, &two), (3, &three)];
    let dir = tempfile::tempdir().unwrap();
    let aws_config = dir.path().join("aws-config");
    let mut profiles = String::new();
    let mut cfg = String::from("[defaults]\nregion = \"eu-west-1\"\n");
    for (k, sim) in accounts {
        profiles.push_str(&format!(
            "[profile account{k}]\nregion = eu-west-1\nendpoint_url = {}\n\
             aws_access_key_id = switchyard-sim\naws_secret_access_key = switchyard-sim\n\n",
            sim.endpoint()
        ));
        for i in 0..2 {
            cfg.push_str(&format!(
                "\n[[site]]\nname = \"a{k}-site{i:03}\"\nzone = \"Z0GENERATED{k:02}\"\n\
                 record = \"site{i:03}.account{k}.example.com\"\nprofile = \"account{k}\"\n"
            ));
        }
    }
    std::fs::write(&aws_config, profiles).unwrap();
    let cfg_path = dir.path().join("switchyard.toml");
    std::fs::write(&cfg_path, cfg).unwrap();
    // No endpoint or keys in the environment: only the profiles say where each account is. The
    // resolver and the name servers' port are the first emulator's, as `switchyard sim` prints.
    let env: Vec<(String, String)> = vec![
        ("AWS_CONFIG_FILE".into(), aws_config.display().to_string()),
        ("AWS_SHARED_CREDENTIALS_FILE".into(), "/dev/null".into()),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ("SWITCHYARD_DNS_SERVER".into(), one.dns_server().to_string()),
        (
            "SWITCHYARD_NAME_SERVER_PORT".into(),
            one.name_server().port().to_string(),
        ),
    ];
    let status = || async {
        let out = run(
            &env,
            &[
                "status",
                "--config",
                cfg_path.to_str().unwrap(),
                "--output",
                "json",
            ],
        )
        .await;
        let json: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code().unwrap(), json)
    };
    let by_dns = |json: &Value| {
        for site in json["sites"].as_array().unwrap() {
            let source = site["dns_answer_source"].as_str().unwrap_or_default();
            assert!(
                source.starts_with("Route 53's name servers by DNS (ns-"),
                "{}: {source}",
                site["name"]
            );
        }
    };
    let (code, json) = status().await;
    assert_eq!(code, 0, "{json:#}");
    let sites: Vec<(String, &str)> = accounts
        .iter()
        .flat_map(|(k, _)| (0..2).map(move |i| (format!("a{k}-site{i:03}"), "primary")))
        .collect();
    let sites: Vec<(&str, &str)> = sites.iter().map(|(n, r)| (n.as_str(), *r)).collect();
    assert_healthy(&json, &sites);
    by_dns(&json);
    // Each account was read at its own endpoint: each was called for its own zone only, and
    // its own name servers answered its sites (no TestDNSAnswer anywhere).
    for (k, sim) in accounts {
        let zone = format!("Z0GENERATED{k:02}");
        let calls = sim.calls();
        assert!(
            calls
                .calls
                .get("route53:ListResourceRecordSets")
                .copied()
                .unwrap_or(0)
                >= 1,
            "{zone}: {calls:?}"
        );
        assert_eq!(
            calls.get("route53", "TestDNSAnswer"),
            0,
            "{zone}: {calls:?}"
        );
        assert_eq!(
            calls.get("route53", "GetHostedZone"),
            1,
            "{zone}: {calls:?}"
        );
        assert!(
            calls.dns.get("A").copied().unwrap_or(0) >= 2,
            "{zone}: {calls:?}"
        );
        let zones =
            sim.with_world(|w| w.r53.zones.iter().map(|z| z.id.clone()).collect::<Vec<_>>());
        assert_eq!(zones, [zone]);
    }

    // One site of the last account fails over; the other accounts' sites are not touched, and
    // the answer that says so still comes by DNS, through the chain.
    stop(&three, &["i-00000000100000001", "i-00000000100000002"]);
    advance(&three, 300.0);
    let (code, json) = status().await;
    assert_eq!(code, 11, "{json:#}");
    assert_eq!(site(&json, "a3-site001")["verdict"], "FAILED OVER");
    for (name, _) in sites.iter().filter(|(n, _)| *n != "a3-site001") {
        assert_eq!(site(&json, name)["verdict"], "LIVE", "{name}");
    }
    by_dns(&json);
}

/// Route 53's answer comes from the zone's own name servers by DNS: no TestDNSAnswer call, one
/// GetHostedZone for the zone, the source in the JSON and in `status --site`. When DNS does not
/// answer from here, TestDNSAnswer stands in, and the table says so once, above the sites.
#[tokio::test]
async fn status_reads_route53s_answer_from_the_name_servers_and_falls_back_when_dns_is_blocked() {
    let sim = sim("alb-cloudfront").await;
    let (code, json) = status_json(&sim, "alb-cloudfront").await;
    let shop = site(&json, "shop");
    assert_eq!(
        (code, shop["verdict"].as_str()),
        (0, Some("LIVE")),
        "{shop:#}"
    );
    assert_eq!(shop["served_inferred"], false);
    let source = shop["dns_answer_source"].as_str().unwrap();
    assert!(
        source.starts_with("Route 53's name servers by DNS (ns-") && source.contains("127.0.0.1:"),
        "{source}"
    );
    let calls = sim.calls();
    assert_eq!(calls.get("route53", "TestDNSAnswer"), 0, "{calls:?}");
    assert_eq!(calls.get("route53", "GetHostedZone"), 1, "{calls:?}");
    assert!(calls.dns.get("A").copied().unwrap_or(0) >= 1, "{calls:?}");
    // The detail names the source and its age.
    let out = run(
        &sim.env_vars(),
        &[
            "status",
            "--config",
            &config("alb-cloudfront"),
            "--site",
            "shop",
        ],
    )
    .await;
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("DNS answer: ") && table.contains("source: Route 53's name servers by DNS"),
        "{table}"
    );
    // DNS blocked (the name servers do not answer): TestDNSAnswer, said once above the sites.
    sim.control(Control::Fault(
        serde_json::from_value::<FaultSpec>(serde_json::json!({"service": "dns", "fault": "drop"}))
            .unwrap(),
    ))
    .unwrap();
    sim.control(Control::ResetCalls).unwrap();
    let out = run(
        &sim.env_vars(),
        &["status", "--config", &config("alb-cloudfront")],
    )
    .await;
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{table}");
    assert_eq!(
        table
            .matches("note: Route 53's name servers do not answer by DNS from here")
            .count(),
        1,
        "{table}"
    );
    assert!(table.contains("read with TestDNSAnswer"), "{table}");
    assert!(sim.calls().get("route53", "TestDNSAnswer") >= 1);
    let (_, json) = status_json(&sim, "alb-cloudfront").await;
    let source = site(&json, "shop")["dns_answer_source"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        source.starts_with("TestDNSAnswer (Route 53's name servers do not answer by DNS"),
        "{source}"
    );
}

/// One site's full `status` at a long round trip on every call reads in three dependent stages:
/// the lists beside the records; the chain behind them, the metrics and names beside it; then
/// what needs a piece of the chain (rules, alarms' series). The emulator's call log says which
/// calls could have waited for which: a call counts as after every call whose answer had left
/// before it arrived, so the count can only overstate the depth, never hide a stage. No clock
/// is asserted; the round trip (1.5 s, far longer than AWS's 30 to 150 ms) is long enough that
/// a busy machine (a debug build beside other tests) does not start calls of one stage a round
/// trip apart.
#[tokio::test]
async fn one_sites_status_reads_in_three_stages_at_a_realistic_round_trip() {
    let sim = sim("alb-cloudfront").await;
    sim.control(Control::Fault(FaultSpec {
        service: None,
        operation: None,
        kind: switchyard_sim::faults::FaultKind::Latency { millis: 1500 },
        times: None,
        body_contains: None,
    }))
    .unwrap();
    sim.control(Control::ResetCalls).unwrap();
    let out = run(
        &sim.env_vars(),
        &[
            "status",
            "--config",
            &config("alb-cloudfront"),
            "--site",
            "shop",
            "--output",
            "json",
        ],
    )
    .await;
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{json:#}");
    let shop = site(&json, "shop");
    assert_eq!(shop["verdict"], "LIVE");
    assert_eq!(shop["complete"], true, "{shop:#}");
    let log = sim.call_log();
    let waves = switchyard_sim::faults::by_wave(&log);
    assert!(
        waves.len() <= 3,
        "{} stages in a row:\n{}",
        waves.len(),
        waves
            .iter()
            .enumerate()
            .map(|(i, w)| format!("{}: {}", i + 1, w.join(", ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Everything a full status reads was read: the chain, the checkers, the rules, the
    // distribution, the alarms' series.
    let calls: std::collections::BTreeSet<&str> = log.iter().map(|c| c.call.as_str()).collect();
    for call in [
        "route53:ListResourceRecordSets",
        "route53:GetHealthCheckStatus",
        "elbv2:DescribeListeners",
        "elbv2:DescribeRules",
        "elbv2:DescribeTargetHealth",
        "cloudfront:GetDistribution",
        "cloudwatch:GetMetricData",
    ] {
        assert!(calls.contains(call), "{call} not made: {calls:?}");
    }
}
