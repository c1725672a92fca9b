//! What the waiting protocol drives: the [`Attempt`] trait, and the attempts several
//! primitives share (closures, a read-only check, one listener's notification).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Waker};

use event_listener::{Event, EventListener};

use crate::deadlock::WaitsFor;

/// One operation that may have to wait, as the protocol sees it: the event that announces a
/// change, the attempt, and a cheap hint for spinning.
pub trait Attempt {
    /// What the operation gives when it is over (an item, a guard, an error).
    type Output;

    /// The event a waiter listens on; asked for when the waiter first listens (a fair
    /// attempt takes its place in line then).
    fn event(&mut self) -> &Event;

    /// Tries the operation once; `Some` ends the wait. `registered` says the caller has
    /// listened, so a failed attempt must announce it in the primitive's state.
    fn attempt(&mut self, registered: bool) -> Option<Self::Output>;

    /// Whether an attempt might succeed now; cheap and without side effects, for spinning.
    fn hint(&self) -> bool;

    /// Whether waiters compete for something a holder keeps using (a lock, permits), so a
    /// spinner should back off at once rather than poll for a hand-off; see
    /// [`Blocking::spin`](super::Blocking).
    const CONTENDED: bool = false;

    /// Whether the attempt only reads (it takes nothing, so its hint would be the same
    /// check): a spinner then attempts at every check. Between two running threads the
    /// checked word is in flux, and reading it once per check instead of twice (hint, then
    /// attempt) keeps a hand-off near the speed of a bare atomic ping-pong.
    const READ_ONLY: bool = false;

    /// Whether the waiter takes a place in a line when it first listens (a FIFO policy):
    /// then it listens before it spins, so that places follow the order of the calls.
    fn stands_in_line(&self) -> bool {
        false
    }

    /// The lock this attempt takes, if it takes an owned lock: a wait for it that goes to
    /// sleep is an edge of the deadlock detector's wait-for graph. (The trait is reachable
    /// from outside only as the bound of `Waiter`'s hidden `spin`, so the private type is fine.)
    #[allow(private_interfaces)]
    fn lock(&self) -> Option<&crate::mutex::RawLock> {
        None
    }

    /// What the operation waits for, as a deadlock report names it.
    #[allow(private_interfaces)]
    fn waits_for(&self) -> WaitsFor;
}

/// An [`Attempt`] made of closures, for the primitives whose attempt is a line or two.
pub(crate) struct Closures<'a, A, H> {
    waits_for: WaitsFor,
    event: &'a Event,
    attempt: A,
    hint: H,
}

impl<'a, R, A: FnMut(bool) -> Option<R>, H: Fn() -> bool> Closures<'a, A, H> {
    pub(crate) fn new(waits_for: WaitsFor, event: &'a Event, attempt: A, hint: H) -> Self {
        Closures {
            waits_for,
            event,
            attempt,
            hint,
        }
    }
}

impl<R, A: FnMut(bool) -> Option<R>, H: Fn() -> bool> Attempt for Closures<'_, A, H> {
    type Output = R;

    fn event(&mut self) -> &Event {
        self.event
    }

    #[inline]
    fn attempt(&mut self, registered: bool) -> Option<R> {
        (self.attempt)(registered)
    }

    fn hint(&self) -> bool {
        (self.hint)()
    }

    fn waits_for(&self) -> WaitsFor {
        self.waits_for.clone()
    }
}

/// An [`Attempt`] that only checks a condition: ready when `ready()` holds.
pub(crate) struct Check<'a, F> {
    pub(super) waits_for: WaitsFor,
    pub(super) event: &'a Event,
    pub(super) ready: F,
}

impl<F: Fn() -> bool> Attempt for Check<'_, F> {
    type Output = ();
    const READ_ONLY: bool = true;

    fn event(&mut self) -> &Event {
        self.event
    }

    #[inline]
    fn attempt(&mut self, _registered: bool) -> Option<()> {
        (self.ready)().then_some(())
    }

    fn hint(&self) -> bool {
        (self.ready)()
    }

    fn waits_for(&self) -> WaitsFor {
        self.waits_for.clone()
    }
}

/// The notification of one listener, as the spin sees it: the event's "some listener is
/// notified" flag is the cheap hint, polling the listener (which takes the event's lock) the
/// attempt.
pub(super) struct Notified<'a> {
    pub(super) event: &'a Event,
    pub(super) listener: &'a mut Option<EventListener>,
}

impl Attempt for Notified<'_> {
    type Output = ();

    fn event(&mut self) -> &Event {
        self.event
    }

    fn attempt(&mut self, _registered: bool) -> Option<()> {
        let mut quiet = Context::from_waker(Waker::noop());
        let fired = match self.listener.as_mut() {
            Some(listener) => Pin::new(listener).poll(&mut quiet).is_ready(),
            None => true,
        };
        fired.then(|| *self.listener = None)
    }

    fn hint(&self) -> bool {
        self.listener.is_none() || self.event.is_notified()
    }

    fn waits_for(&self) -> WaitsFor {
        WaitsFor::Condition
    }
}
