# healthchain: build, test, benchmark and demo the suite. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

TOOLCHAIN              := 1.86.0
CARGO_CONTRACT_VERSION := 5.0.3
# Bundles built by make build: the four contracts in deployment order, each contract's own
# library (its cold messages) after it, and the admin library they all delegate their
# admin messages to (libraries are uploaded, never instantiated).
CONTRACTS              := consent_registry consent_registry_library drug_provenance drug_provenance_library claim_settlement claim_settlement_library trial_anchoring trial_anchoring_library access_library

# substrate-contracts-node for the node tests: crates.io package contracts-node.
NODE_VERSION           := 0.42.0
# Where the node's build is kept, so that an interrupted install resumes.
NODE_TARGET_DIR        ?= $(HOME)/.cache/healthchain/node-target
# Prebuilt cargo-contract and substrate-contracts-node with a SHA256SUMS file, built from the
# same crates with the same recipes (CI machines have it beside the checkout). Used only when
# the checksums match; without it, cargo-contract is compiled and the node is `make node`'s.
PREBUILT_DIR           ?= $(abspath $(CURDIR)/../shared/bin)
# Where `make setup` puts the prebuilt node (not on PATH: only these targets use it).
PREBUILT_NODE          := $(HOME)/.cache/healthchain/bin/substrate-contracts-node
# The node binary: CONTRACTS_NODE if set, else substrate-contracts-node on PATH or in
# ~/.cargo/bin (make node), else the verified prebuilt one. Expanded when a recipe runs, so
# after `setup` has installed it.
NODE_BIN = $(or $(CONTRACTS_NODE),$(shell command -v substrate-contracts-node 2>/dev/null),$(wildcard $(HOME)/.cargo/bin/substrate-contracts-node),$(wildcard $(PREBUILT_NODE)))

# One target directory for every build; CI points it outside the checkout to keep it
# between runs (`TARGET_DIR=... make test`).
TARGET_DIR ?= $(CURDIR)/target
export CARGO_TARGET_DIR := $(TARGET_DIR)
export CARGO_TERM_COLOR ?= never
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: help setup build test fmt deps clippy unit e2e gas bench demo clean node node-packages test-node privacy

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: ## Install what a fresh machine lacks: Rust 1.86.0 (+ wasm target), cargo-contract 5.0.3, the prebuilt node if given
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
	elif scripts/prebuilt.sh $(PREBUILT_DIR) cargo-contract $(HOME)/.cargo/bin \
	     && cargo contract --version 2>/dev/null | grep -q ' $(CARGO_CONTRACT_VERSION)'; then \
	  echo "setup: cargo-contract $(CARGO_CONTRACT_VERSION) is the prebuilt one"; \
	else \
	  echo "setup: installing cargo-contract $(CARGO_CONTRACT_VERSION) from crates.io (about 11 minutes on 2 cores)"; \
	  cd /tmp && cargo install cargo-contract --version $(CARGO_CONTRACT_VERSION) --locked; \
	fi
	@if [ -n "$(CONTRACTS_NODE)" ]; then \
	  echo "setup: the node tests use CONTRACTS_NODE=$(CONTRACTS_NODE)"; \
	elif command -v substrate-contracts-node >/dev/null || [ -x $(HOME)/.cargo/bin/substrate-contracts-node ]; then \
	  echo "setup: substrate-contracts-node is installed"; \
	elif scripts/prebuilt.sh $(PREBUILT_DIR) substrate-contracts-node $(dir $(PREBUILT_NODE)) \
	     && $(PREBUILT_NODE) --version | grep -q ' $(NODE_VERSION)'; then \
	  echo "setup: substrate-contracts-node $(NODE_VERSION) is the prebuilt one"; \
	else \
	  rm -f $(PREBUILT_NODE); \
	  echo "setup: no substrate-contracts-node (no verified prebuilt one in $(PREBUILT_DIR)): make node builds it"; \
	fi

build: setup ## Build every contract bundle (.contract = wasm + metadata) into $(TARGET_DIR)/ink/<name>/
	@for c in $(CONTRACTS); do \
	  echo "build: $$c"; \
	  cargo contract build --release --quiet --manifest-path contracts/$$c/Cargo.toml || exit 1; \
	  ls -l $(TARGET_DIR)/ink/$$c/$$c.contract $(TARGET_DIR)/ink/$$c/$$c.wasm | awk '{print "  " $$5 " bytes  " $$9}'; \
	done

fmt: ## Check formatting
	cargo fmt --all -- --check

deps: ## Check that `healthchain deploy` builds without the in-process runtime (no ink_sandbox, no pallet-contracts)
	@if cargo tree -p healthchain-cli --no-default-features --features deploy -e normal --prefix none \
	    | grep -E '^(ink_sandbox|pallet-contracts|ink_e2e) ' ; then \
	  echo "deps: the deploy feature of healthchain-cli pulls in the crates above: keep them behind the demo feature" >&2; exit 1; \
	else \
	  echo "deps: healthchain-cli --features deploy has no ink_sandbox, pallet-contracts or ink_e2e"; \
	fi

# e2e-tests pulls the contracts in as `ink-as-dependency`; it is linted and tested in its
# own cargo run so that feature does not leak into the contracts' own unit tests.
clippy: ## Lint everything, warnings are errors
	cargo clippy --workspace --exclude e2e-tests --all-targets --features healthchain-cli/node-tests -- -D warnings
	cargo clippy -p e2e-tests --features e2e-tests,node-e2e --all-targets -- -D warnings

unit: ## Unit and property tests of every crate
	cargo test --workspace --exclude e2e-tests

e2e: ## End-to-end tests on ink_e2e's in-process sandbox chain
	cargo test -p e2e-tests --features e2e-tests --tests

gas: setup ## Print the sandbox gas and storage deposit of the contracts' main messages
	cargo test -p e2e-tests --features e2e-tests --test gas_report -- --nocapture --test-threads 1

test: setup ## Everything CI runs: format, lint, unit, sandbox e2e, release bundles, node tests (loudly SKIPPED without a node)
	$(MAKE) --no-print-directory fmt
	$(MAKE) --no-print-directory deps
	$(MAKE) --no-print-directory clippy
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory e2e
	$(MAKE) --no-print-directory build
	$(MAKE) --no-print-directory privacy
	@if [ -n "$(NODE_BIN)" ]; then \
	  echo "test: substrate-contracts-node found at $(NODE_BIN): running the node tests"; \
	  $(MAKE) --no-print-directory test-node || exit 1; \
	else \
	  echo "test: !!! SKIPPED the substrate-contracts-node tests (node journey, node upgrade, healthchain deploy and verify-unit, polkadot.js smoke test):"; \
	  echo "test: !!! the node is not installed and $(PREBUILT_DIR) has no verified one."; \
	  echo "test: !!! Get it with make node (about 45 minutes), or set CONTRACTS_NODE."; \
	fi

privacy: ## The privacy check on the release bundles: no event or read puts a patient beside a clinical fact beyond docs/privacy.md's list
	HEALTHCHAIN_BUNDLES=$(TARGET_DIR)/ink cargo test -p healthchain-cli --no-default-features --test privacy -- --include-ignored

node: ## Install substrate-contracts-node 0.42.0 for the node tests (about 45 minutes on 2 cores, once)
	@if [ -n "$(NODE_BIN)" ] && "$(NODE_BIN)" --version >/dev/null 2>&1; then \
	  echo "node: $$("$(NODE_BIN)" --version) is installed at $(NODE_BIN)"; \
	else \
	  echo "node: installing substrate-contracts-node $(NODE_VERSION) (crates.io package contracts-node)."; \
	  echo "node: this takes about 45 minutes on 2 cores; an interrupted build resumes from $(NODE_TARGET_DIR)."; \
	  $(MAKE) --no-print-directory node-packages || exit 1; \
	  cd /tmp && cargo +$(TOOLCHAIN) info contracts-node@$(NODE_VERSION) >/dev/null || exit 1; \
	  src=$$(ls -d $(HOME)/.cargo/registry/src/*/contracts-node-$(NODE_VERSION) | head -1); \
	  WASM_BUILD_WORKSPACE_HINT=$$src SKIP_ROCOCO_RUNTIME_WASM_BUILD=1 SKIP_CONTRACTS_PARACHAIN_RUNTIME_WASM_BUILD=1 \
	    cargo +$(TOOLCHAIN) install contracts-node --version $(NODE_VERSION) --locked --target-dir $(NODE_TARGET_DIR); \
	fi

# The node's build needs protoc and libclang (README, "Toolchain").
node-packages:
	@missing=""; for p in protobuf-compiler clang libclang-dev; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "node: installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq $$missing; fi; \
	fi

test-node: setup ## On substrate-contracts-node: the journey, healthchain deploy and verify-unit, the polkadot.js smoke test (needs make node)
	@if [ -z "$(NODE_BIN)" ]; then \
	  echo "test-node: substrate-contracts-node is not installed and $(PREBUILT_DIR) has no verified one: run make node (about 45 minutes) or set CONTRACTS_NODE" >&2; \
	  exit 2; \
	fi
	CONTRACTS_NODE=$(NODE_BIN) cargo test -p e2e-tests --features node-e2e --tests -- on_the_node
	$(MAKE) --no-print-directory build
	CONTRACTS_NODE=$(NODE_BIN) cargo test -p healthchain-cli --features node-tests --test deploy_node
	e2e-tests/polkadot-js/run.sh $(NODE_BIN) $(TARGET_DIR)/ink

bench: setup ## Code size, gas, capacity per block and scaling against budgets, gated on substrate-contracts-node (sandbox column too): writes bench/RESULTS.md and bench/results.json
	@if [ -z "$(NODE_BIN)" ]; then \
	  echo "bench: substrate-contracts-node is not installed and $(PREBUILT_DIR) has no verified one: the budgets are measured on it. Run make node (about 45 minutes) or set CONTRACTS_NODE" >&2; \
	  exit 2; \
	fi
	@# The floor with the shared admin block first, kept as floor_admin; then the plain floor.
	cargo contract build --release --quiet --features admin --manifest-path bench/floor/Cargo.toml
	mkdir -p $(TARGET_DIR)/ink/floor_admin
	for ext in wasm json; do cp $(TARGET_DIR)/ink/floor/floor.$$ext $(TARGET_DIR)/ink/floor_admin/floor_admin.$$ext; done
	cargo contract build --release --quiet --manifest-path bench/floor/Cargo.toml
	cargo contract build --release --quiet --manifest-path bench/token/Cargo.toml
	$(MAKE) --no-print-directory build
	cargo build --release --quiet -p healthchain-cli --no-default-features
	cargo run --quiet -p healthchain-bench -- --bundles $(TARGET_DIR)/ink --cli $(TARGET_DIR)/release/healthchain --node $(NODE_BIN) --out bench

demo: setup ## The patient journey through all four contracts on an embedded chain, step by step
	cargo run --quiet -p healthchain-cli -- demo

clean: ## Remove build outputs
	cargo clean
