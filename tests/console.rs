//! The real binary in a terminal: `switchyard demo` in a tmux pane of 80x24, driven by keys,
//! signals and the emulator's control API. Each test runs its own tmux server (its own socket),
//! killed with everything in it when the test ends.
//!
//! Without tmux the tests say so and pass, unless SWITCHYARD_REQUIRE_PEERS is set (as
//! `scripts/test` does), which makes a missing tmux a failure.

#[path = "support/configs.rs"]
mod configs;
use configs::without_probes;
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
    /// of `size`, in a private home; when it ends, the pane shows `EXIT=<code>`, the
    /// terminal's modes, and `MODES-END` once they are all printed.
    fn launch(name: &str, port: u16, size: (u16, u16), env: &str, args: &str) -> Console {
        let dir = tempfile::tempdir().unwrap();
        let socket = format!("switchyard-test-{name}-{}-{port}", std::process::id());
        let c = Console { socket, port, dir };
        let home = c.dir.path().display().to_string();
        let bin = env!("CARGO_BIN_EXE_switchyard");
        let script = format!(
            "env HOME='{home}' XDG_STATE_HOME='{home}/state' XDG_CONFIG_HOME='{home}/config' \
             TERM=xterm-256color {env} '{bin}' --log-file '{home}/switchyard.log' {args}; \
             echo EXIT=$?; stty -a; echo MODES-END; sleep 120"
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
        // The whole of `stty -a`, not its first line: the modes are on its later lines.
        let s = self.wait_for("the exit", Duration::from_secs(20), |s| {
            s.contains("EXIT=") && s.contains("MODES-END")
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
    // The events are in the demo's own event log too, never in the real one.
    let events = std::fs::read_to_string(c.dir.path().join("state/switchyard/demo-events.jsonl"))
        .unwrap_or_default();
    assert!(events.contains("FAILED_OVER"), "{events}");
    assert!(
        !c.dir.path().join("state/switchyard/events.jsonl").exists(),
        "the demo wrote into the real event log"
    );
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
    c.confirm_protected("window 7", "pay");
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
    c.confirm_protected("window 7 over", "pay");
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
        |s| s.contains("maintenance on (window 7) succeeded"),
    );
    let audit = std::fs::read_to_string(c.dir.path().join("state/switchyard/demo-audit.jsonl"))
        .unwrap_or_default();
    assert_eq!(
        audit.lines().count(),
        2,
        "one audit line per switch:\n{audit}"
    );
    assert!(audit.contains("\"site\":\"pay\""), "{audit}");
    // The reasons typed are in the audit log (and were in the journal).
    assert!(audit.contains("\"reason\":\"window 7\""), "{audit}");
    assert!(audit.contains("\"reason\":\"window 7 over\""), "{audit}");
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
        Console::start_on_sized(name, port, (120, 40))
    }

    /// As [`Console::start_on`], in a pane of `size`.
    fn start_on_sized(name: &str, port: u16, size: (u16, u16)) -> Console {
        let config = demo_config();
        let env = format!(
            "AWS_ENDPOINT_URL=http://127.0.0.1:{port} AWS_ACCESS_KEY_ID=sim AWS_SECRET_ACCESS_KEY=sim \
             AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true SWITCHYARD_DNS_SERVER=127.0.0.1:{port}"
        );
        Console::launch(name, port, size, &env, &format!("--config '{config}'"))
    }

    /// Confirms a protected site's switch: the reason (the focus starts there), enter, the
    /// site's name, enter (on to Cancel), tab (to the confirm button), enter.
    fn confirm_protected(&self, reason: &str, site: &str) {
        self.keys(&["-l", reason]);
        self.keys(&["Enter"]);
        self.keys(&["-l", site]);
        self.keys(&["Enter", "Tab", "Enter"]);
    }

    /// `switchyard report --site shop` in the console's home: its Markdown.
    fn shop_report(&self) -> String {
        let out = self.dir.path().join("out");
        std::fs::create_dir_all(&out).unwrap();
        let run = self.cli(&["report", "--site", "shop", "--out", out.to_str().unwrap()]);
        assert_eq!(
            run.status.code(),
            Some(0),
            "report: {}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        std::fs::read_dir(&out)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "md"))
            .map(|p| std::fs::read_to_string(p).unwrap())
            .unwrap()
    }

    /// The binary, as another process on this emulator (the demo config), in the console's
    /// home.
    fn cli(&self, args: &[&str]) -> Output {
        let home = self.dir.path();
        Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .env("HOME", home)
            .env("XDG_STATE_HOME", home.join("state"))
            .env(
                "AWS_ENDPOINT_URL",
                format!("http://127.0.0.1:{}", self.port),
            )
            .env("AWS_ACCESS_KEY_ID", "sim")
            .env("AWS_SECRET_ACCESS_KEY", "sim")
            .env("AWS_REGION", "eu-west-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("SWITCHYARD_DNS_SERVER", format!("127.0.0.1:{}", self.port))
            .args(["--log-file", home.join("cli.log").to_str().unwrap()])
            .args(args)
            .args(["--config", demo_config().as_str()])
            .output()
            .unwrap()
    }

    /// What `plan on` says shop's resources are now (the health check's version left out: it
    /// moves on with every update, as AWS's does).
    fn shop_as_planned(&self) -> String {
        let out = self.cli(&["plan", "on", "--site", "shop"]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(out.status.code(), Some(0), "{text}");
        text.lines()
            .filter(|l| {
                let l = l.trim_start();
                l.starts_with(|c: char| c.is_ascii_digit())
                    || l.starts_with("before:")
                    || l.starts_with("after:")
            })
            .map(|l| match l.find("(HealthCheckVersion") {
                Some(i) => l[..i].to_string(),
                None => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
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
    c.confirm_protected("sighup drill", "shop");
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
            demo_config().as_str(),
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
            demo_config().as_str(),
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

impl Emulator {
    /// `switchyard sim` on the demo scenario at `port`, `speed` times real time; returns once
    /// it listens.
    fn start(port: u16, speed: u32) -> Emulator {
        let e = Emulator(
            Command::new(env!("CARGO_BIN_EXE_switchyard"))
                .args([
                    "sim",
                    "--scenario",
                    concat!(env!("CARGO_MANIFEST_DIR"), "/assets/scenarios/demo.toml"),
                    "--port",
                    &port.to_string(),
                    "--speed",
                    &speed.to_string(),
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
        e
    }
}

impl Console {
    /// Holds (or lets go) shop's step 2, silencing its first alarm.
    fn hold_step_2(&self, hold: bool) {
        let body = if hold {
            r#"{"action":"fault","service":"cloudwatch","operation":"DisableAlarmActions","fault":"hold"}"#
        } else {
            r#"{"action":"clear_faults","service":"cloudwatch","operation":"DisableAlarmActions"}"#
        };
        self.http("POST", "/_sim/control", body);
    }

    /// `m` on shop, confirmed with `reason`; returns once step 2 is in flight (held).
    fn enter_shop_held_at_step_2(&self, reason: &str) {
        self.hold_step_2(true);
        self.keys(&[":site shop", "Enter"]);
        self.wait_for("shop's detail", Duration::from_secs(10), |s| {
            s.contains("PROTECTED SITE shop")
        });
        self.keys(&["m"]);
        self.wait_for("the confirmation", Duration::from_secs(20), |s| {
            s.contains("enter maintenance shop?") && s.contains("Reason (required): _")
        });
        self.confirm_protected(reason, "shop");
        let start = Instant::now();
        while self.calls("cloudwatch:DisableAlarmActions") == 0 {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "step 2 never started:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        self.wait_for("step 2 running", Duration::from_secs(10), |s| {
            s.contains("running     cloudwatch:DisableAlarmActions")
        });
    }

    /// Esc alone: a key sent right after it would read as Alt+key.
    fn escape(&self) {
        self.keys(&["Escape"]);
        std::thread::sleep(Duration::from_millis(400));
    }

    fn audit(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.dir.path().join("state/switchyard/audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// `c` then `y` with shop's step 2 in flight: the step finishes, the switch stops, the fail
/// back undoes both steps, and AWS is as before (what `plan on` reads from another process is
/// what it read before the switch); the journal and audit have both switches, with the reason.
#[test]
fn cancel_rolls_back_and_aws_is_as_before() {
    if !tmux_available() {
        return;
    }
    let port = free_port();
    let _emulator = Emulator::start(port, 30);
    let c = Console::start_on_sized("cancel", port, (80, 24));
    c.wait_live();
    let before = c.shop_as_planned();
    assert!(before.contains("Inverted=false"), "{before}");
    c.enter_shop_held_at_step_2("cancel drill");
    c.keys(&["c"]);
    c.wait_for("the cancel asked once more", Duration::from_secs(10), |s| {
        s.contains("undo every step made") && s.contains("y: roll back")
    });
    c.keys(&["y"]);
    c.wait_for("the cancel taken", Duration::from_secs(10), |s| {
        s.contains("Cancelling: the switch stops after the step running")
    });
    c.hold_step_2(false);
    let s = c.wait_for("the roll back", Duration::from_secs(60), |s| {
        s.contains("Cancelled and rolled back")
    });
    assert!(s.contains("rolling back shop"), "{s}");
    assert_eq!(
        c.calls("cloudfront:CreateInvalidation"),
        0,
        "no step after the cancel"
    );
    assert_eq!(c.calls("cloudwatch:EnableAlarmActions"), 1, "step 2 undone");
    c.escape();
    assert_eq!(c.shop_as_planned(), before, "AWS is not as before");
    let audit = c.audit();
    assert_eq!(audit.len(), 2, "{audit:#?}");
    assert_eq!(
        (
            &audit[0]["direction"],
            &audit[0]["result"],
            &audit[0]["reason"]
        ),
        (&"on".into(), &"cancelled".into(), &"cancel drill".into())
    );
    assert_eq!(
        (&audit[1]["direction"], &audit[1]["result"]),
        (&"off".into(), &"done".into())
    );
    // The timeline (and the event log it writes): the cancel, then the fail back that took it
    // back.
    c.keys(&["t"]);
    c.wait_for("the timeline", Duration::from_secs(10), |s| {
        s.contains("Events (")
    });
    let events =
        std::fs::read_to_string(c.dir.path().join("state/switchyard/events.jsonl")).unwrap();
    let cancelled = events
        .find("cancelled by the operator")
        .unwrap_or_else(|| panic!("{events}"));
    let back = events
        .find("fail back succeeded")
        .unwrap_or_else(|| panic!("{events}"));
    assert!(cancelled < back, "{events}");
    c.keys(&["q"]);
    c.assert_exited_cleanly();
}

/// `esc` sends a running switch to the background: the console is usable, the status bar
/// says how the switch goes; `w` shows it again, and it ends there.
#[test]
fn detach_and_reattach_a_running_switch() {
    if !tmux_available() {
        return;
    }
    let port = free_port();
    let _emulator = Emulator::start(port, 30);
    let c = Console::start_on_sized("detach", port, (80, 24));
    c.wait_live();
    c.enter_shop_held_at_step_2("detach drill");
    c.escape();
    let s = c.wait_for("the status bar", Duration::from_secs(10), |s| {
        s.lines().last().is_some_and(|l| {
            l.contains("enter maintenance shop: step 2 of 4") && l.contains("w show")
        })
    });
    assert!(!s.contains("progress"), "the window is hidden:\n{s}");
    // The console is the operator's: the overview, help.
    c.escape();
    c.wait_for("the overview", Duration::from_secs(10), |s| {
        s.contains("Sites (6)")
    });
    c.keys(&["?"]);
    c.wait_for("help", Duration::from_secs(10), |s| {
        s.contains("Help: keys")
    });
    c.escape();
    c.hold_step_2(false);
    c.wait_for(
        "verifying in the status bar",
        Duration::from_secs(30),
        |s| {
            s.lines().last().is_some_and(|l| {
                l.contains("enter maintenance shop: verifying")
                    || l.contains("enter maintenance shop: done")
            })
        },
    );
    c.keys(&["w"]);
    c.wait_for("the switch shown again", Duration::from_secs(10), |s| {
        s.contains("enter maintenance shop: progress")
    });
    c.wait_for("the end", Duration::from_secs(60), |s| {
        s.contains("Done: shop is in maintenance")
    });
    c.escape();
    c.keys(&["q"]);
    c.assert_exited_cleanly();
}

/// `q` during a switch asks; `esc` stays; `q` then `f` quits once every step is made, its
/// verification left to `switchyard wait` (said on exit): nothing is left half-switched.
#[test]
fn q_during_a_switch_asks_and_finish_quits_once_the_steps_are_made() {
    if !tmux_available() {
        return;
    }
    let port = free_port();
    let _emulator = Emulator::start(port, 1);
    let c = Console::start_on_sized("q-switch", port, (80, 24));
    c.wait_live();
    c.enter_shop_held_at_step_2("quit drill");
    c.keys(&["q"]);
    c.wait_for("the quit prompt", Duration::from_secs(10), |s| {
        s.contains("quit?")
            && s.contains("let it make its steps, then quit")
            && s.contains("roll it back")
    });
    c.escape();
    c.wait_for("the progress again", Duration::from_secs(10), |s| {
        !s.contains("quit?") && s.contains("enter maintenance shop: progress")
    });
    assert!(c.console_pid().is_some());
    c.keys(&["q"]);
    c.wait_for("the quit prompt", Duration::from_secs(10), |s| {
        s.contains("quit?")
    });
    c.keys(&["f"]);
    c.wait_for(
        "quitting once the steps are made",
        Duration::from_secs(10),
        |s| s.contains("Quitting once every step is made"),
    );
    c.hold_step_2(false);
    let s = c.wait_for("the exit", Duration::from_secs(30), |s| s.contains("EXIT="));
    // What is said on exit, as one text (the pane wraps it at 80 columns).
    let s = s.replace('\n', "");
    assert!(
        s.contains("every step of the switch is made") && s.contains("switchyard wait --site shop"),
        "{s}"
    );
    c.assert_exited_with(0);
    assert_eq!(
        c.calls("cloudfront:CreateInvalidation"),
        1,
        "every step made"
    );
    // Another process: shop is switching or in maintenance, never INTERRUPTED.
    let out = c.cli(&["status", "--site", "shop"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(!said.contains("INTERRUPTED"), "{said}");
    assert!(
        matches!(out.status.code(), Some(12 | 13)),
        "{:?} {said}",
        out.status.code()
    );
}

/// Ctrl-C during a switch asks as `q` does; ctrl-c again quits at once: the terminal is
/// restored before the engine is waited for, and a switch verifying stops verifying instead
/// of keeping the console (75 s, before) after its screen was gone.
#[test]
fn ctrl_c_during_a_switch_asks_then_quits_at_once() {
    if !tmux_available() {
        return;
    }
    let port = free_port();
    // Real time: shop's verification takes minutes.
    let _emulator = Emulator::start(port, 1);
    let c = Console::start_on_sized("ctrl-c", port, (80, 24));
    c.wait_live();
    c.keys(&[":site shop", "Enter"]);
    c.wait_for("shop's detail", Duration::from_secs(10), |s| {
        s.contains("PROTECTED SITE shop")
    });
    c.keys(&["m"]);
    c.wait_for("the confirmation", Duration::from_secs(20), |s| {
        s.contains("enter maintenance shop?")
    });
    c.confirm_protected("ctrl-c drill", "shop");
    c.wait_for("verification", Duration::from_secs(30), |s| {
        s.contains("Verification:")
    });
    c.keys(&["C-c"]);
    c.wait_for("the quit prompt", Duration::from_secs(10), |s| {
        s.contains("quit?") && s.contains("ctrl-c again quits now")
    });
    c.keys(&["C-c"]);
    // Within assert_exited_with's 20 s: the verification stops at once.
    c.assert_exited_with(0);
    let s = c.screen().replace('\n', "");
    assert!(
        s.contains("it was not verified to the end") && s.contains("switchyard wait --site shop"),
        "{s}"
    );
}

/// The confirmation of every demo site, both ways, at 80x24: the reason field, the name field
/// of a protected site and the buttons are in view, whatever the plan's length; a key typed
/// goes to the focused field, which is in view.
#[test]
fn the_confirmation_fits_80x24_for_every_demo_site() {
    if !tmux_available() {
        return;
    }
    let c = Console::start("fits", 1);
    c.wait_live();
    for site in ["shop", "blog", "api", "pay", "portal", "db"] {
        for (key, verb) in [("m", "enter maintenance"), ("f", "fail back")] {
            c.keys(&[&format!(":site {site}"), "Enter"]);
            c.keys(&[key]);
            let s = c.wait_for(
                &format!("the confirmation to {verb} {site}"),
                Duration::from_secs(30),
                |s| {
                    (s.contains(&format!("{verb} {site}?")) && s.contains("[ Cancel ]"))
                        || s.contains("No plan to")
                },
            );
            if s.contains("No plan to") {
                panic!("no plan to {verb} {site}:\n{s}");
            }
            let rows: Vec<&str> = s.lines().collect();
            assert_eq!(rows.len(), 24, "{s}");
            let nothing = s.contains("Nothing to do");
            if !nothing {
                assert!(
                    s.contains("Reason ("),
                    "{verb} {site}: no reason field\n{s}"
                );
                let protected = ["shop", "pay"].contains(&site);
                if protected {
                    assert!(s.contains("Type the site name"), "{verb} {site}:\n{s}");
                    // The focus is in the reason: a typed j goes there, in view.
                    c.keys(&["j"]);
                    c.wait_for("j in the reason", Duration::from_secs(5), |s| {
                        s.contains("Reason (required): j_")
                    });
                } else {
                    // The focus is on Cancel: j scrolls the plan, it is typed nowhere.
                    c.keys(&["j"]);
                    std::thread::sleep(Duration::from_millis(300));
                    let s = c.screen();
                    assert!(!s.contains("Reason (optional): j"), "{s}");
                }
            }
            // The window's last rows: the buttons and, below them, the keys.
            let buttons = rows
                .iter()
                .position(|r| r.contains("[ Cancel ]"))
                .unwrap_or_else(|| panic!("{verb} {site}: no buttons\n{s}"));
            assert!(buttons < 22, "{verb} {site}: the buttons are cut\n{s}");
            c.escape();
            c.wait_for("the confirmation closed", Duration::from_secs(10), |s| {
                !s.contains("[ Cancel ]")
            });
        }
    }
    c.keys(&["q"]);
    c.assert_exited_cleanly();
}

/// `demo --reason` prefills every confirmation's reason; the focus is then on the protected
/// site's name.
#[test]
fn the_reason_given_on_the_command_line_prefills_the_confirmation() {
    if !tmux_available() {
        return;
    }
    let port = free_port();
    let c = Console::launch(
        "reason",
        port,
        (80, 24),
        "",
        &format!("demo --port {port} --speed 1 --reason 'kernel patch'"),
    );
    c.wait_live();
    c.keys(&[":site shop", "Enter"]);
    c.keys(&["m"]);
    c.wait_for("the reason prefilled", Duration::from_secs(30), |s| {
        s.contains("Reason (required): kernel patch")
            && s.contains("Type the site name (shop) to confirm: _")
    });
    c.escape();
    c.keys(&["q"]);
    c.assert_exited_cleanly();
}

/// A reason longer than the journal takes is refused before anything starts (exit 2), as
/// `maintenance --reason` is.
#[test]
fn a_reason_longer_than_the_journal_takes_is_refused_at_start() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .env("HOME", home.path())
        .env("XDG_STATE_HOME", home.path().join("state"))
        .args(["--log-file", home.path().join("log").to_str().unwrap()])
        .args(["demo", "--reason", &"x".repeat(1025)])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--reason is 1025 characters; the journal takes at most 1024"),
        "{err}"
    );
}

/// `q` then `r` during a switch: it is cancelled and rolled back, and the console quits once
/// the way back's steps are made; AWS is as before, and the exit says so.
#[test]
fn q_then_roll_back_quits_once_the_switch_is_taken_back() {
    if !tmux_available() {
        return;
    }
    let port = free_port();
    let _emulator = Emulator::start(port, 1);
    let c = Console::start_on_sized("q-roll-back", port, (80, 24));
    c.wait_live();
    let before = c.shop_as_planned();
    c.enter_shop_held_at_step_2("roll back drill");
    c.keys(&["q"]);
    c.wait_for("the quit prompt", Duration::from_secs(10), |s| {
        s.contains("quit?")
    });
    c.keys(&["r"]);
    c.wait_for("quitting once rolled back", Duration::from_secs(10), |s| {
        s.contains("Quitting once it is rolled back")
    });
    c.hold_step_2(false);
    c.assert_exited_with(0);
    assert_eq!(
        c.calls("cloudfront:CreateInvalidation"),
        0,
        "no step after the cancel"
    );
    assert_eq!(c.calls("cloudwatch:EnableAlarmActions"), 1, "step 2 undone");
    assert_eq!(c.shop_as_planned(), before, "AWS is not as before");
    let results: Vec<(String, String)> = c
        .audit()
        .iter()
        .map(|l| (l["direction"].to_string(), l["result"].to_string()))
        .collect();
    assert_eq!(
        results,
        [
            ("\"on\"".to_string(), "\"cancelled\"".to_string()),
            ("\"off\"".to_string(), "\"done\"".to_string())
        ]
    );
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
    let config = demo_config();
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

/// Two consoles on one emulator, as two operators on two machines (two homes, two host
/// names): each sees the other's switch in its timeline, read from the AWS history.
#[test]
fn two_consoles_each_see_the_others_switch_in_the_timeline() {
    if !tmux_available() {
        return;
    }
    let port = free_port();
    let _emulator = Emulator::start(port, 30);
    let config = demo_config();
    let on = |name: &str, host: &str| {
        let env = format!(
            "HOSTNAME={host} AWS_ENDPOINT_URL=http://127.0.0.1:{port} AWS_ACCESS_KEY_ID=sim \
             AWS_SECRET_ACCESS_KEY=sim AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true \
             SWITCHYARD_DNS_SERVER=127.0.0.1:{port}"
        );
        Console::launch(name, port, (120, 40), &env, &format!("--config '{config}'"))
    };
    let a = on("team-a", "console-a");
    let b = on("team-b", "console-b");
    a.wait_live();
    b.wait_live();
    // A enters maintenance on shop.
    a.keys(&[":site shop", "Enter"]);
    a.wait_for("shop's detail", Duration::from_secs(10), |s| {
        s.contains("PROTECTED SITE shop")
    });
    a.keys(&["m"]);
    a.wait_for("the confirmation", Duration::from_secs(20), |s| {
        s.contains("enter maintenance shop?") && s.contains("Reason (required): _")
    });
    a.confirm_protected("team drill", "shop");
    a.wait_for("the switch to finish", Duration::from_secs(40), |s| {
        s.contains("Done: ")
    });
    a.escape();
    // B, which did nothing, sees it in its timeline: who, from which machine, why.
    b.keys(&["t"]);
    let s = b.wait_for("A's switch in B's timeline", Duration::from_secs(30), |s| {
        s.contains("console-a") && s.contains("[AWS history]")
    });
    assert!(s.contains("maintenance on"), "{s}");
    assert!(s.contains("(team drill)"), "{s}");
    // B fails shop back; A sees it in its timeline, and its own switch only once (from the
    // engine, not again from the history).
    b.escape();
    b.keys(&[":site shop", "Enter"]);
    b.wait_for("shop's detail in B", Duration::from_secs(10), |s| {
        s.contains("PROTECTED SITE shop")
    });
    b.keys(&["f"]);
    b.wait_for("the fail back confirmation", Duration::from_secs(20), |s| {
        s.contains("fail back shop?") && s.contains("Reason (required): _")
    });
    b.confirm_protected("team drill over", "shop");
    b.wait_for("the fail back to finish", Duration::from_secs(40), |s| {
        s.contains("Done: ")
    });
    b.escape();
    a.keys(&["t"]);
    let s = a.wait_for(
        "B's fail back in A's timeline",
        Duration::from_secs(30),
        |s| s.contains("console-b") && s.contains("[AWS history]"),
    );
    assert!(s.contains("fail back"), "{s}");
    assert!(!s.contains("console-a"), "A's own switch shown twice:\n{s}");
    a.keys(&["q"]);
    b.keys(&["q"]);
    a.assert_exited_cleanly();
    b.assert_exited_cleanly();
}

/// [`without_probes`] of the demo's config, written once per test process.
fn demo_config() -> String {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().unwrap());
    let path = dir.path().join("demo.toml");
    if !path.exists() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/configs/demo.toml"
        ))
        .unwrap();
        std::fs::write(&path, without_probes(&text)).unwrap();
    }
    path.display().to_string()
}

/// A console that probes what clients get records it as events: the report of a window it
/// watched measures when clients got the sorry page and when they got the app again, from the
/// decision, through the binary.
#[test]
fn a_report_of_a_window_a_probing_console_watched_measures_when_clients_saw_each_side() {
    if !tmux_available() {
        return;
    }
    let port = free_port();
    let sim = Emulator::start(port, 20);
    // `switchyard sim` keeps its data plane's certificate authority in a file while it runs.
    let ca = std::env::temp_dir().join(format!("switchyard-sim-{port}-{}-ca.pem", sim.0.id()));
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ca.exists() {
        assert!(Instant::now() < deadline, "no {}", ca.display());
        std::thread::sleep(Duration::from_millis(50));
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("demo-probed.toml");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/assets/configs/demo.toml"),
        &config,
    )
    .unwrap();
    // The emulator's data plane is the proxy its clients use.
    let env = format!(
        "AWS_ENDPOINT_URL=http://127.0.0.1:{port} AWS_ACCESS_KEY_ID=sim AWS_SECRET_ACCESS_KEY=sim \
         AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true SWITCHYARD_DNS_SERVER=127.0.0.1:{port} \
         SWITCHYARD_PROBE_PROXY=http://127.0.0.1:{port} SWITCHYARD_PROBE_CA='{}'",
        ca.display()
    );
    let c = Console::launch(
        "report-probed",
        port,
        (120, 40),
        &env,
        &format!("--config '{}' --read-only", config.display()),
    );
    c.wait_live();
    let ok = |out: Output, what: &str| {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{what}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let switch = |way: &str| {
        ok(
            c.cli(&[
                "maintenance",
                way,
                "--site",
                "shop",
                "--yes",
                "--reason",
                "CHG-10",
                "--wait",
                "--timeout",
                "120s",
            ]),
            way,
        )
    };
    // The console probes every site on its own cadence and logs what clients get when it
    // changes: wait for that, in the log written since the switch.
    let log = c.dir.path().join("switchyard.log");
    let logged = || std::fs::read_to_string(&log).unwrap_or_default();
    let seen = |needle: &str, from: usize| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if logged().get(from..).is_some_and(|t| t.contains(needle)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        panic!("the console never logged {needle:?}: {}", logged());
    };
    let from = logged().len();
    switch("on");
    seen("clients get the sorry page now", from);
    let from = logged().len();
    switch("off");
    seen("clients get the app now", from);
    c.keys(&["q"]);
    c.assert_exited_cleanly();

    let md = c.shop_report();
    for label in [
        "entering: decision to clients see the sorry page",
        "fail back: decision to clients see the app again",
    ] {
        let row = md
            .lines()
            .find(|l| l.starts_with(&format!("| {label} | ")))
            .unwrap_or_else(|| panic!("no row {label:?}: {md}"));
        let value = row.trim_end_matches(" |").rsplit(" | ").next().unwrap();
        assert!(
            value.chars().next().is_some_and(|c| c.is_ascii_digit()),
            "{label}: measured, a time: {row}"
        );
    }
    assert!(!md.contains("No client probe in the window"), "{md}");
}

/// The report of a window recorded by a console (issue 19, item 3): a read-only console on the
/// emulator records the chain's events while another process enters maintenance on shop and
/// fails back; `report` then reads them (this machine's events are a source, read), and its
/// chart has the console's lanes: the DNS answer goes from the primary to the sorry page after
/// the first step and back after the fail back's steps, in that order.
#[test]
fn a_report_made_while_a_console_recorded_the_window_has_its_events_in_order() {
    if !tmux_available() {
        return;
    }
    let port = free_port();
    let _sim = Emulator::start(port, 20);
    let config = demo_config();
    let env = format!(
        "AWS_ENDPOINT_URL=http://127.0.0.1:{port} AWS_ACCESS_KEY_ID=sim AWS_SECRET_ACCESS_KEY=sim \
         AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true SWITCHYARD_DNS_SERVER=127.0.0.1:{port}"
    );
    let c = Console::launch(
        "report",
        port,
        (120, 40),
        &env,
        &format!("--config '{config}' --read-only"),
    );
    c.wait_live();
    let ok = |out: Output, what: &str| {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{what}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    ok(
        c.cli(&[
            "maintenance",
            "on",
            "--site",
            "shop",
            "--yes",
            "--reason",
            "CHG-9",
            "--wait",
            "--timeout",
            "120s",
        ]),
        "on",
    );
    c.wait_for("shop in maintenance", Duration::from_secs(40), |s| {
        s.lines()
            .any(|l| l.contains(" shop") && l.contains("MAINTENANCE"))
    });
    ok(
        c.cli(&[
            "maintenance",
            "off",
            "--site",
            "shop",
            "--yes",
            "--reason",
            "CHG-9 done",
            "--wait",
            "--timeout",
            "120s",
        ]),
        "off",
    );
    c.wait_for("shop live again", Duration::from_secs(40), |s| {
        s.lines().any(|l| l.contains(" shop") && l.contains("LIVE"))
    });
    c.keys(&["q"]);
    c.assert_exited_cleanly();

    let md = c.shop_report();
    let events = md
        .lines()
        .find(|l| l.starts_with("| this machine's events | "))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        events.contains(" | read ("),
        "the console's events read: {md}"
    );
    assert!(!events.contains("read (0 entries"), "{md}");
    // The console's own DNS answer lane: primary, the sorry page, primary again, in order.
    let lane = md
        .lines()
        .find(|l| l.starts_with("- DNS answer: "))
        .unwrap_or_else(|| panic!("no DNS answer lane from the events: {md}"));
    let states: Vec<(&str, &str)> = lane
        .trim_start_matches("- DNS answer: ")
        .split(" → ")
        .map(|s| s.split_once(' ').unwrap())
        .collect();
    let words: Vec<&str> = states.iter().map(|(_, s)| *s).collect();
    let sorry = words
        .iter()
        .position(|w| w.contains("secondary") || w.contains("sorry") || w.contains("cloudfront"))
        .unwrap_or_else(|| panic!("the answer never went to the sorry page: {lane}"));
    assert!(
        words[..sorry].iter().any(|w| w.contains("primary")),
        "{lane}"
    );
    assert!(
        words[sorry..].iter().any(|w| w.contains("primary")),
        "the answer went back: {lane}"
    );
    // Times of day (HH:MM:SS), compared across midnight: `a` is not before `b`.
    let secs = |t: &str| -> i64 {
        t.split(':')
            .take(3)
            .map(|p| p.parse::<f64>().unwrap() as i64)
            .fold(0, |acc, n| acc * 60 + n)
    };
    let not_before = |a: &str, b: &str| (secs(a) - secs(b)).rem_euclid(86_400) < 43_200;
    assert!(
        states.windows(2).all(|p| not_before(p[1].0, p[0].0)),
        "the lane's states in time order: {lane}"
    );
    // After the first step, and back after the fail back's last one: the events agree with
    // the steps.
    let steps = md
        .lines()
        .find(|l| l.starts_with("Steps in order: "))
        .unwrap();
    let step_times: Vec<&str> = steps
        .split("; ")
        .map(|s| s.rsplit_once(" at ").unwrap().1.trim_end_matches(" UTC"))
        .collect();
    let (first, last) = (step_times[0], step_times[step_times.len() - 1]);
    assert!(
        not_before(states[sorry].0, &first[..8]),
        "the sorry page after step 1 ({first}): {lane}"
    );
    let back = sorry
        + words[sorry..]
            .iter()
            .position(|w| w.contains("primary"))
            .unwrap();
    assert!(
        not_before(states[back].0, &last[..8]),
        "the app again after the fail back's last step ({last}): {lane}\n{steps}"
    );
    // The HTML's chart draws the same lane left to right in that order.
    let out = c.dir.path().join("out");
    let html = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "html"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .unwrap();
    let g = html
        .split("<g class=\"lane\" data-lane=\"DNS answer\"")
        .nth(1)
        .and_then(|rest| rest.split("</g>").next())
        .unwrap_or_else(|| panic!("no DNS answer lane in the SVG: {html}"));
    let drawn: Vec<(f64, String)> = g
        .split("<rect class=\"seg ")
        .skip(1)
        .map(|r| {
            let attr = |name: &str| {
                r.split(&format!(" {name}=\""))
                    .nth(1)
                    .and_then(|v| v.split('"').next())
                    .unwrap()
                    .to_string()
            };
            (attr("x").parse().unwrap(), attr("data-state"))
        })
        .collect();
    assert!(drawn.windows(2).all(|p| p[0].0 < p[1].0), "{drawn:?}");
    assert_eq!(
        drawn.iter().map(|d| d.1.as_str()).collect::<Vec<_>>(),
        words,
        "the SVG draws the lane the Markdown lists"
    );
}

/// Two-person approval from the console (issue 19, item 2): alice (another access key, another
/// identity) asks to put shop into maintenance and leaves the request; the console, as another
/// identity, shows it, `a` opens the same plan with its hash, the site name typed and approve
/// write the approval; alice's same command then goes on, approved by the console's caller.
#[test]
fn a_in_the_console_approves_another_identitys_request_and_its_run_goes_on() {
    if !tmux_available() {
        return;
    }
    const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
    let port = free_port();
    let _sim = Emulator::start(port, 20);
    let control = |body: &str| {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            stream,
            "POST /_sim/control HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).unwrap();
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    };
    control(&format!(
        r#"{{"action":"set_caller","access_key":"AKIASIMALICE","arn":"{ALICE}"}}"#
    ));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("approval.toml");
    let text = std::fs::read_to_string(demo_config()).unwrap().replacen(
        "record = \"www.example.com\"\nprotected = true\n",
        "record = \"www.example.com\"\nprotected = true\napproval = true\n",
        1,
    );
    assert!(text.contains("approval = true"), "{text}");
    std::fs::write(&config, text).unwrap();
    let alice = |args: &[&str]| {
        let home = dir.path().join("alice");
        Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .env("HOME", &home)
            .env("XDG_STATE_HOME", home.join("state"))
            .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
            .env("AWS_ACCESS_KEY_ID", "AKIASIMALICE")
            .env("AWS_SECRET_ACCESS_KEY", "sim")
            .env("AWS_REGION", "eu-west-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("SWITCHYARD_DNS_SERVER", format!("127.0.0.1:{port}"))
            .args(["--log-file", home.join("cli.log").to_str().unwrap()])
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .unwrap()
    };
    let asked = alice(&[
        "maintenance",
        "on",
        "--site",
        "shop",
        "--yes",
        "--reason",
        "CHG-5",
        "--no-wait",
    ]);
    assert_eq!(
        asked.status.code(),
        Some(18),
        "{}{}",
        String::from_utf8_lossy(&asked.stdout),
        String::from_utf8_lossy(&asked.stderr)
    );

    let env = format!(
        "AWS_ENDPOINT_URL=http://127.0.0.1:{port} AWS_ACCESS_KEY_ID=sim AWS_SECRET_ACCESS_KEY=sim \
         AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true SWITCHYARD_DNS_SERVER=127.0.0.1:{port}"
    );
    let c = Console::launch(
        "approve",
        port,
        (120, 40),
        &env,
        &format!("--config '{}'", config.display()),
    );
    c.wait_live();
    c.keys(&[":site shop", "Enter"]);
    c.wait_for(
        "the request in shop's detail",
        Duration::from_secs(30),
        |s| s.contains("PROTECTED SITE shop") && s.contains("awaiting approval by another person"),
    );
    c.keys(&["a"]);
    let modal = c.wait_for("the approval modal", Duration::from_secs(10), |s| {
        s.contains("APPROVAL FOR shop")
    });
    assert!(modal.contains(ALICE), "the requester: {modal}");
    assert!(
        modal.contains("Plan: enter maintenance for site shop"),
        "the plan as alice saw it: {modal}"
    );
    c.keys(&["-l", "shop"]);
    c.keys(&["Tab", "Tab", "Tab", "Enter"]);
    c.wait_for("the approval written", Duration::from_secs(30), |s| {
        s.contains("shop: approved plan")
    });
    c.keys(&["q"]);
    c.assert_exited_cleanly();

    // Alice's same command picks the approval up and switches.
    let run = alice(&[
        "maintenance",
        "on",
        "--site",
        "shop",
        "--yes",
        "--reason",
        "CHG-5",
        "--wait",
        "--timeout",
        "120s",
    ]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(run.status.code(), Some(0), "{said}");
    assert!(
        said.contains("Approved by arn:aws:sts::123456789012:assumed-role/OpsAdmin/demo"),
        "approved by the console's caller: {said}"
    );
}

/// BREAK-GLASS stands out in red on a terminal wherever a command says it: the maintenance
/// command's own line, `status`, `journal show` and `log`.
#[test]
fn break_glass_is_red_on_a_terminal_in_every_command_that_says_it() {
    if !tmux_available() {
        return;
    }
    let port = free_port();
    let _sim = Emulator::start(port, 20);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("protected.toml");
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/configs/demo.toml"
    ))
    .unwrap();
    let text = without_probes(&text).replacen("[[site]]\n", "[[site]]\napproval = true\n", 1);
    assert!(text.contains("approval = true\nname = \"shop\""), "{text}");
    std::fs::write(&config, text).unwrap();
    let socket = format!("switchyard-test-glass-{}-{port}", std::process::id());
    let c = Console {
        socket,
        port,
        dir: tempfile::tempdir().unwrap(),
    };
    let home = c.dir.path().display().to_string();
    let bin = env!("CARGO_BIN_EXE_switchyard");
    let cfg = config.display();
    let run =
        |args: &str| format!("'{bin}' {args} --config '{cfg}' --log-file '{home}/switchyard.log'");
    let script = format!(
        "unset NO_COLOR; export HOME='{home}' XDG_STATE_HOME='{home}/state' TERM=xterm-256color \
         AWS_ENDPOINT_URL=http://127.0.0.1:{port} AWS_ACCESS_KEY_ID=sim AWS_SECRET_ACCESS_KEY=sim \
         AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true SWITCHYARD_DNS_SERVER=127.0.0.1:{port}; \
         {}; {}; {}; {}; echo ALL-DONE; sleep 120",
        run(
            "maintenance on --site shop --yes --reason CHG-11 --break-glass 'approver unreachable'"
        ),
        run("status --site shop"),
        run("journal show --site shop"),
        run("log"),
    );
    let out = c.tmux(&[
        "new-session",
        "-d",
        "-s",
        "console",
        "-x",
        "250",
        "-y",
        "120",
        "sh",
        "-c",
        &script,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    c.wait_for("the four commands", Duration::from_secs(50), |s| {
        s.contains("ALL-DONE")
    });
    let escaped = c.screen_with_escapes();
    let lines: Vec<&str> = escaped
        .lines()
        .filter(|l| l.contains("BREAK-GLASS"))
        .collect();
    // The switch's own line, status's reason, the journal's record and the log's entry.
    assert!(lines.len() >= 4, "{}", c.screen());
    for l in &lines {
        let before = &l[..l.find("BREAK-GLASS").unwrap_or(0)];
        assert!(
            before.contains("31m") || before.contains("31;") || before.contains("91m"),
            "BREAK-GLASS not in red: {l:?}"
        );
    }
}
