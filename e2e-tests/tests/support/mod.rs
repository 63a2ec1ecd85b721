//! The helpers of `healthchain_scenarios`, under the name the test files use (each test file
//! is its own crate and includes this module with `mod support;`).
#![allow(unused_imports)] // Each test file uses a part.

pub use healthchain_scenarios::{recording, support::*};
