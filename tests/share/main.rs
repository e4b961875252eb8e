//! One poller for the processes of one user on one machine (`poll::share`), through the real
//! binary on the built-in emulator: `status --watch` processes that watch the same sites as the
//! same identity share one poller and cost the calls of one (counted by the emulator, over a
//! fixed number of rounds: never timed); a joiner carries on when the leader dies; processes
//! with other configs never share; a socket folder open to others, and another user's process,
//! are refused.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use switchyard_sim::{Control, SimHandle, SimOptions, start};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

#[path = "../support/binary.rs"]
mod binary;
#[path = "../support/configs.rs"]
mod configs;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The demo account, its clock running (the pollers run on the wall clock).
async fn sim() -> SimHandle {
    let path = root().join("assets/scenarios/demo.toml");
    let opts = SimOptions::new(switchyard_sim::Scenario::load(&path).unwrap());
    start(opts).await.unwrap()
}

/// A test's folder: the configs, the runtime folder (`XDG_RUNTIME_DIR`, mode 0700), homes.
struct Place {
    dir: tempfile::TempDir,
}

impl Place {
    fn new() -> Place {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        std::fs::create_dir(&run).unwrap();
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
        Place { dir }
    }

    fn run(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    /// The demo config without probes, every site polled every 2 s; `edit` changes its text.
    fn config(&self, name: &str, edit: impl Fn(String) -> String) -> String {
        let text = std::fs::read_to_string(root().join("assets/configs/demo.toml")).unwrap();
        let text = configs::without_probes(&text)
            .replace("poll_interval = \"10s\"", "poll_interval = \"2s\"")
            .replace("stale_after = \"45s\"", "stale_after = \"30s\"");
        assert!(text.contains("poll_interval = \"2s\""), "{text}");
        let path = self.dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, edit(text)).unwrap();
        path.display().to_string()
    }
}

/// The emulator's calls that draw on an API budget (STS's GetCallerIdentity, read once by each
/// process to key and check the sharing, is left out: it has no budget of switchyard's).
fn budgeted(sim: &SimHandle) -> u64 {
    sim.calls()
        .calls
        .iter()
        .filter(|(k, _)| !k.starts_with("sts:"))
        .map(|(_, n)| *n)
        .sum()
}

/// The emulator's environment but its data plane's (the configs here have no probes; the CA is
/// a PEM that a shell line cannot carry, and every process of a test must see the same).
fn sim_env(sim: &SimHandle) -> Vec<(String, String)> {
    sim.env_vars()
        .into_iter()
        .filter(|(k, _)| !k.starts_with("SWITCHYARD_PROBE_"))
        .collect()
}

/// A `status --watch --output json` process; killed on drop.
struct Watch {
    child: tokio::process::Child,
    reports: mpsc::Receiver<Value>,
    _home: tempfile::TempDir,
}

impl Watch {
    fn start(sim: &SimHandle, place: &Place, config: &str, extra: &[&str]) -> Watch {
        Watch::start_in(sim, &place.run(), config, extra)
    }

    fn start_in(sim: &SimHandle, run: &Path, config: &str, extra: &[&str]) -> Watch {
        let home = tempfile::tempdir().unwrap();
        let mut env = sim_env(sim);
        env.push(("XDG_RUNTIME_DIR".into(), run.display().to_string()));
        let mut cmd = binary::switchyard(home.path(), &env);
        cmd.args(["status", "--watch", "--output", "json", "--config", config])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, reports) = mpsc::channel(64);
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(l)) = lines.next_line().await {
                let v: Value = serde_json::from_str(&l).unwrap();
                if tx.send(v).await.is_err() {
                    return;
                }
            }
        });
        Watch {
            child,
            reports,
            _home: home,
        }
    }

    fn pid(&self) -> u64 {
        u64::from(self.child.id().unwrap())
    }

    /// The next report (a failure after 30 s: the process printed nothing).
    async fn report(&mut self) -> Value {
        tokio::time::timeout(Duration::from_secs(30), self.reports.recv())
            .await
            .expect("no report within 30 s")
            .expect("the process ended")
    }

    /// The next report with the poller in `role`, within `n` reports.
    async fn report_as(&mut self, role: &str, n: usize) -> Value {
        let mut seen = Vec::new();
        for _ in 0..n {
            let r = self.report().await;
            if r["poller"]["role"] == role {
                return r;
            }
            seen.push(r["poller"].clone());
        }
        panic!("never {role} in {n} reports: {seen:?}");
    }
}

fn ages(report: &Value) -> Vec<i64> {
    report["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["data_age_seconds"].as_i64().unwrap_or(i64::MAX))
        .collect()
}

/// Three `status --watch` on one account: one leader polls, two join, and over four of the
/// leader's rounds the emulator counts the calls of at most five rounds of one process (a
/// round under way at each end), where three processes polling alone would make twelve. Each
/// joiner's report names the poller it came through.
#[tokio::test(flavor = "multi_thread")]
async fn three_status_watches_on_one_poller_cost_the_calls_of_one() {
    let sim = sim().await;
    let place = Place::new();
    let config = place.config("demo", |t| t);
    // What one round of every site costs, read once by one process (the first round reads
    // the names and zones that later rounds keep: no later round costs more).
    sim.control(Control::ResetCalls).unwrap();
    let home = tempfile::tempdir().unwrap();
    let once = binary::switchyard(home.path(), &sim.env_vars())
        .args(["status", "--output", "json", "--config", &config])
        .output()
        .await
        .unwrap();
    let json: Value = serde_json::from_slice(&once.stdout).unwrap();
    assert_eq!(json["poller"]["role"], "alone", "{json}");
    let round = budgeted(&sim);
    assert!(round > 10, "one round made {round} calls");

    let mut leader = Watch::start(&sim, &place, &config, &[]);
    let first = leader.report_as("leader", 1).await;
    assert_eq!(first["sites"].as_array().unwrap().len(), 6);
    let mut joiners = Vec::new();
    for _ in 0..2 {
        let mut j = Watch::start(&sim, &place, &config, &[]);
        let r = j.report_as("joined", 1).await;
        assert_eq!(
            r["poller"]["leader_pid"].as_u64(),
            Some(leader.pid()),
            "{r}"
        );
        assert_eq!(r["poller"]["socket"], first["poller"]["socket"]);
        assert_eq!(r["sites"].as_array().unwrap().len(), 6);
        joiners.push(j);
    }
    // Every joiner has joined; the count starts here.
    sim.control(Control::ResetCalls).unwrap();
    const ROUNDS: u64 = 4;
    let mut last = Value::Null;
    for _ in 0..ROUNDS {
        last = leader.report().await;
    }
    let shared = budgeted(&sim);
    assert_eq!(last["poller"]["joiners"], 2, "{last}");
    assert!(
        shared <= (ROUNDS + 1) * round,
        "three processes on one poller made {shared} calls over {ROUNDS} rounds; one round costs {round}: {:?}",
        sim.calls().calls
    );
    // The joiners kept getting every site, fresh, and say where from.
    for j in &mut joiners {
        let r = j.report().await;
        assert_eq!(r["poller"]["role"], "joined", "{r}");
        assert!(ages(&r).iter().all(|a| *a < 30), "{:?}", ages(&r));
    }
    eprintln!("one round: {round} calls; 3 processes sharing, {ROUNDS} rounds: {shared} calls");
}

/// The leader killed (no goodbye, its socket file left behind): a joiner notices, takes over
/// and polls itself; its data is its own poller's, fresh, never the old data passed off as new;
/// a newcomer then joins it (the dead leader's socket was cleared).
#[tokio::test(flavor = "multi_thread")]
async fn when_the_leader_dies_a_joiner_takes_over_and_a_newcomer_joins_it() {
    let sim = sim().await;
    let place = Place::new();
    let config = place.config("demo", |t| t);
    let mut leader = Watch::start(&sim, &place, &config, &[]);
    leader.report_as("leader", 1).await;
    let mut joiner = Watch::start(&sim, &place, &config, &[]);
    joiner.report_as("joined", 1).await;
    leader.child.start_kill().unwrap();
    leader.child.wait().await.unwrap();
    let killed = std::time::Instant::now();
    let r = joiner.report_as("leader", 5).await;
    assert_eq!(r["poller"]["joiners"], 0, "{r}");
    assert!(ages(&r).iter().all(|a| *a < 30), "{:?}", ages(&r));
    // Its next report is its own round: every datum read after the leader died (the dead
    // leader's data would be older than that; ages are whole seconds, hence the one more).
    let r = joiner.report().await;
    let since_kill = killed.elapsed().as_secs() as i64 + 1;
    assert_eq!(r["poller"]["role"], "leader", "{r}");
    assert!(
        ages(&r).iter().all(|a| *a <= since_kill),
        "{:?} with the leader killed {since_kill} s ago",
        ages(&r)
    );
    let mut newcomer = Watch::start(&sim, &place, &config, &[]);
    let n = newcomer.report_as("joined", 2).await;
    assert_eq!(
        n["poller"]["leader_pid"].as_u64(),
        Some(joiner.pid()),
        "{n}"
    );
}

/// Processes that watch other sites, or the same sites with other settings, never share; the
/// same config does.
#[tokio::test(flavor = "multi_thread")]
async fn processes_with_other_configs_do_not_share() {
    let sim = sim().await;
    let place = Place::new();
    let a = place.config("a", |t| t);
    // The same sites, read with a shorter call limit: other data (errors of other calls).
    let b = place.config("b", |t| {
        t.replace("[defaults]\n", "[defaults]\ncall_timeout = \"20s\"\n")
    });
    assert_ne!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let mut first = Watch::start(&sim, &place, &a, &[]);
    let fa = first.report_as("leader", 1).await;
    let mut other = Watch::start(&sim, &place, &b, &[]);
    let fb = other.report_as("leader", 2).await;
    assert_ne!(fa["poller"]["socket"], fb["poller"]["socket"]);
    // One site only (`--site`) on config a: the same poller, widened for it.
    let mut one = Watch::start(&sim, &place, &a, &["--site", "shop"]);
    let r = one.report_as("joined", 2).await;
    assert_eq!(r["poller"]["leader_pid"].as_u64(), Some(first.pid()));
    let sites = r["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0]["name"], "shop");
    // --no-share: alone, and says why.
    let mut alone = Watch::start(&sim, &place, &a, &["--no-share"]);
    let r = alone.report().await;
    assert_eq!(r["poller"]["role"], "alone");
    assert_eq!(r["poller"]["why"], "--no-share");
}

/// A socket folder other users can open is refused: the process polls alone and says why.
#[tokio::test(flavor = "multi_thread")]
async fn a_socket_folder_open_to_others_is_refused() {
    let sim = sim().await;
    let place = Place::new();
    let config = place.config("demo", |t| t);
    let folder = place.run().join("switchyard");
    std::fs::create_dir(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut w = Watch::start(&sim, &place, &config, &[]);
    let r = w.report().await;
    assert_eq!(r["poller"]["role"], "alone", "{r}");
    let why = r["poller"]["why"].as_str().unwrap();
    assert!(
        why.contains("open to other users") && why.contains("chmod 700"),
        "{why}"
    );
    assert_eq!(r["sites"].as_array().unwrap().len(), 6, "it still reports");
    // share_poller = false in the config: alone, saying so.
    let off = place.config("off", |t| {
        t.replace("[defaults]\n", "[defaults]\nshare_poller = false\n")
    });
    let mut w = Watch::start(&sim, &place, &off, &[]);
    let r = w.report().await;
    assert_eq!(
        r["poller"]["why"], "share_poller = false in the config",
        "{r}"
    );
}

/// Another user's process that reaches the socket (its folder opened up behind the leader's
/// back) gets a refusal and not one site: the leader checks every connection's user. Runs
/// where the tests run as root (it connects as `nobody`); says so and passes elsewhere.
#[tokio::test(flavor = "multi_thread")]
async fn another_users_process_is_refused_on_the_socket() {
    use std::os::unix::fs::MetadataExt;
    let place = Place::new();
    let python = Path::new("/usr/bin/python3");
    if std::fs::metadata(place.run()).unwrap().uid() != 0 || !python.exists() {
        eprintln!("skipped: needs root and /usr/bin/python3 to connect as another user");
        return;
    }
    let sim = sim().await;
    let config = place.config("demo", |t| t);
    let mut leader = Watch::start(&sim, &place, &config, &[]);
    let r = leader.report_as("leader", 1).await;
    let socket = r["poller"]["socket"].as_str().unwrap().to_string();
    for (p, mode) in [
        (place.dir.path().to_path_buf(), 0o711),
        (place.run(), 0o711),
        (place.run().join("switchyard"), 0o711),
        (PathBuf::from(&socket), 0o777),
    ] {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let script = r#"
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(b'{"hello":{"protocol":1,"key":"x","pid":1,"identities":[],"what":"test"}}\n{"want":{"only":null,"detail":[]}}\n')
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
sys.stdout.write(data.decode())
"#;
    let out = tokio::task::spawn_blocking(move || {
        use std::os::unix::process::CommandExt;
        std::process::Command::new("/usr/bin/python3")
            .args(["-c", script, &socket])
            .uid(65534)
            .gid(65534)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}{err}");
    assert!(said.starts_with("{\"refused\""), "{said}");
    assert!(said.contains("user 65534"), "{said}");
    assert!(!said.contains("\"site\""), "{said}");
    // The leader serves on.
    let r = leader.report().await;
    assert_eq!(r["poller"]["role"], "leader");
}

/// A console in a tmux pane of its own (its server killed on drop).
struct Pane {
    socket: String,
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

impl Pane {
    fn tmux(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new("tmux")
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
}

fn tmux_available() -> bool {
    let found = std::process::Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("SWITCHYARD_REQUIRE_PEERS").is_none(),
            "tmux is required (SWITCHYARD_REQUIRE_PEERS is set): install it (scripts/test does)"
        );
        eprintln!("skipped: tmux is not installed (scripts/test installs it)");
    }
    found
}

/// A console opened beside a `status --watch` joins its poller: its header says whose data it
/// shows, and the leader counts it among its joiners.
#[tokio::test(flavor = "multi_thread")]
async fn a_console_joins_a_status_watch_and_says_whose_data_it_shows() {
    if !tmux_available() {
        return;
    }
    let sim = sim().await;
    let place = Place::new();
    let config = place.config("demo", |t| t);
    let mut leader = Watch::start(&sim, &place, &config, &[]);
    leader.report_as("leader", 1).await;
    let home = tempfile::tempdir().unwrap();
    let h = home.path().display();
    let vars: Vec<String> = sim_env(&sim)
        .into_iter()
        .map(|(k, v)| format!("{k}='{v}'"))
        .collect();
    let script = format!(
        "env -u AWS_PROFILE HOME='{h}' XDG_STATE_HOME='{h}/state' XDG_CONFIG_HOME='{h}/config' \
         XDG_RUNTIME_DIR='{}' TERM=xterm-256color {} '{}' --log-file '{h}/switchyard.log' \
         --config '{config}'; sleep 60",
        place.run().display(),
        vars.join(" "),
        env!("CARGO_BIN_EXE_switchyard"),
    );
    let pane = Pane {
        socket: format!("switchyard-share-{}", std::process::id()),
    };
    let out = pane.tmux(&[
        "new-session",
        "-d",
        "-s",
        "console",
        "-x",
        "120",
        "-y",
        "40",
        "sh",
        "-c",
        &script,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wanted = format!("data via shared poller (pid {})", leader.pid());
    let mut screen = String::new();
    for _ in 0..150 {
        screen = pane.screen();
        if screen.contains(&wanted) && screen.contains("shop") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(screen.contains(&wanted), "no {wanted:?} on\n{screen}");
    let r = leader.report_as("leader", 5).await;
    let mut joiners = r["poller"]["joiners"].as_u64();
    for _ in 0..5 {
        if joiners == Some(1) {
            break;
        }
        joiners = leader.report().await["poller"]["joiners"].as_u64();
    }
    assert_eq!(joiners, Some(1), "{r}");
}

/// `wait` beside a `status --watch` reads its site through the shared poller (in detail, as it
/// would alone), and its JSON says so; `--no-share` reads alone.
#[tokio::test(flavor = "multi_thread")]
async fn wait_reads_its_site_through_the_shared_poller() {
    let sim = sim().await;
    let place = Place::new();
    let config = place.config("demo", |t| t);
    let mut leader = Watch::start(&sim, &place, &config, &[]);
    leader.report_as("leader", 1).await;
    for (extra, role) in [(None, "joined"), (Some("--no-share"), "alone")] {
        let home = tempfile::tempdir().unwrap();
        let mut env = sim_env(&sim);
        env.push(("XDG_RUNTIME_DIR".into(), place.run().display().to_string()));
        let out = binary::switchyard(home.path(), &env)
            .args([
                "wait",
                "--site",
                "shop",
                "--for",
                "live",
                "--timeout",
                "40s",
            ])
            .args(["--output", "json", "--config", &config])
            .args(extra)
            .output()
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{text}");
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["reached"], true, "{json}");
        assert_eq!(json["poller"]["role"], role, "{json}");
        if role == "joined" {
            assert_eq!(json["poller"]["leader_pid"].as_u64(), Some(leader.pid()));
        }
    }
}
