use clap::Parser;
use switchyard::cli::{Cli, Command};

fn main() -> color_eyre::Result<()> {
    color_eyre::install()?;
    let cli = Cli::parse();
    switchyard::logging::init(cli.global.log_file.as_deref());
    let code = match &cli.command {
        None => runtime()?.block_on(switchyard::tui::console(&cli.global)),
        Some(Command::Demo(args)) => runtime()?.block_on(switchyard::tui::demo(&cli.global, args)),
        Some(Command::Sim(args)) => switchyard::sim::cli::run(args.clone())?,
        Some(Command::Status(args)) => {
            runtime()?.block_on(switchyard::report::status::run(&cli.global, args))
        }
        Some(Command::Doctor(args)) => {
            runtime()?.block_on(switchyard::report::doctor::run(&cli.global, args))
        }
        Some(Command::IamPolicy(args)) => switchyard::report::permissions::run(&cli.global, args),
        Some(Command::Completions(args)) => switchyard::report::manual::run_completions(args.shell),
        Some(Command::Man(args)) => {
            switchyard::report::manual::run_man(args.subcommand.as_deref(), args.out.as_deref())
        }
        Some(Command::Discover(args)) => {
            runtime()?.block_on(switchyard::report::discover::run(&cli.global, args))
        }
        Some(Command::Plan(args)) => {
            runtime()?.block_on(switchyard::switch::cli::plan(&cli.global, args))
        }
        Some(Command::Maintenance(args)) => {
            runtime()?.block_on(switchyard::switch::cli::maintenance(&cli.global, args))
        }
        Some(Command::Wait(args)) => {
            runtime()?.block_on(switchyard::switch::cli::wait(&cli.global, args))
        }
        Some(Command::Rehearse(args)) => {
            runtime()?.block_on(switchyard::report::rehearse::run(&cli.global, args))
        }
        Some(Command::Log(args)) => switchyard::switch::cli::log(&cli.global, args),
    };
    std::process::exit(code);
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}
