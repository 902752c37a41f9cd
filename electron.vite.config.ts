// Three explicit builds, because this repo does not use electron-vite's src/{main,preload,renderer}
// layout. Output: out/main/index.js (ESM, "type": "module"), out/preload/index.cjs and gpu-host.cjs
// (the hidden GPU window's; CommonJS: a sandboxed preload cannot be an ES module), out/renderer/index.html + assets.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const at = (p: string): string => path.resolve(root, p);

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: { index: at('src-main/app/main.ts') },
      },
    },
  },
  preload: {
    build: {
      // Bundle zod and src-shared into the preload: a sandboxed preload can only require('electron').
      externalizeDeps: false,
      rollupOptions: {
        input: { index: at('src-preload/index.ts'), 'gpu-host': at('src-preload/gpu-host.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
        // The preload needs the contract's names, not its zod schemas: building a schema has no
        // side effects, so unused ones (and zod with them) are dropped.
        treeshake: { manualPureFunctions: ['z'] },
      },
    },
  },
  renderer: {
    root: at('src-renderer'),
    build: {
      rollupOptions: {
        input: { index: at('src-renderer/index.html') },
      },
    },
    plugins: [svelte()],
  },
});
