//! Where log lines go: stderr, plain text unless it is a terminal. The server batches its lines in
//! memory and writes them every 100 ms from a background thread (warnings and errors at once).

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;
use tracing_subscriber::fmt::MakeWriter;

/// How long a batched line may wait before it is written.
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// A batch this large is written at once by the thread that logs, so memory stays bounded even
/// when stderr blocks.
const MAX_BATCH: usize = 1024 * 1024;

/// Installs the global subscriber (level from `RUST_LOG`, `info` by default). With `batched`, lines
/// are collected and written by a background thread; the returned guard writes what is left when
/// it is dropped.
pub fn init(batched: bool) -> Option<LogGuard> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    match batched.then(BatchedStderr::start).flatten() {
        Some((writer, guard)) => {
            builder.with_writer(writer).init();
            Some(guard)
        }
        None => {
            builder.with_writer(std::io::stderr).init();
            None
        }
    }
}

#[derive(Default)]
struct Shared {
    batch: Mutex<Batch>,
    wake: Condvar,
}

#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    stopping: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Batch> {
        // A thread that panicked while holding the lock left whole lines behind: keep using them.
        self.batch
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Writes what was collected to stderr. Errors are dropped: there is nowhere left to report them.
fn write_out(bytes: &[u8]) {
    if !bytes.is_empty() {
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(bytes);
        let _ = stderr.flush();
    }
}

/// A `MakeWriter` for tracing-subscriber that appends each formatted line to the shared batch.
#[derive(Clone)]
pub struct BatchedStderr {
    shared: Arc<Shared>,
}

impl BatchedStderr {
    /// The writer and the guard that owns the background thread; None when no thread can be
    /// started (lines are then written directly).
    fn start() -> Option<(Self, LogGuard)> {
        let shared = Arc::new(Shared::default());
        let for_thread = shared.clone();
        let thread = std::thread::Builder::new()
            .name("citykg-log".into())
            .spawn(move || flush_loop(&for_thread))
            .ok()?;
        let guard = LogGuard {
            shared: shared.clone(),
            thread: Some(thread),
        };
        Some((Self { shared }, guard))
    }
}

fn flush_loop(shared: &Shared) {
    let mut spare = Vec::new();
    loop {
        let mut batch = shared.lock();
        if !batch.stopping {
            batch = match shared.wake.wait_timeout(batch, FLUSH_EVERY) {
                Ok((batch, _)) => batch,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        let stopping = batch.stopping;
        std::mem::swap(&mut batch.bytes, &mut spare);
        // stderr is taken before the batch is let go: an urgent line logged meanwhile waits for
        // this write, so lines keep their order.
        let mut stderr = std::io::stderr().lock();
        drop(batch);
        if !spare.is_empty() {
            let _ = stderr.write_all(&spare);
            let _ = stderr.flush();
        }
        drop(stderr);
        spare.clear();
        if stopping {
            return;
        }
    }
}

/// One line being written; warnings and errors go out at once, with everything before them.
pub struct Line<'a> {
    shared: &'a Shared,
    urgent: bool,
}

impl Write for Line<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut batch = self.shared.lock();
        batch.bytes.extend_from_slice(buf);
        if self.urgent || batch.bytes.len() >= MAX_BATCH {
            // Written under the lock, so lines keep their order.
            write_out(&batch.bytes);
            batch.bytes.clear();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchedStderr {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        Line {
            shared: &self.shared,
            urgent: false,
        }
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        Line {
            shared: &self.shared,
            urgent: *meta.level() <= tracing::Level::WARN,
        }
    }
}

/// Stops the background thread and writes the lines still waiting.
pub struct LogGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.shared.lock().stopping = true;
        self.shared.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wait_in_the_batch_until_an_urgent_one_comes() {
        let shared = Shared::default();
        let line = |urgent| Line {
            shared: &shared,
            urgent,
        };
        line(false).write_all(b"first\n").unwrap();
        line(false).write_all(b"second\n").unwrap();
        assert_eq!(shared.lock().bytes, b"first\nsecond\n");
        line(true).write_all(b"warning\n").unwrap();
        assert!(shared.lock().bytes.is_empty());
    }

    #[test]
    fn the_guard_writes_what_is_left() {
        let (writer, guard) = BatchedStderr::start().expect("a thread");
        writer.make_writer().write_all(b"last\n").unwrap();
        drop(guard);
        assert!(writer.shared.lock().bytes.is_empty());
    }
}
