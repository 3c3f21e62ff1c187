/**
 * `npm run device:sim -- --athena`: keeps the simulated device's athena session up against a server, answering
 * calls like athenad and forwarding a swaglog file every minute, until Ctrl-C. Reports reconnects, which on a
 * real device mean every on-demand upload restarting from byte 0.
 */
import { SimAthena } from "./athena";
import { nodeTransport } from "./athena-transport";
import type { SimDevice } from "./device";

export async function runAthena(device: SimDevice, opts: { host: string; forwardLogsEveryMs?: number }): Promise<void> {
  const sim = new SimAthena({ device, host: opts.host, transport: nodeTransport() });
  let seen = 0;
  const report = setInterval(() => {
    for (const text of sim.received.slice(seen))
      console.log(`athena <- ${text.length > 160 ? `${text.slice(0, 160)}…` : text}`);
    seen = sim.received.length;
  }, 1000);
  const logs = setInterval(() => {
    if (sim.connected)
      sim.forwardLogs().then(
        (r) => console.log("forwardLogs ->", JSON.stringify(r)),
        (e) => console.log("forwardLogs failed:", String(e)),
      );
  }, opts.forwardLogsEveryMs ?? 60_000);
  sim.start();
  console.log(`athena:     ${sim.url} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  clearInterval(report);
  clearInterval(logs);
  await sim.stop();
  console.log(
    `athena:     ${sim.stats.connects} connection(s), ${sim.reconnects} reconnect(s), ${sim.stats.readTimeouts} read timeout(s), ${sim.stats.callsServed} call(s) served`,
  );
}
