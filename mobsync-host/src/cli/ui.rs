//! The interactive view of a sync: one live progress bar per item (indicatif), status text,
//! logged errors and problems printed above the bars. Without a terminal it prints one line per
//! change instead, so logs of scripted runs show the progress too.
//!
//! When a handler finishes, each of its bars (or a last line) is set from the handler's report —
//! the same values as the final table, also for items a cancel cut short — and stops; at the end
//! [`LiveUi::finish`] stops whatever is left, so no spinner outlives the sync.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use mobsync_host::events::{EventSink, HostEvent};
use mobsync_host::model::{ItemReport, ItemStatus, SyncReport, guid_string};

/// Live progress display; an [`EventSink`].
pub struct LiveUi {
    multi: MultiProgress,
    live: bool,
    state: Mutex<UiState>,
}

#[derive(Default)]
struct UiState {
    handlers: HashMap<usize, HandlerView>,
}

#[derive(Default)]
struct HandlerView {
    name: String,
    items: HashMap<u128, ItemView>,
}

struct ItemView {
    name: String,
    bar: Option<ProgressBar>,
    last_line: String,
    /// The bar shows a final status (no spinner).
    done: bool,
    /// The handler finished: nothing changes the bar any more.
    finished: bool,
}

impl LiveUi {
    /// A display on stderr: bars when stderr is a terminal, lines otherwise.
    pub fn new() -> Arc<Self> {
        let live = std::io::stderr().is_terminal();
        let target = if live {
            ProgressDrawTarget::stderr_with_hz(15)
        } else {
            ProgressDrawTarget::hidden()
        };
        Self::with_target(target, live)
    }

    /// A display drawing to `target`, with bars (`live`) or lines.
    fn with_target(target: ProgressDrawTarget, live: bool) -> Arc<Self> {
        Arc::new(Self {
            multi: MultiProgress::with_draw_target(target),
            live,
            state: Mutex::new(UiState::default()),
        })
    }

    /// Stops every bar still running, with the values of `report` where it has the item (a bar
    /// it lacks is removed), so that no line keeps spinning after the sync.
    pub fn finish(&self, report: &SyncReport) {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        for (index, view) in &state.handlers {
            let handler = report.handlers.get(*index);
            for (id, entry) in &view.items {
                let Some(bar) = &entry.bar else { continue };
                if bar.is_finished() {
                    continue;
                }
                let item = handler
                    .and_then(|h| h.items.iter().find(|i| i.id.to_u128() == *id && i.selected));
                match item {
                    Some(item) => settle(bar, item),
                    None => {
                        bar.finish_and_clear();
                        self.multi.remove(bar);
                    }
                }
            }
        }
    }

    /// Prints a line above the bars (or plainly).
    pub fn println(&self, line: &str) {
        if self.live {
            let _ = self.multi.println(line);
        } else {
            eprintln!("{line}");
        }
    }

    fn style() -> ProgressStyle {
        ProgressStyle::with_template(
            "{spinner:.cyan} {prefix:<32!} [{bar:28.cyan/blue}] {wide_msg}",
        )
        .expect("a valid template")
        .progress_chars("=> ")
    }

    fn done_style() -> ProgressStyle {
        ProgressStyle::with_template("  {prefix:<32!} [{bar:28.green/blue}] {wide_msg}")
            .expect("a valid template")
            .progress_chars("== ")
    }

    fn add_items(&self, state: &mut UiState, handler: usize, items: &[ItemReport]) {
        let view = state.handlers.entry(handler).or_default();
        let handler_name = view.name.clone();
        for item in items.iter().filter(|i| i.selected) {
            let entry = view
                .items
                .entry(item.id.to_u128())
                .or_insert_with(|| ItemView {
                    name: item.name.clone(),
                    bar: None,
                    last_line: String::new(),
                    done: false,
                    finished: false,
                });
            if self.live && entry.bar.is_none() {
                let bar = self.multi.add(ProgressBar::new(item.max.max(1) as u64));
                bar.set_style(Self::style());
                bar.set_prefix(format!("{handler_name}: {}", item.name));
                bar.set_message(bar_message(
                    item.progress,
                    item.max,
                    &item.status.to_string(),
                ));
                bar.enable_steady_tick(Duration::from_millis(120));
                entry.bar = Some(bar);
            }
        }
    }
}

/// Stops `bar` showing exactly what the report (and the final table) says about `item`.
/// `abandon`, unlike `finish`, leaves the position where it is: a cancelled 1/3 stays 1/3.
fn settle(bar: &ProgressBar, item: &ItemReport) {
    bar.set_length(item.max.max(1) as u64);
    bar.set_position(item.progress.clamp(0, item.max.max(0)) as u64);
    bar.set_style(LiveUi::done_style());
    let message = status_message(item.status, item.status_text.as_deref());
    bar.abandon_with_message(bar_message(item.progress, item.max, &message));
}

/// The line printed without a terminal: the same figures as a bar.
fn progress_line(handler: &str, item: &str, value: i32, max: i32, message: &str) -> String {
    format!("[{handler}: {item}] {value}/{max} {message}")
}

/// A bar's text: the handler's own figures (a bar needs a length of at least 1 to draw, so its
/// length cannot show a maximum of 0), then the status.
fn bar_message(value: i32, max: i32, message: &str) -> String {
    format!("{value:>4}/{max:<4} {message}")
}

fn status_message(status: ItemStatus, text: Option<&str>) -> String {
    match text {
        Some(text) if !text.is_empty() => format!("{status}: {text}"),
        _ => status.to_string(),
    }
}

impl EventSink for LiveUi {
    fn event(&self, event: HostEvent) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match event {
            HostEvent::HandlerStarted { handler, clsid } => {
                state.handlers.entry(handler).or_default().name = guid_string(&clsid);
            }
            HostEvent::HandlerInfo { handler, name } => {
                let view = state.handlers.entry(handler).or_default();
                view.name = name.clone();
                for item in view.items.values() {
                    if let Some(bar) = &item.bar {
                        bar.set_prefix(format!("{name}: {}", item.name));
                    }
                }
            }
            HostEvent::PhaseChanged { .. } => {}
            HostEvent::ItemsEnumerated { handler, items } => {
                self.add_items(&mut state, handler, &items)
            }
            HostEvent::ItemProgress {
                handler,
                item,
                status,
                text,
                value,
                max,
            } => {
                let view = state.handlers.entry(handler).or_default();
                let handler_name = view.name.clone();
                let Some(entry) = view.items.get_mut(&item.to_u128()) else {
                    return;
                };
                if entry.finished {
                    return;
                }
                let message = status_message(status, text.as_deref());
                if let Some(bar) = &entry.bar {
                    if max > 0 {
                        bar.set_length(max as u64);
                    }
                    bar.set_position(value.clamp(0, max.max(0)) as u64);
                    bar.set_message(bar_message(value, max, &message));
                    // A final status stops the spinner; the bar stops for good (with the
                    // report's values) when the handler finishes, since a retry may resume it.
                    if status.is_final() != entry.done {
                        entry.done = status.is_final();
                        if entry.done {
                            bar.set_style(Self::done_style());
                            bar.disable_steady_tick();
                        } else {
                            bar.set_style(Self::style());
                            bar.enable_steady_tick(Duration::from_millis(120));
                        }
                    }
                } else {
                    let line = progress_line(&handler_name, &entry.name, value, max, &message);
                    if line != entry.last_line {
                        eprintln!("{line}");
                        entry.last_line = line;
                    }
                }
            }
            HostEvent::ErrorLogged { handler, error } => {
                let view = state.handlers.entry(handler).or_default();
                let item = error
                    .item
                    .and_then(|id| view.items.get(&id.to_u128()))
                    .map(|i| format!("{}: ", i.name))
                    .unwrap_or_default();
                let line = format!("{} [{}] {item}{}", error.level, view.name, error.text);
                drop(state);
                self.println(&line);
            }
            HostEvent::HandlerLog {
                handler,
                level,
                text,
            } => {
                let name = state.handlers.entry(handler).or_default().name.clone();
                drop(state);
                self.println(&format!("{level} [{name}] {text}"));
            }
            HostEvent::Problem { handler, text } => {
                let name = state.handlers.entry(handler).or_default().name.clone();
                drop(state);
                self.println(&format!("problem [{name}] {text}"));
            }
            HostEvent::HandlerFinished { handler, report } => {
                let view = state.handlers.entry(handler).or_default();
                if !report.name.is_empty() {
                    view.name = report.name.clone();
                }
                let handler_name = view.name.clone();
                for item in report.items.iter().filter(|i| i.selected) {
                    if let Some(entry) = view.items.get_mut(&item.id.to_u128()) {
                        if entry.finished {
                            continue;
                        }
                        entry.finished = true;
                        match &entry.bar {
                            Some(bar) => settle(bar, item),
                            None => {
                                let message =
                                    status_message(item.status, item.status_text.as_deref());
                                let line = progress_line(
                                    &handler_name,
                                    &entry.name,
                                    item.progress,
                                    item.max,
                                    &message,
                                );
                                if line != entry.last_line {
                                    eprintln!("{line}");
                                    entry.last_line = line;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The log level: `MOBSYNC_LOG` (`error`, `warn`, `info`, `debug`, `trace`), `warn` by default.
pub fn log_level() -> log::LevelFilter {
    std::env::var("MOBSYNC_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(log::LevelFilter::Warn)
}

/// Sends the `log` facade's records (the host's, and handler modules' records no run takes)
/// plainly to stderr: for the commands without a live display.
pub fn install_plain_logger() {
    install_logger(&LiveUi::with_target(ProgressDrawTarget::hidden(), false));
}

/// Sends the `log` facade's records through `ui`, and asks handler modules loaded from now on
/// for their records at the same level.
pub fn install_logger(ui: &Arc<LiveUi>) {
    let level = log_level();
    mobsync_host::module_log::set_handler_log_level(level);
    let _ = log::set_logger(Box::leak(Box::new(UiLogger {
        ui: Arc::clone(ui),
        level,
    })));
    log::set_max_level(level);
}

/// A `log` logger that prints through the live display (so bars are not torn) or to stderr.
pub struct UiLogger {
    pub ui: Arc<LiveUi>,
    pub level: log::LevelFilter,
}

impl log::Log for UiLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= self.level
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            self.ui.println(&format!(
                "{}: {}",
                record.level().as_str().to_lowercase(),
                record.args()
            ));
        }
    }

    fn flush(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use mobsync_host::model::{HandlerOutcome, HandlerReport};
    use windows_core::GUID;

    fn item(n: u128, progress: i32, max: i32, status: ItemStatus) -> ItemReport {
        let mut item = ItemReport::new(GUID::from_u128(n), format!("item {n}"), 0, true);
        item.selected = true;
        item.progress = progress;
        item.max = max;
        item.status = status;
        item
    }

    /// The bars' (position, length, finished, text) by item name.
    fn bars(ui: &LiveUi) -> Vec<(String, u64, u64, bool, String)> {
        let state = ui.state.lock().unwrap();
        let mut bars: Vec<_> = state
            .handlers
            .values()
            .flat_map(|h| h.items.values())
            .filter_map(|i| {
                let bar = i.bar.as_ref()?;
                Some((
                    i.name.clone(),
                    bar.position(),
                    bar.length().unwrap_or(0),
                    bar.is_finished(),
                    bar.message(),
                ))
            })
            .collect();
        bars.sort();
        bars
    }

    #[test]
    fn after_a_cancel_the_bars_show_what_the_table_shows_and_none_spins() {
        let ui = LiveUi::with_target(ProgressDrawTarget::hidden(), true);
        let items = vec![
            item(1, 0, 0, ItemStatus::Pending),
            item(2, 0, 0, ItemStatus::Pending),
        ];
        ui.event(HostEvent::ItemsEnumerated {
            handler: 0,
            items: items.clone(),
        });
        // Item 1 had done 1 of 3 files, then said "succeeded" for a moment, the cancel came.
        for (value, status) in [(1, ItemStatus::Updating), (3, ItemStatus::Succeeded)] {
            ui.event(HostEvent::ItemProgress {
                handler: 0,
                item: GUID::from_u128(1),
                status,
                text: None,
                value,
                max: 3,
            });
        }
        let mut report = HandlerReport::new(GUID::from_u128(9));
        report.outcome = HandlerOutcome::Cancelled;
        report.items = vec![
            item(1, 1, 3, ItemStatus::Skipped),
            item(2, 0, 0, ItemStatus::Skipped),
        ];
        ui.event(HostEvent::HandlerFinished {
            handler: 0,
            report: Box::new(report.clone()),
        });
        assert_eq!(
            bars(&ui),
            vec![
                (
                    "item 1".to_string(),
                    1,
                    3,
                    true,
                    "   1/3    skipped".to_string()
                ),
                (
                    "item 2".to_string(),
                    0,
                    1,
                    true,
                    "   0/0    skipped".to_string()
                ),
            ]
        );

        // A bar the report never finished (its handler's end was not seen) stops at the end.
        let other = LiveUi::with_target(ProgressDrawTarget::hidden(), true);
        other.event(HostEvent::ItemsEnumerated { handler: 0, items });
        other.finish(&SyncReport {
            handlers: vec![report],
        });
        assert!(bars(&other).iter().all(|b| b.3), "{:?}", bars(&other));
        assert_eq!(bars(&other)[0].1, 1);
    }
}
