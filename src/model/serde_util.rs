//! Serde helpers so that the JSON report and the event log read well: instants as RFC 3339
//! strings (see `time::serde::rfc3339`), spans as (fractional) seconds.
//!
//! Spans round-trip exactly to the nanosecond for anything shorter than about 24 days, which
//! covers every span the model holds (ages, intervals, TTLs, ETAs).

/// `std::time::Duration` as a number of seconds.
pub mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        if d.subsec_nanos() == 0 {
            s.serialize_u64(d.as_secs())
        } else {
            s.serialize_f64(d.as_secs_f64())
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        Duration::try_from_secs_f64(secs).map_err(D::Error::custom)
    }
}

/// `Option<std::time::Duration>` as a number of seconds or null.
pub mod secs_opt {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::secs::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        match Option::<f64>::deserialize(d)? {
            Some(secs) => Duration::try_from_secs_f64(secs)
                .map(Some)
                .map_err(D::Error::custom),
            None => Ok(None),
        }
    }
}

/// `Vec<(OffsetDateTime, f64)>` as `[["2026-01-01T00:00:00Z", 1.0], ...]`.
pub mod rfc3339_points {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use time::OffsetDateTime;

    #[derive(Serialize, Deserialize)]
    struct Point(#[serde(with = "time::serde::rfc3339")] OffsetDateTime, f64);

    pub fn serialize<S: Serializer>(
        points: &[(OffsetDateTime, f64)],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(points.iter().map(|&(at, v)| Point(at, v)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(OffsetDateTime, f64)>, D::Error> {
        let points = Vec::<Point>::deserialize(d)?;
        Ok(points.into_iter().map(|Point(at, v)| (at, v)).collect())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Spans {
        #[serde(with = "super::secs")]
        a: Duration,
        #[serde(with = "super::secs_opt")]
        b: Option<Duration>,
        #[serde(with = "super::secs_opt")]
        c: Option<Duration>,
    }

    #[test]
    fn spans_are_seconds_and_round_trip() {
        for d in [
            Duration::ZERO,
            Duration::from_secs(90),
            Duration::from_millis(12_345),
            Duration::new(86_400 * 20, 999_999_999),
            Duration::new(3, 1),
        ] {
            let s = Spans {
                a: d,
                b: Some(d),
                c: None,
            };
            let json = serde_json::to_string(&s).unwrap();
            let back: Spans = serde_json::from_str(&json).unwrap();
            assert_eq!(back, s, "{json}");
        }
        let json = serde_json::to_string(&Spans {
            a: Duration::from_secs(90),
            b: Some(Duration::from_millis(1500)),
            c: None,
        })
        .unwrap();
        assert_eq!(json, r#"{"a":90,"b":1.5,"c":null}"#);
    }
}
