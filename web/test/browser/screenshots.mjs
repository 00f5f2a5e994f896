// Screenshots of the main pages at 390 px (a phone) and 1280 px (a laptop) into
// docs/screenshots/ (linked from the README). `make web-screenshots` runs it against a local
// server on fresh demo data.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { apiGet, baseUrl, launch } from "./browser.mjs";

const out = fileURLToPath(new URL("../../../docs/screenshots/", import.meta.url));
mkdirSync(out, { recursive: true });

const cafe = (await apiGet("/cafes?sort=rating&limit=1")).items[0];
const profile = await apiGet(`/cafes/${cafe.id}`);
const story = (await apiGet("/stories?limit=1")).items[0];
const pages = [
  ["discover", "/?lat=35.68120&lng=139.76710&r=2000", ".leaflet-marker-icon"],
  ["search", `/?q=${encodeURIComponent(cafe.location.city)}`, null],
  ["cafe", `/cafe/${cafe.id}`, "#reviews"],
  ["roaster", `/roaster/${profile.beans[0].roaster.id}`, null],
  ["guide", "/guide/v60", null],
  ["story", `/story/${story.id}`, null],
];

const browser = await launch();
try {
  for (const width of [390, 1280]) {
    const context = await browser.newContext({ viewport: { width, height: width < 600 ? 844 : 900 } });
    const page = await context.newPage();
    for (const [name, path, ready] of pages) {
      await page.goto(`${baseUrl()}${path}`);
      await page.getByRole("heading", { level: 1 }).first().waitFor();
      if (ready) await page.locator(ready).first().waitFor();
      await page.waitForTimeout(300);
      const file = `${out}${name}-${width}.png`;
      await page.screenshot({ path: file, fullPage: false });
      console.log(file);
    }
    await context.close();
  }
} finally {
  await browser.close();
}
