//! The fair (FIFO) policy: permits handed to waiters in the order they came, as asyncio's
//! `Semaphore` and `Lock` (and tokio's) do.
//!
//! Waiters stand in a line, each with the permits it needs. A release does not leave its
//! permits for whoever asks first: while anyone is in line, it hands them to the front of the
//! line, in order, for as long as they cover the front's need. A newcomer that finds a line
//! waits at its back, even if permits are free ("never banked while tasks wait"), and a waiter
//! keeps its place however often it is woken. The price, against the barging policy, is a
//! hand-over for every release under contention: the next owner must be scheduled before the
//! lock is used again.
//!
//! While the line is not empty (`QUEUED` set), every change of the count happens under the
//! line's lock, so no release can slip past the line; without a line, taking and releasing are
//! one compare-and-swap each, as in the barging policy.

use std::collections::VecDeque;

use event_listener::Event;

use super::permits::update;
use crate::sync::atomic::{
    AtomicBool, AtomicU64, Ordering::AcqRel, Ordering::Acquire, Ordering::Release,
};
use crate::sync::{Arc, Mutex};
use crate::wait::Attempt;

/// Set while the line is not empty.
const QUEUED: u64 = 1 << 32;

fn free(state: u64) -> u32 {
    state as u32
}

/// A count of permits with a FIFO line of waiters.
pub(crate) struct FairPermits {
    /// Low 32 bits: free permits. Bit 32: [`QUEUED`].
    state: AtomicU64,
    line: Mutex<VecDeque<Arc<Place>>>,
}

/// One waiter's place in line.
struct Place {
    needed: u32,
    /// Set (with the permits already taken for it) when the front of the line reached it.
    granted: AtomicBool,
    /// Notified when `granted` is set.
    ready: Event,
}

impl FairPermits {
    crate::sync::const_fn! {
        pub(crate) const fn new(permits: u32) -> Self {
            FairPermits {
                state: AtomicU64::new(permits as u64),
                line: Mutex::new(VecDeque::new()),
            }
        }
    }

    /// Free permits right now.
    pub(crate) fn available(&self) -> u32 {
        free(self.state.load(Acquire))
    }

    /// Whether someone waits in line.
    pub(crate) fn has_waiters(&self) -> bool {
        self.state.load(Acquire) & QUEUED != 0
    }

    /// Takes `n` permits if they are free and nobody waits for them.
    #[inline]
    pub(crate) fn try_take(&self, n: u32) -> bool {
        self.take_guessing(n, None)
    }

    /// [`try_take`](Self::try_take) from a guess of the word (see [`update`]).
    #[inline]
    pub(crate) fn take_guessing(&self, n: u32, likely: Option<u64>) -> bool {
        update(&self.state, likely, |state| {
            (state & QUEUED == 0 && free(state) >= n).then(|| state - u64::from(n))
        })
        .is_ok()
    }

    /// Adds `n` permits and hands them down the line. With `limit`, refuses (`false`, nothing
    /// added) to go past it; with `saturate`, adds only up to the limit instead.
    pub(crate) fn give(&self, n: u32, limit: u32, saturate: bool) -> bool {
        self.give_guessing(n, limit, saturate, None)
    }

    /// The state word, for [`Permits::touch`](super::Permits::touch).
    pub(crate) fn state(&self) -> &AtomicU64 {
        &self.state
    }

    /// [`give`](Self::give) from a guess of the word (see [`update`]).
    pub(crate) fn give_guessing(
        &self,
        n: u32,
        limit: u32,
        saturate: bool,
        likely: Option<u64>,
    ) -> bool {
        let added = |state: u64| {
            let total = u64::from(free(state)) + u64::from(n);
            if total <= u64::from(limit) {
                Some(state + u64::from(n))
            } else if saturate {
                Some(state - u64::from(free(state)) + u64::from(limit))
            } else {
                None
            }
        };
        // No line: one compare-and-swap, as the barging policy.
        let fast = update(&self.state, likely, |state| {
            if state & QUEUED != 0 {
                None
            } else {
                added(state)
            }
        });
        match fast {
            Ok(_) => true,
            Err(state) if state & QUEUED == 0 => false, // refused by the limit
            Err(_) => {
                let mut line = self.line.lock();
                if self.state.fetch_update(AcqRel, Acquire, added).is_err() {
                    return false;
                }
                self.hand_down(&mut line);
                true
            }
        }
    }

    /// Grants the front of the line as long as the free permits cover it. Called with the line
    /// locked.
    fn hand_down(&self, line: &mut VecDeque<Arc<Place>>) {
        while let Some(front) = line.front() {
            if free(self.state.load(Acquire)) < front.needed {
                break;
            }
            self.state.fetch_sub(u64::from(front.needed), AcqRel);
            front.granted.store(true, Release);
            front.ready.notify(usize::MAX);
            line.pop_front();
        }
        if line.is_empty() {
            self.state.fetch_and(!QUEUED, AcqRel);
        }
    }

    /// Joins the back of the line for `n` permits; granted at once if the line was empty and
    /// the permits are free.
    fn join_line(&self, n: u32) -> Arc<Place> {
        let place = Arc::new(Place {
            needed: n,
            granted: AtomicBool::new(false),
            ready: Event::new(),
        });
        let mut line = self.line.lock();
        self.state.fetch_or(QUEUED, AcqRel);
        line.push_back(Arc::clone(&place));
        self.hand_down(&mut line);
        place
    }

    /// Leaves the line (a waiter that went away): gives back what it was granted, or steps
    /// out of the line; either way the next in line may be served now.
    fn leave_line(&self, place: &Arc<Place>) {
        let mut line = self.line.lock();
        if place.granted.load(Acquire) {
            // Back into the count they came out of: no limit can be passed.
            self.state.fetch_add(u64::from(place.needed), AcqRel);
        } else {
            line.retain(|waiting| !Arc::ptr_eq(waiting, place));
        }
        self.hand_down(&mut line);
    }
}

/// Waiting for `n` permits in line, as the waiting protocol sees it. The place in line is taken
/// when the waiter first listens (the protocol asks for the event to listen on), and given up
/// when this is dropped unfinished.
pub(crate) struct InLine<'a> {
    permits: &'a FairPermits,
    n: u32,
    place: Option<Arc<Place>>,
}

impl<'a> InLine<'a> {
    pub(crate) fn new(permits: &'a FairPermits, n: u32) -> Self {
        InLine {
            permits,
            n,
            place: None,
        }
    }
}

impl Attempt for InLine<'_> {
    type Output = ();
    const CONTENDED: bool = true;

    fn stands_in_line(&self) -> bool {
        true
    }

    fn event(&mut self) -> &Event {
        let (permits, n) = (self.permits, self.n);
        &self.place.get_or_insert_with(|| permits.join_line(n)).ready
    }

    #[inline]
    fn attempt(&mut self, _registered: bool) -> Option<()> {
        match &self.place {
            None => self.permits.try_take(self.n).then_some(()),
            Some(place) => place.granted.load(Acquire).then(|| self.place = None),
        }
    }

    fn waits_for(&self) -> crate::deadlock::WaitsFor {
        crate::deadlock::WaitsFor::Permit
    }

    fn hint(&self) -> bool {
        match &self.place {
            None => {
                let state = self.permits.state.load(Acquire);
                state & QUEUED == 0 && free(state) >= self.n
            }
            Some(place) => place.granted.load(Acquire),
        }
    }
}

impl InLine<'_> {
    #[cold]
    #[inline(never)]
    fn leave(&mut self) {
        if let Some(place) = self.place.take() {
            self.permits.leave_line(&place);
        }
    }
}

impl Drop for InLine<'_> {
    /// Inline, so that a lock taken at once pays one check here; leaving the line is cold.
    #[inline]
    fn drop(&mut self) {
        if self.place.is_some() {
            self.leave();
        }
    }
}
