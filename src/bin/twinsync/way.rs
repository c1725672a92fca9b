//! A way to run a scenario: on one of the flavours, or (for the scenarios that have that form)
//! as child processes.

use std::fmt;

use twinsync::FlavorKind;

use crate::catalogue::Entry;

/// Threads, a tokio flavour, or processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    Flavor(FlavorKind),
    Processes,
}

impl Way {
    /// Its name on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Way::Flavor(kind) => kind.name(),
            Way::Processes => "processes",
        }
    }

    /// The way named `name`.
    pub fn parse(name: &str) -> Result<Way, String> {
        match name {
            "processes" => Ok(Way::Processes),
            flavor => flavor
                .parse()
                .map(Way::Flavor)
                .map_err(|err: twinsync::UnknownFlavor| err.to_string()),
        }
    }

    /// Every way `entry` runs: each flavour, then processes if it has that form.
    pub fn all_for(entry: &Entry) -> Vec<Way> {
        let flavors = FlavorKind::ALL.iter().map(|&kind| Way::Flavor(kind));
        let processes = entry.processes.map(|_| Way::Processes);
        flavors.chain(processes).collect()
    }

    /// Every way's name.
    pub fn names() -> impl Iterator<Item = &'static str> {
        FlavorKind::ALL
            .iter()
            .map(|kind| kind.name())
            .chain(["processes"])
    }
}

impl fmt::Display for Way {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}
