/**
 * Shared pieces of the web UI tests: Debian's chromium driven by
 * playwright-core (skipped when missing), the built UI (built when absent),
 * axe-core checks and screenshots under test-output/web-ui/.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { REPO_ROOT } from '../harness/daemon.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-output', 'web-ui');
const WEB_UI_DIST = join(REPO_ROOT, 'web-ui', 'dist');
const BUNDLED_UI = join(REPO_ROOT, 'dist', 'web-ui');

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`;
}

/**
 * Makes sure the daemon serves the current UI: builds web-ui/dist when it is
 * missing or older than the sources, and refreshes dist/web-ui (which the
 * daemon prefers) from it, as scripts/build.mjs does.
 */
export function ensureWebUiBuilt(): void {
  // Test files run in parallel: one builds while the others wait on the lock.
  const lock = join(REPO_ROOT, 'test-output', '.web-ui-build.lock');
  mkdirSync(join(REPO_ROOT, 'test-output'), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed run is stale after two minutes.
      if (
        Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 120_000 ||
        Date.now() > deadline
      ) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    buildAndInstall();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function buildAndInstall(): void {
  const index = join(WEB_UI_DIST, 'index.html');
  if (!existsSync(index) || newestSourceMs() > statSync(index).mtimeMs) {
    execFileSync(process.execPath, [join(REPO_ROOT, 'web-ui', 'build.mjs')], { stdio: 'inherit' });
  }
  const bundled = join(BUNDLED_UI, 'index.html');
  if (
    existsSync(join(REPO_ROOT, 'dist')) &&
    (!existsSync(bundled) || readFileSync(bundled, 'utf8') !== readFileSync(index, 'utf8'))
  ) {
    rmSync(BUNDLED_UI, { recursive: true, force: true });
    cpSync(WEB_UI_DIST, BUNDLED_UI, { recursive: true });
  }
}

function newestSourceMs(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else newest = Math.max(newest, st.mtimeMs);
    }
  };
  walk(join(REPO_ROOT, 'web-ui', 'src'));
  newest = Math.max(newest, statSync(join(REPO_ROOT, 'web-ui', 'index.html')).mtimeMs);
  return newest;
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors seen so far (CSP violations show up here). */
  problems: string[];
  close(): Promise<void>;
}

/** A fresh chromium profile, one page, loopback only. */
export async function openBrowser(): Promise<BrowserSession> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'linegate-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (msg) => {
    // Refused API calls (401, 404 for a missing back end, 429) are expected and shown by the UI;
    // anything else (a CSP refusal, a script error) is a problem.
    const text = msg.text();
    if (msg.type() !== 'error') return;
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
    if (/WebSocket connection to .*\/api\/v1\/ws/.test(text)) return;
    problems.push(`console: ${text}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

const AXE_SOURCE = readFileSync(join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** Runs axe-core in the page (injected through the DevTools protocol, so the page's CSP stays strict). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof window.axe');
  if (loaded !== 'object') await page.evaluate(AXE_SOURCE);
  return (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })))`)) as AxeViolation[];
}

export function seriousViolations(violations: AxeViolation[]): AxeViolation[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Full-page screenshots at desktop (1280 px) and phone (360 px) width; returns the paths. */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const paths: string[] = [];
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: width === 360 ? 740 : 800 });
    await page.waitForTimeout(50);
    const path = join(SCREENSHOT_DIR, `${name}-${width}.png`);
    await page.screenshot({ path, fullPage: true });
    paths.push(path);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  return paths;
}

/** Widest element overflow at the current viewport, in CSS px (0 = no horizontal scrolling). */
export async function horizontalOverflowPx(page: Page): Promise<number> {
  return (await page.evaluate(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  )) as number;
}
