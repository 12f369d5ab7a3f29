import { expect, Page, TestInfo } from "@playwright/test";
import * as fs from "fs";
import * as path from "path";

export const LOGIN_PASSWORD = "Login-Pass-01";
export const CONFIRMATION_PASSWORD = "Kakunin-Pass-01";

export function jsEnabled(testInfo: TestInfo): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/** With JavaScript on, wait until the islands have hydrated (never a fixed sleep). */
export async function ready(page: Page, testInfo: TestInfo) {
  if (jsEnabled(testInfo)) {
    await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  }
}

/** Saves a screenshot as a test artifact, named by project and step. */
export async function shot(page: Page, testInfo: TestInfo, name: string) {
  const dir = path.join(__dirname, "..", "artifacts", testInfo.project.name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { path: file, contentType: "image/png" });
}

export async function login(page: Page, testInfo: TestInfo, loginId: string, password = LOGIN_PASSWORD) {
  await page.goto("/login");
  await ready(page, testInfo);
  await page.getByLabel("ログインID").fill(loginId);
  await page.getByLabel("ログインパスワード").fill(password);
  await page.getByRole("button", { name: "ログイン" }).click();
}

/** The plain-HTTP port of this project's server (see playwright.config.ts). */
export function serverPort(testInfo: TestInfo): number {
  return Number(new URL(testInfo.project.use.baseURL as string).port);
}

/** The HTTPS address of this project's server: where certificates are presented. */
export function httpsOrigin(testInfo: TestInfo): string {
  return `https://127.0.0.1:${serverPort(testInfo) + 10}`;
}

/** A demo user's .p12 (import password Demo-P12-01) of this project's server. */
export function demoCertificate(testInfo: TestInfo, loginId: string) {
  const data = path.join(require("os").tmpdir(), `kanri-e2e-${serverPort(testInfo)}`);
  return {
    origin: httpsOrigin(testInfo),
    pfxPath: path.join(data, "demo-certificates", `${loginId}.p12`),
    passphrase: "Demo-P12-01",
  };
}

/** RFC 6238 TOTP (HMAC-SHA1, 30 s, 6 digits) of a base32 secret, `stepOffset` steps from now. */
export function totp(secretBase32: string, stepOffset = 0): string {
  const crypto = require("crypto");
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secretBase32.replace(/[\s=]/g, "").toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  }
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const step = Math.floor(Date.now() / 1000 / 30) + stepOffset;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return code.toString().padStart(6, "0");
}

/** The decoded bodies of the e-mails this project's server wrote to its
 * mail folder (the demo's files transport) for `address`, oldest first. */
export function mailBodies(testInfo: TestInfo, address: string): string[] {
  const dir = path.join(require("os").tmpdir(), `kanri-e2e-${serverPort(testInfo)}`, "mail");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".eml"))
    .map((name) => path.join(dir, name))
    .sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs)
    .map((file) => fs.readFileSync(file, "utf8"))
    .filter((eml) => new RegExp(`^To: .*${address.replace(/\./g, "\\.")}`, "mi").test(eml))
    .map((eml) => {
      const split = eml.indexOf("\r\n\r\n");
      const headers = eml.slice(0, split);
      const body = eml.slice(split + 4);
      const encoding = /^Content-Transfer-Encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase();
      if (encoding === "base64") return Buffer.from(body.replace(/\s/g, ""), "base64").toString("utf8");
      if (encoding === "quoted-printable") {
        const bytes = body
          .replace(/=\r?\n/g, "")
          .replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
        return Buffer.from(bytes, "latin1").toString("utf8");
      }
      return body;
    });
}
