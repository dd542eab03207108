// sdk.js: one classic script at Chatwoot's path (/packs/js/sdk.js), not hashed, since
// sites' snippets name it; the server revalidates it with its ETag.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    outDir: resolve(import.meta.dirname, '../dist/packs/js'),
    emptyOutDir: false,
    target: 'es2019',
    lib: {
      entry: resolve(import.meta.dirname, 'src/sdk/index.ts'),
      formats: ['iife'],
      name: 'switchboardSdk',
      fileName: () => 'sdk.js',
    },
  },
});
