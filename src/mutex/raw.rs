//! The lock state machine behind [`MutexTwin`](super::MutexTwin) and
//! [`LockTwin`](crate::lock::LockTwin): a count of one permit, in either [`Policy`].
//!
//! A lock is the simplest semaphore, so it is one: the count of
//! [`semaphore::Permits`](crate::semaphore), bounded at one. Taking the lock takes the permit,
//! unlocking gives it back (a second unlock finds the count full: [`try_unlock`](RawLock::try_unlock)
//! reports it), and both policies, with their proofs, live in one place.

use crate::policy::Policy;
use crate::semaphore::{Permits, Taking};

/// A lock without data: one permit.
pub(crate) struct RawLock {
    permit: Permits,
}

impl RawLock {
    crate::sync::const_fn! {
        pub(crate) const fn new(policy: Policy) -> Self {
            RawLock {
                permit: Permits::new(1, policy),
            }
        }
    }

    pub(crate) fn policy(&self) -> Policy {
        self.permit.policy()
    }

    /// Takes the lock if that needs no waiting.
    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        self.permit.try_lock()
    }

    /// Releases the lock; only its holder calls this.
    #[inline]
    pub(crate) fn unlock(&self) {
        self.permit.unlock(true);
    }

    /// Releases the lock if it is held (by anyone: a lock without an owner, Python's `Lock`);
    /// `false` if it was not held.
    pub(crate) fn try_unlock(&self) -> bool {
        self.permit.unlock(false)
    }

    /// Whether some unit holds the lock right now; only a hint.
    #[inline]
    pub(crate) fn is_locked(&self) -> bool {
        self.permit.available() == 0
    }

    /// Taking the lock, for the waiting protocol.
    pub(crate) fn taking(&self) -> Taking<'_> {
        self.permit.taking_lock()
    }
}
