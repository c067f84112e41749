// Engine addresses are parsed like the docker CLI's DOCKER_HOST, and the flag beats the environment.
import { describe, expect, it } from 'vitest';
import { describeEndpoint, parseDockerHost } from '../../src/capture/common/docker-endpoint.js';
import { loadHostConfig } from '../../src/host/config.js';

describe('engine addresses', () => {
  it('given the DOCKER_HOST forms, then each parses to a typed endpoint', () => {
    expect(parseDockerHost('unix:///var/run/docker.sock')).toEqual({
      kind: 'unix',
      socketPath: '/var/run/docker.sock',
    });
    expect(parseDockerHost('/run/user/1000/docker.sock')).toEqual({
      kind: 'unix',
      socketPath: '/run/user/1000/docker.sock',
    });
    expect(parseDockerHost('tcp://10.0.0.5:2375')).toEqual({ kind: 'tcp', host: '10.0.0.5', port: 2375, tls: false });
    expect(parseDockerHost('tcp://engine.corp', { verify: true, certPath: '/certs' })).toEqual({
      kind: 'tcp',
      host: 'engine.corp',
      port: 2376,
      tls: true,
      certPath: '/certs',
    });
    expect(parseDockerHost('ssh://ir@bastion:2222')).toEqual({ kind: 'ssh', host: 'bastion', port: 2222, user: 'ir' });
  });

  it('given nonsense, then the error names the value and the expected forms', () => {
    expect(() => parseDockerHost('docker-host')).toThrow(/Not a Docker engine address: "docker-host"/);
    expect(() => parseDockerHost('ftp://x')).toThrow(/Unsupported Docker engine scheme "ftp:"/);
  });

  it('given an endpoint, then it is described as a responder would type it', () => {
    expect(describeEndpoint({ kind: 'tcp', host: 'h', port: 2376, tls: true })).toBe('tcp://h:2376 (TLS)');
    expect(describeEndpoint({ kind: 'unix', socketPath: '/s.sock' })).toBe('unix:///s.sock');
  });

  it('given no DOCKER_HOST, then the local socket is used; a flag beats the environment', () => {
    expect(loadHostConfig({}).engines).toEqual([
      { engineId: 'default', endpoint: { kind: 'unix', socketPath: '/var/run/docker.sock' } },
    ]);
    const fromEnv = loadHostConfig({ DOCKER_HOST: 'tcp://a:1' });
    expect(fromEnv.engines[0]?.endpoint).toMatchObject({ host: 'a', port: 1 });
    const fromFlag = loadHostConfig({ DOCKER_HOST: 'tcp://a:1' }, { dockerHost: 'unix:///b.sock' });
    expect(fromFlag.engines[0]?.endpoint).toEqual({ kind: 'unix', socketPath: '/b.sock' });
  });
});
