//! Admin, roles, pause and upgrade: the building block every healthchain contract embeds.
//!
//! A contract keeps one [`AccessControl`] as the first field of its root storage and
//! implements [`AccessControlled`] with [`crate::admin_message`], one line per message,
//! which hands the call to the admin library (`contracts/access_library`, uploaded once
//! for the suite) by delegate call; the library runs these methods in the contract's
//! storage. The building block reads the caller itself and emits its own events, so the
//! rules (two-step admin transfer, who may grant which role, what pausing stops) live here
//! once, and their code once on chain.
//!
//! - Admin transfer is two-step (Ownable2Step): the admin proposes, the new admin accepts.
//! - Roles are a fixed, suite-wide [`Role`] enum; each contract says which roles it uses,
//!   and may name one *role manager* role (say the regulator in drug_provenance) whose
//!   holders may grant and revoke the other roles, but not the manager role itself.
//! - Pausing stops every state-changing message of the contract except these admin ones,
//!   so the admin can repair and then unpause.
//! - Changes that could move every escrow or rewrite every record (new code, a new callee)
//!   are two-step (TimelockController): the admin proposes one with an event, and may apply
//!   it no earlier than the delay fixed at construction, or cancel it. Everyone watching the
//!   events has that long to react. `apply_code` swaps the contract's code (ink!
//!   `set_code_hash`) and keeps its storage.
//! - A new version whose root storage differs comes with a *migration*: code uploaded
//!   beside it whose `#[ink(storage)]` is the old layout and whose `migrate` message
//!   ([`MIGRATE_SELECTOR`]) writes the new one (ink!'s set-code-hash-migration pattern).
//!   The proposal names both hashes, so both wait out the delay; `apply_code` runs the
//!   migration in the contract's own storage (a delegate call) and swaps the code in the
//!   same transaction, so no call ever meets half-migrated storage.

use crate::{event::emit, AccountId, Hash, Timestamp};
use ink::{
    env::DefaultEnvironment,
    prelude::vec::Vec,
    storage::{traits::ManualKey, Lazy, Mapping},
};

/// The storage key of the role members. Fixed, not derived from the contract's layout, so
/// the shared admin library (running in the contract's storage by delegate call) finds it.
pub const MEMBERS_KEY: u32 = 0x6863_726d; // "hcrm"

/// The storage key of the pending change, fixed for the same reason as [`MEMBERS_KEY`].
pub const PENDING_CHANGE_KEY: u32 = 0x6863_7063; // "hcpc"

/// The storage key of a contract's own library's code hash ([`OwnLibrary`]), fixed for the
/// same reason as [`MEMBERS_KEY`]: pausing makes the contract run that library
/// ([`AccessControl::pause`]).
pub const LIBRARY_KEY: u32 = 0x6863_6c62; // "hclb"

/// The storage key of the code a contract paused by running its library resumes with.
pub const RESUME_CODE_KEY: u32 = 0x6863_7263; // "hcrc"

/// The code hash of a contract's own library (its cold messages, the same source built
/// with `cfg(healthchain_library)`), in a cell of its own at [`LIBRARY_KEY`], which the
/// contract's constructor sets. A contract keeps it as a root field of this type.
pub type OwnLibrary = Lazy<Hash, ManualKey<LIBRARY_KEY>>;

/// The code a contract paused by running its library resumes with, while it is paused.
type ResumeCode = Lazy<Hash, ManualKey<RESUME_CODE_KEY>>;

/// The contract's own library ([`OwnLibrary`]), read from its cell: one storage access,
/// and no decoding of the root. The zero hash, where no delegate call finds code, if the
/// contract has none.
pub fn own_library() -> Hash {
    // On chain the cell is read straight from the host (`entry::read`): ink!'s
    // `Lazy::get` reads it through its static buffer with checks of its own, which every
    // call that hands itself to the library carried in its proof.
    #[cfg(target_arch = "wasm32")]
    return crate::entry::read(&LIBRARY_KEY.to_le_bytes()).unwrap_or_default();
    #[cfg(not(target_arch = "wasm32"))]
    OwnLibrary::default().get().unwrap_or_default()
}

/// The selector of a migration's `migrate` message: `#[ink(message, selector = 0x6d696772)]`
/// ("migr"), taking no argument and returning nothing. It runs once, inside `apply_code`,
/// with the contract's storage; it reads the old root and writes the new one, and traps
/// (or reverts) to refuse, which leaves the contract as it was.
pub const MIGRATE_SELECTOR: [u8; 4] = *b"migr";

/// A role an account can hold. One enum for the whole suite, so a wallet shows names, not
/// numbers; each contract accepts only the roles it uses (see [`AccessControl::new`]).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// consent_registry: may open time-boxed "break-glass" access to a patient's data.
    EmergencyResponder,
    /// drug_provenance: commissions lots (GS1 bizStep commissioning).
    Manufacturer,
    /// drug_provenance: wholesale distributor, a trading partner that ships and receives.
    Wholesaler,
    /// drug_provenance: pharmacy, the dispenser that hands a unit to a patient.
    Dispenser,
    /// drug_provenance: IoT cold-chain sensor that reports temperatures.
    Sensor,
    /// drug_provenance: regulator that registers partners, recalls and rules on suspects.
    Regulator,
    /// claim_settlement: payer that defines plans, enrols members and funds escrow.
    Insurer,
    /// claim_settlement: provider that submits claims (hospital, practice, pharmacy).
    Provider,
    /// trial_anchoring: clinical trial sponsor.
    Sponsor,
}

impl Role {
    /// Every role, in declaration order.
    pub const ALL: [Role; 9] = [
        Role::EmergencyResponder,
        Role::Manufacturer,
        Role::Wholesaler,
        Role::Dispenser,
        Role::Sensor,
        Role::Regulator,
        Role::Insurer,
        Role::Provider,
        Role::Sponsor,
    ];

    /// The role's bit in a [`RoleSet`].
    pub const fn bit(self) -> u32 {
        // At most 32 variants: the discriminant always fits the shift.
        1u32 << (self as u32)
    }
}

/// A set of roles as a bit mask: an account's roles cost one storage read.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoleSet(u32);

impl RoleSet {
    /// The empty set.
    pub const EMPTY: RoleSet = RoleSet(0);

    /// The set of the given roles.
    pub const fn of(mut roles: &[Role]) -> RoleSet {
        let mut bits = 0u32;
        // const fns cannot use iterators; a slice pattern walks the list without indexing.
        while let [first, rest @ ..] = roles {
            bits |= first.bit();
            roles = rest;
        }
        RoleSet(bits)
    }

    /// Whether `role` is in the set.
    pub const fn contains(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    /// The set with `role` added.
    pub const fn with(self, role: Role) -> RoleSet {
        RoleSet(self.0 | role.bit())
    }

    /// The set with `role` removed.
    pub const fn without(self, role: Role) -> RoleSet {
        RoleSet(self.0 & !role.bit())
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Why an admin, role or pause check refused a call.
#[ink::scale_derive(Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum AccessError {
    /// The caller is not the contract's admin.
    NotAdmin,
    /// The caller lacks the role the message needs.
    MissingRole(Role),
    /// This contract does not use that role.
    RoleNotUsed(Role),
    /// Only the admin grants or revokes the role-manager role.
    CannotManageRole(Role),
    /// The account already holds the role.
    RoleAlreadyGranted,
    /// The account does not hold the role.
    RoleNotGranted,
    /// No admin transfer is pending.
    NoPendingAdmin,
    /// The caller is not the pending admin.
    NotPendingAdmin,
    /// The contract is paused: state changes are refused until the admin unpauses.
    Paused,
    /// The contract is not paused.
    NotPaused,
    /// The chain refused the new code hash (no code uploaded under that hash).
    UpgradeFailed,
    /// A change is already pending: apply or cancel it first.
    ChangePending,
    /// No change of that kind is pending.
    NoPendingChange,
    /// The pending change's delay has not passed yet.
    ChangeNotDue,
    /// The upgrade's migration failed (no code under its hash, or it trapped or reverted):
    /// nothing changed.
    MigrationFailed,
    /// The contract has no callee of that number.
    UnknownCallee,
}

crate::encode_by_tag!(
    AccessError,
    MissingRole(Role),
    RoleNotUsed(Role),
    CannotManageRole(Role),
);

/// A change the admin may make only after the contract's change delay.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Replace the contract's code with the uploaded code `code_hash`, after running the
    /// uploaded `migration` code's `migrate` message when the root storage changes.
    Code {
        code_hash: Hash,
        migration: Option<Hash>,
    },
    /// Point the contract at another contract it calls; `callee` is the contract's own
    /// numbering of its callees, their place in its [`Callees`] (claim_settlement: 0 the
    /// consent registry, 1 drug_provenance; trial_anchoring: 0 the consent registry).
    Callee { callee: u8, address: AccountId },
}

/// A proposed change and the earliest time it may be applied.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingChange {
    pub change: Change,
    pub proposed_at: Timestamp,
    pub applies_at: Timestamp,
}

/// The admin proposed a change; it may be applied from `applies_at`.
#[ink::event]
pub struct ChangeProposed {
    pub change: Change,
    pub applies_at: Timestamp,
    pub by: AccountId,
}

/// The admin cancelled a pending change.
#[ink::event]
pub struct ChangeCancelled {
    pub change: Change,
    pub by: AccountId,
}

/// An admin transfer was proposed; it completes when `pending_admin` accepts.
#[ink::event]
pub struct AdminTransferStarted {
    pub admin: AccountId,
    pub pending_admin: AccountId,
}

/// The admin changed. (The first admin, the deployer, is named by pallet-contracts'
/// `Instantiated` event instead.)
#[ink::event]
pub struct AdminTransferred {
    pub previous_admin: Option<AccountId>,
    pub new_admin: AccountId,
}

/// `account` was given `role`.
#[ink::event]
pub struct RoleGranted {
    pub role: Role,
    pub account: AccountId,
    pub granted_by: AccountId,
}

/// `account` lost `role` (revoked by a manager, or renounced by the account itself).
#[ink::event]
pub struct RoleRevoked {
    pub role: Role,
    pub account: AccountId,
    pub revoked_by: AccountId,
}

/// The contract was paused: state changes stop until it is unpaused.
#[ink::event]
pub struct Paused {
    pub by: AccountId,
}

/// The contract was unpaused.
#[ink::event]
pub struct Unpaused {
    pub by: AccountId,
}

/// The admin pointed the contract at another contract it calls: `callee` is its number
/// (see [`Change::Callee`]).
#[ink::event]
pub struct CalleeChanged {
    pub callee: u8,
    pub previous: AccountId,
    pub new: AccountId,
}

/// The contract's code was replaced; its address and records stay, its root storage
/// rewritten by `migration` if one ran.
#[ink::event]
pub struct CodeUpgraded {
    pub code_hash: Hash,
    pub migration: Option<Hash>,
    pub by: AccountId,
}

/// The admin, roles and pause state of one contract.
///
/// Every contract keeps it as the **first field of its root storage**: the shared admin
/// library (the `access_library` contract, uploaded once for the suite) answers the admin
/// messages by delegate call, decodes this block from the front of the root, keeps the
/// rest of the root as bytes and writes both back. Its mapping and its pending-change cell
/// sit under fixed keys for the same reason.
#[ink::storage_item]
#[cfg_attr(feature = "std", derive(Debug))]
pub struct AccessControl {
    admin: AccountId,
    pending_admin: Option<AccountId>,
    paused: bool,
    roles_in_use: RoleSet,
    role_manager: Option<Role>,
    /// How long a proposed change waits before it may be applied, fixed at construction.
    change_delay: Timestamp,
    /// The code hash of the shared admin library the admin messages are delegated to.
    library: Hash,
    members: Mapping<AccountId, RoleSet, ManualKey<MEMBERS_KEY>>,
    /// In a cell of its own, outside the root: a migration rewrites the root, and the
    /// change it carries out must be gone from storage before it reads it.
    pending_change: Lazy<Option<PendingChange>, ManualKey<PENDING_CHANGE_KEY>>,
}

/// The contracts a contract calls, by number (see [`Change::Callee`]). A contract with
/// callees keeps them as the **second field of its root storage**, right after its
/// [`AccessControl`], so that the admin library finds them there and answers
/// `propose_callee` and `apply_callee` (the contract forwards both): the contracts carry
/// none of the change's code, and those without callees carry nothing at all.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callees(Vec<AccountId>);

impl Callees {
    /// The callees, numbered in this order; their number is fixed from then on.
    pub fn new(callees: Vec<AccountId>) -> Self {
        Self(callees)
    }

    /// The contracts, by number.
    pub fn as_slice(&self) -> &[AccountId] {
        &self.0
    }

    /// The contract under `number`; the zero account, where no call succeeds, if there is
    /// none (a contract's constructor sets every number it uses).
    pub fn get(&self, number: u8) -> AccountId {
        self.0
            .get(usize::from(number))
            .copied()
            .unwrap_or(AccountId::from([0; 32]))
    }

    /// Proposes pointing callee `callee` at `address` (admin only, after `access`'s change
    /// delay, with [`Self::apply`]); returns when it may be applied.
    pub fn propose(
        &self,
        access: &mut AccessControl,
        callee: u8,
        address: AccountId,
    ) -> Result<Timestamp, AccessError> {
        if usize::from(callee) >= self.0.len() {
            return Err(AccessError::UnknownCallee);
        }
        access.propose_change(Change::Callee { callee, address })
    }

    /// Applies the proposed callee change once its delay has passed (admin only), with a
    /// [`CalleeChanged`] event.
    pub fn apply(&mut self, access: &mut AccessControl) -> Result<(), AccessError> {
        let (callee, new) = match access.take_due(|c| matches!(c, Change::Callee { .. }))? {
            Change::Callee { callee, address } => (callee, address),
            Change::Code { .. } => return Err(AccessError::NoPendingChange),
        };
        let slot = self
            .0
            .get_mut(usize::from(callee))
            .ok_or(AccessError::UnknownCallee)?;
        let previous = core::mem::replace(slot, new);
        emit(CalleeChanged {
            callee,
            previous,
            new,
        });
        Ok(())
    }
}

fn caller() -> AccountId {
    ink::env::caller::<DefaultEnvironment>()
}

impl AccessControl {
    /// Creates the block with `admin`, the roles this contract uses, the optional role
    /// whose holders may grant and revoke the other roles, the delay (milliseconds)
    /// between proposing and applying a [`Change`], and the code hash of the uploaded admin
    /// library.
    ///
    /// No event of its own: the first admin is the deployer, which pallet-contracts'
    /// `Instantiated { deployer, contract }` event already names, and an event here would
    /// add about 940 bytes to every contract ([`AdminTransferred`] follows each change).
    ///
    /// On chain it locks the library's code as a delegate dependency of the contract, so
    /// nobody can remove that code while the contract relies on it; the instantiation
    /// fails (`CodeNotFound`) when no code is uploaded under `library`.
    pub fn new(
        admin: AccountId,
        roles_in_use: RoleSet,
        role_manager: Option<Role>,
        change_delay: Timestamp,
        library: Hash,
    ) -> Self {
        lock_library(library);
        Self {
            admin,
            pending_admin: None,
            paused: false,
            roles_in_use,
            role_manager,
            change_delay,
            library,
            members: Mapping::default(),
            pending_change: Lazy::default(),
        }
    }

    /// The block as a contract's own build sees it when it runs, which it does only while
    /// unpaused ([`crate::dispatch::Unpaused`]), made without reading storage: not paused,
    /// the role members under their fixed key; the admin, the delay and the admin library
    /// at defaults that build never reads (its admin messages go to its library, which
    /// reads the block).
    pub fn unpaused() -> Self {
        Self {
            admin: AccountId::from([0; 32]),
            pending_admin: None,
            paused: false,
            roles_in_use: RoleSet::EMPTY,
            role_manager: None,
            change_delay: 0,
            library: Hash::default(),
            members: Mapping::default(),
            pending_change: Lazy::default(),
        }
    }

    /// The code hash of the admin library this contract delegates its admin messages to.
    pub fn library(&self) -> Hash {
        self.library
    }

    /// Hands the current message to the admin library ([`delegate_to`]). See
    /// [`crate::admin_message`].
    #[cfg(target_arch = "wasm32")]
    pub fn delegate_to_library(&self) -> ! {
        delegate_to(self.library)
    }

    /// The delay between proposing and applying a change.
    pub fn change_delay(&self) -> Timestamp {
        self.change_delay
    }

    /// The change waiting for its delay, if any.
    pub fn pending_change(&self) -> Option<PendingChange> {
        self.pending_change.get().flatten()
    }

    /// Proposes `change` (admin only, one at a time); returns when it may be applied.
    pub fn propose_change(&mut self, change: Change) -> Result<Timestamp, AccessError> {
        let by = self.ensure_admin()?;
        if self.pending_change().is_some() {
            return Err(AccessError::ChangePending);
        }
        let proposed_at = ink::env::block_timestamp::<DefaultEnvironment>();
        let applies_at = proposed_at.saturating_add(self.change_delay);
        self.pending_change.set(&Some(PendingChange {
            change,
            proposed_at,
            applies_at,
        }));
        emit(ChangeProposed {
            change,
            applies_at,
            by,
        });
        Ok(applies_at)
    }

    /// Withdraws the pending change. Admin only.
    pub fn cancel_change(&mut self) -> Result<(), AccessError> {
        let by = self.ensure_admin()?;
        let pending = self.pending_change().ok_or(AccessError::NoPendingChange)?;
        self.pending_change.set(&None);
        emit(ChangeCancelled {
            change: pending.change,
            by,
        });
        Ok(())
    }

    /// Takes the pending change if it is `wanted`'s kind and due; admin only. The caller
    /// applies it (and emits its event).
    fn take_due(&mut self, wanted: fn(&Change) -> bool) -> Result<Change, AccessError> {
        self.ensure_admin()?;
        let pending = self
            .pending_change()
            .filter(|p| wanted(&p.change))
            .ok_or(AccessError::NoPendingChange)?;
        if ink::env::block_timestamp::<DefaultEnvironment>() < pending.applies_at {
            return Err(AccessError::ChangeNotDue);
        }
        self.pending_change.set(&None);
        Ok(pending.change)
    }

    /// The current admin.
    pub fn admin(&self) -> AccountId {
        self.admin
    }

    /// The account that may accept the admin role, if a transfer is pending.
    pub fn pending_admin(&self) -> Option<AccountId> {
        self.pending_admin
    }

    /// Whether the contract is paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Whether `account` holds `role`.
    pub fn has_role(&self, account: AccountId, role: Role) -> bool {
        self.roles_of(account).contains(role)
    }

    /// Every role `account` holds.
    pub fn roles_of(&self, account: AccountId) -> RoleSet {
        // Straight from the host: every hot message of the suite asks it.
        crate::entry::get(MEMBERS_KEY, &account).unwrap_or_default()
    }

    /// Whether `account` is the admin.
    pub fn is_admin(&self, account: AccountId) -> bool {
        account == self.admin
    }

    /// Refuses unless the contract is running.
    pub fn ensure_not_paused(&self) -> Result<(), AccessError> {
        if self.paused {
            return Err(AccessError::Paused);
        }
        Ok(())
    }

    /// Refuses unless the caller is the admin; returns the caller.
    pub fn ensure_admin(&self) -> Result<AccountId, AccessError> {
        let caller = caller();
        if !self.is_admin(caller) {
            return Err(AccessError::NotAdmin);
        }
        Ok(caller)
    }

    /// Refuses unless the caller holds `role`; returns the caller.
    pub fn ensure_role(&self, role: Role) -> Result<AccountId, AccessError> {
        let caller = caller();
        if !self.has_role(caller, role) {
            return Err(AccessError::MissingRole(role));
        }
        Ok(caller)
    }

    /// Proposes `new_admin`; the transfer completes when it calls [`Self::accept_admin`].
    /// A new proposal replaces a pending one.
    pub fn transfer_admin(&mut self, new_admin: AccountId) -> Result<(), AccessError> {
        let admin = self.ensure_admin()?;
        self.pending_admin = Some(new_admin);
        emit(AdminTransferStarted {
            admin,
            pending_admin: new_admin,
        });
        Ok(())
    }

    /// Completes a pending admin transfer; only the pending admin may call it.
    pub fn accept_admin(&mut self) -> Result<(), AccessError> {
        let pending = self.pending_admin.ok_or(AccessError::NoPendingAdmin)?;
        if caller() != pending {
            return Err(AccessError::NotPendingAdmin);
        }
        let previous = self.admin;
        self.admin = pending;
        self.pending_admin = None;
        emit(AdminTransferred {
            previous_admin: Some(previous),
            new_admin: pending,
        });
        Ok(())
    }

    /// Refuses unless the caller may grant or revoke `role`: the admin for any role in
    /// use, a role-manager holder for the roles in use other than the manager role.
    fn ensure_can_manage(&self, role: Role) -> Result<AccountId, AccessError> {
        if !self.roles_in_use.contains(role) {
            return Err(AccessError::RoleNotUsed(role));
        }
        let caller = caller();
        if self.is_admin(caller) {
            return Ok(caller);
        }
        match self.role_manager {
            Some(manager) if self.has_role(caller, manager) => {
                if role == manager {
                    Err(AccessError::CannotManageRole(role))
                } else {
                    Ok(caller)
                }
            }
            _ => Err(AccessError::NotAdmin),
        }
    }

    /// Gives `role` to `account`.
    pub fn grant_role(&mut self, role: Role, account: AccountId) -> Result<(), AccessError> {
        let granted_by = self.ensure_can_manage(role)?;
        let roles = self.roles_of(account);
        if roles.contains(role) {
            return Err(AccessError::RoleAlreadyGranted);
        }
        self.members.insert(account, &roles.with(role));
        emit(RoleGranted {
            role,
            account,
            granted_by,
        });
        Ok(())
    }

    /// Takes `role` from `account`.
    pub fn revoke_role(&mut self, role: Role, account: AccountId) -> Result<(), AccessError> {
        let revoked_by = self.ensure_can_manage(role)?;
        self.remove_role(role, account, revoked_by)
    }

    /// The caller gives up `role` (a compromised or retired key, say).
    pub fn renounce_role(&mut self, role: Role) -> Result<(), AccessError> {
        let caller = caller();
        self.remove_role(role, caller, caller)
    }

    fn remove_role(
        &mut self,
        role: Role,
        account: AccountId,
        revoked_by: AccountId,
    ) -> Result<(), AccessError> {
        let roles = self.roles_of(account);
        if !roles.contains(role) {
            return Err(AccessError::RoleNotGranted);
        }
        let remaining = roles.without(role);
        if remaining.is_empty() {
            // Frees the entry and refunds its storage deposit.
            self.members.remove(account);
        } else {
            self.members.insert(account, &remaining);
        }
        emit(RoleRevoked {
            role,
            account,
            revoked_by,
        });
        Ok(())
    }

    /// Stops every state change of the contract until [`Self::unpause`]. Admin only.
    ///
    /// A contract with its own library ([`OwnLibrary`]) also runs that library's code
    /// until unpaused (pallet-contracts' `set_code_hash`; its own code is kept to resume
    /// with). Such a library must have every message of the contract, checking the pause
    /// flag in each, so the contract's own build never runs while it is paused, and its hot
    /// messages need not read the flag: on pallet-contracts 38 that read is a storage
    /// access, charged about 10 KB of proof in every grant, check and claim.
    pub fn pause(&mut self) -> Result<(), AccessError> {
        let by = self.ensure_admin()?;
        if self.paused {
            return Err(AccessError::Paused);
        }
        self.paused = true;
        run_library_while_paused()?;
        emit(Paused { by });
        Ok(())
    }

    /// Resumes a paused contract, with its own code again if it ran its library while
    /// paused. Admin only.
    pub fn unpause(&mut self) -> Result<(), AccessError> {
        let by = self.ensure_admin()?;
        if !self.paused {
            return Err(AccessError::NotPaused);
        }
        self.paused = false;
        if let Some(code) = ResumeCode::default().get() {
            swap_code(code)?;
            ink::env::clear_contract_storage(&RESUME_CODE_KEY);
        }
        emit(Unpaused { by });
        Ok(())
    }

    /// Proposes replacing the contract's code with the uploaded code `code_hash`, run
    /// through the uploaded `migration` first when the new code's root storage differs.
    pub fn propose_code(
        &mut self,
        code_hash: Hash,
        migration: Option<Hash>,
    ) -> Result<Timestamp, AccessError> {
        self.propose_change(Change::Code {
            code_hash,
            migration,
        })
    }

    /// Applies a due code change. Admin only. Without a migration the storage is kept as
    /// it is, and the caller's message must return right after this.
    ///
    /// With a migration, the migration's `migrate` runs in this contract's storage (a
    /// delegate call), the code is swapped, and the call ends here with `Ok(())`: the
    /// message's old root must not be written back over the migrated one, so this never
    /// returns to the message on success. Any failure returns an error, and the message's
    /// `Err` reverts everything.
    pub fn apply_code(&mut self) -> Result<(), AccessError> {
        let (code_hash, migration) = match self.take_due(|c| matches!(c, Change::Code { .. }))? {
            Change::Code {
                code_hash,
                migration,
            } => (code_hash, migration),
            Change::Callee { .. } => return Err(AccessError::NoPendingChange),
        };
        if let Some(migration) = migration {
            run_migration(migration)?;
        }
        let mut resume = ResumeCode::default();
        if resume.get().is_some() {
            // Paused, running its library: the new code is the one it resumes with, and
            // until then it runs its library as the migration left it named.
            resume.set(&code_hash);
            swap_code(own_library())?;
        } else {
            swap_code(code_hash)?;
        }
        emit(CodeUpgraded {
            code_hash,
            migration,
            by: caller(),
        });
        if migration.is_some() {
            // The message's answer, `MessageResult<Result<(), AccessError>>`, without the
            // dispatcher's write-back of the old root.
            ink::env::return_value::<ink::MessageResult<Result<(), AccessError>>>(
                ink::env::ReturnFlags::empty(),
                &Ok(Ok(())),
            );
        }
        Ok(())
    }
}

/// [`AccessControl::pause`]'s swap: the contract runs its own library, if it has one,
/// and keeps its own code to resume with.
fn run_library_while_paused() -> Result<(), AccessError> {
    let Some(library) = OwnLibrary::default().get() else {
        return Ok(());
    };
    ResumeCode::default().set(&own_code());
    swap_code(library)
}

/// The contract's code hash (off chain, where code is not swapped, the zero hash).
fn own_code() -> Hash {
    #[cfg(target_arch = "wasm32")]
    return ink::env::own_code_hash::<DefaultEnvironment>().unwrap_or_default();
    #[cfg(not(target_arch = "wasm32"))]
    Hash::default()
}

/// Makes `code` the contract's code, unless it already is (off chain, where the
/// environment cannot swap code, nothing).
fn swap_code(code: Hash) -> Result<(), AccessError> {
    #[cfg(target_arch = "wasm32")]
    if code != own_code() {
        ink::env::set_code_hash::<DefaultEnvironment>(&code)
            .map_err(|_| AccessError::UpgradeFailed)?;
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = code;
    Ok(())
}

/// Runs the uploaded `migration` code's `migrate` message in this contract's storage.
fn run_migration(migration: Hash) -> Result<(), AccessError> {
    use ink::env::call::{build_call, ExecutionInput, Selector};
    match build_call::<DefaultEnvironment>()
        .delegate(migration)
        .exec_input(ExecutionInput::new(Selector::new(MIGRATE_SELECTOR)))
        .returns::<()>()
        .try_invoke()
    {
        Ok(Ok(())) => Ok(()),
        _ => Err(AccessError::MigrationFailed),
    }
}

/// Locks the library uploaded under `code` as a delegate dependency of the contract being
/// instantiated (pallet-contracts' `lock_delegate_dependency`, a deposit of part of the
/// code's), so nobody can remove that code while the contract relies on it; traps with
/// `CodeNotFound` when no code is uploaded under it. Every constructor calls it for the
/// admin library (in [`AccessControl::new`]) and for its own library, if it has one.
/// Off chain (unit tests) there is nothing to lock.
pub fn lock_library(code: Hash) {
    #[cfg(target_arch = "wasm32")]
    ink::env::lock_delegate_dependency::<DefaultEnvironment>(&code);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = code;
}

/// Hands the current message to the library uploaded under `code`: a delegate call that
/// forwards the call's input unchanged, so the library's message of the same selector runs
/// in this contract's storage, and a tail call, so its answer (or revert) is this message's
/// and nothing of this contract runs after it. The admin library answers the
/// [`AccessControlled`] messages this way ([`AccessControl::delegate_to_library`]); a
/// contract's own library answers its cold messages ([`crate::library_message`]).
///
/// It calls the host function itself: ink!'s call builder would encode an empty argument
/// list and decode an answer a tail call never returns, about 400 bytes of code in every
/// contract, where every call carries its code.
#[cfg(target_arch = "wasm32")]
pub fn delegate_to(code: Hash) -> ! {
    use pallet_contracts_uapi::{HostFn, HostFnImpl};
    try_delegate_to(code);
    // The library's code is missing, which its lock (taken when the contract was
    // instantiated) prevents: revert rather than answer something the library did not
    // say.
    HostFnImpl::return_value(ink::env::ReturnFlags::REVERT, &[])
}

/// [`delegate_to`]'s delegate call, which returns only if no code is uploaded under
/// `code`.
#[cfg(target_arch = "wasm32")]
pub fn try_delegate_to(code: Hash) {
    use ink::env::CallFlags;
    use pallet_contracts_uapi::{HostFn, HostFnImpl};
    let _ = HostFnImpl::delegate_call(
        CallFlags::FORWARD_INPUT | CallFlags::TAIL_CALL,
        code.as_ref(),
        &[],
        None,
    );
}

/// The argument types of the [`AccessControlled`] messages: the types themselves, but
/// [`crate::Forwarded`] (which decodes nothing) in every contract's wasm build but the admin
/// library's (feature `admin-library`). Every contract hands these messages, input and all,
/// to the admin library, so decoding their arguments there was code in every call's proof
/// and work in every call's dispatch (0.6 to 1.3 KB a contract). The metadata's display
/// names end with the type's own name, as clients read them.
pub mod admin_arg {
    #[cfg(all(target_arch = "wasm32", not(feature = "admin-library")))]
    pub type AccountId = crate::Forwarded;
    #[cfg(not(all(target_arch = "wasm32", not(feature = "admin-library"))))]
    pub type AccountId = ink::primitives::AccountId;
    #[cfg(all(target_arch = "wasm32", not(feature = "admin-library")))]
    pub type Hash = crate::Forwarded;
    #[cfg(not(all(target_arch = "wasm32", not(feature = "admin-library"))))]
    pub type Hash = ink::primitives::Hash;
    #[cfg(all(target_arch = "wasm32", not(feature = "admin-library")))]
    pub type Role = crate::Forwarded;
    #[cfg(not(all(target_arch = "wasm32", not(feature = "admin-library"))))]
    pub type Role = super::Role;
    #[cfg(all(target_arch = "wasm32", not(feature = "admin-library")))]
    pub type Option<T> = crate::Forwarded<T>;
    #[cfg(not(all(target_arch = "wasm32", not(feature = "admin-library"))))]
    pub type Option<T> = core::option::Option<T>;
}

/// The admin, role and pause messages every healthchain contract exposes. The admin
/// library (`access_library`) implements them on [`AccessControl`]; each contract
/// implements them with [`crate::admin_message`], which hands them to the library, so the
/// selectors, arguments, answers and events are the same at every contract's address.
/// The arguments are typed with [`admin_arg`], so that a contract does not decode what
/// only the library reads.
#[ink::trait_definition]
pub trait AccessControlled {
    /// The contract's admin.
    #[ink(message)]
    fn admin(&self) -> AccountId;

    /// The proposed next admin, if a transfer is pending.
    #[ink(message)]
    fn pending_admin(&self) -> Option<AccountId>;

    /// Whether `account` holds `role` in this contract.
    #[ink(message)]
    fn has_role(&self, account: admin_arg::AccountId, role: admin_arg::Role) -> bool;

    /// Whether the contract is paused.
    #[ink(message)]
    fn paused(&self) -> bool;

    /// Proposes a new admin (step one of two). Admin only.
    #[ink(message)]
    fn transfer_admin(&mut self, new_admin: admin_arg::AccountId) -> Result<(), AccessError>;

    /// Accepts a proposed admin transfer (step two). Pending admin only.
    #[ink(message)]
    fn accept_admin(&mut self) -> Result<(), AccessError>;

    /// Gives `role` to `account`. Admin, or a holder of the role-manager role.
    #[ink(message)]
    fn grant_role(
        &mut self,
        role: admin_arg::Role,
        account: admin_arg::AccountId,
    ) -> Result<(), AccessError>;

    /// Takes `role` from `account`. Admin, or a holder of the role-manager role.
    #[ink(message)]
    fn revoke_role(
        &mut self,
        role: admin_arg::Role,
        account: admin_arg::AccountId,
    ) -> Result<(), AccessError>;

    /// Gives up one of the caller's own roles.
    #[ink(message)]
    fn renounce_role(&mut self, role: admin_arg::Role) -> Result<(), AccessError>;

    /// Stops all state changes. Admin only.
    #[ink(message)]
    fn pause(&mut self) -> Result<(), AccessError>;

    /// Resumes state changes. Admin only.
    #[ink(message)]
    fn unpause(&mut self) -> Result<(), AccessError>;

    /// The delay (milliseconds) between proposing and applying a change, fixed at
    /// construction.
    #[ink(message)]
    fn change_delay(&self) -> Timestamp;

    /// The proposed change waiting for its delay, if any.
    #[ink(message)]
    fn pending_change(&self) -> Option<PendingChange>;

    /// Proposes upgrading to already-uploaded code `code_hash` (step one of two), with
    /// the hash of an uploaded migration when the new code's storage layout differs
    /// (none otherwise). Admin only. Returns when it may be applied.
    #[ink(message)]
    fn propose_code(
        &mut self,
        code_hash: admin_arg::Hash,
        migration: admin_arg::Option<Hash>,
    ) -> Result<Timestamp, AccessError>;

    /// Applies the proposed upgrade once its delay has passed: runs its migration, if it
    /// has one, then swaps the code; the address and every record stay. Admin only.
    #[ink(message)]
    fn apply_code(&mut self) -> Result<(), AccessError>;

    /// Cancels the pending change. Admin only.
    #[ink(message)]
    fn cancel_change(&mut self) -> Result<(), AccessError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_errors_encode_as_derived() {
        crate::unit_test::encodes_as_derived::<AccessError>();
    }

    #[test]
    fn role_bits_are_distinct() {
        let mut seen = 0u32;
        for role in Role::ALL {
            assert_eq!(seen & role.bit(), 0, "{role:?} shares a bit");
            seen |= role.bit();
        }
        assert_eq!(seen.count_ones() as usize, Role::ALL.len());
    }

    #[test]
    fn role_set_insert_and_remove() {
        let set = RoleSet::of(&[Role::Manufacturer, Role::Regulator]);
        assert!(set.contains(Role::Manufacturer));
        assert!(set.contains(Role::Regulator));
        assert!(!set.contains(Role::Sensor));
        let set = set.with(Role::Sensor).without(Role::Manufacturer);
        assert!(set.contains(Role::Sensor));
        assert!(!set.contains(Role::Manufacturer));
        assert!(!set.is_empty());
        assert!(RoleSet::EMPTY.is_empty());
        assert_eq!(
            RoleSet::EMPTY.with(Role::Sponsor).without(Role::Sponsor),
            RoleSet::EMPTY
        );
    }
    use crate::unit_test::{event_count, last_event};
    use ink::env::{test, DefaultEnvironment as Env};

    fn accounts() -> test::DefaultAccounts<Env> {
        test::default_accounts::<Env>()
    }

    fn as_caller(account: AccountId) {
        test::set_caller::<Env>(account);
    }

    const DELAY: Timestamp = 2 * crate::DAY;

    /// A block like drug_provenance's: three roles, the regulator managing the others,
    /// changes delayed by two days.
    fn block() -> AccessControl {
        as_caller(accounts().alice);
        AccessControl::new(
            accounts().alice,
            RoleSet::of(&[Role::Manufacturer, Role::Dispenser, Role::Regulator]),
            Some(Role::Regulator),
            DELAY,
            Hash::from([0x11; 32]),
        )
    }

    #[ink::test]
    fn the_role_manager_grants_other_roles_but_not_its_own() {
        let a = accounts();
        let mut access = block();
        access.grant_role(Role::Regulator, a.frank).unwrap();
        let (event, topics) = last_event::<RoleGranted>();
        assert_eq!(
            (event.role, event.account, event.granted_by),
            (Role::Regulator, a.frank, a.alice)
        );
        assert!(topics.is_empty(), "only safety notices carry field topics");
        as_caller(a.frank);
        access.grant_role(Role::Manufacturer, a.bob).unwrap();
        assert_eq!(last_event::<RoleGranted>().0.granted_by, a.frank);
        access.revoke_role(Role::Manufacturer, a.bob).unwrap();
        assert_eq!(
            access.grant_role(Role::Regulator, a.charlie),
            Err(AccessError::CannotManageRole(Role::Regulator))
        );
        assert_eq!(
            access.grant_role(Role::Sponsor, a.charlie),
            Err(AccessError::RoleNotUsed(Role::Sponsor))
        );
        // The manager is no admin.
        assert_eq!(access.pause(), Err(AccessError::NotAdmin));
        assert_eq!(access.transfer_admin(a.frank), Err(AccessError::NotAdmin));
    }

    #[ink::test]
    fn a_revoked_role_is_gone_at_once_and_its_entry_freed() {
        let a = accounts();
        let mut access = block();
        access.grant_role(Role::Manufacturer, a.bob).unwrap();
        access.grant_role(Role::Dispenser, a.bob).unwrap();
        as_caller(a.bob);
        assert_eq!(access.ensure_role(Role::Manufacturer), Ok(a.bob));
        as_caller(a.alice);
        access.revoke_role(Role::Manufacturer, a.bob).unwrap();
        let (event, _) = last_event::<RoleRevoked>();
        assert_eq!(
            (event.role, event.account, event.revoked_by),
            (Role::Manufacturer, a.bob, a.alice)
        );
        as_caller(a.bob);
        assert_eq!(
            access.ensure_role(Role::Manufacturer),
            Err(AccessError::MissingRole(Role::Manufacturer))
        );
        assert_eq!(access.roles_of(a.bob), RoleSet::of(&[Role::Dispenser]));
        access.renounce_role(Role::Dispenser).unwrap();
        assert!(access.roles_of(a.bob).is_empty());
        assert!(
            access.members.get(a.bob).is_none(),
            "the entry is removed, its deposit refunded"
        );
    }

    #[ink::test]
    fn pause_refuses_business_until_unpaused_with_events() {
        let a = accounts();
        let mut access = block();
        assert_eq!(access.ensure_not_paused(), Ok(()));
        access.pause().unwrap();
        assert_eq!(last_event::<Paused>().0.by, a.alice);
        assert_eq!(access.ensure_not_paused(), Err(AccessError::Paused));
        let events = event_count();
        assert_eq!(access.pause(), Err(AccessError::Paused));
        assert_eq!(event_count(), events);
        access.unpause().unwrap();
        assert_eq!(last_event::<Unpaused>().0.by, a.alice);
        assert_eq!(access.ensure_not_paused(), Ok(()));
    }

    #[ink::test]
    fn a_pending_admin_is_replaced_by_a_new_proposal() {
        let a = accounts();
        let mut access = block();
        access.transfer_admin(a.bob).unwrap();
        let (started, _) = last_event::<AdminTransferStarted>();
        assert_eq!((started.admin, started.pending_admin), (a.alice, a.bob));
        access.transfer_admin(a.charlie).unwrap();
        as_caller(a.bob);
        assert_eq!(access.accept_admin(), Err(AccessError::NotPendingAdmin));
        as_caller(a.charlie);
        access.accept_admin().unwrap();
        assert!(access.is_admin(a.charlie) && !access.is_admin(a.alice));
    }

    /// Review item 18: the pending change lives in a cell of its own, outside the root a
    /// migration rewrites, so an applied upgrade never leaves itself pending in the new
    /// layout.
    #[ink::test]
    fn the_pending_change_is_kept_outside_the_root() {
        use ink::storage::traits::Storable;
        let mut access = block();
        let root = Storable::encoded_size(&access);
        let change = Change::Code {
            code_hash: Hash::from([1; 32]),
            migration: Some(Hash::from([2; 32])),
        };
        access.propose_change(change).unwrap();
        assert_eq!(Storable::encoded_size(&access), root);
        assert_eq!(access.pending_change().map(|p| p.change), Some(change));
    }

    /// Review item 17: a proposed change waits for the delay fixed at construction; it
    /// is applied once, by the admin, and only as the kind it was proposed as.
    #[ink::test]
    fn a_change_waits_for_its_delay() {
        let a = accounts();
        test::set_block_timestamp::<Env>(1_000);
        let mut access = block();
        let mut callees = Callees::new(vec![a.charlie, a.eve]);
        let address = a.django;
        let change = Change::Callee { callee: 1, address };
        assert_eq!(callees.propose(&mut access, 1, address), Ok(1_000 + DELAY));
        assert_eq!(
            access.pending_change(),
            Some(PendingChange {
                change,
                proposed_at: 1_000,
                applies_at: 1_000 + DELAY
            })
        );
        assert_eq!(callees.apply(&mut access), Err(AccessError::ChangeNotDue));
        test::set_block_timestamp::<Env>(1_000 + DELAY - 1);
        assert_eq!(callees.apply(&mut access), Err(AccessError::ChangeNotDue));
        test::set_block_timestamp::<Env>(1_000 + DELAY);
        // Not a code change, and not by a stranger.
        assert_eq!(access.apply_code(), Err(AccessError::NoPendingChange));
        as_caller(a.bob);
        assert_eq!(callees.apply(&mut access), Err(AccessError::NotAdmin));
        as_caller(a.alice);
        assert_eq!(callees.get(1), a.eve);
        assert_eq!(callees.apply(&mut access), Ok(()));
        let (event, topics) = last_event::<CalleeChanged>();
        assert_eq!(
            (event.callee, event.previous, event.new),
            (1, a.eve, address)
        );
        assert!(topics.is_empty(), "only safety notices carry field topics");
        assert_eq!(callees.as_slice(), &[a.charlie, address][..]);
        assert_eq!(access.pending_change(), None);
        assert_eq!(
            callees.apply(&mut access),
            Err(AccessError::NoPendingChange)
        );
        assert_eq!(access.change_delay(), DELAY);
    }

    /// A callee number the contract does not have is refused when proposed, with nothing
    /// pending; unknown numbers read as the zero account, where no call succeeds.
    #[ink::test]
    fn only_a_callee_the_contract_has_can_be_changed() {
        let a = accounts();
        let mut access = block();
        let callees = Callees::new(vec![a.charlie]);
        assert_eq!(
            callees.propose(&mut access, 1, a.django),
            Err(AccessError::UnknownCallee)
        );
        assert_eq!(access.pending_change(), None);
        assert_eq!(callees.get(1), AccountId::from([0; 32]));
        as_caller(a.bob);
        assert_eq!(
            callees.propose(&mut access, 0, a.django),
            Err(AccessError::NotAdmin)
        );
        assert_eq!(callees.get(0), a.charlie);
    }
}
