//! Every scenario loads, starts settled, and behaves like the setup it describes.

use aws_sdk_cloudwatch::types::StateValue;
use aws_sdk_route53::types::RrType;
use switchyard_sim::Control;
use switchyard_sim::world::ec2::Behaviour;

use crate::common::{advance, cloudwatch, elbv2, route53, sim};

async fn answer(r53: &aws_sdk_route53::Client, zone: &str, name: &str) -> Vec<String> {
    r53.test_dns_answer()
        .hosted_zone_id(zone)
        .record_name(name)
        .record_type(RrType::A)
        .send()
        .await
        .unwrap()
        .record_data()
        .to_vec()
}

#[tokio::test]
async fn every_scenario_file_loads_and_starts_settled() {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .join("assets/scenarios");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    for name in names {
        let sim = sim(&name).await;
        let unsettled = sim.with_world(|w| {
            let mut bad = Vec::new();
            for hc in &w.r53.health_checks {
                if w.hc_healthy(&hc.id) != Some(true) {
                    bad.push(format!("health check {} unhealthy", hc.id));
                }
            }
            for a in &w.cw.alarms {
                if a.state != "OK" {
                    bad.push(format!("alarm {} {}", a.name, a.state));
                }
            }
            for tg in &w.elb.tgs {
                for t in &tg.targets {
                    let h = w.target_health(tg, t);
                    let declared_failing = w
                        .instances
                        .iter()
                        .any(|i| i.id == t.id && i.app != Behaviour::Healthy);
                    if declared_failing {
                        // A target whose application the scenario declares failing starts unhealthy.
                        if h.state != "unhealthy"
                            || h.reason.as_deref() != Some("Target.ResponseCodeMismatch")
                        {
                            bad.push(format!(
                                "target {} of {} should be unhealthy, is {h:?}",
                                t.id, tg.name
                            ));
                        }
                    } else if h.state != "healthy" && h.state != "unused" {
                        bad.push(format!("target {} of {} {}", t.id, tg.name, h.state));
                    }
                }
            }
            bad
        });
        assert!(
            unsettled.is_empty(),
            "scenario {name} does not start settled: {unsettled:?}"
        );
    }
}

#[tokio::test]
async fn stopping_both_instances_fails_over_to_cloudfront_and_back() {
    let sim = sim("alb-cloudfront").await;
    let r53 = route53(&sim).await;
    let (cf_ips, alb_ips) =
        sim.with_world(|w| (w.cf.distributions[0].ips.clone(), w.elb.lbs[0].ips.clone()));
    assert_eq!(
        answer(&r53, "Z0EXAMPLE00SHOP", "www.example.com").await,
        alb_ips
    );
    for id in ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"] {
        sim.control(Control::StopInstance {
            instance: id.into(),
        })
        .unwrap();
    }
    // Interval 30 s x threshold 3: not yet after one minute, done within interval x (threshold + 1).
    let mut switched_at = None;
    for second in (5..=150).step_by(5) {
        advance(&sim, 5.0);
        if answer(&r53, "Z0EXAMPLE00SHOP", "www.example.com").await == cf_ips {
            switched_at = Some(second);
            break;
        }
    }
    let switched_at = switched_at.expect("Route 53 never answered with the sorry page");
    assert!(
        (75..=120).contains(&switched_at),
        "failed over after {switched_at} s; expected about 90 s"
    );
    for id in ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"] {
        sim.control(Control::StartInstance {
            instance: id.into(),
        })
        .unwrap();
    }
    let mut back_at = None;
    for second in (5..=300).step_by(5) {
        advance(&sim, 5.0);
        if answer(&r53, "Z0EXAMPLE00SHOP", "www.example.com").await == alb_ips {
            back_at = Some(second);
            break;
        }
    }
    let back_at = back_at.expect("Route 53 never answered with the ALB again");
    // 30 s to boot, then enough checkers must see success three times in a row.
    assert!(
        (60..=160).contains(&back_at),
        "failed back after {back_at} s"
    );
}

#[tokio::test]
async fn a_stopped_instance_drives_its_alarm_to_insufficient_data() {
    let sim = sim("cloudwatch-metric").await;
    let cw = cloudwatch(&sim, "eu-central-1").await;
    let state = |cw: aws_sdk_cloudwatch::Client| async move {
        let out = cw
            .describe_alarms()
            .alarm_names("api-1-StatusCheckFailed")
            .send()
            .await
            .unwrap();
        out.metric_alarms()[0].state_value().unwrap().clone()
    };
    assert_eq!(state(cw.clone()).await, StateValue::Ok);
    sim.control(Control::StopInstance {
        instance: "i-0c0ffee0000000001".into(),
    })
    .unwrap();
    advance(&sim, 240.0);
    assert_eq!(state(cw.clone()).await, StateValue::InsufficientData);
    // LastKnownStatus: the health check stays healthy, so Route 53 keeps answering the primary.
    let r53 = route53(&sim).await;
    assert_eq!(
        answer(&r53, "Z0EXAMPLE000API", "api.example.org").await,
        ["198.51.100.15"]
    );
    // Impaired status checks breach the alarm, and the CLOUDWATCH_METRIC check fails over.
    sim.control(Control::StartInstance {
        instance: "i-0c0ffee0000000001".into(),
    })
    .unwrap();
    sim.control(Control::ImpairInstance {
        instance: "i-0c0ffee0000000001".into(),
        impaired: true,
    })
    .unwrap();
    advance(&sim, 240.0);
    assert_eq!(state(cw.clone()).await, StateValue::Alarm);
    let cf_ips = sim.with_world(|w| w.cf.distributions[0].ips.clone());
    assert_eq!(
        answer(&r53, "Z0EXAMPLE000API", "api.example.org").await,
        cf_ips
    );
}

#[tokio::test]
async fn an_unhealthy_nlb_app_is_kept_behind_evaluate_target_health() {
    let sim = sim("nlb-sorry").await;
    let elb = elbv2(&sim).await;
    let tgs = elb
        .describe_target_groups()
        .names("pay-app")
        .names("pay-sorry")
        .send()
        .await
        .unwrap();
    let app = tgs.target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string();
    let sorry = tgs.target_groups()[1]
        .target_group_arn()
        .unwrap()
        .to_string();
    let health = elb
        .describe_target_health()
        .target_group_arn(&sorry)
        .send()
        .await
        .unwrap();
    // The sorry target group is not attached to a listener yet: its target is unused.
    assert_eq!(
        health.target_health_descriptions()[0]
            .target_health()
            .unwrap()
            .reason()
            .map(|r| r.as_str()),
        Some("Target.NotInUse")
    );
    for i in ["i-0b0b0b0b0b0b00101", "i-0b0b0b0b0b0b00102"] {
        sim.control(Control::SetBehaviour {
            target: i.into(),
            behaviour: switchyard_sim::world::ec2::Behaviour::Refused,
        })
        .unwrap();
    }
    advance(&sim, 40.0);
    let health = elb
        .describe_target_health()
        .target_group_arn(&app)
        .send()
        .await
        .unwrap();
    for d in health.target_health_descriptions() {
        let h = d.target_health().unwrap();
        assert_eq!(h.state().map(|s| s.as_str()), Some("unhealthy"));
        assert_eq!(
            h.reason().map(|r| r.as_str()),
            Some("Target.FailedHealthChecks")
        );
    }
    // Evaluate Target Health: no healthy target, no answer worth giving; Route 53 still answers
    // the only record there is.
    let r53 = route53(&sim).await;
    let nlb_ips = sim.with_world(|w| w.elb.lbs[0].ips.clone());
    assert_eq!(
        answer(&r53, "Z0EXAMPLE000PAY", "pay.example.net").await,
        nlb_ips
    );
}

#[tokio::test]
async fn a_plain_record_answers_its_values() {
    let sim = sim("dns-name-control").await;
    let r53 = route53(&sim).await;
    assert_eq!(
        answer(&r53, "Z0EXAMPLE0000DB", "db.internal.example.com").await,
        ["203.0.113.10"]
    );
    let out = r53
        .test_dns_answer()
        .hosted_zone_id("Z0EXAMPLE0000DB")
        .record_name("nope.internal.example.com")
        .record_type(RrType::A)
        .send()
        .await
        .unwrap();
    assert_eq!(out.response_code(), "NXDOMAIN");
}

#[tokio::test]
async fn a_generated_account_of_many_sites_starts_settled() {
    let mut opts = switchyard_sim::SimOptions::new(switchyard_sim::scenario::generate(20));
    opts.paused = true;
    opts.start = Some(crate::common::T0_MS);
    let sim = switchyard_sim::start(opts).await.unwrap();
    let (checks, tgs, healthy) = sim.with_world(|w| {
        let healthy = w
            .r53
            .health_checks
            .iter()
            .all(|h| w.hc_healthy(&h.id) == Some(true) && h.cfg.fqdn.is_some());
        (w.r53.health_checks.len(), w.elb.tgs.len(), healthy)
    });
    assert_eq!((checks, tgs), (40, 20));
    assert!(healthy, "every check has a target and is healthy");
    let r53 = route53(&sim).await;
    let ips = sim.with_world(|w| w.elb.lbs[7].ips.clone());
    assert_eq!(
        answer(&r53, "Z0GENERATED00", "site007.example.com").await,
        ips
    );
}
