//! `mobsync-host`: register handlers, list and configure them, and run syncs with live progress.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

mod cli;

use cli::{center, config, exit, list, regsvr, sync};

/// Plays Windows Sync Manager's part (and Sync Center's, with `sync-center`): loads handlers and
/// drives the sync protocol.
#[derive(Debug, Parser)]
#[command(name = "mobsync-host", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Call a handler library's DllRegisterServer (or DllUnregisterServer with -u), as regsvr32 does.
    Regsvr(regsvr::RegsvrArgs),
    /// List the registered handlers.
    List(list::ListArgs),
    /// Show or change a handler's settings; `sync` passes them to its Initialize as the cookie.
    Config(config::ConfigArgs),
    /// Synchronize: one handler by CLSID, or every registered handler with --all.
    Sync(sync::SyncArgs),
    /// Play Sync Center (ISyncMgrHandler): `list` handlers and their items, `sync` them.
    SyncCenter(center::CenterArgs),
}

fn main() -> ExitCode {
    // The exit-status table under every command's --help.
    let help = exit::help();
    let mut command = Cli::command().after_help(help.clone());
    for name in ["regsvr", "list", "config", "sync", "sync-center"] {
        command = command.mut_subcommand(name, |c| c.after_help(help.clone()));
    }
    let matches = command.get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if matches!(
        cli.command,
        Command::List(_) | Command::Config(_) | Command::SyncCenter(_)
    ) {
        // `regsvr` and `sync` print through their live display instead.
        cli::ui::install_plain_logger();
    }
    let result = match cli.command {
        Command::Regsvr(args) => regsvr::run(args),
        Command::List(args) => list::run(args),
        Command::Config(args) => config::run(args),
        Command::Sync(args) => sync::run(args),
        Command::SyncCenter(args) => center::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(exit::of_error(&error))
        }
    }
}
