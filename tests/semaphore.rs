//! The `Semaphore` contract (plain and bounded), proven once for every flavour's twin.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{assert_waited_about, timed};
use twinsync::semaphore::{Overflow, PermitGuard};
use twinsync::{Flavor, JoinHandle, Policy, Semaphore, Timeout};

flavor_tests! {
    in_run: [
        at_most_n_units_inside,
        permits_return_on_drop,
        try_acquire_fails_when_empty,
        acquire_timeout_times_out_and_takes_nothing,
        acquire_many_is_all_or_nothing,
        release_wakes_a_waiter,
        plain_semaphore_may_grow,
        bounded_semaphore_refuses_to_overflow,
        bounded_limits_the_counter_not_the_guards,
        bounded_refuses_impossible_acquire_many,
        consecutive_releases_wake_as_many_waiters,
        consecutive_releases_wake_waiters_in_either_policy,
        // Cancellation: a waiting future dropped mid-wait.
        dropped_acquire_takes_no_permit, dropped_notified_acquire_passes_the_wakeup_on,
    ],
}

/// The seeds' semaphore: at most n units use the resource at once, and n do. A unit inside
/// stays until n have been inside together (or 10 s passed), so the "n do" half does not hang
/// on the machine being fast enough to overlap short sleeps.
async fn at_most_n_units_inside<F: Flavor>(f: F) {
    const LIMIT: u32 = 3;
    let gate = Arc::new(F::Semaphore::new(LIMIT));
    let inside = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..10)
        .map(|i| {
            let (g, gate, inside, peak) = (f.clone(), gate.clone(), inside.clone(), peak.clone());
            f.spawn(format!("user-{i}"), async move {
                let _permit = gate.acquire().await;
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                let entered = std::time::Instant::now();
                while peak.load(Ordering::SeqCst) < LIMIT as usize
                    && entered.elapsed() < Duration::from_secs(10)
                {
                    g.sleep(Duration::from_millis(1)).await;
                }
                inside.fetch_sub(1, Ordering::SeqCst);
            })
        })
        .collect();
    for handle in handles {
        handle.join().await.unwrap();
    }
    assert_eq!(peak.load(Ordering::SeqCst), LIMIT as usize);
    assert_eq!(gate.available(), LIMIT);
}

async fn permits_return_on_drop<F: Flavor>(_f: F) {
    let s = F::Semaphore::new(2);
    let a = s.acquire().await;
    let b = s.acquire().await;
    assert_eq!(s.available(), 0);
    drop(a);
    assert_eq!(s.available(), 1);
    drop(b);
    assert_eq!(s.available(), 2);
}

async fn try_acquire_fails_when_empty<F: Flavor>(_f: F) {
    let s = F::Semaphore::new(1);
    let held = s.try_acquire().unwrap();
    assert!(s.try_acquire().is_none());
    assert!(s.try_acquire_many(1).is_none());
    drop(held);
    assert!(s.try_acquire().is_some());
}

async fn acquire_timeout_times_out_and_takes_nothing<F: Flavor>(_f: F) {
    let s = F::Semaphore::new(1);
    let held = s.acquire().await;
    let timeout = Duration::from_millis(50);
    let (result, waited) = timed(s.acquire_timeout(timeout)).await;
    assert_eq!(result.map(drop).unwrap_err(), Timeout);
    assert_waited_about(waited, timeout);
    drop(held);
    assert_eq!(s.available(), 1, "a timed-out acquire kept a permit");
}

async fn acquire_many_is_all_or_nothing<F: Flavor>(f: F) {
    let s = Arc::new(F::Semaphore::new(3));
    let one = s.acquire().await;
    let wants_three = {
        let s = Arc::clone(&s);
        f.spawn("greedy", async move {
            s.acquire_many(3).await.map(drop).is_ok()
        })
    };
    f.sleep(Duration::from_millis(20)).await;
    assert!(!wants_three.is_finished());
    assert_eq!(s.available(), 2, "took part of a many-permit request");
    drop(one);
    assert!(wants_three.join().await.unwrap());
    assert_eq!(s.available(), 3);
}

async fn release_wakes_a_waiter<F: Flavor>(f: F) {
    let s = Arc::new(F::Semaphore::new(0));
    let waiter = {
        let s = Arc::clone(&s);
        f.spawn("waiter", async move {
            s.acquire_timeout(Duration::from_secs(20)).await.map(drop)
        })
    };
    f.sleep(Duration::from_millis(20)).await;
    s.release(1).unwrap();
    assert_eq!(waiter.join().await.unwrap(), Ok(()));
}

async fn plain_semaphore_may_grow<F: Flavor>(_f: F) {
    let s = F::Semaphore::new(1);
    s.release(4).unwrap();
    assert_eq!(s.available(), 5);
    assert!(s.release(u32::MAX).is_err(), "wrapped around past u32::MAX");
    assert_eq!(s.available(), 5);
}

/// Python's `BoundedSemaphore`: releasing past the initial count is an error, never growth.
async fn bounded_semaphore_refuses_to_overflow<F: Flavor>(_f: F) {
    let s = F::Semaphore::bounded(2);
    assert_eq!(
        s.release(1),
        Err(Overflow {
            requested: 1,
            limit: 2
        })
    );
    assert_eq!(s.available(), 2);
    s.try_acquire().unwrap().forget();
    assert_eq!(s.available(), 1);
    s.release(1).unwrap();
    assert!(s.release(1).is_err());
    assert_eq!(s.available(), 2);
}

/// As Python's `BoundedSemaphore`: the bound limits the counter, not the permits that guards
/// hold. A release while a guard lives is fine (the counter was 0); the guard's own permit,
/// given back to a full counter, stops at the bound; only a release past the bound fails.
async fn bounded_limits_the_counter_not_the_guards<F: Flavor>(_f: F) {
    let s = F::Semaphore::bounded(1);
    let held = s.acquire().await;
    assert_eq!(s.release(1), Ok(()));
    assert_eq!(s.available(), 1);
    drop(held);
    assert_eq!(
        s.available(),
        1,
        "a guard pushed the counter past the bound"
    );
    assert!(s.release(1).is_err());
    // Permits given up without the crate's `forget` (a leaked guard) are not counted forever.
    std::mem::forget(s.acquire().await);
    assert_eq!(s.release(1), Ok(()));
    assert_eq!(s.available(), 1);
}

async fn bounded_refuses_impossible_acquire_many<F: Flavor>(_f: F) {
    let s = F::Semaphore::bounded(2);
    assert!(s.acquire_many(3).await.is_err());
    assert_eq!(s.acquire_many(2).await.map(drop), Ok(()));
}

/// Three releases in a row, before any woken waiter has run, wake three waiters: a wake-up
/// still in flight must not absorb the next one (regression: `notify` instead of
/// `notify(additional)` serialised the waiters on TokioLocal).
async fn consecutive_releases_wake_as_many_waiters<F: Flavor>(f: F) {
    let s = Arc::new(F::Semaphore::new(0));
    let got = Arc::new(AtomicUsize::new(0));
    let waiters: Vec<_> = (0..3)
        .map(|i| {
            let (s, got) = (Arc::clone(&s), Arc::clone(&got));
            f.spawn(format!("waiter-{i}"), async move {
                let permit = s.acquire_timeout(Duration::from_secs(20)).await;
                got.fetch_add(1, Ordering::SeqCst);
                permit.map(PermitGuard::forget)
            })
        })
        .collect();
    f.sleep(Duration::from_millis(30)).await; // all three are waiting
    for _ in 0..3 {
        s.release(1).unwrap(); // no yield in between
    }
    let start = std::time::Instant::now();
    while got.load(Ordering::SeqCst) < 3 && start.elapsed() < Duration::from_secs(5) {
        f.sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(
        got.load(Ordering::SeqCst),
        3,
        "released permits sat unclaimed"
    );
    for waiter in waiters {
        assert_eq!(waiter.join().await.unwrap(), Ok(()));
    }
}

/// Two releases in a row while two waiters are busy being woken: both waiters get a permit.
/// loom found the barging form losing the second wake-up (a give cleared "someone listens"
/// while the first woken waiter had not yet taken, so the second give woke nobody and a free
/// permit sat beside a sleeping waiter); the window is narrow, so this races it many times,
/// on every flavour and in both policies.
async fn consecutive_releases_wake_waiters_in_either_policy<F: Flavor>(f: F) {
    for policy in [Policy::Barging, Policy::Fifo] {
        for round in 0..200 {
            let s = Arc::new(F::Semaphore::with_policy(0, policy));
            let waiters: Vec<_> = (0..2)
                .map(|i| {
                    let s = Arc::clone(&s);
                    f.spawn(format!("waiter-{i}"), async move {
                        let permit = s.acquire_timeout(Duration::from_secs(5)).await;
                        permit.map(PermitGuard::forget)
                    })
                })
                .collect();
            if round % 2 == 1 {
                f.sleep(Duration::from_micros(50)).await; // let the waiters listen first
            }
            s.release(1).unwrap();
            s.release(1).unwrap();
            for waiter in waiters {
                let got = waiter.join().await.unwrap();
                assert_eq!(
                    got,
                    Ok(()),
                    "{policy:?}, round {round}: a waiter was stranded"
                );
            }
            assert_eq!(s.available(), 0);
        }
    }
}

/// Cancellation: a dropped acquire future takes no permit.
async fn dropped_acquire_takes_no_permit<F: Flavor>(_f: F) {
    use std::pin::pin;
    let s = F::Semaphore::new(1);
    let held = s.acquire().await;
    {
        let mut waiting = pin!(s.acquire());
        assert!(futures::poll!(waiting.as_mut()).is_pending());
    }
    drop(held);
    assert_eq!(s.available(), 1);
    assert!(s.try_acquire().is_some());
}

/// Cancellation: an acquire that was woken and then dropped passes the wake-up on, so the next
/// waiter is not left sleeping next to a free permit.
async fn dropped_notified_acquire_passes_the_wakeup_on<F: Flavor>(f: F) {
    let s = Arc::new(F::Semaphore::new(0));
    let mut first = Box::pin(s.acquire());
    assert!(futures::poll!(first.as_mut()).is_pending());
    let second = {
        let s = Arc::clone(&s);
        f.spawn("second", async move {
            s.acquire_timeout(Duration::from_secs(20)).await.map(drop)
        })
    };
    f.sleep(Duration::from_millis(20)).await; // the second is listening too, behind the first
    s.release(1).unwrap(); // wakes the first in line…
    drop(first); // …which goes away without taking the permit
    assert_eq!(second.join().await.unwrap(), Ok(()));
}
