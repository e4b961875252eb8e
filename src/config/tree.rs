//! Reading the spanned TOML tree: positions, typed getters that report wrong types, unknown-key
//! checks with suggestions, and the list of problems found so far.
//!
//! Every getter reports what it finds wrong and returns `None`, so that validation goes on and the
//! operator gets all problems at once.

use std::ops::Range;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::error::{Location, Problem, ProblemKind};
use super::ids::quote;

/// A spanned TOML value.
pub(crate) type Val<'i> = Spanned<DeValue<'i>>;

/// A TOML table with the span that introduces it (its `[header]` or `{ braces }`) and its key
/// path for messages.
#[derive(Clone)]
pub(crate) struct Tbl<'a, 'i> {
    pub map: &'a DeTable<'i>,
    pub span: Range<usize>,
    pub path: String,
}

impl<'a, 'i> Tbl<'a, 'i> {
    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&'a Val<'i>> {
        self.map
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    /// The key path of `key` in this table.
    pub fn child(&self, key: &str) -> String {
        child_path(&self.path, key)
    }
}

/// `parent.key`, or `key` at the top level.
pub(crate) fn child_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// Shows a key in a message: in backticks when it is a plain word, quoted otherwise.
pub(crate) fn show_key(key: &str) -> String {
    if !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        format!("`{key}`")
    } else {
        quote(key)
    }
}

/// "a string", "an integer (42)", ... for "expected X, found Y" messages.
pub(crate) fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("a string ({})", quote(s)),
        DeValue::Integer(i) => format!("an integer ({i})"),
        DeValue::Float(f) => format!("a float ({f})"),
        DeValue::Boolean(b) => format!("a boolean ({b})"),
        DeValue::Datetime(d) => format!("a date-time ({d})"),
        DeValue::Array(_) => "an array".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

/// The problem collector and position finder for one config file.
pub(crate) struct Ctx<'s> {
    file: &'s Path,
    text: &'s str,
    line_starts: Vec<usize>,
    /// Problems found so far, in the order found.
    pub problems: Vec<Problem>,
    /// Keys suggested for unknown keys, by the start of their table's span.
    suggested: Vec<(usize, String)>,
}

impl<'s> Ctx<'s> {
    pub fn new(file: &'s Path, text: &'s str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            file,
            text,
            line_starts,
            problems: Vec::new(),
            suggested: Vec::new(),
        }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn location(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line_idx = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(line_idx).copied().unwrap_or(0);
        let col = match self.text.get(start..offset) {
            Some(s) => s.chars().count(),
            None => offset - start,
        };
        Location {
            line: line_idx + 1,
            col: col + 1,
        }
    }

    /// The 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.location(offset).line
    }

    /// The source text of a span (empty when the span is not in the text).
    pub fn snippet(&self, span: &Range<usize>) -> &'s str {
        self.text.get(span.clone()).unwrap_or("")
    }

    /// Records a problem at `span` with key path `key` (empty: no key path).
    pub fn error(&mut self, span: &Range<usize>, key: &str, message: impl Into<String>) {
        self.push(span, key, ProblemKind::Invalid, message);
    }

    /// Records a problem of a given kind.
    pub fn push(
        &mut self,
        span: &Range<usize>,
        key: &str,
        kind: ProblemKind,
        message: impl Into<String>,
    ) {
        let key = (!key.is_empty()).then(|| key.to_string());
        let problem = Problem::at(
            self.file,
            span.start,
            self.location(span.start),
            key,
            kind,
            message,
        );
        self.problems.push(problem);
    }

    /// Reports a value of the wrong type.
    pub fn wrong_type(&mut self, v: &Val<'_>, path: &str, expected: &str) {
        let found = describe(v.get_ref());
        self.error(
            &v.span(),
            path,
            format!("expected {expected}, found {found}"),
        );
    }

    /// Reports a missing required key, pointing at the table that lacks it (unless an unknown key
    /// of that table was already reported as a likely typo of it).
    pub fn missing(&mut self, t: &Tbl<'_, '_>, key: &str, what: &str) {
        if self
            .suggested
            .iter()
            .any(|(start, k)| *start == t.span.start && k == key)
        {
            return;
        }
        self.error(
            &t.span,
            &t.path,
            format!("missing required key `{key}` ({what})"),
        );
    }

    /// Reports every key of `t` that is not in `known`, suggesting the closest known key, or else
    /// what `hint` says about it, or else the list of known keys.
    pub fn check_keys(
        &mut self,
        t: &Tbl<'_, '_>,
        known: &[&str],
        hint: &dyn Fn(&str) -> Option<String>,
    ) {
        for (k, _) in t.map.iter() {
            let key = k.get_ref().as_ref();
            if known.contains(&key) {
                continue;
            }
            let place = if t.path.is_empty() {
                " at the top level"
            } else {
                ""
            };
            let advice = if let Some(h) = hint(key) {
                h
            } else if let Some(s) = super::suggest::closest(key, known) {
                self.suggested.push((t.span.start, s.to_string()));
                format!("did you mean `{s}`?")
            } else {
                format!("known keys: {}", known.join(", "))
            };
            self.error(
                &k.span(),
                &t.path,
                format!("unknown key {}{place}; {advice}", show_key(key)),
            );
        }
    }

    /// The value of `key` as a string; wrong types are reported.
    pub fn str<'a, 'i>(&mut self, t: &Tbl<'a, 'i>, key: &str) -> Option<(&'a str, Range<usize>)> {
        let v = t.get(key)?;
        self.as_str(v, &t.child(key))
    }

    /// A value as a string; wrong types are reported.
    pub fn as_str<'a>(&mut self, v: &'a Val<'_>, path: &str) -> Option<(&'a str, Range<usize>)> {
        match v.get_ref() {
            DeValue::String(s) => Some((s.as_ref(), v.span())),
            _ => {
                self.wrong_type(v, path, "a string");
                None
            }
        }
    }

    /// The value of `key` as a string; reports it missing when absent.
    pub fn req_str<'a, 'i>(
        &mut self,
        t: &Tbl<'a, 'i>,
        key: &str,
        what: &str,
    ) -> Option<(&'a str, Range<usize>)> {
        if t.get(key).is_none() {
            self.missing(t, key, what);
            return None;
        }
        self.str(t, key)
    }

    /// The value of `key` as a boolean; wrong types are reported.
    pub fn bool(&mut self, t: &Tbl<'_, '_>, key: &str) -> Option<bool> {
        let v = t.get(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            DeValue::String(s) if matches!(s.as_ref(), "true" | "false") => {
                self.error(
                    &v.span(),
                    &t.child(key),
                    format!(
                        "expected a boolean, found the string {}: write {s} without quotes",
                        quote(s)
                    ),
                );
                None
            }
            _ => {
                self.wrong_type(v, &t.child(key), "a boolean (true or false)");
                None
            }
        }
    }

    /// The value of `key` as an integer; wrong types and out-of-range numbers are reported.
    pub fn int(&mut self, t: &Tbl<'_, '_>, key: &str) -> Option<(i64, Range<usize>)> {
        let v = t.get(key)?;
        match v.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some((n, v.span())),
                Err(_) => {
                    self.error(&v.span(), &t.child(key), format!("{i} is out of range"));
                    None
                }
            },
            _ => {
                self.wrong_type(v, &t.child(key), "an integer");
                None
            }
        }
    }

    /// The value of `key` as an array; wrong types are reported (with an example when a single
    /// value was given where a list is expected).
    pub fn array<'a, 'i>(
        &mut self,
        t: &Tbl<'a, 'i>,
        key: &str,
    ) -> Option<(&'a DeArray<'i>, Range<usize>)> {
        let v = t.get(key)?;
        match v.get_ref() {
            DeValue::Array(a) => Some((a, v.span())),
            DeValue::String(s) => {
                self.error(
                    &v.span(),
                    &t.child(key),
                    format!(
                        "expected an array, found a string: write [{}] for a list of one",
                        quote(s)
                    ),
                );
                None
            }
            _ => {
                self.wrong_type(v, &t.child(key), "an array");
                None
            }
        }
    }

    /// A value as a table; wrong types are reported.
    pub fn as_table<'a, 'i>(&mut self, v: &'a Val<'i>, path: &str) -> Option<Tbl<'a, 'i>> {
        match v.get_ref() {
            DeValue::Table(map) => Some(Tbl {
                map,
                span: v.span(),
                path: path.to_string(),
            }),
            _ => {
                self.wrong_type(v, path, "a table");
                None
            }
        }
    }

    /// The value of `key` as a list of strings, each checked by `check` (which returns the value
    /// to keep, or a message). Wrong types, failed checks and duplicates are reported. `None` when
    /// the key is absent or not an array; failed elements are left out.
    pub fn str_list<T: PartialEq>(
        &mut self,
        t: &Tbl<'_, '_>,
        key: &str,
        check: &dyn Fn(&str) -> Result<T, String>,
    ) -> Option<Vec<T>> {
        let (arr, _) = self.array(t, key)?;
        let path = t.child(key);
        let mut out: Vec<(T, usize)> = Vec::new();
        for (i, v) in arr.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let Some((s, span)) = self.as_str(v, &p) else {
                continue;
            };
            match check(s) {
                Ok(value) => {
                    if let Some((_, first)) = out.iter().find(|(x, _)| *x == value) {
                        let line = self.line(*first);
                        self.error(
                            &span,
                            &p,
                            format!("{} is listed twice (first on line {line})", quote(s)),
                        );
                    } else {
                        out.push((value, span.start));
                    }
                }
                Err(msg) => self.error(&span, &p, msg),
            }
        }
        Some(out.into_iter().map(|(v, _)| v).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_one_based_and_count_characters() {
        let text = "a = 1\nbé = \"x\"\n\nlast";
        let ctx = Ctx::new(Path::new("f.toml"), text);
        assert_eq!(ctx.location(0), Location { line: 1, col: 1 });
        assert_eq!(ctx.location(4), Location { line: 1, col: 5 });
        assert_eq!(ctx.location(6), Location { line: 2, col: 1 });
        // After "bé" (3 bytes) comes the space at byte 9: column 3.
        assert_eq!(ctx.location(9), Location { line: 2, col: 3 });
        assert_eq!(ctx.location(17), Location { line: 4, col: 1 });
        // Past the end and inside a multi-byte character: clamped, no panic.
        assert_eq!(ctx.location(1000).line, 4);
        let _ = ctx.location(8);
    }

    #[test]
    fn keys_are_shown_safely() {
        assert_eq!(show_key("record"), "`record`");
        assert_eq!(show_key("a b"), "\"a b\"");
        assert_eq!(show_key("\u{1b}[31m"), "\"\\u{1b}[31m\"");
    }
}
