/**
 * CPU cost of one password hash: our PBKDF2-HMAC-SHA256 (WebCrypto, 100 000 iterations, the most workerd
 * allows) against bcrypt cost 12 in pure JS (bcryptjs, what a Worker would have to run, since native bcrypt
 * is not available there). Measured in Node with process.cpuUsage(); WebCrypto's PBKDF2 is native code in
 * both Node (OpenSSL) and workerd (BoringSSL), so the figure carries over.
 */
import bcrypt from "bcryptjs";
import { PBKDF2_ITERATIONS, hashPassword, verifyPassword } from "../worker/lib/passwords";

async function cpuMs(label: string, runs: number, fn: () => Promise<unknown>) {
  await fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const before = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / 1000);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  console.log(
    `${label.padEnd(44)} median ${median.toFixed(1).padStart(7)} ms CPU   min ${samples[0].toFixed(1)}   max ${samples[samples.length - 1].toFixed(1)}`,
  );
  return median;
}

const password = "Correct-Horse-42-battery";
const stored = await hashPassword(password);
const pbkdf2 = await cpuMs(`PBKDF2-SHA256 ${PBKDF2_ITERATIONS} it. (hash)`, 20, () => hashPassword(password));
await cpuMs(`PBKDF2-SHA256 ${PBKDF2_ITERATIONS} it. (verify)`, 20, () => verifyPassword(password, stored));
const bcrypt12 = await cpuMs("bcryptjs cost 12 (pure JS, for comparison)", 5, () => bcrypt.hash(password, 12));
console.log(
  `\nPBKDF2 costs ${((pbkdf2 / bcrypt12) * 100).toFixed(0)}% of bcrypt-12's CPU. Workers allow 30 s CPU (paid) / 10 ms (free) per request;`,
);
console.log(`bcrypt-12 in JS would also block the isolate's event loop for its whole duration, PBKDF2 runs natively.`);
