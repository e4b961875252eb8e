//! Observations with freshness: a value as last fetched, when, and the latest failure.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::AwsError;

/// A fetch that failed, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchError {
    /// What went wrong.
    pub error: AwsError,
    /// When the failed call was made.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// One observed piece of AWS state: the last good value, when it was fetched, and the error of
/// the latest attempt if that failed. A failure keeps the last good value, so that a panel can
/// show old data together with the error. `Default` is "never fetched".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: Deserialize<'de>"))]
pub struct Fetched<T> {
    /// The last value fetched successfully. In JSON the key is absent when there is none, so
    /// that a fetched `None` (e.g. "no maintenance marker") stays distinct from "not fetched".
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub value: Option<T>,
    /// When `value` was fetched.
    #[serde(with = "time::serde::rfc3339::option")]
    pub fetched_at: Option<OffsetDateTime>,
    /// The latest attempt's failure; `None` once a fetch succeeds again.
    pub error: Option<FetchError>,
}

impl<T> Default for Fetched<T> {
    fn default() -> Self {
        Fetched {
            value: None,
            fetched_at: None,
            error: None,
        }
    }
}

impl<T> Fetched<T> {
    /// A successful fetch of `value` at `at`.
    pub fn ok(value: T, at: OffsetDateTime) -> Self {
        Fetched {
            value: Some(value),
            fetched_at: Some(at),
            error: None,
        }
    }

    /// This observation after a failed fetch at `at`: the last good value and its time stay.
    /// `Fetched::default().failed(..)` is a piece that has never been fetched successfully.
    #[must_use]
    #[cfg(test)]
    pub fn failed(mut self, error: AwsError, at: OffsetDateTime) -> Self {
        self.error = Some(FetchError { error, at });
        self
    }

    /// Records a successful fetch in place (clears the error).
    pub fn set_ok(&mut self, value: T, at: OffsetDateTime) {
        *self = Fetched::ok(value, at);
    }

    /// Records a failed fetch in place (keeps the last good value).
    pub fn set_failed(&mut self, error: AwsError, at: OffsetDateTime) {
        self.error = Some(FetchError { error, at });
    }

    /// Records a fetch whose answer cannot be trusted (a damaged or foreign journal): the error,
    /// and no value, not even an older one: what AWS holds now is known to be unusable.
    pub fn set_unusable(&mut self, error: AwsError, at: OffsetDateTime) {
        *self = Fetched {
            value: None,
            fetched_at: None,
            error: Some(FetchError { error, at }),
        };
    }

    /// The last good value, if any.
    pub fn get(&self) -> Option<&T> {
        self.value.as_ref()
    }

    /// How old the last good value is at `now` (zero if `fetched_at` is in the future);
    /// `None` if nothing was ever fetched.
    pub fn age(&self, now: OffsetDateTime) -> Option<Duration> {
        self.fetched_at.map(|at| span(at, now))
    }

    /// Whether the value is missing or older than `max_age` at `now`.
    pub fn is_stale(&self, now: OffsetDateTime, max_age: Duration) -> bool {
        match (&self.value, self.fetched_at) {
            (Some(_), Some(at)) => !within(now, at, max_age),
            _ => true,
        }
    }

    /// Whether the latest attempt failed.
    pub fn is_failing(&self) -> bool {
        self.error.is_some()
    }

    /// Whether nothing was ever fetched successfully and nothing was tried either.
    pub fn is_never_fetched(&self) -> bool {
        self.value.is_none() && self.error.is_none()
    }

    #[cfg(test)]
    /// The same observation with the value transformed (time and error unchanged).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Fetched<U> {
        Fetched {
            value: self.value.map(f),
            fetched_at: self.fetched_at,
            error: self.error,
        }
    }

    #[cfg(test)]
    /// The same observation borrowing its value.
    pub fn as_ref(&self) -> Fetched<&T> {
        Fetched {
            value: self.value.as_ref(),
            fetched_at: self.fetched_at,
            error: self.error.clone(),
        }
    }
}

/// A span the way an operator reads it: `0 s`, `45 s`, `5 min 12 s`, `2 h 3 min`, `3 d 4 h`.
/// Sub-second parts are dropped.
pub fn human_span(d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, mins, secs) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    match (days, hours, mins) {
        (0, 0, 0) => format!("{secs} s"),
        (0, 0, _) if secs == 0 => format!("{mins} min"),
        (0, 0, _) => format!("{mins} min {secs} s"),
        (0, _, 0) => format!("{hours} h"),
        (0, _, _) => format!("{hours} h {mins} min"),
        (_, 0, _) => format!("{days} d"),
        _ => format!("{days} d {hours} h"),
    }
}

/// A present `value` key is a value, even if it is `null` (for `T = Option<_>`).
fn present<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// The span from `from` to `to`, zero if `to` is earlier. Read inside [`tracked`], it says
/// that the judgement holds at the earlier of the two instants only: a span with the clock
/// changes all the time.
pub(crate) fn span(from: OffsetDateTime, to: OffsetDateTime) -> Duration {
    holds_through(from.min(to));
    untracked_span(from, to)
}

fn untracked_span(from: OffsetDateTime, to: OffsetDateTime) -> Duration {
    Duration::try_from(to - from).unwrap_or(Duration::ZERO)
}

// What a judgement read of the clock. A verdict is judged again once a second in the console
// only where time can change it: where something goes stale, a window ends, an approval
// expires, or a text says an age. Every reading of `now` in the model goes through the few
// functions below, which note until when their answer holds.
thread_local! {
    static HOLDS_THROUGH: std::cell::Cell<Option<Option<OffsetDateTime>>> =
        const { std::cell::Cell::new(None) };
}

/// Runs `judge` (a function of some `now`) and says until when its answer holds: `None` when
/// it read nothing of the clock (it holds until the observations change), else the last
/// instant at which it is certain to give the same answer. Only `data_age`-style ages, which
/// grow with the clock one for one, are exempt: see [`age_of_data`].
pub fn tracked<R>(judge: impl FnOnce() -> R) -> (R, Option<OffsetDateTime>) {
    let outer = HOLDS_THROUGH.with(|h| h.replace(Some(None)));
    let r = judge();
    let mine = HOLDS_THROUGH.with(|h| h.replace(outer)).flatten();
    // A judgement inside another one limits the outer one too.
    if let Some(t) = mine {
        holds_through(t);
    }
    (r, mine)
}

/// Notes that what is being judged holds through `t` at the latest.
pub(crate) fn holds_through(t: OffsetDateTime) {
    HOLDS_THROUGH.with(|h| {
        if let Some(current) = h.get() {
            h.set(Some(Some(current.map_or(t, |c| c.min(t)))));
        }
    });
}

/// Whether `now` is before `t`; the answer holds until `t` (once reached, for ever).
pub(crate) fn before(now: OffsetDateTime, t: OffsetDateTime) -> bool {
    let yes = now < t;
    if yes {
        holds_through(t - time::Duration::NANOSECOND);
    }
    yes
}

/// Whether `at` is no more than `limit` before `now` (an `at` in the future is within); the
/// answer holds until `at + limit` (once past, for ever).
pub(crate) fn within(now: OffsetDateTime, at: OffsetDateTime, limit: Duration) -> bool {
    let yes = untracked_span(at, now) <= limit;
    // A limit past the calendar's end never passes.
    if yes
        && let Some(end) = time::Duration::try_from(limit)
            .ok()
            .and_then(|l| at.checked_add(l))
    {
        holds_through(end);
    }
    yes
}

/// The age at `now` of data fetched at `at`, as a verdict's `data_age`: it grows with the clock
/// one for one, so a judgement that holds still gives it as its age then plus the time since
/// (see `tracked`). Data from the future (a skewed clock) is of age zero until `at`.
pub(crate) fn age_of_data(at: OffsetDateTime, now: OffsetDateTime) -> Duration {
    if at > now {
        holds_through(at);
    }
    untracked_span(at, now)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::model::error::ErrorKind;

    #[test]
    fn a_failure_keeps_the_last_good_value() {
        let t0 = datetime!(2026-03-01 02:00:00 UTC);
        let t1 = datetime!(2026-03-01 02:01:30 UTC);
        let err = AwsError::new(
            ErrorKind::Network,
            "route53",
            "GetHealthCheckStatus",
            "timeout",
        );
        let f = Fetched::ok(vec![1, 2], t0).failed(err.clone(), t1);
        assert_eq!(f.get(), Some(&vec![1, 2]));
        assert_eq!(f.fetched_at, Some(t0));
        assert_eq!(f.age(t1), Some(Duration::from_secs(90)));
        assert!(f.is_failing());
        assert!(f.is_stale(t1, Duration::from_secs(60)));
        assert!(!f.is_stale(t1, Duration::from_secs(90)));
        let mut g = f.clone();
        g.set_ok(vec![3], t1);
        assert!(!g.is_failing());
        assert_eq!(g.age(t1), Some(Duration::ZERO));
    }

    #[test]
    fn never_fetched_is_stale_and_has_no_age() {
        let now = datetime!(2026-03-01 02:00:00 UTC);
        let f: Fetched<u8> = Fetched::default();
        assert!(f.is_never_fetched());
        assert_eq!(f.age(now), None);
        assert!(f.is_stale(now, Duration::from_secs(3600)));
        let err = AwsError::new(ErrorKind::AccessDenied, "sts", "GetCallerIdentity", "no");
        let f = f.failed(err, now);
        assert!(!f.is_never_fetched());
        assert!(f.is_stale(now, Duration::from_secs(3600)));
    }

    #[test]
    fn spans_read_like_an_operator_says_them() {
        assert_eq!(human_span(Duration::from_millis(900)), "0 s");
        assert_eq!(human_span(Duration::from_secs(45)), "45 s");
        assert_eq!(human_span(Duration::from_secs(120)), "2 min");
        assert_eq!(human_span(Duration::from_secs(312)), "5 min 12 s");
        assert_eq!(human_span(Duration::from_secs(7200)), "2 h");
        assert_eq!(human_span(Duration::from_secs(7380)), "2 h 3 min");
        assert_eq!(
            human_span(Duration::from_secs(86_400 * 3 + 3600 * 4)),
            "3 d 4 h"
        );
    }

    #[test]
    fn fetched_round_trips_through_json() {
        let t0 = datetime!(2026-03-01 02:00:00.25 UTC);
        let err = AwsError::new(
            ErrorKind::Throttled,
            "elbv2",
            "DescribeTargetHealth",
            "Rate",
        );
        let f = Fetched::ok("x".to_string(), t0).failed(err, t0);
        let json = serde_json::to_string(&f).unwrap();
        assert!(json.contains("2026-03-01T02:00:00.25Z"), "{json}");
        let back: Fetched<String> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
    }

    #[test]
    fn a_fetched_none_is_not_never_fetched() {
        let t0 = datetime!(2026-03-01 02:00:00 UTC);
        for f in [
            Fetched::ok(None, t0),
            Fetched::ok(Some(1u8), t0),
            Fetched::default(),
        ] {
            let json = serde_json::to_string(&f).unwrap();
            let back: Fetched<Option<u8>> = serde_json::from_str(&json).unwrap();
            assert_eq!(back, f, "{json}");
        }
    }
}
