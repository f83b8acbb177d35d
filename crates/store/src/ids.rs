//! Typed ids: each kind of row has its own id type, so a client's id cannot be handed
//! where a therapist's is wanted. They are text in SQL and in JSON, unchanged.
//!
//! ```
//! fn wants_client(_: &kneadtime_store::ClientId) {}
//! wants_client(&kneadtime_store::ClientId::from("c1"));
//! ```
//!
//! ```compile_fail
//! fn wants_client(_: &kneadtime_store::ClientId) {}
//! wants_client(&kneadtime_store::TherapistId::from("t1"));
//! ```

use std::fmt;

use sqlx::any::{AnyTypeInfo, AnyValueRef};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Any, Database};

/// Defines a text id type: read and written as its text, compared with text, shown as
/// its text, and documented in the API as a string.
macro_rules! id_type {
    ($($(#[$m:meta])* $name:ident;)+) => {$(
        $(#[$m])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id's text, owned.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }

        impl From<&String> for $name {
            fn from(s: &String) -> Self {
                $name(s.clone())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl PartialEq<&$name> for $name {
            fn eq(&self, other: &&$name) -> bool {
                self.0 == other.0
            }
        }

        impl PartialEq<$name> for &$name {
            fn eq(&self, other: &$name) -> bool {
                self.0 == other.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl sqlx::Type<Any> for $name {
            fn type_info() -> AnyTypeInfo {
                <String as sqlx::Type<Any>>::type_info()
            }

            fn compatible(ty: &AnyTypeInfo) -> bool {
                <String as sqlx::Type<Any>>::compatible(ty)
            }
        }

        impl<'q> sqlx::Encode<'q, Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <Any as Database>::ArgumentBuffer,
            ) -> Result<IsNull, BoxDynError> {
                <String as sqlx::Encode<'q, Any>>::encode_by_ref(&self.0, buf)
            }
        }

        impl<'r> sqlx::Decode<'r, Any> for $name {
            fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
                <String as sqlx::Decode<'r, Any>>::decode(value).map($name)
            }
        }
    )+};
}

id_type! {
    /// A client's id.
    ClientId;
    /// A therapist's id.
    TherapistId;
    /// A service's id.
    ServiceId;
    /// A location's id.
    LocationId;
    /// An appointment's id.
    AppointmentId;
    /// A staff login's id.
    StaffId;
    /// A session note's id.
    NoteId;
    /// A waitlist entry's id.
    WaitId;
    /// A waitlist offer's id.
    OfferId;
    /// A race-week event's id.
    RaceEventId;
    /// The id of a therapist's days off.
    ExceptionId;
    /// The id of a closure (of one location or the whole group).
    ClosureId;
    /// The id of a race a client entered.
    RaceId;
    /// The id of a file a client uploaded: a training calendar or recorded history.
    UploadId;
    /// The id of a home-care routine given to a client.
    HomeworkId;
    /// The id of a message to a client.
    NoticeId;
    /// The id of an amendment to a signed note.
    AmendmentId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_text_in_json_and_compares_with_text() {
        let id = ClientId::from("c1");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"c1\"");
        let back: ClientId = serde_json::from_str("\"c1\"").unwrap();
        assert_eq!(back, id);
        assert_eq!(id, "c1");
        assert_eq!("c1", id);
        assert_eq!(id.to_string(), "c1");
        assert_ne!(id, ClientId::from("c2"));
    }
}
