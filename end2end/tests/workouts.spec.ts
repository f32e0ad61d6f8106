import { expect, test } from "./fixtures";
import type { Page } from "@playwright/test";
import { fillWorkout, logWorkout, signUp, uniqueEmail, waitForHydration } from "./helpers";

async function expectTotals(page: Page, total: string) {
  await expect(page.getByTestId("stat-total")).toHaveText(total);
  await expect(page.getByTestId("stat-week")).toHaveText(total);
  await expect(page.getByTestId("stat-month")).toHaveText(total);
}

test("log, edit and delete a workout: the list and summary update without a reload", async ({ page }) => {
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
  await page.route("**/api/workouts/save", async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 600));
    await route.continue();
  });
  await logWorkout(page, [{ exercise: "Run", sets: [{ distance: "5", time: "25:00" }] }], { minutes: "30" });
  await expect(page.getByRole("button", { name: "Saving…" })).toBeDisabled();
  await expect(page.getByTestId("workout")).toHaveCount(1);
  await expect(page.getByTestId("workout-kind")).toHaveText("Run");
  await expect(page.getByTestId("workout-facts")).toHaveText("30 min · 1 set");
  await expect(page.getByTestId("entry-summary")).toContainText("5 km in 25:00");
  await expectTotals(page, "1");
  await expect(page.getByTestId("add-workout").getByLabel("Exercise 1", { exact: true })).toHaveValue("");

  // Two exercises of three sets each; "Add set" repeats the set before it.
  const form = page.getByTestId("add-workout");
  await fillWorkout(form, [{ exercise: "Squat", sets: [{ reps: "5", weight: "100" }] }], { title: "Lower A" });
  const squat = form.getByTestId("entry").nth(0);
  await squat.getByRole("button", { name: "Set 3 remove" }).click();
  await squat.getByRole("button", { name: "Set 2 remove" }).click();
  await expect(squat.getByTestId("set")).toHaveCount(1);
  await squat.getByRole("button", { name: "Add set" }).click();
  await squat.getByRole("button", { name: "Add set" }).click();
  await expect(squat.getByTestId("set")).toHaveCount(3);
  await expect(squat.getByLabel("Set 3 weight (kg)")).toHaveValue("100");
  await expect(squat.getByLabel("Set 3 reps")).toHaveValue("5");
  await squat.getByLabel("Set 2 weight (kg)").fill("105");
  await squat.getByLabel("Set 3 weight (kg)").fill("110");
  await fillWorkout(form, [
    { exercise: "Squat", sets: [] },
    { exercise: "Bench Press", sets: [{ reps: "8", weight: "60" }, { reps: "8", weight: "60" }, { reps: "6", weight: "65", rpe: "9" }] },
  ]);
  await form.getByRole("button", { name: "Save workout" }).click();
  await expect(page.getByTestId("workout")).toHaveCount(2);
  const lower = page.getByTestId("workout").filter({ hasText: "Lower A" });
  await expect(lower.getByTestId("workout-facts")).toHaveText("2 exercises · 6 sets");
  await expect(lower.getByTestId("entry-summary").first()).toContainText("Squat (kg)");
  await expect(lower.getByTestId("entry-summary").first()).toContainText("110 × 5");
  // The first set of each exercise, and every one after it that beats it, is a record.
  await expect(lower.getByTestId("record")).toHaveCount(5);
  await expectTotals(page, "2");
  await expect(page.getByTestId("stat-volume")).toHaveText("2,925 kg");
  await expect(page.getByTestId("stat-streak")).toHaveText("1 week");

  // Edit in place.
  await lower.getByRole("link", { name: "Edit" }).click();
  const edit = page.getByTestId("edit-workout");
  await expect(edit.getByLabel("Title")).toHaveValue("Lower A");
  await expect(edit.getByTestId("entry")).toHaveCount(2);
  await edit.getByLabel("Title").fill("Lower B");
  await edit.getByRole("button", { name: "Remove exercise 2" }).click();
  await edit.getByRole("button", { name: "Save workout" }).click();
  await expect(page.getByTestId("edit-workout")).toHaveCount(0);
  const lowerB = page.getByTestId("workout").filter({ hasText: "Lower B" });
  await expect(lowerB.getByTestId("workout-facts")).toHaveText("3 sets");

  // Delete, after confirming.
  const run = page.getByTestId("workout").filter({ hasText: "Run" });
  await run.getByRole("link", { name: "Delete" }).click();
  await expect(page.getByText("Delete this workout?")).toBeVisible();
  await page.getByRole("button", { name: "Yes, delete" }).click();
  await expect(page.getByTestId("workout")).toHaveCount(1);
  await expect(page.getByTestId("workout-kind")).toHaveText("Lower B");
  await expectTotals(page, "1");

  // "Repeat last" starts the form as the latest workout with that title.
  await page.getByLabel("Repeat the last").fill("lower b");
  await page.getByRole("button", { name: "Repeat" }).click();
  await expect(form.getByLabel("Title")).toHaveValue("Lower B");
  await expect(form.getByTestId("entry").nth(0).getByLabel("Set 2 weight (kg)")).toHaveValue("105");

  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  expect(cspViolations).toEqual([]);
});

test("a refused workout names the problem and keeps what was typed", async ({ page, consoleErrors }) => {
  consoleErrors.expect(/status of 422/);
  await signUp(page, uniqueEmail("refused"));
  await waitForHydration(page);
  // Blank-looking but not empty: the browser lets it through, the server refuses it.
  await logWorkout(page, [{ exercise: "   ", sets: [{ reps: "5", weight: "60" }] }], { minutes: "30" });
  await expect(page.getByRole("alert")).toHaveText("Enter the exercise, like Squat or Run");
  await expect(page.getByRole("alert")).toHaveAttribute("data-field", "entries[0][exercise]");
  await expect(page.getByTestId("add-workout").getByLabel("Minutes")).toHaveValue("30");
  await expect(page.getByTestId("add-workout").getByTestId("entry").first().getByLabel("Set 1 reps")).toHaveValue("5");
  await expect(page.getByTestId("stat-total")).toHaveText("0");
});

test("in pounds, what was typed is what is shown", async ({ page }) => {
  await signUp(page, uniqueEmail("pounds"));
  await page.goto("/account");
  await waitForHydration(page);
  const units = page.getByTestId("units-form");
  await units.getByLabel("Weights in").selectOption("lb");
  await units.getByLabel("Distances in").selectOption("mi");
  await units.getByRole("button", { name: "Save units" }).click();
  await expect(units.getByRole("status")).toBeVisible();
  await page.goto("/dashboard");
  await logWorkout(page, [
    { exercise: "Deadlift", sets: [{ reps: "5", weight: "225" }] },
    { exercise: "Run", sets: [{ distance: "3.1", time: "27:30" }] },
  ]);
  const row = page.getByTestId("workout");
  await expect(row.getByTestId("entry-summary").first()).toContainText("Deadlift (lb)");
  await expect(row.getByTestId("entry-summary").first()).toContainText("225 × 5");
  await expect(row.getByTestId("entry-summary").nth(1)).toContainText("3.1 mi in 27:30");
  await row.getByRole("link", { name: "Edit" }).click();
  await expect(page.getByTestId("edit-workout").getByLabel("Set 1 weight (lb)")).toHaveValue("225");
});

test.describe("with JavaScript disabled", () => {
  test.use({ javaScriptEnabled: false });

  test("log, edit and delete a workout with plain form posts", async ({ page }) => {
    await signUp(page, uniqueEmail("nojs-log"));
    await logWorkout(page, [{ exercise: "Rowing Machine", sets: [{ distance: "4", time: "20:00" }] }], { minutes: "20" });
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId("workout-kind")).toHaveText("Rowing Machine");
    await expectTotals(page, "1");

    await page.getByTestId("workout").getByRole("link", { name: "Edit" }).click();
    await expect(page).toHaveURL(/\/dashboard\?edit=\d+/);
    const edit = page.getByTestId("edit-workout");
    await edit.getByLabel("Title").fill("Ergometer");
    await edit.getByRole("button", { name: "Save workout" }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId("workout-kind")).toHaveText("Ergometer");

    await page.getByTestId("workout").getByRole("link", { name: "Delete" }).click();
    await page.getByRole("button", { name: "Yes, delete" }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId("no-workouts")).toBeVisible();
    await expectTotals(page, "0");
  });
});
