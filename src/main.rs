use clap::Parser;
use switchyard::cli::{Cli, Command};

fn main() -> color_eyre::Result<()> {
    color_eyre::install()?;
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Sim(args) => switchyard::sim::cli::run(args)?,
    };
    std::process::exit(code);
}
