//! The entry point of every command of the command line, one file each, and what they share:
//! finding and loading the config, and the AWS settings given on the command line.
//!
//! The commands that draw the console (`switchyard` alone, `demo`, and `rehearse` with its
//! console) start it from `crate::tui`, the one layer above this one.

/// `println!` for text made of AWS answers, journals and config values: every control character
/// but newline and tab shown as `�` ([`crate::model::strings::terminal_safe`]).
macro_rules! say {
    ($($arg:tt)*) => {
        println!("{}", $crate::model::strings::terminal_safe(&format!($($arg)*)))
    };
}

/// [`say!`] to stderr.
macro_rules! say_err {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::model::strings::terminal_safe(&format!($($arg)*)))
    };
}

/// [`say!`] without the newline.
macro_rules! say_part {
    ($($arg:tt)*) => {
        print!("{}", $crate::model::strings::terminal_safe(&format!($($arg)*)))
    };
}

/// [`say_err!`] without the newline.
macro_rules! say_err_part {
    ($($arg:tt)*) => {
        eprint!("{}", $crate::model::strings::terminal_safe(&format!($($arg)*)))
    };
}

pub mod discover;
pub mod doctor;
pub mod journal;
pub mod manual;
pub mod permissions;
pub mod rehearse;
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
