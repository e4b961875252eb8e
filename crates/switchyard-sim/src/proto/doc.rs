//! A protocol-neutral document: what the CBOR, JSON 1.0 and query decoders produce and what the
//! encoders consume, so that one handler serves every wire protocol of a service.

use std::fmt::Write as _;

/// One value of a request or response document.
#[derive(Clone, Debug, PartialEq)]
pub enum Doc {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A timestamp, as seconds since the Unix epoch.
    Time(f64),
    List(Vec<Doc>),
    /// A structure or map; the order of members is kept.
    Map(Vec<(String, Doc)>),
}

impl Doc {
    /// An empty structure to add members to.
    pub fn map() -> Doc {
        Doc::Map(Vec::new())
    }

    /// Adds a member to a structure, leaving out `Null` values (as AWS leaves out absent members).
    pub fn with(mut self, key: &str, value: impl Into<Doc>) -> Doc {
        let value = value.into();
        if let (Doc::Map(members), false) = (&mut self, matches!(value, Doc::Null)) {
            members.push((key.to_string(), value));
        }
        self
    }

    /// A member of a structure.
    pub fn get(&self, key: &str) -> Option<&Doc> {
        match self {
            Doc::Map(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Doc::as_str)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Doc::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Doc::Int(i) => Some(*i),
            Doc::Float(f) if f.fract() == 0.0 => Some(*f as i64),
            Doc::Str(s) => s.parse().ok(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Doc::Int(i) => Some(*i as f64),
            Doc::Float(f) | Doc::Time(f) => Some(*f),
            Doc::Str(s) => s.parse().ok(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Doc::Bool(b) => Some(*b),
            Doc::Str(s) => match s.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// A timestamp given as epoch seconds (CBOR, JSON) or as an ISO 8601 string (query).
    pub fn as_time(&self) -> Option<f64> {
        match self {
            Doc::Time(t) | Doc::Float(t) => Some(*t),
            Doc::Int(i) => Some(*i as f64),
            Doc::Str(s) => {
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .ok()
                    .map(|t| t.unix_timestamp_nanos() as f64 / 1e9)
                    .or_else(|| s.parse().ok())
            }
            _ => None,
        }
    }

    /// The items of a list; an absent member reads as an empty list.
    pub fn list(&self, key: &str) -> &[Doc] {
        match self.get(key) {
            Some(Doc::List(items)) => items,
            _ => &[],
        }
    }

    /// The strings of a list member.
    pub fn strings(&self, key: &str) -> Vec<String> {
        self.list(key)
            .iter()
            .filter_map(|d| d.as_str().map(str::to_string))
            .collect()
    }

    /// A short rendering for error messages and logs.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        self.describe_into(&mut out);
        out
    }

    fn describe_into(&self, out: &mut String) {
        match self {
            Doc::Null => out.push_str("null"),
            Doc::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            Doc::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Doc::Float(f) | Doc::Time(f) => {
                let _ = write!(out, "{f}");
            }
            Doc::Str(s) => {
                let _ = write!(out, "{s:?}");
            }
            Doc::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.describe_into(out);
                }
                out.push(']');
            }
            Doc::Map(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    let _ = write!(out, "{k}: ");
                    v.describe_into(out);
                }
                out.push('}');
            }
        }
    }
}

impl From<&str> for Doc {
    fn from(s: &str) -> Doc {
        Doc::Str(s.to_string())
    }
}

impl From<String> for Doc {
    fn from(s: String) -> Doc {
        Doc::Str(s)
    }
}

impl From<&String> for Doc {
    fn from(s: &String) -> Doc {
        Doc::Str(s.clone())
    }
}

impl From<bool> for Doc {
    fn from(b: bool) -> Doc {
        Doc::Bool(b)
    }
}

impl From<i64> for Doc {
    fn from(i: i64) -> Doc {
        Doc::Int(i)
    }
}

impl From<u32> for Doc {
    fn from(i: u32) -> Doc {
        Doc::Int(i64::from(i))
    }
}

impl From<f64> for Doc {
    fn from(f: f64) -> Doc {
        Doc::Float(f)
    }
}

impl From<Vec<Doc>> for Doc {
    fn from(items: Vec<Doc>) -> Doc {
        Doc::List(items)
    }
}

impl<T: Into<Doc>> From<Option<T>> for Doc {
    fn from(value: Option<T>) -> Doc {
        value.map_or(Doc::Null, Into::into)
    }
}

/// A list of strings.
pub fn str_list<S: AsRef<str>>(items: &[S]) -> Doc {
    Doc::List(
        items
            .iter()
            .map(|s| Doc::Str(s.as_ref().to_string()))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_leaves_out_null_members() {
        let d = Doc::map()
            .with("A", "x")
            .with("B", Doc::Null)
            .with("C", Some(3i64));
        assert_eq!(
            d,
            Doc::Map(vec![
                ("A".into(), Doc::Str("x".into())),
                ("C".into(), Doc::Int(3))
            ])
        );
    }

    #[test]
    fn numbers_read_from_strings_as_query_sends_them() {
        let d = Doc::map()
            .with("N", "42")
            .with("F", "1.5")
            .with("B", "true");
        assert_eq!(d.get("N").and_then(Doc::as_i64), Some(42));
        assert_eq!(d.get("F").and_then(Doc::as_f64), Some(1.5));
        assert_eq!(d.get("B").and_then(Doc::as_bool), Some(true));
    }

    #[test]
    fn times_read_from_iso_strings() {
        let d = Doc::Str("2026-11-22T02:00:00Z".into());
        assert_eq!(d.as_time(), Some(1_795_312_800.0));
    }
}
