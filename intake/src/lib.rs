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
pub mod seal;
pub mod store;
pub mod withdrawal;

pub use http::{AppState, ClientAddress, app};
pub use messages::problem_message;
