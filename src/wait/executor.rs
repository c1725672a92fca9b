//! The thread twins' executor: drives one future on the calling OS thread, parking the thread
//! while the future waits.
//!
//! This is what makes a `Threads` unit a thread *and* an honest future: no twinsync future
//! blocks inside `poll`. When the unit's future is pending, the executor parks the OS thread
//! until a waker unparks it or the earliest deadline on the thread's [`Clock`] passes, and then
//! polls again. So `select!`, `join!` and timeouts inside a thread unit behave exactly as they
//! do in a tokio task, while the thread still really blocks, as Python's `lock.acquire()` does.
//!
//! Each OS thread has one context (its waker, its clock), made on first use and shared by
//! nested calls: a thread twin's plain blocking method called inside a thread unit runs a
//! nested executor on the same thread.

use std::cell::Cell;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::clock::Clock;
use crate::deadlock;
use crate::sync::Mutex;
use crate::sync::thread::{self, Thread};
use crate::sync::thread_local_slot;
use crate::sync::waker_atomic::{AtomicBool, Ordering::AcqRel, Ordering::SeqCst};

/// The waker of one OS thread: raises a flag and unparks the thread.
struct Signal {
    woken: AtomicBool,
    /// Set when the thread's unit is cancelled, so a wait that is spinning inside `poll` stops
    /// and returns to the executor instead of completing (see [`cancel_requested`]).
    cancelled: AtomicBool,
    thread: Thread,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Only the first wake since the executor last looked needs the system call.
        if !self.woken.swap(true, AcqRel) {
            self.thread.unpark();
        }
    }
}

/// What an OS thread needs to run futures: made once per thread.
struct ThreadContext {
    signal: Arc<Signal>,
    waker: Waker,
    clock: Arc<Clock>,
    /// How many executors are running on this thread (nested calls count).
    depth: Cell<usize>,
}

impl ThreadContext {
    fn new() -> Self {
        let signal = Arc::new(Signal {
            woken: AtomicBool::new(false),
            cancelled: AtomicBool::new(false),
            thread: thread::current(),
        });
        ThreadContext {
            waker: Waker::from(Arc::clone(&signal)),
            signal,
            clock: Arc::new(Clock::for_this_thread()),
            depth: Cell::new(0),
        }
    }

    /// Polls `future` until it is ready, or until `cancel` says to stop (checked after every
    /// wake-up); `None` means it was stopped.
    fn drive<T>(
        &self,
        mut future: Pin<&mut dyn Future<Output = T>>,
        cancel: Option<&Cancel>,
    ) -> Option<T> {
        let _running = Running::enter(self);
        // A plain blocking method inside a unit sleeps here, inside the unit's poll: the
        // deadlock detector hears of it from here rather than from the unit's future, and
        // counts the wakes of this executor's waker as the unit's.
        let nested = deadlock::Nested::here(&self.waker);
        let mut cx = Context::from_waker(nested.as_ref().map_or(&self.waker, |n| n.waker()));
        loop {
            if cancel.is_some_and(Cancel::is_requested) {
                // From here on the unit is being torn down: its drops may wait as usual.
                self.signal.cancelled.store(false, SeqCst);
                return None;
            }
            let wakes = nested.as_ref().map(|n| deadlock::polling(n.unit(), None));
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return Some(output);
            }
            let asleep = deadlock::sleeping_here();
            if let (Some(nested), Some(wakes)) = (&nested, wakes) {
                deadlock::pending(nested.unit(), wakes);
            }
            self.park();
            if let Some(unit) = asleep {
                deadlock::woke(&unit);
            }
        }
    }

    /// Parks until woken, firing due timers (whose wakers may be what wakes us).
    fn park(&self) {
        loop {
            let next = self.clock.fire_due();
            if self.signal.woken.swap(false, AcqRel) {
                return;
            }
            match next {
                None => thread::park(),
                Some(at) => thread::park_timeout(at.saturating_duration_since(crate::sync::now())),
            }
        }
    }
}

/// Counts a running executor on this thread for as long as it lives.
struct Running<'a>(&'a ThreadContext);

impl<'a> Running<'a> {
    fn enter(context: &'a ThreadContext) -> Self {
        context.depth.set(context.depth.get() + 1);
        Running(context)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let depth = self.0.depth.get() - 1;
        self.0.depth.set(depth);
        if depth > 0 {
            // A nested executor may have consumed a wake-up meant for the one around it:
            // make that one poll again rather than park on a lost wake-up.
            self.0.signal.woken.store(true, SeqCst);
        }
    }
}

thread_local_slot! {
    static CONTEXT: ThreadContext = ThreadContext::new();
}

/// Runs `f` with this thread's context; during thread-local destruction (when it is gone) with
/// a fresh one.
fn with_context<R>(f: impl FnOnce(&ThreadContext) -> R) -> R {
    let mut f = Some(f);
    if let Ok(Some(output)) = CONTEXT.try_with(|context| f.take().map(|f| f(context))) {
        return output;
    }
    // Thread-local storage is being torn down, so `f` did not run: a context for this call.
    match f {
        Some(f) => f(&ThreadContext::new()),
        None => unreachable!("the thread context ran the closure but gave no result"),
    }
}

/// The clock of the executor running on this thread, if one is.
pub(crate) fn current_clock() -> Option<Arc<Clock>> {
    CONTEXT
        .try_with(|context| (context.depth.get() > 0).then(|| Arc::clone(&context.clock)))
        .ok()
        .flatten()
}

/// Drives a future to completion on the calling thread, parking it while the future waits:
/// the executor every [`Threads`](crate::Threads) unit runs, and behind every thread twin's
/// plain blocking method.
///
/// Timers of thread twins (sleeps, `*_timeout` deadlines) are served by this executor: the
/// thread parks until the earliest one. Any other future works too; it is woken through its
/// waker as usual.
///
/// ```
/// use std::time::Duration;
/// use twinsync::{Flavor, Threads};
///
/// assert_eq!(twinsync::block_on(async { 6 * 7 }), 42);
///
/// // Two sleeps raced in one thread: the short one wins, after about 5 ms.
/// let f = Threads::new();
/// let winner = twinsync::block_on(async {
///     let long = std::pin::pin!(f.sleep(Duration::from_secs(5)));
///     let short = std::pin::pin!(f.sleep(Duration::from_millis(5)));
///     match futures::future::select(long, short).await {
///         futures::future::Either::Left(_) => "long",
///         futures::future::Either::Right(_) => "short",
///     }
/// });
/// assert_eq!(winner, "short");
/// ```
pub fn block_on<Fut: Future>(future: Fut) -> Fut::Output {
    let future = pin!(future);
    match with_context(|context| context.drive(future, None)) {
        Some(output) => output,
        None => unreachable!("an executor without a cancel switch was cancelled"),
    }
}

/// Whether the unit running on this thread has been cancelled. A thread twin's spin checks it
/// before each attempt: a unit cancelled while it spins must stop there, as a tokio task that
/// is aborted is never polled again, rather than take the lock or item it was waiting for.
///
/// Only the unit's own executor stops: a nested one (a plain blocking method called inside the
/// unit) has nobody to return `Pending` to, so it waits as usual and the unit stops after it.
pub(crate) fn cancel_requested() -> bool {
    CONTEXT
        .try_with(|context| context.depth.get() == 1 && context.signal.cancelled.load(SeqCst))
        .unwrap_or(false)
}

/// The cancel switch of one thread unit: [`Cancel::request`] makes the unit's executor drop
/// its future at its current wait.
#[derive(Default)]
pub(crate) struct Cancel {
    requested: AtomicBool,
    /// The signal of the unit's thread, once the unit runs. A lock rather than a `OnceLock`:
    /// it is taken once by each side, and the loom models see the hand-over through it.
    signal: Mutex<Option<Arc<Signal>>>,
}

impl std::fmt::Debug for Cancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cancel")
            .field("requested", &self.is_requested())
            .finish_non_exhaustive()
    }
}

impl Cancel {
    fn is_requested(&self) -> bool {
        self.requested.load(SeqCst)
    }

    /// Asks the unit to stop at its current wait, and wakes it so it sees the request.
    pub(crate) fn request(&self) {
        self.requested.store(true, SeqCst);
        let signal = self.signal.lock().clone();
        if let Some(signal) = signal {
            signal.cancelled.store(true, SeqCst);
            signal.wake_by_ref();
        }
    }
}

/// Runs a thread unit's future on the calling thread until it finishes (`Some`) or `cancel`
/// is requested (`None`; the future is dropped at its current wait).
pub(crate) fn run_unit<Fut: Future>(future: Fut, cancel: &Cancel) -> Option<Fut::Output> {
    let future = pin!(future);
    with_context(|context| {
        // Set before the first poll; a request made before that is seen by `drive`'s check.
        *cancel.signal.lock() = Some(Arc::clone(&context.signal));
        context.drive(future, Some(cancel))
    })
}
