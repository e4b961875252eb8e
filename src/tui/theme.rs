//! Colours and symbols: 16 colours at most, none with NO_COLOR (verdicts stay readable as text),
//! ASCII borders and symbols with `--ascii`.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

use crate::model::verdict::VerdictKind;

/// How the console draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Colours (false with NO_COLOR).
    pub color: bool,
    /// ASCII borders and symbols.
    pub ascii: bool,
}

const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Theme {
    /// The theme for a terminal: colours unless `NO_COLOR` is set and not empty.
    pub fn new(no_color: bool, ascii: bool) -> Theme {
        Theme {
            color: !no_color,
            ascii,
        }
    }

    /// Whether the `NO_COLOR` convention asks for no colours (<https://no-color.org>).
    pub fn no_color_from_env() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// The colour of a verdict.
    pub fn verdict_color(kind: VerdictKind) -> Color {
        match kind {
            VerdictKind::Live => Color::Green,
            VerdictKind::Degraded => Color::Yellow,
            VerdictKind::FailedOver => Color::Red,
            VerdictKind::Maintenance => Color::Magenta,
            VerdictKind::Switching => Color::Cyan,
            VerdictKind::Unknown => Color::Gray,
        }
    }

    /// A verdict badge: black on the verdict's colour, or bold (reversed for the bad ones)
    /// without colours.
    pub fn verdict(&self, kind: VerdictKind) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Self::verdict_color(kind))
                .add_modifier(Modifier::BOLD)
        } else if kind.severity() >= VerdictKind::Degraded.severity() {
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }

    /// The verdict as text in its badge: ` FAILED OVER `.
    pub fn badge_text(kind: VerdictKind) -> String {
        format!(" {} ", kind.label())
    }

    /// The banner of a protected site.
    pub fn protected(&self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        }
    }

    pub fn good(&self) -> Style {
        self.fg(Color::Green)
    }

    pub fn bad(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// The selected row.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// The focused button of a modal.
    pub fn focused(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    pub fn border(&self) -> border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            border::PLAIN
        }
    }

    pub fn ok_symbol(&self) -> &'static str {
        if self.ascii { "ok" } else { "✓" }
    }

    pub fn fail_symbol(&self) -> &'static str {
        if self.ascii { "x" } else { "✗" }
    }

    pub fn arrow(&self) -> &'static str {
        if self.ascii { "->" } else { "→" }
    }

    /// The marker of the record Route 53 answers with.
    pub fn answered(&self) -> &'static str {
        if self.ascii {
            "<= answered"
        } else {
            "◀ answered"
        }
    }

    /// A sparkline of values (oldest first) in at most `width` characters.
    pub fn sparkline(&self, values: &[f64], width: usize) -> String {
        const BARS: [&str; 8] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];
        const ASCII: [&str; 8] = ["_", ".", "-", "~", "=", "+", "*", "#"];
        let bars = if self.ascii { &ASCII } else { &BARS };
        let start = values.len().saturating_sub(width);
        let values = &values[start..];
        let (lo, hi) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(*v), hi.max(*v))
            });
        values
            .iter()
            .map(|v| {
                if hi > lo {
                    let i = ((v - lo) / (hi - lo) * 7.0).round() as usize;
                    bars[i.min(7)]
                } else if *v > 0.0 {
                    bars[7]
                } else {
                    bars[0]
                }
            })
            .collect()
    }
}
