// Vite build of the web page: `npm run build:web` writes web/dist, which the daemon serves at /.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    // `npx vite web` for development against a daemon on :7070.
    proxy: { '/api': { target: 'http://127.0.0.1:7070', ws: true }, '/web': 'http://127.0.0.1:7070' },
  },
});
