import { describePrometheusScrape } from './prometheus.suite.ts';

describePrometheusScrape('pglite');
