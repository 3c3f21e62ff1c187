/**
 * Hand-written streaming bzip2 decoder.
 *
 * Why hand-written: the pure-JS options are seek-bzip (MIT, whole buffer in and out, no streaming),
 * compressjs (GPL) and unbzip2-stream (Node streams + Buffer, needs nodejs_compat). Legacy uploads
 * (2019 to mid-2024) are `.bz2`, and a bz2 rlog must be processed without holding it whole, so we
 * need a decoder that yields output block by block. bzip2 is small enough to implement exactly:
 * Huffman + MTF + RLE2 symbol decoding, inverse BWT, RLE1, and the block/stream CRCs (which turn
 * corruption into a typed error instead of silently wrong logs).
 *
 * Memory: one block's BWT vector (4 bytes × up to 900k = 3.6 MB), the compressed block being
 * decoded (< ~1 MB), and one 64 KiB output chunk at a time (a block can expand to many MB through
 * RLE1, so output is produced incrementally, never a whole block at once).
 *
 * Streaming input without a resumable state machine: a block is decoded from a contiguous buffer;
 * if the buffer runs out mid-block (and the input is not finished) we fetch more bytes and restart
 * that block from its saved bit position. Blocks are < 1 MB compressed and we prefetch 1 MiB ahead,
 * so restarts are rare.
 */
import { LogFormatError } from "./errors";

const BLOCK_MAGIC_HI = 0x314159;
const BLOCK_MAGIC_LO = 0x265359;
const EOS_MAGIC_HI = 0x177245;
const EOS_MAGIC_LO = 0x385090;
const MAX_GROUPS = 6;
const MAX_ALPHA = 258;
const MAX_CODE_LEN = 20;
const MAX_SELECTORS = 18002; // bzip2 1.0.8 BZ_MAX_SELECTORS: extra selectors are read and ignored
const LOOKUP_BITS = 10; // first-level Huffman table; longer codes fall back to canonical decoding
const PREFETCH = 1 << 20;
const OUT_CHUNK = 1 << 16;

/** Thrown internally when the compressed buffer ends mid-block and more input may exist. */
const NEED_MORE = Symbol("need-more");

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

const corrupt = (msg: string, at?: number): never => {
  throw new LogFormatError("corrupt-bzip2", msg, at);
};

/** Huffman decoding tables for one coding group. */
class HuffGroup {
  /** (symbol << 5) | length for codes up to LOOKUP_BITS long; 0 = longer code, use limit/base/perm. */
  readonly lookup = new Int32Array(1 << LOOKUP_BITS);
  readonly limit = new Int32Array(MAX_CODE_LEN + 2);
  readonly base = new Int32Array(MAX_CODE_LEN + 2);
  readonly perm = new Int32Array(MAX_ALPHA);
  minLen = 0;
  maxLen = 0;

  build(lengths: Uint8Array, alphaSize: number): void {
    let minLen = 32,
      maxLen = 0;
    for (let i = 0; i < alphaSize; i++) {
      const l = lengths[i];
      if (l > maxLen) maxLen = l;
      if (l < minLen) minLen = l;
    }
    this.minLen = minLen;
    this.maxLen = maxLen;
    // Canonical code assignment, exactly as bzip2's BZ2_hbCreateDecodeTables: symbols ordered by
    // (length, symbol index), codes increasing.
    let pp = 0;
    for (let len = minLen; len <= maxLen; len++)
      for (let s = 0; s < alphaSize; s++) if (lengths[s] === len) this.perm[pp++] = s;
    const count = new Int32Array(MAX_CODE_LEN + 2);
    for (let i = 0; i < alphaSize; i++) count[lengths[i]]++;
    this.lookup.fill(0);
    let code = 0,
      idx = 0;
    for (let len = minLen; len <= maxLen; len++) {
      const n = count[len];
      // base[len]: perm index of the first code of this length minus its code value.
      this.base[len] = idx - code;
      for (let k = 0; k < n; k++) {
        if (len <= LOOKUP_BITS) {
          const sym = this.perm[idx + k];
          const shift = LOOKUP_BITS - len;
          const first = (code + k) << shift;
          const entry = (sym << 5) | len;
          for (let j = 0; j < 1 << shift; j++) this.lookup[first + j] = entry;
        }
      }
      idx += n;
      code += n;
      this.limit[len] = code - 1; // largest code of this length (may be -1 when n = 0)
      code <<= 1;
    }
    if (code >>> 1 > 1 << maxLen) corrupt("over-subscribed Huffman code");
  }
}

export interface Bzip2Options {
  /** Upper bound on total decompressed bytes (zip-bomb guard). Default 1 GiB. */
  maxOutputBytes?: number;
}

export async function* bzip2DecompressStream(
  input: AsyncIterable<Uint8Array>,
  opts: Bzip2Options = {},
): AsyncGenerator<Uint8Array> {
  const src = input[Symbol.asyncIterator]();
  const d = new Bzip2Decoder(src, opts.maxOutputBytes ?? 2 ** 30);
  try {
    yield* d.run();
  } finally {
    // The decoder pulls input manually (not for-await), so close the source on early exit.
    await src.return?.(undefined);
  }
}

class Bzip2Decoder {
  // ---- input buffer and bit reader ----
  private buf = new Uint8Array(0);
  private pos = 0; // next byte to load into the bit buffer
  private bitBuf = 0;
  private bitCount = 0;
  private eof = false;
  private consumedBefore = 0; // input bytes dropped from the front of buf (for error offsets)

  // ---- block state ----
  private tt = new Uint32Array(0);
  private readonly groups = Array.from({ length: MAX_GROUPS }, () => new HuffGroup());
  private readonly selectors = new Uint8Array(MAX_SELECTORS);
  private readonly seqToUnseq = new Uint8Array(256);
  private readonly lengths = new Uint8Array(MAX_ALPHA);
  private nblock = 0;
  private origPtr = 0;

  // ---- output (inverse BWT + RLE1) state, resumable across output chunks ----
  private tPos = 0;
  private remaining = 0; // BWT bytes not yet consumed
  private last = -1;
  private runLen = 0;
  private pendingRepeat = 0; // bytes of `last` still to emit from an RLE1 count byte
  private crc = 0;
  private outTotal = 0;

  constructor(
    private readonly src: AsyncIterator<Uint8Array>,
    private readonly maxOut: number,
  ) {}

  private inputOffset(): number {
    return this.consumedBefore + this.pos;
  }

  /** Make at least `ahead` bytes available after `pos` (or reach EOF). Drops bytes before `keepFrom`. */
  private async fill(ahead: number, keepFrom: number): Promise<void> {
    if (keepFrom > 0) {
      this.buf = this.buf.subarray(keepFrom);
      this.pos -= keepFrom;
      this.consumedBefore += keepFrom;
    }
    if (this.eof || this.buf.length - this.pos >= ahead) return;
    const parts: Uint8Array[] = [this.buf];
    let have = this.buf.length;
    while (have - this.pos < ahead) {
      const r = await this.src.next();
      if (r.done) {
        this.eof = true;
        break;
      }
      parts.push(r.value);
      have += r.value.length;
    }
    if (parts.length > 1) {
      const nb = new Uint8Array(have);
      let o = 0;
      for (const p of parts) {
        nb.set(p, o);
        o += p.length;
      }
      this.buf = nb;
    }
  }

  private underflow(): never {
    if (this.eof) throw new LogFormatError("truncated", "bzip2 stream ended early", this.inputOffset());
    throw NEED_MORE;
  }

  private bits(n: number): number {
    // n <= 24
    while (this.bitCount < n) {
      if (this.pos >= this.buf.length) this.underflow();
      this.bitBuf = ((this.bitBuf << 8) | this.buf[this.pos++]) >>> 0;
      this.bitCount += 8;
    }
    this.bitCount -= n;
    const v = (this.bitBuf >>> this.bitCount) & ((1 << n) - 1);
    this.bitBuf &= (1 << this.bitCount) - 1;
    return v;
  }

  private bit(): number {
    return this.bits(1);
  }

  private saveBits(): [number, number, number] {
    return [this.pos, this.bitBuf, this.bitCount];
  }

  private restoreBits(s: [number, number, number]): void {
    [this.pos, this.bitBuf, this.bitCount] = s;
  }

  /** Run `parse` (synchronous, may throw NEED_MORE) with restarts until it completes. */
  private async withInput<T>(ahead: number, parse: () => T): Promise<T> {
    // Keep from the byte that holds the first unread bit (bitCount < 8 bits are already loaded).
    const keep = this.pos - ((this.bitCount + 7) >> 3);
    // Bits already in bitBuf came from bytes before pos; dropping bytes before `keep` is safe.
    await this.fill(ahead, Math.max(0, keep));
    let want = ahead;
    for (;;) {
      const saved = this.saveBits();
      try {
        return parse();
      } catch (e) {
        if (e !== NEED_MORE) throw e;
        this.restoreBits(saved);
        want = Math.max(want * 2, this.buf.length - this.pos + PREFETCH);
        await this.fill(want, 0);
      }
    }
  }

  async *run(): AsyncGenerator<Uint8Array> {
    let streams = 0;
    for (;;) {
      // ---- stream header "BZh1".."BZh9" ----
      const level = await this.withInput(PREFETCH, () => {
        if (this.pos >= this.buf.length && this.bitCount === 0 && this.eof) return -1;
        const b = this.bits(8),
          z = this.bits(8),
          h = this.bits(8),
          l = this.bits(8);
        if (b !== 0x42 || z !== 0x5a || h !== 0x68 || l < 0x31 || l > 0x39) {
          if (streams > 0) corrupt("trailing garbage after bzip2 stream", this.inputOffset() - 4);
          corrupt("not a bzip2 stream (bad 'BZh' header)", 0);
        }
        return l - 0x30;
      });
      if (level < 0) {
        if (streams === 0) throw new LogFormatError("empty", "empty bzip2 input");
        return;
      }
      streams++;
      if (this.tt.length < level * 100000) this.tt = new Uint32Array(level * 100000);
      let combined = 0;
      for (;;) {
        const kind = await this.withInput(PREFETCH, () => {
          const hi = this.bits(24),
            lo = this.bits(24);
          const storedCrc = ((this.bits(16) << 16) | this.bits(16)) >>> 0;
          if (hi === BLOCK_MAGIC_HI && lo === BLOCK_MAGIC_LO) {
            this.decodeBlock(level * 100000);
            return { end: false, storedCrc };
          }
          if (hi === EOS_MAGIC_HI && lo === EOS_MAGIC_LO) return { end: true, storedCrc };
          return corrupt("bad block magic", this.inputOffset());
        });
        if (kind.end) {
          if (kind.storedCrc !== combined >>> 0) corrupt("stream CRC mismatch", this.inputOffset());
          // Streams end on a byte boundary; a following stream (pbzip2-style concatenation) may start.
          this.bitCount = 0;
          this.bitBuf = 0;
          break;
        }
        this.startOutput();
        while (this.remaining > 0 || this.pendingRepeat > 0) {
          const out = new Uint8Array(OUT_CHUNK);
          const n = this.produce(out);
          this.outTotal += n;
          if (this.outTotal > this.maxOut)
            throw new LogFormatError("too-large", `bzip2 output exceeds ${this.maxOut} bytes`);
          if (n) yield n === OUT_CHUNK ? out : out.subarray(0, n);
        }
        const blockCrc = ~this.crc >>> 0;
        if (blockCrc !== kind.storedCrc) corrupt("block CRC mismatch", this.inputOffset());
        combined = (((combined << 1) | (combined >>> 31)) ^ blockCrc) >>> 0;
      }
    }
  }

  /** Parse one block's header and symbols into tt (BWT vector), and prepare inverse BWT links. */
  private decodeBlock(maxBlock: number): void {
    if (this.bit()) corrupt("randomised blocks (bzip2 < 0.9.5) are not supported", this.inputOffset());
    const origPtr = this.bits(24);

    // Symbol map: which byte values occur.
    const used16 = this.bits(16);
    let nInUse = 0;
    for (let i = 0; i < 16; i++)
      if (used16 & (0x8000 >> i)) {
        const u = this.bits(16);
        for (let j = 0; j < 16; j++) if (u & (0x8000 >> j)) this.seqToUnseq[nInUse++] = i * 16 + j;
      }
    if (nInUse === 0) corrupt("empty symbol map", this.inputOffset());
    const alphaSize = nInUse + 2;

    const nGroups = this.bits(3);
    if (nGroups < 2 || nGroups > MAX_GROUPS) corrupt("bad number of Huffman groups", this.inputOffset());
    const nSelectors = this.bits(15);
    if (nSelectors < 1) corrupt("no selectors", this.inputOffset());
    const sel = this.selectors;
    const mtfGroups = [0, 1, 2, 3, 4, 5];
    let kept = 0;
    for (let i = 0; i < nSelectors; i++) {
      let j = 0;
      while (this.bit()) if (++j >= nGroups) corrupt("bad selector", this.inputOffset());
      // Undo MTF on the fly.
      const v = mtfGroups[j];
      for (; j > 0; j--) mtfGroups[j] = mtfGroups[j - 1];
      mtfGroups[0] = v;
      if (i < MAX_SELECTORS) sel[kept++] = v;
    }

    // Code lengths, delta-coded.
    for (let t = 0; t < nGroups; t++) {
      let curr = this.bits(5);
      for (let i = 0; i < alphaSize; i++) {
        for (;;) {
          if (curr < 1 || curr > MAX_CODE_LEN) corrupt("bad Huffman code length", this.inputOffset());
          if (!this.bit()) break;
          curr += this.bit() ? -1 : 1;
        }
        this.lengths[i] = curr;
      }
      this.groups[t].build(this.lengths, alphaSize);
    }

    // ---- symbol decoding (hot loop: bit reader state kept in locals) ----
    const tt = this.tt;
    const buf = this.buf;
    const seqToUnseq = this.seqToUnseq;
    const counts = new Int32Array(256);
    const yy = new Uint8Array(256);
    for (let i = 0; i < 256; i++) yy[i] = i;
    const EOB = nInUse + 1;
    let pos = this.pos,
      bitBuf = this.bitBuf,
      bitCount = this.bitCount;
    let nblock = 0,
      groupLeft = 0,
      selIdx = 0;
    let g: HuffGroup = this.groups[0];
    let lookup = g.lookup;
    let runAcc = 0,
      runBit = 1;
    for (;;) {
      if (groupLeft === 0) {
        if (selIdx >= kept) corrupt("ran out of selectors", pos);
        g = this.groups[sel[selIdx++]];
        if (sel[selIdx - 1] >= nGroups) corrupt("selector out of range", pos);
        lookup = g.lookup;
        groupLeft = 50;
      }
      groupLeft--;
      // Refill to at least 24 bits where possible.
      while (bitCount <= 24) {
        if (pos < buf.length) {
          bitBuf = ((bitBuf << 8) | buf[pos++]) >>> 0;
          bitCount += 8;
        } else break;
      }
      let sym: number;
      if (bitCount >= LOOKUP_BITS) {
        const e = lookup[(bitBuf >>> (bitCount - LOOKUP_BITS)) & ((1 << LOOKUP_BITS) - 1)];
        if (e !== 0) {
          bitCount -= e & 31;
          sym = e >>> 5;
        } else sym = -1;
      } else sym = -1;
      if (sym < 0) {
        // Long code (or too few bits buffered): canonical decode one bit at a time.
        let len = g.minLen;
        if (bitCount < len) {
          this.pos = pos;
          this.underflow();
        }
        let code = (bitBuf >>> (bitCount - len)) & ((1 << len) - 1);
        for (;;) {
          if (len > g.maxLen) corrupt("invalid Huffman code", pos);
          if (code <= g.limit[len]) break;
          len++;
          if (bitCount < len) {
            this.pos = pos;
            this.underflow();
          }
          code = (bitBuf >>> (bitCount - len)) & ((1 << len) - 1);
        }
        const pi = code + g.base[len];
        if (pi < 0 || pi >= MAX_ALPHA) corrupt("invalid Huffman code", pos);
        sym = g.perm[pi];
        bitCount -= len;
      }
      bitBuf &= bitCount >= 32 ? 0xffffffff : (1 << bitCount) - 1;

      if (sym <= 1) {
        // RUNA / RUNB: bijective base-2 run length of the front MTF symbol.
        runAcc += runBit << sym;
        runBit <<= 1;
        if (runAcc > maxBlock) corrupt("run exceeds block size", pos);
        continue;
      }
      if (runAcc > 0) {
        const b = seqToUnseq[yy[0]];
        if (nblock + runAcc > maxBlock) corrupt("block overflow", pos);
        counts[b] += runAcc;
        tt.fill(b, nblock, nblock + runAcc);
        nblock += runAcc;
        runAcc = 0;
        runBit = 1;
      }
      if (sym === EOB) break;
      if (sym > EOB) corrupt("symbol out of range", pos);
      // MTF: symbol s (>= 2) means index s-1.
      const nn = sym - 1;
      const uc = yy[nn];
      yy.copyWithin(1, 0, nn);
      yy[0] = uc;
      const b = seqToUnseq[uc];
      if (nblock >= maxBlock) corrupt("block overflow", pos);
      counts[b]++;
      tt[nblock++] = b;
    }
    this.pos = pos;
    this.bitBuf = bitBuf;
    this.bitCount = bitCount;
    if (origPtr >= nblock) corrupt("BWT origin pointer out of range", pos);

    // Inverse BWT links (bzip2 "fast" mode): tt[i] low byte = byte, high 24 bits = next index.
    const cftab = new Int32Array(256);
    for (let i = 0, sum = 0; i < 256; i++) {
      cftab[i] = sum;
      sum += counts[i];
    }
    for (let i = 0; i < nblock; i++) {
      const b = tt[i] & 0xff;
      tt[cftab[b]++] |= i << 8;
    }
    this.nblock = nblock;
    this.origPtr = origPtr;
  }

  private startOutput(): void {
    this.tPos = this.tt[this.origPtr] >>> 8;
    this.remaining = this.nblock;
    this.last = -1;
    this.runLen = 0;
    this.pendingRepeat = 0;
    this.crc = 0xffffffff;
  }

  /** Fill `out` with decoded bytes (inverse BWT walk + RLE1 expansion); returns bytes written. */
  private produce(out: Uint8Array): number {
    const tt = this.tt;
    let o = 0;
    const cap = out.length;
    let { tPos, remaining, last, runLen, pendingRepeat } = this;
    while (o < cap) {
      if (pendingRepeat > 0) {
        const n = Math.min(pendingRepeat, cap - o);
        out.fill(last, o, o + n);
        o += n;
        pendingRepeat -= n;
        continue;
      }
      if (remaining === 0) break;
      const e = tt[tPos];
      const b = e & 0xff;
      tPos = e >>> 8;
      remaining--;
      if (runLen === 4) {
        pendingRepeat = b;
        runLen = 0;
        continue;
      }
      if (b === last) runLen++;
      else {
        last = b;
        runLen = 1;
      }
      out[o++] = b;
    }
    Object.assign(this, { tPos, remaining, last, runLen, pendingRepeat });
    let crc = this.crc;
    for (let i = 0; i < o; i++) crc = (crc << 8) ^ CRC_TABLE[(crc >>> 24) ^ out[i]];
    this.crc = crc;
    return o;
  }
}
