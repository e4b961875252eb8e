//! The account shapes of issue 13 that chains pass through: load balancers, target groups and
//! alarms in several regions (by the request's credential scope), private hosted zones with their
//! VPCs, and DNS answers through CNAMEs, aliases to records of the zone and wildcards.

use crate::common::*;

async fn elbv2_in(
    sim: &switchyard_sim::SimHandle,
    region: &str,
) -> aws_sdk_elasticloadbalancingv2::Client {
    aws_sdk_elasticloadbalancingv2::Client::new(&sdk(sim, region).await)
}

async fn answer(
    r53: &aws_sdk_route53::Client,
    zone: &str,
    name: &str,
    rtype: &str,
) -> (String, Vec<String>) {
    let out = r53
        .test_dns_answer()
        .hosted_zone_id(zone)
        .record_name(name)
        .record_type(aws_sdk_route53::types::RrType::from(rtype))
        .send()
        .await
        .unwrap();
    (out.response_code().to_string(), out.record_data().to_vec())
}

#[tokio::test]
async fn load_balancers_and_target_groups_live_in_their_region() {
    let sim = sim("chains-region").await;
    let names = |lbs: &[aws_sdk_elasticloadbalancingv2::types::LoadBalancer]| {
        let mut v: Vec<String> = lbs
            .iter()
            .map(|l| l.load_balancer_name().unwrap_or_default().to_string())
            .collect();
        v.sort();
        v
    };
    let home = elbv2_in(&sim, "eu-west-1").await;
    let west = elbv2_in(&sim, "us-west-2").await;
    let east = elbv2_in(&sim, "us-east-2").await;
    let at_home = home.describe_load_balancers().send().await.unwrap();
    assert!(names(at_home.load_balancers()).is_empty());
    let in_west = west.describe_load_balancers().send().await.unwrap();
    assert_eq!(names(in_west.load_balancers()), ["shop-west-alb"]);
    let alb = &in_west.load_balancers()[0];
    let arn = alb.load_balancer_arn().unwrap().to_string();
    assert!(
        arn.starts_with("arn:aws:elasticloadbalancing:us-west-2:"),
        "{arn}"
    );
    let dns = alb.dns_name().unwrap();
    assert!(dns.ends_with(".us-west-2.elb.amazonaws.com"), "{dns}");
    // The alias zone of an ALB in us-west-2.
    assert_eq!(alb.canonical_hosted_zone_id(), Some("Z1H1FL5HABSF5"));
    let in_east = east.describe_load_balancers().send().await.unwrap();
    assert_eq!(
        names(in_east.load_balancers()),
        ["pay-nlb", "pay-sorry-alb"]
    );
    let nlb = in_east
        .load_balancers()
        .iter()
        .find(|l| l.load_balancer_name() == Some("pay-nlb"))
        .unwrap();
    assert!(
        nlb.dns_name()
            .unwrap()
            .ends_with(".elb.us-east-2.amazonaws.com"),
        "{nlb:?}"
    );
    // An ARN of another region is not found in this one, whatever the call.
    let e = home
        .describe_listeners()
        .load_balancer_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "LoadBalancerNotFound");
    let listeners = west
        .describe_listeners()
        .load_balancer_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(listeners.listeners().len(), 2);
    let tgs = east.describe_target_groups().send().await.unwrap();
    let mut tg_names: Vec<&str> = tgs
        .target_groups()
        .iter()
        .filter_map(|t| t.target_group_name())
        .collect();
    tg_names.sort_unstable();
    assert_eq!(tg_names, ["pay-app", "pay-sorry"]);
    let pay_app = tgs
        .target_groups()
        .iter()
        .find(|t| t.target_group_name() == Some("pay-app"))
        .and_then(|t| t.target_group_arn())
        .unwrap()
        .to_string();
    let e = west
        .describe_target_health()
        .target_group_arn(&pay_app)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "TargetGroupNotFound");
    let health = east
        .describe_target_health()
        .target_group_arn(&pay_app)
        .send()
        .await
        .unwrap();
    assert_eq!(health.target_health_descriptions().len(), 2);
}

#[tokio::test]
async fn alarms_and_instance_metrics_live_in_their_region() {
    let sim = sim("chains-region").await;
    advance(&sim, 600.0);
    let home = cloudwatch(&sim, "eu-west-1").await;
    let west = cloudwatch(&sim, "us-west-2").await;
    assert!(
        home.describe_alarms()
            .send()
            .await
            .unwrap()
            .metric_alarms()
            .is_empty()
    );
    let alarms = west.describe_alarms().send().await.unwrap();
    let mut states: Vec<(String, String)> = alarms
        .metric_alarms()
        .iter()
        .map(|a| {
            (
                a.alarm_name().unwrap_or_default().to_string(),
                a.state_value()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    states.sort();
    // Their instances in us-west-2 publish StatusCheckFailed there: the alarms have data.
    assert_eq!(
        states,
        [
            (
                "shop-west-1-StatusCheckFailed".to_string(),
                "OK".to_string()
            ),
            (
                "shop-west-2-StatusCheckFailed".to_string(),
                "OK".to_string()
            ),
        ]
    );
}

#[tokio::test]
async fn a_private_zone_has_its_vpcs_and_test_dns_answer_refuses_it() {
    let sim = sim("chains-names").await;
    let r53 = route53(&sim).await;
    let private = r53
        .get_hosted_zone()
        .id("Z0CHAINSPRIVATE")
        .send()
        .await
        .unwrap();
    assert!(
        private
            .hosted_zone()
            .unwrap()
            .config()
            .unwrap()
            .private_zone()
    );
    let vpcs: Vec<(String, String)> = private
        .vpcs()
        .iter()
        .map(|v| {
            (
                v.vpc_id().unwrap_or_default().to_string(),
                v.vpc_region()
                    .map(|r| r.as_str().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        vpcs,
        [("vpc-0a1b2c3d4e5f60718".to_string(), "eu-west-1".to_string())]
    );
    assert!(private.delegation_set().is_none());
    let public = r53
        .get_hosted_zone()
        .id("Z0CHAINSPUBLIC")
        .send()
        .await
        .unwrap();
    assert!(public.vpcs().is_empty());
    assert!(public.delegation_set().is_some());
    // Both zones of the name, in one listing.
    let by_name = r53
        .list_hosted_zones_by_name()
        .dns_name("example.com")
        .send()
        .await
        .unwrap();
    let mut ids: Vec<(String, bool)> = by_name
        .hosted_zones()
        .iter()
        .filter(|z| z.name() == "example.com.")
        .map(|z| {
            (
                z.id().to_string(),
                z.config().is_some_and(|c| c.private_zone()),
            )
        })
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            ("/hostedzone/Z0CHAINSPRIVATE".to_string(), true),
            ("/hostedzone/Z0CHAINSPUBLIC".to_string(), false),
        ]
    );
    let e = r53
        .test_dns_answer()
        .hosted_zone_id("Z0CHAINSPRIVATE")
        .record_name("www.example.com")
        .record_type(aws_sdk_route53::types::RrType::A)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInput");
}

#[tokio::test]
async fn wildcards_are_listed_escaped_and_answer_for_any_name_below() {
    let sim = sim("chains-names").await;
    let r53 = route53(&sim).await;
    let listed = r53
        .list_resource_record_sets()
        .hosted_zone_id("Z0CHAINSPUBLIC")
        .start_record_name("\\052.example.com.")
        .max_items(1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed.resource_record_sets()[0].name(),
        "\\052.example.com."
    );
    let wildcard = answer(&r53, "Z0CHAINSPUBLIC", "*.example.com", "A").await;
    assert_eq!(wildcard.0, "NOERROR");
    assert!(!wildcard.1.is_empty());
    assert_eq!(
        answer(&r53, "Z0CHAINSPUBLIC", "shop.eu.example.com", "A").await,
        wildcard
    );
    // A name with records of its own is not the wildcard's.
    let www = answer(&r53, "Z0CHAINSPUBLIC", "www.example.com", "A").await;
    assert_ne!(www, wildcard);
    // An internationalised zone answers for its punycode names.
    let idn = answer(&r53, "Z0CHAINSIDN", "www.xn--bcher-kva.example", "A").await;
    assert_eq!(idn.0, "NOERROR");
    assert!(!idn.1.is_empty());
}

#[tokio::test]
async fn answers_follow_aliases_to_records_of_the_zone_and_cnames_answer_their_name() {
    let alias = sim("chains-alias").await;
    let r53 = route53(&alias).await;
    let (alb_ips, cf_ips) =
        alias.with_world(|w| (w.elb.lbs[0].ips.clone(), w.cf.distributions[0].ips.clone()));
    let www = answer(&r53, "Z0CHAINSALIAS", "www.example.com", "A").await;
    assert_eq!(www, ("NOERROR".to_string(), alb_ips.clone()));
    assert_eq!(
        answer(&r53, "Z0CHAINSALIAS", "sorry.example.com", "A")
            .await
            .1,
        cf_ips
    );
    // The ALB loses every target: the primary (Evaluate Target Health through origin) is
    // unhealthy, and www answers the sorry page's addresses.
    for id in ["i-0e0e0e0e0e0e00101", "i-0e0e0e0e0e0e00102"] {
        alias
            .control(switchyard_sim::Control::StopInstance {
                instance: id.into(),
            })
            .unwrap();
    }
    advance(&alias, 300.0);
    assert_eq!(
        answer(&r53, "Z0CHAINSALIAS", "www.example.com", "A")
            .await
            .1,
        cf_ips
    );

    let cname = sim("chains-cname").await;
    let r53 = route53(&cname).await;
    let app = answer(&r53, "Z0CHAINSCNAME", "app.example.com", "CNAME").await;
    assert_eq!(
        app,
        (
            "NOERROR".to_string(),
            vec!["app-alb-1357924680.eu-west-1.elb.amazonaws.com".to_string()]
        )
    );
    // Asked for an address, Route 53 answers the CNAME.
    assert_eq!(
        answer(&r53, "Z0CHAINSCNAME", "app.example.com", "A").await,
        app
    );
    // A resolver follows the CNAME to the load balancer's addresses.
    let (resolved, ips) = cname.with_world(|w| {
        (
            switchyard_sim::dns::resolve(w, "app.example.com", "A"),
            w.elb
                .lbs
                .iter()
                .find(|l| l.name == "app-alb")
                .map(|l| l.ips.clone()),
        )
    });
    assert_eq!(resolved, ips);
}
