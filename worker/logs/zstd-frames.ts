/**
 * Walks the structure of a zstd stream (RFC 8878) without decoding it: frame headers, block headers, checksums,
 * skippable frames. The runtime's native decoder (zstd.ts) stops silently at the end of the first frame and decodes
 * whatever it is given in one go, so this tells it where each frame starts and ends and hands it at most one block
 * at a time: a block decodes to at most 128 KiB, whatever its compressed size (an RLE block of 4 bytes included).
 */
import { LogFormatError } from "./errors";

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** RFC 8878 §3.1.1.2.4: a block's decompressed size never exceeds min(window, 128 KiB). */
export const MAX_BLOCK_OUTPUT = 128 * 1024;

/** A run of bytes of one frame, never spanning two blocks. */
export interface FramePiece {
  bytes: Uint8Array;
  /** The first piece of a frame (a new decoder starts). */
  start: boolean;
  /** A block (or the frame's checksum) is complete after this piece; false when only the input chunk ended. */
  blockEnd: boolean;
  /** The frame is complete after this piece. */
  end: boolean;
}

type State =
  | { kind: "magic" }
  | { kind: "header"; need: number }
  | { kind: "block-header" }
  | { kind: "block"; left: number; last: boolean }
  | { kind: "checksum"; left: number }
  | { kind: "skippable-size" }
  | { kind: "skip"; left: number };

export class ZstdFrameSplitter {
  private state: State = { kind: "magic" };
  /** Header bytes collected across chunk boundaries (magic, frame header, block header). */
  private held: number[] = [];
  private checksum = false;
  private offset = 0;

  /** True between frames (or between skippable ones): the stream may end here. */
  get atFrameBoundary(): boolean {
    return this.state.kind === "magic" && this.held.length === 0;
  }

  private get inFrame(): boolean {
    const k = this.state.kind;
    return k === "header" || k === "block-header" || k === "block" || k === "checksum";
  }

  /** Splits one input chunk into frame pieces (copies nothing: pieces are views of `chunk`). */
  push(chunk: Uint8Array): FramePiece[] {
    const out: FramePiece[] = [];
    let i = 0;
    // Inside a frame, this chunk's bytes continue the piece the previous chunk ended with.
    let pieceStart = this.inFrame ? 0 : -1;
    let pieceIsStart = false;
    const emit = (to: number, end: boolean, blockEnd = true) => {
      if (pieceStart >= 0 && (to > pieceStart || end || pieceIsStart))
        out.push({ bytes: chunk.subarray(pieceStart, to), start: pieceIsStart, blockEnd, end });
      pieceStart = -1;
      pieceIsStart = false;
    };
    while (i < chunk.length) {
      const s = this.state;
      switch (s.kind) {
        case "magic": {
          this.held.push(chunk[i++]);
          if (this.held.length < 4) break;
          const magic = (this.held[0] | (this.held[1] << 8) | (this.held[2] << 16) | (this.held[3] << 24)) >>> 0;
          if (magic === ZSTD_MAGIC) {
            this.state = { kind: "header", need: 1 };
            // The decoder wants the whole frame, magic included: start the piece with the held bytes' position.
            pieceStart = Math.max(0, i - 4);
            pieceIsStart = true;
            if (i < 4) {
              // The magic straddled chunks: hand the held bytes over as their own piece first.
              out.push({ bytes: Uint8Array.from(this.held.slice(0, 4 - i)), start: true, blockEnd: false, end: false });
              pieceStart = 0;
              pieceIsStart = false;
            }
          } else if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
            this.state = { kind: "skippable-size" };
          } else {
            throw new LogFormatError(
              "corrupt-zstd",
              `not a zstd frame (magic ${magic.toString(16)})`,
              this.offset + i - 4,
            );
          }
          this.held = [];
          break;
        }
        case "header": {
          if (pieceStart < 0) pieceStart = i;
          // Frame_Header_Descriptor, then the window byte, dictionary id and content size it announces.
          this.held.push(chunk[i++]);
          if (this.held.length === 1) {
            const fhd = this.held[0];
            if (fhd & 0x08)
              throw new LogFormatError("corrupt-zstd", "reserved bit set in the frame header", this.offset + i - 1);
            const single = (fhd >> 5) & 1;
            const fcs = [single ? 1 : 0, 2, 4, 8][fhd >> 6];
            const dict = [0, 1, 2, 4][fhd & 3];
            this.checksum = ((fhd >> 2) & 1) === 1;
            this.state = { kind: "header", need: 1 + (single ? 0 : 1) + dict + fcs };
          }
          if (this.held.length === (this.state as { need: number }).need) {
            this.held = [];
            this.state = { kind: "block-header" };
          }
          break;
        }
        case "block-header": {
          if (pieceStart < 0) pieceStart = i;
          this.held.push(chunk[i++]);
          if (this.held.length < 3) break;
          const h = this.held[0] | (this.held[1] << 8) | (this.held[2] << 16);
          this.held = [];
          const type = (h >> 1) & 3;
          const size = h >>> 3;
          if (type === 3) throw new LogFormatError("corrupt-zstd", "reserved block type", this.offset + i - 3);
          if (type !== 1 && size > MAX_BLOCK_OUTPUT)
            throw new LogFormatError("corrupt-zstd", `block of ${size} bytes exceeds 128 KiB`, this.offset + i - 3);
          this.state = { kind: "block", left: type === 1 ? 1 : size, last: (h & 1) === 1 };
          if ((this.state as { left: number }).left === 0) this.finishBlock(emit, i);
          break;
        }
        case "block": {
          if (pieceStart < 0) pieceStart = i;
          const take = Math.min(s.left, chunk.length - i);
          i += take;
          s.left -= take;
          if (s.left === 0) this.finishBlock(emit, i);
          break;
        }
        case "checksum": {
          if (pieceStart < 0) pieceStart = i;
          const take = Math.min(s.left, chunk.length - i);
          i += take;
          s.left -= take;
          if (s.left === 0) {
            emit(i, true);
            this.state = { kind: "magic" };
          }
          break;
        }
        case "skippable-size": {
          this.held.push(chunk[i++]);
          if (this.held.length === 4) {
            const size = (this.held[0] | (this.held[1] << 8) | (this.held[2] << 16) | (this.held[3] << 24)) >>> 0;
            this.held = [];
            this.state = size ? { kind: "skip", left: size } : { kind: "magic" };
          }
          break;
        }
        case "skip": {
          const take = Math.min(s.left, chunk.length - i);
          i += take;
          s.left -= take;
          if (s.left === 0) this.state = { kind: "magic" };
          break;
        }
      }
    }
    // Whatever of the current frame this chunk held goes to the decoder now.
    if (pieceStart >= 0) emit(chunk.length, false, false);
    this.offset += chunk.length;
    return out;
  }

  /** A block ended at `i`: hand it over; after the last block the frame ends (after its checksum, if any). */
  private finishBlock(emit: (to: number, end: boolean) => void, i: number): void {
    const s = this.state as { last: boolean };
    if (!s.last) {
      emit(i, false);
      this.state = { kind: "block-header" };
    } else if (this.checksum) {
      this.state = { kind: "checksum", left: 4 };
    } else {
      emit(i, true);
      this.state = { kind: "magic" };
    }
  }
}
