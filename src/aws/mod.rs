//! The only code that touches the AWS SDK: client setup, one file per service, SDK types to model
//! types, and error classification.

pub mod client;
pub mod dns;
pub mod proxy;
