//! The console's maintenance actions hook: how `m` (maintenance on) and `f` (fail back) reach
//! the switch engine, and how the engine's answers come back. The console never calls AWS.
//!
//! # The contract
//!
//! ```text
//!   console (tui::run)                               whoever serves actions (the switch engine)
//!   ------------------                               -----------------------------------------
//!   ActionLink::requests  --ActionRequest-->         ActionServer::requests
//!   creates the update channel, sends its sender
//!   ActionLink::connect   --Sender<ActionUpdate>-->  ActionServer::connect (once, at start)
//!   app.update(Msg::Action) <--ActionUpdate--        the Sender<ActionUpdate> received above
//! ```
//!
//! Build both ends with [`link`], give the [`ActionLink`] to [`crate::tui::run`] (or `None`:
//! every action is hidden) and serve the [`ActionServer`] in a task:
//!
//! ```no_run
//! # async fn serve(server: switchyard::tui::actions::ActionServer) {
//! use switchyard::tui::actions::{ActionRequest, ActionUpdate};
//! let Ok(updates) = server.connect.await else { return }; // the console did not start
//! let mut requests = server.requests;
//! while let Some(request) = requests.recv().await {
//!     match request {
//!         ActionRequest::Plan { site, direction } => {
//!             let _ = updates.send(ActionUpdate::Planned(Err(format!("no engine for {site}")))).await;
//!         }
//!         ActionRequest::Execute { plan, force, reason } => { /* send Progress(..) values, Finished last */ }
//!         ActionRequest::Cancel => { /* forget the plan being made */ }
//!         ActionRequest::RollBack => { /* stop the running switch and take it back */ }
//!         ActionRequest::Decide { .. } => { /* write the approval or decline, answer Decided */ }
//!     }
//! }
//! # }
//! ```
//!
//! Rules the console relies on:
//! - one `Plan` request is answered by exactly one `Planned`;
//! - an `Execute` is answered by `Progress` values, ending with exactly one
//!   [`Progress::Finished`](crate::switch::plan::Progress::Finished);
//! - `Execute` is only sent for a plan that came back in `Planned`, after the operator confirmed
//!   it (typed the site name for a protected site; chose "force" twice for a refused preflight,
//!   then `force` is true);
//! - `Cancel` is sent when the operator closes the "planning" modal; it may be ignored when
//!   there is nothing to cancel.
//! - `RollBack` is sent when the operator cancels a running switch (`c`, then `y`; or "roll
//!   back, then quit"): the switch stops between two steps and is taken back; its
//!   `Progress::RollingBack` comes before the way back's steps, and one `Finished` ends both.
//!   Quitting without it stops a running switch after the step running (recorded in the
//!   journal), or ends its verification.
//! - The requests channel closing means the console has quit.

use tokio::sync::{mpsc, oneshot};

use crate::switch::plan::{Direction, Plan, Progress};

/// What the console asks of the switch engine (a few messages per switch: the plan's size
/// costs nothing worth a box).
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum ActionRequest {
    /// Build the plan (with its preflight checks) for a site, from the current observations.
    Plan { site: String, direction: Direction },
    /// Run a plan the operator confirmed.
    Execute {
        plan: Plan,
        /// Run although a preflight check failed (the operator chose "force" twice).
        force: bool,
        /// Why, as the operator typed it.
        reason: Option<String>,
    },
    /// Forget the plan being made.
    Cancel,
    /// Cancel the running switch: it stops between two steps (or verifying) and the engine
    /// takes back what it did (progress says `RollingBack`, then the way back's steps).
    /// Ignored when no switch runs.
    RollBack,
    /// Approve (or decline, with a comment) the request of `site` whose plan hash is `hash`,
    /// as this console's caller: answered by one [`ActionUpdate::Decided`].
    Decide {
        site: String,
        hash: String,
        approve: bool,
        comment: Option<String>,
    },
}

/// What the switch engine tells the console.
#[derive(Clone, Debug, PartialEq)]
pub enum ActionUpdate {
    /// The answer to [`ActionRequest::Plan`]: the plan, or why there is none.
    Planned(Result<Plan, String>),
    /// How an [`ActionRequest::Execute`] goes.
    Progress(Progress),
    /// The answer to [`ActionRequest::Decide`]: what was written, or why nothing was.
    Decided(Result<String, String>),
}

/// The console's end: given to [`crate::tui::run`].
#[derive(Debug)]
pub struct ActionLink {
    pub requests: mpsc::Sender<ActionRequest>,
    /// The console sends the sender of its update channel here once, when it starts.
    pub connect: oneshot::Sender<mpsc::Sender<ActionUpdate>>,
}

/// The engine's end.
#[derive(Debug)]
pub struct ActionServer {
    pub requests: mpsc::Receiver<ActionRequest>,
    /// Resolves to the sender for updates once the console runs (an error if it never does).
    pub connect: oneshot::Receiver<mpsc::Sender<ActionUpdate>>,
}

/// Both ends of the action channel.
pub fn link() -> (ActionLink, ActionServer) {
    let (requests_tx, requests_rx) = mpsc::channel(16);
    let (connect_tx, connect_rx) = oneshot::channel();
    (
        ActionLink {
            requests: requests_tx,
            connect: connect_tx,
        },
        ActionServer {
            requests: requests_rx,
            connect: connect_rx,
        },
    )
}
