/**
 * VLAN IDs for VLANClaims, with the guarantees addresses have: unique per VLAN index, recorded in
 * the claim (`status.vlanID`) and never moved, released when the last claim of a binding goes,
 * reused last (next-fit, cursor kept in Git), clear errors on conflicts and exhaustion.
 *
 * Pure: items in, items out. The VLAN spaces are created through `createSpace`, the seam a shared
 * ledger plugs into, like the address spaces.
 */
import {
  ACTION_ANNOTATION,
  byText,
  isGetClaim,
  warningFor,
  readFunctionConfig,
  ANNOTATIONS,
  API,
  applyConditions,
  claimedVlan,
  errorFor,
  isKind,
  isObject,
  isVLANClaim,
  isVLANIndex,
  KubeObject,
  nameOf,
  namespaceOf,
  packagePathOf,
  placementFrom,
  Result,
  scalarText,
  validateResource,
  VLAN_CONDITION_PREFIX,
  VLANClaim,
  vlanBinding,
  vlanClaimConditions,
  vlanIdValue,
  vlanIndexOf,
  vlanIndexRange,
} from '../../lib/src';
import { rewrittenVlan, withBound } from './bound-marker';
import { readVlanRange, VLAN_RANGE_KEY } from './config';
import { createVlanSpace, VLAN_MAX, VLAN_MIN, VlanSpace, VlanRangeSpec } from '../../lib/src/ipam';
import type { VlanLedgerHooks } from '../../lib/src/ledger/vlan-edge';

export const VLAN_CURSOR_API = { apiVersion: 'ipam.netpipe.dev/v1alpha1', kind: 'VLANCursor' } as const;
export const isVlanCursor = (o: KubeObject): boolean => isKind(o, VLAN_CURSOR_API.apiVersion, VLAN_CURSOR_API.kind);

/** The claims sharing one VLAN: one binding (bridge domain) in one index. */
interface Group {
  index: string;
  binding: string;
  members: VLANClaim[];
}

interface IndexDef {
  range: VlanRangeSpec;
  definedBy: KubeObject;
}

export type VlanSpaceFactory = (name: string, range: VlanRangeSpec) => ReturnType<typeof createVlanSpace>;


function indexDefinitions(items: readonly KubeObject[], fc: KubeObject | undefined, results: Result[]): Map<string, IndexDef> {
  const sources = items.filter(isVLANIndex);
  sources.push(...readFunctionConfig(fc).vlanIndexes);
  const defs = new Map<string, IndexDef>();
  for (const o of sources) {
    const errors = validateResource(o, API.vlanIndex.kind);
    if (errors.length > 0) {
      results.push(...errors);
      continue;
    }
    const name = nameOf(o);
    const first = defs.get(name);
    if (first) {
      results.push(
        errorFor(o, `VLANIndex ${name} is defined twice (also in package ${packagePathOf(first.definedBy) || '.'}): keep one, a VLAN index is one ID space`, 'metadata.name'),
      );
      continue;
    }
    const range = vlanIndexRange(o, results);
    if (range) defs.set(name, { range, definedBy: o });
  }
  return defs;
}

function withVlan(claim: VLANClaim, id: number): KubeObject {
  if (claimedVlan(claim) === id) return claim;
  const status: Record<string, unknown> = isObject(claim.status) ? { ...claim.status } : {};
  status.vlanID = id;
  return { ...claim, status };
}

function writeVlanCursor(index: string, last: number, existing: KubeObject | undefined, placement: Record<string, string>): KubeObject {
  if (existing) {
    const status = isObject(existing.status) ? existing.status : {};
    if (vlanIdValue(status.lastAllocated) === last) return existing;
    return { ...existing, status: { ...status, lastAllocated: last } };
  }
  return {
    apiVersion: VLAN_CURSOR_API.apiVersion,
    kind: VLAN_CURSOR_API.kind,
    metadata: { name: index, annotations: { [ANNOTATIONS.localConfig]: 'true', ...placement } },
    spec: { vlanIndex: { name: index } },
    status: { lastAllocated: last },
  };
}

function cursorIndexName(o: KubeObject): string {
  return isObject(o.spec) && isObject(o.spec.vlanIndex) ? scalarText(o.spec.vlanIndex.name) ?? nameOf(o) : nameOf(o);
}

/**
 * The ID each get claim reads: the one its binding (bridge domain, else its name) holds in its
 * index - held by a claim of this render or, with the ledger, of another package. None is a
 * warning and the claim stays pending: a lookup never hands out an ID.
 */
function readVlans(
  gets: readonly VLANClaim[],
  bound: ReadonlyMap<string, number>,
  spaces: ReadonlyMap<string, VlanSpace | undefined>,
  ledgerMode: boolean,
  results: Result[],
): Map<VLANClaim, number> {
  const out = new Map<VLANClaim, number>();
  for (const c of gets) {
    const index = vlanIndexOf(c);
    const id = bound.get(`${index}\u0000${vlanBinding(c)}`) ?? spaces.get(index)?.idOf(vlanBinding(c));
    if (id !== undefined) {
      out.set(c, id);
      continue;
    }
    const kept = claimedVlan(c);
    results.push(
      warningFor(
        c,
        `VLANClaim ${nameOf(c)} (${ACTION_ANNOTATION}: get) reads the VLAN ID of ${vlanBinding(c)} in VLAN index ${index}, but ` +
          (spaces.get(index) ? `nothing holds one; ` : `that index is not defined here${ledgerMode ? ' nor published in the shared ledger' : ''}; `) +
          (kept !== undefined ? `it keeps the ID ${kept} it read before` : `it stays pending (its Kptfile condition is False) and gets no ID`) +
          `. Render the package whose claim holds it first, or remove the annotation to allocate an ID`,
        'spec.vlanIndex.name',
        index,
      ),
    );
  }
  return out;
}

/**
 * Allocates the VLAN ID of every VLANClaim. Claims naming one bridge domain
 * (`specializer.nephio.org/vlanClaimName`) share one ID, as under Nephio's VLAN specializer.
 */
export function allocateVlans(
  items: readonly KubeObject[],
  fc: KubeObject | undefined,
  rootKptfile: KubeObject | undefined,
  createSpace: VlanSpaceFactory = createVlanSpace,
  /** With a shared ledger: index definitions are published there, IDs and cursors kept there (not in Git). */
  ledger?: VlanLedgerHooks,
): { items: KubeObject[]; results: Result[] } {
  const results: Result[] = [];
  const claims: VLANClaim[] = [];
  // Get claims read the ID their binding holds and never hold one (Nephio's vlan-fn `get`).
  const gets: VLANClaim[] = [];
  for (const o of items) {
    if (!isVLANClaim(o)) continue;
    const errors = validateResource(o, API.vlanClaim.kind);
    // A recorded ID other than the one ipam-fn bound was written by someone else (spec.vlanID, when
    // set, is the binding instead).
    const chosen = errors.length === 0 ? vlanIdValue(o.spec.vlanID) : undefined;
    // (A spec.vlanID that is no integer is reported below, with its group.)
    const rewritten = errors.length === 0 && (chosen === undefined || Number.isInteger(chosen)) ? rewrittenVlan(o, claimedVlan(o), chosen) : undefined;
    if (rewritten) results.push(rewritten);
    if (errors.length > 0) results.push(...errors);
    else if (isGetClaim(o)) gets.push(o);
    else if (rewritten?.severity !== 'error') claims.push(o);
  }
  const cursorItems = ledger ? [] : items.filter(isVlanCursor);
  if (ledger) {
    // Every index this render defines is published (or checked against the published one), also
    // when no claim of the render uses it: a networks package publishes the indexes.
    for (const [name, def] of indexDefinitions(items, fc, [])) {
      const diff = ledger.define(name, def.range);
      if (diff) results.push(errorFor(def.definedBy, diff, 'spec', name));
    }
  }
  if (claims.length === 0 && gets.length === 0 && cursorItems.length === 0) {
    return { items: applyConditions(items, VLAN_CONDITION_PREFIX, vlanClaimConditions(items)), results };
  }
  const defs = indexDefinitions(items, fc, results);
  const fallback = readVlanRange(fc, results);
  const newSpace: VlanSpaceFactory = ledger ? (name, range) => ledger.space(name, range) : createSpace;

  const spaces = new Map<string, VlanSpace | undefined>();
  const spaceOf = (index: string, claim: VLANClaim): VlanSpace | undefined => {
    if (spaces.has(index)) return spaces.get(index);
    const def = defs.get(index);
    const range = def?.range ?? fallback ?? ledger?.published(index);
    let space: VlanSpace | undefined;
    if (!range) {
      results.push(
        errorFor(
          claim,
          `VLANClaim ${nameOf(claim)}: VLAN index ${index} is not defined: add a ${API.vlanIndex.apiVersion} VLANIndex named ${index} ` +
            `(local config, optional spec.minID/spec.maxID) or set data.${VLAN_RANGE_KEY} (e.g. "100-199") in ipam-fn's functionConfig` +
            (ledger
              ? `, or render the package that defines it first so it is published in the shared ledger`
              : `; for packages rendered one by one (as under Porch), configure the shared ledger instead and render the ` +
                `cluster's VLANIndex package (Nephio's infra/capi/vlanindex) first`),
          'spec.vlanIndex.name',
          index,
        ),
      );
    } else {
      const created = newSpace(index, range);
      if (created.ok) space = created.value;
      else results.push(errorFor(def ? def.definedBy : fc ?? claim, created.error.message, def ? 'spec' : `data.${VLAN_RANGE_KEY}`));
    }
    spaces.set(index, space);
    return space;
  };

  // Claims grouped by index and binding, in an order that does not depend on file order.
  const sortKey = (c: VLANClaim): string => `${vlanIndexOf(c)}\u0000${vlanBinding(c)}\u0000${packagePathOf(c)}\u0000${namespaceOf(c)}/${nameOf(c)}`;
  claims.sort((a, b) => byText(sortKey(a), sortKey(b)));
  const groups = new Map<string, Group>();
  for (const c of claims) {
    const key = `${vlanIndexOf(c)}\u0000${vlanBinding(c)}`;
    const g = groups.get(key) ?? { index: vlanIndexOf(c), binding: vlanBinding(c), members: [] };
    g.members.push(c);
    groups.set(key, g);
  }

  for (const g of groups.values()) spaceOf(g.index, g.members[0]!);
  // A get claim on an index nobody defines reads nothing (a warning below), it is no error.
  for (const c of gets) if (defs.has(vlanIndexOf(c)) || fallback || ledger?.published(vlanIndexOf(c))) spaceOf(vlanIndexOf(c), c);
  // Each index's next-fit cursor, before anything is allocated.
  const cursorOf = new Map<string, KubeObject>();
  for (const c of cursorItems) {
    const index = cursorIndexName(c);
    if (cursorOf.has(index)) continue;
    cursorOf.set(index, c);
    const space = spaces.get(index);
    const last = isObject(c.status) ? vlanIdValue(c.status.lastAllocated) : undefined;
    if (space && last !== undefined) {
      const imported = Number.isInteger(last) ? space.importCursor(last) : undefined;
      if (!imported || !imported.ok) {
        results.push(errorFor(c, `${imported && !imported.ok ? imported.error.message : `status.lastAllocated is not a VLAN ID`}: fix or delete status.lastAllocated`, 'status.lastAllocated'));
      }
    }
  }

  const claimsOf = new Map<string, string>();
  for (const [key, g] of groups) claimsOf.set(key, g.members.map((c) => `VLANClaim ${namespaceOf(c) ? `${namespaceOf(c)}/` : ''}${nameOf(c)}`).join(', '));
  const bound = new Map<string, number>();
  const pending: Group[] = [];
  // Recorded and chosen IDs first, so nothing that exists moves.
  for (const [key, g] of groups) {
    const space = spaceOf(g.index, g.members[0]!);
    if (!space) continue;
    let id: number | undefined;
    let from: { claim: VLANClaim; field: string } | undefined;
    let failed = false;
    for (const field of ['spec.vlanID', 'status.vlanID'] as const) {
      for (const c of g.members) {
        const v = field === 'spec.vlanID' ? vlanIdValue(c.spec.vlanID) : claimedVlan(c);
        if (v === undefined) continue;
        if (!Number.isInteger(v)) {
          results.push(errorFor(c, `VLANClaim ${nameOf(c)}: ${field} ${JSON.stringify(scalarText(field === 'spec.vlanID' ? c.spec.vlanID : c.status?.vlanID))} is not a VLAN ID; use an integer ${VLAN_MIN}-${VLAN_MAX} or remove it`, field));
          failed = true;
        } else if (id === undefined) {
          id = v;
          from = { claim: c, field };
        } else if (v !== id && from && from.field === field) {
          results.push(
            errorFor(
              c,
              `VLANClaim ${nameOf(c)} records ${field} ${v}, but VLANClaim ${nameOf(from.claim)} of the same ${g.binding} records ${id}: ` +
                `one bridge domain has one VLAN - keep one ID and remove the other`,
              field,
              String(v),
            ),
          );
          failed = true;
        }
      }
      if (id !== undefined) break;
    }
    if (failed) continue;
    if (id === undefined) {
      pending.push(g);
      continue;
    }
    const r = space.reserve(g.binding, id);
    if (!r.ok) {
      const at = from ?? { claim: g.members[0]!, field: 'status.vlanID' };
      const others = (r.error.owners ?? []).filter((o) => o !== g.binding).map((o) => claimsOf.get(`${g.index}\u0000${o}`) ?? o);
      const also = others.length > 0 ? ` (held by ${others.join('; ')})` : '';
      results.push(errorFor(at.claim, `VLANClaim ${nameOf(at.claim)}: ${r.error.message}${also}`, at.field, String(id)));
      continue;
    }
    bound.set(key, id);
  }
  // Then the new ones.
  for (const g of pending) {
    const space = spaceOf(g.index, g.members[0]!);
    if (!space) continue;
    const r = space.allocate(g.binding);
    if (!r.ok) {
      for (const c of g.members) results.push(errorFor(c, `VLANClaim ${nameOf(c)}: ${r.error.message}`, 'spec.vlanIndex.name', g.index));
      continue;
    }
    bound.set(`${g.index}\u0000${g.binding}`, r.value);
  }

  const read = readVlans(gets, bound, spaces, ledger !== undefined, results);
  let out = items.map((o) => {
    if (!isVLANClaim(o)) return o;
    const got = read.get(o);
    if (got !== undefined) return withVlan(o, got);
    const id = isGetClaim(o) ? undefined : bound.get(`${vlanIndexOf(o)}\u0000${vlanBinding(o)}`);
    return id === undefined ? o : withBound(withVlan(o, id), String(id));
  });

  // Cursors are kept beside the VLANIndex (or at the root when the range came from config).
  const fresh: KubeObject[] = [];
  const updated = new Map<KubeObject, KubeObject>();
  for (const index of ledger ? [] : [...spaces.keys()].sort(byText)) {
    const last = spaces.get(index)?.exportCursor();
    if (last === undefined) continue;
    const existing = cursorOf.get(index);
    const def = defs.get(index);
    const home = def && def.definedBy !== fc ? def.definedBy : rootKptfile;
    const next = writeVlanCursor(index, last, existing, home ? placementFrom(home, `vlan-cursor-${index}.yaml`) : {});
    if (existing) updated.set(existing, next);
    else fresh.push(next);
  }
  out = out.map((o) => updated.get(o) ?? o);
  out.push(...fresh);
  return { items: applyConditions(out, VLAN_CONDITION_PREFIX, vlanClaimConditions(out)), results };
}
