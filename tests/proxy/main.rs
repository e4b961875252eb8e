//! switchyard behind a real HTTP proxy: tinyproxy from Debian (installed by `scripts/test`),
//! started on 127.0.0.1 by each test. The proxy's own access log shows which requests went
//! through it.
//!
//! The emulator speaks plain HTTP, so these tests set `HTTP_PROXY`; against AWS the same client
//! sends HTTPS through `HTTPS_PROXY` with CONNECT.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use switchyard_sim::{SimHandle, SimOptions, start};

#[path = "../support/binary.rs"]
mod binary;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn tinyproxy_binary() -> Option<PathBuf> {
    let found = ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("SWITCHYARD_REQUIRE_PEERS").is_err(),
            "tinyproxy is not installed; scripts/test installs it"
        );
        eprintln!("skipping: tinyproxy is not installed (scripts/test installs it)");
    }
    found
}

struct Proxy {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Proxy {
    /// tinyproxy on a free port of 127.0.0.1; with `auth`, it wants Basic credentials.
    fn start(auth: Option<(&str, &str)>) -> Option<Proxy> {
        Proxy::start_with(auth, "")
    }

    /// tinyproxy with more lines of configuration (an `Upstream` proxy, say).
    fn start_with(auth: Option<(&str, &str)>, extra: &str) -> Option<Proxy> {
        let bin = tinyproxy_binary()?;
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let log = dir.path().join("access.log");
        let mut conf = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Info\nMaxClients 100\nAllow 127.0.0.1\nDisableViaHeader Yes\n",
            log.display()
        );
        if let Some((user, pass)) = auth {
            conf.push_str(&format!("BasicAuth {user} {pass}\n"));
        }
        conf.push_str(extra);
        let conf_path = dir.path().join("tinyproxy.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new(bin)
            .arg("-d")
            .arg("-c")
            .arg(&conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tinyproxy did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Proxy {
            child,
            port,
            log,
            _dir: dir,
        })
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests the proxy forwarded, from its access log.
    fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("]: Request (file descriptor"))
            .map(str::to_string)
            .collect()
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn sim() -> SimHandle {
    let path = root().join("assets/scenarios/demo.toml");
    let mut opts = SimOptions::new(switchyard_sim::Scenario::load(&path).unwrap());
    opts.paused = true;
    start(opts).await.unwrap()
}

fn demo_config() -> String {
    root()
        .join("assets/configs/demo.toml")
        .display()
        .to_string()
}

/// Runs the binary with exactly this AWS and proxy environment; returns the output and the
/// text of its log file.
async fn run(env: &[(String, String)], args: &[&str]) -> (Output, String) {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("switchyard.log");
    let mut cmd = binary::switchyard(home.path(), env);
    cmd.env("RUST_LOG", "switchyard=debug").args(args);
    let out = cmd.output().await.unwrap();
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    (out, log)
}

/// `status --site shop --output json` on the demo config with this environment: the report.
async fn shop_status(env: &[(String, String)]) -> serde_json::Value {
    let args = [
        "status",
        "--config",
        &demo_config(),
        "--site",
        "shop",
        "--output",
        "json",
    ];
    json(&run(env, &args).await.0)
}

/// `maintenance <direction> --site shop --yes --force` on the demo config; asserts exit 0.
async fn switch_shop(env: &[(String, String)], direction: &str) {
    let config = demo_config();
    let args = [
        "maintenance",
        direction,
        "--site",
        "shop",
        "--config",
        &config,
        "--yes",
        "--force",
    ];
    let (out, _) = run(env, &args).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn with(mut env: Vec<(String, String)>, k: &str, v: &str) -> Vec<(String, String)> {
    env.push((k.to_string(), v.to_string()));
    env
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "no JSON:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn all_errors(report: &serde_json::Value) -> Vec<String> {
    report["sites"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["errors"].as_array().unwrap().clone())
        .map(|e| e.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn every_aws_request_of_status_goes_through_the_proxy() {
    let Some(proxy) = Proxy::start(None) else {
        return;
    };
    let sim = sim().await;
    let env = with(sim.env_vars(), "HTTP_PROXY", &proxy.url());
    let (out, log) = run(
        &env,
        &["status", "--config", &demo_config(), "--output", "json"],
    )
    .await;
    let report = json(&out);
    assert!(all_errors(&report).is_empty(), "{:?}", all_errors(&report));
    // The demo's blog is DEGRADED by design; everything was read.
    assert_eq!(out.status.code(), Some(10));
    let served: u64 = sim.calls().calls.values().sum();
    let through_proxy = proxy
        .requests()
        .iter()
        .filter(|l| l.contains(&format!("http://127.0.0.1:{}/", sim.port())))
        .count() as u64;
    assert!(served > 20, "status made {served} calls");
    assert_eq!(
        through_proxy, served,
        "the emulator served {served} calls; the proxy forwarded {through_proxy}"
    );
    // The metadata addresses were added to NO_PROXY, and the log says so.
    assert!(
        log.contains("switchyard added 169.254.169.254, fd00:ec2::254, 169.254.170.2"),
        "{log}"
    );
}

#[tokio::test]
async fn instance_credentials_are_never_asked_of_the_proxy() {
    let Some(proxy) = Proxy::start(None) else {
        return;
    };
    let sim = sim().await;
    // No credentials in the environment: the SDK's chain ends at IMDS (169.254.169.254).
    let env: Vec<(String, String)> = sim
        .env_vars()
        .into_iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY" | "AWS_EC2_METADATA_DISABLED"
            )
        })
        .chain([
            ("HTTP_PROXY".to_string(), proxy.url()),
            ("AWS_CONFIG_FILE".to_string(), "/dev/null".to_string()),
            (
                "AWS_SHARED_CREDENTIALS_FILE".to_string(),
                "/dev/null".to_string(),
            ),
            ("AWS_METADATA_SERVICE_TIMEOUT".to_string(), "1".to_string()),
            (
                "AWS_METADATA_SERVICE_NUM_ATTEMPTS".to_string(),
                "1".to_string(),
            ),
        ])
        .collect();
    let (out, _) = run(&env, &["doctor", "--config", &demo_config()]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Without credentials doctor fails with the access code, and says why.
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("credentials"), "{stdout}");
    assert!(
        stdout.contains("(switchyard added 169.254.169.254, fd00:ec2::254, 169.254.170.2"),
        "{stdout}"
    );
    let log = proxy.log_text();
    assert!(
        !log.contains("169.254.169.254") && !log.contains("169.254.170.2"),
        "a metadata request went to the proxy:\n{log}"
    );
}

#[tokio::test]
async fn a_proxy_that_wants_a_password_is_named_and_the_password_never_shows() {
    let Some(proxy) = Proxy::start(Some(("ops", "s3cret-pw"))) else {
        return;
    };
    let sim = sim().await;
    let config = demo_config();
    let args = [
        "status",
        "--config",
        config.as_str(),
        "--site",
        "pay",
        "--output",
        "json",
    ];
    // Without credentials: the proxy is named, and what to do.
    let env = with(sim.env_vars(), "HTTP_PROXY", &proxy.url());
    let (out, _) = run(&env, &args).await;
    let errors = all_errors(&json(&out)).join("\n");
    assert!(
        errors.contains(&format!(
            "the HTTP proxy {} requires authentication (407 Proxy Authentication Required): put user:password@ in the proxy URL",
            proxy.url()
        )),
        "{errors}"
    );
    assert_ne!(out.status.code(), Some(0));
    // A wrong password: said as refused (not "put user:password@", which is there), in
    // `status` and in `doctor`, which fails the endpoints (exit 8) rather than calling them ok.
    let wrong = format!("http://ops:not-the-pw@127.0.0.1:{}", proxy.port);
    let env = with(sim.env_vars(), "HTTP_PROXY", &wrong);
    let (out, _) = run(&env, &args).await;
    let errors = all_errors(&json(&out)).join("\n");
    assert!(
        errors.contains(&format!(
            "the HTTP proxy http://ops:***@127.0.0.1:{} refused the user and password in the proxy URL",
            proxy.port
        )) && errors.contains("check them (the password is never shown)"),
        "{errors}"
    );
    assert!(!errors.contains("not-the-pw"), "{errors}");
    assert_ne!(out.status.code(), Some(0));
    let (doctor, _) = run(&env, &["doctor", "--config", &config, "--site", "pay"]).await;
    let said = String::from_utf8_lossy(&doctor.stdout);
    assert_eq!(doctor.status.code(), Some(8), "{said}");
    assert!(said.contains("refused the user and password"), "{said}");
    assert!(!said.contains("not-the-pw"), "{said}");
    // With user:pass@: it works, and the password appears nowhere.
    let url = format!("http://ops:s3cret-pw@127.0.0.1:{}", proxy.port);
    let env = with(sim.env_vars(), "HTTP_PROXY", &url);
    let (out, log) = run(&env, &args).await;
    let report = json(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert!(all_errors(&report).is_empty());
    let (doctor, doctor_log) = run(&env, &["doctor", "--config", &config, "--site", "pay"]).await;
    assert_eq!(doctor.status.code(), Some(0));
    let doctor_out = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        doctor_out.contains("http://ops:***@127.0.0.1:"),
        "{doctor_out}"
    );
    for text in [
        log,
        doctor_log,
        doctor_out.to_string(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    ] {
        assert!(!text.contains("s3cret-pw"), "the password leaked:\n{text}");
    }
}

#[tokio::test]
async fn a_proxy_that_is_down_is_named_in_status_and_doctor() {
    let port = free_port();
    let sim = sim().await;
    let url = format!("http://127.0.0.1:{port}");
    let env = with(sim.env_vars(), "HTTP_PROXY", &url);
    let config = demo_config();
    let (out, _) = run(
        &env,
        &[
            "status", "--config", &config, "--site", "pay", "--output", "json",
        ],
    )
    .await;
    let errors = all_errors(&json(&out)).join("\n");
    assert!(
        errors.contains(&format!(
            "cannot reach the HTTP proxy {url}: Connection refused"
        )),
        "{errors}"
    );
    assert_eq!(
        out.status.code(),
        Some(14),
        "nothing could be read: UNKNOWN"
    );
    let (out, _) = run(&env, &["doctor", "--config", &config, "--site", "pay"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(8), "{stdout}");
    assert!(
        stdout.contains(&format!("cannot reach the HTTP proxy {url}")),
        "{stdout}"
    );
    // The emulator never saw a call.
    assert_eq!(sim.calls().calls.values().sum::<u64>(), 0);
}

#[tokio::test]
async fn a_maintenance_round_trip_goes_through_the_proxy() {
    let Some(proxy) = Proxy::start(None) else {
        return;
    };
    let path = root().join("assets/scenarios/demo.toml");
    let mut opts = SimOptions::new(switchyard_sim::Scenario::load(&path).unwrap());
    opts.speed = 30.0;
    let sim = start(opts).await.unwrap();
    let env = with(sim.env_vars(), "HTTP_PROXY", &proxy.url());
    let config = demo_config();
    for direction in ["on", "off"] {
        let (out, _) = run(
            &env,
            &[
                "maintenance",
                direction,
                "--config",
                &config,
                "--site",
                "pay",
                "--yes",
                // The sorry and app target groups are used by no listener in turn: their
                // checks cannot be made (AWS does not health-check them).
                "--force",
                "--wait",
                "--timeout",
                "5m",
            ],
        )
        .await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "maintenance {direction}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let calls = sim.calls().calls;
    let served: u64 = calls.values().sum();
    assert!(calls.contains_key("elbv2:ModifyListener"), "{calls:?}");
    assert!(
        calls.contains_key("route53:ChangeResourceRecordSets"),
        "{calls:?}"
    );
    let through_proxy = proxy
        .requests()
        .iter()
        .filter(|l| l.contains(&format!("http://127.0.0.1:{}/", sim.port())))
        .count() as u64;
    assert_eq!(
        through_proxy, served,
        "the emulator served {served} calls; the proxy forwarded {through_proxy}"
    );
}

/// The client's-eye probe from a bastion behind its proxy: the probe's HTTPS request goes through
/// the real proxy (CONNECT), which reaches the internet (here the emulator's data plane, as its
/// upstream); what clients get is read through it, entering maintenance and leaving it.
#[tokio::test]
async fn the_probe_fetches_through_the_real_proxy() {
    let sim = sim().await;
    let Some(proxy) = Proxy::start_with(None, &format!("Upstream http 127.0.0.1:{}\n", sim.port()))
    else {
        return;
    };
    // The probe uses the proxy clients of this machine use: HTTPS_PROXY (the AWS endpoint is
    // plain http and goes direct).
    let env: Vec<(String, String)> = sim
        .env_vars()
        .into_iter()
        .filter(|(k, _)| k != "SWITCHYARD_PROBE_PROXY")
        .collect();
    let env = with(env, "HTTPS_PROXY", &proxy.url());
    let report = shop_status(&env).await;
    let probe = &report["sites"][0]["probe"];
    assert_eq!(probe["side"], "app", "{report}");
    assert_eq!(probe["seen"]["proxy"], proxy.url(), "{report}");
    let log = proxy.log_text();
    assert!(
        log.contains("Found upstream proxy") && log.contains("www.example.com"),
        "the probe's CONNECT went through the proxy: {log}"
    );

    switch_shop(&env, "on").await;
    // Route 53 fails over once the inverted check is seen unhealthy, and clients' caches let
    // go of the old answer after its TTL.
    sim.control(switchyard_sim::Control::AdvanceClock { seconds: 180.0 })
        .unwrap();
    let report = shop_status(&env).await;
    let probe = &report["sites"][0]["probe"];
    assert_eq!(probe["side"], "sorry", "{report}");
    assert_eq!(probe["seen"]["via"], "cloudfront", "{report}");
    assert_eq!(probe["seen"]["proxy"], proxy.url(), "{report}");

    // And leaving it: after the fail back, clients behind the proxy get the app again.
    switch_shop(&env, "off").await;
    sim.control(switchyard_sim::Control::AdvanceClock { seconds: 180.0 })
        .unwrap();
    let report = shop_status(&env).await;
    let probe = &report["sites"][0]["probe"];
    assert_eq!(probe["side"], "app", "{report}");
    assert_eq!(probe["seen"]["proxy"], proxy.url(), "{report}");
}
