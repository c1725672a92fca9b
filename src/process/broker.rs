//! The broker: the thread in the parent that serves its process queues to child processes.
//!
//! A queue lives in the process that made it. A child that was handed one connects to that
//! process's broker (a Unix socket with an abstract name on Linux, a socket file elsewhere)
//! and sends requests, one at a time, each answered before the next; each connection is
//! served by a thread of its own, which waits on the queue for it.
//!
//! An item handed to a child is acknowledged by the child once it has it. A child killed
//! before that gets nothing, and the item is put back (at the end of the queue, so a FIFO
//! queue's order changes; nothing is lost). An item a child was sending when it was killed
//! was never put.

use std::collections::HashMap;
use std::io;
use std::os::fd::AsFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::Duration;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use serde::{Deserialize, Serialize};

use super::frame;
use crate::queue::{GetTimeoutError, PutTimeoutError, ThreadQueue, TryGetError, TryPutError};

/// The queue a broker serves: bytes, each an encoded item.
pub(crate) type Shared = ThreadQueue<Vec<u8>>;

/// How long a request may wait: not at all, for a while, or until it can be served.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) enum Wait {
    No,
    For(Duration),
    Forever,
}

/// What a child asks of a queue.
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
    /// The queue no longer exists: every handle in its process was dropped.
    Gone,
}

/// How often a thread waiting for a child checks that the child is still there.
const CHECK_CLIENT: Duration = Duration::from_millis(100);

struct Broker {
    address: String,
    queues: Mutex<HashMap<u64, Weak<Shared>>>,
}

static BROKER: OnceLock<Result<Broker, String>> = OnceLock::new();

/// Registers `queue` under `id` with this process's broker (started on first use) and
/// returns the broker's address.
pub(crate) fn serve_queue(id: u64, queue: &Arc<Shared>) -> io::Result<String> {
    let broker = BROKER
        .get_or_init(|| start().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| io::Error::other(format!("the queue broker did not start: {e}")))?;
    broker
        .queues
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(id, Arc::downgrade(queue));
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
        queues: Mutex::default(),
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
        // the queue were closed); the broker goes on.
        let _ = std::thread::Builder::new()
            .name("twinsync-broker-client".to_owned())
            .spawn(move || serve_client(client));
    }
}

fn queue(id: u64) -> Option<Arc<Shared>> {
    let broker = BROKER.get()?.as_ref().ok()?;
    let queues = broker.queues.lock().unwrap_or_else(PoisonError::into_inner);
    queues.get(&id)?.upgrade()
}

/// Serves one child's requests until it hangs up.
fn serve_client(mut client: UnixStream) {
    while let Ok(Some(request)) = frame::receive::<Request>(&mut client) {
        let Some((response, taken_from)) = answer(&client, request) else {
            return; // the child went away while it waited
        };
        let sent = frame::send(&mut client, &response).is_ok();
        match (response, taken_from) {
            (Response::Item(item), Some(queue)) => {
                let acknowledged =
                    sent && matches!(frame::receive(&mut client), Ok(Some(Request::Ack)));
                if !acknowledged {
                    let _ = queue.put(item); // put back: nothing is lost
                    return;
                }
            }
            _ if !sent => return,
            _ => {}
        }
    }
}

/// The answer to `request`, with the queue an item in it was taken from; `None` if the
/// child hung up while it waited.
fn answer(client: &UnixStream, request: Request) -> Option<(Response, Option<Arc<Shared>>)> {
    let id = match &request {
        Request::Ack => return Some((Response::Done, None)),
        Request::Put { queue, .. }
        | Request::Get { queue, .. }
        | Request::Len { queue }
        | Request::Capacity { queue }
        | Request::Close { queue }
        | Request::IsClosed { queue }
        | Request::TaskDone { queue }
        | Request::Unfinished { queue }
        | Request::Join { queue, .. } => *queue,
    };
    let Some(q) = queue(id) else {
        return Some((Response::Gone, None));
    };
    let response = match request {
        Request::Put { item, wait, .. } => put(client, &q, item, wait)?,
        Request::Get { wait, .. } => return get(client, &q, wait).map(|r| (r, Some(q))),
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
        Request::Unfinished { .. } => Response::Count(q.unfinished_tasks()),
        Request::Join { wait, .. } => join(client, &q, wait)?,
        Request::Ack => Response::Done,
    };
    Some((response, None))
}

fn put(client: &UnixStream, q: &Shared, item: Vec<u8>, wait: Wait) -> Option<Response> {
    let mut item = match q.try_put(item) {
        Ok(()) => return Some(Response::Done),
        Err(TryPutError::Closed(item)) => return Some(Response::Closed(Some(item))),
        Err(TryPutError::Full(item)) => item,
    };
    let mut left = match wait {
        Wait::No => return Some(Response::Full(item)),
        Wait::For(timeout) => Some(timeout),
        Wait::Forever => None,
    };
    loop {
        let slice = left.map_or(CHECK_CLIENT, |left| left.min(CHECK_CLIENT));
        item = match q.put_timeout(item, slice) {
            Ok(()) => return Some(Response::Done),
            Err(PutTimeoutError::Closed(item)) => return Some(Response::Closed(Some(item))),
            Err(PutTimeoutError::Timeout(item)) => item,
        };
        if let Some(rest) = left.as_mut() {
            *rest = rest.saturating_sub(slice);
            if rest.is_zero() {
                return Some(Response::Full(item));
            }
        }
        if hung_up(client) {
            return None;
        }
    }
}

fn get(client: &UnixStream, q: &Shared, wait: Wait) -> Option<Response> {
    match q.try_get() {
        Ok(item) => return Some(Response::Item(item)),
        Err(TryGetError::Closed) => return Some(Response::Closed(None)),
        Err(TryGetError::Empty) => {}
    }
    let mut left = match wait {
        Wait::No => return Some(Response::Empty),
        Wait::For(timeout) => Some(timeout),
        Wait::Forever => None,
    };
    loop {
        let slice = left.map_or(CHECK_CLIENT, |left| left.min(CHECK_CLIENT));
        match q.get_timeout(slice) {
            Ok(item) => return Some(Response::Item(item)),
            Err(GetTimeoutError::Closed) => return Some(Response::Closed(None)),
            Err(GetTimeoutError::Timeout) => {}
        }
        if let Some(rest) = left.as_mut() {
            *rest = rest.saturating_sub(slice);
            if rest.is_zero() {
                return Some(Response::TimedOut);
            }
        }
        if hung_up(client) {
            return None;
        }
    }
}

fn join(client: &UnixStream, q: &Shared, wait: Wait) -> Option<Response> {
    let mut left = match wait {
        Wait::No => Some(Duration::ZERO),
        Wait::For(timeout) => Some(timeout),
        Wait::Forever => None,
    };
    loop {
        let slice = left.map_or(CHECK_CLIENT, |left| left.min(CHECK_CLIENT));
        if q.join_timeout(slice).is_ok() {
            return Some(Response::Done);
        }
        if let Some(rest) = left.as_mut() {
            *rest = rest.saturating_sub(slice);
            if rest.is_zero() {
                return Some(Response::TimedOut);
            }
        }
        if hung_up(client) {
            return None;
        }
    }
}

/// Whether the child on `client` has hung up: a client that waits for an answer sends
/// nothing, so a readable socket means it has closed.
fn hung_up(client: &UnixStream) -> bool {
    let mut fds = [PollFd::new(client.as_fd(), PollFlags::POLLIN)];
    matches!(poll(&mut fds, PollTimeout::ZERO), Ok(n) if n > 0)
}
