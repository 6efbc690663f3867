//! `mobsync-host list`: the registered handlers, as a table that fits the terminal or as JSON.

use anyhow::Result;
use mobsync_host::model::guid_string;
use mobsync_host::registry::HandlerEntry;
use mobsync_runtime::sys::{
    SYNCMGRREGISTERFLAG_CONNECT, SYNCMGRREGISTERFLAG_IDLE, SYNCMGRREGISTERFLAG_PENDINGDISCONNECT,
};

use super::table::{self, Trim};
use super::{exit, store};

/// The arguments.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Print JSON (every value in full) instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub fn run(args: ListArgs) -> Result<u8> {
    let store = store::open()?;
    let handlers = store::handlers(&store)?;
    let mut settings = Vec::with_capacity(handlers.len());
    for h in &handlers {
        settings.push(store::settings(&store, &h.clsid)?);
    }
    if args.json {
        let rows: Vec<serde_json::Value> = handlers
            .iter()
            .zip(&settings)
            .map(|(h, settings)| {
                serde_json::json!({
                    "clsid": guid_string(&h.clsid),
                    "name": h.name,
                    "module": h.module_path,
                    "threading_model": h.threading_model.map(|t| t.as_str()),
                    "sync_manager": h.sync_mgr.as_ref().map(|s| serde_json::json!({
                        "description": s.description, "flags": s.flags })),
                    "settings": settings,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(exit::SUCCESS);
    }
    if handlers.is_empty() {
        println!(
            "No handlers are registered in {}.",
            mobsync_host::store_location(&store)
        );
        return Ok(exit::SUCCESS);
    }
    print!("{}", render(&handlers, &settings, table::terminal_width()));
    Ok(exit::SUCCESS)
}

/// The table: one line per handler, then its module and settings on lines of their own, every
/// line at most `width` characters (long values are cut with `…`; `--json` has them whole).
fn render(handlers: &[HandlerEntry], settings: &[Option<String>], width: usize) -> String {
    let mut rows = vec![vec![
        "CLSID".to_string(),
        "NAME".to_string(),
        "SYNC MANAGER".to_string(),
        "THREADING".to_string(),
    ]];
    for h in handlers {
        rows.push(vec![
            guid_string(&h.clsid),
            h.name.clone().unwrap_or_else(|| "-".into()),
            h.sync_mgr
                .as_ref()
                .map_or("-".to_string(), |s| sync_manager(&s.description, s.flags)),
            h.threading_model
                .map_or("-".to_string(), |t| t.as_str().to_string()),
        ]);
    }
    let trims = [None, Some(Trim::End), Some(Trim::End), None];
    let text = table::fit(&rows, width, &trims);
    let mut lines = text.lines();
    let mut out = String::new();
    // The header and its rule, then each handler's line followed by its own lines.
    for line in lines.by_ref().take(2) {
        out.push_str(line);
        out.push('\n');
    }
    for ((h, settings), line) in handlers.iter().zip(settings).zip(lines) {
        out.push_str(line);
        out.push('\n');
        let module = h
            .module_path
            .as_ref()
            .map_or("-".to_string(), |p| p.display().to_string());
        for (label, value, trim) in [
            ("module", Some(module), Trim::Start),
            ("settings", settings.clone(), Trim::End),
        ] {
            if let Some(value) = value {
                let prefix = format!("    {label}: ");
                let room = width.saturating_sub(prefix.chars().count());
                out.push_str(&prefix);
                out.push_str(&table::cut(&value, room, Some(trim)));
                out.push('\n');
            }
        }
    }
    out
}

/// The Sync Manager registration: its description, and the events it asked for beyond the
/// manual, invoked and scheduled syncs every handler takes part in.
fn sync_manager(description: &str, flags: u32) -> String {
    let mut events = Vec::new();
    for (flag, name) in [
        (SYNCMGRREGISTERFLAG_CONNECT, "connect"),
        (SYNCMGRREGISTERFLAG_PENDINGDISCONNECT, "pending-disconnect"),
        (SYNCMGRREGISTERFLAG_IDLE, "idle"),
    ] {
        if flags & flag.0 as u32 != 0 {
            events.push(name);
        }
    }
    let description = if description.is_empty() {
        "yes"
    } else {
        description
    };
    if events.is_empty() {
        description.to_owned()
    } else {
        format!("{description} (+{})", events.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mobsync_host::registry::{SyncMgrEntry, ThreadingModel};
    use windows_core::GUID;

    #[test]
    fn the_list_fits_80_columns() {
        let entry = HandlerEntry {
            clsid: GUID::from_u128(0x632306b6_690c_48c1_ab87_953a6833a855),
            name: Some("A handler with a rather long name indeed".into()),
            module_path: Some(
                format!(
                    "/home/someone/{}/target/debug/libfolder_sync.so",
                    "x".repeat(80)
                )
                .into(),
            ),
            threading_model: Some(ThreadingModel::Both),
            sync_mgr: Some(SyncMgrEntry {
                description: "Folder Sync".into(),
                flags: 4,
            }),
        };
        let text = render(
            &[entry.clone(), entry],
            &[Some(format!("source={};dest=/b", "y".repeat(100))), None],
            80,
        );
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "{} columns: {line}", line.len());
        }
        assert_eq!(text.matches("CLSID").count(), 1, "{text}");
        assert_eq!(text.matches("    module: …").count(), 2, "{text}");
        assert!(text.contains("libfolder_sync.so\n"), "{text}");
        assert!(text.contains("Folder Sync (+idle)"), "{text}");
        assert!(text.contains("    settings: source=yyy"), "{text}");
    }
}
