// Errors in words in the browser: against a local server whose write buckets hold one token
// an hour (started by tests/tests/it/web.rs), the second save/unsave of a café is a 429, and
// the page says so with the wait from Retry-After — not a status code.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { apiGet, baseUrl, launch } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("a write over the limit is explained in words with when to retry", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const cafe = (await apiGet("/cafes?limit=1")).items[0];
  await page.goto(`${baseUrl()}/sign-in?returnTo=/cafe/${cafe.id}`);
  await page.getByLabel("Name to sign in as").fill(`limits-${Date.now()}`);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("heading", { level: 1, name: cafe.name }).waitFor();
  await page.getByRole("button", { name: "Save café" }).click();
  await page.getByText("Saved.", { exact: true }).waitFor();
  await page.getByRole("button", { name: /unsave/ }).click();
  const alert = page.getByRole("alert").filter({ hasText: "too often" });
  await alert.waitFor();
  assert.match(await alert.textContent(), /^You are doing that too often\. Please try again in \d+ (seconds?|minutes?)\.$/);
  await context.close();
});
