import { describeHostAccessRules } from './host-access-rules.suite.ts';

describeHostAccessRules('pglite');
