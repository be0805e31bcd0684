import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { packageSelfhost } from './release/package-selfhost.ts';
import { writePolicy } from './release/chrome-policy.ts';

const dir = mkdtempSync(join(tmpdir(), 'selfhost-e2e-'));
const key = join(dir, 'k.pem');
execFileSync('openssl', ['genrsa', '-out', key, '2048'], { stdio: 'ignore' });
const out = join(dir, 'out');
const hits: string[] = [];
const server = createServer((req, res) => {
  hits.push(req.url!);
  const file = join(out, basename(req.url!.split('?')[0]!));
  if (!existsSync(file)) { res.writeHead(404).end(); return; }
  res.writeHead(200, { 'content-type': file.endsWith('.crx') ? 'application/x-chrome-extension' : 'text/xml' }).end(readFileSync(file));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as any).port}/ext`;
const pkg = await packageSelfhost({ signingKeyFile: key, updateBaseUrl: base, version: '1.0.0', outDir: out, buildDir: join(dir, 'b'), buildOutput: 'ignore', buildEnv: { SAVVYSOLVE_HOST_PERMISSIONS: 'http://127.0.0.1/*' } });
console.log('id', pkg.id);
const policy = JSON.parse(writePolicy('json', { extensionId: pkg.id, updateUrl: pkg.updateUrl, settings: { backendUrl: 'http://127.0.0.1:1' } }));
const pfile = '/etc/chromium/policies/managed/zz-selfhost-proto.json';
writeFileSync(pfile, JSON.stringify({ ...policy, DeveloperToolsAvailability: 1 }));
try {
  const t0 = Date.now();
  const ctx = await chromium.launchPersistentContext('', { executablePath: '/usr/bin/chromium', headless: true, ignoreDefaultArgs: ['--disable-extensions', '--disable-background-networking', '--disable-component-extensions-with-background-pages'], args: ['--no-sandbox', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'] });
  await new Promise((r) => setTimeout(r, 12000));
  const pp = await ctx.newPage();
  await pp.goto(`chrome://extensions/?id=${pkg.id}`);
  await pp.waitForTimeout(2000);
  await pp.screenshot({ path: '/tmp/shots/ext-details.png', fullPage: true });
  const cdp = await ctx.newCDPSession(pp);
  const targets = await cdp.send('Target.getTargets');
  console.log(JSON.stringify(targets.targetInfos.map((t: any) => [t.type, t.url]), null, 0));
  const opened = ctx.waitForEvent('page', { predicate: (p: any) => p.url().startsWith('chrome-extension://') });
  await cdp.send('Target.createTarget', { url: `chrome-extension://${pkg.id}/options.html` });
  const ep = await opened;
  await ep.waitForLoadState();
  console.log('ext page', ep.url(), await ep.evaluate(async () => { const s = await chrome.management.getSelf(); return { installType: s.installType, version: s.version }; }));
  await ep.screenshot({ path: '/tmp/shots/selfhost-options.png' });
  await packageSelfhost({ signingKeyFile: key, updateBaseUrl: base, version: '1.0.1', outDir: out, buildDir: join(dir, 'b2'), buildOutput: 'ignore', buildEnv: { SAVVYSOLVE_HOST_PERMISSIONS: 'http://127.0.0.1/*' } });
  const t1 = Date.now();
  console.log('check', await ep.evaluate(() => chrome.runtime.requestUpdateCheck()).catch((e: any) => String(e)));
  for (let i = 0; i < 60; i++) {
    const t = await cdp.send('Target.getTargets');
    const sw = t.targetInfos.find((x: any) => x.type === 'service_worker' && x.url.includes(pkg.id));
    if (i % 5 === 0) console.log(i, sw?.targetId, hits.length);
    if (hits.some((h) => h.includes('1.0.1.crx')) && sw) {
      const att = await cdp.send('Target.attachToTarget', { targetId: sw.targetId, flatten: true }).catch(() => undefined);
      if (att) {
        const v = await (cdp as any).send('Runtime.evaluate', { expression: 'chrome.runtime.getManifest().version', returnByValue: true }, att.sessionId).catch((e: any) => String(e));
        console.log('sw version?', JSON.stringify(v).slice(0, 200));
      }
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const opened2 = ctx.waitForEvent('page', { predicate: (p: any) => p.url().startsWith('chrome-extension://') });
  await cdp.send('Target.createTarget', { url: `chrome-extension://${pkg.id}/options.html` });
  const ep2 = await opened2; await ep2.waitForLoadState();
  console.log('after update', await ep2.evaluate(() => chrome.runtime.getManifest().version), Date.now() - t1);
  console.log(hits);
  await ctx.close();
} finally { rmSync(pfile, { force: true }); server.close(); }
