import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "./fixtures";
import type { Page } from "@playwright/test";
import { logWorkout, signUp, uniqueEmail, waitForHydration } from "./helpers";

/** axe-core's checks (WCAG 2.0, 2.1 and 2.2, A and AA, and best practice). */
async function expectNoViolations(page: Page, path: string) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
    .analyze();
  const violations = results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")})`,
  );
  expect(violations, path).toEqual([]);
}

test("axe-core finds no violations on any page", async ({ page, consoleErrors }) => {
  // Chromium reports the not-found page's own 404 as a console error.
  consoleErrors.expect(/Failed to load resource: the server responded with a status of 404/);
  for (const path of ["/", "/login", "/signup", "/forgot-password", "/no-such-page"]) {
    await page.goto(path);
    await waitForHydration(page);
    await expectNoViolations(page, path);
  }
  await signUp(page, uniqueEmail("axe"));
  await waitForHydration(page);
  await expectNoViolations(page, "/dashboard (empty)");
  await logWorkout(page, [
    { exercise: "Squat", sets: [{ reps: "5", weight: "100" }, { reps: "5", weight: "105" }] },
    { exercise: "Run", sets: [{ distance: "5", time: "25:00" }] },
  ], { title: "Mixed" });
  await expect(page.getByTestId("workout")).toHaveCount(1);
  await expectNoViolations(page, "/dashboard");
  const id = await page.getByTestId("workout").getAttribute("data-id");
  for (const path of [`/dashboard?edit=${id}`, `/dashboard?delete=${id}`, "/account"]) {
    await page.goto(path);
    await waitForHydration(page);
    await expectNoViolations(page, path);
  }
  await page.goto("/dashboard");
  await page.getByRole("link", { name: /Squat/ }).click();
  await expect(page.getByTestId("progress-chart")).toBeVisible();
  await expectNoViolations(page, "/exercises/…");
});
