//! The count of permits behind every semaphore, lock and mutex twin, in either [`Policy`].
//!
//! A lock is a count of one permit, so `Mutex`, `Lock`, `ReentrantMutex` (through its gate) and
//! `Semaphore` share this one state machine: [`Permits::try_take`], [`Permits::give`] and a
//! [`Taking`] attempt for the waiting protocol, in the barging form below or the fair form of
//! [`super::fair`].
//!
//! # The barging form
//!
//! One word holds the free permits (low 32 bits) and `WAITING`, "some unit may be listening".
//! It is the futex mutex of Drepper's *Futexes Are Tricky*, with a count and an [`Event`] in
//! place of the futex:
//!
//! - an uncontended take or give is one compare-and-swap, and touches no event;
//! - a unit that has listened takes with `WAITING` set, whether it succeeds (conservatively:
//!   others may still listen) or fails (it announces itself), so the next give sees `WAITING`;
//! - a give that finds `WAITING` clears it and notifies: one listener for a lock (a woken one
//!   that loses the race sets `WAITING` again), `n` more for `n` permits of a semaphore.

use std::sync::atomic::{AtomicU64, Ordering::AcqRel, Ordering::Acquire};

use event_listener::{Event, IntoNotification};

use super::fair::{FairPermits, InLine};
use crate::policy::Policy;
use crate::wait::Attempt;

/// Set while some unit may be listening (barging form).
const WAITING: u64 = 1 << 32;

fn free(state: u64) -> u32 {
    state as u32
}

/// A count of permits, barging or fair.
pub(crate) enum Permits {
    Barging(BargingPermits),
    Fair(FairPermits),
}

/// The barging form: see the [module docs](self).
pub(crate) struct BargingPermits {
    state: AtomicU64,
    released: Event,
}

impl Permits {
    pub(crate) const fn new(permits: u32, policy: Policy) -> Self {
        match policy {
            Policy::Barging => Permits::Barging(BargingPermits {
                state: AtomicU64::new(permits as u64),
                released: Event::new(),
            }),
            Policy::Fifo => Permits::Fair(FairPermits::new(permits)),
        }
    }

    pub(crate) fn policy(&self) -> Policy {
        match self {
            Permits::Barging(_) => Policy::Barging,
            Permits::Fair(_) => Policy::Fifo,
        }
    }

    /// Free permits right now.
    pub(crate) fn available(&self) -> u32 {
        match self {
            Permits::Barging(permits) => free(permits.state.load(Acquire)),
            Permits::Fair(permits) => permits.available(),
        }
    }

    /// Whether taking `n` now would have to wait: too few free, or (fair) others in line.
    pub(crate) fn would_wait(&self, n: u32) -> bool {
        match self {
            Permits::Barging(_) => self.available() < n,
            Permits::Fair(permits) => permits.has_waiters() || permits.available() < n,
        }
    }

    /// Takes `n` permits if that needs no waiting.
    #[inline]
    pub(crate) fn try_take(&self, n: u32) -> bool {
        match self {
            Permits::Barging(permits) => permits.try_take(n),
            Permits::Fair(permits) => permits.try_take(n),
        }
    }

    /// Adds `n` permits and wakes (barging) or serves (fair) waiters. Past `limit` it refuses
    /// (`false`, nothing added), or with `saturate` adds only up to the limit.
    #[inline]
    pub(crate) fn give(&self, n: u32, limit: u32, saturate: bool) -> bool {
        match self {
            Permits::Barging(permits) => permits.give(n, limit, saturate),
            Permits::Fair(permits) => permits.give(n, limit, saturate),
        }
    }

    /// Taking `n` permits, for the waiting protocol.
    pub(crate) fn taking(&self, n: u32) -> Taking<'_> {
        match self {
            Permits::Barging(permits) => Taking::Barging(permits, n),
            Permits::Fair(permits) => Taking::Fair(InLine::new(permits, n)),
        }
    }
}

impl BargingPermits {
    #[inline]
    fn try_take(&self, n: u32) -> bool {
        self.state
            .fetch_update(AcqRel, Acquire, |state| {
                (free(state) >= n).then(|| state - u64::from(n))
            })
            .is_ok()
    }

    /// A registered waiter's take: announces it (`WAITING`) whether it succeeds or not.
    fn take_announced(&self, n: u32) -> bool {
        let before = self.state.fetch_update(AcqRel, Acquire, |state| {
            Some(if free(state) >= n {
                (state - u64::from(n)) | WAITING
            } else {
                state | WAITING
            })
        });
        before.is_ok_and(|state| free(state) >= n)
    }

    #[inline]
    fn give(&self, n: u32, limit: u32, saturate: bool) -> bool {
        let before = self.state.fetch_update(AcqRel, Acquire, |state| {
            let total = u64::from(free(state)) + u64::from(n);
            if total <= u64::from(limit) {
                Some(total)
            } else {
                saturate.then_some(u64::from(limit))
            }
        });
        match before {
            Ok(state) if state & WAITING != 0 => {
                self.wake(n, limit);
                true
            }
            Ok(_) => true,
            Err(_) => false,
        }
    }

    #[cold]
    fn wake(&self, n: u32, limit: u32) {
        if limit == 1 {
            // A lock: a listener already woken is enough, since it re-announces either way.
            self.released.notify(1);
        } else {
            // `additional`: `n` listeners not woken yet. A plain `notify(n)` counts listeners
            // already woken but not yet run, and would leave the new permits unclaimed.
            self.released.notify((n as usize).additional());
        }
    }
}

/// Taking `n` permits, as the waiting protocol sees it.
pub(crate) enum Taking<'a> {
    Barging(&'a BargingPermits, u32),
    Fair(InLine<'a>),
}

impl Attempt for Taking<'_> {
    type Output = ();
    const CONTENDED: bool = true;

    fn event(&mut self) -> &Event {
        match self {
            Taking::Barging(permits, _) => &permits.released,
            Taking::Fair(line) => line.event(),
        }
    }

    #[inline]
    fn attempt(&mut self, registered: bool) -> Option<()> {
        match self {
            Taking::Barging(permits, n) => if registered {
                permits.take_announced(*n)
            } else {
                permits.try_take(*n)
            }
            .then_some(()),
            Taking::Fair(line) => line.attempt(registered),
        }
    }

    fn hint(&self) -> bool {
        match self {
            Taking::Barging(permits, n) => free(permits.state.load(Acquire)) >= *n,
            Taking::Fair(line) => line.hint(),
        }
    }
}
