//! The engine's one error type.
//!
//! Each error has a kind that the TypeScript wrapper maps onto a built-in
//! JavaScript error class, so callers can tell bad syntax from bad shapes
//! from limits without parsing messages.

use std::fmt;

/// What went wrong, in the terms a caller acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Malformed input text: GraphQL grammar, or malformed JSON (`SyntaxError`).
    Syntax = 1,
    /// Well-formed input of the wrong shape or meaning (`TypeError`).
    Type = 2,
    /// A limit was exceeded, such as nesting depth (`RangeError`).
    Range = 3,
    /// Two field sets cannot be merged (`MergeConflictError`).
    MergeConflict = 4,
}

/// An engine error: a kind and a message that says what was wrong and what
/// was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The kind of error.
    pub kind: ErrorKind,
    /// A human-readable message.
    pub message: String,
}

impl Error {
    /// Creates an error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }
    /// A [`ErrorKind::Syntax`] error.
    pub fn syntax(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Syntax, message)
    }
    /// A [`ErrorKind::Type`] error.
    pub fn type_error(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Type, message)
    }
    /// A [`ErrorKind::Range`] error.
    pub fn range(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Range, message)
    }
    /// A [`ErrorKind::MergeConflict`] error.
    pub fn conflict(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::MergeConflict, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Nesting deeper than this many levels is refused, in JSON deltas, GraphQL
/// selections and GraphQL values alike. It bounds recursion (and so the
/// stack) for any input.
pub const MAX_DEPTH: usize = 128;
