//! Entries: the functions a child process may run, known by name in parent and child alike.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::frame::{self, Outcome};

/// A function a child process can run, registered under a name.
///
/// A child process is the same program started again, so it cannot be handed a closure: it
/// is told the *name* of the entry to run and finds the function in the list the program
/// passes to [`serve`](super::serve). The input and the output cross between the processes
/// as serde values (postcard frames), so they can be anything serde can encode: numbers,
/// strings, vectors, your own `#[derive(Serialize, Deserialize)]` types.
///
/// ```
/// use twinsync::process::Entry;
///
/// fn square(x: u64) -> u64 {
///     x * x
/// }
///
/// static SQUARE: Entry<u64, u64> = Entry::new("square", square);
/// assert_eq!(SQUARE.name(), "square");
/// ```
pub struct Entry<In, Out> {
    name: &'static str,
    run: fn(In) -> Out,
}

impl<In, Out> Entry<In, Out> {
    /// The entry `name`, which runs `run`.
    pub const fn new(name: &'static str, run: fn(In) -> Out) -> Self {
        Entry { name, run }
    }

    /// The name the child finds it by.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl<In, Out> fmt::Debug for Entry<In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry").field("name", &self.name).finish()
    }
}

/// What a child does with an entry's encoded input: the answer it sends back. Opaque: only
/// [`serve`](super::serve) reads it.
#[derive(Debug)]
pub struct EntryRun(pub(crate) Outcome);

/// An [`Entry`] of any input and output type, as [`serve`](super::serve) lists them.
///
/// ```
/// use twinsync::process::{Entry, Registered};
///
/// static UPPER: Entry<String, String> = Entry::new("upper", |s| s.to_uppercase());
/// static LEN: Entry<String, usize> = Entry::new("len", |s| s.len());
/// let entries: [&dyn Registered; 2] = [&UPPER, &LEN];
/// assert_eq!(entries.map(|e| e.name()), ["upper", "len"]);
/// ```
pub trait Registered: Sync {
    /// The entry's name.
    fn name(&self) -> &'static str;

    /// Decodes `input`, runs the entry on it, catching a panic, and encodes what came of it.
    #[doc(hidden)]
    fn run_encoded(&self, input: &[u8]) -> EntryRun;
}

impl<In: DeserializeOwned, Out: Serialize> Registered for Entry<In, Out> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn run_encoded(&self, input: &[u8]) -> EntryRun {
        let input: In = match frame::decode(input) {
            Ok(input) => input,
            Err(e) => return EntryRun(Outcome::Undecodable(format!("its input: {e}"))),
        };
        let run = self.run;
        EntryRun(
            match panic::catch_unwind(AssertUnwindSafe(move || run(input))) {
                Ok(output) => match frame::encode(&output) {
                    Ok(bytes) => Outcome::Returned(bytes),
                    Err(e) => Outcome::Undecodable(format!("its output: {e}")),
                },
                Err(payload) => Outcome::Panicked(crate::error::panic_message(&*payload)),
            },
        )
    }
}
