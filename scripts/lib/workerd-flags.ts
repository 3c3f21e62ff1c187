/**
 * The compatibility flags a workerd binary knows, read from the binary itself: workerd embeds the compiled Cap'n
 * Proto schema of `CompatibilityFlags` (src/workerd/io/compatibility-date.capnp), and each field carries its flag
 * names and, for flags Cloudflare refuses on deployed Workers, the `$experimental` annotation. Reading the installed
 * binary (rather than a copied list) keeps the answer true for whatever workerd version `npm ci` brought.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

// Annotation ids declared in compatibility-date.capnp; ids are part of the schema and never change.
const EXPERIMENTAL = 0xe3e5a63e76284d88n;
const ENABLE_FLAG = 0xb6dabbc87cd1b03en;
const DISABLE_FLAG = 0xd145cf1adc42577cn;
const ENABLE_DATE = 0x91a5d5d7244cf6d0n;

const NODE_NAME = "workerd/io/compatibility-date.capnp:CompatibilityFlags";
const VALUE_TEXT = 12; // schema.capnp Value union: text

export interface CompatFlag {
  field: string;
  enableFlag?: string;
  disableFlag?: string;
  enableDate?: string;
  experimental: boolean;
}

interface StructRef {
  data: number; // byte offset of the data section
  dataWords: number;
  pointers: number; // byte offset of the pointer section
  pointerCount: number;
}

/** A minimal reader for one Cap'n Proto single-segment message laid out in `buf` (no far pointers in schemas). */
class Capnp {
  constructor(private readonly buf: Buffer) {}

  private target(at: number): number {
    const lo = this.buf.readUInt32LE(at);
    return at + 8 + ((lo | 0) >> 2) * 8; // signed 30-bit word offset from the end of the pointer
  }

  struct(at: number): StructRef | null {
    const lo = this.buf.readUInt32LE(at);
    if (lo === 0 && this.buf.readUInt32LE(at + 4) === 0) return null;
    if ((lo & 3) !== 0) throw new Error(`not a struct pointer at ${at}`);
    const data = this.target(at);
    const dataWords = this.buf.readUInt16LE(at + 4);
    return { data, dataWords, pointers: data + dataWords * 8, pointerCount: this.buf.readUInt16LE(at + 6) };
  }

  pointer(s: StructRef, i: number): number | null {
    return i < s.pointerCount ? s.pointers + i * 8 : null;
  }

  text(at: number | null): string | undefined {
    if (at === null) return undefined;
    const lo = this.buf.readUInt32LE(at);
    const hi = this.buf.readUInt32LE(at + 4);
    if (lo === 0 && hi === 0) return undefined;
    if ((lo & 3) !== 1 || (hi & 7) !== 2) throw new Error(`not a text pointer at ${at}`);
    const start = this.target(at);
    return this.buf.toString("utf8", start, start + (hi >>> 3) - 1); // count includes the NUL
  }

  /** Elements of a List(struct) (inline-composite encoding). */
  structList(at: number | null): StructRef[] {
    if (at === null) return [];
    const lo = this.buf.readUInt32LE(at);
    const hi = this.buf.readUInt32LE(at + 4);
    if (lo === 0 && hi === 0) return [];
    if ((lo & 3) !== 1 || (hi & 7) !== 7) throw new Error(`not a struct list at ${at}`);
    const tag = this.target(at);
    const count = this.buf.readUInt32LE(tag) >>> 2;
    const dataWords = this.buf.readUInt16LE(tag + 4);
    const pointerCount = this.buf.readUInt16LE(tag + 6);
    const size = (dataWords + pointerCount) * 8;
    return Array.from({ length: count }, (_, i) => {
      const data = tag + 8 + i * size;
      return { data, dataWords, pointers: data + dataWords * 8, pointerCount };
    });
  }

  u64(s: StructRef, byte: number): bigint {
    return byte + 8 <= s.dataWords * 8 ? this.buf.readBigUInt64LE(s.data + byte) : 0n;
  }

  u16(s: StructRef, byte: number): number {
    return byte + 2 <= s.dataWords * 8 ? this.buf.readUInt16LE(s.data + byte) : 0;
  }
}

/**
 * Finds the schema node whose displayName is NODE_NAME: the node struct's first pointer (displayName) points at
 * that text, and the message's root pointer (offset 0) sits right before the node's data section.
 */
function findFlagsNode(buf: Buffer, reader: Capnp): StructRef {
  const name = Buffer.from(`${NODE_NAME}\0`);
  for (let t = buf.indexOf(name); t >= 0; t = buf.indexOf(name, t + 1)) {
    if (t % 8 !== 0) continue;
    for (let root = t - 8; root >= Math.max(0, t - 8 * 64); root -= 8) {
      const lo = buf.readUInt32LE(root);
      if (lo !== 0) continue; // struct pointer, offset 0
      const dataWords = buf.readUInt16LE(root + 4);
      const pointerCount = buf.readUInt16LE(root + 6);
      if (dataWords === 0 || pointerCount < 4 || dataWords > 16 || pointerCount > 16) continue;
      const node = reader.struct(root);
      if (!node) continue;
      try {
        if (reader.text(reader.pointer(node, 0)) === NODE_NAME) return node;
      } catch {
        /* not this word */
      }
    }
  }
  throw new Error(`${NODE_NAME} not found in the workerd binary`);
}

/** Every field of CompatibilityFlags in `binary` with its flag names, enable date and experimental mark. */
export function compatFlagsOf(binary: string): CompatFlag[] {
  const buf = readFileSync(binary);
  const reader = new Capnp(buf);
  const node = findFlagsNode(buf, reader);
  // schema.capnp Node: pointer 3 is struct.fields. Field: pointer 0 name, pointer 1 annotations.
  // Annotation: data word 0 id, pointer 0 value. Value: data u16 0 which, pointer 0 text.
  return reader.structList(reader.pointer(node, 3)).map((field) => {
    const flag: CompatFlag = { field: reader.text(reader.pointer(field, 0)) ?? "", experimental: false };
    for (const ann of reader.structList(reader.pointer(field, 1))) {
      const id = reader.u64(ann, 0);
      const value = reader.struct(reader.pointer(ann, 0)!);
      const text = value && reader.u16(value, 0) === VALUE_TEXT ? reader.text(reader.pointer(value, 0)) : undefined;
      if (id === EXPERIMENTAL) flag.experimental = true;
      else if (id === ENABLE_FLAG) flag.enableFlag = text;
      else if (id === DISABLE_FLAG) flag.disableFlag = text;
      else if (id === ENABLE_DATE) flag.enableDate = text;
    }
    return flag;
  });
}

/**
 * Flag names that need `--experimental`, i.e. that Cloudflare refuses on deployed Workers: the enable flags of
 * `$experimental` fields (workerd accepts their disable flags, which only turn the feature off).
 */
export function experimentalFlagNames(flags: CompatFlag[]): string[] {
  return flags
    .filter((f) => f.experimental && f.enableFlag)
    .map((f) => f.enableFlag!)
    .sort();
}

export interface InstalledWorkerd {
  /** Who resolves it: wrangler (dev, deploy's bundling) or the vitest plugin's miniflare. */
  user: string;
  version: string;
  binary: string;
}

/** The workerd binaries this checkout actually runs: wrangler's own and the one the test suite's miniflare uses. */
export function installedWorkerds(root: string): InstalledWorkerd[] {
  const found = new Map<string, InstalledWorkerd>();
  for (const user of ["wrangler", "miniflare", "@cloudflare/vitest-plugin"]) {
    let from: string;
    try {
      from = path.dirname(createRequire(path.join(root, "package.json")).resolve(`${user}/package.json`));
    } catch {
      continue;
    }
    // miniflare depends on workerd; resolve it from the user's own package directory, as Node does at run time.
    const req = createRequire(path.join(from, "package.json"));
    let workerdDir: string;
    try {
      workerdDir = path.dirname(req.resolve("workerd/package.json"));
    } catch {
      try {
        const mf = path.dirname(req.resolve("miniflare/package.json"));
        workerdDir = path.dirname(createRequire(path.join(mf, "package.json")).resolve("workerd/package.json"));
      } catch {
        continue;
      }
    }
    const binary = (createRequire(path.join(workerdDir, "package.json"))("workerd") as { default: string }).default;
    const version = (JSON.parse(readFileSync(path.join(workerdDir, "package.json"), "utf8")) as { version: string })
      .version;
    if (!found.has(binary)) found.set(binary, { user, version, binary });
  }
  return [...found.values()];
}
