import { cleanup } from '@testing-library/react';
import { afterEach, beforeEach } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';

// Every test starts with an empty fake browser (storage, listeners) and an empty DOM.
beforeEach(() => {
  fakeBrowser.reset();
});
afterEach(() => {
  cleanup();
  document.body.innerHTML = '';
});
