//! The `pathrisk` binary: parse the command line, run the command, map the outcome to an exit
//! code (`pathrisk::exit::ExitCode`: 0 success, 1 a verdict disagreed, 2 bad usage or input,
//! 3 a failure while running, 130 interrupted).

mod cli;

use clap::CommandFactory;
use clap::Parser;
use cli::{Cli, Command};
use pathrisk::commands::{calibrate, check, merge, network, presets, reproduce, run, solve, sweep};
use pathrisk::exit::ExitCode;

fn main() {
    let cli = Cli::parse();
    // The first Ctrl-C asks the run to stop (it then exits 130 and writes nothing); a second
    // one ends the process at once.
    let _ = ctrlc::set_handler(|| {
        if pathrisk::stop::requested() {
            std::process::exit(ExitCode::Interrupted.code());
        }
        pathrisk::stop::request();
    });
    let code = match execute(&cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("pathrisk: {e:#}");
            e.downcast_ref::<pathrisk::Error>()
                .map_or(ExitCode::Failure, pathrisk::Error::exit_code)
        }
    };
    std::process::exit(code.code());
}

fn execute(cli: &Cli) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    let status = match &cli.command {
        None => reproduce::reproduce(&cli.reproduce.options()?, &mut stdout)?,
        Some(Command::Reproduce(args)) => reproduce::reproduce(&args.options()?, &mut stdout)?,
        Some(Command::Run(args)) => run::run(&args.options()?, &mut stdout)?,
        Some(Command::Merge(args)) => merge::merge(&args.options()?, &mut stdout)?,
        Some(Command::Solve(args)) => solve::solve(&args.options()?, &mut stdout)?,
        Some(Command::Check(args)) => check::check(&args.options()?, &mut stdout)?,
        Some(Command::Sweep(args)) => sweep::sweep(&args.options()?, &mut stdout)?,
        Some(Command::Network(args)) => network::network(&args.options()?, &mut stdout)?,
        Some(Command::Presets) => presets::presets(&mut stdout)?,
        Some(Command::Calibrate(args)) => {
            let status = calibrate::calibrate(&args.options()?, &mut stdout)?;
            if status == pathrisk::commands::Status::Disagree {
                eprintln!(
                    "pathrisk: a rate is off its claim (see the verdict column and docs/statistics.md)"
                );
            }
            return Ok(status.exit_code());
        }
        Some(Command::Completions { shell }) => {
            clap_complete::generate(*shell, &mut Cli::command(), "pathrisk", &mut stdout);
            return Ok(ExitCode::Success);
        }
        Some(Command::Bench {
            paths,
            runs,
            threads,
            only,
        }) => {
            use pathrisk::commands::bench;
            let threads = threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let options = bench::BenchOptions {
                paths: *paths,
                runs: *runs,
                threads,
                isa: cli::isa()?,
                only: only.clone(),
            };
            bench::run(&options, &mut stdout)?;
            return Ok(ExitCode::Success);
        }
        Some(Command::Man) => {
            clap_mangen::Man::new(Cli::command()).render(&mut stdout)?;
            return Ok(ExitCode::Success);
        }
    };
    if status == pathrisk::commands::Status::Disagree {
        eprintln!(
            "pathrisk: a simulated figure disagrees with its closed form (see the verdict column)"
        );
    }
    Ok(status.exit_code())
}
