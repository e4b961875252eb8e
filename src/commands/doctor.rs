//! `switchyard doctor`: can this machine watch and switch these sites? The config, the proxy,
//! the caller identity, each endpoint, and every read action tried once against real resources;
//! the write actions each strategy needs are listed, since trying them would change AWS.

use std::io::Write;

use serde::Serialize;

use crate::aws::client::{Clients, Target};
use crate::aws::{cloudfront, cloudwatch, elbv2, route53, sts};
use crate::cli::{DoctorArgs, GlobalArgs, OutputFormat};
use crate::config::Site;
use crate::model::error::{AwsError, ErrorKind};
use crate::poll::session::Session;

use super::permissions::{JOURNAL, READ, write_actions};
use super::{load_config, overrides};

/// Exit codes of `doctor`.
pub mod exit {
    /// Every check passed.
    pub const OK: i32 = 0;
    /// Credentials are missing or expired, or a read action is denied.
    pub const ACCESS: i32 = 3;
    /// An endpoint could not be reached (network, proxy), or a service failed.
    pub const UNREACHABLE: i32 = 8;
}

/// The result of one check.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    Ok {
        detail: String,
    },
    Failed {
        kind: ErrorKind,
        detail: String,
    },
    /// Not tried: nothing to try it on, or it would change AWS.
    Skipped {
        detail: String,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct ActionCheck {
    pub action: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Clone, Debug, Serialize)]
pub struct Endpoint {
    pub service: String,
    pub url: String,
    pub reachable: Option<bool>,
}

/// One AWS target (profile, role, region) and what was found with it.
#[derive(Clone, Debug, Serialize)]
pub struct TargetReport {
    pub profile: Option<String>,
    pub role_arn: Option<String>,
    pub region: String,
    pub sites: Vec<String>,
    pub identity: Outcome,
    pub endpoints: Vec<Endpoint>,
    pub read: Vec<ActionCheck>,
    /// Write actions the sites' strategies need, with the strategies that need them.
    pub write: Vec<(String, Vec<String>)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DoctorReport {
    pub config: String,
    pub proxy: String,
    pub added_to_no_proxy: Vec<String>,
    pub targets: Vec<TargetReport>,
    pub missing_actions: Vec<String>,
    pub exit_code: i32,
}

fn ok(detail: impl Into<String>) -> Outcome {
    Outcome::Ok {
        detail: detail.into(),
    }
}

fn skipped(detail: impl Into<String>) -> Outcome {
    Outcome::Skipped {
        detail: detail.into(),
    }
}

fn failed(e: &AwsError) -> Outcome {
    Outcome::Failed {
        kind: e.kind,
        detail: e.summary(),
    }
}

fn outcome<T>(r: &Result<T, AwsError>, detail: impl FnOnce(&T) -> String) -> Outcome {
    match r {
        Ok(v) => ok(detail(v)),
        Err(e) => failed(e),
    }
}

/// Where a service's calls go, as far as switchyard can tell without calling it.
fn endpoint_url(service: &str, env_suffix: &str, target: &Target, region: &str) -> String {
    if let Some(url) = &target.endpoint_url {
        return url.clone();
    }
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(url) =
        var(&format!("AWS_ENDPOINT_URL_{env_suffix}")).or_else(|| var("AWS_ENDPOINT_URL"))
    {
        return url;
    }
    match service {
        "route53" => "https://route53.amazonaws.com".to_string(),
        "cloudfront" => "https://cloudfront.amazonaws.com".to_string(),
        "cloudwatch" => format!("https://monitoring.{region}.amazonaws.com"),
        "elasticloadbalancing" => format!("https://elasticloadbalancing.{region}.amazonaws.com"),
        _ => format!("https://sts.{region}.amazonaws.com"),
    }
}

/// Tries every read action once, on the first resources of the sites that have them.
/// The outcome of each read action, in the order they were tried.
#[derive(Default)]
struct Probes(Vec<ActionCheck>);

impl Probes {
    fn put(&mut self, action: &str, outcome: Outcome) {
        self.0.push(ActionCheck {
            action: action.to_string(),
            outcome,
        });
    }

    fn skip_all(&mut self, actions: &[&str], why: &str) {
        for a in actions {
            self.put(a, skipped(why));
        }
    }
}

async fn probe_reads(c: &Clients, sites: &[&Site]) -> Vec<ActionCheck> {
    let mut p = Probes::default();
    let Some(first) = sites.first() else {
        return p.0;
    };
    let (hc_ids, alias_names) = probe_records(c, sites, &mut p).await;
    probe_health_checks(c, hc_ids, &mut p).await;
    let r = route53::test_dns_answer(
        &c.route53,
        &first.zone_id,
        &first.record,
        first.record_type.as_str(),
    )
    .await;
    p.put(
        "route53:TestDNSAnswer",
        outcome(&r, |a| {
            format!("{} answers {}", first.record, a.values.join(" "))
        }),
    );
    p.put(
        "route53:GetChange",
        skipped("tried only on changes switchyard makes"),
    );
    let r = cloudwatch::alarms(&c.cloudwatch).await;
    p.put(
        "cloudwatch:DescribeAlarms",
        outcome(&r, |v| format!("{} alarms in {}", v.len(), c.region)),
    );
    match r.as_ref().ok().and_then(|v| v.first()) {
        Some(a) => {
            let h = cloudwatch::alarm_history(&c.cloudwatch, &a.name, 1).await;
            p.put(
                "cloudwatch:DescribeAlarmHistory",
                outcome(&h, |v| {
                    format!("{} recent state change(s) of {}", v.len(), a.name)
                }),
            );
        }
        None => p.put(
            "cloudwatch:DescribeAlarmHistory",
            skipped(format!("no alarm in {}", c.region)),
        ),
    }
    probe_load_balancers(c, &alias_names, &mut p).await;
    probe_distributions(c, sites, &alias_names, &mut p).await;
    let mut out = p.0;
    // Keep the documented order.
    out.sort_by_key(|c| {
        READ.iter()
            .position(|(a, _)| *a == c.action)
            .unwrap_or(usize::MAX)
    });
    out
}

/// The hosted zone and every site's records. Returns the health check IDs and alias targets
/// the records name, which the later probes read.
async fn probe_records(c: &Clients, sites: &[&Site], p: &mut Probes) -> (Vec<String>, Vec<String>) {
    let mut hc_ids: Vec<String> = Vec::new();
    let mut alias_names: Vec<String> = Vec::new();
    let Some(first) = sites.first() else {
        return (hc_ids, alias_names);
    };
    let r = route53::zone_name(&c.route53, &first.zone_id).await;
    p.put(
        "route53:GetHostedZone",
        outcome(&r, |n| format!("{} is {n}", first.zone_id)),
    );
    let mut records_result = None;
    for site in sites {
        let beside = crate::model::journal::record_name(&site.record);
        let r = route53::records_at(&c.route53, &site.zone_id, &site.record, &beside).await;
        if let Ok(at) = &r {
            for rec in &at.records {
                hc_ids.extend(rec.health_check_id.clone());
                if let Some(a) = &rec.alias {
                    alias_names.push(a.dns_name.trim_end_matches('.').to_ascii_lowercase());
                }
            }
        }
        hc_ids.extend(site.health_checks.iter().cloned());
        let failed_here = r.is_err();
        if records_result.is_none() || failed_here {
            records_result = Some(outcome(&r, |at| {
                format!("{} record sets at {}", at.records.len(), site.record)
            }));
        }
        if failed_here {
            break;
        }
    }
    p.put(
        "route53:ListResourceRecordSets",
        records_result.unwrap_or_else(|| skipped("no site")),
    );
    (hc_ids, alias_names)
}

/// The account's health checks, the status and failure reasons of one of the sites' checks (or
/// the account's first), its CloudWatch metric, and tags.
async fn probe_health_checks(c: &Clients, mut hc_ids: Vec<String>, p: &mut Probes) {
    let checks = route53::health_checks(&c.route53).await;
    p.put(
        "route53:ListHealthChecks",
        outcome(&checks, |v| {
            format!("{} health checks in the account", v.len())
        }),
    );
    if hc_ids.is_empty()
        && let Ok(v) = &checks
    {
        hc_ids.extend(v.first().map(|h| h.id.clone()));
    }
    // GetHealthCheckStatus refuses CALCULATED checks: probe one that checks an endpoint.
    let probes = |id: &String| {
        checks.as_ref().ok().is_none_or(|v| {
            v.iter()
                .find(|h| &h.id == id)
                .is_none_or(|h| h.kind.probes_endpoint())
        })
    };
    let account_probe = checks
        .as_ref()
        .ok()
        .and_then(|v| v.iter().find(|h| h.kind.probes_endpoint()))
        .map(|h| h.id.clone());
    let probe = hc_ids
        .iter()
        .find(|id| probes(id))
        .cloned()
        .or(account_probe)
        .or_else(|| hc_ids.first().cloned());
    match probe.as_ref() {
        Some(id) => {
            let r = route53::health_check_status(&c.route53, id).await;
            p.put(
                "route53:GetHealthCheckStatus",
                outcome(&r, |v| format!("{} checkers report on {id}", v.len())),
            );
            let r = route53::last_failure_reasons(&c.route53, id).await;
            p.put(
                "route53:GetHealthCheckLastFailureReason",
                outcome(&r, |v| format!("{} failure reasons for {id}", v.len())),
            );
            let now = c.clock.now();
            let queries = cloudwatch::health_check_queries(id);
            let r = cloudwatch::metric_series(
                &c.cloudwatch_global,
                &queries,
                now - time::Duration::minutes(10),
                now,
            )
            .await;
            p.put(
                "cloudwatch:GetMetricData",
                outcome(&r, |v| format!("{} series for {id} (us-east-1)", v.len())),
            );
        }
        None => p.skip_all(
            &[
                "route53:GetHealthCheckStatus",
                "route53:GetHealthCheckLastFailureReason",
                "cloudwatch:GetMetricData",
            ],
            "no health check behind the sites",
        ),
    }
    match checks {
        Ok(mut v) if !v.is_empty() => {
            v.truncate(10);
            let r = route53::add_tags(&c.route53, &mut v).await;
            p.put(
                "route53:ListTagsForResources",
                outcome(&r, |_| format!("tags of {} health checks", v.len())),
            );
        }
        _ => p.put("route53:ListTagsForResources", skipped("no health check")),
    }
}

/// The load balancer behind the sites' aliases (or the region's first): listeners, rules,
/// target groups, target health and tags.
async fn probe_load_balancers(c: &Clients, alias_names: &[String], p: &mut Probes) {
    // In the region the aliases' load balancers live in (their DNS names say it).
    let region = alias_names
        .iter()
        .find_map(|a| crate::model::chain::region_of_elb_dns(a))
        .unwrap_or_else(|| c.region.clone());
    let elb = c.elbv2_in(&region);
    let lbs = elbv2::load_balancers(&elb).await;
    p.put(
        "elasticloadbalancing:DescribeLoadBalancers",
        outcome(&lbs, |v| format!("{} load balancers in {region}", v.len())),
    );
    let lb = lbs.ok().and_then(|v| {
        let behind = v
            .iter()
            .find(|lb| {
                let dns = lb.dns_name.to_ascii_lowercase();
                alias_names.iter().any(|a| a.ends_with(&dns))
            })
            .cloned();
        behind.or_else(|| v.first().cloned())
    });
    let Some(lb) = lb else {
        p.skip_all(
            &[
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                "elasticloadbalancing:DescribeTags",
            ],
            "no load balancer",
        );
        return;
    };
    let listeners = elbv2::listeners(&elb, &lb.arn).await;
    p.put(
        "elasticloadbalancing:DescribeListeners",
        outcome(&listeners, |v| {
            format!("{} listeners on {}", v.len(), lb.name)
        }),
    );
    match listeners
        .ok()
        .and_then(|v| v.first().map(|l| l.arn.clone()))
    {
        Some(arn) => {
            let r = elbv2::rules(&elb, &arn).await;
            p.put(
                "elasticloadbalancing:DescribeRules",
                outcome(&r, |v| format!("{} rules", v.len())),
            );
        }
        None => p.put("elasticloadbalancing:DescribeRules", skipped("no listener")),
    }
    let tgs = elbv2::target_groups_of(&elb, &lb.arn).await;
    p.put(
        "elasticloadbalancing:DescribeTargetGroups",
        outcome(&tgs, |v| {
            format!("{} target groups of {}", v.len(), lb.name)
        }),
    );
    match tgs.ok().and_then(|v| v.first().cloned()) {
        Some(tg) => {
            let r = elbv2::target_health(&elb, &tg.arn).await;
            p.put(
                "elasticloadbalancing:DescribeTargetHealth",
                outcome(&r, |v| format!("{} targets in {}", v.len(), tg.name)),
            );
            let a = elbv2::health_settings(&elb, &tg.arn).await;
            p.put(
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                outcome(&a, |m| {
                    format!(
                        "{} requires {} healthy target(s) for DNS failover",
                        tg.name,
                        m.dns_failover_count.unwrap_or(1)
                    )
                }),
            );
        }
        None => {
            for action in [
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTargetGroupAttributes",
            ] {
                p.put(action, skipped("no target group"));
            }
        }
    }
    let r = elbv2::tags(&elb, std::slice::from_ref(&lb.arn)).await;
    p.put(
        "elasticloadbalancing:DescribeTags",
        outcome(&r, |_| format!("tags of {}", lb.name)),
    );
}

/// The distribution a site names, or the one behind its aliases (or the account's first), and
/// its invalidations.
async fn probe_distributions(c: &Clients, sites: &[&Site], alias_names: &[String], p: &mut Probes) {
    let dists = cloudfront::distributions(&c.cloudfront).await;
    p.put(
        "cloudfront:ListDistributions",
        outcome(&dists, |v| format!("{} distributions", v.len())),
    );
    let configured = sites.iter().find_map(|s| s.distribution.clone());
    let dist_id = configured.or_else(|| {
        dists.ok().and_then(|v| {
            v.iter()
                .find(|d| {
                    let dns = d.domain_name.to_ascii_lowercase();
                    alias_names.contains(&dns)
                })
                .or(v.first())
                .map(|d| d.id.clone())
        })
    });
    let Some(id) = dist_id else {
        p.skip_all(
            &["cloudfront:GetDistribution", "cloudfront:ListInvalidations"],
            "no distribution",
        );
        return;
    };
    let r = cloudfront::distribution(&c.cloudfront, &id).await;
    p.put(
        "cloudfront:GetDistribution",
        outcome(&r, |d| format!("{id} is {}", d.status)),
    );
    let r = cloudfront::invalidations(&c.cloudfront, &id, 5).await;
    p.put(
        "cloudfront:ListInvalidations",
        outcome(&r, |v| format!("{} recent invalidations of {id}", v.len())),
    );
}

fn service_of(action: &str) -> &str {
    action.split(':').next().unwrap_or(action)
}

/// Runs `doctor`. Returns the exit code.
pub async fn run(global: &GlobalArgs, args: &DoctorArgs) -> i32 {
    let config = match load_config(global) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let config_line = format!(
        "{} ({} site{})",
        config.path.display(),
        config.sites.len(),
        if config.sites.len() == 1 { "" } else { "s" }
    );
    let session = match Session::start(config, &args.site, &overrides(global)).await {
        Ok(s) => s,
        Err(e) => {
            say_err!("switchyard doctor: {e}");
            return e.exit_code();
        }
    };
    let mut targets = Vec::new();
    for g in &session.groups {
        let sites: Vec<&Site> = g.sites.iter().map(|i| &session.config.sites[*i]).collect();
        let c = &g.fetcher.clients;
        let who = sts::identity(&c.sts).await;
        let identity = outcome(&who, |id| format!("{} (account {})", id.arn, id.account));
        let mut read = vec![ActionCheck {
            action: "sts:GetCallerIdentity".to_string(),
            outcome: identity.clone(),
        }];
        // Without credentials (none, or the role could not be assumed) every call fails alike:
        // say it once.
        let no_credentials =
            matches!(&who, Err(e) if e.kind == ErrorKind::Credentials || e.is_assuming_a_role());
        if !no_credentials {
            read.extend(probe_reads(c, &sites).await);
        }
        targets.push(TargetReport {
            profile: g.target.profile.clone(),
            role_arn: g.target.role_arn.clone(),
            region: c.region.clone(),
            sites: sites.iter().map(|s| s.name.clone()).collect(),
            identity,
            endpoints: endpoints(&read, &g.target, &c.region),
            write: write_needs(&sites),
            read,
        });
    }
    let (exit_code, missing_actions) = exit_code_and_denied(&targets);
    let report = DoctorReport {
        config: config_line,
        proxy: session.proxy.describe(),
        added_to_no_proxy: session.proxy.added_to_no_proxy.clone(),
        targets,
        missing_actions,
        exit_code,
    };
    let text = match args.output {
        OutputFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default(),
        OutputFormat::Table => crate::model::strings::terminal_safe(&render(&report)),
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", super::shown(&text));
    exit_code
}

/// Each service's endpoint for one account and region, and whether it answered (None: nothing
/// was asked of it).
fn endpoints(read: &[ActionCheck], target: &Target, region: &str) -> Vec<Endpoint> {
    [
        ("route53", "ROUTE_53"),
        ("cloudwatch", "CLOUDWATCH"),
        ("elasticloadbalancing", "ELASTIC_LOAD_BALANCING_V2"),
        ("cloudfront", "CLOUDFRONT"),
        ("sts", "STS"),
    ]
    .iter()
    .map(|(service, env)| {
        let region = if matches!(*service, "route53" | "cloudfront") {
            crate::aws::client::GLOBAL_REGION
        } else {
            region
        };
        let mine: Vec<&ActionCheck> = read
            .iter()
            .filter(|a| service_of(&a.action) == *service)
            .filter(|a| !matches!(a.outcome, Outcome::Skipped { .. }))
            .collect();
        let reachable = if mine.is_empty() {
            None
        } else {
            Some(mine.iter().any(|a| {
                !matches!(
                    a.outcome,
                    Outcome::Failed {
                        kind: ErrorKind::Network,
                        ..
                    }
                )
            }))
        };
        Endpoint {
            service: service.to_string(),
            url: endpoint_url(service, env, target, region),
            reachable,
        }
    })
    .collect()
}

/// The write actions the sites' switches need (the journal's and each strategy's), each with
/// the sites that need it.
fn write_needs(sites: &[&Site]) -> Vec<(String, Vec<String>)> {
    let mut write: Vec<(String, Vec<String>)> = Vec::new();
    for site in sites {
        if site.read_only || site.maintenance.is_empty() {
            continue;
        }
        let actions = JOURNAL
            .iter()
            .map(|(a, _)| *a)
            .chain(site.maintenance.iter().flat_map(write_actions));
        for a in actions {
            match write.iter_mut().find(|(w, _)| w == a) {
                Some((_, users)) => {
                    if !users.contains(&site.name) {
                        users.push(site.name.clone());
                    }
                }
                None => write.push((a.to_string(), vec![site.name.clone()])),
            }
        }
    }
    write
}

/// The exit code, and the IAM actions that were denied.
fn exit_code_and_denied(targets: &[TargetReport]) -> (i32, Vec<String>) {
    let failures: Vec<&Outcome> = targets
        .iter()
        .flat_map(|t| t.read.iter().map(|a| &a.outcome))
        .filter(|o| matches!(o, Outcome::Failed { .. }))
        .collect();
    let access = failures.iter().any(|o| {
        matches!(
            o,
            Outcome::Failed {
                kind: ErrorKind::AccessDenied | ErrorKind::Credentials,
                ..
            }
        )
    });
    let mut missing_actions: Vec<String> = targets
        .iter()
        .flat_map(|t| t.read.iter())
        .filter(|a| {
            matches!(
                a.outcome,
                Outcome::Failed {
                    kind: ErrorKind::AccessDenied,
                    ..
                }
            )
        })
        .map(|a| a.action.clone())
        .collect();
    missing_actions.dedup();
    let exit_code = if access {
        exit::ACCESS
    } else if failures.is_empty() {
        exit::OK
    } else {
        exit::UNREACHABLE
    };
    (exit_code, missing_actions)
}

fn mark(o: &Outcome) -> (&'static str, &str) {
    match o {
        Outcome::Ok { detail } => ("ok  ", detail),
        Outcome::Failed { detail, .. } => ("FAIL", detail),
        Outcome::Skipped { detail } => ("skip", detail),
    }
}

/// The report for a terminal or a log: one line per check.
pub fn render(r: &DoctorReport) -> String {
    let mut s = String::new();
    s.push_str(&format!("config    ok    {}\n", r.config));
    s.push_str(&format!("proxy           {}\n", r.proxy));
    for t in &r.targets {
        s.push_str(&format!(
            "\nAWS target: profile {}, role {}, region {} (sites: {})\n",
            t.profile.as_deref().unwrap_or("(default chain)"),
            t.role_arn.as_deref().unwrap_or("(none)"),
            t.region,
            t.sites.join(", ")
        ));
        let (m, d) = mark(&t.identity);
        s.push_str(&format!("  identity  {m}  {d}\n"));
        for e in &t.endpoints {
            let state = match e.reachable {
                Some(true) => "ok  ",
                Some(false) => "FAIL",
                None => "skip",
            };
            s.push_str(&format!(
                "  endpoint  {state}  {:<22} {}\n",
                e.service, e.url
            ));
        }
        s.push_str("  read actions, each tried once:\n");
        for a in t.read.iter().skip(1) {
            let (m, d) = mark(&a.outcome);
            s.push_str(&format!("    {m}  {:<44} {d}\n", a.action));
        }
        if !t.write.is_empty() {
            s.push_str("  write actions the strategies need (not tried: they change AWS):\n");
            for (a, sites) in &t.write {
                s.push_str(&format!("    ----  {a:<44} {}\n", sites.join(", ")));
            }
        }
    }
    if !r.missing_actions.is_empty() {
        s.push_str(&format!(
            "\nmissing IAM actions: {}\n",
            r.missing_actions.join(", ")
        ));
    }
    s.push_str(&format!(
        "\n{}\n",
        match r.exit_code {
            exit::OK => "everything switchyard needs to read works",
            exit::ACCESS => "credentials or permissions are missing (exit 3)",
            _ => "some endpoints could not be reached or failed (exit 8)",
        }
    ));
    s
}
