//! The only code that touches the AWS SDK: client setup, one file per service, SDK types to model
//! types, and error classification.

pub mod client;
pub(crate) mod clock;
pub mod cloudfront;
pub mod cloudwatch;
pub mod dns;
pub mod elbv2;
pub mod error;
pub mod nameservers;
pub mod probe;
pub mod proxy;
pub mod route53;
pub mod sts;
pub(crate) mod time;
