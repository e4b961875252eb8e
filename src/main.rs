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
        Command::Discover(args) => {
            runtime()?.block_on(switchyard::report::discover::run(&cli.global, args))
        }
        Command::Plan(args) => {
            runtime()?.block_on(switchyard::switch::cli::plan(&cli.global, args))
        }
        Command::Maintenance(args) => {
            runtime()?.block_on(switchyard::switch::cli::maintenance(&cli.global, args))
        }
        Command::Wait(args) => {
            runtime()?.block_on(switchyard::switch::cli::wait(&cli.global, args))
        }
        Command::Log(args) => switchyard::switch::cli::log(&cli.global, args),
    };
    std::process::exit(code);
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}
