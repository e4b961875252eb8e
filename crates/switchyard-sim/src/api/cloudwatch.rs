//! CloudWatch: one handler for RPCv2-CBOR, JSON 1.0 and query requests.

use super::{ApiError, ApiResult, Call, Reply, page};
use crate::proto::Doc;
use crate::proto::doc::str_list;
use crate::world::cloudwatch::{Alarm, COMPARISONS, MetricKey};
use crate::world::{Ms, World, secs};

pub fn handle(world: &mut World, call: &Call) -> ApiResult {
    let input = &call.input;
    let region = call.region.as_str();
    let out = match call.operation.as_str() {
        "DescribeAlarms" => describe_alarms(world, region, input)?,
        "DescribeAlarmsForMetric" => describe_alarms_for_metric(world, region, input)?,
        "GetMetricData" => get_metric_data(world, region, input)?,
        "PutMetricData" => put_metric_data(world, region, input)?,
        "PutMetricAlarm" => put_metric_alarm(world, region, input)?,
        "SetAlarmState" => set_alarm_state(world, region, input)?,
        "DescribeAlarmHistory" => describe_alarm_history(world, region, input)?,
        "DisableAlarmActions" => set_actions_enabled(world, region, input, false)?,
        "EnableAlarmActions" => set_actions_enabled(world, region, input, true)?,
        other => {
            return Err(ApiError::new(
                404,
                "UnknownOperationException",
                format!("Unknown operation {other}"),
            ));
        }
    };
    Ok(Reply::Doc(out))
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad("InvalidParameterValue", message)
}

fn missing(name: &str) -> ApiError {
    ApiError::bad(
        "MissingParameter",
        format!("The parameter {name} is required."),
    )
}

fn dims_doc(dims: &[(String, String)]) -> Doc {
    Doc::List(
        dims.iter()
            .map(|(k, v)| {
                Doc::map()
                    .with("Name", k.as_str())
                    .with("Value", v.as_str())
            })
            .collect(),
    )
}

fn parse_dims(d: &Doc) -> Vec<(String, String)> {
    d.list("Dimensions")
        .iter()
        .map(|x| {
            (
                x.str("Name").unwrap_or_default().to_string(),
                x.str("Value").unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn alarm_doc(a: &Alarm) -> Doc {
    Doc::map()
        .with("AlarmName", a.name.as_str())
        .with("AlarmArn", a.arn.as_str())
        .with("AlarmDescription", a.description.as_deref())
        .with(
            "AlarmConfigurationUpdatedTimestamp",
            Doc::Time(secs(a.config_updated)),
        )
        .with("ActionsEnabled", a.actions_enabled)
        .with("OKActions", str_list(&a.ok_actions))
        .with("AlarmActions", str_list(&a.alarm_actions))
        .with(
            "InsufficientDataActions",
            str_list(&a.insufficient_data_actions),
        )
        .with("StateValue", a.state.as_str())
        .with("StateReason", a.reason.as_str())
        .with("StateReasonData", a.reason_data.as_deref())
        .with("StateUpdatedTimestamp", Doc::Time(secs(a.state_updated)))
        .with("MetricName", a.metric.as_str())
        .with("Namespace", a.namespace.as_str())
        .with("Statistic", a.statistic.as_deref())
        .with("ExtendedStatistic", a.extended_statistic.as_deref())
        .with("Dimensions", dims_doc(&a.dims))
        .with("Period", a.period)
        .with("Unit", a.unit.as_deref())
        .with("EvaluationPeriods", a.evaluation_periods)
        .with("DatapointsToAlarm", a.datapoints_to_alarm)
        .with("Threshold", Doc::Float(a.threshold))
        .with("ComparisonOperator", a.comparison.as_str())
        .with("TreatMissingData", a.treat_missing_data.as_deref())
        .with(
            "StateTransitionedTimestamp",
            Doc::Time(secs(a.state_transitioned)),
        )
}

fn max_records(input: &Doc) -> Result<usize, ApiError> {
    match input.get("MaxRecords").and_then(Doc::as_i64) {
        Some(n) if !(1..=100).contains(&n) => Err(invalid(format!(
            "The value {n} for parameter MaxRecords is not valid: it must be between 1 and 100."
        ))),
        Some(n) => Ok(n as usize),
        None => Ok(50),
    }
}

fn describe_alarms(world: &World, region: &str, input: &Doc) -> Result<Doc, ApiError> {
    let names = input.strings("AlarmNames");
    if names.len() > 100 {
        return Err(invalid(
            "The collection AlarmNames must not have more than 100 members.",
        ));
    }
    let prefix = input.str("AlarmNamePrefix");
    if prefix.is_some() && !names.is_empty() {
        return Err(ApiError::bad(
            "InvalidParameterCombination",
            "AlarmNamePrefix and AlarmNames cannot be given together.",
        ));
    }
    let types = input.strings("AlarmTypes");
    let state = input.str("StateValue");
    if let Some(s) = state
        && !["OK", "ALARM", "INSUFFICIENT_DATA"].contains(&s)
    {
        return Err(invalid(format!(
            "The value {s} for parameter StateValue is not valid."
        )));
    }
    let action_prefix = input.str("ActionPrefix");
    let mut alarms: Vec<&Alarm> = world
        .cw
        .alarms
        .iter()
        .filter(|a| a.region == region)
        .filter(|a| names.is_empty() || names.contains(&a.name))
        .filter(|a| prefix.is_none_or(|p| a.name.starts_with(p)))
        .filter(|a| state.is_none_or(|s| a.state == s))
        .filter(|a| {
            action_prefix.is_none_or(|p| {
                a.alarm_actions
                    .iter()
                    .chain(&a.ok_actions)
                    .chain(&a.insufficient_data_actions)
                    .any(|x| x.starts_with(p))
            })
        })
        .collect();
    alarms.sort_by(|a, b| a.name.cmp(&b.name));
    let metric_wanted = types.is_empty() || types.iter().any(|t| t == "MetricAlarm");
    let docs: Vec<Doc> = if metric_wanted {
        alarms.into_iter().map(alarm_doc).collect()
    } else {
        Vec::new()
    };
    let (items, next) = page(&docs, input.str("NextToken"), max_records(input)?)?;
    Ok(Doc::map()
        .with("MetricAlarms", Doc::List(items))
        .with("CompositeAlarms", Doc::List(Vec::new()))
        .with("NextToken", next))
}

fn describe_alarms_for_metric(world: &World, region: &str, input: &Doc) -> Result<Doc, ApiError> {
    let metric = input
        .str("MetricName")
        .ok_or_else(|| missing("MetricName"))?;
    let namespace = input.str("Namespace").ok_or_else(|| missing("Namespace"))?;
    let mut dims = parse_dims(input);
    dims.sort();
    let statistic = input.str("Statistic");
    let period = input.get("Period").and_then(Doc::as_i64);
    let alarms: Vec<Doc> = world
        .cw
        .alarms
        .iter()
        .filter(|a| a.region == region && a.metric == metric && a.namespace == namespace)
        .filter(|a| dims.is_empty() || a.key().dims == dims)
        .filter(|a| statistic.is_none_or(|s| a.statistic.as_deref() == Some(s)))
        .filter(|a| period.is_none_or(|p| a.period == p))
        .map(alarm_doc)
        .collect();
    Ok(Doc::map().with("MetricAlarms", Doc::List(alarms)))
}

fn get_metric_data(world: &World, region: &str, input: &Doc) -> Result<Doc, ApiError> {
    let queries = input.list("MetricDataQueries");
    if queries.is_empty() {
        return Err(missing("MetricDataQueries"));
    }
    if queries.len() > 500 {
        return Err(invalid(format!(
            "The collection MetricDataQueries must not have more than 500 members (it has {}).",
            queries.len()
        )));
    }
    let start = input
        .get("StartTime")
        .and_then(Doc::as_time)
        .ok_or_else(|| missing("StartTime"))?;
    let end = input
        .get("EndTime")
        .and_then(Doc::as_time)
        .ok_or_else(|| missing("EndTime"))?;
    if end <= start {
        return Err(invalid(
            "The parameter StartTime must be less than the parameter EndTime.",
        ));
    }
    let ascending = input.str("ScanBy") == Some("TimestampAscending");
    let mut results = Vec::new();
    for q in queries {
        let id = q
            .str("Id")
            .ok_or_else(|| missing("MetricDataQueries.member.Id"))?;
        if q.get("Expression").is_some() {
            return Err(invalid(format!(
                "Query {id}: metric math expressions are not supported by the switchyard emulator; use MetricStat."
            )));
        }
        let stat = q
            .get("MetricStat")
            .ok_or_else(|| missing("MetricDataQueries.member.MetricStat"))?;
        let metric = stat
            .get("Metric")
            .ok_or_else(|| missing("MetricStat.Metric"))?;
        let period = stat
            .get("Period")
            .and_then(Doc::as_i64)
            .ok_or_else(|| missing("MetricStat.Period"))?;
        if period <= 0
            || (period >= 60 && period % 60 != 0)
            || (period < 60 && ![1, 5, 10, 20, 30].contains(&period))
        {
            return Err(invalid(format!(
                "The parameter Period of query {id} must be 1, 5, 10, 20, 30 or a multiple of 60."
            )));
        }
        let key = MetricKey::new(
            region,
            metric.str("Namespace").unwrap_or_default(),
            metric.str("MetricName").unwrap_or_default(),
            parse_dims(metric),
        );
        let stat_name = stat.str("Stat").ok_or_else(|| missing("MetricStat.Stat"))?;
        let mut series = world.cw.series(
            &key,
            stat_name,
            period * 1000,
            (start * 1000.0) as Ms,
            (end * 1000.0) as Ms,
        );
        if !ascending {
            series.reverse();
        }
        let label = q
            .str("Label")
            .map(str::to_string)
            .unwrap_or_else(|| key.name.clone());
        if q.get("ReturnData").and_then(Doc::as_bool) == Some(false) {
            continue;
        }
        results.push(
            Doc::map()
                .with("Id", id)
                .with("Label", label)
                .with(
                    "Timestamps",
                    Doc::List(series.iter().map(|(t, _)| Doc::Time(secs(*t))).collect()),
                )
                .with(
                    "Values",
                    Doc::List(series.iter().map(|(_, v)| Doc::Float(*v)).collect()),
                )
                .with("StatusCode", "Complete")
                .with("Messages", Doc::List(Vec::new())),
        );
    }
    Ok(Doc::map()
        .with("MetricDataResults", Doc::List(results))
        .with("Messages", Doc::List(Vec::new())))
}

fn put_metric_data(world: &mut World, region: &str, input: &Doc) -> Result<Doc, ApiError> {
    let namespace = input.str("Namespace").ok_or_else(|| missing("Namespace"))?;
    if namespace.starts_with("AWS/") {
        return Err(invalid(format!(
            "The value {namespace} for parameter Namespace is invalid."
        )));
    }
    let data = input.list("MetricData");
    if data.is_empty() {
        return Err(missing("MetricData"));
    }
    let now = world.now;
    let mut points = Vec::new();
    for m in data {
        let name = m
            .str("MetricName")
            .ok_or_else(|| missing("MetricData.member.MetricName"))?;
        let t = m
            .get("Timestamp")
            .and_then(Doc::as_time)
            .map_or(now, |s| (s * 1000.0) as Ms);
        let key = MetricKey::new(region, namespace, name, parse_dims(m));
        let mut values: Vec<f64> = m.list("Values").iter().filter_map(Doc::as_f64).collect();
        if let Some(v) = m.get("Value").and_then(Doc::as_f64) {
            values.push(v);
        }
        if let Some(sv) = m.get("StatisticValues") {
            let count = sv
                .get("SampleCount")
                .and_then(Doc::as_f64)
                .unwrap_or(1.0)
                .max(1.0);
            let sum = sv.get("Sum").and_then(Doc::as_f64).unwrap_or(0.0);
            values.push(sum / count);
        }
        if values.is_empty() {
            return Err(invalid(format!(
                "The metric {name} has no Value, Values or StatisticValues."
            )));
        }
        if values.iter().any(|v| !v.is_finite()) {
            return Err(invalid(format!(
                "The metric {name} has a value that is not a finite number."
            )));
        }
        for v in values {
            points.push((key.clone(), t, v));
        }
    }
    for (key, t, v) in points {
        world.cw.put(key, t, v);
    }
    Ok(Doc::map())
}

fn put_metric_alarm(world: &mut World, region: &str, input: &Doc) -> Result<Doc, ApiError> {
    let name = input
        .str("AlarmName")
        .ok_or_else(|| missing("AlarmName"))?
        .to_string();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(invalid(
            "The parameter AlarmName must have between 1 and 255 characters.",
        ));
    }
    let comparison = input
        .str("ComparisonOperator")
        .ok_or_else(|| missing("ComparisonOperator"))?
        .to_string();
    if !COMPARISONS.contains(&comparison.as_str()) {
        return Err(invalid(format!(
            "The value {comparison} for parameter ComparisonOperator is not valid."
        )));
    }
    let evaluation_periods = input
        .get("EvaluationPeriods")
        .and_then(Doc::as_i64)
        .ok_or_else(|| missing("EvaluationPeriods"))?;
    if evaluation_periods < 1 {
        return Err(invalid(
            "The parameter EvaluationPeriods must be at least 1.",
        ));
    }
    let datapoints_to_alarm = input.get("DatapointsToAlarm").and_then(Doc::as_i64);
    if datapoints_to_alarm.is_some_and(|m| m < 1 || m > evaluation_periods) {
        return Err(invalid(
            "The parameter DatapointsToAlarm must be between 1 and EvaluationPeriods.",
        ));
    }
    let period = input
        .get("Period")
        .and_then(Doc::as_i64)
        .ok_or_else(|| missing("Period"))?;
    if period < 10
        || (period > 10 && period < 60 && period != 30)
        || (period >= 60 && period % 60 != 0)
    {
        return Err(invalid(format!(
            "The value {period} for parameter Period is not valid: it must be 10, 30 or a multiple of 60."
        )));
    }
    let threshold = input
        .get("Threshold")
        .and_then(Doc::as_f64)
        .ok_or_else(|| missing("Threshold"))?;
    let statistic = input.str("Statistic").map(str::to_string);
    let extended_statistic = input.str("ExtendedStatistic").map(str::to_string);
    if statistic.is_some() == extended_statistic.is_some() {
        return Err(ApiError::bad(
            "InvalidParameterCombination",
            "Exactly one of Statistic and ExtendedStatistic must be given.",
        ));
    }
    if let Some(t) = input.str("TreatMissingData")
        && !["breaching", "notBreaching", "ignore", "missing"].contains(&t)
    {
        return Err(invalid(format!(
            "The value {t} for parameter TreatMissingData is not valid."
        )));
    }
    let now = world.now;
    let arn = format!(
        "arn:aws:cloudwatch:{region}:{}:alarm:{name}",
        world.account_id
    );
    let existing = world.cw.alarm(region, &name).cloned();
    let alarm = Alarm {
        region: region.to_string(),
        name: name.clone(),
        arn,
        description: input.str("AlarmDescription").map(str::to_string),
        namespace: input
            .str("Namespace")
            .ok_or_else(|| missing("Namespace"))?
            .to_string(),
        metric: input
            .str("MetricName")
            .ok_or_else(|| missing("MetricName"))?
            .to_string(),
        dims: parse_dims(input),
        statistic,
        extended_statistic,
        period,
        unit: input.str("Unit").map(str::to_string),
        evaluation_periods,
        datapoints_to_alarm,
        threshold,
        comparison,
        treat_missing_data: input.str("TreatMissingData").map(str::to_string),
        actions_enabled: input
            .get("ActionsEnabled")
            .and_then(Doc::as_bool)
            .unwrap_or(true),
        ok_actions: input.strings("OKActions"),
        alarm_actions: input.strings("AlarmActions"),
        insufficient_data_actions: input.strings("InsufficientDataActions"),
        state: existing
            .as_ref()
            .map_or_else(|| "INSUFFICIENT_DATA".to_string(), |a| a.state.clone()),
        reason: existing.as_ref().map_or_else(
            || "Unchecked: Initial alarm creation".to_string(),
            |a| a.reason.clone(),
        ),
        reason_data: existing.as_ref().and_then(|a| a.reason_data.clone()),
        state_updated: existing.as_ref().map_or(now, |a| a.state_updated),
        state_transitioned: existing.as_ref().map_or(now, |a| a.state_transitioned),
        config_updated: now,
        last_definite_state: existing
            .as_ref()
            .and_then(|a| a.last_definite_state.clone()),
    };
    let created = existing.is_none();
    match world.cw.alarm_mut(region, &name) {
        Some(a) => *a = alarm,
        None => world.cw.alarms.push(alarm),
    }
    world.cw.record_configuration(region, &name, created, now);
    Ok(Doc::map())
}

fn set_alarm_state(world: &mut World, region: &str, input: &Doc) -> Result<Doc, ApiError> {
    let name = input.str("AlarmName").ok_or_else(|| missing("AlarmName"))?;
    let state = input
        .str("StateValue")
        .ok_or_else(|| missing("StateValue"))?;
    if !["OK", "ALARM", "INSUFFICIENT_DATA"].contains(&state) {
        return Err(invalid(format!(
            "The value {state} for parameter StateValue is not valid."
        )));
    }
    let reason = input
        .str("StateReason")
        .ok_or_else(|| missing("StateReason"))?
        .to_string();
    let data = input.str("StateReasonData").map(str::to_string);
    if let Some(d) = &data
        && serde_json::from_str::<serde_json::Value>(d).is_err()
    {
        return Err(ApiError::bad(
            "InvalidFormat",
            "StateReasonData is not valid JSON.",
        ));
    }
    let now = world.now;
    let i = world
        .cw
        .alarm_index(region, name)
        .ok_or_else(|| ApiError::new(404, "ResourceNotFound", format!("Alarm {name} not found")))?;
    world.cw.set_alarm_state(i, state, reason, data, now);
    Ok(Doc::map())
}

/// DescribeAlarmHistory: state changes and configuration updates of the region's alarms, newest
/// first unless `ScanBy` is `TimestampAscending`; CloudWatch keeps two weeks of it.
fn describe_alarm_history(world: &World, region: &str, input: &Doc) -> Result<Doc, ApiError> {
    let name = input.str("AlarmName");
    let kind = input.str("HistoryItemType");
    if let Some(k) = kind
        && ![
            "ConfigurationUpdate",
            "StateUpdate",
            "Action",
            "AlarmContributorStateUpdate",
            "AlarmContributorAction",
        ]
        .contains(&k)
    {
        return Err(invalid(format!(
            "The value {k} for parameter HistoryItemType is not valid."
        )));
    }
    let types = input.strings("AlarmTypes");
    let from = input.get("StartDate").and_then(Doc::as_time);
    let to = input.get("EndDate").and_then(Doc::as_time);
    let ascending = match input.str("ScanBy") {
        None | Some("TimestampDescending") => false,
        Some("TimestampAscending") => true,
        Some(other) => {
            return Err(invalid(format!(
                "The value {other} for parameter ScanBy is not valid."
            )));
        }
    };
    let metric_wanted = types.is_empty() || types.iter().any(|t| t == "MetricAlarm");
    let mut items: Vec<Doc> = world
        .cw
        .history
        .iter()
        .filter(|h| metric_wanted && h.region == region)
        .filter(|h| name.is_none_or(|n| h.alarm_name == n))
        .filter(|h| kind.is_none_or(|k| h.kind == k))
        .filter(|h| from.is_none_or(|f| secs(h.at) >= f))
        .filter(|h| to.is_none_or(|e| secs(h.at) <= e))
        .map(|h| {
            Doc::map()
                .with("AlarmName", h.alarm_name.as_str())
                .with("AlarmType", "MetricAlarm")
                .with("Timestamp", Doc::Time(secs(h.at)))
                .with("HistoryItemType", h.kind)
                .with("HistorySummary", h.summary.as_str())
                .with("HistoryData", h.data.as_str())
        })
        .collect();
    if !ascending {
        items.reverse();
    }
    let (page_items, next) = page(&items, input.str("NextToken"), max_records(input)?)?;
    Ok(Doc::map()
        .with("AlarmHistoryItems", Doc::List(page_items))
        .with("NextToken", next))
}

fn set_actions_enabled(
    world: &mut World,
    region: &str,
    input: &Doc,
    enabled: bool,
) -> Result<Doc, ApiError> {
    let names = input.strings("AlarmNames");
    if names.is_empty() {
        return Err(missing("AlarmNames"));
    }
    for alarm in world
        .cw
        .alarms
        .iter_mut()
        .filter(|a| a.region == region && names.contains(&a.name))
    {
        alarm.actions_enabled = enabled;
    }
    Ok(Doc::map())
}
