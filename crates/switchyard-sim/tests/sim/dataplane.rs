//! The emulator as the internet a client sees, read with curl as the independent client: curl
//! names the emulator as its proxy and trusts its certificate authority, and gets what AWS would
//! serve the name: the app through the load balancer, the load balancer's own answers, the
//! CloudFront sorry page once Route 53 fails over and the client's cached answer (its TTL) ran
//! out, and CloudFront's error page kept for ErrorCachingMinTTL after the origin recovered.

use std::process::Command;

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, FixedResponseActionConfig, ForwardActionConfig, TargetGroupTuple,
};
use switchyard_sim::{Control, SimHandle};

use super::common::*;

/// curl's answer: (status, lower-cased headers, body); None when curl is not installed.
fn curl(sim: &SimHandle, url: &str) -> Option<(u16, String, String)> {
    let ca = std::env::temp_dir().join(format!("switchyard-sim-ca-{}.pem", sim.port()));
    std::fs::write(&ca, sim.ca_pem().unwrap()).unwrap();
    let out = match Command::new("curl")
        .args(["-s", "-i", "--max-time", "10", "--proxy"])
        .arg(sim.endpoint())
        .arg("--cacert")
        .arg(&ca)
        .arg(url)
        .output()
    {
        Ok(o) => o,
        Err(_) => {
            assert!(
                std::env::var_os("SWITCHYARD_REQUIRE_PEERS").is_none(),
                "curl is not installed; scripts/test installs it"
            );
            eprintln!("skipping: curl is not installed");
            return None;
        }
    };
    let _ = std::fs::remove_file(&ca);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    // After a CONNECT, curl shows the proxy's answer first: the last response is the site's.
    let last = text.rfind("HTTP/1.1 ").unwrap_or(0);
    let response = &text[last..];
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((response, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Some((status, head.to_ascii_lowercase(), body.to_string()))
}

/// cloudfront-front's docs-alb listener (CloudFront's origin), whose default action a test sets.
struct DocsListener {
    elb: aws_sdk_elasticloadbalancingv2::Client,
    arn: String,
}

impl DocsListener {
    async fn new(sim: &SimHandle) -> DocsListener {
        let elb = elbv2(sim).await;
        let arn = elb
            .describe_listeners()
            .load_balancer_arn(
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/docs-alb/0f9e8d7c6b5a4938",
            )
            .send()
            .await
            .unwrap()
            .listeners()[0]
            .listener_arn()
            .unwrap()
            .to_string();
        DocsListener { elb, arn }
    }

    /// ModifyListener: `action` becomes the default action.
    async fn set(&self, action: Action) {
        self.elb
            .modify_listener()
            .listener_arn(&self.arn)
            .default_actions(action)
            .send()
            .await
            .unwrap();
    }
}

/// A fixed response of `code` with `body` as text.
fn fixed_response(code: &str, body: &str) -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::FixedResponse)
        .fixed_response_config(
            FixedResponseActionConfig::builder()
                .status_code(code)
                .content_type("text/plain")
                .message_body(body)
                .build(),
        )
        .build()
}

/// Forward to the docs app's target group (the listener's own action).
fn forward_to_docs_app() -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .forward_config(
            ForwardActionConfig::builder()
                .target_groups(
                    TargetGroupTuple::builder()
                        .target_group_arn("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/docs-app/1a2b3c4d5e6f7081")
                        .build(),
                )
                .build(),
        )
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_gets_the_app_then_after_the_ttl_the_cloudfront_sorry_page() {
    let sim = sim("alb-cloudfront").await;
    let Some((status, head, body)) = curl(&sim, "https://www.example.com/") else {
        return;
    };
    assert_eq!(status, 200, "{head}");
    assert!(body.contains("It works"), "{body}");
    assert!(!head.contains("cloudfront"), "{head}");
    for id in ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"] {
        sim.control(Control::StopInstance {
            instance: id.into(),
        })
        .unwrap();
    }
    // 50 s on: the client's resolver still holds the load balancer's address (TTL 60 s), and
    // the load balancer, its targets stopped, answers itself.
    advance(&sim, 50.0);
    let (status, head, _) = curl(&sim, "https://www.example.com/").unwrap();
    assert!(status >= 500, "{status} {head}");
    assert!(head.contains("server: awselb/2.0"), "{head}");
    // Past the TTL and the health check's failures (30 s x 3): the sorry page, from CloudFront.
    advance(&sim, 60.0);
    let (status, head, body) = curl(&sim, "https://www.example.com/").unwrap();
    assert_eq!(status, 200, "{head}");
    assert!(head.contains("(cloudfront)"), "{head}");
    assert!(body.contains("Down for maintenance"), "{body}");
    // A name that does not exist: the proxy refuses the tunnel.
    let (status, head, _) = curl(&sim, "https://nothing.example.com/").unwrap();
    assert_eq!(status, 502, "curl gets no tunnel: {head}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_keeps_getting_cloudfronts_cached_error_page_after_the_origin_recovers() {
    let sim = sim("cloudfront-front").await;
    let Some((status, _, body)) = curl(&sim, "https://docs.example.com/") else {
        return;
    };
    assert_eq!(status, 200);
    assert!(body.contains("Product documentation"), "{body}");
    let docs = DocsListener::new(&sim).await;
    docs.set(fixed_response("503", "down")).await;
    let (status, head, body) = curl(&sim, "https://docs.example.com/").unwrap();
    assert_eq!(status, 503, "{head}");
    assert!(head.contains("x-cache: error from cloudfront"), "{head}");
    assert!(
        body.contains("Down for maintenance"),
        "the custom error page: {body}"
    );
    // The origin serves the app again; CloudFront keeps the error for 300 s.
    docs.set(forward_to_docs_app()).await;
    advance(&sim, 120.0);
    let (status, head, body) = curl(&sim, "https://docs.example.com/").unwrap();
    assert_eq!(status, 503, "{head}");
    assert!(head.contains("age: 120"), "{head}");
    assert!(body.contains("Down for maintenance"), "{body}");
    advance(&sim, 181.0);
    let (status, _, body) = curl(&sim, "https://docs.example.com/").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("Product documentation"), "{body}");
}

/// The fail-open threshold (`target_group_health.unhealthy_state_routing.minimum_healthy_targets`,
/// ELB user guide "Target group health"): below it, the load balancer routes to every target,
/// unhealthy ones too. alb-cloudfront's shop-app-1 answers 500 and turns unhealthy: curl gets the
/// app from shop-app-2 while one healthy target is enough, and shop-app-1's 500 once the
/// threshold asks for two.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_gets_unhealthy_targets_below_the_fail_open_threshold() {
    let sim = sim("alb-cloudfront");
    let sim = sim.await;
    let Some((status, _, _)) = curl(&sim, "https://www.example.com/") else {
        return;
    };
    assert_eq!(status, 200);
    sim.control(Control::SetBehaviour {
        target: "i-0a1b2c3d4e5f60001".into(),
        behaviour: switchyard_sim::world::ec2::Behaviour::parse("http:500").unwrap(),
    })
    .unwrap();
    for _ in 0..3 {
        advance(&sim, 30.0);
    }
    let elb = elbv2(&sim).await;
    let tg = elb
        .describe_target_groups()
        .names("shop-app")
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string();
    let states: Vec<String> = elb
        .describe_target_health()
        .target_group_arn(&tg)
        .send()
        .await
        .unwrap()
        .target_health_descriptions()
        .iter()
        .map(|d| {
            d.target_health()
                .and_then(|h| h.state())
                .map(|s| s.as_str().to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(states, ["unhealthy", "healthy"]);
    for _ in 0..3 {
        let (status, head, _) = curl(&sim, "https://www.example.com/").unwrap();
        assert_eq!(status, 200, "only the healthy target serves: {head}");
    }
    elb.modify_target_group_attributes()
        .target_group_arn(&tg)
        .attributes(
            aws_sdk_elasticloadbalancingv2::types::TargetGroupAttribute::builder()
                .key("target_group_health.unhealthy_state_routing.minimum_healthy_targets.count")
                .value("2")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (status, head, _) = curl(&sim, "https://www.example.com/").unwrap();
    assert_eq!(
        status, 500,
        "failed open: the unhealthy target serves too: {head}"
    );
}

/// CloudFront caches an error per code: a code with a custom error response for its
/// ErrorCachingMinTTL, any other error code for 10 s (AWS-FACTS.md, CloudFront; CloudFront
/// developer guide, "Control how long CloudFront caches errors"). cloudfront-front's distribution
/// has a custom response for 503 only (300 s): a 500 from the ALB is kept 10 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_gets_an_error_without_a_custom_response_cached_for_ten_seconds() {
    let sim = sim("cloudfront-front").await;
    let Some((status, _, _)) = curl(&sim, "https://docs.example.com/") else {
        return;
    };
    assert_eq!(status, 200);
    let docs = DocsListener::new(&sim).await;
    docs.set(fixed_response("500", "broken")).await;
    let (status, head, body) = curl(&sim, "https://docs.example.com/").unwrap();
    assert_eq!(status, 500, "{head}");
    assert!(body.contains("broken"), "no custom page for a 500: {body}");
    docs.set(forward_to_docs_app()).await;
    advance(&sim, 8.0);
    let (status, head, _) = curl(&sim, "https://docs.example.com/").unwrap();
    assert_eq!(status, 500, "still cached: {head}");
    assert!(head.contains("age: 8"), "{head}");
    advance(&sim, 3.0);
    let (status, head, body) = curl(&sim, "https://docs.example.com/").unwrap();
    assert_eq!(status, 200, "{head}");
    assert!(body.contains("Product documentation"), "{body}");
}
