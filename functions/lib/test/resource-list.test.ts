import { runOnText } from '../src/runner';
import { ResourceListError, ResourceListReader, writeResourceList } from '../src/resource-list';
import { KubeObject } from '../src/kube/object';
import { splitResourceList } from '../src/yaml/item-splitter';
import { patchItemText } from '../src/yaml/item-patcher';
import { dumpYaml, loadYaml, RawScalar } from '../src/yaml/scalar-schema';

const ODD = `apiVersion: v1
kind: ConfigMap
metadata:
  name: odd # a comment
  annotations:
    config.kubernetes.io/local-config: "true"
    internal.config.kubernetes.io/path: 'odd.yaml'
data:
  date: 2024-01-01
  mode: 0755
  version: 1.10
  flag: yes
  big: 12345678901234567890
  hex: 0x1F
  quoted: "0755"
  single: 'yes'
  block: |
    keep
      this
`;

function resourceList(...items: string[]): string {
  const body = items
    .map((t) => t.replace(/\n$/, '').split('\n').map((l, i) => (i === 0 ? `- ${l}` : l === '' ? '' : `  ${l}`)).join('\n'))
    .join('\n');
  return `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${body}\n`;
}

describe('lossless scalars', () => {
  it('keeps plain scalars some YAML reader would retype as RawScalar, and quoted ones as strings', () => {
    const o = loadYaml(ODD) as { data: Record<string, unknown> };
    expect(o.data.mode).toEqual(new RawScalar('0755'));
    expect(o.data.version).toEqual(new RawScalar('1.10'));
    expect(o.data.flag).toEqual(new RawScalar('yes'));
    expect(o.data.big).toEqual(new RawScalar('12345678901234567890'));
    expect(o.data.date).toEqual(new RawScalar('2024-01-01'));
    expect(o.data.quoted).toBe('0755');
    expect(o.data.single).toBe('yes');
  });

  it('prints them back as written, and quotes strings that would otherwise change type', () => {
    const text = dumpYaml(loadYaml(ODD));
    for (const line of ['mode: 0755', 'version: 1.10', 'flag: yes', 'big: 12345678901234567890', 'date: 2024-01-01', 'hex: 0x1F']) {
      expect(text).toContain(line);
    }
    expect(text).toMatch(/quoted: ['"]0755['"]/);
    expect(text).toMatch(/single: ['"]yes['"]/);
    expect(loadYaml(text)).toEqual(loadYaml(ODD));
  });
});

describe('ResourceList reading and writing', () => {
  const twin = (pkg: string, value: string): string =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: same\n  namespace: ns\n  annotations:\n    internal.config.kubernetes.io/package-path: '${pkg}'\n    internal.config.kubernetes.io/path: 'cm.yaml'\ndata:\n  v: ${value}\n`;

  it('gives back every item, in order, byte-for-byte when unchanged - twins of two packages included', () => {
    const input = resourceList(twin('/a', '"1"'), ODD, twin('/b', "'2'"));
    const reader = new ResourceListReader();
    const { items } = reader.read(input);
    expect(items).toHaveLength(3);
    expect(writeResourceList(reader, items, [])).toBe(input);
  });

  it('rewrites only the changed entries of a changed item, even when the function returns a copy', () => {
    const reader = new ResourceListReader();
    const { items } = reader.read(resourceList(ODD));
    const copy = JSON.parse(JSON.stringify(items[0])) as KubeObject;
    const changed: KubeObject = { ...items[0], metadata: { ...copy.metadata, labels: { added: 'x' } } };
    const out = writeResourceList(reader, [changed], []);
    expect(out).toContain('    config.kubernetes.io/local-config: "true"');
    expect(out).toContain('    name: odd # a comment');
    expect(out).toContain('    mode: 0755\n');
    expect(out).toContain('    labels:\n      added: x\n');
  });

  it('drops nothing it cannot place: output order is the function output order', () => {
    const reader = new ResourceListReader();
    const { items } = reader.read(resourceList(twin('/a', '1'), twin('/b', '2')));
    const out = writeResourceList(reader, [items[1], items[0]], []);
    expect(out.indexOf("'/b'")).toBeLessThan(out.indexOf("'/a'"));
  });

  it('reads a ResourceList in another layout by parsing it whole', () => {
    const input = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: x\n';
    expect(splitResourceList(input)).toBeUndefined();
    const { items } = new ResourceListReader().read(input);
    expect(items.map((i) => i.metadata.name)).toEqual(['x']);
  });

  it('reads the functionConfig', () => {
    const input = `${resourceList(ODD)}functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cfg\n  data:\n    k: v\n`;
    const { functionConfig } = new ResourceListReader().read(input);
    expect(functionConfig?.metadata.name).toBe('cfg');
  });

  it('refuses input that is not a ResourceList with a clear message', () => {
    expect(() => new ResourceListReader().read('kind: Deployment\n')).toThrow(/ResourceList/);
    expect(() => new ResourceListReader().read('kind: ResourceList\nitems:\n- apiVersion: v1\n  kind: [\n')).toThrow(/not valid YAML/);
  });
});

describe('item patcher', () => {
  const text = 'a: 1\nb:\n  c: "x" # keep\n  d: 0755\n# trailing comment\ne:\n- 1\n- 2\n';
  const before = JSON.parse(JSON.stringify(loadYaml(text)));

  it('replaces a nested entry and keeps its siblings and comments', () => {
    const after = { ...before, b: { ...before.b, c: 'z' } };
    expect(patchItemText(text, before, after)).toBe('a: 1\nb:\n  c: z\n  d: 0755\n# trailing comment\ne:\n- 1\n- 2\n');
  });

  it('adds and removes entries', () => {
    const after = { a: 1, b: before.b, f: { g: 'h' } };
    expect(patchItemText(text, before, after)).toBe('a: 1\nb:\n  c: "x" # keep\n  d: 0755\n# trailing comment\nf:\n  g: h\n');
  });

  it('gives up (undefined) on text that does not match the value', () => {
    expect(patchItemText(text, { a: 1 }, { a: 2 })).toBeUndefined();
  });
});

describe('lazy items', () => {
  const cm = (name: string, body: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${body}`;

  it('reads apiVersion and kind from the text and parses the rest only when a field is read', () => {
    // Not valid YAML below `data`: harmless while nobody reads the item, an error once someone does.
    const input = resourceList(cm('fine', 'data:\n  k: v\n'), cm('broken', 'data:\n  k: [unclosed\n'));
    const reader = new ResourceListReader();
    const { items } = reader.read(input);
    expect(items.map((i) => `${i.apiVersion} ${i.kind}`)).toEqual(['v1 ConfigMap', 'v1 ConfigMap']);
    expect(writeResourceList(reader, items, [])).toBe(input);
    expect(items[0].metadata.name).toBe('fine');
    expect(() => items[1].metadata).toThrow(ResourceListError);
    expect(() => items[1].metadata).toThrow(/item 1 \(ConfigMap broken\) is not valid YAML/);
  });

  it('behaves as a plain object: keys, spread, JSON, assignment, deletion', () => {
    const reader = new ResourceListReader();
    const { items } = reader.read(resourceList(cm('x', 'data:\n  a: "1"\n  b: 0755\n')));
    const o = items[0];
    expect(Object.keys(o)).toEqual(['apiVersion', 'kind', 'metadata', 'data']);
    expect('data' in o).toBe(true);
    expect(Object.keys({ ...o })).toEqual(['apiVersion', 'kind', 'metadata', 'data']);
    expect(JSON.parse(JSON.stringify(o)).data).toEqual({ a: '1', b: '\u0000raw:0755' });
    (o.data as Record<string, unknown>).a = '2';
    const out = writeResourceList(reader, items, []);
    expect(out).toMatch(/\n {4}a: ['"]2['"]\n/);
    expect(out).toContain('    b: 0755\n');
    delete o.data;
    expect(writeResourceList(reader, items, [])).not.toMatch(/\n  data:/);
  });

  it('parses at once an item whose layout it cannot vouch for, and gives it back unchanged', () => {
    const odd = [
      cm('quoted-key', '"data":\n  k: v\n'),
      cm('multi-line', 'data:\n  k: v\nnote: "a\n  b"\n'),
      'kind: ConfigMap\napiVersion: "v1"\nmetadata: {name: flow}\n',
      cm('comment', '# at column 0\ndata:\n  k: v\n'),
    ];
    const input = resourceList(...odd);
    const reader = new ResourceListReader();
    const { items } = reader.read(input);
    expect(items.map((i) => i.metadata.name)).toEqual(['quoted-key', 'multi-line', 'flow', 'comment']);
    expect(writeResourceList(reader, items, [])).toBe(input);
  });

  it('a transform that reads an invalid item gets a clear error result and the input back', () => {
    const input = resourceList(cm('broken', 'data:\n  k: [unclosed\n'));
    const out = runOnText('test-fn', (rl) => ({ items: rl.items.map((i) => ({ ...i })), results: [] }), input);
    expect(out.exitCode).toBe(1);
    expect(out.results[0].message).toMatch(/test-fn: cannot read the ResourceList: item 0 \(ConfigMap broken\) is not valid YAML/);
    expect(out.stdout.startsWith(input)).toBe(true);
  });
});
