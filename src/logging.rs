//! Logs go to a file, never to the screen the console draws on.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The default log file: `$XDG_STATE_HOME/switchyard/switchyard.log`.
pub fn default_path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("switchyard").join("switchyard.log"))
}

/// Starts logging to `path` (or the default). Level from `SWITCHYARD_LOG` (default `info`).
/// Without a writable log file, nothing is logged: the console must never draw log lines.
pub fn init(path: Option<&Path>) {
    let Some(path) = path.map(Path::to_path_buf).or_else(default_path) else {
        return;
    };
    let Ok(file) = crate::files::open_append(&path) else {
        return;
    };
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("SWITCHYARD_LOG").unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new(
                "info,aws_config=warn,aws_smithy_runtime=warn,hyper=warn",
            )
        });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(Redacting(file)))
        .try_init();
}

/// The log file, with credentials taken out of every line: at `trace` the SDK logs each
/// request's signature header (the access key ID, the signature) and the session token.
struct Redacting<W>(W);

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// What an AWS access key ID starts with (long-term, temporary, and the other principal IDs).
const KEY_PREFIXES: [&str; 10] = [
    "AKIA", "ASIA", "AIDA", "AROA", "AGPA", "ANPA", "ANVA", "AIPA", "ABIA", "ACCA",
];

/// `text` with every access key ID, signature credential scope, signature and session token
/// replaced by `<redacted>`.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some((len, keep)) = secret_at(rest) {
            out.push_str(&rest[..keep]);
            out.push_str("<redacted>");
            rest = &rest[len..];
            continue;
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

/// A secret at the start of `s`: how many bytes it spans with its label, and how many of them
/// (the label) stay.
fn secret_at(s: &str) -> Option<(usize, usize)> {
    let value = |label: &str, stop: &dyn Fn(char) -> bool| -> Option<(usize, usize)> {
        let after = s.get(..label.len())?;
        if !after.eq_ignore_ascii_case(label) {
            return None;
        }
        let v = &s[label.len()..];
        let n = v.find(|c: char| stop(c)).unwrap_or(v.len());
        (n > 0).then_some((label.len() + n, label.len()))
    };
    let token_end = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ')' | '}' | ']');
    value("Credential=", &|c| c == '/' || token_end(c))
        .or_else(|| value("Signature=", &token_end))
        .or_else(|| value("x-amz-security-token: ", &token_end))
        .or_else(|| value("x-amz-security-token\": \"", &token_end))
        .or_else(|| value("X-Amz-Security-Token=", &|c| c == '&' || token_end(c)))
        .or_else(|| {
            let key = s.get(..20)?;
            (KEY_PREFIXES.iter().any(|p| key.starts_with(p))
                && key[4..]
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
            .then_some((20, 0))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_the_log() {
        let line = "authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261201/us-east-1/route53/aws4_request, SignedHeaders=host;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024\n";
        assert_eq!(
            redact(line),
            "authorization: AWS4-HMAC-SHA256 Credential=<redacted>/20261201/us-east-1/route53/aws4_request, SignedHeaders=host;x-amz-date, Signature=<redacted>\n"
        );
        assert_eq!(
            redact("x-amz-security-token: IQoJb3JpZ2luX2VjEJr//////////wEaCXVz+abc= next"),
            "x-amz-security-token: <redacted> next"
        );
        assert_eq!(
            redact("loaded credentials ASIAY34FZKBOKMUTVV7A for the role"),
            "loaded credentials <redacted> for the role"
        );
        // Words that only look alike stay.
        assert_eq!(redact("AKIA is a prefix; ASIAN"), "AKIA is a prefix; ASIAN");
        assert_eq!(
            redact("日本語 Credential=κλειδί/x"),
            "日本語 Credential=<redacted>/x"
        );
    }
}
