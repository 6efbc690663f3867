//! `mobsync-host`: register handlers, list them, and run syncs with live progress.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use mobsync_host::events::EventSink;
use mobsync_host::model::{guid_string, parse_guid};
use mobsync_host::registry;
use mobsync_host::{HandlerSource, Host, ItemSelection, Module, SyncEvent, SyncOptions};

mod cli;

use cli::{table, ui};

/// Plays Windows Sync Manager's part: loads Sync Manager handlers and drives the sync protocol.
#[derive(Debug, Parser)]
#[command(name = "mobsync-host", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Call a handler library's DllRegisterServer (or DllUnregisterServer with -u), as regsvr32 does.
    Regsvr {
        /// Unregister instead of register.
        #[arg(short = 'u', long)]
        unregister: bool,
        /// The handler library (.so / .dll / .dylib).
        library: PathBuf,
    },
    /// List the registered handlers.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Synchronize: one handler by CLSID, or every registered handler with --all.
    Sync(SyncArgs),
}

#[derive(Debug, clap::Args)]
struct SyncArgs {
    /// Every handler registered with Sync Manager that takes part in the event.
    #[arg(long, conflicts_with = "clsid")]
    all: bool,
    /// The handler's CLSID, e.g. {632306B6-690C-48C1-AB87-953A6833A855}.
    #[arg(required_unless_present = "all")]
    clsid: Option<String>,
    /// Load the handler from this library instead of looking the CLSID up in the registration store.
    #[arg(long, requires = "clsid")]
    module: Option<PathBuf>,
    /// Items to synchronize, by name or {GUID} (default: the items the handler proposes checked).
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    items: Vec<String>,
    /// Synchronize every item, checked or not.
    #[arg(long, conflicts_with = "items")]
    all_items: bool,
    /// The event that starts the sync.
    #[arg(long, value_enum, default_value_t = EventArg::Manual)]
    event: EventArg,
    /// The cookie passed to Initialize (UTF-8 text).
    #[arg(long)]
    cookie: Option<String>,
    /// Tell the handler it may show user interface (SYNCMGRFLAG_MAYBOTHERUSER).
    #[arg(long)]
    may_bother_user: bool,
    /// Seconds to wait for each call and completion before the handler is reported as hung.
    #[arg(long, default_value_t = 300.0)]
    timeout: f64,
    /// Call ShowError for logged errors that have an error ID and honour S_SYNCMGR_RETRYSYNC.
    #[arg(long)]
    show_errors: bool,
    /// Print the report as JSON on stdout (no live display).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EventArg {
    Manual,
    Idle,
    Connect,
    PendingDisconnect,
    Invoke,
    Scheduled,
}

impl From<EventArg> for SyncEvent {
    fn from(e: EventArg) -> Self {
        match e {
            EventArg::Manual => SyncEvent::Manual,
            EventArg::Idle => SyncEvent::Idle,
            EventArg::Connect => SyncEvent::Connect,
            EventArg::PendingDisconnect => SyncEvent::PendingDisconnect,
            EventArg::Invoke => SyncEvent::Invoke,
            EventArg::Scheduled => SyncEvent::Scheduled,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Regsvr {
            unregister,
            library,
        } => regsvr(unregister, &library),
        Command::List { json } => list(json),
        Command::Sync(args) => sync(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn log_level() -> log::LevelFilter {
    std::env::var("MOBSYNC_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(log::LevelFilter::Warn)
}

fn regsvr(unregister: bool, library: &std::path::Path) -> anyhow::Result<ExitCode> {
    let ui = ui::LiveUi::new();
    let _ = log::set_logger(Box::leak(Box::new(ui::UiLogger {
        ui,
        level: log_level(),
    })));
    log::set_max_level(log_level());
    let module =
        Module::load(library).with_context(|| format!("cannot load {}", library.display()))?;
    let (name, hr) = if unregister {
        ("DllUnregisterServer", module.unregister_server()?)
    } else {
        ("DllRegisterServer", module.register_server()?)
    };
    if hr.is_ok() {
        println!("{name} in {} succeeded.", library.display());
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "{name} in {} failed: {}",
            library.display(),
            mobsync_host::model::hresult_string(hr)
        );
        Ok(ExitCode::FAILURE)
    }
}

fn list(json: bool) -> anyhow::Result<ExitCode> {
    let store = registry::Store::open().context("cannot open the registration store")?;
    let handlers = store
        .handlers()
        .context("cannot read the registration store")?;
    if json {
        let rows: Vec<serde_json::Value> = handlers
            .iter()
            .map(|h| {
                serde_json::json!({
                    "clsid": guid_string(&h.clsid),
                    "name": h.name,
                    "module": h.module_path,
                    "threading_model": h.threading_model.map(|t| t.as_str()),
                    "sync_manager": h.sync_mgr.as_ref().map(|s| serde_json::json!({
                        "description": s.description, "flags": s.flags })),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if handlers.is_empty() {
        println!("No handlers are registered.");
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = vec![vec![
        "CLSID".to_string(),
        "NAME".to_string(),
        "SYNC MANAGER".to_string(),
        "THREADING".to_string(),
        "MODULE".to_string(),
    ]];
    for h in &handlers {
        rows.push(vec![
            guid_string(&h.clsid),
            h.name.clone().unwrap_or_default(),
            h.sync_mgr.as_ref().map_or("-".to_string(), |s| {
                format!("{} (flags 0x{:x})", s.description, s.flags)
            }),
            h.threading_model
                .map_or("-".to_string(), |t| t.as_str().to_string()),
            h.module_path
                .as_ref()
                .map_or("-".to_string(), |p| p.display().to_string()),
        ]);
    }
    print!("{}", table::columns(&rows));
    Ok(ExitCode::SUCCESS)
}

fn sync(args: SyncArgs) -> anyhow::Result<ExitCode> {
    let event: SyncEvent = args.event.into();
    let sources = if args.all {
        let store = registry::Store::open().context("cannot open the registration store")?;
        let handlers = store
            .handlers()
            .context("cannot read the registration store")?;
        let sources: Vec<HandlerSource> = handlers
            .iter()
            .filter(|h| {
                h.sync_mgr
                    .as_ref()
                    .is_some_and(|s| event.wanted_by(s.flags))
            })
            .map(|h| HandlerSource::Registered(h.clsid))
            .collect();
        if sources.is_empty() {
            bail!(
                "no registered handler takes part in a {:?} sync",
                args.event
            );
        }
        sources
    } else {
        let text = args
            .clsid
            .as_deref()
            .expect("clap requires a CLSID without --all");
        let clsid = parse_guid(text).with_context(|| format!("`{text}` is not a CLSID"))?;
        match args.module {
            Some(path) => vec![HandlerSource::Module { path, clsid }],
            None => vec![HandlerSource::Registered(clsid)],
        }
    };
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        bail!("--timeout must be a positive number of seconds");
    }
    let options = SyncOptions {
        event,
        may_bother_user: args.may_bother_user,
        cookie: args.cookie.map(String::into_bytes).unwrap_or_default(),
        items: if args.all_items {
            ItemSelection::All
        } else if args.items.is_empty() {
            ItemSelection::Checked
        } else {
            ItemSelection::Named(args.items)
        },
        show_errors: args.show_errors,
        ..SyncOptions::default()
    }
    .with_timeouts(Duration::from_secs_f64(args.timeout));

    let ui = ui::LiveUi::new();
    let _ = log::set_logger(Box::leak(Box::new(ui::UiLogger {
        ui: Arc::clone(&ui),
        level: log_level(),
    })));
    log::set_max_level(log_level());
    let mut host = Host::new(options);
    if !args.json {
        host = host.with_events(Arc::clone(&ui) as Arc<dyn EventSink>);
    }
    let cancel = host.cancel_handle();
    let presses = AtomicUsize::new(0);
    let cancel_ui = Arc::clone(&ui);
    ctrlc::set_handler(move || {
        if presses.fetch_add(1, Ordering::SeqCst) == 0 {
            cancel_ui.println("Cancelling every item (Ctrl-C again to quit at once)...");
            cancel.cancel_all();
        } else {
            std::process::exit(130);
        }
    })
    .context("cannot install the Ctrl-C handler")?;

    let report = host.sync(sources);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        eprintln!();
        print!("{}", table::summary(&report));
    }
    Ok(if report.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
