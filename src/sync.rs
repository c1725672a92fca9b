//! The building blocks the hand-written state machines are made of — atomics, the short lock,
//! the thread parker, thread-local slots, the spin hint — in one place, so that building with
//! `RUSTFLAGS="--cfg loom"` swaps every one of them for loom's model-checked twin and the same
//! code runs under loom (`tests/loom.rs`), as tokio's `src/loom/` and async-lock's `mod sync`
//! do. event-listener switches itself on the same `cfg`. `RUSTFLAGS="--cfg shuttle"` swaps
//! in shuttle's instead, for randomised and PCT schedules of the task twins
//! (`tests/shuttle.rs`); what is said of loom below holds for shuttle too.
//!
//! Shared state inside the crate is held in this module's `Arc` (loom's sees the last owner's
//! drop as ordered after the other owners' last use; a `std` `Arc` would look like a race).
//! Three things stay on `std` under loom too, on purpose:
//!
//! - the `Arc`s of the public API (`Condition::with_lock` takes one) and the ones behind a
//!   `Waker`, which only a `std` `Arc` can back;
//! - `static` counters (unit ids, ticket numbers): loom objects cannot outlive one execution,
//!   and these only hand out distinct numbers.
//! - timed parking: loom has no clock, so under loom `park_timeout` parks until unparked.
//!
//! Time is read through [`now`], the one seam for a clock the checker controls: under loom it
//! stands still (a model must be deterministic, and real time passing between two replays of
//! one interleaving would steer them apart), so no deadline a model sets ever passes and the
//! barging permits' anti-starvation turn never comes.
//!
//! loom's objects have no `const` constructors, so the constructors built on them are declared
//! through [`const_fn!`]: `const fn` normally, a plain `fn` under loom.

#[cfg(not(any(loom, shuttle)))]
pub(crate) use parking_lot::Mutex;
#[cfg(not(any(loom, shuttle)))]
pub(crate) use std::hint::spin_loop;
#[cfg(not(loom))]
pub(crate) use std::sync::Arc;
#[cfg(not(any(loom, shuttle)))]
pub(crate) use std::sync::atomic;
#[cfg(not(any(loom, shuttle)))]
pub(crate) use std::thread;

#[cfg(loom)]
pub(crate) use loom::hint::spin_loop;
#[cfg(loom)]
pub(crate) use loom::sync::{Arc, atomic};
#[cfg(loom)]
pub(crate) use loom_impl::{Mutex, thread};

#[cfg(shuttle)]
pub(crate) use shuttle::hint::spin_loop;
#[cfg(shuttle)]
pub(crate) use shuttle::sync::atomic;
#[cfg(shuttle)]
pub(crate) use shuttle_impl::{Mutex, thread};

/// The atomics a waker touches. A waker may be called inside event-listener's internal lock,
/// which shuttle cannot see: under shuttle each access to its atomics is a scheduling point,
/// and a switch inside that lock would deadlock the schedule, so there these are `std`'s.
/// (loom sees event-listener's lock, so loom's are used under loom.)
#[cfg(not(shuttle))]
pub(crate) use atomic as waker_atomic;
#[cfg(shuttle)]
pub(crate) use std::sync::atomic as waker_atomic;

/// The time now: `Instant::now()`, or under loom and shuttle one instant that never moves.
#[cfg(not(any(loom, shuttle)))]
#[inline]
pub(crate) fn now() -> std::time::Instant {
    std::time::Instant::now()
}

#[cfg(any(loom, shuttle))]
pub(crate) fn now() -> std::time::Instant {
    static FROZEN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    *FROZEN.get_or_init(std::time::Instant::now)
}

/// Declares a constructor `const fn`, or a plain `fn` under loom, whose objects cannot be made
/// in a constant.
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis const fn $($rest:tt)*) => {
        #[cfg(not(loom))]
        $(#[$attr])* $vis const fn $($rest)*
        #[cfg(loom)]
        $(#[$attr])* $vis fn $($rest)*
    };
}
pub(crate) use const_fn;

/// `thread_local!` of `std`, or of loom or shuttle (both run their threads on one OS thread, so
/// a `std` slot would be shared by all of them).
macro_rules! thread_local_slot {
    ($($(#[$attr:meta])* static $name:ident: $t:ty = const { $init:expr };)+) => {
        #[cfg(not(any(loom, shuttle)))]
        ::std::thread_local! { $($(#[$attr])* static $name: $t = const { $init };)+ }
        #[cfg(loom)]
        ::loom::thread_local! { $($(#[$attr])* static $name: $t = $init;)+ }
        #[cfg(shuttle)]
        ::shuttle::thread_local! { $($(#[$attr])* static $name: $t = $init;)+ }
    };
    ($($(#[$attr:meta])* static $name:ident: $t:ty = $init:expr;)+) => {
        #[cfg(not(any(loom, shuttle)))]
        ::std::thread_local! { $($(#[$attr])* static $name: $t = $init;)+ }
        #[cfg(loom)]
        ::loom::thread_local! { $($(#[$attr])* static $name: $t = $init;)+ }
        #[cfg(shuttle)]
        ::shuttle::thread_local! { $($(#[$attr])* static $name: $t = $init;)+ }
    };
}
pub(crate) use thread_local_slot;

#[cfg(loom)]
mod loom_impl {
    pub(crate) mod thread {
        pub(crate) use loom::thread::{Thread, current, park, yield_now};

        /// loom has no clock: parks until unparked (the models use no deadlines).
        pub(crate) fn park_timeout(_: std::time::Duration) {
            park();
        }
    }

    /// A loom mutex with parking_lot's face: `lock` returns the guard (no poisoning).
    #[derive(Default, Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
            self.0
                .lock()
                .expect("a model thread panicked holding the lock")
        }
    }
}

#[cfg(shuttle)]
mod shuttle_impl {
    pub(crate) mod thread {
        use std::future::poll_fn;
        use std::task::{Poll, Waker};

        pub(crate) use shuttle::thread::yield_now;

        /// A shuttle thread, unparked through its own shuttle waker. Unlike
        /// `shuttle::thread::Thread::unpark`, waking is no scheduling point, so the executor's
        /// waker may run inside event-listener's lock (see `waker_atomic`).
        #[derive(Clone, Debug)]
        pub(crate) struct Thread {
            waker: Waker,
            id: shuttle::thread::ThreadId,
        }

        impl Thread {
            pub(crate) fn unpark(&self) {
                self.waker.wake_by_ref();
            }

            pub(crate) fn id(&self) -> shuttle::thread::ThreadId {
                self.id
            }
        }

        pub(crate) fn current() -> Thread {
            // The first poll is ready: this takes the thread's waker without switching.
            let waker = shuttle::future::block_on(poll_fn(|cx| Poll::Ready(cx.waker().clone())));
            Thread {
                waker,
                id: shuttle::thread::current().id(),
            }
        }

        /// Sleeps until the thread's waker is called (at once if it was since the last park).
        pub(crate) fn park() {
            let mut parked = false;
            shuttle::future::block_on(poll_fn(|_| {
                if std::mem::replace(&mut parked, true) {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }));
        }

        /// Time stands still under shuttle: parks until unparked.
        pub(crate) fn park_timeout(_: std::time::Duration) {
            park();
        }
    }

    /// A shuttle mutex with parking_lot's face: `lock` returns the guard (no poisoning).
    #[derive(Default, Debug)]
    pub(crate) struct Mutex<T>(shuttle::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) const fn new(value: T) -> Self {
            Mutex(shuttle::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> shuttle::sync::MutexGuard<'_, T> {
            self.0
                .lock()
                .expect("a schedule's thread panicked holding the lock")
        }
    }
}
