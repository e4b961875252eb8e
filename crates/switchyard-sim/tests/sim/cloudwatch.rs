//! CloudWatch through aws-sdk-cloudwatch, which speaks RPCv2-CBOR.

use aws_sdk_cloudwatch::error::ProvideErrorMetadata;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, Metric, MetricDataQuery, MetricDatum, MetricStat, StateValue,
    Statistic,
};
use switchyard_sim::Control;

use crate::common::{T0_MS, advance, cloudwatch, sim};

fn dim(name: &str, value: &str) -> Dimension {
    Dimension::builder().name(name).value(value).build()
}

#[tokio::test]
async fn describe_alarms_with_filters_and_paging() {
    let sim = sim("demo").await;
    let cw = cloudwatch(&sim, "eu-west-1").await;
    let all = cw.describe_alarms().send().await.unwrap();
    assert_eq!(all.metric_alarms().len(), 6);
    let a = &all.metric_alarms()[0];
    assert_eq!(a.state_value(), Some(&StateValue::Ok));
    assert!(
        a.state_reason().unwrap().starts_with("Threshold Crossed:"),
        "{:?}",
        a.state_reason()
    );
    assert_eq!(a.threshold(), Some(1.0));
    assert_eq!(
        a.comparison_operator(),
        Some(&ComparisonOperator::GreaterThanOrEqualToThreshold)
    );
    let by_prefix = cw
        .describe_alarms()
        .alarm_name_prefix("shop-")
        .send()
        .await
        .unwrap();
    assert_eq!(by_prefix.metric_alarms().len(), 2);
    let by_name = cw
        .describe_alarms()
        .alarm_names("api-1-StatusCheckFailed")
        .send()
        .await
        .unwrap();
    assert_eq!(by_name.metric_alarms().len(), 1);
    let by_action = cw
        .describe_alarms()
        .action_prefix("arn:aws:sns:eu-west-1:123456789012:oncall")
        .send()
        .await
        .unwrap();
    assert_eq!(by_action.metric_alarms().len(), 3);
    let in_alarm = cw
        .describe_alarms()
        .state_value(StateValue::Alarm)
        .send()
        .await
        .unwrap();
    assert!(in_alarm.metric_alarms().is_empty());
    // Paging with MaxRecords and NextToken.
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = cw
            .describe_alarms()
            .max_records(4)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        names.extend(
            page.metric_alarms()
                .iter()
                .map(|a| a.alarm_name().unwrap().to_string()),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(names.len(), 6);
    let err = cw
        .describe_alarms()
        .max_records(101)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("InvalidParameterValue"));
    // Alarms live in their region.
    let elsewhere = cloudwatch(&sim, "us-west-2")
        .await
        .describe_alarms()
        .send()
        .await
        .unwrap();
    assert!(elsewhere.metric_alarms().is_empty());
}

#[tokio::test]
async fn alarms_for_a_metric() {
    let sim = sim("demo").await;
    let cw = cloudwatch(&sim, "eu-west-1").await;
    let out = cw
        .describe_alarms_for_metric()
        .namespace("AWS/EC2")
        .metric_name("StatusCheckFailed")
        .dimensions(dim("InstanceId", "i-0c0ffee0000000001"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.metric_alarms().len(), 1);
    assert_eq!(
        out.metric_alarms()[0].alarm_name(),
        Some("api-1-StatusCheckFailed")
    );
}

#[tokio::test]
async fn metric_data_for_instances_and_route53_checks() {
    let sim = sim("demo").await;
    let cw = cloudwatch(&sim, "eu-west-1").await;
    let query = |id: &str, ns: &str, name: &str, d: Dimension| {
        MetricDataQuery::builder()
            .id(id)
            .metric_stat(
                MetricStat::builder()
                    .metric(
                        Metric::builder()
                            .namespace(ns)
                            .metric_name(name)
                            .dimensions(d)
                            .build(),
                    )
                    .period(60)
                    .stat("Maximum")
                    .build(),
            )
            .build()
    };
    let start = DateTime::from_millis(T0_MS - 10 * 60_000);
    let end = DateTime::from_millis(T0_MS);
    let out = cw
        .get_metric_data()
        .metric_data_queries(query(
            "scf",
            "AWS/EC2",
            "StatusCheckFailed",
            dim("InstanceId", "i-0a1b2c3d4e5f60001"),
        ))
        .start_time(start)
        .end_time(end)
        .send()
        .await
        .unwrap();
    let r = &out.metric_data_results()[0];
    assert_eq!(r.id(), Some("scf"));
    assert_eq!(r.values().len(), 10, "one datapoint a minute");
    assert!(r.values().iter().all(|v| *v == 0.0));
    assert!(
        r.timestamps()[0].secs() > r.timestamps()[1].secs(),
        "newest first"
    );
    // AWS/Route53 metrics exist only in us-east-1.
    let hc = dim("HealthCheckId", "0b6f2e4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b");
    let here = cw
        .get_metric_data()
        .metric_data_queries(query("hc", "AWS/Route53", "HealthCheckStatus", hc.clone()))
        .start_time(start)
        .end_time(end)
        .send()
        .await
        .unwrap();
    assert!(here.metric_data_results()[0].values().is_empty());
    let virginia = cloudwatch(&sim, "us-east-1").await;
    let there = virginia
        .get_metric_data()
        .metric_data_queries(query("hc", "AWS/Route53", "HealthCheckStatus", hc.clone()))
        .metric_data_queries(query(
            "pct",
            "AWS/Route53",
            "HealthCheckPercentageHealthy",
            hc,
        ))
        .start_time(start)
        .end_time(end)
        .send()
        .await
        .unwrap();
    assert!(
        there.metric_data_results()[0]
            .values()
            .iter()
            .all(|v| *v == 1.0)
    );
    assert!(
        there.metric_data_results()[1]
            .values()
            .iter()
            .all(|v| *v == 100.0)
    );
    // Up to 500 queries a call.
    let many: Vec<MetricDataQuery> = (0..501)
        .map(|i| {
            query(
                &format!("q{i}"),
                "AWS/EC2",
                "StatusCheckFailed",
                dim("InstanceId", "i-x"),
            )
        })
        .collect();
    let err = cw
        .get_metric_data()
        .set_metric_data_queries(Some(many))
        .start_time(start)
        .end_time(end)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.into_service_error().code(),
        Some("InvalidParameterValue")
    );
}

#[tokio::test]
async fn a_new_alarm_starts_insufficient_then_follows_its_metric() {
    let sim = sim("demo").await;
    let cw = cloudwatch(&sim, "eu-west-1").await;
    cw.put_metric_alarm()
        .alarm_name("queue-depth")
        .namespace("Shop/Orders")
        .metric_name("QueueDepth")
        .statistic(Statistic::Average)
        .period(60)
        .evaluation_periods(1)
        .threshold(100.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap();
    let state = |cw: aws_sdk_cloudwatch::Client| async move {
        let out = cw
            .describe_alarms()
            .alarm_names("queue-depth")
            .send()
            .await
            .unwrap();
        (
            out.metric_alarms()[0].state_value().unwrap().clone(),
            out.metric_alarms()[0].state_reason().unwrap().to_string(),
        )
    };
    assert_eq!(
        state(cw.clone()).await,
        (
            StateValue::InsufficientData,
            "Unchecked: Initial alarm creation".to_string()
        )
    );
    let now = sim.with_world(|w| w.now);
    cw.put_metric_data()
        .namespace("Shop/Orders")
        .metric_data(
            MetricDatum::builder()
                .metric_name("QueueDepth")
                .value(250.0)
                .timestamp(DateTime::from_millis(now))
                .build(),
        )
        .send()
        .await
        .unwrap();
    advance(&sim, 61.0);
    let (s, reason) = state(cw.clone()).await;
    assert_eq!(s, StateValue::Alarm, "{reason}");
    assert!(reason.contains("[250.0 ("), "{reason}");
    // With one evaluation period and no data in the next ones, AWS keeps evaluating the last
    // datapoint while it is in the evaluation range (its note on metrics that stop flowing)...
    advance(&sim, 60.0);
    assert_eq!(state(cw.clone()).await.0, StateValue::Alarm);
    // ... and then has nothing to go on.
    advance(&sim, 120.0);
    assert_eq!(state(cw.clone()).await.0, StateValue::InsufficientData);
    // Alarms on AWS/ namespaces cannot be fed by hand.
    let err = cw
        .put_metric_data()
        .namespace("AWS/EC2")
        .metric_data(MetricDatum::builder().metric_name("x").value(1.0).build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.into_service_error().code(),
        Some("InvalidParameterValue")
    );
}

#[tokio::test]
async fn set_alarm_state_and_toggle_actions() {
    let sim = sim("demo").await;
    let cw = cloudwatch(&sim, "eu-west-1").await;
    cw.set_alarm_state()
        .alarm_name("shop-app-1-StatusCheckFailed")
        .state_value(StateValue::Alarm)
        .state_reason("testing the pager")
        .send()
        .await
        .unwrap();
    let a = cw
        .describe_alarms()
        .alarm_names("shop-app-1-StatusCheckFailed")
        .send()
        .await
        .unwrap();
    assert_eq!(a.metric_alarms()[0].state_value(), Some(&StateValue::Alarm));
    assert_eq!(
        a.metric_alarms()[0].state_reason(),
        Some("testing the pager")
    );
    // The next evaluation puts it back from the metric, as in AWS.
    advance(&sim, 61.0);
    let a = cw
        .describe_alarms()
        .alarm_names("shop-app-1-StatusCheckFailed")
        .send()
        .await
        .unwrap();
    assert_eq!(a.metric_alarms()[0].state_value(), Some(&StateValue::Ok));
    cw.disable_alarm_actions()
        .alarm_names("shop-app-1-StatusCheckFailed")
        .alarm_names("shop-app-2-StatusCheckFailed")
        .send()
        .await
        .unwrap();
    let a = cw
        .describe_alarms()
        .alarm_name_prefix("shop-")
        .send()
        .await
        .unwrap();
    assert!(
        a.metric_alarms()
            .iter()
            .all(|a| a.actions_enabled() == Some(false))
    );
    cw.enable_alarm_actions()
        .alarm_names("shop-app-1-StatusCheckFailed")
        .send()
        .await
        .unwrap();
    let a = cw
        .describe_alarms()
        .alarm_names("shop-app-1-StatusCheckFailed")
        .send()
        .await
        .unwrap();
    assert_eq!(a.metric_alarms()[0].actions_enabled(), Some(true));
    let err = cw
        .set_alarm_state()
        .alarm_name("nope")
        .state_value(StateValue::Ok)
        .state_reason("x")
        .send()
        .await
        .unwrap_err();
    let err = err.into_service_error();
    assert!(err.is_resource_not_found(), "{err:?}");
    sim.control(Control::ResetCalls).unwrap();
}

/// A new health check (`no_metric_secs`): Route 53 has published no HealthCheckStatus
/// datapoint for it yet, and publishes one a minute once the time is up.
#[tokio::test]
async fn a_new_health_check_has_no_metric_datapoint_at_first() {
    let sim = sim("infer-new-checks").await;
    let virginia = cloudwatch(&sim, "us-east-1").await;
    let status = |from: i64, to: i64| {
        let virginia = virginia.clone();
        async move {
            virginia
                .get_metric_data()
                .metric_data_queries(
                    MetricDataQuery::builder()
                        .id("hc")
                        .metric_stat(
                            MetricStat::builder()
                                .metric(
                                    Metric::builder()
                                        .namespace("AWS/Route53")
                                        .metric_name("HealthCheckStatus")
                                        .dimensions(dim(
                                            "HealthCheckId",
                                            "5e0c0001-0000-4000-8000-0000000e0001",
                                        ))
                                        .build(),
                                )
                                .period(60)
                                .stat("Minimum")
                                .build(),
                        )
                        .build(),
                )
                .start_time(DateTime::from_millis(from))
                .end_time(DateTime::from_millis(to))
                .send()
                .await
                .unwrap()
                .metric_data_results()[0]
                .values()
                .to_vec()
        }
    };
    assert!(
        status(T0_MS - 15 * 60_000, T0_MS).await.is_empty(),
        "no datapoint before the check existed"
    );
    advance(&sim, 960.0);
    let now = T0_MS + 960_000;
    let values = status(now - 5 * 60_000, now).await;
    assert!(!values.is_empty(), "a datapoint once Route 53 publishes");
    assert!(values.iter().all(|v| *v == 1.0), "{values:?}");
}
