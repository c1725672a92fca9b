//! Python parity beyond the primitives' own contracts: generated unit names, units started
//! through a second flavour value, identity outside twinsync's units, the fairness policies,
//! guards kept as bare acquires, bad input and the thread limit.
//!
//! Waiters are put in line deterministically: a waiting future is polled once by hand
//! (`futures::poll!`), and once it has returned `Pending` it is registered, in line behind every
//! waiter registered before it. No test relies on a sleep being long enough.

mod common;

use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use futures::poll;
use twinsync::barrier::ZeroParties;
use twinsync::lock::LockTwin;
use twinsync::pool::{Pool, PoolError};
use twinsync::reentrant::{ReentrantMutexTwin, ThreadReentrantMutex};
use twinsync::semaphore::PermitGuard;
use twinsync::wait::Waiter;
use twinsync::{
    Barrier, Condition, Event, Flavor, FlavorKind, JoinHandle, Lock, Mutex, NotHeld, Policy,
    ReentrantMutex, Semaphore, SpawnError, Threads, UnitOptions,
};

flavor_tests! {
    in_run: [
        unnamed_units_get_distinct_generated_names,
        units_lists_units_spawned_through_a_second_value,
        fifo_mutex_serves_units_in_arrival_order,
        fifo_lock_serves_units_in_arrival_order,
        fifo_semaphore_never_banks_and_a_woken_waiter_keeps_its_place,
        fifo_hands_a_release_to_the_waiter_not_a_newcomer,
        barging_release_goes_to_whoever_asks_first,
        default_policy_is_pythons_for_the_twin,
        into_held_guards_are_given_back_by_a_bare_release,
        releasing_an_unheld_lock_is_not_held,
        is_locked_on_every_lock_kind,
        bad_sizes_are_errors_not_panics,
    ],
    plain: [run_waits_for_units_spawned_through_a_second_value],
}

/// Polls `done` (sleeping a millisecond between checks) until it holds.
async fn until<F: Flavor>(f: &F, mut done: impl FnMut() -> bool) {
    while !done() {
        f.sleep(Duration::from_millis(1)).await;
    }
}

// 1. Generated names.

/// Python's `Thread()` without a name is `Thread-N`, N counting up across the process.
async fn unnamed_units_get_distinct_generated_names<F: Flavor>(f: F) {
    let me = || {
        let thread = std::thread::current().name().map(str::to_owned);
        (twinsync::current().name().to_owned(), thread)
    };
    let g = f.clone();
    let handles = vec![
        f.spawn("", async move { me() }),
        f.try_spawn_with(UnitOptions::default(), async move { me() })
            .unwrap(),
        f.spawn_daemon(String::new(), async move { me() }),
        f.spawn("", async move { (g.current().name().to_owned(), None) }),
    ];
    let mut numbers = Vec::new();
    for handle in handles {
        let given = handle.unit().name().to_owned();
        let (seen, thread) = handle.join().await.unwrap();
        assert_eq!(seen, given, "the unit does not know its generated name");
        if f.kind() == FlavorKind::Threads && thread.is_some() {
            assert_eq!(thread.as_deref(), Some(given.as_str()), "OS thread name");
        }
        let n: u64 = given
            .strip_prefix("unit-")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("not a generated name: {given:?}"));
        numbers.push(n);
    }
    // Distinct, and counting in the order the units were made (other tests may take numbers
    // in between).
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
}

// 2. Units spawned through a second value of the flavour.

/// `threading.enumerate()` lists every thread, whichever code started it.
async fn units_lists_units_spawned_through_a_second_value<F: Flavor + Default>(f: F) {
    let second = F::default();
    let gate = Arc::new(F::Event::new());
    let held = {
        let gate = Arc::clone(&gate);
        second.spawn("via-second", async move { gate.wait().await })
    };
    let id = held.unit().id();
    let main = f.current();
    for (which, listed) in [("first", f.units()), ("second", second.units())] {
        assert!(listed.iter().any(|u| u.id() == id), "{which} misses it");
        assert!(listed.contains(&main), "{which} misses main");
    }
    assert_eq!(f.active_count(), second.active_count());
    gate.set();
    held.join().await.unwrap();
    assert!(f.units().iter().all(|u| u.id() != id));
}

/// Python's interpreter exit waits for every non-daemon thread, not just those of one object.
fn run_waits_for_units_spawned_through_a_second_value<F: Flavor + Default>(f: F) {
    let (finished, daemon_done) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let (flag, daemon_flag) = (Arc::clone(&finished), Arc::clone(&daemon_done));
    f.run(move |_f| async move {
        let second = F::default();
        let (g, h) = (second.clone(), second.clone());
        // Neither is joined: `run` itself must wait for the first and not for the daemon.
        second.spawn("late", async move {
            g.sleep(Duration::from_millis(50)).await;
            flag.store(true, SeqCst);
        });
        second.spawn_daemon("sleeper", async move {
            h.sleep(Duration::from_secs(3600)).await;
            daemon_flag.store(true, SeqCst);
        });
    })
    .unwrap();
    assert!(finished.load(SeqCst), "run did not wait for it");
    assert!(!daemon_done.load(SeqCst), "run waited for a daemon");
}

// 3. Identity outside twinsync's units.

/// Python's dummy `Thread` per foreign thread: a raw task owns its `RLock` and `local` values.
#[cfg(feature = "tokio")]
async fn raw_tasks() {
    use ::tokio::sync::oneshot;
    use twinsync::local::Local;
    use twinsync::reentrant::TaskReentrantMutex;

    static RAW_LOCAL: Local<u32> = Local::new(|| 0);

    let m = Arc::new(TaskReentrantMutex::new(()));
    let (held_tx, held_rx) = oneshot::channel();
    let (go_tx, go_rx) = oneshot::channel();
    let owner = ::tokio::spawn({
        let m = Arc::clone(&m);
        async move {
            let outer = m.lock().await;
            ::tokio::task::yield_now().await; // may move to another worker: still the owner
            let inner = m.try_lock().expect("a raw task re-enters its own lock");
            RAW_LOCAL.set(1);
            held_tx.send(twinsync::current()).unwrap();
            go_rx.await.unwrap();
            assert!(m.is_owned_by_current());
            assert_eq!(RAW_LOCAL.get(), 1, "another task's value leaked in");
            drop((inner, outer));
        }
    });
    let other = ::tokio::spawn({
        let m = Arc::clone(&m);
        async move {
            let owner = held_rx.await.unwrap();
            let me = twinsync::current();
            assert!(owner.is_foreign() && me.is_foreign());
            assert_ne!(me.id(), owner.id(), "two raw tasks share one identity");
            assert!(m.is_locked() && !m.is_owned_by_current());
            assert!(m.try_lock().is_none(), "a raw task entered another's lock");
            assert_eq!(m.release(), Err(NotHeld));
            assert_eq!(RAW_LOCAL.get(), 0, "saw another task's value");
            RAW_LOCAL.set(2);
            go_tx.send(()).unwrap();
        }
    });
    other.await.unwrap();
    owner.await.unwrap();
    assert!(m.try_lock().is_some(), "the owner's last guard freed it");
}

/// Raw tasks inside `Tokio` (worker threads) and `TokioLocal` (one thread: only tasks differ).
#[cfg(feature = "tokio")]
#[test]
fn raw_tasks_in_a_tokio_run_are_separate_units() {
    common::in_run(twinsync::Tokio::new(), |_| raw_tasks());
    common::in_run(twinsync::TokioLocal::new(), |_| raw_tasks());
}

/// Raw tasks on an application's own current-thread runtime, with no twinsync run at all.
#[cfg(feature = "tokio")]
#[test]
fn raw_tasks_on_a_plain_current_thread_runtime_are_separate_units() {
    let runtime = ::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(raw_tasks());
}

/// An `RLock` taken on a plain OS thread (a dummy `Thread` in Python) is that thread's alone.
#[test]
fn plain_os_threads_are_separate_owners_of_a_reentrant_lock() {
    use std::sync::mpsc;

    let m = Arc::new(ThreadReentrantMutex::new(()));
    let (held_tx, held_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let owner = std::thread::spawn({
        let m = Arc::clone(&m);
        move || {
            let outer = m.lock();
            let inner = m.try_lock().expect("a thread re-enters its own lock");
            held_tx.send(()).unwrap();
            go_rx.recv().unwrap();
            drop((inner, outer));
        }
    });
    let other = std::thread::spawn({
        let m = Arc::clone(&m);
        move || {
            held_rx.recv().unwrap();
            assert!(m.is_locked() && !m.is_owned_by_current());
            assert!(m.try_lock().is_none(), "a thread entered another's lock");
            assert_eq!(m.release(), Err(NotHeld));
            go_tx.send(()).unwrap();
        }
    });
    other.join().unwrap();
    owner.join().unwrap();
    assert!(m.try_lock().is_some());
}

// 4. Fairness.

/// asyncio's `Lock`: waiters get it in the order they came (here chosen on every twin).
async fn fifo_mutex_serves_units_in_arrival_order<F: Flavor>(f: F) {
    let m = Arc::new(F::Mutex::with_policy(Vec::new(), Policy::Fifo));
    let held = m.lock().await;
    let in_line = Arc::new(AtomicUsize::new(0));
    let mut waiters = Vec::new();
    for i in 1..=4 {
        let (m, queued) = (Arc::clone(&m), Arc::clone(&in_line));
        waiters.push(f.spawn(format!("w{i}"), async move {
            let mut locking = pin!(m.lock());
            assert!(poll!(locking.as_mut()).is_pending());
            queued.fetch_add(1, SeqCst);
            locking.await.push(i);
        }));
        until(&f, || in_line.load(SeqCst) == i).await;
    }
    drop(held);
    for waiter in waiters {
        waiter.join().await.unwrap();
    }
    assert_eq!(*m.lock().await, [1, 2, 3, 4]);
}

/// asyncio's `Lock` with bare `acquire()`/`release()`: the same arrival order.
async fn fifo_lock_serves_units_in_arrival_order<F: Flavor>(f: F) {
    let lock = Arc::new(F::Lock::with_policy(Policy::Fifo));
    let order = Arc::new(StdMutex::new(Vec::new()));
    lock.acquire().await;
    let in_line = Arc::new(AtomicUsize::new(0));
    let mut waiters = Vec::new();
    for i in 1..=4 {
        let (lock, order, queued) = (lock.clone(), order.clone(), in_line.clone());
        waiters.push(f.spawn(format!("w{i}"), async move {
            let mut acquiring = pin!(lock.acquire());
            assert!(poll!(acquiring.as_mut()).is_pending());
            queued.fetch_add(1, SeqCst);
            acquiring.await;
            order.lock().unwrap().push(i); // still holding: pushes in the order of holding
            lock.release().unwrap();
        }));
        until(&f, || in_line.load(SeqCst) == i).await;
    }
    lock.release().unwrap();
    for waiter in waiters {
        waiter.join().await.unwrap();
    }
    assert_eq!(*order.lock().unwrap(), [1, 2, 3, 4]);
    assert!(!lock.is_locked());
}

/// asyncio's `Semaphore`: oldest waiter first, never banked while units wait, places kept.
async fn fifo_semaphore_never_banks_and_a_woken_waiter_keeps_its_place<F: Flavor>(f: F) {
    let s = Arc::new(F::Semaphore::with_policy(0, Policy::Fifo));
    let served = Arc::new(StdMutex::new(Vec::new()));
    let (in_line, wakeups) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut waiters = Vec::new();
    for i in 1..=3 {
        let (g, s, served) = (f.clone(), s.clone(), served.clone());
        let (queued, woken) = (in_line.clone(), wakeups.clone());
        waiters.push(f.spawn(format!("w{i}"), async move {
            let mut acquiring = pin!(s.acquire());
            assert!(poll!(acquiring.as_mut()).is_pending());
            queued.fetch_add(1, SeqCst);
            let permit = if i == 1 {
                // The first waiter is woken by its own timer over and over, and polls its
                // acquire each time: it must stay first in line.
                let tick = Duration::from_millis(2);
                loop {
                    match g.timeout(tick, acquiring.as_mut()).await {
                        Ok(permit) => break permit,
                        Err(_) => woken.fetch_add(1, SeqCst),
                    };
                }
            } else {
                acquiring.await
            };
            permit.forget(); // Python's acquire(): held until an explicit release
            served.lock().unwrap().push(i);
        }));
        until(&f, || in_line.load(SeqCst) == i).await;
    }
    until(&f, || wakeups.load(SeqCst) >= 3).await;
    for round in 1..=3 {
        s.release(1).unwrap();
        assert!(s.try_acquire().is_none(), "round {round}: banked");
        until(&f, || served.lock().unwrap().len() == round).await;
        assert_eq!(served.lock().unwrap()[round - 1], round, "out of order");
    }
    for waiter in waiters {
        waiter.join().await.unwrap();
    }
    s.release(1).unwrap();
    assert!(
        s.try_acquire().is_some(),
        "nobody waits: a release is banked"
    );
}

/// asyncio hands a release to the waiter: a newcomer finds nothing, even with permits free.
async fn fifo_hands_a_release_to_the_waiter_not_a_newcomer<F: Flavor>(_f: F) {
    let m = F::Mutex::with_policy(0u32, Policy::Fifo);
    let held = m.lock().await;
    let mut waiting = pin!(m.lock());
    assert!(poll!(waiting.as_mut()).is_pending());
    drop(held);
    assert!(m.try_lock().is_none(), "the mutex went to a newcomer");
    *waiting.await += 1;

    let lock = F::Lock::with_policy(Policy::Fifo);
    lock.acquire().await;
    let mut waiting = pin!(lock.acquire());
    assert!(poll!(waiting.as_mut()).is_pending());
    lock.release().unwrap();
    assert!(!lock.try_acquire(), "the lock went to a newcomer");
    waiting.await;
    lock.release().unwrap();

    let s = F::Semaphore::with_policy(1, Policy::Fifo);
    let mut waiting = pin!(s.acquire_many(2));
    assert!(poll!(waiting.as_mut()).is_pending());
    assert_eq!(s.available(), 1);
    assert!(s.try_acquire().is_none(), "a newcomer passed a waiter");
    assert!(s.is_locked(), "asyncio: locked() while anyone waits");
    s.release(1).unwrap();
    assert_eq!(waiting.await.unwrap().count(), 2);
}

/// CPython's `threading.Lock` barges: a release goes to whoever asks first, ahead of a waiter.
async fn barging_release_goes_to_whoever_asks_first<F: Flavor>(_f: F) {
    let m = F::Mutex::with_policy(0u32, Policy::Barging);
    let held = m.lock().await;
    let mut waiting = pin!(m.lock());
    assert!(poll!(waiting.as_mut()).is_pending());
    drop(held);
    let barged = m.try_lock().expect("a newcomer may take a released mutex");
    assert!(
        poll!(waiting.as_mut()).is_pending(),
        "woken, it waits again"
    );
    drop(barged);
    *waiting.await += 1;

    let lock = F::Lock::with_policy(Policy::Barging);
    lock.acquire().await;
    let mut waiting = pin!(lock.acquire());
    assert!(poll!(waiting.as_mut()).is_pending());
    lock.release().unwrap();
    assert!(lock.try_acquire(), "a newcomer may take a released lock");
    assert!(poll!(waiting.as_mut()).is_pending());
    lock.release().unwrap();
    waiting.await;
    lock.release().unwrap();

    let s = F::Semaphore::with_policy(1, Policy::Barging);
    let mut waiting = pin!(s.acquire_many(2));
    assert!(poll!(waiting.as_mut()).is_pending());
    assert!(!s.is_locked());
    let one = s.try_acquire().expect("barging: a free permit is anyone's");
    drop(one);
    s.release(1).unwrap();
    assert_eq!(waiting.await.unwrap().count(), 2);
}

/// Python's defaults: `threading`'s locks barge, `asyncio`'s hand over in FIFO order.
async fn default_policy_is_pythons_for_the_twin<F: Flavor>(f: F) {
    let barges = f.kind() == FlavorKind::Threads;
    let m = F::Mutex::new(());
    let held = m.lock().await;
    let mut waiting = pin!(m.lock());
    assert!(poll!(waiting.as_mut()).is_pending());
    drop(held);
    let newcomer = m.try_lock();
    assert_eq!(newcomer.is_some(), barges, "{:?}", f.kind());
    drop(newcomer);
    drop(waiting.await);

    let s = F::Semaphore::new(0);
    let mut waiting = pin!(s.acquire());
    assert!(poll!(waiting.as_mut()).is_pending());
    s.release(1).unwrap();
    let newcomer = s.try_acquire();
    assert_eq!(newcomer.is_some(), barges, "{:?}", f.kind());
    drop(newcomer);
    drop(waiting.await);
}

/// The same defaults, as the twins report them.
#[test]
fn default_policies_as_the_twins_report_them() {
    use twinsync::{lock::ThreadLock, mutex::ThreadMutex, semaphore::ThreadSemaphore};
    assert_eq!(ThreadMutex::new(()).policy(), Policy::Barging);
    assert_eq!(ThreadLock::new().policy(), Policy::Barging);
    assert_eq!(ThreadSemaphore::new(1).policy(), Policy::Barging);
    #[cfg(feature = "tokio")]
    {
        use twinsync::{lock::TaskLock, mutex::TaskMutex, semaphore::TaskSemaphore};
        assert_eq!(TaskMutex::new(()).policy(), Policy::Fifo);
        assert_eq!(TaskLock::new().policy(), Policy::Fifo);
        assert_eq!(TaskSemaphore::new(1).policy(), Policy::Fifo);
    }
}

// 5. Guards, release and `locked()`.

/// `with lock:` turned into a bare `acquire()`: a later `release()` gives it back.
async fn into_held_guards_are_given_back_by_a_bare_release<F, W>(f: F)
where
    F: Flavor<Lock = LockTwin<W>, ReentrantMutex<()> = ReentrantMutexTwin<(), W>>,
    W: Waiter,
{
    let lock = Arc::new(F::Lock::new());
    Lock::lock(&*lock).await.into_held();
    assert!(lock.is_locked(), "into_held released the lock");
    let releaser = {
        let lock = Arc::clone(&lock);
        f.spawn("releaser", async move { lock.release() })
    };
    assert_eq!(releaser.join().await.unwrap(), Ok(()));
    assert!(!lock.is_locked());
    assert_eq!(lock.release(), Err(NotHeld));

    let rlock = Arc::new(<F::ReentrantMutex<()> as ReentrantMutex<()>>::new(()));
    let live = ReentrantMutex::lock(&*rlock).await;
    ReentrantMutex::lock(&*rlock).await.into_held();
    ReentrantMutex::lock(&*rlock).await.into_held();
    let stranger = {
        let rlock = Arc::clone(&rlock);
        f.spawn("stranger", async move { rlock.release() })
    };
    assert_eq!(
        stranger.join().await.unwrap(),
        Err(NotHeld),
        "not the owner"
    );
    assert_eq!(rlock.release(), Ok(()));
    assert_eq!(rlock.release(), Ok(()));
    assert_eq!(rlock.release(), Err(NotHeld), "a live guard's level");
    assert!(rlock.is_locked());
    drop(live);
    assert!(!rlock.is_locked());
}

/// `RuntimeError: release unlocked lock`, and nothing changes.
async fn releasing_an_unheld_lock_is_not_held<F: Flavor>(_f: F) {
    let lock = F::Lock::new();
    assert_eq!(lock.release(), Err(NotHeld));
    assert!(lock.try_acquire(), "a failed release changed the lock");
    assert_eq!((lock.release(), lock.release()), (Ok(()), Err(NotHeld)));
    assert!(!lock.is_locked());
}

/// `locked()` of `Lock`, `RLock`, `Semaphore` and a `Condition`'s lock (`cond._lock.locked()`).
async fn is_locked_on_every_lock_kind<F: Flavor>(f: F) {
    let m = Arc::new(F::Mutex::new(()));
    assert!(!m.is_locked());
    let held = m.lock().await;
    let looker = Arc::clone(&m);
    let seen = f.spawn("looker", async move { looker.is_locked() });
    assert!(
        seen.join().await.unwrap(),
        "not locked, seen from another unit"
    );
    drop(held);
    assert!(!m.is_locked());

    let rlock = F::ReentrantMutex::new(());
    let outer = rlock.lock().await;
    let inner = rlock.lock().await;
    drop(outer);
    assert!(rlock.is_locked(), "free before the last guard dropped");
    drop(inner);
    assert!(!rlock.is_locked());

    let s = F::Semaphore::new(2);
    let first = s.acquire().await;
    assert!(!s.is_locked());
    let second = s.acquire().await;
    assert!(s.is_locked());
    drop((first, second));
    assert!(!s.is_locked());

    let cond = Arc::new(F::Condition::new(false));
    let sibling = F::Condition::with_lock(cond.shared_lock());
    assert!(!cond.is_locked() && !sibling.is_locked());
    let held = cond.lock().await;
    assert!(
        cond.is_locked() && sibling.is_locked(),
        "one lock behind both"
    );
    drop(held);
    let waiting = Arc::new(AtomicBool::new(false));
    let waiter = {
        let (cond, waiting) = (Arc::clone(&cond), Arc::clone(&waiting));
        f.spawn("waiter", async move {
            let guard = cond.lock().await;
            waiting.store(true, SeqCst);
            drop(cond.wait_while(guard, |ready| !*ready).await);
        })
    };
    until(&f, || waiting.load(SeqCst)).await;
    *cond.lock().await = true; // taken once the waiter's wait has given the lock up
    assert!(!cond.is_locked(), "a waiting unit holds the lock");
    cond.notify_all();
    waiter.join().await.unwrap();
    assert!(!cond.is_locked());
}

// 6. Bad input.

/// `Barrier(0)` and `ThreadPoolExecutor(max_workers=0)` raise `ValueError`: errors here.
async fn bad_sizes_are_errors_not_panics<F: Flavor>(f: F) {
    let before = f.active_count();
    assert!(matches!(F::Barrier::new(0), Err(ZeroParties)));
    assert_eq!(F::Barrier::new(1).map(|b| b.parties()).ok(), Some(1));
    let err = Pool::new(&f, 0).expect_err("a pool of no workers");
    assert!(matches!(err, PoolError::NoWorkers), "{err}");
    assert_eq!(f.active_count(), before, "a refused pool started units");
}

// 7. The thread limit.

/// Marks the child process that runs the thread-limit check alone.
const THREAD_LIMIT_CHILD: &str = "TWINSYNC_PARITY_THREAD_LIMIT_CHILD";
const LIMIT: usize = 8;

/// `RuntimeError: can't start new thread`, never an abort; spawning works again afterwards.
#[test]
fn thread_limit_refuses_then_spawns_again() {
    if std::env::var_os(THREAD_LIMIT_CHILD).is_some() {
        common::in_run(Threads::with_thread_limit(LIMIT), thread_limit_body);
        return;
    }
    // The count of live unit threads is the process's, and this binary's other tests start
    // threads in parallel: count exactly in a child process that runs this test alone.
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "thread_limit_refuses_then_spawns_again"])
        .args(["--test-threads=1", "--color=never"])
        .env(THREAD_LIMIT_CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "child ran no test:\n{stdout}");
}

/// Refused once `LIMIT` unit threads live, in any `Threads` value; all `LIMIT` again once ended.
async fn thread_limit_body(f: Threads) {
    assert_eq!(f.thread_limit(), LIMIT);
    let gate = Arc::new(<Threads as Flavor>::Event::new());
    let mut held = Vec::new();
    for i in 0..LIMIT {
        let gate = Arc::clone(&gate);
        let unit = f.try_spawn(
            format!("held-{i}"),
            async move { Event::wait(&*gate).await },
        );
        held.push(unit.unwrap_or_else(|err| panic!("unit {i}, within the limit: {err}")));
    }
    match f.try_spawn("one-too-many", async {}) {
        Err(SpawnError::TooManyThreads { live, limit }) => {
            assert_eq!((live, limit), (LIMIT, LIMIT))
        }
        other => panic!("not refused: {other:?}"),
    }
    // The count is the process's: another value with the same limit is refused too, one with a
    // higher limit is not.
    let same = Threads::with_thread_limit(LIMIT).try_spawn("same-limit", async {});
    assert!(matches!(same, Err(SpawnError::TooManyThreads { .. })));
    let higher = Threads::with_thread_limit(LIMIT + 1).try_spawn("higher-limit", async { 9 });
    assert_eq!(higher.unwrap().join().unwrap(), 9); // blocking: its thread has ended too
    let pool = Pool::new(&f, 1).expect_err("a pool beyond the limit");
    assert!(matches!(
        pool,
        PoolError::Spawn(SpawnError::TooManyThreads { .. })
    ));
    assert_eq!(f.active_count(), LIMIT + 1, "a refused spawn left a unit");
    gate.set();
    for handle in held {
        handle.join().unwrap(); // blocking: returns once the OS thread has ended
    }
    let again: Vec<_> = (0..LIMIT)
        .map(|i| f.try_spawn(format!("again-{i}"), async move { i }))
        .collect::<Result<_, _>>()
        .expect("spawning again once the threads ended");
    let total: usize = again.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, (0..LIMIT).sum::<usize>());
}
