//! `switchyard sim`, the emulator as a process of its own, and moto as a second opinion on the
//! wire compatibility of the SDK clients switchyard uses.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

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

#[path = "support/moto.rs"]
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
