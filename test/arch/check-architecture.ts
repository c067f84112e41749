// Architecture checker: reports every import that crosses a layer rule or library fence (see /work/shared/architecture.md).
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

/** One crossed rule: where, what was imported, which rule, and a sentence a developer can act on. */
export interface Violation {
  /** Repository-relative path with forward slashes. */
  file: string;
  /** 1-based line of the import specifier (1 for whole-file findings). */
  line: number;
  /** The module specifier (or directive / identifier) that crossed the rule. */
  specifier: string;
  /** Short stable id, e.g. `common-imports-builtin`, `fence-dockerode`. */
  rule: string;
  message: string;
}

/** A library that at most one file may import (and, when `allowedFile` is set, only that file; `none`: no file). */
export interface LibraryFence {
  rule: string;
  module: string;
  allowedFile?: string;
  /** Why no product file may import it (tests and benches still may: they are not fenced). */
  none?: string;
}

export interface CheckOptions {
  /** Overrides the default single-importer fences. */
  fences?: readonly LibraryFence[];
  /** Files (repo-relative) exempt from layer rules; library fences still apply to them. */
  layerExempt?: readonly string[];
}

/**
 * Layer of a repo-relative path.
 * - `common`: src/contract/** and src/<domain>/common/**
 * - `node`: src/<domain>/node/**
 * - `host`, `cli`: src/host/**, src/cli/**
 * - `electron`: electron/**
 * - `renderer`: renderer/**
 * - `unplaced`: anything else under src/ (a file the layout has no place for)
 * - `outside`: everything else (test/, scripts/, ...), not layer-checked
 */
export type LayerKind = 'common' | 'node' | 'host' | 'cli' | 'electron' | 'renderer' | 'unplaced' | 'outside';

export interface Layer {
  kind: LayerKind;
  /** Domain for src/<domain>/{common,node}; `contract` for src/contract. */
  domain?: string;
}

/** Source roots whose files are layer-checked. */
export const LAYER_ROOTS = ['src', 'electron', 'renderer'] as const;
/** Roots whose files count towards library fences (product code; tests may drive engines and contain fixtures). */
export const FENCE_ROOTS = ['src', 'electron', 'renderer', 'scripts', 'bin'] as const;

/** Build-tool files inside layer roots that run in Node at build time, not in their folder's environment. */
export const DEFAULT_LAYER_EXEMPT: readonly string[] = [
  // Vite's config runs in Node while bundling the renderer; it is never part of the browser bundle.
  'renderer/vite.config.ts',
];

export const DEFAULT_FENCES: readonly LibraryFence[] = [
  { rule: 'fence-dockerode', module: 'dockerode', allowedFile: 'src/capture/node/docker-engine.ts' },
  // Export and save read the engine's socket themselves (docker-bulk-get.ts): a client library cost 3–6× the CPU.
  {
    rule: 'fence-undici',
    module: 'undici',
    none: "export and save read the engine's socket with docker-bulk-get.ts and docker-bulk-http.ts; no HTTP client there",
  },
  {
    rule: 'fence-kubernetes-client',
    module: '@kubernetes/client-node',
    allowedFile: 'src/capture/node/kubernetes-cluster.ts',
  },
  // The tar index reads headers itself (tar-index-header.ts); tar-stream stays only as the tests' reference decoder.
  {
    rule: 'fence-tar-stream',
    module: 'tar-stream',
    none: 'the tar index reads headers with its own reader (tar-index-header.ts); tar-stream is a test reference only',
  },
];

/** Packages that extract archives to disk; evidence is parsed as a stream (the tar index), never extracted. */
export const ARCHIVE_EXTRACTORS: readonly string[] = [
  'tar-fs',
  'tar',
  'decompress',
  'adm-zip',
  'extract-zip',
  'unzipper',
  'yauzl',
  'node-stream-zip',
];

/** npm packages the common layer may import. */
export const COMMON_PACKAGE_ALLOW: readonly string[] = ['zod'];

/** npm packages that only run in Node: the renderer must reach them through the host. */
export const NODE_ONLY_PACKAGES: readonly string[] = [
  'dockerode',
  'docker-modem',
  '@kubernetes/client-node',
  'tar-stream',
  'undici',
  'ws',
  'commander',
  'ssh2',
  ...ARCHIVE_EXTRACTORS,
];

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.cts', '.mts'];
const FENCE_EXTENSIONS = [...SOURCE_EXTENSIONS, '.js', '.jsx', '.cjs', '.mjs'];
const SKIP_DIRS = new Set(['node_modules', 'dist', 'release', 'coverage', '.git', 'test-results', 'playwright-report']);
const BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/** True for `node:*` and bare Node builtin names (`fs`, `fs/promises`, `path/posix`, ...). */
export function isBuiltin(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  if (BUILTINS.has(specifier)) return true;
  const first = specifier.split('/')[0] ?? specifier;
  return BUILTINS.has(first);
}

/** npm package name of a bare specifier (`@scope/name/sub` → `@scope/name`), or undefined for relative/absolute/`#`. */
export function packageName(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#')) return undefined;
  if (specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  if (specifier.startsWith('@')) return parts.length >= 2 ? `${parts[0]}/${parts[1]}` : specifier;
  return parts[0];
}

export function classifyPath(relPath: string): Layer {
  const parts = relPath.split('/');
  const [top, second, third] = parts;
  if (top === 'electron') return { kind: 'electron' };
  if (top === 'renderer') return { kind: 'renderer' };
  if (top !== 'src' || second === undefined || parts.length < 3)
    return { kind: top === 'src' ? 'unplaced' : 'outside' };
  if (second === 'contract') return { kind: 'common', domain: 'contract' };
  if (second === 'host') return { kind: 'host' };
  if (second === 'cli') return { kind: 'cli' };
  if (parts.length >= 4 && third === 'common') return { kind: 'common', domain: second };
  if (parts.length >= 4 && third === 'node') return { kind: 'node', domain: second };
  return { kind: 'unplaced' };
}

function describeLayer(layer: Layer): string {
  switch (layer.kind) {
    case 'common':
      return layer.domain === 'contract' ? 'src/contract' : `src/${layer.domain}/common`;
    case 'node':
      return `src/${layer.domain}/node`;
    case 'host':
      return 'src/host';
    case 'cli':
      return 'src/cli';
    case 'electron':
      return 'electron/';
    case 'renderer':
      return 'renderer/';
    case 'unplaced':
      return 'an unplaced src/ file';
    case 'outside':
      return 'a file outside the source layers';
  }
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

function listFiles(rootDir: string, top: string, extensions: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let entries;
    try {
      entries = readdirSync(path.join(rootDir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const childRel = `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(childRel);
      } else if (entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext))) {
        out.push(childRel);
      }
    }
  };
  walk(top);
  return out.sort();
}

/** Resolves a relative (or absolute) specifier to a repo-relative path; `.js` ESM suffixes map to their TS sources. */
export function resolveRelative(fromFile: string, specifier: string, rootDir: string): string {
  let target: string;
  if (specifier.startsWith('/')) {
    target = toPosix(path.relative(rootDir, specifier));
  } else {
    target = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), specifier));
  }
  return target
    .replace(/\.js$/, '.ts')
    .replace(/\.jsx$/, '.tsx')
    .replace(/\.mjs$/, '.mts')
    .replace(/\.cjs$/, '.cts');
}

interface ImportRef {
  specifier: string;
  line: number;
  kind: 'import' | 'types' | 'lib' | 'path';
}

function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Every module reference in a file: import/export-from (incl. `import type`), require, dynamic import, import types, triple-slash. */
export function collectImports(text: string): ImportRef[] {
  const info = ts.preProcessFile(text, true, true);
  const refs: ImportRef[] = [];
  for (const f of info.importedFiles) refs.push({ specifier: f.fileName, line: lineOf(text, f.pos), kind: 'import' });
  for (const f of info.typeReferenceDirectives)
    refs.push({ specifier: f.fileName, line: lineOf(text, f.pos), kind: 'types' });
  for (const f of info.libReferenceDirectives)
    refs.push({ specifier: f.fileName, line: lineOf(text, f.pos), kind: 'lib' });
  for (const f of info.referencedFiles) refs.push({ specifier: f.fileName, line: lineOf(text, f.pos), kind: 'path' });
  return refs;
}

/** Uses of Kubernetes' copy-from-pod helper (it extracts a tar from the pod onto disk): `cpFromPod`, `new Cp(...)`, `import { Cp }`. */
export function findCpUses(fileName: string, text: string): { line: number; what: string }[] {
  const kind = fileName.endsWith('.tsx') || fileName.endsWith('.jsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind);
  const found: { line: number; what: string }[] = [];
  const at = (node: ts.Node): number => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.text === 'cpFromPod') {
      found.push({ line: at(node), what: 'cpFromPod' });
    } else if (ts.isStringLiteralLike(node) && node.text === 'cpFromPod' && ts.isElementAccessExpression(node.parent)) {
      found.push({ line: at(node), what: 'cpFromPod' });
    } else if (ts.isNewExpression(node)) {
      const callee = node.expression;
      const name = ts.isIdentifier(callee)
        ? callee.text
        : ts.isPropertyAccessExpression(callee)
          ? callee.name.text
          : '';
      if (name === 'Cp') found.push({ line: at(node), what: 'new Cp(' });
    } else if (
      ts.isImportDeclaration(node) &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      node.moduleSpecifier.text === '@kubernetes/client-node'
    ) {
      const bindings = node.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) {
        for (const el of bindings.elements) {
          if ((el.propertyName ?? el.name).text === 'Cp') found.push({ line: at(el), what: 'import { Cp }' });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

type TargetKind =
  | { kind: 'builtin' }
  | { kind: 'package'; name: string }
  | { kind: 'file'; path: string; layer: Layer }
  | { kind: 'unknown' };

function classifyTarget(fromFile: string, specifier: string, rootDir: string): TargetKind {
  if (isBuiltin(specifier)) return { kind: 'builtin' };
  const pkg = packageName(specifier);
  if (pkg !== undefined) return { kind: 'package', name: pkg };
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const target = resolveRelative(fromFile, specifier, rootDir);
    return { kind: 'file', path: target, layer: classifyPath(target) };
  }
  return { kind: 'unknown' };
}

/** Which target layers each source layer may import (relative files). */
function fileImportAllowed(from: Layer, to: Layer): boolean {
  switch (from.kind) {
    case 'common':
      return to.kind === 'common';
    case 'node':
      return to.kind === 'common' || (to.kind === 'node' && to.domain === from.domain);
    case 'host':
    case 'cli':
      return ['common', 'node', 'host', 'cli'].includes(to.kind);
    case 'electron':
      return to.kind === 'electron' || to.kind === 'host' || (to.kind === 'common' && to.domain === 'contract');
    case 'renderer':
      return to.kind === 'renderer' || to.kind === 'common';
    case 'unplaced':
    case 'outside':
      return true;
  }
}

function targetRuleSuffix(from: Layer, to: Layer): string {
  switch (to.kind) {
    case 'node':
      return from.kind === 'node' ? 'other-domain-node' : 'node-layer';
    case 'common':
      return to.domain === 'contract' ? 'contract' : 'common';
    case 'electron':
      return 'electron-shell';
    case 'unplaced':
    case 'outside':
      return 'outside-layers';
    default:
      return to.kind;
  }
}

const FROM_PREFIX: Record<LayerKind, string> = {
  common: 'common',
  node: 'node',
  host: 'host',
  cli: 'cli',
  electron: 'electron',
  renderer: 'renderer',
  unplaced: 'unplaced',
  outside: 'outside',
};

function checkLayerImport(file: string, layer: Layer, ref: ImportRef, rootDir: string): Violation | undefined {
  const v = (rule: string, message: string): Violation => ({
    file,
    line: ref.line,
    specifier: ref.specifier,
    rule,
    message,
  });
  const where = describeLayer(layer);
  const p = FROM_PREFIX[layer.kind];

  if (ref.kind === 'lib') {
    const lib = ref.specifier.toLowerCase();
    if (layer.kind === 'common' && (lib.startsWith('dom') || lib.startsWith('webworker'))) {
      return v(
        'common-imports-dom',
        `${where} must stay environment-free: remove /// <reference lib="${ref.specifier}" />.`,
      );
    }
    return undefined;
  }
  if (ref.kind === 'types') {
    const t = ref.specifier;
    if ((layer.kind === 'common' || layer.kind === 'renderer') && (t === 'node' || t.startsWith('node/'))) {
      return v(`${p}-imports-builtin`, `${where} must not pull in Node types: remove /// <reference types="${t}" />.`);
    }
    if (layer.kind === 'common' && t !== 'node') {
      return v(
        'common-imports-package',
        `${where} may reference no type packages: remove /// <reference types="${t}" />.`,
      );
    }
    return undefined;
  }

  // `/// <reference path>` is always file-relative, with or without a leading `./`.
  const spec = ref.kind === 'path' && !/^[./]/.test(ref.specifier) ? `./${ref.specifier}` : ref.specifier;
  const target = classifyTarget(file, spec, rootDir);
  if (target.kind === 'package' && target.name === 'electron') {
    if (layer.kind !== 'electron') {
      return v(
        'electron-outside-shell',
        `Only electron/ may import 'electron' (found in ${where}); talk to the shell through the contract instead.`,
      );
    }
    return undefined;
  }
  switch (target.kind) {
    case 'builtin':
      if (layer.kind === 'common' || layer.kind === 'renderer') {
        return v(
          `${p}-imports-builtin`,
          `${where} must not import Node builtin '${ref.specifier}'; move the code to a node/ folder or the host.`,
        );
      }
      return undefined;
    case 'package':
      if (layer.kind === 'common' && !COMMON_PACKAGE_ALLOW.includes(target.name)) {
        return v(
          'common-imports-package',
          `${where} may import only ${COMMON_PACKAGE_ALLOW.join(', ')} from npm, not '${target.name}'.`,
        );
      }
      if (layer.kind === 'renderer' && NODE_ONLY_PACKAGES.includes(target.name)) {
        return v(
          'renderer-imports-node-package',
          `renderer/ runs in the browser; '${target.name}' is Node-only and belongs behind the host.`,
        );
      }
      return undefined;
    case 'file':
      if (fileImportAllowed(layer, target.layer)) return undefined;
      return v(
        `${p}-imports-${targetRuleSuffix(layer, target.layer)}`,
        `${where} must not import ${target.path} (${describeLayer(target.layer)}).`,
      );
    case 'unknown':
      return undefined;
  }
}

/** Checks the repository at `rootDir` and returns every violation, sorted by file and line. */
export function checkArchitecture(rootDir: string, options: CheckOptions = {}): Violation[] {
  const root = path.resolve(rootDir);
  const fences = options.fences ?? DEFAULT_FENCES;
  const exempt = new Set(options.layerExempt ?? DEFAULT_LAYER_EXEMPT);
  const violations: Violation[] = [];
  const fenceImporters = new Map<string, { file: string; line: number; specifier: string }[]>();

  const files = new Set<string>();
  for (const top of FENCE_ROOTS) for (const f of listFiles(root, top, FENCE_EXTENSIONS)) files.add(f);

  for (const file of [...files].sort()) {
    const text = readFileSync(path.join(root, file), 'utf8');
    const refs = collectImports(text);
    const layer = classifyPath(file);
    const layerChecked =
      (LAYER_ROOTS as readonly string[]).includes(file.split('/')[0] ?? '') &&
      SOURCE_EXTENSIONS.some((ext) => file.endsWith(ext)) &&
      !exempt.has(file);

    if (layerChecked && layer.kind === 'unplaced') {
      violations.push({
        file,
        line: 1,
        specifier: '',
        rule: 'unplaced-source-file',
        message: 'src/ files live in src/contract, src/host, src/cli or src/<domain>/{common,node}/; move this file.',
      });
    }

    for (const ref of refs) {
      if (layerChecked) {
        const found = checkLayerImport(file, layer, ref, root);
        if (found) violations.push(found);
      }
      if (ref.kind !== 'import') continue;
      const pkg = packageName(ref.specifier);
      if (pkg === undefined) continue;
      if (ARCHIVE_EXTRACTORS.includes(pkg) || pkg.startsWith('decompress-')) {
        violations.push({
          file,
          line: ref.line,
          specifier: ref.specifier,
          rule: 'fence-archive-extractor',
          message: `'${pkg}' extracts archives; evidence is read as a stream (the tar index) and never extracted to disk.`,
        });
      }
      for (const fence of fences) {
        if (pkg !== fence.module) continue;
        const list = fenceImporters.get(fence.rule) ?? [];
        list.push({ file, line: ref.line, specifier: ref.specifier });
        fenceImporters.set(fence.rule, list);
      }
    }

    for (const use of findCpUses(file, text)) {
      violations.push({
        file,
        line: use.line,
        specifier: use.what,
        rule: 'fence-k8s-cp',
        message: `Kubernetes Cp/cpFromPod extracts a tar onto disk; stream the archive through the tar index instead.`,
      });
    }
  }

  for (const fence of fences) {
    const importers = fenceImporters.get(fence.rule) ?? [];
    const distinctFiles = [...new Set(importers.map((i) => i.file))];
    const reported = new Set<string>();
    for (const imp of importers) {
      if (reported.has(imp.file)) continue;
      let message: string | undefined;
      if (fence.none !== undefined) {
        message = `No product file may import '${fence.module}': ${fence.none}.`;
      } else if (fence.allowedFile !== undefined && imp.file !== fence.allowedFile) {
        message = `Only ${fence.allowedFile} may import '${fence.module}'; go through its interface.`;
      } else if (fence.allowedFile === undefined && distinctFiles.length > 1) {
        message = `'${fence.module}' must be imported by one file only; found in ${distinctFiles.join(', ')}.`;
      }
      if (message !== undefined) {
        reported.add(imp.file);
        violations.push({ file: imp.file, line: imp.line, specifier: imp.specifier, rule: fence.rule, message });
      }
    }
  }

  return violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule));
}

/** Human-readable report: one line per violation, `file:line  rule  'specifier'  message`. */
export function formatViolations(violations: readonly Violation[]): string {
  if (violations.length === 0) return 'No architecture violations.';
  const lines = violations.map(
    (v) => `  ${v.file}:${v.line}  [${v.rule}]  ${v.specifier ? `'${v.specifier}'  ` : ''}${v.message}`,
  );
  return `${violations.length} architecture violation(s):\n${lines.join('\n')}`;
}
