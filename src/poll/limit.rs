//! Staying inside AWS's API rate limits: token buckets that callers wait on, and backoff with
//! jitter after throttling.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// A token bucket that callers wait on. Rates sit below AWS's so that other tools of the same
/// account (the console, a colleague's script) keep some room.
#[derive(Debug)]
pub struct Bucket {
    name: &'static str,
    capacity: f64,
    per_second: f64,
    state: Mutex<(f64, Instant)>,
}

impl Bucket {
    pub fn new(name: &'static str, capacity: f64, per_second: f64) -> Bucket {
        Bucket {
            name,
            capacity,
            per_second,
            state: Mutex::new((capacity, Instant::now())),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The calls a second it admits once its burst is spent.
    pub fn per_second(&self) -> f64 {
        self.per_second
    }

    /// Takes a token now, or says how long until one is free.
    pub fn try_take(&self) -> Result<(), Duration> {
        let mut guard = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (tokens, last) = &mut *guard;
        let now = Instant::now();
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.per_second)
            .min(self.capacity);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.per_second))
        }
    }

    /// Waits until a token is free, then takes it.
    pub async fn take(&self) {
        while let Err(wait) = self.try_take() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// The budgets of the APIs switchyard calls.
#[derive(Debug)]
pub struct Budgets {
    /// Route 53 allows 10 requests a second per account (burst 50).
    pub route53: Bucket,
    /// GetHealthCheckStatus and GetHealthCheckLastFailureReason allow 1 a second (burst 4).
    pub route53_status: Bucket,
    pub cloudwatch: Bucket,
    pub elbv2: Bucket,
    pub cloudfront: Bucket,
}

impl Default for Budgets {
    fn default() -> Budgets {
        Budgets {
            route53: Bucket::new("route53", 20.0, 8.0),
            route53_status: Bucket::new("route53 GetHealthCheckStatus", 3.0, 0.9),
            cloudwatch: Bucket::new("cloudwatch", 20.0, 15.0),
            elbv2: Bucket::new("elbv2", 20.0, 8.0),
            cloudfront: Bucket::new("cloudfront", 10.0, 4.0),
        }
    }
}

/// Exponential backoff with full jitter: after the n-th consecutive failure, wait a random time
/// up to `base * 2^n`, capped.
#[derive(Clone, Debug)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
    failures: u32,
    seed: u64,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration, seed: u64) -> Backoff {
        Backoff {
            base,
            max,
            failures: 0,
            seed: seed | 1,
        }
    }

    /// The wait before the next attempt after one more failure.
    pub fn fail(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let ceiling = self
            .base
            .saturating_mul(1u32 << self.failures.min(16))
            .min(self.max);
        // xorshift: repeatable for tests, spread out across resources in practice.
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        let fraction = (self.seed % 1000) as f64 / 1000.0;
        // Never less than half the ceiling, so that a throttled caller really slows down.
        ceiling.mul_f64(0.5 + 0.5 * fraction)
    }

    #[cfg(test)]
    pub fn succeed(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_bucket_admits_its_burst_then_its_rate() {
        let b = Bucket::new("t", 3.0, 1.0);
        let start = Instant::now();
        for _ in 0..5 {
            b.take().await;
        }
        // 3 at once, then one a second: the fifth comes 2 s after the start.
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(1990) && waited < Duration::from_millis(2100),
            "{waited:?}"
        );
    }

    #[test]
    fn backoff_grows_to_its_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(30), 42);
        let waits: Vec<Duration> = (0..8).map(|_| b.fail()).collect();
        assert!(waits[0] >= Duration::from_secs(1) && waits[0] <= Duration::from_secs(2));
        assert!(waits.iter().all(|w| *w <= Duration::from_secs(30)));
        assert!(waits[7] >= Duration::from_secs(15));
        b.succeed();
        assert!(b.fail() <= Duration::from_secs(2));
    }
}
