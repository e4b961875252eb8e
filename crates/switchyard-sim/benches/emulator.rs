//! How long the emulator takes to answer a read, so that our own benchmarks never measure it.
//!
//! Server time is what one request costs inside the emulator: classify, bring the world to now,
//! run the handler, encode the answer. It is compared with a full aws-sdk round trip over
//! loopback in the same run. `cargo bench -p switchyard-sim --bench emulator` prints the table; run
//! by `cargo test` (without `--bench`), it makes a few requests of each kind and prints nothing.

use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};
use bytes::Bytes;
use hyper::{HeaderMap, Method};
use switchyard_sim::proto::{Doc, cbor};
use switchyard_sim::{Scenario, SimOptions, api, start};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn p99(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[(v.len() * 99 / 100).min(v.len() - 1)]
}

fn headers(service: &str, region: &str, extra: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=AKID/20261122/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0"
    );
    h.insert("authorization", auth.parse().unwrap());
    for (k, v) in extra {
        h.insert(*k, v.parse().unwrap());
    }
    h
}

struct Read {
    name: &'static str,
    method: Method,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
}

fn reads(shop_tg: &str) -> Vec<Read> {
    let r53 = headers("route53", "us-east-1", &[]);
    let metric_query = Doc::map()
        .with(
            "MetricDataQueries",
            Doc::List(vec![
                Doc::map().with("Id", "h").with(
                    "MetricStat",
                    Doc::map()
                        .with(
                            "Metric",
                            Doc::map()
                                .with("Namespace", "AWS/EC2")
                                .with("MetricName", "StatusCheckFailed")
                                .with(
                                    "Dimensions",
                                    Doc::List(vec![
                                        Doc::map()
                                            .with("Name", "InstanceId")
                                            .with("Value", "i-0a1b2c3d4e5f60001"),
                                    ]),
                                ),
                        )
                        .with("Period", 60i64)
                        .with("Stat", "Maximum"),
                ),
            ]),
        )
        .with("StartTime", Doc::Time(1_795_312_800.0 - 3600.0))
        .with("EndTime", Doc::Time(1_795_312_800.0));
    let cbor_h = headers(
        "monitoring",
        "eu-west-1",
        &[
            ("smithy-protocol", "rpc-v2-cbor"),
            ("content-type", "application/cbor"),
        ],
    );
    vec![
        Read {
            name: "route53 GetHealthCheckStatus",
            method: Method::GET,
            path: "/2013-04-01/healthcheck/0b6f2e4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b/status".into(),
            query: None,
            headers: r53.clone(),
            body: Bytes::new(),
        },
        Read {
            name: "route53 ListResourceRecordSets",
            method: Method::GET,
            path: "/2013-04-01/hostedzone/Z0DEMO0EXAMPLE/rrset".into(),
            query: None,
            headers: r53.clone(),
            body: Bytes::new(),
        },
        Read {
            name: "route53 TestDNSAnswer",
            method: Method::GET,
            path: "/2013-04-01/testdnsanswer".into(),
            query: Some(
                "hostedzoneid=Z0DEMO0EXAMPLE&recordname=www.example.com&recordtype=A".into(),
            ),
            headers: r53,
            body: Bytes::new(),
        },
        Read {
            name: "elbv2 DescribeTargetHealth",
            method: Method::POST,
            path: "/".into(),
            query: None,
            headers: headers(
                "elasticloadbalancing",
                "eu-west-1",
                &[("content-type", "application/x-www-form-urlencoded")],
            ),
            body: Bytes::from(format!(
                "Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn={}",
                form_urlencoded::byte_serialize(shop_tg.as_bytes()).collect::<String>()
            )),
        },
        Read {
            name: "cloudwatch DescribeAlarms (CBOR)",
            method: Method::POST,
            path: "/service/GraniteServiceVersion20100801/operation/DescribeAlarms".into(),
            query: None,
            headers: cbor_h.clone(),
            body: Bytes::from(cbor::encode(&Doc::map())),
        },
        Read {
            name: "cloudwatch GetMetricData 60 points (CBOR)",
            method: Method::POST,
            path: "/service/GraniteServiceVersion20100801/operation/GetMetricData".into(),
            query: None,
            headers: cbor_h,
            body: Bytes::from(cbor::encode(&metric_query)),
        },
        Read {
            name: "cloudfront GetDistribution",
            method: Method::GET,
            path: "/2020-05-31/distribution/E1SHOPSORRY0AB".into(),
            query: None,
            headers: headers("cloudfront", "us-east-1", &[]),
            body: Bytes::new(),
        },
    ]
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs a few requests as a check.
    let full = std::env::args().any(|a| a == "--bench");
    let out = |line: String| {
        if full {
            println!("{line}");
        }
    };
    let path = format!(
        "{}/assets/scenarios/demo.toml",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../..")
    );
    let scenario = Scenario::load(std::path::Path::new(&path)).unwrap();
    // A running clock, as in a demo: every request first brings the world to now.
    let mut world = scenario.build(1_795_312_800_000, 1.0, false).unwrap();
    let n: usize = if full { 3000 } else { 3 };
    let (round_trips, warm_up) = if full { (600, 100) } else { (3, 1) };
    out("| read | server time, median | p99 |".into());
    out("|---|---|---|".into());
    let mut medians = Vec::new();
    let shop_tg = world
        .elb
        .tgs
        .iter()
        .find(|t| t.name == "shop-app")
        .map(|t| t.arn.clone())
        .unwrap();
    for r in reads(&shop_tg) {
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let call = api::classify(
                &r.method,
                &r.path,
                r.query.as_deref(),
                &r.headers,
                r.body.clone(),
                "eu-west-1",
            )
            .unwrap();
            world.sync();
            let out = api::render(
                call.proto,
                &call.operation,
                api::dispatch(&mut world, &call),
                "req",
            );
            assert!(
                out.status < 300,
                "{} failed: {}",
                r.name,
                String::from_utf8_lossy(&out.body)
            );
            times.push(t.elapsed());
        }
        let m = median(times.clone());
        medians.push(m);
        out(format!(
            "| {} | {:.1} µs | {:.1} µs |",
            r.name,
            m.as_secs_f64() * 1e6,
            p99(times).as_secs_f64() * 1e6
        ));
    }
    let worst = medians.iter().max().copied().unwrap_or_default();

    // The same read as a full SDK round trip over loopback.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let round_trip = rt.block_on(async {
        let mut opts = SimOptions::new(scenario);
        opts.start = Some(1_795_312_800_000);
        let sim = start(opts).await.unwrap();
        let conf = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(sim.endpoint())
            .credentials_provider(aws_sdk_route53::config::Credentials::new(
                "a", "b", None, None, "bench",
            ))
            .load()
            .await;
        let r53 = aws_sdk_route53::Client::new(&conf);
        let mut times = Vec::new();
        for i in 0..round_trips {
            let t = Instant::now();
            r53.get_health_check_status()
                .health_check_id("0b6f2e4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b")
                .send()
                .await
                .unwrap();
            if i >= warm_up {
                times.push(t.elapsed());
            }
        }
        sim.shutdown().await;
        median(times)
    });
    out(String::new());
    out(format!(
        "aws-sdk-route53 GetHealthCheckStatus round trip over loopback: median {:.1} µs; the slowest read's server time is {:.1}% of it.",
        round_trip.as_secs_f64() * 1e6,
        100.0 * worst.as_secs_f64() / round_trip.as_secs_f64()
    ));
    out(format!(
        "Slowest median server time {:.1} µs: {}",
        worst.as_secs_f64() * 1e6,
        if worst < Duration::from_micros(500) {
            "well under a millisecond"
        } else {
            "NOT under half a millisecond"
        }
    ));
}
