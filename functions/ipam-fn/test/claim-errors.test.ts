import { createAddressSpace } from '../../lib/src/ipam';
import type { IpamError } from '../../lib/src/ipam';
import { IPClaim, KubeObject } from '../../lib/src';
import { claimErrorText, ownLabel } from '../src/claim-errors';
import { checkClaims } from '../src/checked-claims';

function errorOf<T>(r: { ok: true; value: T } | { ok: false; error: IpamError }): IpamError {
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

const a = { owner: 'edge01/upf/n3-a', label: 'IPClaim upf/n3-a' };
const b = { owner: 'edge01/upf/n3-b', label: 'IPClaim upf/n3-b in package upf-b' };

describe('claimErrorText', () => {
  it('names the holders the error lists by their labels and leads with nothing when it names the claim', () => {
    const space = createAddressSpace('vpc-n3');
    space.addPool({ prefix: '10.0.0.0/24' });
    space.reserve(a.owner, '10.0.0.9');
    const e = errorOf(space.reserve(b.owner, '10.0.0.9'));
    expect(claimErrorText(b, e, new Map([[a.owner, a.label], [b.owner, b.label]]))).toBe(
      '10.0.0.9 in pool 10.0.0.0/24 is held by "IPClaim upf/n3-a" and also claimed by "IPClaim upf/n3-b in package upf-b" ' +
        '(a duplicate, e.g. after a Git merge); remove the address from one of the two claims so it gets a new one',
    );
  });

  it('keeps the binding of a holder it has no label for (a pool claim, another package)', () => {
    const space = createAddressSpace('vpc-n3');
    space.addPool({ prefix: '10.0.0.0/24' });
    space.reserve(a.owner, '10.0.0.9');
    const e = errorOf(space.reserve(b.owner, '10.0.0.9'));
    expect(claimErrorText(b, e, ownLabel(b))).toContain('is held by "edge01/upf/n3-a" and also claimed by "IPClaim upf/n3-b in package upf-b"');
  });

  it('leads with the claim when the error does not name it', () => {
    const e: IpamError = { code: 'exhausted', message: 'every address is held' };
    expect(claimErrorText(a, e, ownLabel(a))).toBe('IPClaim upf/n3-a: every address is held');
  });
});

function claim(spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'ipam.resource.nephio.org/v1alpha1',
    kind: 'IPClaim',
    metadata: { name: 'n3', namespace: 'upf', annotations: { 'internal.config.kubernetes.io/package-path': 'pkg/upf' } },
    spec,
    ...(status ? { status } : {}),
  };
}

describe('checkClaims', () => {
  it('reads every field once, with spec.kind network by default', () => {
    const [c] = checkClaims([claim({ networkInstance: { name: 'vpc-n3' }, selector: { matchLabels: { 'nephio.org/cluster-name': 'edge01' } } }, { prefix: '10.0.0.3/24' })], 'pkg');
    expect(c.errors).toBeUndefined();
    expect(c.checked).toMatchObject({ owner: 'edge01/upf/n3', label: 'IPClaim upf/n3 in package upf', ni: 'vpc-n3', kind: 'network', get: false, recorded: '10.0.0.3/24', cluster: 'edge01' });
    expect(c.checked?.chosen).toBeUndefined();
  });

  it('gives the schema errors of a claim it cannot check, and no checked claim', () => {
    const [c] = checkClaims([claim({ kind: 'network' }) as IPClaim], '');
    expect(c.checked).toBeUndefined();
    expect(c.errors?.map((r) => r.field?.path)).toContain('spec.networkInstance');
  });
});
