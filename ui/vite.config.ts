// The console's build. Fixed file names (no content hash in the name): the server embeds
// ui/dist by name (src/console/assets.rs) and scripts/compress.mjs versions the URLs with
// a content hash instead, so cached copies are never stale. One chunk, no code splitting:
// the whole console is a few dozen kilobytes and the first screen needs all of it.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  oxc: {
    jsx: { runtime: "automatic", importSource: "preact" },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    modulePreload: false,
    cssCodeSplit: false,
    assetsInlineLimit: 0,
    sourcemap: false,
    rollupOptions: {
      output: {
        entryFileNames: "assets/app.js",
        chunkFileNames: "assets/[name].js",
        assetFileNames: "assets/app[extname]",
      },
    },
  },
});
