import { describeCustomerData } from './customer-data.suite.ts';

describeCustomerData('pglite');
