//! A leak is caught by `DllCanUnloadNow` after the host's last Release. One test in this binary,
//! so the module-wide object count of the in-process runtime (what this module's
//! `DllCanUnloadNow` answers) belongs to it alone.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{Script, source_checked};
use mobsync_host::{Host, SyncOptions};
use mobsync_runtime::hresults::{S_FALSE, S_OK};

#[test]
fn dll_can_unload_now_catches_a_leaked_handler() {
    let options = SyncOptions::default().with_timeouts(Duration::from_secs(20));
    let dll_can_unload_now =
        || Box::new(mobsync_runtime::dll_can_unload_now) as Box<dyn Fn() -> _ + Send>;

    let (clean, probe) = source_checked(Script::default(), Some(dll_can_unload_now()));
    let report = Host::new(options.clone()).sync(vec![clean]);
    assert_eq!(
        report.handlers[0].leaked,
        Some(false),
        "{:#?}",
        report.handlers[0]
    );
    assert_eq!(probe.drops.load(Ordering::SeqCst), 1);
    assert_eq!(
        mobsync_runtime::dll_can_unload_now(),
        S_OK,
        "nothing alive after a clean run"
    );

    let (leaky, probe) = source_checked(
        Script {
            leak_self: true,
            ..Script::default()
        },
        Some(dll_can_unload_now()),
    );
    let report = Host::new(options).sync(vec![leaky]);
    let handler = &report.handlers[0];
    assert_eq!(handler.leaked, Some(true), "{handler:#?}");
    assert!(
        handler
            .problems
            .iter()
            .any(|p| p.contains("DllCanUnloadNow")),
        "{:?}",
        handler.problems
    );
    assert!(
        handler.problems.iter().any(|p| p.contains("reference")),
        "the extra reference is named too"
    );
    assert_eq!(
        mobsync_runtime::dll_can_unload_now(),
        S_FALSE,
        "the leaked handler is still alive"
    );
    assert_eq!(probe.drops.load(Ordering::SeqCst), 0);
}
