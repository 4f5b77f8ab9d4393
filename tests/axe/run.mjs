// Runs axe-core (WCAG 2.0/2.1 A and AA rules) inside headless Chromium on each URL given, at 1280 and
// 390 px, and checks that no page scrolls sideways. Exit status 1 on any violation. The pinned
// packages (axe-core 4.14.1, playwright-core 1.65.1) live in $AXE_DIR/node_modules
// (./scripts/setup-deps.sh --browser installs them into target/axe).
import { createRequire } from 'module';
import fs from 'fs';
import path from 'path';

const dir = path.resolve(process.env.AXE_DIR || 'target/axe');
const require = createRequire(path.join(dir, 'package.json'));
const { chromium } = require('playwright-core');
const axeSource = fs.readFileSync(path.join(dir, 'node_modules/axe-core/axe.min.js'), 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
let failed = false;
for (const url of process.argv.slice(2)) {
  for (const width of [1280, 390]) {
    // bypassCSP: the pages' Content-Security-Policy forbids injected scripts, axe is one.
    const page = await browser.newPage({ viewport: { width, height: 900 }, bypassCSP: true });
    await page.goto(url);
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(() =>
      axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      }),
    );
    const sideways = await page.evaluate(
      () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
    );
    if (sideways) {
      failed = true;
      console.log(`${url} at ${width} px scrolls sideways`);
    }
    for (const v of result.violations) {
      failed = true;
      const where = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
      console.log(`${url} at ${width} px: ${v.id} (${v.impact}, ${v.nodes.length}): ${where}`);
    }
    await page.close();
  }
}
await browser.close();
process.exit(failed ? 1 : 0);
