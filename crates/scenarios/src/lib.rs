//! The patient journey through the four healthchain contracts, shared by the e2e tests
//! (`e2e-tests/tests/journey.rs`) and the demo (`healthchain demo`).
//!
//! - [`recording`]: ink_e2e's sandbox, wrapped to keep the events contracts emit.
//! - [`support`]: accounts, deployment, signed steps with their events, refusals by dry run.
//! - [`journey`]: the journey itself, generic over the backend.
//! - [`measure`]: gas scenarios and scaling series, for `make bench` and the gas tests.

pub mod journey;
pub mod measure;
pub mod recording;
pub mod support;
