//! Record types and routing policies: AAAA answers of dualstack load balancers and CloudFront,
//! and TestDNSAnswer for weighted, latency, geolocation and multivalue record sets by Route 53's
//! rules (a record without a health check is healthy; weight 0 only when every weighted record
//! is unhealthy; all of them when none is healthy).

use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, GeoLocation, ResourceRecord, ResourceRecordSet,
    ResourceRecordSetRegion, RrType,
};
use switchyard_sim::Control;
use switchyard_sim::world::ec2::Behaviour;

use crate::common::{advance, route53, sim};

async fn answer(
    r53: &aws_sdk_route53::Client,
    zone: &str,
    name: &str,
    rtype: RrType,
) -> (String, Vec<String>) {
    let out = r53
        .test_dns_answer()
        .hosted_zone_id(zone)
        .record_name(name)
        .record_type(rtype)
        .send()
        .await
        .unwrap();
    let mut values = out.record_data().to_vec();
    values.sort();
    (out.response_code().to_string(), values)
}

fn is_v6(v: &str) -> bool {
    v.parse::<std::net::Ipv6Addr>().is_ok()
}

fn is_v4(v: &str) -> bool {
    v.parse::<std::net::Ipv4Addr>().is_ok()
}

/// The addresses a load balancer or distribution of the world resolves to.
fn addresses(sim: &switchyard_sim::SimHandle, dns: &str, rtype: &str) -> Vec<String> {
    let mut v = sim
        .with_world(|w| switchyard_sim::dns::resolve(w, dns, rtype))
        .unwrap();
    v.sort();
    v
}

fn lb_dns(sim: &switchyard_sim::SimHandle, name: &str) -> String {
    sim.with_world(|w| {
        w.elb
            .lbs
            .iter()
            .find(|l| l.name == name)
            .unwrap()
            .dns_name
            .clone()
    })
}

#[tokio::test]
async fn aaaa_queries_get_the_ipv6_addresses_of_dualstack_targets_only() {
    let sim = sim("dual-stack").await;
    let r53 = route53(&sim).await;
    let zone = "Z0DUALSTACK0ORG";
    let (code, v4) = answer(&r53, zone, "www.example.org", RrType::A).await;
    assert_eq!(code, "NOERROR");
    assert!(!v4.is_empty() && v4.iter().all(|v| is_v4(v)), "{v4:?}");
    let (_, v6) = answer(&r53, zone, "www.example.org", RrType::Aaaa).await;
    assert!(!v6.is_empty() && v6.iter().all(|v| is_v6(v)), "{v6:?}");
    assert_eq!(v6, addresses(&sim, &lb_dns(&sim, "www-alb"), "AAAA"));
    // The plain records answer their own values per type.
    let (_, db) = answer(&r53, zone, "db.example.org", RrType::Aaaa).await;
    assert_eq!(db, ["2001:db8:10::10"]);
    // CloudFront answers AAAA queries (IPv6 is on by default).
    let cf = addresses(&sim, "d2dualstacksry.cloudfront.net", "AAAA");
    assert!(!cf.is_empty() && cf.iter().all(|v| is_v6(v)), "{cf:?}");

    // An AAAA alias to a load balancer that is not dualstack answers no address.
    let sim = sim_weighted().await;
    let r53 = route53(&sim).await;
    let blue = lb_dns(&sim, "blue-alb");
    let zone_id = sim.with_world(|w| w.elb.lbs[0].zone_id.clone());
    let record = ResourceRecordSet::builder()
        .name("v6.example.net")
        .r#type(RrType::Aaaa)
        .alias_target(
            AliasTarget::builder()
                .hosted_zone_id(zone_id)
                .dns_name(format!("dualstack.{blue}"))
                .evaluate_target_health(false)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    change(&r53, "Z0WEIGHTED0NET", vec![record]).await;
    advance(&sim, 70.0);
    let (code, v) = answer(&r53, "Z0WEIGHTED0NET", "v6.example.net", RrType::Aaaa).await;
    assert_eq!((code.as_str(), v.len()), ("NOERROR", 0), "{v:?}");
}

async fn sim_weighted() -> switchyard_sim::SimHandle {
    sim("weighted").await
}

async fn change(r53: &aws_sdk_route53::Client, zone: &str, records: Vec<ResourceRecordSet>) {
    let mut batch = ChangeBatch::builder();
    for r in records {
        batch = batch.changes(
            Change::builder()
                .action(ChangeAction::Create)
                .resource_record_set(r)
                .build()
                .unwrap(),
        );
    }
    r53.change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(batch.build().unwrap())
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn weighted_answers_skip_unhealthy_members_and_fall_to_weight_zero_last() {
    let sim = sim_weighted().await;
    let r53 = route53(&sim).await;
    let zone = "Z0WEIGHTED0NET";
    let www = |sim: &switchyard_sim::SimHandle, lb: &str| addresses(sim, &lb_dns(sim, lb), "A");
    let cf = addresses(&sim, "d3weightedsry0.cloudfront.net", "A");
    // blue (90) and green (10) healthy: the heaviest, never the sorry member of weight 0.
    let (_, v) = answer(&r53, zone, "www.example.net", RrType::A).await;
    assert_eq!(v, www(&sim, "blue-alb"));
    // blue's instance stops: its check fails, green takes the traffic.
    sim.control(Control::StopInstance {
        instance: "i-0b1e0000000000001".into(),
    })
    .unwrap();
    advance(&sim, 400.0);
    let (_, v) = answer(&r53, zone, "www.example.net", RrType::A).await;
    assert_eq!(v, www(&sim, "green-alb"));
    // Both weighted members down: the member of weight 0 (no health check, so healthy).
    sim.control(Control::StopInstance {
        instance: "i-06ee0000000000001".into(),
    })
    .unwrap();
    advance(&sim, 400.0);
    let (_, v) = answer(&r53, zone, "www.example.net", RrType::A).await;
    assert_eq!(v, cf);

    // api: 50/50 over two addresses; both down: Route 53 answers them regardless.
    let (_, v) = answer(&r53, zone, "api.example.net", RrType::A).await;
    assert_eq!(v, ["198.51.100.31"]);
    for origin in ["api-a", "api-b"] {
        sim.control(Control::SetBehaviour {
            target: origin.into(),
            behaviour: Behaviour::Timeout,
        })
        .unwrap();
    }
    advance(&sim, 120.0);
    let (_, v) = answer(&r53, zone, "api.example.net", RrType::A).await;
    assert_eq!(v.len(), 1, "{v:?}");
    sim.control(Control::SetBehaviour {
        target: "api-a".into(),
        behaviour: Behaviour::Healthy,
    })
    .unwrap();
    advance(&sim, 120.0);
    let (_, v) = answer(&r53, zone, "api.example.net", RrType::A).await;
    assert_eq!(v, ["198.51.100.31"]);
}

#[tokio::test]
async fn latency_geolocation_and_multivalue_answer_their_healthy_members() {
    let sim = sim("routing-policies").await;
    let r53 = route53(&sim).await;
    let zone = "Z0ROUTING0IO";
    // Latency: the member of the world's region (eu-west-1).
    let (_, v) = answer(&r53, zone, "app.example.io", RrType::A).await;
    assert_eq!(v, addresses(&sim, &lb_dns(&sim, "app-eu-alb"), "A"));
    // Geolocation: the default location; multivalue: every healthy address.
    let (_, v) = answer(&r53, zone, "geo.example.io", RrType::A).await;
    assert_eq!(v, ["198.51.100.42"]);
    let (_, v) = answer(&r53, zone, "mv.example.io", RrType::A).await;
    assert_eq!(v, ["198.51.100.51", "198.51.100.52", "198.51.100.53"]);
    for (origin, behaviour) in [
        ("mv-2", Behaviour::Timeout),
        ("geo-default", Behaviour::Http(503)),
    ] {
        sim.control(Control::SetBehaviour {
            target: origin.into(),
            behaviour,
        })
        .unwrap();
    }
    sim.control(Control::StopInstance {
        instance: "i-0e0e000000000e001".into(),
    })
    .unwrap();
    advance(&sim, 400.0);
    let (_, v) = answer(&r53, zone, "mv.example.io", RrType::A).await;
    assert_eq!(v, ["198.51.100.51", "198.51.100.53"]);
    let (_, v) = answer(&r53, zone, "geo.example.io", RrType::A).await;
    assert_eq!(v, ["198.51.100.41"]);
    // The eu member's targets are down (Evaluate Target Health): the us member answers.
    let (_, v) = answer(&r53, zone, "app.example.io", RrType::A).await;
    assert_eq!(v, addresses(&sim, &lb_dns(&sim, "app-us-alb"), "A"));
}

#[tokio::test]
async fn latency_geolocation_and_multivalue_keys_are_kept_and_listed() {
    let sim = sim("routing-policies").await;
    let r53 = route53(&sim).await;
    let zone = "Z0ROUTING0IO";
    let value = |v: &str| ResourceRecord::builder().value(v).build().unwrap();
    let base = |id: &str, v: &str| {
        ResourceRecordSet::builder()
            .name("new.example.io")
            .r#type(RrType::Aaaa)
            .set_identifier(id)
            .ttl(60)
            .resource_records(value(v))
    };
    change(
        &r53,
        zone,
        vec![
            base("fr", "2001:db8::1")
                .geo_location(GeoLocation::builder().country_code("FR").build())
                .build()
                .unwrap(),
            base("eu", "2001:db8::2")
                .geo_location(GeoLocation::builder().continent_code("EU").build())
                .build()
                .unwrap(),
        ],
    )
    .await;
    let listed = r53
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .start_record_name("new.example.io")
        .start_record_type(RrType::Aaaa)
        .send()
        .await
        .unwrap();
    let new: Vec<&ResourceRecordSet> = listed
        .resource_record_sets()
        .iter()
        .filter(|r| r.name() == "new.example.io.")
        .collect();
    assert_eq!(new.len(), 2);
    let eu = new
        .iter()
        .find(|r| r.set_identifier() == Some("eu"))
        .unwrap();
    assert_eq!(eu.geo_location().unwrap().continent_code(), Some("EU"));
    let listed = r53
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .start_record_name("app.example.io")
        .send()
        .await
        .unwrap();
    let us = listed
        .resource_record_sets()
        .iter()
        .find(|r| r.set_identifier() == Some("us"))
        .unwrap();
    assert_eq!(us.region(), Some(&ResourceRecordSetRegion::UsEast1));
    // A DELETE must name the geolocation exactly.
    let wrong = base("fr", "2001:db8::1")
        .geo_location(GeoLocation::builder().country_code("DE").build())
        .build()
        .unwrap();
    let err = r53
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(
            ChangeBatch::builder()
                .changes(
                    Change::builder()
                        .action(ChangeAction::Delete)
                        .resource_record_set(wrong)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        crate::common::code(&err.into_service_error()),
        "InvalidChangeBatch"
    );
    // A multivalue record keeps its flag.
    let listed = r53
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .start_record_name("mv.example.io")
        .send()
        .await
        .unwrap();
    assert!(
        listed
            .resource_record_sets()
            .iter()
            .filter(|r| r.name() == "mv.example.io.")
            .all(|r| r.multi_value_answer() == Some(true))
    );
}
