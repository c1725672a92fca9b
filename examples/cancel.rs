//! # Cancel: select, cancel, and what cancellation cannot reach
//!
//! Mirrors the seeds' ways out of a `queue.Queue.get()` that would wait for ever —
//! `get(timeout=1)` raising `queue.Empty`, `get_nowait()` — and goes on to what asyncio added:
//! racing two waits (`asyncio.wait(…, return_when=FIRST_COMPLETED)`) and `task.cancel()`. Here,
//! on every flavour, a consumer races each `get` against one deadline and keeps what arrives in
//! time; a unit waiting in `get` on an empty queue is cancelled; and a unit that blocks its OS
//! thread with `std::thread::sleep`, outside any twinsync wait, is cancelled too.
//!
//! What to notice: the answers agree on every flavour. Three items come by the deadline and the
//! late fourth is still in the queue afterwards, so the `get` that lost the race took nothing; the
//! cancelled getter took nothing either, and the next item goes to the next `get`. How long a
//! cancel takes to show in `join` differs: on threads (OS threads) the unit's thread must be woken
//! to drop its future, a trip through the kernel (a hundred microseconds or more here); on tokio
//! (tasks on a multi-thread runtime) and tokio-local (tasks on one thread) it is an abort, several
//! times quicker. The
//! unit blocked outside twinsync is where the flavours part. On threads it has an OS thread to
//! itself: main's 5 ms sleep takes 5 ms, and the cancel takes effect only when the 50 ms block is
//! over, about 45 ms later. On tokio-local the blocker holds the only thread, so main's 5 ms sleep
//! cannot end before the block does and takes 50 ms; by then the blocker sits in a twinsync wait,
//! and the cancel stops it at once. On tokio main's sleep takes the 50 ms too, although the other
//! worker is idle: the blocker runs on the worker main spawned it from, and main's wake-up is stuck
//! behind it there.
//!
//! Run it with `cargo run --example cancel -- --flavor threads|tokio|tokio-local|all`; the
//! runner (`cargo run --release -- run cancel`) runs this same file once per flavour, each in
//! its own process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::{Duration, Instant};

use twinsync::queue::{Fifo, Queue};
use twinsync::report::Outcome;
use twinsync::{Flavor, FlavorKind, Job, JoinHandle};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "cancel";
/// What the scenario shows, in one line.
pub const ABOUT: &str = "select over a queue and a deadline; cancel a unit blocked in get; a unit blocked outside twinsync";
/// What to look for in its figures.
pub const NOTICE: &str = "the answers agree on every flavour; a thread unit's cancel waits for its parked thread to wake, several times a task's abort; nothing cancels a blocking std call";

/// How long the `select` loop takes items before its deadline.
const DEADLINE: Duration = Duration::from_millis(100);
/// The late item comes this long after the first three: after the deadline.
const LATE: Duration = Duration::from_millis(200);
/// How long the uncancellable unit blocks the OS thread it runs on.
const BLOCKED: Duration = Duration::from_millis(50);

/// The scenario, as a [`Job`] so that one value runs on whichever flavour is chosen.
#[derive(Debug)]
pub struct Cancel;

impl Job for Cancel {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    async fn run<F: Flavor>(self, f: F) -> Outcome {
        let (taken, late) = items_until_deadline(&f).await;
        let (cancel_took, next_get) = cancel_a_blocked_getter(&f).await;
        let stuck = cancel_a_unit_blocked_outside(&f).await;
        Outcome::new(format!(
            "select: {} items by the deadline, the late one kept ({}); cancel: join after {:.0} µs, \
             its item went to the next get ({}); blocked outside twinsync: main's {} ms sleep took {:.0} ms, \
             cancel to join {:.0} ms",
            taken.len(),
            describe(late),
            micros(cancel_took),
            describe(next_get),
            (BLOCKED / 10).as_millis(),
            millis(stuck.main_slept),
            millis(stuck.cancel_to_join),
        ))
        .figure("items_by_deadline", taken.len() as f64)
        .figure("late_item_kept", f64::from(u8::from(late.is_some())))
        .figure("cancel_to_join_us", micros(cancel_took))
        .figure("item_after_cancel_kept", f64::from(u8::from(next_get.is_some())))
        .figure("blocked_main_slept_ms", millis(stuck.main_slept))
        .figure("blocked_cancel_to_join_ms", millis(stuck.cancel_to_join))
    }
}

fn describe(item: Option<u32>) -> String {
    item.map_or_else(|| "lost!".to_owned(), |n| format!("got {n}"))
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

// ANCHOR: select_fn
/// Which of two raced futures finished first, with the other one, still unfinished.
enum Either<L, R> {
    Left(L),
    Right(R),
}

/// Races two futures and returns the first to finish (the left one on a tie), as
/// `futures::future::select` does, so that this file needs nothing but twinsync.
async fn select<A, B>(a: A, b: B) -> Either<(A::Output, B), (B::Output, A)>
where
    A: Future + Unpin,
    B: Future + Unpin,
{
    let mut both = Some((a, b));
    poll_fn(move |cx| {
        let (a, b) = both.as_mut().expect("polled after it finished");
        if let Poll::Ready(out) = Pin::new(a).poll(cx) {
            let (_, b) = both.take().expect("still here");
            return Poll::Ready(Either::Left((out, b)));
        }
        if let Poll::Ready(out) = Pin::new(b).poll(cx) {
            let (a, _) = both.take().expect("still here");
            return Poll::Ready(Either::Right((out, a)));
        }
        Poll::Pending
    })
    .await
}
// ANCHOR_END: select_fn

/// A producer sends three items at once and a fourth after the deadline; the consumer takes
/// what comes by the deadline, and the late item is still there afterwards.
async fn items_until_deadline<F: Flavor>(f: &F) -> (Vec<u32>, Option<u32>) {
    let q = F::Queue::<u32, Fifo>::new();
    let producer = {
        let (g, q) = (f.clone(), q.clone());
        f.spawn("producer", async move {
            for n in 1..=3 {
                q.put(n).await.expect("the queue is open");
            }
            g.sleep(LATE).await;
            q.put(4).await.expect("the queue is open");
        })
    };
    let taken = take_until(f, &q, Instant::now() + DEADLINE).await;
    producer.join().await.expect("the producer panicked");
    (taken, q.try_get().ok())
}

// ANCHOR: select
/// Takes items from `q` until `deadline`: each round races the next `get` against the
/// deadline. When the deadline wins, the `get` is dropped mid-wait, and takes nothing with it.
pub async fn take_until<F: Flavor>(f: &F, q: &F::Queue<u32, Fifo>, deadline: Instant) -> Vec<u32> {
    let mut taken = Vec::new();
    let mut deadline = pin!(f.sleep_until(deadline));
    loop {
        match select(pin!(q.get()), deadline.as_mut()).await {
            Either::Left((Ok(item), _)) => taken.push(item),
            Either::Left((Err(_closed), _)) => break,
            Either::Right(((), _lost_get)) => break,
        }
    }
    taken
}
// ANCHOR_END: select

// ANCHOR: cancel
/// Cancels a unit that waits in `get` on an empty queue; returns how long `cancel` took to
/// show in `join`, and what the next `get` finds once an item is put.
pub async fn cancel_a_blocked_getter<F: Flavor>(f: &F) -> (Duration, Option<u32>) {
    let q = F::Queue::<u32, Fifo>::new();
    let getter = {
        let q = q.clone();
        f.spawn("getter", async move { q.get().await })
    };
    f.sleep(Duration::from_millis(10)).await; // it is waiting now
    let start = Instant::now();
    getter.cancel();
    let joined = getter.join().await;
    let took = start.elapsed();
    assert!(joined.is_err_and(|err| err.is_cancelled()));
    q.put(7).await.expect("the queue is open");
    (took, q.try_get().ok()) // the cancelled get took nothing: 7 is here
}
// ANCHOR_END: cancel

/// What a unit that blocks outside twinsync does to its neighbours and to `cancel`.
struct Stuck {
    /// How long main's short sleep really took while the other unit blocked.
    main_slept: Duration,
    /// From `cancel` until `join` returned.
    cancel_to_join: Duration,
}

// ANCHOR: blocked_outside
/// A unit blocks its OS thread with `std::thread::sleep` — not a twinsync wait, so nothing can
/// interrupt it — and only then reaches a twinsync wait, where `cancel` finally stops it.
async fn cancel_a_unit_blocked_outside<F: Flavor>(f: &F) -> Stuck {
    let g = f.clone();
    let blocker = f.spawn("blocker", async move {
        std::thread::sleep(BLOCKED); // blocks the thread: a CPU loop or a std lock would too
        g.sleep(Duration::from_secs(3600)).await; // the first point where it can be stopped
    });
    let start = Instant::now();
    f.sleep(BLOCKED / 10).await;
    let main_slept = start.elapsed();
    let cancelled_at = Instant::now();
    blocker.cancel();
    let _ = blocker.join().await;
    Stuck {
        main_slept,
        cancel_to_join: cancelled_at.elapsed(),
    }
}
// ANCHOR_END: blocked_outside

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor` (all of them by default).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    for kind in FlavorKind::from_command_line()? {
        println!("{kind:<12} {}", kind.run(Cancel)?);
    }
    Ok(())
}
// ANCHOR_END: main
