import { describeMeetEvents } from './meet-events.suite.ts';

describeMeetEvents('pglite');
