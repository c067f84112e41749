// Electron checklist 19 (fuses): the afterPack hook electron-builder loads flips every fuse in a real binary file
// carrying a fuse wire, and @electron/fuses reads back the values HoldCell ships. A real file, not a mock.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BUILDER_CONFIG = readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8');

/** What @electron/fuses looks for in an Electron binary: this sentinel, then version byte, length byte, wire. */
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** A stock Electron's V1 wire ('1' on, '0' off), in FuseV1Options order: RunAsNode ... WasmTrapHandlers. */
const STOCK_WIRE = '101100011';

/** A small real executable (a copy of /usr/bin/true) with a fuse wire appended, as Electron carries one. */
function binaryWithFuseWire(file: string, wire = STOCK_WIRE, version = 1): void {
  mkdirSync(path.dirname(file), { recursive: true });
  copyFileSync('/usr/bin/true', file);
  const executable = readFileSync(file);
  const fuses = Buffer.concat([Buffer.from(SENTINEL), Buffer.from([version, wire.length]), Buffer.from(wire)]);
  writeFileSync(file, Buffer.concat([executable, fuses, Buffer.from('\0trailing bytes\0')]));
  chmodSync(file, 0o755);
}

type AfterPack = (context: object) => Promise<void>;

/** Loads the hook exactly as electron-builder does: its own resolveFunction on the `afterPack` value of the yml. */
async function afterPackAsElectronBuilderLoadsIt(): Promise<AfterPack> {
  const reference = /^afterPack:\s*(\S+)\s*$/mu.exec(BUILDER_CONFIG)?.[1];
  if (reference === undefined) throw new Error('electron-builder.yml has no afterPack hook');
  const require = createRequire(import.meta.url);
  const { resolveFunction } = require('app-builder-lib/out/util/resolve.js') as {
    resolveFunction: (type: string, executor: string, name: string, root: string) => Promise<AfterPack>;
  };
  // electron-builder resolves "./" hooks against the directory it runs in, the project root; so does npm's test run.
  const previous = process.cwd();
  if (previous !== ROOT) process.chdir(ROOT);
  try {
    return await resolveFunction('module', reference, 'afterPack', ROOT);
  } finally {
    if (previous !== ROOT) process.chdir(previous);
  }
}

/** The slice of electron-builder's AfterPackContext the hook reads. A fake of the packager, named as one. */
function fakeAfterPackContext(appOutDir: string, electronPlatformName: string, arch = 1) {
  return {
    appOutDir,
    electronPlatformName,
    arch,
    packager: { executableName: 'holdcell', appInfo: { productFilename: 'HoldCell' } },
  };
}

let appOutDir: string;
let logs: string[];
const originalLog = console.log;

beforeEach(() => {
  appOutDir = mkdtempSync(path.join(tmpdir(), 'holdcell-fuses-'));
  logs = [];
  console.log = (...args: unknown[]) => logs.push(args.map(String).join(' '));
});

afterEach(() => {
  console.log = originalLog;
  rmSync(appOutDir, { recursive: true, force: true });
});

/** The brief for the shipped binary, spelled out here rather than imported from the hook it checks. */
const EXPECTED: Record<keyof typeof FuseV1Options, 'on' | 'off'> = {
  RunAsNode: 'off',
  EnableCookieEncryption: 'on',
  EnableNodeOptionsEnvironmentVariable: 'off',
  EnableNodeCliInspectArguments: 'off',
  EnableEmbeddedAsarIntegrityValidation: 'on',
  OnlyLoadAppFromAsar: 'on',
  LoadBrowserProcessSpecificV8Snapshot: 'off',
  GrantFileProtocolExtraPrivileges: 'off',
  WasmTrapHandlers: 'on',
};

async function readFuses(binary: string): Promise<Record<string, 'on' | 'off' | number | undefined>> {
  const wire = await getCurrentFuseWire(binary);
  return Object.fromEntries(
    Object.keys(EXPECTED).map((name) => {
      const state = wire[FuseV1Options[name as keyof typeof FuseV1Options]];
      return [name, state === FuseState.ENABLE ? 'on' : state === FuseState.DISABLE ? 'off' : state];
    }),
  );
}

describe('given electron-builder.yml', () => {
  it('then fuses are set once, by the afterPack hook, and the hook script is not packed into the app', () => {
    expect(BUILDER_CONFIG).toMatch(/^afterPack: \.\/scripts\/electron-after-pack\.mjs$/mu);
    expect(BUILDER_CONFIG).not.toMatch(/^electronFuses:/mu);
    const files = /^files:\n((?: {2}- .*\n)+)/mu.exec(BUILDER_CONFIG)?.[1] ?? '';
    expect(files).not.toMatch(/scripts/u);
  });
});

describe('given a packaged Linux app whose binary carries a stock fuse wire', () => {
  it('when electron-builder runs the afterPack hook, then every fuse reads back as HoldCell ships it', async () => {
    const binary = path.join(appOutDir, 'holdcell');
    binaryWithFuseWire(binary);
    expect((await readFuses(binary)).RunAsNode).toBe('on'); // the stock binary, before the hook

    const afterPack = await afterPackAsElectronBuilderLoadsIt();
    await afterPack(fakeAfterPackContext(appOutDir, 'linux'));

    expect(await readFuses(binary)).toEqual(EXPECTED);
    expect(logs.join('\n')).toContain('RunAsNode=off');
  });

  it('then only the wire bytes changed and the binary still runs', async () => {
    const binary = path.join(appOutDir, 'holdcell');
    binaryWithFuseWire(binary);
    const before = readFileSync(binary);
    await (
      await afterPackAsElectronBuilderLoadsIt()
    )(fakeAfterPackContext(appOutDir, 'linux'));
    const after = readFileSync(binary);

    const wireStart = before.indexOf(SENTINEL) + SENTINEL.length + 2;
    expect(after.length).toBe(before.length);
    expect(after.subarray(0, wireStart).equals(before.subarray(0, wireStart))).toBe(true);
    expect(after.subarray(wireStart + STOCK_WIRE.length).equals(before.subarray(wireStart + STOCK_WIRE.length))).toBe(
      true,
    );
    expect(after.subarray(wireStart, wireStart + STOCK_WIRE.length).toString()).toBe('010011001');
    execFileSync(binary); // throws on a non-zero exit
  });
});

describe.each([
  ['Windows', 'win32', 'HoldCell.exe'],
  ['macOS (Intel)', 'darwin', 'HoldCell.app/Contents/Frameworks/Electron Framework.framework/Electron Framework'],
])('given a packaged %s app', (_name, platform, fuseFile) => {
  it('when the hook runs, then it finds the binary where electron-builder puts it and sets every fuse', async () => {
    binaryWithFuseWire(path.join(appOutDir, fuseFile));
    await (
      await afterPackAsElectronBuilderLoadsIt()
    )(fakeAfterPackContext(appOutDir, platform));
    expect(await readFuses(path.join(appOutDir, fuseFile))).toEqual(EXPECTED);
  });
});

describe('given a binary the hook must not sign off on', () => {
  it('when it has no fuse wire, then packaging fails', async () => {
    writeFileSync(path.join(appOutDir, 'holdcell'), 'not electron');
    const afterPack = await afterPackAsElectronBuilderLoadsIt();
    await expect(afterPack(fakeAfterPackContext(appOutDir, 'linux'))).rejects.toThrow(/sentinel/);
  });

  it('when a newer Electron has a fuse HoldCell does not set yet, then packaging fails and the binary is untouched', async () => {
    const binary = path.join(appOutDir, 'holdcell');
    binaryWithFuseWire(binary, `${STOCK_WIRE}1`);
    const before = readFileSync(binary);
    const afterPack = await afterPackAsElectronBuilderLoadsIt();
    await expect(afterPack(fakeAfterPackContext(appOutDir, 'linux'))).rejects.toThrow(/strictlyRequireAllFuses/);
    expect(readFileSync(binary).equals(before)).toBe(true);
  });

  it('when the wire has another version, then packaging fails', async () => {
    binaryWithFuseWire(path.join(appOutDir, 'holdcell'), STOCK_WIRE, 2);
    const afterPack = await afterPackAsElectronBuilderLoadsIt();
    await expect(afterPack(fakeAfterPackContext(appOutDir, 'linux'))).rejects.toThrow(/version/);
  });

  it('when the platform is unknown, then packaging fails', async () => {
    const afterPack = await afterPackAsElectronBuilderLoadsIt();
    await expect(afterPack(fakeAfterPackContext(appOutDir, 'plan9'))).rejects.toThrow(/unknown platform/);
  });
});
