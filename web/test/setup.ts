import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// The machine is shared: give the UI time to answer under load.
configure({ asyncUtilTimeout: 10_000 });

afterEach(() => {
  cleanup();
  if (typeof localStorage !== 'undefined') localStorage.clear();
});
