//! The `Mutex` contract, proven once for every flavour's twin.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{assert_waited_about, timed};
use twinsync::{Flavor, JoinHandle, Mutex, Timeout};

flavor_tests! {
    in_run: [
        mutual_exclusion_under_contention,
        try_lock_on_a_held_lock_fails,
        lock_timeout_times_out_on_a_held_lock,
        lock_timeout_succeeds_when_released_in_time,
        clean_state_after_a_timed_out_acquire,
        blocked_unit_does_not_finish_before_release,
        guard_gives_mutable_access,
    ],
}

const TIMEOUT: Duration = Duration::from_millis(50);

/// N units × M read-yield-write increments under the lock: exactly N × M.
async fn mutual_exclusion_under_contention<F: Flavor>(f: F) {
    const UNITS: u64 = 4;
    const ROUNDS: u64 = 500;
    let counter = Arc::new(F::Mutex::new(0u64));
    let handles: Vec<_> = (0..UNITS)
        .map(|i| {
            let (g, counter) = (f.clone(), Arc::clone(&counter));
            f.spawn(format!("adder-{i}"), async move {
                for _ in 0..ROUNDS {
                    let mut guard = counter.lock().await;
                    let seen = *guard;
                    g.yield_now().await; // invite a lost update; the lock must prevent it
                    *guard = seen + 1;
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().await.unwrap();
    }
    assert_eq!(*counter.lock().await, UNITS * ROUNDS);
}

async fn try_lock_on_a_held_lock_fails<F: Flavor>(f: F) {
    let mutex = Arc::new(F::Mutex::new(0));
    let held = mutex.lock().await;
    assert!(mutex.try_lock().is_none());
    // From another unit, too.
    let other = {
        let mutex = Arc::clone(&mutex);
        f.spawn("other", async move { mutex.try_lock().is_none() })
    };
    assert!(other.join().await.unwrap());
    drop(held);
    assert!(mutex.try_lock().is_some());
}

async fn lock_timeout_times_out_on_a_held_lock<F: Flavor>(f: F) {
    let mutex = Arc::new(F::Mutex::new(()));
    let held = mutex.lock().await;
    let contender = {
        let mutex = Arc::clone(&mutex);
        f.spawn("contender", async move {
            let (result, waited) = timed(mutex.lock_timeout(TIMEOUT)).await;
            (result.map(drop), waited)
        })
    };
    let (result, waited) = contender.join().await.unwrap();
    assert_eq!(result, Err(Timeout));
    assert_waited_about(waited, TIMEOUT);
    drop(held);
}

async fn lock_timeout_succeeds_when_released_in_time<F: Flavor>(f: F) {
    let mutex = Arc::new(F::Mutex::new(0));
    let holder = {
        let (g, mutex) = (f.clone(), Arc::clone(&mutex));
        f.spawn("holder", async move {
            let mut guard = mutex.lock().await;
            g.sleep(Duration::from_millis(30)).await;
            *guard = 7;
        })
    };
    // Make sure the holder has it before we ask.
    while mutex.try_lock().is_some_and(|g| *g == 0) {
        f.sleep(Duration::from_millis(1)).await;
    }
    let got = mutex.lock_timeout(Duration::from_secs(10)).await;
    assert_eq!(got.map(|g| *g), Ok(7));
    holder.join().await.unwrap();
}

/// CPython's check: a timed-out acquire leaves the lock clean, free for the next taker.
async fn clean_state_after_a_timed_out_acquire<F: Flavor>(f: F) {
    let mutex = Arc::new(F::Mutex::new(0));
    let held = mutex.lock().await;
    let timed_out = {
        let mutex = Arc::clone(&mutex);
        f.spawn("impatient", async move {
            mutex.lock_timeout(TIMEOUT).await.is_err()
        })
    };
    assert!(timed_out.join().await.unwrap());
    drop(held);
    let mut again = mutex.try_lock().expect("lock left held after a timeout");
    *again += 1;
    drop(again);
    assert_eq!(*mutex.lock().await, 1);
}

/// CPython's check: a unit blocked on a held lock does not finish before the release.
async fn blocked_unit_does_not_finish_before_release<F: Flavor>(f: F) {
    let mutex = Arc::new(F::Mutex::new(Vec::<String>::new()));
    let held = mutex.lock().await;
    let blocked = {
        let mutex = Arc::clone(&mutex);
        f.spawn("blocked", async move {
            mutex.lock().await.push("blocked".to_owned())
        })
    };
    f.sleep(Duration::from_millis(30)).await;
    assert!(!blocked.is_finished(), "finished while the lock was held");
    let mut held = held;
    held.push("main".to_owned());
    drop(held);
    blocked.join().await.unwrap();
    assert_eq!(*mutex.lock().await, ["main", "blocked"]);
}

async fn guard_gives_mutable_access<F: Flavor>(_f: F) {
    let mut mutex = F::Mutex::new(String::from("seat"));
    mutex.lock().await.push_str("-12");
    mutex.get_mut().push('A');
    assert_eq!(mutex.into_inner(), "seat-12A");
}
