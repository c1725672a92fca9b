//! Cancellation and timeouts: what stopping a waiting unit costs, and what `Flavor::timeout`
//! adds around a future that needs no waiting.
//!
//! - `cancel/get-to-join/<flavour>`: a unit waits in `get` on an empty queue (it has had a
//!   millisecond to park); the clock runs from `cancel()` until `join` has returned
//!   `Cancelled`. On `Threads` this is a cross-thread wake-up plus the unit's unwinding of its
//!   wait; on the tokio flavours an `abort` plus a task switch.
//! - `cancel/timeout-ready/<flavour>`: `f.timeout(1 s, ready)` on a future that is ready at
//!   once, against the bare future (`…-bare`) and, for tokio, `tokio::time::timeout` (`…-raw`).

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use twinsync::queue::Fifo;
use twinsync::{Flavor, JoinHandle, Queue, Threads, Tokio, TokioLocal};

/// How long a unit gets to reach its wait and park before it is cancelled.
const SETTLE: Duration = Duration::from_millis(1);

/// `iters` rounds of: spawn a unit blocked in `get`, let it park, cancel it, join it; the time
/// of the cancel-to-join parts only.
async fn cancel_to_join<F: Flavor>(f: F, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let q = F::Queue::<u32, Fifo>::new();
        let getter = {
            let q = q.clone();
            f.spawn("getter", async move { q.get().await })
        };
        f.sleep(SETTLE).await;
        let start = Instant::now();
        getter.cancel();
        let joined = getter.join().await;
        total += start.elapsed();
        assert!(joined.unwrap_err().is_cancelled());
    }
    total
}

async fn timeout_ready<F: Flavor>(f: F, iters: u64) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        let out = f
            .timeout(Duration::from_secs(1), async { black_box(i) })
            .await;
        black_box(out.unwrap());
    }
    start.elapsed()
}

async fn bare_ready<F: Flavor>(_f: F, iters: u64) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        black_box(async { black_box(i) }.await);
    }
    start.elapsed()
}

async fn tokio_timeout_ready<F: Flavor>(_f: F, iters: u64) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        let out = tokio::time::timeout(Duration::from_secs(1), async { black_box(i) }).await;
        black_box(out.unwrap());
    }
    start.elapsed()
}

/// Runs `body(f, iters)` as the main unit of a fresh flavour and returns its measured time.
fn on<F: Flavor, Fut>(flavor: F, body: fn(F, u64) -> Fut) -> impl FnMut(u64) -> Duration
where
    Fut: Future<Output = Duration> + Send + 'static,
{
    move |iters| flavor.run(|f| body(f, iters)).unwrap()
}

fn cancel(c: &mut Criterion) {
    let mut group = c.benchmark_group("cancel/get-to-join");
    common::bench(&mut group, "threads", on(Threads::new(), cancel_to_join));
    common::bench(
        &mut group,
        "tokio",
        on(Tokio::with_workers(2), cancel_to_join),
    );
    common::bench(
        &mut group,
        "tokio-local",
        on(TokioLocal::new(), cancel_to_join),
    );
    group.finish();

    let mut group = c.benchmark_group("cancel/timeout-ready");
    common::bench(&mut group, "threads", on(Threads::new(), timeout_ready));
    common::bench(&mut group, "threads-bare", on(Threads::new(), bare_ready));
    common::bench(
        &mut group,
        "tokio",
        on(Tokio::with_workers(2), timeout_ready),
    );
    common::bench(
        &mut group,
        "tokio-raw",
        on(Tokio::with_workers(2), tokio_timeout_ready),
    );
    common::bench(
        &mut group,
        "tokio-local",
        on(TokioLocal::new(), timeout_ready),
    );
    common::bench(
        &mut group,
        "tokio-local-raw",
        on(TokioLocal::new(), tokio_timeout_ready),
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = cancel
}
criterion_main!(benches);
