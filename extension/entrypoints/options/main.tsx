import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../../lib/ui/base.css';
import { OptionsApp } from './options-app.tsx';
import './style.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={new QueryClient()}>
      <OptionsApp />
    </QueryClientProvider>
  </StrictMode>,
);
