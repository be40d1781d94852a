//! Where an inquiry lives in a store: the key scheme, kept apart from the stores themselves so
//! that the intake, the staff tool and the tests name objects one way.
//!
//! An object's key is derived from the inquiry's id alone (`inquiries/YYYY/MM/DD/<id>.age`, the
//! date taken from the time-ordered id), so a retried submission lands on the same key and is
//! stored once. Keys carry no personal data. Closing an inquiry moves it from [`OPEN`] to
//! [`CLOSED`], where the retention period counts from.

use uuid::Uuid;

/// The folder of open inquiries under the prefix.
pub const OPEN: &str = "inquiries/";
/// The folder of inquiries whose business is complete (retention counts from there).
pub const CLOSED: &str = "closed/";

/// The time a UUID v7 carries (when the form, or the intake, made the id).
pub fn id_time(id: Uuid) -> Option<time::OffsetDateTime> {
    let (seconds, _) = id.get_timestamp()?.to_unix();
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(seconds).ok()?).ok()
}

/// The key of an inquiry: `<prefix><folder>YYYY/MM/DD/<id>.age`, dated by the id's timestamp.
pub fn object_key(prefix: &str, folder: &str, id: Uuid) -> String {
    let date = id_time(id)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .date();
    format!(
        "{prefix}{folder}{:04}/{:02}/{:02}/{id}.age",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The inquiry id in a key made by [`object_key`].
pub fn id_from_key(key: &str) -> Option<Uuid> {
    let name = key.rsplit('/').next()?;
    Uuid::try_parse(name.strip_suffix(".age")?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_dated_by_the_id_and_holds_nothing_else() {
        let id = Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            1_795_600_000,
            0,
        ));
        let key = object_key("", OPEN, id);
        assert_eq!(key, format!("inquiries/2026/11/25/{id}.age"));
        assert_eq!(id_from_key(&key), Some(id));
        assert_eq!(
            object_key("naluga/", CLOSED, id),
            format!("naluga/closed/2026/11/25/{id}.age")
        );
    }
}
