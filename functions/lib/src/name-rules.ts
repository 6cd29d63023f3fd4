import { familiesOf, Interface, normalizeFamilyPolicy } from './api/types';
import { ANNOTATIONS, getAnnotation, nameOf, namespaceOf } from './kube/object';
import { attachmentName, claimName, generatedFileName, nadRefOf, ownerNameOf } from './generated-names';
import { errorFor, Result } from './results';

/**
 * The name rules of what we emit, checked before anything is emitted: a name Kubernetes, kpt or
 * Linux refuses must fail the render that makes it, naming the input to shorten or fix - not the
 * node, and not kpt halfway through writing the tree.
 */

/** Kubernetes resource names (DNS-1123 subdomain). */
export const MAX_NAME = 253;
/** Label values and namespaces (DNS-1123 label). */
export const MAX_LABEL = 63;
/** Linux IFNAMSIZ (16) less the terminating NUL: pod interface and master interface names. */
export const MAX_IFNAME = 15;
/** File names on the file systems kpt writes to. */
export const MAX_FILE_NAME_BYTES = 255;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Why `name` is not a Kubernetes resource name, or undefined. */
export function resourceNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > MAX_NAME) return `it has ${name.length} characters, more than the ${MAX_NAME} Kubernetes allows`;
  if (!DNS1123_SUBDOMAIN.test(name)) return 'Kubernetes names are lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit';
  return undefined;
}

export function namespaceProblem(ns: string): string | undefined {
  if (ns.length > MAX_LABEL) return `it has ${ns.length} characters, more than the ${MAX_LABEL} Kubernetes allows`;
  if (!DNS1123_LABEL.test(ns)) return 'namespaces are lower-case letters, digits and `-`, starting and ending with a letter or digit';
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (value.length > MAX_LABEL) return `it has ${value.length} characters, more than the ${MAX_LABEL} a label value may have`;
  if (!LABEL_VALUE.test(value)) return 'label values are letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit';
  return undefined;
}

/** Linux accepts any bytes but `/`, `:`, whitespace and NUL, up to 15, and not `.` or `..`. */
export function ifNameProblem(name: string): string | undefined {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0) return 'it is empty';
  if (bytes > MAX_IFNAME) return `it has ${bytes} bytes, more than the ${MAX_IFNAME} of a Linux interface name (IFNAMSIZ)`;
  // eslint-disable-next-line no-control-regex -- NUL is exactly what a Linux interface name cannot hold
  if (name === '.' || name === '..' || /[/:\s\u0000]/.test(name)) return 'Linux interface names cannot be `.` or `..` or hold `/`, `:` or whitespace';
  return undefined;
}

export function fileNameProblem(file: string): string | undefined {
  const bytes = Buffer.byteLength(file, 'utf8');
  return bytes > MAX_FILE_NAME_BYTES ? `the file name ${file} has ${bytes} bytes, more than the ${MAX_FILE_NAME_BYTES} file systems allow` : undefined;
}

/** What a generated name is made of, so a message can say what to shorten. */
function inputsOf(itf: Interface): string {
  const owner = ownerNameOf(itf);
  const ownerKey = getAnnotation(itf, ANNOTATIONS.for) !== undefined ? ANNOTATIONS.for : ANNOTATIONS.owner;
  return owner
    ? `the workload name ${owner} (last part of ${ownerKey}, ${owner.length} characters) or the Interface name ${nameOf(itf)} (${nameOf(itf).length})`
    : `the Interface name ${nameOf(itf)} (${nameOf(itf).length} characters)`;
}

/**
 * Every name an Interface makes us emit - its pod interface, IPClaims, NAD, their files - checked
 * at once. Errors are on the Interface and say which input to change.
 */
export function interfaceNameProblems(itf: Interface): Result[] {
  const results: Result[] = [];
  const name = nameOf(itf);
  const own = resourceNameProblem(name) ?? ifNameProblem(name);
  if (own) {
    results.push(
      errorFor(
        itf,
        `Interface ${name}: its name is the pod's interface name (Multus \`interface\`), which must be a Kubernetes name ` +
          `of at most ${MAX_IFNAME} characters; ${own}. Rename the Interface (e.g. n3, eth1, net-1)`,
        'metadata.name',
        name,
      ),
    );
    return results;
  }
  const ns = namespaceOf(itf);
  const nsProblem = ns === '' ? undefined : namespaceProblem(ns);
  if (nsProblem) results.push(errorFor(itf, `Interface ${name}: namespace ${ns} is not valid: ${nsProblem}`, 'metadata.namespace', ns));
  const generated: Array<{ kind: string; name: string; file: string }> = [];
  for (const family of familiesOf(normalizeFamilyPolicy(itf.spec.ipFamilyPolicy))) {
    const claim = claimName(itf, family);
    generated.push({ kind: 'IPClaim', name: claim, file: generatedFileName('IPClaim', claim) });
  }
  const nad = attachmentName(itf);
  generated.push({ kind: 'NetworkAttachmentDefinition', name: nad, file: generatedFileName('NetworkAttachmentDefinition', nad) });
  for (const g of generated) {
    const problem = resourceNameProblem(g.name) ?? fileNameProblem(g.file);
    if (!problem) continue;
    results.push(
      errorFor(
        itf,
        `Interface ${name} would generate ${g.kind} ${g.name}, but ${problem}. Shorten or fix ${inputsOf(itf)}`,
        ownerNameOf(itf) ? `metadata.annotations[${getAnnotation(itf, ANNOTATIONS.for) !== undefined ? ANNOTATIONS.for : ANNOTATIONS.owner}]` : 'metadata.name',
      ),
    );
    break;
  }
  const nadNs = nadRefOf(itf).namespace;
  const nadNsProblem = nadNs === '' || nadNs === ns ? undefined : namespaceProblem(nadNs);
  if (nadNsProblem) {
    results.push(
      errorFor(itf, `Interface ${name}: NAD namespace ${nadNs} is not valid: ${nadNsProblem}`, `metadata.annotations[${ANNOTATIONS.nadNamespace}]`, nadNs),
    );
  }
  const networkName = getAnnotation(itf, ANNOTATIONS.networkName);
  const netProblem = networkName === undefined ? undefined : labelValueProblem(networkName);
  if (netProblem) {
    results.push(
      errorFor(
        itf,
        `Interface ${name}: ${ANNOTATIONS.networkName} ${networkName} becomes a label value of its IPClaims, but ${netProblem}`,
        `metadata.annotations[${ANNOTATIONS.networkName}]`,
        networkName,
      ),
    );
  }
  return results;
}
