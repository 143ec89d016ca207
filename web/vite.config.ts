/// <reference types="vitest/config" />
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// The build goes where `guichet serve` embeds it. The folder is emptied on
// every build and its .keep (the only tracked file there) written back.
const outDir = fileURLToPath(new URL('../cmd/guichet/webdist', import.meta.url));

function keepFile(): Plugin {
  return {
    name: 'guichet-keep-file',
    apply: 'build',
    closeBundle() {
      writeFileSync(`${outDir}/.keep`, '');
    },
  };
}

export default defineConfig({
  plugins: [react(), keepFile()],
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:4000' },
  },
  test: {
    environment: 'jsdom',
    include: ['test/**/*.test.{ts,tsx}'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
  },
});
