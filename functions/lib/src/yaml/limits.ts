/**
 * Limits on what one YAML document may cost, checked wherever a document is loaded. YAML aliases
 * share nodes, so a 1 KB document can stand for billions of them (an "alias bomb"): loading is
 * cheap, but anything that walks or prints the value (the item snapshot, JSON, dumping) expands
 * every alias. The expanded size and depth are counted on the shared graph, each node once, so the
 * check costs what the document's text costs, and a document over a limit fails before any walk.
 */
export const YAML_LIMITS = {
  /** Bytes of one document (item). Kubernetes objects are at most ~1.5 MiB in etcd. */
  maxDocumentBytes: 8 * 1024 * 1024,
  /** Nodes of a document with every alias expanded; never below the document's own size. */
  maxExpandedNodes: 1_000_000,
  /** Nesting of mappings and sequences; Kubernetes objects nest a few dozen levels at most. */
  maxDepth: 100,
} as const;

export class YamlLimitError extends Error {}

export function checkDocumentSize(text: string): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > YAML_LIMITS.maxDocumentBytes) {
    throw new YamlLimitError(`the document has ${bytes} bytes, more than the ${YAML_LIMITS.maxDocumentBytes} allowed per resource`);
  }
}

interface Cost {
  nodes: number;
  depth: number;
}

/**
 * Counts the expanded nodes and the depth of a loaded value; throws on a limit, and on a merge key
 * (`<<`), which this loader keeps as a plain key while Kubernetes' YAML readers merge it - the
 * functions would see other data than the cluster.
 */
export function checkLoadedValue(value: unknown, textLength: number): void {
  const maxNodes = Math.max(YAML_LIMITS.maxExpandedNodes, textLength);
  const memo = new Map<object, Cost>();
  // Iterative post-order walk: deep documents must not overflow the stack here either.
  const stack: Array<{ node: object; children: unknown[]; next: number; depth: number }> = [];
  const childrenOf = (node: object): unknown[] => {
    if (Array.isArray(node)) return node;
    const keys = Object.keys(node);
    if (keys.includes('<<')) {
      throw new YamlLimitError('merge keys (<<) are not supported: Kubernetes readers merge them and this one would not; write the keys out');
    }
    return keys.map((k) => (node as Record<string, unknown>)[k]);
  };
  // Mappings and sequences only: scalars (RawScalar included) have a class of their own.
  const isNode = (v: unknown): v is object =>
    Array.isArray(v) || (typeof v === 'object' && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null));
  if (!isNode(value)) return;
  stack.push({ node: value, children: childrenOf(value), next: 0, depth: 1 });
  let total: Cost = { nodes: 1, depth: 1 };
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.depth > YAML_LIMITS.maxDepth) {
      throw new YamlLimitError(`mappings and lists nest deeper than ${YAML_LIMITS.maxDepth} levels`);
    }
    if (top.next < top.children.length) {
      const child = top.children[top.next++];
      if (isNode(child) && !memo.has(child)) {
        if (stack.some((f) => f.node === child)) throw new YamlLimitError('an alias refers to a node that contains it');
        stack.push({ node: child, children: childrenOf(child), next: 0, depth: top.depth + 1 });
      }
      continue;
    }
    let nodes = 1;
    let depth = 1;
    for (const c of top.children) {
      if (!isNode(c)) {
        nodes += 1;
        continue;
      }
      const cost = memo.get(c)!;
      nodes += cost.nodes;
      if (cost.depth + 1 > depth) depth = cost.depth + 1;
    }
    if (nodes > maxNodes) {
      throw new YamlLimitError(`with its aliases expanded the document has more than ${maxNodes} nodes (an alias bomb?); write it without nested aliases`);
    }
    if (depth > YAML_LIMITS.maxDepth) {
      throw new YamlLimitError(`mappings and lists nest deeper than ${YAML_LIMITS.maxDepth} levels`);
    }
    total = { nodes, depth };
    memo.set(top.node, total);
    stack.pop();
  }
  void total;
}
