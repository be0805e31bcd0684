import { describeLazyPullBounds } from './lazy-pull-bounds.suite.ts';

describeLazyPullBounds('pglite');
