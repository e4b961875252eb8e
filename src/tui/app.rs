//! The console's state and its pure update: `update(&mut App, Msg) -> Vec<Effect>` does no I/O
//! and reads no clock (`now` comes with [`Msg::Tick`]), so every behaviour is testable headless.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use time::OffsetDateTime;

pub use crate::commands::rehearse::Fault;
use crate::model::completeness::{completeness, site_verdict};
use crate::model::event::{ActionOutcome, Event, OperatorAction, diff};
use crate::model::site::SiteObservations;
use crate::model::verdict::Verdict;
use crate::poll::poller::PollUpdate;
use crate::switch::plan::{Direction, Plan, Progress, StepProgress, VerifyItem};

use super::actions::{ActionRequest, ActionUpdate};
use super::keymap::{self, Action, Context};
use super::theme::Theme;

/// How many events the timeline keeps in memory (the file keeps them all).
pub const TIMELINE_MAX: usize = 5000;

/// What happens to the app.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// SIGINT: as ctrl-c.
    Interrupt,
    /// A second passed (or the loop woke up): the clock, for data ages.
    Tick(OffsetDateTime),
    Poll(PollUpdate),
    Action(ActionUpdate),
    /// The terminal was resized.
    Resize,
    /// Who the console calls AWS as, where, and until when (one per set of clients).
    Context(Vec<crate::model::sts::CallerContext>),
    /// Where the observations come from now: this console's poller, or one shared with this
    /// user's other processes.
    Poller(crate::model::share::PollerSource),
    /// A rehearsal's fault was applied to the copy (or could not be).
    Faulted {
        fault: Fault,
        result: Result<String, String>,
    },
}

/// What the loop around the app must do.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    Quit,
    /// Tell the poller which site is on screen (polled in detail).
    Focus(Option<String>),
    /// Ask the poller for a round now.
    Refresh,
    /// Send to the switch engine.
    Request(ActionRequest),
    /// Append to the event log file.
    Record(Event),
    /// Apply a fault to the rehearsal's copy.
    Fault(Fault),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Overview,
    Detail,
    Timeline,
    Help,
}

/// How the overview is sorted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    /// As in the config file.
    Config,
    /// Worst verdict first.
    Severity,
    Name,
    /// Oldest data first.
    Age,
}

impl SortKey {
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Config => "config",
            SortKey::Severity => "severity",
            SortKey::Name => "name",
            SortKey::Age => "age",
        }
    }

    fn next(self) -> SortKey {
        match self {
            SortKey::Config => SortKey::Severity,
            SortKey::Severity => SortKey::Name,
            SortKey::Name => SortKey::Age,
            SortKey::Age => SortKey::Config,
        }
    }
}

/// One site as the console knows it.
#[derive(Clone, Debug)]
pub struct SiteState {
    /// Shared with the poller's update (and a shared poller's joiners), not copied.
    pub obs: std::sync::Arc<SiteObservations>,
    /// Judged at `judged_at`; see [`SiteState::data_age`] for its data's age now.
    pub verdict: Verdict,
    /// The config says read_only for this site.
    pub read_only: bool,
    /// Whether the poller has sent anything for it yet.
    pub received: bool,
    /// What of the chain was not read, and why (`completeness`), judged with the verdict so
    /// that a frame does not judge 200 sites again; empty before the first poll.
    pub unread: Vec<String>,
    /// Whether a read of its chain failed the last time it was tried (the overview's "!"
    /// beside the age), found once per poll update, not once per frame.
    pub fetch_failing: bool,
    /// When the verdict and `unread` were judged.
    pub judged_at: OffsetDateTime,
    /// Until when they hold as judged: `None` while only new observations can change them
    /// (see [`crate::model::obs::tracked`]). The once-a-second tick judges a site again only
    /// after this.
    pub holds_through: Option<OffsetDateTime>,
}

impl SiteState {
    fn new(
        obs: SiteObservations,
        read_only: bool,
        now: OffsetDateTime,
        stale_after: Duration,
    ) -> Self {
        let ((verdict, unread), holds_through) = judged(&obs, false, now, stale_after);
        SiteState {
            verdict,
            fetch_failing: fetch_failing(&obs),
            obs: std::sync::Arc::new(obs),
            read_only,
            received: false,
            unread,
            judged_at: now,
            holds_through,
        }
    }

    /// The verdict and what was not read, judged again at `now`.
    fn judge(&mut self, now: OffsetDateTime, stale_after: Duration) {
        let ((verdict, unread), holds_through) = judged(&self.obs, self.received, now, stale_after);
        self.verdict = verdict;
        self.unread = unread;
        self.judged_at = now;
        self.holds_through = holds_through;
    }

    /// Whether the verdict as judged still holds at `now`.
    fn holds_at(&self, now: OffsetDateTime) -> bool {
        now >= self.judged_at && self.holds_through.is_none_or(|t| now <= t)
    }

    /// The age at `now` of the oldest data the verdict relied on: its age when judged plus the
    /// time since (ages grow with the clock; what makes data stale is judged again in time).
    pub fn data_age(&self, now: OffsetDateTime) -> Option<Duration> {
        let since = Duration::try_from(now - self.judged_at).unwrap_or(Duration::ZERO);
        self.verdict.data_age.map(|a| a + since)
    }
}

/// Whether the last try of any read of the site's chain failed.
fn fetch_failing(obs: &SiteObservations) -> bool {
    obs.fetch_states().iter().any(|f| f.failing.is_some())
}

/// A site's verdict and what of it was not read (nothing before the first poll), and until
/// when they hold.
fn judged(
    obs: &SiteObservations,
    received: bool,
    now: OffsetDateTime,
    stale_after: Duration,
) -> ((Verdict, Vec<String>), Option<OffsetDateTime>) {
    crate::model::obs::tracked(|| {
        let verdict = site_verdict(obs, now, stale_after);
        let unread = if received {
            completeness(obs, now, stale_after).unread
        } else {
            Vec::new()
        };
        (verdict, unread)
    })
}

/// The line at the bottom being typed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// `/`: the filter, applied as it is typed.
    Filter,
    /// `:`: a command, run on Enter.
    Command(String),
}

/// What has the focus in the confirmation: a field (typed keys go there, and only there) or
/// a button.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Button {
    /// The reason field.
    Reason,
    /// The site name field (a protected site).
    Name,
    Cancel,
    /// Decline (approving another operator's switch).
    Decline,
    Confirm,
}

/// The confirmation of a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Confirm {
    pub plan: Plan,
    pub focus: Button,
    /// What the operator typed (the site name, for a protected site).
    pub typed: String,
    /// Why: prefilled from `--reason`; required for a protected site. Recorded in the journal
    /// and the audit log.
    pub reason: String,
    /// A refused preflight: "force" was chosen once; the second choice runs it.
    pub force_armed: bool,
    /// Lines scrolled in the plan and its checks (the fields and buttons stay in view).
    pub scroll: u16,
    /// Approving another operator's switch (`a`): their request, its plan as they saw it. The
    /// reason field is then the decline's comment, and the buttons Cancel, Decline, Approve.
    pub approving: Option<crate::model::approval::ApprovalMarker>,
}

impl Confirm {
    /// A confirmation of `plan`, the reason prefilled. The focus is on the first field that
    /// must be typed in (a protected site's reason, then its name), else on Cancel.
    pub fn new(plan: Plan, reason: Option<&str>) -> Confirm {
        let mut c = Confirm {
            plan,
            focus: Button::Cancel,
            typed: String::new(),
            reason: reason.unwrap_or_default().to_string(),
            force_armed: false,
            scroll: 0,
            approving: None,
        };
        if c.plan.protected && c.has_fields() {
            c.focus = if c.reason_missing() {
                Button::Reason
            } else {
                Button::Name
            };
        }
        c
    }

    /// The approval of `request`, the switch another operator asked for on `site`: the site
    /// name is typed to approve or decline, whatever the site.
    pub fn approving(
        site: &str,
        request: crate::model::approval::ApprovalMarker,
        now: OffsetDateTime,
    ) -> Confirm {
        let direction = match request.direction {
            crate::model::history::Direction::On => Direction::On,
            crate::model::history::Direction::Off => Direction::Off,
        };
        Confirm {
            plan: Plan {
                site: site.to_string(),
                direction,
                account: None,
                caller: None,
                region: String::new(),
                protected: true,
                nothing_to_do: None,
                held_by: None,
                steps: Vec::new(),
                preflight: Vec::new(),
                made_at: now,
                hash: Some(request.hash.clone()),
                needs_approval: true,
                carried: Default::default(),
            },
            focus: Button::Name,
            typed: String::new(),
            reason: String::new(),
            force_armed: false,
            scroll: 0,
            approving: Some(request),
        }
    }

    /// Whether the confirmation has fields to type in (nothing to do: only its buttons).
    pub fn has_fields(&self) -> bool {
        self.approving.is_some()
            || (self.plan.nothing_to_do.is_none() && !self.plan.steps.is_empty())
    }

    /// The reason is required (a protected site) and not given.
    pub fn reason_missing(&self) -> bool {
        self.approving.is_none() && self.plan.protected && self.reason.trim().is_empty()
    }

    /// The name typed is not the site's (said as soon as it cannot become it).
    pub fn wrong_name(&self) -> bool {
        !self.typed.is_empty() && !self.plan.site.starts_with(self.typed.as_str())
    }

    /// The reason as recorded: trimmed, `None` when empty.
    pub fn reason(&self) -> Option<String> {
        Some(self.reason.trim().to_string()).filter(|r| !r.is_empty())
    }

    /// What the focus moves through, in order.
    pub fn ring(&self) -> Vec<Button> {
        let mut out = Vec::new();
        if self.has_fields() {
            out.push(Button::Reason);
            if self.plan.protected {
                out.push(Button::Name);
            }
        }
        if self.approving.is_some() {
            out.push(Button::Cancel);
            out.push(Button::Decline);
            out.push(Button::Confirm);
        } else {
            out.extend([Button::Cancel, Button::Confirm]);
        }
        out
    }

    fn move_focus(&mut self, forward: bool) {
        let ring = self.ring();
        let at = ring.iter().position(|b| *b == self.focus).unwrap_or(0);
        let n = ring.len();
        let next = if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        };
        self.focus = ring[next];
    }

    /// Whether the confirm button can be used now.
    pub fn can_confirm(&self) -> bool {
        self.has_fields()
            && (!self.plan.protected || self.typed == self.plan.site)
            && !self.reason_missing()
    }

    /// The confirm button's text.
    pub fn confirm_label(&self) -> String {
        if self.approving.is_some() {
            return "approve".into();
        }
        let verb = self.plan.direction.verb();
        match (self.plan.refused(), self.force_armed) {
            (false, _) => verb.to_string(),
            (true, false) => "force...".to_string(),
            (true, true) => format!("FORCE: {verb} despite failed checks"),
        }
    }
}

/// A modal over the screen (one at a time: its size does not matter).
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Modal {
    /// A plan was asked for; waiting.
    Planning {
        site: String,
        direction: Direction,
    },
    Confirm(Confirm),
    /// No plan could be made.
    PlanFailed {
        site: String,
        direction: Direction,
        error: String,
    },
    /// A rehearsal's fault menu.
    Faults,
}

/// One step of a running switch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepState {
    pub state: Option<StepProgress>,
    pub detail: String,
    pub elapsed: Duration,
}

/// A switch running (or finished), shown in the progress view.
#[derive(Clone, Debug, PartialEq)]
pub struct Running {
    pub plan: Plan,
    pub force: bool,
    pub started_at: OffsetDateTime,
    pub steps: Vec<StepState>,
    pub verify: Vec<VerifyItem>,
    pub eta: Option<Duration>,
    /// The switch's one ETA (the site header and this view show it).
    pub countdown: Option<crate::model::eta::Countdown>,
    /// Set at the end: whether it worked, and the summary.
    pub finished: Option<(bool, String)>,
    /// Sent to the background (`esc`): the console is usable, the status bar says how it
    /// goes, `w` shows it again.
    pub background: bool,
    /// The operator's cancel, and how it goes.
    pub cancel: Cancel,
    /// Why, as recorded in the journal and the audit log.
    pub reason: Option<String>,
}

/// The cancel (roll back) of a running switch.
#[derive(Clone, Debug, PartialEq)]
pub enum Cancel {
    /// Not asked for.
    No,
    /// `c` was pressed: asked once more (`y` rolls back).
    Confirming,
    /// Asked of the engine: it stops the switch between two steps.
    Asked,
    /// The switch stopped (`stopped` says how far it got) and the way back runs: `plan` of
    /// the [`Running`] is now the way back's, `cancelled` the switch it takes back.
    RollingBack {
        stopped: String,
        cancelled: Box<Plan>,
    },
}

impl Running {
    /// Still running (not finished).
    pub fn active(&self) -> bool {
        self.finished.is_none()
    }

    /// Every step of the switch (or of its roll back) is made: what is left is verification.
    pub fn steps_made(&self) -> bool {
        !self.verify.is_empty() && self.cancel != Cancel::Asked
    }

    /// One line for the status bar: the site, what runs, and how far it is.
    pub fn status(&self) -> String {
        let p = &self.plan;
        let what = match &self.cancel {
            Cancel::RollingBack { .. } => format!("rolling back {}", p.site),
            _ => format!("{} {}", p.direction.verb(), p.site),
        };
        let total = self.steps.len();
        let at = match &self.finished {
            Some((true, _)) if matches!(self.cancel, Cancel::RollingBack { .. }) => {
                "rolled back".to_string()
            }
            Some((true, _)) => "done".to_string(),
            Some((false, _)) => "FAILED".to_string(),
            None if self.cancel == Cancel::Asked => "cancelling".to_string(),
            None if !self.verify.is_empty() => {
                let left = self.verify.iter().filter(|v| !v.converged).count();
                format!("verifying, {left} of {} to converge", self.verify.len())
            }
            None => {
                let done = self
                    .steps
                    .iter()
                    .filter(|s| s.state.is_some_and(|st| st != StepProgress::Running))
                    .count();
                format!("step {} of {total}", (done + 1).min(total.max(1)))
            }
        };
        format!("{what}: {at}")
    }
}

/// Everything the console shows.
#[derive(Clone, Debug)]
pub struct App {
    pub now: OffsetDateTime,
    pub stale_after: Duration,
    pub sites: Vec<SiteState>,
    pub screen: Screen,
    /// The screen help or the timeline returns to.
    pub previous: Screen,
    /// The selected site, by name (stays put when the order changes).
    pub selected: Option<String>,
    /// Whether the operator chose a site (moved, opened, named one): until then the cursor
    /// follows the worst site, so that the first screen answers "what is wrong".
    pub cursor_moved: bool,
    pub sort: SortKey,
    pub filter: String,
    pub input: Option<Input>,
    /// A one-line message at the bottom (command errors, refusals).
    pub message: Option<String>,
    /// Newest last.
    pub events: Vec<Event>,
    /// Lines scrolled in the detail and help screens.
    pub scroll: u16,
    /// The timeline's filter (`/` there): events whose site or message contain it.
    pub timeline_filter: String,
    /// The selected event in the timeline: its position among the shown ones, newest first.
    pub timeline_sel: usize,
    /// Whether the selected event is expanded (enter): every field of it.
    pub timeline_open: bool,
    /// Whether the switch engine is connected and actions are allowed at all
    /// (a channel was given and no `--read-only`).
    pub actions: bool,
    pub modal: Option<Modal>,
    pub running: Option<Running>,
    /// `q` (or ctrl-c) while a switch runs: the console asks what to do with it first.
    pub quit_prompt: bool,
    /// The operator chose to quit once the switch's steps (or its roll back's) are made.
    pub quit_after_steps: bool,
    /// The reason each confirmation starts with (`--reason`).
    pub reason: Option<String>,
    /// The last switch's countdown, by site: the site header shows it until clients see it,
    /// also once the progress window is closed.
    pub countdown: Option<(String, crate::model::eta::Countdown)>,
    pub theme: Theme,
    /// A poll round is under way.
    pub polling: bool,
    /// A rehearsal: the console is on a copy (banner, fault menu).
    pub rehearsal: bool,
    /// The demo: the built-in emulator's speed (the header's DEMO badge).
    pub demo_speed: Option<f64>,
    /// Who the console calls AWS as, where, until when; empty until first read.
    pub contexts: Vec<crate::model::sts::CallerContext>,
    /// Where the observations come from (`None`: this console's own poller, never shared).
    pub poller: Option<crate::model::share::PollerSource>,
    /// The switches of the AWS history already in the timeline, by ID.
    pub history_seen: std::collections::HashSet<String>,
    /// The start of the IDs of this console's own switches (their events come from the engine,
    /// not from the history).
    pub own_switches: Option<String>,
    /// Something changed since the last render.
    pub dirty: bool,
    pub quit: bool,
}

impl App {
    /// A console on these sites (with their config `read_only`), before any data arrived.
    pub fn new(
        sites: Vec<(SiteObservations, bool)>,
        stale_after: Duration,
        now: OffsetDateTime,
        actions: bool,
        theme: Theme,
    ) -> App {
        let sites: Vec<SiteState> = sites
            .into_iter()
            .map(|(obs, read_only)| SiteState::new(obs, read_only, now, stale_after))
            .collect();
        App {
            now,
            stale_after,
            selected: sites.first().map(|s| s.obs.name.clone()),
            cursor_moved: false,
            sites,
            screen: Screen::Overview,
            previous: Screen::Overview,
            sort: SortKey::Severity,
            filter: String::new(),
            input: None,
            message: None,
            events: Vec::new(),
            scroll: 0,
            timeline_filter: String::new(),
            timeline_sel: 0,
            timeline_open: false,
            actions,
            modal: None,
            running: None,
            quit_prompt: false,
            quit_after_steps: false,
            reason: None,
            countdown: None,
            theme,
            polling: false,
            rehearsal: false,
            demo_speed: None,
            contexts: Vec::new(),
            poller: None,
            history_seen: std::collections::HashSet::new(),
            own_switches: None,
            dirty: true,
            quit: false,
        }
    }

    /// The sites shown in the overview (filtered, sorted), as indices into `sites`.
    pub fn visible(&self) -> Vec<usize> {
        let needle = self.filter.to_lowercase();
        let mut v: Vec<usize> = (0..self.sites.len())
            .filter(|i| {
                let o = &self.sites[*i].obs;
                needle.is_empty()
                    || o.name.to_lowercase().contains(&needle)
                    || o.record_name.to_lowercase().contains(&needle)
                    || self.sites[*i]
                        .verdict
                        .kind
                        .label()
                        .to_lowercase()
                        .contains(&needle)
            })
            .collect();
        match self.sort {
            SortKey::Config => {}
            SortKey::Severity => v.sort_by_key(|i| std::cmp::Reverse(self.sites[*i].verdict.kind)),
            SortKey::Name => v.sort_by_key(|i| self.sites[*i].obs.name.to_lowercase()),
            SortKey::Age => v.sort_by_key(|i| {
                std::cmp::Reverse(self.sites[*i].data_age(self.now).unwrap_or(Duration::MAX))
            }),
        }
        v
    }

    /// The index of the selected site, if it is visible (overview) or open (detail).
    pub fn selected_index(&self) -> Option<usize> {
        let name = self.selected.as_deref()?;
        let i = self.sites.iter().position(|s| s.obs.name == name)?;
        if self.screen == Screen::Detail || self.visible().contains(&i) {
            Some(i)
        } else {
            None
        }
    }

    pub fn selected_site(&self) -> Option<&SiteState> {
        self.selected_index().map(|i| &self.sites[i])
    }

    /// Whether maintenance actions are offered for this site.
    pub fn actions_for(&self, site: &SiteState) -> bool {
        self.actions && !site.read_only
    }

    /// Whether the footer and help offer actions now (for the selected site).
    pub fn actions_offered(&self) -> bool {
        self.selected_site().is_some_and(|s| self.actions_for(s))
    }

    /// A switch is running (not finished), shown or in the background.
    pub fn switch_active(&self) -> bool {
        self.running.as_ref().is_some_and(Running::active)
    }

    /// The switch in the background (running or finished), if any.
    pub fn background(&self) -> Option<&Running> {
        self.running.as_ref().filter(|r| r.background)
    }

    /// The keymap context of the screen.
    pub fn context(&self) -> Context {
        match self.screen {
            Screen::Overview => Context::Overview,
            Screen::Detail => Context::Detail,
            Screen::Timeline => Context::Timeline,
            Screen::Help => Context::Help,
        }
    }

    /// The events the timeline shows: newest first, those matching its filter (site or
    /// message, regardless of case).
    pub fn timeline_events(&self) -> Vec<&Event> {
        let needle = self.timeline_filter.to_lowercase();
        self.events
            .iter()
            .rev()
            .filter(|e| {
                needle.is_empty()
                    || e.site.to_lowercase().contains(&needle)
                    || e.message.to_lowercase().contains(&needle)
            })
            .collect()
    }

    /// The events of one site, newest last.
    pub fn events_of<'a>(&'a self, site: &'a str) -> impl Iterator<Item = &'a Event> + 'a {
        self.events.iter().filter(move |e| e.site == site)
    }

    fn push_event(&mut self, event: Event, effects: &mut Vec<Effect>) {
        effects.push(Effect::Record(event.clone()));
        self.events.push(event);
        if self.events.len() > TIMELINE_MAX {
            let extra = self.events.len() - TIMELINE_MAX;
            self.events.drain(..extra);
        }
    }
}

/// Applies one message. Pure: the effects say what the loop must do.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    match msg {
        Msg::Tick(now) => tick(app, now),
        Msg::Resize => app.dirty = true,
        Msg::Interrupt => interrupt(app, &mut fx),
        Msg::Poll(p) => poll(app, p, &mut fx),
        Msg::Action(a) => action_update(app, a, &mut fx),
        Msg::Faulted { fault, result } => faulted(app, fault, result, &mut fx),
        Msg::Context(c) => {
            if app.contexts != c {
                app.contexts = c;
                app.dirty = true;
            }
        }
        Msg::Poller(p) => {
            if app.poller.as_ref() != Some(&p) {
                app.poller = Some(p);
                app.dirty = true;
            }
        }
        Msg::Key(k) => {
            app.dirty = true;
            key(app, k, &mut fx);
        }
    }
    fx
}

fn tick(app: &mut App, now: OffsetDateTime) {
    // Data ages are shown in seconds: verdicts are judged again, and the screen redrawn, once
    // a second at most when idle.
    let same_second = now.unix_timestamp() == app.now.unix_timestamp();
    app.now = now;
    if same_second {
        return;
    }
    app.dirty = true;
    // Only what time can change is judged again: a site whose verdict holds as judged keeps it
    // (its data age is shown from when it was judged).
    for s in &mut app.sites {
        if !s.holds_at(now) {
            s.judge(now, app.stale_after);
        }
    }
    follow_worst(app);
}

/// Until the operator chooses a site, the cursor is on the first one shown: the worst, in the
/// default order.
fn follow_worst(app: &mut App) {
    if app.cursor_moved || app.screen != Screen::Overview {
        return;
    }
    if let Some(first) = app.visible().first() {
        app.selected = Some(app.sites[*first].obs.name.clone());
    }
}

fn poll(app: &mut App, p: PollUpdate, fx: &mut Vec<Effect>) {
    match p {
        PollUpdate::Round { started, .. } => {
            if app.polling != started {
                app.polling = started;
                app.dirty = true;
            }
        }
        PollUpdate::Site {
            index,
            observations,
        } => {
            let now = app.now;
            let stale_after = app.stale_after;
            let Some(site) = app.sites.get_mut(index) else {
                return;
            };
            let next = observations;
            let ((next_verdict, unread), holds_through) = judged(&next, true, now, stale_after);
            let events = if site.received {
                diff(&site.obs, &site.verdict, &next, &next_verdict, now)
            } else {
                Vec::new()
            };
            site.unread = unread;
            site.fetch_failing = fetch_failing(&next);
            site.obs = next;
            site.verdict = next_verdict;
            site.received = true;
            site.judged_at = now;
            site.holds_through = holds_through;
            for e in events {
                app.push_event(e, fx);
            }
            team_switches(app, index);
            follow_worst(app);
            app.dirty = true;
        }
    }
}

/// How many switches of a site's AWS history the timeline shows when the console starts.
const HISTORY_AT_START: usize = 5;

/// The switches of the site's AWS history not in the timeline yet, made by anyone but this
/// console (another operator, machine or console): in the timeline, oldest first. They are not
/// written to this machine's event log (AWS keeps them).
fn team_switches(app: &mut App, index: usize) {
    let Some(history) = app.sites.get(index).and_then(|s| s.obs.history.as_ref()) else {
        return;
    };
    // The site's first history read: only its newest switches.
    let first = !history
        .entries
        .iter()
        .any(|e| app.history_seen.contains(&e.id));
    let new: Vec<&crate::model::history::Entry> = history
        .entries
        .iter()
        .filter(|e| !app.history_seen.contains(&e.id))
        .collect();
    let mut shown: Vec<Event> = new
        .iter()
        .filter(|e| {
            app.own_switches
                .as_ref()
                .is_none_or(|own| !e.id.starts_with(own.as_str()))
        })
        .take(if first { HISTORY_AT_START } else { usize::MAX })
        .map(|e| Event::switched(e))
        .collect();
    shown.reverse();
    let ids: Vec<String> = new.iter().map(|e| e.id.clone()).collect();
    app.history_seen.extend(ids);
    if !shown.is_empty() {
        app.events.extend(shown);
        if app.events.len() > TIMELINE_MAX {
            let extra = app.events.len() - TIMELINE_MAX;
            app.events.drain(..extra);
        }
        app.dirty = true;
    }
}

fn key(app: &mut App, k: KeyEvent, fx: &mut Vec<Effect>) {
    if keymap::is_interrupt(&k) {
        interrupt(app, fx);
        return;
    }
    if app.quit_prompt {
        quit_prompt_key(app, k, fx);
        return;
    }
    if app.modal.is_some() {
        modal_key(app, k, fx);
        return;
    }
    if app.running.as_ref().is_some_and(|r| !r.background) {
        running_key(app, k, fx);
        return;
    }
    if let Some(input) = app.input.clone() {
        input_key(app, input, k, fx);
        return;
    }
    app.message = None;
    let Some(action) = keymap::lookup(app.context(), &k) else {
        return;
    };
    if (action.is_switch() && !app.actions_offered()) || (action.is_rehearsal() && !app.rehearsal) {
        // Hidden actions do nothing at all.
        return;
    }
    perform(app, action, fx);
}

/// Ctrl-C (or SIGINT): quits at once, unless a switch runs: then it asks as `q` does; asked
/// already (or quitting once the steps are made), it quits now, and the engine stops the
/// switch after the step running, recorded in the journal (the site reads INTERRUPTED).
pub fn interrupt(app: &mut App, fx: &mut Vec<Effect>) {
    app.dirty = true;
    if app.switch_active() && !app.quit_prompt && !app.quit_after_steps {
        ask_quit(app);
        return;
    }
    app.quit = true;
    fx.push(Effect::Quit);
}

/// `q`: quits, unless a switch runs: then the quit prompt.
fn quit(app: &mut App, fx: &mut Vec<Effect>) {
    if app.switch_active() {
        ask_quit(app);
    } else {
        app.quit = true;
        fx.push(Effect::Quit);
    }
}

fn ask_quit(app: &mut App) {
    app.quit_prompt = true;
    app.input = None;
    app.message = None;
}

/// The quit prompt: `f` lets the switch make its steps then quits, `r` rolls it back then
/// quits, `esc`/`s` stays (`b` stays with the switch in the background).
fn quit_prompt_key(app: &mut App, k: KeyEvent, fx: &mut Vec<Effect>) {
    if !app.switch_active() {
        app.quit_prompt = false;
        return;
    }
    match k.code {
        KeyCode::Char('f') => {
            app.quit_prompt = false;
            app.quit_after_steps = true;
            show_switch(app);
            quit_if_steps_made(app, fx);
        }
        KeyCode::Char('r') => {
            app.quit_prompt = false;
            app.quit_after_steps = true;
            show_switch(app);
            roll_back(app, fx);
        }
        KeyCode::Char('b') => {
            app.quit_prompt = false;
            if let Some(run) = app.running.as_mut() {
                run.background = true;
            }
        }
        KeyCode::Esc | KeyCode::Char('s' | 'n' | 'q') => app.quit_prompt = false,
        _ => {}
    }
}

fn show_switch(app: &mut App) {
    if let Some(run) = app.running.as_mut() {
        run.background = false;
    }
}

/// Cancels the running switch: the engine stops it and rolls it back.
fn roll_back(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(run) = app.running.as_mut().filter(|r| r.active()) else {
        return;
    };
    if matches!(run.cancel, Cancel::No | Cancel::Confirming) {
        run.cancel = Cancel::Asked;
        fx.push(Effect::Request(ActionRequest::RollBack));
    }
}

/// Quitting once the steps are made: now, if they are.
fn quit_if_steps_made(app: &mut App, fx: &mut Vec<Effect>) {
    let made = app
        .running
        .as_ref()
        .is_none_or(|r| !r.active() || r.steps_made());
    if app.quit_after_steps && made && !app.quit {
        app.quit = true;
        fx.push(Effect::Quit);
    }
}

fn perform(app: &mut App, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Quit => quit(app, fx),
        Action::ShowSwitch => {
            if let Some(run) = app.running.as_mut() {
                run.background = false;
            } else {
                app.message = Some("no switch runs in this console".into());
            }
        }
        Action::Help => {
            if app.screen != Screen::Help {
                app.previous = back_target(app.screen, app.previous);
                app.screen = Screen::Help;
                app.scroll = 0;
            }
        }
        Action::Timeline => {
            if app.screen != Screen::Timeline {
                app.previous = back_target(app.screen, app.previous);
                app.screen = Screen::Timeline;
                app.scroll = 0;
                app.timeline_sel = 0;
                app.timeline_open = false;
            }
        }
        Action::CommandLine => app.input = Some(Input::Command(String::new())),
        Action::Filter => app.input = Some(Input::Filter),
        Action::Refresh => {
            app.message = Some("refreshing...".into());
            fx.push(Effect::Refresh);
        }
        Action::Back => match app.screen {
            Screen::Overview => app.filter.clear(),
            Screen::Detail => {
                app.screen = Screen::Overview;
                app.scroll = 0;
                fx.push(Effect::Focus(None));
            }
            Screen::Help | Screen::Timeline => {
                app.screen = app.previous;
                app.scroll = 0;
            }
        },
        Action::Up | Action::Down if app.screen == Screen::Overview => {
            move_selection(app, if action == Action::Up { -1 } else { 1 });
        }
        Action::Up | Action::Down | Action::PageUp | Action::PageDown
            if app.screen == Screen::Timeline =>
        {
            let step: i64 = match action {
                Action::Up => -1,
                Action::Down => 1,
                Action::PageUp => -10,
                _ => 10,
            };
            let n = app.timeline_events().len() as i64;
            let next = (app.timeline_sel as i64 + step).clamp(0, (n - 1).max(0));
            if next as usize != app.timeline_sel {
                app.timeline_sel = next as usize;
                app.timeline_open = false;
            }
        }
        Action::Open if app.screen == Screen::Timeline => {
            app.timeline_open = !app.timeline_open && !app.timeline_events().is_empty();
        }
        Action::Up => app.scroll = app.scroll.saturating_sub(1),
        Action::Down => app.scroll = app.scroll.saturating_add(1),
        Action::PageUp => app.scroll = app.scroll.saturating_sub(10),
        Action::PageDown => app.scroll = app.scroll.saturating_add(10),
        Action::Open => {
            if let Some(s) = app.selected_site() {
                let name = s.obs.name.clone();
                open_site(app, name, fx);
            }
        }
        Action::NextSite | Action::PrevSite => {
            let visible = app.visible();
            let order: Vec<usize> = if visible.is_empty() {
                (0..app.sites.len()).collect()
            } else {
                visible
            };
            let pos = app
                .selected_index()
                .and_then(|i| order.iter().position(|x| *x == i));
            if let Some(pos) = pos {
                let n = order.len();
                let next = if action == Action::NextSite {
                    (pos + 1) % n
                } else {
                    (pos + n - 1) % n
                };
                let name = app.sites[order[next]].obs.name.clone();
                open_site(app, name, fx);
            }
        }
        Action::Sort => {
            app.sort = app.sort.next();
            app.message = Some(format!("sorted by {}", app.sort.label()));
        }
        Action::MaintenanceOn => ask_plan(app, Direction::On, fx),
        Action::FailBack => ask_plan(app, Direction::Off, fx),
        Action::Approve => open_approval(app),
        Action::Faults => app.modal = Some(Modal::Faults),
        // The switch window's own keys (see `running_key`).
        Action::Background | Action::CancelSwitch => {}
    }
}

/// A fault was applied to the copy: it goes to the timeline (and the event log).
fn faulted(app: &mut App, fault: Fault, result: Result<String, String>, fx: &mut Vec<Effect>) {
    app.dirty = true;
    let site = app
        .selected
        .clone()
        .or_else(|| app.sites.first().map(|s| s.obs.name.clone()))
        .unwrap_or_default();
    let (message, error) = match result {
        Ok(done) => (format!("rehearsal: {}: {done}", fault.label()), None),
        Err(e) => (
            format!("rehearsal: could not {}: {e}", fault.label()),
            Some(e),
        ),
    };
    app.message = Some(message.clone());
    let event = Event {
        at: app.now,
        site,
        kind: crate::model::event::EventKind::FaultInjected {
            fault: fault.label().to_string(),
            error,
        },
        message,
    };
    app.push_event(event, fx);
    fx.push(Effect::Refresh);
}

/// Where Esc leads from help or the timeline: never back into help or the timeline.
fn back_target(current: Screen, previous: Screen) -> Screen {
    match current {
        Screen::Overview | Screen::Detail => current,
        Screen::Help | Screen::Timeline => previous,
    }
}

fn open_site(app: &mut App, name: String, fx: &mut Vec<Effect>) {
    app.cursor_moved = true;
    app.selected = Some(name.clone());
    app.screen = Screen::Detail;
    app.scroll = 0;
    fx.push(Effect::Focus(Some(name)));
}

fn move_selection(app: &mut App, delta: i64) {
    let visible = app.visible();
    if visible.is_empty() {
        return;
    }
    let pos = app
        .selected
        .as_deref()
        .and_then(|n| visible.iter().position(|i| app.sites[*i].obs.name == n));
    let next = match pos {
        None => 0,
        Some(p) => (p as i64 + delta).clamp(0, visible.len() as i64 - 1) as usize,
    };
    app.cursor_moved = true;
    app.selected = Some(app.sites[visible[next]].obs.name.clone());
}

/// After the filter changed: keep the selection on a visible site.
fn reselect(app: &mut App) {
    let visible = app.visible();
    let shown = app
        .selected
        .as_deref()
        .is_some_and(|n| visible.iter().any(|i| app.sites[*i].obs.name == n));
    if !shown {
        app.selected = visible.first().map(|i| app.sites[*i].obs.name.clone());
    }
}

fn input_key(app: &mut App, input: Input, k: KeyEvent, fx: &mut Vec<Effect>) {
    if app.screen == Screen::Timeline && input == Input::Filter {
        // The timeline's own filter, applied as it is typed; the newest match selected.
        match k.code {
            KeyCode::Esc => {
                app.timeline_filter.clear();
                app.input = None;
            }
            KeyCode::Enter => app.input = None,
            KeyCode::Backspace => {
                app.timeline_filter.pop();
            }
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                app.timeline_filter.push(c);
            }
            _ => return,
        }
        app.timeline_sel = 0;
        app.timeline_open = false;
        return;
    }
    match (input, k.code) {
        (Input::Filter, KeyCode::Esc) => {
            app.filter.clear();
            app.input = None;
            reselect(app);
        }
        (Input::Filter, KeyCode::Enter) => app.input = None,
        (Input::Filter, KeyCode::Backspace) => {
            app.filter.pop();
            reselect(app);
        }
        (Input::Filter, KeyCode::Char(c)) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
            app.filter.push(c);
            reselect(app);
        }
        (Input::Command(_), KeyCode::Esc) => app.input = None,
        (Input::Command(line), KeyCode::Enter) => {
            app.input = None;
            command(app, &line, fx);
        }
        (Input::Command(line), KeyCode::Tab) => {
            app.input = Some(Input::Command(complete(app, &line)));
        }
        (Input::Command(mut line), KeyCode::Backspace) => {
            if line.pop().is_none() {
                app.input = None;
            } else {
                app.input = Some(Input::Command(line));
            }
        }
        (Input::Command(mut line), KeyCode::Char(c))
            if !k.modifiers.contains(KeyModifiers::CONTROL) =>
        {
            line.push(c);
            app.input = Some(Input::Command(line));
        }
        _ => {}
    }
}

/// The `:` commands: each name with its aliases, and whether it takes a site name.
pub const COMMANDS: [(&str, &[&str], bool); 8] = [
    ("site", &["s", "open"], true),
    ("events", &["ev", "timeline", "t"], false),
    ("maint", &["maintenance", "m"], true),
    ("failback", &["fb", "f"], true),
    ("overview", &["sites", "o"], false),
    ("help", &["h", "?"], false),
    ("refresh", &["r"], false),
    ("quit", &["q", "q!"], false),
];

/// The command a word names (its name or an alias).
fn command_named(word: &str) -> Option<(&'static str, bool)> {
    COMMANDS
        .iter()
        .find(|(name, aliases, _)| *name == word || aliases.contains(&word))
        .map(|(name, _, site)| (*name, *site))
}

/// What the `:` line can be completed with: command names while the first word is typed, site
/// names after a command that takes one (or as the first word: `:pay` opens pay).
pub fn completions(app: &App, line: &str) -> Vec<String> {
    let ends_with_space = line.ends_with(' ');
    let words: Vec<&str> = line.split_whitespace().collect();
    let sites = |prefix: &str| -> Vec<String> {
        let p = prefix.to_lowercase();
        app.sites
            .iter()
            .map(|s| s.obs.name.clone())
            .filter(|n| n.to_lowercase().starts_with(&p))
            .collect()
    };
    match (words.as_slice(), ends_with_space) {
        ([], _) => COMMANDS.iter().map(|c| c.0.to_string()).collect(),
        ([first], false) => {
            let mut out: Vec<String> = COMMANDS
                .iter()
                .map(|c| c.0)
                .filter(|n| n.starts_with(first))
                .map(str::to_string)
                .collect();
            for site in sites(first) {
                if !out.contains(&site) {
                    out.push(site);
                }
            }
            out
        }
        ([first], true) => match command_named(first) {
            Some((_, true)) => sites(""),
            _ => Vec::new(),
        },
        ([first, second], false) => match command_named(first) {
            Some((_, true)) => sites(second),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Tab on the `:` line: the last word completed (to the candidates' common start, and a space
/// after a single candidate).
fn complete(app: &App, line: &str) -> String {
    let candidates = completions(app, line);
    if candidates.is_empty() {
        return line.to_string();
    }
    let head = if line.ends_with(' ') || line.is_empty() {
        line.to_string()
    } else {
        match line.rfind(' ') {
            Some(at) => line[..=at].to_string(),
            None => String::new(),
        }
    };
    if candidates.len() == 1 {
        return format!("{head}{} ", candidates[0]);
    }
    let first = &candidates[0];
    let common = first
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .take_while(|end| {
            candidates
                .iter()
                .all(|c| c.get(..*end) == first.get(..*end))
        })
        .last()
        .unwrap_or(0);
    let typed = line.len() - head.len();
    if common > typed {
        format!("{head}{}", &first[..common])
    } else {
        line.to_string()
    }
}

/// The site a command names: exact, then without regard to case; `None` with a message.
fn find_site(app: &mut App, name: &str) -> Option<String> {
    let found = app
        .sites
        .iter()
        .find(|s| s.obs.name == name)
        .or_else(|| {
            app.sites
                .iter()
                .find(|s| s.obs.name.eq_ignore_ascii_case(name))
        })
        .map(|s| s.obs.name.clone());
    if found.is_none() {
        let names: Vec<&str> = app.sites.iter().map(|s| s.obs.name.as_str()).collect();
        app.message = Some(format!(
            "no site named {name:?}; the sites are: {}",
            names.join(", ")
        ));
    }
    found
}

/// Runs a `:` command.
pub fn command(app: &mut App, line: &str, fx: &mut Vec<Effect>) {
    let mut words = line.split_whitespace();
    let (Some(first), second, third) = (words.next(), words.next(), words.next()) else {
        return;
    };
    if third.is_some() {
        app.message = Some(format!("too many words: {line:?}"));
        return;
    }
    let Some((name, takes_site)) = command_named(first) else {
        // A site's name alone opens it.
        if second.is_none()
            && app
                .sites
                .iter()
                .any(|s| s.obs.name.eq_ignore_ascii_case(first))
            && let Some(site) = find_site(app, first)
        {
            open_site(app, site, fx);
            return;
        }
        app.message = Some(format!(
            "unknown command {first:?}: try :site NAME, :events, :maint, :failback, :help, \
             :quit (tab completes)"
        ));
        return;
    };
    if second.is_some() && !takes_site {
        app.message = Some(format!(":{name} takes no argument"));
        return;
    }
    match name {
        "quit" => quit(app, fx),
        "refresh" => perform(app, Action::Refresh, fx),
        "events" => perform(app, Action::Timeline, fx),
        "help" => perform(app, Action::Help, fx),
        "overview" => {
            if app.screen == Screen::Detail {
                fx.push(Effect::Focus(None));
            }
            app.screen = Screen::Overview;
            app.scroll = 0;
        }
        "site" => match second {
            None => app.message = Some("usage: :site NAME (tab completes)".into()),
            Some(n) => {
                if let Some(site) = find_site(app, n) {
                    open_site(app, site, fx);
                }
            }
        },
        _ => {
            // maint and failback: on the site named, or the selected one.
            let site = match second {
                Some(n) => match find_site(app, n) {
                    Some(s) => Some(s),
                    None => return,
                },
                None => app.selected_site().map(|s| s.obs.name.clone()),
            };
            let Some(site) = site else {
                app.message = Some(format!("usage: :{name} NAME"));
                return;
            };
            app.selected = Some(site.clone());
            app.cursor_moved = true;
            let action = if name == "maint" {
                Action::MaintenanceOn
            } else {
                Action::FailBack
            };
            if !app.actions_offered() {
                app.message = Some(format!(
                    "{site}: no maintenance actions here (read-only or no switch engine)"
                ));
                return;
            }
            perform(app, action, fx);
        }
    }
}

/// `a`: the request awaiting approval on the selected site, with approve and decline.
fn open_approval(app: &mut App) {
    let Some(site) = app.selected_site() else {
        return;
    };
    let name = site.obs.name.clone();
    match site.obs.approval.clone().filter(|a| a.pending()) {
        Some(request) => {
            app.modal = Some(Modal::Confirm(Confirm::approving(&name, request, app.now)));
        }
        None => {
            app.message = Some(format!("{name}: no switch awaits approval"));
        }
    }
}

fn ask_plan(app: &mut App, direction: Direction, fx: &mut Vec<Effect>) {
    if let Some(run) = app.running.as_ref() {
        if run.active() {
            app.message = Some(format!(
                "one switch at a time: {} (w shows it)",
                run.status()
            ));
            return;
        }
        // The finished switch in the background gives way.
        app.running = None;
    }
    let Some(site) = app.selected_site() else {
        return;
    };
    let site = site.obs.name.clone();
    app.modal = Some(Modal::Planning {
        site: site.clone(),
        direction,
    });
    fx.push(Effect::Request(ActionRequest::Plan { site, direction }));
}

fn operator_action(direction: Direction, reason: Option<String>) -> OperatorAction {
    match direction {
        Direction::On => OperatorAction::MaintenanceOn { reason },
        Direction::Off => OperatorAction::FailBack,
    }
}

fn modal_key(app: &mut App, k: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(modal) = app.modal.take() else {
        return;
    };
    match modal {
        Modal::Faults => {
            let chosen = match k.code {
                KeyCode::Char(c @ '1'..='4') => {
                    Fault::ALL.get(usize::from(c as u8 - b'1')).copied()
                }
                KeyCode::Esc | KeyCode::Char('q' | 'x') => None,
                _ => {
                    app.modal = Some(modal);
                    return;
                }
            };
            if let Some(f) = chosen {
                app.message = Some(format!("rehearsal: {}...", f.label()));
                fx.push(Effect::Fault(f));
            }
        }
        Modal::Planning { .. } => {
            if matches!(k.code, KeyCode::Esc | KeyCode::Char('q')) {
                fx.push(Effect::Request(ActionRequest::Cancel));
            } else {
                app.modal = Some(modal);
            }
        }
        Modal::PlanFailed { .. } => {
            if !matches!(k.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) {
                app.modal = Some(modal);
            }
        }
        Modal::Confirm(mut c) => {
            if confirm_key(app, &mut c, k, fx) {
                app.modal = Some(Modal::Confirm(c));
            }
        }
    }
}

/// A key in the confirmation. Printable keys go to the focused field, and only there; on a
/// button they are shortcuts. Returns whether the confirmation stays open.
fn confirm_key(app: &mut App, c: &mut Confirm, k: KeyEvent, fx: &mut Vec<Effect>) -> bool {
    let control = k.modifiers.contains(KeyModifiers::CONTROL);
    let field = matches!(c.focus, Button::Reason | Button::Name);
    // How far the plan can scroll at most (the view stops it at its end).
    let most = u16::try_from(
        c.plan.steps.len() * 2
            + c.plan.preflight.len() * 4
            + c.approving
                .as_ref()
                .map_or(0, |a| a.plan.lines().count() * 2)
            + 12,
    )
    .unwrap_or(u16::MAX);
    match k.code {
        KeyCode::Esc => return false,
        KeyCode::Tab => c.move_focus(true),
        KeyCode::BackTab => c.move_focus(false),
        KeyCode::Up => c.scroll = c.scroll.saturating_sub(1),
        KeyCode::Down => c.scroll = (c.scroll + 1).min(most),
        KeyCode::PageUp => c.scroll = c.scroll.saturating_sub(10),
        KeyCode::PageDown => c.scroll = (c.scroll + 10).min(most),
        KeyCode::Left | KeyCode::Right if !field && c.approving.is_some() => {
            c.move_focus(k.code == KeyCode::Right);
        }
        KeyCode::Left | KeyCode::Right if !field => c.focus = toggle(c.focus),
        KeyCode::Backspace if c.focus == Button::Reason => {
            c.reason.pop();
        }
        KeyCode::Backspace if c.focus == Button::Name => {
            c.typed.pop();
        }
        // The journal's bound: a reason longer is not typed.
        KeyCode::Char(ch)
            if c.focus == Button::Reason
                && !control
                && c.reason.chars().count() < crate::model::journal::REASON_MAX =>
        {
            c.reason.push(ch);
        }
        KeyCode::Char(_) if c.focus == Button::Reason => {}
        KeyCode::Char(ch) if c.focus == Button::Name && !control => c.typed.push(ch),
        KeyCode::Char('h' | 'l') if !field && c.approving.is_some() => {
            c.move_focus(k.code == KeyCode::Char('l'));
        }
        KeyCode::Char('h' | 'l') if !field => c.focus = toggle(c.focus),
        KeyCode::Char('k') if !field => c.scroll = c.scroll.saturating_sub(1),
        KeyCode::Char('j') if !field => c.scroll = (c.scroll + 1).min(most),
        KeyCode::Char('q' | 'n') if !field => return false,
        // In a field, enter goes on to the next one.
        KeyCode::Enter if field => c.move_focus(true),
        KeyCode::Enter => match c.focus {
            Button::Cancel | Button::Reason | Button::Name => return false,
            Button::Confirm | Button::Decline if !c.can_confirm() => {
                app.message = Some(if !c.has_fields() {
                    "nothing to do".to_string()
                } else if c.reason_missing() {
                    c.focus = Button::Reason;
                    format!(
                        "{} is protected: say why (the reason is recorded)",
                        c.plan.site
                    )
                } else {
                    let typed = c.typed.clone();
                    c.focus = Button::Name;
                    if typed.is_empty() {
                        format!("type the site name {:?} to confirm", c.plan.site)
                    } else {
                        format!(
                            "{typed:?} is not the site's name: type {:?} to confirm",
                            c.plan.site
                        )
                    }
                });
            }
            Button::Confirm | Button::Decline if c.approving.is_some() => {
                let approve = c.focus == Button::Confirm;
                app.message = Some(format!(
                    "{} the switch of {}...",
                    if approve { "approving" } else { "declining" },
                    c.plan.site
                ));
                fx.push(Effect::Request(ActionRequest::Decide {
                    site: c.plan.site.clone(),
                    hash: c.plan.hash.clone().unwrap_or_default(),
                    approve,
                    comment: c.reason().filter(|_| !approve),
                }));
                return false;
            }
            Button::Decline => return false,
            Button::Confirm if c.plan.refused() && !c.force_armed => {
                // The first "force": ask once more, with Cancel focused again.
                c.force_armed = true;
                c.focus = Button::Cancel;
            }
            Button::Confirm => {
                let reason = c.reason();
                execute(app, c.plan.clone(), c.force_armed, reason, fx);
                return false;
            }
        },
        _ => {}
    }
    true
}

fn toggle(b: Button) -> Button {
    match b {
        Button::Cancel => Button::Confirm,
        Button::Confirm | Button::Decline | Button::Reason | Button::Name => Button::Cancel,
    }
}

fn execute(app: &mut App, plan: Plan, force: bool, reason: Option<String>, fx: &mut Vec<Effect>) {
    let event = Event::action(
        app.now,
        plan.site.clone(),
        operator_action(plan.direction, reason.clone()),
        ActionOutcome::Started,
        plan.caller.clone(),
        force.then(|| "forced despite failed preflight checks".to_string()),
    );
    app.push_event(event, fx);
    app.running = Some(Running {
        steps: plan
            .steps
            .iter()
            .map(|_| StepState {
                state: None,
                detail: String::new(),
                elapsed: Duration::ZERO,
            })
            .collect(),
        plan: plan.clone(),
        force,
        started_at: app.now,
        verify: Vec::new(),
        eta: None,
        countdown: None,
        finished: None,
        background: false,
        cancel: Cancel::No,
        reason: reason.clone(),
    });
    fx.push(Effect::Request(ActionRequest::Execute {
        plan,
        force,
        reason,
    }));
}

/// A key in the progress window. Nothing stops a switch by accident: `c` asks once more
/// before it rolls back, `q` asks what to do with the switch, `esc` sends it to the
/// background. Once it is over, enter, esc, q or space close it.
fn running_key(app: &mut App, k: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(run) = app.running.as_mut() else {
        return;
    };
    if !run.active() {
        if matches!(
            k.code,
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') | KeyCode::Char(' ')
        ) {
            app.running = None;
        }
        return;
    }
    if run.cancel == Cancel::Confirming {
        match k.code {
            KeyCode::Char('y') => roll_back(app, fx),
            KeyCode::Char('n') | KeyCode::Esc => run.cancel = Cancel::No,
            _ => {}
        }
        return;
    }
    match keymap::lookup_only(Context::Switch, &k) {
        Some(Action::Background) => run.background = true,
        Some(Action::CancelSwitch) if run.cancel == Cancel::No => {
            run.cancel = Cancel::Confirming;
        }
        Some(Action::Quit) => ask_quit(app),
        Some(Action::Help) => {
            run.background = true;
            perform(app, Action::Help, fx);
        }
        _ => {}
    }
}

fn action_update(app: &mut App, update: ActionUpdate, fx: &mut Vec<Effect>) {
    app.dirty = true;
    match update {
        ActionUpdate::Decided(result) => {
            app.message = Some(match result {
                Ok(said) | Err(said) => said,
            });
            fx.push(Effect::Refresh);
        }
        ActionUpdate::Planned(result) => {
            // Only the modal that asked takes the answer (a late answer after Esc is dropped).
            let Some(Modal::Planning { site, direction }) = app.modal.take() else {
                return;
            };
            match result {
                Ok(plan) if plan.site == site && plan.direction == direction => {
                    app.modal = Some(Modal::Confirm(Confirm::new(plan, app.reason.as_deref())));
                }
                Ok(plan) => {
                    app.modal = Some(Modal::PlanFailed {
                        site,
                        direction,
                        error: format!(
                            "the engine planned {} {} instead; nothing was done",
                            plan.site,
                            plan.direction.as_str()
                        ),
                    });
                }
                Err(error) => {
                    let event = Event::action(
                        app.now,
                        site.clone(),
                        operator_action(direction, None),
                        ActionOutcome::Failed,
                        None,
                        Some(format!("no plan: {error}")),
                    );
                    app.push_event(event, fx);
                    app.modal = Some(Modal::PlanFailed {
                        site,
                        direction,
                        error,
                    });
                }
            }
        }
        ActionUpdate::Progress(p) => {
            if let (
                Progress::Verify {
                    countdown: Some(c), ..
                },
                Some(run),
            ) = (&p, &app.running)
            {
                app.countdown = Some((run.plan.site.clone(), c.clone()));
            }
            progress(app, p, fx);
            quit_if_steps_made(app, fx);
            if !app.switch_active() {
                app.quit_prompt = false;
            }
        }
    }
}

fn progress(app: &mut App, p: Progress, fx: &mut Vec<Effect>) {
    let now = app.now;
    let Some(run) = app.running.as_mut() else {
        return;
    };
    let mut event = None;
    match p {
        Progress::Step {
            index,
            state,
            detail,
            elapsed,
        } => {
            let total = run.plan.steps.len();
            if let (Some(step), Some(plan_step)) =
                (run.steps.get_mut(index), run.plan.steps.get(index))
            {
                step.state = Some(state);
                step.detail = detail.clone();
                step.elapsed = elapsed;
                let outcome = match state {
                    StepProgress::Running => None,
                    StepProgress::Done => Some(ActionOutcome::Succeeded),
                    StepProgress::Skipped => Some(ActionOutcome::Skipped),
                    StepProgress::Failed => Some(ActionOutcome::Failed),
                    StepProgress::RolledBack => Some(ActionOutcome::Failed),
                };
                if let Some(outcome) = outcome {
                    let mut detail = (!detail.is_empty()).then_some(detail);
                    if state == StepProgress::RolledBack {
                        detail = Some(format!(
                            "rolled back{}",
                            detail.map(|d| format!(": {d}")).unwrap_or_default()
                        ));
                    }
                    event = Some(Event::action(
                        now,
                        run.plan.site.clone(),
                        OperatorAction::Step {
                            index: index + 1,
                            total,
                            description: format!("{} {}", plan_step.call, plan_step.resource),
                        },
                        outcome,
                        None,
                        detail,
                    ));
                }
            }
        }
        Progress::Verify {
            items,
            eta,
            countdown,
        } => {
            run.verify = items;
            run.eta = eta;
            run.countdown = countdown;
        }
        Progress::RollingBack { plan, stopped } => {
            event = Some(Event::action(
                now,
                run.plan.site.clone(),
                operator_action(run.plan.direction, run.reason.clone()),
                ActionOutcome::Failed,
                run.plan.caller.clone(),
                Some(format!(
                    "cancelled by the operator: {stopped}; rolling back"
                )),
            ));
            let cancelled = std::mem::replace(&mut run.plan, *plan);
            run.steps = run
                .plan
                .steps
                .iter()
                .map(|_| StepState {
                    state: None,
                    detail: String::new(),
                    elapsed: Duration::ZERO,
                })
                .collect();
            run.verify = Vec::new();
            run.eta = None;
            run.countdown = None;
            run.started_at = now;
            run.cancel = Cancel::RollingBack {
                stopped,
                cancelled: Box::new(cancelled),
            };
        }
        Progress::Notice { warning, text } => {
            event = Some(Event {
                at: now,
                site: run.plan.site.clone(),
                message: if warning {
                    format!("WARNING: {text}")
                } else {
                    text.clone()
                },
                kind: crate::model::event::EventKind::Notice { warning, text },
            });
        }
        Progress::Finished { ok, summary } => {
            run.finished = Some((ok, summary.clone()));
            let reason = match run.cancel {
                Cancel::RollingBack { .. } => None,
                _ => run.reason.clone(),
            };
            event = Some(Event::action(
                now,
                run.plan.site.clone(),
                operator_action(run.plan.direction, reason),
                if ok {
                    ActionOutcome::Succeeded
                } else {
                    ActionOutcome::Failed
                },
                run.plan.caller.clone(),
                Some(summary),
            ));
            fx.push(Effect::Refresh);
        }
    }
    if let Some(e) = event {
        app.push_event(e, fx);
    }
}
