//! Hand-offs between two units: the `Event` and `Condition` twins against raw ping-pongs.
//!
//! Two units pass a turn back and forth; every figure is the time of one round trip (two
//! wake-ups). This is where waking a sleeping thread shows: on the shared 2-vCPU VMs a std
//! `sync_channel(0)` round trip, two cross-core wake-ups of parked threads, costs tens of
//! microseconds (30–65 µs measured, more when the machine is idle), while a spin-then-park
//! hand-off between two running threads costs well under a microsecond. The
//! thread twins spin (`twinsync::wait`) before they park, and these figures show whether that
//! keeps them on the fast side.
//!
//! - `event/ping-pong`: A sets `e1`, B waits for `e1`, clears it and sets `e2`, A waits for `e2`
//!   and clears it, and so on. Ids: `threads` (the thread twin on two `Threads` units), `tokio`
//!   and `tokio-local` (the task twin on `Tokio` units of a two-worker runtime and on
//!   `TokioLocal` units), against, on plain threads, `std-sync-channel-0` (two rendezvous
//!   channels), `std-channel` (two `mpsc::channel`s), `std-condvar` (a std `Mutex` + `Condvar`
//!   over a turn counter) and `atomic-spin` (a counter spun on, with `yield_now`: the floor of a
//!   cross-core hand-off), and, on raw tasks of either runtime, `tokio-notify` and
//!   `tokio-local-notify` (two `tokio::sync::Notify`s), `event-listener` and
//!   `event-listener-local` (two flags with an `event_listener::Event` each: what the twins are
//!   built from).
//! - `condition/ping-pong`: a turn counter under the condition's lock; each side waits with
//!   `wait_while` until the parity is its own, bumps the counter and calls `notify_one`. Ids:
//!   `threads`, `tokio`, `tokio-local` (the `Condition` twins), against `std-condvar`,
//!   `parking_lot-condvar` (plain threads), `tokio-mutex-notify` and `tokio-local-mutex-notify`
//!   (tokio's condition-variable pattern, a `tokio::sync::Mutex` plus a `Notify` per side, on
//!   raw tasks of either runtime), and the bare `Notify` ping-pongs as the async floor.

mod common;

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Condvar};
use std::time::Duration;

use common::Home;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, criterion_group, criterion_main};
use futures::FutureExt;
use tokio::sync::Notify;
use twinsync::condition::{TaskCondition, ThreadCondition};
use twinsync::event::{TaskEvent, ThreadEvent};
use twinsync::{Condition, Event, Threads, Tokio, TokioLocal};

/// A way for two units to pass a turn back and forth. The first side starts with the turn.
trait HandOff: 'static {
    /// What one side holds.
    type Side: Send + 'static;
    /// The first side and the second.
    fn sides() -> [Self::Side; 2];
    /// Passes the turn to the other side.
    fn give(side: &mut Self::Side) -> impl Future<Output = ()> + Send;
    /// Waits until the other side passes the turn back.
    fn take(side: &mut Self::Side) -> impl Future<Output = ()> + Send;
}

/// How long `iters` round trips of `H` take between two units of `home`.
fn ping_pong<H: HandOff>(home: Home<'_>, iters: u64) -> Duration {
    let [mut first, mut second] = H::sides();
    home.time_units(vec![
        async move {
            for _ in 0..iters {
                H::give(&mut first).await;
                H::take(&mut first).await;
            }
        }
        .boxed(),
        async move {
            for _ in 0..iters {
                H::take(&mut second).await;
                H::give(&mut second).await;
            }
        }
        .boxed(),
    ])
}

/// Two of something, shared, and which of them is this side's own.
type Pair<T> = (Arc<[T; 2]>, usize);

fn pair<T>(make: impl Fn() -> T) -> [Pair<T>; 2] {
    let shared = Arc::new([make(), make()]);
    [(Arc::clone(&shared), 0), (shared, 1)]
}

/// An `Event` twin per side, through the shared trait: set the other's, wait for and clear
/// one's own.
struct Flags<E>(E);

impl<E: Event + 'static> HandOff for Flags<E> {
    type Side = Pair<E>;

    fn sides() -> [Pair<E>; 2] {
        pair(E::new)
    }

    async fn give((events, me): &mut Pair<E>) {
        events[1 - *me].set();
    }

    async fn take((events, me): &mut Pair<E>) {
        events[*me].wait().await;
        events[*me].clear();
    }
}

/// A flag and an `event_listener::Event` per side: the building blocks of the `Event` twins,
/// used directly (the flag is consumed with a `swap`, so there is no separate clear).
struct Listeners;

impl HandOff for Listeners {
    type Side = Pair<(AtomicBool, event_listener::Event)>;

    fn sides() -> [Self::Side; 2] {
        pair(Default::default)
    }

    async fn give((flags, me): &mut Self::Side) {
        let (flag, event) = &flags[1 - *me];
        flag.store(true, SeqCst);
        event.notify(usize::MAX);
    }

    async fn take((flags, me): &mut Self::Side) {
        let (flag, event) = &flags[*me];
        while !flag.swap(false, SeqCst) {
            // Listen first, then check: a `give` between the two still reaches the listener.
            let listener = event.listen();
            if flag.swap(false, SeqCst) {
                break;
            }
            listener.await;
        }
    }
}

/// A `tokio::sync::Notify` per side.
struct Notifies;

impl HandOff for Notifies {
    type Side = Pair<Notify>;

    fn sides() -> [Pair<Notify>; 2] {
        pair(Notify::new)
    }

    async fn give((notifies, me): &mut Pair<Notify>) {
        notifies[1 - *me].notify_one();
    }

    async fn take((notifies, me): &mut Pair<Notify>) {
        notifies[*me].notified().await;
    }
}

/// A counter of turns both sides share; the first side's turn when it is even, the second's
/// when it is odd. Giving bumps it.
type Turns<T> = (Arc<T>, u64);

fn turns<T>(shared: T) -> [Turns<T>; 2] {
    let shared = Arc::new(shared);
    [(Arc::clone(&shared), 0), (shared, 1)]
}

/// A `Condition` twin over the turn counter, through the shared trait.
struct Cond<C>(C);

impl<C: Condition<u64> + 'static> HandOff for Cond<C> {
    type Side = Turns<C>;

    fn sides() -> [Turns<C>; 2] {
        turns(C::new(0))
    }

    async fn give((condition, _): &mut Turns<C>) {
        *condition.lock().await += 1;
        condition.notify_one();
    }

    async fn take((condition, me): &mut Turns<C>) {
        let me = *me;
        let guard = condition.lock().await;
        drop(condition.wait_while(guard, move |n| *n % 2 != me).await);
    }
}

/// std's `Mutex` + `Condvar` over the turn counter.
struct StdCondvar;

impl HandOff for StdCondvar {
    type Side = Turns<(std::sync::Mutex<u64>, Condvar)>;

    fn sides() -> [Self::Side; 2] {
        turns(Default::default())
    }

    async fn give((shared, _): &mut Self::Side) {
        *shared.0.lock().unwrap() += 1;
        shared.1.notify_one();
    }

    async fn take((shared, me): &mut Self::Side) {
        let guard = shared.0.lock().unwrap();
        drop(shared.1.wait_while(guard, |n| *n % 2 != *me).unwrap());
    }
}

/// parking_lot's `Mutex` + `Condvar` over the turn counter.
struct ParkingLotCondvar;

impl HandOff for ParkingLotCondvar {
    type Side = Turns<(parking_lot::Mutex<u64>, parking_lot::Condvar)>;

    fn sides() -> [Self::Side; 2] {
        turns(Default::default())
    }

    async fn give((shared, _): &mut Self::Side) {
        *shared.0.lock() += 1;
        shared.1.notify_one();
    }

    async fn take((shared, me): &mut Self::Side) {
        let mut guard = shared.0.lock();
        shared.1.wait_while(&mut guard, |n| *n % 2 != *me);
    }
}

/// tokio's condition-variable pattern: a `tokio::sync::Mutex` over the turn counter, and a
/// `Notify` per side, whose stored permit covers a turn given before its side started waiting.
/// (One shared `Notify` would hang: a side could take back the permit it left for the other.)
struct TokioMutexNotify;

impl HandOff for TokioMutexNotify {
    type Side = Turns<(tokio::sync::Mutex<u64>, [Notify; 2])>;

    fn sides() -> [Self::Side; 2] {
        turns(Default::default())
    }

    async fn give((shared, me): &mut Self::Side) {
        *shared.0.lock().await += 1;
        shared.1[1 - *me as usize].notify_one();
    }

    async fn take((shared, me): &mut Self::Side) {
        while *shared.0.lock().await % 2 != *me {
            shared.1[*me as usize].notified().await;
        }
    }
}

/// The turn counter alone, spun on: no sleeping at all.
struct AtomicSpin;

impl HandOff for AtomicSpin {
    type Side = Turns<AtomicU64>;

    fn sides() -> [Turns<AtomicU64>; 2] {
        turns(AtomicU64::new(0))
    }

    async fn give((turn, _): &mut Turns<AtomicU64>) {
        turn.fetch_add(1, SeqCst);
    }

    async fn take((turn, me): &mut Turns<AtomicU64>) {
        let mut spins = 0u32;
        while turn.load(SeqCst) % 2 != *me {
            spins = spins.wrapping_add(1);
            if spins % 64 == 0 {
                // Let the other side run should both share one core for a moment.
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    }
}

/// A std channel per direction: rendezvous (`sync_channel(0)`) or unbounded (`channel()`).
struct StdChannel<S>(S);

/// The sending half of a std channel of `()`.
trait StdSender: Send + 'static {
    fn channel() -> (Self, Receiver<()>)
    where
        Self: Sized;
    fn send_turn(&self);
}

impl StdSender for SyncSender<()> {
    fn channel() -> (Self, Receiver<()>) {
        mpsc::sync_channel(0)
    }

    fn send_turn(&self) {
        self.send(()).unwrap();
    }
}

impl StdSender for Sender<()> {
    fn channel() -> (Self, Receiver<()>) {
        mpsc::channel()
    }

    fn send_turn(&self) {
        self.send(()).unwrap();
    }
}

impl<S: StdSender> HandOff for StdChannel<S> {
    /// The sender to the other side, the receiver from it.
    type Side = (S, Receiver<()>);

    fn sides() -> [(S, Receiver<()>); 2] {
        let (to_second, from_first) = S::channel();
        let (to_first, from_second) = S::channel();
        [(to_second, from_second), (to_first, from_first)]
    }

    async fn give((to_other, _): &mut (S, Receiver<()>)) {
        to_other.send_turn();
    }

    async fn take((_, from_other): &mut (S, Receiver<()>)) {
        from_other.recv().unwrap();
    }
}

/// The homes of one ping-pong group: a unit flavour or raw units of each kind.
struct Homes<'a> {
    threads: Home<'a>,
    tokio: Home<'a>,
    tokio_local: Home<'a>,
    multi_tasks: Home<'a>,
    local_tasks: Home<'a>,
}

fn one<H: HandOff>(group: &mut BenchmarkGroup<'_, WallTime>, id: &str, home: Home<'_>) {
    common::bench(group, id, |iters| ping_pong::<H>(home, iters));
}

fn event(group: &mut BenchmarkGroup<'_, WallTime>, homes: &Homes<'_>) {
    one::<Flags<ThreadEvent>>(group, "threads", homes.threads);
    one::<Flags<TaskEvent>>(group, "tokio", homes.tokio);
    one::<Flags<TaskEvent>>(group, "tokio-local", homes.tokio_local);
    one::<StdChannel<SyncSender<()>>>(group, "std-sync-channel-0", Home::OsThreads);
    one::<StdChannel<Sender<()>>>(group, "std-channel", Home::OsThreads);
    one::<StdCondvar>(group, "std-condvar", Home::OsThreads);
    one::<AtomicSpin>(group, "atomic-spin", Home::OsThreads);
    one::<Notifies>(group, "tokio-notify", homes.multi_tasks);
    one::<Notifies>(group, "tokio-local-notify", homes.local_tasks);
    one::<Listeners>(group, "event-listener", homes.multi_tasks);
    one::<Listeners>(group, "event-listener-local", homes.local_tasks);
}

fn condition(group: &mut BenchmarkGroup<'_, WallTime>, homes: &Homes<'_>) {
    one::<Cond<ThreadCondition<u64>>>(group, "threads", homes.threads);
    one::<Cond<TaskCondition<u64>>>(group, "tokio", homes.tokio);
    one::<Cond<TaskCondition<u64>>>(group, "tokio-local", homes.tokio_local);
    one::<StdCondvar>(group, "std-condvar", Home::OsThreads);
    one::<ParkingLotCondvar>(group, "parking_lot-condvar", Home::OsThreads);
    one::<TokioMutexNotify>(group, "tokio-mutex-notify", homes.multi_tasks);
    one::<TokioMutexNotify>(group, "tokio-local-mutex-notify", homes.local_tasks);
    one::<Notifies>(group, "tokio-notify", homes.multi_tasks);
    one::<Notifies>(group, "tokio-local-notify", homes.local_tasks);
}

fn ping_pongs(c: &mut Criterion) {
    let (multi, local) = (common::multi_thread(), common::current_thread());
    let (threads, tokio, tokio_local) = (Threads::new(), Tokio::with_workers(2), TokioLocal::new());
    let homes = Homes {
        threads: Home::Threads(&threads),
        tokio: Home::TokioUnits(&tokio, &multi),
        tokio_local: Home::TokioLocalUnits(&tokio_local, &local),
        multi_tasks: Home::Tasks(&multi),
        local_tasks: Home::Tasks(&local),
    };
    event(&mut ping_pong_group(c, "event/ping-pong"), &homes);
    condition(&mut ping_pong_group(c, "condition/ping-pong"), &homes);
}

fn ping_pong_group<'c>(c: &'c mut Criterion, name: &str) -> BenchmarkGroup<'c, WallTime> {
    let mut group = c.benchmark_group(name);
    // Every sample spawns its two units afresh: keep samples few and long, all the same size.
    group.sampling_mode(SamplingMode::Flat).sample_size(20);
    group
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = ping_pongs
}
criterion_main!(benches);
