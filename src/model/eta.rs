//! One ETA per switch, from one model: a countdown that starts when verification starts, in
//! wall-clock time at any emulator speed, and ends when clients see the change ("clients see it
//! by HH:MM:SS": the change has converged, and the record's DNS TTL and, for a sorry page,
//! CloudFront's error caching have run out).
//!
//! AWS-time durations (a health check's interval x threshold, Route 53's INSYNC, a TTL) become
//! wall-clock durations by the speed of AWS's clock: 1 for AWS, the emulator's `--speed`
//! otherwise. The countdown never goes up while the estimate holds: a new estimate can only
//! bring the end nearer; only a change that takes longer than its worst case moves it on.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::cloudfront::Distribution;
use super::obs::{human_span, span};
use super::route53::RecordSet;
use super::serde_util::secs;
use super::verdict::EtaPart;

/// CloudFront caches an error response this long when its ErrorCachingMinTTL is not set.
pub const DEFAULT_ERROR_CACHING_MIN_TTL: Duration = Duration::from_secs(10);

/// An AWS-time duration on the wall clock, at `speed` (AWS seconds per wall second). A speed
/// that is not above 0 (a paused emulator) leaves it as it is.
pub fn wall(aws: Duration, speed: f64) -> Duration {
    if speed.is_finite() && speed > 0.0 {
        aws.div_f64(speed)
    } else {
        aws
    }
}

/// What clients may still hold once a change has converged (AWS time): the answered record's
/// DNS TTL, and for a sorry page served by CloudFront, how long its error page stays cached
/// (the largest ErrorCachingMinTTL of its custom error responses; 10 s when not set).
pub fn client_caches(
    record: Option<&RecordSet>,
    sorry_page: Option<&Distribution>,
) -> Vec<EtaPart> {
    let mut out = Vec::new();
    if let Some(r) = record {
        let role = match r.failover {
            Some(super::route53::Failover::Primary) => "of the primary ",
            Some(super::route53::Failover::Secondary) => "of the sorry page ",
            None => "",
        };
        out.push(EtaPart {
            what: format!("DNS TTL {role}in clients' caches"),
            duration: r.effective_ttl(),
        });
    }
    if let Some(d) = sorry_page {
        let ttl = d
            .error_responses
            .iter()
            .map(|e| e.min_ttl.unwrap_or(DEFAULT_ERROR_CACHING_MIN_TTL))
            .max()
            .unwrap_or(DEFAULT_ERROR_CACHING_MIN_TTL);
        out.push(EtaPart {
            what: format!("CloudFront {} error caching", d.id),
            duration: ttl,
        });
    }
    out
}

/// `04:40:12 UTC`.
pub fn hms(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{:02}:{:02}:{:02} UTC", t.hour(), t.minute(), t.second())
}

/// The countdown of one switch, on the wall clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Countdown {
    /// When the countdown started (verification began).
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// AWS seconds per wall second (1 for AWS; the emulator's speed).
    pub speed: f64,
    /// What clients may still hold after convergence, in AWS time.
    pub caches: Vec<EtaPart>,
    /// Their sum, in AWS time.
    #[serde(with = "secs")]
    pub caches_total: Duration,
    /// By when the change has converged at the latest (or when it was seen converged).
    #[serde(with = "time::serde::rfc3339")]
    pub converged_by: OffsetDateTime,
    /// Whether the change was seen converged (then `converged_by` is when).
    pub converged: bool,
    /// When clients see the change: `converged_by` plus the caches (on the wall clock).
    #[serde(with = "time::serde::rfc3339")]
    pub clients_see_by: OffsetDateTime,
}

impl Countdown {
    /// A countdown started at `now`, for a change that converges within `converge` (AWS time,
    /// worst case from `now`).
    pub fn start(
        now: OffsetDateTime,
        speed: f64,
        converge: Duration,
        caches: Vec<EtaPart>,
    ) -> Self {
        let caches_total = caches.iter().map(|p| p.duration).sum();
        let mut c = Countdown {
            started_at: now,
            speed,
            caches,
            caches_total,
            converged_by: now,
            converged: false,
            clients_see_by: now,
        };
        c.set_converged_by(now + wall(converge, speed));
        c
    }

    fn set_converged_by(&mut self, at: OffsetDateTime) {
        self.converged_by = at;
        // A stated time is an upper bound: whole seconds, rounded up.
        let by = at + wall(self.caches_total, self.speed);
        let frac = by.nanosecond();
        self.clients_see_by = if frac == 0 {
            by
        } else {
            by.replace_nanosecond(0).unwrap_or(by) + time::Duration::SECOND
        };
    }

    /// A new look at `now`: the change still needs at most `remaining` (AWS time). The end only
    /// comes nearer, unless the change takes longer than its worst case (then it is `now` plus
    /// what is left).
    pub fn update(&mut self, now: OffsetDateTime, remaining: Duration) {
        if self.converged {
            return;
        }
        let candidate = now + wall(remaining, self.speed);
        if candidate < self.converged_by || self.converged_by < now {
            self.set_converged_by(candidate.max(now));
        }
    }

    /// The change was seen converged at `at`: clients see it once their caches ran out.
    pub fn converged_at(&mut self, at: OffsetDateTime) {
        if !self.converged {
            self.converged = true;
            self.set_converged_by(at);
        }
    }

    /// Wall-clock time left until clients see the change, at `now`.
    pub fn remaining(&self, now: OffsetDateTime) -> Duration {
        span(now, self.clients_see_by)
    }

    /// Whether clients see the change at `now`.
    pub fn clients_see_it(&self, now: OffsetDateTime) -> bool {
        self.converged && !super::obs::before(now, self.clients_see_by)
    }

    /// `clients see it by 04:40:12 UTC`.
    pub fn clients_line(&self) -> String {
        format!("clients see it by {}", hms(self.clients_see_by))
    }

    /// `ETA 1 min 5 s, clients see it by 04:40:12 UTC` (whole seconds, rounded up).
    pub fn line(&self, now: OffsetDateTime) -> String {
        let left = self.remaining(now);
        let up = Duration::from_secs(left.as_secs() + u64::from(left.subsec_nanos() > 0));
        format!("ETA {}, {}", human_span(up), self.clients_line())
    }

    /// What the caches add, in words: `DNS TTL of the primary in clients' caches 1 min, then
    /// CloudFront E2Q error caching 10 s`.
    pub fn caches_text(&self) -> String {
        self.caches
            .iter()
            .map(|p| format!("{} {}", p.what, human_span(p.duration)))
            .collect::<Vec<_>>()
            .join(", then ")
    }
}

#[cfg(test)]
#[path = "eta_tests.rs"]
mod tests;
