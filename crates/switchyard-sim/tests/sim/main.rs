//! The built-in emulator, exercised through the real AWS SDK clients.

mod behaviours;
mod chains;
mod cloudfront;
mod cloudwatch;
mod common;
mod control;
mod dataplane;
mod elbv2;
mod fidelity;
mod gotchas;
mod nameservers;
mod peers;
mod route53;
mod routing;
mod rules;
mod scenarios;
