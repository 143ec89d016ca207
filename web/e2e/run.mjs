// Browser journeys: builds guichet, starts `guichet serve` on a free port
// with its own data folder, and drives Debian's Chromium through the SPA it
// serves. Screenshots of each screen go to web/test-results/. The last line
// is "N passed, N failed"; the exit code is non-zero when any journey fails.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const web = dirname(dirname(fileURLToPath(import.meta.url)));
const repo = dirname(web);
const shots = join(web, 'test-results');
const work = mkdtempSync(join(tmpdir(), 'guichet-e2e-'));
mkdirSync(shots, { recursive: true });

const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** startGuichet builds the binary (with the SPA already built into it) and serves on a free port. */
async function startGuichet() {
  const bin = join(work, 'guichet');
  execFileSync('go', ['build', '-o', bin, './cmd/guichet'], { cwd: repo, stdio: 'inherit' });
  const port = await freePort();
  const proc = spawn(bin, ['serve'], {
    cwd: work,
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: join(work, 'data'),
      ADMIN_EMAIL: 'admin@guichet.test',
      ADMIN_PASSWORD: 'e2e-admin-password',
      BACKUP_SCHEDULE: 'off',
      LOG_LEVEL: 'warn',
      MONGODB_URI: '',
      WEB_DIR: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stderr.on('data', (b) => (log = (log + b).slice(-20000)));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (b) => {
      out += b;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`guichet serve exited with ${code}:\n${log}`)));
  });
  return { url, proc, log: () => log };
}

const stamp = Date.now().toString(36);

/** browserFor opens a fresh Chromium profile speaking locale. */
async function browserFor(locale) {
  const dir = mkdtempSync(join(work, 'chromium-'));
  return chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [...chromiumFlags, `--lang=${locale}`],
    locale,
    viewport: { width: 390, height: 844 },
    headless: true,
  });
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function signUp(page, base, who, organizer) {
  await page.goto(`${base}/signup`);
  await page.fill('input[name=username]', who);
  await page.fill('input[name=email]', `${who}@guichet.test`);
  await page.fill('input[name=password]', 'correct horse battery');
  if (organizer) await page.check('input[name=organizer]');
  await page.click('form button[type=submit]');
  await page.waitForURL((u) => !u.pathname.startsWith('/signup'));
}

function check(cond, message) {
  if (!cond) throw new Error(message);
}

const texts = {
  en: { events: 'Upcoming events', signin: 'Sign in', confirmation: 'A confirmation email is on its way.', valid: 'Valid: welcome!', already: 'Already checked in' },
  fr: { events: 'Événements à venir', signin: 'Se connecter', confirmation: 'Un e-mail de confirmation est en route.', valid: 'Valide : bienvenue !', already: 'Déjà contrôlé' },
};

/** smoke: deep links reach the SPA, in the browser's language. */
async function smoke(base, lang) {
  const ctx = await browserFor(lang === 'fr' ? 'fr-FR' : 'en-US');
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    const res = await page.goto(`${base}/signin?next=%2Ftickets`);
    check(res.status() === 200, `deep link answered ${res.status()}`);
    await page.getByRole('heading', { level: 1, name: texts[lang].signin }).waitFor();
    check((await page.getAttribute('html', 'lang')) === lang, 'html lang');
    await shot(page, `${lang}-00-signin`);
  } finally {
    await ctx.close();
  }
}

/** buyAndCheckIn: an organizer creates an event, a buyer buys two tickets
 * and sees their QR codes, the organizer checks one in twice. */
async function buyAndCheckIn(base, lang) {
  const t = texts[lang];
  const title = `E2E ${lang} concert ${stamp}`;
  const organizer = await browserFor(lang === 'fr' ? 'fr-FR' : 'en-US');
  const buyer = await browserFor(lang === 'fr' ? 'fr-FR' : 'en-US');
  try {
    // The organizer signs up and creates an event.
    const org = organizer.pages()[0] ?? (await organizer.newPage());
    await signUp(org, base, `org_${lang}_${stamp}`, true);
    await org.goto(`${base}/organizer/events/new`);
    await shot(org, `${lang}-01-event-form`);
    await org.click('form button[type=submit]');
    await org.locator('[aria-invalid=true]').first().waitFor();
    await shot(org, `${lang}-02-event-form-errors`);
    await org.fill('input[name=title]', title);
    await org.fill('textarea[name=description]', 'A night of music for the browser journeys.');
    await org.fill('input[name=date]', '2099-06-01T20:00');
    await org.fill('input[name=address]', '1 place du Théâtre, Lyon');
    await org.fill('input[name=ticketCapacity]', '80');
    await org.fill('input[name=price]', '19.99');
    await org.click('form button[type=submit]');
    await org.waitForURL(/\/organizer\/events\/[0-9a-f]{24}$/);
    const eventPath = new URL(org.url()).pathname.replace('/organizer', '');
    await shot(org, `${lang}-03-event-sales-empty`);

    // The buyer signs up, finds the event, buys two tickets.
    const page = buyer.pages()[0] ?? (await buyer.newPage());
    await signUp(page, base, `buyer_${lang}_${stamp}`, false);
    await page.getByRole('heading', { level: 1, name: t.events }).waitFor();
    await page.fill('input[type=search]', title);
    await page.click('form[role=search] button[type=submit]');
    await page.getByRole('link', { name: title }).click();
    await page.waitForURL(`**${eventPath}`);
    await shot(page, `${lang}-04-event`);
    await page.selectOption('#buy-quantity', '2');
    await page.locator('.buy-box button[type=submit]').dblclick();
    await page.getByText(t.confirmation).waitFor();
    const numbers = await page.locator('.ticket-numbers li').allTextContents();
    check(numbers.length === 2, `confirmation shows ${numbers.length} tickets`);
    await shot(page, `${lang}-05-confirmation`);

    // My tickets: two tickets, each with a QR image that loaded.
    await page.goto(`${base}/tickets`);
    await page.locator('img.qr').nth(1).waitFor();
    const loaded = await page.$$eval('img.qr', (imgs) => imgs.filter((i) => i.complete && i.naturalWidth > 0).length);
    check(loaded === 2, `${loaded} QR images loaded, want 2`);
    await shot(page, `${lang}-06-my-tickets`);
    await page.locator('a[href$="/print"]').first().click();
    const code = (await page.locator('.code').textContent())?.trim() ?? '';
    check(code.length > 20, 'printable ticket shows its code');
    await shot(page, `${lang}-07-printable`);

    // The organizer checks the ticket in twice: the second is refused.
    await org.goto(`${base}/checkin`);
    await org.fill('#checkin-code', code);
    await org.click('form button[type=submit]');
    await org.locator('[data-result=valid]').waitFor();
    check((await org.locator('.checkin-result').textContent()).includes(t.valid), 'valid text');
    await shot(org, `${lang}-08-checkin-valid`);
    await org.fill('#checkin-code', code);
    await org.click('form button[type=submit]');
    await org.locator('[data-result=already]').waitFor();
    check((await org.locator('.checkin-result').textContent()).includes(t.already), 'already text');
    await shot(org, `${lang}-09-checkin-already`);
    await org.fill('#checkin-code', `${code.slice(0, -1)}${code.endsWith('A') ? 'B' : 'A'}`);
    await org.click('form button[type=submit]');
    await org.locator('[data-result=invalid]').waitFor();
    await shot(org, `${lang}-10-checkin-invalid`);

    // Sales figures count the two tickets.
    await org.goto(`${base}/organizer${eventPath}`);
    await org.locator('[data-testid=sold]', { hasText: '2' }).waitFor();
    await shot(org, `${lang}-11-event-sales`);
  } finally {
    await organizer.close();
    await buyer.close();
  }
}

const journeys = [
  ['deep links reach the SPA in English', (base) => smoke(base, 'en')],
  ['deep links reach the SPA in French', (base) => smoke(base, 'fr')],
  ['buyer buys two tickets and sees QR codes; organizer checks one in twice (English)', (base) => buyAndCheckIn(base, 'en')],
  ['the same journey in French', (base) => buyAndCheckIn(base, 'fr')],
];

let passed = 0;
let failed = 0;
let server;
try {
  server = await startGuichet();
  for (const [name, run] of journeys) {
    try {
      await run(server.url);
      passed++;
      console.log(`ok - ${name}`);
    } catch (err) {
      failed++;
      console.log(`not ok - ${name}\n  ${String(err?.stack ?? err).split('\n').slice(0, 6).join('\n  ')}`);
    }
  }
} catch (err) {
  failed++;
  console.log(`not ok - start guichet serve\n  ${err}`);
} finally {
  server?.proc.kill('SIGTERM');
  if (server) await new Promise((ok) => server.proc.once('exit', ok));
  rmSync(work, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
