//! CPython's queue tests restated for twinsync, on every flavour, from their documented
//! behaviour: `Lib/test/test_queue.py`'s `BaseQueueTestMixin` (CPython runs it on `Queue`,
//! `LifoQueue` and `PriorityQueue`, so here on `Fifo`, `Lifo` and `Priority`) and
//! `Lib/test/test_asyncio/test_queues.py` (`QueueBasicTests`, `QueueGetTests`, `QueuePutTests`,
//! `LifoQueueTests`, `PriorityQueueTests`, and the per-class `_QueueJoinTestMixin` and
//! `_QueueShutdownTestMixin`).
//! One file per group of CPython test classes, kept whole to read beside the original,
//! which is why it is longer than the crate's other files.
//!
//! The translation: a thread or task is a unit from `f.spawn`, `task.cancel()` is
//! `JoinHandle::cancel`; `shutdown()` is `close` and `shutdown(immediate=True)` is
//! `close_and_drain`, which hands the items back instead of dropping them; `ShutDown` is a
//! `Closed` error, `Full`/`Empty` are `Full`/`Empty`/`Timeout` errors, and every failed put hands
//! its item back; `task_done`'s `ValueError` is `TaskDoneError`. Where asyncio's one thread
//! settles a race one way, a thread may win it the other way: those tests accept either outcome
//! and check that no item is lost or doubled.
//!
//! Left out, one line each:
//! - `test_shrinking_queue`: the capacity is fixed when the queue is made; no `maxsize` to assign.
//! - `test_float_maxsize`: the capacity is a `usize`; a fractional maxsize cannot be written.
//! - `test_repr`, `test_str`, `test_format`, `test_shutdown_repr`: Python's repr text, private.
//! - `test_generic_alias`: `asyncio.Queue[int]` is Python typing; Rust generics need no test.
//! - `FailingQueueTest`: overrides `_put`/`_get` to raise; a panicking `Discipline` is unspecified.
//! - `BaseSimpleQueueTest`: `SimpleQueue` has no twin; `__del__` reentrancy, weakrefs neither.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use common::{assert_waited_about, timed};
use twinsync::queue::{
    Discipline, Fifo, GetError, GetTimeoutError, Lifo, Priority, PutError, PutTimeoutError,
    TaskDoneError, TryGetError, TryPutError,
};
use twinsync::{Barrier, Event, Flavor, JoinHandle, Queue, Timeout};

flavor_tests! {
    in_run: [
        base_queue_test_basic, base_queue_test_queue_task_done, base_queue_test_queue_join,
        base_queue_test_negative_timeout_raises_exception, base_queue_test_nowait,
        base_queue_test_shutdown_empty, base_queue_test_shutdown_nonempty,
        base_queue_test_shutdown_immediate, base_queue_test_shutdown_allowed_transitions,
        base_queue_test_shutdown_all_methods_in_one_thread,
        base_queue_test_shutdown_immediate_all_methods_in_one_thread,
        base_queue_test_shutdown_all_methods_in_many_threads,
        base_queue_test_shutdown_immediate_all_methods_in_many_threads,
        base_queue_test_shutdown_get, base_queue_test_shutdown_immediate_get,
        base_queue_test_shutdown_put, base_queue_test_shutdown_immediate_put,
        base_queue_test_shutdown_join, base_queue_test_shutdown_immediate_join,
        base_queue_test_shutdown_put_join, base_queue_test_shutdown_immediate_put_join,
        base_queue_test_shutdown_get_task_done_join, base_queue_test_shutdown_pending_get,
        asyncio_queue_basic_test_empty, asyncio_queue_basic_test_full,
        asyncio_queue_basic_test_order, asyncio_queue_basic_test_maxsize,
        asyncio_queue_get_test_blocking_get, asyncio_queue_get_test_get_with_putters,
        asyncio_queue_get_test_blocking_get_wait, asyncio_queue_get_test_nonblocking_get,
        asyncio_queue_get_test_nonblocking_get_exception,
        asyncio_queue_get_test_get_cancelled_race,
        asyncio_queue_get_test_get_with_waiting_putters,
        asyncio_queue_get_test_why_are_getters_waiting,
        asyncio_queue_get_test_cancelled_getters_not_being_held_in_self_getters,
        asyncio_queue_put_test_blocking_put, asyncio_queue_put_test_blocking_put_wait,
        asyncio_queue_put_test_nonblocking_put,
        asyncio_queue_put_test_get_cancel_drop_one_pending_reader,
        asyncio_queue_put_test_get_cancel_drop_many_pending_readers,
        asyncio_queue_put_test_put_cancel_drop,
        asyncio_queue_put_test_nonblocking_put_exception,
        asyncio_queue_put_test_put_cancelled, asyncio_queue_put_test_put_cancelled_race,
        asyncio_queue_put_test_put_with_waiting_getters,
        asyncio_queue_put_test_why_are_putters_waiting,
        asyncio_queue_put_test_cancelled_puts_not_being_held_in_self_putters,
        asyncio_queue_put_test_cancelled_put_silence_value_error_exception,
        asyncio_lifo_queue_test_order, asyncio_priority_queue_test_order,
        asyncio_queue_join_test_task_done_underflow, asyncio_queue_join_test_task_done,
        asyncio_queue_join_test_join_empty_queue,
        asyncio_queue_shutdown_test_shutdown_empty,
        asyncio_queue_shutdown_test_shutdown_nonempty,
        asyncio_queue_shutdown_test_shutdown_immediate,
        asyncio_queue_shutdown_test_shutdown_immediate_with_unfinished,
    ],
}

/// CPython's `QUEUE_SIZE`.
const QUEUE_SIZE: usize = 5;
/// A pause (time for a unit to reach its wait), and the short timeouts.
const WAIT: Duration = Duration::from_millis(50);
/// A bound only a hang reaches.
const LONG: Duration = Duration::from_secs(20);

/// Defines each test as its generic body run on `Fifo`, `Lifo` and `Priority`, as CPython runs
/// a mixin once per queue class.
macro_rules! every_discipline {
    ($($(#[$doc:meta])* $test:ident => $body:ident($($arg:expr),*);)*) => {$(
        $(#[$doc])*
        async fn $test<F: Flavor>(f: F) {
            $body::<F, Fifo>(f.clone() $(, $arg)*).await;
            $body::<F, Lifo>(f.clone() $(, $arg)*).await;
            $body::<F, Priority>(f $(, $arg)*).await;
        }
    )*};
}

every_discipline! {
    /// Python: `task_done` on a fresh queue raises ValueError (the count cannot go negative).
    base_queue_test_queue_task_done => task_done_underflow();
    /// Python: `join` returns once workers marked every item done, twice; then task_done raises.
    base_queue_test_queue_join => queue_join();
    /// Python: a negative timeout raises ValueError. No `Duration` is negative; zero never waits.
    base_queue_test_negative_timeout_raises_exception => zero_timeout();
    /// Python: `put_nowait` fills to maxsize then raises Full; `get_nowait` empties, then Empty.
    base_queue_test_nowait => nowait();
    /// Python: after `shutdown()` of an empty queue put and get raise ShutDown (asyncio's body).
    base_queue_test_shutdown_empty => shutdown_empty();
    /// Python: after `shutdown()` a queued item is still got, then ShutDown (asyncio's body).
    base_queue_test_shutdown_nonempty => shutdown_nonempty();
    /// Python: after `shutdown(immediate=True)` get raises ShutDown at once (asyncio's body).
    base_queue_test_shutdown_immediate => shutdown_immediate();
    /// Python: alive, shutdown, immediate shutdown, shutdown again: every transition is allowed.
    base_queue_test_shutdown_allowed_transitions => allowed_transitions();
    /// Python: after shutdown() puts raise; both items are got, done, joined; then gets ShutDown.
    base_queue_test_shutdown_all_methods_in_one_thread => all_methods_in_one_thread(false);
    /// Python: after immediate shutdown() all raise ShutDown, task_done ValueError; join returns.
    base_queue_test_shutdown_immediate_all_methods_in_one_thread => all_methods_in_one_thread(true);
    /// Python: writers, readers, one shutdown() mid-way: one writer triggered it, all readers end.
    base_queue_test_shutdown_all_methods_in_many_threads => all_methods_in_many_threads(false);
    /// Python: the same with shutdown(immediate=True): empty right after it; the joiners return.
    base_queue_test_shutdown_immediate_all_methods_in_many_threads =>
        all_methods_in_many_threads(true);
    /// Python: after shutdown() of a full queue of two, 2 of 3 getters get an item, one ShutDown.
    base_queue_test_shutdown_get => shutdown_get(false);
    /// Python: after shutdown(immediate=True) of that queue, both getters get ShutDown.
    base_queue_test_shutdown_immediate_get => shutdown_get(true);
    /// Python: after shutdown() of a full queue, both putters raise ShutDown.
    base_queue_test_shutdown_put => shutdown_put(false);
    /// Python: after shutdown(immediate=True) of a full queue, both putters raise ShutDown.
    base_queue_test_shutdown_immediate_put => shutdown_put(true);
    /// Python: after shutdown() two joiners return once a worker got the item and marked it done.
    base_queue_test_shutdown_join => shutdown_join(false);
    /// Python: shutdown(immediate=True) removes the item and counts it done: the joiners return.
    base_queue_test_shutdown_immediate_join => shutdown_join(true);
    /// Python: after shutdown() a put raises; the item is got and done, so the joiner returns.
    base_queue_test_shutdown_put_join => shutdown_put_join(false);
    /// Python: after shutdown(immediate=True) put, get_nowait raise ShutDown; the joiner returns.
    base_queue_test_shutdown_immediate_put_join => shutdown_put_join(true);
    /// Python: two getters marking done and two joiners, around a shutdown(), all succeed.
    base_queue_test_shutdown_get_task_done_join => get_task_done_join();
    /// Python: a get blocked on an empty queue raises ShutDown when shutdown() comes.
    base_queue_test_shutdown_pending_get => pending_get();
    /// Python: `task_done` on a fresh queue raises ValueError.
    asyncio_queue_join_test_task_done_underflow => task_done_underflow();
    /// Python: two workers sum 100 items, marking each done; `join` returns with the full sum.
    asyncio_queue_join_test_task_done => join_workers();
    /// Python: `join` on a queue nothing was put in returns at once, twice.
    asyncio_queue_join_test_join_empty_queue => join_empty_queue();
    /// Python: shutdown() ends a pending get with ShutDown; join returns; all later calls raise.
    asyncio_queue_shutdown_test_shutdown_empty => shutdown_empty();
    /// Python: shutdown() of a full queue fails the pending put; the item is still got; join waits.
    asyncio_queue_shutdown_test_shutdown_nonempty => shutdown_nonempty();
    /// Python: shutdown(immediate=True) empties the queue and releases join; task_done raises.
    asyncio_queue_shutdown_test_shutdown_immediate => shutdown_immediate();
    /// Python: immediate shutdown with an item got but not done: join waits for its task_done.
    asyncio_queue_shutdown_test_shutdown_immediate_with_unfinished => immediate_with_unfinished();
}

/// Spawns a unit named `name` running `body` on its own handle to `q`.
fn unit<F, Q, Fut>(
    f: &F,
    name: &'static str,
    q: &Q,
    body: impl FnOnce(Q) -> Fut,
) -> F::JoinHandle<Fut::Output>
where
    F: Flavor,
    Q: Clone,
    Fut: Future<Output: Send + 'static> + Send + 'static,
{
    f.spawn(name, body(q.clone()))
}

/// Sleeps in small steps until `ready()` holds; only a hang fails.
async fn until<F: Flavor>(f: &F, mut ready: impl FnMut() -> bool + Send) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < LONG, "a condition never came");
        f.sleep(Duration::from_millis(1)).await;
    }
}

/// Lets a spawned unit reach its wait, and checks it is still waiting.
async fn settle<F: Flavor, T>(f: &F, unit: &impl JoinHandle<T>) {
    f.sleep(WAIT).await;
    assert!(!unit.is_finished(), "the unit did not wait");
}

/// Cancels a unit: `Some(output)` if it finished first, `None` if the cancel won.
async fn cancel<T>(unit: impl JoinHandle<T>) -> Option<T> {
    unit.cancel();
    match unit.join().await {
        Ok(output) => Some(output),
        Err(err) => {
            assert!(err.is_cancelled(), "{err}");
            None
        }
    }
}

/// Python's `shutdown(immediate)`; the immediate form's items come back, sorted.
fn shutdown<T: Send + Ord>(q: &impl Queue<T>, immediate: bool) -> Vec<T> {
    let mut drained = if immediate {
        q.close_and_drain()
    } else {
        q.close();
        Vec::new()
    };
    drained.sort();
    drained
}

/// After a shutdown, once empty: every put and get fails with `Closed`, the item handed back.
async fn assert_shut_down(q: &impl Queue<char>) {
    assert_eq!(q.put('x').await, Err(PutError::Closed('x')));
    assert_eq!(q.try_put('x'), Err(TryPutError::Closed('x')));
    assert_eq!(q.get().await, Err(GetError::Closed));
    assert_eq!(q.try_get(), Err(TryGetError::Closed));
}

/// CPython's `do_blocking_test`: `block` must still be waiting when a trigger unit, started
/// first, runs `trigger` after a pause. Returns what `block` gave.
async fn do_blocking_test<F: Flavor, T>(
    f: &F,
    block: impl Future<Output = T> + Send,
    trigger: impl Future<Output = ()> + Send + 'static,
) -> T {
    let triggered = Arc::new(AtomicBool::new(false));
    let unit = {
        let (g, triggered) = (f.clone(), Arc::clone(&triggered));
        f.spawn("trigger", async move {
            g.sleep(WAIT).await;
            triggered.store(true, SeqCst);
            trigger.await;
        })
    };
    let out = block.await;
    assert!(triggered.load(SeqCst), "it did not block");
    unit.join().await.unwrap();
    out
}

// ---- test_queue.py: BaseQueueTestMixin ----

/// CPython's `basic_queue_test`, twice on one queue; `order` is how 111, 333, 222 leave.
async fn basic_queue_test<F: Flavor, D: Discipline<u32>>(f: F, order: [u32; 3]) {
    let q = F::Queue::<u32, D>::bounded(QUEUE_SIZE);
    let take = || {
        let q = q.clone();
        async move { q.get().await.map(|_| ()).unwrap() }
    };
    let give = |n| {
        let q = q.clone();
        async move { q.put(n).await.unwrap() }
    };
    for _ in 0..2 {
        assert!(q.is_empty() && !q.is_full());
        for n in [111, 333, 222] {
            q.put(n).await.unwrap();
        }
        let got = [q.get().await, q.get().await, q.get().await].map(Result::unwrap);
        assert_eq!(got, order);
        for i in 0..QUEUE_SIZE as u32 - 1 {
            q.put(i).await.unwrap();
            assert!(!q.is_empty());
        }
        assert!(!q.is_full());
        let (last, full) = (2 * QUEUE_SIZE as u32, 6 * QUEUE_SIZE as u32);
        q.put(last).await.unwrap();
        assert!(q.is_full() && !q.is_empty());
        assert_eq!(q.try_put(full), Err(TryPutError::Full(full)));
        let (put, waited) = timed(q.put_timeout(full, WAIT)).await;
        assert_eq!(put, Err(PutTimeoutError::Timeout(full)));
        assert_waited_about(waited, WAIT);
        do_blocking_test(&f, q.put(full), take()).await.unwrap();
        let timed_put = do_blocking_test(&f, q.put_timeout(full, LONG), take()).await;
        timed_put.unwrap();
        for _ in 0..QUEUE_SIZE {
            q.get().await.unwrap();
        }
        assert!(q.is_empty());
        assert_eq!(q.try_get(), Err(TryGetError::Empty));
        let (got, waited) = timed(q.get_timeout(WAIT)).await;
        assert_eq!(got, Err(GetTimeoutError::Timeout));
        assert_waited_about(waited, WAIT);
        assert_eq!(do_blocking_test(&f, q.get(), give(7)).await, Ok(7));
        let timed_get = do_blocking_test(&f, q.get_timeout(LONG), give(8)).await;
        assert_eq!(timed_get, Ok(8));
    }
}

/// Python: order per class, empty/full, failing nowait and timed calls, blocking put and get.
async fn base_queue_test_basic<F: Flavor>(f: F) {
    basic_queue_test::<F, Fifo>(f.clone(), [111, 333, 222]).await;
    basic_queue_test::<F, Lifo>(f.clone(), [222, 333, 111]).await;
    basic_queue_test::<F, Priority>(f, [111, 222, 333]).await;
}

async fn task_done_underflow<F: Flavor, D: Discipline<u32>>(_f: F) {
    let q = F::Queue::<u32, D>::new();
    assert_eq!(q.task_done(), Err(TaskDoneError));
    assert_eq!(q.unfinished_tasks(), 0);
}

/// CPython's `queue_join_test`: two workers sum 0..100, `join` waits for them; -1 stops each.
async fn queue_join_test<F: Flavor, D: Discipline<i32>>(f: &F, q: &F::Queue<i32, D>) {
    let cum = Arc::new(AtomicUsize::new(0));
    let workers = [(); 2].map(|()| {
        let cum = Arc::clone(&cum);
        unit(f, "worker", q, |q| async move {
            loop {
                let x = q.get().await.unwrap();
                cum.fetch_add(x.max(0) as usize, SeqCst);
                q.task_done().unwrap();
                if x < 0 {
                    break;
                }
            }
        })
    });
    for i in 0..100 {
        q.put(i).await.unwrap();
    }
    q.join().await;
    assert_eq!(cum.load(SeqCst), 4950, "join returned too early");
    for _ in workers.iter() {
        q.put(-1).await.unwrap();
    }
    q.join().await; // a second join works too
    for worker in workers {
        worker.join().await.unwrap();
    }
}

async fn queue_join<F: Flavor, D: Discipline<i32>>(f: F) {
    let q = F::Queue::<i32, D>::new();
    queue_join_test(&f, &q).await;
    queue_join_test(&f, &q).await;
    assert_eq!(q.task_done(), Err(TaskDoneError));
}

async fn zero_timeout<F: Flavor, D: Discipline<u32>>(_f: F) {
    let (q, zero) = (F::Queue::<u32, D>::bounded(QUEUE_SIZE), Duration::ZERO);
    assert_eq!(q.get_timeout(zero).await, Err(GetTimeoutError::Timeout));
    for n in 0..QUEUE_SIZE as u32 {
        q.put_timeout(n, zero).await.unwrap(); // room: a zero timeout still puts
    }
    let full = q.put_timeout(9, zero).await;
    assert_eq!(full, Err(PutTimeoutError::Timeout(9)));
    assert!(q.get_timeout(zero).await.is_ok());
    assert_eq!(q.len(), QUEUE_SIZE - 1);
}

async fn nowait<F: Flavor, D: Discipline<u32>>(_f: F) {
    let q = F::Queue::<u32, D>::bounded(QUEUE_SIZE);
    for _ in 0..QUEUE_SIZE {
        q.try_put(1).unwrap();
    }
    assert_eq!(q.try_put(1), Err(TryPutError::Full(1)));
    for _ in 0..QUEUE_SIZE {
        assert_eq!(q.try_get(), Ok(1));
    }
    assert_eq!(q.try_get(), Err(TryGetError::Empty));
}

async fn allowed_transitions<F: Flavor, D: Discipline<u8>>(_f: F) {
    let q = F::Queue::<u8, D>::new();
    q.put(1).await.unwrap();
    assert!(!q.is_closed());
    q.close();
    assert!(q.is_closed() && q.len() == 1);
    assert_eq!(q.close_and_drain(), [1]);
    q.close();
    assert!(q.is_closed() && q.is_empty());
}

/// CPython's `_shutdown_all_methods_in_one_thread`.
async fn all_methods_in_one_thread<F: Flavor, D: Discipline<char>>(_f: F, immediate: bool) {
    let q = F::Queue::<char, D>::bounded(2);
    q.put('L').await.unwrap();
    q.try_put('O').unwrap();
    let drained = shutdown(&q, immediate);
    assert_eq!(q.put('E').await, Err(PutError::Closed('E')));
    assert_eq!(q.try_put('W'), Err(TryPutError::Closed('W')));
    if immediate {
        assert_eq!(drained, ['L', 'O']);
        assert_eq!(q.task_done(), Err(TaskDoneError));
    } else {
        let mut got = Vec::new();
        for _ in 0..2 {
            got.push(q.get().await.unwrap());
            q.task_done().unwrap();
        }
        got.sort();
        assert_eq!(got, ['L', 'O']);
    }
    q.join().await;
    assert_shut_down(&q).await;
    let late = q.get_timeout(Duration::from_secs(1)).await;
    assert_eq!(late, Err(GetTimeoutError::Closed));
}

/// CPython's `_shutdown_all_methods_in_many_threads`: writers, readers (and, when immediate,
/// joiners) meet at a barrier; the first writer past half-way triggers the shutdown.
async fn all_methods_in_many_threads<F: Flavor, D: Discipline<u32>>(f: F, immediate: bool) {
    const WRITERS: u32 = 4;
    const READERS: usize = 6;
    const EACH: u32 = 2_000;
    let q = F::Queue::<u32, D>::new();
    let joiners = if immediate { 2 } else { 0 };
    let start = Arc::new(F::Barrier::new(WRITERS as usize + READERS + joiners).unwrap());
    let (go, triggered) = (Arc::new(F::Event::new()), Arc::new(AtomicBool::new(false)));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (start, go, triggered) = (start.clone(), go.clone(), triggered.clone());
            unit(&f, "writer", &q, move |q| async move {
                let (mut tried, mut handed_back, mut trigger) = (Vec::new(), None, false);
                for item in w * EACH..(w + 1) * EACH {
                    if item == w * EACH + EACH / 4 {
                        start.wait().await.unwrap();
                    }
                    tried.push(item);
                    if let Err(PutError::Closed(item)) = q.put(item).await {
                        handed_back = Some(item);
                        break;
                    }
                    if item == w * EACH + EACH / 2 && !triggered.swap(true, SeqCst) {
                        go.set();
                        trigger = true;
                    }
                }
                (tried, handed_back, trigger)
            })
        })
        .collect();
    let readers: Vec<_> = (0..READERS)
        .map(|_| {
            let start = start.clone();
            unit(&f, "reader", &q, |q| async move {
                let mut got = vec![q.get().await.unwrap()];
                q.task_done().unwrap();
                start.wait().await.unwrap();
                while let Ok(item) = q.get().await {
                    got.push(item);
                    q.task_done().unwrap();
                }
                got // ended by `Closed`, as each CPython reader ends by ShutDown
            })
        })
        .collect();
    let joining: Vec<_> = (0..joiners)
        .map(|_| {
            let start = start.clone();
            unit(&f, "joiner", &q, |q| async move {
                start.wait().await.unwrap();
                q.join().await;
            })
        })
        .collect();
    let closer = unit(&f, "shutdown", &q, move |q| async move {
        go.wait().await;
        (shutdown(&q, immediate), q.is_empty())
    });
    let (mut accounted, empty_after) = closer.join().await.unwrap();
    let (mut tried, mut triggers) = (Vec::new(), 0);
    for writer in writers {
        let (t, back, trigger) = writer.join().await.unwrap();
        tried.extend(t);
        accounted.extend(back);
        triggers += usize::from(trigger);
    }
    for reader in readers {
        accounted.extend(reader.join().await.unwrap());
    }
    for joiner in joining {
        joiner.join().await.unwrap();
    }
    assert_eq!(triggers, 1);
    assert!(!immediate || empty_after, "immediate shutdown left items");
    tried.sort_unstable();
    accounted.sort_unstable();
    assert_eq!(accounted, tried, "an item was lost or doubled");
    q.join().await; // every item got was marked done, every drained one counted done
}

/// A call a CPython shutdown test makes in a thread: `_get`, `_get_task_done`, `_put`, `_join`.
#[derive(Clone, Copy)]
enum Call {
    Get,
    GetTaskDone,
    Put(char),
    Join,
}

/// What a call ended with (sorted, so that outcomes compare as a multiset).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Done {
    Got(char),
    Put,
    Joined,
    ShutDown,
    HandedBack(char),
}

/// Starts a unit per call; all but `Join` (which starts waiting at once) wait for `go` first.
fn start<F, Q>(f: &F, q: &Q, go: &Arc<F::Event>, calls: &[Call]) -> Vec<F::JoinHandle<Done>>
where
    F: Flavor,
    Q: Queue<char> + 'static,
{
    let call = |&call: &Call| {
        let go = Arc::clone(go);
        unit(f, "caller", q, move |q| async move {
            if let Call::Join = call {
                q.join_timeout(LONG).await.expect("join never returned");
                return Done::Joined;
            }
            go.wait().await;
            match call {
                Call::Put(item) => match q.put(item).await {
                    Ok(()) => Done::Put,
                    Err(err) => Done::HandedBack(err.into_inner()),
                },
                _ => match q.get().await {
                    Ok(item) => {
                        if let Call::GetTaskDone = call {
                            q.task_done().unwrap();
                        }
                        Done::Got(item)
                    }
                    Err(GetError::Closed) => Done::ShutDown,
                },
            }
        })
    };
    calls.iter().map(call).collect()
}

/// Joins the units of [`start`]; their outcomes, sorted.
async fn outcomes<T: Ord>(units: Vec<impl JoinHandle<T>>) -> Vec<T> {
    let mut done = Vec::new();
    for unit in units {
        done.push(unit.join().await.unwrap());
    }
    done.sort();
    done
}

/// CPython's "queue full": a queue of two holding 'Y' and 'D'.
fn full_of_two<F: Flavor, D: Discipline<char>>() -> F::Queue<char, D> {
    let q = F::Queue::<char, D>::bounded(2);
    q.try_put('Y').unwrap();
    q.try_put('D').unwrap();
    q
}

/// CPython's `_shutdown_get`: getters released after a shutdown of a full queue of two.
async fn shutdown_get<F: Flavor, D: Discipline<char>>(f: F, immediate: bool) {
    let (q, go) = (full_of_two::<F, D>(), Arc::new(F::Event::new()));
    let units = start(
        &f,
        &q,
        &go,
        &[Call::Get; 3][..if immediate { 2 } else { 3 }],
    );
    let drained = shutdown(&q, immediate);
    go.set();
    let done = outcomes(units).await;
    if immediate {
        assert_eq!((done, drained), (vec![Done::ShutDown; 2], vec!['D', 'Y']));
    } else {
        assert_eq!(done, [Done::Got('D'), Done::Got('Y'), Done::ShutDown]);
    }
}

/// CPython's `_shutdown_put`: two putters released after a shutdown of a full queue.
async fn shutdown_put<F: Flavor, D: Discipline<char>>(f: F, immediate: bool) {
    let (q, go) = (full_of_two::<F, D>(), Arc::new(F::Event::new()));
    let units = start(&f, &q, &go, &[Call::Put('E'), Call::Put('W')]);
    let mut left = shutdown(&q, immediate);
    go.set();
    let done = outcomes(units).await;
    assert_eq!(done, [Done::HandedBack('E'), Done::HandedBack('W')]);
    left.extend(q.close_and_drain());
    left.sort();
    assert_eq!(left, ['D', 'Y'], "an item was lost");
}

/// CPython's `_shutdown_join`: two joiners of an unfinished item (and a worker), a shutdown.
async fn shutdown_join<F: Flavor, D: Discipline<char>>(f: F, immediate: bool) {
    let (q, go) = (F::Queue::<char, D>::new(), Arc::new(F::Event::new()));
    q.try_put('Y').unwrap();
    let calls = [Call::Join, Call::Join, Call::GetTaskDone];
    let units = start(&f, &q, &go, &calls[..if immediate { 2 } else { 3 }]);
    let drained = shutdown(&q, immediate);
    go.set();
    let done = outcomes(units).await;
    if immediate {
        assert_eq!((done, drained), (vec![Done::Joined; 2], vec!['Y']));
    } else {
        assert_eq!(done, [Done::Got('Y'), Done::Joined, Done::Joined]);
    }
}

/// CPython's `_shutdown_put_join`: a putter and a joiner, then a shutdown.
async fn shutdown_put_join<F: Flavor, D: Discipline<char>>(f: F, immediate: bool) {
    let (q, go) = (F::Queue::<char, D>::bounded(2), Arc::new(F::Event::new()));
    q.try_put('Y').unwrap();
    let units = start(&f, &q, &go, &[Call::Put('E'), Call::Join]);
    assert_eq!(q.unfinished_tasks(), 1);
    let drained = shutdown(&q, immediate);
    go.set();
    if immediate {
        assert_eq!(q.try_get(), Err(TryGetError::Closed));
        assert_eq!(drained, ['Y']);
    } else {
        assert_eq!(q.get().await, Ok('Y'));
        q.task_done().unwrap();
    }
    assert_eq!(outcomes(units).await, [Done::Joined, Done::HandedBack('E')]);
}

async fn get_task_done_join<F: Flavor, D: Discipline<char>>(f: F) {
    let (q, go) = (full_of_two::<F, D>(), Arc::new(F::Event::new()));
    assert_eq!(q.unfinished_tasks(), q.len());
    let calls = [Call::GetTaskDone, Call::GetTaskDone, Call::Join, Call::Join];
    let units = start(&f, &q, &go, &calls);
    go.set();
    q.close();
    let done = outcomes(units).await;
    let expected = [Done::Got('D'), Done::Got('Y'), Done::Joined, Done::Joined];
    assert_eq!(done, expected);
    assert_eq!(q.unfinished_tasks(), 0);
}

async fn pending_get<F: Flavor, D: Discipline<u8>>(f: F) {
    let q = F::Queue::<u8, D>::new();
    let getter = unit(&f, "getter", &q, |q| async move { q.get().await });
    settle(&f, &getter).await;
    q.close();
    assert_eq!(getter.join().await.unwrap(), Err(GetError::Closed));
}

// ---- test_asyncio/test_queues.py ----

/// Python: empty() is true, false after a put, true again after the get.
async fn asyncio_queue_basic_test_empty<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    assert!(q.is_empty());
    q.put(1).await.unwrap();
    assert!(!q.is_empty());
    assert_eq!(q.get().await, Ok(1));
    assert!(q.is_empty());
}

/// Python: Queue() (maxsize=0: unbounded) is never full; Queue(maxsize=1) is, after one put.
async fn asyncio_queue_basic_test_full<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Fifo>::new(); // Python's maxsize=0 is `new()`
    assert!(!q.is_full() && q.capacity().is_none());
    let q = F::Queue::<u32, Fifo>::bounded(1);
    q.put(1).await.unwrap();
    assert!(q.is_full());
    // `bounded(0)` is documented as a capacity of 1, not as Python's unbounded maxsize=0.
    let q = F::Queue::<u32, Fifo>::bounded(0);
    assert_eq!(q.capacity(), Some(1));
    q.put(1).await.unwrap();
    assert!(q.is_full());
    assert_eq!(q.try_put(2), Err(TryPutError::Full(2)));
}

/// How 1, 3, 2 leave a queue of discipline `D`.
async fn order<F: Flavor, D: Discipline<u32>>() -> Vec<u32> {
    let q = F::Queue::<u32, D>::new();
    for n in [1, 3, 2] {
        q.put(n).await.unwrap();
    }
    let mut items = Vec::new();
    while let Ok(item) = q.try_get() {
        items.push(item);
    }
    items
}

/// Python: a Queue gives 1, 3, 2 back as put.
async fn asyncio_queue_basic_test_order<F: Flavor>(_f: F) {
    assert_eq!(order::<F, Fifo>().await, [1, 3, 2]);
}

/// Python: a LifoQueue gives 1, 3, 2 back as 2, 3, 1.
async fn asyncio_lifo_queue_test_order<F: Flavor>(_f: F) {
    assert_eq!(order::<F, Lifo>().await, [2, 3, 1]);
}

/// Python: a PriorityQueue gives 1, 3, 2 back as 1, 2, 3.
async fn asyncio_priority_queue_test_order<F: Flavor>(_f: F) {
    assert_eq!(order::<F, Priority>().await, [1, 2, 3]);
}

/// Python: a putter of 0, 1, 2 into maxsize 2 blocks after two; one get lets it put the third.
async fn asyncio_queue_basic_test_maxsize<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(2);
    assert_eq!(q.capacity(), Some(2));
    let have_been_put = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&have_been_put);
    let putter = unit(&f, "putter", &q, |q| async move {
        for i in 0..3 {
            q.put(i).await.unwrap();
            counter.fetch_add(1, SeqCst);
        }
        true
    });
    until(&f, || have_been_put.load(SeqCst) == 2).await;
    settle(&f, &putter).await;
    assert_eq!(have_been_put.load(SeqCst), 2, "the putter did not block");
    assert_eq!(q.get().await, Ok(0));
    assert!(putter.join().await.unwrap());
    assert_eq!(have_been_put.load(SeqCst), 3);
    assert_eq!([q.try_get(), q.try_get()], [Ok(1), Ok(2)]);
}

/// Python: get of a queued item returns it.
async fn asyncio_queue_get_test_blocking_get<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    q.try_put(1).unwrap();
    assert_eq!(q.get().await, Ok(1));
}

/// Python: a get from a full queue wakes a waiting putter, which completes.
async fn asyncio_queue_get_test_get_with_putters<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(1);
    q.put(1).await.unwrap();
    let putter = unit(&f, "putter", &q, |q| async move { q.put(2).await });
    settle(&f, &putter).await;
    assert_eq!(q.get().await, Ok(1));
    assert_eq!(putter.join().await.unwrap(), Ok(()));
    assert_eq!(q.try_get(), Ok(2));
}

/// Python: a get on an empty queue waits until an item is put a little later.
async fn asyncio_queue_get_test_blocking_get_wait<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    let getter = unit(&f, "getter", &q, |q| async move { q.get().await });
    settle(&f, &getter).await;
    q.try_put(1).unwrap();
    assert_eq!(getter.join().await.unwrap(), Ok(1));
}

/// Python: get_nowait returns a queued item.
async fn asyncio_queue_get_test_nonblocking_get<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    q.try_put(1).unwrap();
    assert_eq!(q.try_get(), Ok(1));
}

/// Python: get_nowait on an empty queue raises QueueEmpty.
async fn asyncio_queue_get_test_nonblocking_get_exception<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    assert_eq!(q.try_get(), Err(TryGetError::Empty));
}

/// Python: of two waiting getters, the cancelled one takes nothing; the other gets the item.
async fn asyncio_queue_get_test_get_cancelled_race<F: Flavor>(f: F) {
    let q = F::Queue::<char, Fifo>::new();
    let [t1, t2] = [(); 2].map(|()| unit(&f, "getter", &q, |q| async move { q.get().await }));
    settle(&f, &t2).await;
    assert_eq!(cancel(t1).await, None, "a get on an empty queue finished");
    q.put('a').await.unwrap();
    assert_eq!(t2.join().await.unwrap(), Ok('a'));
    assert!(q.is_empty());
}

/// Python: with maxsize 1, putters of 'a' then 'b'; two gets return 'a' then 'b'.
async fn asyncio_queue_get_test_get_with_waiting_putters<F: Flavor>(f: F) {
    let q = F::Queue::<char, Fifo>::bounded(1);
    let a = unit(&f, "putter", &q, |q| async move { q.put('a').await });
    until(&f, || q.is_full()).await; // 'a' is in, so 'b' comes second
    let b = unit(&f, "putter", &q, |q| async move { q.put('b').await });
    assert_eq!([q.get().await, q.get().await], [Ok('a'), Ok('b')]);
    assert_eq!(a.join().await.unwrap(), Ok(()));
    assert_eq!(b.join().await.unwrap(), Ok(()));
}

/// Python: a producer of 5 items and a consumer of 5 on a maxsize-1 queue both finish.
async fn asyncio_queue_get_test_why_are_getters_waiting<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(1);
    let producer = unit(&f, "producer", &q, |q| async move {
        for i in 0..5 {
            q.put(i).await.unwrap();
        }
    });
    let consumer = unit(&f, "consumer", &q, |q| async move {
        let mut got = Vec::new();
        for _ in 0..5 {
            got.push(q.get().await.unwrap());
        }
        got
    });
    producer.join().await.unwrap();
    assert_eq!(consumer.join().await.unwrap(), [0, 1, 2, 3, 4]);
}

/// Python: a get cancelled by wait_for's timeout leaves no getter behind.
async fn asyncio_queue_get_test_cancelled_getters_not_being_held_in_self_getters<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(5);
    let (got, waited) = timed(f.timeout(WAIT, q.get())).await;
    assert_eq!(got, Err(Timeout));
    assert_waited_about(waited, WAIT);
    q.put(1).await.unwrap(); // no stale getter takes it
    assert_eq!((q.len(), q.try_get()), (1, Ok(1)));
}

/// Python: a put on an unbounded queue does not wait.
async fn asyncio_queue_put_test_blocking_put<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    q.put(1).await.unwrap();
    assert_eq!(q.get().await, Ok(1));
}

/// Python: a putter of 1 then 2 into maxsize 1 waits until a get a little later makes room.
async fn asyncio_queue_put_test_blocking_put_wait<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(1);
    let putter = unit(&f, "putter", &q, |q| async move {
        q.put(1).await.unwrap();
        q.put(2).await.unwrap();
    });
    until(&f, || q.is_full()).await;
    settle(&f, &putter).await;
    assert_eq!(q.try_get(), Ok(1));
    putter.join().await.unwrap();
    assert_eq!(q.try_get(), Ok(2));
}

/// Python: put_nowait then get_nowait returns the item (`QueueGetTests`' check, seen from the
/// put side).
async fn asyncio_queue_put_test_nonblocking_put<F: Flavor>(f: F) {
    asyncio_queue_get_test_nonblocking_get(f).await;
}

/// Python: 1, 2 put for a waiting reader, which is cancelled: it got 1, or a new reader gets 1.
async fn asyncio_queue_put_test_get_cancel_drop_one_pending_reader<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    let reader = unit(&f, "reader", &q, |q| async move { q.get().await });
    settle(&f, &reader).await;
    q.try_put(1).unwrap();
    q.try_put(2).unwrap();
    let got = match cancel(reader).await {
        Some(got) => got,
        None => q.get().await, // the cancelled reader left 1 in the queue
    };
    assert_eq!(got, Ok(1), "1 was dropped");
    assert_eq!(q.try_get(), Ok(2));
}

/// Python: three readers, two items, the first reader cancelled: readers get 1 and 2, none lost.
async fn asyncio_queue_put_test_get_cancel_drop_many_pending_readers<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    let [r1, r2, r3] = [(); 3].map(|()| unit(&f, "reader", &q, |q| async move { q.get().await }));
    settle(&f, &r3).await;
    q.try_put(1).unwrap();
    q.try_put(2).unwrap();
    let mut got: Vec<_> = cancel(r1).await.into_iter().flatten().collect();
    q.close(); // ends the reader left without an item, if the first one won its race
    for reader in [r2, r3] {
        got.extend(reader.join().await.unwrap());
    }
    got.sort();
    assert_eq!(got, [1, 2], "an item was lost or doubled");
}

/// Python: a putter woken by a get, then cancelled, put 2, or put nothing and is retried: 2 once.
async fn asyncio_queue_put_test_put_cancel_drop<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(1);
    q.try_put(1).unwrap();
    let writer = unit(&f, "writer", &q, |q| async move { q.put(2).await });
    settle(&f, &writer).await;
    assert_eq!(q.try_get(), Ok(1));
    match cancel(writer).await {
        Some(put) => put.unwrap(),
        None => q.put(2).await.unwrap(), // it put nothing: try again
    }
    assert_eq!(q.try_get(), Ok(2));
    assert!(q.is_empty());
}

/// Python: put_nowait on a full queue raises QueueFull (here handing the item back).
async fn asyncio_queue_put_test_nonblocking_put_exception<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(1);
    q.try_put(1).unwrap();
    assert_eq!(q.try_put(2), Err(TryPutError::Full(2)));
    assert_eq!(q.len(), 1);
}

/// Python: a task's put completes, and the main task gets the item.
async fn asyncio_queue_put_test_put_cancelled<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    let putter = unit(&f, "putter", &q, |q| async move { q.put(1).await.is_ok() });
    assert_eq!(q.get().await, Ok(1));
    assert!(putter.join().await.unwrap());
}

/// Python: putters of 'a', 'b', 'X' on maxsize 1; 'X' is cancelled waiting; gets give 'a', 'b'.
async fn asyncio_queue_put_test_put_cancelled_race<F: Flavor>(f: F) {
    let q = F::Queue::<char, Fifo>::bounded(1);
    let put_a = unit(&f, "put_a", &q, |q| async move { q.put('a').await });
    until(&f, || q.is_full()).await;
    let put_b = unit(&f, "put_b", &q, |q| async move { q.put('b').await });
    let put_c = unit(&f, "put_c", &q, |q| async move { q.put('X').await });
    settle(&f, &put_c).await;
    assert_eq!(put_a.join().await.unwrap(), Ok(()));
    assert!(!put_b.is_finished());
    assert_eq!(cancel(put_c).await, None, "a put on a full queue finished");
    assert_eq!(q.try_get(), Ok('a'));
    assert_eq!(q.get().await, Ok('b'));
    assert_eq!(put_b.join().await.unwrap(), Ok(()));
    assert!(q.is_empty());
}

/// Python: a put while a getter waits hands it the item.
async fn asyncio_queue_put_test_put_with_waiting_getters<F: Flavor>(f: F) {
    let q = F::Queue::<char, Fifo>::new();
    let getter = unit(&f, "getter", &q, |q| async move { q.get().await });
    settle(&f, &getter).await;
    q.put('a').await.unwrap();
    assert_eq!(getter.join().await.unwrap(), Ok('a'));
}

/// Python: four putters on a maxsize-2 queue and a getter of what is there all finish.
async fn asyncio_queue_put_test_why_are_putters_waiting<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(2);
    let putters =
        [0, 1, 2, 3].map(|i| unit(&f, "putter", &q, move |q| async move { q.put(i).await }));
    until(&f, || q.is_full()).await;
    for _ in 0..q.len() {
        q.try_get().unwrap();
    }
    for putter in putters {
        assert_eq!(putter.join().await.unwrap(), Ok(()));
    }
    assert_eq!(q.len(), 2);
}

/// Python: a putter cancelled while waiting on a full queue leaves no putter behind.
async fn asyncio_queue_put_test_cancelled_puts_not_being_held_in_self_putters<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(1);
    q.try_put(1).unwrap();
    let cancelled = unit(&f, "cancelled", &q, |q| async move { q.put(2).await });
    settle(&f, &cancelled).await;
    assert_eq!(cancel(cancelled).await, None, "a full queue's put finished");
    assert_eq!(q.unfinished_tasks(), 1, "the cancelled put was counted");
    let next = unit(&f, "next", &q, |q| async move { q.put(3).await });
    settle(&f, &next).await;
    assert_eq!(q.try_get(), Ok(1)); // the room goes to the next putter, not to a stale one
    assert_eq!(next.join().await.unwrap(), Ok(()));
    assert_eq!(q.close_and_drain(), [3]);
}

/// Python: a putter woken by get_nowait, then cancelled, ends cleanly (no stray ValueError).
async fn asyncio_queue_put_test_cancelled_put_silence_value_error_exception<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(1);
    q.try_put(1).unwrap();
    let putter = unit(&f, "putter", &q, |q| async move { q.put(2).await });
    settle(&f, &putter).await;
    assert_eq!(q.try_get(), Ok(1));
    let put = cancel(putter).await.map(|put| put.map(|()| 2).unwrap());
    assert_eq!(q.try_get().ok(), put, "put and cancel disagree");
}

async fn join_workers<F: Flavor, D: Discipline<usize>>(f: F) {
    let q = F::Queue::<usize, D>::new();
    for i in 0..100 {
        q.try_put(i).unwrap();
    }
    let accumulator = Arc::new(AtomicUsize::new(0));
    let workers = [(); 2].map(|()| {
        let accumulator = Arc::clone(&accumulator);
        unit(&f, "worker", &q, |q| async move {
            while let Ok(item) = q.get().await {
                accumulator.fetch_add(item, SeqCst);
                q.task_done().unwrap();
            }
        })
    });
    q.join().await;
    assert_eq!(accumulator.load(SeqCst), 4950);
    q.close(); // ends the workers (Python: `running = False` and one item per worker)
    for worker in workers {
        worker.join().await.unwrap();
    }
}

async fn join_empty_queue<F: Flavor, D: Discipline<u8>>(_f: F) {
    let q = F::Queue::<u8, D>::new();
    q.join().await;
    q.join().await;
}

async fn shutdown_empty<F: Flavor, D: Discipline<char>>(f: F) {
    let q = F::Queue::<char, D>::new();
    let getter = unit(&f, "getter", &q, |q| async move { q.get().await });
    settle(&f, &getter).await;
    q.close();
    assert!(q.is_empty());
    q.join().await;
    assert_eq!(getter.join().await.unwrap(), Err(GetError::Closed));
    assert_shut_down(&q).await;
}

async fn shutdown_nonempty<F: Flavor, D: Discipline<char>>(f: F) {
    let q = F::Queue::<char, D>::bounded(1);
    q.try_put('d').unwrap();
    let joiner = unit(
        &f,
        "joiner",
        &q,
        |q| async move { q.join_timeout(LONG).await },
    );
    let putter = unit(&f, "putter", &q, |q| async move { q.put('e').await });
    settle(&f, &putter).await;
    q.close();
    assert_eq!(q.len(), 1);
    assert_eq!(putter.join().await.unwrap(), Err(PutError::Closed('e')));
    assert_eq!(q.get().await, Ok('d'));
    settle(&f, &joiner).await; // one task is not done yet
    assert_shut_down(&q).await;
    q.task_done().unwrap();
    assert_eq!(joiner.join().await.unwrap(), Ok(()));
    assert_eq!(q.task_done(), Err(TaskDoneError));
}

async fn shutdown_immediate<F: Flavor, D: Discipline<char>>(f: F) {
    let q = F::Queue::<char, D>::new();
    q.try_put('d').unwrap();
    let joiner = unit(
        &f,
        "joiner",
        &q,
        |q| async move { q.join_timeout(LONG).await },
    );
    assert_eq!(q.close_and_drain(), ['d']); // handed back, not dropped
    assert!(q.is_empty());
    assert_eq!(joiner.join().await.unwrap(), Ok(()));
    assert_shut_down(&q).await;
    assert_eq!(q.task_done(), Err(TaskDoneError));
}

async fn immediate_with_unfinished<F: Flavor, D: Discipline<char>>(f: F) {
    let q = F::Queue::<char, D>::new();
    q.try_put('d').unwrap();
    q.try_put('d').unwrap();
    let joiner = unit(
        &f,
        "joiner",
        &q,
        |q| async move { q.join_timeout(LONG).await },
    );
    assert_eq!(q.get().await, Ok('d'));
    assert_eq!(q.close_and_drain(), ['d']);
    assert!(q.is_empty());
    settle(&f, &joiner).await; // the item got is not done yet
    assert_shut_down(&q).await;
    q.task_done().unwrap();
    assert_eq!(q.task_done(), Err(TaskDoneError));
    assert_eq!(joiner.join().await.unwrap(), Ok(()));
}
