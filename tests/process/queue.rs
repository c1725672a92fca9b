//! The queue between processes: producers and consumers, sentinels, a full queue, and
//! children killed in the middle of a `get` or a `put`.

use std::time::{Duration, Instant};

use libtest_mimic::Trial;
use twinsync::process::{self, Entry, ProcessError, Queue, Registered};
use twinsync::queue::{GetTimeoutError, PutError, TryPutError};

use crate::trial;

/// The entries this module's children run.
pub fn entries() -> Vec<&'static dyn Registered> {
    vec![
        &PRODUCE,
        &CONSUME,
        &OVERFILL,
        &WAITS_FOR_ITEM,
        &FLOODS,
        &PUTS_LATE,
    ]
}

/// This module's tests.
pub fn trials() -> Vec<Trial> {
    vec![
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
            "a_queue_whose_owner_is_gone_is_closed",
            a_queue_whose_owner_is_gone_is_closed,
        ),
        trial(
            "a_child_killed_while_putting_leaves_the_queue_usable",
            a_child_killed_while_putting_leaves_the_queue_usable,
        ),
    ]
}

/// What a producer is given: the queue, its own number, and how many items to put.
pub type ProducerInput = (Queue<(u32, u32)>, u32, u32);
/// The seeds' producer: puts `count` numbers tagged with its own number.
pub static PRODUCE: Entry<ProducerInput, ()> = Entry::new("produce", |(queue, producer, count)| {
    for n in 0..count {
        queue.put((producer, n)).unwrap();
    }
});
/// Takes numbers until the sentinel `None`, marking each done; returns their sum.
pub static CONSUME: Entry<Queue<Option<u64>>, u64> = Entry::new("consume", |queue| {
    let mut sum = 0;
    while let Some(n) = queue.get().unwrap() {
        sum += n;
        queue.task_done().unwrap();
    }
    queue.task_done().unwrap(); // the sentinel's
    sum
});
/// Tries to put into a full queue, and reports what came back.
pub static OVERFILL: Entry<Queue<u8>, (bool, Option<usize>, bool)> =
    Entry::new("overfill", |queue| {
        let full = queue.try_put(9) == Err(TryPutError::Full(9));
        (full, queue.capacity(), queue.is_full())
    });
/// Waits for an item (the test kills it meanwhile).
pub static WAITS_FOR_ITEM: Entry<Queue<u8>, u8> =
    Entry::new("waits-for-item", |queue| queue.get().unwrap());

/// Puts large items, one after another, until it is killed.
pub static FLOODS: Entry<Queue<String>, ()> = Entry::new("floods", |queue| {
    loop {
        queue.put("z".repeat(4 << 20)).unwrap();
    }
});
/// Puts after its queue's owner has dropped it.
pub static PUTS_LATE: Entry<Queue<u8>, bool> = Entry::new("puts-late", |queue| {
    std::thread::sleep(Duration::from_millis(200));
    queue.put(1) == Err(PutError::Closed(1))
});

pub fn queue_three_producers_one_consumer() {
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

pub fn joinable_queue_with_sentinels() {
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

pub fn a_full_queue_hands_the_item_back_in_a_child() {
    let queue = Queue::bounded(1);
    queue.put(1).unwrap();
    let seen = process::spawn(&OVERFILL, &queue).unwrap().join().unwrap();
    assert_eq!(seen, (true, Some(1), true));
    assert_eq!(queue.len(), 1);
}

pub fn a_child_killed_while_getting_loses_no_item() {
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

pub fn a_queue_whose_owner_is_gone_is_closed() {
    let queue = Queue::new();
    let child = process::spawn(&PUTS_LATE, &queue).unwrap();
    drop(queue);
    assert!(child.join().unwrap(), "the put was not refused as closed");
}

pub fn a_child_killed_while_putting_leaves_the_queue_usable() {
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
