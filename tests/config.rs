//! Config loading through the public API: every file in `tests/bad-configs/` must fail with the
//! message in its sibling `.expected` file (its first lines, exactly), and the example config
//! must load.
//!
//! To review actual messages: `SWITCHYARD_PRINT_ACTUAL=1 cargo test --test config -- --nocapture`.

use std::path::{Path, PathBuf};

use switchyard::config::{self, ProblemKind, Strategy};

const BAD: &str = "tests/bad-configs";

fn bad_configs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(BAD)
        .expect("tests/bad-configs exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| Path::new(BAD).join(p.file_name().expect("a file name")))
        .collect();
    files.sort();
    files
}

#[test]
fn every_bad_config_fails_with_its_expected_message() {
    let files = bad_configs();
    assert!(files.len() >= 15, "only {} bad configs", files.len());
    let print = std::env::var_os("SWITCHYARD_PRINT_ACTUAL").is_some();
    let mut failures = Vec::new();
    for file in &files {
        let actual = match config::load(file) {
            Ok(_) => {
                failures.push(format!("{}: loaded without error", file.display()));
                continue;
            }
            Err(e) => {
                assert_eq!(e.exit_code(), 2);
                assert!(!e.problems().is_empty());
                e.to_string()
            }
        };
        if print {
            println!("== {}\n{actual}\n", file.display());
        }
        let expected_path = file.with_extension("expected");
        let Ok(expected) = std::fs::read_to_string(&expected_path) else {
            failures.push(format!("{}: missing", expected_path.display()));
            continue;
        };
        let expected: Vec<&str> = expected.lines().collect();
        let got: Vec<&str> = actual.lines().take(expected.len()).collect();
        if expected.is_empty() || got != expected {
            failures.push(format!(
                "{}:\n  expected:\n    {}\n  got:\n    {}",
                file.display(),
                expected.join("\n    "),
                actual.lines().collect::<Vec<_>>().join("\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn every_problem_is_located() {
    for file in bad_configs() {
        let Err(e) = config::load(&file) else {
            continue;
        };
        for p in e.problems() {
            assert_eq!(p.file, file);
            assert!(
                p.location.is_some(),
                "{}: problem without a location: {p}",
                file.display()
            );
        }
    }
}

#[test]
fn many_problems_are_all_reported() {
    let e = config::load(&Path::new(BAD).join("many-problems.toml")).unwrap_err();
    assert!(e.problems().len() >= 6, "{e}");
    let lines: Vec<usize> = e
        .problems()
        .iter()
        .filter_map(|p| p.location.map(|l| l.line))
        .collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted, "problems are in file order");
}

#[test]
fn the_example_config_loads() {
    let path = Path::new("assets/switchyard.example.toml");
    let c = match config::load(path) {
        Ok(c) => c,
        Err(e) => panic!("the example config does not load:\n{e}"),
    };
    let names: Vec<&str> = c.sites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "shop",
            "legacy-crm",
            "blog",
            "api",
            "intranet",
            "portal",
            "status-page",
            "store"
        ]
    );
    // No record_type: every type at the name; intranet names one.
    assert!(c.site("store").is_some_and(|s| s.every_type));
    assert!(c.site("intranet").is_some_and(|s| !s.every_type));
    // Every strategy appears in the example.
    let mut used: Vec<&str> = c
        .sites
        .iter()
        .flat_map(|s| s.maintenance.iter().map(Strategy::name))
        .collect();
    used.sort();
    used.dedup();
    let mut all = config::schema::STRATEGY_NAMES.to_vec();
    all.sort();
    assert_eq!(used, all);
    // The portal's body_file is the sample page, read relative to the example's folder.
    let Some(Strategy::MaintenanceRule { action, .. }) =
        c.site("portal").and_then(|s| s.maintenance.first())
    else {
        panic!("portal has a maintenance rule");
    };
    assert_eq!(
        *action,
        config::SorryAction::FixedResponse {
            status: 503,
            content_type: "text/html".into(),
            body: config::schema::SAMPLE_MAINTENANCE_PAGE.into()
        }
    );
    let api = c.site("api").expect("api site");
    assert_eq!(api.aws.region.as_deref(), Some("eu-central-1"));
    assert_eq!(api.aws.profile.as_deref(), Some("ops"));
    assert!(c.site("status-page").expect("status-page").read_only);
    assert!(c.site("shop").expect("shop").protected);
}

#[test]
fn the_sample_page_fits_a_fixed_response() {
    let page = std::fs::read_to_string("assets/maintenance.html").expect("sample page");
    assert!(page.chars().count() <= 1024);
    assert_eq!(page, config::schema::SAMPLE_MAINTENANCE_PAGE);
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("<title>"));
    assert!(
        !page.contains("src=") && !page.contains("href="),
        "self-contained"
    );
}

#[test]
fn locate_explicit_missing_file_is_not_found() {
    let e = config::locate(Some(Path::new("tests/bad-configs/does-not-exist.toml"))).unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(e.problems()[0].kind, ProblemKind::NotFound);
    assert_eq!(
        e.to_string(),
        "tests/bad-configs/does-not-exist.toml: config file not found (given with --config)"
    );
}

/// The config of every emulator scenario loads.
#[test]
fn every_scenario_config_loads() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/configs");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let scenario = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/scenarios")
            .join(path.file_name().unwrap());
        assert!(
            scenario.exists(),
            "{} has no scenario of the same name",
            path.display()
        );
        if let Err(e) = switchyard::config::load(&path) {
            panic!("{e}");
        }
        n += 1;
    }
    // The setups of DESIGN.md and the scenarios added since (others may add theirs).
    assert!(n >= 8, "{n} configs");
}
