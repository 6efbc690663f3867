//! `mobsync-host sync-center list|sync|conflicts|resolve|events`: plays Sync Center for
//! `ISyncMgrHandler` handlers (registered under Sync Center's handler key, or loaded from a
//! library with `--module`).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use mobsync_host::HandlerSource;
use mobsync_host::model::{guid_string, parse_guid};
use mobsync_host::store_location;
use mobsync_host::sync_center::conflicts::{CHOOSE_CONFLICT, HandlerConflicts, Keep, Resolved};
use mobsync_host::sync_center::event_store::HandlerEvents;
use mobsync_host::sync_center::model::{
    CallError, CenterReport, HandlerDescription, RunOutcome, display_name,
};
use mobsync_host::sync_center::{CenterEvent, CenterSink, ItemChoice, SyncCenterHost};
use mobsync_host::trust::TRUST_E_SUBJECT_NOT_TRUSTED;
use serde::Serialize;
use windows_core::GUID;

use super::{exit, store};

/// The arguments of `sync-center`.
#[derive(Debug, clap::Args)]
pub struct CenterArgs {
    #[command(subcommand)]
    command: CenterCommand,
}

#[derive(Debug, clap::Subcommand)]
enum CenterCommand {
    /// List Sync Center handlers (all registered ones, or one by CLSID) and their items.
    List(ListArgs),
    /// Synchronize a Sync Center handler by CLSID, or every registered one with --all.
    Sync(SyncArgs),
    /// List the conflicts of a Sync Center handler (or of every registered one) from its
    /// ISyncMgrConflictStore.
    Conflicts(ListArgs),
    /// Resolve one conflict of a Sync Center handler through ISyncMgrConflict::Resolve.
    Resolve(ResolveArgs),
    /// List the events a Sync Center handler (or every registered one) keeps in its
    /// ISyncMgrEventStore.
    Events(ListArgs),
}

#[derive(Debug, clap::Args)]
struct ResolveArgs {
    /// The handler's CLSID.
    clsid: String,
    /// The conflict's ID, as `conflicts` lists it.
    conflict_id: String,
    /// Which versions to keep: `source` (version 0), `destination` (version 1) or `both` (every
    /// version).
    #[arg(long, value_enum)]
    keep: KeepArg,
    /// Load the handler from this library instead of looking the CLSID up in the registration
    /// store.
    #[arg(long)]
    module: Option<PathBuf>,
    /// Print JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum KeepArg {
    Source,
    Destination,
    Both,
}

/// Which handlers: one by CLSID (from the store, or from `--module`), or all registered ones.
#[derive(Debug, clap::Args)]
struct Which {
    /// Every handler registered with Sync Center.
    #[arg(long, conflicts_with = "clsid")]
    all: bool,
    /// The handler's CLSID, e.g. {7D1E5A40-2C8B-4F6E-9A31-5B0C4E2F8A17}.
    clsid: Option<String>,
    /// Load the handler from this library instead of looking the CLSID up in the registration
    /// store.
    #[arg(long, requires = "clsid")]
    module: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ListArgs {
    #[command(flatten)]
    which: Which,
    /// Print JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct SyncArgs {
    #[command(flatten)]
    which: Which,
    /// Items to synchronize, by ID or name (default: every item of the handler).
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    items: Vec<String>,
    /// Cancel this item (ID; repeatable): its next ReportProgress gets SYNCMGR_CR_CANCEL_ITEM
    /// and CanContinue for it S_FALSE.
    #[arg(long, value_name = "ITEM_ID")]
    cancel: Vec<String>,
    /// Seconds to wait for each handler before it is reported as hung and abandoned.
    #[arg(long, default_value_t = 300.0)]
    timeout: f64,
    /// Print the report as JSON on stdout (no live lines on stderr).
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub fn run(args: CenterArgs) -> Result<u8> {
    match args.command {
        CenterCommand::List(args) => per_handler::<HandlerDescription>(args),
        CenterCommand::Sync(args) => sync(args),
        CenterCommand::Conflicts(args) => per_handler::<HandlerConflicts>(args),
        CenterCommand::Resolve(args) => resolve(args),
        CenterCommand::Events(args) => per_handler::<HandlerEvents>(args),
    }
}

/// The handlers `which` names, with their registered names (none with `--module`).
fn sources(which: &Which) -> Result<Vec<(HandlerSource, Option<String>)>> {
    if let Some(text) = &which.clsid {
        let clsid = parse_guid(text).with_context(|| format!("`{text}` is not a CLSID"))?;
        if let Some(path) = &which.module {
            return Ok(vec![(
                HandlerSource::Module {
                    path: path.clone(),
                    clsid,
                },
                None,
            )]);
        }
        let store = store::open()?;
        let entry = store::registered(&store, &clsid)?;
        return Ok(vec![(HandlerSource::Registered(clsid), entry.name)]);
    }
    let store = store::open()?;
    let handlers = store
        .sync_center_handlers()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if handlers.is_empty() && which.all {
        bail!(
            "no Sync Center handler is registered in {} (register one with `mobsync-host regsvr \
             LIBRARY`)",
            store_location(&store)
        );
    }
    if !which.all && handlers.is_empty() {
        return Ok(Vec::new());
    }
    Ok(handlers
        .into_iter()
        .map(|(clsid, name)| (HandlerSource::Registered(clsid), Some(name)))
        .collect())
}

/// One handler in `list`, `conflicts` or `events --json`: what was asked of it (its
/// description, conflicts or events), or the call that failed.
#[derive(Debug, Serialize)]
struct Listed<H> {
    #[serde(serialize_with = "ser_guid")]
    clsid: GUID,
    handler: Option<H>,
    error: Option<CallError>,
}

fn ser_guid<S: serde::Serializer>(guid: &GUID, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&guid_string(guid))
}

/// What `list`, `conflicts` and `events` ask of each handler, and how they show it.
trait PerHandler: Serialize {
    /// The call, through `host`.
    fn ask(host: &SyncCenterHost, source: HandlerSource) -> Result<Self, CallError>
    where
        Self: Sized;
    /// The lines of one handler on standard output.
    fn print(&self, out: &mut dyn Write) -> std::io::Result<()>;
    /// The contract breaks the host saw, printed as warnings.
    fn problems(&self) -> &[String];
}

impl PerHandler for HandlerDescription {
    fn ask(host: &SyncCenterHost, source: HandlerSource) -> Result<Self, CallError> {
        host.describe(source)
    }
    fn print(&self, out: &mut dyn Write) -> std::io::Result<()> {
        print_description(out, self)
    }
    fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl PerHandler for HandlerConflicts {
    fn ask(host: &SyncCenterHost, source: HandlerSource) -> Result<Self, CallError> {
        host.conflicts(source)
    }
    fn print(&self, out: &mut dyn Write) -> std::io::Result<()> {
        print_conflicts(out, self)
    }
    fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl PerHandler for HandlerEvents {
    fn ask(host: &SyncCenterHost, source: HandlerSource) -> Result<Self, CallError> {
        host.events(source)
    }
    fn print(&self, out: &mut dyn Write) -> std::io::Result<()> {
        print_events(out, self)
    }
    fn problems(&self) -> &[String] {
        &self.problems
    }
}

/// Asks `H` of every handler `args` names and shows the answers (JSON or lines), the failed
/// calls on standard error; the exit status is the worst failure's.
fn per_handler<H: PerHandler>(args: ListArgs) -> Result<u8> {
    let sources = sources(&args.which)?;
    let host = SyncCenterHost::new();
    let listed: Vec<Listed<H>> = sources
        .into_iter()
        .map(|(source, _)| {
            let clsid = source.clsid();
            let (handler, error) = match H::ask(&host, source) {
                Ok(h) => (Some(h), None),
                Err(e) => (None, Some(e)),
            };
            Listed {
                clsid,
                handler,
                error,
            }
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&listed)?);
    } else if listed.is_empty() {
        println!("No Sync Center handler is registered.");
    } else {
        let mut out = std::io::stdout().lock();
        for entry in &listed {
            match (&entry.handler, &entry.error) {
                (Some(h), _) => h.print(&mut out)?,
                (None, Some(e)) => eprintln!("error: {e}"),
                (None, None) => {}
            }
        }
    }
    for h in listed.iter().filter_map(|l| l.handler.as_ref()) {
        for problem in h.problems() {
            eprintln!("warning: {problem}");
        }
    }
    Ok(listed
        .iter()
        .filter_map(|l| l.error.as_ref())
        .map(error_status)
        .max()
        .unwrap_or(exit::SUCCESS))
}

/// The exit status of a failed call: a handler that could not be loaded is a setup error (3 when
/// refused as untrusted), a named item the handler lacks a usage error, anything else 1.
fn error_status(error: &CallError) -> u8 {
    use mobsync_host::sync_center::{CHOOSE_ITEMS, LOAD};
    if error.method == LOAD {
        if error.hresult == mobsync_host::model::hresult_string(TRUST_E_SUBJECT_NOT_TRUSTED) {
            exit::UNTRUSTED
        } else {
            exit::SETUP
        }
    } else if error.method == CHOOSE_ITEMS || error.method == CHOOSE_CONFLICT {
        exit::SETUP
    } else {
        exit::FAILED
    }
}

fn print_description(out: &mut dyn Write, h: &HandlerDescription) -> std::io::Result<()> {
    let info = h.info.as_ref();
    writeln!(out, "{}", display_name(&h.name, &h.clsid))?;
    if let Some(path) = &h.module {
        writeln!(out, "  module:       {}", path.display())?;
    }
    if let Some(info) = info {
        let label = info.type_label.as_deref().unwrap_or("");
        writeln!(out, "  type:         {} {label}", info.kind)?;
        if let Some(comment) = &info.comment {
            writeln!(out, "  comment:      {comment}")?;
        }
    }
    writeln!(out, "  capabilities: {}", names(&h.capabilities.names))?;
    writeln!(out, "  policies:     {}", names(&h.policies.names))?;
    writeln!(out, "  items:        {}", h.items.len())?;
    for item in &h.items {
        let comment = item.comment.as_deref().unwrap_or("");
        writeln!(out, "    {:<24} {}  {comment}", item.name, item.id)?;
    }
    Ok(())
}

fn names(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// Prints a line on stderr for each live event.
struct Lines {
    names: std::sync::Mutex<Vec<String>>,
    /// (handler, item ID) → item name.
    items: std::sync::Mutex<std::collections::HashMap<(usize, String), String>>,
}

impl CenterSink for Lines {
    fn event(&self, event: CenterEvent) {
        let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        let name = |i: usize, names: &Vec<String>| names.get(i).cloned().unwrap_or_default();
        let line = match event {
            CenterEvent::HandlerStarted { handler, clsid } => {
                if names.len() <= handler {
                    names.resize(handler + 1, String::new());
                }
                names[handler] = guid_string(&clsid);
                return;
            }
            CenterEvent::ItemsSelected {
                handler,
                name: handler_name,
                items,
            } => {
                if let Some(slot) = names.get_mut(handler) {
                    *slot = handler_name;
                }
                let mut known = self.items.lock().unwrap_or_else(|p| p.into_inner());
                for item in &items {
                    known.insert((handler, item.id.clone()), item.name.clone());
                }
                let chosen: Vec<&str> = items
                    .iter()
                    .filter(|i| i.selected)
                    .map(|i| i.name.as_str())
                    .collect();
                format!(
                    "{}: synchronizing {} of {} items: {}",
                    name(handler, &names),
                    chosen.len(),
                    items.len(),
                    chosen.join(", ")
                )
            }
            CenterEvent::ItemProgress {
                handler,
                item,
                status,
                text,
                step,
                max,
            } => {
                let known = self.items.lock().unwrap_or_else(|p| p.into_inner());
                let item = known.get(&(handler, item.clone())).unwrap_or(&item);
                format!(
                    "{}: {item} {status} {step}/{max} {}",
                    name(handler, &names),
                    text.unwrap_or_default()
                )
            }
            CenterEvent::HandlerProgressText { handler, text } => {
                format!("{}: {text}", name(handler, &names))
            }
            CenterEvent::EventReported { handler, event } => format!(
                "{}: event ({}) {}: {}{}",
                name(handler, &names),
                event.level,
                event.name,
                event.description,
                event
                    .item
                    .map(|i| format!(" [item {i}]"))
                    .unwrap_or_default()
            ),
            CenterEvent::HandlerLog {
                handler,
                level,
                text,
            } => format!("{}: log ({level}) {text}", name(handler, &names)),
            CenterEvent::Problem { text, .. } => format!("problem: {text}"),
            CenterEvent::HandlerFinished { .. } => return,
        };
        eprintln!("{line}");
    }
}

fn sync(args: SyncArgs) -> Result<u8> {
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        bail!("--timeout must be a positive number of seconds");
    }
    if args.which.clsid.is_none() && !args.which.all {
        bail!("name a handler by CLSID, or pass --all");
    }
    let choice = if args.items.is_empty() {
        ItemChoice::All
    } else {
        ItemChoice::Named(args.items.clone())
    };
    let runs: Vec<(HandlerSource, ItemChoice)> = sources(&args.which)?
        .into_iter()
        .map(|(source, _)| (source, choice.clone()))
        .collect();
    let mut host = SyncCenterHost::new().with_timeout(Duration::from_secs_f64(args.timeout));
    if !args.json {
        host = host.with_events(Arc::new(Lines {
            names: Default::default(),
            items: Default::default(),
        }));
    }
    let cancel = host.cancel_handle();
    for item in &args.cancel {
        cancel.cancel_item(item);
    }
    let presses = AtomicUsize::new(0);
    let ctrl_c = cancel.clone();
    ctrlc::set_handler(move || {
        if presses.fetch_add(1, Ordering::SeqCst) == 0 {
            eprintln!("Cancelling every item (Ctrl-C again to quit at once)...");
            ctrl_c.cancel_all();
        } else {
            std::process::exit(exit::QUIT.into());
        }
    })
    .context("cannot install the Ctrl-C handler")?;
    let report = host.sync(runs);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    for handler in &report.handlers {
        if let RunOutcome::Failed { error } = &handler.outcome {
            eprintln!("error: {error}");
        }
    }
    Ok(status(&report))
}

fn print_report(report: &CenterReport) {
    for h in &report.handlers {
        let outcome = match &h.outcome {
            RunOutcome::Completed => "completed".to_owned(),
            RunOutcome::Cancelled => "cancelled".to_owned(),
            RunOutcome::Refused => "refused (its policies prevent starting a sync)".to_owned(),
            RunOutcome::Failed { error } => format!("failed in {}", error.method),
            RunOutcome::TimedOut { waited_ms } => format!("timed out after {waited_ms} ms"),
        };
        println!("{}: {outcome}", h.display_name());
        for item in h.items.iter().filter(|i| i.selected) {
            println!(
                "  {:<24} {:<12} {}",
                item.name,
                item.status.to_string(),
                item.text.as_deref().unwrap_or("")
            );
        }
        if !h.events.is_empty() {
            println!("  events:");
            for event in &h.events {
                println!(
                    "    {:<11} {}: {}{}",
                    event.level.to_string(),
                    event.name,
                    event.description,
                    event
                        .item
                        .as_ref()
                        .map(|i| format!(" [item {i}]"))
                        .unwrap_or_default()
                );
            }
        }
        for problem in &h.problems {
            println!("  problem: {problem}");
        }
        if h.leaked == Some(true) {
            println!("  leak: DllCanUnloadNow returned S_FALSE after the handler was released");
        }
    }
}

/// The exit status of a Sync Center synchronization (same table as `sync`).
fn status(report: &CenterReport) -> u8 {
    let failed = report.handlers.iter().filter_map(|h| match &h.outcome {
        RunOutcome::Failed { error } => Some(error_status(error)),
        _ => None,
    });
    let base = if report.succeeded() {
        exit::SUCCESS
    } else {
        exit::FAILED
    };
    failed.fold(base, u8::max)
}

fn print_conflicts(out: &mut dyn Write, h: &HandlerConflicts) -> std::io::Result<()> {
    let who = display_name(&h.name, &h.clsid);
    if !h.conflict_store {
        return writeln!(out, "{who}: no conflict store");
    }
    let n = h.conflicts.len();
    writeln!(out, "{who}: {n} conflict{}", if n == 1 { "" } else { "s" })?;
    for c in &h.conflicts {
        let item = c
            .item_name
            .as_deref()
            .or(c.item.as_deref())
            .map(|i| format!(" (item {i})"))
            .unwrap_or_default();
        writeln!(out, "  {}{item}", c.id)?;
        if let Some(text) = c.description.as_deref().or(c.name.as_deref()) {
            writeln!(out, "    {text}")?;
        }
        for v in &c.versions {
            let alternate = v
                .alternate_name
                .as_deref()
                .map(|a| format!("; kept as {a} with the other"))
                .unwrap_or_default();
            writeln!(
                out,
                "    {} {:<8} {} ({}{alternate})",
                v.index,
                v.location_short.as_deref().unwrap_or(""),
                v.location_full
                    .as_deref()
                    .or(v.original_name.as_deref())
                    .unwrap_or(""),
                v.kind
            )?;
        }
    }
    Ok(())
}

fn resolve(args: ResolveArgs) -> Result<u8> {
    let which = Which {
        all: false,
        clsid: Some(args.clsid.clone()),
        module: args.module.clone(),
    };
    let keep = match args.keep {
        KeepArg::Source => Keep::Source,
        KeepArg::Destination => Keep::Destination,
        KeepArg::Both => Keep::Both,
    };
    let Some((source, _)) = sources(&which)?.into_iter().next() else {
        bail!("no handler {}", args.clsid);
    };
    let result: std::result::Result<Resolved, CallError> =
        SyncCenterHost::new().resolve(source, &args.conflict_id, keep);
    match result {
        Ok(resolved) => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&resolved)?);
            } else {
                let kept: Vec<String> = resolved.kept.iter().map(u32::to_string).collect();
                println!(
                    "{}: resolved conflict {} keeping {} (version{} {}){}",
                    display_name(&resolved.name, &resolved.clsid),
                    resolved.conflict.id,
                    resolved.keep,
                    if kept.len() == 1 { "" } else { "s" },
                    kept.join(", "),
                    if resolved.still_listed {
                        "; the store still lists it"
                    } else {
                        ""
                    }
                );
            }
            for problem in &resolved.problems {
                eprintln!("warning: {problem}");
            }
            Ok(exit::SUCCESS)
        }
        Err(error) => {
            eprintln!("error: {error}");
            Ok(error_status(&error))
        }
    }
}

fn print_events(out: &mut dyn Write, h: &HandlerEvents) -> std::io::Result<()> {
    let who = display_name(&h.name, &h.clsid);
    if !h.event_store {
        return writeln!(out, "{who}: no event store");
    }
    let n = h.events.len();
    writeln!(out, "{who}: {n} event{}", if n == 1 { "" } else { "s" })?;
    for e in &h.events {
        let item = e
            .item_name
            .as_deref()
            .or(e.item.as_deref())
            .map(|i| format!(" (item {i})"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {} {} {} {}: {}{item}",
            guid_string(&e.id),
            e.time.as_deref().unwrap_or("-"),
            e.level,
            e.name,
            e.description
        )?;
        if let Some(text) = &e.link_text {
            let target = e.link_reference.as_deref().unwrap_or("");
            writeln!(out, "    link: {text} -> {target}")?;
        }
    }
    Ok(())
}
