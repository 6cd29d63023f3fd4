/**
 * A get claim in a render that also holds a schema-invalid claim (no spec.networkInstance): the
 * invalid claim gets its schema error and the get claim is resolved against the valid ones; the
 * function never throws.
 */
import { ipamFn } from '../src/transform';
import type { KubeObject } from '../../lib/src/kube/object';

const annotated = (path: string) => ({ 'internal.config.kubernetes.io/path': path });

it('an invalid claim beside a get claim is an error result, not a crash', () => {
  const items = [
    { apiVersion: 'kpt.dev/v1', kind: 'Kptfile', metadata: { name: 'pkg', annotations: annotated('Kptfile') } },
    { apiVersion: 'ipam.resource.nephio.org/v1alpha1', kind: 'NetworkInstance', metadata: { name: 'vpc-a', annotations: annotated('ni.yaml') }, spec: { prefixes: [{ prefix: '10.1.0.0/24' }] } },
    {
      apiVersion: 'ipam.resource.nephio.org/v1alpha1',
      kind: 'IPClaim',
      metadata: { name: 'broken', namespace: 'ns', annotations: annotated('broken.yaml') },
      spec: { kind: 'network', selector: { matchLabels: { 'nephio.org/address-family': 'ipv4' } } },
    },
    {
      apiVersion: 'ipam.resource.nephio.org/v1alpha1',
      kind: 'IPClaim',
      metadata: { name: 'reader', namespace: 'ns', annotations: { ...annotated('reader.yaml'), 'nephio.org/action': 'get' } },
      spec: { kind: 'network', networkInstance: { name: 'vpc-a' }, selector: { matchLabels: { 'nephio.org/nsn-name': 'nobody' } } },
    },
  ] as KubeObject[];
  const out = ipamFn({ items });
  const errors = out.results.filter((r) => r.severity === 'error');
  expect(errors.some((e) => e.resourceRef?.name === 'broken' && /networkInstance/.test(e.message))).toBe(true);
  expect(out.items).toHaveLength(items.length);
});
