//! The emulator as AWS documents it (issue 16, "AWS behaviour to add"), read through awscli as
//! the independent client: NLB zones in DNS, the checkers of a removed region, the time limits
//! and SNI of HTTP(S) checks, EC2 status check metrics that arrive late, and host failures.

use switchyard_sim::Control;
use switchyard_sim::world::ec2::Behaviour;

use crate::common::{T0_MS, advance, sim};
use crate::peers::{aws, aws_fails, awscli};

/// The addresses of an A query to the emulator's name server, sorted.
async fn dns_a(sim: &switchyard_sim::SimHandle, name: &str) -> Vec<String> {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut q = vec![0x42, 0x43, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    socket.send_to(&q, sim.dns_server()).await.unwrap();
    let mut buf = [0u8; 512];
    let (len, _) = socket.recv_from(&mut buf).await.unwrap();
    let reply = &buf[..len];
    let count = u16::from_be_bytes([reply[6], reply[7]]) as usize;
    // Each answer: name pointer (2), type (2), class (2), TTL (4), length (2), address (4).
    let mut out: Vec<String> = (0..count)
        .map(|i| {
            let at = q.len() + i * 16 + 12;
            format!(
                "{}.{}.{}.{}",
                reply[at],
                reply[at + 1],
                reply[at + 2],
                reply[at + 3]
            )
        })
        .collect();
    out.sort();
    out
}

fn status_texts(cli: &str, ep: &str, id: &str, op: &str) -> Vec<(String, String)> {
    let out = aws(
        cli,
        ep,
        "us-east-1",
        &["route53", op, "--health-check-id", id],
    );
    out["HealthCheckObservations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["Region"].as_str().unwrap().to_string(),
                o["StatusReport"]["Status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const PAY_NLB: &str =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/pay-nlb/2b3c4d5e6f708192";

/// nlb-sorry with pay-1 (eu-west-1a) stopped, its zone read before and after through awscli:
/// the emulator, the NLB's DNS name, both zone addresses (sorted) and zone b's.
async fn nlb_with_zone_a_down(
    cli: &str,
) -> (switchyard_sim::SimHandle, String, Vec<String>, String) {
    let sim = sim("nlb-sorry").await;
    let ep = sim.endpoint();
    let lbs = aws(
        cli,
        &ep,
        "eu-west-1",
        &["elbv2", "describe-load-balancers", "--names", "pay-nlb"],
    );
    let dns_name = lbs["LoadBalancers"][0]["DNSName"]
        .as_str()
        .unwrap()
        .to_string();
    // The zone addresses, in the order of the load balancer's zones (a, b).
    let (zone_a, zone_b) = sim.with_world(|w| {
        let lb = w.elb.lb(PAY_NLB).unwrap();
        assert_eq!(lb.azs, ["eu-west-1a", "eu-west-1b"]);
        (lb.ips[0].clone(), lb.ips[1].clone())
    });
    let mut both = vec![zone_a.clone(), zone_b.clone()];
    both.sort();
    let answer = || crate::fidelity::answer(cli, &ep, "Z0EXAMPLE000PAY", "pay.example.net");
    assert_eq!(answer(), both);
    assert_eq!(dns_a(&sim, &dns_name).await, both);

    // pay-1 (eu-west-1a) stops: zone a has no healthy target.
    sim.control(Control::StopInstance {
        instance: "i-0b0b0b0b0b0b00101".into(),
    })
    .unwrap();
    advance(&sim, 60.0);
    assert_eq!(
        answer(),
        vec![zone_b.clone()],
        "the alias answers zone b only"
    );
    assert_eq!(dns_a(&sim, &dns_name).await, vec![zone_b.clone()]);

    (sim, dns_name, both, zone_b)
}

/// Added behaviour: an NLB (cross-zone load balancing off, its default) takes the address of
/// a zone without a healthy target out of its DNS name's answers, and Route 53's alias answers
/// follow; with no healthy zone it fails open and answers every address (ELB knowledge center, "elb-dns-cross-zone-balance-configuration").
#[tokio::test(flavor = "multi_thread")]
async fn awscli_sees_an_nlb_drop_the_zone_without_a_healthy_target() {
    let Some(cli) = awscli() else { return };
    let (sim, dns_name, both, _) = nlb_with_zone_a_down(&cli).await;
    let ep = sim.endpoint();
    let answer = || crate::fidelity::answer(&cli, &ep, "Z0EXAMPLE000PAY", "pay.example.net");
    // pay-2 stops too: no zone is healthy, the NLB fails open and answers every address.
    sim.control(Control::StopInstance {
        instance: "i-0b0b0b0b0b0b00102".into(),
    })
    .unwrap();
    advance(&sim, 60.0);
    assert_eq!(answer(), both);
    assert_eq!(dns_a(&sim, &dns_name).await, both);
}

/// Added behaviour: with cross-zone load balancing on (here at the target group), a zone's node
/// reaches the healthy targets of other zones, and its address stays in DNS (ELB knowledge
/// center, "elb-dns-cross-zone-balance-configuration").
#[tokio::test(flavor = "multi_thread")]
async fn awscli_sees_an_nlb_keep_its_zones_with_cross_zone_load_balancing() {
    let Some(cli) = awscli() else { return };
    let (sim, dns_name, both, zone_b) = nlb_with_zone_a_down(&cli).await;
    let ep = sim.endpoint();
    let answer = || crate::fidelity::answer(&cli, &ep, "Z0EXAMPLE000PAY", "pay.example.net");
    // On at the target group (its attribute): zone a's node reaches pay-2.
    let tg = sim.with_world(|w| w.elb.tgs[0].arn.clone());
    let cross_zone = |on: &str| {
        aws(
            &cli,
            &ep,
            "eu-west-1",
            &[
                "elbv2",
                "modify-target-group-attributes",
                "--target-group-arn",
                &tg,
                "--attributes",
                &format!("Key=load_balancing.cross_zone.enabled,Value={on}"),
            ],
        );
    };
    cross_zone("true");
    assert_eq!(answer(), both);
    assert_eq!(dns_a(&sim, &dns_name).await, both);
    cross_zone("use_load_balancer_configuration");
    assert_eq!(answer(), vec![zone_b.clone()]);
}

/// Added behaviour: the same with cross-zone load balancing on at the NLB, where its setting
/// lives (ModifyLoadBalancerAttributes, off by default); an ALB's is always on and cannot be
/// turned off (ELB user guides, "Cross-zone load balancing").
#[tokio::test(flavor = "multi_thread")]
async fn awscli_sees_an_nlb_keep_its_zones_with_cross_zone_load_balancing_on_the_nlb() {
    let Some(cli) = awscli() else { return };
    let (sim, _, both, zone_b) = nlb_with_zone_a_down(&cli).await;
    let ep = sim.endpoint();
    let answer = || crate::fidelity::answer(&cli, &ep, "Z0EXAMPLE000PAY", "pay.example.net");
    let lb_cross_zone = |on: &str| {
        let out = aws(
            &cli,
            &ep,
            "eu-west-1",
            &[
                "elbv2",
                "modify-load-balancer-attributes",
                "--load-balancer-arn",
                PAY_NLB,
                "--attributes",
                &format!("Key=load_balancing.cross_zone.enabled,Value={on}"),
            ],
        );
        let attrs = out["Attributes"].as_array().unwrap();
        let value = attrs
            .iter()
            .find(|a| a["Key"] == "load_balancing.cross_zone.enabled")
            .unwrap();
        assert_eq!(value["Value"], on);
    };
    lb_cross_zone("true");
    assert_eq!(answer(), both);
    lb_cross_zone("false");
    assert_eq!(answer(), vec![zone_b.clone()]);
    // An ALB's is always on.
    let alb = sim.with_world(|w| {
        w.elb
            .lbs
            .iter()
            .find(|l| l.name == "pay-sorry-alb")
            .unwrap()
            .arn
            .clone()
    });
    let err = aws_fails(
        &cli,
        &ep,
        "eu-west-1",
        &[
            "elbv2",
            "modify-load-balancer-attributes",
            "--load-balancer-arn",
            &alb,
            "--attributes",
            "Key=load_balancing.cross_zone.enabled,Value=false",
        ],
    );
    assert!(err.contains("InvalidConfigurationRequest"), "{err}");
}

/// Added behaviour: a region removed from a health check's Regions keeps checking for a while
/// (Route 53 API reference, HealthCheckConfig Regions: "Route 53 will briefly continue to
/// perform checks from that region"), and its observations stay in GetHealthCheckStatus and
/// GetHealthCheckLastFailureReason; then they are gone.
#[tokio::test(flavor = "multi_thread")]
async fn awscli_sees_a_removed_region_keep_checking_for_a_while() {
    let Some(cli) = awscli() else { return };
    let sim = sim("endpoint-checks").await;
    let ep = sim.endpoint();
    let id = "5e1c2d3b-4a59-4c7d-8e6f-0a1b2c3d4e01";
    assert_eq!(
        status_texts(&cli, &ep, id, "get-health-check-status").len(),
        8
    );
    let updated = aws(
        &cli,
        &ep,
        "us-east-1",
        &[
            "route53",
            "update-health-check",
            "--health-check-id",
            id,
            "--regions",
            "us-east-1",
            "us-west-2",
            "eu-west-1",
        ],
    );
    assert_eq!(
        updated["HealthCheck"]["HealthCheckConfig"]["Regions"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // The endpoint fails: the removed regions' checkers see it too.
    sim.control(Control::SetBehaviour {
        target: "i-0e0e0e0e0e0e00001".into(),
        behaviour: Behaviour::Http(503),
    })
    .unwrap();
    advance(&sim, 60.0);
    let status = status_texts(&cli, &ep, id, "get-health-check-status");
    assert_eq!(status.len(), 8, "{status:?}");
    assert!(
        status
            .iter()
            .all(|(_, s)| s == "Failure: HTTP Status Code 503, Service Unavailable"),
        "{status:?}"
    );
    let failures = status_texts(&cli, &ep, id, "get-health-check-last-failure-reason");
    assert!(
        failures.iter().any(|(r, _)| r == "ap-northeast-1"),
        "a removed region's failure: {failures:?}"
    );
    advance(&sim, 480.0);
    assert_eq!(
        status_texts(&cli, &ep, id, "get-health-check-status").len(),
        8,
        "still checking 9 minutes on"
    );
    advance(&sim, 120.0);
    let mut regions: Vec<String> = status_texts(&cli, &ep, id, "get-health-check-status")
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    regions.sort();
    assert_eq!(regions, ["eu-west-1", "us-east-1", "us-west-2"]);
    let failures = status_texts(&cli, &ep, id, "get-health-check-last-failure-reason");
    assert_eq!(failures.len(), 3, "{failures:?}");
}

const WEB_CHECK: &str = "5e1c2d3b-4a59-4c7d-8e6f-0a1b2c3d4e01";
const WEB: &str = "i-0e0e0e0e0e0e00001";

/// The distinct statuses of web.example.io's checkers.
fn web_statuses(cli: &str, ep: &str) -> Vec<String> {
    let mut v: Vec<String> = status_texts(cli, ep, WEB_CHECK, "get-health-check-status")
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    v.dedup();
    v
}

fn web_answer(cli: &str, ep: &str) -> Vec<String> {
    crate::fidelity::answer(cli, ep, "Z0EXAMPLE0000IO", "web.example.io")
}

/// Added behaviour: a Route 53 HTTP(S) checker waits 4 s for the connection and 2 s more for
/// the status code (Route 53 developer guide, "How Amazon Route 53 determines whether a health
/// check is healthy"): a slower endpoint fails the check, and the site fails over.
#[tokio::test(flavor = "multi_thread")]
async fn awscli_sees_https_checks_fail_on_slow_answers() {
    let Some(cli) = awscli() else { return };
    let sim = sim("endpoint-checks").await;
    let ep = sim.endpoint();
    let primary = web_answer(&cli, &ep);
    assert_eq!(primary, ["198.51.100.31"]);
    let statuses = || web_statuses(&cli, &ep);
    assert_eq!(statuses(), ["Success: HTTP Status Code 200, OK"]);
    let behave = |b: &str| {
        sim.control(Control::SetBehaviour {
            target: WEB.into(),
            behaviour: Behaviour::parse(b).unwrap(),
        })
        .unwrap();
        advance(&sim, 40.0);
    };

    behave("slow:2500");
    let s = statuses();
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(s[0].starts_with("Failure: Response timed out."), "{s:?}");
    assert_ne!(web_answer(&cli, &ep), primary, "failed over");
    behave("slow:1500");
    assert_eq!(statuses(), ["Success: HTTP Status Code 200, OK"]);
    behave("slow_connect:5000");
    let s = statuses();
    assert!(s[0].starts_with("Failure: Connection timed out."), "{s:?}");
    behave("slow_connect:3000");
    assert_eq!(statuses(), ["Success: HTTP Status Code 200, OK"]);
    assert_eq!(web_answer(&cli, &ep), primary);
}

/// Added behaviour: an HTTPS check of an endpoint that requires SNI fails with "SSL alert
/// handshake_failure" without it, also when the certificate lacks the checked name (the checker
/// then retries without SNI), as the Route 53 API reference (HealthCheckConfig, EnableSNI)
/// documents. The certificate is not validated otherwise.
#[tokio::test(flavor = "multi_thread")]
async fn awscli_sees_https_checks_fail_without_sni() {
    let Some(cli) = awscli() else { return };
    let sim = sim("endpoint-checks").await;
    let ep = sim.endpoint();
    let id = WEB_CHECK;
    let primary = web_answer(&cli, &ep);
    let statuses = || web_statuses(&cli, &ep);
    assert_eq!(statuses(), ["Success: HTTP Status Code 200, OK"]);
    // Without SNI, an endpoint that requires it refuses the handshake.
    let sni = |flag: &str| {
        aws(
            &cli,
            &ep,
            "us-east-1",
            &[
                "route53",
                "update-health-check",
                "--health-check-id",
                id,
                flag,
            ],
        );
        advance(&sim, 40.0);
    };
    sni("--no-enable-sni");
    assert_eq!(statuses(), ["Failure: SSL alert handshake_failure"]);
    assert_ne!(web_answer(&cli, &ep), primary);
    sni("--enable-sni");
    assert_eq!(statuses(), ["Success: HTTP Status Code 200, OK"]);
    // A certificate without the checked name: the retry without SNI fails the same way...
    let tls = |names: &[&str], sni_required: bool| {
        sim.control(Control::SetTls {
            target: WEB.into(),
            names: names.iter().map(|n| n.to_string()).collect(),
            sni_required,
        })
        .unwrap();
        advance(&sim, 40.0);
    };
    tls(&["www.example.org"], true);
    assert_eq!(statuses(), ["Failure: SSL alert handshake_failure"]);
    // ...and passes where the endpoint answers without SNI: the certificate is not validated.
    tls(&["www.example.org"], false);
    assert_eq!(statuses(), ["Success: HTTP Status Code 200, OK"]);
}

/// The datapoints of one of db-1's status check metrics (GetMetricData, 1-minute Maximum),
/// oldest first, as (minute, value), the minute counted from T0 (02:00).
fn datapoints(cli: &str, ep: &str, metric: &str) -> Vec<(i64, f64)> {
    let query = serde_json::json!([{
        "Id": "m",
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/EC2",
                "MetricName": metric,
                "Dimensions": [{"Name": "InstanceId", "Value": "i-0e0e0e0e0e0e00002"}],
            },
            "Period": 60,
            "Stat": "Maximum",
        },
    }])
    .to_string();
    let out = aws(
        cli,
        ep,
        "eu-west-1",
        &[
            "cloudwatch",
            "get-metric-data",
            "--metric-data-queries",
            &query,
            "--start-time",
            "2026-11-22T01:55:00Z",
            "--end-time",
            "2026-11-22T02:10:00Z",
        ],
    );
    let r = &out["MetricDataResults"][0];
    let mut v: Vec<(i64, f64)> = r["Timestamps"]
        .as_array()
        .unwrap()
        .iter()
        .zip(r["Values"].as_array().unwrap())
        .map(|(t, v)| {
            // awscli prints CloudWatch's timestamps as it gets them: seconds since the epoch.
            let minute = (t.as_f64().unwrap() as i64 * 1000 - T0_MS) / 60_000;
            (minute, v.as_f64().unwrap())
        })
        .collect();
    v.sort_by_key(|d| d.0);
    v
}

fn alarm_state(cli: &str, ep: &str, alarm: &str) -> String {
    let out = aws(
        cli,
        ep,
        "eu-west-1",
        &["cloudwatch", "describe-alarms", "--alarm-names", alarm],
    );
    out["MetricAlarms"][0]["StateValue"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Added behaviour: a host failure reports StatusCheckFailed_System = 1 and StatusCheckFailed =
/// 1 while StatusCheckFailed_Instance stays 0 (EC2 user guide, "Status check metrics"); and the
/// datapoint of a minute reaches CloudWatch the scenario's delay (2 minutes) after the minute,
/// so the alarms, which evaluate what has arrived, go ALARM that much later.
#[tokio::test(flavor = "multi_thread")]
async fn awscli_sees_a_host_failure_in_the_system_status_check_late() {
    let Some(cli) = awscli() else { return };
    let sim = sim("endpoint-checks").await;
    let ep = sim.endpoint();
    let db = "i-0e0e0e0e0e0e00002";
    // 02:00:00: the host fails.
    sim.control(Control::HostFailure {
        instance: db.into(),
        failed: true,
    })
    .unwrap();
    // 02:02:30: the minutes 02:00 and 02:01 have ended, and not reached CloudWatch yet.
    advance(&sim, 150.0);
    let newest = |metric: &str| datapoints(&cli, &ep, metric).last().cloned().unwrap();
    assert_eq!(
        newest("StatusCheckFailed_System"),
        (-1, 0.0),
        "the newest datapoint is from before the failure"
    );
    assert_eq!(alarm_state(&cli, &ep, "db-1-StatusCheckFailed"), "OK");
    // 02:03:30: the minute 02:00 has arrived; 1 of the 2 datapoints breaches.
    advance(&sim, 60.0);
    assert_eq!(newest("StatusCheckFailed_System"), (0, 1.0));
    assert_eq!(newest("StatusCheckFailed"), (0, 1.0));
    assert_eq!(newest("StatusCheckFailed_Instance"), (0, 0.0));
    assert_eq!(alarm_state(&cli, &ep, "db-1-StatusCheckFailed"), "OK");
    // 02:04:30: both: ALARM, two minutes later than the failure alone would take.
    advance(&sim, 60.0);
    for alarm in ["db-1-StatusCheckFailed", "db-1-StatusCheckFailed_System"] {
        assert_eq!(alarm_state(&cli, &ep, alarm), "ALARM", "{alarm}");
    }
    assert_eq!(
        alarm_state(&cli, &ep, "db-1-StatusCheckFailed_Instance"),
        "OK"
    );
    assert_ne!(
        crate::fidelity::answer(&cli, &ep, "Z0EXAMPLE0000IO", "db.example.io"),
        ["198.51.100.32"],
        "the CLOUDWATCH_METRIC check follows its alarm: failed over"
    );
}

/// Scenario files are refused what AWS refuses of the added settings, and the settings read as
/// written: an ALB's cross-zone load balancing cannot be off, a target group's cross-zone value
/// is one of AWS's three, a slow behaviour takes milliseconds; `removed_region_secs = 0` ends a
/// removed region's checker at once.
#[test]
fn the_added_scenario_settings_are_checked_and_read() {
    use switchyard_sim::Scenario;
    let alb = r#"
name = "x"
[[load_balancers]]
name = "web"
cross_zone = false
"#;
    let err = Scenario::parse(alb)
        .unwrap()
        .build(0, 1.0, true)
        .err()
        .unwrap();
    assert!(err.contains("always on"), "{err}");
    let tg = r#"
name = "x"
[[target_groups]]
name = "app"
attributes = { "load_balancing.cross_zone.enabled" = "sometimes" }
"#;
    let err = Scenario::parse(tg)
        .unwrap()
        .build(0, 1.0, true)
        .err()
        .unwrap();
    assert!(err.contains("AWS would refuse it"), "{err}");
    let slow = r#"
name = "x"
[[origins]]
name = "o"
ip = "198.51.100.7"
behaviour = "slow:soon"
"#;
    let err = Scenario::parse(slow).unwrap_err();
    assert!(err.contains("milliseconds"), "{err}");

    // The control API takes the added actions as the README writes them.
    let c: Control =
        serde_json::from_str(r#"{"action":"host_failure","instance":"i-0e0e0e0e0e0e00002"}"#)
            .unwrap();
    assert_eq!(
        c,
        Control::HostFailure {
            instance: "i-0e0e0e0e0e0e00002".into(),
            failed: true
        }
    );
    let c: Control = serde_json::from_str(
        r#"{"action":"set_tls","target":"web-1","names":["web.example.io"],"sni_required":true}"#,
    )
    .unwrap();
    assert!(matches!(
        c,
        Control::SetTls {
            sni_required: true,
            ..
        }
    ));
    let c: Control = serde_json::from_str(
        r#"{"action":"set_behaviour","target":"web-1","behaviour":"slow_connect:5000"}"#,
    )
    .unwrap();
    assert!(matches!(
        c,
        Control::SetBehaviour {
            behaviour: Behaviour::SlowConnect(5000),
            ..
        }
    ));

    let mut s = crate::common::scenario("endpoint-checks");
    s.timing.removed_region_secs = 0;
    let mut w = s.build(crate::common::T0_MS, 1.0, true).unwrap();
    let id = "5e1c2d3b-4a59-4c7d-8e6f-0a1b2c3d4e01";
    let mut cfg = w.r53.health_check(id).unwrap().cfg.clone();
    cfg.regions = vec!["us-east-1".into(), "us-west-2".into(), "eu-west-1".into()];
    w.update_health_check_config(id, cfg);
    w.step_to(crate::common::T0_MS + 60_000);
    let regions: Vec<&str> = w
        .r53
        .health_check(id)
        .unwrap()
        .checkers
        .iter()
        .map(|c| c.region.as_str())
        .collect();
    assert_eq!(regions, ["us-east-1", "us-west-2", "eu-west-1"]);
}

/// The newest 1-minute `HealthyHostCount` and `UnHealthyHostCount` (Maximum) of the shop's
/// target group behind its ALB, read by awscli's GetMetricData with the dimensions AWS
/// documents: the ARNs' final parts, `targetgroup/name/id` and `app/name/id`.
fn host_counts(cli: &str, ep: &str) -> (f64, f64) {
    let tg = aws(
        cli,
        ep,
        "eu-west-1",
        &["elbv2", "describe-target-groups", "--names", "shop-app"],
    );
    let tg_arn = tg["TargetGroups"][0]["TargetGroupArn"].as_str().unwrap();
    let lb_arn = tg["TargetGroups"][0]["LoadBalancerArns"][0]
        .as_str()
        .unwrap();
    let tg_dim = &tg_arn[tg_arn.find("targetgroup/").unwrap()..];
    let lb_dim = &lb_arn[lb_arn.find("loadbalancer/").unwrap() + "loadbalancer/".len()..];
    assert!(lb_dim.starts_with("app/shop-alb/"), "{lb_dim}");
    let query = |id: &str, metric: &str| {
        serde_json::json!({
            "Id": id,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/ApplicationELB",
                    "MetricName": metric,
                    "Dimensions": [
                        {"Name": "TargetGroup", "Value": tg_dim},
                        {"Name": "LoadBalancer", "Value": lb_dim},
                    ],
                },
                "Period": 60,
                "Stat": "Maximum",
            },
        })
    };
    let queries = serde_json::json!([
        query("healthy", "HealthyHostCount"),
        query("unhealthy", "UnHealthyHostCount"),
    ])
    .to_string();
    let out = aws(
        cli,
        ep,
        "eu-west-1",
        &[
            "cloudwatch",
            "get-metric-data",
            "--metric-data-queries",
            &queries,
            "--start-time",
            "2026-11-22T01:50:00Z",
            "--end-time",
            "2026-11-22T02:10:00Z",
        ],
    );
    let newest = |id: &str| -> f64 {
        let r = out["MetricDataResults"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["Id"] == id)
            .unwrap();
        let points: Vec<(f64, f64)> = r["Timestamps"]
            .as_array()
            .unwrap()
            .iter()
            .zip(r["Values"].as_array().unwrap())
            .map(|(t, v)| (t.as_f64().unwrap(), v.as_f64().unwrap()))
            .collect();
        assert!(!points.is_empty(), "no {id} datapoint: {out}");
        points.iter().max_by(|a, b| a.0.total_cmp(&b.0)).unwrap().1
    };
    (newest("healthy"), newest("unhealthy"))
}

/// Added behaviour: the ALB publishes its target groups' `HealthyHostCount` and
/// `UnHealthyHostCount` every minute (what a poller reads in bulk instead of one
/// DescribeTargetHealth per group): both targets healthy, then one that fails its health checks
/// counts as unhealthy once ELB has marked it so and its minute has ended.
#[tokio::test(flavor = "multi_thread")]
async fn awscli_reads_a_target_groups_host_counts_from_cloudwatch() {
    let Some(cli) = awscli() else { return };
    let sim = sim("alb-cloudfront").await;
    let ep = sim.endpoint();
    advance(&sim, 61.0);
    assert_eq!(host_counts(&cli, &ep), (2.0, 0.0));
    sim.control(Control::SetBehaviour {
        target: "i-0a1b2c3d4e5f60001".into(),
        behaviour: Behaviour::Http(503),
    })
    .unwrap();
    // Two failed checks 30 s apart mark it unhealthy; the minute it is counted in then ends.
    advance(&sim, 150.0);
    assert_eq!(host_counts(&cli, &ep), (1.0, 1.0));
}
