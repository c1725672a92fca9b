//! The `Local` contract, proven once for every flavour: one value per unit, created on first
//! access, following its unit, dropped when the unit ends, and inherited by spawned units when
//! the `Local` is inheritable.
//!
//! The three flavours' copies of a test run in parallel and share the `static`s below, so every
//! check is about values this test's own units stored, never a global count.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::thread::ThreadId;
use std::time::Duration;

use twinsync::local::Local;
use twinsync::{Event, Flavor, JoinHandle, UnitId, current};

flavor_tests! {
    in_run: [
        each_unit_sees_only_its_own_value,
        the_initialiser_runs_once_per_unit_on_first_access,
        set_replaces_and_take_removes,
        values_are_dropped_when_their_unit_ends,
        the_value_follows_its_unit_across_awaits,
        sub_futures_of_one_unit_share_its_value,
        other_locals_can_be_used_inside_with,
        a_child_inherits_the_parents_value_at_spawn,
        inherited_values_are_copies,
        grandchildren_inherit_through_their_parent,
        nothing_to_inherit_means_the_initialiser,
        a_plain_local_is_not_inherited,
        a_child_spawned_inside_with_starts_from_the_initialiser,
        using_a_local_inside_its_own_with_panics,
    ],
    plain: [main_inherits_from_the_thread_calling_run],
}

/// The seeds' `threading.local()` example: every unit stores its own student here.
static STUDENT: Local<String> = Local::new(String::new);

/// Reads the student without being told which one: the point of a `Local`.
fn process_student() -> String {
    format!("Hello, {} (in {})", STUDENT.get(), current().name())
}

/// Several units set their own student, then read it back after yields and sleeps that let the
/// others run and set theirs in between.
async fn each_unit_sees_only_its_own_value<F: Flavor>(f: F) {
    let names = ["Alice", "Bob", "Carol", "Dave", "Erin"];
    let handles: Vec<_> = names
        .iter()
        .map(|&name| {
            let g = f.clone();
            f.spawn(format!("Thread-{name}"), async move {
                STUDENT.set(name.to_owned());
                let mut seen = Vec::new();
                for round in 0..20 {
                    if round % 5 == 0 {
                        g.sleep(Duration::from_millis(1)).await;
                    } else {
                        g.yield_now().await;
                    }
                    seen.push(process_student());
                }
                seen
            })
        })
        .collect();
    for (name, handle) in names.iter().zip(handles) {
        let expected = format!("Hello, {name} (in Thread-{name})");
        for line in handle.join().await.unwrap() {
            assert_eq!(line, expected);
        }
    }
    // Main never set one: it has its own, freshly initialised value.
    assert_eq!(STUDENT.get(), "");
}

/// The units in which `COUNTED`'s initialiser ran, in order.
static INITIALISED_IN: StdMutex<Vec<UnitId>> = StdMutex::new(Vec::new());

fn counted_init() -> u32 {
    INITIALISED_IN.lock().unwrap().push(current().id());
    100
}

static COUNTED: Local<u32> = Local::new(counted_init);

fn inits_in(unit: UnitId) -> usize {
    let log = INITIALISED_IN.lock().unwrap();
    log.iter().filter(|&&id| id == unit).count()
}

async fn the_initialiser_runs_once_per_unit_on_first_access<F: Flavor>(f: F) {
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let g = f.clone();
            f.spawn(format!("counter-{i}"), async move {
                let me = current().id();
                let before = inits_in(me);
                for _ in 0..10 {
                    COUNTED.with(|n| *n += 1);
                    g.yield_now().await;
                }
                (me, before, COUNTED.get())
            })
        })
        .collect();
    for handle in handles {
        let (unit, before_first_access, value) = handle.join().await.unwrap();
        assert_eq!(before_first_access, 0, "initialised before first access");
        assert_eq!(inits_in(unit), 1, "initialised more than once");
        assert_eq!(value, 110);
    }
}

static TOKEN: Local<u32> = Local::new(|| 7);

async fn set_replaces_and_take_removes<F: Flavor>(f: F) {
    let unit = f.spawn("tokens", async {
        let never_accessed = TOKEN.take();
        TOKEN.set(1);
        TOKEN.set(2);
        let after_set = TOKEN.get();
        let taken = TOKEN.take();
        let after_take = TOKEN.take(); // nothing left, and take does not initialise
        let reinitialised = TOKEN.get();
        (never_accessed, after_set, taken, after_take, reinitialised)
    });
    assert_eq!(unit.join().await.unwrap(), (None, 2, Some(2), None, 7));
}

/// Counts its drops in a counter that belongs to one test run.
struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

static TRACKED: Local<Option<Tracked>> = Local::new(|| None);

async fn values_are_dropped_when_their_unit_ends<F: Flavor>(f: F) {
    const UNITS: usize = 5;
    let drops = Arc::new(AtomicUsize::new(0));
    let replaced = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(F::Event::new());
    let handles: Vec<_> = (0..UNITS)
        .map(|i| {
            let (drops, replaced, gate) = (drops.clone(), replaced.clone(), gate.clone());
            f.spawn(format!("holder-{i}"), async move {
                TRACKED.set(Some(Tracked(replaced)));
                TRACKED.set(Some(Tracked(drops))); // drops the first value at once
                gate.wait().await;
            })
        })
        .collect();
    while replaced.load(Ordering::SeqCst) < UNITS {
        f.sleep(Duration::from_millis(1)).await;
    }
    f.sleep(Duration::from_millis(10)).await;
    assert_eq!(
        drops.load(Ordering::SeqCst),
        0,
        "dropped while its unit lives"
    );
    gate.set();
    // The handles keep their `Unit`s alive, yet the values are gone once the units are joined.
    let units: Vec<_> = handles.iter().map(|h| h.unit().clone()).collect();
    for handle in handles {
        handle.join().await.unwrap();
    }
    assert_eq!(drops.load(Ordering::SeqCst), UNITS);
    drop(units);
    assert_eq!(replaced.load(Ordering::SeqCst), UNITS, "dropped twice");
}

static HOPS: Local<(u64, Vec<ThreadId>)> = Local::new(|| (0, Vec::new()));

/// A tokio task may move to another worker at every `.await`; its value must move with it.
async fn the_value_follows_its_unit_across_awaits<F: Flavor>(f: F) {
    let handles: Vec<_> = (0..4u64)
        .map(|i| {
            let g = f.clone();
            f.spawn(format!("hopper-{i}"), async move {
                HOPS.set((i, Vec::new()));
                for round in 0..500 {
                    HOPS.with(|(mine, threads)| {
                        assert_eq!(*mine, i, "lost its value in round {round}");
                        threads.push(std::thread::current().id());
                    });
                    if round % 100 == 0 {
                        g.sleep(Duration::from_millis(1)).await;
                    } else {
                        g.yield_now().await;
                    }
                }
                let (mine, threads) = HOPS.take().unwrap();
                (mine, threads.into_iter().collect::<HashSet<_>>().len())
            })
        })
        .collect();
    // Only the multi-thread runtime can move a unit; whether it did is up to its scheduler.
    #[cfg(feature = "tokio")]
    let may_move = f.kind() == twinsync::FlavorKind::Tokio;
    #[cfg(not(feature = "tokio"))]
    let may_move = false;
    for (i, handle) in (0..).zip(handles) {
        let (mine, threads_visited) = handle.join().await.unwrap();
        assert_eq!(mine, i);
        assert!(may_move || threads_visited == 1);
    }
}

static SHARED: Local<Vec<String>> = Local::new(Vec::new);

/// Two sub-futures of one unit are that unit: what one stores, the other sees.
async fn sub_futures_of_one_unit_share_its_value<F: Flavor>(f: F) {
    let unit = f.spawn("joiner", {
        let g = f.clone();
        async move {
            // `join!` polls `first` first, so its push happens before `second` reads.
            let first = async {
                SHARED.with(|v| v.push("first".to_owned()));
                g.yield_now().await;
            };
            let second = async {
                g.yield_now().await;
                let seen = SHARED.get();
                SHARED.with(|v| v.push("second".to_owned()));
                seen
            };
            let ((), seen_by_second) = futures::join!(first, second);
            (seen_by_second, SHARED.get())
        }
    });
    let (seen_by_second, after) = unit.join().await.unwrap();
    assert_eq!(seen_by_second, ["first"]);
    assert_eq!(after, ["first", "second"]);
}

static OUTER: Local<u32> = Local::new(|| 1);
static BASE: Local<u32> = Local::new(|| 4);
static INNER: Local<u32> = Local::new(|| BASE.get() * 10); // an initialiser using a Local

async fn other_locals_can_be_used_inside_with<F: Flavor>(f: F) {
    let unit = f.spawn("nested", async {
        OUTER.with(|outer| {
            *outer += 1;
            INNER.with(|inner| *inner += *outer)
        });
        (OUTER.get(), INNER.get())
    });
    assert_eq!(unit.join().await.unwrap(), (2, 42));
}

// Inheritance.

static CLASS: Local<String> = Local::inheritable(|| "no class".to_owned());

async fn a_child_inherits_the_parents_value_at_spawn<F: Flavor>(f: F) {
    CLASS.set("3B".to_owned());
    let children: Vec<_> = (0..3)
        .map(|i| f.spawn(format!("pupil-{i}"), async { CLASS.get() }))
        .collect();
    for child in children {
        assert_eq!(child.join().await.unwrap(), "3B");
    }
}

/// A snapshot at spawn: the parent's later changes do not reach the child, the child's never
/// reach the parent.
async fn inherited_values_are_copies<F: Flavor>(f: F) {
    CLASS.set("before spawn".to_owned());
    let gate = Arc::new(F::Event::new());
    let child = {
        let gate = Arc::clone(&gate);
        f.spawn("child", async move {
            gate.wait().await; // until the parent has changed its value
            let inherited = CLASS.get();
            CLASS.set("child's own".to_owned());
            (inherited, CLASS.get())
        })
    };
    CLASS.set("after spawn".to_owned());
    gate.set();
    let (inherited, childs_own) = child.join().await.unwrap();
    assert_eq!(inherited, "before spawn");
    assert_eq!(childs_own, "child's own");
    assert_eq!(CLASS.get(), "after spawn");
}

async fn grandchildren_inherit_through_their_parent<F: Flavor>(f: F) {
    CLASS.set("from main".to_owned());
    let g = f.clone();
    let child = f.spawn("child", async move {
        let from_main = CLASS.get();
        CLASS.set("from child".to_owned());
        let grandchild = g.spawn("grandchild", async { CLASS.get() });
        (from_main, grandchild.join().await.unwrap())
    });
    let (seen_by_child, seen_by_grandchild) = child.join().await.unwrap();
    assert_eq!(seen_by_child, "from main");
    assert_eq!(seen_by_grandchild, "from child");
    assert_eq!(CLASS.get(), "from main");
}

static UNTOUCHED: Local<String> = Local::inheritable(|| "fresh".to_owned());

/// A parent that never touched an inheritable `Local` passes nothing on; the child initialises
/// its own, and doing so does not create the parent's.
async fn nothing_to_inherit_means_the_initialiser<F: Flavor>(f: F) {
    let child = f.spawn("child", async {
        let first = UNTOUCHED.get();
        UNTOUCHED.set("changed".to_owned());
        first
    });
    assert_eq!(child.join().await.unwrap(), "fresh");
    assert_eq!(UNTOUCHED.take(), None);
}

static PLAIN: Local<String> = Local::new(|| "initial".to_owned());

async fn a_plain_local_is_not_inherited<F: Flavor>(f: F) {
    PLAIN.set("parent's".to_owned());
    CLASS.set("inherited".to_owned());
    let child = f.spawn("child", async { (PLAIN.get(), CLASS.get()) });
    assert_eq!(
        child.join().await.unwrap(),
        ("initial".to_owned(), "inherited".to_owned())
    );
}

/// Documented limit: inside `with`, the value is lent to the closure, so a unit spawned there
/// cannot copy it.
async fn a_child_spawned_inside_with_starts_from_the_initialiser<F: Flavor>(f: F) {
    CLASS.set("lent out".to_owned());
    let child = CLASS.with(|_| f.spawn("child", async { CLASS.get() }));
    assert_eq!(child.join().await.unwrap(), "no class");
    assert_eq!(CLASS.get(), "lent out");
}

static REENTERED: Local<u32> = Local::new(|| 0);

async fn using_a_local_inside_its_own_with_panics<F: Flavor>(f: F) {
    let unit = f.spawn("reentrant", async {
        REENTERED.with(|_| REENTERED.get());
    });
    let err = unit.join().await.unwrap_err();
    assert!(
        err.panic_message()
            .unwrap()
            .contains("inside its own `with`"),
        "{err}"
    );
    // The panic left this unit's value usable.
    let again = f.spawn("again", async {
        let result = std::panic::catch_unwind(|| REENTERED.with(|_| REENTERED.set(5)));
        assert!(result.is_err());
        REENTERED.with(|n| *n += 1);
        REENTERED.get()
    });
    assert_eq!(again.join().await.unwrap(), 1);
}

static REQUEST: Local<u32> = Local::inheritable(|| 0);

/// `run`'s main unit is spawned by the thread that calls `run`, so it inherits from it.
fn main_inherits_from_the_thread_calling_run<F: Flavor>(f: F) {
    REQUEST.set(42); // this test's own thread: a foreign unit
    let seen = f
        .run(|f| async move {
            let child = f.spawn("child", async { REQUEST.get() });
            (REQUEST.get(), child.join().await.unwrap())
        })
        .unwrap();
    assert_eq!(seen, (42, 42));
    assert_eq!(REQUEST.get(), 42);
}

/// A plain OS thread (no flavour) has its own value through its foreign unit.
#[test]
fn foreign_threads_have_their_own_values() {
    let threads: Vec<_> = ["x", "y", "z"]
        .into_iter()
        .map(|name| {
            std::thread::spawn(move || {
                STUDENT.set(name.to_owned());
                std::thread::sleep(Duration::from_millis(5));
                STUDENT.get()
            })
        })
        .collect();
    let seen: Vec<String> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(seen, ["x", "y", "z"]);
}
