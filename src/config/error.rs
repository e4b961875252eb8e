//! Config errors: a list of problems, each with `file:line:col`, a key path and what was expected.

use std::fmt;
use std::path::{Path, PathBuf};

/// The exit code a program should use when the config (or the command line) is unusable.
pub const EXIT_CODE: i32 = 2;

/// At most this many problems are printed by [`ConfigError`]'s `Display`; the rest are counted.
const MAX_SHOWN: usize = 100;

/// What went wrong with the config, as a list of [`Problem`]s (never empty).
///
/// `Display` prints one problem per line, in file order, ready to be shown to the operator; the
/// caller should then exit with [`ConfigError::exit_code`] (2, a config or usage error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.problems))]
pub struct ConfigError {
    problems: Vec<Problem>,
}

impl ConfigError {
    /// Builds an error from problems (sorted into file order). An empty list gets a generic problem
    /// so that an error is never silent.
    pub(crate) fn new(mut problems: Vec<Problem>) -> Self {
        if problems.is_empty() {
            problems.push(Problem::general(
                PathBuf::new(),
                ProblemKind::Invalid,
                "invalid config",
            ));
        }
        problems.sort_by_key(|p| (p.kind != ProblemKind::Syntax, p.offset));
        problems.dedup();
        Self { problems }
    }

    /// Every problem found, in file order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The process exit code for a config error: always [`EXIT_CODE`] (2).
    pub fn exit_code(&self) -> i32 {
        EXIT_CODE
    }

    /// True when no config file was found at all (as opposed to a file with problems).
    pub fn is_not_found(&self) -> bool {
        self.problems
            .iter()
            .all(|p| p.kind == ProblemKind::NotFound)
    }
}

fn render(problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().take(MAX_SHOWN).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&p.to_string());
    }
    if problems.len() > MAX_SHOWN {
        out.push_str(&format!(
            "\n... and {} more problems not shown",
            problems.len() - MAX_SHOWN
        ));
    }
    out
}

/// The kind of a [`Problem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// No config file was found where one was looked for.
    NotFound,
    /// The file (or a file it names, such as a `body_file`) could not be read.
    Io,
    /// The file is not valid TOML (or not UTF-8).
    Syntax,
    /// The TOML is valid but does not describe a usable config.
    Invalid,
}

/// A 1-based line and column (in characters) in the config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// Line number, starting at 1.
    pub line: usize,
    /// Column in characters, starting at 1.
    pub col: usize,
}

/// One problem in the config: where, which key, and what is wrong or expected.
///
/// Displays as `file:line:col: key.path: message` (parts that are unknown are left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The config file.
    pub file: PathBuf,
    /// Where in the file, when the problem has a place.
    pub location: Option<Location>,
    /// The key path, such as `site "shop".maintenance[0].listener`.
    pub key: Option<String>,
    /// What is wrong and what is expected.
    pub message: String,
    /// What kind of problem this is.
    pub kind: ProblemKind,
    /// Byte offset, for sorting problems into file order.
    pub(crate) offset: usize,
}

impl Problem {
    /// A problem without a place in the file (file not found, unreadable, ...).
    pub(crate) fn general(file: PathBuf, kind: ProblemKind, message: impl Into<String>) -> Self {
        Self {
            file,
            location: None,
            key: None,
            message: message.into(),
            kind,
            offset: 0,
        }
    }

    /// A problem at a place in the file.
    pub(crate) fn at(
        file: &Path,
        offset: usize,
        location: Location,
        key: Option<String>,
        kind: ProblemKind,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.to_path_buf(),
            location: Some(location),
            key,
            message: message.into(),
            kind,
            offset,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.file.as_os_str().is_empty() {
            write!(f, "{}", self.file.display())?;
            if let Some(loc) = self.location {
                write!(f, ":{}:{}", loc.line, loc.col)?;
            }
            f.write_str(": ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl From<Problem> for ConfigError {
    fn from(p: Problem) -> Self {
        ConfigError::new(vec![p])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_one_problem_per_line_in_file_order() {
        let f = Path::new("/etc/switchyard.toml");
        let err = ConfigError::new(vec![
            Problem::at(
                f,
                50,
                Location { line: 4, col: 3 },
                Some("site \"a\".zone".into()),
                ProblemKind::Invalid,
                "second",
            ),
            Problem::at(
                f,
                10,
                Location { line: 2, col: 1 },
                None,
                ProblemKind::Invalid,
                "first",
            ),
        ]);
        assert_eq!(
            err.to_string(),
            "/etc/switchyard.toml:2:1: first\n/etc/switchyard.toml:4:3: site \"a\".zone: second"
        );
        assert_eq!(err.exit_code(), 2);
        assert!(!err.is_not_found());
    }

    #[test]
    fn display_caps_the_number_of_lines() {
        let f = Path::new("c.toml");
        let problems = (0..150)
            .map(|i| {
                Problem::at(
                    f,
                    i,
                    Location {
                        line: i + 1,
                        col: 1,
                    },
                    None,
                    ProblemKind::Syntax,
                    "bad",
                )
            })
            .collect();
        let text = ConfigError::new(problems).to_string();
        assert_eq!(text.lines().count(), 101);
        assert!(text.ends_with("... and 50 more problems not shown"));
    }
}
