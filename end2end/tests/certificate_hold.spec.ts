// 一時停止 and 再開 (issue 26): master02 holds user02's certificate, user02's
// next page is refused, master02 releases it, and user02 logs in again with
// the same certificate. JavaScript on and off (the list's two buttons and
// the confirmation are plain forms). The certificates are presented through
// Playwright's clientCertificates, as in certificates.spec.ts; this file
// runs before that one, while user02 still has the demo certificate.
import { test, expect, Page, TestInfo } from "@playwright/test";
import {
  CONFIRMATION_PASSWORD,
  demoCertificate,
  httpsOrigin,
  jsEnabled,
  login,
  mailBodies,
  ready,
  shot,
} from "./helpers";

async function holdOrRelease(master02: Page, testInfo: TestInfo, button: "一時停止" | "再開") {
  await master02.goto("/kanri/users");
  await master02.getByRole("link", { name: "証明書一時停止・再開" }).click();
  await ready(master02, testInfo);
  await master02.getByRole("radio", { name: "user02" }).check();
  await master02.getByRole("button", { name: button, exact: true }).click();
  await expect(master02.getByRole("heading", { name: `証明書${button}確認` })).toBeVisible();
  await ready(master02, testInfo);
  await master02.getByLabel("確認用パスワード").fill(CONFIRMATION_PASSWORD);
  await master02.getByRole("button", { name: "実行" }).click();
  await expect(master02.getByRole("heading", { name: `証明書${button}結果` })).toBeVisible();
}

test("master02 suspends user02, user02's next page is refused, master02 resumes, user02 logs in with the same certificate", async ({ browser }, testInfo) => {
  const contextFor = (loginId: string) =>
    browser.newContext({
      clientCertificates: [demoCertificate(testInfo, loginId)],
      ignoreHTTPSErrors: true,
      javaScriptEnabled: jsEnabled(testInfo),
      baseURL: httpsOrigin(testInfo),
    });
  const user02 = await (await contextFor("user02")).newPage();
  await login(user02, testInfo, "user02");
  await expect(user02.getByRole("heading", { name: "ホーム" })).toBeVisible();

  const master02 = await (await contextFor("master02")).newPage();
  await login(master02, testInfo, "master02");
  await expect(master02.getByRole("heading", { name: "ホーム" })).toBeVisible();
  await holdOrRelease(master02, testInfo, "一時停止");
  await expect(master02.locator("#certificate-status")).toHaveText("一時停止中");
  await shot(master02, testInfo, "60-hold-result");

  await user02.getByRole("link", { name: "ホーム" }).click();
  await expect(user02.getByRole("heading", { name: "電子証明書を確認できません" })).toBeVisible();
  await expect(user02.getByText("一時停止中です")).toBeVisible();
  await shot(user02, testInfo, "61-user02-held");
  // A new login with the held certificate is refused too.
  await login(user02, testInfo, "user02");
  await expect(user02.getByRole("alert")).toContainText("一時停止中です");

  // 証明書状態照会 says so.
  await master02.goto("/kanri/users/status");
  await expect(master02.locator("#count-suspended")).toHaveText("1");

  await holdOrRelease(master02, testInfo, "再開");
  await expect(master02.locator("#certificate-status")).toHaveText("発行済み");
  await login(user02, testInfo, "user02");
  await expect(user02.getByRole("heading", { name: "ホーム" })).toBeVisible();
  await expect(user02.getByText("榛名 四郎").first()).toBeVisible();
  await shot(user02, testInfo, "62-user02-back");
  await expect
    .poll(() => mailBodies(testInfo, "user02@example.jp").filter((b) => b.includes("電子証明書の再開")).length)
    .toBe(1);
});
