/**
 * What setup has finished, in `.wrangler/setup-state.json` (gitignored with the rest of .wrangler/). A re-run skips
 * what is recorded here; steps that create something also check the account first, so a lost state file only costs
 * a few look-ups. Never holds a secret: secrets are recorded by name only.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

interface StateData {
  version: 1;
  accountId?: string;
  done: Record<string, unknown>;
}

export class SetupState {
  private data: StateData = { version: 1, done: {} };
  readonly file: string;

  constructor(
    projectDir: string,
    private readonly write: boolean,
  ) {
    this.file = path.join(projectDir, ".wrangler", "setup-state.json");
    if (existsSync(this.file)) {
      const parsed = JSON.parse(readFileSync(this.file, "utf8")) as StateData;
      if (parsed.version === 1) this.data = parsed;
    }
  }

  /** Progress belongs to one account: logging into another starts over (its resources are looked up again). */
  forAccount(accountId: string): void {
    if (this.data.accountId && this.data.accountId !== accountId) this.data = { version: 1, done: {} };
    this.data.accountId = accountId;
    this.save();
  }

  get<T>(step: string): T | undefined {
    return this.data.done[step] as T | undefined;
  }

  done(step: string, value: unknown = true): void {
    this.data.done[step] = value;
    this.save();
  }

  private save(): void {
    if (!this.write) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileSync(this.file, `${JSON.stringify(this.data, null, 2)}\n`);
  }
}
