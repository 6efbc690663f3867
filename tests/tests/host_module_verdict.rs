//! `DllCanUnloadNow` is asked once per module, after the last of its handlers in a sync was
//! released; every handler of the module gets that answer in `leaked` (none is left `None`
//! because another run of the module finished last).

#![cfg(unix)]

mod common;

use std::time::Duration;

use common::build::folder_sync_module;
use mobsync_host::model::parse_guid;
use mobsync_host::{HandlerSource, Host, SyncOptions};

#[test]
fn two_runs_of_one_module_both_get_its_leak_verdict() {
    let module = folder_sync_module();
    let tmp = tempfile::tempdir().unwrap();
    let source = tmp.path().join("source");
    std::fs::create_dir_all(source.join("Notes")).unwrap();
    std::fs::write(source.join("Notes/a.txt"), b"a").unwrap();
    let clsid = parse_guid("{632306B6-690C-48C1-AB87-953A6833A855}").unwrap();
    let options = SyncOptions {
        cookie: format!(
            "source={};dest={}",
            source.display(),
            tmp.path().join("dest").display()
        )
        .into_bytes(),
        ..SyncOptions::default().with_timeouts(Duration::from_secs(20))
    };
    let run = || HandlerSource::Module {
        path: module.clone(),
        clsid,
    };
    let report = Host::new(options).sync(vec![run(), run()]);
    assert!(report.succeeded(), "{report:#?}");
    for handler in &report.handlers {
        assert_eq!(handler.leaked, Some(false), "{handler:#?}");
        assert_eq!(
            handler.module.as_deref(),
            Some(module.canonicalize().unwrap().as_path())
        );
    }
}
