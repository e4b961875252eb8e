//! `switchyard rehearse`: the site's chain read with read-only calls, written as an emulator
//! scenario, and the console (or a bare emulator, for scripts) on that copy.

pub(crate) mod export;

use std::sync::Arc;

use crate::cli::{GlobalArgs, RehearseArgs};
use crate::model::site::SiteObservations;
use crate::poll::round::Depth;
use crate::poll::session::{Overrides, Session};
use export::{Export, PrimaryParts, export};
use switchyard_sim::world::ec2::Behaviour;
use switchyard_sim::{Control, Scenario, SimHandle, SimOptions};

use super::{load_config, overrides};

/// Exit code: the site could not be read.
const READ_FAILED: i32 = 5;

/// A rehearsal's copy, running: the emulator serving it, and the config and AWS settings that
/// point the console at it.
pub struct Copy {
    pub sim: Arc<SimHandle>,
    /// The site alone, its DNS questions sent to the copy and its events logged apart.
    pub config: crate::config::Config,
    /// The copy's endpoint and credentials.
    pub overrides: Overrides,
    /// What stands behind the primary in the copy: what the fault menu acts on.
    pub primary: PrimaryParts,
    /// When the copy started: the rehearsal's switches are those after it.
    pub started: time::OffsetDateTime,
}

impl Copy {
    /// Stops the copy's emulator (once nothing else holds it).
    pub async fn stop(self) {
        if let Ok(sim) = Arc::try_unwrap(self.sim) {
            sim.shutdown().await;
        }
    }
}

/// Runs `switchyard rehearse` up to the copy: reads the site (read calls only), writes it as a
/// scenario (`--save`), and starts the emulator on it. Err is the exit code, after a message.
pub async fn prepare(global: &GlobalArgs, args: &RehearseArgs) -> Result<Copy, i32> {
    let mut config = load_config(global)?;
    if !(args.speed.is_finite() && args.speed >= 0.0) {
        eprintln!(
            "switchyard rehearse: --speed must be a number of at least 0, not {}",
            args.speed
        );
        return Err(2);
    }
    let mut session = match Session::start(
        config.clone(),
        std::slice::from_ref(&args.site),
        &overrides(global),
    )
    .await
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("switchyard rehearse: {e}");
            return Err(e.exit_code());
        }
    };
    let copy = match read_site(&mut session, &args.site).await {
        Ok((_, copy)) => copy,
        Err(e) => {
            eprintln!("switchyard rehearse: {e}");
            return Err(READ_FAILED);
        }
    };
    drop(session);
    for n in &copy.notes {
        eprintln!("switchyard rehearse: note: {n}");
    }
    let text = scenario_text(&copy).map_err(|e| {
        eprintln!("switchyard rehearse: cannot write the copy as a scenario: {e}");
        1
    })?;
    if let Some(path) = &args.save {
        if let Err(e) = std::fs::write(path, &text) {
            eprintln!("switchyard rehearse: cannot write {}: {e}", path.display());
            return Err(2);
        }
        eprintln!(
            "switchyard rehearse: the copy is saved in {}; replay it with `switchyard sim --scenario {}`",
            path.display(),
            path.display()
        );
    }
    // The copy is started from its text: what runs is exactly what was saved.
    let scenario = Scenario::parse(&text).map_err(|e| {
        eprintln!("switchyard rehearse: the copy does not load: {e}");
        1
    })?;
    let mut opts = SimOptions::new(scenario);
    opts.port = args.port;
    opts.speed = args.speed;
    let sim = match switchyard_sim::start(opts).await {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("switchyard rehearse: {e}");
            return Err(2);
        }
    };
    config.sites.retain(|s| s.name == args.site);
    config.defaults.dns_server = Some(sim.dns_server());
    // Route 53's answers from the copy's name servers, as from AWS's.
    crate::aws::nameservers::use_emulator(&sim.env_vars());
    // The rehearsal's events go beside the real ones, never into them.
    let log = &config.defaults.event_log;
    let name = log
        .file_name()
        .map(|n| format!("rehearsal-{}", n.to_string_lossy()))
        .unwrap_or_else(|| "rehearsal-events.jsonl".into());
    config.defaults.event_log = log.with_file_name(name);
    let overrides = Overrides {
        profile: None,
        region: None,
        endpoint_url: Some(sim.endpoint()),
        static_credentials: Some(("switchyard-sim".into(), "switchyard-sim".into())),
        journal_check: Some(crate::switch::binding::for_readers()),
    };
    Ok(Copy {
        sim,
        config,
        overrides,
        primary: copy.primary,
        started: time::OffsetDateTime::now_utc(),
    })
}

/// The report of the rehearsed window, next to `--save FILE`, when the rehearsal stops: from
/// the copy's AWS history, and the rehearsal's audit log (the console's switches) and events.
pub async fn report(copy: &Copy, site: &str, no_console: bool, save: &std::path::Path) {
    // The console audits the copy's switches apart; without a console, the switches are made
    // by other commands and the copy's history holds them.
    let audit = (!no_console).then(rehearsal_audit_log).flatten();
    super::report::after_rehearsal(
        &copy.config,
        site,
        &copy.overrides,
        audit,
        copy.started,
        save,
    )
    .await;
}

/// The audit log of the rehearsal console's switches, apart from real ones.
pub fn rehearsal_audit_log() -> Option<std::path::PathBuf> {
    crate::switch::audit::default_path().map(|p| p.with_file_name("rehearsal-audit.jsonl"))
}

/// The copy as a scenario file, with a header that says what it is.
pub fn scenario_text(copy: &Export) -> Result<String, String> {
    let body = toml::to_string(&copy.scenario).map_err(|e| e.to_string())?;
    let mut head = String::from(
        "# A copy of a site made by `switchyard rehearse` from read-only calls.\n\
         # Replay it with: switchyard sim --scenario THIS_FILE\n",
    );
    for n in &copy.notes {
        head.push_str(&format!("# note: {}\n", n.replace('\n', " ")));
    }
    Ok(format!("{head}\n{body}"))
}

/// `--no-console`: the copy's endpoint and environment, then serve until Ctrl-C or SIGTERM.
pub async fn serve(sim: &SimHandle, site: &str, speed: f64) -> i32 {
    println!(
        "switchyard rehearse: a copy of site {site} at {} (speed {speed}x); production is not touched",
        sim.endpoint()
    );
    println!("Point switchyard (and the AWS CLI) at the copy with:");
    let (vars, _ca) = crate::commands::sim::printed_env(sim);
    for (k, v) in vars {
        println!("  {}", crate::commands::sim::export_line(&k, &v));
    }
    println!(
        "Faults: POST {}/_sim/control, for example {{\"action\":\"stop_instance\",\"instance\":\"i-...\"}}",
        sim.endpoint()
    );
    println!("Serving until Ctrl-C.");
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("switchyard rehearse: cannot wait for signals: {e}");
            return 1;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    // Whoever read the copy's environment may have gone (a closed pipe): saying it must not
    // stop what follows (the report of the rehearsed window).
    {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stdout(),
            "switchyard rehearse: the copy is stopped."
        );
    }
    0
}

/// A fault a rehearsal can inject into its copy, from the fault menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Stop the instances behind the primary.
    StopPrimary,
    /// Start them again.
    StartPrimary,
    /// Make the primary's targets and endpoints time out.
    FailPrimaryTargets,
    /// Put everything back as it was read, and clear injected API faults.
    Clear,
}

impl Fault {
    /// In the order of the menu.
    pub const ALL: [Fault; 4] = [
        Fault::StopPrimary,
        Fault::StartPrimary,
        Fault::FailPrimaryTargets,
        Fault::Clear,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Fault::StopPrimary => "stop the primary's instances",
            Fault::StartPrimary => "start the primary's instances",
            Fault::FailPrimaryTargets => "make the primary's targets unhealthy",
            Fault::Clear => "clear faults (everything back as read from production)",
        }
    }
}

/// Applies a fault of the fault menu to the copy; says what was done.
pub fn apply_fault(
    sim: &SimHandle,
    primary: &PrimaryParts,
    fault: Fault,
) -> Result<String, String> {
    let none = || "nothing stands behind the primary in the copy".to_string();
    match fault {
        Fault::StopPrimary | Fault::StartPrimary => {
            if primary.instances.is_empty() {
                return Err("no instances stand behind the primary in the copy".into());
            }
            for i in &primary.instances {
                let c = if fault == Fault::StopPrimary {
                    Control::StopInstance {
                        instance: i.clone(),
                    }
                } else {
                    Control::StartInstance {
                        instance: i.clone(),
                    }
                };
                sim.control(c)?;
            }
            let verb = if fault == Fault::StopPrimary {
                "stopping"
            } else {
                "starting"
            };
            Ok(format!("{verb} {}", primary.instances.join(", ")))
        }
        Fault::FailPrimaryTargets => {
            if primary.behaviours.is_empty() {
                return Err(none());
            }
            for (target, _) in &primary.behaviours {
                sim.control(Control::SetBehaviour {
                    target: target.clone(),
                    behaviour: Behaviour::Timeout,
                })?;
            }
            let names: Vec<&str> = primary.behaviours.iter().map(|(t, _)| t.as_str()).collect();
            Ok(format!("{} time out", names.join(", ")))
        }
        Fault::Clear => {
            sim.control(Control::ClearFaults {
                service: None,
                operation: None,
            })?;
            for (target, b) in &primary.behaviours {
                sim.control(Control::SetBehaviour {
                    target: target.clone(),
                    behaviour: *b,
                })?;
            }
            for i in &primary.running {
                sim.control(Control::StartInstance {
                    instance: i.clone(),
                })?;
            }
            Ok("everything behind the primary answers as it did in production".into())
        }
    }
}

/// Reads one site of a started session in detail (read-only calls: the normal round, plus
/// GetHostedZone for the zone's name) and makes its copy.
pub async fn read_site(
    session: &mut Session,
    name: &str,
) -> Result<(SiteObservations, Export), String> {
    let index = session
        .config
        .sites
        .iter()
        .position(|s| s.name == name)
        .ok_or_else(|| format!("no site named {name:?}"))?;
    session.refresh_one(name, &|_| Depth::Detail).await;
    let obs = session.observations[index].clone();
    if let Some(e) = &obs.records.error {
        return Err(format!(
            "cannot read the records of {}: {}",
            obs.record_name, e.error
        ));
    }
    let group = session
        .groups
        .iter()
        .find(|g| g.sites.contains(&index))
        .ok_or_else(|| format!("site {name} is not watched by this session"))?;
    let clients = &group.fetcher.clients;
    let mut extra = Vec::new();
    let zone_name = match crate::aws::route53::zone_name(&clients.route53, &obs.zone_id).await {
        Ok(z) if !z.is_empty() => z,
        result => {
            // The zone's name from the record's: one label less.
            let guess = obs
                .record_name
                .trim_end_matches('.')
                .split_once('.')
                .map_or_else(|| obs.record_name.clone(), |(_, rest)| rest.to_string());
            let why = match result {
                Err(e) => e.to_string(),
                Ok(_) => "no name given".to_string(),
            };
            extra.push(format!(
                "the name of hosted zone {} could not be read ({why}); the copy calls it {guess}",
                obs.zone_id
            ));
            guess
        }
    };
    let mut copy = export(&obs, &zone_name, &clients.region);
    copy.notes.extend(extra);
    Ok((obs, copy))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use time::OffsetDateTime;

    use super::*;
    use crate::model::verdict::{VerdictKind, verdict};
    use crate::poll::session::Overrides;
    use switchyard_sim::Control;
    use switchyard_sim::world::ec2::Behaviour;
    use switchyard_sim::{Scenario, SimHandle, SimOptions};

    async fn sim(scenario: Scenario) -> SimHandle {
        let mut opts = SimOptions::new(scenario);
        opts.start = Some(switchyard_sim::real_now_ms());
        switchyard_sim::start(opts).await.unwrap()
    }

    async fn session(config_text: &str, sim: &SimHandle, site: &str) -> Session {
        let mut config = crate::config::parse(config_text, Path::new("test.toml")).unwrap();
        config.defaults.dns_server = Some(sim.dns_server());
        let overrides = Overrides {
            profile: None,
            region: None,
            endpoint_url: Some(sim.endpoint()),
            static_credentials: Some(("switchyard-sim".into(), "switchyard-sim".into())),
            journal_check: None,
        };
        Session::start(config, &[site.to_string()], &overrides)
            .await
            .unwrap()
    }

    /// The fields a copy must keep, in one comparable summary.
    fn key_fields(o: &SiteObservations) -> serde_json::Value {
        let records: Vec<String> = o.site_records().iter().map(|r| r.describe()).collect();
        let mut hcs: Vec<serde_json::Value> = o
            .health_checks
            .values()
            .filter_map(|h| h.config.get())
            .map(|h| {
                serde_json::json!({
                    "id": h.id, "kind": h.kind.as_str(), "target": h.target,
                    "interval": h.request_interval.as_secs(), "threshold": h.failure_threshold,
                    "inverted": h.inverted, "disabled": h.disabled, "alarm": h.alarm,
                    "children": h.children,
                })
            })
            .collect();
        hcs.sort_by_key(|v| v.to_string());
        let lbs: Vec<(String, String, String)> = o
            .load_balancers
            .get()
            .into_iter()
            .flatten()
            .map(|l| {
                (
                    l.arn.clone(),
                    l.dns_name.clone(),
                    l.kind.as_str().to_string(),
                )
            })
            .collect();
        let listeners: Vec<(String, u16, Vec<String>)> = o
            .listeners
            .values()
            .filter_map(|l| l.get())
            .flatten()
            .map(|l| {
                (
                    l.arn.clone(),
                    l.port,
                    l.default_actions.iter().map(|a| a.describe()).collect(),
                )
            })
            .collect();
        let rules: Vec<(Option<u32>, Vec<String>)> = o
            .rules
            .values()
            .filter_map(|r| r.get())
            .flatten()
            .filter(|r| !r.is_default)
            .map(|r| (r.priority, r.actions.iter().map(|a| a.describe()).collect()))
            .collect();
        let tgs: Vec<(String, String)> = o
            .target_groups
            .get()
            .into_iter()
            .flatten()
            .map(|t| (t.arn.clone(), t.name.clone()))
            .collect();
        let targets: Vec<(String, String, String)> = o
            .target_health
            .iter()
            .flat_map(|(arn, h)| {
                h.get()
                    .into_iter()
                    .flatten()
                    .map(move |t| (arn.clone(), t.id.clone(), t.state.as_str().to_string()))
            })
            .collect();
        let alarms: Vec<(String, String)> = o
            .alarms
            .iter()
            .filter_map(|a| a.alarm.get())
            .map(|a| (a.name.clone(), a.state.as_str().to_string()))
            .collect();
        let dist = o
            .distribution
            .as_ref()
            .and_then(|d| d.distribution.get())
            .map(|d| {
                serde_json::json!({
                    "id": d.id, "domain": d.domain_name, "status": d.status.as_str(),
                    "enabled": d.enabled, "aliases": d.aliases, "errors": d.error_responses,
                })
            });
        serde_json::json!({
            "zone": o.zone_id, "records": records, "health_checks": hcs, "lbs": lbs,
            "listeners": listeners, "rules": rules, "tgs": tgs, "targets": targets,
            "alarms": alarms, "distribution": dist,
        })
    }

    /// Reads every site of `config_text` from `source`, copies it, loads the copy into a second
    /// emulator and reads it again: the same verdict and the same key fields. Returns the
    /// verdicts.
    async fn round_trip(name: &str, source: &SimHandle, config_text: &str) -> Vec<VerdictKind> {
        let config = crate::config::parse(config_text, Path::new("x.toml")).unwrap();
        let mut kinds = Vec::new();
        for site in &config.sites {
            let mut s = session(config_text, source, &site.name).await;
            let (before, copy) = read_site(&mut s, &site.name).await.unwrap();
            let text = toml::to_string(&copy.scenario).unwrap();
            let loaded = Scenario::parse(&text)
                .unwrap_or_else(|e| panic!("{name}/{}: {e}\n{text}", site.name));
            let target = sim(loaded).await;
            let mut s2 = session(config_text, &target, &site.name).await;
            let (after, again) = read_site(&mut s2, &site.name).await.unwrap();
            let now = OffsetDateTime::now_utc();
            let stale = config.defaults.stale_after;
            let (v1, v2) = (verdict(&before, now, stale), verdict(&after, now, stale));
            assert_eq!(
                (v1.kind, &v1.served),
                (v2.kind, &v2.served),
                "{name}/{}: {:?} vs {:?}\nnotes: {:?}\n{text}",
                site.name,
                v1.reasons,
                v2.reasons,
                copy.notes
            );
            let (k1, k2) = (key_fields(&before), key_fields(&after));
            assert_eq!(
                k1,
                k2,
                "{name}/{}\n{}\n{}\n{text}",
                site.name,
                serde_json::to_string_pretty(&k1).unwrap(),
                serde_json::to_string_pretty(&k2).unwrap()
            );
            // A copy of the copy is the copy.
            assert_eq!(
                toml::to_string(&again.scenario).unwrap(),
                text,
                "{name}/{}",
                site.name
            );
            target.shutdown().await;
            kinds.push(v1.kind);
        }
        kinds
    }

    fn assets(path: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets")
            .join(path)
    }

    /// Every site of every shipped scenario survives the round trip.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_scenario_survives_the_round_trip() {
        let mut checked = 0;
        for name in [
            "demo",
            "alb-cloudfront",
            "cloudwatch-metric",
            "dns-name-control",
            "nlb-sorry",
        ] {
            let scenario = Scenario::load(&assets(&format!("scenarios/{name}.toml"))).unwrap();
            let config_text =
                std::fs::read_to_string(assets(&format!("configs/{name}.toml"))).unwrap();
            let source = sim(scenario).await;
            checked += round_trip(name, &source, &config_text).await.len();
            source.shutdown().await;
        }
        assert!(checked >= 10, "{checked} sites checked");
    }

    /// A broken production is broken in the copy: stopped and failing instances, an impaired
    /// instance behind a CLOUDWATCH_METRIC check, a failing health check endpoint.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn faults_in_production_are_faults_in_the_copy() {
        let scenario = Scenario::load(&assets("scenarios/demo.toml")).unwrap();
        let config_text = std::fs::read_to_string(assets("configs/demo.toml")).unwrap();
        let mut opts = SimOptions::new(scenario);
        opts.paused = true;
        let source = switchyard_sim::start(opts).await.unwrap();
        for c in [
            Control::StopInstance {
                instance: "i-0a1b2c3d4e5f60001".into(),
            },
            Control::SetBehaviour {
                target: "i-0a1b2c3d4e5f60002".into(),
                behaviour: Behaviour::Http(503),
            },
            Control::ImpairInstance {
                instance: "i-0c0ffee0000000001".into(),
                impaired: true,
            },
            Control::SetBehaviour {
                target: "i-0b0b0b0b0b0b00101".into(),
                behaviour: Behaviour::Timeout,
            },
            Control::SetBehaviour {
                target: "i-0d0d0d0d0d0d00201".into(),
                behaviour: Behaviour::Refused,
            },
            Control::AdvanceClock { seconds: 900.0 },
        ] {
            source.control(c).unwrap();
        }
        let kinds = round_trip("demo with faults", &source, &config_text).await;
        assert!(
            kinds
                .iter()
                .filter(|k| **k == VerdictKind::FailedOver)
                .count()
                >= 2,
            "{kinds:?}"
        );
        source.shutdown().await;
    }

    /// The fault menu acts on the copy: the primary's instances stop and start, its targets
    /// time out, and "clear" puts back what was read.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn faults_act_on_the_primary_of_the_copy() {
        let source = sim(Scenario::load(&assets("scenarios/demo.toml")).unwrap()).await;
        let config_text = std::fs::read_to_string(assets("configs/demo.toml")).unwrap();
        let mut s = session(&config_text, &source, "shop").await;
        let (_, copy) = read_site(&mut s, "shop").await.unwrap();
        assert_eq!(
            copy.primary.instances,
            vec!["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"]
        );
        let target = sim(copy.scenario.clone()).await;
        let state = |sim: &SimHandle| {
            sim.with_world(|w| {
                w.instances
                    .iter()
                    .map(|i| (i.state_at(w.now).as_str().to_string(), i.app.to_string()))
                    .collect::<Vec<_>>()
            })
        };
        let said = apply_fault(&target, &copy.primary, Fault::StopPrimary).unwrap();
        assert!(said.contains("i-0a1b2c3d4e5f60001"), "{said}");
        assert!(state(&target).iter().all(|(s, _)| s == "stopping"));
        apply_fault(&target, &copy.primary, Fault::FailPrimaryTargets).unwrap();
        assert!(state(&target).iter().all(|(_, app)| app == "timeout"));
        apply_fault(&target, &copy.primary, Fault::Clear).unwrap();
        assert!(state(&target).iter().all(|(_, app)| app == "healthy"));
        // Production did not move.
        let shop = source.with_world(|w| {
            w.instances
                .iter()
                .filter(|i| i.name.starts_with("shop-"))
                .all(|i| i.state_at(w.now).as_str() == "running" && i.app.to_string() == "healthy")
        });
        assert!(shop);
        // Nothing behind the primary: a clear refusal.
        let empty = PrimaryParts::default();
        assert!(apply_fault(&target, &empty, Fault::StopPrimary).is_err());
        target.shutdown().await;
        source.shutdown().await;
    }
}
