//! CloudWatch: alarms, metric series, and the AWS/Route53 health check metrics.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricAlarm, MetricDataQuery, MetricStat};
use time::OffsetDateTime;

use super::error::err;
use super::time::{odt, sdk_time};
use crate::model::cloudwatch::{Alarm, AlarmState, AlarmStateChange, MetricSeries};
use crate::model::error::AwsError;

/// GetMetricData takes at most this many queries a call.
pub const QUERIES_PER_CALL: usize = 500;

fn alarm_from_sdk(a: &MetricAlarm, region: &str) -> Alarm {
    Alarm {
        name: a.alarm_name().unwrap_or_default().to_string(),
        region: region.to_string(),
        arn: a.alarm_arn().unwrap_or_default().to_string(),
        state: a
            .state_value()
            .and_then(|s| AlarmState::from_aws(s.as_str()))
            .unwrap_or(AlarmState::InsufficientData),
        reason: a.state_reason().unwrap_or_default().to_string(),
        state_updated: a.state_updated_timestamp().and_then(odt),
        actions_enabled: a.actions_enabled().unwrap_or(true),
        namespace: a.namespace().map(str::to_string),
        metric: a.metric_name().map(str::to_string),
        dimensions: a
            .dimensions()
            .iter()
            .map(|d| {
                (
                    d.name().unwrap_or_default().to_string(),
                    d.value().unwrap_or_default().to_string(),
                )
            })
            .collect(),
        statistic: a
            .statistic()
            .map(|s| s.as_str().to_string())
            .or_else(|| a.extended_statistic().map(str::to_string)),
        period: Duration::from_secs(a.period().and_then(|p| u64::try_from(p).ok()).unwrap_or(60)),
        evaluation_periods: a
            .evaluation_periods()
            .and_then(|e| u32::try_from(e).ok())
            .unwrap_or(1),
        datapoints_to_alarm: a.datapoints_to_alarm().and_then(|d| u32::try_from(d).ok()),
        threshold: a.threshold(),
        comparison: a
            .comparison_operator()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        treat_missing_data: a.treat_missing_data().map(str::to_string),
    }
}

/// Every metric alarm of the client's region (100 a page).
pub async fn alarms(c: &Client) -> Result<Vec<Alarm>, AwsError> {
    let region = c
        .config()
        .region()
        .map(|r| r.to_string())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = c
            .describe_alarms()
            .max_records(100)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(err("cloudwatch", "DescribeAlarms"))?;
        out.extend(
            page.metric_alarms()
                .iter()
                .map(|a| alarm_from_sdk(a, &region)),
        );
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(out),
        }
    }
}

/// Named alarms of the client's region (up to 100 names a call).
pub async fn alarms_named(c: &Client, names: &[String]) -> Result<Vec<Alarm>, AwsError> {
    let region = c
        .config()
        .region()
        .map(|r| r.to_string())
        .unwrap_or_default();
    let mut out = Vec::new();
    for chunk in names.chunks(100) {
        let page = c
            .describe_alarms()
            .set_alarm_names(Some(chunk.to_vec()))
            .max_records(100)
            .send()
            .await
            .map_err(err("cloudwatch", "DescribeAlarms"))?;
        out.extend(
            page.metric_alarms()
                .iter()
                .map(|a| alarm_from_sdk(a, &region)),
        );
    }
    Ok(out)
}

/// The last `max` state changes of the named alarm of the client's region, newest first
/// (DescribeAlarmHistory, `StateUpdate` items: CloudWatch keeps two weeks of them).
pub async fn alarm_history(
    c: &Client,
    name: &str,
    max: i32,
) -> Result<Vec<AlarmStateChange>, AwsError> {
    let out = c
        .describe_alarm_history()
        .alarm_name(name)
        .history_item_type(aws_sdk_cloudwatch::types::HistoryItemType::StateUpdate)
        .scan_by(aws_sdk_cloudwatch::types::ScanBy::TimestampDescending)
        .max_records(max)
        .send()
        .await
        .map_err(err("cloudwatch", "DescribeAlarmHistory"))?;
    Ok(out
        .alarm_history_items()
        .iter()
        .filter_map(|h| {
            let at = h.timestamp().and_then(odt)?;
            Some(state_change(at, h.history_summary(), h.history_data()))
        })
        .collect())
}

/// A `StateUpdate` item: its `HistoryData` is JSON with `oldState` and `newState`, each with
/// `stateValue` and `stateReason`.
fn state_change(at: OffsetDateTime, summary: Option<&str>, data: Option<&str>) -> AlarmStateChange {
    let data: serde_json::Value = data
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default();
    let state = |which: &str| {
        data[which]["stateValue"]
            .as_str()
            .and_then(AlarmState::from_aws)
    };
    AlarmStateChange {
        at,
        from: state("oldState"),
        to: state("newState"),
        reason: data["newState"]["stateReason"]
            .as_str()
            .or(summary)
            .unwrap_or_default()
            .to_string(),
    }
}

/// One metric to fetch: namespace, name, dimensions, statistic and period.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetricQuery {
    pub namespace: String,
    pub metric: String,
    pub dimensions: Vec<(String, String)>,
    pub stat: String,
    pub period_secs: i32,
}

/// Fetches many metrics over `[from, to)`, up to 500 per call, oldest point first.
pub async fn metric_series(
    c: &Client,
    queries: &[MetricQuery],
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<Vec<MetricSeries>, AwsError> {
    let mut out = Vec::with_capacity(queries.len());
    for chunk in queries.chunks(QUERIES_PER_CALL) {
        let sdk_queries: Vec<MetricDataQuery> = chunk
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let metric = Metric::builder()
                    .namespace(&q.namespace)
                    .metric_name(&q.metric)
                    .set_dimensions(Some(
                        q.dimensions
                            .iter()
                            .map(|(k, v)| Dimension::builder().name(k).value(v).build())
                            .collect(),
                    ))
                    .build();
                MetricDataQuery::builder()
                    .id(format!("m{i}"))
                    .label(&q.metric)
                    .metric_stat(
                        MetricStat::builder()
                            .metric(metric)
                            .period(q.period_secs)
                            .stat(&q.stat)
                            .build(),
                    )
                    .build()
            })
            .collect();
        let mut series: BTreeMap<usize, MetricSeries> = (0..chunk.len())
            .map(|i| {
                (
                    i,
                    MetricSeries {
                        label: chunk[i].metric.clone(),
                        points: Vec::new(),
                    },
                )
            })
            .collect();
        let mut token: Option<String> = None;
        loop {
            let page = c
                .get_metric_data()
                .set_metric_data_queries(Some(sdk_queries.clone()))
                .start_time(sdk_time(from))
                .end_time(sdk_time(to))
                .set_next_token(token.take())
                .send()
                .await
                .map_err(err("cloudwatch", "GetMetricData"))?;
            for r in page.metric_data_results() {
                let Some(i) = r
                    .id()
                    .and_then(|id| id.strip_prefix('m'))
                    .and_then(|n| n.parse::<usize>().ok())
                else {
                    continue;
                };
                if let Some(s) = series.get_mut(&i) {
                    s.points.extend(
                        r.timestamps()
                            .iter()
                            .filter_map(odt)
                            .zip(r.values().iter().copied()),
                    );
                }
            }
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        for (_, mut s) in series {
            s.points.sort_by_key(|(t, _)| *t);
            s.points.dedup_by_key(|(t, _)| *t);
            out.push(s);
        }
    }
    Ok(out)
}

/// The queries for a health check's `HealthCheckStatus` and `HealthCheckPercentageHealthy`
/// (published in us-east-1 only).
pub fn health_check_queries(id: &str) -> [MetricQuery; 2] {
    let dims = vec![("HealthCheckId".to_string(), id.to_string())];
    [
        MetricQuery {
            namespace: "AWS/Route53".into(),
            metric: "HealthCheckStatus".into(),
            dimensions: dims.clone(),
            stat: "Minimum".into(),
            period_secs: 60,
        },
        MetricQuery {
            namespace: "AWS/Route53".into(),
            metric: "HealthCheckPercentageHealthy".into(),
            dimensions: dims,
            stat: "Average".into(),
            period_secs: 60,
        },
    ]
}

/// The queries of a target group's `HealthyHostCount` and `UnHealthyHostCount` behind one load
/// balancer (1-minute Maximum): the bulk source of the targets' health (ELB user guide,
/// "CloudWatch metrics for your Application Load Balancer" / "... Network Load Balancer"),
/// 250 target groups a GetMetricData call instead of a DescribeTargetHealth each. The
/// dimensions are the ARNs' final parts: `TargetGroup` = `targetgroup/name/id`, `LoadBalancer` =
/// `app/name/id` (or `net/...`, whose metrics are in `AWS/NetworkELB`). `None` for an ARN
/// without those parts. A lagging source: a count is as old as its datapoint, and says nothing
/// of why a target is unhealthy (no reason codes).
pub fn host_count_queries(tg_arn: &str, lb_arn: &str) -> Option<[MetricQuery; 2]> {
    let tg = &tg_arn[tg_arn.find(":targetgroup/")? + 1..];
    let lb = &lb_arn[lb_arn.find(":loadbalancer/")? + ":loadbalancer/".len()..];
    let namespace = if lb.starts_with("net/") {
        "AWS/NetworkELB"
    } else if lb.starts_with("app/") {
        "AWS/ApplicationELB"
    } else {
        return None;
    };
    let dims = vec![
        ("TargetGroup".to_string(), tg.to_string()),
        ("LoadBalancer".to_string(), lb.to_string()),
    ];
    let query = |metric: &str| MetricQuery {
        namespace: namespace.into(),
        metric: metric.into(),
        dimensions: dims.clone(),
        stat: "Maximum".into(),
        period_secs: 60,
    };
    Some([query("HealthyHostCount"), query("UnHealthyHostCount")])
}

/// The query of an instance's `AWS/EC2 StatusCheckFailed`.
pub fn status_check_query(instance_id: &str) -> MetricQuery {
    MetricQuery {
        namespace: "AWS/EC2".into(),
        metric: "StatusCheckFailed".into(),
        dimensions: vec![("InstanceId".to_string(), instance_id.to_string())],
        stat: "Maximum".into(),
        period_secs: 60,
    }
}

/// Turns alarm actions off (silence) or back on.
pub async fn set_alarm_actions(
    c: &Client,
    names: &[String],
    enabled: bool,
) -> Result<(), AwsError> {
    for chunk in names.chunks(100) {
        if enabled {
            c.enable_alarm_actions()
                .set_alarm_names(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(err("cloudwatch", "EnableAlarmActions"))?;
        } else {
            c.disable_alarm_actions()
                .set_alarm_names(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(err("cloudwatch", "DisableAlarmActions"))?;
        }
    }
    Ok(())
}

/// A CloudWatch client like `c`, for another region (an alarm may live anywhere).
pub fn client_in(c: &Client, region: &str) -> Client {
    let conf = c
        .config()
        .to_builder()
        .region(aws_config::Region::new(region.to_string()))
        .build();
    Client::from_conf(conf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_counts_are_queried_by_the_arns_final_parts_in_the_balancers_namespace() {
        let tg = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-app/0123456789abcdef";
        let alb = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shop-alb/50dc6c495c0c9188";
        let nlb = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/shop-nlb/50dc6c495c0c9188";
        let [healthy, unhealthy] = host_count_queries(tg, alb).unwrap();
        assert_eq!(healthy.namespace, "AWS/ApplicationELB");
        assert_eq!(
            (healthy.metric.as_str(), unhealthy.metric.as_str()),
            ("HealthyHostCount", "UnHealthyHostCount")
        );
        assert_eq!(
            healthy.dimensions,
            [
                (
                    "TargetGroup".to_string(),
                    "targetgroup/shop-app/0123456789abcdef".to_string()
                ),
                (
                    "LoadBalancer".to_string(),
                    "app/shop-alb/50dc6c495c0c9188".to_string()
                ),
            ]
        );
        assert_eq!(
            host_count_queries(tg, nlb).unwrap()[0].namespace,
            "AWS/NetworkELB"
        );
        assert!(host_count_queries("not-an-arn", alb).is_none());
    }
}
