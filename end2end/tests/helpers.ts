import { readFileSync } from "node:fs";
import { expect, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from "@playwright/test";

export const PASSWORD = "correct horse battery";

export function uniqueEmail(label: string): string {
  return `${label}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** Waits until the WASM bundle has hydrated the page, so clicks are handled by it. */
export async function waitForHydration(page: Page) {
  await page.locator("body[data-hydrated]").waitFor({ state: "attached", timeout: 10_000 });
}

export async function fillCredentials(page: Page, email: string, password = PASSWORD) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
}

export async function signUp(page: Page, email: string) {
  await page.goto("/signup");
  await fillCredentials(page, email);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("dashboard-email")).toHaveText(email);
}

/** Logs in through the login form; lands on the dashboard. */
export async function logIn(
  page: Page,
  email: string,
  { password = PASSWORD, remember = false }: { password?: string; remember?: boolean } = {},
) {
  await page.goto("/login");
  await fillCredentials(page, email, password);
  if (remember) await page.getByLabel("Remember me").check();
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("dashboard-email")).toHaveText(email);
}

/** Another browser (its own cookie jar) logged in to `email`. */
export async function logInElsewhere(
  browser: Browser,
  email: string,
  options: { password?: string; remember?: boolean; contextOptions?: BrowserContextOptions } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(options.contextOptions);
  const page = await context.newPage();
  await logIn(page, email, options);
  return { context, page };
}

/**
 * Opens the newest message to `to` whose subject contains `subject`, and
 * follows its link. Against the release build (production) the message went
 * over SMTP to the test's own server, which wrote it to MAIL_CAPTURE (see
 * scripts/browser-tests.sh); against the debug build (development) it is on
 * the /dev/mailbox page, where the link is clicked as a developer would.
 */
export async function followMailLink(page: Page, to: string, subject: string) {
  const capture = process.env.MAIL_CAPTURE;
  if (capture) {
    let link: string | null = null;
    await expect.poll(() => (link = newestLink(capture, to, subject)), { timeout: 15_000 }).not.toBeNull();
    await page.goto(link!);
    return;
  }
  await expect(async () => {
    await page.goto("/dev/mailbox");
    const article = page.locator(`article[data-to="${to}"]`).filter({ hasText: subject });
    await expect(article.first()).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await page.locator(`article[data-to="${to}"]`).filter({ hasText: subject }).first().locator("a").first().click();
}

function newestLink(capture: string, to: string, subject: string): string | null {
  let text = "";
  try {
    text = readFileSync(capture, "utf8");
  } catch {
    return null;
  }
  const messages = text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { to: string[]; subject: string; text: string })
    .filter((m) => m.to.includes(to) && m.subject.includes(subject));
  const newest = messages.at(-1);
  return newest?.text.split(/\s+/).find((word) => /^https?:\/\//.test(word)) ?? null;
}

/** One set as the logging form takes it; units are the user's. */
export type SetInput = { reps?: string; weight?: string; rpe?: string; distance?: string; time?: string };
export type EntryInput = { exercise: string; sets: SetInput[] };

/**
 * Fills the logging form inside `form` (the add form or a row's edit form):
 * each exercise in its box, each set in its row, adding rows with the
 * form's own buttons when it has fewer (which needs JavaScript).
 */
export async function fillWorkout(
  form: Locator,
  entries: EntryInput[],
  { title, minutes }: { title?: string; minutes?: string } = {},
) {
  if (title !== undefined) await form.getByLabel("Title").fill(title);
  if (minutes !== undefined) await form.getByLabel("Minutes").fill(minutes);
  for (const [index, entry] of entries.entries()) {
    const box = form.getByTestId("entry").nth(index);
    if (!(await box.count())) await form.getByRole("button", { name: "Add exercise" }).click();
    await box.getByLabel(`Exercise ${index + 1}`, { exact: true }).fill(entry.exercise);
    for (const [setIndex, set] of entry.sets.entries()) {
      const n = setIndex + 1;
      if ((await box.getByTestId("set").count()) < n) await box.getByRole("button", { name: "Add set" }).click();
      const row = box.getByTestId("set").nth(setIndex);
      if (set.reps !== undefined) await row.getByLabel(`Set ${n} reps`).fill(set.reps);
      if (set.weight !== undefined) await row.getByLabel(new RegExp(`^Set ${n} weight`)).fill(set.weight);
      if (set.rpe !== undefined) await row.getByLabel(`Set ${n} RPE`).fill(set.rpe);
      if (set.distance !== undefined) await row.getByLabel(new RegExp(`^Set ${n} distance`)).fill(set.distance);
      if (set.time !== undefined) await row.getByLabel(`Set ${n} time`).fill(set.time);
    }
  }
}

/** Logs a workout with the dashboard's form and waits for it in the list. */
export async function logWorkout(
  page: Page,
  entries: EntryInput[],
  options: { title?: string; minutes?: string } = {},
) {
  const form = page.getByTestId("add-workout");
  await fillWorkout(form, entries, options);
  await form.getByRole("button", { name: "Save workout" }).click();
}
