//! The switchyard binary as the tests run it: only the AWS environment a test gives (none of
//! the caller's AWS_* or proxy variables), and a private home, state folder and log file
//! (`<home>/switchyard.log`).

use std::path::Path;

pub fn switchyard(home: &Path, env: &[(String, String)]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchyard"));
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") || k.to_ascii_lowercase().ends_with("_proxy") {
            cmd.env_remove(k);
        }
    }
    cmd.env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("SWITCHYARD_CONFIG")
        .env_remove("SWITCHYARD_READ_ONLY")
        .env_remove("COLUMNS")
        .envs(env.iter().cloned())
        .arg("--log-file")
        .arg(home.join("switchyard.log"));
    cmd
}
