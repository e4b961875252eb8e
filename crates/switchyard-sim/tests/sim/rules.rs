//! Listener rules as an ALB keeps them (assets/scenarios/alb-rules.toml: 40 host and path rules):
//! DescribeRules in pages, SetRulePriorities all at once or not at all with AWS's errors, and
//! requests routed by priority and conditions.

use aws_sdk_elasticloadbalancingv2::types::RulePriorityPair;
use switchyard_sim::world::ec2::Probe;
use switchyard_sim::world::elb::Request;

use crate::common::{code, elbv2, sim};

const LISTENER: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop-alb/8e9f0a1b2c3d4e5f/6a7b8c9d0e1f2a3b";
const API_TG: &str =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-api/4b5c6d7e8f901223";

/// Every rule of the listener, read in pages of `page_size`: (priority, ARN), the default last.
async fn rules(
    elb: &aws_sdk_elasticloadbalancingv2::Client,
    page_size: i32,
) -> (Vec<(String, String)>, usize) {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = elb
            .describe_rules()
            .listener_arn(LISTENER)
            .page_size(page_size)
            .set_marker(marker.take())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.rules().len() <= page_size as usize);
        out.extend(page.rules().iter().map(|r| {
            (
                r.priority().unwrap().to_string(),
                r.rule_arn().unwrap().to_string(),
            )
        }));
        match page.next_marker() {
            Some(m) => marker = Some(m.to_string()),
            None => return (out, pages),
        }
    }
}

fn pair(arn: &str, priority: i32) -> RulePriorityPair {
    RulePriorityPair::builder()
        .rule_arn(arn)
        .priority(priority)
        .build()
}

fn priorities(rules: &[(String, String)]) -> Vec<String> {
    rules.iter().map(|(p, _)| p.clone()).collect()
}

#[tokio::test]
async fn describe_rules_pages_through_forty_rules_in_priority_order() {
    let sim = sim("alb-rules").await;
    let elb = elbv2(&sim).await;
    let (all, pages) = rules(&elb, 400).await;
    assert_eq!(pages, 1);
    assert_eq!(all.len(), 41, "40 rules and the default rule");
    let mut want: Vec<String> = (1..=36).map(|p| p.to_string()).collect();
    want.extend(["40", "45", "50", "100", "default"].map(String::from));
    assert_eq!(priorities(&all), want);
    let (paged, pages) = rules(&elb, 7).await;
    assert_eq!(pages, 6);
    assert_eq!(
        paged, all,
        "pages of 7 give the same rules in the same order"
    );
    let err = elb
        .describe_rules()
        .listener_arn(LISTENER)
        .page_size(401)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationError");
    // A rule's conditions come back typed (and, for host and path, with the legacy values).
    let first = elb
        .describe_rules()
        .rule_arns(&all[0].1)
        .send()
        .await
        .unwrap();
    let conditions = first.rules()[0].conditions();
    assert_eq!(conditions[0].field(), Some("host-header"));
    assert_eq!(
        conditions[0].host_header_config().unwrap().values(),
        ["api.example.com"]
    );
    assert_eq!(conditions[0].values(), ["api.example.com"]);
    assert_eq!(
        first.rules()[0].actions()[0].target_group_arn(),
        Some(API_TG)
    );
}

/// Moving 36 rules down by two in one call: each takes a priority another one of the call gives
/// up, which is allowed because only the priorities after the whole change must be unique.
#[tokio::test]
async fn set_rule_priorities_moves_many_rules_at_once() {
    let sim = sim("alb-rules").await;
    let elb = elbv2(&sim).await;
    let (before, _) = rules(&elb, 400).await;
    let shift: Vec<RulePriorityPair> = before[..36]
        .iter()
        .map(|(p, arn)| pair(arn, p.parse::<i32>().unwrap() + 2))
        .collect();
    let out = elb
        .set_rule_priorities()
        .set_rule_priorities(Some(shift))
        .send()
        .await
        .unwrap();
    assert_eq!(out.rules().len(), 36, "the rules changed are returned");
    let (after, _) = rules(&elb, 400).await;
    let mut want: Vec<String> = (3..=38).map(|p| p.to_string()).collect();
    want.extend(["40", "45", "50", "100", "default"].map(String::from));
    assert_eq!(priorities(&after), want);
    // The same rules in the same order: only the numbers moved.
    let arns = |r: &[(String, String)]| r.iter().map(|x| x.1.clone()).collect::<Vec<_>>();
    assert_eq!(arns(&after), arns(&before));
    // And back, exactly.
    let back: Vec<RulePriorityPair> = before[..36]
        .iter()
        .map(|(p, arn)| pair(arn, p.parse().unwrap()))
        .collect();
    elb.set_rule_priorities()
        .set_rule_priorities(Some(back))
        .send()
        .await
        .unwrap();
    assert_eq!(rules(&elb, 400).await.0, before);
}

/// AWS's validation errors, each leaving every priority as it was.
#[tokio::test]
async fn set_rule_priorities_fails_whole_with_aws_errors() {
    let sim = sim("alb-rules").await;
    let elb = elbv2(&sim).await;
    let (before, _) = rules(&elb, 400).await;
    let default_rule = before.last().unwrap().1.clone();
    let rule = |i: usize| before[i].1.clone();
    let gone = format!(
        "{}/ffffffffffffffff",
        LISTENER.replace(":listener/", ":listener-rule/")
    );
    let cases: Vec<(&str, Vec<RulePriorityPair>, &str)> = vec![
        // Rule 1 to 200 is fine, but rule 2 to 40 clashes with the rule at 40, not in the call.
        (
            "a priority another rule keeps",
            vec![pair(&rule(0), 200), pair(&rule(1), 40)],
            "PriorityInUse",
        ),
        (
            "two rules given the same priority",
            vec![pair(&rule(0), 300), pair(&rule(1), 300)],
            "PriorityInUse",
        ),
        (
            "a rule that does not exist",
            vec![pair(&rule(0), 200), pair(&gone, 201)],
            "RuleNotFound",
        ),
        (
            "the default rule",
            vec![pair(&rule(0), 200), pair(&default_rule, 201)],
            "OperationNotPermitted",
        ),
        (
            "priority 0",
            vec![pair(&rule(0), 200), pair(&rule(1), 0)],
            "ValidationError",
        ),
        (
            "priority 50001",
            vec![pair(&rule(0), 50_001)],
            "ValidationError",
        ),
        (
            "the same rule twice",
            vec![pair(&rule(0), 200), pair(&rule(0), 201)],
            "ValidationError",
        ),
    ];
    for (case, pairs, want) in cases {
        let err = elb
            .set_rule_priorities()
            .set_rule_priorities(Some(pairs))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), want, "{case}");
        assert_eq!(
            rules(&elb, 400).await.0,
            before,
            "{case}: a failed call changed priorities"
        );
    }
    let typed = elb
        .set_rule_priorities()
        .rule_priorities(pair(&default_rule, 7))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(typed.is_operation_not_permitted_exception(), "{typed:?}");
    let typed = elb
        .set_rule_priorities()
        .rule_priorities(pair(&rule(0), 2))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(typed.is_priority_in_use_exception(), "{typed:?}");
    let typed = elb
        .set_rule_priorities()
        .rule_priorities(pair(&gone, 2))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(typed.is_rule_not_found_exception(), "{typed:?}");
}

/// A request goes to the first rule (by priority) whose conditions all match: host names and
/// header values without regard to case, paths with it, source addresses by CIDR.
#[tokio::test]
async fn requests_take_the_first_rule_that_matches() {
    let sim = sim("alb-rules").await;
    let route =
        |req: Request| sim.with_world(|w| w.elb.matching_rule(LISTENER, &req).map(|r| r.priority));
    let get = |host: &str, path: &str| Request::get(Some(host), path);
    assert_eq!(route(get("api.example.com", "/v2/orders")), Some(1));
    assert_eq!(route(get("API.Example.com", "/v1/orders")), Some(2));
    assert_eq!(route(get("www.example.com", "/api/cart")), Some(3));
    // Paths are case-sensitive: /API/ is not /api/*.
    assert_eq!(route(get("www.example.com", "/API/cart")), Some(100));
    assert_eq!(
        route(get("www.example.com", "/").header("x-canary", "1")),
        Some(4)
    );
    assert_eq!(route(get("www.example.com", "/cart")), Some(9));
    assert_eq!(route(get("www.example.com", "/search")), Some(15));
    assert_eq!(route(get("m.example.com", "/")), Some(32));
    assert_eq!(route(get("deals.example.com", "/promo/x")), Some(34));
    let mut options = get("www.example.com", "/");
    options.method = "OPTIONS".into();
    assert_eq!(route(options), Some(35));
    // Every condition must match: /partners/ only from the partners' network.
    assert_eq!(
        route(get("www.example.com", "/partners/a").from_ip("198.51.100.9")),
        Some(36)
    );
    assert_eq!(
        route(get("www.example.com", "/partners/a").from_ip("203.0.113.9")),
        Some(100)
    );
    assert_eq!(
        route(get("www.example.com", "/internal/x").from_ip("10.20.30.40")),
        Some(50)
    );
    assert_eq!(route(get("www.example.com", "/blog/post")), Some(40));
    assert_eq!(route(get("www.example.com", "/.env")), Some(45));
    // No rule for this host: the default action.
    assert_eq!(route(get("static.example.net", "/")), None);
    // What a client gets through DNS: the app, a redirect, the listener's own 404.
    let client = |host: &str, path: &str| {
        sim.with_world(|w| w.probe_host(host, 443, &Request::get(Some(host), path), 0))
    };
    assert_eq!(client("www.example.com", "/"), Probe::Http(200));
    assert_eq!(client("api.example.com", "/v2/x"), Probe::Http(200));
    assert_eq!(client("www.example.com", "/blog"), Probe::Http(301));
    assert_eq!(client("www.example.com", "/wp-admin/"), Probe::Http(404));
}
