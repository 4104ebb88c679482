//! Shared by the hardening tests (`hostile_inputs`, `fault_soak`, `crash_safety`, `secrets`) and
//! `sandbox`: peak-memory measurement, and every API configured in code against an in-process
//! sandbox.
//! Not every test file uses every item.
#![allow(dead_code)]

pub mod cloud;
pub mod memory;
