//! `Local`: Python's `threading.local`, storage that every unit has its own copy of, plus
//! values that a spawned unit inherits from its parent (Python's `contextvars`).
//!
//! A [`Local<T>`] is usually a `static`. Each unit that touches it sees its own `T`, created by
//! the initialiser on the unit's first access:
//!
//! | flavour | a `Local` holds one value per… |
//! |---|---|
//! | [`Threads`](crate::Threads) | OS thread: a unit *is* a thread |
//! | [`Tokio`](crate::Tokio), [`TokioLocal`](crate::TokioLocal) | task: the value follows the task from worker thread to worker thread |
//! | no flavour (a plain OS thread) | OS thread, through its foreign [`Unit`](crate::Unit) |
//!
//! The values live in the unit itself (the thing [`current`](crate::current) returns), not in
//! a `thread_local!`: a tokio task that moves to another worker thread at an `.await` keeps its
//! value, which a `thread_local!` would lose. Two sub-futures of one unit (`futures::join!`)
//! are the same unit, so they share one value.
//!
//! # Inheritance
//!
//! A `Local` made with [`Local::inheritable`] is copied into every unit spawned through
//! [`Flavor::spawn`](crate::Flavor::spawn) and its relatives: the child starts with a clone of
//! the parent's value *at the moment of the spawn*. Later changes on either side stay on that
//! side, which is what Python's `contextvars` give a task created with a copy of the current
//! context. tokio's own `task_local!` cannot do this, because tokio does not know who spawned a
//! task; twinsync owns `spawn`, so it can. [`Flavor::run`](crate::Flavor::run)'s main unit
//! inherits from the thread that calls `run`.
//!
//! A unit spawned by code running inside [`with`](Local::with) on the same inheritable `Local`
//! does not inherit that one value (it is lent to the closure at that moment) and starts from
//! the initialiser.
//!
//! # Lifetime of the values
//!
//! A unit's values are dropped when the unit ends, before a `join` of it returns. A foreign
//! thread's values are dropped when that thread exits. Dropping a `Local` that is not a `static`
//! does not reach into other units: their values of it are dropped when they end.
//!
//! # Cost
//!
//! A unit that never touches a `Local` pays nothing: its table is an empty `Vec`, and a spawn
//! looks at one flag of its parent to learn that there is nothing to inherit. An access is a
//! short, uncontended lock of the unit's table and a linear search among its locals.

use std::any::Any;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use parking_lot::Mutex;

/// Storage with one value per unit: Python's `threading.local`, and with
/// [`inheritable`](Local::inheritable) Python's `contextvars.ContextVar`. See the
/// [module docs](self).
///
/// ```
/// use twinsync::local::Local;
/// use twinsync::{Flavor, JoinHandle, Threads};
///
/// static STUDENT: Local<String> = Local::new(String::new);
///
/// async fn greet<F: Flavor>(f: F) -> Vec<String> {
///     let units: Vec<_> = ["Alice", "Bob"]
///         .into_iter()
///         .map(|name| {
///             f.spawn(format!("Thread-{name}"), async move {
///                 STUDENT.set(name.to_owned());
///                 // No argument passing: each unit finds its own student.
///                 format!("Hello, {}", STUDENT.get())
///             })
///         })
///         .collect();
///     let mut greetings = Vec::new();
///     for unit in units {
///         greetings.push(unit.join().await.unwrap());
///     }
///     greetings
/// }
///
/// assert_eq!(Threads::new().run(greet).unwrap(), ["Hello, Alice", "Hello, Bob"]);
/// # #[cfg(feature = "tokio")]
/// assert_eq!(twinsync::Tokio::new().run(greet).unwrap(), ["Hello, Alice", "Hello, Bob"]);
/// ```
pub struct Local<T> {
    /// This `Local`'s key in every unit's table; 0 until first use, then unique for the life
    /// of the process.
    key: AtomicU64,
    init: fn() -> T,
    /// How a child's copy is made: `Some(T::clone)` for an inheritable `Local`.
    inherit: Option<fn(&T) -> T>,
}

impl<T: Send + 'static> Local<T> {
    /// A `Local` whose value in each unit starts as `init()`, called on the unit's first access.
    /// Spawned units do not inherit it; see [`inheritable`](Local::inheritable) for that.
    ///
    /// ```
    /// use twinsync::local::Local;
    ///
    /// static VISITS: Local<u32> = Local::new(|| 0);
    /// VISITS.with(|n| *n += 1);
    /// assert_eq!(VISITS.with(|n| *n), 1);
    /// ```
    pub const fn new(init: fn() -> T) -> Self {
        Local {
            key: AtomicU64::new(0),
            init,
            inherit: None,
        }
    }

    /// Runs `f` with this unit's value, creating it with the initialiser first if this unit has
    /// none yet, and returns what `f` returns.
    ///
    /// # Panics
    ///
    /// If `f` (or the initialiser) uses this same `Local` again: the value is lent to `f` for
    /// the duration of the call, like a `RefCell` borrowed mutably. Other `Local`s can be used
    /// freely inside `f`.
    ///
    /// ```
    /// use twinsync::local::Local;
    ///
    /// static LOG: Local<Vec<&'static str>> = Local::new(Vec::new);
    /// LOG.with(|log| log.push("opened"));
    /// LOG.with(|log| log.push("closed"));
    /// assert_eq!(LOG.with(|log| log.len()), 2);
    /// ```
    #[track_caller]
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let unit = crate::current();
        let mut loan = unit.locals().lend(self.key());
        let value = loan.value.get_or_insert_with(|| self.store((self.init)()));
        f(Self::inner(value))
    }

    /// Replaces this unit's value with `value` (the old one, if any, is dropped).
    ///
    /// # Panics
    ///
    /// Inside [`with`](Local::with) on this same `Local`.
    ///
    /// ```
    /// use twinsync::local::Local;
    ///
    /// static NAME: Local<String> = Local::new(String::new);
    /// NAME.set("Carol".to_owned());
    /// assert_eq!(NAME.get(), "Carol");
    /// ```
    #[track_caller]
    pub fn set(&self, value: T) {
        let old = crate::current().locals().put(self.key(), self.store(value));
        // Dropped here, after the table was unlocked: a value's `Drop` may use locals too.
        drop(old);
    }

    /// Removes this unit's value and returns it, or `None` if this unit has none (the
    /// initialiser is not called). The next access creates a fresh value with the initialiser.
    ///
    /// # Panics
    ///
    /// Inside [`with`](Local::with) on this same `Local`.
    ///
    /// ```
    /// use twinsync::local::Local;
    ///
    /// static TOKEN: Local<u32> = Local::new(|| 7);
    /// assert_eq!(TOKEN.take(), None); // never accessed: nothing to take
    /// TOKEN.set(42);
    /// assert_eq!(TOKEN.take(), Some(42));
    /// assert_eq!(TOKEN.get(), 7); // created afresh
    /// ```
    #[track_caller]
    pub fn take(&self) -> Option<T> {
        let value = crate::current().locals().remove(self.key())?;
        match value.into_any().downcast::<Stored<T>>() {
            Ok(stored) => Some(stored.value),
            Err(_) => unreachable!("{KEY_INVARIANT}"),
        }
    }

    /// This `Local`'s key, assigned on first use.
    fn key(&self) -> u64 {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        match self.key.load(Relaxed) {
            0 => {
                let fresh = NEXT.fetch_add(1, Relaxed);
                match self.key.compare_exchange(0, fresh, Relaxed, Relaxed) {
                    Ok(_) => fresh,
                    Err(first) => first, // another unit assigned one first
                }
            }
            key => key,
        }
    }

    fn store(&self, value: T) -> Box<dyn Value> {
        Box::new(Stored {
            value,
            inherit: self.inherit,
        })
    }

    fn inner(value: &mut Box<dyn Value>) -> &mut T {
        match value.as_any_mut().downcast_mut::<Stored<T>>() {
            Some(stored) => &mut stored.value,
            None => unreachable!("{KEY_INVARIANT}"),
        }
    }
}

impl<T: Clone + Send + 'static> Local<T> {
    /// A `Local` that spawned units inherit: a unit spawned through the flavour starts with a
    /// clone of its parent's value as it is at the spawn (or, if the parent has none, with
    /// `init()` on first access like any `Local`). Python's `contextvars.ContextVar`.
    ///
    /// ```
    /// use twinsync::local::Local;
    /// use twinsync::{Flavor, JoinHandle, Threads};
    ///
    /// static REQUEST_ID: Local<u64> = Local::inheritable(|| 0);
    ///
    /// async fn handle<F: Flavor>(f: F) -> (u64, u64) {
    ///     REQUEST_ID.set(17);
    ///     let helper = f.spawn("helper", async {
    ///         let inherited = REQUEST_ID.get();
    ///         REQUEST_ID.set(99); // the helper's own copy
    ///         inherited
    ///     });
    ///     let seen_by_helper = helper.join().await.unwrap();
    ///     (seen_by_helper, REQUEST_ID.get())
    /// }
    ///
    /// assert_eq!(Threads::new().run(handle).unwrap(), (17, 17));
    /// ```
    pub const fn inheritable(init: fn() -> T) -> Self {
        Local {
            key: AtomicU64::new(0),
            init,
            inherit: Some(T::clone),
        }
    }

    /// A clone of this unit's value (created with the initialiser first if there is none).
    ///
    /// # Panics
    ///
    /// Inside [`with`](Local::with) on this same `Local`.
    ///
    /// ```
    /// use twinsync::local::Local;
    ///
    /// static GREETING: Local<String> = Local::new(|| "hello".to_owned());
    /// assert_eq!(GREETING.get(), "hello");
    /// ```
    #[track_caller]
    pub fn get(&self) -> T {
        self.with(|value| value.clone())
    }
}

impl<T> fmt::Debug for Local<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Local")
            .field("inheritable", &self.inherit.is_some())
            .finish_non_exhaustive()
    }
}

const KEY_INVARIANT: &str = "twinsync: a Local's key always maps to values of its own type";

/// A value in a unit's table, with its type erased.
trait Value: Send {
    /// The value as `Any`, to downcast to [`Stored<T>`].
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// The boxed value as `Any`, to downcast to [`Stored<T>`].
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
    /// Whether spawned units inherit it.
    fn is_inheritable(&self) -> bool;
    /// A child's copy, for an inheritable value. Runs user code (`T::clone`).
    fn inherit(&self) -> Option<Box<dyn Value>>;
}

/// The concrete value behind a `Box<dyn Value>`.
struct Stored<T> {
    value: T,
    inherit: Option<fn(&T) -> T>,
}

impl<T: Send + 'static> Value for Stored<T> {
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }

    fn is_inheritable(&self) -> bool {
        self.inherit.is_some()
    }

    fn inherit(&self) -> Option<Box<dyn Value>> {
        let clone = self.inherit?;
        Some(Box::new(Stored {
            value: clone(&self.value),
            inherit: self.inherit,
        }))
    }
}

/// One entry of a unit's table.
struct Slot {
    key: u64,
    /// `None` while the value is lent out (to a running `with`, or to a spawn copying it).
    value: Option<Box<dyn Value>>,
}

/// A unit's `Local` values.
///
/// Only the unit's own code touches its table (through [`current`](crate::current)), so the
/// lock is never contended; it exists because a [`Unit`](crate::Unit) is shared. User code (an
/// initialiser, `clone`, `drop`, a `with` closure) never runs while the lock is held: values are
/// lent out of the table and given back, so such code may use other `Local`s freely.
#[derive(Default)]
pub(crate) struct LocalMap {
    slots: Mutex<Vec<Slot>>,
    /// Set once any entry enters the table: a unit that ends with this clear has nothing to
    /// drop, and ends without taking the lock.
    used: AtomicBool,
    /// Set once an inheritable value enters the table: a spawn whose parent has this clear
    /// inherits nothing without taking the lock.
    may_inherit: AtomicBool,
}

impl LocalMap {
    /// Whether a child of this unit may have something to inherit (cheap; may say yes wrongly,
    /// never no wrongly).
    pub(crate) fn may_inherit(&self) -> bool {
        self.may_inherit.load(Relaxed)
    }

    /// A new table holding clones of this table's inheritable values: what a unit spawned now
    /// starts with.
    pub(crate) fn inherited(&self) -> LocalMap {
        // Lend the values out: cloning them runs user code, which must not run under the lock.
        let loans: Vec<Loan<'_>> = self
            .slots
            .lock()
            .iter_mut()
            .filter(|slot| slot.value.as_ref().is_some_and(|v| v.is_inheritable()))
            .map(|slot| Loan {
                map: self,
                key: slot.key,
                value: slot.value.take(),
            })
            .collect();
        let copies: Vec<Slot> = loans
            .iter()
            .filter_map(|loan| {
                Some(Slot {
                    key: loan.key,
                    value: Some(loan.value.as_ref()?.inherit()?),
                })
            })
            .collect();
        drop(loans); // gives the parent's values back
        LocalMap {
            used: AtomicBool::new(!copies.is_empty()),
            may_inherit: AtomicBool::new(!copies.is_empty()),
            slots: Mutex::new(copies),
        }
    }

    /// Drops every value (the unit has ended).
    pub(crate) fn clear(&self) {
        // Set by the unit's own code, which ran before its end; were it ever seen stale, the
        // values would only be dropped later, with the unit itself.
        if !self.used.load(Relaxed) {
            return;
        }
        let slots = std::mem::take(&mut *self.slots.lock());
        drop(slots); // after the unlock: a value's `Drop` may use locals too
    }

    /// Lends the value under `key` to the caller until the returned loan drops. If there is no
    /// value yet, the loan is empty and the caller fills it; an empty loan given back removes
    /// the entry again.
    #[track_caller]
    fn lend(&self, key: u64) -> Loan<'_> {
        let mut slots = self.slots.lock();
        let value = match slots.iter_mut().find(|slot| slot.key == key) {
            Some(slot) => match slot.value.take() {
                Some(value) => Some(value),
                None => {
                    drop(slots);
                    in_use();
                }
            },
            None => {
                // A placeholder, so that a nested access (in the initialiser) finds it in use.
                slots.push(Slot { key, value: None });
                self.used.store(true, Relaxed);
                None
            }
        };
        Loan {
            map: self,
            key,
            value,
        }
    }

    /// Puts `value` under `key`, returning the previous value (to be dropped by the caller).
    #[track_caller]
    fn put(&self, key: u64, value: Box<dyn Value>) -> Option<Box<dyn Value>> {
        if value.is_inheritable() {
            self.may_inherit.store(true, Relaxed);
        }
        let mut slots = self.slots.lock();
        match slots.iter_mut().find(|slot| slot.key == key) {
            Some(slot) if slot.value.is_none() => {
                drop(slots);
                in_use();
            }
            Some(slot) => slot.value.replace(value),
            None => {
                slots.push(Slot {
                    key,
                    value: Some(value),
                });
                self.used.store(true, Relaxed);
                None
            }
        }
    }

    /// Removes the value under `key`.
    #[track_caller]
    fn remove(&self, key: u64) -> Option<Box<dyn Value>> {
        let mut slots = self.slots.lock();
        let index = slots.iter().position(|slot| slot.key == key)?;
        if slots[index].value.is_none() {
            drop(slots);
            in_use();
        }
        slots.swap_remove(index).value
    }
}

/// A value lent out of a unit's table; dropping the loan (also while unwinding) gives the value
/// back.
struct Loan<'a> {
    map: &'a LocalMap,
    key: u64,
    value: Option<Box<dyn Value>>,
}

impl Drop for Loan<'_> {
    fn drop(&mut self) {
        let value = self.value.take();
        if value.as_ref().is_some_and(|v| v.is_inheritable()) {
            self.map.may_inherit.store(true, Relaxed);
        }
        let mut slots = self.map.slots.lock();
        if let Some(index) = slots.iter().position(|slot| slot.key == self.key) {
            match value {
                Some(value) => slots[index].value = Some(value),
                // An initialiser that panicked: no value after all.
                None => drop(slots.swap_remove(index)),
            }
        }
        // An entry that vanished meanwhile (the table was cleared) drops the value here, after
        // the unlock, as the guard `slots` is dropped first.
    }
}

#[cold]
#[track_caller]
fn in_use() -> ! {
    panic!("twinsync: a Local was used inside its own `with` (or its initialiser) in the same unit")
}
