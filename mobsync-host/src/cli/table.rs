//! Plain-text tables for the end of a sync and for `list`.

use mobsync_host::model::{HandlerOutcome, LogLevel, SyncReport, guid_string};

/// How a cell too wide for its column is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trim {
    /// Keep the start, end with `…` (names, text).
    End,
    /// Keep the end, start with `…` (paths: the file name matters most).
    Start,
}

/// The narrowest a trimmed column gets.
const MIN_TRIMMED: usize = 8;

/// The width to fit tables into: `$COLUMNS` when it is set to a number, else 80.
pub fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c >= 40)
        .unwrap_or(80)
}

/// Lays out rows in columns separated by two spaces, the first row being the header, in no
/// more than `width` characters a line: the widest of the columns that have a
/// [`Trim`] in `trims` (indexed by column) are narrowed, and their cells cut with `…`.
pub fn fit(rows: &[Vec<String>], width: usize, trims: &[Option<Trim>]) -> String {
    let count = rows.first().map_or(0, Vec::len);
    let mut widths: Vec<usize> = (0..count)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |cell| cell.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let total =
        |widths: &[usize]| widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
    while total(&widths) > width {
        let trim = |c: usize| trims.get(c).copied().flatten().is_some();
        let Some(widest) = (0..count)
            .filter(|&c| trim(c) && widths[c] > MIN_TRIMMED)
            .max_by_key(|&c| widths[c])
        else {
            break;
        };
        let excess = total(&widths) - width;
        widths[widest] -= excess.min(widths[widest] - MIN_TRIMMED);
    }
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, w))| {
                let cell = cut(cell, *w, trims.get(c).copied().flatten());
                format!("{cell:<w$}")
            })
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

/// `text` cut to `width` characters with `…` where `trim` says (not at all without a trim).
pub fn cut(text: &str, width: usize, trim: Option<Trim>) -> String {
    let length = text.chars().count();
    if length <= width || width == 0 {
        return text.to_owned();
    }
    match trim {
        None => text.to_owned(),
        Some(Trim::End) => {
            let kept: String = text.chars().take(width - 1).collect();
            format!("{kept}…")
        }
        Some(Trim::Start) => {
            let kept: String = text.chars().skip(length - (width - 1)).collect();
            format!("…{kept}")
        }
    }
}

/// The final summary of a sync, fitted to `width`: one row per selected item (and one per
/// handler that declined), then each handler's outcome, errors, problems and leaks, then the
/// counts of [`SyncReport::summary`].
pub fn summary(report: &SyncReport, width: usize) -> String {
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
            HandlerOutcome::Declined => rows.push(vec![
                name.clone(),
                "-".into(),
                "declined".into(),
                "-".into(),
                "Initialize returned S_FALSE".into(),
            ]),
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
                "{name}: LEAK: its module's DllCanUnloadNow returned S_FALSE after the last Release"
            ));
        }
    }
    let trims = [
        Some(Trim::End),
        Some(Trim::End),
        None,
        None,
        Some(Trim::End),
    ];
    // Without a single row, no header either.
    let mut out = if rows.len() > 1 {
        fit(&rows, width, &trims)
    } else {
        String::new()
    };
    for note in notes {
        out.push_str(&note);
        out.push('\n');
    }
    out.push_str(&counts(report));
    out.push('\n');
    out
}

/// One line of counts: items by status, handlers by outcome.
pub fn counts(report: &SyncReport) -> String {
    let s = report.summary();
    let mut items = vec![
        format!("{} succeeded", s.items.succeeded),
        format!("{} failed", s.items.failed),
        format!("{} skipped", s.items.skipped),
    ];
    if s.items.other > 0 {
        items.push(format!("{} other", s.items.other));
    }
    let h = s.handlers;
    let mut handlers = Vec::new();
    for (count, what) in [
        (h.completed, "completed"),
        (h.declined, "declined"),
        (h.failed, "failed"),
        (h.timed_out, "timed out"),
        (h.cancelled, "cancelled"),
    ] {
        if count > 0 {
            handlers.push(format!("{count} {what}"));
        }
    }
    format!(
        "Items: {} selected, {}. Handlers: {} ({}).",
        s.items.selected,
        items.join(", "),
        h.total,
        handlers.join(", ")
    )
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
        assert_eq!(fit(&rows, 80, &[]), "A    BB\n---  --\nccc  d\n");
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
        let text = summary(
            &SyncReport {
                handlers: vec![handler],
            },
            80,
        );
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
        assert!(
            text.ends_with(
                "Items: 0 selected, 0 succeeded, 0 failed, 0 skipped. Handlers: 1 (1 failed).\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn fitted_tables_cut_the_widest_trimmed_column() {
        let rows = vec![
            vec!["NAME".to_string(), "PATH".to_string()],
            vec![
                "a".repeat(30),
                format!("/very/long/{}/lib.so", "x".repeat(60)),
            ],
        ];
        let text = fit(&rows, 40, &[Some(Trim::End), Some(Trim::Start)]);
        for line in text.lines() {
            assert!(line.chars().count() <= 40, "{line:?}");
        }
        assert!(text.contains("…/lib.so"), "{text}");
        let text = fit(&rows, 30, &[Some(Trim::End), Some(Trim::Start)]);
        assert!(text.lines().all(|l| l.chars().count() <= 30), "{text}");
        assert!(text.contains(&format!("{}…", "a".repeat(19))), "{text}");
        assert_eq!(cut("abcdef", 4, Some(Trim::End)), "abc…");
        assert_eq!(cut("abcdef", 4, Some(Trim::Start)), "…def");
        assert_eq!(cut("abcdef", 4, None), "abcdef");
    }
}
