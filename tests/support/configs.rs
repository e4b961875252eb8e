//! Configs for tests, shared by the test binaries and the console's unit tests.

/// A config without its sites' probes (every `[site.probe]` table dropped): for tests of
/// something else (the console, faults, rehearsals, the ETA) on an emulator whose clock they
/// drive, where a client's DNS cache would hold the old answer for its TTL. The probes have
/// their own tests (`tests/switch/probes.rs`).
pub fn without_probes(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.trim() == "[site.probe]" {
            skipping = true;
            continue;
        }
        if skipping && line.trim().is_empty() {
            skipping = false;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
