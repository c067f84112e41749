// Proves the architecture checker bites: plants one small file per violation in a temp tree and expects each rule.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkArchitecture, formatViolations, type Violation } from './check-architecture.js';

/** A clean tree that follows every rule; each planted case adds files on top of it. */
const CLEAN: Record<string, string> = {
  'src/contract/envelope.ts': "import { z } from 'zod';\nexport const Id = z.string();\n",
  'src/contract/app-contract.ts':
    "import { Id } from './envelope.js';\nimport { Risk } from '../capture/common/risk.js';\nexport const app = { Id, Risk };\n",
  'src/contract/web-platform.d.ts': 'interface AbortSignal { readonly aborted: boolean }\n',
  'src/capture/common/risk.ts':
    "import type { z } from 'zod';\nimport { Finding } from '../../forensics/common/findings.js';\nexport const Risk = { Finding };\nexport type R = z.ZodType;\n",
  'src/forensics/common/findings.ts': "export const Finding = 'finding';\n",
  'src/timeline/common/events.ts': "import { Id } from '../../contract/envelope.js';\nexport const Event = Id;\n",
  'src/capture/node/docker-engine.ts':
    "import Docker from 'dockerode';\nimport { readFile } from 'node:fs/promises';\nimport { Risk } from '../common/risk.js';\nimport { Finding } from '../../forensics/common/findings.js';\nexport const engine = { Docker, readFile, Risk, Finding };\n",
  'src/capture/node/isolation.ts':
    "import { engine } from './docker-engine.js';\nimport path from 'path';\nexport const iso = { engine, path };\n",
  'src/forensics/node/tar-index.ts':
    "import type { Readable } from 'node:stream';\nexport type S = Readable;\nexport const t = 'tar index';\n",
  'src/capture/node/kubernetes-cluster.ts':
    "import * as k8s from '@kubernetes/client-node';\nexport const k = k8s.KubeConfig;\n",
  'src/host/create-host.ts':
    "import { iso } from '../capture/node/isolation.js';\nimport { t } from '../forensics/node/tar-index.js';\nimport { app } from '../contract/app-contract.js';\nimport { WebSocketServer } from 'ws';\nexport const host = { iso, t, app, WebSocketServer };\n",
  'src/cli/main.ts':
    "import { Command } from 'commander';\nimport { host } from '../host/create-host.js';\nexport const cli = { Command, host };\n",
  'electron/main.ts':
    "import { app } from 'electron';\nimport path from 'node:path';\nimport { host } from '../src/host/create-host.js';\nimport type { Id } from '../src/contract/envelope.js';\nimport { win } from './window.js';\nexport const m = { app, path, host, win };\nexport type I = typeof Id;\n",
  'electron/window.ts': "import { BrowserWindow } from 'electron';\nexport const win = BrowserWindow;\n",
  'electron/preload.cts': "const { contextBridge } = require('electron');\nmodule.exports = { contextBridge };\n",
  'renderer/vite.config.ts':
    "import path from 'node:path';\nimport { defineConfig } from 'vite';\nexport default defineConfig({ root: path.resolve('renderer') });\n",
  'renderer/src/main.tsx':
    "import { createRoot } from 'react-dom/client';\nimport { App } from './app/App.js';\nimport { app } from '../../src/contract/app-contract.js';\nimport { Risk } from '../../src/capture/common/risk.js';\nimport Dexie from 'dexie';\nimport { Terminal } from '@xterm/xterm';\nexport const r = { createRoot, App, app, Risk, Dexie, Terminal };\n",
  'renderer/src/app/App.tsx': 'export function App() {\n  return <div>HoldCell</div>;\n}\n',
  // Mentions in comments and strings are not uses.
  'src/capture/node/kubernetes-notes.ts':
    "// We never call cpFromPod or new Cp(...) here.\nexport const note = 'new Cp( is banned';\n",
  // Files outside the source layers are not layer-checked.
  'test/unit/anything.test.ts':
    "import { app } from 'electron';\nimport Docker from 'dockerode';\nexport const x = { app, Docker };\n",
};

interface Plant {
  name: string;
  files: Record<string, string>;
  expect: { file: string; rule: string; specifier?: string; line?: number };
  /** Clean-tree files the same rule also names (a fence without a designated file reports every importer). */
  alsoReported?: string[];
}

const PLANTS: Plant[] = [
  {
    name: "common imports 'node:fs'",
    files: { 'src/capture/common/p1.ts': "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n" },
    expect: { file: 'src/capture/common/p1.ts', rule: 'common-imports-builtin', specifier: 'node:fs', line: 1 },
  },
  {
    name: "common imports bare 'fs'",
    files: { 'src/forensics/common/p2.ts': "// bare builtin\nimport * as fs from 'fs';\nexport const b = fs;\n" },
    expect: { file: 'src/forensics/common/p2.ts', rule: 'common-imports-builtin', specifier: 'fs', line: 2 },
  },
  {
    name: 'contract imports a bare builtin subpath',
    files: { 'src/contract/p2b.ts': "import { readFile } from 'fs/promises';\nexport const c = readFile;\n" },
    expect: { file: 'src/contract/p2b.ts', rule: 'common-imports-builtin', specifier: 'fs/promises' },
  },
  {
    name: "common imports another domain's node/",
    files: { 'src/timeline/common/p3.ts': "import { x } from '../../capture/node/x.js';\nexport const c = x;\n" },
    expect: {
      file: 'src/timeline/common/p3.ts',
      rule: 'common-imports-node-layer',
      specifier: '../../capture/node/x.js',
    },
  },
  {
    name: "common imports its own domain's node/",
    files: { 'src/capture/common/p3b.ts': "export { engine } from '../node/docker-engine.js';\n" },
    expect: { file: 'src/capture/common/p3b.ts', rule: 'common-imports-node-layer' },
  },
  {
    name: 'common imports an npm package other than zod',
    files: { 'src/contract/p3c.ts': "import { Command } from 'commander';\nexport const c = Command;\n" },
    expect: { file: 'src/contract/p3c.ts', rule: 'common-imports-package', specifier: 'commander' },
  },
  {
    name: 'common imports the host',
    files: { 'src/contract/p3d.ts': "import { host } from '../host/create-host.js';\nexport const h = host;\n" },
    expect: { file: 'src/contract/p3d.ts', rule: 'common-imports-host' },
  },
  {
    name: 'common references Node types',
    files: { 'src/timeline/common/p3e.ts': '/// <reference types="node" />\nexport const n = 1;\n' },
    expect: { file: 'src/timeline/common/p3e.ts', rule: 'common-imports-builtin', specifier: 'node' },
  },
  {
    name: 'common references the DOM lib',
    files: { 'src/timeline/common/p3f.ts': '/// <reference lib="dom" />\nexport const n = 1;\n' },
    expect: { file: 'src/timeline/common/p3f.ts', rule: 'common-imports-dom', specifier: 'dom' },
  },
  {
    name: 'capture/node imports forensics/node',
    files: { 'src/capture/node/p4.ts': "import { y } from '../../forensics/node/y.js';\nexport const d = y;\n" },
    expect: {
      file: 'src/capture/node/p4.ts',
      rule: 'node-imports-other-domain-node',
      specifier: '../../forensics/node/y.js',
    },
  },
  {
    name: 'node imports the host',
    files: {
      'src/timeline/node/p4b.ts': "import { host } from '../../host/create-host.js';\nexport const h = host;\n",
    },
    expect: { file: 'src/timeline/node/p4b.ts', rule: 'node-imports-host' },
  },
  {
    name: "renderer imports 'electron'",
    files: {
      'renderer/src/features/p5.tsx': "import { ipcRenderer } from 'electron';\nexport const e = ipcRenderer;\n",
    },
    expect: { file: 'renderer/src/features/p5.tsx', rule: 'electron-outside-shell', specifier: 'electron' },
  },
  {
    name: 'renderer imports the host',
    files: { 'renderer/src/p6.ts': "import { host } from '../../src/host/create-host.js';\nexport const h = host;\n" },
    expect: { file: 'renderer/src/p6.ts', rule: 'renderer-imports-host', specifier: '../../src/host/create-host.js' },
  },
  {
    name: 'renderer imports a node/ folder',
    files: {
      'renderer/src/p6b.ts': "import { iso } from '../../src/capture/node/isolation.js';\nexport const i = iso;\n",
    },
    expect: { file: 'renderer/src/p6b.ts', rule: 'renderer-imports-node-layer' },
  },
  {
    name: 'renderer imports a Node builtin',
    files: { 'renderer/src/p6c.ts': "import { join } from 'node:path';\nexport const j = join;\n" },
    expect: { file: 'renderer/src/p6c.ts', rule: 'renderer-imports-builtin', specifier: 'node:path' },
  },
  {
    name: 'renderer imports a Node-only package',
    files: { 'renderer/src/p6d.ts': "import { WebSocketServer } from 'ws';\nexport const w = WebSocketServer;\n" },
    expect: { file: 'renderer/src/p6d.ts', rule: 'renderer-imports-node-package', specifier: 'ws' },
  },
  {
    name: "host imports 'electron'",
    files: { 'src/host/p7.ts': "import { app } from 'electron';\nexport const a = app;\n" },
    expect: { file: 'src/host/p7.ts', rule: 'electron-outside-shell', specifier: 'electron' },
  },
  {
    name: "node imports an 'electron' subpath",
    files: { 'src/capture/node/p7b.ts': "import { app } from 'electron/main';\nexport const a = app;\n" },
    expect: { file: 'src/capture/node/p7b.ts', rule: 'electron-outside-shell', specifier: 'electron/main' },
  },
  {
    name: 'cli imports the renderer',
    files: { 'src/cli/p7c.ts': "import { App } from '../../renderer/src/app/App.js';\nexport const a = App;\n" },
    expect: { file: 'src/cli/p7c.ts', rule: 'cli-imports-renderer' },
  },
  {
    name: 'electron imports the renderer',
    files: { 'electron/p8.ts': "import { x } from '../renderer/src/x.js';\nexport const r = x;\n" },
    expect: { file: 'electron/p8.ts', rule: 'electron-imports-renderer', specifier: '../renderer/src/x.js' },
  },
  {
    name: 'electron imports a node/ folder directly',
    files: { 'electron/p8b.ts': "import { iso } from '../src/capture/node/isolation.js';\nexport const i = iso;\n" },
    expect: { file: 'electron/p8b.ts', rule: 'electron-imports-node-layer' },
  },
  {
    name: 'electron imports a domain common/ directly',
    files: { 'electron/p8c.ts': "import { Risk } from '../src/capture/common/risk.js';\nexport const r = Risk;\n" },
    expect: { file: 'electron/p8c.ts', rule: 'electron-imports-common' },
  },
  {
    name: 'electron imports the CLI',
    files: { 'electron/p8d.ts': "import { cli } from '../src/cli/main.js';\nexport const c = cli;\n" },
    expect: { file: 'electron/p8d.ts', rule: 'electron-imports-cli' },
  },
  {
    name: 'a second file imports dockerode',
    files: { 'src/capture/node/p9.ts': "import Docker from 'dockerode';\nexport const d = new Docker();\n" },
    expect: { file: 'src/capture/node/p9.ts', rule: 'fence-dockerode', specifier: 'dockerode' },
  },
  {
    name: 'a second file imports @kubernetes/client-node',
    files: {
      'src/capture/node/p9b.ts':
        "import { KubeConfig } from '@kubernetes/client-node';\nexport const k = KubeConfig;\n",
    },
    expect: { file: 'src/capture/node/p9b.ts', rule: 'fence-kubernetes-client' },
  },
  {
    name: 'any product file imports tar-stream (the tar index reads headers itself)',
    files: { 'src/timeline/node/p9c.ts': "const tar = require('tar-stream');\nexport const t = tar;\n" },
    expect: { file: 'src/timeline/node/p9c.ts', rule: 'fence-tar-stream', specifier: 'tar-stream' },
  },
  {
    name: 'the tar index itself imports tar-stream again',
    files: { 'src/forensics/node/tar-index-header.ts': "import tar from 'tar-stream';\nexport const t = tar;\n" },
    expect: { file: 'src/forensics/node/tar-index-header.ts', rule: 'fence-tar-stream', specifier: 'tar-stream' },
  },
  {
    name: "a file imports 'tar-fs'",
    files: { 'src/forensics/node/p10.ts': "import tarFs from 'tar-fs';\nexport const x = tarFs.extract;\n" },
    expect: { file: 'src/forensics/node/p10.ts', rule: 'fence-archive-extractor', specifier: 'tar-fs' },
  },
  {
    name: "a script imports node-tar's extractor",
    files: { 'scripts/p10b.mjs': "import { x } from 'tar';\nexport const e = x;\n" },
    expect: { file: 'scripts/p10b.mjs', rule: 'fence-archive-extractor', specifier: 'tar' },
  },
  {
    name: 'a file calls cpFromPod',
    files: {
      'src/capture/node/kubernetes-engine.ts':
        "export async function grab(cp: any) {\n  await cp.cpFromPod('ns', 'pod', 'c', '/', '/tmp');\n}\n",
    },
    expect: { file: 'src/capture/node/kubernetes-engine.ts', rule: 'fence-k8s-cp', specifier: 'cpFromPod', line: 2 },
  },
  {
    name: 'a file constructs Cp',
    files: { 'src/timeline/node/p11b.ts': 'declare const k8s: any;\nexport const c = new k8s.Cp(null);\n' },
    expect: { file: 'src/timeline/node/p11b.ts', rule: 'fence-k8s-cp', specifier: 'new Cp(' },
  },
  {
    name: '`import type` crossing a layer still counts',
    files: {
      'src/forensics/common/p12.ts':
        "import type { Engine } from '../../capture/node/docker-engine.js';\nexport type E = Engine;\n",
    },
    expect: {
      file: 'src/forensics/common/p12.ts',
      rule: 'common-imports-node-layer',
      specifier: '../../capture/node/docker-engine.js',
    },
  },
  {
    name: '`import type` of Node types in the renderer still counts',
    files: { 'renderer/src/p12b.ts': "import type { Stats } from 'node:fs';\nexport type S = Stats;\n" },
    expect: { file: 'renderer/src/p12b.ts', rule: 'renderer-imports-builtin', specifier: 'node:fs' },
  },
  {
    name: "a type-position import('node:fs') in common",
    files: { 'src/contract/p12c.ts': "export type S = import('node:fs').Stats;\n" },
    expect: { file: 'src/contract/p12c.ts', rule: 'common-imports-builtin', specifier: 'node:fs' },
  },
  {
    name: "dynamic import('node:child_process') in common",
    files: {
      'src/timeline/common/p13.ts':
        "export async function run() {\n  const cp = await import('node:child_process');\n  return cp.spawn;\n}\n",
    },
    expect: {
      file: 'src/timeline/common/p13.ts',
      rule: 'common-imports-builtin',
      specifier: 'node:child_process',
      line: 2,
    },
  },
  {
    name: 'a require() of a builtin in common',
    files: { 'src/capture/common/p13b.cts': "const os = require('os');\nexport = os;\n" },
    expect: { file: 'src/capture/common/p13b.cts', rule: 'common-imports-builtin', specifier: 'os' },
  },
  {
    name: 'export-from crossing a layer',
    files: { 'src/contract/p14.ts': "export * from '../forensics/node/case-store.js';\n" },
    expect: { file: 'src/contract/p14.ts', rule: 'common-imports-node-layer' },
  },
  {
    name: 'a src/ file outside every layer',
    files: { 'src/capture/index.ts': 'export const i = 1;\n' },
    expect: { file: 'src/capture/index.ts', rule: 'unplaced-source-file' },
  },
];

function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const abs = path.join(root, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
}

let tempRoot: string;
beforeAll(() => {
  tempRoot = mkdtempSync(path.join(tmpdir(), 'holdcell-arch-'));
});
afterAll(() => {
  rmSync(tempRoot, { recursive: true, force: true });
});

function freshTree(name: string, extra: Record<string, string> = {}): string {
  const root = path.join(tempRoot, name.replace(/[^a-z0-9]+/gi, '-'));
  writeTree(root, { ...CLEAN, ...extra });
  return root;
}

describe('architecture checker on planted trees', () => {
  it('reports nothing for a clean tree that follows every rule', () => {
    const violations = checkArchitecture(freshTree('clean'));
    expect(formatViolations(violations)).toBe(formatViolations([]));
    expect(violations).toEqual([]);
  });

  it.each(PLANTS)('catches: $name', (plant) => {
    const violations = checkArchitecture(freshTree(plant.name, plant.files));
    const matching = violations.filter((v) => v.file === plant.expect.file && v.rule === plant.expect.rule);
    expect(matching, formatViolations(violations)).toHaveLength(1);
    const hit = matching[0] as Violation;
    if (plant.expect.specifier !== undefined) expect(hit.specifier).toBe(plant.expect.specifier);
    if (plant.expect.line !== undefined) expect(hit.line).toBe(plant.expect.line);
    expect(hit.message.length).toBeGreaterThan(10);
    // The plant is the only thing wrong with the tree: nothing else is reported.
    const others = violations.filter((v) => !matching.includes(v));
    const expectedOthers = (plant.alsoReported ?? []).map((file) => ({ file, rule: plant.expect.rule }));
    expect(
      others.map((v) => ({ file: v.file, rule: v.rule })),
      formatViolations(violations),
    ).toEqual(expectedOthers);
  });

  it('catches every plant at once in one tree, each with its own rule', () => {
    const all = Object.assign({}, ...PLANTS.map((p) => p.files)) as Record<string, string>;
    const violations = checkArchitecture(freshTree('all-at-once', all));
    for (const plant of PLANTS) {
      expect(
        violations.some((v) => v.file === plant.expect.file && v.rule === plant.expect.rule),
        `${plant.name}\n${formatViolations(violations)}`,
      ).toBe(true);
    }
  });

  it('fences a library without a designated file to a single importer, naming all of them', () => {
    const violations = checkArchitecture(
      freshTree('two-dockerode-no-designated', {
        'src/capture/node/other-engine.ts': "import Docker from 'dockerode';\nexport const d = Docker;\n",
      }),
      { fences: [{ rule: 'fence-dockerode', module: 'dockerode' }] },
    );
    const fence = violations.filter((v) => v.rule === 'fence-dockerode');
    expect(fence.map((v) => v.file)).toEqual(['src/capture/node/docker-engine.ts', 'src/capture/node/other-engine.ts']);
  });

  it('formats violations one per line with file, line, rule and specifier', () => {
    const text = formatViolations([
      { file: 'src/a/common/x.ts', line: 3, specifier: 'node:fs', rule: 'common-imports-builtin', message: 'no.' },
    ]);
    expect(text).toContain('src/a/common/x.ts:3');
    expect(text).toContain('[common-imports-builtin]');
    expect(text).toContain("'node:fs'");
  });
});
