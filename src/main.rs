use clap::Parser;
use switchyard::cli::{Cli, Command};

fn main() -> color_eyre::Result<()> {
    color_eyre::install()?;
    let cli = Cli::parse();
    switchyard::logging::init(cli.global.log_file.as_deref());
    let code = match &cli.command {
        Command::Sim(args) => switchyard::sim::cli::run(args.clone())?,
        Command::Status(args) => {
            runtime()?.block_on(switchyard::report::status::run(&cli.global, args))
        }
        Command::Doctor(args) => {
            runtime()?.block_on(switchyard::report::doctor::run(&cli.global, args))
        }
        Command::IamPolicy(args) => switchyard::report::permissions::run(&cli.global, args),
        Command::Discover(args) => {
            runtime()?.block_on(switchyard::report::discover::run(&cli.global, args))
        }
    };
    std::process::exit(code);
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}
