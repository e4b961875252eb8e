//! Independent clients: awscli (botocore, JSON 1.0 for CloudWatch) reads the emulator.

use std::process::Command;

use crate::common::sim;

/// The awscli of the test venv. The test script installs it and sets SWITCHYARD_REQUIRE_PEERS=1,
/// so in CI a missing awscli fails the test instead of skipping it.
pub fn awscli() -> Option<String> {
    let path = std::env::var("SWITCHYARD_AWSCLI").unwrap_or_else(|_| {
        format!(
            "{}/.venv/bin/aws",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../..")
        )
    });
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

/// Runs awscli against the emulator and returns its JSON output; fails the test if it fails.
pub fn aws(cli: &str, endpoint: &str, region: &str, args: &[&str]) -> serde_json::Value {
    let out = run(cli, endpoint, region, args);
    assert!(
        out.status.success(),
        "aws {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if out.stdout.iter().all(u8::is_ascii_whitespace) {
        return serde_json::Value::Null;
    }
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs awscli against the emulator, expecting it to fail; returns what it says on stderr (the
/// AWS error code and message).
pub fn aws_fails(cli: &str, endpoint: &str, region: &str, args: &[&str]) -> String {
    let out = run(cli, endpoint, region, args);
    assert!(
        !out.status.success(),
        "aws {args:?} succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn run(cli: &str, endpoint: &str, region: &str, args: &[&str]) -> std::process::Output {
    Command::new(cli)
        .args(args)
        .args(["--output", "json"])
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "AKIDSIM")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_DEFAULT_REGION", region)
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        // No retries: an error is read as the emulator gave it.
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .unwrap()
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
