import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { logWorkout, signUp, uniqueEmail, waitForHydration } from "./helpers";

/**
 * Server and browser agree: every page the server renders hydrates in
 * Chromium with an empty console. `scripts/test.sh` runs this file against
 * the debug build and the whole suite against the release build, so a build
 * flag that reaches only one half (the `erase_components` mismatch that made
 * every release page panic) fails here at once.
 *
 * The pages are found by following the app's own links from `/`, once
 * anonymous and once logged in with a workout on the dashboard, so a new page
 * that is linked is checked without editing this file. ROUTES must all be
 * among them (a check on the crawl itself).
 */
const ROUTES = ["/", "/login", "/signup", "/dashboard", "/account"];
const MAX_PAGES = 40;

/** Same-origin page links in the current document, as path + query. */
async function pageLinks(page: Page): Promise<string[]> {
  const origin = new URL(page.url()).origin;
  // Downloads (the exports) are files, not pages.
  const hrefs = await page.locator("a[href]:not([download])").evaluateAll((links) =>
    links.map((link) => (link as HTMLAnchorElement).href),
  );
  return hrefs
    .map((href) => new URL(href))
    .filter((url) => url.origin === origin && !url.pathname.startsWith("/pkg/"))
    .map((url) => url.pathname + url.search);
}

/** Loads each reachable page with a full document load and waits for hydration. */
async function crawl(page: Page, start: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length > 0 && seen.size < MAX_PAGES) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const response = await page.goto(path);
    expect(response?.status(), `status of ${path}`).toBeLessThan(400);
    await waitForHydration(page);
    for (const link of await pageLinks(page)) {
      if (!seen.has(link)) queue.push(link);
    }
  }
  return seen;
}

test("every page a visitor can reach hydrates with an empty console", async ({ page }) => {
  // The gated pages answer with a redirect to the login form, which hydrates.
  const seen = await crawl(page, ["/", "/dashboard", "/account"]);
  for (const route of ["/", "/login", "/signup"]) expect(seen).toContain(route);
});

test("every page a logged-in user can reach hydrates with an empty console", async ({ page }) => {
  await signUp(page, uniqueEmail("hydrate"));
  await waitForHydration(page);
  await logWorkout(page, [{ exercise: "Run", sets: [{ distance: "5", time: "25:00" }] }], { minutes: "30" });
  await expect(page.getByTestId("workout")).toHaveCount(1);

  const seen = await crawl(page, ["/"]);
  for (const route of ROUTES.filter((r) => !["/login", "/signup"].includes(r))) {
    expect(seen).toContain(route);
  }
  // The row links: editing and deleting open in the URL.
  expect([...seen].some((path) => path.startsWith("/dashboard?edit="))).toBe(true);
  expect([...seen].some((path) => path.startsWith("/dashboard?delete="))).toBe(true);
});

test("the not-found page hydrates too", async ({ page, consoleErrors }) => {
  // Chromium reports the document's own 404 as a console error.
  consoleErrors.expect(/Failed to load resource: the server responded with a status of 404/);
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("client-side navigation between pages keeps the app alive", async ({ page }) => {
  await page.goto("/");
  await waitForHydration(page);
  await page.evaluate(() => ((window as any).__sameDocument = true));
  await page.getByRole("link", { name: "Log in" }).first().click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("button", { name: "Log in" })).toBeVisible();
  await page.getByRole("link", { name: "Sign up" }).first().click();
  await expect(page).toHaveURL(/\/signup$/);
  await page.getByRole("link", { name: "Workout log" }).click();
  await expect(page).toHaveURL(/\/$/);
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
});
