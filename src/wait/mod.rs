//! How a twin waits: the one waiting protocol, and the one place where the twins differ.
//!
//! Every primitive twinsync builds (mutex, semaphore, event, condition, barrier, the queue
//! core, the unit registry, join handles) keeps its state in atomics or under a short lock and
//! announces changes through an [`event_listener::Event`]. Waiting for a change is always the
//! same protocol, written once here (`Waiting::poll` in this module):
//!
//! 1. **attempt**: try the operation (take the lock, pop an item, …);
//! 2. **spin** (thread twins only): re-check a cheap hint, pausing and then yielding the core,
//!    for at most about what parking would cost (a few tens of microseconds for a hand-off),
//!    since waking a parked thread on another core costs ~20 µs while a hand-off between two
//!    running threads takes nanoseconds;
//! 3. **listen**: register a listener on the primitive's event;
//! 4. **attempt again**, now as a registered waiter;
//! 5. **wait**: return `Pending` until the listener is notified or the deadline passes, then go
//!    back to 1.
//!
//! # Why no wake-up is lost
//!
//! A waiter listens *before* its second attempt, and the attempt announces it in the
//! primitive's state (a waiting bit, a waiter count) when it fails. A change that comes after
//! that attempt sees the announcement and notifies, reaching the listener; a change that came
//! before it was seen by the attempt. A listener that is notified and then dropped (its future
//! cancelled, or its deadline passed first) passes the notification on to the next listener;
//! and a notification consumed by a poll is always followed, in that same poll, by an attempt,
//! so no future is ever dropped between receiving a wake-up and acting on it.
//!
//! # What differs between the twins: [`Waiter`]
//!
//! - [`Blocking`] (thread twins) spins before it listens, and its deadlines are timers on the
//!   thread's own executor ([`block_on`]), which parks the OS thread until woken or due.
//! - [`Async`] (task twins) does not spin — a task yields to its scheduler instead — and its
//!   deadlines are tokio timers.
//!
//! Neither ever blocks inside `poll`. This mirrors flume's `Signal` and event-listener-strategy's
//! blocking/non-blocking split, with the blocking moved out of the future into the executor.

use std::future::{Future, poll_fn};
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use event_listener::{Event, EventListener};

use crate::deadlock::{Noted, WaitsFor};
use crate::error::Timeout;

mod attempt;
mod clock;
mod executor;

pub(crate) use attempt::{Attempt, Closures};
use attempt::{Check, Notified};

pub use clock::Sleep;
pub use executor::block_on;
pub(crate) use executor::{Cancel, run_unit};

/// How a twin waits. Sealed: [`Blocking`] (thread twins) and [`Async`] (task twins).
pub trait Waiter: sealed::Sealed + Send + Sync + 'static {
    /// The future that is ready at a deadline.
    #[doc(hidden)]
    type Timer: Future<Output = ()> + Send;

    /// A timer for `deadline`.
    #[doc(hidden)]
    fn timer(deadline: Instant) -> Self::Timer;

    /// Spins on `op` (attempting whenever its hint says it might succeed) until an attempt
    /// succeeds or the spin budget is spent.
    #[doc(hidden)]
    fn spin<A: Attempt>(op: &mut A, registered: bool) -> Option<A::Output>;

    /// The [`Policy`](crate::Policy) of this twin's locks and semaphores unless one is chosen:
    /// Python's (`threading` barges, `asyncio` hands over in FIFO order).
    #[doc(hidden)]
    const POLICY: crate::Policy;

    /// Whether the unit running this wait has been cancelled while inside `poll` (thread
    /// twins: the cancel lands on a running thread; a task is simply not polled again).
    #[doc(hidden)]
    fn cancelled() -> bool {
        false
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Blocking {}
    #[cfg(feature = "tokio")]
    impl Sealed for super::Async {}
}

/// Thread twins' way of waiting: spin briefly, then let the thread's executor park the OS
/// thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct Blocking;

/// The spin budget of [`Blocking::spin`], in `pause` instructions (~30 ns each on our
/// machines): about 4 µs of checks, before the spinner starts yielding its core.
const SPIN_PAUSES: u32 = 128;
/// The longest pause, as a power of two (`pause` × 32), after which a spinner stops spinning
/// and only yields its core.
const MAX_STEP: u32 = 5;
/// The step a contended spinner starts from: each failed check raises the step, then pauses
/// `pause` × 2^step, so its first pause is `pause` × 8.
const CONTENDED_STEP: u32 = 2;
/// How many times a hand-off's spinner yields its core (checking after each) before it
/// gives up: with its pauses, ~20–30 µs here when the other core is free, about what one park
/// and wake-up cost, so a wait never spins for longer than parking would have taken (the
/// classic spin-then-park rule). A shorter spin lost the partner whenever the host took its
/// vCPU for a few microseconds: with 8 yields, two thread units bouncing an item through
/// capacity-1 queues parked in one round trip of five and took 12–16 µs a round trip, with 64
/// none parked and it took 0.9 µs (`cargo bench --bench queue -- ping-pong/thread-fifo`, three
/// alternating runs; the event ping-pong went from 2.9 µs to 0.35 µs).
const HANDOFF_YIELDS: u32 = 64;
/// How many times a contended spinner yields: few, since the holder it waits for is running
/// and will release soon; 64 cost two threads hammering a mutex a tenth of their throughput
/// (`cargo bench --bench mutex -- contended-2/threads`, 39 ns against 43 ns).
const CONTENDED_YIELDS: u32 = 8;

impl Waiter for Blocking {
    type Timer = Sleep;
    const POLICY: crate::Policy = crate::Policy::Barging;

    fn timer(deadline: Instant) -> Sleep {
        Sleep::until(Some(deadline))
    }

    fn cancelled() -> bool {
        executor::cancel_requested()
    }

    /// One policy for every wait, in two regimes that [`Attempt::CONTENDED`] chooses:
    ///
    /// - **a hand-off** (an event, a condition, a queue, a join): check again after one `pause`,
    ///   so an item or a `set` from a running thread is caught within nanoseconds of landing;
    /// - **a contended hold** (a lock, permits): the holder is busy with the cache line, so the
    ///   spinner checks at once, then after 8 and 16 pauses, then after 32 only between
    ///   yields, and leaves the holder alone in between instead of fighting it for the line.
    ///   Every check reads the holder's line: starting one step lower (4, 8, 16, 32) cost two
    ///   threads hammering a mutex a fifth of their throughput
    ///   (`cargo bench --bench mutex -- contended-2/threads-blocking`, three alternating
    ///   runs: 48–55 ns a lock+unlock against 41 ns).
    ///
    /// In both, a race lost (the hint said "maybe", the attempt failed: another unit got there
    /// first) doubles the pause too. An attempt that only reads ([`Attempt::READ_ONLY`]) is
    /// made at every check, without asking the hint first.
    ///
    /// After [`SPIN_PAUSES`] pauses, or once the pause would pass `2^MAX_STEP`, only
    /// `yield_now` ([`HANDOFF_YIELDS`] or [`CONTENDED_YIELDS`] times): on a busy machine the
    /// unit it waits for may need this core.
    #[inline]
    fn spin<A: Attempt>(op: &mut A, registered: bool) -> Option<A::Output> {
        if cfg!(any(loom, shuttle)) {
            // Under loom (and shuttle) the spin makes no attempt. It only ever adds attempts, which the
            // protocol does not rely on, while each pause or yield tells loom "this thread waits
            // for another": loom would run the others first and never explore a waiter parking
            // before the change it waits for (a `set` that notified nobody went unnoticed so).
            return None;
        }
        let mut paused = 0;
        let mut step = CONTENDED_STEP * u32::from(A::CONTENDED);
        while paused < SPIN_PAUSES && step < MAX_STEP {
            if A::READ_ONLY || op.hint() {
                if Self::cancelled() {
                    return None;
                }
                if let Some(done) = op.attempt(registered) {
                    return Some(done);
                }
                if !A::READ_ONLY {
                    step += 1;
                }
            } else if A::CONTENDED {
                step += 1;
            }
            let pauses = 1 << step;
            for _ in 0..pauses {
                crate::sync::spin_loop();
            }
            paused += pauses;
        }
        let yields = if A::CONTENDED {
            CONTENDED_YIELDS
        } else {
            HANDOFF_YIELDS
        };
        for _ in 0..yields {
            crate::sync::thread::yield_now();
            if op.hint() && !Self::cancelled() {
                if let Some(done) = op.attempt(registered) {
                    return Some(done);
                }
            }
        }
        None
    }
}

/// Task twins' way of waiting: yield the task until woken; deadlines are tokio timers (so a
/// timed wait needs a tokio runtime, as every unit of the tokio flavours has).
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default)]
pub struct Async;

#[cfg(feature = "tokio")]
impl Waiter for Async {
    type Timer = tokio::time::Sleep;
    const POLICY: crate::Policy = crate::Policy::Fifo;

    fn timer(deadline: Instant) -> tokio::time::Sleep {
        tokio::time::sleep_until(deadline.into())
    }

    #[inline]
    fn spin<A: Attempt>(_op: &mut A, _registered: bool) -> Option<A::Output> {
        None
    }
}

/// A primitive's waiting operation as a future: one [`Attempt`] driven by the protocol of
/// [`Waiting`]. The first attempt is made before any waiting state exists, so an operation that
/// need not wait costs one attempt and nothing else.
pub(crate) struct Wait<W: Waiter, A: Attempt> {
    op: A,
    deadline: Option<Instant>,
    /// The protocol's state, made when the first attempt fails. Dropped by hand (see `Drop`),
    /// so the common case, `None`, costs one inline check instead of a call to drop glue.
    waiting: ManuallyDrop<Option<Waiting<W>>>,
}

impl<W: Waiter, A: Attempt> Drop for Wait<W, A> {
    #[inline]
    fn drop(&mut self) {
        // Checked before taking: `take` writes `None` back even when it finds `None`, and a
        // wait that never waited (the uncontended lock) should cost one load here.
        if self.waiting.is_some() {
            if let Some(mut waiting) = self.waiting.take() {
                waiting.end_noted(self.op.lock());
            }
        }
    }
}

impl<W: Waiter, A: Attempt> Wait<W, A> {
    pub(crate) fn new(op: A, deadline: Option<Instant>) -> Self {
        Wait {
            op,
            deadline,
            waiting: ManuallyDrop::new(None),
        }
    }

    /// This wait, for a caller that gave no deadline: its output without the `Result`.
    pub(crate) fn forever(op: A) -> Forever<Self> {
        Forever(Wait::new(op, None))
    }

    /// A wait whose first round (an attempt and the spin) the caller has made itself: it goes
    /// on without spinning again, so the round's spin budget is not spent twice.
    fn after_first_round(op: A, deadline: Option<Instant>) -> Self {
        Wait {
            op,
            deadline,
            waiting: ManuallyDrop::new(Some(Waiting {
                spin: false,
                ..Waiting::new(deadline)
            })),
        }
    }
}

/// A thread twin's blocking method after its own try failed: the rest of the wait, on the
/// calling thread, with no deadline. The first round's spin runs right here, before any
/// executor or waiting state exists, so a lock handed over between two running threads costs
/// a spin and nothing else; only a wait that must park starts an executor ([`block_on`]). A
/// waiter that stands in line (a FIFO policy) takes its place first, so it leaves the spin to
/// the protocol.
#[cold]
#[inline(never)]
pub(crate) fn block_after_failed_try<A: Attempt>(mut op: A) -> A::Output {
    let done = if op.stands_in_line() {
        block_on(Wait::<Blocking, _>::new(op, None))
    } else {
        match Blocking::spin(&mut op, false) {
            Some(done) => Ok(done),
            None => block_on(Wait::<Blocking, _>::after_first_round(op, None)),
        }
    };
    without_deadline(done)
}

// No field is ever pinned: `op` is only borrowed mutably, and the timer inside `waiting` is
// boxed.
impl<W: Waiter, A: Attempt> Unpin for Wait<W, A> {}

impl<W: Waiter, A: Attempt> Future for Wait<W, A> {
    type Output = Result<A::Output, Timeout>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.waiting.is_none() {
            if let Some(done) = this.op.attempt(false) {
                return Poll::Ready(Ok(done));
            }
        }
        this.poll_waiting(cx)
    }
}

impl<W: Waiter, A: Attempt> Wait<W, A> {
    /// Every poll after a failed first attempt, out of line so the fast path stays small.
    #[inline(never)]
    fn poll_waiting(&mut self, cx: &mut Context<'_>) -> Poll<Result<A::Output, Timeout>> {
        match &mut *self.waiting {
            Some(waiting) => waiting.poll(cx, &mut self.op),
            None => {
                let waiting = self.waiting.insert(Waiting::new(self.deadline));
                waiting.poll_after_failed_attempt(cx, &mut self.op)
            }
        }
    }
}

/// A [`Wait`] without a deadline: it cannot time out, so its output is the operation's own.
pub(crate) struct Forever<Fut>(Fut);

impl<W: Waiter, A: Attempt> Future for Forever<Wait<W, A>> {
    type Output = A::Output;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<A::Output> {
        match Pin::new(&mut self.0).poll(cx) {
            Poll::Ready(done) => Poll::Ready(without_deadline(done)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// One wait in progress: the state of the protocol between polls.
pub(crate) struct Waiting<W: Waiter> {
    deadline: Option<Instant>,
    listener: Option<EventListener>,
    /// Made only when the wait really has to sleep towards a deadline.
    timer: Option<Pin<Box<W::Timer>>>,
    /// Whether this waiter has announced itself (listened at least once): from then on every
    /// attempt is a registered waiter's, and a failed one keeps the announcement up.
    registered: bool,
    /// Whether to spin before the next listen: once per round, not on every spurious poll.
    spin: bool,
    /// This wait as the deadlock detector knows it, once it has gone to sleep in a unit
    /// whose run detects deadlocks.
    noted: Option<Noted>,
}

impl<W: Waiter> Waiting<W> {
    /// A wait that gives up at `deadline` (`None`: never).
    pub(crate) fn new(deadline: Option<Instant>) -> Self {
        Waiting {
            deadline,
            listener: None,
            timer: None,
            registered: false,
            spin: true,
            noted: None,
        }
    }

    /// A wait for one notification of a listener made by the caller: a condition variable
    /// listens before it unlocks, so it brings its own.
    pub(crate) fn with_listener(listener: EventListener, deadline: Option<Instant>) -> Self {
        Waiting {
            listener: Some(listener),
            registered: true,
            ..Waiting::new(deadline)
        }
    }

    /// One poll of the protocol (see the [module docs](self)) for the operation `op`.
    ///
    /// On the deadline, one last attempt decides: `Ok` if it succeeded, else `Err(Timeout)`.
    #[inline]
    pub(crate) fn poll<A: Attempt>(
        &mut self,
        cx: &mut Context<'_>,
        op: &mut A,
    ) -> Poll<Result<A::Output, Timeout>> {
        // The fast path, inline: most operations succeed at the first attempt.
        if let Some(done) = op.attempt(self.registered) {
            self.listener = None;
            self.end_noted(op.lock());
            return Poll::Ready(Ok(done));
        }
        self.poll_after_failed_attempt(cx, op)
    }

    /// The rest of the protocol, after an attempt failed; a wait that goes to sleep is noted
    /// for the deadlock detector, and the note ends with the wait.
    fn poll_after_failed_attempt<A: Attempt>(
        &mut self,
        cx: &mut Context<'_>,
        op: &mut A,
    ) -> Poll<Result<A::Output, Timeout>> {
        let poll = self.poll_waiting(cx, op);
        if poll.is_ready() {
            self.end_noted(op.lock());
        }
        poll
    }

    /// Tells the deadlock detector this wait goes to sleep (once per wait): a wait on `lock`
    /// (if it takes one) for `waits_for`.
    fn note_sleeping(
        &mut self,
        lock: Option<&crate::mutex::RawLock>,
        waits_for: impl FnOnce() -> WaitsFor,
    ) {
        if self.noted.is_none() {
            self.noted = Noted::new(self.deadline.is_some(), lock, waits_for);
        }
    }

    /// Ends what [`note_sleeping`](Self::note_sleeping) began; `lock` is the wait's lock.
    #[inline]
    fn end_noted(&mut self, lock: Option<&crate::mutex::RawLock>) {
        if let Some(noted) = self.noted.take() {
            noted.end(lock);
        }
    }

    /// The rest of the protocol, after an attempt failed.
    fn poll_waiting<A: Attempt>(
        &mut self,
        cx: &mut Context<'_>,
        op: &mut A,
    ) -> Poll<Result<A::Output, Timeout>> {
        loop {
            if W::cancelled() {
                // The unit was cancelled while this wait spun: stop before the next attempt
                // can take anything, and let the executor drop the unit at this wait.
                return Poll::Pending;
            }
            if self.listener.is_none() {
                // A waiter in line takes its place before it spins, so the line keeps the
                // order of the calls, not of the ends of spins.
                let in_line = op.stands_in_line();
                if in_line {
                    self.listen(op);
                }
                // Spin (thread twins): spinning towards a deadline that has passed would only
                // delay the answer.
                if std::mem::take(&mut self.spin) && !self.expired() {
                    if let Some(done) = W::spin(op, self.registered) {
                        self.listener = None;
                        return Poll::Ready(Ok(done));
                    }
                }
                // Listen, then attempt again: a change in between reaches the listener.
                if !in_line {
                    self.listen(op);
                }
            } else {
                match self.poll_notified(cx) {
                    // Woken: a new round, with a spin before listening again.
                    Poll::Ready(true) => self.spin = true,
                    Poll::Ready(false) => {
                        self.listener = None;
                        return Poll::Ready(op.attempt(self.registered).ok_or(Timeout));
                    }
                    Poll::Pending => {
                        self.note_sleeping(op.lock(), || op.waits_for());
                        return Poll::Pending;
                    }
                }
            }
            if let Some(done) = op.attempt(self.registered) {
                self.listener = None;
                return Poll::Ready(Ok(done));
            }
        }
    }

    fn listen<A: Attempt>(&mut self, op: &mut A) {
        self.listener = Some(op.event().listen());
        self.registered = true;
    }

    fn expired(&self) -> bool {
        expired(self.deadline)
    }

    /// Waits for the listener given to [`with_listener`](Self::with_listener), made on
    /// `event`: `true` when it was notified, `false` when the deadline passed first.
    pub(crate) fn poll_listener(&mut self, cx: &mut Context<'_>, event: &Event) -> Poll<bool> {
        if std::mem::take(&mut self.spin) {
            let mut notified = Notified {
                event,
                listener: &mut self.listener,
            };
            if W::spin(&mut notified, true).is_some() {
                return Poll::Ready(true);
            }
        }
        let poll = self.poll_notified(cx);
        if poll.is_pending() {
            self.note_sleeping(None, || WaitsFor::Condition);
        } else {
            self.noted = None;
        }
        poll
    }

    /// The "wait" step: `Ready(true)` when the listener fired (it is consumed), `Ready(false)`
    /// at the deadline, else `Pending` with the waker registered for both.
    fn poll_notified(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        let Some(listener) = self.listener.as_mut() else {
            return Poll::Ready(true);
        };
        if Pin::new(listener).poll(cx).is_ready() {
            self.listener = None;
            return Poll::Ready(true);
        }
        let Some(deadline) = self.deadline else {
            return Poll::Pending;
        };
        if crate::sync::now() >= deadline {
            return Poll::Ready(false);
        }
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(W::timer(deadline)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(false),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The first round of a wait for a condition that waiting takes nothing from (an event's flag,
/// a finished round): one check, then the thread twin's spin; whether `ready()` came to hold.
/// When it did not, [`until_true`] waits on without spinning again.
///
/// The caller makes this round in its own body, before any [`Wait`] exists, so a hand-off
/// between two running threads is caught with nothing built, polled or dropped between the
/// other thread's change and the caller. Measured on the thread twin's event ping-pong
/// (`cargo bench --bench event -- 'event/ping-pong/threads$'`, medians of ten alternating runs):
/// about 150 ns a round trip this way, 170–200 ns with the same spin made inside a `Wait`.
#[inline(always)]
pub(crate) fn ready_soon<W: Waiter>(
    event: &Event,
    deadline: Option<Instant>,
    ready: impl Fn() -> bool,
) -> bool {
    ready()
        || !expired(deadline) && {
            let check = &mut Check {
                waits_for: WaitsFor::Event, // only spun, never noted
                event,
                ready,
            };
            W::spin(check, false).is_some()
        }
}

/// Waits, by the protocol, until `ready()` holds or `deadline` passes (`Err(Timeout)`), after
/// a failed [`ready_soon`]: it listens on `event`, which must be notified whenever the
/// condition may have become true.
pub(crate) fn until_true<W: Waiter>(
    waits_for: WaitsFor,
    event: &Event,
    deadline: Option<Instant>,
    ready: impl Fn() -> bool,
) -> Wait<W, impl Attempt<Output = ()>> {
    // The first round was `ready_soon`'s.
    let check = Check {
        waits_for,
        event,
        ready,
    };
    Wait::after_first_round(check, deadline)
}

/// Waits, by the protocol, until `attempt` succeeds or `deadline` passes: [`Wait`] for an
/// attempt made of closures (see [`Attempt`] for what they mean).
pub(crate) fn until<W: Waiter, R>(
    waits_for: WaitsFor,
    event: &Event,
    deadline: Option<Instant>,
    attempt: impl FnMut(bool) -> Option<R>,
    hint: impl Fn() -> bool,
) -> Wait<W, impl Attempt<Output = R>> {
    Wait::new(Closures::new(waits_for, event, attempt, hint), deadline)
}

/// Waits for one notification of `listener` (made on `event`), or until `deadline`; returns
/// whether it came.
pub(crate) async fn notified<W: Waiter>(
    event: &Event,
    listener: EventListener,
    deadline: Option<Instant>,
) -> bool {
    let mut waiting = Waiting::<W>::with_listener(listener, deadline);
    poll_fn(|cx| waiting.poll_listener(cx, event)).await
}

/// The thread twins' sleep: ready at `deadline`, never if `None`.
pub(crate) fn thread_sleep(deadline: Option<Instant>) -> Sleep {
    Sleep::until(deadline)
}

/// Whether `deadline` has passed (`None`: never).
fn expired(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|deadline| crate::sync::now() >= deadline)
}

/// The deadline `timeout` from now, or `None` (wait forever) if that is past representable time.
pub(crate) fn deadline_after(timeout: Duration) -> Option<Instant> {
    crate::sync::now().checked_add(timeout)
}

/// Unwraps the result of a wait that had no deadline, which therefore cannot have timed out.
pub(crate) fn without_deadline<T>(result: Result<T, Timeout>) -> T {
    match result {
        Ok(value) => value,
        Err(Timeout) => unreachable!("a wait without a deadline timed out"),
    }
}
