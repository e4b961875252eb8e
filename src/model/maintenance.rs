//! The maintenance marker switchyard leaves beside a site's record while it forces maintenance.
//!
//! The switch engine writes the marker (the journal, a TXT record next to the site's record, see
//! [`super::journal`]); the rest of the model only needs this summary of it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Where a forced maintenance is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaintenancePhase {
    /// Switching to the sorry page: steps are being applied.
    Entering,
    /// Every step applied; the sorry page should be served.
    Active,
    /// Failing back: steps are being undone.
    Leaving,
}

impl MaintenancePhase {
    /// `entering`, `active` or `leaving`.
    pub fn as_str(self) -> &'static str {
        match self {
            MaintenancePhase::Entering => "entering",
            MaintenancePhase::Active => "active",
            MaintenancePhase::Leaving => "leaving",
        }
    }
}

/// A maintenance forced by switchyard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceMarker {
    /// The caller ARN of whoever forced it.
    pub by: String,
    /// When it was forced.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Why, as the operator typed it.
    pub reason: Option<String>,
    /// The strategies applied (names from the config, e.g. `dns-failover`, `listener`).
    pub strategies: Vec<String>,
    /// Entering, active or leaving.
    pub phase: MaintenancePhase,
    /// Steps done so far in this phase.
    pub done_steps: usize,
    /// Steps in this phase.
    pub total_steps: usize,
    /// The Route 53 changes of the steps done, to follow until INSYNC.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
}
