//! The one queue state machine behind every twin and discipline.
//!
//! State lives under a short `parking_lot` lock; three [`Event`]s announce changes. Every
//! operation is an *attempt* under the lock (push, pop, check), and a waiting operation runs
//! those attempts through the crate's one waiting protocol ([`crate::wait`]). An attempt by a
//! registered waiter that must wait counts its caller as a waiter in
//! the locked state, and the other side notifies only when that count is non-zero, so the hot
//! path of an uncontended put or get is one lock, one container operation and no notification.
//!
//! # Why no wake-up is lost
//!
//! A waiter listens *before* its attempt and is counted *inside* the attempt's critical section.
//! A put that comes after that critical section sees the count and wakes one more listener
//! (`notify(1.additional())`); a put that came before it left an item the attempt found. A
//! woken listener either takes an item, finds that someone else took it (nothing lost), or is
//! dropped: event-listener passes a notification on when a notified listener is dropped, so a
//! cancelled or timed-out waiter never swallows a wake-up. An item is taken only in the
//! attempt that returns it, within one poll, so no future is ever dropped holding one.

use std::mem;

use event_listener::{Event, IntoNotification};

use super::discipline::Discipline;
use super::error::{TaskDoneError, TryGetError, TryPutError};
use crate::sync::Mutex;
use crate::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Who waits: the index into [`State::waiting`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Get = 0,
    Put = 1,
    Join = 2,
}

/// Everything under the lock.
pub(crate) struct State<S> {
    pub(crate) store: S,
    pub(crate) closed: bool,
    /// Items put and not yet marked done (Python's `unfinished_tasks`).
    pub(crate) unfinished: usize,
    /// Counted waiters per [`Side`]: units that found they must wait and are listening.
    waiting: [usize; 3],
}

impl<S> State<S> {
    /// Moves the caller in or out of the waiting count of `side`.
    #[inline]
    fn set_waiting(&mut self, side: Side, counted: &mut bool, wait: bool) {
        if *counted != wait {
            let count = &mut self.waiting[side as usize];
            *count = if wait {
                count.saturating_add(1)
            } else {
                count.saturating_sub(1)
            };
            *counted = wait;
        }
    }
}

/// The shared part of a queue: what every handle points to.
pub(crate) struct Shared<T, D: Discipline<T>> {
    pub(crate) state: Mutex<State<D::Store>>,
    /// The most items the queue holds; `usize::MAX` when unbounded.
    pub(crate) capacity: usize,
    pub(crate) bounded: bool,
    /// The number of items, written under the lock and read without it: spinning thread
    /// twins watch it instead of taking the lock (which would slow down the side that
    /// is making progress). Only a hint; every decision is made under the lock.
    len_hint: AtomicUsize,
    pub(crate) not_empty: Event,
    pub(crate) not_full: Event,
    pub(crate) all_done: Event,
}

/// Up to how many slots a bounded queue reserves up front: enough that a benchmark-sized queue
/// never allocates per item, without a huge `bounded(n)` allocating `n` slots at once.
const PREALLOCATE_AT_MOST: usize = 4096;

impl<T, D: Discipline<T>> Shared<T, D> {
    pub(crate) fn new(capacity: Option<usize>) -> Self {
        let (capacity, bounded) = match capacity {
            // A queue that can never hold an item would block every put forever: a capacity
            // of zero is taken as one.
            Some(n) => (n.max(1), true),
            None => (usize::MAX, false),
        };
        let hint = if bounded {
            capacity.min(PREALLOCATE_AT_MOST)
        } else {
            0
        };
        Shared {
            state: Mutex::new(State {
                store: D::store(hint),
                closed: false,
                unfinished: 0,
                waiting: [0; 3],
            }),
            capacity,
            bounded,
            len_hint: AtomicUsize::new(0),
            not_empty: Event::new(),
            not_full: Event::new(),
            all_done: Event::new(),
        }
    }

    /// One put attempt. `counted` is the caller's waiting registration, `wait` whether it will
    /// wait if the queue is full (then it stays or becomes counted; otherwise it is uncounted).
    #[inline]
    pub(crate) fn attempt_put(
        &self,
        item: T,
        counted: &mut bool,
        wait: bool,
    ) -> Result<(), TryPutError<T>> {
        let mut state = self.state.lock();
        let outcome = if state.closed {
            Err(TryPutError::Closed(item))
        } else if D::len(&state.store) >= self.capacity {
            Err(TryPutError::Full(item))
        } else {
            D::push(&mut state.store, item);
            self.len_hint.store(D::len(&state.store), Relaxed);
            state.unfinished = state.unfinished.saturating_add(1);
            Ok(())
        };
        let full = matches!(outcome, Err(TryPutError::Full(_)));
        state.set_waiting(Side::Put, counted, wait && full);
        let wake = outcome.is_ok() && state.waiting[Side::Get as usize] > 0;
        drop(state);
        if wake {
            self.not_empty.notify(1.additional());
        }
        outcome
    }

    /// One get attempt; `counted` and `wait` as in [`attempt_put`](Self::attempt_put).
    #[inline]
    pub(crate) fn attempt_get(&self, counted: &mut bool, wait: bool) -> Result<T, TryGetError> {
        let mut state = self.state.lock();
        let outcome = match D::pop(&mut state.store) {
            Some(item) => {
                self.len_hint.store(D::len(&state.store), Relaxed);
                Ok(item)
            }
            None if state.closed => Err(TryGetError::Closed),
            None => Err(TryGetError::Empty),
        };
        let empty = matches!(outcome, Err(TryGetError::Empty));
        state.set_waiting(Side::Get, counted, wait && empty);
        let wake = outcome.is_ok() && state.waiting[Side::Put as usize] > 0;
        drop(state);
        if wake {
            self.not_full.notify(1.additional());
        }
        outcome
    }

    /// Whether a put might succeed now (or fail for good): the spinning thread twins' check.
    #[inline]
    pub(crate) fn may_put(&self) -> bool {
        self.len_hint.load(Relaxed) < self.capacity
    }

    /// Whether a get might succeed now.
    #[inline]
    pub(crate) fn may_get(&self) -> bool {
        self.len_hint.load(Relaxed) > 0
    }

    /// One join attempt: whether every item put was marked done.
    pub(crate) fn attempt_join(&self, counted: &mut bool, wait: bool) -> bool {
        let mut state = self.state.lock();
        let done = state.unfinished == 0;
        state.set_waiting(Side::Join, counted, wait && !done);
        done
    }

    /// Takes the caller out of the waiting count of `side` (a waiter going away).
    pub(crate) fn leave(&self, side: Side, counted: &mut bool) {
        if *counted {
            self.state.lock().set_waiting(side, counted, false);
        }
    }

    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut state = self.state.lock();
        if state.unfinished == 0 {
            return Err(TaskDoneError);
        }
        state.unfinished -= 1;
        let wake = state.unfinished == 0 && state.waiting[Side::Join as usize] > 0;
        drop(state);
        if wake {
            self.all_done.notify(usize::MAX);
        }
        Ok(())
    }

    /// Closes the queue; if `drain`, also takes every item out (counting them as done).
    pub(crate) fn close(&self, drain: bool) -> Option<D::Store> {
        let mut state = self.state.lock();
        state.closed = true;
        let drained = drain.then(|| mem::replace(&mut state.store, D::store(0)));
        self.len_hint.store(D::len(&state.store), Relaxed);
        let mut wake_joiners = false;
        if let Some(store) = &drained {
            let before = state.unfinished;
            state.unfinished = before.saturating_sub(D::len(store));
            wake_joiners =
                before > 0 && state.unfinished == 0 && state.waiting[Side::Join as usize] > 0;
        }
        let wake_getters = state.waiting[Side::Get as usize] > 0;
        let wake_putters = state.waiting[Side::Put as usize] > 0;
        drop(state);
        if wake_getters {
            self.not_empty.notify(usize::MAX);
        }
        if wake_putters {
            self.not_full.notify(usize::MAX);
        }
        if wake_joiners {
            self.all_done.notify(usize::MAX);
        }
        drained
    }
}
