//! CPython's own lock tests, restated for every flavour: `Lib/test/lock_tests.py` (classes
//! `BaseLockTests`, `LockTests`, `RLockTests`) and asyncio's `Lib/test/test_asyncio/test_locks.py`
//! (class `LockTests`), rewritten from what each case expects.
//! One file per group of CPython test classes, kept whole to read beside the original,
//! which is why it is longer than the crate's other files.
//!
//! Python → twinsync: `threading.Lock` → `F::Lock`; `with lock:` → a guard (`F::Mutex<T>`,
//! `F::Lock::lock`, `F::ReentrantMutex<T>`); `RLock` → `F::ReentrantMutex<()>`'s bare
//! `acquire`/`release`; a thread or task → a unit from `f.spawn`; a `Bunch` → N units, joined.
//! As in CPython, each `BaseLockTests` case runs on both the plain and the reentrant lock.
//! asyncio's cases use a FIFO lock (`Policy::Fifo`, `asyncio.Lock`'s hand-over) on every flavour;
//! its cancellation cases run under both policies, several rounds each.
//!
//! Skipped, with the reason:
//! - `BaseLockTests.test_constructor_noargs`: the compiler checks a constructor's arguments.
//! - `BaseLockTests.test_repr`, `test_locked_repr`: `repr` text is CPython's; `Debug` is no API.
//! - `BaseLockTests.test_weakref_exists`, `test_weakref_deleted`: weak references are `Arc`'s.
//! - `BaseLockTests.test_timeout`'s `ValueError`/`OverflowError` parts: a `Duration` is never
//!   negative and no `blocking` flag exists to contradict (`TIMEOUT_MAX` is kept: `Duration::MAX`).
//! - `LockTests.test_at_fork_reinit`: twinsync has no `fork()` re-initialisation hook.
//! - `RLockTests.test_repr_count`: `repr` text again.
//! - `RLockTests.test_release_save_unacquired`: `_release_save` is `Condition`'s private hook.
//! - asyncio `LockTests.test_repr`: `repr` text.
//! - asyncio `LockTests.test_lock`, `test_lock_by_with_statement`: awaiting the lock object itself
//!   (`await lock`, `with await lock`) does not compile: a lock is not a future.
//! - asyncio `LockTests.test_lock_doesnt_accept_loop_parameter`: there is no event-loop argument.

mod common;

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use common::{assert_waited_about, timed};
use futures::future::{Either, select};
use twinsync::{Event, Flavor, JoinHandle, Lock, Mutex, NotHeld, Policy, ReentrantMutex, Timeout};

flavor_tests! {
    in_run: [
        // BaseLockTests, each on `Lock` and on `RLock`
        base_lock_test_constructor, base_lock_test_acquire_destroy, base_lock_test_acquire_release,
        base_lock_test_try_acquire, base_lock_test_try_acquire_contended,
        base_lock_test_acquire_contended, base_lock_test_with, base_lock_test_thread_leak,
        base_lock_test_timeout,
        // LockTests
        lock_test_reacquire, lock_test_different_thread, lock_test_state_after_timeout,
        // RLockTests
        rlock_test_reacquire, rlock_test_release_unacquired, rlock_test_locked,
        rlock_test_locked_with_2threads, rlock_test_recursion_count, rlock_test_different_thread,
        rlock_test_is_owned,
        // asyncio's LockTests
        asyncio_lock_test_acquire, asyncio_lock_test_acquire_cancel, asyncio_lock_test_cancel_race,
        asyncio_lock_test_cancel_release_race, asyncio_lock_test_finished_waiter_cancelled,
        asyncio_lock_test_release_not_acquired, asyncio_lock_test_release_no_waiters,
        asyncio_lock_test_context_manager,
    ],
}

/// Time for a spawned unit to reach its wait (CPython's `_wait()`); never asserted on.
const SETTLE: Duration = Duration::from_millis(30);
/// A bound that only a hang reaches.
const HANG: Duration = Duration::from_secs(20);
/// The timeout of the timed-acquire cases (CPython uses 0.5 s).
const TIMEOUT: Duration = Duration::from_millis(100);
/// Both fairness policies, for the cancellation races.
const POLICIES: [Policy; 2] = [Policy::Fifo, Policy::Barging];
/// Rounds of each cancellation race, per policy.
const ROUNDS: usize = 4;

/// Every (policy, round) of a cancellation race.
fn races() -> impl Iterator<Item = (Policy, usize)> {
    POLICIES
        .into_iter()
        .flat_map(|policy| (0..ROUNDS).map(move |round| (policy, round)))
}

// ----- Helpers: CPython's `Bunch`, its polling waits, and asyncio's `lockit` -----

/// Waits until `done()` holds; fails only if it never does (a hang), never on timing.
async fn eventually<F: Flavor>(f: &F, what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + HANG;
    while !done() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        f.sleep(Duration::from_millis(1)).await;
    }
}

/// CPython's `Bunch(func, n)`: `n` units running `body()`.
fn bunch<F: Flavor, Fut>(f: &F, n: usize, body: impl Fn() -> Fut) -> Vec<F::JoinHandle<()>>
where
    Fut: Future<Output = ()> + Send + 'static,
{
    (0..n)
        .map(|i| f.spawn(format!("bunch-{i}"), body()))
        .collect()
}

/// Joins every unit; each must finish (no hang) without panicking or being cancelled.
async fn join_all<F: Flavor, T: Send + 'static>(f: &F, units: Vec<F::JoinHandle<T>>) -> Vec<T> {
    let mut outputs = Vec::new();
    for unit in units {
        let joined = f.timeout(HANG, unit.join()).await.expect("a unit hung");
        outputs.push(joined.expect("a unit failed"));
    }
    outputs
}

/// Joins a unit cancelled while it waited: `true` if the cancel won, `false` if the unit had
/// finished first. Both are legal ends of a race; a hang or a panic is not.
async fn cancelled<F: Flavor, T: Send + 'static>(f: &F, unit: F::JoinHandle<T>) -> bool {
    let joined = f.timeout(HANG, unit.join()).await;
    match joined.expect("a cancelled unit hung") {
        Ok(_) => false,
        Err(err) => {
            assert!(err.is_cancelled(), "{err}");
            true
        }
    }
}

type Log = Arc<StdMutex<Vec<u32>>>;

fn seen(log: &Log) -> Vec<u32> {
    log.lock().unwrap().clone()
}

/// asyncio's `lockit`: a unit that acquires `lock` and logs `id`, then keeps the lock, or with
/// `release_after`, waits for that event and releases. Returns once it had time to reach its wait.
async fn lockit<F: Flavor>(
    f: &F,
    lock: &Arc<F::Lock>,
    log: &Log,
    id: u32,
    release_after: Option<Arc<F::Event>>,
) -> F::JoinHandle<bool> {
    let started = Arc::new(AtomicBool::new(false));
    let unit = {
        let (lock, log, started) = (Arc::clone(lock), Arc::clone(log), Arc::clone(&started));
        f.spawn(format!("lockit-{id}"), async move {
            started.store(true, SeqCst);
            lock.acquire().await;
            log.lock().unwrap().push(id);
            if let Some(blocker) = release_after {
                blocker.wait().await;
                lock.release().unwrap();
            }
            true
        })
    };
    eventually(f, "the unit started", || started.load(SeqCst)).await;
    f.sleep(SETTLE).await;
    unit
}

/// asyncio's setup: a lock held here, with `N` `lockit` waiters (ids 1..=N) queued on it in order.
async fn held_with_waiters<F: Flavor, const N: usize>(
    f: &F,
    policy: Policy,
) -> (Arc<F::Lock>, Log, [F::JoinHandle<bool>; N]) {
    let (lock, log) = (Arc::new(F::Lock::with_policy(policy)), Log::default());
    lock.acquire().await;
    let mut waiters = Vec::new();
    for id in 1..=N as u32 {
        waiters.push(lockit(f, &lock, &log, id, None).await);
    }
    (lock, log, waiters.try_into().unwrap())
}

/// Releases `lock` and waits until the `n`-th waiter is in; checks no other follows it.
async fn release_one<F: Flavor>(f: &F, lock: &F::Lock, log: &Log, n: usize) -> Vec<u32> {
    lock.release().unwrap();
    eventually(f, "a waiter took the released lock", || {
        seen(log).len() >= n
    })
    .await;
    f.sleep(SETTLE).await;
    let took = seen(log);
    assert_eq!(took.len(), n, "one release let in {took:?}");
    took
}

/// The bare `acquire()`/`release()` surface that `threading.Lock` and `threading.RLock` share,
/// so that `BaseLockTests` runs on both, as in CPython.
trait BareLock: Send + Sync + 'static {
    fn make() -> Self;
    fn acquire(&self) -> impl Future<Output = ()> + Send;
    fn try_acquire(&self) -> bool;
    fn acquire_timeout(&self, t: Duration) -> impl Future<Output = Result<(), Timeout>> + Send;
    fn release(&self) -> Result<(), NotHeld>;
    fn is_locked(&self) -> bool;
}

/// `threading.Lock`.
struct Plain<L>(L);
/// `threading.RLock`.
struct Recursive<M>(M);

/// Forwards `BareLock` to the twin's own methods of the same names.
macro_rules! bare_lock {
    ($wrapper:ident<$twin:ident: $bound:path>, $make:expr) => {
        impl<$twin: $bound + 'static> BareLock for $wrapper<$twin> {
            fn make() -> Self {
                $wrapper($make)
            }
            fn acquire(&self) -> impl Future<Output = ()> + Send {
                self.0.acquire()
            }
            fn try_acquire(&self) -> bool {
                self.0.try_acquire()
            }
            fn acquire_timeout(
                &self,
                t: Duration,
            ) -> impl Future<Output = Result<(), Timeout>> + Send {
                self.0.acquire_timeout(t)
            }
            fn release(&self) -> Result<(), NotHeld> {
                self.0.release()
            }
            fn is_locked(&self) -> bool {
                self.0.is_locked()
            }
        }
    };
}

bare_lock!(Plain<L: Lock>, L::new());
bare_lock!(Recursive<M: ReentrantMutex<()>>, M::new(()));

/// Defines each named test as its body run on `Lock`, then on `RLock`.
macro_rules! base_lock_tests {
    ($($(#[$doc:meta])* $name:ident => $body:ident;)*) => {$(
        $(#[$doc])*
        async fn $name<F: Flavor>(f: F) {
            $body::<F, Plain<F::Lock>>(f.clone()).await;
            $body::<F, Recursive<F::ReentrantMutex<()>>>(f).await;
        }
    )*};
}

// ----- BaseLockTests: both lock types -----

base_lock_tests! {
    /// Python: a lock can be made and dropped; it starts unlocked.
    base_lock_test_constructor => constructor;
    /// Python: a lock may be dropped while it is held.
    base_lock_test_acquire_destroy => acquire_destroy;
    /// Python: `acquire()` then `release()` on a free lock both succeed.
    base_lock_test_acquire_release => acquire_release;
    /// Python: `acquire(False)` on a free lock succeeds.
    base_lock_test_try_acquire => try_acquire;
    /// Python: `acquire(False)` from another thread fails while the lock is held.
    base_lock_test_try_acquire_contended => try_acquire_contended;
    /// Python: N threads block on a held lock and none finishes until it is released; then all do.
    base_lock_test_acquire_contended => acquire_contended;
    /// Python: many threads using the lock leave no thread behind (`enumerate()` is as before).
    base_lock_test_thread_leak => thread_leak;
    /// Python: a free lock is taken at once under any timeout; a held one times out after about it.
    base_lock_test_timeout => timeout;
}

async fn constructor<F: Flavor, L: BareLock>(_f: F) {
    let lock = L::make();
    assert!(!lock.is_locked(), "a new lock is locked");
    drop(lock);
}

async fn acquire_destroy<F: Flavor, L: BareLock>(_f: F) {
    let lock = L::make();
    lock.acquire().await;
    assert!(lock.is_locked());
    drop(lock);
}

async fn acquire_release<F: Flavor, L: BareLock>(_f: F) {
    let lock = L::make();
    lock.acquire().await;
    assert_eq!(lock.release(), Ok(()));
    assert!(!lock.is_locked());
}

async fn try_acquire<F: Flavor, L: BareLock>(_f: F) {
    let lock = L::make();
    assert!(lock.try_acquire());
    assert_eq!(lock.release(), Ok(()));
}

async fn try_acquire_contended<F: Flavor, L: BareLock>(f: F) {
    let lock = Arc::new(L::make());
    lock.acquire().await;
    let other = Arc::clone(&lock);
    let tried = f.spawn("contender", async move { other.try_acquire() });
    assert!(!tried.join().await.unwrap(), "took a held lock");
    assert_eq!(lock.release(), Ok(()));
}

async fn acquire_contended<F: Flavor, L: BareLock>(f: F) {
    const N: usize = 5;
    let lock = Arc::new(L::make());
    lock.acquire().await;
    let started = Arc::new(AtomicUsize::new(0));
    let units = bunch(&f, N, || {
        let (lock, started) = (Arc::clone(&lock), Arc::clone(&started));
        async move {
            started.fetch_add(1, SeqCst);
            lock.acquire().await;
            lock.release().unwrap();
        }
    });
    eventually(&f, "every unit started", || started.load(SeqCst) == N).await;
    f.sleep(SETTLE).await;
    let finished = units.iter().filter(|unit| unit.is_finished()).count();
    assert_eq!(finished, 0, "a unit got past a held lock");
    lock.release().unwrap();
    assert_eq!(join_all(&f, units).await.len(), N);
    assert!(!lock.is_locked());
}

async fn thread_leak<F: Flavor, L: BareLock>(f: F) {
    let lock = Arc::new(L::make());
    let before = f.active_count();
    let units = bunch(&f, 15, || {
        let lock = Arc::clone(&lock);
        async move {
            lock.acquire().await;
            lock.release().unwrap();
        }
    });
    join_all(&f, units).await;
    eventually(&f, "the finished units left", || f.active_count() == before).await;
    assert!(!lock.is_locked());
}

async fn timeout<F: Flavor, L: BareLock>(f: F) {
    let lock = Arc::new(L::make());
    // `TIMEOUT_MAX` is fine: `Duration::MAX` is past representable time, so no deadline at all.
    assert_eq!(lock.acquire_timeout(Duration::MAX).await, Ok(()));
    lock.release().unwrap();
    let (got, waited) = timed(lock.acquire_timeout(Duration::from_secs(5))).await;
    assert_eq!(got, Ok(()));
    assert!(waited < Duration::from_secs(5), "waited for a free lock");
    let other = Arc::clone(&lock);
    let impatient = f.spawn("impatient", async move {
        timed(other.acquire_timeout(TIMEOUT)).await
    });
    let (got, waited) = impatient.join().await.unwrap();
    assert_eq!(got, Err(Timeout));
    assert_waited_about(waited, TIMEOUT);
    lock.release().unwrap();
}

/// Python's `raise TypeError` inside a `with` block: here a panic.
fn raise_type_error() {
    panic!("TypeError raised inside `with lock:` (on purpose)");
}

/// The three shapes of `with lock:`: a `Mutex`, a `Lock` and an `RLock`.
type WithLocks<F> = (
    Arc<<F as Flavor>::Mutex<u32>>,
    Arc<<F as Flavor>::Lock>,
    Arc<<F as Flavor>::ReentrantMutex<()>>,
);

/// Python's check after a `with` block: the lock is free, and another unit can take it.
async fn free_for_others<F: Flavor>(f: &F, locks: &WithLocks<F>) {
    let (mutex, lock, rlock) = locks.clone();
    assert!(!mutex.is_locked() && !lock.is_locked() && !rlock.is_locked());
    let user = f.spawn("user", async move {
        *mutex.lock().await += 1;
        drop(lock.lock().await);
        rlock.acquire().await;
        rlock.release().unwrap();
    });
    join_all(f, vec![user]).await;
}

/// Python: `with lock:` releases the lock on leaving the block, also when the block raises.
async fn base_lock_test_with<F: Flavor>(f: F) {
    let locks: WithLocks<F> = (
        Arc::new(F::Mutex::new(0)),
        Arc::new(F::Lock::new()),
        Arc::new(F::ReentrantMutex::new(())),
    );
    let (mutex, lock, rlock) = locks.clone();
    // `with lock: pass`
    *mutex.lock().await += 1;
    drop(lock.lock().await);
    drop(rlock.lock().await);
    free_for_others(&f, &locks).await;
    // `with lock: raise TypeError`, inside all three blocks at once.
    let raiser = f.spawn("raiser", async move {
        let _in_mutex = mutex.lock().await;
        let _in_lock = lock.lock().await;
        let _in_rlock = rlock.lock().await;
        raise_type_error();
    });
    let raised = f.timeout(HANG, raiser.join()).await.unwrap();
    assert!(raised.is_err_and(|err| err.is_panic()));
    free_for_others(&f, &locks).await;
    assert_eq!(*locks.0.lock().await, 3);
}

// ----- LockTests: the non-recursive lock -----

/// Python: a thread holding a Lock blocks acquiring it again, until another thread releases it.
async fn lock_test_reacquire<F: Flavor>(f: F) {
    let lock = Arc::new(F::Lock::new());
    let phase = Arc::new(AtomicUsize::new(0));
    let unit = {
        let (lock, phase) = (Arc::clone(&lock), Arc::clone(&phase));
        f.spawn("reacquirer", async move {
            lock.acquire().await;
            phase.fetch_add(1, SeqCst);
            lock.acquire().await;
            phase.fetch_add(1, SeqCst);
        })
    };
    eventually(&f, "the first acquire", || phase.load(SeqCst) == 1).await;
    f.sleep(SETTLE).await;
    assert_eq!(phase.load(SeqCst), 1, "a Lock let its holder in again");
    assert!(!unit.is_finished());
    lock.release().unwrap();
    join_all(&f, vec![unit]).await;
    assert_eq!(phase.load(SeqCst), 2);
    assert!(lock.is_locked(), "the second acquire holds the lock");
}

/// Python: a Lock has no owner: another thread may release it, and then it can be acquired.
async fn lock_test_different_thread<F: Flavor>(f: F) {
    let lock = Arc::new(F::Lock::new());
    lock.acquire().await;
    let other = Arc::clone(&lock);
    let releaser = f.spawn("releaser", async move { other.release() });
    assert_eq!(releaser.join().await.unwrap(), Ok(()));
    assert!(!lock.is_locked());
    lock.acquire().await;
    assert_eq!(lock.release(), Ok(()));
}

/// Python (bpo-11618): after a timed-out acquire the lock is in a clean state.
async fn lock_test_state_after_timeout<F: Flavor>(_f: F) {
    let lock = F::Lock::new();
    lock.acquire().await;
    let quick = Duration::from_millis(10);
    assert_eq!(lock.acquire_timeout(quick).await, Err(Timeout));
    lock.release().unwrap();
    assert!(!lock.is_locked());
    assert!(lock.try_acquire());
}

// ----- RLockTests: the reentrant lock's bare `acquire`/`release` -----

/// RLockTests' walk: acquire, acquire, release, acquire, release, release, every release
/// succeeding; `check(lock, levels)` runs before and after each step.
async fn walk_levels<M: ReentrantMutex<()>>(lock: &M, check: impl Fn(&M, usize)) {
    check(lock, 0);
    let mut levels = 0;
    for take in [true, true, false, true, false, false] {
        if take {
            lock.acquire().await;
            levels += 1;
        } else {
            assert_eq!(lock.release(), Ok(()), "at level {levels}");
            levels -= 1;
        }
        check(lock, levels);
    }
}

/// Python: the owner may acquire an RLock again; each level is released on its own.
async fn rlock_test_reacquire<F: Flavor>(_f: F) {
    let lock = F::ReentrantMutex::new(());
    walk_levels(&lock, |_, _| {}).await;
    assert!(!lock.is_locked());
}

/// Python: releasing an RLock that is not held raises `RuntimeError`, also after the last level.
async fn rlock_test_release_unacquired<F: Flavor>(_f: F) {
    let lock = F::ReentrantMutex::new(());
    assert_eq!(lock.release(), Err(NotHeld));
    walk_levels(&lock, |_, _| {}).await;
    assert_eq!(lock.release(), Err(NotHeld));
}

/// Python: `locked()` is true from the first level until the last one is released.
async fn rlock_test_locked<F: Flavor>(_f: F) {
    let lock = F::ReentrantMutex::new(());
    walk_levels(&lock, |lock, levels| {
        assert_eq!(lock.is_locked(), levels > 0)
    })
    .await;
}

/// Python (gh-134323): an RLock acquired by another thread reads as locked in this one.
async fn rlock_test_locked_with_2threads<F: Flavor>(f: F) {
    let lock = Arc::new(F::ReentrantMutex::new(()));
    assert!(!lock.is_locked());
    let other = Arc::clone(&lock);
    let taker = f.spawn("taker", async move {
        let before = other.is_locked();
        other.acquire().await;
        (before, other.is_locked())
    });
    assert_eq!(taker.join().await.unwrap(), (false, true));
    assert!(lock.is_locked(), "reads as free");
    assert!(!lock.is_owned_by_current() && !lock.try_acquire());
}

/// Python: `_recursion_count()` counts the caller's own levels (3, 2, 0), and is 0 for a thread
/// while another holds the lock; counted here as the releases that succeed.
async fn rlock_test_recursion_count<F: Flavor>(f: F) {
    let lock = Arc::new(F::ReentrantMutex::new(()));
    assert_eq!(lock.release(), Err(NotHeld), "count 0");
    for _ in 0..3 {
        lock.acquire().await;
    }
    lock.release().unwrap();
    assert!(lock.is_owned_by_current(), "count 2");
    lock.release().unwrap();
    lock.release().unwrap();
    assert_eq!(lock.release(), Err(NotHeld), "count 0 again");
    let (phase, go_on) = (Arc::new(AtomicUsize::new(0)), Arc::new(F::Event::new()));
    let holder = {
        let (lock, phase, go_on) = (Arc::clone(&lock), Arc::clone(&phase), Arc::clone(&go_on));
        f.spawn("holder", async move {
            lock.acquire().await;
            phase.store(1, SeqCst);
            go_on.wait().await;
            lock.release().unwrap();
        })
    };
    eventually(&f, "the holder acquired", || phase.load(SeqCst) == 1).await;
    assert!(lock.is_locked() && !lock.is_owned_by_current());
    assert_eq!(lock.release(), Err(NotHeld), "not our levels");
    go_on.set();
    join_all(&f, vec![holder]).await;
    assert!(!lock.is_locked() && !lock.is_owned_by_current());
}

/// Python: an RLock cannot be released by a thread that does not own it (`RuntimeError`).
async fn rlock_test_different_thread<F: Flavor>(f: F) {
    let lock = Arc::new(F::ReentrantMutex::new(()));
    let finish = Arc::new(F::Event::new());
    let holder = {
        let (lock, finish) = (Arc::clone(&lock), Arc::clone(&finish));
        f.spawn("holder", async move {
            lock.acquire().await;
            finish.wait().await; // `Bunch(..., wait_before_exit=True)`
        })
    };
    eventually(&f, "the holder acquired", || lock.is_locked()).await;
    assert_eq!(lock.release(), Err(NotHeld));
    assert!(lock.is_locked(), "a failed release changed the lock");
    finish.set();
    join_all(&f, vec![holder]).await;
}

/// Python's `test__is_owned`: `_is_owned()` is true for the owner at every level, false elsewhere.
async fn rlock_test_is_owned<F: Flavor>(f: F) {
    let lock = Arc::new(F::ReentrantMutex::new(()));
    assert!(!lock.is_owned_by_current());
    lock.acquire().await;
    assert!(lock.is_owned_by_current());
    lock.acquire().await;
    assert!(lock.is_owned_by_current());
    let other = Arc::clone(&lock);
    let asker = f.spawn("asker", async move { other.is_owned_by_current() });
    assert!(!asker.join().await.unwrap());
    lock.release().unwrap();
    assert!(lock.is_owned_by_current());
    lock.release().unwrap();
    assert!(!lock.is_owned_by_current());
}

// ----- asyncio's LockTests: the FIFO lock, and waiters cancelled around a release -----

/// asyncio: waiters take the lock in arrival order, one per release (a late one waits its turn).
async fn asyncio_lock_test_acquire<F: Flavor>(f: F) {
    let (lock, log, [c1, c2]) = held_with_waiters(&f, Policy::Fifo).await;
    assert!(seen(&log).is_empty());
    let took = release_one(&f, &lock, &log, 1).await;
    assert_eq!(took, [1]);
    let c3 = lockit(&f, &lock, &log, 3, None).await;
    let took = release_one(&f, &lock, &log, 2).await;
    assert_eq!(took, [1, 2]);
    let took = release_one(&f, &lock, &log, 3).await;
    assert_eq!(took, [1, 2, 3]);
    assert_eq!(join_all(&f, vec![c1, c2, c3]).await, [true; 3]);
}

/// asyncio: a cancelled `acquire()` raises `CancelledError` and leaves no waiter behind.
async fn asyncio_lock_test_acquire_cancel<F: Flavor>(f: F) {
    for policy in POLICIES {
        // Cancelled three ways: through the unit's handle, an enclosing timeout, a lost select.
        let (lock, log, [waiter]) = held_with_waiters(&f, policy).await;
        assert!(waiter.cancel());
        assert!(cancelled(&f, waiter).await, "{policy:?}: got a held lock");
        assert_eq!(f.timeout(SETTLE, lock.acquire()).await, Err(Timeout));
        assert!(matches!(
            select(pin!(lock.acquire()), pin!(f.sleep(SETTLE))).await,
            Either::Right(_)
        ));
        // No waiter is left to hand the lock to: a release frees it.
        lock.release().unwrap();
        assert!(!lock.is_locked(), "{policy:?}: a cancelled waiter has it");
        assert!(lock.try_acquire());
        // And a live waiter is still served.
        let live = lockit(&f, &lock, &log, 2, None).await;
        lock.release().unwrap();
        join_all(&f, vec![live]).await;
        assert_eq!(seen(&log), [2], "{policy:?}");
    }
}

/// asyncio: A releases as blocked B is cancelled; the lock must go on to C, not get stuck on B.
async fn asyncio_lock_test_cancel_race<F: Flavor>(f: F) {
    for (policy, round) in races() {
        let lock = Arc::new(F::Lock::with_policy(policy));
        let (log, blocker) = (Log::default(), Arc::new(F::Event::new()));
        let go = Arc::new(F::Event::new());
        go.set(); // B and C release as soon as they have the lock
        let a = lockit(&f, &lock, &log, 1, Some(Arc::clone(&blocker))).await;
        // A is the only one asking yet: once the lock is held, A holds it (a settle time
        // alone is not enough on a loaded machine or under Miri).
        eventually(&f, "A holds the lock", || lock.is_locked()).await;
        let b = lockit(&f, &lock, &log, 2, Some(Arc::clone(&go))).await;
        let c = lockit(&f, &lock, &log, 3, Some(go)).await;
        // The race: A's blocker resolves and B is cancelled, back to back.
        blocker.set();
        b.cancel();
        let b_cancelled = cancelled(&f, b).await;
        join_all(&f, vec![a, c]).await;
        assert!(!lock.is_locked(), "{policy:?} round {round}: left locked");
        let mut took = seen(&log);
        took.sort_unstable();
        let expected: &[u32] = if b_cancelled { &[1, 3] } else { &[1, 2, 3] };
        assert_eq!(took, expected, "{policy:?} round {round}");
    }
}

/// asyncio (bpo-32734): cancel the first of three waiters and release: exactly one waiter takes
/// the lock (under FIFO the second), never two.
async fn asyncio_lock_test_cancel_release_race<F: Flavor>(f: F) {
    for (policy, round) in races() {
        let (lock, log, [t1, t2, t3]) = held_with_waiters(&f, policy).await;
        t1.cancel();
        let took = release_one(&f, &lock, &log, 1).await;
        let t1_cancelled = cancelled(&f, t1).await;
        let at = format!("{policy:?} round {round}");
        assert!(lock.is_locked(), "{at}");
        if !t1_cancelled {
            assert_eq!(took, [1], "{at}");
        } else if policy == Policy::Fifo {
            assert_eq!(took, [2], "{at}: the hand-over skipped the next waiter");
        }
        // Clean up the waiter still stuck on acquire; it must not get the held lock.
        for unit in [t2, t3] {
            unit.cancel();
            cancelled(&f, unit).await;
        }
        assert_eq!(seen(&log).len(), 1, "{at}");
    }
}

/// asyncio: a waiter cancelled as the release wakes it must wake the next waiter in its stead.
async fn asyncio_lock_test_finished_waiter_cancelled<F: Flavor>(f: F) {
    for (policy, round) in races() {
        let (lock, log, [tb, tc]) = held_with_waiters(&f, policy).await;
        tb.cancel();
        lock.release().unwrap();
        if !cancelled(&f, tb).await {
            // tb took the lock before its cancel landed: hand it on ourselves.
            lock.release().unwrap();
        }
        let woken = f.timeout(HANG, tc.join()).await;
        assert!(
            woken.is_ok_and(|joined| joined.is_ok()),
            "{policy:?} round {round}: the second waiter was never woken"
        );
        assert!(lock.is_locked(), "the second waiter holds the lock");
        assert_eq!(seen(&log).last(), Some(&2));
    }
}

/// asyncio: releasing a lock that is not held raises `RuntimeError`.
async fn asyncio_lock_test_release_not_acquired<F: Flavor>(_f: F) {
    let lock = F::Lock::new();
    assert_eq!(lock.release(), Err(NotHeld));
    assert!(!lock.is_locked());
}

/// asyncio: with no waiters, a release leaves the lock unlocked.
async fn asyncio_lock_test_release_no_waiters<F: Flavor>(_f: F) {
    let lock = F::Lock::with_policy(Policy::Fifo);
    lock.acquire().await;
    assert!(lock.is_locked());
    lock.release().unwrap();
    assert!(!lock.is_locked());
}

/// asyncio: `async with lock:` holds the lock inside the block only.
async fn asyncio_lock_test_context_manager<F: Flavor>(_f: F) {
    let lock = F::Lock::with_policy(Policy::Fifo);
    let mutex = F::Mutex::with_policy(0u32, Policy::Fifo);
    assert!(!lock.is_locked() && !mutex.is_locked());
    {
        let _held = lock.lock().await;
        let mut value = mutex.lock().await;
        *value += 1;
        assert!(lock.is_locked() && mutex.is_locked());
    }
    assert!(!lock.is_locked() && !mutex.is_locked());
}
