/**
 * Minimal Cap'n Proto reader + streaming message framer for openpilot logs.
 *
 * Why hand-written instead of generated code (capnp-es / capnp-ts): logs.md §4.1 measured a
 * generic hand-written reader at ~1.8 GB/s vs 79 MB/s for capnp-es (23x), and generated code means
 * ~0.7 MB of schema JS plus a `capnp` binary at build time. We read ~15 structs and ~60 fields, so
 * the offsets are written down once in schema.ts (copied from annotated/*.offsets.capnp) and
 * this file only implements the wire format:
 *   - unpacked framing: u32 (segments-1), u32 size per segment (words), pad to 8 bytes, segments;
 *   - struct/list pointers, single-far and double-far pointers;
 *   - schema evolution: a field beyond a struct's data/pointer section reads as its default.
 *
 * Allocation discipline (a qlog has ~12.5k messages, an rlog ~70k per minute): the framer reuses
 * ONE `CapnpMessage` object for every message; callbacks must copy out anything they keep. Messages
 * that lie inside one input chunk are read in place (no copy); only messages straddling a chunk
 * boundary are assembled into a fresh buffer.
 */
import { LogFormatError } from "./errors";

export const MAX_SEGMENTS = 512;
export const DEFAULT_MAX_MESSAGE_BYTES = 16 << 20;
/** Composite lists of zero-sized elements cost no bytes; cap them so a hostile count can't spin. */
const MAX_EMPTY_LIST = 1 << 16;

const badPointer = (msg: string, at?: number): never => {
  throw new LogFormatError("bad-pointer", msg, at);
};

const textDecoder = new TextDecoder("utf-8");

/** A reference to a struct inside a message. Cheap to create; valid only while its message is. */
export class StructRef {
  constructor(
    readonly m: CapnpMessage,
    readonly seg: number,
    /** Absolute byte offset of the data section in m.dv. */
    readonly dataOff: number,
    /** Data section size in bytes. */
    readonly dataBytes: number,
    /** Absolute byte offset of the pointer section. */
    readonly ptrOff: number,
    readonly ptrCount: number,
  ) {}

  u8(off: number): number {
    return off < this.dataBytes ? this.m.dv.getUint8(this.dataOff + off) : 0;
  }
  i8(off: number): number {
    return off < this.dataBytes ? this.m.dv.getInt8(this.dataOff + off) : 0;
  }
  u16(off: number, xor = 0): number {
    return off + 2 <= this.dataBytes ? this.m.dv.getUint16(this.dataOff + off, true) ^ xor : xor;
  }
  u32(off: number): number {
    return off + 4 <= this.dataBytes ? this.m.dv.getUint32(this.dataOff + off, true) : 0;
  }
  i32(off: number): number {
    return off + 4 <= this.dataBytes ? this.m.dv.getInt32(this.dataOff + off, true) : 0;
  }
  /** u64 as a JS number: exact below 2^53 (monotonic ns up to ~104 days), ~0.25 µs resolution for wall ns. */
  u64(off: number): number {
    if (off + 8 > this.dataBytes) return 0;
    const dv = this.m.dv;
    return dv.getUint32(this.dataOff + off + 4, true) * 4294967296 + dv.getUint32(this.dataOff + off, true);
  }
  /** Exact u64. */
  u64n(off: number): bigint {
    return off + 8 <= this.dataBytes ? this.m.dv.getBigUint64(this.dataOff + off, true) : 0n;
  }
  i64(off: number): number {
    if (off + 8 > this.dataBytes) return 0;
    const dv = this.m.dv;
    return dv.getInt32(this.dataOff + off + 4, true) * 4294967296 + dv.getUint32(this.dataOff + off, true);
  }
  f32(off: number): number {
    return off + 4 <= this.dataBytes ? this.m.dv.getFloat32(this.dataOff + off, true) : 0;
  }
  f64(off: number): number {
    return off + 8 <= this.dataBytes ? this.m.dv.getFloat64(this.dataOff + off, true) : 0;
  }
  /** Bool at bit offset `bit` of the data section; `def` is the schema default (XOR-encoded on the wire). */
  bool(bit: number, def = false): boolean {
    const byte = bit >>> 3;
    if (byte >= this.dataBytes) return def;
    return ((this.m.dv.getUint8(this.dataOff + byte) >>> (bit & 7)) & 1) === 1 ? !def : def;
  }

  /** Absolute offset of pointer slot i, or -1 when the struct (from an older schema) has no such slot. */
  ptrAt(i: number): number {
    return i < this.ptrCount ? this.ptrOff + i * 8 : -1;
  }
  hasPtr(i: number): boolean {
    if (i >= this.ptrCount) return false;
    const dv = this.m.dv,
      p = this.ptrOff + i * 8;
    return dv.getUint32(p, true) !== 0 || dv.getUint32(p + 4, true) !== 0;
  }
  struct(i: number): StructRef | null {
    return i < this.ptrCount ? this.m.readStruct(this.seg, this.ptrOff + i * 8) : null;
  }
  list(i: number): ListRef | null {
    return i < this.ptrCount ? this.m.readList(this.seg, this.ptrOff + i * 8) : null;
  }
  /** Text field (NUL terminator dropped). Missing/null -> "". */
  text(i: number): string {
    const l = this.list(i);
    return l ? l.text() : "";
  }
  /** Data field as a view into the message (copy it to keep it). Missing/null -> null. */
  data(i: number): Uint8Array | null {
    const l = this.list(i);
    return l ? l.bytes() : null;
  }
}

/** Element sizes of list pointers (capnp wire enum). */
export enum ElemSize {
  Void = 0,
  Bit = 1,
  Byte = 2,
  TwoBytes = 3,
  FourBytes = 4,
  EightBytes = 5,
  Pointer = 6,
  Composite = 7,
}

export class ListRef {
  constructor(
    readonly m: CapnpMessage,
    readonly seg: number,
    readonly elemSize: ElemSize,
    readonly length: number,
    /** Absolute byte offset of element 0 (after the tag word for composite lists). */
    readonly start: number,
    /** Bytes per element (0 for void / bit lists). */
    readonly stride: number,
    readonly elemDataBytes: number,
    readonly elemPtrCount: number,
  ) {}

  bytes(): Uint8Array {
    if (this.elemSize !== ElemSize.Byte) badPointer("expected a byte list (Text/Data)", this.start);
    return this.m.u8.subarray(this.start, this.start + this.length);
  }
  text(): string {
    const b = this.bytes();
    const n = b.length > 0 && b[b.length - 1] === 0 ? b.length - 1 : b.length;
    // Short ASCII (versions, branch names, enum-like strings) is faster by hand than TextDecoder.
    if (n <= 64) {
      let s = "";
      for (let i = 0; i < n; i++) {
        const c = b[i];
        if (c >= 0x80) return textDecoder.decode(b.subarray(0, n));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return textDecoder.decode(b.subarray(0, n));
  }
  /** Struct element i of a composite list (or of a primitive list read as a struct: capnp allows upgrade). */
  struct(i: number): StructRef {
    if (i < 0 || i >= this.length) badPointer(`list index ${i} out of range`);
    if (this.elemSize === ElemSize.Composite)
      return new StructRef(
        this.m,
        this.seg,
        this.start + i * this.stride,
        this.elemDataBytes,
        this.start + i * this.stride + this.elemDataBytes,
        this.elemPtrCount,
      );
    if (this.elemSize === ElemSize.Pointer) return new StructRef(this.m, this.seg, 0, 0, this.start + i * 8, 1);
    if (this.elemSize >= ElemSize.Byte)
      return new StructRef(this.m, this.seg, this.start + i * this.stride, this.stride, 0, 0);
    return new StructRef(this.m, this.seg, 0, 0, 0, 0);
  }
  /** Pointer element i (List(Text), List(Data), List(List(...))). */
  textAt(i: number): string {
    if (this.elemSize !== ElemSize.Pointer) badPointer("expected a pointer list");
    const l = this.m.readList(this.seg, this.start + i * 8);
    return l ? l.text() : "";
  }
  f32(i: number): number {
    return this.elemSize === ElemSize.FourBytes ? this.m.dv.getFloat32(this.start + i * 4, true) : 0;
  }
  f64(i: number): number {
    return this.elemSize === ElemSize.EightBytes ? this.m.dv.getFloat64(this.start + i * 8, true) : 0;
  }
}

/**
 * One framed message. Reused by the framer for every message: do not keep references to it (or to
 * StructRef/ListRef/Data views made from it) past the callback.
 */
export class CapnpMessage {
  dv!: DataView;
  u8!: Uint8Array;
  /** Absolute offset of the first header byte (for error messages). */
  base = 0;
  /** Total framed size in bytes, header included. */
  size = 0;
  segCount = 0;
  readonly segStart = new Int32Array(MAX_SEGMENTS);
  readonly segEnd = new Int32Array(MAX_SEGMENTS);
  /** Decompressed stream offset of this message (for error messages). */
  streamOffset = 0;

  // Root struct, resolved once per message without allocating a StructRef.
  rootSeg = 0;
  rootData = 0;
  rootDataBytes = 0;
  rootPtrs = 0;
  rootPtrCount = 0;

  /** Point this object at a framed message; `sizes` are segment sizes in words. */
  set(
    dv: DataView,
    u8: Uint8Array,
    base: number,
    segCount: number,
    headerBytes: number,
    sizes: ArrayLike<number>,
    streamOffset: number,
  ): void {
    this.dv = dv;
    this.u8 = u8;
    this.base = base;
    this.segCount = segCount;
    this.streamOffset = streamOffset;
    let o = base + headerBytes;
    for (let i = 0; i < segCount; i++) {
      this.segStart[i] = o;
      o += sizes[i] * 8;
      this.segEnd[i] = o;
    }
    this.size = o - base;
    this.resolveRoot();
  }

  private fail(msg: string, at: number): never {
    throw new LogFormatError(
      "bad-pointer",
      `${msg} in message at stream offset ${this.streamOffset}`,
      at - this.base + this.streamOffset,
    );
  }

  private resolveRoot(): void {
    if (this.segEnd[0] - this.segStart[0] < 8) this.fail("message has no root pointer", this.segStart[0]);
    const s = this.readStruct(0, this.segStart[0]);
    if (!s) {
      this.rootSeg = 0;
      this.rootData = this.rootPtrs = this.segStart[0];
      this.rootDataBytes = this.rootPtrCount = 0;
      return;
    }
    this.rootSeg = s.seg;
    this.rootData = s.dataOff;
    this.rootDataBytes = s.dataBytes;
    this.rootPtrs = s.ptrOff;
    this.rootPtrCount = s.ptrCount;
  }

  root(): StructRef {
    return new StructRef(this, this.rootSeg, this.rootData, this.rootDataBytes, this.rootPtrs, this.rootPtrCount);
  }

  // Fast paths for the Event header (every message is an Event: logMonoTime u64 @ byte 0, union tag u16 @ byte 8).
  rootU64(off: number): number {
    if (off + 8 > this.rootDataBytes) return 0;
    return this.dv.getUint32(this.rootData + off + 4, true) * 4294967296 + this.dv.getUint32(this.rootData + off, true);
  }
  rootU16(off: number): number {
    return off + 2 <= this.rootDataBytes ? this.dv.getUint16(this.rootData + off, true) : 0;
  }
  rootBool(bit: number, def: boolean): boolean {
    const byte = bit >>> 3;
    if (byte >= this.rootDataBytes) return def;
    return ((this.dv.getUint8(this.rootData + byte) >>> (bit & 7)) & 1) === 1 ? !def : def;
  }
  /** Struct in root pointer slot i (the Event union member). */
  rootStruct(i: number): StructRef | null {
    return i < this.rootPtrCount ? this.readStruct(this.rootSeg, this.rootPtrs + i * 8) : null;
  }
  rootList(i: number): ListRef | null {
    return i < this.rootPtrCount ? this.readList(this.rootSeg, this.rootPtrs + i * 8) : null;
  }

  private checkSeg(seg: number, at: number): void {
    if (seg >= this.segCount) this.fail(`far pointer to segment ${seg} of ${this.segCount}`, at);
  }

  /**
   * Follow far pointers. Returns [segment, pointerWordOffset, contentOffset] where the pointer word
   * (with kind/size bits) is at pointerWordOffset and the content starts at contentOffset. For
   * near pointers content = ptr + 8 + offset*8.
   */
  private resolve(seg: number, at: number): [number, number, number] | null {
    const dv = this.dv;
    const lo = dv.getUint32(at, true);
    const hi = dv.getUint32(at + 4, true);
    if (lo === 0 && hi === 0) return null;
    if ((lo & 3) !== 2) return [seg, at, at + 8 + ((lo | 0) >> 2) * 8];
    // Far pointer: landing pad at (segment hi, word lo>>>3).
    this.checkSeg(hi, at);
    const padOff = this.segStart[hi] + (lo >>> 3) * 8;
    const double = (lo & 4) !== 0;
    if (padOff + (double ? 16 : 8) > this.segEnd[hi]) this.fail("far pointer landing pad out of bounds", at);
    const plo = dv.getUint32(padOff, true);
    if (!double) {
      // Single-far: the pad is an ordinary (near) pointer, relative to itself.
      if ((plo & 3) === 2) this.fail("single-far landing pad is itself a far pointer", padOff);
      if (plo === 0 && dv.getUint32(padOff + 4, true) === 0) return null;
      return [hi, padOff, padOff + 8 + ((plo | 0) >> 2) * 8];
    }
    // Double-far: pad word 0 is a single-far pointer to the content start; word 1 is the tag
    // (a struct/list pointer with offset 0) that describes the content.
    if ((plo & 7) !== 2) this.fail("double-far landing pad must start with a single-far pointer", padOff);
    const cseg = dv.getUint32(padOff + 4, true);
    this.checkSeg(cseg, padOff);
    const tagLo = dv.getUint32(padOff + 8, true);
    if ((tagLo & 3) === 2) this.fail("double-far tag is a far pointer", padOff + 8);
    return [cseg, padOff + 8, this.segStart[cseg] + (plo >>> 3) * 8];
  }

  /**
   * Bounds-check whatever pointer sits at `at` (struct or list, following far pointers) without
   * reading the content. Used by the rlog scan to validate each Event's union member cheaply.
   */
  checkPointer(seg: number, at: number): void {
    const r = this.resolve(seg, at);
    if (!r) return;
    const kind = this.dv.getUint32(r[1], true) & 3;
    if (kind === 0) this.readStruct(seg, at);
    else if (kind === 1) this.readList(seg, at);
    else this.fail(`unexpected pointer kind ${kind}`, r[1]);
  }

  readStruct(seg: number, at: number): StructRef | null {
    const r = this.resolve(seg, at);
    if (!r) return null;
    const [s, p, content] = r;
    const dv = this.dv;
    const lo = dv.getUint32(p, true);
    if ((lo & 3) !== 0) this.fail(`expected a struct pointer, got kind ${lo & 3}`, p);
    const hi = dv.getUint32(p + 4, true);
    const dataBytes = (hi & 0xffff) * 8;
    const ptrCount = hi >>> 16;
    const end = content + dataBytes + ptrCount * 8;
    if (content < this.segStart[s] || end > this.segEnd[s]) this.fail("struct pointer out of bounds", p);
    return new StructRef(this, s, content, dataBytes, content + dataBytes, ptrCount);
  }

  readList(seg: number, at: number): ListRef | null {
    const r = this.resolve(seg, at);
    if (!r) return null;
    const [s, p, content] = r;
    const dv = this.dv;
    const lo = dv.getUint32(p, true);
    if ((lo & 3) !== 1) this.fail(`expected a list pointer, got kind ${lo & 3}`, p);
    const hi = dv.getUint32(p + 4, true);
    const elemSize = (hi & 7) as ElemSize;
    const count = hi >>> 3;
    const segStart = this.segStart[s],
      segEnd = this.segEnd[s];
    if (elemSize === ElemSize.Composite) {
      // count = words of content (after the tag); the tag's offset field holds the element count.
      if (content < segStart || content + 8 + count * 8 > segEnd) this.fail("composite list out of bounds", p);
      const tlo = dv.getUint32(content, true);
      const thi = dv.getUint32(content + 4, true);
      if ((tlo & 3) !== 0) this.fail("composite list tag is not a struct tag", content);
      const n = tlo >>> 2;
      const dataBytes = (thi & 0xffff) * 8;
      const ptrCount = thi >>> 16;
      const stride = dataBytes + ptrCount * 8;
      if (stride === 0 ? n > MAX_EMPTY_LIST : n * stride > count * 8)
        this.fail("composite list element count exceeds its size", content);
      return new ListRef(this, s, elemSize, n, content + 8, stride, dataBytes, ptrCount);
    }
    const bits = [0, 1, 8, 16, 32, 64, 64, 0][elemSize];
    const bytes = elemSize === ElemSize.Bit ? Math.ceil(count / 8) : (count * bits) / 8;
    if (elemSize === ElemSize.Void && count > MAX_EMPTY_LIST) this.fail("void list too long", p);
    if (content < segStart || content + bytes > segEnd) this.fail("list out of bounds", p);
    return new ListRef(this, s, elemSize, count, content, bits >>> 3, 0, 0);
  }
}

export interface FramerOptions {
  /** Largest accepted message (bytes). Default 16 MiB; real messages are < 1 MB. */
  maxMessageBytes?: number;
}

/**
 * Push-based framer: feed decompressed chunks, get a callback per complete message. Push-based
 * (not an async generator per message) because per-message promise overhead would dominate at
 * 70k messages per minute of rlog.
 */
export class MessageFramer {
  private readonly msg = new CapnpMessage();
  private readonly maxBytes: number;
  private readonly sizes = new Uint32Array(MAX_SEGMENTS);
  /** Bytes of an incomplete message carried over from previous chunks. */
  private carry: Uint8Array[] = [];
  private carryLen = 0;
  /** Total size of the carried message once its header is known, else -1. */
  private carryTotal = -1;
  /** Decompressed bytes consumed so far (start offset of the next chunk). */
  private offset = 0;
  messages = 0;

  constructor(
    private readonly onMessage: (m: CapnpMessage) => void,
    opts: FramerOptions = {},
  ) {
    this.maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** Bytes of a trailing incomplete message (non-zero after end() means truncation). */
  get pendingBytes(): number {
    return this.carryLen;
  }
  get bytesSeen(): number {
    return this.offset;
  }

  /**
   * Parse the header at `off` in `u8`. Returns the total message size, 0 if more bytes are needed
   * to know it. Fills this.sizes. Throws on impossible headers.
   */
  private header(dv: DataView, off: number, avail: number, streamOff: number): number {
    if (avail < 4) return 0;
    const segCount = dv.getUint32(off, true) + 1;
    if (segCount > MAX_SEGMENTS || segCount === 0 /* 0xffffffff + 1 wraps to 2^32 -> caught above */)
      throw new LogFormatError("bad-frame", `impossible segment count ${segCount}`, streamOff);
    const headerBytes = (4 * (segCount + 1) + 7) & ~7;
    if (avail < headerBytes) return 0;
    let total = headerBytes;
    for (let i = 0; i < segCount; i++) {
      const w = dv.getUint32(off + 4 + i * 4, true);
      this.sizes[i] = w;
      total += w * 8;
      if (total > this.maxBytes)
        throw new LogFormatError("bad-frame", `message larger than ${this.maxBytes} bytes`, streamOff);
    }
    if (this.sizes[0] === 0)
      throw new LogFormatError("bad-frame", "first segment is empty (no root pointer)", streamOff);
    return total;
  }

  private emit(dv: DataView, u8: Uint8Array, off: number, streamOff: number): void {
    const segCount = dv.getUint32(off, true) + 1;
    this.msg.set(dv, u8, off, segCount, (4 * (segCount + 1) + 7) & ~7, this.sizes, streamOff);
    this.messages++;
    this.onMessage(this.msg);
  }

  push(chunk: Uint8Array): void {
    let off = 0;
    const len = chunk.length;
    if (this.carryLen > 0) off = this.pushCarry(chunk);
    if (off >= len) {
      this.offset += len;
      return;
    }
    const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (off < len) {
      const total = this.header(dv, off, len - off, this.offset + off);
      if (total === 0 || total > len - off) {
        // Incomplete: carry the rest (a view; the chunk is not reused by our decoders).
        this.carry = [chunk.subarray(off)];
        this.carryLen = len - off;
        this.carryTotal = total || -1;
        break;
      }
      this.emit(dv, chunk, off, this.offset + off);
      off += total;
    }
    this.offset += len;
  }

  /** Complete the carried message with bytes from `chunk`; returns how many bytes of chunk were used. */
  private pushCarry(chunk: Uint8Array): number {
    let used = 0;
    if (this.carryTotal < 0) {
      // Header incomplete: grow the carry by at most what the header can need, then retry.
      const need = Math.min(chunk.length, 8 + MAX_SEGMENTS * 4);
      const head = concat(this.carry, this.carryLen, chunk.subarray(0, need));
      const total = this.header(
        new DataView(head.buffer, head.byteOffset, head.byteLength),
        0,
        head.length,
        this.offset - this.carryLen,
      );
      if (total === 0) {
        this.carry = [head];
        this.carryLen = head.length;
        return chunk.length; // need === chunk.length here, otherwise the header would be complete
      }
      this.carryTotal = total;
      this.carry = [this.carry.length === 1 ? this.carry[0] : concat(this.carry, this.carryLen)];
    }
    const want = this.carryTotal - this.carryLen;
    if (chunk.length < want) {
      this.carry.push(chunk);
      this.carryLen += chunk.length;
      return chunk.length;
    }
    used = want;
    const whole = concat(this.carry, this.carryLen, chunk.subarray(0, want));
    const streamOff = this.offset - this.carryLen;
    this.carry = [];
    this.carryLen = 0;
    this.carryTotal = -1;
    const dv = new DataView(whole.buffer, whole.byteOffset, whole.byteLength);
    this.header(dv, 0, whole.length, streamOff); // refill this.sizes for this message
    this.emit(dv, whole, 0, streamOff);
    return used;
  }
}

function concat(parts: Uint8Array[], len: number, extra?: Uint8Array): Uint8Array {
  const out = new Uint8Array(len + (extra ? extra.length : 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  if (extra) out.set(extra, o);
  return out;
}

/**
 * Drive a framer over a chunk stream. Truncation (an incomplete trailing message, or a decoder
 * "truncated" error) is reported via the returned status, not thrown, so callers decide whether a
 * partial segment is acceptable (comma still derives outputs for truncated uploads, logs.md §1.1).
 * Any other error propagates.
 */
export async function frameMessages(
  chunks: AsyncIterable<Uint8Array>,
  onMessage: (m: CapnpMessage) => void,
  opts: FramerOptions = {},
): Promise<{ messages: number; bytes: number; truncated: LogFormatError | null }> {
  const framer = new MessageFramer(onMessage, opts);
  let truncated: LogFormatError | null = null;
  try {
    for await (const c of chunks) framer.push(c);
  } catch (e) {
    if (e instanceof LogFormatError && e.code === "truncated") truncated = e;
    else throw e;
  }
  if (!truncated && framer.pendingBytes > 0)
    truncated = new LogFormatError(
      "truncated",
      `log ends inside a message (${framer.pendingBytes} trailing bytes dropped)`,
      framer.bytesSeen - framer.pendingBytes,
    );
  return { messages: framer.messages, bytes: framer.bytesSeen, truncated };
}
