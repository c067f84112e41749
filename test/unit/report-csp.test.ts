// The Report view previews the report in a sandboxed srcdoc frame, which inherits the workbench's CSP: both must admit its style.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPORT_CSP, REPORT_STYLE_SOURCE } from '../../src/forensics/common/report-style.js';
import { RENDERER_CSP } from '../../src/host/renderer-assets.js';

const INDEX_HTML = readFileSync(path.resolve(import.meta.dirname, '../../renderer/index.html'), 'utf8');

describe("given the workbench's CSP and the report's", () => {
  it("then the workbench admits the report's stylesheet by its hash, and no inline style otherwise", () => {
    const styleSrc = RENDERER_CSP.split('; ').find((directive) => directive.startsWith('style-src '));
    expect(styleSrc).toBe(`style-src 'self' ${REPORT_STYLE_SOURCE}`);
    expect(RENDERER_CSP).not.toContain('unsafe');
    expect(REPORT_CSP).toContain(`style-src ${REPORT_STYLE_SOURCE}`);
  });

  it('then renderer/index.html repeats the header policy exactly (frame-ancestors aside, which a meta tag cannot carry)', () => {
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(INDEX_HTML)?.[1];
    expect(meta).toBe(RENDERER_CSP.replace("; frame-ancestors 'none'", ''));
  });

  it('then the report policy is a plain constant that needs no escaping in an attribute', () => {
    expect(REPORT_CSP).not.toMatch(/["<>&]/);
  });
});
