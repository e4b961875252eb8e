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
    /// Set when the switch under way was stopped before its last step (a signal) and has not
    /// been finished or undone since: nobody is at work on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<Interruption>,
    /// When the maintenance window ends (`None`: it has no end, as in journals written before
    /// windows had one). Past it the site is MAINTENANCE OVERDUE.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub expires_at: Option<OffsetDateTime>,
    /// `expires_at` in the reader's clock (AWS's clock, as its responses' `Date` headers say,
    /// may differ from the machine's: the emulator's runs on its own); the verdict compares it
    /// with its `now`. `None`: the same as `expires_at`.
    #[serde(skip)]
    pub expires_local: Option<OffsetDateTime>,
    /// The switch was made without approval, by `--break-glass` (who, why): shown in red
    /// everywhere, `BREAK-GLASS` without colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub break_glass: Option<super::approval::BreakGlass>,
    /// Who approved the switch, on a site that needs approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// The Route 53 changes of the steps done, to follow until INSYNC.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
}

/// A switch stopped before its last step, as the journal records it (see
/// [`super::journal::Journal::interruption`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interruption {
    /// Who ran the switch that was stopped (the caller ARN).
    pub by: String,
    /// The machine it ran on.
    pub host: String,
    /// When it stopped.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Steps of the switch done (entering) or undone (failing back) when it stopped.
    pub done: usize,
    /// Steps of the switch in all.
    pub total: usize,
    /// What the journal says of the stop, e.g. `by a signal, 2026-11-22T02:00:00Z (maintenance on)`.
    pub why: String,
    /// How it stopped.
    #[serde(default)]
    pub how: StopKind,
}

/// How a switch came to stop before its last step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopKind {
    /// Between two steps, by SIGINT, SIGTERM or SIGHUP: the journal records the stop.
    #[default]
    Signal,
    /// Without a word (killed, its session or machine lost): no stop recorded, and no journal
    /// update for [`super::journal::ABANDONED_AFTER`].
    Abandoned,
}

impl StopKind {
    /// Its name in the JSON contract.
    pub fn as_str(self) -> &'static str {
        match self {
            StopKind::Signal => "signal",
            StopKind::Abandoned => "abandoned",
        }
    }
}

impl MaintenancePhase {
    /// The switch under way in this phase, in the operator's words: `maintenance on` while
    /// entering, `maintenance off (fail back)` while leaving.
    pub fn switch_name(self) -> &'static str {
        match self {
            MaintenancePhase::Entering | MaintenancePhase::Active => "maintenance on",
            MaintenancePhase::Leaving => "maintenance off (fail back)",
        }
    }

    /// The command that finishes a switch stopped in this phase: the same command again.
    pub fn finish_command(self, site: &str) -> String {
        match self {
            MaintenancePhase::Entering | MaintenancePhase::Active => {
                format!("switchyard maintenance on --site {site}")
            }
            MaintenancePhase::Leaving => format!("switchyard maintenance off --site {site}"),
        }
    }

    /// The command that undoes a switch stopped in this phase: the opposite command, which puts
    /// back what the site had before it started.
    pub fn undo_command(self, site: &str) -> String {
        match self {
            MaintenancePhase::Entering | MaintenancePhase::Active => {
                format!("switchyard maintenance off --site {site}")
            }
            MaintenancePhase::Leaving => format!("switchyard maintenance on --site {site}"),
        }
    }
}
