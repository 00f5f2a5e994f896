// Headless Chromium from Debian's `chromium` package, driven by playwright-core (browser
// downloads do not work here, so PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 and the system binary).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** The app's base URL (the local server the Rust test started), e.g. http://127.0.0.1:41234. */
export function baseUrl() {
  const url = process.env.CRAFTBEAN_WEB_URL;
  if (!url) throw new Error("CRAFTBEAN_WEB_URL is not set: run these through `cargo test -p tests --test it -- web::`");
  return url.replace(/\/$/, "");
}

export async function launch() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run \`apt-get install -y chromium\` (make test does)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");

/** axe-core in the page: the serious and critical violations, as readable lines. */
export async function seriousViolations(page) {
  await page.addScriptTag({ path: AXE });
  const results = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  });
  return results
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.targets.join(", ")})`);
}

/** The API's JSON through the app's origin. */
export async function apiGet(path) {
  const res = await fetch(`${baseUrl()}/api${path}`);
  if (!res.ok) throw new Error(`GET /api${path}: ${res.status}`);
  return res.json();
}
