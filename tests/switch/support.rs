//! The emulator in this process, the real binary pointed at it, and a snapshot of everything a
//! switch may touch, compared field by field.

use std::fmt;
use std::path::PathBuf;
use std::process::Stdio;

use aws_config::{BehaviorVersion, Region};
use switchyard::aws::client::{Clients, Target, clients};
use switchyard::aws::proxy::ProxySettings;
use switchyard::aws::{cloudfront, cloudwatch, elbv2, route53};
use switchyard::model::cloudfront::Distribution;
use switchyard::model::cloudwatch::{Alarm, AlarmState};
use switchyard::model::elb::{Listener, LoadBalancerKind, Rule};
use switchyard::model::route53::{HealthCheck, RecordSet};
use switchyard_sim::{Control, FaultKind, FaultSpec, Scenario, SimHandle, SimOptions, start};

pub const SHOP_CHECK: &str = "0b6f2e4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b";
const T0_MS: i64 = 1_795_312_800_000;

/// One site of the demo with three strategies, each step a different AWS operation.
pub const MULTI: &str = r#"
[defaults]
region = "eu-west-1"

[[site]]
name = "shop"
zone = "Z0DEMO0EXAMPLE"
record = "www.example.com"

[[site.maintenance]]
strategy = "route53-invert-health-check"

[[site.maintenance]]
strategy = "silence-alarms"
alarms = ["shop-app-1-StatusCheckFailed"]

[[site.maintenance]]
strategy = "cloudfront-invalidate"
paths = ["/maintenance.html"]
"#;

/// Sites set up to meet the preflight refusals: a sorry target group that can be made
/// unhealthy (portal's app, stopped), and a failover pair whose secondary gets a health check.
pub const REFUSALS: &str = r#"
[defaults]
region = "eu-west-1"

[[site]]
name = "pay"
zone = "Z0DEMO0EXAMPLE"
record = "pay.example.com"

[[site.maintenance]]
strategy = "elb-listener-sorry"
listener = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/pay-nlb/2b3c4d5e6f708192/8a9b0c1d2e3f4a5b"
sorry_target_group = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/portal-app/6f5e4d3c2b1a0987"

[[site]]
name = "shop"
zone = "Z0DEMO0EXAMPLE"
record = "www.example.com"

[[site.maintenance]]
strategy = "route53-invert-health-check"
"#;

/// The result of one run of the binary.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Display for Out {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// An emulator, a config, and a private state folder for the audit log.
pub struct Env {
    pub sim: SimHandle,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
}

fn scenario(name: &str) -> Scenario {
    let path = format!(
        "{}/assets/scenarios/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    Scenario::load(std::path::Path::new(&path)).unwrap()
}

impl Env {
    async fn make(scenario_name: &str, config: Config, speed: f64, paused: bool) -> Env {
        let mut opts = SimOptions::new(scenario(scenario_name));
        opts.speed = speed;
        opts.paused = paused;
        opts.start = Some(T0_MS);
        let sim = start(opts).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let config = match config {
            Config::Asset(name) => PathBuf::from(format!(
                "{}/assets/configs/{name}.toml",
                env!("CARGO_MANIFEST_DIR")
            )),
            Config::Text(text) => {
                let p = dir.path().join("config.toml");
                std::fs::write(&p, text).unwrap();
                p
            }
        };
        Env { sim, dir, config }
    }

    /// The emulator on a scenario with its clock running `speed` times real time.
    pub async fn start(scenario: &str, config: &str, speed: f64) -> Env {
        Env::make(scenario, Config::Asset(config.to_string()), speed, false).await
    }

    pub async fn start_with_config(scenario: &str, text: &str, speed: f64) -> Env {
        Env::make(scenario, Config::Text(text.to_string()), speed, false).await
    }

    /// The emulator with its clock paused (moved with [`advance`]).
    pub async fn start_paused(scenario: &str, config: &str) -> Env {
        Env::make(scenario, Config::Asset(config.to_string()), 1.0, true).await
    }

    pub async fn start_with_config_paused(scenario: &str, text: &str) -> Env {
        Env::make(scenario, Config::Text(text.to_string()), 1.0, true).await
    }

    pub fn audit_log(&self) -> PathBuf {
        self.dir.path().join("audit.jsonl")
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        command(&self.sim.env_vars(), self.dir.path(), &self.config, args)
    }

    /// Runs the binary to the end.
    pub async fn run(&self, args: &[&str]) -> Out {
        self.spawn_output(args).await
    }

    /// Injects a fault into calls of one operation (`times` None: until cleared).
    pub fn fault(&self, service: &str, operation: &str, kind: FaultKind, times: Option<u32>) {
        self.sim
            .control(Control::Fault(FaultSpec {
                service: Some(service.into()),
                operation: Some(operation.into()),
                kind,
                times,
                body_contains: None,
            }))
            .unwrap();
    }

    /// Injects a fault into the calls of one operation whose request body holds `body` (a
    /// record name: one write among others of the same operation), until cleared.
    #[allow(dead_code)]
    pub fn fault_body(&self, service: &str, operation: &str, body: &str, kind: FaultKind) {
        self.sim
            .control(Control::Fault(FaultSpec {
                service: Some(service.into()),
                operation: Some(operation.into()),
                kind,
                times: None,
                body_contains: Some(body.into()),
            }))
            .unwrap();
    }

    /// The binary as run on another machine: its own HOME, state and audit log in `home`, and
    /// `host` as its HOSTNAME.
    #[allow(dead_code)]
    pub async fn run_on(&self, home: &std::path::Path, host: &str, args: &[&str]) -> Out {
        let mut cmd = command(&self.sim.env_vars(), home, &self.config, args);
        cmd.env("HOSTNAME", host);
        output(cmd).await
    }

    /// `report --site <site>` into a new folder, as run on this machine (`here`) or on another
    /// one (bastion-2, with its own HOME: no audit log, no events, the AWS history only);
    /// asserts it exits 0 and gives the folder.
    #[allow(dead_code)]
    pub async fn report(&self, site: &str, here: bool) -> tempfile::TempDir {
        let out = tempfile::tempdir().unwrap();
        let args = [
            "report",
            "--site",
            site,
            "--out",
            out.path().to_str().unwrap(),
        ];
        let made = if here {
            self.run(&args).await
        } else {
            let other = tempfile::tempdir().unwrap();
            self.run_on(other.path(), "bastion-2", &args).await
        };
        assert_eq!(made.code, 0, "{made}");
        out
    }

    pub fn clear_faults(&self) {
        self.sim
            .control(Control::ClearFaults {
                service: None,
                operation: None,
            })
            .unwrap();
    }

    /// `maintenance on|off --site S --yes` and more arguments.
    pub async fn switch(&self, direction: &str, site: &str, more: &[&str]) -> Out {
        let mut args = vec!["maintenance", direction, "--site", site, "--yes"];
        args.extend_from_slice(more);
        self.run(&args).await
    }

    /// [`Env::switch`], and when it is refused only for checks that could not be made (`[??]`,
    /// none `[FAILED]`), again with `--force`, as an operator who checked by hand would: a
    /// round trip through a state AWS does not health-check (an unused target group).
    #[allow(dead_code)]
    pub async fn switch_past_unchecked(&self, direction: &str, site: &str, more: &[&str]) -> Out {
        let out = self.switch(direction, site, more).await;
        if out.code != 4
            || more.contains(&"--force")
            || !out.stdout.contains("[??]")
            || out.stdout.contains("[FAILED]")
        {
            return out;
        }
        let mut forced = more.to_vec();
        forced.push("--force");
        self.switch(direction, site, &forced).await
    }

    /// Runs the binary to the end (a future, to run several at once).
    pub fn spawn_output(&self, args: &[&str]) -> impl std::future::Future<Output = Out> + use<> {
        output(self.command(args))
    }

    /// [`Env::spawn_output`] with more environment variables (`HOSTNAME`: another machine).
    #[allow(dead_code)]
    pub fn spawn_output_env(
        &self,
        args: &[&str],
        vars: &[(&str, &str)],
    ) -> impl std::future::Future<Output = Out> + use<> {
        let mut cmd = self.command(args);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        output(cmd)
    }

    /// Starts the binary and returns the child (to kill it).
    pub fn spawn(&self, args: &[&str]) -> tokio::process::Child {
        self.command(args).spawn().unwrap()
    }

    /// The clients as production builds them, pointed at the emulator.
    pub async fn clients(&self) -> Clients {
        clients_at(&self.sim.endpoint(), self.sim.region()).await
    }

    /// A site of the config.
    pub fn site(&self, name: &str) -> switchyard::config::Site {
        switchyard::config::load(&self.config)
            .unwrap()
            .site(name)
            .unwrap()
            .clone()
    }
}

/// The binary with `vars` (where AWS is), a private HOME and audit log in `dir`, and `config`.
pub fn command(
    vars: &[(String, String)],
    dir: &std::path::Path,
    config: &std::path::Path,
    args: &[&str],
) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchyard"));
    cmd.arg("--config").arg(config).args(args);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.env("HOME", dir)
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("SWITCHYARD_AUDIT_LOG", dir.join("audit.jsonl"))
        .env_remove("SWITCHYARD_CONFIG")
        .env_remove("SWITCHYARD_READ_ONLY")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Runs a command to the end (3 minutes at most).
pub fn output(mut cmd: tokio::process::Command) -> impl std::future::Future<Output = Out> {
    let child = cmd.spawn().unwrap();
    async move {
        let out = tokio::time::timeout(
            std::time::Duration::from_secs(180),
            child.wait_with_output(),
        )
        .await
        .expect("the binary did not finish within 3 minutes")
        .unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The clients as production builds them (proxy-aware HTTP client, global services pinned to
/// us-east-1), pointed at `endpoint` with test credentials.
pub async fn clients_at(endpoint: &str, region: &str) -> Clients {
    let target = Target {
        region: Some(region.to_string()),
        endpoint_url: Some(endpoint.to_string()),
        ..Target::default()
    };
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .http_client(ProxySettings::default().http_client().unwrap())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await;
    clients(&target, &sdk)
}

enum Config {
    Asset(String),
    Text(String),
}

pub fn advance(sim: &SimHandle, seconds: f64) {
    sim.control(Control::AdvanceClock { seconds }).unwrap();
}

/// Everything a switch may change, read through the AWS API.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    /// Every record of every zone (the journal TXT records included), but the switch
    /// histories (`_switchyard-log...`): they keep every switch, as they should, and a round
    /// trip leaves them longer.
    pub records: Vec<RecordSet>,
    /// Every health check, with its version set to 0 (AWS bumps it on every update).
    pub health_checks: Vec<HealthCheck>,
    pub listeners: Vec<Listener>,
    pub rules: Vec<(String, Vec<Rule>)>,
    /// Every alarm, without its state (which follows the metrics).
    pub alarms: Vec<Alarm>,
    pub distributions: Vec<Distribution>,
}

pub async fn snapshot(c: &Clients) -> Snapshot {
    let mut records = Vec::new();
    let zones = c.route53.list_hosted_zones().send().await.unwrap();
    for z in zones.hosted_zones() {
        let mut start: Option<(String, String, Option<String>)> = None;
        loop {
            let mut req = c.route53.list_resource_record_sets().hosted_zone_id(z.id());
            if let Some((name, rtype, id)) = &start {
                req = req
                    .start_record_name(name)
                    .start_record_type(aws_sdk_route53::types::RrType::from(rtype.as_str()));
                if let Some(id) = id {
                    req = req.start_record_identifier(id);
                }
            }
            let page = req.send().await.unwrap();
            records.extend(
                page.resource_record_sets()
                    .iter()
                    .map(route53::record_from_sdk),
            );
            if !page.is_truncated() {
                break;
            }
            start = Some((
                page.next_record_name().unwrap().to_string(),
                page.next_record_type().unwrap().as_str().to_string(),
                page.next_record_identifier().map(str::to_string),
            ));
        }
    }
    records.retain(|r| !r.name.starts_with("_switchyard-log"));
    let mut health_checks = route53::health_checks(&c.route53).await.unwrap();
    for h in &mut health_checks {
        h.version = 0;
    }
    let mut listeners = Vec::new();
    let mut rules = Vec::new();
    for lb in elbv2::load_balancers(&c.elbv2).await.unwrap() {
        let ls = elbv2::listeners(&c.elbv2, &lb.arn).await.unwrap();
        if lb.kind == LoadBalancerKind::Application {
            for l in &ls {
                rules.push((l.arn.clone(), elbv2::rules(&c.elbv2, &l.arn).await.unwrap()));
            }
        }
        listeners.extend(ls);
    }
    let mut alarms = cloudwatch::alarms(&c.cloudwatch).await.unwrap();
    for a in &mut alarms {
        a.state = AlarmState::Ok;
        a.reason = String::new();
        a.state_updated = None;
    }
    let distributions = cloudfront::distributions(&c.cloudfront).await.unwrap();
    Snapshot {
        records,
        health_checks,
        listeners,
        rules,
        alarms,
        distributions,
    }
}

/// An UpdateDistribution with the same config: the distribution is InProgress until deployed.
pub async fn redeploy_distribution(c: &Clients, id: &str) {
    let got = c
        .cloudfront
        .get_distribution_config()
        .id(id)
        .send()
        .await
        .unwrap();
    c.cloudfront
        .update_distribution()
        .id(id)
        .if_match(got.e_tag().unwrap())
        .distribution_config(got.distribution_config().unwrap().clone())
        .send()
        .await
        .unwrap();
}

/// Gives www's SECONDARY record a health check.
pub async fn give_secondary_a_health_check(c: &Clients, health_check: &str) {
    let at = route53::records_at(
        &c.route53,
        "Z0DEMO0EXAMPLE",
        "www.example.com",
        "_switchyard.www.example.com",
    )
    .await
    .unwrap();
    let mut secondary = at
        .records
        .into_iter()
        .find(|r| r.set_identifier.as_deref() == Some("www-secondary"))
        .unwrap();
    secondary.health_check_id = Some(health_check.to_string());
    route53::change_records(
        &c.route53,
        "Z0DEMO0EXAMPLE",
        &[(route53::RecordAction::Upsert, secondary)],
        "test",
    )
    .await
    .unwrap();
}

/// The Markdown report in `dir` (the one `report --out dir` wrote).
#[allow(dead_code)]
pub fn report_markdown(dir: &std::path::Path) -> String {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .unwrap_or_else(|| panic!("no report in {}", dir.display()))
}
