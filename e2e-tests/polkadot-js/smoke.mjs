// Smoke test of the healthchain bundles through @polkadot/api-contract, the library behind
// Contracts UI and wallet dApps, against a running substrate-contracts-node.
//
// It loads each .contract bundle, uploads and instantiates the suite wired by address, and
// makes a signed consent grant, a dispense and a claim with keyring signers, reading each
// result back. Every transaction is dry-run first for its gas, as Contracts UI does. A
// patient's unfunded ECDSA account signs a consent grant and its revocation, as a wallet
// would, and another account relays them.
//
//   NODE_URL=ws://127.0.0.1:9944 BUNDLE_DIR=target/ink node smoke.mjs
//
// Exits 0 when every check passed, 1 with the failing check otherwise.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { CodePromise, ContractPromise } from '@polkadot/api-contract';
import { Keyring } from '@polkadot/keyring';
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';
import { bnToU8a, compactAddLength, u8aConcat, stringToU8a, u8aToHex } from '@polkadot/util';

const NODE_URL = process.env.NODE_URL ?? 'ws://127.0.0.1:9944';
const BUNDLE_DIR = process.env.BUNDLE_DIR ?? 'target/ink';
const GTIN = 10012345678902n;
const CHANGE_DELAY = 2n * 24n * 3600n * 1000n; // two days, in milliseconds
const UNIT = 10_000_000_000n;
const FAR_FUTURE = (2n ** 64n - 1n) / 2n;

// `body` with its GS1 mod-10 check digit (digits from the right weigh 3, 1, 3, ...).
function withCheckDigit(body) {
  let sum = 0n;
  let weight = 3n;
  for (let rest = body; rest > 0n; rest /= 10n) {
    sum += (rest % 10n) * weight;
    weight = weight === 3n ? 1n : 3n;
  }
  return body * 10n + ((10n - (sum % 10n)) % 10n);
}

// The expiry printed on a package (GS1 AI 17, YYMMDD) of a lot expiring at `at`
// (milliseconds since the epoch): its UTC date, by H. Hinnant's days-to-civil algorithm.
function printedExpiry(at) {
  const days = BigInt(at) / 86400000n + 719468n;
  const era = days / 146097n;
  const doe = days % 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const day = doy - (153n * mp + 2n) / 5n + 1n;
  const month = mp < 10n ? mp + 3n : mp - 9n;
  const year = yoe + era * 400n + (month <= 2n ? 1n : 0n);
  return Number((year % 100n) * 10000n + month * 100n + day);
}

function check(condition, what) {
  if (!condition) {
    throw new Error(`check failed: ${what}`);
  }
  console.log(`smoke: ok  ${what}`);
}

function bundle(name) {
  const path = join(BUNDLE_DIR, name, `${name}.contract`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`bundle ${path} is missing or unreadable (run make build): ${error.message}`);
  }
}

// Waits until the extrinsic is in a block; rejects on a dispatch error.
function send(api, tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, (result) => {
      if (result.dispatchError) {
        let message = result.dispatchError.toString();
        if (result.dispatchError.isModule) {
          const meta = api.registry.findMetaError(result.dispatchError.asModule);
          message = `${meta.section}.${meta.name}`;
        }
        reject(new Error(message));
      } else if (result.status.isInBlock || result.status.isFinalized) {
        resolve(result);
      }
    }).catch(reject);
  });
}

function maxGas(api) {
  return api.registry.createType('WeightV2', { refTime: 500_000_000_000n, proofSize: 5_000_000n });
}

// Uploads library `name` (code only: it is never instantiated) unless the chain has it;
// returns its code hash, which constructors take: the admin library's every contract's,
// and each contract's own library's that contract's.
async function uploadLibrary(api, signer, name) {
  const wasm = bundle(name).source.wasm;
  const hash = u8aToHex(blake2AsU8a(wasm, 256));
  if ((await api.query.contracts.codeInfoOf(hash)).isNone) {
    await send(api, api.tx.contracts.uploadCode(wasm, null, 'Enforced'), signer);
  }
  check((await api.query.contracts.codeInfoOf(hash)).isSome, `${name}'s code ${hash} is on chain`);
  return hash;
}

async function deploy(api, signer, name, args, value = 0) {
  const json = bundle(name);
  const code = new CodePromise(api, json, json.source.wasm);
  const tx = code.tx.new({ gasLimit: maxGas(api), storageDepositLimit: null, value }, ...args);
  const result = await send(api, tx, signer);
  const address = result.contract?.address?.toString();
  check(address, `${name} uploaded and instantiated at ${address}`);
  return new ContractPromise(api, json, address);
}

// Dry-runs `method` as `signer`; the message must answer Ok(Ok(..)). Returns the value.
async function query(contract, signer, method, args, value = 0) {
  const { result, output, gasRequired } = await contract.query[method](
    signer.address,
    { gasLimit: maxGas(contract.api), storageDepositLimit: null, value },
    ...args,
  );
  if (result.isErr) {
    throw new Error(`${method}: dry run failed: ${result.asErr.toString()}`);
  }
  const json = output.toJSON();
  if (json && typeof json === 'object' && 'err' in json) {
    throw new Error(`${method}: refused: ${JSON.stringify(json.err)}`);
  }
  const answer = json && typeof json === 'object' && 'ok' in json ? json.ok : json;
  return { answer, gasRequired };
}

// The bytes a patient signs for a relayed instruction to `contract` (the README's
// "Relayed instructions"): SCALE of (domain, chain, contract, signer, nonce, deadline,
// instruction), the instruction encoded as the `relay` message's first argument.
function relayPayload(contract, domain, genesis, signer, nonce, deadline, instruction) {
  const u64 = (n) => bnToU8a(n, { bitLength: 64, isLe: true });
  const type = contract.abi.findMessage('relay').args[0].type.type;
  return u8aConcat(
    compactAddLength(stringToU8a(domain)),
    genesis,
    contract.api.registry.createType('AccountId', contract.address).toU8a(),
    contract.api.registry.createType('AccountId', signer).toU8a(),
    u64(nonce),
    u64(deadline),
    contract.abi.registry.createType(type, instruction).toU8a(),
  );
}

// Dry-runs for the gas, then signs and submits; the inner Result must be Ok. Returns the
// answer and the names of the contract events api-contract decoded from the block, as
// Contracts UI shows them.
async function callWithEvents(contract, signer, method, args, value = 0) {
  const { answer, gasRequired } = await query(contract, signer, method, args, value);
  if (answer && typeof answer === 'object' && 'err' in answer) {
    throw new Error(`${method}: refused: ${JSON.stringify(answer.err)}`);
  }
  const tx = contract.tx[method]({ gasLimit: gasRequired, storageDepositLimit: null, value }, ...args);
  const result = await send(contract.api, tx, signer);
  // ink! 5 metadata names an event by its module path and label: keep the label.
  const events = (result.contractEvents ?? []).map((decoded) => decoded.event.identifier.split('::').pop());
  return { answer: answer && typeof answer === 'object' && 'ok' in answer ? answer.ok : answer, events };
}

async function call(contract, signer, method, args, value = 0) {
  return (await callWithEvents(contract, signer, method, args, value)).answer;
}

// The event a contract emitted last is decoded, by name, as `expected`: the anonymous
// ones (a grant's, a dispense's, a claim's) by having no topics, the rest by signature.
function checkEvent(events, expected, what) {
  check(events.includes(expected), `${what}: api-contract decodes its ${expected} event (${events.join(', ')})`);
}

async function main() {
  await cryptoWaitReady();
  const api = await ApiPromise.create({ provider: new WsProvider(NODE_URL), noInitWarn: true });
  const keyring = new Keyring({ type: 'sr25519' });
  const [alice, bob, dave, eve, ferdie] = ['//Alice', '//Bob', '//Dave', '//Eve', '//Ferdie'].map((uri) =>
    keyring.addFromUri(uri),
  );
  console.log(`smoke: connected to ${(await api.rpc.system.chain()).toString()} at ${NODE_URL}`);

  // The suite, wired by address.
  // Upgrades and rewirings wait CHANGE_DELAY between proposal and application.
  // Relayed instructions are signed for this chain: its genesis hash.
  // Each contract hands its admin messages to the admin library, uploaded first.
  const genesis = api.genesisHash.toU8a();
  // Each contract answers its cold messages (delegates, emergency access; licensing,
  // disaggregation, holds, recalls; plans, escrow, appeals; trial registration,
  // amendments, results) from its own library, uploaded the same way.
  const library = await uploadLibrary(api, alice, 'access_library');
  const consentLibrary = await uploadLibrary(api, alice, 'consent_registry_library');
  const drugLibrary = await uploadLibrary(api, alice, 'drug_provenance_library');
  const claimsLibrary = await uploadLibrary(api, alice, 'claim_settlement_library');
  const trialsLibrary = await uploadLibrary(api, alice, 'trial_anchoring_library');
  // A constructor given a hash with no code behind it is refused: nothing to delegate to.
  // The contract hands its constructor to its own library, so a missing one is the
  // chain's CodeNotFound; the admin library's lock then fails inside the library, which
  // the chain reports to the contract only as a trap (README, "A contract's own library").
  const missing = u8aToHex(new Uint8Array(32).fill(0x42));
  for (const [args, what, error] of [
    [[CHANGE_DELAY, missing, drugLibrary], 'its admin library', 'ContractTrapped'],
    [[CHANGE_DELAY, library, missing], 'its own library', 'CodeNotFound'],
  ]) {
    const refused = await deploy(api, alice, 'drug_provenance', args).then(
      () => 'instantiated',
      (error) => error.message,
    );
    check(refused.includes(error), `a contract without ${what} is refused (${error}): ${refused}`);
  }
  const registry = await deploy(api, alice, 'consent_registry', [u8aToHex(genesis), CHANGE_DELAY, library, consentLibrary]);
  const ledger = await deploy(api, alice, 'drug_provenance', [CHANGE_DELAY, library, drugLibrary]);
  const claims = await deploy(api, alice, 'claim_settlement', [registry.address, ledger.address, u8aToHex(genesis), CHANGE_DELAY, library, claimsLibrary]);
  const trials = await deploy(api, alice, 'trial_anchoring', [registry.address, u8aToHex(genesis), CHANGE_DELAY, library, trialsLibrary]);
  // A cold getter, answered at trial_anchoring's address by its library.
  const { answer: asked } = await query(trials, eve, 'consentRegistry', []);
  check(
    api.registry.createType('AccountId', asked).toString() === registry.address.toString(),
    `trial_anchoring asks the registry, read through its library: ${asked}`,
  );

  // A signed consent (a permit with a period), read back through is_authorized.
  const provision = (kind, purpose, dataClasses, end, form) => ({
    kind, purpose, dataClasses, period: { start: 0, end }, context: null,
    consentForm: u8aToHex(new Uint8Array(32).fill(form)),
  });
  const { answer: consentId, events: granted } = await callWithEvents(registry, ferdie, 'recordConsent', [
    ferdie.address, dave.address, provision('Permit', 'Payment', 256 | 4, FAR_FUTURE, 0xf0),
  ]);
  check(Number(consentId) === 1, `the consent got id ${consentId}`);
  checkEvent(granted, 'ConsentRecorded', 'the grant');
  const { answer: authorized } = await query(registry, eve, 'consentCheck::isAuthorized', [
    ferdie.address, dave.address, 'Payment', null, 256,
  ]);
  check(authorized === 'Permitted', 'ferdie granted dave payment consent, signed in polkadot.js');
  const { answer: otherClass } = await query(registry, eve, 'consentCheck::isAuthorized', [
    ferdie.address, dave.address, 'Payment', null, 128,
  ]);
  check(otherClass === 'NotPermitted', 'the grant covers claims and medications, not substance use');
  // A restriction (a deny provision) of medications wins over the permit, for that class only.
  const restriction = await call(registry, ferdie, 'recordConsent', [
    ferdie.address, dave.address, provision('Deny', 'Payment', 4, null, 0xf2),
  ]);
  const { answer: restricted } = await query(registry, eve, 'consentCheck::isAuthorized', [
    ferdie.address, dave.address, 'Payment', null, 256 | 4,
  ]);
  check(restricted === 'Restricted', `a deny of medications wins over the permit: ${restricted}`);
  const { events: lifting } = await callWithEvents(registry, ferdie, 'setConsentStatus', [ferdie.address, restriction, 'Inactive']);
  checkEvent(lifting, 'ConsentStatusChanged', 'the revocation');
  const { answer: lifted } = await query(registry, eve, 'consentCheck::isAuthorized', [
    ferdie.address, dave.address, 'Payment', null, 256 | 4,
  ]);
  check(lifted === 'Permitted', 'once the restriction is inactive the permit counts again');
  const { answer: kept } = await query(registry, eve, 'consent', [ferdie.address, restriction]);
  check(kept && String(kept.status).toLowerCase() === 'inactive', `the lifted restriction is kept, inactive: ${JSON.stringify(kept && kept.status)}`);

  // A patient's ECDSA pseudonym, which holds no tokens, signs a grant and its revocation;
  // eve relays them and pays.
  const patient = new Keyring({ type: 'ecdsa' }).addFromUri('//SmokePatientPseudonym');
  const { data: patientBalance } = await api.query.system.account(patient.address);
  check(patientBalance.free.isZero(), `the patient's pseudonym ${patient.address} holds no tokens`);
  const DOMAIN = 'healthchain/relay/v1/consent_registry';
  const deadline = (await api.query.timestamp.now()).toBigInt() + 3_600_000n;
  const relayed = async (instruction, what) => {
    const { answer: [, nonce] } = await query(registry, eve, 'relayNonce', [patient.address]);
    const payload = relayPayload(registry, DOMAIN, genesis, patient.address, BigInt(nonce), deadline, instruction);
    const signature = patient.sign(payload);
    check(signature.length === 65, `${what}: a 65-byte ECDSA signature from the keyring`);
    await call(registry, eve, 'relay', [instruction, patient.address, nonce, deadline, u8aToHex(signature)]);
    return { nonce, signature };
  };
  const grant = {
    RecordConsent: {
      patient: patient.address, grantee: dave.address,
      provision: provision('Permit', 'Treatment', 4, null, 0xf1),
    },
  };
  const first = await relayed(grant, 'relayed grant');
  const { answer: relayedAnswer } = await query(registry, eve, 'consentCheck::isAuthorized', [
    patient.address, dave.address, 'Treatment', null, 4,
  ]);
  check(relayedAnswer === 'Permitted', 'the grant signed by the unfunded ECDSA pseudonym and relayed by eve counts');
  const { answer: replay } = await registry.query.relay(
    eve.address, { gasLimit: maxGas(api), storageDepositLimit: null },
    grant, patient.address, first.nonce, deadline, u8aToHex(first.signature),
  ).then(({ output }) => ({ answer: output.toJSON() }));
  check(/relay.*badnonce/i.test(JSON.stringify(replay)), `a replayed signature is refused: ${JSON.stringify(replay)}`);
  const { answer: listed } = await query(registry, eve, 'activeConsents', [patient.address]);
  check(listed.length === 1, `the wallet lists the relayed consent: ${JSON.stringify(listed)}`);
  await relayed({ SetConsentStatus: { patient: patient.address, consent: listed[0].id, status: 'Inactive' } }, 'relayed revocation');
  const { answer: revokedAnswer } = await query(registry, eve, 'consentCheck::isAuthorized', [
    patient.address, dave.address, 'Treatment', null, 4,
  ]);
  check(revokedAnswer === 'NotPermitted', 'the relayed revocation took effect');

  // A one-serial lot, packed into a case (an SSCC), shipped by its SSCC with the hash of
  // the DSCSA transaction information, scanned in, opened, and the package dispensed with
  // its (empty) Merkle proofs and the expiry printed on it.
  const serial = stringToU8a('SN-SMOKE-1');
  const root = blake2AsU8a(u8aConcat(new Uint8Array([0]), serial), 256);
  await call(ledger, alice, 'accessControlled::grantRole', ['Manufacturer', bob.address]);
  await call(ledger, alice, 'accessControlled::grantRole', ['Dispenser', dave.address]);
  await call(ledger, alice, 'licenseCompanyPrefix', [12345, 7, bob.address]);
  // A cold message and a cold getter: answered at the ledger's address by its library.
  const { answer: licensee } = await query(ledger, eve, 'licensee', [GTIN]);
  check(
    licensee !== null && api.registry.createType('AccountId', licensee).toString() === bob.address,
    `the GTIN's company prefix is licensed to bob, read through drug_provenance's library: ${licensee}`,
  );
  await call(ledger, bob, 'commissionLot', [GTIN, 'LOT-SMOKE', FAR_FUTURE, 1, u8aToHex(root), 1, 200, 800, u8aToHex(new Uint8Array(32).fill(0xca))]);
  const sscc = withCheckDigit(30012345000000001n);
  await call(ledger, bob, 'aggregate', [GTIN, 'LOT-SMOKE', sscc, 'Case', u8aToHex(root), 1, 1, null]);
  const shipment = await call(ledger, bob, 'ship', [dave.address, [{ Container: sscc }], 'Sale', u8aToHex(new Uint8Array(32).fill(0x71))]);
  const { answer: mismatch } = await query(ledger, dave, 'receive', [shipment, []]);
  check(/shipmentmismatch/i.test(JSON.stringify(mismatch)), `the dock must scan what was shipped: ${JSON.stringify(mismatch)}`);
  await call(ledger, dave, 'receive', [shipment, [{ Container: sscc }]]);
  await call(ledger, dave, 'disaggregate', [sscc, []]);
  // The pharmacy records a salted commitment to the patient, never the account: SCALE of
  // (domain, account, salt), BLAKE2b-256. The salt goes on the receipt and the claim.
  const salt = blake2AsU8a(stringToU8a('smoke receipt salt'), 256);
  const recipient = blake2AsU8a(u8aConcat(
    compactAddLength(stringToU8a('healthchain/dispense-recipient')),
    api.registry.createType('AccountId', ferdie.address).toU8a(),
    salt,
  ), 256);
  const printed = printedExpiry(FAR_FUTURE);
  const pkg = {
    gtin: GTIN, lot: 'LOT-SMOKE', serial: u8aToHex(serial), serialIndex: 0, serialProof: [],
    from: { sscc, index: 0, proof: [] },
  };
  const { answer: relabelled } = await query(ledger, dave, 'dispense', [pkg, printed + 1, u8aToHex(recipient)]);
  check(/expirymismatch/i.test(JSON.stringify(relabelled)), `another printed expiry is refused: ${JSON.stringify(relabelled)}`);
  const { events: dispensed } = await callWithEvents(ledger, dave, 'dispense', [pkg, printed, u8aToHex(recipient)]);
  checkEvent(dispensed, 'Dispensed', 'the dispense');
  const { answer: units } = await query(ledger, eve, 'provenanceCheck::dispensedUnits', [[[GTIN, 'LOT-SMOKE', u8aToHex(serial)]]]);
  const unit = Array.isArray(units) && units.length === 1 ? units[0] : null;
  check(unit && unit.recipient === u8aToHex(recipient), `dave dispensed the serial to the commitment computed here: ${JSON.stringify(units)}`);
  const { answer: scan } = await query(ledger, eve, 'verifyUnit', [GTIN, 'LOT-SMOKE', u8aToHex(serial), printed, 0, []]);
  // A unit variant reads as {"dispensed": null}: the name and nothing else.
  const variant = typeof scan === 'string' ? scan : Object.keys(scan ?? {})[0];
  check(variant?.toLowerCase() === 'dispensed' && (typeof scan === 'string' || scan[variant] === null),
    `a scan answers the status only (${JSON.stringify(scan)})`);

  // A claim for that serial, adjudicated and paid in the same call.
  await call(claims, alice, 'accessControlled::grantRole', ['Insurer', eve.address]);
  await call(claims, alice, 'accessControlled::grantRole', ['Provider', dave.address]);
  const sharing = { deductible: 0, copay: 5n * UNIT, coinsuranceBps: 0, outOfPocketMax: 1000n * UNIT };
  const plan = await call(claims, eve, 'createPlan', [sharing, 'Required', 90, 0, FAR_FUTURE]);
  await call(claims, eve, 'updateFeeSchedule', [plan, [[{ Drug: GTIN }, { allowedPerUnit: 60n * UNIT, costShare: 'Copay', requiresAuthorization: false, packageUnits: 1, maxDaysSupply: 30 }]]]);
  await call(claims, eve, 'enrolMember', [plan, ferdie.address, 0, FAR_FUTURE]);
  await call(claims, eve, 'deposit', [], 100n * UNIT);
  const now = (await api.query.timestamp.now()).toBigInt();
  const line = { code: { Drug: GTIN }, quantity: 1, charge: 60n * UNIT, unit: { lot: 'LOT-SMOKE', serial: u8aToHex(serial), recipientSalt: u8aToHex(salt), daysSupply: 30 }, modifier: null, authorization: null };
  const { answer: claim, events: submitted } = await callWithEvents(claims, dave, 'submitClaim', [ferdie.address, plan, now, [line], u8aToHex(new Uint8Array(32).fill(0xaa))]);
  checkEvent(submitted, 'ClaimAdjudicated', 'the claim');
  const { answer: read } = await query(claims, dave, 'claim', [claim]);
  const record = read.ok;
  check(record.outcome === 'Approved', `claim ${claim} approved`);
  check(BigInt(record.paid) === 55n * UNIT, 'dave was paid 55 (60 allowed, 5 copay) in the submitting call');
  // What a remittance system reads per line: the 835 adjustment (group code, CARC, amount).
  const { answer: linesRead } = await query(claims, dave, 'claimLines', [claim]);
  const cas = linesRead.ok[0].adjustments.map((a) => `${String(a.group).toUpperCase()}-${a.carc}:${BigInt(a.amount) / UNIT}`);
  check(JSON.stringify(cas) === JSON.stringify(['PR-3:5']), `the line's adjustment is PR-3 (copay) 5: ${JSON.stringify(cas)}`);
  const { answer: credit } = await query(claims, eve, 'credit', [dave.address]);
  check(BigInt(credit) === 0n, 'nothing of it was left as credit: the transfer went through');

  await api.disconnect();
  console.log('smoke: all checks passed');
}

main().catch((error) => {
  console.error(`smoke: FAILED: ${error.message}`);
  process.exit(1);
});
