/**
 * Python's round(x, n) for floats, because comma's backend (Python) rounds coords with it and we
 * must reproduce its values exactly. Python rounds the exact binary value of x correctly, with
 * ties (only possible when x is exactly representable at the midpoint, e.g. 0.0625 -> 0.062 at
 * n=3) going to even. JS toFixed also rounds the exact binary value but breaks ties upward, so
 * toFixed is right except at exact ties, which we detect with exact integer arithmetic.
 */
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/** x = mant * 2^exp exactly, as BigInts (x finite, non-zero). */
function decompose(x: number): [bigint, number] {
  F64[0] = x;
  const lo = U32[0],
    hi = U32[1];
  const e = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (e) mant |= 1n << 52n;
  return [x < 0 ? -mant : mant, (e || 1) - 1075];
}

export function pyRound(x: number, n: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const s = x.toFixed(n);
  const r = Number(s);
  // Tie check: is x * 10^n exactly k + 1/2?  x*10^n*2 = mant*10^n*2 * 2^exp must be an odd integer.
  const [mant, exp] = decompose(x);
  let v = mant * 10n ** BigInt(n) * 2n;
  if (exp >= 0) return r; // x*10^n*2 is even: no tie possible
  const den = 1n << BigInt(-exp);
  if (v % den !== 0n) return r;
  v /= den;
  if ((v & 1n) === 0n) return r;
  // Exact tie: round half to even on k = (v - 1) / 2 or (v + 1) / 2.
  const lower = (v - 1n) / 2n; // toward -inf for positive v, toward 0 in magnitude for negative
  const pick = (lower & 1n) === 0n ? lower : lower + 1n;
  const out = Number(`${pick}e-${n}`);
  return out === 0 && x < 0 ? -0 : out;
}
