//! The three renderings of a plan, and the writer of the Ansible directory.

pub(crate) mod ansible;
mod inventory;
pub(crate) mod json;
pub(crate) mod text;
pub(crate) mod write;
mod yaml;
