// Which engines HoldCell reaches: "default" picked like the docker CLI picks it, plus each docker context by name.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadHostConfig } from '../../src/host/config.js';
import { resolveEngines } from '../../src/host/engine-config.js';

let dockerConfig: string;

/** Writes a context the way `docker context create` does: meta/<sha256(name)>/meta.json and tls/<sha256(name)>/docker. */
function writeContext(
  name: string,
  docker: object | undefined,
  options: { tlsFiles?: string[]; metaText?: string; folderName?: string } = {},
): string {
  const folder = options.folderName ?? createHash('sha256').update(name).digest('hex');
  mkdirSync(join(dockerConfig, 'contexts', 'meta', folder), { recursive: true });
  const meta = { Name: name, Metadata: {}, Endpoints: docker === undefined ? {} : { docker } };
  writeFileSync(join(dockerConfig, 'contexts', 'meta', folder, 'meta.json'), options.metaText ?? JSON.stringify(meta));
  if (options.tlsFiles) {
    mkdirSync(join(dockerConfig, 'contexts', 'tls', folder, 'docker'), { recursive: true });
    for (const file of options.tlsFiles)
      writeFileSync(join(dockerConfig, 'contexts', 'tls', folder, 'docker', file), 'pem');
  }
  return folder;
}

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { DOCKER_CONFIG: dockerConfig, HOME: '/home/responder', ...extra };
}

beforeEach(() => {
  dockerConfig = mkdtempSync(join(tmpdir(), 'holdcell-docker-config-'));
});
afterEach(() => rmSync(dockerConfig, { recursive: true, force: true }));

describe('engine "default"', () => {
  it('given nothing configured, then it is the local socket', () => {
    expect(resolveEngines(env())).toEqual([
      {
        engineId: 'default',
        endpoint: { kind: 'unix', socketPath: '/var/run/docker.sock' },
        source: 'local socket',
        aliases: [],
        warnings: [],
      },
    ]);
  });

  it('given --host, DOCKER_HOST and a current context, then the flag wins, then DOCKER_HOST, like the docker CLI', () => {
    writeContext('prod', { Host: 'unix:///run/prod.sock' });
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ currentContext: 'prod' }));
    const all = env({ DOCKER_HOST: 'unix:///run/env.sock', DOCKER_CONTEXT: 'prod' });
    expect(resolveEngines(all, { dockerHost: 'unix:///run/flag.sock' })[0]).toMatchObject({
      endpoint: { socketPath: '/run/flag.sock' },
      source: '--host',
    });
    expect(resolveEngines(all)[0]).toMatchObject({ endpoint: { socketPath: '/run/env.sock' }, source: 'DOCKER_HOST' });
  });

  it('given DOCKER_TLS_VERIFY without DOCKER_CERT_PATH, then TLS material is taken from the docker config folder', () => {
    const [engine] = resolveEngines(env({ DOCKER_HOST: 'tcp://engine.corp', DOCKER_TLS_VERIFY: '1' }));
    expect(engine?.endpoint).toEqual({
      kind: 'tcp',
      host: 'engine.corp',
      port: 2376,
      tls: true,
      certPath: dockerConfig,
    });
  });

  it('given a current context in config.json, then "default" is that context, named as an alias and not listed twice', () => {
    writeContext('prod', { Host: 'unix:///run/prod.sock', SkipTLSVerify: false });
    writeContext('lab', { Host: 'unix:///run/lab.sock', SkipTLSVerify: false });
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: {}, currentContext: 'prod' }));
    const engines = resolveEngines(env());
    expect(engines.map((engine) => engine.engineId)).toEqual(['default', 'lab']);
    expect(engines[0]).toMatchObject({
      endpoint: { kind: 'unix', socketPath: '/run/prod.sock' },
      source: 'context prod (currentContext in config.json)',
      aliases: ['prod'],
    });
  });

  it('given DOCKER_CONTEXT, then it beats config.json; given "default", then the local socket is used', () => {
    writeContext('prod', { Host: 'unix:///run/prod.sock' });
    writeContext('lab', { Host: 'unix:///run/lab.sock' });
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ currentContext: 'prod' }));
    expect(resolveEngines(env({ DOCKER_CONTEXT: 'lab' }))[0]).toMatchObject({
      endpoint: { socketPath: '/run/lab.sock' },
      source: 'context lab (DOCKER_CONTEXT)',
    });
    expect(resolveEngines(env({ DOCKER_CONTEXT: 'default' }))[0]?.source).toBe('local socket');
  });

  it('given a current context that does not exist, then "default" reports it instead of guessing another engine', () => {
    const [engine] = resolveEngines(env({ DOCKER_CONTEXT: 'gone' }));
    expect(engine?.endpoint).toEqual({
      kind: 'invalid',
      address: '',
      reason: `the current docker context "gone" (DOCKER_CONTEXT) does not exist in ${join(dockerConfig, 'contexts')}`,
    });
  });

  it('given a config.json that is not JSON, then "default" reports it rather than falling back to the local socket', () => {
    writeFileSync(join(dockerConfig, 'config.json'), '{ "currentContext": ');
    expect(resolveEngines(env())[0]?.endpoint).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/cannot tell the current docker context: .*config\.json is not valid JSON/),
    });
  });

  it('given a DOCKER_HOST that is not an address, then the engine carries the reason and nothing throws', () => {
    const config = loadHostConfig(env({ DOCKER_HOST: 'ftp://engine' }));
    expect(config.engines[0]?.endpoint).toEqual({
      kind: 'invalid',
      address: 'ftp://engine',
      reason: 'Unsupported Docker engine scheme "ftp:" in "ftp://engine"',
    });
  });
});

describe('docker contexts as engines', () => {
  it('given contexts, then each is an engine named after it, sorted, with TLS when the context stores TLS material', () => {
    const tlsFolder = writeContext(
      'tls-one',
      { Host: 'tcp://10.0.0.6:2376', SkipTLSVerify: false },
      {
        tlsFiles: ['ca.pem', 'cert.pem', 'key.pem'],
      },
    );
    writeContext('insecure', { Host: 'tcp://10.0.0.7:2376', SkipTLSVerify: true });
    writeContext('bastion', { Host: 'ssh://ir@bastion.corp:2222' });
    writeContext('plain', { Host: 'tcp://10.0.0.8:2375' });
    const engines = resolveEngines(env({ SSH_AUTH_SOCK: '/tmp/agent.sock' }));
    expect(engines.map((engine) => [engine.engineId, engine.source])).toEqual([
      ['default', 'local socket'],
      ['bastion', 'context bastion'],
      ['insecure', 'context insecure'],
      ['plain', 'context plain'],
      ['tls-one', 'context tls-one'],
    ]);
    const byId = new Map(engines.map((engine) => [engine.engineId, engine]));
    expect(byId.get('tls-one')?.endpoint).toEqual({
      kind: 'tcp',
      host: '10.0.0.6',
      port: 2376,
      tls: true,
      certPath: join(dockerConfig, 'contexts', 'tls', tlsFolder, 'docker'),
    });
    expect(byId.get('tls-one')?.warnings).toEqual([]);
    expect(byId.get('insecure')?.endpoint).toMatchObject({ tls: true, skipVerify: true });
    expect(byId.get('insecure')?.warnings[0]).toMatch(/not checked/);
    expect(byId.get('plain')?.endpoint).toMatchObject({ tls: false });
    expect(byId.get('plain')?.warnings[0]).toMatch(/neither encrypted nor authenticated/);
    expect(byId.get('bastion')?.endpoint).toEqual({
      kind: 'ssh',
      host: 'bastion.corp',
      port: 2222,
      user: 'ir',
      knownHostsFiles: [
        '/home/responder/.ssh/known_hosts',
        '/home/responder/.ssh/known_hosts2',
        '/etc/ssh/ssh_known_hosts',
        '/etc/ssh/ssh_known_hosts2',
      ],
      identityFiles: [
        '/home/responder/.ssh/id_ed25519',
        '/home/responder/.ssh/id_ecdsa',
        '/home/responder/.ssh/id_rsa',
      ],
      agentSocket: '/tmp/agent.sock',
    });
  });

  it('given HOLDCELL_KNOWN_HOSTS, then only those files vouch for SSH hosts', () => {
    writeContext('bastion', { Host: 'ssh://bastion.corp' });
    const engines = resolveEngines(env({ HOLDCELL_KNOWN_HOSTS: '/case/known_hosts:/etc/holdcell/known_hosts' }));
    expect(engines[1]?.endpoint).toMatchObject({ knownHostsFiles: ['/case/known_hosts', '/etc/holdcell/known_hosts'] });
  });

  it('given broken contexts, then each is listed with its reason under a stable id while the good one still works', () => {
    writeContext('good', { Host: 'unix:///run/good.sock' });
    const notJson = writeContext('notjson', undefined, { metaText: '{"Name": "notjson",' });
    writeContext('nodocker', undefined);
    writeContext('badhost', { Host: 'gopher://x' });
    const moved = writeContext('moved', { Host: 'unix:///run/m.sock' }, { folderName: 'a'.repeat(64) });
    writeContext('default', { Host: 'unix:///run/d.sock' });
    const engines = resolveEngines(env());
    const byId = new Map(engines.map((engine) => [engine.engineId, engine]));
    expect(byId.get('good')?.endpoint).toEqual({ kind: 'unix', socketPath: '/run/good.sock' });
    expect(byId.get(`context-${notJson.slice(0, 12)}`)?.endpoint).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/meta\.json cannot be read as JSON/),
    });
    expect(byId.get('context-aaaaaaaaaaaa')?.endpoint).toMatchObject({
      kind: 'invalid',
      address: 'unix:///run/m.sock',
      reason: expect.stringContaining(`"moved": its folder is not sha256 of its name`),
    });
    expect(moved).toBe('a'.repeat(64));
    const reasons = engines.flatMap((engine) => (engine.endpoint.kind === 'invalid' ? [engine.endpoint.reason] : []));
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringContaining('"nodocker": it has no docker endpoint'),
        expect.stringContaining('"badhost": Unsupported Docker engine scheme "gopher:"'),
        expect.stringContaining('"default": the name "default" is reserved'),
      ]),
    );
    expect(engines.filter((engine) => engine.engineId === 'default')).toHaveLength(1);
    for (const engine of engines) expect(engine.engineId).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/);
  });

  it('given loadHostConfig, then the host gets the same engines: id, endpoint and aliases when there are any', () => {
    writeContext('lab', { Host: 'unix:///run/lab.sock' });
    expect(loadHostConfig(env()).engines).toEqual([
      { engineId: 'default', endpoint: { kind: 'unix', socketPath: '/var/run/docker.sock' } },
      { engineId: 'lab', endpoint: { kind: 'unix', socketPath: '/run/lab.sock' } },
    ]);
    expect(loadHostConfig(env({ DOCKER_CONTEXT: 'lab' })).engines).toStrictEqual([
      { engineId: 'default', endpoint: { kind: 'unix', socketPath: '/run/lab.sock' }, aliases: ['lab'] },
    ]);
  });
});
