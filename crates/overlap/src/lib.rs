//! Overlap's subscription engine.
//!
//! A subscription is a *set* of fields ([`FieldSet`]); a delta is a JSON
//! *dict*. For every delta the server sends each subscriber only the overlap
//! of the two ([`intersect`]); a UI registers the union of its views'
//! subscriptions ([`merge`]); a [`Sieve`] intersects one delta with many sets
//! in one pass. The semantics are specified in `docs/engine.md`.
//!
//! Pure Rust, no dependencies, no FFI: the WebAssembly binding lives in the
//! `overlap_wasm` crate.

pub mod delta;
pub mod error;
pub mod fan_out;
pub mod field_set;
pub mod graphql;
pub mod intersect;
pub mod json;
pub mod merge;
mod out;
pub mod plan;
pub mod print;
pub mod sieve;
mod slots;
pub mod trie;
pub mod value;

pub use error::{Error, ErrorKind, MAX_DEPTH};
pub use field_set::{Field, FieldSet, IdFilter};
pub use graphql::resolve::parse_subscription;
pub use intersect::{intersect, intersect_plan, Scratch};
pub use merge::merge;
pub use plan::{Arena, Interner, Plan};
pub use print::print_subscription;
pub use sieve::{Filtered, Sieve};
pub use value::Value;
