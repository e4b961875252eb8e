//! DNS names as Route 53 keeps them and as the operator reads them: internationalised names in
//! punycode (`xn--bcher-kva.example`) for AWS and in their own letters (`bücher.example`) on the
//! screen; wildcard names with `*` (Route 53 lists it as `\052`).

/// The name as Route 53 takes it: lower case, without the trailing dot, each label in punycode
/// when it holds letters outside ASCII, `\052` read as `*`. Err says why a name is not usable.
pub fn to_ascii(name: &str) -> Result<String, String> {
    let trimmed = name.trim().trim_end_matches('.');
    let unescaped = trimmed.replace("\\052", "*");
    if unescaped.is_ascii() {
        return Ok(unescaped.to_ascii_lowercase());
    }
    // Convert label by label: `*` is not a label idna takes.
    let mut out = Vec::new();
    for label in unescaped.split('.') {
        if label == "*" || label.is_ascii() {
            out.push(label.to_ascii_lowercase());
            continue;
        }
        match idna::domain_to_ascii(label) {
            Ok(a) => out.push(a),
            Err(_) => {
                return Err(format!(
                    "{name:?} is not a usable internationalised name (its label {label:?} has \
                     characters IDNA does not allow)"
                ));
            }
        }
    }
    Ok(out.join("."))
}

/// The name in the operator's letters: punycode labels shown as what they spell
/// (`www.bücher.example`); other names unchanged (without the trailing dot).
pub fn readable(name: &str) -> String {
    let n = name.trim().trim_end_matches('.').replace("\\052", "*");
    if !n.split('.').any(|l| l.starts_with("xn--")) {
        return n;
    }
    let (unicode, result) = idna::domain_to_unicode(&n);
    match result {
        Ok(()) => unicode,
        Err(_) => n,
    }
}

/// `name` and, when it reads differently, its readable form in brackets: `www.xn--bcher-kva.example
/// (www.bücher.example)`.
pub fn with_readable(name: &str) -> String {
    let n = name.trim().trim_end_matches('.');
    let r = readable(n);
    if r == n { r } else { format!("{n} ({r})") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internationalised_names_go_to_aws_in_punycode_and_come_back_readable() {
        assert_eq!(
            to_ascii("www.Bücher.example.").as_deref(),
            Ok("www.xn--bcher-kva.example")
        );
        assert_eq!(readable("www.xn--bcher-kva.example."), "www.bücher.example");
        assert_eq!(
            with_readable("xn--bcher-kva.example"),
            "xn--bcher-kva.example (bücher.example)"
        );
        assert_eq!(with_readable("www.example.com."), "www.example.com");
        // Already punycode: kept.
        assert_eq!(
            to_ascii("xn--bcher-kva.example").as_deref(),
            Ok("xn--bcher-kva.example")
        );
    }

    #[test]
    fn wildcards_keep_their_star() {
        assert_eq!(
            to_ascii("\\052.example.com.").as_deref(),
            Ok("*.example.com")
        );
        assert_eq!(
            to_ascii("*.bücher.example").as_deref(),
            Ok("*.xn--bcher-kva.example")
        );
        assert_eq!(readable("\\052.example.com."), "*.example.com");
    }
}
