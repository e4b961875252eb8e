//! Why a switch did not happen or did not finish, and the exit codes the CLI gives for it.

use crate::model::error::{AwsError, ErrorKind};

use super::plan::PreflightCheck;

/// Exit codes of `plan`, `maintenance`, `wait` and `log` (documented in their `--help`).
pub mod exit {
    /// Done, or nothing to do.
    pub const OK: i32 = 0;
    /// Usage or config error (unknown site, read-only site, a strategy that does not fit).
    pub const USAGE: i32 = 2;
    /// Credentials or access: AWS refused or could not be reached to read the site.
    pub const ACCESS: i32 = 3;
    /// Refused: a preflight check failed (give `--force` to override).
    pub const REFUSED: i32 = 4;
    /// A step failed: the steps done were undone, or the journal says what is left for
    /// `maintenance off`.
    pub const STEP_FAILED: i32 = 5;
    /// The switch was made but did not converge before `--timeout` (or `wait` timed out).
    pub const TIMEOUT: i32 = 6;
    /// Conflict: another operator holds the site, or AWS changed since the plan was made.
    pub const CONFLICT: i32 = 7;
    /// Not confirmed: the operator did not type the site name, or there was no terminal to ask
    /// on and no `--yes`.
    pub const NOT_CONFIRMED: i32 = 8;
    /// Stopped between steps by a signal (SIGINT, SIGTERM, SIGHUP), or the console quit while
    /// its switch ran: the journal records every step done and the site reads INTERRUPTED; the
    /// same command again finishes the switch, the opposite one undoes it.
    pub const STOPPED: i32 = 9;
    /// A protected site's switch awaits a second person's approval: the request is in the
    /// journal in AWS (`maintenance on|off --no-wait`); `switchyard approve` by another identity
    /// approves it, and the same command again then makes the switch.
    pub const AWAITING_APPROVAL: i32 = 18;
    /// Not approved: declined (with the approver's comment), the request or the approval
    /// expired, the plan changed since it was approved (a changed plan needs a new approval), or
    /// an approval switchyard never writes (by the requester itself); and `approve` of one's own
    /// request. Nothing was changed.
    pub const NOT_APPROVED: i32 = 19;
}

/// Why a switch failed. Every variant says what was done and what was not.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SwitchError {
    /// The config or the site's setup does not allow the switch.
    #[error("{0}")]
    Usage(String),
    /// Reading the site from AWS failed.
    #[error("cannot read the site from AWS: {}", .0.summary())]
    Read(AwsError),
    /// A preflight check failed and the switch was not forced.
    #[error("refused by preflight checks: {}", describe_failed(.0))]
    Refused(Vec<PreflightCheck>),
    /// Another operator, or a change in AWS since the plan.
    #[error("{0}")]
    Conflict(String),
    /// A step failed; `detail` says what was undone and what is left.
    #[error("step {} ({}) failed: {error}; {detail}", .index + 1, .call)]
    StepFailed {
        /// The index of the step in the plan.
        index: usize,
        /// The AWS call of the step.
        call: String,
        /// The error.
        error: String,
        /// What was done about it.
        detail: String,
        /// AWS refused it for lack of access or credentials (exit 3, not 5).
        access: bool,
    },
    /// Stopped between two steps (a signal): what was done is recorded in the journal.
    #[error("{0}")]
    Stopped(String),
    /// Cancelled by the operator (the console's `c`): the switch stopped and the switch in
    /// the other direction took back what it had done; says what the site is now.
    #[error("{0}")]
    Cancelled(String),
    /// A protected site's switch was not approved (declined, expired, approved for another plan,
    /// or by the requester itself): nothing was changed.
    #[error("{0}")]
    NotApproved(String),
    /// The journal could not be written (AWS refused the write or did not answer), and no one
    /// else changed it: stopped there; `detail` says what the journal still records.
    #[error("the maintenance journal could not be updated: {}; {detail}", .error.summary())]
    JournalWrite {
        /// Why the write failed.
        error: AwsError,
        /// What the journal records and how to go on.
        detail: String,
    },
}

fn describe_failed(checks: &[PreflightCheck]) -> String {
    checks
        .iter()
        .filter(|c| c.result != super::plan::CheckResult::Passed)
        .map(PreflightCheck::describe)
        .collect::<Vec<_>>()
        .join("; ")
}

impl SwitchError {
    /// The CLI's exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            SwitchError::Usage(_) => exit::USAGE,
            SwitchError::Read(e) if e.kind == ErrorKind::AccessDenied => exit::ACCESS,
            SwitchError::Read(e) if is_credentials(e) => exit::ACCESS,
            SwitchError::Read(_) => exit::STEP_FAILED,
            SwitchError::Refused(_) => exit::REFUSED,
            SwitchError::Conflict(_) => exit::CONFLICT,
            SwitchError::NotApproved(_) => exit::NOT_APPROVED,
            SwitchError::StepFailed { access: true, .. } => exit::ACCESS,
            SwitchError::StepFailed { .. } => exit::STEP_FAILED,
            SwitchError::Stopped(_) | SwitchError::Cancelled(_) => exit::STOPPED,
            SwitchError::JournalWrite { error, .. }
                if error.kind == ErrorKind::AccessDenied
                    || error.kind == ErrorKind::Credentials =>
            {
                exit::ACCESS
            }
            SwitchError::JournalWrite { .. } => exit::STEP_FAILED,
        }
    }
}

fn is_credentials(e: &AwsError) -> bool {
    matches!(e.kind, ErrorKind::Credentials | ErrorKind::Network)
}

#[cfg(test)]
mod tests {
    use super::exit::*;

    #[test]
    fn exit_codes_are_distinct() {
        let mut all = [
            OK,
            USAGE,
            ACCESS,
            REFUSED,
            STEP_FAILED,
            TIMEOUT,
            CONFLICT,
            NOT_CONFIRMED,
            STOPPED,
            AWAITING_APPROVAL,
            NOT_APPROVED,
        ];
        all.sort_unstable();
        let n = all.len();
        let mut dedup = all.to_vec();
        dedup.dedup();
        assert_eq!(dedup.len(), n);
        // The status verdict codes (10-17) are not reused.
        assert!(all.iter().all(|c| !(10..=17).contains(c)));
    }
}
