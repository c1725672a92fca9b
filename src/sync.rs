//! The building blocks the hand-written state machines are made of — atomics, the short lock,
//! the thread parker, thread-local slots, the spin hint — in one place, so that building with
//! `RUSTFLAGS="--cfg loom"` swaps every one of them for loom's model-checked twin and the same
//! code runs under loom (`tests/loom.rs`), as tokio's `src/loom/` and async-lock's `mod sync`
//! do. event-listener switches itself on the same `cfg`.
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

#[cfg(not(loom))]
pub(crate) use parking_lot::Mutex;
#[cfg(not(loom))]
pub(crate) use std::hint::spin_loop;
#[cfg(not(loom))]
pub(crate) use std::sync::{Arc, atomic};
#[cfg(not(loom))]
pub(crate) use std::thread;

#[cfg(loom)]
pub(crate) use loom::hint::spin_loop;
#[cfg(loom)]
pub(crate) use loom::sync::{Arc, atomic};
#[cfg(loom)]
pub(crate) use loom_impl::{Mutex, thread};

/// The time now: `Instant::now()`, or under loom one instant that never moves.
#[cfg(not(loom))]
#[inline]
pub(crate) fn now() -> std::time::Instant {
    std::time::Instant::now()
}

#[cfg(loom)]
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

/// `thread_local!` of `std`, or of loom under `--cfg loom` (loom runs its threads on one OS
/// thread, so a `std` slot would be shared by all of them).
macro_rules! thread_local_slot {
    ($($(#[$attr:meta])* static $name:ident: $t:ty = const { $init:expr };)+) => {
        #[cfg(not(loom))]
        ::std::thread_local! { $($(#[$attr])* static $name: $t = const { $init };)+ }
        #[cfg(loom)]
        ::loom::thread_local! { $($(#[$attr])* static $name: $t = $init;)+ }
    };
    ($($(#[$attr:meta])* static $name:ident: $t:ty = $init:expr;)+) => {
        #[cfg(not(loom))]
        ::std::thread_local! { $($(#[$attr])* static $name: $t = $init;)+ }
        #[cfg(loom)]
        ::loom::thread_local! { $($(#[$attr])* static $name: $t = $init;)+ }
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
