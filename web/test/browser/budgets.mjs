// Budgets of issue #13, measured in headless Chromium against the local server (CRAFTBEAN_WEB_URL):
// - first-load JavaScript ≤ 120 KB gzip, the map chunk excluded (it loads only on Discover,
//   after the list);
// - total transfer of the home page ≤ 400 KB before the map (document, CSS, JS, API answers);
// - LCP ≤ 1.0 s and CLS ≤ 0.05 (PerformanceObserver), and LCP ≤ 2.5 s at 4× CPU throttling
//   (CDP Emulation.setCPUThrottlingRate).
// Each measurement is a fresh browser context (empty cache); the figures are the median of
// three loads by LCP. Prints the figures as JSON and
// exits non-zero when a budget is broken. `make web-budgets` runs it; `make test` asserts it
// (tests/tests/it/web.rs).
import { baseUrl, launch } from "./browser.mjs";

export const BUDGETS = {
  firstLoadJsGzipKB: 120,
  homeTransferBeforeMapKB: 400,
  lcpMs: 1000,
  cls: 0.05,
  lcpThrottledMs: 2500,
};

const RUNS = 3;

const isMap = (name) => /\/assets\/map-[^/]+\.(js|css)$/.test(name);

// Installed before any page script: records LCP and CLS as the page runs.
function observeVitals() {
  window.__vitals = { lcp: 0, cls: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__vitals.lcp = Math.max(window.__vitals.lcp, e.startTime);
  }).observe({ type: "largest-contentful-paint", buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) window.__vitals.cls += e.value;
  }).observe({ type: "layout-shift", buffered: true });
}

async function measure(browser, path, cpuRate) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  if (cpuRate > 1) await cdp.send("Emulation.setCPUThrottlingRate", { rate: cpuRate });
  await page.addInitScript(observeVitals);
  await page.goto(`${baseUrl()}${path}`, { waitUntil: "load" });
  await page.getByRole("list", { name: "Cafés" }).waitFor();
  await page.locator(".leaflet-container").waitFor();
  // Let the largest paint settle and late shifts show.
  await page.waitForTimeout(1500);
  const figures = await page.evaluate((isMapSrc) => {
    const isMapFn = new Function("name", `return (${isMapSrc})(name)`);
    const nav = performance.getEntriesByType("navigation")[0];
    const resources = performance.getEntriesByType("resource");
    const beforeMap = resources.filter((r) => !isMapFn(r.name));
    const js = resources.filter((r) => r.initiatorType === "script" || /\.js(\?|$)/.test(r.name));
    return {
      firstLoadJsBytes: js.filter((r) => !isMapFn(r.name)).reduce((a, r) => a + r.encodedBodySize, 0),
      mapBytes: resources.filter((r) => isMapFn(r.name)).reduce((a, r) => a + r.encodedBodySize, 0),
      homeTransferBeforeMapBytes: nav.transferSize + beforeMap.reduce((a, r) => a + r.transferSize, 0),
      jsFiles: js.map((r) => `${r.name.replace(/^.*\/assets\//, "")} ${r.encodedBodySize}`),
      lcpMs: window.__vitals.lcp,
      cls: window.__vitals.cls,
    };
  }, isMap.toString());
  await context.close();
  return figures;
}

export async function runBudgets() {
  const browser = await launch();
  try {
    // The median of three loads each way: one slow load on a busy machine is noise, not the app.
    const median = async (rate) => {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await measure(browser, "/", rate));
      runs.sort((a, b) => a.lcpMs - b.lcpMs);
      return runs[Math.floor(RUNS / 2)];
    };
    const plain = await median(1);
    const throttled = await median(4);
    const figures = {
      firstLoadJsGzipKB: +(plain.firstLoadJsBytes / 1024).toFixed(1),
      mapChunkGzipKB: +(plain.mapBytes / 1024).toFixed(1),
      homeTransferBeforeMapKB: +(plain.homeTransferBeforeMapBytes / 1024).toFixed(1),
      lcpMs: Math.round(plain.lcpMs),
      cls: +plain.cls.toFixed(4),
      lcpThrottledMs: Math.round(throttled.lcpMs),
      clsThrottled: +throttled.cls.toFixed(4),
      jsFiles: plain.jsFiles,
    };
    const broken = Object.entries(BUDGETS)
      .filter(([k, limit]) => !(figures[k] <= limit))
      .map(([k, limit]) => `${k} = ${figures[k]} (budget ${limit})`);
    return { figures, broken };
  } finally {
    await browser.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { figures, broken } = await runBudgets();
  console.log(JSON.stringify({ budgets: BUDGETS, figures }, null, 2));
  if (broken.length) {
    console.error(`budgets broken: ${broken.join("; ")}`);
    process.exit(1);
  }
  console.log("all budgets hold");
}
