/**
 * A parser for the block YAML that kpt (kyaml) writes: block mappings and sequences (compact
 * sequences under a key included), plain, single- and double-quoted one-line scalars, literal block
 * scalars (`|`, `|-`), `[]` and `{}`, comments and blank lines. It gives exactly the value js-yaml
 * gives with LOSSLESS_SCHEMA (plain scalars resolve through plain-scalars.ts), several times
 * faster and with less garbage.
 *
 * Anything outside that subset - anchors, aliases, tags, flow collections, folded or indented
 * block scalars, multi-line flow scalars, tabs, CR, explicit keys, directives, duplicate, merge or
 * `__proto__` keys, nesting deeper than MAX_DEPTH, text js-yaml would reject - returns
 * NOT_IN_SUBSET, and the caller loads the text with js-yaml, which gives the value or the error.
 * So this parser never decides an error, and a document it accepts has no aliases and nests at
 * most MAX_DEPTH levels: the YAML limits (limits.ts) cannot be exceeded by what it returns.
 */
import { resolvePlain } from './plain-scalars';

export const NOT_IN_SUBSET: unique symbol = Symbol('not in the block subset');

/** Well below YAML_LIMITS.maxDepth, so js-yaml decides anything near the limit. */
const MAX_DEPTH = 50;

/** Thrown (one instance, no stack) when the text leaves the subset. */
const OUTSIDE = { outside: true };

// Characters js-yaml rejects or treats specially where this parser does not follow it: C0 controls
// but LF, DEL and C1, tab and CR (indentation and line-break rules), BOM, line/paragraph separators,
// lone or paired surrogates (js-yaml's non-printable check looks at pairs), U+FFFE/U+FFFF.
// eslint-disable-next-line no-control-regex -- the control characters YAML 1.2 does not allow in a document
const UNSUPPORTED_CHAR = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]/;

const SPACE = 32;
const LF = 10;
const HASH = 35;
const DASH = 45;
const COLON = 58;
const DQUOTE = 34;
const SQUOTE = 39;

/** Parses `text`, or returns NOT_IN_SUBSET. */
export function parseBlockYaml(text: string): unknown {
  if (UNSUPPORTED_CHAR.test(text)) return NOT_IN_SUBSET;
  try {
    return new BlockParser(text).document();
  } catch (e) {
    if (e === OUTSIDE) return NOT_IN_SUBSET;
    throw e;
  }
}

const SPACES = / */y;
/** The characters of a double-quoted scalar up to its closing quote, an escape or the line's end. */
const DQ_RUN = /[^"\\\n]*/y;
const KEY_CACHE = new Map<string, string>();
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Works line by line with native string operations (indexOf, slice, sticky regexes) rather than
 * character loops: the functions run this code once per render, mostly before V8 optimises it,
 * so the work per character must be done by the engine's built-ins.
 */
class BlockParser {
  private readonly len: number;
  private depth = 0;
  /** Where the node just parsed ends: the start of the next line that is not filler, or len. */
  private next = 0;
  /** The indentation of the line at `next` (when next < len). */
  private nextInd = 0;

  constructor(private readonly s: string) {
    this.len = s.length;
  }

  document(): unknown {
    this.skipFillers(0, -1);
    // An empty document loads as undefined in js-yaml; not worth a special case here.
    if (this.next >= this.len || this.nextInd !== 0) throw OUTSIDE;
    const value = this.blockNode(this.next, 0);
    if (this.next < this.len) throw OUTSIDE;
    return value;
  }

  private lineEnd(p: number): number {
    const e = this.s.indexOf('\n', p);
    return e < 0 ? this.len : e;
  }

  /**
   * Sets `next` to the start of the first line at or after `p` (a line start) that is neither blank
   * nor a comment (or to the text's length) and `nextInd` to its indentation. With
   * `maxCommentIndent` >= 0, a comment indented further than that is outside the subset (after a
   * one-line scalar js-yaml looks at such a line as a possible continuation).
   */
  private skipFillers(p: number, maxCommentIndent: number): void {
    const s = this.s;
    while (p < this.len) {
      SPACES.lastIndex = p;
      SPACES.test(s);
      const q = SPACES.lastIndex;
      if (q >= this.len) break;
      const c = s.charCodeAt(q);
      if (c === LF) {
        // A line of spaces only: js-yaml may take it for part of a scalar.
        if (q > p) throw OUTSIDE;
        p = q + 1;
        continue;
      }
      if (c !== HASH) {
        if (q === p && this.isDocumentMarker(p)) throw OUTSIDE;
        this.next = p;
        this.nextInd = q - p;
        return;
      }
      if (maxCommentIndent >= 0 && q - p > maxCommentIndent) throw OUTSIDE;
      p = this.lineEnd(q) + 1;
    }
    this.next = this.len;
    this.nextInd = -1;
  }

  private isDocumentMarker(p: number): boolean {
    const s = this.s;
    const c = s.charCodeAt(p);
    if (c === 37) return true; // % directive
    if ((c === DASH || c === 46) && s.charCodeAt(p + 1) === c && s.charCodeAt(p + 2) === c) {
      const d = s.charCodeAt(p + 3);
      return d !== d || d === SPACE || d === LF; // NaN at the end
    }
    return false;
  }

  /** A block node whose first line starts at `lineStart`, its content at column `ind`. */
  private blockNode(lineStart: number, ind: number): unknown {
    if (++this.depth > MAX_DEPTH) throw OUTSIDE;
    const p = lineStart + ind;
    let value: unknown;
    if (this.s.charCodeAt(p) === DASH && this.isBlank(p + 1)) value = this.sequence(lineStart, ind);
    else {
      // A scalar on a line of its own (maybe multi-line) is not a key: js-yaml decides.
      if (!this.keyAt(p)) throw OUTSIDE;
      value = this.mapping(ind);
    }
    this.depth--;
    return value;
  }

  /** Whether the character at p ends a token: a space, a line break or the end. */
  private isBlank(p: number): boolean {
    if (p >= this.len) return true;
    const c = this.s.charCodeAt(p);
    return c === SPACE || c === LF;
  }

  /** A block sequence whose `-` entries stand at column `ind`, the first on the line at `lineStart`. */
  private sequence(lineStart: number, ind: number): unknown[] {
    const s = this.s;
    const out: unknown[] = [];
    let line = lineStart;
    for (;;) {
      SPACES.lastIndex = line + ind + 1; // after the dash
      SPACES.test(s);
      const p = SPACES.lastIndex;
      const c = p < this.len ? s.charCodeAt(p) : LF;
      if (c === LF || c === HASH) {
        // `-` alone: the entry is the block below it, or null.
        if (c === HASH && s.charCodeAt(p - 1) !== SPACE) throw OUTSIDE;
        this.skipFillers(this.lineEnd(p) + 1, -1);
        out.push(this.nextInd > ind ? this.blockNode(this.next, this.nextInd) : null);
      } else if (c === DASH && this.isBlank(p + 1)) {
        throw OUTSIDE; // `- - x`
      } else if (this.keyAt(p)) {
        if (++this.depth > MAX_DEPTH) throw OUTSIDE;
        out.push(this.mapping(p - line));
        this.depth--;
      } else {
        out.push(this.inlineValue(p, ind));
      }
      const next = this.next;
      if (next >= this.len) return out;
      if (this.nextInd > ind) throw OUTSIDE;
      if (this.nextInd < ind || !(s.charCodeAt(next + ind) === DASH && this.isBlank(next + ind + 1))) return out;
      line = next;
    }
  }

  /** The key keyAt just read, and the position after its colon. */
  private keyName = '';
  private keyAfter = 0;

  /**
   * A block mapping whose keys stand at column `ind`; keyAt has just read its first key (mid-line
   * after a sequence dash, or at a line's indentation).
   */
  private mapping(ind: number): Record<string, unknown> {
    const s = this.s;
    const out: Record<string, unknown> = {};
    for (;;) {
      const name = this.keyName;
      if (name === '__proto__' || name === '<<' || hasOwn.call(out, name)) throw OUTSIDE;
      SPACES.lastIndex = this.keyAfter;
      SPACES.test(s);
      const v = SPACES.lastIndex;
      const c = v < this.len ? s.charCodeAt(v) : LF;
      if (c === LF || c === HASH) {
        // Nothing on the key's line: a block below it (or a compact sequence at the key's column), or null.
        this.skipFillers(this.lineEnd(v) + 1, -1);
        const below = this.next;
        const belowInd = this.nextInd;
        if (belowInd > ind) out[name] = this.blockNode(below, belowInd);
        else if (belowInd === ind && s.charCodeAt(below + ind) === DASH && this.isBlank(below + ind + 1)) out[name] = this.blockNode(below, ind);
        else out[name] = null;
      } else {
        out[name] = this.inlineValue(v, ind);
      }
      if (this.next >= this.len || this.nextInd < ind) return out;
      if (this.nextInd > ind) throw OUTSIDE;
      // Not a key: a compact sequence entry of an outer mapping, or an error; js-yaml decides.
      if (!this.keyAt(this.next + ind)) throw OUTSIDE;
    }
  }

  /**
   * Reads the mapping key starting at p into keyName and keyAfter; false when the line there is
   * not `key:` followed by a space or the line's end.
   */
  private keyAt(p: number): boolean {
    const s = this.s;
    const c = s.charCodeAt(p);
    if (c === DQUOTE || c === SQUOTE) {
      const value = c === DQUOTE ? this.doubleQuoted(p) : this.singleQuoted(p);
      const end = this.quoteEnd;
      if (s.charCodeAt(end) !== COLON || !this.isBlank(end + 1)) return false;
      this.keyName = value;
      this.keyAfter = end + 1;
      return true;
    }
    if (!this.plainStart(p)) return false;
    // Searched within the line: a search of the rest of the text would cost O(n) per line.
    const line = s.slice(p, this.lineEnd(p));
    let i = line.indexOf(':', 1);
    while (i >= 0 && i + 1 < line.length && line.charCodeAt(i + 1) !== SPACE) i = line.indexOf(':', i + 1);
    if (i < 0) return false;
    const hash = line.indexOf(' #');
    if (hash >= 0 && hash < i) return false;
    if (line.charCodeAt(i - 1) === SPACE) throw OUTSIDE; // `key :`
    const text = line.slice(0, i);
    let name = KEY_CACHE.get(text);
    if (name === undefined) {
      name = String(resolvePlain(text));
      if (KEY_CACHE.size < 10000) KEY_CACHE.set(text, name);
    }
    this.keyName = name;
    this.keyAfter = p + i + 1;
    return true;
  }

  /** Whether a plain scalar may start at p (js-yaml's rule, minus `?x` and `:x`, which go to js-yaml). */
  private plainStart(p: number): boolean {
    const c = this.s.charCodeAt(p);
    switch (c) {
      case SPACE: case LF: case HASH: case 44: case 91: case 93: case 123: case 125: // , [ ] { }
      case 38: case 42: case 33: case 124: case 62: case SQUOTE: case DQUOTE: case 37: case 64: case 96: // & * ! | > ' " % @ `
      case 63: case COLON: // ? :
        return false;
      case DASH:
        return !this.isBlank(p + 1);
      default:
        return c === c; // not NaN (the end)
    }
  }

  /**
   * A value on the rest of a line (after `key: ` or `- `), starting at p. `ind` is the column of
   * the containing mapping's keys or sequence's dashes. Sets `next`.
   */
  private inlineValue(p: number, ind: number): unknown {
    const s = this.s;
    const c = s.charCodeAt(p);
    const end = this.lineEnd(p);
    let value: unknown;
    let after: number;
    if (c === DQUOTE || c === SQUOTE) {
      value = c === DQUOTE ? this.doubleQuoted(p) : this.singleQuoted(p);
      after = this.quoteEnd;
    } else if (c === 124) {
      return this.literal(p, end, ind);
    } else if ((c === 91 && s.charCodeAt(p + 1) === 93) || (c === 123 && s.charCodeAt(p + 1) === 125)) {
      value = c === 91 ? [] : {};
      after = p + 2;
    } else {
      if (!this.plainStart(p)) throw OUTSIDE;
      const line = s.slice(p, end);
      let stop = line.indexOf(' #');
      if (stop < 0) stop = line.length;
      const colon = line.indexOf(': ');
      if (colon >= 0 && colon < stop) throw OUTSIDE;
      let last = stop - 1;
      while (line.charCodeAt(last) === SPACE) last--;
      if (line.charCodeAt(last) === COLON) throw OUTSIDE;
      value = resolvePlain(last + 1 === line.length ? line : line.slice(0, last + 1));
      after = p + last + 1;
    }
    // Only spaces and a comment may follow on the line.
    if (after < end) {
      SPACES.lastIndex = after;
      SPACES.test(s);
      const i = SPACES.lastIndex;
      if (i < end && (s.charCodeAt(i) !== HASH || i === after)) throw OUTSIDE;
    }
    // A further-indented line below a one-line scalar would continue it (or be an error).
    this.skipFillers(end + 1, ind);
    if (this.nextInd > ind) throw OUTSIDE;
    return value;
  }

  /** `|` or `|-` at p; content lines indented past `ind`, at the first content line's indentation. */
  private literal(p: number, end: number, ind: number): string {
    const s = this.s;
    let h = p + 1;
    let strip = false;
    if (s.charCodeAt(h) === DASH) {
      strip = true;
      h++;
    }
    if (h !== end) throw OUTSIDE; // keep (+), indentation indicators, comments after the header
    let line = end + 1;
    let textIndent = -1;
    let emptyLines = 0;
    const parts: string[] = [];
    while (line < this.len) {
      const e = this.lineEnd(line);
      if (e === line) {
        emptyLines++;
        line = e + 1;
        continue;
      }
      SPACES.lastIndex = line;
      SPACES.test(s);
      const li = SPACES.lastIndex - line;
      if (line + li === e) throw OUTSIDE; // spaces only
      if (textIndent < 0) {
        if (li <= ind) break;
        textIndent = li;
      } else if (li < textIndent) break;
      if (parts.length > 0) parts.push('\n'.repeat(1 + emptyLines));
      else if (emptyLines > 0) parts.push('\n'.repeat(emptyLines));
      parts.push(s.slice(line + textIndent, e));
      emptyLines = 0;
      line = e + 1;
    }
    if (textIndent < 0) throw OUTSIDE; // no content: js-yaml's rules for that are subtle
    if (!strip) parts.push('\n');
    this.skipFillers(Math.min(line, this.len), -1);
    return parts.join('');
  }

  /** A double-quoted scalar closed on its line. */
  /** Where the quoted scalar just read ends (after its closing quote). */
  private quoteEnd = 0;

  private doubleQuoted(p: number): string {
    const s = this.s;
    let out = '';
    let from = p + 1;
    for (let i = p + 1; ; i++) {
      DQ_RUN.lastIndex = i;
      DQ_RUN.test(s);
      i = DQ_RUN.lastIndex;
      if (i >= this.len) throw OUTSIDE;
      const c = s.charCodeAt(i);
      if (c === LF) throw OUTSIDE;
      if (c === DQUOTE) {
        this.quoteEnd = i + 1;
        return out + s.slice(from, i);
      }
      if (c !== 92) continue; // backslash
      out += s.slice(from, i);
      const e = s.charCodeAt(i + 1);
      let n = 0;
      switch (e) {
        case 48: out += '\0'; break;
        case 97: out += '\x07'; break;
        case 98: out += '\b'; break;
        case 116: out += '\t'; break;
        case 110: out += '\n'; break;
        case 118: out += '\v'; break;
        case 102: out += '\f'; break;
        case 114: out += '\r'; break;
        case 101: out += '\x1b'; break;
        case SPACE: out += ' '; break;
        case DQUOTE: out += '"'; break;
        case 47: out += '/'; break;
        case 92: out += '\\'; break;
        case 78: out += '\x85'; break;
        case 95: out += '\xa0'; break;
        case 76: out += '\u2028'; break;
        case 80: out += '\u2029'; break;
        case 120: n = 2; break;
        case 117: n = 4; break;
        default: throw OUTSIDE; // \U, a line break, unknown escapes
      }
      if (n > 0) {
        const hex = s.slice(i + 2, i + 2 + n);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) throw OUTSIDE;
        out += String.fromCharCode(parseInt(hex, 16));
      }
      i += 1 + n;
      from = i + 1;
    }
  }

  /** A single-quoted scalar closed on its line. */
  private singleQuoted(p: number): string {
    const s = this.s;
    const end = this.lineEnd(p);
    let out = '';
    let from = p + 1;
    for (;;) {
      const i = s.indexOf("'", from);
      if (i < 0 || i > end) throw OUTSIDE;
      out += s.slice(from, i);
      if (s.charCodeAt(i + 1) !== SQUOTE) {
        this.quoteEnd = i + 1;
        return out;
      }
      out += "'";
      from = i + 2;
    }
  }
}
