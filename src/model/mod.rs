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
pub mod approval;
pub mod chain;
pub mod cloudfront;
pub mod cloudwatch;
pub mod completeness;
pub mod elb;
pub mod error;
pub mod eta;
pub(crate) mod event;
mod failover_texts;
pub(crate) mod health;
pub mod history;
pub(crate) mod infer;
pub mod journal;
pub(crate) mod listener_rules;
pub(crate) mod maintenance;
pub mod names;
pub(crate) mod obs;
pub(crate) mod policy;
pub(crate) mod precedence;
pub mod probe;
pub mod route53;
mod serde_util;
pub(crate) mod serves;
pub mod share;
pub mod site;
pub(crate) mod stack;
pub(crate) mod strings;
pub(crate) mod sts;
pub(crate) mod verdict;

/// Test fixtures: they live with the tests, outside `src/`.
#[cfg(test)]
#[path = "../../tests/fixtures/model.rs"]
pub(crate) mod fixtures;
