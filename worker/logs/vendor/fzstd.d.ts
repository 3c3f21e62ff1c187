// Types for the vendored, patched fzstd (fzstd.js; upstream types from fzstd 0.1.1's index.d.ts, trimmed).
export declare const ZstdErrorCode: {
  readonly InvalidData: 0;
  readonly WindowSizeTooLarge: 1;
  readonly InvalidBlockType: 2;
  readonly FSEAccuracyTooHigh: 3;
  readonly DistanceTooFarBack: 4;
  readonly UnexpectedEOF: 5;
};
export interface ZstdError extends Error {
  code: (typeof ZstdErrorCode)[keyof typeof ZstdErrorCode];
}
export declare function decompress(dat: Uint8Array, buf?: Uint8Array): Uint8Array;
export type ZstdStreamHandler = (data: Uint8Array, final: boolean) => unknown;
export declare class Decompress {
  /** `ondata` receives fresh copies; frames with a window over `maxWindow` bytes (default 64 MiB) are rejected. */
  constructor(ondata?: ZstdStreamHandler, maxWindow?: number);
  ondata: ZstdStreamHandler;
  push(chunk: Uint8Array, final?: boolean): void;
}
