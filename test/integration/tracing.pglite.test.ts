import { describeTracing } from './tracing.suite.ts';

describeTracing('pglite');
