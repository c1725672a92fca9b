//! The process pool: order, answers, and workers that die, panic or are terminated.

use std::time::{Duration, Instant};

use libtest_mimic::Trial;
use twinsync::process::{Entry, ProcessError, ProcessPool, StartError};

use crate::trial;
use crate::units::{EXITS, PANICS, SLEEPS, SQUARE, WHO, exists};

/// This module's tests.
pub fn trials() -> Vec<Trial> {
    vec![
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
    ]
}

pub fn pool_map_keeps_order_and_apply_waits() {
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

pub fn pool_map_unordered_gives_every_answer() {
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

pub fn a_dead_worker_fails_its_job_and_is_replaced() {
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

pub fn a_panicking_job_leaves_its_worker_running() {
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

pub fn terminate_fails_queued_and_running_jobs() {
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

pub fn pool_refuses_bad_requests() {
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
