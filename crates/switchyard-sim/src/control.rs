//! The control API: what tests, the demo and rehearsals do to the simulated world. The same
//! commands come as JSON on `POST /_sim/control` and as [`Control`] values in Rust.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::faults::FaultSpec;
use super::server::{Shared, lock};
use super::world::ec2::{Behaviour, InstanceState};
use super::world::iso_ms;

/// One command to the emulator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Control {
    /// Stop an instance: it stops answering and publishing metrics.
    StopInstance {
        instance: String,
    },
    /// Start a stopped instance.
    StartInstance {
        instance: String,
    },
    /// Impair (or repair) an instance's status checks.
    ImpairInstance {
        instance: String,
        #[serde(default = "yes")]
        impaired: bool,
    },
    /// Fail (or repair) an instance's host: StatusCheckFailed_System and StatusCheckFailed
    /// report 1 (StatusCheckFailed_Instance stays 0), and the instance answers nothing.
    HostFailure {
        instance: String,
        #[serde(default = "yes")]
        failed: bool,
    },
    /// Make an origin, or an instance's application, answer like this (`healthy`, `http:503`,
    /// `timeout`, `refused`, `slow:<ms>` for a first byte that slow, `slow_connect:<ms>`).
    /// `target` is an instance ID, an origin name, IP or DNS name.
    SetBehaviour {
        target: String,
        behaviour: Behaviour,
    },
    /// How an instance or origin answers a TLS handshake: the names of its certificate (empty:
    /// any name) and whether it refuses a client_hello without SNI.
    SetTls {
        target: String,
        #[serde(default)]
        names: Vec<String>,
        #[serde(default)]
        sni_required: bool,
    },
    /// Make one target of a target group answer like this (by instance ID or IP).
    SetTarget {
        target_group: String,
        target: String,
        behaviour: Behaviour,
    },
    /// A partial, regional outage: Route 53's checkers in these regions cannot reach any
    /// endpoint (their probes time out) until it is ended (`down: false`), so that the 18% rule
    /// can be rehearsed.
    RegionOutage {
        regions: Vec<String>,
        #[serde(default = "yes")]
        down: bool,
    },
    /// Inject a fault into matching API calls.
    Fault(FaultSpec),
    /// Clear faults (of a service and operation, or all).
    ClearFaults {
        #[serde(default)]
        service: Option<String>,
        #[serde(default)]
        operation: Option<String>,
    },
    /// Switch Route 53's throttling at AWS's documented rates on or off.
    Throttling {
        enabled: bool,
    },
    PauseClock,
    ResumeClock,
    /// Move the clock forward; the world runs through the time in between.
    AdvanceClock {
        seconds: f64,
    },
    SetSpeed {
        speed: f64,
    },
    /// Set the call counter to zero and empty the call log.
    ResetCalls,
    /// Make GetCallerIdentity answer `arn` to requests signed with the access key ID
    /// `access_key` (two processes with different `AWS_ACCESS_KEY_ID` are two people).
    SetCaller {
        access_key: String,
        arn: String,
    },
}

fn yes() -> bool {
    true
}

/// Applies a command. Returns a JSON summary, or what is wrong with the command.
pub fn apply(shared: &Shared, cmd: Control) -> Result<Value, String> {
    match cmd {
        Control::Fault(spec) => {
            lock(&shared.faults).add(spec)?;
            Ok(json!({ "faults": lock(&shared.faults).list() }))
        }
        Control::ClearFaults { service, operation } => {
            let n = lock(&shared.faults).clear(service.as_deref(), operation.as_deref());
            shared.released.notify_waiters();
            Ok(json!({ "cleared": n }))
        }
        Control::Throttling { enabled } => {
            lock(&shared.throttle).set_enabled(enabled);
            Ok(json!({ "throttling": enabled }))
        }
        Control::ResetCalls => {
            *lock(&shared.calls) = Default::default();
            lock(&shared.log).clear();
            Ok(json!({ "calls": 0 }))
        }
        cmd => {
            let mut w = lock(&shared.world);
            w.sync();
            let now = w.now;
            match cmd {
                Control::StopInstance { instance } | Control::StartInstance { instance }
                    if w.instances.iter().all(|i| i.id != instance) =>
                {
                    return Err(format!("no instance {instance}"));
                }
                Control::StopInstance { instance } => {
                    let secs = w.timing.instance_stop_secs;
                    if let Some(i) = w.instance_mut(&instance)
                        && matches!(
                            i.state_at(now),
                            InstanceState::Running | InstanceState::Pending
                        )
                    {
                        i.state = InstanceState::Stopping;
                        i.until = now + secs * 1000;
                    }
                }
                Control::StartInstance { instance } => {
                    let secs = w.timing.instance_start_secs;
                    if let Some(i) = w.instance_mut(&instance)
                        && matches!(
                            i.state_at(now),
                            InstanceState::Stopped | InstanceState::Stopping
                        )
                    {
                        i.state = InstanceState::Pending;
                        i.until = now + secs * 1000;
                    }
                }
                Control::ImpairInstance { instance, impaired } => {
                    w.instance_mut(&instance)
                        .ok_or_else(|| format!("no instance {instance}"))?
                        .impaired = impaired;
                }
                Control::HostFailure { instance, failed } => {
                    w.instance_mut(&instance)
                        .ok_or_else(|| format!("no instance {instance}"))?
                        .host_failed = failed;
                }
                Control::SetTls {
                    target,
                    names,
                    sni_required,
                } => {
                    let tls = crate::world::ec2::Tls {
                        names,
                        sni_required,
                    };
                    if !w.set_tls(&target, tls) {
                        return Err(format!("no instance or origin {target}"));
                    }
                }
                Control::SetBehaviour { target, behaviour }
                    if !w.set_behaviour(&target, behaviour) =>
                {
                    return Err(format!("no instance or origin {target}"));
                }
                Control::SetTarget {
                    target_group,
                    target,
                    behaviour,
                } => {
                    let tg = w
                        .elb
                        .tgs
                        .iter()
                        .find(|t| t.name == target_group || t.arn == target_group)
                        .ok_or_else(|| format!("no target group {target_group}"))?;
                    if !tg.targets.iter().any(|t| t.id == target) {
                        return Err(format!("{target} is not a target of {target_group}"));
                    }
                    if !w.set_behaviour(&target, behaviour) {
                        return Err(format!(
                            "target {target} is neither an instance nor an origin of the scenario"
                        ));
                    }
                }
                Control::RegionOutage { regions, down } => {
                    let known = crate::world::route53::DEFAULT_CHECKER_REGIONS;
                    if let Some(bad) = regions.iter().find(|r| !known.contains(&r.as_str())) {
                        return Err(format!(
                            "{bad} is not a Route 53 checker region ({})",
                            known.join(", ")
                        ));
                    }
                    for r in regions {
                        if down {
                            w.checker_outages.insert(r);
                        } else {
                            w.checker_outages.remove(&r);
                        }
                    }
                }
                Control::SetCaller { access_key, arn } => {
                    if !arn.starts_with("arn:aws:") {
                        return Err(format!(
                            "{arn} is not an ARN (arn:aws:iam::ACCOUNT:user/NAME)"
                        ));
                    }
                    w.callers.insert(access_key, arn);
                }
                Control::PauseClock => w.clock.pause(),
                Control::ResumeClock => w.clock.resume(),
                Control::AdvanceClock { seconds } => {
                    if !(seconds.is_finite() && seconds >= 0.0) {
                        return Err("seconds must be a number of at least 0".into());
                    }
                    w.clock.advance((seconds * 1000.0) as i64);
                    w.sync();
                }
                Control::SetSpeed { speed } => {
                    if !(speed.is_finite() && speed >= 0.0) {
                        return Err("speed must be a number of at least 0".into());
                    }
                    w.clock.set_speed(speed);
                }
                _ => {}
            }
            Ok(json!({ "now": iso_ms(w.now) }))
        }
    }
}

/// What the emulator's world looks like, for `GET /_sim/state`.
pub fn state(shared: &Shared) -> Value {
    let mut w = lock(&shared.world);
    w.sync();
    let now = w.now;
    json!({
        "now": iso_ms(now),
        "speed": w.clock.speed(),
        "paused": w.clock.paused(),
        "throttling": lock(&shared.throttle).enabled,
        "faults": lock(&shared.faults).list(),
        "checker_outages": w.checker_outages.iter().collect::<Vec<_>>(),
        "callers": w.callers,
        "instances": w.instances.iter().map(|i| json!({
            "id": i.id, "name": i.name, "state": i.state_at(now).as_str(), "impaired": i.impaired,
            "host_failure": i.host_failed, "app": i.app.to_string(),
        })).collect::<Vec<_>>(),
        "health_checks": w.r53.health_checks.iter().map(|h| json!({
            "id": h.id, "healthy": w.hc_healthy(&h.id), "percent_healthy": h.percent_healthy(),
        })).collect::<Vec<_>>(),
    })
}
