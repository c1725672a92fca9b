//! Same code, same answer: the async idioms that a thread unit used to get wrong (its waits
//! blocked inside `poll`), each asserted on every flavour with twinsync's own futures and the
//! plain combinators of the `futures` crate.

mod common;

use std::pin::pin;
use std::time::{Duration, Instant};

use futures::future::{Either, select};
use twinsync::queue::Fifo;
use twinsync::{Flavor, Mutex, Queue, Timeout};

flavor_tests! {
    in_run: [
        select_of_two_sleeps_picks_the_short_one,
        select_of_a_timed_get_and_a_sleep_picks_the_sleep,
        select_of_a_timed_lock_and_a_sleep_picks_the_sleep,
        join_of_a_get_and_a_put_in_one_unit_completes,
        a_sleep_forever_loses_to_a_timeout,
        timeout_of_a_ready_future_gives_its_output,
        timeout_of_a_waiting_future_times_out,
    ],
}

const SHORT: Duration = Duration::from_millis(50);
/// Long enough that a test which waited for it is unmistakable, even on a loaded machine.
const LONG: Duration = Duration::from_secs(10);

/// Asserts that the short side won and that the long one was not waited for.
fn assert_short_won(short_won: bool, start: Instant) {
    assert!(short_won, "the long side won");
    assert!(start.elapsed() < LONG / 2, "waited {:?}", start.elapsed());
}

async fn select_of_two_sleeps_picks_the_short_one<F: Flavor>(f: F) {
    let start = Instant::now();
    let won = matches!(
        select(pin!(f.sleep(LONG)), pin!(f.sleep(SHORT))).await,
        Either::Right(_)
    );
    assert_short_won(won, start);
    assert!(start.elapsed() >= SHORT.mul_f64(0.6));
}

async fn select_of_a_timed_get_and_a_sleep_picks_the_sleep<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    let start = Instant::now();
    let won = matches!(
        select(pin!(q.get_timeout(LONG)), pin!(f.sleep(SHORT))).await,
        Either::Right(_)
    );
    assert_short_won(won, start);
    // The lost get took nothing and left no waiter behind.
    q.put(1).await.unwrap();
    assert_eq!(q.try_get(), Ok(1));
}

async fn select_of_a_timed_lock_and_a_sleep_picks_the_sleep<F: Flavor>(f: F) {
    let m = F::Mutex::new(0);
    let held = m.lock().await;
    let start = Instant::now();
    let won = matches!(
        select(pin!(m.lock_timeout(LONG)), pin!(f.sleep(SHORT))).await,
        Either::Right(_)
    );
    assert_short_won(won, start);
    drop(held);
    assert!(
        m.try_lock().is_some(),
        "the lost lock wait left the lock held"
    );
}

async fn join_of_a_get_and_a_put_in_one_unit_completes<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(1);
    // The get comes first and must wait for the put beside it, in the same unit.
    let both = f.timeout(LONG, async { futures::join!(q.get(), q.put(7)) });
    let (got, put) = both.await.expect("join! of a get and a put hung");
    assert_eq!(got, Ok(7));
    assert_eq!(put, Ok(()));
}

async fn a_sleep_forever_loses_to_a_timeout<F: Flavor>(f: F) {
    let start = Instant::now();
    assert_eq!(f.timeout(SHORT, f.sleep(Duration::MAX)).await, Err(Timeout));
    let won = matches!(
        select(pin!(f.sleep(Duration::MAX)), pin!(f.sleep(SHORT))).await,
        Either::Right(_)
    );
    assert_short_won(won, start);
}

async fn timeout_of_a_ready_future_gives_its_output<F: Flavor>(f: F) {
    assert_eq!(f.timeout(LONG, async { 42 }).await, Ok(42));
    assert_eq!(f.timeout(Duration::ZERO, async { 7 }).await, Ok(7));
    assert_eq!(f.timeout(Duration::MAX, async { 1 }).await, Ok(1));
}

async fn timeout_of_a_waiting_future_times_out<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    let start = Instant::now();
    assert_eq!(f.timeout(SHORT, q.get()).await, Err(Timeout));
    common::assert_waited_about(start.elapsed(), SHORT);
    // The dropped get left no waiter: a later item is there for the taking.
    q.put(3).await.unwrap();
    assert_eq!(q.try_get(), Ok(3));
}
