/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The build is embedded into ke-console (internal/console/ui/dist). Asset
// URLs are relative and resolved against the <base href> that ke-console
// injects, so the console works under any base path.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    outDir: '../internal/console/ui/dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
  server: {
    port: 5173,
    strictPort: true,
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    // PatternFly's style modules import their CSS: let Vite load them (as
    // empty, css: false) instead of Node, which cannot.
    server: { deps: { inline: [/@patternfly\/react-styles/] } },
  },
});
