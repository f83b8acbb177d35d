//! An instant as the store keeps it: whole seconds since the Unix epoch, UTC. Typed, so
//! an instant is not mistaken for a length, a count or a version; a number in SQL and
//! in JSON, unchanged.

use std::ops::{Add, AddAssign, Sub};

use sqlx::any::{AnyTypeInfo, AnyValueRef};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Any, Database};

// It has no `Display`: text for people comes from a zone (`timestamp()`), and SQL takes
// it as a bound number, never spliced in.
/// An instant in whole Unix seconds (UTC).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct UnixTime(i64);

impl UnixTime {
    /// The instant `secs` seconds after the Unix epoch.
    pub const fn from_second(secs: i64) -> UnixTime {
        UnixTime(secs)
    }

    /// Seconds since the Unix epoch.
    pub const fn as_second(self) -> i64 {
        self.0
    }

    /// The same instant as a jiff timestamp; `None` outside jiff's range (years
    /// -9999 to 9999), which nothing the store writes reaches.
    pub fn timestamp(self) -> Option<jiff::Timestamp> {
        jiff::Timestamp::from_second(self.0).ok()
    }
}

impl From<jiff::Timestamp> for UnixTime {
    fn from(t: jiff::Timestamp) -> UnixTime {
        UnixTime(t.as_second())
    }
}

/// Moves an instant by whole seconds (saturating: never wraps).
impl Add<i64> for UnixTime {
    type Output = UnixTime;
    fn add(self, secs: i64) -> UnixTime {
        UnixTime(self.0.saturating_add(secs))
    }
}

/// Moves an instant on by whole seconds in place (saturating: never wraps).
impl AddAssign<i64> for UnixTime {
    fn add_assign(&mut self, secs: i64) {
        *self = *self + secs;
    }
}

/// Moves an instant back by whole seconds (saturating: never wraps).
impl Sub<i64> for UnixTime {
    type Output = UnixTime;
    fn sub(self, secs: i64) -> UnixTime {
        UnixTime(self.0.saturating_sub(secs))
    }
}

/// Seconds from `other` to `self`.
impl Sub<UnixTime> for UnixTime {
    type Output = i64;
    fn sub(self, other: UnixTime) -> i64 {
        self.0.saturating_sub(other.0)
    }
}

impl sqlx::Type<Any> for UnixTime {
    fn type_info() -> AnyTypeInfo {
        <i64 as sqlx::Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as sqlx::Type<Any>>::compatible(ty)
    }
}

impl<'q> sqlx::Encode<'q, Any> for UnixTime {
    fn encode_by_ref(
        &self,
        buf: &mut <Any as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <i64 as sqlx::Encode<'q, Any>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> sqlx::Decode<'r, Any> for UnixTime {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        <i64 as sqlx::Decode<'r, Any>>::decode(value).map(UnixTime)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instant_is_its_seconds_in_json_and_moves_by_seconds() {
        let t = UnixTime::from_second(1_800_000_000);
        assert_eq!(serde_json::to_string(&t).unwrap(), "1800000000");
        let back: UnixTime = serde_json::from_str("1800000000").unwrap();
        assert_eq!(back, t);
        assert_eq!((t + 3600) - t, 3600);
        assert_eq!((t - 60).as_second(), 1_799_999_940);
        assert_eq!(t.timestamp().unwrap().to_string(), "2027-01-15T08:00:00Z");
        assert_eq!(
            UnixTime::from_second(i64::MAX) + 1,
            UnixTime::from_second(i64::MAX)
        );
    }
}
