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
}

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
            self.alarms[i].set_state(&state, reason, Some(data), t);
        }
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
    pub fn evaluate(&self, cw: &CloudWatch, t: Ms) -> Option<(String, String, String)> {
        let period = self.period.max(10) * 1000;
        let n = self.evaluation_periods.max(1);
        let m = self.datapoints_to_alarm.unwrap_or(n).clamp(1, n);
        let end = t - t.rem_euclid(period);
        let key = self.key();
        // Newest first, as AWS lists them in the reason.
        let windows: Vec<(Ms, Option<f64>)> = (0..n)
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
        let present: Vec<(Ms, f64)> = windows
            .iter()
            .filter_map(|(s, v)| v.map(|v| (*s, v)))
            .collect();
        let missing = windows.len() - present.len();
        let breaching_present = present.iter().filter(|(_, v)| self.breaches(*v)).count();
        let treat = self.treat_missing_data.as_deref().unwrap_or("missing");
        let m = m as usize;
        let (state, counted) = match treat {
            "breaching" => {
                let b = breaching_present + missing;
                (if b >= m { "ALARM" } else { "OK" }, b)
            }
            "notBreaching" => (
                if breaching_present >= m {
                    "ALARM"
                } else {
                    "OK"
                },
                breaching_present,
            ),
            _ if present.is_empty() => {
                if treat == "ignore" {
                    return None;
                }
                ("INSUFFICIENT_DATA", 0)
            }
            _ => (
                if breaching_present >= m {
                    "ALARM"
                } else {
                    "OK"
                },
                breaching_present,
            ),
        };
        // A new alarm's first evaluation replaces its "Unchecked" reason even without a change.
        if state == self.state && !self.reason.starts_with("Unchecked") {
            return None;
        }
        let points: Vec<String> = present
            .iter()
            .map(|(s, v)| {
                format!(
                    "{} ({})",
                    super::super::proto::query::format_float(*v),
                    fmt_reason_time(*s)
                )
            })
            .collect();
        let reason = match state {
            "INSUFFICIENT_DATA" => format!("Insufficient Data: {missing} datapoints were unknown."),
            "ALARM" => format!(
                "Threshold Crossed: {counted} out of the last {n} datapoints [{}] were {} the threshold ({}) (minimum {m} datapoints for {} -> ALARM transition).",
                points.join(", "),
                self.comparison_words(true),
                super::super::proto::query::format_float(self.threshold),
                if self.state == "INSUFFICIENT_DATA" {
                    "INSUFFICIENT_DATA"
                } else {
                    "OK"
                },
            ),
            _ => format!(
                "Threshold Crossed: {} out of the last {n} datapoints [{}] were {} the threshold ({}) (minimum 1 datapoint for {} -> OK transition).",
                present.len() - breaching_present,
                points.join(", "),
                self.comparison_words(false),
                super::super::proto::query::format_float(self.threshold),
                if self.state == "INSUFFICIENT_DATA" {
                    "INSUFFICIENT_DATA"
                } else {
                    "ALARM"
                },
            ),
        };
        let data = serde_json::json!({
            "version": "1.0",
            "queryDate": iso_ms(t),
            "startDate": iso_ms(end - n * period),
            "statistic": self.stat(),
            "period": self.period,
            "recentDatapoints": present.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
            "threshold": self.threshold,
            "evaluatedDatapoints": present.iter().map(|(s, v)| serde_json::json!({"timestamp": iso_ms(*s), "value": v})).collect::<Vec<_>>(),
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

    #[test]
    fn statistics() {
        assert_eq!(statistic("Average", &[1.0, 3.0]), Some(2.0));
        assert_eq!(statistic("Maximum", &[1.0, 3.0]), Some(3.0));
        assert_eq!(statistic("SampleCount", &[1.0, 3.0]), Some(2.0));
        assert_eq!(statistic("p50", &[1.0, 2.0, 3.0]), Some(2.0));
        assert_eq!(statistic("Average", &[]), None);
    }
}
