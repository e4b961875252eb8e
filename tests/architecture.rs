//! The layers of DESIGN.md, kept: each module imports only the layers beneath it, only `src/aws/`
//! knows the AWS SDK, the model does no I/O, the views draw state and fetch nothing, and the
//! emulator (its own crate) is used only by the commands that run it.
//!
//! Test code (`#[cfg(test)]` items and `tests.rs` files) may reach across: a test of the AWS
//! layer may start the emulator, for example.

use std::path::{Path, PathBuf};

/// Each top-level module of `src/` and its layer: a module may import modules of lower layers
/// only. Modules of the same layer are siblings and never import each other.
const LAYERS: &[(&str, u8)] = &[
    ("model", 0),
    ("config", 1),
    // The operator's private files (log, audit log, events): created 0600.
    ("files", 1),
    ("aws", 2),
    ("poll", 3),
    ("switch", 4),
    ("report", 4),
    // The clap definitions: read by the commands, the console and main.
    ("cli", 4),
    ("commands", 5),
    ("tui", 6),
    ("logging", 6),
];

/// Crates of the AWS SDK: only `src/aws/` may name them.
const SDK_CRATES: &[&str] = &[
    "aws_config",
    "aws_credential_types",
    "aws_sdk_",
    "aws_sigv4",
    "aws_smithy_",
    "aws_types",
];

/// What the pure model never does.
const IMPURE: &[&str] = &[
    "tokio",
    "std::fs",
    "std::net",
    "std::process",
    "std::env",
    "std::io::stdout",
    "std::io::stdin",
    "Instant::now",
    "SystemTime",
    "now_utc",
    "now_local",
];

/// Modules that may run the emulator: `demo` and `rehearse` start it; `sim` serves it.
const SIM_USERS: &[&str] = &["commands", "tui"];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// The source without comments, string literals and test-only items.
fn product_code(source: &str) -> String {
    let mut out = String::new();
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            // Skip the item that follows: a `mod x;` line, or a block up to its closing brace
            // at the same indentation.
            let indent = line.len() - line.trim_start().len();
            for next in lines.by_ref() {
                let t = next.trim_start();
                if t.starts_with("#[") {
                    continue;
                }
                if t.ends_with(';') {
                    break;
                }
                let closing = format!("{}}}", " ".repeat(indent));
                for inner in lines.by_ref() {
                    if inner.trim_end() == closing {
                        break;
                    }
                }
                break;
            }
            continue;
        }
        out.push_str(&strip_comment_and_strings(line));
        out.push('\n');
    }
    out
}

fn strip_comment_and_strings(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '/' if chars.peek() == Some(&'/') => break,
            _ => out.push(c),
        }
    }
    out
}

/// Every `crate::<module>` a piece of code names, with `use crate::{a, b::c}` groups.
fn crate_modules(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        // `switchyard_crate::` or `my_crate::` are other paths.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.push(name);
                }
            }
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.push(name);
        }
    }
    found
}

/// The problems of one product file, `module` being its top-level module under `src/`.
fn problems(module: &str, path: &str, source: &str) -> Vec<String> {
    let code = product_code(source);
    let mut out = Vec::new();
    let Some(own) = layer(module) else {
        return vec![format!(
            "{path}: module `{module}` has no layer; add it to LAYERS in tests/architecture.rs"
        )];
    };
    for used in crate_modules(&code) {
        if used == module {
            continue;
        }
        match layer(&used) {
            Some(l) if l < own => {}
            Some(_) => out.push(format!(
                "{path}: `{module}` (layer {own}) imports `crate::{used}`, which is not beneath it"
            )),
            None => {}
        }
    }
    if module != "aws" {
        for sdk in SDK_CRATES {
            if code.contains(sdk) {
                out.push(format!(
                    "{path}: names the AWS SDK (`{sdk}`); only src/aws/ may"
                ));
            }
        }
    }
    if module == "model" {
        for word in IMPURE {
            if code.contains(word) {
                out.push(format!("{path}: the model is pure, yet it uses `{word}`"));
            }
        }
    }
    if path.contains("/tui/views/") {
        for word in ["crate::poll", "crate::switch::engine", "tokio", "std::fs"] {
            if code.contains(word) {
                out.push(format!("{path}: a view draws state; it uses `{word}`"));
            }
        }
    }
    if code.contains("switchyard_sim") && !SIM_USERS.contains(&module) {
        out.push(format!(
            "{path}: `{module}` uses the emulator; only {SIM_USERS:?} may"
        ));
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_module_imports_only_the_layers_beneath_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 50, "src/ was not found or read");
    let mut all = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let rel_s = rel.to_string_lossy().replace('\\', "/");
        if rel_s == "main.rs" || rel_s == "lib.rs" || rel_s.ends_with("tests.rs") {
            continue;
        }
        let module = rel_s
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        let source = std::fs::read_to_string(f).unwrap();
        all.extend(problems(&module, &format!("src/{rel_s}"), &source));
    }
    assert!(
        all.is_empty(),
        "imports against the layers (model <- config <- aws <- poll <- switch/report <- commands \
         <- tui/main):\n{}",
        all.join("\n")
    );
}

#[test]
fn the_emulator_crate_depends_on_no_product_module() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/switchyard-sim/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let deps: toml::Table = toml::from_str(&text).unwrap();
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(t) = deps.get(section).and_then(|v| v.as_table()) {
            assert!(
                !t.contains_key("switchyard"),
                "{}: the emulator must not depend on the product ({section})",
                manifest.display()
            );
        }
    }
}

// The checker itself: it must see what it is meant to catch.

#[test]
fn an_import_from_a_layer_above_is_caught() {
    let p = problems(
        "model",
        "src/model/x.rs",
        "use crate::tui::app::App;\nuse crate::model::elb::Rule;\n",
    );
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("crate::tui"), "{p:?}");
    let grouped = problems(
        "poll",
        "src/poll/x.rs",
        "use crate::{model, switch::plan};\n",
    );
    assert_eq!(grouped.len(), 1, "{grouped:?}");
    assert!(grouped[0].contains("crate::switch"), "{grouped:?}");
}

#[test]
fn siblings_of_one_layer_do_not_import_each_other() {
    let p = problems(
        "switch",
        "src/switch/x.rs",
        "fn f() { crate::report::table(); }\n",
    );
    assert_eq!(p.len(), 1, "{p:?}");
}

#[test]
fn the_sdk_outside_aws_and_io_in_the_model_are_caught() {
    let p = problems(
        "poll",
        "src/poll/x.rs",
        "fn f() { let c = aws_sdk_cloudwatch::Client::from_conf(x); }\n",
    );
    assert_eq!(p.len(), 1, "{p:?}");
    let p = problems(
        "model",
        "src/model/x.rs",
        "fn f() { std::fs::read(\"x\"); }\n",
    );
    assert_eq!(p.len(), 1, "{p:?}");
    let p = problems("aws", "src/aws/x.rs", "use switchyard_sim::api;\n");
    assert_eq!(p.len(), 1, "{p:?}");
}

#[test]
fn test_code_comments_and_strings_are_not_product_code() {
    let source = "// crate::tui is above\nconst S: &str = \"crate::tui\";\n\
                  #[cfg(test)]\nmod tests {\n    use crate::tui::app::App;\n}\n\
                  #[cfg(test)]\nmod fixtures;\nuse crate::model::elb::Rule;\n";
    assert!(problems("config", "src/config/x.rs", source).is_empty());
    // ... but what follows a test module is product code again.
    let after = "#[cfg(test)]\nmod tests {\n}\nuse crate::tui::app::App;\n";
    assert_eq!(problems("config", "src/config/x.rs", after).len(), 1);
}
