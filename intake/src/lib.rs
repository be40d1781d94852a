//! The NALUGA inquiry intake.
//!
//! The site's inquiry form posts to `POST /inquiries`. The request goes through one service,
//! [`app`], whatever runs it (AWS Lambda through `lambda_http`, or the local server):
//!
//! 1. `http`: method, origin, content type and size are checked; the body becomes a
//!    [`inquiry::RawInquiry`] (JSON or form encoding alike);
//! 2. [`inquiry`]: the raw inquiry is validated into an [`inquiry::Inquiry`], or answered with
//!    per-field messages from `messages` in the visitor's language;
//! 3. [`seal`]: the inquiry is encrypted to the staff's `age` recipients (the intake cannot
//!    decrypt);
//! 4. [`store`]: the sealed object is written once, under a key derived from its id
//!    ([`layout`]), to a local folder or (feature `s3`) an S3 bucket; success is answered only
//!    after the write;
//! 5. [`notify`]: the staff are told that an inquiry arrived (its id, toy type, quantity and
//!    site language, never what the visitor typed) on the configured channels, within 2 s,
//!    without the answer depending on it.
//!
//! [`keys`] writes identity files (staff keys, the preview's development key); [`config`]
//! reads the deployment's settings from the environment. The staff's tool, `naluga-inquiries`,
//! lists, decrypts, exports and deletes what was stored.
//!
//! Features: `s3` (the S3 store, through the AWS SDK), `lambda` (the Lambda runtime, for the
//! `naluga-intake` binary), `notify` (chat webhooks and SNS e-mail) and `staff` (the staff
//! tool's own dependencies), all on by default.
//! The site generator, which embeds the local intake in its preview, uses none of them.

pub mod attachments;
pub mod config;
mod http;
pub mod inquiry;
pub mod keys;
pub mod layout;
mod messages;
pub mod notify;
pub mod recipients;
pub mod seal;
pub mod store;
pub mod texts;
pub mod withdrawal;

pub use http::{AppState, ClientAddress, app};
pub use messages::{problem_message, reply_opening};

/// What `--version` prints: `0.1.0 (commit 1a2b3c4d5e6f)` for a program `scripts/dist` built
/// (it sets `NALUGA_COMMIT`), so a staff member's or editor's report names the exact code
/// they run; `0.1.0 (built from a source checkout)` otherwise.
pub fn version_line(package_version: &'static str) -> &'static str {
    static LINE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LINE.get_or_init(|| match option_env!("NALUGA_COMMIT") {
        Some(commit) => format!("{package_version} (commit {commit})"),
        None => format!("{package_version} (built from a source checkout)"),
    })
}
