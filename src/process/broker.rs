//! The broker: the thread in the owner of shared objects (queues, values, locks) that serves
//! them to child processes.
//!
//! An object lives in the process that made it. A child that was handed one connects to that
//! process's broker (a Unix socket with an abstract name on Linux, a socket file elsewhere)
//! and sends requests, one at a time, each answered before the next; each connection is
//! served by a thread of its own, which waits on the object for it, and notices meanwhile if
//! the child hangs up.
//!
//! Nothing a killed child was part of is lost or stuck. An item handed to a child is
//! acknowledged by the child once it has it; a child killed before that gets nothing, and the
//! item is put back (at the end of the queue, so a FIFO queue's order changes). An item a
//! child was sending when it was killed was never put. A lock a child held when it hung up is
//! released.

use std::collections::HashMap;
use std::io;
use std::os::fd::AsFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::Duration;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use serde::{Deserialize, Serialize};

use super::frame;
use crate::lock::ThreadLock;
use crate::queue::{GetTimeoutError, PutTimeoutError, ThreadQueue, TryGetError, TryPutError};

/// The queue a broker serves: bytes, each an encoded item.
pub(crate) type Shared = ThreadQueue<Vec<u8>>;
/// A shared value, encoded.
pub(crate) type Cell = Mutex<Vec<u8>>;

/// An object the broker serves, as long as its owner keeps a handle of it.
#[derive(Clone)]
pub(crate) enum Object {
    Queue(Weak<Shared>),
    Value(Weak<Cell>),
    Lock(Weak<ThreadLock>),
}

/// How long a request may wait: not at all, for a while, or until it can be served.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) enum Wait {
    No,
    For(Duration),
    Forever,
}

/// What a child asks of an object (by its id).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Request {
    Put {
        queue: u64,
        item: Vec<u8>,
        wait: Wait,
    },
    Get {
        queue: u64,
        wait: Wait,
    },
    /// The item of the last `Get` arrived.
    Ack,
    Len {
        queue: u64,
    },
    Capacity {
        queue: u64,
    },
    Close {
        queue: u64,
    },
    IsClosed {
        queue: u64,
    },
    TaskDone {
        queue: u64,
    },
    Unfinished {
        queue: u64,
    },
    Join {
        queue: u64,
        wait: Wait,
    },
    Load {
        value: u64,
    },
    Store {
        value: u64,
        bytes: Vec<u8>,
    },
    Acquire {
        lock: u64,
        wait: Wait,
    },
    Release {
        lock: u64,
    },
}

/// The broker's answer.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Response {
    Done,
    Item(Vec<u8>),
    /// Not put, the queue being full (or the wait over): the item back.
    Full(Vec<u8>),
    /// The queue is closed (and empty, for a get): the item back, for a put.
    Closed(Option<Vec<u8>>),
    Empty,
    TimedOut,
    Count(usize),
    Capacity(Option<usize>),
    Flag(bool),
    /// `task_done` with no unfinished task.
    TooManyDone,
    /// A value's bytes.
    Value(Vec<u8>),
    /// `Release` of a lock this child does not hold.
    NotHeld,
    /// The object no longer exists: every handle in its owner was dropped.
    Gone,
}

/// How often a thread waiting for a child checks that the child is still there.
const CHECK_CLIENT: Duration = Duration::from_millis(100);

struct Broker {
    address: String,
    objects: Mutex<HashMap<u64, Object>>,
}

static BROKER: OnceLock<Result<Broker, String>> = OnceLock::new();

/// Registers `object` under `id` with this process's broker (started on first use) and
/// returns the broker's address.
pub(crate) fn serve(id: u64, object: Object) -> io::Result<String> {
    let broker = BROKER
        .get_or_init(|| start().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| io::Error::other(format!("the broker did not start: {e}")))?;
    broker
        .objects
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(id, object);
    Ok(broker.address.clone())
}

fn start() -> io::Result<Broker> {
    let address = format!("twinsync-broker-{}", std::process::id());
    let listener = bind(&address)?;
    std::thread::Builder::new()
        .name("twinsync-broker".to_owned())
        .spawn(move || accept_all(listener))?;
    Ok(Broker {
        address,
        objects: Mutex::default(),
    })
}

/// Connects to the broker at `address`.
pub(crate) fn connect(address: &str) -> io::Result<UnixStream> {
    #[cfg(target_os = "linux")]
    {
        use std::os::linux::net::SocketAddrExt;
        let name = std::os::unix::net::SocketAddr::from_abstract_name(address.as_bytes())?;
        UnixStream::connect_addr(&name)
    }
    #[cfg(not(target_os = "linux"))]
    UnixStream::connect(std::env::temp_dir().join(address))
}

fn bind(address: &str) -> io::Result<UnixListener> {
    #[cfg(target_os = "linux")]
    {
        // An abstract name: no file to remove when the process ends.
        use std::os::linux::net::SocketAddrExt;
        let name = std::os::unix::net::SocketAddr::from_abstract_name(address.as_bytes())?;
        UnixListener::bind_addr(&name)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let path = std::env::temp_dir().join(address);
        let _ = std::fs::remove_file(&path); // a file left by an earlier process of this pid
        UnixListener::bind(path)
    }
}

fn accept_all(listener: UnixListener) {
    for client in listener.incoming().flatten() {
        // A thread the OS refuses leaves that one child unserved (its request fails as if
        // the object were gone); the broker goes on.
        let _ = std::thread::Builder::new()
            .name("twinsync-broker-client".to_owned())
            .spawn(move || Client::new(client).serve());
    }
}

/// The object `id`, if its owner still has a handle of it.
fn find(id: u64) -> Option<Object> {
    let broker = BROKER.get()?.as_ref().ok()?;
    let objects = broker
        .objects
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    objects.get(&id).cloned()
}

fn queue(id: u64) -> Option<Arc<Shared>> {
    match find(id)? {
        Object::Queue(queue) => queue.upgrade(),
        _ => None,
    }
}

fn value(id: u64) -> Option<Arc<Cell>> {
    match find(id)? {
        Object::Value(value) => value.upgrade(),
        _ => None,
    }
}

fn lock(id: u64) -> Option<Arc<ThreadLock>> {
    match find(id)? {
        Object::Lock(lock) => lock.upgrade(),
        _ => None,
    }
}

/// One child's connection, and the locks it holds.
struct Client {
    stream: UnixStream,
    held: Vec<(u64, Arc<ThreadLock>)>,
}

impl Client {
    fn new(stream: UnixStream) -> Self {
        Client {
            stream,
            held: Vec::new(),
        }
    }

    /// Serves the child's requests until it hangs up, then releases what it held.
    fn serve(mut self) {
        while let Ok(Some(request)) = frame::receive::<Request>(&mut self.stream) {
            let Some((response, taken_from)) = self.answer(request) else {
                break; // the child went away while it waited
            };
            if !self.send(response, taken_from) {
                break;
            }
        }
        for (_, lock) in self.held.drain(..) {
            let _ = lock.release();
        }
    }

    /// Sends `response`; an item in it taken from `queue` is put back unless the child
    /// acknowledges it. Whether the child is still there.
    fn send(&mut self, response: Response, queue: Option<Arc<Shared>>) -> bool {
        let sent = frame::send(&mut self.stream, &response).is_ok();
        if let (Response::Item(item), Some(queue)) = (response, queue) {
            let ack = frame::receive(&mut self.stream);
            if !(sent && matches!(ack, Ok(Some(Request::Ack)))) {
                let _ = queue.put(item); // put back: nothing is lost
                return false;
            }
        }
        sent
    }

    /// The answer to `request`, with the queue an item in it was taken from; `None` if the
    /// child hung up while it waited.
    fn answer(&mut self, request: Request) -> Option<(Response, Option<Arc<Shared>>)> {
        let gone = Some((Response::Gone, None));
        let response = match request {
            Request::Ack => Response::Done,
            Request::Load { value: id } => match value(id) {
                Some(cell) => {
                    Response::Value(cell.lock().unwrap_or_else(PoisonError::into_inner).clone())
                }
                None => return gone,
            },
            Request::Store { value: id, bytes } => match value(id) {
                Some(cell) => {
                    *cell.lock().unwrap_or_else(PoisonError::into_inner) = bytes;
                    Response::Done
                }
                None => return gone,
            },
            Request::Acquire { lock: id, wait } => {
                let Some(lock) = lock(id) else { return gone };
                let taken = self.waiting(wait, |slice| match slice {
                    None => lock.try_acquire(),
                    Some(slice) => lock.acquire_timeout(slice).is_ok(),
                })?;
                if taken {
                    self.held.push((id, lock));
                    Response::Done
                } else {
                    Response::TimedOut
                }
            }
            Request::Release { lock: id } => {
                match self.held.iter().position(|(held, _)| *held == id) {
                    Some(at) => {
                        let (_, lock) = self.held.swap_remove(at);
                        let _ = lock.release();
                        Response::Done
                    }
                    None => Response::NotHeld,
                }
            }
            Request::Get { queue: id, wait } => {
                let Some(q) = queue(id) else { return gone };
                let response = self.get(&q, wait)?;
                return Some((response, Some(q)));
            }
            Request::Put {
                queue: id,
                item,
                wait,
            } => {
                let Some(q) = queue(id) else { return gone };
                self.put(&q, item, wait)?
            }
            Request::Join { queue: id, wait } => {
                let Some(q) = queue(id) else { return gone };
                let wait = match wait {
                    Wait::No => Wait::For(Duration::ZERO),
                    wait => wait,
                };
                match self.waiting(wait, |slice| {
                    q.join_timeout(slice.unwrap_or_default()).is_ok()
                })? {
                    true => Response::Done,
                    false => Response::TimedOut,
                }
            }
            Request::Len { queue: id }
            | Request::Capacity { queue: id }
            | Request::Close { queue: id }
            | Request::IsClosed { queue: id }
            | Request::TaskDone { queue: id }
            | Request::Unfinished { queue: id } => {
                let Some(q) = queue(id) else { return gone };
                match request {
                    Request::Len { .. } => Response::Count(q.len()),
                    Request::Capacity { .. } => Response::Capacity(q.capacity()),
                    Request::Close { .. } => {
                        q.close();
                        Response::Done
                    }
                    Request::IsClosed { .. } => Response::Flag(q.is_closed()),
                    Request::TaskDone { .. } => match q.task_done() {
                        Ok(()) => Response::Done,
                        Err(_) => Response::TooManyDone,
                    },
                    _ => Response::Count(q.unfinished_tasks()),
                }
            }
        };
        Some((response, None))
    }

    fn put(&self, q: &Shared, item: Vec<u8>, wait: Wait) -> Option<Response> {
        let mut item = Some(item);
        let mut closed = false;
        let put = self.waiting(wait, |slice| {
            let Some(it) = item.take() else { return true };
            let failed = match slice {
                None => match q.try_put(it) {
                    Ok(()) => return true,
                    Err(TryPutError::Full(it)) => it,
                    Err(TryPutError::Closed(it)) => {
                        closed = true;
                        it
                    }
                },
                Some(slice) => match q.put_timeout(it, slice) {
                    Ok(()) => return true,
                    Err(PutTimeoutError::Timeout(it)) => it,
                    Err(PutTimeoutError::Closed(it)) => {
                        closed = true;
                        it
                    }
                },
            };
            item = Some(failed);
            closed // a closed queue ends the wait
        })?;
        Some(match (put, item) {
            (true, None) => Response::Done,
            (_, item) if closed => Response::Closed(item),
            (_, Some(item)) => Response::Full(item),
            (_, None) => Response::Done,
        })
    }

    fn get(&self, q: &Shared, wait: Wait) -> Option<Response> {
        let mut got = None;
        let mut closed = false;
        self.waiting(wait, |slice| {
            let item = match slice {
                None => q.try_get().map_err(|e| e == TryGetError::Closed),
                Some(slice) => q
                    .get_timeout(slice)
                    .map_err(|e| e == GetTimeoutError::Closed),
            };
            match item {
                Ok(item) => got = Some(item),
                Err(is_closed) => closed = is_closed,
            }
            got.is_some() || closed
        })?;
        Some(match (got, closed) {
            (Some(item), _) => Response::Item(item),
            (None, true) => Response::Closed(None),
            (None, false) if matches!(wait, Wait::No) => Response::Empty,
            (None, false) => Response::TimedOut,
        })
    }

    /// Tries `attempt` within `wait`, in slices, checking between them that the child is
    /// still there: `attempt(None)` once for no wait, `attempt(Some(slice))` else, until it
    /// says it is done. `None` if the child hung up; else whether an attempt was done.
    fn waiting(
        &self,
        wait: Wait,
        mut attempt: impl FnMut(Option<Duration>) -> bool,
    ) -> Option<bool> {
        let mut left = match wait {
            Wait::No => return Some(attempt(None)),
            Wait::For(timeout) => Some(timeout),
            Wait::Forever => None,
        };
        loop {
            let slice = left.map_or(CHECK_CLIENT, |left| left.min(CHECK_CLIENT));
            if attempt(Some(slice)) {
                return Some(true);
            }
            if let Some(rest) = left.as_mut() {
                *rest = rest.saturating_sub(slice);
                if rest.is_zero() {
                    return Some(false);
                }
            }
            if self.hung_up() {
                return None;
            }
        }
    }

    /// Whether the child has hung up: a child that waits for an answer sends nothing, so a
    /// readable socket means it has closed.
    fn hung_up(&self) -> bool {
        let mut fds = [PollFd::new(self.stream.as_fd(), PollFlags::POLLIN)];
        matches!(poll(&mut fds, PollTimeout::ZERO), Ok(n) if n > 0)
    }
}
