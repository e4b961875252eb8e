//! The ETA model: one countdown, on the wall clock at any speed, ending when clients see it.

use std::time::Duration;

use time::macros::datetime;

use super::*;
use crate::model::fixtures::*;

const T0: OffsetDateTime = datetime!(2026-03-14 02:00:00 UTC);

fn s(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

fn caches() -> Vec<EtaPart> {
    vec![
        EtaPart {
            what: "DNS TTL of the primary in clients' caches".into(),
            duration: s(60),
        },
        EtaPart {
            what: "CloudFront E2Q error caching".into(),
            duration: s(10),
        },
    ]
}

#[test]
fn at_speed_1_it_counts_down_to_clients_see_it_by() {
    // Converges within 120 s (a flip 30 s x 3 + INSYNC 30 s), then 70 s of caches.
    let mut c = Countdown::start(T0, 1.0, s(120), caches());
    assert_eq!(c.clients_see_by, datetime!(2026-03-14 02:03:10 UTC));
    assert_eq!(c.line(T0), "ETA 3 min 10 s, clients see it by 02:03:10 UTC");
    let mut last = c.remaining(T0);
    for t in (0..=200).step_by(5) {
        let now = T0 + time::Duration::seconds(t);
        // The estimate of each look: what is left of the worst case; seen converged at 120 s.
        if t >= 120 {
            c.converged_at(now);
        } else {
            c.update(now, s(120).saturating_sub(s(t as u64)));
        }
        let left = c.remaining(now);
        assert!(left <= last, "{t}: {left:?} after {last:?}");
        last = left;
    }
    assert_eq!(last, Duration::ZERO);
    assert_eq!(c.clients_see_by, datetime!(2026-03-14 02:03:10 UTC));
}

#[test]
fn at_speed_10_aws_seconds_are_tenths_of_wall_seconds() {
    let c = Countdown::start(T0, 10.0, s(120), caches());
    // 190 AWS seconds are 19 wall seconds.
    assert_eq!(c.clients_see_by, datetime!(2026-03-14 02:00:19 UTC));
    assert_eq!(c.line(T0), "ETA 19 s, clients see it by 02:00:19 UTC");
    assert_eq!(wall(s(60), 10.0), s(6));
    assert_eq!(wall(s(60), 0.0), s(60), "a paused emulator: as it is");
}

#[test]
fn converging_early_brings_the_end_nearer_and_a_new_estimate_never_pushes_it_out() {
    let mut c = Countdown::start(T0, 1.0, s(120), caches());
    let t = T0 + time::Duration::seconds(10);
    // A later look whose estimate reaches further: the stated end holds.
    c.update(t, s(200));
    assert_eq!(c.clients_see_by, datetime!(2026-03-14 02:03:10 UTC));
    // Seen converged at 02:00:40: clients see it 70 s later.
    c.converged_at(T0 + time::Duration::seconds(40));
    assert_eq!(c.clients_see_by, datetime!(2026-03-14 02:01:50 UTC));
    assert_eq!(c.clients_line(), "clients see it by 02:01:50 UTC");
    assert!(!c.clients_see_it(datetime!(2026-03-14 02:01:49 UTC)));
    assert!(c.clients_see_it(datetime!(2026-03-14 02:01:50 UTC)));
    // Looks after convergence change nothing.
    c.update(T0 + time::Duration::seconds(50), s(500));
    assert_eq!(c.clients_see_by, datetime!(2026-03-14 02:01:50 UTC));
}

#[test]
fn a_change_slower_than_its_worst_case_moves_the_end_on_honestly() {
    let mut c = Countdown::start(T0, 1.0, s(30), Vec::new());
    let late = T0 + time::Duration::seconds(45);
    c.update(late, Duration::ZERO);
    assert_eq!(c.converged_by, late);
    assert_eq!(c.remaining(late), Duration::ZERO);
}

#[test]
fn clients_hold_the_record_ttl_and_the_sorry_pages_error_caching() {
    let fx = Fx::alb_cloudfront();
    let primary = fx.0.primary().cloned();
    let d = fx.0.sorry_distribution().cloned();
    let parts = client_caches(primary.as_ref(), d.as_ref());
    let said: Vec<(String, u64)> = parts
        .iter()
        .map(|p| (p.what.clone(), p.duration.as_secs()))
        .collect();
    assert_eq!(
        said[0],
        ("DNS TTL of the primary in clients' caches".into(), 60)
    );
    assert!(said[1].0.starts_with("CloudFront ") && said[1].0.ends_with(" error caching"));
    assert_eq!(said.len(), 2);
}
