//! Wire protocols spoken by the emulator.

pub mod cbor;
pub mod doc;
pub mod json;
pub mod query;
pub mod xml;

pub use doc::Doc;
