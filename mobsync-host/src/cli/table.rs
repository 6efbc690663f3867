//! Plain-text tables for the end of a sync and for `list`.

use mobsync_host::model::{HandlerOutcome, LogLevel, SyncReport, guid_string};

/// Lays out rows in columns separated by two spaces; the first row is the header.
pub fn columns(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows.first().map_or(0, Vec::len))
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |cell| cell.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    out
}

/// The final summary of a sync: one row per selected item, then each handler's outcome, errors,
/// problems and leaks.
pub fn summary(report: &SyncReport) -> String {
    let mut rows = vec![vec![
        "HANDLER".to_string(),
        "ITEM".to_string(),
        "STATUS".to_string(),
        "PROGRESS".to_string(),
        "LAST STATUS TEXT".to_string(),
    ]];
    let mut notes = Vec::new();
    for handler in &report.handlers {
        let name = if handler.name.is_empty() {
            guid_string(&handler.clsid)
        } else {
            handler.name.clone()
        };
        for item in handler.items.iter().filter(|i| i.selected) {
            rows.push(vec![
                name.clone(),
                item.name.clone(),
                item.status.to_string(),
                format!("{}/{}", item.progress, item.max),
                item.status_text.clone().unwrap_or_default(),
            ]);
        }
        match &handler.outcome {
            HandlerOutcome::Completed => {}
            HandlerOutcome::Declined => notes.push(format!(
                "{name}: declined this event (Initialize returned S_FALSE)"
            )),
            HandlerOutcome::Failed {
                phase,
                hresult,
                message,
            } => notes.push(format!("{name}: FAILED in {phase}: {hresult} {message}")),
            HandlerOutcome::TimedOut { phase, waited_ms } => {
                notes.push(format!("{name}: TIMED OUT in {phase} after {waited_ms} ms"))
            }
            HandlerOutcome::Cancelled => notes.push(format!("{name}: cancelled")),
        }
        let errors = handler
            .errors
            .iter()
            .filter(|e| !e.deleted && e.level == LogLevel::Error)
            .count();
        if errors > 0 {
            notes.push(format!("{name}: {errors} error(s) logged"));
        }
        for problem in &handler.problems {
            notes.push(format!("{name}: problem: {problem}"));
        }
        if handler.leaked == Some(true) {
            notes.push(format!(
                "{name}: LEAK: DllCanUnloadNow returned S_FALSE after the last Release"
            ));
        }
    }
    let mut out = columns(&rows);
    for note in notes {
        out.push_str(&note);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_rule_the_header() {
        let rows = vec![
            vec!["A".to_string(), "BB".to_string()],
            vec!["ccc".to_string(), "d".to_string()],
        ];
        assert_eq!(columns(&rows), "A    BB\n---  --\nccc  d\n");
    }

    #[test]
    fn the_summary_shows_the_handlers_code_and_its_problems() {
        use mobsync_host::model::{HandlerReport, Phase};
        use windows_core::GUID;

        let mut handler = HandlerReport::new(GUID::from_u128(1));
        handler.name = "Rogue".into();
        handler.outcome = HandlerOutcome::Failed {
            phase: Phase::Synchronize,
            hresult: "0x8BADF00D".into(),
            message: "SynchronizeCompleted reported a failure: failure".into(),
        };
        handler.problems.push(
            "Initialize returned the undocumented success code 0x00000002 (documented: S_OK, \
             S_FALSE); handled as S_OK"
                .into(),
        );
        let text = summary(&SyncReport {
            handlers: vec![handler],
        });
        assert!(
            text.contains(
                "Rogue: FAILED in Synchronize: 0x8BADF00D SynchronizeCompleted reported a failure"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "Rogue: problem: Initialize returned the undocumented success code 0x00000002"
            ),
            "{text}"
        );
    }
}
