//! Command-line definitions of every subcommand and flag.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// switchyard: see the whole failover chain of a site, force maintenance, fail back.
#[derive(Debug, Parser)]
#[command(name = "switchyard", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the built-in AWS emulator on 127.0.0.1 until Ctrl-C.
    Sim(SimArgs),
}

#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("world").required(true).args(["scenario", "sites"])))]
pub struct SimArgs {
    /// Scenario file (TOML), for example assets/scenarios/alb-cloudfront.toml.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Instead of a scenario file: a generated account of this many sites (for scale tests).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=2000))]
    pub sites: Option<u16>,
    /// Port to listen on; 0 picks any free port.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// How fast simulated time runs compared with real time (1 = real time).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
}
