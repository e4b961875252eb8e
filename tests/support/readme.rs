//! The README's tables of what tests observed (the fault matrix, the property tests). A test
//! saves its part of a table under `<target>/tmp/readme-tables/<table>/` and compares its rows
//! with the README's rows of the same keys; it never writes the README. `scripts/readme-tables`
//! runs the tests with `SWITCHYARD_README_TABLES=write` (no comparison then), joins the parts
//! and rewrites the README's marked sections.

use std::path::{Path, PathBuf};

/// The script that rewrites the README's tables.
pub const SCRIPT: &str = "scripts/readme-tables";

/// Whether the script runs the tests to rewrite the README (then they do not compare).
pub fn writing() -> bool {
    std::env::var("SWITCHYARD_README_TABLES").is_ok_and(|v| v == "write")
}

/// Saves one part of a table where the script finds it: `<part>.md` in the table's folder.
/// The script joins a table's parts in the order of their names.
pub fn save(table: &str, part: &str, text: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("readme-tables")
        .join(table);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{part}.md"));
    std::fs::write(&path, text).unwrap();
    if writing() {
        eprintln!("{table} ({part}):\n{text}");
    }
    path
}

/// The lines of the README between `<!-- <table>:start ... -->` and `<!-- <table>:end -->`.
fn section(table: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = format!("<!-- {table}:start");
    let end = format!("<!-- {table}:end -->");
    let lines: Vec<&str> = text.lines().collect();
    let (Some(a), Some(b)) = (
        lines.iter().position(|l| l.starts_with(&start)),
        lines.iter().position(|l| *l == end),
    ) else {
        panic!("README.md lacks the {table} markers ({start} ... {end})");
    };
    lines[a + 1..b].iter().map(|l| l.to_string()).collect()
}

/// Compares each observed row with the README's row that starts with the same key (`| a | b |`),
/// so that a run of part of the tests checks its own rows. The error says what differs and to
/// run the script.
pub fn compare_rows(table: &str, rows: &[(String, String)]) -> Result<(), String> {
    let readme = section(table);
    let mut differences = Vec::new();
    for (key, row) in rows {
        match readme.iter().find(|l| l.starts_with(key.as_str())) {
            Some(l) if l == row => {}
            Some(l) => differences.push(format!("  README:   {l}\n  observed: {row}")),
            None => differences.push(format!("  README:   (no row)\n  observed: {row}")),
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "README.md's {table} table does not say what this run observed:\n{}\n\
             Run {SCRIPT} to run the tests and rewrite the README's tables; review and commit \
             the change.",
            differences.join("\n")
        ))
    }
}
