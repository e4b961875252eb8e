//! AWS's clock as seen in its responses' `Date` headers. Metric windows are asked for in the
//! service's time, so a bastion whose clock is off (or the emulator running fast) still gets the
//! latest datapoints.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use time::OffsetDateTime;

/// The offset between the service's clock and ours, learned from each response.
#[derive(Clone, Debug, Default)]
pub struct ServerClock {
    offset_ms: Arc<AtomicI64>,
    known: Arc<AtomicBool>,
    /// The emulator's speed in thousandths (its `x-switchyard-speed` header); 0 until seen.
    speed_milli: Arc<AtomicI64>,
}

/// The header in which switchyard's emulator states its clock's speed (AWS seconds per wall
/// second). AWS sends none: its clock runs at 1.
pub const SPEED_HEADER: &str = "x-switchyard-speed";

impl ServerClock {
    /// The service's time now: our clock plus the last offset seen (ours until a response came).
    pub fn now(&self) -> OffsetDateTime {
        self.at(OffsetDateTime::now_utc())
    }

    /// AWS seconds per wall second: 1 for AWS, the emulator's `--speed` when it says so.
    pub fn speed(&self) -> f64 {
        match self.speed_milli.load(Ordering::Relaxed) {
            0 => 1.0,
            m => m as f64 / 1000.0,
        }
    }

    /// Records the speed an emulator's response states.
    pub fn observe_speed(&self, header: &str) {
        if let Ok(speed) = header.trim().parse::<f64>()
            && speed.is_finite()
            && speed > 0.0
        {
            self.speed_milli
                .store((speed * 1000.0).round() as i64, Ordering::Relaxed);
        }
    }

    /// A time of the service's clock in ours: `t` moved back by the last offset seen.
    pub fn to_local(&self, t: OffsetDateTime) -> OffsetDateTime {
        t - time::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// `local` moved by the last offset seen.
    pub fn at(&self, local: OffsetDateTime) -> OffsetDateTime {
        local + time::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    #[cfg(test)]
    /// The offset in milliseconds (service minus local), once a response has been seen.
    pub fn offset_ms(&self) -> Option<i64> {
        self.known
            .load(Ordering::Relaxed)
            .then(|| self.offset_ms.load(Ordering::Relaxed))
    }

    /// Records a `Date` header received at `local`. Offsets under 2 s are noise (the header has
    /// whole seconds) and count as none.
    pub fn observe(&self, date: &str, local: OffsetDateTime) {
        let Some(server) = parse_http_date(date) else {
            return;
        };
        let ms = i64::try_from((server - local).whole_milliseconds()).unwrap_or(0);
        let ms = if ms.abs() < 2000 { 0 } else { ms };
        self.offset_ms.store(ms, Ordering::Relaxed);
        self.known.store(true, Ordering::Relaxed);
    }
}

/// Parses an IMF-fixdate (`Mon, 30 Nov 2026 03:11:55 GMT`).
pub fn parse_http_date(s: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(s.trim(), &format)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

impl Intercept for ServerClock {
    fn name(&self) -> &'static str {
        "ServerClock"
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(date) = context.response().headers().get("date") {
            self.observe(date, OffsetDateTime::now_utc());
        }
        if let Some(speed) = context.response().headers().get(SPEED_HEADER) {
            self.observe_speed(speed);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_ahead_by_twelve_minutes_is_learned() {
        let c = ServerClock::default();
        assert_eq!(c.offset_ms(), None);
        let local = time::macros::datetime!(2026-11-30 03:11:57 UTC);
        c.observe("Mon, 30 Nov 2026 03:23:57 GMT", local);
        assert_eq!(c.offset_ms(), Some(12 * 60 * 1000));
        assert_eq!(
            c.at(local),
            time::macros::datetime!(2026-11-30 03:23:57 UTC)
        );
    }

    #[test]
    fn the_emulators_speed_is_learned_and_aws_runs_at_1() {
        let c = ServerClock::default();
        assert_eq!(c.speed(), 1.0);
        c.observe_speed("10");
        assert_eq!(c.speed(), 10.0);
        c.observe_speed("fast");
        c.observe_speed("0");
        assert_eq!(c.speed(), 10.0);
    }

    #[test]
    fn a_second_of_difference_is_noise_and_garbage_is_ignored() {
        let c = ServerClock::default();
        let local = time::macros::datetime!(2026-11-30 03:11:57.400 UTC);
        c.observe("Mon, 30 Nov 2026 03:11:58 GMT", local);
        assert_eq!(c.offset_ms(), Some(0));
        c.observe("yesterday", local);
        assert_eq!(c.offset_ms(), Some(0));
    }
}
