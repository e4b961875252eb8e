//! Colours and symbols: 16 colours at most, none with NO_COLOR (verdicts stay readable as text),
//! nothing but ASCII with `--ascii` (borders, symbols and text).

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;
use ratatui::text::{Line, Span};

use crate::model::verdict::VerdictKind;

/// A no-break space: the views join what must not be wrapped apart with it ("◀ answered", one
/// part of an ETA); drawing shows it as a space.
pub const GLUE: char = '\u{a0}';

/// How the console draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Colours (false with NO_COLOR).
    pub color: bool,
    /// Nothing but ASCII: borders, symbols and text.
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
            VerdictKind::Down => Color::LightRed,
            // Its own: half switched, waiting for an operator (not a change propagating).
            VerdictKind::Interrupted => Color::LightYellow,
            // The window ended: maintenance's own colour, brighter.
            VerdictKind::Overdue => Color::LightMagenta,
        }
    }

    /// A verdict as coloured text (the header's counts): the verdict's colour, except where it
    /// would be unreadable as text on a dark or a light theme (grey: the terminal's foreground).
    pub fn verdict_text_color(kind: VerdictKind) -> Option<Color> {
        match kind {
            VerdictKind::Unknown => None,
            VerdictKind::Interrupted => Some(Color::Yellow),
            k => Some(Self::verdict_color(k)),
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

    /// The verdict as text in its badge: ` FAILED OVER `; ` OVERDUE ` for MAINTENANCE OVERDUE
    /// (the badge's column fits ` MAINTENANCE `; the reasons say the rest).
    pub fn badge_text(kind: VerdictKind) -> String {
        match kind {
            VerdictKind::Overdue => " OVERDUE ".into(),
            k => format!(" {} ", k.label()),
        }
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

    /// The DEMO badge: the built-in emulator, nothing here is AWS.
    pub fn demo(&self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        }
    }

    /// The READ-ONLY badge.
    pub fn read_only(&self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
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

    /// Secondary text (reasons, hints, labels): the terminal's own foreground, faint. Never
    /// colour 8 ("bright black"), which is the background itself on Solarized Dark, nor colour 7,
    /// the background of Solarized Light.
    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().add_modifier(Modifier::DIM)
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

    /// The marker of the record Route 53 answers with (one unit: never wrapped apart).
    pub fn answered(&self) -> &'static str {
        if self.ascii {
            "<=\u{a0}answered"
        } else {
            "◀\u{a0}answered"
        }
    }

    /// "At most", before an ETA.
    pub fn at_most(&self) -> &'static str {
        if self.ascii { "<=" } else { "≤" }
    }

    /// What ends a text cut short.
    pub fn ellipsis(&self) -> &'static str {
        if self.ascii { "..." } else { "…" }
    }

    /// Text as this terminal shows it. With `--ascii`, every symbol the views and the model use
    /// (`…`, `—`, `·`, `•`, `→`, `≤`, `✓`, ...) is spelled in ASCII, and any other non-ASCII
    /// character (an AWS name in another script) becomes `?`. The no-break space [`GLUE`]
    /// stays: the wrapping keeps what it joins together, and drawing turns it into a space.
    pub fn text(&self, s: &str) -> String {
        if !self.ascii || s.is_ascii() {
            return s.to_string();
        }
        // The views' glue stays (wrapping keeps what it joins); the rest as the CLI spells it.
        s.split(GLUE)
            .map(crate::model::strings::ascii)
            .collect::<Vec<_>>()
            .join(&GLUE.to_string())
    }

    /// [`Theme::text`] cut to at most `max` columns, ending with the theme's ellipsis when cut.
    pub fn fit(&self, s: &str, max: usize) -> String {
        crate::model::strings::fit_with(&self.text(s), max, self.ellipsis())
    }

    /// A line with every span's text as this terminal shows it ([`Theme::text`]).
    pub fn line(&self, line: Line<'static>) -> Line<'static> {
        if !self.ascii {
            return line;
        }
        let spans: Vec<Span<'static>> = line
            .spans
            .into_iter()
            .map(|s| Span::styled(self.text(&s.content), s.style))
            .collect();
        Line {
            spans,
            style: line.style,
            alignment: line.alignment,
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
