// Every screen checked with axe-core (issue 27 item 3; JIS X 8341-3 follows
// WCAG 2.x): no serious or critical violation of WCAG 2.1 A/AA, with
// JavaScript on and off. The screens are only looked at here (nothing is
// revoked or changed), so the specs after this one find the demo as it was.
// The keyboard-only revocation is in revocation.spec.ts.
//
// axe-core runs in the page, so the JS-off project looks at its screens in
// a browser whose JavaScript is on but which never receives kanri's own
// scripts and WASM: the page is exactly the server's HTML, as with
// JavaScript off, and its forms post as plain forms.
import { test, expect, Browser, BrowserContext, Page, TestInfo } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { demoCertificate, httpsOrigin, jsEnabled, login, ready } from "./helpers";

async function contextFor(browser: Browser, testInfo: TestInfo, options: Parameters<Browser["newContext"]>[0] = {}): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    ...options,
    javaScriptEnabled: true,
  });
  if (!jsEnabled(testInfo)) {
    await context.route(/\.(js|wasm)(\?.*)?$/, (route) => route.abort());
  }
  return context;
}

async function expectNoSeriousViolations(page: Page, testInfo: TestInfo, screen: string) {
  await ready(page, testInfo);
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${screen}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(serious, serious.join("\n")).toEqual([]);
  // Not a vacuous pass: axe looked at the page.
  expect(results.passes.length).toBeGreaterThan(0);
}

/** What the scans below count: the serious and critical violations. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => v.id);
}

test("the scan finds what it looks for (a control: an image without text, a field without a label)", async ({ browser }, testInfo) => {
  const page = await (await contextFor(browser, testInfo)).newPage();
  await page.setContent('<html lang="ja"><title>x</title><main><img src="x.png"><input type="text"></main></html>');
  const found = await seriousViolations(page);
  expect(found).toContain("image-alt");
  expect(found).toContain("label");
});

// Every address of routes::SCREENS; the later steps of 取得 and 更新
// without their first show their "start over" screen.
const visitor = [
  "/login",
  "/login?notice=session_ended",
  "/certificate/issue",
  "/certificate/issue?error=code_required",
  "/certificate/issue/otp",
  "/certificate/issue/method",
  "/certificate/issue/result",
  "/certificate/renew",
  "/certificate/renew/otp",
  "/certificate/renew/method",
  "/certificate/renew/result",
];

const master = [
  "/",
  "/kanri",
  "/kanri/users",
  "/kanri/users/revoke",
  "/kanri/users/revoke?error=not_selected",
  "/kanri/users/revoke/confirm?login_id=logid031",
  "/kanri/users/revoke/confirm?login_id=logid031&error=wrong_password",
  "/kanri/users/revoke/result?login_id=revoked01",
  "/kanri/users/hold",
  "/kanri/users/hold/confirm?login_id=logid031&action=suspend",
  "/kanri/users/hold/result?login_id=logid031&action=suspend",
  "/kanri/users/status",
  "/kanri/history",
  "/kanri/certificates",
  "/kanri/users/otp",
  "/kanri/users/code",
  "/kanri/users/code/result",
  "/otp/register",
  "/no-such-screen",
];

test("every screen a visitor sees has no serious accessibility violation", async ({ browser }, testInfo) => {
  const page = await (await contextFor(browser, testInfo)).newPage();
  for (const screen of visitor) {
    await page.goto(screen);
    await expectNoSeriousViolations(page, testInfo, screen);
  }
  // A refused login, with its message.
  await login(page, testInfo, "master01", "wrong-password");
  await expectNoSeriousViolations(page, testInfo, "login refused");
});

test("every screen of the master user has no serious accessibility violation", async ({ browser }, testInfo) => {
  const page = await (await contextFor(browser, testInfo)).newPage();
  await login(page, testInfo, "master01");
  await expect(page.getByRole("heading", { name: "ホーム" })).toBeVisible();
  for (const screen of master) {
    await page.goto(screen);
    await expectNoSeriousViolations(page, testInfo, screen);
  }
});

test("更新 over HTTPS with a certificate has no serious accessibility violation", async ({ browser }, testInfo) => {
  const context = await contextFor(browser, testInfo, {
    clientCertificates: [demoCertificate(testInfo, "admin01")],
    ignoreHTTPSErrors: true,
    baseURL: httpsOrigin(testInfo),
  });
  const page = await context.newPage();
  await page.goto("/certificate/renew");
  await expect(page.locator("#presented-cn")).toContainText("admin01.A001.");
  await expectNoSeriousViolations(page, testInfo, "CCHK002");
  await context.close();
});
