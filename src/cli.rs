//! Command-line definitions of every subcommand and flag.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// switchyard: see the whole failover chain of a site, force maintenance, fail back.
#[derive(Debug, Parser)]
#[command(name = "switchyard", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The console's reason for its switches: every confirmation starts with it (it can be
    /// changed there); recorded in the journal and the audit log, as `maintenance --reason`.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Poll AWS alone, not through one poller shared with this user's other consoles, `status
    /// --watch` and `wait` on this machine (also `share_poller = false` in the config).
    #[arg(long)]
    pub no_share: bool,
    /// Without a subcommand: the live console on the config.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options of every subcommand.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// The config file [default: $SWITCHYARD_CONFIG, then ~/.config/switchyard/config.toml].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The AWS profile to use instead of the config's (or the default chain's).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// The AWS region of the load balancers and alarms, instead of the config's.
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// Send every AWS call to this endpoint: the built-in emulator, moto, LocalStack.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Where the log goes [default: $XDG_STATE_HOME/switchyard/switchyard.log].
    #[arg(long, global = true, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
    /// Change nothing in AWS: the console hides its actions, `maintenance` and `journal
    /// repair`, `approve` and `decline` refuse (exit 2). Also set by SWITCHYARD_READ_ONLY=1 (true, yes, on).
    #[arg(long, global = true, env = "SWITCHYARD_READ_ONLY", value_parser = clap::builder::FalseyValueParser::new())]
    pub read_only: bool,
    /// Draw the console in ASCII only (borders, symbols, text), for serial-like terminals.
    #[arg(long, global = true)]
    pub ascii: bool,
    /// Where every switch is recorded as JSON lines [default: the config's audit_log, else
    /// $XDG_STATE_HOME/switchyard/audit.jsonl].
    #[arg(long, global = true, value_name = "FILE", env = "SWITCHYARD_AUDIT_LOG")]
    pub audit_log: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Each site's verdict (LIVE, DEGRADED, FAILED OVER, MAINTENANCE, SWITCHING, UNKNOWN, DOWN,
    /// INTERRUPTED) and why.
    ///
    /// Every site says whether its chain was read in full, and what was not read.
    ///
    /// Exit codes: 0 every site LIVE (every chain read in full), 10 some DEGRADED, 11 FAILED
    /// OVER, 12 MAINTENANCE, 13 SWITCHING, 14 UNKNOWN, 15 DOWN: users get errors, 16 INTERRUPTED:
    /// a switch stopped before its last step waits for an operator to finish or undo it, 17
    /// MAINTENANCE OVERDUE: the maintenance window has ended and the sorry page is still served
    /// (the worst site decides); 2 usage or config error; 3 credentials or access kept a piece of some chain
    /// away (the missing permission is named on stderr; only DOWN outranks it).
    Status(StatusArgs),
    /// Follow the chain behind a record (read calls only) and print its site config, with the
    /// maintenance switch that fits.
    Discover(DiscoverArgs),
    /// Check that this machine can watch and switch the sites: config, proxy, identity,
    /// endpoints, and every read action tried once; the write actions are listed.
    ///
    /// Exit codes: 0 everything works, 2 usage or config error, 3 credentials missing or a
    /// permission denied (the missing actions are named), 8 an endpoint unreachable or failing.
    Doctor(DoctorArgs),
    /// Print the least-privilege IAM policy (JSON) for the config's sites: the read set, and
    /// the operator set scoped to the resources the strategies change.
    IamPolicy(IamPolicyArgs),
    /// Print the shell completion script: `switchyard completions bash > /etc/bash_completion.d/switchyard`.
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write every page into a folder with --out.
    Man(ManArgs),
    /// Run the built-in AWS emulator on 127.0.0.1 until Ctrl-C.
    Sim(SimArgs),
    /// Show what `maintenance on|off` would do: every AWS call with its before and after
    /// values, and the preflight checks. Read calls only.
    ///
    /// Exit codes: 0 the plan can run (or there is nothing to do); 4 a preflight check failed
    /// or could not be checked ([??]);
    /// 7 conflict (a fail back is unfinished); 2 usage or config error (unknown site, no
    /// strategy, a strategy that does not fit the site); 3 credentials or access; 5 an AWS
    /// read failed.
    Plan(PlanArgs),
    /// Put a site into maintenance (`on`, for `--for` or the site's `max_window`), fail it back
    /// (`off`), or extend its window (`extend --for 30m --reason ...`), with confirmation.
    ///
    /// Prints the plan, asks for the site name on a terminal (`--yes` skips the question; with
    /// no terminal and no `--yes` it refuses), then runs the steps one by one, recording each in
    /// the journal `_switchyard.<record>` TXT record so that any machine can finish or undo it.
    ///
    /// Exit codes: 0 done (or nothing to do: already in maintenance by this operator on this
    /// machine / already live; with `--wait` verified like any switch);
    /// 2 usage or config error (also a read-only site, or --read-only); 3 credentials or
    /// access (also a step refused for lack of access); 4 refused by a preflight check that
    /// failed or could not be checked (`--force` overrides); 5 a step or a journal write
    /// failed (the steps done were undone, or the journal says what is left); 6 done but not converged before `--timeout`, or a condition
    /// could not be verified (with `--wait`);
    /// 7 conflict: another run holds the site ("site S is held by X since T, reason R": a
    /// switch under way, or maintenance entered by another operator or machine; `--force` takes
    /// over), or AWS changed since the plan; 8 not confirmed; 9 stopped between two steps by SIGINT,
    /// SIGTERM or SIGHUP (the journal records every step done, `status` says INTERRUPTED: the
    /// same command again finishes the switch, the opposite one undoes it). `extend`: 0 the
    /// window's new end is recorded; 2 usage (no --for, --for over `max_window`, --read-only, a
    /// read-only site); 5 the journal write failed; 7 the site is not in maintenance, or its
    /// journal changed since it was read; 8 not confirmed.
    ///
    /// A site with `approval = true`: the plan is written to the journal as awaiting approval
    /// (its hash shown), and the run waits (Ctrl-C withdraws the request) until another identity
    /// approves it (`switchyard approve`), then re-plans and switches only when the plan is the
    /// one approved. 18 awaiting approval (`--no-wait`: the request stays; the same command
    /// again picks up the approval); 19 not approved (declined, expired, or the plan changed
    /// since it was approved: a changed plan needs a new approval). `--break-glass "reason"`
    /// switches without approval, audited.
    Maintenance(MaintenanceArgs),
    /// Approve another operator's switch of a protected site (`approval = true`): its plan, as
    /// the requester saw it, with its hash; confirmed by typing the site name. `--decline`
    /// declines it instead (`--comment`).
    ///
    /// Exit codes: 0 approved (or declined); 2 usage or config error (--read-only, a read-only
    /// site, a request whose plan and hash disagree); 3 credentials or access; 5 the journal
    /// write failed; 7 nothing awaits approval, or the request changed since it was read; 8 not
    /// confirmed; 19 refused: you asked for it yourself (the same identity can never approve
    /// its own plan).
    Approve(DecideArgs),
    /// Decline another operator's switch of a protected site, with a comment: the requester's
    /// run stops (exit 19) and nothing is changed. Exit codes as for `approve`.
    Decline(DeclineArgs),
    /// Wait until a site is LIVE (or DEGRADED: the app is served; never DOWN) or in MAINTENANCE.
    ///
    /// `--for expiry` waits for the end of the maintenance window.
    ///
    /// Exit codes: 0 reached; 6 timeout; 16 INTERRUPTED: a switch was stopped halfway, and
    /// nothing converges until an operator finishes or undoes it (said at once, not waited
    /// out); 2 usage or config error; 3 credentials or access.
    Wait(WaitArgs),
    /// Show every operator's switches, from any machine.
    ///
    /// The AWS history of the configured sites (kept beside their journals, written by every
    /// machine) merged with this machine's audit log: each switch once, each saying where it
    /// came from (aws, local, aws+local).
    ///
    /// A source that cannot be read (AWS unreachable, access denied, the audit log unreadable)
    /// is said on stderr and in the JSON's `sources`, and the others are shown.
    ///
    /// Exit codes: 0 shown, from every source; 3 shown from some sources only (those not read
    /// are said on stderr, and `complete` is false in the JSON); 2 nothing could be read at all
    /// (nor the audit log nor any site's history).
    Log(LogArgs),
    /// Write the report of a maintenance window: Markdown for the change ticket and one
    /// self-contained HTML file (no network needed to view it).
    ///
    /// Both say who, why and the approver; every step with its AWS call and its values before
    /// and after; a timeline chart of the chain (one lane per component the sources name:
    /// health checks, alarms, targets, DNS answer, CloudFront, a client probe when there is
    /// one); the measured times (decision to first change, to INSYNC, to clients seeing the
    /// sorry page, and back); and the final state compared with the state before the window,
    /// field by field. Sources: the site's history in AWS (any machine), this machine's audit
    /// log and events; each is named in the report, and one absent from this machine is said
    /// "not available".
    ///
    /// Exit codes: 0 written, every source there is read; 3 written, but a source could not
    /// be read (AWS history, audit log or events: the report says which), or no window found
    /// while the AWS history could not be read; 4 no maintenance window of the site in the
    /// sources (nothing written); 2 usage or config error (unknown site, bad --since, --out not
    /// a directory, a file that cannot be written).
    Report(ReportArgs),
    /// Inspect or repair a site's maintenance journal (the TXT record beside its record).
    ///
    /// `show` prints it as Route 53 holds it, and whether it is the site's own. `repair`
    /// removes a journal that cannot be read or does not belong to the site (asked for
    /// confirmation, audited with its exact values so that it can be put back); a valid journal
    /// is never removed: `maintenance on|off` finishes or undoes its switch.
    ///
    /// Exit codes: 0 shown (the journal is absent or the site's own) or repaired; 2 usage or
    /// config error, or a valid journal that repair refuses to remove; 3 credentials or access;
    /// 7 the journal changed while being repaired (nothing removed); 8 not confirmed; 14 the
    /// journal cannot be read or is not the site's (`show`).
    Journal(JournalArgs),
    /// The console on the built-in emulator's demo account (six sites, one per setup).
    Demo(DemoArgs),
    /// Rehearse a maintenance window on a copy of a site: its chain is read with read-only
    /// calls, written as an emulator scenario (same IDs and ARNs), and the console opens on the
    /// copy with a REHEARSAL banner. Every action goes to the copy; production is not changed.
    ///
    /// Exit codes: 0 done; 2 usage or config error (or the scenario cannot be saved); 3
    /// credentials or access; 5 the site could not be read.
    Rehearse(RehearseArgs),
}

#[derive(Debug, Clone, Args)]
pub struct RehearseArgs {
    /// The site to copy, by its name in the config.
    #[arg(long, value_name = "NAME")]
    pub site: String,
    /// Also write the copy as a scenario file, to replay with `switchyard sim --scenario FILE`;
    /// when the rehearsal stops, the report of its last window (as `switchyard report` writes
    /// it) is written next to FILE.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// How fast simulated time runs in the copy (1 = real time).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Port of the copy's emulator; 0 picks any free port.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// No console: print the copy's endpoint and environment, and serve until Ctrl-C (scripted
    /// rehearsals).
    #[arg(long)]
    pub no_console: bool,
    /// The reason every confirmation of the console starts with (recorded in the copy's
    /// journal and the rehearsal's audit log).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Port of the emulator (its control API is at http://127.0.0.1:PORT/_sim/control);
    /// 0 picks any free port.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// How fast simulated time runs compared with real time (1 = real time).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// The reason every confirmation of the console starts with (recorded in the journal and
    /// the demo's audit log).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct JournalArgs {
    #[command(subcommand)]
    pub action: JournalAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum JournalAction {
    /// Print the site's journal, raw and decoded, and whether it is the site's own.
    Show(JournalShowArgs),
    /// Remove a journal that cannot be read or does not belong to the site.
    Repair(JournalRepairArgs),
}

#[derive(Debug, Clone, Args)]
pub struct JournalShowArgs {
    /// The site, by its name in the config.
    #[arg(long, value_name = "NAME")]
    pub site: String,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct JournalRepairArgs {
    /// The site, by its name in the config.
    #[arg(long, value_name = "NAME")]
    pub site: String,
    /// Why: recorded in the audit log with the values removed.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Do not ask for confirmation (runbooks).
    #[arg(long)]
    pub yes: bool,
}

/// `on` (enter maintenance) or `off` (fail back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// on: enter maintenance; off: fail back.
    #[arg(value_enum)]
    pub direction: OnOff,
    /// The site, by its name in the config.
    #[arg(long, value_name = "NAME")]
    pub site: String,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct MaintenanceArgs {
    /// on: enter maintenance; off: fail back; extend: move the end of the window (`--for`
    /// later than it is, or than now once it has ended): a journal update, audited.
    #[arg(value_enum)]
    pub direction: MaintenanceAction,
    /// How long the window lasts (`on`), or how much longer (`extend`), e.g. 2h, 30m: its end
    /// is recorded in the journal; past it the site is MAINTENANCE OVERDUE (exit 17 of
    /// `status`). Nothing fails back on its own. At most the site's `max_window`, which is the
    /// window when --for is not given.
    #[arg(long = "for", value_name = "DURATION", value_parser = crate::config::ids::parse_duration)]
    pub window: Option<std::time::Duration>,
    /// The site, by its name in the config.
    #[arg(long, value_name = "NAME")]
    pub site: String,
    /// Why: recorded in the journal (every operator sees it) and the audit log.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Do not ask for confirmation (runbooks).
    #[arg(long)]
    pub yes: bool,
    /// Verify until the change has converged (or --timeout).
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits, e.g. 90s, 10m.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::config::ids::parse_duration)]
    pub timeout: std::time::Duration,
    /// Run even though a preflight check failed or could not be checked (or an unfinished
    /// journal was updated less than a minute ago).
    #[arg(long)]
    pub force: bool,
    /// A site that needs approval: ask for it and leave the request in the journal without
    /// waiting (exit 18); the same command again picks up the approval.
    #[arg(long)]
    pub no_wait: bool,
    /// A site that needs approval: switch without it, in an emergency. The reason, the caller
    /// and the switch go to the journal, the audit log and the AWS history, shown as
    /// BREAK-GLASS (in red) by status, log and the console.
    #[arg(long, value_name = "REASON")]
    pub break_glass: Option<String>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct DecideArgs {
    /// The site, by its name in the config.
    #[arg(long, value_name = "NAME")]
    pub site: String,
    /// Decline the request instead of approving it.
    #[arg(long)]
    pub decline: bool,
    /// Why it is declined (the requester is shown it).
    #[arg(long, value_name = "TEXT")]
    pub comment: Option<String>,
    /// Do not ask for confirmation (typing the site name).
    #[arg(long)]
    pub yes: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct DeclineArgs {
    /// The site, by its name in the config.
    #[arg(long, value_name = "NAME")]
    pub site: String,
    /// Why it is declined (the requester is shown it).
    #[arg(long, value_name = "TEXT")]
    pub comment: Option<String>,
    /// Do not ask for confirmation (typing the site name).
    #[arg(long)]
    pub yes: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

impl DeclineArgs {
    /// As `approve --decline`.
    pub fn as_decide(&self) -> DecideArgs {
        DecideArgs {
            site: self.site.clone(),
            decline: true,
            comment: self.comment.clone(),
            yes: self.yes,
            output: self.output,
        }
    }
}

/// What `maintenance` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MaintenanceAction {
    On,
    Off,
    Extend,
}

/// What `wait` waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WaitFor {
    Live,
    Maintenance,
    Expiry,
}

#[derive(Debug, Clone, Args)]
pub struct WaitArgs {
    /// The site, by its name in the config.
    #[arg(long, value_name = "NAME")]
    pub site: String,
    /// live: the app is served (LIVE or DEGRADED; DOWN is not live: users get errors);
    /// maintenance: MAINTENANCE (a sorry page that cannot serve is DOWN, not maintenance);
    /// expiry: the end of the maintenance window (MAINTENANCE OVERDUE), for a runbook to fail
    /// back on time (nothing fails back on its own).
    #[arg(long = "for", value_enum, value_name = "STATE")]
    pub until: WaitFor,
    /// How long to wait, e.g. 90s, 10m.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::config::ids::parse_duration)]
    pub timeout: std::time::Duration,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// Poll AWS alone, not through one poller shared with this user's other consoles, `status
    /// --watch` and `wait` on this machine (also `share_poller = false` in the config).
    #[arg(long)]
    pub no_share: bool,
}

#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Only this site.
    #[arg(long, value_name = "NAME")]
    pub site: Option<String>,
    /// Only this machine's audit log: no AWS call.
    #[arg(long)]
    pub local: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// The site, by its name in the config.
    #[arg(long, value_name = "NAME")]
    pub site: String,
    /// Report from this time to now: RFC 3339 (2026-12-01T10:00:00Z) or a time ago (90m, 2h,
    /// 1d). Without it, the last window is reported.
    #[arg(long, value_name = "TIME", conflicts_with = "window")]
    pub since: Option<String>,
    /// `last`: the last maintenance window, from entering maintenance to the fail back (or to
    /// now while still in maintenance). The default.
    #[arg(long, value_enum, value_name = "WHICH")]
    pub window: Option<WindowChoice>,
    /// The directory the two files are written into (`<site>-<start>.md` and `.html`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WindowChoice {
    Last,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

#[derive(Debug, Clone, Args)]
pub struct ManArgs {
    /// One subcommand's page (switchyard-status), instead of the main page.
    #[arg(value_name = "SUBCOMMAND")]
    pub subcommand: Option<String>,
    /// Write switchyard.1 and every subcommand's page into this folder.
    #[arg(long, value_name = "DIR", conflicts_with = "subcommand")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct IamPolicyArgs {
    /// Only this site (repeat for more).
    #[arg(long, value_name = "NAME")]
    pub site: Vec<String>,
    /// Only the read set: for watchers who must not switch anything.
    #[arg(long)]
    pub read_only: bool,
    /// Do not read AWS: resources the config does not name (the primary's health check, the
    /// sorry page's distribution, records through an alias chain) are granted as `*`, said on
    /// stderr.
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    /// Only this site (repeat for more).
    #[arg(long, value_name = "NAME")]
    pub site: Vec<String>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct DiscoverArgs {
    /// The hosted zone: its name (example.com), ID (Z0123456789ABC) or /hostedzone/ID.
    #[arg(long, value_name = "ZONE")]
    pub zone: String,
    /// The record name, e.g. www.example.com (or www, in the zone).
    #[arg(long, value_name = "NAME")]
    pub record: String,
    /// Only this record type (A, AAAA or CNAME); without it, every address type at the name
    /// (A and AAAA, or a CNAME) is one site.
    #[arg(long = "type", value_name = "TYPE")]
    pub record_type: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// Only this site (repeat for more); one site also gets every checker's view per region.
    #[arg(long, value_name = "NAME")]
    pub site: Vec<String>,
    /// table fits 80 columns; json is a stable contract (see the README).
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// Repeat at the config's poll interval until Ctrl-C.
    #[arg(long)]
    pub watch: bool,
    /// Never cut a line to the terminal's width (the table is not cut either when stdout is
    /// not a terminal, a pipe or a file, unless COLUMNS is exported).
    #[arg(long)]
    pub wide: bool,
    /// With --watch: poll AWS alone, not through one poller shared with this user's other
    /// consoles, `status --watch` and `wait` on this machine (also `share_poller = false`).
    #[arg(long)]
    pub no_share: bool,
}

/// `ADDR:PORT`, or a port of 127.0.0.1.
fn name_server_address(s: &str) -> Result<std::net::SocketAddr, String> {
    let s = s.trim();
    match s.parse::<u16>() {
        Ok(0) => Err("port 0 is not a port to ask".into()),
        Ok(port) => Ok(std::net::SocketAddr::from(([127, 0, 0, 1], port))),
        Err(_) => s
            .parse()
            .map_err(|_| format!("{s:?} is not ADDR:PORT nor a port number")),
    }
}

#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("world").required(true).args(["scenario", "sites"])))]
pub struct SimArgs {
    /// Scenario file (TOML), for example assets/scenarios/alb-cloudfront.toml.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Instead of a scenario file: a generated account of this many sites (for scale tests).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=2000))]
    pub sites: Option<u16>,
    /// With --sites: which of several generated accounts this is (1-99): its own account ID,
    /// hosted zone ID (Z0GENERATED03 for 3) and domain (account3.example.com), so that one
    /// config can name the sites of several accounts, each served by its own emulator.
    #[arg(long, value_name = "K", requires = "sites", value_parser = clap::value_parser!(u8).range(1..=99))]
    pub account: Option<u8>,
    /// Send DNS queries for names outside this account to this DNS server (another emulator's,
    /// as `switchyard sim` prints it in SWITCHYARD_DNS_SERVER): emulators of several accounts
    /// then resolve each other's names.
    #[arg(long, value_name = "ADDR:PORT")]
    pub dns_forward: Option<std::net::SocketAddr>,
    /// Relay the queries of this emulator's name servers for zones it does not hold to these
    /// name servers (another emulator's, whose port it prints in SWITCHYARD_NAME_SERVER_PORT; a
    /// port alone means 127.0.0.1): chained in a line, the first emulator's name servers answer
    /// every account's zones by DNS.
    #[arg(long, value_name = "[ADDR:]PORT", value_parser = name_server_address)]
    pub ns_forward: Option<std::net::SocketAddr>,
    /// Port to listen on; 0 picks any free port.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// How fast simulated time runs compared with real time (1 = real time).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ns_forward_takes_a_port_of_this_machine_or_an_address() {
        let sim = |args: &[&str]| {
            let mut argv = vec!["switchyard", "sim", "--sites", "2"];
            argv.extend_from_slice(args);
            Cli::try_parse_from(argv).map(|c| match c.command {
                Some(Command::Sim(a)) => a.ns_forward,
                _ => None,
            })
        };
        assert_eq!(
            sim(&["--ns-forward", "5353"]).unwrap(),
            Some(([127, 0, 0, 1], 5353).into())
        );
        assert_eq!(
            sim(&["--ns-forward", "127.0.0.2:53"]).unwrap(),
            Some(([127, 0, 0, 2], 53).into())
        );
        let e = sim(&["--ns-forward", "ns1"]).unwrap_err().to_string();
        assert!(
            e.contains("\"ns1\" is not ADDR:PORT nor a port number"),
            "{e}"
        );
        assert!(sim(&["--ns-forward", "0"]).is_err());
    }
}
