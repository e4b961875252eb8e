//! Every key of the console, in one table: key handling and the help screen both read it, so
//! help can never disagree with what the keys do. Arrows and vim keys only: nothing needs
//! Home/End or function keys, which break in SSM sessions.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a key works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Everywhere (outside modals and the input line).
    Global,
    Overview,
    Detail,
    Timeline,
    Help,
    /// The window of a running switch.
    Switch,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Overview => "Overview",
            Context::Detail => "Site detail",
            Context::Timeline => "Event timeline",
            Context::Help => "Help",
            Context::Switch => "While a switch runs (its window)",
        }
    }
}

/// What a key does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    CommandLine,
    Refresh,
    Timeline,
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    Open,
    Filter,
    Sort,
    NextSite,
    PrevSite,
    MaintenanceOn,
    FailBack,
    /// Approve or decline the switch another operator asked for (a site with approval).
    Approve,
    /// The fault menu of a rehearsal.
    Faults,
    /// Show the switch sent to the background.
    ShowSwitch,
    /// Send the running switch to the background.
    Background,
    /// Cancel the running switch (asked once more): it is rolled back.
    CancelSwitch,
}

impl Action {
    /// Whether this is a maintenance action (hidden when actions are off).
    pub fn is_switch(self) -> bool {
        matches!(
            self,
            Action::MaintenanceOn | Action::FailBack | Action::Approve
        )
    }

    /// Whether this key is about a switch of this console (hidden without a switch engine).
    pub fn needs_engine(self) -> bool {
        matches!(
            self,
            Action::ShowSwitch | Action::Background | Action::CancelSwitch
        )
    }

    /// Whether this key exists only in a rehearsal.
    pub fn is_rehearsal(self) -> bool {
        self == Action::Faults
    }
}

/// One line of the keymap.
pub struct Binding {
    pub context: Context,
    /// The keys, as matched.
    pub keys: &'static [KeyCode],
    /// The keys, as shown.
    pub label: &'static str,
    pub action: Action,
    pub help: &'static str,
}

const fn b(
    context: Context,
    keys: &'static [KeyCode],
    label: &'static str,
    action: Action,
    help: &'static str,
) -> Binding {
    Binding {
        context,
        keys,
        label,
        action,
        help,
    }
}

use KeyCode::{Backspace, Char, Down, Enter, Esc, Left, Right, Up};

/// The keymap, in the order help shows it.
pub const KEYMAP: &[Binding] = &[
    b(Context::Global, &[Char('q')], "q", Action::Quit, "quit"),
    b(Context::Global, &[Char('?')], "?", Action::Help, "help"),
    b(
        Context::Global,
        &[Char(':')],
        ":",
        Action::CommandLine,
        "command: site NAME, events, maint, failback, help, quit (tab completes)",
    ),
    b(
        Context::Global,
        &[Char('r')],
        "r",
        Action::Refresh,
        "refresh now",
    ),
    b(
        Context::Global,
        &[Char('t')],
        "t",
        Action::Timeline,
        "event timeline",
    ),
    b(
        Context::Global,
        &[Char('w')],
        "w",
        Action::ShowSwitch,
        "show the switch running in the background (esc hides it again)",
    ),
    b(
        Context::Global,
        &[Char('x')],
        "x",
        Action::Faults,
        "rehearsal: inject a fault into the copy (stop the primary, ...)",
    ),
    b(
        Context::Overview,
        &[Up, Char('k')],
        "↑/k",
        Action::Up,
        "previous site",
    ),
    b(
        Context::Overview,
        &[Down, Char('j')],
        "↓/j",
        Action::Down,
        "next site",
    ),
    b(
        Context::Overview,
        &[Enter, Right, Char('l')],
        "enter/→/l",
        Action::Open,
        "open the site",
    ),
    b(
        Context::Overview,
        &[Char('/')],
        "/",
        Action::Filter,
        "filter sites",
    ),
    b(
        Context::Overview,
        &[Char('s')],
        "s",
        Action::Sort,
        "sort: config, severity, name, age",
    ),
    b(
        Context::Overview,
        &[Esc],
        "esc",
        Action::Back,
        "clear the filter",
    ),
    b(
        Context::Overview,
        &[Char('m')],
        "m",
        Action::MaintenanceOn,
        "maintenance on (plan, confirm)",
    ),
    b(
        Context::Overview,
        &[Char('f')],
        "f",
        Action::FailBack,
        "fail back (plan, confirm)",
    ),
    b(
        Context::Overview,
        &[Char('a')],
        "a",
        Action::Approve,
        "approve or decline a switch awaiting approval",
    ),
    b(
        Context::Detail,
        &[Up, Char('k')],
        "↑/k",
        Action::Up,
        "scroll up",
    ),
    b(
        Context::Detail,
        &[Down, Char('j')],
        "↓/j",
        Action::Down,
        "scroll down",
    ),
    b(
        Context::Detail,
        &[Char('b'), Char('u')],
        "b/u",
        Action::PageUp,
        "page up",
    ),
    b(
        Context::Detail,
        &[Char(' '), Char('d')],
        "space/d",
        Action::PageDown,
        "page down",
    ),
    b(
        Context::Detail,
        &[Char('n')],
        "n",
        Action::NextSite,
        "next site",
    ),
    b(
        Context::Detail,
        &[Char('p')],
        "p",
        Action::PrevSite,
        "previous site",
    ),
    b(
        Context::Detail,
        &[Esc, Left, Char('h'), Backspace],
        "esc/←/h",
        Action::Back,
        "back to the overview",
    ),
    b(
        Context::Detail,
        &[Char('m')],
        "m",
        Action::MaintenanceOn,
        "maintenance on (plan, confirm)",
    ),
    b(
        Context::Detail,
        &[Char('f')],
        "f",
        Action::FailBack,
        "fail back (plan, confirm)",
    ),
    b(
        Context::Detail,
        &[Char('a')],
        "a",
        Action::Approve,
        "approve or decline a switch awaiting approval",
    ),
    b(
        Context::Timeline,
        &[Up, Char('k')],
        "↑/k",
        Action::Up,
        "newer event",
    ),
    b(
        Context::Timeline,
        &[Down, Char('j')],
        "↓/j",
        Action::Down,
        "older event",
    ),
    b(
        Context::Timeline,
        &[Enter, Right, Char('l')],
        "enter",
        Action::Open,
        "expand the event (every field), or fold it",
    ),
    b(
        Context::Timeline,
        &[Char('/')],
        "/",
        Action::Filter,
        "filter events (site or text)",
    ),
    b(
        Context::Timeline,
        &[Esc, Left, Char('h'), Char('t')],
        "esc/←/h",
        Action::Back,
        "back",
    ),
    b(
        Context::Switch,
        &[Esc],
        "esc",
        Action::Background,
        "send it to the background: the status bar follows it, w shows it again",
    ),
    b(
        Context::Switch,
        &[Char('c')],
        "c",
        Action::CancelSwitch,
        "cancel it (y confirms): it stops after the step running and its steps are undone",
    ),
    b(
        Context::Switch,
        &[Char('q')],
        "q",
        Action::Quit,
        "quit: asks first (let it make its steps, roll it back, or stay); ctrl-c too",
    ),
    b(
        Context::Switch,
        &[Char('?')],
        "?",
        Action::Help,
        "help (the switch goes to the background)",
    ),
    b(
        Context::Help,
        &[Up, Char('k')],
        "↑/k",
        Action::Up,
        "scroll up",
    ),
    b(
        Context::Help,
        &[Down, Char('j')],
        "↓/j",
        Action::Down,
        "scroll down",
    ),
    b(
        Context::Help,
        &[Esc, Left, Char('h'), Char('?')],
        "esc/?",
        Action::Back,
        "close help",
    ),
];

/// What `key` does in `context` alone (the switch window has no global keys).
pub fn lookup_only(context: Context, key: &KeyEvent) -> Option<Action> {
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return None;
    }
    KEYMAP
        .iter()
        .filter(|b| b.context == context)
        .find(|b| b.keys.contains(&key.code))
        .map(|b| b.action)
}

/// What `key` does in `context` (its own bindings first, then the global ones).
pub fn lookup(context: Context, key: &KeyEvent) -> Option<Action> {
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return None;
    }
    let code = key.code;
    KEYMAP
        .iter()
        .filter(|b| b.context == context)
        .chain(KEYMAP.iter().filter(|b| b.context == Context::Global))
        .find(|b| b.keys.contains(&code))
        .map(|b| b.action)
}

/// Whether the key is Ctrl-C (always quits, outside modals too).
pub fn is_interrupt(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == Char('c')
}
