//! Shell completions (bash, zsh, fish) and man pages, generated from the command-line
//! definitions so that they never drift from the binary.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionShell};

/// Writes the completion script of `shell` to `out`.
pub fn completions(shell: CompletionShell, out: &mut dyn Write) {
    let mut cmd = Cli::command();
    let shell = match shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut cmd, "switchyard", out);
}

/// The man page of `switchyard` (section 1), or of one subcommand (`switchyard-status`).
pub fn man_page(subcommand: Option<&str>) -> Result<Vec<u8>, String> {
    let root = Cli::command();
    let cmd = match subcommand {
        None => root,
        Some(name) => {
            let sub = root
                .get_subcommands()
                .find(|c| c.get_name() == name)
                .cloned()
                .ok_or_else(|| {
                    let names: Vec<&str> = root.get_subcommands().map(|c| c.get_name()).collect();
                    format!(
                        "no subcommand {name:?}; the subcommands are: {}",
                        names.join(", ")
                    )
                })?;
            let full = format!("switchyard-{name}");
            sub.name(full)
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// Writes `switchyard.1` and one page per subcommand into `dir`.
pub fn write_man_pages(dir: &Path) -> Result<Vec<String>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut written = Vec::new();
    let mut names: Vec<Option<String>> = vec![None];
    names.extend(
        Cli::command()
            .get_subcommands()
            .map(|c| Some(c.get_name().to_string())),
    );
    for name in names {
        let page = man_page(name.as_deref())?;
        let file = match &name {
            None => "switchyard.1".to_string(),
            Some(n) => format!("switchyard-{n}.1"),
        };
        let path = dir.join(&file);
        std::fs::write(&path, page).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path.display().to_string());
    }
    Ok(written)
}

/// Runs `completions`.
pub fn run_completions(shell: CompletionShell) -> i32 {
    completions(shell, &mut std::io::stdout().lock());
    0
}

/// Runs `man`: the page on stdout, or every page into `--out DIR`.
pub fn run_man(subcommand: Option<&str>, out: Option<&Path>) -> i32 {
    match out {
        Some(dir) => match write_man_pages(dir) {
            Ok(files) => {
                for f in files {
                    println!("{f}");
                }
                0
            }
            Err(e) => {
                eprintln!("switchyard man: {e}");
                1
            }
        },
        None => match man_page(subcommand) {
            Ok(page) => {
                let _ = std::io::stdout().lock().write_all(&page);
                0
            }
            Err(e) => {
                eprintln!("switchyard man: {e}");
                2
            }
        },
    }
}
