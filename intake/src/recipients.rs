//! The deployment's one recipient list, which every writer trusts.
//!
//! The list is a text object in the store, `<prefix>recipients.txt`: one `age1...` public key
//! per line, `#` comments allowed. Whatever is written into the store is encrypted to exactly
//! that list:
//! - the intake publishes its own list (`NALUGA_RECIPIENTS`) there when none is, create-only,
//!   and refuses to store anything while its list and the stored one differ ([`agree`]): an
//!   inquiry that some staff could not read is not written (the buyer is asked to try again,
//!   and the log names the fix);
//! - the staff tool reads it ([`read`]) and encrypts to it in `correct`, `withdraw`, the inbox
//!   and `rekey`; a list given on its command line is only compared with it;
//! - `naluga-inquiries recipients set` replaces it when the team changes ([`replace`]). The
//!   intake's role cannot: like every object it writes, it may only create.
//!
//! What is compared is the set of keys ([`Sealer::fingerprint`]): order, repeats and comments
//! do not count.

use crate::layout::RECIPIENTS;
use crate::seal::{RecipientError, Sealer};
use crate::store::{PutOutcome, Store, StoreError};

/// The key of the list under `prefix`.
pub fn key(prefix: &str) -> String {
    format!("{prefix}{RECIPIENTS}")
}

/// The text stored: a header that says what the file is, then one recipient per line.
pub fn render(sealer: &Sealer) -> String {
    let mut text = String::from(
        "# NALUGA: the deployment's recipients. Every inquiry is encrypted to exactly these keys.\n\
         # Change it with `naluga-inquiries recipients set`, then deploy the same list as the\n\
         # intake's NALUGA_RECIPIENTS, then run `naluga-inquiries rekey` (see docs/staff-tool.md).\n",
    );
    for recipient in sealer.recipients() {
        text.push_str(&recipient);
        text.push('\n');
    }
    text
}

/// Parses a list's text: recipients separated by line breaks (or commas, or spaces), `#`
/// starting a comment.
pub fn parse(text: &str) -> Result<Sealer, RecipientError> {
    let list = text
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    Sealer::from_list(&list)
}

/// Why the store's list cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// No list in the store yet.
    #[error(
        "the store has no recipient list ({0}): the intake writes it when it first stores an inquiry, or run `naluga-inquiries recipients set --recipients-file FILE`"
    )]
    Missing(String),
    /// The object is there but is not a list.
    #[error(
        "the store's recipient list {key} is not valid ({error}): write it again with `naluga-inquiries recipients set`"
    )]
    Invalid {
        /// Its key.
        key: String,
        /// What is wrong with it.
        error: RecipientError,
    },
    /// The list configured here differs from the store's.
    #[error(
        "the recipients configured here (list {configured}) differ from the store's {key} (list {stored}), so nothing is written: if the team changed, run `naluga-inquiries recipients set` with the new list, deploy the same list as NALUGA_RECIPIENTS, then run `naluga-inquiries rekey`"
    )]
    Differs {
        /// The store's key of the list.
        key: String,
        /// The fingerprint of the list configured here.
        configured: String,
        /// The fingerprint of the store's list.
        stored: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The store's list.
pub async fn read(store: &Store, prefix: &str) -> Result<Sealer, ListError> {
    let key = key(prefix);
    let bytes = match store.get(&key).await {
        Ok(bytes) => bytes,
        Err(StoreError::NotFound(_)) => return Err(ListError::Missing(key)),
        Err(e) => return Err(e.into()),
    };
    parse(&String::from_utf8_lossy(&bytes)).map_err(|error| ListError::Invalid { key, error })
}

/// Checks that `configured` is the store's list, publishing it (create-only) when the store
/// has none yet.
pub async fn agree(store: &Store, prefix: &str, configured: &Sealer) -> Result<(), ListError> {
    let stored = match read(store, prefix).await {
        Err(ListError::Missing(key)) => {
            match store.put_new(&key, render(configured).into_bytes()).await? {
                PutOutcome::Created => {
                    tracing::info!(
                        list = %configured.fingerprint(),
                        "published the recipient list"
                    );
                    return Ok(());
                }
                // Another instance published meanwhile: compare with what it wrote.
                PutOutcome::AlreadyExists => read(store, prefix).await?,
            }
        }
        other => other?,
    };
    if stored.fingerprint() == configured.fingerprint() {
        Ok(())
    } else {
        Err(ListError::Differs {
            key: key(prefix),
            configured: configured.fingerprint(),
            stored: stored.fingerprint(),
        })
    }
}

/// Writes `sealer`'s list as the store's, replacing the one there.
pub async fn replace(store: &Store, prefix: &str, sealer: &Sealer) -> Result<(), StoreError> {
    store
        .replace(&key(prefix), render(sealer).into_bytes())
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::FolderStore;

    fn recipient() -> String {
        age::x25519::Identity::generate().to_public().to_string()
    }

    #[test]
    fn a_list_reads_back_as_the_same_set_whatever_its_order_and_comments() {
        let (a, b) = (recipient(), recipient());
        let sealer = Sealer::from_list(&format!("{a},{b}")).expect("list");
        let text = render(&sealer);
        assert!(text.starts_with("# NALUGA"), "{text}");
        let again = parse(&text).expect("parses");
        assert_eq!(again.fingerprint(), sealer.fingerprint());
        let reordered = parse(&format!("# team\n{b}  # Li\n\n{a}\n{b}\n")).expect("parses");
        assert_eq!(reordered.fingerprint(), sealer.fingerprint());
        let other = Sealer::from_list(&a).expect("list");
        assert_ne!(other.fingerprint(), sealer.fingerprint());
        assert_eq!(sealer.fingerprint().len(), 16);
    }

    #[tokio::test]
    async fn the_first_writer_publishes_and_a_different_list_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::Folder(FolderStore::new(dir.path()));
        let (a, b) = (recipient(), recipient());
        let team = Sealer::from_list(&format!("{a} {b}")).expect("list");
        assert!(matches!(
            read(&store, "p/").await,
            Err(ListError::Missing(key)) if key == "p/recipients.txt"
        ));
        agree(&store, "p/", &team).await.expect("published");
        assert_eq!(
            read(&store, "p/").await.expect("read").fingerprint(),
            team.fingerprint()
        );
        // The same set in another order agrees; a list without b does not, and changes nothing.
        let same = Sealer::from_list(&format!("{b},{a}")).expect("list");
        agree(&store, "p/", &same).await.expect("agrees");
        let fewer = Sealer::from_list(&a).expect("list");
        let error = agree(&store, "p/", &fewer).await.expect_err("differs");
        assert!(matches!(error, ListError::Differs { .. }), "{error}");
        assert!(error.to_string().contains("recipients set"), "{error}");
        assert_eq!(
            read(&store, "p/").await.expect("read").fingerprint(),
            team.fingerprint()
        );
        // Replacing is what the staff tool does when the team changes.
        replace(&store, "p/", &fewer).await.expect("replaced");
        agree(&store, "p/", &fewer).await.expect("agrees now");
        store
            .replace("p/recipients.txt", b"age1nonsense\n".to_vec())
            .await
            .expect("written");
        let invalid = read(&store, "p/").await.expect_err("invalid");
        assert!(matches!(invalid, ListError::Invalid { .. }), "{invalid}");
    }
}
