//! What a switch will do, shown before it runs and reported while it runs: the plan with every
//! AWS call and its before and after values, the preflight checks, and the progress of an
//! execution. The console's modal and progress view and the CLI's `plan` and `maintenance`
//! commands all show these same values.

use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

/// Which way a switch goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Into maintenance: the sorry page is served.
    On,
    /// Fail back: the site is served again and every original value is restored.
    Off,
}

impl Direction {
    /// `on` or `off`, as on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::On => "on",
            Direction::Off => "off",
        }
    }

    /// What the switch does, in words: "enter maintenance" or "fail back".
    pub fn verb(self) -> &'static str {
        match self {
            Direction::On => "enter maintenance",
            Direction::Off => "fail back",
        }
    }
}

/// One AWS call the switch will make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanStep {
    /// The strategy it belongs to, by its config name (`elb-listener-sorry`).
    pub strategy: String,
    /// The AWS call, `service:Operation` (`elasticloadbalancing:ModifyListener`).
    pub call: String,
    /// The resource it changes: an ID, ARN or record name.
    pub resource: String,
    /// The value now, in one line.
    pub before: String,
    /// The value after the call, in one line.
    pub after: String,
}

/// One preflight check and its result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PreflightCheck {
    /// What is checked, in words ("the sorry target group has healthy targets").
    pub name: String,
    pub passed: bool,
    /// Why it passed or failed, with the values seen.
    pub detail: String,
}

/// Everything an operator sees before confirming a switch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub site: String,
    pub direction: Direction,
    /// The AWS account the calls go to (from STS), if known.
    pub account: Option<String>,
    /// Who makes the calls: the STS caller ARN, if known.
    pub caller: Option<String>,
    /// The region of the site's load balancers and alarms.
    pub region: String,
    /// A protected site: confirmation needs the site name typed.
    pub protected: bool,
    /// Set when there is nothing to do, and why ("already in maintenance since 02:04 by ...").
    pub nothing_to_do: Option<String>,
    /// The calls, in the order they run.
    pub steps: Vec<PlanStep>,
    pub preflight: Vec<PreflightCheck>,
    #[serde(with = "time::serde::rfc3339")]
    pub made_at: OffsetDateTime,
}

impl Plan {
    /// The failed preflight checks: the switch is refused unless forced.
    pub fn failed_checks(&self) -> Vec<&PreflightCheck> {
        self.preflight.iter().filter(|c| !c.passed).collect()
    }

    /// True when a preflight check failed.
    pub fn refused(&self) -> bool {
        self.preflight.iter().any(|c| !c.passed)
    }
}

/// The state of one step while a switch runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepProgress {
    Running,
    Done,
    /// Already in the wanted state: nothing was called.
    Skipped,
    Failed,
    /// Taken back after a later step failed.
    RolledBack,
}

/// What a running switch reports, in order, to the console's progress view and the CLI.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Progress {
    /// A step (index into the plan's steps) changed state.
    Step {
        index: usize,
        state: StepProgress,
        /// The error of a failed step, or a note ("HealthCheckVersion 3 -> 4").
        detail: String,
        /// How long the step has taken so far.
        #[serde(with = "duration_ms")]
        elapsed: Duration,
    },
    /// A verification round: each thing that must converge, and whether it has.
    Verify {
        items: Vec<VerifyItem>,
        /// The estimated time until every item has converged, if known.
        #[serde(with = "option_duration_ms")]
        eta: Option<Duration>,
    },
    /// The switch is over.
    Finished { ok: bool, summary: String },
}

/// One thing verification waits for ("change C123 INSYNC", "DNS answers the secondary").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyItem {
    pub what: String,
    pub converged: bool,
    /// What was seen last.
    pub seen: String,
}

mod duration_ms {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

mod option_duration_ms {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            None => s.serialize_none(),
        }
    }
}
