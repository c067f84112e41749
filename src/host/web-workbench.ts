// Web mode: a host plus the WebSocket bridge serving the built renderer; prints the URL a responder opens.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HostConfig } from './config.js';
import { createHost, type Host } from './create-host.js';
import { startWsBridge, type WsBridge } from './ws-bridge.js';

/** dist/src/host/ → dist/renderer/, where Vite writes the renderer. */
export const BUILT_RENDERER_DIR = fileURLToPath(new URL('../../renderer/', import.meta.url));

export interface WebWorkbench {
  host: Host;
  bridge: WsBridge;
  close(): Promise<void>;
}

export async function startWebWorkbench(
  config: HostConfig,
  options: { port?: number; rendererDir?: string; log?: (line: string) => void } = {},
): Promise<WebWorkbench> {
  const rendererDir = options.rendererDir ?? BUILT_RENDERER_DIR;
  if (!existsSync(`${rendererDir}/index.html`)) {
    throw new Error(`The renderer is not built (${rendererDir}index.html missing): run \`npm run build\` first`);
  }
  const host = createHost(config);
  const bridge = await startWsBridge({
    rendererDir,
    port: options.port ?? 0,
    onConnection: (pipe) => host.serve(pipe, 'websocket', options.log),
    ...(options.log ? { log: options.log } : {}),
  });
  return {
    host,
    bridge,
    close: async () => {
      await bridge.close();
      await host.close();
    },
  };
}
