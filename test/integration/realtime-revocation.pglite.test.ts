import { describeRealtimeRevocation } from './realtime-revocation.suite.ts';

describeRealtimeRevocation('pglite');
