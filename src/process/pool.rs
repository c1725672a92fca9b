//! A pool of worker processes: Python's `multiprocessing.Pool` and `ProcessPoolExecutor`.

use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::os::unix::net::UnixStream;
use std::process::Child;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::entry::Entry;
use super::error::{ProcessError, StartError};
use super::frame::{self, Job, Outcome, Role};
use super::handle::{answer_of, launch};
use crate::event::ThreadEvent;
use crate::queue::ThreadQueue;

/// What came of a job: its worker's answer, or how the worker died.
type Answer = Result<Outcome, ProcessError>;
/// What a job's answer is handed to, with the worker's name.
type Reply = Box<dyn FnOnce(String, Answer) + Send>;

struct PoolJob {
    job: Job,
    reply: Reply,
}

/// A fixed number of worker processes that run jobs from one queue, each job a registered
/// [`Entry`] on its input (Python's `multiprocessing.Pool(n)`).
///
/// A worker is a child process started once, that runs job after job. One that dies in the
/// middle of a job (a crash, a signal, `std::process::exit`) fails that job with what
/// ended it, and a new worker takes its place for the next job: the pool never hangs on a
/// dead worker.
///
/// Dropped without [`join`](Self::join) or [`terminate`](Self::terminate), a pool finishes
/// the jobs it was given, then ends its workers.
///
/// ```rust,standalone_crate
/// use twinsync::process::{self, Entry, ProcessPool};
///
/// static CUBE: Entry<u64, u64> = Entry::new("cube", |x| x * x * x);
///
/// process::serve(&[&CUBE]);
/// let pool = ProcessPool::new(3).unwrap();
/// let cubes: Vec<u64> = pool
///     .map(&CUBE, 1..=5)
///     .unwrap()
///     .into_iter()
///     .map(Result::unwrap)
///     .collect();
/// assert_eq!(cubes, [1, 8, 27, 64, 125]);
/// assert_eq!(pool.apply(&CUBE, &10).unwrap().unwrap(), 1000);
/// pool.join();
/// ```
pub struct ProcessPool {
    jobs: Arc<ThreadQueue<PoolJob>>,
    workers: Arc<Workers>,
    supervisors: Vec<JoinHandle<()>>,
}

/// The pids of the live workers, by slot (0: none), so that `terminate` can signal them.
/// A supervisor clears its slot before it reaps its worker, under the same lock, so a pid
/// read here has not been reaped (and so not reused).
struct Workers {
    pids: Mutex<Vec<u32>>,
}

impl Workers {
    fn set(&self, slot: usize, pid: u32) {
        self.pids.lock().unwrap_or_else(PoisonError::into_inner)[slot] = pid;
    }

    fn kill_all(&self) {
        for &pid in self
            .pids
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            if let Ok(pid) = i32::try_from(pid) {
                if pid != 0 {
                    let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
                }
            }
        }
    }
}

impl ProcessPool {
    /// A pool of `workers` worker processes, all started now.
    ///
    /// ```rust,standalone_crate
    /// use twinsync::process::{self, ProcessPool, StartError};
    /// process::serve(&[]);
    /// assert!(matches!(ProcessPool::new(0), Err(StartError::NoWorkers)));
    /// ```
    pub fn new(workers: usize) -> Result<Self, StartError> {
        if workers == 0 {
            return Err(StartError::NoWorkers);
        }
        super::check_serving()?;
        let jobs = Arc::new(ThreadQueue::new());
        let pids = Arc::new(Workers {
            pids: Mutex::new(vec![0; workers]),
        });
        let mut supervisors = Vec::with_capacity(workers);
        for slot in 0..workers {
            let worker = Worker::start()?;
            pids.set(slot, worker.child.id());
            let (jobs, pids) = (Arc::clone(&jobs), Arc::clone(&pids));
            let supervisor = std::thread::Builder::new()
                .name(format!("twinsync-pool-{slot}"))
                .spawn(move || supervise(slot, worker, &jobs, &pids))
                .map_err(StartError::Os)?;
            supervisors.push(supervisor);
        }
        Ok(ProcessPool {
            jobs,
            workers: pids,
            supervisors,
        })
    }

    /// How many workers it has.
    pub fn workers(&self) -> usize {
        self.supervisors.len()
    }

    /// Runs `entry` on `input` in a worker and waits for its answer (Python's `apply`).
    pub fn apply<In: Serialize, Out: DeserializeOwned>(
        &self,
        entry: &Entry<In, Out>,
        input: &In,
    ) -> Result<Result<Out, ProcessError>, StartError> {
        Ok(self.apply_async(entry, input)?.get())
    }

    /// Queues `entry` on `input` for the next free worker (Python's `apply_async`,
    /// `executor.submit`); the handle gives its answer.
    pub fn apply_async<In: Serialize, Out: DeserializeOwned>(
        &self,
        entry: &Entry<In, Out>,
        input: &In,
    ) -> Result<AsyncResult<Out>, StartError> {
        let slot = Arc::new(Slot::default());
        let filled = Arc::clone(&slot);
        self.submit(entry, input, move |name, answer| filled.fill(name, answer))?;
        Ok(AsyncResult {
            slot,
            output: PhantomData,
        })
    }

    /// Runs `entry` on every input, spread over the workers; the answers in the order of the
    /// inputs (Python's `map`, without stopping at the first failure).
    pub fn map<In: Serialize, Out: DeserializeOwned>(
        &self,
        entry: &Entry<In, Out>,
        inputs: impl IntoIterator<Item = In>,
    ) -> Result<Vec<Result<Out, ProcessError>>, StartError> {
        let pending = inputs
            .into_iter()
            .map(|input| self.apply_async(entry, &input))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(pending.into_iter().map(AsyncResult::get).collect())
    }

    /// Runs `entry` on every input; the answers in the order they finish (Python's
    /// `imap_unordered`, `as_completed`), each with its input's index.
    pub fn map_unordered<In: Serialize, Out: DeserializeOwned>(
        &self,
        entry: &Entry<In, Out>,
        inputs: impl IntoIterator<Item = In>,
    ) -> Result<Completed<Out>, StartError> {
        let done = Arc::new(ThreadQueue::new());
        let mut count = 0;
        for (index, input) in inputs.into_iter().enumerate() {
            let done = Arc::clone(&done);
            self.submit(entry, &input, move |name, answer| {
                let _ = done.put((index, name, answer));
            })?;
            count += 1;
        }
        Ok(Completed {
            done,
            left: count,
            output: PhantomData,
        })
    }

    fn submit<In: Serialize, Out>(
        &self,
        entry: &Entry<In, Out>,
        input: &In,
        reply: impl FnOnce(String, Answer) + Send + 'static,
    ) -> Result<(), StartError> {
        super::check_served(entry.name())?;
        let input = frame::encode(input).map_err(StartError::Input)?;
        let job = Job {
            entry: entry.name().to_owned(),
            input,
        };
        let reply = Box::new(reply);
        self.jobs
            .put(PoolJob { job, reply })
            .map_err(|_| StartError::PoolClosed)
    }

    /// Takes no more jobs (Python's `close`); the ones queued still run.
    pub fn close(&self) {
        self.jobs.close();
    }

    /// Closes the pool, waits for every queued job to finish, and ends the workers.
    pub fn join(mut self) {
        self.finish();
    }

    /// Ends the workers now (Python's `terminate`): queued jobs fail as lost, running ones as
    /// killed.
    pub fn terminate(mut self) {
        for pending in self.jobs.close_and_drain() {
            let lost = ProcessError::lost(
                "a pool worker".to_owned(),
                "the pool was terminated".to_owned(),
            );
            (pending.reply)(String::new(), Err(lost));
        }
        self.workers.kill_all();
        self.finish();
    }

    fn finish(&mut self) {
        self.jobs.close();
        for supervisor in self.supervisors.drain(..) {
            let _ = supervisor.join();
        }
    }
}

impl Drop for ProcessPool {
    fn drop(&mut self) {
        self.finish();
    }
}

impl fmt::Debug for ProcessPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessPool")
            .field("workers", &self.supervisors.len())
            .field("queued", &self.jobs.len())
            .finish()
    }
}

/// One worker process: its child and the parent's end of its link.
struct Worker {
    name: String,
    child: Child,
    link: UnixStream,
}

impl Worker {
    fn start() -> Result<Worker, StartError> {
        static STARTED: AtomicU64 = AtomicU64::new(0);
        let name = format!("PoolWorker-{}", STARTED.fetch_add(1, Relaxed) + 1);
        let (child, link) = launch(name.clone(), Role::Worker)?;
        Ok(Worker { name, child, link })
    }

    /// Runs `job`: the worker's answer, or (the worker having died) what ended it.
    fn run(&mut self, job: &Job) -> io::Result<Option<Outcome>> {
        frame::send(&mut self.link, job)?;
        frame::receive(&mut self.link)
    }
}

/// One worker's thread in the parent: takes jobs, has its worker run them, replaces a worker
/// that died, and ends it when the jobs run out.
fn supervise(slot: usize, first: Worker, jobs: &ThreadQueue<PoolJob>, workers: &Workers) {
    let mut worker = Some(first);
    while let Ok(PoolJob { job, reply }) = jobs.get() {
        let mut current = match worker.take().map_or_else(Worker::start, Ok) {
            Ok(current) => current,
            Err(e) => {
                reply(
                    String::new(),
                    Err(ProcessError::lost(String::new(), e.to_string())),
                );
                continue;
            }
        };
        workers.set(slot, current.child.id());
        match current.run(&job) {
            Ok(Some(outcome)) => {
                reply(current.name.clone(), Ok(outcome));
                worker = Some(current);
            }
            answer => {
                // The worker died at this job: it is reaped, the job fails with its end,
                // and the next job starts a new worker.
                workers.set(slot, 0);
                let _ = current.child.kill();
                let status = current.child.wait().ok();
                let error = match (answer, status) {
                    (Err(e), Some(status)) if status.success() => {
                        ProcessError::lost(current.name.clone(), e.to_string())
                    }
                    (_, status) => ProcessError::ended(current.name.clone(), status),
                };
                reply(current.name, Err(error));
            }
        }
    }
    if let Some(mut last) = worker {
        workers.set(slot, 0);
        drop(last.link); // the end of its work: the worker exits
        let _ = last.child.wait();
    }
}

/// Where a job's answer waits for [`AsyncResult::get`].
#[derive(Default)]
struct Slot {
    answer: Mutex<Option<(String, Answer)>>,
    ready: ThreadEvent,
}

impl Slot {
    fn fill(&self, name: String, answer: Answer) {
        *self.answer.lock().unwrap_or_else(PoisonError::into_inner) = Some((name, answer));
        self.ready.set();
    }
}

/// The answer of a job given to [`ProcessPool::apply_async`], once it is there (Python's
/// `AsyncResult`, `concurrent.futures.Future`).
pub struct AsyncResult<Out> {
    slot: Arc<Slot>,
    output: PhantomData<fn() -> Out>,
}

impl<Out: DeserializeOwned> AsyncResult<Out> {
    /// Whether the answer is there.
    pub fn ready(&self) -> bool {
        self.slot.ready.is_set()
    }

    /// Waits for the answer.
    pub fn get(self) -> Result<Out, ProcessError> {
        self.slot.ready.wait();
        self.take()
    }

    /// Waits at most `timeout` for the answer; the handle back if it is not there yet.
    pub fn get_timeout(self, timeout: Duration) -> Result<Result<Out, ProcessError>, Self> {
        if self.slot.ready.wait_timeout(timeout) {
            Ok(self.take())
        } else {
            Err(self)
        }
    }

    fn take(self) -> Result<Out, ProcessError> {
        let answer = self
            .slot
            .answer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match answer {
            Some((name, Ok(outcome))) => answer_of(name, outcome),
            Some((_, Err(error))) => Err(error),
            None => Err(ProcessError::lost(String::new(), "no answer".to_owned())),
        }
    }
}

impl<Out> fmt::Debug for AsyncResult<Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncResult")
            .field("ready", &self.slot.ready.is_set())
            .finish()
    }
}

/// The answers of [`ProcessPool::map_unordered`], as they finish: each with the index of its
/// input.
pub struct Completed<Out> {
    /// Each finished job's input index, worker name and answer.
    done: Arc<ThreadQueue<(usize, String, Answer)>>,
    left: usize,
    output: PhantomData<fn() -> Out>,
}

impl<Out: DeserializeOwned> Iterator for Completed<Out> {
    type Item = (usize, Result<Out, ProcessError>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let (index, name, answer) = self.done.get().ok()?;
        Some((index, answer.and_then(|outcome| answer_of(name, outcome))))
    }
}

impl<Out> fmt::Debug for Completed<Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Completed")
            .field("left", &self.left)
            .finish()
    }
}
