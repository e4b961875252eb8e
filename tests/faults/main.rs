//! The fault matrix: every service (Route 53, CloudWatch, ELBv2, CloudFront, STS) times every
//! fault (timeout, dropped connection, HTTP 500, Throttling, AccessDenied, ExpiredToken), injected
//! by the emulator into every call of that service. For each:
//! - `switchyard status` exits with a documented code and says the cause in one line, and the
//!   next run after the fault clears is clean;
//! - the console (its app and views, fed by the real poller's session) stays up, shows the error
//!   in the panel of the service, and is clean again one poll after the fault clears;
//! - `maintenance on` run into the fault leaves a state that `maintenance off` completes once the
//!   fault clears, with every AWS value as it was before.
//!
//! The sites assume a role (`role_arn`), as operators' configs do, so that STS is on the path.
//!
//! Every cell's outcome is pinned: a check that could not be made is never a pass, so `status`
//! says UNKNOWN whatever the service, with `complete: false` and what was not read, exits 3 when
//! access or credentials kept the data away and 14 otherwise, and its cause names the service
//! (and for access denied the IAM action); the console marks the site `[incomplete]` on its
//! overview row. There
//! is one test per fault, each running the five services side by side (and, in each, `status`,
//! the console and the switch side by side on emulators of their own), so that no test waits for
//! more than one call's time limit. The config sets `call_timeout = "9s"` (an operator's setting:
//! 30 s by default), so that a service that never answers costs a cell seconds, not minutes: the
//! timeout cells show the limit working as configured.
//!
//! The README's reliability section shows the table: each test saves its rows (see
//! `tests/support/readme.rs`) and compares them with the README's; `scripts/readme-tables`
//! rewrites the README from them.

#[path = "../support/configs.rs"]
mod configs;
use configs::without_probes;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::Value;
use switchyard::poll::poller::PollUpdate;
use switchyard::poll::round::Depth;
use switchyard::poll::session::{Overrides, Session};
use switchyard::tui::app::{App, Msg, update};
use switchyard::tui::theme::Theme;
use switchyard_sim::{Control, FaultSpec, SimHandle, SimOptions, start};

#[path = "../support/binary.rs"]
mod binary;

#[path = "../support/readme.rs"]
mod readme;

#[path = "../switch/support.rs"]
#[allow(dead_code)]
mod support;

const SERVICES: [&str; 5] = ["route53", "cloudwatch", "elbv2", "cloudfront", "sts"];
const FAULTS: [&str; 6] = [
    "timeout",
    "dropped connection",
    "HTTP 500",
    "Throttling",
    "AccessDenied",
    "ExpiredToken",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn spec(service: &str, fault: &str) -> FaultSpec {
    let kind = match fault {
        "timeout" => serde_json::json!({"fault": "timeout"}),
        "dropped connection" => serde_json::json!({"fault": "drop"}),
        "HTTP 500" => serde_json::json!({"fault": "error", "code": "InternalFailure"}),
        code => serde_json::json!({"fault": "error", "code": code}),
    };
    let mut v = kind;
    v["service"] = service.into();
    serde_json::from_value(v).unwrap()
}

/// What a user sees of one case.
struct Seen {
    exit: i32,
    verdict: String,
    cause: String,
    recovered: bool,
    /// Every error and reason `status` gave, in one text.
    said: String,
    /// The site's `complete`, and how many pieces `unread` lists.
    complete: (bool, usize),
    /// Whether the console's overview row marked the site incomplete under the fault.
    marked: bool,
    /// Where the console showed the error: "left", "right", "both", or "nowhere".
    panel: String,
    console_recovered: bool,
    /// `maintenance on` exit code under the fault, `maintenance off` exit code after it.
    switch: (i32, i32),
    restored: bool,
}

async fn sim() -> SimHandle {
    let path = root().join("assets/scenarios/alb-cloudfront.toml");
    let mut opts = SimOptions::new(switchyard_sim::Scenario::load(&path).unwrap());
    opts.paused = true;
    start(opts).await.unwrap()
}

/// The alb-cloudfront config with a role to assume and a short call time limit.
fn config(dir: &Path) -> String {
    let text = std::fs::read_to_string(root().join("assets/configs/alb-cloudfront.toml")).unwrap();
    let text = without_probes(&text).replacen(
        "[defaults]\n",
        "[defaults]\nrole_arn = \"arn:aws:iam::123456789012:role/switchyard-operator\"\ncall_timeout = \"9s\"\n",
        1,
    );
    assert!(
        text.contains("role_arn"),
        "the config has a [defaults] table"
    );
    let path = dir.join("alb-cloudfront.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

async fn status(sim: &SimHandle, config: &str) -> (i32, Value, String) {
    let home = tempfile::tempdir().unwrap();
    let out = binary::switchyard(home.path(), &sim.env_vars())
        .args(["status", "--config", config, "--output", "json"])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

/// What `status` said under a fault: exit, verdict, cause, whether the run after it was clean,
/// everything it said, and the site's completeness.
type StatusSeen = (i32, String, String, bool, String, (bool, usize));

/// `status` under the fault, then once it clears: exit, verdict, the cause, whether the run after
/// it was clean, everything it said (errors and reasons), and whether the chain was complete.
async fn status_case(service: &str, fault: &str) -> StatusSeen {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    sim.control(Control::Fault(spec(service, fault))).unwrap();
    let (exit, json, stderr) = status(&sim, &config).await;
    let site = &json["sites"][0];
    let said = format!("{} {} {stderr}", site["errors"], site["reasons"]);
    let verdict = site["verdict"].as_str().unwrap_or("-").to_string();
    let complete = (
        site["complete"].as_bool().unwrap_or(true),
        site["unread"].as_array().map_or(0, Vec::len),
    );
    let cause = site["errors"][0]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| stderr.lines().next().unwrap_or("(none)").to_string());
    sim.control(Control::ClearFaults {
        service: None,
        operation: None,
    })
    .unwrap();
    let (after, json, _) = status(&sim, &config).await;
    let recovered = after == 0
        && json["sites"][0]["errors"]
            .as_array()
            .is_some_and(Vec::is_empty)
        && json["sites"][0]["complete"] == true;
    (exit, verdict, cause, recovered, said, complete)
}

/// One cell: `status`, the console and the switch, side by side, each on its own emulator and
/// in a task of its own (polled by the runtime's workers, not nested in the test's future).
async fn case(service: &'static str, fault: &'static str) -> Seen {
    let status = tokio::spawn(status_case(service, fault));
    let console = tokio::spawn(console_case(service, fault));
    let switch = tokio::spawn(switch_case(service, fault));
    let (exit, verdict, cause, recovered, said, complete) = status.await.unwrap();
    let (panel, marked, console_recovered) = console.await.unwrap();
    let (switch, restored) = switch.await.unwrap();
    Seen {
        exit,
        verdict,
        cause,
        recovered,
        said,
        complete,
        marked,
        panel,
        console_recovered,
        switch,
        restored,
    }
}

/// The console's screen (site detail, 120x40) after one poll of the session.
async fn console_screen(session: &mut Session, app: &mut App) -> Vec<String> {
    session.refresh(&|_| Depth::Detail).await;
    let observations = std::sync::Arc::new(session.observations[0].clone());
    update(
        app,
        Msg::Poll(PollUpdate::Site {
            index: 0,
            observations,
        }),
    );
    update(app, Msg::Tick(time::OffsetDateTime::now_utc()));
    draw(app)
}

/// The console's screen as it is (120x40).
fn draw(app: &App) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    t.draw(|f| switchyard::tui::views::render(f, app)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect()
}

/// Where the console shows the fault, whether the overview row marks the site incomplete, and
/// whether one poll after it clears the screen is clean.
async fn console_case(service: &str, fault: &str) -> (String, bool, bool) {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let mut cfg = switchyard::config::load(Path::new(&config)).unwrap();
    cfg.defaults.dns_server = Some(sim.dns_server());
    let overrides = Overrides {
        endpoint_url: Some(sim.endpoint()),
        static_credentials: Some(("switchyard-sim".into(), "switchyard-sim".into())),
        ..Overrides::default()
    };
    let mut session = Session::start(cfg, &[], &overrides).await.unwrap();
    let blank = session.observations[0].clone();
    let mut app = App::new(
        vec![(blank, false)],
        session.config.defaults.stale_after,
        time::OffsetDateTime::now_utc(),
        false,
        Theme::new(true, false),
    );
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    sim.control(Control::Fault(spec(service, fault))).unwrap();
    let word = fault_words(fault)[0].to_ascii_lowercase();
    let screen = console_screen(&mut session, &mut app).await;
    let (mut left, mut right) = (false, false);
    for line in &screen {
        let lower = line.to_ascii_lowercase();
        if let Some(at) = lower.find(&word) {
            // Columns, not bytes: the screen has box-drawing characters.
            if lower[..at].chars().count() < 60 {
                left = true;
            } else {
                right = true;
            }
        }
    }
    let panel = match (left, right) {
        (true, true) => "both",
        (true, false) => "left",
        (false, true) => "right",
        (false, false) => "nowhere",
    }
    .to_string();
    // Back on the overview: the site's own row says its chain was not read in full.
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    let marked = draw(&app)
        .iter()
        .any(|l| l.contains(" shop [P] [incomplete]"));
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    sim.control(Control::ClearFaults {
        service: None,
        operation: None,
    })
    .unwrap();
    let screen = console_screen(&mut session, &mut app).await.join("\n");
    let clean = !screen.to_ascii_lowercase().contains(&word) && screen.contains("LIVE");
    (panel, marked, clean)
}

/// `maintenance on` for the demo's shop (invert the check, silence alarms, invalidate) run into
/// the fault, then `maintenance off` after it clears: AWS must be as before.
async fn switch_case(service: &str, fault: &str) -> ((i32, i32), bool) {
    let mut opts = SimOptions::new(
        switchyard_sim::Scenario::load(&root().join("assets/scenarios/demo.toml")).unwrap(),
    );
    opts.paused = true;
    let sim = start(opts).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = without_probes(&std::fs::read_to_string(root().join("assets/configs/demo.toml")).unwrap())
        .replacen(
            "[defaults]\n",
            "[defaults]\nrole_arn = \"arn:aws:iam::123456789012:role/switchyard-operator\"\ncall_timeout = \"9s\"\n",
            1,
        );
    let config = dir.path().join("demo.toml");
    std::fs::write(&config, text).unwrap();
    let config = config.display().to_string();
    let clients = support::clients_at(&sim.endpoint(), sim.region()).await;
    let before = support::snapshot(&clients).await;
    sim.control(Control::Fault(spec(service, fault))).unwrap();
    let on = switch(&sim, &config, "on").await;
    sim.control(Control::ClearFaults {
        service: None,
        operation: None,
    })
    .unwrap();
    let off = switch(&sim, &config, "off").await;
    let after = support::snapshot(&clients).await;
    ((on, off), before == after)
}

async fn switch(sim: &SimHandle, config: &str, direction: &str) -> i32 {
    let home = tempfile::tempdir().unwrap();
    let out = binary::switchyard(home.path(), &sim.env_vars())
        .args([
            "maintenance",
            direction,
            "--config",
            config,
            "--site",
            "shop",
            "--yes",
        ])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    out.status.code().unwrap_or(-1)
}

/// The words a cause must hold for each fault.
fn fault_words(fault: &str) -> &'static [&'static str] {
    match fault {
        "timeout" => &["network", "time"],
        "dropped connection" => &["network"],
        "HTTP 500" => &["InternalFailure"],
        "Throttling" => &["throttled"],
        "AccessDenied" => &["access denied"],
        _ => &["credentials missing or expired"],
    }
}

/// What a user must see of one cell.
struct Expected {
    verdict: &'static str,
    exit: i32,
    /// Words the cause must hold: the fault's, and the service's name or IAM action.
    words: Vec<String>,
    /// `maintenance on` under the fault.
    switch_on: i32,
}

fn expected(service: &str, fault: &str) -> Expected {
    let mut words: Vec<String> = fault_words(fault).iter().map(|w| w.to_string()).collect();
    match (service, fault) {
        (_, "AccessDenied") => words.push(format!(
            "the role lacks {}:",
            switchyard::aws::error::iam_prefix(service)
        )),
        // The call that waits for the role times out first (its time limit started before the
        // role's): what timed out is the Route 53 call.
        ("sts", "timeout") => words.push("route53 ".into()),
        _ => words.push(format!("{service} ")),
    }
    Expected {
        // A check that could not be made is never a pass, whichever service it needed.
        verdict: "UNKNOWN",
        // Access or credentials kept the data away: 3; otherwise UNKNOWN's 14.
        exit: if matches!(fault, "AccessDenied" | "ExpiredToken") {
            3
        } else {
            14
        },
        words,
        // A throttled or failing service stops the switch like a failed step (5); access,
        // credentials and the network like an unreadable site (3). The switch first asks STS who
        // is calling: any STS failure stops it there, with 3. shop's strategies (invert the
        // check, silence its alarms, invalidate the sorry page) neither need nor change a load
        // balancer: an ELB fault does not stop them.
        switch_on: if service == "elbv2" {
            0
        } else if service != "sts" && matches!(fault, "HTTP 500" | "Throttling") {
            5
        } else {
            3
        },
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

const HEADER: &str = "| service | fault | `status` exit | verdict | `complete` | the one-line cause | `status` after it clears | console: error shown in | console overview row | console one poll after | `maintenance on` under it / `off` after it clears | AWS after |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n";

/// The README row of one cell, keyed by its first two columns.
fn row(service: &str, fault: &str, seen: &Seen) -> (String, String) {
    let key = format!("| {service} | {fault} |");
    let row = format!(
        "{key} {} | {} | {} | {} | {} | {} | {} | {} | {} / {} | {} |",
        seen.exit,
        seen.verdict,
        match seen.complete {
            (true, _) => "true".to_string(),
            (false, n) => format!("false, {n} unread"),
        },
        cell(&seen.cause),
        if seen.recovered {
            "clean, exit 0"
        } else {
            "NOT CLEAN"
        },
        // What the test pins (see `problems`): the service's own panel (the other one may show
        // it too, depending on which calls of the round ran first), or either.
        match (seen.panel.as_str(), panel_of(service)) {
            ("nowhere", _) => "nowhere".to_string(),
            (_, Some(p)) => format!("{p} panel"),
            (_, None) => "left or right panel".to_string(),
        },
        if seen.marked {
            "[incomplete]"
        } else {
            "NOT MARKED"
        },
        if seen.console_recovered {
            "clean, LIVE"
        } else {
            "NOT CLEAN"
        },
        seen.switch.0,
        seen.switch.1,
        if seen.restored {
            "as before"
        } else {
            "CHANGED"
        },
    );
    (key, row)
}

/// The console panel that shows a service's errors: the right column holds the load balancers and
/// the distribution, the left one the records and health checks; CloudWatch feeds both (health
/// check status, the targets' alarms), STS every panel.
fn panel_of(service: &str) -> Option<&'static str> {
    match service {
        "elbv2" | "cloudfront" => Some("right"),
        "route53" => Some("left"),
        _ => None,
    }
}

/// What is wrong with one cell, in words.
fn problems(service: &str, fault: &str, seen: &Seen) -> Vec<String> {
    let want = expected(service, fault);
    let mut problems = Vec::new();
    if seen.verdict != want.verdict || seen.exit != want.exit {
        problems.push(format!(
            "{service} {fault}: status said {} with exit {}, not {} with exit {}",
            seen.verdict, seen.exit, want.verdict, want.exit
        ));
    }
    let lower = seen.cause.to_ascii_lowercase();
    for w in &want.words {
        if !lower.contains(&w.to_ascii_lowercase()) {
            problems.push(format!(
                "{service} {fault}: cause lacks {w:?}: {}",
                seen.cause
            ));
        }
    }
    // Only expired credentials are blamed on the credentials: not an STS drop, 500 or throttle.
    if fault != "ExpiredToken" && seen.said.contains("credentials missing or expired") {
        problems.push(format!(
            "{service} {fault}: status blames the credentials: {}",
            seen.said
        ));
    }
    if seen.complete.0 || seen.complete.1 == 0 {
        problems.push(format!(
            "{service} {fault}: status says the chain was read in full ({:?})",
            seen.complete
        ));
    }
    if !seen.marked {
        problems.push(format!(
            "{service} {fault}: the console's overview row does not mark the site incomplete"
        ));
    }
    if !seen.recovered {
        problems.push(format!(
            "{service} {fault}: the run after clearing was not clean"
        ));
    }
    if seen.panel == "nowhere" {
        problems.push(format!(
            "{service} {fault}: the console did not show the error"
        ));
    }
    if let Some(p) = panel_of(service)
        && seen.panel != p
        && seen.panel != "both"
    {
        problems.push(format!(
            "{service} {fault}: the error is in the {} panel, not the {p}",
            seen.panel
        ));
    }
    if !seen.console_recovered {
        problems.push(format!(
            "{service} {fault}: the console was not clean one poll later"
        ));
    }
    if seen.switch.0 != want.switch_on {
        problems.push(format!(
            "{service} {fault}: maintenance on exited {}, not {}",
            seen.switch.0, want.switch_on
        ));
    }
    if seen.switch.1 != 0 {
        problems.push(format!(
            "{service} {fault}: maintenance off exited {}",
            seen.switch.1
        ));
    }
    if !seen.restored {
        problems.push(format!(
            "{service} {fault}: after maintenance on ({}) and off ({}), AWS is not as before",
            seen.switch.0, seen.switch.1
        ));
    }
    problems
}

/// One fault against every service: the cells side by side, their rows saved for the README and
/// compared with it.
async fn fault_matrix(fault: &'static str) {
    fault_rows(fault, &SERVICES).await;
}

/// The rows of `fault` for `services` (a part of the table of their own: a fault that makes
/// every call wait for its timeout is run one service per test, so no test runs for minutes).
async fn fault_rows(fault: &'static str, services: &[&'static str]) {
    let cases = services
        .iter()
        .map(|&service| async move { (service, case(service, fault).await) });
    let results = futures::future::join_all(cases).await;
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    for (service, seen) in &results {
        problems.extend(self::problems(service, fault, seen));
        rows.push(row(service, fault, seen));
    }
    let index = FAULTS.iter().position(|f| *f == fault).unwrap_or(0) + 1;
    let text: String = rows.iter().map(|(_, r)| format!("{r}\n")).collect();
    readme::save("fault-matrix", "0-header", HEADER);
    let part = match services {
        [one] if services.len() < SERVICES.len() => format!(
            "{index}-{}-{}",
            fault.replace(' ', "-"),
            SERVICES.iter().position(|s| s == one).unwrap_or(0)
        ),
        _ => format!("{index}-{}", fault.replace(' ', "-")),
    };
    readme::save("fault-matrix", &part, &text);
    if !readme::writing()
        && let Err(e) = readme::compare_rows("fault-matrix", &rows)
    {
        problems.push(e);
    }
    assert!(problems.is_empty(), "\n{}\n\n{text}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn timeout_of_route53() {
    fault_rows("timeout", &["route53"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn timeout_of_cloudwatch() {
    fault_rows("timeout", &["cloudwatch"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn timeout_of_elbv2() {
    fault_rows("timeout", &["elbv2"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn timeout_of_cloudfront() {
    fault_rows("timeout", &["cloudfront"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn timeout_of_sts() {
    fault_rows("timeout", &["sts"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dropped_connection_to_every_service() {
    fault_matrix("dropped connection").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn http_500_from_every_service() {
    fault_matrix("HTTP 500").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn throttling_by_every_service() {
    fault_matrix("Throttling").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn access_denied_by_every_service() {
    fault_matrix("AccessDenied").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expired_token_at_every_service() {
    fault_matrix("ExpiredToken").await;
}
