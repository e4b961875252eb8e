//! The command line as a user reads it: `--help` of every command, the completion scripts and
//! the man pages, snapshotted so that a change to the interface is a reviewed change.

use std::process::Command;

fn switchyard(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(args)
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).to_string();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

fn subcommands() -> Vec<String> {
    use clap::CommandFactory;
    switchyard::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

#[test]
fn help_of_every_command() {
    let (code, text) = switchyard(&["--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("help", text);
    for sub in subcommands() {
        let (code, text) = switchyard(&[&sub, "--help"]);
        assert_eq!(code, 0, "{sub}");
        insta::assert_snapshot!(format!("help-{sub}"), text);
    }
}

#[test]
fn completion_scripts() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, text) = switchyard(&["completions", shell]);
        assert_eq!(code, 0);
        for sub in subcommands() {
            assert!(text.contains(&sub), "{shell} completes {sub}");
        }
        insta::assert_snapshot!(format!("completions-{shell}"), text);
    }
}

#[test]
fn the_bash_completion_script_is_valid_bash_and_completes() {
    let (_, script) = switchyard(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchyard.bash");
    std::fs::write(&path, &script).unwrap();
    // Load it and ask for the completions of `switchyard sta`.
    let probe = format!(
        "source {}; COMP_WORDS=(switchyard sta); COMP_CWORD=1; _switchyard switchyard sta switchyard; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        path.display()
    );
    let out = Command::new("bash").arg("-c").arg(probe).output().unwrap();
    let words = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(words.trim(), "status");
}

#[test]
fn man_pages_for_the_command_and_every_subcommand() {
    let (code, page) = switchyard(&["man"]);
    assert_eq!(code, 0);
    assert!(
        page.starts_with(".ie") || page.contains(".TH switchyard 1"),
        "{page}"
    );
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    let dir = tempfile::tempdir().unwrap();
    let (code, listing) = switchyard(&["man", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{listing}");
    for sub in subcommands() {
        let path = dir.path().join(format!("switchyard-{sub}.1"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(&format!(".TH switchyard-{sub} 1")), "{sub}");
    }
    let (code, text) = switchyard(&["man", "nope"]);
    assert_eq!(code, 2);
    assert!(text.contains("no subcommand \"nope\""), "{text}");
}
