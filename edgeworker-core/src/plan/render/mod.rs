//! The three renderings of a plan, and the writer of the Ansible directory.

pub(crate) mod ansible;
pub(crate) mod inventory;
pub(crate) mod json;
pub(crate) mod text;
pub(crate) mod upgrade;
pub(crate) mod write;
pub(crate) mod yaml;
