//! The `ReentrantMutex` contract, proven once for every flavour's twin.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use common::{assert_waited_about, timed};
use futures::future::BoxFuture;
use twinsync::{Event, Flavor, JoinHandle, ReentrantMutex, Timeout};

flavor_tests! {
    in_run: [
        owner_relocks_at_every_level_of_a_recursion,
        other_units_wait_until_the_last_guard_drops,
        guards_may_drop_in_any_order,
        try_lock_and_lock_timeout_respect_the_owner,
        is_owned_by_current_names_only_the_owner,
        sub_futures_of_one_unit_share_ownership,
        ownership_survives_sleeps_across_workers,
        // Cancellation: a waiting future dropped mid-wait.
        dropped_lock_future_takes_nothing,
    ],
}

fn recurse<'a, M: ReentrantMutex<AtomicU32>>(lock: &'a M, depth: u32) -> BoxFuture<'a, u32> {
    Box::pin(async move {
        let guard = lock.lock().await;
        guard.fetch_add(1, Ordering::SeqCst);
        if depth == 0 {
            0
        } else {
            1 + recurse(lock, depth - 1).await
        }
    })
}

async fn owner_relocks_at_every_level_of_a_recursion<F: Flavor>(_f: F) {
    let lock = F::ReentrantMutex::new(AtomicU32::new(0));
    assert_eq!(recurse(&lock, 10).await, 10);
    assert_eq!(lock.lock().await.load(Ordering::SeqCst), 11);
}

async fn other_units_wait_until_the_last_guard_drops<F: Flavor>(f: F) {
    let lock = Arc::new(F::ReentrantMutex::new(()));
    let outer = lock.lock().await;
    let inner = lock.lock().await;
    let other = {
        let lock = Arc::clone(&lock);
        f.spawn("other", async move { drop(lock.lock().await) })
    };
    drop(inner);
    f.sleep(Duration::from_millis(20)).await;
    assert!(
        !other.is_finished(),
        "entered while the owner still held a guard"
    );
    drop(outer);
    other.join().await.unwrap();
}

async fn guards_may_drop_in_any_order<F: Flavor>(_f: F) {
    let lock = F::ReentrantMutex::new(());
    let first = lock.lock().await;
    let second = lock.lock().await;
    let third = lock.lock().await;
    drop(first);
    drop(third);
    assert!(lock.is_owned_by_current());
    drop(second);
    assert!(!lock.is_owned_by_current());
}

async fn try_lock_and_lock_timeout_respect_the_owner<F: Flavor>(f: F) {
    let lock = Arc::new(F::ReentrantMutex::new(()));
    let held = lock.lock().await;
    assert!(lock.try_lock().is_some(), "the owner may always re-enter");
    let other = {
        let lock = Arc::clone(&lock);
        f.spawn("other", async move {
            let tried = lock.try_lock().is_none();
            let timeout = Duration::from_millis(50);
            let (result, waited) = timed(lock.lock_timeout(timeout)).await;
            (tried, result.map(drop), waited)
        })
    };
    let (tried, result, waited) = other.join().await.unwrap();
    assert!(tried);
    assert_eq!(result, Err(Timeout));
    assert_waited_about(waited, Duration::from_millis(50));
    drop(held);
    // Clean after the timeout: another unit gets it at once now.
    let lock2 = Arc::clone(&lock);
    let got = f.spawn("later", async move { lock2.try_lock().is_some() });
    assert!(got.join().await.unwrap());
}

/// CPython: an un-owned RLock cannot be released. Here release is a guard's drop, so a unit
/// without a guard has nothing to release with; ownership is reported per unit.
async fn is_owned_by_current_names_only_the_owner<F: Flavor>(f: F) {
    let lock = Arc::new(F::ReentrantMutex::new(()));
    assert!(!lock.is_owned_by_current());
    let held = lock.lock().await;
    assert!(lock.is_owned_by_current());
    let other = {
        let lock = Arc::clone(&lock);
        f.spawn("other", async move { lock.is_owned_by_current() })
    };
    assert!(!other.join().await.unwrap());
    drop(held);
    assert!(!lock.is_owned_by_current());
}

/// Returns `Pending` once (waking itself), so `join!` polls the sibling sub-future in between.
/// Unlike `Flavor::yield_now`, this yields to sibling sub-futures in every flavour, threads too.
async fn yield_to_siblings() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}

/// Two sub-futures of one unit are one owner: the second re-enters while the first holds it.
async fn sub_futures_of_one_unit_share_ownership<F: Flavor>(_f: F) {
    let lock = F::ReentrantMutex::new(AtomicU32::new(0));
    let holder = async {
        let guard = lock.lock().await;
        guard.fetch_add(1, Ordering::SeqCst);
        yield_to_siblings().await;
        guard.load(Ordering::SeqCst)
    };
    let second = async {
        let guard = lock.try_lock().expect("same unit: re-enters");
        guard.fetch_add(1, Ordering::SeqCst);
    };
    let (seen, ()) = futures::join!(holder, second);
    assert_eq!(seen, 2);
}

/// On the multi-thread runtime a task may resume on another worker after a sleep; the lock must
/// still know it as the owner.
async fn ownership_survives_sleeps_across_workers<F: Flavor>(f: F) {
    let lock = F::ReentrantMutex::new(());
    let outer = lock.lock().await;
    for _ in 0..20 {
        f.sleep(Duration::from_millis(1)).await;
        assert!(lock.is_owned_by_current());
        let inner = lock
            .try_lock()
            .expect("the owner lost its lock after moving");
        drop(inner);
    }
    drop(outer);
}

/// Cancellation: a dropped `lock()` future takes no ownership and leaves the lock usable.
async fn dropped_lock_future_takes_nothing<F: Flavor>(f: F) {
    let lock = Arc::new(F::ReentrantMutex::new(()));
    let (taken, release) = (Arc::new(F::Event::new()), Arc::new(F::Event::new()));
    let (lock2, taken2, release2) = (Arc::clone(&lock), Arc::clone(&taken), Arc::clone(&release));
    // The other unit holds the lock until told: no sleep has to outlast another.
    let other = f.spawn("other", async move {
        let held = lock2.lock().await;
        taken2.set();
        release2.wait().await;
        drop(held);
    });
    taken.wait().await;
    {
        let mut waiting = Box::pin(lock.lock());
        assert!(futures::poll!(waiting.as_mut()).is_pending());
    }
    release.set();
    other.join().await.unwrap();
    assert!(!lock.is_owned_by_current());
    let again = lock.try_lock();
    assert!(again.is_some(), "a dropped lock() left the lock taken");
}
