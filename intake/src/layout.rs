//! Where an inquiry lives in a store: the key scheme, kept apart from the stores themselves so
//! that the intake, the staff tool and the tests name objects one way.
//!
//! An object's key is derived from the inquiry's id alone (`inquiries/YYYY/MM/DD/<id>.age`, the
//! date taken from the time-ordered id), so a retried submission lands on the same key and is
//! stored once. Keys carry no personal data. Closing an inquiry moves it from [`OPEN`] to
//! [`CLOSED`], where the retention period counts from.
//!
//! A correction writes the record again as a new object beside the old one, `<id>.v2.age`,
//! `<id>.v3.age`... ([`versioned_key`]), then removes the old one: an interruption leaves two
//! versions, never none, and readers take the newest.

use uuid::Uuid;

/// The folder of open inquiries under the prefix.
pub const OPEN: &str = "inquiries/";
/// The folder of inquiries whose business is complete (retention counts from there).
pub const CLOSED: &str = "closed/";
/// The folder of withdrawals of marketing consent (see [`crate::withdrawal`]).
pub const WITHDRAWALS: &str = "withdrawals/";

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

/// The key of version `version` of an inquiry: 1 is the intake's [`object_key`]; each
/// correction stores the next, `<id>.v<version>.age`, in the same folder.
pub fn versioned_key(prefix: &str, folder: &str, id: Uuid, version: u32) -> String {
    let key = object_key(prefix, folder, id);
    if version <= 1 {
        return key;
    }
    let stem = key.strip_suffix(".age").unwrap_or(&key);
    format!("{stem}.v{version}.age")
}

/// The inquiry id and version in a key made by [`versioned_key`] (or [`object_key`]).
pub fn parse_key(key: &str) -> Option<(Uuid, u32)> {
    let name = key.rsplit('/').next()?.strip_suffix(".age")?;
    match name.split_once(".v") {
        None => Some((Uuid::try_parse(name).ok()?, 1)),
        Some((id, text)) => {
            let version: u32 = text.parse().ok().filter(|v| *v >= 2)?;
            // One spelling per version: `v2`, not `v02` or `v+2`.
            (text == version.to_string()).then_some(())?;
            Some((Uuid::try_parse(id).ok()?, version))
        }
    }
}

/// The inquiry id in a key made by [`object_key`] or [`versioned_key`].
pub fn id_from_key(key: &str) -> Option<Uuid> {
    parse_key(key).map(|(id, _)| id)
}

/// The prefix under which every version of an inquiry lies (`.../YYYY/MM/DD/<id>`).
pub fn versions_prefix(prefix: &str, folder: &str, id: Uuid) -> String {
    let key = object_key(prefix, folder, id);
    key.strip_suffix(".age").unwrap_or(&key).to_string()
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

    #[test]
    fn versions_sit_beside_the_first_and_parse_back() {
        let id = Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            1_795_600_000,
            0,
        ));
        assert_eq!(versioned_key("", OPEN, id, 1), object_key("", OPEN, id));
        let second = versioned_key("p/", CLOSED, id, 2);
        assert_eq!(second, format!("p/closed/2026/11/25/{id}.v2.age"));
        assert_eq!(parse_key(&second), Some((id, 2)));
        assert_eq!(parse_key(&object_key("", OPEN, id)), Some((id, 1)));
        assert!(second.starts_with(&versions_prefix("p/", CLOSED, id)));
        for odd in ["v1", "v0", "v02", "v+2", "v", "vx", "v2.v3"] {
            assert_eq!(parse_key(&format!("x/{id}.{odd}.age")), None, "{odd}");
        }
    }
}
