//! The pure domain model: what switchyard observes of a site, the verdict on it, and the events
//! between two observations.
//!
//! No I/O, no async, no AWS SDK types, no clock reads: `now` is always passed in. The AWS adapter
//! maps SDK types into these types, the poller fills a [`SiteObservations`] per site, the UI and
//! the JSON report render them, and the switch engine plans from them.
//!
//! Serialisation: instants are RFC 3339 strings, spans are seconds (fractional if needed), AWS
//! enumerations keep AWS's spelling.

mod alarm_texts;
pub mod cloudfront;
pub mod cloudwatch;
pub mod elb;
pub mod error;
pub mod event;
pub mod health;
pub mod maintenance;
pub mod obs;
pub mod route53;
mod serde_util;
pub mod site;
pub mod strings;
pub mod sts;
pub mod verdict;

#[cfg(test)]
pub(crate) mod fixtures;

pub use cloudfront::{
    Distribution, DistributionStatus, ErrorResponse, Invalidation, InvalidationStatus, Origin,
};
pub use cloudwatch::{Alarm, AlarmState, MetricSeries};
pub use elb::{
    ActionKind, FixedResponse, ForwardConfig, Listener, ListenerAction, LoadBalancer,
    LoadBalancerKind, Redirect, Rule, RuleCondition, Stickiness, TargetGroup,
    TargetGroupHealthCheck, TargetHealth, TargetState, WeightedTargetGroup,
};
pub use error::{AwsError, ErrorKind, iam_action_from_message};
pub use event::{ActionOutcome, Event, EventKind, OperatorAction, diff};
pub use health::{CheckHealth, CheckerCount, Evidence, Health, RecordHealth, TargetVerdict};
pub use health::{check_health, record_health};
pub use maintenance::{MaintenanceMarker, MaintenancePhase};
pub use obs::{FetchError, Fetched, human_span};
pub use route53::{
    AlarmRef, AliasTarget, ChangeStatus, CheckerObservation, DnsAnswer, Failover, HealthCheck,
    HealthCheckKind, HealthCheckStatus, HealthCheckTarget, InsufficientDataHealth, PendingChange,
    RecordSet,
};
pub use site::{
    AlarmObservations, DistributionObservations, FetchState, HealthCheckObservations, RecordLayout,
    SiteObservations,
};
pub use sts::Identity;
pub use verdict::{Eta, EtaPart, Served, Verdict, VerdictKind, verdict};
