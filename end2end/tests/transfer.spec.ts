import { readFileSync } from "node:fs";
import { expect, test } from "./fixtures";
import { logWorkout, signUp, uniqueEmail, waitForHydration } from "./helpers";

function daysAgo(days: number): string {
  const date = new Date(Date.now() - days * 86_400_000);
  return date.toISOString().slice(0, 10);
}

/** Strong's newer export: 12-hour times with a narrow no-break space, pounds. */
function strongFile(): string {
  const rows = ["Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE"];
  for (const [days, top] of [[21, 185], [14, 195], [7, 205]] as const) {
    const when = `${daysAgo(days)} 6:04:11\u202fPM`;
    rows.push(`${when},Legs,1h 5m,Squat (Barbell),1,135,5,0,0,,,`);
    rows.push(`${when},Legs,1h 5m,Squat (Barbell),2,${top},5,0,0,,,8`);
  }
  return rows.join("\n") + "\n";
}

test("export as CSV, import into a fresh account, and the log is the same", async ({ page, browser }) => {
  await signUp(page, uniqueEmail("export"));
  await waitForHydration(page);
  await logWorkout(page, [
    { exercise: "Squat", sets: [{ reps: "5", weight: "100" }, { reps: "5", weight: "105" }] },
    { exercise: "Run", sets: [{ distance: "5", time: "25:00" }] },
  ], { title: "=Monday" });
  await expect(page.getByTestId("workout")).toHaveCount(1);
  await page.goto("/account");
  await waitForHydration(page);
  const downloading = page.waitForEvent("download");
  await page.getByTestId("export-csv").click();
  const download = await downloading;
  const exported = readFileSync((await download.path())!, "utf8");
  expect(exported.split("\n")[1]).toContain("'=Monday");

  const context = await browser.newContext();
  const fresh = await context.newPage();
  await signUp(fresh, uniqueEmail("import"));
  await fresh.goto("/account");
  await waitForHydration(fresh);
  const form = fresh.getByTestId("import-form");
  await form.getByLabel("File", { exact: true }).setInputFiles({ name: "workouts.csv", mimeType: "text/csv", buffer: Buffer.from(exported) });
  await form.getByRole("button", { name: "Preview" }).click();
  await expect(form.getByTestId("import-summary")).toContainText("this app's CSV: 1 workouts, 2 exercises, 3 sets");
  await form.getByTestId("import-confirm").click();
  await expect(form.getByTestId("import-summary")).toContainText("Stored 1 workouts.");
  await fresh.goto("/dashboard");
  await expect(fresh.getByTestId("workout-kind")).toHaveText("=Monday");
  await expect(fresh.getByTestId("entry-summary").first()).toContainText("105 × 5");
  await context.close();
});

test("import a Strong file and see its exercise's chart", async ({ page }) => {
  await signUp(page, uniqueEmail("strong"));
  await page.goto("/account");
  await waitForHydration(page);
  const form = page.getByTestId("import-form");
  await form.getByLabel("File", { exact: true }).setInputFiles({ name: "strong.csv", mimeType: "text/csv", buffer: Buffer.from(strongFile()) });
  await form.getByLabel("Weights in the file").selectOption("lb");
  await form.getByRole("button", { name: "Preview" }).click();
  await expect(form.getByTestId("import-summary")).toContainText("Strong (CSV): 3 workouts, 1 exercises, 6 sets");
  await form.getByRole("button", { name: "Import 3 workouts" }).click();
  await expect(form.getByTestId("import-summary")).toContainText("Stored 3 workouts.");
  await page.goto("/dashboard");
  await waitForHydration(page);
  await page.getByRole("link", { name: "Squat (Barbell)" }).first().click();
  await expect(page.getByTestId("exercise-name")).toHaveText("Squat (Barbell)");
  await expect(page.getByTestId("progress-chart")).toBeVisible();
  await expect(page.getByTestId("chart-point")).toHaveCount(3);
  await expect(page.getByTestId("records")).toContainText("Best e1RM");
});
