//! Model-based tests: random sequences of non-waiting queue operations against a plain
//! `VecDeque` / `Vec` / stable-heap model, for each discipline, on the thread twin. Every
//! result, size and count must match the model exactly.

use std::cmp::Ordering;
use std::collections::VecDeque;

use proptest::prelude::*;
use twinsync::queue::{
    Discipline, Fifo, Lifo, Priority, QueueTwin, TaskDoneError, TryGetError, TryPutError,
};
use twinsync::wait::Blocking;

/// An item ordered by `key` alone, so the priority model can check that ties leave in
/// insertion order (`id` tells them apart).
#[derive(Debug, Clone, Copy)]
struct Item {
    key: u8,
    id: u32,
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Item {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Fifo,
    Lifo,
    Priority,
}

#[derive(Debug, Clone)]
enum Op {
    TryPut(u8),
    TryGet,
    TaskDone,
    Close,
    CloseAndDrain,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        // Few keys: many priority ties. Closing is rare, so most of a run is an open queue.
        30 => (0u8..4).prop_map(Op::TryPut),
        24 => Just(Op::TryGet),
        6 => Just(Op::TaskDone),
        1 => Just(Op::Close),
        1 => Just(Op::CloseAndDrain),
    ]
}

/// The reference: items in insertion order, and which one leaves next per discipline.
struct Model {
    kind: Kind,
    items: VecDeque<Item>,
    capacity: Option<usize>,
    closed: bool,
    unfinished: usize,
}

impl Model {
    fn pop(&mut self) -> Option<Item> {
        match self.kind {
            Kind::Fifo => self.items.pop_front(),
            Kind::Lifo => self.items.pop_back(),
            // Stable: the first (oldest) of the smallest keys.
            Kind::Priority => {
                let at = (0..self.items.len()).min_by_key(|&i| (self.items[i].key, i))?;
                self.items.remove(at)
            }
        }
    }

    fn try_put(&mut self, item: Item) -> Result<(), TryPutError<Item>> {
        if self.closed {
            Err(TryPutError::Closed(item))
        } else if self.items.len() >= self.capacity.unwrap_or(usize::MAX) {
            Err(TryPutError::Full(item))
        } else {
            self.items.push_back(item);
            self.unfinished += 1;
            Ok(())
        }
    }

    fn try_get(&mut self) -> Result<Item, TryGetError> {
        match self.pop() {
            Some(item) => Ok(item),
            None if self.closed => Err(TryGetError::Closed),
            None => Err(TryGetError::Empty),
        }
    }

    fn task_done(&mut self) -> Result<(), TaskDoneError> {
        if self.unfinished == 0 {
            return Err(TaskDoneError);
        }
        self.unfinished -= 1;
        Ok(())
    }

    fn close_and_drain(&mut self) -> Vec<Item> {
        self.closed = true;
        let mut drained = Vec::new();
        while let Some(item) = self.pop() {
            drained.push(item);
        }
        self.unfinished = self.unfinished.saturating_sub(drained.len());
        drained
    }
}

fn ids(items: &[Item]) -> Vec<(u8, u32)> {
    items.iter().map(|i| (i.key, i.id)).collect()
}

fn put_id(result: &Result<(), TryPutError<Item>>) -> Result<(), (bool, u32)> {
    result.as_ref().map(|_| ()).map_err(|err| match err {
        TryPutError::Full(item) => (false, item.id),
        TryPutError::Closed(item) => (true, item.id),
    })
}

fn run<D: Discipline<Item>>(kind: Kind, capacity: Option<usize>, ops: &[Op]) {
    let queue: QueueTwin<Item, D, Blocking> = match capacity {
        Some(n) => QueueTwin::bounded(n),
        None => QueueTwin::new(),
    };
    let mut model = Model {
        kind,
        items: VecDeque::new(),
        capacity,
        closed: false,
        unfinished: 0,
    };
    for (step, op) in ops.iter().enumerate() {
        let id = step as u32;
        match op {
            Op::TryPut(key) => {
                let item = Item { key: *key, id };
                let got = queue.try_put(item);
                let want = model.try_put(item);
                assert_eq!(put_id(&got), put_id(&want), "step {step}: {op:?}");
            }
            Op::TryGet => {
                let got = queue.try_get().map(|i| (i.key, i.id));
                let want = model.try_get().map(|i| (i.key, i.id));
                assert_eq!(got, want, "step {step}: {op:?}");
            }
            Op::TaskDone => {
                assert_eq!(queue.task_done(), model.task_done(), "step {step}: {op:?}");
            }
            Op::Close => {
                queue.close();
                model.closed = true;
            }
            Op::CloseAndDrain => {
                let got = queue.close_and_drain();
                let want = model.close_and_drain();
                assert_eq!(ids(&got), ids(&want), "step {step}: {op:?}");
            }
        }
        assert_eq!(queue.len(), model.items.len(), "len after step {step}");
        assert_eq!(queue.is_empty(), model.items.is_empty());
        assert_eq!(
            queue.is_full(),
            capacity.is_some_and(|n| model.items.len() >= n),
            "is_full after step {step}"
        );
        assert_eq!(queue.is_closed(), model.closed);
        assert_eq!(
            queue.unfinished_tasks(),
            model.unfinished,
            "after step {step}"
        );
    }
    // Whatever is left comes out in the model's order.
    assert_eq!(ids(&queue.close_and_drain()), ids(&model.close_and_drain()));
}

fn capacity() -> impl Strategy<Value = Option<usize>> {
    prop_oneof![Just(None), (1usize..6).prop_map(Some)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn fifo_matches_a_vecdeque(cap in capacity(), ops in prop::collection::vec(op(), 0..80)) {
        run::<Fifo>(Kind::Fifo, cap, &ops);
    }

    #[test]
    fn lifo_matches_a_vec(cap in capacity(), ops in prop::collection::vec(op(), 0..80)) {
        run::<Lifo>(Kind::Lifo, cap, &ops);
    }

    #[test]
    fn priority_matches_a_stable_heap(cap in capacity(), ops in prop::collection::vec(op(), 0..80)) {
        run::<Priority>(Kind::Priority, cap, &ops);
    }
}
