//! CloudWatch: alarms and metric series.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::route53::AlarmRef;
use super::serde_util::{rfc3339_points, secs};

/// The state of a CloudWatch alarm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlarmState {
    /// The metric is within the threshold.
    Ok,
    /// The metric breached the threshold.
    Alarm,
    /// Not enough data to decide (new alarms; a stopped instance sends no data).
    InsufficientData,
}

impl AlarmState {
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`, as AWS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmState::Ok => "OK",
            AlarmState::Alarm => "ALARM",
            AlarmState::InsufficientData => "INSUFFICIENT_DATA",
        }
    }

    /// Reads AWS's spelling.
    pub fn from_aws(s: &str) -> Option<AlarmState> {
        match s {
            "OK" => Some(AlarmState::Ok),
            "ALARM" => Some(AlarmState::Alarm),
            "INSUFFICIENT_DATA" => Some(AlarmState::InsufficientData),
            _ => None,
        }
    }
}

/// One state change of an alarm, as DescribeAlarmHistory lists it (`StateUpdate` items).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlarmStateChange {
    /// When the alarm changed state (AWS's time).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The state it left, when the item says.
    pub from: Option<AlarmState>,
    /// The state it entered, when the item says.
    pub to: Option<AlarmState>,
    /// CloudWatch's reason for the new state (`newState.stateReason`), or its summary
    /// (`Alarm updated from OK to ALARM`) when the item carries no reason.
    pub reason: String,
}

/// A CloudWatch metric alarm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    /// The alarm name.
    pub name: String,
    /// The alarm's region.
    pub region: String,
    /// The alarm ARN.
    pub arn: String,
    /// The current state.
    pub state: AlarmState,
    /// CloudWatch's reason for the state, e.g. `Threshold Crossed: 1 datapoint [1.0 ...]`.
    pub reason: String,
    /// When the state last changed.
    #[serde(with = "time::serde::rfc3339::option")]
    pub state_updated: Option<OffsetDateTime>,
    /// Whether alarm actions run (DisableAlarmActions turns this off, the state is unaffected).
    pub actions_enabled: bool,
    /// The metric namespace, e.g. `AWS/EC2` (None for metric-math alarms).
    pub namespace: Option<String>,
    /// The metric name, e.g. `StatusCheckFailed`.
    pub metric: Option<String>,
    /// The metric dimensions, e.g. `[("InstanceId", "i-0abc")]`.
    pub dimensions: Vec<(String, String)>,
    /// The statistic, e.g. `Maximum`.
    pub statistic: Option<String>,
    /// The evaluation period.
    #[serde(with = "secs")]
    pub period: Duration,
    /// How many periods are evaluated.
    pub evaluation_periods: u32,
    /// How many of them must breach (defaults to `evaluation_periods`).
    pub datapoints_to_alarm: Option<u32>,
    /// The threshold.
    pub threshold: Option<f64>,
    /// The comparison, e.g. `GreaterThanOrEqualToThreshold`.
    pub comparison: String,
    /// `missing`, `notBreaching`, `breaching` or `ignore`.
    pub treat_missing_data: Option<String>,
}

impl Alarm {
    /// The reference a CLOUDWATCH_METRIC health check uses for this alarm.
    pub fn alarm_ref(&self) -> AlarmRef {
        AlarmRef {
            region: self.region.clone(),
            name: self.name.clone(),
        }
    }

    /// Whether this alarm watches an EC2 status check metric (`StatusCheckFailed*`), whose data
    /// stops when the instance is stopped.
    pub fn watches_status_check(&self) -> bool {
        self.namespace.as_deref() == Some("AWS/EC2")
            && self
                .metric
                .as_deref()
                .is_some_and(|m| m.starts_with("StatusCheckFailed"))
    }

    /// How long the alarm needs at worst to change state: Period x EvaluationPeriods.
    pub fn worst_case_evaluation(&self) -> Duration {
        self.period * self.evaluation_periods.max(1)
    }
}

/// A metric's recent datapoints, for a sparkline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricSeries {
    /// What the series is, e.g. `StatusCheckFailed i-0abc (Maximum, 1 min)`.
    pub label: String,
    /// (timestamp, value), oldest first.
    #[serde(with = "rfc3339_points")]
    pub points: Vec<(OffsetDateTime, f64)>,
}

impl MetricSeries {
    /// The newest datapoint.
    pub fn latest(&self) -> Option<(OffsetDateTime, f64)> {
        self.points.iter().copied().max_by_key(|(at, _)| *at)
    }
}
