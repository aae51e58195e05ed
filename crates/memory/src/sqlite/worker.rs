//! Dedicated threads owning SQLite connections: async callers send them closures and await the answer.
//!
//! SQLite calls block, so they never run on the async runtime. A `Lane` is a
//! queue served by one or more threads, each with its own connection: one
//! writer lane (SQLite allows one writer at a time) and, for a file in WAL
//! mode, a lane of readers that search concurrently with the writer.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError, mpsc};

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::BACKEND;
use crate::MemoryError;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// Opens one connection; called once on each thread of a lane.
pub(super) type Opener = Arc<dyn Fn() -> Result<Connection, MemoryError> + Send + Sync>;

/// A queue of work for the threads of one lane. Dropping the last clone
/// stops the threads once the queued work is done, closing their connections.
#[derive(Debug, Clone)]
pub(super) struct Lane {
    jobs: mpsc::Sender<Job>,
}

impl Lane {
    /// Starts `threads` threads, each owning the connection `open` makes on
    /// it; returns once every connection is open, or with the first error.
    pub(super) async fn start(
        name: &'static str,
        threads: usize,
        open: Opener,
    ) -> Result<Lane, MemoryError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let mut ready = Vec::with_capacity(threads);
        for index in 0..threads.max(1) {
            let (ready_tx, ready_rx) = oneshot::channel();
            let queue = Arc::clone(&queue);
            let open = Arc::clone(&open);
            std::thread::Builder::new()
                .name(format!("{name}-{index}"))
                .spawn(move || serve(&*open, &queue, ready_tx))
                .map_err(|e| MemoryError::Unavailable {
                    backend: BACKEND,
                    reason: format!("cannot start a database thread: {e}"),
                })?;
            ready.push(ready_rx);
        }
        for ready_rx in ready {
            ready_rx.await.map_err(|_| stopped())??;
        }
        Ok(Lane { jobs })
    }

    /// Runs `work` on one of the lane's threads with its connection.
    ///
    /// Work already handed over runs to completion even if the caller stops
    /// waiting, so a write is either fully done or not done at all.
    pub(super) async fn run<T, F>(&self, work: F) -> Result<T, MemoryError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, MemoryError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            // The caller may have gone away; nothing to do then.
            let _ = reply.send(work(conn));
        });
        self.jobs.send(job).map_err(|_| stopped())?;
        answer.await.map_err(|_| MemoryError::Internal {
            backend: BACKEND,
            reason: "a database operation was aborted".into(),
        })?
    }
}

/// The body of a lane thread: open the connection, report, serve jobs until
/// the lane is dropped.
fn serve(
    open: &(dyn Fn() -> Result<Connection, MemoryError> + Send + Sync),
    queue: &Mutex<mpsc::Receiver<Job>>,
    ready: oneshot::Sender<Result<(), MemoryError>>,
) {
    let mut conn = match open() {
        Ok(conn) => conn,
        Err(err) => {
            let _ = ready.send(Err(err));
            return;
        }
    };
    if ready.send(Ok(())).is_err() {
        return;
    }
    loop {
        // Only the wait for the next job holds the lock, never the job.
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else { return };
        // A panicking job drops its reply (its caller gets an error); the
        // thread and its connection keep serving.
        if std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut conn))).is_err() {
            tracing::error!(backend = BACKEND, "a database operation panicked");
        }
    }
}

fn stopped() -> MemoryError {
    MemoryError::Unavailable { backend: BACKEND, reason: "the database thread has stopped".into() }
}
