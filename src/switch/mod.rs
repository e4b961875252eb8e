//! The maintenance engine: strategies → plan → preflight → execute → verify → fail back.
//!
//! The console and the CLI use the same three calls:
//!
//! ```text
//! pub async fn plan(clients: &Clients, resolver: &Resolver, site: &config::Site,
//!                   direction: Direction, caller: Option<&model::sts::Identity>)
//!     -> Result<Plan, SwitchError>
//! pub async fn execute(clients: &Clients, resolver: &Resolver, site: &config::Site,
//!                      plan: &Plan, opts: &ExecuteOptions,
//!                      progress: tokio::sync::mpsc::UnboundedSender<Progress>)
//!     -> Result<Outcome, SwitchError>
//! pub async fn read_journal(clients: &Clients, site: &config::Site)
//!     -> Result<Option<(Journal, Vec<String>)>, SwitchError>
//! ```
//!
//! The console holds a `poll::session::Session`: for a site, `groups[i].fetcher.clients` and
//! `session.resolver` are what to pass; the caller comes from `aws::sts::identity`.
//!
//! - [`plan`] reads the site fresh (`poll::round::Fetcher::round` at `Depth::Detail`, plus the
//!   journal) and returns every step with its exact AWS call and before/after values, and the
//!   preflight checks. It only reads. `Plan::nothing_to_do` says when `on` finds the site in
//!   maintenance already, or `off` finds it live.
//! - [`execute`] reads the site again and refuses with [`SwitchError::Conflict`] if the plan no
//!   longer matches AWS (a HealthCheckVersion, a record, a listener changed): what runs is what
//!   was confirmed. A failed preflight check refuses ([`SwitchError::Refused`]) unless
//!   `ExecuteOptions::force`. Each step is recorded `Started` in the journal before its call and
//!   `Done` after; if a step fails, the steps done are undone and the journal removed (or, if an
//!   undo fails too, the journal says exactly what is left for `maintenance off`). With
//!   `ExecuteOptions::wait` it verifies until converged or the timeout; `Progress` events go to
//!   `progress` all along, ending with `Progress::Finished`. One line goes to the audit log
//!   (`ExecuteOptions::audit_log`) whatever happens. `ExecuteOptions::stop` (a signal) stops it
//!   between two steps, recorded in the journal; `ExecuteOptions::roll_back` (the console's
//!   cancel) stops it the same way, then runs the switch in the other direction, planned from
//!   the journal as `maintenance on|off` would, to take back what it did
//!   (`Progress::RollingBack` in between; a second audit line).
//!
//! The journal (`_switchyard.<record>` TXT: its types in [`crate::model::journal`], its reads
//! and writes in [`journal`]) is the maintenance state that every operator sees: it is CREATEd
//! before the first change (the second of two concurrent operators fails with "maintenance
//! already entered by X at T", [`SwitchError::Conflict`]) and replaced with DELETE-exact +
//! CREATE in one batch. `on` with an unfinished entry (phase Entering)
//! resumes it; `off` undoes every step Done or Started (each step checks AWS first: a step
//! already in the wanted state is skipped, a resource changed by someone else is a conflict,
//! never overwritten), makes the fail-back invalidations, and deletes the journal.
//!
//! A site with `approval = true` switches only with a second person's approval of the exact
//! plan ([`approval`]): the request (the plan, its hash, the requester) is written into the
//! journal (phase `AwaitingApproval` for `on`; beside the journal in effect for `off`), another
//! identity writes its decision beside it, and [`execute`] lets the switch through only when,
//! planned again right before the first change, its hash is the approved one, the approver is
//! not the requester and the approval has not expired (AWS's clock); or with
//! `ExecuteOptions::break_glass`, recorded in the journal, the audit log and the AWS history.

pub mod approval;
pub(crate) mod audit;
pub(crate) mod binding;
pub mod engine;
pub(crate) mod error;
pub mod extend;
pub mod history;
pub(crate) mod journal;
pub mod plan;
pub(crate) mod rules;
pub(crate) mod steps;
pub(crate) mod verify;

pub use engine::{ExecuteOptions, execute, plan};
pub use error::SwitchError;
pub use plan::Direction;
