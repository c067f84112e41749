// Stand-in PKI: a throwaway CA and a server certificate for 127.0.0.1 made with the real openssl, plus the kubeconfig.
//
// The stand-in API server speaks real TLS so the adapter's certificate-authority handling is exercised exactly as
// against a cluster: a kubeconfig with `certificate-authority-data` and a bearer token, nothing skipped.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StandInPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A fresh CA and a server certificate (SAN 127.0.0.1, ::1, localhost), valid one day. */
export function makeStandInPki(): StandInPki {
  const dir = mkdtempSync(join(tmpdir(), 'holdcell-kube-pki-'));
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-days', '1', '-subj', '/CN=holdcell-stand-in-ca', '-out', 'ca.crt'],
    dir,
  );
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'server.key'], dir);
  openssl(['req', '-new', '-key', 'server.key', '-subj', '/CN=kube-apiserver', '-out', 'server.csr'], dir);
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n',
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      'server.ext',
      '-out',
      'server.crt',
    ],
    dir,
  );
  return {
    dir,
    caCert: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    serverCert: readFileSync(join(dir, 'server.crt'), 'utf8'),
    serverKey: readFileSync(join(dir, 'server.key'), 'utf8'),
  };
}

export interface KubeconfigContext {
  name: string;
  server: string;
  token: string;
  caCert: string;
  namespace?: string;
}

/** A kubeconfig as kubectl writes it (YAML is a superset of JSON, so JSON is a valid kubeconfig). */
export function writeKubeconfig(path: string, contexts: readonly KubeconfigContext[], current?: string): string {
  const document = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': current ?? contexts[0]?.name ?? '',
    clusters: contexts.map((context) => ({
      name: `${context.name}-cluster`,
      cluster: {
        server: context.server,
        'certificate-authority-data': Buffer.from(context.caCert).toString('base64'),
      },
    })),
    users: contexts.map((context) => ({ name: `${context.name}-responder`, user: { token: context.token } })),
    contexts: contexts.map((context) => ({
      name: context.name,
      context: {
        cluster: `${context.name}-cluster`,
        user: `${context.name}-responder`,
        ...(context.namespace ? { namespace: context.namespace } : {}),
      },
    })),
  };
  writeFileSync(path, JSON.stringify(document, null, 2));
  return path;
}
