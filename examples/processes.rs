//! # Processes: messages passed
//!
//! Mirrors the seeds' multiprocessing lessons after the first (globals are not shared:
//! `examples/share_nothing.rs`): the multiprocessing queue with three producers and one
//! consumer (`Queue(5)`), a joinable queue emptied by consumer processes that stop at a
//! sentinel, and a `Pool(3)` of CPU-bound jobs beside the same jobs on three threads. (The race
//! lesson across processes, a shared value and a lock, is the process form of
//! `examples/race.rs`.)
//!
//! What to notice: a child is this very program started again, and `process::serve` is the
//! line where it turns to its one job. Each producer's items arrive in its own order. The
//! pool of processes and the three threads finish the CPU-bound jobs in about the same time:
//! Rust threads already run in parallel, so processes buy isolation here, not speed.
//!
//! Run it with `cargo run --example processes`.

use std::time::Instant;

use twinsync::process::{self, Entry, ProcessPool, Queue};

// ANCHOR: producer
/// A producer process: puts three items, each named after itself, into the shared queue.
fn produce((queue, me): (Queue<String>, u32)) {
    for n in 1..=3 {
        queue.put(format!("producer-{me} item {n}")).unwrap();
    }
}
static PRODUCE: Entry<(Queue<String>, u32), ()> = Entry::new("produce", produce);
// ANCHOR_END: producer

// ANCHOR: consumer
/// A consumer process: takes numbers until the sentinel `None`, marking each one done.
fn consume(queue: Queue<Option<u64>>) -> (u32, u64) {
    let mut sum = 0;
    while let Some(n) = queue.get().unwrap() {
        sum += n;
        queue.task_done().unwrap();
    }
    queue.task_done().unwrap(); // the sentinel, too, was taken
    (process::current_process().pid(), sum)
}
static CONSUME: Entry<Queue<Option<u64>>, (u32, u64)> = Entry::new("consume", consume);
// ANCHOR_END: consumer

// ANCHOR: primes
/// CPU-bound work: how many primes there are below `limit`, by trial division.
fn count_primes(limit: u64) -> u64 {
    (2..limit)
        .filter(|&n| (2..).take_while(|d| d * d <= n).all(|d| n % d != 0))
        .count() as u64
}
static COUNT_PRIMES: Entry<u64, u64> = Entry::new("count-primes", count_primes);
// ANCHOR_END: primes

// ANCHOR: main
fn main() {
    // A child process runs its entry here and exits; the parent goes on.
    process::serve(&[&PRODUCE, &CONSUME, &COUNT_PRIMES]);

    three_producers_one_consumer();
    consumers_and_sentinels();
    pool_against_threads();
}
// ANCHOR_END: main

// ANCHOR: queue
fn three_producers_one_consumer() {
    println!("three producer processes, one consumer (this one), a queue of 5:");
    let queue = Queue::bounded(5);
    let producers: Vec<_> = (1..=3)
        .map(|me| process::spawn(&PRODUCE, &(queue.clone(), me)).unwrap())
        .collect();
    for _ in 0..9 {
        println!("  got {}", queue.get().unwrap());
    }
    for producer in producers {
        producer.join().unwrap();
    }
}
// ANCHOR_END: queue

// ANCHOR: sentinels
fn consumers_and_sentinels() {
    let queue = Queue::new();
    let consumers: Vec<_> = (0..2)
        .map(|_| process::spawn(&CONSUME, &queue.clone()).unwrap())
        .collect();
    for n in 1..=100 {
        queue.put(Some(n)).unwrap();
    }
    for _ in &consumers {
        queue.put(None).unwrap(); // one sentinel per consumer
    }
    queue.join(); // every item, sentinels included, is marked done
    println!("two consumer processes took 1..=100 and stopped at their sentinels:");
    let mut total = 0;
    for consumer in consumers {
        let (pid, sum) = consumer.join().unwrap();
        println!("  process {pid} summed {sum}");
        total += sum;
    }
    println!("  together {total} (1 + 2 + ... + 100 = 5050)");
}
// ANCHOR_END: sentinels

// ANCHOR: pool
fn pool_against_threads() {
    let limits = [150_000, 160_000, 170_000, 180_000, 190_000, 200_000];
    println!("primes below {limits:?}, six CPU-bound jobs:");

    let started = Instant::now();
    let pool = ProcessPool::new(3).unwrap();
    let counts: Vec<u64> = pool
        .map(&COUNT_PRIMES, limits)
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    pool.join();
    let processes = started.elapsed();

    let started = Instant::now();
    let by_threads: Vec<u64> = std::thread::scope(|scope| {
        let chunks: Vec<_> = limits
            .chunks(2)
            .map(|chunk| scope.spawn(|| chunk.iter().map(|&l| count_primes(l)).collect::<Vec<_>>()))
            .collect();
        chunks.into_iter().flat_map(|c| c.join().unwrap()).collect()
    });
    let threads = started.elapsed();

    assert_eq!(counts, by_threads);
    println!("  counts {counts:?}");
    println!(
        "  a pool of 3 processes: {:.0} ms (starting them included); 3 threads: {:.0} ms",
        processes.as_secs_f64() * 1000.0,
        threads.as_secs_f64() * 1000.0
    );
}
// ANCHOR_END: pool
