//! The control API, fault injection, throttling, the call counter, and STS.

use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_route53::error::ProvideErrorMetadata;
use switchyard_sim::{Control, FaultKind, FaultSpec};

use crate::common::{T0_MS, http, sdk, sim};

const CHECK: &str = "0b6f2e4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b";

fn fault(service: &str, operation: Option<&str>, kind: FaultKind, times: Option<u32>) -> Control {
    Control::Fault(FaultSpec {
        service: Some(service.into()),
        operation: operation.map(str::to_string),
        kind,
        times,
        body_contains: None,
    })
}

fn error(code: &str) -> FaultKind {
    FaultKind::Error {
        code: code.into(),
        message: None,
        status: None,
    }
}

/// A Route 53 client that does not retry, so that every fault is seen.
async fn r53_no_retry(sim: &switchyard_sim::SimHandle) -> aws_sdk_route53::Client {
    let conf = aws_sdk_route53::config::Builder::from(&sdk(sim, "us-east-1").await)
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(Duration::from_millis(1500))
                .build(),
        )
        .build();
    aws_sdk_route53::Client::from_conf(conf)
}

#[tokio::test]
async fn sts_says_who_the_caller_is() {
    let sim = sim("alb-cloudfront").await;
    let sts = aws_sdk_sts::Client::new(&sdk(&sim, "eu-west-1").await);
    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("123456789012"));
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::123456789012:assumed-role/OpsAdmin/night-shift")
    );
}

#[tokio::test]
async fn injected_errors_have_aws_codes_and_wear_off() {
    let sim = sim("alb-cloudfront").await;
    let r53 = r53_no_retry(&sim).await;
    sim.control(fault(
        "route53",
        Some("GetHealthCheckStatus"),
        error("AccessDenied"),
        Some(1),
    ))
    .unwrap();
    let err = r53
        .get_health_check_status()
        .health_check_id(CHECK)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert!(
        err.message()
            .unwrap()
            .contains("is not authorized to perform: route53:GetHealthCheckStatus"),
        "{err:?}"
    );
    r53.get_health_check_status()
        .health_check_id(CHECK)
        .send()
        .await
        .unwrap();
    for code in ["ExpiredToken", "InternalFailure", "Throttling"] {
        sim.control(fault("route53", None, error(code), Some(1)))
            .unwrap();
        let err = r53
            .list_health_checks()
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert_eq!(err.code(), Some(code));
    }
    // Until cleared.
    sim.control(fault("sts", None, error("ExpiredToken"), None))
        .unwrap();
    let sts = aws_sdk_sts::Client::new(&sdk(&sim, "eu-west-1").await);
    for _ in 0..2 {
        let err = sts
            .get_caller_identity()
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert_eq!(err.code(), Some("ExpiredToken"));
    }
    sim.control(Control::ClearFaults {
        service: Some("sts".into()),
        operation: None,
    })
    .unwrap();
    sts.get_caller_identity().send().await.unwrap();
    let calls = sim.calls();
    assert_eq!(
        calls
            .errors
            .get("route53:GetHealthCheckStatus:AccessDenied"),
        Some(&1)
    );
}

#[tokio::test]
async fn dropped_connections_timeouts_and_latency() {
    let sim = sim("alb-cloudfront").await;
    let r53 = r53_no_retry(&sim).await;
    sim.control(fault(
        "route53",
        Some("ListHealthChecks"),
        FaultKind::Drop,
        Some(1),
    ))
    .unwrap();
    let err = r53.list_health_checks().send().await.unwrap_err();
    assert!(
        matches!(
            err,
            aws_sdk_route53::error::SdkError::DispatchFailure(_)
                | aws_sdk_route53::error::SdkError::ResponseError(_)
        ),
        "{err:?}"
    );
    sim.control(fault(
        "route53",
        Some("ListHealthChecks"),
        FaultKind::Timeout,
        Some(1),
    ))
    .unwrap();
    let err = r53.list_health_checks().send().await.unwrap_err();
    assert!(
        matches!(err, aws_sdk_route53::error::SdkError::TimeoutError(_)),
        "{err:?}"
    );
    sim.control(fault(
        "route53",
        Some("ListHealthChecks"),
        FaultKind::Latency { millis: 300 },
        Some(1),
    ))
    .unwrap();
    let started = Instant::now();
    r53.list_health_checks().send().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
}

/// A lost answer: the change is made, the client gets no answer (and, retrying, would find it
/// made).
#[tokio::test]
async fn a_lost_answer_carries_the_request_out() {
    let sim = sim("alb-cloudfront").await;
    let r53 = r53_no_retry(&sim).await;
    sim.control(fault(
        "route53",
        Some("ChangeTagsForResource"),
        FaultKind::LoseAnswer,
        Some(1),
    ))
    .unwrap();
    let tag = aws_sdk_route53::types::Tag::builder()
        .key("lost")
        .value("answer")
        .build();
    let err = r53
        .change_tags_for_resource()
        .resource_type(aws_sdk_route53::types::TagResourceType::Healthcheck)
        .resource_id(CHECK)
        .add_tags(tag)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            aws_sdk_route53::error::SdkError::DispatchFailure(_)
                | aws_sdk_route53::error::SdkError::ResponseError(_)
        ),
        "{err:?}"
    );
    let tags = r53
        .list_tags_for_resource()
        .resource_type(aws_sdk_route53::types::TagResourceType::Healthcheck)
        .resource_id(CHECK)
        .send()
        .await
        .unwrap();
    let tags = tags.resource_tag_set().unwrap().tags();
    assert!(
        tags.iter()
            .any(|t| t.key() == Some("lost") && t.value() == Some("answer")),
        "{tags:?}"
    );
}

/// A hold keeps the request unanswered until it is cleared, then the request is answered as
/// usual: the call is counted at once, its effect only once released.
#[tokio::test]
async fn a_hold_answers_once_cleared() {
    let sim = sim("alb-cloudfront").await;
    let r53 = r53_no_retry(&sim).await;
    let refused = sim.control(fault(
        "route53",
        Some("UpdateHealthCheck"),
        FaultKind::Hold,
        Some(1),
    ));
    assert!(refused.is_err(), "{refused:?}");
    sim.control(fault(
        "route53",
        Some("UpdateHealthCheck"),
        FaultKind::Hold,
        None,
    ))
    .unwrap();
    let call = tokio::spawn({
        let r53 = r53.clone();
        async move {
            r53.update_health_check()
                .health_check_id(CHECK)
                .inverted(true)
                .send()
                .await
        }
    });
    let t0 = Instant::now();
    while sim.calls().get("route53", "UpdateHealthCheck") == 0 {
        assert!(t0.elapsed() < Duration::from_secs(30), "never called");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Received, not applied, not answered; other calls go on.
    let inverted = |sim: &switchyard_sim::SimHandle| {
        sim.with_world(|w| {
            w.r53
                .health_checks
                .iter()
                .find(|h| h.id == CHECK)
                .map(|h| h.cfg.inverted)
        })
    };
    assert_eq!(inverted(&sim), Some(false));
    r53.get_health_check()
        .health_check_id(CHECK)
        .send()
        .await
        .unwrap();
    assert!(!call.is_finished());
    sim.control(Control::ClearFaults {
        service: Some("route53".into()),
        operation: Some("UpdateHealthCheck".into()),
    })
    .unwrap();
    call.await.unwrap().unwrap();
    assert_eq!(inverted(&sim), Some(true));
}

#[tokio::test]
async fn route53_throttles_at_documented_rates() {
    let sim = sim("alb-cloudfront").await;
    let r53 = r53_no_retry(&sim).await;
    sim.control(Control::Throttling { enabled: true }).unwrap();
    let mut throttled = 0;
    for _ in 0..10 {
        if let Err(e) = r53
            .get_health_check_status()
            .health_check_id(CHECK)
            .send()
            .await
        {
            let e = e.into_service_error();
            assert_eq!(
                (e.code(), e.message()),
                (Some("Throttling"), Some("Rate exceeded"))
            );
            throttled += 1;
        }
    }
    // A burst of 4 and 1 a second: at least 5 of 10 back-to-back calls are refused.
    assert!((5..=6).contains(&throttled), "{throttled} of 10 throttled");
    sim.control(Control::Throttling { enabled: false }).unwrap();
    r53.get_health_check_status()
        .health_check_id(CHECK)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn the_call_counter_counts_per_operation() {
    let sim = sim("alb-cloudfront").await;
    let r53 = r53_no_retry(&sim).await;
    sim.control(Control::ResetCalls).unwrap();
    r53.list_health_checks().send().await.unwrap();
    r53.list_health_checks().send().await.unwrap();
    r53.get_hosted_zone()
        .id("Z0EXAMPLE00SHOP")
        .send()
        .await
        .unwrap();
    let calls = sim.calls();
    assert_eq!(calls.get("route53", "ListHealthChecks"), 2);
    assert_eq!(calls.get("route53", "GetHostedZone"), 1);
    assert_eq!(calls.total(), 3);
    assert_eq!(calls.mutating(), 0);
    let (status, body) = http(&sim, "GET", "/_sim/calls", "").await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["calls"]["route53:ListHealthChecks"], 2);
}

#[tokio::test]
async fn the_http_control_api_moves_the_world() {
    let sim = sim("alb-cloudfront").await;
    let (status, body) = http(
        &sim,
        "POST",
        "/_sim/control",
        r#"{"action":"stop_instance","instance":"i-0a1b2c3d4e5f60001"}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = http(
        &sim,
        "POST",
        "/_sim/control",
        r#"{"action":"advance_clock","seconds":60}"#,
    )
    .await;
    assert!(body.contains("2026-11-22T02:01:00.000Z"), "{body}");
    let (_, state) = http(&sim, "GET", "/_sim/state", "").await;
    let state: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert_eq!(state["instances"][0]["state"], "stopped");
    assert_eq!(state["paused"], true);
    let (status, body) = http(
        &sim,
        "POST",
        "/_sim/control",
        r#"{"action":"stop_instance","instance":"i-nope"}"#,
    )
    .await;
    assert_eq!(
        (status, body.contains("no instance i-nope")),
        (400, true),
        "{body}"
    );
    let (status, body) = http(&sim, "POST", "/_sim/control", r#"{"action":"explode"}"#).await;
    assert_eq!(status, 400);
    assert!(body.contains("unknown variant"), "{body}");
    let (status, _) = http(
        &sim,
        "POST",
        "/_sim/control",
        r#"{"action":"fault","service":"elbv2","fault":"error","code":"Throttling","times":2}"#,
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = http(
        &sim,
        "POST",
        "/_sim/control",
        r#"{"action":"fault","service":"s3","fault":"drop"}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("unknown service"), "{body}");
    let (status, _) = http(&sim, "GET", "/_sim/nothing", "").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_clock_pauses_advances_and_runs_fast() {
    let sim = sim("alb-cloudfront").await;
    let t0 = sim.with_world(|w| w.now);
    assert_eq!(t0, T0_MS);
    sim.control(Control::AdvanceClock { seconds: 30.0 })
        .unwrap();
    assert_eq!(sim.with_world(|w| w.now), T0_MS + 30_000);
    sim.control(Control::SetSpeed { speed: 1000.0 }).unwrap();
    sim.control(Control::ResumeClock).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        sim.with_world(|w| w.now) >= T0_MS + 30_000 + 50_000,
        "1000x speed moves 50 s in 50 ms"
    );
    sim.control(Control::PauseClock).unwrap();
    let paused = sim.with_world(|w| w.now);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(sim.with_world(|w| w.now), paused);
    assert!(
        sim.control(Control::AdvanceClock { seconds: -1.0 })
            .is_err()
    );
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let sim = sim("alb-cloudfront").await;
    let port = sim.port();
    sim.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_emulator_answers_dns_for_its_names() {
    let sim = sim("alb-cloudfront").await;
    let (alb, alb_ips) =
        sim.with_world(|w| (w.elb.lbs[0].dns_name.clone(), w.elb.lbs[0].ips.clone()));
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut q = vec![0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in alb.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    sock.send_to(&q, sim.dns_server()).await.unwrap();
    let mut buf = [0u8; 512];
    let (n, _) = tokio::time::timeout(Duration::from_secs(5), sock.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let reply = &buf[..n];
    assert_eq!(
        u16::from_be_bytes([reply[6], reply[7]]) as usize,
        alb_ips.len()
    );
    let last: Vec<String> = reply[n - 4..].iter().map(|b| b.to_string()).collect();
    assert_eq!(last.join("."), alb_ips[alb_ips.len() - 1]);
}
