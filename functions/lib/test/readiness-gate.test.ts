/**
 * The root Kptfile's readiness gate sums up the conditions of every Kptfile of the tree: True only
 * when each claim, VLAN and NAD condition is, named pending items otherwise (paths relative to the
 * root, as kpt hands functions absolute ones), user gates and conditions kept, nothing written for
 * a tree with nothing to report.
 */
import { Condition } from '../src/conditions';
import { KubeObject } from '../src/kube/object';
import { READINESS_GATE, withReadinessGate } from '../src/readiness-gate';

const kptfile = (path: string, conditions: Condition[], extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'kpt.dev/v1',
  kind: 'Kptfile',
  metadata: { name: path.split('/').pop() || 'root', annotations: { 'internal.config.kubernetes.io/package-path': path } },
  ...extra,
  ...(conditions.length > 0 ? { status: { conditions } } : {}),
});
const claim = (name: string, status: 'True' | 'False', message = status === 'True' ? '10.0.0.2/24' : 'waiting for ipam-fn to allocate an address'): Condition => ({
  type: `ipam.resource.nephio.org/v1alpha1.IPClaim.${name}`,
  status,
  message,
});
const gateOf = (items: KubeObject[]) => {
  const root = items[0] as KubeObject & { info?: { readinessGates?: unknown[] }; status?: { conditions?: Condition[] } };
  return { gates: root.info?.readinessGates, condition: root.status?.conditions?.find((c) => c.type === READINESS_GATE), conditions: root.status?.conditions };
};

describe('withReadinessGate', () => {
  it('True once every condition of every package is True; lists the gate once', () => {
    const items = [kptfile('/tmp/x/root', []), kptfile('/tmp/x/root/a', [claim('a', 'True')]), kptfile('/tmp/x/root/b', [claim('b', 'True')])];
    const out = withReadinessGate(items);
    expect(gateOf(out).gates).toEqual([{ conditionType: READINESS_GATE }]);
    expect(gateOf(out).condition).toEqual({ type: READINESS_GATE, status: 'True', reason: 'Ready', message: 'all 2 claim, VLAN and NAD conditions are True (2 packages)' });
    // Idempotent: the same objects come back.
    const again = withReadinessGate(out);
    expect(again[0]).toBe(out[0]);
  });

  it('False naming each pending item by its package, relative to the root', () => {
    const items = [kptfile('/tmp/x/root', [claim('r', 'True')]), kptfile('/tmp/x/root/edge/upf', [claim('u', 'False')])];
    const c = gateOf(withReadinessGate(items)).condition!;
    expect(c.status).toBe('False');
    expect(c.message).toBe('1 of 2 not done: edge/upf: ipam.resource.nephio.org/v1alpha1.IPClaim.u (waiting for ipam-fn to allocate an address)');
  });

  it('names five pending items and counts the rest', () => {
    const items = [kptfile('', Array.from({ length: 8 }, (_, i) => claim(`c${i}`, 'False', 'w')))];
    expect(gateOf(withReadinessGate(items)).condition!.message).toMatch(/^8 of 8 not done: .*IPClaim\.c4 \(w\); and 3 more$/);
  });

  it("keeps the user's gates and conditions, the gate condition last", () => {
    const user = { type: 'config.injection.WorkloadCluster.workload-cluster', status: 'True' as const, reason: 'ConfigInjected' };
    const items = [kptfile('', [user, claim('a', 'True')], { info: { description: 'd', readinessGates: [{ conditionType: user.type }] } })];
    const g = gateOf(withReadinessGate(items));
    expect(g.gates).toEqual([{ conditionType: user.type }, { conditionType: READINESS_GATE }]);
    expect(g.conditions!.map((c) => c.type)).toEqual([user.type, claim('a', 'True').type, READINESS_GATE]);
  });

  it('writes nothing for a tree with nothing to report, unless the root lists the gate', () => {
    const plain = [kptfile('', [])];
    expect(withReadinessGate(plain)[0]).toBe(plain[0]);
    const listed = [kptfile('', [], { info: { readinessGates: [{ conditionType: READINESS_GATE }] } })];
    expect(gateOf(withReadinessGate(listed)).condition).toMatchObject({ status: 'True', message: 'nothing to allocate' });
  });

  it('a not-ready cluster keeps the package from looking ready', () => {
    const items = [kptfile('', [{ type: 'infra.nephio.org/v1alpha1.WorkloadCluster.example', status: 'False', message: 'placeholder' }])];
    expect(gateOf(withReadinessGate(items)).condition).toMatchObject({ status: 'False', reason: 'Pending' });
  });
});
