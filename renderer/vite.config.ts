import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { nodePolyfills } from 'vite-plugin-node-polyfills';

// simple-peer 9 expects Node's `global`, `process`, `Buffer` and stream modules (see ../shared notes).
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [
    react(),
    nodePolyfills({ include: ['events', 'stream', 'util', 'buffer', 'process'], globals: { global: true, process: true, Buffer: true } }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'chrome130',
    // The app, and the invite page a patient opens first (no React: it must load fast on any phone).
    rollupOptions: { input: { main: `${import.meta.dirname}/index.html`, invite: `${import.meta.dirname}/invite.html` } },
  },
});
