//! The AWS behaviours that surprise operators, as the emulator reproduces them.

use aws_sdk_route53::types::RrType;
use switchyard_sim::world::ec2::Behaviour;
use switchyard_sim::{Control, Scenario, SimOptions, start};

use crate::common::{T0_MS, advance, route53};

const SCENARIO: &str = r#"
name = "gotchas"
[[origins]]
name = "primary-origin"
ip = "192.0.2.10"
[[origins]]
name = "secondary-origin"
ip = "192.0.2.20"
[[origins]]
name = "child-a"
ip = "192.0.2.31"
[[origins]]
name = "child-b"
ip = "192.0.2.32"
[[health_checks]]
name = "primary"
id = "11111111-1111-4111-8111-111111111111"
type = "HTTP"
ip = "192.0.2.10"
[[health_checks]]
name = "secondary"
id = "22222222-2222-4222-8222-222222222222"
type = "HTTP"
ip = "192.0.2.20"
[[health_checks]]
name = "child-a"
type = "TCP"
ip = "192.0.2.31"
[[health_checks]]
name = "child-b"
type = "TCP"
ip = "192.0.2.32"
[[health_checks]]
name = "both-children"
id = "33333333-3333-4333-8333-333333333333"
type = "CALCULATED"
children = ["child-a", "child-b"]
health_threshold = 2
[[hosted_zones]]
id = "Z0GOTCHAS"
name = "example.com"
[[hosted_zones.records]]
name = "www.example.com"
set_identifier = "p"
failover = "PRIMARY"
ttl = 60
values = ["192.0.2.10"]
health_check = "primary"
[[hosted_zones.records]]
name = "www.example.com"
set_identifier = "s"
failover = "SECONDARY"
ttl = 60
values = ["192.0.2.20"]
health_check = "secondary"
[[hosted_zones.records]]
name = "calc.example.com"
set_identifier = "p"
failover = "PRIMARY"
ttl = 60
values = ["192.0.2.31"]
health_check = "both-children"
[[hosted_zones.records]]
name = "calc.example.com"
set_identifier = "s"
failover = "SECONDARY"
ttl = 60
values = ["192.0.2.20"]
"#;

async fn sim() -> switchyard_sim::SimHandle {
    let mut opts = SimOptions::new(Scenario::parse(SCENARIO).unwrap());
    opts.paused = true;
    opts.start = Some(T0_MS);
    start(opts).await.unwrap()
}

async fn answer(r53: &aws_sdk_route53::Client, name: &str) -> Vec<String> {
    r53.test_dns_answer()
        .hosted_zone_id("Z0GOTCHAS")
        .record_name(name)
        .record_type(RrType::A)
        .send()
        .await
        .unwrap()
        .record_data()
        .to_vec()
}

fn fail(sim: &switchyard_sim::SimHandle, origin: &str) {
    sim.control(Control::SetBehaviour {
        target: origin.into(),
        behaviour: Behaviour::Http(503),
    })
    .unwrap();
}

#[tokio::test]
async fn an_unhealthy_secondary_with_a_check_drags_dns_back_to_the_primary() {
    let sim = sim().await;
    let r53 = route53(&sim).await;
    fail(&sim, "primary-origin");
    advance(&sim, 120.0);
    assert_eq!(
        answer(&r53, "www.example.com").await,
        ["192.0.2.20"],
        "the healthy secondary is served"
    );
    fail(&sim, "secondary-origin");
    advance(&sim, 120.0);
    assert_eq!(
        answer(&r53, "www.example.com").await,
        ["192.0.2.10"],
        "both unhealthy: Route 53 answers the primary"
    );
}

#[tokio::test]
async fn a_disabled_check_counts_as_healthy_so_nothing_fails_over() {
    let sim = sim().await;
    let r53 = route53(&sim).await;
    r53.update_health_check()
        .health_check_id("11111111-1111-4111-8111-111111111111")
        .disabled(true)
        .send()
        .await
        .unwrap();
    fail(&sim, "primary-origin");
    advance(&sim, 300.0);
    assert_eq!(answer(&r53, "www.example.com").await, ["192.0.2.10"]);
    // Inverting instead does fail over.
    r53.update_health_check()
        .health_check_id("11111111-1111-4111-8111-111111111111")
        .disabled(false)
        .send()
        .await
        .unwrap();
    sim.control(Control::SetBehaviour {
        target: "primary-origin".into(),
        behaviour: Behaviour::Healthy,
    })
    .unwrap();
    advance(&sim, 120.0);
    r53.update_health_check()
        .health_check_id("11111111-1111-4111-8111-111111111111")
        .inverted(true)
        .send()
        .await
        .unwrap();
    assert_eq!(answer(&r53, "www.example.com").await, ["192.0.2.20"]);
}

#[tokio::test]
async fn a_calculated_check_needs_its_threshold_of_children() {
    let sim = sim().await;
    let r53 = route53(&sim).await;
    assert_eq!(answer(&r53, "calc.example.com").await, ["192.0.2.31"]);
    sim.control(Control::SetBehaviour {
        target: "child-b".into(),
        behaviour: Behaviour::Refused,
    })
    .unwrap();
    advance(&sim, 120.0);
    assert_eq!(
        answer(&r53, "calc.example.com").await,
        ["192.0.2.20"],
        "1 of 2 children is below a threshold of 2"
    );
    // As AWS: GetHealthCheckStatus (and the last failure reason) refuse a calculated check;
    // its status is only in the console and the CloudWatch metric.
    let err = r53
        .get_health_check_status()
        .health_check_id("33333333-3333-4333-8333-333333333333")
        .send()
        .await
        .unwrap_err();
    assert_eq!(crate::common::code(&err), "InvalidInput");
    let err = r53
        .get_health_check_last_failure_reason()
        .health_check_id("33333333-3333-4333-8333-333333333333")
        .send()
        .await
        .unwrap_err();
    assert_eq!(crate::common::code(&err), "InvalidInput");
    // Its children answer as usual.
    let child = sim.with_world(|w| {
        w.r53
            .health_checks
            .iter()
            .find(|h| h.tags.iter().any(|(k, v)| k == "Name" && v == "child-b"))
            .map(|h| h.id.clone())
            .unwrap()
    });
    let status = r53
        .get_health_check_status()
        .health_check_id(child)
        .send()
        .await
        .unwrap();
    assert!(!status.health_check_observations().is_empty());
}

#[tokio::test]
async fn the_18_percent_rule() {
    let sim = sim().await;
    // Two of eight checkers healthy (25%) is healthy; one (12.5%) is not.
    let healthy_with = |sim: &switchyard_sim::SimHandle, n: usize| {
        sim.with_world(|w| {
            let hc = w
                .r53
                .health_check_mut("11111111-1111-4111-8111-111111111111")
                .unwrap();
            for (i, c) in hc.checkers.iter_mut().enumerate() {
                c.healthy = i < n;
            }
        });
        sim.with_world(|w| {
            w.hc_healthy("11111111-1111-4111-8111-111111111111")
                .unwrap()
        })
    };
    assert!(healthy_with(&sim, 2));
    assert!(!healthy_with(&sim, 1));
}

#[tokio::test]
async fn a_target_can_be_made_unhealthy_through_its_group() {
    let sim = crate::common::sim("alb-cloudfront").await;
    let err = sim.control(Control::SetTarget {
        target_group: "shop-app".into(),
        target: "i-nope".into(),
        behaviour: Behaviour::Timeout,
    });
    assert!(err.unwrap_err().contains("not a target of shop-app"));
    sim.control(Control::SetTarget {
        target_group: "shop-app".into(),
        target: "i-0a1b2c3d4e5f60001".into(),
        behaviour: Behaviour::Timeout,
    })
    .unwrap();
    advance(&sim, 70.0);
    let state = sim.with_world(|w| {
        let tg = &w.elb.tgs[0];
        w.target_health(tg, &tg.targets[0])
    });
    assert_eq!(
        (state.state, state.reason.as_deref()),
        ("unhealthy", Some("Target.Timeout"))
    );
}
