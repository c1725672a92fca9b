//! How a twin waits: the one place where thread twins and task twins differ.
//!
//! The primitives twinsync builds itself (events, semaphores, conditions, barriers) keep their
//! state in atomics or under a short lock and announce changes through an
//! [`event_listener::Event`]. Their state machine is written once, generic over a [`Waiter`];
//! only the step "wait for this listener to be notified" differs:
//!
//! - [`Blocking`] parks the OS thread (`listener.wait()`), after a short spin: waking a parked
//!   thread on the other core costs tens of microseconds, re-checking a hot flag costs
//!   nanoseconds.
//! - [`Async`] awaits the listener, so the task yields and its worker runs other tasks; deadlines
//!   are tokio timers.
//!
//! This mirrors flume's `Signal` and event-listener's own blocking/async split.

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use event_listener::{EventListener, Listener};

/// How a twin waits for a notification. Sealed: [`Blocking`] (thread twins) and [`Async`]
/// (task twins).
pub trait Waiter: sealed::Sealed + Send + Sync + 'static {
    /// How many times a waiting loop re-checks its condition before it listens.
    #[doc(hidden)]
    const SPINS: u32;

    /// Waits until `listener` is notified or `deadline` passes; returns whether it was notified.
    #[doc(hidden)]
    fn wait_until(
        listener: EventListener,
        deadline: Option<Instant>,
    ) -> impl Future<Output = bool> + Send;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Blocking {}
    #[cfg(feature = "tokio")]
    impl Sealed for super::Async {}
}

/// Thread twins' way of waiting: block the OS thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct Blocking;

impl Waiter for Blocking {
    const SPINS: u32 = 64;

    async fn wait_until(mut listener: EventListener, deadline: Option<Instant>) -> bool {
        // Spin first: the notification often comes within microseconds (a hand-off between
        // two running threads), and parking then costs a cross-core wake-up of ~20 µs.
        if spin_on(&mut listener) {
            return true;
        }
        match deadline {
            None => {
                listener.wait();
                true
            }
            Some(deadline) => listener.wait_deadline(deadline).is_some(),
        }
    }
}

/// Polls `listener` with a no-op waker in a short exponential back-off of spins, then a few
/// `yield_now`s; returns whether it was notified meanwhile.
fn spin_on(listener: &mut EventListener) -> bool {
    let mut cx = Context::from_waker(Waker::noop());
    for step in 0..SPIN_STEPS {
        if Pin::new(&mut *listener).poll(&mut cx).is_ready() {
            return true;
        }
        if step < SPIN_STEPS / 2 {
            for _ in 0..(1u32 << step) {
                std::hint::spin_loop();
            }
        } else {
            std::thread::yield_now();
        }
    }
    false
}

/// Back-off steps of [`spin_on`]: spins of 1, 2, 4 … 64 `pause`s, then as many `yield_now`s.
const SPIN_STEPS: u32 = 14;

/// Task twins' way of waiting: yield the task until woken.
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default)]
pub struct Async;

#[cfg(feature = "tokio")]
impl Waiter for Async {
    const SPINS: u32 = 0;

    async fn wait_until(listener: EventListener, deadline: Option<Instant>) -> bool {
        match deadline {
            None => {
                listener.await;
                true
            }
            Some(deadline) => tokio::time::timeout_at(deadline.into(), listener)
                .await
                .is_ok(),
        }
    }
}

/// The deadline `timeout` from now, or `None` (wait forever) if that is past representable time.
pub(crate) fn deadline_after(timeout: std::time::Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

/// Runs a [`Blocking`]-waiter future to completion on the calling thread.
///
/// Such futures block inside `poll` and so are ready at the first poll; this polls once with a
/// no-op waker (no allocation) and falls back to a full [`block_on`](crate::block_on) only if a
/// future unexpectedly returns `Pending`.
pub(crate) fn blocking<Fut: Future>(future: Fut) -> Fut::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => crate::block_on(future),
    }
}

/// Unwraps the result of a wait that had no deadline, which therefore cannot have timed out.
pub(crate) fn without_deadline<T>(result: Result<T, crate::error::Timeout>) -> T {
    match result {
        Ok(value) => value,
        Err(crate::error::Timeout) => unreachable!("a wait without a deadline timed out"),
    }
}

/// Spins up to `W::SPINS` times waiting for `ready` to hold; returns whether it did.
pub(crate) fn spin<W: Waiter>(mut ready: impl FnMut() -> bool) -> bool {
    for _ in 0..W::SPINS {
        if ready() {
            return true;
        }
        std::hint::spin_loop();
    }
    false
}
