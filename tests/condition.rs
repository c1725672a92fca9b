//! The `Condition` contract, proven once for every flavour's twin.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{assert_waited_about, timed};
use twinsync::{Condition, Flavor, JoinHandle};

flavor_tests! {
    in_run: [
        wait_while_sees_the_change,
        notify_3_wakes_exactly_3_of_5,
        notify_all_wakes_everyone,
        wait_timeout_times_out_with_the_lock_held,
        notification_without_waiters_is_not_stored,
        // Cancellation: a waiting future dropped mid-wait.
        dropped_waiter_before_wakeup_passes_it_on,
        dropped_waiter_after_wakeup_passes_it_on,
    ],
}

/// A room of waiters: `count` counts the waiters that have started waiting, `woken` those that
/// returned from `wait`.
#[derive(Default)]
struct Room {
    waiting: usize,
    woken: usize,
}

/// Spawns `n` units that each wait once on `cond`, and returns when all of them wait.
async fn fill_room<F: Flavor>(
    f: &F,
    cond: &Arc<F::Condition<Room>>,
    n: usize,
) -> Vec<F::JoinHandle<()>> {
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let cond = Arc::clone(cond);
            f.spawn(format!("waiter-{i}"), async move {
                let mut room = cond.lock().await;
                room.waiting += 1;
                let mut room = cond.wait(room).await;
                room.woken += 1;
            })
        })
        .collect();
    // A waiter counts itself under the lock and listens before it unlocks, so once the count
    // is n under the lock, all n are listening.
    while cond.lock().await.waiting < n {
        f.sleep(Duration::from_millis(1)).await;
    }
    handles
}

async fn woken<F: Flavor>(f: &F, cond: &F::Condition<Room>, expected: usize) -> usize {
    // Give woken waiters time to finish, then count.
    for _ in 0..200 {
        if cond.lock().await.woken >= expected {
            break;
        }
        f.sleep(Duration::from_millis(1)).await;
    }
    f.sleep(Duration::from_millis(20)).await;
    cond.lock().await.woken
}

async fn wait_while_sees_the_change<F: Flavor>(f: F) {
    let mailbox = Arc::new(F::Condition::new(Vec::<u32>::new()));
    let reader = {
        let mailbox = Arc::clone(&mailbox);
        f.spawn("reader", async move {
            let guard = mailbox.lock().await;
            let mut letters = mailbox.wait_while(guard, |letters| letters.len() < 3).await;
            std::mem::take(&mut *letters)
        })
    };
    for letter in 1..=3 {
        f.sleep(Duration::from_millis(5)).await;
        mailbox.lock().await.push(letter);
        mailbox.notify_one();
    }
    assert_eq!(reader.join().await.unwrap(), [1, 2, 3]);
}

/// CPython's check: `notify(3)` wakes exactly three of five waiters.
async fn notify_3_wakes_exactly_3_of_5<F: Flavor>(f: F) {
    let cond = Arc::new(F::Condition::new(Room::default()));
    let handles = fill_room(&f, &cond, 5).await;
    cond.notify(3);
    assert_eq!(woken(&f, &cond, 3).await, 3);
    cond.notify_all();
    for handle in handles {
        handle.join().await.unwrap();
    }
    assert_eq!(cond.lock().await.woken, 5);
}

async fn notify_all_wakes_everyone<F: Flavor>(f: F) {
    let cond = Arc::new(F::Condition::new(Room::default()));
    let handles = fill_room(&f, &cond, 4).await;
    cond.notify_one();
    assert_eq!(woken(&f, &cond, 1).await, 1);
    cond.notify_all();
    for handle in handles {
        handle.join().await.unwrap();
    }
    assert_eq!(cond.lock().await.woken, 4);
}

async fn wait_timeout_times_out_with_the_lock_held<F: Flavor>(f: F) {
    let cond = Arc::new(F::Condition::new(0));
    let guard = cond.lock().await;
    let timeout = Duration::from_millis(50);
    let ((mut guard, notified), waited) = timed(cond.wait_timeout(guard, timeout)).await;
    assert!(!notified);
    assert_waited_about(waited, timeout);
    *guard += 1; // the lock is ours again
    let other = {
        let cond = Arc::clone(&cond);
        f.spawn("other", async move { cond.try_lock().is_some() })
    };
    assert!(
        !other.join().await.unwrap(),
        "the lock was free after wait_timeout returned"
    );
    drop(guard);
}

/// Like Python's, a notification sent when nobody waits is lost, not stored for later.
async fn notification_without_waiters_is_not_stored<F: Flavor>(_f: F) {
    let cond = F::Condition::new(());
    cond.notify_all();
    cond.notify_one();
    let guard = cond.lock().await;
    let (_guard, notified) = cond.wait_timeout(guard, Duration::from_millis(30)).await;
    assert!(!notified);
}

/// Cancellation: a waiter notified and then dropped before it ever ran again hands its
/// notification to the next waiter.
async fn dropped_waiter_before_wakeup_passes_it_on<F: Flavor>(f: F) {
    let cond = Arc::new(F::Condition::new(Room::default()));
    let guard = cond.lock().await;
    let mut first = Box::pin(cond.wait(guard));
    assert!(futures::poll!(first.as_mut()).is_pending()); // listening, lock released
    let others = fill_room(&f, &cond, 1).await;
    cond.notify_one(); // reaches the first waiter…
    drop(first); // …which goes away without returning
    assert_eq!(woken(&f, &cond, 1).await, 1, "the notification was lost");
    for handle in others {
        handle.join().await.unwrap();
    }
}

/// Cancellation: a waiter woken, and dropped while re-taking the lock, passes it on too.
async fn dropped_waiter_after_wakeup_passes_it_on<F: Flavor>(f: F) {
    let cond = Arc::new(F::Condition::new(Room::default()));
    let guard = cond.lock().await;
    let mut first = Box::pin(cond.wait(guard));
    assert!(futures::poll!(first.as_mut()).is_pending());
    let others = fill_room(&f, &cond, 1).await;
    let held = cond.lock().await; // the first will block on re-locking
    cond.notify_one();
    assert!(futures::poll!(first.as_mut()).is_pending()); // woken, now waiting for the lock
    drop(first);
    drop(held);
    assert_eq!(woken(&f, &cond, 1).await, 1, "the notification was lost");
    for handle in others {
        handle.join().await.unwrap();
    }
}
