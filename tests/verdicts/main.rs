//! Never a false green (issue 14), through the real binary against the built-in emulator:
//! - `down`: DOWN (exit 15) in every way the answered record can lead to nothing that serves,
//!   and the states that look like it and are not;
//! - `complete`: a chain not read in full is said loudly: `complete`/`unread` in the JSON, exit 3
//!   with the missing permission named on stderr and in the table, for every service;
//! - `unchecked`: preflight checks and verification conditions that could not be made: never
//!   `[ok]`, refused without `--force` (exit 4), with what would let them be checked.

mod behaviours;
mod complete;
mod down;
mod unchecked;

#[path = "../switch/support.rs"]
#[allow(dead_code)]
mod support;

use serde_json::Value;
use support::{Env, Out};
use switchyard_sim::FaultKind;

/// `status --output json` on the env's config: its exit code and its JSON (whose exit code is
/// the process's).
async fn status(env: &Env, more: &[&str]) -> (Out, Value) {
    let mut args = vec!["status", "--output", "json"];
    args.extend_from_slice(more);
    let out = env.run(&args).await;
    let json: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("status printed no JSON ({e}):\n{out}"));
    assert_eq!(json["version"], 1, "{out}");
    assert_eq!(
        json["exit_code"], out.code,
        "the JSON's exit code is the process's"
    );
    (out, json)
}

/// One site of a status report.
fn site<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no site {name} in {json:#}"))
}

/// The site's reasons, one a line.
fn reasons(site: &Value) -> String {
    site["reasons"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|x| x.as_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// An AWS error code answered to every call of one operation.
fn deny(env: &Env, service: &str, operation: &str, code: &str) {
    env.fault(
        service,
        operation,
        FaultKind::Error {
            code: code.into(),
            message: None,
            status: None,
        },
        None,
    );
}

/// Stops instances of the scenario.
fn stop(env: &Env, ids: &[&str]) {
    for id in ids {
        env.sim
            .control(switchyard_sim::Control::StopInstance {
                instance: (*id).into(),
            })
            .unwrap();
    }
}

const SHOP: [&str; 2] = ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"];
const PAY: [&str; 2] = ["i-0b0b0b0b0b0b00101", "i-0b0b0b0b0b0b00102"];
