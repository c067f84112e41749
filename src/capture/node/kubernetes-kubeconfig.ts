// Which kubeconfig files to read, as kubectl decides: every KUBECONFIG entry, else ~/.kube/config when it exists.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export function kubeconfigFiles(env: NodeJS.ProcessEnv, separator = delimiter): string[] {
  const listed = (env['KUBECONFIG'] ?? '').split(separator).filter((file) => file !== '');
  if (listed.length > 0) return [...new Set(listed)];
  const fallback = join(env['HOME'] || homedir(), '.kube', 'config');
  return existsSync(fallback) ? [fallback] : [];
}
