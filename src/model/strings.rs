//! A macro for enums that mirror an AWS string enumeration and keep unknown values verbatim.

/// Declares an enum whose variants are AWS spellings, plus `Other(String)` for anything newer.
/// It (de)serialises as AWS's string, so JSON written by switchyard reads like the AWS API.
macro_rules! aws_string_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of switchyard does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The value as AWS spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )+
                    Self::Other(s) => s,
                }
            }

            /// Reads AWS's spelling; anything unknown becomes `Other`.
            pub fn from_aws(s: &str) -> Self {
                match s {
                    $( $text => Self::$variant, )+
                    other => Self::Other(other.to_string()),
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self::from_aws(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                match v {
                    $name::Other(s) => s,
                    known => known.as_str().to_string(),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use aws_string_enum;

/// The text with every control character (ESC, BEL, NUL, C1 codes, which would move the cursor
/// or garble a terminal) shown as `�`; tabs and newlines become spaces.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// [`printable`] for text of several lines: newlines and tabs stay, every other control
/// character (ESC, BEL, NUL, DEL, C1 codes such as CSI U+009B) is shown as `�`. What the command
/// line prints of AWS answers and journals goes through it, so that no name, reason or message
/// can move the cursor, retitle the window or garble the operator's terminal.
pub fn terminal_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// How many terminal columns the text takes (wide characters take two).
pub fn columns(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// The printable text cut to at most `max` columns, ending with `…` when cut.
pub fn fit(s: &str, max: usize) -> String {
    fit_with(s, max, "…")
}

/// The printable text cut to at most `max` columns, ending with `ellipsis` when cut (`...` on
/// an ASCII terminal).
pub fn fit_with(s: &str, max: usize, ellipsis: &str) -> String {
    let s = printable(s);
    if columns(&s) <= max {
        return s;
    }
    let room = max.saturating_sub(columns(ellipsis));
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > room {
            break;
        }
        used += w;
        out.push(c);
    }
    if columns(ellipsis) <= max {
        out.push_str(ellipsis);
    }
    out
}

/// The printable text fitted to exactly `width` columns (cut, or padded with spaces).
pub fn pad(s: &str, width: usize) -> String {
    let mut out = fit(s, width);
    let w = columns(&out);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

#[cfg(test)]
mod text_tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(
            printable("a\u{1b}[2Jb\u{7}\u{0}"),
            "a\u{fffd}[2Jb\u{fffd}\u{fffd}"
        );
        assert_eq!(printable("x\ty\nz"), "x y z");
    }

    #[test]
    fn wide_characters_count_twice_when_fitting() {
        assert_eq!(columns("漢字🙂"), 6);
        assert_eq!(fit("漢字🙂abc", 5), "漢字…");
        assert_eq!(columns(&fit("漢字🙂abc", 5)), 5);
        assert_eq!(fit_with("abcdefgh", 6, "..."), "abc...");
        assert_eq!(fit_with("abcdefgh", 8, "..."), "abcdefgh");
        assert_eq!(fit_with("abcdefgh", 2, "..."), "");
        assert_eq!(pad("漢", 4), "漢  ");
        assert_eq!(fit("short", 10), "short");
    }
}

/// The text in pure ASCII (`--ascii`): every symbol switchyard writes (`…`, `—`, `·`, `•`,
/// `→`, `≤`, `✓`, ...) spelled in ASCII, a no-break space as a space, any other non-ASCII
/// character (a name in another script) as `?`.
pub fn ascii(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            c if c.is_ascii() => out.push(c),
            '\u{a0}' => out.push(' '),
            '…' => out.push_str("..."),
            '—' | '–' | '·' | '•' | '─' => out.push('-'),
            '→' => out.push_str("->"),
            '←' => out.push_str("<-"),
            '↑' => out.push_str("up"),
            '↓' => out.push_str("down"),
            '≤' => out.push_str("<="),
            '≥' => out.push_str(">="),
            '◀' => out.push_str("<="),
            '✓' => out.push_str("ok"),
            '✗' => out.push('x'),
            '×' => out.push('x'),
            _ => out.push('?'),
        }
    }
    out
}

/// JSON text in pure ASCII: every non-ASCII character (they occur only inside strings) as a
/// `\uXXXX` escape, so that the document means the same.
pub fn json_ascii(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{:04x}", u));
            }
        }
    }
    out
}

#[cfg(test)]
mod ascii_tests {
    use super::*;

    #[test]
    fn ascii_spells_every_symbol_in_ascii() {
        assert_eq!(
            ascii("a — b · c • d … ≤ 1 min → ✓"),
            "a - b - c - d ... <= 1 min -> ok"
        );
        assert_eq!(ascii("café\u{a0}x"), "caf? x");
        assert!(ascii("日本 ✗ ◀").is_ascii());
    }

    #[test]
    fn json_stays_the_same_document_in_ascii() {
        let v = serde_json::json!({"reason": "ETA ≤ 1 min — café 😀"});
        let text = json_ascii(&serde_json::to_string(&v).unwrap());
        assert!(text.is_ascii(), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }
}
