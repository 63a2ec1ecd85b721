//! End-to-end tests of the healthchain contracts live in `tests/`, behind the `e2e-tests`
//! feature: `cargo test -p e2e-tests --features e2e-tests` (or `make test`).
