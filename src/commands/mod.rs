//! The entry point of every command of the command line, one file each, and what they share:
//! finding and loading the config, and the AWS settings given on the command line.
//!
//! The commands that draw the console (`switchyard` alone, `demo`, and `rehearse` with its
//! console) start it from `crate::tui`, the one layer above this one.

/// `println!` for text made of AWS answers, journals and config values: every control character
/// but newline and tab shown as `�` ([`crate::model::strings::terminal_safe`]).
macro_rules! say {
    ($($arg:tt)*) => {
        println!("{}", $crate::commands::shown(&format!($($arg)*)))
    };
}

/// [`say!`] to stderr.
macro_rules! say_err {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::commands::shown(&format!($($arg)*)))
    };
}

/// [`say!`] without the newline.
macro_rules! say_part {
    ($($arg:tt)*) => {
        print!("{}", $crate::commands::shown(&format!($($arg)*)))
    };
}

/// [`say_err!`] without the newline.
macro_rules! say_err_part {
    ($($arg:tt)*) => {
        eprint!("{}", $crate::commands::shown(&format!($($arg)*)))
    };
}

/// `--ascii` for the CLI: set once by `main`, read by every text the commands write.
static ASCII: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--ascii`: every text the commands write from now on is pure ASCII.
pub fn set_ascii(on: bool) {
    ASCII.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Whether `--ascii` was given.
pub fn ascii() -> bool {
    ASCII.load(std::sync::atomic::Ordering::Relaxed)
}

/// Text as the commands write it: control characters made harmless, and pure ASCII with
/// `--ascii`.
pub fn shown(s: &str) -> String {
    let safe = crate::model::strings::terminal_safe(s);
    if ascii() {
        crate::model::strings::ascii(&safe)
    } else {
        safe
    }
}

/// JSON as the commands write it: non-ASCII escaped with `--ascii` (the same document).
pub fn shown_json(s: &str) -> String {
    if ascii() {
        crate::model::strings::json_ascii(s)
    } else {
        s.to_string()
    }
}

/// Whether stdout takes colour: a terminal, no `NO_COLOR`, no `--ascii`.
pub fn colour_stdout() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && !ascii()
}

/// Whether stderr takes colour: a terminal, no `NO_COLOR`, no `--ascii`.
pub fn colour_stderr() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && !ascii()
}

/// Every line that says `BREAK-GLASS` in red (the 16-colour code, bold), when `colour`; as it
/// is otherwise: the word itself stands out without colour.
pub fn red_break_glass(text: &str, colour: bool) -> String {
    if !colour || !text.contains("BREAK-GLASS") {
        return text.to_string();
    }
    text.split_inclusive('\n')
        .map(|l| {
            if l.contains("BREAK-GLASS") {
                let (body, nl) = match l.strip_suffix('\n') {
                    Some(b) => (b, "\n"),
                    None => (l, ""),
                };
                format!("\x1b[1;31m{body}\x1b[0m{nl}")
            } else {
                l.to_string()
            }
        })
        .collect()
}

pub mod approve;
pub mod discover;
pub mod doctor;
pub mod journal;
pub mod log;
pub mod manual;
pub mod permissions;
pub mod rehearse;
pub mod report;
pub mod sim;
pub mod status;
pub mod switch;

use crate::cli::GlobalArgs;
use crate::config::Config;
use crate::poll::session::Overrides;

/// Loads the config named on the command line (or found by the usual rules). Err is the exit
/// code, after the error was printed.
pub fn load_config(global: &GlobalArgs) -> Result<Config, i32> {
    crate::config::locate_and_load(global.config.as_deref()).map_err(|e| {
        eprintln!("{e}");
        e.exit_code()
    })
}

/// The AWS settings given on the command line.
pub fn overrides(global: &GlobalArgs) -> Overrides {
    Overrides {
        profile: global.profile.clone(),
        region: global.region.clone(),
        endpoint_url: global.endpoint_url.clone(),
        static_credentials: None,
        journal_check: Some(crate::switch::binding::for_readers()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn break_glass_lines_are_red_on_a_colour_terminal_and_the_word_otherwise() {
        let text =
            "shop  MAINTENANCE\n  - BREAK-GLASS: maintenance entered without approval\n  - other\n";
        assert_eq!(super::red_break_glass(text, false), text);
        let red = super::red_break_glass(text, true);
        assert_eq!(
            red,
            "shop  MAINTENANCE\n\x1b[1;31m  - BREAK-GLASS: maintenance entered without approval\x1b[0m\n  - other\n"
        );
    }
}
