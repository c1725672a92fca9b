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
//! - a give that finds `WAITING` notifies: one listener for a lock, and clears `WAITING` (a
//!   woken one that loses the race sets it again); `n` more listeners for `n` permits of a
//!   semaphore, and keeps `WAITING`, since a second give may come before the first woken
//!   listener runs and must wake another (once contended, a semaphore's give always looks for
//!   listeners: one load in event-listener when there are none).
//!
//! Barging alone can starve a waiter for ever: the releasing unit asks again at once and wins
//! against a waiter that must first be woken. So the fairness is *eventual*, as parking_lot's,
//! async-lock's and Go's mutexes make it: a listener kept out for [`STARVED_AFTER`] writes its
//! ticket into the word, and while a ticket is there only its owner may take (newcomers, `try_*`
//! and other listeners fail), and a give wakes every listener so the owner surely hears it. The
//! owner clears the ticket when it takes, or when it gives up waiting.

use std::mem::ManuallyDrop;
use std::sync::atomic::AtomicU32;
use std::time::{Duration, Instant};

use event_listener::{Event, IntoNotification};

use super::fair::{FairPermits, InLine};
use crate::policy::Policy;
use crate::sync::atomic::{AtomicU64, Ordering::AcqRel, Ordering::Acquire, Ordering::Relaxed};
use crate::wait::Attempt;

/// Set while some unit may be listening (barging form).
const WAITING: u64 = 1 << 32;

/// The starving listener's ticket lives in the bits from here up; 0 is "nobody starves".
const STARVER_SHIFT: u32 = 34;

/// Tickets for starving listeners, unique among the waiters of one lock at a time.
static NEXT_TICKET: AtomicU32 = AtomicU32::new(0);

fn starver(state: u64) -> u32 {
    (state >> STARVER_SHIFT) as u32
}

fn without_starver(state: u64) -> u64 {
    state & ((1 << STARVER_SHIFT) - 1)
}

/// How long a listener may lose to barging units before the permits turn fair for it.
/// parking_lot's mutex and async-lock use the same half millisecond.
const STARVED_AFTER: Duration = Duration::from_micros(500);

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

/// Changes `word` by `change`, as `AtomicU64::fetch_update` does, but starting from a guess of
/// its value (`likely`) instead of a load.
///
/// A lock (a count of one) can guess its word exactly: free with nobody waiting before a take,
/// held with nobody waiting before a give. Then the change is one compare-and-swap with
/// nothing before it, as parking_lot's lock and unlock are; a load just before the locked
/// instruction made the thread mutex's lock+unlock cost a fifth more
/// (`cargo bench --bench mutex -- uncontended/threads`: 16–18 ns reading first, 13–15 ns
/// guessing, within a tenth of parking_lot in the same runs). A wrong guess costs a failed
/// compare-and-swap, which reads the word as the load would have, but takes its cache line
/// from other units: so a count of more than one, whose free word has many values, does not
/// guess (measured on `semaphore/contended-4/task`: guessing there cost a quarter more).
#[inline]
pub(super) fn update(
    word: &AtomicU64,
    likely: Option<u64>,
    mut change: impl FnMut(u64) -> Option<u64>,
) -> Result<u64, u64> {
    let (mut current, mut guessing) = match likely {
        Some(guess) => (guess, true),
        None => (word.load(Acquire), false),
    };
    loop {
        match change(current) {
            Some(new) => match word.compare_exchange_weak(current, new, AcqRel, Acquire) {
                Ok(before) => return Ok(before),
                Err(actual) => current = actual,
            },
            // The guess allowed no change; the word itself may.
            None if guessing => current = word.load(Acquire),
            None => return Err(current),
        }
        guessing = false;
    }
}

/// A lock's word when it is free and nobody waits, in either form.
const LOCK_FREE: Option<u64> = Some(1);
/// A lock's word when it is held and nobody waits, in either form.
const LOCK_HELD: Option<u64> = Some(0);

impl Permits {
    crate::sync::const_fn! {
        pub(crate) const fn new(permits: u32, policy: Policy) -> Self {
            match policy {
                Policy::Barging => Permits::Barging(BargingPermits {
                    state: AtomicU64::new(permits as u64),
                    released: Event::new(),
                }),
                Policy::Fifo => Permits::Fair(FairPermits::new(permits)),
            }
        }
    }

    pub(crate) fn policy(&self) -> Policy {
        match self {
            Permits::Barging(_) => Policy::Barging,
            Permits::Fair(_) => Policy::Fifo,
        }
    }

    /// A read-modify-write of the state word that changes nothing: it orders the caller's
    /// earlier writes before any later take or give of this count, and any earlier one before
    /// the caller's later reads (the deadlock detector's watch, see `deadlock::detect`).
    pub(crate) fn touch(&self) {
        let state = match self {
            Permits::Barging(permits) => &permits.state,
            Permits::Fair(permits) => permits.state(),
        };
        state.fetch_or(0, AcqRel);
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
            Permits::Barging(permits) => {
                let state = permits.state.load(Acquire);
                starver(state) != 0 || free(state) < n
            }
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

    /// Takes the permit of a count of one (a lock). It guesses the word of a free lock with
    /// nobody waiting as a constant, so nothing is read before the compare-and-swap.
    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        self.take_guessing(1, LOCK_FREE)
    }

    /// Takes `n` permits if that needs no waiting, trying the word's guess `likely` first.
    #[inline]
    fn take_guessing(&self, n: u32, likely: Option<u64>) -> bool {
        match self {
            Permits::Barging(permits) => permits.take_guessing(n, likely),
            Permits::Fair(permits) => permits.take_guessing(n, likely),
        }
    }

    /// Gives back the permit of a count of one (a lock), guessing the word of a lock held
    /// with nobody waiting; `saturate` as for [`give`](Self::give).
    #[inline]
    pub(crate) fn unlock(&self, saturate: bool) -> bool {
        match self {
            Permits::Barging(permits) => permits.give_guessing(1, 1, saturate, LOCK_HELD),
            Permits::Fair(permits) => permits.give_guessing(1, 1, saturate, LOCK_HELD),
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

    /// Taking `n` permits, for the waiting protocol. Nothing is built until the first try
    /// fails: a take that succeeds at once writes two words before its compare-and-swap (which
    /// waits for every store before it), not a waiting state.
    #[inline]
    pub(crate) fn taking(&self, n: u32) -> Taking<'_> {
        Taking {
            permits: self,
            n,
            likely: None,
            started: ManuallyDrop::new(None),
        }
    }

    /// Taking the permit of a count of one (a lock): its tries guess the free word, as
    /// [`try_lock`](Self::try_lock) does. A spinner tries only when its hint has just read
    /// the word free, so a second read before the compare-and-swap would only give the holder
    /// more time to take the line back.
    #[inline]
    pub(crate) fn taking_lock(&self) -> Taking<'_> {
        Taking {
            permits: self,
            n: 1,
            likely: LOCK_FREE,
            started: ManuallyDrop::new(None),
        }
    }

    /// The waiting state of a take whose first try failed.
    #[cold]
    fn start_taking(&self, n: u32) -> Started<'_> {
        match self {
            Permits::Barging(permits) => Started::Barging(Announced {
                permits,
                n,
                since: None,
                ticket: 0,
            }),
            Permits::Fair(permits) => Started::Fair(InLine::new(permits, n)),
        }
    }
}

impl BargingPermits {
    /// A take by a unit that is not listening: refused while a listener starves.
    #[inline]
    fn try_take(&self, n: u32) -> bool {
        self.take_guessing(n, None)
    }

    /// [`try_take`](Self::try_take) from a guess of the word (see [`update`]).
    #[inline]
    fn take_guessing(&self, n: u32, likely: Option<u64>) -> bool {
        update(&self.state, likely, |state| {
            (state >> STARVER_SHIFT == 0 && free(state) >= n).then(|| state - u64::from(n))
        })
        .is_ok()
    }

    /// A listener's take: announces it (`WAITING`) whether it succeeds or not. `ticket` is the
    /// listener's if it starves (else 0): it may take even while it is the starver, and on
    /// failure it becomes the starver if there is none. Taking clears the starver it was.
    fn take_announced(&self, n: u32, ticket: u32) -> bool {
        let before = self.state.fetch_update(AcqRel, Acquire, |state| {
            let starving = starver(state);
            Some(
                if free(state) >= n && (starving == 0 || starving == ticket) {
                    without_starver(state - u64::from(n)) | WAITING
                } else if starving == 0 && ticket != 0 {
                    state | WAITING | u64::from(ticket) << STARVER_SHIFT
                } else {
                    state | WAITING
                },
            )
        });
        before.is_ok_and(|state| {
            free(state) >= n && (starver(state) == 0 || starver(state) == ticket)
        })
    }

    #[inline]
    fn give(&self, n: u32, limit: u32, saturate: bool) -> bool {
        self.give_guessing(n, limit, saturate, None)
    }

    /// [`give`](Self::give) from a guess of the word (see [`update`]).
    #[inline]
    fn give_guessing(&self, n: u32, limit: u32, saturate: bool, likely: Option<u64>) -> bool {
        let before = update(&self.state, likely, |state| {
            let total = u64::from(free(state)) + u64::from(n);
            // A lock's give clears `WAITING` (the one waiter it wakes announces itself again);
            // a count of more than one keeps it: two gives in a row may free permits for two
            // waiters before the first one woken has run, and the second give must still see
            // that someone listens (loom: `semaphore_releases_wake_every_waiter_barging`).
            let kept = if limit == 1 {
                state - without_starver(state)
            } else {
                state - u64::from(free(state))
            };
            if total <= u64::from(limit) {
                Some(total | kept)
            } else {
                saturate.then_some(u64::from(limit) | kept)
            }
        });
        match before {
            Ok(state) if starver(state) != 0 => {
                // Only the starver may take, and it is one listener among many.
                self.released.notify(usize::MAX);
                true
            }
            Ok(state) if state & WAITING != 0 => {
                self.wake(n, limit);
                true
            }
            Ok(_) => true,
            Err(_) => false,
        }
    }

    /// A starver that gives up: clears its ticket and wakes the listeners, which failed while
    /// it was there.
    #[cold]
    fn stop_starving(&self, ticket: u32) {
        let cleared = self.state.fetch_update(AcqRel, Acquire, |state| {
            (starver(state) == ticket).then(|| without_starver(state))
        });
        if cleared.is_ok() {
            self.released.notify(usize::MAX);
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
pub(crate) struct Taking<'a> {
    permits: &'a Permits,
    n: u32,
    /// The guess of the word its tries start from (see [`update`]).
    likely: Option<u64>,
    /// The policy's waiting state, from the first failed try on. Dropped by hand (see `Drop`),
    /// so that a take that never waited costs one inline check, not a call to drop glue.
    started: ManuallyDrop<Option<Started<'a>>>,
}

impl Drop for Taking<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.started.is_some() {
            drop(self.started.take());
        }
    }
}

/// A take that has had to wait, in its policy's form.
enum Started<'a> {
    Barging(Announced<'a>),
    Fair(InLine<'a>),
}

impl<'a> Taking<'a> {
    /// Every attempt after a failed first try, out of line so that the first stays small.
    #[inline(never)]
    fn attempt_started(&mut self, registered: bool) -> Option<()> {
        match self.started() {
            Started::Barging(take) => take.attempt(registered).then_some(()),
            Started::Fair(line) => line.attempt(registered),
        }
    }

    fn started(&mut self) -> &mut Started<'a> {
        let (permits, n) = (self.permits, self.n);
        self.started.get_or_insert_with(|| permits.start_taking(n))
    }
}

/// A barging take: how long it has listened, and its ticket once it starves.
pub(crate) struct Announced<'a> {
    permits: &'a BargingPermits,
    n: u32,
    /// When it first listened; `None` before.
    since: Option<Instant>,
    /// Its ticket once it has starved for [`STARVED_AFTER`]; 0 before.
    ticket: u32,
}

impl Announced<'_> {
    #[inline]
    fn attempt(&mut self, registered: bool) -> bool {
        if registered {
            self.attempt_listening()
        } else {
            self.permits.try_take(self.n)
        }
    }

    #[inline(never)]
    fn attempt_listening(&mut self) -> bool {
        if self.ticket == 0
            && crate::sync::now() - *self.since.get_or_insert_with(crate::sync::now)
                >= STARVED_AFTER
        {
            // Tickets fit the bits above `STARVER_SHIFT` and are never 0.
            self.ticket = NEXT_TICKET.fetch_add(1, Relaxed) % (u32::MAX >> 2) + 1;
        }
        let taken = self.permits.take_announced(self.n, self.ticket);
        if taken {
            self.ticket = 0;
        }
        taken
    }
}

impl Drop for Announced<'_> {
    /// A starver that gives up (cancelled, timed out) must not leave the permits reserved for
    /// nobody.
    #[inline]
    fn drop(&mut self) {
        if self.ticket != 0 {
            self.permits.stop_starving(self.ticket);
        }
    }
}

impl Attempt for Taking<'_> {
    type Output = ();
    const CONTENDED: bool = true;

    fn event(&mut self) -> &Event {
        match self.started() {
            Started::Barging(take) => &take.permits.released,
            Started::Fair(line) => line.event(),
        }
    }

    // Always: behind `RawLocking` (the lock's holder record) LLVM stopped inlining it into
    // the lock future's first poll, and the call cost the trait's uncontended lock a fifth
    // of its time (`cargo bench --bench mutex -- uncontended/threads`, 8.4 ns against 6.7).
    #[inline(always)]
    fn attempt(&mut self, registered: bool) -> Option<()> {
        if self.started.is_none() && !registered {
            if self.permits.take_guessing(self.n, self.likely) {
                return Some(());
            }
            // Barging: back to the protocol, whose spin checks again soon enough. FIFO tries
            // once more with its state built: a permit released meanwhile spares joining the
            // line, which costs an allocation and the line's lock.
            if let Permits::Barging(_) = self.permits {
                return None;
            }
        }
        self.attempt_started(registered)
    }

    fn stands_in_line(&self) -> bool {
        match &*self.started {
            // Asked before any attempt of this take (a blocking method tried by itself).
            None => matches!(self.permits, Permits::Fair(_)),
            Some(Started::Fair(line)) => line.stands_in_line(),
            Some(Started::Barging(_)) => false,
        }
    }

    fn waits_for(&self) -> crate::deadlock::WaitsFor {
        crate::deadlock::WaitsFor::Permit
    }

    fn hint(&self) -> bool {
        match &*self.started {
            None => self.permits.available() >= self.n,
            Some(Started::Barging(take)) => free(take.permits.state.load(Acquire)) >= take.n,
            Some(Started::Fair(line)) => line.hint(),
        }
    }
}

// Plain unit tests: under loom, atomics exist only inside a model (`src/loom_models.rs`).
#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

    use super::update;

    /// Takes one permit if one is free.
    fn take_one(state: u64) -> Option<u64> {
        (state as u32 >= 1).then(|| state - 1)
    }

    #[test]
    fn a_right_guess_changes_the_word() {
        let word = AtomicU64::new(1);
        assert_eq!(update(&word, Some(1), take_one), Ok(1));
        assert_eq!(word.load(Relaxed), 0);
    }

    #[test]
    fn a_wrong_guess_changes_the_word_as_it_is() {
        let word = AtomicU64::new(3);
        assert_eq!(update(&word, Some(1), take_one), Ok(3));
        assert_eq!(word.load(Relaxed), 2);
    }

    #[test]
    fn a_guess_that_allows_no_change_still_reads_the_word() {
        let word = AtomicU64::new(2);
        assert_eq!(update(&word, Some(0), take_one), Ok(2));
        assert_eq!(word.load(Relaxed), 1);
    }

    #[test]
    fn a_change_the_word_refuses_leaves_it_alone() {
        let word = AtomicU64::new(0);
        assert_eq!(update(&word, Some(1), take_one), Err(0));
        assert_eq!(update(&word, None, take_one), Err(0));
        assert_eq!(word.load(Relaxed), 0);
    }
}
