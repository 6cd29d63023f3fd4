/**
 * The owners of an address space, each interned to a small integer id, so a holding refers to
 * its owner by 4 bytes and an owner holding both families is stored once.
 *
 * Owner names are claim bindings, `<cluster>/<namespace>/<claim name>`: many share everything up
 * to the last `/`. That directory part is interned once; the rest is kept as one byte per
 * character in 64 KiB pages rather than as a string object (16 bytes of header, then the
 * characters). Names with characters above U+00FF or longer than 255 characters after the
 * directory are kept as strings. Ids are reused, so they stay below the largest number of
 * owners ever present at once.
 */
import { FNV_OFFSET_BASIS, fnvStep, fnvString, hashString, mix, RowIndex } from './row-index';

const PAGE_BITS = 16;
const PAGE_SIZE = 1 << PAGE_BITS;
const IN_PAGE = PAGE_SIZE - 1;
/** `at` of a name kept as a string in `unpacked`. */
const UNPACKED = 0xffffffff;
/** `at` of an id not in use. */
const FREE = 0xfffffffe;
const MAX_PACKED_LENGTH = 255;
/** Pages kept after a compaction for reuse: a new 64 KiB page costs far more than writing one. */
const MAX_SPARE_PAGES = 8;
const SLASH = 47;
/** Names up to this long are copied into a scratch buffer while they are hashed. */
const SCRATCH = 512;

class OwnerIndex extends RowIndex<string> {
  constructor(private readonly table: OwnerTable) {
    super();
  }

  protected hashOfKey(key: string): number {
    return hashString(key);
  }

  protected hashOfRow(id: number): number {
    return this.table.hashOf(id);
  }

  protected rowHasKey(id: number, key: string): boolean {
    return this.table.is(id, key);
  }

  /** By id: the names are then read from the pages nearly in the order they were written. */
  protected override placeRowsInOrder(place: (row: number, h: number) => void): boolean {
    this.table.forEachId(place);
    return true;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4;
}

export class OwnerTable {
  private pages: Uint8Array[] = [];
  private spare: Uint8Array[] = [];
  /**
   * Where each id's entry starts (page * PAGE_SIZE + offset), or UNPACKED or FREE. An entry is
   * the directory id (varint), the length of the rest (one byte), then the rest's characters.
   */
  private at = new Uint32Array(16).fill(FREE);
  /** Next free byte: page * PAGE_SIZE + offset. */
  private end = 0;
  /** Bytes of removed entries still in the pages. */
  private garbage = 0;
  private readonly unpacked = new Map<number, string>();
  private readonly dirs: string[] = [''];
  /** FNV-1a state after each directory's characters: a name hashes from there on. */
  private readonly dirStates: number[] = [FNV_OFFSET_BASIS];
  private readonly dirIds = new Map<string, number>([['', 0]]);
  /** The directory stored last: claims of one namespace usually come one after another. */
  private lastDir = '';
  private lastDirId = 0;
  /** The directory stored last as bytes (-1: not kept so), to recognise it without a string. */
  private readonly lastDirBytes = new Uint8Array(SCRATCH);
  private lastDirLength = 0;
  /**
   * What `hash` learnt about the name it read last: where its directory ends, the hash state
   * there, whether the rest fits in bytes, and whether all its characters are in `scratch`.
   */
  private hashed = '';
  private hashedCut = 0;
  private hashedDirState = FNV_OFFSET_BASIS;
  private hashedPackable = true;
  private hashedInScratch = true;
  private readonly scratch = new Uint8Array(SCRATCH);
  private readonly freeIds: number[] = [];
  private nextId = 0;
  private readonly index = new OwnerIndex(this);
  /** The entry `decode` read last: directory id, length, where its characters start. */
  private dir = 0;
  private length = 0;
  private chars = 0;

  get size(): number {
    return this.index.size;
  }

  /** The id of `owner`, or -1. */
  idOf(owner: string): number {
    return this.index.lookup(owner, hashString(owner));
  }

  /**
   * `hashString(owner)`, for `find` and a following `add`: the one pass over the name also
   * notes where its directory part ends and whether the rest fits in bytes, so `add` of the
   * same name reads its characters only to copy them.
   */
  hash(owner: string): number {
    const n = owner.length;
    const scratch = this.scratch;
    let h = FNV_OFFSET_BASIS;
    let cut = 0;
    let dirState = FNV_OFFSET_BASIS;
    /** Every character code or-ed: of the rest (after the last '/'), of the directory. */
    let bits = 0;
    let dirBits = 0;
    for (let i = 0; i < n; i++) {
      const c = owner.charCodeAt(i);
      h = fnvStep(h, c);
      scratch[i & (SCRATCH - 1)] = c;
      if (c === SLASH) {
        cut = i + 1;
        dirState = h;
        dirBits |= bits;
        bits = 0;
      } else {
        bits |= c;
      }
    }
    this.hashed = owner;
    this.hashedCut = cut;
    this.hashedDirState = dirState;
    this.hashedPackable = bits <= 0xff && n - cut <= MAX_PACKED_LENGTH;
    this.hashedInScratch = n <= SCRATCH && (bits | dirBits) <= 0xff;
    return mix(h);
  }

  /** `idOf` for a caller that keeps the hash (`hash(owner)`) for a following `add`. */
  find(owner: string, h: number): number {
    return this.index.lookup(owner, h);
  }

  /** Interns `owner`, which must not be present, and returns its new id. `h`: `hashString(owner)`. */
  add(owner: string, h: number = hashString(owner)): number {
    const id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.nextId++;
    if (id >= this.at.length) {
      const grown = new Uint32Array(this.at.length * 2).fill(FREE);
      grown.set(this.at);
      this.at = grown;
    }
    // Into the index first: a rebuild it triggers reads the stored names, this one not yet among them.
    this.index.insert(id, h);
    this.store(id, owner);
    return id;
  }

  /** Forgets the owner with this id; the id may be handed out again. */
  remove(id: number): void {
    this.index.delete(id);
    const at = this.at[id]!;
    if (at === UNPACKED) {
      this.unpacked.delete(id);
    } else {
      this.decode(at);
      this.garbage += this.chars + this.length - at;
    }
    this.at[id] = FREE;
    this.freeIds.push(id);
    if (this.garbage > PAGE_SIZE && this.garbage * 2 > this.end) this.compact();
  }

  name(id: number): string {
    const at = this.at[id]!;
    if (at === UNPACKED) return this.unpacked.get(id)!;
    this.decode(at);
    const page = this.pages[at >>> PAGE_BITS]!;
    const start = this.chars & IN_PAGE;
    return this.dirs[this.dir]! + String.fromCharCode(...page.subarray(start, start + this.length));
  }

  /** Whether id's name is `key`, without building the name. */
  is(id: number, key: string): boolean {
    const at = this.at[id]!;
    if (at === UNPACKED) return this.unpacked.get(id) === key;
    this.decode(at);
    const prefix = this.dirs[this.dir]!;
    const length = this.length;
    if (prefix.length + length !== key.length) return false;
    for (let i = 0; i < prefix.length; i++) if (prefix.charCodeAt(i) !== key.charCodeAt(i)) return false;
    const page = this.pages[at >>> PAGE_BITS]!;
    const start = this.chars & IN_PAGE;
    for (let i = 0; i < length; i++) if (page[start + i] !== key.charCodeAt(prefix.length + i)) return false;
    return true;
  }

  /** Calls `f` with every id in use and the hash of its name, in id order. */
  forEachId(f: (id: number, h: number) => void): void {
    const at = this.at;
    for (let id = 0; id < this.nextId; id++) if (at[id] !== FREE) f(id, this.hashOf(id));
  }

  /** `hashString` of id's name. */
  hashOf(id: number): number {
    const at = this.at[id]!;
    if (at === UNPACKED) return hashString(this.unpacked.get(id)!);
    this.decode(at);
    let h = this.dirStates[this.dir]!;
    const page = this.pages[at >>> PAGE_BITS]!;
    const start = this.chars & IN_PAGE;
    for (let i = 0; i < this.length; i++) h = fnvStep(h, page[start + i]!);
    return mix(h);
  }

  private decode(at: number, pages: readonly Uint8Array[] = this.pages): void {
    const page = pages[at >>> PAGE_BITS]!;
    let p = at & IN_PAGE;
    let dir = 0;
    for (let shift = 0; ; shift += 7) {
      const b = page[p++]!;
      dir |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    this.dir = dir;
    this.length = page[p++]!;
    this.chars = (at & ~IN_PAGE) + p;
  }

  private store(id: number, owner: string): void {
    let cut: number;
    let packable: boolean;
    if (owner === this.hashed) {
      cut = this.hashedCut;
      packable = this.hashedPackable;
      if (packable && this.hashedInScratch) {
        this.storeHashed(id);
        return;
      }
    } else {
      cut = owner.lastIndexOf('/') + 1;
      packable = owner.length - cut <= MAX_PACKED_LENGTH;
      for (let i = cut; packable && i < owner.length; i++) packable = owner.charCodeAt(i) <= 0xff;
    }
    const length = owner.length - cut;
    if (!packable) {
      this.unpacked.set(id, owner);
      this.at[id] = UNPACKED;
      return;
    }
    const dir = this.dirIdOf(owner, cut);
    const page = this.reserve(varintSize(dir) + 1 + length);
    let p = this.end & IN_PAGE;
    this.at[id] = this.end;
    for (let d = dir; ; d >>>= 7) {
      page[p++] = d < 0x80 ? d : (d & 0x7f) | 0x80;
      if (d < 0x80) break;
    }
    page[p++] = length;
    for (let i = cut; i < owner.length; i++) page[p++] = owner.charCodeAt(i);
    this.end += p - (this.end & IN_PAGE);
  }

  /** `store` of the name `hash` read last, from the bytes it left in `scratch`. */
  private storeHashed(id: number): void {
    const scratch = this.scratch;
    const n = this.hashed.length;
    const cut = this.hashedCut;
    const length = n - cut;
    let dir = this.lastDirId;
    if (cut !== this.lastDirLength || this.hashedDirState !== this.dirStates[dir] || !sameBytes(scratch, this.lastDirBytes, cut)) {
      dir = this.dirIdOf(this.hashed, cut);
    }
    const page = this.reserve(varintSize(dir) + 1 + length);
    let p = this.end & IN_PAGE;
    this.at[id] = this.end;
    for (let d = dir; ; d >>>= 7) {
      page[p++] = d < 0x80 ? d : (d & 0x7f) | 0x80;
      if (d < 0x80) break;
    }
    page[p++] = length;
    for (let i = cut; i < n; i++) page[p++] = scratch[i]!;
    this.end += p - (this.end & IN_PAGE);
  }

  /** The id of `owner`'s first `cut` characters as a directory, interned if new. */
  private dirIdOf(owner: string, cut: number): number {
    const last = this.lastDir;
    if (last.length === cut && owner.startsWith(last)) return this.lastDirId;
    const name = owner.slice(0, cut);
    let dir = this.dirIds.get(name);
    if (dir === undefined) {
      dir = this.dirs.length;
      this.dirs.push(name);
      this.dirStates.push(fnvString(FNV_OFFSET_BASIS, name));
      this.dirIds.set(name, dir);
    }
    this.lastDir = name;
    this.lastDirId = dir;
    let bytes = cut <= SCRATCH;
    for (let i = 0; bytes && i < cut; i++) {
      const c = name.charCodeAt(i);
      this.lastDirBytes[i] = c;
      bytes = c <= 0xff;
    }
    this.lastDirLength = bytes ? cut : -1;
    return dir;
  }

  /** The page where `size` bytes fit at `end`, moving `end` to a new page when they do not. */
  private reserve(size: number): Uint8Array {
    if (this.end + size > this.pages.length * PAGE_SIZE) {
      this.end = this.pages.length * PAGE_SIZE;
      this.pages.push(this.spare.pop() ?? new Uint8Array(PAGE_SIZE));
    }
    return this.pages[this.pages.length - 1]!;
  }

  /** Rewrites the live entries into fresh pages once removed ones take more room than they do. */
  private compact(): void {
    const old = this.pages;
    this.pages = [];
    this.end = 0;
    this.garbage = 0;
    for (let id = 0; id < this.nextId; id++) {
      const at = this.at[id]!;
      if (at === FREE || at === UNPACKED) continue;
      // An entry is self-contained (directory id, length, characters): copy its bytes.
      this.decode(at, old);
      const from = at & IN_PAGE;
      const size = this.chars + this.length - at;
      const page = this.reserve(size);
      const to = this.end & IN_PAGE;
      page.set(old[at >>> PAGE_BITS]!.subarray(from, from + size), to);
      this.at[id] = this.end;
      this.end += size;
    }
    for (const page of old) if (this.spare.length < MAX_SPARE_PAGES) this.spare.push(page);
  }
}
