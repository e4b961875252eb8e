//! Bad input never panics: property tests over the config parser and the command line, bounded
//! by a case count (raise it with PROPTEST_CASES for a longer run).

use std::path::Path;

use clap::Parser;
use proptest::prelude::*;
use switchyard::cli::Cli;

#[path = "support/readme.rs"]
mod readme;

fn valid_configs() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out =
        vec![std::fs::read_to_string(root.join("assets/switchyard.example.toml")).unwrap()];
    for e in std::fs::read_dir(root.join("assets/configs")).unwrap() {
        out.push(std::fs::read_to_string(e.unwrap().path()).unwrap());
    }
    out
}

/// Parses, and checks that every error is located inside the text.
fn check(text: &str) -> Result<(), TestCaseError> {
    let path = Path::new("/nonexistent/fuzz.toml");
    if let Err(e) = switchyard::config::parse(text, path) {
        prop_assert_eq!(e.exit_code(), 2);
        prop_assert!(!e.problems().is_empty());
        let lines = text.split('\n').count().max(1);
        for p in e.problems() {
            prop_assert!(!p.message.is_empty());
            if let Some(l) = &p.location {
                prop_assert!(
                    l.line >= 1 && l.line <= lines,
                    "line {} of {}",
                    l.line,
                    lines
                );
                prop_assert!(l.col >= 1);
            }
        }
        // The message renders, with the file named.
        prop_assert!(e.to_string().contains("fuzz.toml"));
    }
    Ok(())
}

/// One edit of a text: delete, insert or replace a span with something nasty.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, String),
    Replace(usize, usize, String),
}

fn nasty() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"".to_string()),
        Just("[[site]]\n".to_string()),
        Just("= ".to_string()),
        Just("\n".to_string()),
        Just("\u{0}".to_string()),
        Just("\u{1b}[2J".to_string()),
        Just("é漢字🙂".to_string()),
        Just("99999999999999999999".to_string()),
        Just("-1".to_string()),
        Just("[".to_string()),
        Just("{".to_string()),
        Just("arn:aws:elasticloadbalancing:::".to_string()),
        Just("1e309s".to_string()),
        "[ -~]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(16).collect()),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(a, n)| Edit::Delete(a, n)),
        (any::<usize>(), nasty()).prop_map(|(a, s)| Edit::Insert(a, s)),
        (any::<usize>(), 1usize..20, nasty()).prop_map(|(a, n, s)| Edit::Replace(a, n, s)),
    ]
}

/// The char boundary at or before `at % len`.
fn boundary(text: &str, at: usize) -> usize {
    if text.is_empty() {
        return 0;
    }
    let mut i = at % (text.len() + 1);
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut t = text.to_string();
    for e in edits {
        match e {
            Edit::Delete(a, n) => {
                let s = boundary(&t, *a);
                let end = boundary(&t, (s + n).min(t.len()));
                if end > s {
                    t.replace_range(s..end, "");
                }
            }
            Edit::Insert(a, s) => {
                let at = boundary(&t, *a);
                t.insert_str(at, s);
            }
            Edit::Replace(a, n, s) => {
                let start = boundary(&t, *a);
                let end = boundary(&t, (start + n).min(t.len())).max(start);
                t.replace_range(start..end, s);
            }
        }
    }
    t
}

/// Cases per property (PROPTEST_CASES raises it for a longer run).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500)
}

fn arguments() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(
        prop_oneof![
            Just("status".to_string()),
            Just("doctor".to_string()),
            Just("discover".to_string()),
            Just("sim".to_string()),
            Just("demo".to_string()),
            Just("iam-policy".to_string()),
            Just("maintenance".to_string()),
            Just("plan".to_string()),
            Just("rehearse".to_string()),
            Just("on".to_string()),
            Just("off".to_string()),
            Just("--site".to_string()),
            Just("--output".to_string()),
            Just("json".to_string()),
            Just("--config".to_string()),
            Just("--speed".to_string()),
            Just("NaN".to_string()),
            Just("-1".to_string()),
            Just("--port".to_string()),
            Just("70000".to_string()),
            Just("--sites".to_string()),
            Just("0".to_string()),
            Just("--zone".to_string()),
            Just("--record".to_string()),
            Just("--".to_string()),
            Just("-".to_string()),
            Just("--watch".to_string()),
            Just("--read-only".to_string()),
            Just("--ascii".to_string()),
            Just("--timeout".to_string()),
            Just("10x".to_string()),
            any::<String>().prop_map(|s| s.chars().take(10).collect()),
        ],
        0..7,
    )
}

/// Runs one property for `cases()` cases; (name, cases, result).
fn property<S: Strategy>(
    name: &'static str,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) -> (&'static str, u32, Result<(), String>, &'static str) {
    let n = cases();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let result = runner.run(&strategy, test).map_err(|e| e.to_string());
    let ok = if name.contains("command") {
        "no panic; each parsed or was refused with a message"
    } else {
        "no panic; every error located at file:line:col"
    };
    (name, n, result, ok)
}

/// Every property, and the README's table of what was tried (compared, never written).
#[test]
fn bad_input_never_panics() {
    let results = vec![
        property("arbitrary text as a config", any::<String>(), |text| {
            check(&text)
        }),
        property(
            "real configs with 1 to 5 random edits",
            (0usize..8, proptest::collection::vec(edit(), 1..6)),
            |(which, edits)| {
                let configs = valid_configs();
                let base = &configs[which % configs.len()];
                check(&apply(base, &edits))
            },
        ),
        property("arbitrary command lines", arguments(), |args| {
            let mut argv = vec!["switchyard".to_string()];
            argv.extend(args);
            // Either a command line or a clap error; rendering the error must not panic either.
            if let Err(e) = Cli::try_parse_from(&argv) {
                let _ = e.render().to_string();
            }
            Ok(())
        }),
    ];
    let mut table = String::from("| property | cases tried | result |\n|---|---:|---|\n");
    let mut rows = Vec::new();
    for (name, n, r, ok) in &results {
        let row = format!(
            "| {name} | {n} | {} |",
            match r {
                Ok(()) => ok.to_string(),
                Err(e) => format!("FAILED: {}", e.replace('|', "\\|").replace('\n', " ")),
            }
        );
        table.push_str(&row);
        table.push('\n');
        rows.push((format!("| {name} |"), row));
    }
    // The README shows the default run's figures (scripts/readme-tables writes them).
    let mut readme_differs = None;
    if cases() == 1500 {
        readme::save("fuzz", "table", &table);
        if !readme::writing() {
            readme_differs = readme::compare_rows("fuzz", &rows).err();
        }
    }
    for (name, _, r, _) in results {
        assert!(r.is_ok(), "{name}: {r:?}");
    }
    if let Some(e) = readme_differs {
        panic!("{e}");
    }
}

/// A few of the above through the real binary: the exit code is 2, stderr says why, no panic.
#[test]
fn bad_arguments_to_the_binary_exit_2_without_a_panic() {
    for args in [
        vec!["sim", "--sites", "0"],
        vec!["sim", "--speed", "NaN", "--sites", "1"],
        vec!["status", "--output", "yaml"],
        vec!["demo", "--port", "70000"],
        vec!["discover", "--zone"],
        vec!["no-such-command"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .args(&args)
            .env("HOME", "/nonexistent")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.is_empty(), "{args:?}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
