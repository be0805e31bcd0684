import { describeMeetPolicy } from './meet-policy.suite.ts';

describeMeetPolicy('pglite');
