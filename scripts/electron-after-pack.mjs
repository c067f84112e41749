// electron-builder afterPack hook: flips HoldCell's Electron fuses in the packaged binary, then reads them back.
//
// Why here and not in electron-builder.yml's `electronFuses`: this sets every fuse of the wire explicitly with
// @electron/fuses' strictlyRequireAllFuses (an Electron upgrade that adds a fuse fails the package instead of shipping
// its default), verifies the written wire, and is one function a unit test runs against a real file. The yml block is
// removed so the fuses are set once, by one piece of code. afterPack runs before electron-builder signs the app, which
// is the order fuses require (flipping them changes the binary a signature covers).
import path from 'node:path';
import { flipFuses, FuseState, FuseV1Options, FuseVersion, getCurrentFuseWire } from '@electron/fuses';

/** Every fuse on Electron's V1 wire, by name, with the value HoldCell ships and why. */
export const HOLDCELL_FUSES = {
  // ELECTRON_RUN_AS_NODE would turn the signed app into a general-purpose Node interpreter.
  RunAsNode: false,
  // Cookies and other Chromium secrets are encrypted at rest with the OS keychain.
  EnableCookieEncryption: true,
  // NODE_OPTIONS could preload arbitrary code into the main process.
  EnableNodeOptionsEnvironmentVariable: false,
  // --inspect and friends would hand the main process (and the host with the evidence) to a debugger.
  EnableNodeCliInspectArguments: false,
  // The app.asar is checked against the hash recorded at build time (macOS, Windows).
  EnableEmbeddedAsarIntegrityValidation: true,
  // Only the integrity-checked app.asar is loaded, never a loose app/ folder planted next to it.
  OnlyLoadAppFromAsar: true,
  // Electron's default: one V8 snapshot for every process.
  LoadBrowserProcessSpecificV8Snapshot: false,
  // file: gets no privileges beyond a web page's; the app is served from app:// anyway.
  GrantFileProtocolExtraPrivileges: false,
  // Electron's default: WebAssembly bounds checks through trap handlers.
  WasmTrapHandlers: true,
};

// electron-builder's Arch enum (builder-util): arm64 = 3, universal = 4.
const ARCH_ARM64 = 3;
const ARCH_UNIVERSAL = 4;

/** The file holding the fuse wire, located the way electron-builder's own addElectronFuses does. */
export function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  switch (electronPlatformName) {
    case 'linux':
      return path.join(appOutDir, packager.executableName);
    case 'win32':
      return path.join(appOutDir, `${packager.appInfo.productFilename}.exe`);
    case 'darwin':
    case 'mas':
      // @electron/fuses maps the bundle to its Electron Framework binary itself.
      return path.join(appOutDir, `${packager.appInfo.productFilename}.app`);
    default:
      throw new Error(`electron-after-pack: unknown platform ${JSON.stringify(electronPlatformName)}`);
  }
}

/** @param {{ appOutDir: string, electronPlatformName: string, arch: number, packager: object }} context */
export async function afterPack(context) {
  const binary = electronBinaryPath(context);
  const isMac = context.electronPlatformName === 'darwin' || context.electronPlatformName === 'mas';
  const config = { version: FuseVersion.V1, strictlyRequireAllFuses: true };
  for (const [name, value] of Object.entries(HOLDCELL_FUSES)) config[FuseV1Options[name]] = value;
  // Flipping fuses breaks an arm64 macOS ad-hoc signature, and an unsigned arm64 binary does not start at all.
  config.resetAdHocDarwinSignature = isMac && (context.arch === ARCH_ARM64 || context.arch === ARCH_UNIVERSAL);
  await flipFuses(binary, config);

  // Read back: a package whose fuses are not what this file says must not leave the build.
  const wire = await getCurrentFuseWire(binary);
  const wrong = Object.entries(HOLDCELL_FUSES).filter(([name, value]) => {
    const state = wire[FuseV1Options[name]];
    return state !== (value ? FuseState.ENABLE : FuseState.DISABLE) && state !== FuseState.REMOVED;
  });
  if (wrong.length > 0) {
    throw new Error(`electron-after-pack: fuses did not take in ${binary}: ${wrong.map(([name]) => name).join(', ')}`);
  }
  const summary = Object.entries(HOLDCELL_FUSES).map(([name, value]) => `${name}=${value ? 'on' : 'off'}`);
  console.log(`electron-after-pack: fuses set in ${binary}: ${summary.join(' ')}`);
}

export default afterPack;
