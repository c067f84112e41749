// Starts the real `holdcell serve` CLI as a child process and hands back the URL it prints, as a responder would.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../../bin/holdcell.js', import.meta.url));

export interface ServeProcess {
  url: string;
  origin: string;
  output(): string;
  stop(): Promise<void>;
}

export function startServe(args: string[] = [], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', '--verbose', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`holdcell serve printed no URL in 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+)\/\?token=[A-Za-z0-9_-]+/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        url: match[0],
        origin: match[1] ?? '',
        output: () => output,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`holdcell serve exited with ${String(code)}:\n${output}`));
    });
  });
}
