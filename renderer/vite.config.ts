// Builds the renderer into dist/renderer with relative asset paths (served by app:// in Electron, the bridge in web mode).
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    // The CSP forbids inline scripts; keep every module a file.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
