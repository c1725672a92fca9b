//! Cancellation safety, on every flavour: a unit blocked in each kind of twinsync wait is
//! cancelled — by `JoinHandle::cancel`, and by an enclosing `Flavor::timeout` or `select` — and
//! nothing is lost: no item, permit, notification, barrier arrival or lock hold, and the other
//! units finish.

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::future::{Either, select};
use twinsync::queue::Fifo;
use twinsync::semaphore::PermitGuard;
use twinsync::{
    Barrier, Condition, Event, Flavor, JoinError, JoinHandle, Mutex, Queue, ReentrantMutex,
    Semaphore, Timeout,
};

flavor_tests! {
    in_run: [
        cancelled_lock_wait_takes_nothing,
        timed_out_lock_wait_takes_nothing,
        cancelled_reentrant_lock_wait_takes_nothing,
        timed_out_reentrant_lock_wait_takes_nothing,
        cancelled_acquire_takes_no_permit,
        timed_out_acquire_takes_no_permit,
        cancelled_event_wait_leaves_the_others_woken,
        timed_out_event_wait_leaves_the_others_woken,
        cancelled_condition_wait_passes_the_notification_on,
        timed_out_condition_wait_passes_the_notification_on,
        cancelled_wait_while_leaves_the_lock_free,
        cancelled_barrier_wait_takes_its_arrival_back,
        timed_out_barrier_wait_takes_its_arrival_back,
        cancelled_put_inserts_nothing,
        timed_out_put_inserts_nothing,
        cancelled_get_takes_no_item,
        selected_away_get_takes_no_item,
        get_cancelled_as_an_item_arrives_loses_nothing,
        cancelled_queue_join_leaves_the_count,
        cancelled_sleep_ends_the_unit,
        cancelled_join_leaves_the_joined_unit_running,
        cancel_of_a_finished_unit_is_false,
    ],
}

/// Time for a spawned unit to reach its wait.
const SETTLE: Duration = Duration::from_millis(30);
/// A bound that only a hang reaches.
const HANG: Duration = Duration::from_secs(20);

/// Lets a unit spawned as `"blocked"` reach its wait, cancels it, and checks it reports
/// `Cancelled`. (It takes the handle, not the future: a generic future held across this
/// function's awaits would trip rustc issue 100013 for `wait_while`.)
async fn cancel_while_blocked<F, T>(f: &F, unit: F::JoinHandle<T>)
where
    F: Flavor,
    T: Send + std::fmt::Debug + 'static,
{
    f.sleep(SETTLE).await;
    assert!(!unit.is_finished(), "the unit was not blocked");
    assert!(unit.cancel());
    match f.timeout(HANG, unit.join()).await {
        Ok(Err(JoinError::Cancelled(cancelled))) => assert_eq!(cancelled.unit().name(), "blocked"),
        other => panic!("expected a cancelled unit, got {other:?}"),
    }
}

/// Runs `wait` under a short `Flavor::timeout` and checks it timed out.
async fn time_out<F: Flavor, T>(f: &F, wait: impl Future<Output = T> + Send) {
    assert!(
        f.timeout(SETTLE, wait).await.is_err(),
        "the wait did not time out"
    );
}

async fn cancelled_lock_wait_takes_nothing<F: Flavor>(f: F) {
    let m = Arc::new(F::Mutex::new(0u32));
    let held = m.lock().await;
    let waiter = Arc::clone(&m);
    cancel_while_blocked(
        &f,
        f.spawn("blocked", async move {
            *waiter.lock().await += 1;
        }),
    )
    .await;
    drop(held);
    let guard = m
        .try_lock()
        .expect("the cancelled waiter left the lock held");
    assert_eq!(*guard, 0, "the cancelled waiter ran its critical section");
}

async fn timed_out_lock_wait_takes_nothing<F: Flavor>(f: F) {
    let m = Arc::new(F::Mutex::new(()));
    let held = m.lock().await;
    time_out(&f, m.lock()).await;
    // Another unit waiting now is woken by the release: the dropped wait swallowed nothing.
    let other = {
        let m = Arc::clone(&m);
        f.spawn("other", async move { drop(m.lock().await) })
    };
    f.sleep(SETTLE).await;
    drop(held);
    f.timeout(HANG, other.join()).await.unwrap().unwrap();
}

async fn cancelled_reentrant_lock_wait_takes_nothing<F: Flavor>(f: F) {
    let m = Arc::new(F::ReentrantMutex::new(()));
    let held = m.lock().await;
    let waiter = Arc::clone(&m);
    cancel_while_blocked(
        &f,
        f.spawn("blocked", async move { drop(waiter.lock().await) }),
    )
    .await;
    drop(held);
    let other = {
        let m = Arc::clone(&m);
        f.spawn("other", async move { m.try_lock().is_some() })
    };
    assert!(
        other.join().await.unwrap(),
        "the cancelled waiter owns the lock"
    );
}

async fn timed_out_reentrant_lock_wait_takes_nothing<F: Flavor>(f: F) {
    let m = Arc::new(F::ReentrantMutex::new(()));
    let owner = {
        let m = Arc::clone(&m);
        let (g, release) = (f.clone(), Arc::new(F::Event::new()));
        let released = Arc::clone(&release);
        let unit = f.spawn("owner", async move {
            let held = m.lock().await;
            released.wait().await;
            drop(held);
            g.sleep(Duration::ZERO).await;
        });
        (unit, release)
    };
    f.sleep(SETTLE).await;
    time_out(&f, m.lock()).await;
    owner.1.set();
    owner.0.join().await.unwrap();
    assert!(
        m.try_lock().is_some(),
        "the timed-out wait left an owner behind"
    );
}

async fn cancelled_acquire_takes_no_permit<F: Flavor>(f: F) {
    let s = Arc::new(F::Semaphore::new(0));
    let waiter = Arc::clone(&s);
    cancel_while_blocked(
        &f,
        f.spawn("blocked", async move {
            waiter.acquire().await.forget();
        }),
    )
    .await;
    s.release(1).unwrap();
    assert_eq!(s.available(), 1, "the cancelled waiter took the permit");
}

async fn timed_out_acquire_takes_no_permit<F: Flavor>(f: F) {
    let s = Arc::new(F::Semaphore::new(0));
    time_out(&f, s.acquire()).await;
    let other = {
        let s = Arc::clone(&s);
        f.spawn("other", async move { s.acquire().await.forget() })
    };
    f.sleep(SETTLE).await;
    s.release(1).unwrap(); // must reach `other`, not the dropped wait
    f.timeout(HANG, other.join()).await.unwrap().unwrap();
    assert_eq!(s.available(), 0);
}

/// Spawns a unit that waits on `e` and reports when woken.
fn event_waiter<F: Flavor>(f: &F, e: &Arc<F::Event>) -> F::JoinHandle<()> {
    let e = Arc::clone(e);
    f.spawn("other", async move { e.wait().await })
}

async fn cancelled_event_wait_leaves_the_others_woken<F: Flavor>(f: F) {
    let e = Arc::new(F::Event::new());
    let other = event_waiter(&f, &e);
    let waiter = Arc::clone(&e);
    cancel_while_blocked(&f, f.spawn("blocked", async move { waiter.wait().await })).await;
    e.set();
    f.timeout(HANG, other.join()).await.unwrap().unwrap();
}

async fn timed_out_event_wait_leaves_the_others_woken<F: Flavor>(f: F) {
    let e = Arc::new(F::Event::new());
    let other = event_waiter(&f, &e);
    time_out(&f, e.wait()).await;
    e.set();
    f.timeout(HANG, other.join()).await.unwrap().unwrap();
    assert!(e.wait_timeout(Duration::ZERO).await);
}

/// Spawns a unit that waits once on `c` and counts itself woken.
fn condition_waiter<F: Flavor>(
    f: &F,
    c: &Arc<F::Condition<u32>>,
    woken: &Arc<AtomicBool>,
) -> F::JoinHandle<()> {
    let (c, woken) = (Arc::clone(c), Arc::clone(woken));
    f.spawn("other", async move {
        let guard = c.lock().await;
        let guard = c.wait(guard).await;
        woken.store(true, Ordering::SeqCst);
        drop(guard);
    })
}

async fn cancelled_condition_wait_passes_the_notification_on<F: Flavor>(f: F) {
    let c = Arc::new(F::Condition::new(0u32));
    let woken = Arc::new(AtomicBool::new(false));
    let waiter = {
        let c = Arc::clone(&c);
        f.spawn("blocked", async move {
            let guard = c.lock().await;
            drop(c.wait(guard).await);
        })
    };
    f.sleep(SETTLE).await;
    let other = condition_waiter(&f, &c, &woken);
    f.sleep(SETTLE).await;
    // The notification goes to the older waiter. Main holds the lock, so that waiter cannot
    // finish its wait (it must take the lock back first) and is cancelled while it tries: it
    // must pass the notification on rather than take it away. Without the lock held, a thread
    // unit could finish its wait before the cancel lands, and rightly keep the notification.
    let held = c.lock().await;
    c.notify_one();
    waiter.cancel();
    let cancelled = waiter.join().await;
    assert!(cancelled.unwrap_err().is_cancelled());
    drop(held);
    f.timeout(HANG, other.join()).await.unwrap().unwrap();
    assert!(woken.load(Ordering::SeqCst));
}

async fn timed_out_condition_wait_passes_the_notification_on<F: Flavor>(f: F) {
    let c = Arc::new(F::Condition::new(0u32));
    let woken = Arc::new(AtomicBool::new(false));
    let other = condition_waiter(&f, &c, &woken);
    f.sleep(SETTLE).await;
    let guard = c.lock().await;
    assert!(f.timeout(SETTLE, c.wait(guard)).await.is_err());
    // The timed-out wait gave the lock back: the other waiter can wake and take it.
    c.notify_all();
    f.timeout(HANG, other.join()).await.unwrap().unwrap();
    assert!(woken.load(Ordering::SeqCst));
}

async fn cancelled_wait_while_leaves_the_lock_free<F: Flavor>(f: F) {
    let c = Arc::new(F::Condition::new(0u32));
    let waiter = Arc::clone(&c);
    cancel_while_blocked(
        &f,
        f.spawn("blocked", async move {
            let guard = waiter.lock().await;
            *waiter.wait_while(guard, |n| *n == 0).await += 10;
        }),
    )
    .await;
    let mut guard = c
        .try_lock()
        .expect("the cancelled wait_while left the lock held");
    *guard = 1;
    drop(guard);
    c.notify_all();
    assert_eq!(*c.lock().await, 1, "the cancelled waiter ran on");
}

/// After a lost arrival, a fresh round of `parties` units passes the barrier together.
async fn barrier_still_works<F: Flavor>(f: &F, b: &Arc<F::Barrier>) {
    assert_eq!(b.n_waiting(), 0, "the arrival was not taken back");
    assert!(!b.is_broken());
    let units: Vec<_> = (0..b.parties())
        .map(|i| {
            let b = Arc::clone(b);
            f.spawn(format!("party-{i}"), async move { b.wait().await.is_ok() })
        })
        .collect();
    for unit in units {
        assert!(f.timeout(HANG, unit.join()).await.unwrap().unwrap());
    }
}

async fn cancelled_barrier_wait_takes_its_arrival_back<F: Flavor>(f: F) {
    let b = Arc::new(F::Barrier::new(2).unwrap());
    let waiter = Arc::clone(&b);
    cancel_while_blocked(
        &f,
        f.spawn("blocked", async move { waiter.wait().await.is_ok() }),
    )
    .await;
    barrier_still_works(&f, &b).await;
}

async fn timed_out_barrier_wait_takes_its_arrival_back<F: Flavor>(f: F) {
    let b = Arc::new(F::Barrier::new(2).unwrap());
    time_out(&f, b.wait()).await;
    barrier_still_works(&f, &b).await;
}

async fn cancelled_put_inserts_nothing<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(1);
    q.put(1).await.unwrap();
    let putter = q.clone();
    cancel_while_blocked(&f, f.spawn("blocked", async move { putter.put(2).await })).await;
    assert_eq!(q.get().await, Ok(1));
    assert!(q.is_empty(), "the cancelled put inserted its item");
}

async fn timed_out_put_inserts_nothing<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(1);
    q.put(1).await.unwrap();
    time_out(&f, q.put(2)).await;
    assert_eq!(q.get().await, Ok(1));
    assert!(q.is_empty(), "the timed-out put inserted its item");
}

async fn cancelled_get_takes_no_item<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    let getter = q.clone();
    cancel_while_blocked(&f, f.spawn("blocked", async move { getter.get().await })).await;
    q.put(1).await.unwrap();
    assert_eq!(q.try_get(), Ok(1), "the cancelled get took the item");
}

async fn selected_away_get_takes_no_item<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    let lost = matches!(
        select(pin!(q.get()), pin!(f.sleep(SETTLE))).await,
        Either::Right(_)
    );
    assert!(lost, "an empty queue's get won");
    q.put(1).await.unwrap();
    assert_eq!(
        q.try_get(),
        Ok(1),
        "the get that lost the select took the item"
    );
}

/// The hardest case: the item arrives as the cancel does. The getter either got it (and its
/// join says so) or it is still in the queue — never neither.
async fn get_cancelled_as_an_item_arrives_loses_nothing<F: Flavor>(f: F) {
    for round in 0..50u32 {
        let q = F::Queue::<u32, Fifo>::new();
        let getter = {
            let q = q.clone();
            f.spawn("getter", async move { q.get().await })
        };
        f.sleep(Duration::from_millis(1)).await;
        q.put(round).await.unwrap();
        getter.cancel();
        let delivered = match f.timeout(HANG, getter.join()).await.unwrap() {
            Ok(got) => got.ok(),
            Err(err) => {
                assert!(err.is_cancelled(), "{err}");
                None
            }
        };
        let left = q.try_get().ok();
        assert_eq!(
            delivered.or(left),
            Some(round),
            "round {round}: item lost (delivered {delivered:?}, left {left:?})"
        );
        assert!(
            delivered.is_none() || left.is_none(),
            "round {round}: item doubled"
        );
    }
}

async fn cancelled_queue_join_leaves_the_count<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    q.put(1).await.unwrap();
    let joiner = q.clone();
    cancel_while_blocked(&f, f.spawn("blocked", async move { joiner.join().await })).await;
    assert_eq!(q.unfinished_tasks(), 1);
    assert_eq!(q.get().await, Ok(1));
    q.task_done().unwrap();
    f.timeout(HANG, q.join()).await.unwrap();
}

async fn cancelled_sleep_ends_the_unit<F: Flavor>(f: F) {
    let g = f.clone();
    cancel_while_blocked(
        &f,
        f.spawn("blocked", async move {
            g.sleep(Duration::from_secs(3600)).await
        }),
    )
    .await;
    let g = f.clone();
    cancel_while_blocked(
        &f,
        f.spawn("blocked", async move { g.sleep(Duration::MAX).await }),
    )
    .await;
}

async fn cancelled_join_leaves_the_joined_unit_running<F: Flavor>(f: F) {
    let release = Arc::new(F::Event::new());
    let finished = Arc::new(AtomicBool::new(false));
    let worker = {
        let (release, finished) = (Arc::clone(&release), Arc::clone(&finished));
        f.spawn("worker", async move {
            release.wait().await;
            finished.store(true, Ordering::SeqCst);
        })
    };
    cancel_while_blocked(
        &f,
        f.spawn("blocked", async move { worker.join().await.is_ok() }),
    )
    .await;
    // The worker was only detached by its joiner's end: it runs on when released.
    release.set();
    let deadline = std::time::Instant::now() + HANG;
    while !finished.load(Ordering::SeqCst) {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker never ran on"
        );
        f.sleep(Duration::from_millis(1)).await;
    }
}

async fn cancel_of_a_finished_unit_is_false<F: Flavor>(f: F) {
    let unit = f.spawn("quick", async { 5 });
    while !unit.is_finished() {
        f.sleep(Duration::from_millis(1)).await;
    }
    assert!(!unit.cancel());
    assert_eq!(unit.join().await.unwrap(), 5);
    assert_eq!(f.timeout(HANG, async { Timeout }).await, Ok(Timeout));
}
