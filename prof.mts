const t0 = performance.now();
const { PGlite } = await import('@electric-sql/pglite');
const t1 = performance.now();
const pg = await PGlite.create('/tmp/w24-pg');
const t2 = performance.now();
const { PgBoss, fromPglite } = await import('pg-boss');
const t3 = performance.now();
const boss = new PgBoss({ db: fromPglite(pg), backend: 'pglite', schedule: false });
await boss.start();
const t4 = performance.now();
for (const n of ['sms.send','realtime.publish','calendar.end-event','calendar.discard-event','host.deliver','meet.space-setup','meet.attendance-poll','meet.space-retire']) { if (await boss.getQueue(n)) await boss.updateQueue(n, {retryLimit: 3}); }
const t5 = performance.now();
await import('drizzle-orm/pglite'); await import('googleapis/build/src/apis/calendar/index.js'); const t6 = performance.now();
await boss.stop({graceful:true, timeout: 5000}); const t7 = performance.now();
console.log({ importPglite: t1 - t0, create: t2 - t1, importBoss: t3 - t2, bossStart: t4 - t3, queues: t5 - t4, importGoogle: t6-t5, stop: t7-t6 });
