/// <reference types="node" />
// `npm run check:imports` (dependency-cruiser, .dependency-cruiser.cjs) must fail on a wrong-way
// import and name the rule. Runs the real CLI against a temporary copy of src/ with one bad edge
// added, and against the tree as it is (which must pass).
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');
const run = promisify(execFile);

/** Runs the check as `npm run check:imports` does and reads the violations from its report. */
async function cruise(cwd: string): Promise<{ code: number; violations: string[]; report: string }> {
  let code = 0;
  let report: string;
  try {
    ({ stdout: report } = await run(process.execPath, [CLI, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err-long'], { cwd }));
  } catch (e) {
    const err = e as { code: number; stdout: string };
    code = err.code;
    report = err.stdout;
  }
  const violations = [...report.matchAll(/^\s*error (\S+): (\S+) → (\S+)/gm)].map((m) => `${m[1]}: ${m[2]} → ${m[3]}`);
  return { code, violations, report };
}

describe('import rules (dependency-cruiser)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'op-imports-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('the tree as it is has no violation', async () => {
    const { code, violations } = await cruise(ROOT);
    expect(violations).toEqual([]);
    expect(code).toBe(0);
  });

  it('a storage module importing a route, and a view importing storage, fail with the rules named', async () => {
    for (const f of ['src', 'tsconfig.json', '.dependency-cruiser.cjs']) cpSync(join(ROOT, f), join(scratch, f), { recursive: true });
    appendFileSync(join(scratch, 'src/storage/sessions.ts'), "\nexport { token as wrongWay } from '../routes/token';\n");
    appendFileSync(join(scratch, 'src/views/error.tsx'), "\nexport { SessionRepository as wrongWay } from '../storage/sessions';\n");
    const { code, violations, report } = await cruise(scratch);
    expect(code).not.toBe(0);
    expect(violations).toContain('storage-is-the-bottom: src/storage/sessions.ts → src/routes/token.ts');
    expect(violations).toContain('protocol-not-to-routes: src/storage/sessions.ts → src/routes/token.ts');
    expect(violations).toContain('views-no-storage: src/views/error.tsx → src/storage/sessions.ts');
    // The rule's comment (what to do instead) is part of the message.
    expect(report).toContain('storage/ imports no protocol rules');
  });
});
