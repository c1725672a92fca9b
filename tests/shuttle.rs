//! shuttle schedules of the task twins, and of thread and task twins together.
//!
//! Built only with `--cfg shuttle`, which swaps the crate's atomics, short locks, parker and
//! thread-local slots for shuttle's (`src/sync.rs`). Where loom explores every interleaving of
//! a small model, shuttle runs larger scenarios under many random schedules (`check_random`)
//! and under PCT (`check_pct`, which finds bugs of small depth with a known probability):
//!
//! ```text
//! RUSTFLAGS="--cfg shuttle" cargo test --release --no-default-features --features tokio \
//!     --test shuttle
//! ```
//!
//! A schedule fails on a failed assertion, or on a deadlock (every task and thread blocked).
//! No scenario sets a deadline: under shuttle, time stands still.
#![cfg(all(shuttle, feature = "tokio"))]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use futures::future::{Either, select};
use shuttle::future::{block_on, spawn};
use twinsync::condition::TaskCondition;
use twinsync::event::TaskEvent;
use twinsync::mutex::{TaskMutex, ThreadMutex};
use twinsync::queue::{GetError, TaskQueue};
use twinsync::semaphore::TaskSemaphore;
use twinsync::{Condition, Event, Policy};

/// How many schedules each scenario runs, per scheduler.
const SCHEDULES: usize = 10_000;
/// PCT's bug depth: the number of ordering constraints a bug may need.
const DEPTH: usize = 3;

/// Runs `scenario` under both schedulers.
fn check(scenario: impl Fn() + Send + Sync + 'static) {
    let scenario = Arc::new(scenario);
    let random = Arc::clone(&scenario);
    shuttle::check_random(move || random(), SCHEDULES);
    shuttle::check_pct(move || scenario(), SCHEDULES, DEPTH);
}

/// Runs `body` as the main task of a schedule.
fn tasks<Fut: Future<Output = ()> + 'static>(body: impl Fn() -> Fut + Send + Sync + 'static) {
    check(move || block_on(body()));
}

/// Three tasks hand a FIFO task mutex around: every increment lands, none is lost to a
/// hand-off that raced a new locker.
#[test]
fn task_mutex_hand_off() {
    tasks(|| async {
        let counter = Arc::new(TaskMutex::new(0));
        let units: Vec<_> = (0..3)
            .map(|_| {
                let counter = Arc::clone(&counter);
                spawn(async move {
                    for _ in 0..2 {
                        *counter.lock().await += 1;
                    }
                })
            })
            .collect();
        for unit in units {
            unit.await.unwrap();
        }
        assert_eq!(*counter.lock().await, 6);
    });
}

/// A thread twin's mutex shared by an OS-thread-like unit (a shuttle thread, blocking) and
/// tasks: the one lock state machine serves both ways of waiting.
#[test]
fn mixed_thread_and_task_units_share_a_lock() {
    check(|| {
        let counter = Arc::new(ThreadMutex::new(0));
        let thread = shuttle::thread::spawn({
            let counter = Arc::clone(&counter);
            move || {
                for _ in 0..2 {
                    *counter.lock() += 1;
                }
            }
        });
        block_on({
            let counter = Arc::clone(&counter);
            async move {
                let task = spawn({
                    let counter = Arc::clone(&counter);
                    async move { *twinsync::Mutex::lock(&*counter).await += 1 }
                });
                *twinsync::Mutex::lock(&*counter).await += 1;
                task.await.unwrap();
            }
        });
        thread.join().unwrap();
        assert_eq!(*counter.lock(), 4);
    });
}

/// A FIFO semaphore of two permits among four tasks: never more than two inside, all four get
/// in, and every permit comes back.
#[test]
fn semaphore_fifo_bounds_and_returns() {
    tasks(|| async {
        let semaphore = Arc::new(TaskSemaphore::with_policy(2, Policy::Fifo));
        let inside = Arc::new(AtomicUsize::new(0));
        let units: Vec<_> = (0..4)
            .map(|_| {
                let (semaphore, inside) = (Arc::clone(&semaphore), Arc::clone(&inside));
                spawn(async move {
                    let permit = semaphore.acquire().await;
                    assert!(inside.fetch_add(1, SeqCst) < 2, "a third unit got in");
                    shuttle::future::yield_now().await;
                    inside.fetch_sub(1, SeqCst);
                    drop(permit);
                })
            })
            .collect();
        for unit in units {
            unit.await.unwrap();
        }
        assert_eq!(semaphore.available(), 2);
    });
}

/// A condition waiter cancelled while it relocks after its notification (the notifier still
/// holds the lock): the waiter that stays is woken all the same, since the cancelled one passes
/// the notification on. Whether the cancel lands while it listens or while it relocks is up to
/// the schedule; both must lose nothing (a planted bug that drops the notification at the
/// relock deadlocks the schedule).
#[test]
fn condition_cancelled_waiter_passes_the_notification_on() {
    tasks(|| async {
        let condition = Arc::new(TaskCondition::new(false));
        let cancel = Arc::new(TaskEvent::new());
        let cancelled = spawn({
            let (condition, cancel) = (Arc::clone(&condition), Arc::clone(&cancel));
            async move {
                let guard = condition.lock().await;
                let wait = pin!(Condition::wait(&*condition, guard));
                // Whether the wait won, taking the notification as any woken waiter does.
                matches!(
                    select(pin!(Event::wait(&*cancel)), wait).await,
                    Either::Right(_)
                )
            }
        });
        let patient = spawn({
            let condition = Arc::clone(&condition);
            async move {
                let guard = condition.lock().await;
                let done = Condition::wait_while(&*condition, guard, |done| !*done).await;
                assert!(*done);
            }
        });
        let mut guard = condition.lock().await;
        *guard = true;
        condition.notify_one();
        shuttle::future::yield_now().await;
        cancel.set();
        shuttle::future::yield_now().await;
        drop(guard);
        if cancelled.await.unwrap() {
            // A schedule may switch inside a poll: the cancel branch was polled before the
            // cancel, then the wait relocked and won. The notification was its own.
            condition.notify_one();
        }
        patient.await.unwrap();
    });
}

/// `close` with getters and a putter waiting on a full queue: every getter wakes with an item
/// or `Closed`, and every item is delivered, left for draining or handed back exactly once.
#[test]
fn queue_close_with_waiters_loses_nothing() {
    tasks(|| async {
        let queue = TaskQueue::bounded(1);
        queue.try_put(1).unwrap();
        let putter = spawn({
            let queue = queue.clone();
            async move { queue.put(2).await }
        });
        let getters: Vec<_> = (0..2)
            .map(|_| {
                let queue = queue.clone();
                spawn(async move { queue.get().await })
            })
            .collect();
        queue.close();
        let mut seen = Vec::new();
        for getter in getters {
            match getter.await.unwrap() {
                Ok(item) => seen.push(item),
                Err(GetError::Closed) => {}
            }
        }
        if let Err(refused) = putter.await.unwrap() {
            seen.push(refused.into_inner());
        }
        seen.extend(queue.close_and_drain());
        seen.sort_unstable();
        assert_eq!(seen, [1, 2]);
    });
}

/// The seeds' producer-consumer on a queue of two: two producers, two consumers, a sentinel
/// per consumer; every item is consumed once and `join` returns after the last `task_done`.
#[test]
fn producer_consumer() {
    tasks(|| async {
        let queue = TaskQueue::<Option<u32>>::bounded(2);
        let consumed = Arc::new(AtomicUsize::new(0));
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let queue = queue.clone();
                spawn(async move {
                    for i in 0..3 {
                        queue.put(Some(p * 10 + i)).await.unwrap();
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let (queue, consumed) = (queue.clone(), Arc::clone(&consumed));
                spawn(async move {
                    let mut got = Vec::new();
                    while let Some(item) = queue.get().await.unwrap() {
                        got.push(item);
                        consumed.fetch_add(1, SeqCst);
                        queue.task_done().unwrap();
                    }
                    queue.task_done().unwrap();
                    got
                })
            })
            .collect();
        for producer in producers {
            producer.await.unwrap();
        }
        for _ in 0..2 {
            queue.put(None).await.unwrap();
        }
        queue.join().await;
        assert_eq!(
            consumed.load(SeqCst),
            6,
            "join returned before every item was done"
        );
        let mut all = Vec::new();
        for consumer in consumers {
            all.extend(consumer.await.unwrap());
        }
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2, 10, 11, 12]);
    });
}
