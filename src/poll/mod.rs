//! The scheduler: what to fetch when, per-service rate budgets, backoff, staleness.

pub(crate) mod limit;
pub mod poller;
pub mod round;
pub mod session;
pub mod share;
