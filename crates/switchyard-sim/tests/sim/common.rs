//! Starting the emulator on a scenario and pointing SDK clients at it.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::Credentials;
use switchyard_sim::{Control, Scenario, SimHandle, SimOptions, start};

/// 2026-11-22T02:00:00Z: scenarios start here in tests, so that timestamps are repeatable.
pub const T0_MS: i64 = 1_795_312_800_000;

pub fn scenario(name: &str) -> Scenario {
    let path = format!(
        "{}/assets/scenarios/{name}.toml",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../..")
    );
    Scenario::load(std::path::Path::new(&path)).unwrap()
}

/// The emulator on a scenario, with a paused clock at T0.
pub async fn sim(name: &str) -> SimHandle {
    let mut opts = SimOptions::new(scenario(name));
    opts.paused = true;
    opts.start = Some(T0_MS);
    start(opts).await.unwrap()
}

/// An SDK config signed for `region` that talks to the emulator.
pub async fn sdk(sim: &SimHandle, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(sim.endpoint())
        .credentials_provider(Credentials::new("AKIDSIM", "secret", None, None, "test"))
        .load()
        .await
}

pub async fn route53(sim: &SimHandle) -> aws_sdk_route53::Client {
    aws_sdk_route53::Client::new(&sdk(sim, "us-east-1").await)
}

pub async fn cloudwatch(sim: &SimHandle, region: &str) -> aws_sdk_cloudwatch::Client {
    aws_sdk_cloudwatch::Client::new(&sdk(sim, region).await)
}

pub async fn elbv2(sim: &SimHandle) -> aws_sdk_elasticloadbalancingv2::Client {
    aws_sdk_elasticloadbalancingv2::Client::new(&sdk(sim, "eu-west-1").await)
}

pub async fn cloudfront(sim: &SimHandle) -> aws_sdk_cloudfront::Client {
    aws_sdk_cloudfront::Client::new(&sdk(sim, "us-east-1").await)
}

pub fn advance(sim: &SimHandle, seconds: f64) {
    sim.control(Control::AdvanceClock { seconds }).unwrap();
}

/// The AWS error code of an SDK error.
pub fn code<E: aws_sdk_route53::error::ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or("<no code>").to_string()
}

/// A bare HTTP/1.1 request to the emulator's control API: (status, body).
pub async fn http(sim: &SimHandle, method: &str, path: &str, body: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", sim.port()))
        .await
        .unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    let status = out.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
    let body = out.split("\r\n\r\n").nth(1).unwrap_or_default().to_string();
    (status, body)
}
