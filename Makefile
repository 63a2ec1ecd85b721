# healthchain: build, test and (soon) demo the suite. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

TOOLCHAIN              := 1.86.0
CARGO_CONTRACT_VERSION := 5.0.3
# Contracts built into bundles, in deployment order.
CONTRACTS              := consent_registry drug_provenance claim_settlement trial_anchoring

# One target directory for every build; CI points it outside the checkout to keep it
# between runs (`TARGET_DIR=... make test`).
TARGET_DIR ?= $(CURDIR)/target
export CARGO_TARGET_DIR := $(TARGET_DIR)
export CARGO_TERM_COLOR ?= never
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: help setup build test fmt clippy unit e2e gas demo clean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: ## Install what a fresh machine lacks: Rust 1.86.0 (+ wasm target) and cargo-contract 5.0.3
	@command -v rustup >/dev/null || { echo "setup: rustup is required (https://rustup.rs)"; exit 1; }
	@if rustup component list --toolchain $(TOOLCHAIN) --installed 2>/dev/null | grep -q '^rust-src' \
	   && rustup target list --toolchain $(TOOLCHAIN) --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$$' \
	   && rustup component list --toolchain $(TOOLCHAIN) --installed 2>/dev/null | grep -q '^clippy' \
	   && rustup component list --toolchain $(TOOLCHAIN) --installed 2>/dev/null | grep -q '^rustfmt'; then \
	  echo "setup: Rust $(TOOLCHAIN) with rust-src, clippy, rustfmt and wasm32 is installed"; \
	else \
	  echo "setup: installing Rust $(TOOLCHAIN) (about 1 minute)"; \
	  rustup toolchain install $(TOOLCHAIN) --profile minimal -c rust-src -c clippy -c rustfmt -t wasm32-unknown-unknown; \
	fi
	@if cargo contract --version 2>/dev/null | grep -q ' $(CARGO_CONTRACT_VERSION)'; then \
	  echo "setup: cargo-contract $(CARGO_CONTRACT_VERSION) is installed"; \
	else \
	  echo "setup: installing cargo-contract $(CARGO_CONTRACT_VERSION) (about 11 minutes on 2 cores)"; \
	  cd /tmp && cargo install cargo-contract --version $(CARGO_CONTRACT_VERSION) --locked; \
	fi

build: setup ## Build every contract bundle (.contract = wasm + metadata) into $(TARGET_DIR)/ink/<name>/
	@for c in $(CONTRACTS); do \
	  echo "build: $$c"; \
	  cargo contract build --release --quiet --manifest-path contracts/$$c/Cargo.toml || exit 1; \
	  ls -l $(TARGET_DIR)/ink/$$c/$$c.contract $(TARGET_DIR)/ink/$$c/$$c.wasm | awk '{print "  " $$5 " bytes  " $$9}'; \
	done

fmt: ## Check formatting
	cargo fmt --all -- --check

# e2e-tests pulls the contracts in as `ink-as-dependency`; it is linted and tested in its
# own cargo run so that feature does not leak into the contracts' own unit tests.
clippy: ## Lint everything, warnings are errors
	cargo clippy --workspace --exclude e2e-tests --all-targets -- -D warnings
	cargo clippy -p e2e-tests --features e2e-tests --all-targets -- -D warnings

unit: ## Unit and property tests of every crate
	cargo test --workspace --exclude e2e-tests

e2e: ## End-to-end tests on ink_e2e's in-process sandbox chain
	cargo test -p e2e-tests --features e2e-tests --tests

gas: setup ## Print the sandbox gas and storage deposit of the contracts' main messages
	cargo test -p e2e-tests --features e2e-tests --test gas_report -- --nocapture --test-threads 1

test: setup ## Everything CI runs: format, lint, unit, sandbox e2e, release bundles
	$(MAKE) --no-print-directory fmt
	$(MAKE) --no-print-directory clippy
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory e2e
	$(MAKE) --no-print-directory build

demo: setup ## The patient journey through all four contracts on an embedded chain, step by step
	cargo run --quiet -p healthchain-cli -- demo

clean: ## Remove build outputs
	cargo clean
