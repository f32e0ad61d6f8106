import { expect, test } from "./fixtures";
import { fillCredentials, PASSWORD, signUp, uniqueEmail, waitForHydration } from "./helpers";

test("sign up, reload, log out, get sent to login, log in again", async ({ page }) => {
  const email = uniqueEmail("flow");
  await page.goto("/signup");
  await waitForHydration(page);
  await signUp(page, email);
  await expect(page.getByTestId("nav-email")).toHaveText(email);

  // The session is on the server: a reload keeps it.
  await page.reload();
  await expect(page.getByTestId("dashboard-email")).toHaveText(email);

  await waitForHydration(page);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("link", { name: "Log in" }).first()).toBeVisible();

  // The dashboard is gated again and remembers where we wanted to go.
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login\?next=%2Fdashboard$/);

  await waitForHydration(page);
  await fillCredentials(page, email);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("dashboard-email")).toHaveText(email);
});

test("a wrong password shows one message and keeps the visitor on the form", async ({ page, consoleErrors }) => {
  consoleErrors.expect(/status of 401/);
  const email = uniqueEmail("wrong");
  await signUp(page, email);
  await page.context().clearCookies();

  await page.goto("/login");
  await waitForHydration(page);
  await fillCredentials(page, email, "not the password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Invalid email or password");
  await expect(page).toHaveURL(/\/login/);
});

test("a taken email is refused on the signup form", async ({ page, browser, consoleErrors }) => {
  consoleErrors.expect(/status of 409/);
  const email = uniqueEmail("taken");
  await signUp(page, email);

  const other = await browser.newPage();
  await other.goto("/signup");
  await waitForHydration(other);
  await fillCredentials(other, email);
  await other.getByRole("button", { name: "Sign up" }).click();
  await expect(other.getByRole("alert")).toHaveText("An account with this email already exists");
  await other.close();
});

test.describe("with JavaScript disabled", () => {
  test.use({ javaScriptEnabled: false });

  test("sign up, log out and log in with plain form posts", async ({ page }) => {
    const email = uniqueEmail("nojs");
    await page.goto("/signup");
    await fillCredentials(page, email);
    await page.getByRole("button", { name: "Sign up" }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId("dashboard-email")).toHaveText(email);

    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page).toHaveURL(/\/$/);

    await page.goto("/dashboard");
    await expect(page).toHaveURL(/\/login\?next=%2Fdashboard$/);
    await fillCredentials(page, email);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId("nav-email")).toHaveText(email);
  });

  test("a failed login shows the error after the redirect", async ({ page }) => {
    await page.goto("/login");
    await fillCredentials(page, uniqueEmail("nobody"), PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page).toHaveURL(/\/login\?/);
    await expect(page.getByRole("alert")).toHaveText("Invalid email or password");
  });
});

test("no `next` value can lead a login anywhere but a page of this app", async ({ page }) => {
  const email = uniqueEmail("next");
  await signUp(page, email);
  const targets: [string, RegExp][] = [
    ["/..//evil.example", /\/dashboard$/],
    ["/./x", /\/dashboard$/],
    ["/a/../..//evil.example", /\/dashboard$/],
    ["/%2e%2e//evil.example", /\/dashboard$/],
    ["/\\evil.example", /\/dashboard$/],
    ["/login", /\/dashboard$/],
    ["/signup", /\/dashboard$/],
    ["/api/logout", /\/dashboard$/],
    ["/./account", /\/account$/],
  ];
  for (const [next, lands] of targets) {
    await page.context().clearCookies();
    await page.goto(`/login?next=${encodeURIComponent(next)}`);
    await waitForHydration(page);
    await fillCredentials(page, email);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page, next).toHaveURL(lands);
    await expect(page.getByTestId("nav-email"), next).toHaveText(email);
    // Logged in, the login page sends the browser on to the same place,
    // from the server and from the client router.
    await page.goto(`/login?next=${encodeURIComponent(next)}`);
    await expect(page, next).toHaveURL(lands);
    await waitForHydration(page);
  }
});
