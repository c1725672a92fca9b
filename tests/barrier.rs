//! The `Barrier` contract, proven once for every flavour's twin.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{assert_waited_about, timed};
use twinsync::barrier::BarrierError;
use twinsync::{Barrier, Flavor, JoinHandle};

flavor_tests! {
    in_run: [
        all_parties_pass_together_with_one_leader,
        barrier_is_reusable_for_many_rounds,
        abort_breaks_every_waiter,
        timeout_breaks_the_barrier_for_the_others,
        reset_mends_a_broken_barrier,
        // Cancellation: a waiting future dropped mid-wait.
        dropped_waiter_takes_its_arrival_back,
    ],
}

async fn spawn_waiters<F: Flavor>(
    f: &F,
    barrier: &Arc<F::Barrier>,
    n: usize,
) -> Vec<F::JoinHandle<Result<bool, BarrierError>>> {
    (0..n)
        .map(|i| {
            let barrier = Arc::clone(barrier);
            f.spawn(format!("party-{i}"), async move {
                barrier
                    .wait_timeout(Duration::from_secs(20))
                    .await
                    .map(|r| r.is_leader())
            })
        })
        .collect()
}

async fn wait_for_arrivals<F: Flavor>(f: &F, barrier: &F::Barrier, n: usize) {
    while barrier.n_waiting() < n {
        f.sleep(Duration::from_millis(1)).await;
    }
}

async fn all_parties_pass_together_with_one_leader<F: Flavor>(f: F) {
    let barrier = Arc::new(F::Barrier::new(4).unwrap());
    let early = spawn_waiters(&f, &barrier, 3).await;
    wait_for_arrivals(&f, &barrier, 3).await;
    f.sleep(Duration::from_millis(10)).await;
    assert!(
        early.iter().all(|h| !h.is_finished()),
        "passed before the last party came"
    );
    let last = barrier.wait().await.unwrap().is_leader();
    let mut leaders = usize::from(last);
    for handle in early {
        leaders += usize::from(handle.join().await.unwrap().unwrap());
    }
    assert_eq!(leaders, 1);
    assert_eq!(barrier.n_waiting(), 0);
}

async fn barrier_is_reusable_for_many_rounds<F: Flavor>(f: F) {
    const PARTIES: usize = 3;
    const ROUNDS: usize = 20;
    let barrier = Arc::new(F::Barrier::new(PARTIES).unwrap());
    let leaders = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..PARTIES)
        .map(|i| {
            let (barrier, leaders) = (Arc::clone(&barrier), Arc::clone(&leaders));
            f.spawn(format!("p{i}"), async move {
                for _ in 0..ROUNDS {
                    if barrier.wait().await.unwrap().is_leader() {
                        leaders.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().await.unwrap();
    }
    assert_eq!(
        leaders.load(Ordering::SeqCst),
        ROUNDS,
        "one leader per round"
    );
}

/// CPython's check: `abort` breaks every waiter, and later waits fail too.
async fn abort_breaks_every_waiter<F: Flavor>(f: F) {
    let barrier = Arc::new(F::Barrier::new(4).unwrap());
    let waiters = spawn_waiters(&f, &barrier, 3).await;
    wait_for_arrivals(&f, &barrier, 3).await;
    barrier.abort();
    for handle in waiters {
        assert_eq!(handle.join().await.unwrap(), Err(BarrierError::Broken));
    }
    assert!(barrier.is_broken());
    assert_eq!(barrier.wait().await.unwrap_err(), BarrierError::Broken);
}

async fn timeout_breaks_the_barrier_for_the_others<F: Flavor>(f: F) {
    let barrier = Arc::new(F::Barrier::new(3).unwrap());
    let patient = spawn_waiters(&f, &barrier, 1).await;
    wait_for_arrivals(&f, &barrier, 1).await;
    let timeout = Duration::from_millis(50);
    let (result, waited) = timed(barrier.wait_timeout(timeout)).await;
    assert_eq!(result.unwrap_err(), BarrierError::Timeout);
    assert_waited_about(waited, timeout);
    for handle in patient {
        assert_eq!(handle.join().await.unwrap(), Err(BarrierError::Broken));
    }
    assert!(barrier.is_broken());
}

async fn reset_mends_a_broken_barrier<F: Flavor>(f: F) {
    let barrier = Arc::new(F::Barrier::new(2).unwrap());
    let stuck = spawn_waiters(&f, &barrier, 1).await;
    wait_for_arrivals(&f, &barrier, 1).await;
    barrier.reset(); // the waiter of the interrupted round is broken…
    assert_eq!(
        stuck.into_iter().next().unwrap().join().await.unwrap(),
        Err(BarrierError::Broken)
    );
    assert!(!barrier.is_broken()); // …but the barrier itself is whole again
    let pair = spawn_waiters(&f, &barrier, 2).await;
    for handle in pair {
        assert!(handle.join().await.unwrap().is_ok());
    }
}

/// Cancellation: a dropped waiter takes its arrival back; the round needs a real party.
async fn dropped_waiter_takes_its_arrival_back<F: Flavor>(f: F) {
    let barrier = Arc::new(F::Barrier::new(2).unwrap());
    {
        let mut waiting = Box::pin(barrier.wait());
        assert!(futures::poll!(waiting.as_mut()).is_pending());
        assert_eq!(barrier.n_waiting(), 1);
    }
    assert_eq!(
        barrier.n_waiting(),
        0,
        "a dropped waiter still counted as arrived"
    );
    let pair = spawn_waiters(&f, &barrier, 2).await;
    let mut leaders = 0;
    for handle in pair {
        leaders += usize::from(handle.join().await.unwrap().unwrap());
    }
    assert_eq!(leaders, 1);
}
