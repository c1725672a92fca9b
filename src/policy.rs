//! Who gets what a release frees: [`Policy`], the fairness of locks and semaphores on purpose.

/// Which waiter gets a lock, or permits, that a release frees. Every [`Mutex`](crate::Mutex),
/// [`Lock`](crate::Lock), [`Semaphore`](crate::Semaphore) (and so
/// [`ReentrantMutex`](crate::ReentrantMutex) and [`Condition`](crate::Condition)) has one, chosen at
/// construction; the default is Python's for the twin:
///
/// | | thread twins (`threading`) | task twins (`asyncio`) |
/// |---|---|---|
/// | default | [`Barging`](Policy::Barging) | [`Fifo`](Policy::Fifo) |
///
/// - **[`Fifo`](Policy::Fifo)**: a release goes to the oldest waiter. While anyone waits, a
///   newcomer waits behind them even if the lock is free at that instant, and a waiter keeps its
///   place however often it is woken. Every waiter gets its turn, in order: asyncio's `Lock` and
///   `Semaphore`, tokio's `Mutex` and `Semaphore`.
/// - **[`Barging`](Policy::Barging)**: a release frees the lock, and whoever asks first takes it,
///   possibly a unit that never waited, ahead of one woken from sleep (which then waits again).
///   Handing over to a sleeper costs its wake-up, during which nobody holds the lock; barging
///   skips that, so it is much faster under contention, and a unit that re-locks at once can win
///   many rounds in a row: `threading.Lock` in CPython, parking_lot's and async-lock's mutexes.
///   The fairness is *eventual*: a waiter kept out for half a millisecond turns the lock fair
///   until a waiter gets it (as parking_lot, async-lock and Go's `sync.Mutex` do); meanwhile
///   `try_*` calls fail too. A coroutine that re-locks without ever yielding still keeps the lock
///   for good, since the others never run to start their half millisecond.
///
/// The `tickets` scenario shows the difference: the same greedy code shares the tickets evenly
/// under `Fifo` and lets one window sell nearly everything under `Barging`, on either twin.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use twinsync::{Flavor, JoinHandle, Mutex, Policy, Threads};
///
/// async fn turns<F: Flavor>(f: F) -> Vec<u32> {
///     let lock = Arc::new(F::Mutex::with_policy(Vec::new(), Policy::Fifo));
///     let held = lock.lock().await;
///     let mut waiters = Vec::new();
///     for i in 1..=3 {
///         let lock = Arc::clone(&lock);
///         waiters.push(f.spawn(format!("w{i}"), async move { lock.lock().await.push(i) }));
///         f.sleep(Duration::from_millis(20)).await; // w{i} is in line before the next comes
///     }
///     drop(held);
///     for waiter in waiters {
///         waiter.join().await.unwrap();
///     }
///     let order = lock.lock().await.clone();
///     order
/// }
/// assert_eq!(Threads::new().run(turns).unwrap(), [1, 2, 3]); // first come, first served
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// A release goes to the oldest waiter (asyncio, tokio).
    Fifo,
    /// A release frees the lock for whoever asks first (threading, parking_lot).
    Barging,
}
