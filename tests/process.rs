//! Child processes: outputs, identities, memory not shared, every way a child can fail, and
//! no child left behind (no zombie, no orphan).
//!
//! Without the libtest harness: each child runs this test binary again from `main`, whose
//! first call is `process::serve`.

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};
use twinsync::process::{
    self, Entry, Lock, MAX_FRAME, Process, ProcessError, ProcessHandle, ProcessPool, Queue,
    StartError, Value,
};
use twinsync::queue::{GetTimeoutError, PutError, TryPutError};

static SQUARE: Entry<u64, u64> = Entry::new("square", |x| x * x);
static WHO: Entry<(), (String, u32, u32)> = Entry::new("who", |()| {
    let me = process::current_process();
    (me.name().to_owned(), me.pid(), me.parent_pid())
});
/// A process-wide global: each process has its own.
static COUNTER: AtomicU64 = AtomicU64::new(0);
static INCREMENT: Entry<(), u64> = Entry::new("increment", |()| COUNTER.fetch_add(1, SeqCst) + 1);
static PANICS: Entry<String, ()> = Entry::new("panics", |message| panic!("{message}"));
static EXITS: Entry<i32, ()> = Entry::new("exits", |code| std::process::exit(code));
static SLEEPS: Entry<u64, u64> = Entry::new("sleeps", |millis| {
    std::thread::sleep(Duration::from_millis(millis));
    millis
});
/// A string is encoded in one copy (a `Vec<u8>` byte by byte, slow in a debug build).
static LENGTH: Entry<String, usize> = Entry::new("length", |text| text.len());
/// Starts a grandchild that sleeps a minute, forgets its handle, and returns its pid.
static ABANDONS: Entry<(), u32> = Entry::new("abandons", |()| {
    let grandchild = process::spawn(&SLEEPS, &60_000).unwrap();
    let pid = grandchild.pid();
    std::mem::forget(grandchild);
    pid
});

/// What a producer is given: the queue, its own number, and how many items to put.
type ProducerInput = (Queue<(u32, u32)>, u32, u32);
/// The seeds' producer: puts `count` numbers tagged with its own number.
static PRODUCE: Entry<ProducerInput, ()> = Entry::new("produce", |(queue, producer, count)| {
    for n in 0..count {
        queue.put((producer, n)).unwrap();
    }
});
/// Takes numbers until the sentinel `None`, marking each done; returns their sum.
static CONSUME: Entry<Queue<Option<u64>>, u64> = Entry::new("consume", |queue| {
    let mut sum = 0;
    while let Some(n) = queue.get().unwrap() {
        sum += n;
        queue.task_done().unwrap();
    }
    queue.task_done().unwrap(); // the sentinel's
    sum
});
/// Tries to put into a full queue, and reports what came back.
static OVERFILL: Entry<Queue<u8>, (bool, Option<usize>, bool)> = Entry::new("overfill", |queue| {
    let full = queue.try_put(9) == Err(TryPutError::Full(9));
    (full, queue.capacity(), queue.is_full())
});
/// Waits for an item (the test kills it meanwhile).
static WAITS_FOR_ITEM: Entry<Queue<u8>, u8> =
    Entry::new("waits-for-item", |queue| queue.get().unwrap());
/// The race lesson across processes: `rounds` load-then-store increments, under `lock` if
/// given.
type Increments = (Value<u64>, Option<Lock>, u32);
static INCREMENTS: Entry<Increments, ()> = Entry::new("increments", |(total, lock, rounds)| {
    for _ in 0..rounds {
        let _held = lock.as_ref().map(|lock| lock.lock().unwrap());
        let seen = total.load().unwrap();
        std::thread::sleep(Duration::from_micros(200)); // the pause in which updates are lost
        total.store(&(seen + 1)).unwrap();
    }
});
/// Takes the lock, says so, and holds it until it is killed.
static HOLDS: Entry<(Lock, Value<bool>), ()> = Entry::new("holds", |(lock, holding)| {
    let _held = lock.lock().unwrap();
    holding.store(&true).unwrap();
    std::thread::sleep(Duration::from_secs(60));
});
/// Puts large items, one after another, until it is killed.
static FLOODS: Entry<Queue<String>, ()> = Entry::new("floods", |queue| {
    loop {
        queue.put("z".repeat(4 << 20)).unwrap();
    }
});
/// Puts after its queue's owner has dropped it.
static PUTS_LATE: Entry<Queue<u8>, bool> = Entry::new("puts-late", |queue| {
    std::thread::sleep(Duration::from_millis(200));
    queue.put(1) == Err(PutError::Closed(1))
});

fn main() {
    process::serve(&[
        &SQUARE,
        &WHO,
        &INCREMENT,
        &PANICS,
        &EXITS,
        &SLEEPS,
        &LENGTH,
        &ABANDONS,
        &FLOODS,
        &INCREMENTS,
        &HOLDS,
        &PRODUCE,
        &CONSUME,
        &OVERFILL,
        &WAITS_FOR_ITEM,
        &PUTS_LATE,
    ]);
    let trials = [
        trial(
            "spawn_returns_the_entrys_output",
            spawn_returns_the_entrys_output,
        ),
        trial(
            "child_knows_its_name_pid_and_parent",
            child_knows_its_name_pid_and_parent,
        ),
        trial("globals_are_not_shared", globals_are_not_shared),
        trial(
            "a_panic_is_reported_with_its_message",
            a_panic_is_reported_with_its_message,
        ),
        trial("an_exit_code_is_reported", an_exit_code_is_reported),
        trial(
            "kill_and_terminate_report_their_signal",
            kill_and_terminate_report_their_signal,
        ),
        trial(
            "join_timeout_hands_the_handle_back",
            join_timeout_hands_the_handle_back,
        ),
        trial(
            "an_unregistered_entry_starts_nothing",
            an_unregistered_entry_starts_nothing,
        ),
        trial(
            "a_huge_input_is_refused_and_a_large_one_crosses",
            a_huge_input_is_refused_and_a_large_one_crosses,
        ),
        trial("a_joined_child_is_reaped", a_joined_child_is_reaped),
        trial(
            "a_dropped_daemon_is_killed_and_reaped",
            a_dropped_daemon_is_killed_and_reaped,
        ),
        trial(
            "a_dropped_child_is_waited_for",
            a_dropped_child_is_waited_for,
        ),
        trial(
            "an_abandoned_grandchild_ends_with_its_parent",
            an_abandoned_grandchild_ends_with_its_parent,
        ),
        trial(
            "queue_three_producers_one_consumer",
            queue_three_producers_one_consumer,
        ),
        trial(
            "joinable_queue_with_sentinels",
            joinable_queue_with_sentinels,
        ),
        trial(
            "a_full_queue_hands_the_item_back_in_a_child",
            a_full_queue_hands_the_item_back_in_a_child,
        ),
        trial(
            "a_child_killed_while_getting_loses_no_item",
            a_child_killed_while_getting_loses_no_item,
        ),
        trial(
            "pool_map_keeps_order_and_apply_waits",
            pool_map_keeps_order_and_apply_waits,
        ),
        trial(
            "pool_map_unordered_gives_every_answer",
            pool_map_unordered_gives_every_answer,
        ),
        trial(
            "a_dead_worker_fails_its_job_and_is_replaced",
            a_dead_worker_fails_its_job_and_is_replaced,
        ),
        trial(
            "a_panicking_job_leaves_its_worker_running",
            a_panicking_job_leaves_its_worker_running,
        ),
        trial(
            "terminate_fails_queued_and_running_jobs",
            terminate_fails_queued_and_running_jobs,
        ),
        trial("pool_refuses_bad_requests", pool_refuses_bad_requests),
        trial(
            "a_shared_value_loses_updates_a_lock_keeps_them",
            a_shared_value_loses_updates_a_lock_keeps_them,
        ),
        trial(
            "a_killed_holder_releases_the_lock",
            a_killed_holder_releases_the_lock,
        ),
        trial(
            "a_child_killed_while_putting_leaves_the_queue_usable",
            a_child_killed_while_putting_leaves_the_queue_usable,
        ),
        trial(
            "a_queue_whose_owner_is_gone_is_closed",
            a_queue_whose_owner_is_gone_is_closed,
        ),
    ];
    libtest_mimic::run(&Arguments::from_args(), trials.into()).exit();
}

fn trial(name: &'static str, test: fn()) -> Trial {
    Trial::test(name, move || {
        std::panic::catch_unwind(test).map_err(|payload| {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            Failed::from(message)
        })
    })
}

fn spawn_returns_the_entrys_output() {
    let children: Vec<ProcessHandle<u64>> = (1..=4)
        .map(|x| process::spawn(&SQUARE, &x).unwrap())
        .collect();
    let squares: Vec<u64> = children.into_iter().map(|c| c.join().unwrap()).collect();
    assert_eq!(squares, [1, 4, 9, 16]);
}

fn child_knows_its_name_pid_and_parent() {
    let child = Process::new().name("worker-7").start(&WHO, &()).unwrap();
    let pid = child.pid();
    assert_eq!(child.name(), "worker-7");
    let (name, child_pid, parent_pid) = child.join().unwrap();
    assert_eq!(name, "worker-7");
    assert_eq!(child_pid, pid);
    assert_ne!(child_pid, std::process::id());
    assert_eq!(parent_pid, std::process::id());
    // Unnamed ones are numbered, as Python's `Process-N`.
    let unnamed = process::spawn(&WHO, &()).unwrap();
    assert!(unnamed.name().starts_with("Process-"), "{}", unnamed.name());
    assert_eq!(unnamed.join().unwrap().0.split('-').next(), Some("Process"));
}

fn globals_are_not_shared() {
    let children: Vec<_> = (0..4)
        .map(|_| process::spawn(&INCREMENT, &()).unwrap())
        .collect();
    for child in children {
        // Each child incremented its own copy, from 0.
        assert_eq!(child.join().unwrap(), 1);
    }
    assert_eq!(COUNTER.load(SeqCst), 0, "the parent's copy is untouched");
}

fn a_panic_is_reported_with_its_message() {
    let child = Process::new()
        .name("doomed")
        .start(&PANICS, &"disk full".to_owned());
    let error = child.unwrap().join().unwrap_err();
    assert_eq!(
        error,
        ProcessError::Panicked {
            name: "doomed".to_owned(),
            message: "disk full".to_owned()
        }
    );
    assert_eq!(error.to_string(), "process \"doomed\" panicked: disk full");
}

fn an_exit_code_is_reported() {
    let error = process::spawn(&EXITS, &3).unwrap().join().unwrap_err();
    assert!(
        matches!(error, ProcessError::Exited { code: 3, .. }),
        "{error}"
    );
}

fn kill_and_terminate_report_their_signal() {
    let mut killed = process::spawn(&SLEEPS, &60_000).unwrap();
    assert!(killed.is_alive());
    killed.kill().unwrap();
    let error = killed.join().unwrap_err();
    assert!(
        matches!(error, ProcessError::Killed { signal: 9, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("SIGKILL"), "{error}");

    let mut terminated = process::spawn(&SLEEPS, &60_000).unwrap();
    terminated.terminate().unwrap();
    let error = terminated.join().unwrap_err();
    assert!(
        matches!(error, ProcessError::Killed { signal: 15, .. }),
        "{error}"
    );
}

fn join_timeout_hands_the_handle_back() {
    let child = process::spawn(&SLEEPS, &400).unwrap();
    let started = Instant::now();
    let mut child = child
        .join_timeout(Duration::from_millis(20))
        .expect_err("the child sleeps longer than the timeout");
    assert!(started.elapsed() < Duration::from_millis(400));
    assert!(child.is_alive());
    let child = match child.join_timeout(Duration::from_secs(30)) {
        Ok(outcome) => outcome,
        Err(_) => panic!("the child did not finish within 30 s"),
    };
    assert_eq!(child.unwrap(), 400);
}

fn an_unregistered_entry_starts_nothing() {
    static STRAY: Entry<(), ()> = Entry::new("stray", |()| ());
    let error = process::spawn(&STRAY, &()).unwrap_err();
    assert!(
        matches!(error, StartError::Unregistered("stray")),
        "{error}"
    );
    assert!(error.to_string().contains("\"stray\""), "{error}");
}

fn a_huge_input_is_refused_and_a_large_one_crosses() {
    let huge = "x".repeat(MAX_FRAME + 1);
    let error = process::spawn(&LENGTH, &huge).unwrap_err();
    assert!(matches!(error, StartError::Input(_)), "{error}");
    assert!(
        error.to_string().contains("larger than the limit"),
        "{error}"
    );
    drop(huge);
    // Far larger than a socket's buffer: the parent writes while the child reads.
    let large = "y".repeat(8 << 20);
    assert_eq!(
        process::spawn(&LENGTH, &large).unwrap().join().unwrap(),
        8 << 20
    );
}

/// Whether `pid` names a live process or a zombie (an unreaped child).
fn exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Whether `pid` is gone or is a zombie: it runs no more.
fn not_running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // The state follows the command name in parentheses.
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

fn a_joined_child_is_reaped() {
    let child = process::spawn(&SQUARE, &3).unwrap();
    let pid = child.pid();
    child.join().unwrap();
    assert!(!exists(pid), "the child {pid} was left a zombie");
}

fn a_dropped_daemon_is_killed_and_reaped() {
    let daemon = Process::new().daemon(true).start(&SLEEPS, &60_000).unwrap();
    let pid = daemon.pid();
    let started = Instant::now();
    drop(daemon);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the drop waited for it"
    );
    assert!(!exists(pid), "the daemon {pid} is still there");
}

fn a_dropped_child_is_waited_for() {
    let child = process::spawn(&SLEEPS, &200).unwrap();
    let pid = child.pid();
    let started = Instant::now();
    drop(child);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "the drop did not wait"
    );
    assert!(!exists(pid), "the child {pid} was left a zombie");
}

fn an_abandoned_grandchild_ends_with_its_parent() {
    let grandchild = process::spawn(&ABANDONS, &()).unwrap().join().unwrap();
    // Its parent has exited; the grandchild notices its link close and exits too (then
    // whoever adopted it reaps it).
    let deadline = Instant::now() + Duration::from_secs(10);
    while !not_running(grandchild) {
        assert!(
            Instant::now() < deadline,
            "the grandchild {grandchild} outlived its parent by 10 s"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn queue_three_producers_one_consumer() {
    let queue = Queue::bounded(5);
    let producers: Vec<_> = (0..3)
        .map(|p| process::spawn(&PRODUCE, &(queue.clone(), p, 10)).unwrap())
        .collect();
    let mut got: Vec<(u32, u32)> = (0..30).map(|_| queue.get().unwrap()).collect();
    for producer in producers {
        producer.join().unwrap();
    }
    // Each producer's items arrive in its own order; all 30 arrive.
    for p in 0..3 {
        let mine: Vec<u32> = got
            .iter()
            .filter(|(q, _)| *q == p)
            .map(|(_, n)| *n)
            .collect();
        assert_eq!(mine, (0..10).collect::<Vec<_>>());
    }
    got.sort();
    got.dedup();
    assert_eq!(got.len(), 30);
    assert!(queue.is_empty());
}

fn joinable_queue_with_sentinels() {
    let queue = Queue::new();
    let consumers: Vec<_> = (0..2)
        .map(|_| process::spawn(&CONSUME, &queue.clone()).unwrap())
        .collect();
    for n in 1..=100 {
        queue.put(Some(n)).unwrap();
    }
    for _ in &consumers {
        queue.put(None).unwrap();
    }
    queue
        .join_timeout(Duration::from_secs(30))
        .expect("every item was marked done");
    assert_eq!(queue.unfinished_tasks(), 0);
    let total: u64 = consumers.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(total, 5050);
}

fn a_full_queue_hands_the_item_back_in_a_child() {
    let queue = Queue::bounded(1);
    queue.put(1).unwrap();
    let seen = process::spawn(&OVERFILL, &queue).unwrap().join().unwrap();
    assert_eq!(seen, (true, Some(1), true));
    assert_eq!(queue.len(), 1);
}

fn a_child_killed_while_getting_loses_no_item() {
    let queue = Queue::new();
    let mut child = process::spawn(&WAITS_FOR_ITEM, &queue).unwrap();
    std::thread::sleep(Duration::from_millis(200)); // it is waiting in `get` by now
    child.kill().unwrap();
    assert!(matches!(child.join(), Err(ProcessError::Killed { .. })));
    queue.put(42).unwrap();
    // The broker may have taken the item for the dead child; it puts it back.
    assert_eq!(queue.get_timeout(Duration::from_secs(10)), Ok(42));
    assert_eq!(
        queue.get_timeout(Duration::from_millis(300)),
        Err(GetTimeoutError::Timeout)
    );
}

fn a_queue_whose_owner_is_gone_is_closed() {
    let queue = Queue::new();
    let child = process::spawn(&PUTS_LATE, &queue).unwrap();
    drop(queue);
    assert!(child.join().unwrap(), "the put was not refused as closed");
}

fn pool_map_keeps_order_and_apply_waits() {
    let pool = ProcessPool::new(3).unwrap();
    assert_eq!(pool.workers(), 3);
    let squares: Vec<u64> = pool
        .map(&SQUARE, 1..=20)
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(squares, (1..=20).map(|x| x * x).collect::<Vec<_>>());
    assert_eq!(pool.apply(&SQUARE, &12).unwrap().unwrap(), 144);
    let pending = pool.apply_async(&SLEEPS, &50).unwrap();
    assert_eq!(pending.get().unwrap(), 50);
    // Every job ran in one of three workers, none in this process.
    let pids: std::collections::BTreeSet<u32> = pool
        .map(&WHO, vec![(); 12])
        .unwrap()
        .into_iter()
        .map(|who| who.unwrap().1)
        .collect();
    assert!(
        pids.len() <= 3 && !pids.contains(&std::process::id()),
        "{pids:?}"
    );
    pool.join();
    for pid in pids {
        assert!(!exists(pid), "the worker {pid} was left a zombie");
    }
}

fn pool_map_unordered_gives_every_answer() {
    let pool = ProcessPool::new(2).unwrap();
    let mut answers: Vec<(usize, u64)> = pool
        .map_unordered(&SLEEPS, [300, 10, 200, 20])
        .unwrap()
        .map(|(index, answer)| (index, answer.unwrap()))
        .collect();
    // The short ones finish before the 300 ms one.
    assert_ne!(answers.first().map(|a| a.0), Some(0), "{answers:?}");
    answers.sort();
    assert_eq!(answers, [(0, 300), (1, 10), (2, 200), (3, 20)]);
}

fn a_dead_worker_fails_its_job_and_is_replaced() {
    let pool = ProcessPool::new(1).unwrap();
    let first = pool.apply(&WHO, &()).unwrap().unwrap().1;
    let error = pool.apply(&EXITS, &5).unwrap().unwrap_err();
    assert!(
        matches!(error, ProcessError::Exited { code: 5, .. }),
        "{error}"
    );
    // The next job runs, in a new worker.
    assert_eq!(pool.apply(&SQUARE, &3).unwrap().unwrap(), 9);
    let second = pool.apply(&WHO, &()).unwrap().unwrap().1;
    assert_ne!(first, second);
    assert!(!exists(first), "the dead worker {first} was left a zombie");
}

fn a_panicking_job_leaves_its_worker_running() {
    let pool = ProcessPool::new(1).unwrap();
    let before = pool.apply(&WHO, &()).unwrap().unwrap().1;
    let error = pool
        .apply(&PANICS, &"bad row".to_owned())
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(&error, ProcessError::Panicked { message, .. } if message == "bad row"),
        "{error}"
    );
    assert_eq!(pool.apply(&WHO, &()).unwrap().unwrap().1, before);
}

fn terminate_fails_queued_and_running_jobs() {
    let pool = ProcessPool::new(1).unwrap();
    let running = pool.apply_async(&SLEEPS, &60_000).unwrap();
    let queued = pool.apply_async(&SQUARE, &2).unwrap();
    std::thread::sleep(Duration::from_millis(200)); // the first job has reached the worker
    let started = Instant::now();
    pool.terminate();
    assert!(started.elapsed() < Duration::from_secs(10));
    let running = running.get().unwrap_err();
    assert!(
        matches!(running, ProcessError::Killed { signal: 9, .. }),
        "{running}"
    );
    let queued = queued.get().unwrap_err();
    assert!(matches!(queued, ProcessError::Lost { .. }), "{queued}");
    assert!(queued.to_string().contains("terminated"), "{queued}");
}

fn pool_refuses_bad_requests() {
    assert!(matches!(ProcessPool::new(0), Err(StartError::NoWorkers)));
    let pool = ProcessPool::new(1).unwrap();
    static STRAY: Entry<(), ()> = Entry::new("stray-in-pool", |()| ());
    assert!(matches!(
        pool.apply(&STRAY, &()),
        Err(StartError::Unregistered("stray-in-pool"))
    ));
    pool.close();
    assert!(matches!(
        pool.apply(&SQUARE, &1),
        Err(StartError::PoolClosed)
    ));
    pool.join();
}

fn a_child_killed_while_putting_leaves_the_queue_usable() {
    let queue = Queue::new();
    let mut child = process::spawn(&FLOODS, &queue).unwrap();
    // Let it put a few 4 MiB items and be in the middle of sending another.
    let deadline = Instant::now() + Duration::from_secs(10);
    while queue.len() < 2 {
        assert!(Instant::now() < deadline, "the child put nothing");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    assert!(matches!(child.join(), Err(ProcessError::Killed { .. })));
    // Every item that arrived arrived whole; a half-sent one never arrived.
    let arrived = queue.len();
    for _ in 0..arrived {
        assert_eq!(queue.try_get().unwrap().len(), 4 << 20);
    }
    queue.put("after".to_owned()).unwrap();
    assert_eq!(queue.try_get().unwrap(), "after");
}

fn a_shared_value_loses_updates_a_lock_keeps_them() {
    let race = |lock: Option<Lock>| {
        let total = Value::new(&0u64).unwrap();
        let children: Vec<_> = (0..3)
            .map(|_| process::spawn(&INCREMENTS, &(total.clone(), lock.clone(), 20)).unwrap())
            .collect();
        for child in children {
            child.join().unwrap();
        }
        total.load().unwrap()
    };
    // Three processes interleave their load-pause-store steps: updates are lost. (A schedule
    // that runs them one after another would lose none; 200 µs pauses make that unlikely.)
    let unlocked = race(None);
    assert!(unlocked < 60, "no update was lost: {unlocked}");
    assert_eq!(race(Some(Lock::new())), 60);
}

fn a_killed_holder_releases_the_lock() {
    let lock = Lock::new();
    let holding = Value::new(&false).unwrap();
    let mut holder = process::spawn(&HOLDS, &(lock.clone(), holding.clone())).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !holding.load().unwrap() {
        assert!(Instant::now() < deadline, "the child never took the lock");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!lock.try_lock().unwrap(), "the child holds it");
    holder.kill().unwrap();
    holder.join().unwrap_err();
    // The owner sees the link close and releases the child's hold.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !lock.try_lock().unwrap() {
        assert!(
            Instant::now() < deadline,
            "the dead child's hold was never released"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    lock.release().unwrap();
}
