// Runs the architecture checker on the real repository: any import crossing a layer rule or library fence fails here.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkArchitecture, formatViolations } from './check-architecture.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('architecture', () => {
  it('has no layer-rule or library-fence violations', () => {
    const violations = checkArchitecture(repoRoot);
    // Compare the formatted report so a failure prints every violation with file, line, rule and advice.
    expect(formatViolations(violations)).toBe(formatViolations([]));
  });
});
