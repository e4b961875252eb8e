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
//! The table in the README's reliability section is written by this test from what it observed.

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::Value;
use switchyard::poll::poller::PollUpdate;
use switchyard::poll::round::Depth;
use switchyard::poll::session::{Overrides, Session};
use switchyard::sim::{Control, FaultSpec, SimHandle, SimOptions, start};
use switchyard::tui::app::{App, Msg, update};
use switchyard::tui::theme::Theme;

#[path = "../support/binary.rs"]
mod binary;

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
/// The exit codes `status` documents.
const DOCUMENTED: [i32; 8] = [0, 10, 11, 12, 13, 14, 2, 3];

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
    /// Where the console showed the error: "left", "right", "both", or "nowhere".
    panel: String,
    console_recovered: bool,
    /// `maintenance on` exit code under the fault, `maintenance off` exit code after it.
    switch: (i32, i32),
    restored: bool,
}

async fn sim() -> SimHandle {
    let path = root().join("assets/scenarios/alb-cloudfront.toml");
    let mut opts = SimOptions::new(switchyard::sim::Scenario::load(&path).unwrap());
    opts.paused = true;
    start(opts).await.unwrap()
}

/// The alb-cloudfront config with a role to assume.
fn config(dir: &Path) -> String {
    let text = std::fs::read_to_string(root().join("assets/configs/alb-cloudfront.toml")).unwrap();
    let text = text.replacen(
        "[defaults]\n",
        "[defaults]\nrole_arn = \"arn:aws:iam::123456789012:role/switchyard-operator\"\n",
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

async fn case(service: &'static str, fault: &'static str) -> Seen {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    sim.control(Control::Fault(spec(service, fault))).unwrap();
    let (exit, json, stderr) = status(&sim, &config).await;
    let site = &json["sites"][0];
    let verdict = site["verdict"].as_str().unwrap_or("-").to_string();
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
            .is_some_and(Vec::is_empty);
    let (panel, console_recovered) = console_case(&sim, &config, service, fault).await;
    let (switch, restored) = switch_case(service, fault).await;
    Seen {
        exit,
        verdict,
        cause,
        recovered,
        panel,
        console_recovered,
        switch,
        restored,
    }
}

/// The console's screen (site detail, 120x40) after one poll of the session.
async fn console_screen(session: &mut Session, app: &mut App) -> Vec<String> {
    session.refresh(&|_| Depth::Detail).await;
    let observations = Box::new(session.observations[0].clone());
    update(
        app,
        Msg::Poll(PollUpdate::Site {
            index: 0,
            observations,
        }),
    );
    update(app, Msg::Tick(time::OffsetDateTime::now_utc()));
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

/// Where the console shows the fault, and whether one poll after it clears the screen is clean.
async fn console_case(sim: &SimHandle, config: &str, service: &str, fault: &str) -> (String, bool) {
    let mut cfg = switchyard::config::load(Path::new(config)).unwrap();
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
    let word = expected_words(fault)[0].to_ascii_lowercase();
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
    sim.control(Control::ClearFaults {
        service: None,
        operation: None,
    })
    .unwrap();
    let screen = console_screen(&mut session, &mut app).await.join("\n");
    let clean = !screen.to_ascii_lowercase().contains(&word) && screen.contains("LIVE");
    (panel, clean)
}

/// `maintenance on` for the demo's shop (invert the check, silence alarms, invalidate) run into
/// the fault, then `maintenance off` after it clears: AWS must be as before.
async fn switch_case(service: &str, fault: &str) -> ((i32, i32), bool) {
    let mut opts = SimOptions::new(
        switchyard::sim::Scenario::load(&root().join("assets/scenarios/demo.toml")).unwrap(),
    );
    opts.paused = true;
    let sim = start(opts).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("assets/configs/demo.toml"))
        .unwrap()
        .replacen(
            "[defaults]\n",
            "[defaults]\nrole_arn = \"arn:aws:iam::123456789012:role/switchyard-operator\"\n",
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
fn expected_words(fault: &str) -> &'static [&'static str] {
    match fault {
        "timeout" => &["network", "time"],
        "dropped connection" => &["network"],
        "HTTP 500" => &["InternalFailure"],
        "Throttling" => &["throttled"],
        "AccessDenied" => &["access denied", ":"],
        _ => &["credentials missing or expired"],
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_service_and_every_fault() {
    let mut cases = Vec::new();
    for service in SERVICES {
        for fault in FAULTS {
            cases.push(async move { (service, fault, case(service, fault).await) });
        }
    }
    let results = futures::future::join_all(cases).await;
    let mut problems = Vec::new();
    let mut table = String::from(
        "| service | fault | `status` exit | verdict | the one-line cause | `status` after it clears | console: error shown in | console one poll after | `maintenance on` / `off` after it clears | AWS after |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for (service, fault, seen) in &results {
        table.push_str(&format!(
            "| {service} | {fault} | {} | {} | {} | {} | {} panel | {} | {} / {} | {} |\n",
            seen.exit,
            seen.verdict,
            cell(&seen.cause),
            if seen.recovered {
                "clean, exit 0"
            } else {
                "NOT CLEAN"
            },
            seen.panel,
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
        ));
        if seen.panel == "nowhere" {
            problems.push(format!(
                "{service} {fault}: the console did not show the error"
            ));
        }
        // The right column holds the load balancers and the distribution, the left one the
        // records and health checks; CloudWatch feeds both (health check status, the targets'
        // alarms), STS every panel.
        let expected_panel = match *service {
            "elbv2" | "cloudfront" => Some("right"),
            "route53" => Some("left"),
            _ => None,
        };
        if let Some(p) = expected_panel
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
        if !seen.restored {
            problems.push(format!(
                "{service} {fault}: after maintenance on ({}) and off ({}), AWS is not as before",
                seen.switch.0, seen.switch.1
            ));
        }
        if seen.switch.1 != 0 {
            problems.push(format!(
                "{service} {fault}: maintenance off exited {}",
                seen.switch.1
            ));
        }
        if !DOCUMENTED.contains(&seen.exit) {
            problems.push(format!(
                "{service} {fault}: undocumented exit {}",
                seen.exit
            ));
        }
        let lower = seen.cause.to_ascii_lowercase();
        for w in expected_words(fault) {
            if !lower.contains(&w.to_ascii_lowercase()) {
                problems.push(format!(
                    "{service} {fault}: cause lacks {w:?}: {}",
                    seen.cause
                ));
            }
        }
        if !seen.recovered {
            problems.push(format!(
                "{service} {fault}: the run after clearing was not clean"
            ));
        }
        // Losing Route 53, or the credentials, leaves nothing to judge by.
        if (*service == "route53" || *service == "sts") && seen.verdict != "UNKNOWN" {
            problems.push(format!(
                "{service} {fault}: verdict {} not UNKNOWN",
                seen.verdict
            ));
        }
    }
    write_readme(&table);
    assert!(problems.is_empty(), "\n{}\n\n{table}", problems.join("\n"));
}

const START: &str = "<!-- fault-matrix:start (written by tests/faults/main.rs) -->";
const END: &str = "<!-- fault-matrix:end -->";

/// Puts the table between the README's markers when it changed.
fn write_readme(table: &str) {
    let path = root().join("README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (Some(a), Some(b)) = (text.find(START), text.find(END)) else {
        panic!("README.md lacks the fault-matrix markers");
    };
    let new = format!("{}{START}\n{table}{}", &text[..a], &text[b..]);
    if new != text {
        std::fs::write(&path, new).unwrap();
        eprintln!("README.md: fault matrix updated");
    }
}
