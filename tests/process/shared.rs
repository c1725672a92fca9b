//! Shared state: a value that loses updates, a lock that keeps them, and a lock whose
//! holder is killed.

use std::time::{Duration, Instant};

use libtest_mimic::Trial;
use twinsync::process::{self, Entry, Lock, Registered, Value};

use crate::trial;

/// The entries this module's children run.
pub fn entries() -> Vec<&'static dyn Registered> {
    vec![&INCREMENTS, &HOLDS]
}

/// This module's tests.
pub fn trials() -> Vec<Trial> {
    vec![
        trial(
            "a_shared_value_loses_updates_a_lock_keeps_them",
            a_shared_value_loses_updates_a_lock_keeps_them,
        ),
        trial(
            "a_killed_holder_releases_the_lock",
            a_killed_holder_releases_the_lock,
        ),
    ]
}

/// The race lesson across processes: `rounds` load-then-store increments, under `lock` if
/// given.
pub type Increments = (Value<u64>, Option<Lock>, u32);
pub static INCREMENTS: Entry<Increments, ()> = Entry::new("increments", |(total, lock, rounds)| {
    for _ in 0..rounds {
        let _held = lock.as_ref().map(|lock| lock.lock().unwrap());
        let seen = total.load().unwrap();
        std::thread::sleep(Duration::from_micros(200)); // the pause in which updates are lost
        total.store(&(seen + 1)).unwrap();
    }
});
/// Takes the lock, says so, and holds it until it is killed.
pub static HOLDS: Entry<(Lock, Value<bool>), ()> = Entry::new("holds", |(lock, holding)| {
    let _held = lock.lock().unwrap();
    holding.store(&true).unwrap();
    std::thread::sleep(Duration::from_secs(60));
});

pub fn a_shared_value_loses_updates_a_lock_keeps_them() {
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

pub fn a_killed_holder_releases_the_lock() {
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
