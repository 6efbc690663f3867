//! `mobsync-host sync`: plays Sync Manager for one handler or every registered one, with live
//! progress, then a table (or a JSON report).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use mobsync_host::events::EventSink;
use mobsync_host::model::{HandlerOutcome, Phase, SyncReport, guid_string, parse_guid};
use mobsync_host::registry::Store;
use mobsync_host::{HandlerSource, Host, ItemSelection, SyncEvent, SyncOptions, store_location};

use super::{exit, store, table, ui};

/// The arguments.
#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// Every handler registered with Sync Manager that takes part in the event.
    #[arg(long, conflicts_with = "clsid")]
    all: bool,
    /// The handler's CLSID, e.g. {632306B6-690C-48C1-AB87-953A6833A855}.
    #[arg(required_unless_present = "all")]
    clsid: Option<String>,
    /// Load the handler from this library instead of looking the CLSID up in the registration
    /// store (its stored settings are then not used).
    #[arg(long, requires = "clsid")]
    module: Option<PathBuf>,
    /// Items to synchronize, by name or {GUID} (default: the items the handler proposes checked).
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    items: Vec<String>,
    /// Synchronize every item, checked or not.
    #[arg(long, conflicts_with = "items")]
    all_items: bool,
    /// Cancel this item (name or {GUID}; repeatable) when it reports progress: its Progress call
    /// gets S_SYNCMGR_CANCELITEM and the handler SetItemStatus(SKIPPED), as when the user skips
    /// an item in Sync Manager's dialog.
    #[arg(long, value_name = "ITEM")]
    cancel: Vec<String>,
    /// The event that starts the sync.
    #[arg(long, value_enum, default_value_t = EventArg::Manual)]
    event: EventArg,
    /// The cookie passed to Initialize (UTF-8 text). Without it, each handler gets the settings
    /// stored for it with `mobsync-host config`, if any.
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

/// The handlers to run, and the store they were found in (none with `--module`).
fn sources(args: &SyncArgs, event: SyncEvent) -> Result<(Vec<HandlerSource>, Option<Store>)> {
    if args.all {
        let store = store::open()?;
        let handlers = store::handlers(&store)?;
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
                "no handler registered in {} takes part in a {} sync ({} registered; register \
                 one with `mobsync-host regsvr LIBRARY`)",
                store_location(&store),
                args.event
                    .to_possible_value()
                    .map_or("?".into(), |v| v.get_name().to_owned()),
                handlers.len()
            );
        }
        return Ok((sources, Some(store)));
    }
    let text = args
        .clsid
        .as_deref()
        .expect("clap requires a CLSID without --all");
    let clsid = parse_guid(text).with_context(|| format!("`{text}` is not a CLSID"))?;
    match &args.module {
        Some(path) => Ok((
            vec![HandlerSource::Module {
                path: path.clone(),
                clsid,
            }],
            None,
        )),
        None => {
            let store = store::open()?;
            store::registered(&store, &clsid)?;
            Ok((vec![HandlerSource::Registered(clsid)], Some(store)))
        }
    }
}

/// Runs the command.
pub fn run(args: SyncArgs) -> Result<u8> {
    let event: SyncEvent = args.event.into();
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        bail!("--timeout must be a positive number of seconds");
    }
    let (sources, store) = sources(&args, event)?;
    let options = SyncOptions {
        event,
        may_bother_user: args.may_bother_user,
        cookie: args
            .cookie
            .clone()
            .map(String::into_bytes)
            .unwrap_or_default(),
        items: if args.all_items {
            ItemSelection::All
        } else if args.items.is_empty() {
            ItemSelection::Checked
        } else {
            ItemSelection::Named(args.items.clone())
        },
        cancel_items: args.cancel.clone(),
        show_errors: args.show_errors,
        ..SyncOptions::default()
    }
    .with_timeouts(Duration::from_secs_f64(args.timeout));

    let ui = ui::LiveUi::new();
    ui::install_logger(&ui);
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
            std::process::exit(exit::QUIT.into());
        }
    })
    .context("cannot install the Ctrl-C handler")?;

    let report = host.sync(sources);
    ui.finish(&report);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        eprintln!();
        print!("{}", table::summary(&report, table::terminal_width()));
    }
    for notice in notices(&report, &args, store.as_ref()) {
        eprintln!("{notice}");
    }
    Ok(exit::of_sync(&report))
}

/// What stderr says beyond the report: each handler that could not be loaded or declined, and
/// `--cancel` names no handler had.
fn notices(report: &SyncReport, args: &SyncArgs, store: Option<&Store>) -> Vec<String> {
    let mut notices = Vec::new();
    for handler in &report.handlers {
        if let HandlerOutcome::Failed {
            phase: Phase::Load,
            message,
            ..
        } = &handler.outcome
        {
            let who = store::display_name(Some(&handler.name), &handler.clsid);
            notices.push(format!("error: {who}: {message}"));
        }
        if handler.outcome != HandlerOutcome::Declined {
            continue;
        }
        let who = store::display_name(Some(&handler.name), &handler.clsid);
        let why = if args.cookie.is_some() {
            String::new()
        } else {
            match store.map(|s| store::settings(s, &handler.clsid)) {
                Some(Ok(Some(_))) => format!(
                    " It was given its stored settings as the cookie; see them with \
                     `mobsync-host config {}`.",
                    guid_string(&handler.clsid)
                ),
                Some(Ok(None)) => format!(
                    " It was given no cookie: pass one with --cookie, or store its settings \
                     with `mobsync-host config {} key=value ...`.",
                    guid_string(&handler.clsid)
                ),
                _ => " It was given no cookie: pass one with --cookie.".to_owned(),
            }
        };
        notices.push(format!(
            "{who}: declined this sync (Initialize returned S_FALSE); nothing of it was \
             synchronized.{why}"
        ));
    }
    for name in &args.cancel {
        let by_id = parse_guid(name);
        let known = report
            .handlers
            .iter()
            .flat_map(|h| &h.items)
            .any(|i| Some(i.id) == by_id || &i.name == name);
        if !known {
            notices.push(format!(
                "--cancel {name}: no handler has an item of that name"
            ));
        }
    }
    notices
}
