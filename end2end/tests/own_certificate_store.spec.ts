// Client certificates in Debian's Chromium with its own certificate store,
// no Playwright proxy: 発行用認証局の切替 (issue 24, `ca-rollover`), and
// 更新 after expiry (issue 26, the grace period), which Chromium's store
// does not offer: an expired certificate renews only from a client that
// presents it. Each login runs a
// Chromium whose NSS database (certutil, pk12util) holds the one client
// certificate it presents and the root of the server's HTTPS certificate;
// a managed policy (AutoSelectCertificateForUrls) picks that certificate
// for kanri's HTTPS address, as a bank's PCs are set up. The server is
// kanri's own, on a data folder of this test: its CA made by `ca-init`
// (so that the test holds the root's key, as the bank's vault would),
// rolled over while the test runs.
import { test, expect, chromium, Page, TestInfo } from "@playwright/test";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LOGIN_PASSWORD, jsEnabled, serverPort } from "./helpers";

const root = path.resolve(__dirname, "..", "..");
const binary = process.env.KANRI_E2E_BINARY ?? path.join(root, "target/debug/kanri-server");
const siteRoot = process.env.KANRI_E2E_SITE_ROOT ?? path.join(root, "target/site");
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const POLICIES = "/etc/chromium/policies/managed";
const ROOT_PASSPHRASE = "the-roots-passphrase-in-the-vault";
const P12_PASSWORD = "Demo-P12-01";

function policiesWritable(): boolean {
  try {
    fs.mkdirSync(POLICIES, { recursive: true });
    fs.accessSync(POLICIES, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** kanri on its own ports and data folder, with a server certificate
 * from a root made here (outside kanri's CA). */
class Kanri {
  process?: ChildProcess;
  constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get tlsPort(): number {
    return this.port + 10;
  }
  get origin(): string {
    return `https://127.0.0.1:${this.tlsPort}`;
  }
  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      KANRI_DATA_DIR: path.join(this.dir, "data"),
      KANRI_DEMO: "1",
      LEPTOS_SITE_ADDR: `127.0.0.1:${this.port}`,
      LEPTOS_SITE_ROOT: siteRoot,
      LEPTOS_SITE_PKG_DIR: "pkg",
      LEPTOS_OUTPUT_NAME: "kanri",
      KANRI_TLS_ADDR: `127.0.0.1:${this.tlsPort}`,
      KANRI_TLS_CERT: path.join(this.dir, "server.pem"),
      KANRI_TLS_KEY: path.join(this.dir, "server.key"),
      KANRI_PUBLIC_URL: this.origin,
      RUST_LOG: "warn",
    };
  }

  /** A kanri command; its output. */
  run(args: string[], input = ""): string {
    return execFileSync(binary, args, { env: this.env, input, encoding: "utf8" });
  }

  async start() {
    this.process = spawn(binary, ["serve", "--demo"], { env: this.env, stdio: "ignore" });
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("kanri did not start");
  }

  async stop() {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
}

function openssl(args: string[], cwd: string): string {
  return execFileSync("openssl", args, { cwd, encoding: "utf8" });
}

/** A root and a server certificate for 127.0.0.1 under it. */
function serverCertificate(dir: string) {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl(
    ["req", "-x509", ...ec, "-keyout", "server-root.key", "-out", "server-root.pem", "-days", "2",
      "-subj", "/CN=kanri e2e server root", "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    dir,
  );
  openssl(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"], dir);
  fs.writeFileSync(
    path.join(dir, "server.ext"),
    "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
  );
  openssl(
    ["x509", "-req", "-in", "server.csr", "-CA", "server-root.pem", "-CAkey", "server-root.key",
      "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext"],
    dir,
  );
}

/** The issuer (CN) of the certificate in a .p12. */
function issuerOf(p12: string, dir: string): string {
  const pem = openssl(["pkcs12", "-in", p12, "-nokeys", "-clcerts", "-passin", `pass:${P12_PASSWORD}`], dir);
  fs.writeFileSync(path.join(dir, "leaf.pem"), pem);
  return openssl(["x509", "-in", "leaf.pem", "-noout", "-issuer"], dir);
}

/** A Chromium whose own store holds `p12` (and nothing else of kanri's)
 * and trusts the server's root; `use` gets a page of it. */
async function inChromium<T>(kanri: Kanri, testInfo: TestInfo, name: string, p12: string, use: (page: Page) => Promise<T>): Promise<T> {
  const home = path.join(kanri.dir, `home-${name}`);
  const nssdb = path.join(home, ".pki", "nssdb");
  fs.mkdirSync(nssdb, { recursive: true });
  const db = `sql:${nssdb}`;
  execFileSync("certutil", ["-d", db, "-N", "--empty-password"]);
  execFileSync("certutil", ["-d", db, "-A", "-t", "C,,", "-n", "server-root", "-i", path.join(kanri.dir, "server-root.pem")]);
  execFileSync("pk12util", ["-d", db, "-i", p12, "-W", P12_PASSWORD, "-K", ""]);
  // The store holds the client certificate (its nickname is its CN).
  const listed = execFileSync("certutil", ["-d", db, "-L"], { encoding: "utf8" });
  expect(listed).toMatch(/\.(A|B)00\d\./);
  const context = await chromium.launchPersistentContext(path.join(kanri.dir, `profile-${name}`), {
    executablePath: chromiumPath,
    env: { ...process.env, HOME: home },
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic", "--disable-sync"],
    javaScriptEnabled: jsEnabled(testInfo),
    locale: "ja-JP",
    timezoneId: "Asia/Tokyo",
  });
  try {
    return await use(await context.newPage());
  } finally {
    await context.close();
  }
}

async function hydrated(page: Page, testInfo: TestInfo) {
  if (jsEnabled(testInfo)) {
    await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  }
}

/** Logs `loginId` in presenting `p12` from Chromium's own store; the page
 * where the login ended. */
async function loginWith(kanri: Kanri, testInfo: TestInfo, name: string, loginId: string, p12: string) {
  return inChromium(kanri, testInfo, name, p12, async (page) => {
    await page.goto(`${kanri.origin}/login`);
    await hydrated(page, testInfo);
    await page.getByLabel("ログインID").fill(loginId);
    await page.getByLabel("ログインパスワード").fill(LOGIN_PASSWORD);
    await page.getByRole("button", { name: "ログイン" }).click();
    await page.waitForLoadState("load");
    return { url: page.url(), body: await page.locator("body").innerText() };
  });
}

/** The policy that makes Chromium present the one certificate of its
 * store to `kanri` without asking; removed by the returned function. */
function autoSelectFor(kanri: Kanri): () => void {
  const policy = path.join(POLICIES, `kanri-e2e-${kanri.tlsPort}.json`);
  fs.writeFileSync(
    policy,
    JSON.stringify({
      AutoSelectCertificateForUrls: [JSON.stringify({ pattern: kanri.origin, filter: {} })],
    }),
  );
  return () => fs.rmSync(policy, { force: true });
}

/** kanri on a new data folder of this test, its CA made by `ca-init` in
 * demo mode (the demo's users and certificates load at start); the root's
 * sealed key's file. */
async function startKanri(testInfo: TestInfo, offset: number): Promise<[Kanri, string]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kanri-store-"));
  const kanri = new Kanri(dir, serverPort(testInfo) + offset);
  serverCertificate(dir);
  const rootKey = path.join(dir, "vault-root-key.pem");
  const created = kanri.run(
    ["ca-init", "--organization", "(9999)KENSHINYO DEMO", "--unit", "(9999)KANRI DEMO CA",
      "--common-name", "KANRI DEMO CA 1", "--root-key-out", rootKey],
    `${ROOT_PASSPHRASE}\n`,
  );
  expect(created).toContain("オフライン");
  await kanri.start();
  return [kanri, rootKey];
}

test("発行用認証局の切替: each issuer's certificate logs in from Chromium's own store before and after ca-rollover", async ({}, testInfo) => {
  test.skip(!policiesWritable(), `skipped: ${POLICIES} is not writable here, so Chromium cannot be told which client certificate to present`);
  test.setTimeout(240_000);
  const [kanri, rootKey] = await startKanri(testInfo, 100);
  const removePolicy = autoSelectFor(kanri);
  const dir = kanri.dir;
  try {
    const demoP12 = (id: string) => path.join(dir, "data", "demo-certificates", `${id}.p12`);
    const user02First = path.join(dir, "user02-1.p12");
    fs.copyFileSync(demoP12("user02"), user02First);
    expect(issuerOf(user02First, dir)).toContain("KANRI DEMO CA 1");

    // Before: the first issuing CA's certificate logs in.
    let at = await loginWith(kanri, testInfo, "before", "user02", user02First);
    expect(at.url).toBe(`${kanri.origin}/`);
    expect(at.body).toContain("榛名 四郎");

    // The rollover, then every instance restarted.
    await kanri.stop();
    const rolled = kanri.run(
      ["ca-rollover", "--common-name", "KANRI DEMO CA 2", "--root-key", rootKey],
      `${ROOT_PASSPHRASE}\n`,
    );
    expect(rolled).toContain("再起動");
    await kanri.start();

    // After: the first CA's certificate still logs in…
    at = await loginWith(kanri, testInfo, "after-first", "user02", user02First);
    expect(at.url).toBe(`${kanri.origin}/`);
    expect(at.body).toContain("榛名 四郎");

    // …and so does one from the new CA (master02's, reissued by the bank).
    kanri.run(["cert-revoke", "--login-id", "master02"]);
    const master02Second = path.join(dir, "master02-2.p12");
    kanri.run(["cert-issue", "--login-id", "master02", "--p12", master02Second], `${P12_PASSWORD}\n`);
    expect(issuerOf(master02Second, dir)).toContain("KANRI DEMO CA 2");
    at = await loginWith(kanri, testInfo, "after-second", "master02", master02Second);
    expect(at.url).toBe(`${kanri.origin}/`);

    // The revoked one of the first CA does not: the store did present it.
    at = await loginWith(kanri, testInfo, "revoked", "master02", demoP12("master02"));
    expect(at.url).toContain("notice=certificate.cert_revoked");
  } finally {
    await kanri.stop();
    removePolicy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** 更新 of the certificate `page` presents, to CCHK007; its new CN. */
async function renew(page: Page, testInfo: TestInfo, origin: string): Promise<string> {
  await page.goto(`${origin}/certificate/renew`);
  await hydrated(page, testInfo);
  await expect(page.getByText("CCHK002")).toBeVisible();
  await expect(page.locator("#presented-cn")).toContainText("expired01.A001.");
  await page.getByLabel("ログインパスワード").fill(LOGIN_PASSWORD);
  await page.getByRole("button", { name: "認証" }).click();
  await expect(page.getByRole("heading", { name: "証明書更新 発行方法の選択" })).toBeVisible();
  await page.getByLabel("証明書ファイルのパスワード（8文字以上）").fill("Import-Pass-01");
  await page.getByLabel("証明書ファイルのパスワード（確認用）").fill("Import-Pass-01");
  await page.getByRole("button", { name: "発行" }).click();
  await expect(page.getByText("CCHK007")).toBeVisible();
  return page.locator("#issued-cn").innerText();
}

test("更新 after expiry: expired01 renews the certificate that expired 10 days ago (30-day grace); Chromium's own store does not offer it", async ({ browser }, testInfo) => {
  test.skip(!policiesWritable(), `skipped: ${POLICIES} is not writable here, so Chromium cannot be told which client certificate to present`);
  test.setTimeout(180_000);
  const [kanri] = await startKanri(testInfo, 200);
  const removePolicy = autoSelectFor(kanri);
  try {
    const demoP12 = (id: string) => path.join(kanri.dir, "data", "demo-certificates", `${id}.p12`);
    const p12 = demoP12("expired01");
    // The same setup presents a valid certificate (admin01's)…
    const shown = await inChromium(kanri, testInfo, "admin01", demoP12("admin01"), async (page) => {
      await page.goto(`${kanri.origin}/certificate/renew`);
      await hydrated(page, testInfo);
      return page.locator("#presented-cn").innerText();
    });
    expect(shown).toContain("admin01.A001.");
    // …but Chromium leaves an expired certificate out of what its own
    // store offers (NSS on Linux): kanri never sees it, and says so.
    const said = await inChromium(kanri, testInfo, "expired01", p12, async (page) => {
      await page.goto(`${kanri.origin}/certificate/renew`);
      await hydrated(page, testInfo);
      return page.getByRole("alert").innerText();
    });
    expect(said).toContain("電子証明書が提示されていません");
    // A client that does present it (Playwright's TLS client here) renews
    // within the grace period.
    const context = await browser.newContext({
      clientCertificates: [{ origin: kanri.origin, pfxPath: p12, passphrase: P12_PASSWORD }],
      ignoreHTTPSErrors: true,
      javaScriptEnabled: jsEnabled(testInfo),
    });
    try {
      expect(await renew(await context.newPage(), testInfo, kanri.origin)).toContain("expired01.A001.");
    } finally {
      await context.close();
    }
  } finally {
    await kanri.stop();
    removePolicy();
    fs.rmSync(kanri.dir, { recursive: true, force: true });
  }
});
