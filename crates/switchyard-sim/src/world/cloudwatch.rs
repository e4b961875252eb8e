//! CloudWatch: a metric store per region and alarms evaluated from it.

use std::collections::HashMap;

use super::{Ms, fmt_reason_time, iso_ms};

/// How long datapoints are kept.
pub const RETENTION_MS: Ms = 6 * 3600 * 1000;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetricKey {
    pub region: String,
    pub namespace: String,
    pub name: String,
    /// Sorted by name.
    pub dims: Vec<(String, String)>,
}

impl MetricKey {
    pub fn new(
        region: &str,
        namespace: &str,
        name: &str,
        mut dims: Vec<(String, String)>,
    ) -> MetricKey {
        dims.sort();
        MetricKey {
            region: region.into(),
            namespace: namespace.into(),
            name: name.into(),
            dims,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Datapoint {
    pub t: Ms,
    pub value: f64,
}

/// Applies a statistic (`Average`, `Maximum`, `p99`, ...) to the values of one period.
pub fn statistic(stat: &str, values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    match stat {
        "Average" => Some(values.iter().sum::<f64>() / n),
        "Sum" => Some(values.iter().sum()),
        "Minimum" => values.iter().copied().reduce(f64::min),
        "Maximum" => values.iter().copied().reduce(f64::max),
        "SampleCount" => Some(n),
        p if p.starts_with('p') => {
            let q: f64 = p[1..].parse().ok()?;
            let mut sorted = values.to_vec();
            sorted.sort_by(f64::total_cmp);
            let idx = ((q / 100.0) * (n - 1.0)).round() as usize;
            sorted.get(idx.min(sorted.len() - 1)).copied()
        }
        _ => None,
    }
}

#[derive(Default)]
pub struct CloudWatch {
    pub metrics: HashMap<MetricKey, Vec<Datapoint>>,
    pub alarms: Vec<Alarm>,
    /// What DescribeAlarmHistory lists, oldest first.
    pub history: Vec<HistoryItem>,
}

/// One entry of an alarm's history, as DescribeAlarmHistory lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryItem {
    pub region: String,
    pub alarm_name: String,
    pub at: Ms,
    /// `StateUpdate` or `ConfigurationUpdate`.
    pub kind: &'static str,
    pub summary: String,
    /// JSON, as AWS writes `HistoryData`.
    pub data: String,
}

/// How long CloudWatch keeps alarm history: two weeks (CloudWatch user guide, "Common features
/// of CloudWatch alarms").
pub const HISTORY_RETENTION_MS: Ms = 14 * 86_400_000;

impl CloudWatch {
    pub fn put(&mut self, key: MetricKey, t: Ms, value: f64) {
        let points = self.metrics.entry(key).or_default();
        let pos = points.partition_point(|p| p.t <= t);
        points.insert(pos, Datapoint { t, value });
        let cutoff = t - RETENTION_MS;
        if points.first().is_some_and(|p| p.t < cutoff) {
            points.retain(|p| p.t >= cutoff);
        }
    }

    /// The datapoints of a metric in `[from, to)`.
    pub fn points(&self, key: &MetricKey, from: Ms, to: Ms) -> &[Datapoint] {
        match self.metrics.get(key) {
            Some(points) => {
                let a = points.partition_point(|p| p.t < from);
                let b = points.partition_point(|p| p.t < to);
                &points[a..b]
            }
            None => &[],
        }
    }

    /// One value per period in `[from, to)`, oldest first; periods without data are left out.
    pub fn series(
        &self,
        key: &MetricKey,
        stat: &str,
        period: Ms,
        from: Ms,
        to: Ms,
    ) -> Vec<(Ms, f64)> {
        let period = period.max(1000);
        let mut out = Vec::new();
        let mut start = from - from.rem_euclid(period);
        while start < to {
            let values: Vec<f64> = self
                .points(key, start, start + period)
                .iter()
                .map(|p| p.value)
                .collect();
            if let Some(v) = statistic(stat, &values) {
                out.push((start, v));
            }
            start += period;
        }
        out
    }

    pub fn alarm(&self, region: &str, name: &str) -> Option<&Alarm> {
        self.alarms
            .iter()
            .find(|a| a.region == region && a.name == name)
    }

    pub fn alarm_mut(&mut self, region: &str, name: &str) -> Option<&mut Alarm> {
        self.alarms
            .iter_mut()
            .find(|a| a.region == region && a.name == name)
    }

    /// Evaluates every alarm at time `t`.
    pub fn evaluate_alarms(&mut self, t: Ms) {
        let mut updates = Vec::new();
        for (i, alarm) in self.alarms.iter().enumerate() {
            if let Some(next) = alarm.evaluate(self, t) {
                updates.push((i, next));
            }
        }
        for (i, (state, reason, data)) in updates {
            self.set_alarm_state(i, &state, reason, Some(data), t);
        }
    }

    /// Sets the state of alarm `i` and, when the state changes, records it in the alarm's
    /// history as AWS does (a `StateUpdate` item, "Alarm updated from OK to ALARM").
    pub fn set_alarm_state(
        &mut self,
        i: usize,
        state: &str,
        reason: String,
        data: Option<String>,
        t: Ms,
    ) {
        let Some(alarm) = self.alarms.get_mut(i) else {
            return;
        };
        let old_state = alarm.state.clone();
        let old_reason = alarm.reason.clone();
        alarm.set_state(state, reason, data, t);
        if old_state == alarm.state {
            return;
        }
        let mut new_state = serde_json::json!({
            "stateValue": alarm.state,
            "stateReason": alarm.reason,
        });
        if let Some(d) = alarm
            .reason_data
            .as_deref()
            .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        {
            new_state["stateReasonData"] = d;
        }
        let item = HistoryItem {
            region: alarm.region.clone(),
            alarm_name: alarm.name.clone(),
            at: t,
            kind: "StateUpdate",
            summary: format!("Alarm updated from {old_state} to {}", alarm.state),
            data: serde_json::json!({
                "version": "1.0",
                "oldState": { "stateValue": old_state, "stateReason": old_reason },
                "newState": new_state,
            })
            .to_string(),
        };
        self.push_history(item);
    }

    /// Records a created or updated alarm (a `ConfigurationUpdate` item).
    pub fn record_configuration(&mut self, region: &str, name: &str, created: bool, t: Ms) {
        let verb = if created { "created" } else { "updated" };
        self.push_history(HistoryItem {
            region: region.to_string(),
            alarm_name: name.to_string(),
            at: t,
            kind: "ConfigurationUpdate",
            summary: format!("Alarm \"{name}\" {verb}"),
            data: serde_json::json!({
                "version": "1.0",
                "type": if created { "Create" } else { "Update" },
            })
            .to_string(),
        });
    }

    fn push_history(&mut self, item: HistoryItem) {
        let cutoff = item.at - HISTORY_RETENTION_MS;
        self.history.push(item);
        if self.history.first().is_some_and(|h| h.at < cutoff) {
            self.history.retain(|h| h.at >= cutoff);
        }
    }

    /// The index of an alarm.
    pub fn alarm_index(&self, region: &str, name: &str) -> Option<usize> {
        self.alarms
            .iter()
            .position(|a| a.region == region && a.name == name)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Alarm {
    pub region: String,
    pub name: String,
    pub arn: String,
    pub description: Option<String>,
    pub namespace: String,
    pub metric: String,
    pub dims: Vec<(String, String)>,
    pub statistic: Option<String>,
    pub extended_statistic: Option<String>,
    pub period: i64,
    pub unit: Option<String>,
    pub evaluation_periods: i64,
    pub datapoints_to_alarm: Option<i64>,
    pub threshold: f64,
    pub comparison: String,
    pub treat_missing_data: Option<String>,
    pub actions_enabled: bool,
    pub ok_actions: Vec<String>,
    pub alarm_actions: Vec<String>,
    pub insufficient_data_actions: Vec<String>,
    pub state: String,
    pub reason: String,
    pub reason_data: Option<String>,
    pub state_updated: Ms,
    pub state_transitioned: Ms,
    pub config_updated: Ms,
    /// The last OK or ALARM state, for health checks with LastKnownStatus.
    pub last_definite_state: Option<String>,
}

pub const COMPARISONS: [&str; 4] = [
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
];

impl Alarm {
    pub fn key(&self) -> MetricKey {
        MetricKey::new(
            &self.region,
            &self.namespace,
            &self.metric,
            self.dims.clone(),
        )
    }

    fn stat(&self) -> &str {
        self.statistic
            .as_deref()
            .or(self.extended_statistic.as_deref())
            .unwrap_or("Average")
    }

    pub fn breaches(&self, v: f64) -> bool {
        match self.comparison.as_str() {
            "GreaterThanOrEqualToThreshold" => v >= self.threshold,
            "GreaterThanThreshold" => v > self.threshold,
            "LessThanThreshold" => v < self.threshold,
            "LessThanOrEqualToThreshold" => v <= self.threshold,
            _ => false,
        }
    }

    fn comparison_words(&self, breaching: bool) -> String {
        let words = match self.comparison.as_str() {
            "GreaterThanOrEqualToThreshold" => "greater than or equal to",
            "GreaterThanThreshold" => "greater than",
            "LessThanThreshold" => "less than",
            _ => "less than or equal to",
        };
        if breaching {
            words.to_string()
        } else {
            format!("not {words}")
        }
    }

    /// The state the metrics call for at time `t`, with AWS's reason and reason data, when it
    /// differs from the current state.
    ///
    /// As AWS documents it ("How alarm state is evaluated when data is missing", CloudWatch user
    /// guide, alarms-and-missing-data): CloudWatch retrieves more datapoints than
    /// EvaluationPeriods (the *evaluation range*: 5 for 3 evaluation periods in its tables; here
    /// EvaluationPeriods + 2). With at least EvaluationPeriods real datapoints in the range, the
    /// most recent ones are evaluated and TreatMissingData is not used. With fewer, every real
    /// datapoint of the range is evaluated and the rest filled in as TreatMissingData says, as
    /// few times as possible. Each row of AWS's two tables (3 of 3, and 2 of 3) is a unit test
    /// below; the rows with `missing` are:
    /// - not enough breaching datapoints but a non-breaching one: OK (`0 - - - -`, `- - - - 0`);
    /// - only breaching datapoints, fewer than DatapointsToAlarm: INSUFFICIENT_DATA
    ///   (`- - - - X`), unless the oldest evaluated datapoint is breaching: ALARM (`X - - - -`);
    /// - no datapoint at all: INSUFFICIENT_DATA (`ignore`: the state is kept).
    pub fn evaluate(&self, cw: &CloudWatch, t: Ms) -> Option<(String, String, String)> {
        let period = self.period.max(10) * 1000;
        let n = self.evaluation_periods.max(1) as usize;
        let m = (self.datapoints_to_alarm.unwrap_or(n as i64).max(1) as usize).min(n);
        let end = t - t.rem_euclid(period);
        let range = n + 2;
        let key = self.key();
        // Newest first, as AWS lists them in the reason.
        let windows: Vec<(Ms, Option<f64>)> = (0..range as i64)
            .map(|i| {
                let start = end - (i + 1) * period;
                let values: Vec<f64> = cw
                    .points(&key, start, start + period)
                    .iter()
                    .map(|p| p.value)
                    .collect();
                (start, statistic(self.stat(), &values))
            })
            .collect();
        let real: Vec<(Ms, f64)> = windows
            .iter()
            .filter_map(|(s, v)| v.map(|v| (*s, v)))
            .collect();
        let treat = self.treat_missing_data.as_deref().unwrap_or("missing");
        let fmt = super::super::proto::query::format_float;
        let evaluated: Vec<(Ms, f64)> = real.iter().take(n).copied().collect();
        let fill = n.saturating_sub(evaluated.len());
        let breaching = evaluated.iter().filter(|(_, v)| self.breaches(*v)).count();
        let non_breaching = evaluated.len() - breaching;
        // The missing datapoints that are filled in: the most recent missing periods.
        let filled: Vec<Ms> = windows
            .iter()
            .filter(|(_, v)| v.is_none())
            .take(fill)
            .map(|(s, _)| *s)
            .collect();
        let oldest_evaluated_breaches = evaluated
            .iter()
            .map(|(s, _)| *s)
            .chain(filled.iter().copied())
            .min()
            .is_some_and(|oldest| {
                evaluated
                    .iter()
                    .any(|(s, v)| *s == oldest && self.breaches(*v))
            });
        let state = if fill == 0 {
            if breaching >= m { "ALARM" } else { "OK" }
        } else {
            match treat {
                "breaching" => {
                    if breaching + fill >= m {
                        "ALARM"
                    } else {
                        "OK"
                    }
                }
                "notBreaching" => {
                    if breaching >= m {
                        "ALARM"
                    } else {
                        "OK"
                    }
                }
                _ if breaching >= m => "ALARM",
                _ if non_breaching > 0 => "OK",
                "ignore" => return None,
                _ if oldest_evaluated_breaches => "ALARM",
                _ => "INSUFFICIENT_DATA",
            }
        };
        // A new alarm's first evaluation replaces its "Unchecked" reason even without a change.
        if state == self.state && !self.reason.starts_with("Unchecked") {
            return None;
        }
        let points: Vec<String> = evaluated
            .iter()
            .map(|(s, v)| format!("{} ({})", fmt(*v), fmt_reason_time(*s)))
            .collect();
        let from = if self.state == "INSUFFICIENT_DATA" {
            "INSUFFICIENT_DATA"
        } else if state == "ALARM" {
            "OK"
        } else {
            "ALARM"
        };
        let plural = |k: usize, one: &str, many: &str| {
            if k == 1 {
                one.to_string()
            } else {
                many.to_string()
            }
        };
        let reason = if state == "INSUFFICIENT_DATA" {
            format!(
                "Insufficient Data: {fill} {} unknown.",
                plural(fill, "datapoint was", "datapoints were")
            )
        } else if fill > 0 && matches!(treat, "breaching" | "notBreaching") {
            // AWS's wording when missing datapoints were filled in, e.g. "Threshold Crossed: no
            // datapoints were received for 2 periods and 2 missing datapoints were treated as
            // [NonBreaching]." (as alarm histories and notifications show it).
            let received = match evaluated.len() {
                0 => "no datapoints were received".to_string(),
                1 => "1 datapoint was received".to_string(),
                k => format!("{k} datapoints were received"),
            };
            format!(
                "Threshold Crossed: {received} for {n} {} and {fill} missing {} treated as [{}].",
                plural(n, "period", "periods"),
                plural(fill, "datapoint was", "datapoints were"),
                if treat == "breaching" {
                    "Breaching"
                } else {
                    "NonBreaching"
                },
            )
        } else if state == "ALARM" {
            format!(
                "Threshold Crossed: {breaching} out of the last {} datapoints [{}] {} {} the threshold ({}) (minimum {m} {} for {from} -> ALARM transition).",
                evaluated.len(),
                points.join(", "),
                plural(breaching, "was", "were"),
                self.comparison_words(true),
                fmt(self.threshold),
                plural(m, "datapoint", "datapoints"),
            )
        } else {
            format!(
                "Threshold Crossed: {non_breaching} out of the last {} datapoints [{}] {} {} the threshold ({}) (minimum 1 datapoint for {from} -> OK transition).",
                evaluated.len(),
                points.join(", "),
                plural(non_breaching, "was", "were"),
                self.comparison_words(false),
                fmt(self.threshold),
            )
        };
        let data = serde_json::json!({
            "version": "1.0",
            "queryDate": iso_ms(t),
            "startDate": iso_ms(end - range as i64 * period),
            "statistic": self.stat(),
            "period": self.period,
            "recentDatapoints": evaluated.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
            "threshold": self.threshold,
            "evaluatedDatapoints": evaluated.iter().map(|(s, v)| serde_json::json!({"timestamp": iso_ms(*s), "value": v})).collect::<Vec<_>>(),
        })
        .to_string();
        Some((state.to_string(), reason, data))
    }

    pub fn set_state(&mut self, state: &str, reason: String, data: Option<String>, t: Ms) {
        if state != self.state {
            self.state_transitioned = t;
        }
        self.state = state.to_string();
        self.reason = reason;
        self.reason_data = data;
        self.state_updated = t;
        if state == "OK" || state == "ALARM" {
            self.last_definite_state = Some(state.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alarm(treat: &str) -> Alarm {
        Alarm {
            region: "eu-west-1".into(),
            name: "a".into(),
            arn: "arn".into(),
            description: None,
            namespace: "AWS/EC2".into(),
            metric: "StatusCheckFailed".into(),
            dims: vec![("InstanceId".into(), "i-1".into())],
            statistic: Some("Maximum".into()),
            extended_statistic: None,
            period: 60,
            unit: None,
            evaluation_periods: 2,
            datapoints_to_alarm: Some(2),
            threshold: 1.0,
            comparison: "GreaterThanOrEqualToThreshold".into(),
            treat_missing_data: Some(treat.into()),
            actions_enabled: true,
            ok_actions: vec![],
            alarm_actions: vec![],
            insufficient_data_actions: vec![],
            state: "INSUFFICIENT_DATA".into(),
            reason: "Unchecked: Initial alarm creation".into(),
            reason_data: None,
            state_updated: 0,
            state_transitioned: 0,
            config_updated: 0,
            last_definite_state: None,
        }
    }

    fn with_points(values: &[(Ms, f64)]) -> CloudWatch {
        let mut cw = CloudWatch::default();
        let key = alarm("missing").key();
        for (t, v) in values {
            cw.put(key.clone(), *t, *v);
        }
        cw
    }

    #[test]
    fn two_of_two_breaching_datapoints_fire_the_alarm() {
        let cw = with_points(&[(60_000, 1.0), (120_000, 1.0)]);
        let (state, reason, _) = alarm("missing").evaluate(&cw, 180_000).unwrap();
        assert_eq!(state, "ALARM");
        assert!(
            reason.starts_with("Threshold Crossed: 2 out of the last 2 datapoints [1.0"),
            "{reason}"
        );
    }

    #[test]
    fn one_breaching_datapoint_of_two_needed_keeps_it_ok() {
        let cw = with_points(&[(60_000, 0.0), (120_000, 1.0)]);
        assert_eq!(alarm("missing").evaluate(&cw, 180_000).unwrap().0, "OK");
    }

    #[test]
    fn no_data_is_insufficient_data_unless_treated_otherwise() {
        let cw = with_points(&[]);
        let (state, reason, _) = alarm("missing").evaluate(&cw, 180_000).unwrap();
        assert_eq!(
            (state.as_str(), reason.as_str()),
            (
                "INSUFFICIENT_DATA",
                "Insufficient Data: 2 datapoints were unknown."
            )
        );
        assert_eq!(
            alarm("breaching").evaluate(&cw, 180_000).unwrap().0,
            "ALARM"
        );
        assert_eq!(
            alarm("notBreaching").evaluate(&cw, 180_000).unwrap().0,
            "OK"
        );
        assert_eq!(alarm("ignore").evaluate(&cw, 180_000), None);
    }

    /// The state for a row of AWS's tables ("How alarm state is evaluated when data is
    /// missing"): five datapoints, oldest first (`0` not breaching, `X` breaching, `-` missing),
    /// M of 3, starting from `current`; "keep" when the state is retained.
    fn row(pattern: &str, m: i64, treat: &str, current: &str) -> String {
        let period = 60_000;
        let t = 100 * period;
        let mut cw = CloudWatch::default();
        let mut a = alarm(treat);
        a.evaluation_periods = 3;
        a.datapoints_to_alarm = Some(m);
        a.state = current.into();
        a.reason = "Threshold Crossed: before".into();
        let cells: Vec<&str> = pattern.split_whitespace().collect();
        assert_eq!(cells.len(), 5);
        for (j, c) in cells.iter().enumerate() {
            let start = t - (5 - j as i64) * period;
            match *c {
                "0" => cw.put(a.key(), start, 0.0),
                "X" => cw.put(a.key(), start, 1.0),
                _ => {}
            }
        }
        match a.evaluate(&cw, t) {
            Some((state, _, _)) => state,
            None => "keep".into(),
        }
    }

    fn states(pattern: &str, m: i64) -> [String; 4] {
        ["missing", "ignore", "breaching", "notBreaching"].map(|treat| {
            // Started from a state that none of the table's answers is, so that "keep" shows.
            let s = row(pattern, m, treat, "KEPT");
            if s == "keep" { "KEPT".into() } else { s }
        })
    }

    #[test]
    fn aws_table_three_of_three_with_missing_datapoints() {
        let ok = ["OK", "OK", "OK", "OK"];
        assert_eq!(states("0 - X - X", 3), ok);
        assert_eq!(states("0 - - - -", 3), ok);
        assert_eq!(
            states("- - - - -", 3),
            ["INSUFFICIENT_DATA", "KEPT", "ALARM", "OK"]
        );
        assert_eq!(states("0 X X - X", 3), ["ALARM", "ALARM", "ALARM", "ALARM"]);
        assert_eq!(
            states("- - - - X", 3),
            ["INSUFFICIENT_DATA", "KEPT", "ALARM", "OK"]
        );
        assert_eq!(states("X - - - -", 3), ["ALARM", "KEPT", "ALARM", "OK"]);
    }

    #[test]
    fn aws_table_two_of_three_with_missing_datapoints() {
        let alarm = ["ALARM", "ALARM", "ALARM", "ALARM"];
        assert_eq!(states("0 - X - X", 2), alarm);
        assert_eq!(states("0 0 X 0 X", 2), alarm);
        assert_eq!(states("0 - X - -", 2), ["OK", "OK", "ALARM", "OK"]);
        assert_eq!(states("- - - - 0", 2), ["OK", "OK", "ALARM", "OK"]);
        assert_eq!(
            states("- - - - X", 2),
            ["INSUFFICIENT_DATA", "KEPT", "ALARM", "OK"]
        );
    }

    #[test]
    fn a_breaching_alarm_whose_metric_stops_stays_in_alarm() {
        // Issue 16, bug 1: 2 of 2, two breaching minutes, then the instance stops.
        let cw = with_points(&[(60_000, 1.0), (120_000, 1.0)]);
        let mut a = alarm("missing");
        a.state = "ALARM".into();
        a.reason = "Threshold Crossed".into();
        // The last real datapoints keep being evaluated while they are in the range (AWS's
        // note on metrics that stop flowing), the oldest being breaching at the end.
        for t in [240_000, 300_000, 360_000] {
            assert_eq!(a.evaluate(&cw, t), None, "still ALARM at {t}");
        }
        // Once no datapoint is left in the evaluation range: INSUFFICIENT_DATA.
        assert_eq!(a.evaluate(&cw, 420_000).unwrap().0, "INSUFFICIENT_DATA");
    }

    #[test]
    fn not_breaching_without_data_says_so_in_aws_words() {
        let cw = with_points(&[]);
        let (state, reason, _) = alarm("notBreaching").evaluate(&cw, 180_000).unwrap();
        assert_eq!(state, "OK");
        assert_eq!(
            reason,
            "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [NonBreaching]."
        );
    }

    #[test]
    fn statistics() {
        assert_eq!(statistic("Average", &[1.0, 3.0]), Some(2.0));
        assert_eq!(statistic("Maximum", &[1.0, 3.0]), Some(3.0));
        assert_eq!(statistic("SampleCount", &[1.0, 3.0]), Some(2.0));
        assert_eq!(statistic("p50", &[1.0, 2.0, 3.0]), Some(2.0));
        assert_eq!(statistic("Average", &[]), None);
    }
}
