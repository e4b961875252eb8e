//! The runbook commands: `plan`, `maintenance on|off`, `wait`, `log`. Output suits a log file
//! when stdout is not a terminal: plain lines, no escape sequences.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use super::{load_config, overrides};
use crate::aws::client::Clients;
use crate::cli::{
    GlobalArgs, MaintenanceAction, MaintenanceArgs, OnOff, OutputFormat, PlanArgs, WaitArgs,
    WaitFor,
};
use crate::model::verdict::VerdictKind;
use crate::poll::round::Depth;
use crate::poll::session::Session;

use crate::switch::audit;
use crate::switch::engine::{self, ExecuteOptions, Outcome};
use crate::switch::error::{SwitchError, exit};
use crate::switch::plan::{CheckResult, Direction, Plan, Progress, StepProgress};

fn direction(d: OnOff) -> Direction {
    match d {
        OnOff::On => Direction::On,
        OnOff::Off => Direction::Off,
    }
}

fn clock(t: OffsetDateTime) -> String {
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

pub(super) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The session of one site: its clients and the caller identity.
pub(super) struct One {
    pub(super) session: Session,
    pub(super) group: usize,
    pub(super) site: usize,
    pub(super) caller: Option<crate::model::sts::Identity>,
}

impl One {
    pub(super) fn clients(&self) -> &Clients {
        &self.session.groups[self.group].fetcher.clients
    }
    pub(super) fn site(&self) -> &crate::config::Site {
        &self.session.config.sites[self.site]
    }
}

pub(super) async fn open(global: &GlobalArgs, site: &str, command: &str) -> Result<One, i32> {
    let config = load_config(global)?;
    let session = Session::start(config, &[site.to_string()], &overrides(global))
        .await
        .map_err(|e| {
            say_err!("switchyard {command}: {e}");
            e.exit_code()
        })?;
    let Some(index) = session.config.sites.iter().position(|s| s.name == site) else {
        say_err!("switchyard {command}: no site named {site:?}");
        return Err(exit::USAGE);
    };
    let Some(group) = session.groups.iter().position(|g| g.sites.contains(&index)) else {
        say_err!("switchyard {command}: no AWS clients for site {site:?}");
        return Err(exit::USAGE);
    };
    let caller = crate::aws::sts::identity(&session.groups[group].fetcher.clients.sts).await;
    let caller = match caller {
        Ok(c) => Some(c),
        Err(e) => {
            say_err!(
                "switchyard {command}: cannot tell who is calling AWS: {}",
                e.summary()
            );
            return Err(exit::ACCESS);
        }
    };
    Ok(One {
        session,
        group,
        site: index,
        caller,
    })
}

/// The plan as text: what each step does, then the preflight checks.
pub fn plan_text(p: &Plan, record: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        Fmt(&mut s),
        "Plan: {} for site {} ({record})",
        p.direction.verb(),
        p.site
    );
    let _ = writeln!(
        Fmt(&mut s),
        "  account {}, region {}, as {}{}",
        p.account.as_deref().unwrap_or("unknown"),
        p.region,
        p.caller.as_deref().unwrap_or("unknown caller"),
        if p.protected { " (protected site)" } else { "" }
    );
    if let Some(why) = &p.nothing_to_do {
        let _ = writeln!(Fmt(&mut s), "Nothing to do: {why}");
        return s;
    }
    if let (true, Some(h)) = (p.needs_approval, &p.hash) {
        let _ = writeln!(
            Fmt(&mut s),
            "  plan {} (needs a second person's approval: approval = true)",
            crate::model::approval::short(h)
        );
    }
    for (i, st) in p.steps.iter().enumerate() {
        let _ = writeln!(
            Fmt(&mut s),
            "  {}. [{}] {} {}",
            i + 1,
            st.strategy,
            st.call,
            st.resource
        );
        let _ = writeln!(Fmt(&mut s), "       before: {}", st.before);
        let _ = writeln!(Fmt(&mut s), "       after:  {}", st.after);
    }
    if !p.preflight.is_empty() {
        let _ = writeln!(Fmt(&mut s), "Preflight checks:");
        for c in &p.preflight {
            let _ = writeln!(Fmt(&mut s), "  {} {}", c.result.mark(), c.describe());
        }
        if p.refused() {
            let _ = writeln!(
                Fmt(&mut s),
                "Refused: {}; --force runs it anyway (a check that could not be made is no pass).",
                p.refusal()
            );
        }
    }
    s
}

/// `write!` into a String without the fmt::Write import clash with io::Write.
struct Fmt<'a>(&'a mut String);

impl Write for Fmt<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.push_str(&String::from_utf8_lossy(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub(super) fn print_json<T: Serialize>(v: &T) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{}", super::shown_json(&s)),
        Err(e) => say_err!("cannot encode JSON: {e}"),
    }
}

/// `switchyard plan on|off --site S`.
pub async fn plan(global: &GlobalArgs, args: &PlanArgs) -> i32 {
    let one = match open(global, &args.site, "plan").await {
        Ok(o) => o,
        Err(code) => return code,
    };
    let result = engine::plan(
        one.clients(),
        &one.session.resolver,
        one.site(),
        direction(args.direction),
        one.caller.as_ref(),
    )
    .await;
    match result {
        Ok(p) => {
            match args.output {
                OutputFormat::Json => print_json(&p),
                OutputFormat::Table => say_part!("{}", plan_text(&p, &one.site().record)),
            }
            if p.refused() { exit::REFUSED } else { exit::OK }
        }
        Err(e) => {
            say_err!("switchyard plan: {e}");
            e.exit_code()
        }
    }
}

/// The audit log path: the flag or environment, else the config's.
pub fn audit_path(global: &GlobalArgs, config: Option<&crate::config::Config>) -> Option<PathBuf> {
    global
        .audit_log
        .clone()
        .or_else(|| config.map(|c| c.defaults.audit_log.clone()))
        .or_else(audit::default_path)
}

/// Asks for the site name on the terminal. Returns an exit code when not confirmed.
fn confirm(p: &Plan, yes: bool) -> Result<(), i32> {
    let what = match p.direction {
        Direction::On => "enter maintenance for",
        Direction::Off => "fail back",
    };
    confirm_by_name("maintenance", &p.site, what, yes)
}

/// Asks for the site name on the terminal before `command` does `what` (a verb: "enter
/// maintenance for", "remove the journal of"); `yes` skips the question, and with no terminal
/// to ask on it refuses. Err is the exit code (8), said on stderr.
pub(super) fn confirm_by_name(command: &str, site: &str, what: &str, yes: bool) -> Result<(), i32> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        say_err!(
            "switchyard {command}: refusing to {what} {site} without confirmation: there is no terminal to ask on; pass --yes to confirm in a runbook"
        );
        return Err(exit::NOT_CONFIRMED);
    }
    say_err_part!("Type the site name ({site}) to {what} {site}, anything else cancels: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() || line.trim() != site {
        say_err!("Cancelled: nothing was changed.");
        return Err(exit::NOT_CONFIRMED);
    }
    Ok(())
}

fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// Prints progress events as plain lines, one per event (verification only when it changed).
async fn print_progress(
    mut rx: mpsc::UnboundedReceiver<Progress>,
    steps: Vec<String>,
    to_stderr: bool,
) {
    let mut last_verify = String::new();
    let out = |line: String| {
        if to_stderr {
            say_err!("{line}");
        } else {
            say!("{line}");
        }
    };
    let total = steps.len();
    while let Some(p) = rx.recv().await {
        let t = clock(OffsetDateTime::now_utc());
        match p {
            Progress::Step {
                index,
                state,
                detail,
                elapsed,
            } => {
                let what = steps.get(index).cloned().unwrap_or_default();
                let word = match state {
                    StepProgress::Running => "running",
                    StepProgress::Done => "done",
                    StepProgress::Skipped => "skipped (already so)",
                    StepProgress::Failed => "FAILED",
                    StepProgress::RolledBack => "rolled back",
                };
                let detail = if detail.is_empty() {
                    String::new()
                } else {
                    format!(": {detail}")
                };
                let took = if state == StepProgress::Running {
                    String::new()
                } else {
                    format!(" ({} ms)", elapsed.as_millis())
                };
                out(format!(
                    "[{t}] step {}/{total} {what}: {word}{detail}{took}",
                    index + 1
                ));
            }
            Progress::Verify {
                items,
                eta,
                countdown,
            } => {
                let done = items.iter().filter(|i| i.converged).count();
                let waiting: Vec<String> = items
                    .iter()
                    .filter(|i| !i.converged)
                    .map(|i| match i.result {
                        CheckResult::CouldNotCheck => {
                            format!("{} (could not be checked: {})", i.what, i.seen)
                        }
                        _ => format!("{} (seen: {})", i.what, i.seen),
                    })
                    .collect();
                // The switch's one ETA: a countdown to when clients see it.
                let eta_text = match (&countdown, eta) {
                    (Some(c), Some(e)) => format!(
                        ", ETA {}, {}",
                        fmt_duration(Duration::from_secs(
                            e.as_secs() + u64::from(e.subsec_nanos() > 0)
                        )),
                        c.clients_line()
                    ),
                    (None, Some(e)) if done < items.len() => {
                        format!(", ETA {}", fmt_duration(e))
                    }
                    _ => String::new(),
                };
                let line = format!(
                    "verify: {done}/{} converged{eta_text}{}",
                    items.len(),
                    if waiting.is_empty() {
                        String::new()
                    } else {
                        format!("; waiting for: {}", waiting.join("; "))
                    }
                );
                if line != last_verify {
                    out(format!("[{t}] {line}"));
                    last_verify = line;
                }
            }
            Progress::RollingBack { stopped, .. } => {
                out(format!("[{t}] cancelled: {stopped}; rolling back"));
            }
            Progress::Notice {
                warning: true,
                text,
            } => {
                // Said on stderr whatever the output: a JSON report stays what it was.
                say_err!("[{t}] WARNING: {text}");
            }
            Progress::Notice {
                warning: false,
                text,
            } => out(format!("[{t}] {text}")),
            Progress::Finished { ok, summary } => {
                out(format!(
                    "[{t}] {}: {summary}",
                    if ok { "finished" } else { "NOT finished" }
                ));
            }
        }
    }
}

fn outcome_text(o: &Outcome) -> String {
    let mut s = String::new();
    if let Some(v) = &o.verification {
        if v.converged {
            s.push_str(&format!(
                "Verified: every change converged after {}.\n",
                fmt_duration(Duration::from_millis(v.waited_ms))
            ));
            if let Some(c) = &v.countdown {
                let caches = c.caches_text();
                s.push_str(&format!(
                    "Clients see it by {}{}: start work (or announce it) then, not before.\n",
                    crate::model::eta::hms(c.clients_see_by),
                    if caches.is_empty() {
                        String::new()
                    } else {
                        format!(" (after {caches})")
                    }
                ));
            }
        } else {
            let unverified = v.unverified();
            if unverified.len() == v.items.iter().filter(|i| !i.converged).count() {
                s.push_str(&format!(
                    "NOT verified after {}: {} condition(s) could not be checked, so the switch is not done:\n",
                    fmt_duration(Duration::from_millis(v.waited_ms)),
                    unverified.len()
                ));
            } else {
                s.push_str(&format!(
                    "NOT converged after {}:\n",
                    fmt_duration(Duration::from_millis(v.waited_ms))
                ));
            }
            for i in &v.items {
                let (word, seen) = match i.result {
                    CheckResult::Passed => ("converged", "seen"),
                    CheckResult::Failed => ("NOT converged", "seen"),
                    CheckResult::CouldNotCheck => ("could not be checked", "why"),
                };
                s.push_str(&format!("  [{word}] {} ({seen}: {})\n", i.what, i.seen));
            }
        }
    } else if o.nothing_to_do.is_none() {
        s.push_str(
            "Not verified (no --wait): the change may still be propagating; `switchyard wait` waits for it.\n",
        );
    }
    s
}

#[derive(Serialize)]
struct MaintenanceReport<'a> {
    plan: &'a Plan,
    outcome: Option<&'a Outcome>,
    error: Option<String>,
    exit_code: i32,
}

/// `switchyard maintenance on|off --site S`.
pub async fn maintenance(global: &GlobalArgs, args: &MaintenanceArgs) -> i32 {
    let mut one = match open(global, &args.site, "maintenance").await {
        Ok(o) => o,
        Err(code) => return code,
    };
    let site = one.site().clone();
    // Checked before anything is read: a read-only run makes no change, whatever else it says.
    if global.read_only {
        say_err!(
            "switchyard maintenance: --read-only is given: no switch is made (run it without \
             --read-only to switch site {})",
            site.name
        );
        return exit::USAGE;
    }
    if site.read_only {
        say_err!(
            "switchyard maintenance: site {} is read-only in the config: no switch is made",
            site.name
        );
        return exit::USAGE;
    }
    let max = crate::model::journal::REASON_MAX;
    if let Some(n) = args.reason.as_ref().map(|r| r.chars().count())
        && n > max
    {
        say_err!(
            "switchyard maintenance: --reason is {n} characters; the journal takes at most {max} \
             (every operator reads it, and Route 53 limits the journal's size): shorten it; \
             nothing was changed"
        );
        return exit::USAGE;
    }
    if let Some(r) = &args.break_glass {
        if !site.approval {
            say_err!(
                "switchyard maintenance: --break-glass is for a site that needs approval (approval = true), and site {} does not: run it without --break-glass; nothing was changed",
                site.name
            );
            return exit::USAGE;
        }
        if r.trim().is_empty() {
            say_err!(
                "switchyard maintenance: --break-glass needs a reason (who is it for, why now): it is audited; nothing was changed"
            );
            return exit::USAGE;
        }
    }
    let window = match window_of(&site, args) {
        Ok(w) => w,
        Err(code) => return code,
    };
    let dir = match args.direction {
        MaintenanceAction::On => Direction::On,
        MaintenanceAction::Off => Direction::Off,
        MaintenanceAction::Extend => {
            return extend(global, &one, &site, args, window).await;
        }
    };
    let json = args.output == OutputFormat::Json;
    let p = match engine::plan(
        one.clients(),
        &one.session.resolver,
        &site,
        dir,
        one.caller.as_ref(),
    )
    .await
    {
        Ok(p) => p,
        Err(e) => {
            say_err!("switchyard maintenance: {e}");
            return e.exit_code();
        }
    };
    let text = plan_text(&p, &site.record);
    if json {
        say_err_part!("{text}");
    } else {
        say_part!("{text}");
    }
    let opts = ExecuteOptions {
        force: args.force,
        reason: args.reason.clone(),
        wait: args.wait,
        timeout: args.timeout,
        poll_every: one
            .session
            .config
            .defaults
            .focus_interval
            .min(Duration::from_secs(5)),
        audit_log: audit_path(global, Some(&one.session.config)),
        stop: None,
        stop_verifying: false,
        roll_back: None,
        window,
        break_glass: args.break_glass.clone(),
        approval_exempt: false,
    };
    if let Some(holder) = p.held_by.as_ref().filter(|_| !args.force) {
        let e = SwitchError::Conflict(engine::held_text(holder, &site, dir));
        say_err!("switchyard maintenance: {e}");
        return stopped_before(&p, &opts, e, exit::CONFLICT, json);
    }
    if p.nothing_to_do.is_none() {
        if p.refused() && !args.force {
            let e = SwitchError::Refused(p.preflight.clone());
            say_err!("switchyard maintenance: {e}; nothing was changed (--force overrides)");
            return stopped_before(&p, &opts, e, exit::REFUSED, json);
        }
        if let Err(code) = confirm(&p, args.yes) {
            return code;
        }
        // Two-person approval: asked for, and waited for, before anything changes.
        if p.needs_approval {
            if let Some(reason) = &args.break_glass {
                let said = format!(
                    "switchyard maintenance: BREAK-GLASS: {} site {} without a second person's approval, by {}: {reason} (audited: the journal, the audit log and the AWS history name you)",
                    dir.verb(),
                    site.name,
                    p.caller.as_deref().unwrap_or("unknown caller")
                );
                say_err!("{}", super::red_break_glass(&said, super::colour_stderr()));
            } else if let Err(code) = await_approval(&one, &site, &p, &text, args, &opts).await {
                if json {
                    print_json(&MaintenanceReport {
                        plan: &p,
                        outcome: None,
                        error: Some(
                            match code {
                                exit::AWAITING_APPROVAL => "awaiting approval by another person",
                                exit::NOT_APPROVED => "not approved: nothing was changed",
                                exit::NOT_CONFIRMED => {
                                    "the request for approval was withdrawn: nothing was changed"
                                }
                                _ => "the approval could not be asked for: nothing was changed",
                            }
                            .to_string(),
                        ),
                        exit_code: code,
                    });
                }
                return code;
            }
        }
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let labels: Vec<String> = p
        .steps
        .iter()
        .map(|s| format!("{} {}", s.call, s.resource))
        .collect();
    let printer = tokio::spawn(print_progress(rx, labels, json));
    // SIGINT, SIGTERM or SIGHUP (an SSM session dropping) while the steps run: the step running
    // finishes and is recorded, and the switch stops before the next one. A second signal stops
    // at once (the journal still says what was started).
    let stop = tokio_util::sync::CancellationToken::new();
    let mut opts = opts;
    opts.stop = Some(stop.clone());
    let phase = match dir {
        Direction::On => crate::model::maintenance::MaintenancePhase::Entering,
        Direction::Off => crate::model::maintenance::MaintenancePhase::Leaving,
    };
    let ends = (
        phase.finish_command(&args.site),
        phase.undo_command(&args.site),
    );
    let signals = tokio::spawn(stop_on_signals(stop, ends));
    let result = engine::execute(one.clients(), &one.session.resolver, &site, &p, &opts, tx).await;
    signals.abort();
    let _ = printer.await;
    // Refused at the gate (the plan changed since it was approved, the approval expired): the
    // request is taken back, so that the same command again asks anew.
    if let (Err(SwitchError::NotApproved(_)), Some(h)) = (&result, &p.hash) {
        let _ = crate::switch::approval::withdraw(one.clients(), &site, h).await;
    }
    let mut code = match &result {
        Ok(o) if o.converged() => exit::OK,
        Ok(_) => exit::TIMEOUT,
        Err(e) => e.exit_code(),
    };
    match &result {
        Ok(o) if !json => say_part!("{}", outcome_text(o)),
        Ok(_) => {}
        Err(e) => say_err!("switchyard maintenance: {e}"),
    }
    // Nothing to do is a claim about AWS, read before: with --wait it is verified like any
    // switch (a concurrent fail back may be undoing it right now).
    if let Ok(o) = &result
        && o.nothing_to_do.is_some()
        && args.wait
    {
        let wait = WaitArgs {
            site: args.site.clone(),
            until: match dir {
                Direction::On => WaitFor::Maintenance,
                Direction::Off => WaitFor::Live,
            },
            timeout: args.timeout,
            output: args.output,
            // Verifying its own switch: this process reads AWS itself.
            no_share: true,
        };
        if !json {
            say!(
                "Verifying (--wait): until {} reads {}",
                args.site,
                match wait.until {
                    WaitFor::Maintenance => "MAINTENANCE",
                    WaitFor::Live => "LIVE",
                    WaitFor::Expiry => "MAINTENANCE OVERDUE",
                }
            );
        }
        code = wait_until(&mut one, &wait, false, None, None).await;
    }
    if json {
        print_json(&MaintenanceReport {
            plan: &p,
            outcome: result.as_ref().ok(),
            error: result.as_ref().err().map(ToString::to_string),
            exit_code: code,
        });
    }
    code
}

/// The window `maintenance on|extend` asks for: `--for`, at most the site's `max_window`, which
/// is the window when `--for` is not given. Exit 2 when `--for` is over it, or given to `off`.
fn window_of(site: &crate::config::Site, args: &MaintenanceArgs) -> Result<Option<Duration>, i32> {
    let name = &site.name;
    match (args.direction, args.window, site.max_window) {
        (MaintenanceAction::Off, Some(_), _) => {
            say_err!(
                "switchyard maintenance: --for is for `on` and `extend`: a fail back has no window; nothing was changed"
            );
            Err(exit::USAGE)
        }
        (MaintenanceAction::Off, None, _) => Ok(None),
        (_, Some(w), Some(max)) if w > max => {
            say_err!(
                "switchyard maintenance: --for {} is longer than site {name}'s max_window ({}) in the config; nothing was changed",
                crate::config::ids::format_duration(w),
                crate::config::ids::format_duration(max)
            );
            Err(exit::USAGE)
        }
        (_, Some(w), _) if w.is_zero() => {
            say_err!("switchyard maintenance: --for must be longer than 0 s; nothing was changed");
            Err(exit::USAGE)
        }
        (MaintenanceAction::Extend, None, _) => {
            say_err!(
                "switchyard maintenance extend: --for is needed: how much longer, e.g. --for 30m; nothing was changed"
            );
            Err(exit::USAGE)
        }
        (_, w, max) => Ok(w.or(max)),
    }
}

/// `switchyard maintenance extend --site S --for D --reason R`: the window's end moved, as a
/// journal update, confirmed and audited like any switch.
async fn extend(
    global: &GlobalArgs,
    one: &One,
    site: &crate::config::Site,
    args: &MaintenanceArgs,
    window: Option<Duration>,
) -> i32 {
    let Some(by) = window else {
        return exit::USAGE;
    };
    let json = args.output == OutputFormat::Json;
    let caller = one.caller.as_ref().map(|i| i.arn.clone());
    let account = one.caller.as_ref().map(|i| i.account.clone());
    let text = format!(
        "Extend the maintenance window of site {} ({}) by {}: one journal update ({}), audited.",
        site.name,
        site.record,
        crate::config::ids::format_duration(by),
        site.journal_record()
    );
    if json {
        say_err!("{text}");
    } else {
        say!("{text}");
    }
    if let Err(code) = confirm_by_name("maintenance", &site.name, "extend the window of", args.yes)
    {
        return code;
    }
    let t0 = std::time::Instant::now();
    let result = crate::switch::extend::extend(
        one.clients(),
        site,
        by,
        caller.as_deref().unwrap_or("unknown caller"),
        args.reason.as_deref(),
    )
    .await;
    let code = match &result {
        Ok(_) => exit::OK,
        Err(e) => e.exit_code(),
    };
    // The team's history in AWS keeps the extension beside the switches (`log` and the
    // window report on any machine); a failed write never undoes it: said, nothing more.
    let mut warnings = Vec::new();
    let id = result.as_ref().ok().map(|_| {
        format!(
            "{}{:x}",
            crate::switch::engine::switch_id_prefix(),
            OffsetDateTime::now_utc().unix_timestamp_nanos()
        )
    });
    if let (Ok(x), Some(id)) = (&result, &id) {
        let entry = crate::model::history::Entry {
            duration_ms: u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX),
            reason: args.reason.clone(),
            window_ends: Some(x.expires_at),
            ..crate::model::history::Entry::new(
                id.clone(),
                site.name.clone(),
                crate::model::history::Way::Extend,
                crate::model::history::SwitchResult::Done,
                caller.clone().unwrap_or_else(|| "unknown".into()),
                crate::switch::engine::host(),
                OffsetDateTime::now_utc(),
            )
        };
        if let Err(why) = crate::switch::history::append(one.clients(), site, entry).await {
            let text = format!(
                "the switch history {} could not be written ({why}); the extension itself is done, and this machine's audit log holds it",
                crate::switch::history::record_name(site)
            );
            say_err!("WARNING: {text}");
            warnings.push(text);
        }
    }
    if let Some(path) = audit_path(global, Some(&one.session.config)) {
        let entry = audit::Entry {
            time: OffsetDateTime::now_utc(),
            caller: caller.clone(),
            account,
            site: site.name.clone(),
            direction: "extend".into(),
            reason: args.reason.clone(),
            forced: false,
            result: match &result {
                Ok(_) => "done".into(),
                Err(SwitchError::Conflict(_)) => "conflict".into(),
                Err(SwitchError::Usage(_)) => "usage".into(),
                Err(_) => "journal_write_failed".into(),
            },
            error: result.as_ref().err().map(ToString::to_string),
            duration_ms: u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX),
            plan: serde_json::json!({
                "call": "route53:ChangeResourceRecordSets",
                "resource": site.journal_record(),
                "extend_by_seconds": by.as_secs(),
            }),
            steps: serde_json::Value::Null,
            verification: serde_json::to_value(result.as_ref().ok())
                .unwrap_or(serde_json::Value::Null),
            id,
            warnings,
            break_glass: None,
            plan_hash: None,
            comment: None,
            approved_by: None,
            window_ends: result.as_ref().ok().map(|x| x.expires_at),
        };
        if let Err(err) = audit::append_entry(&path, &entry) {
            say_err!(
                "switchyard maintenance: cannot write the audit log {}: {err}",
                path.display()
            );
        }
    }
    match &result {
        Ok(x) if json => print_json(&serde_json::json!({
            "site": x.site,
            "expires_before": x.expires_before.map(rfc3339),
            "expires_at": rfc3339(x.expires_at),
            "exit_code": code,
        })),
        Ok(x) => say!(
            "{}'s maintenance window now ends at {}{}; nothing fails back on its own: `switchyard maintenance off --site {}` fails back",
            x.site,
            rfc3339(x.expires_at),
            x.expires_before
                .map(|t| format!(" (it ended at {})", rfc3339(t)))
                .unwrap_or_default(),
            x.site
        ),
        Err(e) => say_err!("switchyard maintenance: {e}"),
    }
    code
}

/// A switch stopped before its first step by `e`: audited, reported in JSON when asked, `code`.
fn stopped_before(p: &Plan, opts: &ExecuteOptions, e: SwitchError, code: i32, json: bool) -> i32 {
    if let Some(path) = &opts.audit_log
        && let Err(err) = audit::append(
            path,
            p,
            opts,
            &Err(e.clone()),
            Duration::ZERO,
            None,
            &[],
            &Default::default(),
        )
    {
        say_err!(
            "switchyard maintenance: cannot write the audit log {}: {err}",
            path.display()
        );
    }
    if json {
        print_json(&MaintenanceReport {
            plan: p,
            outcome: None,
            error: Some(e.to_string()),
            exit_code: code,
        });
    }
    code
}

/// Cancels `stop` on the first SIGINT, SIGTERM or SIGHUP; exits on the second, naming `ends`:
/// the command that finishes the switch and the one that undoes it.
async fn stop_on_signals(stop: tokio_util::sync::CancellationToken, ends: (String, String)) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return;
    };
    for n in 0..2 {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        if n == 0 {
            // Cancelled first: once this is said, the switch stops after the step running.
            stop.cancel();
            say_err!(
                "switchyard maintenance: stopping after the step that is running (a second signal stops at once)"
            );
        } else {
            say_err!(
                "switchyard maintenance: stopped at once; the journal says what was started: `{}` finishes it, `{}` undoes it",
                ends.0,
                ends.1
            );
            std::process::exit(exit::STOPPED);
        }
    }
}

#[derive(Serialize)]
struct WaitReport {
    site: String,
    wanted: String,
    reached: bool,
    verdict: String,
    reasons: Vec<String>,
    waited_ms: u64,
    exit_code: i32,
    /// Where the observations came from (see `poll::share`).
    #[serde(skip_serializing_if = "Option::is_none")]
    poller: Option<crate::model::share::PollerSource>,
}

/// `switchyard wait --site S --for live|maintenance`.
pub async fn wait(global: &GlobalArgs, args: &WaitArgs) -> i32 {
    let mut one = match open(global, &args.site, "wait").await {
        Ok(o) => o,
        Err(code) => return code,
    };
    let options = crate::poll::share::Options::new("wait", args.no_share, &one.session.config);
    if let Some(why) = options.off.clone() {
        let (_tx, alone) =
            tokio::sync::watch::channel(crate::model::share::PollerSource::Alone { why });
        return wait_until(&mut one, args, true, None, Some(&alone)).await;
    }
    // The shared poller reads for other processes too: every site's clients. The site is read
    // in detail, as this process would read it alone.
    let session = match Session::start(one.session.config.clone(), &[], &overrides(global)).await {
        Ok(s) => s,
        // Another site of the config cannot be read here: this one is, alone.
        Err(e) => {
            let why = format!("not every site of the config can be read: {e}");
            tracing::info!("waiting alone: {why}");
            let (_tx, alone) =
                tokio::sync::watch::channel(crate::model::share::PollerSource::Alone { why });
            return wait_until(&mut one, args, true, None, Some(&alone)).await;
        }
    };
    let site: std::collections::BTreeSet<String> = [args.site.clone()].into_iter().collect();
    let focus = crate::poll::poller::Focus {
        site: Some(args.site.clone()),
        only: Some(site),
        ..Default::default()
    };
    let (_focus_tx, focus_rx) = tokio::sync::watch::channel(focus);
    let (tx, mut rx) = mpsc::channel(256);
    let (source_tx, source_rx) =
        tokio::sync::watch::channel(crate::model::share::PollerSource::Alone {
            why: "starting".into(),
        });
    let stop = tokio_util::sync::CancellationToken::new();
    let poller = tokio::spawn(crate::poll::share::run(
        session,
        focus_rx,
        tx,
        stop.clone(),
        options,
        source_tx,
    ));
    let code = wait_until(&mut one, args, true, Some(&mut rx), Some(&source_rx)).await;
    stop.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(2), poller).await;
    code
}

/// Reads the site until it reaches `args.until`, is INTERRUPTED, or `args.timeout` passes;
/// prints each change of verdict (table), and the report (JSON, when `report`). Returns the
/// exit code.
///
/// `shared`: the site's observations as the (shared) poller sends them, instead of reading
/// them here (see [`crate::poll::share`]).
async fn wait_until(
    one: &mut One,
    args: &WaitArgs,
    report: bool,
    mut shared: Option<&mut mpsc::Receiver<crate::poll::poller::PollUpdate>>,
    source: Option<&tokio::sync::watch::Receiver<crate::model::share::PollerSource>>,
) -> i32 {
    let stale_after = one.session.config.defaults.stale_after;
    let every = one
        .session
        .config
        .defaults
        .focus_interval
        .min(Duration::from_secs(5));
    let t0 = std::time::Instant::now();
    let mut last = String::new();
    loop {
        match shared.as_deref_mut() {
            None => {
                one.session
                    .refresh_one(&args.site, &|_| Depth::Detail)
                    .await;
            }
            Some(rx) => {
                // The site's next observations (the poller leaves a silent leader on its own).
                let left = args.timeout.saturating_sub(t0.elapsed());
                let next = tokio::time::timeout(left, async {
                    loop {
                        match rx.recv().await {
                            Some(crate::poll::poller::PollUpdate::Site {
                                index,
                                observations,
                            }) if index == one.site => return Some(observations),
                            Some(_) => {}
                            None => return None,
                        }
                    }
                })
                .await;
                match next {
                    Ok(Some(o)) => {
                        one.session.observations[one.site] = std::sync::Arc::unwrap_or_clone(o)
                    }
                    // The poller stopped: read here from now on.
                    Ok(None) => shared = None,
                    Err(_) => {}
                }
            }
        }
        let v = crate::model::completeness::site_verdict(
            &one.session.observations[one.site],
            OffsetDateTime::now_utc(),
            stale_after,
        );
        let reached = match args.until {
            WaitFor::Live => matches!(v.kind, VerdictKind::Live | VerdictKind::Degraded),
            WaitFor::Maintenance => v.kind == VerdictKind::Maintenance,
            // The window's end, as the journal records it (MAINTENANCE OVERDUE once the sorry
            // page is served past it); a site not in maintenance has no window to wait for.
            WaitFor::Expiry => {
                v.kind == VerdictKind::Overdue
                    || one.session.observations[one.site]
                        .marker()
                        .is_some_and(|m| {
                            matches!(
                                crate::model::verdict::expiry::window(m, OffsetDateTime::now_utc()),
                                Some(crate::model::verdict::expiry::WindowState::Ended(_))
                            )
                        })
            }
        };
        let no_window = args.until == WaitFor::Expiry
            && !reached
            && one.session.observations[one.site]
                .maintenance
                .get()
                .is_some_and(|m| {
                    m.as_ref().is_none_or(|m| {
                        crate::model::verdict::expiry::window(m, OffsetDateTime::now_utc())
                            .is_none()
                    })
                });
        let line = format!(
            "{} {}{}",
            args.site,
            v.kind.label(),
            v.reasons
                .first()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        );
        if line != last && args.output == OutputFormat::Table {
            // Data that came through another process says so.
            let via = match source.map(|s| s.borrow().clone()) {
                Some(p @ crate::model::share::PollerSource::Joined { .. }) => {
                    format!(" ({})", p.words())
                }
                _ => String::new(),
            };
            say!("[{}] {line}{via}", clock(OffsetDateTime::now_utc()));
            last = line;
        }
        let timed_out = t0.elapsed() >= args.timeout;
        // A switch stopped halfway converges on nothing: waiting would only run out the clock.
        let interrupted = v.kind == VerdictKind::Interrupted;
        if reached || timed_out || interrupted || no_window {
            let code = if reached {
                exit::OK
            } else if no_window {
                exit::USAGE
            } else if interrupted {
                VerdictKind::Interrupted.exit_code()
            } else {
                exit::TIMEOUT
            };
            let wanted = match args.until {
                WaitFor::Live => "live",
                WaitFor::Maintenance => "maintenance",
                WaitFor::Expiry => "past the end of its maintenance window",
            };
            match args.output {
                OutputFormat::Json if !report => {}
                OutputFormat::Json => print_json(&WaitReport {
                    site: args.site.clone(),
                    wanted: wanted.into(),
                    reached,
                    verdict: v.kind.label().to_string(),
                    reasons: v.reasons.clone(),
                    waited_ms: u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX),
                    exit_code: code,
                    poller: source.map(|s| s.borrow().clone()),
                }),
                OutputFormat::Table if no_window => say!(
                    "{} has no maintenance window to wait for: it is {} (not in maintenance, failing back, or in maintenance with no end: `maintenance extend --for` gives one)",
                    args.site,
                    v.kind.label()
                ),
                OutputFormat::Table if interrupted => {
                    say!(
                        "{} is INTERRUPTED, not {wanted}: a switch was stopped halfway and nothing converges until an operator finishes or undoes it; waiting stopped after {}",
                        args.site,
                        fmt_duration(t0.elapsed())
                    );
                    for r in &v.reasons {
                        say!("  - {r}");
                    }
                }
                OutputFormat::Table if !reached => say!(
                    "Timed out after {}: {} is {}, not {wanted}",
                    fmt_duration(t0.elapsed()),
                    args.site,
                    v.kind.label()
                ),
                OutputFormat::Table => {}
            }
            return code;
        }
        if shared.is_none() {
            tokio::time::sleep(every.min(args.timeout.saturating_sub(t0.elapsed()))).await;
        }
    }
}

/// Asks for a second person's approval of `p` (or picks up this caller's request, approved or
/// not yet), and waits until it is approved, declined or lapses; Ctrl-C withdraws it. `Ok`: the
/// approval of this plan stands and the switch goes on (the engine checks it again on fresh
/// data right before the first change). `Err` is the exit code.
async fn await_approval(
    one: &One,
    site: &crate::config::Site,
    p: &Plan,
    text: &str,
    args: &MaintenanceArgs,
    opts: &ExecuteOptions,
) -> Result<(), i32> {
    use crate::model::approval::{Standing, short};
    use crate::model::history::SwitchResult;
    use crate::switch::approval::{self, Ask, Event};
    let json = args.output == OutputFormat::Json;
    let out = |line: String| {
        if json {
            say_err!("{line}");
        } else {
            say!("{line}");
        }
    };
    let clients = one.clients();
    let Some(caller) = one.caller.clone() else {
        return Err(exit::ACCESS);
    };
    let hash = p.hash.clone().unwrap_or_default();
    let dir = p.direction;
    let audit_log = opts.audit_log.clone();
    let event = |result: SwitchResult, comment: Option<String>| Event {
        site,
        direction: dir,
        result,
        by: &caller.arn,
        account: Some(caller.account.as_str()),
        reason: args.reason.clone(),
        comment,
        hash: Some(hash.clone()),
        plan: Some(p),
    };
    let say_warnings = |w: Vec<String>| {
        for w in w {
            say_err!("switchyard maintenance: WARNING: {w}");
        }
    };
    let refuse = |why: String| {
        say_err!("switchyard maintenance: not approved: {why}; nothing was changed");
        exit::NOT_APPROVED
    };
    let fail = |e: SwitchError| {
        say_err!("switchyard maintenance: {e}");
        e.exit_code()
    };
    let found = approval::outstanding(clients, site).await.map_err(fail)?;
    let mine = found.filter(|(a, _, _)| {
        a.requested_by == caller.arn && a.direction == engine::history_direction(dir)
    });
    let mut asked = false;
    if let Some(a) = mine.map(|(a, _, _)| a) {
        match a.standing(clients.clock.now()) {
            Standing::Approved { by } if a.hash == hash => {
                out(format!(
                    "Approved by {by} (plan {}): going on.",
                    short(&hash)
                ));
                return Ok(());
            }
            Standing::Approved { by } => {
                let _ = approval::withdraw(clients, site, &a.hash).await;
                say_warnings(
                    approval::record(
                        clients,
                        audit_log.as_deref(),
                        &event(
                            SwitchResult::Withdrawn,
                            Some("the plan changed since it was approved".into()),
                        ),
                    )
                    .await,
                );
                return Err(refuse(format!(
                    "the plan changed since {by} approved it (approved plan {}, the plan as AWS is now {}): a changed plan needs a new approval; the request was withdrawn: run the same command again to ask anew",
                    short(&a.hash),
                    short(&hash)
                )));
            }
            Standing::Pending if a.hash == hash => {
                asked = true;
                out(format!(
                    "Your request for plan {} still awaits approval (asked at {}).",
                    short(&hash),
                    rfc3339(a.requested_at)
                ));
            }
            Standing::Pending => {}
            Standing::Declined { by, comment } => {
                let _ = approval::withdraw(clients, site, &a.hash).await;
                return Err(refuse(format!(
                    "{by} declined it{}; the request was removed",
                    comment.map(|c| format!(": {c:?}")).unwrap_or_default()
                )));
            }
            Standing::Expired(why) | Standing::Forged(why) => {
                let _ = approval::withdraw(clients, site, &a.hash).await;
                return Err(refuse(format!(
                    "{why}; a new approval is needed: the request was removed, run the same command again to ask anew"
                )));
            }
        }
    }
    if !asked {
        let ask = Ask {
            reason: args.reason.clone(),
            forced: args.force,
            text: text.to_string(),
            ttl: site.approval_ttl,
        };
        let a = approval::request(clients, &one.session.resolver, site, p, &caller, &ask)
            .await
            .map_err(fail)?;
        say_warnings(
            approval::record(
                clients,
                audit_log.as_deref(),
                &event(SwitchResult::AwaitingApproval, None),
            )
            .await,
        );
        out(format!(
            "Awaiting approval by another person: plan {} is in the journal {} (requested by {}, until {}). Another identity approves it with `switchyard approve --site {}`.",
            short(&hash),
            site.journal_record(),
            caller.arn,
            rfc3339(a.expires_at),
            site.name
        ));
    }
    if args.no_wait {
        out(format!(
            "Not waiting (--no-wait): the request stays; `switchyard maintenance {} --site {}` again goes on once it is approved.",
            dir.as_str(),
            site.name
        ));
        return Err(exit::AWAITING_APPROVAL);
    }
    out("Waiting for the approval (Ctrl-C withdraws the request)...".to_string());
    let every = opts.poll_every.max(Duration::from_millis(500));
    let interrupted = async {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return std::future::pending::<()>().await;
        };
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
    };
    tokio::pin!(interrupted);
    loop {
        tokio::select! {
            () = &mut interrupted => {
                let gone = approval::withdraw(clients, site, &hash).await;
                say_warnings(approval::record(clients, audit_log.as_deref(), &event(SwitchResult::Withdrawn, None)).await);
                say_err!(
                    "switchyard maintenance: interrupted: {}; nothing was changed",
                    match gone {
                        Ok(true) => "the request for approval was withdrawn".to_string(),
                        Ok(false) => "the request was no longer there".to_string(),
                        Err(e) => format!("the request could not be withdrawn ({e}); it lapses by itself"),
                    }
                );
                return Err(exit::NOT_CONFIRMED);
            }
            () = tokio::time::sleep(every) => {}
        }
        let found = match approval::outstanding(clients, site).await {
            Ok(f) => f,
            // A read that failed is tried again at the next round.
            Err(_) => continue,
        };
        let Some((a, _, _)) =
            found.filter(|(a, _, _)| a.hash == hash && a.requested_by == caller.arn)
        else {
            return Err(refuse(
                "the request is no longer in the journal (withdrawn, removed or replaced by another operator)".to_string(),
            ));
        };
        match a.standing(clients.clock.now()) {
            Standing::Pending => {}
            Standing::Approved { by } => {
                out(format!(
                    "Approved by {by} (plan {}): re-planning on fresh data before the first change.",
                    short(&hash)
                ));
                return Ok(());
            }
            Standing::Declined { by, comment } => {
                let _ = approval::withdraw(clients, site, &hash).await;
                return Err(refuse(format!(
                    "{by} declined it{}",
                    comment.map(|c| format!(": {c:?}")).unwrap_or_default()
                )));
            }
            Standing::Expired(why) | Standing::Forged(why) => {
                let _ = approval::withdraw(clients, site, &hash).await;
                return Err(refuse(format!("{why}; a new approval is needed")));
            }
        }
    }
}
