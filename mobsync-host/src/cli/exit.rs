//! The exit statuses of `mobsync-host`: one table, which `--help` prints and the README copies
//! (a test compares the two).

use mobsync_host::LoadError;
use mobsync_host::model::{HandlerOutcome, Phase, SyncReport, hresult_string};
use mobsync_host::trust::{TRUST_E_SUBJECT_NOT_TRUSTED, Untrusted};

/// Everything succeeded.
pub const SUCCESS: u8 = 0;
/// The command ran and something in it failed.
pub const FAILED: u8 = 1;
/// Usage or setup error.
pub const SETUP: u8 = 2;
/// A file another user could write was refused.
pub const UNTRUSTED: u8 = 3;
/// A second Ctrl-C.
pub const QUIT: u8 = 130;

/// Every exit status and what it means; when several apply, the highest of 0, 1, 2 and 3 wins.
pub const TABLE: [(u8, &str); 5] = [
    (
        SUCCESS,
        "success: every selected item succeeded (a handler that declines the event, Initialize \
         returning S_FALSE, counts as success and is reported on stderr); regsvr, list and \
         config did what they were asked",
    ),
    (
        FAILED,
        "the sync ran but not everything succeeded: an item failed or was skipped (--cancel, \
         Ctrl-C), or a handler failed, timed out or was cancelled; regsvr: DllRegisterServer or \
         DllUnregisterServer returned a failure code",
    ),
    (
        SETUP,
        "usage or setup error: bad arguments; the registration store cannot be read (the \
         message names it); the CLSID is not registered; no registered handler takes part in \
         the event; a handler's library cannot be loaded, lacks an export or does not serve the \
         class (with --all, also when other handlers ran)",
    ),
    (
        UNTRUSTED,
        "refused: the registration store or a handler's library could be replaced by another \
         user: it, or a directory above it, is group- or world-writable (a directory with the \
         sticky bit, like /tmp, excepted) or owned by a user other than root and you; or a \
         registered library path is relative or now resolves elsewhere. The message names the \
         path, the cause and the fix (with --all, also when other handlers ran)",
    ),
    (
        QUIT,
        "a second Ctrl-C quit at once, without a report (the first one cancels through the \
         protocol and leads to 1)",
    ),
];

/// The table for `--help`, wrapped at 80 columns under a hanging indent.
pub fn help() -> String {
    const INDENT: usize = 7;
    const WIDTH: usize = 80;
    let mut text = String::from("Exit status:\n");
    for (code, meaning) in TABLE {
        let mut line = format!("  {code:>3} ");
        for word in meaning.split(' ') {
            if line.chars().count() + 1 + word.chars().count() > WIDTH {
                text.push_str(&line);
                text.push('\n');
                line = " ".repeat(INDENT - 1);
            }
            line.push(' ');
            line.push_str(word);
        }
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// The exit status of a command that failed with `error`.
pub fn of_error(error: &anyhow::Error) -> u8 {
    let refused = error.downcast_ref::<Untrusted>().is_some()
        || error
            .downcast_ref::<LoadError>()
            .is_some_and(|e| e.hr == TRUST_E_SUBJECT_NOT_TRUSTED);
    if refused { UNTRUSTED } else { SETUP }
}

/// The exit status of a finished sync.
pub fn of_sync(report: &SyncReport) -> u8 {
    let not_loaded = |refused: bool| {
        report.handlers.iter().any(|h| match &h.outcome {
            HandlerOutcome::Failed {
                phase: Phase::Load,
                hresult,
                ..
            } => (*hresult == hresult_string(TRUST_E_SUBJECT_NOT_TRUSTED)) == refused,
            _ => false,
        })
    };
    if not_loaded(true) {
        UNTRUSTED
    } else if not_loaded(false) {
        SETUP
    } else if report.succeeded() {
        SUCCESS
    } else {
        FAILED
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mobsync_host::model::{HandlerReport, ItemReport, ItemStatus};
    use windows_core::GUID;

    #[test]
    fn a_handler_that_could_not_be_loaded_is_a_setup_error() {
        let mut ok = HandlerReport::new(GUID::from_u128(1));
        let mut item = ItemReport::new(GUID::from_u128(2), "a".into(), 0, true);
        item.selected = true;
        item.status = ItemStatus::Succeeded;
        ok.items.push(item);
        let mut report = SyncReport {
            handlers: vec![ok.clone()],
        };
        assert_eq!(of_sync(&report), SUCCESS);
        report.handlers[0].items[0].status = ItemStatus::Skipped;
        assert_eq!(of_sync(&report), FAILED);
        let mut missing = HandlerReport::new(GUID::from_u128(3));
        missing.outcome = HandlerOutcome::Failed {
            phase: Phase::Load,
            hresult: "0x800401F9".into(),
            message: "cannot load".into(),
        };
        report.handlers.push(missing);
        assert_eq!(of_sync(&report), SETUP);
        let mut refused = HandlerReport::new(GUID::from_u128(4));
        refused.outcome = HandlerOutcome::Failed {
            phase: Phase::Load,
            hresult: "0x800B0004".into(),
            message: "refusing the handler library /x.so".into(),
        };
        report.handlers.push(refused);
        assert_eq!(of_sync(&report), UNTRUSTED, "the highest status wins");
        let load_error = LoadError {
            hr: TRUST_E_SUBJECT_NOT_TRUSTED,
            message: "refusing".into(),
        };
        assert_eq!(of_error(&load_error.into()), UNTRUSTED);
        assert_eq!(of_error(&anyhow::anyhow!("bad arguments")), SETUP);
        assert!(help().contains("\n  130  a second Ctrl-C"), "{}", help());
        assert!(
            help().lines().all(|l| l.chars().count() <= 80),
            "{}",
            help()
        );
    }
}
