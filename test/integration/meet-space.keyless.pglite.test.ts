import { describeMeetSpace } from './meet-space.suite.ts';

describeMeetSpace('pglite', 'keyless');
