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
//!
//! A closed inquiry counts its retention from its closing: the object's creation time, as a
//! bucket's lifecycle rule counts. `rekey` rewrites objects, so it keeps the closing date in
//! the name of what it rewrites (`<id>.v3.closed-20261202.age`, [`closed_key`]).
//!
//! The deployment's recipient list lies at `<prefix>recipients.txt` ([`RECIPIENTS`]).

use uuid::Uuid;

/// The folder of open inquiries under the prefix.
pub const OPEN: &str = "inquiries/";
/// The folder of inquiries whose business is complete (retention counts from there).
pub const CLOSED: &str = "closed/";
/// The folder of withdrawals of marketing consent (see [`crate::withdrawal`]).
pub const WITHDRAWALS: &str = "withdrawals/";
/// The deployment's recipient list (see [`crate::recipients`]), under the prefix.
pub const RECIPIENTS: &str = "recipients.txt";

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

/// The key of version `version` of a closed inquiry, with the date it was closed in its name
/// (what `rekey` writes: the object's own time is then the rekey's).
pub fn closed_key(prefix: &str, id: Uuid, version: u32, closed_on: time::Date) -> String {
    let key = versioned_key(prefix, CLOSED, id, version);
    let stem = key.strip_suffix(".age").unwrap_or(&key);
    format!(
        "{stem}.closed-{:04}{:02}{:02}.age",
        closed_on.year(),
        u8::from(closed_on.month()),
        closed_on.day()
    )
}

/// The closing date in a key made by [`closed_key`].
pub fn closed_on(key: &str) -> Option<time::Date> {
    let name = key.rsplit('/').next()?.strip_suffix(".age")?;
    let (_, digits) = name.rsplit_once(".closed-")?;
    parse_date_digits(digits)
}

/// `YYYYMMDD`, exactly.
fn parse_date_digits(digits: &str) -> Option<time::Date> {
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year = digits[..4].parse().ok()?;
    let month = time::Month::try_from(digits[4..6].parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(year, month, digits[6..].parse().ok()?).ok()
}

/// The inquiry id and version in a key made by [`versioned_key`], [`object_key`] or
/// [`closed_key`].
pub fn parse_key(key: &str) -> Option<(Uuid, u32)> {
    let name = key.rsplit('/').next()?.strip_suffix(".age")?;
    let name = match name.rsplit_once(".closed-") {
        Some((rest, digits)) => {
            parse_date_digits(digits)?;
            rest
        }
        None => name,
    };
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
        for odd in [
            "v1",
            "v0",
            "v02",
            "v+2",
            "v",
            "vx",
            "v2.v3",
            "v2.closed-2026",
            "closed-20261301",
        ] {
            assert_eq!(parse_key(&format!("x/{id}.{odd}.age")), None, "{odd}");
        }
    }

    #[test]
    fn a_rewritten_closed_inquiry_keeps_its_closing_date_in_its_key() {
        let id = Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            1_795_600_000,
            0,
        ));
        let on = time::Date::from_calendar_date(2027, time::Month::March, 4).expect("date");
        let key = closed_key("p/", id, 3, on);
        assert_eq!(
            key,
            format!("p/closed/2026/11/25/{id}.v3.closed-20270304.age")
        );
        assert_eq!(parse_key(&key), Some((id, 3)));
        assert_eq!(closed_on(&key), Some(on));
        assert!(key.starts_with(&versions_prefix("p/", CLOSED, id)));
        assert_eq!(closed_on(&versioned_key("p/", CLOSED, id, 3)), None);
        let first = closed_key("", id, 1, on);
        assert_eq!(parse_key(&first), Some((id, 1)));
    }
}
