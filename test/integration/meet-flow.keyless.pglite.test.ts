import { describeMeetFlow } from './meet-flow.suite.ts';

describeMeetFlow('pglite', 'keyless');
