import { describeSmsCarrierErrors } from './sms-carrier-errors.suite.ts';

describeSmsCarrierErrors('pglite');
