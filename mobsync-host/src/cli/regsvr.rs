//! `mobsync-host regsvr`: `DllRegisterServer` / `DllUnregisterServer`, as regsvr32 does.

use std::path::PathBuf;

use anyhow::Result;
use mobsync_host::hresult::describe;
use mobsync_host::model::hresult_string;
use mobsync_host::{Module, store_location};

use super::{exit, store, ui};

/// The arguments.
#[derive(Debug, clap::Args)]
pub struct RegsvrArgs {
    /// Unregister instead of register.
    #[arg(short = 'u', long)]
    unregister: bool,
    /// The handler library (.so / .dll / .dylib).
    library: PathBuf,
}

/// Runs the command.
pub fn run(args: RegsvrArgs) -> Result<u8> {
    let ui = ui::LiveUi::new();
    ui::install_logger(&ui);
    // The handler's registration code logs its errors inside the handler's module, where the
    // host does not see them, and returns only SELFREG_E_CLASS: so a store that cannot be read
    // is reported here first, by name.
    let store = store::open()?;
    store::handlers(&store)?;
    let module = Module::load(&args.library)?;
    let (name, hr) = if args.unregister {
        ("DllUnregisterServer", module.unregister_server()?)
    } else {
        ("DllRegisterServer", module.register_server()?)
    };
    let location = store_location(&store);
    if hr.is_ok() {
        println!(
            "{name} in {} succeeded (it writes to {location}).",
            args.library.display()
        );
        Ok(exit::SUCCESS)
    } else {
        eprintln!(
            "{name} in {} failed: {} {} ({location})",
            args.library.display(),
            hresult_string(hr),
            describe(hr)
        );
        Ok(exit::FAILED)
    }
}
