//! MAINTENANCE OVERDUE: the maintenance window recorded in the journal (`maintenance on --for`,
//! the site's `max_window`, `maintenance extend`) has ended and the sorry page is still served.
//! Nothing fails back on its own: the verdict says so, with the command that fails back and the
//! one that extends the window. Before the end, a site in maintenance says the time left.

use std::time::Duration;

use time::OffsetDateTime;

use super::{Verdict, VerdictKind};
use crate::model::maintenance::{MaintenanceMarker, MaintenancePhase};
use crate::model::obs::human_span;
use crate::model::site::SiteObservations;

/// How long before the end of a window every screen warns.
pub const WARN_BEFORE: Duration = Duration::from_secs(15 * 60);

/// Where a maintenance window stands at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowState {
    /// More than [`WARN_BEFORE`] left.
    Open(Duration),
    /// [`WARN_BEFORE`] or less left.
    EndingSoon(Duration),
    /// Ended this long ago.
    Ended(Duration),
}

impl WindowState {
    /// `1 h 45 min left`, `12 min left`, `overdue by 5 min`.
    pub fn text(self) -> String {
        match self {
            WindowState::Open(d) | WindowState::EndingSoon(d) => format!("{} left", human_span(d)),
            WindowState::Ended(d) => format!("overdue by {}", human_span(d)),
        }
    }

    /// Seconds left: negative once ended.
    pub fn seconds_left(self) -> i64 {
        match self {
            WindowState::Open(d) | WindowState::EndingSoon(d) => {
                i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
            }
            WindowState::Ended(d) => -i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        }
    }
}

/// Where the window of `m` stands at `now`; `None` when it has no end, or the site is not (or
/// no longer) held in maintenance: a fail back under way ends the window.
pub fn window(m: &MaintenanceMarker, now: OffsetDateTime) -> Option<WindowState> {
    if m.phase == MaintenancePhase::Leaving {
        return None;
    }
    let end = m.expires_local.or(m.expires_at)?;
    // Said with the time left (or overdue): it changes with the clock.
    crate::model::obs::holds_through(now);
    let left = end - now;
    if left <= time::Duration::ZERO {
        let over = Duration::try_from(-left).unwrap_or_default();
        return Some(WindowState::Ended(over));
    }
    let left = Duration::try_from(left).unwrap_or_default();
    Some(if left <= WARN_BEFORE {
        WindowState::EndingSoon(left)
    } else {
        WindowState::Open(left)
    })
}

fn stamp(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The lines that say where the window stands, most important first.
pub fn reasons(site: &str, m: &MaintenanceMarker, now: OffsetDateTime) -> Vec<String> {
    let (Some(state), Some(end)) = (window(m, now), m.expires_at) else {
        return Vec::new();
    };
    match state {
        WindowState::Ended(_) => vec![
            format!(
                "maintenance overdue: the window ended at {} ({}); nothing fails back on its own",
                stamp(end),
                state.text()
            ),
            format!(
                "fail back: `switchyard maintenance off --site {site}`; or extend the window: \
                 `switchyard maintenance extend --site {site} --for 30m --reason ...`"
            ),
        ],
        WindowState::EndingSoon(_) => vec![format!(
            "the maintenance window ends soon: at {} ({})",
            stamp(end),
            state.text()
        )],
        WindowState::Open(_) => vec![format!(
            "the maintenance window ends at {} ({})",
            stamp(end),
            state.text()
        )],
    }
}

/// The verdict with the window's end laid over it: a site in MAINTENANCE past its window's end
/// is MAINTENANCE OVERDUE; any other verdict only says where the window stands.
pub(super) fn overlay(
    site: &SiteObservations,
    now: OffsetDateTime,
    stale_after: Duration,
    mut v: Verdict,
) -> Verdict {
    if site.maintenance.is_stale(now, stale_after) {
        return v;
    }
    let Some(m) = site.marker() else {
        return v;
    };
    let lines = reasons(&site.name, m, now);
    if lines.is_empty() {
        return v;
    }
    let ended = matches!(window(m, now), Some(WindowState::Ended(_)));
    if ended && v.kind == VerdictKind::Maintenance {
        let rest = v.reasons.into_iter().filter(|r| !lines.contains(r));
        return Verdict {
            kind: VerdictKind::Overdue,
            reasons: lines.iter().cloned().chain(rest).collect(),
            ..v
        };
    }
    // Ending soon: first, a warning; otherwise right after the verdict's first line (what is
    // served).
    let soon = matches!(window(m, now), Some(WindowState::EndingSoon(_)));
    let at = if soon { 0 } else { v.reasons.len().min(1) };
    for (i, l) in lines.into_iter().enumerate() {
        if !v.reasons.contains(&l) {
            v.reasons.insert(at + i, l);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_795_312_800 + secs)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    fn marker(expires: Option<i64>, phase: MaintenancePhase) -> MaintenanceMarker {
        MaintenanceMarker {
            by: "arn:aws:sts::123456789012:assumed-role/OpsAdmin/day".into(),
            at: t(0),
            reason: None,
            strategies: vec!["dns-failover".into()],
            phase,
            done_steps: 2,
            total_steps: 2,
            interrupted: None,
            expires_at: expires.map(t),
            expires_local: None,
            break_glass: None,
            approved_by: None,
            changes: Vec::new(),
        }
    }

    #[test]
    fn a_window_is_open_then_ending_soon_then_ended() {
        let m = marker(Some(7200), MaintenancePhase::Active);
        assert_eq!(
            window(&m, t(0)),
            Some(WindowState::Open(Duration::from_secs(7200)))
        );
        assert_eq!(
            window(&m, t(0)).map(WindowState::text).as_deref(),
            Some("2 h left")
        );
        assert_eq!(
            window(&m, t(7200 - 900)),
            Some(WindowState::EndingSoon(Duration::from_secs(900)))
        );
        assert_eq!(
            window(&m, t(7200)),
            Some(WindowState::Ended(Duration::ZERO))
        );
        let late = window(&m, t(7500));
        assert_eq!(
            late.map(WindowState::text).as_deref(),
            Some("overdue by 5 min")
        );
        assert_eq!(late.map(WindowState::seconds_left), Some(-300));
    }

    #[test]
    fn no_end_or_a_fail_back_under_way_has_no_window() {
        assert_eq!(
            window(&marker(None, MaintenancePhase::Active), t(99_999)),
            None
        );
        assert_eq!(
            window(&marker(Some(60), MaintenancePhase::Leaving), t(99_999)),
            None
        );
    }

    #[test]
    fn an_ended_window_names_both_ways_out() {
        let lines = reasons("shop", &marker(Some(60), MaintenancePhase::Active), t(120));
        assert!(lines[0].starts_with("maintenance overdue: the window ended at "));
        assert!(lines[1].contains("switchyard maintenance off --site shop"));
        assert!(lines[1].contains("switchyard maintenance extend --site shop"));
    }
}
