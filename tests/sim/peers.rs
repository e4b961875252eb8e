//! Independent clients: awscli (botocore, JSON 1.0 for CloudWatch) reads the emulator, and the
//! `switchyard sim` process serves it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::common::sim;

/// The awscli of the test venv. The test script installs it and sets SWITCHYARD_REQUIRE_PEERS=1,
/// so in CI a missing awscli fails the test instead of skipping it.
fn awscli() -> Option<String> {
    let path = std::env::var("SWITCHYARD_AWSCLI")
        .unwrap_or_else(|_| format!("{}/.venv/bin/aws", env!("CARGO_MANIFEST_DIR")));
    if std::path::Path::new(&path).exists() {
        return Some(path);
    }
    assert!(
        std::env::var("SWITCHYARD_REQUIRE_PEERS").is_err(),
        "awscli not found at {path}; run scripts/test, which installs it"
    );
    eprintln!("skipping: awscli not found at {path} (scripts/test installs it)");
    None
}

fn aws(cli: &str, endpoint: &str, region: &str, args: &[&str]) -> serde_json::Value {
    let out = Command::new(cli)
        .args(args)
        .args(["--output", "json"])
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "AKIDSIM")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_DEFAULT_REGION", region)
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "aws {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn awscli_reads_route53_elbv2_cloudwatch_and_cloudfront() {
    let Some(cli) = awscli() else { return };
    let sim = sim("demo").await;
    let ep = sim.endpoint();
    let status = aws(
        &cli,
        &ep,
        "us-east-1",
        &[
            "route53",
            "get-health-check-status",
            "--health-check-id",
            "0b6f2e4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
        ],
    );
    let obs = status["HealthCheckObservations"].as_array().unwrap();
    assert_eq!(obs.len(), 8);
    assert_eq!(
        obs[0]["StatusReport"]["Status"],
        "Success: HTTP Status Code 200, OK"
    );
    let rrs = aws(
        &cli,
        &ep,
        "us-east-1",
        &[
            "route53",
            "list-resource-record-sets",
            "--hosted-zone-id",
            "Z0DEMO0EXAMPLE",
        ],
    );
    assert!(
        rrs["ResourceRecordSets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["SetIdentifier"] == "www-secondary")
    );
    let tgs = aws(
        &cli,
        &ep,
        "eu-west-1",
        &["elbv2", "describe-target-groups", "--names", "blog-app"],
    );
    let tg = tgs["TargetGroups"][0]["TargetGroupArn"]
        .as_str()
        .unwrap()
        .to_string();
    let health = aws(
        &cli,
        &ep,
        "eu-west-1",
        &["elbv2", "describe-target-health", "--target-group-arn", &tg],
    );
    let states: Vec<String> = health["TargetHealthDescriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["TargetHealth"]["State"].as_str().unwrap(),
                d["TargetHealth"]["Reason"].as_str().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        states,
        ["healthy -", "unhealthy Target.ResponseCodeMismatch"]
    );
    let alarms = aws(
        &cli,
        &ep,
        "eu-west-1",
        &[
            "cloudwatch",
            "describe-alarms",
            "--alarm-names",
            "api-1-StatusCheckFailed",
        ],
    );
    assert_eq!(alarms["MetricAlarms"][0]["StateValue"], "OK");
    assert_eq!(alarms["MetricAlarms"][0]["Threshold"], 1.0);
    let dist = aws(
        &cli,
        &ep,
        "us-east-1",
        &["cloudfront", "get-distribution", "--id", "E1SHOPSORRY0AB"],
    );
    assert_eq!(dist["Distribution"]["Status"], "Deployed");
    assert_eq!(
        dist["Distribution"]["DistributionConfig"]["CustomErrorResponses"]["Items"][0]["ResponseCode"],
        "503"
    );
}

#[test]
fn the_sim_command_prints_its_endpoint_and_serves_until_interrupted() {
    let scenario = format!(
        "{}/assets/scenarios/alb-cloudfront.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args([
            "sim",
            "--scenario",
            &scenario,
            "--port",
            "0",
            "--speed",
            "10",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let endpoint = first
        .split(" at ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{first}");
    let rest: Vec<String> = lines.by_ref().take(8).map(Result::unwrap).collect();
    assert!(
        rest.iter()
            .any(|l| l == &format!("  export AWS_ENDPOINT_URL={endpoint}")),
        "{rest:?}"
    );
    let port: u16 = endpoint.rsplit(':').next().unwrap().parse().unwrap();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    use std::io::{Read, Write};
    stream
        .write_all(b"GET /_sim/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn the_sim_command_names_a_bad_scenario_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "name = \"x\"\n[[instances]]\nid = \"i-1\"\nprivate_ip = \"10.0.0.1\"\nsize = \"large\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["sim", "--scenario"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:5:1: unknown field `size`"), "{err}");
}

#[path = "../support/moto.rs"]
mod moto;

/// moto is a second opinion on wire compatibility: the same SDK clients read what boto3 wrote.
#[tokio::test(flavor = "multi_thread")]
async fn the_rust_clients_read_moto_too() {
    let Some(moto) = tokio::task::spawn_blocking(moto::Moto::start)
        .await
        .unwrap()
    else {
        return;
    };
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(&moto.endpoint)
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            "testing", "testing", None, None, "moto",
        ))
        .load()
        .await;
    let r53 = aws_sdk_route53::Client::new(&conf);
    let rrs = r53
        .list_resource_record_sets()
        .hosted_zone_id(moto.seed_str("zone_id"))
        .send()
        .await
        .unwrap();
    assert!(
        rrs.resource_record_sets()
            .iter()
            .any(|r| r.set_identifier() == Some("www-secondary"))
    );
    let elb = aws_sdk_elasticloadbalancingv2::Client::from_conf(
        aws_sdk_elasticloadbalancingv2::config::Builder::from(&conf)
            .region(aws_config::Region::new("eu-west-1"))
            .build(),
    );
    let listeners = elb
        .describe_listeners()
        .listener_arns(moto.seed_str("listener_arn"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        listeners.listeners()[0].default_actions()[0].target_group_arn(),
        Some(moto.seed_str("target_group_arn").as_str())
    );
    let cf = aws_sdk_cloudfront::Client::new(&conf);
    let d = cf
        .get_distribution()
        .id(moto.seed_str("distribution_id"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.distribution().unwrap().domain_name(),
        moto.seed_str("distribution_domain")
    );
}
