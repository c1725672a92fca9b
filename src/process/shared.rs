//! State shared between processes, as Python's `multiprocessing.Manager()` serves it: a
//! value and a lock, living in the process that made them.

use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::broker::{Cell, Request, Response, Wait};
use super::frame;
use super::remote::{Place, next_id, shared_handle};
use crate::lock::ThreadLock;

/// A value that child processes read and write in the process that made it (the *owner*),
/// as `Manager().Value` does in Python; any serde type.
///
/// `load` and `store` are each one step, so `store(load() + 1)` from several processes loses
/// updates, exactly as the threads of the race lesson do. Hold a [`Lock`] around them to make
/// the step whole. Every remote call is a round trip to the owner; an owner that has gone (or
/// dropped every handle of the value) is an error.
///
/// ```rust,standalone_crate
/// use twinsync::process::{self, Entry, Value};
///
/// fn set_to_seven(value: Value<u32>) {
///     value.store(&7).unwrap();
/// }
/// static SET: Entry<Value<u32>, ()> = Entry::new("set-to-seven", set_to_seven);
///
/// process::serve(&[&SET]);
/// let value = Value::new(&0).unwrap();
/// process::spawn(&SET, &value).unwrap().join().unwrap();
/// assert_eq!(value.load().unwrap(), 7);
/// ```
pub struct Value<T> {
    id: u64,
    place: Place<Cell>,
    value: PhantomData<fn(T) -> T>,
}

impl<T: Serialize + DeserializeOwned> Value<T> {
    /// A value, owned by this process; an error if it cannot be encoded.
    ///
    /// ```
    /// let value = twinsync::process::Value::new(&"start".to_owned()).unwrap();
    /// assert_eq!(value.load().unwrap(), "start");
    /// ```
    pub fn new(value: &T) -> io::Result<Self> {
        let cell = Mutex::new(frame::encode(value)?);
        Ok(Value::from_place(next_id(), Place::Owner(Arc::new(cell))))
    }

    /// The value now.
    ///
    /// ```
    /// let value = twinsync::process::Value::new(&1.5).unwrap();
    /// assert_eq!(value.load().unwrap(), 1.5);
    /// ```
    pub fn load(&self) -> io::Result<T> {
        let bytes = match &self.place {
            Place::Owner(cell) => cell.lock().unwrap_or_else(PoisonError::into_inner).clone(),
            Place::Remote(link) => match link.request(&Request::Load { value: self.id })? {
                Response::Value(bytes) => bytes,
                other => return Err(unexpected(other)),
            },
        };
        frame::decode(&bytes)
    }

    /// Replaces the value.
    ///
    /// ```
    /// let value = twinsync::process::Value::new(&1).unwrap();
    /// value.store(&2).unwrap();
    /// assert_eq!(value.load().unwrap(), 2);
    /// ```
    pub fn store(&self, value: &T) -> io::Result<()> {
        let bytes = frame::encode(value)?;
        match &self.place {
            Place::Owner(cell) => {
                *cell.lock().unwrap_or_else(PoisonError::into_inner) = bytes;
                Ok(())
            }
            Place::Remote(link) => match link.request(&Request::Store {
                value: self.id,
                bytes,
            })? {
                Response::Done => Ok(()),
                other => Err(unexpected(other)),
            },
        }
    }
}

/// A lock that processes share, served by the process that made it (Python's
/// `Manager().Lock()`). A child killed while it holds the lock releases it: the owner sees
/// the child's link close.
///
/// ```rust,standalone_crate
/// use twinsync::process::{self, Entry, Lock, Value};
///
/// fn add_one((lock, total): (Lock, Value<u64>)) {
///     for _ in 0..10 {
///         let _held = lock.lock().unwrap();
///         let seen = total.load().unwrap();
///         total.store(&(seen + 1)).unwrap(); // no other process between the two
///     }
/// }
/// static ADD_ONE: Entry<(Lock, Value<u64>), ()> = Entry::new("add-one", add_one);
///
/// process::serve(&[&ADD_ONE]);
/// let (lock, total) = (Lock::new(), Value::new(&0).unwrap());
/// let children: Vec<_> = (0..3)
///     .map(|_| process::spawn(&ADD_ONE, &(lock.clone(), total.clone())).unwrap())
///     .collect();
/// for child in children {
///     child.join().unwrap();
/// }
/// assert_eq!(total.load().unwrap(), 30);
/// ```
pub struct Lock {
    id: u64,
    place: Place<ThreadLock>,
}

impl Lock {
    /// A free lock, owned by this process.
    ///
    /// ```
    /// let lock = twinsync::process::Lock::new();
    /// drop(lock.lock().unwrap());
    /// ```
    pub fn new() -> Self {
        Lock::from_place(next_id(), Place::Owner(Arc::new(ThreadLock::new())))
    }

    /// Takes the lock, waiting while another process (or thread) holds it; released when the
    /// guard is dropped.
    ///
    /// ```
    /// let lock = twinsync::process::Lock::new();
    /// let held = lock.lock().unwrap();
    /// assert!(!lock.try_lock().unwrap());
    /// drop(held);
    /// ```
    pub fn lock(&self) -> io::Result<LockGuard<'_>> {
        self.acquire(Wait::Forever)?;
        Ok(LockGuard { lock: self })
    }

    /// Takes the lock if it is free now; `true` if taken (release it with
    /// [`release`](Self::release)).
    ///
    /// ```
    /// let lock = twinsync::process::Lock::new();
    /// assert!(lock.try_lock().unwrap());
    /// lock.release().unwrap();
    /// ```
    pub fn try_lock(&self) -> io::Result<bool> {
        self.acquire(Wait::No)
    }

    /// Releases the lock taken with [`try_lock`](Self::try_lock).
    ///
    /// ```
    /// let lock = twinsync::process::Lock::new();
    /// assert!(lock.release().is_err()); // not held
    /// ```
    pub fn release(&self) -> io::Result<()> {
        match &self.place {
            Place::Owner(lock) => lock
                .release()
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e)),
            Place::Remote(link) => match link.request(&Request::Release { lock: self.id })? {
                Response::Done => Ok(()),
                other => Err(unexpected(other)),
            },
        }
    }

    fn acquire(&self, wait: Wait) -> io::Result<bool> {
        match &self.place {
            Place::Owner(lock) => Ok(match wait {
                Wait::No => lock.try_acquire(),
                _ => {
                    lock.acquire();
                    true
                }
            }),
            Place::Remote(link) => match link.request(&Request::Acquire {
                lock: self.id,
                wait,
            })? {
                Response::Done => Ok(true),
                Response::TimedOut => Ok(false),
                other => Err(unexpected(other)),
            },
        }
    }
}

impl Default for Lock {
    fn default() -> Self {
        Lock::new()
    }
}

/// A held [`Lock`]; dropping it releases the lock.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        // A lost link has released it already (the owner releases a gone child's locks).
        let _ = self.lock.release();
    }
}

impl fmt::Debug for LockGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard")
            .field("lock", &self.lock.id)
            .finish()
    }
}

/// A broker answer that is not the expected one, as an error.
fn unexpected(response: Response) -> io::Error {
    match response {
        Response::Gone => io::Error::new(
            io::ErrorKind::NotConnected,
            "the object's owner no longer has it",
        ),
        Response::NotHeld => io::Error::new(io::ErrorKind::InvalidInput, "the lock is not held"),
        other => io::Error::other(format!("unexpected answer: {other:?}")),
    }
}

impl<T> Value<T> {
    fn from_place(id: u64, place: Place<Cell>) -> Self {
        Value {
            id,
            place,
            value: PhantomData,
        }
    }
}

impl Lock {
    fn from_place(id: u64, place: Place<ThreadLock>) -> Self {
        Lock { id, place }
    }
}

shared_handle!(Value<T>, Value);
shared_handle!(Lock, Lock);
