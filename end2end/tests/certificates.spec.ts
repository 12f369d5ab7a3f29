import { expect, Page, test } from "@playwright/test";
import * as fs from "fs";
import {
  CONFIRMATION_PASSWORD,
  demoCertificate,
  httpsOrigin,
  jsEnabled,
  login,
  LOGIN_PASSWORD,
  mailBodies,
  ready,
  shot,
  totp,
} from "./helpers";

// Real certificates in Debian's Chromium (issues 11 and 12). Certificates
// are presented through Playwright's clientCertificates (its TLS proxy),
// with the demo .p12 files of this project's server. One database per
// project, so each flow runs once per project, in this order.
test.describe.configure({ mode: "serial" });

const IMPORT_PASSWORD = "Import-Pass-01";

test("取得: noissue01 obtains a certificate from the login screen and downloads its .p12", async ({ page }, testInfo) => {
  await page.goto("/login");
  await ready(page, testInfo);
  await page.getByRole("link", { name: "電子証明書発行" }).click();
  await expect(page.getByRole("heading", { name: "証明書取得認証" })).toBeVisible();
  await page.getByLabel("ログインID").fill("noissue01");
  await page.getByLabel("ログインパスワード").fill(LOGIN_PASSWORD);
  await page.getByRole("button", { name: "認証して発行" }).click();
  await expect(page.getByRole("heading", { name: "証明書取得 発行方法の選択" })).toBeVisible();
  await shot(page, testInfo, "31-issuance-method");
  // Two different passwords: the server's message, and nothing issued.
  await page.getByLabel("証明書ファイルのパスワード（8文字以上）").fill(IMPORT_PASSWORD);
  await page.getByLabel("証明書ファイルのパスワード（確認用）").fill("Import-Pass-02");
  await page.getByRole("button", { name: "発行" }).click();
  await expect(page.getByRole("alert")).toContainText("一致しません");
  await page.getByLabel("証明書ファイルのパスワード（8文字以上）").fill(IMPORT_PASSWORD);
  await page.getByLabel("証明書ファイルのパスワード（確認用）").fill(IMPORT_PASSWORD);
  await page.getByRole("button", { name: "発行" }).click();
  await expect(page.getByRole("heading", { name: "証明書発行結果" })).toBeVisible();
  await expect(page.locator("#issued-cn")).toContainText("noissue01.A001.");
  await expect(page.getByRole("cell", { name: "(9999)KENSHINYO DEMO" })).toBeVisible();
  await shot(page, testInfo, "32-issuance-result");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "証明書ファイル（.p12）をダウンロード" }).click(),
  ]);
  const file = await download.path();
  expect(fs.statSync(file!).size).toBeGreaterThan(500);
});

/** Registers a ワンタイムパスワード from ホーム; returns its secret. */
async function registerOtp(page: Page, testInfo, loginId: string): Promise<string> {
  await login(page, testInfo, loginId);
  await page.getByRole("link", { name: "ワンタイムパスワードを登録する" }).click();
  await expect(page.getByRole("heading", { name: "ワンタイムパスワード登録" })).toBeVisible();
  await expect(page.locator(".qr-code svg")).toBeVisible();
  const secret = (await page.locator("#otp-secret").textContent())!.replace(/\s/g, "");
  await shot(page, testInfo, "33-otp-registration");
  await page.getByLabel("ワンタイムパスワード", { exact: true }).fill(totp(secret));
  // Registering asks for the ログインパスワード again (issue 22).
  await page.getByLabel("ログインパスワード").fill(LOGIN_PASSWORD);
  await page.getByRole("button", { name: "登録" }).click();
  await expect(page.getByText("ワンタイムパスワードを登録しました。")).toBeVisible();
  return secret;
}

test("更新: admin01 renews its 期限間近 certificate with its demo .p12 (OTP registered first with JavaScript on)", async ({ browser, page }, testInfo) => {
  const withOtp = jsEnabled(testInfo);
  const secret = withOtp ? await registerOtp(page, testInfo, "admin01") : "";
  const context = await browser.newContext({
    clientCertificates: [demoCertificate(testInfo, "admin01")],
    ignoreHTTPSErrors: true,
    javaScriptEnabled: jsEnabled(testInfo),
  });
  const renew = await context.newPage();
  await renew.goto(`${httpsOrigin(testInfo)}/certificate/renew`);
  await expect(renew.getByText("CCHK002")).toBeVisible();
  await expect(renew.locator("#presented-cn")).toContainText("admin01.A001.");
  await shot(renew, testInfo, "34-cchk002");
  await renew.getByLabel("ログインパスワード").fill(LOGIN_PASSWORD);
  await renew.getByRole("button", { name: "認証" }).click();
  if (withOtp) {
    await expect(renew.getByText("CCHK003")).toBeVisible();
    await shot(renew, testInfo, "35-cchk003");
    // The registration used this 30-second step: the next one is accepted.
    await renew.getByLabel("ワンタイムパスワード").fill(totp(secret, 1));
    await renew.getByRole("button", { name: "認証" }).click();
  }
  await expect(renew.getByRole("heading", { name: "証明書更新 発行方法の選択" })).toBeVisible();
  await renew.getByLabel("証明書ファイルのパスワード（8文字以上）").fill(IMPORT_PASSWORD);
  await renew.getByLabel("証明書ファイルのパスワード（確認用）").fill(IMPORT_PASSWORD);
  await renew.getByRole("button", { name: "発行" }).click();
  await expect(renew.getByText("CCHK007")).toBeVisible();
  await expect(renew.locator("#issued-cn")).toContainText("admin01.A001.");
  await shot(renew, testInfo, "36-cchk007");
  await context.close();
});

test("電子証明書方式: user02 logs in with its certificate, master02 revokes it, user02's next click is refused", async ({ browser }, testInfo) => {
  const origin = httpsOrigin(testInfo);
  const contextFor = (loginId?: string) =>
    browser.newContext({
      clientCertificates: loginId ? [demoCertificate(testInfo, loginId)] : [],
      ignoreHTTPSErrors: true,
      javaScriptEnabled: jsEnabled(testInfo),
      baseURL: origin,
    });
  const user02 = await (await contextFor("user02")).newPage();
  await login(user02, testInfo, "user02");
  await expect(user02.getByRole("heading", { name: "ホーム" })).toBeVisible();
  await expect(user02.getByText("榛名 四郎").first()).toBeVisible();
  await shot(user02, testInfo, "37-user02-home");

  // Without a certificate, master02 cannot log in.
  const bare = await (await contextFor()).newPage();
  await login(bare, testInfo, "master02");
  await expect(bare.getByRole("alert")).toContainText("電子証明書方式でご利用いただいています");
  await expect(bare.getByRole("alert")).toContainText("機能申込書");
  await shot(bare, testInfo, "38-master02-without-certificate");

  const master02 = await (await contextFor("master02")).newPage();
  await login(master02, testInfo, "master02");
  await master02.getByRole("link", { name: "管理" }).click();
  await master02.getByRole("link", { name: "利用者管理" }).click();
  await master02.getByRole("link", { name: "証明書失効" }).click();
  await master02.getByRole("radio", { name: "user02" }).check();
  await master02.getByRole("button", { name: "失効" }).click();
  await ready(master02, testInfo);
  await master02.getByLabel("確認用パスワード").fill(CONFIRMATION_PASSWORD);
  // The manual's PC change: 失効, and 再取得 allowed in the same step.
  await master02.getByLabel("再取得を許可する（発行用コードを発行する）").check();
  await master02.getByRole("button", { name: "実行" }).click();
  await expect(master02.locator("#certificate-status")).toHaveText("失効済み");
  await expect(master02.locator("#reobtain-granted")).toContainText("発行用コード");

  await user02.getByRole("link", { name: "ホーム" }).click();
  await expect(user02.getByRole("heading", { name: "電子証明書を確認できません" })).toBeVisible();
  await expect(user02.getByText("失効しています")).toBeVisible();
  await shot(user02, testInfo, "39-user02-refused");

  // With user02's ID and password alone the key step is never reached.
  const obtain = await (await contextFor()).newPage();
  await obtain.goto("/certificate/issue");
  await ready(obtain, testInfo);
  await obtain.getByLabel("ログインID").fill("user02");
  await obtain.getByLabel("ログインパスワード").fill(LOGIN_PASSWORD);
  await obtain.getByRole("button", { name: "認証して発行" }).click();
  await expect(obtain.getByRole("alert")).toContainText("発行用コードが必要です");
  await obtain.goto("/certificate/issue/method");
  await expect(obtain.getByRole("link", { name: "最初からやり直す" })).toBeVisible();
  await shot(obtain, testInfo, "40-user02-password-only");

  // user02 reads the code from the mail master02's 実行 sent, and obtains a new certificate.
  let code = "";
  await expect
    .poll(() => {
      const body = mailBodies(testInfo, "user02@example.jp").find((b) => b.includes("発行用コード："));
      code = /発行用コード：([0-9A-Z-]+)/.exec(body ?? "")?.[1] ?? "";
      return code;
    })
    .not.toBe("");
  expect(mailBodies(testInfo, "master02@example.jp").join("\n")).not.toContain(code);
  await obtain.goto("/certificate/issue");
  await ready(obtain, testInfo);
  await obtain.getByLabel("ログインID").fill("user02");
  await obtain.getByLabel("ログインパスワード").fill(LOGIN_PASSWORD);
  await obtain.getByLabel("発行用コード").fill(code);
  await obtain.getByRole("button", { name: "認証して発行" }).click();
  await expect(obtain.getByRole("heading", { name: "証明書取得 発行方法の選択" })).toBeVisible();
  await obtain.getByLabel("証明書ファイルのパスワード（8文字以上）").fill(IMPORT_PASSWORD);
  await obtain.getByLabel("証明書ファイルのパスワード（確認用）").fill(IMPORT_PASSWORD);
  await obtain.getByRole("button", { name: "発行" }).click();
  await expect(obtain.getByRole("heading", { name: "証明書発行結果" })).toBeVisible();
  await expect(obtain.locator("#issued-cn")).toContainText("user02.B002.");
  await shot(obtain, testInfo, "41-user02-reobtained");
  const [download] = await Promise.all([
    obtain.waitForEvent("download"),
    obtain.getByRole("link", { name: "証明書ファイル（.p12）をダウンロード" }).click(),
  ]);
  const p12 = await download.path();

  // And logs in with it: the new certificate is user02's own current one.
  const withNew = await browser.newContext({
    clientCertificates: [{ origin, pfxPath: p12!, passphrase: IMPORT_PASSWORD }],
    ignoreHTTPSErrors: true,
    javaScriptEnabled: jsEnabled(testInfo),
    baseURL: origin,
  });
  const again = await withNew.newPage();
  await login(again, testInfo, "user02");
  await expect(again.getByRole("heading", { name: "ホーム" })).toBeVisible();
  // Both heard of it: the code grant and the new certificate.
  for (const address of ["user02@example.jp", "master02@example.jp"]) {
    await expect
      .poll(() => mailBodies(testInfo, address).filter((b) => b.includes("電子証明書の取得")).length)
      .toBe(1);
  }
});
