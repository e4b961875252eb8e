//! DOWN in every way it can arise, through `switchyard status` against the emulator: exit 15,
//! `verdict: "DOWN"`, and a first reason that says why users get errors.

use switchyard::model::elb::ListenerAction;
use switchyard::model::route53::AliasTarget;

use super::support::{Env, advance};
use super::*;

const PORTAL_LISTENER: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/portal-alb/7e6d5c4b3a291807/5a6b7c8d9e0f1a2b";

/// Asserts DOWN with exit 15 and a first reason holding each of `says`.
fn assert_down(out: &Out, json: &Value, name: &str, says: &[&str]) {
    let s = site(json, name);
    assert_eq!(out.code, 15, "{name}: {s:#}");
    assert_eq!(s["verdict"], "DOWN", "{name}: {s:#}");
    assert_eq!(s["exit_code"], 15, "{name}");
    let first = s["reasons"][0].as_str().unwrap_or_default();
    assert!(first.starts_with("users get errors: "), "{name}: {first}");
    let all = reasons(s);
    for w in says {
        assert!(all.contains(w), "{name}: no {w:?} in\n{all}");
    }
}

/// Replaces a record of a zone (UPSERT) by the same record aliasing `dns_name`.
async fn alias_to(env: &Env, zone: &str, name: &str, set: Option<&str>, dns_name: &str, hz: &str) {
    let c = env.clients().await;
    let at = switchyard::aws::route53::records_at(
        &c.route53,
        zone,
        name,
        &format!("_switchyard.{name}"),
    )
    .await
    .unwrap();
    let mut r = at
        .records
        .into_iter()
        .find(|r| r.set_identifier.as_deref() == set && r.rtype == "A")
        .unwrap();
    r.values.clear();
    r.ttl = None;
    r.alias = Some(AliasTarget {
        hosted_zone_id: hz.into(),
        dns_name: dns_name.into(),
        evaluate_target_health: false,
    });
    switchyard::aws::route53::change_records(
        &c.route53,
        zone,
        &[(switchyard::aws::route53::RecordAction::Upsert, r)],
        "test",
    )
    .await
    .unwrap();
    // INSYNC, and the name servers answer the new record.
    advance(&env.sim, 120.0);
}

/// Setup 4: the NLB's instances stop. It fails open onto targets that do not answer: no DNS
/// change could help, users get errors. `wait --for live` never takes that for live.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_instances_behind_a_plain_record() {
    let env = Env::start_paused("nlb-sorry", "nlb-sorry").await;
    let (out, json) = status(&env, &[]).await;
    assert_eq!(out.code, 0, "{out}");
    stop(&env, &PAY);
    advance(&env.sim, 300.0);
    let (out, json2) = status(&env, &[]).await;
    assert_down(
        &out,
        &json2,
        "pay",
        &[
            "users get errors: listener TCP 443 of NLB pay-nlb forwards to target group pay-app, \
             which has no healthy target (0 of 2: 2 unused (Target.InvalidState))",
            "Route 53 answers the plain record",
        ],
    );
    assert_eq!(site(&json2, "pay")["complete"], true);
    assert_eq!(site(&json, "pay")["verdict"], "LIVE");
    // The table says it too, on the site's line.
    let table = env.run(&["status"]).await;
    assert_eq!(table.code, 15, "{table}");
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l.starts_with("pay ") && l.contains(" DOWN ")),
        "{table}"
    );
    // Not live: `wait --for live` times out and says what the site is.
    let w = env
        .run(&["wait", "--site", "pay", "--for", "live", "--timeout", "2s"])
        .await;
    assert_eq!(w.code, 6, "{w}");
    assert!(w.stdout.contains("pay is DOWN, not live"), "{w}");
}

/// Setup 2: the instance stops; its StatusCheckFailed alarm gets no data, and the check keeps
/// its last known status (healthy): Route 53 keeps answering a stopped instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_instance_behind_a_cloudwatch_metric_check_route53_still_answers() {
    let env = Env::start_paused("cloudwatch-metric", "cloudwatch-metric").await;
    stop(&env, &["i-0c0ffee0000000001"]);
    advance(&env.sim, 600.0);
    let (out, json) = status(&env, &[]).await;
    assert_down(
        &out,
        &json,
        "api",
        &[
            "instance i-0c0ffee0000000001 behind the answered record sends no StatusCheckFailed \
             data (alarm api-1-StatusCheckFailed has INSUFFICIENT_DATA",
            "reads missing data by its last known status, so Route 53 keeps answering it",
            "Route 53 answers the primary",
        ],
    );
    assert_eq!(site(&json, "api")["served"], "primary");
}

/// An ALB answering a fixed 503 where the app should be is DOWN; its configured maintenance
/// response is the sorry page (switched outside switchyard), not DOWN.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixed_5xx_that_is_not_the_maintenance_response() {
    let env = Env::start_paused("demo", "demo").await;
    let c = env.clients().await;
    let set = |action: ListenerAction| {
        let c = c.clone();
        async move {
            switchyard::aws::elbv2::set_default_actions(&c.elbv2, PORTAL_LISTENER, &[action])
                .await
                .unwrap();
        }
    };
    set(ListenerAction::fixed(
        "503",
        Some("text/plain".into()),
        Some("upstream connect error".into()),
    ))
    .await;
    let (out, json) = status(&env, &["--site", "portal"]).await;
    assert_down(
        &out,
        &json,
        "portal",
        &[
            "listener HTTPS 443 of ALB portal-alb answers a fixed 503, which is not the site's \
           maintenance response: the app is not served",
        ],
    );
    // The maintenance page the config's strategy answers with: a working sorry page.
    set(ListenerAction::fixed(
        "503",
        Some("text/html".into()),
        Some(switchyard::config::schema::SAMPLE_MAINTENANCE_PAGE.into()),
    ))
    .await;
    let (out, json) = status(&env, &["--site", "portal"]).await;
    assert_eq!(out.code, 12, "{out}");
    assert_eq!(site(&json, "portal")["verdict"], "MAINTENANCE");
}

/// Failed over to the sorry page, whose distribution is then disabled: the sorry page cannot
/// serve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_over_to_a_disabled_distribution() {
    let env = Env::start_paused("alb-cloudfront", "alb-cloudfront").await;
    stop(&env, &SHOP);
    advance(&env.sim, 300.0);
    let (out, json) = status(&env, &[]).await;
    assert_eq!(out.code, 11, "{out}");
    assert_eq!(site(&json, "shop")["verdict"], "FAILED OVER");
    let c = env.clients().await;
    let id = site(&json, "shop")["distribution"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let got = c
        .cloudfront
        .get_distribution_config()
        .id(&id)
        .send()
        .await
        .unwrap();
    let mut config = got.distribution_config().unwrap().clone();
    config.enabled = false;
    c.cloudfront
        .update_distribution()
        .id(&id)
        .if_match(got.e_tag().unwrap())
        .distribution_config(config)
        .send()
        .await
        .unwrap();
    let (out, json) = status(&env, &[]).await;
    assert_down(
        &out,
        &json,
        "shop",
        &[
            &format!("sorry page distribution {id} is disabled: CloudFront serves nothing for it"),
            "Route 53 answers the secondary",
        ],
    );
}

/// The sorry page is answered, and its distribution does not exist (deleted): Route 53
/// answers without an address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answered_sorry_distribution_does_not_exist() {
    let env = Env::start_paused("alb-cloudfront", "alb-cloudfront").await;
    let (_, json) = status(&env, &[]).await;
    let shop = site(&json, "shop");
    let zone = shop["zone_id"].as_str().unwrap().to_string();
    let record = shop["record"].as_str().unwrap().to_string();
    let secondary = shop["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == "SECONDARY")
        .and_then(|r| r["set_identifier"].as_str())
        .unwrap()
        .to_string();
    alias_to(
        &env,
        &zone,
        &record,
        Some(&secondary),
        "dgone0000000ab.cloudfront.net",
        "Z2FDTNDATAQYW2",
    )
    .await;
    stop(&env, &SHOP);
    advance(&env.sim, 300.0);
    let (out, json) = status(&env, &[]).await;
    assert_down(
        &out,
        &json,
        "shop",
        &[
            "with no address (NOERROR without values): clients cannot connect",
            "the secondary is an alias to dgone0000000ab.cloudfront.net, which is no \
             distribution switchyard finds",
        ],
    );
}

/// The plain alias names a load balancer that does not exist (deleted): no address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answered_load_balancer_does_not_exist() {
    let env = Env::start_paused("nlb-sorry", "nlb-sorry").await;
    alias_to(
        &env,
        "Z0EXAMPLE000PAY",
        "pay.example.net",
        None,
        "pay-gone-0123456789abcdef.elb.eu-west-1.amazonaws.com",
        "Z2IFOLAFXWLO4F",
    )
    .await;
    let (out, json) = status(&env, &[]).await;
    assert_down(
        &out,
        &json,
        "pay",
        &[
            "Route 53 answers pay.example.net with no address (NOERROR without values): clients \
             cannot connect",
            "the plain record is an alias to pay-gone-0123456789abcdef.elb.eu-west-1.amazonaws.com, \
             which is no load balancer switchyard finds in the account",
        ],
    );
}

/// The NLB the record points at has no listener (deleted): it accepts no connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_balancer_has_no_listener() {
    let config = "[defaults]\nregion = \"eu-west-1\"\n\n[[site]]\nname = \"www\"\nzone = \
                  \"Z0EXAMPLE00DOWN\"\nrecord = \"www.example.org\"\n";
    let env = Env::start_with_config_paused("verdicts-down", config).await;
    let (out, json) = status(&env, &[]).await;
    assert_down(
        &out,
        &json,
        "www",
        &["users get errors: NLB www-nlb has no listener: it accepts no connection"],
    );
}

/// One DOWN site decides the exit code of a status of many, over FAILED OVER, UNKNOWN and an
/// access problem elsewhere; a working sorry page is never DOWN.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn down_decides_the_exit_code_of_many_sites() {
    let env = Env::start_paused("demo", "demo").await;
    stop(&env, &SHOP);
    stop(&env, &PAY);
    advance(&env.sim, 300.0);
    let (out, json) = status(&env, &[]).await;
    assert_eq!(site(&json, "shop")["verdict"], "FAILED OVER", "{out}");
    assert_eq!(site(&json, "pay")["verdict"], "DOWN", "{out}");
    assert_eq!(out.code, 15, "{out}");
    // Access denied to the alarms: every site's chain is incomplete; DOWN still decides.
    deny(&env, "cloudwatch", "DescribeAlarms", "AccessDenied");
    let (out, json) = status(&env, &[]).await;
    assert_eq!(site(&json, "pay")["verdict"], "DOWN", "{out}");
    assert_eq!(out.code, 15, "{out}");
    assert!(
        out.stderr
            .contains("the role lacks cloudwatch:DescribeAlarms"),
        "{out}"
    );
    env.clear_faults();
    // The shop's sorry page serves: failed over, not down, whatever its instances do.
    let (_, json) = status(&env, &["--site", "shop"]).await;
    assert_eq!(site(&json, "shop")["verdict"], "FAILED OVER");
}

/// Maintenance on the NLB's sorry target group, whose target (an ALB answering the maintenance
/// page) then fails its health check: the sorry page cannot serve, users get errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sorry_target_group_that_cannot_serve() {
    let env = Env::start_paused("nlb-sorry", "nlb-sorry").await;
    // Forced: AWS does not health-check the sorry target group before a listener uses it.
    let on = env.switch("on", "pay", &["--force"]).await;
    assert_eq!(on.code, 0, "{on}");
    advance(&env.sim, 120.0);
    let (out, json) = status(&env, &[]).await;
    assert_eq!(site(&json, "pay")["verdict"], "MAINTENANCE", "{out}");
    // The sorry ALB's /health rule goes: its health check gets the 503 page.
    let c = env.clients().await;
    let lbs = switchyard::aws::elbv2::load_balancers(&c.elbv2)
        .await
        .unwrap();
    let sorry_alb = lbs.iter().find(|lb| lb.name == "pay-sorry-alb").unwrap();
    let listener = switchyard::aws::elbv2::listeners(&c.elbv2, &sorry_alb.arn)
        .await
        .unwrap()
        .remove(0);
    for rule in switchyard::aws::elbv2::rules(&c.elbv2, &listener.arn)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| !r.is_default)
    {
        switchyard::aws::elbv2::delete_rule(&c.elbv2, &rule.arn)
            .await
            .unwrap();
    }
    advance(&env.sim, 120.0);
    let (out, json) = status(&env, &[]).await;
    assert_down(
        &out,
        &json,
        "pay",
        &[
            "users get errors: listener TCP 443 of NLB pay-nlb forwards to sorry target group \
             pay-sorry, which has no healthy target (0 of 1: 1 unhealthy",
            "maintenance forced by",
        ],
    );
}
