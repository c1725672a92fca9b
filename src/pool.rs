//! `Pool`: Python's `ThreadPoolExecutor` and `multiprocessing.Pool`, over any flavour.
//!
//! A pool starts `n` worker units and feeds them jobs from one shared queue. On [`Threads`]
//! that is `n` OS threads, each running one job at a time; on the tokio flavours it is `n`
//! tasks, so at most `n` jobs make progress at once however many are submitted. The code is the
//! same: a pool is written once, generic over the flavour.
//!
//! A job that panics does not take its worker down: the panic is caught and reported to whoever
//! joins that job, and the worker moves on to the next one. A job can be cancelled
//! ([`PoolTask::cancel`]): a queued job never runs, a running one is dropped at its current
//! wait, like a cancelled unit, and either way its `join` reports [`JoinError::Cancelled`].
//!
//! [`Threads`]: crate::Threads

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};

use futures::FutureExt;
use futures::channel::oneshot;
use futures::future::{AbortHandle, Abortable, Aborted};

use crate::error::{Cancelled, JoinError, Panicked, SpawnError};
use crate::flavor::{Flavor, JoinHandle};

type BoxedJob = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Why a [`Pool`] could not be made.
///
/// ```
/// use twinsync::{Flavor, Threads, pool::{Pool, PoolError}};
/// Threads::new()
///     .run(|f| async move {
///         let err = Pool::new(&f, 0).unwrap_err();
///         assert!(matches!(err, PoolError::NoWorkers));
///         assert_eq!(err.to_string(), "a pool needs at least one worker");
///     })
///     .unwrap();
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum PoolError {
    /// Zero workers were asked for (Python's `ValueError`).
    NoWorkers,
    /// A worker unit could not be started.
    Spawn(SpawnError),
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::NoWorkers => f.write_str("a pool needs at least one worker"),
            PoolError::Spawn(err) => write!(f, "could not start a pool worker: {err}"),
        }
    }
}

impl std::error::Error for PoolError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PoolError::NoWorkers => None,
            PoolError::Spawn(err) => Some(err),
        }
    }
}

/// The pool was closed: no more jobs are accepted. The job comes back inside.
///
/// ```
/// use twinsync::{Flavor, Threads, pool::Pool};
///
/// async fn late<F: Flavor>(f: F) -> bool {
///     let pool = Pool::new(&f, 1).unwrap();
///     pool.close();
///     let refused = pool.submit(async { 1 }).is_err();
///     pool.join().await;
///     refused
/// }
/// assert!(Threads::new().run(late).unwrap());
/// ```
pub struct PoolClosed<J>(pub J);

impl<J> fmt::Debug for PoolClosed<J> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PoolClosed(..)")
    }
}

impl<J> fmt::Display for PoolClosed<J> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the pool is closed")
    }
}

impl<J> std::error::Error for PoolClosed<J> {}

/// A pool of `n` worker units of flavour `F`; see the [module docs](self).
///
/// ```
/// use twinsync::{Flavor, Threads, pool::Pool};
///
/// async fn squares<F: Flavor>(f: F) -> Vec<u64> {
///     let pool = Pool::new(&f, 2).unwrap();
///     let results = pool.map((1..=4u64).map(|n| async move { n * n })).await;
///     pool.close();
///     pool.join().await;
///     results.into_iter().map(Result::unwrap).collect()
/// }
/// assert_eq!(Threads::new().run(squares).unwrap(), [1, 4, 9, 16]);
/// ```
pub struct Pool<F: Flavor> {
    jobs: async_channel::Sender<BoxedJob>,
    workers: Vec<F::JoinHandle<()>>,
}

/// A job submitted to a [`Pool`] (a `concurrent.futures.Future`): joining it gives the job's
/// output, or why there is none; it can be cancelled.
pub struct PoolTask<T> {
    result: oneshot::Receiver<Result<T, JoinError>>,
    abort: AbortHandle,
    finished: Arc<AtomicBool>,
}

impl<F: Flavor> Pool<F> {
    /// Starts `workers` worker units, named `pool-worker-1`, `pool-worker-2`, …; or says why
    /// not: [`PoolError::NoWorkers`] for 0 (Python's `ValueError`), or the [`SpawnError`] of a
    /// worker the flavour could not start (the workers already started then end).
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads, pool::{Pool, PoolError}};
    /// async fn four<F: Flavor>(f: F) -> usize {
    ///     assert!(matches!(Pool::new(&f, 0), Err(PoolError::NoWorkers)));
    ///     let pool = Pool::new(&f, 4).unwrap();
    ///     let n = pool.workers();
    ///     pool.join().await;
    ///     n
    /// }
    /// assert_eq!(Threads::new().run(four).unwrap(), 4);
    /// ```
    pub fn new(flavor: &F, workers: usize) -> Result<Self, PoolError> {
        if workers == 0 {
            return Err(PoolError::NoWorkers);
        }
        let (jobs, queue) = async_channel::unbounded::<BoxedJob>();
        let mut started = Vec::with_capacity(workers);
        for i in 1..=workers {
            let queue = queue.clone();
            let worker = flavor.try_spawn(format!("pool-worker-{i}"), async move {
                while let Ok(job) = queue.recv().await {
                    job.await;
                }
            });
            match worker {
                Ok(worker) => started.push(worker),
                // Closing the job queue ends the workers already started.
                Err(refused) => return Err(PoolError::Spawn(refused)),
            }
        }
        Ok(Pool {
            jobs,
            workers: started,
        })
    }

    /// How many worker units the pool has.
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads, pool::Pool};
    /// # Threads::new().run(|f| async move {
    /// let pool = Pool::new(&f, 2).unwrap();
    /// assert_eq!(pool.workers(), 2);
    /// # pool.join().await;
    /// # }).unwrap();
    /// ```
    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// Queues a job (`executor.submit`); a free worker runs it. Fails, handing the job back, if
    /// the pool is closed.
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads, pool::Pool};
    /// async fn one<F: Flavor>(f: F) -> &'static str {
    ///     let pool = Pool::new(&f, 1).unwrap();
    ///     let task = pool.submit(async { "done" }).unwrap();
    ///     let out = task.join().await.unwrap();
    ///     pool.close();
    ///     pool.join().await;
    ///     out
    /// }
    /// assert_eq!(Threads::new().run(one).unwrap(), "done");
    /// ```
    pub fn submit<T, Fut>(&self, job: Fut) -> Result<PoolTask<T>, PoolClosed<Fut>>
    where
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        if self.jobs.is_closed() {
            return Err(PoolClosed(job));
        }
        let (done, result) = oneshot::channel();
        let (abort, job) = cancellable(job);
        let finished = Arc::new(AtomicBool::new(false));
        let finished_here = Arc::clone(&finished);
        // If the pool closed since the check, the job is dropped with `done`, and the task's
        // `join` reports it cancelled. If the submitter stopped caring, the result is dropped.
        self.enqueue(async move {
            let outcome = job.await;
            finished_here.store(true, SeqCst);
            let _ = done.send(outcome);
        });
        Ok(PoolTask {
            result,
            abort,
            finished,
        })
    }

    /// Runs every job and returns the results in the order of `jobs` (`executor.map`).
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads, pool::Pool};
    /// async fn doubled<F: Flavor>(f: F) -> Vec<i32> {
    ///     let pool = Pool::new(&f, 3).unwrap();
    ///     let out = pool.map([1, 2, 3].map(|n| async move { n * 2 })).await;
    ///     pool.close();
    ///     pool.join().await;
    ///     out.into_iter().map(Result::unwrap).collect()
    /// }
    /// assert_eq!(Threads::new().run(doubled).unwrap(), [2, 4, 6]);
    /// ```
    pub async fn map<T, Fut>(
        &self,
        jobs: impl IntoIterator<Item = Fut>,
    ) -> Vec<Result<T, JoinError>>
    where
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let tasks: Vec<_> = jobs.into_iter().map(|job| self.submit(job)).collect();
        let mut results = Vec::with_capacity(tasks.len());
        for task in tasks {
            results.push(match task {
                Ok(task) => task.join().await,
                Err(PoolClosed(_)) => Err(closed()),
            });
        }
        results
    }

    /// Runs every job and returns `(index, result)` pairs in the order the jobs *finished*
    /// (`concurrent.futures.as_completed`); the index says which job it was.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, Threads, pool::Pool};
    /// async fn race<F: Flavor>(f: F) -> Vec<usize> {
    ///     let pool = Pool::new(&f, 2).unwrap();
    ///     let jobs = [30, 5].map(|ms| {
    ///         let g = f.clone();
    ///         async move { g.sleep(Duration::from_millis(ms)).await }
    ///     });
    ///     let order = pool.as_completed(jobs).await.into_iter().map(|(i, _)| i).collect();
    ///     pool.close();
    ///     pool.join().await;
    ///     order
    /// }
    /// assert_eq!(Threads::new().run(race).unwrap(), [1, 0]); // the short job finished first
    /// ```
    pub async fn as_completed<T, Fut>(
        &self,
        jobs: impl IntoIterator<Item = Fut>,
    ) -> Vec<(usize, Result<T, JoinError>)>
    where
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let (finished, arrivals) = async_channel::unbounded();
        for (index, job) in jobs.into_iter().enumerate() {
            let finished_here = finished.clone();
            let queued = !self.is_closed()
                && self.enqueue(async move {
                    let _ = finished_here.send((index, cancellable(job).1.await)).await;
                });
            if !queued {
                let _ = finished.try_send((index, Err(closed())));
            }
        }
        drop(finished);
        let mut results = Vec::new();
        while let Ok(pair) = arrivals.recv().await {
            results.push(pair);
        }
        results
    }

    /// Puts a job on the shared queue; `false` if the pool closed meanwhile (the job is then
    /// dropped unrun, and whoever waits for it hears that the pool closed).
    fn enqueue(&self, job: impl Future<Output = ()> + Send + 'static) -> bool {
        self.jobs.try_send(Box::pin(job)).is_ok()
    }

    /// Stops accepting jobs; the queued ones still run (`executor.shutdown(wait=False)`).
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads, pool::Pool};
    /// # Threads::new().run(|f| async move {
    /// let pool = Pool::new(&f, 1).unwrap();
    /// pool.close();
    /// assert!(pool.is_closed());
    /// # pool.join().await;
    /// # }).unwrap();
    /// ```
    pub fn close(&self) {
        self.jobs.close();
    }

    /// Whether the pool was closed.
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads, pool::Pool};
    /// # Threads::new().run(|f| async move {
    /// let pool = Pool::new(&f, 1).unwrap();
    /// assert!(!pool.is_closed());
    /// # pool.close();
    /// # pool.join().await;
    /// # }).unwrap();
    /// ```
    pub fn is_closed(&self) -> bool {
        self.jobs.is_closed()
    }

    /// Closes the pool and waits until every queued job has run and every worker has ended
    /// (`pool.close(); pool.join()`).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use std::sync::atomic::{AtomicU32, Ordering};
    /// # use twinsync::{Flavor, Threads, pool::Pool};
    /// async fn all_run<F: Flavor>(f: F) -> u32 {
    ///     let pool = Pool::new(&f, 2).unwrap();
    ///     let count = Arc::new(AtomicU32::new(0));
    ///     for _ in 0..10 {
    ///         let count = Arc::clone(&count);
    ///         let _ = pool.submit(async move { count.fetch_add(1, Ordering::SeqCst) });
    ///     }
    ///     pool.join().await; // runs what was queued, then ends
    ///     count.load(Ordering::SeqCst)
    /// }
    /// assert_eq!(Threads::new().run(all_run).unwrap(), 10);
    /// ```
    pub async fn join(self) {
        self.close();
        for worker in self.workers {
            // Jobs' panics are caught inside the worker, so a worker itself cannot panic.
            let _ = worker.join().await;
        }
    }
}

impl<T: Send + 'static> PoolTask<T> {
    /// Waits for the job and returns its output, or why there is none: it panicked, or it was
    /// cancelled (by [`cancel`](Self::cancel), or because the pool closed before it could run).
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads, pool::Pool};
    /// async fn boom<F: Flavor>(f: F) -> String {
    ///     let pool = Pool::new(&f, 1).unwrap();
    ///     let task = pool.submit(async { panic!("bad input") }).unwrap();
    ///     let err = task.join().await.unwrap_err();
    ///     pool.join().await;
    ///     err.panic_message().unwrap().to_owned()
    /// }
    /// assert_eq!(Threads::new().run(boom).unwrap(), "bad input");
    /// ```
    pub async fn join(self) -> Result<T, JoinError> {
        self.result.await.unwrap_or_else(|_| Err(closed()))
    }

    /// Cancels the job (`future.cancel()`): if it is still queued it never runs; if it is
    /// running it is dropped at its current wait. Returns `false` if it had already finished.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, Threads, pool::Pool};
    /// async fn stop_it<F: Flavor>(f: F) -> bool {
    ///     let pool = Pool::new(&f, 1).unwrap();
    ///     let g = f.clone();
    ///     let slow = pool.submit(async move { g.sleep(Duration::from_secs(3600)).await }).unwrap();
    ///     assert!(slow.cancel());
    ///     let cancelled = slow.join().await.unwrap_err().is_cancelled();
    ///     pool.join().await; // at once: the worker is free again
    ///     cancelled
    /// }
    /// assert!(Threads::new().run(stop_it).unwrap());
    /// ```
    pub fn cancel(&self) -> bool {
        if self.finished.load(SeqCst) {
            return false;
        }
        self.abort.abort();
        true
    }

    /// Whether the job has finished (ran to its end, panicked, or was cancelled while running).
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads, pool::Pool};
    /// # Threads::new().run(|f| async move {
    /// let pool = Pool::new(&f, 1).unwrap();
    /// let task = pool.submit(async {}).unwrap();
    /// pool.join().await;
    /// assert!(task.is_finished());
    /// # }).unwrap();
    /// ```
    pub fn is_finished(&self) -> bool {
        self.finished.load(SeqCst)
    }
}

/// Wraps `job` so it can be cancelled at its current wait and its panic is caught; the result
/// says which, for the unit that ran it.
fn cancellable<T, Fut: Future<Output = T>>(
    job: Fut,
) -> (AbortHandle, impl Future<Output = Result<T, JoinError>>) {
    let (abort, registration) = AbortHandle::new_pair();
    let job = capture_panic(Abortable::new(job, registration)).map(|outcome| match outcome {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(Aborted)) => Err(Cancelled::new(crate::current()).into()),
        Err(panicked) => Err(panicked.into()),
    });
    (abort, job)
}

/// Runs `job`, turning a panic into a [`Panicked`] report for the unit that ran it.
fn capture_panic<T, Fut: Future<Output = T>>(
    job: Fut,
) -> impl Future<Output = Result<T, Panicked>> {
    AssertUnwindSafe(job).catch_unwind().map(|outcome| {
        outcome.map_err(|payload| Panicked::from_payload(crate::current(), &*payload))
    })
}

/// The report for a job that never ran because the pool closed first: it was cancelled.
fn closed() -> JoinError {
    Cancelled::new(crate::current()).into()
}

impl<F: Flavor> fmt::Debug for Pool<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("workers", &self.workers.len())
            .field("queued", &self.jobs.len())
            .field("closed", &self.jobs.is_closed())
            .finish()
    }
}

impl<T> fmt::Debug for PoolTask<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PoolTask(..)")
    }
}
