//! The rules, addresses and provisioning plan of StarlingX's `edgeworker` host personality.
//!
//! An edgeworker is a node whose operating system the platform does not install (Ubuntu,
//! Debian, CentOS, Rocky, ...) but which joins the StarlingX Kubernetes cluster as a managed
//! worker at the edge. This crate is the pure logic behind that, in the order data flows:
//!
//! 1. validation of host-add and host-update requests, exactly as sysinv answers them;
//! 2. the management address, from a pool, safely under concurrency ([`address`]);
//! 3. the DHCP (dnsmasq) reservation;
//! 4. the ordered provisioning plan that installs containerd, kubelet and kubeadm and joins
//!    the node, rendered as JSON, text and an Ansible playbook.
//!
//! Nothing here panics on any input: every failure is a value with a stable code.
#![forbid(unsafe_code)]

pub mod address;
pub mod atomic_file;
pub mod context;
pub mod dhcp;
pub mod excerpt;
pub mod host;
pub mod hostname;
pub mod json;
pub mod mac;
pub mod personality;
pub mod plan;
pub mod profile;
pub mod upgrade;
pub mod validate;
pub mod violation;

// The README's Rust example runs as a doctest, so it cannot drift from the API.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
