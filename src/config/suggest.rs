//! "Did you mean ...?": the closest known word to a mistyped one.

/// The known word closest to `word`, if one is close enough to be a likely typo.
///
/// Comparison ignores case and treats `-` like `_`; a trailing `_id`, `_ids`, `_arn` or `_arns`
/// is also tried without it (`zone_id` -> `zone`). Close enough means an edit distance (with
/// transpositions) of at most a third of the word's length, and at least 1.
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
            .map(|f| distance(f, &nk))
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

/// Optimal string alignment distance: insertions, deletions, substitutions and transpositions
/// of adjacent characters.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
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

    #[test]
    fn distances() {
        assert_eq!(distance("abc", "abc"), 0);
        assert_eq!(distance("abc", "acb"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
