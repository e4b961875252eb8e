use super::*;
use crate::model::fixtures::*;
use crate::model::route53::{AliasTarget, DnsAnswer, Failover};
use crate::model::verdict::{Served, VerdictKind};

const ORIGIN: &str = "origin.example.com";
const SORRY: &str = "sorry.example.com";
const WEST_ALB_DNS: &str = "dualstack.shop-alb-1234567890.us-west-2.elb.amazonaws.com.";

fn ok<T>(v: T) -> Fetched<T> {
    Fetched::ok(v, ago(FRESH))
}

fn alias(name: &str, rtype: &str, zone: &str, target: &str, eth: bool) -> RecordSet {
    RecordSet {
        name: format!("{name}."),
        rtype: rtype.into(),
        set_identifier: None,
        failover: None,
        weight: None,
        ttl: None,
        values: Vec::new(),
        alias: Some(AliasTarget {
            hosted_zone_id: zone.into(),
            dns_name: target.into(),
            evaluate_target_health: eth,
        }),
        health_check_id: None,
        ..RecordSet::default()
    }
}

fn cname(name: &str, value: &str) -> RecordSet {
    RecordSet {
        name: format!("{name}."),
        rtype: "CNAME".into(),
        set_identifier: None,
        failover: None,
        weight: None,
        ttl: Some(Duration::from_secs(300)),
        values: vec![value.into()],
        alias: None,
        health_check_id: None,
        ..RecordSet::default()
    }
}

fn failover(mut r: RecordSet, f: Failover) -> RecordSet {
    r.set_identifier = Some(f.as_str().to_lowercase());
    r.failover = Some(f);
    r
}

fn link(o: &mut SiteObservations, name: &str, records: Vec<RecordSet>) {
    o.linked.records.insert(name.to_string(), ok(records));
}

/// `www` is a failover pair of aliases to two records of its own zone: `origin` (an alias to
/// the ALB, Evaluate Target Health on both hops) and `sorry` (an alias to the distribution).
fn through_the_zone() -> SiteObservations {
    let mut o = Fx::alb_cloudfront_eth().0;
    let primary = failover(
        alias("www.example.com", "A", ZONE, &format!("{ORIGIN}."), true),
        Failover::Primary,
    );
    let secondary = failover(
        alias("www.example.com", "A", ZONE, &format!("{SORRY}."), false),
        Failover::Secondary,
    );
    o.records = ok(vec![primary, secondary]);
    o.linked.zone_name = Some("example.com".into());
    link(
        &mut o,
        ORIGIN,
        vec![alias(
            ORIGIN,
            "A",
            "Z32O12XQLNTSW2",
            &format!("dualstack.{ALB_DNS}."),
            true,
        )],
    );
    link(
        &mut o,
        SORRY,
        vec![alias(
            SORRY,
            "A",
            crate::model::route53::CLOUDFRONT_HOSTED_ZONE_ID,
            &format!("{CF_DNS}."),
            false,
        )],
    );
    o.alias_addresses.insert(
        ORIGIN.into(),
        ok(ALB_IPS.iter().map(|s| s.to_string()).collect()),
    );
    o.alias_addresses.insert(
        SORRY.into(),
        ok(CF_IPS.iter().map(|s| s.to_string()).collect()),
    );
    o
}

fn answer(o: &mut SiteObservations, values: &[&str], rtype: &str) {
    o.dns_answer = ok(DnsAnswer {
        record_name: NAME.into(),
        record_type: rtype.into(),
        values: values.iter().map(|s| s.to_string()).collect(),
        response_code: "NOERROR".into(),
        source: Default::default(),
    });
}

#[test]
fn regions_come_from_load_balancer_names_and_arns() {
    let table = [
        (
            "shop-alb-1234567890.us-west-2.elb.amazonaws.com",
            Some("us-west-2"),
        ),
        (
            "dualstack.shop-alb-1234567890.us-west-2.elb.amazonaws.com.",
            Some("us-west-2"),
        ),
        (
            "internal-api-99.eu-central-1.elb.amazonaws.com",
            Some("eu-central-1"),
        ),
        (
            "pay-nlb-0a1b2c3d4e5f6071.elb.ap-southeast-2.amazonaws.com",
            Some("ap-southeast-2"),
        ),
        (
            "DualStack.Pay-NLB-0A1B.ELB.US-EAST-2.AMAZONAWS.COM",
            Some("us-east-2"),
        ),
        ("app-1.cn-north-1.elb.amazonaws.com.cn", Some("cn-north-1")),
        (
            "gov-1.elb.us-gov-west-1.amazonaws.com",
            Some("us-gov-west-1"),
        ),
        ("d111111abcdef8.cloudfront.net", None),
        ("www.example.com", None),
        ("elb.amazonaws.com", None),
        ("bucket.s3-website-us-east-1.amazonaws.com", None),
    ];
    for (name, want) in table {
        assert_eq!(region_of_elb_dns(name).as_deref(), want, "{name}");
    }
    assert_eq!(
        region_of_arn("arn:aws:elasticloadbalancing:us-west-2:123456789012:listener/app/a/1/2"),
        Some("us-west-2")
    );
    assert_eq!(
        region_of_arn("arn:aws:cloudwatch:ap-south-1:123456789012:alarm:cpu:high"),
        Some("ap-south-1")
    );
    assert_eq!(
        region_of_arn("arn:aws:cloudfront::123456789012:distribution/E1"),
        None
    );
    assert_eq!(region_of_arn("not-an-arn"), None);
}

#[test]
fn s3_website_endpoints_are_recognised_in_both_spellings() {
    let dash = s3_website("www.example.com.s3-website-us-east-1.amazonaws.com").unwrap();
    assert_eq!(dash.bucket.as_deref(), Some("www.example.com"));
    assert_eq!(dash.region, "us-east-1");
    let dot = s3_website("s3-website.eu-central-1.amazonaws.com.").unwrap();
    assert_eq!(dot.bucket, None);
    assert_eq!(dot.region, "eu-central-1");
    assert_eq!(
        Endpoint::S3Website(dash).describe(),
        "S3 website endpoint of bucket www.example.com (us-east-1)"
    );
    assert!(s3_website("bucket.s3.eu-west-1.amazonaws.com").is_none());
    assert!(s3_website("s3-website-nowhere.amazonaws.com").is_none());
}

#[test]
fn aliases_to_records_of_the_zone_are_followed_to_the_load_balancer_and_the_distribution() {
    let o = through_the_zone();
    let chain = o.chain();
    assert!(chain.problems.is_empty(), "{:?}", chain.problems);
    assert!(chain.unread.is_empty(), "{:?}", chain.unread);
    assert_eq!(chain.passed, vec![ORIGIN.to_string(), SORRY.to_string()]);
    assert!(chain.ends.contains(&Endpoint::LoadBalancer {
        name: ALB_DNS.into(),
        region: "eu-west-1".into()
    }));
    assert!(chain.ends.contains(&Endpoint::CloudFront {
        name: CF_DNS.into()
    }));
    assert_eq!(chain.regions(), ["eu-west-1".to_string()].into());
    assert!(
        chain
            .lines
            .contains(&format!("www.example.com PRIMARY -> {ORIGIN} (alias)")),
        "{:?}",
        chain.lines
    );
    // What each half serves, through the zone.
    let primary = o.primary().cloned().unwrap();
    let secondary = o.secondary().cloned().unwrap();
    assert_eq!(o.serves_record(&primary), Serves::App);
    assert_eq!(o.serves_record(&secondary), Serves::SorryPage);
}

#[test]
fn the_verdict_on_a_chain_through_the_zone_is_known_before_and_after_failover() {
    let mut o = through_the_zone();
    answer(&mut o, &ALB_IPS, "A");
    let v = crate::model::verdict::verdict(&o, NOW, STALE);
    assert_eq!(v.kind, VerdictKind::Live, "{:#?}", v.reasons);
    assert_eq!(v.served, Served::Primary);
    assert!(!v.served_inferred);
    assert!(
        v.reasons
            .iter()
            .any(|r| r.contains("origin.example.com: ALB app-alb")),
        "{:#?}",
        v.reasons
    );
    // Every target of the ALB fails: the primary's target health (through origin) fails, and
    // Route 53 answers the secondary.
    let mut down = Fx(o);
    down = down.all_app_targets(
        crate::model::elb::TargetState::Unhealthy,
        Some("Target.FailedHealthChecks"),
    );
    let mut o = down.0;
    answer(&mut o, &CF_IPS, "A");
    let v = crate::model::verdict::verdict(&o, NOW, STALE);
    assert_eq!(v.kind, VerdictKind::FailedOver, "{:#?}", v.reasons);
    assert_eq!(v.served, Served::Secondary);
}

#[test]
fn a_name_of_the_chain_not_read_yet_is_said_not_guessed() {
    let mut o = through_the_zone();
    o.linked.records.remove(ORIGIN);
    answer(&mut o, &ALB_IPS, "A");
    assert_eq!(o.chain().unread, vec![ORIGIN.to_string()]);
    let primary = o.primary().cloned().unwrap();
    assert_eq!(o.serves_record(&primary), Serves::Unknown);
    let v = crate::model::verdict::verdict(&o, NOW, STALE);
    assert_eq!(v.kind, VerdictKind::Unknown);
    assert!(
        v.reasons
            .iter()
            .any(|r| r == "records of origin.example.com: not fetched yet"),
        "{:#?}",
        v.reasons
    );
}

#[test]
fn a_loop_of_aliases_is_stopped_and_named() {
    let mut o = through_the_zone();
    // origin -> loop -> origin.
    link(
        &mut o,
        ORIGIN,
        vec![alias(ORIGIN, "A", ZONE, "loop.example.com.", true)],
    );
    link(
        &mut o,
        "loop.example.com",
        vec![alias(
            "loop.example.com",
            "A",
            ZONE,
            "origin.example.com",
            true,
        )],
    );
    let chain = o.chain();
    assert_eq!(
        chain.problems,
        vec![
            "the records lead in a circle (www.example.com -> origin.example.com -> \
             loop.example.com -> origin.example.com): switchyard stops there"
                .to_string()
        ]
    );
    let primary = o.primary().cloned().unwrap();
    assert_eq!(o.serves_record(&primary), Serves::Unknown);
    answer(&mut o, &ALB_IPS, "A");
    let v = crate::model::verdict::verdict(&o, NOW, STALE);
    assert_eq!(v.kind, VerdictKind::Unknown);
    assert!(
        v.reasons.iter().any(|r| r.contains("lead in a circle")),
        "{:#?}",
        v.reasons
    );
}

#[test]
fn a_plain_cname_to_a_load_balancer_serves_what_the_load_balancer_serves() {
    let mut o = Fx::alb_cloudfront().0;
    o.record_type = "CNAME".into();
    o.records = ok(vec![cname("www.example.com", &format!("{ALB_DNS}."))]);
    let chain = o.chain();
    assert_eq!(
        chain.ends,
        vec![Endpoint::LoadBalancer {
            name: ALB_DNS.into(),
            region: "eu-west-1".into()
        }]
    );
    let plain = o.plain().cloned().unwrap();
    assert_eq!(o.serves_record(&plain), Serves::App);
    answer(&mut o, &[&format!("{ALB_DNS}.")], "CNAME");
    let v = crate::model::verdict::verdict(&o, NOW, STALE);
    assert_eq!(v.kind, VerdictKind::Live, "{:#?}", v.reasons);
    assert_eq!(v.served, Served::Plain);
    // The listener switched to the sorry page: the CNAME leads to it.
    let mut sorry = Fx(o).alb_listener_fixed_response("503").0;
    // (Its rules read: none, so the default action decides.)
    sorry
        .rules
        .insert(crate::model::fixtures::ALB_LISTENER.into(), ok(Vec::new()));
    let plain = sorry.plain().cloned().unwrap();
    assert!(sorry.serves_record(&plain).is_sorry_page());
}

#[test]
fn a_cname_to_a_name_of_the_zone_and_its_wildcard_are_followed() {
    let mut o = Fx::alb_cloudfront().0;
    o.record_type = "CNAME".into();
    o.records = ok(vec![cname("www.example.com", "app.example.com")]);
    o.linked.zone_name = Some("example.com".into());
    // app.example.com has no record of its own: the wildcard answers.
    link(&mut o, "app.example.com", Vec::new());
    assert_eq!(o.chain().unread, vec!["*.example.com".to_string()]);
    link(
        &mut o,
        "*.example.com",
        vec![alias(
            "*.example.com",
            "A",
            "Z32O12XQLNTSW2",
            ALB_DNS,
            false,
        )],
    );
    let chain = o.chain();
    assert!(chain.unread.is_empty(), "{chain:?}");
    assert!(chain.problems.is_empty(), "{chain:?}");
    let plain = o.plain().cloned().unwrap();
    assert_eq!(o.serves_record(&plain), Serves::App);
    // Without the zone's name, a CNAME to another name is not followed: switchyard does not
    // know it is in the zone.
    o.linked.zone_name = None;
    assert_eq!(
        o.chain().ends,
        vec![Endpoint::Other {
            name: "app.example.com".into()
        }]
    );
}

#[test]
fn a_cname_failover_pair_leads_to_the_load_balancer_and_the_distribution() {
    let mut o = Fx::alb_cloudfront().0;
    o.record_type = "CNAME".into();
    let mut p = failover(cname("www.example.com", ALB_DNS), Failover::Primary);
    p.health_check_id = Some(PRIMARY_HC.into());
    let s = failover(cname("www.example.com", CF_DNS), Failover::Secondary);
    o.records = ok(vec![p.clone(), s.clone()]);
    assert_eq!(o.serves_record(&p), Serves::App);
    assert_eq!(o.serves_record(&s), Serves::SorryPage);
    answer(&mut o, &[CF_DNS], "CNAME");
    let mut fx = Fx(o).checkers(0, 8);
    fx.0.dns_answer.value.as_mut().unwrap().values = vec![format!("{CF_DNS}.")];
    let v = fx.verdict();
    assert_eq!(v.kind, VerdictKind::FailedOver, "{:#?}", v.reasons);
    assert_eq!(v.served, Served::Secondary);
}

#[test]
fn load_balancers_in_other_regions_and_unknown_targets_are_named() {
    let mut o = through_the_zone();
    link(
        &mut o,
        ORIGIN,
        vec![alias(ORIGIN, "A", "Z1H1FL5HABSF5", WEST_ALB_DNS, true)],
    );
    assert_eq!(o.chain().regions(), ["us-west-2".to_string()].into());
    assert!(o.chain_regions().contains("us-west-2"));
    answer(&mut o, &ALB_IPS, "A");
    let v = crate::model::verdict::verdict(&o, NOW, STALE);
    assert_eq!(v.kind, VerdictKind::Unknown);
    assert!(
        v.reasons.iter().any(|r| r.contains(
            "alias target shop-alb-1234567890.us-west-2.elb.amazonaws.com: no load balancer \
             with this DNS name in us-west-2 (the region its name says)"
        )),
        "{:#?}",
        v.reasons
    );
    assert!(
        unobserved_target("abc.execute-api.eu-west-1.amazonaws.com")
            .contains("its region cannot be told from its name")
    );
}

#[test]
fn an_alias_to_an_s3_website_is_shown_as_such_and_not_left_unknown() {
    let mut o = through_the_zone();
    link(
        &mut o,
        SORRY,
        vec![alias(
            SORRY,
            "A",
            "Z1BKCTXD74EZPE",
            "s3-website-eu-west-1.amazonaws.com.",
            true,
        )],
    );
    let chain = o.chain();
    assert!(
        chain.lines.iter().any(|l| l
            .ends_with("-> S3 website endpoint of bucket sorry.example.com (eu-west-1) (alias)")),
        "{:?}",
        chain.lines
    );
    let secondary = o.secondary().cloned().unwrap();
    let mut ev = Evidence::default();
    let t = alias_target_health(&o, &secondary, NOW, STALE, &mut ev);
    // The secondary aliases without ETH; the sorry record's own ETH is followed through.
    assert!(t.is_some_and(|t| t.health == Health::Healthy));
    assert!(ev.missing.is_empty(), "{ev:?}");
}

#[test]
fn a_site_of_another_type_than_its_name_holds_is_told_what_it_holds() {
    let mut o = Fx::alb_cloudfront().0;
    o.records = ok(vec![cname("www.example.com", ALB_DNS)]);
    let v = crate::model::verdict::verdict(&o, NOW, STALE);
    assert_eq!(v.kind, VerdictKind::Unknown);
    assert_eq!(
        v.reasons[0],
        "no A record named www.example.com. in hosted zone Z0123456789ABCDEFGHIJ: it holds a \
         CNAME (set record_type = \"CNAME\")"
    );
}
