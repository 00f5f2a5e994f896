// Vite builds the app into dist/: hashed files under assets/ (served immutable), index.html
// revalidated. `npm run dev` proxies the API, /app-config.json and the dev sign-in to the local
// server (make run) so the app and the API share one origin, as in AWS.
import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

const api = process.env.CRAFTBEAN_API ?? "http://127.0.0.1:3000";

export default defineConfig({
  plugins: [preact()],
  build: {
    target: "es2022",
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    proxy: {
      "/api": api,
      "/app-config.json": api,
      "/_dev": api,
      "/media": api,
      "/local-uploads": api,
    },
  },
});
