//! The order in which a queue hands its items out: [`Fifo`], [`Lifo`], [`Priority`].
//!
//! A discipline is a marker type naming a container; the queue core keeps that container under
//! its lock and never looks inside. The three disciplines of Python's `queue` module are here;
//! another order (say, earliest deadline first) is one more `impl Discipline<T>`.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

/// How a queue stores its items and which one leaves next.
///
/// The methods run under the queue's lock: they must be quick and must not touch the queue
/// itself. Implementations for [`Fifo`], [`Lifo`] and [`Priority`] come with the crate.
///
/// ```
/// use std::collections::VecDeque;
/// use twinsync::queue::{Discipline, QueueTwin};
/// use twinsync::wait::Blocking;
///
/// /// Even numbers jump the line.
/// struct EvensFirst;
///
/// impl Discipline<u32> for EvensFirst {
///     type Store = VecDeque<u32>;
///     fn store(capacity_hint: usize) -> Self::Store {
///         VecDeque::with_capacity(capacity_hint)
///     }
///     fn push(store: &mut Self::Store, item: u32) {
///         if item % 2 == 0 { store.push_front(item) } else { store.push_back(item) }
///     }
///     fn pop(store: &mut Self::Store) -> Option<u32> {
///         store.pop_front()
///     }
///     fn len(store: &Self::Store) -> usize {
///         store.len()
///     }
/// }
///
/// let q = QueueTwin::<u32, EvensFirst, Blocking>::new();
/// for n in [1, 2, 3] {
///     q.put(n).unwrap();
/// }
/// assert_eq!(q.close_and_drain(), [2, 1, 3]);
/// ```
pub trait Discipline<T>: Send + Sync + 'static {
    /// The container the queue keeps its items in.
    type Store: Send;

    /// Whether [`pop`](Self::pop) always returns the oldest item. A queue of such a discipline
    /// keeps its items in a lock-free ring (Vyukov's bounded MPMC queue, from the
    /// `concurrent-queue` crate) instead of [`Store`](Self::Store) under a lock, and uses the
    /// container only when its capacity is too large to allocate a ring up front. Only
    /// [`Fifo`] says yes; a discipline that says yes is served first in, first out.
    ///
    /// ```
    /// use twinsync::queue::{Discipline, Fifo, Lifo};
    /// assert!(<Fifo as Discipline<u8>>::FIRST_IN_FIRST_OUT);
    /// assert!(!<Lifo as Discipline<u8>>::FIRST_IN_FIRST_OUT);
    /// ```
    const FIRST_IN_FIRST_OUT: bool = false;

    /// An empty container; `capacity_hint` is how many items it should make room for up front
    /// (the queue passes its capacity, capped, so a bounded queue never allocates per item).
    ///
    /// ```
    /// use twinsync::queue::{Discipline, Fifo};
    /// let store = <Fifo as Discipline<u8>>::store(16);
    /// assert!(store.capacity() >= 16);
    /// ```
    fn store(capacity_hint: usize) -> Self::Store;

    /// Adds an item.
    ///
    /// ```
    /// use twinsync::queue::{Discipline, Lifo};
    /// let mut store = <Lifo as Discipline<u8>>::store(0);
    /// Lifo::push(&mut store, 1);
    /// assert_eq!(<Lifo as Discipline<u8>>::len(&store), 1);
    /// ```
    fn push(store: &mut Self::Store, item: T);

    /// Removes the item that leaves next, if any.
    ///
    /// ```
    /// use twinsync::queue::{Discipline, Lifo};
    /// let mut store = <Lifo as Discipline<u8>>::store(0);
    /// Lifo::push(&mut store, 1);
    /// Lifo::push(&mut store, 2);
    /// assert_eq!(Lifo::pop(&mut store), Some(2));
    /// ```
    fn pop(store: &mut Self::Store) -> Option<T>;

    /// How many items the container holds.
    ///
    /// ```
    /// use twinsync::queue::{Discipline, Priority};
    /// let store = <Priority as Discipline<u8>>::store(0);
    /// assert_eq!(<Priority as Discipline<u8>>::len(&store), 0);
    /// ```
    fn len(store: &Self::Store) -> usize;

    /// Every item, in the order they would leave. Runs outside the queue's lock (the queue
    /// swaps the container out first).
    ///
    /// ```
    /// use twinsync::queue::{Discipline, Priority};
    /// let mut store = <Priority as Discipline<u8>>::store(0);
    /// for n in [3, 1, 2] {
    ///     Priority::push(&mut store, n);
    /// }
    /// assert_eq!(Priority::into_vec(store), [1, 2, 3]);
    /// ```
    fn into_vec(mut store: Self::Store) -> Vec<T> {
        let mut items = Vec::with_capacity(Self::len(&store));
        while let Some(item) = Self::pop(&mut store) {
            items.push(item);
        }
        items
    }
}

/// First in, first out: Python's `queue.Queue`, kept in a lock-free ring (a `VecDeque` under
/// a lock for capacities too large to allocate up front).
///
/// ```
/// use twinsync::queue::ThreadQueue; // = QueueTwin<T, Fifo, Blocking>
/// let q = ThreadQueue::new();
/// for n in 1..=3 {
///     q.put(n).unwrap();
/// }
/// assert_eq!(q.close_and_drain(), [1, 2, 3]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Fifo;

/// Last in, first out: Python's `queue.LifoQueue`, a stack (`Vec`).
///
/// ```
/// use twinsync::queue::ThreadLifoQueue;
/// let q = ThreadLifoQueue::new();
/// for n in 1..=3 {
///     q.put(n).unwrap();
/// }
/// assert_eq!(q.close_and_drain(), [3, 2, 1]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Lifo;

/// Smallest first: Python's `queue.PriorityQueue` (a `heapq`), and **stable**: items that
/// compare equal leave in the order they were put, which a bare `BinaryHeap` does not promise.
///
/// Items need [`Ord`]; as in Python, put `(priority, payload)` tuples to order by a priority
/// field. Stability means the payload never decides among equal priorities if you wrap it so
/// that it compares equal (or order by a key type of your own). A panicking `Ord` leaves the
/// queue usable, but the order of the items inside is then unspecified.
///
/// ```
/// use std::cmp::Ordering;
/// use twinsync::queue::ThreadPriorityQueue;
///
/// /// Ordered by priority alone, so jobs of equal priority are a tie.
/// struct Job(u8, &'static str);
/// impl Ord for Job {
///     fn cmp(&self, other: &Self) -> Ordering { self.0.cmp(&other.0) }
/// }
/// impl PartialOrd for Job {
///     fn partial_cmp(&self, other: &Self) -> Option<Ordering> { Some(self.cmp(other)) }
/// }
/// impl PartialEq for Job {
///     fn eq(&self, other: &Self) -> bool { self.0 == other.0 }
/// }
/// impl Eq for Job {}
///
/// let q = ThreadPriorityQueue::new();
/// for (priority, name) in [(2, "b1"), (1, "a"), (2, "b2"), (2, "b3")] {
///     q.put(Job(priority, name)).unwrap();
/// }
/// let order: Vec<_> = q.close_and_drain().into_iter().map(|job| job.1).collect();
/// assert_eq!(order, ["a", "b1", "b2", "b3"]); // the 2s in insertion order
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Priority;

impl<T: Send> Discipline<T> for Fifo {
    type Store = VecDeque<T>;

    const FIRST_IN_FIRST_OUT: bool = true;

    fn store(capacity_hint: usize) -> VecDeque<T> {
        VecDeque::with_capacity(capacity_hint)
    }

    #[inline]
    fn push(store: &mut VecDeque<T>, item: T) {
        store.push_back(item);
    }

    #[inline]
    fn pop(store: &mut VecDeque<T>) -> Option<T> {
        store.pop_front()
    }

    #[inline]
    fn len(store: &VecDeque<T>) -> usize {
        store.len()
    }

    fn into_vec(store: VecDeque<T>) -> Vec<T> {
        store.into()
    }
}

impl<T: Send> Discipline<T> for Lifo {
    type Store = Vec<T>;

    fn store(capacity_hint: usize) -> Vec<T> {
        Vec::with_capacity(capacity_hint)
    }

    #[inline]
    fn push(store: &mut Vec<T>, item: T) {
        store.push(item);
    }

    #[inline]
    fn pop(store: &mut Vec<T>) -> Option<T> {
        store.pop()
    }

    #[inline]
    fn len(store: &Vec<T>) -> usize {
        store.len()
    }

    fn into_vec(mut store: Vec<T>) -> Vec<T> {
        store.reverse();
        store
    }
}

impl<T: Ord + Send> Discipline<T> for Priority {
    type Store = PriorityStore<T>;

    fn store(capacity_hint: usize) -> PriorityStore<T> {
        PriorityStore {
            heap: BinaryHeap::with_capacity(capacity_hint),
            next_seq: 0,
        }
    }

    #[inline]
    fn push(store: &mut PriorityStore<T>, item: T) {
        let seq = store.next_seq;
        // A u64 sequence number does not wrap in practice (584 years at 10⁹ puts a second);
        // wrapping, not panicking, if it ever did.
        store.next_seq = seq.wrapping_add(1);
        store.heap.push(Reverse(Entry { item, seq }));
    }

    #[inline]
    fn pop(store: &mut PriorityStore<T>) -> Option<T> {
        store.heap.pop().map(|Reverse(entry)| entry.item)
    }

    #[inline]
    fn len(store: &PriorityStore<T>) -> usize {
        store.heap.len()
    }

    fn into_vec(store: PriorityStore<T>) -> Vec<T> {
        // Ascending by `Reverse<Entry>` is descending by (item, seq): reverse it.
        let mut entries = store.heap.into_sorted_vec();
        entries.reverse();
        entries
            .into_iter()
            .map(|Reverse(entry)| entry.item)
            .collect()
    }
}

/// The container of [`Priority`]: a min-heap on `(item, insertion number)`, so that equal items
/// leave in insertion order.
pub struct PriorityStore<T> {
    heap: BinaryHeap<Reverse<Entry<T>>>,
    next_seq: u64,
}

impl<T> std::fmt::Debug for PriorityStore<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PriorityStore")
            .field("len", &self.heap.len())
            .finish_non_exhaustive()
    }
}

/// An item and its insertion number, ordered by item then number.
struct Entry<T> {
    item: T,
    seq: u64,
}

impl<T: Ord> Ord for Entry<T> {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        self.item
            .cmp(&other.item)
            .then_with(|| self.seq.cmp(&other.seq))
    }
}

impl<T: Ord> PartialOrd for Entry<T> {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Ord> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<T: Ord> Eq for Entry<T> {}
