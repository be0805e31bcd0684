import { describeMeetSpaceOwnership } from './meet-space-ownership.suite.ts';

describeMeetSpaceOwnership('pglite');
