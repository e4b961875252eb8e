//! SDK timestamps as `time` instants.

use aws_smithy_types::DateTime;
use time::OffsetDateTime;

/// An SDK timestamp as an `OffsetDateTime` (None if out of range).
pub fn odt(dt: &DateTime) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(dt.as_nanos()).ok()
}

/// An `OffsetDateTime` as an SDK timestamp.
pub fn sdk_time(t: OffsetDateTime) -> DateTime {
    DateTime::from_nanos(t.unix_timestamp_nanos())
        .unwrap_or(DateTime::from_secs(t.unix_timestamp()))
}
