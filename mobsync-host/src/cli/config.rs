//! `mobsync-host config`: shows or changes the settings stored with a handler's registration.
//! `sync` passes them to the handler's `Initialize` as its cookie when no `--cookie` is given.

use anyhow::{Context, Result, bail};
use mobsync_host::model::parse_guid;
use mobsync_host::store_location;

use super::{exit, settings, store};

/// The arguments.
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// The handler's CLSID, e.g. {632306B6-690C-48C1-AB87-953A6833A855}.
    clsid: String,
    /// Settings to store, each `key=value` (`key=` removes the key); without any, the stored
    /// settings are printed, one `key=value` a line.
    settings: Vec<String>,
    /// Remove every stored setting first.
    #[arg(long)]
    clear: bool,
}

/// Runs the command.
pub fn run(args: ConfigArgs) -> Result<u8> {
    let text = &args.clsid;
    let clsid = parse_guid(text).with_context(|| format!("`{text}` is not a CLSID"))?;
    let store = store::open()?;
    let stored = store::settings(&store, &clsid)?;
    // Clearing works for a handler that is gone too; everything else needs its registration.
    let entry = if args.clear && args.settings.is_empty() {
        None
    } else {
        Some(store::registered(&store, &clsid)?)
    };
    let who = store::display_name(entry.as_ref().and_then(|e| e.name.as_deref()), &clsid);
    let location = store_location(&store);
    if args.settings.is_empty() && !args.clear {
        match stored {
            Some(text) => {
                for (key, value) in settings::parse(&text) {
                    println!("{key}={value}");
                }
            }
            None => eprintln!(
                "No settings are stored for {who} in {location}; store some with \
                 `mobsync-host config {} key=value ...`.",
                args.clsid
            ),
        }
        return Ok(exit::SUCCESS);
    }
    let mut current = if args.clear {
        Vec::new()
    } else {
        stored.as_deref().map(settings::parse).unwrap_or_default()
    };
    for argument in &args.settings {
        if let Err(problem) = settings::apply(&mut current, argument) {
            bail!("{problem}");
        }
    }
    let text = (!current.is_empty()).then(|| settings::format(&current));
    store
        .set_handler_settings(&clsid, text.as_deref())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if current.is_empty() {
        eprintln!("No settings are stored for {who} in {location} now.");
    } else {
        eprintln!(
            "Stored for {who} in {location}; `sync` passes them to Initialize as the cookie \
             when no --cookie is given:"
        );
        for (key, value) in &current {
            println!("{key}={value}");
        }
    }
    Ok(exit::SUCCESS)
}
