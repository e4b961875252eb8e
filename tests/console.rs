//! The real binary in a terminal: `switchyard demo` in a tmux pane of 80x24, driven by keys,
//! signals and the emulator's control API. Each test runs its own tmux server (its own socket),
//! killed with everything in it when the test ends.
//!
//! Without tmux the tests say so and pass, unless SWITCHYARD_REQUIRE_PEERS is set (as
//! `scripts/test` does), which makes a missing tmux a failure.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A tmux server with one session running the console; killed on drop.
struct Console {
    socket: String,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Console {
    fn drop(&mut self) {
        // Kills the session, the shell and the console in it (SIGHUP, then the server exits).
        let _ = self.tmux(&["kill-server"]);
        if let Some(pid) = self.console_pid() {
            let _ = Command::new("kill").args(["-KILL", &pid]).output();
        }
    }
}

fn tmux_available() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var_os("SWITCHYARD_REQUIRE_PEERS").is_some() {
            panic!(
                "tmux is required (SWITCHYARD_REQUIRE_PEERS is set): install it (scripts/test does)"
            );
        }
        eprintln!("skipped: tmux is not installed (scripts/test installs it)");
    }
    found
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

impl Console {
    /// Starts `switchyard demo` in an 80x24 tmux pane.
    fn start(name: &str, speed: u32) -> Console {
        let port = free_port();
        Console::launch(
            name,
            port,
            (80, 24),
            "",
            &format!("demo --port {port} --speed {speed}"),
        )
    }

    /// Runs the binary with `args` (after `--log-file`) and the variables `env` in a tmux pane
    /// of `size`, in a private home; when it ends, the pane shows `EXIT=<code>` and the
    /// terminal's modes.
    fn launch(name: &str, port: u16, size: (u16, u16), env: &str, args: &str) -> Console {
        let dir = tempfile::tempdir().unwrap();
        let socket = format!("switchyard-test-{name}-{}-{port}", std::process::id());
        let c = Console { socket, port, dir };
        let home = c.dir.path().display().to_string();
        let bin = env!("CARGO_BIN_EXE_switchyard");
        let script = format!(
            "env HOME='{home}' XDG_STATE_HOME='{home}/state' XDG_CONFIG_HOME='{home}/config' \
             TERM=xterm-256color {env} '{bin}' --log-file '{home}/switchyard.log' {args}; \
             echo EXIT=$?; stty -a; sleep 120"
        );
        let (w, h) = (size.0.to_string(), size.1.to_string());
        let out = c.tmux(&[
            "new-session",
            "-d",
            "-s",
            "console",
            "-x",
            &w,
            "-y",
            &h,
            "sh",
            "-c",
            &script,
        ]);
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        c
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("-f")
            .arg("/dev/null")
            .args(args)
            .output()
            .unwrap()
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "console"]).stdout)
            .into_owned()
    }

    /// The screen with its colours and attributes as escape sequences (as the terminal got
    /// them: tmux keeps a 16-colour code apart from a 256-colour one).
    fn screen_with_escapes(&self) -> String {
        String::from_utf8_lossy(
            &self
                .tmux(&["capture-pane", "-p", "-e", "-t", "console"])
                .stdout,
        )
        .into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "console"];
        args.extend_from_slice(keys);
        assert!(self.tmux(&args).status.success());
    }

    /// Waits until `pred` holds for the screen; fails with the screen and the log.
    fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > timeout {
                let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(30).collect();
                panic!(
                    "timed out waiting for {what}; the screen:\n{s}\nthe log (newest first):\n{}",
                    tail.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("switchyard.log")
    }

    /// The console's process: the child of the pane's shell.
    fn console_pid(&self) -> Option<String> {
        let out = self.tmux(&["display-message", "-p", "-t", "console", "#{pane_pid}"]);
        let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if shell.is_empty() {
            return None;
        }
        let out = Command::new("ps")
            .args(["-o", "pid=,comm=", "--ppid", &shell])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.contains("switchyard"))
            .and_then(|l| l.split_whitespace().next().map(str::to_string))
    }

    fn signal(&self, sig: &str) {
        let pid = self.console_pid().expect("the console runs");
        let out = Command::new("kill")
            .args([&format!("-{sig}"), &pid])
            .output()
            .unwrap();
        assert!(out.status.success());
    }

    fn wait_live(&self) -> String {
        self.wait_for("shop LIVE", Duration::from_secs(60), |s| {
            s.lines().any(|l| l.contains(" shop") && l.contains("LIVE"))
        })
    }

    /// Waits for the process to end; checks exit 0 and a restored terminal.
    fn assert_exited_cleanly(&self) {
        self.assert_exited_with(0);
    }

    /// Waits for the process to end; checks the exit code and a restored terminal.
    fn assert_exited_with(&self, code: i32) {
        let s = self.wait_for("the exit", Duration::from_secs(20), |s| {
            s.contains("EXIT=") && s.contains("speed")
        });
        assert!(s.contains(&format!("EXIT={code}\n")), "{s}");
        let alt = self.tmux(&["display-message", "-p", "-t", "console", "#{alternate_on}"]);
        assert_eq!(
            String::from_utf8_lossy(&alt.stdout).trim(),
            "0",
            "still on the alternate screen:\n{s}"
        );
        let words: Vec<&str> = s.split_whitespace().collect();
        for mode in ["icanon", "echo", "icrnl", "opost"] {
            assert!(words.contains(&mode), "{mode} is off after exit:\n{s}");
        }
        let cursor = self.tmux(&["display-message", "-p", "-t", "console", "#{cursor_flag}"]);
        assert_eq!(
            String::from_utf8_lossy(&cursor.stdout).trim(),
            "1",
            "cursor hidden"
        );
        // Logs went to the file, not the screen.
        assert!(!s.contains("INFO"), "{s}");
    }

    fn http(&self, method: &str, path: &str, body: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
        assert!(head.starts_with("HTTP/1.1 200"), "{method} {path}: {out}");
        body.to_string()
    }
}

#[test]
fn failover_shows_in_the_console_and_sighup_restores_the_terminal() {
    if !tmux_available() {
        return;
    }
    let c = Console::start("failover", 30);
    c.wait_live();
    // The instances behind shop's primary ALB, from the emulator's state.
    let state: serde_json::Value = serde_json::from_str(&c.http("GET", "/_sim/state", "")).unwrap();
    let instances: Vec<String> = state["instances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| {
            i["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("shop-app"))
        })
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(instances.len(), 2, "{state}");
    for id in &instances {
        c.http(
            "POST",
            "/_sim/control",
            &format!(r#"{{"action":"stop_instance","instance":"{id}"}}"#),
        );
    }
    // The site in detail: polled at the focus interval.
    c.keys(&[":site shop", "Enter"]);
    c.wait_for("FAILED OVER", Duration::from_secs(90), |s| {
        s.contains("FAILED OVER") && s.contains("serving the secondary")
    });
    c.keys(&["t"]);
    c.wait_for("the event in the timeline", Duration::from_secs(10), |s| {
        s.contains("Events") && s.contains("→ FAILED OVER")
    });
    // Resize to a tiny window: a note says so, and nothing else is drawn.
    assert!(
        c.tmux(&["resize-window", "-t", "console", "-x", "20", "-y", "5"])
            .status
            .success()
    );
    let tiny = c.wait_for("the too-small note", Duration::from_secs(10), |s| {
        s.contains("20x5, need 50x12")
    });
    let drawn: Vec<&str> = tiny
        .lines()
        .map(str::trim_end)
        .filter(|r| !r.is_empty())
        .collect();
    assert_eq!(
        drawn,
        [
            "terminal too small:",
            "20x5, need 50x12",
            "enlarge it (q quits)"
        ],
        "the note and nothing else:\n{tiny}"
    );
    // And back: the screen as it was.
    assert!(
        c.tmux(&["resize-window", "-t", "console", "-x", "80", "-y", "24"])
            .status
            .success()
    );
    c.wait_for("the timeline again", Duration::from_secs(10), |s| {
        s.contains("Events") && s.contains("→ FAILED OVER")
    });
    assert!(c.console_pid().is_some(), "the console died on resize");
    // The events are in the event log too.
    let events = std::fs::read_to_string(c.dir.path().join("state/switchyard/events.jsonl"))
        .unwrap_or_default();
    assert!(events.contains("FAILED_OVER"), "{events}");
    c.signal("HUP");
    c.assert_exited_cleanly();
}

#[test]
fn q_quits_and_restores_the_terminal() {
    if !tmux_available() {
        return;
    }
    let c = Console::start("quit", 1);
    c.wait_live();
    c.keys(&["?"]);
    c.wait_for("help", Duration::from_secs(10), |s| {
        s.contains("Help: keys")
    });
    c.keys(&["q"]);
    c.assert_exited_cleanly();
}

/// Starts the console, waits for LIVE, sends `sig`, checks the exit.
fn exits_cleanly_on(sig: &str) {
    if !tmux_available() {
        return;
    }
    let c = Console::start(&sig.to_lowercase(), 1);
    c.wait_live();
    c.signal(sig);
    c.assert_exited_cleanly();
}

#[test]
fn sigterm_exits_0_and_restores_the_terminal() {
    exits_cleanly_on("TERM");
}

#[test]
fn sigint_exits_0_and_restores_the_terminal() {
    exits_cleanly_on("INT");
}

/// The action half in the real binary: `m` on a site, the confirmation (the protected site's
/// name typed), the progress view until it converges, MAINTENANCE in the overview; then `f`
/// back to LIVE, both recorded in the timeline and in the audit log.
#[test]
fn maintenance_and_fail_back_from_the_console() {
    if !tmux_available() {
        return;
    }
    let c = Console::start("switch", 10);
    c.wait_live();
    // pay, found by the filter (the overview is sorted worst first); it is protected.
    c.keys(&["/", "pay", "Enter"]);
    std::thread::sleep(Duration::from_millis(300));
    c.keys(&["m"]);
    c.wait_for("the confirmation", Duration::from_secs(20), |s| {
        s.contains("enter maintenance pay?") && s.contains("Type the site name")
    });
    // Enter on Cancel (the default) does nothing but close. AWS does not health-check the
    // sorry target group no listener uses yet: that check could not be made, so "force" is
    // chosen twice (the first focuses Cancel again).
    c.wait_for(
        "the check that could not be made",
        Duration::from_secs(5),
        |s| s.contains("could not be checked"),
    );
    c.keys(&["p", "a", "y", "Tab", "Enter"]);
    std::thread::sleep(Duration::from_millis(300));
    c.keys(&["Tab", "Enter"]);
    c.wait_for("the switch to finish", Duration::from_secs(60), |s| {
        s.contains("Done: pay is in maintenance")
    });
    c.keys(&["Escape"]);
    // The app's target group, which no listener uses now, stays in TARGETS (x/2, not `-`):
    // the operator can watch the app before failing back.
    c.wait_for(
        "MAINTENANCE in the overview, the app's targets still counted",
        Duration::from_secs(30),
        |s| {
            s.lines()
                .any(|l| l.contains("MAINTENA") && l.contains("pay") && l.contains("/2 "))
        },
    );
    c.keys(&["f"]);
    c.wait_for("the fail back confirmation", Duration::from_secs(20), |s| {
        s.contains("fail back pay?")
    });
    // The app's target group is used by no listener during maintenance: forced likewise.
    c.keys(&["p", "a", "y", "Tab", "Enter"]);
    std::thread::sleep(Duration::from_millis(300));
    c.keys(&["Tab", "Enter"]);
    c.wait_for("the fail back to finish", Duration::from_secs(60), |s| {
        s.contains("every original value restored")
    });
    // ESC and a key sent together read as Alt+key: one at a time.
    c.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    c.keys(&["t"]);
    c.wait_for(
        "the fail back in the timeline",
        Duration::from_secs(10),
        |s| s.contains("fail back succeeded"),
    );
    // The maintenance before it, found with the timeline's filter.
    c.keys(&["/", "maintenance on", "Enter"]);
    c.wait_for(
        "the maintenance in the timeline",
        Duration::from_secs(10),
        |s| s.contains("maintenance on succeeded"),
    );
    let audit = std::fs::read_to_string(c.dir.path().join("state/switchyard/demo-audit.jsonl"))
        .unwrap_or_default();
    assert_eq!(
        audit.lines().count(),
        2,
        "one audit line per switch:\n{audit}"
    );
    assert!(audit.contains("\"site\":\"pay\""), "{audit}");
    c.keys(&["q"]);
    c.assert_exited_cleanly();
}

/// An emulator process of its own (so that it outlives the console), killed on drop.
struct Emulator(std::process::Child);

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Console {
    /// The console on the demo config against an emulator at `port` (not `demo`, whose
    /// emulator ends with the console).
    fn start_on(name: &str, port: u16) -> Console {
        let config = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/configs/demo.toml");
        let env = format!(
            "AWS_ENDPOINT_URL=http://127.0.0.1:{port} AWS_ACCESS_KEY_ID=sim AWS_SECRET_ACCESS_KEY=sim \
             AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true SWITCHYARD_DNS_SERVER=127.0.0.1:{port}"
        );
        Console::launch(name, port, (120, 40), &env, &format!("--config '{config}'"))
    }

    fn calls(&self, key: &str) -> u64 {
        let body = self.http("GET", "/_sim/calls", "");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["calls"][key].as_u64().unwrap_or(0)
    }
}

/// SIGHUP (an SSM session dropping) in the middle of a switch from the console: the terminal is
/// restored, the step in flight finishes and is recorded, nothing after it runs, and
/// `maintenance off` from another process puts everything back.
#[test]
fn sighup_during_a_switch_stops_at_a_recorded_state() {
    if !tmux_available() {
        return;
    }
    let port = free_port();
    let _emulator = Emulator(
        Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .args([
                "sim",
                "--scenario",
                concat!(env!("CARGO_MANIFEST_DIR"), "/assets/scenarios/demo.toml"),
                "--port",
                &port.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the emulator did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let c = Console::start_on("sighup-switch", port);
    c.wait_live();
    // Step 2 of shop's switch (silence its first alarm) is held by the emulator until the
    // console has said it lets the switch reach a recorded state: the signal lands in the step.
    c.http(
        "POST",
        "/_sim/control",
        r#"{"action":"fault","service":"cloudwatch","operation":"DisableAlarmActions","fault":"hold"}"#,
    );
    // shop, found by the filter (the overview is sorted worst first).
    c.keys(&["/", "shop", "Enter"]);
    std::thread::sleep(Duration::from_millis(300));
    c.keys(&["m"]);
    c.wait_for("the confirmation", Duration::from_secs(20), |s| {
        s.contains("enter maintenance shop?")
    });
    c.keys(&["s", "h", "o", "p", "Tab", "Enter"]);
    let start = Instant::now();
    while c.calls("cloudwatch:DisableAlarmActions") == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "step 2 never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    c.signal("HUP");
    c.wait_for("the stop acknowledged", Duration::from_secs(20), |s| {
        s.contains("letting the running switch reach a recorded state")
    });
    c.http(
        "POST",
        "/_sim/control",
        r#"{"action":"clear_faults","service":"cloudwatch","operation":"DisableAlarmActions"}"#,
    );
    // The console exits as `maintenance` stopped by a signal does.
    c.assert_exited_with(9);
    assert_eq!(c.calls("cloudwatch:DisableAlarmActions"), 1);
    assert_eq!(
        c.calls("cloudfront:CreateInvalidation"),
        0,
        "no step after the signal"
    );
    let log = std::fs::read_to_string(c.log_path()).unwrap_or_default();
    assert!(
        log.contains("stopped by a signal between two steps"),
        "{log}"
    );
    // Another process reads it INTERRUPTED, with the commands that finish and undo it.
    let home = c.dir.path();
    let status = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
        .env("AWS_ACCESS_KEY_ID", "sim")
        .env("AWS_SECRET_ACCESS_KEY", "sim")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("SWITCHYARD_DNS_SERVER", format!("127.0.0.1:{port}"))
        .args([
            "--log-file",
            home.join("status.log").to_str().unwrap(),
            "status",
            "--config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/assets/configs/demo.toml"),
            "--site",
            "shop",
        ])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&status.stdout);
    assert_eq!(status.status.code(), Some(16), "{said}");
    assert!(said.contains("shop  INTERRUPTED"), "{said}");
    assert!(
        said.contains("  - maintenance on stopped after 2 of 4 steps done,")
            && said.contains("  - to finish it: switchyard maintenance on --site shop")
            && said.contains("  - to undo it: switchyard maintenance off --site shop"),
        "{said}"
    );
    // Another process fails back from the journal.
    let out = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
        .env("AWS_ACCESS_KEY_ID", "sim")
        .env("AWS_SECRET_ACCESS_KEY", "sim")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("SWITCHYARD_DNS_SERVER", format!("127.0.0.1:{port}"))
        .args([
            "--log-file",
            home.join("off.log").to_str().unwrap(),
            "maintenance",
            "off",
            "--config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/assets/configs/demo.toml"),
            "--site",
            "shop",
            "--yes",
        ])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("steps undone: 2"), "{text}");
    assert_eq!(c.calls("cloudwatch:EnableAlarmActions"), 1);
}

// ----- context and terminal honesty -----------------------------------------------------------

impl Console {
    /// `switchyard <global> demo` at `speed` in a pane of `size`, with `env`.
    fn demo_with(name: &str, size: (u16, u16), env: &str, global: &str, speed: u32) -> Console {
        let port = free_port();
        Console::launch(
            name,
            port,
            size,
            env,
            &format!("{global} demo --port {port} --speed {speed}"),
        )
    }
}

/// The demo says DEMO and its speed, and where its calls go (the emulator's endpoint, its
/// account, region and caller); the cursor starts on the worst site; the colours reach the
/// terminal as the 16 ANSI colours, never as 256-colour codes.
#[test]
fn the_demo_header_says_demo_and_where_the_calls_go_in_16_colours() {
    if !tmux_available() {
        return;
    }
    let c = Console::demo_with("header-demo", (80, 24), "", "", 10);
    // Every site read (the demo's blog DEGRADED, the others LIVE), and the caller.
    let s = c.wait_for("the context in the header", Duration::from_secs(60), |s| {
        s.contains("123456789012") && s.contains("1 DEGRADED 5 LIVE")
    });
    let rows: Vec<&str> = s.lines().collect();
    assert!(rows[0].contains("DEMO x10"), "{s}");
    assert!(!rows[0].contains("READ-ONLY"), "{s}");
    for part in [
        "123456789012",
        "eu-west-1",
        "assumed-role/",
        &format!("http://127.0.0.1:{}", c.port),
    ] {
        assert!(rows[1].contains(part), "no {part} in the header:\n{s}");
    }
    // Worst first, the cursor on it: the demo's blog is DEGRADED.
    let first = rows
        .iter()
        .find(|l| l.starts_with('│') && (l.contains("DEGRADED") || l.contains("LIVE ")))
        .copied()
        .unwrap_or_default();
    assert!(first.contains("blog"), "the worst site leads:\n{s}");
    // Its reasons below the table: the cursor is on it.
    let below = s.split('└').nth(1).unwrap_or_default();
    assert!(below.contains("blog-app is unhealthy"), "{s}");
    let colours = c.screen_with_escapes();
    assert!(
        !colours.contains("38;5;") && !colours.contains("48;5;"),
        "256-colour codes on the screen:\n{}",
        colours.escape_debug()
    );
    assert!(
        colours.contains("\u{1b}[") && (colours.contains("[32m") || colours.contains(";32m")),
        "no 16-colour codes at all:\n{}",
        colours.escape_debug()
    );
    // The legend of every badge is in help.
    c.keys(&["?"]);
    for _ in 0..60 {
        c.keys(&["j"]);
    }
    c.wait_for("the legend in help", Duration::from_secs(30), |s| {
        s.contains("[P]") && s.contains("protected site")
    });
    c.keys(&["q"]);
    c.assert_exited_cleanly();
}

/// `--read-only` says so in the header, and offers no action.
#[test]
fn the_read_only_header_says_read_only() {
    if !tmux_available() {
        return;
    }
    let c = Console::demo_with("header-ro", (80, 24), "", "--read-only", 1);
    let s = c.wait_live();
    let first = s.lines().next().unwrap_or_default();
    assert!(
        first.contains("DEMO x1") && first.contains("READ-ONLY"),
        "{s}"
    );
    assert!(!s.contains("m maint"), "{s}");
    c.keys(&["q"]);
    c.assert_exited_cleanly();
}

/// A rehearsal's console says REHEARSAL, and its calls go to the copy's endpoint.
#[test]
fn the_rehearsal_header_says_rehearsal() {
    if !tmux_available() {
        return;
    }
    let port = free_port();
    let _emulator = Emulator(
        Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .args([
                "sim",
                "--scenario",
                concat!(env!("CARGO_MANIFEST_DIR"), "/assets/scenarios/demo.toml"),
                "--port",
                &port.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the emulator did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/configs/demo.toml");
    let env = format!(
        "AWS_ENDPOINT_URL=http://127.0.0.1:{port} AWS_ACCESS_KEY_ID=sim AWS_SECRET_ACCESS_KEY=sim \
         AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true SWITCHYARD_DNS_SERVER=127.0.0.1:{port}"
    );
    let c = Console::launch(
        "header-rehearsal",
        port,
        (120, 40),
        &env,
        &format!("--config '{config}' rehearse --site shop"),
    );
    let s = c.wait_for("the rehearsal's header", Duration::from_secs(60), |s| {
        s.contains("REHEARSAL") && s.contains("endpoint http://127.0.0.1:")
    });
    let rows: Vec<&str> = s.lines().collect();
    assert!(rows[0].contains("REHEARSAL"), "{s}");
    assert!(!rows[0].contains("DEMO"), "{s}");
    // The copy is its own emulator: not production's endpoint.
    assert!(
        !rows[1].contains(&format!("http://127.0.0.1:{port} "))
            && !rows[1].ends_with(&format!(":{port}")),
        "the rehearsal calls production's endpoint:\n{s}"
    );
    c.keys(&["q"]);
    c.assert_exited_cleanly();
}

/// TERM=dumb cannot draw a full-screen console: a clear message pointing to `status --watch`
/// and exit 2, the terminal left as it was.
#[test]
fn term_dumb_gets_a_message_pointing_to_status_watch() {
    if !tmux_available() {
        return;
    }
    let c = Console::demo_with("dumb", (80, 24), "TERM=dumb", "", 1);
    let s = c.wait_for("the exit", Duration::from_secs(30), |s| s.contains("EXIT="));
    assert!(s.contains("TERM=dumb"), "{s}");
    assert!(s.contains("switchyard status --watch"), "{s}");
    assert!(!s.contains("panicked"), "{s}");
    c.assert_exited_with(2);
}

/// No terminal at all (a pipe, a script): the same message, no panic, exit 2.
#[test]
fn no_terminal_gets_a_message_pointing_to_status_watch() {
    let port = free_port();
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .env("HOME", home.path())
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("TERM", "xterm-256color")
        .args(["--log-file"])
        .arg(home.path().join("log"))
        .args(["demo", "--port", &port.to_string()])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("switchyard status --watch"), "{err}");
    assert!(err.contains("not a terminal"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// `--ascii`: every screen is pure ASCII (no box drawing, no `—`, `·`, `•`, `…`).
#[test]
fn ascii_console_is_pure_ascii_on_every_screen() {
    if !tmux_available() {
        return;
    }
    let c = Console::demo_with("ascii", (80, 24), "", "--ascii", 10);
    c.wait_for("every site read", Duration::from_secs(60), |s| {
        s.contains("123456789012") && s.contains("1 DEGRADED 5 LIVE")
    });
    let check = |what: &str| {
        let s = c.screen();
        assert!(s.is_ascii(), "{what} is not ASCII:\n{s}");
    };
    check("the overview");
    c.keys(&["Enter"]);
    c.wait_for("the detail", Duration::from_secs(30), |s| {
        s.contains("Records")
    });
    std::thread::sleep(Duration::from_millis(500));
    check("the detail");
    c.keys(&["t"]);
    c.wait_for("the timeline", Duration::from_secs(30), |s| {
        s.contains("Events")
    });
    check("the timeline");
    c.keys(&["?"]);
    c.wait_for("help", Duration::from_secs(30), |s| {
        s.contains("Help: keys")
    });
    check("help");
    c.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    c.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    c.keys(&["m"]);
    c.wait_for("the confirmation", Duration::from_secs(30), |s| {
        s.contains("enter maintenance")
    });
    check("the confirmation");
    c.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    c.keys(&["q"]);
    c.assert_exited_cleanly();
}
