//! The TOML config: sites, their resources and their maintenance strategies.
//!
//! A config file holds optional `[defaults]` and one `[[site]]` table per public name. A site
//! needs only `name`, `zone` and `record`; everything behind the record is discovered at run
//! time, but may be named explicitly. `[[site.maintenance]]` tables list the strategies the switch
//! engine runs to put the site into maintenance. `assets/switchyard.example.toml` shows them all.
//!
//! Loading happens in two phases: the text is parsed into a TOML tree that keeps the position of
//! every key and value, then the tree is validated by hand into the runtime types of [`schema`].
//! Every problem found is reported, each with `file:line:col`, the key path and what is
//! expected (see [`ConfigError`]).
//!
//! ```no_run
//! # fn main() -> Result<(), switchyard::config::ConfigError> {
//! let path = switchyard::config::locate(None)?;
//! let config = switchyard::config::load(&path)?;
//! for site in &config.sites {
//!     println!("{} -> {} {}", site.name, site.record, site.record_type.as_str());
//! }
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod error;
pub(crate) mod ids;
pub mod schema;
mod strategy;
mod suggest;
mod tree;
mod validate;

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use toml::de::DeTable;

pub use error::{ConfigError, Problem, ProblemKind};
pub use schema::{
    AlarmRef, AwsTarget, Config, DEFAULT_APPROVAL_TTL, OperatorAllow, RecordType, RulePriority,
    Site, SorryAction, Strategy,
};

use tree::Ctx;
use validate::Env;

/// The largest config file accepted, in bytes.
/// (50,000 sites take about 7 MiB: room for them, not for a log file given by mistake.)
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;

/// The environment variable naming the config file.
pub const ENV_VAR: &str = "SWITCHYARD_CONFIG";

/// Finds the config file: `explicit` (from `--config`), else `$SWITCHYARD_CONFIG`, else
/// `$XDG_CONFIG_HOME/switchyard/config.toml` (default `~/.config/switchyard/config.toml`).
///
/// A path given explicitly or by the environment variable must exist: switchyard never falls
/// back to another file than the one the operator named. When nothing is found, the error lists
/// every place that was tried.
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf, ConfigError> {
    locate_with(explicit, &|key| std::env::var_os(key))
}

/// [`locate`] with the environment given as a function (for tests).
fn locate_with(
    explicit: Option<&Path>,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Result<PathBuf, ConfigError> {
    let env = |key: &str| env(key).filter(|v| !v.is_empty());
    if let Some(p) = explicit {
        return existing(p, "given with --config");
    }
    if let Some(p) = env(ENV_VAR) {
        return existing(Path::new(&p), "named by $SWITCHYARD_CONFIG");
    }
    let xdg = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let home = env("HOME").map(PathBuf::from);
    let (label, default) = match (xdg, home) {
        (Some(x), _) => (
            "$XDG_CONFIG_HOME/switchyard/config.toml",
            Some(x.join("switchyard").join("config.toml")),
        ),
        (None, Some(h)) => (
            "~/.config/switchyard/config.toml",
            Some(h.join(".config").join("switchyard").join("config.toml")),
        ),
        (None, None) => ("~/.config/switchyard/config.toml", None),
    };
    let default_state = match &default {
        Some(p) if p.is_file() => return Ok(p.clone()),
        Some(p) => format!("{} (not found)", p.display()),
        None => "(neither $XDG_CONFIG_HOME nor $HOME is set)".into(),
    };
    let message = format!(
        "no config file found. Looked in:\n  \
         --config: not given\n  \
         ${ENV_VAR}: not set\n  \
         {label}: {default_state}\n\
         Create one there (assets/switchyard.example.toml is a commented sample), or pass \
         --config PATH."
    );
    Err(Problem::general(default.unwrap_or_default(), ProblemKind::NotFound, message).into())
}

fn existing(p: &Path, how: &str) -> Result<PathBuf, ConfigError> {
    match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => Err(Problem::general(
            p.to_path_buf(),
            ProblemKind::NotFound,
            format!("is a directory, not a config file ({how})"),
        )
        .into()),
        Ok(_) => Ok(p.to_path_buf()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Problem::general(
            p.to_path_buf(),
            ProblemKind::NotFound,
            format!("config file not found ({how})"),
        )
        .into()),
        Err(e) => Err(Problem::general(
            p.to_path_buf(),
            ProblemKind::Io,
            format!("cannot read the config file ({how}): {e}"),
        )
        .into()),
    }
}

/// Finds the config file by the rules of [`locate`] and loads it.
pub fn locate_and_load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
    load(&locate(explicit)?)
}

/// Reads and validates the config file at `path`.
///
/// Files over [`MAX_FILE_BYTES`] and files that are not UTF-8 are refused with a position.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let io = |kind, msg: String| ConfigError::from(Problem::general(path.to_path_buf(), kind, msg));
    let file = std::fs::File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            io(ProblemKind::NotFound, "config file not found".into())
        } else {
            io(ProblemKind::Io, format!("cannot read the config file: {e}"))
        }
    })?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(io(
            ProblemKind::Io,
            "is a directory, not a config file".into(),
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io(ProblemKind::Io, format!("cannot read the config file: {e}")))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_big(path));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            let ctx = Ctx::new(path, prefix);
            let offset = prefix.len();
            return Err(Problem::at(
                path,
                offset,
                ctx.location(offset),
                None,
                ProblemKind::Syntax,
                "the file is not UTF-8 text (is it really a TOML config?)",
            )
            .into());
        }
    };
    parse(&text, path)
}

fn too_big(path: &Path) -> ConfigError {
    Problem::general(
        path.to_path_buf(),
        ProblemKind::Syntax,
        format!(
            "the file is larger than {} MiB; is it really a switchyard config?",
            MAX_FILE_BYTES / (1024 * 1024)
        ),
    )
    .into()
}

/// Parses and validates config text. `path` is used in messages and to resolve relative paths
/// (`body_file`, log files) against its folder; `body_file`s are read.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    parse_with_env(text, path, &|key| std::env::var_os(key))
}

/// [`parse`] with the environment given as a function (for tests).
fn parse_with_env(
    text: &str,
    path: &Path,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Result<Config, ConfigError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(too_big(path));
    }
    let mut ctx = Ctx::new(path, text);
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        for e in errors {
            let span = e.span().unwrap_or(0..0);
            let mut message = e.message().trim_end().to_string();
            if message == "duplicate key" {
                let key = ctx.snippet(&span).trim();
                if !key.is_empty() {
                    message = format!("duplicate key {}", tree::show_key(key));
                }
            }
            ctx.push(
                &span,
                "",
                ProblemKind::Syntax,
                format!("TOML syntax error: {message}"),
            );
        }
        return Err(ConfigError::new(ctx.problems));
    }
    let env = environment(env);
    match validate::config(&mut ctx, &doc, path, &env) {
        Some(config) if ctx.problems.is_empty() => Ok(config),
        _ => Err(ConfigError::new(ctx.problems)),
    }
}

fn environment(env: &dyn Fn(&str) -> Option<OsString>) -> Env {
    let absolute = |key: &str| {
        env(key)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let home = absolute("HOME");
    let state_dir = absolute("XDG_STATE_HOME")
        .or_else(|| home.as_ref().map(|h| h.join(".local").join("state")));
    Env { home, state_dir }
}

#[cfg(test)]
mod tests;
