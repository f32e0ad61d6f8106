import { expect, test } from "./fixtures";
import type { Page } from "@playwright/test";
import { logWorkout, signUp, uniqueEmail, waitForHydration } from "./helpers";

// A small phone, held upright: people log sets between sets, one-handed.
test.use({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });

/** What a page must be on a phone: no sideways scrolling, a nav bar on one
 * line, tap targets of 44 px or more, numbers typed on a numeric keyboard. */
async function expectPhoneFriendly(page: Page, path: string) {
  const problems = await page.evaluate(() => {
    const found: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth) found.push(`scrolls sideways: ${doc.scrollWidth}px wide`);
    const nav = document.querySelector("header.nav") as HTMLElement | null;
    if (nav) {
      const tops = new Set(
        [...nav.querySelectorAll("a, button, .nav-email")]
          .filter((el) => (el as HTMLElement).offsetParent !== null)
          .map((el) => Math.round(el.getBoundingClientRect().top + el.getBoundingClientRect().height / 2)),
      );
      if (tops.size > 1) found.push(`the nav bar wraps onto ${tops.size} lines`);
    }
    // Links inside running text are exempt (WCAG 2.5.8); controls are not.
    const controls = [...document.querySelectorAll("button, input:not([type=hidden]), select, nav a, .button, summary")];
    for (const el of controls) {
      // A checkbox is tapped through its label.
      const target = el.matches("input[type=checkbox], input[type=radio]") ? el.closest("label") ?? el : el;
      const box = target.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      if (box.height < 44 || box.width < 44) {
        found.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute("aria-label") || el.getAttribute("name") || "").trim().slice(0, 30)}" is ${Math.round(box.width)}×${Math.round(box.height)}`);
      }
    }
    for (const input of document.querySelectorAll("input[type=number]")) {
      if (!input.getAttribute("inputmode")) found.push(`number input ${input.getAttribute("name")} has no inputmode`);
    }
    return found;
  });
  expect(problems, path).toEqual([]);
}

test("every page fits a 360 px phone", async ({ page }) => {
  for (const path of ["/", "/login", "/signup", "/forgot-password"]) {
    await page.goto(path);
    await waitForHydration(page);
    await expectPhoneFriendly(page, path);
  }
  await signUp(page, uniqueEmail("phone"));
  await waitForHydration(page);
  await logWorkout(page, [
    { exercise: "Bench Press", sets: [{ reps: "8", weight: "60" }, { reps: "8", weight: "62.5", rpe: "8" }] },
    { exercise: "Pull-up", sets: [{ reps: "10" }] },
  ], { title: "Upper" });
  await expect(page.getByTestId("workout")).toHaveCount(1);
  await expect(page.getByTestId("record")).not.toHaveCount(0);
  await expectPhoneFriendly(page, "/dashboard");
  const exercise = page.getByRole("link", { name: /Bench Press/ });
  await exercise.click();
  await expect(page.getByTestId("progress-chart")).toBeVisible();
  await expectPhoneFriendly(page, page.url());
  await page.goto("/account");
  await waitForHydration(page);
  await expectPhoneFriendly(page, "/account");
  const id = (await page.goto("/dashboard"), await page.getByTestId("workout").getAttribute("data-id"));
  await page.goto(`/dashboard?edit=${id}`);
  await waitForHydration(page);
  await expectPhoneFriendly(page, "/dashboard?edit");
});
