//! Integration tests of the intake, all through the same `app(state)`: in process, through a
//! real server on 127.0.0.1, from real Lambda event JSON, against a real S3-protocol server,
//! and with the stock `age` tool.

mod attachments;
mod attachments_staff;
mod bad_input;
mod bots;
mod corrections;
mod faults;
mod files;
mod in_process;
mod inbox;
mod lambda;
mod logs;
mod notify;
mod properties;
mod real_server;
mod receiver;
mod rekey;
mod s3;
mod staff;
mod startup;
mod support;
mod tls;
