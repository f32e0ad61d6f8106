import { expect, test } from "./fixtures";
import type { Page } from "@playwright/test";
import { signUp, uniqueEmail, waitForHydration } from "./helpers";

async function addWorkout(page: Page, kind: string, minutes: string, km: string) {
  const form = page.getByTestId("add-workout");
  await form.getByLabel("Kind").fill(kind);
  await form.getByLabel("Minutes").fill(minutes);
  await form.getByLabel("Distance (km)").fill(km);
  await form.getByRole("button", { name: "Add workout" }).click();
}

async function expectTotals(page: Page, total: string) {
  await expect(page.getByTestId("stat-total")).toHaveText(total);
  await expect(page.getByTestId("stat-week")).toHaveText(total);
  await expect(page.getByTestId("stat-month")).toHaveText(total);
}

test("add, edit and delete a workout: the list and summary update without a reload", async ({ page }) => {
  // The page's Content-Security-Policy must not block anything the app does.
  const cspViolations: string[] = [];
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) cspViolations.push(message.text());
  });
  await signUp(page, uniqueEmail("log"));
  await waitForHydration(page);
  // Survives only if no full page load happens from here on.
  await page.evaluate(() => ((window as any).__sameDocument = true));
  await expectTotals(page, "0");
  await expect(page.getByTestId("no-workouts")).toBeVisible();

  // The pending state is visible while the server works.
  await page.route("**/api/workouts/create", async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 600));
    await route.continue();
  });
  await addWorkout(page, "Run", "30", "5");
  await expect(page.getByRole("button", { name: "Saving…" })).toBeDisabled();
  await expect(page.getByTestId("workout")).toHaveCount(1);
  await expect(page.getByTestId("workout-kind")).toHaveText("Run");
  await expect(page.getByTestId("workout-facts")).toHaveText("30 min · 5 km");
  await expectTotals(page, "1");
  await expect(page.getByTestId("add-workout").getByLabel("Kind")).toHaveValue("");

  await addWorkout(page, "Swim", "45", "1.5");
  await expect(page.getByTestId("workout")).toHaveCount(2);
  await expectTotals(page, "2");

  // Edit in place.
  const swim = page.getByTestId("workout").filter({ hasText: "Swim" });
  await swim.getByRole("link", { name: "Edit" }).click();
  const edit = page.getByTestId("edit-workout");
  await expect(edit.getByLabel("Kind")).toHaveValue("Swim");
  await edit.getByLabel("Kind").fill("Open water swim");
  await edit.getByLabel("Minutes").fill("50");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("edit-workout")).toHaveCount(0);
  await expect(page.getByTestId("workout").filter({ hasText: "Open water swim" })).toContainText("50 min · 1.5 km");

  // Delete, after confirming.
  const run = page.getByTestId("workout").filter({ hasText: "Run" }).filter({ hasNotText: "swim" });
  await run.getByRole("link", { name: "Delete" }).click();
  await expect(page.getByText("Delete this workout?")).toBeVisible();
  await page.getByRole("button", { name: "Yes, delete" }).click();
  await expect(page.getByTestId("workout")).toHaveCount(1);
  await expect(page.getByTestId("workout-kind")).toHaveText("Open water swim");
  await expectTotals(page, "1");

  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  expect(cspViolations).toEqual([]);
});

test("a refused workout names the problem and keeps what was typed", async ({ page, consoleErrors }) => {
  consoleErrors.expect(/status of 422/);
  await signUp(page, uniqueEmail("refused"));
  await waitForHydration(page);
  // Blank-looking but not empty: the browser lets it through, the server refuses it.
  await addWorkout(page, "   ", "30", "5");
  await expect(page.getByRole("alert")).toHaveText("Enter what kind of workout it was, like Run or Squat");
  await expect(page.getByTestId("add-workout").getByLabel("Minutes")).toHaveValue("30");
  await expect(page.getByTestId("stat-total")).toHaveText("0");
});

test.describe("with JavaScript disabled", () => {
  test.use({ javaScriptEnabled: false });

  test("add, edit and delete a workout with plain form posts", async ({ page }) => {
    await signUp(page, uniqueEmail("nojs-log"));
    await addWorkout(page, "Row", "20", "4");
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId("workout-kind")).toHaveText("Row");
    await expectTotals(page, "1");

    await page.getByTestId("workout").getByRole("link", { name: "Edit" }).click();
    await expect(page).toHaveURL(/\/dashboard\?edit=\d+/);
    const edit = page.getByTestId("edit-workout");
    await edit.getByLabel("Kind").fill("Ergometer");
    await edit.getByRole("button", { name: "Save" }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId("workout-kind")).toHaveText("Ergometer");

    await page.getByTestId("workout").getByRole("link", { name: "Delete" }).click();
    await page.getByRole("button", { name: "Yes, delete" }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId("no-workouts")).toBeVisible();
    await expectTotals(page, "0");
  });
});
