//! The lock state machine behind both mutex twins: one byte of state, one event.
//!
//! The byte holds `LOCKED` and `WAITING` ("some unit may be listening for the release"). It is
//! the futex mutex of Drepper's *Futexes Are Tricky*, with an [`Event`] in place of the futex:
//!
//! - an uncontended lock is one compare-and-swap from 0 to `LOCKED`, an uncontended unlock one
//!   compare-and-swap back, and neither touches the event;
//! - a unit that has listened takes the lock with `fetch_or(LOCKED | WAITING)`: if the lock was
//!   free it is now the owner (and conservatively leaves `WAITING` set), if not it has announced
//!   itself, so the owner's unlock will see `WAITING` and notify;
//! - an unlock that finds `WAITING` clears the whole byte and notifies one listener. Other
//!   listeners stay registered; the woken one sets `WAITING` again whether it wins or loses, so
//!   the next unlock wakes the next one.
//!
//! The lock **barges**: a unit arriving at the moment of release may take it ahead of a woken
//! waiter (which then waits again), as Python's `threading.Lock` and parking_lot's mutex allow.

use std::sync::atomic::{AtomicU8, Ordering::AcqRel, Ordering::Acquire, Ordering::Relaxed};

use event_listener::Event;

const LOCKED: u8 = 1;
const WAITING: u8 = 2;

/// A lock without data: the state machine of [`MutexTwin`](super::MutexTwin).
pub(crate) struct RawLock {
    state: AtomicU8,
    /// Notified by an unlock that found `WAITING`.
    pub(crate) released: Event,
}

impl RawLock {
    pub(crate) const fn new() -> Self {
        RawLock {
            state: AtomicU8::new(0),
            released: Event::new(),
        }
    }

    /// Takes the lock if it is free right now.
    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        self.state
            .compare_exchange(0, LOCKED, Acquire, Relaxed)
            .is_ok()
            || self.try_lock_beside_waiters()
    }

    /// Takes a free lock that has waiters announced, leaving their announcement in place.
    fn try_lock_beside_waiters(&self) -> bool {
        let mut state = self.state.load(Relaxed);
        while state & LOCKED == 0 {
            match self
                .state
                .compare_exchange_weak(state, state | LOCKED, Acquire, Relaxed)
            {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
        false
    }

    /// One attempt of the waiting protocol; a registered waiter announces itself as it tries.
    #[inline]
    pub(crate) fn take(&self, registered: bool) -> bool {
        if registered {
            // AcqRel: publishes the listener registered before this to the unlocker that reads
            // `WAITING` here, and acquires the lock if it was free.
            self.state.fetch_or(LOCKED | WAITING, AcqRel) & LOCKED == 0
        } else {
            self.try_lock()
        }
    }

    /// Releases the lock; only its holder calls this.
    #[inline]
    pub(crate) fn unlock(&self) {
        if self
            .state
            .compare_exchange(LOCKED, 0, AcqRel, Relaxed)
            .is_err()
        {
            self.unlock_and_notify();
        }
    }

    #[cold]
    fn unlock_and_notify(&self) {
        self.state.swap(0, AcqRel);
        // Not `additional`: a listener already woken and about to try again is enough, since
        // whether it wins or loses it sets `WAITING` again.
        self.released.notify(1);
    }

    /// Whether some unit holds the lock right now; only a hint.
    #[inline]
    pub(crate) fn is_locked(&self) -> bool {
        self.state.load(Relaxed) & LOCKED != 0
    }
}
