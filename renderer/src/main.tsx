// Renderer entry: mounts the workbench; no Node, no Electron, only the contract to the host.
// First import: configures zod before any module that parses with it is evaluated.
import './ui/zod-jitless.js';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.js';
import './ui/styles.css';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
