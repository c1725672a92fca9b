//! loom models of the crate-internal state machines that no public API reaches without real
//! OS threads: the unit registry and a thread unit's cancel switch. The public primitives'
//! models are in `tests/loom.rs`, which says how to run both.

use std::borrow::Cow;
use std::sync::Arc;

use loom::thread;

use crate::event::ThreadEvent;
use crate::flavor::FlavorKind;
use crate::unit::Registry;
use crate::wait::{Blocking, Cancel, block_on, run_unit};

/// Units entering and leaving a registry on two threads while a third lists them and waits
/// for the registry to fall idle: every snapshot holds only live, distinct units, and the wait
/// for idle is never left asleep once the last unit has left.
#[test]
fn registry_register_unregister_versus_units_and_idle() {
    loom::model(|| {
        let registry = Registry::new(FlavorKind::Threads);
        let leavers: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|name| {
                let (unit, registration) = registry.register_here(Cow::Borrowed(name), false);
                let registry = Arc::clone(&registry);
                thread::spawn(move || {
                    let seen = registry.units();
                    assert!(
                        seen.iter().any(|u| u.id() == unit.id()),
                        "a live unit is listed"
                    );
                    drop(registration);
                })
            })
            .collect();
        let snapshot = registry.units();
        assert!(snapshot.len() <= 2);
        assert!(snapshot.windows(2).all(|w| w[0].id() < w[1].id()));
        block_on(registry.wait_idle::<Blocking>());
        assert_eq!(registry.active_count(), 0);
        for leaver in leavers {
            leaver.join().unwrap();
        }
        assert!(registry.units().is_empty());
    });
}

/// A cancel request against a thread unit that is about to park, parked, or not yet started:
/// the unit's executor always stops it at its wait (`None`), never sleeps through the request.
#[test]
fn executor_cancel_versus_park() {
    loom::model(|| {
        let cancel = Arc::new(Cancel::default());
        let never_set = Arc::new(ThreadEvent::new());
        let unit = thread::spawn({
            let (cancel, never_set) = (Arc::clone(&cancel), Arc::clone(&never_set));
            move || run_unit(crate::Event::wait(&*never_set), &cancel)
        });
        cancel.request();
        assert!(
            unit.join().unwrap().is_none(),
            "the cancelled unit ran to its end"
        );
    });
}
