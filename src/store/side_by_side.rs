//! Independent reads of one page, side by side: over a remote engine each starts on a thread of
//! its own (with its own pooled connection), so the page waits for the slowest read rather than
//! for the sum of their round trips; on the embedded store each runs at once, in order.

use super::Backend;
use crate::error::{Error, Result};
use std::thread::{Scope, ScopedJoinHandle};

/// A read that [`Backend::start`] began; [`Pending::wait`] gives its answer.
pub enum Pending<'scope, T> {
    Done(Result<T>),
    Running(ScopedJoinHandle<'scope, Result<T>>),
}

impl<T> Pending<'_, T> {
    pub fn wait(self) -> Result<T> {
        match self {
            Pending::Done(answer) => answer,
            Pending::Running(handle) => handle.join().unwrap_or_else(|_| {
                Err(Error::Engine(
                    "a read of the page stopped unexpectedly".into(),
                ))
            }),
        }
    }
}

impl Backend {
    /// Starts `read` within `scope`: on a thread when the data is in a remote engine, at once
    /// otherwise (the embedded store's work is CPU, which the other requests keep busy).
    pub fn start<'scope, T: Send + 'scope>(
        &self,
        scope: &'scope Scope<'scope, '_>,
        read: impl FnOnce() -> Result<T> + Send + 'scope,
    ) -> Pending<'scope, T> {
        if self.remote().is_some() {
            Pending::Running(scope.spawn(read))
        } else {
            Pending::Done(read())
        }
    }
}
