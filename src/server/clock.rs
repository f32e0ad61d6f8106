//! The server's clock, read in one place. The browser never reads it: dates
//! it shows come from the server.

use time::{Date, OffsetDateTime};

/// Now, in Unix seconds (UTC): session times and audit events.
pub fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// The server's calendar date (UTC). Weeks and months in the workout
/// summary, and the latest date a workout may have, are counted from it.
pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// Now, in Unix milliseconds (UTC): when a queued message is next due.
pub fn unix_now_ms() -> i64 {
    let now = OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}
