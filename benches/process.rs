//! Child processes: what a process costs to start, and what a message between processes costs.
//!
//! Group `process/spawn`: start a child that runs an entry returning its input, and join it
//! (`process`), against an OS thread doing the same (`std-thread`) and `std::process::Command`
//! running `true` (`true-raw`: what starting the smallest process costs; a child here is this
//! larger program, loaded and started again).
//! Group `process/ping-pong`: an item to a child over one queue and back over another, a round
//! trip (`process`), against two thread units bouncing an item through the thread twin's queues
//! (`threads`).
//! Group `process/counter`: one increment of a shared counter under its lock: lock, load,
//! store, release. `manager` is a child process doing it to a `process::Value` and a
//! `process::Lock` that the bench's process serves (timed inside the child); `mutex` is a
//! thread doing it to a `std::sync::Mutex<u64>`.
//!
//! A child runs this bench binary again, so `main` calls `process::serve` before criterion.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::Criterion;
use twinsync::process::{self, Entry, Lock, Queue, Value};
use twinsync::queue::ThreadQueue;

static ECHO: Entry<u64, u64> = Entry::new("echo", |x| x);
/// Bounces items from the first queue to the second until the first closes.
static BOUNCE: Entry<(Queue<u64>, Queue<u64>), ()> = Entry::new("bounce", |(from, to)| {
    while let Ok(item) = from.get() {
        to.put(item).unwrap();
    }
});

/// Makes `rounds` locked increments of the shared counter; the time they took, in nanoseconds.
static INCREMENTS: Entry<(Value<u64>, Lock, u64), u64> =
    Entry::new("increments", |(counter, lock, rounds)| {
        let start = Instant::now();
        for _ in 0..rounds {
            let _held = lock.lock().unwrap();
            let seen = counter.load().unwrap();
            counter.store(&(seen + 1)).unwrap();
        }
        u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    });

fn spawn(c: &mut Criterion) {
    let mut group = c.benchmark_group("process/spawn");
    group.sample_size(20);
    group.bench_function("process", |b| {
        b.iter(|| process::spawn(&ECHO, &7).unwrap().join().unwrap())
    });
    group.bench_function("true-raw", |b| {
        b.iter(|| {
            let status = Command::new("true").stdin(Stdio::null()).status().unwrap();
            assert!(status.success());
        })
    });
    group.bench_function("std-thread", |b| {
        b.iter(|| std::thread::spawn(|| 7u64).join().unwrap())
    });
    group.finish();
}

fn ping_pong(c: &mut Criterion) {
    let mut group = c.benchmark_group("process/ping-pong");
    let (there, back) = (Queue::bounded(1), Queue::bounded(1));
    let child = process::spawn(&BOUNCE, &(there.clone(), back.clone())).unwrap();
    group.bench_function("process", |b| {
        b.iter(|| {
            there.put(1).unwrap();
            back.get().unwrap()
        })
    });
    there.close();
    child.join().unwrap();

    let there = std::sync::Arc::new(ThreadQueue::bounded(1));
    let back = std::sync::Arc::new(ThreadQueue::bounded(1));
    let bouncer = {
        let (there, back) = (there.clone(), back.clone());
        std::thread::spawn(move || {
            while let Ok(item) = there.get() {
                back.put(item).unwrap();
            }
        })
    };
    group.bench_function("threads", |b| {
        b.iter(|| {
            there.put(1u64).unwrap();
            back.get().unwrap()
        })
    });
    there.close();
    bouncer.join().unwrap();
    group.finish();
}

fn counter(c: &mut Criterion) {
    let mut group = c.benchmark_group("process/counter");
    let (counter, lock) = (Value::new(&0).unwrap(), Lock::new());
    group.bench_function("manager", |b| {
        b.iter_custom(|iters| {
            let child = process::spawn(&INCREMENTS, &(counter.clone(), lock.clone(), iters));
            Duration::from_nanos(child.unwrap().join().unwrap())
        })
    });
    let counter = std::sync::Mutex::new(0u64);
    group.bench_function("mutex", |b| {
        b.iter(|| *counter.lock().unwrap() += 1);
    });
    group.finish();
}

fn main() {
    process::serve(&[&ECHO, &BOUNCE, &INCREMENTS]);
    let mut criterion = Criterion::default().configure_from_args();
    spawn(&mut criterion);
    ping_pong(&mut criterion);
    counter(&mut criterion);
    criterion.final_summary();
}
