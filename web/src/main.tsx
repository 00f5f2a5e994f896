// Entry point: reads /app-config.json, points the API client at its base, renders the app.
import { render } from "preact";
import { loadConfig } from "./config.ts";
import { initApi } from "./api/client.ts";
import { App } from "./app.tsx";
import "./styles.css";

const root = document.getElementById("app")!;
loadConfig().then(
  (config) => {
    initApi(config.apiBase);
    render(<App config={config} />, root);
  },
  (e: unknown) => {
    root.innerHTML = "";
    const p = document.createElement("p");
    p.setAttribute("role", "alert");
    p.textContent = `CraftBean could not start: ${e instanceof Error ? e.message : String(e)}`;
    root.append(p);
  },
);
