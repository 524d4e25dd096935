//! Collects every error of one expansion, so that all are reported at once.

use std::cell::{Cell, RefCell};
use std::fmt::Display;
use std::thread;

use quote::ToTokens;

/// An error collector that must be consumed with [`Ctxt::check`]: dropping
/// it unchecked is a bug in this crate, caught in its own tests.
pub(crate) struct Ctxt {
    errors: RefCell<Option<Vec<syn::Error>>>,
    /// Mistakes left for rustc to report on the user's own impl.
    left_to_rustc: Cell<usize>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Self {
            errors: RefCell::new(Some(Vec::new())),
            left_to_rustc: Cell::new(0),
        }
    }

    /// Records an error spanning the tokens of `object`.
    pub(crate) fn error_spanned_by<T: ToTokens, M: Display>(&self, object: T, message: M) {
        self.syn_error(syn::Error::new_spanned(object.into_token_stream(), message));
    }

    /// Records an error built elsewhere.
    pub(crate) fn syn_error(&self, error: syn::Error) {
        if let Some(errors) = self.errors.borrow_mut().as_mut() {
            errors.push(error);
        }
    }

    /// Records a mistake without a message of ours: one that rustc reports
    /// on the user's impl itself (`-> str`, `Vec<_>` in a signature), where
    /// a second error on the same token would only repeat it. What depends
    /// on the mistake is still left out of the expansion.
    pub(crate) fn left_to_rustc(&self) {
        self.left_to_rustc.set(self.left_to_rustc.get() + 1);
    }

    /// How many mistakes were recorded so far: compare before and after a
    /// check to learn whether it failed.
    pub(crate) fn error_count(&self) -> usize {
        self.errors.borrow().as_ref().map_or(0, Vec::len) + self.left_to_rustc.get()
    }

    /// Consumes the collector: `Err` when any mistake was recorded, with
    /// every error of ours combined into one (`None` when rustc reports
    /// them all).
    pub(crate) fn check(self) -> Result<(), Option<syn::Error>> {
        let errors = self.errors.borrow_mut().take().unwrap_or_default();
        let mut errors = errors.into_iter();
        let Some(mut combined) = errors.next() else {
            return match self.left_to_rustc.get() {
                0 => Ok(()),
                _ => Err(None),
            };
        };
        for error in errors {
            combined.combine(error);
        }
        Err(Some(combined))
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        assert!(
            thread::panicking() || self.errors.borrow().is_none(),
            "genserver-macros bug: Ctxt dropped without being checked"
        );
    }
}
