//! The ways the runner runs a scenario: the library's [`Way`], limited to the forms the
//! scenario has (processes only where the catalogue gives a process form).

pub use twinsync::report::Way;

use crate::catalogue::Entry;

/// Every way `entry` runs: each flavour, then processes if it has that form.
pub fn all_for(entry: &Entry) -> Vec<Way> {
    Way::all()
        .into_iter()
        .filter(|&way| way != Way::Processes || entry.processes.is_some())
        .collect()
}

/// Every way's name.
pub fn names() -> impl Iterator<Item = &'static str> {
    Way::all().into_iter().map(Way::name)
}
