//! loom models of the hand-written state machines, run on the thread twins.
//!
//! Built only with `--cfg loom`, which swaps the crate's atomics, short locks, parker and
//! thread-local slots for loom's (`src/sync.rs`), so loom explores the interleavings of the
//! code that ships, its waiting protocol and the thread twins' executor included:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 \
//!     cargo test --release --no-default-features --test loom
//! ```
//!
//! A model fails if an assertion fails in some interleaving, or if every thread ends up parked:
//! a lost wake-up shows as loom's "deadlock" report. A lock's FIFO policy is the same state
//! machine as the task twins' default, so the `Policy::Fifo` models cover the task twins'
//! hand-off too.
#![cfg(loom)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::thread;
use twinsync::barrier::ThreadBarrier;
use twinsync::condition::ThreadCondition;
use twinsync::event::ThreadEvent;
use twinsync::queue::{Discipline, Fifo, GetError, Lifo, PutError, QueueTwin};
use twinsync::reentrant::ThreadReentrantMutex;
use twinsync::semaphore::ThreadSemaphore;
use twinsync::wait::Blocking;
use twinsync::{Barrier, Condition, Event, Policy, Semaphore, block_on};

/// Polls `future` once with a waker that does nothing, so that it has started waiting (it
/// listened and announced itself) before the model goes on; the caller then finishes it with
/// [`block_on`] or drops it, as a cancelled unit would.
fn started<F: Future>(future: F) -> Pin<Box<F>> {
    let mut future = Box::pin(future);
    let mut quiet = Context::from_waker(Waker::noop());
    assert!(
        future.as_mut().poll(&mut quiet).is_pending(),
        "the model expects this wait to have to wait"
    );
    future
}

/// A flag one model thread raises and another spins on (yielding to loom).
#[derive(Default)]
struct Flag(AtomicBool);

impl Flag {
    fn raise(&self) {
        self.0.store(true, SeqCst);
    }

    fn await_raised(&self) {
        while !self.0.load(SeqCst) {
            thread::yield_now();
        }
    }
}

fn spawn<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> thread::JoinHandle<T> {
    thread::spawn(f)
}

// --- Event -----------------------------------------------------------------------------------

/// A waiter wakes whenever `set` happens, before or during its wait.
#[test]
fn event_set_wakes_waiter() {
    loom::model(|| {
        let event = Arc::new(ThreadEvent::new());
        let waiter = spawn({
            let event = Arc::clone(&event);
            move || event.wait()
        });
        event.set();
        waiter.join().unwrap();
        assert!(event.is_set());
    });
}

/// `set` at once followed by `clear` still wakes a waiter that had started waiting: it sees
/// a generation pass even if it never sees the flag (Python's `Event.wait` returns `True`).
/// With the flag and the generation in two atomics, a waiter could read the new flag's
/// absence and the old generation and sleep through the `set`.
#[test]
fn event_set_then_clear_wakes_started_waiter() {
    loom::model(|| {
        let event = Arc::new(ThreadEvent::new());
        let armed = Arc::new(Flag::default());
        let waiter = spawn({
            let (event, armed) = (Arc::clone(&event), Arc::clone(&armed));
            move || {
                let wait = started(Event::wait(&*event));
                armed.raise();
                block_on(wait);
            }
        });
        armed.await_raised();
        event.set();
        event.clear();
        waiter.join().unwrap();
        assert!(!event.is_set());
    });
}

/// A waiter that starts after a `clear` returns only for a `set` made during its wait: if it
/// returned, the flag is still set at the end (nothing clears after it started). With `set`
/// made of two steps (raise the flag, then count the generation), a waiter could start between
/// them, after a `clear` that came between them too, and return on the late count of a `set`
/// that was over before it began.
#[test]
fn event_waiter_started_after_clear_ignores_earlier_set() {
    loom::model(|| {
        let event = Arc::new(ThreadEvent::new());
        let cleared = Arc::new(Flag::default());
        let clearer = spawn({
            let (event, cleared) = (Arc::clone(&event), Arc::clone(&cleared));
            move || {
                event.clear();
                cleared.raise();
            }
        });
        let waiter = spawn({
            let (event, cleared) = (Arc::clone(&event), Arc::clone(&cleared));
            move || {
                cleared.await_raised();
                let mut wait = Box::pin(Event::wait(&*event));
                wait.as_mut()
                    .poll(&mut Context::from_waker(Waker::noop()))
                    .is_ready()
            }
        });
        event.set();
        clearer.join().unwrap();
        let returned = waiter.join().unwrap();
        assert!(
            !returned || event.is_set(),
            "the waiter returned for a set that ended before it started"
        );
    });
}

// --- Semaphore, BoundedSemaphore --------------------------------------------------------------

/// Two releases of one permit each wake two waiters, in either policy. A `notify(n)` that
/// counts listeners already notified (not `additional`) let one release swallow the other's
/// wake-up.
fn releases_wake_every_waiter(policy: Policy) {
    loom::model(move || {
        let semaphore = Arc::new(ThreadSemaphore::with_policy(0, policy));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let semaphore = Arc::clone(&semaphore);
                spawn(move || semaphore.acquire().forget())
            })
            .collect();
        semaphore.release(1).unwrap();
        semaphore.release(1).unwrap();
        for waiter in waiters {
            waiter.join().unwrap();
        }
        assert_eq!(semaphore.available(), 0);
    });
}

#[test]
fn semaphore_releases_wake_every_waiter_barging() {
    releases_wake_every_waiter(Policy::Barging);
}

#[test]
fn semaphore_releases_wake_every_waiter_fifo() {
    releases_wake_every_waiter(Policy::Fifo);
}

/// A bounded semaphore never holds more than its bound, whatever a stray `release` races
/// with: the release that would pass the bound is refused, the count stays exact.
#[test]
fn bounded_semaphore_refuses_release_past_bound() {
    loom::model(|| {
        let semaphore = Arc::new(ThreadSemaphore::bounded(2));
        let user = spawn({
            let semaphore = Arc::clone(&semaphore);
            move || {
                let permit = semaphore.acquire();
                assert!(semaphore.available() <= 1);
                drop(permit);
            }
        });
        let stray = semaphore.release(1);
        assert!(semaphore.available() <= 2);
        user.join().unwrap();
        assert!(stray.is_err(), "both permits were free at the start");
        assert_eq!(semaphore.available(), 2);
    });
}

/// FIFO hand-off against a waiter cancelled in line: a permit handed to a place that is then
/// dropped comes back, so the next acquire is not stranded behind a place nobody holds.
#[test]
fn fifo_semaphore_cancelled_waiter_gives_the_permit_back() {
    loom::model(|| {
        let semaphore = Arc::new(ThreadSemaphore::with_policy(1, Policy::Fifo));
        let held = semaphore.try_acquire().unwrap();
        let armed = Arc::new(Flag::default());
        let cancelled = spawn({
            let (semaphore, armed) = (Arc::clone(&semaphore), Arc::clone(&armed));
            move || {
                let acquire = started(Semaphore::acquire(&*semaphore));
                armed.raise();
                drop(acquire);
            }
        });
        armed.await_raised();
        drop(held);
        drop(semaphore.acquire());
        cancelled.join().unwrap();
        assert_eq!(semaphore.available(), 1);
    });
}

// --- ReentrantMutex ---------------------------------------------------------------------------

/// Owner and depth hand-off: each thread takes the lock twice and gives it back twice; no
/// two threads are ever inside together, and a release at depth 2 does not free the lock.
#[test]
fn reentrant_mutex_owner_and_depth_hand_off() {
    loom::model(|| {
        let mutex = Arc::new(ThreadReentrantMutex::new(()));
        let inside = Arc::new(AtomicUsize::new(0));
        let enter = |mutex: Arc<ThreadReentrantMutex<()>>, inside: Arc<AtomicUsize>| {
            move || {
                let outer = mutex.lock();
                assert_eq!(inside.fetch_add(1, SeqCst), 0, "two owners at once");
                let inner = mutex.lock();
                drop(inner);
                assert!(mutex.is_owned_by_current());
                inside.fetch_sub(1, SeqCst);
                drop(outer);
            }
        };
        let other = spawn(enter(Arc::clone(&mutex), Arc::clone(&inside)));
        enter(Arc::clone(&mutex), Arc::clone(&inside))();
        other.join().unwrap();
        assert!(!mutex.is_locked());
    });
}

// --- Condition --------------------------------------------------------------------------------

/// `notify_one` against a waiter dropped mid-wait: a notification the dropped waiter may
/// already have taken (it was woken and is waiting to take the lock back when it goes) passes
/// on, so the waiter that stays is woken. A listener dropped before it took its notification
/// passes it on by itself (event-listener); the taken one is the condition's own duty.
#[test]
fn condition_notification_passes_on_from_dropped_waiter() {
    loom::model(|| {
        let condition = Arc::new(ThreadCondition::new(false));
        let (armed, notified, relocking) = (
            Arc::new(Flag::default()),
            Arc::new(Flag::default()),
            Arc::new(Flag::default()),
        );
        let dropped = spawn({
            let condition = Arc::clone(&condition);
            let (armed, notified, relocking) = (
                Arc::clone(&armed),
                Arc::clone(&notified),
                Arc::clone(&relocking),
            );
            move || {
                let guard = condition.lock();
                let mut wait = started(Condition::wait(&*condition, guard));
                armed.raise();
                notified.await_raised();
                // Takes the notification if it was this waiter's, then finds the lock held.
                let again = wait.as_mut().poll(&mut Context::from_waker(Waker::noop()));
                assert!(again.is_pending(), "the notifier still holds the lock");
                relocking.raise();
                drop(wait);
            }
        });
        let patient = spawn({
            let condition = Arc::clone(&condition);
            move || {
                let guard = condition.lock();
                let done = block_on(Condition::wait_while(&*condition, guard, |done| !*done));
                assert!(*done);
            }
        });
        armed.await_raised();
        let mut guard = condition.lock();
        *guard = true;
        condition.notify_one();
        notified.raise();
        relocking.await_raised();
        drop(guard);
        dropped.join().unwrap();
        patient.join().unwrap();
    });
}

// --- Barrier ----------------------------------------------------------------------------------

/// An arrival taken back (its wait dropped) does not count: two later parties still make a
/// full round of two, with exactly one leader.
#[test]
fn barrier_dropped_arrival_is_taken_back() {
    loom::model(|| {
        let barrier = Arc::new(ThreadBarrier::new(2).unwrap());
        drop(started(Barrier::wait(&*barrier)));
        assert_eq!(barrier.n_waiting(), 0);
        let other = spawn({
            let barrier = Arc::clone(&barrier);
            move || barrier.wait().unwrap().is_leader()
        });
        let mine = barrier.wait().unwrap().is_leader();
        let theirs = other.join().unwrap();
        assert!(mine != theirs, "one leader per round");
    });
}

/// `abort` breaks the barrier for a party waiting on it and for one arriving after it.
#[test]
fn barrier_abort_breaks_waiters() {
    loom::model(|| {
        let barrier = Arc::new(ThreadBarrier::new(3).unwrap());
        let waiter = spawn({
            let barrier = Arc::clone(&barrier);
            move || barrier.wait().is_err()
        });
        barrier.abort();
        assert!(waiter.join().unwrap(), "the waiter saw the barrier broken");
        assert!(barrier.wait().is_err());
    });
}

/// `reset` against a party waiting on the barrier: the waiter gets `Broken`, and the barrier
/// is whole again afterwards, as Python's `Barrier.reset()`.
#[test]
fn barrier_reset_breaks_waiters_and_mends() {
    loom::model(|| {
        let barrier = Arc::new(ThreadBarrier::new(2).unwrap());
        let armed = Arc::new(Flag::default());
        let waiter = spawn({
            let (barrier, armed) = (Arc::clone(&barrier), Arc::clone(&armed));
            move || {
                let wait = started(Barrier::wait(&*barrier));
                armed.raise();
                block_on(wait).is_err()
            }
        });
        armed.await_raised();
        barrier.reset();
        assert!(waiter.join().unwrap(), "the waiter saw the reset");
        assert!(!barrier.is_broken());
        assert_eq!(barrier.n_waiting(), 0);
    });
}

// --- Queue core -------------------------------------------------------------------------------
//
// Each queue model runs twice: on the lock-free ring (FIFO: counts and changes ordered by
// fences) and on a locked container (LIFO: ordered by the lock).

/// A queue of discipline `D` that blocks the thread.
type BlockingQueue<D> = QueueTwin<u32, D, Blocking>;

/// put/get through a queue of capacity one: items arrive once each, with the producer
/// blocking on the full queue and the consumer on the empty one.
fn queue_bounded_hand_off<D: Discipline<u32>>() {
    loom::model(|| {
        let queue = BlockingQueue::<D>::bounded(1);
        let producer = spawn({
            let queue = queue.clone();
            move || {
                queue.put(1).unwrap();
                queue.put(2).unwrap();
            }
        });
        // Capacity one: the first item must leave before the second can enter, in either order.
        assert_eq!(queue.get(), Ok(1));
        assert_eq!(queue.get(), Ok(2));
        producer.join().unwrap();
        assert!(queue.is_empty());
    });
}

#[test]
fn queue_bounded_hand_off_in_order_ring() {
    queue_bounded_hand_off::<Fifo>();
}

#[test]
fn queue_bounded_hand_off_in_order_locked() {
    queue_bounded_hand_off::<Lifo>();
}

/// `close` against a blocked consumer and a producer: the consumer wakes, and the item is
/// either delivered, left for draining, or handed back to the producer — never lost.
fn queue_close_with_waiters<D: Discipline<u32>>() {
    loom::model(|| {
        let queue = BlockingQueue::<D>::bounded(1);
        let consumer = spawn({
            let queue = queue.clone();
            move || queue.get()
        });
        let producer = spawn({
            let queue = queue.clone();
            move || queue.put(7)
        });
        queue.close();
        let got = consumer.join().unwrap();
        let put = producer.join().unwrap();
        let left = queue.close_and_drain();
        let copies = usize::from(got == Ok(7))
            + usize::from(put == Err(PutError::Closed(7)))
            + left.iter().filter(|&&item| item == 7).count();
        assert_eq!(copies, 1, "got {got:?}, put {put:?}, left {left:?}");
        assert!(matches!(got, Ok(7) | Err(GetError::Closed)));
    });
}

#[test]
fn queue_close_with_waiters_loses_nothing_ring() {
    queue_close_with_waiters::<Fifo>();
}

#[test]
fn queue_close_with_waiters_loses_nothing_locked() {
    queue_close_with_waiters::<Lifo>();
}

/// `join` returns only after every item put has been marked done.
fn queue_join_after_task_done<D: Discipline<u32>>() {
    loom::model(|| {
        let queue = BlockingQueue::<D>::new();
        queue.put(1).unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let worker = spawn({
            let (queue, done) = (queue.clone(), Arc::clone(&done));
            move || {
                queue.get().unwrap();
                done.store(true, SeqCst);
                queue.task_done().unwrap();
            }
        });
        queue.join();
        assert!(done.load(SeqCst), "join returned before task_done");
        worker.join().unwrap();
    });
}

#[test]
fn queue_join_waits_for_task_done_ring() {
    queue_join_after_task_done::<Fifo>();
}

#[test]
fn queue_join_waits_for_task_done_locked() {
    queue_join_after_task_done::<Lifo>();
}

// --- The thread twins' executor ---------------------------------------------------------------

/// A future that is ready once another thread sets a flag, waking through the waker it left:
/// the executor must not park through that wake-up, whenever it lands (before the poll,
/// between the poll and the park, during the park).
struct Woken {
    flag: Arc<AtomicBool>,
    waker: Arc<loom::sync::Mutex<Option<Waker>>>,
}

impl Future for Woken {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        if self.flag.load(SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn executor_wake_versus_park() {
    loom::model(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let waker = Arc::new(loom::sync::Mutex::new(None::<Waker>));
        // The executor runs on a spawned thread and this one wakes it, so the unpark never
        // reaches a thread blocked in `join` (loom asserts on that: tokio-rs/loom#249).
        let parked = spawn({
            let (flag, waker) = (Arc::clone(&flag), Arc::clone(&waker));
            move || block_on(Woken { flag, waker })
        });
        flag.store(true, SeqCst);
        if let Some(waker) = waker.lock().unwrap().take() {
            waker.wake();
        }
        parked.join().unwrap();
    });
}
