// Vite builds the web UI (web/ → web/dist). The engine's pure modules (net, model) are
// bundled from ../engine, so the dev server may read the repository root. Tests use
// vitest.config.ts, not this file.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: `${root}web`,
  plugins: [react()],
  build: { outDir: `${root}web/dist`, emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: { host: '127.0.0.1', fs: { allow: [root] }, proxy: { '/api': 'http://127.0.0.1:7878', '/ws': { target: 'ws://127.0.0.1:7878', ws: true } } },
});
