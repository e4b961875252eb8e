//! Sentences about alarms, shared by the verdict and the events.

use super::cloudwatch::{Alarm, AlarmState};

/// `alarm app-1-StatusCheckFailed in ALARM: Threshold Crossed: ...` or
/// `alarm app-1-StatusCheckFailed has INSUFFICIENT_DATA (a stopped instance sends no
/// StatusCheckFailed data)`.
pub(crate) fn alarm_reason(alarm: &Alarm) -> String {
    match alarm.state {
        AlarmState::Alarm if alarm.reason.is_empty() => format!("alarm {} in ALARM", alarm.name),
        AlarmState::Alarm => format!("alarm {} in ALARM: {}", alarm.name, alarm.reason),
        AlarmState::InsufficientData if alarm.watches_status_check() => format!(
            "alarm {} has INSUFFICIENT_DATA (a stopped instance sends no StatusCheckFailed data)",
            alarm.name
        ),
        AlarmState::InsufficientData => format!("alarm {} has INSUFFICIENT_DATA", alarm.name),
        AlarmState::Ok => format!("alarm {} OK", alarm.name),
    }
}
