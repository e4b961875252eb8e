//! Route 53 through aws-sdk-route53.

use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, ChangeStatus, ResourceRecord, ResourceRecordSet, RrType,
    Tag, TagResourceType,
};

use crate::common::{T0_MS, advance, code, route53, sim};

const ZONE: &str = "Z0EXAMPLE00SHOP";
const PRIMARY_CHECK: &str = "0b6f2e4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b";

fn txt(name: &str, value: &str) -> ResourceRecordSet {
    ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::Txt)
        .ttl(60)
        .resource_records(ResourceRecord::builder().value(value).build().unwrap())
        .build()
        .unwrap()
}

fn batch(changes: Vec<(ChangeAction, ResourceRecordSet)>) -> ChangeBatch {
    let mut b = ChangeBatch::builder();
    for (action, rrs) in changes {
        b = b.changes(
            Change::builder()
                .action(action)
                .resource_record_set(rrs)
                .build()
                .unwrap(),
        );
    }
    b.build().unwrap()
}

#[tokio::test]
async fn zones_list_get_and_by_name() {
    let sim = sim("alb-cloudfront").await;
    let r53 = route53(&sim).await;
    let zones = r53.list_hosted_zones().send().await.unwrap();
    assert_eq!(zones.hosted_zones().len(), 1);
    assert_eq!(zones.hosted_zones()[0].id(), "/hostedzone/Z0EXAMPLE00SHOP");
    assert_eq!(zones.hosted_zones()[0].name(), "example.com.");
    let by_name = r53
        .list_hosted_zones_by_name()
        .dns_name("example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(by_name.hosted_zones()[0].name(), "example.com.");
    let zone = r53.get_hosted_zone().id(ZONE).send().await.unwrap();
    assert_eq!(zone.delegation_set().unwrap().name_servers().len(), 4);
    let err = r53
        .get_hosted_zone()
        .id("ZNOSUCHZONE")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err.into_service_error()), "NoSuchHostedZone");
}

#[tokio::test]
async fn record_sets_page_in_route53_order() {
    let sim = sim("alb-cloudfront").await;
    let r53 = route53(&sim).await;
    let mut names = Vec::new();
    let mut next: Option<(String, RrType, Option<String>)> = None;
    loop {
        let mut req = r53
            .list_resource_record_sets()
            .hosted_zone_id(ZONE)
            .max_items(2);
        if let Some((name, rtype, id)) = next.take() {
            req = req
                .start_record_name(name)
                .start_record_type(rtype)
                .set_start_record_identifier(id);
        }
        let page = req.send().await.unwrap();
        for r in page.resource_record_sets() {
            names.push(format!(
                "{} {} {}",
                r.name(),
                r.r#type().as_str(),
                r.set_identifier().unwrap_or("-")
            ));
        }
        if !page.is_truncated() {
            break;
        }
        next = Some((
            page.next_record_name().unwrap().to_string(),
            page.next_record_type().unwrap().clone(),
            page.next_record_identifier().map(str::to_string),
        ));
    }
    assert_eq!(
        names,
        vec![
            "example.com. NS -",
            "example.com. SOA -",
            "example.com. TXT -",
            "www.example.com. A www-primary",
            "www.example.com. A www-secondary",
        ]
    );
}

#[tokio::test]
async fn a_second_create_of_a_txt_record_fails_atomically() {
    let sim = sim("alb-cloudfront").await;
    let r53 = route53(&sim).await;
    let lock = txt("_switchyard.www.example.com", "\"entered by A\"");
    let ok = r53
        .change_resource_record_sets()
        .hosted_zone_id(ZONE)
        .change_batch(batch(vec![(ChangeAction::Create, lock.clone())]))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.change_info().unwrap().status(), &ChangeStatus::Pending);
    let second = txt("_switchyard.www.example.com", "\"entered by B\"");
    let err = r53
        .change_resource_record_sets()
        .hosted_zone_id(ZONE)
        .change_batch(batch(vec![(ChangeAction::Create, second)]))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_change_batch(), "{err:?}");
    assert!(
        err.to_string().contains("Tried to create resource record set [name='_switchyard.www.example.com.', type='TXT'] but it already exists"),
        "{err}"
    );
    // A batch with one bad change applies nothing.
    let fresh = txt("fresh.example.com", "\"x\"");
    let err = r53
        .change_resource_record_sets()
        .hosted_zone_id(ZONE)
        .change_batch(batch(vec![
            (ChangeAction::Create, fresh),
            (
                ChangeAction::Delete,
                txt("_switchyard.www.example.com", "\"entered by B\""),
            ),
        ]))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        err.to_string().contains("do not match the current values"),
        "{err}"
    );
    let listed = r53
        .list_resource_record_sets()
        .hosted_zone_id(ZONE)
        .start_record_name("fresh.example.com")
        .send()
        .await
        .unwrap();
    assert!(
        listed
            .resource_record_sets()
            .iter()
            .all(|r| r.name() != "fresh.example.com.")
    );
    // DELETE with the exact values succeeds.
    r53.change_resource_record_sets()
        .hosted_zone_id(ZONE)
        .change_batch(batch(vec![(ChangeAction::Delete, lock)]))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_change_is_pending_until_it_is_insync() {
    let sim = sim("alb-cloudfront").await;
    let r53 = route53(&sim).await;
    let out = r53
        .change_resource_record_sets()
        .hosted_zone_id(ZONE)
        .change_batch(batch(vec![(
            ChangeAction::Upsert,
            txt("note.example.com", "\"hello\""),
        )]))
        .send()
        .await
        .unwrap();
    let info = out.change_info().unwrap();
    assert!(info.id().starts_with("/change/C"));
    let id = info.id().to_string();
    assert_eq!(
        r53.get_change()
            .id(&id)
            .send()
            .await
            .unwrap()
            .change_info()
            .unwrap()
            .status(),
        &ChangeStatus::Pending
    );
    // The API shows the record at once; the name servers answer with it once INSYNC.
    let dns = r53
        .test_dns_answer()
        .hosted_zone_id(ZONE)
        .record_name("note.example.com")
        .record_type(RrType::Txt)
        .send()
        .await
        .unwrap();
    assert_eq!(dns.response_code(), "NXDOMAIN");
    // 0.75 to 1.5 times the scenario's 40 s.
    advance(&sim, 61.0);
    assert_eq!(
        r53.get_change()
            .id(&id)
            .send()
            .await
            .unwrap()
            .change_info()
            .unwrap()
            .status(),
        &ChangeStatus::Insync
    );
    let dns = r53
        .test_dns_answer()
        .hosted_zone_id(ZONE)
        .record_name("note.example.com")
        .record_type(RrType::Txt)
        .send()
        .await
        .unwrap();
    assert_eq!(dns.record_data(), ["\"hello\""]);
    let err = r53
        .get_change()
        .id("CNOSUCHCHANGE")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(code(&err), "NoSuchChange");
}

#[tokio::test]
async fn health_checks_list_get_status_and_failure_reasons() {
    let sim = sim("alb-cloudfront").await;
    let r53 = route53(&sim).await;
    let list = r53.list_health_checks().send().await.unwrap();
    assert_eq!(list.health_checks().len(), 1);
    let hc = r53
        .get_health_check()
        .health_check_id(PRIMARY_CHECK)
        .send()
        .await
        .unwrap();
    let hc = hc.health_check().unwrap();
    let cfg = hc.health_check_config().unwrap();
    assert_eq!(cfg.request_interval(), Some(30));
    assert_eq!(cfg.failure_threshold(), Some(3));
    assert_eq!(cfg.regions().len(), 8);
    let status = r53
        .get_health_check_status()
        .health_check_id(PRIMARY_CHECK)
        .send()
        .await
        .unwrap();
    let obs = status.health_check_observations();
    assert_eq!(obs.len(), 8, "one observation per checker region");
    for o in obs {
        assert_eq!(
            o.status_report().unwrap().status(),
            Some("Success: HTTP Status Code 200, OK")
        );
    }
    // Both instances stop: the ALB has no target left and answers 503.
    for id in ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"] {
        sim.control(switchyard_sim::Control::StopInstance {
            instance: id.into(),
        })
        .unwrap();
    }
    advance(&sim, 120.0);
    let status = r53
        .get_health_check_status()
        .health_check_id(PRIMARY_CHECK)
        .send()
        .await
        .unwrap();
    assert!(
        status
            .health_check_observations()
            .iter()
            .all(|o| o.status_report().unwrap().status()
                == Some("Failure: HTTP Status Code 503, Service Unavailable"))
    );
    let reasons = r53
        .get_health_check_last_failure_reason()
        .health_check_id(PRIMARY_CHECK)
        .send()
        .await
        .unwrap();
    assert_eq!(reasons.health_check_observations().len(), 8);
    let checked = reasons.health_check_observations()[0]
        .status_report()
        .unwrap()
        .checked_time()
        .unwrap();
    assert!(checked.secs() * 1000 > T0_MS);
    let err = r53
        .get_health_check()
        .health_check_id("00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err.into_service_error()), "NoSuchHealthCheck");
}

#[tokio::test]
async fn update_health_check_needs_the_current_version() {
    let sim = sim("alb-cloudfront").await;
    let r53 = route53(&sim).await;
    let out = r53
        .update_health_check()
        .health_check_id(PRIMARY_CHECK)
        .health_check_version(1)
        .inverted(true)
        .send()
        .await
        .unwrap();
    let hc = out.health_check().unwrap();
    assert_eq!(hc.health_check_version(), 2);
    assert_eq!(hc.health_check_config().unwrap().inverted(), Some(true));
    let stale = r53
        .update_health_check()
        .health_check_id(PRIMARY_CHECK)
        .health_check_version(1)
        .inverted(false)
        .send()
        .await
        .unwrap_err();
    let stale = stale.into_service_error();
    assert!(stale.is_health_check_version_mismatch(), "{stale:?}");
    // Other fields, and the reset of one.
    let out = r53
        .update_health_check()
        .health_check_id(PRIMARY_CHECK)
        .failure_threshold(5)
        .disabled(true)
        .resource_path("/ready")
        .send()
        .await
        .unwrap();
    let cfg = out
        .health_check()
        .unwrap()
        .health_check_config()
        .unwrap()
        .clone();
    assert_eq!(
        (cfg.failure_threshold(), cfg.disabled(), cfg.resource_path()),
        (Some(5), Some(true), Some("/ready"))
    );
    let bad = r53
        .update_health_check()
        .health_check_id(PRIMARY_CHECK)
        .failure_threshold(11)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&bad.into_service_error()), "InvalidInput");
}

#[tokio::test]
async fn inverting_the_primary_check_fails_over_at_once() {
    let sim = sim("alb-cloudfront").await;
    let r53 = route53(&sim).await;
    let cf_ips = sim.with_world(|w| w.cf.distributions[0].ips.clone());
    let answer = |r53: aws_sdk_route53::Client| async move {
        r53.test_dns_answer()
            .hosted_zone_id(ZONE)
            .record_name("www.example.com")
            .record_type(RrType::A)
            .send()
            .await
            .unwrap()
            .record_data()
            .to_vec()
    };
    assert_ne!(answer(r53.clone()).await, cf_ips);
    r53.update_health_check()
        .health_check_id(PRIMARY_CHECK)
        .inverted(true)
        .send()
        .await
        .unwrap();
    // Inversion applies to the status at once; raw observations stay "Success".
    assert_eq!(answer(r53.clone()).await, cf_ips);
    let status = r53
        .get_health_check_status()
        .health_check_id(PRIMARY_CHECK)
        .send()
        .await
        .unwrap();
    assert!(
        status.health_check_observations()[0]
            .status_report()
            .unwrap()
            .status()
            .unwrap()
            .starts_with("Success")
    );
}

#[tokio::test]
async fn tags_on_health_checks_and_zones() {
    let sim = sim("alb-cloudfront").await;
    let r53 = route53(&sim).await;
    r53.change_tags_for_resource()
        .resource_type(TagResourceType::Healthcheck)
        .resource_id(PRIMARY_CHECK)
        .add_tags(
            Tag::builder()
                .key("switchyard:maintenance")
                .value("on")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let tags = r53
        .list_tags_for_resource()
        .resource_type(TagResourceType::Healthcheck)
        .resource_id(PRIMARY_CHECK)
        .send()
        .await
        .unwrap();
    let tags = tags.resource_tag_set().unwrap().tags();
    assert!(
        tags.iter()
            .any(|t| t.key() == Some("Name") && t.value() == Some("shop-primary"))
    );
    assert!(
        tags.iter()
            .any(|t| t.key() == Some("switchyard:maintenance"))
    );
    r53.change_tags_for_resource()
        .resource_type(TagResourceType::Healthcheck)
        .resource_id(PRIMARY_CHECK)
        .remove_tag_keys("switchyard:maintenance")
        .send()
        .await
        .unwrap();
    let tags = r53
        .list_tags_for_resource()
        .resource_type(TagResourceType::Healthcheck)
        .resource_id(PRIMARY_CHECK)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.resource_tag_set().unwrap().tags().len(), 1);
    r53.change_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(ZONE)
        .add_tags(Tag::builder().key("team").value("ops").build())
        .send()
        .await
        .unwrap();
    let zone_tags = r53
        .list_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(ZONE)
        .send()
        .await
        .unwrap();
    assert_eq!(zone_tags.resource_tag_set().unwrap().tags().len(), 1);
}
