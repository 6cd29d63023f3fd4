/**
 * One readiness gate for the whole package: Porch (and Nephio's approval controller) approve a
 * package revision once every condition its ROOT Kptfile's `info.readinessGates` lists is True,
 * and read conditions from that Kptfile only (porch `pkg/repository/util.go` ToAPIConditions /
 * ToAPIReadinessGates). The claims, VLANs and NADs of subpackages have their conditions in their
 * own Kptfiles, which Porch never reads, so the root Kptfile gets one condition that sums them all
 * up - True only when every one of them is - and a gate listing it. A blueprint can list the gate
 * ahead of time; a package that is pending, or whose cluster is not ready, never looks ready.
 */
import { CLAIM_CONDITION_PREFIX } from './claims';
import { CLUSTER_CONDITION_PREFIX } from './clusters';
import { Condition, isKptfile } from './conditions';
import { isObject, KubeObject, packagePathOf } from './kube/object';
import { NAD_CONDITION_PREFIX } from './nads';
import { byText } from './order';
import { VLAN_CONDITION_PREFIX } from './vlans';

/** The condition type of the gate: fixed, so a blueprint can list it before anything is rendered. */
export const READINESS_GATE = 'netpipe.dev/networks-ready';

/** The conditions the gate sums up: everything these functions report progress with. */
const SUMMED = [CLAIM_CONDITION_PREFIX, VLAN_CONDITION_PREFIX, NAD_CONDITION_PREFIX, CLUSTER_CONDITION_PREFIX, 'req.nephio.org/v1alpha1.Interface.'];

/** How many pending conditions the message names before it counts the rest. */
const NAMED = 5;

const conditionsOf = (k: KubeObject): Condition[] =>
  isObject(k.status) && Array.isArray(k.status.conditions) ? (k.status.conditions as unknown[]).filter((c): c is Condition => isObject(c) && typeof c.type === 'string') : [];

function gatesOf(k: KubeObject): unknown[] {
  return isObject(k.info) && Array.isArray(k.info.readinessGates) ? k.info.readinessGates : [];
}

const listsGate = (k: KubeObject): boolean => gatesOf(k).some((g) => isObject(g) && g.conditionType === READINESS_GATE);

/**
 * `items` with the root Kptfile's gate condition brought up to date (and the gate listed). Nothing
 * is written when the tree has nothing to report and the root does not list the gate.
 */
export function withReadinessGate(items: readonly KubeObject[]): KubeObject[] {
  const kptfiles = items.filter(isKptfile);
  if (kptfiles.length === 0) return [...items];
  const root = kptfiles.reduce((a, k) => (packagePathOf(k).length < packagePathOf(a).length ? k : a));
  const summed = kptfiles
    .flatMap((k) => conditionsOf(k).filter((c) => SUMMED.some((p) => c.type.startsWith(p))).map((c) => ({ pkg: packagePathOf(k), c })))
    .sort((a, b) => byText(a.pkg, b.pkg) || byText(a.c.type, b.c.type));
  if (summed.length === 0 && !listsGate(root)) return [...items];
  const pending = summed.filter(({ c }) => c.status !== 'True');
  const packages = new Set(summed.map((s) => s.pkg)).size;
  // Package paths relative to the root, as a reader of the root Kptfile sees the tree (kpt hands
  // functions absolute package paths).
  const rootPath = packagePathOf(root);
  const where = (pkg: string): string => {
    const rel = pkg === rootPath ? '' : rootPath !== '' && pkg.startsWith(`${rootPath}/`) ? pkg.slice(rootPath.length + 1) : pkg;
    return rel === '' || rel === '.' ? '' : `${rel}: `;
  };
  const condition: Condition =
    pending.length === 0
      ? {
          type: READINESS_GATE,
          status: 'True',
          reason: 'Ready',
          message: summed.length === 0 ? 'nothing to allocate' : `all ${summed.length} claim, VLAN and NAD conditions are True (${packages} package${packages === 1 ? '' : 's'})`,
        }
      : {
          type: READINESS_GATE,
          status: 'False',
          reason: 'Pending',
          message:
            `${pending.length} of ${summed.length} not done: ` +
            pending
              .slice(0, NAMED)
              .map(({ pkg, c }) => `${where(pkg)}${c.type}${c.message ? ` (${c.message})` : ''}`)
              .join('; ') +
            (pending.length > NAMED ? `; and ${pending.length - NAMED} more` : ''),
        };
  const next = withGate(root, condition);
  return next === root ? [...items] : items.map((o) => (o === root ? next : o));
}

/** The gate's condition goes last, so each step's own conditions keep the order they had. */
function withGate(root: KubeObject, condition: Condition): KubeObject {
  const current = conditionsOf(root);
  const conditions = [...current.filter((c) => c.type !== READINESS_GATE), condition];
  if (JSON.stringify(conditions) === JSON.stringify(current) && listsGate(root)) return root;
  const info = isObject(root.info) ? root.info : {};
  const gates = listsGate(root) ? gatesOf(root) : [...gatesOf(root), { conditionType: READINESS_GATE }];
  const status = isObject(root.status) ? root.status : {};
  return { ...root, info: { ...info, readinessGates: gates }, status: { ...status, conditions } };
}
