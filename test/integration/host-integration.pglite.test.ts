import { describeHostIntegration } from './host-integration.suite.ts';

describeHostIntegration('pglite');
