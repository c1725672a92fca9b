//! The one queue state machine behind every twin and discipline.
//!
//! The items and the closed bit live in a [`Store`]: a lock-free ring for FIFO queues, the
//! discipline's container under a short lock otherwise. Beside it sit the unfinished-task count
//! and, per side, the number of counted waiters ([`Waiters`]), each on its own cache line, and
//! three [`Event`]s that announce changes. Every operation is an *attempt* (push, pop, check),
//! and a waiting operation runs those attempts through the crate's one waiting protocol
//! ([`crate::wait`]). A side notifies only when the other side counts waiters, so an
//! uncontended put or get on the ring takes no lock and makes no notification.
//!
//! # Why no wake-up is lost
//!
//! A waiter listens *before* its attempt, and an attempt that finds it must wait counts its
//! caller where the store decides, so that of a waiter and the change it waits for, at least
//! one sees the other:
//!
//! - in a locked container, the count and the check it answers are made under the lock, and a
//!   put or get reads the count under the same lock;
//! - in the ring, a waiter counts itself, fences (`SeqCst`) and looks once more; a put or get
//!   changes the ring, fences and reads the count (Dekker's pattern: if the second look missed
//!   the change, the fence order makes the count visible to the change).
//!
//! Either the waiter's look finds the item, or the put sees the count and wakes one more
//! listener (`notify(1.additional())`), which event-listener delivers to the registered one. A
//! woken listener either takes an item, finds that someone else took it (nothing lost), or is
//! dropped: event-listener passes a notification on when a notified listener is dropped, so a
//! cancelled or timed-out waiter never swallows a wake-up. An item is taken only in the
//! attempt that returns it, within one poll, so no future is ever dropped holding one. The loom
//! models in `tests/loom.rs` check both stores, and fail if either fence is removed.
//!
//! # Counting unfinished tasks
//!
//! A put counts its item *before* the item can be taken, so a consumer that takes it and calls
//! `task_done` at once always finds it counted: a locked container counts it under its lock,
//! and a put into the ring counts it before pushing and takes the count back if the push fails
//! (full, closed), which can wake a `join` that saw it for a moment.

use event_listener::{Event, IntoNotification};

use super::discipline::Discipline;
use super::error::{TaskDoneError, TryGetError, TryPutError};
use super::store::Store;
use crate::sync::atomic::{
    AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed, SeqCst},
    fence,
};

/// Who waits: the index into [`Waiters`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Get = 0,
    Put = 1,
    Join = 2,
}

/// A value alone on its cache line(s), so that writes to it do not slow down readers of its
/// neighbours (128 bytes: two lines, as the adjacent-line prefetcher pairs them).
#[repr(align(128))]
pub(crate) struct Padded<T>(pub(crate) T);

/// Counted waiters per [`Side`]: units that found they must wait and are listening. Written
/// only when a unit starts or stops waiting; read after every put and get. Every access is
/// `Relaxed`: the caller orders it, by the store's lock or by a `SeqCst` fence.
#[derive(Default)]
pub(crate) struct Waiters(Padded<[AtomicUsize; 3]>);

impl Waiters {
    /// Moves the caller in or out of the count of `side`.
    #[inline]
    pub(crate) fn set(&self, side: Side, counted: &mut bool, wait: bool) {
        if *counted != wait {
            let count = &self.0.0[side as usize];
            if wait {
                count.fetch_add(1, Relaxed);
            } else {
                count.fetch_sub(1, Relaxed);
            }
            *counted = wait;
        }
    }

    /// Counts the caller on `side`, ordered before its next look at the store (a lock-free one,
    /// whose changes are followed by a fence and a look at the count: Dekker's pattern).
    #[cold]
    pub(crate) fn count_then_fence(&self, side: Side, counted: &mut bool) {
        self.set(side, counted, true);
        fence(SeqCst);
    }

    /// After a caller on `side` changed the ring (pushed or popped): uncounts it, fences, and
    /// says whether a waiter of the other side is counted and must be woken.
    #[inline]
    pub(crate) fn changed_ring(&self, side: Side, counted: &mut bool) -> bool {
        self.set(side, counted, false);
        fence(SeqCst);
        let other = match side {
            Side::Put => Side::Get,
            Side::Get => Side::Put,
            Side::Join => Side::Join,
        };
        self.any(other)
    }

    /// Whether a waiter of `side` is counted.
    #[inline]
    pub(crate) fn any(&self, side: Side) -> bool {
        self.0.0[side as usize].load(Relaxed) > 0
    }
}

impl<T> Default for Padded<T>
where
    T: Default,
{
    fn default() -> Self {
        Padded(T::default())
    }
}

/// An attempt's caller as a (possible) waiter: handed to the store, which counts or uncounts
/// it where it decides the attempt's outcome.
pub(crate) struct Registration<'a> {
    pub(crate) waiters: &'a Waiters,
    /// Whether the caller is counted now; updated by the store.
    pub(crate) counted: &'a mut bool,
    /// Whether the caller will wait if the attempt fails for lack of room or items.
    pub(crate) wait: bool,
}

/// The shared part of a queue: what every handle points to.
pub(crate) struct Shared<T, D: Discipline<T>> {
    store: Store<T, D>,
    /// The most items the queue holds; `usize::MAX` when unbounded.
    pub(crate) capacity: usize,
    pub(crate) bounded: bool,
    /// Items put and not yet marked done (Python's `unfinished_tasks`). Written by every put.
    unfinished: Padded<AtomicUsize>,
    waiters: Waiters,
    pub(crate) not_empty: Event,
    pub(crate) not_full: Event,
    pub(crate) all_done: Event,
}

impl<T, D: Discipline<T>> Shared<T, D> {
    pub(crate) fn new(capacity: Option<usize>) -> Self {
        let (capacity, bounded) = match capacity {
            // A queue that can never hold an item would block every put forever: a capacity
            // of zero is taken as one.
            Some(n) => (n.max(1), true),
            None => (usize::MAX, false),
        };
        Shared {
            store: Store::new(capacity),
            capacity,
            bounded,
            unfinished: Padded(AtomicUsize::new(0)),
            waiters: Waiters::default(),
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
        // The item is counted before it can be taken (see the module docs): by the locked
        // container under its lock, here for the ring, which takes the count back on failure.
        let lock_free = self.store.is_lock_free();
        if lock_free {
            self.unfinished.0.fetch_add(1, Relaxed);
        }
        let registration = Registration {
            waiters: &self.waiters,
            counted,
            wait,
        };
        let (outcome, wake_getter) =
            self.store
                .push(item, self.capacity, registration, &self.unfinished.0);
        if lock_free && outcome.is_err() {
            self.finish(1);
        }
        if wake_getter {
            self.not_empty.notify(1.additional());
        }
        outcome
    }

    /// One get attempt; `counted` and `wait` as in [`attempt_put`](Self::attempt_put).
    #[inline]
    pub(crate) fn attempt_get(&self, counted: &mut bool, wait: bool) -> Result<T, TryGetError> {
        let registration = Registration {
            waiters: &self.waiters,
            counted,
            wait,
        };
        let (outcome, wake_putter) = self.store.pop(registration);
        if wake_putter {
            self.not_full.notify(1.additional());
        }
        outcome
    }

    /// One join attempt: whether every item put was marked done.
    pub(crate) fn attempt_join(&self, counted: &mut bool, wait: bool) -> bool {
        loop {
            let done = self.all_done_now();
            if !done && wait && !*counted {
                self.waiters.count_then_fence(Side::Join, counted);
                continue;
            }
            self.waiters.set(Side::Join, counted, !done && wait);
            return done;
        }
    }

    /// Whether a put might succeed now (or fail for good): the spinning thread twins' check.
    #[inline]
    pub(crate) fn may_put(&self) -> bool {
        self.store.len() < self.capacity
    }

    /// Whether a get might succeed now.
    #[inline]
    pub(crate) fn may_get(&self) -> bool {
        self.store.len() > 0
    }

    /// Whether no put is left unmarked by `task_done`.
    pub(crate) fn all_done_now(&self) -> bool {
        self.unfinished.0.load(Acquire) == 0
    }

    pub(crate) fn unfinished(&self) -> usize {
        self.unfinished.0.load(Acquire)
    }

    pub(crate) fn len(&self) -> usize {
        self.store.len()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.store.is_closed()
    }

    /// Wakes every waiter of `side` if any is counted; called after a change that ends every
    /// wait of that side (all tasks done, closed).
    fn wake_all(&self, side: Side) {
        fence(SeqCst);
        if self.waiters.any(side) {
            let event = match side {
                Side::Get => &self.not_empty,
                Side::Put => &self.not_full,
                Side::Join => &self.all_done,
            };
            event.notify(usize::MAX);
        }
    }

    /// Takes the caller out of the waiting count of `side` (a waiter going away).
    pub(crate) fn leave(&self, side: Side, counted: &mut bool) {
        self.waiters.set(side, counted, false);
    }

    /// Marks up to `n` tasks done and returns how many were (fewer only when fewer are
    /// unfinished); the one that reaches zero wakes every joiner.
    fn finish(&self, n: usize) -> usize {
        let mut unfinished = self.unfinished.0.load(Relaxed);
        loop {
            let done = unfinished.min(n);
            if done == 0 {
                return 0;
            }
            match self.unfinished.0.compare_exchange_weak(
                unfinished,
                unfinished - done,
                AcqRel,
                Relaxed,
            ) {
                Ok(_) => {
                    if unfinished == done {
                        self.wake_all(Side::Join);
                    }
                    return done;
                }
                Err(now) => unfinished = now,
            }
        }
    }

    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        match self.finish(1) {
            1 => Ok(()),
            _ => Err(TaskDoneError),
        }
    }

    /// Closes the queue; if `drain`, also takes every item out (counting them as done).
    pub(crate) fn close(&self, drain: bool) -> Vec<T> {
        self.store.close();
        let drained = if drain {
            self.store.drain()
        } else {
            Vec::new()
        };
        self.finish(drained.len());
        self.wake_all(Side::Get);
        self.wake_all(Side::Put);
        drained
    }
}
