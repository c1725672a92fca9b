//! Entering a reentrant mutex: the futures of `lock`, over the one waiting protocol.
//!
//! Re-entry is the hot path (parking_lot's `ReentrantMutex` is the bar): [`Relock`] tries it
//! at its first poll before any waiting state exists, and only a failed re-entry builds the
//! [`Wait`] on the gate.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use super::{ReentrantMutexGuard, ReentrantMutexTwin, current_owner};
use crate::mutex::RawLocking;
use crate::wait::{Attempt, Forever, Wait, Waiter};

/// Entering a reentrant mutex, as the waiting protocol sees it: re-entry if the current unit
/// owns it, else the gate's lock. The owner is asked at every attempt, not when the future is
/// made: a future may be made in one unit and awaited in another.
pub(super) struct Entering<'a, T, W> {
    mutex: &'a ReentrantMutexTwin<T, W>,
    taking: RawLocking<'a>,
}

impl<'a, T, W> Attempt for Entering<'a, T, W> {
    type Output = ReentrantMutexGuard<'a, T, W>;
    const CONTENDED: bool = true;

    fn event(&mut self) -> &event_listener::Event {
        self.taking.event()
    }

    #[inline]
    fn attempt(&mut self, registered: bool) -> Option<ReentrantMutexGuard<'a, T, W>> {
        let (mutex, me) = (self.mutex, current_owner());
        if mutex.reenter(me) {
            // A sub-future of this unit took the lock meanwhile; a place this wait holds in
            // line is given up when `taking` drops, as for any wait that ends early.
            return Some(mutex.guard());
        }
        self.taking
            .attempt(registered)
            .map(|()| mutex.become_owner(me))
    }

    fn hint(&self) -> bool {
        self.taking.hint()
    }

    fn stands_in_line(&self) -> bool {
        self.taking.stands_in_line()
    }

    fn lock(&self) -> Option<&crate::mutex::RawLock> {
        self.taking.lock()
    }

    fn waits_for(&self) -> crate::deadlock::WaitsFor {
        self.taking.waits_for()
    }
}

/// A wait to enter that cannot time out.
type EnterForever<'a, T, W> = Forever<Wait<W, Entering<'a, T, W>>>;

/// The trait's `lock`: re-entry at the first poll, before any waiting state exists.
pub(super) struct Relock<'a, T, W: Waiter> {
    mutex: &'a ReentrantMutexTwin<T, W>,
    /// The wait, made when re-entry fails. Dropped by hand (see `Drop`), so a re-entry costs
    /// one inline check instead of a call to drop glue, as in [`Wait`].
    wait: ManuallyDrop<Option<EnterForever<'a, T, W>>>,
}

impl<T, W: Waiter> Drop for Relock<'_, T, W> {
    #[inline]
    fn drop(&mut self) {
        if self.wait.is_some() {
            drop(self.wait.take());
        }
    }
}

impl<'a, T, W: Waiter> Future for Relock<'a, T, W> {
    type Output = ReentrantMutexGuard<'a, T, W>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.wait.is_none() && this.mutex.reenter(current_owner()) {
            return Poll::Ready(this.mutex.guard());
        }
        this.poll_waiting(cx)
    }
}

impl<'a, T, W: Waiter> Relock<'a, T, W> {
    /// Every poll after a failed re-entry, out of line so the re-entry stays small.
    #[inline(never)]
    fn poll_waiting(&mut self, cx: &mut Context<'_>) -> Poll<ReentrantMutexGuard<'a, T, W>> {
        let mutex = self.mutex;
        let wait = self
            .wait
            .get_or_insert_with(|| Wait::forever(mutex.entering()));
        Pin::new(wait).poll(cx)
    }
}

impl<T, W: Waiter> ReentrantMutexTwin<T, W> {
    /// The lock of both twins, without a deadline.
    pub(super) fn relock(&self) -> Relock<'_, T, W> {
        Relock {
            mutex: self,
            wait: ManuallyDrop::new(None),
        }
    }

    pub(super) fn entering(&self) -> Entering<'_, T, W> {
        Entering {
            mutex: self,
            taking: self.gate.taking(),
        }
    }

    /// The lock of both twins, with a deadline.
    pub(super) fn lock_until(&self, deadline: Option<Instant>) -> Wait<W, Entering<'_, T, W>> {
        Wait::new(self.entering(), deadline)
    }
}
