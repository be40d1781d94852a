//! The inquiry intake: receives the site's inquiry form, validates it, encrypts it to the staff's
//! public `age` keys and stores it.
//!
//! This crate is a placeholder in the workspace until its own issue lands: nothing here is used
//! yet, and nothing pretends to be.
