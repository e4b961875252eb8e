//! The AWS adapters (`switchyard::aws`) against the built-in emulator: SDK types in, model types
//! out, and errors classified as the operator needs them.

use aws_config::{BehaviorVersion, Region};
use switchyard::aws::client::{Clients, Target, clients};
use switchyard::aws::proxy::ProxySettings;
use switchyard::aws::{cloudfront, cloudwatch, elbv2, route53, sts};
use switchyard::model::cloudwatch::AlarmState;
use switchyard::model::elb::{ActionKind, ListenerAction, RuleCondition, TargetState};
use switchyard::model::error::ErrorKind;
use switchyard::model::route53::{ChangeStatus, Failover, HealthCheckKind, RecordSet};
use switchyard_sim::{Control, FaultKind, FaultSpec, SimHandle, SimOptions, start};

const T0: i64 = 1_795_312_800_000;
const ZONE: &str = "Z0DEMO0EXAMPLE";
const SHOP_CHECK: &str = "0b6f2e4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b";
const ELB: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012";

async fn sim() -> SimHandle {
    let path = format!("{}/assets/scenarios/demo.toml", env!("CARGO_MANIFEST_DIR"));
    let mut opts =
        SimOptions::new(switchyard_sim::Scenario::load(std::path::Path::new(&path)).unwrap());
    opts.paused = true;
    opts.start = Some(T0);
    start(opts).await.unwrap()
}

/// The clients as production builds them (proxy-aware HTTP client, global services pinned to
/// us-east-1), with static test credentials.
async fn aws(sim: &SimHandle) -> Clients {
    let target = Target {
        region: Some("eu-west-1".into()),
        endpoint_url: Some(sim.endpoint()),
        ..Target::default()
    };
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .http_client(ProxySettings::default().http_client().unwrap())
        .region(Region::new("eu-west-1"))
        .endpoint_url(sim.endpoint())
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            "AKIDSIM", "secret", None, None, "test",
        ))
        .load()
        .await;
    clients(&target, &sdk)
}

fn advance(sim: &SimHandle, seconds: f64) {
    sim.control(Control::AdvanceClock { seconds }).unwrap();
}

fn txt(name: &str, values: &[&str]) -> RecordSet {
    RecordSet {
        name: name.into(),
        rtype: "TXT".into(),
        set_identifier: None,
        failover: None,
        weight: None,
        ttl: Some(std::time::Duration::from_secs(60)),
        values: values.iter().map(|v| v.to_string()).collect(),
        alias: None,
        health_check_id: None,
        routing: Default::default(),
    }
}

#[tokio::test]
async fn records_and_the_journal_beside_them() {
    let sim = sim().await;
    let c = aws(&sim).await;
    let at = route53::records_at(
        &c.route53,
        ZONE,
        "www.example.com",
        "_switchyard.www.example.com",
    )
    .await
    .unwrap();
    assert_eq!(at.records.len(), 2);
    assert_eq!(at.records[0].failover, Some(Failover::Primary));
    assert_eq!(at.records[0].health_check_id.as_deref(), Some(SHOP_CHECK));
    assert!(
        at.records[1]
            .alias
            .as_ref()
            .unwrap()
            .dns_name
            .contains("cloudfront.net")
    );
    assert_eq!(at.beside, None);
    let journal = txt(
        "_switchyard.www.example.com",
        &["\"switchyard: shop in maintenance\""],
    );
    let change = route53::change_records(
        &c.route53,
        ZONE,
        &[(route53::RecordAction::Create, journal)],
        "test",
    )
    .await
    .unwrap();
    assert_eq!(change.status, ChangeStatus::Pending);
    let at = route53::records_at(
        &c.route53,
        ZONE,
        "www.example.com",
        "_switchyard.www.example.com",
    )
    .await
    .unwrap();
    assert_eq!(
        at.beside,
        Some(vec!["\"switchyard: shop in maintenance\"".to_string()])
    );
    // With more than a page of names between the record and the journal, a second call finds it.
    let many: Vec<(route53::RecordAction, RecordSet)> = (0..25)
        .map(|i| {
            (
                route53::RecordAction::Create,
                txt(&format!("{i:02}.www.example.com"), &["\"x\""]),
            )
        })
        .collect();
    route53::change_records(&c.route53, ZONE, &many, "filler")
        .await
        .unwrap();
    sim.control(Control::ResetCalls).unwrap();
    let at = route53::records_at(
        &c.route53,
        ZONE,
        "www.example.com",
        "_switchyard.www.example.com",
    )
    .await
    .unwrap();
    assert!(at.beside.is_some());
    assert_eq!(sim.calls().get("route53", "ListResourceRecordSets"), 2);
    advance(&sim, 41.0);
    assert_eq!(
        route53::get_change(&c.route53, &change.id)
            .await
            .unwrap()
            .status,
        ChangeStatus::Insync
    );
}

#[tokio::test]
async fn dns_answers_and_zones() {
    let sim = sim().await;
    let c = aws(&sim).await;
    let answer = route53::test_dns_answer(&c.route53, ZONE, "db.example.com", "A")
        .await
        .unwrap();
    assert_eq!(
        (answer.values.as_slice(), answer.response_code.as_str()),
        (&["10.9.0.10".to_string()][..], "NOERROR")
    );
    assert_eq!(
        route53::zone_id_by_name(&c.route53, "example.com")
            .await
            .unwrap()
            .as_deref(),
        Some(ZONE)
    );
    assert_eq!(
        route53::zone_id_by_name(&c.route53, "example.org")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        route53::zone_name(&c.route53, ZONE).await.unwrap(),
        "example.com."
    );
}

#[tokio::test]
async fn health_checks_with_names_status_and_inversion() {
    let sim = sim().await;
    let c = aws(&sim).await;
    let mut checks = route53::health_checks(&c.route53).await.unwrap();
    assert_eq!(checks.len(), 3);
    route53::add_tags(&c.route53, &mut checks).await.unwrap();
    let shop = checks.iter().find(|h| h.id == SHOP_CHECK).unwrap();
    assert_eq!(shop.name.as_deref(), Some("shop-primary"));
    assert_eq!(
        (shop.kind.clone(), shop.failure_threshold, shop.version),
        (HealthCheckKind::Https, 3, 1)
    );
    assert_eq!(shop.request_interval.as_secs(), 30);
    let api = checks
        .iter()
        .find(|h| h.kind == HealthCheckKind::CloudWatchMetric)
        .unwrap();
    assert_eq!(api.alarm.as_ref().unwrap().name, "api-1-StatusCheckFailed");
    let status = route53::health_check_status(&c.route53, SHOP_CHECK)
        .await
        .unwrap();
    assert_eq!(status.len(), 8);
    assert!(status.iter().all(|o| o.healthy() && o.checked_at.is_some()));
    let updated = route53::set_inverted(&c.route53, SHOP_CHECK, 1, true)
        .await
        .unwrap();
    assert!(updated.inverted);
    assert_eq!(updated.version, 2);
    let stale = route53::set_inverted(&c.route53, SHOP_CHECK, 1, false)
        .await
        .unwrap_err();
    assert_eq!(stale.code.as_deref(), Some("HealthCheckVersionMismatch"));
    route53::tag_health_check(
        &c.route53,
        SHOP_CHECK,
        "switchyard:maintenance",
        Some("shop"),
    )
    .await
    .unwrap();
    let mut one = vec![route53::health_check(&c.route53, SHOP_CHECK).await.unwrap()];
    route53::add_tags(&c.route53, &mut one).await.unwrap();
    assert_eq!(
        one[0]
            .tags
            .get("switchyard:maintenance")
            .map(String::as_str),
        Some("shop")
    );
    sim.control(Control::SetBehaviour {
        target: "i-0a1b2c3d4e5f60001".into(),
        behaviour: switchyard_sim::world::ec2::Behaviour::Http(500),
    })
    .unwrap();
    sim.control(Control::SetBehaviour {
        target: "i-0a1b2c3d4e5f60002".into(),
        behaviour: switchyard_sim::world::ec2::Behaviour::Http(500),
    })
    .unwrap();
    advance(&sim, 120.0);
    let failures = route53::last_failure_reasons(&c.route53, SHOP_CHECK)
        .await
        .unwrap();
    assert!(
        !failures.is_empty() && failures.iter().all(|o| !o.healthy()),
        "{failures:?}"
    );
}

#[tokio::test]
async fn alarms_and_metrics_in_their_regions() {
    let sim = sim().await;
    let c = aws(&sim).await;
    let alarms = cloudwatch::alarms(&c.cloudwatch).await.unwrap();
    assert_eq!(alarms.len(), 6);
    assert!(
        alarms.iter().all(|a| a.state == AlarmState::Ok
            && a.region == "eu-west-1"
            && a.watches_status_check())
    );
    let named = cloudwatch::alarms_named(&c.cloudwatch, &["api-1-StatusCheckFailed".to_string()])
        .await
        .unwrap();
    assert_eq!(
        named[0].dimensions,
        vec![("InstanceId".to_string(), "i-0c0ffee0000000001".to_string())]
    );
    let to = time::OffsetDateTime::from_unix_timestamp(T0 / 1000).unwrap();
    let from = to - time::Duration::minutes(10);
    // AWS/Route53 metrics come from us-east-1: the global client is pinned there.
    let queries: Vec<cloudwatch::MetricQuery> = cloudwatch::health_check_queries(SHOP_CHECK)
        .into_iter()
        .collect();
    let series = cloudwatch::metric_series(&c.cloudwatch_global, &queries, from, to)
        .await
        .unwrap();
    assert_eq!(series[0].points.len(), 10);
    assert!(series[0].points.iter().all(|(_, v)| *v == 1.0));
    assert!(series[1].points.iter().all(|(_, v)| *v == 100.0));
    assert!(
        series[0].points[0].0 < series[0].points[9].0,
        "oldest first"
    );
    let here = cloudwatch::metric_series(&c.cloudwatch, &queries, from, to)
        .await
        .unwrap();
    assert!(here[0].points.is_empty(), "not published outside us-east-1");
    let scf = cloudwatch::metric_series(
        &c.cloudwatch,
        &[cloudwatch::status_check_query("i-0a1b2c3d4e5f60001")],
        from,
        to,
    )
    .await
    .unwrap();
    assert_eq!(scf[0].points.len(), 10);
    cloudwatch::set_alarm_actions(
        &c.cloudwatch,
        &["shop-app-1-StatusCheckFailed".to_string()],
        false,
    )
    .await
    .unwrap();
    let a = cloudwatch::alarms_named(&c.cloudwatch, &["shop-app-1-StatusCheckFailed".to_string()])
        .await
        .unwrap();
    assert!(!a[0].actions_enabled);
    cloudwatch::set_alarm_actions(
        &c.cloudwatch,
        &["shop-app-1-StatusCheckFailed".to_string()],
        true,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn load_balancers_listeners_rules_and_targets() {
    let sim = sim().await;
    let c = aws(&sim).await;
    let lbs = elbv2::load_balancers(&c.elbv2).await.unwrap();
    assert_eq!(lbs.len(), 5);
    let nlb = lbs.iter().find(|l| l.name == "pay-nlb").unwrap();
    assert_eq!(nlb.kind_label(), "NLB");
    let listeners = elbv2::listeners(&c.elbv2, &nlb.arn).await.unwrap();
    let listener = &listeners[0];
    assert_eq!(
        listener.default_action().unwrap().describe(),
        "forward to pay-app"
    );
    let tgs = elbv2::target_groups_of(&c.elbv2, &nlb.arn).await.unwrap();
    assert_eq!(tgs[0].health_check.interval.as_secs(), 10);
    let health = elbv2::target_health(&c.elbv2, &tgs[0].arn).await.unwrap();
    assert!(health.iter().all(|t| t.state == TargetState::Healthy));
    // The listener switch and its exact restoration.
    let original = listener.default_actions.clone();
    let sorry = format!("{ELB}:targetgroup/pay-sorry/0f1e2d3c4b5a6978");
    let switched = elbv2::set_default_actions(
        &c.elbv2,
        &listener.arn,
        &[ListenerAction::forward_to(&sorry)],
    )
    .await
    .unwrap();
    assert_eq!(
        switched.default_action().unwrap().target_group_arns(),
        vec![sorry.as_str()]
    );
    let restored = elbv2::set_default_actions(&c.elbv2, &listener.arn, &original)
        .await
        .unwrap();
    assert_eq!(restored.default_actions, original);
    assert_eq!(
        elbv2::listeners_by_arn(&c.elbv2, std::slice::from_ref(&listener.arn))
            .await
            .unwrap()[0],
        restored
    );
    // Rules: create tagged, read back, delete.
    let portal = format!("{ELB}:listener/app/portal-alb/7e6d5c4b3a291807/5a6b7c8d9e0f1a2b");
    let cond = RuleCondition {
        field: "source-ip".into(),
        values: vec!["203.0.113.0/24".into()],
        http_header_name: None,
    };
    let rule = elbv2::create_rule(
        &c.elbv2,
        &portal,
        1,
        std::slice::from_ref(&cond),
        &[ListenerAction::fixed(
            "503",
            Some("text/html".into()),
            Some("<h1>down</h1>".into()),
        )],
        &[("switchyard:site".into(), "portal".into())],
    )
    .await
    .unwrap();
    let rules = elbv2::rules(&c.elbv2, &portal).await.unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(
        (rules[0].priority, rules[0].conditions[0].clone()),
        (Some(1), cond)
    );
    assert_eq!(rules[0].actions[0].kind, ActionKind::FixedResponse);
    assert!(rules[1].is_default);
    let tags = elbv2::tags(&c.elbv2, std::slice::from_ref(&rule.arn))
        .await
        .unwrap();
    assert_eq!(
        tags[0].1,
        vec![("switchyard:site".to_string(), "portal".to_string())]
    );
    elbv2::delete_rule(&c.elbv2, &rule.arn).await.unwrap();
    assert_eq!(elbv2::rules(&c.elbv2, &portal).await.unwrap().len(), 1);
    assert!(
        elbv2::tags(&c.elbv2, &[portal]).await.unwrap()[0]
            .1
            .is_empty()
    );
    let by_arn = elbv2::target_groups_by_arn(&c.elbv2, &[sorry])
        .await
        .unwrap();
    assert_eq!(by_arn[0].target_type, "alb");
}

#[tokio::test]
async fn distributions_and_invalidations() {
    let sim = sim().await;
    let c = aws(&sim).await;
    let all = cloudfront::distributions(&c.cloudfront).await.unwrap();
    assert_eq!(all.len(), 3);
    let d = cloudfront::distribution(&c.cloudfront, "E1SHOPSORRY0AB")
        .await
        .unwrap();
    assert!(d.is_ready());
    assert_eq!(d.aliases, ["www.example.com"]);
    assert_eq!(d.error_responses[0].response_code, Some(503));
    assert!(d.etag.is_some());
    let inv = cloudfront::invalidate(
        &c.cloudfront,
        &d.id,
        &["/maintenance.html".to_string()],
        "shop-1",
    )
    .await
    .unwrap();
    let again = cloudfront::invalidate(
        &c.cloudfront,
        &d.id,
        &["/maintenance.html".to_string()],
        "shop-1",
    )
    .await
    .unwrap();
    assert_eq!(
        inv.id, again.id,
        "the same caller reference makes no second invalidation"
    );
    // An invalidation takes 0.75 to 1.5 times the scenario's 60 s.
    advance(&sim, 91.0);
    assert_eq!(
        cloudfront::invalidation(&c.cloudfront, &d.id, &inv.id)
            .await
            .unwrap()
            .status
            .as_str(),
        "Completed"
    );
    assert_eq!(
        cloudfront::invalidations(&c.cloudfront, &d.id, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn identity_and_classified_errors() {
    let sim = sim().await;
    let c = aws(&sim).await;
    let me = sts::identity(&c.sts).await.unwrap();
    assert_eq!(
        (me.account.as_str(), me.arn.as_str()),
        (
            "123456789012",
            "arn:aws:sts::123456789012:assumed-role/OpsAdmin/demo"
        )
    );
    let fault = |service: &str, op: &str, code: &str| {
        Control::Fault(FaultSpec {
            service: Some(service.into()),
            operation: Some(op.into()),
            kind: FaultKind::Error {
                code: code.into(),
                message: None,
                status: None,
            },
            times: None,
            body_contains: None,
        })
    };
    sim.control(fault("route53", "GetHealthCheckStatus", "AccessDenied"))
        .unwrap();
    let e = route53::health_check_status(&c.route53, SHOP_CHECK)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::AccessDenied);
    assert_eq!(
        e.summary(),
        "access denied: the role lacks route53:GetHealthCheckStatus"
    );
    sim.control(fault("elbv2", "DescribeLoadBalancers", "Throttling"))
        .unwrap();
    let e = elbv2::load_balancers(&c.elbv2).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Throttled);
    sim.control(fault("sts", "GetCallerIdentity", "ExpiredToken"))
        .unwrap();
    assert_eq!(
        sts::identity(&c.sts).await.unwrap_err().kind,
        ErrorKind::Credentials
    );
    sim.control(fault("cloudwatch", "DescribeAlarms", "InternalFailure"))
        .unwrap();
    assert_eq!(
        cloudwatch::alarms(&c.cloudwatch).await.unwrap_err().kind,
        ErrorKind::Service
    );
    sim.control(Control::Fault(FaultSpec {
        service: Some("cloudfront".into()),
        operation: None,
        kind: FaultKind::Drop,
        times: None,
        body_contains: None,
    }))
    .unwrap();
    assert_eq!(
        cloudfront::distributions(&c.cloudfront)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Network
    );
    assert_eq!(
        route53::health_check(&c.route53, "00000000-0000-4000-8000-000000000000")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
}
