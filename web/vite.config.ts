import { defineConfig } from "vite";

// The portal is served by `porter serve` from the embedded dist/ (portal crate): hashed
// file names under assets/ are cached for a year, index.html never. No inline script, so
// the server's Content-Security-Policy can forbid it.
export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
});
