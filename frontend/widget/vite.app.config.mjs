// The iframe app: widget/index.html → frontend/dist/widget/index.html (the /widget page
// fills in the bootstrap), hashed chunks under frontend/dist/assets/widget/.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: resolve(import.meta.dirname, '../dist'),
    emptyOutDir: false,
    assetsDir: 'assets/widget',
    target: 'es2019',
    modulePreload: false,
    rollupOptions: { input: resolve(import.meta.dirname, 'widget/index.html') },
  },
});
