//! The interactive view of a sync: one live progress bar per item (indicatif), status text,
//! logged errors and problems printed above the bars. Without a terminal it prints one line per
//! change instead, so logs of scripted runs show the progress too.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use mobsync_host::events::{EventSink, HostEvent};
use mobsync_host::model::{ItemReport, ItemStatus, guid_string};

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
        Arc::new(Self {
            multi: MultiProgress::with_draw_target(target),
            live,
            state: Mutex::new(UiState::default()),
        })
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
            "{spinner:.cyan} {prefix:<32!} [{bar:28.cyan/blue}] {pos:>4}/{len:<4} {wide_msg}",
        )
        .expect("a valid template")
        .progress_chars("=> ")
    }

    fn done_style() -> ProgressStyle {
        ProgressStyle::with_template(
            "  {prefix:<32!} [{bar:28.green/blue}] {pos:>4}/{len:<4} {wide_msg}",
        )
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
                    finished: false,
                });
            if self.live && entry.bar.is_none() {
                let bar = self.multi.add(ProgressBar::new(item.max.max(1) as u64));
                bar.set_style(Self::style());
                bar.set_prefix(format!("{handler_name}: {}", item.name));
                bar.set_message(item.status.to_string());
                bar.enable_steady_tick(Duration::from_millis(120));
                entry.bar = Some(bar);
            }
        }
    }
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
                    if status.is_final() {
                        bar.set_style(Self::done_style());
                        bar.finish_with_message(message);
                    } else {
                        bar.set_message(message);
                    }
                } else {
                    let line = format!("[{handler_name}: {}] {value}/{max} {message}", entry.name);
                    if line != entry.last_line {
                        eprintln!("{line}");
                        entry.last_line = line;
                    }
                }
                entry.finished = status.is_final();
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
            HostEvent::Problem { handler, text } => {
                let name = state.handlers.entry(handler).or_default().name.clone();
                drop(state);
                self.println(&format!("problem [{name}] {text}"));
            }
            HostEvent::HandlerFinished { handler, report } => {
                let view = state.handlers.entry(handler).or_default();
                for item in report.items.iter().filter(|i| i.selected) {
                    if let Some(entry) = view.items.get_mut(&item.id.to_u128()) {
                        if entry.finished {
                            continue;
                        }
                        entry.finished = true;
                        let message = status_message(item.status, item.status_text.as_deref());
                        match &entry.bar {
                            Some(bar) => {
                                bar.set_style(Self::done_style());
                                bar.finish_with_message(message);
                            }
                            None => eprintln!("[{}: {}] {message}", view.name, entry.name),
                        }
                    }
                }
            }
        }
    }
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
