// Built by `make` (src/stream/web/CMakeLists.txt runs `npm run build`); the
// daemon serves web/dist. No CDN at run time: everything is bundled.
import { defineConfig } from "vite";

export default defineConfig({
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, target: "es2022" },
  server: { proxy: { "/api": { target: "http://127.0.0.1:8080", ws: true } } },
});
