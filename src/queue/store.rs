//! Where a queue keeps its items: a lock-free ring for first-in-first-out disciplines, the
//! discipline's own container under a short lock for every other one.
//!
//! Both kinds of store own the queue's *closed* bit, so that "closed" and "one more item" are
//! decided in one step: a put either lands before the close (and a draining close hands its item
//! back) or fails with the item in hand — no item can slip in behind a drain.

use std::mem;

use concurrent_queue::{ConcurrentQueue, PopError, PushError};

use super::core::{Padded, Registration, Side};
use super::discipline::Discipline;
use super::error::{TryGetError, TryPutError};
use crate::sync::Mutex;
use crate::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The most bytes a ring may take up front. A ring allocates every slot when it is made, so a
/// `bounded(n)` larger than this keeps its items in the discipline's container instead, which
/// grows as items arrive (1 MiB is 65,536 slots of a `u64`).
const RING_BYTES_AT_MOST: usize = 1 << 20;

/// Up to how many slots a locked container reserves up front: enough that a benchmark-sized
/// queue never allocates per item, without a huge `bounded(n)` allocating `n` slots at once.
const PREALLOCATE_AT_MOST: usize = 4096;

/// A queue's items and its closed bit.
#[expect(
    clippy::large_enum_variant,
    reason = "one per queue, inside its `Arc`: boxing the ring would cost every put and get a pointer chase"
)]
pub(crate) enum Store<T, D: Discipline<T>> {
    /// concurrent-queue's ring (Vyukov's bounded MPMC queue with a stamp per slot; linked
    /// blocks when unbounded): a put and a get touch different cache lines and take no lock.
    Ring(ConcurrentQueue<T>),
    /// The discipline's container under a short lock.
    Locked(Locked<D::Store>),
}

/// A container under a lock, with its length readable without the lock.
pub(crate) struct Locked<S> {
    state: Mutex<LockedState<S>>,
    /// The number of items, written under the lock and read without it by spinning waiters.
    /// Only a hint: every decision is made under the lock. On a cache line of its own, so
    /// spinners reading it do not pull the lock's line away from the unit holding it.
    len: Padded<AtomicUsize>,
}

struct LockedState<S> {
    items: S,
    closed: bool,
}

impl<T, D: Discipline<T>> Store<T, D> {
    /// An empty store for at most `capacity` items (`usize::MAX`: unbounded).
    pub(crate) fn new(capacity: usize) -> Self {
        let unbounded = capacity == usize::MAX;
        let slot_bytes = mem::size_of::<T>() + mem::size_of::<usize>();
        if D::FIRST_IN_FIRST_OUT && unbounded {
            Store::Ring(ConcurrentQueue::unbounded())
        } else if D::FIRST_IN_FIRST_OUT && capacity.saturating_mul(slot_bytes) <= RING_BYTES_AT_MOST
        {
            Store::Ring(ConcurrentQueue::bounded(capacity.max(1)))
        } else {
            let hint = if unbounded {
                0
            } else {
                capacity.min(PREALLOCATE_AT_MOST)
            };
            Store::Locked(Locked {
                state: Mutex::new(LockedState {
                    items: D::store(hint),
                    closed: false,
                }),
                len: Padded(AtomicUsize::new(0)),
            })
        }
    }

    /// Adds `item` unless the store holds `capacity` items or is closed, counting or uncounting
    /// the caller as a waiting putter; the `bool` says whether to wake a counted getter. A
    /// locked container counts the item in `unfinished` under its lock; for the ring the caller
    /// counts it before (see [`is_lock_free`](Self::is_lock_free)).
    ///
    /// The count and the check it answers are ordered where the store decides: under the lock
    /// for a locked container (as a plain counter would be); for the ring, by a fence after
    /// counting (then one more look) and a fence after pushing (then a look at the count).
    #[inline]
    pub(crate) fn push(
        &self,
        mut item: T,
        capacity: usize,
        caller: Registration<'_>,
        unfinished: &AtomicUsize,
    ) -> (Result<(), TryPutError<T>>, bool) {
        let Registration {
            waiters,
            counted,
            wait,
        } = caller;
        match self {
            Store::Ring(ring) => loop {
                match ring.push(item) {
                    Ok(()) => {
                        let wake = waiters.changed_ring(Side::Put, counted);
                        return (Ok(()), wake);
                    }
                    Err(PushError::Full(back)) if wait && !*counted => {
                        waiters.count_then_fence(Side::Put, counted);
                        item = back;
                    }
                    Err(PushError::Full(back)) => {
                        waiters.set(Side::Put, counted, wait);
                        return (Err(TryPutError::Full(back)), false);
                    }
                    Err(PushError::Closed(back)) => {
                        waiters.set(Side::Put, counted, false);
                        return (Err(TryPutError::Closed(back)), false);
                    }
                }
            },
            Store::Locked(locked) => {
                let mut state = locked.state.lock();
                let len = D::len(&state.items);
                let outcome = if state.closed {
                    Err(TryPutError::Closed(item))
                } else if len >= capacity {
                    Err(TryPutError::Full(item))
                } else {
                    D::push(&mut state.items, item);
                    locked.len.0.store(len + 1, Relaxed);
                    unfinished.fetch_add(1, Relaxed);
                    Ok(())
                };
                let full = matches!(outcome, Err(TryPutError::Full(_)));
                waiters.set(Side::Put, counted, wait && full);
                let wake = outcome.is_ok() && waiters.any(Side::Get);
                (outcome, wake)
            }
        }
    }

    /// Takes the item that leaves next (`Closed` only once closed and empty), counting or
    /// uncounting the caller as a waiting getter as [`push`](Self::push) does; the `bool` says
    /// whether to wake a counted putter.
    #[inline]
    pub(crate) fn pop(&self, caller: Registration<'_>) -> (Result<T, TryGetError>, bool) {
        let Registration {
            waiters,
            counted,
            wait,
        } = caller;
        match self {
            Store::Ring(ring) => loop {
                match ring.pop() {
                    Ok(item) => {
                        let wake = waiters.changed_ring(Side::Get, counted);
                        return (Ok(item), wake);
                    }
                    Err(PopError::Empty) if wait && !*counted => {
                        waiters.count_then_fence(Side::Get, counted);
                    }
                    Err(PopError::Empty) => {
                        waiters.set(Side::Get, counted, wait);
                        return (Err(TryGetError::Empty), false);
                    }
                    Err(PopError::Closed) => {
                        waiters.set(Side::Get, counted, false);
                        return (Err(TryGetError::Closed), false);
                    }
                }
            },
            Store::Locked(locked) => {
                let mut state = locked.state.lock();
                let outcome = match D::pop(&mut state.items) {
                    Some(item) => {
                        locked.len.0.store(D::len(&state.items), Relaxed);
                        Ok(item)
                    }
                    None if state.closed => Err(TryGetError::Closed),
                    None => Err(TryGetError::Empty),
                };
                let empty = matches!(outcome, Err(TryGetError::Empty));
                waiters.set(Side::Get, counted, wait && empty);
                let wake = outcome.is_ok() && waiters.any(Side::Put);
                (outcome, wake)
            }
        }
    }

    /// Whether this is the lock-free ring (whose puts count their item before pushing it).
    #[inline]
    pub(crate) fn is_lock_free(&self) -> bool {
        matches!(self, Store::Ring(_))
    }

    /// How many items the store holds (a snapshot; exact when nothing else runs).
    #[inline]
    pub(crate) fn len(&self) -> usize {
        match self {
            Store::Ring(ring) => ring.len(),
            Store::Locked(locked) => locked.len.0.load(Relaxed),
        }
    }

    /// Refuses every put from now on. Gets still take what is left.
    pub(crate) fn close(&self) {
        match self {
            Store::Ring(ring) => {
                ring.close();
            }
            Store::Locked(locked) => locked.state.lock().closed = true,
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        match self {
            Store::Ring(ring) => ring.is_closed(),
            Store::Locked(locked) => locked.state.lock().closed,
        }
    }

    /// Takes every item left, in the order they would leave. Called after [`close`](Self::close),
    /// so no put can add one behind it; a get running beside it takes some of them instead.
    pub(crate) fn drain(&self) -> Vec<T> {
        match self {
            Store::Ring(ring) => {
                let mut items = Vec::with_capacity(ring.len());
                while let Ok(item) = ring.pop() {
                    items.push(item);
                }
                items
            }
            Store::Locked(locked) => {
                let items = {
                    let mut state = locked.state.lock();
                    locked.len.0.store(0, Relaxed);
                    mem::replace(&mut state.items, D::store(0))
                };
                // Ordered outside the lock: a priority heap's sort takes a while.
                D::into_vec(items)
            }
        }
    }
}
