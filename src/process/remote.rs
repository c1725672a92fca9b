//! Where a shared object's handle finds the object: in this process (its owner), or through a
//! link to the owner's broker. One place for the queue, the value and the lock.

use std::io;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use super::broker::{self, Object, Request, Response};
use super::frame;

/// A new object's id, unique in this process (which serves it under that id).
pub(crate) fn next_id() -> u64 {
    static IDS: AtomicU64 = AtomicU64::new(1);
    IDS.fetch_add(1, Relaxed)
}

/// A shared object: the object itself in its owner, a link to the owner elsewhere.
pub(crate) enum Place<T> {
    Owner(Arc<T>),
    Remote(Link),
}

impl<T> Place<T> {
    /// Another handle of the same object (a remote one gets a link of its own).
    pub(crate) fn another(&self) -> Self {
        match self {
            Place::Owner(object) => Place::Owner(Arc::clone(object)),
            Place::Remote(link) => Place::Remote(Link::new(link.address.clone())),
        }
    }

    /// `"owner"` or `"remote"`, for `Debug`.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Place::Owner(_) => "owner",
            Place::Remote(_) => "remote",
        }
    }

    /// How the handle crosses to a child: the owner serves its object from now on.
    pub(crate) fn wire(&self, id: u64, serve: impl FnOnce(&Arc<T>) -> Object) -> io::Result<Wire> {
        let address = match self {
            Place::Owner(object) => broker::serve(id, serve(object))?,
            Place::Remote(link) => link.address.clone(),
        };
        Ok(Wire { address, id })
    }
}

/// A handle as it crosses between processes: where the owner's broker listens, and which
/// object.
#[derive(Serialize, Deserialize)]
pub(crate) struct Wire {
    address: String,
    pub(crate) id: u64,
}

impl Wire {
    /// The handle's place on the side that receives it.
    pub(crate) fn place<T>(self) -> (u64, Place<T>) {
        (self.id, Place::Remote(Link::new(self.address)))
    }
}

/// A link to the owner's broker, made on first use and made again after a failure.
pub(crate) struct Link {
    address: String,
    stream: Mutex<Option<UnixStream>>,
}

impl Link {
    fn new(address: String) -> Self {
        Link {
            address,
            stream: Mutex::new(None),
        }
    }

    /// Sends `request` and returns the broker's answer (acknowledging an item it sent).
    pub(crate) fn request(&self, request: &Request) -> io::Result<Response> {
        let mut stream = self.stream.lock().unwrap_or_else(PoisonError::into_inner);
        if stream.is_none() {
            *stream = Some(broker::connect(&self.address)?);
        }
        let Some(link) = stream.as_mut() else {
            return Err(io::Error::from(io::ErrorKind::NotConnected));
        };
        let answer = frame::send(link, request).and_then(|()| {
            let response = frame::receive::<Response>(link)?
                .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
            if matches!(response, Response::Item(_)) {
                frame::send(link, &Request::Ack)?;
            }
            Ok(response)
        });
        if answer.is_err() {
            *stream = None; // the next request tries a fresh link
        }
        answer
    }
}

/// What every handle of a shared object (`$handle`, with fields `id` and `place` and a
/// constructor `from_place(id, place)`, served by its owner as `Object::$object`) has alike:
/// `Clone` (another handle; a remote one gets a link of its own), `Debug`, and `Serialize` /
/// `Deserialize`, by which a handle crosses to another process as a [`Wire`].
macro_rules! shared_handle {
    ($handle:ident $(<$t:ident>)?, $object:ident) => {
        impl$(<$t>)? Clone for $handle$(<$t>)? {
            fn clone(&self) -> Self {
                Self::from_place(self.id, self.place.another())
            }
        }

        impl$(<$t>)? std::fmt::Debug for $handle$(<$t>)? {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($handle))
                    .field("id", &self.id)
                    .field("place", &self.place.kind())
                    .finish()
            }
        }

        impl$(<$t>)? serde::Serialize for $handle$(<$t>)? {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let object = |it: &std::sync::Arc<_>| {
                    super::broker::Object::$object(std::sync::Arc::downgrade(it))
                };
                let wire = self.place.wire(self.id, object);
                serde::Serialize::serialize(&wire.map_err(serde::ser::Error::custom)?, serializer)
            }
        }

        impl<'de $(, $t)?> serde::Deserialize<'de> for $handle$(<$t>)? {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let wire: super::remote::Wire = serde::Deserialize::deserialize(deserializer)?;
                let (id, place) = wire.place();
                Ok(Self::from_place(id, place))
            }
        }
    };
}
pub(crate) use shared_handle;
