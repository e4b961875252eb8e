//! switchyard: a terminal operations console for AWS "sorry page" failover setups.
//!
//! The crate is split into rooms with one job each (see `DESIGN.md` in the steering repo):
//! `config` reads the TOML config, `model` holds pure domain types, `aws` is the only code that
//! touches the AWS SDK, `poll` schedules fetches, `switch` is the maintenance engine, `tui` and
//! `report` present state, `files` keeps the operator's private files, and `sim` is the built-in AWS emulator.

pub mod aws;
pub mod cli;
pub mod commands;
pub mod config;
pub mod files;
pub mod logging;
pub mod model;
pub mod poll;
pub(crate) mod report;
pub mod switch;
pub mod tui;
