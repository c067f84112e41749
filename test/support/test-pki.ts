// Test certificates made with the openssl CLI: a CA, and keys with certificates it signs (P-256, valid two days).
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** `<name>.pem` and `<name>-key.pem` in `folder`: a self-signed CA. */
export async function makeCa(folder: string, name = 'ca'): Promise<void> {
  const args = ['req', '-x509', ...EC_KEY, '-keyout', `${name}-key.pem`, '-out', `${name}.pem`];
  await run('openssl', [...args, '-days', '2', '-subj', `/CN=${name}`], { cwd: folder });
}

/**
 * `<who>.pem` and `<who>-key.pem` in `folder`, signed by the CA `ca` made there: a server certificate for 127.0.0.1
 * (`server`) or a client one (`client`).
 */
export async function issueCertificate(folder: string, who: 'server' | 'client', ca = 'ca'): Promise<void> {
  const extensions =
    who === 'server' ? 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' : 'extendedKeyUsage=clientAuth\n';
  await writeFile(join(folder, `${who}.ext`), extensions);
  const openssl = (args: string[]) => run('openssl', args, { cwd: folder });
  await openssl(['req', '-new', ...EC_KEY, '-keyout', `${who}-key.pem`, '-out', `${who}.csr`, '-subj', `/CN=${who}`]);
  const sign = ['x509', '-req', '-in', `${who}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}-key.pem`, '-CAcreateserial'];
  await openssl([...sign, '-days', '2', '-extfile', `${who}.ext`, '-out', `${who}.pem`]);
}
