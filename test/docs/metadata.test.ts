import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

/**
 * Each function's metadata.yaml in the kpt function catalog's format (image, description, tags,
 * sourceURL, examplePackageURLs, license), pointing at things that exist: the image name
 * `npm run images` builds, the function's source, the packages its README's Examples run, and the
 * license the project is published under.
 */
const ROOT = join(__dirname, '..', '..');
const FUNCTIONS = ['interface-fn', 'ipam-fn', 'nad-fn', 'deployment-annotate-fn', 'netpipe-fn'];
const FIELDS = ['image', 'description', 'tags', 'sourceURL', 'examplePackageURLs', 'license'];

interface Metadata {
  image: string;
  description: string;
  tags: string[];
  sourceURL: string;
  examplePackageURLs: string[];
  license: string;
}

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

describe('metadata.yaml', () => {
  const license = (JSON.parse(read('package.json')) as { license: string }).license;
  const imageRepo = /process\.env\.IMAGE_REPO \?\? '([^']+)'/.exec(read('scripts/images.mjs'))?.[1];

  it.each(FUNCTIONS)('%s', (fn) => {
    const m = load(read(`functions/${fn}/metadata.yaml`)) as Metadata;
    expect(Object.keys(m).sort()).toEqual([...FIELDS].sort());
    expect(imageRepo).toBeDefined();
    expect(m.image).toBe(`${imageRepo}/${fn}`);
    expect(m.description.length).toBeGreaterThan(20);
    expect(m.tags).toContain('mutator');
    expect(existsSync(join(ROOT, m.sourceURL, 'src', 'main.ts'))).toBe(true);
    expect(m.sourceURL).toBe(`functions/${fn}`);
    expect(m.license).toBe(license);
    expect(m.examplePackageURLs.length).toBeGreaterThan(0);
    const examples = read(`functions/${fn}/README.md`).split('\n## Examples\n')[1] ?? '';
    for (const pkg of m.examplePackageURLs) {
      expect(existsSync(join(ROOT, pkg))).toBe(true);
      expect(examples).toContain(`kpt fn eval ${pkg} `);
    }
  });
});
