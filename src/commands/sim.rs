//! `switchyard sim`: the emulator as a process of its own.

use crate::cli::SimArgs;

use switchyard_sim::{Scenario, SimOptions, start};

/// Runs the emulator until Ctrl-C (or SIGTERM). Returns the process exit code.
pub fn run(args: SimArgs) -> color_eyre::Result<i32> {
    let loaded = match (&args.scenario, args.sites) {
        (Some(path), _) => Scenario::load(path),
        (None, Some(n)) => Ok(switchyard_sim::scenario::generate_account(
            usize::from(n),
            args.account.unwrap_or(0),
        )),
        (None, None) => Err("give --scenario FILE or --sites N".to_string()),
    };
    let scenario = match loaded {
        Ok(s) => s,
        Err(e) => {
            eprintln!("switchyard sim: {e}");
            return Ok(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        // The handlers are in place before the endpoint is printed: a runbook that reads the
        // endpoint and then interrupts the emulator at once gets a clean stop, not a kill.
        use tokio::signal::unix::{SignalKind, signal};
        let mut sigint = signal(SignalKind::interrupt())?;
        let mut sigterm = signal(SignalKind::terminate())?;
        let name = scenario.name.clone();
        let mut opts = SimOptions::new(scenario);
        opts.port = args.port;
        opts.speed = args.speed;
        opts.dns_forward = args.dns_forward;
        opts.name_server_forward = args.ns_forward;
        let sim = match start(opts).await {
            Ok(sim) => sim,
            Err(e) => {
                eprintln!("switchyard sim: {e}");
                return Ok(2);
            }
        };
        println!(
            "switchyard emulator: scenario {name:?} at {} (speed {}x)",
            sim.endpoint(),
            args.speed
        );
        println!("Point the AWS SDKs and the AWS CLI at it with:");
        let (vars, _ca) = printed_env(&sim);
        for (k, v) in vars {
            println!("  {}", export_line(&k, &v));
        }
        println!(
            "Control API: {}/_sim/state, {}/_sim/calls, POST {}/_sim/control",
            sim.endpoint(),
            sim.endpoint(),
            sim.endpoint()
        );
        println!("Serving until Ctrl-C.");
        tokio::select! {
            _ = sigint.recv() => {}
            _ = sigterm.recv() => {}
        }
        sim.shutdown().await;
        println!("switchyard emulator stopped.");
        Ok(0)
    })
}

/// The data plane's certificate authority in a file for as long as the emulator runs (removed
/// when dropped): an export line names it rather than holding the PEM.
pub struct CaFile(std::path::PathBuf);

impl Drop for CaFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The emulator's environment as printed for a shell: `SWITCHYARD_PROBE_CA` names a file that
/// holds the PEM (kept while the returned guard lives), so every export is one line.
pub fn printed_env(sim: &switchyard_sim::SimHandle) -> (Vec<(String, String)>, Option<CaFile>) {
    let mut guard = None;
    let vars = sim
        .env_vars()
        .into_iter()
        .filter_map(|(k, v)| {
            if k != "SWITCHYARD_PROBE_CA" {
                return Some((k, v));
            }
            let path = std::env::temp_dir().join(format!(
                "switchyard-sim-{}-{}-ca.pem",
                sim.port(),
                std::process::id()
            ));
            std::fs::write(&path, &v).ok()?;
            let shown = path.display().to_string();
            guard = Some(CaFile(path));
            Some((k, shown))
        })
        .collect();
    (vars, guard)
}

/// `export K=V` as a shell reads it back: values other than plain words in single quotes (the
/// probe's certificate spans lines).
pub fn export_line(key: &str, value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@".contains(c));
    if plain {
        format!("export {key}={value}")
    } else {
        format!("export {key}='{}'", value.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod export_tests {
    use super::export_line;

    #[test]
    fn values_a_shell_would_split_are_quoted() {
        assert_eq!(
            export_line("A", "http://127.0.0.1:4566"),
            "export A=http://127.0.0.1:4566"
        );
        assert_eq!(export_line("B", "x y\nz"), "export B='x y\nz'");
        assert_eq!(export_line("C", "it's"), "export C='it'\\''s'");
    }
}
