import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../env.ts';
import { runDoctor } from './checks.ts';
import { formatCheck, formatSummary } from './format.ts';

// `npm run doctor [-- --as someone@domain] [--send-to +1…]`: checks this environment's deployment. Exits 1 on a
// failure; warnings (e.g. the Meet scopes not granted yet: links still work without them) keep it at 0.
const { values } = parseArgs({
  options: { as: { type: 'string', multiple: true }, 'send-to': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});

if (values.help) {
  console.log('Usage: npm run doctor [-- --as solver@your-domain ...] [--send-to +14155550123]');
  process.exit(0);
}

let config;
try {
  config = loadConfig(process.env);
  console.log('✔ configuration: every variable parses');
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.log(`✘ configuration:\n${error.problems.map((problem) => `    ${problem}`).join('\n')}`);
  process.exit(1);
}

const results = await runDoctor(config, { as: values.as, sendTo: values['send-to'] }, (result) => console.log(formatCheck(result)));
console.log(formatSummary(results));
process.exit(results.some((result) => result.status === 'fail') ? 1 : 0);
