//! "Did you mean ...?": the closest known word to a mistyped one.

/// The known word closest to `word`, if one is close enough to be a likely typo.
///
/// Comparison ignores case and treats `-` like `_`; a trailing `_id`, `_ids`, `_arn` or `_arns`
/// is also tried without it (`zone_id` -> `zone`). Close enough means an optimal string
/// alignment distance (edits, and transpositions of adjacent characters) of at most a third of
/// the word's length, between 1 and 3.
pub(crate) fn closest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    if word.is_empty() || word.chars().count() > 64 {
        return None;
    }
    let norm = normalize(word);
    let mut forms = vec![norm.clone()];
    for suffix in ["_ids", "_id", "_arns", "_arn"] {
        if let Some(stem) = norm.strip_suffix(suffix)
            && !stem.is_empty()
        {
            forms.push(stem.to_string());
        }
    }
    let limit = (norm.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &'k str)> = None;
    for &k in known {
        let nk = normalize(k);
        let d = forms
            .iter()
            .map(|f| strsim::osa_distance(f, &nk))
            .min()
            .unwrap_or(usize::MAX);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

fn normalize(s: &str) -> String {
    s.to_lowercase().replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &[&str] = &[
        "name",
        "zone",
        "record",
        "record_type",
        "region",
        "health_checks",
    ];

    #[test]
    fn finds_typos() {
        assert_eq!(closest("recrod", SITE), Some("record"));
        assert_eq!(closest("regoin", SITE), Some("region"));
        assert_eq!(closest("record-type", SITE), Some("record_type"));
        assert_eq!(closest("Record", SITE), Some("record"));
        assert_eq!(closest("zone_id", SITE), Some("zone"));
        assert_eq!(closest("health_check", SITE), Some("health_checks"));
        assert_eq!(closest("nam", SITE), Some("name"));
    }

    #[test]
    fn ignores_unrelated_words() {
        assert_eq!(closest("colour", SITE), None);
        assert_eq!(closest("", SITE), None);
        assert_eq!(closest("x", SITE), None);
        assert_eq!(closest(&"z".repeat(1000), SITE), None);
    }
}
