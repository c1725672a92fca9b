//! The lock state machine behind [`MutexTwin`](super::MutexTwin) and
//! [`LockTwin`](crate::lock::LockTwin): a count of one permit, in either [`Policy`].
//!
//! A lock is the simplest semaphore, so it is one: the count of
//! [`semaphore::Permits`](crate::semaphore), bounded at one. Taking the lock takes the permit,
//! unlocking gives it back (a second unlock finds the count full: [`try_unlock`](RawLock::try_unlock)
//! reports it), and both policies, with their proofs, live in one place.
//!
//! Beside the permit, the lock knows its holder and its origin, for the deadlock detector
//! ([`crate::deadlock`]): taking it writes the holder's unit id, releasing it writes 0, both on
//! the lock's own cache line; only a *watched* lock (one that a unit sleeps on) tells the
//! detector about each change.

use std::panic::Location;
// The holder and the watch flag are the checkers' atomics under loom and shuttle: the
// detector's models (`src/loom_models.rs`) explore their races with a release. Built without
// the `deadlock` feature, nothing touches them. The lock-order id stays `std`'s: the order
// check is not modelled.
use crate::sync::atomic::{AtomicBool, AtomicU64, Ordering::Acquire, Ordering::Relaxed};

use event_listener::Event;

use crate::deadlock::{self, LockOrigin, WaitsFor};
use crate::policy::Policy;
use crate::semaphore::{Permits, Taking};
use crate::wait::Attempt;

/// A lock without data: one permit, its holder, its origin.
pub(crate) struct RawLock {
    permit: Permits,
    /// The id of the unit holding the lock; 0 when free or held by code outside any unit.
    holder: AtomicU64,
    /// Whether some unit sleeps waiting for this lock: then every change of holder is told to
    /// the deadlock detector.
    watched: AtomicBool,
    origin: LockOrigin,
    /// The lock's id in the lock-order check's graph; 0 until a checking unit takes it.
    order_id: std::sync::atomic::AtomicU64,
}

impl RawLock {
    crate::sync::const_fn! {
        /// A free lock named `name` (if any), made where the caller's caller stands.
        #[track_caller]
        pub(crate) const fn new(policy: Policy, name: Option<&'static str>) -> Self {
            RawLock {
                permit: Permits::new(1, policy),
                holder: AtomicU64::new(0),
                watched: AtomicBool::new(false),
                origin: LockOrigin::new(name, Location::caller()),
                order_id: std::sync::atomic::AtomicU64::new(0),
            }
        }
    }

    /// Where the lock came from.
    pub(crate) fn origin(&self) -> LockOrigin {
        self.origin
    }

    /// The lock's identity in the wait-for graph.
    pub(crate) fn key(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    /// Starts or stops telling the detector about changes of holder. Called under the
    /// detector's lock.
    pub(crate) fn watch(&self, on: bool) {
        self.watched.store(on, Relaxed);
    }

    /// The holder, read by a waiter that has just started watching (see `deadlock::detect`
    /// for why this read is never stale); `None` if no unit is known to hold the lock.
    ///
    /// A lock that is held with no holder written is either being taken right now (the id
    /// comes within nanoseconds) or, under [`Policy::Fifo`], was handed over to a waiter that
    /// has not run yet (it writes its id, and tells the detector, when it does). A barging
    /// lock is never handed over, so a few spins wait the taker out; a FIFO lock is read once,
    /// since the spin runs under the detector's lock, and 64 spins there cost four tasks
    /// contending for a FIFO mutex nine times their time (`cargo bench --bench deadlock --
    /// contended-4/task`, 2.4 µs against 0.26 µs off; 8 spins still 2.5 times).
    ///
    /// The taker's write is a plain store followed by a plain load of the watch flag, and this
    /// read a load after the watch: if the store is not yet visible when the spins end, the
    /// taker may in turn miss the watch (the store-buffering pattern), and the holder stays
    /// unknown to this waiter. Hardware makes a store visible within nanoseconds, but the
    /// memory model only says it should; loom, which takes it at its word, finds the miss
    /// (`src/loom_models.rs`). Closing it needs a read-modify-write or a fence on the taker's
    /// side, and a swap there made an uncontended lock and unlock 35 % slower on `Threads` and
    /// 49 % on the task twin (criterion, `mutex uncontended`, medians of three alternated
    /// runs: 28.2 against 20.9 ns, 30.2 against 20.3 ns, on a slow 2-vCPU machine). The price of the plain store: such a
    /// cycle is missed by the walk (never invented), and is reported as "all units asleep"
    /// once the whole run sleeps.
    pub(crate) fn holder_after_watch(&self) -> Option<crate::UnitId> {
        self.permit.touch();
        let spins = match self.policy() {
            Policy::Barging => 64,
            Policy::Fifo => 1,
        };
        for _ in 0..spins {
            match self.holder.load(Acquire) {
                0 if self.is_locked() => crate::sync::spin_loop(), // taken, id not yet written
                0 => return None,
                id => return Some(crate::UnitId::from_u64(id)),
            }
        }
        None
    }

    /// Records the current unit as the holder of the lock it has just taken.
    #[inline]
    pub(crate) fn taken(&self) {
        if !deadlock::COMPILED_IN {
            return;
        }
        let holder = crate::unit::current_raw_id();
        self.holder.store(holder, Relaxed);
        if self.watched.load(Relaxed) | deadlock::CHECKING_LOCK_ORDER.load(Relaxed) {
            self.tell_taken(holder);
        }
    }

    /// The detector's part of [`taken`](Self::taken), out of the fast path.
    #[cold]
    #[inline(never)]
    fn tell_taken(&self, holder: u64) {
        if self.watched.load(Relaxed) {
            deadlock::acquired(self.key(), holder);
        }
        if deadlock::CHECKING_LOCK_ORDER.load(Relaxed) {
            deadlock::order_taken(&self.order_id, self.origin);
        }
    }

    /// Forgets the holder of a lock about to be released; then [`released`](Self::released)
    /// after the release.
    #[inline]
    fn releasing(&self) -> u64 {
        if !deadlock::COMPILED_IN {
            return 0;
        }
        let holder = self.holder.load(Relaxed);
        self.holder.store(0, Relaxed);
        holder
    }

    #[inline]
    fn released(&self, holder: u64) {
        if !deadlock::COMPILED_IN {
            return;
        }
        if self.watched.load(Relaxed) | deadlock::CHECKING_LOCK_ORDER.load(Relaxed) {
            self.tell_released(holder);
        }
    }

    /// The detector's part of [`released`](Self::released), out of the fast path.
    #[cold]
    #[inline(never)]
    fn tell_released(&self, holder: u64) {
        if holder == 0 {
            return;
        }
        if self.watched.load(Relaxed) {
            deadlock::released(self.key(), holder);
        }
        if deadlock::CHECKING_LOCK_ORDER.load(Relaxed) {
            deadlock::order_released(&self.order_id, holder);
        }
    }

    pub(crate) fn policy(&self) -> Policy {
        self.permit.policy()
    }

    /// Takes the lock if that needs no waiting.
    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        let taken = self.permit.try_lock();
        if taken {
            self.taken();
        }
        taken
    }

    /// Releases the lock; only its holder calls this.
    #[inline]
    pub(crate) fn unlock(&self) {
        let holder = self.releasing();
        self.permit.unlock(true);
        self.released(holder);
    }

    /// Releases the lock if it is held (by anyone: a lock without an owner, Python's `Lock`);
    /// `false` if it was not held.
    pub(crate) fn try_unlock(&self) -> bool {
        // Another unit may release a `Lock` (Python allows it): the holder is forgotten only
        // if the lock really was held.
        if !self.is_locked() {
            return false;
        }
        let holder = self.releasing();
        let released = self.permit.unlock(false);
        self.released(holder);
        released
    }

    /// Whether some unit holds the lock right now; only a hint.
    #[inline]
    pub(crate) fn is_locked(&self) -> bool {
        self.permit.available() == 0
    }

    /// Taking the lock, for the waiting protocol.
    pub(crate) fn taking(&self) -> RawLocking<'_> {
        RawLocking {
            lock: self,
            taking: self.permit.taking_lock(),
        }
    }
}

/// Taking a [`RawLock`], as the waiting protocol sees it: the permit's attempt, recording the
/// holder when it succeeds.
pub(crate) struct RawLocking<'a> {
    lock: &'a RawLock,
    taking: Taking<'a>,
}

impl Attempt for RawLocking<'_> {
    type Output = ();
    const CONTENDED: bool = true;

    fn event(&mut self) -> &Event {
        self.taking.event()
    }

    #[inline]
    fn attempt(&mut self, registered: bool) -> Option<()> {
        let taken = self.taking.attempt(registered);
        if taken.is_some() {
            self.lock.taken();
        }
        taken
    }

    fn hint(&self) -> bool {
        self.taking.hint()
    }

    fn stands_in_line(&self) -> bool {
        self.taking.stands_in_line()
    }

    fn lock(&self) -> Option<&RawLock> {
        Some(self.lock)
    }

    fn waits_for(&self) -> WaitsFor {
        WaitsFor::Lock(self.lock.origin())
    }
}
