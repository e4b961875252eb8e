//! The maintenance engine: strategies → plan → preflight → execute → verify → fail back.

pub mod journal;
pub mod plan;
