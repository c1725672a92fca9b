//! The `Event` contract, proven once for every flavour's twin.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{assert_waited_about, timed};
use twinsync::{Event, Flavor, JoinHandle};

flavor_tests! {
    in_run: [
        set_clear_is_set,
        wait_returns_at_once_when_set,
        set_wakes_all_waiters,
        wait_timeout_times_out_when_never_set,
        waiter_woken_by_set_returns_even_if_cleared_at_once,
        ping_pong_through_two_events_never_stalls,
        // Cancellation: a waiting future dropped mid-wait.
        dropped_waiter_is_harmless,
    ],
}

async fn set_clear_is_set<F: Flavor>(_f: F) {
    let e = F::Event::new();
    assert!(!e.is_set());
    e.set();
    e.set(); // idempotent
    assert!(e.is_set());
    e.clear();
    assert!(!e.is_set());
}

async fn wait_returns_at_once_when_set<F: Flavor>(_f: F) {
    let e = F::Event::new();
    e.set();
    e.wait().await;
    assert!(e.wait_timeout(Duration::from_secs(10)).await);
}

/// CPython's check: one `set` wakes every one of N waiters.
async fn set_wakes_all_waiters<F: Flavor>(f: F) {
    const WAITERS: usize = 5;
    let e = Arc::new(F::Event::new());
    let started = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..WAITERS)
        .map(|i| {
            let (e, started) = (Arc::clone(&e), Arc::clone(&started));
            f.spawn(format!("waiter-{i}"), async move {
                started.fetch_add(1, Ordering::SeqCst);
                e.wait_timeout(Duration::from_secs(20)).await
            })
        })
        .collect();
    while started.load(Ordering::SeqCst) < WAITERS {
        f.sleep(Duration::from_millis(1)).await;
    }
    f.sleep(Duration::from_millis(20)).await;
    assert!(
        handles.iter().all(|h| !h.is_finished()),
        "a waiter did not wait"
    );
    e.set();
    for handle in handles {
        assert!(handle.join().await.unwrap(), "a waiter timed out instead");
    }
}

async fn wait_timeout_times_out_when_never_set<F: Flavor>(_f: F) {
    let e = F::Event::new();
    let timeout = Duration::from_millis(50);
    let (fired, waited) = timed(e.wait_timeout(timeout)).await;
    assert!(!fired);
    assert_waited_about(waited, timeout);
}

/// CPython issue 13502: a waiter woken by `set` returns true even if `clear` follows at once.
async fn waiter_woken_by_set_returns_even_if_cleared_at_once<F: Flavor>(f: F) {
    let e = Arc::new(F::Event::new());
    let started = Arc::new(AtomicUsize::new(0));
    let waiter = {
        let (e, started) = (Arc::clone(&e), Arc::clone(&started));
        f.spawn("waiter", async move {
            started.fetch_add(1, Ordering::SeqCst);
            e.wait_timeout(Duration::from_secs(20)).await
        })
    };
    while started.load(Ordering::SeqCst) == 0 {
        f.sleep(Duration::from_millis(1)).await;
    }
    f.sleep(Duration::from_millis(20)).await;
    e.set();
    e.clear();
    assert!(waiter.join().await.unwrap());
    assert!(!e.is_set());
}

/// Two units hand a turn back and forth through two events, each clearing its own before it
/// sets the other's (regression: flag and generation in two atomics let a late generation bump
/// release a waiter a round early, and the next `set` was then swallowed: a hang).
async fn ping_pong_through_two_events_never_stalls<F: Flavor>(f: F) {
    // Miri runs this some thousand times slower: fewer rounds keep the same code under test.
    const ROUNDS: u32 = if cfg!(miri) { 500 } else { 20_000 };
    let (ping, pong) = (Arc::new(F::Event::new()), Arc::new(F::Event::new()));
    let other = {
        let (ping, pong) = (Arc::clone(&ping), Arc::clone(&pong));
        f.spawn("pong", async move {
            for _ in 0..ROUNDS {
                assert!(
                    ping.wait_timeout(Duration::from_secs(20)).await,
                    "pong stalled"
                );
                ping.clear();
                pong.set();
            }
        })
    };
    for _ in 0..ROUNDS {
        ping.set();
        assert!(
            pong.wait_timeout(Duration::from_secs(20)).await,
            "ping stalled"
        );
        pong.clear();
    }
    other.join().await.unwrap();
}

/// Dropping a waiting future registers nothing that lingers: later waits work as usual.
async fn dropped_waiter_is_harmless<F: Flavor>(_f: F) {
    use std::pin::pin;
    let e = F::Event::new();
    {
        let mut waiting = pin!(e.wait());
        assert!(futures::poll!(waiting.as_mut()).is_pending());
    }
    e.set();
    e.wait().await;
}
