//! The `Queue` contract (FIFO, LIFO, priority; bounded; task_done/join; close), proven once for
//! every flavour's twin; plus stress and cancellation.

mod common;

use std::cmp::Ordering as CmpOrdering;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{assert_waited_about, timed};
use twinsync::queue::{
    Discipline, Fifo, GetError, GetTimeoutError, Lifo, Priority, PutError, PutTimeoutError,
    TaskDoneError, TryGetError, TryPutError,
};
use twinsync::{Event, Flavor, JoinHandle, Queue, Timeout};

flavor_tests! {
    in_run: [
        fifo_order,
        lifo_order,
        priority_smallest_first,
        priority_is_stable,
        sizes_and_capacity,
        capacity_zero_is_one,
        huge_bounded_fifo_keeps_order_without_reserving_its_capacity,
        fifo_keeps_each_producers_order,
        try_put_hands_the_item_back,
        try_get_on_empty_and_closed,
        bounded_put_waits_while_full_and_resumes_after_get,
        get_waits_while_empty,
        put_timeout_times_out_and_hands_the_item_back,
        get_timeout_times_out,
        put_timeout_succeeds_when_room_is_made,
        join_returns_at_once_when_nothing_was_put,
        join_waits_for_every_task_done,
        join_timeout_times_out,
        extra_task_done_is_an_error,
        close_fails_puts_and_drains_gets,
        close_wakes_waiting_getters,
        close_wakes_waiting_putters,
        close_and_drain_returns_everything,
        close_and_drain_counts_as_done_for_join,
        get_loop_ends_on_close,
        stress_fifo_every_item_once,
        stress_lifo_every_item_once,
        stress_priority_every_item_once,
        stress_huge_bounded_fifo_every_item_once,
        stress_with_join,
        stress_close_midway_loses_nothing,
        // Cancellation: a waiting future dropped mid-wait.
        dropped_get_takes_no_item,
        dropped_notified_get_leaves_the_item,
        dropped_put_inserts_nothing,
        dropped_notified_get_passes_the_wakeup_on,
        dropped_notified_put_passes_the_wakeup_on,
        dropped_timed_get_takes_no_item,
    ],
}

const WAIT: Duration = Duration::from_millis(50);
const LONG: Duration = Duration::from_secs(20);

async fn fifo_order<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    for n in [3, 1, 2] {
        q.put(n).await.unwrap();
    }
    assert_eq!(q.get().await, Ok(3));
    assert_eq!(q.get().await, Ok(1));
    assert_eq!(q.get().await, Ok(2));
}

async fn lifo_order<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Lifo>::new();
    for n in [3, 1, 2] {
        q.put(n).await.unwrap();
    }
    assert_eq!(q.get().await, Ok(2));
    q.put(9).await.unwrap();
    assert_eq!(q.get().await, Ok(9));
    assert_eq!(q.get().await, Ok(1));
    assert_eq!(q.get().await, Ok(3));
}

async fn priority_smallest_first<F: Flavor>(_f: F) {
    let q = F::Queue::<(u8, char), Priority>::new();
    for job in [(5, 'l'), (1, 'u'), (3, 'n'), (1, 'a')] {
        q.put(job).await.unwrap();
    }
    let mut order = Vec::new();
    while let Ok(job) = q.try_get() {
        order.push(job);
    }
    // Whole tuples compare, so 'a' < 'u' decides between the two 1s.
    assert_eq!(order, [(1, 'a'), (1, 'u'), (3, 'n'), (5, 'l')]);
}

/// Ordered by `key` alone: two jobs with the same key are a tie, broken by insertion order.
#[derive(Debug, Clone, Copy)]
struct Job {
    key: u8,
    id: u32,
}

impl PartialEq for Job {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Job {}
impl PartialOrd for Job {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for Job {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        self.key.cmp(&other.key)
    }
}

async fn priority_is_stable<F: Flavor>(_f: F) {
    let q = F::Queue::<Job, Priority>::new();
    // Many ties, interleaved: a bare BinaryHeap would reorder them.
    for id in 0..200 {
        q.put(Job {
            key: (id % 3) as u8,
            id,
        })
        .await
        .unwrap();
    }
    let mut got = Vec::new();
    for _ in 0..100 {
        got.push(q.get().await.unwrap());
    }
    got.extend(q.close_and_drain());
    let mut expected: Vec<Job> = (0..200)
        .map(|id| Job {
            key: (id % 3) as u8,
            id,
        })
        .collect();
    expected.sort_by_key(|job| (job.key, job.id));
    let ids = |jobs: &[Job]| jobs.iter().map(|j| (j.key, j.id)).collect::<Vec<_>>();
    assert_eq!(ids(&got), ids(&expected));
}

async fn sizes_and_capacity<F: Flavor>(_f: F) {
    let q = F::Queue::<u8, Fifo>::bounded(2);
    assert_eq!(q.capacity(), Some(2));
    assert!(q.is_empty() && !q.is_full());
    q.put(1).await.unwrap();
    assert_eq!(q.len(), 1);
    q.put(2).await.unwrap();
    assert!(q.is_full());
    let unbounded = F::Queue::<u8, Fifo>::new();
    assert_eq!(unbounded.capacity(), None);
    for n in 0..100 {
        unbounded.try_put(n).unwrap();
    }
    assert!(!unbounded.is_full());
    assert_eq!(unbounded.len(), 100);
}

/// A bound too large for a ring allocated up front: the FIFO keeps its items in a container
/// that grows instead, with the same order, bound and answers.
async fn huge_bounded_fifo_keeps_order_without_reserving_its_capacity<F: Flavor>(_f: F) {
    let huge = usize::MAX / 2;
    let q = F::Queue::<u64, Fifo>::bounded(huge);
    assert_eq!(q.capacity(), Some(huge));
    for n in 0..100 {
        q.try_put(n).unwrap();
    }
    assert!(!q.is_full());
    assert_eq!(q.len(), 100);
    assert_eq!(q.get().await, Ok(0));
    assert_eq!(q.close_and_drain(), (1..100).collect::<Vec<_>>());
}

/// Two producers and one consumer on a small FIFO: whatever the interleaving, each producer's
/// items arrive in the order that producer put them.
async fn fifo_keeps_each_producers_order<F: Flavor>(f: F) {
    let q = F::Queue::<(u64, u64), Fifo>::bounded(4);
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let q = q.clone();
            f.spawn(format!("producer-{p}"), async move {
                for i in 0..PER_PRODUCER {
                    q.put((p, i)).await.unwrap();
                }
            })
        })
        .collect();
    let mut next = [0; 2];
    for _ in 0..2 * PER_PRODUCER {
        let (p, i) = q.get().await.unwrap();
        assert_eq!(i, next[p as usize], "producer {p}'s items out of order");
        next[p as usize] += 1;
    }
    for p in producers {
        p.join().await.unwrap();
    }
}

async fn capacity_zero_is_one<F: Flavor>(_f: F) {
    let q = F::Queue::<u8, Fifo>::bounded(0);
    assert_eq!(q.capacity(), Some(1));
    q.try_put(1).unwrap();
    assert_eq!(q.try_put(2), Err(TryPutError::Full(2)));
}

async fn try_put_hands_the_item_back<F: Flavor>(_f: F) {
    let q = F::Queue::<String, Fifo>::bounded(1);
    q.try_put("a".into()).unwrap();
    let err = q.try_put("b".into()).unwrap_err();
    assert_eq!(err, TryPutError::Full("b".to_owned()));
    assert!(!err.is_closed());
    assert_eq!(err.into_inner(), "b");
    q.close();
    assert_eq!(
        q.try_put("c".into()),
        Err(TryPutError::Closed("c".to_owned()))
    );
    assert_eq!(q.len(), 1);
}

async fn try_get_on_empty_and_closed<F: Flavor>(_f: F) {
    let q = F::Queue::<u8, Fifo>::new();
    assert_eq!(q.try_get(), Err(TryGetError::Empty));
    q.try_put(1).unwrap();
    q.close();
    assert_eq!(q.try_get(), Ok(1));
    assert_eq!(q.try_get(), Err(TryGetError::Closed));
}

async fn bounded_put_waits_while_full_and_resumes_after_get<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(1);
    q.put(1).await.unwrap();
    let putter = {
        let q = q.clone();
        f.spawn("putter", async move { q.put(2).await })
    };
    f.sleep(WAIT).await;
    assert!(!putter.is_finished(), "put did not wait on a full queue");
    assert_eq!(q.len(), 1);
    assert_eq!(q.get().await, Ok(1));
    assert_eq!(putter.join().await.unwrap(), Ok(()));
    assert_eq!(q.get().await, Ok(2));
}

async fn get_waits_while_empty<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    let getter = {
        let q = q.clone();
        f.spawn("getter", async move { q.get().await })
    };
    f.sleep(WAIT).await;
    assert!(!getter.is_finished(), "get did not wait on an empty queue");
    q.put(7).await.unwrap();
    assert_eq!(getter.join().await.unwrap(), Ok(7));
    assert!(q.is_empty());
}

async fn put_timeout_times_out_and_hands_the_item_back<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(1);
    q.put(1).await.unwrap();
    let (result, waited) = timed(q.put_timeout(2, WAIT)).await;
    assert_eq!(result, Err(PutTimeoutError::Timeout(2)));
    assert_waited_about(waited, WAIT);
    assert_eq!(q.len(), 1);
    assert_eq!(q.unfinished_tasks(), 1);
}

async fn get_timeout_times_out<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    let (result, waited) = timed(q.get_timeout(WAIT)).await;
    assert_eq!(result, Err(GetTimeoutError::Timeout));
    assert_waited_about(waited, WAIT);
    q.close();
    assert_eq!(q.get_timeout(WAIT).await, Err(GetTimeoutError::Closed));
}

async fn put_timeout_succeeds_when_room_is_made<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(1);
    q.put(1).await.unwrap();
    let putter = {
        let q = q.clone();
        f.spawn("putter", async move { q.put_timeout(2, LONG).await })
    };
    f.sleep(WAIT).await;
    assert_eq!(q.get().await, Ok(1));
    assert_eq!(putter.join().await.unwrap(), Ok(()));
    assert_eq!(q.get_timeout(LONG).await, Ok(2));
}

async fn join_returns_at_once_when_nothing_was_put<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    q.join().await;
    assert_eq!(q.join_timeout(Duration::ZERO).await, Ok(()));
}

async fn join_waits_for_every_task_done<F: Flavor>(f: F) {
    const JOBS: usize = 20;
    let q = F::Queue::<usize, Fifo>::new();
    let processed = Arc::new(AtomicUsize::new(0));
    for i in 0..2 {
        let (q, g, processed) = (q.clone(), f.clone(), processed.clone());
        f.spawn_daemon(format!("worker-{i}"), async move {
            while let Ok(_job) = q.get().await {
                g.sleep(Duration::from_millis(2)).await;
                processed.fetch_add(1, Ordering::SeqCst);
                q.task_done().unwrap();
            }
        });
    }
    for job in 0..JOBS {
        q.put(job).await.unwrap();
    }
    q.join().await;
    assert_eq!(processed.load(Ordering::SeqCst), JOBS);
    assert_eq!(q.unfinished_tasks(), 0);
    q.close();
}

async fn join_timeout_times_out<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    q.put(1).await.unwrap();
    q.get().await.unwrap(); // taken, but not marked done
    let (result, waited) = timed(q.join_timeout(WAIT)).await;
    assert_eq!(result, Err(Timeout));
    assert_waited_about(waited, WAIT);
    q.task_done().unwrap();
    assert_eq!(q.join_timeout(WAIT).await, Ok(()));
}

async fn extra_task_done_is_an_error<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    assert_eq!(q.task_done(), Err(TaskDoneError));
    q.put(1).await.unwrap();
    q.put(2).await.unwrap();
    q.task_done().unwrap();
    q.task_done().unwrap();
    assert_eq!(q.task_done(), Err(TaskDoneError));
    assert_eq!(q.unfinished_tasks(), 0);
    assert_eq!(q.len(), 2, "task_done touched the items");
}

async fn close_fails_puts_and_drains_gets<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    q.put(1).await.unwrap();
    q.put(2).await.unwrap();
    assert!(!q.is_closed());
    q.close();
    q.close(); // twice is harmless
    assert!(q.is_closed());
    assert_eq!(q.put(3).await, Err(PutError::Closed(3)));
    assert_eq!(
        q.put_timeout(4, WAIT).await,
        Err(PutTimeoutError::Closed(4))
    );
    assert_eq!(q.get().await, Ok(1));
    assert_eq!(q.get().await, Ok(2));
    assert_eq!(q.get().await, Err(GetError::Closed));
    assert_eq!(q.get().await, Err(GetError::Closed));
}

async fn close_wakes_waiting_getters<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    let getters: Vec<_> = (0..3)
        .map(|i| {
            let q = q.clone();
            f.spawn(format!("getter-{i}"), async move { q.get().await })
        })
        .collect();
    f.sleep(WAIT).await;
    q.close();
    for getter in getters {
        assert_eq!(getter.join().await.unwrap(), Err(GetError::Closed));
    }
}

async fn close_wakes_waiting_putters<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(1);
    q.put(0).await.unwrap();
    let putters: Vec<_> = (1..=3)
        .map(|i| {
            let q = q.clone();
            f.spawn(format!("putter-{i}"), async move { q.put(i).await })
        })
        .collect();
    f.sleep(WAIT).await;
    q.close();
    for (i, putter) in (1..=3).zip(putters) {
        assert_eq!(putter.join().await.unwrap(), Err(PutError::Closed(i)));
    }
    assert_eq!(q.close_and_drain(), [0]);
}

async fn close_and_drain_returns_everything<F: Flavor>(_f: F) {
    let fifo = F::Queue::<u32, Fifo>::new();
    let lifo = F::Queue::<u32, Lifo>::new();
    let prio = F::Queue::<u32, Priority>::new();
    for n in [2, 3, 1] {
        fifo.put(n).await.unwrap();
        lifo.put(n).await.unwrap();
        prio.put(n).await.unwrap();
    }
    assert_eq!(fifo.close_and_drain(), [2, 3, 1]);
    assert_eq!(lifo.close_and_drain(), [1, 3, 2]);
    assert_eq!(prio.close_and_drain(), [1, 2, 3]);
    assert!(fifo.is_closed() && fifo.is_empty());
    assert_eq!(fifo.get().await, Err(GetError::Closed));
    assert_eq!(fifo.close_and_drain(), Vec::<u32>::new());
}

async fn close_and_drain_counts_as_done_for_join<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    for n in 0..5 {
        q.put(n).await.unwrap();
    }
    q.get().await.unwrap();
    q.task_done().unwrap();
    let joiner = {
        let q = q.clone();
        f.spawn("joiner", async move { q.join_timeout(LONG).await })
    };
    f.sleep(WAIT).await;
    assert!(!joiner.is_finished());
    assert_eq!(q.close_and_drain(), [1, 2, 3, 4]);
    assert_eq!(joiner.join().await.unwrap(), Ok(()));
    assert_eq!(q.unfinished_tasks(), 0);
}

/// The generic replacement for the sentinel: `while let Ok(item) = q.get().await`.
async fn get_loop_ends_on_close<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(3);
    let consumer = {
        let q = q.clone();
        f.spawn("consumer", async move {
            let mut got = Vec::new();
            while let Ok(item) = q.get().await {
                got.push(item);
            }
            got
        })
    };
    for n in 0..20 {
        q.put(n).await.unwrap();
    }
    q.close();
    assert_eq!(consumer.join().await.unwrap(), (0..20).collect::<Vec<_>>());
}

const PRODUCERS: u64 = 4;
const CONSUMERS: usize = 4;
/// Miri runs these some thousand times slower: fewer items keep the same code under test.
const PER_PRODUCER: u64 = if cfg!(miri) { 100 } else { 5_000 };

/// P producers × C consumers on a small bounded queue: every item delivered exactly once.
async fn stress<F: Flavor, D: Discipline<u64>>(f: F) {
    stress_with_capacity::<F, D>(f, 16).await;
}

async fn stress_with_capacity<F: Flavor, D: Discipline<u64>>(f: F, capacity: usize) {
    let q = F::Queue::<u64, D>::bounded(capacity);
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let q = q.clone();
            f.spawn(format!("producer-{p}"), async move {
                for i in 0..PER_PRODUCER {
                    q.put(p * PER_PRODUCER + i).await.unwrap();
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|c| {
            let q = q.clone();
            f.spawn(format!("consumer-{c}"), async move {
                let mut got = Vec::new();
                while let Ok(item) = q.get().await {
                    got.push(item);
                }
                got
            })
        })
        .collect();
    for p in producers {
        p.join().await.unwrap();
    }
    q.close();
    let mut all = Vec::new();
    for c in consumers {
        all.extend(c.join().await.unwrap());
    }
    all.sort_unstable();
    assert_eq!(all, (0..PRODUCERS * PER_PRODUCER).collect::<Vec<_>>());
}

async fn stress_fifo_every_item_once<F: Flavor>(f: F) {
    stress::<F, Fifo>(f).await;
}

/// The FIFO's locked container (a bound too large for a ring) under the same stress.
async fn stress_huge_bounded_fifo_every_item_once<F: Flavor>(f: F) {
    stress_with_capacity::<F, Fifo>(f, usize::MAX / 2).await;
}

async fn stress_lifo_every_item_once<F: Flavor>(f: F) {
    stress::<F, Lifo>(f).await;
}

async fn stress_priority_every_item_once<F: Flavor>(f: F) {
    stress::<F, Priority>(f).await;
}

/// Producers, then `join`: it returns only after the consumers marked every item done.
async fn stress_with_join<F: Flavor>(f: F) {
    let q = F::Queue::<u64, Fifo>::bounded(16);
    let done = Arc::new(AtomicUsize::new(0));
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|c| {
            let (q, done) = (q.clone(), done.clone());
            f.spawn(format!("consumer-{c}"), async move {
                while let Ok(_item) = q.get().await {
                    done.fetch_add(1, Ordering::SeqCst);
                    q.task_done().unwrap();
                }
            })
        })
        .collect();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let q = q.clone();
            f.spawn(format!("producer-{p}"), async move {
                for i in 0..PER_PRODUCER {
                    q.put(p * PER_PRODUCER + i).await.unwrap();
                }
            })
        })
        .collect();
    for p in producers {
        p.join().await.unwrap();
    }
    q.join().await;
    assert_eq!(done.load(Ordering::SeqCst) as u64, PRODUCERS * PER_PRODUCER);
    q.close();
    for c in consumers {
        c.join().await.unwrap();
    }
}

/// Close mid-way: delivered + handed back + drained = every item a producer tried to put.
async fn stress_close_midway_loses_nothing<F: Flavor>(f: F) {
    let q = F::Queue::<u64, Fifo>::bounded(16);
    let delivered_so_far = Arc::new(AtomicUsize::new(0));
    // Producer 0 puts its second half only once the close has begun, so however fast the
    // others are, some puts surely meet the close.
    let closing = Arc::new(F::Event::new());
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let (q, closing) = (q.clone(), closing.clone());
            f.spawn(format!("producer-{p}"), async move {
                let mut tried = Vec::new();
                for i in 0..PER_PRODUCER {
                    if p == 0 && i == PER_PRODUCER / 2 {
                        closing.wait().await;
                    }
                    let item = p * PER_PRODUCER + i;
                    tried.push(item);
                    if let Err(PutError::Closed(back)) = q.put(item).await {
                        return (tried, Some(back));
                    }
                }
                (tried, None)
            })
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|c| {
            let (q, count) = (q.clone(), delivered_so_far.clone());
            f.spawn(format!("consumer-{c}"), async move {
                let mut got = Vec::new();
                while let Ok(item) = q.get().await {
                    got.push(item);
                    count.fetch_add(1, Ordering::SeqCst);
                }
                got
            })
        })
        .collect();
    // A tenth of the items delivered before the close.
    while delivered_so_far.load(Ordering::SeqCst) < (PRODUCERS * PER_PRODUCER / 10) as usize {
        f.sleep(Duration::from_millis(1)).await;
    }
    let drained = q.close_and_drain();
    closing.set();
    let (mut tried, mut handed_back) = (Vec::new(), Vec::new());
    for p in producers {
        let (t, back) = p.join().await.unwrap();
        tried.extend(t);
        handed_back.extend(back);
    }
    let mut accounted = drained;
    accounted.extend(handed_back);
    for c in consumers {
        accounted.extend(c.join().await.unwrap());
    }
    tried.sort_unstable();
    accounted.sort_unstable();
    assert_eq!(accounted, tried, "an item was lost or duplicated");
    assert!(
        (tried.len() as u64) < PRODUCERS * PER_PRODUCER,
        "the close came after every put: nothing was tested"
    );
}

/// Cancellation: a get future dropped while it waits takes no item.
async fn dropped_get_takes_no_item<F: Flavor>(_f: F) {
    use std::pin::pin;
    let q = F::Queue::<u32, Fifo>::new();
    {
        let mut waiting = pin!(q.get());
        assert!(futures::poll!(waiting.as_mut()).is_pending());
    }
    q.put(1).await.unwrap();
    assert_eq!(q.try_get(), Ok(1));
}

/// Cancellation: a get that was woken by a put but dropped before it ran leaves the item.
async fn dropped_notified_get_leaves_the_item<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    let mut waiting = Box::pin(q.get());
    assert!(futures::poll!(waiting.as_mut()).is_pending());
    q.put(1).await.unwrap(); // wakes the waiting get…
    drop(waiting); // …which goes away without running
    assert_eq!(q.len(), 1);
    assert_eq!(q.try_get(), Ok(1));
}

/// Cancellation: a put dropped while it waits (full queue) never inserts its item, even after
/// room was made.
async fn dropped_put_inserts_nothing<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(1);
    q.put(1).await.unwrap();
    let mut waiting = Box::pin(q.put(2));
    assert!(futures::poll!(waiting.as_mut()).is_pending());
    assert_eq!(q.get().await, Ok(1)); // room, and a wake-up for the waiting put…
    drop(waiting); // …which goes away without running
    assert_eq!(q.try_get(), Err(TryGetError::Empty));
    assert_eq!(q.unfinished_tasks(), 1, "a dropped put was counted");
}

/// Cancellation: a getter woken and then dropped passes the wake-up on, so the next getter in
/// line is not left sleeping next to an item.
async fn dropped_notified_get_passes_the_wakeup_on<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::new();
    let mut first = Box::pin(q.get());
    assert!(futures::poll!(first.as_mut()).is_pending());
    let second = {
        let q = q.clone();
        f.spawn("second", async move { q.get_timeout(LONG).await })
    };
    f.sleep(WAIT).await; // the second is waiting too, behind the first
    q.put(1).await.unwrap(); // wakes the first in line…
    drop(first); // …which goes away without taking the item
    assert_eq!(second.join().await.unwrap(), Ok(1));
}

/// Cancellation: the same for putters waiting on a full queue.
async fn dropped_notified_put_passes_the_wakeup_on<F: Flavor>(f: F) {
    let q = F::Queue::<u32, Fifo>::bounded(1);
    q.put(0).await.unwrap();
    let mut first = Box::pin(q.put(1));
    assert!(futures::poll!(first.as_mut()).is_pending());
    let second = {
        let q = q.clone();
        f.spawn("second", async move { q.put_timeout(2, LONG).await })
    };
    f.sleep(WAIT).await;
    assert_eq!(q.get().await, Ok(0)); // wakes the first putter…
    drop(first); // …which goes away without putting
    assert_eq!(second.join().await.unwrap(), Ok(()));
    assert_eq!(q.close_and_drain(), [2]);
}

/// Cancellation: a timed get dropped mid-wait takes no item either.
async fn dropped_timed_get_takes_no_item<F: Flavor>(_f: F) {
    let q = F::Queue::<u32, Lifo>::new();
    let mut waiting = Box::pin(q.get_timeout(LONG));
    assert!(futures::poll!(waiting.as_mut()).is_pending());
    q.put(5).await.unwrap();
    drop(waiting);
    assert_eq!(q.try_get(), Ok(5));
}

// The concrete twins' own ways to consume: the thread twin's `Iterator`, the task twin's
// `Stream`.

#[test]
fn thread_twin_iterates_until_closed_and_drained() {
    use twinsync::queue::ThreadQueue;
    let q = ThreadQueue::bounded(2);
    let producer = {
        let q = q.clone();
        std::thread::spawn(move || {
            for n in 0..50 {
                q.put(n).unwrap();
            }
            q.close();
        })
    };
    let mut got = Vec::new();
    for item in &q {
        got.push(item);
    }
    producer.join().unwrap();
    assert_eq!(got, (0..50).collect::<Vec<_>>());
    let mut after = q.iter();
    assert_eq!(after.next(), None);
    assert_eq!(after.next(), None);
}

#[test]
fn thread_twin_blocking_methods() {
    use twinsync::queue::ThreadPriorityQueue;
    let q = ThreadPriorityQueue::bounded(2);
    q.put(2).unwrap();
    q.put(1).unwrap();
    assert_eq!(
        q.put_timeout(3, Duration::from_millis(5)),
        Err(PutTimeoutError::Timeout(3))
    );
    assert_eq!(q.get(), Ok(1));
    assert_eq!(q.get_timeout(Duration::from_millis(5)), Ok(2));
    assert!(q.join_timeout(Duration::from_millis(5)).is_err());
    q.task_done().unwrap();
    q.task_done().unwrap();
    q.join();
    assert_eq!(q.into_iter().size_hint().0, 0);
}

#[cfg(feature = "tokio")]
async fn task_twin_stream_body<F: Flavor>(f: F) {
    use futures::StreamExt;
    let q = twinsync::queue::TaskQueue::bounded(2);
    let producer = {
        let q = q.clone();
        f.spawn("producer", async move {
            for n in 0..50 {
                q.put(n).await.unwrap();
            }
            q.close();
        })
    };
    let mut stream = q.stream();
    let mut got: Vec<u32> = Vec::new();
    while let Some(item) = stream.next().await {
        got.push(item);
    }
    producer.join().await.unwrap();
    assert_eq!(got, (0..50).collect::<Vec<_>>());
    assert_eq!(stream.next().await, None, "the stream is fused");
}

#[cfg(feature = "tokio")]
#[test]
fn task_twin_streams_until_closed_and_drained() {
    common::in_run(twinsync::Tokio::new(), task_twin_stream_body);
    common::in_run(twinsync::TokioLocal::new(), task_twin_stream_body);
}

/// A stream dropped while it waits takes nothing and passes on a wake-up it received.
#[cfg(feature = "tokio")]
#[test]
fn dropped_stream_loses_nothing() {
    use futures::StreamExt;
    use twinsync::queue::TaskQueue;
    common::in_run(twinsync::TokioLocal::new(), |f| async move {
        let q = TaskQueue::new();
        let mut first = q.stream();
        assert!(futures::poll!(first.next()).is_pending());
        let second = {
            let q = q.clone();
            f.spawn("second", async move { q.get_timeout(LONG).await })
        };
        f.sleep(WAIT).await;
        q.put(1).await.unwrap(); // wakes the stream first in line…
        drop(first); // …which goes away without taking the item
        assert_eq!(second.join().await.unwrap(), Ok(1));
    });
}
