//! How a twin waits: the one waiting protocol, and the one place where the twins differ.
//!
//! Every primitive twinsync builds (mutex, semaphore, event, condition, barrier, the queue
//! core, the unit registry, join handles) keeps its state in atomics or under a short lock and
//! announces changes through an [`event_listener::Event`]. Waiting for a change is always the
//! same protocol, written once here ([`Waiting::poll`]):
//!
//! 1. **attempt**: try the operation (take the lock, pop an item, …);
//! 2. **spin** (thread twins only): re-check a cheap hint for a few microseconds, since waking a
//!    parked thread on another core costs ~20 µs while a hand-off between two running threads
//!    takes nanoseconds;
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
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use event_listener::{Event, EventListener};

use crate::error::Timeout;

mod clock;
mod executor;

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

    /// Spins until `ready` holds or the spin budget is spent; returns whether it held.
    #[doc(hidden)]
    fn spin(ready: impl FnMut() -> bool) -> bool;
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

/// Back-off steps of [`Blocking::spin`]: `pause` × 1, 2, 4 … 64, then `yield_now` × 7.
const SPIN_STEPS: u32 = 7;
const YIELD_STEPS: u32 = 7;

impl Waiter for Blocking {
    type Timer = Sleep;

    fn timer(deadline: Instant) -> Sleep {
        Sleep::until(Some(deadline))
    }

    #[inline]
    fn spin(mut ready: impl FnMut() -> bool) -> bool {
        for step in 0..SPIN_STEPS + YIELD_STEPS {
            if ready() {
                return true;
            }
            if step < SPIN_STEPS {
                for _ in 0..(1u32 << step) {
                    std::hint::spin_loop();
                }
            } else {
                // On a busy machine the unit we wait for may need this core.
                std::thread::yield_now();
            }
        }
        ready()
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

    fn timer(deadline: Instant) -> tokio::time::Sleep {
        tokio::time::sleep_until(deadline.into())
    }

    #[inline]
    fn spin(_ready: impl FnMut() -> bool) -> bool {
        false
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

    /// One poll of the protocol (see the [module docs](self)).
    ///
    /// `attempt(registered)` tries the operation and returns `Some` when the wait is over (with
    /// any outcome: an item, an error). `registered` says the caller has listened, so a failed
    /// attempt must announce it in the primitive's state. `hint` is a cheap, side-effect-free
    /// "an attempt might succeed now", for spinning.
    ///
    /// On the deadline, one last attempt decides: `Ok` if it succeeded, else `Err(Timeout)`.
    pub(crate) fn poll<R>(
        &mut self,
        cx: &mut Context<'_>,
        event: &Event,
        mut attempt: impl FnMut(bool) -> Option<R>,
        hint: impl FnMut() -> bool,
    ) -> Poll<Result<R, Timeout>> {
        let mut hint = hint;
        loop {
            if let Some(done) = attempt(self.registered) {
                self.listener = None;
                return Poll::Ready(Ok(done));
            }
            if self.listener.is_none() {
                // Spinning towards a deadline that has passed would only delay the answer.
                if std::mem::take(&mut self.spin) && !self.expired() && W::spin(&mut hint) {
                    continue;
                }
                // Listen, then attempt again: a change in between reaches the listener.
                self.listener = Some(event.listen());
                self.registered = true;
                continue;
            }
            match self.poll_notified(cx) {
                // Woken: a new round, with a spin before listening again.
                Poll::Ready(true) => self.spin = true,
                Poll::Ready(false) => {
                    self.listener = None;
                    return Poll::Ready(attempt(self.registered).ok_or(Timeout));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn expired(&self) -> bool {
        self.deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
    }

    /// Waits for the listener given to [`with_listener`](Self::with_listener): `true` when it
    /// was notified, `false` when the deadline passed first.
    pub(crate) fn poll_listener(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        if std::mem::take(&mut self.spin) {
            let mut quiet = Context::from_waker(Waker::noop());
            let listener = &mut self.listener;
            let notified = W::spin(|| {
                listener
                    .as_mut()
                    .is_none_or(|l| Pin::new(l).poll(&mut quiet).is_ready())
            });
            if notified {
                self.listener = None;
                return Poll::Ready(true);
            }
        }
        self.poll_notified(cx)
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
        if Instant::now() >= deadline {
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

/// Waits, by the protocol, until `attempt` succeeds or `deadline` passes; see [`Waiting::poll`].
pub(crate) async fn until<W: Waiter, R>(
    event: &Event,
    deadline: Option<Instant>,
    mut attempt: impl FnMut(bool) -> Option<R>,
    mut hint: impl FnMut() -> bool,
) -> Result<R, Timeout> {
    let mut waiting = Waiting::<W>::new(deadline);
    poll_fn(|cx| waiting.poll(cx, event, &mut attempt, &mut hint)).await
}

/// Waits for one notification of `listener`, or until `deadline`; returns whether it came.
pub(crate) async fn notified<W: Waiter>(
    listener: EventListener,
    deadline: Option<Instant>,
) -> bool {
    let mut waiting = Waiting::<W>::with_listener(listener, deadline);
    poll_fn(|cx| waiting.poll_listener(cx)).await
}

/// The thread twins' sleep: ready at `deadline`, never if `None`.
pub(crate) fn thread_sleep(deadline: Option<Instant>) -> Sleep {
    Sleep::until(deadline)
}

/// The deadline `timeout` from now, or `None` (wait forever) if that is past representable time.
pub(crate) fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

/// Unwraps the result of a wait that had no deadline, which therefore cannot have timed out.
pub(crate) fn without_deadline<T>(result: Result<T, Timeout>) -> T {
    match result {
        Ok(value) => value,
        Err(Timeout) => unreachable!("a wait without a deadline timed out"),
    }
}
