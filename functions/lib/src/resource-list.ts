import { isKubeObject, KubeObject, ANNOTATIONS, getAnnotation } from './kube/object';
import { dumpYaml, loadYaml } from './yaml/scalar-schema';
import { dedentLines, indentItem, reindentedText, splitResourceList } from './yaml/item-splitter';
import { dedentRaw, headerOf, ItemHeader } from './yaml/item-sections';
import { itemLabel, itemSource } from './yaml/item-label';
import { YamlLimitError } from './yaml/limits';
import { patchItemText } from './yaml/item-patcher';
import { jsonEqual } from './yaml/json-equal';
import { Result } from './results';

export interface ResourceList {
  items: KubeObject[];
  functionConfig?: KubeObject;
}

/** What was read for an item, so an unchanged item can go back as the exact text it came in as. */
interface Origin {
  /** The item's text, dedented; computed when first needed. */
  text(): string;
  /** Its lines as they stood in the ResourceList, when writing them back is the same as re-indenting `text`. */
  indented?: string;
  /** The item as read, a value no function holds, for telling a changed item from an unchanged one. */
  before(): unknown;
  /** A lazily read item: is it, as it stands now, what was read? */
  unchanged?(): boolean;
}

export class ResourceListError extends Error {
  /** The file of the item that could not be read, when kpt's annotations say it. */
  constructor(message: string, readonly file?: string) {
    super(message);
  }
}

/**
 * Reads a ResourceList and remembers each item's source. Items are returned in input order and
 * nothing is merged or dropped, whatever their keys.
 *
 * Items in kpt's layout are read lazily: apiVersion and kind come from the text, every other
 * top-level field is parsed (through the same loadYaml) when a function first reads it. Functions
 * read most items only for their kind, so most of the text is never parsed; an item nobody
 * parsed goes back as its text without any printing.
 */
export class ResourceListReader {
  private readonly byObject = new WeakMap<object, Origin>();
  private readonly byKey = new Map<string, Origin>();

  read(text: string): ResourceList {
    const split = splitResourceList(text);
    return split ? this.readSplit(split.raw, split.fields) : this.readParsed(text);
  }

  private readSplit(rawItems: string[], fields: Map<string, string>): ResourceList {
    if (!/^kind:\s*['"]?ResourceList['"]?\s*$/.test((fields.get('kind') ?? '').trim())) {
      throw new ResourceListError('input is not a ResourceList (kind: ResourceList expected on stdin)');
    }
    const items = rawItems.map((raw, i) => this.lazyItem(raw, i) ?? this.eagerItem(raw, i));
    const fc = fields.get('functionConfig');
    return { items, functionConfig: fc === undefined ? undefined : parseFunctionConfig(fc) };
  }

  /** Parsed whole, now: items whose layout headerOf does not vouch for. */
  private eagerItem(raw: string, index: number): KubeObject {
    const text = `${dedentLines(raw.split('\n')).join('\n')}\n`;
    const item = parseItem(text, index);
    const snapshot = JSON.stringify(item);
    this.remember(item, { text: () => text, indented: reindentedText(raw), before: () => JSON.parse(snapshot) });
    return item;
  }

  private lazyItem(raw: string, index: number): KubeObject | undefined {
    const header = headerOf(raw);
    if (!header) return undefined;
    const origin = new LazyOrigin(raw, index, header, this);
    const item = new Proxy({ origin }, lazyHandler) as unknown as KubeObject;
    origin.item = item;
    this.byObject.set(item, origin);
    return item;
  }

  /** Called by a lazy item when its metadata is first read. */
  registerKey(item: KubeObject, origin: Origin): void {
    this.rememberKey(item, origin);
  }

  private readParsed(text: string): ResourceList {
    let doc: unknown;
    try {
      doc = loadYaml(text, Number.POSITIVE_INFINITY);
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
      const text = dumpYaml(item);
      const snapshot = JSON.stringify(item);
      this.remember(item, { text: () => text, before: () => JSON.parse(snapshot) });
      return item;
    });
    const fc = doc.functionConfig;
    if (fc !== undefined && fc !== null && !isKubeObject(fc)) {
      throw new ResourceListError('functionConfig has no apiVersion, kind and metadata');
    }
    return { items, functionConfig: fc ?? undefined };
  }

  private remember(item: KubeObject, origin: Origin): void {
    this.byObject.set(item, origin);
    this.rememberKey(item, origin);
  }

  /** A function may return a copy of an item; its metadata says which item it was made from. */
  private rememberKey(item: KubeObject, origin: Origin): void {
    const key = originKey(item);
    if (key !== undefined) this.byKey.set(key, origin);
  }

  /**
   * The text to write for an item: its original text when unchanged; when changed, the original
   * text with only the changed entries rewritten; a new item is printed whole.
   */
  textOf(item: KubeObject): string {
    const origin = this.originOf(item);
    return this.textFrom(item, origin, origin !== undefined && this.isUnchanged(item, origin));
  }

  private textFrom(item: KubeObject, origin: Origin | undefined, unchanged: boolean): string {
    if (!origin) return dumpYaml(item);
    if (unchanged) return origin.text();
    return patchItemText(origin.text(), origin.before(), item) ?? dumpYaml(item);
  }

  /** The item as an entry of the ResourceList's `items`: for an unchanged item, the lines it came in. */
  indentedTextOf(item: KubeObject): string {
    // The origin is looked up and compared once per item (a copy's lookup reads its annotations).
    const origin = this.originOf(item);
    const unchanged = origin !== undefined && this.isUnchanged(item, origin);
    if (unchanged) {
      const indented = origin.indented;
      if (indented !== undefined) return indented;
    }
    return indentItem(this.textFrom(item, origin, unchanged));
  }

  private originOf(item: KubeObject): Origin | undefined {
    const own = this.byObject.get(item);
    if (own) return own;
    // Only now, for an object the reader did not hand out: reading its metadata is safe.
    const key = originKey(item);
    return key === undefined ? undefined : this.byKey.get(key);
  }

  private isUnchanged(item: KubeObject, origin: Origin): boolean {
    if (origin.unchanged && this.byObject.get(item) === origin) return origin.unchanged();
    return jsonEqual(item, origin.before());
  }
}

/**
 * A lazily read item is a Proxy over its LazyOrigin: cheap to make (no per-field property
 * definitions), and once parsed every trap forwards to the parsed object.
 */
const lazyHandler: ProxyHandler<LazyTarget> = {
  get: (t, key) => (key === 'apiVersion' ? t.origin.current('apiVersion') : key === 'kind' ? t.origin.current('kind') : typeof key === 'string' ? t.origin.value()[key] : undefined),
  set: (t, key, value) => {
    if (typeof key !== 'string') return false;
    t.origin.value()[key] = value;
    return true;
  },
  has: (t, key) => typeof key === 'string' && t.origin.keys().includes(key),
  ownKeys: (t) => [...t.origin.keys()],
  getOwnPropertyDescriptor: (t, key) => {
    if (typeof key !== 'string' || !t.origin.keys().includes(key)) return undefined;
    return { value: lazyHandler.get?.(t, key, t), writable: true, enumerable: true, configurable: true };
  },
  deleteProperty: (t, key) => typeof key === 'string' && delete t.origin.value()[key],
  defineProperty: (t, key, d) => {
    if (typeof key !== 'string') return false;
    Object.defineProperty(t.origin.value(), key, d);
    return true;
  },
};

interface LazyTarget {
  origin: LazyOrigin;
}

/**
 * The source of a lazily read item. The first read of any field but apiVersion and kind parses the
 * whole item (one parser call: cheaper than one per field, and the items a function reads at all
 * it mostly reads whole).
 */
class LazyOrigin implements Origin {
  private parsed: Record<string, unknown> | undefined;
  /**
   * The item parsed a second time, when it is written: the text does not change, so this is the
   * item as the function first saw it (cheaper than a JSON snapshot taken at the first read).
   */
  private pristine: Record<string, unknown> | undefined;

  constructor(
    private readonly raw: string,
    private readonly index: number,
    private readonly header: ItemHeader,
    private readonly reader: ResourceListReader,
  ) {}

  /** Asked once, when the item is written. */
  get indented(): string | undefined {
    return reindentedText(this.raw);
  }

  /** The proxy handed out for this item. */
  item: KubeObject | undefined;

  /** The field names: as read, until the item is parsed; then the parsed object's. */
  keys(): readonly string[] {
    return this.parsed ? Object.keys(this.parsed) : this.header.keys;
  }

  /** apiVersion or kind without parsing, unless the item was parsed (and maybe changed). */
  current(key: 'apiVersion' | 'kind'): unknown {
    return this.parsed ? this.parsed[key] : this.header[key];
  }

  value(): Record<string, unknown> {
    if (this.parsed) return this.parsed;
    const value = parseEntry(this.raw, this.index) as Record<string, unknown>;
    this.parsed = value;
    if (this.item) this.reader.registerKey(this.item, this);
    return value;
  }

  private dedented: string | undefined;
  text(): string {
    this.dedented ??= dedentRaw(this.raw);
    return this.dedented;
  }

  before(): Record<string, unknown> {
    this.pristine ??= parseEntry(this.raw, this.index) as Record<string, unknown>;
    return this.pristine;
  }

  unchanged(): boolean {
    return !this.parsed || jsonEqual(this.parsed, this.before());
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
    const what = e instanceof YamlLimitError ? 'is refused' : 'is not valid YAML';
    throw new ResourceListError(`${itemLabel(text, index)} ${what}: ${(e as Error).message}`, itemSource(text).path);
  }
  if (!isKubeObject(value)) {
    throw new ResourceListError(`${itemLabel(text, index)} has no apiVersion, kind and metadata`, itemSource(text).path);
  }
  return value;
}

/**
 * An item parsed as the sequence entry it is in the ResourceList (`- apiVersion: ...`): no copy
 * of its text dedented first.
 */
function parseEntry(raw: string, index: number): KubeObject {
  let value: unknown;
  try {
    value = loadYaml(raw);
  } catch (e) {
    const text = dedentRaw(raw);
    const what = e instanceof YamlLimitError ? 'is refused' : 'is not valid YAML';
    throw new ResourceListError(`${itemLabel(text, index)} ${what}: ${(e as Error).message}`, itemSource(text).path);
  }
  const item = Array.isArray(value) && value.length === 1 ? value[0] : undefined;
  if (!isKubeObject(item)) {
    const text = dedentRaw(raw);
    throw new ResourceListError(`${itemLabel(text, index)} has no apiVersion, kind and metadata`, itemSource(text).path);
  }
  return item;
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
    for (const item of items) parts.push(reader.indentedTextOf(item));
  }
  if (results.length > 0) parts.push(dumpYaml({ results }));
  return parts.join('');
}
