use clap::Parser;
use switchyard::cli::{Cli, Command, GlobalArgs, RehearseArgs};
use switchyard::{commands, tui};

fn main() -> color_eyre::Result<()> {
    color_eyre::install()?;
    let cli = Cli::parse();
    switchyard::logging::init(cli.global.log_file.as_deref());
    let g = &cli.global;
    commands::set_ascii(g.ascii);
    let code = match &cli.command {
        None => runtime()?.block_on(tui::console(g, cli.reason.as_deref(), cli.no_share)),
        Some(Command::Demo(args)) => runtime()?.block_on(tui::demo(g, args)),
        Some(Command::Rehearse(args)) => runtime()?.block_on(rehearse(g, args)),
        Some(Command::Sim(args)) => commands::sim::run(args.clone())?,
        Some(Command::Status(args)) => runtime()?.block_on(commands::status::run(g, args)),
        Some(Command::Doctor(args)) => runtime()?.block_on(commands::doctor::run(g, args)),
        Some(Command::IamPolicy(args)) => runtime()?.block_on(commands::permissions::run(g, args)),
        Some(Command::Completions(args)) => commands::manual::run_completions(args.shell),
        Some(Command::Man(args)) => {
            commands::manual::run_man(args.subcommand.as_deref(), args.out.as_deref())
        }
        Some(Command::Discover(args)) => runtime()?.block_on(commands::discover::run(g, args)),
        Some(Command::Plan(args)) => runtime()?.block_on(commands::switch::plan(g, args)),
        Some(Command::Maintenance(args)) => {
            runtime()?.block_on(commands::switch::maintenance(g, args))
        }
        Some(Command::Approve(args)) => {
            runtime()?.block_on(commands::approve::run(g, args, args.decline))
        }
        Some(Command::Decline(args)) => {
            runtime()?.block_on(commands::approve::run(g, &args.as_decide(), true))
        }
        Some(Command::Wait(args)) => runtime()?.block_on(commands::switch::wait(g, args)),
        Some(Command::Log(args)) => runtime()?.block_on(commands::log::run(g, args)),
        Some(Command::Report(args)) => runtime()?.block_on(commands::report::run(g, args)),
        Some(Command::Journal(args)) => runtime()?.block_on(commands::journal::run(g, args)),
    };
    std::process::exit(code);
}

/// `switchyard rehearse`: the copy, then the console on it, or (`--no-console`) the copy alone.
async fn rehearse(global: &GlobalArgs, args: &RehearseArgs) -> i32 {
    let copy = match commands::rehearse::prepare(global, args).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let code = if args.no_console {
        commands::rehearse::serve(&copy.sim, &args.site, args.speed).await
    } else {
        tui::rehearse(global, &copy, args.reason.as_deref()).await
    };
    if let Some(save) = &args.save {
        commands::rehearse::report(&copy, &args.site, args.no_console, save).await;
    }
    copy.stop().await;
    code
}

/// One worker thread beside the main one (which runs the screen or the command): switchyard
/// waits on AWS, not on the CPU (an idle console at 200 sites uses a few percent of one core).
/// Each thread that allocates gets its own allocator arena, and memory freed in one is not
/// given back to the system: tokio's default of one worker per core took 13 MB more RSS for the
/// idle console on 2 cores (issue 18, `scripts/bench idle`), and more on a bastion with more.
/// The blocking pool (the system resolver's lookups, files) is bounded for the same reason: 200
/// alias targets resolved at once would otherwise start up to 200 threads.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(16)
        .enable_all()
        .build()
}
