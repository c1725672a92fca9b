//! What crosses between a parent and its child process: postcard-encoded messages, each
//! preceded by its length, over the one socket the two share.
//!
//! A length is checked before anything is allocated for it: a frame larger than
//! [`MAX_FRAME`] is refused with an error on both sides, never half read or allocated.

use std::io::{self, Read, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The largest frame either side sends or accepts: 256 MiB.
pub const MAX_FRAME: usize = 256 << 20;

/// The parent's first message: who the child is, and whether it runs one job and exits or
/// serves a pool's jobs until its link closes.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Start {
    pub(crate) name: String,
    pub(crate) role: Role,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Role {
    /// Run this job, answer, and exit.
    Once(Job),
    /// Take jobs, one frame each, answering each, until the link closes.
    Worker,
}

/// An entry to run, on what.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Job {
    pub(crate) entry: String,
    pub(crate) input: Vec<u8>,
}

/// The child's one answer.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Outcome {
    /// The entry returned; its output, encoded.
    Returned(Vec<u8>),
    /// The entry panicked, with this message.
    Panicked(String),
    /// No entry of that name was registered with `serve` in the child.
    Unregistered(String),
    /// The input could not be decoded as the entry's input type, or the output not encoded.
    Undecodable(String),
}

/// Writes `message` as one frame.
pub(crate) fn send<T: Serialize>(to: &mut impl Write, message: &T) -> io::Result<()> {
    let bytes = encode(message)?;
    let length = u32::try_from(bytes.len()).map_err(|_| too_large(bytes.len()))?;
    to.write_all(&length.to_le_bytes())?;
    to.write_all(&bytes)?;
    to.flush()
}

/// Reads one frame; `Ok(None)` if the other side closed before a frame began.
pub(crate) fn receive<T: DeserializeOwned>(from: &mut impl Read) -> io::Result<Option<T>> {
    let mut length = [0u8; 4];
    match from.read_exact(&mut length) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let length = u32::from_le_bytes(length) as usize;
    if length > MAX_FRAME {
        return Err(too_large(length));
    }
    let mut bytes = vec![0u8; length];
    from.read_exact(&mut bytes)?;
    decode(&bytes).map(Some)
}

/// `value` as postcard bytes, or an error if it is too large to send.
pub(crate) fn encode<T: Serialize + ?Sized>(value: &T) -> io::Result<Vec<u8>> {
    let bytes = postcard::to_stdvec(value).map_err(invalid)?;
    if bytes.len() > MAX_FRAME {
        return Err(too_large(bytes.len()));
    }
    Ok(bytes)
}

/// Postcard bytes as a `T`.
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> io::Result<T> {
    postcard::from_bytes(bytes).map_err(invalid)
}

fn invalid(error: postcard::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, error)
}

fn too_large(length: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("a frame of {length} bytes is larger than the limit of {MAX_FRAME}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_round_trips_and_a_closed_stream_is_none() {
        let mut wire = Vec::new();
        send(&mut wire, &Outcome::Panicked("boom".into())).unwrap();
        let mut reader = &wire[..];
        let back: Option<Outcome> = receive(&mut reader).unwrap();
        assert!(matches!(back, Some(Outcome::Panicked(m)) if m == "boom"));
        assert!(receive::<Outcome>(&mut reader).unwrap().is_none());
    }

    #[test]
    fn an_oversized_length_is_refused_before_allocating() {
        let wire = u32::MAX.to_le_bytes();
        let error = receive::<Outcome>(&mut &wire[..]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("larger than the limit"));
    }

    #[test]
    fn a_truncated_frame_is_an_error_not_a_message() {
        let mut wire = Vec::new();
        send(&mut wire, &Outcome::Returned(vec![1, 2, 3])).unwrap();
        wire.truncate(wire.len() - 1);
        assert!(receive::<Outcome>(&mut &wire[..]).is_err());
    }
}
