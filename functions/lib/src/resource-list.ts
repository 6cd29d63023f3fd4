import { isKubeObject, KubeObject, ANNOTATIONS, getAnnotation } from './kube/object';
import { dumpYaml, loadYaml } from './yaml/scalar-schema';
import { indentItem, splitResourceList } from './yaml/item-splitter';
import { patchItemText } from './yaml/item-patcher';
import { Result } from './results';

export interface ResourceList {
  items: KubeObject[];
  functionConfig?: KubeObject;
}

/** What was read for an item, so an unchanged item can go back as the exact text it came in as. */
interface Origin {
  text: string;
  snapshot: string;
}

export class ResourceListError extends Error {}

/**
 * Reads a ResourceList and remembers each item's source. Items are returned in input order and
 * nothing is merged or dropped, whatever their keys.
 */
export class ResourceListReader {
  private readonly byObject = new WeakMap<object, Origin>();
  private readonly byKey = new Map<string, Origin>();

  read(text: string): ResourceList {
    const split = splitResourceList(text);
    return split ? this.readSplit(split.items, split.fields) : this.readParsed(text);
  }

  private readSplit(itemTexts: string[], fields: Map<string, string>): ResourceList {
    if (!/^kind:\s*['"]?ResourceList['"]?\s*$/.test((fields.get('kind') ?? '').trim())) {
      throw new ResourceListError('input is not a ResourceList (kind: ResourceList expected on stdin)');
    }
    const items = itemTexts.map((t, i) => this.remember(parseItem(t, i), t));
    const fc = fields.get('functionConfig');
    return { items, functionConfig: fc === undefined ? undefined : parseFunctionConfig(fc) };
  }

  private readParsed(text: string): ResourceList {
    let doc: unknown;
    try {
      doc = loadYaml(text);
    } catch (e) {
      throw new ResourceListError(`input is not valid YAML: ${(e as Error).message}`);
    }
    if (!isRecord(doc) || doc.kind !== 'ResourceList') {
      throw new ResourceListError('input is not a ResourceList (kind: ResourceList expected on stdin)');
    }
    const raw = doc.items ?? [];
    if (!Array.isArray(raw)) throw new ResourceListError('ResourceList.items must be a list');
    const items = raw.map((item, i) => {
      if (!isKubeObject(item)) throw new ResourceListError(`item ${i} has no apiVersion, kind and metadata`);
      return this.remember(item, dumpYaml(item));
    });
    const fc = doc.functionConfig;
    if (fc !== undefined && fc !== null && !isKubeObject(fc)) {
      throw new ResourceListError('functionConfig has no apiVersion, kind and metadata');
    }
    return { items, functionConfig: fc ?? undefined };
  }

  private remember(item: KubeObject, text: string): KubeObject {
    const origin = { text, snapshot: JSON.stringify(item) };
    this.byObject.set(item, origin);
    const key = originKey(item);
    if (key !== undefined) this.byKey.set(key, origin);
    return item;
  }

  /**
   * The text to write for an item: its original text when unchanged; when changed, the original
   * text with only the changed entries rewritten; a new item is printed whole.
   */
  textOf(item: KubeObject): string {
    const key = originKey(item);
    const origin = this.byObject.get(item) ?? (key === undefined ? undefined : this.byKey.get(key));
    if (!origin) return dumpYaml(item);
    const now = JSON.stringify(item);
    if (origin.snapshot === now) return origin.text;
    return patchItemText(origin.text, JSON.parse(origin.snapshot), item) ?? dumpYaml(item);
  }
}

/**
 * What ties an output item to the input item it was made from when a function returns a copy:
 * kpt's id annotation (render), else the file and position kpt recorded (eval, source).
 */
function originKey(o: KubeObject): string | undefined {
  const id = getAnnotation(o, ANNOTATIONS.id);
  if (id !== undefined) return `id:${id}`;
  const path = getAnnotation(o, ANNOTATIONS.path) ?? getAnnotation(o, ANNOTATIONS.legacyPath);
  if (path === undefined) return undefined;
  const index = getAnnotation(o, ANNOTATIONS.index) ?? getAnnotation(o, ANNOTATIONS.legacyIndex) ?? '0';
  return `file:${getAnnotation(o, ANNOTATIONS.packagePath) ?? ''}|${path}|${index}`;
}

function parseItem(text: string, index: number): KubeObject {
  let value: unknown;
  try {
    value = loadYaml(text);
  } catch (e) {
    throw new ResourceListError(`item ${index} is not valid YAML: ${(e as Error).message}`);
  }
  if (!isKubeObject(value)) {
    throw new ResourceListError(`item ${index} has no apiVersion, kind and metadata`);
  }
  return value;
}

function parseFunctionConfig(fieldText: string): KubeObject | undefined {
  const doc = loadYaml(fieldText);
  const fc = isRecord(doc) ? doc.functionConfig : undefined;
  if (fc === undefined || fc === null) return undefined;
  if (!isKubeObject(fc)) throw new ResourceListError('functionConfig has no apiVersion, kind and metadata');
  return fc;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Writes items in the given order: unchanged ones as their original text, the rest printed. */
export function writeResourceList(reader: ResourceListReader, items: readonly KubeObject[], results: readonly Result[]): string {
  const parts: string[] = ['apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n'];
  if (items.length === 0) parts.push('items: []\n');
  else {
    parts.push('items:\n');
    for (const item of items) parts.push(indentItem(reader.textOf(item)));
  }
  if (results.length > 0) parts.push(dumpYaml({ results }));
  return parts.join('');
}
