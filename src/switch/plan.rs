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

    /// The switch that takes this one back.
    pub fn opposite(self) -> Direction {
        match self {
            Direction::On => Direction::Off,
            Direction::Off => Direction::On,
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

/// The result of a preflight check or a verification condition: passed, failed, or could not
/// be checked. A check that could not be made is never a pass: it is shown as its own state
/// (`[??]`), needs the same deliberate `--force` as a failure, and keeps a verification from
/// being done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckResult {
    /// Checked, and as wanted (converged, for a verification condition).
    Passed,
    /// Checked, and not as wanted (not converged yet, for a verification condition).
    Failed,
    /// Not checked: what it needs could not be read, or AWS does not report it. Its detail
    /// says why and what would let it be checked.
    CouldNotCheck,
}

impl CheckResult {
    /// Passed or failed, from a check that was made.
    pub fn from_passed(passed: bool) -> CheckResult {
        if passed {
            CheckResult::Passed
        } else {
            CheckResult::Failed
        }
    }

    /// The CLI's mark, ASCII: `[ok]`, `[FAILED]`, `[??]`.
    pub fn mark(self) -> &'static str {
        match self {
            CheckResult::Passed => "[ok]",
            CheckResult::Failed => "[FAILED]",
            CheckResult::CouldNotCheck => "[??]",
        }
    }
}

/// One preflight check and its result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PreflightCheck {
    /// What is checked, in words ("the sorry target group has healthy targets").
    pub name: String,
    /// Passed, failed, or could not be checked.
    pub result: CheckResult,
    /// Whether it passed (`result` is `passed`); kept for readers of the plan's JSON.
    pub passed: bool,
    /// Why it passed or failed, with the values seen; for a check that could not be made, why
    /// not and what would let it be made.
    pub detail: String,
}

impl PreflightCheck {
    /// A check with its result.
    pub fn new(name: impl Into<String>, result: CheckResult, detail: impl Into<String>) -> Self {
        PreflightCheck {
            name: name.into(),
            result,
            passed: result == CheckResult::Passed,
            detail: detail.into(),
        }
    }

    /// `name: detail`, with `could not be checked` said for a check that was not made.
    pub fn describe(&self) -> String {
        match self.result {
            CheckResult::CouldNotCheck => {
                format!("{}: could not be checked: {}", self.name, self.detail)
            }
            _ => format!("{}: {}", self.name, self.detail),
        }
    }
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
    /// Set when another run holds the site ([`crate::model::journal::Journal::holder`]): a
    /// switch of it under way, or maintenance entered by another operator or machine. The run
    /// stops with exit 7 and nothing changed, unless forced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_by: Option<String>,
    /// The calls, in the order they run.
    pub steps: Vec<PlanStep>,
    pub preflight: Vec<PreflightCheck>,
    #[serde(with = "time::serde::rfc3339")]
    pub made_at: OffsetDateTime,
    /// The plan's hash (SHA-256 of its typed steps and their before and after values, see
    /// [`crate::model::approval::plan_hash`]): what an approval is bound to. `None` when there is
    /// nothing to do.
    #[serde(rename = "plan_hash", default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// The site needs a second person's approval of this plan (`approval = true`), or
    /// `--break-glass`.
    #[serde(default)]
    pub needs_approval: bool,
    /// What the plan was built from, for `execute` to act on it at once (never shown,
    /// serialised or compared).
    #[serde(skip)]
    pub carried: Carried,
}

/// The typed steps of an entry and what its verification expects, as the plan read them: with
/// them, `execute` makes its first change at once, on the conditions of the plan's own values,
/// instead of reading the site again (see `engine::fast_entry`). Not part of what a plan says:
/// two plans that say the same are equal whatever they carry.
#[derive(Clone, Default)]
pub struct Carried(pub(crate) Option<std::sync::Arc<super::engine::Ready>>);

impl PartialEq for Carried {
    fn eq(&self, _: &Carried) -> bool {
        true
    }
}

impl Eq for Carried {}

impl std::fmt::Debug for Carried {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Carried(steps)"
        } else {
            "Carried(none)"
        })
    }
}

impl Plan {
    /// The preflight checks that did not pass (failed, or could not be checked): the switch is
    /// refused unless forced.
    pub fn failed_checks(&self) -> Vec<&PreflightCheck> {
        self.preflight
            .iter()
            .filter(|c| c.result != CheckResult::Passed)
            .collect()
    }

    /// True when a preflight check failed or could not be checked.
    pub fn refused(&self) -> bool {
        !self.failed_checks().is_empty()
    }

    /// How many checks failed and how many could not be checked, in words: `1 preflight
    /// check(s) failed, 2 could not be checked`.
    pub fn refusal(&self) -> String {
        let failed = self
            .preflight
            .iter()
            .filter(|c| c.result == CheckResult::Failed)
            .count();
        let unchecked = self
            .preflight
            .iter()
            .filter(|c| c.result == CheckResult::CouldNotCheck)
            .count();
        match (failed, unchecked) {
            (f, 0) => format!("{f} preflight check(s) failed"),
            (0, u) => format!("{u} preflight check(s) could not be checked"),
            (f, u) => format!("{f} preflight check(s) failed, {u} could not be checked"),
        }
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
        /// The time left until clients see the change (wall clock), from `countdown`.
        #[serde(with = "option_duration_ms")]
        eta: Option<Duration>,
        /// The switch's one ETA: when it converges at the latest and when clients see it.
        countdown: Option<crate::model::eta::Countdown>,
    },
    /// The operator cancelled the switch: it stopped between two steps (or while verifying),
    /// and the switch in the other direction, `plan`, now takes back what it did. The `Step`
    /// and `Verify` events that follow are that plan's.
    RollingBack {
        plan: Box<Plan>,
        /// What the cancelled switch had done when it stopped.
        stopped: String,
    },
    /// Something beside the switch that the operator must know, which changes nothing of it
    /// (the AWS history could not be written, or older entries of it were rotated out).
    Notice { warning: bool, text: String },
    /// The switch is over.
    Finished { ok: bool, summary: String },
}

/// One thing verification waits for ("change C123 INSYNC", "DNS answers the secondary").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyItem {
    pub what: String,
    /// Whether it converged (`result` is `passed`).
    pub converged: bool,
    /// Converged (`passed`), not yet (`failed`), or could not be checked: a condition that
    /// could not be checked keeps the switch from being done.
    pub result: CheckResult,
    /// What was seen last; for a condition that could not be checked, why not.
    pub seen: String,
    /// Its read failed (not checked this time): it is looked at again until the time is up.
    #[serde(skip)]
    pub retry: bool,
    /// When verification first saw it converged (this machine's clock): the window report's
    /// measured times.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub converged_at: Option<OffsetDateTime>,
}

impl VerifyItem {
    /// A condition looked at: converged or not.
    pub fn new(what: String, converged: bool, seen: String) -> VerifyItem {
        VerifyItem {
            what,
            converged,
            result: CheckResult::from_passed(converged),
            seen,
            retry: false,
            converged_at: None,
        }
    }

    /// A condition switchyard cannot check, and why (and what would let it).
    pub fn could_not_check(what: String, why: String) -> VerifyItem {
        VerifyItem {
            what,
            converged: false,
            result: CheckResult::CouldNotCheck,
            seen: why,
            retry: false,
            converged_at: None,
        }
    }

    /// A condition that could not be checked this time because its read failed (why): looked
    /// at again until the time is up.
    pub fn unreadable(what: String, why: String) -> VerifyItem {
        VerifyItem {
            retry: true,
            ..VerifyItem::could_not_check(what, why)
        }
    }
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
