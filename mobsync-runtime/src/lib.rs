//! Work in progress.

pub mod registry;
pub mod task_mem;
