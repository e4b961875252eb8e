//! Logs go to a file, never to the screen the console draws on.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The default log file: `$XDG_STATE_HOME/switchyard/switchyard.log`.
pub fn default_path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("switchyard").join("switchyard.log"))
}

/// Starts logging to `path` (or the default). Level from `SWITCHYARD_LOG` (default `info`).
/// Without a writable log file, nothing is logged: the console must never draw log lines.
pub fn init(path: Option<&Path>) {
    let Some(path) = path.map(Path::to_path_buf).or_else(default_path) else {
        return;
    };
    let Ok(file) = crate::files::open_append(&path) else {
        return;
    };
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("SWITCHYARD_LOG").unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new(
                "info,aws_config=warn,aws_smithy_runtime=warn,hyper=warn",
            )
        });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
}
