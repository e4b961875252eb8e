//! The simulated AWS world: every resource the emulator serves, and a clock that moves it.
//!
//! The world advances lazily: every request first brings it to the current simulated time by
//! running the periodic tasks that fell due (checker probes, target health checks, the minute tick
//! that publishes metrics and evaluates alarms) in time order. What is a pure function of time
//! (a change turning INSYNC, a distribution turning Deployed, a target draining) is computed when
//! it is read.

pub mod client;
pub mod cloudfront;
pub mod cloudwatch;
pub mod ec2;
pub mod elb;
pub mod route53;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use cloudfront::CloudFront;
use cloudwatch::{CloudWatch, MetricKey};
use ec2::{Behaviour, Instance, Origin, Page, Probe, SORRY_PAGE, reason_phrase};
use elb::{
    Elb, LoadBalancer, Request, TState, Target, TargetGroup, TargetHealth, action_target_groups,
};
use route53::{AliasTarget, HealthCheck, RecordSet, Route53, Zone, fqdn};

use crate::proto::Doc;

/// What a Route 53 checker reports when it cannot connect.
const CONNECTION_TIMED_OUT: &str = "Failure: Connection timed out. The endpoint or the internet connection is down, or requests are being blocked by your firewall. See https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-router-firewall-rules.html";

/// What a Route 53 checker reports when an endpoint that needs SNI gets none: the status the
/// Route 53 API reference gives (HealthCheckConfig, EnableSNI).
const SSL_HANDSHAKE_FAILURE: &str = "Failure: SSL alert handshake_failure";

/// What a Route 53 checker reports when an HTTP(S) endpoint sends no status code within 2 s of
/// the connection. AWS documents the limit, not the wording; this says what happened.
const RESPONSE_TIMED_OUT: &str = "Failure: Response timed out. The endpoint did not send an HTTP status code within 2 seconds after the connection was established.";

/// Simulated time: milliseconds since the Unix epoch.
pub type Ms = i64;

pub const MINUTE: Ms = 60_000;

/// ISO 8601 with milliseconds, as AWS writes timestamps in reason data.
pub fn iso_ms(t: Ms) -> String {
    crate::proto::query::iso8601(t as f64 / 1000.0)
}

/// `dd/MM/yy HH:mm:ss`, as alarm reasons write datapoint times.
pub fn fmt_reason_time(t: Ms) -> String {
    let dt = time::OffsetDateTime::from_unix_timestamp(t.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:02}/{:02}/{:02} {:02}:{:02}:{:02}",
        dt.day(),
        u8::from(dt.month()),
        dt.year() % 100,
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

pub fn secs(t: Ms) -> f64 {
    t as f64 / 1000.0
}

/// The simulated clock: real time times a speed factor, which can be paused and moved by hand.
#[derive(Clone, Debug)]
pub struct Clock {
    base_sim: Ms,
    base_real: Instant,
    speed: f64,
    paused: bool,
}

impl Clock {
    pub fn new(start: Ms, speed: f64, paused: bool) -> Clock {
        Clock {
            base_sim: start,
            base_real: Instant::now(),
            speed: speed.max(0.0),
            paused,
        }
    }

    pub fn now(&self) -> Ms {
        if self.paused {
            self.base_sim
        } else {
            self.base_sim + (self.base_real.elapsed().as_secs_f64() * 1000.0 * self.speed) as Ms
        }
    }

    fn rebase(&mut self) {
        self.base_sim = self.now();
        self.base_real = Instant::now();
    }

    pub fn set_speed(&mut self, speed: f64) {
        self.rebase();
        self.speed = speed.max(0.0);
    }

    pub fn pause(&mut self) {
        self.rebase();
        self.paused = true;
    }

    pub fn resume(&mut self) {
        self.rebase();
        self.paused = false;
    }

    pub fn advance(&mut self, ms: Ms) {
        self.rebase();
        self.base_sim += ms.max(0);
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    pub fn paused(&self) -> bool {
        self.paused
    }
}

/// Deterministic identifiers, so that a scenario gives the same IDs on every run.
#[derive(Clone, Debug)]
pub struct IdGen(u64);

impl IdGen {
    pub fn new(seed: &str) -> IdGen {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        IdGen(h | 1)
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `[0, 1)`, the next of the sequence.
    pub fn unit(&mut self) -> f64 {
        (self.next() % 10_000) as f64 / 10_000.0
    }

    fn pick(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }

    pub fn upper(&mut self, n: usize) -> String {
        self.pick(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", n)
    }

    pub fn lower(&mut self, n: usize) -> String {
        self.pick(b"abcdefghijklmnopqrstuvwxyz0123456789", n)
    }

    pub fn hex(&mut self, n: usize) -> String {
        self.pick(b"0123456789abcdef", n)
    }

    pub fn digits(&mut self, n: usize) -> String {
        self.pick(b"0123456789", n)
    }

    pub fn uuid(&mut self) -> String {
        format!(
            "{}-{}-{}-{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(4),
            self.hex(4),
            self.hex(12)
        )
    }

    /// The IPv6 address that stands for an IPv4 address of the world: in 2001:db8::/32 (the
    /// documentation range), derived without drawing, so that adding it changes no other ID.
    pub fn ipv6_of(v4: &str) -> String {
        let o: Vec<u16> = v4.split('.').filter_map(|x| x.parse().ok()).collect();
        match o.as_slice() {
            [a, b, c, d] => format!("2001:db8::{:x}:{:x}", a << 8 | b, c << 8 | d),
            _ => "2001:db8::1".to_string(),
        }
    }

    /// An address in 198.18.0.0/15 (a range set aside for benchmarks, never routed).
    pub fn ip(&mut self) -> String {
        format!(
            "198.{}.{}.{}",
            18 + self.next() % 2,
            self.next() % 256,
            1 + self.next() % 254
        )
    }
}

/// How long things take. The defaults follow what AWS usually takes.
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Timing {
    /// From ChangeResourceRecordSets to INSYNC.
    pub change_insync_secs: i64,
    /// From UpdateDistribution to Deployed.
    pub distribution_deploy_secs: i64,
    /// From CreateInvalidation to Completed.
    pub invalidation_secs: i64,
    pub instance_start_secs: i64,
    pub instance_stop_secs: i64,
    /// Whether the three propagation times above vary from change to change (from 0.75 to 1.5
    /// times the value, deterministic for a scenario), as AWS's do ("usually within 60 s").
    pub spread: bool,
    /// How long Route 53 takes to process a ChangeResourceRecordSets request before it takes
    /// the next one for the same hosted zone; a request that arrives sooner is refused with
    /// PriorRequestNotComplete. 0 (the default): every request is processed before the next
    /// arrives, as for one client calling in turn.
    pub change_processing_ms: i64,
    /// How long the world runs before the scenario's "now", so that it starts settled.
    pub warmup_secs: i64,
    /// How long after the end of the minute it describes an `AWS/EC2` status check datapoint
    /// (`StatusCheckFailed`, `_Instance`, `_System`) reaches CloudWatch. Alarms evaluate what has
    /// arrived, so they lag an impairment by this much more. AWS documents no figure: the
    /// CloudWatch user guide ("Configuring how CloudWatch alarms treat missing data") only has
    /// alarms read more periods than they evaluate because datapoints can arrive late. About 2
    /// minutes for 1-minute metrics is what monitoring vendors report (an observation, not an
    /// AWS figure). 0 (the default): at the end of the minute, as before.
    pub ec2_metric_delay_secs: i64,
    /// How long the checkers of a region removed from a health check's `Regions` keep checking
    /// (and reporting in GetHealthCheckStatus): the Route 53 API reference (HealthCheckConfig,
    /// Regions) says "If you update a health check to remove a region that has been performing
    /// health checks, Route 53 will briefly continue to perform checks from that region", with
    /// no figure.
    pub removed_region_secs: i64,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            change_insync_secs: 40,
            distribution_deploy_secs: 240,
            invalidation_secs: 60,
            instance_start_secs: 30,
            instance_stop_secs: 15,
            spread: true,
            change_processing_ms: 0,
            warmup_secs: 900,
            ec2_metric_delay_secs: 0,
            removed_region_secs: 600,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Task {
    /// Publish the metrics of the minute that ended, then evaluate alarms.
    Minute,
    /// One region's checker of one health check (`generation`: the checker's; a checker of the
    /// same region made later has another, and its own task).
    Checker {
        hc: String,
        region: String,
        generation: u64,
    },
    /// One round of a target group's health checks.
    TargetGroup { arn: String },
}

/// One target health check: passed, or the reason code and description of the failure.
type CheckResult = (bool, Option<(String, String)>);

/// What TestDNSAnswer finds for a name.
#[derive(Clone, Debug, PartialEq)]
pub struct DnsAnswer {
    pub values: Vec<String>,
    /// NOERROR or NXDOMAIN.
    pub code: &'static str,
    /// The record set that answered.
    pub record: Option<RecordSet>,
}

pub struct World {
    pub clock: Clock,
    /// The time the world has been brought to.
    pub now: Ms,
    pub ids: IdGen,
    pub timing: Timing,
    pub account_id: String,
    pub caller_arn: String,
    pub caller_user_id: String,
    /// Other callers, by the access key ID their requests are signed with: GetCallerIdentity
    /// answers each its own ARN (any other key: `caller_arn`).
    pub callers: std::collections::BTreeMap<String, String>,
    /// The region of the load balancers, instances and their alarms.
    pub region: String,
    pub instances: Vec<Instance>,
    pub origins: Vec<Origin>,
    pub r53: Route53,
    pub cw: CloudWatch,
    pub elb: Elb,
    pub cf: CloudFront,
    tasks: BinaryHeap<Reverse<(Ms, u64, Task)>>,
    task_seq: u64,
    /// What the world was made from (the scenario's name): propagation times vary with it.
    seed: String,
    /// Regions whose Route 53 checkers reach no endpoint (a partial, regional outage).
    pub checker_outages: std::collections::BTreeSet<String>,
    /// What clients keep: their resolvers' answers, CloudFront's cached errors.
    pub client: client::ClientCaches,
    /// Datapoints on their way to CloudWatch: (when they arrive, metric, time, value), in the
    /// order they arrive (see [`Timing::ec2_metric_delay_secs`]).
    metrics_in_flight: std::collections::VecDeque<(Ms, MetricKey, Ms, f64)>,
}

impl World {
    pub fn new(seed: &str, start: Ms, speed: f64, paused: bool) -> World {
        World {
            clock: Clock::new(start, speed, paused),
            now: start,
            ids: IdGen::new(seed),
            timing: Timing::default(),
            account_id: "123456789012".into(),
            caller_arn: "arn:aws:iam::123456789012:user/operator".into(),
            caller_user_id: "AIDASAMPLEUSERID00001".into(),
            callers: std::collections::BTreeMap::new(),
            region: "eu-west-1".into(),
            instances: Vec::new(),
            origins: Vec::new(),
            r53: Route53::default(),
            cw: CloudWatch::default(),
            elb: Elb::default(),
            cf: CloudFront::default(),
            tasks: BinaryHeap::new(),
            task_seq: 0,
            seed: seed.to_string(),
            checker_outages: Default::default(),
            client: Default::default(),
            metrics_in_flight: Default::default(),
        }
    }

    /// A propagation time of `secs` seconds for the change `key`: with [`Timing::spread`], from
    /// 0.75 to 1.5 times it, the same for the same scenario and change on every run.
    pub fn propagation_ms(&self, secs: i64, key: &str) -> Ms {
        let base = secs.max(0) * 1000;
        if !self.timing.spread {
            return base;
        }
        let unit = IdGen::new(&format!("{}/{key}", self.seed)).unit();
        (base as f64 * (0.75 + 0.75 * unit)) as Ms
    }

    fn schedule(&mut self, at: Ms, task: Task) {
        self.task_seq += 1;
        self.tasks.push(Reverse((at, self.task_seq, task)));
    }

    /// Starts the periodic tasks of everything in the world. Call once, after loading.
    pub fn start_tasks(&mut self) {
        let first_minute = self.now - self.now.rem_euclid(MINUTE) + MINUTE;
        self.schedule(first_minute, Task::Minute);
        let ids: Vec<String> = self
            .r53
            .health_checks
            .iter()
            .map(|h| h.id.clone())
            .collect();
        for id in ids {
            self.start_checkers(&id);
        }
        let tgs: Vec<(String, i64)> = self
            .elb
            .tgs
            .iter()
            .map(|t| (t.arn.clone(), t.hc.interval))
            .collect();
        for (arn, interval) in tgs {
            let offset = self.stagger(&arn, 0, interval * 1000);
            self.schedule(self.now + offset, Task::TargetGroup { arn });
        }
    }

    /// A fixed offset within a period, so that checks are spread out but repeatable.
    fn stagger(&self, key: &str, index: usize, period: Ms) -> Ms {
        let h = key.bytes().fold(index as u64 * 7919 + 17, |acc, b| {
            acc.wrapping_mul(131).wrapping_add(u64::from(b))
        });
        (h % period.max(1) as u64) as Ms
    }

    /// Brings the world to the clock's current time.
    pub fn sync(&mut self) {
        let t = self.clock.now();
        self.step_to(t);
    }

    /// Runs every task that falls due up to `t`, in time order.
    pub fn step_to(&mut self, t: Ms) {
        while let Some(Reverse((at, _, _))) = self.tasks.peek() {
            if *at > t {
                break;
            }
            let Some(Reverse((at, _, task))) = self.tasks.pop() else {
                break;
            };
            self.now = at;
            self.run(task);
        }
        self.now = self.now.max(t);
        self.land_metrics(t);
        for zone in &mut self.r53.zones {
            zone.publish_until(t);
        }
        for tg in &mut self.elb.tgs {
            let delay = tg.deregistration_delay * 1000;
            tg.targets
                .retain(|target| target.deregistered_at.is_none_or(|d| t < d + delay));
        }
    }

    fn run(&mut self, task: Task) {
        match task {
            Task::Minute => {
                self.minute_tick();
                self.schedule(self.now + MINUTE, Task::Minute);
            }
            Task::Checker {
                hc,
                region,
                generation,
            } => {
                if let Some(next) = self.run_checker(&hc, &region, generation) {
                    self.schedule(
                        self.now + next,
                        Task::Checker {
                            hc,
                            region,
                            generation,
                        },
                    );
                }
            }
            Task::TargetGroup { arn } => {
                if let Some(interval) = self.run_target_checks(&arn) {
                    self.schedule(self.now + interval * 1000, Task::TargetGroup { arn });
                }
            }
        }
    }

    fn minute_tick(&mut self) {
        let t = self.now;
        let minute_start = t - MINUTE;
        for inst in &self.instances {
            // An instance publishes its metrics in its region (its zone without the letter).
            let region = inst
                .az
                .trim_end_matches(|c: char| c.is_ascii_lowercase())
                .to_string();
            let region = if region.ends_with(|c: char| c.is_ascii_digit()) {
                region
            } else {
                self.region.clone()
            };
            if inst.running_at(t) && inst.running_at(minute_start) {
                // EC2 user guide, "Status check metrics": StatusCheckFailed_Instance and
                // StatusCheckFailed_System report each check, StatusCheckFailed either of them.
                let flag = |b: bool| if b { 1.0 } else { 0.0 };
                let dims = vec![("InstanceId".to_string(), inst.id.clone())];
                let arrives = t + self.timing.ec2_metric_delay_secs.max(0) * 1000;
                for (name, v) in [
                    ("StatusCheckFailed", flag(inst.impaired || inst.host_failed)),
                    ("StatusCheckFailed_Instance", flag(inst.impaired)),
                    ("StatusCheckFailed_System", flag(inst.host_failed)),
                ] {
                    self.metrics_in_flight.push_back((
                        arrives,
                        MetricKey::new(&region, "AWS/EC2", name, dims.clone()),
                        minute_start,
                        v,
                    ));
                }
            }
        }
        self.elb_host_counts(t, minute_start);
        self.land_metrics(t);
        let hc_metrics: Vec<(String, f64, Option<f64>)> = self
            .r53
            .health_checks
            .iter()
            .filter(|hc| t >= hc.metrics_from)
            .map(|hc| {
                let status = if self.hc_healthy(&hc.id).unwrap_or(false) {
                    1.0
                } else {
                    0.0
                };
                let pct = hc.cfg.probes_an_endpoint().then(|| hc.percent_healthy());
                (hc.id.clone(), status, pct)
            })
            .collect();
        for (id, status, pct) in hc_metrics {
            let dims = vec![("HealthCheckId".to_string(), id)];
            self.cw.put(
                MetricKey::new(
                    "us-east-1",
                    "AWS/Route53",
                    "HealthCheckStatus",
                    dims.clone(),
                ),
                minute_start,
                status,
            );
            if let Some(pct) = pct {
                self.cw.put(
                    MetricKey::new(
                        "us-east-1",
                        "AWS/Route53",
                        "HealthCheckPercentageHealthy",
                        dims,
                    ),
                    minute_start,
                    pct,
                );
            }
        }
        self.cw.evaluate_alarms(t);
    }

    /// `HealthyHostCount` and `UnHealthyHostCount` of every target group, per load balancer
    /// that sends it traffic (ELB user guide, "CloudWatch metrics for your Application Load
    /// Balancer" / "... Network Load Balancer": namespace `AWS/ApplicationELB` or
    /// `AWS/NetworkELB`, dimensions `TargetGroup` and `LoadBalancer`, the ARNs' final parts
    /// `targetgroup/name/id` and `app/name/id`), counted at the end of the minute as
    /// DescribeTargetHealth would report the targets then (targets neither healthy nor unhealthy,
    /// such as initial, draining or unused, are in neither count). They reach CloudWatch with the
    /// same delay as the EC2 status checks ([`Timing::ec2_metric_delay_secs`]). A target group
    /// no load balancer uses has no such metrics.
    fn elb_host_counts(&mut self, t: Ms, minute_start: Ms) {
        let arrives = t + self.timing.ec2_metric_delay_secs.max(0) * 1000;
        let suffix = |arn: &str, after: &str| -> Option<String> {
            arn.split_once(after).map(|(_, rest)| rest.to_string())
        };
        let mut out = Vec::new();
        for tg in &self.elb.tgs {
            let (mut healthy, mut unhealthy) = (0.0, 0.0);
            for target in &tg.targets {
                match self.target_health(tg, target).state {
                    "healthy" => healthy += 1.0,
                    "unhealthy" => unhealthy += 1.0,
                    _ => {}
                }
            }
            let Some(tg_dim) = suffix(&tg.arn, ":").and_then(|r| {
                r.split(':')
                    .find(|p| p.starts_with("targetgroup/"))
                    .map(String::from)
            }) else {
                continue;
            };
            for lb_arn in self.elb.lbs_of_tg(&tg.arn) {
                let Some(lb) = self.elb.lb(lb_arn) else {
                    continue;
                };
                let Some(lb_dim) = suffix(&lb.arn, ":loadbalancer/") else {
                    continue;
                };
                let namespace = if lb.is_network() {
                    "AWS/NetworkELB"
                } else {
                    "AWS/ApplicationELB"
                };
                let dims = vec![
                    ("LoadBalancer".to_string(), lb_dim),
                    ("TargetGroup".to_string(), tg_dim.clone()),
                ];
                for (name, v) in [
                    ("HealthyHostCount", healthy),
                    ("UnHealthyHostCount", unhealthy),
                ] {
                    out.push((
                        arrives,
                        MetricKey::new(&lb.region, namespace, name, dims.clone()),
                        minute_start,
                        v,
                    ));
                }
            }
        }
        self.metrics_in_flight.extend(out);
    }

    /// Datapoints that have reached CloudWatch by `t` go into its store.
    fn land_metrics(&mut self, t: Ms) {
        while self
            .metrics_in_flight
            .front()
            .is_some_and(|(at, ..)| *at <= t)
        {
            if let Some((_, key, at, v)) = self.metrics_in_flight.pop_front() {
                self.cw.put(key, at, v);
            }
        }
    }

    /// Starts a task for each checker of a health check that has none yet.
    fn start_checkers(&mut self, id: &str) {
        let Some(hc) = self.r53.health_check_mut(id) else {
            return;
        };
        let interval = hc.cfg.request_interval;
        let mut new = Vec::new();
        for (i, c) in hc.checkers.iter_mut().enumerate() {
            if c.generation == 0 {
                self.task_seq += 1;
                c.generation = self.task_seq;
                new.push((i, c.region.clone(), c.generation));
            }
        }
        for (index, region, generation) in new {
            let offset = self.stagger(id, index, interval * 1000);
            self.schedule(
                self.now + offset,
                Task::Checker {
                    hc: id.to_string(),
                    region,
                    generation,
                },
            );
        }
    }

    /// One probe by one checker. Returns the time to the next probe (ms), or None when the
    /// health check or checker is gone, or the checker of a removed region has stopped.
    fn run_checker(&mut self, id: &str, region: &str, generation: u64) -> Option<Ms> {
        let t = self.now;
        let hc = self.r53.health_check(id)?;
        let index = hc
            .checkers
            .iter()
            .position(|c| c.region == region && c.generation == generation)?;
        let checker = &hc.checkers[index];
        let interval = hc.cfg.request_interval * 1000;
        let retire_at = checker.retire_at;
        if retire_at.is_some_and(|r| t >= r) {
            self.r53.health_check_mut(id)?.checkers.remove(index);
            return None;
        }
        // The checker of a removed region stops on time.
        let next = retire_at.map_or(interval, |r| interval.min(r - t));
        if hc.cfg.disabled {
            return Some(next);
        }
        let (success, status) = if self.checker_outages.contains(&checker.region) {
            (false, CONNECTION_TIMED_OUT.to_string())
        } else {
            self.probe_health_check(hc)
        };
        let threshold = hc.cfg.failure_threshold;
        let checker = self.r53.health_check_mut(id)?.checkers.get_mut(index)?;
        checker.record(success, status, t, threshold);
        Some(next)
    }

    /// What a Route 53 checker sees of a health check's endpoint, with AWS's status text.
    pub fn probe_health_check(&self, hc: &HealthCheck) -> (bool, String) {
        let cfg = &hc.cfg;
        let port = cfg.default_port();
        let path = cfg.resource_path.as_deref().unwrap_or("/");
        let host = cfg
            .ip
            .clone()
            .or_else(|| cfg.fqdn.clone())
            .unwrap_or_default();
        // Route 53 sends the health check's domain name (else its address) as the Host header.
        let page = self.fetch_host(&host, port, &Request::get(Some(&host), path), 0);
        let is_tcp = cfg.kind == "TCP";
        // The time limits of a checker (Route 53 developer guide, "How Amazon Route 53
        // determines whether a health check is healthy"): a TCP connection within 10 s for TCP
        // checks; for HTTP(S) checks within 4 s, and the HTTP status code within 2 s after.
        let connect_limit_ms = if is_tcp { 10_000 } else { 4_000 };
        if page.probe.connected() && page.connect_ms > connect_limit_ms {
            return (false, CONNECTION_TIMED_OUT.to_string());
        }
        if cfg.kind.starts_with("HTTPS")
            && page.probe.connected()
            && let Some(tls) = self.tls_at(&host, port, 0)
        {
            // EnableSNI (Route 53 API reference, HealthCheckConfig): with it the checker sends
            // FullyQualifiedDomainName in the client_hello; if the certificate it gets back
            // does not hold that name, it retries without it. An endpoint that requires SNI and
            // gets none answers "SSL alert handshake_failure", the status AWS documents.
            let sni = cfg
                .enable_sni
                .unwrap_or(false)
                .then_some(cfg.fqdn.as_deref())
                .flatten();
            let handshake = match sni {
                Some(name) if tls.covers(name) => true,
                _ => !tls.sni_required,
            };
            if !handshake {
                return (false, SSL_HANDSHAKE_FAILURE.to_string());
            }
        }
        if !is_tcp && page.probe.connected() && page.first_byte_ms > 2_000 {
            return (false, RESPONSE_TIMED_OUT.to_string());
        }
        // HTTP(S)_STR_MATCH: a 2xx or 3xx answer whose first 5,120 bytes of body hold the
        // SearchString (Route 53 API reference, HealthCheckConfig Type). AWS does not document
        // the status text of a miss; this one says what happened.
        if cfg.kind.ends_with("_STR_MATCH")
            && let Probe::Http(code) = page.probe
            && (200..400).contains(&code)
        {
            let wanted = cfg.search_string.as_deref().unwrap_or_default();
            let head = &page.body.as_bytes()[..page.body.len().min(5120)];
            let found =
                wanted.is_empty() || head.windows(wanted.len()).any(|w| w == wanted.as_bytes());
            if !found {
                return (
                    false,
                    "Failure: The search string was not found in the first 5,120 bytes of the response body.".to_string(),
                );
            }
        }
        match page.probe {
            Probe::Http(_) if is_tcp => (true, "Success: TCP connection established".to_string()),
            Probe::Http(code) if (200..400).contains(&code) => (
                true,
                format!("Success: HTTP Status Code {code}, {}", reason_phrase(code)),
            ),
            Probe::Http(code) => (
                false,
                format!("Failure: HTTP Status Code {code}, {}", reason_phrase(code)),
            ),
            Probe::Timeout => (false, CONNECTION_TIMED_OUT.to_string()),
            Probe::Refused => (
                false,
                "Failure: Connection refused. The endpoint refused the connection.".to_string(),
            ),
            Probe::NoDns => (false, format!("Failure: DNS resolution failed: {host}")),
        }
    }

    /// Probes a host (an address or a DNS name) the way an HTTP client on the internet would,
    /// with `req`: how the connection ends (see [`World::fetch_host`] for the body too).
    pub fn probe_host(&self, host: &str, port: i64, req: &Request, depth: u8) -> Probe {
        self.fetch_host(host, port, req, depth).probe
    }

    /// What a load balancer answers on a port to a request (see [`World::fetch_lb`]).
    pub fn probe_lb(&self, lb: &LoadBalancer, port: i64, req: &Request, depth: u8) -> Probe {
        self.fetch_lb(lb, port, req, depth).probe
    }

    /// Probes a host (an address or a DNS name) the way an HTTP client on the internet would,
    /// with `req` (its Host header is the name the client asked for).
    pub fn fetch_host(&self, host: &str, port: i64, req: &Request, depth: u8) -> Page {
        if depth > 6 || host.is_empty() {
            return Page::none(Probe::NoDns);
        }
        if host.parse::<std::net::IpAddr>().is_ok() {
            if let Some(i) = self.instances.iter().find(|i| i.has_ip(host)) {
                return i.page_at(self.now);
            }
            if let Some(lb) = self
                .elb
                .lbs
                .iter()
                .find(|l| l.ips.iter().any(|ip| ip == host))
            {
                return self.fetch_lb(lb, port, req, depth + 1);
            }
            if self
                .cf
                .distributions
                .iter()
                .any(|d| d.ips.iter().any(|ip| ip == host))
            {
                return Page::new(Probe::Http(200), SORRY_PAGE);
            }
            if let Some(o) = self.origins.iter().find(|o| o.ip.as_deref() == Some(host)) {
                return o.page();
            }
            return Page::none(Probe::Timeout);
        }
        if let Some(lb) = self.elb.lb_by_dns(host) {
            return self.fetch_lb(lb, port, req, depth + 1);
        }
        if self.cf.by_domain(host).is_some() {
            return Page::new(Probe::Http(200), SORRY_PAGE);
        }
        let name = fqdn(host);
        if let Some(o) = self
            .origins
            .iter()
            .find(|o| o.fqdn.as_deref().map(fqdn).as_deref() == Some(name.as_str()))
        {
            return o.page();
        }
        if let Some(zone) = self.r53.zone_for_name(&name) {
            let answer = self.dns_answer(zone, &name, "A", depth + 1);
            if let Some(first) = answer.values.first() {
                return self.fetch_host(first, port, req, depth + 1);
            }
        }
        Page::none(Probe::NoDns)
    }

    /// What a load balancer answers on a port to a request: the first rule that matches it
    /// (by priority), else the listener's default action.
    pub fn fetch_lb(&self, lb: &LoadBalancer, port: i64, req: &Request, depth: u8) -> Page {
        let Some(listener) = self
            .elb
            .listeners
            .iter()
            .find(|l| l.lb_arn == lb.arn && l.port == port)
        else {
            return Page::none(Probe::Refused);
        };
        let actions = self
            .elb
            .matching_rule(&listener.arn, req)
            .map(|r| &r.actions)
            .unwrap_or(&listener.default_actions);
        let mut ordered: Vec<&Doc> = actions.iter().collect();
        ordered.sort_by_key(|a| a.get("Order").and_then(Doc::as_i64).unwrap_or(0));
        let Some(action) = ordered.into_iter().find(|a| {
            matches!(
                a.str("Type"),
                Some("forward" | "fixed-response" | "redirect")
            )
        }) else {
            return Page::none(Probe::Http(503)).by_lb();
        };
        match action.str("Type") {
            Some("fixed-response") => {
                let code = action
                    .get("FixedResponseConfig")
                    .and_then(|f| f.get("StatusCode"))
                    .and_then(Doc::as_i64)
                    .unwrap_or(503);
                let body = action
                    .get("FixedResponseConfig")
                    .and_then(|f| f.str("MessageBody"))
                    .unwrap_or_default();
                Page::new(Probe::Http(u16::try_from(code).unwrap_or(503)), body).by_lb()
            }
            Some("redirect") => {
                let code = action
                    .get("RedirectConfig")
                    .and_then(|r| r.str("StatusCode"))
                    .unwrap_or("HTTP_301");
                Page::none(Probe::Http(if code == "HTTP_302" { 302 } else { 301 })).by_lb()
            }
            _ => {
                let Some(tg) = action_target_groups(action)
                    .first()
                    .and_then(|arn| self.elb.tg(arn))
                else {
                    return if lb.is_network() {
                        Page::none(Probe::Timeout)
                    } else {
                        Page::none(Probe::Http(503)).by_lb()
                    };
                };
                let healths: Vec<(&Target, TargetHealth)> = tg
                    .targets
                    .iter()
                    .map(|t| (t, self.target_health(tg, t)))
                    .collect();
                let healthy: Vec<&Target> = healths
                    .iter()
                    .filter(|(_, h)| h.state == "healthy")
                    .map(|(t, _)| *t)
                    .collect();
                // With no healthy target, a load balancer fails open to every target it still
                // routes to; so it does below the target group's `unhealthy_state_routing`
                // health setting (ELB user guide, "Target group health").
                let wanted = tg.minimum_healthy("unhealthy_state_routing", tg.targets.len());
                let serving: Vec<&Target> = if healthy.is_empty() || healthy.len() < wanted {
                    healths
                        .iter()
                        .filter(|(_, h)| matches!(h.state, "initial" | "unhealthy" | "healthy"))
                        .map(|(t, _)| *t)
                        .collect()
                } else {
                    healthy
                };
                let Some(target) = serving.first() else {
                    return if lb.is_network() {
                        Page::none(Probe::Timeout)
                    } else {
                        Page::none(Probe::Http(503)).by_lb()
                    };
                };
                let page = self.fetch_target(tg, target, req, depth + 1);
                if lb.is_network() {
                    return page;
                }
                let page = page.proxied();
                match page.probe {
                    Probe::Timeout => Page::none(Probe::Http(504)).by_lb(),
                    Probe::Refused | Probe::NoDns => Page::none(Probe::Http(502)).by_lb(),
                    _ => page,
                }
            }
        }
    }

    fn fetch_target(&self, tg: &TargetGroup, target: &Target, req: &Request, depth: u8) -> Page {
        match tg.target_type.as_str() {
            "instance" => self
                .instances
                .iter()
                .find(|i| i.id == target.id)
                .map_or(Page::none(Probe::Timeout), |i| i.page_at(self.now)),
            "alb" => self
                .elb
                .lb(&target.id)
                .map_or(Page::none(Probe::Timeout), |lb| {
                    self.fetch_lb(lb, target.port, req, depth + 1)
                }),
            _ => self.fetch_host(&target.id, target.port, req, depth + 1),
        }
    }

    /// One round of health checks of a target group. Returns its interval, or None if it is gone.
    fn run_target_checks(&mut self, arn: &str) -> Option<i64> {
        let t = self.now;
        let tg = self.elb.tg(arn)?;
        let interval = tg.hc.interval;
        let in_use = !self.elb.lbs_of_tg(arn).is_empty();
        let results: Vec<Option<CheckResult>> = tg
            .targets
            .iter()
            .map(|target| {
                let instance_ok = tg.target_type != "instance"
                    || self
                        .instances
                        .iter()
                        .any(|i| i.id == target.id && i.running_at(t));
                if target.deregistered_at.is_some() || !in_use || !instance_ok || !tg.hc.enabled {
                    return None;
                }
                // A target group's health checks send the target's address as the Host header.
                let path = tg.hc.path.as_deref().unwrap_or("/");
                let page = self.fetch_target(tg, target, &Request::get(Some(&target.id), path), 0);
                // No answer within the health check's timeout is a timeout (ELB user guide,
                // "Health checks for your target groups", HealthCheckTimeoutSeconds).
                let slow = u64::from(page.connect_ms) + u64::from(page.first_byte_ms)
                    > u64::try_from(tg.hc.timeout.max(0) * 1000).unwrap_or(u64::MAX);
                let probe = if slow && page.probe.connected() {
                    Probe::Timeout
                } else {
                    page.probe
                };
                Some(match probe {
                    Probe::Http(_)
                        if matches!(tg.hc.protocol.as_str(), "TCP" | "TLS" | "UDP" | "TCP_UDP") =>
                    {
                        (true, None)
                    }
                    Probe::Http(code) if tg.hc.matches(code) => (true, None),
                    Probe::Http(code) => (
                        false,
                        Some((
                            "Target.ResponseCodeMismatch".into(),
                            format!("Health checks failed with these codes: [{code}]"),
                        )),
                    ),
                    Probe::Timeout => (
                        false,
                        Some(("Target.Timeout".into(), "Request timed out".into())),
                    ),
                    Probe::Refused | Probe::NoDns => (
                        false,
                        Some((
                            "Target.FailedHealthChecks".into(),
                            "Health checks failed".into(),
                        )),
                    ),
                })
            })
            .collect();
        let tg = self.elb.tg_mut(arn)?;
        let hc = tg.hc.clone();
        for (target, result) in tg.targets.iter_mut().zip(results) {
            match result {
                None => {
                    if target.deregistered_at.is_none() {
                        target.reset();
                    }
                }
                Some((ok, failure)) => {
                    target.active = true;
                    target.record(ok, failure, &hc);
                }
            }
        }
        let delay = tg.deregistration_delay * 1000;
        tg.targets
            .retain(|target| target.deregistered_at.is_none_or(|d| t < d + delay));
        Some(interval)
    }

    /// A target's health as DescribeTargetHealth reports it now.
    pub fn target_health(&self, tg: &TargetGroup, target: &Target) -> TargetHealth {
        let t = self.now;
        if let Some(d) = target.deregistered_at {
            return if t < d + tg.deregistration_delay * 1000 {
                TargetHealth::new(
                    "draining",
                    "Target.DeregistrationInProgress",
                    "Target deregistration is in progress",
                )
            } else {
                TargetHealth::new(
                    "unused",
                    "Target.NotRegistered",
                    "Target is not registered to the target group",
                )
            };
        }
        if self.elb.lbs_of_tg(&tg.arn).is_empty() {
            return TargetHealth::new(
                "unused",
                "Target.NotInUse",
                "Target group is not configured to receive traffic from the load balancer",
            );
        }
        if tg.target_type == "instance" {
            match self.instances.iter().find(|i| i.id == target.id) {
                Some(i) if !i.running_at(t) => {
                    return TargetHealth::new(
                        "unused",
                        "Target.InvalidState",
                        &format!("Target is in the {} state", i.state_at(t).as_str()),
                    );
                }
                None => {
                    return TargetHealth::new(
                        "unused",
                        "Target.InvalidState",
                        "Target is in the terminated state",
                    );
                }
                Some(_) => {}
            }
        }
        if !tg.hc.enabled {
            return TargetHealth::new(
                "unavailable",
                "Target.HealthCheckDisabled",
                "Health checks are disabled for the target group",
            );
        }
        if !target.active || !target.checked {
            return TargetHealth::new(
                "initial",
                "Elb.RegistrationInProgress",
                "Target registration is in progress",
            );
        }
        match target.state {
            TState::Initial => TargetHealth::new(
                "initial",
                "Elb.InitialHealthChecking",
                "Initial health checks in progress",
            ),
            TState::Healthy => TargetHealth {
                state: "healthy",
                reason: None,
                description: None,
            },
            TState::Unhealthy => {
                let (reason, desc) = target.failure.clone().unwrap_or_else(|| {
                    (
                        "Target.FailedHealthChecks".into(),
                        "Health checks failed".into(),
                    )
                });
                TargetHealth {
                    state: "unhealthy",
                    reason: Some(reason),
                    description: Some(desc),
                }
            }
        }
    }

    /// Evaluate Target Health of an ALB or NLB, as Route 53 documents it: every target group
    /// the load balancer routes to must have at least one healthy target; a target group with
    /// no registered targets counts as unhealthy, and so does a load balancer with none. A
    /// target group's `dns_failover` health setting raises the bar (AWS-FACTS.md: below it the
    /// zone is marked unhealthy in DNS).
    pub fn lb_has_healthy_target(&self, lb_arn: &str) -> bool {
        let tgs = self.elb.tgs_of_lb(lb_arn);
        !tgs.is_empty()
            && tgs.iter().all(|arn| {
                self.elb.tg(arn).is_some_and(|tg| {
                    let healthy = tg
                        .targets
                        .iter()
                        .filter(|t| self.target_health(tg, t).state == "healthy")
                        .count();
                    healthy >= 1 && healthy >= tg.minimum_healthy("dns_failover", tg.targets.len())
                })
            })
    }

    /// The addresses a load balancer's DNS name answers with now: those of its healthy zones.
    ///
    /// As AWS documents it (Elastic Load Balancing knowledge center, "elb-dns-cross-zone-balance-
    /// configuration"; NLB user guide, "Target group health"): with cross-zone load balancing
    /// off (an NLB's default), a zone is healthy when each target group of the load balancer
    /// has a healthy target in that zone, at least its `dns_failover` minimum counted over the
    /// zone's targets; with it on (an ALB's default), when each target group has enough healthy
    /// targets in any zone. The address of an unhealthy zone is taken out of DNS. When no zone
    /// is healthy, the load balancer fails open and answers with every address.
    pub fn lb_addresses(&self, lb: &LoadBalancer, rtype: &str) -> Vec<String> {
        let all = lb.addresses(rtype);
        let tgs: Vec<&TargetGroup> = self
            .elb
            .tgs_of_lb(&lb.arn)
            .iter()
            .filter_map(|arn| self.elb.tg(arn))
            .collect();
        if tgs.is_empty() || lb.azs.len() != lb.ips.len() {
            return all;
        }
        let zone_ok = |az: &str| {
            tgs.iter().all(|tg| {
                let cross_zone = match tg
                    .attributes
                    .get("load_balancing.cross_zone.enabled")
                    .map(String::as_str)
                {
                    Some("true") => true,
                    Some("false") => false,
                    _ => lb.cross_zone,
                };
                // A target whose zone is not known (an ALB behind an NLB) is in every zone.
                let counted: Vec<&Target> = tg
                    .targets
                    .iter()
                    .filter(|t| cross_zone || t.az.as_deref().is_none_or(|z| z == az))
                    .collect();
                let healthy = counted
                    .iter()
                    .filter(|t| self.target_health(tg, t).state == "healthy")
                    .count();
                healthy >= 1 && healthy >= tg.minimum_healthy("dns_failover", counted.len())
            })
        };
        let healthy: Vec<bool> = lb.azs.iter().map(|az| zone_ok(az)).collect();
        if !healthy.contains(&true) {
            return all;
        }
        // AAAA answers hold a dualstack load balancer's IPv6 addresses, one per zone likewise.
        all.into_iter()
            .enumerate()
            .filter(|(i, _)| healthy.get(*i).copied().unwrap_or(true))
            .map(|(_, a)| a)
            .collect()
    }

    /// How the endpoint behind `host` (an address or a DNS name) answers a TLS handshake, when
    /// it terminates TLS itself: an instance or origin, also behind a TCP listener of an NLB
    /// (which passes the handshake through). None for what terminates TLS with its own
    /// certificates and serves a default one without SNI: an ALB, a TLS listener, CloudFront.
    pub fn tls_at(&self, host: &str, port: i64, depth: u8) -> Option<&ec2::Tls> {
        if depth > 6 || host.is_empty() {
            return None;
        }
        let lb_tls = |lb: &LoadBalancer| -> Option<&ec2::Tls> {
            let listener = self
                .elb
                .listeners
                .iter()
                .find(|l| l.lb_arn == lb.arn && l.port == port)?;
            if !lb.is_network() || listener.protocol != "TCP" {
                return None;
            }
            let action = listener
                .default_actions
                .iter()
                .find(|a| a.str("Type") == Some("forward"))?;
            let tg = self.elb.tg(action_target_groups(action).first()?)?;
            let target = tg.targets.first()?;
            match tg.target_type.as_str() {
                "instance" => self
                    .instances
                    .iter()
                    .find(|i| i.id == target.id)
                    .map(|i| &i.tls),
                "ip" => self.tls_at(&target.id, target.port, depth + 1),
                _ => None,
            }
        };
        if host.parse::<std::net::IpAddr>().is_ok() {
            if let Some(i) = self.instances.iter().find(|i| i.has_ip(host)) {
                return Some(&i.tls);
            }
            if let Some(o) = self.origins.iter().find(|o| o.ip.as_deref() == Some(host)) {
                return Some(&o.tls);
            }
            return self
                .elb
                .lbs
                .iter()
                .find(|l| l.ips.iter().any(|ip| ip == host))
                .and_then(lb_tls);
        }
        if let Some(lb) = self.elb.lb_by_dns(host) {
            return lb_tls(lb);
        }
        if self.cf.by_domain(host).is_some() {
            return None;
        }
        let name = fqdn(host);
        if let Some(o) = self
            .origins
            .iter()
            .find(|o| o.fqdn.as_deref().map(fqdn).as_deref() == Some(name.as_str()))
        {
            return Some(&o.tls);
        }
        let zone = self.r53.zone_for_name(&name)?;
        let answer = self.dns_answer(zone, &name, "A", depth + 1);
        let first = answer.values.first()?;
        self.tls_at(first, port, depth + 1)
    }

    /// A health check's status as Route 53 uses it for routing (inversion and disabling applied).
    pub fn hc_healthy(&self, id: &str) -> Option<bool> {
        self.hc_healthy_at_depth(id, 0)
    }

    fn hc_healthy_at_depth(&self, id: &str, depth: u8) -> Option<bool> {
        let hc = self.r53.health_check(id)?;
        // A disabled check counts as healthy, and one that is also inverted as unhealthy
        // (AWS-FACTS.md, "Route 53 health checks"; Route 53 API reference, HealthCheckConfig
        // Disabled and Inverted). The same holds for the children of a CALCULATED check, which
        // come through here too.
        if hc.cfg.disabled {
            return Some(!hc.cfg.inverted);
        }
        let raw = match hc.cfg.kind.as_str() {
            "CALCULATED" => {
                if depth > 4 {
                    return Some(false);
                }
                let healthy = hc
                    .cfg
                    .children
                    .iter()
                    .filter(|c| self.hc_healthy_at_depth(c, depth + 1).unwrap_or(false))
                    .count() as i64;
                healthy >= hc.cfg.health_threshold.unwrap_or(0)
            }
            "CLOUDWATCH_METRIC" => self.alarm_health(hc),
            "RECOVERY_CONTROL" => true,
            _ => hc.checkers_say_healthy(),
        };
        Some(raw != hc.cfg.inverted)
    }

    /// The raw status of a CLOUDWATCH_METRIC check from its alarm.
    pub fn alarm_health(&self, hc: &HealthCheck) -> bool {
        let alarm = hc
            .cfg
            .alarm
            .as_ref()
            .and_then(|(region, name)| self.cw.alarm(region, name));
        let state = alarm.map_or("INSUFFICIENT_DATA", |a| a.state.as_str());
        match state {
            "OK" => true,
            "ALARM" => false,
            _ => match hc.cfg.insufficient_data.as_deref() {
                Some("Healthy") => true,
                Some("Unhealthy") => false,
                _ => alarm.and_then(|a| a.last_definite_state.as_deref()) != Some("ALARM"),
            },
        }
    }

    /// Whether Route 53 considers a record set healthy: its health check, and for an alias with
    /// Evaluate Target Health, its target.
    pub fn record_healthy(&self, r: &RecordSet, depth: u8) -> bool {
        let check_ok = r
            .health_check_id
            .as_ref()
            .is_none_or(|id| self.hc_healthy(id).unwrap_or(true));
        let target_ok = match &r.alias {
            Some(alias) if alias.evaluate_target_health => self.alias_target_healthy(alias, depth),
            _ => true,
        };
        check_ok && target_ok
    }

    fn alias_target_healthy(&self, alias: &AliasTarget, depth: u8) -> bool {
        let dns_name = &alias.dns_name;
        if let Some(lb) = self.elb.lb_by_dns(dns_name) {
            return self.lb_has_healthy_target(&lb.arn);
        }
        if self.cf.by_domain(dns_name).is_some() || depth > 4 {
            return true;
        }
        match self.alias_zone(alias) {
            Some(zone) => {
                let answer = self.dns_answer(zone, &fqdn(dns_name), "A", depth + 1);
                answer
                    .record
                    .as_ref()
                    .is_some_and(|r| self.record_healthy(r, depth + 1))
            }
            None => true,
        }
    }

    /// Whether a record set counts as having a health check for failover purposes.
    fn record_is_checked(r: &RecordSet) -> bool {
        r.health_check_id.is_some() || r.alias.as_ref().is_some_and(|a| a.evaluate_target_health)
    }

    /// What the zone's name servers answer for a name and type right now.
    pub fn dns_answer(&self, zone: &Zone, name: &str, rtype: &str, depth: u8) -> DnsAnswer {
        let name = fqdn(name);
        let mut at_name: Vec<&RecordSet> =
            zone.published.iter().filter(|r| r.name == name).collect();
        if at_name.is_empty() {
            // A name without records of its own is answered by the closest wildcard.
            let closest = zone
                .published
                .iter()
                .filter(|r| route53::wildcard_matches(&r.name, &name))
                .map(|r| r.name.len())
                .max();
            at_name = zone
                .published
                .iter()
                .filter(|r| {
                    route53::wildcard_matches(&r.name, &name) && Some(r.name.len()) == closest
                })
                .collect();
        }
        if at_name.is_empty() {
            return DnsAnswer {
                values: Vec::new(),
                code: "NXDOMAIN",
                record: None,
            };
        }
        let mut candidates: Vec<&RecordSet> = at_name
            .iter()
            .copied()
            .filter(|r| r.rtype == rtype)
            .collect();
        if candidates.is_empty() {
            candidates = at_name
                .iter()
                .copied()
                .filter(|r| r.rtype == "CNAME")
                .collect();
        }
        let chosen = if candidates.iter().any(|r| r.failover.is_some()) {
            let primary = candidates
                .iter()
                .copied()
                .find(|r| r.failover.as_deref() == Some("PRIMARY"));
            let secondary = candidates
                .iter()
                .copied()
                .find(|r| r.failover.as_deref() == Some("SECONDARY"));
            match (primary, secondary) {
                (Some(p), _) if self.record_healthy(p, depth) => Some(p),
                // An unhealthy secondary that has a check drags the answer back to the primary.
                (Some(p), Some(s))
                    if Self::record_is_checked(s) && !self.record_healthy(s, depth) =>
                {
                    Some(p)
                }
                (_, Some(s)) => Some(s),
                (p, None) => p,
            }
        } else {
            let eligible = self.eligible(&candidates, depth);
            if candidates.iter().any(|r| r.multi_value == Some(true)) {
                // Multivalue: up to eight healthy records at once.
                let values: Vec<String> = eligible
                    .iter()
                    .flat_map(|r| r.values.iter().cloned())
                    .take(8)
                    .collect();
                return DnsAnswer {
                    values,
                    code: "NOERROR",
                    record: eligible.first().map(|r| (*r).clone()),
                };
            }
            self.choose(&eligible)
        };
        let Some(record) = chosen else {
            return DnsAnswer {
                values: Vec::new(),
                code: "NOERROR",
                record: None,
            };
        };
        let values = match &record.alias {
            Some(alias) => self.resolve_alias(alias, rtype, depth),
            None => record.values.clone(),
        };
        DnsAnswer {
            values,
            code: "NOERROR",
            record: Some(record.clone()),
        }
    }

    /// The records of a group (one name and type, not failover) Route 53 may answer with, by
    /// its rules: healthy ones (a record without a health check is healthy); weight 0 only when
    /// every weighted one is unhealthy; all of them when none is healthy.
    fn eligible<'a>(&self, group: &[&'a RecordSet], depth: u8) -> Vec<&'a RecordSet> {
        let healthy = |r: &&RecordSet| self.record_healthy(r, depth);
        let weighted = group.iter().any(|r| r.weight.is_some());
        let (first, rest): (Vec<&RecordSet>, Vec<&RecordSet>) = if weighted {
            group.iter().partition(|r| r.weight.unwrap_or(0) > 0)
        } else {
            (group.to_vec(), Vec::new())
        };
        let (first, rest) = if first.is_empty() {
            (rest, Vec::new())
        } else {
            (first, rest)
        };
        let up: Vec<&RecordSet> = first.iter().copied().filter(healthy).collect();
        if !up.is_empty() {
            return up;
        }
        let up: Vec<&RecordSet> = rest.iter().copied().filter(healthy).collect();
        if !up.is_empty() {
            return up;
        }
        first
    }

    /// The one record TestDNSAnswer shows among the eligible, deterministically: the heaviest
    /// weighted record, the latency record of the world's region, the default geolocation
    /// record, else the first.
    fn choose<'a>(&self, eligible: &[&'a RecordSet]) -> Option<&'a RecordSet> {
        if eligible.iter().any(|r| r.weight.is_some()) {
            let top = eligible.iter().map(|r| r.weight.unwrap_or(0)).max()?;
            return eligible
                .iter()
                .copied()
                .find(|r| r.weight.unwrap_or(0) == top);
        }
        if let Some(r) = eligible
            .iter()
            .copied()
            .find(|r| r.region.as_deref() == Some(self.region.as_str()))
        {
            return Some(r);
        }
        let default_location = |r: &&RecordSet| {
            r.extra
                .iter()
                .any(|e| e.name == "GeoLocation" && e.text_at(&["CountryCode"]) == Some("*"))
        };
        eligible
            .iter()
            .copied()
            .find(default_location)
            .or_else(|| eligible.first().copied())
    }

    fn resolve_alias(&self, alias: &AliasTarget, rtype: &str, depth: u8) -> Vec<String> {
        let dns_name = &alias.dns_name;
        if let Some(lb) = self.elb.lb_by_dns(dns_name) {
            return self.lb_addresses(lb, rtype);
        }
        if let Some(d) = self.cf.by_domain(dns_name) {
            return d.addresses(rtype);
        }
        if depth < 5
            && let Some(zone) = self.alias_zone(alias)
        {
            return self.dns_answer(zone, dns_name, rtype, depth + 1).values;
        }
        Vec::new()
    }

    /// The TTL the name servers give an answer from this record set: its own TTL; for an alias,
    /// the alias target's: 60 s for a load balancer, a CloudFront distribution or an S3 website
    /// endpoint (AWS-FACTS.md: "Alias records to ELB and S3 have a fixed 60 s TTL"; the Route 53
    /// developer guide, "Choosing between alias and non-alias records", gives CloudFront the
    /// same), and for an alias to another record the TTL of the record it ends at.
    pub fn record_ttl(&self, r: &RecordSet, rtype: &str, depth: u8) -> i64 {
        const AWS_RESOURCE_TTL: i64 = 60;
        let Some(alias) = &r.alias else {
            return r.ttl.unwrap_or(AWS_RESOURCE_TTL);
        };
        let target = fqdn(&alias.dns_name);
        let aws_resource = self.elb.lb_by_dns(&alias.dns_name).is_some()
            || self.cf.by_domain(&alias.dns_name).is_some()
            || alias.zone_id == route53::CLOUDFRONT_ZONE_ID
            || target.contains(".s3-website")
            || target.ends_with(".elb.amazonaws.com.");
        if aws_resource || depth >= 5 {
            return AWS_RESOURCE_TTL;
        }
        match self.alias_zone(alias) {
            Some(zone) => match self.dns_answer(zone, &target, rtype, depth + 1).record {
                Some(next) => self.record_ttl(&next, rtype, depth + 1),
                None => AWS_RESOURCE_TTL,
            },
            None => AWS_RESOURCE_TTL,
        }
    }

    /// The zone an alias to a record points into: the zone its hosted zone ID names (an alias to
    /// a record of the same zone, private or public), else the public zone that holds the name.
    fn alias_zone(&self, alias: &AliasTarget) -> Option<&Zone> {
        let id = alias.zone_id.trim_start_matches("/hostedzone/");
        self.r53
            .zone(id)
            .filter(|z| z.contains_name(&alias.dns_name))
            .or_else(|| self.r53.zone_for_name(&alias.dns_name))
    }

    /// Adds a health check (CreateHealthCheck) and starts its checkers.
    pub fn add_health_check(&mut self, hc: HealthCheck) {
        let id = hc.id.clone();
        self.r53.health_checks.push(hc);
        self.start_checkers(&id);
    }

    /// Replaces a health check's settings (UpdateHealthCheck): a new version, checkers for new
    /// regions, and the views of the regions it keeps. The checkers of a region it no longer
    /// names keep checking for [`Timing::removed_region_secs`] (Route 53 API reference,
    /// HealthCheckConfig, Regions: "Route 53 will briefly continue to perform checks from that
    /// region to ensure that some health checkers are always checking the endpoint").
    pub fn update_health_check_config(&mut self, id: &str, cfg: route53::HcConfig) {
        let linger = self.timing.removed_region_secs.max(0) * 1000;
        let now = self.now;
        let Some(hc) = self.r53.health_check_mut(id) else {
            return;
        };
        if cfg.regions != hc.cfg.regions && cfg.probes_an_endpoint() {
            let mut kept = std::mem::take(&mut hc.checkers);
            let mut checkers: Vec<route53::Checker> = Vec::new();
            for (i, r) in cfg.regions.iter().enumerate() {
                let checker = match kept.iter().position(|c| &c.region == r) {
                    Some(at) => {
                        let mut c = kept.remove(at);
                        c.retire_at = None;
                        c
                    }
                    None => route53::Checker::new(r, i),
                };
                checkers.push(checker);
            }
            for mut c in kept {
                if linger > 0 {
                    c.retire_at = Some(c.retire_at.unwrap_or(now + linger));
                    checkers.push(c);
                }
            }
            hc.checkers = checkers;
        }
        hc.cfg = cfg;
        hc.version += 1;
        self.start_checkers(id);
    }

    /// Finds the instance with this ID.
    pub fn instance_mut(&mut self, id: &str) -> Option<&mut Instance> {
        self.instances.iter_mut().find(|i| i.id == id)
    }

    /// Sets how an origin, instance application or load balancer target answers.
    pub fn set_behaviour(&mut self, name: &str, behaviour: Behaviour) -> bool {
        if let Some(i) = self.instance_mut(name) {
            i.app = behaviour;
            return true;
        }
        if let Some(o) = self.origins.iter_mut().find(|o| {
            o.name == name || o.ip.as_deref() == Some(name) || o.fqdn.as_deref() == Some(name)
        }) {
            o.behaviour = behaviour;
            return true;
        }
        false
    }
}

impl World {
    /// Sets how an instance or origin answers a TLS handshake.
    pub fn set_tls(&mut self, name: &str, tls: ec2::Tls) -> bool {
        if let Some(i) = self.instance_mut(name) {
            i.tls = tls;
            return true;
        }
        if let Some(o) = self.origins.iter_mut().find(|o| {
            o.name == name || o.ip.as_deref() == Some(name) || o.fqdn.as_deref() == Some(name)
        }) {
            o.tls = tls;
            return true;
        }
        false
    }
}

/// `*` and `?` wildcards, as ELB rule patterns use them.
pub fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_patterns() {
        assert!(glob("/api/*", "/api/v1/x"));
        assert!(glob("/health", "/health"));
        assert!(!glob("/health", "/healthz"));
        assert!(glob("/h?alth", "/health"));
    }

    #[test]
    fn ids_are_repeatable() {
        let mut a = IdGen::new("s");
        let mut b = IdGen::new("s");
        assert_eq!(a.uuid(), b.uuid());
        assert_eq!(a.upper(13).len(), 13);
    }

    #[test]
    fn a_paused_clock_moves_only_when_advanced() {
        let mut c = Clock::new(1000, 1.0, true);
        assert_eq!(c.now(), 1000);
        c.advance(500);
        assert_eq!(c.now(), 1500);
    }

    #[test]
    fn reason_times_use_aws_format() {
        assert_eq!(fmt_reason_time(1_795_312_800_000), "22/11/26 02:00:00");
    }
}
