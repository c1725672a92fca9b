//! # twinsync: every classic threading primitive, as twins
//!
//! Each primitive of Python's `threading` world exists here twice, behind one shared trait:
//!
//! - a **thread twin** that runs on real OS threads and blocks them while it waits, and
//! - a **task twin** that runs on tokio tasks and yields to the scheduler while it waits.
//!
//! A [`Flavor`] names one twin of every primitive (`F::Mutex<T>`, …) and decides what a unit of
//! concurrency is, so code written once as `async fn scenario<F: Flavor>(f: F)` runs as OS
//! threads or as coroutines, and the two runs can be compared side by side.
//!
//! ```
//! use std::sync::Arc;
//! use twinsync::{Flavor, JoinHandle, Mutex, Threads};
//!
//! // Written once, generic over the flavour: four units add to one counter under a lock.
//! async fn count<F: Flavor>(f: F) -> u32 {
//!     let counter = Arc::new(F::Mutex::new(0));
//!     let units: Vec<_> = (1..=4)
//!         .map(|i| {
//!             let counter = Arc::clone(&counter);
//!             f.spawn(format!("adder-{i}"), async move {
//!                 for _ in 0..100 {
//!                     *counter.lock().await += 1;
//!                 }
//!             })
//!         })
//!         .collect();
//!     for unit in units {
//!         unit.join().await.unwrap();
//!     }
//!     let total = *counter.lock().await;
//!     total
//! }
//!
//! assert_eq!(Threads::new().run(count).unwrap(), 400); // four OS threads
//! # #[cfg(feature = "tokio")]
//! assert_eq!(twinsync::Tokio::new().run(count).unwrap(), 400); // four tokio tasks
//! ```
//!
//! ## The primitives
//!
//! | Python | shared trait | thread twin | task twin |
//! |---|---|---|---|
//! | `threading.Thread(target=…).start()` | [`Flavor::spawn`] | [`Threads`]: a named `std::thread` | [`Tokio`], [`TokioLocal`]: a tokio task |
//! | `Thread.join()`, `is_alive()`; asyncio's `task.cancel()` | [`JoinHandle`] (`join` → [`JoinError`], `cancel`) | [`ThreadJoinHandle`] | [`TaskJoinHandle`] |
//! | `daemon=True` | [`Flavor::spawn_daemon`] | abandoned OS thread | dropped task |
//! | `current_thread()`, `enumerate()`, `active_count()` | [`current`], [`Flavor::units`], [`Flavor::active_count`] | | |
//! | `time.sleep` | [`Flavor::sleep`] | the unit's executor parks the thread | `tokio::time::sleep` |
//! | `asyncio.wait_for`, `asyncio.timeout` | [`Flavor::timeout`] | a timer on the unit's executor | a tokio timer |
//! | `threading.Lock` (`with lock:`, data inside) | [`Mutex`] | [`mutex::ThreadMutex`] | [`mutex::TaskMutex`] |
//! | `threading.Lock` (`acquire()` … `release()`) | [`Lock`] | [`lock::ThreadLock`] | [`lock::TaskLock`] |
//! | `threading.RLock` | [`ReentrantMutex`] | [`reentrant::ThreadReentrantMutex`] (keyed on the thread) | [`reentrant::TaskReentrantMutex`] (keyed on the task) |
//! | `threading.Semaphore`, `BoundedSemaphore` | [`Semaphore`] (`new`, `bounded`) | [`semaphore::ThreadSemaphore`] | [`semaphore::TaskSemaphore`] |
//! | `queue.Queue`, `LifoQueue`, `PriorityQueue` (+ `task_done`/`join`, `shutdown`) | [`Queue`] (`F::Queue<T, Fifo \| Lifo \| Priority>`) | [`queue::ThreadQueue`], [`queue::ThreadLifoQueue`], [`queue::ThreadPriorityQueue`] | [`queue::TaskQueue`], [`queue::TaskLifoQueue`], [`queue::TaskPriorityQueue`] |
//! | `threading.Event` | [`Event`] | [`event::ThreadEvent`] | [`event::TaskEvent`] |
//! | `threading.Condition` | [`Condition`] | [`condition::ThreadCondition`] | [`condition::TaskCondition`] |
//! | `threading.Barrier` | [`Barrier`] | [`barrier::ThreadBarrier`] | [`barrier::TaskBarrier`] |
//! | `threading.Timer` | [`Timer`] (one generic type) | `Timer<Threads, _>`: a sleeping OS thread | `Timer<Tokio, _>`: a task on a tokio timer |
//! | `threading.local`, `contextvars.ContextVar` | [`Local`] (one type) | a value per OS thread | a value per task, following it across worker threads |
//!
//! Every waiting operation comes in three forms, as Python's `acquire(blocking, timeout)`: wait
//! (`lock`, `acquire`, `wait`), try (`try_lock`, never waits) and deadline (`lock_timeout`, …,
//! giving [`Timeout`]). The thread twins also have plain blocking inherent methods of the same
//! names, for code with no async at all; generic code reaches the trait's futures. Every
//! primitive is one state machine, generic over a [`wait::Waiter`]; the twins differ only in how
//! they wait, and the waiting protocol is written once, in [`wait`].
//!
//! ## One code, one answer
//!
//! No twinsync future blocks inside `poll`, on any flavour. A [`Threads`] unit is a real OS
//! thread running its own one-unit executor ([`block_on`]): when its future must wait, the
//! thread twin spins briefly and returns `Pending`, and the executor parks the OS thread until a
//! waker or the unit's earliest deadline wakes it. So `select!`, `join!`, [`Flavor::timeout`]
//! and [`JoinHandle::cancel`] behave the same on threads and on coroutines, and every wait is
//! cancellation-safe: a dropped wait loses no item, permit, notification or lock hold. Code that
//! blocks by other means (a std lock, a CPU loop) cannot be cancelled until its next twinsync
//! wait, as in Python and Java.
//!
//! ## Processes
//!
//! Python's `multiprocessing` is the third way to run a unit, and not a flavour: processes
//! share no memory, so a child cannot be handed a future or a closure. [`process`] (Unix)
//! starts a registered function in the program started again, with serde values in and out,
//! and shares a [`process::Queue`] between processes.
//!
//! ## Choosing a flavour
//!
//! - [`Threads`] when the work blocks (CPU-bound loops, blocking I/O, FFI) and the number of
//!   units is modest (hundreds, not hundreds of thousands): every unit costs an OS thread and its
//!   stack, and every wake-up across cores is a trip through the kernel.
//! - [`Tokio`] when there are many units that mostly wait (network I/O, timers): a task costs a
//!   few hundred bytes and a switch about a microsecond or less, and the worker threads
//!   still use every core.
//! - [`TokioLocal`] to see coroutines as Python's asyncio has them: one OS thread, switches only
//!   at `.await`; CPU-bound work gets no parallelism at all.
//!
//! ## What twinsync is not
//!
//! twinsync makes the comparison of the two worlds honest and cheap to run; it is not a new
//! async runtime. Its primitives are its own state machines on atomics, short `parking_lot`
//! locks and `event-listener`, and the task twins run on tokio; if you need only one world and
//! none of Python's names, `parking_lot`, `async-lock`, `tokio::sync` or `crossbeam` serve you
//! directly.
//!
//! ## Features
//!
//! - `tokio` (default): the tokio flavours and the task twins.
//! - `deadlock` (default): deadlock detection ([`deadlock`]).
//! - `process` (default, Unix): child processes ([`process`]).
//! - `runner` (default): the `twinsync` binary that runs the paired examples. Library users can
//!   turn it off with `default-features = false, features = ["tokio"]`.
#![deny(missing_docs, missing_debug_implementations, rust_2018_idioms)]
// One module holds `unsafe` (the mutex's value cell, with its SAFETY argument); it allows it.
#![deny(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// The docs set each thread twin beside its task twin, and name the process module. Without the
// `tokio` or `process` feature those do not exist, so the links render as plain text; the
// default build checks every link.
#![cfg_attr(
    not(all(feature = "tokio", feature = "process", unix)),
    allow(rustdoc::broken_intra_doc_links)
)]

pub mod barrier;
pub mod condition;
pub mod deadlock;
pub mod error;
pub mod event;
pub mod flavor;
pub mod local;
pub mod lock;
#[cfg(all(test, loom))]
mod loom_models;
pub mod mutex;
mod policy;
pub mod pool;
#[cfg(all(unix, feature = "process"))]
#[cfg_attr(docsrs, doc(cfg(all(unix, feature = "process"))))]
pub mod process;
pub mod queue;
pub mod reentrant;
#[cfg(feature = "runner")]
#[cfg_attr(docsrs, doc(cfg(feature = "runner")))]
pub mod report;
pub mod semaphore;
mod sync;
pub mod timer;
mod unit;
pub mod wait;

pub use barrier::Barrier;
pub use condition::Condition;
pub use deadlock::{Deadlock, OnDeadlock};
pub use error::{Cancelled, JoinError, NotHeld, Panicked, SpawnError, Timeout};
pub use event::Event;
pub use flavor::{
    Flavor, FlavorArgsError, FlavorKind, Job, JoinHandle, ThreadJoinHandle, Threads, UnitOptions,
    UnknownFlavor,
};
#[cfg(feature = "tokio")]
pub use flavor::{TaskJoinHandle, Tokio, TokioFlavor, TokioLocal};
pub use local::Local;
pub use lock::Lock;
pub use mutex::Mutex;
pub use policy::Policy;
pub use queue::Queue;
pub use reentrant::ReentrantMutex;
pub use semaphore::Semaphore;
pub use timer::Timer;
pub use unit::{Unit, UnitId, current};
pub use wait::block_on;

// The README's example is compiled and run as a doctest.
#[cfg(all(doctest, feature = "tokio"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

// The book's "first program" listings: two that must not compile, for the reasons the chapter
// gives, and the fix of one, which must.
#[cfg(doctest)]
#[doc = concat!("```compile_fail,E0382\n", include_str!("../book/listings/list_race.rs"), "```")]
struct ListRaceIsRejected;

#[cfg(doctest)]
#[doc = concat!("```compile_fail\n", include_str!("../book/listings/not_general_enough.rs"), "```")]
struct BorrowedOutputIsNotGeneralEnough;

#[cfg(doctest)]
#[doc = concat!("```\n", include_str!("../book/listings/owned_output.rs"), "```")]
struct OwnedOutputCompiles;
